//! The `?` help: every binding of the current pane, generated from the keymap the key handler
//! uses, fuzzy-filtered by typing (action name, key or description).

use crate::tui::action::Action;
use crate::tui::keymap::{Keymap, Scope};
use crate::tui::text_input::TextInput;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::table::{draw_table, shown};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row};
use ratatui::Frame;

pub struct HelpState {
    /// The pane it was opened on, and the scopes its keys come from.
    pub pane: String,
    pub scopes: Vec<Scope>,
    pub input: TextInput,
    pub list: ListCursor,
}

/// One row of the help: keys, action name, description.
pub struct HelpRow {
    pub keys: String,
    pub name: &'static str,
    pub help: &'static str,
}

/// Every character of `needle` in order in `haystack`, ignoring case (each word of the needle).
pub fn fuzzy(haystack: &str, needle: &str) -> bool {
    let haystack = haystack.to_lowercase();
    needle.split_whitespace().all(|word| {
        let mut chars = haystack.chars();
        word.to_lowercase().chars().all(|c| chars.any(|h| h == c))
    })
}

impl HelpState {
    pub fn new(pane: &str, scopes: Vec<Scope>) -> HelpState {
        HelpState {
            pane: pane.to_string(),
            scopes,
            input: TextInput::default(),
            list: ListCursor::default(),
        }
    }

    /// The bindings matching the search: those containing every word when some do, else the
    /// fuzzy matches (characters in order).
    pub fn rows(&self, keymap: &Keymap) -> Vec<HelpRow> {
        let all: Vec<HelpRow> = keymap
            .entries_for(&self.scopes)
            .map(|e| HelpRow {
                keys: e
                    .keys
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                name: e.name,
                help: e.help,
            })
            .collect();
        if self.input.is_empty() {
            return all;
        }
        let text = |r: &HelpRow| format!("{} {} {}", r.name, r.keys, r.help).to_lowercase();
        let query = self.input.text.to_lowercase();
        let exact = |r: &HelpRow| query.split_whitespace().all(|w| text(r).contains(w));
        if all.iter().any(exact) {
            all.into_iter().filter(exact).collect()
        } else {
            all.into_iter()
                .filter(|r| fuzzy(&text(r), &query))
                .collect()
        }
    }

    /// Returns false when help should close.
    pub fn update(&mut self, action: &Action, keymap: &Keymap, page: usize) -> bool {
        let len = self.rows(keymap).len();
        if self.list.apply(action, len, page) {
            return true;
        }
        match action {
            Action::InputCancel | Action::InputAccept => return false,
            Action::InputChar(c) => self.input.push(*c),
            Action::InputBackspace => {
                if self.input.is_empty() {
                    return false;
                }
                self.input.backspace()
            }
            Action::InputDeleteWord => self.input.delete_word(),
            Action::InputClear => self.input.clear(),
            _ => {}
        }
        self.list = ListCursor::default();
        true
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme) {
        let width = area.width.saturating_sub(4).min(110);
        let height = area.height.saturating_sub(2);
        let popup = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + (area.height - height) / 2,
            width,
            height,
        };
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.accent)
            .title(Span::styled(format!(" Help: {} ", self.pane), theme.title))
            .title_bottom(Span::styled(
                " type to search · ↑/↓ scroll · esc closes · rebind in config.toml [keys] ",
                theme.muted,
            ));
        let inner = block.inner(popup);
        frame.render_widget(block, popup);
        let [search, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("search: ", theme.muted),
                Span::styled(format!("{}▏", self.input.text), theme.base),
            ])),
            search,
        );
        let rows = self.rows(keymap);
        if rows.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled("no binding matches", theme.muted)),
                table,
            );
            return;
        }
        let body = shown(&rows, &self.list, table).map(|(i, r)| {
            let style = theme.row_style(i == self.list.cursor, theme.base);
            Row::new(vec![
                Cell::from(Span::styled(
                    r.keys.clone(),
                    if i == self.list.cursor {
                        style
                    } else {
                        theme.key
                    },
                )),
                Cell::from(r.name),
                Cell::from(r.help),
            ])
            .style(style)
        });
        let header = Row::new(["KEYS", "ACTION", "WHAT IT DOES"]).style(theme.table_header);
        let widths = [
            Constraint::Length(14),
            Constraint::Length(21),
            Constraint::Fill(1),
        ];
        draw_table(frame, table, header, body, widths);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_filter() {
        assert!(fuzzy("catalog.sort s sort by the next column", "srt"));
        assert!(fuzzy("catalog.sort s sort", "cat sort"));
        assert!(!fuzzy("nav.down j down", "quit"));
    }

    #[test]
    fn lists_the_pane_scopes_from_the_keymap() {
        let keymap = Keymap::default();
        let mut help = HelpState::new("Catalog", vec![Scope::Catalog, Scope::Nav, Scope::App]);
        let rows = help.rows(&keymap);
        assert!(rows
            .iter()
            .any(|r| r.name == "catalog.sort" && r.keys == "s"));
        assert!(rows.iter().any(|r| r.name == "app.quit"));
        assert!(!rows.iter().any(|r| r.name.starts_with("deps.")));
        for c in "revers".chars() {
            help.update(&Action::InputChar(c), &keymap, 10);
        }
        let names: Vec<&str> = help.rows(&keymap).iter().map(|r| r.name).collect();
        assert_eq!(names, ["catalog.reverse"]);
    }
}
