//! What the Scorecards, DORA and Maturity panes show, gathered once per catalog on a thread of its
//! own (GitHub and PagerDuty through [`crate::insights::dora::fetch`]), reaching the app as messages that
//! [`Insights::poll`] takes each tick. Drawing only reads what is here.

use crate::catalog::{Catalog, EntityId};
use crate::config::Config;
use crate::insights::dora::fetch::{Connections, Settings};
use crate::insights::dora::report::{self as dora_view, ServiceResult, TeamResult};
use crate::insights::maturity::{self, Assessment};
use crate::insights::scorecard::{self, LiveFacts, Report, Scorecard};
use crate::providers::http::Log;
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::detail::{draw_lines_wrapped, wrapped_rows, PageLine};
use crate::tui::widgets::panel::{bordered, draw_block};
use ratatui::layout::Rect;
use ratatui::Frame;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

/// Versions of what [`Insights`] holds, unique across resets, so a pane's lines built for one
/// are never taken for another's.
static VERSIONS: AtomicU64 = AtomicU64::new(1);

fn next_version() -> u64 {
    VERSIONS.fetch_add(1, Ordering::Relaxed)
}

/// What the gathering thread sends, one message per view, as each is ready.
pub enum InsightsMsg {
    Scorecard(LiveFacts),
    Dora {
        services: Vec<ServiceResult>,
        teams: Vec<TeamResult>,
        settings: Settings,
    },
    Maturity(Assessment),
}

/// DORA per service and per team, with the window they cover.
pub struct DoraData {
    pub services: Vec<ServiceResult>,
    pub teams: Vec<TeamResult>,
    pub settings: Settings,
}

#[derive(Default)]
pub struct Insights {
    config: Option<Config>,
    receiver: Option<mpsc::Receiver<InsightsMsg>>,
    /// The catalog the data is about (gathering starts again for another).
    about: Option<Arc<Catalog>>,
    pub scorecard: Option<Result<Scorecard, String>>,
    pub report: Option<Report>,
    /// Live facts have arrived (until then live rules read "not fetched yet").
    pub live_done: bool,
    pub dora: Option<DoraData>,
    pub maturity: Option<Assessment>,
    /// Why nothing can be gathered (a bad `[dora]` setting), if so.
    pub error: Option<String>,
    /// Changes whenever anything above does (a new catalog, a message): the panes' lines are
    /// built once per version.
    version: u64,
}

impl Insights {
    /// The config to gather with (from the TUI's start-up).
    pub fn configure(&mut self, config: Config) {
        self.config = Some(config);
    }

    /// Starts gathering for `catalog` unless it is already done or under way for it. Without a
    /// config (tests), only what the catalog alone says is shown.
    pub fn ensure(&mut self, catalog: &Arc<Catalog>) {
        if self.about.as_ref().is_some_and(|c| Arc::ptr_eq(c, catalog)) {
            return;
        }
        let config = self.config.clone().unwrap_or_default();
        *self = Insights {
            config: self.config.take(),
            about: Some(catalog.clone()),
            version: next_version(),
            ..Insights::default()
        };
        let card = match &config.scorecard.file {
            Some(path) => Scorecard::load(path),
            None => Ok(Scorecard::default_scorecard()),
        };
        if let Ok(card) = &card {
            self.report = Some(scorecard::evaluate(
                card,
                catalog,
                None,
                &LiveFacts::default(),
                chrono::Utc::now(),
            ));
        }
        self.scorecard = Some(card.clone());
        if self.config.is_none() {
            return;
        }
        let now = chrono::Utc::now();
        let settings = match Settings::from_config(&config, None, now) {
            Ok(settings) => settings,
            Err(err) => {
                self.error = Some(format!("[dora] in config.toml: {err}"));
                return;
            }
        };
        let (sender, receiver) = mpsc::channel();
        self.receiver = Some(receiver);
        let catalog = catalog.clone();
        let _ = std::thread::Builder::new()
            .name("insights".into())
            .spawn(move || gather(config, catalog, card.ok(), settings, sender));
    }

