//! Tables: column titles over rows, scrolled so that the cursor's row shows and that row
//! highlighted; columns as wide as their cells where a pane fits them, the status cell of a row
//! in its tone's colour, and the sort mark on the sorted column's title.

use super::cursor::{on_screen, ListCursor};
use super::detail::Tone;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

/// The items a table in `area` shows under its heading row, with their indexes.
pub fn shown<I: IntoIterator>(
    items: I,
    list: &ListCursor,
    area: Rect,
) -> impl Iterator<Item = (usize, I::Item)> {
    on_screen(items, list, (area.height as usize).saturating_sub(1))
}

/// A row's style: the highlight under the cursor, else its own.
pub fn row_style(selected: bool, style: Style, theme: &Theme) -> Style {
    if selected {
        theme.selected
    } else {
        style
    }
}

/// Column titles, each in the heading style (the gaps between them stay plain).
pub fn heading_cells<'a>(titles: impl IntoIterator<Item = &'a str>, theme: &Theme) -> Row<'a> {
    Row::new(
        titles
            .into_iter()
            .map(|title| Cell::from(Span::styled(title, theme.heading))),
    )
}

/// The mark after the title of the column a table is sorted by.
pub fn sort_mark(sorted: bool, reverse: bool) -> &'static str {
    match (sorted, reverse) {
        (false, _) => "",
        (true, false) => " ▲",
        (true, true) => " ▼",
    }
}

/// Draws the rows under the heading row.
pub fn draw_table<'a>(
    frame: &mut Frame,
    area: Rect,
    heading: Row<'a>,
    rows: impl IntoIterator<Item = Row<'a>>,
    widths: impl IntoIterator<Item = Constraint>,
) {
    frame.render_widget(Table::new(rows, widths).header(heading), area);
}

/// Each column as wide as its widest cell, at most its cap; the last column takes the rest.
pub fn column_widths<'a>(
    headers: &[&str],
    caps: &[usize],
    rows: impl Iterator<Item = &'a [String]> + Clone,
) -> Vec<Constraint> {
    let mut widths: Vec<Constraint> = caps
        .iter()
        .enumerate()
        .map(|(i, cap)| {
            let widest = rows
                .clone()
                .map(|c| c[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0);
            Constraint::Length(widest.min(*cap) as u16)
        })
        .collect();
    widths.push(Constraint::Min(10));
    widths
}

/// A table row with its status cell coloured, highlighted when under the cursor.
pub fn status_row<const N: usize>(
    cells: [String; N],
    status_column: usize,
    tone: Tone,
    selected: bool,
    theme: &Theme,
) -> Row<'static> {
    let row = Row::new(cells.into_iter().enumerate().map(|(i, text)| {
        if i == status_column && !selected {
            Cell::from(Span::styled(text, tone.style(theme)))
        } else {
            Cell::from(text)
        }
    }));
    row.style(row_style(selected, theme.base, theme))
}
