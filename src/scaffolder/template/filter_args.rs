//! What the built-in filters and tests share about their arguments: the text of a string input,
//! array-likes as sequences, attribute paths, and the own-property lookup every member access
//! goes through (record entries, array/string indexes, `length`).

use std::rc::Rc;

use super::value::{array_index, is_reserved, js_len, Fail, Record, Value};

/// The text of a string input; other inputs fail as nunjitsu's `runtimeText`.
pub(super) fn text(input: &Value) -> Result<&str, Fail> {
    input
        .as_text()
        .ok_or_else(|| "Filter input must be a string".to_string())
}

/// undefined, null and false read as the empty string.
pub(super) fn normalized(input: &Value) -> Value {
    match input {
        Value::Undefined | Value::Null | Value::Bool(false) => Value::str(""),
        v => v.clone(),
    }
}

pub(super) fn copy_safeness(input: &Value, out: String) -> Value {
    match input {
        Value::Safe(_) => Value::Safe(Rc::from(out.as_str())),
        _ => Value::str(out),
    }
}

pub(super) fn sequence(input: &Value) -> Option<Vec<Value>> {
    match input {
        Value::Array(items) => Some(items.borrow().clone()),
        Value::Str(s) | Value::Safe(s) => Some(
            s.encode_utf16()
                .map(|u| Value::str(String::from_utf16_lossy(&[u])))
                .collect(),
        ),
        _ => None,
    }
}

/// Array-like record values (`{length: 2, 0: .., 1: ..}`).
pub(super) fn indexed_record_values(r: &Record) -> Vec<Value> {
    let n = r
        .get("length")
        .map_or(f64::NAN, |l| l.to_number().unwrap_or(f64::NAN));
    let count = if n.is_nan() || n <= 0.0 {
        0
    } else {
        n.ceil().min(super::limits::WORK_UNITS as f64) as usize
    };
    (0..count)
        .map(|i| r.get(&i.to_string()).cloned().unwrap_or(Value::Undefined))
        .collect()
}

pub(super) fn attribute(value: &Value, key: &str) -> Result<Value, Fail> {
    if value.is_nullish() {
        return Err("Cannot read a template attribute from a nullish value".into());
    }
    Ok(own_value(value, key).unwrap_or(Value::Undefined))
}

pub(super) fn attribute_path(value: &Value, path: &[String]) -> Result<Value, Fail> {
    let mut current = value.clone();
    for segment in path {
        if current.is_nullish() {
            return Err("Cannot read a template attribute from a nullish value".into());
        }
        match own_value(&current, segment) {
            Some(v) => current = v,
            None => return Ok(Value::Undefined),
        }
    }
    Ok(current)
}

pub(super) fn getter_path(value: &Value) -> Result<Vec<String>, Fail> {
    if !value.truthy() {
        return Ok(Vec::new());
    }
    let path: Vec<String> = match value {
        Value::Str(s) => s.split('.').map(str::to_string).collect(),
        v => vec![v.to_js_string()?],
    };
    if let Some(bad) = path.iter().find(|s| is_reserved(s)) {
        return Err(format!("Template attribute {bad} is reserved"));
    }
    Ok(path)
}

/// An own property: record entries, array/string indexes and `length`.
pub fn own_value(target: &Value, key: &str) -> Option<Value> {
    match target {
        Value::Record(r) => r.get(key).cloned(),
        Value::Array(items) => {
            let items = items.borrow();
            if key == "length" {
                return Some(Value::Num(items.len() as f64));
            }
            array_index(key).and_then(|i| items.get(i as usize).cloned())
        }
        Value::Str(s) | Value::Safe(s) => {
            if key == "val" && matches!(target, Value::Safe(_)) {
                return Some(Value::Str(s.clone()));
            }
            if key == "length" {
                return Some(Value::Num(js_len(s) as f64));
            }
            let i = array_index(key)? as usize;
            s.encode_utf16()
                .nth(i)
                .map(|u| Value::str(String::from_utf16_lossy(&[u])))
        }
        _ => None,
    }
}
