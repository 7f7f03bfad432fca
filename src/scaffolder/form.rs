//! Template forms: a template's `parameters` pages (JSON Schema with Backstage's `ui:` keys, as
//! react-jsonschema-form reads them) turned into fields, and the values checked against them.
//! Pure: no terminal, no I/O; the TUI draws these fields and the CLI validates `--values` with
//! [`validate`].
//!
//! Values are one JSON object (nested objects for nested schemas; a field's `path` is dotted, e.g.
//! `database.size`). Secret fields (`ui:field: Secret`, `ui:widget: password`) are in it while the
//! user fills the form; [`split_secrets`] moves them out into the `secrets` map before anything
//! runs, so they never reach `parameters`.
//!
//! What follows rjsf: conditional fields from `dependencies` (property dependencies, schema
//! dependencies, and `oneOf` branches chosen by the value of the field they depend on, that
//! field's own schema left as it is); `default`s filled in for fields as they appear; an empty
//! text is no value (so `required` refuses it).

use super::model::Template;
use crate::catalog::validate::{is_valid_object_name, is_valid_tag};
use crate::catalog::{Catalog, Entity, EntityId};
use serde_json::{Map, Value};

/// A value that breaks the form's schema: the field's dotted path and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One choice of a select: the value stored and the label shown (`enumNames`, a `oneOf` branch's
/// `title`, or the value itself).
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub value: Value,
    pub label: String,
}

/// How a field is edited.
#[derive(Clone, Debug, PartialEq)]
pub enum Widget {
    /// One line of text (also `EntityNamePicker`, checked against Backstage's name rule).
    Text {
        entity_name: bool,
    },
    /// `ui:widget: textarea`: several lines.
    TextArea,
    /// `ui:widget: password` or `ui:field: Secret`: typed masked, stored as a secret.
    Password,
    Number {
        integer: bool,
    },
    Boolean,
    /// `enum` (or `oneOf` of `const`s); `radio` when `ui:widget: radio` asks for it.
    Select {
        choices: Vec<Choice>,
        radio: bool,
    },
    /// An array whose items are an `enum`: any subset of the choices.
    MultiSelect {
        choices: Vec<Choice>,
    },
    /// An array of free strings, typed comma separated; `tags` for `EntityTagsPicker`.
    List {
        tags: bool,
    },
    /// `EntityPicker`, `OwnerPicker`, `MultiEntityPicker`: entity refs from the catalog.
    Entity(Picker),
    /// `RepoUrlPicker`: host, owner and repo, stored as `host?owner=o&repo=r`.
    RepoUrl(RepoUrlOptions),
    /// Anything else (arrays of objects, free objects): typed as JSON.
    Json,
}

/// What an entity picker offers: entities matching `kinds` and any one of `filters`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picker {
    /// MultiEntityPicker: an array of refs.
    pub multiple: bool,
    /// `allowedKinds` (OwnerPicker: Group and User unless the template says otherwise).
    pub kinds: Vec<String>,
    /// `catalogFilter`: an entity is offered when it matches any one of these.
    pub filters: Vec<Vec<(String, FilterValue)>>,
    pub default_kind: Option<String>,
    pub default_namespace: Option<String>,
    /// A typed ref that matches nothing may be the value (`allowArbitraryValues`, default true).
    pub allow_arbitrary: bool,
}

/// One `catalogFilter` condition on a field (`kind`, `spec.type`, `metadata.tags`, ...).
#[derive(Clone, Debug, PartialEq)]
pub enum FilterValue {
    /// Any of these values (case-insensitive, as the catalog compares).
    AnyOf(Vec<String>),
    /// `{ exists: true }`: the field is present.
    Exists,
}

/// `RepoUrlPicker`'s `ui:options`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepoUrlOptions {
    pub allowed_hosts: Vec<String>,
    pub allowed_owners: Vec<String>,
    pub allowed_repos: Vec<String>,
}

