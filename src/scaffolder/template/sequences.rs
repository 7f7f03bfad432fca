//! Filters over sequences: `batch`, `dictsort`, `groupby`, `join`, `sum`, `sort`, `slice`.

use std::rc::Rc;

use super::filter_args::{attribute, attribute_path, getter_path, indexed_record_values, sequence};
use super::value::{is_reserved, Fail, Value};

pub(super) fn batch(input: &Value, width: &Value, fill: &Value) -> Result<Value, Fail> {
    if input.is_nullish() {
        return Err("batch requires a sequence".into());
    }
    let w = width.to_number()?.trunc();
    if !(w > 0.0 && w < 9.007e15) {
        return Err("Batch size must be a positive integer".into());
    }
    let values = match input {
        Value::Record(r) => indexed_record_values(r),
        v => match sequence(v) {
            Some(s) => s,
            None => return Ok(Value::array(Vec::new())),
        },
    };
    let mut rows: Vec<Value> = Vec::new();
    for chunk in values.chunks(w as usize) {
        let mut row = chunk.to_vec();
        if row.len() < w as usize && fill.truthy() {
            row.resize(w as usize, fill.clone());
        }
        rows.push(Value::array(row));
    }
    Ok(Value::array(rows))
}

pub(super) fn dictsort(input: &Value, case_sensitive: &Value, by: &Value) -> Result<Value, Fail> {
    let Value::Record(r) = input else {
        return Err("dictsort requires a record".into());
    };
    let by_value = match by {
        Value::Undefined => false,
        Value::Str(s) if &**s == "key" => false,
        Value::Str(s) if &**s == "value" => true,
        _ => return Err("dictsort can only sort by key or value".into()),
    };
    let sensitive = case_sensitive.truthy();
    let norm = |v: &Value| match v {
        Value::Str(s) | Value::Safe(s) if !sensitive => Value::str(s.to_uppercase()),
        v => v.clone(),
    };
    let mut entries: Vec<(Value, Value)> = r
        .entries()
        .map(|(k, v)| (Value::Str(k.clone()), v.clone()))
        .collect();
    let mut failure = None;
    entries.sort_by(|a, b| {
        let (x, y) = if by_value {
            (norm(&a.1), norm(&b.1))
        } else {
            (norm(&a.0), norm(&b.0))
        };
        match x.order(&y) {
            Ok(o) if o > 0.0 => std::cmp::Ordering::Greater,
            Ok(_) if x.strict_eq(&y) => std::cmp::Ordering::Equal,
            Ok(_) => std::cmp::Ordering::Less,
            Err(e) => {
                failure = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Value::array(
        entries
            .into_iter()
            .map(|(k, v)| Value::array(vec![k, v]))
            .collect(),
    ))
}

pub(super) fn groupby(input: &Value, attr: &Value) -> Result<Value, Fail> {
    if input.is_nullish() {
        return Err("groupby requires a sequence".into());
    }
    let values = match input {
        Value::Record(r) => indexed_record_values(r),
        v => match sequence(v) {
            Some(s) => s,
            None => return Ok(Value::record(Vec::new())),
        },
    };
    let path = getter_path(attr)?;
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    for v in values {
        let key = attribute_path(&v, &path)?.to_js_string()?;
        if is_reserved(&key) {
            return Err(format!("Template record key {key} is reserved"));
        }
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, items)) => items.push(v),
            None => groups.push((key, vec![v])),
        }
    }
    Ok(Value::record(
        groups
            .into_iter()
            .map(|(k, v)| (Rc::from(k.as_str()), Value::array(v)))
            .collect(),
    ))
}

pub(super) fn projection(input: &Value, attr: &str) -> Result<Vec<Value>, Fail> {
    match input {
        Value::Array(items) => items.borrow().iter().map(|v| attribute(v, attr)).collect(),
        Value::Str(_) => sequence(input)
            .unwrap_or_default()
            .iter()
            .map(|v| attribute(v, attr))
            .collect(),
        Value::Record(r) => indexed_record_values(r)
            .iter()
            .map(|v| attribute(v, attr))
            .collect(),
        _ => Ok(Vec::new()),
    }
}

