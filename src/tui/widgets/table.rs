//! Tables: column titles over rows, scrolled so that the cursor's row shows and that row
//! highlighted; columns as wide as their cells where a pane fits them, the status cell of a row
//! in its tone's colour, and the sort mark on the sorted column's title.
//!
//! [`FitTable`] places columns as k9s does: each as wide as its widest cell on screen (and its
//! title), the flexible one taking what is left; when they do not fit, the flexible one gives
//! way first, then the table scrolls sideways a column at a time. A cut cell ends in `…`.

use super::cursor::{on_screen, ListCursor};
use super::detail::Tone;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
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
    row.style(theme.row_style(selected, theme.base))
}

/// A flexible column is never squeezed narrower than this (or its content, if less) to make
/// room for the others: past that, the table scrolls sideways instead.
const FLEX_MIN: u16 = 16;

/// A table whose columns fit their content and the space: built by a pane from the rows on
/// screen, then drawn, or asked how far it scrolls sideways.
pub struct FitTable<'a> {
    pub titles: Vec<String>,
    /// The column that takes the space left (the name, title, description or message).
    pub flex: usize,
    /// No column but the flexible one is wider than this (a long tag list gives way).
    pub cap: u16,
    pub rows: Vec<(Vec<Line<'a>>, Style)>,
}

impl<'a> FitTable<'a> {
    /// Each column's width before any is squeezed: its widest cell or title, at most the cap.
    fn natural(&self) -> Vec<u16> {
        (0..self.titles.len())
            .map(|i| {
                let widest = self
                    .rows
                    .iter()
                    .filter_map(|(cells, _)| cells.get(i))
                    .map(Line::width)
                    .chain([self.titles[i].chars().count()])
                    .max()
                    .unwrap_or(0) as u16;
                if i == self.flex {
                    widest
                } else {
                    widest.min(self.cap)
                }
            })
            .collect()
    }

    /// The columns' widths in `width`, before scrolling: natural, the flexible one given what is
    /// left, or squeezed (down to its minimum) when they do not fit.
    fn widths(&self, width: u16) -> Vec<u16> {
        let mut widths = self.natural();
        let gaps = widths.len().saturating_sub(1) as u16;
        let total = widths.iter().sum::<u16>() + gaps;
        if let Some(flex) = widths.get_mut(self.flex) {
            if total <= width {
                *flex += width - total;
            } else {
                let min = FLEX_MIN.min(*flex);
                *flex = flex.saturating_sub(total - width).max(min);
            }
        }
        widths
    }

    /// The most columns the table can scroll sideways in `width`: 0 when it fits, else until
    /// the last column shows.
    pub fn max_scroll(&self, width: u16) -> usize {
        let widths = self.widths(width);
        (0..widths.len())
            .find(|&first| {
                let shown = &widths[first..];
                shown.iter().sum::<u16>() + shown.len().saturating_sub(1) as u16 <= width
            })
            .unwrap_or(widths.len().saturating_sub(1))
    }

    /// Draws the table in `area`, `scroll` columns scrolled sideways (at most [`Self::max_scroll`]).
    pub fn draw(self, frame: &mut Frame, area: Rect, heading: Style, scroll: usize) {
        let first = scroll.min(self.max_scroll(area.width));
        // The columns from `first` on, the one reaching past the edge cut to what is left.
        let mut left = area.width;
        // Columns past the edge are left out: even an empty one would take a gap.
        let widths: Vec<u16> = self.widths(area.width)[first..]
            .iter()
            .map(|&w| {
                let w = w.min(left);
                left = left.saturating_sub(w + 1);
                w
            })
            .take_while(|&w| w > 0)
            .collect();
        let cut = |cells: Vec<Line<'a>>| -> Vec<Cell<'a>> {
            cells
                .into_iter()
                .skip(first)
                .zip(&widths)
                .map(|(line, &w)| Cell::from(ellipsize(line, w)))
                .collect()
        };
        let titles = self.titles.into_iter().map(Line::from).collect::<Vec<_>>();
        let header = Row::new(cut(titles)).style(heading);
        let rows = self
            .rows
            .into_iter()
            .map(|(cells, style)| Row::new(cut(cells)).style(style));
        let constraints = widths.iter().map(|&w| Constraint::Length(w));
        frame.render_widget(Table::new(rows, constraints).header(header), area);
    }
}

/// The line cut to `width` columns, its last one `…` when anything was cut.
pub fn ellipsize(line: Line<'_>, width: u16) -> Line<'_> {
    use unicode_width::UnicodeWidthChar;
    let width = width as usize;
    if line.width() <= width {
        return line;
    }
    let mut room = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        let mut text = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if w > room {
                room = 0;
                break;
            }
            room -= w;
            text.push(c);
        }
        let full = text.len() == span.content.len();
        spans.push(Span::styled(text, span.style));
        if !full {
            break;
        }
    }
    if width > 0 {
        let style = spans.last().map(|s| s.style).unwrap_or_default();
        spans.push(Span::styled("…", style));
    }
    Line::from(spans).style(line.style)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cells: &[&[&str]], flex: usize) -> FitTable<'static> {
        FitTable {
            titles: cells[0].iter().map(|t| t.to_string()).collect(),
            flex,
            cap: 30,
            rows: cells[1..]
                .iter()
                .map(|r| {
                    let row = r.iter().map(|c| Line::from(c.to_string())).collect();
                    (row, Style::default())
                })
                .collect(),
        }
    }

    #[test]
    fn columns_take_their_content_and_the_flexible_one_the_rest() {
        let t = table(
            &[&["KIND", "NAME", "OWNER"], &["API", "payments", "team-a"]],
            1,
        );
        // KIND 4, NAME 8, OWNER 6, 2 gaps: 20; 10 left go to NAME.
        assert_eq!(t.widths(30), vec![4, 18, 6]);
        assert_eq!(t.max_scroll(30), 0);
    }

    #[test]
    fn the_flexible_column_gives_way_first_then_the_table_scrolls() {
        let long = "a description longer than the space";
        let t = table(&[&["KIND", "DESCRIPTION"], &["API", long]], 1);
        assert_eq!(t.widths(25), vec![4, 20]);
        assert_eq!(t.max_scroll(25), 0);
        let t = table(
            &[
                &["NAME", "OWNER", "DESC"],
                &["a-long-name-here", "group:someone", long],
            ],
            2,
        );
        // 16 + 13 + 16 (the minimum) + 2 gaps = 47 > 40: scroll until the rest fits.
        assert_eq!(t.widths(40), vec![16, 13, 16]);
        assert_eq!(t.max_scroll(40), 1);
    }

    #[test]
    fn cut_text_ends_in_an_ellipsis() {
        let line = Line::from(vec![Span::raw("order-"), Span::raw("service")]);
        let cut = ellipsize(line.clone(), 8);
        assert_eq!(cut.to_string(), "order-s…");
        assert_eq!(ellipsize(line.clone(), 13).to_string(), "order-service");
        assert_eq!(
            ellipsize(Line::from("日本語テキスト"), 5).to_string(),
            "日本…"
        );
    }
}
