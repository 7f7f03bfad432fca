//! Page lines, the text of the detail panes (an entity page, a run, the incident view, setup
//! text): pieces of text with a tone the theme colours, drawn in a bordered block, scrolled, or
//! with a line cursor.

use super::cursor::{on_screen, ListCursor};
use super::panel::{bordered, draw_block};
use crate::catalog::EntityId;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::ops::Range;

/// How a piece of text looks; draw maps it to the theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Base,
    Muted,
    Heading,
    Key,
    Link,
    Missing,
    Error,
    Warning,
    Accent,
}

impl Tone {
    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Tone::Base => theme.base,
            Tone::Muted => theme.muted,
            Tone::Heading => theme.heading,
            Tone::Key => theme.key,
            Tone::Link => theme.link,
            Tone::Missing => theme.warning,
            Tone::Error => theme.error,
            Tone::Warning => theme.warning,
            Tone::Accent => theme.accent,
        }
    }
}

/// An operation's method: reads and writes are told apart at a glance, as in swagger-ui (the
/// definition view, endpoint hits in the catalog).
pub fn method_tone(method: &str) -> Tone {
    match method {
        "GET" | "HEAD" | "QUERY" | "SUBSCRIBE" | "RECEIVE" | "UNARY" => Tone::Link,
        "POST" | "MUTATION" | "PUBLISH" | "SEND" => Tone::Accent,
        "PUT" | "PATCH" => Tone::Warning,
        "DELETE" => Tone::Error,
        _ => Tone::Key,
    }
}

/// One line of a page, and the entity it leads to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageLine {
    pub spans: Vec<(String, Tone)>,
    pub target: Option<EntityId>,
}

/// Builds a line from pieces.
pub fn line(spans: &[(&str, Tone)]) -> PageLine {
    PageLine {
        spans: spans
            .iter()
            .map(|(t, tone)| (t.to_string(), *tone))
            .collect(),
        target: None,
    }
}

/// A page line in its theme colours.
pub fn to_line<'a>(l: &'a PageLine, theme: &Theme) -> Line<'a> {
    Line::from(
        l.spans
            .iter()
            .map(|(t, tone)| Span::styled(t.as_str(), tone.style(theme)))
            .collect::<Vec<_>>(),
    )
}

/// Page lines in `block` from line `scroll` on; `wrap`: long lines take more rows.
pub fn draw_detail(
    frame: &mut Frame,
    area: Rect,
    block: Block,
    lines: &[PageLine],
    scroll: usize,
    wrap: bool,
    theme: &Theme,
) {
    let inner = draw_block(frame, area, block);
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .map(|l| to_line(l, theme))
        .collect();
    let paragraph = Paragraph::new(shown);
    let paragraph = if wrap {
        paragraph.wrap(Wrap { trim: false })
    } else {
        paragraph
    };
    frame.render_widget(paragraph, inner);
}

/// A pane of text lines under a title with a scroll position (setup text, reports).
pub fn draw_info(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    lines: &[PageLine],
    scroll: usize,
) {
    let block = bordered(format!(" {title} "), theme);
    draw_detail(frame, area, block, lines, scroll, true, theme);
}

/// A page line cut into rows of at most `width` columns, at spaces where it can (a word wider
/// than a row is cut where the row ends).
pub fn wrap(l: &PageLine, width: usize) -> Vec<PageLine> {
    use unicode_width::UnicodeWidthStr;
    let width = width.max(1);
    let mut rows = vec![PageLine {
        spans: Vec::new(),
        target: l.target,
    }];
    let mut used = 0;
    for (text, tone) in &l.spans {
        for word in text.split_inclusive(' ') {
            let mut word = word;
            while !word.is_empty() {
                let fits = used + word.trim_end().width() <= width;
                if !fits && used > 0 {
                    rows.push(PageLine {
                        spans: Vec::new(),
                        target: l.target,
                    });
                    used = 0;
                    continue;
                }
                // What fits of the word on this row (all of it, or a wide word's first part).
                let mut end = 0;
                let mut taken = 0;
                for (at, c) in word.char_indices() {
                    let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                    if used + taken + w > width && c != ' ' {
                        break;
                    }
                    taken += w;
                    end = at + c.len_utf8();
                }
                let end = end.max(word.chars().next().map_or(0, char::len_utf8));
                let row = rows.last_mut().expect("one row at least");
                row.spans.push((word[..end].to_string(), *tone));
                used += taken;
                word = &word[end..];
            }
        }
    }
    rows
}

