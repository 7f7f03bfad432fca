//! YAML documents as trees that remember where every node stands.
//!
//! serde_yaml only reports positions on errors, and every catalog problem must be reported at
//! `FILE:LINE:COL`, so documents are built here from saphyr's event stream. Scalars are typed with
//! the YAML 1.2 core schema, as the `yaml` package that Backstage uses does (`yes` is a string,
//! `1.0` a number). Each document of a file is parsed on its own, so a syntax error costs only its
//! own document. Aliases are expanded with a node budget and nesting has a depth limit, so hostile
//! files (billion laughs, 10,000-deep nesting) are errors rather than hangs or stack overflows.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::borrow::Cow;
use std::fmt;

/// Nodes a single document may expand to (aliases included) before it is refused.
pub const MAX_NODES: usize = 1_000_000;
/// Nesting deeper than this is refused: no real descriptor comes near it.
pub const MAX_DEPTH: usize = 256;

/// A 1-based line and column in a file.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: NodeValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    /// Keys keep their source order; duplicate keys are a parse error, as in Backstage.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` in a mapping, with the key's own node (for its position).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.key_text().as_deref() == Some(key))
            .map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// A mapping key as JavaScript would see it: scalars become their text.
    pub fn key_text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            NodeValue::String(s) => Some(Cow::Borrowed(s)),
            NodeValue::Null => Some(Cow::Borrowed("")),
            NodeValue::Bool(b) => Some(Cow::Owned(b.to_string())),
            NodeValue::Int(i) => Some(Cow::Owned(i.to_string())),
            NodeValue::Float(x) => Some(Cow::Owned(x.to_string())),
            NodeValue::Seq(_) | NodeValue::Map(_) => None,
        }
    }

    /// The JSON type name Backstage's messages use ("string", "number", "object", ...).
    pub fn type_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "boolean",
            NodeValue::Int(_) | NodeValue::Float(_) => "number",
            NodeValue::String(_) => "string",
            NodeValue::Seq(_) => "array",
            NodeValue::Map(_) => "object",
        }
    }
}

/// A document that could not be read, with where the problem is.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
    /// An alias to an anchor that does not exist. The `yaml` package Backstage uses does not list
    /// this among a document's errors: it throws while converting the document, which aborts the
    /// reading of the whole file, so Backstage never reads the documents after it.
    pub aborts_file: bool,
}

/// One document of a file: its tree (None for an empty document), or why it could not be read.
pub type Document = Result<Option<Node>, YamlError>;

/// Parses every document of a file. A syntax error loses only the document it is in. Empty
/// documents are left out (Backstage skips them); [`parse_stream`] keeps them.
pub fn parse_documents(text: &str) -> Vec<Document> {
    parse_stream(text)
        .into_iter()
        .map(|d| d.doc)
        .filter(|doc| !matches!(doc, Ok(None)))
        .collect()
}

/// One document of a stream, numbered as the `yaml` package's `parseAllDocuments` numbers them,
/// with the (1-based, inclusive) lines it spans.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamDocument {
    pub first_line: u32,
    pub last_line: u32,
    /// `Ok(None)` for an empty document (`---` with nothing, or an explicit null).
    pub doc: Document,
}

/// Parses every document of a file, empty ones included, so that `result[i]` is the document the
/// `yaml` package calls `i`: a document that starts with `---` always counts, even empty; text
/// before the first `---` (and after a `...` end marker) counts only if it holds more than
/// comments, blank lines and directives, or is ended by `...`. So a comment-only file has no document, a leading `---`
/// adds none, and `---` twice in a row adds an empty one.
pub fn parse_stream(text: &str) -> Vec<StreamDocument> {
    split_documents(text)
        .into_iter()
        .filter(|chunk| chunk.marked || chunk.closed || has_content(chunk.text))
        .map(|chunk| StreamDocument {
            first_line: chunk.first_line + 1,
            last_line: chunk.first_line + chunk.text.lines().count().max(1) as u32,
            doc: parse_one(chunk.text, chunk.first_line),
        })
        .collect()
}

