//! Property tests (proptest, stable Rust, part of `cargo test`): generated input for the YAML
//! loader, the entity reference parser, validation, document reading, and the snapshot and cache
//! readers. Each property runs [`CASES`] cases with bounded sizes; the first is always "never
//! panics", the rest say what must hold. A failure is shrunk to a small input and saved under
//! `tests/proptest-regressions/` so it is replayed first from then on.
//!
//! The scaffolder's expression and templating engine and the FOCUS cost reader have theirs at the
//! end.

use greenroom::catalog::document::read_documents;
use greenroom::catalog::entity_ref::EntityRef;
use greenroom::catalog::validate::{self, LocationContext};
use greenroom::catalog::value::Value;
use greenroom::catalog::yaml::{self, Node};
use proptest::prelude::*;
use serde_json::{json, Value as Json};
use std::sync::Arc;

const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // Shrinking a failure to its smallest form is worth a few seconds, not minutes.
        max_shrink_iters: 2048,
        // Integration tests have no lib.rs beside them for proptest to find; failures are kept
        // here and replayed first.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "tests/proptest-regressions/proptests.txt",
            ),
        )),
        ..ProptestConfig::default()
    }
}

/// Text made of YAML's structural characters, quotes, escapes, markers and a few words, so most
/// inputs reach deep into the parser instead of failing on the first byte.
fn yamlish_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just(": ".to_string()),
        Just("- ".to_string()),
        Just("\n".to_string()),
        Just("\n  ".to_string()),
        Just("\n---\n".to_string()),
        Just("\n...\n".to_string()),
        Just("%YAML 1.2\n".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("<<: *a\n".to_string()),
        Just("!!str ".to_string()),
        Just("!custom ".to_string()),
        Just("? ".to_string()),
        Just("|\n  ".to_string()),
        Just(">-\n  ".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(", ".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("\\u00".to_string()),
        Just("#".to_string()),
        Just("\t".to_string()),
        Just("\0".to_string()),
        Just("\u{feff}".to_string()),
        Just("apiVersion: backstage.io/v1alpha1\n".to_string()),
        Just("kind: Component\n".to_string()),
        Just("metadata:\n  name: x\n".to_string()),
        Just("${{ values.name }}".to_string()),
        "[a-z0-9]{1,6}",
        "\\PC{1,3}",
    ];
    proptest::collection::vec(pieces, 0..60).prop_map(|p| p.concat())
}

/// JSON without floats (their text forms differ between emitters) and with strings that stress
/// quoting: YAML indicators, look-alikes of other types, control characters, non-ASCII.
fn json_value() -> impl Strategy<Value = Json> {
    let string = prop_oneof![
        "[a-zA-Z0-9 _./:-]{0,12}",
        Just("yes".to_string()),
        Just("null".to_string()),
        Just("~".to_string()),
        Just("0x1f".to_string()),
        Just("1e3".to_string()),
        Just("- a".to_string()),
        Just("a: b".to_string()),
        Just("#x".to_string()),
        Just("*x".to_string()),
        Just("---".to_string()),
        Just("line\nbreak".to_string()),
        "\\PC{0,6}",
        "[\\x00-\\x1f]{1,3}",
    ];
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        string.clone().prop_map(Json::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            proptest::collection::vec(("[a-zA-Z0-9_.$/-]{0,10}", inner), 0..6)
                .prop_map(|entries| Json::Object(entries.into_iter().collect())),
        ]
    })
}

/// A tree read back as JSON (keys as JavaScript sees them).
fn as_json(node: &Node) -> Json {
    Value::from(node).to_json()
}

fn parse_single(text: &str) -> Result<Json, String> {
    let mut docs = yaml::parse_documents(text);
    match docs.len() {
        0 => Ok(Json::Null),
        1 => match docs.remove(0) {
            Ok(Some(node)) => Ok(as_json(&node)),
            Ok(None) => Ok(Json::Null),
            Err(err) => Err(format!("{}: {}", err.pos, err.message)),
        },
        n => Err(format!("{n} documents")),
    }
}

