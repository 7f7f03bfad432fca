//! A JSON Schema check of one value, for the keywords templates use (`type`, `enum`, `const`,
//! `oneOf` of `const`s, lengths, bounds, `pattern`, items), with rjsf's messages.

use super::json::text_of;
use serde_json::Value;

/// A JSON Schema check of one value (the keywords templates use), as messages.
pub fn check(value: &Value, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let int = |k: &str| schema.get(k).and_then(Value::as_u64);
    let types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| is_type(value, t)) {
        out.push(format!("must be {}", article(&types.join(" or "))));
        return out;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let list: Vec<String> = allowed.iter().map(text_of).collect();
            out.push(format!("must be one of: {}", list.join(", ")));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            out.push(format!("must be {}", text_of(constant)));
        }
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        if branches.iter().all(|b| b.get("const").is_some())
            && !branches.iter().any(|b| b.get("const") == Some(value))
        {
            let list: Vec<String> = branches
                .iter()
                .filter_map(|b| b.get("const"))
                .map(text_of)
                .collect();
            out.push(format!("must be one of: {}", list.join(", ")));
        }
    }
    match value {
        Value::String(s) => {
            let chars = s.chars().count() as u64;
            if let Some(min) = int("minLength").filter(|m| chars < *m) {
                out.push(format!("must have at least {min} character{}", plural(min)));
            }
            if let Some(max) = int("maxLength").filter(|m| chars > *m) {
                out.push(format!("must have at most {max} character{}", plural(max)));
            }
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                match regex::Regex::new(pattern) {
                    Ok(re) if !re.is_match(s) => {
                        out.push(format!("must match pattern \"{pattern}\""))
                    }
                    Ok(_) => {}
                    Err(e) => out.push(format!(
                        "cannot be checked: the template's pattern \"{pattern}\" is not a valid regular expression ({})",
                        e.to_string().lines().last().unwrap_or_default().trim()
                    )),
                }
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            let shown = |v: f64| {
                Value::from(v)
                    .to_string()
                    .trim_end_matches(".0")
                    .to_string()
            };
            if let Some(min) = num("minimum").filter(|m| x < *m) {
                out.push(format!("must be >= {}", shown(min)));
            }
            if let Some(max) = num("maximum").filter(|m| x > *m) {
                out.push(format!("must be <= {}", shown(max)));
            }
            if let Some(min) = num("exclusiveMinimum").filter(|m| x <= *m) {
                out.push(format!("must be > {}", shown(min)));
            }
            if let Some(max) = num("exclusiveMaximum").filter(|m| x >= *m) {
                out.push(format!("must be < {}", shown(max)));
            }
            if let Some(step) =
                num("multipleOf").filter(|s| *s > 0.0 && (x / s).fract().abs() > 1e-9)
            {
                out.push(format!("must be a multiple of {}", shown(step)));
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if let Some(min) = int("minItems").filter(|m| n < *m) {
                out.push(format!("must have at least {min} item{}", plural(min)));
            }
            if let Some(max) = int("maxItems").filter(|m| n > *m) {
                out.push(format!("must have at most {max} item{}", plural(max)));
            }
            if schema.get("uniqueItems") == Some(&Value::Bool(true))
                && items
                    .iter()
                    .enumerate()
                    .any(|(i, a)| items[..i].contains(a))
            {
                out.push("must not have duplicate items".into());
            }
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for (i, item) in items.iter().enumerate() {
                    for problem in check(item, item_schema) {
                        out.push(format!("item {}: {problem}", i + 1));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn article(types: &str) -> String {
    match types {
        "integer" | "array" | "object" => format!("an {types}"),
        "null" => "null".into(),
        "boolean" => "true or false".into(),
        other => format!("a {other}"),
    }
}

fn is_type(value: &Value, kind: &str) -> bool {
    match kind {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|x| x.fract() == 0.0),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}
