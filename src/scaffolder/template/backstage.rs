//! Backstage's template filters (`parseRepoUrl`, `parseEntityRef`, `pick`, `projectSlug`, from
//! plugin-scaffolder-backend `lib/templating/filters`) and the Scaffolder's globals `always()` and
//! `failure()`, as the host capabilities nunjitsu calls.

use serde_json::Value;

use super::value::{from_json, to_json, Value as TValue};

const FILTERS: [&str; 4] = ["parseRepoUrl", "parseEntityRef", "pick", "projectSlug"];

pub fn is_filter(name: &str) -> bool {
    FILTERS.contains(&name)
}

pub fn is_global(name: &str) -> bool {
    matches!(name, "always" | "failure")
}

/// `always()` is true; `failure()` is false while steps run (a failed step ends the run here).
pub fn call_global(name: &str) -> TValue {
    TValue::Bool(name == "always")
}

/// Calls one of Backstage's filters with plain (JSON) arguments, as nunjitsu passes host values.
pub fn apply_filter(name: &str, input: &TValue, args: &[TValue]) -> Result<TValue, String> {
    let json = |v: &TValue| -> Result<Value, String> { Ok(to_json(v)?.unwrap_or(Value::Null)) };
    let text = |v: &TValue| -> Result<String, String> {
        v.as_text()
            .map(str::to_string)
            .ok_or_else(|| format!("{name} requires a string"))
    };
    match name {
        "parseRepoUrl" => parse_repo_url(&text(input)?).map(|v| from_json(&v)),
        "projectSlug" => {
            let parsed = parse_repo_url(&text(input)?)?;
            let part = |k: &str| {
                parsed
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("undefined")
                    .to_string()
            };
            Ok(TValue::str(format!("{}/{}", part("owner"), part("repo"))))
        }
        "parseEntityRef" => {
            let context = args.first().map(json).transpose()?.unwrap_or(Value::Null);
            parse_entity_ref(&json(input)?, &context).map(|v| from_json(&v))
        }
        _ => {
            let path = args
                .first()
                .map(|p| p.to_js_string())
                .transpose()?
                .unwrap_or_default();
            Ok(pick(&json(input)?, &path).map_or(TValue::Undefined, from_json))
        }
    }
}

/// Backstage's `parseRepoUrl` (plugin-scaffolder-node): `host?owner=..&repo=..` (or
/// `organization`, `workspace`, `project`) into `{host, owner, repo, organization, workspace,
/// project}`, absent parts left out. The parts required depend on the host's SCM: GitLab `owner`
/// (or `project`) and `repo`, Bitbucket `project` and `repo` (and `workspace` on bitbucket.org),
/// Azure `project` and `repo`, everything else (GitHub, GitHub Enterprise) `owner` and `repo`.
pub fn parse_repo_url(repo_url: &str) -> Result<Value, String> {
    let parsed = url::Url::parse(&format!("https://{repo_url}"))
        .map_err(|e| format!("Invalid repo URL passed to publisher, got {repo_url}, {e}"))?;
    let host = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => return Err(format!("Invalid repo URL {repo_url}: no host")),
    };
    let param = |name: &str| {
        parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    };
    let required: &[&str] = if host.contains("gitlab") {
        if param("project").is_some() {
            &[]
        } else {
            &["owner", "repo"]
        }
    } else if host == "www.bitbucket.org" {
        &["workspace", "project", "repo"]
    } else if host.contains("bitbucket")
        || host == "dev.azure.com"
        || host.ends_with(".visualstudio.com")
    {
        &["project", "repo"]
    } else {
        &["repo", "owner"]
    };
    for name in required {
        if param(name).is_none() {
            return Err(format!(
                "Invalid repo URL passed to publisher: {parsed}, missing {name}"
            ));
        }
    }
    let mut out = serde_json::Map::new();
    out.insert("host".into(), Value::String(host));
    for name in ["owner", "repo", "organization", "workspace", "project"] {
        if let Some(v) = param(name) {
            out.insert(name.into(), Value::String(v));
        }
    }
    Ok(Value::Object(out))
}

/// Backstage's `parseEntityRef` (catalog-model) with `{defaultKind, defaultNamespace}`.
pub fn parse_entity_ref(reference: &Value, context: &Value) -> Result<Value, String> {
    let default_kind = context.get("defaultKind").and_then(Value::as_str);
    let default_namespace = context
        .get("defaultNamespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    let (kind, namespace, name) = match reference {
        Value::String(text) if !text.is_empty() => {
            let slash = text.find('/');
            let mut colon = text.find(':');
            if let (Some(s), Some(c)) = (slash, colon) {
                if s < c {
                    colon = None;
                }
            }
            let kind = colon.map(|c| &text[..c]);
            let namespace = slash.map(|s| &text[colon.map_or(0, |c| c + 1)..s]);
            let name = &text[colon.map_or(0, |c| c + 1).max(slash.map_or(0, |s| s + 1))..];
            if kind == Some("") || namespace == Some("") || name.is_empty() {
                return Err(format!(
                    "Entity reference \"{text}\" was not on the form [<kind>:][<namespace>/]<name>"
                ));
            }
            let kind = kind.or(default_kind).ok_or_else(|| {
                format!("Entity reference \"{text}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)")
            })?;
            (
                kind.to_string(),
                namespace.unwrap_or(default_namespace).to_string(),
                name.to_string(),
            )
        }
        Value::Object(map) => {
            let field = |k: &str| map.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            let name = field("name")
                .ok_or_else(|| "Entity reference had missing or empty name".to_string())?;
            let kind = field("kind")
                .or(default_kind)
                .ok_or_else(|| "Entity reference had missing or empty kind".to_string())?;
            (
                kind.to_string(),
                field("namespace").unwrap_or(default_namespace).to_string(),
                name.to_string(),
            )
        }
        _ => return Err("Entity reference must not be empty".into()),
    };
    Ok(serde_json::json!({ "kind": kind, "namespace": namespace, "name": name }))
}

/// lodash `get(object, path)`: `a.b[0].c` or `a['b']`.
pub fn pick<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut keys = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => keys.push(std::mem::take(&mut current)),
            '[' => {
                if !current.is_empty() {
                    keys.push(std::mem::take(&mut current));
                }
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inner.push(c);
                }
                keys.push(inner.trim_matches(|c| c == '\'' || c == '"').to_string());
                if chars.peek() == Some(&'.') {
                    chars.next();
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() || keys.is_empty() {
        keys.push(current);
    }
    keys.iter().try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}
