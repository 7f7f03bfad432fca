//! A Backstage app repository as a catalog source: the `catalog.locations` and `catalog.rules` of
//! its `app-config.yaml` files, read as Backstage's catalog reads them.
//!
//! - Files are merged in order as Backstage's config loader merges them: objects deeply, arrays
//!   and scalars replaced by the later file. `${VAR}` in a string is the environment variable
//!   (trimmed); a string naming a variable that is not set counts as absent, as in Backstage;
//!   `$${` is a literal `${`. `{ $env: VAR }` is the variable too.
//! - `type: file` targets are relative to the config file that declared the locations (falling
//!   back to `packages/backend`, the folder Backstage's backend runs in, as `create-app`'s
//!   `../../examples` targets assume); globs allowed; Location entities in them are followed.
//! - `type: url` targets on github.com, or on a GitHub Enterprise host listed in
//!   `integrations.github`, are read through the GitHub API with the integration's token (else
//!   greenroom's), conditionally, as GitHub organisation discovery reads files.
//! - Rules (Backstage's `DefaultCatalogRulesEnforcer`): `catalog.rules` (default: Component, API
//!   and Location), plus each location's own `rules`, apply to everything that originated at that
//!   location. As in Backstage, one refused entity fails the whole read of the Location that
//!   emitted it: none of its entities are kept, and the refusal is an error in Backstage's words.

