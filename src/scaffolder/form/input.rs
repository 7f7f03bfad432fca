//! A field's value as the user types and reads it: the typed text parsed into a value, the text
//! a value is edited as, and how it reads on the review page.

use super::json::{present, text_of};
use super::model::{Choice, Field, Review, Widget};
use serde_json::Value;

/// The value a typed text stands for in this field: a number for number fields (kept as text
/// when it is not one, so validation can say so), a list for comma-separated lists, JSON for JSON
/// fields; `None` for an empty text.
pub fn parse_input(field: &Field, text: &str) -> Option<Value> {
    if text.trim().is_empty() {
        return None;
    }
    Some(match &field.widget {
        Widget::Number { .. } => match text.trim().parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Value::from(x),
                _ => Value::String(text.to_string()),
            },
        },
        Widget::List { .. } => Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        Widget::Json => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
        }
        _ => Value::String(text.to_string()),
    })
}

/// The text a value is edited as (the inverse of [`parse_input`]).
pub fn input_text(field: &Field, value: Option<&Value>) -> String {
    match (value, &field.widget) {
        (None | Some(Value::Null), _) => String::new(),
        (Some(Value::Array(items)), Widget::List { .. }) => {
            items.iter().map(text_of).collect::<Vec<_>>().join(", ")
        }
        (Some(v), _) => text_of(v),
    }
}

/// How a value reads on the review page and in lists (secrets masked, choices by label).
pub fn display(field: &Field, value: Option<&Value>) -> String {
    match &field.review {
        Review::Mask(mask) if present(value).is_some() => return mask.clone(),
        _ => {}
    }
    let Some(value) = present(value) else {
        return String::new();
    };
    let label = |choices: &[Choice], v: &Value| {
        choices
            .iter()
            .find(|c| c.value == *v)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| text_of(v))
    };
    match (&field.widget, value) {
        (Widget::Select { choices, .. }, v) => label(choices, v),
        (Widget::MultiSelect { choices }, Value::Array(items)) => items
            .iter()
            .map(|v| label(choices, v))
            .collect::<Vec<_>>()
            .join(", "),
        (Widget::Boolean, Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        (_, Value::Array(items)) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        (_, v) => text_of(v),
    }
}
