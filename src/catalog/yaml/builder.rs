//! The tree builder: saphyr's events become a [`Node`] tree with positions, with the `yaml`
//! package's rules on duplicate keys and aliases, and the node budget and depth limit that keep
//! hostile files from hanging or overflowing the stack.

use super::lines::LineCounter;
use super::node::{Node, NodeValue, Pos, YamlError};
use super::scalar::resolve_scalar;
use saphyr_parser::{Event, Span};

/// Nodes a single document may expand to (aliases included) before it is refused.
pub const MAX_NODES: usize = 1_000_000;
/// Nesting deeper than this is refused: no real descriptor comes near it.
pub const MAX_DEPTH: usize = 256;

/// The error of an alias to an anchor not defined before it, which aborts the whole file.
pub(super) fn unresolved_alias(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: "YAML error: this alias (*name) refers to no anchor (&name) defined before it in this document".into(),
        aborts_file: true,
    }
}

/// Builds a tree from events with an explicit stack, so deep input cannot overflow the call stack.
pub(super) struct TreeBuilder {
    pub(super) lines: LineCounter,
    pub(super) stack: Vec<Frame>,
    anchors: Vec<Anchor>,
    /// The parser's anchor id → its latest definition in `anchors` (a scan per alias made 50,000
    /// aliases take 20 seconds).
    anchor_ids: rustc_hash::FxHashMap<usize, usize>,
    pub(super) root: Option<Node>,
    pub(super) documents: usize,
    nodes: usize,
}

/// An open container.
pub(super) struct Frame {
    pub(super) node: Node,
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
    pub(super) fn new(chunk: &str, first_line: u32) -> Self {
        TreeBuilder {
            lines: LineCounter::new(chunk, first_line),
            stack: Vec::new(),
            anchors: Vec::new(),
            anchor_ids: Default::default(),
            root: None,
            documents: 0,
            nodes: 0,
        }
    }

    fn pos(&self, span: &Span) -> Pos {
        self.lines.pos(&span.start)
    }

    pub(super) fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
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
