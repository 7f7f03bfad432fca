//! `greenroom maturity [--format text|json]`: the platform maturity assessment. Q1–Q4 answered
//! from the catalog and, where configured, GitHub and PagerDuty, each with the facts used; then
//! the level (1 Reactive, 2 Managed, 3 Self-Service, 4 Ecosystem), why, and what would raise it.

use super::context::Context;
use super::output::{print_json, Format};
use crate::insights::dora::fetch::{Connections, Settings};
use crate::insights::maturity::{self, Assessment};
use crate::providers::http::Log;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(context: &Context, args: &Args, verbose: bool) -> Result<ExitCode, ExitCode> {
    let now = chrono::Utc::now();
    let settings = Settings::from_config(&context.config, None, now).map_err(|err| {
        eprintln!("greenroom: {err}");
        ExitCode::from(2)
    })?;
    let catalog = context.load()?;
    let connections = Connections::connect(&context.config, Log::verbose(verbose));
    let runtime = super::context::runtime()?;
    let evidence = runtime.block_on(maturity::gather(&connections, &catalog, &settings, now));
    let assessment = maturity::assess(&catalog, &evidence);
    match args.format {
        Format::Json => print_json(&serde_json::to_value(&assessment).unwrap_or_default()),
        Format::Text => print_text(&assessment),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(a: &Assessment) {
    for answer in &a.answers {
        println!("{} {}", answer.id, answer.question);
        println!("   {} (level {})", answer.answer, answer.level);
        for fact in &answer.facts {
            println!("   - {fact}");
        }
        if let Some(raise) = &answer.raise {
            println!("   to raise it: {raise}");
        }
        println!();
    }
    println!("Level {} {}", a.level, a.level_name);
    for reason in &a.reasons {
        println!("  because {reason}");
    }
    if a.next.is_empty() {
        println!("  the top level");
    } else {
        println!("To move up:");
        for step in &a.next {
            println!("  - {step}");
        }
    }
}
