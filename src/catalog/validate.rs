//! Validation with Backstage's own rules, in Backstage's order, stopping at a document's first
//! error as the catalog backend does. The spec is `tests/conformance/RULES.md`; every rule is
//! written down where it is enforced, with the Backstage source it mirrors (catalog-model 1.10.3,
//! plugin-scaffolder-common 2.4.0, plugin-catalog-backend 4.0.5), and `tests/conformance.rs`
//! checks the verdicts against Backstage's real code.
//!
//! The stages (RULES.md §0), each a [`Stage`]:
//!
//! 1. `yaml`: the document root must be a mapping ([`check_envelope`]);
//! 2. `envelope`: the `EntityEnvelope` schema ([`check_envelope`]);
//! 3. `annotations`: `metadata.annotations` must be an object or falsy ([`check_envelope`]);
//! 4. `preprocess`: `$text`/`$json`/`$yaml` placeholders (in `document.rs`: it reads files);
//! 5. `policy`: SchemaValid, DefaultNamespace, NoForeignRootFields, FieldFormat ([`check_entity`]);
//! 6. `kind`: the kind validators of the builtin kinds and of Template v1beta3 ([`check_entity`]);
//! 7. `location`: the Location step ([`check_entity`]);
//! 8. `relations`: entity references of relation fields (`relations::declared`).
//!
//! **The one deliberate difference from the backend**: an entity whose (kind, apiVersion) pair no
//! builtin validator claims (`Widget`, `component` in lower case, `backstage.io/v1` Component,
//! `scaffolder.backstage.io/v1beta2` Template) is an *error* in Backstage ("No processor
//! recognized the entity") but a **warning** here, and it loads as a generic entity: no kind
//! schema, no Location step and no relations, since greenroom does not know what its spec means.
//! Backstage allows custom kinds (with a processor of their own), and greenroom has no way to know
//! an organisation's processors. A builtin pair is validated fully: a Component whose spec breaks
//! the Component schema is an error, as in Backstage. The conformance test lists the documents
//! this difference applies to.
//!
//! Validation runs on every entity at load (100k of them), so the checks are hand-written byte
//! scans over the borrowed tree and allocate only to build the message of a problem.

use super::problem::Severity;
use super::yaml::{Node, NodeValue, Pos};
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub pos: Pos,
    pub severity: Severity,
    pub message: String,
    /// The step of Backstage's processing that the rule belongs to.
    pub stage: Stage,
}

impl Issue {
    pub fn error(stage: Stage, pos: Pos, message: impl Into<String>) -> Self {
        Issue {
            pos,
            severity: Severity::Error,
            message: message.into(),
            stage,
        }
    }

    pub fn warning(stage: Stage, pos: Pos, message: impl Into<String>) -> Self {
        Issue {
            pos,
            severity: Severity::Warning,
            message: message.into(),
            stage,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The step of Backstage's processing where a document failed, named as the conformance runner
/// (`tests/conformance/backstage-validate.mjs`) names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Yaml,
    Envelope,
    Annotations,
    Preprocess,
    Policy,
    Kind,
    Location,
    Relations,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Yaml => "yaml",
            Stage::Envelope => "envelope",
            Stage::Annotations => "annotations",
            Stage::Preprocess => "preprocess",
            Stage::Policy => "policy",
            Stage::Kind => "kind",
            Stage::Location => "location",
            Stage::Relations => "relations",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`check_entity`] concluded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// At most one error (the first), plus warnings.
    pub issues: Vec<Issue>,
    /// Whether a builtin validator claimed the entity's kind and apiVersion. When false the
    /// entity is generic (a warning says so): it has no kind checks and declares no relations.
    pub builtin: bool,
}

impl Verdict {
    pub fn has_error(&self) -> bool {
        self.issues.iter().any(Issue::is_error)
    }
}

/// Validates one document without resolving placeholders (an object like `{$text: ./x}` stays an
/// object, as an unknown resolver would). `document::read_documents` runs the same stages with
/// placeholders resolved; this is for callers that have only a tree.
pub fn validate(doc: &Node) -> Vec<Issue> {
    if let Err(issue) = check_envelope(doc) {
        return vec![issue];
    }
    check_entity(doc, &LocationContext::default()).issues
}

/// Stages 1 to 3: what Backstage checks when a file's entity is emitted, before any processing.
pub fn check_envelope(doc: &Node) -> Result<(), Issue> {
    // plugin-catalog-node processing/parse.ts parseEntityYaml: a document that is not a plain
    // object is "Expected object at root, got <typeof>" (an empty document never gets here).
    if doc.as_map().is_none() {
        return Err(Issue::error(
            Stage::Yaml,
            doc.pos,
            format!(
                "document root must be a mapping (an entity: apiVersion, kind, metadata, spec), found {}",
                describe(doc)
            ),
        ));
    }
    // plugin-catalog-backend ProcessorOutputCollector.receive(): catalog-model
    // schema/EntityEnvelope.schema.json (apiVersion, kind, metadata.name required non-empty
    // strings; metadata.namespace a non-empty string when present; anything else allowed).
    check_schema(&ENVELOPE, doc, &FieldPath::ROOT, doc.pos)
        .map_err(|e| e.into_issue(Stage::Envelope))?;
    // ProcessorOutputCollector.receive(): `annotations = entity.metadata.annotations || {}` must
    // then be an object (not an array); a falsy value (null, "", 0, false) is replaced by {}.
    let metadata = doc.get("metadata").expect("envelope checked");
    if let Some(annotations) = metadata.get("annotations") {
        if !is_falsy(annotations) && annotations.as_map().is_none() {
            return Err(Issue::error(
                Stage::Annotations,
                annotations.pos,
                format!(
                    "metadata.annotations: must be a mapping of strings, found {}",
                    describe(annotations)
                ),
            ));
        }
    }
    Ok(())
}

/// The location a document was read from, for the Location step. greenroom reads local files,
/// which Backstage calls `file` locations.
#[derive(Clone, Debug)]
pub struct LocationContext<'a> {
    /// The type of the location that read the document (`file`, `url`).
    pub location_type: &'a str,
}

impl Default for LocationContext<'_> {
    fn default() -> Self {
        LocationContext {
            location_type: "file",
        }
    }
}

