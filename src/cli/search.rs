//! `greenroom search QUERY`: fuzzy matches over entities, people and teams, best first. The query
//! has the same grammar as the TUI's filter (`'exact`, `!not`, `owner:x`, ...).

use super::output::{print_json, print_table, Format};
use super::Context;
use crate::search::entities;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    query: String,
    /// Only this kind (component, api, group, user, ...).
    #[arg(long)]
    kind: Option<String>,
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let index = entities::index(&catalog);
    let query = match &args.kind {
        Some(kind) => format!("kind:{kind} {}", args.query),
        None => args.query.clone(),
    };
    let results = index.search(&query, args.limit);
    let hits: Vec<_> = results
        .hits
        .iter()
        .map(|hit| (hit, catalog.entity(hit.doc as u32)))
        .collect();
    match args.format {
        Format::Json => print_json(&serde_json::Value::Array(
            hits.iter()
                .map(|(hit, e)| serde_json::json!({ "ref": e.key(), "kind": e.kind.to_string(), "score": hit.score, "title": e.display_name() }))
                .collect(),
        )),
        Format::Text => {
            let rows: Vec<Vec<String>> = hits
                .iter()
                .map(|(hit, e)| vec![e.reference.short(), e.display_name().to_string(), hit.score.to_string()])
                .collect();
            print_table(&["REF", "TITLE", "SCORE"], &rows);
            if results.total > hits.len() {
                println!("({} of {} matches; --limit shows more)", hits.len(), results.total);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