proptest! {
    #![proptest_config(config())]

    /// The loader never panics, and every error has a position inside the text.
    #[test]
    fn yaml_loader_never_panics_on_yamlish_text(text in yamlish_text()) {
        let lines = text.split('\n').count() as u32 + 1;
        for doc in yaml::parse_stream(&text) {
            prop_assert!(doc.first_line >= 1 && doc.first_line <= doc.last_line.max(1));
            if let Err(err) = doc.doc {
                prop_assert!(err.pos.line >= 1 && err.pos.line <= lines, "{:?} outside {} lines", err.pos, lines);
                prop_assert!(!err.message.is_empty());
            }
        }
    }

    #[test]
    fn yaml_loader_never_panics_on_any_text(text in "\\PC{0,300}") {
        let _ = yaml::parse_stream(&text);
    }

    /// JSON is YAML 1.2: every JSON text reads back as the same value.
    #[test]
    fn yaml_loader_reads_json_as_json(value in json_value()) {
        let text = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(parse_single(&text), Ok(value.clone()), "{}", text);
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(parse_single(&pretty), Ok(value), "{}", pretty);
    }

    /// Block-style YAML written by serde_yaml reads back as the same value.
    #[test]
    fn yaml_loader_reads_block_yaml_back(value in json_value()) {
        let text = serde_yaml::to_string(&value).unwrap();
        prop_assert_eq!(parse_single(&text), Ok(value), "{}", text);
    }

    /// Documents joined with `---` stay apart: one outcome per document, a broken one costs only
    /// itself.
    #[test]
    fn documents_stay_apart(values in proptest::collection::vec(json_value(), 1..5), broken in 0usize..5) {
        let mut text = String::new();
        for (i, value) in values.iter().enumerate() {
            text.push_str("---\n");
            if i == broken {
                text.push_str("key: [unclosed\n");
            } else {
                text.push_str(&serde_json::to_string(value).unwrap());
                text.push('\n');
            }
        }
        let docs = yaml::parse_stream(&text);
        prop_assert_eq!(docs.len(), values.len(), "{}", text);
        for (i, (doc, value)) in docs.iter().zip(&values).enumerate() {
            if i == broken {
                prop_assert!(doc.doc.is_err());
            } else {
                let read = doc.doc.as_ref().unwrap().as_ref().map(as_json).unwrap_or(Json::Null);
                prop_assert_eq!(&read, value);
            }
        }
    }

    /// Any text: parsing never panics, and a parsed reference prints to a key that parses back
    /// to itself.
    #[test]
    fn entity_ref_parse_never_panics_and_keys_are_fixed_points(
        text in prop_oneof!["\\PC{0,40}", "[a-zA-Z:/ ._-]{0,20}"],
        kind in proptest::option::of("[A-Za-z]{1,8}"),
        namespace in "[a-z]{0,8}",
    ) {
        if let Ok(parsed) = EntityRef::parse(&text, kind.as_deref(), &namespace) {
            let key = parsed.key();
            prop_assert_eq!(parsed.to_string(), key.clone());
            let again = EntityRef::parse(&key, None, "default").unwrap();
            prop_assert_eq!(again.key(), key);
            let short = EntityRef::parse(&parsed.short(), None, "default").unwrap();
            prop_assert_eq!(short.key(), parsed.key());
        }
    }

    /// parse ∘ stringify: the parts of a full reference come back as written.
    #[test]
    fn entity_ref_round_trips(
        kind in "[A-Za-z][A-Za-z0-9]{0,10}",
        namespace in "[a-z0-9][a-z0-9-]{0,10}",
        name in "[A-Za-z0-9][A-Za-z0-9._:/-]{0,20}",
    ) {
        let written = format!("{kind}:{namespace}/{name}");
        let parsed = EntityRef::parse(&written, None, "default").unwrap();
        prop_assert_eq!(&parsed, &EntityRef::new(&kind, &namespace, &name));
        let key = parsed.key();
        prop_assert_eq!(EntityRef::parse(&key, None, "default").unwrap().key(), key.clone());
        prop_assert_eq!(key, written.to_lowercase());
        // Without the namespace, the default one.
        if !name.contains('/') {
            let bare = EntityRef::parse(&format!("{kind}:{name}"), None, "default").unwrap();
            prop_assert_eq!(bare, EntityRef::new(&kind, "default", &name));
        }
    }

    /// Validation of arbitrary entity-shaped documents never panics, and reading them as a file
    /// gives at most one error per document and an entity only when there is none.
    #[test]
    fn validation_never_panics_on_entity_shaped_values(entity in entity_shaped()) {
        let text = serde_json::to_string(&entity).unwrap();
        let node = yaml::parse_documents(&text).remove(0).unwrap().unwrap();
        let _ = validate::validate(&node);
        if validate::check_envelope(&node).is_ok() {
            let _ = validate::check_entity(&node, &LocationContext { location_type: "url" });
        }
        let location: Arc<str> = "/nonexistent/catalog-info.yaml".into();
        for outcome in read_documents(&location, &text) {
            let errors = outcome.problems.iter().filter(|p| p.is_error()).count();
            prop_assert!(errors <= 1, "{:?}", outcome.problems);
            prop_assert_eq!(outcome.entity.is_some(), errors == 0 && !outcome.empty);
            for problem in &outcome.problems {
                prop_assert_eq!(problem.location.as_ref(), location.as_ref());
            }
        }
    }

    /// The same in block style, several documents per file.
    #[test]
    fn document_reading_never_panics(entities in proptest::collection::vec(entity_shaped(), 1..4), noise in yamlish_text()) {
        let mut text = String::new();
        for entity in &entities {
            text.push_str("---\n");
            text.push_str(&serde_yaml::to_string(entity).unwrap());
        }
        let location: Arc<str> = "/nonexistent/catalog-info.yaml".into();
        let outcomes = read_documents(&location, &text);
        prop_assert_eq!(outcomes.len(), entities.len());
        text.push_str(&noise);
        let _ = read_documents(&location, &text);
    }

    /// Whatever bytes sit in the snapshot or cache files, reading them never panics.
    #[test]
    fn snapshot_and_cache_readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), header in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.bin");
        let mut content = Vec::new();
        if header {
            content.extend_from_slice(&snapshot_header());
        }
        content.extend_from_slice(&bytes);
        std::fs::write(&path, &content).unwrap();
        prop_assert!(greenroom::sources::snapshot::read(&path).is_err() || bytes.is_empty() || header);
        let cache = greenroom::providers::cache::Cache::under(dir.path());
        let url = "http://127.0.0.1:1/x";
        std::fs::create_dir_all(cache.dir()).unwrap();
        std::fs::write(cache.path(url), &bytes).unwrap();
        let _ = cache.get(url);
    }
}

