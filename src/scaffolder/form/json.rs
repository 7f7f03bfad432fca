//! The form's values as JSON: values at dotted paths, what counts as given, and the text of a
//! value or of a list of strings in a schema.

use serde_json::{Map, Value};

pub(super) fn strings(value: Option<&Value>) -> Vec<String> {
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

pub(super) fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
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
pub(super) fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null() && v.as_str() != Some(""))
}
