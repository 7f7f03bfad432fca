//! Text filters: `replace`, `truncate`, `urlencode`, `striptags` and HTML escaping.

use super::filter_args::{copy_safeness, normalized, own_value, text};
use super::value::{js_len, Fail, Value};

pub(super) fn collapse_spaces(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

pub(super) fn escape_html(s: &str) -> String {
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
pub(super) fn strip_tags(s: &str) -> String {
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

pub(super) fn replace(
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

pub(super) fn truncate(
    input: &Value,
    length: &Value,
    killwords: &Value,
    end: &Value,
) -> Result<Value, Fail> {
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

pub(super) fn urlencode(input: &Value) -> Result<Value, Fail> {
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