/// The two header lines of a snapshot this greenroom writes (format and version), taken from a
/// real one: a hard-coded header went stale when the format moved on, and then no generated
/// bytes reached the decoder.
fn snapshot_header() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.bin");
    greenroom::sources::snapshot::write(&path, &greenroom::catalog::Catalog::default(), &[])
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let second_line_end = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(1)
        .unwrap()
        .0;
    bytes[..=second_line_end].to_vec()
}

/// The `entity_ref` fuzz target's findings (first campaign, 38 inputs, all of this shape): a
/// default kind holding `/` or `:`, or a default namespace starting with `/`, as a template's
/// `defaultKind` / `defaultNamespace` can give. Defaults are used as given, as Backstage's
/// parseEntityRef uses them, so the reference's key names no entity and need not parse back; it
/// must not panic, and the same texts with well-formed defaults round trip.
#[test]
fn entity_refs_with_hostile_defaults_take_them_as_given() {
    for (text, kind, namespace, expected) in [
        ("am/other-n", "/te", "default", ("/te", "am", "other-n")),
        ("app", ":defa", "default", (":defa", "default", "app")),
        ("daefaul", "[api", "/a", ("[api", "/a", "daefaul")),
    ] {
        let parsed = EntityRef::parse(text, Some(kind), namespace).unwrap();
        assert_eq!(parsed, EntityRef::new(expected.0, expected.1, expected.2));
        let _ = EntityRef::parse(&parsed.key(), None, "default");
        let good = EntityRef::parse(text, Some("component"), "default").unwrap();
        let key = good.key();
        assert_eq!(EntityRef::parse(&key, None, "default").unwrap().key(), key);
    }
}

