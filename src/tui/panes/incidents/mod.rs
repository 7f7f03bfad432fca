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

mod draw;
pub mod live;
mod model;
mod preview;

pub use draw::entity_and_owner;
pub use live::{Feed, Live, TIMELINES_PER_VIEW};
use model::integration_key;
pub use model::{
    mine, InboxItem, IncidentsPane, Lookup, Mine, Pending, ALL_KEY, ANNOTATIONS, LOOKUP_KEY,
    REFRESH_EVERY,
};

use super::cicd::Outgoing;
use super::incident_view::IncidentView;
use super::{count_annotated, ProviderEnv};
use crate::catalog::{Catalog, EntityId};
use crate::providers::github;
use crate::providers::pagerduty::{
    self, Incident, IncidentAction, OnCallChain, OpenIncidents, ResolvedService, ServiceMap,
    Severity, TriggerEvent,
};
use crate::providers::{ProviderMessage, Request};
use crate::tui::action::Action;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::cursor::{scroll, ListCursor};
use std::time::Instant;

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
                    "incident {} is on {}",
                    incident.headline(),
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
        matches!(self.view.take(), Some(view) if view.from_list)
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
        let (fetched_at, from_cache) = (message.fetched_at, message.from_cache);
        match message.request.clone() {
            Request::PdIncidents { entity_key, .. } => {
                let result = message.result::<OpenIncidents>();
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
            Request::PdServices { entity_key, .. } if entity_key == LOOKUP_KEY => {
                let result = message.result::<Vec<ResolvedService>>();
                if let Ok(resolved) = &result {
                    self.map.teach_services(resolved);
                }
                self.lookup_notice(catalog);
                false
            }
            Request::PdIncident {
                entity_key,
                incident,
            } if entity_key == LOOKUP_KEY => {
                let Some(lookup) = &mut self.lookup else {
                    return false;
                };
                if pagerduty::parse_incident_ref(&lookup.query) != Some(incident) {
                    return false; // an answer to an earlier query
                }
                match message.result() {
                    Ok(found) => {
                        lookup.incident = Some(found);
                        lookup.error = None;
                    }
                    Err(err) => lookup.error = Some(err),
                }
                self.lookup_notice(catalog);
                true
            }
            Request::PdServices { entity_key, .. } => {
                let result = message.result::<Vec<ResolvedService>>();
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
            Request::PdOnCall {
                entity_key,
                escalation_policy_id,
            } => {
                let result = message.result::<OnCallChain>();
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
            Request::PdUser { user_id, .. } => {
                self.live.users.entry(user_id).or_default().take(
                    message.result(),
                    fetched_at,
                    from_cache,
                );
                true
            }
            Request::PdLogEntries { incident_id, .. } => {
                self.live.timelines.entry(incident_id).or_default().take(
                    message.result(),
                    fetched_at,
                    from_cache,
                );
                true
            }
            Request::PdUpdateIncident {
                incident_id,
                action,
                ..
            } => {
                match message.result::<Incident>() {
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
            Request::PdTrigger { event, .. } => {
                match message.result::<pagerduty::TriggerReceipt>() {
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
            Request::CiRuns { slug, .. } => {
                self.live
                    .runs
                    .entry(slug.to_ascii_lowercase())
                    .or_default()
                    .take(message.result(), fetched_at, from_cache);
                self.view.is_some() || self.inbox
            }
            Request::DefaultBranch { slug, .. } => {
                let branch = message.result();
                self.live.branches.insert(slug.to_ascii_lowercase(), branch);
                self.inbox
            }
            _ => false,
        }
    }
}
