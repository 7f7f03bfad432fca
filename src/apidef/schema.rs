//! JSON Schema (OpenAPI's and AsyncAPI's payloads) as trees of [`Node`]s, `$ref`s resolved inside
//! the document. A `$ref` already open above is shown once and marked, and a budget of nodes per
//! tree keeps a huge or combinatorial schema from costing more than a screen can show.

use super::fields::{scalar_text, text_of};
use super::model::Node;
use serde_json::Value;
use std::cell::Cell;

/// Nodes per tree: several screens of a detail view, far below what a wide schema could expand to.
const BUDGET: usize = 600;
/// Deeper than this is cut: no real payload nests further, a generated one could.
const MAX_DEPTH: usize = 24;
/// Longest example kept, in characters.
const EXAMPLE_CHARS: usize = 80;

/// Resolves `$ref`s against one document.
pub struct Resolver<'a> {
    root: &'a Value,
    budget: Cell<usize>,
    /// False for an outline: no tree is walked, which is most of a big definition's cost.
    trees: bool,
}

impl<'a> Resolver<'a> {
    pub fn new(root: &'a Value, trees: bool) -> Resolver<'a> {
        Resolver {
            root,
            budget: Cell::new(BUDGET),
            trees,
        }
    }

    /// The target of a local `$ref` (`#/components/schemas/Order`), or None.
    fn target(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    /// Follows `$ref`s of a non-schema object (parameter, response, request body, message) to
    /// what they name; a dangling or looping chain stops where it is.
    pub fn deref(&self, mut value: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.target(r) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    /// A fresh budget for the next tree (each operation's detail gets its own).
    pub fn reset(&self) {
        self.budget.set(BUDGET);
    }

    /// The tree of `schema` under `name`.
    pub fn node(&self, name: &str, schema: &'a Value, required: bool) -> Node {
        if !self.trees {
            return Node::default();
        }
        let mut open = Vec::new();
        self.walk(name, schema, required, &mut open)
    }

    fn walk(&self, name: &str, schema: &'a Value, required: bool, open: &mut Vec<&'a str>) -> Node {
        let mut node = Node {
            name: name.to_string(),
            required,
            ..Node::default()
        };
        let left = self.budget.get();
        if left == 0 || open.len() > MAX_DEPTH {
            node.ty = "…".to_string();
            return node;
        }
        self.budget.set(left - 1);
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let short = reference
                .rsplit('/')
                .next()
                .unwrap_or(reference)
                .to_string();
            // 3.1 lets a `$ref` carry its own description next to it.
            let description = text_of(schema, "description");
            if open.contains(&reference) {
                node.ty = short;
                node.cycle = true;
                node.description = description;
                return node;
            }
            let Some(target) = self.target(reference) else {
                node.ty = format!("unresolved {reference}");
                return node;
            };
            open.push(reference);
            let mut inner = self.walk(name, target, required, open);
            open.pop();
            if inner.ty == "object" {
                inner.ty = short;
            }
            if description.is_some() {
                inner.description = description;
            }
            return inner;
        }
        node.description = text_of(schema, "description").or_else(|| text_of(schema, "title"));
        node.deprecated = schema.get("deprecated").and_then(Value::as_bool) == Some(true);
        node.example = schema
            .get("example")
            .or_else(|| schema.get("examples").and_then(|e| e.get(0)))
            .map(example_text);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            node.values = values.iter().map(scalar_text).collect();
        } else if let Some(value) = schema.get("const") {
            node.values = vec![scalar_text(value)];
        }
        node.ty = type_text(schema);

        if let Some(items) = schema.get("items") {
            let item = self.walk("[]", items, false, open);
            node.ty = format!("{}[]", item.ty);
            node.cycle = item.cycle;
            node.children = item.children;
            if node.values.is_empty() {
                node.values = item.values;
            }
            return node;
        }
        let needed: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            // allOf composes: its parts' properties belong to this object.
            for part in parts {
                let inner = self.walk(name, part, required, open);
                // One part is that type with more said about it; several make a new object.
                if node.ty.is_empty() {
                    node.ty = match parts.len() {
                        1 => inner.ty,
                        _ => "object".to_string(),
                    };
                }
                node.children.extend(inner.children);
                node.cycle |= inner.cycle;
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(choices) = schema.get(key).and_then(Value::as_array) {
                let choices: Vec<Node> = choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.walk(&format!("{key}[{i}]"), c, false, open))
                    .collect();
                if node.ty.is_empty() {
                    node.ty = choices
                        .iter()
                        .map(|c| c.ty.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ");
                }
                node.children.extend(choices);
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                let child = self.walk(key, property, needed.contains(&key.as_str()), open);
                node.children.push(child);
            }
            if node.ty.is_empty() {
                node.ty = "object".to_string();
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            node.children.push(self.walk("*", extra, false, open));
            if node.ty.is_empty() {
                node.ty = "object".to_string();
            }
        }
        if node.ty.is_empty() {
            node.ty = "any".to_string();
        }
        node
    }
}

/// `string(uuid)`, `integer | null`, `object`; empty when the schema names no type.
fn type_text(schema: &Value) -> String {
    let mut types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().map(scalar_text).collect(),
        _ => Vec::new(),
    };
    if let (Some(format), Some(first)) =
        (super::fields::str_of(schema, "format"), types.first_mut())
    {
        *first = format!("{first}({format})");
    }
    // OpenAPI 3.0 writes nullability as a flag, 3.1 as a type.
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        types.push("null".to_string());
    }
    // An array's own type is written by its items (`Order[]`).
    types.retain(|t| !(t == "array" && schema.get("items").is_some()));
    types.join(" | ")
}

