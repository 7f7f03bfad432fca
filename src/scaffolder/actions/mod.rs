//! The actions a template's steps call. Each is classified up front, so a run can say before its
//! first step what it will do locally, what has side effects outside the workspace, and what only
//! a Backstage backend can do.

pub mod catalog;
pub mod fetch;
pub mod files;
pub mod github;

use super::run::RunOptions;
use super::workspace::Workspace;
use super::Template;
use serde_json::{Map, Value};

/// Where an action can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Works on the in-memory workspace only: runs in dry runs too.
    Workspace,
    /// Reaches outside the workspace (GitHub, the catalog): skipped in a dry run, which shows
    /// what it would do and the output it would give.
    External,
    /// Only a Backstage backend has it (`notification:send`, plugin actions).
    Backend,
}

/// An action greenroom runs itself, with the inputs Backstage's schema requires.
pub struct Builtin {
    pub id: &'static str,
    pub kind: Kind,
    pub required: &'static [&'static str],
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        id: "fetch:template",
        kind: Kind::Workspace,
        required: &["url"],
    },
    Builtin {
        id: "fetch:plain",
        kind: Kind::Workspace,
        required: &["url"],
    },
    Builtin {
        id: "fetch:plain:file",
        kind: Kind::Workspace,
        required: &["url", "targetPath"],
    },
    Builtin {
        id: "debug:log",
        kind: Kind::Workspace,
        required: &[],
    },
    Builtin {
        id: "fs:rename",
        kind: Kind::Workspace,
        required: &["files"],
    },
    Builtin {
        id: "fs:delete",
        kind: Kind::Workspace,
        required: &["files"],
    },
    Builtin {
        id: "catalog:write",
        kind: Kind::Workspace,
        required: &["entity"],
    },
    Builtin {
        id: "catalog:fetch",
        kind: Kind::Workspace,
        required: &[],
    },
    Builtin {
        id: "catalog:register",
        kind: Kind::External,
        required: &[],
    },
    Builtin {
        id: "publish:github",
        kind: Kind::External,
        required: &["repoUrl"],
    },
    Builtin {
        id: "github:actions:dispatch",
        kind: Kind::External,
        required: &["repoUrl", "workflowId", "branchOrTagName"],
    },
];

/// How a step's action is classified, or why it is not an action at all.
pub fn classify(action: &str) -> Result<Kind, String> {
    if let Some(builtin) = BUILTINS.iter().find(|b| b.id == action) {
        return Ok(builtin.kind);
    }
    // Backstage action ids are `namespace:name[:more]` in letters, digits, `-`, `_` and `.`; any
    // such id that is not ours belongs to the backend (builtin ones we lack, or a plugin's).
    let well_formed = action.contains(':')
        && action.split(':').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
    if well_formed {
        Ok(Kind::Backend)
    } else {
        Err(format!("action '{action}' does not exist"))
    }
}

pub fn required_inputs(action: &str) -> &'static [&'static str] {
    BUILTINS
        .iter()
        .find(|b| b.id == action)
        .map_or(&[], |b| b.required)
}

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

/// Runs a workspace action (dry run or not: they only touch the in-memory workspace; fetching
/// from GitHub reads, it changes nothing).
pub async fn run_workspace_action(action: &str, ctx: &mut ActionContext<'_>) -> Result<(), String> {
    match action {
        "fetch:template" => fetch::template(ctx).await,
        "fetch:plain" => fetch::plain(ctx).await,
        "fetch:plain:file" => fetch::plain_file(ctx).await,
        "debug:log" => files::debug_log(ctx),
        "fs:rename" => files::rename(ctx),
        "fs:delete" => files::delete(ctx),
        "catalog:write" => catalog::write(ctx),
        "catalog:fetch" => catalog::fetch(ctx),
        other => Err(format!("{other} is not a workspace action")),
    }
}

/// Runs an external action for real.
pub async fn run_external_action(action: &str, ctx: &mut ActionContext<'_>) -> Result<(), String> {
    match action {
        "catalog:register" => catalog::register(ctx).await,
        "publish:github" => github::publish(ctx).await,
        "github:actions:dispatch" => github::dispatch(ctx).await,
        other => Err(format!("{other} is not an external action")),
    }
}

/// What an external action would do, and the output it would give, without doing it.
pub fn preview_external_action(action: &str, ctx: &mut ActionContext<'_>) -> Result<(), String> {
    match action {
        "catalog:register" => catalog::preview_register(ctx),
        "publish:github" => github::preview_publish(ctx),
        "github:actions:dispatch" => github::preview_dispatch(ctx),
        other => Err(format!("{other} is not an external action")),
    }
}
