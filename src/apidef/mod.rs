//! API definitions (an API entity's `spec.definition`) read into one model for every format: the
//! operations a reader scans first, and per operation the detail a viewer shows (parameters,
//! bodies, responses, schema trees). Pure: text in, model or an error with its line out.

mod asyncapi;
mod graphql;
mod grpc;
mod openapi;
mod schema;

use serde::Serialize;
use serde_json::Value;

/// The formats Backstage's `spec.type` names; anything else is shown as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    OpenApi,
    AsyncApi,
    GraphQl,
    Grpc,
    Other,
}

impl Format {
    pub fn of(spec_type: &str) -> Format {
        match spec_type.to_ascii_lowercase().as_str() {
            "openapi" | "swagger" => Format::OpenApi,
            "asyncapi" => Format::AsyncApi,
            "graphql" => Format::GraphQl,
            "grpc" | "protobuf" | "proto" => Format::Grpc,
            _ => Format::Other,
        }
    }
}

/// A parsed definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Definition {
    pub format: Format,
    pub title: Option<String>,
    pub version: Option<String>,
    pub operations: Vec<Operation>,
    /// OpenAPI 3.1's webhooks: operations the API calls, not ones it serves.
    pub webhooks: Vec<Operation>,
    /// What belongs to the whole definition: servers, security schemes, types, messages, enums.
    pub sections: Vec<Section>,
}

/// One thing a client can do: an HTTP operation, a channel operation, a root field, an rpc.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// `GET`, `SEND`, `SUBSCRIBE`, `QUERY`, `UNARY`, `SERVER-STREAM`, ...
    pub method: String,
    /// The HTTP path, channel address, field name or `/package.Service/Method`.
    pub path: String,
    pub operation_id: Option<String>,
    /// The operation's summary, else its description's first line (GraphQL and proto have only
    /// descriptions).
    pub summary: Option<String>,
    /// The full description, when the definition has one beyond the summary.
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// Parameters, bodies, responses, messages: what the detail view lists.
    pub detail: Vec<Section>,
}

/// A titled list of trees: "Query parameters", "Responses", "Messages", ...
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub title: String,
    pub nodes: Vec<Node>,
}

/// One line of a tree: a parameter, a property, a field, a response, with what is under it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Node {
    pub name: String,
    /// The type as the format writes it (`string(uuid)`, `Order[]`, `[Int!]!`, `repeated string = 3`).
    pub ty: String,
    pub required: bool,
    pub deprecated: bool,
    pub description: Option<String>,
    /// Enum values (or an enum's members).
    pub values: Vec<String>,
    pub example: Option<String>,
    /// A `$ref` (or type) already open above: shown once, not expanded again.
    pub cycle: bool,
    pub children: Vec<Node>,
}

/// Why a definition could not be read, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl ParseError {
    fn new(line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line: line.max(1),
            message: message.into(),
        }
    }
}

/// Reads `text` as a definition of `spec_type` (the entity's `spec.type`).
pub fn parse(spec_type: &str, text: &str) -> Result<Definition, ParseError> {
    read(spec_type, text, true)
}

/// The operations without their detail (every `detail` empty): what a listing needs, without
/// walking a big definition's schema trees.
pub fn outline(spec_type: &str, text: &str) -> Result<Definition, ParseError> {
    let mut definition = read(spec_type, text, false)?;
    for op in definition
        .operations
        .iter_mut()
        .chain(&mut definition.webhooks)
    {
        op.detail.clear();
    }
    Ok(definition)
}

fn read(spec_type: &str, text: &str, detail: bool) -> Result<Definition, ParseError> {
    let format = Format::of(spec_type);
    match format {
        Format::OpenApi => openapi::parse(&document(text)?, detail),
        Format::AsyncApi => asyncapi::parse(&document(text)?, detail),
        Format::GraphQl => graphql::parse(text),
        Format::Grpc => grpc::parse(text),
        Format::Other => Ok(Definition {
            format,
            title: None,
            version: None,
            operations: Vec::new(),
            webhooks: Vec::new(),
            sections: Vec::new(),
        }),
    }
}

/// A YAML or JSON document; JSON is read by serde_json (faster, and its errors have lines too).
fn document(text: &str) -> Result<Value, ParseError> {
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
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A string field of a JSON object.
fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A string field, owned and trimmed, absent when empty.
fn text_of(value: &Value, key: &str) -> Option<String> {
    str_of(value, key)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An operation of an OpenAPI or AsyncAPI document: `method` at `path`, with the fields the two
/// formats name alike (`operationId`, `summary`, `tags`, `deprecated`).
fn build_operation(
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
fn described_section<'a>(
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
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The summary an operation shows: its own, else the first line of its description.
fn summary_or(summary: Option<String>, description: Option<&String>) -> Option<String> {
    summary.or_else(|| Some(description?.lines().next()?.trim().to_string()))
}

/// `info.title` and `info.version`.
fn info(doc: &Value) -> (Option<String>, Option<String>) {
    let info = doc.get("info").unwrap_or(&Value::Null);
    (text_of(info, "title"), info.get("version").map(scalar_text))
}

/// Tag names: OpenAPI writes strings, AsyncAPI `{name}` objects.
fn tags_of(value: &Value) -> Vec<String> {
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
    fn unknown_types_give_the_text_without_operations() {
        let def = parse("trpc", "anything at all {").unwrap();
        assert_eq!(def.format, Format::Other);
        assert!(def.operations.is_empty());
    }

    #[test]
    fn yaml_and_json_syntax_errors_name_their_line() {
        let err = parse("openapi", "openapi: 3.0.0\ninfo:\n  title: [unclosed\n").unwrap_err();
        assert!(err.line >= 3, "{err}");
        let err = parse("asyncapi", "{\n  \"asyncapi\": \"2.6.0\",\n  \"info\": }\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn line_of_counts_newlines_before_the_offset() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
