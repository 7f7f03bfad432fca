//! `config.toml` and the environment variables that override it (see `config.example.toml`).
//! Tokens are [`Secret`]s: they cannot be printed by accident.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A token or key. Its `Debug` and `Display` never show the value; [`Secret::expose`] is the only
/// way to read it, so every use is visible in the code.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub catalog: CatalogConfig,
    pub ui: UiConfig,
    /// Key bindings: action name to one or more keys, e.g. `"catalog.filter" = ["/", "f"]`.
    pub keys: BTreeMap<String, Vec<String>>,
    pub cache: CacheConfig,
    pub github: GithubConfig,
    pub pagerduty: PagerDutyConfig,
    pub backstage: BackstageConfig,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogConfig {
    /// Files or folders to read, relative to the config file's folder.
    pub sources: Vec<PathBuf>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    pub theme: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    pub dir: Option<PathBuf>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GithubConfig {
    pub token: Option<Secret>,
    pub api_url: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PagerDutyConfig {
    pub token: Option<Secret>,
    pub api_url: Option<String>,
    pub events_url: Option<String>,
    /// The user's PagerDuty login email, sent as `From` when acknowledging or resolving.
    pub from_email: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackstageConfig {
    pub url: Option<String>,
    pub token: Option<Secret>,
}

/// A config that could not be read, naming the file and, for syntax errors, the line.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The config and where it came from.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub path: Option<PathBuf>,
    pub warnings: Vec<String>,
}

impl Config {
    /// Reads the config: `explicit` (from `--config`), else `$GREENROOM_CONFIG`, else the platform
    /// config folder's `config.toml`. A missing file is an error only when it was named.
    pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        let named = explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("GREENROOM_CONFIG").map(PathBuf::from));
        let path = match named {
            Some(path) => path,
            None => match default_config_path() {
                Some(path) if path.is_file() => path,
                _ => return Ok(Loaded::default()),
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|err| ConfigError(format!("{}: cannot read config: {err}", path.display())))?;
        let mut config = Config::parse(&text)
            .map_err(|err| ConfigError(format!("{}: {err}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for source in &mut config.catalog.sources {
            if source.is_relative() {
                *source = base.join(&*source);
            }
        }
        let warnings = permission_warnings(&path, &config);
        Ok(Loaded {
            config,
            path: Some(path),
            warnings,
        })
    }

    /// Parses config text; errors carry the line and column of the problem.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|err| {
            let position = err
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!("{line}:{col}: ")
                })
                .unwrap_or_default();
            format!("{position}{}", err.message())
        })
    }

    pub fn github_token(&self) -> Option<Secret> {
        env_secret(&["GITHUB_TOKEN", "GH_TOKEN"]).or_else(|| self.github.token.clone())
    }

    pub fn github_api_url(&self) -> String {
        env_or(
            "GITHUB_API_URL",
            self.github.api_url.as_deref(),
            "https://api.github.com",
        )
    }

    pub fn pagerduty_token(&self) -> Option<Secret> {
        env_secret(&["PAGERDUTY_TOKEN"]).or_else(|| self.pagerduty.token.clone())
    }

    pub fn pagerduty_api_url(&self) -> String {
        env_or(
            "PAGERDUTY_API_URL",
            self.pagerduty.api_url.as_deref(),
            "https://api.pagerduty.com",
        )
    }

    pub fn pagerduty_events_url(&self) -> String {
        env_or(
            "PAGERDUTY_EVENTS_URL",
            self.pagerduty.events_url.as_deref(),
            "https://events.pagerduty.com",
        )
    }

    pub fn backstage_url(&self) -> Option<String> {
        std::env::var("BACKSTAGE_URL")
            .ok()
            .filter(|s| !s.is_empty())
            .or_else(|| self.backstage.url.clone())
    }

    pub fn backstage_token(&self) -> Option<Secret> {
        env_secret(&["BACKSTAGE_TOKEN"]).or_else(|| self.backstage.token.clone())
    }

    /// `GREENROOM_CACHE_DIR`, else config, else the platform cache folder.
    pub fn cache_dir(&self) -> PathBuf {
        std::env::var_os("GREENROOM_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| self.cache.dir.clone())
            .or_else(|| project_dirs().map(|d| d.cache_dir().to_path_buf()))
            .unwrap_or_else(|| std::env::temp_dir().join("greenroom-cache"))
    }
}

fn env_secret(names: &[&str]) -> Option<Secret> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret)
    })
}

fn env_or(name: &str, configured: Option<&str>, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| configured.map(str::to_owned))
        .unwrap_or_else(|| default.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "greenroom")
}

pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// A config holding a token that others can read gets a warning.
fn permission_warnings(path: &Path, config: &Config) -> Vec<String> {
    let has_secret = [
        &config.github.token,
        &config.pagerduty.token,
        &config.backstage.token,
    ]
    .iter()
    .any(|t| t.is_some());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if has_secret && meta.permissions().mode() & 0o044 != 0 {
                return vec![format!(
                    "{}: holds a token and is readable by others; run: chmod 600 {}",
                    path.display(),
                    path.display()
                )];
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let config = Config::parse("[github]\ntoken = \"ghp_verysecret\"\n").unwrap();
        let shown = format!("{config:?} {}", config.github.token.clone().unwrap());
        assert!(!shown.contains("verysecret"), "{shown}");
        assert_eq!(config.github.token.unwrap().expose(), "ghp_verysecret");
    }

    #[test]
    fn errors_name_line_and_key() {
        let err = Config::parse("[ui]\ntheme = \"dark\"\ncolour = 1\n").unwrap_err();
        assert!(err.starts_with("3:1:"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config.example.toml");
        Config::parse(text).unwrap();
    }
}
