//! Swagger 2.0 and OpenAPI 3.0/3.1, read over `serde_json::Value`. A typed crate was weighed and
//! left: `openapiv3` reads 3.0 only and `oas3` 3.1 only, each rejects documents of the other
//! versions (and neither reads 2.0), while a viewer wants every version and whatever part of an
//! imperfect document makes sense, so this reader takes what it finds and skips what it does not.

use super::fields::{build_operation, described_section, info, scalar_text, str_of, text_of};
use super::model::{Definition, Format, Node, Operation, ParseError, Section};
use super::schema::Resolver;
use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// Parameter locations in the order a reader looks for them (body and formData are 2.0's bodies).
const LOCATIONS: [(&str, &str); 4] = [
    ("path", "Path parameters"),
    ("query", "Query parameters"),
    ("header", "Header parameters"),
    ("cookie", "Cookie parameters"),
];

pub fn parse(doc: &Value, detail: bool) -> Result<Definition, ParseError> {
    let swagger2 = match (doc.get("swagger"), doc.get("openapi")) {
        (Some(v), _) if scalar_text(v).starts_with('2') => true,
        (_, Some(v)) if scalar_text(v).starts_with('3') => false,
        _ => {
            return Err(ParseError::new(
                1,
                "not an OpenAPI document: no `openapi: 3.x` or `swagger: 2.0`",
            ))
        }
    };
    let reader = Reader {
        doc,
        swagger2,
        resolver: Resolver::new(doc, detail),
    };
    let (title, version) = info(doc);
    Ok(Definition {
        format: Format::OpenApi,
        title,
        version,
        operations: reader.path_items(doc.get("paths")),
        webhooks: reader.path_items(doc.get("webhooks")),
        sections: [reader.servers(), reader.security_schemes()]
            .into_iter()
            .flatten()
            .collect(),
    })
}

struct Reader<'a> {
    doc: &'a Value,
    swagger2: bool,
    resolver: Resolver<'a>,
}

impl<'a> Reader<'a> {
    /// The operations of `paths` (or `webhooks`, whose keys are names instead of paths).
    fn path_items(&self, items: Option<&'a Value>) -> Vec<Operation> {
        let Some(items) = items.and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut operations = Vec::new();
        for (path, item) in items {
            let item = self.resolver.deref(item);
            let shared = item.get("parameters");
            for method in METHODS {
                if let Some(op) = item.get(method).filter(|op| op.is_object()) {
                    operations.push(self.operation(method, path, op, shared));
                }
            }
        }
        operations
    }

    fn operation(
        &self,
        method: &str,
        path: &str,
        op: &'a Value,
        shared: Option<&'a Value>,
    ) -> Operation {
        self.resolver.reset();
        let parameters = self.parameters(shared, op.get("parameters"));
        let mut detail = Vec::new();
        for (location, title) in LOCATIONS {
            let nodes: Vec<Node> = parameters
                .iter()
                .filter(|p| str_of(p, "in") == Some(location))
                .map(|p| self.parameter(p))
                .collect();
            if !nodes.is_empty() {
                detail.push(Section {
                    title: title.to_string(),
                    nodes,
                });
            }
        }
        detail.extend(self.request_body(op, &parameters));
        detail.push(self.responses(op));
        detail.extend(self.security(op));
        let description = text_of(op, "description");
        build_operation(method, path, op, description, detail)
    }