    /// What the data is now: another version means other lines.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The catalog the data is about.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.about.as_deref()
    }

    /// Forgets what was gathered, so that the next [`Insights::ensure`] asks again.
    pub fn refresh(&mut self) {
        self.about = None;
    }

    /// Takes what arrived; true when something did.
    pub fn poll(&mut self) -> bool {
        let Some(receiver) = &self.receiver else {
            return false;
        };
        let messages: Vec<InsightsMsg> = receiver.try_iter().collect();
        let changed = !messages.is_empty();
        for message in messages {
            self.receive(message);
        }
        changed
    }

    /// Takes one message of the gathering thread (benches hand theirs in here).
    pub fn receive(&mut self, message: InsightsMsg) {
        self.version = next_version();
        match message {
            InsightsMsg::Scorecard(live) => {
                if let (Some(Ok(card)), Some(catalog)) = (&self.scorecard, &self.about) {
                    self.report = Some(scorecard::evaluate(
                        card,
                        catalog,
                        None,
                        &live,
                        chrono::Utc::now(),
                    ));
                }
                self.live_done = true;
            }
            InsightsMsg::Dora {
                services,
                teams,
                settings,
            } => {
                self.dora = Some(DoraData {
                    services,
                    teams,
                    settings,
                })
            }
            InsightsMsg::Maturity(assessment) => self.maturity = Some(assessment),
        }
    }

    /// Still gathering.
    pub fn busy(&self) -> bool {
        self.receiver.is_some() && (self.maturity.is_none() || self.dora.is_none())
    }
}

/// The thread: scorecard facts first (the first pane), then DORA, then the maturity evidence.
fn gather(
    config: Config,
    catalog: Arc<Catalog>,
    card: Option<Scorecard>,
    settings: Settings,
    sender: mpsc::Sender<InsightsMsg>,
) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let connections = Connections::connect(&config, Log::Off);
    if let Some(card) = card {
        let ids: Vec<EntityId> = (0..catalog.len() as EntityId)
            .filter(|&id| card.applies_to.matches(catalog.entity(id)))
            .collect();
        let live = runtime.block_on(scorecard::live::gather(&connections, &catalog, &ids, &card));
        if sender.send(InsightsMsg::Scorecard(live)).is_err() {
            return;
        }
    }
    let ids = dora_view::services(&catalog, None);
    let services = match &connections.github {
        Ok(_) => runtime.block_on(dora_view::gather(&connections, &catalog, &ids, &settings)),
        Err(err) => ids
            .iter()
            .map(|&id| ServiceResult {
                id,
                data: Err(err.clone()),
            })
            .collect(),
    };
    let teams = dora_view::teams(&catalog, &services, &settings.window);
    if sender
        .send(InsightsMsg::Dora {
            services,
            teams,
            settings: settings.clone(),
        })
        .is_err()
    {
        return;
    }
    let evidence = runtime.block_on(maturity::gather(
        &connections,
        &catalog,
        &settings,
        chrono::Utc::now(),
    ));
    let _ = sender.send(InsightsMsg::Maturity(maturity::assess(&catalog, &evidence)));
}

/// One report of what was gathered, as a pane shows it.
pub trait ReportView {
    fn title(insights: &Insights, demo: bool) -> String;
    /// The report's lines for a pane `width` columns wide (0: unknown); how many there are and
    /// where they lead does not depend on it.
    fn lines(insights: &Insights, width: usize) -> Vec<PageLine>;
}

/// The pane of a report (the Scorecards, DORA, the Maturity): a line cursor, and `Enter` on a
/// line that names an entity opens its page.
pub struct ReportPane<V> {
    pub list: ListCursor,
    /// The user moved the cursor (until then it goes to the first row naming an entity).
    moved: bool,
    /// The lines last built: a key press and a frame read them many times (the cursor's target,
    /// the preview, drawing), and at 100k entities building them costs far more than a frame.
    built: RefCell<Option<Built>>,
    view: PhantomData<V>,
}

/// Lines built for one version of the data at one width.
struct Built {
    version: u64,
    width: usize,
    lines: Arc<Vec<PageLine>>,
}

