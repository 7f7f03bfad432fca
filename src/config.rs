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
    pub scorecard: ScorecardConfig,
    pub dora: DoraConfig,
    pub backstage: BackstageConfig,
    pub cost: CostConfig,
    pub identity: IdentityConfig,
    pub reading: ReadingConfig,
    /// Set at start-up when the catalog is the bundled demo: the base URL of the demo's loopback
    /// API (`demo::api`), which GitHub and PagerDuty are then asked at, over any configured URL or
    /// token. Never read from the file.
    #[serde(skip)]
    pub demo_api: Option<DemoApi>,
}

/// The bundled demo's loopback API as the config sees it: where it answers and the placeholder
/// token it expects. `sources::point_at_demo` fills it; the config knows nothing else of the demo.
#[derive(Clone, Debug)]
pub struct DemoApi {
    pub url: String,
    pub token: Secret,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// The user's own User entity (`user:default/jane`, or `jane`), for the inbox: what their
    /// teams' services need from them now.
    pub user: Option<String>,
}

/// `[cost]`: where cost comes from and how it is grouped (see `cost::Settings` for defaults).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostConfig {
    /// "aws" (Cost Explorer) or "focus"; default: focus when `focus` is set, else aws.
    pub source: Option<String>,
    /// A FOCUS CSV export, file or folder, relative to the config file's folder.
    pub focus: Option<PathBuf>,
    pub team_tag: Option<String>,
    pub service_tag: Option<String>,
    /// Cost Explorer metric: UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost,
    /// BlendedCost.
    pub metric: Option<String>,
    /// FOCUS cost column: BilledCost, EffectiveCost, ListCost, ContractedCost.
    pub focus_column: Option<String>,
    pub period_days: Option<u32>,
    /// Cost Explorer's signing region (us-east-1; cn-northwest-1 in China).
    pub region: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogConfig {
    /// What to read, merged in this order: files or folders (relative to the config file's
    /// folder), Backstage backends, GitHub organisations.
    pub sources: Vec<SourceConfig>,
    /// How often the TUI reads a remote catalog (a Backstage backend, GitHub discovery) again:
    /// `"30s"`, `"5m"`, `"1h"`, or `"off"`. Default 5 minutes.
    pub refresh: Option<String>,
}

impl CatalogConfig {
    /// The interval of `refresh`; `None` when it is `"off"`.
    pub fn refresh_interval(&self) -> Result<Option<std::time::Duration>, ConfigError> {
        let Some(text) = self.refresh.as_deref().map(str::trim) else {
            return Ok(Some(std::time::Duration::from_secs(300)));
        };
        if text == "off" {
            return Ok(None);
        }
        let bad = || {
            ConfigError(format!(
                "[catalog] refresh = {text:?}: expected a number with s, m or h (\"5m\"), or \"off\""
            ))
        };
        let (number, unit) = text.split_at(text.len().saturating_sub(1));
        let n: u64 = number.parse().map_err(|_| bad())?;
        let seconds = match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            _ => return Err(bad()),
        };
        if seconds == 0 {
            return Err(bad());
        }
        Ok(Some(std::time::Duration::from_secs(seconds)))
    }
}

/// One entry of `[catalog] sources`: a path (a string), or a table naming a remote source.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SourceConfig {
    Path(PathBuf),
    Backstage(BackstageSource),
    GitHubOrg(GitHubOrgSource),
}

/// `{ backstage = "https://backstage.example.com" }`: a backend's whole catalog (the token is
/// `[backstage] token` / `BACKSTAGE_TOKEN`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackstageSource {
    pub backstage: String,
}

/// `{ github_org = "acme", repos = "^svc-", path = "catalog-info.yaml" }`: each repository's
/// catalog file, as Backstage's GitHub discovery finds them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitHubOrgSource {
    pub github_org: String,
    /// A regular expression the repository name must match (all repositories when absent).
    #[serde(default)]
    pub repos: Option<String>,
    /// The catalog file's path in each repository (default `catalog-info.yaml`).
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    pub theme: Option<String>,
    /// Clicks, double-clicks and the wheel in the TUI (default on; `--no-mouse` turns it off).
    pub mouse: Option<bool>,
}

/// Which URLs definitions may be fetched from, in the shape of Backstage's
/// `backend.reading.allow` (GitHub blob URLs go through the `[github]` integration instead).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadingConfig {
    pub allow: Vec<AllowedHost>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedHost {
    /// `example.com`, `example.com:8080` (a port other than the scheme's is part of the host),
    /// or `*.example.com` (any subdomain, not the domain itself).
    pub host: String,
    /// Path prefixes; none: any path.
    #[serde(default)]
    pub paths: Vec<String>,
}

