//! The PagerDuty connection over the shared HTTP client: settings and the token, the REST and
//! Events API base URLs, reads from the network or from the disk cache alone, offset paging, the
//! token masked in answers and errors, and the write path with its retries. The resource files
//! (`services`, `incidents`, `oncall`, `events`) add their requests to [`PagerDuty`]; this file
//! uses none of them.

use super::decode::{decode_one, decode_page, Wire};
use super::model::is_pagerduty_id;
use crate::config::{Config, Secret};
use crate::providers::cache::Entry;
use crate::providers::http::{CachePolicy, CacheStatus, Call, Client, Response, Service as Api};
use crate::providers::{Fetched, ProviderError};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use url::Url;

const TOKEN_HINT: &str = "check PAGERDUTY_TOKEN or token under [pagerduty] in config.toml (a REST API key), and PAGERDUTY_API_URL for EU accounts";
/// The REST API, as errors name it.
pub(super) const SERVICE: &str = "PagerDuty";
/// The Events API, as errors name it.
pub(super) const EVENTS: &str = "PagerDuty Events";

/// Items asked per page (PagerDuty's maximum for incidents).
pub const PAGE_LIMIT: usize = 100;
/// Pages followed at most per list: 5,000 items.
pub const MAX_PAGES: usize = 50;

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

/// Where a read looks: the network (with a cache policy), or the disk cache alone.
#[derive(Clone, Copy, Debug)]
pub(super) enum Mode {
    Network(CachePolicy),
    Stored,
}

/// Why a read has no answer: nothing stored (cache-only reads), or an error.
pub(super) enum Miss {
    NotStored,
    Failed(ProviderError),
}

impl From<ProviderError> for Miss {
    fn from(err: ProviderError) -> Self {
        Miss::Failed(err)
    }
}

pub(super) type Got<T> = Result<Fetched<T>, Miss>;

/// A network read's answer or error.
pub(super) fn network<T>(result: Got<T>) -> Result<Fetched<T>, ProviderError> {
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

/// A cache-only read's answer, when everything it needs is stored.
pub(super) fn stored<T>(result: Got<T>) -> Option<Fetched<T>> {
    result.ok()
}

/// An answer there was nothing to ask for (no well-formed ID among those given).
pub(super) fn unasked<T>(value: T) -> Fetched<T> {
    Fetched {
        value,
        fetched_at: SystemTime::now(),
        from_cache: false,
    }
}

/// How fresh a value made of several answers is: as old as its oldest answer, and from the cache
/// only when every answer was.
pub(super) struct Freshness {
    oldest: Option<SystemTime>,
    all_cached: bool,
}

impl Freshness {
    pub(super) fn new() -> Freshness {
        Freshness {
            oldest: None,
            all_cached: true,
        }
    }

    pub(super) fn add(&mut self, fetched_at: SystemTime, from_cache: bool) {
        self.oldest = Some(self.oldest.map_or(fetched_at, |o| o.min(fetched_at)));
        self.all_cached &= from_cache;
    }

    /// Whether no answer was added.
    pub(super) fn is_empty(&self) -> bool {
        self.oldest.is_none()
    }

    /// `value` with this freshness (now, when no answer was added).
    pub(super) fn fetched<T>(self, value: T) -> Fetched<T> {
        Fetched {
            value,
            fetched_at: self.oldest.unwrap_or_else(SystemTime::now),
            from_cache: self.all_cached,
        }
    }
}

/// `Ok` when `id` is a PagerDuty ID (so it can go into a path); else `Unknown`, naming it as `kind`.
pub(super) fn require_id(id: &str, kind: &str, hint: &str) -> Result<(), ProviderError> {
    if is_pagerduty_id(id) {
        return Ok(());
    }
    Err(ProviderError::Unknown {
        service: SERVICE,
        what: format!("{kind} {id:?}"),
        hint: hint.into(),
    })
}

/// A PagerDuty connection: the REST and Events services over the shared client.
#[derive(Clone)]
pub struct PagerDuty {
    pub(super) client: Arc<Client>,
    pub(super) api: Api,
    pub(super) events: Api,
    pub(super) from_email: Option<String>,
    /// The bare token, to mask it in anything a server said (the header carries `token=…`).
    token: Secret,
    /// Integration keys resolved so far (key → service ID).
    pub(super) keys: Arc<Mutex<HashMap<String, String>>>,
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
                }) if attempt < self.client.retries()
                    && untimed_429(until, self.client.options().max_wait) =>
                {
                    tokio::time::sleep(self.client.backoff(attempt)).await;
                    attempt += 1;
                }
                Err(err) => return Err(Miss::Failed(self.scrub(err))),
            }
        }
    }

    /// A `BadResponse` for an answer that could not be read, with the token masked.
    pub(super) fn bad(&self, method: &str, url: &Url, detail: String) -> ProviderError {
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
    pub(super) fn scrub(&self, err: ProviderError) -> ProviderError {
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

    /// One object (`field` of the answer), as its plain struct.
    pub(super) async fn one<Raw: Wire>(
        &self,
        url: Url,
        field: &str,
        mode: Mode,
    ) -> Got<Raw::Plain> {
        let (body, fetched_at, hit) = self.get(&url, mode).await?;
        let value =
            decode_one::<Raw>(&body, field).map_err(|detail| self.bad("GET", &url, detail))?;
        Ok(Fetched {
            value,
            fetched_at,
            from_cache: hit,
        })
    }

    /// Every item of a list (`field`), following `offset`/`more` to the end, at most
    /// [`MAX_PAGES`] pages. `fetched_at` is the oldest page's; `from_cache` when every page was.
    pub(super) async fn all<Raw: Wire>(
        &self,
        base: &Url,
        field: &str,
        mode: Mode,
    ) -> Got<Vec<Raw::Plain>> {
        let mut items = Vec::new();
        let mut freshness = Freshness::new();
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let mut url = base.clone();
            url.query_pairs_mut()
                .append_pair("limit", &PAGE_LIMIT.to_string())
                .append_pair("offset", &offset.to_string());
            let (body, fetched_at, hit) = self.get(&url, mode).await?;
            let (page, more) =
                decode_page::<Raw>(&body, field).map_err(|detail| self.bad("GET", &url, detail))?;
            freshness.add(fetched_at, hit);
            let count = page.len();
            items.extend(page);
            if !more || count == 0 {
                break;
            }
            offset += count;
        }
        Ok(freshness.fetched(items))
    }
}

