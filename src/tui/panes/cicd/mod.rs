//! CI/CD: GitHub Actions runs of the focused entity's repository (`github.com/project-slug`).
//!
//! Without a GitHub token the pane says what to set. With one, it has three views:
//! - **runs** of the focused service: a table with a row cursor and a success-rate sparkline;
//!   `Enter` opens a run, `r` reruns its failed jobs (after a yes/no question), `o` opens it in the
//!   browser, `ctrl-r` asks GitHub again past the refresh window;
//! - **a run**: its jobs and their steps, and for each failed job the tail of its log;
//! - **a team** (the focus is a Group): every service the group owns directly (sub-groups are not
//!   included) with the last run on its default branch, failures first; `Enter` focuses one.
//!
//! The pane never talks to the provider: what it wants asked goes to [`CiCdPane::outbox`], which
//! the app sends, and answers arrive as messages ([`CiCdPane::on_message`]). Drawing only reads what
//! arrived: the last good data, its age (cached, or offline and how old), the last error next to
//! it, and the rate limit when it runs low.

use super::{count_annotated, ProviderEnv, Setup};
use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::github::{
    owned_repos, repo_of, short_duration, CiRuns, Job, LogTail, RunState, Slug, WorkflowRun,
};
use crate::providers::http::RateLimit;
use crate::providers::{ProviderError, ProviderMessage, Request};
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::cursor::{scroll, ListCursor};
use crate::tui::widgets::detail::{draw_info, line, to_line, PageLine, Tone};
use crate::tui::widgets::panel::{bordered, draw_block};
use crate::tui::widgets::table::{column_widths, draw_table, heading_cells, shown, status_row};
use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Sparkline, Wrap};
use ratatui::Frame;
use std::collections::HashMap;
use std::time::SystemTime;

pub const ANNOTATIONS: [&str; 1] = ["github.com/project-slug"];

/// How many completed runs the success rate of each sparkline point covers.
const RATE_WINDOW: usize = 5;

/// Below this many requests left in the hour, the pane shows the rate limit and its reset.
const LOW_RATE_LIMIT: u64 = 500;

