//! Whole-form operations on the values: `default`s filled in, values of hidden fields dropped,
//! and the secret fields moved out into the `secrets` map.

use super::json::{get_path, set_path};
use super::pages::{all_fields, page_fields};
use crate::scaffolder::model::Template;
use serde_json::{Map, Value};

/// Fills the `default` of every field on the page that has no value yet, including fields that
/// appear because of a default (a dependency's branch).
pub fn apply_defaults(page: &Value, values: &mut Value) {
    for _ in 0..8 {
        let mut changed = false;
        for f in page_fields(page, values) {
            if let (None, Some(default)) = (get_path(values, &f.path), &f.default) {
                set_path(values, &f.path, Some(default.clone()));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// The values without those of fields no page shows now (a `dependencies` branch left), as
/// Backstage's form drops them (rjsf's `omitExtraData` with `liveOmit`), so a run never gets a
/// value the user can no longer see.
pub fn omit_hidden(template: &Template, values: &Value) -> Value {
    let mut kept = Value::Object(Map::new());
    for page in &template.parameters {
        for f in page_fields(page, values) {
            if let Some(v) = get_path(values, &f.path) {
                set_path(&mut kept, &f.path, Some(v.clone()));
            }
        }
    }
    kept
}

/// The dotted paths of the template's secret fields (on any page, conditional ones included).
pub fn secret_fields(template: &Template) -> Vec<String> {
    let mut fields = Vec::new();
    for page in &template.parameters {
        all_fields(page, "", &mut fields);
    }
    let mut paths: Vec<String> = fields
        .into_iter()
        .filter(|f| f.secret)
        .map(|f| f.path)
        .collect();
    paths.dedup();
    paths
}

/// Moves the secret fields out of the values: returns the parameters (no secret left in them) and
/// the `secrets` map, keyed by each secret property's name as Backstage's `secrets.*` are.
pub fn split_secrets(template: &Template, values: &Value) -> (Value, Map<String, Value>) {
    let mut parameters = values.clone();
    let mut secrets = Map::new();
    for path in secret_fields(template) {
        if let Some(v) = get_path(&parameters, &path).cloned() {
            let key = path.rsplit('.').next().unwrap_or(&path).to_string();
            secrets.insert(key, v);
            set_path(&mut parameters, &path, None);
        }
    }
    (parameters, secrets)
}
