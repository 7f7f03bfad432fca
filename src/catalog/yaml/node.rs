//! The tree a document becomes: [`Node`]s that know their [`Pos`], and the [`YamlError`] of a
//! document that could not be read.

use std::borrow::Cow;
use std::fmt;

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
