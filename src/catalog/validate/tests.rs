//! The rules of every stage, each checked against the verdict Backstage gives.

use super::javascript::js_order;
use super::*;
use crate::catalog::problem::Severity;
use crate::catalog::yaml::{parse_documents, Pos};

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