/// What to do after a write that may have landed, once the client has looked.
pub(super) enum Recheck<T> {
    /// It did not take effect, or sending it again is harmless: send it again.
    SendAgain,
    /// It took effect: this is what it made.
    Done(T),
    /// Looking failed: give up with the write's own error.
    GiveUp,
}

/// How a write ended: with the server's answer, or with what a recheck found after a lost one.
pub(super) enum Written<T> {
    Answered(Response),
    Found(T),
}

/// Whether a write that failed may still have been applied: its answer was a server error, or
/// never came. (A refused connection or a 429 was not applied; the client retries those itself.)
fn may_have_landed(err: &ProviderError) -> bool {
    matches!(
        err,
        ProviderError::Server { .. } | ProviderError::Timeout { .. }
    )
}

/// Sends a write, and again while it fails in a way that means it may have landed, at most
/// [`Client::retries`] more times with the client's backoff. Before each retry `recheck` looks
/// whether the last attempt took effect, so a change is never asked for twice without knowing.
/// Errors are as the client gave them (not masked).
pub(super) async fn send_write<T, Look, Looked>(
    client: &Client,
    api: &Api,
    call: &Call,
    mut recheck: Look,
) -> Result<Written<T>, ProviderError>
where
    Look: FnMut() -> Looked,
    Looked: Future<Output = Recheck<T>>,
{
    let mut attempt = 0;
    loop {
        match client.send(api, call.clone()).await {
            Ok(response) => return Ok(Written::Answered(response)),
            Err(err) if may_have_landed(&err) && attempt < client.retries() => {
                tokio::time::sleep(client.backoff(attempt)).await;
                attempt += 1;
                match recheck().await {
                    Recheck::SendAgain => {}
                    Recheck::Done(found) => return Ok(Written::Found(found)),
                    Recheck::GiveUp => return Err(err),
                }
            }
            Err(err) => return Err(err),
        }
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
/// The Events API v2 service: no credentials (the routing key is in the body).
pub(super) fn events_api(events_url: &str) -> Result<Api, ProviderError> {
    Api::new(
        EVENTS,
        events_url,
        "the Events API takes no token; check the integration key",
    )
}
