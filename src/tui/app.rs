//! The app state: one struct, changed only by [`App::update`], read by `ui::draw`. No terminal
//! here, so tests drive it with key events and check the state or a `TestBackend` frame.

use super::action::{Action, Data, LoadResult, Section};
use super::keymap::{Key, Keymap, Scope};
use super::panes::catalog::{CatalogPane, KIND_COMMANDS};
use super::panes::cicd::{CiCdPane, Outgoing};
use super::panes::command::{CommandLine, COMMANDS};
use super::panes::cost::CostPane;
use super::panes::deps::DepsPane;
use super::panes::docs::DocsPane;
use super::panes::entity::EntityPage;
use super::panes::help::HelpState;
use super::panes::incidents::IncidentsPane;
use super::panes::problems::ProblemsPane;
use super::panes::templates::TemplatesPane;
use super::panes::ProviderEnv;
use super::theme::Theme;
use crate::catalog::EntityId;
use crate::providers::{ProviderHandle, ProviderMessage};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use std::time::Duration;

/// Most views remembered for Esc/Backspace.
const HISTORY: usize = 100;

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
    history: Vec<(Section, Option<EntityPage>)>,
    pub catalog: CatalogPane,
    pub deps: DepsPane,
    pub cicd: CiCdPane,
    pub incidents: IncidentsPane,
    pub cost: CostPane,
    pub scorecards: super::panes::scorecard::ScorecardPane,
    pub dora: super::panes::dora::DoraPane,
    pub maturity: super::panes::maturity::MaturityPane,
    /// What the Scorecards, DORA and Maturity panes show, gathered in the background.
    pub insights: super::panes::insights::Insights,
    pub templates: TemplatesPane,
    pub docs: DocsPane,
    pub problems: ProblemsPane,
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
    queued_keys: Vec<KeyEvent>,
    /// The catalog's sources are to be read again (Ctrl-r on the catalog, a file edited).
    pub reload_requested: bool,
    /// How often a remote catalog is read again; `None` for files (and the demo) or when off.
    pub refresh_every: Option<std::time::Duration>,
    /// When the catalog on screen was last read from (or checked against) its sources.
    pub catalog_read_at: Option<std::time::Instant>,
    /// Text for the clipboard: the event loop sends it to the terminal (OSC 52).
    pub clipboard: Option<String>,
    /// `e` was pressed: the event loop hands the terminal to the editor (or opens the page).
    pub edit: Option<super::editor::EditRequest>,
    /// An entity (and tab) to show once the catalog is there (`greenroom open REF`).
    /// With `true`: its API definition view (`greenroom open REF --section api`).
    open_on_load: Option<(String, Option<Section>, bool)>,
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
    /// Live data (GitHub): started only when a token is configured.
    pub providers: Option<ProviderHandle>,
    /// The command that opens links ([`super::browser::command`]; tests replace it).
    pub browser: Vec<String>,
    /// Panes not yet prepared for the catalog on screen: each does its catalog-sized work when
    /// first needed ([`App::prepare`]), so the first frame of a large catalog waits only for the
    /// pane it shows.
    unprepared: Vec<Section>,
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
            browser: super::browser::command(),
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

    /// The catalog arrived from the loader.
    /// A catalog arrived from the loader: the first one, or a fresher one replacing what is on
    /// screen (after a snapshot), in which case the view stays where it was: same filter, kind,
    /// sort, section, and the same entities selected and open (looked up by reference).
    pub fn on_loaded(&mut self, result: LoadResult) {
        let LoadResult {
            data,
            unreadable,
            elapsed,
            snapshot_age,
            warnings,
        } = result;
        let old = self.data.take();
        let remap = |id: EntityId| -> Option<EntityId> {
            let old = old.as_ref()?;
            data.catalog.get(&old.catalog.entity(id).key())
        };
        let selected = self.catalog.selected().and_then(remap);
        let focus = self.focus.and_then(remap);
        self.catalog.load(&data, self.background_search);
        if old.is_some() {
            if let Some(id) = selected {
                self.catalog.select(id, self.page_rows());
            }
            let rebuild = |page: Option<EntityPage>| -> Option<EntityPage> {
                let page = page?;
                let id = remap(page.id)?;
                let mut new = EntityPage::new(&data.catalog, id);
                new.keep_place(page);
                Some(new)
            };
            self.page = rebuild(self.page.take());
            let history = std::mem::take(&mut self.history);
            self.history = history
                .into_iter()
                .filter_map(|(section, page)| match page {
                    None => Some((section, None)),
                    Some(page) => rebuild(Some(page)).map(|p| (section, Some(p))),
                })
                .collect();
            self.deps.root = None;
            self.docs.entity = None;
            self.templates.detail = None;
        }
        // Loaded when first needed (`prepare`); the one on screen is, by `sync` below.
        self.unprepared = vec![
            Section::Templates,
            Section::CiCd,
            Section::Incidents,
            Section::Cost,
        ];
        self.focus = self
            .page
            .as_ref()
            .map(|p| p.id)
            .or(focus)
            .or_else(|| self.catalog.selected());
        self.refreshing = snapshot_age.is_some();
        self.snapshot_age = snapshot_age;
        if snapshot_age.is_none() {
            self.progress = None;
            self.offline = None;
        }
        if old.is_some() && snapshot_age.is_none() {
            let before = old.as_ref().map_or(0, |d| d.catalog.len());
            let now = data.catalog.len();
            let change = if now >= before {
                format!("+{}", now - before)
            } else {
                format!("-{}", before - now)
            };
            self.status = Some(Status {
                text: format!("refreshed from the sources ({change})"),
                error: false,
            });
        }
        self.loaded_in = Some(elapsed);
        if snapshot_age.is_none() {
            self.catalog_read_at = Some(std::time::Instant::now());
        }
        for warning in warnings {
            self.warn(warning);
        }
        if !unreadable.is_empty() {
            self.warn(format!("cannot read: {}", unreadable.join("; ")));
        }
        self.data = Some(data);
        self.sync();
        if old.is_some() {
            // The catalog shown until now (usually the snapshot) is gone: hand its memory back.
            drop(old);
            crate::catalog::load::release_freed_memory();
        }
        self.open_requested_entity();
        self.replay_keys();
    }

    /// News from the loader without a catalog: progress, or the snapshot on screen stays.
    pub fn on_loader_status(&mut self, status: super::action::LoaderStatus) {
        use super::action::LoaderStatus;
        match status {
            LoaderStatus::Progress(line) => self.progress = Some(line),
            LoaderStatus::Unchanged => {
                self.progress = None;
                self.refreshing = false;
                self.catalog_read_at = Some(std::time::Instant::now());
                self.status = Some(Status {
                    text: "the sources are unchanged since the snapshot".into(),
                    error: false,
                });
            }
            LoaderStatus::Offline(why) => {
                self.progress = None;
                self.refreshing = false;
                self.warn(format!("offline, showing the snapshot: {why}"));
                self.offline = Some(why);
            }
        }
    }

    /// The search index of the catalog on screen is ready (ignored if the catalog was replaced).
    pub fn on_index(
        &mut self,
        catalog: &std::sync::Arc<crate::catalog::Catalog>,
        index: std::sync::Arc<crate::search::SearchIndex>,
    ) {
        let Some(data) = &mut self.data else { return };
        if !std::sync::Arc::ptr_eq(&data.catalog, catalog) {
            return;
        }
        data.index = Some(index.clone());
        self.catalog
            .set_index(index, self.background_search, &data.catalog);
        if self.page.is_none() && self.section == Section::Catalog {
            self.focus = self.catalog.selected().or(self.focus);
        }
        self.open_requested_match();
    }

    /// Opens the match an Enter pressed before the search index existed was waiting for, then
    /// applies the keys typed after it.
    fn open_requested_match(&mut self) {
        if self.page.is_none() && self.section == Section::Catalog {
            if let Some(id) = self.catalog.take_open_request() {
                self.open_entity(id);
            }
        }
        self.replay_keys();
    }

    /// Connects the live panes (CI/CD) to a provider handle.
    pub fn connect(&mut self, providers: ProviderHandle) {
        self.providers = Some(providers);
        self.incidents.connect(
            &self.env,
            self.env.pagerduty_from_email,
            format!(
                "{} yes · {} no",
                self.keymap.keys_of("confirm.yes"),
                self.keymap.keys_of("confirm.no")
            ),
        );
        self.cicd.connected = true;
        self.cicd.answer_keys = Some(format!(
            "{} yes · {} no",
            self.keymap.keys_of("confirm.yes"),
            self.keymap.keys_of("confirm.no")
        ));
        self.sync();
    }

    /// Takes the provider answers that arrived; true when the screen changed. Never blocks.
    pub fn poll_providers(&mut self) -> bool {
        let mut changed = false;
        while let Some(message) = self.providers.as_ref().and_then(|p| p.try_recv()) {
            changed |= self.on_provider_message(message);
        }
        changed |= self.tick_incidents(std::time::Instant::now());
        if changed {
            self.cicd.rate_limit = self.providers.as_ref().and_then(|p| p.rate_limit());
        }
        changed
    }

    /// Applies one provider answer; true when a pane took it.
    pub fn on_provider_message(&mut self, message: ProviderMessage) -> bool {
        match message {
            message if !message.request.is_pagerduty() => {
                self.prepare(Section::CiCd);
                // The incident view and the inbox show runs too.
                let shown = self.incidents_take(&message);
                let taken = self.cicd.on_message(message);
                self.send_cicd_outbox();
                taken || shown
            }
            message => self.incidents_take(&message),
        }
    }

    /// Gives a provider answer to the Incidents pane; true when its screen changed.
    fn incidents_take(&mut self, message: &ProviderMessage) -> bool {
        self.prepare(Section::Incidents);
        let Some(data) = &self.data else { return false };
        let changed = self.incidents.on_message(message, &data.catalog);
        self.send_incidents_outbox();
        changed && self.section == Section::Incidents && self.page.is_none()
    }

    /// While the Incidents pane is on screen: its periodic refresh and countdown.
    pub fn tick_incidents(&mut self, now: std::time::Instant) -> bool {
        if self.section != Section::Incidents || self.page.is_some() {
            return false;
        }
        let Some(data) = &self.data else { return false };
        let changed = self.incidents.tick(&data.catalog, now);
        self.send_incidents_outbox();
        changed
    }

    /// Sends what the Incidents pane asked for.
    fn send_incidents_outbox(&mut self) {
        let outbox = std::mem::take(&mut self.incidents.outbox);
        self.send_outbox(outbox);
    }

    /// Sends what a pane asked for: provider requests and status lines.
    fn send_outbox(&mut self, outbox: Vec<Outgoing>) {
        for out in outbox {
            match out {
                Outgoing::Ask { request, forced } => {
                    if let Some(providers) = &self.providers {
                        if forced {
                            providers.refresh(request);
                        } else {
                            providers.request(request);
                        }
                    }
                }
                Outgoing::Status { text, error } => self.status = Some(Status { text, error }),
            }
        }
    }

    /// `i`: the incident view of the entity on screen (its page, or the focus).
    fn open_incident_view(&mut self) {
        let Some(catalog) = self.data.as_ref().map(|d| d.catalog.clone()) else {
            return;
        };
        let Some(id) = self.page.as_ref().map(|p| p.id).or(self.focus) else {
            return;
        };
        self.remember();
        self.section = Section::Incidents;
        self.prepare(Section::Incidents);
        self.incidents.open_view(&catalog, id, false);
        self.focus = Some(id);
        self.send_incidents_outbox();
    }

    /// Sends what the CI/CD pane asked for.
    fn send_cicd_outbox(&mut self) {
        let outbox = std::mem::take(&mut self.cicd.outbox);
        self.send_outbox(outbox);
    }

    /// Whether background work is under way (the event loop then wakes up often).
    pub fn busy(&self) -> bool {
        self.data.is_none() || self.catalog.busy() || self.insights.busy() || self.cost.loading()
    }

    /// Takes what background work finished; true when the screen changed.
    pub fn poll_background(&mut self) -> bool {
        if self.cost.loading() {
            self.prepare(Section::Cost);
        }
        let cost = self.cost.poll() | self.templates.poll() | self.insights.poll();
        let Some(data) = &self.data else { return cost };
        if !self.catalog.poll(&data.catalog) {
            return cost;
        }
        if self.page.is_none() && self.section == Section::Catalog {
            self.focus = self.catalog.selected().or(self.focus);
        }
        self.open_requested_match();
        true
    }

    /// Rows a list shows at the current size (header, tabs, status line and borders off).
    pub fn page_rows(&self) -> usize {
        (self.size.1 as usize).saturating_sub(7).max(1)
    }

    /// The key scopes of what is on screen, first looked up first.
    pub fn scopes(&self) -> Vec<Scope> {
        if self.confirming() {
            return vec![Scope::Confirm];
        }
        let pane = if self.page.is_some() {
            Some(Scope::Entity)
        } else {
            match self.section {
                Section::Catalog => Some(Scope::Catalog),
                Section::Dependencies => Some(Scope::Deps),
                Section::Templates if self.templates.form.is_some() => Some(Scope::Form),
                Section::Templates => Some(Scope::Templates),
                Section::Docs => Some(Scope::Docs),
                Section::Problems => Some(Scope::Problems),
                Section::CiCd => Some(Scope::CiCd),
                Section::Incidents => Some(Scope::Incidents),
                Section::Cost => Some(Scope::Cost),
                Section::Scorecards | Section::Dora | Section::Maturity => Some(Scope::Insights),
            }
        };
        pane.into_iter().chain([Scope::Nav, Scope::App]).collect()
    }

    /// The name of what is on screen, for help.
    pub fn pane_name(&self) -> String {
        match &self.page {
            Some(_) => "Entity page".into(),
            None => self.section.title().into(),
        }
    }

    /// Whether a yes/no question waits on screen (only its answers and ctrl keys apply).
    pub fn confirming(&self) -> bool {
        self.quit_question
            || self.page.is_none()
                && ((self.section == Section::CiCd && self.cicd.confirm.is_some())
                    || (self.section == Section::Incidents && self.incidents.confirm.is_some())
                    || (self.section == Section::Templates && self.templates.confirming()))
    }

    /// Whether a text input has the keyboard (help search, command line, catalog filter).
    pub fn typing(&self) -> bool {
        self.help.is_some()
            || self.command.is_some()
            || self.filter_editing()
            || (self.page.is_none()
                && self.section == Section::Templates
                && self.templates.typing())
    }

    fn filter_editing(&self) -> bool {
        self.page.is_none() && self.section == Section::Catalog && self.catalog.editing
    }

    /// The action a key stands for here, from the keymap (or a typed character).
    pub fn on_key(&self, event: KeyEvent) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::from_event(&event);
        if self.typing() {
            if let Some(action) = self.keymap.lookup(&[Scope::Input], key) {
                return Some(action.clone());
            }
            if key.ctrl || key.alt {
                // Ctrl-c quits and Ctrl-z suspends from anywhere.
                return self.keymap.lookup(&[Scope::App], key).cloned();
            }
            return match key.code {
                KeyCode::Char(c) => Some(Action::InputChar(c)),
                _ => None,
            };
        }
        if self.confirming() && key.ctrl {
            // Ctrl-c quits and Ctrl-z suspends while a question waits.
            return self.keymap.lookup(&[Scope::App], key).cloned();
        }
        self.keymap.lookup(&self.scopes(), key).cloned()
    }

    /// What `y` copies here: the selected entity's reference, or on CI/CD the run's URL and on
    /// Incidents the incident's.
    fn copy_text(&self) -> Result<String, String> {
        let data = self.data.as_ref().ok_or("the catalog is not loaded yet")?;
        let catalog = &data.catalog;
        let selected = match (&self.page, self.section) {
            (Some(page), _) => Some(page.id),
            (None, Section::CiCd) => {
                return self
                    .cicd
                    .selected_url(catalog, self.focus)
                    .ok_or_else(|| "no run selected".into())
            }
            (None, Section::Incidents) if self.incidents.view.is_none() => {
                return self
                    .incidents
                    .selected_incident(catalog)
                    .map(|(incident, _)| incident.html_url)
                    .filter(|url| !url.is_empty())
                    .ok_or_else(|| "no incident selected".into())
            }
            (None, Section::Catalog) => self.catalog.selected(),
            (None, Section::Dependencies) => self.deps.selected_entity(),
            (None, Section::Templates) => self.templates.selected(),
            (None, Section::Problems) => {
                let problem = self
                    .problems
                    .selected(catalog)
                    .ok_or("no problem selected")?;
                return Ok(problem
                    .entity
                    .clone()
                    .unwrap_or_else(|| format!("{}:{}", problem.location, problem.pos.line)));
            }
            _ => self.focus,
        };
        selected
            .map(|id| catalog.entity(id).key())
            .ok_or_else(|| "nothing selected to copy".into())
    }

    /// What `e` opens here: the selected entity's file (the page's, the list's, the tree node's,
    /// the template's), the selected problem's, or the template form field's declaration.
    fn edit_request(&self) -> Result<super::editor::EditRequest, String> {
        use super::editor;
        let data = self.data.as_ref().ok_or("the catalog is not loaded yet")?;
        let catalog = &data.catalog;
        let entity = |id: Option<EntityId>| {
            id.map(|id| catalog.entity(id))
                .ok_or_else(|| "nothing selected to edit".to_string())
        };
        if let Some(page) = &self.page {
            return editor::for_entity(catalog.entity(page.id));
        }
        match self.section {
            Section::Catalog => editor::for_entity(entity(self.catalog.selected())?),
            Section::Dependencies => editor::for_entity(entity(self.deps.selected_entity())?),
            Section::Problems => editor::for_problem(
                self.problems
                    .selected(catalog)
                    .ok_or("no problem selected")?,
            ),
            Section::Templates => match &self.templates.form {
                Some(form) => {
                    let template = entity(catalog.get(&form.template.reference))?;
                    match form.selected_field() {
                        Some(field) => editor::for_template_field(template, &field),
                        None => editor::for_entity(template),
                    }
                }
                None => editor::for_entity(entity(self.templates.selected())?),
            },
            _ => editor::for_entity(entity(self.focus)?),
        }
    }

    /// Shows `reference` (its `section` tab, if given) as soon as a catalog is loaded; a
    /// reference the catalog does not have is said on the status line.
    pub fn open_on_load(&mut self, reference: String, section: Option<Section>) {
        self.open_on_load = Some((reference, section, false));
        if self.data.is_some() {
            self.open_requested_entity();
        }
    }

    /// Shows `reference`'s API definition view as soon as a catalog is loaded (its page when it
    /// has no definition).
    pub fn open_definition_on_load(&mut self, reference: String) {
        self.open_on_load = Some((reference, None, true));
        if self.data.is_some() {
            self.open_requested_entity();
        }
    }

    fn open_requested_entity(&mut self) {
        let Some((reference, section, definition)) = self.open_on_load.take() else {
            return;
        };
        let Some(data) = &self.data else { return };
        let id = match data.catalog.resolve(&reference) {
            Ok(id) => id,
            Err(_) => {
                self.warn(format!("{reference}: no such entity in the catalog"));
                return;
            }
        };
        self.open_entity(id);
        if definition {
            if let Some(page) = &mut self.page {
                page.api_open = page.api.is_some();
            }
        }
        match section {
            Some(Section::Incidents) => self.open_incident_view(),
            Some(section) => self.dispatch(Action::GoSection(section)),
            None => {}
        }
    }

    /// Whether keys must wait: the catalog is not loaded yet, or an Enter waits for the search
    /// index to open its match. They are applied in order once that is over ([`Self::replay_keys`]),
    /// so `/name`, Enter, `i` typed at launch on a large catalog all count.
    fn keys_wait(&self) -> bool {
        self.data.is_none() || self.catalog.waiting_to_open()
    }

    /// Applies the keys that waited, in order, as long as nothing makes them wait again.
    fn replay_keys(&mut self) {
        while !self.keys_wait() && !self.queued_keys.is_empty() {
            let event = self.queued_keys.remove(0);
            self.handle_key(event);
        }
    }

    /// Handles a key: maps it and applies the resulting actions.
    pub fn handle_key(&mut self, event: KeyEvent) {
        if event.kind == KeyEventKind::Release {
            return;
        }
        if self.keys_wait() {
            // Quitting and suspending never wait.
            let now = matches!(self.on_key(event), Some(Action::Quit | Action::Suspend))
                && (self.data.is_none() || Key::from_event(&event).ctrl);
            if !now {
                self.queued_keys.push(event);
                return;
            }
        }
        // A notice lasts until the next key; an error stays until another replaces it.
        if self.status.as_ref().is_some_and(|s| !s.error) {
            self.status = None;
        }
        if let Some(action) = self.on_key(event) {
            self.dispatch(action);
        }
    }

    /// Applies an action and every action it leads to.
    pub fn dispatch(&mut self, action: Action) {
        let mut next = Some(action);
        let mut steps = 0;
        while let Some(action) = next {
            next = self.update(action);
            steps += 1;
            if steps > 16 {
                break; // a chain this long is a bug; never loop forever on it
            }
        }
    }

    /// Applies one action; may return the next.
    pub fn update(&mut self, action: Action) -> Option<Action> {
        let next = match action {
            // A form with values typed (or a run going) asks first; Quit again (ctrl-c while the
            // question waits) quits anyway.
            Action::Quit if !self.quit_question && self.templates.has_unsaved_work() => {
                self.quit_question = true;
                None
            }
            Action::Quit => {
                self.running = false;
                None
            }
            Action::Suspend => {
                self.suspend = true;
                None
            }
            Action::Copy if self.help.is_none() && self.command.is_none() => {
                match self.copy_text() {
                    Ok(text) => {
                        self.status = Some(Status {
                            text: format!("copied {text}"),
                            error: false,
                        });
                        self.clipboard = Some(text);
                    }
                    Err(why) => self.warn(why),
                }
                None
            }
            Action::Edit if self.help.is_none() && self.command.is_none() => {
                match self.edit_request() {
                    Ok(request) => self.edit = Some(request),
                    Err(why) => self.warn(why),
                }
                None
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                None
            }
            Action::Error(text) => {
                self.status = Some(Status { text, error: true });
                None
            }
            _ if self.quit_question => {
                match action {
                    Action::Yes => self.running = false,
                    Action::No | Action::Back => self.quit_question = false,
                    _ => {}
                }
                None
            }
            _ if self.help.is_some() => {
                let page = self.page_rows();
                let keep = self
                    .help
                    .as_mut()
                    .is_some_and(|h| h.update(&action, &self.keymap, page));
                if !keep {
                    self.help = None;
                }
                None
            }
            _ if self.command.is_some() => {
                let (next, keep) = self
                    .command
                    .as_mut()
                    .map_or((None, false), |c| c.update(&action));
                if !keep {
                    self.command = None;
                }
                next
            }
            Action::ShowHelp => {
                let mut scopes = self.scopes();
                if self.page.is_none()
                    && (self.section == Section::Catalog || scopes[0] == Scope::Form)
                {
                    scopes.insert(1, Scope::Input);
                }
                self.help = Some(HelpState::new(&self.pane_name(), scopes));
                None
            }
            Action::OpenCommand => {
                self.command = Some(CommandLine::default());
                None
            }
            Action::GoSection(section) => {
                self.go(section);
                None
            }
            Action::Back => self.back(),
            Action::OpenEntity(id) => {
                self.open_entity(id);
                None
            }
            Action::IncidentView => {
                self.open_incident_view();
                None
            }
            Action::FocusEntity(id) => {
                self.focus = Some(id);
                None
            }
            Action::OpenUrl(url) => {
                self.status = Some(match super::browser::open(&self.browser, &url) {
                    Ok(()) => Status {
                        text: format!("opened {url}"),
                        error: false,
                    },
                    Err(text) => Status { text, error: true },
                });
                None
            }
            Action::RunCommand(command) => self.run_command(&command),
            other => self.pane_update(other),
        };
        self.sync();
        next
    }

    fn remember(&mut self) {
        if self.history.len() == HISTORY {
            self.history.remove(0);
        }
        self.history.push((self.section, self.page.take()));
    }

    fn go(&mut self, section: Section) {
        if self.section == section && self.page.is_none() {
            return;
        }
        self.remember();
        self.section = section;
    }

    fn open_entity(&mut self, id: EntityId) {
        let Some(data) = &self.data else { return };
        let page = EntityPage::new(&data.catalog, id);
        self.remember();
        self.page = Some(page);
        self.focus = Some(id);
    }

    fn back(&mut self) -> Option<Action> {
        if self.page.as_mut().is_some_and(EntityPage::back) {
            return None;
        }
        if self.page.is_none() && self.section == Section::Cost && self.cost.back() {
            return None;
        }
        if self.page.is_none()
            && self.section == Section::Templates
            && self.templates.form.is_some()
        {
            // The form goes back a page, and leaves from the first.
            return self.pane_update(Action::Back);
        }
        if self.page.is_none()
            && self.section == Section::Templates
            && self.templates.detail.is_some()
        {
            self.templates.detail = None;
            return None;
        }
        if self.page.is_none() && self.section == Section::Incidents && self.incidents.back() {
            self.send_incidents_outbox();
            return None;
        }
        if self.page.is_none() && self.section == Section::CiCd {
            match self.cicd.back(self.focus) {
                Some(Some(group)) => {
                    self.focus = Some(group);
                    return None;
                }
                Some(None) => return None,
                None => {}
            }
        }
        match self.history.pop() {
            Some((section, page)) => {
                self.section = section;
                if let Some(page) = &page {
                    self.focus = Some(page.id);
                } else if section == Section::Catalog {
                    self.focus = self.catalog.selected().or(self.focus);
                }
                self.page = page;
            }
            None => {
                self.status = Some(Status {
                    text: format!(
                        "nothing to go back to ({} quits)",
                        self.keymap.keys_of("app.quit")
                    ),
                    error: false,
                })
            }
        }
        None
    }

    fn run_command(&mut self, command: &str) -> Option<Action> {
        let command = command.trim().trim_start_matches(':');
        if command.is_empty() {
            return None;
        }
        // A unique prefix is enough (`:comp`).
        let exact = COMMANDS
            .iter()
            .find(|(c, _)| *c == command)
            .map(|(c, _)| *c);
        let prefixed: Vec<&str> = COMMANDS
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| c.starts_with(command))
            .collect();
        let name = match (exact, prefixed.as_slice()) {
            (Some(name), _) => name,
            (None, [one]) => one,
            (None, []) => {
                return Some(Action::Error(format!(
                    "unknown command :{command} (Tab completes; :q quits)"
                )))
            }
            (None, many) => {
                return Some(Action::Error(format!(
                    ":{command} could be :{}",
                    many.join(" :")
                )))
            }
        };
        let section = match name {
            "q" | "quit" => return Some(Action::Quit),
            "help" => return Some(Action::ShowHelp),
            "back" => return Some(Action::Back),
            "templates" => Section::Templates,
            "deps" => Section::Dependencies,
            "ci" => Section::CiCd,
            "incidents" => Section::Incidents,
            "cost" => Section::Cost,
            "docs" => Section::Docs,
            "problems" => Section::Problems,
            "score" => Section::Scorecards,
            "dora" => Section::Dora,
            "maturity" => Section::Maturity,
            kind_command => {
                let kind = KIND_COMMANDS
                    .iter()
                    .find(|(c, _)| *c == kind_command)
                    .map(|(_, k)| *k);
                if let Some(data) = &self.data {
                    self.catalog.set_kind(kind, &data.catalog);
                } else {
                    self.catalog.kind = kind;
                }
                self.focus = self.catalog.selected().or(self.focus);
                Section::Catalog
            }
        };
        self.go(section);
        None
    }

    /// An action for the pane on screen.
    fn pane_update(&mut self, action: Action) -> Option<Action> {
        if self.section == Section::Catalog && self.incidents.connected {
            // The filter looks incident numbers up through the Incidents pane's service map.
            self.prepare(Section::Incidents);
        }
        let page = self.page_rows();
        let data = self.data.as_ref()?;
        let catalog = &data.catalog;
        if let Some(entity) = &mut self.page {
            return entity.update(&action, page);
        }
        match self.section {
            Section::Catalog if action == Action::Reload => {
                self.reload_requested = true;
                None
            }
            Section::Catalog => {
                // An incident number typed in the filter leads to its service's entity.
                if action == Action::InputAccept
                    && self.catalog.editing
                    && self.catalog.matches == 0
                {
                    if let Some(id) = self.incidents.looked_up(self.catalog.query()) {
                        return Some(Action::OpenEntity(id));
                    }
                }
                let next = self
                    .catalog
                    .update(&action, catalog, page.saturating_sub(1));
                if self.catalog.editing {
                    self.incidents.look_up(self.catalog.query());
                    self.send_incidents_outbox();
                }
                self.focus = self.catalog.selected().or(self.focus);
                next
            }
            Section::Dependencies => self.deps.update(&action, catalog, page),
            Section::CiCd => self
                .cicd
                .update(&action, catalog, self.focus, &self.env, page),
            Section::Incidents => {
                let next = self.incidents.update(&action, catalog, page);
                if let Some(view) = &self.incidents.view {
                    self.focus = Some(view.id);
                }
                self.send_incidents_outbox();
                next
            }
            Section::Cost => self.cost.update(&action, page),
            Section::Templates => {
                let next = self
                    .templates
                    .update(&action, catalog, data.index.as_deref(), page);
                if let Some(id) = self.templates.selected() {
                    self.focus = Some(id);
                }
                next
            }
            Section::Docs => {
                if action == Action::Reload {
                    if let Some(id) = self.focus {
                        self.docs.show(catalog, id, &self.theme, true);
                    }
                    None
                } else {
                    self.docs.update(&action, page)
                }
            }
            Section::Problems => self.problems.update(&action, catalog, page),
            Section::Scorecards | Section::Dora | Section::Maturity if action == Action::Reload => {
                // sync() starts gathering again.
                self.insights.refresh();
                None
            }
            Section::Scorecards => {
                let len = self.scorecards.lines(&self.insights).len();
                self.scorecards.scroll =
                    super::panes::scroll(self.scorecards.scroll, &action, len, page);
                None
            }
            Section::Dora => {
                let len = self.dora.lines(&self.insights, catalog).len();
                self.dora.scroll = super::panes::scroll(self.dora.scroll, &action, len, page);
                None
            }
            Section::Maturity => {
                let len = self.maturity.lines(&self.insights).len();
                self.maturity.scroll =
                    super::panes::scroll(self.maturity.scroll, &action, len, page);
                None
            }
        }
    }

    /// Prepares a pane for the catalog on screen if it was not yet: called before anything
    /// reads or changes the pane, so it behaves as if it had been loaded with the catalog.
    fn prepare(&mut self, section: Section) {
        let Some(data) = &self.data else { return };
        let Some(at) = self.unprepared.iter().position(|&s| s == section) else {
            return;
        };
        self.unprepared.swap_remove(at);
        match section {
            Section::Templates => self.templates.load(&data.catalog),
            Section::CiCd => self.cicd.load(&data.catalog),
            Section::Incidents => self.incidents.load(&data.catalog),
            Section::Cost => self.cost.set_catalog(&data.catalog),
            _ => {}
        }
    }

    /// Loads what the pane on screen shows for the focused entity (the tree, the docs file):
    /// work done here, once per selection, so draw only reads.
    fn sync(&mut self) {
        self.prepare(self.section);
        if matches!(
            self.section,
            Section::Scorecards | Section::Dora | Section::Maturity
        ) && self.page.is_none()
        {
            // Gathered once per catalog, when one of these panes is first shown.
            if let Some(data) = &self.data {
                self.insights.ensure(&data.catalog);
            }
        }
        if self.section == Section::Cost && self.page.is_none() && self.data.is_some() {
            // Read once, when first shown: an export can be large, Cost Explorer costs money.
            self.cost.start(false);
        }
        let (Some(data), Some(focus), None) = (&self.data, self.focus, &self.page) else {
            self.cicd.shown = None;
            return;
        };
        match self.section {
            Section::Dependencies => self.deps.show(&data.catalog, focus),
            Section::Docs => self.docs.show(&data.catalog, focus, &self.theme, false),
            Section::CiCd => {
                let key = data.catalog.entity(focus).key();
                if self.cicd.shown.as_deref() != Some(key.as_str()) {
                    self.cicd.show(&data.catalog, focus, false);
                }
            }
            _ => {}
        }
        if self.section != Section::CiCd {
            self.cicd.shown = None;
        }
        self.send_cicd_outbox();
    }
}
