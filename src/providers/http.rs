//! The one HTTP client every provider uses, so timeouts, retries, rate limits, conditional requests,
//! size limits, redirects and secret redaction are written once.
//!
//! - **Timeouts:** a connect timeout and a total timeout per attempt (sending, waiting and reading
//!   the body). `GREENROOM_HTTP_TIMEOUT_MS` sets both (tests use it for hung servers).
//! - **Retries:** bounded (`GREENROOM_HTTP_RETRIES`, default 2) with exponential backoff, for
//!   connection failures and, on idempotent requests, 5xx answers. Timeouts are not retried: a hung
//!   server stays hung, and the user waits once, not three times.
//! - **Rate limits:** 429 and GitHub-style 403s (`retry-after`, or `x-ratelimit-remaining: 0` with
//!   `x-ratelimit-reset`) wait when the wait is short (at most `GREENROOM_HTTP_MAX_WAIT_MS`, default
//!   10 s) and otherwise fail at once with [`ProviderError::RateLimited`], which says until when.
//! - **Conditional requests:** cacheable GETs are stored in the disk [`Cache`]; the stored ETag is
//!   sent as `If-None-Match`, and a 304 (which costs no GitHub rate limit) answers with the stored
//!   body.
//! - **Size:** a body larger than [`Options::max_body`] (20 MB) is refused without being read into
//!   memory; `tail` calls (logs) keep only the last N bytes of any length.
//! - **Redirects** are followed here, not by reqwest, for GETs only (at most 5 hops); the vendor's
//!   credentials go only to the vendor's own origin (scheme, host and port of its base URL), so a
//!   redirect to a log store or any other host never carries the token, and an ETag is only sent
//!   to the first URL.
//! - **Secrets:** the token lives in a [`Secret`] and is exposed only to build the header; logs and
//!   errors are built from the method, a redacted URL and the status, never from headers or reqwest's
//!   own error text (which includes the full URL). Query strings are kept for the vendor's own
//!   origin with secret-looking parameters masked, and dropped for other hosts (signed log URLs).
//! - **Logging:** with [`Log::Stderr`] (`--verbose`), one line per exchange:
//!   `GET https://… 200 123ms (cache: miss|304|hit)`.

use super::cache::{Cache, Entry};
pub use super::time::clock;
use super::ProviderError;
use crate::config::Secret;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use url::Url;

/// Limits of the client; [`Options::from_env`] reads the test overrides.
#[derive(Clone, Debug)]
pub struct Options {
    pub connect_timeout: Duration,
    /// The whole of one attempt: connecting, sending, waiting and reading the body.
    pub timeout: Duration,
    /// Extra attempts after the first.
    pub retries: u32,
    /// The first backoff; doubled on each retry.
    pub backoff: Duration,
    /// The longest the client sleeps for one rate-limit or backoff wait; longer waits fail with
    /// the time the limit resets.
    pub max_wait: Duration,
    /// The largest body read into memory.
    pub max_body: usize,
    /// Requests in flight at once (per client): hundreds of services refresh a few at a time.
    pub max_concurrent: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(10),
            max_body: 20 * 1024 * 1024,
            max_concurrent: 8,
        }
    }
}

impl Options {
    /// The defaults, with `GREENROOM_HTTP_TIMEOUT_MS` (connect and total timeout),
    /// `GREENROOM_HTTP_RETRIES` and `GREENROOM_HTTP_MAX_WAIT_MS` applied.
    pub fn from_env() -> Options {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let mut options = Options::default();
        if let Some(ms) = number("GREENROOM_HTTP_TIMEOUT_MS") {
            options.timeout = Duration::from_millis(ms.max(1));
            options.connect_timeout = options.connect_timeout.min(options.timeout);
        }
        if let Some(n) = number("GREENROOM_HTTP_RETRIES") {
            options.retries = n.min(10) as u32;
        }
        if let Some(ms) = number("GREENROOM_HTTP_MAX_WAIT_MS") {
            options.max_wait = Duration::from_millis(ms);
        }
        options
    }
}

/// Where request logs go: nowhere, stderr (`--verbose` in the CLI), or a function (the TUI can
/// keep them for a log view instead of writing over its screen).
#[derive(Clone, Default)]
pub enum Log {
    #[default]
    Off,
    Stderr,
    To(Arc<dyn Fn(String) + Send + Sync>),
}

