//! Typing a scalar with the YAML 1.2 core schema, as the `yaml` package Backstage uses does.

use super::node::NodeValue;
use saphyr_parser::ScalarStyle;

/// Types a scalar with the YAML 1.2 core schema; quoted and block scalars are always strings.
pub(super) fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> NodeValue {
    match tag {
        Some("str") => return NodeValue::String(text.to_owned()),
        Some("null") => return NodeValue::Null,
        // The `yaml` package knows these YAML 1.1 tags even with the core schema; they give a
        // byte array and a Date, which are objects (not strings) to Backstage's checks. They
        // stand here as an empty mapping.
        Some("binary") | Some("timestamp") => return NodeValue::Map(Vec::new()),
        _ => {}
    }
    if style != ScalarStyle::Plain && tag.is_none() {
        return NodeValue::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(int) = parse_core_int(text) {
        return NodeValue::Int(int);
    }
    if is_core_float(text) {
        if let Ok(x) = text.parse::<f64>() {
            return NodeValue::Float(x);
        }
    }
    NodeValue::String(text.to_owned())
}

fn parse_core_int(text: &str) -> Option<i64> {
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_core_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, frac) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => digits(whole) && digits(f) && !(whole.is_empty() && f.is_empty()),
        None => !whole.is_empty() && digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}
