//! A page's fields for the values so far: an object schema's properties plus those its
//! `dependencies` add (property and schema dependencies, `oneOf` branches), in `ui:order`,
//! nested objects flattened into dotted paths.

use super::check::check;
use super::field::field;
use super::json::{get_path, present, strings};
use super::model::Field;
use serde_json::{Map, Value};

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

/// Every field a page can ever show (all `dependencies` branches), for
/// [`secret_fields`](super::secret_fields).
pub(super) fn all_fields(schema: &Value, prefix: &str, out: &mut Vec<Field>) {
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
