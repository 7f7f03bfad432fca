//! `debug:log`, `fs:rename` and `fs:delete` on the in-memory workspace
//! (plugins/scaffolder-backend `builtin/debug/log.ts`, `builtin/filesystem/rename.ts`, `delete.ts`).

use super::context::ActionContext;
use super::glob::glob_matches;
use crate::scaffolder::workspace::safe_path;
use serde_json::Value;

pub fn debug_log(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    match ctx.input.get("message") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => ctx.log(s.clone()),
        Some(other) => ctx.log(other.to_string()),
    }
    if let Some(extra) = ctx.input.get("extra") {
        ctx.log(serde_json::to_string_pretty(extra).unwrap_or_default());
    }
    let list = match ctx.input.get("listWorkspace") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(false),
        Some(Value::String(s)) if s == "with-filenames" => Some(false),
        Some(Value::String(s)) if s == "with-contents" => Some(true),
        Some(other) => {
            return Err(format!(
                "listWorkspace must be true, \"with-filenames\" or \"with-contents\", got {other}"
            ))
        }
    };
    if let Some(with_contents) = list {
        let mut lines = vec!["Workspace:".to_string()];
        let files: Vec<(String, Vec<u8>)> = ctx
            .workspace
            .files()
            .map(|(p, c)| (p.to_string(), c.to_vec()))
            .collect();
        for (path, contents) in files {
            lines.push(format!("  - {path}"));
            if with_contents {
                lines.push(
                    String::from_utf8_lossy(&contents)
                        .lines()
                        .map(|l| format!("    {l}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            }
        }
        ctx.log(lines.join("\n"));
    }
    Ok(())
}

pub fn rename(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let files = match ctx.input.get("files") {
        Some(Value::Array(files)) => files.clone(),
        _ => return Err("files must be an Array of { from, to, overwrite }".into()),
    };
    for (i, file) in files.iter().enumerate() {
        let field = |k: &str| file.get(k).and_then(Value::as_str);
        let (Some(from), Some(to)) = (field("from"), field("to")) else {
            return Err(format!(
                "files[{i}]: each file must have a from and to property"
            ));
        };
        let from_path = safe_path(from).map_err(|e| format!("files[{i}].from: {e}"))?;
        let to_path = safe_path(to).map_err(|e| format!("files[{i}].to: {e}"))?;
        let overwrite = file
            .get("overwrite")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        ctx.workspace
            .rename(&from_path, &to_path, overwrite)
            .map_err(|e| format!("files[{i}]: {e}"))?;
        ctx.log(format!("Renamed {from} to {to}"));
    }
    Ok(())
}

pub fn delete(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let patterns = ctx
        .strings("files")?
        .ok_or_else(|| "files must be an array of paths or globs".to_string())?;
    let mut compiled = Vec::new();
    for p in &patterns {
        // A glob must stay inside the workspace like a path.
        let normalized = safe_path(p).map_err(|e| format!("files: {e}"))?;
        compiled.push(glob::Pattern::new(&normalized).map_err(|e| format!("files: {p:?}: {e}"))?);
    }
    let matched: Vec<String> = ctx
        .workspace
        .entries()
        .map(|(p, _)| p.to_string())
        .chain(implied_dirs(ctx))
        .filter(|p| glob_matches(&compiled, p))
        .collect();
    for path in matched {
        if ctx.workspace.remove(&path) {
            ctx.log(format!("File {path} deleted successfully"));
        }
    }
    Ok(())
}

/// Folders implied by the files under them (`a/b/c.txt` implies `a` and `a/b`).
fn implied_dirs(ctx: &ActionContext<'_>) -> Vec<String> {
    let mut dirs: Vec<String> = ctx
        .workspace
        .files()
        .flat_map(|(p, _)| {
            let parts: Vec<&str> = p.split('/').collect();
            (1..parts.len())
                .map(move |n| parts[..n].join("/"))
                .collect::<Vec<_>>()
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}