/// Values shaped like catalog entities: a real or made-up apiVersion and kind, metadata with the
/// fields the rules look at (good and bad), and a spec with the relation fields of every kind.
fn entity_shaped() -> impl Strategy<Value = Json> {
    let api_version = prop_oneof![
        Just(json!("backstage.io/v1alpha1")),
        Just(json!("backstage.io/v1beta1")),
        Just(json!("scaffolder.backstage.io/v1beta3")),
        json_value(),
    ];
    let kind = prop_oneof![
        Just("Component"),
        Just("API"),
        Just("Resource"),
        Just("System"),
        Just("Domain"),
        Just("Group"),
        Just("User"),
        Just("Location"),
        Just("Template"),
        Just("Nope"),
    ]
    .prop_map(|k| json!(k));
    let kind = prop_oneof![4 => kind, 1 => json_value()];
    let text = prop_oneof![
        Just(json!("order-service")),
        Just(json!("group:default/team-a")),
        Just(json!("")),
        Just(json!("a".repeat(70))),
        Just(json!("Bad Name!")),
        Just(json!({"$text": "./README.md"})),
        Just(json!({"$json": "../x.json"})),
        Just(json!({"$yaml": "/nonexistent/y.yaml"})),
        json_value(),
    ];
    let spec_key = prop_oneof![
        Just("type"),
        Just("lifecycle"),
        Just("owner"),
        Just("system"),
        Just("domain"),
        Just("subcomponentOf"),
        Just("providesApis"),
        Just("consumesApis"),
        Just("dependsOn"),
        Just("dependencyOf"),
        Just("definition"),
        Just("parent"),
        Just("children"),
        Just("members"),
        Just("memberOf"),
        Just("profile"),
        Just("target"),
        Just("targets"),
        Just("steps"),
        Just("parameters"),
        Just("output"),
    ];
    let spec_value = prop_oneof![
        text.clone(),
        proptest::collection::vec(text.clone(), 0..4).prop_map(Json::Array),
    ];
    let spec = proptest::collection::vec((spec_key, spec_value), 0..8)
        .prop_map(|e| Json::Object(e.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
    let spec = prop_oneof![6 => spec, 1 => json_value()];
    let metadata_key = prop_oneof![
        Just("name"),
        Just("namespace"),
        Just("title"),
        Just("description"),
        Just("labels"),
        Just("annotations"),
        Just("tags"),
        Just("links"),
        Just("uid"),
    ];
    let metadata = (
        text.clone(),
        proptest::collection::vec((metadata_key, spec_value_for_metadata()), 0..5),
    )
        .prop_map(|(name, rest)| {
            let mut map = serde_json::Map::new();
            map.insert("name".into(), name);
            for (k, v) in rest {
                map.insert(k.to_string(), v);
            }
            Json::Object(map)
        });
    let metadata = prop_oneof![6 => metadata, 1 => json_value()];
    (
        api_version,
        kind,
        metadata,
        spec,
        proptest::option::of(json_value()),
    )
        .prop_map(|(api_version, kind, metadata, spec, relations)| {
            let mut map = serde_json::Map::new();
            map.insert("apiVersion".into(), api_version);
            map.insert("kind".into(), kind);
            map.insert("metadata".into(), metadata);
            map.insert("spec".into(), spec);
            if let Some(relations) = relations {
                map.insert("relations".into(), relations);
            }
            Json::Object(map)
        })
}

fn spec_value_for_metadata() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(json!({"backstage.io/source-location": "url:https://example.com/x"})),
        Just(json!(["java", "Bad Tag", ""])),
        Just(json!([{"url": "https://example.com", "title": "x"}, {"url": "not a url"}])),
        Just(json!({"a/b/c": "x", "": 1})),
        json_value(),
    ]
}

// ---------------------------------------------------------------------------------------------
// The scaffolder's expression and templating engine (`${{ }}`, nunjitsu's language)
// ---------------------------------------------------------------------------------------------

mod templating {
    use greenroom::scaffolder::template::{Context, Syntax, Templater, MAX_RENDERED_BYTES};
    use proptest::prelude::*;
    use serde_json::json;

    fn context() -> Context {
        Context::new(&json!({
            "parameters": {"name": "order-service", "owner": "group:team-a", "n": 3, "tags": ["a", "b"]},
            "values": {"name": "order-service", "nested": {"deep": [1, {"x": "y"}]}},
            "secrets": {"token": "s3cret"},
            "steps": {"fetch": {"output": {"remoteUrl": "https://example.com/x"}}},
        }))
    }

