//! The command line, as `../shared/CLI.md` defines it: one module per subcommand, text or JSON.
//! `args` is the grammar, `context` what the subcommands share, and `run` below dispatches.

mod api;
mod args;
mod ci;
mod complete;
mod context;
mod cost;
mod deps;
mod docs;
mod dora;
mod incidents;
mod list;
mod manual;
mod maturity;
mod output;
mod score;
mod search;
mod show;
mod template;
mod validate;
mod watch;
mod who;

use crate::config::Config;
use crate::sources::CatalogSource;
use std::process::ExitCode;

pub use args::{Cli, Command, OpenSection};
pub use context::{resolve_or_explain, Context};
pub use output::Format;

/// Runs a subcommand; `None` means the TUI is wanted (no subcommand, or `open`).
pub fn run(cli: &Cli) -> Option<ExitCode> {
    crate::catalog::phases::start_from_env();
    let command = cli.command.as_ref()?;
    match command {
        Command::Open { .. } => return None,
        Command::Completions { shell } => return Some(manual::completions(*shell)),
        Command::Man { out } => return Some(manual::man(out.as_deref())),
        _ => {}
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                eprintln!("greenroom: warning: {warning}");
            }
            loaded.config
        }
        Err(err) => {
            eprintln!("greenroom: {err}");
            return Some(ExitCode::from(2));
        }
    };
    let source = match command {
        Command::Validate { paths, .. } if !paths.is_empty() => CatalogSource::Paths(paths.clone()),
        _ => CatalogSource::choose(&cli.catalogs, &cli.app_configs, cli.demo, &config),
    };
    let mut config = config;
    let live = matches!(
        command,
        Command::Who(_)
            | Command::Ci(_)
            | Command::Incidents(_)
            | Command::Score(_)
            | Command::Dora(_)
            | Command::Maturity(_)
    ) || matches!(command, Command::Search(args) if args.names_incident())
        || matches!(command, Command::Template(template::Command::Run(_)));
    if live && source.is_demo() {
        // The demo's CI runs, incidents and on-call come from its loopback API, through the real
        // providers; stderr says so, stdout stays clean for --format json.
        if let Err(err) = CatalogSource::point_at_demo(&mut config) {
            eprintln!("greenroom: {err}");
            return Some(ExitCode::from(2));
        }
        eprintln!(
            "greenroom: DEMO: live data from the bundled demo API, not your GitHub or PagerDuty"
        );
    }
    let context = Context {
        config,
        source,
        verbose: cli.verbose,
        offline: cli.offline,
    };
    let code = match command {
        Command::Validate { watch, .. } => validate::run(&context, *watch),
        Command::List(args) => list::run(&context, args),
        Command::Show(args) => show::run(&context, args),
        Command::Search(args) => search::run(&context, args, cli.verbose),
        Command::Deps(args) => deps::run(&context, args),
        Command::Who(args) => who::run(&context, args, cli.verbose),
        Command::Ci(args) => ci::run(&context, args, cli.verbose),
        Command::Incidents(args) => incidents::run(&context, args, cli.verbose),
        Command::Cost(args) => cost::run(&context, args, cli.verbose, cli.demo),
        Command::Score(args) => score::run(&context, args, cli.verbose),
        Command::Dora(args) => dora::run(&context, args, cli.verbose),
        Command::Maturity(args) => maturity::run(&context, args, cli.verbose),
        Command::Api(args) => api::run(&context, args),
        Command::Docs(args) => docs::run(&context, args),
        Command::Template(command) => template::run(&context, command, cli.verbose),
        Command::Open { .. } | Command::Completions { .. } | Command::Man { .. } => {
            unreachable!("answered before the catalog is read")
        }
    };
    Some(code.unwrap_or_else(|code| code))
}
