//! `greenroom list`: entities, filtered, as a table or as Backstage entity objects.

use super::context::Context;
use super::output::{cell, print_json, print_table, TableFormat};
use crate::catalog::{Entity, EntityRef};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this kind (component, api, group, ...).
    #[arg(long)]
    kind: Option<String>,
    /// Only entities owned by this group or user reference.
    #[arg(long, value_name = "REF")]
    owner: Option<String>,
    #[arg(long)]
    lifecycle: Option<String>,
    #[arg(long)]
    tag: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: TableFormat,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let owner_key = args
        .owner
        .as_deref()
        .and_then(|o| EntityRef::parse(o, Some("group"), "default").ok())
        .map(|r| r.key());
    let selected: Vec<u32> = (0..catalog.len() as u32)
        .filter(|&id| {
            let e = catalog.entity(id);
            args.kind.as_deref().is_none_or(|k| e.is_kind(k))
                && args
                    .lifecycle
                    .as_deref()
                    .is_none_or(|l| e.lifecycle().is_some_and(|x| x.eq_ignore_ascii_case(l)))
                && args
                    .tag
                    .as_deref()
                    .is_none_or(|t| e.tags().any(|x| x.eq_ignore_ascii_case(t)))
                && owner_key
                    .as_deref()
                    .is_none_or(|o| owner_ref(e).is_some_and(|k| k == o))
        })
        .collect();
    match args.format {
        TableFormat::Json => print_json(&serde_json::Value::Array(
            selected.iter().map(|&id| catalog.entity_json(id)).collect(),
        )),
        TableFormat::Table => {
            let rows: Vec<Vec<String>> = selected
                .iter()
                .map(|&id| {
                    let e = catalog.entity(id);
                    vec![
                        e.kind.to_string(),
                        e.reference
                            .short()
                            .split_once(':')
                            .map_or_else(|| e.name().to_string(), |(_, n)| n.to_string()),
                        cell(e.owner()),
                        cell(e.system()),
                        cell(e.lifecycle()),
                        cell(e.spec_type()),
                        e.tags().collect::<Vec<_>>().join(","),
                    ]
                })
                .collect();
            print_table(
                &[
                    "KIND",
                    "NAME",
                    "OWNER",
                    "SYSTEM",
                    "LIFECYCLE",
                    "TYPE",
                    "TAGS",
                ],
                &rows,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The canonical key of an entity's owner, resolved as Backstage does (kind Group by default).
fn owner_ref(entity: &Entity) -> Option<String> {
    EntityRef::parse(entity.owner()?, Some("group"), entity.namespace())
        .ok()
        .map(|r| r.key())
}
