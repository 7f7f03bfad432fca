//! The CI/CD pane's state: what arrived from GitHub by entity, run and job, the run or team on
//! screen, the question waiting, and what the pane wants asked; with the lookups that read it.

use crate::catalog::{Catalog, EntityId};
use crate::providers::github::{CiRuns, Job, LogTail, RunState, Slug, WorkflowRun};
use crate::providers::http::RateLimit;
use crate::providers::{ProviderError, Request};
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::cursor::ListCursor;
use std::collections::HashMap;
use std::time::SystemTime;

pub const ANNOTATIONS: [&str; 1] = ["github.com/project-slug"];

/// At most this many failed jobs of a run get their log tail fetched (each costs a request).
pub(super) const LOGS_PER_RUN: usize = 3;

/// What arrived for one entity: the last good runs and the last error, if newer.
#[derive(Clone, Debug, Default)]
pub struct CiState {
    pub slug: String,
    pub runs: Option<CiRuns>,
    pub fetched_at: Option<SystemTime>,
    pub from_cache: bool,
    /// The last answer was an error (shown next to the last good runs).
    pub error: Option<ProviderError>,
    /// A request is out and nothing has come back for it yet.
    pub loading: bool,
}

/// A run's jobs as they arrived.
#[derive(Clone, Debug, Default)]
pub struct JobsState {
    pub jobs: Option<Vec<Job>>,
    pub error: Option<ProviderError>,
    pub loading: bool,
}

/// A failed job's log tail.
#[derive(Clone, Debug)]
pub enum LogState {
    Loading,
    Ready(LogTail),
    Failed(ProviderError),
}

/// The run open in the pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunView {
    pub entity_key: String,
    pub slug: String,
    pub run_id: u64,
    pub scroll: usize,
}

/// A rerun, asked for once the user says yes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rerun {
    pub entity_key: String,
    pub slug: String,
    pub run_id: u64,
    /// "CI #102 on main (myorg/order-service)".
    pub label: String,
}

/// The services of the group on screen, each with its repository or why it has none.
pub struct Team {
    pub group: EntityId,
    pub members: Vec<(EntityId, String, Result<Slug, ProviderError>)>,
}

/// What the pane wants done; the app takes these after each action and message.
#[derive(Clone, Debug, PartialEq)]
pub enum Outgoing {
    /// Ask the provider (`forced`: past the refresh window).
    Ask { request: Request, forced: bool },
    /// A line for the status bar.
    Status { text: String, error: bool },
}

/// One row of the team view.
pub struct TeamRow<'a> {
    pub id: EntityId,
    pub key: &'a str,
    /// The newest run on the default branch (the newest on any branch until the branch is known).
    pub run: Option<&'a WorkflowRun>,
    pub branch: Option<&'a str>,
    /// Why there is no run: no repo, loading, an error, no run on the branch.
    pub note: String,
    pub(super) rank: u8,
}

#[derive(Default)]
pub struct CiCdPane {
    pub annotated: usize,
    /// The first line shown of the text views (setup text, a run's jobs, messages).
    pub scroll: usize,
    /// A GitHub provider runs (a token is configured): show runs instead of the setup text.
    pub connected: bool,
    /// Runs by entity key.
    pub states: HashMap<String, CiState>,
    /// Jobs by run id.
    pub jobs: HashMap<u64, JobsState>,
    /// Log tails by job id.
    pub logs: HashMap<u64, LogState>,
    /// Default branches by entity key.
    pub branches: HashMap<String, Result<String, ProviderError>>,
    /// The clock for ages and durations; `None`: now (tests fix it).
    pub now: Option<SystemTime>,
    /// The entity shown, whose data was asked for (asked again when the focus changes or the
    /// pane is shown again).
    pub shown: Option<String>,
    /// The row cursor of the runs table or the team list.
    pub list: ListCursor,
    pub run: Option<RunView>,
    pub confirm: Option<Confirm<Rerun>>,
    pub team: Option<Team>,
    /// (group, service): the service was opened from the group's team view (Back returns there).
    pub team_origin: Option<(EntityId, EntityId)>,
    /// GitHub's rate limit as last reported.
    pub rate_limit: Option<RateLimit>,
    pub outbox: Vec<Outgoing>,
    /// The keys that answer a question ("y yes · n/esc no"), from the keymap.
    pub answer_keys: Option<String>,
    /// Reruns sent, by run id, with their labels for the answer's status line.
    pub reruns: HashMap<u64, String>,
}

