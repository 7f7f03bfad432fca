//! Drawing the docs pane: the side column (the site's nav as a tree, or the page's headings) and
//! the page from its scroll position, the selected link reversed.

use super::{DocsPane, Focus, NavRow, RowTarget};
use crate::catalog::Catalog;
use crate::techdocs::Docs;
use crate::tui::markdown;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::{on_screen, ListCursor};
use crate::tui::widgets::detail::to_line;
use crate::tui::widgets::panel::{bordered_with_keys, draw_block};
use crate::tui::widgets::tree::indent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// The side column is left out below this width: the page needs the room.
const SIDE_MIN_WIDTH: u16 = 60;

impl DocsPane {
    pub fn draw(&self, frame: &mut Frame, area: Rect, catalog: &Catalog, theme: &Theme) {
        let title = match (self.entity, &self.path) {
            (Some(id), Some(path)) => format!(
                " Docs: {} · {} ",
                catalog.entity(id).reference.short(),
                path.display()
            ),
            (Some(id), None) => format!(" Docs: {} ", catalog.entity(id).reference.short()),
            _ => " Docs ".to_string(),
        };
        let keys = self.keys();
        let inner = draw_block(frame, area, bordered_with_keys(title, &keys, theme));
        if self.entity.is_none() {
            let text = "no entity selected: pick one in the Catalog (1) and come back with 7";
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), inner);
            return;
        }
        if let Some(remote) = self.remote.as_ref().filter(|r| r.pending()) {
            let lines = remote.lines();
            let shown: Vec<Line> = lines.iter().map(|l| to_line(l, theme)).collect();
            frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), inner);
            return;
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(Span::styled(message.clone(), theme.error))
                    .wrap(Wrap { trim: false }),
                inner,
            );
            return;
        }
        let page_area = match self.side_width(inner.width) {
            0 => inner,
            side_width => {
                let [side, page] =
                    Layout::horizontal([Constraint::Length(side_width), Constraint::Fill(1)])
                        .areas(inner);
                let side = draw_block(
                    frame,
                    side,
                    Block::default()
                        .borders(Borders::RIGHT)
                        .border_style(theme.border),
                );
                self.draw_side(frame, side, theme);
                // A column of space after the side's border.
                Rect {
                    x: page.x + 1,
                    width: page.width.saturating_sub(1),
                    ..page
                }
            }
        };
        match &self.doc {
            Err(message) => frame.render_widget(
                Paragraph::new(Span::styled(message.clone(), theme.error))
                    .wrap(Wrap { trim: false }),
                page_area,
            ),
            Ok(doc) => {
                // Only the lines from the scroll position on, wrapped until the area is full.
                let height = page_area.height as usize;
                let mut shown: Vec<Line> = Vec::new();
                for line in doc.lines.iter().skip(self.scroll) {
                    if shown.len() >= height {
                        break;
                    }
                    shown.extend(markdown::wrapped(
                        line,
                        page_area.width as usize,
                        theme,
                        self.link,
                    ));
                }
                shown.truncate(height);
                frame.render_widget(Paragraph::new(shown), page_area);
            }
        }
    }

    /// Where the nav is drawn (its title on the first row) in the pane's area inside its border,
    /// when the side column shows it.
    pub fn nav_area(&self, inner: Rect) -> Option<Rect> {
        if self.entity.is_none() || self.message.is_some() || self.outline || self.nav.is_empty() {
            return None;
        }
        match self.side_width(inner.width) {
            0 => None,
            // Its right border off.
            width => Some(Rect {
                width: width - 1,
                ..inner
            }),
        }
    }

    /// How wide the side column is (its border included) in a pane `inner` columns wide: none
    /// below [`SIDE_MIN_WIDTH`], the page needs the room.
    fn side_width(&self, inner: u16) -> u16 {
        match self.has_side() && inner >= SIDE_MIN_WIDTH {
            true => (inner / 3).min(32),
            false => 0,
        }
    }

    /// The page's width in a pane `width` columns wide (its borders, the side column and the
    /// space after it off), which update needs to scroll a wrapped link into view.
    pub fn page_width(&self, width: u16) -> usize {
        let inner = width.saturating_sub(2);
        match self.side_width(inner) {
            0 => inner as usize,
            side => inner.saturating_sub(side + 1) as usize,
        }
    }

    /// The keys that apply now, for the bottom border; a selected link says where it leads.
    fn keys(&self) -> String {
        if self.broken.is_some() {
            return " e: edit the file at that line · r: read it again · esc: back ".into();
        }
        let selected = self
            .doc
            .as_ref()
            .ok()
            .and_then(|doc| doc.links.get(self.link?));
        match (self.focus, selected) {
            (Focus::Nav, _) => {
                " j/k: choose · enter: open the page · p/esc: back to the page ".into()
            }
            (Focus::Outline, _) => {
                " j/k: choose · enter: jump to the heading · o: hide · esc: back to the page "
                    .into()
            }
            (Focus::Page, Some(link)) if link.fold.is_some() => {
                " enter: open or close this block · tab/shift-tab: links · esc: back ".into()
            }
            (Focus::Page, Some(link)) => format!(
                " enter: open {} · tab/shift-tab: links · esc: back ",
                link.href
            ),
            (Focus::Page, None) => match self.nav.is_empty() {
                true => " j/k: scroll · tab: links · o: outline · esc: back · r: reload ".into(),
                false => {
                    " j/k: scroll · tab: links · p: pages · o: outline · esc: back · r: reload "
                        .into()
                }
            },
        }
    }

    fn draw_side(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let rows = (area.height as usize).saturating_sub(1);
        let mut lines: Vec<Line> = Vec::new();
        if self.outline {
            let headings = self
                .doc
                .as_ref()
                .map(|d| d.headings.as_slice())
                .unwrap_or(&[]);
            lines.push(Line::from(Span::styled("Outline", theme.title)));
            if headings.is_empty() {
                lines.push(Line::from(Span::styled("no headings", theme.muted)));
            }
            let focused = self.focus == Focus::Outline;
            for (i, heading) in on_screen(headings, &self.outline_cursor, rows) {
                let depth = heading.level.saturating_sub(1) as usize;
                let text = format!("{}{}", indent(depth), heading.text);
                let style = cursor_style(theme.base, focused, i, &self.outline_cursor, theme);
                lines.push(Line::from(Span::styled(text, style)));
            }
        } else {
            let site = match &self.docs {
                Some(Docs::Site(site)) => site.name.clone(),
                _ => None,
            };
            let title = site.unwrap_or_else(|| "Pages".to_string());
            lines.push(Line::from(Span::styled(title, theme.title)));
            for (i, row) in on_screen(&self.nav, &self.nav_cursor, rows) {
                lines.push(self.nav_line(i, row, theme));
            }
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// A row of the nav: sections as headings, addresses marked `↗`, pages the nav leaves out
    /// dimmed, and the page shown marked `›` (in colour too, but the mark survives NO_COLOR).
    fn nav_line(&self, i: usize, row: &NavRow, theme: &Theme) -> Line<'static> {
        let shown = matches!(&row.target, RowTarget::Page(p) if Some(p) == self.page.as_ref());
        let style = match &row.target {
            _ if shown => theme.accent.add_modifier(Modifier::BOLD),
            _ if !row.in_nav => theme.muted,
            RowTarget::Section => theme.heading,
            RowTarget::Link(_) => theme.link,
            RowTarget::Page(_) => theme.base,
        };
        let mark = if shown { "› " } else { "  " };
        let link = if matches!(row.target, RowTarget::Link(_)) {
            " ↗"
        } else {
            ""
        };
        let text = format!("{mark}{}{}{link}", indent(row.depth), row.title);
        let style = cursor_style(style, self.focus == Focus::Nav, i, &self.nav_cursor, theme);
        Line::from(Span::styled(text, style))
    }
}

/// A row's style, the cursor's when the column has the keys.
fn cursor_style(
    style: Style,
    focused: bool,
    row: usize,
    cursor: &ListCursor,
    theme: &Theme,
) -> Style {
    match focused && row == cursor.cursor {
        true => theme.selected,
        false => style,
    }
}
