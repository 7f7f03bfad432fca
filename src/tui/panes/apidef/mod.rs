//! An API's definition on its entity page, as Backstage's API tab shows it: the operations grouped
//! by tag with coloured methods and the definition's servers, schemes and types; `Enter` on an
//! operation shows its parameters, bodies, responses and schema trees; `r` flips to the text with
//! line numbers; `/` searches what is shown (`search.rs`). A definition that does not parse opens
//! on its text, at the error's line.

mod search;

use super::remote::Remote;
use crate::apidef::{self, Definition, Node, Operation, ParseError, Section};
use crate::tui::action::Action;
use crate::tui::action::Wanted;
use crate::tui::theme::Theme;
use crate::tui::widgets::cursor::ListCursor;
use crate::tui::widgets::detail::{draw_lines_marked, method_tone, PageLine, Tone};
use crate::tui::widgets::panel::{bordered_with_keys, draw_block};
use crate::tui::widgets::tree::indent;
use ratatui::layout::Rect;
use ratatui::Frame;
use search::{find_all, Search};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Operations,
    /// One operation's detail: its index in operations then webhooks.
    Detail(usize),
    Raw,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApiView {
    title: String,
    spec_type: String,
    text: String,
    /// The outline: operations without detail, cheap for a page to hold.
    parsed: Result<Definition, ParseError>,
    /// The whole definition, read when a first operation's detail is opened.
    full: Option<Definition>,
    mode: Mode,
    lines: Vec<PageLine>,
    /// The operation each line of the operations list opens.
    opens: Vec<Option<usize>>,
    list: ListCursor,
    /// The operations list's place, kept while a detail or the text is shown.
    kept: ListCursor,
    search: Search,
    /// Where the definition is when it is at a URL (`panes/remote.rs`).
    remote: Option<Remote>,
}

impl ApiView {
    pub fn new(title: String, spec_type: &str, text: &str) -> ApiView {
        let parsed = apidef::outline(spec_type, text);
        let mut view = ApiView {
            title,
            spec_type: spec_type.to_string(),
            full: None,
            text: text.to_string(),
            mode: if parsed.is_ok() {
                Mode::Operations
            } else {
                Mode::Raw
            },
            parsed,
            lines: Vec::new(),
            opens: Vec::new(),
            list: ListCursor::default(),
            kept: ListCursor::default(),
            search: Search::default(),
            remote: None,
        };
        view.rebuild();
        if let Err(err) = &view.parsed {
            // The error's line, under the message line above the text.
            view.list.cursor = err.line;
        } else if let Some(first) = view.opens.iter().position(Option::is_some) {
            view.list.cursor = first;
        }
        view
    }

    /// Whether both views show the same definition (whatever each shows of it now).
    pub fn same_definition(&self, other: &ApiView) -> bool {
        match (&self.remote, &other.remote) {
            (Some(a), Some(b)) => a.wanted == b.wanted,
            (None, None) => self.text == other.text && self.parsed == other.parsed,
            _ => false,
        }
    }

