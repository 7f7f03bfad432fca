//! PagerDuty: open incidents, who is on call, users' contact methods, incident timelines, and the
//! actions (acknowledge, resolve, trigger), read through the one [`Client`] (timeouts, retries,
//! rate limits, cache, redaction) and turned into plain structs that panes and the CLI read.
//!
//! - **REST API v2** (`PAGERDUTY_API_URL`, default `https://api.pagerduty.com`; EU accounts use
//!   `https://api.eu.pagerduty.com`): `Authorization: Token token=…`,
//!   `Accept: application/vnd.pagerduty+json;version=2`. Lists use offset pagination
//!   (`limit`/`offset`/`more`), followed to the end (at most [`MAX_PAGES`] pages).
//! - **Events API v2** (`PAGERDUTY_EVENTS_URL`, default `https://events.pagerduty.com`):
//!   `POST /v2/enqueue`, authenticated by the routing key in the body (the service's integration
//!   key), never by the REST token.
//!
//! An entity's services come from `pagerduty.com/service-id` (comma-separated: several), or from
//! `pagerduty.com/integration-key` resolved to its service as PagerDuty's Backstage plugin does it
//! (`GET /services?query=KEY&include[]=integrations`, in `PagerDuty/backstage-plugins`,
//! `getServiceByIntegrationKey`). PagerDuty documents `query` as a match on names, so the service is
//! taken only when one of its integrations has that `integration_key`; otherwise every service is
//! listed (`GET /services?include[]=integrations`) and the one holding the key is taken. The mapping
//! is kept in memory and in the disk cache for a day ([`KEY_MAPPING_WINDOW`]).
//!
//! PagerDuty answers 429 with `ratelimit-reset` (seconds), which the shared client reads: a short
//! wait is waited out, a long one fails with the time it ends. A 429 without it is one the client
//! cannot time (it says "in a minute" and fails at once); such a 429 is retried here with the
//! client's backoff (`GREENROOM_HTTP_RETRIES` times).
//!
//! The integration key travels in `GET /services?query=KEY`: logs and errors mask `query`.

use super::cache::Entry;
use super::http::{CachePolicy, CacheStatus, Call, Client, Service as Api};
use super::{Fetched, ProviderError};
use crate::catalog::{Catalog, Entity, EntityId};
use crate::config::{Config, Secret};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use url::Url;

pub const SERVICE_ID_ANNOTATION: &str = "pagerduty.com/service-id";
pub const INTEGRATION_KEY_ANNOTATION: &str = "pagerduty.com/integration-key";
const TOKEN_HINT: &str = "check PAGERDUTY_TOKEN or token under [pagerduty] in config.toml (a REST API key), and PAGERDUTY_API_URL for EU accounts";
const SERVICE: &str = "PagerDuty";
const EVENTS: &str = "PagerDuty Events";

/// Items asked per page (PagerDuty's maximum for incidents).
pub const PAGE_LIMIT: usize = 100;
/// Pages followed at most per list: 5,000 items.
pub const MAX_PAGES: usize = 50;
/// Service IDs per `/incidents` request (keeps URLs short for catalogs with hundreds of services).
pub const SERVICES_PER_REQUEST: usize = 50;
/// How long an integration key's service is trusted without asking again.
pub const KEY_MAPPING_WINDOW: Duration = Duration::from_secs(24 * 3600);

// ---------------------------------------------------------------------------------------------
// Mapping entities to services
// ---------------------------------------------------------------------------------------------

/// How an entity names a PagerDuty service.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum ServiceRef {
    /// `pagerduty.com/service-id`
    ServiceId(String),
    /// `pagerduty.com/integration-key`, resolved to its service by [`PagerDuty::resolve`].
    IntegrationKey(String),
}

impl std::fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceRef::ServiceId(id) => write!(f, "service {id}"),
            ServiceRef::IntegrationKey(key) => write!(f, "integration key {key}"),
        }
    }
}

/// A PagerDuty object ID (`PX4T9QZ`, `Q0RIJJZL24RC6W`): letters and digits only, so it can go into a
/// URL path as it is.
pub fn is_pagerduty_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The well-formed IDs among `ids`, sorted, each once: what goes into a query.
fn distinct_ids(ids: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = ids
        .iter()
        .filter(|id| is_pagerduty_id(id))
        .cloned()
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Whether the entity has either PagerDuty annotation.
pub fn is_annotated(entity: &Entity) -> bool {
    entity.annotation(SERVICE_ID_ANNOTATION).is_some()
        || entity.annotation(INTEGRATION_KEY_ANNOTATION).is_some()
}

/// The entity's services: every `pagerduty.com/service-id` (comma-separated), then every
/// `pagerduty.com/integration-key`; or why there are none ([`ProviderError::NoService`]).
pub fn service_refs(entity: &Entity) -> Result<Vec<ServiceRef>, ProviderError> {
    let split = |key: &str| -> Vec<String> {
        entity
            .annotation(key)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut refs = Vec::new();
    for id in split(SERVICE_ID_ANNOTATION) {
        if !is_pagerduty_id(&id) {
            return Err(ProviderError::NoService {
                entity: entity.key(),
                detail: format!("{SERVICE_ID_ANNOTATION} {id:?}, which is not a PagerDuty service ID (letters and digits, e.g. PX4T9QZ)"),
            });
        }
        refs.push(ServiceRef::ServiceId(id));
    }
    for key in split(INTEGRATION_KEY_ANNOTATION) {
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ProviderError::NoService { entity: entity.key(), detail: format!("{INTEGRATION_KEY_ANNOTATION} with spaces in it, which is not an integration key") });
        }
        refs.push(ServiceRef::IntegrationKey(key));
    }
    if refs.is_empty() {
        return Err(ProviderError::NoService {
            entity: entity.key(),
            detail: format!("no {SERVICE_ID_ANNOTATION} or {INTEGRATION_KEY_ANNOTATION} annotation (add metadata.annotations {SERVICE_ID_ANNOTATION}: PABC123)"),
        });
    }
    let mut seen = BTreeSet::new();
    refs.retain(|r| seen.insert(r.clone()));
    Ok(refs)
}

/// Which entities stand for which PagerDuty services, both ways: built from the catalog's
/// annotations, taught the services of integration keys as they are resolved
/// ([`ServiceMap::learn`]). The incidents pane ties each incident to its entities with it, and the
/// search finds the entity of an incident number ([`ServiceMap::entities_of_incident`]).
#[derive(Clone, Debug, Default)]
pub struct ServiceMap {
    by_service: HashMap<String, Vec<EntityId>>,
    by_key: HashMap<String, Vec<EntityId>>,
    key_service: HashMap<String, String>,
    /// Annotated entities whose annotations cannot be used, with why.
    pub unusable: Vec<(EntityId, ProviderError)>,
}

impl ServiceMap {
    /// Every annotated entity of the catalog.
    pub fn build(catalog: &Catalog) -> ServiceMap {
        ServiceMap::of(catalog, 0..catalog.len() as EntityId)
    }

    /// These entities (those without annotations are skipped).
    pub fn of(catalog: &Catalog, ids: impl IntoIterator<Item = EntityId>) -> ServiceMap {
        let mut map = ServiceMap::default();
        for id in ids {
            let entity = catalog.entity(id);
            if !is_annotated(entity) {
                continue;
            }
            match service_refs(entity) {
                Ok(refs) => {
                    for reference in refs {
                        let list = match reference {
                            ServiceRef::ServiceId(service) => {
                                map.by_service.entry(service).or_default()
                            }
                            ServiceRef::IntegrationKey(key) => map.by_key.entry(key).or_default(),
                        };
                        if !list.contains(&id) {
                            list.push(id);
                        }
                    }
                }
                Err(err) => map.unusable.push((id, err)),
            }
        }
        map
    }

    pub fn is_empty(&self) -> bool {
        self.by_service.is_empty() && self.by_key.is_empty()
    }

    /// Every distinct reference, service IDs first, sorted.
    pub fn refs(&self) -> Vec<ServiceRef> {
        let mut refs: Vec<ServiceRef> = self
            .by_service
            .keys()
            .cloned()
            .map(ServiceRef::ServiceId)
            .chain(self.by_key.keys().cloned().map(ServiceRef::IntegrationKey))
            .collect();
        refs.sort();
        refs
    }