/// What the review page does with a field (`ui:backstage.review`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Review {
    Show,
    Hide,
    /// Shown as this text instead of the value (secrets: always masked).
    Mask(String),
}

/// The mask shown for secrets wherever a value would be.
pub const MASK: &str = "••••••";

/// One field of a page.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Dotted path in the values: `name`, `database.size`.
    pub path: String,
    /// The property's own name (a secret's key in `secrets`).
    pub key: String,
    pub title: String,
    pub description: Option<String>,
    pub help: Option<String>,
    pub placeholder: Option<String>,
    pub autofocus: bool,
    pub readonly: bool,
    pub required: bool,
    pub secret: bool,
    pub review: Review,
    pub widget: Widget,
    pub default: Option<Value>,
    /// The property's schema, for validation.
    pub schema: Value,
}

/// A page's title: its `title`, else `Step N` as Backstage's stepper says.
pub fn page_title(page: &Value, index: usize) -> String {
    page.get("title")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("Step {}", index + 1))
}

/// The fields a page shows for these values (conditional fields included when their condition
/// holds), in `ui:order`, nested objects flattened.
pub fn page_fields(page: &Value, values: &Value) -> Vec<Field> {
    let mut out = Vec::new();
    object_fields(page, values, "", &mut out);
    out
}

/// Every field a page can ever show (all `dependencies` branches), for [`secret_fields`].
fn all_fields(schema: &Value, prefix: &str, out: &mut Vec<Field>) {
    let mut props = Vec::new();
    collect_properties(schema, &mut props);
    for (name, prop) in props {
        let path = join(prefix, &name);
        if is_nested_object(&prop) {
            all_fields(&prop, &path, out);
        } else {
            out.push(field(&path, &name, &prop, false));
        }
    }
}

