//! The JavaScript methods templates may call (nunjitsu's `intrinsics.ts`): exactly its allowed
//! string, number, array and regex methods, with its arities. Anything else (`replaceAll`,
//! `map`, a method on a record) is not a method: calling it fails as "cannot be called".

use std::rc::Rc;

use super::number::{is_js_whitespace, js_number_string, js_to_fixed};
use super::scope::Options;
use super::value::{Fail, Value};

const STRING: [&str; 17] = [
    "charAt",
    "charCodeAt",
    "concat",
    "endsWith",
    "includes",
    "indexOf",
    "lastIndexOf",
    "replace",
    "slice",
    "split",
    "startsWith",
    "substring",
    "toLowerCase",
    "toUpperCase",
    "trim",
    "trimEnd",
    "trimStart",
];
const NUMBER: [&str; 4] = ["toExponential", "toFixed", "toPrecision", "toString"];
const ARRAY: [&str; 17] = [
    "at",
    "concat",
    "copyWithin",
    "fill",
    "flat",
    "includes",
    "indexOf",
    "join",
    "lastIndexOf",
    "pop",
    "push",
    "reverse",
    "shift",
    "slice",
    "sort",
    "splice",
    "unshift",
];
const JINJA_ARRAY: [&str; 6] = ["append", "count", "find", "index", "insert", "remove"];
const JINJA_RECORD: [&str; 5] = ["get", "has_key", "items", "keys", "values"];

pub fn resolve(receiver: &Value, name: &str, cookiecutter: bool) -> bool {
    match receiver {
        Value::Str(_) | Value::Safe(_) => STRING.contains(&name),
        Value::Num(_) => NUMBER.contains(&name),
        Value::Array(_) => ARRAY.contains(&name) || (cookiecutter && JINJA_ARRAY.contains(&name)),
        Value::Record(r) => cookiecutter && !r.has(name) && JINJA_RECORD.contains(&name),
        Value::Regex(_) => name == "test",
        _ => false,
    }
}

/// (minimum, maximum) positional arguments.
pub fn arity(receiver: &Value, name: &str, cookiecutter: bool) -> (usize, usize) {
    match receiver {
        Value::Str(_) | Value::Safe(_) => match name {
            "replace" => (2, 2),
            "split" => (0, 2),
            "includes" | "startsWith" | "endsWith" | "indexOf" | "lastIndexOf" => (1, 2),
            "slice" | "substring" => (0, 2),
            "charAt" | "charCodeAt" => (0, 1),
            "concat" => (0, usize::MAX),
            _ => (0, 0),
        },
        Value::Num(_) => (0, 1),
        Value::Array(_) => match name {
            "at" | "count" | "index" | "find" | "remove" | "append" => (1, 1),
            "insert" => (2, 2),
            "includes" | "indexOf" | "lastIndexOf" => (1, 2),
            "copyWithin" | "fill" => (1, 3),
            "flat" | "join" => (0, 1),
            "slice" => (0, 2),
            "pop" => (0, usize::from(cookiecutter)),
            "shift" | "sort" | "reverse" => (0, 0),
            _ => (0, usize::MAX),
        },
        Value::Record(_) => match name {
            "get" => (1, 2),
            "has_key" => (1, 1),
            _ => (0, 0),
        },
        _ => (1, 1),
    }
}

/// ToIntegerOrInfinity.
fn integer(v: &Value) -> Result<f64, Fail> {
    let n = v.to_number()?;
    Ok(if n.is_nan() { 0.0 } else { n.trunc() })
}

/// A relative index (`slice`, `at`) clamped into `0..=len`.
fn relative(v: &Value, len: usize, default: usize) -> Result<usize, Fail> {
    if v.is_undefined() {
        return Ok(default);
    }
    let n = integer(v)?;
    let len_f = len as f64;
    Ok(if n < 0.0 {
        (len_f + n).max(0.0)
    } else {
        n.min(len_f)
    } as usize)
}

fn units(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from_units(u: &[u16]) -> Value {
    Value::str(String::from_utf16_lossy(u))
}

fn find_units(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(hay.len()));
    }
    (from..=hay.len().saturating_sub(needle.len()))
        .find(|&i| i + needle.len() <= hay.len() && &hay[i..i + needle.len()] == needle)
}

