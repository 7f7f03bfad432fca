//! The App's state: one struct and its construction, with the few questions about it every other
//! part asks (the page size, what is on screen, whether work is under way).

use crate::catalog::EntityId;
use crate::providers::ProviderHandle;
use crate::tui::action::{Data, Section};
use crate::tui::keymap::Keymap;
use crate::tui::panes::catalog::CatalogPane;
use crate::tui::panes::cicd::CiCdPane;
use crate::tui::panes::command::CommandLine;
use crate::tui::panes::cost::CostPane;
use crate::tui::panes::deps::DepsPane;
use crate::tui::panes::docs::DocsPane;
use crate::tui::panes::entity::EntityPage;
use crate::tui::panes::help::HelpState;
use crate::tui::panes::incidents::IncidentsPane;
use crate::tui::panes::problems::ProblemsPane;
use crate::tui::panes::templates::TemplatesPane;
use crate::tui::panes::ProviderEnv;
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use std::time::Duration;

/// A message for the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

pub struct App {
    /// Where the catalog comes from ("demo" for the bundled one).
    pub source: String,
    pub is_demo: bool,
    /// None while the catalog loads.
    pub data: Option<Data>,
    /// Time since loading started (while it lasts), for the loading frame.
    pub loading_for: Duration,
    pub loaded_in: Option<Duration>,
    pub section: Section,
    /// An entity page shown over the section.
    pub page: Option<EntityPage>,
    pub(super) history: Vec<(Section, Option<EntityPage>)>,
    /// Views gone back from (Ctrl-o, Esc), most recent last: Tab goes forward to them again,
    /// as vim's jump list. Going somewhere new forgets them.
    pub(super) forward: Vec<(Section, Option<EntityPage>)>,
    pub catalog: CatalogPane,
    pub deps: DepsPane,
    pub cicd: CiCdPane,
    pub incidents: IncidentsPane,
    pub cost: CostPane,
    pub scorecards: crate::tui::panes::scorecard::ScorecardPane,
    pub dora: crate::tui::panes::dora::DoraPane,
    pub maturity: crate::tui::panes::maturity::MaturityPane,
    /// What the Scorecards, DORA and Maturity panes show, gathered in the background.
    pub insights: crate::tui::panes::insights::Insights,
    pub templates: TemplatesPane,
    pub docs: DocsPane,
    pub problems: ProblemsPane,
    /// `p`: whether lists show the selected row's preview (where the terminal has room).
    pub preview_shown: bool,
    /// The preview's lines, built when the selection moves.
    pub preview: crate::tui::panes::preview::Preview,
    /// The last click on a table's row (when, where, which row): a second one soon after on
    /// the same row opens it.
    pub(super) last_click: Option<(std::time::Instant, Section, usize)>,
    pub help: Option<HelpState>,
    pub command: Option<CommandLine>,
    /// The entity the Dependencies, CI/CD, Incidents, Cost and Docs panes are about.
    pub focus: Option<EntityId>,
    pub status: Option<Status>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub env: ProviderEnv,
    /// The terminal's size, for page movements.
    pub size: (u16, u16),
    pub running: bool,
    /// Keys typed while they must wait ([`Self::keys_wait`]), oldest first.
    pub(super) queued_keys: Vec<KeyEvent>,
    /// The first key of a chord (`g` of `g d`), waiting for the next.
    pub(super) pending_chord: Option<crate::tui::keymap::Key>,
    /// The catalog's sources are to be read again (Ctrl-r on the catalog, a file edited).
    pub reload_requested: bool,
    /// How often a remote catalog is read again; `None` for files (and the demo) or when off.
    pub refresh_every: Option<std::time::Duration>,
    /// When the catalog on screen was last read from (or checked against) its sources.
    pub catalog_read_at: Option<std::time::Instant>,
    /// Text for the clipboard: the event loop sends it to the terminal (OSC 52).
    pub clipboard: Option<String>,
    /// `e` was pressed: the event loop hands the terminal to the editor (or opens the page).
    pub edit: Option<crate::tui::editor::EditRequest>,
    /// An entity (and tab) to show once the catalog is there (`greenroom open REF`).
    /// With `true`: its API definition view (`greenroom open REF --section api`).
    pub(super) open_on_load: Option<(String, Option<Section>, bool)>,
    /// `q` was pressed with a template form's work unsaved: quitting waits for a yes.
    pub quit_question: bool,
    /// Ctrl-z was pressed: the event loop suspends, then clears this.
    pub suspend: bool,
    /// Run filter searches on a thread (the real TUI); tests and benches search in update.
    pub background_search: bool,
    /// What is on screen is the last snapshot, this old; the sources are being read again.
    pub snapshot_age: Option<Duration>,
    pub refreshing: bool,
    /// The loader's last progress line, while it reads the sources.
    pub progress: Option<String>,
    /// A remote source could not be reached: the catalog on screen is the snapshot (why).
    pub offline: Option<String>,
    /// Live data (GitHub): started when a token is configured, or when a definition at a URL is
    /// first shown.
    pub providers: Option<ProviderHandle>,
    /// The config the providers start from when a definition at a URL is shown with none
    /// running (its `[reading] allow`, the GitHub token); none: such definitions are not fetched.
    pub provider_config: Option<crate::config::Config>,
    /// The command that opens links ([`crate::tui::browser::command`]; tests replace it).
    pub browser: Vec<String>,
    /// Panes not yet prepared for the catalog on screen: each does its catalog-sized work when
    /// first needed ([`App::prepare`]), so the first frame of a large catalog waits only for the
    /// pane it shows.
    pub(super) unprepared: Vec<Section>,
}

