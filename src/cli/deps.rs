//! `greenroom deps REF [--reverse] [--depth N]`: the dependency tree, or what depends on it.

use super::context::{resolve_or_explain, Context};
use super::output::{print_json, Format};
use crate::catalog::graph::{self, Direction, Mark, TreeNode};
use crate::catalog::{Catalog, Target};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: String,
    /// What depends on the entity instead of what it depends on.
    #[arg(long)]
    reverse: bool,
    /// Levels to follow (default: all).
    #[arg(long)]
    depth: Option<usize>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let id = resolve_or_explain(&catalog, &args.reference)?;
    let direction = if args.reverse {
        Direction::Dependents
    } else {
        Direction::Dependencies
    };
    let tree = graph::tree(&catalog, id, direction.relations(), args.depth);
    match args.format {
        Format::Json => print_json(&to_json(&catalog, &tree)),
        Format::Text => {
            let mut lines = Vec::new();
            render(&catalog, &tree, "", "", &mut lines);
            for line in lines {
                println!("{line}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn label(catalog: &Catalog, node: &TreeNode) -> String {
    let mut text = match node.via {
        Some(via) => format!("{} {}", via.name(), catalog.target_ref(node.target).key()),
        None => catalog.target_ref(node.target).key(),
    };
    if matches!(node.target, Target::Missing(_)) {
        text.push_str(" (missing)");
    }
    match node.mark {
        Mark::Cycle => text.push_str(" (cycle)"),
        Mark::Seen => text.push_str(" (see above)"),
        Mark::DepthLimit => text.push_str(" (...)"),
        Mark::None => {}
    }
    text
}

/// Draws the tree with box characters.
fn render(
    catalog: &Catalog,
    node: &TreeNode,
    own_prefix: &str,
    child_prefix: &str,
    out: &mut Vec<String>,
) {
    out.push(format!("{own_prefix}{}", label(catalog, node)));
    let last = node.children.len().saturating_sub(1);
    for (i, child) in node.children.iter().enumerate() {
        let (branch, continuation) = if i == last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        render(
            catalog,
            child,
            &format!("{child_prefix}{branch}"),
            &format!("{child_prefix}{continuation}"),
            out,
        );
    }
}

fn to_json(catalog: &Catalog, node: &TreeNode) -> serde_json::Value {
    let mut json = serde_json::json!({
        "ref": catalog.target_ref(node.target).key(),
        "exists": matches!(node.target, Target::Entity(_)),
    });
    if let Some(via) = node.via {
        json["relation"] = via.name().into();
    }
    match node.mark {
        Mark::Cycle => json["cycle"] = true.into(),
        Mark::Seen => json["seen"] = true.into(),
        Mark::DepthLimit => json["truncated"] = true.into(),
        Mark::None => {}
    }
    json["children"] = node.children.iter().map(|c| to_json(catalog, c)).collect();
    json
}
