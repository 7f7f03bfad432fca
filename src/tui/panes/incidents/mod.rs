//! Incidents: every open PagerDuty incident (triggered, acknowledged) of the catalog's services,
//! high urgency and oldest-open first, each tied to its entity and owner, refreshed on an interval
//! shown in the title; "my inbox" (`m`): what needs the user now (open incidents and failing
//! default-branch CI on the services their teams own, with ages); and the incident view of one
//! entity ([`IncidentView`], `Enter` here or `i` on an entity page).
//!
//! Acknowledge (`a`), resolve (`R`) and trigger (`t`, Events API v2 through the service's
//! integration key) ask a yes/no question first, report on the status line and refresh.
//!
//! Like the CI/CD pane, the pane never talks to the provider: what it wants asked goes to
//! [`IncidentsPane::outbox`], which the app sends, and answers arrive as messages
//! ([`IncidentsPane::on_message`]). It keeps the last good answer of everything and shows a later
//! error beside it, with the data's age: relaunched with PagerDuty gone, the disk cache's last
//! known state is on screen with how old it is.

use super::cicd::Outgoing;
use super::incident_view::IncidentView;
use super::{count_annotated, ProviderEnv, Setup};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::github::{self, short_duration, CiRuns, RunState, WorkflowRun};
use crate::providers::pagerduty::{
    self, Incident, IncidentAction, LogEntry, OnCallChain, OpenIncidents, ResolvedService,
    ServiceMap, ServiceRef, Severity, TriggerEvent, Urgency, User,
};
use crate::providers::{ProviderError, ProviderMessage, Request};
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::cursor::{scroll, ListCursor};
use crate::tui::widgets::detail::{draw_info, PageLine, Tone};
use crate::tui::widgets::panel::{bordered, draw_block};
use crate::tui::widgets::table::{draw_table, row_style, shown};
use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row};
use ratatui::Frame;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

pub const ANNOTATIONS: [&str; 2] = ["pagerduty.com/service-id", "pagerduty.com/integration-key"];

/// The requester name of the catalog-wide list (answers are addressed to it).
pub const ALL_KEY: &str = "incidents:all";

/// The requester name of the search's reverse lookup (an incident number typed in the filter).
pub const LOOKUP_KEY: &str = "incidents:lookup";

/// How often the open incidents are asked again while the pane or the view is on screen.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// Timelines fetched per incident view (each costs a request).
pub const TIMELINES_PER_VIEW: usize = 5;

/// One thing asked for: its last good value, when that was confirmed, and the last error.
#[derive(Clone, Debug)]
pub struct Feed<T> {
    pub value: Option<T>,
    pub fetched_at: Option<SystemTime>,
    pub from_cache: bool,
    pub error: Option<ProviderError>,
    pub loading: bool,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Feed {
            value: None,
            fetched_at: None,
            from_cache: false,
            error: None,
            loading: false,
        }
    }
}

impl<T> Feed<T> {
    fn take(&mut self, result: Result<T, ProviderError>, fetched_at: SystemTime, cached: bool) {
        match result {
            Ok(value) => {
                self.value = Some(value);
                self.fetched_at = Some(fetched_at);
                self.from_cache = cached;
                self.error = None;
            }
            Err(err) => self.error = Some(err),
        }
        self.loading = false;
    }

    /// "updated 5s ago", "last known, 2h old: <error>", "loading…".
    pub fn note(&self, now: SystemTime) -> (String, Tone) {
        let age = |at: SystemTime| short_duration(now.duration_since(at).unwrap_or_default());
        match (&self.value, self.fetched_at, &self.error) {
            (_, _, Some(err)) if err.is_setup() => (err.to_string(), Tone::Warning),
            (Some(_), Some(at), Some(err)) => {
                (format!("last known, {} old · {err}", age(at)), Tone::Error)
            }
            (None, _, Some(err)) => (err.to_string(), Tone::Error),
            (Some(_), Some(at), None) if self.from_cache => {
                (format!("cached {} ago", age(at)), Tone::Muted)
            }
            (Some(_), Some(at), None) => (format!("updated {} ago", age(at)), Tone::Muted),
            _ if self.loading => ("loading…".into(), Tone::Muted),
            _ => (String::new(), Tone::Muted),
        }
    }
}

/// Everything live the pane and the view have received, by what it is about.
#[derive(Default)]
pub struct Live {
    /// The catalog-wide list.
    pub all: Feed<OpenIncidents>,
    /// One entity's open incidents (the incident view), by entity key.
    pub entity_incidents: HashMap<String, Feed<OpenIncidents>>,
    /// One entity's services, by entity key.
    pub services: HashMap<String, Feed<Vec<ResolvedService>>>,
    /// On-call chains by escalation policy ID.
    pub oncall: HashMap<String, Feed<OnCallChain>>,
    /// Users (contact methods) by ID.
    pub users: HashMap<String, Feed<User>>,
    /// Timelines by incident ID.
    pub timelines: HashMap<String, Feed<Vec<LogEntry>>>,
    /// CI runs by repository (lower-case `owner/repo`).
    pub runs: HashMap<String, Feed<CiRuns>>,
    /// Default branches by repository.
    pub branches: HashMap<String, Result<String, ProviderError>>,
}