struct Chunk<'a> {
    text: &'a str,
    /// 0-based line the chunk starts on.
    first_line: u32,
    /// Whether the chunk starts with a `---` marker.
    marked: bool,
    /// Whether it ends with a `...` marker, which always ends a document, an empty one if none
    /// was open.
    closed: bool,
}

/// Splits a stream at its `---` markers (before them) and `...` end markers (after them), so that
/// each document is parsed alone. A marker is `---`/`...` at the start of a line followed by a
/// space, a tab or the end of the line, as YAML defines it.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    let mut marked = false;
    let mut line = 0u32;
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        if is_marker(raw, "---") {
            if offset > start {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    first_line: start_line,
                    marked,
                    closed: false,
                });
            }
            start = offset;
            start_line = line;
            marked = true;
        }
        offset += raw.len();
        line += 1;
        if is_marker(raw, "...") {
            chunks.push(Chunk {
                text: &text[start..offset],
                first_line: start_line,
                marked,
                closed: true,
            });
            start = offset;
            start_line = line;
            marked = false;
        }
    }
    if offset > start || chunks.is_empty() {
        chunks.push(Chunk {
            text: &text[start..],
            first_line: start_line,
            marked,
            closed: false,
        });
    }
    chunks
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
}

/// Whether a chunk without a leading `---` holds a document: anything but blank lines, comments,
/// directives and a `...` end marker.
fn has_content(chunk: &str) -> bool {
    chunk.lines().any(|line| {
        let trimmed = line.trim_start_matches([' ', '\t', '\u{feff}']);
        !(trimmed.is_empty()
            || trimmed.starts_with('#')
            || line.starts_with('%')
            || is_marker(line, "..."))
    })
}

fn parse_one(chunk: &str, first_line: u32) -> Document {
    let mut chunk = Cow::Borrowed(chunk);
    // YAML 1.2 allows a tab after a mapping's `:` (the `yaml` package takes it), saphyr does not:
    // such a tab becomes a space (same length, so positions hold) and the chunk is parsed again.
    for _ in 0..64 {
        match parse_chunk(&chunk, first_line) {
            Err(Retry::TabAfterColon(offset)) => {
                chunk.to_mut().replace_range(offset..offset + 1, " ")
            }
            Err(Retry::Error(err)) => return Err(err),
            Ok(doc) => return Ok(doc),
        }
    }
    Err(YamlError {
        pos: Pos {
            line: first_line + 1,
            col: 1,
        },
        message: "YAML syntax error: too many tabs after colons".into(),
        aborts_file: false,
    })
}

enum Retry {
    /// The byte offset of a tab that follows a `:`.
    TabAfterColon(usize),
    Error(YamlError),
}

fn parse_chunk(chunk: &str, first_line: u32) -> Result<Option<Node>, Retry> {
    let mut builder = TreeBuilder::new(first_line);
    for event in Parser::new_from_str(chunk) {
        match event {
            Ok((event, span)) => builder.on_event(event, span).map_err(Retry::Error)?,
            Err(err) => {
                if err
                    .info()
                    .contains("':' must be followed by a valid YAML whitespace")
                {
                    // The marker is a character index, after the tabs.
                    let offset = chunk
                        .char_indices()
                        .nth(err.marker().index())
                        .map_or(chunk.len(), |(i, _)| i);
                    let before = chunk[..offset].trim_end_matches('\t');
                    if before.len() < offset && before.ends_with(':') {
                        return Err(Retry::TabAfterColon(before.len()));
                    }
                }
                let mut err = within_chunk(scan_error(&err, first_line), chunk, first_line);
                if !err.aborts_file {
                    explain(&mut err, &builder, chunk, first_line);
                }
                return Err(Retry::Error(err));
            }
        }
    }
    if builder.documents > 1 {
        // The splitter only misses markers inside flow or quoted text; refuse rather than guess.
        return Err(Retry::Error(YamlError {
            pos: Pos {
                line: first_line + 1,
                col: 1,
            },
            message:
                "several documents could not be told apart; put each `---` at the start of a line"
                    .into(),
            aborts_file: false,
        }));
    }
    // An empty document (e.g. a trailing `---`) is null, which Backstage skips.
    Ok(builder.root.filter(|root| root.value != NodeValue::Null))
}