fn collect_properties(schema: &Value, out: &mut Vec<(String, Value)>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(deps) = schema.get("dependencies").and_then(Value::as_object) {
        for (key, dep) in deps {
            let branches = match dep.get("oneOf").and_then(Value::as_array) {
                Some(list) => list.clone(),
                None => vec![dep.clone()],
            };
            for branch in branches {
                let mut inner = Vec::new();
                collect_properties(&branch, &mut inner);
                out.extend(inner.into_iter().filter(|(k, _)| k != key));
            }
        }
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn is_nested_object(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        && schema.get("properties").is_some()
        && schema.get("ui:field").is_none()
}

/// The properties and required names of an object schema for these values: its own, plus those
/// its `dependencies` add (rjsf's resolveDependencies).
pub fn resolve_object(schema: &Value, value: &Value) -> (Vec<(String, Value)>, Vec<String>) {
    let mut props: Vec<(String, Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut required = strings(schema.get("required"));
    let mut pending: Vec<Map<String, Value>> = schema
        .get("dependencies")
        .and_then(Value::as_object)
        .cloned()
        .into_iter()
        .collect();
    // Branches may carry dependencies of their own; a template nests them a few levels at most.
    let mut rounds = 0;
    while let Some(deps) = pending.pop() {
        rounds += 1;
        if rounds > 32 {
            break;
        }
        for (key, dep) in deps {
            let Some(current) = present(value.get(&key)) else {
                continue;
            };
            let branch = match dep {
                Value::Array(names) => {
                    required.extend(names.iter().filter_map(Value::as_str).map(str::to_string));
                    continue;
                }
                Value::Object(ref obj) => match obj.get("oneOf").and_then(Value::as_array) {
                    Some(branches) => branches
                        .iter()
                        .find(|b| {
                            b.get("properties")
                                .and_then(|p| p.get(&key))
                                .is_some_and(|cond| check(current, cond).is_empty())
                        })
                        .cloned(),
                    None => Some(dep.clone()),
                },
                _ => None,
            };
            let Some(branch) = branch else { continue };
            if let Some(extra) = branch.get("properties").and_then(Value::as_object) {
                for (name, prop) in extra {
                    if *name == key {
                        continue;
                    }
                    match props.iter_mut().find(|(n, _)| n == name) {
                        Some(slot) => slot.1 = prop.clone(),
                        None => props.push((name.clone(), prop.clone())),
                    }
                }
            }
            required.extend(strings(branch.get("required")));
            if let Some(nested) = branch.get("dependencies").and_then(Value::as_object) {
                pending.push(nested.clone());
            }
        }
    }
    if let Some(order) = schema.get("ui:order").and_then(Value::as_array) {
        props = ordered(props, &strings(Some(&Value::Array(order.clone()))));
    }
    (props, required)
}

/// rjsf's `ui:order`: the named properties in that order, the rest where `*` is (else at the end).
fn ordered(props: Vec<(String, Value)>, order: &[String]) -> Vec<(String, Value)> {
    let named = |n: &str| order.iter().any(|o| o == n);
    let (mut listed, rest): (Vec<_>, Vec<_>) = props.into_iter().partition(|(n, _)| named(n));
    listed.sort_by_key(|(n, _)| order.iter().position(|o| o == n));
    let star = order.iter().position(|o| o == "*");
    let mut out = Vec::new();
    let mut rest = Some(rest);
    for (i, name) in order.iter().enumerate() {
        if Some(i) == star {
            out.extend(rest.take().unwrap_or_default());
        } else if let Some(at) = listed.iter().position(|(n, _)| n == name) {
            out.push(listed.remove(at));
        }
    }
    out.extend(rest.unwrap_or_default());
    out
}

fn object_fields(schema: &Value, values: &Value, prefix: &str, out: &mut Vec<Field>) {
    let here = if prefix.is_empty() {
        values.clone()
    } else {
        get_path(values, prefix).cloned().unwrap_or(Value::Null)
    };
    let (props, required) = resolve_object(schema, &here);
    for (name, prop) in props {
        let path = join(prefix, &name);
        if is_nested_object(&prop) {
            object_fields(&prop, values, &path, out);
        } else {
            out.push(field(&path, &name, &prop, required.contains(&name)));
        }
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn field(path: &str, key: &str, schema: &Value, required: bool) -> Field {
    let s = |k: &str| schema.get(k).and_then(Value::as_str).map(str::to_string);
    let options = schema.get("ui:options").cloned().unwrap_or(Value::Null);
    let ui_field = s("ui:field");
    let ui_widget = s("ui:widget");
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("enum").is_some() || schema.get("const").is_some() {
            "string"
        } else {
            ""
        },
    );
    let secret = ui_field.as_deref() == Some("Secret") || ui_widget.as_deref() == Some("password");
    let widget = match (ui_field.as_deref(), kind) {
        _ if secret => Widget::Password,
        (Some("EntityPicker" | "OwnerPicker" | "MultiEntityPicker"), _) => {
            Widget::Entity(picker(ui_field.as_deref().unwrap_or_default(), &options))
        }
        (Some("RepoUrlPicker"), _) => Widget::RepoUrl(RepoUrlOptions {
            allowed_hosts: strings(options.get("allowedHosts")),
            allowed_owners: strings(options.get("allowedOwners")),
            allowed_repos: strings(options.get("allowedRepos")),
        }),
        (Some("EntityTagsPicker"), _) => Widget::List { tags: true },
        (Some("EntityNamePicker"), _) => Widget::Text { entity_name: true },
        (_, "boolean") => Widget::Boolean,
        (_, "number" | "integer") if choices(schema).is_none() => Widget::Number {
            integer: kind == "integer",
        },
        (_, "array") => match schema.get("items").and_then(choices) {
            Some(choices) => Widget::MultiSelect { choices },
            None => match schema.pointer("/items/type").and_then(Value::as_str) {
                Some("string") => Widget::List { tags: false },
                _ => Widget::Json,
            },
        },
        (_, "object") => Widget::Json,
        _ => match choices(schema) {
            Some(choices) => Widget::Select {
                choices,
                radio: ui_widget.as_deref() == Some("radio"),
            },
            None if ui_widget.as_deref() == Some("textarea") => Widget::TextArea,
            None => Widget::Text { entity_name: false },
        },
    };
    let review = match schema.pointer("/ui:backstage/review") {
        _ if secret => Review::Mask(MASK.into()),
        Some(r) if r.get("show") == Some(&Value::Bool(false)) => Review::Hide,
        Some(r) => match r.get("mask").and_then(Value::as_str) {
            Some(mask) => Review::Mask(mask.to_string()),
            None => Review::Show,
        },
        None => Review::Show,
    };
    Field {
        path: path.to_string(),
        key: key.to_string(),
        title: s("title").unwrap_or_else(|| key.to_string()),
        description: s("description"),
        help: s("ui:help"),
        placeholder: s("ui:placeholder"),
        autofocus: schema.get("ui:autofocus") == Some(&Value::Bool(true)),
        readonly: schema.get("ui:readonly") == Some(&Value::Bool(true))
            || schema.get("readOnly") == Some(&Value::Bool(true)),
        required,
        secret,
        review,
        widget,
        default: schema.get("default").cloned(),
        schema: schema.clone(),
    }
}

/// `enum` (labels from `enumNames`) or a `oneOf`/`anyOf` whose branches are all `const`s.
fn choices(schema: &Value) -> Option<Vec<Choice>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names = strings(schema.get("enumNames"));
        return Some(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| Choice {
                    value: v.clone(),
                    label: names.get(i).cloned().unwrap_or_else(|| text_of(v)),
                })
                .collect(),
        );
    }
    let branches = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)?;
    branches
        .iter()
        .map(|b| {
            let value = b.get("const")?.clone();
            let label = b
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| text_of(&value));
            Some(Choice { value, label })
        })
        .collect()
}