pub fn invoke(
    receiver: &Value,
    name: &str,
    args: &[Value],
    options: &Options,
) -> Result<Value, Fail> {
    receiver.assert_no_callable()?;
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Undefined);
    match receiver {
        Value::Str(s) | Value::Safe(s) => string_method(s, name, &arg(0), &arg(1), args, options),
        Value::Num(n) => number_method(*n, name, &arg(0)),
        Value::Array(_) => array_method(receiver, name, args, options.cookiecutter),
        Value::Record(r) => Ok(match name {
            "get" => r
                .get(&arg(0).to_js_string()?)
                .cloned()
                .unwrap_or_else(|| arg(1)),
            "has_key" => Value::Bool(r.has(&arg(0).to_js_string()?)),
            "keys" => Value::array(r.entries().map(|(k, _)| Value::Str(k.clone())).collect()),
            "values" => Value::array(r.entries().map(|(_, v)| v.clone()).collect()),
            _ => Value::array(
                r.entries()
                    .map(|(k, v)| Value::array(vec![Value::Str(k.clone()), v.clone()]))
                    .collect(),
            ),
        }),
        Value::Regex(re) => {
            if !options.allow_regex {
                return Err("Template regular-expression execution is disabled".into());
            }
            Ok(Value::Bool(re.test(&arg(0).to_js_string()?)))
        }
        _ => Err(format!("Unsupported template intrinsic {name}")),
    }
}

fn string_method(
    s: &str,
    name: &str,
    first: &Value,
    second: &Value,
    args: &[Value],
    options: &Options,
) -> Result<Value, Fail> {
    let u = units(s);
    let len = u.len();
    Ok(match name {
        "replace" => {
            let replacement = second.to_js_string()?;
            if let Value::Regex(re) = first {
                if !options.allow_regex {
                    return Err("Template regular-expression execution is disabled".into());
                }
                return Ok(Value::str(re.replace(s, &replacement)));
            }
            let needle = first.to_js_string()?;
            match s.find(&needle) {
                Some(i) => {
                    let mut out = s[..i].to_string();
                    out.push_str(&expand_plain(
                        &replacement,
                        &needle,
                        &s[..i],
                        &s[i + needle.len()..],
                    ));
                    out.push_str(&s[i + needle.len()..]);
                    Value::str(out)
                }
                None => Value::str(s),
            }
        }
        "split" => {
            let limit = if second.is_undefined() {
                None
            } else {
                Some(second.to_number()? as i64 as u32)
            };
            if let Value::Regex(re) = first {
                if !options.allow_regex {
                    return Err("Template regular-expression execution is disabled".into());
                }
                return Ok(Value::array(
                    re.split(s, limit)
                        .into_iter()
                        .map(|p| p.map_or(Value::Undefined, Value::str))
                        .collect(),
                ));
            }
            let max = limit.map_or(usize::MAX, |l| l as usize);
            if first.is_undefined() {
                return Ok(Value::array(if max == 0 {
                    vec![]
                } else {
                    vec![Value::str(s)]
                }));
            }
            let sep = first.to_js_string()?;
            let parts: Vec<Value> = if sep.is_empty() {
                u.iter().map(|c| from_units(&[*c])).collect()
            } else {
                s.split(sep.as_str()).map(Value::str).collect()
            };
            Value::array(parts.into_iter().take(max).collect())
        }
        "includes" | "startsWith" | "endsWith" | "indexOf" | "lastIndexOf" => {
            let needle = units(&first.to_js_string()?);
            let pos = if second.is_undefined() {
                None
            } else {
                Some(second.to_number()?)
            };
            let clamp = |p: f64| {
                if p.is_nan() {
                    0
                } else {
                    p.trunc().max(0.0).min(len as f64) as usize
                }
            };
            match name {
                "includes" => Value::Bool(find_units(&u, &needle, pos.map_or(0, clamp)).is_some()),
                "indexOf" => Value::Num(
                    find_units(&u, &needle, pos.map_or(0, clamp)).map_or(-1.0, |i| i as f64),
                ),
                "startsWith" => {
                    let start = pos.map_or(0, clamp);
                    Value::Bool(u[start..].starts_with(&needle))
                }
                "endsWith" => {
                    let end = pos.map_or(len, |p| if p.is_nan() { 0 } else { clamp(p) });
                    Value::Bool(u[..end].ends_with(&needle))
                }
                _ => {
                    let from = match pos {
                        Some(p) if !p.is_nan() => clamp(p),
                        _ => len,
                    };
                    let last = (0..=from.min(len.saturating_sub(needle.len())))
                        .rev()
                        .find(|&i| i + needle.len() <= len && u[i..i + needle.len()] == needle[..]);
                    Value::Num(last.map_or(-1.0, |i| i as f64))
                }
            }
        }
        "slice" => {
            let start = relative(first, len, 0)?;
            let end = relative(second, len, len)?;
            from_units(&u[start..end.max(start)])
        }
        "substring" => {
            let clamp = |v: &Value, d: usize| -> Result<usize, Fail> {
                if v.is_undefined() {
                    Ok(d)
                } else {
                    Ok(integer(v)?.max(0.0).min(len as f64) as usize)
                }
            };
            let (a, b) = (clamp(first, 0)?, clamp(second, len)?);
            from_units(&u[a.min(b)..a.max(b)])
        }
        "trim" => Value::str(s.trim_matches(is_js_whitespace)),
        "trimStart" => Value::str(s.trim_start_matches(is_js_whitespace)),
        "trimEnd" => Value::str(s.trim_end_matches(is_js_whitespace)),
        "toLowerCase" => Value::str(s.to_lowercase()),
        "toUpperCase" => Value::str(s.to_uppercase()),
        "charAt" | "charCodeAt" => {
            let i = integer(first)?;
            let unit = (i >= 0.0 && (i as usize) < len).then(|| u[i as usize]);
            match (name, unit) {
                ("charAt", Some(c)) => from_units(&[c]),
                ("charAt", None) => Value::str(""),
                (_, Some(c)) => Value::Num(f64::from(c)),
                _ => Value::Num(f64::NAN),
            }
        }
        _ => {
            let mut out = s.to_string();
            for a in args {
                out.push_str(&a.to_js_string()?);
            }
            Value::str(out)
        }
    })
}

