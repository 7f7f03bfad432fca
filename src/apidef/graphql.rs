//! GraphQL SDL through `apollo-parser`: its root fields (queries, mutations, subscriptions) as
//! operations, then every type with its fields, arguments and descriptions.

use super::fields::{line_of, summary_or};
use super::model::{Definition, Format, Node, Operation, ParseError, Section};
use apollo_parser::cst::{self, CstNode};
use std::collections::HashMap;

/// How deep a root field's return type is unfolded: its fields and theirs, enough to read the
/// shape; a reader follows deeper types in the Types section.
const RETURN_DEPTH: usize = 3;

/// One named type of the schema, extensions merged in.
#[derive(Default)]
struct TypeDef {
    kind: &'static str,
    description: Option<String>,
    implements: Vec<String>,
    fields: Vec<Node>,
    /// Union members or enum values.
    values: Vec<String>,
}

pub fn parse(text: &str) -> Result<Definition, ParseError> {
    let tree = apollo_parser::Parser::new(text).parse();
    if let Some(err) = tree.errors().next() {
        return Err(ParseError::new(line_of(text, err.index()), err.message()));
    }
    let mut types: Vec<(String, TypeDef)> = Vec::new();
    let mut roots: Vec<(&'static str, String)> = Vec::new();
    for definition in tree.document().definitions() {
        read_definition(definition, &mut types, &mut roots);
    }
    if roots.is_empty() {
        // No `schema { }`: the conventional names are the roots.
        roots = vec![
            ("QUERY", "Query".to_string()),
            ("MUTATION", "Mutation".to_string()),
            ("SUBSCRIPTION", "Subscription".to_string()),
        ];
    }
    let index: HashMap<&str, &TypeDef> = types.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut operations = Vec::new();
    for (method, root) in &roots {
        let Some(def) = index.get(root.as_str()) else {
            continue;
        };
        for field in &def.fields {
            let mut detail = Vec::new();
            if !field.children.is_empty() {
                detail.push(Section {
                    title: "Arguments".into(),
                    nodes: field.children.clone(),
                });
            }
            let mut open = Vec::new();
            let mut returns = unfold("returns", &field.ty, &index, &mut open);
            returns.description = None;
            detail.push(Section {
                title: "Returns".into(),
                nodes: vec![returns],
            });
            operations.push(Operation {
                method: method.to_string(),
                path: field.name.clone(),
                operation_id: None,
                summary: summary_or(None, field.description.as_ref()),
                description: field.description.clone(),
                // The root type is the grouping a GraphQL reader expects (Query, Mutation, ...).
                tags: vec![root.clone()],
                deprecated: field.deprecated,
                detail,
            });
        }
    }
    let sections = type_sections(&types, &roots);
    Ok(Definition {
        format: Format::GraphQl,
        title: None,
        version: None,
        operations,
        webhooks: Vec::new(),
        sections,
    })
}

fn read_definition(
    definition: cst::Definition,
    types: &mut Vec<(String, TypeDef)>,
    roots: &mut Vec<(&'static str, String)>,
) {
    use cst::Definition as D;
    match definition {
        D::SchemaDefinition(schema) => {
            for root in schema.root_operation_type_definitions() {
                let kind = root.operation_type().and_then(|o| {
                    [
                        (o.query_token().is_some(), "QUERY"),
                        (o.mutation_token().is_some(), "MUTATION"),
                        (o.subscription_token().is_some(), "SUBSCRIPTION"),
                    ]
                    .into_iter()
                    .find_map(|(is, k)| is.then_some(k))
                });
                if let (Some(kind), Some(name)) = (kind, root.named_type().and_then(|t| t.name())) {
                    roots.push((kind, name.text().to_string()));
                }
            }
        }
        D::ObjectTypeDefinition(d) => {
            if let Some(def) = entry(types, d.name(), "type") {
                def.description = description(d.description());
                def.implements = implements(d.implements_interfaces());
                def.fields.extend(fields(d.fields_definition()));
            }
        }
        D::ObjectTypeExtension(d) => {
            if let Some(def) = entry(types, d.name(), "type") {
                def.implements.extend(implements(d.implements_interfaces()));
                def.fields.extend(fields(d.fields_definition()));
            }
        }
        D::InterfaceTypeDefinition(d) => {
            if let Some(def) = entry(types, d.name(), "interface") {
                def.description = description(d.description());
                def.implements = implements(d.implements_interfaces());
                def.fields.extend(fields(d.fields_definition()));
            }
        }
        D::UnionTypeDefinition(d) => {
            if let Some(def) = entry(types, d.name(), "union") {
                def.description = description(d.description());
                def.values = d
                    .union_member_types()
                    .map(|m| {
                        m.named_types()
                            .filter_map(|t| t.name())
                            .map(|n| n.text().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
        D::EnumTypeDefinition(d) => {
            if let Some(def) = entry(types, d.name(), "enum") {
                def.description = description(d.description());
                def.values = d
                    .enum_values_definition()
                    .map(|v| {
                        v.enum_value_definitions()
                            .filter_map(|v| v.enum_value()?.name())
                            .map(|n| n.text().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
        D::InputObjectTypeDefinition(d) => {
            if let Some(def) = entry(types, d.name(), "input") {
                def.description = description(d.description());
                def.fields = d
                    .input_fields_definition()
                    .map(|f| f.input_value_definitions().map(input_value).collect())
                    .unwrap_or_default();
            }
        }
        D::ScalarTypeDefinition(d) => {
            if let Some(def) = entry(types, d.name(), "scalar") {
                def.description = description(d.description());
            }
        }
        // Executable definitions, directives and the rarer extensions add no API surface to read.
        _ => {}
    }
}

/// The type named `name`, created on first sight (an extension may come before its type).
fn entry<'t>(
    types: &'t mut Vec<(String, TypeDef)>,
    name: Option<cst::Name>,
    kind: &'static str,
) -> Option<&'t mut TypeDef> {
    let name = name?.text().to_string();
    let at = match types.iter().position(|(n, _)| *n == name) {
        Some(at) => at,
        None => {
            types.push((name, TypeDef::default()));
            types.len() - 1
        }
    };
    let def = &mut types[at].1;
    if def.kind.is_empty() {
        def.kind = kind;
    }
    Some(def)
}

fn description(d: Option<cst::Description>) -> Option<String> {
    let text = String::from(&d?.string_value()?);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn implements(i: Option<cst::ImplementsInterfaces>) -> Vec<String> {
    i.map(|i| {
        i.named_types()
            .filter_map(|t| t.name())
            .map(|n| n.text().to_string())
            .collect()
    })
    .unwrap_or_default()
}

/// A type as written, without the spaces and commas the syntax allows inside it.
fn type_text(ty: Option<cst::Type>) -> String {
    ty.map(|t| {
        t.source_string()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect()
    })
    .unwrap_or_default()
}

fn deprecated(d: Option<cst::Directives>) -> bool {
    d.is_some_and(|d| {
        d.directives()
            .any(|d| d.name().is_some_and(|n| n.text() == "deprecated"))
    })
}

/// Fields with their arguments as children.
fn fields(f: Option<cst::FieldsDefinition>) -> Vec<Node> {
    let Some(f) = f else { return Vec::new() };
    f.field_definitions()
        .map(|field| {
            let ty = type_text(field.ty());
            Node {
                name: field
                    .name()
                    .map(|n| n.text().to_string())
                    .unwrap_or_default(),
                required: ty.ends_with('!'),
                ty,
                deprecated: deprecated(field.directives()),
                description: description(field.description()),
                children: field
                    .arguments_definition()
                    .map(|a| a.input_value_definitions().map(input_value).collect())
                    .unwrap_or_default(),
                ..Node::default()
            }
        })
        .collect()
}

/// An argument or input field; its default is shown as its example.
fn input_value(v: cst::InputValueDefinition) -> Node {
    let ty = type_text(v.ty());
    Node {
        name: v.name().map(|n| n.text().to_string()).unwrap_or_default(),
        required: ty.ends_with('!'),
        ty,
        deprecated: deprecated(v.directives()),
        description: description(v.description()),
        example: v
            .default_value()
            .and_then(|d| d.value())
            .map(|v| format!("default {}", v.source_string().trim())),
        ..Node::default()
    }
}

/// The tree of a type reference: its named type's fields (or union members), a few levels down,
/// a type already open above marked as a cycle.
fn unfold(name: &str, ty: &str, index: &HashMap<&str, &TypeDef>, open: &mut Vec<String>) -> Node {
    let named: String = ty
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | '!'))
        .collect();
    let mut node = Node {
        name: name.to_string(),
        ty: ty.to_string(),
        required: ty.ends_with('!'),
        ..Node::default()
    };
    let Some(def) = index.get(named.as_str()) else {
        return node;
    };
    node.description = def.description.clone();
    if open.contains(&named) {
        node.cycle = true;
        return node;
    }
    if open.len() >= RETURN_DEPTH {
        return node;
    }
    open.push(named);
    match def.kind {
        "union" => {
            node.children = def
                .values
                .iter()
                .map(|m| unfold(m, m, index, open))
                .collect();
        }
        "enum" => node.values = def.values.clone(),
        _ => {
            node.children = def
                .fields
                .iter()
                .map(|f| {
                    let mut child = unfold(&f.name, &f.ty, index, open);
                    child.description = f.description.clone();
                    child.deprecated = f.deprecated;
                    child
                })
                .collect();
        }
    }
    open.pop();
    node
}

/// Every type but the roots, grouped by kind as a reader looks for them.
fn type_sections(types: &[(String, TypeDef)], roots: &[(&str, String)]) -> Vec<Section> {
    let kinds = [
        ("type", "Types"),
        ("interface", "Interfaces"),
        ("union", "Unions"),
        ("enum", "Enums"),
        ("input", "Input types"),
        ("scalar", "Scalars"),
    ];
    kinds
        .iter()
        .filter_map(|(kind, title)| {
            let nodes: Vec<Node> = types
                .iter()
                .filter(|(name, def)| def.kind == *kind && !roots.iter().any(|(_, r)| r == name))
                .map(|(name, def)| Node {
                    name: name.clone(),
                    ty: match def.implements.is_empty() {
                        true => kind.to_string(),
                        false => format!("{kind} implements {}", def.implements.join(" & ")),
                    },
                    description: def.description.clone(),
                    values: def.values.clone(),
                    children: def.fields.clone(),
                    ..Node::default()
                })
                .collect();
            (!nodes.is_empty()).then(|| Section {
                title: title.to_string(),
                nodes,
            })
        })
        .collect()
}
