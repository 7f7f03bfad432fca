//! `greenroom search QUERY`: fuzzy matches over entities, people and teams, best first. The query
//! has the same grammar as the TUI's filter (`'exact`, `!not`, `owner:x`, ...). A query naming a
//! PagerDuty incident (`#1234`, `1234`, `PT4KHLK`) also finds the entity of its service, first,
//! when PagerDuty is configured.

use super::context::Context;
use super::output::{print_json, print_table, Format};
use crate::catalog::{Catalog, EntityId};
use crate::providers::http::CachePolicy;
use crate::providers::pagerduty::{self, Incident, ServiceMap};
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

impl Args {
    /// Whether the query names a PagerDuty incident (the reverse lookup).
    pub fn names_incident(&self) -> bool {
        pagerduty::parse_incident_ref(&self.query).is_some()
    }
}

/// The incident the query names and the entities of its service, when PagerDuty can say.
fn incident_hits(
    context: &Context,
    catalog: &Catalog,
    query: &str,
    verbose: bool,
) -> Option<(Incident, Vec<EntityId>)> {
    let reference = pagerduty::parse_incident_ref(query)?;
    let pd = match super::incidents::connect(context, verbose)? {
        Ok(pd) => pd,
        Err(err) => {
            eprintln!("greenroom: warning: incident lookup: {err}");
            return None;
        }
    };
    let runtime = super::context::runtime().ok()?;
    let incident = match runtime.block_on(pd.incident(&reference, CachePolicy::Revalidate)) {
        Ok(found) => found.value,
        Err(err) => {
            eprintln!("greenroom: warning: incident lookup: {err}");
            return None;
        }
    };
    let mut map = ServiceMap::build(catalog);
    if map.entities_of_incident(&incident).is_empty() {
        // Its service may be one the catalog names by integration key.
        let keys = map.unlearned_keys();
        if let Ok(resolved) = runtime.block_on(pd.services(&keys, CachePolicy::Revalidate)) {
            map.teach_services(&resolved.value);
        }
    }
    let entities = map.entities_of_incident(&incident);
    Some((incident, entities))
}

pub fn run(context: &Context, args: &Args, verbose: bool) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let found = incident_hits(context, &catalog, &args.query, verbose);
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
    let incident_json = |incident: &Incident| serde_json::json!({ "id": incident.id, "number": incident.incident_number, "title": incident.title, "status": incident.status, "urgency": incident.urgency, "service": { "id": incident.service.id, "name": incident.service.summary } });
    match args.format {
        Format::Json => print_json(&serde_json::Value::Array(
            found
                .iter()
                .flat_map(|(incident, ids)| {
                    ids.iter().map(|&id| {
                        let e = catalog.entity(id);
                        serde_json::json!({ "ref": e.key(), "kind": e.kind.to_string(), "score": null, "title": e.display_name(), "incident": incident_json(incident) })
                    })
                })
                .chain(hits.iter()
                .map(|(hit, e)| serde_json::json!({ "ref": e.key(), "kind": e.kind.to_string(), "score": hit.score, "title": e.display_name() })))
                .collect(),
        )),
        Format::Text => {
            if let Some((incident, ids)) = &found {
                let on = if ids.is_empty() {
                    "no entity of the catalog".to_string()
                } else {
                    ids.iter()
                        .map(|&id| catalog.entity(id).key())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                println!(
                    "incident {} on {} → {on}",
                    incident.headline(),
                    incident.service.summary
                );
            }
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