impl Log {
    pub fn verbose(on: bool) -> Log {
        if on {
            Log::Stderr
        } else {
            Log::Off
        }
    }

    fn write(&self, line: String) {
        match self {
            Log::Off => {}
            Log::Stderr => eprintln!("{line}"),
            Log::To(sink) => sink(line),
        }
    }

    fn is_on(&self) -> bool {
        !matches!(self, Log::Off)
    }
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Log::Off => "Off",
            Log::Stderr => "Stderr",
            Log::To(_) => "To(..)",
        })
    }
}

/// One vendor's API: its name for messages, its base URL (whose origin alone receives the
/// credentials), its default headers and its token.
#[derive(Clone, Debug)]
pub struct Service {
    pub name: &'static str,
    pub base: Url,
    /// What to do about a rejected token, for 401 messages, e.g. "check GITHUB_TOKEN".
    pub token_hint: &'static str,
    headers: Vec<(HeaderName, HeaderValue)>,
    auth: Option<(&'static str, Secret)>,
    /// More secrets masked by [`Service::redact`] (signing keys that never travel, session tokens).
    hidden: Vec<Secret>,
    /// Query parameters masked in logs and errors besides the secret-looking names (PagerDuty's
    /// `query`, which carries an integration key).
    secret_params: Vec<&'static str>,
}

impl Service {
    /// `base` is the API root, e.g. `https://api.github.com` or `https://ghe.example/api/v3`.
    pub fn new(
        name: &'static str,
        base: &str,
        token_hint: &'static str,
    ) -> Result<Service, ProviderError> {
        let base = Url::parse(base.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| ProviderError::NotConfigured {
                service: name,
                hint: format!("the {name} API URL {base:?} is not an http(s) URL"),
            })?;
        Ok(Service {
            name,
            base,
            token_hint,
            headers: Vec::new(),
            auth: None,
            hidden: Vec::new(),
            secret_params: Vec::new(),
        })
    }

    /// A header sent with every request to this service (not secret: it may be logged).
    pub fn header(mut self, name: &'static str, value: &str) -> Service {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), value));
        }
        self
    }

    /// A query parameter whose value logs and errors never show.
    pub fn secret_param(mut self, name: &'static str) -> Service {
        self.secret_params.push(name);
        self
    }

    /// The token, sent as `Authorization: {scheme} {token}` to this service's origin only.
    pub fn auth(mut self, scheme: &'static str, token: Secret) -> Service {
        self.auth = Some((scheme, token));
        self
    }

    /// A secret header (a session token), marked sensitive and masked in anything a server says.
    pub fn secret_header(mut self, name: &'static str, value: Secret) -> Service {
        if let Ok(mut header) = HeaderValue::from_str(value.expose()) {
            header.set_sensitive(true);
            self.headers.push((HeaderName::from_static(name), header));
        }
        self.hide(value)
    }

    /// A secret that is never sent (a signing key) but must never be repeated either.
    pub fn hide(mut self, secret: Secret) -> Service {
        if !secret.is_empty() {
            self.hidden.push(secret);
        }
        self
    }

    /// The service URL for `path` (which starts with `/`), below the base URL's path.
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }

    /// `text` with the token masked: for anything a server said (error messages, JSON errors quoting
    /// a value), in case a server echoes what it was sent.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.auth.iter().map(|(_, t)| t).chain(&self.hidden) {
            if !secret.is_empty() && text.contains(secret.expose()) {
                text = text.replace(secret.expose(), "***");
            }
        }
        text
    }

    fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    /// The URL as logs and errors show it: no user info, no fragment; the query kept for this
    /// service's own origin (secret-looking parameters masked) and dropped for any other host.
    pub fn display_url(&self, url: &Url) -> String {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.set_fragment(None);
        if shown.query().is_some() {
            if self.same_origin(url) {
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(k, v)| {
                        let masked = if looks_secret(&k) || self.secret_params.contains(&&*k) {
                            "***".to_string()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), masked)
                    })
                    .collect();
                shown.query_pairs_mut().clear().extend_pairs(pairs);
            } else {
                shown.set_query(None);
                return format!("{shown}?…");
            }
        }
        shown.to_string()
    }
}

fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "token",
        "sig",
        "key",
        "secret",
        "pass",
        "credential",
        "auth",
        "code",
        "session",
    ]
    .iter()
    .any(|s| name.contains(s))
}

