//! A YAML tree as JavaScript sees its JSON value: property order, falsiness, how a value prints
//! in a message, and field paths (`spec.steps[0].if`) written as JavaScript would.

use crate::catalog::yaml::{Node, NodeValue};
use std::borrow::Cow;
use std::fmt;

/// A field's path for messages (`spec.steps[0].if`), kept on the stack until a message needs it.
#[derive(Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    pub const ROOT: FieldPath<'static> = FieldPath {
        parent: None,
        segment: Segment::Root,
    };

    pub fn key(&'a self, key: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        let first = matches!(
            self.parent,
            Some(FieldPath {
                segment: Segment::Root,
                ..
            })
        );
        match self.segment {
            Segment::Root => Ok(()),
            Segment::Index(i) => write!(f, "[{i}]"),
            Segment::Key(k) if is_plain_key(k) => {
                if !first {
                    f.write_str(".")?;
                }
                f.write_str(k)
            }
            Segment::Key(k) => write!(f, "[{k:?}]"),
        }
    }
}

/// A key that reads unambiguously in a dotted path.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'$' | b':'))
}

/// A mapping's entries in JavaScript property order (`Object.entries`, `for…in`): keys that are
/// array indices first, ascending, then the others in source order. Allocates only when a key is
/// an array index.
pub(super) fn js_order(entries: &[(Node, Node)]) -> impl Iterator<Item = &(Node, Node)> {
    let indexed = entries.iter().any(|(k, _)| array_index(k).is_some());
    let mut order: Vec<&(Node, Node)> = Vec::new();
    if indexed {
        let mut numeric: Vec<(u32, &(Node, Node))> = entries
            .iter()
            .filter_map(|e| array_index(&e.0).map(|i| (i, e)))
            .collect();
        numeric.sort_by_key(|(i, _)| *i);
        order.extend(numeric.into_iter().map(|(_, e)| e));
        order.extend(entries.iter().filter(|e| array_index(&e.0).is_none()));
    }
    let plain = if indexed { None } else { Some(entries.iter()) };
    plain.into_iter().flatten().chain(order)
}

/// A key JavaScript treats as an array index: the canonical decimal form of 0..2^32-2.
fn array_index(key: &Node) -> Option<u32> {
    let text: Cow<'_, str> = match &key.value {
        NodeValue::String(s) => Cow::Borrowed(s.as_str()),
        NodeValue::Int(i) => Cow::Owned(i.to_string()),
        _ => return None,
    };
    let b = text.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    text.parse::<u32>().ok().filter(|i| *i != u32::MAX)
}

/// JavaScript's falsiness of a JSON value: null, false, 0, NaN, "".
pub fn is_falsy(node: &Node) -> bool {
    match &node.value {
        NodeValue::Null => true,
        NodeValue::Bool(b) => !b,
        NodeValue::Int(i) => *i == 0,
        NodeValue::Float(x) => *x == 0.0 || x.is_nan(),
        NodeValue::String(s) => s.is_empty(),
        NodeValue::Seq(_) | NodeValue::Map(_) => false,
    }
}

/// A scalar's text for a message, as JavaScript would print the value.
pub(super) fn text(node: &Node) -> Cow<'_, str> {
    node.key_text().unwrap_or(Cow::Borrowed(""))
}

/// What a node is, for "found …" in messages.
pub(crate) fn describe(node: &Node) -> String {
    match &node.value {
        NodeValue::Null => "an empty value (null)".into(),
        NodeValue::Bool(b) => format!("the boolean {b}"),
        NodeValue::Int(i) => format!("the number {i}"),
        NodeValue::Float(x) => format!("the number {x}"),
        NodeValue::String(s) => format!("the string {s:?}"),
        NodeValue::Seq(_) => "a list".into(),
        NodeValue::Map(_) => "a mapping".into(),
    }
}
