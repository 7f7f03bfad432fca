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

mod issue;
mod javascript;
mod kinds;
mod location;
mod policies;
mod schema;
#[cfg(test)]
mod tests;

pub use issue::{Issue, Stage, Verdict};
pub(crate) use javascript::describe;
pub use javascript::{is_falsy, FieldPath};
pub use location::LocationContext;
pub use policies::{
    is_non_empty_string, is_valid_api_version, is_valid_dns_label, is_valid_dns_subdomain,
    is_valid_kind, is_valid_object_name, is_valid_prefixed_name, is_valid_tag, is_valid_url,
};

use super::yaml::Node;
use schema::{check_schema, ENVELOPE};

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

/// Stages 5 to 7, on a document that passed [`check_envelope`] and whose placeholders are
/// resolved: the policies, the kind validators and the Location step.
pub fn check_entity(doc: &Node, location: &LocationContext<'_>) -> Verdict {
    let mut verdict = Verdict::default();
    if let Err(issue) = policies::check_policies(doc) {
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
    let Some(schema) = kinds::builtin(kind, api_version) else {
        verdict
            .issues
            .push(kinds::unknown_kind(doc, kind, api_version));
        return verdict;
    };
    verdict.builtin = true;
    if let Err(issue) = kinds::check_kind(schema, doc) {
        verdict.issues.push(issue);
        return verdict;
    }
    if kind == "Location" {
        if let Err(issue) = location::check_location(doc, location) {
            verdict.issues.push(issue);
        }
    }
    verdict
}
