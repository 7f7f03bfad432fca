//! Checking the values: one field (its schema, then what its widget adds: entity names, tags,
//! repository locations, entity refs), one page, or every page of a template.

use super::check::check;
use super::json::{get_path, present};
use super::model::{Field, FieldError, Widget};
use super::pages::page_fields;
use super::repo_url::repo_url_problem;
use crate::catalog::validate::{is_valid_object_name, is_valid_tag};
use crate::scaffolder::model::Template;
use serde_json::Value;

/// Every error on one page for these values, one per field, in the page's order.
pub fn validate_page(page: &Value, values: &Value) -> Vec<FieldError> {
    page_fields(page, values)
        .iter()
        .filter_map(|f| {
            field_error(f, get_path(values, &f.path)).map(|message| FieldError {
                path: f.path.clone(),
                message,
            })
        })
        .collect()
}

/// What is wrong with a field's value, if anything.
pub fn field_error(field: &Field, value: Option<&Value>) -> Option<String> {
    let Some(value) = present(value) else {
        return field.required.then(|| "is required".to_string());
    };
    let mut problems = check(value, &field.schema);
    match &field.widget {
        Widget::Text { entity_name: true }
            if value.as_str().is_some_and(|s| !is_valid_object_name(s)) =>
        {
            problems.push("must start and end with an alphanumeric character, and contain only alphanumeric characters, hyphens, underscores, and periods; at most 63 characters".into());
        }
        Widget::List { tags: true } => {
            for tag in value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !is_valid_tag(tag) {
                    problems.push(format!("tag \"{tag}\" must be lower case letters, digits, : + #, in words separated by single -, at most 63 characters"));
                }
            }
        }
        Widget::RepoUrl(options) => {
            if let Some(text) = value.as_str() {
                problems.extend(repo_url_problem(text, options));
            }
        }
        Widget::Entity(picker) => {
            let refs: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for r in refs {
                let text = r.as_str().unwrap_or_default();
                let kind = picker
                    .default_kind
                    .as_deref()
                    .or(picker.kinds.first().map(String::as_str));
                if let Err(e) = crate::catalog::entity_ref::EntityRef::parse(
                    text,
                    kind,
                    picker.default_namespace.as_deref().unwrap_or("default"),
                ) {
                    problems.push(e.0);
                }
            }
        }
        _ => {}
    }
    problems.dedup();
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Every error in the values, over all pages, every bad field named (the CLI refuses a run
/// with these). `values` holds every field's value, secrets included.
pub fn validate(template: &Template, values: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !values.is_object() && !values.is_null() {
        errors.push(FieldError {
            path: String::new(),
            message: "the values must be an object of field names to values".into(),
        });
        return errors;
    }
    for page in &template.parameters {
        for e in validate_page(page, values) {
            if !errors.iter().any(|x: &FieldError| x.path == e.path) {
                errors.push(e);
            }
        }
    }
    errors
}