/// Stages 5 to 7, on a document that passed [`check_envelope`] and whose placeholders are
/// resolved: the policies, the kind validators and the Location step.
pub fn check_entity(doc: &Node, location: &LocationContext<'_>) -> Verdict {
    let mut verdict = Verdict::default();
    if let Err(issue) = check_policies(doc) {
        verdict.issues.push(issue);
        return verdict;
    }
    let api_version = doc
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let kind_node = doc.get("kind").expect("envelope checked");
    let kind = kind_node.as_str().unwrap_or_default();
    // plugin-catalog-backend DefaultCatalogProcessingOrchestrator runValidateStep: every
    // processor's validateEntityKind; BuiltinKindsEntityProcessor tries the eight builtin
    // validators, ScaffolderEntitiesProcessor the Template v1beta3 one. A validator (catalog-model
    // validation/entityKindSchemaValidator) declines (returns false) when its `kind` or
    // `apiVersion` enum does not match, whatever else is wrong, and throws the first schema error
    // otherwise. So: the (kind, apiVersion) pair picks at most one schema.
    let Some(schema) = KINDS
        .iter()
        .find(|k| k.kind == kind && k.api_versions.contains(&api_version))
    else {
        verdict.issues.push(unknown_kind(doc, kind, api_version));
        return verdict;
    };
    verdict.builtin = true;
    if let Err(issue) = check_kind(schema, doc) {
        verdict.issues.push(issue);
        return verdict;
    }
    if kind == "Location" {
        if let Err(issue) = check_location(doc, location) {
            verdict.issues.push(issue);
        }
    }
    verdict
}

// ---------------------------------------------------------------------------------------------
// Stage 5: the policies (plugin-catalog-backend service/CatalogBuilder.ts buildEntityPolicy():
// SchemaValid, DefaultNamespace, NoForeignRootFields, FieldFormat, in this order).

fn check_policies(doc: &Node) -> Result<(), Issue> {
    // catalog-model entity/policies/SchemaValidEntityPolicy: schema/Entity.schema.json with
    // EntityMeta and common (ajv, first error): no root fields but apiVersion, kind, metadata,
    // spec, relations, status; spec an object; metadata fields typed (see ENTITY, META).
    check_schema(&ENTITY, doc, &FieldPath::ROOT, doc.pos)
        .map_err(|e| e.into_issue(Stage::Policy))?;
    // DefaultNamespaceEntityPolicy only fills in `default`: it never fails.
    // catalog-model entity/policies/NoForeignRootFieldsEntityPolicy: root fields other than
    // apiVersion, kind, metadata, spec are "Unknown field"; only relations and status get here
    // (SchemaValid refused every other one).
    for (key, _) in js_order(doc.as_map().unwrap_or_default()) {
        let name = key.key_text().unwrap_or_default();
        if matches!(&*name, "relations" | "status") {
            return Err(Issue::error(
                Stage::Policy,
                key.pos,
                format!("{name}: unknown root field: the catalog computes an entity's {name}, a file cannot set them (an entity has only apiVersion, kind, metadata and spec)"),
            ));
        }
    }
    check_field_format(doc)
}

/// catalog-model entity/policies/FieldFormatEntityPolicy with validation/makeValidator's default
/// validators (validation/KubernetesValidatorFunctions, validation/CommonValidatorFunctions),
/// checked in this order, first failure wins.
fn check_field_format(doc: &Node) -> Result<(), Issue> {
    let bad = |node: &Node, message: String| Err(Issue::error(Stage::Policy, node.pos, message));
    let (_, api_version) = doc.entry("apiVersion").expect("envelope checked");
    if !is_valid_api_version(api_version.as_str().unwrap_or_default()) {
        return bad(api_version, format!("apiVersion: {:?} is not a valid apiVersion: [<DNS subdomain>/]<1 to 63 of [a-zA-Z0-9]>, e.g. backstage.io/v1alpha1", text(api_version)));
    }
    let kind = doc.get("kind").expect("envelope checked");
    if !is_valid_kind(kind.as_str().unwrap_or_default()) {
        return bad(kind, format!("kind: {:?} is not a valid kind: a letter followed by letters and digits ([a-zA-Z][a-zA-Z0-9]*), at most 63 characters in total", text(kind)));
    }
    let metadata = doc.get("metadata").expect("envelope checked");
    let name = metadata.get("name").expect("envelope checked");
    if !is_valid_object_name(name.as_str().unwrap_or_default()) {
        return bad(
            name,
            format!(
                "metadata.name: {:?} is not a valid name: {NAME_RULE}",
                text(name)
            ),
        );
    }
    if let Some(namespace) = metadata.get("namespace") {
        if !is_valid_dns_label(namespace.as_str().unwrap_or_default()) {
            return bad(
                namespace,
                format!(
                    "metadata.namespace: {:?} is not a valid namespace: {DNS_LABEL_RULE}",
                    text(namespace)
                ),
            );
        }
    }
    // labels: every key isValidLabelKey, then its value isValidLabelValue ("" or a name).
    if let Some(labels) = metadata.get("labels").and_then(Node::as_map) {
        for (key, value) in js_order(labels) {
            let key_text = key.key_text().unwrap_or_default();
            let path = FieldPath::ROOT.key("metadata");
            let path = path.key("labels");
            if !is_valid_prefixed_name(&key_text) {
                return bad(
                    key,
                    format!(
                        "{path}: key {key_text:?} is not a valid label key: {PREFIXED_NAME_RULE}"
                    ),
                );
            }
            let value_text = value.as_str().unwrap_or_default();
            if !(value_text.is_empty() || is_valid_object_name(value_text)) {
                let path = path.key(&key_text);
                return bad(
                    value,
                    format!(
                        "{path}: {value_text:?} is not a valid label value: empty, or {NAME_RULE}"
                    ),
                );
            }
        }
    }
    // annotations: every key isValidAnnotationKey (as a label key); values any string (checked
    // by SchemaValid). The two annotations the backend injects are always valid.
    if let Some(annotations) = metadata.get("annotations").and_then(Node::as_map) {
        for (key, _) in js_order(annotations) {
            let key_text = key.key_text().unwrap_or_default();
            if !is_valid_prefixed_name(&key_text) {
                return bad(key, format!("metadata.annotations: key {key_text:?} is not a valid annotation key: {PREFIXED_NAME_RULE}"));
            }
        }
    }
    // tags: makeValidator's isValidTag (not CommonValidatorFunctions'): ":" allowed.
    if let Some(tags) = metadata.get("tags").and_then(Node::as_seq) {
        for (i, tag) in tags.iter().enumerate() {
            if !is_valid_tag(tag.as_str().unwrap_or_default()) {
                return bad(
                    tag,
                    format!(
                        "metadata.tags[{i}]: {:?} is not a valid tag: {TAG_RULE}",
                        text(tag)
                    ),
                );
            }
        }
    }
    // links: url isValidUrl (WHATWG `new URL(v)`), title and icon isNonEmptyString when present.
    if let Some(links) = metadata.get("links").and_then(Node::as_seq) {
        for (i, link) in links.iter().enumerate() {
            let url = link.get("url").expect("SchemaValid requires links[].url");
            if !is_valid_url(url.as_str().unwrap_or_default()) {
                return bad(url, format!("metadata.links[{i}].url: {:?} is not a valid URL: an absolute URL with a scheme, e.g. https://example.com/dashboard", text(url)));
            }
            for field in ["title", "icon"] {
                if let Some(value) = link.get(field) {
                    if !is_non_empty_string(value.as_str().unwrap_or_default()) {
                        return bad(value, format!("metadata.links[{i}].{field}: {:?} is blank: it must have a character that is not whitespace", text(value)));
                    }
                }
            }
        }
    }
    Ok(())
}