/// An example as one line: strings as they are, the rest compact JSON, cut to a screen's width.
fn example_text(value: &Value) -> String {
    let text = scalar_text(value);
    match text.char_indices().nth(EXAMPLE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_resolve_and_a_cycle_is_shown_once_and_marked() {
        let doc = json!({"components": {"schemas": {
            "Node": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string", "format": "uuid", "example": "n-1"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "kind": {"type": "string", "enum": ["leaf", "branch"]}
            }}
        }}});
        let resolver = Resolver::new(&doc, true);
        let node = resolver.node("body", &json!({"$ref": "#/components/schemas/Node"}), true);
        assert_eq!(node.ty, "Node");
        let id = &node.children[0];
        assert_eq!((id.ty.as_str(), id.required), ("string(uuid)", true));
        assert_eq!(id.example.as_deref(), Some("n-1"));
        let children = &node.children[1];
        assert_eq!(children.ty, "Node[]");
        assert!(children.cycle && children.children.is_empty());
        assert_eq!(node.children[2].values, ["leaf", "branch"]);
    }

    #[test]
    fn all_of_merges_properties_and_one_of_lists_choices() {
        let doc = json!({"definitions": {"Base": {"type": "object", "properties": {"a": {"type": "integer"}}}}});
        let resolver = Resolver::new(&doc, true);
        let schema = json!({"allOf": [{"$ref": "#/definitions/Base"},
            {"properties": {"b": {"type": ["string", "null"]}}}]});
        let node = resolver.node("x", &schema, false);
        let names: Vec<_> = node.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(node.children[1].ty, "string | null");
        let choice = resolver.node(
            "y",
            &json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            false,
        );
        assert_eq!(choice.ty, "string | integer");
        assert_eq!(choice.children.len(), 2);
    }

    #[test]
    fn a_dangling_ref_is_named_not_followed() {
        let doc = json!({});
        let node = Resolver::new(&doc, true).node("x", &json!({"$ref": "#/nowhere/X"}), false);
        assert_eq!(node.ty, "unresolved #/nowhere/X");
    }

    #[test]
    fn the_budget_cuts_a_combinatorial_schema() {
        // Each level refers to the next twice: 2^20 nodes if expanded fully.
        let mut schemas = serde_json::Map::new();
        for i in 0..20 {
            let next = json!({"$ref": format!("#/s/L{}", i + 1)});
            schemas.insert(
                format!("L{i}"),
                json!({"type": "object", "properties": {"a": next, "b": next}}),
            );
        }
        schemas.insert("L20".into(), json!({"type": "string"}));
        let doc = json!({"s": schemas});
        let node = Resolver::new(&doc, true).node("x", &json!({"$ref": "#/s/L0"}), false);
        fn count(n: &Node) -> usize {
            1 + n.children.iter().map(count).sum::<usize>()
        }
        assert!(count(&node) <= BUDGET * 3, "{}", count(&node));
    }
}
