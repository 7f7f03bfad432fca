//! nunjucks' built-in filters as nunjitsu implements them (`builtins.ts`): the list of names and
//! [`apply`], which dispatches to the filter families in `sequences` and `text_filters`.

use std::rc::Rc;

use super::builtin_tests::{apply_test, test_arity};
use super::filter_args::{
    attribute, copy_safeness, indexed_record_values, normalized, sequence, text,
};
use super::json::stringify;
use super::number::{js_parse_float, js_parse_int};
use super::sequences::{batch, dictsort, groupby, join, slice, sort, sum};
use super::text_filters::{collapse_spaces, escape_html, replace, strip_tags, truncate, urlencode};
use super::value::{js_len, Fail, Value};

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

pub(super) fn spaces(n: f64) -> Result<String, Fail> {
    if n.is_nan() || n <= 0.0 {
        return Ok(String::new());
    }
    if !n.is_finite() || n > super::limits::MAX_REPEAT as f64 {
        return Err("Filter spacing exceeds the supported bound".into());
    }
    Ok(" ".repeat(n.ceil() as usize))
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
