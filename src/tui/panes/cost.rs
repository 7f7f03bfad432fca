//! Cost: spend per team or per service, this period against the previous one of the same length,
//! with the change and its percentage, a bar chart of the top spenders and the daily trend of the
//! selected row. `Enter` on a team shows its services (`Esc` goes back), `t` switches between
//! teams and services, `r` reads the source again.
//!
//! The data is read on a thread of its own when the pane is first shown (a FOCUS export can be
//! gigabytes; every Cost Explorer request costs money, so nothing is asked before), and arrives as
//! a [`CostMessage`]; drawing only reads what arrived. Tag values are matched to the catalog's
//! groups and components on another thread too ([`CostPane::set_catalog`]).

use super::ProviderEnv;
use crate::catalog::Catalog;
use crate::insights::cost::{
    self, Aggregate, By, CatalogMap, Place, Report, Settings, Source, Window,
};
use crate::tui::action::Action;
use crate::tui::priority::{lower_this_thread, Below};
use crate::tui::theme::Theme;
use crate::tui::widgets::chart::{self, column_of, resample, Bar};
use crate::tui::widgets::cursor::{scroll, ListCursor};
use crate::tui::widgets::detail::{draw_info, line, PageLine, Tone};
use crate::tui::widgets::panel::{bordered, draw_block};
use crate::tui::widgets::table::{shown, FitTable};
use chrono::NaiveDate;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};
use ratatui::Frame;
use std::sync::{mpsc, Arc};

/// What the loading thread sends.
#[derive(Debug)]
pub enum CostMessage {
    /// Rows read so far.
    Progress(u64),
    Done(Result<Aggregate, String>),
}

/// Where the pane's data stands.
#[derive(Debug, Default)]
pub enum CostState {
    /// No source: the pane says what to set.
    #[default]
    Unconfigured,
    /// A source, not read yet (the pane has not been shown).
    Idle,
    Loading {
        rows: u64,
    },
    Ready(Aggregate),
    Failed(String),
}

/// Services a team's preview lists.
const TOP: usize = 6;

#[derive(Default)]
pub struct CostPane {
    /// The source from `[cost]`/the demo, or why there is none.
    source: Option<Result<Source, String>>,
    settings: Settings,
    pub state: CostState,
    pub by: By,
    /// The team whose services are shown (after `Enter` on a team).
    pub drill: Option<String>,
    /// The cursor per table: teams, then a drilled team's services are remembered apart.
    list: ListCursor,
    team_list: ListCursor,
    /// Tag values matched to the catalog's entities, once made.
    map: Option<CatalogMap>,
    /// The map being made for the latest catalog.
    mapping: Option<mpsc::Receiver<CatalogMap>>,
    pub report: Option<Report>,
    receiver: Option<mpsc::Receiver<CostMessage>>,
    /// A fixed "today" (tests); otherwise today in UTC.
    pub today: Option<NaiveDate>,
    /// Text scroll of the setup and error views.
    pub scroll: usize,
}

impl CostPane {
    /// Where cost comes from (read when the pane is first shown).
    pub fn configure(&mut self, source: Result<Source, String>, settings: Settings) {
        self.state = if source.is_ok() {
            CostState::Idle
        } else {
            CostState::Unconfigured
        };
        self.source = Some(source);
        self.settings = settings;
    }

