//! Live data: vendors' APIs read through one HTTP client ([`http`]) with a disk cache ([`cache`]),
//! one module per vendor ([`github`], [`pagerduty`]), and a [`ProviderHandle`] that runs them on a
//! tokio runtime for the TUI's synchronous event loop.
//!
//! The TUI asks with [`ProviderHandle::request`] (or [`ProviderHandle::refresh`] to skip the
//! refresh window) and drains [`ProviderHandle::try_recv`] each tick; drawing never waits on I/O.
//! For each request the handle:
//! - answers from the disk cache without a request when the stored answer is younger than the
//!   refresh window (`from_cache: true`);
//! - otherwise sends the stored answer first, if any (`from_cache: true`, `fetched_at` its age),
//!   then asks the server conditionally (`If-None-Match`; a 304 costs no GitHub rate limit) and
//!   sends the fresh answer or the error (`from_cache: false`);
//! - asks once for the same thing however often it is requested while a request is running: every
//!   entity that asked gets the answer.
//!
//! A pane keeps the last `Ok` it received for an entity and shows a later `Err` next to it (the
//! error message, and the data's age from `fetched_at`).

pub mod backstage;
pub mod cache;
pub mod delivery;
pub mod github;
pub mod http;
pub mod pagerduty;
pub mod private_file;

use crate::config::{Config, Secret};
use github::{CiRuns, GitHub, Job, LogTail, Slug};
use http::{CachePolicy, Client, Log};
use pagerduty::{
    Incident, IncidentAction, IncidentRef, LogEntry, OnCallChain, OpenIncidents, PagerDuty,
    PagerDutySettings, ResolvedService, ServiceRef, TriggerEvent, TriggerReceipt, User,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
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
    /// The vendor has no such thing, found by looking (an integration key no service holds).
    #[error("{service} has no {what}{}", colon(hint))]
    Unknown {
        service: &'static str,
        what: String,
        hint: String,
    },
}

fn not_found_hint(service: &str) -> &'static str {
    if service.starts_with("PagerDuty") {
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
                http::clock(*time),
                github::short_duration(wait)
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

/// Data with when it was last confirmed by the server, and whether it came from the cache without
/// a request (the last known data, possibly old: show its age).
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched<T> {
    pub value: T,
    pub fetched_at: SystemTime,
    pub from_cache: bool,
}

impl<T> Fetched<T> {
    pub fn age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.fetched_at)
            .unwrap_or_default()
    }
}

/// What the TUI can ask for. `entity_key` is echoed in the answer (the pane's own key, e.g.
/// `component:default/payment-service`); `slug` is the repository, `OWNER/REPO`
/// ([`github::repo_of`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The latest runs ([`ProviderOptions::runs_per_repo`] of them).
    CiRuns { entity_key: String, slug: String },
    /// A run's jobs and steps.
    CiJobs {
        entity_key: String,
        slug: String,
        run_id: u64,
    },
    /// The end of a job's log ([`ProviderOptions::log_lines`] lines).
    CiLogTail {
        entity_key: String,
        slug: String,
        job_id: u64,
    },
    /// Reruns a run's failed jobs (ask the user first). Never cached; refresh the runs after it.
    CiRerunFailed {
        entity_key: String,
        slug: String,
        run_id: u64,
    },
    /// The repository's default branch (to say whether main is green).
    DefaultBranch { entity_key: String, slug: String },
    /// PagerDuty: the services these references name ([`pagerduty::service_refs`]), each with its
    /// escalation policy and integrations; integration keys resolved to their service.
    PdServices {
        entity_key: String,
        refs: Vec<ServiceRef>,
    },
    /// PagerDuty: open (triggered, acknowledged) incidents of these services, high urgency and
    /// triggered first, newest first. The pane's catalog-wide list sends every reference of
    /// [`pagerduty::ServiceMap::refs`]; the incident view sends the entity's own.
    PdIncidents {
        entity_key: String,
        refs: Vec<ServiceRef>,
    },
    /// PagerDuty: who is on call now for an escalation policy, by level.
    PdOnCall {
        entity_key: String,
        escalation_policy_id: String,
    },
    /// PagerDuty: a user and their contact methods.
    PdUser { entity_key: String, user_id: String },
    /// PagerDuty: an incident's timeline (log entries, oldest first).
    PdLogEntries {
        entity_key: String,
        incident_id: String,
    },
    /// PagerDuty: one incident by number or ID (the search's reverse lookup: its service leads to
    /// the entity through [`pagerduty::ServiceMap::entities_of_incident`]).
    PdIncident {
        entity_key: String,
        incident: IncidentRef,
    },
    /// PagerDuty: acknowledge or resolve an incident (ask the user first). Never cached; refresh
    /// the incidents after it. Needs `[pagerduty] from_email`.
    PdUpdateIncident {
        entity_key: String,
        incident_id: String,
        action: IncidentAction,
    },
    /// PagerDuty Events API v2: trigger a new incident on the service of an integration key (ask
    /// the user first). Needs no REST token.
    PdTrigger {
        entity_key: String,
        event: TriggerEvent,
    },
}

