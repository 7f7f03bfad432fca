//! What PagerDuty and GitHub answered, kept for the Incidents pane and the incident view alike:
//! each thing asked for with its last good value, its age and its last error.

use crate::providers::github::{short_duration, CiRuns, WorkflowRun};
use crate::providers::pagerduty::{LogEntry, OnCallChain, OpenIncidents, ResolvedService, User};
use crate::providers::ProviderError;
use crate::tui::widgets::detail::Tone;
use std::collections::HashMap;
use std::time::SystemTime;

/// Timelines fetched per incident view (each costs a request).
pub const TIMELINES_PER_VIEW: usize = 5;

/// One thing asked for: its last good value, when that was confirmed, and the last error.
#[derive(Clone, Debug)]
pub struct Feed<T> {
    pub value: Option<T>,
    pub fetched_at: Option<SystemTime>,
    pub from_cache: bool,
    pub error: Option<ProviderError>,
    pub loading: bool,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Feed {
            value: None,
            fetched_at: None,
            from_cache: false,
            error: None,
            loading: false,
        }
    }
}

impl<T> Feed<T> {
    pub(super) fn take(
        &mut self,
        result: Result<T, ProviderError>,
        fetched_at: SystemTime,
        cached: bool,
    ) {
        match result {
            Ok(value) => {
                self.value = Some(value);
                self.fetched_at = Some(fetched_at);
                self.from_cache = cached;
                self.error = None;
            }
            Err(err) => self.error = Some(err),
        }
        self.loading = false;
    }

    /// "updated 5s ago", "last known, 2h old: <error>", "loading…".
    pub fn note(&self, now: SystemTime) -> (String, Tone) {
        let age = |at: SystemTime| short_duration(now.duration_since(at).unwrap_or_default());
        match (&self.value, self.fetched_at, &self.error) {
            (_, _, Some(err)) if err.is_setup() => (err.to_string(), Tone::Warning),
            (Some(_), Some(at), Some(err)) => {
                (format!("last known, {} old · {err}", age(at)), Tone::Error)
            }
            (None, _, Some(err)) => (err.to_string(), Tone::Error),
            (Some(_), Some(at), None) if self.from_cache => {
                (format!("cached {} ago", age(at)), Tone::Muted)
            }
            (Some(_), Some(at), None) => (format!("updated {} ago", age(at)), Tone::Muted),
            _ if self.loading => ("loading…".into(), Tone::Muted),
            _ => (String::new(), Tone::Muted),
        }
    }
}

/// Everything live the pane and the view have received, by what it is about.
#[derive(Default)]
pub struct Live {
    /// The catalog-wide list.
    pub all: Feed<OpenIncidents>,
    /// One entity's open incidents (the incident view), by entity key.
    pub entity_incidents: HashMap<String, Feed<OpenIncidents>>,
    /// One entity's services, by entity key.
    pub services: HashMap<String, Feed<Vec<ResolvedService>>>,
    /// On-call chains by escalation policy ID.
    pub oncall: HashMap<String, Feed<OnCallChain>>,
    /// Users (contact methods) by ID.
    pub users: HashMap<String, Feed<User>>,
    /// Timelines by incident ID.
    pub timelines: HashMap<String, Feed<Vec<LogEntry>>>,
    /// CI runs by repository (lower-case `owner/repo`).
    pub runs: HashMap<String, Feed<CiRuns>>,
    /// Default branches by repository.
    pub branches: HashMap<String, Result<String, ProviderError>>,
}

impl Live {
    /// The newest run on the repository's default branch, once both are known.
    pub fn default_branch_run(&self, slug: &str) -> Option<&WorkflowRun> {
        let slug = slug.to_ascii_lowercase();
        let branch = self.branches.get(&slug)?.as_ref().ok()?;
        let runs = self.runs.get(&slug)?.value.as_ref()?;
        runs.runs
            .iter()
            .filter(|r| r.head_branch.as_deref() == Some(branch.as_str()))
            .max_by_key(|r| r.created_at)
    }
}
