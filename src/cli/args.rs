//! The command line's grammar (clap): global options, the subcommands and their arguments, and
//! what the TUI is launched with.

use super::{
    api, ci, cost, deps, docs, dora, incidents, list, maturity, score, search, show, template, who,
};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    /// No mouse in the TUI (clicks, the wheel): the terminal selects text as usual.
    #[arg(long, global = true)]
    pub no_mouse: bool,
    /// Log each HTTP request (method, URL, status, time) to stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Answer from the catalog's snapshot without checking its sources (its age on stderr).
    #[arg(long, global = true)]
    pub offline: bool,
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
            no_mouse: self.no_mouse,
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
        /// Keep watching: after every save, print what changed (`+ new problem`, `- fixed`) and
        /// the summary; Ctrl-C exits with the last run's code.
        #[arg(long)]
        watch: bool,
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
    /// An entity's TechDocs page as text (default: the first page of its mkdocs.yml nav), or its
    /// README.
    Docs(docs::Args),
    /// Scaffolder templates.
    #[command(subcommand)]
    Template(template::Command),
    /// Open the TUI on an entity's page (for shell aliases and incident runbooks).
    Open {
        /// The entity: [kind:][namespace/]name.
        #[arg(value_name = "REF", add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
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