/// Answers, one per request (two when stored data is sent before the fresh answer).
#[derive(Clone, Debug, PartialEq)]
pub enum ProviderMessage {
    CiRuns {
        entity_key: String,
        slug: String,
        result: Result<CiRuns, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    CiJobs {
        entity_key: String,
        slug: String,
        run_id: u64,
        result: Result<Vec<Job>, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    CiLogTail {
        entity_key: String,
        slug: String,
        job_id: u64,
        result: Result<LogTail, ProviderError>,
    },
    CiRerunFailed {
        entity_key: String,
        slug: String,
        run_id: u64,
        result: Result<(), ProviderError>,
    },
    DefaultBranch {
        entity_key: String,
        slug: String,
        result: Result<String, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    PdServices {
        entity_key: String,
        refs: Vec<ServiceRef>,
        result: Result<Vec<ResolvedService>, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    PdIncidents {
        entity_key: String,
        refs: Vec<ServiceRef>,
        result: Result<OpenIncidents, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    PdOnCall {
        entity_key: String,
        escalation_policy_id: String,
        result: Result<OnCallChain, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    PdUser {
        entity_key: String,
        user_id: String,
        result: Result<User, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    PdLogEntries {
        entity_key: String,
        incident_id: String,
        result: Result<Vec<LogEntry>, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    PdIncident {
        entity_key: String,
        incident: IncidentRef,
        result: Result<Incident, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    },
    /// The incident as it is after the change.
    PdUpdateIncident {
        entity_key: String,
        incident_id: String,
        action: IncidentAction,
        result: Result<Incident, ProviderError>,
    },
    PdTrigger {
        entity_key: String,
        event: TriggerEvent,
        result: Result<TriggerReceipt, ProviderError>,
    },
}

impl ProviderMessage {
    pub fn entity_key(&self) -> &str {
        match self {
            ProviderMessage::CiRuns { entity_key, .. }
            | ProviderMessage::CiJobs { entity_key, .. }
            | ProviderMessage::CiLogTail { entity_key, .. }
            | ProviderMessage::CiRerunFailed { entity_key, .. }
            | ProviderMessage::DefaultBranch { entity_key, .. }
            | ProviderMessage::PdServices { entity_key, .. }
            | ProviderMessage::PdIncidents { entity_key, .. }
            | ProviderMessage::PdOnCall { entity_key, .. }
            | ProviderMessage::PdUser { entity_key, .. }
            | ProviderMessage::PdLogEntries { entity_key, .. }
            | ProviderMessage::PdIncident { entity_key, .. }
            | ProviderMessage::PdUpdateIncident { entity_key, .. }
            | ProviderMessage::PdTrigger { entity_key, .. } => entity_key,
        }
    }
}

impl Request {
    fn entity_key(&self) -> &str {
        match self {
            Request::CiRuns { entity_key, .. }
            | Request::CiJobs { entity_key, .. }
            | Request::CiLogTail { entity_key, .. }
            | Request::CiRerunFailed { entity_key, .. }
            | Request::DefaultBranch { entity_key, .. }
            | Request::PdServices { entity_key, .. }
            | Request::PdIncidents { entity_key, .. }
            | Request::PdOnCall { entity_key, .. }
            | Request::PdUser { entity_key, .. }
            | Request::PdLogEntries { entity_key, .. }
            | Request::PdIncident { entity_key, .. }
            | Request::PdUpdateIncident { entity_key, .. }
            | Request::PdTrigger { entity_key, .. } => entity_key,
        }
    }

    /// Whether PagerDuty answers it.
    pub fn is_pagerduty(&self) -> bool {
        matches!(
            self,
            Request::PdServices { .. }
                | Request::PdIncidents { .. }
                | Request::PdOnCall { .. }
                | Request::PdUser { .. }
                | Request::PdLogEntries { .. }
                | Request::PdIncident { .. }
                | Request::PdUpdateIncident { .. }
                | Request::PdTrigger { .. }
        )
    }

    /// What makes two requests the same request (the entity is not part of it: two entities with
    /// one repository share the answer).
    fn key(&self) -> Key {
        let repo = |slug: &str| slug.trim().to_ascii_lowercase();
        match self {
            Request::CiRuns { slug, .. } => Key::Runs(repo(slug)),
            Request::CiJobs { slug, run_id, .. } => Key::Jobs(repo(slug), *run_id),
            Request::CiLogTail { slug, job_id, .. } => Key::Log(repo(slug), *job_id),
            Request::CiRerunFailed { slug, run_id, .. } => Key::Rerun(repo(slug), *run_id),
            Request::DefaultBranch { slug, .. } => Key::Branch(repo(slug)),
            Request::PdServices { refs, .. } => Key::PdServices(sorted(refs)),
            Request::PdIncidents { refs, .. } => Key::PdIncidents(sorted(refs)),
            Request::PdOnCall {
                escalation_policy_id,
                ..
            } => Key::PdOnCall(escalation_policy_id.clone()),
            Request::PdUser { user_id, .. } => Key::PdUser(user_id.clone()),
            Request::PdLogEntries { incident_id, .. } => Key::PdLog(incident_id.clone()),
            Request::PdIncident { incident, .. } => Key::PdIncident(incident.path_segment()),
            Request::PdUpdateIncident {
                incident_id,
                action,
                ..
            } => Key::PdUpdate(incident_id.clone(), *action),
            Request::PdTrigger { event, .. } => Key::PdTrigger(event.clone()),
        }
    }

    /// The answer for one waiting entity.
    fn answer<T: Answer>(
        &self,
        entity_key: String,
        result: Result<Fetched<T>, ProviderError>,
    ) -> ProviderMessage {
        let (value, fetched_at, from_cache) = match result {
            Ok(f) => (Ok(f.value), f.fetched_at, f.from_cache),
            Err(e) => (Err(e), SystemTime::now(), false),
        };
        T::message(self, entity_key, value, fetched_at, from_cache)
    }
}

/// The data types that answer requests.
trait Answer: Clone + Send + 'static {
    fn message(
        request: &Request,
        entity_key: String,
        result: Result<Self, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    ) -> ProviderMessage;
}

fn slug_of(request: &Request) -> String {
    match request {
        Request::CiRuns { slug, .. }
        | Request::CiJobs { slug, .. }
        | Request::CiLogTail { slug, .. }
        | Request::CiRerunFailed { slug, .. }
        | Request::DefaultBranch { slug, .. } => slug.clone(),
        _ => String::new(),
    }
}

fn sorted(refs: &[ServiceRef]) -> Vec<ServiceRef> {
    let mut refs = refs.to_vec();
    refs.sort();
    refs.dedup();
    refs
}

impl Answer for CiRuns {
    fn message(
        request: &Request,
        entity_key: String,
        result: Result<Self, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    ) -> ProviderMessage {
        ProviderMessage::CiRuns {
            entity_key,
            slug: slug_of(request),
            result,
            fetched_at,
            from_cache,
        }
    }
}

impl Answer for Vec<Job> {
    fn message(
        request: &Request,
        entity_key: String,
        result: Result<Self, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    ) -> ProviderMessage {
        let run_id = if let Request::CiJobs { run_id, .. } = request {
            *run_id
        } else {
            0
        };
        ProviderMessage::CiJobs {
            entity_key,
            slug: slug_of(request),
            run_id,
            result,
            fetched_at,
            from_cache,
        }
    }
}

impl Answer for LogTail {
    fn message(
        request: &Request,
        entity_key: String,
        result: Result<Self, ProviderError>,
        _: SystemTime,
        _: bool,
    ) -> ProviderMessage {
        let job_id = if let Request::CiLogTail { job_id, .. } = request {
            *job_id
        } else {
            0
        };
        ProviderMessage::CiLogTail {
            entity_key,
            slug: slug_of(request),
            job_id,
            result,
        }
    }
}

impl Answer for () {
    fn message(
        request: &Request,
        entity_key: String,
        result: Result<Self, ProviderError>,
        _: SystemTime,
        _: bool,
    ) -> ProviderMessage {
        let run_id = if let Request::CiRerunFailed { run_id, .. } = request {
            *run_id
        } else {
            0
        };
        ProviderMessage::CiRerunFailed {
            entity_key,
            slug: slug_of(request),
            run_id,
            result,
        }
    }
}

impl Answer for String {
    fn message(
        request: &Request,
        entity_key: String,
        result: Result<Self, ProviderError>,
        fetched_at: SystemTime,
        from_cache: bool,
    ) -> ProviderMessage {
        ProviderMessage::DefaultBranch {
            entity_key,
            slug: slug_of(request),
            result,
            fetched_at,
            from_cache,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Runs(String),
    Jobs(String, u64),
    Log(String, u64),
    Rerun(String, u64),
    Branch(String),
    PdServices(Vec<ServiceRef>),
    PdIncidents(Vec<ServiceRef>),
    PdOnCall(String),
    PdUser(String),
    PdLog(String),
    PdIncident(String),
    PdUpdate(String, IncidentAction),
    PdTrigger(TriggerEvent),
}

/// Where GitHub is and how to authenticate.
#[derive(Clone, Debug)]
pub struct GitHubSettings {
    pub api_url: String,
    pub token: Option<Secret>,
    /// Ask `gh auth token` when no token is set (off in tests).
    pub try_gh: bool,
}

impl GitHubSettings {
    pub fn from_config(config: &Config) -> GitHubSettings {
        GitHubSettings {
            api_url: config.github_api_url(),
            token: config.github_token(),
            try_gh: true,
        }
    }
}

/// How the handle works.
#[derive(Clone)]
pub struct ProviderOptions {
    /// `None`: no disk cache (every launch starts empty).
    pub cache_dir: Option<PathBuf>,
    /// Within this long of the last answer, a request is answered from the cache without asking.
    pub refresh_window: Duration,
    pub runs_per_repo: u32,
    pub log_lines: usize,
    pub http: http::Options,
    /// Request logs. The TUI must not use `Log::Stderr` (it would write over the screen): use
    /// `Log::To` to keep them, or `Log::Off`.
    pub log: Log,
    /// Called after each message is sent, from a provider thread: wakes an event loop that sleeps.
    pub wake: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Where PagerDuty is (no token: PagerDuty requests answer `NotConfigured`).
    pub pagerduty: PagerDutySettings,
}

impl ProviderOptions {
    pub fn from_config(config: &Config) -> ProviderOptions {
        ProviderOptions {
            cache_dir: config.provider_cache_dir(),
            pagerduty: PagerDutySettings::from_config(config),
            ..ProviderOptions::default()
        }
    }
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            cache_dir: None,
            refresh_window: Duration::from_secs(60),
            runs_per_repo: 20,
            log_lines: 200,
            http: http::Options::from_env(),
            log: Log::Off,
            wake: None,
            pagerduty: PagerDutySettings::default(),
        }
    }
}

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

    /// Sends `make(entity)` to every entity waiting for `key`; `last` ends the request.
    fn deliver(&self, key: &Key, last: bool, make: impl Fn(String) -> ProviderMessage) {
        let waiters = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            if last {
                inflight.remove(key).unwrap_or_default()
            } else {
                inflight.get(key).cloned().unwrap_or_default()
            }
        };
        for entity in waiters {
            let _ = self.sender.send(make(entity));
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

    async fn serve(self: Arc<Self>, request: Request, forced: bool) {
        if request.is_pagerduty() {
            return self.serve_pagerduty(request, forced).await;
        }
        let key = request.key();
        let github = match self.github().await {
            Ok(github) => github,
            Err(err) => return self.finish::<CiRuns>(&key, &request, Err(err)),
        };
        let parsed = slug_of(&request);
        let Some(slug) = Slug::parse(&parsed) else {
            let err = ProviderError::NoRepo {
                entity: request.entity_key().to_string(),
                detail: format!("{} {parsed:?}, which is not OWNER/REPO", github::ANNOTATION),
            };
            return self.finish::<CiRuns>(&key, &request, Err(err));
        };
        match &request {
            Request::CiRuns { .. } => {
                let per_page = self.options.runs_per_repo;
                if !forced {
                    if let Some(stored) = github.cached_runs(&slug, per_page, None) {
                        if stored.age() < self.options.refresh_window {
                            // Through the client, which counts and logs the hit.
                            let result = github
                                .runs(&slug, per_page, None, self.cache_policy(false))
                                .await;
                            return self.finish(&key, &request, result);
                        }
                        self.deliver(&key, false, |entity| {
                            request.answer(entity, Ok(stored.clone()))
                        });
                    }
                }
                let result = github
                    .runs(&slug, per_page, None, CachePolicy::Revalidate)
                    .await;
                self.finish(&key, &request, result);
            }
            Request::CiJobs { run_id, .. } => {
                let result = github.jobs(&slug, *run_id, self.cache_policy(forced)).await;
                self.finish(&key, &request, result);
            }
            Request::CiLogTail { job_id, .. } => {
                let result = github
                    .log_tail(&slug, *job_id, self.options.log_lines)
                    .await;
                self.finish(&key, &request, result.map(now));
            }
            Request::CiRerunFailed { run_id, .. } => {
                let result = github.rerun_failed_jobs(&slug, *run_id).await;
                self.finish(&key, &request, result.map(now));
            }
            Request::DefaultBranch { .. } => {
                // A default branch rarely changes: trusted for an hour unless forced, so a team
                // view's refresh asks only for its runs.
                let policy = if forced {
                    CachePolicy::Revalidate
                } else {
                    CachePolicy::FreshFor(self.options.refresh_window.max(PD_SLOW_WINDOW))
                };
                let result = github.default_branch(&slug, policy).await;
                self.finish(&key, &request, result);
            }
            // PagerDuty requests are served by `serve_pagerduty`.
            _ => {}
        }
    }

    fn finish<T: Answer>(
        &self,
        key: &Key,
        request: &Request,
        result: Result<Fetched<T>, ProviderError>,
    ) {
        // Errors before the request's own type is known are sent as that request's type.
        match (&result, request) {
            (Err(err), Request::CiJobs { .. }) => self.deliver(key, true, |e| {
                request.answer::<Vec<Job>>(e, Err(err.clone()))
            }),
            (Err(err), Request::CiLogTail { .. }) => self.deliver(key, true, |e| {
                request.answer::<LogTail>(e, Err(err.clone()))
            }),
            (Err(err), Request::CiRerunFailed { .. }) => {
                self.deliver(key, true, |e| request.answer::<()>(e, Err(err.clone())))
            }
            (Err(err), Request::DefaultBranch { .. }) => {
                self.deliver(key, true, |e| request.answer::<String>(e, Err(err.clone())))
            }
            (Err(err), Request::CiRuns { .. }) => {
                self.deliver(key, true, |e| request.answer::<CiRuns>(e, Err(err.clone())))
            }
            (Err(err), _) => self.deliver(key, true, |e| pd_message(request, e, Err(err.clone()))),
            (Ok(_), _) => self.deliver(key, true, |e| request.answer(e, result.clone())),
        }
    }
}

fn now<T>(value: T) -> Fetched<T> {
    Fetched {
        value,
        fetched_at: SystemTime::now(),
        from_cache: false,
    }
}

/// A PagerDuty answer before it is addressed to the entities waiting for it.
#[derive(Clone)]
enum PdValue {
    Services(Vec<ResolvedService>),
    Incidents(OpenIncidents),
    OnCall(OnCallChain),
    User(User),
    LogEntries(Vec<LogEntry>),
    Incident(Incident),
    Trigger(TriggerReceipt),
}

fn pd_value<T>(fetched: Fetched<T>, wrap: impl FnOnce(T) -> PdValue) -> Fetched<PdValue> {
    Fetched {
        value: wrap(fetched.value),
        fetched_at: fetched.fetched_at,
        from_cache: fetched.from_cache,
    }
}

/// The message answering a PagerDuty request, for one waiting entity.
fn pd_message(
    request: &Request,
    entity_key: String,
    result: Result<Fetched<PdValue>, ProviderError>,
) -> ProviderMessage {
    let (value, fetched_at, from_cache) = match result {
        Ok(f) => (Ok(f.value), f.fetched_at, f.from_cache),
        Err(e) => (Err(e), SystemTime::now(), false),
    };
    let mismatch = || ProviderError::BadResponse {
        service: "PagerDuty",
        target: String::new(),
        detail: "an answer of another kind".into(),
    };
    macro_rules! pick {
        ($variant:ident) => {
            value.and_then(|v| match v {
                PdValue::$variant(x) => Ok(x),
                _ => Err(mismatch()),
            })
        };
    }
    match request {
        Request::PdServices { refs, .. } => ProviderMessage::PdServices {
            entity_key,
            refs: refs.clone(),
            result: pick!(Services),
            fetched_at,
            from_cache,
        },
        Request::PdIncidents { refs, .. } => ProviderMessage::PdIncidents {
            entity_key,
            refs: refs.clone(),
            result: pick!(Incidents),
            fetched_at,
            from_cache,
        },
        Request::PdOnCall {
            escalation_policy_id,
            ..
        } => ProviderMessage::PdOnCall {
            entity_key,
            escalation_policy_id: escalation_policy_id.clone(),
            result: pick!(OnCall),
            fetched_at,
            from_cache,
        },
        Request::PdUser { user_id, .. } => ProviderMessage::PdUser {
            entity_key,
            user_id: user_id.clone(),
            result: pick!(User),
            fetched_at,
            from_cache,
        },
        Request::PdLogEntries { incident_id, .. } => ProviderMessage::PdLogEntries {
            entity_key,
            incident_id: incident_id.clone(),
            result: pick!(LogEntries),
            fetched_at,
            from_cache,
        },
        Request::PdIncident { incident, .. } => ProviderMessage::PdIncident {
            entity_key,
            incident: incident.clone(),
            result: pick!(Incident),
            fetched_at,
            from_cache,
        },
        Request::PdUpdateIncident {
            incident_id,
            action,
            ..
        } => ProviderMessage::PdUpdateIncident {
            entity_key,
            incident_id: incident_id.clone(),
            action: *action,
            result: pick!(Incident),
        },
        Request::PdTrigger { event, .. } => ProviderMessage::PdTrigger {
            entity_key,
            event: event.clone(),
            result: pick!(Trigger),
        },
        // Not a PagerDuty request: never sent here.
        other => ProviderMessage::DefaultBranch {
            entity_key,
            slug: slug_of(other),
            result: Err(mismatch()),
            fetched_at,
            from_cache,
        },
    }
}

/// Slow-changing data (PagerDuty services, users' contact methods; GitHub default branches) is
/// trusted this long between explicit refreshes.
const PD_SLOW_WINDOW: Duration = Duration::from_secs(3600);

impl Shared {
    /// PagerDuty requests: open incidents and on-call send the stored answer first (the last known
    /// state, with its age) and then the fresh one, like CI runs; the rest are answered once.
    async fn serve_pagerduty(self: Arc<Self>, request: Request, forced: bool) {
        let key = request.key();
        let reply = |last: bool, result: Result<Fetched<PdValue>, ProviderError>| {
            self.deliver(&key, last, |e| pd_message(&request, e, result.clone()))
        };
        // Triggering goes to the Events API with the integration key: no REST token needed.
        if let Request::PdTrigger { event, .. } = &request {
            let result =
                pagerduty::trigger(&self.client, &self.options.pagerduty.events_url, event).await;
            return reply(true, result.map(|r| now(PdValue::Trigger(r))));
        }
        let pd = match &self.pagerduty {
            Ok(pd) => pd.clone(),
            Err(err) => return reply(true, Err(err.clone())),
        };
        let window = self.options.refresh_window;
        let slow = if forced {
            CachePolicy::Revalidate
        } else {
            CachePolicy::FreshFor(window.max(PD_SLOW_WINDOW))
        };
        let result = match &request {
            Request::PdIncidents { refs, .. } => {
                if !forced {
                    if let Some(stored) = pd.cached_incidents_for(refs).await {
                        let stored = pd_value(stored, PdValue::Incidents);
                        if stored.age() < window {
                            return reply(
                                true,
                                Ok(Fetched {
                                    from_cache: true,
                                    ..stored
                                }),
                            );
                        }
                        reply(
                            false,
                            Ok(Fetched {
                                from_cache: true,
                                ..stored
                            }),
                        );
                    }
                }
                pd.incidents_for(refs, CachePolicy::Revalidate)
                    .await
                    .map(|f| pd_value(f, PdValue::Incidents))
            }
            Request::PdOnCall {
                escalation_policy_id,
                ..
            } => {
                if !forced {
                    if let Some(stored) = pd.cached_oncall_chain(escalation_policy_id).await {
                        let stored = pd_value(stored, PdValue::OnCall);
                        if stored.age() < window {
                            return reply(true, Ok(stored));
                        }
                        reply(false, Ok(stored));
                    }
                }
                pd.oncall_chain(escalation_policy_id, CachePolicy::Revalidate)
                    .await
                    .map(|f| pd_value(f, PdValue::OnCall))
            }
            Request::PdServices { refs, .. } => pd
                .services(refs, slow)
                .await
                .map(|f| pd_value(f, PdValue::Services)),
            Request::PdUser { user_id, .. } => pd
                .user(user_id, slow)
                .await
                .map(|f| pd_value(f, PdValue::User)),
            Request::PdLogEntries { incident_id, .. } => pd
                .log_entries(incident_id, self.cache_policy(forced))
                .await
                .map(|f| pd_value(f, PdValue::LogEntries)),
            Request::PdIncident { incident, .. } => pd
                .incident(incident, self.cache_policy(forced))
                .await
                .map(|f| pd_value(f, PdValue::Incident)),
            Request::PdUpdateIncident {
                incident_id,
                action,
                ..
            } => pd
                .update_incident(incident_id, *action)
                .await
                .map(|i| now(PdValue::Incident(i))),
            _ => Err(ProviderError::BadResponse {
                service: "PagerDuty",
                target: String::new(),
                detail: "not a PagerDuty request".into(),
            }),
        };
        reply(true, result);
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

    #[test]
    fn same_repo_same_request() {
        let a = Request::CiRuns {
            entity_key: "component:default/a".into(),
            slug: "MyOrg/Repo".into(),
        };
        let b = Request::CiRuns {
            entity_key: "component:default/b".into(),
            slug: "myorg/repo".into(),
        };
        assert_eq!(a.key(), b.key());
        assert_ne!(
            a.key(),
            Request::DefaultBranch {
                entity_key: "x".into(),
                slug: "myorg/repo".into()
            }
            .key()
        );
    }
}
