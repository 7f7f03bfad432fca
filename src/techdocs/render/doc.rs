//! A rendered page: lines of spans, each span with a [`Tone`] (what the text is) and the link
//! it belongs to, and the page's headings and links with the line each is on.

/// What a piece of text is; the TUI picks its colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tone {
    #[default]
    Plain,
    Heading(u8),
    /// Code with no colour of its own (inline code, unknown languages, punctuation).
    Code,
    Keyword,
    Str,
    Comment,
    Number,
    Type,
    Function,
    Link,
    /// Markup shown for orientation: `#` of headings, link targets, rules, table borders.
    Muted,
    /// List markers.
    Marker,
    TableHeader,
    /// Admonitions by severity: note/info, tip/success, warning, danger/error.
    Note,
    Tip,
    Warning,
    Danger,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub tone: Tone,
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
}

impl Style {
    pub fn of(tone: Tone) -> Style {
        Style {
            tone,
            ..Style::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: Style,
    /// The link (an index into [`Doc::links`]) this text belongs to.
    pub link: Option<usize>,
}

impl Span {
    pub fn new(text: impl Into<String>, tone: Tone) -> Span {
        Span {
            text: text.into(),
            style: Style::of(tone),
            link: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocLine {
    pub spans: Vec<Span>,
    /// What a wrapped continuation of this line starts with, so it stays inside its block: the
    /// bars of quotes and admonitions, a list item's indent (its marker as blanks), code's indent.
    pub hang: Vec<Span>,
}

impl DocLine {
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    /// Its anchor, as MkDocs makes it (unique in the page: `x`, `x_1`, ...).
    pub anchor: String,
    /// The line it is drawn on.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub text: String,
    /// The line its text starts on.
    pub line: usize,
    /// Not a link but the title of a folding admonition (`???`): its number in the page, for
    /// [`super::Folds::Toggled`]. Enter opens or closes it.
    pub fold: Option<usize>,
}

/// A rendered page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    pub lines: Vec<DocLine>,
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
}

impl Doc {
    /// The page as plain text, a line each.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line.text().trim_end());
            out.push('\n');
        }
        out
    }

    /// The line of the heading with this anchor.
    pub fn anchor_line(&self, anchor: &str) -> Option<usize> {
        self.headings
            .iter()
            .find(|h| h.anchor == anchor)
            .map(|h| h.line)
    }

    /// Adds `other` below, each of its lines after `prefix` (an admonition's bar).
    pub(super) fn append(&mut self, other: Doc, prefix: Option<&Span>) {
        let (lines, links) = (self.lines.len(), self.links.len());
        self.lines.extend(other.lines.into_iter().map(|line| {
            let mut spans: Vec<Span> = prefix.cloned().into_iter().collect();
            let mut hang = spans.clone();
            spans.extend(line.spans.into_iter().map(|mut span| {
                span.link = span.link.map(|l| l + links);
                span
            }));
            hang.extend(line.hang);
            DocLine { spans, hang }
        }));
        self.links.extend(other.links.into_iter().map(|mut link| {
            link.line += lines;
            link
        }));
        self.headings
            .extend(other.headings.into_iter().map(|mut heading| {
                heading.line += lines;
                heading
            }));
    }

    pub(super) fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| !l.spans.is_empty()) {
            self.lines.push(DocLine::default());
        }
    }
}
