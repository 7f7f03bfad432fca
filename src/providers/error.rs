//! [`ProviderError`]: why live data could not be had, worded for the user (service, request,
//! what to do).

use super::time::{clock, short_duration};
use std::time::{Duration, SystemTime};

/// Why live data could not be had. Every message names the service and, for answers, the request
/// (method and URL, with no token and no query secrets) and says what to do where there is
/// something to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("{service} is not configured: {hint}")]
    NotConfigured { service: &'static str, hint: String },
    #[error("{entity} has {detail}")]
    NoRepo { entity: String, detail: String },
    #[error("{service} rejected the token (401 Unauthorized) for {target}: {hint}")]
    Unauthorized {
        service: &'static str,
        target: String,
        hint: &'static str,
    },
    #[error("{service} refused {target} (403 Forbidden){}", colon(message))]
    Forbidden {
        service: &'static str,
        target: String,
        message: String,
    },
    #[error("{service} rate limit reached for {target}: {}", until_text(until))]
    RateLimited {
        service: &'static str,
        target: String,
        until: Option<SystemTime>,
    },
    #[error(
        "{service} has no such thing (404 Not Found) for {target}: {}",
        not_found_hint(service)
    )]
    NotFound {
        service: &'static str,
        target: String,
    },
    #[error("{service} server error {status} for {target}; try again later")]
    Server {
        service: &'static str,
        target: String,
        status: u16,
    },
    #[error("{service} answered {status} for {target}{}", colon(message))]
    Status {
        service: &'static str,
        target: String,
        status: u16,
        message: String,
    },
    #[error(
        "{service} did not answer {target} within {} (timed out)",
        seconds(after)
    )]
    Timeout {
        service: &'static str,
        target: String,
        after: Duration,
    },
    #[error("{service} sent an unexpected answer to {target}: {detail}")]
    BadResponse {
        service: &'static str,
        target: String,
        detail: String,
    },
    #[error("{service} sent more than {} MB for {target}; not read", limit / (1024 * 1024))]
    TooLarge {
        service: &'static str,
        target: String,
        limit: usize,
    },
    #[error("cannot reach {service} for {target}: {detail}")]
    Network {
        service: &'static str,
        target: String,
        detail: String,
    },
    /// The entity names no PagerDuty service (no usable annotation): a setup problem.
    #[error("{entity} has {detail}")]
    NoService { entity: String, detail: String },
    /// A definition's URL that no `[reading] allow` entry covers: not asked at all.
    #[error("{target} is not in the allow list: add {{ host = \"{host}\" }} to [reading] allow in config.toml to fetch it")]
    NotAllowed { target: String, host: String },
    /// A definition was fetched but cannot be put together (a `$ref` to a file that cannot be
    /// read, a file that does not parse).
    #[error("{target}: {detail}")]
    Definition { target: String, detail: String },
    /// The vendor has no such thing, found by looking (an integration key no service holds).
    #[error("{service} has no {what}{}", colon(hint))]
    Unknown {
        service: &'static str,
        what: String,
        hint: String,
    },
}

/// The service name in messages about an API definition's host (`definition.rs`).
pub const DEFINITION_HOST: &str = "the definition's host";

/// The service name in messages about a TechDocs site's host (`docs_site.rs`).
pub const DOCS_HOST: &str = "the docs' host";

fn not_found_hint(service: &str) -> &'static str {
    if service == DEFINITION_HOST {
        "check the URL in the API's spec.definition"
    } else if service == DOCS_HOST {
        "check the URL of the entity's backstage.io/techdocs-ref (the folder of its mkdocs.yml)"
    } else if service.starts_with("PagerDuty") {
        "check the pagerduty.com/service-id annotation (or the incident, user or policy ID), and that the token can see it"
    } else {
        "check the name (for GitHub, the OWNER/REPO of github.com/project-slug), and that the token can see it"
    }
}

fn colon(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn until_text(until: &Option<SystemTime>) -> String {
    match until {
        Some(time) => {
            let wait = time.duration_since(SystemTime::now()).unwrap_or_default();
            let wait = Duration::from_secs(wait.as_secs_f64().ceil() as u64);
            format!(
                "rate limited until {} (in {})",
                clock(*time),
                short_duration(wait)
            )
        }
        None => "rate limited; try again later".into(),
    }
}

fn seconds(d: &Duration) -> String {
    if d.as_millis() % 1000 == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl ProviderError {
    /// Not configured, or nothing to ask for: a setup problem, not a failure of the service.
    pub fn is_setup(&self) -> bool {
        matches!(
            self,
            ProviderError::NotConfigured { .. }
                | ProviderError::NoRepo { .. }
                | ProviderError::NoService { .. }
        )
    }

    /// The service could not be reached or answer now (network, timeout, 5xx, rate limit): the
    /// last known data is worth showing, with its age.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::Network { .. }
                | ProviderError::Timeout { .. }
                | ProviderError::Server { .. }
                | ProviderError::RateLimited { .. }
        )
    }
}