    /// Template text made of the engine's syntax: delimiters, tags, filters, operators, names.
    fn template_text() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            Just("${{ ".to_string()),
            Just(" }}".to_string()),
            Just("{{ ".to_string()),
            Just("{% ".to_string()),
            Just(" %}".to_string()),
            Just("{# ".to_string()),
            Just(" #}".to_string()),
            Just("if ".to_string()),
            Just("else".to_string()),
            Just("endif".to_string()),
            Just("for x in ".to_string()),
            Just("endfor".to_string()),
            Just("set y = ".to_string()),
            Just("macro m() ".to_string()),
            Just("endmacro".to_string()),
            Just("parameters.name".to_string()),
            Just("parameters.tags".to_string()),
            Just("values.nested.deep[1].x".to_string()),
            Just("secrets.token".to_string()),
            Just("steps['fetch'].output.remoteUrl".to_string()),
            Just(" | upper".to_string()),
            Just(" | replace('-', '_')".to_string()),
            Just(" | dump".to_string()),
            Just(" | parseRepoUrl".to_string()),
            Just(" | parseEntityRef".to_string()),
            Just(" | pick('host')".to_string()),
            Just(" | projectSlug".to_string()),
            Just(" | length".to_string()),
            Just(" ~ ".to_string()),
            Just(" + ".to_string()),
            Just(" * ".to_string()),
            Just(" == ".to_string()),
            Just(" and ".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("'".to_string()),
            Just("\"".to_string()),
            Just("range(".to_string()),
            Just("1000".to_string()),
            Just("\n".to_string()),
            "[a-z0-9 ._-]{1,8}",
        ];
        proptest::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(super::config())]

        /// Rendering any template never panics, and what it gives stays under the output cap.
        #[test]
        fn render_never_panics(source in template_text(), cookiecutter in any::<bool>()) {
            let templater = Templater::new(Syntax { cookiecutter, ..Syntax::default() });
            if let Ok(text) = templater.render(&source, &context()) {
                prop_assert!(text.len() <= MAX_RENDERED_BYTES);
            }
            let _ = templater.eval(&source, &context());
            let _ = templater.render_value(&json!({"a": source, "b": [source.clone()]}), &context());
        }

        /// Text without template syntax comes out as it went in.
        #[test]
        fn plain_text_is_unchanged(text in "[^$%{#]{0,200}") {
            prop_assert_eq!(Templater::default().render(&text, &context()).unwrap(), text);
        }

        /// A value put in the context renders back as itself.
        #[test]
        fn a_parameter_renders_as_itself(value in "[a-zA-Z0-9 ._:/-]{0,40}") {
            let context = Context::new(&json!({"parameters": {"v": value}}));
            prop_assert_eq!(
                Templater::default().render("${{ parameters.v }}", &context).unwrap(),
                value
            );
        }
    }

    /// Found by `render_never_panics` on the earlier engine (minijinja's lexer panicked on `}}`
    /// inside an expression): a parse error with its position, as nunjitsu refuses it too.
    #[test]
    fn a_stray_closing_brace_pair_in_an_expression_is_an_error_not_a_panic() {
        let templater = Templater::default();
        for expr in [" }} ", "a }} b", "parameters.name }}x"] {
            let err = templater.eval(expr, &context()).unwrap_err();
            assert!(
                err.message.contains("Unexpected expression token \"}\"")
                    || err.message.contains("Expected eof"),
                "{}",
                err.message
            );
            assert!(err.line.is_some() && err.column.is_some(), "{err:?}");
        }
        assert!(templater
            .render_value(&json!("${{ a }} }} b }}"), &context())
            .is_ok());
        // Braces that close a literal and quoted braces are fine.
        assert_eq!(
            templater.eval("{'a': {'b': 1}}", &context()).unwrap(),
            Some(json!({"a": {"b": 1}}))
        );
        assert_eq!(
            templater.eval("'}}' ~ \"}}\"", &context()).unwrap(),
            Some(json!("}}}}"))
        );
    }

    /// Templates built to exhaust the engine: each refused or bounded, never a hang or a crash.
    #[test]
    fn hostile_templates_are_bounded() {
        let templater = Templater::default();
        let cases = [
            ("a loop of a billion", "{% for i in range(1000000000) %}x{% endfor %}".to_string()),
            ("nested loops", "{% for a in range(10000) %}{% for b in range(10000) %}xxxxxxxx{% endfor %}{% endfor %}".to_string()),
            ("recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}${{ f(0) }}".to_string()),
            ("10,000 parentheses", format!("${{{{ {}1{} }}}}", "(".repeat(10_000), ")".repeat(10_000))),
            ("10,000 nested lists", format!("${{{{ {}{} }}}}", "[".repeat(10_000), "]".repeat(10_000))),
            ("10,000 nested ifs", format!("{}x{}", "{% if true %}".repeat(10_000), "{% endif %}".repeat(10_000))),
            ("string growth", "{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}${{ s }}".to_string()),
            ("a long join", "${{ range(100000) | join(',') }}".to_string()),
        ];
        for (what, source) in cases {
            let started = std::time::Instant::now();
            let result = templater.render(&source, &context());
            let outcome = match &result {
                Ok(text) => format!("rendered {} bytes", text.len()),
                Err(err) => format!(
                    "refused: {}",
                    err.message.chars().take(120).collect::<String>()
                ),
            };
            println!("template {what}: {outcome} in {:?}", started.elapsed());
            if let Ok(text) = result {
                assert!(text.len() <= MAX_RENDERED_BYTES, "{what}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The FOCUS CSV reader
// ---------------------------------------------------------------------------------------------

mod focus {
    use chrono::NaiveDate;
    use greenroom::insights::cost::focus::read_into;
    use greenroom::insights::cost::{Aggregate, Settings, Window};
    use proptest::prelude::*;

    fn window() -> Window {
        Window::new(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(), 30)
    }

    fn read(bytes: &[u8]) -> (Result<(), String>, Aggregate) {
        let mut aggregate = Aggregate::new(window(), "test");
        let result = read_into(
            "export.csv",
            bytes,
            &Settings::default(),
            &mut aggregate,
            &mut |_| {},
        );
        (result, aggregate)
    }

    /// A data row: a day in (or outside) the two periods, an amount in cents, tags.
    fn good_row() -> impl Strategy<Value = (u32, u64, String, String)> {
        (0u32..90, 0u64..10_000_000, "[a-z]{0,6}", "[a-z-]{0,8}")
    }

    proptest! {
        #![proptest_config(super::config())]

        /// Any bytes: an error or an aggregate, never a panic; with a valid header, every data
        /// line is either counted or skipped with a reason.
        #[test]
        fn any_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048), header in any::<bool>()) {
            let mut bytes = Vec::new();
            if header {
                bytes.extend_from_slice(b"ChargePeriodStart,BilledCost,BillingCurrency,Tags\n");
            }
            bytes.extend_from_slice(&body);
            let (result, aggregate) = read(&bytes);
            if result.is_ok() {
                prop_assert!(aggregate.problems.len() <= greenroom::insights::cost::PROBLEMS_KEPT);
                prop_assert!(aggregate.outside <= aggregate.rows);
            }
        }

        /// Well-formed rows: each counted once, and the money in the window adds up to the cent.
        #[test]
        fn well_formed_rows_add_up(rows in proptest::collection::vec(good_row(), 0..60), garbage in proptest::collection::vec("[a-z ]{1,10}", 0..5)) {
            let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            let mut csv = String::from("ChargePeriodStart,BilledCost,BillingCurrency,Tags\n");
            let mut in_window = 0i64;
            for (day, cents, team, service) in &rows {
                let date = first + chrono::Days::new(*day as u64);
                let tags = serde_json::json!({"team": team, "service": service}).to_string();
                csv.push_str(&format!(
                    "{date}T00:00:00Z,{}.{:02},USD,\"{}\"\n",
                    cents / 100,
                    cents % 100,
                    tags.replace('"', "\"\"")
                ));
                if window().slot(date).is_some() {
                    in_window += *cents as i64 * 10_000;
                }
            }
            for line in &garbage {
                csv.push_str(&format!("not a date,{line},USD,{{}}\n"));
            }
            let (result, aggregate) = read(csv.as_bytes());
            prop_assert!(result.is_ok(), "{:?}", result);
            prop_assert_eq!(aggregate.rows, rows.len() as u64);
            prop_assert_eq!(aggregate.skipped, garbage.len() as u64);
            let total: i64 = aggregate.cells.iter().flat_map(|c| c.daily.iter()).sum();
            prop_assert_eq!(total, in_window);
        }
    }
}

/// Mapping keys as the `yaml` package and JavaScript see them, whatever the mapping's size (big
/// mappings use a hashed index, small ones a scan): a key `===` an earlier one is a duplicate
/// error; a key of another type with the same text (`1` and `'1'`, `true` and `'true'`, `null`
/// and `''`) replaces the earlier one's value in place.
mod mapping_keys {
    use super::*;

    /// Key spellings that meet each other by value (`1`, `1.0`, `0x1`) or only by text (`1`,
    /// `'1'`).
    const SPELLINGS: [&str; 19] = [
        "1", "1.0", "'1'", "true", "'true'", "True", "null", "~", "''", "a", "'a'", ".nan",
        "'NaN'", "0", "0.0", "-0.0", "0x1", "1e0", "[1]",
    ];
    /// Spellings that are never `===` to each other, only equal by text.
    const PAIRS: [&str; 9] = [
        "1", "'1'", "true", "'true'", "null", "''", ".nan", "'NaN'", "[1]",
    ];

    /// Key spellings and unique fillers.
    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => proptest::sample::select(SPELLINGS.to_vec()).prop_map(String::from),
            2 => (0u32..2000).prop_map(|i| format!("u{i}")),
        ]
    }

    /// JavaScript's `===` on two keys.
    fn same(a: &Node, b: &Node) -> bool {
        use greenroom::catalog::yaml::NodeValue as V;
        let number = |v: &V| match v {
            V::Int(i) => Some(*i as f64),
            V::Float(x) => Some(*x),
            _ => None,
        };
        match (&a.value, &b.value) {
            (V::Null, V::Null) => true,
            (V::Bool(x), V::Bool(y)) => x == y,
            (V::String(x), V::String(y)) => x == y,
            (x, y) => matches!((number(x), number(y)), (Some(p), Some(q)) if p == q),
        }
    }

    proptest! {
        #![proptest_config(super::config())]

        #[test]
        fn keys_behave_the_same_in_small_and_big_mappings(keys in prop_oneof![
            proptest::collection::vec(key(), 0..90),
            // Many unique keys and each spelling at most once, so big mappings get past their
            // first keys and meet the collisions.
            (
                proptest::sample::subsequence(PAIRS.to_vec(), 0..=PAIRS.len()),
                proptest::collection::btree_set(0u32..2000, 0..80),
            )
                .prop_flat_map(|(pairs, fillers)| {
                    let mut keys: Vec<String> = pairs.into_iter().map(String::from).collect();
                    keys.extend(fillers.into_iter().map(|i| format!("u{i}")));
                    Just(keys).prop_shuffle()
                }),
        ]) {
            let text: String = keys.iter().enumerate().map(|(i, k)| format!("? {k}\n: {i}\n")).collect();
            let got = parse_single(&text);
            // The model: one scan per key, as the loader did before it hashed big mappings.
            let mut entries: Vec<(Node, Json)> = Vec::new();
            let mut expected = Ok(());
            for (i, k) in keys.iter().enumerate() {
                // A null document (`null`, `~`) is left out by parse_documents.
                let node = yaml::parse_documents(k)
                    .pop()
                    .and_then(|doc| doc.unwrap())
                    .unwrap_or(Node {
                        pos: Default::default(),
                        value: greenroom::catalog::yaml::NodeValue::Null,
                    });
                if entries.iter().any(|(e, _)| same(e, &node)) {
                    expected = Err(());
                    break;
                }
                let is_string = |n: &Node| matches!(n.value, greenroom::catalog::yaml::NodeValue::String(_));
                let text = node.key_text();
                let collision = text.as_ref().and_then(|t| {
                    entries.iter().position(|(e, _)| {
                        !(is_string(&node) && is_string(e)) && e.key_text().as_ref() == Some(t)
                    })
                });
                match collision {
                    Some(at) => entries[at].1 = json!(i),
                    None => entries.push((node.clone(), json!(i))),
                }
            }
            match expected {
                Err(()) => prop_assert!(
                    got.as_ref().is_err_and(|e| e.contains("duplicate key")),
                    "{:?}\n{}", got, text
                ),
                Ok(()) => {
                    let mut map = serde_json::Map::new();
                    for (k, v) in entries {
                        map.insert(k.key_text().map(|t| t.into_owned()).unwrap_or_default(), v);
                    }
                    let expected = if keys.is_empty() { Json::Null } else { Json::Object(map) };
                    prop_assert_eq!(got, Ok(expected), "{}", text);
                }
            }
        }
    }
}