const NAME_RULE: &str =
    "a string of [a-zA-Z0-9] sequences separated by any of [-_.], at most 63 characters in total";
const DNS_LABEL_RULE: &str = "a string of [a-z0-9] sequences separated by [-], at most 63 characters in total (lower case only)";
const PREFIXED_NAME_RULE: &str = "[<prefix>/]<name>, where the optional prefix is a DNS subdomain (lower-case [a-z0-9-] labels separated by dots, at most 253 characters) and the name is a string of [a-zA-Z0-9] sequences separated by any of [-_.], at most 63 characters";
const TAG_RULE: &str = "a string of [a-z0-9:+#] sequences separated by single [-], at most 63 characters in total (lower case only)";

/// KubernetesValidatorFunctions.isValidObjectName (makeValidator's isValidEntityName): 1 to 63
/// characters, `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
pub fn is_valid_object_name(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// CommonValidatorFunctions.isValidDnsLabel (and isValidNamespace): 1 to 63 characters,
/// `^[a-z0-9]+(?:\-+[a-z0-9]+)*$` (runs of `-` allowed inside).
pub fn is_valid_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=63).contains(&b.len())
        && alnum(b[0])
        && alnum(b[b.len() - 1])
        && b.iter().all(|&c| alnum(c) || c == b'-')
}

/// CommonValidatorFunctions.isValidDnsSubdomain: 1 to 253 characters, DNS labels joined by `.`.
pub fn is_valid_dns_subdomain(s: &str) -> bool {
    (1..=253).contains(&s.len()) && s.split('.').all(is_valid_dns_label)
}

/// CommonValidatorFunctions.isValidPrefixAndOrSuffix with "/": `suffix` or `prefix/suffix`.
fn prefix_and_or_suffix(
    s: &str,
    prefix: impl Fn(&str) -> bool,
    suffix: impl Fn(&str) -> bool,
) -> bool {
    match s.split_once('/') {
        None => suffix(s),
        Some((p, rest)) => !rest.contains('/') && prefix(p) && suffix(rest),
    }
}

/// KubernetesValidatorFunctions.isValidApiVersion: `[<DNS subdomain>/]<1..63 of [a-zA-Z0-9]>`.
pub fn is_valid_api_version(s: &str) -> bool {
    prefix_and_or_suffix(s, is_valid_dns_subdomain, |v| {
        (1..=63).contains(&v.len()) && v.bytes().all(|c| c.is_ascii_alphanumeric())
    })
}

/// KubernetesValidatorFunctions.isValidKind: 1 to 63 characters, `^[a-zA-Z][a-z0-9A-Z]*$`.
pub fn is_valid_kind(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric())
}

/// KubernetesValidatorFunctions.isValidLabelKey and isValidAnnotationKey:
/// `[<DNS subdomain (≤ 253)>/]<object name (≤ 63)>`.
pub fn is_valid_prefixed_name(s: &str) -> bool {
    prefix_and_or_suffix(s, is_valid_dns_subdomain, is_valid_object_name)
}

/// makeValidator's isValidTag: 1 to 63 characters, `^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`.
pub fn is_valid_tag(s: &str) -> bool {
    let b = s.as_bytes();
    let part =
        |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b':' | b'+' | b'#');
    (1..=63).contains(&b.len())
        && part(b[0])
        && part(b[b.len() - 1])
        && !s.contains("--")
        && b.iter().all(|&c| part(c) || c == b'-')
}

/// CommonValidatorFunctions.isValidUrl: `new URL(v)` does not throw. The `url` crate implements
/// the same WHATWG URL Standard as JavaScript's URL.
pub fn is_valid_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

/// CommonValidatorFunctions.isNonEmptyString: `v.trim().length >= 1`, with JavaScript's trim
/// (Unicode White_Space without U+0085, plus U+FEFF).
pub fn is_non_empty_string(s: &str) -> bool {
    s.chars()
        .any(|c| !(c != '\u{85}' && c.is_whitespace() || c == '\u{feff}'))
}

// ---------------------------------------------------------------------------------------------
// Stage 6: the kind validators.

/// A builtin kind: the (kind, apiVersion) enums of its schema and its `spec` schema.
struct KindSchema {
    kind: &'static str,
    api_versions: &'static [&'static str],
    spec: Obj,
}

const BACKSTAGE_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];

/// catalog-model schema/kinds/*.v1alpha1.schema.json (BuiltinKindsEntityProcessor, in its
/// order) and plugin-scaffolder-common Template.v1beta3.schema.json (ScaffolderEntitiesProcessor).
/// Every spec allows fields beyond these.
const KINDS: &[KindSchema] = &[
    KindSchema {
        kind: "API",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &["type", "lifecycle", "owner", "definition"],
            &[
                ("type", NES),
                ("lifecycle", NES),
                ("owner", NES),
                ("system", NES),
                ("definition", NES),
            ],
        ),
    },
    KindSchema {
        kind: "Component",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &["type", "lifecycle", "owner"],
            &[
                ("type", NES),
                ("lifecycle", NES),
                ("owner", NES),
                ("system", NES),
                ("subcomponentOf", NES),
                ("providesApis", NES_LIST),
                ("consumesApis", NES_LIST),
                ("dependsOn", NES_LIST),
            ],
        ),
    },
    KindSchema {
        kind: "Resource",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &["type", "owner"],
            &[
                ("type", NES),
                ("owner", NES),
                ("dependsOn", NES_LIST),
                ("system", NES),
            ],
        ),
    },
    KindSchema {
        kind: "Group",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &["type", "children"],
            &[
                ("type", NES),
                ("profile", PROFILE),
                ("parent", NES),
                ("children", NES_LIST),
                ("members", NES_LIST),
            ],
        ),
    },
    KindSchema {
        kind: "Location",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &[],
            &[
                ("type", NES),
                ("target", NES),
                ("targets", NES_LIST),
                ("presence", S::Enum(&["required", "optional"])),
            ],
        ),
    },
    KindSchema {
        kind: "User",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &["memberOf"],
            &[("profile", PROFILE), ("memberOf", NES_LIST)],
        ),
    },
    KindSchema {
        kind: "System",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &["owner"],
            &[("owner", NES), ("domain", NES), ("type", NES)],
        ),
    },
    KindSchema {
        kind: "Domain",
        api_versions: BACKSTAGE_VERSIONS,
        spec: obj(
            &["owner"],
            &[("owner", NES), ("subdomainOf", NES), ("type", NES)],
        ),
    },
    KindSchema {
        kind: "Template",
        api_versions: &["scaffolder.backstage.io/v1beta3"],
        spec: obj(
            &["type", "steps"],
            &[
                ("type", NES),
                ("owner", NES),
                ("lifecycle", NES),
                // oneOf: an object, or an array of objects (the form's pages).
                (
                    "parameters",
                    S::OneOf(&[
                        S::Object(&PARAMETERS_OBJECT),
                        S::Array(&S::Object(&PARAMETERS_PAGE)),
                    ]),
                ),
                ("secrets", S::Object(&obj(&[], &[("schema", ANY_OBJECT)]))),
                (
                    "presentation",
                    S::Object(&obj(
                        &[],
                        &[(
                            "buttonLabels",
                            S::Object(&obj(
                                &[],
                                &[
                                    ("backButtonText", S::Str),
                                    ("createButtonText", S::Str),
                                    ("reviewButtonText", S::Str),
                                ],
                            )),
                        )],
                    )),
                ),
                (
                    "EXPERIMENTAL_recovery",
                    S::Object(&obj(&[], &[("EXPERIMENTAL_strategy", S::Str)])),
                ),
                ("formDecorators", S::Array(&S::Object(&FORM_DECORATOR))),
                (
                    "EXPERIMENTAL_formDecorators",
                    S::Array(&S::Object(&FORM_DECORATOR)),
                ),
                ("steps", S::Array(&S::Object(&STEP))),
                ("output", S::Object(&OUTPUT)),
            ],
        ),
    },
];

