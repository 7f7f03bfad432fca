//! `greenroom who REF`: who owns an entity: the owning group, its parent chain, and its members
//! with their emails. A group answers for itself; a user shows the groups they belong to.
//!
//! With PagerDuty configured (a token), it adds who is on call now for the entity's services (a
//! group: the services of what it owns), by level, with contact methods. Without a token it works
//! exactly as without PagerDuty; PagerDuty trouble is a warning on stderr, never a failure.

use super::context::{resolve_or_explain, Context};
use super::incidents::{self, OnCallReport};
use super::output::{print_json, Format};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::pagerduty::{self, ServiceMap};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args, verbose: bool) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let id = resolve_or_explain(&catalog, &args.reference)?;
    let entity = catalog.entity(id);
    let owners: Vec<Target> = if entity.is_kind("Group") {
        vec![Target::Entity(id)]
    } else if entity.is_kind("User") {
        catalog.related(id, RelationType::MemberOf).collect()
    } else {
        catalog.related(id, RelationType::OwnedBy).collect()
    };
    let teams: Vec<serde_json::Value> = owners.iter().map(|&t| team_json(&catalog, t)).collect();
    let on_call = on_call(context, &catalog, id, verbose);
    if args.format == Format::Json {
        let mut json = serde_json::json!({ "ref": entity.key(), "owners": teams });
        if let Some(on_call) = &on_call {
            json["on_call"] = match on_call {
                OnCallNow::NoService(why) => serde_json::json!({ "services": [], "note": why }),
                OnCallNow::Unavailable(why) => serde_json::json!({ "services": [], "error": why }),
                OnCallNow::Report(report) => {
                    serde_json::json!({ "services": incidents::on_call_json(&catalog, report) })
                }
            };
        }
        print_json(&json);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", entity.key());
    if owners.is_empty() {
        println!("  no owner declared (spec.owner)");
    }
    for team in &teams {
        print_team(team);
    }
    match &on_call {
        None => {}
        Some(OnCallNow::NoService(why)) => println!("  on call now: {why}"),
        Some(OnCallNow::Unavailable(why)) => println!("  on call now: unavailable ({why})"),
        Some(OnCallNow::Report(report)) => {
            println!("  on call now (PagerDuty):");
            if report.services.is_empty() {
                println!("    no PagerDuty service found");
            }
            incidents::print_on_call(&catalog, report, "    ");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Who is on call for the entity's services, when PagerDuty is configured.
enum OnCallNow {
    /// The entity names no PagerDuty service: why.
    NoService(String),
    /// PagerDuty could not be asked at all (the error went to stderr).
    Unavailable(String),
    Report(OnCallReport),
}

fn on_call(context: &Context, catalog: &Catalog, id: EntityId, verbose: bool) -> Option<OnCallNow> {
    let entity = catalog.entity(id);
    if entity.is_kind("User") {
        return None;
    }
    let pd = match incidents::connect(context, verbose)? {
        Ok(pd) => pd,
        Err(err) => {
            eprintln!("greenroom: warning: on call: {err}");
            return Some(OnCallNow::Unavailable(
                "PagerDuty is not set up right".into(),
            ));
        }
    };
    let map = ServiceMap::of(catalog, incidents::scope(catalog, id));
    if !entity.is_kind("Group") {
        if let Err(err) = pagerduty::service_refs(entity) {
            return Some(OnCallNow::NoService(
                err.to_string()
                    .trim_start_matches(&format!("{} has ", entity.key()))
                    .to_string(),
            ));
        }
    }
    let refs = map.refs();
    if refs.is_empty() {
        return Some(OnCallNow::NoService("nothing it owns has a pagerduty.com/service-id or pagerduty.com/integration-key annotation".into()));
    }
    let runtime = super::context::runtime().ok()?;
    let report = runtime.block_on(incidents::on_call_now(&pd, &map, &refs));
    let errors = report.errors();
    for err in &errors {
        eprintln!("greenroom: warning: on call: {err}");
    }
    if errors.iter().any(pagerduty::is_global)
        && report
            .services
            .iter()
            .all(|s| s.target.service.is_err() || s.oncalls.is_err())
    {
        return Some(OnCallNow::Unavailable("see the warning above".into()));
    }
    Some(OnCallNow::Report(report))
}

fn team_json(catalog: &Catalog, target: Target) -> serde_json::Value {
    let Target::Entity(group) = target else {
        return serde_json::json!({ "ref": catalog.target_ref(target).key(), "exists": false });
    };
    let entity = catalog.entity(group);
    let members: Vec<serde_json::Value> = catalog
        .related(group, RelationType::HasMember)
        .map(|m| match m {
            Target::Entity(user) => {
                let user = catalog.entity(user);
                serde_json::json!({ "ref": user.key(), "name": user.display_name(), "email": user.email() })
            }
            Target::Missing(_) => serde_json::json!({ "ref": catalog.target_ref(m).key(), "exists": false }),
        })
        .collect();
    serde_json::json!({
        "ref": entity.key(),
        "exists": true,
        "name": entity.display_name(),
        "email": entity.email(),
        "parents": catalog.parent_chain(group),
        "members": members,
    })
}

fn print_team(team: &serde_json::Value) {
    let text = |key: &str| team[key].as_str().unwrap_or_default().to_string();
    if team["exists"] == false {
        println!("  owner {} (missing from the catalog)", text("ref"));
        return;
    }
    let email = team["email"]
        .as_str()
        .map(|e| format!(" <{e}>"))
        .unwrap_or_default();
    println!("  owner {} ({}){email}", text("ref"), text("name"));
    let parents: Vec<&str> = team["parents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str())
        .collect();
    if !parents.is_empty() {
        println!("  part of {}", parents.join(" → "));
    }
    let members = team["members"].as_array().cloned().unwrap_or_default();
    println!("  members ({}):", members.len());
    for member in members {
        let name = member["name"].as_str().unwrap_or_default();
        let email = member["email"]
            .as_str()
            .map(|e| format!(" <{e}>"))
            .unwrap_or_default();
        println!(
            "    {} {name}{email}",
            member["ref"].as_str().unwrap_or_default()
        );
    }
}
