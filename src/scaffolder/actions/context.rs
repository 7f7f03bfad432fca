//! What every action works with: [`ActionContext`] (its rendered input, the template, the
//! workspace, the run's options, its log and output) and how an input's JSON type is named in
//! errors.

use crate::scaffolder::options::RunOptions;
use crate::scaffolder::workspace::Workspace;
use crate::scaffolder::Template;
use serde_json::{Map, Value};

/// What one action invocation works with.
pub struct ActionContext<'a> {
    pub input: &'a Map<String, Value>,
    pub template: &'a Template,
    pub workspace: &'a mut Workspace,
    pub options: &'a RunOptions,
    /// Masked log lines go to the run's events.
    pub log: &'a mut (dyn FnMut(String) + Send),
    /// `ctx.output(name, value)` in Backstage.
    pub output: Map<String, Value>,
}

impl ActionContext<'_> {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.input.get(key).and_then(Value::as_str)
    }

    pub fn required_str(&self, key: &str) -> Result<&str, String> {
        match self.input.get(key) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(format!(
                "input {key} must be a string, got {}",
                json_type(other)
            )),
            None => Err(format!("input {key} is required")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<bool, String> {
        match self.input.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(format!(
                "input {key} must be a boolean, got {}",
                json_type(other)
            )),
        }
    }

    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        match self.input.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("input {key} must be an array of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(format!("input {key} must be an array")),
        }
    }

    pub fn log(&mut self, line: impl Into<String>) {
        (self.log)(line.into());
    }

    pub fn set_output(&mut self, name: &str, value: impl Into<Value>) {
        self.output.insert(name.to_string(), value.into());
    }
}

pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