const PROFILE: S = S::Object(&obj(
    &[],
    &[("displayName", NES), ("email", NES), ("picture", NES)],
));
const PERMISSIONS: S = S::Object(&obj(&[], &[("tags", S::Array(&S::Str))]));
const PARAMETERS_OBJECT: Obj = obj(&[], &[("backstage:permissions", PERMISSIONS)]);
const PARAMETERS_PAGE: Obj = obj(
    &[],
    &[
        ("when", S::StrOrBool),
        ("backstage:permissions", PERMISSIONS),
    ],
);
const FORM_DECORATOR: Obj = obj(&[], &[("id", S::Str), ("input", ANY_OBJECT)]);
const STEP: Obj = obj(
    &["action"],
    &[
        ("id", S::Str),
        ("name", S::Str),
        ("action", S::Str),
        ("input", ANY_OBJECT),
        ("if", S::StrOrBool),
        ("backstage:permissions", PERMISSIONS),
    ],
);
/// `output`: links and text lists; any other key must be a string (additionalProperties).
const OUTPUT: Obj = Obj {
    required: &[],
    props: &[
        (
            "links",
            S::Array(&S::Object(&obj(
                &[],
                &[
                    ("if", S::StrOrBool),
                    ("url", NES),
                    ("entityRef", NES),
                    ("title", NES),
                    ("icon", NES),
                ],
            ))),
        ),
        (
            "text",
            S::Array(&S::Object(&obj(
                &[],
                &[
                    ("if", S::StrOrBool),
                    ("title", NES),
                    ("icon", NES),
                    ("content", S::Str),
                ],
            ))),
        ),
    ],
    other: Other::Schema(&S::Str),
};

/// The kind schema's `allOf[1]` (catalog-model validation/entityKindSchemaValidator): `spec` is
/// required, then its own schema; the first ajv error is thrown.
fn check_kind(schema: &KindSchema, doc: &Node) -> Result<(), Issue> {
    let Some((key, spec)) = doc.entry("spec") else {
        return Err(Issue::error(
            Stage::Kind,
            doc.pos,
            format!(
                "spec: required field is missing (every {} has a spec)",
                schema.kind
            ),
        ));
    };
    let path = FieldPath::ROOT.key("spec");
    check_object(&schema.spec, spec, &path, key.pos).map_err(|e| e.into_issue(Stage::Kind))
}

/// The warning for a (kind, apiVersion) pair that no builtin validator claims.
fn unknown_kind(doc: &Node, kind: &str, api_version: &str) -> Issue {
    let kind_node = doc.get("kind").expect("envelope checked");
    let generic = "loaded as a generic entity (no kind checks, no relations)";
    if let Some(known) = KINDS.iter().find(|k| k.kind == kind) {
        let node = doc.get("apiVersion").expect("envelope checked");
        let accepted = known.api_versions.join(" or ");
        return Issue::warning(
            Stage::Kind,
            node.pos,
            format!("apiVersion: {api_version:?} is not an apiVersion Backstage accepts for kind {kind} (only {accepted}), so Backstage rejects this entity; {generic}"),
        );
    }
    if let Some(known) = KINDS.iter().find(|k| k.kind.eq_ignore_ascii_case(kind)) {
        return Issue::warning(
            Stage::Kind,
            kind_node.pos,
            format!("kind: {kind:?} is not a builtin kind (kinds are case-sensitive: did you mean {:?}?), so Backstage rejects this entity; {generic}", known.kind),
        );
    }
    Issue::warning(
        Stage::Kind,
        kind_node.pos,
        format!("kind: {kind:?} (apiVersion {api_version:?}) is not a builtin kind: a Backstage catalog rejects it unless a processor of its own accepts it; {generic}"),
    )
}

// ---------------------------------------------------------------------------------------------
// Stage 7: plugin-catalog-backend DefaultCatalogProcessingOrchestrator runSpecialLocationStep
// (the static part; greenroom follows the targets itself in load.rs).

fn check_location(doc: &Node, location: &LocationContext<'_>) -> Result<(), Issue> {
    let spec = doc.get("spec").expect("kind schema requires spec");
    // `type = spec.type ?? <type of the location that read the file>`; a type other than that
    // one must be in allowedLocationTypes (CatalogBuilder's default: ["url"]).
    let type_node = spec.get("type");
    let location_type = type_node
        .and_then(Node::as_str)
        .unwrap_or(location.location_type);
    if location_type != location.location_type && location_type != "url" {
        let node = type_node.expect("differs from the default");
        return Err(Issue::error(
            Stage::Location,
            node.pos,
            format!(
                "spec.type: {location_type:?} is not an allowed Location type here: a Location read from a {} location may have type {:?} or \"url\" (Backstage's allowedLocationTypes)",
                location.location_type, location.location_type
            ),
        ));
    }
    // `file` targets must not end with a path separator.
    if location_type == "file" {
        let target = spec
            .get("target")
            .into_iter()
            .map(|t| ("spec.target".to_string(), t));
        let targets = spec
            .get("targets")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let targets = targets
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("spec.targets[{i}]"), t));
        for (field, node) in target.chain(targets) {
            let value = node.as_str().unwrap_or_default();
            if value.ends_with('/') {
                return Err(Issue::error(
                    Stage::Location,
                    node.pos,
                    format!("{field}: {value:?} ends with a path separator: a file Location's targets must name files, e.g. {value}catalog-info.yaml"),
                ));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A small JSON-schema engine with ajv's error order (RULES.md §6.1): `type` first, then
// `required` in its listed order, then `additionalProperties` over the data's keys (JavaScript
// property order), then `properties` in schema order, then `patternProperties`; array items in
// index order; the first error wins.

/// A schema. "NES" is a non-empty string (`type: string, minLength: 1`).
#[derive(Clone, Copy)]
enum S {
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

const NES: S = S::NonEmptyStr;
const NES_LIST: S = S::Array(&S::NonEmptyStr);
const ANY_OBJECT: S = S::Object(&obj(&[], &[]));

#[derive(Clone, Copy)]
struct Obj {
    required: &'static [&'static str],
    props: &'static [(&'static str, S)],
    other: Other,
}

