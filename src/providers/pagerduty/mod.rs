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
//!
//! The parts: `model` (the plain data all of them share), `decode` (wire shapes and JSON errors),
//! `client` (the connection: settings, token, reads, paging, writes with retries), `service_map`
//! (entities ↔ services), and the resources on top of the client: `services`, `incidents`,
//! `oncall` and `events`.

mod client;
mod decode;
mod events;
mod incidents;
mod model;
mod oncall;
mod service_map;
mod services;

pub use client::{is_global, not_configured, PagerDuty, PagerDutySettings, MAX_PAGES, PAGE_LIMIT};
pub use decode::decode_all;
pub use events::{trigger, Severity, TriggerEvent};
pub use incidents::{
    parse_incident_ref, sort_incidents, IncidentAction, IncidentRef, OpenIncidents,
    SERVICES_PER_REQUEST,
};
pub use model::{
    is_pagerduty_id, Assignment, ContactMethod, Incident, IncidentStatus, Integration, LogEntry,
    OnCall, OnCallUser, Reference, ResolvedService, Service, ServiceRef, TriggerReceipt, Urgency,
    User, INTEGRATION_KEY_ANNOTATION, SERVICE_ID_ANNOTATION,
};
pub use oncall::{order_oncalls, OnCallChain};
pub use service_map::{is_annotated, service_refs, ServiceMap};
pub use services::KEY_MAPPING_WINDOW;
