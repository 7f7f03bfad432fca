//! New incidents through the Events API v2 (`POST /v2/enqueue`), authenticated by the service's
//! integration key in the body rather than the REST token, and safe to send again.

use super::client::{events_api, send_write, PagerDuty, Recheck, Written, EVENTS};
use super::decode::decode_receipt;
use super::model::{TriggerReceipt, INTEGRATION_KEY_ANNOTATION};
use crate::providers::http::{Call, Client, Service as Api};
use crate::providers::ProviderError;
use std::convert::Infallible;
use std::time::SystemTime;

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

impl PagerDuty {
    /// Triggers a new incident through the Events API v2 (see [`trigger`]).
    pub async fn trigger(&self, event: &TriggerEvent) -> Result<TriggerReceipt, ProviderError> {
        send_trigger(&self.client, &self.events, event).await
    }
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
    // The dedup_key makes sending again harmless: nothing to look at first.
    let Written::Answered(response) = send_write(client, events, &call, || async {
        Recheck::<Infallible>::SendAgain
    })
    .await?;
    decode_receipt(&response.body).map_err(|err| ProviderError::BadResponse {
        service: EVENTS,
        target: format!("POST {}", events.display_url(&url)),
        detail: format!("not the expected JSON: {err}"),
    })
}