impl Live {
    /// The newest run on the repository's default branch, once both are known.
    pub fn default_branch_run(&self, slug: &str) -> Option<&WorkflowRun> {
        let slug = slug.to_ascii_lowercase();
        let branch = self.branches.get(&slug)?.as_ref().ok()?;
        let runs = self.runs.get(&slug)?.value.as_ref()?;
        runs.runs
            .iter()
            .filter(|r| r.head_branch.as_deref() == Some(branch.as_str()))
            .max_by_key(|r| r.created_at)
    }
}

/// What is sent to PagerDuty once the user says yes; `entity_key`: the entity the answer goes to
/// (and whose incidents are refreshed after).
#[derive(Clone, Debug, PartialEq)]
pub enum Pending {
    Update {
        incident_id: String,
        action: IncidentAction,
        entity_key: String,
    },
    Trigger {
        event: TriggerEvent,
        entity_key: String,
    },
}

/// An incident number or ID typed in the catalog filter, and what PagerDuty said about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lookup {
    pub query: String,
    pub incident: Option<Incident>,
    pub error: Option<ProviderError>,
}

/// The user's own entity and what their teams own, for the inbox.
#[derive(Clone, Debug, Default)]
pub struct Mine {
    pub user: Option<EntityId>,
    pub teams: Vec<EntityId>,
    pub owned: Vec<EntityId>,
    /// Why there is no inbox (no identity configured, or it names no user).
    pub problem: Option<String>,
}

/// One row of the inbox: an incident on a team's service, or failing CI on its default branch.
pub enum InboxItem<'a> {
    Incident(&'a Incident, Vec<EntityId>),
    Ci {
        entity: EntityId,
        slug: String,
        run: &'a WorkflowRun,
    },
}

impl InboxItem<'_> {
    pub fn entity(&self) -> Option<EntityId> {
        match self {
            InboxItem::Incident(_, entities) => entities.first().copied(),
            InboxItem::Ci { entity, .. } => Some(*entity),
        }
    }
}

#[derive(Default)]
pub struct IncidentsPane {
    pub annotated: usize,
    /// The first line of the setup text (not connected).
    pub scroll: usize,
    /// A provider handle runs and PagerDuty has a token.
    pub connected: bool,
    /// GitHub has a token too (CI runs in the view and the inbox).
    pub github: bool,
    /// `[pagerduty] from_email` is set (acknowledge and resolve need it).
    pub from_email: bool,
    /// `[identity] user`, as configured.
    pub identity: Option<String>,
    pub map: ServiceMap,
    pub mine: Mine,
    pub live: Live,
    pub list: ListCursor,
    /// The inbox is shown instead of every open incident.
    pub inbox: bool,
    pub view: Option<IncidentView>,
    pub confirm: Option<Confirm<Pending>>,
    /// The keys that answer a question, for its popup ("y yes · n/esc no").
    pub answer_keys: String,
    pub outbox: Vec<Outgoing>,
    /// The clock for ages; `None`: now (tests fix it).
    pub now: Option<SystemTime>,
    /// When the list is asked again; `None`: not asked yet.
    pub next_refresh: Option<Instant>,
    /// The search's reverse lookup in progress or done.
    pub lookup: Option<Lookup>,
    /// The countdown second last drawn (to redraw once a second, no more).
    shown_second: Option<u64>,
}

impl IncidentsPane {
    pub fn load(&mut self, catalog: &Catalog) {
        self.annotated = count_annotated(catalog, &ANNOTATIONS);
        let mut map = ServiceMap::build(catalog);
        // What was learned about integration keys stays true for the new catalog.
        if let Some(open) = &self.live.all.value {
            open.teach(&mut map);
        }
        self.map = map;
        self.mine = mine(catalog, self.identity.as_deref());
        self.next_refresh = None;
        if let Some(view) = self.view.take() {
            // The same entity in the new catalog, if it is still there.
            self.view = catalog
                .get(&view.key)
                .map(|id| IncidentView::new(catalog, id, view.from_list));
        }
    }

    /// Connects to the providers: PagerDuty answers from now on.
    pub fn connect(&mut self, env: &ProviderEnv, from_email: bool, answer_keys: String) {
        self.connected = env.pagerduty_token;
        self.github = env.github_token;
        self.from_email = from_email;
        self.answer_keys = answer_keys;
    }

    fn now(&self) -> SystemTime {
        self.now.unwrap_or_else(SystemTime::now)
    }

    fn ask(&mut self, request: Request, forced: bool) {
        self.outbox.push(Outgoing::Ask { request, forced });
    }

    fn notice(&mut self, text: String, error: bool) {
        self.outbox.push(Outgoing::Status { text, error });
    }

