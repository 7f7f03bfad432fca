//! The mouse: a click on a section's tab switches to it, a click on a row (of a table, the
//! incidents, the cost table, the dependency tree, the docs' nav, an entity page's lines, a report's lines) selects it and a second click on the
//! same row soon after opens it, the wheel moves through what is on screen. Places come from the
//! same layout draw uses.

use super::state::App;
use crate::tui::action::{Action, Section};
use crate::tui::widgets::cursor::{visible_offset, ListCursor};
use crate::tui::widgets::layout::{frame_rows, tabs};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Margin, Rect};
use std::time::{Duration, Instant};

/// Two clicks on one row within this are a double-click.
const DOUBLE_CLICK: Duration = Duration::from_millis(400);
/// Rows one notch of the wheel moves.
const WHEEL_ROWS: usize = 3;

impl App {
    /// A mouse event at `now` (a parameter, so tests can tell a double-click from two clicks).
    pub fn on_mouse(&mut self, event: MouseEvent, now: Instant) {
        if self.data.is_none() || self.help.is_some() || self.command.is_some() || self.confirming()
        {
            return;
        }
        match event.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let step = match event.kind {
                    MouseEventKind::ScrollDown => Action::Down,
                    _ => Action::Up,
                };
                for _ in 0..WHEEL_ROWS {
                    self.dispatch(step.clone());
                }
            }
            MouseEventKind::Down(MouseButton::Left) => self.click(event.column, event.row, now),
            _ => {}
        }
    }

    fn click(&mut self, x: u16, y: u16, now: Instant) {
        let [_, tab_row, _, _] = frame_rows(Rect::new(0, 0, self.size.0, self.size.1));
        if y == tab_row.y {
            let tab = tabs(tab_row.width)
                .into_iter()
                .find(|(_, _, at)| at.contains(&x));
            if let Some((section, _, _)) = tab {
                self.last_click = None;
                self.dispatch(Action::GoSection(section));
            }
            return;
        }
        let Some((row, first)) = self.row_at(x, y) else {
            self.last_click = None;
            return;
        };
        let double = self.last_click.is_some_and(|(at, section, clicked)| {
            section == self.section && clicked == row && now.duration_since(at) <= DOUBLE_CLICK
        });
        let list = match (self.page.as_mut(), self.section) {
            (Some(page), _) => &mut page.list,
            (None, Section::Catalog) => &mut self.catalog.list,
            (None, Section::Templates) => &mut self.templates.list,
            (None, Section::Problems) => &mut self.problems.list,
            (None, Section::Dependencies) => &mut self.deps.list,
            (None, Section::Incidents) => &mut self.incidents.list,
            (None, Section::Cost) => self.cost.list_mut(),
            (None, Section::Scorecards) => self.scorecards.list_mut(),
            (None, Section::Dora) => self.dora.list_mut(),
            (None, Section::Maturity) => self.maturity.list_mut(),
            (None, Section::Docs) => {
                // The keys follow the click into the nav.
                self.docs.focus = crate::tui::panes::docs::Focus::Nav;
                &mut self.docs.nav_cursor
            }
            _ => return,
        };
        // The rows stay where they were on screen: only the cursor moves.
        list.cursor = row;
        list.offset = first;
        if double {
            self.last_click = None;
            self.dispatch(Action::Open);
        } else {
            self.last_click = Some((now, self.section, row));
            // Selection moved: the focus and the preview follow, as after a key.
            if self.section == Section::Catalog && self.page.is_none() {
                self.focus = self.catalog.selected().or(self.focus);
            }
            self.sync();
        }
    }

    /// The row of the list on screen at (x, y), when a list is there and a row is, and the
    /// first row shown.
    fn row_at(&self, x: u16, y: u16) -> Option<(usize, usize)> {
        let inner = self.body().inner(Margin::new(1, 1));
        if let Some(page) = &self.page {
            // An entity page's lines (not its API definition's view).
            return (!page.api_open)
                .then(|| hit(inner, 0, page.list, page.lines.len(), x, y))
                .flatten();
        }
        let (area, heading, cursor, len) = match self.section {
            Section::Dependencies if self.deps.root.is_some() => {
                (inner, 0, self.deps.list, self.deps.visible.len())
            }
            Section::Docs => {
                let nav = self.docs.nav_area(inner)?;
                (nav, 1, self.docs.nav_cursor, self.docs.nav.len())
            }
            Section::Incidents if self.incidents.view.is_none() && !self.incidents.inbox => {
                let catalog = &self.data.as_ref()?.catalog;
                let len = self.incidents.len(catalog);
                (self.list_inside_border(), 1, self.incidents.list, len)
            }
            Section::Cost => {
                let (list, _) = self.list_and_preview(self.body(), self.size);
                let (table, cursor, len) = self.cost.table_rows_at(list)?;
                (table, 1, cursor, len)
            }
            // Report lines wrap: their own map from screen rows to lines.
            Section::Scorecards => {
                let inner = self.list_inside_border();
                return self.scorecards.line_at(&self.insights, inner, x, y);
            }
            Section::Dora => {
                let inner = self.list_inside_border();
                return self.dora.line_at(&self.insights, inner, x, y);
            }
            Section::Maturity => {
                let inner = self.list_inside_border();
                return self.maturity.line_at(&self.insights, inner, x, y);
            }
            _ if self.preview_subject().is_none() => return None,
            Section::Catalog => (
                self.catalog.areas(self.list_inside_border())[1],
                1,
                self.catalog.list,
                self.catalog.rows.len(),
            ),
            Section::Templates => (
                self.list_inside_border(),
                1,
                self.templates.list,
                self.templates.templates.len(),
            ),
            Section::Problems => (
                self.list_inside_border(),
                1,
                self.problems.list,
                self.data.as_ref().map_or(0, |d| d.catalog.problems.len()),
            ),
            _ => return None,
        };
        hit(area, heading, cursor, len, x, y)
    }
}

/// The row at (x, y) of a list of `len` rows drawn in `area` under `heading` rows, scrolled as
/// `cursor` says, and the first row shown.
fn hit(
    area: Rect,
    heading: u16,
    cursor: ListCursor,
    len: usize,
    x: u16,
    y: u16,
) -> Option<(usize, usize)> {
    let rows = area.height.saturating_sub(heading);
    let top = area.y + heading;
    if x < area.x || x >= area.x + area.width || y < top || y >= top + rows {
        return None;
    }
    let first = visible_offset(cursor.cursor, cursor.offset, rows as usize);
    let row = first + (y - top) as usize;
    (row < len).then_some((row, first))
}
