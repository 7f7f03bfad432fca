//! Reading a JSON or YAML definition document: the document itself with its error line, and the
//! fields OpenAPI and AsyncAPI share (info, tags, descriptions, operations, described sections).

use super::model::{Node, Operation, ParseError, Section};
use serde_json::Value;

/// A YAML or JSON document; JSON is read by serde_json (faster, and its errors have lines too).
pub fn document(text: &str) -> Result<Value, ParseError> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| ParseError::new(e.line(), e.to_string()));
    }
    serde_yaml::from_str(text).map_err(|e| {
        // An unclosed bracket is found at the end of the input, a line past the text's last.
        let line = e.location().map_or(1, |l| l.line());
        ParseError::new(line.min(text.lines().count()), e.to_string())
    })
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A string field of a JSON object.
pub fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A string field, owned and trimmed, absent when empty.
pub fn text_of(value: &Value, key: &str) -> Option<String> {
    str_of(value, key)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An operation of an OpenAPI or AsyncAPI document: `method` at `path`, with the fields the two
/// formats name alike (`operationId`, `summary`, `tags`, `deprecated`).
pub fn build_operation(
    method: &str,
    path: &str,
    op: &Value,
    description: Option<String>,
    detail: Vec<Section>,
) -> Operation {
    Operation {
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        operation_id: text_of(op, "operationId"),
        summary: summary_or(text_of(op, "summary"), description.as_ref()),
        description,
        tags: tags_of(op),
        deprecated: op.get("deprecated").and_then(Value::as_bool) == Some(true),
        detail,
    }
}

/// A section of a JSON object's named entries (servers, security schemes): each entry a node
/// typed by `ty` and described by its `description`; absent when there are none.
pub fn described_section<'a>(
    title: &str,
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
    ty: impl Fn(&Value) -> String,
) -> Option<Section> {
    let nodes: Vec<Node> = entries
        .map(|(name, entry)| Node {
            name: name.clone(),
            ty: ty(entry),
            description: text_of(entry, "description"),
            ..Node::default()
        })
        .collect();
    (!nodes.is_empty()).then(|| Section {
        title: title.into(),
        nodes,
    })
}

/// A scalar as text: strings as they are, the rest as compact JSON (versions written `3.0` in YAML
/// are numbers).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The summary an operation shows: its own, else the first line of its description.
pub fn summary_or(summary: Option<String>, description: Option<&String>) -> Option<String> {
    summary.or_else(|| Some(description?.lines().next()?.trim().to_string()))
}

/// `info.title` and `info.version`.
pub fn info(doc: &Value) -> (Option<String>, Option<String>) {
    let info = doc.get("info").unwrap_or(&Value::Null);
    (text_of(info, "title"), info.get("version").map(scalar_text))
}

/// Tag names: OpenAPI writes strings, AsyncAPI `{name}` objects.
pub fn tags_of(value: &Value) -> Vec<String> {
    value
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.as_str().or_else(|| str_of(t, "name")))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_counts_newlines_before_the_offset() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
