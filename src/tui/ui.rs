//! The frame: header (source, counts), section tabs, the pane, the status line (or the `:`
//! command line), and the help over it. Only reads the app state.

use super::action::Section;
use super::app::App;
use super::widgets::layout;
use crate::format::thousands;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// Below this, the frame cannot hold a useful table: a message says so.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let theme = &app.theme;
    frame.render_widget(Block::default().style(theme.base), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = vec![
            Line::from(Span::styled("terminal too small", theme.error)),
            Line::from(Span::styled(
                format!(
                    "{}x{}: greenroom needs {MIN_WIDTH}x{MIN_HEIGHT}",
                    area.width, area.height
                ),
                theme.base,
            )),
            Line::from(Span::styled("enlarge it, or q quits", theme.muted)),
        ];
        let y = area.height.saturating_sub(3) / 2;
        let centered = Rect {
            y: area.y + y,
            height: area.height.saturating_sub(y).min(3),
            ..area
        };
        frame.render_widget(
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            centered,
        );
        return;
    }
    let [header, tabs, body, status] = layout::frame_rows(area);
    draw_header(frame, header, app);
    draw_tabs(frame, tabs, app);
    draw_body(frame, body, app);
    match &app.command {
        Some(command) => command.draw(frame, status, theme),
        None => draw_status(frame, status, app),
    }
    if let Some(help) = &app.help {
        help.draw(frame, body, &app.keymap, theme);
    }
    if app.quit_question {
        super::panes::draw_question(
            frame,
            body,
            " Quit ",
            "The template form has values you typed (or a run going): quitting loses them. Quit greenroom?",
            &format!(
                "{} yes, quit · {} no, stay",
                app.keymap.keys_of("confirm.yes"),
                app.keymap.keys_of("confirm.no")
            ),
            theme,
        );
    }
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut spans = vec![Span::styled(" greenroom ", theme.header), Span::raw(" ")];
    if app.is_demo {
        spans.push(Span::styled(" DEMO ", theme.demo_badge));
        let text = if area.width >= 100 {
            " bundled demo catalog (not your data)"
        } else {
            " demo data"
        };
        spans.push(Span::styled(text, theme.warning));
    } else {
        spans.push(Span::styled("source ", theme.muted));
        spans.push(Span::styled(app.source.clone(), theme.base));
    }
    match &app.data {
        Some(data) => {
            let catalog = &data.catalog;
            spans.push(Span::styled(" │ ", theme.border));
            spans.push(Span::styled(
                format!(
                    "{} entit{}",
                    thousands(catalog.len() as u64),
                    if catalog.len() == 1 { "y" } else { "ies" }
                ),
                theme.base,
            ));
            spans.push(Span::styled(" │ ", theme.border));
            let (errors, warnings) = (catalog.error_count(), catalog.warning_count());
            let style = if errors > 0 {
                theme.error
            } else if warnings > 0 {
                theme.warning
            } else {
                theme.ok
            };
            let n = catalog.problems.len();
            spans.push(Span::styled(
                format!("{n} problem{}", if n == 1 { "" } else { "s" }),
                style,
            ));
            if n > 0 {
                spans.push(Span::styled(
                    format!(" ({})", super::panes::problems::counts(errors, warnings)),
                    theme.muted,
                ));
            }
        }
        None => spans.push(Span::styled(" │ loading…", theme.muted)),
    }
    if let (Some(_), Some(read)) = (app.refresh_every, app.catalog_read_at) {
        // A remote catalog: how old it is, as k9s shows a resource list's age.
        spans.push(Span::styled(" │ ", theme.border));
        let text = match app.refreshing {
            true => "refreshing…".to_string(),
            false => format!("read {} ago", human(read.elapsed())),
        };
        spans.push(Span::styled(text, theme.muted));
    }
    if app.offline.is_some() {
        // The sources could not be reached: what is on screen is the snapshot, this old.
        spans.push(Span::styled(" │ ", theme.border));
        spans.push(Span::styled(" OFFLINE ", theme.demo_badge));
        if let Some(age) = app.snapshot_age {
            spans.push(Span::styled(
                format!(" snapshot from {} ago", human(age)),
                theme.warning,
            ));
        }
    }
    let used: usize = spans.iter().map(Span::width).sum();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let room = (area.width as usize).saturating_sub(used + 2);
    let crumbs = breadcrumb(app, room);
    let width: usize = crumbs.iter().map(Span::width).sum();
    if width > 0 {
        let right = Rect {
            x: area.x + area.width - width as u16,
            width: width as u16,
            ..area
        };
        frame.render_widget(Paragraph::new(Line::from(crumbs)), right);
    }
}