/// Adds what usually causes a syntax error to its message: an unclosed or unquoted `[`/`{`
/// (`owner: {{ values.owner }}`), or a `: ` or trailing `:` in an unquoted value.
fn explain(err: &mut YamlError, builder: &TreeBuilder, chunk: &str, first_line: u32) {
    let source_char = |pos: Pos| {
        let line = chunk
            .lines()
            .nth((pos.line - first_line).checked_sub(1)? as usize)?;
        line.chars().nth(pos.col.checked_sub(1)? as usize)
    };
    let flow = builder.stack.iter().find_map(|frame| {
        let c = source_char(frame.node.pos).filter(|c| matches!(c, '[' | '{'))?;
        Some((c, frame.node.pos))
    });
    if let Some((c, pos)) = flow {
        err.message.push_str(&format!(
            " (inside the `{c}` opened at line {}, column {}: close it, or quote the value if it is text that starts with `{c}`)",
            pos.line, pos.col
        ));
    } else if err.message.contains("mapping values are not allowed") {
        err.message
            .push_str(" (a value that contains \": \" or ends with \":\" must be quoted)");
    }
}

/// An error found only at the end of a chunk (an unclosed `[` or `{`) would point at the next
/// document's `---`; it is moved to the end of the chunk's last line of content, where the
/// document stops.
fn within_chunk(mut err: YamlError, chunk: &str, first_line: u32) -> YamlError {
    let last = chunk
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let t = line.trim_start();
            !t.is_empty()
                && !t.starts_with('#')
                && !is_marker(line, "---")
                && !is_marker(line, "...")
        })
        .last();
    if let Some((i, line)) = last {
        let last_line = first_line + i as u32 + 1;
        if err.pos.line > last_line {
            err.pos = Pos {
                line: last_line,
                col: line.trim_end().chars().count() as u32 + 1,
            };
            err.message.push_str(" before the end of the document");
        }
    }
    err
}

fn scan_error(err: &ScanError, first_line: u32) -> YamlError {
    let mark = err.marker();
    let pos = Pos {
        line: first_line + mark.line() as u32,
        col: mark.col() as u32 + 1,
    };
    if err.info().contains("unknown anchor") {
        return unresolved_alias(pos);
    }
    YamlError {
        pos,
        message: format!("YAML syntax error: {}", err.info()),
        aborts_file: false,
    }
}

fn unresolved_alias(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: "YAML error: this alias (*name) refers to no anchor (&name) defined before it in this document".into(),
        aborts_file: true,
    }
}

/// Builds a tree from events with an explicit stack, so deep input cannot overflow the call stack.
struct TreeBuilder {
    first_line: u32,
    stack: Vec<Frame>,
    anchors: Vec<Anchor>,
    /// The parser's anchor id → its latest definition in `anchors` (a scan per alias made 50,000
    /// aliases take 20 seconds).
    anchor_ids: rustc_hash::FxHashMap<usize, usize>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
}

/// An open container.
struct Frame {
    node: Node,
    pending_key: Option<Node>,
    anchor: usize,
    leaves: Leaves,
    /// A mapping's keys, hashed once it has [`INDEXED_FROM`] of them.
    keys: Option<KeyIndex>,
}

/// Mappings with this many keys look their keys up in a [`KeyIndex`] rather than scanning them:
/// a scan per key made a 50,000-key mapping (a 700 KB file) take 30 seconds.
const INDEXED_FROM: usize = 32;

/// The keys of a big mapping: by JavaScript value (for duplicates) and by property name (for keys
/// of different types with the same text), as the scans in [`TreeBuilder::attach`] compare them.
#[derive(Default)]
struct KeyIndex {
    values: rustc_hash::FxHashSet<ScalarKey>,
    /// Each property name holds at most one entry: a second key with the same text is either a
    /// duplicate (an error) or replaces the first one's value.
    texts: rustc_hash::FxHashMap<String, usize>,
}

/// A scalar key as JavaScript's `===` sees it; numbers by their f64 bits (0 and -0 alike).
#[derive(PartialEq, Eq, Hash)]
enum ScalarKey {
    Null,
    Bool(bool),
    String(String),
    Number(u64),
}