    /// A one-line summary for the entity page: the format, title and how many operations.
    pub fn summary(&self) -> (String, Tone) {
        if let Some(remote) = self.pending() {
            return remote.summary();
        }
        match &self.parsed {
            Ok(def) => {
                let about: Vec<&str> = [def.title.as_deref(), def.version.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                let count = def.operations.len() + def.webhooks.len();
                (
                    format!("{} · {count} operations", about.join(" ")),
                    Tone::Base,
                )
            }
            Err(err) => (format!("does not parse: {err}"), Tone::Error),
        }
    }

    fn rebuild(&mut self) {
        self.opens.clear();
        self.lines = match (self.mode, &self.parsed) {
            _ if self.pending().is_some() => self.pending().map(|r| r.lines()).unwrap_or_default(),
            (Mode::Raw, parsed) => raw_lines(&self.text, parsed.as_ref().err()),
            (Mode::Operations, Ok(def)) => operation_lines(def, &mut self.opens),
            (Mode::Detail(i), Ok(_)) => {
                let full = self.full.as_ref();
                match full.and_then(|d| d.operations.iter().chain(&d.webhooks).nth(i)) {
                    Some(op) => detail_lines(op),
                    None => Vec::new(),
                }
            }
            (_, Err(_)) => Vec::new(),
        };
        self.opens.resize(self.lines.len(), None);
        self.search.refresh(&self.lines);
    }

    fn show(&mut self, mode: Mode) {
        if self.mode == Mode::Operations {
            self.kept = self.list;
        }
        self.mode = mode;
        self.rebuild();
        self.list = match mode {
            Mode::Operations => self.kept,
            _ => ListCursor::default(),
        };
    }

    /// Puts the cursor of the operations list on an operation (its index in the definition),
    /// scrolled into view; the list stays as it was when there is no such operation.
    pub fn select_operation(&mut self, operation: usize, page: usize) {
        if self.mode != Mode::Operations {
            self.show(Mode::Operations);
        }
        if let Some(at) = self.opens.iter().position(|&o| o == Some(operation)) {
            self.list.cursor = at;
            self.list.clamp(self.lines.len(), page);
        }
    }

    /// Whether the search query has the keyboard.
    pub fn typing(&self) -> bool {
        self.search.typing
    }

    /// The operation under the cursor (the list) or on screen (its detail): what `y` copies.
    pub fn selected_operation(&self) -> Option<&Operation> {
        let index = match self.mode {
            Mode::Operations => self.opens.get(self.list.cursor).copied().flatten()?,
            Mode::Detail(i) => i,
            Mode::Raw => return None,
        };
        let def = self.parsed.as_ref().ok()?;
        def.operations.iter().chain(&def.webhooks).nth(index)
    }

    pub fn update(&mut self, action: &Action, page: usize) -> Option<Action> {
        if self.search.typing {
            self.type_query(action, page);
            return None;
        }
        if self.list.apply(action, self.lines.len(), page) {
            return None;
        }
        if self.pending().is_some() {
            // Nothing to show yet but the fetch: Enter asks again after a failure.
            return match action {
                Action::Open => self.fetch_request(),
                _ => None,
            };
        }
        match action {
            Action::StartFilter => self.search = Search::start(self.list.cursor),
            Action::NextMatch => self.jump(true, false, page),
            Action::PreviousMatch => self.jump(true, true, page),
            Action::Open if self.mode == Mode::Operations => {
                if let Some(op) = self.opens.get(self.list.cursor).copied().flatten() {
                    if self.full.is_none() {
                        self.full = apidef::parse(&self.spec_type, &self.text).ok();
                    }
                    self.show(Mode::Detail(op));
                }
            }
            Action::ToggleRaw => match self.mode {
                Mode::Raw if self.parsed.is_ok() => self.show(Mode::Operations),
                Mode::Raw => {}
                _ => self.show(Mode::Raw),
            },
            _ => {}
        }
        None
    }

    /// A key while the query has the keyboard: editing it moves the cursor to the first match
    /// from where the search began; Enter goes on to the next.
    fn type_query(&mut self, action: &Action, page: usize) {
        let input = &mut self.search.input;
        match action {
            Action::InputChar(c) => input.push(*c),
            Action::InputBackspace => input.backspace(),
            Action::InputDeleteWord => input.delete_word(),
            Action::InputClear => input.clear(),
            Action::InputAccept => return self.jump(true, false, page),
            Action::InputLeave => {
                self.search.typing = false;
                return;
            }
            Action::InputCancel => {
                self.search = Search::default();
                return;
            }
            other => {
                self.list.apply(other, self.lines.len(), page);
                return;
            }
        }
        self.search.refresh(&self.lines);
        let origin = self.search.origin;
        self.list.cursor = origin;
        self.jump(false, false, page);
    }

    /// To the next (or previous) match from the cursor; `skip`: not the cursor's own line.
    fn jump(&mut self, skip: bool, back: bool, page: usize) {
        if let Some(to) = self.search.next_from(self.list.cursor, skip, back) {
            self.list.cursor = to;
        }
        self.list.clamp(self.lines.len(), page);
    }

    /// Esc: leaves a search, else from a detail or the text back to the operations; false when
    /// the view should close.
    pub fn back(&mut self) -> bool {
        if self.search.active() {
            self.search = Search::default();
            return true;
        }
        if self.mode == Mode::Operations || self.parsed.is_err() {
            return false;
        }
        self.show(Mode::Operations);
        true
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let hint = if self.search.active() {
            let keys = match self.search.typing {
                true => "enter: next · tab: keep · esc: leave",
                false => "n/N: next/previous · esc: leave",
            };
            let status = self.search.status(self.list.cursor);
            format!(" /{} · {status} · {keys} ", self.search.query())
        } else {
            match self.mode {
                Mode::Operations => {
                    " enter: operation · /: search · y: copy · r: raw text · esc: back "
                }
                Mode::Detail(_) => " /: search · y: copy · r: raw text · esc: operations ",
                Mode::Raw => " /: search · r: operations · esc: back ",
            }
            .to_string()
        };
        let inner = draw_block(
            frame,
            area,
            bordered_with_keys(format!(" {} · definition ", self.title), &hint, theme),
        );
        let query = self.search.query();
        draw_lines_marked(frame, inner, &self.lines, self.list, theme, |text| {
            find_all(text, query)
        });
    }
}

impl ApiView {
    /// (A definition at a URL: `panes/remote.rs`.) The view of a definition at `url`, not fetched yet.
    pub fn at_url(title: String, spec_type: &str, placeholder: &str, url: &str) -> ApiView {
        let mut view = ApiView {
            title,
            spec_type: spec_type.to_string(),
            text: String::new(),
            parsed: apidef::outline("", ""),
            full: None,
            mode: Mode::Operations,
            lines: Vec::new(),
            opens: Vec::new(),
            list: ListCursor::default(),
            kept: ListCursor::default(),
            search: Search::default(),
            remote: Some(Remote::new(Wanted::Definition {
                placeholder: placeholder.to_string(),
                url: url.to_string(),
            })),
        };
        view.rebuild();
        view
    }

