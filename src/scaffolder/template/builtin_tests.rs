//! nunjucks' built-in tests (`is defined`, `is divisibleby(3)`, ...).

use super::filter_args::text;
use super::value::{Fail, Value};

pub fn test_arity(name: &str) -> Option<usize> {
    Some(match name {
        "callable" | "defined" | "escaped" | "even" | "falsy" | "iterable" | "lower"
        | "mapping" | "null" | "number" | "odd" | "string" | "truthy" | "undefined" | "upper" => 0,
        "divisibleby" | "eq" | "equalto" | "ge" | "greaterthan" | "gt" | "le" | "lessthan"
        | "lt" | "ne" | "sameas" => 1,
        _ => return None,
    })
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