    /// The path item's parameters overridden by the operation's (same name and location).
    fn parameters(&self, shared: Option<&'a Value>, own: Option<&'a Value>) -> Vec<&'a Value> {
        let list = |v: Option<&'a Value>| -> Vec<&'a Value> {
            v.and_then(Value::as_array)
                .map(|ps| ps.iter().map(|p| self.resolver.deref(p)).collect())
                .unwrap_or_default()
        };
        let own = list(own);
        let key = |p: &Value| {
            (
                str_of(p, "name").map(str::to_string),
                str_of(p, "in").map(str::to_string),
            )
        };
        let mut all: Vec<&Value> = list(shared)
            .into_iter()
            .filter(|s| !own.iter().any(|o| key(o) == key(s)))
            .collect();
        all.extend(own);
        all
    }

    fn parameter(&self, p: &'a Value) -> Node {
        let name = str_of(p, "name").unwrap_or("?");
        let required = p.get("required").and_then(Value::as_bool) == Some(true);
        // 3.x puts the type in `schema` (or `content`); 2.0 on the parameter itself.
        let schema = p.get("schema").or_else(|| {
            p.get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|m| m.get("schema"))
        });
        let mut node = self.resolver.node(name, schema.unwrap_or(p), required);
        if let Some(d) = text_of(p, "description") {
            node.description = Some(d);
        }
        node.deprecated |= p.get("deprecated").and_then(Value::as_bool) == Some(true);
        if let Some(example) = p.get("example") {
            node.example = Some(scalar_text(example));
        }
        node
    }

    /// 3.x's `requestBody` per media type, or 2.0's `in: body` / `in: formData` parameters.
    fn request_body(&self, op: &'a Value, parameters: &[&'a Value]) -> Option<Section> {
        if self.swagger2 {
            let consumes = self.media_types(op, "consumes");
            if let Some(body) = parameters.iter().find(|p| str_of(p, "in") == Some("body")) {
                let required = body.get("required").and_then(Value::as_bool) == Some(true);
                let schema = body.get("schema").unwrap_or(&Value::Null);
                let nodes = consumes
                    .iter()
                    .map(|media| self.resolver.node(media, schema, required))
                    .collect();
                return Some(Section {
                    title: "Request body".into(),
                    nodes,
                });
            }
            let form: Vec<Node> = parameters
                .iter()
                .filter(|p| str_of(p, "in") == Some("formData"))
                .map(|p| self.parameter(p))
                .collect();
            return (!form.is_empty()).then(|| Section {
                title: "Form data".into(),
                nodes: form,
            });
        }
        let body = self.resolver.deref(op.get("requestBody")?);
        let required = body.get("required").and_then(Value::as_bool) == Some(true);
        Some(Section {
            title: "Request body".into(),
            nodes: self.contents(body, required),
        })
    }

    /// One schema tree per media type of a 3.x `content`.
    fn contents(&self, holder: &'a Value, required: bool) -> Vec<Node> {
        let Some(content) = holder.get("content").and_then(Value::as_object) else {
            return Vec::new();
        };
        content
            .iter()
            .map(|(media, m)| {
                let mut node =
                    self.resolver
                        .node(media, m.get("schema").unwrap_or(&Value::Null), required);
                if let Some(example) = m.get("example") {
                    node.example = Some(scalar_text(example));
                }
                node
            })
            .collect()
    }

    fn responses(&self, op: &'a Value) -> Section {
        let produces = self.media_types(op, "produces");
        let nodes = op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(status, response)| {
                let response = self.resolver.deref(response);
                let mut children = if self.swagger2 {
                    match response.get("schema") {
                        Some(schema) => produces
                            .iter()
                            .map(|media| self.resolver.node(media, schema, false))
                            .collect(),
                        None => Vec::new(),
                    }
                } else {
                    self.contents(response, false)
                };
                if let Some(headers) = response.get("headers").and_then(Value::as_object) {
                    for (name, header) in headers {
                        let header = self.resolver.deref(header);
                        let mut node = self.resolver.node(
                            &format!("header {name}"),
                            header.get("schema").unwrap_or(header),
                            false,
                        );
                        node.description = text_of(header, "description").or(node.description);
                        children.push(node);
                    }
                }
                Node {
                    name: status.clone(),
                    description: text_of(response, "description"),
                    children,
                    ..Node::default()
                }
            })
            .collect();
        Section {
            title: "Responses".into(),
            nodes,
        }
    }

    /// 2.0's `consumes`/`produces`, the operation's over the document's, else JSON.
    fn media_types(&self, op: &Value, key: &str) -> Vec<String> {
        let list = |v: &Value| -> Option<Vec<String>> {
            let types: Vec<String> = v
                .get(key)?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            (!types.is_empty()).then_some(types)
        };
        list(op)
            .or_else(|| list(self.doc))
            .unwrap_or_else(|| vec!["application/json".to_string()])
    }

    /// The security requirements in force: the operation's, else the document's.
    fn security(&self, op: &Value) -> Option<Section> {
        let requirements = op
            .get("security")
            .or_else(|| self.doc.get("security"))?
            .as_array()?;
        let nodes: Vec<Node> = requirements
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|schemes| schemes.iter())
            .map(|(scheme, scopes)| Node {
                name: scheme.clone(),
                values: scopes
                    .as_array()
                    .map(|s| s.iter().map(scalar_text).collect())
                    .unwrap_or_default(),
                ..Node::default()
            })
            .collect();
        (!nodes.is_empty()).then(|| Section {
            title: "Security".into(),
            nodes,
        })
    }

    /// 3.x `servers`, or 2.0's `schemes` + `host` + `basePath`.
    fn servers(&self) -> Option<Section> {
        let nodes: Vec<Node> = if self.swagger2 {
            let host = str_of(self.doc, "host")?;
            let base = str_of(self.doc, "basePath").unwrap_or("");
            let schemes = self
                .doc
                .get("schemes")
                .and_then(Value::as_array)
                .map(|s| s.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| vec!["https"]);
            schemes
                .into_iter()
                .map(|scheme| Node {
                    name: format!("{scheme}://{host}{base}"),
                    ..Node::default()
                })
                .collect()
        } else {
            self.doc
                .get("servers")?
                .as_array()?
                .iter()
                .map(|s| Node {
                    name: str_of(s, "url").unwrap_or("?").to_string(),
                    description: text_of(s, "description"),
                    ..Node::default()
                })
                .collect()
        };
        (!nodes.is_empty()).then(|| Section {
            title: "Servers".into(),
            nodes,
        })
    }

    /// 3.x `components.securitySchemes`, or 2.0's `securityDefinitions`.
    fn security_schemes(&self) -> Option<Section> {
        let schemes = match self.swagger2 {
            true => self.doc.get("securityDefinitions"),
            false => self.doc.pointer("/components/securitySchemes"),
        }?
        .as_object()?;
        let schemes = schemes
            .iter()
            .map(|(name, scheme)| (name, self.resolver.deref(scheme)));
        described_section("Security schemes", schemes, |scheme| {
            // What a client must send: `http bearer (JWT)`, `apiKey in header X-Key`, ...
            let kind = str_of(scheme, "type").unwrap_or("?");
            let how = match kind {
                "http" => format!(
                    "http {}{}",
                    str_of(scheme, "scheme").unwrap_or(""),
                    str_of(scheme, "bearerFormat")
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default()
                ),
                "apiKey" => format!(
                    "apiKey in {} {}",
                    str_of(scheme, "in").unwrap_or("?"),
                    str_of(scheme, "name").unwrap_or("?")
                ),
                "oauth2" => match str_of(scheme, "flow") {
                    Some(flow) => format!("oauth2 {flow}"),
                    None => format!(
                        "oauth2 {}",
                        scheme
                            .get("flows")
                            .and_then(Value::as_object)
                            .map(|f| f.keys().cloned().collect::<Vec<_>>().join(", "))
                            .unwrap_or_default()
                    ),
                },
                "openIdConnect" => format!(
                    "openIdConnect {}",
                    str_of(scheme, "openIdConnectUrl").unwrap_or("")
                ),
                other => other.to_string(),
            };
            how.trim_end().to_string()
        })
    }
}