impl ScalarKey {
    fn of(node: &Node) -> Option<ScalarKey> {
        let number = |x: f64| (!x.is_nan()).then(|| ScalarKey::Number((x + 0.0).to_bits()));
        match &node.value {
            NodeValue::Null => Some(ScalarKey::Null),
            NodeValue::Bool(b) => Some(ScalarKey::Bool(*b)),
            NodeValue::String(s) => Some(ScalarKey::String(s.clone())),
            NodeValue::Int(i) => number(*i as f64),
            NodeValue::Float(x) => number(*x),
            NodeValue::Seq(_) | NodeValue::Map(_) => None,
        }
    }
}

impl KeyIndex {
    fn add(&mut self, key: &Node, entry: usize) {
        self.values.extend(ScalarKey::of(key));
        if let Some(text) = key.key_text() {
            self.texts.insert(text.into_owned(), entry);
        }
    }
}

/// What an anchored node holds, for the `yaml` package's alias guard: whether it has a scalar
/// anywhere, and the anchors (indices into `TreeBuilder::anchors`) of the aliases in it.
#[derive(Default)]
struct Leaves {
    scalar: bool,
    aliases: Vec<usize>,
}

impl Leaves {
    fn merge(&mut self, other: Leaves) {
        self.scalar |= other.scalar;
        self.aliases.extend(other.aliases);
    }
}

struct Anchor {
    node: Node,
    /// Nodes in `node`, for the expansion budget.
    size: usize,
    leaves: Leaves,
    /// How many aliases used it so far, and its weight (see [`TreeBuilder::alias`]).
    count: usize,
    alias_count: usize,
}

/// The `yaml` package's `maxAliasCount` default.
const MAX_ALIAS_COUNT: usize = 100;

impl TreeBuilder {
    fn new(first_line: u32) -> Self {
        TreeBuilder {
            first_line,
            stack: Vec::new(),
            anchors: Vec::new(),
            anchor_ids: Default::default(),
            root: None,
            documents: 0,
            nodes: 0,
        }
    }