    /// The entities annotated with this reference.
    pub fn entities_of_ref(&self, reference: &ServiceRef) -> Vec<EntityId> {
        match reference {
            ServiceRef::ServiceId(id) => self.by_service.get(id).cloned().unwrap_or_default(),
            ServiceRef::IntegrationKey(key) => self.by_key.get(key).cloned().unwrap_or_default(),
        }
    }

    /// Records that `key` belongs to `service_id`.
    pub fn learn(&mut self, key: &str, service_id: &str) {
        self.key_service
            .insert(key.to_string(), service_id.to_string());
    }

    /// Learns the integration keys these resolved services hold.
    pub fn teach_services(&mut self, resolved: &[ResolvedService]) {
        for r in resolved {
            if let (ServiceRef::IntegrationKey(key), Ok(service)) = (&r.reference, &r.service) {
                self.learn(key, &service.id);
            }
        }
    }

    /// The integration keys not resolved to a service yet.
    pub fn unlearned_keys(&self) -> Vec<ServiceRef> {
        let mut keys: Vec<ServiceRef> = self
            .by_key
            .keys()
            .filter(|k| !self.key_service.contains_key(*k))
            .cloned()
            .map(ServiceRef::IntegrationKey)
            .collect();
        keys.sort();
        keys
    }

    /// The service an integration key was resolved to, once learned.
    pub fn service_of_key(&self, key: &str) -> Option<&str> {
        self.key_service.get(key).map(String::as_str)
    }

    /// The entities of a service: annotated with its ID, or with an integration key learned to be
    /// its. Sorted, no repeats.
    pub fn entities_of_service(&self, service_id: &str) -> Vec<EntityId> {
        let mut ids: Vec<EntityId> = self.by_service.get(service_id).cloned().unwrap_or_default();
        for (key, service) in &self.key_service {
            if service == service_id {
                ids.extend(self.by_key.get(key).into_iter().flatten().copied());
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The entities of an incident's service (the reverse lookup: incident → service → entity).
    pub fn entities_of_incident(&self, incident: &Incident) -> Vec<EntityId> {
        self.entities_of_service(&incident.service.id)
    }
}

/// What a user may type to name an incident: `#1234` / `1234` (its number) or its ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncidentRef {
    Number(u64),
    Id(String),
}

impl IncidentRef {
    /// The path segment for `GET /incidents/{id}`, which accepts an ID or a number.
    pub fn path_segment(&self) -> String {
        match self {
            IncidentRef::Number(n) => n.to_string(),
            IncidentRef::Id(id) => id.clone(),
        }
    }
}

/// `#1234`, `1234` or a PagerDuty incident ID (`PT4KHLK`, `Q0RIJJZL24RC6W`: 7 to 14 upper-case
/// letters and digits starting with P or Q, with at least one digit). For the search: text that is
/// none of these is not an incident reference.
pub fn parse_incident_ref(text: &str) -> Option<IncidentRef> {
    let text = text.trim();
    let digits = text.strip_prefix('#').unwrap_or(text);
    if !digits.is_empty() && digits.len() <= 12 && digits.chars().all(|c| c.is_ascii_digit()) {
        return digits
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .map(IncidentRef::Number);
    }
    let id_like = (7..=14).contains(&text.len())
        && (text.starts_with('P') || text.starts_with('Q'))
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && text.chars().any(|c| c.is_ascii_digit());
    id_like.then(|| IncidentRef::Id(text.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Plain data
// ---------------------------------------------------------------------------------------------

/// A reference to another PagerDuty object: its ID and the name PagerDuty shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reference {
    pub id: String,
    pub summary: String,
    pub html_url: Option<String>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Triggered,
    Acknowledged,
    Resolved,
    /// Anything PagerDuty adds later.
    #[serde(other)]
    Other,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Triggered => "triggered",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Other => "other",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            IncidentStatus::Triggered | IncidentStatus::Acknowledged
        )
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    High,
    Low,
    #[serde(other)]
    Other,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::High => "high",
            Urgency::Low => "low",
            Urgency::Other => "-",
        }
    }
}

/// Who an incident is assigned to, since when.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub at: Option<DateTime<Utc>>,
    pub assignee: Reference,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Incident {
    pub id: String,
    pub incident_number: u64,
    pub title: String,
    pub status: IncidentStatus,
    pub urgency: Urgency,
    pub created_at: DateTime<Utc>,
    pub service: Reference,
    pub escalation_policy: Option<Reference>,
    pub assignments: Vec<Assignment>,
    /// The priority's name (`P1`), when the account uses priorities.
    pub priority: Option<String>,
    pub html_url: String,
}

impl Incident {
    /// How long it has been open (since it was created).
    pub fn age(&self, now: DateTime<Utc>) -> Duration {
        (now - self.created_at).to_std().unwrap_or_default()
    }

    pub fn assignees(&self) -> impl Iterator<Item = &str> {
        self.assignments.iter().map(|a| a.assignee.summary.as_str())
    }
}

/// The order people read incidents in: high urgency first, then triggered before acknowledged,
/// then newest first.
pub fn sort_incidents(incidents: &mut [Incident]) {
    let rank = |i: &Incident| {
        let urgency = match i.urgency {
            Urgency::High => 0,
            Urgency::Low => 1,
            Urgency::Other => 2,
        };
        let status = match i.status {
            IncidentStatus::Triggered => 0,
            IncidentStatus::Acknowledged => 1,
            _ => 2,
        };
        (
            urgency,
            status,
            std::cmp::Reverse(i.created_at),
            i.incident_number,
        )
    };
    incidents.sort_by_key(rank);
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OnCallUser {
    pub id: String,
    pub name: String,
    /// Present when the on-calls were asked with `include[]=users` (they are).
    pub email: Option<String>,
    pub html_url: Option<String>,
}

/// Someone on call now at one level of an escalation policy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OnCall {
    pub escalation_level: u32,
    pub user: OnCallUser,
    pub escalation_policy: Reference,
    /// `None` when the escalation rule names the user directly (no schedule).
    pub schedule: Option<Reference>,
    /// `None` when the on-call has no bounds (always on call at this level).
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// Who is on call now for an escalation policy: level 1 first; within a level by name; each
/// person once per level.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OnCallChain {
    pub escalation_policy_id: String,
    pub oncalls: Vec<OnCall>,
}

impl OnCallChain {
    /// The first level's people: who gets paged first.
    pub fn first(&self) -> impl Iterator<Item = &OnCall> {
        let level = self.oncalls.first().map(|o| o.escalation_level);
        self.oncalls
            .iter()
            .filter(move |o| Some(o.escalation_level) == level)
    }
}

/// Orders on-calls by level, then name, and drops repeats of a person at a level (one per
/// schedule they are on).
pub fn order_oncalls(oncalls: &mut Vec<OnCall>) {
    oncalls.sort_by(|a, b| {
        (
            a.escalation_level,
            a.escalation_policy.id.as_str(),
            a.user.name.to_lowercase(),
            a.user.id.as_str(),
        )
            .cmp(&(
                b.escalation_level,
                b.escalation_policy.id.as_str(),
                b.user.name.to_lowercase(),
                b.user.id.as_str(),
            ))
    });
    let mut seen = BTreeSet::new();
    oncalls.retain(|o| {
        seen.insert((
            o.escalation_policy.id.clone(),
            o.escalation_level,
            o.user.id.clone(),
        ))
    });
}

/// How to reach someone: `type` is `email_contact_method`, `phone_contact_method`,
/// `sms_contact_method`, `push_notification_contact_method`, …
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ContactMethod {
    #[serde(rename = "type")]
    pub kind: String,
    pub address: String,
    pub label: String,
    pub country_code: Option<u32>,
}

impl ContactMethod {
    /// `email`, `phone`, `sms`, `push`, …
    pub fn short_kind(&self) -> &str {
        let kind = self
            .kind
            .trim_end_matches("_reference")
            .trim_end_matches("_contact_method");
        kind.strip_suffix("_notification").unwrap_or(kind)
    }