use super::github_org::Discovery;
use crate::catalog::document::ReadEntity;
use crate::catalog::load;
use crate::catalog::yaml::Pos;
use crate::catalog::{Entity, Problem, Severity};
use crate::config::Secret;
use serde_yaml::{Mapping, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the config files say about the catalog.
pub struct AppConfig {
    pub locations: Vec<ConfigLocation>,
    rules: Vec<Rule>,
    github: Vec<Integration>,
    /// Problems with the config files themselves.
    pub problems: Vec<Problem>,
    /// The config files (absolute), for the fingerprint.
    pub files: Vec<PathBuf>,
}

/// One entry of `catalog.locations`.
pub struct ConfigLocation {
    pub kind: String,
    /// As written, and resolved (absolute for files), which is how Backstage names it.
    pub target: String,
    pub resolved: String,
    /// The config file and line that declared it.
    declared: Arc<str>,
    line: u32,
}

struct Rule {
    /// Kinds, each with an optional `spec.type`.
    allow: Vec<(String, Option<String>)>,
    /// `None`: every location.
    locations: Option<Vec<Matcher>>,
}

struct Matcher {
    kind: String,
    exact: Option<String>,
    pattern: Option<glob::Pattern>,
}

/// A GitHub host of `integrations.github`.
struct Integration {
    host: String,
    api_base_url: Option<String>,
    token: Option<Secret>,
}

/// What reading the locations gave.
#[derive(Default)]
pub struct Read {
    pub entities: Vec<ReadEntity>,
    pub problems: Vec<Problem>,
    /// Every local file read (config files, targets), for the fingerprint.
    pub files: Vec<PathBuf>,
}

/// The app-config files of a folder, as Backstage loads them when given none: `app-config.yaml`,
/// then `app-config.local.yaml` when there is one.
pub fn in_folder(dir: &Path) -> Option<Vec<PathBuf>> {
    let main = dir.join("app-config.yaml");
    if !main.is_file() {
        return None;
    }
    let local = dir.join("app-config.local.yaml");
    Some(match local.is_file() {
        true => vec![main, local],
        false => vec![main],
    })
}

impl AppConfig {
    /// Reads and merges the files; what cannot be read is a problem, not a failure.
    pub fn read(files: &[PathBuf]) -> AppConfig {
        let mut problems = Vec::new();
        let mut merged = Value::Mapping(Mapping::new());
        let mut declaring: Option<(PathBuf, String)> = None;
        let mut absolute = Vec::new();
        for file in files {
            let file = std::path::absolute(file).unwrap_or_else(|_| file.clone());
            let location: Arc<str> = file.display().to_string().into();
            let text =
                match load::read_limited(&file).map(|b| String::from_utf8_lossy(&b).into_owned()) {
                    Ok(text) => text,
                    Err(err) => {
                        problems.push(error(&location, 1, format!("cannot read: {err}")));
                        continue;
                    }
                };
            absolute.push(file.clone());
            let value: Value = match serde_yaml::from_str(&text) {
                Ok(Value::Null) => continue,
                Ok(value) => value,
                Err(err) => {
                    let line = err.location().map_or(1, |l| l.line() as u32);
                    problems.push(error(&location, line, format!("not YAML: {err}")));
                    continue;
                }
            };
            let Some(value) = substitute(value) else {
                continue;
            };
            if at(&value, &["catalog", "locations"]).is_some() {
                declaring = Some((file.clone(), text));
            }
            merge(&mut merged, value);
        }
        let mut config = AppConfig {
            locations: Vec::new(),
            rules: Vec::new(),
            github: integrations(&merged),
            problems,
            files: absolute,
        };
        config.read_locations(&merged, declaring);
        config.read_rules(&merged);
        config
    }

    fn read_locations(&mut self, merged: &Value, declaring: Option<(PathBuf, String)>) {
        let Some((file, text)) = declaring else {
            return;
        };
        let declared: Arc<str> = file.display().to_string().into();
        let dir = file.parent().unwrap_or(Path::new("/"));
        let entries = at(merged, &["catalog", "locations"])
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        for entry in entries {
            let (Some(kind), Some(target)) = (str_at(&entry, "type"), str_at(&entry, "target"))
            else {
                self.problems.push(error(
                    &declared,
                    1,
                    "a catalog.locations entry needs a type and a target".into(),
                ));
                continue;
            };
            let line = text
                .lines()
                .position(|l| l.contains(target))
                .map_or(1, |i| i as u32 + 1);
            let resolved = match kind {
                "file" => resolve_file(dir, target),
                _ => target.to_string(),
            };
            if let Some(rules) = entry.get("rules").and_then(Value::as_sequence) {
                for rule in rules {
                    self.rules.push(Rule {
                        allow: strings(rule.get("allow"))
                            .into_iter()
                            .map(|k| (k, None))
                            .collect(),
                        locations: Some(vec![Matcher {
                            kind: kind.to_string(),
                            exact: Some(resolved.clone()),
                            pattern: None,
                        }]),
                    });
                }
            }
            self.locations.push(ConfigLocation {
                kind: kind.to_string(),
                target: target.to_string(),
                resolved,
                declared: declared.clone(),
                line,
            });
        }
    }

    /// `catalog.rules`, or Backstage's default, placed before the locations' own rules.
    fn read_rules(&mut self, merged: &Value) {
        let global: Vec<Rule> = match at(merged, &["catalog", "rules"]) {
            Some(rules) => rules
                .as_sequence()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|rule| Rule {
                    allow: rule
                        .get("allow")
                        .and_then(Value::as_sequence)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|a| match a {
                            Value::String(kind) => Some((kind.clone(), None)),
                            _ => Some((
                                str_at(a, "kind")?.to_string(),
                                str_at(a, "spec.type").map(str::to_string),
                            )),
                        })
                        .collect(),
                    locations: rule
                        .get("locations")
                        .and_then(Value::as_sequence)
                        .map(|ms| {
                            ms.iter()
                                .map(|m| Matcher {
                                    kind: str_at(m, "type").unwrap_or_default().to_string(),
                                    exact: str_at(m, "exact").map(str::to_string),
                                    pattern: str_at(m, "pattern")
                                        .and_then(|p| glob::Pattern::new(p).ok()),
                                })
                                .collect()
                        }),
                })
                .collect(),
            None => vec![Rule {
                allow: ["Component", "API", "Location"]
                    .map(|k| (k.to_string(), None))
                    .to_vec(),
                locations: None,
            }],
        };
        self.rules.splice(0..0, global);
    }

    /// Whether `catalog.rules` and the locations' rules let an entity come from `origin`.
    fn allows(&self, entity: &Entity, origin: (&str, &str)) -> bool {
        self.rules.iter().any(|rule| {
            let at_origin = rule.locations.as_ref().is_none_or(|matchers| {
                matchers.iter().any(|m| {
                    m.kind == origin.0
                        && m.exact.as_ref().is_none_or(|e| e == origin.1)
                        && m.pattern.as_ref().is_none_or(|p| {
                            p.matches_with(
                                origin.1,
                                glob::MatchOptions {
                                    case_sensitive: false,
                                    require_literal_separator: true,
                                    require_literal_leading_dot: false,
                                },
                            )
                        })
                })
            });
            at_origin
                && rule.allow.iter().any(|(kind, spec_type)| {
                    entity.is_kind(kind)
                        && spec_type.as_ref().is_none_or(|t| {
                            entity
                                .spec_str("type")
                                .is_some_and(|s| s.eq_ignore_ascii_case(t))
                        })
                })
        })
    }

    /// Backstage's refusal of a Location's output, when one of its entities is not allowed: the
    /// first such entity, where it was read, and where it originated.
    fn refusal(&self, entities: &[ReadEntity], at: &str, origin: (&str, &str)) -> Option<String> {
        let refused = entities.iter().find(|r| !self.allows(&r.entity, origin))?;
        Some(format!(
            "Entity {} at {at}, originated at {}:{}, is not of an allowed kind for that location",
            refused.entity.key(),
            origin.0,
            origin.1
        ))
    }

    /// Reads the `file` locations, following Location entities, with the rules applied per
    /// Location as Backstage applies them.
    pub fn read_files(&self) -> Read {
        let mut out = Read {
            files: self.files.clone(),
            ..Read::default()
        };
        for location in self.locations.iter().filter(|l| l.kind == "file") {
            let origin = ("file", location.resolved.as_str());
            let files = glob_or_file(&location.resolved);
            if files.is_empty() {
                out.problems.push(Problem::new(
                    &location.declared,
                    Pos {
                        line: location.line,
                        col: 1,
                    },
                    Severity::Warning,
                    format!("file location {} does not exist", location.resolved),
                ));
            }
            // Each Location's output as Backstage emits it: (where it was read, its files, and
            // where to report a refusal).
            let mut pending = vec![(
                format!("file:{}", location.resolved),
                files,
                location.declared.clone(),
                location.line,
            )];
            let mut seen = std::collections::HashSet::new();
            while let Some((at, files, report_in, line)) = pending.pop() {
                let mut entities = Vec::new();
                let mut problems = Vec::new();
                for file in files.into_iter().filter(|f| seen.insert(f.clone())) {
                    let contents = load::read_target(&file);
                    out.files.push(file.clone());
                    entities.extend(contents.entities.into_iter().map(|e| (file.clone(), e)));
                    problems.extend(contents.problems);
                }
                out.problems.extend(problems);
                let read: Vec<ReadEntity> = entities.iter().map(|(_, e)| e.clone()).collect();
                if let Some(message) = self.refusal(&read, &at, origin) {
                    out.problems.push(error(&report_in, line, message));
                    continue;
                }
                for (file, read) in entities {
                    if read.entity.is_kind("Location") {
                        let (targets, problems) = load::location_files(&file, &read.entity);
                        out.problems.extend(problems);
                        pending.push((
                            format!("file:{}", file.display()),
                            targets,
                            read.entity.source.location.clone(),
                            read.entity.source.pos.line,
                        ));
                    }
                    out.entities.push(read);
                }
            }
        }
        out
    }

    /// The `url` locations, each with the GitHub API that serves it; others are problems.
    pub fn url_locations(
        &self,
        default_api: &str,
    ) -> (Vec<(&ConfigLocation, String)>, Vec<Problem>) {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for location in self.locations.iter().filter(|l| l.kind != "file") {
            let host = url::Url::parse(&location.target)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string));
            let integration = host
                .as_deref()
                .and_then(|h| self.github.iter().find(|i| i.host == h));
            let api = match (location.kind.as_str(), host.as_deref(), integration) {
                (
                    "url",
                    _,
                    Some(Integration {
                        api_base_url: Some(api),
                        ..
                    }),
                ) => api.clone(),
                ("url", Some("github.com"), _) => default_api.to_string(),
                ("url", Some(host), Some(_)) => format!("https://{host}/api/v3"),
                ("url", _, None) => {
                    problems.push(location.warning(format!(
                        "url location {} is not on github.com or a host of integrations.github; not read",
                        location.target
                    )));
                    continue;
                }
                (kind, _, _) => {
                    problems.push(location.warning(format!(
                        "location type \"{kind}\" is not read by greenroom; target {} not read",
                        location.target
                    )));
                    continue;
                }
            };
            found.push((location, api));
        }
        (found, problems)
    }

    /// The token for a GitHub API: the integration's, else none (the caller's default).
    pub fn token_for(&self, location: &ConfigLocation) -> Option<Secret> {
        let host = url::Url::parse(&location.target)
            .ok()?
            .host_str()?
            .to_string();
        self.github
            .iter()
            .find(|i| i.host == host)
            .and_then(|i| i.token.clone())
    }

    /// Reads url locations through `discovery`, applying the rules to each location's output
    /// as a whole (its Location entities in the same repository included).
    pub async fn read_url(
        &self,
        location: &ConfigLocation,
        discovery: &Discovery,
        progress: &(dyn Fn(String) + Sync),
    ) -> Result<(Read, u64), crate::providers::ProviderError> {
        let found = discovery
            .read_pages(std::slice::from_ref(&location.target), progress)
            .await?;
        let mut out = Read {
            problems: found.problems,
            ..Read::default()
        };
        let origin = ("url", location.target.as_str());
        match self.refusal(&found.read, &format!("url:{}", location.target), origin) {
            Some(message) => out
                .problems
                .push(error(&location.declared, location.line, message)),
            None => out.entities = found.read,
        }
        Ok((out, found.fingerprint))
    }
}

