//! `JSON.stringify(value, null, indent)` as the `dump` filter (and `jsonify`) runs it.

use super::number::js_number_string;
use super::value::{Fail, Value};

/// `None` when JavaScript returns `undefined` (an undefined value).
pub fn stringify(value: &Value, indent: &str) -> Result<Option<String>, Fail> {
    let mut out = String::new();
    Ok(write(value, indent, 0, &mut out)?.then_some(out))
}

/// Writes `value`; false when it has no JSON form (undefined, in which case nothing is written).
fn write(value: &Value, indent: &str, level: usize, out: &mut String) -> Result<bool, Fail> {
    match value {
        Value::Undefined => return Ok(false),
        Value::Callable(_) => return Err("Callable values cannot be serialized".into()),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) if n.is_finite() => out.push_str(&js_number_string(*n)),
        Value::Num(_) => out.push_str("null"),
        Value::Str(s) | Value::Safe(s) => quote_into(s, out),
        Value::Regex(_) => out.push_str("{}"),
        Value::Array(items) => {
            let items = items.borrow();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(true);
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, level + 1, out);
                if !write(item, indent, level + 1, out)? {
                    out.push_str("null");
                }
            }
            newline(indent, level, out);
            out.push(']');
        }
        Value::Record(record) => {
            out.push('{');
            let mut first = true;
            for (key, item) in record.entries() {
                if item.is_undefined() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                newline(indent, level + 1, out);
                quote_into(key, out);
                out.push(':');
                if !indent.is_empty() {
                    out.push(' ');
                }
                write(item, indent, level + 1, out)?;
            }
            if !first {
                newline(indent, level, out);
            }
            out.push('}');
        }
    }
    Ok(true)
}

fn newline(indent: &str, level: usize, out: &mut String) {
    if !indent.is_empty() {
        out.push('\n');
        for _ in 0..level {
            out.push_str(indent);
        }
    }
}

/// A JSON string literal as JavaScript writes it (only `"`, `\` and control characters escaped).
pub fn quote_into(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
