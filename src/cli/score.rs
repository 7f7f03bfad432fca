//! `greenroom score [REF] [--fail-below LEVEL] [--format text|json]`: the scorecard (config.toml's
//! `[scorecard] file`, else the bundled default) over every entity it applies to, one entity, or a
//! group's entities: each rule's result, the level reached, what the next level needs, and a
//! rollup per owning team. With `--fail-below`, exit 1 when an entity is below that level (a CI
//! gate).

use super::context::{resolve_or_explain, Context};
use super::output::{print_json, print_table, Format};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::insights::dora::fetch::Connections;
use crate::insights::scorecard::{self, Report, Scorecard};
use crate::providers::http::Log;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// An entity ([kind:][namespace/]name), or a group for the entities it owns; default: every
    /// entity the scorecard applies to.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: Option<String>,
    /// Exit 1 when an entity scored is below this level (e.g. silver).
    #[arg(long, value_name = "LEVEL")]
    fail_below: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The configured scorecard, or the default; an unreadable or invalid file is an error naming it.
pub fn load_scorecard(context: &Context) -> Result<Scorecard, String> {
    match &context.config.scorecard.file {
        Some(path) => Scorecard::load(path),
        None => Ok(Scorecard::default_scorecard()),
    }
}

/// The entities to score: one entity, a group's entities the scorecard applies to, or all.
pub fn scope(catalog: &Catalog, card: &Scorecard, focus: Option<EntityId>) -> Vec<EntityId> {
    match focus {
        None => (0..catalog.len() as EntityId)
            .filter(|&id| card.applies_to.matches(catalog.entity(id)))
            .collect(),
        Some(id) if catalog.entity(id).is_kind("Group") => {
            let mut owned: Vec<EntityId> = catalog
                .related(id, RelationType::OwnerOf)
                .filter_map(|t| match t {
                    Target::Entity(e) => Some(e),
                    Target::Missing(_) => None,
                })
                .filter(|&e| card.applies_to.matches(catalog.entity(e)))
                .collect();
            owned.sort_unstable();
            owned.dedup();
            owned
        }
        Some(id) => vec![id],
    }
}

pub fn run(context: &Context, args: &Args, verbose: bool) -> Result<ExitCode, ExitCode> {
    let card = load_scorecard(context).map_err(|err| {
        eprintln!("greenroom: {err}");
        ExitCode::from(2)
    })?;
    let fail_below = match &args.fail_below {
        Some(level) => Some(card.level_index(level).ok_or_else(|| {
            eprintln!(
                "greenroom: --fail-below {level:?} is not a level of {:?} ({})",
                card.name,
                card.levels.join(", ")
            );
            ExitCode::from(2)
        })?),
        None => None,
    };
    let catalog = context.load()?;
    let focus = match &args.reference {
        Some(text) => Some(resolve_or_explain(&catalog, text)?),
        None => None,
    };
    let ids = scope(&catalog, &card, focus);
    if let Some(id) = focus {
        let entity = catalog.entity(id);
        if !entity.is_kind("Group") && !card.applies_to.matches(entity) {
            eprintln!(
                "greenroom: note: {:?} applies to other entities than {} (see applies_to); scored anyway",
                card.name,
                entity.key()
            );
        }
    }
    let live = if card.has_live_rules() && !ids.is_empty() {
        let connections = Connections::connect(&context.config, Log::verbose(verbose));
        let runtime = super::context::runtime()?;
        runtime.block_on(scorecard::live::gather(&connections, &catalog, &ids, &card))
    } else {
        scorecard::LiveFacts::default()
    };
    let report = scorecard::evaluate(&card, &catalog, Some(&ids), &live, chrono::Utc::now());
    let below: Vec<&scorecard::EntityScore> = match fail_below {
        Some(level) => report
            .entities
            .iter()
            .filter(|e| e.rank() <= level)
            .collect(),
        None => Vec::new(),
    };
    match args.format {
        Format::Json => {
            let mut json = serde_json::to_value(&report).unwrap_or_default();
            if let Some(level) = fail_below {
                json["fail_below"] = serde_json::json!({
                    "level": card.levels[level],
                    "below": below.iter().map(|e| e.entity.clone()).collect::<Vec<_>>(),
                });
            }
            print_json(&json);
        }
        Format::Text => print_text(&report),
    }
    if let Some(level) = fail_below {
        if !below.is_empty() {
            eprintln!(
                "greenroom: {} entit{} below {}: {}",
                below.len(),
                if below.len() == 1 { "y is" } else { "ies are" },
                card.levels[level],
                below
                    .iter()
                    .map(|e| format!("{} ({})", e.entity, e.level.as_deref().unwrap_or("none")))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(report: &Report) {
    println!(
        "{} (levels: {})",
        report.scorecard,
        report.levels.join(" < ")
    );
    if report.entities.is_empty() {
        println!("no entity to score");
        return;
    }
    let level_of = |rule: &str| {
        report
            .rules
            .iter()
            .find(|r| r.id == rule)
            .map_or("", |r| r.level.as_str())
    };
    for e in &report.entities {
        println!();
        println!(
            "{}  level {}{}",
            e.entity,
            e.level.as_deref().unwrap_or("none"),
            e.owner
                .as_ref()
                .map(|o| format!("  (owner {o})"))
                .unwrap_or_default()
        );
        let rows: Vec<Vec<String>> = e
            .results
            .iter()
            .map(|r| {
                vec![
                    format!("  {}", level_of(&r.rule)),
                    r.outcome.label().to_string(),
                    r.rule.clone(),
                    r.detail.clone(),
                ]
            })
            .collect();
        print_table(&["  LEVEL", "RESULT", "RULE", "DETAIL"], &rows);
        match &e.next {
            Some(next) => println!(
                "  next: {} needs {}",
                next.level,
                next.needs
                    .iter()
                    .map(|r| format!("{} ({})", r.rule, r.outcome.label()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => println!("  top level reached"),
        }
    }
    println!();
    println!("Teams");
    let mut header = vec!["TEAM".to_string(), "ENTITIES".to_string()];
    header.extend(
        std::iter::once("none".to_string())
            .chain(report.levels.iter().cloned())
            .map(|l| l.to_uppercase()),
    );
    header.push("HOLDING".into());
    header.push("MOST FAILING".into());
    let rows: Vec<Vec<String>> = report
        .teams
        .iter()
        .map(|t| {
            let mut row = vec![t.team.clone(), t.entities.to_string()];
            row.extend(t.levels.iter().map(|(_, n)| n.to_string()));
            row.push(format!(
                "{}/{} ({}%)",
                t.holding,
                t.results,
                (t.holding * 100).checked_div(t.results).unwrap_or(0)
            ));
            row.push(
                t.failing
                    .iter()
                    .take(3)
                    .map(|(rule, n)| format!("{rule} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    print_table(&header, &rows);
}
