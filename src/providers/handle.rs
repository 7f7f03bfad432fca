//! [`ProviderHandle`]: the providers on their own tokio runtime, for the TUI's synchronous event
//! loop. It runs each [`Request`] once however many entities wait for it, answers from the cache
//! within the refresh window, and sends stored data ahead of the fresh answer.

use super::cache;
use super::fetched::Fetched;
use super::github::{self, GitHub, Slug};
use super::http::{self, CachePolicy, Client, Log};
use super::message::{ProviderMessage, Reply};
use super::options::{GitHubSettings, ProviderOptions};
use super::pagerduty::{self, PagerDuty};
use super::request::{Key, Request};
use super::ProviderError;
use crate::config::Config;
use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Slow-changing data (PagerDuty services, users' contact methods; GitHub default branches) is
/// trusted this long between explicit refreshes.
const SLOW_WINDOW: Duration = Duration::from_secs(3600);

/// An answer on its way, before it is addressed to the entities waiting for it.
type Answer = Result<Fetched<Reply>, ProviderError>;

struct Shared {
    settings: GitHubSettings,
    options: ProviderOptions,
    client: Arc<Client>,
    github: tokio::sync::OnceCell<Result<GitHub, ProviderError>>,
    pagerduty: Result<PagerDuty, ProviderError>,
    sender: mpsc::Sender<ProviderMessage>,
    /// Requests running, with the entities waiting for each.
    inflight: Mutex<HashMap<Key, Vec<String>>>,
}

impl Shared {
    async fn github(&self) -> Result<GitHub, ProviderError> {
        self.github
            .get_or_init(|| async {
                let settings = self.settings.clone();
                let client = self.client.clone();
                // `gh auth token` is a process: off the async threads.
                tokio::task::spawn_blocking(move || {
                    let token = settings
                        .token
                        .clone()
                        .filter(|t| !t.is_empty())
                        .or_else(|| {
                            if settings.try_gh {
                                github::gh_token(&settings.api_url, Duration::from_secs(3))
                            } else {
                                None
                            }
                        });
                    GitHub::new(&settings.api_url, token, client)
                })
                .await
                .unwrap_or_else(|_| {
                    Err(ProviderError::NotConfigured {
                        service: "GitHub",
                        hint: "the token lookup failed".into(),
                    })
                })
            })
            .await
            .clone()
    }

    /// Sends the answer to `request` to every entity waiting for it; `last` ends the request.
    fn deliver(&self, request: &Request, last: bool, answer: &Answer) {
        let key = request.key();
        let waiters = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            if last {
                inflight.remove(&key).unwrap_or_default()
            } else {
                inflight.get(&key).cloned().unwrap_or_default()
            }
        };
        for entity in waiters {
            let message = ProviderMessage::new(request.for_entity(&entity), answer.clone());
            let _ = self.sender.send(message);
        }
        if let Some(wake) = &self.options.wake {
            wake();
        }
    }

    fn cache_policy(&self, forced: bool) -> CachePolicy {
        if forced {
            CachePolicy::Revalidate
        } else {
            CachePolicy::FreshFor(self.options.refresh_window)
        }
    }

    /// For slow-changing data: trusted for [`SLOW_WINDOW`] unless forced.
    fn slow_policy(&self, forced: bool) -> CachePolicy {
        if forced {
            CachePolicy::Revalidate
        } else {
            CachePolicy::FreshFor(self.options.refresh_window.max(SLOW_WINDOW))
        }
    }

    /// For data worth showing at once while it is checked (runs, open incidents, on-call): the
    /// stored answer (marked as from the cache) when it is younger than the refresh window and
    /// answers alone; an older one is sent ahead of the fresh answer.
    fn stored_first(
        &self,
        request: &Request,
        stored: Option<Fetched<Reply>>,
    ) -> Option<Fetched<Reply>> {
        let stored = Fetched {
            from_cache: true,
            ..stored?
        };
        if stored.age() < self.options.refresh_window {
            return Some(stored);
        }
        self.deliver(request, false, &Ok(stored));
        None
    }

    async fn serve(self: Arc<Self>, request: Request, forced: bool) {
        let answer =
            if let Request::Definition { url, .. } | Request::DocsSite { url, .. } = &request {
                // The GitHub token (perhaps `gh auth token`, a process) only for a GitHub URL.
                let github = if super::definition::on_github(url, &self.settings.api_url) {
                    self.github().await
                } else {
                    Err(ProviderError::NotConfigured {
                        service: "GitHub",
                        hint: "the URL is not on GitHub".into(),
                    })
                };
                let reader = super::definition::Reader {
                    client: &self.client,
                    reading: &self.options.reading,
                    github,
                };
                match &request {
                    Request::Definition { placeholder, .. } => {
                        reader.definition(placeholder, url).await.map(reply)
                    }
                    _ => super::docs_site::fetch(&reader, url, &self.options.docs_dir)
                        .await
                        .map(|dir| now(super::docs_site::SiteFolder(dir))),
                }
            } else if request.is_pagerduty() {
                self.ask_pagerduty(&request, forced).await
            } else {
                self.ask_github(&request, forced).await
            };
        self.deliver(&request, true, &answer);
    }

    async fn ask_github(&self, request: &Request, forced: bool) -> Answer {
        let github = self.github().await?;
        let Some(slug) = Slug::parse(request.slug()) else {
            return Err(ProviderError::NoRepo {
                entity: request.entity_key().to_string(),
                detail: format!(
                    "{} {:?}, which is not OWNER/REPO",
                    github::ANNOTATION,
                    request.slug()
                ),
            });
        };
        match request {
            Request::CiRuns { .. } => {
                let per_page = self.options.runs_per_repo;
                let stored = (!forced)
                    .then(|| github.cached_runs(&slug, per_page, None))
                    .flatten();
                // A fresh stored answer still goes through the client, which counts and logs the
                // hit.
                let policy = if self.stored_first(request, stored.map(reply)).is_some() {
                    self.cache_policy(false)
                } else {
                    CachePolicy::Revalidate
                };
                github.runs(&slug, per_page, None, policy).await.map(reply)
            }
            Request::CiJobs { run_id, .. } => github
                .jobs(&slug, *run_id, self.cache_policy(forced))
                .await
                .map(reply),
            Request::CiLogTail { job_id, .. } => github
                .log_tail(&slug, *job_id, self.options.log_lines)
                .await
                .map(now),
            Request::CiRerunFailed { run_id, .. } => {
                github.rerun_failed_jobs(&slug, *run_id).await.map(now)
            }
            // A default branch rarely changes: a team view's refresh asks only for its runs.
            Request::DefaultBranch { .. } => github
                .default_branch(&slug, self.slow_policy(forced))
                .await
                .map(reply),
            _ => Err(not_for("GitHub")),
        }
    }

    /// PagerDuty requests: open incidents and on-call send the stored answer first (the last known
    /// state, with its age) and then the fresh one, like CI runs; the rest are answered once.
    async fn ask_pagerduty(&self, request: &Request, forced: bool) -> Answer {
        // Triggering goes to the Events API with the integration key: no REST token needed.
        if let Request::PdTrigger { event, .. } = request {
            let events_url = &self.options.pagerduty.events_url;
            return pagerduty::trigger(&self.client, events_url, event)
                .await
                .map(now);
        }
        let pd = self.pagerduty.as_ref().map_err(Clone::clone)?;
        if !forced {
            let stored = match request {
                Request::PdIncidents { refs, .. } => pd.cached_incidents_for(refs).await.map(reply),
                Request::PdOnCall {
                    escalation_policy_id,
                    ..
                } => pd
                    .cached_oncall_chain(escalation_policy_id)
                    .await
                    .map(reply),
                _ => None,
            };
            if let Some(fresh) = self.stored_first(request, stored) {
                return Ok(fresh);
            }
        }
        match request {
            Request::PdIncidents { refs, .. } => pd
                .incidents_for(refs, CachePolicy::Revalidate)
                .await
                .map(reply),
            Request::PdOnCall {
                escalation_policy_id,
                ..
            } => pd
                .oncall_chain(escalation_policy_id, CachePolicy::Revalidate)
                .await
                .map(reply),
            Request::PdServices { refs, .. } => {
                pd.services(refs, self.slow_policy(forced)).await.map(reply)
            }
            Request::PdUser { user_id, .. } => {
                pd.user(user_id, self.slow_policy(forced)).await.map(reply)
            }
            Request::PdLogEntries { incident_id, .. } => pd
                .log_entries(incident_id, self.cache_policy(forced))
                .await
                .map(reply),
            Request::PdIncident { incident, .. } => pd
                .incident(incident, self.cache_policy(forced))
                .await
                .map(reply),
            Request::PdUpdateIncident {
                incident_id,
                action,
                ..
            } => pd.update_incident(incident_id, *action).await.map(now),
            _ => Err(not_for("PagerDuty")),
        }
    }
}

