//! One property's schema read as a [`Field`]: its widget (from `type`, `enum`/`oneOf`, `ui:field`
//! and `ui:widget`), its `ui:` options, and what the review page shows.

use super::json::{strings, text_of};
use super::model::{Choice, Field, FilterValue, Picker, RepoUrlOptions, Review, Widget, MASK};
use serde_json::Value;

pub(super) fn field(path: &str, key: &str, schema: &Value, required: bool) -> Field {
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
