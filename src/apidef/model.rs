//! The one model every definition format is read into: a definition's operations (and webhooks),
//! its sections, and the detail tree of each operation; and the error a broken definition gives.

use serde::Serialize;

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
    pub(super) fn new(line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line: line.max(1),
            message: message.into(),
        }
    }
}
