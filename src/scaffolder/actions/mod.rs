//! The actions a template's steps call. Each is classified up front, so a run can say before its
//! first step what it will do locally, what has side effects outside the workspace, and what only
//! a Backstage backend can do.

pub mod catalog;
mod context;
pub mod fetch;
pub mod files;
pub mod github;
mod glob;

pub use context::{json_type, ActionContext};

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