    /// The address as a person dials or writes it: `+44 7700900123` for phones.
    pub fn display_address(&self) -> String {
        match self.country_code {
            Some(code) if matches!(self.short_kind(), "phone" | "sms" | "whatsapp") => {
                format!("+{code} {}", self.address)
            }
            _ => self.address.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub html_url: Option<String>,
    pub time_zone: Option<String>,
    /// Expanded contact methods (references without an address are left out).
    pub contact_methods: Vec<ContactMethod>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Integration {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    /// The routing key of an Events API integration (present with `include[]=integrations`).
    pub integration_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub html_url: Option<String>,
    /// `active`, `warning`, `critical`, `maintenance`, `disabled`.
    pub status: Option<String>,
    pub escalation_policy: Option<Reference>,
    pub integrations: Vec<Integration>,
}

impl Service {
    pub fn has_integration_key(&self, key: &str) -> bool {
        self.integrations.iter().any(|i| {
            i.integration_key
                .as_deref()
                .is_some_and(|k| k.trim().eq_ignore_ascii_case(key.trim()))
        })
    }
}

/// One line of an incident's timeline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogEntry {
    pub id: String,
    /// `trigger_log_entry`, `acknowledge_log_entry`, `notify_log_entry`, `resolve_log_entry`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    /// Who or what did it (a user, a service, an integration).
    pub agent: Option<Reference>,
    /// How (`api`, `website`, `email`, `auto`, …).
    pub channel: Option<String>,
}

impl LogEntry {
    /// `trigger`, `acknowledge`, `notify`, `resolve`, …
    pub fn short_kind(&self) -> &str {
        self.kind
            .trim_end_matches("_reference")
            .trim_end_matches("_log_entry")
    }
}

/// A reference with what it resolved to (a service, or why not).
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedService {
    pub reference: ServiceRef,
    pub service: Result<Service, ProviderError>,
}

/// Open incidents of a set of references, with what each reference resolved to (integration keys
/// to service IDs; a reference that could not be resolved has its error and no incidents).
#[derive(Clone, Debug, PartialEq)]
pub struct OpenIncidents {
    pub incidents: Vec<Incident>,
    pub services: Vec<(ServiceRef, Result<String, ProviderError>)>,
}

impl OpenIncidents {
    /// Teaches the map the integration keys resolved here.
    pub fn teach(&self, map: &mut ServiceMap) {
        for (reference, result) in &self.services {
            if let (ServiceRef::IntegrationKey(key), Ok(service)) = (reference, result) {
                map.learn(key, service);
            }
        }
    }
}

/// Acknowledge or resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentAction {
    Acknowledge,
    Resolve,
}

impl IncidentAction {
    /// The status sent.
    pub fn status(self) -> &'static str {
        match self {
            IncidentAction::Acknowledge => "acknowledged",
            IncidentAction::Resolve => "resolved",
        }
    }

