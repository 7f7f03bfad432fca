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

mod draw;
mod model;

pub use draw::success_rates;
use model::LOGS_PER_RUN;
pub use model::{
    CiCdPane, CiState, JobsState, LogState, Outgoing, Rerun, RunView, Team, TeamRow, ANNOTATIONS,
};

use super::{count_annotated, ProviderEnv};
use crate::catalog::{Catalog, EntityId};
use crate::providers::github::{owned_repos, repo_of, RunState, Slug};
use crate::providers::{ProviderError, ProviderMessage, Request};
use crate::tui::action::Action;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::cursor::{scroll, ListCursor};

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
        match &message.request {
            Request::CiRuns { entity_key, slug } => {
                let state = self.states.entry(entity_key.clone()).or_default();
                state.slug.clone_from(slug);
                state.loading = false;
                match message.result() {
                    Ok(runs) => {
                        state.runs = Some(runs);
                        state.fetched_at = Some(message.fetched_at);
                        state.from_cache = message.from_cache;
                        state.error = None;
                    }
                    Err(err) => state.error = Some(err),
                }
            }
            &Request::CiJobs { run_id, .. } => {
                let state = self.jobs.entry(run_id).or_default();
                state.loading = false;
                match message.result() {
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
            &Request::CiLogTail { job_id, .. } => {
                self.logs.insert(
                    job_id,
                    match message.result() {
                        Ok(tail) => LogState::Ready(tail),
                        Err(err) => LogState::Failed(err),
                    },
                );
            }
            Request::CiRerunFailed {
                entity_key,
                slug,
                run_id,
            } => {
                let run_id = *run_id;
                let label = self
                    .reruns
                    .remove(&run_id)
                    .unwrap_or_else(|| format!("run {run_id} ({slug})"));
                match message.result() {
                    Ok(()) => {
                        self.notice(
                            format!("GitHub is rerunning the failed jobs of {label}"),
                            false,
                        );
                        self.ask_runs(entity_key, slug, true);
                        if self.run.as_ref().is_some_and(|r| r.run_id == run_id) {
                            self.ask_jobs(true);
                        }
                    }
                    Err(err) => self.notice(format!("rerun of {label} failed: {err}"), true),
                }
            }
            Request::DefaultBranch { entity_key, .. } => {
                let result = message.result();
                // A failed lookup is kept only while no branch is known.
                if result.is_ok() || !self.branches.get(entity_key).is_some_and(Result::is_ok) {
                    self.branches.insert(entity_key.clone(), result);
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

    /// The service of the run open or under the cursor (a team row's service, else the focus).
    pub fn selected_entity(&self, catalog: &Catalog, focus: Option<EntityId>) -> Option<EntityId> {
        if let Some(view) = &self.run {
            return catalog.get(&view.entity_key);
        }
        if self.team.is_some() {
            return self.team_rows().get(self.list.cursor).map(|row| row.id);
        }
        focus
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
}
