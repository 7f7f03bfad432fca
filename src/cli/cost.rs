//! `greenroom cost [--by team|service] [--period 30d] [--focus PATH] [--format text|json]`: cost
//! per team or per service, this period against the previous one of the same length, from a FOCUS
//! export (`--focus`, `[cost] focus`), the demo export (the demo catalog) or AWS Cost Explorer.
//!
//! Rows that could not be read are reported on stderr (`FILE:LINE: problem`) and counted; the rest
//! is printed. Exit 1 when there is nothing to read from (no export, no AWS credentials) or the
//! source refused.

use super::context::Context;
use super::output::{print_json, print_table, Format};
use crate::insights::cost::{self, By, CatalogMap, CostError, Place, Settings, Source, Window};
use crate::providers::http::Log;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rows per team (the team tag) or per service (the service tag).
    #[arg(long, value_enum, default_value_t)]
    by: By,
    /// The period: the N days before today (30d, 2w); the previous period is the N days before.
    #[arg(long, value_name = "DAYS")]
    period: Option<String>,
    /// A FOCUS CSV export (a file, or a folder of .csv / .csv.gz files) instead of the configured
    /// source.
    #[arg(long, value_name = "PATH")]
    focus: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(
    context: &Context,
    args: &Args,
    verbose: bool,
    demo: bool,
) -> Result<ExitCode, ExitCode> {
    let fail = |message: &dyn std::fmt::Display| {
        eprintln!("greenroom: {message}");
        ExitCode::from(1)
    };
    let catalog = context.load()?;
    let settings = Settings::from_config(&context.config);
    let days = match &args.period {
        Some(text) => cost::parse_period(text).map_err(|e| fail(&e))?,
        None => settings.period_days,
    };
    let source = Source::choose(
        args.focus.clone(),
        demo,
        context.source.is_demo(),
        &context.config,
    )
    .map_err(|e| fail(&e))?;
    let window = Window::ending_today(days);
    let aggregate = cost::load(
        &source,
        &settings,
        window,
        Log::verbose(verbose),
        &mut |_| {},
    )
    .map_err(|err: CostError| fail(&err))?;
    for warning in &aggregate.warnings {
        eprintln!("greenroom: warning: {warning}");
    }
    for problem in &aggregate.problems {
        eprintln!("greenroom: {problem}; row skipped");
    }
    if aggregate.skipped > 0 {
        let unlisted = aggregate.skipped - aggregate.problems.len() as u64;
        eprintln!(
            "greenroom: {} row{} skipped{}",
            aggregate.skipped,
            if aggregate.skipped == 1 { "" } else { "s" },
            if unlisted > 0 {
                format!(" ({unlisted} not listed)")
            } else {
                String::new()
            }
        );
    }
    let map = CatalogMap::new(&catalog, &settings.team_tag, &settings.service_tag);
    let report = aggregate.report(args.by, &map, None);
    if args.format == Format::Json {
        print_json(&report.to_json());
        return Ok(ExitCode::SUCCESS);
    }
    let demo = if source == Source::Demo {
        "DEMO · "
    } else {
        ""
    };
    println!(
        "{demo}Cost per {} · last {days} days ({}) against the {days} days before · {}",
        args.by.label(),
        window.label(),
        aggregate.source
    );
    if report.rows.is_empty() {
        println!(
            "no cost in these {} days ({} rows read, {} outside the periods)",
            2 * days,
            aggregate.rows,
            aggregate.outside
        );
        return Ok(ExitCode::SUCCESS);
    }
    let amounts: Vec<[String; 3]> = report
        .rows
        .iter()
        .map(|r| {
            [
                cost::format_amount(r.this_period),
                cost::format_amount(r.previous_period),
                cost::format_change(r.delta()),
            ]
        })
        .chain(report.totals().into_iter().map(|(_, this, before)| {
            [
                cost::format_amount(this),
                cost::format_amount(before),
                cost::format_change(this - before),
            ]
        }))
        .collect();
    let this_header = format!("LAST {days} DAYS");
    let before_header = format!("PREVIOUS {days}");
    let titles = [this_header.len(), before_header.len(), "CHANGE".len()];
    let width = |i: usize| {
        amounts
            .iter()
            .map(|a| a[i].len())
            .fold(titles[i], usize::max)
    };
    let widths = [width(0), width(1), width(2)];
    let right = |a: &[String; 3]| -> [String; 3] {
        [0, 1, 2].map(|i| format!("{:>w$}", a[i], w = widths[i]))
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (row, amount) in report.rows.iter().zip(&amounts) {
        let [this, before, delta] = right(amount);
        let mut cells = vec![
            row.name.clone(),
            this,
            before,
            delta,
            format!("{:>7}", row.percent_label()),
            row.currency.clone(),
        ];
        if args.by == By::Service {
            cells.push(crate::cli::output::cell(row.owner.as_deref()));
        }
        cells.push(match row.place {
            Place::Catalog => row.entity.clone().unwrap_or_default(),
            Place::NotInCatalog => "not in catalog".into(),
            Place::Unallocated => format!("no {} tag", tag_of(args.by, &settings)),
        });
        rows.push(cells);
    }
    for ((currency, this, before), amount) in report
        .totals()
        .into_iter()
        .zip(&amounts[report.rows.len()..])
    {
        let [a, b, d] = right(amount);
        let percent = if before != 0 {
            format!(
                "{:+.1}%",
                (this - before) as f64 * 100.0 / before.abs() as f64
            )
        } else {
            "-".into()
        };
        let mut cells = vec!["total".into(), a, b, d, format!("{percent:>7}"), currency];
        if args.by == By::Service {
            cells.push(String::new());
        }
        cells.push(String::new());
        rows.push(cells);
    }
    let mut header = vec![
        args.by.label().to_uppercase(),
        format!("{this_header:>w$}", w = widths[0]),
        format!("{before_header:>w$}", w = widths[1]),
        format!("{:>w$}", "CHANGE", w = widths[2]),
        "      %".into(),
        "CURRENCY".into(),
    ];
    if args.by == By::Service {
        header.push("OWNER".into());
    }
    header.push("CATALOG".into());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    print_table(&header, &rows);
    Ok(ExitCode::SUCCESS)
}

fn tag_of(by: By, settings: &Settings) -> &str {
    match by {
        By::Team => &settings.team_tag,
        By::Service => &settings.service_tag,
    }
}