pub(super) fn join(input: &Value, separator: &Value, attr: &Value) -> Result<Value, Fail> {
    let sep = if separator.truthy() {
        separator.to_js_string()?
    } else {
        String::new()
    };
    let items = if attr.truthy() {
        projection(input, &attr.to_js_string()?)?
    } else {
        match input {
            Value::Array(items) => items.borrow().clone(),
            _ => return Err("join requires an array".into()),
        }
    };
    Ok(Value::str(join_items(&items, &sep)?))
}

/// Items joined as JavaScript's `Array.prototype.join` joins them: null and undefined as empty
/// strings, everything else through `String()`. The `join` filter and the `.join()` method share it.
pub(super) fn join_items(items: &[Value], sep: &str) -> Result<String, Fail> {
    let parts = items
        .iter()
        .map(|v| match v.is_nullish() {
            true => Ok(String::new()),
            false => v.to_js_string(),
        })
        .collect::<Result<Vec<_>, Fail>>()?;
    Ok(parts.join(sep))
}

pub(super) fn sum(input: &Value, attr: &Value, start: &Value) -> Result<Value, Fail> {
    let items = if attr.truthy() {
        projection(input, &attr.to_js_string()?)?
    } else {
        match input {
            Value::Array(items) => items.borrow().clone(),
            _ => return Err("sum requires an array".into()),
        }
    };
    let mut total = Value::Num(0.0);
    for v in &items {
        total = total.add(v)?;
    }
    let start = if start.is_undefined() {
        Value::Num(0.0)
    } else {
        start.clone()
    };
    start.add(&total)
}

pub(super) fn sort(
    input: &Value,
    reverse: &Value,
    case_sensitive: &Value,
    attr: &Value,
) -> Result<Value, Fail> {
    let mut values = match input {
        Value::Record(r) => indexed_record_values(r),
        v => match sequence(v) {
            Some(s) => s,
            None => return Ok(Value::array(Vec::new())),
        },
    };
    let (reverse, sensitive) = (reverse.truthy(), case_sensitive.truthy());
    let path = getter_path(attr)?;
    let mut keyed = Vec::new();
    for v in values.drain(..) {
        let mut key = attribute_path(&v, &path)?;
        if !sensitive {
            if let Value::Str(s) | Value::Safe(s) = &key {
                key = Value::str(s.to_lowercase());
            }
        }
        keyed.push((key, v));
    }
    let mut failure = None;
    // JavaScript's sort is stable, as Rust's.
    keyed.sort_by(|(a, _), (b, _)| {
        let order = match (a, b) {
            (Value::Str(_) | Value::Safe(_), Value::Str(_) | Value::Safe(_)) if !sensitive => {
                a.order(b)
            }
            _ => a.order(b),
        };
        match order {
            Ok(o) if o < 0.0 => {
                if reverse {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                }
            }
            Ok(o) if o > 0.0 => {
                if reverse {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                }
            }
            Ok(_) => std::cmp::Ordering::Equal,
            Err(e) => {
                failure = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Value::array(keyed.into_iter().map(|(_, v)| v).collect()))
}

pub(super) fn slice(input: &Value, count: &Value, fill: &Value) -> Result<Value, Fail> {
    let values = sequence(input).ok_or("slice requires a sequence")?;
    let n = count.to_number()?.trunc();
    if !(n > 0.0 && n < 9.007e15) {
        return Err("Slice count must be a positive integer".into());
    }
    let n = n as usize;
    let (base, extra) = (values.len() / n, values.len() % n);
    let is_text = input.as_text().is_some();
    let mut out = Vec::new();
    let mut offset = 0;
    for i in 0..n {
        let len = base + usize::from(i < extra);
        let mut part: Vec<Value> = values[offset..offset + len].to_vec();
        offset += len;
        if fill.truthy() && i >= extra {
            if is_text {
                return Err("slice cannot append a fill value to a string".into());
            }
            part.push(fill.clone());
        }
        out.push(if is_text {
            Value::str(
                part.iter()
                    .map(|v| v.as_text().unwrap_or("").to_string())
                    .collect::<String>(),
            )
        } else {
            Value::array(part)
        });
    }
    Ok(Value::array(out))
}
