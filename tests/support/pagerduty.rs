//! A fake PagerDuty on [`TestServer`]: the REST API v2 (incidents, a single incident and its
//! updates, log entries, services with integrations, on-calls, users with contact methods) and the
//! Events API v2 (`POST /v2/enqueue`), answering with bodies shaped from PagerDuty's API reference
//! (`tests/fixtures/pagerduty/`). Like PagerDuty it checks the token (`Authorization: Token
//! token=…`, else 401), paginates with `limit`/`offset`/`more` (a page size can be forced to make
//! tests cross pages), filters by `statuses[]`, `service_ids[]` and `escalation_policy_ids[]`,
//! expands `include[]=users|integrations|contact_methods`, and refuses an update without `From`.

use super::fixture_api::json_fixture;
use super::http_server::{Recorded, Reply, TestServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The token tests plant and then look for everywhere it must not be.
pub const TOKEN: &str = "pdPLANTEDtoken0123456789SECRETxyz";

/// RFC 3339 time `minutes` ago.
pub fn ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn reference(kind: &str, id: &str, summary: &str) -> Value {
    json!({ "id": id, "type": format!("{kind}_reference"), "summary": summary, "self": format!("https://api.pagerduty.com/{kind}s/{id}"), "html_url": format!("https://subdomain.pagerduty.com/{kind}s/{id}") })
}

/// An incident: a copy of the fixture's with these values.
#[allow(clippy::too_many_arguments)]
pub fn incident(
    id: &str,
    number: u64,
    title: &str,
    status: &str,
    urgency: &str,
    service: (&str, &str),
    policy: (&str, &str),
    minutes_ago: i64,
) -> Value {
    let mut incident = json_fixture("pagerduty/incidents.json")["incidents"][0].clone();
    incident["id"] = json!(id);
    incident["incident_number"] = json!(number);
    incident["title"] = json!(title);
    incident["summary"] = json!(format!("[#{number}] {title}"));
    incident["status"] = json!(status);
    incident["urgency"] = json!(urgency);
    incident["created_at"] = json!(ago(minutes_ago));
    incident["updated_at"] = json!(ago(minutes_ago));
    incident["service"] = reference("service", service.0, service.1);
    incident["escalation_policy"] = reference("escalation_policy", policy.0, policy.1);
    incident["html_url"] = json!(format!("https://subdomain.pagerduty.com/incidents/{id}"));
    if status != "resolved" {
        incident["resolved_at"] = Value::Null;
        incident["assignments"] = json!([{ "at": ago(minutes_ago), "assignee": reference("user", "PALICE1", "Alice Adams") }]);
    }
    incident
}

/// A service with its escalation policy and, when given, an Events API v2 integration holding
/// `integration_key`.
pub fn service(id: &str, name: &str, policy: (&str, &str), integration_key: Option<&str>) -> Value {
    let mut service = json_fixture("pagerduty/services.json")["services"][0].clone();
    service["id"] = json!(id);
    service["name"] = json!(name);
    service["summary"] = json!(name);
    service["self"] = json!(format!("https://api.pagerduty.com/services/{id}"));
    service["html_url"] = json!(format!(
        "https://subdomain.pagerduty.com/service-directory/{id}"
    ));
    service["escalation_policy"] = reference("escalation_policy", policy.0, policy.1);
    let mut integrations = vec![service["integrations"][0].clone()];
    if let Some(key) = integration_key {
        let mut events = service["integrations"][1].clone();
        events["id"] = json!(format!("I{id}"));
        events["integration_key"] = json!(key);
        integrations.push(events);
    }
    service["integrations"] = json!(integrations);
    service
}

/// An on-call entry (the user as a reference; the fake expands it with `include[]=users`).
pub fn oncall(
    policy: (&str, &str),
    level: u32,
    user: (&str, &str),
    schedule: Option<&str>,
) -> Value {
    let mut oncall = json_fixture("pagerduty/oncalls.json")["oncalls"][0].clone();
    oncall["escalation_level"] = json!(level);
    oncall["user"] = reference("user", user.0, user.1);
    oncall["escalation_policy"] = reference("escalation_policy", policy.0, policy.1);
    match schedule {
        Some(name) => {
            oncall["schedule"] = reference("schedule", &format!("S{}", name.len()), name);
            oncall["start"] = json!(ago(600));
            oncall["end"] = json!("2099-01-01T09:00:00Z");
        }
        None => {
            oncall["schedule"] = Value::Null;
            oncall["start"] = Value::Null;
            oncall["end"] = Value::Null;
        }
    }
    oncall
}

/// A user with contact methods `(type, address, label)`; phones get country code 44.
pub fn user(id: &str, name: &str, email: &str, contacts: &[(&str, &str, &str)]) -> Value {
    let mut user = json_fixture("pagerduty/user.json")["user"].clone();
    user["id"] = json!(id);
    user["name"] = json!(name);
    user["summary"] = json!(name);
    user["email"] = json!(email);
    user["self"] = json!(format!("https://api.pagerduty.com/users/{id}"));
    user["html_url"] = json!(format!("https://subdomain.pagerduty.com/users/{id}"));
    let methods: Vec<Value> = contacts
        .iter()
        .enumerate()
        .map(|(i, (kind, address, label))| {
            let mut method = json!({ "id": format!("C{id}{i}"), "type": kind, "summary": label, "self": format!("https://api.pagerduty.com/users/{id}/contact_methods/C{id}{i}"), "label": label, "address": address });
            if kind.starts_with("phone") || kind.starts_with("sms") {
                method["country_code"] = json!(44);
            }
            method
        })
        .collect();
    user["contact_methods"] = json!(methods);
    user
}

/// A log entry of `kind` (`trigger`, `acknowledge`, …) `minutes` ago.
pub fn log_entry(id: &str, kind: &str, summary: &str, minutes_ago: i64) -> Value {
    let mut entry = json_fixture("pagerduty/log-entries.json")["log_entries"][0].clone();
    entry["id"] = json!(id);
    entry["type"] = json!(format!("{kind}_log_entry"));
    entry["summary"] = json!(summary);
    entry["created_at"] = json!(ago(minutes_ago));
    entry
}

pub fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "error": { "message": message, "code": 2000 + status as u64 } }),
    )
}