fn picker(ui_field: &str, options: &Value) -> Picker {
    let mut kinds = strings(options.get("allowedKinds"));
    let filters: Vec<Vec<(String, FilterValue)>> = match options.get("catalogFilter") {
        Some(Value::Array(list)) => list.iter().map(filter).collect(),
        Some(one @ Value::Object(_)) => vec![filter(one)],
        _ => Vec::new(),
    };
    if ui_field == "OwnerPicker" && kinds.is_empty() && filters.is_empty() {
        kinds = vec!["Group".into(), "User".into()];
    }
    Picker {
        multiple: ui_field == "MultiEntityPicker",
        kinds,
        filters,
        default_kind: options
            .get("defaultKind")
            .and_then(Value::as_str)
            .map(str::to_string),
        default_namespace: options
            .get("defaultNamespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        allow_arbitrary: options.get("allowArbitraryValues") != Some(&Value::Bool(false)),
    }
}

fn filter(value: &Value) -> Vec<(String, FilterValue)> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let wanted = match v {
                        Value::Object(o) if o.get("exists") == Some(&Value::Bool(true)) => {
                            FilterValue::Exists
                        }
                        Value::Array(a) => FilterValue::AnyOf(a.iter().map(text_of).collect()),
                        other => FilterValue::AnyOf(vec![text_of(other)]),
                    };
                    (k.clone(), wanted)
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Picker {
    /// Whether the picker offers this entity.
    pub fn offers(&self, entity: &Entity) -> bool {
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| entity.is_kind(k)) {
            return false;
        }
        if self.filters.is_empty() {
            return true;
        }
        self.filters.iter().any(|conditions| {
            conditions.iter().all(|(path, wanted)| {
                let found = entity_field(entity, path);
                match wanted {
                    FilterValue::Exists => found.is_some(),
                    FilterValue::AnyOf(options) => found.is_some_and(|texts| {
                        texts
                            .iter()
                            .any(|t| options.iter().any(|o| o.eq_ignore_ascii_case(t)))
                    }),
                }
            })
        })
    }

    /// The value stored for a picked entity: Backstage's `stringifyEntityRef` (kind lower case),
    /// without the kind or namespace when they are the picker's defaults.
    pub fn value_of(&self, entity: &Entity) -> String {
        let kind = entity.kind.to_lowercase();
        let namespace = entity.namespace();
        let keep_kind = self
            .default_kind
            .as_deref()
            .is_none_or(|k| !k.eq_ignore_ascii_case(&kind));
        let keep_namespace = self.default_namespace.as_deref() != Some(namespace);
        match (keep_kind, keep_namespace) {
            (true, true) => format!("{kind}:{namespace}/{}", entity.name()),
            (true, false) => format!("{kind}:{}", entity.name()),
            (false, true) => format!("{namespace}/{}", entity.name()),
            (false, false) => entity.name().to_string(),
        }
    }

    /// The entities offered for a query, best match first (fuzzy, the catalog filter's grammar).
    pub fn candidates(
        &self,
        catalog: &Catalog,
        index: &crate::search::SearchIndex,
        query: &str,
        limit: usize,
    ) -> Vec<EntityId> {
        // The search ranks, then the picker keeps what it offers. Asking for a few times `limit`
        // first, and more only when the filter left too few, keeps a keystroke cheap on a large
        // catalog (ranking every match costs far more than ranking the best).
        let mut wanted = (limit * 4).max(256);
        loop {
            let results = index.search(query, wanted);
            let offered: Vec<EntityId> = results
                .hits
                .iter()
                .map(|h| h.doc as EntityId)
                .filter(|&id| self.offers(catalog.entity(id)))
                .take(limit)
                .collect();
            if offered.len() >= limit || results.hits.len() >= results.total {
                return offered;
            }
            wanted = wanted.saturating_mul(8);
        }
    }
}

