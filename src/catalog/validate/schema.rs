//! A small JSON-schema engine with ajv's error order (RULES.md §6.1): `type` first, then
//! `required` in its listed order, then `additionalProperties` over the data's keys (JavaScript
//! property order), then `properties` in schema order, then `patternProperties`; array items in
//! index order; the first error wins. With the schemas of the envelope and of the entity.

use super::issue::{Issue, Stage};
use super::javascript::{describe, is_falsy, js_order, FieldPath};
use crate::catalog::yaml::{Node, NodeValue, Pos};

// ---------------------------------------------------------------------------------------------
// A small JSON-schema engine with ajv's error order (RULES.md §6.1): `type` first, then
// `required` in its listed order, then `additionalProperties` over the data's keys (JavaScript
// property order), then `properties` in schema order, then `patternProperties`; array items in
// index order; the first error wins.

/// A schema. "NES" is a non-empty string (`type: string, minLength: 1`).
#[derive(Clone, Copy)]
pub(super) enum S {
    /// `type: string`
    Str,
    /// `type: string, minLength: 1`
    NonEmptyStr,
    /// `type: string, minLength: 1, pattern: ^\w+$`
    Word,
    /// `type: [string, boolean]`
    StrOrBool,
    /// `type: string, enum: [...]`
    Enum(&'static [&'static str]),
    Array(&'static S),
    Object(&'static Obj),
    /// `oneOf`: exactly one branch must pass.
    OneOf(&'static [S]),
    /// EntityMeta's `annotations` as SchemaValid sees them after ProcessorOutputCollector: a
    /// falsy value became `{}`; an object must have string values.
    Annotations,
}

pub(super) const NES: S = S::NonEmptyStr;
pub(super) const NES_LIST: S = S::Array(&S::NonEmptyStr);
pub(super) const ANY_OBJECT: S = S::Object(&obj(&[], &[]));

#[derive(Clone, Copy)]
pub(super) struct Obj {
    pub(super) required: &'static [&'static str],
    pub(super) props: &'static [(&'static str, S)],
    pub(super) other: Other,
}

/// What a mapping's keys beyond `props` may be.
#[derive(Clone, Copy)]
pub(super) enum Other {
    Allowed,
    /// `additionalProperties: false`
    Forbidden,
    /// `additionalProperties: <schema>`
    Schema(&'static S),
    /// `patternProperties: {"^.+$": {type: string}}`: values of non-empty keys are strings.
    Strings,
}

pub(super) const fn obj(
    required: &'static [&'static str],
    props: &'static [(&'static str, S)],
) -> Obj {
    Obj {
        required,
        props,
        other: Other::Allowed,
    }
}

/// catalog-model schema/EntityEnvelope.schema.json.
pub(super) const ENVELOPE: S = S::Object(&Obj {
    required: &["apiVersion", "kind", "metadata"],
    props: &[
        ("apiVersion", NES),
        ("kind", NES),
        (
            "metadata",
            S::Object(&obj(&["name"], &[("name", NES), ("namespace", NES)])),
        ),
    ],
    other: Other::Allowed,
});

/// catalog-model schema/Entity.schema.json.
pub(super) const ENTITY: S = S::Object(&Obj {
    required: &["apiVersion", "kind", "metadata"],
    props: &[
        ("apiVersion", NES),
        ("kind", NES),
        ("metadata", S::Object(&META)),
        ("spec", ANY_OBJECT),
        ("relations", S::Array(&S::Object(&RELATION))),
        ("status", S::Object(&STATUS)),
    ],
    other: Other::Forbidden,
});

/// catalog-model schema/EntityMeta.schema.json.
const META: Obj = obj(
    &["name"],
    &[
        ("uid", NES),
        ("etag", NES),
        ("name", NES),
        ("namespace", NES),
        ("title", NES),
        ("description", S::Str),
        (
            "labels",
            S::Object(&Obj {
                required: &[],
                props: &[],
                other: Other::Strings,
            }),
        ),
        ("annotations", S::Annotations),
        ("tags", NES_LIST),
        (
            "links",
            S::Array(&S::Object(&obj(
                &["url"],
                &[("url", NES), ("title", NES), ("icon", NES), ("type", NES)],
            ))),
        ),
    ],
);