impl ConfigLocation {
    fn warning(&self, message: String) -> Problem {
        Problem::new(
            &self.declared,
            Pos {
                line: self.line,
                col: 1,
            },
            Severity::Warning,
            message,
        )
    }
}

fn error(location: &Arc<str>, line: u32, message: String) -> Problem {
    Problem::new(location, Pos { line, col: 1 }, Severity::Error, message)
}

/// A file target, absolute: against the config file's folder, else `packages/backend` below
/// it when the target is found only there.
fn resolve_file(dir: &Path, target: &str) -> String {
    let here = load::normalize(&dir.join(target));
    let backend = load::normalize(&dir.join("packages/backend").join(target));
    let exists = |p: &Path| !glob_or_file(&p.display().to_string()).is_empty();
    if !exists(&here) && dir.join("packages/backend").is_dir() && exists(&backend) {
        return backend.display().to_string();
    }
    here.display().to_string()
}

/// The files a target names: the file, or what its glob matches (`*` within a folder, `**`
/// across folders), in order.
fn glob_or_file(target: &str) -> Vec<PathBuf> {
    if !target.contains(['*', '?', '[']) {
        let path = PathBuf::from(target);
        return if path.is_file() {
            vec![path]
        } else {
            Vec::new()
        };
    }
    let options = glob::MatchOptions {
        require_literal_separator: true,
        ..Default::default()
    };
    let mut files: Vec<PathBuf> = glob::glob_with(target, options)
        .map(|paths| paths.flatten().filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn integrations(merged: &Value) -> Vec<Integration> {
    at(merged, &["integrations", "github"])
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| {
            Some(Integration {
                host: str_at(i, "host")?.to_string(),
                api_base_url: str_at(i, "apiBaseUrl").map(|u| u.trim_end_matches('/').into()),
                token: str_at(i, "token").map(Secret::new),
            })
        })
        .collect()
}

fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Backstage's merge of a later config over an earlier one: objects key by key, deeply; anything
/// else (arrays included) replaced.
fn merge(base: &mut Value, later: Value) {
    match (base, later) {
        (Value::Mapping(base), Value::Mapping(later)) => {
            for (key, value) in later {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, later) => *base = later,
    }
}

/// Environment substitution over a config value; `None` when the value is absent (a string
/// naming an unset variable, or `$env` of one), which drops its key.
fn substitute(value: Value) -> Option<Value> {
    substitute_with(value, &|name| std::env::var(name).ok())
}

fn substitute_with(value: Value, env: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
    match value {
        Value::String(text) => substitute_string(&text, env).map(Value::String),
        Value::Mapping(map) => {
            if let (1, Some(name)) = (map.len(), map.get("$env").and_then(Value::as_str)) {
                return env(name).map(|v| Value::String(v.trim().to_string()));
            }
            Some(Value::Mapping(
                map.into_iter()
                    .filter_map(|(k, v)| Some((k, substitute_with(v, env)?)))
                    .collect(),
            ))
        }
        Value::Sequence(items) => Some(Value::Sequence(
            items
                .into_iter()
                .filter_map(|v| substitute_with(v, env))
                .collect(),
        )),
        other => Some(other),
    }
}

/// `${VAR}` replaced by the variable, trimmed; `$${` kept as a literal `${`; `None` when a
/// variable is not set (the whole string is then absent, as in Backstage).
fn substitute_string(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if rest[..at].ends_with('$') {
            out.push_str(&rest[..at - 1]);
            out.push_str("${");
            rest = &rest[at + 2..];
            continue;
        }
        let Some(end) = rest[at..].find('}') else {
            break;
        };
        out.push_str(&rest[..at]);
        let name = rest[at + 2..at + end].trim();
        out.push_str(env(name)?.trim());
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn later_configs_merge_objects_and_replace_arrays_and_scalars() {
        let mut base = yaml("catalog:\n  rules: [{allow: [Component]}]\n  locations: [{type: file, target: a.yaml}]\napp:\n  title: A\n  baseUrl: x\n");
        merge(
            &mut base,
            yaml("catalog:\n  locations: [{type: file, target: b.yaml}]\napp:\n  title: B\n"),
        );
        assert_eq!(
            base,
            yaml("catalog:\n  rules: [{allow: [Component]}]\n  locations: [{type: file, target: b.yaml}]\napp:\n  title: B\n  baseUrl: x\n")
        );
    }

    #[test]
    fn environment_substitution_follows_backstage() {
        let env = |name: &str| match name {
            "HOST" => Some(" ghe.example.com \n".to_string()),
            "TOKEN" => Some("s3cret".to_string()),
            _ => None,
        };
        assert_eq!(
            substitute_string("https://${HOST}/x", &env).as_deref(),
            Some("https://ghe.example.com/x")
        );
        assert_eq!(
            substitute_string("keep $${HOST} literal", &env).as_deref(),
            Some("keep ${HOST} literal")
        );
        assert_eq!(substitute_string("${MISSING}/x", &env), None);
        let value = substitute_with(
            yaml("a: ${MISSING}\nb: {$env: TOKEN}\nc: [x, '${MISSING}']\n"),
            &env,
        )
        .unwrap();
        assert_eq!(value, yaml("b: s3cret\nc: [x]\n"));
    }
}