/// `$&`, `` $` ``, `$'`, `$$` in a string (non-regex) replacement.
fn expand_plain(replacement: &str, matched: &str, before: &str, after: &str) -> String {
    let mut out = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => out.push('$'),
            Some('&') => out.push_str(matched),
            Some('`') => out.push_str(before),
            Some('\'') => out.push_str(after),
            _ => {
                out.push('$');
                continue;
            }
        }
        chars.next();
    }
    out
}

fn number_method(n: f64, name: &str, arg: &Value) -> Result<Value, Fail> {
    let digits = if arg.is_undefined() {
        None
    } else {
        Some(arg.to_number()?)
    };
    Ok(Value::str(match name {
        "toFixed" => js_to_fixed(n, digits.unwrap_or(0.0))?,
        "toString" => match digits {
            None => js_number_string(n),
            Some(r) if r.trunc() == 10.0 => js_number_string(n),
            Some(r)
                if (2.0..=36.0).contains(&r.trunc()) && n.fract() == 0.0 && n.abs() < 9.007e15 =>
            {
                radix_string(n as i64, r.trunc() as u32)
            }
            Some(_) => return Err("toString() radix is not supported here".into()),
        },
        _ => {
            return Err(format!(
                "Number method {name} is not supported by greenroom"
            ))
        }
    }))
}

fn radix_string(n: i64, radix: u32) -> String {
    if n == 0 {
        return "0".into();
    }
    let mut digits = Vec::new();
    let mut m = n.unsigned_abs();
    while m > 0 {
        digits.push(std::char::from_digit((m % u64::from(radix)) as u32, radix).unwrap_or('0'));
        m /= u64::from(radix);
    }
    if n < 0 {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

fn array_method(
    receiver: &Value,
    name: &str,
    args: &[Value],
    cookiecutter: bool,
) -> Result<Value, Fail> {
    let Value::Array(cell) = receiver else {
        unreachable!("array receiver")
    };
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Undefined);
    let items = cell.borrow().clone();
    let len = items.len();
    let position = |from: usize| {
        items
            .iter()
            .skip(from)
            .position(|v| v.strict_eq(&arg(0)))
            .map(|p| p + from)
    };
    Ok(match name {
        "at" => {
            let i = integer(&arg(0))?;
            let i = if i < 0.0 { len as f64 + i } else { i };
            if i >= 0.0 && (i as usize) < len {
                items[i as usize].clone()
            } else {
                Value::Undefined
            }
        }
        "concat" => {
            let mut out = items;
            for a in args {
                match a {
                    Value::Array(other) => out.extend(other.borrow().iter().cloned()),
                    v => out.push(v.clone()),
                }
            }
            Value::array(out)
        }
        "flat" => {
            let depth = if arg(0).is_undefined() {
                1.0
            } else {
                integer(&arg(0))?.max(0.0)
            };
            let mut out = Vec::new();
            flatten(&items, depth, &mut out);
            Value::array(out)
        }
        "includes" => {
            let from = relative(&arg(1), len, 0)?;
            // `includes` uses SameValueZero: NaN finds NaN.
            Value::Bool(items.iter().skip(from).any(|v| v.strict_eq(&arg(0)) || matches!((v, &arg(0)), (Value::Num(a), Value::Num(b)) if a.is_nan() && b.is_nan())))
        }
        "indexOf" | "index" | "find" => {
            Value::Num(position(relative(&arg(1), len, 0)?).map_or(-1.0, |p| p as f64))
        }
        "lastIndexOf" => Value::Num(
            items
                .iter()
                .rposition(|v| v.strict_eq(&arg(0)))
                .map_or(-1.0, |p| p as f64),
        ),
        "join" => {
            let sep = if arg(0).is_undefined() {
                ",".to_string()
            } else {
                arg(0).to_js_string()?
            };
            Value::str(super::sequences::join_items(&items, &sep)?)
        }
        "slice" => {
            let start = relative(&arg(0), len, 0)?;
            let end = relative(&arg(1), len, len)?;
            Value::array(items[start..end.max(start)].to_vec())
        }
        "count" => Value::Num(items.iter().filter(|v| v.strict_eq(&arg(0))).count() as f64),
        _ => return mutate(cell, name, args, cookiecutter),
    })
}

fn flatten(items: &[Value], depth: f64, out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::Array(inner) if depth > 0.0 => flatten(&inner.borrow(), depth - 1.0, out),
            v => out.push(v.clone()),
        }
    }
}

