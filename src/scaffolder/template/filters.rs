//! nunjucks' built-in filters and tests as nunjitsu implements them (`builtins.ts`), and the
//! own-property lookup every member access goes through.

use std::rc::Rc;

use super::json::stringify;
use super::number::{js_parse_float, js_parse_int};
use super::value::{array_index, is_reserved, js_len, Fail, Record, Value};

const FILTERS: [&str; 43] = [
    "abs",
    "batch",
    "capitalize",
    "center",
    "d",
    "default",
    "dictsort",
    "dump",
    "e",
    "escape",
    "first",
    "float",
    "forceescape",
    "groupby",
    "indent",
    "int",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "nl2br",
    "random",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "trim",
    "truncate",
    "upper",
    "urlencode",
    "urlize",
    "wordcount",
];

pub fn is_builtin(name: &str) -> bool {
    FILTERS.contains(&name)
}

pub fn test_arity(name: &str) -> Option<usize> {
    Some(match name {
        "callable" | "defined" | "escaped" | "even" | "falsy" | "iterable" | "lower"
        | "mapping" | "null" | "number" | "odd" | "string" | "truthy" | "undefined" | "upper" => 0,
        "divisibleby" | "eq" | "equalto" | "ge" | "greaterthan" | "gt" | "le" | "lessthan"
        | "lt" | "ne" | "sameas" => 1,
        _ => return None,
    })
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

pub fn apply_test(name: &str, input: &Value, args: &[Value]) -> Result<bool, Fail> {
    if !matches!(name, "callable" | "eq" | "equalto" | "sameas" | "ne") {
        input.assert_no_callable()?;
    }
    let arg = args.first().cloned().unwrap_or(Value::Undefined);
    Ok(match name {
        "callable" => matches!(input, Value::Callable(_)),
        "defined" => !input.is_undefined(),
        "undefined" => input.is_undefined(),
        "divisibleby" => input.to_number()? % arg.to_number()? == 0.0,
        "escaped" => matches!(input, Value::Safe(_)),
        "eq" | "equalto" | "sameas" => input.strict_eq(&arg),
        "ne" => !input.strict_eq(&arg),
        "even" => input.to_number()? % 2.0 == 0.0,
        "odd" => input.to_number()? % 2.0 == 1.0,
        "falsy" => !input.truthy(),
        "truthy" => input.truthy(),
        "ge" => input.order(&arg)? >= 0.0,
        "gt" | "greaterthan" => input.order(&arg)? > 0.0,
        "le" => input.order(&arg)? <= 0.0,
        "lt" | "lessthan" => input.order(&arg)? < 0.0,
        "iterable" => {
            if input.is_nullish() {
                return Err("iterable test requires a value".into());
            }
            matches!(input, Value::Str(_) | Value::Safe(_) | Value::Array(_))
        }
        "mapping" => matches!(input, Value::Record(_) | Value::Safe(_) | Value::Regex(_)),
        "null" => matches!(input, Value::Null),
        "number" => matches!(input, Value::Num(_)),
        "string" => matches!(input, Value::Str(_)),
        "lower" | "upper" => {
            if matches!(input, Value::Safe(_)) {
                return Ok(false);
            }
            let text = text(input)?;
            if name == "lower" {
                text.to_lowercase() == text
            } else {
                text.to_uppercase() == text
            }
        }
        _ => return Err(format!("Unknown template test {name}")),
    })
}

/// The text of a string input; other inputs fail as nunjitsu's `runtimeText`.
fn text(input: &Value) -> Result<&str, Fail> {
    input
        .as_text()
        .ok_or_else(|| "Filter input must be a string".to_string())
}

/// undefined, null and false read as the empty string.
fn normalized(input: &Value) -> Value {
    match input {
        Value::Undefined | Value::Null | Value::Bool(false) => Value::str(""),
        v => v.clone(),
    }
}

fn copy_safeness(input: &Value, out: String) -> Value {
    match input {
        Value::Safe(_) => Value::Safe(Rc::from(out.as_str())),
        _ => Value::str(out),
    }
}

fn spaces(n: f64) -> Result<String, Fail> {
    if n.is_nan() || n <= 0.0 {
        return Ok(String::new());
    }
    if !n.is_finite() || n > super::limits::MAX_REPEAT as f64 {
        return Err("Filter spacing exceeds the supported bound".into());
    }
    Ok(" ".repeat(n.ceil() as usize))
}

fn sequence(input: &Value) -> Option<Vec<Value>> {
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
fn indexed_record_values(r: &Record) -> Vec<Value> {
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

fn attribute(value: &Value, key: &str) -> Result<Value, Fail> {
    if value.is_nullish() {
        return Err("Cannot read a template attribute from a nullish value".into());
    }
    Ok(own_value(value, key).unwrap_or(Value::Undefined))
}

fn attribute_path(value: &Value, path: &[String]) -> Result<Value, Fail> {
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

fn getter_path(value: &Value) -> Result<Vec<String>, Fail> {
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

/// `dump(value, indent)`: `JSON.stringify`, undefined for undefined.
pub fn dump(input: &Value, spacing: &Value) -> Result<Value, Fail> {
    let indent = match spacing {
        Value::Str(s) => s.chars().take(10).collect(),
        Value::Num(n) if !n.is_nan() && *n > 0.0 => " ".repeat(n.trunc().min(10.0) as usize),
        _ => String::new(),
    };
    Ok(stringify(input, &indent)?.map_or(Value::Undefined, Value::str))
}

pub fn apply(
    name: &str,
    input: &Value,
    mut positional: Vec<Value>,
    keyword: Vec<(String, Value)>,
    allow_regex: bool,
) -> Result<Value, Fail> {
    input.assert_no_callable()?;
    for v in positional.iter().chain(keyword.iter().map(|(_, v)| v)) {
        v.assert_no_callable()?;
    }
    // nunjucks lowers keyword arguments: `int` and `sort` bind them by name, every other filter
    // receives them as one trailing record.
    if let Some(names) = match name {
        "int" => Some(&["default", "base"][..]),
        "sort" => Some(&["reverse", "case_sensitive", "attribute"][..]),
        _ => None,
    } {
        let mut keyword = keyword;
        positional.truncate(names.len());
        for name in &names[positional.len()..] {
            let at = keyword.iter().position(|(k, _)| k == name);
            positional.push(at.map_or(Value::Undefined, |i| keyword.remove(i).1));
        }
    } else if !keyword.is_empty() {
        let mut entries: Vec<(Rc<str>, Value)> = keyword
            .into_iter()
            .map(|(k, v)| (Rc::from(k.as_str()), v))
            .collect();
        entries.push((Rc::from("__keywords"), Value::Bool(true)));
        positional.push(Value::record(entries));
    }
    let arg = |i: usize| positional.get(i).cloned().unwrap_or(Value::Undefined);
    Ok(match name {
        "abs" => Value::Num(input.to_number()?.abs()),
        "batch" => batch(input, &arg(0), &arg(1))?,
        "capitalize" => {
            let t = text(&normalized(input))?.to_lowercase();
            let mut chars = t.chars();
            let out = chars.next().map_or(String::new(), |c| {
                c.to_uppercase().collect::<String>() + chars.as_str()
            });
            copy_safeness(input, out)
        }
        "center" => {
            let n = normalized(input);
            let width = if arg(0).truthy() {
                arg(0)
            } else {
                Value::Num(80.0)
            };
            let len = match &n {
                Value::Str(s) | Value::Safe(s) => Value::Num(js_len(s) as f64),
                Value::Array(a) => Value::Num(a.borrow().len() as f64),
                Value::Record(r) => r.get("length").cloned().unwrap_or(Value::Undefined),
                _ => Value::Undefined,
            };
            if len.order(&width)? >= 0.0 {
                return Ok(n);
            }
            let sp = width.to_number()? - len.to_number()?;
            copy_safeness(
                &n,
                format!(
                    "{}{}{}",
                    spaces(sp / 2.0 - sp % 2.0)?,
                    n.to_js_string()?,
                    spaces(sp / 2.0)?
                ),
            )
        }
        "default" | "d" => {
            if arg(1).truthy() {
                if input.truthy() {
                    input.clone()
                } else {
                    arg(0)
                }
            } else if input.is_undefined() {
                arg(0)
            } else {
                input.clone()
            }
        }
        "dictsort" => dictsort(input, &arg(0), &arg(1))?,
        "dump" => dump(input, &arg(0))?,
        "escape" | "e" if matches!(input, Value::Safe(_)) => input.clone(),
        "escape" | "e" | "forceescape" => {
            Value::Safe(Rc::from(escape_html(&input.render()?).as_str()))
        }
        "safe" if matches!(input, Value::Safe(_)) => input.clone(),
        "safe" => Value::Safe(Rc::from(input.render()?.as_str())),
        "first" | "last" => {
            let last = name == "last";
            match input {
                Value::Undefined | Value::Null => {
                    return Err(format!("{name} requires a sequence"))
                }
                Value::Array(items) => {
                    let items = items.borrow();
                    (if last { items.last() } else { items.first() })
                        .cloned()
                        .unwrap_or(Value::Undefined)
                }
                Value::Str(s) | Value::Safe(s) => {
                    let units: Vec<u16> = s.encode_utf16().collect();
                    (if last { units.last() } else { units.first() })
                        .map_or(Value::Undefined, |u| {
                            Value::str(String::from_utf16_lossy(&[*u]))
                        })
                }
                Value::Record(r) if !last => r.get("0").cloned().unwrap_or(Value::Undefined),
                Value::Record(r) => {
                    let index = r
                        .get("length")
                        .cloned()
                        .unwrap_or(Value::Undefined)
                        .to_number()?
                        - 1.0;
                    r.get(&Value::Num(index).to_js_string()?)
                        .cloned()
                        .unwrap_or(Value::Undefined)
                }
                _ => Value::Undefined,
            }
        }
        "float" => {
            let parsed = js_parse_float(&input.to_js_string()?);
            if parsed.is_nan() {
                arg(0)
            } else {
                Value::Num(parsed)
            }
        }
        "int" => {
            let base = if arg(1).is_undefined() {
                10.0
            } else {
                arg(1).to_number()?.trunc()
            };
            let parsed = js_parse_int(&input.to_js_string()?, base);
            if parsed.is_nan() {
                arg(0)
            } else {
                Value::Num(parsed)
            }
        }
        "reverse" => match input {
            Value::Str(s) | Value::Safe(s) => {
                let mut units: Vec<u16> = s.encode_utf16().collect();
                units.reverse();
                copy_safeness(input, String::from_utf16_lossy(&units))
            }
            Value::Array(items) => Value::array(items.borrow().iter().rev().cloned().collect()),
            Value::Record(r) => Value::array(indexed_record_values(r).into_iter().rev().collect()),
            _ => Value::array(Vec::new()),
        },
        "groupby" => groupby(input, &arg(0))?,
        "join" => join(input, &arg(0), &arg(1))?,
        "sum" => sum(input, &arg(0), &arg(1))?,
        "sort" => sort(input, &arg(0), &arg(1), &arg(2))?,
        "selectattr" | "rejectattr" => {
            let Value::Array(items) = input else {
                return Err(format!("{name} requires an array"));
            };
            let key = arg(0).to_js_string()?;
            let select = name == "selectattr";
            let mut out = Vec::new();
            for v in items.borrow().iter() {
                if attribute(v, &key)?.truthy() == select {
                    out.push(v.clone());
                }
            }
            Value::array(out)
        }
        "select" | "reject" => {
            let test = if arg(0).is_undefined() {
                "truthy".to_string()
            } else {
                arg(0).to_js_string()?
            };
            let arity = test_arity(&test).ok_or_else(|| format!("Unknown template test {test}"))?;
            if input.is_nullish() {
                return Err(format!("{name} requires a sequence"));
            }
            let values = match input {
                Value::Record(r) => indexed_record_values(r),
                v => sequence(v).unwrap_or_default(),
            };
            let args = &positional[1.min(positional.len())..];
            if args.len() != arity {
                return Err(format!(
                    "Template test {test} requires {arity} positional argument"
                ));
            }
            let mut out = Vec::new();
            for v in values {
                if apply_test(&test, &v, args)? == (name == "select") {
                    out.push(v);
                }
            }
            Value::array(out)
        }
        "indent" => {
            let n = normalized(input);
            let t = text(&n)?.to_string();
            if t.is_empty() && matches!(n, Value::Str(_)) {
                return Ok(Value::str(""));
            }
            let width = if arg(0).truthy() {
                arg(0)
            } else {
                Value::Num(4.0)
            };
            let pad = spaces(width.to_number()?)?;
            let first = arg(1).truthy();
            let lines: Vec<String> = t
                .split('\n')
                .enumerate()
                .map(|(i, l)| {
                    if i > 0 || first {
                        format!("{pad}{l}")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            copy_safeness(&n, lines.join("\n"))
        }
        "length" => match input {
            Value::Array(items) => Value::Num(items.borrow().len() as f64),
            Value::Record(r) => Value::Num(r.len() as f64),
            Value::Str(s) | Value::Safe(s) => Value::Num(js_len(s) as f64),
            Value::Undefined | Value::Null | Value::Bool(false) => Value::Num(0.0),
            _ => Value::Undefined,
        },
        "list" => match input {
            Value::Array(_) => input.clone(),
            Value::Str(_) | Value::Safe(_) => Value::array(sequence(input).unwrap_or_default()),
            Value::Record(r) => Value::array(
                r.entries()
                    .map(|(k, v)| {
                        Value::record(vec![
                            (Rc::from("key"), Value::Str(k.clone())),
                            (Rc::from("value"), v.clone()),
                        ])
                    })
                    .collect(),
            ),
            _ => return Err("list requires an iterable value".into()),
        },
        "lower" => Value::str(text(&normalized(input))?.to_lowercase()),
        "upper" => Value::str(text(&normalized(input))?.to_uppercase()),
        "nl2br" => {
            let t = if input.is_nullish() {
                String::new()
            } else {
                text(input)?.to_string()
            };
            copy_safeness(input, t.replace("\r\n", "\n").replace('\n', "<br />\n"))
        }
        "random" => {
            return Err("random is not supported: greenroom renders deterministically".into())
        }
        "replace" => replace(input, &arg(0), &arg(1), &arg(2), allow_regex)?,
        "round" => {
            let precision = if arg(0).truthy() {
                arg(0).to_number()?
            } else {
                0.0
            };
            let factor = 10f64.powf(precision);
            let x = input.to_number()? * factor;
            let rounded = match arg(1).as_text() {
                Some("ceil") => x.ceil(),
                Some("floor") => x.floor(),
                _ => (x + 0.5).floor(),
            };
            Value::Num(rounded / factor)
        }
        "slice" => slice(input, &arg(0), &arg(1))?,
        "string" => match input {
            Value::Undefined | Value::Null => return Err("string requires a value".into()),
            Value::Safe(_) => input.clone(),
            v => Value::str(v.render()?),
        },
        "striptags" => {
            let t = strip_tags(text(&normalized(input))?);
            let t = t.trim();
            let out = if arg(0).truthy() {
                let lines: Vec<String> = t
                    .replace("\r\n", "\n")
                    .split('\n')
                    .map(|l| collapse_spaces(l.trim_matches(' ')))
                    .collect();
                let mut joined = lines.join("\n");
                while joined.contains("\n\n\n") {
                    joined = joined.replace("\n\n\n", "\n\n");
                }
                joined
            } else {
                t.split_whitespace().collect::<Vec<_>>().join(" ")
            };
            copy_safeness(input, out)
        }
        "title" => {
            let n = normalized(input);
            let t = text(&n)?;
            let words: Vec<String> = t
                .split(' ')
                .map(|w| {
                    let lower = w.to_lowercase();
                    let mut chars = lower.chars();
                    chars.next().map_or(String::new(), |c| {
                        c.to_uppercase().collect::<String>() + chars.as_str()
                    })
                })
                .collect();
            copy_safeness(input, words.join(" "))
        }
        "trim" => copy_safeness(
            input,
            text(input)?
                .trim_matches(super::number::is_js_whitespace)
                .to_string(),
        ),
        "truncate" => truncate(input, &arg(0), &arg(1), &arg(2))?,
        "urlencode" => urlencode(input)?,
        "urlize" => return Err("urlize is not supported by greenroom".into()),
        "wordcount" => {
            let n = normalized(input);
            if !n.truthy() {
                return Ok(Value::Null);
            }
            let count = text(&n)?
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .count();
            if count == 0 {
                Value::Null
            } else {
                Value::Num(count as f64)
            }
        }
        _ => return Err(format!("Unknown template filter {name}")),
    })
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' => out.push_str("&#92;"),
            c => out.push(c),
        }
    }
    out
}

/// Removes `<tag ...>` and `<!-- -->` until nothing changes (at most 8 passes, as nunjitsu).
fn strip_tags(s: &str) -> String {
    let re =
        regex::Regex::new(r"(?is)</?([a-z][a-z0-9]*)\b[^>]*>|<!--.*?-->").expect("static pattern");
    let mut current = s.to_string();
    for _ in 0..8 {
        let next = re.replace_all(&current, "").into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn batch(input: &Value, width: &Value, fill: &Value) -> Result<Value, Fail> {
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

fn dictsort(input: &Value, case_sensitive: &Value, by: &Value) -> Result<Value, Fail> {
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

fn groupby(input: &Value, attr: &Value) -> Result<Value, Fail> {
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

fn projection(input: &Value, attr: &str) -> Result<Vec<Value>, Fail> {
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

fn join(input: &Value, separator: &Value, attr: &Value) -> Result<Value, Fail> {
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
    let parts = items
        .iter()
        .map(|v| {
            if v.is_nullish() {
                Ok(String::new())
            } else {
                v.to_js_string()
            }
        })
        .collect::<Result<Vec<_>, Fail>>()?;
    Ok(Value::str(parts.join(&sep)))
}

fn sum(input: &Value, attr: &Value, start: &Value) -> Result<Value, Fail> {
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

fn sort(
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

fn replace(
    input: &Value,
    search: &Value,
    replacement: &Value,
    max: &Value,
    allow_regex: bool,
) -> Result<Value, Fail> {
    if let Value::Regex(re) = search {
        if !allow_regex {
            return Err("Regular-expression replacement is disabled".into());
        }
        let t = input
            .as_text()
            .ok_or("Regular-expression replacement requires a string")?;
        return Ok(Value::str(re.replace(t, &replacement.to_js_string()?)));
    }
    if !matches!(search, Value::Str(_) | Value::Num(_)) {
        return Ok(input.clone());
    }
    let coerced = match input {
        Value::Num(_) => Value::str(input.to_js_string()?),
        v => v.clone(),
    };
    let Some(t) = coerced.as_text() else {
        return Ok(coerced);
    };
    let needle = search.to_js_string()?;
    let replacement_text = replacement.to_js_string()?;
    if needle.is_empty() {
        let sep = if replacement.is_undefined() {
            ",".to_string()
        } else {
            replacement_text.clone()
        };
        let units: Vec<String> = t
            .encode_utf16()
            .map(|u| String::from_utf16_lossy(&[u]))
            .collect();
        return Ok(copy_safeness(
            &coerced,
            format!("{replacement_text}{}{replacement_text}", units.join(&sep)),
        ));
    }
    let max_n = if max.is_undefined() {
        -1.0
    } else {
        max.to_number()?
    };
    if (matches!(max, Value::Num(n) if *n == 0.0)) || !t.contains(&needle) {
        return Ok(coerced);
    }
    if matches!(max, Value::Undefined) || matches!(max, Value::Num(n) if *n == -1.0) {
        return Ok(copy_safeness(input, t.replace(&needle, &replacement_text)));
    }
    let count = if max_n.is_nan() || max_n <= 0.0 {
        0
    } else {
        max_n.ceil() as usize
    };
    Ok(copy_safeness(
        input,
        t.replacen(&needle, &replacement_text, count),
    ))
}

fn slice(input: &Value, count: &Value, fill: &Value) -> Result<Value, Fail> {
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

fn truncate(input: &Value, length: &Value, killwords: &Value, end: &Value) -> Result<Value, Fail> {
    let n = normalized(input);
    let length = if length.truthy() {
        length.clone()
    } else {
        Value::Num(255.0)
    };
    let input_len = match &n {
        Value::Str(s) | Value::Safe(s) => Value::Num(js_len(s) as f64),
        Value::Array(a) => Value::Num(a.borrow().len() as f64),
        Value::Record(r) => r.get("length").cloned().unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    };
    if input_len.order(&length)? <= 0.0 {
        return Ok(n);
    }
    let units: Vec<u16> = text(&n)?.encode_utf16().collect();
    let l = length.to_number()?.max(0.0).min(units.len() as f64) as usize;
    let cut = if killwords.truthy() {
        l
    } else {
        let from = l.min(units.len().saturating_sub(1));
        (0..=from)
            .rev()
            .find(|&i| units.get(i) == Some(&(b' ' as u16)))
            .unwrap_or(l)
    };
    let end = if end.is_nullish() {
        "...".to_string()
    } else {
        end.to_js_string()?
    };
    Ok(copy_safeness(
        input,
        String::from_utf16_lossy(&units[..cut]) + &end,
    ))
}

/// `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn urlencode(input: &Value) -> Result<Value, Fail> {
    if let Some(t) = input.as_text() {
        return Ok(Value::str(encode_uri_component(t)));
    }
    let pair = |k: &Value, v: &Value| -> Result<String, Fail> {
        Ok(format!(
            "{}={}",
            encode_uri_component(&k.to_js_string()?),
            encode_uri_component(&v.to_js_string()?)
        ))
    };
    let mut parts = Vec::new();
    match input {
        Value::Record(r) => {
            for (k, v) in r.entries() {
                parts.push(pair(&Value::Str(k.clone()), v)?);
            }
        }
        Value::Array(items) => {
            for item in items.borrow().iter() {
                if item.is_nullish() {
                    return Err("urlencode sequence entries cannot be nullish".into());
                }
                let k = own_value(item, "0").unwrap_or(Value::Undefined);
                let v = own_value(item, "1").unwrap_or(Value::Undefined);
                parts.push(pair(&k, &v)?);
            }
        }
        _ => {}
    }
    Ok(Value::str(parts.join("&")))
}