/// The value at a dotted path whose keys may hold dots themselves (annotation keys like
/// `github.com/project-slug`): the longest key that exists wins at each level.
fn dotted<'a>(
    value: &'a crate::catalog::value::Value,
    keys: &[&str],
) -> Option<&'a crate::catalog::value::Value> {
    if keys.is_empty() {
        return Some(value);
    }
    (1..=keys.len()).rev().find_map(|n| {
        let key = keys[..n].join(".");
        dotted(value.get(&key)?, &keys[n..])
    })
}

/// The texts at a `catalogFilter` path of an entity (`kind`, `metadata.tags`, `spec.type`, ...):
/// one for a scalar, each item's for a list; `None` when absent.
fn entity_field(entity: &Entity, path: &str) -> Option<Vec<String>> {
    use crate::catalog::value::Value as V;
    let mut parts = path.split('.');
    let root = match parts.next()? {
        "kind" => return Some(vec![entity.kind.to_string()]),
        "apiVersion" => return Some(vec![entity.api_version.to_string()]),
        "metadata" => &entity.metadata,
        "spec" => &entity.spec,
        _ => return None,
    };
    let keys: Vec<&str> = parts.collect();
    let found = dotted(root, &keys)?;
    let text = |v: &V| match v {
        V::String(s) => s.to_string(),
        other => text_of(&other.to_json()),
    };
    match found {
        V::Null => None,
        V::Seq(items) => Some(items.iter().map(text).collect()),
        other => Some(vec![text(other)]),
    }
}

/// The value at a dotted path.
pub fn get_path<'a>(values: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(values, |v, key| v.get(key))
}

/// Sets (or with `None` removes) the value at a dotted path, creating objects on the way.
pub fn set_path(values: &mut Value, path: &str, value: Option<Value>) {
    if !values.is_object() {
        *values = Value::Object(Map::new());
    }
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut here = values;
    for part in parts {
        let map = here.as_object_mut().expect("an object on the path");
        let next = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        here = next;
    }
    let map = here.as_object_mut().expect("an object on the path");
    match value {
        Some(v) => {
            map.insert(last.to_string(), v);
        }
        None => {
            map.remove(last);
        }
    }
}

/// A value that counts as given: not absent, not null, not an empty text (rjsf turns a cleared
/// input into no value).
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null() && v.as_str() != Some(""))
}

