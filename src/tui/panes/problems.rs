//! The problems view: every problem of the loaded catalog in a table (`FILE:LINE:COL`, severity,
//! message); `Enter` opens the entity when it loaded.

use crate::catalog::Catalog;
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::detail::{line, PageLine, Tone};
use crate::tui::widgets::panel::{bordered_with_keys, draw_block};
use crate::tui::widgets::table::{shown, FitTable};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

#[derive(Default)]
pub struct ProblemsPane {
    pub list: ListCursor,
    /// Columns scrolled sideways (when the table is wider than the pane).
    pub hscroll: usize,
}

impl ProblemsPane {
    pub fn update(&mut self, action: &Action, catalog: &Catalog, page: usize) -> Option<Action> {
        if self.list.apply(action, catalog.problems.len(), page) {
            return None;
        }
        match action {
            Action::Open => {
                let problem = catalog.problems.get(self.list.cursor)?;
                match problem.entity.as_deref().and_then(|key| catalog.get(key)) {
                    Some(id) => Some(Action::OpenEntity(id)),
                    None => Some(Action::Error(format!(
                        "{}: this entity did not load (an error keeps it out of the catalog); fix the file and restart",
                        problem.entity.as_deref().unwrap_or(&problem.location)
                    ))),
                }
            }
            _ => None,
        }
    }

    /// The problem under the cursor.
    pub fn selected<'a>(
        &self,
        catalog: &'a Catalog,
    ) -> Option<&'a crate::catalog::problem::Problem> {
        catalog.problems.get(self.list.cursor)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, catalog: &Catalog, theme: &Theme) {
        let (errors, warnings) = (catalog.error_count(), catalog.warning_count());
        let inner = draw_block(
            frame,
            area,
            bordered_with_keys(
                format!(" Problems: {} ", counts(errors, warnings)),
                " enter: open the entity ",
                theme,
            ),
        );
        if catalog.problems.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled("no problems: the catalog is valid", theme.ok)),
                inner,
            );
            return;
        }
        self.table(catalog, inner, theme)
            .draw(frame, inner, theme.table_header, self.hscroll);
    }

    /// The problems on screen in a table in `area`: where, how bad, what (taking the room left).
    pub fn table(&self, catalog: &Catalog, area: Rect, theme: &Theme) -> FitTable<'_> {
        let rows = shown(&catalog.problems, &self.list, area).map(|(i, p)| {
            let selected = i == self.list.cursor;
            let pick = |s| if selected { theme.selected } else { s };
            let severity = if p.is_error() {
                theme.error
            } else {
                theme.warning
            };
            let cells = vec![
                Line::styled(
                    format!("{}:{}:{}", p.location, p.pos.line, p.pos.col),
                    pick(theme.muted),
                ),
                Line::styled(p.severity.to_string(), pick(severity)),
                Line::styled(p.message.clone(), pick(theme.base)),
            ];
            (cells, pick(theme.base))
        });
        FitTable {
            titles: ["LOCATION", "SEVERITY", "MESSAGE"]
                .map(String::from)
                .to_vec(),
            flex: 2,
            // A location is worth reading whole: only a very deep path gives way.
            cap: 80,
            rows: rows.collect(),
        }
    }
}

/// A problem in full (the list cuts long messages), then its entity's preview when it loaded.
pub fn preview(catalog: &Catalog, at: usize) -> Vec<PageLine> {
    let Some(p) = catalog.problems.get(at) else {
        return Vec::new();
    };
    let tone = if p.is_error() {
        Tone::Error
    } else {
        Tone::Warning
    };
    let mut lines = vec![
        line(&[
            (&p.severity.to_string(), tone),
            (
                &format!("  {}:{}:{}", p.location, p.pos.line, p.pos.col),
                Tone::Muted,
            ),
        ]),
        line(&[(&p.message, Tone::Base)]),
        PageLine::default(),
    ];
    match p.entity.as_deref().map(|key| (key, catalog.get(key))) {
        Some((_, Some(id))) => lines.extend(super::entity::preview(catalog, id)),
        Some((key, None)) => lines.push(line(&[(
            &format!("{key} did not load (an error keeps it out of the catalog)"),
            Tone::Muted,
        )])),
        None => lines.push(line(&[("not about one entity", Tone::Muted)])),
    }
    lines
}

/// "1 error, 2 warnings".
pub fn counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}
