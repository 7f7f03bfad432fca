//! AsyncAPI 2.x (operations inside channels: publish/subscribe) and 3.x (operations on their own:
//! send/receive, pointing at channels and their messages), read over `serde_json::Value`: there is
//! no maintained Rust crate for either.

use super::fields::{build_operation, described_section, info, scalar_text, str_of, text_of};
use super::model::{Definition, Format, Node, Operation, ParseError, Section};
use super::schema::Resolver;
use serde_json::Value;

pub fn parse(doc: &Value, detail: bool) -> Result<Definition, ParseError> {
    let version = doc.get("asyncapi").map(scalar_text).unwrap_or_default();
    let resolver = Resolver::new(doc, detail);
    let operations = match version.chars().next() {
        Some('2') => v2_operations(doc, &resolver),
        Some('3') => v3_operations(doc, &resolver),
        _ => {
            return Err(ParseError::new(
                1,
                "not an AsyncAPI document: no `asyncapi: 2.x` or `3.x`",
            ))
        }
    };
    let (title, version) = info(doc);
    Ok(Definition {
        format: Format::AsyncApi,
        title,
        version,
        operations,
        webhooks: Vec::new(),
        sections: servers(doc).into_iter().collect(),
    })
}

/// 2.x: each channel's `publish` and `subscribe`, one message or a `oneOf` of them.
fn v2_operations(doc: &Value, resolver: &Resolver) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (name, channel) in doc
        .get("channels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let channel = resolver.deref(channel);
        for action in ["publish", "subscribe"] {
            let Some(op) = channel.get(action).filter(|o| o.is_object()) else {
                continue;
            };
            resolver.reset();
            let message = op.get("message").map(|m| resolver.deref(m));
            let messages: Vec<&Value> = match message
                .and_then(|m| m.get("oneOf"))
                .and_then(Value::as_array)
            {
                Some(choices) => choices.iter().map(|m| resolver.deref(m)).collect(),
                None => message.into_iter().collect(),
            };
            let refs: Vec<(Option<&str>, &Value)> =
                messages.into_iter().map(|m| (None, m)).collect();
            operations.push(operation(action, name, op, channel, &refs, resolver));
        }
    }
    operations
}

/// 3.x: `operations` with `action`, `channel` and `messages` (all the channel's when absent).
fn v3_operations(doc: &Value, resolver: &Resolver) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (id, op) in doc
        .get("operations")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let op = resolver.deref(op);
        resolver.reset();
        let channel_ref = op.pointer("/channel/$ref").and_then(Value::as_str);
        let channel = op
            .get("channel")
            .map(|c| resolver.deref(c))
            .unwrap_or(&Value::Null);
        // The address clients use; a channel without one is known by its key.
        let address = str_of(channel, "address")
            .or_else(|| channel_ref.and_then(|r| r.rsplit('/').next()))
            .unwrap_or("?");
        let messages: Vec<(Option<&str>, &Value)> =
            match op.get("messages").and_then(Value::as_array) {
                Some(list) => list
                    .iter()
                    .map(|m| {
                        (
                            m.get("$ref")
                                .and_then(Value::as_str)
                                .and_then(|r| r.rsplit('/').next()),
                            resolver.deref(m),
                        )
                    })
                    .collect(),
                None => channel
                    .get("messages")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(key, m)| (Some(key.as_str()), resolver.deref(m)))
                    .collect(),
            };
        let action = str_of(op, "action").unwrap_or("?");
        let mut operation = operation(action, address, op, channel, &messages, resolver);
        operation.operation_id = Some(id.clone());
        operations.push(operation);
    }
    operations
}

/// One operation with its channel's parameters and its messages (headers and payload trees).
fn operation(
    action: &str,
    address: &str,
    op: &Value,
    channel: &Value,
    messages: &[(Option<&str>, &Value)],
    resolver: &Resolver,
) -> Operation {
    let mut detail = Vec::new();
    if let Some(parameters) = channel.get("parameters").and_then(Value::as_object) {
        let nodes = parameters
            .iter()
            .map(|(name, p)| {
                let p = resolver.deref(p);
                // 2.x types a parameter with a schema; 3.x with `enum`/`default` on itself.
                let mut node = resolver.node(name, p.get("schema").unwrap_or(p), true);
                node.description = text_of(p, "description").or(node.description);
                if node.values.is_empty() {
                    if let Some(values) = p.get("enum").and_then(Value::as_array) {
                        node.values = values.iter().map(scalar_text).collect();
                    }
                }
                node
            })
            .collect();
        detail.push(Section {
            title: "Channel parameters".into(),
            nodes,
        });
    }
    let nodes: Vec<Node> = messages
        .iter()
        .map(|(key, message)| {
            let name = text_of(message, "name")
                .or_else(|| text_of(message, "title"))
                .or_else(|| key.map(str::to_string))
                .or_else(|| text_of(message, "messageId"))
                .unwrap_or_else(|| "message".to_string());
            let mut children = Vec::new();
            for part in ["headers", "payload"] {
                if let Some(schema) = message.get(part) {
                    // 3.x may wrap a schema in `{schemaFormat, schema}`.
                    let schema = match (schema.get("schemaFormat"), schema.get("schema")) {
                        (Some(_), Some(inner)) => inner,
                        _ => schema,
                    };
                    children.push(resolver.node(part, schema, false));
                }
            }
            Node {
                name,
                ty: str_of(message, "contentType").unwrap_or("").to_string(),
                description: text_of(message, "summary")
                    .or_else(|| text_of(message, "description")),
                deprecated: message.get("deprecated").and_then(Value::as_bool) == Some(true),
                children,
                ..Node::default()
            }
        })
        .collect();
    if !nodes.is_empty() {
        detail.push(Section {
            title: "Messages".into(),
            nodes,
        });
    }
    // 2.x often describes the channel only.
    let description = text_of(op, "description").or_else(|| text_of(channel, "description"));
    build_operation(action, address, op, description, detail)
}

/// `servers`: 2.x writes a `url`, 3.x a `host` and `pathname`.
fn servers(doc: &Value) -> Option<Section> {
    described_section("Servers", doc.get("servers")?.as_object()?.iter(), |s| {
        let url = match str_of(s, "url") {
            Some(url) => url.to_string(),
            None => format!(
                "{}{}",
                str_of(s, "host").unwrap_or("?"),
                str_of(s, "pathname").unwrap_or("")
            ),
        };
        format!("{} {url}", str_of(s, "protocol").unwrap_or("?"))
    })
}
