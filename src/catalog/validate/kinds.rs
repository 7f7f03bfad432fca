//! Stage 6: the kind validators: the `spec` schemas of the builtin kinds and of Template v1beta3,
//! and the warning for a (kind, apiVersion) pair that none of them claims.

use super::issue::{Issue, Stage};
use super::javascript::FieldPath;
use super::schema::{check_object, obj, Obj, Other, ANY_OBJECT, NES, NES_LIST, S};
use crate::catalog::yaml::Node;

/// A builtin kind: the (kind, apiVersion) enums of its schema and its `spec` schema.
pub(super) struct KindSchema {
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

/// The builtin kind whose `kind` and `apiVersion` enums both match, if any.
pub(super) fn builtin(kind: &str, api_version: &str) -> Option<&'static KindSchema> {
    KINDS
        .iter()
        .find(|k| k.kind == kind && k.api_versions.contains(&api_version))
}

/// The kind schema's `allOf[1]` (catalog-model validation/entityKindSchemaValidator): `spec` is
/// required, then its own schema; the first ajv error is thrown.
pub(super) fn check_kind(schema: &KindSchema, doc: &Node) -> Result<(), Issue> {
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
pub(super) fn unknown_kind(doc: &Node, kind: &str, api_version: &str) -> Issue {
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