impl CiCdPane {
    /// The state of the entity's runs, if any was asked for.
    pub fn state(&self, entity_key: &str) -> Option<&CiState> {
        self.states.get(entity_key)
    }

    pub(super) fn now(&self) -> SystemTime {
        self.now.unwrap_or_else(SystemTime::now)
    }

    /// The runs of the focused entity, if it has any.
    pub(super) fn runs_of(&self, catalog: &Catalog, focus: Option<EntityId>) -> Option<&CiRuns> {
        let key = catalog.entity(focus?).key();
        self.states.get(&key)?.runs.as_ref()
    }

    /// The run under the cursor (runs view) or open (run view), with its entity and slug.
    pub(super) fn current_run(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
    ) -> Option<(String, String, &WorkflowRun)> {
        if let Some(view) = &self.run {
            let run = self
                .states
                .get(&view.entity_key)?
                .runs
                .as_ref()?
                .runs
                .iter()
                .find(|r| r.id == view.run_id)?;
            return Some((view.entity_key.clone(), view.slug.clone(), run));
        }
        if self.team.is_some() {
            return None;
        }
        let key = catalog.entity(focus?).key();
        let state = self.states.get(&key)?;
        let run = state.runs.as_ref()?.runs.get(self.list.cursor)?;
        Some((key, state.slug.clone(), run))
    }

    /// The run a preview shows: under the cursor of the runs, or of a team's rows (its last
    /// run); none while a run is open.
    pub fn previewed_run(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
    ) -> Option<(String, String, &WorkflowRun)> {
        if self.run.is_some() || !self.connected {
            return None;
        }
        if self.team.is_some() {
            let rows = self.team_rows();
            let row = rows.get(self.list.cursor)?;
            let state = self.states.get(row.key)?;
            return Some((row.key.to_string(), state.slug.clone(), row.run?));
        }
        self.current_run(catalog, focus)
    }

    /// The team's rows: failures first, then running, then green; then no runs, errors and
    /// services without a repository; by name within each.
    pub fn team_rows(&self) -> Vec<TeamRow<'_>> {
        let Some(team) = &self.team else {
            return Vec::new();
        };
        let mut rows: Vec<TeamRow> = team
            .members
            .iter()
            .map(|(id, key, slug)| {
                let state = self.states.get(key);
                let branch = match self.branches.get(key) {
                    Some(Ok(b)) => Some(b.as_str()),
                    _ => None,
                };
                let runs = state.and_then(|s| s.runs.as_ref());
                let run = match (runs, branch) {
                    (Some(runs), Some(branch)) => runs.latest_on(branch),
                    (Some(runs), None) => runs.runs.first(),
                    _ => None,
                };
                let (rank, note) = match (slug, run, state) {
                    (Err(_), _, _) => (6, "no github.com/project-slug".to_string()),
                    (Ok(_), Some(run), _) => (
                        match run.state() {
                            RunState::Failure => 0,
                            RunState::Running | RunState::Queued => 1,
                            _ => 2,
                        },
                        String::new(),
                    ),
                    (Ok(_), None, Some(s)) if s.runs.is_some() => (
                        3,
                        match branch {
                            Some(b) => format!("no recent run on {b}"),
                            None => "no runs".into(),
                        },
                    ),
                    (Ok(_), None, Some(s)) if s.error.is_some() => (
                        4,
                        s.error
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                    ),
                    (Ok(_), None, _) => (5, "loading…".into()),
                };
                TeamRow {
                    id: *id,
                    key: key.as_str(),
                    run,
                    branch,
                    note,
                    rank,
                }
            })
            .collect();
        rows.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.key.cmp(b.key)));
        rows
    }
}