/// catalog-model schema/shared/common.schema.json: relation, reference, status, statusItem, error.
const RELATION: Obj = Obj {
    required: &["type", "targetRef"],
    props: &[
        ("type", S::Word),
        ("target", S::Object(&REFERENCE)),
        ("targetRef", NES),
    ],
    other: Other::Forbidden,
};
const REFERENCE: Obj = Obj {
    required: &["kind", "namespace", "name"],
    props: &[("kind", NES), ("namespace", NES), ("name", NES)],
    other: Other::Forbidden,
};
const STATUS: Obj = obj(
    &[],
    &[(
        "items",
        S::Array(&S::Object(&obj(
            &["type", "level", "message"],
            &[
                ("type", NES),
                ("level", S::Enum(&["info", "warning", "error"])),
                ("message", S::Str),
                (
                    "error",
                    S::Object(&obj(
                        &["name", "message"],
                        &[
                            ("name", NES),
                            ("message", S::Str),
                            ("code", S::Str),
                            ("stack", S::Str),
                        ],
                    )),
                ),
            ],
        ))),
    )],
);

/// A schema violation, turned into an [`Issue`] (with its message) only when reported.
pub(super) struct SchemaError {
    pos: Pos,
    path: String,
    what: Violation,
}

enum Violation {
    Missing {
        required: &'static [&'static str],
    },
    Type {
        expected: &'static str,
        found: Found,
    },
    Empty,
    Pattern,
    Enum {
        allowed: &'static [&'static str],
        found: String,
    },
    Unknown {
        allowed: &'static [(&'static str, S)],
    },
    OneOf {
        found: String,
    },
}

impl SchemaError {
    pub(super) fn into_issue(self, stage: Stage) -> Issue {
        let path = if self.path.is_empty() {
            "document"
        } else {
            &self.path
        };
        let message = match self.what {
            Violation::Missing { required } => {
                format!(
                    "{path}: required field is missing (required here: {})",
                    required.join(", ")
                )
            }
            Violation::Type { expected, found } => {
                // Quoting turns a YAML number, boolean or null into a string.
                let hint = if expected.contains("string") && found.scalar {
                    " (quote it to make it a string)"
                } else {
                    ""
                };
                format!("{path}: must be {expected}, found {}{hint}", found.text)
            }
            Violation::Empty => format!("{path}: must not be empty"),
            Violation::Pattern => format!("{path}: must be a single word of [A-Za-z0-9_]"),
            Violation::Enum { allowed, found } => {
                let allowed: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
                format!(
                    "{path}: must be one of {}, found {found}",
                    allowed.join(", ")
                )
            }
            Violation::Unknown { allowed } => {
                let allowed: Vec<&str> = allowed.iter().map(|(k, _)| *k).collect();
                if path.contains(['.', '[']) {
                    format!("{path}: unknown field (allowed: {})", allowed.join(", "))
                } else {
                    format!("{path}: unknown root field: an entity has only apiVersion, kind, metadata and spec")
                }
            }
            Violation::OneOf { found } => {
                format!("{path}: must be a mapping or a list of mappings, found {found}")
            }
        };
        Issue::error(stage, self.pos, message)
    }
}