impl ReadingConfig {
    /// Whether `url` may be read, as Backstage's reader checks `reading.allow`.
    pub fn allows(&self, url: &url::Url) -> bool {
        let Some(name) = url.host_str() else {
            return false;
        };
        let host = match url.port() {
            Some(port) => format!("{name}:{port}"),
            None => name.to_string(),
        };
        self.allow.iter().any(|rule| {
            let host_ok = match rule.host.strip_prefix("*.") {
                Some(domain) => host.ends_with(&format!(".{domain}")),
                None => rule.host.eq_ignore_ascii_case(&host),
            };
            // A prefix is matched on the normalised path, so `/x/../y` cannot step out of it.
            host_ok
                && (rule.paths.is_empty()
                    || rule
                        .paths
                        .iter()
                        .any(|p| url.path().starts_with(p.as_str())))
        })
    }
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
pub struct ScorecardConfig {
    /// The scorecard file (scorecards as code), relative to this file's folder; else the bundled
    /// default.
    pub file: Option<PathBuf>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DoraConfig {
    /// The default window of `greenroom dora` and the DORA pane (`30d`).
    pub window: Option<String>,
    /// A deployment followed by a failure within this long is a failed change (`24h`).
    pub failure_window: Option<String>,
    /// The GitHub deployments' environment (`production`; `""` for every environment).
    pub environment: Option<String>,
    /// A deploy workflow file (`deploy.yml`): deployments are then its successful runs on the
    /// default branch, not GitHub deployments.
    pub deploy_workflow: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackstageConfig {
    pub url: Option<String>,
    pub token: Option<Secret>,
}

/// A config that could not be read, naming the file and, for syntax errors, the line.
#[derive(Debug, PartialEq, Eq)]
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
            if let SourceConfig::Path(path) = source {
                if path.is_relative() {
                    *path = base.join(&*path);
                }
            }
        }
        if let Some(focus) = config.cost.focus.as_mut().filter(|p| p.is_relative()) {
            *focus = base.join(&*focus);
        }
        if let Some(file) = config.scorecard.file.as_mut().filter(|p| p.is_relative()) {
            *file = base.join(&*file);
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
        if let Some(demo) = &self.demo_api {
            return Some(demo.token.clone());
        }
        env_secret(&["GITHUB_TOKEN", "GH_TOKEN"]).or_else(|| self.github.token.clone())
    }

    pub fn github_api_url(&self) -> String {
        if let Some(demo) = &self.demo_api {
            return format!("{}/github", demo.url);
        }
        env_or(
            "GITHUB_API_URL",
            self.github.api_url.as_deref(),
            "https://api.github.com",
        )
    }

    pub fn pagerduty_token(&self) -> Option<Secret> {
        if let Some(demo) = &self.demo_api {
            return Some(demo.token.clone());
        }
        env_secret(&["PAGERDUTY_TOKEN"]).or_else(|| self.pagerduty.token.clone())
    }

    pub fn pagerduty_api_url(&self) -> String {
        if let Some(demo) = &self.demo_api {
            return format!("{}/pagerduty", demo.url);
        }
        env_or(
            "PAGERDUTY_API_URL",
            self.pagerduty.api_url.as_deref(),
            "https://api.pagerduty.com",
        )
    }

    pub fn pagerduty_events_url(&self) -> String {
        if let Some(demo) = &self.demo_api {
            return format!("{}/pagerduty-events", demo.url);
        }
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

    /// Where live data (HTTP answers) is cached: under [`Config::cache_dir`], or nowhere for the
    /// demo, whose loopback API moves to another port each launch (its answers would pile up
    /// under new URLs, and must never mix with real ones).
    pub fn provider_cache_dir(&self) -> Option<PathBuf> {
        match self.demo_api {
            Some(_) => None,
            None => Some(self.cache_dir()),
        }
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

    #[test]
    fn reading_allow_matches_hosts_ports_and_path_prefixes_as_backstage() {
        let reading: ReadingConfig = toml::from_str(
            "allow = [{ host = \"example.com\", paths = [\"/apis/\"] }, { host = \"*.corp.example\" }, { host = \"localhost:8080\" }]",
        )
        .unwrap();
        let allows = |u: &str| reading.allows(&url::Url::parse(u).unwrap());
        assert!(allows("https://example.com/apis/a.yaml"));
        assert!(!allows("https://example.com/private/a.yaml"));
        assert!(!allows("https://example.com/apis/../private/a.yaml"));
        assert!(!allows("https://example.com:8443/apis/a.yaml"));
        assert!(allows("https://docs.corp.example/x"));
        assert!(!allows("https://corp.example/x"));
        assert!(allows("http://localhost:8080/x"));
        assert!(!allows("http://localhost/x"));
    }
    #[test]
    fn catalog_refresh_takes_seconds_minutes_hours_or_off() {
        let every = |text: &str| {
            Config::parse(&format!("[catalog]\nrefresh = \"{text}\"\n"))
                .unwrap()
                .catalog
                .refresh_interval()
        };
        let minutes = |m: u64| Ok(Some(std::time::Duration::from_secs(m * 60)));
        assert_eq!(every("5m"), minutes(5));
        assert_eq!(every("90s"), Ok(Some(std::time::Duration::from_secs(90))));
        assert_eq!(every("1h"), minutes(60));
        assert_eq!(every("off"), Ok(None));
        assert_eq!(
            Config::default().catalog.refresh_interval(),
            minutes(5),
            "the default"
        );
        for bad in ["5", "m", "0m", "-1m", "5d", "five minutes"] {
            let err = every(bad).unwrap_err().to_string();
            assert!(
                err.contains("[catalog] refresh") && err.contains(bad),
                "{bad}: {err}"
            );
        }
    }

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
    fn sources_are_paths_or_remote_tables() {
        let config = Config::parse(
            "[catalog]\nsources = [\"catalog\", { backstage = \"http://127.0.0.1:7007\" }, { github_org = \"acme\", repos = \"^svc-\" }]\n",
        )
        .unwrap();
        assert_eq!(
            config.catalog.sources,
            [
                SourceConfig::Path("catalog".into()),
                SourceConfig::Backstage(BackstageSource {
                    backstage: "http://127.0.0.1:7007".into()
                }),
                SourceConfig::GitHubOrg(GitHubOrgSource {
                    github_org: "acme".into(),
                    repos: Some("^svc-".into()),
                    path: None
                }),
            ]
        );
        let err = Config::parse("[catalog]\nsources = [{ github_org = \"acme\", branch = 1 }]\n")
            .unwrap_err();
        assert!(err.starts_with("2:"), "{err}");
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config.example.toml");
        Config::parse(text).unwrap();
    }
}