/// Fills the `default` of every field on the page that has no value yet, including fields that
/// appear because of a default (a dependency's branch).
pub fn apply_defaults(page: &Value, values: &mut Value) {
    for _ in 0..8 {
        let mut changed = false;
        for f in page_fields(page, values) {
            if let (None, Some(default)) = (get_path(values, &f.path), &f.default) {
                set_path(values, &f.path, Some(default.clone()));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// The values without those of fields no page shows now (a `dependencies` branch left), as
/// Backstage's form drops them (rjsf's `omitExtraData` with `liveOmit`), so a run never gets a
/// value the user can no longer see.
pub fn omit_hidden(template: &Template, values: &Value) -> Value {
    let mut kept = Value::Object(Map::new());
    for page in &template.parameters {
        for f in page_fields(page, values) {
            if let Some(v) = get_path(values, &f.path) {
                set_path(&mut kept, &f.path, Some(v.clone()));
            }
        }
    }
    kept
}

/// Every error on one page for these values, one per field, in the page's order.
pub fn validate_page(page: &Value, values: &Value) -> Vec<FieldError> {
    page_fields(page, values)
        .iter()
        .filter_map(|f| {
            field_error(f, get_path(values, &f.path)).map(|message| FieldError {
                path: f.path.clone(),
                message,
            })
        })
        .collect()
}

/// What is wrong with a field's value, if anything.
pub fn field_error(field: &Field, value: Option<&Value>) -> Option<String> {
    let Some(value) = present(value) else {
        return field.required.then(|| "is required".to_string());
    };
    let mut problems = check(value, &field.schema);
    match &field.widget {
        Widget::Text { entity_name: true }
            if value.as_str().is_some_and(|s| !is_valid_object_name(s)) =>
        {
            problems.push("must start and end with an alphanumeric character, and contain only alphanumeric characters, hyphens, underscores, and periods; at most 63 characters".into());
        }
        Widget::List { tags: true } => {
            for tag in value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !is_valid_tag(tag) {
                    problems.push(format!("tag \"{tag}\" must be lower case letters, digits, : + #, in words separated by single -, at most 63 characters"));
                }
            }
        }
        Widget::RepoUrl(options) => {
            if let Some(text) = value.as_str() {
                problems.extend(repo_url_problem(text, options));
            }
        }
        Widget::Entity(picker) => {
            let refs: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for r in refs {
                let text = r.as_str().unwrap_or_default();
                let kind = picker
                    .default_kind
                    .as_deref()
                    .or(picker.kinds.first().map(String::as_str));
                if let Err(e) = crate::catalog::entity_ref::EntityRef::parse(
                    text,
                    kind,
                    picker.default_namespace.as_deref().unwrap_or("default"),
                ) {
                    problems.push(e.0);
                }
            }
        }
        _ => {}
    }
    problems.dedup();
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// A JSON Schema check of one value (the keywords templates use), as messages.
pub fn check(value: &Value, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let int = |k: &str| schema.get(k).and_then(Value::as_u64);
    let types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| is_type(value, t)) {
        out.push(format!("must be {}", article(&types.join(" or "))));
        return out;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let list: Vec<String> = allowed.iter().map(text_of).collect();
            out.push(format!("must be one of: {}", list.join(", ")));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            out.push(format!("must be {}", text_of(constant)));
        }
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        if branches.iter().all(|b| b.get("const").is_some())
            && !branches.iter().any(|b| b.get("const") == Some(value))
        {
            let list: Vec<String> = branches
                .iter()
                .filter_map(|b| b.get("const"))
                .map(text_of)
                .collect();
            out.push(format!("must be one of: {}", list.join(", ")));
        }
    }
    match value {
        Value::String(s) => {
            let chars = s.chars().count() as u64;
            if let Some(min) = int("minLength").filter(|m| chars < *m) {
                out.push(format!("must have at least {min} character{}", plural(min)));
            }
            if let Some(max) = int("maxLength").filter(|m| chars > *m) {
                out.push(format!("must have at most {max} character{}", plural(max)));
            }
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                match regex::Regex::new(pattern) {
                    Ok(re) if !re.is_match(s) => {
                        out.push(format!("must match pattern \"{pattern}\""))
                    }
                    Ok(_) => {}
                    Err(e) => out.push(format!(
                        "cannot be checked: the template's pattern \"{pattern}\" is not a valid regular expression ({})",
                        e.to_string().lines().last().unwrap_or_default().trim()
                    )),
                }
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            let shown = |v: f64| {
                Value::from(v)
                    .to_string()
                    .trim_end_matches(".0")
                    .to_string()
            };
            if let Some(min) = num("minimum").filter(|m| x < *m) {
                out.push(format!("must be >= {}", shown(min)));
            }
            if let Some(max) = num("maximum").filter(|m| x > *m) {
                out.push(format!("must be <= {}", shown(max)));
            }
            if let Some(min) = num("exclusiveMinimum").filter(|m| x <= *m) {
                out.push(format!("must be > {}", shown(min)));
            }
            if let Some(max) = num("exclusiveMaximum").filter(|m| x >= *m) {
                out.push(format!("must be < {}", shown(max)));
            }
            if let Some(step) =
                num("multipleOf").filter(|s| *s > 0.0 && (x / s).fract().abs() > 1e-9)
            {
                out.push(format!("must be a multiple of {}", shown(step)));
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if let Some(min) = int("minItems").filter(|m| n < *m) {
                out.push(format!("must have at least {min} item{}", plural(min)));
            }
            if let Some(max) = int("maxItems").filter(|m| n > *m) {
                out.push(format!("must have at most {max} item{}", plural(max)));
            }
            if schema.get("uniqueItems") == Some(&Value::Bool(true))
                && items
                    .iter()
                    .enumerate()
                    .any(|(i, a)| items[..i].contains(a))
            {
                out.push("must not have duplicate items".into());
            }
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for (i, item) in items.iter().enumerate() {
                    for problem in check(item, item_schema) {
                        out.push(format!("item {}: {problem}", i + 1));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn article(types: &str) -> String {
    match types {
        "integer" | "array" | "object" => format!("an {types}"),
        "null" => "null".into(),
        "boolean" => "true or false".into(),
        other => format!("a {other}"),
    }
}

fn is_type(value: &Value, kind: &str) -> bool {
    match kind {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|x| x.fract() == 0.0),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// A `RepoUrlPicker` value's parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoUrl {
    pub host: String,
    pub owner: String,
    pub repo: String,
}

impl RepoUrl {
    /// Reads `host?owner=o&repo=r` (as `serializeRepoPickerUrl` writes it).
    pub fn parse(text: &str) -> RepoUrl {
        let (host, query) = text.split_once('?').unwrap_or((text, ""));
        let mut out = RepoUrl {
            host: host.to_string(),
            ..RepoUrl::default()
        };
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*k {
                "owner" => out.owner = v.into_owned(),
                "repo" => out.repo = v.into_owned(),
                _ => {}
            }
        }
        out
    }

    /// `host?owner=o&repo=r`, URL-encoded like `URLSearchParams`; empty parts are left out.
    pub fn to_value(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !self.owner.is_empty() {
            query.append_pair("owner", &self.owner);
        }
        if !self.repo.is_empty() {
            query.append_pair("repo", &self.repo);
        }
        format!("{}?{}", self.host, query.finish())
    }
}

/// What Backstage's RepoUrlPicker refuses: a missing host, owner or repo, or one outside the
/// allowed lists.
fn repo_url_problem(text: &str, options: &RepoUrlOptions) -> Option<String> {
    let url = RepoUrl::parse(text);
    let missing = [
        ("host", &url.host),
        ("owner", &url.owner),
        ("repo", &url.repo),
    ]
    .into_iter()
    .find(|(_, v)| v.is_empty());
    if let Some((part, _)) = missing {
        return Some(format!(
            "incomplete repository location provided, {part} not provided"
        ));
    }
    let refuse = |what: &str, value: &str, allowed: &[String]| {
        (!allowed.is_empty() && !allowed.iter().any(|a| a == value)).then(|| {
            format!(
                "{what} \"{value}\" is not allowed (allowed: {})",
                allowed.join(", ")
            )
        })
    };
    refuse("host", &url.host, &options.allowed_hosts)
        .or_else(|| refuse("owner", &url.owner, &options.allowed_owners))
        .or_else(|| refuse("repo", &url.repo, &options.allowed_repos))
}

/// Every error in the values, over all pages, every bad field named (the CLI refuses a run
/// with these). `values` holds every field's value, secrets included.
pub fn validate(template: &Template, values: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !values.is_object() && !values.is_null() {
        errors.push(FieldError {
            path: String::new(),
            message: "the values must be an object of field names to values".into(),
        });
        return errors;
    }
    for page in &template.parameters {
        for e in validate_page(page, values) {
            if !errors.iter().any(|x: &FieldError| x.path == e.path) {
                errors.push(e);
            }
        }
    }
    errors
}

/// The dotted paths of the template's secret fields (on any page, conditional ones included).
pub fn secret_fields(template: &Template) -> Vec<String> {
    let mut fields = Vec::new();
    for page in &template.parameters {
        all_fields(page, "", &mut fields);
    }
    let mut paths: Vec<String> = fields
        .into_iter()
        .filter(|f| f.secret)
        .map(|f| f.path)
        .collect();
    paths.dedup();
    paths
}

/// Moves the secret fields out of the values: returns the parameters (no secret left in them) and
/// the `secrets` map, keyed by each secret property's name as Backstage's `secrets.*` are.
pub fn split_secrets(template: &Template, values: &Value) -> (Value, Map<String, Value>) {
    let mut parameters = values.clone();
    let mut secrets = Map::new();
    for path in secret_fields(template) {
        if let Some(v) = get_path(&parameters, &path).cloned() {
            let key = path.rsplit('.').next().unwrap_or(&path).to_string();
            secrets.insert(key, v);
            set_path(&mut parameters, &path, None);
        }
    }
    (parameters, secrets)
}

/// The value a typed text stands for in this field: a number for number fields (kept as text
/// when it is not one, so validation can say so), a list for comma-separated lists, JSON for JSON
/// fields; `None` for an empty text.
pub fn parse_input(field: &Field, text: &str) -> Option<Value> {
    if text.trim().is_empty() {
        return None;
    }
    Some(match &field.widget {
        Widget::Number { .. } => match text.trim().parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Value::from(x),
                _ => Value::String(text.to_string()),
            },
        },
        Widget::List { .. } => Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        Widget::Json => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
        }
        _ => Value::String(text.to_string()),
    })
}

/// The text a value is edited as (the inverse of [`parse_input`]).
pub fn input_text(field: &Field, value: Option<&Value>) -> String {
    match (value, &field.widget) {
        (None | Some(Value::Null), _) => String::new(),
        (Some(Value::Array(items)), Widget::List { .. }) => {
            items.iter().map(text_of).collect::<Vec<_>>().join(", ")
        }
        (Some(v), _) => text_of(v),
    }
}

/// How a value reads on the review page and in lists (secrets masked, choices by label).
pub fn display(field: &Field, value: Option<&Value>) -> String {
    match &field.review {
        Review::Mask(mask) if present(value).is_some() => return mask.clone(),
        _ => {}
    }
    let Some(value) = present(value) else {
        return String::new();
    };
    let label = |choices: &[Choice], v: &Value| {
        choices
            .iter()
            .find(|c| c.value == *v)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| text_of(v))
    };
    match (&field.widget, value) {
        (Widget::Select { choices, .. }, v) => label(choices, v),
        (Widget::MultiSelect { choices }, Value::Array(items)) => items
            .iter()
            .map(|v| label(choices, v))
            .collect::<Vec<_>>()
            .join(", "),
        (Widget::Boolean, Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        (_, Value::Array(items)) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        (_, v) => text_of(v),
    }
}

#[cfg(test)]
mod tests;
