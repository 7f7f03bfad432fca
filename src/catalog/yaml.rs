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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
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
}

/// One document of a file: its tree (None for an empty document), or why it could not be read.
pub type Document = Result<Option<Node>, YamlError>;

/// Parses every document of a file. A syntax error loses only the document it is in.
pub fn parse_documents(text: &str) -> Vec<Document> {
    split_documents(text)
        .into_iter()
        .map(|(chunk, first_line)| parse_one(chunk, first_line))
        .filter(|doc| !matches!(doc, Ok(None)))
        .collect()
}

/// Splits a stream at its `---` markers so that each document is parsed alone. A marker is `---`
/// at the start of a line followed by a space, a tab or the end of the line, as YAML defines it.
/// Returns each chunk with the 0-based line it starts on.
fn split_documents(text: &str) -> Vec<(&str, u32)> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    let mut line = 0u32;
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        if is_document_marker(raw) && offset > start {
            chunks.push((&text[start..offset], start_line));
            start = offset;
            start_line = line;
        }
        offset += raw.len();
        line += 1;
    }
    chunks.push((&text[start..], start_line));
    chunks
}

fn is_document_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
}

fn parse_one(chunk: &str, first_line: u32) -> Document {
    let mut builder = TreeBuilder::new(first_line);
    for event in Parser::new_from_str(chunk) {
        match event {
            Ok((event, span)) => builder.on_event(event, span)?,
            Err(err) => return Err(scan_error(&err, first_line)),
        }
    }
    if builder.documents > 1 {
        // The splitter only misses markers inside flow or quoted text; refuse rather than guess.
        return Err(YamlError {
            pos: Pos { line: first_line + 1, col: 1 },
            message: "several documents could not be told apart; put each `---` at the start of a line".into(),
        });
    }
    // An empty document (e.g. a trailing `---`) is null, which Backstage skips.
    Ok(builder.root.filter(|root| root.value != NodeValue::Null))
}

fn scan_error(err: &ScanError, first_line: u32) -> YamlError {
    let mark = err.marker();
    YamlError {
        pos: Pos { line: first_line + mark.line() as u32, col: mark.col() as u32 + 1 },
        message: format!("YAML syntax error: {}", err.info()),
    }
}

/// Builds a tree from events with an explicit stack, so deep input cannot overflow the call stack.
struct TreeBuilder {
    first_line: u32,
    stack: Vec<(Node, Option<Node>, usize)>, // container, pending map key, anchor id
    anchors: Vec<(usize, Node, usize)>,      // anchor id, node, node count
    root: Option<Node>,
    documents: usize,
    nodes: usize,
}

impl TreeBuilder {
    fn new(first_line: u32) -> Self {
        TreeBuilder { first_line, stack: Vec::new(), anchors: Vec::new(), root: None, documents: 0, nodes: 0 }
    }

    fn pos(&self, span: &Span) -> Pos {
        Pos { line: self.first_line + span.start.line() as u32, col: span.start.col() as u32 + 1 }
    }

    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = self.pos(&span);
        match event {
            Event::DocumentStart(_) => self.documents += 1,
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(&text, style, tag.as_ref().map(|t| t.suffix.as_str()));
                self.push_node(Node { pos, value }, anchor)?;
            }
            Event::SequenceStart(anchor, _) => self.open(Node { pos, value: NodeValue::Seq(Vec::new()) }, anchor)?,
            Event::MappingStart(anchor, _) => self.open(Node { pos, value: NodeValue::Map(Vec::new()) }, anchor)?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, _, anchor) = self.stack.pop().expect("parser balances containers");
                self.push_node(node, anchor)?;
            }
            Event::Alias(id) => {
                let (node, count) = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _, _)| *a == id)
                    .map(|(_, n, c)| (n.clone(), *c))
                    .ok_or_else(|| YamlError { pos, message: "alias to an unknown anchor".into() })?;
                self.count(count, pos)?;
                self.attach(Node { pos, ..node })?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(YamlError {
                pos,
                message: format!("document expands to more than {MAX_NODES} nodes (alias bomb?)"),
            });
        }
        Ok(())
    }

    fn open(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError { pos: node.pos, message: format!("nesting deeper than {MAX_DEPTH} levels") });
        }
        self.stack.push((node, None, anchor));
        Ok(())
    }

    fn push_node(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        self.count(1, node.pos)?;
        if anchor != 0 {
            let size = node_count(&node);
            self.anchors.push((anchor, node.clone(), size));
        }
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Result<(), YamlError> {
        let Some((parent, pending_key, _)) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut parent.value {
            NodeValue::Seq(items) => items.push(node),
            NodeValue::Map(entries) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    let text = key.key_text();
                    if text.is_some() && entries.iter().any(|(k, _)| k.key_text() == text) {
                        return Err(YamlError {
                            pos: key.pos,
                            message: format!("duplicate key \"{}\"", text.unwrap_or_default()),
                        });
                    }
                    entries.push((key, node));
                }
            },
            _ => unreachable!("only containers are on the stack"),
        }
        Ok(())
    }
}

fn node_count(node: &Node) -> usize {
    match &node.value {
        NodeValue::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        NodeValue::Map(entries) => 1 + entries.iter().map(|(k, v)| node_count(k) + node_count(v)).sum::<usize>(),
        _ => 1,
    }
}

/// Types a scalar with the YAML 1.2 core schema; quoted and block scalars are always strings.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> NodeValue {
    match tag {
        Some("str") => return NodeValue::String(text.to_owned()),
        Some("null") => return NodeValue::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain && tag.is_none() {
        return NodeValue::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return NodeValue::Float(f64::INFINITY),
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
        assert_eq!(docs[2].as_ref().unwrap().as_ref().unwrap().get("c").unwrap().pos.line, 5);
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
            bomb.push_str(&format!("{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n", (b'a' + i) as char, (b'a' + i) as char, p = (b'a' + i - 1) as char));
        }
        let err = parse_documents(&bomb).remove(0).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = parse_documents(&deep).remove(0).unwrap_err();
        // saphyr's own recursion limit or ours, whichever comes first
        assert!(err.message.contains("nesting") || err.message.contains("recursion"), "{err:?}");
    }

    #[test]
    fn markers_inside_block_scalars_need_indentation() {
        let docs = parse_documents("a: |\n  ---\n  text\nb: 1\n");
        assert_eq!(docs.len(), 1);
    }
}
