//! One module per pane. Each has its state, an `update` that applies an action to it and may
//! return the next action, and a `draw` that only reads.

pub mod apidef;
pub mod catalog;
pub mod cicd;
pub mod command;
pub mod cost;
pub mod deps;
pub mod docs;
pub mod dora;
pub mod entity;
pub mod help;
pub mod incident_view;
pub mod incidents;
pub mod insights;
pub mod maturity;
pub mod problems;
pub mod scorecard;
pub mod template_form;
pub mod template_run;
pub mod templates;

use super::action::Action;

/// A cursor in a list of `len` rows, of which `page` fit on screen, and the first row shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub cursor: usize,
    pub offset: usize,
}

impl ListCursor {
    /// Applies a movement; returns whether the action was one.
    pub fn apply(&mut self, action: &Action, len: usize, page: usize) -> bool {
        let page = page.max(1);
        let last = len.saturating_sub(1);
        self.cursor = match action {
            Action::Down => (self.cursor + 1).min(last),
            Action::Up => self.cursor.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => last,
            Action::HalfPageDown => (self.cursor + page / 2).min(last),
            Action::HalfPageUp => self.cursor.saturating_sub(page / 2),
            Action::PageDown => (self.cursor + page).min(last),
            Action::PageUp => self.cursor.saturating_sub(page),
            _ => return false,
        };
        self.scroll_into_view(page);
        true
    }

    /// Keeps the cursor within `len` rows and on screen.
    pub fn clamp(&mut self, len: usize, page: usize) {
        self.cursor = self.cursor.min(len.saturating_sub(1));
        self.scroll_into_view(page.max(1));
    }

    fn scroll_into_view(&mut self, page: usize) {
        self.offset = visible_offset(self.cursor, self.offset, page);
    }
}

/// The first row to show so that `cursor` is visible in `page` rows, moving `offset` as little as
/// possible. Draw calls this too (with the real height), so state from update can never put the
/// cursor off screen.
pub fn visible_offset(cursor: usize, offset: usize, page: usize) -> usize {
    let page = page.max(1);
    if cursor < offset {
        cursor
    } else if cursor >= offset + page {
        cursor + 1 - page
    } else {
        offset
    }
}

/// A scrolled text's first line after a movement, for panes without a cursor.
pub fn scroll(offset: usize, action: &Action, len: usize, page: usize) -> usize {
    let page = page.max(1);
    let max = len.saturating_sub(page);
    match action {
        Action::Down => (offset + 1).min(max),
        Action::Up => offset.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => max,
        Action::HalfPageDown => (offset + page / 2).min(max),
        Action::HalfPageUp => offset.saturating_sub(page / 2),
        Action::PageDown => (offset + page).min(max),
        Action::PageUp => offset.saturating_sub(page),
        _ => offset,
    }
}

/// Whether the providers the not-yet-built panes will need are configured; computed once at
/// start-up from the config and the environment, never holding a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderEnv {
    pub github_token: bool,
    pub github_api_url: String,
    pub pagerduty_token: bool,
    /// `[pagerduty] from_email` is set (acknowledging and resolving need it).
    pub pagerduty_from_email: bool,
    /// `[identity] user`: the user's own User entity, for the inbox.
    pub identity: Option<String>,
    pub aws_credentials: bool,
}

impl ProviderEnv {
    pub fn detect(config: &crate::config::Config) -> ProviderEnv {
        let env = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let aws_files = directories::BaseDirs::new().is_some_and(|d| {
            d.home_dir().join(".aws/credentials").is_file()
                || d.home_dir().join(".aws/config").is_file()
        });
        ProviderEnv {
            github_token: config.github_token().is_some(),
            github_api_url: config.github_api_url(),
            pagerduty_token: config.pagerduty_token().is_some(),
            pagerduty_from_email: config
                .pagerduty
                .from_email
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty()),
            identity: config.identity.user.clone(),
            aws_credentials: env("AWS_ACCESS_KEY_ID") || env("AWS_PROFILE") || aws_files,
        }
    }
}

/// A pane of text lines with a scroll position (the panes whose provider is not built yet).
pub fn draw_info(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    theme: &super::theme::Theme,
    title: &str,
    lines: &[entity::PageLine],
    scroll: usize,
) {
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .map(|l| {
            Line::from(
                l.spans
                    .iter()
                    .map(|(t, tone)| Span::styled(t.clone(), tone.style(theme)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), inner);
}

/// A yes/no question in a box over the pane: what will happen, and the keys that answer.
pub fn draw_question(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    title: &str,
    question: &str,
    keys: &str,
    theme: &super::theme::Theme,
) {
    use ratatui::layout::Rect;
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
    let width = (question.chars().count() as u16 + 4)
        .clamp(40, 90)
        .min(area.width.saturating_sub(4));
    let text_rows = (question.chars().count() as u16).div_ceil(width.saturating_sub(2).max(1));
    let height = (text_rows + 4).min(area.height);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warning)
        .title(Span::styled(title.to_string(), theme.title));
    let body = vec![
        Line::from(Span::styled(question.to_string(), theme.base)),
        Line::from(""),
        Line::from(Span::styled(keys.to_string(), theme.key)),
    ];
    frame.render_widget(
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .block(block)
            .style(theme.base),
        popup,
    );
}

/// Builds a line from pieces.
pub fn line(spans: &[(&str, entity::Tone)]) -> entity::PageLine {
    entity::PageLine {
        spans: spans
            .iter()
            .map(|(t, tone)| (t.to_string(), *tone))
            .collect(),
        target: None,
    }
}

/// How many entities carry any of these annotations (computed once per catalog).
pub fn count_annotated(catalog: &crate::catalog::Catalog, keys: &[&str]) -> usize {
    catalog
        .entities
        .iter()
        .filter(|e| keys.iter().any(|k| e.annotation(k).is_some()))
        .count()
}

/// The lines telling what the selected entity has of these annotations.
pub fn annotation_lines(
    catalog: &crate::catalog::Catalog,
    focus: Option<crate::catalog::EntityId>,
    keys: &[&str],
    missing_hint: &str,
) -> Vec<entity::PageLine> {
    use entity::Tone;
    let mut out = Vec::new();
    let Some(id) = focus else {
        out.push(line(&[(
            "Selected entity: none (pick one in the Catalog, 1)",
            Tone::Muted,
        )]));
        return out;
    };
    let e = catalog.entity(id);
    out.push(line(&[
        ("Selected entity: ", Tone::Heading),
        (&e.key(), Tone::Link),
    ]));
    let mut any = false;
    for key in keys {
        if let Some(value) = e.annotation(key) {
            any = true;
            out.push(line(&[
                ("  ✓ ", Tone::Accent),
                (&format!("{key}: "), Tone::Muted),
                (value, Tone::Base),
            ]));
        }
    }
    if !any {
        out.push(line(&[
            ("  ✗ ", Tone::Warning),
            (
                &format!("no {} annotation: {missing_hint}", keys.join(" / ")),
                Tone::Warning,
            ),
        ]));
    }
    out
}