/// The rows on screen of page lines wrapped at `width` columns in `height` rows, with `list`'s
/// cursor: each with the index of its line. The rows of the cursor's line are all on screen, and
/// the first line shown is kept from `list.offset` where it can be. Draw and clicks share this.
pub fn wrapped_rows(
    lines: &[PageLine],
    list: ListCursor,
    width: usize,
    height: usize,
) -> Vec<(usize, PageLine)> {
    if lines.is_empty() {
        return Vec::new();
    }
    let rows_of = |i: usize| wrap(&lines[i], width).len();
    let cursor = list.cursor.min(lines.len() - 1);
    // Back from the cursor while the lines up to its last row still fit, but not above the
    // offset: at most a screenful of lines is wrapped.
    let start = list.offset.min(cursor);
    let mut first = cursor;
    let mut used = rows_of(cursor);
    while first > start && used + rows_of(first - 1) <= height {
        first -= 1;
        used += rows_of(first);
    }
    let mut shown = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(first) {
        if shown.len() >= height {
            break;
        }
        shown.extend(wrap(l, width).into_iter().map(|row| (i, row)));
    }
    shown.truncate(height);
    shown
}

/// Page lines with a cursor, long lines wrapped over several rows: the rows of the cursor's
/// line are all on screen and all marked.
pub fn draw_lines_wrapped(
    frame: &mut Frame,
    area: Rect,
    lines: &[PageLine],
    list: ListCursor,
    theme: &Theme,
) {
    let cursor = list.cursor.min(lines.len().saturating_sub(1));
    let shown: Vec<Line> = wrapped_rows(lines, list, area.width as usize, area.height as usize)
        .into_iter()
        .map(|(i, row)| {
            let selected = i == cursor;
            let spans: Vec<Span> = row
                .spans
                .into_iter()
                .map(|(text, tone)| {
                    let style = if selected {
                        theme.selected
                    } else {
                        tone.style(theme)
                    };
                    Span::styled(text, style)
                })
                .collect();
            Line::from(spans).style(theme.row_style(selected, Style::default()))
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), area);
}

/// Draws page lines with a cursor, only those on screen.
pub fn draw_lines(
    frame: &mut Frame,
    area: Rect,
    lines: &[PageLine],
    list: ListCursor,
    theme: &Theme,
) {
    draw_lines_marked(frame, area, lines, list, theme, |_| Vec::new());
}

/// [`draw_lines`], with the byte ranges `marks` gives for a line's text (its pieces joined) in
/// the theme's match style: a search's hits.
pub fn draw_lines_marked(
    frame: &mut Frame,
    area: Rect,
    lines: &[PageLine],
    list: ListCursor,
    theme: &Theme,
    marks: impl Fn(&str) -> Vec<Range<usize>>,
) {
    let shown: Vec<Line> = on_screen(lines, &list, area.height as usize)
        .map(|(i, line)| {
            let selected = i == list.cursor;
            let text: String = line.spans.iter().map(|(t, _)| t.as_str()).collect();
            let ranges = marks(&text);
            let mut spans: Vec<Span> = Vec::new();
            let mut start = 0;
            for (piece, tone) in &line.spans {
                let style = if selected {
                    theme.selected
                } else {
                    tone.style(theme)
                };
                let end = start + piece.len();
                // Cut the piece where a mark begins or ends inside it.
                let mut cuts = vec![start, end];
                for r in &ranges {
                    cuts.extend(
                        [r.start, r.end]
                            .into_iter()
                            .filter(|&c| c > start && c < end),
                    );
                }
                cuts.sort_unstable();
                cuts.dedup();
                for pair in cuts.windows(2) {
                    let marked = ranges
                        .iter()
                        .any(|r| r.start <= pair[0] && pair[1] <= r.end);
                    spans.push(Span::styled(
                        text[pair[0]..pair[1]].to_string(),
                        if marked {
                            style.patch(theme.matched)
                        } else {
                            style
                        },
                    ));
                }
                start = end;
            }
            Line::from(spans).style(theme.row_style(selected, Style::default()))
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[PageLine]) -> Vec<String> {
        rows.iter()
            .map(|r| r.spans.iter().map(|(t, _)| t.as_str()).collect())
            .collect()
    }

    #[test]
    fn wraps_at_spaces_and_cuts_a_word_wider_than_a_row() {
        let l = PageLine {
            spans: vec![
                ("level 2 · ".into(), Tone::Muted),
                ("partly deployed".into(), Tone::Base),
            ],
            target: Some(3),
        };
        let rows = wrap(&l, 12);
        assert_eq!(texts(&rows), ["level 2 · ", "partly ", "deployed"]);
        assert!(rows.iter().all(|r| r.target == Some(3)));
        assert_eq!(
            texts(&wrap(&line(&[("abcdefgh", Tone::Base)]), 3)),
            ["abc", "def", "gh"]
        );
        assert_eq!(texts(&wrap(&l, 80)), ["level 2 · partly deployed"]);
    }
}
