//! Where things are on screen: the frame's rows (header, section tabs, the pane, the status
//! line), each tab's place, and a list's preview (beside the list on wide terminals, under it on
//! tall narrow ones, nowhere on small ones). Drawing, paging and mouse clicks all ask here, so
//! they agree.

use super::detail::{draw_detail, PageLine};
use super::panel::bordered;
use crate::tui::action::Section;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::Frame;

/// The frame's rows: header, tabs, body (the pane), status line.
pub fn frame_rows(screen: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(screen)
}

/// The section tabs in a row `width` wide: each section, its title (short ones when the full
/// ones do not fit) and the columns its key and title take.
pub fn tabs(width: u16) -> Vec<(Section, &'static str, std::ops::Range<u16>)> {
    let full: usize = Section::ALL
        .iter()
        .map(|s| s.key().len() + s.title().len() + 2)
        .sum();
    let short = full > width as usize;
    let mut x = 0u16;
    Section::ALL
        .iter()
        .map(|&section| {
            let title = if short {
                section.short_title()
            } else {
                section.title()
            };
            let end = x + (section.key().len() + 1 + title.len()) as u16;
            let tab = (section, title, x..end);
            x = end + 1;
            tab
        })
        .collect()
}

/// From this many terminal columns the preview sits beside the list.
pub const BESIDE_FROM_COLUMNS: u16 = 120;
/// Narrower than that, from this many terminal rows it sits under the list.
pub const BELOW_FROM_ROWS: u16 = 30;

/// The list's area and the preview's, if it shows: `area` is the pane's, `screen` the terminal's
/// size (columns, rows), `wanted` whether the pane has a preview and it is switched on.
pub fn split(area: Rect, screen: (u16, u16), wanted: bool) -> (Rect, Option<Rect>) {
    if !wanted {
        return (area, None);
    }
    if screen.0 >= BESIDE_FROM_COLUMNS {
        // The list keeps the larger share: it is what the keys move through.
        let [list, preview] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(area);
        (list, Some(preview))
    } else if screen.1 >= BELOW_FROM_ROWS {
        let [list, preview] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
        (list, Some(preview))
    } else {
        (area, None)
    }
}

/// The preview: its lines wrapped in a bordered block (only the first screenful shows).
pub fn draw_preview(frame: &mut Frame, area: Rect, title: &str, lines: &[PageLine], theme: &Theme) {
    let block = bordered(format!(" {title} "), theme);
    draw_detail(frame, area, block, lines, 0, true, theme);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beside_when_wide_below_when_tall_else_hidden() {
        let area = Rect::new(0, 2, 120, 37);
        let (list, preview) = split(area, (120, 40), true);
        let preview = preview.expect("a preview at 120 columns");
        assert_eq!((list.y, preview.y), (2, 2));
        assert_eq!(list.width + preview.width, 120);
        let (list, preview) = split(Rect::new(0, 2, 100, 27), (100, 30), true);
        let preview = preview.expect("a preview at 30 rows");
        assert_eq!(list.x, preview.x);
        assert_eq!(list.height + preview.height, 27);
        let small = Rect::new(0, 2, 100, 26);
        assert_eq!(split(small, (100, 29), true), (small, None));
        assert_eq!(split(area, (120, 40), false), (area, None));
    }
}
