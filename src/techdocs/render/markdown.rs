//! CommonMark (with tables, task lists, strikethrough) to lines, by pulldown-cmark's events:
//! headings, paragraphs, emphasis, lists (nested, numbered, tasks), block quotes, code (inline and
//! fenced, coloured), links (text, then the target), images (alt text and path), rules, tables.

use super::doc::{Doc, DocLine, Heading, Link, Span, Style, Tone};
use super::highlight;
use super::table::{self, Row};
use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

pub fn render(text: &str) -> Doc {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut r = Renderer::default();
    for event in Parser::new_ext(text, options) {
        r.event(event);
    }
    r.flush();
    r.doc
}

#[derive(Default)]
struct Renderer {
    doc: Doc,
    spans: Vec<Span>,
    styles: Vec<Style>,
    /// Open lists: the next number of an ordered one.
    lists: Vec<Option<u64>>,
    /// The marker of a list item whose first line is not out yet.
    marker: Option<String>,
    quote: usize,
    /// A fenced or indented code block being read: its language and text.
    code: Option<(String, String)>,
    /// The open link (an index into the doc's links) and where its text starts in `spans`.
    link: Option<(usize, usize)>,
    /// An open image: its path, and where its alt text starts in `spans`.
    image: Option<(String, usize)>,
    /// An open heading: its level, and where its text starts in `spans`.
    heading: Option<(u8, usize)>,
    table: Option<TableBuild>,
}

#[derive(Default)]
struct TableBuild {
    alignments: Vec<Alignment>,
    rows: Vec<Row>,
    row: Row,
    head: usize,
}

/// Links whose line is not known yet.
const UNPLACED: usize = usize::MAX;

