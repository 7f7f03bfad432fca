//! Incidents: the open ones of a set of services (or of the services a set of references names),
//! one by number or ID, an incident's timeline, and the REST writes that acknowledge and resolve.

use super::client::{
    network, require_id, send_write, stored, unasked, Freshness, Got, Miss, Mode, PagerDuty,
    Recheck, Written, SERVICE,
};
use super::decode::{decode_one, RawIncident, RawLogEntry};
use super::model::{distinct_ids, Incident, IncidentStatus, LogEntry, ServiceRef, Urgency};
use super::service_map::ServiceMap;
use super::services::key_mapping;
use crate::providers::http::{CachePolicy, Call};
use crate::providers::{Fetched, ProviderError};
use reqwest::Method;
use std::collections::BTreeSet;
use url::Url;

/// Why an incident ID was refused.
const INCIDENT_ID_HINT: &str = "an incident ID is letters and digits";

/// Service IDs per `/incidents` request (keeps URLs short for catalogs with hundreds of services).
pub const SERVICES_PER_REQUEST: usize = 50;

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

fn no_from_email() -> ProviderError {
    ProviderError::NotConfigured {
        service: SERVICE,
        hint: "acknowledging and resolving need your PagerDuty login email, sent as From: set from_email under [pagerduty] in config.toml".into(),
    }
}

impl PagerDuty {
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
        let mut freshness = Freshness::new();
        for chunk in ids.chunks(SERVICES_PER_REQUEST) {
            let page = self
                .all::<RawIncident>(&self.incidents_url(chunk), "incidents", mode)
                .await?;
            freshness.add(page.fetched_at, page.from_cache);
            // Only what was asked for: a server that ignores the filter (a proxy, the demo API,
            // which ignores queries) must not put other services' incidents on an entity.
            incidents.extend(
                page.value
                    .into_iter()
                    .filter(|i| i.status.is_open() && chunk.contains(&i.service.id)),
            );
        }
        let mut seen = BTreeSet::new();
        incidents.retain(|i| seen.insert(i.id.clone()));
        sort_incidents(&mut incidents);
        Ok(freshness.fetched(incidents))
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
                    match self.key_service(key, key_mapping(mode)).await {
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
                _ => Ok(unasked(OpenIncidents {
                    incidents: Vec::new(),
                    services,
                })),
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
        require_id(
            &segment,
            "incident",
            "an incident is named by its number (#1234) or ID (PT4KHLK)",
        )?;
        let url = self.api.url(&format!("/incidents/{segment}"));
        network(
            self.one::<RawIncident>(url, "incident", Mode::Network(cache))
                .await,
        )
    }

    /// `GET /incidents/{id}/log_entries?is_overview=true`: the incident's timeline, oldest first.
    pub async fn log_entries(
        &self,
        incident_id: &str,
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<LogEntry>>, ProviderError> {
        require_id(incident_id, "incident", INCIDENT_ID_HINT)?;
        let mut url = self
            .api
            .url(&format!("/incidents/{incident_id}/log_entries"));
        url.query_pairs_mut().append_pair("is_overview", "true");
        let mut entries = network(
            self.all::<RawLogEntry>(&url, "log_entries", Mode::Network(cache))
                .await,
        )?;
        entries
            .value
            .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(entries)
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
        require_id(incident_id, "incident", INCIDENT_ID_HINT)?;
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
        // The change may have been made: look before asking for it again.
        let recheck = move || async move {
            let reference = IncidentRef::Id(incident_id.to_string());
            match self.incident(&reference, CachePolicy::NoStore).await {
                Ok(now) if action.done_in(now.value.status) => Recheck::Done(now.value),
                Ok(_) => Recheck::SendAgain,
                Err(_) => Recheck::GiveUp,
            }
        };
        let written = send_write(&self.client, &api, &call, recheck)
            .await
            .map_err(|err| self.scrub(err))?;
        match written {
            Written::Found(incident) => Ok(incident),
            Written::Answered(response) => decode_one::<RawIncident>(&response.body, "incident")
                .map_err(|detail| self.bad("PUT", &url, detail)),
        }
    }

    pub async fn acknowledge(&self, incident_id: &str) -> Result<Incident, ProviderError> {
        self.update_incident(incident_id, IncidentAction::Acknowledge)
            .await
    }

    pub async fn resolve_incident(&self, incident_id: &str) -> Result<Incident, ProviderError> {
        self.update_incident(incident_id, IncidentAction::Resolve)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::pagerduty::decode::{decode_page, fixture};

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
    fn ordering_of_incidents() {
        let (incidents, _) =
            decode_page::<RawIncident>(&fixture("incidents.json"), "incidents").unwrap();
        let base = incidents.into_iter().next().unwrap();
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
    }
}
