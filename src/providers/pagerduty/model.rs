//! The plain data every part of the PagerDuty client shares: the annotations and IDs that name
//! services, and the structs answers become (incidents, on-calls, users, services, log entries).
//! It uses none of its sibling files, so each of them can use it.

use crate::providers::ProviderError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::time::Duration;

pub const SERVICE_ID_ANNOTATION: &str = "pagerduty.com/service-id";
pub const INTEGRATION_KEY_ANNOTATION: &str = "pagerduty.com/integration-key";

/// How an entity names a PagerDuty service.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum ServiceRef {
    /// `pagerduty.com/service-id`
    ServiceId(String),
    /// `pagerduty.com/integration-key`, resolved to its service by `PagerDuty::resolve`.
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
pub(super) fn distinct_ids(ids: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = ids
        .iter()
        .filter(|id| is_pagerduty_id(id))
        .cloned()
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

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
    /// `#42 Checkout down (triggered, high)`: how the CLI and the TUI name an incident in one line.
    pub fn headline(&self) -> String {
        format!(
            "#{} {} ({}, {})",
            self.incident_number,
            self.title,
            self.status.as_str(),
            self.urgency.as_str()
        )
    }

    /// How long it has been open (since it was created).
    pub fn age(&self, now: DateTime<Utc>) -> Duration {
        (now - self.created_at).to_std().unwrap_or_default()
    }

    pub fn assignees(&self) -> impl Iterator<Item = &str> {
        self.assignments.iter().map(|a| a.assignee.summary.as_str())
    }
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

/// What the Events API said.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TriggerReceipt {
    pub status: String,
    pub message: String,
    /// The alert's de-duplication key (to trigger or resolve the same alert again).
    pub dedup_key: Option<String>,
}