impl Renderer {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, f: impl FnOnce(&mut Style)) {
        let mut style = self.style();
        f(&mut style);
        self.styles.push(style);
    }

    fn prefix(&mut self) -> Vec<Span> {
        let mut prefix = Vec::new();
        if self.quote > 0 {
            prefix.push(Span::new("│ ".repeat(self.quote), Tone::Muted));
        }
        if !self.lists.is_empty() {
            let indent = "  ".repeat(self.lists.len() - 1);
            match self.marker.take() {
                Some(marker) => prefix.push(Span::new(format!("{indent}{marker}"), Tone::Marker)),
                None => prefix.push(Span::new(format!("{indent}  "), Tone::Plain)),
            }
        }
        prefix
    }

    /// Adds a line after the quote and list prefix, placing the links that start on it.
    fn push_line(&mut self, spans: Vec<Span>) {
        self.push_hung(spans, None);
    }

    /// [`Self::push_line`], with `indent` also before the line's wrapped continuations.
    fn push_hung(&mut self, spans: Vec<Span>, indent: Option<Span>) {
        let mut line = self.prefix();
        // Continuations keep the bars; a list marker becomes blanks of its width.
        let mut hang: Vec<Span> = line
            .iter()
            .map(|span| match span.style.tone {
                Tone::Marker => Span::new(" ".repeat(span.text.chars().count()), Tone::Plain),
                _ => span.clone(),
            })
            .collect();
        hang.extend(indent);
        line.extend(spans);
        let at = self.doc.lines.len();
        for span in &line {
            if let Some(link) = span.link {
                if self.doc.links[link].line == UNPLACED {
                    self.doc.links[link].line = at;
                }
            }
        }
        self.doc.lines.push(DocLine { spans: line, hang });
    }

    /// Ends the current line (if it has anything).
    fn flush(&mut self) {
        if self.spans.is_empty() && self.marker.is_none() {
            return;
        }
        let spans = std::mem::take(&mut self.spans);
        self.push_line(spans);
    }

    fn blank(&mut self) {
        self.flush();
        self.doc.blank();
    }

    fn text(&mut self, text: &str) {
        self.spans.push(Span {
            text: text.to_string(),
            style: self.style(),
            link: self.link.map(|(link, _)| link),
        });
    }

    fn muted(&mut self, text: String) {
        self.spans.push(Span::new(text, Tone::Muted));
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => match &mut self.code {
                Some((_, code)) => code.push_str(&text),
                None => self.text(&text),
            },
            Event::Code(code) => {
                let mut style = self.style();
                style.tone = Tone::Code;
                self.spans.push(Span {
                    text: code.to_string(),
                    style,
                    link: self.link.map(|(link, _)| link),
                });
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.flush();
                self.push_line(vec![Span::new("─".repeat(40), Tone::Muted)]);
                self.doc.lines.push(DocLine::default());
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::Html(html) | Event::InlineHtml(html) => {
                let html = html.trim();
                if !html.starts_with("<!--") {
                    self.muted(html.to_string());
                }
            }
            Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
            Event::InlineMath(math) | Event::DisplayMath(math) => {
                self.spans.push(Span::new(math.to_string(), Tone::Code))
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.blank();
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                self.styles.push(Style {
                    tone: Tone::Heading(level),
                    bold: true,
                    ..Style::default()
                });
                self.muted(format!("{} ", "#".repeat(level as usize)));
                self.heading = Some((level, self.spans.len()));
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote += 1;
            }
            Tag::CodeBlock(kind) => {
                self.flush();
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
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
            Tag::Emphasis => self.push_style(|s| s.italic = true),
            Tag::Strong => self.push_style(|s| s.bold = true),
            Tag::Strikethrough => self.push_style(|s| s.strike = true),
            Tag::Link { dest_url, .. } => {
                self.doc.links.push(Link {
                    href: dest_url.to_string(),
                    text: String::new(),
                    line: UNPLACED,
                    fold: None,
                });
                self.link = Some((self.doc.links.len() - 1, self.spans.len()));
                self.push_style(|s| s.tone = Tone::Link);
            }
            Tag::Image { dest_url, .. } => {
                self.muted("[image: ".to_string());
                self.image = Some((dest_url.to_string(), self.spans.len()));
            }
            Tag::Table(alignments) => {
                self.flush();
                self.table = Some(TableBuild {
                    alignments,
                    ..TableBuild::default()
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => match self.lists.is_empty() {
                true => self.blank(),
                false => self.flush(),
            },
            TagEnd::Heading(_) => {
                self.styles.pop();
                if let Some((level, start)) = self.heading.take() {
                    let text = self.spans[start.min(self.spans.len())..]
                        .iter()
                        .map(|s| s.text.as_str())
                        .collect();
                    let line = self.doc.lines.len();
                    self.doc.headings.push(Heading {
                        level,
                        text,
                        anchor: String::new(),
                        line,
                    });
                }
                self.blank();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
                self.blank();
            }
            TagEnd::CodeBlock => {
                if let Some((lang, code)) = self.code.take() {
                    self.code_block(&lang, &code);
                }
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
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some((link, start)) = self.link.take() {
                    let text: String = self.spans[start.min(self.spans.len())..]
                        .iter()
                        .map(|s| s.text.as_str())
                        .collect();
                    let href = &self.doc.links[link].href;
                    // The target is shown unless the text already says it.
                    if !href.starts_with('#')
                        && text != *href
                        && !href.ends_with(&format!(":{text}"))
                    {
                        let shown = format!(" <{href}>");
                        self.muted(shown);
                    }
                    self.doc.links[link].text = text;
                }
            }
            TagEnd::Image => {
                if let Some((path, start)) = self.image.take() {
                    // The alt text reads as alt text, whatever inline markup it had.
                    let start = start.min(self.spans.len());
                    for span in &mut self.spans[start..] {
                        span.style = Style::of(Tone::Link);
                    }
                    self.muted(format!("] <{path}>"));
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.spans);
                if let Some(table) = &mut self.table {
                    table.row.push(cell);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                    if tag == TagEnd::TableHead {
                        table.head = table.rows.len();
                    }
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    for line in table::layout(table.rows, table.head, &table.alignments) {
                        self.push_line(line);
                    }
                }
                self.blank();
            }
            _ => {}
        }
    }

    /// A code block: a `┌ language` line, then each line indented and coloured.
    fn code_block(&mut self, lang: &str, code: &str) {
        if !lang.is_empty() {
            self.push_line(vec![Span::new(format!("  ┌ {lang}"), Tone::Muted)]);
        }
        for pieces in highlight::highlight(lang, code) {
            let mut line = vec![Span::new("  ", Tone::Code)];
            line.extend(pieces.into_iter().map(|(tone, text)| Span::new(text, tone)));
            self.push_hung(line, Some(Span::new("  ", Tone::Code)));
        }
    }
}
