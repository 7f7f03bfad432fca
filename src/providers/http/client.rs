//! [`Client`]: sends a [`Call`] with the timeouts, retries, rate-limit waits, redirects, size
//! limits and caching the module's documentation describes.

use super::answer::{error_message, header_str, rate_limit, rate_limited};
use super::service::Service;
use super::{CachePolicy, CacheStatus, Call, Log, Options, RateLimit, Response, Stats};
use crate::providers::cache::{Cache, Entry};
use crate::providers::time::clock;
use crate::providers::ProviderError;
use reqwest::header::{HeaderMap, HeaderValue};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

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
    /// The client a command or pane uses: timeouts from the environment, the disk cache where
    /// the config keeps one (none for the demo).
    pub fn from_config(config: &crate::config::Config, log: Log) -> Client {
        let cache = config.provider_cache_dir().map(|dir| Cache::under(&dir));
        Client::new(Options::from_env(), cache, log)
    }

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

fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}