    /// Still to be fetched (or fetching, or failed): what the view shows instead of the text.
    fn pending(&self) -> Option<&Remote> {
        self.remote.as_ref().filter(|r| r.pending())
    }

    /// The request to send when the view is shown: none once asked (until it failed).
    pub fn fetch_request(&mut self) -> Option<Action> {
        let action = self.remote.as_mut()?.ask()?;
        self.rebuild();
        Some(action)
    }

    /// The providers' answer: the view of the text, or why there is none.
    pub fn arrived(&mut self, result: Result<String, String>) {
        let Some(mut remote) = self.remote.take() else {
            return;
        };
        match remote.arrived(result) {
            Some(text) => {
                *self = ApiView::new(self.title.clone(), &self.spec_type, &text);
                self.remote = Some(remote);
            }
            None => {
                // The view says why there is no text.
                self.remote = Some(remote);
                self.rebuild();
            }
        }
    }
}

fn line(spans: Vec<(String, Tone)>) -> PageLine {
    PageLine {
        spans,
        target: None,
    }
}

fn blank_and_heading(lines: &mut Vec<PageLine>, title: &str) {
    if !lines.is_empty() {
        lines.push(PageLine::default());
    }
    lines.push(line(vec![(title.to_string(), Tone::Heading)]));
}

/// Operations by tag (in the order tags first appear; untagged ones under `default`, as
/// swagger-ui does), webhooks, then the definition's own sections.
fn operation_lines(def: &Definition, opens: &mut Vec<Option<usize>>) -> Vec<PageLine> {
    let mut lines = Vec::new();
    let mut tags: Vec<&str> = Vec::new();
    for op in &def.operations {
        let tag = op.tags.first().map_or("default", String::as_str);
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let width = def
        .operations
        .iter()
        .chain(&def.webhooks)
        .map(|o| o.method.len())
        .max()
        .unwrap_or(0);
    // Paths aligned so summaries start in one column, unless a path is very long.
    let path_width = def
        .operations
        .iter()
        .chain(&def.webhooks)
        .map(|o| o.path.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    let mut list = |lines: &mut Vec<PageLine>, title: &str, ops: Vec<(usize, &Operation)>| {
        blank_and_heading(lines, title);
        opens.resize(lines.len(), None);
        for (i, op) in ops {
            let mut spans = vec![
                (
                    format!("  {:<width$}  ", op.method),
                    method_tone(&op.method),
                ),
                (
                    format!("{:<path_width$}", op.path),
                    if op.deprecated {
                        Tone::Muted
                    } else {
                        Tone::Base
                    },
                ),
            ];
            if let Some(summary) = op.summary.as_deref().and_then(|s| s.lines().next()) {
                spans.push((format!("  {summary}"), Tone::Muted));
            }
            if op.deprecated {
                spans.push(("  deprecated".into(), Tone::Warning));
            }
            lines.push(line(spans));
            opens.push(Some(i));
        }
    };
    for tag in tags {
        let ops = def
            .operations
            .iter()
            .enumerate()
            .filter(|(_, o)| o.tags.first().map_or("default", String::as_str) == tag)
            .collect();
        list(&mut lines, tag, ops);
    }
    if !def.webhooks.is_empty() {
        let first = def.operations.len();
        let hooks = def
            .webhooks
            .iter()
            .enumerate()
            .map(|(i, o)| (first + i, o))
            .collect();
        list(&mut lines, "webhooks", hooks);
    }
    if def.operations.is_empty() && def.webhooks.is_empty() {
        lines.push(line(vec![(
            "no operations in this definition; r shows its text".into(),
            Tone::Muted,
        )]));
    }
    section_lines(&def.sections, &mut lines);
    lines
}

fn detail_lines(op: &Operation) -> Vec<PageLine> {
    let mut lines = vec![line(vec![
        (format!("{} ", op.method), method_tone(&op.method)),
        (op.path.clone(), Tone::Heading),
    ])];
    if let Some(summary) = &op.summary {
        lines.push(line(vec![(summary.clone(), Tone::Base)]));
    }
    // The description beyond the summary line it may have given.
    let more = op.description.iter().flat_map(|d| d.lines());
    let skip = usize::from(
        op.description
            .as_ref()
            .and_then(|d| d.lines().next())
            .map(str::trim)
            == op.summary.as_deref(),
    );
    for text in more.skip(skip) {
        lines.push(line(vec![(text.to_string(), Tone::Muted)]));
    }
    let mut facts = Vec::new();
    if let Some(id) = &op.operation_id {
        facts.push(format!("operationId {id}"));
    }
    if !op.tags.is_empty() {
        facts.push(format!("tags {}", op.tags.join(", ")));
    }
    if !facts.is_empty() {
        lines.push(line(vec![(facts.join(" · "), Tone::Muted)]));
    }
    if op.deprecated {
        lines.push(line(vec![("deprecated".into(), Tone::Warning)]));
    }
    section_lines(&op.detail, &mut lines);
    lines
}

fn section_lines(sections: &[Section], lines: &mut Vec<PageLine>) {
    for section in sections {
        blank_and_heading(lines, &section.title);
        for node in &section.nodes {
            node_lines(node, 1, lines);
        }
    }
}

/// A tree line: `name*  type  = a | b  e.g. x  ↻  — description`, children indented under it.
fn node_lines(node: &Node, depth: usize, lines: &mut Vec<PageLine>) {
    let mut spans = vec![(
        format!("{}{}", indent(depth), node.name),
        if node.deprecated {
            Tone::Muted
        } else {
            Tone::Key
        },
    )];
    if node.required {
        spans.push(("*".into(), Tone::Error));
    }
    if !node.ty.is_empty() {
        spans.push((format!("  {}", node.ty), Tone::Link));
    }
    if !node.values.is_empty() {
        spans.push((format!("  = {}", node.values.join(" | ")), Tone::Accent));
    }
    if let Some(example) = &node.example {
        spans.push((format!("  e.g. {example}"), Tone::Muted));
    }
    if node.cycle {
        spans.push(("  ↻ (cycle)".into(), Tone::Warning));
    }
    if node.deprecated {
        spans.push(("  deprecated".into(), Tone::Warning));
    }
    if let Some(description) = node.description.as_deref().and_then(|d| d.lines().next()) {
        spans.push((format!("  — {description}"), Tone::Muted));
    }
    lines.push(line(spans));
    for child in &node.children {
        node_lines(child, depth + 1, lines);
    }
}

/// The text with line numbers; with a parse error, its message first and its line marked.
fn raw_lines(text: &str, error: Option<&ParseError>) -> Vec<PageLine> {
    let mut lines = Vec::new();
    if let Some(err) = error {
        lines.push(line(vec![(format!("does not parse: {err}"), Tone::Error)]));
    }
    let width = text.lines().count().to_string().len();
    for (i, text) in text.lines().enumerate() {
        let bad = error.is_some_and(|e| e.line == i + 1);
        lines.push(line(vec![
            (
                format!("{:>width$} │ ", i + 1),
                if bad { Tone::Error } else { Tone::Muted },
            ),
            (text.to_string(), if bad { Tone::Error } else { Tone::Base }),
        ]));
    }
    lines
}