/// The methods that change the array in place (the receiver is the same array afterwards).
fn mutate(
    cell: &Rc<std::cell::RefCell<Vec<Value>>>,
    name: &str,
    args: &[Value],
    cookiecutter: bool,
) -> Result<Value, Fail> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Undefined);
    for a in args {
        if let Value::Array(inner) = a {
            if Rc::ptr_eq(inner, cell) {
                return Err("Cyclic template values are not supported".into());
            }
        }
    }
    let receiver = Value::Array(cell.clone());
    let mut items = cell.borrow_mut();
    let len = items.len();
    Ok(match name {
        "push" | "append" => {
            items.extend(args.iter().cloned());
            Value::Num(items.len() as f64)
        }
        "pop" if cookiecutter && !arg(0).is_undefined() => {
            let i = integer(&arg(0))?;
            let i = if i < 0.0 { len as f64 + i } else { i };
            if i >= 0.0 && (i as usize) < len {
                items.remove(i as usize)
            } else {
                Value::Undefined
            }
        }
        "pop" => items.pop().unwrap_or(Value::Undefined),
        "shift" => {
            if items.is_empty() {
                Value::Undefined
            } else {
                items.remove(0)
            }
        }
        "unshift" => {
            items.splice(0..0, args.iter().cloned());
            Value::Num(items.len() as f64)
        }
        "splice" => {
            if arg(0).is_undefined() {
                return Ok(Value::array(Vec::new()));
            }
            let start = relative(&arg(0), len, 0)?;
            let count = if arg(1).is_undefined() {
                len - start
            } else {
                (integer(&arg(1))?.max(0.0) as usize).min(len - start)
            };
            let removed: Vec<Value> = items
                .splice(start..start + count, args.iter().skip(2).cloned())
                .collect();
            Value::array(removed)
        }
        "sort" => {
            let mut keyed: Vec<(String, bool, Value)> = Vec::new();
            for v in items.drain(..) {
                keyed.push((
                    if v.is_undefined() {
                        String::new()
                    } else {
                        v.to_js_string()?
                    },
                    v.is_undefined(),
                    v,
                ));
            }
            keyed.sort_by(|a, b| {
                a.1.cmp(&b.1)
                    .then_with(|| super::value::utf16_cmp(&a.0, &b.0))
            });
            items.extend(keyed.into_iter().map(|(_, _, v)| v));
            drop(items);
            receiver
        }
        "reverse" => {
            items.reverse();
            drop(items);
            receiver
        }
        "fill" => {
            let start = relative(&arg(1), len, 0)?;
            let end = relative(&arg(2), len, len)?;
            for item in items.iter_mut().take(end).skip(start) {
                *item = arg(0);
            }
            drop(items);
            receiver
        }
        "copyWithin" => {
            let target = relative(&arg(0), len, 0)?;
            let start = relative(&arg(1), len, 0)?;
            let end = relative(&arg(2), len, len)?;
            let chunk: Vec<Value> = items[start..end.max(start)].to_vec();
            for (i, v) in chunk
                .into_iter()
                .enumerate()
                .take(len.saturating_sub(target))
            {
                items[target + i] = v;
            }
            drop(items);
            receiver
        }
        "insert" => {
            let i = relative(&arg(0), len, 0)?;
            items.insert(i, arg(1));
            Value::array(Vec::new())
        }
        "remove" => match items.iter().position(|v| v.strict_eq(&arg(0))) {
            Some(i) => Value::array(vec![items.remove(i)]),
            None => Value::array(Vec::new()),
        },
        _ => return Err(format!("Unsupported array intrinsic {name}")),
    })
}