/// How a GET uses the disk cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Neither read nor written.
    NoStore,
    /// Always asks the server, conditionally when an ETag is stored.
    Revalidate,
    /// Answers from the cache without a request when the stored answer is younger than this;
    /// otherwise as `Revalidate`.
    FreshFor(Duration),
}

/// Where an answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheStatus {
    /// Not cacheable (POSTs, `NoStore`).
    None,
    /// From the server, now stored.
    Miss,
    /// The server said 304 Not Modified: the stored body, confirmed current.
    Revalidated,
    /// From the cache without a request.
    Hit,
}

impl CacheStatus {
    fn label(self) -> Option<&'static str> {
        match self {
            CacheStatus::None => None,
            CacheStatus::Miss => Some("miss"),
            CacheStatus::Revalidated => Some("304"),
            CacheStatus::Hit => Some("hit"),
        }
    }
}

/// A request to make.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    pub cache: CachePolicy,
    /// Keep only the last this-many bytes of the body (log tails), whatever its size.
    pub tail: Option<usize>,
}

impl Call {
    pub fn get(url: Url) -> Call {
        Call {
            method: Method::GET,
            url,
            body: None,
            cache: CachePolicy::NoStore,
            tail: None,
        }
    }

    pub fn post_json(url: Url, body: &serde_json::Value) -> Call {
        Call {
            method: Method::POST,
            url,
            body: Some(body.to_string().into_bytes()),
            cache: CachePolicy::NoStore,
            tail: None,
        }
    }

    pub fn cache(mut self, policy: CachePolicy) -> Call {
        self.cache = policy;
        self
    }

    pub fn tail(mut self, bytes: usize) -> Call {
        self.tail = Some(bytes);
        self
    }

    fn idempotent(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD)
    }

    fn cacheable(&self) -> bool {
        self.method == Method::GET && self.cache != CachePolicy::NoStore && self.tail.is_none()
    }
}

/// A successful (2xx or 304) answer.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// When the data was last confirmed by the server (for a cache hit: when it was stored).
    pub fetched_at: SystemTime,
    pub cache: CacheStatus,
    /// For `tail` calls: the body was longer and only its end is here.
    pub truncated: bool,
}

/// The rate limit the service last reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub remaining: Option<u64>,
    pub reset: Option<SystemTime>,
}

/// Counts since the client was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests sent over the network (each retry and redirect hop counts).
    pub requests: u64,
    /// Of those, answered 304 Not Modified.
    pub not_modified: u64,
    /// Answers served from the cache without a request.
    pub cache_hits: u64,
}

/// The client. Cheap to share (`Arc`); one per process is enough.
pub struct Client {
    http: reqwest::Client,
    options: Options,
    cache: Option<Cache>,
    log: Log,
    permits: tokio::sync::Semaphore,
    requests: AtomicU64,
    not_modified: AtomicU64,
    cache_hits: AtomicU64,
    rate: Mutex<Option<RateLimit>>,
}

/// What one network attempt ended with.
enum Attempt {
    Answer {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
        truncated: bool,
    },
    TooLarge,
}

enum Failure {
    Timeout,
    Connect(String),
    Other(String),
}

