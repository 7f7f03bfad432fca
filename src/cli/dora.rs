//! `greenroom dora [REF] [--window 30d] [--format text|json]`: DORA's four metrics per service
//! (every Component with a `github.com/project-slug`, one entity, or a group's services) and per
//! owning team, each with its performance band (2023 Accelerate State of DevOps Report) and a
//! weekly trend. Deployments come from GitHub (deployments, or the successful runs of a deploy
//! workflow), incidents from PagerDuty.

use super::context::{resolve_or_explain, Context};
use super::output::{print_json, print_table, Format};
use crate::catalog::Catalog;
use crate::insights::dora::fetch::{Connections, Settings};
use crate::insights::dora::report::{gather, services, teams, ServiceResult, TeamResult};
use crate::insights::dora::{self, Metrics};
use crate::providers::http::Log;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// An entity ([kind:][namespace/]name), or a group for its services; default: every
    /// Component with a github.com/project-slug that is not a library.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: Option<String>,
    /// The window, ending now: 30d, 2w, 90d (default: [dora] window, else 30d).
    #[arg(long, value_name = "SPAN")]
    window: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args, verbose: bool) -> Result<ExitCode, ExitCode> {
    let settings =
        Settings::from_config(&context.config, args.window.as_deref(), chrono::Utc::now())
            .map_err(|err| {
                eprintln!("greenroom: {err}");
                ExitCode::from(2)
            })?;
    let catalog = context.load()?;
    let focus = match &args.reference {
        Some(text) => Some(resolve_or_explain(&catalog, text)?),
        None => None,
    };
    let connections = Connections::connect(&context.config, Log::verbose(verbose));
    if let Err(err) = &connections.github {
        eprintln!("greenroom: {err}");
        return Err(ExitCode::from(1));
    }
    if let Err(err) = &connections.pagerduty {
        eprintln!("greenroom: warning: {err}; time to restore is unknown and the change failure rate counts GitHub's signals only");
    }
    let ids = services(&catalog, focus);
    if ids.is_empty() {
        eprintln!("greenroom: no service to measure: no Component with a github.com/project-slug annotation{}", match focus {
            Some(id) => format!(" in {}", catalog.entity(id).key()),
            None => String::new(),
        });
        return Err(ExitCode::from(1));
    }
    let runtime = super::context::runtime()?;
    let results = runtime.block_on(gather(&connections, &catalog, &ids, &settings));
    for r in &results {
        match &r.data {
            Err(err) => eprintln!("greenroom: {}: {err}", catalog.entity(r.id).key()),
            Ok((data, _)) => {
                for warning in &data.warnings {
                    eprintln!(
                        "greenroom: warning: {}: {warning}",
                        catalog.entity(r.id).key()
                    );
                }
            }
        }
    }
    let teams = teams(&catalog, &results, &settings.window);
    match args.format {
        Format::Json => print_json(&json(&catalog, &results, &teams, &settings)),
        Format::Text => print_text(&catalog, &results, &teams, &settings),
    }
    Ok(if results.iter().any(|r| r.data.is_ok()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

const BANDS_SOURCE: &str = "2023 Accelerate State of DevOps Report (DORA) performance clusters";

/// The four figures as JSON: value, unit, band, trend, detail.
pub fn metrics_json(m: &Metrics) -> serde_json::Value {
    let figure = |f: &dora::Figure, unit: &str| {
        serde_json::json!({
            "value": f.value,
            "unit": unit,
            "band": f.band,
            "trend": f.trend,
            "detail": f.detail,
        })
    };
    serde_json::json!({
        "deployment_frequency": figure(&m.deployment_frequency, "per_day"),
        "lead_time": figure(&m.lead_time, "hours"),
        "change_failure_rate": figure(&m.change_failure_rate, "fraction"),
        "time_to_restore": figure(&m.time_to_restore, "hours"),
    })
}

fn json(
    catalog: &Catalog,
    results: &[ServiceResult],
    teams: &[TeamResult],
    settings: &Settings,
) -> serde_json::Value {
    let window = &settings.window;
    let services: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let key = catalog.entity(r.id).key();
            match &r.data {
                Err(err) => serde_json::json!({ "ref": key, "error": err.to_string() }),
                Ok((data, records)) => {
                    let metrics = dora::metrics(
                        &[records],
                        window,
                        data.incidents.as_ref().err().map(String::as_str),
                    );
                    serde_json::json!({
                        "ref": key,
                        "owner": crate::insights::scorecard::owner_key(catalog, r.id),
                        "source": data.source,
                        "metrics": metrics_json(&metrics),
                        "deployments": records.deploys,
                        "failed_deployments": records.failed_deployments,
                        "incidents": match &data.incidents {
                            Ok(_) => serde_json::to_value(&records.restores).unwrap_or_default(),
                            Err(why) => serde_json::json!({ "unknown": why }),
                        },
                        "warnings": data.warnings,
                    })
                }
            }
        })
        .collect();
    let teams: Vec<serde_json::Value> = teams
        .iter()
        .map(|t| {
            serde_json::json!({
                "ref": t.team,
                "services": t.services,
                "metrics": metrics_json(&t.metrics),
            })
        })
        .collect();
    serde_json::json!({
        "window": {
            "days": window.days,
            "start": window.start().to_rfc3339(),
            "end": window.end.to_rfc3339(),
            "failure_window_hours": settings.failure_window.num_hours(),
        },
        "bands": BANDS_SOURCE,
        "services": services,
        "teams": teams,
    })
}

/// The four rows of a metrics table.
pub fn metric_rows(m: &Metrics, indent: &str) -> Vec<Vec<String>> {
    [
        (
            "deployment frequency",
            "deployment_frequency",
            &m.deployment_frequency,
        ),
        ("lead time for changes", "lead_time", &m.lead_time),
        (
            "change failure rate",
            "change_failure_rate",
            &m.change_failure_rate,
        ),
        ("time to restore", "time_to_restore", &m.time_to_restore),
    ]
    .into_iter()
    .map(|(name, kind, f)| {
        vec![
            format!("{indent}{name}"),
            dora::format_value(kind, f.value),
            f.band.map_or("-", |b| b.label()).to_string(),
            dora::sparkline(&f.trend),
            f.detail.clone(),
        ]
    })
    .collect()
}

fn print_text(
    catalog: &Catalog,
    results: &[ServiceResult],
    teams: &[TeamResult],
    settings: &Settings,
) {
    let window = &settings.window;
    println!(
        "DORA over {} days ({} → {}); bands: {BANDS_SOURCE}; trend: one bar per week, oldest first",
        window.days,
        window.start().format("%Y-%m-%d"),
        window.end.format("%Y-%m-%d")
    );
    let header = ["  METRIC", "VALUE", "BAND", "TREND", "DETAIL"];
    for r in results {
        println!();
        let key = catalog.entity(r.id).key();
        match &r.data {
            Err(err) => println!("{key}\n  unavailable: {err}"),
            Ok((data, records)) => {
                println!("{key}  ({})", data.source);
                let metrics = dora::metrics(
                    &[records],
                    window,
                    data.incidents.as_ref().err().map(String::as_str),
                );
                print_table(&header, &metric_rows(&metrics, "  "));
            }
        }
    }
    if !teams.is_empty() {
        println!();
        println!("Teams");
        for t in teams {
            println!();
            println!(
                "{}  ({} service{})",
                t.team,
                t.services.len(),
                if t.services.len() == 1 { "" } else { "s" }
            );
            print_table(&header, &metric_rows(&t.metrics, "  "));
        }
    }
}
