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

mod answer;
mod client;
mod service;

pub use super::time::clock;
pub use answer::rate_limited;
pub use client::Client;
pub use service::Service;

use reqwest::Method;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
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