/// Data from the server as a reply.
fn reply<T: Into<Reply>>(fetched: Fetched<T>) -> Fetched<Reply> {
    Fetched {
        value: fetched.value.into(),
        fetched_at: fetched.fetched_at,
        from_cache: fetched.from_cache,
    }
}

/// An answer that is never cached, confirmed now.
fn now<T: Into<Reply>>(value: T) -> Fetched<Reply> {
    Fetched {
        value: value.into(),
        fetched_at: SystemTime::now(),
        from_cache: false,
    }
}

fn not_for(service: &'static str) -> ProviderError {
    ProviderError::BadResponse {
        service,
        target: String::new(),
        detail: format!("not a {service} request"),
    }
}

/// Providers on their own tokio runtime, for a synchronous caller (the TUI's event loop).
pub struct ProviderHandle {
    runtime: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
    receiver: mpsc::Receiver<ProviderMessage>,
}

impl ProviderHandle {
    /// From the config: `GITHUB_TOKEN`/`GH_TOKEN`/`[github] token`/`gh auth token` (looked up on
    /// the first request, not here), `GITHUB_API_URL`, the cache folder. Returns at once.
    pub fn start(config: &Config, log: Log) -> ProviderHandle {
        ProviderHandle::start_with(
            GitHubSettings::from_config(config),
            ProviderOptions {
                log,
                ..ProviderOptions::from_config(config)
            },
        )
    }

