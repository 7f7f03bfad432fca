//! The command line, as `../shared/CLI.md` defines it: one module per subcommand, text or JSON.

mod api;
mod ci;
mod cost;
mod deps;
mod docs;
mod dora;
mod incidents;
mod list;
mod maturity;
mod output;
mod score;
mod search;
mod show;
mod template;
mod validate;
mod who;

use crate::catalog::load::Loaded;
use crate::catalog::{Catalog, EntityId};
use crate::config::Config;
use crate::sources::CatalogSource;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use output::Format;

#[derive(Parser, Debug)]
#[command(
    name = "greenroom",
    version,
    about = "A developer portal in the terminal: Backstage's catalog at the speed of k9s"
)]
pub struct Cli {
    /// Config file (else $GREENROOM_CONFIG, else the platform config folder's config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A catalog file, or a folder searched recursively for catalog-info.yaml and every YAML
    /// file with a Backstage apiVersion (repeatable).
    #[arg(long = "catalog", global = true, value_name = "PATH")]
    pub catalogs: Vec<PathBuf>,
    /// A Backstage app's config file: its catalog.locations and catalog.rules are the catalog
    /// (repeatable; later files override earlier ones, as Backstage merges them).
    #[arg(long = "app-config", global = true, value_name = "FILE")]
    pub app_configs: Vec<PathBuf>,
    /// Open the bundled demo catalog, templates and data.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Colour theme: a name from themes/ or a theme file.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Log each HTTP request (method, URL, status, time) to stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Open the TUI on this entity's page (a reference: [kind:][namespace/]name).
    #[arg(long, value_name = "REF")]
    pub open: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// What the TUI is launched with: the command line's choices, without its parser.
    pub fn launch(&self) -> crate::tui::Launch {
        let (open, section) = match &self.command {
            Some(Command::Open { reference, section }) => (Some(reference.clone()), *section),
            _ => (self.open.clone(), None),
        };
        crate::tui::Launch {
            config: self.config.clone(),
            catalogs: self.catalogs.clone(),
            app_configs: self.app_configs.clone(),
            demo: self.demo,
            theme: self.theme.clone(),
            open,
            section: section.and_then(OpenSection::section),
            definition: section == Some(OpenSection::Api),
        }
    }
}

/// The tab `greenroom open REF --section` shows.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenSection {
    Ci,
    Incidents,
    Deps,
    Docs,
    /// An API's definition view.
    Api,
}