    fn pos(&self, span: &Span) -> Pos {
        Pos {
            line: self.first_line + span.start.line() as u32,
            col: span.start.col() as u32 + 1,
        }
    }

    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = self.pos(&span);
        match event {
            Event::DocumentStart(_) => self.documents += 1,
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(&text, style, tag.as_ref().map(|t| t.suffix.as_str()));
                self.push_node(
                    Node { pos, value },
                    anchor,
                    Leaves {
                        scalar: true,
                        aliases: Vec::new(),
                    },
                )?;
            }
            Event::SequenceStart(anchor, _) => self.open(
                Node {
                    pos,
                    value: NodeValue::Seq(Vec::new()),
                },
                anchor,
            )?,
            Event::MappingStart(anchor, _) => self.open(
                Node {
                    pos,
                    value: NodeValue::Map(Vec::new()),
                },
                anchor,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop().expect("parser balances containers");
                self.push_node(frame.node, frame.anchor, frame.leaves)?;
            }
            Event::Alias(id) => self.alias(id, pos)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// An alias: a copy of its anchor's node. The `yaml` package (`nodes/Alias.js`) refuses, by
    /// throwing while it converts the document, an alias whose anchor has been used `count`
    /// times when `count × aliasCount > 100`, where `aliasCount` (fixed at the anchor's first
    /// use) is 1 for a scalar and, for a collection, the largest of its leaves' (scalars 1,
    /// aliases their anchor's `count × aliasCount`, empty collections nothing).
    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), YamlError> {
        let index = *self
            .anchor_ids
            .get(&id)
            .ok_or_else(|| unresolved_alias(pos))?;
        let anchor = &self.anchors[index];
        let alias_count = if anchor.alias_count != 0 {
            anchor.alias_count
        } else {
            let scalar = usize::from(anchor.leaves.scalar);
            let inner = anchor
                .leaves
                .aliases
                .iter()
                .map(|&a| self.anchors[a].count * self.anchors[a].alias_count);
            inner.fold(scalar, usize::max)
        };
        let anchor = &mut self.anchors[index];
        anchor.count += 1;
        anchor.alias_count = alias_count;
        if anchor.count * anchor.alias_count > MAX_ALIAS_COUNT {
            return Err(YamlError {
                pos,
                message: format!(
                    "YAML error: too many aliases ({} uses of this anchor, weighing more than {MAX_ALIAS_COUNT}), which Backstage's YAML parser refuses as a resource exhaustion attack",
                    anchor.count
                ),
                aborts_file: true,
            });
        }
        let (node, size) = (anchor.node.clone(), anchor.size);
        self.count(size, pos)?;
        if let Some(frame) = self.stack.last_mut() {
            frame.leaves.aliases.push(index);
        }
        self.attach(Node { pos, ..node })
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(YamlError {
                pos,
                message: format!("document expands to more than {MAX_NODES} nodes (alias bomb?)"),
                aborts_file: false,
            });
        }
        Ok(())
    }

    fn open(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                pos: node.pos,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
                aborts_file: false,
            });
        }
        self.stack.push(Frame {
            node,
            pending_key: None,
            anchor,
            leaves: Leaves::default(),
            keys: None,
        });
        Ok(())
    }

    fn push_node(&mut self, node: Node, anchor: usize, leaves: Leaves) -> Result<(), YamlError> {
        self.count(1, node.pos)?;
        if anchor != 0 {
            let size = node_count(&node);
            let kept = Leaves {
                scalar: leaves.scalar,
                aliases: leaves.aliases.clone(),
            };
            self.anchor_ids.insert(anchor, self.anchors.len());
            self.anchors.push(Anchor {
                node: node.clone(),
                size,
                leaves: kept,
                count: 0,
                alias_count: 0,
            });
        }
        if let Some(frame) = self.stack.last_mut() {
            frame.leaves.merge(leaves);
        }
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Result<(), YamlError> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut frame.node.value {
            NodeValue::Seq(items) => items.push(node),
            NodeValue::Map(entries) => match frame.pending_key.take() {
                None => frame.pending_key = Some(node),
                Some(key) => {
                    if frame.keys.is_none() && entries.len() >= INDEXED_FROM {
                        let mut index = KeyIndex::default();
                        for (i, (k, _)) in entries.iter().enumerate() {
                            index.add(k, i);
                        }
                        frame.keys = Some(index);
                    }
                    // The `yaml` package's uniqueKeys: scalar keys with the same value (`1` and
                    // `1.0`, `true` and `True`) are an error…
                    let duplicate = match &frame.keys {
                        Some(index) => {
                            ScalarKey::of(&key).is_some_and(|k| index.values.contains(&k))
                        }
                        None => entries.iter().any(|(k, _)| same_scalar(k, &key)),
                    };
                    if duplicate {
                        return Err(YamlError {
                            pos: key.pos,
                            message: format!(
                                "YAML error: duplicate key \"{}\" (keys of a mapping must be unique)",
                                key.key_text().unwrap_or_default()
                            ),
                            aborts_file: false,
                        });
                    }
                    // …while different values with the same text (`1` and `'1'`) become one
                    // JavaScript property, the later value winning.
                    let text = key.key_text();
                    let string_key = matches!(key.value, NodeValue::String(_));
                    let collides =
                        |k: &Node| !(string_key && matches!(k.value, NodeValue::String(_)));
                    let collision = match (&frame.keys, &text) {
                        (_, None) => None,
                        (Some(index), Some(text)) => index
                            .texts
                            .get(text.as_ref())
                            .copied()
                            .filter(|&i| collides(&entries[i].0)),
                        (None, Some(_)) => entries
                            .iter()
                            .position(|(k, _)| collides(k) && k.key_text() == text),
                    };
                    drop(text);
                    match collision {
                        Some(i) => entries[i].1 = node,
                        None => {
                            if let Some(index) = &mut frame.keys {
                                index.add(&key, entries.len());
                            }
                            entries.push((key, node))
                        }
                    }
                }
            },
            _ => unreachable!("only containers are on the stack"),
        }
        Ok(())
    }
}

