//! The Incidents pane's state: the service map, the user's teams, what arrived, the cursor, the
//! view and the question open; with the lookups that read it (the rows, the inbox, the selection).

use super::live::Live;
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::github::{self, RunState, WorkflowRun};
use crate::providers::pagerduty::{
    Incident, IncidentAction, ResolvedService, ServiceMap, ServiceRef, TriggerEvent,
};
use crate::providers::ProviderError;
use crate::tui::panes::cicd::Outgoing;
use crate::tui::panes::incident_view::IncidentView;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::cursor::ListCursor;
use std::time::{Duration, Instant, SystemTime};

pub const ANNOTATIONS: [&str; 2] = ["pagerduty.com/service-id", "pagerduty.com/integration-key"];

/// The requester name of the catalog-wide list (answers are addressed to it).
pub const ALL_KEY: &str = "incidents:all";

/// The requester name of the search's reverse lookup (an incident number typed in the filter).
pub const LOOKUP_KEY: &str = "incidents:lookup";

/// How often the open incidents are asked again while the pane or the view is on screen.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

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
    pub(super) shown_second: Option<u64>,
}

impl IncidentsPane {
    pub(super) fn now(&self) -> SystemTime {
        self.now.unwrap_or_else(SystemTime::now)
    }

    /// Seconds until the next refresh, for the title.
    pub fn next_in(&self, now: Instant) -> Option<u64> {
        self.next_refresh
            .map(|due| due.saturating_duration_since(now).as_secs())
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

    /// Rows of the list (or the inbox) on screen.
    pub fn len(&self, catalog: &Catalog) -> usize {
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

    /// The entity of the view, else the one under the list's cursor.
    pub fn row_entity(&self, catalog: &Catalog) -> Option<EntityId> {
        match &self.view {
            Some(view) => Some(view.id),
            None => self.selected_entity(catalog),
        }
    }

    /// The entity under the cursor of the list (or the inbox).
    pub(super) fn selected_entity(&self, catalog: &Catalog) -> Option<EntityId> {
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
}

/// The integration key to trigger with: the entity's annotation, else an Events API integration
/// of one of its resolved services.
pub(super) fn integration_key(
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
