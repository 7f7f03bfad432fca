//! Stage 5: the policies (plugin-catalog-backend service/CatalogBuilder.ts buildEntityPolicy():
//! SchemaValid, DefaultNamespace, NoForeignRootFields, FieldFormat, in this order), with the
//! field-format validators of apiVersion, kind and the metadata (name, namespace, labels,
//! annotations, tags, links) that other modules use too.

use super::issue::{Issue, Stage};
use super::javascript::{js_order, text, FieldPath};
use super::schema::{check_schema, ENTITY};
use crate::catalog::yaml::Node;

pub(super) fn check_policies(doc: &Node) -> Result<(), Issue> {
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