/// Where back and forward lead, in at most `room` columns: the views behind (the oldest dropped
/// first), the one on screen, and how many lie ahead. Empty with no history.
fn breadcrumb(app: &App, room: usize) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let (behind, here, ahead) = app.trail();
    if behind.is_empty() && ahead == 0 {
        return Vec::new();
    }
    let ahead = match ahead {
        0 => String::new(),
        n => format!(" › {n} ahead"),
    };
    let fits = |from: usize| {
        let shown: usize = behind[from..].iter().map(|b| b.chars().count() + 3).sum();
        let elided = if from > 0 { 4 } else { 0 };
        elided + shown + here.chars().count() + ahead.chars().count() + 1 <= room
    };
    let Some(from) = (0..=behind.len()).find(|&from| fits(from)) else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    if from > 0 {
        spans.push(Span::styled("… › ", theme.muted));
    }
    for name in &behind[from..] {
        spans.push(Span::styled(format!("{name} › "), theme.muted));
    }
    spans.push(Span::styled(here, theme.tab_active));
    spans.push(Span::styled(ahead, theme.muted));
    spans.push(Span::raw(" "));
    spans
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut spans = Vec::new();
    for (section, title, _) in layout::tabs(area.width) {
        let active = app.section == section && app.page.is_none();
        let style = if active { theme.tab_active } else { theme.tab };
        spans.push(Span::styled(
            section.key(),
            if active { style } else { theme.key },
        ));
        spans.push(Span::styled(format!(" {title}"), style));
        spans.push(Span::raw(" "));
    }
    if let Some(page) = &app.page {
        if let Some(data) = &app.data {
            spans.push(Span::styled(
                format!("› {}", data.catalog.entity(page.id).reference.short()),
                theme.tab_active,
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_body(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let Some(data) = &app.data else {
        let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        let tick = (app.loading_for.as_millis() / 100) as usize % spinner.len();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let text = vec![
            Line::from(vec![
                Span::styled(format!("{} ", spinner[tick]), theme.accent),
                Span::styled(
                    format!("loading the catalog from {}…", app.source),
                    theme.base,
                ),
            ]),
            Line::from(Span::styled(
                format!(
                    "{:.1} s · {}",
                    app.loading_for.as_secs_f64(),
                    app.progress
                        .as_deref()
                        .unwrap_or("reading catalog files and Locations, then indexing for search")
                ),
                theme.muted,
            )),
            Line::from(Span::styled(
                "q quits · keys work while this loads",
                theme.muted,
            )),
        ];
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    let catalog = &data.catalog;
    if let Some(page) = &app.page {
        page.draw(frame, area, catalog, theme);
        return;
    }
    let screen = frame.area();
    let (area, preview) = app.list_and_preview(area, (screen.width, screen.height));
    if let Some(preview) = preview {
        layout::draw_preview(
            frame,
            preview,
            &app.preview.title,
            &app.preview.lines,
            theme,
        );
    }
    match app.section {
        Section::Catalog => app.catalog.draw(frame, area, data, theme),
        Section::Dependencies => app.deps.draw(frame, area, catalog, theme),
        Section::CiCd => app
            .cicd
            .draw(frame, area, catalog, app.focus, &app.env, theme),
        Section::Incidents => app.incidents.draw(
            frame,
            area,
            catalog,
            app.focus,
            &app.env,
            theme,
            std::time::Instant::now(),
        ),
        Section::Cost => app.cost.draw(frame, area, &app.env, theme),
        Section::Templates => app.templates.draw(frame, area, catalog, theme),
        Section::Docs => app.docs.draw(frame, area, catalog, theme),
        Section::Problems => app.problems.draw(frame, area, catalog, theme),
        Section::Scorecards => app
            .scorecards
            .draw(frame, area, &app.insights, app.is_demo, theme),
        Section::Dora => app
            .dora
            .draw(frame, area, &app.insights, app.is_demo, theme),
        Section::Maturity => app
            .maturity
            .draw(frame, area, &app.insights, app.is_demo, theme),
    }
}

/// Key hints for the pane on screen, from the keymap (so they follow the user's bindings).
fn hints(app: &App) -> Vec<(String, &'static str)> {
    let k = |name: &str| app.keymap.first_key(name);
    let mut out = Vec::new();
    if app.catalog.editing && app.page.is_none() && app.section == Section::Catalog {
        return vec![
            ("enter".into(), "open"),
            ("tab".into(), "keep"),
            ("esc".into(), "clear"),
            ("↑/↓".into(), "move"),
        ];
    }
    if app.confirming() {
        return vec![
            (app.keymap.keys_of("confirm.yes"), "yes"),
            (app.keymap.keys_of("confirm.no"), "no"),
        ];
    }
    if app.page.is_some() {
        out.push((k("entity.open"), "open relation"));
        out.push((k("entity.incidents"), "incident view"));
        out.push((k("app.back"), "back"));
    } else {
        match app.section {
            Section::Catalog => {
                out.push((k("catalog.filter"), "filter"));
                out.push((k("catalog.sort"), "sort"));
                out.push((k("nav.open"), "open"));
            }
            Section::Dependencies => {
                out.push((k("deps.reverse"), "reverse"));
                out.push((k("deps.relation"), "relation"));
                out.push((k("deps.open"), "open"));
            }
            Section::CiCd if app.cicd.connected => {
                out.push((k("cicd.open"), "open"));
                out.push((k("cicd.rerun"), "rerun"));
                out.push((k("cicd.browser"), "browser"));
                out.push((k("cicd.refresh"), "refresh"));
            }
            Section::Incidents if app.incidents.connected => {
                if app.incidents.view.is_none() {
                    out.push((k("incidents.open"), "view"));
                    out.push((k("incidents.inbox"), "inbox"));
                }
                out.push((k("incidents.ack"), "ack"));
                out.push((k("incidents.resolve"), "resolve"));
                out.push((k("incidents.trigger"), "trigger"));
            }
            Section::Templates if app.templates.form.is_some() => {
                use super::panes::template_form::Stage;
                let form = app.templates.form.as_ref().expect("checked above");
                if form.run.is_some() {
                    out.push((k("form.edit"), "show file"));
                    out.push((k("form.open_link"), "open link"));
                } else if form.stage == Stage::Review {
                    out.push((k("form.dry_run"), "dry run"));
                    out.push((k("form.run"), "run"));
                } else {
                    out.push((k("form.next_field"), "field"));
                    out.push((k("form.next_page"), "next page"));
                }
            }
            Section::Templates => {
                out.push((k("templates.open"), "fill in"));
                out.push((k("templates.details"), "details"));
            }
            Section::Problems => out.push((k("problems.open"), "open")),
            Section::Cost => {
                out.push((k("cost.open"), "services"));
                out.push((k("cost.goto"), "page"));
                out.push((k("cost.by"), "team/service"));
            }
            Section::Scorecards | Section::Dora | Section::Maturity => {
                out.push((k("nav.open"), "open"));
                out.push((k("insights.refresh"), "refresh"));
            }
            _ => {}
        }
    }
    out.push((k("app.command"), "command"));
    out.push((k("app.help"), "help"));
    out.push((k("app.quit"), "quit"));
    out
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut right: Vec<Span> = Vec::new();
    for (key, what) in hints(app) {
        right.push(Span::styled(key, theme.status.patch(theme.key)));
        right.push(Span::styled(format!(" {what}  "), theme.status));
    }
    let left = match &app.status {
        Some(status) if status.error => {
            Span::styled(format!(" {}", status.text), theme.status.patch(theme.error))
        }
        Some(status) => Span::styled(format!(" {}", status.text), theme.status),
        None => match (app.loaded_in, app.snapshot_age) {
            (Some(_), Some(age)) if app.refreshing => Span::styled(
                format!(
                    " snapshot from {} ago · reading the sources again… {}",
                    human(age),
                    app.progress.as_deref().unwrap_or("")
                ),
                theme.status.patch(theme.warning),
            ),
            (Some(t), _) if app.data.is_some() => Span::styled(
                format!(" loaded in {} ms", t.as_millis()),
                theme.status.patch(theme.muted),
            ),
            _ => Span::styled(" ", theme.status),
        },
    };
    frame.render_widget(Block::default().style(theme.status), area);
    // The message first (it may be an error); the hints get what is left, at least half.
    let right_width: u16 = right.iter().map(|s| s.width() as u16).sum();
    let room = area
        .width
        .saturating_sub(left.width() as u16 + 2)
        .max(area.width / 2);
    let [l, r] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(right_width.min(room)),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)).style(theme.status), l);
    frame.render_widget(
        Paragraph::new(Line::from(right))
            .alignment(Alignment::Right)
            .style(theme.status),
        r,
    );
}

/// 42 s, 5 min, 3 h, 2 days.
pub fn human(age: std::time::Duration) -> String {
    let s = age.as_secs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}
