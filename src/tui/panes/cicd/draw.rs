//! Drawing the CI/CD pane: the setup text, the runs table with its header and sparkline, the team
//! table, and an open run's jobs, steps and log tails.

use crate::catalog::{Catalog, EntityId, RelationType, Target};
use crate::providers::github::{repo_of, short_duration, CiRuns, RunState, WorkflowRun};
use crate::providers::ProviderError;
use crate::tui::panes::{ProviderEnv, Setup};
use crate::tui::theme::Theme;
use crate::tui::widgets::detail::{draw_info, line, to_line, PageLine, Tone};
use crate::tui::widgets::panel::{bordered, draw_block};
use crate::tui::widgets::table::{column_widths, draw_table, heading_cells, shown, status_row};
use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Sparkline, Wrap};
use ratatui::Frame;

use super::model::{CiCdPane, CiState, LogState, RunView, Team, ANNOTATIONS, LOGS_PER_RUN};
/// How many completed runs the success rate of each sparkline point covers.
const RATE_WINDOW: usize = 5;

/// Below this many requests left in the hour, the pane shows the rate limit and its reset.
const LOW_RATE_LIMIT: u64 = 500;

impl CiCdPane {
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
    /// The preview of the run under the cursor (the runs of a service, a team's rows): the run
    /// view's lines, from what arrived; none while a run is open.
    pub fn preview(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
    ) -> Option<(String, Vec<PageLine>)> {
        let (entity_key, slug, run) = self.previewed_run(catalog, focus)?;
        let view = RunView {
            entity_key,
            slug,
            run_id: run.id,
            scroll: 0,
        };
        let title = format!("{} #{}", run.name, run.run_number);
        Some((title, self.run_lines(&view)))
    }

    pub(super) fn run_lines(&self, view: &RunView) -> Vec<PageLine> {
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
                        &format!(
                            "  ·  {} · commit {}",
                            run.actor.as_deref().unwrap_or("-"),
                            run.head_sha.get(..7).unwrap_or(&run.head_sha)
                        ),
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
        match jobs {
            Some(j) if j.loading => heading.push(("  loading…".into(), Tone::Accent)),
            // A preview never asks: the jobs come when the run is opened.
            None => heading.push(("  not loaded: enter opens the run".into(), Tone::Muted)),
            Some(_) => {}
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