impl Client {
    pub fn new(options: Options, cache: Option<Cache>, log: Log) -> Client {
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            // Redirects are followed by `send`, which decides per hop whether credentials go along.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds (rustls, no system configuration needed)");
        let permits = tokio::sync::Semaphore::new(options.max_concurrent.max(1));
        Client {
            http,
            options,
            cache,
            log,
            permits,
            requests: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            rate: Mutex::new(None),
        }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            not_modified: self.not_modified.load(Ordering::Relaxed),
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
        }
    }

    /// The rate limit from the last answer that reported one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        *self.rate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The stored answer for a GET of `url`, if any, without a request. A damaged file is said to
    /// the user once and replaced by the next answer ([`Cache::get`]).
    pub fn cached(&self, url: &Url) -> Option<Entry> {
        self.cache.as_ref()?.get(url.as_str())
    }

    /// Extra attempts after the first ([`Options::retries`]).
    pub fn retries(&self) -> u32 {
        self.options.retries
    }

    /// The wait before retry number `attempt` (from 0): the backoff doubled each time, at most
    /// [`Options::max_wait`]. Writes retried by their provider wait the same as reads here.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.options
            .backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.options.max_wait)
    }

    /// Sends a call, with the retries, rate-limit waits, redirects and caching described above.
    pub async fn send(&self, service: &Service, call: Call) -> Result<Response, ProviderError> {
        let target = format!("{} {}", call.method, service.display_url(&call.url));
        let cached = if call.cacheable() {
            self.cached(&call.url)
        } else {
            None
        };
        if let (CachePolicy::FreshFor(window), Some(entry)) = (call.cache, &cached) {
            if entry.age() < window {
                self.cache_hits.fetch_add(1, Ordering::Relaxed);
                if self.log.is_on() {
                    self.log.write(format!(
                        "{target} cached {}s ago (cache: hit)",
                        entry.age().as_secs()
                    ));
                }
                return Ok(Response {
                    status: 200,
                    body: entry.body.clone(),
                    fetched_at: entry.fetched_at,
                    cache: CacheStatus::Hit,
                    truncated: false,
                });
            }
        }
        let etag = cached.as_ref().and_then(|e| e.etag.clone());
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let permit = self
                .permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            let result = tokio::time::timeout(
                self.options.timeout,
                self.exchange(service, &call, etag.as_deref(), started),
            )
            .await;
            drop(permit);
            let elapsed = started.elapsed();
            let (status, headers, body, truncated) = match result {
                Err(_) => {
                    self.log_line(format!("{target} timed out after {}", millis(elapsed)));
                    return Err(ProviderError::Timeout {
                        service: service.name,
                        target,
                        after: self.options.timeout,
                    });
                }
                Ok(Err(Failure::Timeout)) => {
                    self.log_line(format!("{target} timed out after {}", millis(elapsed)));
                    return Err(ProviderError::Timeout {
                        service: service.name,
                        target,
                        after: self.options.timeout,
                    });
                }
                Ok(Err(Failure::Connect(detail))) if attempt < self.options.retries => {
                    let wait = self.backoff(attempt);
                    self.log_line(format!(
                        "{target} failed: {detail} ({}; retrying in {})",
                        millis(elapsed),
                        millis(wait)
                    ));
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Ok(Err(Failure::Connect(detail) | Failure::Other(detail))) => {
                    self.log_line(format!("{target} failed: {detail} ({})", millis(elapsed)));
                    return Err(ProviderError::Network {
                        service: service.name,
                        target,
                        detail,
                    });
                }
                Ok(Ok(Attempt::TooLarge)) => {
                    self.log_line(format!(
                        "{target} refused: body over {} bytes",
                        self.options.max_body
                    ));
                    return Err(ProviderError::TooLarge {
                        service: service.name,
                        target,
                        limit: self.options.max_body,
                    });
                }
                Ok(Ok(Attempt::Answer {
                    status,
                    headers,
                    body,
                    truncated,
                })) => (status, headers, body, truncated),
            };
            let now = SystemTime::now();
            let rate = rate_limit(&headers);
            if rate.remaining.is_some() {
                *self.rate.lock().unwrap_or_else(|e| e.into_inner()) = Some(rate);
            }
            let outcome = match (status, &cached) {
                (304, Some(_)) => Some(CacheStatus::Revalidated),
                (200..=299, _) if call.cacheable() => Some(CacheStatus::Miss),
                (200..=299, _) => Some(CacheStatus::None),
                _ => None,
            };
            let cache_note = match outcome.and_then(CacheStatus::label) {
                Some(label) => format!(" (cache: {label})"),
                None => String::new(),
            };
            if let Some(outcome) = outcome {
                self.log_line(format!("{target} {status} {}{cache_note}", millis(elapsed)));
                let body = match outcome {
                    CacheStatus::Revalidated => {
                        self.not_modified.fetch_add(1, Ordering::Relaxed);
                        let mut entry = cached.expect("a 304 is only taken with a stored answer");
                        entry.fetched_at = now;
                        self.store(&call.url, &entry);
                        entry.body
                    }
                    CacheStatus::Miss => {
                        let etag = header_str(&headers, "etag").map(str::to_owned);
                        self.store(
                            &call.url,
                            &Entry {
                                url: call.url.to_string(),
                                etag,
                                fetched_at: now,
                                body: body.clone(),
                            },
                        );
                        body
                    }
                    _ => body,
                };
                return Ok(Response {
                    status,
                    body,
                    fetched_at: now,
                    cache: outcome,
                    truncated,
                });
            }
            // An error status.
            let message = error_message(&body).map(|m| service.redact(&m));
            if let Some(until) = rate_limited(status, &headers, message.as_deref(), now) {
                let wait = until.duration_since(now).unwrap_or_default();
                if attempt < self.options.retries && wait <= self.options.max_wait {
                    self.log_line(format!(
                        "{target} {status} {} (rate limited; retrying in {})",
                        millis(elapsed),
                        millis(wait)
                    ));
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                self.log_line(format!(
                    "{target} {status} {} (rate limited until {})",
                    millis(elapsed),
                    clock(until)
                ));
                return Err(ProviderError::RateLimited {
                    service: service.name,
                    target,
                    until: Some(until),
                });
            }
            if status >= 500 && call.idempotent() && attempt < self.options.retries {
                let wait = self.backoff(attempt);
                self.log_line(format!(
                    "{target} {status} {} (retrying in {})",
                    millis(elapsed),
                    millis(wait)
                ));
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            self.log_line(format!("{target} {status} {}", millis(elapsed)));
            let service_name = service.name;
            return Err(match status {
                401 => ProviderError::Unauthorized {
                    service: service_name,
                    target,
                    hint: service.token_hint,
                },
                403 => ProviderError::Forbidden {
                    service: service_name,
                    target,
                    message: message.unwrap_or_default(),
                },
                404 => ProviderError::NotFound {
                    service: service_name,
                    target,
                },
                500..=599 => ProviderError::Server {
                    service: service_name,
                    target,
                    status,
                },
                _ => ProviderError::Status {
                    service: service_name,
                    target,
                    status,
                    message: message.unwrap_or_default(),
                },
            });
        }
    }

    /// One attempt: the request and its redirect hops, the body read within the limits.
    async fn exchange(
        &self,
        service: &Service,
        call: &Call,
        etag: Option<&str>,
        started: Instant,
    ) -> Result<Attempt, Failure> {
        let mut url = call.url.clone();
        for hop in 0..=5 {
            let mut request = self.http.request(call.method.clone(), url.clone());
            for (name, value) in &service.headers {
                request = request.header(name, value);
            }
            if service.same_origin(&url) {
                if let Some((scheme, token)) = &service.auth {
                    let mut value = HeaderValue::from_str(&format!("{scheme} {}", token.expose()))
                        .map_err(|_| {
                            Failure::Other(
                                "the token holds characters a header cannot carry".into(),
                            )
                        })?;
                    value.set_sensitive(true);
                    request = request.header(reqwest::header::AUTHORIZATION, value);
                }
            }
            if hop == 0 {
                if let Some(etag) = etag {
                    request = request.header(reqwest::header::IF_NONE_MATCH, etag);
                }
                if let Some(body) = &call.body {
                    // JSON unless the service says otherwise (AWS: application/x-amz-json-1.1).
                    if !service
                        .headers
                        .iter()
                        .any(|(name, _)| name == reqwest::header::CONTENT_TYPE)
                    {
                        request = request.header(reqwest::header::CONTENT_TYPE, "application/json");
                    }
                    request = request.body(body.clone());
                }
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let response = request.send().await.map_err(failure)?;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url.join(l).ok());
            if let (true, Some(next), true) = (
                (300..400).contains(&status) && status != 304,
                location,
                call.idempotent(),
            ) {
                let credentials = if service.same_origin(&next) {
                    ""
                } else {
                    ", without credentials"
                };
                self.log_line(format!(
                    "{} {} {status} {} → {}{credentials}",
                    call.method,
                    service.display_url(&url),
                    millis(started.elapsed()),
                    service.display_url(&next)
                ));
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(Failure::Other(format!(
                        "redirected to a {} URL",
                        next.scheme()
                    )));
                }
                url = next;
                continue;
            }
            let headers = response.headers().clone();
            return self
                .read_body(response, call.tail)
                .await
                .map(|read| match read {
                    Some((body, truncated)) => Attempt::Answer {
                        status,
                        headers,
                        body,
                        truncated,
                    },
                    None => Attempt::TooLarge,
                });
        }
        Err(Failure::Other("more than 5 redirects".into()))
    }

    /// The body, chunk by chunk: `None` past the size limit (without reading further); with `tail`,
    /// only the last `tail` bytes are kept.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        tail: Option<usize>,
    ) -> Result<Option<(Vec<u8>, bool)>, Failure> {
        let limit = self.options.max_body;
        if tail.is_none()
            && response
                .content_length()
                .is_some_and(|len| len > limit as u64)
        {
            return Ok(None);
        }
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await.map_err(failure)? {
            body.extend_from_slice(&chunk);
            match tail {
                Some(keep) if body.len() > keep.saturating_mul(2).max(64 * 1024) => {
                    body.drain(..body.len() - keep);
                    truncated = true;
                }
                None if body.len() > limit => return Ok(None),
                _ => {}
            }
        }
        if let Some(keep) = tail {
            if body.len() > keep {
                body.drain(..body.len() - keep);
                truncated = true;
            }
        }
        Ok(Some((body, truncated)))
    }

    fn store(&self, url: &Url, entry: &Entry) {
        if let Some(cache) = &self.cache {
            if let Err(err) = cache.put(url.as_str(), entry) {
                self.log_line(format!(
                    "cache: cannot write {}: {err}",
                    cache.dir().display()
                ));
            }
        }
    }

    fn log_line(&self, line: String) {
        self.log.write(line);
    }
}