    /// Asks for every open incident of the catalog (and, with the inbox, its CI), and for the
    /// view's data. `forced`: past the provider's refresh window.
    pub fn refresh(&mut self, catalog: &Catalog, forced: bool, now: Instant) {
        self.next_refresh = Some(now + REFRESH_EVERY);
        if !self.connected {
            return;
        }
        let refs = self.map.refs();
        if !refs.is_empty() {
            self.live.all.loading = true;
            self.ask(
                Request::PdIncidents {
                    entity_key: ALL_KEY.into(),
                    refs,
                },
                forced,
            );
        }
        if self.inbox && self.github {
            for id in self.mine.owned.clone() {
                self.ask_ci(catalog, id, forced);
            }
        }
        if let Some(view) = &self.view {
            for request in view.requests(self.connected, self.github) {
                self.outbox.push(Outgoing::Ask { request, forced });
            }
        }
    }

    fn ask_ci(&mut self, catalog: &Catalog, id: EntityId, forced: bool) {
        let entity = catalog.entity(id);
        let Ok(slug) = github::repo_of(entity) else {
            return;
        };
        let (entity_key, slug) = (entity.key(), slug.to_string());
        self.ask(
            Request::CiRuns {
                entity_key: entity_key.clone(),
                slug: slug.clone(),
            },
            forced,
        );
        self.ask(Request::DefaultBranch { entity_key, slug }, forced);
    }

    /// Called on every turn of the event loop while the pane is on screen: asks again when the
    /// interval is up; true when the screen should be drawn again (the countdown moved).
    pub fn tick(&mut self, catalog: &Catalog, now: Instant) -> bool {
        if !self.connected {
            return false;
        }
        match self.next_refresh {
            Some(due) if now < due => {
                let second = due.duration_since(now).as_secs();
                let moved = self.shown_second != Some(second);
                self.shown_second = Some(second);
                moved
            }
            due => {
                // The first time, the stored answer shows at once; after that the interval is
                // the refresh window, so the provider must ask (conditionally) every time.
                self.refresh(catalog, due.is_some(), now);
                true
            }
        }
    }

    /// Seconds until the next refresh, for the title.
    pub fn next_in(&self, now: Instant) -> Option<u64> {
        self.next_refresh
            .map(|due| due.saturating_duration_since(now).as_secs())
    }

    /// Opens the incident view of an entity and asks for what it shows.
    pub fn open_view(&mut self, catalog: &Catalog, id: EntityId, from_list: bool) {
        let view = IncidentView::new(catalog, id, from_list);
        for request in view.requests(self.connected, self.github) {
            self.ask(request, false);
        }
        self.view = Some(view);
    }

    /// The catalog filter's text changed: when it names an incident (`#1483`, `1483`, `PT4KHLK`),
    /// asks PagerDuty for it (and resolves the catalog's integration keys, so its service leads to
    /// an entity).
    pub fn look_up(&mut self, query: &str) {
        let query = query.trim();
        let Some(reference) = pagerduty::parse_incident_ref(query) else {
            self.lookup = None;
            return;
        };
        if !self.connected || self.lookup.as_ref().is_some_and(|l| l.query == query) {
            return;
        }
        self.lookup = Some(Lookup {
            query: query.to_string(),
            incident: None,
            error: None,
        });
        self.ask(
            Request::PdIncident {
                entity_key: LOOKUP_KEY.into(),
                incident: reference,
            },
            false,
        );
        let keys = self.map.unlearned_keys();
        if !keys.is_empty() {
            self.ask(
                Request::PdServices {
                    entity_key: LOOKUP_KEY.into(),
                    refs: keys,
                },
                false,
            );
        }
    }

    /// The entity of the incident the filter names, once known.
    pub fn looked_up(&self, query: &str) -> Option<EntityId> {
        let lookup = self.lookup.as_ref().filter(|l| l.query == query.trim())?;
        self.map
            .entities_of_incident(lookup.incident.as_ref()?)
            .first()
            .copied()
    }

    /// Says on the status line where the looked-up incident leads.
    fn lookup_notice(&mut self, catalog: &Catalog) {
        let Some(lookup) = &self.lookup else { return };
        let text = match (&lookup.incident, &lookup.error) {
            (_, Some(err)) => (format!("{}: {err}", lookup.query), true),
            (Some(incident), None) => {
                let entities = self.map.entities_of_incident(incident);
                let head = format!(
                    "incident #{} {} ({}, {}) is on {}",
                    incident.incident_number,
                    incident.title,
                    incident.status.as_str(),
                    incident.urgency.as_str(),
                    incident.service.summary
                );
                match entities.first() {
                    Some(&id) => (
                        format!("{head} → {} · enter opens it", catalog.entity(id).key()),
                        false,
                    ),
                    None => (
                        format!("{head}, which no entity of the catalog names"),
                        false,
                    ),
                }
            }
            (None, None) => return,
        };
        self.notice(text.0, text.1);
    }

    /// Esc: closes the question, or the view opened from the list. False when the app should go
    /// back in its history (the view opened from elsewhere is closed on the way).
    pub fn back(&mut self) -> bool {
        if self.confirm.take().is_some() {
            self.notice("cancelled".into(), false);
            return true;
        }
        match self.view.take() {
            Some(view) if view.from_list => true,
            _ => false,
        }
    }

    /// The rows of the catalog-wide list, as the provider sorted them (urgency, status, age).
    pub fn rows(&self) -> Vec<(&Incident, Vec<EntityId>)> {
        let Some(open) = &self.live.all.value else {
            return Vec::new();
        };
        open.incidents
            .iter()
            .map(|i| (i, self.map.entities_of_incident(i)))
            .collect()
    }