    /// The catalog changed: tag values are mapped again, on a thread of its own (200 ms of CPU
    /// at 100k entities, a dozen frames the UI would wait); the report keeps the last map
    /// until the new one arrives. The latest catalog's map wins: a map still being made for an
    /// older one is dropped unread. Nothing is mapped without a source.
    pub fn set_catalog(&mut self, catalog: &Arc<Catalog>) {
        if !matches!(self.source, Some(Ok(_))) {
            return;
        }
        let (sender, receiver) = mpsc::channel();
        let (shared, settings) = (catalog.clone(), self.settings.clone());
        let spawned = std::thread::Builder::new()
            .name("cost-mapping".into())
            .spawn(move || {
                lower_this_thread(Below::Background);
                let _ = sender.send(CatalogMap::new(
                    &shared,
                    &settings.team_tag,
                    &settings.service_tag,
                ));
            });
        match spawned {
            Ok(_) => self.mapping = Some(receiver),
            // No thread to be had: mapped here, the UI waiting this once.
            Err(_) => {
                self.mapping = None;
                let map =
                    CatalogMap::new(catalog, &self.settings.team_tag, &self.settings.service_tag);
                self.map = Some(map);
                self.rebuild();
            }
        }
    }

    /// Whether the source is being read.
    pub fn loading(&self) -> bool {
        matches!(self.state, CostState::Loading { .. })
    }

    /// Whether the source is being read or the catalog mapped (the event loop then polls often).
    pub fn busy(&self) -> bool {
        self.loading() || self.mapping.is_some()
    }

    /// Starts reading when there is a source and nothing was read yet (`again`: read anew).
    pub fn start(&mut self, again: bool) {
        let source = match &self.source {
            Some(Ok(source)) => source.clone(),
            _ => return,
        };
        let ready = matches!(self.state, CostState::Ready(_) | CostState::Failed(_));
        if self.loading() || (ready && !again) {
            return;
        }
        let window = Window::new(
            self.today
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
            self.settings.period_days,
        );
        let settings = self.settings.clone();
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("cost-loader".into())
            .spawn(move || {
                let notify = |message| {
                    let _ = sender.send(message);
                };
                let result = cost::load(
                    &source,
                    &settings,
                    window,
                    crate::providers::http::Log::Off,
                    &mut |rows| notify(CostMessage::Progress(rows)),
                );
                notify(CostMessage::Done(result.map_err(|e| e.to_string())));
            });
        match spawned {
            Ok(_) => {
                self.receiver = Some(receiver);
                self.state = CostState::Loading { rows: 0 };
            }
            Err(err) => self.state = CostState::Failed(format!("cannot start reading: {err}")),
        }
    }