impl OpenSection {
    /// The section shown; the definition view is part of the page, not a section.
    fn section(self) -> Option<crate::tui::action::Section> {
        use crate::tui::action::Section;
        match self {
            OpenSection::Ci => Some(Section::CiCd),
            OpenSection::Incidents => Some(Section::Incidents),
            OpenSection::Deps => Some(Section::Dependencies),
            OpenSection::Docs => Some(Section::Docs),
            OpenSection::Api => None,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check catalog files with Backstage's rules: FILE:LINE:COL: error|warning: MESSAGE.
    Validate {
        /// Files or folders (default: the configured catalog).
        paths: Vec<PathBuf>,
    },
    /// List entities.
    List(list::Args),
    /// One entity with all its relations, both directions.
    Show(show::Args),
    /// Fuzzy search over entities, people and teams.
    Search(search::Args),
    /// The dependency tree of an entity, or with --reverse what depends on it.
    Deps(deps::Args),
    /// Who owns an entity: the group, its parents, its members.
    Who(who::Args),
    /// The latest GitHub Actions runs of an entity's repository (github.com/project-slug).
    Ci(ci::Args),
    /// Open PagerDuty incidents (all the catalog's services, or one entity's) and who is on call.
    Incidents(incidents::Args),
    /// Cost per team or per service, this period against the previous one (FOCUS export or AWS
    /// Cost Explorer).
    Cost(cost::Args),
    /// Scorecards: each rule's result per entity, the level reached, what the next level needs,
    /// and a rollup per team; --fail-below LEVEL exits 1 for CI gates.
    Score(score::Args),
    /// DORA's four metrics per service and per team over a window, each with its performance
    /// band and a weekly trend.
    Dora(dora::Args),
    /// The platform maturity assessment: Q1-Q4 answered from evidence, the level 1-4, and what
    /// would raise it.
    Maturity(maturity::Args),
    /// An API entity's definition: its operations (OpenAPI, AsyncAPI, GraphQL, gRPC), or with
    /// --raw the definition's text.
    Api(api::Args),
    /// Scaffolder templates.
    #[command(subcommand)]
    Template(template::Command),
    /// Open the TUI on an entity's page (for shell aliases and incident runbooks).
    Open {
        /// The entity: [kind:][namespace/]name.
        #[arg(value_name = "REF")]
        reference: String,
        /// Show this tab of the entity instead of its page.
        #[arg(long, value_enum)]
        section: Option<OpenSection>,
    },
    /// Print a completion script for SHELL on stdout (e.g. `greenroom completions bash >
    /// ~/.local/share/bash-completion/completions/greenroom`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages for greenroom and each subcommand (without --out: greenroom.1 on stdout).
    Man {
        /// The folder to write greenroom.1 and greenroom-SUBCOMMAND.1 into.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// What every subcommand works from.
pub struct Context {
    pub config: Config,
    pub source: CatalogSource,
    /// `--verbose`: remote catalog sources log their requests too.
    pub verbose: bool,
}

impl Context {
    /// Loads the catalog; paths the user named that cannot be read are a usage/IO error (exit 2).
    pub fn load(&self) -> Result<Catalog, ExitCode> {
        let Loaded {
            catalog,
            unreadable,
            ..
        } = self.source.load_logged(
            &self.config,
            crate::providers::http::Log::verbose(self.verbose),
        );
        if unreadable.is_empty() {
            Ok(catalog)
        } else {
            for message in unreadable {
                eprintln!("greenroom: {message}");
            }
            Err(ExitCode::from(2))
        }
    }
}

/// Runs a subcommand; `None` means the TUI is wanted (no subcommand, or `open`).
pub fn run(cli: &Cli) -> Option<ExitCode> {
    let command = cli.command.as_ref()?;
    match command {
        Command::Open { .. } => return None,
        Command::Completions { shell } => return Some(docs::completions(*shell)),
        Command::Man { out } => return Some(docs::man(out.as_deref())),
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
        Command::Validate { paths } if !paths.is_empty() => CatalogSource::Paths(paths.clone()),
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
    };
    let code = match command {
        Command::Validate { .. } => validate::run(&context),
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
        Command::Template(command) => template::run(&context, command, cli.verbose),
        Command::Open { .. } | Command::Completions { .. } | Command::Man { .. } => {
            unreachable!("answered before the catalog is read")
        }
    };
    Some(code.unwrap_or_else(|code| code))
}

/// The runtime a command's network calls run on, or why it could not start (exit 2).
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("greenroom: cannot start the async runtime: {err}");
            ExitCode::from(2)
        })
}

/// Resolves a reference the user typed, or prints why not (with the closest matches, found by
/// fuzzy search) for exit 1.
pub fn resolve_or_explain(catalog: &Catalog, text: &str) -> Result<EntityId, ExitCode> {
    catalog.resolve(text).map_err(|same_name| {
        let keys = |ids: &mut dyn Iterator<Item = EntityId>| {
            ids.map(|id| catalog.entity(id).key())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !same_name.is_empty() {
            eprintln!(
                "greenroom: {text} is ambiguous; one of: {}",
                keys(&mut same_name.into_iter())
            );
        } else {
            let name = text.rsplit([':', '/']).next().unwrap_or(text);
            let closest = crate::search::entities::index(catalog).search(name, 5);
            match closest.hits.is_empty() {
                true => eprintln!("greenroom: no entity {text}"),
                false => eprintln!(
                    "greenroom: no entity {text}; closest: {}",
                    keys(&mut closest.hits.iter().map(|h| h.doc as EntityId))
                ),
            }
        }
        ExitCode::from(1)
    })
}