    /// The inbox: open incidents on the user's teams' services (in list order), then their
    /// services whose default branch's last run failed, newest first.
    pub fn inbox_items(&self, catalog: &Catalog) -> Vec<InboxItem<'_>> {
        let mut items: Vec<InboxItem> = self
            .rows()
            .into_iter()
            .filter(|(_, entities)| entities.iter().any(|e| self.mine.owned.contains(e)))
            .map(|(i, entities)| InboxItem::Incident(i, entities))
            .collect();
        let mut failing: Vec<InboxItem> = self
            .mine
            .owned
            .iter()
            .filter_map(|&id| {
                let slug = github::repo_of(catalog.entity(id)).ok()?.to_string();
                let run = self.live.default_branch_run(&slug)?;
                (run.state() == RunState::Failure).then_some(InboxItem::Ci {
                    entity: id,
                    slug,
                    run,
                })
            })
            .collect();
        failing.sort_by_key(|item| match item {
            InboxItem::Ci { run, .. } => std::cmp::Reverse(run.created_at),
            InboxItem::Incident(i, _) => std::cmp::Reverse(i.created_at),
        });
        items.extend(failing);
        items
    }

    fn len(&self, catalog: &Catalog) -> usize {
        if self.inbox {
            self.inbox_items(catalog).len()
        } else {
            self.rows().len()
        }
    }

    /// The incident under the cursor: in the view, its selected incident; in the list, the row.
    pub fn selected_incident(&self, catalog: &Catalog) -> Option<(Incident, String)> {
        if let Some(view) = &self.view {
            return view
                .selected_incident(&self.live)
                .map(|i| (i.clone(), view.key.clone()));
        }
        let key = |entities: &[EntityId]| {
            entities
                .first()
                .map_or_else(|| ALL_KEY.to_string(), |&e| catalog.entity(e).key())
        };
        if self.inbox {
            match self
                .inbox_items(catalog)
                .into_iter()
                .nth(self.list.cursor)?
            {
                InboxItem::Incident(i, entities) => Some((i.clone(), key(&entities))),
                InboxItem::Ci { .. } => None,
            }
        } else {
            let (i, entities) = self.rows().into_iter().nth(self.list.cursor)?;
            Some((i.clone(), key(&entities)))
        }
    }

    /// The entity under the cursor of the list (or the inbox).
    fn selected_entity(&self, catalog: &Catalog) -> Option<EntityId> {
        if self.inbox {
            self.inbox_items(catalog)
                .into_iter()
                .nth(self.list.cursor)?
                .entity()
        } else {
            self.rows()
                .into_iter()
                .nth(self.list.cursor)?
                .1
                .first()
                .copied()
        }
    }

    pub fn update(&mut self, action: &Action, catalog: &Catalog, page: usize) -> Option<Action> {
        if let Some(answer) = Confirm::answer(&mut self.confirm, action) {
            match answer {
                Answer::Yes(pending) => self.send_confirmed(pending),
                Answer::No => self.notice("cancelled".into(), false),
                Answer::Waiting => {}
            }
            return None;
        }
        if !self.connected && self.view.is_none() {
            let len = self
                .setup_lines(catalog, None, &ProviderEnv::default())
                .len();
            self.scroll = scroll(self.scroll, action, len, page);
            return None;
        }
        let acts = matches!(
            action,
            Action::Reload | Action::Acknowledge | Action::Resolve | Action::Trigger
        );
        if acts && !self.connected {
            self.notice(pagerduty::not_configured().to_string(), true);
            return None;
        }
        match action {
            Action::Reload => {
                self.refresh(catalog, true, Instant::now());
                self.notice("asking PagerDuty again".into(), false);
                return None;
            }
            Action::Acknowledge => return self.ask_update(catalog, IncidentAction::Acknowledge),
            Action::Resolve => return self.ask_update(catalog, IncidentAction::Resolve),
            Action::Trigger => return self.ask_trigger(catalog),
            Action::OpenInBrowser => {
                return match self.selected_incident(catalog) {
                    Some((incident, _)) if !incident.html_url.is_empty() => {
                        Some(Action::OpenUrl(incident.html_url))
                    }
                    _ => {
                        self.notice("no incident selected".into(), false);
                        None
                    }
                };
            }
            _ => {}
        }
        if let Some(view) = &mut self.view {
            return view.update(action, catalog, &self.live, page);
        }
        match action {
            Action::ToggleInbox => {
                self.inbox = !self.inbox;
                self.list = ListCursor::default();
                if self.inbox {
                    if let Some(problem) = &self.mine.problem {
                        self.notice(problem.clone(), true);
                    } else if self.github {
                        for id in self.mine.owned.clone() {
                            self.ask_ci(catalog, id, false);
                        }
                    }
                }
                None
            }
            Action::Open => {
                match self.selected_entity(catalog) {
                    Some(id) => self.open_view(catalog, id, true),
                    None => self.notice("no entity of the catalog has this service".into(), true),
                }
                None
            }
            other => {
                let len = self.len(catalog);
                self.list.apply(other, len, page.saturating_sub(2));
                None
            }
        }
    }

    fn ask_update(&mut self, catalog: &Catalog, action: IncidentAction) -> Option<Action> {
        let Some((incident, entity_key)) = self.selected_incident(catalog) else {
            self.notice("no incident selected".into(), false);
            return None;
        };
        if !self.from_email {
            self.notice(
                "acknowledging and resolving need your PagerDuty login email, sent as From: set from_email under [pagerduty] in config.toml".into(),
                true,
            );
            return None;
        }
        let (title, verb) = match action {
            IncidentAction::Acknowledge => (" Acknowledge ", "Acknowledge"),
            IncidentAction::Resolve => (" Resolve ", "Resolve"),
        };
        self.confirm = Some(Confirm {
            on_yes: Pending::Update {
                incident_id: incident.id.clone(),
                action,
                entity_key,
            },
            title,
            question: format!(
                "{verb} #{} {} ({}, {})?",
                incident.incident_number,
                incident.title,
                incident.service.summary,
                incident.status.as_str()
            ),
        });
        None
    }

    fn ask_trigger(&mut self, catalog: &Catalog) -> Option<Action> {
        let entity = match &self.view {
            Some(view) => Some(view.id),
            None => self.selected_entity(catalog),
        };
        let Some(id) = entity else {
            self.notice(
                "no entity selected: open the incident view of a service first".into(),
                false,
            );
            return None;
        };
        let entity = catalog.entity(id);
        let key = entity.key();
        let Some(routing_key) = integration_key(
            entity,
            self.live
                .services
                .get(&key)
                .and_then(|f| f.value.as_deref()),
        ) else {
            self.notice(
                format!("{key} has no PagerDuty integration key (pagerduty.com/integration-key, or an Events API v2 integration on its service) to trigger with"),
                true,
            );
            return None;
        };
        self.confirm = Some(Confirm {
            title: " Trigger an incident ",
            question: format!(
                "Trigger a new PagerDuty incident on {key}? Its on-call engineer is paged."
            ),
            on_yes: Pending::Trigger {
                event: TriggerEvent {
                    routing_key,
                    summary: format!(
                        "{} needs attention (triggered from greenroom)",
                        entity.name()
                    ),
                    source: key.clone(),
                    severity: Severity::Error,
                },
                entity_key: key,
            },
        });
        None
    }

    fn send_confirmed(&mut self, pending: Pending) {
        let request = match pending {
            Pending::Update {
                incident_id,
                action,
                entity_key,
            } => {
                self.notice(
                    format!(
                        "{} {incident_id}…",
                        match action {
                            IncidentAction::Acknowledge => "acknowledging",
                            IncidentAction::Resolve => "resolving",
                        }
                    ),
                    false,
                );
                Request::PdUpdateIncident {
                    entity_key,
                    incident_id,
                    action,
                }
            }
            Pending::Trigger { event, entity_key } => {
                self.notice(
                    format!("triggering an incident on {}…", event.source),
                    false,
                );
                Request::PdTrigger { entity_key, event }
            }
        };
        self.ask(request, true);
    }

    /// Takes a provider answer; true when the screen changes.
    pub fn on_message(&mut self, message: &ProviderMessage, catalog: &Catalog) -> bool {
        let view_key = self.view.as_ref().map(|v| v.key.clone());
        match message.clone() {
            ProviderMessage::PdIncidents {
                entity_key,
                result,
                fetched_at,
                from_cache,
                ..
            } => {
                if let Ok(open) = &result {
                    open.teach(&mut self.map);
                }
                if entity_key == ALL_KEY {
                    self.live.all.take(result, fetched_at, from_cache);
                    let len = self.len(catalog);
                    self.list.clamp(len, 1);
                } else {
                    let timelines: Vec<String> = result
                        .as_ref()
                        .map(|open| {
                            open.incidents
                                .iter()
                                .take(TIMELINES_PER_VIEW)
                                .map(|i| i.id.clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    self.live
                        .entity_incidents
                        .entry(entity_key.clone())
                        .or_default()
                        .take(result, fetched_at, from_cache);
                    if view_key.as_deref() == Some(entity_key.as_str()) {
                        for incident_id in timelines {
                            self.ask(
                                Request::PdLogEntries {
                                    entity_key: entity_key.clone(),
                                    incident_id,
                                },
                                false,
                            );
                        }
                    }
                }
                true
            }
            ProviderMessage::PdServices {
                entity_key, result, ..
            } if entity_key == LOOKUP_KEY => {
                if let Ok(resolved) = &result {
                    self.map.teach_services(resolved);
                }
                self.lookup_notice(catalog);
                false
            }
            ProviderMessage::PdIncident {
                entity_key,
                incident,
                result,
                ..
            } if entity_key == LOOKUP_KEY => {
                let Some(lookup) = &mut self.lookup else {
                    return false;
                };
                if pagerduty::parse_incident_ref(&lookup.query) != Some(incident) {
                    return false; // an answer to an earlier query
                }
                match result {
                    Ok(found) => {
                        lookup.incident = Some(found);
                        lookup.error = None;
                    }
                    Err(err) => lookup.error = Some(err),
                }
                self.lookup_notice(catalog);
                true
            }
            ProviderMessage::PdServices {
                entity_key,
                result,
                fetched_at,
                from_cache,
                ..
            } => {
                if let Ok(resolved) = &result {
                    self.map.teach_services(resolved);
                }
                let policies: Vec<String> = result
                    .as_ref()
                    .map(|services| {
                        services
                            .iter()
                            .filter_map(|s| s.service.as_ref().ok()?.escalation_policy.clone())
                            .map(|p| p.id)
                            .collect()
                    })
                    .unwrap_or_default();
                self.live
                    .services
                    .entry(entity_key.clone())
                    .or_default()
                    .take(result, fetched_at, from_cache);
                for escalation_policy_id in policies {
                    self.ask(
                        Request::PdOnCall {
                            entity_key: entity_key.clone(),
                            escalation_policy_id,
                        },
                        false,
                    );
                }
                true
            }
            ProviderMessage::PdOnCall {
                entity_key,
                escalation_policy_id,
                result,
                fetched_at,
                from_cache,
            } => {
                let mut users: Vec<String> = result
                    .as_ref()
                    .map(|chain| chain.oncalls.iter().map(|o| o.user.id.clone()).collect())
                    .unwrap_or_default();
                users.dedup();
                self.live
                    .oncall
                    .entry(escalation_policy_id)
                    .or_default()
                    .take(result, fetched_at, from_cache);
                for user_id in users {
                    if !self.live.users.contains_key(&user_id) {
                        self.live.users.insert(user_id.clone(), Feed::default());
                        self.ask(
                            Request::PdUser {
                                entity_key: entity_key.clone(),
                                user_id,
                            },
                            false,
                        );
                    }
                }
                true
            }
            ProviderMessage::PdUser {
                user_id,
                result,
                fetched_at,
                from_cache,
                ..
            } => {
                self.live
                    .users
                    .entry(user_id)
                    .or_default()
                    .take(result, fetched_at, from_cache);
                true
            }
            ProviderMessage::PdLogEntries {
                incident_id,
                result,
                fetched_at,
                from_cache,
                ..
            } => {
                self.live
                    .timelines
                    .entry(incident_id)
                    .or_default()
                    .take(result, fetched_at, from_cache);
                true
            }
            ProviderMessage::PdUpdateIncident {
                incident_id,
                action,
                result,
                ..
            } => {
                match result {
                    Ok(incident) => self.notice(
                        format!(
                            "#{} {}: PagerDuty says it is now {}",
                            incident.incident_number,
                            match action {
                                IncidentAction::Acknowledge => "acknowledged",
                                IncidentAction::Resolve => "resolved",
                            },
                            incident.status.as_str()
                        ),
                        false,
                    ),
                    Err(err) => self.notice(format!("{incident_id} not changed: {err}"), true),
                }
                self.refresh(catalog, true, Instant::now());
                true
            }
            ProviderMessage::PdTrigger { event, result, .. } => {
                match result {
                    Ok(receipt) => self.notice(
                        format!(
                            "triggered on {}: {} ({}){}",
                            event.source,
                            receipt.status,
                            receipt.message,
                            receipt
                                .dedup_key
                                .map(|k| format!(", dedup key {k}"))
                                .unwrap_or_default()
                        ),
                        false,
                    ),
                    Err(err) => self.notice(format!("no incident triggered: {err}"), true),
                }
                self.refresh(catalog, true, Instant::now());
                true
            }
            ProviderMessage::CiRuns {
                slug,
                result,
                fetched_at,
                from_cache,
                ..
            } => {
                self.live
                    .runs
                    .entry(slug.to_ascii_lowercase())
                    .or_default()
                    .take(result, fetched_at, from_cache);
                self.view.is_some() || self.inbox
            }
            ProviderMessage::DefaultBranch { slug, result, .. } => {
                self.live.branches.insert(slug.to_ascii_lowercase(), result);
                self.inbox
            }
            _ => false,
        }
    }

    /// The text shown without PagerDuty: what to set, and what the selected entity has.
    pub fn setup_lines(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
    ) -> Vec<PageLine> {
        Setup {
            heading: "PagerDuty: open incidents of the catalog's services, and who is on call",
            intro: "PagerDuty is not configured. It needs:",
            token: "  • a REST API token: set PAGERDUTY_TOKEN (or [pagerduty] token in config.toml) — now: ",
            token_set: env.pagerduty_token,
            needs: &[
                "  • services come from the pagerduty.com/service-id (or pagerduty.com/integration-key) annotation",
                "  • EU accounts: PAGERDUTY_API_URL or [pagerduty] api_url = \"https://api.eu.pagerduty.com\"",
                "  • to acknowledge or resolve: [pagerduty] from_email, your PagerDuty login",
                "  • greenroom --demo shows all of it on the demo's data",
            ],
            annotated: self.annotated,
            have: "a PagerDuty annotation",
            annotations: &ANNOTATIONS,
            missing_hint: "add metadata.annotations pagerduty.com/service-id: PABC123",
        }
        .lines(catalog, focus)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
        theme: &Theme,
        now: Instant,
    ) {
        if !self.connected && self.view.is_none() {
            draw_info(
                frame,
                area,
                theme,
                "Incidents (PagerDuty not configured)",
                &self.setup_lines(catalog, focus, env),
                self.scroll,
            );
            return;
        }
        let clock = self.now();
        let refresh = match self.next_in(now) {
            Some(secs) => format!(
                "auto-refresh every {}s, next in {secs}s",
                REFRESH_EVERY.as_secs()
            ),
            None => format!("auto-refresh every {}s", REFRESH_EVERY.as_secs()),
        };
        match &self.view {
            Some(view) => {
                let lines = view.lines(catalog, &self.live, self.connected, clock);
                view.draw(frame, area, &lines, &refresh, theme);
            }
            None => {
                let screen = Screen {
                    catalog,
                    clock,
                    refresh: &refresh,
                    theme,
                };
                if self.inbox {
                    self.draw_inbox(frame, area, screen);
                } else {
                    self.draw_list(frame, area, screen);
                }
            }
        }
        if let Some(confirm) = &self.confirm {
            confirm.draw(frame, area, &self.answer_keys, theme);
        }
    }

    fn frame_block<'a>(&self, title: String, note: (String, Tone), theme: &Theme) -> Block<'a> {
        let mut block = bordered(title, theme);
        if !note.0.is_empty() {
            block = block.title_bottom(Span::styled(format!(" {} ", note.0), note.1.style(theme)));
        }
        block
    }

    fn draw_list(&self, frame: &mut Frame, area: Rect, screen: Screen) {
        let rows = self.rows();
        let triggered = rows
            .iter()
            .filter(|(i, _)| i.status.as_str() == "triggered")
            .count();
        let title = format!(
            " Incidents: open in PagerDuty ({}: {triggered} triggered, {} acknowledged) · {} ",
            rows.len(),
            rows.len() - triggered,
            screen.refresh
        );
        let inner = draw_block(
            frame,
            area,
            self.frame_block(title, self.live.all.note(screen.clock), screen.theme),
        );
        if rows.is_empty() {
            let text = if self.map.is_empty() {
                "No entity of the catalog names a PagerDuty service (pagerduty.com/service-id or pagerduty.com/integration-key)."
            } else if self.live.all.value.is_some() {
                "Nothing open: no triggered or acknowledged incident on the catalog's services."
            } else {
                "Asking PagerDuty…"
            };
            frame.render_widget(
                Paragraph::new(Span::styled(text, screen.theme.muted)),
                inner,
            );
            return;
        }
        let now: DateTime<Utc> = screen.clock.into();
        let body_rows = shown(&rows, &self.list, inner).map(|(n, (incident, entities))| {
            let (entity, owner) = entity_and_owner(screen.catalog, entities);
            let style = row_style(
                n == self.list.cursor,
                urgency_style(incident.urgency, screen.theme),
                screen.theme,
            );
            Row::new(vec![
                Cell::from(incident.urgency.as_str()),
                Cell::from(short_duration(incident.age(now))),
                Cell::from(incident.status.as_str()),
                Cell::from(format!("#{}", incident.incident_number)),
                Cell::from(entity),
                Cell::from(owner),
                Cell::from(incident.title.clone()),
            ])
            .style(style)
        });
        draw_table(
            frame,
            inner,
            Row::new([
                "URGENCY", "AGE", "STATUS", "NUMBER", "ENTITY", "OWNER", "TITLE",
            ])
            .style(screen.theme.heading),
            body_rows,
            [
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(13),
                Constraint::Length(7),
                Constraint::Percentage(22),
                Constraint::Percentage(18),
                Constraint::Fill(1),
            ],
        );
    }

    fn draw_inbox(&self, frame: &mut Frame, area: Rect, screen: Screen) {
        let who = match self.mine.user {
            Some(id) => screen.catalog.entity(id).reference.short(),
            None => self.identity.clone().unwrap_or_else(|| "you".into()),
        };
        let items = self.inbox_items(screen.catalog);
        let title = format!(
            " My inbox: {who} · {} need you now · {} ",
            items.len(),
            screen.refresh
        );
        let inner = draw_block(
            frame,
            area,
            self.frame_block(title, self.live.all.note(screen.clock), screen.theme),
        );
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        let teams = if let Some(problem) = &self.mine.problem {
            Line::from(Span::styled(problem.clone(), screen.theme.warning))
        } else {
            let names: Vec<String> = self
                .mine
                .teams
                .iter()
                .map(|&t| screen.catalog.entity(t).reference.short())
                .collect();
            Line::from(vec![
                Span::styled("teams ", screen.theme.muted),
                Span::styled(names.join(", "), screen.theme.base),
                Span::styled(
                    format!(
                        " · {} services and other entities owned{}",
                        self.mine.owned.len(),
                        if self.github {
                            ""
                        } else {
                            " · CI not shown: GitHub is not configured"
                        }
                    ),
                    screen.theme.muted,
                ),
            ])
        };
        frame.render_widget(Paragraph::new(teams), head);
        if items.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    "Nothing needs you now: no open incident and no failing default branch on your teams' services.",
                    screen.theme.muted,
                )),
                body,
            );
            return;
        }
        let now: DateTime<Utc> = screen.clock.into();
        let rows = shown(&items, &self.list, body).map(|(n, item)| {
            let cells = match item {
                InboxItem::Incident(incident, entities) => {
                    let (entity, _) = entity_and_owner(screen.catalog, entities);
                    vec![
                        format!("incident {}", incident.urgency.as_str()),
                        short_duration(incident.age(now)),
                        entity,
                        format!(
                            "#{} {} ({})",
                            incident.incident_number,
                            incident.title,
                            incident.status.as_str()
                        ),
                    ]
                }
                InboxItem::Ci { entity, slug, run } => vec![
                    "CI failing".into(),
                    short_duration((now - run.created_at).to_std().unwrap_or_default()),
                    screen.catalog.entity(*entity).reference.short(),
                    format!(
                        "{} #{} on {} failed ({slug})",
                        run.name,
                        run.run_number,
                        run.head_branch.as_deref().unwrap_or("-")
                    ),
                ],
            };
            let style = match item {
                InboxItem::Incident(i, _) => urgency_style(i.urgency, screen.theme),
                InboxItem::Ci { .. } => screen.theme.error,
            };
            Row::new(cells).style(row_style(n == self.list.cursor, style, screen.theme))
        });
        draw_table(
            frame,
            body,
            Row::new(["WHAT", "AGE", "ENTITY", "DETAIL"]).style(screen.theme.heading),
            rows,
            [
                Constraint::Length(13),
                Constraint::Length(7),
                Constraint::Percentage(28),
                Constraint::Fill(1),
            ],
        );
    }
}