/// At most this many failed jobs of a run get their log tail fetched (each costs a request).
const LOGS_PER_RUN: usize = 3;

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
    rank: u8,
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
    /// A new catalog: entity ids change, so a team view is built again (a service's runs and an
    /// open run are kept: they are by key).
    pub fn load(&mut self, catalog: &Catalog) {
        self.annotated = count_annotated(catalog, &ANNOTATIONS);
        self.team_origin = None;
        if self.team.take().is_some() {
            self.shown = None;
        }
    }

    /// The state of the entity's runs, if any was asked for.
    pub fn state(&self, entity_key: &str) -> Option<&CiState> {
        self.states.get(entity_key)
    }

    fn ask(&mut self, request: Request, forced: bool) {
        if self.connected {
            self.outbox.push(Outgoing::Ask { request, forced });
        }
    }

    fn notice(&mut self, text: String, error: bool) {
        self.outbox.push(Outgoing::Status { text, error });
    }

    /// Asks for the runs of a repository on behalf of an entity (so the pane says it is loading).
    fn ask_runs(&mut self, entity_key: &str, slug: &str, forced: bool) {
        let state = self.states.entry(entity_key.to_string()).or_default();
        state.slug = slug.to_string();
        state.loading = true;
        self.ask(
            Request::CiRuns {
                entity_key: entity_key.to_string(),
                slug: slug.to_string(),
            },
            forced,
        );
    }

    /// Shows an entity: its runs, or for a group the runs and default branches of what it owns.
    /// A new entity starts at the top of the runs view; `forced` asks past the refresh window.
    pub fn show(&mut self, catalog: &Catalog, id: EntityId, forced: bool) {
        let entity = catalog.entity(id);
        let key = entity.key();
        if self.shown.as_deref() != Some(key.as_str()) {
            self.shown = Some(key.clone());
            self.list = ListCursor::default();
            self.scroll = 0;
            self.run = None;
            self.confirm = None;
            if self.team_origin.is_some_and(|(_, service)| service != id) {
                self.team_origin = None;
            }
        }
        if entity.is_kind("Group") {
            let members: Vec<(EntityId, String, Result<Slug, ProviderError>)> =
                owned_repos(catalog, id)
                    .into_iter()
                    .map(|(member, slug)| (member, catalog.entity(member).key(), slug))
                    .collect();
            for (_, member_key, slug) in &members {
                if let Ok(slug) = slug {
                    let slug = slug.to_string();
                    self.ask_runs(member_key, &slug, forced);
                    // Default branches rarely change: the provider keeps them for an hour.
                    if !self.branches.contains_key(member_key) {
                        self.ask(
                            Request::DefaultBranch {
                                entity_key: member_key.clone(),
                                slug,
                            },
                            false,
                        );
                    }
                }
            }
            self.team = Some(Team { group: id, members });
            return;
        }
        self.team = None;
        if let Ok(slug) = repo_of(entity) {
            self.ask_runs(&key, &slug.to_string(), forced);
        }
    }

    /// Takes a provider answer; true when it was for this pane.
    pub fn on_message(&mut self, message: ProviderMessage) -> bool {
        match message {
            ProviderMessage::CiRuns {
                entity_key,
                slug,
                result,
                fetched_at,
                from_cache,
            } => {
                let state = self.states.entry(entity_key).or_default();
                state.slug = slug;
                state.loading = false;
                match result {
                    Ok(runs) => {
                        state.runs = Some(runs);
                        state.fetched_at = Some(fetched_at);
                        state.from_cache = from_cache;
                        state.error = None;
                    }
                    Err(err) => state.error = Some(err),
                }
            }
            ProviderMessage::CiJobs { run_id, result, .. } => {
                let state = self.jobs.entry(run_id).or_default();
                state.loading = false;
                match result {
                    Ok(jobs) => {
                        state.jobs = Some(jobs);
                        state.error = None;
                    }
                    Err(err) => state.error = Some(err),
                }
                if self.run.as_ref().is_some_and(|r| r.run_id == run_id) {
                    self.ask_logs();
                }
            }
            ProviderMessage::CiLogTail { job_id, result, .. } => {
                self.logs.insert(
                    job_id,
                    match result {
                        Ok(tail) => LogState::Ready(tail),
                        Err(err) => LogState::Failed(err),
                    },
                );
            }
            ProviderMessage::CiRerunFailed {
                entity_key,
                slug,
                run_id,
                result,
            } => {
                let label = self
                    .reruns
                    .remove(&run_id)
                    .unwrap_or_else(|| format!("run {run_id} ({slug})"));
                match result {
                    Ok(()) => {
                        self.notice(
                            format!("GitHub is rerunning the failed jobs of {label}"),
                            false,
                        );
                        self.ask_runs(&entity_key, &slug, true);
                        if self.run.as_ref().is_some_and(|r| r.run_id == run_id) {
                            self.ask_jobs(true);
                        }
                    }
                    Err(err) => self.notice(format!("rerun of {label} failed: {err}"), true),
                }
            }
            ProviderMessage::DefaultBranch {
                entity_key, result, ..
            } => {
                // A failed lookup is kept only while no branch is known.
                if result.is_ok() || !self.branches.get(&entity_key).is_some_and(Result::is_ok) {
                    self.branches.insert(entity_key, result);
                }
            }
            _ => return false,
        }
        true
    }

    /// Asks for the open run's jobs.
    fn ask_jobs(&mut self, forced: bool) {
        let Some(run) = self.run.clone() else { return };
        self.jobs.entry(run.run_id).or_default().loading = true;
        self.ask(
            Request::CiJobs {
                entity_key: run.entity_key,
                slug: run.slug,
                run_id: run.run_id,
            },
            forced,
        );
    }

    /// Asks for the log tails of the open run's failed jobs that have none yet.
    fn ask_logs(&mut self) {
        let Some(run) = self.run.clone() else { return };
        let failed: Vec<u64> = self
            .jobs
            .get(&run.run_id)
            .and_then(|s| s.jobs.as_ref())
            .map(|jobs| {
                jobs.iter()
                    .filter(|j| j.failed())
                    .map(|j| j.id)
                    .take(LOGS_PER_RUN)
                    .collect()
            })
            .unwrap_or_default();
        for job_id in failed {
            if matches!(
                self.logs.get(&job_id),
                Some(LogState::Ready(_) | LogState::Loading)
            ) {
                continue;
            }
            self.logs.insert(job_id, LogState::Loading);
            self.ask(
                Request::CiLogTail {
                    entity_key: run.entity_key.clone(),
                    slug: run.slug.clone(),
                    job_id,
                },
                false,
            );
        }
    }

    fn now(&self) -> SystemTime {
        self.now.unwrap_or_else(SystemTime::now)
    }

    /// The runs of the focused entity, if it has any.
    fn runs_of(&self, catalog: &Catalog, focus: Option<EntityId>) -> Option<&CiRuns> {
        let key = catalog.entity(focus?).key();
        self.states.get(&key)?.runs.as_ref()
    }

    /// The run under the cursor (runs view) or open (run view), with its entity and slug.
    fn current_run(
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

    /// A key for this pane. `page`: rows on screen.
    /// The GitHub page of the run under the cursor (or open).
    pub fn selected_url(&self, catalog: &Catalog, focus: Option<EntityId>) -> Option<String> {
        match (&self.team, self.current_run(catalog, focus)) {
            (_, Some((_, _, run))) => Some(run.html_url.clone()),
            (Some(_), None) => self
                .team_rows()
                .get(self.list.cursor)
                .and_then(|row| row.run)
                .map(|run| run.html_url.clone()),
            (None, None) => None,
        }
    }

    pub fn update(
        &mut self,
        action: &Action,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
        page: usize,
    ) -> Option<Action> {
        if let Some(answer) = Confirm::answer(&mut self.confirm, action) {
            match answer {
                Answer::Yes(rerun) => {
                    self.notice(
                        format!("asking GitHub to rerun the failed jobs of {}…", rerun.label),
                        false,
                    );
                    self.reruns.insert(rerun.run_id, rerun.label.clone());
                    self.ask(
                        Request::CiRerunFailed {
                            entity_key: rerun.entity_key,
                            slug: rerun.slug,
                            run_id: rerun.run_id,
                        },
                        true,
                    );
                }
                Answer::No => self.notice("rerun cancelled".into(), false),
                Answer::Waiting => {}
            }
            return None;
        }
        if !self.connected {
            let len = self.lines(catalog, focus, env).len();
            self.scroll = scroll(self.scroll, action, len, page);
            return None;
        }
        match action {
            Action::Reload => {
                if self.run.is_some() {
                    self.refresh_run();
                } else if let Some(id) = focus {
                    self.show(catalog, id, true);
                }
                None
            }
            Action::Open => self.open(catalog, focus),
            Action::Rerun => self.ask_rerun(catalog, focus),
            Action::OpenInBrowser => match self.selected_url(catalog, focus) {
                Some(url) => Some(Action::OpenUrl(url)),
                None => Some(Action::Error("no run here to open".into())),
            },
            movement => {
                if let Some(view) = &self.run {
                    let len = self.run_lines(view).len();
                    let scrolled = scroll(view.scroll, movement, len, page);
                    if let Some(view) = &mut self.run {
                        view.scroll = scrolled;
                    }
                    return None;
                }
                let len = match &self.team {
                    Some(team) => team.members.len(),
                    None => self.runs_of(catalog, focus).map_or(0, |r| r.runs.len()),
                };
                // The header, the sparkline and the table's header take rows of the page.
                self.list.apply(movement, len, page.saturating_sub(4));
                None
            }
        }
    }

    /// Enter: a run opens; a team row focuses its service.
    fn open(&mut self, catalog: &Catalog, focus: Option<EntityId>) -> Option<Action> {
        if self.run.is_some() {
            return None;
        }
        if let Some(team) = &self.team {
            let group = team.group;
            let id = self.team_rows().get(self.list.cursor)?.id;
            self.team_origin = Some((group, id));
            return Some(Action::FocusEntity(id));
        }
        let (entity_key, slug, run) = self.current_run(catalog, focus)?;
        let run_id = run.id;
        self.run = Some(RunView {
            entity_key,
            slug,
            run_id,
            scroll: 0,
        });
        let known = self.jobs.get(&run_id).is_some_and(|j| j.jobs.is_some());
        if known {
            self.ask_logs();
        }
        // Within the refresh window the provider answers from its cache.
        self.ask_jobs(false);
        None
    }

    /// ctrl-r in a run: its jobs again, and the logs of the jobs that fail then.
    fn refresh_run(&mut self) {
        if let Some(run_id) = self.run.as_ref().map(|r| r.run_id) {
            let failed: Vec<u64> = self
                .jobs
                .get(&run_id)
                .and_then(|s| s.jobs.as_ref())
                .map(|jobs| jobs.iter().map(|j| j.id).collect())
                .unwrap_or_default();
            for job in failed {
                self.logs.remove(&job);
            }
        }
        self.ask_jobs(true);
    }

    /// `r`: asks the user before rerunning the failed jobs of the run here.
    fn ask_rerun(&mut self, catalog: &Catalog, focus: Option<EntityId>) -> Option<Action> {
        let Some((entity_key, slug, run)) = self.current_run(catalog, focus) else {
            let text = if self.team.is_some() {
                "open a service (enter) to rerun its runs"
            } else {
                "no run here to rerun"
            };
            return Some(Action::Error(text.into()));
        };
        if !matches!(run.state(), RunState::Failure | RunState::Cancelled) {
            return Some(Action::Error(format!(
                "run {} ({} #{}) is {}: only failed or cancelled runs have jobs to rerun",
                run.id,
                run.name,
                run.run_number,
                run.status_label()
            )));
        }
        let label = format!(
            "{} #{} on {} ({slug})",
            run.name,
            run.run_number,
            run.head_branch.as_deref().unwrap_or("?")
        );
        self.confirm = Some(Confirm {
            title: " Rerun failed jobs ",
            question: format!("Rerun the failed jobs of {label}?"),
            on_yes: Rerun {
                entity_key,
                slug,
                run_id: run.id,
                label,
            },
        });
        None
    }

    /// Back: closes the question, then the run, then returns to the team a service was opened
    /// from. `Some(Some(group))`: focus the group; `Some(None)`: done here; `None`: not for the pane.
    pub fn back(&mut self, focus: Option<EntityId>) -> Option<Option<EntityId>> {
        if self.confirm.take().is_some() {
            return Some(None);
        }
        if self.run.take().is_some() {
            return Some(None);
        }
        match self.team_origin {
            Some((group, service)) if focus == Some(service) => {
                self.team_origin = None;
                Some(Some(group))
            }
            _ => None,
        }
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

    /// The setup text (no token).
    pub fn lines(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
    ) -> Vec<PageLine> {
        let enterprise = format!(
            "  • GitHub Enterprise: GITHUB_API_URL or [github] api_url — now: {}",
            if env.github_api_url.is_empty() {
                "https://api.github.com"
            } else {
                &env.github_api_url
            }
        );
        Setup {
            heading: "GitHub Actions: the latest workflow runs of each service's repository",
            intro: "Not connected: GitHub needs a token. It uses:",
            token: "  • a token: set GITHUB_TOKEN (or GH_TOKEN, or [github] token in config.toml; else `gh auth token`) — now: ",
            token_set: env.github_token,
            needs: &[
                "  • repos come from the github.com/project-slug annotation (OWNER/REPO) of each entity",
                &enterprise,
            ],
            annotated: self.annotated,
            have: "github.com/project-slug",
            annotations: &ANNOTATIONS,
            missing_hint: "add metadata.annotations github.com/project-slug: OWNER/REPO",
        }
        .lines(catalog, focus)
    }

    /// How old the data is: "cached 3m ago", "fetched 10s ago", or, when the last answer failed
    /// for a passing reason, "offline, showing data from 3h ago".
    fn age_text(&self, state: &CiState) -> Option<(String, Tone)> {
        let at = state.fetched_at?;
        let age = short_duration(self.now().duration_since(at).unwrap_or_default());
        Some(match &state.error {
            Some(err) if err.is_transient() => {
                let why = match err {
                    ProviderError::Network { .. } | ProviderError::Timeout { .. } => "offline",
                    ProviderError::RateLimited { .. } => "rate limited",
                    _ => "GitHub failing",
                };
                (format!("{why}, showing data from {age} ago"), Tone::Warning)
            }
            _ if state.from_cache => (format!("cached {age} ago"), Tone::Muted),
            _ => (format!("fetched {age} ago"), Tone::Muted),
        })
    }

    /// "GitHub rate limit: 120 left, resets 14:05:00 (in 12m)" when it runs low.
    fn rate_limit_line(&self) -> Option<PageLine> {
        let limit = self.rate_limit?;
        let remaining = limit.remaining?;
        if remaining >= LOW_RATE_LIMIT {
            return None;
        }
        let reset = limit.reset.map_or(String::new(), |at| {
            let wait = at.duration_since(self.now()).unwrap_or_default();
            format!(
                ", resets {} (in {})",
                crate::providers::http::clock(at),
                short_duration(wait)
            )
        });
        Some(line(&[(
            &format!("GitHub rate limit: {remaining} requests left{reset}"),
            Tone::Warning,
        )]))
    }

    /// The lines above the runs table when connected: the entity, the repo, the data's age, the
    /// last error, the rate limit when low.
    fn header_lines(&self, catalog: &Catalog, focus: Option<EntityId>) -> Vec<PageLine> {
        let Some(id) = focus else {
            return vec![line(&[(
                "Selected entity: none (pick one in the Catalog, 1)",
                Tone::Muted,
            )])];
        };
        let entity = catalog.entity(id);
        let key = entity.key();
        let mut out = vec![line(&[
            ("Selected entity: ", Tone::Heading),
            (&key, Tone::Link),
        ])];
        let slug = match repo_of(entity) {
            Ok(slug) => slug.to_string(),
            Err(err) => {
                out.push(line(&[
                    ("  ✗ ", Tone::Warning),
                    (&err.to_string(), Tone::Warning),
                ]));
                return out;
            }
        };
        let state = self.states.get(&key);
        let mut status = vec![
            ("Repository: ".to_string(), Tone::Muted),
            (slug, Tone::Base),
        ];
        if let Some(state) = state {
            if let Some(runs) = &state.runs {
                status.push((format!("  ·  {} runs", runs.runs.len()), Tone::Muted));
            }
            if let Some((age, tone)) = self.age_text(state) {
                status.push(("  ·  ".into(), Tone::Muted));
                status.push((age, tone));
            }
            if state.loading {
                status.push(("  ·  loading…".into(), Tone::Accent));
            }
        }
        out.push(PageLine {
            spans: status,
            target: None,
        });
        if let Some(err) = state.and_then(|s| s.error.as_ref()) {
            out.push(line(&[
                ("Last error: ", Tone::Error),
                (&err.to_string(), Tone::Error),
            ]));
        }
        out.extend(self.rate_limit_line());
        out
    }

    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
        theme: &Theme,
    ) {
        if !self.connected {
            draw_info(
                frame,
                area,
                theme,
                "CI/CD (not connected)",
                &self.lines(catalog, focus, env),
                self.scroll,
            );
            return;
        }
        if let Some(view) = &self.run {
            draw_info(
                frame,
                area,
                theme,
                "CI/CD · GitHub Actions · run",
                &self.run_lines(view),
                view.scroll,
            );
        } else if let Some(team) = &self.team {
            self.draw_team(frame, area, catalog, team, theme);
        } else {
            self.draw_runs(frame, area, catalog, focus, theme);
        }
        if let Some(confirm) = &self.confirm {
            let keys = self.answer_keys.as_deref().unwrap_or("y yes · n/esc no");
            confirm.draw(frame, area, keys, theme);
        }
    }

    fn draw_runs(
        &self,
        frame: &mut Frame,
        area: Rect,
        catalog: &Catalog,
        focus: Option<EntityId>,
        theme: &Theme,
    ) {
        let header = self.header_lines(catalog, focus);
        let Some(runs) = self.runs_of(catalog, focus) else {
            let mut lines = header;
            if focus.is_some_and(|id| repo_of(catalog.entity(id)).is_ok()) {
                lines.push(PageLine::default());
                lines.push(line(&[(
                    "No runs yet (ctrl-r asks GitHub again).",
                    Tone::Muted,
                )]));
            }
            draw_info(
                frame,
                area,
                theme,
                "CI/CD · GitHub Actions",
                &lines,
                self.scroll,
            );
            return;
        };
        let inner = draw_block(frame, area, bordered(" CI/CD · GitHub Actions ", theme));
        // Errors can be long: the header wraps, and takes the rows it needs.
        let rows: usize = header
            .iter()
            .map(|l| {
                let width: usize = l.spans.iter().map(|(t, _)| t.chars().count()).sum();
                width.div_ceil(inner.width.max(1) as usize).max(1)
            })
            .sum();
        let [top, spark, table] = Layout::vertical([
            Constraint::Length(rows as u16),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(header.iter().map(|l| to_line(l, theme)).collect::<Vec<_>>())
                .wrap(Wrap { trim: false }),
            top,
        );
        self.draw_sparkline(frame, spark, runs, theme);
        self.draw_table(frame, table, runs, theme);
    }

    fn draw_sparkline(&self, frame: &mut Frame, area: Rect, runs: &CiRuns, theme: &Theme) {
        let history = runs.success_history();
        let ok = history.iter().filter(|s| **s).count();
        let label = if history.is_empty() {
            "Success: no completed runs ".to_string()
        } else {
            format!(
                "Success: {ok}/{} ({}%) ",
                history.len(),
                ok * 100 / history.len()
            )
        };
        let width = (label.chars().count() as u16).min(area.width);
        let [text, chart] =
            Layout::horizontal([Constraint::Length(width), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(Span::styled(label, theme.muted)), text);
        let points = success_rates(&history);
        frame.render_widget(
            Sparkline::default()
                .data(&points)
                .max(100)
                .style(theme.accent),
            chart,
        );
    }

    fn draw_table(&self, frame: &mut Frame, area: Rect, runs: &CiRuns, theme: &Theme) {
        let now: DateTime<Utc> = self.now().into();
        const HEADERS: [&str; 8] = [
            "WORKFLOW", "BRANCH", "EVENT", "STATUS", "TIME", "AGE", "ACTOR", "TITLE",
        ];
        /// The widest a column gets (the title takes the rest).
        const CAPS: [usize; 7] = [20, 24, 19, 15, 7, 7, 16];
        let cells: Vec<(usize, [String; 8], Tone)> = shown(&runs.runs, &self.list, area)
            .map(|(i, run)| {
                let cells = [
                    run.name.clone(),
                    run.head_branch.clone().unwrap_or_default(),
                    run.event.clone(),
                    run.status_label().to_string(),
                    run.duration(now).map(short_duration).unwrap_or_default(),
                    age(now, run),
                    run.actor.clone().unwrap_or_default(),
                    run.title().to_string(),
                ];
                (i, cells, state_tone(run.state()))
            })
            .collect();
        let widths = column_widths(&HEADERS, &CAPS, cells.iter().map(|(_, c, _)| &c[..]));
        let rows = cells
            .into_iter()
            .map(|(i, cells, tone)| status_row(cells, 3, tone, i == self.list.cursor, theme));
        draw_table(frame, area, heading_cells(HEADERS, theme), rows, widths);
    }

    fn draw_team(
        &self,
        frame: &mut Frame,
        area: Rect,
        catalog: &Catalog,
        team: &Team,
        theme: &Theme,
    ) {
        let rows = self.team_rows();
        let failing = rows
            .iter()
            .filter(|r| r.run.is_some_and(|run| run.state() == RunState::Failure))
            .count();
        let loading = rows
            .iter()
            .filter(|r| self.states.get(r.key).is_some_and(|s| s.loading))
            .count();
        let mut header = vec![line(&[
            ("Team: ", Tone::Heading),
            (&catalog.entity(team.group).key(), Tone::Link),
        ])];
        let mut summary = vec![(format!("{} services", team.members.len()), Tone::Base)];
        if failing > 0 {
            summary.push((format!(" · {failing} failing"), Tone::Error));
        }
        if loading > 0 {
            summary.push((format!(" · loading {loading}…"), Tone::Accent));
        }
        summary.push((
            " · owned directly (not sub-groups) · last default-branch run".into(),
            Tone::Muted,
        ));
        header.push(PageLine {
            spans: summary,
            target: None,
        });
        header.extend(self.rate_limit_line());
        if team.members.is_empty() {
            let children: Vec<String> = catalog
                .related(team.group, RelationType::ParentOf)
                .filter_map(|t| match t {
                    Target::Entity(id) => Some(catalog.entity(id).name().to_string()),
                    Target::Missing(_) => None,
                })
                .collect();
            header.push(PageLine::default());
            header.push(line(&[(
                "This group owns no components directly.",
                Tone::Muted,
            )]));
            if !children.is_empty() {
                header.push(line(&[(
                    &format!(
                        "Its sub-groups: {} (pick one in the Catalog, 1).",
                        children.join(", ")
                    ),
                    Tone::Muted,
                )]));
            }
            draw_info(frame, area, theme, "CI/CD · team", &header, self.scroll);
            return;
        }
        let inner = draw_block(
            frame,
            area,
            bordered(" CI/CD · GitHub Actions · team ", theme),
        );
        let [top, table] = Layout::vertical([
            Constraint::Length(header.len() as u16 + 1),
            Constraint::Min(1),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(header.iter().map(|l| to_line(l, theme)).collect::<Vec<_>>()),
            top,
        );
        let now: DateTime<Utc> = self.now().into();
        // The repository is on the service's own view (Enter); here the title gets the room.
        const HEADERS: [&str; 6] = ["SERVICE", "STATUS", "BRANCH", "WORKFLOW", "AGE", "TITLE"];
        const CAPS: [usize; 5] = [32, 15, 20, 20, 7];
        let cells: Vec<(usize, [String; 6], Tone)> = shown(&rows, &self.list, table)
            .map(|(i, row)| {
                let entity = catalog.entity(row.id);
                let name = if entity.is_kind("Component") {
                    entity.name().to_string()
                } else {
                    entity.reference.short()
                };
                let cells = match row.run {
                    Some(run) => [
                        name,
                        run.status_label().to_string(),
                        run.head_branch.clone().unwrap_or_default(),
                        run.name.clone(),
                        age(now, run),
                        run.title().to_string(),
                    ],
                    None => [
                        name,
                        "-".into(),
                        row.branch.unwrap_or_default().to_string(),
                        String::new(),
                        String::new(),
                        row.note.clone(),
                    ],
                };
                let tone = row.run.map_or(
                    if row.rank == 4 {
                        Tone::Error
                    } else {
                        Tone::Muted
                    },
                    |r| state_tone(r.state()),
                );
                (i, cells, tone)
            })
            .collect();
        let widths = column_widths(&HEADERS, &CAPS, cells.iter().map(|(_, c, _)| &c[..]));
        let rows = cells
            .into_iter()
            .map(|(i, cells, tone)| status_row(cells, 1, tone, i == self.list.cursor, theme));
        draw_table(frame, table, heading_cells(HEADERS, theme), rows, widths);
    }

    /// The open run: what it is, its jobs and steps, and the log tails of its failed jobs.
    fn run_lines(&self, view: &RunView) -> Vec<PageLine> {
        let now: DateTime<Utc> = self.now().into();
        let mut out = Vec::new();
        let state = self.states.get(&view.entity_key);
        let run = state
            .and_then(|s| s.runs.as_ref())
            .and_then(|r| r.runs.iter().find(|r| r.id == view.run_id));
        match run {
            Some(run) => {
                out.push(line(&[
                    (&format!("{} #{}", run.name, run.run_number), Tone::Heading),
                    (
                        &format!("  {}  ", run.status_label()),
                        state_tone(run.state()),
                    ),
                    (
                        &format!(
                            "{} · {} · {} · {} ago · attempt {}",
                            run.head_branch.as_deref().unwrap_or("-"),
                            run.event,
                            run.duration(now)
                                .map(short_duration)
                                .unwrap_or_else(|| "-".into()),
                            age(now, run),
                            run.run_attempt
                        ),
                        Tone::Muted,
                    ),
                ]));
                out.push(line(&[
                    (run.title(), Tone::Base),
                    (
                        &format!("  ·  {}", run.actor.as_deref().unwrap_or("-")),
                        Tone::Muted,
                    ),
                ]));
                out.push(line(&[(&run.html_url, Tone::Link)]));
            }
            None => out.push(line(&[(
                &format!("Run {} of {}", view.run_id, view.slug),
                Tone::Heading,
            )])),
        }
        out.push(PageLine::default());
        let jobs = self.jobs.get(&view.run_id);
        let mut heading = vec![("Jobs".to_string(), Tone::Heading)];
        if jobs.is_some_and(|j| j.loading) {
            heading.push(("  loading…".into(), Tone::Accent));
        }
        out.push(PageLine {
            spans: heading,
            target: None,
        });
        if let Some(err) = jobs.and_then(|j| j.error.as_ref()) {
            out.push(line(&[
                ("Last error: ", Tone::Error),
                (&err.to_string(), Tone::Error),
            ]));
        }
        let Some(list) = jobs.and_then(|j| j.jobs.as_ref()) else {
            return out;
        };
        if list.is_empty() {
            out.push(line(&[("  no jobs", Tone::Muted)]));
        }
        for job in list {
            let took = match (job.started_at, job.completed_at) {
                (Some(start), Some(end)) => (end - start).to_std().map(short_duration).ok(),
                _ => None,
            };
            let status = job.conclusion.as_deref().unwrap_or(&job.status);
            out.push(line(&[
                (&format!("{} ", mark(status)), conclusion_tone(status)),
                (&job.name, Tone::Base),
                (&format!("  {status}"), conclusion_tone(status)),
                (
                    &took.map(|t| format!("  {t}")).unwrap_or_default(),
                    Tone::Muted,
                ),
            ]));
            for step in &job.steps {
                let status = step.conclusion.as_deref().unwrap_or(&step.status);
                out.push(line(&[
                    (&format!("    {} ", mark(status)), conclusion_tone(status)),
                    (&format!("{:>2} {}", step.number, step.name), Tone::Base),
                    (&format!("  {status}"), conclusion_tone(status)),
                ]));
            }
        }
        for job in list.iter().filter(|j| j.failed()).take(LOGS_PER_RUN) {
            out.push(PageLine::default());
            match self.logs.get(&job.id) {
                Some(LogState::Ready(tail)) => {
                    out.push(line(&[(
                        &format!(
                            "Log of {} ({}{} lines)",
                            job.name,
                            if tail.truncated { "the last " } else { "" },
                            tail.lines.len()
                        ),
                        Tone::Heading,
                    )]));
                    for text in &tail.lines {
                        let tone = if text.contains("##[error]") {
                            Tone::Error
                        } else {
                            Tone::Base
                        };
                        // A whitespace-only line would wrap into two rows: blank lines stay empty.
                        out.push(if text.trim().is_empty() {
                            PageLine::default()
                        } else {
                            line(&[("  ", Tone::Base), (text, tone)])
                        });
                    }
                }
                Some(LogState::Failed(err)) => out.push(line(&[
                    (&format!("Log of {}: ", job.name), Tone::Heading),
                    (&err.to_string(), Tone::Error),
                ])),
                Some(LogState::Loading) | None => out.push(line(&[
                    (&format!("Log of {}: ", job.name), Tone::Heading),
                    ("loading…", Tone::Accent),
                ])),
            }
        }
        out
    }
}

fn age(now: DateTime<Utc>, run: &WorkflowRun) -> String {
    (now - run.created_at)
        .to_std()
        .map(short_duration)
        .unwrap_or_default()
}

fn state_tone(state: RunState) -> Tone {
    match state {
        RunState::Success => Tone::Accent,
        RunState::Failure => Tone::Error,
        RunState::Running | RunState::Queued => Tone::Warning,
        _ => Tone::Muted,
    }
}

fn conclusion_tone(status: &str) -> Tone {
    match status {
        "success" => Tone::Accent,
        "failure" | "timed_out" | "startup_failure" => Tone::Error,
        "in_progress" | "queued" | "waiting" | "pending" => Tone::Warning,
        _ => Tone::Muted,
    }
}

fn mark(status: &str) -> &'static str {
    match status {
        "success" => "✓",
        "failure" | "timed_out" | "startup_failure" => "✗",
        "in_progress" => "●",
        "queued" | "waiting" | "pending" => "○",
        _ => "-",
    }
}

/// The success rate (0–100) over the last [`RATE_WINDOW`] completed runs at each run, oldest first.
pub fn success_rates(history: &[bool]) -> Vec<u64> {
    (0..history.len())
        .map(|i| {
            let window = &history[(i + 1).saturating_sub(RATE_WINDOW)..=i];
            // Never 0, so an all-failure stretch still shows as the lowest bar.
            (window.iter().filter(|s| **s).count() as u64 * 100 / window.len() as u64).max(1)
        })
        .collect()
}
