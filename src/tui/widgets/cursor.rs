//! Where a pane is in a list or a text: the row cursor with the first row shown, and the scroll
//! position of panes without a cursor.

use crate::tui::action::Action;

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

/// The items on screen in a list of `page` rows, with their indexes: from the first row that
/// keeps the cursor's on screen.
pub fn on_screen<I: IntoIterator>(
    items: I,
    list: &ListCursor,
    page: usize,
) -> impl Iterator<Item = (usize, I::Item)> {
    let page = page.max(1);
    let offset = visible_offset(list.cursor, list.offset, page);
    items.into_iter().enumerate().skip(offset).take(page)
}