/// What the list and the inbox are drawn with.
#[derive(Clone, Copy)]
struct Screen<'a> {
    catalog: &'a Catalog,
    /// The clock for ages.
    clock: SystemTime,
    /// "auto-refresh every 30s, next in 12s", for the title.
    refresh: &'a str,
    theme: &'a Theme,
}

fn urgency_style(urgency: Urgency, theme: &Theme) -> ratatui::style::Style {
    match urgency {
        Urgency::High => theme.error,
        _ => theme.base,
    }
}

/// The first entity of an incident's service and its owner, by name (a table column is narrow;
/// the incident view shows the full references).
pub fn entity_and_owner(catalog: &Catalog, entities: &[EntityId]) -> (String, String) {
    let Some(&id) = entities.first() else {
        return ("(no entity)".into(), "-".into());
    };
    let mut entity = catalog.entity(id).name().to_string();
    if entities.len() > 1 {
        entity.push_str(&format!(" +{}", entities.len() - 1));
    }
    let owner = catalog
        .related(id, RelationType::OwnedBy)
        .next()
        .map_or_else(|| "-".into(), |t| catalog.target_ref(t).name.to_string());
    (entity, owner)
}

/// The integration key to trigger with: the entity's annotation, else an Events API integration
/// of one of its resolved services.
fn integration_key(
    entity: &crate::catalog::Entity,
    services: Option<&[ResolvedService]>,
) -> Option<String> {
    if let Ok(refs) = crate::providers::pagerduty::service_refs(entity) {
        if let Some(key) = refs.iter().find_map(|r| match r {
            ServiceRef::IntegrationKey(key) => Some(key.clone()),
            ServiceRef::ServiceId(_) => None,
        }) {
            return Some(key);
        }
    }
    services?
        .iter()
        .filter_map(|s| s.service.as_ref().ok())
        .flat_map(|s| &s.integrations)
        .filter(|i| i.kind.starts_with("events_api"))
        .find_map(|i| i.integration_key.clone())
}