    /// Whether an incident in `status` needs this action no more (a resolved one is past
    /// acknowledging).
    fn done_in(self, status: IncidentStatus) -> bool {
        match self {
            IncidentAction::Acknowledge => {
                matches!(
                    status,
                    IncidentStatus::Acknowledged | IncidentStatus::Resolved
                )
            }
            IncidentAction::Resolve => status == IncidentStatus::Resolved,
        }
    }
}

/// Whether a write that failed may still have been applied: its answer was a server error, or
/// never came. (A refused connection or a 429 was not applied; the client retries those itself.)
fn may_have_landed(err: &ProviderError) -> bool {
    matches!(
        err,
        ProviderError::Server { .. } | ProviderError::Timeout { .. }
    )
}

/// The Events API's severities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    #[default]
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A new incident for the Events API v2.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TriggerEvent {
    /// The service's integration key (`pagerduty.com/integration-key`).
    pub routing_key: String,
    pub summary: String,
    /// Where it comes from (greenroom sends the entity reference).
    pub source: String,
    pub severity: Severity,
}

/// What the Events API said.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TriggerReceipt {
    pub status: String,
    pub message: String,
    /// The alert's de-duplication key (to trigger or resolve the same alert again).
    pub dedup_key: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Wire shapes (PagerDuty's REST API reference; tests/fixtures/pagerduty/)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct RawRef {
    id: String,
    summary: Option<String>,
    name: Option<String>,
    html_url: Option<String>,
}

impl RawRef {
    fn plain(self) -> Reference {
        Reference {
            summary: self.summary.or(self.name).unwrap_or_default(),
            id: self.id,
            html_url: self.html_url,
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawAssignment {
    at: Option<DateTime<Utc>>,
    assignee: RawRef,
}

#[derive(Debug, Deserialize)]
struct RawIncident {
    id: String,
    incident_number: u64,
    title: Option<String>,
    summary: Option<String>,
    status: IncidentStatus,
    urgency: Option<Urgency>,
    created_at: DateTime<Utc>,
    service: RawRef,
    escalation_policy: Option<RawRef>,
    #[serde(default)]
    assignments: Vec<RawAssignment>,
    priority: Option<RawRef>,
    #[serde(default)]
    html_url: String,
}

impl RawIncident {
    fn plain(self) -> Incident {
        Incident {
            id: self.id,
            incident_number: self.incident_number,
            title: self.title.or(self.summary).unwrap_or_default(),
            status: self.status,
            urgency: self.urgency.unwrap_or(Urgency::Other),
            created_at: self.created_at,
            service: self.service.plain(),
            escalation_policy: self.escalation_policy.map(RawRef::plain),
            assignments: self
                .assignments
                .into_iter()
                .map(|a| Assignment {
                    at: a.at,
                    assignee: a.assignee.plain(),
                })
                .collect(),
            priority: self
                .priority
                .map(|p| p.plain().summary)
                .filter(|p| !p.is_empty()),
            html_url: self.html_url,
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawUserRef {
    id: String,
    summary: Option<String>,
    name: Option<String>,
    email: Option<String>,
    html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawOnCall {
    escalation_level: u32,
    user: RawUserRef,
    escalation_policy: RawRef,
    schedule: Option<RawRef>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

impl RawOnCall {
    fn plain(self) -> OnCall {
        let u = self.user;
        OnCall {
            escalation_level: self.escalation_level,
            user: OnCallUser {
                name: u.name.or(u.summary).unwrap_or_else(|| u.id.clone()),
                id: u.id,
                email: u.email,
                html_url: u.html_url,
            },
            escalation_policy: self.escalation_policy.plain(),
            schedule: self.schedule.map(RawRef::plain),
            start: self.start,
            end: self.end,
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawContactMethod {
    #[serde(rename = "type")]
    kind: String,
    address: Option<String>,
    label: Option<String>,
    summary: Option<String>,
    country_code: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct RawUser {
    id: String,
    name: Option<String>,
    summary: Option<String>,
    email: Option<String>,
    html_url: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    contact_methods: Vec<RawContactMethod>,
}

impl RawUser {
    fn plain(self) -> User {
        User {
            name: self
                .name
                .or(self.summary)
                .unwrap_or_else(|| self.id.clone()),
            id: self.id,
            email: self.email,
            html_url: self.html_url,
            time_zone: self.time_zone,
            contact_methods: self
                .contact_methods
                .into_iter()
                .filter_map(|c| {
                    let address = c.address?;
                    Some(ContactMethod {
                        kind: c.kind,
                        address,
                        label: c.label.or(c.summary).unwrap_or_default(),
                        country_code: c.country_code,
                    })
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawIntegration {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    name: Option<String>,
    summary: Option<String>,
    integration_key: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawService {
    id: String,
    name: Option<String>,
    summary: Option<String>,
    html_url: Option<String>,
    status: Option<String>,
    escalation_policy: Option<RawRef>,
    #[serde(default)]
    integrations: Vec<RawIntegration>,
}

impl RawService {
    fn plain(self) -> Service {
        Service {
            name: self
                .name
                .or(self.summary)
                .unwrap_or_else(|| self.id.clone()),
            id: self.id,
            html_url: self.html_url,
            status: self.status,
            escalation_policy: self.escalation_policy.map(RawRef::plain),
            integrations: self
                .integrations
                .into_iter()
                .map(|i| Integration {
                    id: i.id,
                    kind: i.kind,
                    name: i.name.or(i.summary),
                    integration_key: i.integration_key,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawChannel {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawLogEntry {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    summary: Option<String>,
    created_at: DateTime<Utc>,
    agent: Option<RawRef>,
    channel: Option<RawChannel>,
}

impl RawLogEntry {
    fn plain(self) -> LogEntry {
        LogEntry {
            id: self.id,
            summary: self.summary.unwrap_or_else(|| self.kind.clone()),
            kind: self.kind,
            created_at: self.created_at,
            agent: self.agent.map(RawRef::plain),
            channel: self.channel.and_then(|c| c.kind),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawReceipt {
    status: Option<String>,
    message: Option<String>,
    dedup_key: Option<String>,
}

/// `field` of a JSON object into a wire type; errors name the field (`incidents[0].id: …`).
fn parse_field<T: serde::de::DeserializeOwned>(
    body: &[u8],
    field: &str,
) -> Result<(T, bool), String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| format!("not the expected JSON: {err}"))?;
    let serde_json::Value::Object(mut object) = value else {
        return Err("not the expected JSON: not an object".into());
    };
    let more = object
        .get("more")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let inner = object
        .remove(field)
        .ok_or_else(|| format!("not the expected JSON: no {field:?} field"))?;
    let parsed = serde_path_to_error::deserialize(inner).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path.is_empty() || path == "." {
            format!("{field}: {inner}")
        } else if path.starts_with('[') {
            format!("{field}{path}: {inner}")
        } else {
            format!("{field}.{path}: {inner}")
        }
    })?;
    Ok((parsed, more))
}

/// Decodes `body` as each answer the client reads (incidents, an incident, on-calls, services, a
/// user, log entries, an Events API receipt) through the same parsing and conversions; how many
/// kinds it decoded. For the fuzz target `provider_answers`: any bytes from a server must end in
/// an error, never a panic.
pub fn decode_all(body: &[u8]) -> usize {
    let decoded = [
        parse_field::<Vec<RawIncident>>(body, "incidents")
            .map(|(v, _)| v.into_iter().map(RawIncident::plain).count()),
        parse_field::<RawIncident>(body, "incident").map(|(v, _)| [v.plain()].len()),
        parse_field::<Vec<RawOnCall>>(body, "oncalls")
            .map(|(v, _)| v.into_iter().map(RawOnCall::plain).count()),
        parse_field::<Vec<RawService>>(body, "services")
            .map(|(v, _)| v.into_iter().map(RawService::plain).count()),
        parse_field::<RawUser>(body, "user").map(|(v, _)| [v.plain()].len()),
        parse_field::<Vec<RawLogEntry>>(body, "log_entries")
            .map(|(v, _)| v.into_iter().map(RawLogEntry::plain).count()),
        serde_json::from_slice::<RawReceipt>(body)
            .map(|_| 1)
            .map_err(|e| e.to_string()),
    ];
    decoded.iter().filter(|d| d.is_ok()).count()
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/// Where PagerDuty is and who the user is there.
#[derive(Clone, Debug)]
pub struct PagerDutySettings {
    pub api_url: String,
    pub events_url: String,
    pub token: Option<Secret>,
    /// The user's PagerDuty login, sent as `From` when acknowledging or resolving.
    pub from_email: Option<String>,
}

impl Default for PagerDutySettings {
    fn default() -> Self {
        PagerDutySettings {
            api_url: "https://api.pagerduty.com".into(),
            events_url: "https://events.pagerduty.com".into(),
            token: None,
            from_email: None,
        }
    }
}

impl PagerDutySettings {
    /// `PAGERDUTY_TOKEN` / `[pagerduty] token`, `PAGERDUTY_API_URL`, `PAGERDUTY_EVENTS_URL`,
    /// `[pagerduty] from_email`.
    pub fn from_config(config: &Config) -> PagerDutySettings {
        PagerDutySettings {
            api_url: config.pagerduty_api_url(),
            events_url: config.pagerduty_events_url(),
            token: config.pagerduty_token(),
            from_email: config
                .pagerduty
                .from_email
                .clone()
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty()),
        }
    }

    /// Whether a token is set (the REST API can be asked).
    pub fn is_configured(&self) -> bool {
        self.token
            .as_ref()
            .is_some_and(|t| !t.expose().trim().is_empty())
    }
}

pub fn not_configured() -> ProviderError {
    ProviderError::NotConfigured {
        service: SERVICE,
        hint: "no PagerDuty token: set PAGERDUTY_TOKEN (a REST API key) or token under [pagerduty] in config.toml; EU accounts also set PAGERDUTY_API_URL=https://api.eu.pagerduty.com".into(),
    }
}

fn no_from_email() -> ProviderError {
    ProviderError::NotConfigured {
        service: SERVICE,
        hint: "acknowledging and resolving need your PagerDuty login email, sent as From: set from_email under [pagerduty] in config.toml".into(),
    }
}

/// Where a read looks: the network (with a cache policy), or the disk cache alone.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Network(CachePolicy),
    Stored,
}

/// Why a read has no answer: nothing stored (cache-only reads), or an error.
enum Miss {
    NotStored,
    Failed(ProviderError),
}

impl From<ProviderError> for Miss {
    fn from(err: ProviderError) -> Self {
        Miss::Failed(err)
    }
}

type Got<T> = Result<Fetched<T>, Miss>;

fn network<T>(result: Got<T>) -> Result<Fetched<T>, ProviderError> {
    result.map_err(|miss| match miss {
        Miss::Failed(err) => err,
        // Network reads always have an answer or an error.
        Miss::NotStored => ProviderError::BadResponse {
            service: SERVICE,
            target: String::new(),
            detail: "no answer".into(),
        },
    })
}

fn stored<T>(result: Got<T>) -> Option<Fetched<T>> {
    result.ok()
}

/// A PagerDuty connection: the REST and Events services over the shared client.
#[derive(Clone)]
pub struct PagerDuty {
    client: Arc<Client>,
    api: Api,
    events: Api,
    from_email: Option<String>,
    /// The bare token, to mask it in anything a server said (the header carries `token=…`).
    token: Secret,
    /// Integration keys resolved so far (key → service ID).
    keys: Arc<Mutex<HashMap<String, String>>>,
}

impl PagerDuty {
    /// From the config; `NotConfigured` without a token.
    pub fn from_config(config: &Config, client: Arc<Client>) -> Result<PagerDuty, ProviderError> {
        PagerDuty::new(&PagerDutySettings::from_config(config), client)
    }

    pub fn new(
        settings: &PagerDutySettings,
        client: Arc<Client>,
    ) -> Result<PagerDuty, ProviderError> {
        // A token pasted with a newline or spaces around it still works.
        let token = settings
            .token
            .as_ref()
            .map(|t| Secret::new(t.expose().trim()))
            .filter(|t| !t.is_empty())
            .ok_or_else(not_configured)?;
        let api = Api::new(SERVICE, &settings.api_url, TOKEN_HINT)?
            .header("accept", "application/vnd.pagerduty+json;version=2")
            .secret_param("query")
            .auth("Token", Secret::new(format!("token={}", token.expose())));
        let events = events_api(&settings.events_url)?;
        Ok(PagerDuty {
            client,
            api,
            events,
            from_email: settings.from_email.clone(),
            token,
            keys: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The REST API service (base URL, headers, token).
    pub fn api(&self) -> &Api {
        &self.api
    }

    // ----- reads -------------------------------------------------------------------------------

    /// A GET: the body, when it was confirmed, and whether it came from the cache without a
    /// request. A 429 the client could not time is retried with backoff (see the module docs).
    async fn get(&self, url: &Url, mode: Mode) -> Result<(Vec<u8>, SystemTime, bool), Miss> {
        let policy = match mode {
            Mode::Stored => {
                let entry = self.client.cached(url).ok_or(Miss::NotStored)?;
                return Ok((entry.body, entry.fetched_at, true));
            }
            Mode::Network(policy) => policy,
        };
        let mut attempt = 0;
        loop {
            match self
                .client
                .send(&self.api, Call::get(url.clone()).cache(policy))
                .await
            {
                Ok(response) => {
                    let hit = response.cache == CacheStatus::Hit;
                    let body =
                        self.scrub_body(url, response.body, response.fetched_at, response.cache);
                    return Ok((body, response.fetched_at, hit));
                }
                Err(ProviderError::RateLimited {
                    until: Some(until), ..
                }) if attempt < self.client.options().retries
                    && untimed_429(until, self.client.options().max_wait) =>
                {
                    let options = self.client.options();
                    tokio::time::sleep(
                        options
                            .backoff
                            .saturating_mul(1 << attempt.min(16))
                            .min(options.max_wait),
                    )
                    .await;
                    attempt += 1;
                }
                Err(err) => return Err(Miss::Failed(self.scrub(err))),
            }
        }
    }

    fn bad(&self, method: &str, url: &Url, detail: String) -> ProviderError {
        ProviderError::BadResponse {
            service: SERVICE,
            target: format!("{method} {}", self.api.display_url(url)),
            detail: self.redact(&detail),
        }
    }

    /// `text` with the token masked, with or without the `token=` the header puts before it.
    fn redact(&self, text: &str) -> String {
        let text = self.api.redact(text);
        let bare = self.token.expose();
        if !bare.is_empty() && text.contains(bare) {
            text.replace(bare, "***")
        } else {
            text
        }
    }

    /// A body that holds the token (a server echoing what it was sent) has it masked, in memory and
    /// in the disk cache, so no cache file ever holds it.
    fn scrub_body(
        &self,
        url: &Url,
        body: Vec<u8>,
        fetched_at: SystemTime,
        status: CacheStatus,
    ) -> Vec<u8> {
        let bare = self.token.expose().as_bytes();
        if bare.is_empty() || !body.windows(bare.len()).any(|w| w == bare) {
            return body;
        }
        let masked = String::from_utf8_lossy(&body)
            .replace(self.token.expose(), "***")
            .into_bytes();
        if matches!(status, CacheStatus::Miss | CacheStatus::Revalidated) {
            if let Some(cache) = self.client.cache() {
                let _ = cache.put(
                    url.as_str(),
                    &Entry {
                        url: url.to_string(),
                        etag: None,
                        fetched_at,
                        body: masked.clone(),
                    },
                );
            }
        }
        masked
    }

    /// An error with anything the server said scrubbed of the token.
    fn scrub(&self, err: ProviderError) -> ProviderError {
        match err {
            ProviderError::Forbidden {
                service,
                target,
                message,
            } => ProviderError::Forbidden {
                service,
                target,
                message: self.redact(&message),
            },
            ProviderError::Status {
                service,
                target,
                status,
                message,
            } => ProviderError::Status {
                service,
                target,
                status,
                message: self.redact(&message),
            },
            ProviderError::BadResponse {
                service,
                target,
                detail,
            } => ProviderError::BadResponse {
                service,
                target,
                detail: self.redact(&detail),
            },
            ProviderError::Network {
                service,
                target,
                detail,
            } => ProviderError::Network {
                service,
                target,
                detail: self.redact(&detail),
            },
            other => other,
        }
    }

    /// One object (`field` of the answer).
    async fn one<Raw: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        field: &str,
        mode: Mode,
    ) -> Got<Raw> {
        let (body, fetched_at, hit) = self.get(&url, mode).await?;
        let (raw, _) =
            parse_field::<Raw>(&body, field).map_err(|detail| self.bad("GET", &url, detail))?;
        Ok(Fetched {
            value: raw,
            fetched_at,
            from_cache: hit,
        })
    }

    /// Every item of a list (`field`), following `offset`/`more` to the end, at most
    /// [`MAX_PAGES`] pages. `fetched_at` is the oldest page's; `from_cache` when every page was.
    async fn all<Raw: serde::de::DeserializeOwned>(
        &self,
        base: &Url,
        field: &str,
        mode: Mode,
    ) -> Got<Vec<Raw>> {
        let mut items = Vec::new();
        let mut oldest: Option<SystemTime> = None;
        let mut all_stored = true;
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let mut url = base.clone();
            url.query_pairs_mut()
                .append_pair("limit", &PAGE_LIMIT.to_string())
                .append_pair("offset", &offset.to_string());
            let (body, fetched_at, hit) = self.get(&url, mode).await?;
            let (page, more) = parse_field::<Vec<Raw>>(&body, field)
                .map_err(|detail| self.bad("GET", &url, detail))?;
            oldest = Some(oldest.map_or(fetched_at, |o| o.min(fetched_at)));
            all_stored &= hit;
            let count = page.len();
            items.extend(page);
            if !more || count == 0 {
                break;
            }
            offset += count;
        }
        Ok(Fetched {
            value: items,
            fetched_at: oldest.unwrap_or_else(SystemTime::now),
            from_cache: all_stored,
        })
    }

    /// `GET /incidents?statuses[]=triggered&statuses[]=acknowledged&service_ids[]=…&date_range=all`
    /// for up to [`SERVICES_PER_REQUEST`] services (`date_range=all`: an incident open for months
    /// is still open).
    pub fn incidents_url(&self, service_ids: &[String]) -> Url {
        let mut url = self.api.url("/incidents");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("statuses[]", "triggered")
                .append_pair("statuses[]", "acknowledged");
            for id in service_ids {
                query.append_pair("service_ids[]", id);
            }
            query.append_pair("date_range", "all");
        }
        url
    }

    async fn open_incidents_in(&self, service_ids: &[String], mode: Mode) -> Got<Vec<Incident>> {
        let ids = distinct_ids(service_ids);
        let mut incidents = Vec::new();
        let mut oldest: Option<SystemTime> = None;
        let mut all_stored = true;
        for chunk in ids.chunks(SERVICES_PER_REQUEST) {
            let page = self
                .all::<RawIncident>(&self.incidents_url(chunk), "incidents", mode)
                .await?;
            oldest = Some(oldest.map_or(page.fetched_at, |o| o.min(page.fetched_at)));
            all_stored &= page.from_cache;
            // Only what was asked for: a server that ignores the filter (a proxy, the demo API,
            // which ignores queries) must not put other services' incidents on an entity.
            incidents.extend(
                page.value
                    .into_iter()
                    .map(RawIncident::plain)
                    .filter(|i| i.status.is_open() && chunk.contains(&i.service.id)),
            );
        }
        let mut seen = BTreeSet::new();
        incidents.retain(|i| seen.insert(i.id.clone()));
        sort_incidents(&mut incidents);
        Ok(Fetched {
            value: incidents,
            fetched_at: oldest.unwrap_or_else(SystemTime::now),
            from_cache: all_stored,
        })
    }

    /// Open (triggered and acknowledged) incidents of these services, in [`sort_incidents`] order.
    pub async fn open_incidents(
        &self,
        service_ids: &[String],
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<Incident>>, ProviderError> {
        network(
            self.open_incidents_in(service_ids, Mode::Network(cache))
                .await,
        )
    }

    /// The open incidents stored by an earlier call, without a request.
    pub async fn cached_open_incidents(
        &self,
        service_ids: &[String],
    ) -> Option<Fetched<Vec<Incident>>> {
        stored(self.open_incidents_in(service_ids, Mode::Stored).await)
    }

    async fn incidents_for_in(&self, refs: &[ServiceRef], mode: Mode) -> Got<OpenIncidents> {
        let mut services = Vec::new();
        let mut ids = Vec::new();
        for reference in refs {
            match reference {
                ServiceRef::ServiceId(id) => {
                    ids.push(id.clone());
                    services.push((reference.clone(), Ok(id.clone())));
                }
                ServiceRef::IntegrationKey(key) => {
                    let mode = match mode {
                        Mode::Stored => Mode::Stored,
                        Mode::Network(_) => {
                            Mode::Network(CachePolicy::FreshFor(KEY_MAPPING_WINDOW))
                        }
                    };
                    match self.key_service(key, mode).await {
                        Ok(service) => {
                            ids.push(service.value.id.clone());
                            services.push((reference.clone(), Ok(service.value.id)));
                        }
                        Err(Miss::Failed(err)) => services.push((reference.clone(), Err(err))),
                        Err(Miss::NotStored) => return Err(Miss::NotStored),
                    }
                }
            }
        }
        if ids.is_empty() {
            // Nothing to ask for: every reference failed (or there were none).
            return match services.iter().find_map(|(_, r)| r.as_ref().err()) {
                Some(err) if services.len() == 1 => Err(Miss::Failed(err.clone())),
                _ => Ok(Fetched {
                    value: OpenIncidents {
                        incidents: Vec::new(),
                        services,
                    },
                    fetched_at: SystemTime::now(),
                    from_cache: false,
                }),
            };
        }
        let incidents = self.open_incidents_in(&ids, mode).await?;
        Ok(Fetched {
            value: OpenIncidents {
                incidents: incidents.value,
                services,
            },
            fetched_at: incidents.fetched_at,
            from_cache: incidents.from_cache,
        })
    }

    /// Open incidents of the services these references name (integration keys resolved first).
    pub async fn incidents_for(
        &self,
        refs: &[ServiceRef],
        cache: CachePolicy,
    ) -> Result<Fetched<OpenIncidents>, ProviderError> {
        network(self.incidents_for_in(refs, Mode::Network(cache)).await)
    }

    /// The same, from the disk cache alone (`None` when any part is not stored).
    pub async fn cached_incidents_for(
        &self,
        refs: &[ServiceRef],
    ) -> Option<Fetched<OpenIncidents>> {
        stored(self.incidents_for_in(refs, Mode::Stored).await)
    }

    /// `GET /incidents/{id}`: one incident, by ID or number (the reverse lookup's first step; its
    /// `service` leads to the entity through [`ServiceMap::entities_of_incident`]).
    pub async fn incident(
        &self,
        reference: &IncidentRef,
        cache: CachePolicy,
    ) -> Result<Fetched<Incident>, ProviderError> {
        let segment = reference.path_segment();
        if !is_pagerduty_id(&segment) {
            return Err(ProviderError::Unknown {
                service: SERVICE,
                what: format!("incident {segment:?}"),
                hint: "an incident is named by its number (#1234) or ID (PT4KHLK)".into(),
            });
        }
        let url = self.api.url(&format!("/incidents/{segment}"));
        let raw = network(
            self.one::<RawIncident>(url, "incident", Mode::Network(cache))
                .await,
        )?;
        Ok(Fetched {
            value: raw.value.plain(),
            fetched_at: raw.fetched_at,
            from_cache: raw.from_cache,
        })
    }

    /// `GET /services/{id}?include[]=integrations`
    pub async fn service(
        &self,
        id: &str,
        cache: CachePolicy,
    ) -> Result<Fetched<Service>, ProviderError> {
        network(self.service_in(id, Mode::Network(cache)).await)
    }

    async fn service_in(&self, id: &str, mode: Mode) -> Got<Service> {
        if !is_pagerduty_id(id) {
            return Err(Miss::Failed(ProviderError::Unknown {
                service: SERVICE,
                what: format!("service {id:?}"),
                hint: "a service ID is letters and digits (PX4T9QZ)".into(),
            }));
        }
        let mut url = self.api.url(&format!("/services/{id}"));
        url.query_pairs_mut()
            .append_pair("include[]", "integrations");
        let raw = self.one::<RawService>(url, "service", mode).await?;
        Ok(Fetched {
            value: raw.value.plain(),
            fetched_at: raw.fetched_at,
            from_cache: raw.from_cache,
        })
    }

    /// The service holding an integration key: as the Backstage plugin asks
    /// (`GET /services?query=KEY&include[]=integrations`), taken when one of the answers holds the
    /// key; else every service is listed (`GET /services?include[]=integrations`). Remembered in
    /// memory, and cached on disk for [`KEY_MAPPING_WINDOW`].
    pub async fn service_for_key(&self, key: &str) -> Result<Fetched<Service>, ProviderError> {
        network(
            self.key_service(
                key,
                Mode::Network(CachePolicy::FreshFor(KEY_MAPPING_WINDOW)),
            )
            .await,
        )
    }

    async fn key_service(&self, key: &str, mode: Mode) -> Got<Service> {
        let key = key.trim();
        let known = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned();
        if let Some(id) = known {
            let stored_mode = match mode {
                Mode::Stored => Mode::Stored,
                Mode::Network(_) => Mode::Network(CachePolicy::FreshFor(KEY_MAPPING_WINDOW)),
            };
            if let Ok(service) = self.service_in(&id, stored_mode).await {
                if service.value.has_integration_key(key) {
                    return Ok(service);
                }
            }
        }
        let mut url = self.api.url("/services");
        url.query_pairs_mut()
            .append_pair("query", key)
            .append_pair("include[]", "integrations");
        let found = self.all::<RawService>(&url, "services", mode).await?;
        let fetched_at = found.fetched_at;
        let from_cache = found.from_cache;
        let mut matched = found
            .value
            .into_iter()
            .map(RawService::plain)
            .find(|s| s.has_integration_key(key))
            .map(|s| Fetched {
                value: s,
                fetched_at,
                from_cache,
            });
        let mut looked_through = 0;
        if matched.is_none() {
            let mut url = self.api.url("/services");
            url.query_pairs_mut()
                .append_pair("include[]", "integrations");
            let listed = self.all::<RawService>(&url, "services", mode).await?;
            looked_through = listed.value.len();
            let (fetched_at, from_cache) = (listed.fetched_at, listed.from_cache);
            matched = listed
                .value
                .into_iter()
                .map(RawService::plain)
                .find(|s| s.has_integration_key(key))
                .map(|s| Fetched {
                    value: s,
                    fetched_at,
                    from_cache,
                });
        }
        match matched {
            Some(service) => {
                self.keys.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), service.value.id.clone());
                Ok(service)
            }
            None => Err(Miss::Failed(ProviderError::Unknown {
                service: SERVICE,
                what: format!("service with integration key {key} (looked through {looked_through} services)"),
                hint: format!("check the {INTEGRATION_KEY_ANNOTATION} annotation: the Integration Key of an Events API integration on the service's Integrations tab, and that the token can see that service"),
            })),
        }
    }

    /// The service a reference names.
    pub async fn resolve(
        &self,
        reference: &ServiceRef,
        cache: CachePolicy,
    ) -> Result<Fetched<Service>, ProviderError> {
        match reference {
            ServiceRef::ServiceId(id) => self.service(id, cache).await,
            ServiceRef::IntegrationKey(key) => self.service_for_key(key).await,
        }
    }

    /// Every reference's service (or why not). Fails as a whole only when all of them fail with
    /// the same kind of trouble that is not about one service (a rejected token, a hung server).
    pub async fn services(
        &self,
        refs: &[ServiceRef],
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<ResolvedService>>, ProviderError> {
        let mut resolved = Vec::new();
        let mut oldest: Option<SystemTime> = None;
        let mut all_stored = true;
        for reference in refs {
            match self.resolve(reference, cache).await {
                Ok(service) => {
                    oldest = Some(oldest.map_or(service.fetched_at, |o| o.min(service.fetched_at)));
                    all_stored &= service.from_cache;
                    resolved.push(ResolvedService {
                        reference: reference.clone(),
                        service: Ok(service.value),
                    });
                }
                Err(err) if is_global(&err) => return Err(err),
                Err(err) => resolved.push(ResolvedService {
                    reference: reference.clone(),
                    service: Err(err),
                }),
            }
        }
        Ok(Fetched {
            value: resolved,
            fetched_at: oldest.unwrap_or_else(SystemTime::now),
            from_cache: all_stored && oldest.is_some(),
        })
    }

    /// `GET /oncalls?escalation_policy_ids[]=…&include[]=users`: who is on call now for these
    /// policies, in [`order_oncalls`] order.
    pub fn oncalls_url(&self, policy_ids: &[String]) -> Url {
        let mut url = self.api.url("/oncalls");
        {
            let mut query = url.query_pairs_mut();
            for id in policy_ids {
                query.append_pair("escalation_policy_ids[]", id);
            }
            query.append_pair("include[]", "users");
        }
        url
    }

    async fn oncalls_in(&self, policy_ids: &[String], mode: Mode) -> Got<Vec<OnCall>> {
        let ids = distinct_ids(policy_ids);
        if ids.is_empty() {
            return Ok(Fetched {
                value: Vec::new(),
                fetched_at: SystemTime::now(),
                from_cache: false,
            });
        }
        let raw = self
            .all::<RawOnCall>(&self.oncalls_url(&ids), "oncalls", mode)
            .await?;
        // Only the policies asked for (see `open_incidents_in`).
        let mut oncalls: Vec<OnCall> = raw
            .value
            .into_iter()
            .map(RawOnCall::plain)
            .filter(|o| ids.contains(&o.escalation_policy.id))
            .collect();
        order_oncalls(&mut oncalls);
        Ok(Fetched {
            value: oncalls,
            fetched_at: raw.fetched_at,
            from_cache: raw.from_cache,
        })
    }

    pub async fn oncalls(
        &self,
        policy_ids: &[String],
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<OnCall>>, ProviderError> {
        network(self.oncalls_in(policy_ids, Mode::Network(cache)).await)
    }

    /// One escalation policy's on-call chain, by level.
    pub async fn oncall_chain(
        &self,
        policy_id: &str,
        cache: CachePolicy,
    ) -> Result<Fetched<OnCallChain>, ProviderError> {
        let got = self.oncalls(&[policy_id.to_string()], cache).await?;
        Ok(Fetched {
            value: OnCallChain {
                escalation_policy_id: policy_id.to_string(),
                oncalls: got.value,
            },
            fetched_at: got.fetched_at,
            from_cache: got.from_cache,
        })
    }

    pub async fn cached_oncall_chain(&self, policy_id: &str) -> Option<Fetched<OnCallChain>> {
        let got = stored(
            self.oncalls_in(&[policy_id.to_string()], Mode::Stored)
                .await,
        )?;
        Some(Fetched {
            value: OnCallChain {
                escalation_policy_id: policy_id.to_string(),
                oncalls: got.value,
            },
            fetched_at: got.fetched_at,
            from_cache: true,
        })
    }

    /// `GET /users/{id}?include[]=contact_methods`
    pub async fn user(&self, id: &str, cache: CachePolicy) -> Result<Fetched<User>, ProviderError> {
        if !is_pagerduty_id(id) {
            return Err(ProviderError::Unknown {
                service: SERVICE,
                what: format!("user {id:?}"),
                hint: "a user ID is letters and digits".into(),
            });
        }
        let mut url = self.api.url(&format!("/users/{id}"));
        url.query_pairs_mut()
            .append_pair("include[]", "contact_methods");
        let raw = network(self.one::<RawUser>(url, "user", Mode::Network(cache)).await)?;
        Ok(Fetched {
            value: raw.value.plain(),
            fetched_at: raw.fetched_at,
            from_cache: raw.from_cache,
        })
    }

    /// `GET /incidents/{id}/log_entries?is_overview=true`: the incident's timeline, oldest first.
    pub async fn log_entries(
        &self,
        incident_id: &str,
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<LogEntry>>, ProviderError> {
        if !is_pagerduty_id(incident_id) {
            return Err(ProviderError::Unknown {
                service: SERVICE,
                what: format!("incident {incident_id:?}"),
                hint: "an incident ID is letters and digits".into(),
            });
        }
        let mut url = self
            .api
            .url(&format!("/incidents/{incident_id}/log_entries"));
        url.query_pairs_mut().append_pair("is_overview", "true");
        let raw = network(
            self.all::<RawLogEntry>(&url, "log_entries", Mode::Network(cache))
                .await,
        )?;
        let mut entries: Vec<LogEntry> = raw.value.into_iter().map(RawLogEntry::plain).collect();
        entries.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(Fetched {
            value: entries,
            fetched_at: raw.fetched_at,
            from_cache: raw.from_cache,
        })
    }

    // ----- actions -----------------------------------------------------------------------------

    /// `PUT /incidents/{id}` with `{"incident":{"type":"incident_reference","status":…}}` and
    /// `From: <from_email>`. Never cached; refresh the incidents after it.
    pub async fn update_incident(
        &self,
        incident_id: &str,
        action: IncidentAction,
    ) -> Result<Incident, ProviderError> {
        let from = self
            .from_email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .ok_or_else(no_from_email)?;
        if !from.contains('@') || from.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ProviderError::NotConfigured {
                service: SERVICE,
                hint: format!("[pagerduty] from_email {from:?} is not an email address"),
            });
        }
        if !is_pagerduty_id(incident_id) {
            return Err(ProviderError::Unknown {
                service: SERVICE,
                what: format!("incident {incident_id:?}"),
                hint: "an incident ID is letters and digits".into(),
            });
        }
        let url = self.api.url(&format!("/incidents/{incident_id}"));
        let body = serde_json::json!({ "incident": { "type": "incident_reference", "status": action.status() } });
        let call = Call {
            method: Method::PUT,
            url: url.clone(),
            body: Some(body.to_string().into_bytes()),
            cache: CachePolicy::NoStore,
            tail: None,
        };
        let api = self.api.clone().header("from", from);
        let mut attempt = 0;
        let response = loop {
            match self.client.send(&api, call.clone()).await {
                Ok(response) => break response,
                Err(err) if may_have_landed(&err) && attempt < self.client.retries() => {
                    tokio::time::sleep(self.client.backoff(attempt)).await;
                    attempt += 1;
                    // The change may have been made: look before asking for it again, and never
                    // send it twice without knowing.
                    let reference = IncidentRef::Id(incident_id.to_string());
                    match self.incident(&reference, CachePolicy::NoStore).await {
                        Ok(now) if action.done_in(now.value.status) => return Ok(now.value),
                        Ok(_) => continue,
                        Err(_) => return Err(self.scrub(err)),
                    }
                }
                Err(err) => return Err(self.scrub(err)),
            }
        };
        let (raw, _) = parse_field::<RawIncident>(&response.body, "incident")
            .map_err(|detail| self.bad("PUT", &url, detail))?;
        Ok(raw.plain())
    }

    pub async fn acknowledge(&self, incident_id: &str) -> Result<Incident, ProviderError> {
        self.update_incident(incident_id, IncidentAction::Acknowledge)
            .await
    }

    pub async fn resolve_incident(&self, incident_id: &str) -> Result<Incident, ProviderError> {
        self.update_incident(incident_id, IncidentAction::Resolve)
            .await
    }

    /// Triggers a new incident through the Events API v2 (see [`trigger`]).
    pub async fn trigger(&self, event: &TriggerEvent) -> Result<TriggerReceipt, ProviderError> {
        send_trigger(&self.client, &self.events, event).await
    }
}

/// Errors about PagerDuty as a whole rather than one service: asking for the next service would
/// fail the same way.
pub fn is_global(err: &ProviderError) -> bool {
    matches!(
        err,
        ProviderError::NotConfigured { .. }
            | ProviderError::Unauthorized { .. }
            | ProviderError::Forbidden { .. }
            | ProviderError::RateLimited { .. }
            | ProviderError::Timeout { .. }
            | ProviderError::Network { .. }
            | ProviderError::Server { .. }
            | ProviderError::BadResponse { .. }
    )
}

/// Whether a rate-limit error is the client's guess for a 429 it could not time (a minute from
/// now, beyond the longest wait), rather than a time the server named.
fn untimed_429(until: SystemTime, max_wait: Duration) -> bool {
    let wait = until.duration_since(SystemTime::now()).unwrap_or_default();
    wait > max_wait && wait <= Duration::from_secs(61)
}

/// A dedup_key no other trigger has: the time, the process and a counter.
fn new_dedup_key() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("greenroom-{nanos:x}-{:x}-{n}", std::process::id())
}

/// The Events API v2 service: no credentials (the routing key is in the body).
fn events_api(events_url: &str) -> Result<Api, ProviderError> {
    Api::new(
        EVENTS,
        events_url,
        "the Events API takes no token; check the integration key",
    )
}

/// `POST {events_url}/v2/enqueue` with `routing_key`, `event_action: trigger` and the payload's
/// summary, source and severity. Needs no REST token: the routing key (the service's integration
/// key) is the credential. A base URL that already ends in `/v2` (as the Backstage plugin's
/// `eventsBaseUrl`) is used as it is.
pub async fn trigger(
    client: &Client,
    events_url: &str,
    event: &TriggerEvent,
) -> Result<TriggerReceipt, ProviderError> {
    send_trigger(client, &events_api(events_url)?, event).await
}

async fn send_trigger(
    client: &Client,
    events: &Api,
    event: &TriggerEvent,
) -> Result<TriggerReceipt, ProviderError> {
    let key = event.routing_key.trim();
    if key.is_empty() {
        return Err(ProviderError::NotConfigured { service: EVENTS, hint: format!("no integration key: triggering needs the service's {INTEGRATION_KEY_ANNOTATION} annotation") });
    }
    let summary: String = event.summary.trim().chars().take(1024).collect();
    if summary.is_empty() {
        return Err(ProviderError::Unknown {
            service: EVENTS,
            what: "summary".into(),
            hint: "a new incident needs a summary".into(),
        });
    }
    let path = if events.base.path().trim_end_matches('/').ends_with("/v2") {
        "/enqueue"
    } else {
        "/v2/enqueue"
    };
    let url = events.url(path);
    // A key of our own makes the event safe to send again: PagerDuty folds events with the same
    // dedup_key into one incident, so a retry after a lost answer never opens a second one.
    let body = serde_json::json!({
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": new_dedup_key(),
        "client": "greenroom",
        "payload": { "summary": summary, "source": event.source, "severity": event.severity.as_str() },
    });
    let call = Call::post_json(url.clone(), &body);
    let mut attempt = 0;
    let response = loop {
        match client.send(events, call.clone()).await {
            Ok(response) => break response,
            Err(err) if may_have_landed(&err) && attempt < client.retries() => {
                tokio::time::sleep(client.backoff(attempt)).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    };
    let raw: RawReceipt =
        serde_json::from_slice(&response.body).map_err(|err| ProviderError::BadResponse {
            service: EVENTS,
            target: format!("POST {}", events.display_url(&url)),
            detail: format!("not the expected JSON: {err}"),
        })?;
    Ok(TriggerReceipt {
        status: raw.status.unwrap_or_else(|| "success".into()),
        message: raw.message.unwrap_or_default(),
        dedup_key: raw.dedup_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_all_reads_each_answer_kind_and_refuses_the_rest() {
        for name in [
            "incidents.json",
            "incident.json",
            "oncalls.json",
            "services.json",
            "user.json",
            "log-entries.json",
        ] {
            assert_eq!(
                decode_all(&fixture(name)),
                2,
                "{name}: its own kind, and as a receipt (an object)"
            );
        }
        assert_eq!(decode_all(b"<html>"), 0);
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/pagerduty/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn fixtures_parse_into_plain_structs() {
        let (incidents, more) =
            parse_field::<Vec<RawIncident>>(&fixture("incidents.json"), "incidents").unwrap();
        assert!(more);
        let incident = incidents.into_iter().next().unwrap().plain();
        assert_eq!(
            (
                incident.id.as_str(),
                incident.incident_number,
                incident.title.as_str()
            ),
            ("PT4KHLK", 1234, "The server is on fire.")
        );
        assert_eq!(
            (incident.status, incident.urgency),
            (IncidentStatus::Resolved, Urgency::High)
        );
        assert_eq!(
            (
                incident.service.id.as_str(),
                incident.service.summary.as_str()
            ),
            ("PIJ90N7", "My Mail Service")
        );
        assert_eq!(incident.escalation_policy.as_ref().unwrap().id, "PT20YPA");
        assert_eq!(incident.priority.as_deref(), Some("P2"));

        let (one, _) = parse_field::<RawIncident>(&fixture("incident.json"), "incident").unwrap();
        let one = one.plain();
        assert_eq!(one.assignees().collect::<Vec<_>>(), ["Earline Greenholt"]);

        let (oncalls, more) =
            parse_field::<Vec<RawOnCall>>(&fixture("oncalls.json"), "oncalls").unwrap();
        assert!(!more);
        let oncall = oncalls.into_iter().next().unwrap().plain();
        assert_eq!(
            (
                oncall.escalation_level,
                oncall.user.name.as_str(),
                oncall.user.email.as_deref()
            ),
            (2, "Tim Wright", None)
        );
        assert_eq!(
            oncall.schedule.unwrap().summary,
            "Daily Engineering Rotation"
        );
        // -05:00 kept as the same instant in UTC.
        assert_eq!(
            oncall.start.unwrap().to_rfc3339(),
            "2015-03-06T20:28:51+00:00"
        );

        let (services, _) =
            parse_field::<Vec<RawService>>(&fixture("services.json"), "services").unwrap();
        let service = services.into_iter().next().unwrap().plain();
        assert!(service.has_integration_key("e93facc04764012d7bfb002500d5d1a6"));
        assert!(!service.has_integration_key("PQ12345"));
        assert_eq!(service.escalation_policy.unwrap().id, "PT20YPA");

        let (user, _) = parse_field::<RawUser>(&fixture("user.json"), "user").unwrap();
        let user = user.plain();
        assert_eq!(user.contact_methods.len(), 2);
        assert_eq!(
            (
                user.contact_methods[0].short_kind(),
                user.contact_methods[0].display_address().as_str()
            ),
            ("email", "125.greenholt.earline@graham.name")
        );
        assert_eq!(
            (
                user.contact_methods[1].short_kind(),
                user.contact_methods[1].display_address().as_str()
            ),
            ("phone", "+123 1234567")
        );

        let (entries, _) =
            parse_field::<Vec<RawLogEntry>>(&fixture("log-entries.json"), "log_entries").unwrap();
        let entry = entries.into_iter().next().unwrap().plain();
        assert_eq!(
            (
                entry.short_kind(),
                entry.summary.as_str(),
                entry.channel.as_deref()
            ),
            ("trigger", "Triggered through the API", Some("api"))
        );
    }

    #[test]
    fn json_errors_name_the_field() {
        let err = parse_field::<Vec<RawIncident>>(br#"{"incidents":[{"id":1}]}"#, "incidents")
            .unwrap_err();
        assert!(err.starts_with("incidents[0].id: invalid type"), "{err}");
        let err = parse_field::<Vec<RawIncident>>(b"<html>", "incidents").unwrap_err();
        assert!(err.starts_with("not the expected JSON"), "{err}");
        let err = parse_field::<Vec<RawIncident>>(br#"{"error":{"message":"x"}}"#, "incidents")
            .unwrap_err();
        assert!(err.contains("no \"incidents\" field"), "{err}");
    }

    #[test]
    fn incident_references() {
        assert_eq!(parse_incident_ref("#1234"), Some(IncidentRef::Number(1234)));
        assert_eq!(parse_incident_ref(" 42 "), Some(IncidentRef::Number(42)));
        assert_eq!(
            parse_incident_ref("PT4KHLK"),
            Some(IncidentRef::Id("PT4KHLK".into()))
        );
        assert_eq!(
            parse_incident_ref("Q0RIJJZL24RC6W"),
            Some(IncidentRef::Id("Q0RIJJZL24RC6W".into()))
        );
        for not in [
            "",
            "#",
            "0",
            "payment",
            "PAYMENTS",
            "pt4khlk",
            "P1",
            "12345678901234567",
        ] {
            assert_eq!(parse_incident_ref(not), None, "{not}");
        }
    }

    #[test]
    fn annotations_name_services() {
        let catalog = crate::catalog::load::load_paths(&["src/demo".into()]).catalog;
        let entity =
            |name: &str| catalog.entity(catalog.get(&format!("component:default/{name}")).unwrap());
        assert_eq!(
            service_refs(entity("payment-service")).unwrap(),
            [ServiceRef::ServiceId("PX4T9QZ".into())]
        );
        assert_eq!(
            service_refs(entity("order-service")).unwrap(),
            [ServiceRef::IntegrationKey("abc123".into())]
        );
        let err = service_refs(entity("money-lib")).unwrap_err();
        assert!(
            err.is_setup()
                && err.to_string().contains(
                    "has no pagerduty.com/service-id or pagerduty.com/integration-key annotation"
                ),
            "{err}"
        );
        let map = ServiceMap::build(&catalog);
        assert!(map
            .refs()
            .contains(&ServiceRef::ServiceId("PX4T9QZ".into())));
        let mut map = map;
        let order = catalog.get("component:default/order-service").unwrap();
        assert!(map.entities_of_service("PORDER1").is_empty());
        map.learn("abc123", "PORDER1");
        assert_eq!(map.entities_of_service("PORDER1"), [order]);
    }

    #[test]
    fn ordering_of_incidents_and_oncalls() {
        let (raw, _) =
            parse_field::<Vec<RawIncident>>(&fixture("incidents.json"), "incidents").unwrap();
        let base = raw.into_iter().next().unwrap().plain();
        let make = |n: u64, urgency, status, minutes: i64| Incident {
            incident_number: n,
            urgency,
            status,
            created_at: base.created_at + chrono::Duration::minutes(minutes),
            ..base.clone()
        };
        let mut list = vec![
            make(1, Urgency::Low, IncidentStatus::Triggered, 50),
            make(2, Urgency::High, IncidentStatus::Acknowledged, 40),
            make(3, Urgency::High, IncidentStatus::Triggered, 10),
            make(4, Urgency::High, IncidentStatus::Triggered, 30),
        ];
        sort_incidents(&mut list);
        assert_eq!(
            list.iter().map(|i| i.incident_number).collect::<Vec<_>>(),
            [4, 3, 2, 1]
        );

        let (raw, _) = parse_field::<Vec<RawOnCall>>(&fixture("oncalls.json"), "oncalls").unwrap();
        let base = raw.into_iter().next().unwrap().plain();
        let person = |level: u32, id: &str, name: &str| OnCall {
            escalation_level: level,
            user: OnCallUser {
                id: id.into(),
                name: name.into(),
                email: None,
                html_url: None,
            },
            ..base.clone()
        };
        let mut oncalls = vec![
            person(3, "U3", "Zoe"),
            person(1, "U2", "bob"),
            person(1, "U1", "Alice"),
            person(2, "U4", "Carl"),
            person(1, "U1", "Alice"),
        ];
        order_oncalls(&mut oncalls);
        let names: Vec<(u32, &str)> = oncalls
            .iter()
            .map(|o| (o.escalation_level, o.user.name.as_str()))
            .collect();
        assert_eq!(names, [(1, "Alice"), (1, "bob"), (2, "Carl"), (3, "Zoe")]);
        let chain = OnCallChain {
            escalation_policy_id: "PT20YPA".into(),
            oncalls,
        };
        assert_eq!(chain.first().count(), 2);
    }
}