/// What a mapping's keys beyond `props` may be.
#[derive(Clone, Copy)]
enum Other {
    Allowed,
    /// `additionalProperties: false`
    Forbidden,
    /// `additionalProperties: <schema>`
    Schema(&'static S),
    /// `patternProperties: {"^.+$": {type: string}}`: values of non-empty keys are strings.
    Strings,
}

const fn obj(required: &'static [&'static str], props: &'static [(&'static str, S)]) -> Obj {
    Obj {
        required,
        props,
        other: Other::Allowed,
    }
}

/// catalog-model schema/EntityEnvelope.schema.json.
const ENVELOPE: S = S::Object(&Obj {
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
const ENTITY: S = S::Object(&Obj {
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
struct SchemaError {
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
    fn into_issue(self, stage: Stage) -> Issue {
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

fn check_schema(s: &S, node: &Node, path: &FieldPath<'_>, key_pos: Pos) -> Result<(), SchemaError> {
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

fn check_object(
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

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A field's path for messages (`spec.steps[0].if`), kept on the stack until a message needs it.
#[derive(Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    pub const ROOT: FieldPath<'static> = FieldPath {
        parent: None,
        segment: Segment::Root,
    };

    pub fn key(&'a self, key: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        let first = matches!(
            self.parent,
            Some(FieldPath {
                segment: Segment::Root,
                ..
            })
        );
        match self.segment {
            Segment::Root => Ok(()),
            Segment::Index(i) => write!(f, "[{i}]"),
            Segment::Key(k) if is_plain_key(k) => {
                if !first {
                    f.write_str(".")?;
                }
                f.write_str(k)
            }
            Segment::Key(k) => write!(f, "[{k:?}]"),
        }
    }
}

/// A key that reads unambiguously in a dotted path.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'$' | b':'))
}

/// A mapping's entries in JavaScript property order (`Object.entries`, `for…in`): keys that are
/// array indices first, ascending, then the others in source order. Allocates only when a key is
/// an array index.
fn js_order(entries: &[(Node, Node)]) -> impl Iterator<Item = &(Node, Node)> {
    let indexed = entries.iter().any(|(k, _)| array_index(k).is_some());
    let mut order: Vec<&(Node, Node)> = Vec::new();
    if indexed {
        let mut numeric: Vec<(u32, &(Node, Node))> = entries
            .iter()
            .filter_map(|e| array_index(&e.0).map(|i| (i, e)))
            .collect();
        numeric.sort_by_key(|(i, _)| *i);
        order.extend(numeric.into_iter().map(|(_, e)| e));
        order.extend(entries.iter().filter(|e| array_index(&e.0).is_none()));
    }
    let plain = if indexed { None } else { Some(entries.iter()) };
    plain.into_iter().flatten().chain(order)
}

/// A key JavaScript treats as an array index: the canonical decimal form of 0..2^32-2.
fn array_index(key: &Node) -> Option<u32> {
    let text: Cow<'_, str> = match &key.value {
        NodeValue::String(s) => Cow::Borrowed(s.as_str()),
        NodeValue::Int(i) => Cow::Owned(i.to_string()),
        _ => return None,
    };
    let b = text.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    text.parse::<u32>().ok().filter(|i| *i != u32::MAX)
}

/// JavaScript's falsiness of a JSON value: null, false, 0, NaN, "".
pub fn is_falsy(node: &Node) -> bool {
    match &node.value {
        NodeValue::Null => true,
        NodeValue::Bool(b) => !b,
        NodeValue::Int(i) => *i == 0,
        NodeValue::Float(x) => *x == 0.0 || x.is_nan(),
        NodeValue::String(s) => s.is_empty(),
        NodeValue::Seq(_) | NodeValue::Map(_) => false,
    }
}

/// A scalar's text for a message, as JavaScript would print the value.
fn text(node: &Node) -> Cow<'_, str> {
    node.key_text().unwrap_or(Cow::Borrowed(""))
}

/// What a node is, for "found …" in messages.
pub(crate) fn describe(node: &Node) -> String {
    match &node.value {
        NodeValue::Null => "an empty value (null)".into(),
        NodeValue::Bool(b) => format!("the boolean {b}"),
        NodeValue::Int(i) => format!("the number {i}"),
        NodeValue::Float(x) => format!("the number {x}"),
        NodeValue::String(s) => format!("the string {s:?}"),
        NodeValue::Seq(_) => "a list".into(),
        NodeValue::Map(_) => "a mapping".into(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::yaml::parse_documents;

    fn doc(text: &str) -> Node {
        parse_documents(text).remove(0).unwrap().unwrap()
    }

    const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n";

    /// A valid Component with `extra` spliced in after `metadata:` (indented as metadata fields).
    fn with_metadata(extra: &str) -> String {
        COMPONENT.replace("metadata:\n", &format!("metadata:\n{extra}"))
    }

    fn first_error(text: &str) -> Option<Issue> {
        validate(&doc(text)).into_iter().find(Issue::is_error)
    }

    fn assert_valid(text: &str) {
        let issues = validate(&doc(text));
        assert!(issues.is_empty(), "{text}\n{issues:#?}");
    }

    fn assert_error(text: &str, stage: Stage, needle: &str) -> Issue {
        let issue = first_error(text).unwrap_or_else(|| panic!("no error for:\n{text}"));
        assert_eq!(issue.stage, stage, "{issue:?}");
        assert!(
            issue.message.contains(needle),
            "{:?} does not contain {needle:?}",
            issue.message
        );
        issue
    }

    #[test]
    fn a_valid_component_has_no_issue() {
        assert_valid(COMPONENT);
    }

    #[test]
    fn name_lengths_and_shapes() {
        assert!(is_valid_object_name("a"));
        assert!(is_valid_object_name(&"a".repeat(63)));
        assert!(!is_valid_object_name(&"a".repeat(64)));
        assert!(!is_valid_object_name(""));
        assert!(is_valid_object_name("CircleciBuildsDumpV2_avro--gcs..x_.y"));
        for bad in ["-a", "a-", "_a", "a.", "a b", "café", "a/b", "a:b", "a\n"] {
            assert!(!is_valid_object_name(bad), "{bad}");
        }
        let issue = assert_error(
            &COMPONENT.replace("name: x", "name: Bad Name"),
            Stage::Policy,
            "metadata.name",
        );
        assert_eq!(
            issue.message,
            "metadata.name: \"Bad Name\" is not a valid name: a string of [a-zA-Z0-9] sequences separated by any of [-_.], at most 63 characters in total"
        );
        assert_eq!(issue.pos, Pos { line: 4, col: 9 });
    }

    #[test]
    fn namespace_is_a_dns_label() {
        assert!(is_valid_dns_label("a--b"));
        assert!(is_valid_dns_label("9lives"));
        assert!(is_valid_dns_label(&"a".repeat(63)));
        assert!(!is_valid_dns_label(&"a".repeat(64)));
        for bad in ["", "Default", "my_ns", "my.ns", "-ns", "ns-"] {
            assert!(!is_valid_dns_label(bad), "{bad}");
        }
        assert_error(
            &with_metadata("  namespace: Default\n"),
            Stage::Policy,
            "metadata.namespace: \"Default\"",
        );
    }

    #[test]
    fn prefixes_are_dns_subdomains_of_at_most_253() {
        let label = "a".repeat(63);
        let prefix_253 = format!("{label}.{label}.{label}.{}", "a".repeat(61));
        assert_eq!(prefix_253.len(), 253);
        assert!(is_valid_prefixed_name(&format!("{prefix_253}/{label}")));
        assert!(
            !is_valid_prefixed_name(&format!("{prefix_253}a/x")),
            "254-character prefix"
        );
        assert!(
            !is_valid_prefixed_name(&format!("example.com/{label}a")),
            "64-character name"
        );
        assert!(is_valid_prefixed_name("example.com/x_y.z-w"));
        for bad in [
            "a/b/c",
            "Example.com/team",
            "/foo",
            "example.com/",
            "my_corp.com/team",
            "a#b",
            "my key",
            "",
        ] {
            assert!(!is_valid_prefixed_name(bad), "{bad}");
        }
    }

    #[test]
    fn labels_keys_then_values() {
        assert_valid(&with_metadata(
            "  labels:\n    empty: ''\n    example.com/x: Value_1.2-3\n",
        ));
        let issue = assert_error(
            &with_metadata("  labels:\n    a/b/c: x\n"),
            Stage::Policy,
            "not a valid label key",
        );
        assert_eq!(issue.pos, Pos { line: 5, col: 5 });
        let issue = assert_error(
            &with_metadata("  labels:\n    a: b c\n"),
            Stage::Policy,
            "metadata.labels.a: \"b c\" is not a valid label value",
        );
        assert_eq!(issue.pos, Pos { line: 5, col: 8 });
        assert_error(
            &with_metadata(&format!("  labels:\n    a: {}\n", "v".repeat(64))),
            Stage::Policy,
            "label value",
        );
        // SchemaValid before FieldFormat: a number is a type error.
        assert_error(
            &with_metadata("  labels:\n    version: 1.0\n"),
            Stage::Policy,
            "metadata.labels.version: must be a string, found the number 1",
        );
        assert_error(
            &with_metadata("  labels:\n"),
            Stage::Policy,
            "metadata.labels: must be a mapping",
        );
    }

    #[test]
    fn annotations_shape_values_and_keys() {
        assert_valid(&with_metadata("  annotations:\n"));
        assert_valid(&with_metadata("  annotations: ''\n"));
        assert_valid(&with_metadata(
            "  annotations:\n    example.com/empty: ''\n",
        ));
        assert_error(
            &with_metadata("  annotations: [a]\n"),
            Stage::Annotations,
            "metadata.annotations: must be a mapping",
        );
        assert_error(
            &with_metadata("  annotations: text\n"),
            Stage::Annotations,
            "metadata.annotations",
        );
        assert_error(
            &with_metadata("  annotations:\n    example.com/port: 8080\n"),
            Stage::Policy,
            "metadata.annotations[\"example.com/port\"]: must be a string",
        );
        assert_error(
            &with_metadata("  annotations:\n    example.com/: x\n"),
            Stage::Policy,
            "not a valid annotation key",
        );
    }

    #[test]
    fn tags_allow_colon_plus_hash_and_single_dashes() {
        assert!(
            is_valid_tag("c++")
                && is_valid_tag("c#")
                && is_valid_tag("lang:go")
                && is_valid_tag("java-8")
                && is_valid_tag("0")
        );
        assert!(is_valid_tag(&"t".repeat(63)));
        assert!(!is_valid_tag(&"t".repeat(64)));
        for bad in [
            "",
            "Java",
            "my_tag",
            "two words",
            "a--b",
            "1.2",
            "-go",
            "go-",
        ] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
        let issue = assert_error(
            &with_metadata("  tags: [ok, NotOk]\n"),
            Stage::Policy,
            "metadata.tags[1]: \"NotOk\" is not a valid tag",
        );
        assert_eq!(issue.pos, Pos { line: 4, col: 14 });
        assert_error(
            &with_metadata("  tags: ['']\n"),
            Stage::Policy,
            "metadata.tags[0]: must not be empty",
        );
        assert_error(
            &with_metadata("  tags: [1]\n"),
            Stage::Policy,
            "metadata.tags[0]: must be a string",
        );
    }

    #[test]
    fn links_urls_titles_and_icons() {
        assert!(
            is_valid_url("https://example.com")
                && is_valid_url("mailto:team@example.com")
                && is_valid_url("slack://channel?id=C1")
        );
        for bad in [
            "example.com/dashboard",
            "/docs/index.html",
            "not a url",
            "http://",
            "",
        ] {
            assert!(!is_valid_url(bad), "{bad}");
        }
        assert!(
            !is_non_empty_string("   ")
                && !is_non_empty_string("\u{feff}\u{a0}\n")
                && is_non_empty_string("\u{85}")
        );
        assert_error(
            &with_metadata("  links:\n    - url: example.com\n"),
            Stage::Policy,
            "metadata.links[0].url: \"example.com\" is not a valid URL",
        );
        assert_error(
            &with_metadata("  links:\n    - url: https://x.y\n      title: '  '\n"),
            Stage::Policy,
            "metadata.links[0].title",
        );
        assert_error(
            &with_metadata("  links:\n    - title: x\n"),
            Stage::Policy,
            "metadata.links[0].url: required field is missing",
        );
        assert_error(
            &with_metadata("  links:\n    - url: https://x.y\n      type: ''\n"),
            Stage::Policy,
            "metadata.links[0].type: must not be empty",
        );
    }

    #[test]
    fn api_versions_and_kinds() {
        assert!(
            is_valid_api_version("backstage.io/v1alpha1")
                && is_valid_api_version("v1")
                && is_valid_api_version(&"v".repeat(63))
        );
        for bad in [
            "backstage.io/v1/alpha",
            "Backstage.io/v1alpha1",
            "backstage.io/v1-alpha1",
            "backstage.io/",
            &"v".repeat(64),
        ] {
            assert!(!is_valid_api_version(bad), "{bad}");
        }
        assert!(is_valid_kind("Component") && is_valid_kind(&"K".repeat(63)));
        for bad in ["1Component", "My-Kind", &"K".repeat(64)] {
            assert!(!is_valid_kind(bad), "{bad}");
        }
        assert_error(
            &COMPONENT.replace("kind: Component", "kind: My-Kind"),
            Stage::Policy,
            "kind: \"My-Kind\" is not a valid kind",
        );
    }

    #[test]
    fn envelope_comes_first_and_points_at_the_field() {
        let issue = assert_error(
            "kind: Component\nmetadata:\n  name: x\n",
            Stage::Envelope,
            "apiVersion: required field is missing",
        );
        assert_eq!(issue.pos, Pos { line: 1, col: 1 });
        let issue = assert_error(
            "apiVersion: a/b\nkind: Component\nmetadata:\n  title: x\n",
            Stage::Envelope,
            "metadata.name: required",
        );
        assert_eq!(issue.pos, Pos { line: 3, col: 1 });
        assert_error(
            "apiVersion: a/b\nkind: ''\nmetadata:\n  name: x\n",
            Stage::Envelope,
            "kind: must not be empty",
        );
        assert_error(
            "apiVersion: a/b\nkind: K\nmetadata:\n  name: 42\n",
            Stage::Envelope,
            "metadata.name: must be a string, found the number 42",
        );
        assert_error(
            "apiVersion: a/b\nkind: K\nmetadata:\n  name: x\n  namespace: ~\n",
            Stage::Envelope,
            "metadata.namespace: must be a string",
        );
        assert_error("- a\n", Stage::Yaml, "document root must be a mapping");
    }

    #[test]
    fn schema_order_root_fields_then_metadata_then_spec() {
        let issue = assert_error(
            &format!("{COMPONENT}foo: 1\n"),
            Stage::Policy,
            "foo: unknown root field",
        );
        assert_eq!(issue.pos, Pos { line: 9, col: 1 });
        assert_error(
            &with_metadata("  title: ''\n"),
            Stage::Policy,
            "metadata.title: must not be empty",
        );
        assert_error(
            &with_metadata("  uid: 5\n"),
            Stage::Policy,
            "metadata.uid: must be a string",
        );
        assert_valid(&with_metadata("  description: ''\n  whatever: [1]\n"));
        assert_error(
            &COMPONENT.replace("spec:\n", "spec: []\nx:\n"),
            Stage::Policy,
            "x: unknown root field",
        );
        assert_error(
            &format!("{COMPONENT}status: {{}}\n"),
            Stage::Policy,
            "status: unknown root field",
        );
        assert_error(
            &format!("{COMPONENT}relations: [{{type: a b, targetRef: x}}]\n"),
            Stage::Policy,
            "relations[0].type: must be a single word",
        );
        assert_error(
            &format!("{COMPONENT}relations: []\n"),
            Stage::Policy,
            "relations: unknown root field",
        );
    }

    #[test]
    fn kind_schemas_required_before_types() {
        let issue = assert_error(
            &COMPONENT
                .replace("  lifecycle: production\n", "")
                .replace("type: service", "type: 5"),
            Stage::Kind,
            "spec.lifecycle: required field is missing",
        );
        assert_eq!(issue.pos, Pos { line: 5, col: 1 });
        assert_error(
            &COMPONENT.replace("owner: team-a", "owner: ''"),
            Stage::Kind,
            "spec.owner: must not be empty",
        );
        assert_error(
            &format!("{COMPONENT}  dependsOn: [a, 5]\n"),
            Stage::Kind,
            "spec.dependsOn[1]: must be a string",
        );
        assert_error(
            &format!("{COMPONENT}  providesApis: a\n"),
            Stage::Kind,
            "spec.providesApis: must be a list",
        );
        let no_spec = "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: u\n";
        assert_error(no_spec, Stage::Kind, "spec: required field is missing");
        assert_valid(&format!("{no_spec}spec:\n  memberOf: []\n"));
        assert_error(
            &format!("{no_spec}spec:\n  memberOf: []\n  profile: {{email: 5}}\n"),
            Stage::Kind,
            "spec.profile.email: must be a string",
        );
        let group = "apiVersion: backstage.io/v1beta1\nkind: Group\nmetadata:\n  name: g\nspec:\n  type: team\n";
        assert_error(group, Stage::Kind, "spec.children: required");
        assert_valid(&format!("{group}  children: []\n  whatever: 1\n"));
        let api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\nspec:\n  type: openapi\n  lifecycle: production\n  owner: t\n";
        assert_error(api, Stage::Kind, "spec.definition: required");
        assert_error(
            &format!("{api}  definition: {{$file: x}}\n"),
            Stage::Kind,
            "spec.definition: must be a string, found a mapping",
        );
    }

    #[test]
    fn location_spec_and_step() {
        let location =
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n";
        assert_valid(&format!(
            "{location}  target: ./a.yaml\n  presence: optional\n"
        ));
        assert_valid(&location.replace("spec:\n", "spec: {}\n"));
        assert_error(
            &format!("{location}  presence: sometimes\n"),
            Stage::Kind,
            "spec.presence: must be one of \"required\", \"optional\"",
        );
        assert_error(
            &format!("{location}  targets: a\n"),
            Stage::Kind,
            "spec.targets: must be a list",
        );
        assert_error(
            &format!("{location}  type: github\n  target: x\n"),
            Stage::Location,
            "spec.type: \"github\" is not an allowed Location type",
        );
        assert_valid(&format!(
            "{location}  type: url\n  target: https://example.com/x.yaml\n"
        ));
        assert_error(
            &format!("{location}  targets: [a.yaml, ./dir/]\n"),
            Stage::Location,
            "spec.targets[1]: \"./dir/\" ends with a path separator",
        );
        assert_valid(&format!(
            "{location}  type: url\n  target: https://example.com/dir/\n"
        ));
    }

    #[test]
    fn template_v1beta3_schema() {
        let t = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: service\n";
        assert_error(t, Stage::Kind, "spec.steps: required");
        assert_valid(&format!("{t}  steps: []\n"));
        assert_error(
            &format!("{t}  steps: {{}}\n"),
            Stage::Kind,
            "spec.steps: must be a list",
        );
        assert_error(
            &format!("{t}  steps:\n    - id: a\n"),
            Stage::Kind,
            "spec.steps[0].action: required",
        );
        assert_valid(&format!("{t}  steps:\n    - action: ''\n      if: false\n"));
        assert_error(
            &format!("{t}  steps:\n    - action: a\n      if: 1\n"),
            Stage::Kind,
            "spec.steps[0].if: must be a string or a boolean",
        );
        assert_error(
            &format!("{t}  steps: []\n  parameters: x\n"),
            Stage::Kind,
            "spec.parameters: must be a mapping or a list of mappings",
        );
        assert_valid(&format!(
            "{t}  steps: []\n  parameters: {{properties: {{}}}}\n"
        ));
        assert_valid(&format!(
            "{t}  steps: []\n  parameters: [{{when: true}}, {{title: x}}]\n"
        ));
        assert_error(
            &format!("{t}  steps: []\n  parameters: [{{when: 1}}]\n"),
            Stage::Kind,
            "spec.parameters[0].when: must be a string or a boolean",
        );
        assert_error(
            &format!("{t}  steps: []\n  parameters:\n    backstage:permissions: {{tags: true}}\n"),
            Stage::Kind,
            "spec.parameters.backstage:permissions.tags: must be a list",
        );
        assert_error(
            &format!("{t}  steps: []\n  output: {{count: 3}}\n"),
            Stage::Kind,
            "spec.output.count: must be a string",
        );
        assert_valid(&format!("{t}  steps: []\n  output: {{links: [{{url: x, if: true}}], text: [{{content: ''}}], note: x}}\n"));
        assert_error(
            &format!("{t}  steps: []\n  owner: ''\n"),
            Stage::Kind,
            "spec.owner: must not be empty",
        );
    }

    #[test]
    fn unknown_kinds_and_api_versions_are_warnings() {
        for (text, needle) in [
            (COMPONENT.replace("kind: Component", "kind: Widget"), "kind: \"Widget\""),
            (COMPONENT.replace("kind: Component", "kind: component"), "did you mean \"Component\""),
            (COMPONENT.replace("backstage.io/v1alpha1", "backstage.io/v1"), "apiVersion: \"backstage.io/v1\" is not an apiVersion Backstage accepts for kind Component"),
            (COMPONENT.replace("backstage.io/v1alpha1", "scaffolder.backstage.io/v1beta3"), "for kind Component"),
        ] {
            let verdict = check_entity(&doc(&text), &LocationContext::default());
            assert!(!verdict.builtin);
            assert_eq!(verdict.issues.len(), 1, "{verdict:?}");
            assert_eq!(verdict.issues[0].severity, Severity::Warning);
            assert!(verdict.issues[0].message.contains(needle), "{:?}", verdict.issues[0].message);
        }
        // A generic entity still goes through the policies.
        assert_error(
            &COMPONENT
                .replace("kind: Component", "kind: Widget")
                .replace("name: x", "name: -x"),
            Stage::Policy,
            "metadata.name",
        );
        let template_v1beta2 = "apiVersion: scaffolder.backstage.io/v1beta2\nkind: Template\nmetadata:\n  name: t\nspec: {}\n";
        let verdict = check_entity(&doc(template_v1beta2), &LocationContext::default());
        assert!(!verdict.builtin && !verdict.has_error());
        assert_eq!(verdict.issues[0].pos, Pos { line: 1, col: 13 });
    }

    /// `cargo test --release --lib validation_cost -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, not a check"]
    fn validation_cost() {
        use std::time::Instant;
        let kinds = [
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: booking-kit-N\n  description: Shared library for booking\n  annotations:\n    github.com/project-slug: acme/booking-kit-N\n    backstage.io/techdocs-ref: dir:.\n  labels:\n    tier: gold\n  tags:\n    - java\n    - monolith\n  links:\n    - url: https://grafana.example.com/d/booking-kit-N\n      title: Dashboard\nspec:\n  type: library\n  lifecycle: production\n  owner: team-alpha-badgers-4\n  system: experiments-hub\n  dependsOn: [resource:db-N, component:auth]\n  providesApis: [booking-api-N]\n",
            "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: user-N\nspec:\n  profile:\n    displayName: User N\n    email: user-N@example.com\n  memberOf: [team-a]\n",
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: api-N\n  tags: [rest]\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  system: s\n  definition: |\n    openapi: 3.0.0\n    info:\n      title: API N\n",
        ];
        let texts: Vec<String> = (0..30_000)
            .map(|i| kinds[i % kinds.len()].replace('N', &i.to_string()))
            .collect();
        let best = |f: &mut dyn FnMut()| {
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .min()
                .unwrap()
        };
        let mut nodes = Vec::new();
        let parse = best(&mut || {
            nodes = texts
                .iter()
                .map(|t| parse_documents(t).remove(0).unwrap().unwrap())
                .collect()
        });
        let context = LocationContext::default();
        let mut errors = 0;
        let validate = best(&mut || {
            errors = 0;
            for node in &nodes {
                if check_envelope(node).is_err() || check_entity(node, &context).has_error() {
                    errors += 1;
                }
            }
        });
        assert_eq!(errors, 0);
        let location: std::sync::Arc<str> = "catalog-info.yaml".into();
        let read = best(&mut || {
            for text in &texts {
                assert!(crate::catalog::document::read_documents(&location, text)[0]
                    .entity
                    .is_some());
            }
        });
        let per = |d: std::time::Duration| d.as_nanos() as f64 / texts.len() as f64 / 1000.0;
        println!(
            "per entity: parse {:.2} µs, validate (envelope + policies + kind) {:.2} µs, read_documents (parse, placeholders, validate, entity, relations) {:.2} µs",
            per(parse),
            per(validate),
            per(read)
        );
    }

    #[test]
    fn javascript_property_order_puts_index_keys_first() {
        let d = doc("b: 1\n10: 2\n2: 3\na: 4\n");
        let keys: Vec<String> = js_order(d.as_map().unwrap())
            .map(|(k, _)| k.key_text().unwrap().into_owned())
            .collect();
        assert_eq!(keys, ["2", "10", "b", "a"]);
    }

    #[test]
    fn field_paths_read_like_javascript() {
        let root = FieldPath::ROOT;
        let spec = root.key("spec");
        let steps = spec.key("steps");
        let first = steps.index(0);
        assert_eq!(first.key("if").to_string(), "spec.steps[0].if");
        let ann = root.key("metadata");
        let ann = ann.key("annotations");
        assert_eq!(
            ann.key("example.com/x").to_string(),
            "metadata.annotations[\"example.com/x\"]"
        );
    }
}