#[derive(Default)]
pub struct FakeState {
    pub incidents: Mutex<Vec<Value>>,
    pub services: Mutex<Vec<Value>>,
    pub oncalls: Mutex<Vec<Value>>,
    pub users: Mutex<HashMap<String, Value>>,
    pub log_entries: Mutex<HashMap<String, Vec<Value>>>,
    /// When set, pages hold at most this many items whatever `limit` asks.
    pub page_size: AtomicUsize,
    /// Whether `GET /services?query=` also matches integration keys (as the Backstage plugin
    /// relies on); PagerDuty documents it as a match on names.
    pub query_matches_keys: AtomicBool,
    /// Answers given, in order, before any other (a 429 then the real answer).
    pub fail_next: Mutex<Vec<Reply>>,
}

pub struct FakePagerDuty {
    pub server: TestServer,
    pub state: Arc<FakeState>,
}

impl FakePagerDuty {
    pub fn start() -> FakePagerDuty {
        let state = Arc::new(FakeState::default());
        state.query_matches_keys.store(true, Ordering::SeqCst);
        let handler_state = state.clone();
        let server = TestServer::start(move |req| answer(&handler_state, req));
        FakePagerDuty { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    pub fn add_incidents(&self, incidents: Vec<Value>) {
        self.state.incidents.lock().unwrap().extend(incidents);
    }

    pub fn add_services(&self, services: Vec<Value>) {
        self.state.services.lock().unwrap().extend(services);
    }

    pub fn add_oncalls(&self, oncalls: Vec<Value>) {
        self.state.oncalls.lock().unwrap().extend(oncalls);
    }

    pub fn add_user(&self, user: Value) {
        self.state
            .users
            .lock()
            .unwrap()
            .insert(user["id"].as_str().unwrap().to_string(), user);
    }

    pub fn set_log_entries(&self, incident: &str, entries: Vec<Value>) {
        self.state
            .log_entries
            .lock()
            .unwrap()
            .insert(incident.to_string(), entries);
    }

    pub fn set_page_size(&self, size: usize) {
        self.state.page_size.store(size, Ordering::SeqCst);
    }

    /// The next requests get these answers, in order.
    pub fn fail_next(&self, replies: Vec<Reply>) {
        *self.state.fail_next.lock().unwrap() = replies;
    }

    pub fn set_query_matches_keys(&self, on: bool) {
        self.state.query_matches_keys.store(on, Ordering::SeqCst);
    }

    /// The status of an incident now.
    pub fn status_of(&self, id: &str) -> Option<String> {
        first_of(&self.state.incidents, |i| i["id"] == json!(id))
            .and_then(|i| i["status"].as_str().map(str::to_owned))
    }

    /// Requests whose path starts with `prefix`.
    pub fn requests_to(&self, prefix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path().starts_with(prefix))
            .collect()
    }
}

/// One page of `items` as `field`, with PagerDuty's pagination fields.
fn page(state: &FakeState, req: &Recorded, field: &str, items: Vec<Value>) -> Reply {
    let asked = req
        .query("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25);
    let forced = state.page_size.load(Ordering::SeqCst);
    let limit = if forced > 0 { asked.min(forced) } else { asked }.max(1);
    let offset = req
        .query("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let total = items.len();
    let slice: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Reply::json(
        200,
        &json!({ field: slice, "limit": limit, "offset": offset, "more": offset + limit < total, "total": null }),
    )
}

fn expand_user(state: &FakeState, user: &Value) -> Value {
    let id = user["id"].as_str().unwrap_or_default();
    match state.users.lock().unwrap().get(id) {
        Some(full) => {
            let mut expanded = full.clone();
            expanded["type"] = json!("user");
            expanded.as_object_mut().unwrap().remove("contact_methods");
            expanded
        }
        None => user.clone(),
    }
}

/// Integrations as references (no key), as PagerDuty lists them without `include[]=integrations`.
fn without_keys(mut service: Value) -> Value {
    if let Some(list) = service["integrations"].as_array_mut() {
        for integration in list {
            if let Some(object) = integration.as_object_mut() {
                object.remove("integration_key");
                object.remove("name");
            }
        }
    }
    service
}

fn answer(state: &FakeState, req: &Recorded) -> Reply {
    {
        let mut next = state.fail_next.lock().unwrap();
        if !next.is_empty() {
            return next.remove(0);
        }
    }
    if req.header("authorization") != Some(&format!("Token token={TOKEN}")) {
        return error(401, "Authentication required");
    }
    let parts: Vec<&str> = req.path().trim_start_matches('/').split('/').collect();
    let includes = req.query_all("include[]");
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["incidents"]) => {
            let statuses = req.query_all("statuses[]");
            let services = req.query_all("service_ids[]");
            let incidents: Vec<Value> = state
                .incidents
                .lock()
                .unwrap()
                .iter()
                .filter(|i| statuses.is_empty() || statuses.iter().any(|s| i["status"] == json!(s)))
                .filter(|i| {
                    services.is_empty() || services.iter().any(|s| i["service"]["id"] == json!(s))
                })
                .cloned()
                .collect();
            page(state, req, "incidents", incidents)
        }
        ("GET", ["incidents", id]) => {
            let found = first_of(&state.incidents, |i| {
                i["id"] == json!(id)
                    || id
                        .parse::<u64>()
                        .is_ok_and(|n| i["incident_number"] == json!(n))
            });
            match found {
                Some(incident) => Reply::json(200, &json!({ "incident": incident })),
                None => error(404, "Not Found"),
            }
        }
        ("PUT", ["incidents", id]) => {
            let Some(from) = req.header("from").filter(|f| f.contains('@')) else {
                return Reply::json(
                    400,
                    &json!({ "error": { "message": "Invalid Input Provided", "code": 2001, "errors": ["Requester User Not Found"] } }),
                );
            };
            let _ = from;
            let body: Value = match serde_json::from_slice(&req.body) {
                Ok(body) => body,
                Err(_) => return error(400, "Invalid Input Provided"),
            };
            let status = body["incident"]["status"].clone();
            if body["incident"]["type"] != json!("incident_reference")
                || !matches!(status.as_str(), Some("acknowledged" | "resolved"))
            {
                return error(400, "Invalid Input Provided");
            }
            let mut incidents = state.incidents.lock().unwrap();
            match incidents.iter_mut().find(|i| i["id"] == json!(id)) {
                Some(incident) => {
                    incident["status"] = status;
                    Reply::json(200, &json!({ "incident": incident.clone() }))
                }
                None => error(404, "Not Found"),
            }
        }
        ("GET", ["incidents", id, "log_entries"]) => {
            match state.log_entries.lock().unwrap().get(*id) {
                Some(entries) => page(state, req, "log_entries", entries.clone()),
                None => error(404, "Not Found"),
            }
        }
        ("GET", ["services"]) => {
            let query = req.query("query").map(|q| q.to_lowercase());
            let by_key = state.query_matches_keys.load(Ordering::SeqCst);
            let services: Vec<Value> = state
                .services
                .lock()
                .unwrap()
                .iter()
                .filter(|s| match &query {
                    None => true,
                    Some(q) => {
                        s["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_lowercase()
                            .contains(q.as_str())
                            || (by_key
                                && s["integrations"].as_array().into_iter().flatten().any(|i| {
                                    i["integration_key"]
                                        .as_str()
                                        .is_some_and(|k| k.to_lowercase() == *q)
                                }))
                    }
                })
                .map(|s| {
                    if includes.iter().any(|i| i == "integrations") {
                        s.clone()
                    } else {
                        without_keys(s.clone())
                    }
                })
                .collect();
            page(state, req, "services", services)
        }
        ("GET", ["services", id]) => {
            let found = first_of(&state.services, |s| s["id"] == json!(id));
            match found {
                Some(service) => Reply::json(
                    200,
                    &json!({ "service": if includes.iter().any(|i| i == "integrations") { service } else { without_keys(service) } }),
                ),
                None => error(404, "Not Found"),
            }
        }
        ("GET", ["oncalls"]) => {
            let policies = req.query_all("escalation_policy_ids[]");
            let users = includes.iter().any(|i| i == "users");
            let oncalls: Vec<Value> = state
                .oncalls
                .lock()
                .unwrap()
                .iter()
                .filter(|o| {
                    policies.is_empty()
                        || policies
                            .iter()
                            .any(|p| o["escalation_policy"]["id"] == json!(p))
                })
                .map(|o| {
                    let mut o = o.clone();
                    if users {
                        o["user"] = expand_user(state, &o["user"]);
                    }
                    o
                })
                .collect();
            page(state, req, "oncalls", oncalls)
        }
        ("GET", ["users", id]) => {
            let found = state.users.lock().unwrap().get(*id).cloned();
            match found {
                Some(mut user) => {
                    if !includes.iter().any(|i| i == "contact_methods") {
                        let refs: Vec<Value> = user["contact_methods"].as_array().into_iter().flatten().map(|c| json!({ "id": c["id"], "type": format!("{}_reference", c["type"].as_str().unwrap_or_default()), "summary": c["summary"], "self": c["self"] })).collect();
                        user["contact_methods"] = json!(refs);
                    }
                    Reply::json(200, &json!({ "user": user }))
                }
                None => error(404, "Not Found"),
            }
        }
        _ => error(404, "Not Found"),
    }
}

/// A fake Events API v2: `POST /v2/enqueue` answers 202 with a dedup key for a trigger event with
/// a routing key, summary, source and severity, and 400 otherwise.
pub fn events_server() -> TestServer {
    TestServer::start(|req| {
        if req.method != "POST" || req.path() != "/v2/enqueue" {
            return Reply::json(
                404,
                &json!({ "status": "not found", "message": "Not Found" }),
            );
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let valid = body["routing_key"].as_str().is_some_and(|k| !k.is_empty())
            && body["event_action"] == json!("trigger")
            && body["payload"]["summary"].is_string()
            && body["payload"]["source"].is_string()
            && matches!(
                body["payload"]["severity"].as_str(),
                Some("critical" | "error" | "warning" | "info")
            );
        if !valid {
            return Reply::json(
                400,
                &json!({ "status": "invalid event", "message": "Event object is invalid", "errors": ["'payload' is missing or invalid"] }),
            );
        }
        let mut receipt = json_fixture("pagerduty/enqueue.json");
        receipt["dedup_key"] = json!(format!(
            "dedup-{}",
            body["payload"]["summary"]
                .as_str()
                .unwrap_or_default()
                .len()
        ));
        Reply::json(202, &receipt)
    })
}

/// The first record in `records` that `matches`, copied out of the lock.
fn first_of(records: &Mutex<Vec<Value>>, matches: impl Fn(&Value) -> bool) -> Option<Value> {
    records.lock().unwrap().iter().find(|r| matches(r)).cloned()
}
