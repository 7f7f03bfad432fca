//! PagerDuty's answers as they come over the wire (the REST API reference;
//! `tests/fixtures/pagerduty/`), decoded with errors that name the field, and turned into the
//! plain structs of `model`.

use super::model::{
    Assignment, ContactMethod, Incident, IncidentStatus, Integration, LogEntry, OnCall, OnCallUser,
    Reference, Service, TriggerReceipt, Urgency, User,
};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// A wire shape that becomes a plain struct.
pub(super) trait Wire: DeserializeOwned {
    type Plain;

    fn plain(self) -> Self::Plain;
}

/// The name PagerDuty shows for an object, or its ID when it has none.
fn name_or_id(name: Option<String>, summary: Option<String>, id: &str) -> String {
    name.or(summary).unwrap_or_else(|| id.to_string())
}

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
pub(super) struct RawIncident {
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

impl Wire for RawIncident {
    type Plain = Incident;

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
pub(super) struct RawOnCall {
    escalation_level: u32,
    user: RawUserRef,
    escalation_policy: RawRef,
    schedule: Option<RawRef>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

impl Wire for RawOnCall {
    type Plain = OnCall;

    fn plain(self) -> OnCall {
        let u = self.user;
        OnCall {
            escalation_level: self.escalation_level,
            user: OnCallUser {
                name: name_or_id(u.name, u.summary, &u.id),
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
pub(super) struct RawUser {
    id: String,
    name: Option<String>,
    summary: Option<String>,
    email: Option<String>,
    html_url: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    contact_methods: Vec<RawContactMethod>,
}

impl Wire for RawUser {
    type Plain = User;

    fn plain(self) -> User {
        User {
            name: name_or_id(self.name, self.summary, &self.id),
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
pub(super) struct RawService {
    id: String,
    name: Option<String>,
    summary: Option<String>,
    html_url: Option<String>,
    status: Option<String>,
    escalation_policy: Option<RawRef>,
    #[serde(default)]
    integrations: Vec<RawIntegration>,
}

impl Wire for RawService {
    type Plain = Service;

    fn plain(self) -> Service {
        Service {
            name: name_or_id(self.name, self.summary, &self.id),
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
pub(super) struct RawLogEntry {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    summary: Option<String>,
    created_at: DateTime<Utc>,
    agent: Option<RawRef>,
    channel: Option<RawChannel>,
}

impl Wire for RawLogEntry {
    type Plain = LogEntry;

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
fn parse_field<T: DeserializeOwned>(body: &[u8], field: &str) -> Result<(T, bool), String> {
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

/// One object (`field` of the answer) as its plain struct.
pub(super) fn decode_one<Raw: Wire>(body: &[u8], field: &str) -> Result<Raw::Plain, String> {
    parse_field::<Raw>(body, field).map(|(raw, _)| raw.plain())
}

/// One page of a list (`field` of the answer) as plain structs, and whether PagerDuty has `more`.
pub(super) fn decode_page<Raw: Wire>(
    body: &[u8],
    field: &str,
) -> Result<(Vec<Raw::Plain>, bool), String> {
    let (page, more) = parse_field::<Vec<Raw>>(body, field)?;
    Ok((page.into_iter().map(Raw::plain).collect(), more))
}

/// What the Events API answered (the whole body, no envelope around it).
pub(super) fn decode_receipt(body: &[u8]) -> Result<TriggerReceipt, serde_json::Error> {
    let raw: RawReceipt = serde_json::from_slice(body)?;
    Ok(TriggerReceipt {
        status: raw.status.unwrap_or_else(|| "success".into()),
        message: raw.message.unwrap_or_default(),
        dedup_key: raw.dedup_key,
    })
}

/// Decodes `body` as each answer the client reads (incidents, an incident, on-calls, services, a
/// user, log entries, an Events API receipt) through the same parsing and conversions; how many
/// kinds it decoded. For the fuzz target `provider_answers`: any bytes from a server must end in
/// an error, never a panic.
pub fn decode_all(body: &[u8]) -> usize {
    let decoded = [
        decode_page::<RawIncident>(body, "incidents").is_ok(),
        decode_one::<RawIncident>(body, "incident").is_ok(),
        decode_page::<RawOnCall>(body, "oncalls").is_ok(),
        decode_page::<RawService>(body, "services").is_ok(),
        decode_one::<RawUser>(body, "user").is_ok(),
        decode_page::<RawLogEntry>(body, "log_entries").is_ok(),
        decode_receipt(body).is_ok(),
    ];
    decoded.into_iter().filter(|ok| *ok).count()
}

/// A recorded answer from `tests/fixtures/pagerduty/`.
#[cfg(test)]
pub(super) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/pagerduty/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
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
}
