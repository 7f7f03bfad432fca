//! `greenroom api REF`: the real binary on the demo and on catalogs whose API entities carry our
//! fixtures (tests/fixtures/apidef/) through `$text`.

mod support;

use std::path::Path;
use support::binary::{self, Run};

struct Tree {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Tree {
    /// A catalog of one API entity of `spec_type` whose definition is the fixture `fixture`.
    fn api(spec_type: &str, fixture: &str) -> Tree {
        let tree = Tree {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        };
        std::fs::write(tree.cache.path().join("no-config.toml"), "").unwrap();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/apidef")
            .join(fixture);
        std::fs::copy(&source, tree.dir.path().join(fixture)).unwrap();
        let entity = format!(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: the-api\nspec:\n  type: {spec_type}\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./{fixture}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: plain\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
        );
        std::fs::write(tree.dir.path().join("catalog-info.yaml"), entity).unwrap();
        tree
    }

    fn demo() -> Tree {
        let tree = Tree {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        };
        std::fs::write(tree.cache.path().join("no-config.toml"), "").unwrap();
        tree
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut command =
            binary::command(self.cache.path(), &self.cache.path().join("no-config.toml"));
        command.args(args).current_dir(self.dir.path());
        binary::execute(&mut command)
    }
}

#[test]
fn json_lists_the_operations_with_the_contract_s_keys() {
    let run = Tree::api("openapi", "ledger-openapi31.yaml").run(&[
        "api",
        "api:the-api",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ops: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        ops[0],
        serde_json::json!({
            "method": "GET", "path": "/accounts/{accountId}", "operationId": "getAccount",
            "summary": "Read an account with its entries", "tags": ["accounts"], "deprecated": false
        })
    );
    assert_eq!(ops[1]["deprecated"], true);
    assert_eq!(ops.as_array().unwrap().len(), 3);
}

#[test]
fn text_lists_operations_then_webhooks() {
    let run = Tree::api("openapi", "ledger-openapi31.yaml").run(&["api", "the-api"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0].trim_end(),
        "api:default/the-api  openapi  Ledger API 2.1"
    );
    assert!(lines[1].starts_with("METHOD  PATH"), "{}", run.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DELETE") && l.contains("(deprecated)")),
        "{}",
        run.stdout
    );
    let hooks = lines
        .iter()
        .position(|l| *l == "webhooks:")
        .expect("webhooks listed");
    assert!(
        lines[hooks + 2].contains("entryPostedHook"),
        "{}",
        run.stdout
    );
}

#[test]
fn grpc_rpcs_are_listed_with_their_streaming() {
    let run = Tree::api("grpc", "tracking.proto").run(&["api", "the-api", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ops: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(ops[1]["method"], "SERVER-STREAM");
    assert_eq!(ops[1]["path"], "/fleet.tracking.v1.Tracking/WatchPositions");
}

#[test]
fn raw_prints_the_definition_text() {
    let run = Tree::api("graphql", "library.graphql").run(&["api", "the-api", "--raw"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apidef/library.graphql"),
    )
    .unwrap();
    assert_eq!(run.stdout, fixture);
}

#[test]
fn a_definition_that_does_not_parse_exits_1_naming_its_line() {
    let run = Tree::api("grpc", "broken.proto").run(&["api", "the-api"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("line 4:");
    assert!(run.stdout.is_empty());
    // --raw still shows the text a reader needs to fix it.
    assert_eq!(
        Tree::api("grpc", "broken.proto")
            .run(&["api", "the-api", "--raw"])
            .code,
        0
    );
}

#[test]
fn not_found_and_no_definition_exit_1() {
    let tree = Tree::api("openapi", "ledger-openapi31.yaml");
    let run = tree.run(&["api", "api:no-such-api"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("no entity");
    let run = tree.run(&["api", "component:plain"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("has no API definition");
}

#[test]
fn every_demo_api_parses() {
    let demo = Tree::demo();
    let list = demo.run(&["--demo", "list", "--kind", "API", "--format", "json"]);
    let apis: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let apis = apis.as_array().unwrap();
    assert!(apis.len() >= 7, "{}", list.stdout);
    for api in apis {
        let name = api["metadata"]["name"].as_str().unwrap();
        let run = demo.run(&["--demo", "api", &format!("api:{name}"), "--format", "json"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let ops: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(
            !ops.as_array().unwrap().is_empty(),
            "{name} has no operations"
        );
    }
}