/// The configured user, their teams and what those own.
pub fn mine(catalog: &Catalog, identity: Option<&str>) -> Mine {
    let Some(text) = identity.map(str::trim).filter(|t| !t.is_empty()) else {
        return Mine {
            problem: Some(
                "no identity: set user under [identity] in config.toml (your User entity) for the inbox".into(),
            ),
            ..Mine::default()
        };
    };
    let reference = if text.contains(':') {
        text.to_string()
    } else {
        format!("user:{text}")
    };
    let user = match catalog.resolve(&reference) {
        Ok(id) if catalog.entity(id).is_kind("User") => id,
        _ => {
            return Mine {
                problem: Some(format!(
                    "[identity] user {text:?} is no User entity of this catalog"
                )),
                ..Mine::default()
            }
        }
    };
    let teams: Vec<EntityId> = catalog
        .related(user, RelationType::MemberOf)
        .filter_map(|t| match t {
            Target::Entity(id) => Some(id),
            Target::Missing(_) => None,
        })
        .collect();
    let mut owned: Vec<EntityId> = teams
        .iter()
        .flat_map(|&team| catalog.related(team, RelationType::OwnerOf))
        .chain(catalog.related(user, RelationType::OwnerOf))
        .filter_map(|t| match t {
            Target::Entity(id) => Some(id),
            Target::Missing(_) => None,
        })
        .collect();
    owned.sort_unstable();
    owned.dedup();
    Mine {
        user: Some(user),
        teams,
        owned,
        problem: None,
    }
}