impl<V> Default for ReportPane<V> {
    fn default() -> Self {
        ReportPane {
            list: ListCursor::default(),
            moved: false,
            built: RefCell::new(None),
            view: PhantomData,
        }
    }
}

impl<V: ReportView> ReportPane<V> {
    /// The lines, for their count and where they lead (which do not depend on the width: any
    /// width built for this version will do).
    pub fn lines(&self, insights: &Insights) -> Arc<Vec<PageLine>> {
        self.lines_at(insights, None)
    }

    /// The lines at `width` columns (`None`: any), built again only when the data or the
    /// width changed.
    fn lines_at(&self, insights: &Insights, width: Option<usize>) -> Arc<Vec<PageLine>> {
        let mut built = self.built.borrow_mut();
        if let Some(b) = built
            .as_ref()
            .filter(|b| b.version == insights.version() && width.is_none_or(|w| w == b.width))
        {
            return b.lines.clone();
        }
        let width = width.unwrap_or(0);
        let lines = Arc::new(V::lines(insights, width));
        *built = Some(Built {
            version: insights.version(),
            width,
            lines: lines.clone(),
        });
        lines
    }

    /// The cursor, for a click: the user placed it.
    pub fn list_mut(&mut self) -> &mut ListCursor {
        self.moved = true;
        &mut self.list
    }

    /// The line drawn at (x, y) of `inner` (the pane inside its border, as drawn) and the first
    /// line shown: lines wrap, so a screen row is mapped through the rows draw lays out.
    pub fn line_at(
        &self,
        insights: &Insights,
        inner: Rect,
        x: u16,
        y: u16,
    ) -> Option<(usize, usize)> {
        if !inner.contains(ratatui::layout::Position::new(x, y)) {
            return None;
        }
        let lines = self.lines_at(insights, Some(inner.width as usize));
        let rows = wrapped_rows(
            &lines,
            self.list,
            inner.width as usize,
            inner.height as usize,
        );
        let first = rows.first()?.0;
        let (line, _) = rows.get((y - inner.y) as usize)?;
        Some((*line, first))
    }

    /// The entity the line under the cursor names.
    pub fn selected(&self, insights: &Insights) -> Option<EntityId> {
        self.lines(insights).get(self.list.cursor)?.target
    }

    /// Until the user moves it, the cursor starts on the first line naming an entity (the
    /// report's first row), so `Enter` and the preview have something at once.
    pub fn settle(&mut self, insights: &Insights, page: usize) {
        if self.moved {
            return;
        }
        let lines = self.lines(insights);
        if let Some(first) = lines.iter().position(|l| l.target.is_some()) {
            self.list = ListCursor::default();
            self.list.cursor = first;
            self.list.clamp(lines.len(), page);
        }
    }

    /// A movement, or `Enter` on a line naming an entity.
    pub fn update(&mut self, action: &Action, insights: &Insights, page: usize) -> Option<Action> {
        let len = self.lines(insights).len();
        if self.list.apply(action, len, page) {
            self.moved = true;
            return None;
        }
        match action {
            Action::Open => self.selected(insights).map(Action::OpenEntity),
            _ => None,
        }
    }

    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        insights: &Insights,
        demo: bool,
        theme: &Theme,
    ) {
        let block = bordered(format!(" {} ", V::title(insights, demo)), theme);
        let inner = draw_block(frame, area, block);
        let lines = self.lines_at(insights, Some(inner.width as usize));
        draw_lines_wrapped(frame, inner, &lines, self.list, theme);
    }
}

/// The first word of `text` that is an entity of `catalog` (`template:default/x`, with the
/// punctuation around it left out): what an evidence line is about.
pub fn named_entity(catalog: Option<&Catalog>, text: &str) -> Option<EntityId> {
    let catalog = catalog?;
    text.split_whitespace()
        .map(|word| word.trim_matches(|c: char| matches!(c, ',' | ':' | ';' | '(' | ')' | '.')))
        .filter(|word| word.contains(':'))
        .find_map(|word| catalog.get(word))
}
