//! Markdown to terminal lines, for the Docs pane: headings, paragraphs, emphasis, lists (nested,
//! numbered, tasks), block quotes, code (inline and blocks), links (text, then the URL), rules
//! and simple tables. Parsing is pulldown-cmark's (CommonMark plus tables, tasks, strikethrough).

use super::theme::Theme;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

pub fn render(text: &str, theme: &Theme) -> Vec<Line<'static>> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut r = Renderer {
        theme,
        lines: Vec::new(),
        spans: Vec::new(),
        styles: vec![theme.base],
        lists: Vec::new(),
        marker: None,
        quote: 0,
        code: false,
        links: Vec::new(),
    };
    for event in Parser::new_ext(text, options) {
        r.event(event);
    }
    r.flush();
    while r.lines.last().is_some_and(|l| l.spans.is_empty()) {
        r.lines.pop();
    }
    r.lines
}

struct Renderer<'t> {
    theme: &'t Theme,
    lines: Vec<Line<'static>>,
    spans: Vec<Span<'static>>,
    styles: Vec<Style>,
    /// Open lists: the next number of an ordered one.
    lists: Vec<Option<u64>>,
    /// The marker of a list item whose first line is not out yet.
    marker: Option<String>,
    quote: usize,
    code: bool,
    /// Open links: the URL, and where the link's text starts in `spans`.
    links: Vec<(String, usize)>,
}

impl Renderer<'_> {
    fn style(&self) -> Style {
        *self.styles.last().unwrap_or(&self.theme.base)
    }

    fn push_style(&mut self, f: impl FnOnce(Style) -> Style) {
        let style = f(self.style());
        self.styles.push(style);
    }

    fn pop_style(&mut self) {
        if self.styles.len() > 1 {
            self.styles.pop();
        }
    }

    fn prefix(&mut self) -> Vec<Span<'static>> {
        let mut prefix = Vec::new();
        if self.quote > 0 {
            prefix.push(Span::styled("│ ".repeat(self.quote), self.theme.muted));
        }
        if !self.lists.is_empty() {
            let indent = "  ".repeat(self.lists.len() - 1);
            match self.marker.take() {
                Some(marker) => {
                    prefix.push(Span::styled(format!("{indent}{marker}"), self.theme.accent))
                }
                None => prefix.push(Span::raw(format!("{indent}  "))),
            }
        }
        prefix
    }

    /// Ends the current line (if it has anything).
    fn flush(&mut self) {
        if self.spans.is_empty() && self.marker.is_none() {
            return;
        }
        let mut spans = self.prefix();
        spans.append(&mut self.spans);
        self.lines.push(Line::from(spans));
    }

    fn blank(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|l| !l.spans.is_empty()) {
            self.lines.push(Line::default());
        }
    }

    fn text(&mut self, text: &str) {
        let style = self.style();
        self.spans.push(Span::styled(text.to_string(), style));
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code => {
                for line in text.lines() {
                    let mut spans = self.prefix();
                    spans.push(Span::styled("  ", self.theme.code));
                    spans.push(Span::styled(line.to_string(), self.theme.code));
                    self.lines.push(Line::from(spans));
                }
            }
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self
                .spans
                .push(Span::styled(code.to_string(), self.theme.code)),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.flush();
                self.lines
                    .push(Line::from(Span::styled("─".repeat(40), self.theme.muted)));
                self.lines.push(Line::default());
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::Html(html) | Event::InlineHtml(html) => {
                let html = html.trim();
                if !html.starts_with("<!--") {
                    self.spans
                        .push(Span::styled(html.to_string(), self.theme.muted));
                }
            }
            Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
            Event::InlineMath(math) | Event::DisplayMath(math) => self
                .spans
                .push(Span::styled(math.to_string(), self.theme.code)),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.blank();
                let hashes = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                let mut style = self.theme.heading;
                if hashes == 1 {
                    style = style.add_modifier(Modifier::UNDERLINED);
                }
                self.styles.push(style);
                self.spans.push(Span::styled(
                    format!("{} ", "#".repeat(hashes)),
                    self.theme.muted,
                ));
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote += 1;
            }
            Tag::CodeBlock(kind) => {
                self.flush();
                self.code = true;
                if let CodeBlockKind::Fenced(lang) = kind {
                    if !lang.is_empty() {
                        let mut spans = self.prefix();
                        spans.push(Span::styled(format!("  ┌ {lang}"), self.theme.muted));
                        self.lines.push(Line::from(spans));
                    }
                }
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let marker = format!("{n}. ");
                        *n += 1;
                        marker
                    }
                    _ => "• ".to_string(),
                };
                self.marker = Some(marker);
            }
            Tag::Emphasis => self.push_style(|s| s.add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(|s| s.add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.push_style(|s| s.add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.links.push((dest_url.to_string(), self.spans.len()));
                let link = self.theme.link;
                self.styles.push(link);
            }
            Tag::Image { dest_url, .. } => {
                self.links.push((dest_url.to_string(), self.spans.len()));
                self.text("[image: ");
                let link = self.theme.link;
                self.styles.push(link);
            }
            Tag::Table(_) | Tag::TableHead | Tag::TableRow => self.flush(),
            Tag::TableCell => {}
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                if self.lists.is_empty() {
                    self.blank();
                } else {
                    self.flush();
                }
            }
            TagEnd::Heading(_) => {
                self.pop_style();
                self.blank();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
                self.blank();
            }
            TagEnd::CodeBlock => {
                self.code = false;
                self.blank();
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => self.flush(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.pop_style(),
            TagEnd::Link => {
                self.pop_style();
                if let Some((url, start)) = self.links.pop() {
                    let text: String = self.spans[start.min(self.spans.len())..]
                        .iter()
                        .map(|s| s.content.as_ref())
                        .collect();
                    if !url.starts_with('#') && text != url && !url.ends_with(&format!(":{text}")) {
                        self.spans
                            .push(Span::styled(format!(" <{url}>"), self.theme.muted));
                    }
                }
            }
            TagEnd::Image => {
                self.pop_style();
                self.text("]");
                if let Some((url, _)) = self.links.pop() {
                    self.spans
                        .push(Span::styled(format!(" <{url}>"), self.theme.muted));
                }
            }
            TagEnd::TableCell => self.spans.push(Span::styled(" │ ", self.theme.muted)),
            TagEnd::TableHead => {
                let spans: Vec<Span<'static>> = self
                    .spans
                    .drain(..)
                    .map(|s| s.style(self.theme.table_header))
                    .collect();
                self.lines.push(Line::from(spans));
            }
            TagEnd::TableRow => self.flush(),
            TagEnd::Table => self.blank(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn renders_the_common_blocks() {
        let md = "# Title\n\nSome *emphasis* and `code` and a [link](https://x.example) <https://y.example>.\n\n- one\n- two\n  1. nested\n\n```sh\nmake run\n```\n\n> quoted\n";
        let theme = Theme::default();
        let lines = render(md, &theme);
        assert_eq!(
            plain(&lines),
            [
                "# Title",
                "",
                "Some emphasis and code and a link <https://x.example> https://y.example.",
                "",
                "• one",
                "• two",
                "  1. nested",
                "",
                "  ┌ sh",
                "  make run",
                "",
                "│ quoted",
            ]
        );
        let emphasis = lines[2]
            .spans
            .iter()
            .find(|s| s.content == "emphasis")
            .unwrap();
        assert!(emphasis.style.add_modifier.contains(Modifier::ITALIC));
        let link = lines[2].spans.iter().find(|s| s.content == "link").unwrap();
        assert_eq!(link.style, theme.link);
    }
}