impl App {
    pub fn new(
        source: String,
        is_demo: bool,
        keymap: Keymap,
        theme: Theme,
        env: ProviderEnv,
    ) -> App {
        let status = (!keymap.warnings.is_empty()).then(|| Status {
            text: keymap.warnings.join(" · "),
            error: true,
        });
        App {
            source,
            is_demo,
            data: None,
            loading_for: Duration::ZERO,
            loaded_in: None,
            section: Section::Catalog,
            page: None,
            history: Vec::new(),
            forward: Vec::new(),
            catalog: CatalogPane::new(),
            deps: DepsPane::default(),
            cicd: CiCdPane::default(),
            incidents: IncidentsPane::default(),
            cost: CostPane::default(),
            scorecards: Default::default(),
            dora: Default::default(),
            maturity: Default::default(),
            insights: Default::default(),
            templates: TemplatesPane::default(),
            docs: DocsPane::default(),
            problems: ProblemsPane::default(),
            preview_shown: true,
            preview: Default::default(),
            last_click: None,
            help: None,
            command: None,
            focus: None,
            status,
            keymap,
            theme,
            env,
            size: (100, 30),
            running: true,
            queued_keys: Vec::new(),
            pending_chord: None,
            open_on_load: None,
            reload_requested: false,
            refresh_every: None,
            catalog_read_at: None,
            edit: None,
            clipboard: None,
            quit_question: false,
            suspend: false,
            background_search: false,
            snapshot_age: None,
            refreshing: false,
            progress: None,
            offline: None,
            providers: None,
            provider_config: None,
            browser: crate::tui::browser::command(),
            unprepared: Vec::new(),
        }
    }

    /// Adds a start-up warning (config, theme) to the status line.
    /// A notice on the status line (gone at the next key).
    pub fn note(&mut self, text: String) {
        self.status = Some(Status { text, error: false });
    }

    pub fn warn(&mut self, warning: String) {
        self.status = Some(match self.status.take() {
            Some(s) => Status {
                text: format!("{} · {warning}", s.text),
                error: true,
            },
            None => Status {
                text: warning,
                error: true,
            },
        });
    }

    /// Whether background work is under way (the event loop then wakes up often).
    pub fn busy(&self) -> bool {
        self.data.is_none() || self.catalog.busy() || self.insights.busy() || self.cost.busy()
    }

    /// Rows a list shows at the current size (header, tabs, status line, borders, the heading
    /// row and a preview under the list off).
    pub fn page_rows(&self) -> usize {
        let (list, _) = self.list_and_preview(self.body(), self.size);
        (list.height as usize).saturating_sub(4).max(1)
    }

    /// Where back and forward lead: the views behind (oldest first), the one on screen, and how
    /// many lie ahead, for the breadcrumb.
    pub fn trail(&self) -> (Vec<String>, String, usize) {
        let name = |section: Section, page: Option<&EntityPage>| match (page, &self.data) {
            (Some(page), Some(data)) => data.catalog.entity(page.id).reference.short(),
            _ => section.title().to_string(),
        };
        let behind = self
            .history
            .iter()
            .map(|(section, page)| name(*section, page.as_ref()))
            .collect();
        (
            behind,
            name(self.section, self.page.as_ref()),
            self.forward.len(),
        )
    }

    /// The name of what is on screen, for help.
    pub fn pane_name(&self) -> String {
        match &self.page {
            Some(_) => "Entity page".into(),
            None => self.section.title().into(),
        }
    }
}
