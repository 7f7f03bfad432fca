//! The stored form of an entity's fields: a compact JSON-like tree without positions.
//!
//! serde_json's `Value` cannot go through a non-self-describing format, and the catalog snapshot
//! wants one (postcard) for speed, so entities keep this small tree. It serialises to natural JSON
//! through [`Value::to_json`] and to the snapshot through its derived serde impls.

use super::intern::Interned;
use super::yaml::{Node, NodeValue};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(CompactString),
    Seq(Box<[Value]>),
    /// Keys in source order, each shared with every other entity's same key.
    Map(Box<[(Key, Value)]>),
}

/// A mapping's key. Entities repeat the same few dozen keys (`name`, `owner`,
/// `backstage.io/techdocs-ref`...): 8 bytes in the entry instead of an inline 24, and a long
/// key is stored once, not once per entity. An entry is 32 bytes.
pub type Key = Interned;

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| &**k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Moves the value under `key` out of a mapping, leaving null in its place.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        match self {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| &**k == key)
                .map(|(_, v)| std::mem::take(v)),
            _ => None,
        }
    }

    /// Follows a dotted path of keys: `value.path(&["spec", "owner"])`.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    pub fn as_seq(&self) -> &[Value] {
        match self {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_map(&self) -> &[(Key, Value)] {
        match self {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A field that may be one string or a list of strings, as Backstage's relation fields are.
    pub fn strings(&self) -> Vec<&str> {
        match self {
            Value::String(s) => vec![s],
            Value::Seq(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(x) => serde_json::Number::from_f64(*x).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n
                .as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
            J::String(s) => Value::String(s.into()),
            J::Array(items) => Value::Seq(items.iter().map(Value::from_json).collect()),
            J::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (Key::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

impl From<&Node> for Value {
    fn from(node: &Node) -> Value {
        match &node.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::Int(*i),
            NodeValue::Float(x) => Value::Float(*x),
            NodeValue::String(s) => Value::String(s.into()),
            NodeValue::Seq(items) => Value::Seq(items.iter().map(Value::from).collect()),
            NodeValue::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            Key::from(k.key_text().as_deref().unwrap_or_default()),
                            Value::from(v),
                        )
                    })
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Field trees are most of what a big catalog holds (about 8 mapping entries an entity).
    #[test]
    fn a_mapping_entry_takes_32_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<(Key, Value)>(), 32);
    }
}