pub(super) fn check_schema(
    s: &S,
    node: &Node,
    path: &FieldPath<'_>,
    key_pos: Pos,
) -> Result<(), SchemaError> {
    let type_error = |expected: &'static str| {
        Err(SchemaError {
            pos: node.pos,
            path: path.to_string(),
            what: Violation::Type {
                expected,
                found: Found::of(node),
            },
        })
    };
    match *s {
        S::Str => match node.value {
            NodeValue::String(_) => Ok(()),
            _ => type_error("a string"),
        },
        S::NonEmptyStr | S::Word => match &node.value {
            NodeValue::String(v) if v.is_empty() => Err(SchemaError {
                pos: node.pos,
                path: path.to_string(),
                what: Violation::Empty,
            }),
            NodeValue::String(v)
                if matches!(s, S::Word)
                    && !v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
            {
                Err(SchemaError {
                    pos: node.pos,
                    path: path.to_string(),
                    what: Violation::Pattern,
                })
            }
            NodeValue::String(_) => Ok(()),
            _ => type_error("a string"),
        },
        S::StrOrBool => match node.value {
            NodeValue::String(_) | NodeValue::Bool(_) => Ok(()),
            _ => type_error("a string or a boolean"),
        },
        S::Enum(allowed) => match &node.value {
            NodeValue::String(v) if allowed.contains(&v.as_str()) => Ok(()),
            NodeValue::String(_) => Err(SchemaError {
                pos: node.pos,
                path: path.to_string(),
                what: Violation::Enum {
                    allowed,
                    found: describe(node),
                },
            }),
            _ => type_error("a string"),
        },
        S::Array(items) => {
            let Some(seq) = node.as_seq() else {
                return type_error("a list");
            };
            for (i, item) in seq.iter().enumerate() {
                check_schema(items, item, &path.index(i), item.pos)?;
            }
            Ok(())
        }
        S::Object(o) => check_object(o, node, path, key_pos),
        S::OneOf(branches) => {
            let passing = branches
                .iter()
                .filter(|b| check_schema(b, node, path, key_pos).is_ok())
                .count();
            if passing == 1 {
                return Ok(());
            }
            // Report the error of the branch of the value's own type, which says more than
            // ajv's "must match exactly one schema in oneOf".
            for branch in branches {
                let same_type = matches!(
                    (branch, &node.value),
                    (S::Object(_), NodeValue::Map(_)) | (S::Array(_), NodeValue::Seq(_))
                );
                if same_type {
                    check_schema(branch, node, path, key_pos)?;
                }
            }
            Err(SchemaError {
                pos: node.pos,
                path: path.to_string(),
                what: Violation::OneOf {
                    found: describe(node),
                },
            })
        }
        S::Annotations => {
            if is_falsy(node) {
                return Ok(());
            }
            check_object(
                &Obj {
                    required: &[],
                    props: &[],
                    other: Other::Strings,
                },
                node,
                path,
                key_pos,
            )
        }
    }
}

pub(super) fn check_object(
    o: &Obj,
    node: &Node,
    path: &FieldPath<'_>,
    key_pos: Pos,
) -> Result<(), SchemaError> {
    let Some(entries) = node.as_map() else {
        return Err(SchemaError {
            pos: node.pos,
            path: path.to_string(),
            what: Violation::Type {
                expected: "a mapping",
                found: Found::of(node),
            },
        });
    };
    for field in o.required {
        if node.entry(field).is_none() {
            return Err(SchemaError {
                pos: key_pos,
                path: path.key(field).to_string(),
                what: Violation::Missing {
                    required: o.required,
                },
            });
        }
    }
    match o.other {
        Other::Allowed => {}
        Other::Forbidden | Other::Schema(_) => {
            for (key, value) in js_order(entries) {
                let name = key.key_text().unwrap_or_default();
                if o.props.iter().any(|(p, _)| *p == name) {
                    continue;
                }
                match o.other {
                    Other::Schema(s) => check_schema(s, value, &path.key(&name), key.pos)?,
                    _ => {
                        return Err(SchemaError {
                            pos: key.pos,
                            path: path.key(&name).to_string(),
                            what: Violation::Unknown { allowed: o.props },
                        })
                    }
                }
            }
        }
        Other::Strings => {}
    }
    for (name, schema) in o.props {
        if let Some((key, value)) = node.entry(name) {
            check_schema(schema, value, &path.key(name), key.pos)?;
        }
    }
    if let Other::Strings = o.other {
        for (key, value) in js_order(entries) {
            let name = key.key_text().unwrap_or_default();
            // `^.+$`: non-empty, and JavaScript's `.` matches no line terminator.
            let pattern = !name.is_empty() && !name.contains(['\n', '\r', '\u{2028}', '\u{2029}']);
            if pattern && value.as_str().is_none() {
                return Err(SchemaError {
                    pos: value.pos,
                    path: path.key(&name).to_string(),
                    what: Violation::Type {
                        expected: "a string",
                        found: Found::of(value),
                    },
                });
            }
        }
    }
    Ok(())
}

/// The value found where another type was expected.
struct Found {
    text: String,
    /// A number or a boolean, which quoting would make a string.
    scalar: bool,
}

impl Found {
    fn of(node: &Node) -> Found {
        let scalar = matches!(
            node.value,
            NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_)
        );
        Found {
            text: describe(node),
            scalar,
        }
    }
}
