//! `spec.definition` placeholders through Backstage's own backend (`tests/backstage-peer`, with
//! `@backstage/plugin-catalog-backend-module-openapi` registered): for every API entity of
//! `tests/fixtures/placeholders/`, the definition greenroom resolves is the one the backend stores
//! after ingesting them, both ways greenroom reads them: from the files next to a local catalog
//! (while loading), and from URLs (`greenroom api`, fetched when shown).
//!
//! Backstage resolves relative placeholder paths only against a URL location (a file location
//! refuses them), so the fixture is served on 127.0.0.1 and the backend is given a Location entity
//! that points at it.
//!
//! `$text`, `$json` and `$yaml` give the same text, byte for byte. `$openapi` and `$asyncapi`
//! give a YAML document written by each side's own YAML writer (quotes, sequence indentation and
//! line folding differ): those are compared as parsed documents, which still checks every key,
//! value and every `$ref` left in them. Without node or the installed peer the test is skipped
//! with the reason printed, and fails when GREENROOM_REQUIRE_PEERS is set (CI).

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use support::backstage::{openapi_module_missing, Peer};
use support::{binary, definitions};

/// The API entities of the fixture, the placeholder each uses and the path it names.
const APIS: [(&str, &str, &str); 8] = [
    ("text-graphql", "$text", "./defs/library.graphql"),
    (
        "text-proto-nested-path",
        "$text",
        "defs/nested/../nested/tracking.proto",
    ),
    ("json-string", "$json", "./defs/definition.json"),
    ("yaml-block-string", "$yaml", "defs/definition.yaml"),
    ("store", "$openapi", "./openapi/store.yaml"),
    ("store-json", "$openapi", "./openapi/store.json"),
    ("parcels-events", "$asyncapi", "./asyncapi/parcels-2.6.yaml"),
    ("rides-events", "$asyncapi", "./asyncapi/rides-3.0.yaml"),
];

/// The two texts say the same: equal, or for a bundled document the same parsed document.
fn assert_same(mine: &str, theirs: &str, name: &str, placeholder: &str, how: &str) {
    if matches!(placeholder, "$openapi" | "$asyncapi") {
        assert_eq!(
            document(mine),
            document(theirs),
            "api:{name} ({placeholder}, {how})"
        );
    } else {
        assert_eq!(mine, theirs, "api:{name} ({placeholder}, {how})");
    }
}

fn document(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// Every `$ref` string in a document.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn definitions_resolve_as_the_backstage_backend_resolves_them() {
    if let Some(reason) = openapi_module_missing() {
        assert!(
            std::env::var_os("GREENROOM_REQUIRE_PEERS").is_none(),
            "the Backstage peer is required (GREENROOM_REQUIRE_PEERS is set): {reason}"
        );
        println!("skipped: {reason}");
        return;
    }
    let server = definitions::folder_server("placeholders");
    let base = format!("{}/apis/", server.url());
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("location.yaml");
    std::fs::write(
        &location,
        format!("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: placeholders\nspec:\n  type: url\n  target: {base}catalog-info.yaml\n"),
    )
    .unwrap();
    let log = dir.path().join("backend.log");
    let mut peer = Peer::start(&location, &log);
    // The APIs, the group, our Location and the generated one.
    peer.wait_for(APIS.len() + 3, Duration::from_secs(240))
        .unwrap_or_else(|err| panic!("the Backstage backend did not ingest the fixture: {err}"));
    let served: BTreeMap<String, String> = peer
        .all_entities()
        .into_iter()
        .filter(|e| e["kind"] == "API")
        .map(|e| {
            let name = e["metadata"]["name"].as_str().unwrap().to_string();
            let definition = e["spec"]["definition"]
                .as_str()
                .unwrap_or_else(|| panic!("api:{name}'s definition is not a string"))
                .to_string();
            (name, definition)
        })
        .collect();
    assert_eq!(served.len(), APIS.len(), "{:?}", served.keys());

    // From the files, as a local catalog.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/placeholders");
    let local = greenroom::catalog::load::load_paths(&[fixture.join("catalog-info.yaml")]).catalog;
    // From URLs, as `greenroom api` fetches them.
    let remote = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(
        cache.path().join("no-config.toml"),
        format!(
            "[reading]\nallow = [{{ host = \"{}\", paths = [\"/apis/\"] }}]\n",
            server.addr()
        ),
    )
    .unwrap();
    let catalog: Vec<String> = APIS
        .iter()
        .map(|(name, placeholder, path)| {
            format!("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: {name}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    {placeholder}: {base}{path}\n")
        })
        .collect();
    std::fs::write(
        remote.path().join("catalog-info.yaml"),
        catalog.join("---\n"),
    )
    .unwrap();

    for (name, placeholder, _) in APIS {
        let theirs = &served[name];
        let id = local
            .get(&format!("api:default/{name}"))
            .unwrap_or_else(|| panic!("greenroom did not load api:{name}: {:?}", local.problems));
        let mine = local.entity_json(id)["spec"]["definition"]
            .as_str()
            .unwrap_or_else(|| panic!("greenroom's api:{name} definition is not a string"))
            .to_string();
        assert_same(&mine, theirs, name, placeholder, "from the files");
        let run = binary::run_in(cache.path(), remote.path(), &["api", name, "--raw"]);
        assert_eq!(run.code, 0, "api:{name}: {}", run.stderr);
        let fetched = run.stdout.strip_suffix('\n').unwrap_or(&run.stdout);
        assert_same(
            fetched,
            theirs.trim_end_matches('\n'),
            name,
            placeholder,
            "from URLs",
        );
        if matches!(placeholder, "$openapi" | "$asyncapi") {
            // Bundled: no ref to another file is left, but those AsyncAPI 3 keeps as written.
            let mut left = Vec::new();
            refs(&document(theirs), &mut left);
            let external: Vec<&String> = left.iter().filter(|r| !r.starts_with('#')).collect();
            match name {
                "rides-events" => assert_eq!(
                    external,
                    ["./messages/channels.yaml#/rideAccepted/messages/RideAccepted"]
                ),
                _ => assert!(external.is_empty(), "api:{name}: {external:?}"),
            }
        }
    }
}
