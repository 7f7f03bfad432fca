//! `greenroom who REF`: who owns an entity: the owning group, its parent chain, and its members
//! with their emails. A group answers for itself; a user shows the groups they belong to.

use super::output::{print_json, Format};
use super::{resolve_or_explain, Context};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name.
    reference: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode, ExitCode> {
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
    if args.format == Format::Json {
        print_json(&serde_json::json!({ "ref": entity.key(), "owners": teams }));
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", entity.key());
    if owners.is_empty() {
        println!("  no owner declared (spec.owner)");
    }
    for team in &teams {
        print_team(team);
    }
    Ok(ExitCode::SUCCESS)
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
        "parents": parent_chain(catalog, group),
        "members": members,
    })
}

/// The group's parents up to the root, nearest first; stops at a cycle.
fn parent_chain(catalog: &Catalog, group: EntityId) -> Vec<String> {
    let mut chain = Vec::new();
    let mut seen = vec![group];
    let mut current = group;
    while let Some(parent) = catalog.related(current, RelationType::ChildOf).next() {
        chain.push(catalog.target_ref(parent).key());
        match parent {
            Target::Entity(p) if !seen.contains(&p) => {
                seen.push(p);
                current = p;
            }
            _ => break,
        }
    }
    chain
}

fn print_team(team: &serde_json::Value) {
    let text = |key: &str| team[key].as_str().unwrap_or_default().to_string();
    if team["exists"] == false {
        println!("  owner {} (missing from the catalog)", text("ref"));
        return;
    }
    let email = team["email"].as_str().map(|e| format!(" <{e}>")).unwrap_or_default();
    println!("  owner {} ({}){email}", text("ref"), text("name"));
    let parents: Vec<&str> = team["parents"].as_array().into_iter().flatten().filter_map(|p| p.as_str()).collect();
    if !parents.is_empty() {
        println!("  part of {}", parents.join(" → "));
    }
    let members = team["members"].as_array().cloned().unwrap_or_default();
    println!("  members ({}):", members.len());
    for member in members {
        let name = member["name"].as_str().unwrap_or_default();
        let email = member["email"].as_str().map(|e| format!(" <{e}>")).unwrap_or_default();
        println!("    {} {name}{email}", member["ref"].as_str().unwrap_or_default());
    }
}