/// JavaScript's `===` on two scalars' values (numbers compare across int and float; NaN never).
fn same_scalar(a: &Node, b: &Node) -> bool {
    let number = |v: &NodeValue| match v {
        NodeValue::Int(i) => Some(*i as f64),
        NodeValue::Float(x) => Some(*x),
        _ => None,
    };
    match (&a.value, &b.value) {
        (NodeValue::Null, NodeValue::Null) => true,
        (NodeValue::Bool(x), NodeValue::Bool(y)) => x == y,
        (NodeValue::String(x), NodeValue::String(y)) => x == y,
        (x, y) => matches!((number(x), number(y)), (Some(p), Some(q)) if p == q),
    }
}

fn node_count(node: &Node) -> usize {
    match &node.value {
        NodeValue::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        NodeValue::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| node_count(k) + node_count(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// Types a scalar with the YAML 1.2 core schema; quoted and block scalars are always strings.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> NodeValue {
    match tag {
        Some("str") => return NodeValue::String(text.to_owned()),
        Some("null") => return NodeValue::Null,
        // The `yaml` package knows these YAML 1.1 tags even with the core schema; they give a
        // byte array and a Date, which are objects (not strings) to Backstage's checks. They
        // stand here as an empty mapping.
        Some("binary") | Some("timestamp") => return NodeValue::Map(Vec::new()),
        _ => {}
    }
    if style != ScalarStyle::Plain && tag.is_none() {
        return NodeValue::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(int) = parse_core_int(text) {
        return NodeValue::Int(int);
    }
    if is_core_float(text) {
        if let Ok(x) = text.parse::<f64>() {
            return NodeValue::Float(x);
        }
    }
    NodeValue::String(text.to_owned())
}

fn parse_core_int(text: &str) -> Option<i64> {
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_core_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, frac) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => digits(whole) && digits(f) && !(whole.is_empty() && f.is_empty()),
        None => !whole.is_empty() && digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_documents(text);
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.remove(0).unwrap().unwrap()
    }

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let doc = one("kind: Component\nmetadata:\n  name: a\n");
        let (key, value) = doc.get("metadata").unwrap().entry("name").unwrap();
        assert_eq!(key.pos, Pos { line: 3, col: 3 });
        assert_eq!(value.pos, Pos { line: 3, col: 9 });
    }

    #[test]
    fn core_schema_types_scalars_like_backstage() {
        let doc = one("a: yes\nb: 1.0\nc: '1'\nd: ~\ne: 0x1f\nf: on\ng: 1e3\nh: TRUE\ni: .5\n");
        let v = |k| doc.get(k).unwrap().value.clone();
        assert_eq!(v("a"), NodeValue::String("yes".into()));
        assert_eq!(v("b"), NodeValue::Float(1.0));
        assert_eq!(v("c"), NodeValue::String("1".into()));
        assert_eq!(v("d"), NodeValue::Null);
        assert_eq!(v("e"), NodeValue::Int(31));
        assert_eq!(v("f"), NodeValue::String("on".into()));
        assert_eq!(v("g"), NodeValue::Float(1000.0));
        assert_eq!(v("h"), NodeValue::Bool(true));
        assert_eq!(v("i"), NodeValue::Float(0.5));
    }

    #[test]
    fn a_syntax_error_costs_only_its_document() {
        let docs = parse_documents("a: 1\n---\nb: [unclosed\n---\nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].is_ok());
        let err = docs[1].as_ref().unwrap_err();
        assert!(err.pos.line >= 3, "{err:?}");
        assert_eq!(
            docs[2]
                .as_ref()
                .unwrap()
                .as_ref()
                .unwrap()
                .get("c")
                .unwrap()
                .pos
                .line,
            5
        );
    }

    #[test]
    fn empty_documents_are_skipped() {
        let docs = parse_documents("---\n# only a comment\n---\na: 1\n---\n");
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let docs = parse_documents("a: 1\nb: 2\na: 3\n");
        assert_eq!(docs[0].as_ref().unwrap_err().pos, Pos { line: 3, col: 1 });
    }

    #[test]
    fn aliases_expand_and_bombs_are_refused() {
        let doc = one("x: &a [1, 2]\ny: *a\n");
        assert_eq!(doc.get("y").unwrap().as_seq().unwrap().len(), 2);
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            bomb.push_str(&format!(
                "{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n",
                (b'a' + i) as char,
                (b'a' + i) as char,
                p = (b'a' + i - 1) as char
            ));
        }
        let err = parse_documents(&bomb).remove(0).unwrap_err();
        // The `yaml` package's alias guard comes first; the node budget backs it up.
        assert!(
            err.message.contains("alias bomb") || err.message.contains("too many aliases"),
            "{err:?}"
        );
    }

    #[test]
    fn a_tab_after_a_colon_separates_as_in_yaml_1_2() {
        let doc = one("a:\tb\nc:\t\t'd:\te'\né: {x:\ty}\n");
        assert_eq!(doc.get("a").unwrap().as_str(), Some("b"));
        assert_eq!(
            doc.get("c").unwrap().as_str(),
            Some("d:\te"),
            "quoted text keeps its tab"
        );
        assert_eq!(doc.get("é").unwrap().get("x").unwrap().as_str(), Some("y"));
    }

    #[test]
    fn duplicate_keys_compare_as_javascript_values() {
        assert!(parse_documents("1: a\n1.0: b\n").remove(0).is_err());
        assert!(parse_documents("true: a\nTrue: b\n").remove(0).is_err());
        let doc = one("1: a\n'1': b\nc: d\n");
        let entries = doc.as_map().unwrap();
        assert_eq!(entries.len(), 2, "one JavaScript property");
        assert_eq!(entries[0].1.as_str(), Some("b"), "the later value wins");
    }

    #[test]
    fn the_yaml_packages_alias_guard_is_mirrored() {
        let uses = |n: usize| format!("a: &a x\nb: [{}]\n", vec!["*a"; n].join(", "));
        assert!(parse_documents(&uses(100)).remove(0).is_ok());
        let err = parse_documents(&uses(101)).remove(0).unwrap_err();
        assert!(
            err.aborts_file && err.message.contains("too many aliases"),
            "{err:?}"
        );
        // A collection of aliases weighs its aliases' uses: 10 uses of a collection holding 11
        // aliases of a scalar used 11 times is 10 × 11 > 100.
        let nested = format!(
            "a: &a x\nb: &b [{}]\nc: [{}]\n",
            ["*a"; 11].join(", "),
            ["*b"; 10].join(", ")
        );
        assert!(parse_documents(&nested).remove(0).unwrap_err().aborts_file);
        let nested = format!(
            "a: &a x\nb: &b [{}]\nc: [{}]\n",
            ["*a"; 10].join(", "),
            ["*b"; 10].join(", ")
        );
        assert!(parse_documents(&nested).remove(0).is_ok());
    }

    #[test]
    fn stream_numbering_follows_the_yaml_package() {
        let count = |text: &str| parse_stream(text).len();
        assert_eq!(count(""), 0);
        assert_eq!(count("# only\n"), 0);
        assert_eq!(count("---\n"), 1);
        assert_eq!(count("a: 1\n---\n"), 2);
        assert_eq!(count("# c\n---\na: 1\n"), 1);
        assert_eq!(count("a: 1\n---\n---\nb: 2\n"), 3);
        assert_eq!(count("a: 1\n...\n"), 1);
        assert_eq!(count("a: 1\n...\nb: 1\n"), 2);
        assert_eq!(count("a: 1\n...\n---\nb: 1\n"), 2);
        assert_eq!(count("%YAML 1.2\n---\na: 1\n"), 1);
        assert_eq!(count("...\n"), 1);
        assert_eq!(count("...\n...\n"), 2);
        assert_eq!(count("a: 1\n...\n# c\n...\n"), 2);
        assert_eq!(count("...\na: 1\n"), 2);
        let docs = parse_stream("a: 1\n---\n---\nb: 2\n");
        assert_eq!((docs[1].first_line, docs[1].last_line), (2, 2));
        assert_eq!(docs[1].doc, Ok(None));
        assert_eq!((docs[2].first_line, docs[2].last_line), (3, 4));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = parse_documents(&deep).remove(0).unwrap_err();
        // saphyr's own recursion limit or ours, whichever comes first
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{err:?}"
        );
    }

    #[test]
    fn markers_inside_block_scalars_need_indentation() {
        let docs = parse_documents("a: |\n  ---\n  text\nb: 1\n");
        assert_eq!(docs.len(), 1);
    }
}