/// A reqwest error as a failure, described by its kind and its innermost cause, never by its own
/// text (which names the full URL, query included).
fn failure(err: reqwest::Error) -> Failure {
    if err.is_timeout() {
        return Failure::Timeout;
    }
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&err);
    let mut detail = None;
    while let Some(inner) = cause {
        detail = Some(inner.to_string());
        cause = inner.source();
    }
    let (connect, body) = (err.is_connect(), err.is_body() || err.is_decode());
    let detail = detail.unwrap_or_else(|| err.without_url().to_string());
    if connect {
        Failure::Connect(detail)
    } else if body {
        Failure::Other(format!("the answer broke off: {detail}"))
    } else {
        Failure::Other(detail)
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn rate_limit(headers: &HeaderMap) -> RateLimit {
    let number = |name| header_str(headers, name).and_then(|v| v.parse::<u64>().ok());
    RateLimit {
        remaining: number("x-ratelimit-remaining"),
        reset: number("x-ratelimit-reset")
            .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
    }
}

/// When a rate-limited answer may be retried, or `None` when the answer is not about rate limits:
/// `retry-after` (seconds or an HTTP date), else an exhausted `x-ratelimit-remaining` with its
/// `x-ratelimit-reset`, else a 429 or a 403 saying "rate limit" (GitHub's secondary limits: wait a
/// minute).
pub fn rate_limited(
    status: u16,
    headers: &HeaderMap,
    message: Option<&str>,
    now: SystemTime,
) -> Option<SystemTime> {
    // AWS JSON APIs answer 400 with a ThrottlingException (Cost Explorer: LimitExceededException);
    // `error_message` puts the type first.
    let throttled = status == 400
        && message.is_some_and(|m| {
            [
                "ThrottlingException",
                "TooManyRequestsException",
                "LimitExceededException",
            ]
            .iter()
            .any(|t| m.starts_with(t))
        });
    if status != 429 && status != 403 && !throttled {
        return None;
    }
    if let Some(value) = header_str(headers, "retry-after") {
        if let Ok(secs) = value.parse::<u64>() {
            return Some(now + Duration::from_secs(secs));
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
            return Some(SystemTime::from(date).max(now));
        }
    }
    // PagerDuty: `ratelimit-reset`, seconds until the limit resets.
    if let Some(secs) = header_str(headers, "ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
        return Some(now + Duration::from_secs(secs));
    }
    let rate = rate_limit(headers);
    if rate.remaining == Some(0) {
        // GitHub's reset is a whole second; one more second avoids asking a moment too early.
        return Some(rate.reset.map_or(now + Duration::from_secs(60), |reset| {
            (reset + Duration::from_secs(1)).max(now)
        }));
    }
    if throttled {
        // AWS says nothing of when: a short pause, as its SDKs back off.
        return Some(now + Duration::from_secs(2));
    }
    if status == 429 || message.is_some_and(|m| m.to_ascii_lowercase().contains("rate limit")) {
        return Some(now + Duration::from_secs(60));
    }
    None
}

/// The `message` of a JSON error body (GitHub, PagerDuty and most APIs have one), short and on one
/// line; AWS JSON errors lead with their `__type` (`ExpiredTokenException: The security token…`).
fn error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
    let said = text(value.get("message"))
        .or_else(|| text(value.get("Message")))
        .or_else(|| text(value.get("error").and_then(|e| e.get("message"))));
    let aws_type = text(value.get("__type")).map(|t| {
        // `namespace#Type` or `namespace#Type:http://…` (older services).
        let t = t.rsplit('#').next().unwrap_or_default();
        t.split(':').next().unwrap_or_default().to_string()
    });
    let message = match (aws_type, said) {
        (Some(kind), Some(said)) => format!("{kind}: {said}"),
        (Some(kind), None) => kind,
        (None, Some(said)) => said,
        (None, None) => return None,
    };
    let clean: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    Some(clean.trim().to_string()).filter(|m| !m.is_empty())
}

fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn rate_limits_from_retry_after_and_reset() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let after = rate_limited(429, &headers(&[("retry-after", "3")]), None, now).unwrap();
        assert_eq!(after.duration_since(now).unwrap(), Duration::from_secs(3));
        let date = rate_limited(
            429,
            &headers(&[("retry-after", "Tue, 14 Nov 2023 22:14:00 GMT")]),
            None,
            now,
        )
        .unwrap();
        assert_eq!(
            date.duration_since(now).unwrap(),
            Duration::from_secs(1_700_000_040 - 1_700_000_000)
        );
        let reset = rate_limited(
            403,
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000600"),
            ]),
            Some("API rate limit exceeded"),
            now,
        )
        .unwrap();
        assert_eq!(reset.duration_since(now).unwrap(), Duration::from_secs(601));
        let pagerduty =
            rate_limited(429, &headers(&[("ratelimit-reset", "7")]), None, now).unwrap();
        assert_eq!(
            pagerduty.duration_since(now).unwrap(),
            Duration::from_secs(7)
        );
        // A 403 with quota left and no rate-limit words is a permission problem.
        assert_eq!(
            rate_limited(
                403,
                &headers(&[("x-ratelimit-remaining", "10")]),
                Some("Resource not accessible"),
                now
            ),
            None
        );
        assert!(rate_limited(
            403,
            &HeaderMap::new(),
            Some("You have exceeded a secondary rate limit"),
            now
        )
        .is_some());
        assert_eq!(
            rate_limited(500, &headers(&[("retry-after", "3")]), None, now),
            None
        );
    }

    #[test]
    fn display_urls_hide_credentials_and_foreign_queries() {
        let service = Service::new("GitHub", "https://api.github.com/", "").unwrap();
        let own = Url::parse("https://u:p@api.github.com/repos/o/r/actions/runs?per_page=5&branch=main&access_token=abc#x").unwrap();
        assert_eq!(
            service.display_url(&own),
            "https://api.github.com/repos/o/r/actions/runs?per_page=5&branch=main&access_token=***"
        );
        let signed = Url::parse(
            "https://pipelines.actions.githubusercontent.com/logs?urlSignature=2TUD&urlExpires=1",
        )
        .unwrap();
        assert_eq!(
            service.display_url(&signed),
            "https://pipelines.actions.githubusercontent.com/logs?…"
        );
    }

    #[test]
    fn service_urls_keep_the_base_path() {
        let ghes = Service::new("GitHub", "https://ghe.example.com/api/v3/", "").unwrap();
        assert_eq!(
            ghes.url("/repos/o/r").as_str(),
            "https://ghe.example.com/api/v3/repos/o/r"
        );
        assert!(ghes.same_origin(&Url::parse("https://ghe.example.com/other").unwrap()));
        assert!(
            !ghes.same_origin(&Url::parse("http://ghe.example.com/api/v3").unwrap()),
            "a downgrade to http is another origin"
        );
        assert!(!ghes.same_origin(&Url::parse("https://ghe.example.com:8443/api/v3").unwrap()));
        assert!(Service::new("GitHub", "ftp://x", "").is_err());
    }

    #[test]
    fn error_messages_are_short_single_lines() {
        assert_eq!(
            error_message(br#"{"message":"Bad\ncredentials","documentation_url":"x"}"#).as_deref(),
            Some("Bad credentials")
        );
        assert_eq!(error_message(b"<html>"), None);
        assert_eq!(
            error_message(br#"{"__type":"com.amazon.coral.service#ExpiredTokenException","Message":"expired"}"#).as_deref(),
            Some("ExpiredTokenException: expired")
        );
        assert_eq!(
            error_message(&format!(r#"{{"message":"{}"}}"#, "x".repeat(500)).into_bytes())
                .unwrap()
                .len(),
            200
        );
    }
}
