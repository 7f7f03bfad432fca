//! CI/CD: GitHub Actions runs of the focused entity's repository (`github.com/project-slug`).
//!
//! Without a GitHub token the pane says what to set. With one, the app asks the provider for the
//! runs when the pane shows an entity (`r` asks again, past the refresh window); answers arrive as
//! messages ([`CiCdPane::on_message`]) and drawing only reads what arrived: the last good runs,
//! their age, and the last error next to them.

use super::entity::{PageLine, Tone};
use super::{annotation_lines, count_annotated, draw_info, line, ProviderEnv};
use crate::catalog::{Catalog, EntityId};
use crate::providers::github::{repo_of, short_duration, CiRuns, RunState};
use crate::providers::{ProviderError, ProviderMessage};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table};
use ratatui::Frame;
use std::collections::HashMap;
use std::time::SystemTime;

pub const ANNOTATIONS: [&str; 1] = ["github.com/project-slug"];

/// How many completed runs the success rate of each sparkline point covers.
const RATE_WINDOW: usize = 5;

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

#[derive(Default)]
pub struct CiCdPane {
    pub annotated: usize,
    pub scroll: usize,
    /// A GitHub provider runs (a token is configured): show runs instead of the setup text.
    pub connected: bool,
    /// By entity key.
    pub states: HashMap<String, CiState>,
    /// The clock for ages and durations; `None`: now (tests fix it).
    pub now: Option<SystemTime>,
    /// The entity whose runs were last asked for while the pane showed (asked again when the
    /// selection changes or the pane is shown again).
    pub shown: Option<String>,
}

impl CiCdPane {
    pub fn load(&mut self, catalog: &Catalog) {
        self.annotated = count_annotated(catalog, &ANNOTATIONS);
    }

    /// The state of the entity's runs, if any was asked for.
    pub fn state(&self, entity_key: &str) -> Option<&CiState> {
        self.states.get(entity_key)
    }

    /// Notes a request for the entity's runs (so the pane says it is loading).
    pub fn requested(&mut self, entity_key: &str, slug: &str) {
        let state = self.states.entry(entity_key.to_string()).or_default();
        state.slug = slug.to_string();
        state.loading = true;
    }

    /// Takes a provider answer; true when it was for this pane.
    pub fn on_message(&mut self, message: ProviderMessage) -> bool {
        let ProviderMessage::CiRuns {
            entity_key,
            slug,
            result,
            fetched_at,
            from_cache,
        } = message
        else {
            return false;
        };
        let state = self.states.entry(entity_key).or_default();
        state.slug = slug;
        match result {
            Ok(runs) => {
                state.runs = Some(runs);
                state.fetched_at = Some(fetched_at);
                state.from_cache = from_cache;
                state.error = None;
                state.loading = false;
            }
            Err(err) => {
                state.error = Some(err);
                state.loading = false;
            }
        }
        true
    }

    fn now(&self) -> SystemTime {
        self.now.unwrap_or_else(SystemTime::now)
    }

    /// The setup text (no token).
    pub fn lines(
        &self,
        catalog: &Catalog,
        focus: Option<EntityId>,
        env: &ProviderEnv,
    ) -> Vec<PageLine> {
        let token = if env.github_token {
            ("found", Tone::Accent)
        } else {
            ("not set", Tone::Warning)
        };
        let mut lines = vec![
            line(&[("GitHub Actions: the latest workflow runs of each service's repository", Tone::Heading)]),
            line(&[("Not connected: GitHub needs a token. It uses:", Tone::Base)]),
            line(&[("  • a token: set GITHUB_TOKEN (or GH_TOKEN, or [github] token in config.toml; else `gh auth token`) — now: ", Tone::Base), token]),
            line(&[("  • repos come from the github.com/project-slug annotation (OWNER/REPO) of each entity", Tone::Base)]),
            line(&[(&format!("  • GitHub Enterprise: GITHUB_API_URL or [github] api_url — now: {}", if env.github_api_url.is_empty() { "https://api.github.com" } else { &env.github_api_url }), Tone::Base)]),
            line(&[(&format!("{} of {} entities have github.com/project-slug.", self.annotated, catalog.len()), Tone::Muted)]),
            PageLine::default(),
        ];
        lines.extend(annotation_lines(
            catalog,
            focus,
            &ANNOTATIONS,
            "add metadata.annotations github.com/project-slug: OWNER/REPO",
        ));
        lines
    }