    /// Takes what the loading and mapping threads sent; true when the screen changed. Never
    /// blocks.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let Some(mapping) = &self.mapping {
            match mapping.try_recv() {
                Ok(map) => {
                    self.mapping = None;
                    self.map = Some(map);
                    self.rebuild();
                    changed = true;
                }
                Err(mpsc::TryRecvError::Empty) => {}
                // The thread panicked (the panic hook reports it and ends the process).
                Err(mpsc::TryRecvError::Disconnected) => self.mapping = None,
            }
        }
        while let Some(message) = self.receiver.as_ref().and_then(|r| r.try_recv().ok()) {
            changed = true;
            self.on_message(message);
        }
        changed
    }

    pub fn on_message(&mut self, message: CostMessage) {
        match message {
            CostMessage::Progress(rows) => {
                if let CostState::Loading { rows: shown } = &mut self.state {
                    *shown = rows;
                }
            }
            CostMessage::Done(result) => {
                self.receiver = None;
                self.state = match result {
                    Ok(aggregate) => CostState::Ready(aggregate),
                    Err(err) => CostState::Failed(err),
                };
                self.scroll = 0;
                self.rebuild();
            }
        }
    }

    fn rebuild(&mut self) {
        self.report = match (&self.state, &self.map) {
            (CostState::Ready(aggregate), Some(map)) => {
                let by = if self.drill.is_some() {
                    By::Service
                } else {
                    self.by
                };
                Some(aggregate.report(by, map, self.drill.as_deref()))
            }
            _ => None,
        };
        let len = self.report.as_ref().map_or(0, |r| r.rows.len());
        self.list.clamp(len, 1);
    }

    /// The table's cursor, for a click.
    pub fn list_mut(&mut self) -> &mut ListCursor {
        &mut self.list
    }

    /// Where the cursor is in the table.
    pub fn cursor(&self) -> usize {
        self.list.cursor
    }

    /// The row under the cursor.
    pub fn selected(&self) -> Option<&cost::Row> {
        self.report.as_ref()?.rows.get(self.list.cursor)
    }

    /// The catalog entity of the row under the cursor (a team's group, a service's component).
    pub fn selected_entity(&self, catalog: &Catalog) -> Option<crate::catalog::EntityId> {
        catalog.get(self.selected()?.entity.as_deref()?)
    }

    /// The preview of the row under the cursor: both periods, the change, where it is in the
    /// catalog, and for a team its top services (all from what was read; none before).
    pub fn preview(&self) -> Option<(String, Vec<PageLine>)> {
        let (CostState::Ready(aggregate), Some(report), Some(map)) =
            (&self.state, &self.report, &self.map)
        else {
            return None;
        };
        let row = self.selected()?;
        let days = report.window.days;
        let amount = |m| format!("{:>14} {}", cost::format_amount(m), row.currency);
        let field = |name: &str, value: &str, tone: Tone| {
            line(&[(&format!("{name:<18}"), Tone::Muted), (value, tone)])
        };
        let change = if row.delta() > 0 {
            Tone::Warning
        } else {
            Tone::Accent
        };
        let mut lines = vec![
            line(&[(row.title.as_deref().unwrap_or(&row.name), Tone::Heading)]),
            PageLine::default(),
            field(
                &format!("last {days} days"),
                &amount(row.this_period),
                Tone::Base,
            ),
            field(
                &format!("previous {days}"),
                &amount(row.previous_period),
                Tone::Muted,
            ),
            field(
                "change",
                &format!(
                    "{:>14} {} ({})",
                    cost::format_change(row.delta()),
                    row.currency,
                    row.percent_label()
                ),
                change,
            ),
        ];
        let place = match (&row.entity, row.place) {
            (Some(entity), _) => (entity.clone(), Tone::Link),
            (None, Place::NotInCatalog) => ("not in the catalog".into(), Tone::Warning),
            (None, _) => (format!("no {} tag", self.settings.team_tag), Tone::Muted),
        };
        lines.push(field("catalog", &place.0, place.1));
        if let Some(owner) = &row.owner {
            lines.push(field("owner", owner, Tone::Base));
        }
        if report.by == By::Team && report.team.is_none() {
            let services = aggregate.report(By::Service, map, Some(&row.name));
            lines.push(PageLine::default());
            lines.push(line(&[(
                &format!("Top services ({} in all)", services.rows.len()),
                Tone::Heading,
            )]));
            let width = services
                .rows
                .iter()
                .take(TOP)
                .map(|r| r.name.chars().count())
                .max()
                .unwrap_or(0);
            for service in services.rows.iter().take(TOP) {
                lines.push(line(&[
                    (&format!("  {:<width$}", service.name), Tone::Base),
                    (&amount(service.this_period), Tone::Base),
                    (
                        &format!("  {}", service.percent_label()),
                        if service.delta() > 0 {
                            Tone::Warning
                        } else {
                            Tone::Muted
                        },
                    ),
                ]));
            }
        }
        Some((row.name.clone(), lines))
    }

    /// Where the table's rows are drawn (under its heading row) and the first shown, for clicks:
    /// `area` is the pane's.
    pub fn table_rows_at(&self, area: Rect) -> Option<(Rect, ListCursor, usize)> {
        let report = self.report.as_ref()?;
        let [_, table, _] = report_rows(area.inner(ratatui::layout::Margin::new(1, 1)), report);
        Some((table, self.list, report.rows.len()))
    }

    /// Whether `Enter` shows the row's services (a team's row) rather than its page.
    pub fn drills(&self) -> bool {
        self.drill.is_none() && self.by == By::Team
    }

    /// Leaves a team's services for the teams; false when not drilled in.
    pub fn back(&mut self) -> bool {
        if self.drill.take().is_none() {
            return false;
        }
        self.list = self.team_list;
        self.rebuild();
        true
    }

    pub fn update(&mut self, action: &Action, page: usize) -> Option<Action> {
        let rows = page.saturating_sub(page * 2 / 5 + 3).max(1);
        match action {
            Action::Reload => self.start(true),
            Action::ToggleCostBy => {
                self.drill = None;
                self.by = match self.by {
                    By::Team => By::Service,
                    By::Service => By::Team,
                };
                self.list = ListCursor::default();
                self.rebuild();
            }
            Action::Open => {
                let team = self
                    .selected()
                    .filter(|_| self.drill.is_none() && self.by == By::Team)
                    .map(|row| row.name.clone());
                if let Some(team) = team {
                    self.team_list = self.list;
                    self.drill = Some(team);
                    self.list = ListCursor::default();
                    self.rebuild();
                }
            }
            other => match &self.report {
                Some(report) => {
                    self.list.apply(other, report.rows.len(), rows);
                }
                None => {
                    // The setup text and an error above it.
                    let len = self.setup_lines(&ProviderEnv::default()).len() + 4;
                    self.scroll = scroll(self.scroll, other, len, page);
                }
            },
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, env: &ProviderEnv, theme: &Theme) {
        let (title, lines) = match (&self.state, &self.report) {
            (CostState::Ready(aggregate), Some(report)) => {
                return self.draw_report(frame, area, aggregate, report, theme);
            }
            (CostState::Ready(_), None) => (
                "Cost (mapping…)",
                vec![line(&[(
                    "Matching the spend's tags to the catalog's groups and components…",
                    Tone::Muted,
                )])],
            ),
            (CostState::Unconfigured, _) => ("Cost (not configured)", self.setup_lines(env)),
            (CostState::Idle, _) => (
                "Cost",
                vec![line(&[(
                    "Cost is read when this pane is shown.",
                    Tone::Muted,
                )])],
            ),
            (CostState::Loading { rows }, _) => {
                let from = match &self.source {
                    Some(Ok(source)) => source.label(),
                    _ => String::new(),
                };
                (
                    "Cost (reading…)",
                    vec![
                        line(&[(&format!("Reading {from}…"), Tone::Heading)]),
                        line(&[(
                            &format!("{} rows so far", crate::format::thousands(*rows)),
                            Tone::Muted,
                        )]),
                    ],
                )
            }
            (CostState::Failed(err), _) => {
                let mut lines = vec![
                    line(&[("Cost could not be read", Tone::Heading)]),
                    line(&[(err, Tone::Error)]),
                    line(&[("r reads again.", Tone::Muted)]),
                    PageLine::default(),
                ];
                lines.extend(self.setup_lines(env).into_iter().skip(1));
                ("Cost (error)", lines)
            }
        };
        draw_info(frame, area, theme, title, &lines, self.scroll);
    }

    fn setup_lines(&self, env: &ProviderEnv) -> Vec<PageLine> {
        let aws = if env.aws_credentials {
            ("found", Tone::Accent)
        } else {
            ("not found", Tone::Warning)
        };
        let mut lines = vec![
            line(&[(
                "Cost per team and per service: the last 30 days against the 30 before",
                Tone::Heading,
            )]),
            line(&[("It needs one of:", Tone::Base)]),
            line(&[
                ("  • AWS Cost Explorer through the standard credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws) — now: ", Tone::Base),
                aws,
            ]),
            line(&[("  • or a FOCUS CSV export (file or folder): [cost] focus = PATH in config.toml, or greenroom cost --focus PATH", Tone::Base)]),
            line(&[("  • costs are grouped by the cost-allocation tags team and service ([cost] team_tag, service_tag), matched to groups and components by name or by their aws.amazon.com/cost-insights-tags annotation", Tone::Base)]),
        ];
        if let Some(Err(problem)) = &self.source {
            lines.push(line(&[(problem, Tone::Error)]));
        }
        lines
    }

    fn draw_report(
        &self,
        frame: &mut Frame,
        area: Rect,
        aggregate: &Aggregate,
        report: &Report,
        theme: &Theme,
    ) {
        let days = report.window.days;
        let what = match (&report.team, report.by) {
            (Some(team), _) => format!("services of {team}"),
            (None, By::Team) => "per team".into(),
            (None, By::Service) => "per service".into(),
        };
        let title = format!(
            " Cost {what} · last {days} days ({}) vs the {days} before · {} ",
            report.window.label(),
            report.currencies()
        );
        let inner = draw_block(frame, area, bordered(title, theme));
        let [info, table_area, chart_area] = report_rows(inner, report);
        frame.render_widget(
            Paragraph::new(self.info_line(aggregate, report, theme)),
            info,
        );
        self.draw_table(frame, table_area, report, theme);
        if chart_area.height > 0 {
            let [bars, trend] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(chart_area);
            draw_bars(frame, bars, report, theme);
            self.draw_trend(frame, trend, report, theme);
        }
    }

    fn info_line<'a>(&self, aggregate: &'a Aggregate, report: &Report, theme: &Theme) -> Line<'a> {
        let mut spans = vec![Span::styled(aggregate.source.clone(), theme.muted)];
        let totals: Vec<String> = report
            .totals()
            .iter()
            .map(|(currency, this, before)| {
                format!(
                    "total {} {currency} (before {})",
                    cost::format_amount(*this),
                    cost::format_amount(*before)
                )
            })
            .collect();
        spans.push(Span::styled(
            format!(" · {}", totals.join(", ")),
            theme.base,
        ));
        if aggregate.skipped > 0 {
            spans.push(Span::styled(
                format!(" · {} rows skipped", aggregate.skipped),
                theme.warning,
            ));
        }
        if !aggregate.warnings.is_empty() {
            spans.push(Span::styled(
                format!(" · {}", aggregate.warnings[0]),
                theme.warning,
            ));
        }
        let keys = if report.team.is_some() {
            " · esc: teams"
        } else if report.by == By::Team {
            " · enter: its services · t: per service"
        } else {
            " · t: per team"
        };
        spans.push(Span::styled(keys, theme.muted));
        Line::from(spans)
    }

    fn draw_table(&self, frame: &mut Frame, area: Rect, report: &Report, theme: &Theme) {
        let days = report.window.days;
        let service = report.by == By::Service || report.team.is_some();
        let mut headers = vec![
            if service { "SERVICE" } else { "TEAM" }.to_string(),
            format!("LAST {days} DAYS"),
            format!("PREVIOUS {days}"),
            "CHANGE".into(),
            "%".into(),
        ];
        headers.push(if service { "OWNER" } else { "CATALOG" }.into());
        let rows = shown(&report.rows, &self.list, area).map(|(i, row)| {
            let name_style = match row.place {
                Place::Catalog => theme.base,
                Place::NotInCatalog => theme.warning,
                Place::Unallocated => theme.muted,
            };
            let change_style = if row.delta() > 0 {
                theme.warning
            } else if row.delta() < 0 {
                theme.ok
            } else {
                theme.muted
            };
            let right = |text: String, style: Style| Line::styled(text, style).right_aligned();
            let (last, last_style) = if service {
                match (&row.owner, row.place) {
                    (Some(owner), _) => (owner.clone(), theme.muted),
                    (None, Place::NotInCatalog) => ("not in catalog".into(), theme.warning),
                    _ => (String::new(), theme.muted),
                }
            } else {
                match row.place {
                    Place::Catalog => (
                        row.title
                            .clone()
                            .or_else(|| row.entity.clone())
                            .unwrap_or_default(),
                        theme.muted,
                    ),
                    Place::NotInCatalog => ("not in catalog".into(), theme.warning),
                    Place::Unallocated => {
                        (format!("no {} tag", self.settings.team_tag), theme.muted)
                    }
                }
            };
            let cells = vec![
                Line::styled(row.name.clone(), name_style),
                right(cost::format_amount(row.this_period), theme.base),
                right(cost::format_amount(row.previous_period), theme.muted),
                right(cost::format_change(row.delta()), change_style),
                right(row.percent_label(), change_style),
                Line::styled(last, last_style),
            ];
            (
                cells,
                theme.row_style(i == self.list.cursor, Style::default()),
            )
        });
        // Columns as wide as their content; the last (the catalog's name, the owner) takes the
        // rest, and gives way first on a narrow pane.
        FitTable {
            titles: headers,
            flex: 5,
            cap: 40,
            rows: rows.collect(),
        }
        .draw(frame, area, theme.table_header, 0);
    }

    fn draw_trend(&self, frame: &mut Frame, area: Rect, report: &Report, theme: &Theme) {
        let Some(row) = self.selected() else {
            return;
        };
        let days = report.window.days as usize;
        let title = format!(
            " Daily: {} ({} days; the line marks this period) ",
            row.name,
            2 * days
        );
        let inner = draw_block(frame, area, bordered(title, theme));
        let [spark, legend] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
        // Every day over the whole width (stretched, or thinned on a narrow pane).
        let width = spark.width as usize;
        let series: Vec<u64> = resample(&row.daily, width)
            .into_iter()
            .map(|m| (m.max(0) / 10_000) as u64)
            .collect();
        // Drawn from a little under the lowest day, so the trend shows rather than the base.
        let floor = series.iter().min().copied().unwrap_or(0) * 4 / 5;
        let series: Vec<u64> = series.iter().map(|v| v - floor).collect();
        frame.render_widget(
            Sparkline::default().data(&series).style(theme.accent),
            spark,
        );
        let average = |part: &[i64]| part.iter().sum::<i64>() / part.len().max(1) as i64;
        let (before, this) = row.daily.split_at(days);
        let peak = row
            .daily
            .iter()
            .enumerate()
            .max_by_key(|(_, m)| **m)
            .map(|(i, m)| (report.window.day(i), *m));
        let mut text = format!(
            "a day: {} before → {} now {}",
            cost::format_amount(average(before)),
            cost::format_amount(average(this)),
            row.currency
        );
        if let Some((day, amount)) = peak {
            text.push_str(&format!(" · peak {} on {day}", cost::format_amount(amount)));
        }
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, theme.muted))),
            legend,
        );
        // Where this period starts.
        let x = spark.x + column_of(days, row.daily.len(), width) as u16;
        if spark.height > 0 && x < spark.x + spark.width {
            frame.render_widget(
                Paragraph::new(Span::styled("▏", theme.muted)),
                Rect::new(x, spark.y, 1, 1),
            );
        }
    }
}

/// The report's rows inside its border: the info line, the table as tall as its rows (no blank
/// half-pane), the charts under it taking the rest (at least two fifths of a pane tall enough
/// for both).
fn report_rows(inner: Rect, report: &Report) -> [Rect; 3] {
    let table_rows = report.rows.len() as u16 + 1;
    let charts = if inner.height >= 14 {
        inner
            .height
            .saturating_sub(1 + table_rows)
            .max(inner.height * 2 / 5)
    } else {
        0
    };
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(charts),
    ])
    .areas(inner)
}

fn draw_bars(frame: &mut Frame, area: Rect, report: &Report, theme: &Theme) {
    let inner = draw_block(
        frame,
        area,
        bordered(
            format!(" Top spenders, last {} days ", report.window.days),
            theme,
        ),
    );
    let bars: Vec<Bar> = report
        .rows
        .iter()
        .filter(|r| r.this_period > 0)
        .map(|r| Bar {
            label: r.name.clone(),
            value: cost::format_amount(r.this_period),
            size: r.this_period as u64,
        })
        .collect();
    chart::draw_bars(frame, inner, &bars, theme);
}
