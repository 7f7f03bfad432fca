//! `greenroom search QUERY`: fuzzy matches over entities, people and teams, and the endpoints of
//! every API whose definition is in the catalog (`POST /v1/refunds`, an operationId, a GraphQL
//! field, an rpc, a channel: each with its API, the components providing it and their owner),
//! best first. The query has the same grammar as the TUI's filter (`'exact`, `!not`, `owner:x`,
//! ...). A query naming a PagerDuty incident (`#1234`, `1234`, `PT4KHLK`) also finds the entity
//! of its service, first, when PagerDuty is configured.

use super::context::Context;
use super::output::{print_json, print_table, Format};
use crate::catalog::{Catalog, EntityId};
use crate::providers::http::CachePolicy;
use crate::providers::pagerduty::{self, Incident, ServiceMap};
use crate::search::entities;
use crate::search::operations::{self, Endpoint, Endpoints, Found};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    query: String,
    /// Only this kind (component, api, group, user, ...; `operation` for endpoints only).
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
    let endpoints_only = args
        .kind
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case("operation"));
    // Reading every definition is the slow part at scale: not when a kind leaves endpoints out,
    // and beside the entities' index on another core when it does not.
    let (index, endpoints) = rayon::join(
        || entities::index(catalog),
        || match args.kind.is_none() || endpoints_only {
            true => Endpoints::build(catalog),
            false => Endpoints::build(&Catalog::default()),
        },
    );
    let results = match &args.kind {
        Some(_) if endpoints_only => operations::merge(
            Default::default(),
            endpoints.index().search(&args.query, args.limit),
            args.limit,
        ),
        Some(kind) => {
            let query = format!("kind:{kind} {}", args.query);
            operations::merge(
                index.search(&query, args.limit),
                Default::default(),
                args.limit,
            )
        }
        None => operations::search(&index, &endpoints, &args.query, args.limit),
    };
    let hits: Vec<Hit> = results
        .hits
        .iter()
        .map(|found| match found {
            Found::Entity(hit) => Hit::Entity(hit.score, catalog.entity(hit.doc as u32)),
            Found::Endpoint(hit) => Hit::Endpoint(hit.score, endpoints.get(hit.doc)),
        })
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
                .chain(hits.iter().map(|hit| hit.json(&catalog)))
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
            let rows: Vec<Vec<String>> = hits.iter().map(|hit| hit.row(&catalog)).collect();
            print_table(&["REF", "TITLE", "SCORE"], &rows);
            if results.total > hits.len() {
                println!("({} of {} matches; --limit shows more)", hits.len(), results.total);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of the answer: an entity, or an endpoint with who serves it.
enum Hit<'a> {
    Entity(u32, &'a crate::catalog::Entity),
    Endpoint(u32, &'a Endpoint),
}

impl Hit<'_> {
    /// An endpoint's `ref` is its API's, so scripts that open each `ref` open the API.
    fn json(&self, catalog: &Catalog) -> serde_json::Value {
        match self {
            Hit::Entity(score, e) => {
                serde_json::json!({ "ref": e.key(), "kind": e.kind.to_string(), "score": score, "title": e.display_name() })
            }
            Hit::Endpoint(score, endpoint) => {
                let api = catalog.entity(endpoint.api);
                let providers: Vec<String> = endpoint
                    .providers
                    .iter()
                    .map(|&id| catalog.entity(id).key())
                    .collect();
                serde_json::json!({
                    "ref": api.key(),
                    "kind": "operation",
                    "score": score,
                    "title": format!("{} {}", endpoint.method, endpoint.path),
                    "method": endpoint.method,
                    "path": endpoint.path,
                    "operationId": endpoint.operation_id,
                    "summary": endpoint.summary,
                    "api": api.key(),
                    "providers": providers,
                    "owner": endpoint.owner(catalog).map(|owner| owner.key()),
                })
            }
        }
    }

    /// REF, TITLE, SCORE: an endpoint reads `POST /v1/refunds` and `refunds-api →
    /// payments-service (team-payments)`.
    fn row(&self, catalog: &Catalog) -> Vec<String> {
        match self {
            Hit::Entity(score, e) => vec![
                e.reference.short(),
                e.display_name().to_string(),
                score.to_string(),
            ],
            Hit::Endpoint(score, endpoint) => vec![
                format!("{} {}", endpoint.method, endpoint.path),
                endpoint.served_by(catalog).to_string(),
                score.to_string(),
            ],
        }
    }
}
