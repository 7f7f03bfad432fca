//! Rendered markdown (`techdocs::render`, which knows no terminal) in the theme's colours: each
//! tone of text gets a theme style, the selected link is drawn reversed, and lines are wrapped
//! to the pane with their block's bar or indent repeated.

use super::theme::Theme;
use crate::techdocs::render::{DocLine, Span as TextSpan, Style as TextStyle};
use crate::techdocs::Tone;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A line of a page in rows of at most `width` columns, broken between words (a word wider than
/// a row is cut); continuation rows start with the line's hang, so a wrapped admonition keeps its
/// bar and a list item its indent. `selected` is the link Tab chose (if any).
pub fn wrapped(
    line: &DocLine,
    width: usize,
    theme: &Theme,
    selected: Option<usize>,
) -> Vec<Line<'static>> {
    wrap(line, width, &|span: &TextSpan| {
        let style = style(span.style, theme);
        match selected.is_some() && span.link == selected {
            true => style.add_modifier(Modifier::REVERSED),
            false => style,
        }
    })
}

/// How many rows [`wrapped`] makes of a line, for scrolling a link into view.
pub fn rows(line: &DocLine, width: usize) -> usize {
    wrap(line, width, &|_| Style::default()).len()
}

fn wrap(line: &DocLine, width: usize, style_of: &dyn Fn(&TextSpan) -> Style) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows = Row {
        fresh: true,
        ..Row::default()
    };
    for span in &line.spans {
        let style = style_of(span);
        for piece in pieces(&span.text) {
            let word = piece.trim_end().width();
            if !rows.fresh && rows.used + word > width {
                rows.next(line, style_of);
                if piece.trim().is_empty() {
                    continue;
                }
            }
            let mut rest = piece;
            // A word wider than what is left of a fresh row is cut where the row ends.
            while rows.used + rest.trim_end().width() > width {
                let room = width.saturating_sub(rows.used);
                let cut = cut_at(rest, room);
                if cut == 0 && !rows.fresh {
                    rows.next(line, style_of);
                    continue;
                }
                let cut = cut.max(rest.chars().next().map_or(0, char::len_utf8));
                rows.push(&rest[..cut], style);
                rest = &rest[cut..];
                if rest.is_empty() {
                    break;
                }
                rows.next(line, style_of);
            }
            rows.push(rest, style);
        }
    }
    rows.done.push(Line::from(rows.spans));
    rows.done
}

/// The rows made so far and the one being filled.
#[derive(Default)]
struct Row {
    done: Vec<Line<'static>>,
    spans: Vec<Span<'static>>,
    used: usize,
    /// Nothing but the hang on the row yet.
    fresh: bool,
}

impl Row {
    fn push(&mut self, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        self.used += text.width();
        self.fresh = false;
        match self.spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(text),
            _ => self.spans.push(Span::styled(text.to_string(), style)),
        }
    }

    fn next(&mut self, line: &DocLine, style_of: &dyn Fn(&TextSpan) -> Style) {
        // The space a row broke at is not drawn (a selected link would show it reversed).
        if let Some(last) = self.spans.last_mut() {
            let kept = last.content.trim_end().len();
            last.content.to_mut().truncate(kept);
        }
        self.done.push(Line::from(std::mem::take(&mut self.spans)));
        self.used = 0;
        for span in &line.hang {
            self.push(&span.text, style_of(span));
        }
        self.fresh = true;
    }
}

/// Words with the spaces after them (leading spaces on their own).
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = text.starts_with(' ');
    for (at, c) in text.char_indices() {
        if c == ' ' {
            in_space = true;
        } else if in_space {
            if at > start {
                out.push(&text[start..at]);
            }
            start = at;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The byte length of the longest start of `text` at most `room` columns wide.
fn cut_at(text: &str, room: usize) -> usize {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > room {
            return at;
        }
    }
    text.len()
}

fn style(text: TextStyle, theme: &Theme) -> Style {
    // Code colours borrow the foregrounds of the theme's own slots, so every theme (and
    // NO_COLOR) covers them without new keys.
    let code = |slot: Style| Style {
        fg: slot.fg.or(theme.code.fg),
        ..theme.code
    };
    let mut style = match text.tone {
        Tone::Plain => theme.base,
        Tone::Heading(1) => theme.heading.add_modifier(Modifier::UNDERLINED),
        Tone::Heading(_) => theme.heading,
        Tone::Code => theme.code,
        Tone::Keyword => code(theme.accent),
        Tone::Str => code(theme.ok),
        Tone::Comment => code(theme.muted),
        Tone::Number => code(theme.warning),
        Tone::Type => code(theme.heading),
        Tone::Function => code(theme.link),
        Tone::Link => theme.link,
        Tone::Muted => theme.muted,
        Tone::Marker => theme.accent,
        Tone::TableHeader => theme.table_header,
        Tone::Note => theme.link,
        Tone::Tip => theme.ok,
        Tone::Warning => theme.warning,
        Tone::Danger => theme.error,
    };
    if text.bold {
        style = style.add_modifier(Modifier::BOLD);
    }
    if text.italic {
        style = style.add_modifier(Modifier::ITALIC);
    }
    if text.strike {
        style = style.add_modifier(Modifier::CROSSED_OUT);
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::techdocs::render;

    fn rows(markdown: &str, width: usize) -> Vec<String> {
        let theme = Theme::default();
        render(markdown)
            .lines
            .iter()
            .flat_map(|line| wrapped(line, width, &theme, None))
            .map(|line| line.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wraps_between_words_keeping_bars_and_indents() {
        assert_eq!(
            rows(
                "!!! note\n    one two three four\n\n- alpha beta gamma\n",
                12
            ),
            [
                "┃ Note",
                "┃ one two",
                "┃ three four",
                "",
                "• alpha beta",
                "  gamma",
            ]
        );
        assert_eq!(rows("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }
}