    /// The lines above the runs table when connected: the entity, the repo, the data's age, the
    /// last error.
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
        if let Some(CiState {
            runs: Some(runs),
            fetched_at: Some(at),
            from_cache,
            ..
        }) = state
        {
            let age = self.now().duration_since(*at).unwrap_or_default();
            let age = if *from_cache {
                format!("{} min ago (cached)", age.as_secs() / 60)
            } else {
                format!("fetched {} ago", short_duration(age))
            };
            status.push((
                format!("  ·  {} runs  ·  {age}", runs.runs.len()),
                Tone::Muted,
            ));
        }
        if state.is_some_and(|s| s.loading) {
            status.push(("  ·  loading…".into(), Tone::Accent));
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
        let header = self.header_lines(catalog, focus);
        let runs = focus
            .map(|id| catalog.entity(id).key())
            .and_then(|key| self.states.get(&key))
            .and_then(|s| s.runs.as_ref());
        let Some(runs) = runs else {
            let mut lines = header;
            if focus.is_some_and(|id| repo_of(catalog.entity(id)).is_ok()) {
                lines.push(PageLine::default());
                lines.push(line(&[("No runs yet (r asks GitHub again).", Tone::Muted)]));
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
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(" CI/CD · GitHub Actions ", theme.title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [top, spark, table] = Layout::vertical([
            Constraint::Length(header.len() as u16),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(inner);
        let to_line = |l: &PageLine| {
            Line::from(
                l.spans
                    .iter()
                    .map(|(t, tone)| Span::styled(t.clone(), tone.style(theme)))
                    .collect::<Vec<_>>(),
            )
        };
        frame.render_widget(
            Paragraph::new(header.iter().map(to_line).collect::<Vec<_>>()),
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
        const CAPS: [usize; 7] = [20, 24, 19, 15, 7, 5, 16];
        let cells: Vec<([String; 8], Tone)> = runs
            .runs
            .iter()
            .skip(self.scroll)
            .map(|run| {
                let tone = match run.state() {
                    RunState::Success => Tone::Accent,
                    RunState::Failure => Tone::Error,
                    RunState::Running | RunState::Queued => Tone::Warning,
                    _ => Tone::Muted,
                };
                let age = (now - run.created_at)
                    .to_std()
                    .map(short_duration)
                    .unwrap_or_default();
                let cells = [
                    run.name.clone(),
                    run.head_branch.clone().unwrap_or_default(),
                    run.event.clone(),
                    run.status_label().to_string(),
                    run.duration(now).map(short_duration).unwrap_or_default(),
                    age,
                    run.actor.clone().unwrap_or_default(),
                    run.title().to_string(),
                ];
                (cells, tone)
            })
            .collect();
        let mut widths: Vec<Constraint> = CAPS
            .iter()
            .enumerate()
            .map(|(i, cap)| {
                let widest = cells
                    .iter()
                    .map(|(c, _)| c[i].chars().count())
                    .chain([HEADERS[i].len()])
                    .max()
                    .unwrap_or(0);
                Constraint::Length(widest.min(*cap) as u16)
            })
            .collect();
        widths.push(Constraint::Min(10));
        let header = Row::new(HEADERS.map(|h| Cell::from(Span::styled(h, theme.heading))));
        let rows: Vec<Row> = cells
            .into_iter()
            .map(|(cells, tone)| {
                Row::new(cells.into_iter().enumerate().map(|(i, text)| {
                    if i == 3 {
                        Cell::from(Span::styled(text, tone.style(theme)))
                    } else {
                        Cell::from(text)
                    }
                }))
                .style(theme.base)
            })
            .collect();
        frame.render_widget(
            Table::new(rows, widths)
                .header(header)
                .column_spacing(1)
                .style(Style::default()),
            area,
        );
    }

    /// Rows the pane can scroll through (the runs when connected, else the text lines).
    pub fn len(&self, catalog: &Catalog, focus: Option<EntityId>, env: &ProviderEnv) -> usize {
        if !self.connected {
            return self.lines(catalog, focus, env).len();
        }
        focus
            .map(|id| catalog.entity(id).key())
            .and_then(|key| self.states.get(&key))
            .and_then(|s| s.runs.as_ref())
            .map_or(0, |r| r.runs.len())
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