    pub fn start_with(settings: GitHubSettings, options: ProviderOptions) -> ProviderHandle {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("greenroom-providers")
            .enable_all()
            .build()
            .expect("a tokio runtime starts");
        let cache = options.cache_dir.as_deref().map(cache::Cache::under);
        let client = Arc::new(Client::new(
            options.http.clone(),
            cache,
            options.log.clone(),
        ));
        let (sender, receiver) = mpsc::channel();
        let pagerduty = PagerDuty::new(&options.pagerduty, client.clone());
        let shared = Arc::new(Shared {
            settings,
            options,
            client,
            github: tokio::sync::OnceCell::new(),
            pagerduty,
            sender,
            inflight: Mutex::new(HashMap::new()),
        });
        ProviderHandle {
            runtime: Some(runtime),
            shared,
            receiver,
        }
    }

    /// Asks for something; the answer arrives later through [`try_recv`](Self::try_recv). Within
    /// the refresh window it comes from the cache; asking again while it runs costs nothing.
    pub fn request(&self, request: Request) {
        self.submit(request, false);
    }

    /// As [`request`](Self::request), but asks the server even within the refresh window (still
    /// conditionally: unchanged data costs no rate limit). For the user's explicit refresh, and
    /// after a rerun.
    pub fn refresh(&self, request: Request) {
        self.submit(request, true);
    }

    fn submit(&self, request: Request, forced: bool) {
        let key = request.key();
        {
            let mut inflight = self
                .shared
                .inflight
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(waiting) = inflight.get_mut(&key) {
                if !waiting.iter().any(|e| e == request.entity_key()) {
                    waiting.push(request.entity_key().to_string());
                }
                return;
            }
            inflight.insert(key, vec![request.entity_key().to_string()]);
        }
        let shared = self.shared.clone();
        if let Some(runtime) = &self.runtime {
            runtime.spawn(shared.serve(request, forced));
        }
    }

    /// The next answer, if one is ready. Never blocks.
    pub fn try_recv(&self) -> Option<ProviderMessage> {
        self.receiver.try_recv().ok()
    }

    /// The next answer, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<ProviderMessage> {
        self.receiver.recv_timeout(timeout).ok()
    }

    /// Requests still running.
    pub fn in_flight(&self) -> usize {
        self.shared
            .inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Requests sent, 304s and cache hits so far.
    pub fn stats(&self) -> http::Stats {
        self.shared.client.stats()
    }

    /// GitHub's rate limit as last reported (remaining, reset).
    pub fn rate_limit(&self) -> Option<http::RateLimit> {
        self.shared.client.rate_limit()
    }
}

impl Drop for ProviderHandle {
    fn drop(&mut self) {
        // Requests still running (a hung server) must not hold up quitting.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do_and_never_hold_the_token() {
        let until = SystemTime::now() + Duration::from_secs(600);
        let target = "GET https://api.github.com/repos/o/r/actions/runs?per_page=20".to_string();
        let cases = [
            (
                github::GitHub::new(
                    "https://api.github.com",
                    None,
                    Arc::new(Client::new(http::Options::default(), None, Log::Off)),
                )
                .err()
                .unwrap(),
                "set GITHUB_TOKEN",
            ),
            (
                ProviderError::Unauthorized {
                    service: "GitHub",
                    target: target.clone(),
                    hint: "check GITHUB_TOKEN",
                },
                "401",
            ),
            (
                ProviderError::RateLimited {
                    service: "GitHub",
                    target: target.clone(),
                    until: Some(until),
                },
                "rate limited until",
            ),
            (
                ProviderError::NotFound {
                    service: "GitHub",
                    target: target.clone(),
                },
                "OWNER/REPO",
            ),
            (
                ProviderError::Timeout {
                    service: "GitHub",
                    target: target.clone(),
                    after: Duration::from_millis(300),
                },
                "within 0.3 s",
            ),
            (
                ProviderError::Server {
                    service: "GitHub",
                    target: target.clone(),
                    status: 502,
                },
                "502",
            ),
        ];
        for (err, expected) in cases {
            let text = err.to_string();
            assert!(text.contains(expected), "{text}");
        }
        assert!(ProviderError::RateLimited {
            service: "GitHub",
            target,
            until: Some(until)
        }
        .to_string()
        .contains("(in 10m)"));
    }
}
