//! `greenroom api REF`: the real binary on the demo and on catalogs whose API entities carry our
//! fixtures (tests/fixtures/apidef/) through `$text`.

mod support;

use std::path::Path;
use support::binary::{self, Run};
use support::definitions;

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
        binary::run_in(self.cache.path(), self.dir.path(), args)
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

/// tests/fixtures/apidef/bundled/: API entities with `$openapi`/`$asyncapi` definitions.
fn bundled() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/apidef/bundled")
        .display()
        .to_string()
}

#[test]
fn openapi_and_asyncapi_placeholders_inline_refs_to_other_files() {
    let tree = Tree::demo();
    let catalog = bundled();
    let run = tree.run(&[
        "api",
        "api:shelf-api",
        "--catalog",
        &catalog,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ops: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["listShelves", "restockShelf"]);
    // The parameter from schemas/common.yaml is in the text; the internal ref stays a ref; the
    // second use of the same parameter points at the first; the self-referencing shelf is finite.
    let raw = tree.run(&["api", "api:shelf-api", "--catalog", &catalog, "--raw"]);
    assert_eq!(raw.code, 0, "{}", raw.stderr);
    raw.assert_stdout_has_all(&[
        "name: storeId",
        "$ref: '#/components/schemas/Shelf'",
        "$ref: '#/paths/~1shelves/get/parameters/0'",
        "application/problem+json",
    ]);
    assert_eq!(
        raw.stdout
            .matches("$ref: '#/components/schemas/Shelf'")
            .count(),
        2,
        "the list's items and the shelf's neighbours: {}",
        raw.stdout
    );
    let events = tree.run(&["api", "api:restock-events", "--catalog", &catalog]);
    assert_eq!(events.code, 0, "{}", events.stderr);
    events.assert_stdout_has_all(&["SUBSCRIBE", "shelf.restocked", "onShelfRestocked"]);
}

#[test]
fn module_placeholders_warn_and_broken_refs_name_the_file_and_the_ref() {
    let run = Tree::demo().run(&["validate", &bundled()]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    run.assert_stdout_has("3 entities, 1 errors, 2 warnings");
    run.assert_stdout_has_all(&[
        "catalog-info.yaml:12:5: warning: placeholder $openapi: a stock Backstage rejects this entity; its catalog needs the @backstage/plugin-catalog-backend-module-openapi module",
        "catalog-info.yaml:23:5: warning: placeholder $asyncapi: a stock Backstage rejects",
        "catalog-info.yaml:34:5: error: placeholder $openapi: ./broken-openapi.yaml: $ref \"./schemas/responses.yaml#/Shelves\" in ",
        "broken-openapi.yaml: cannot read ",
        "schemas/responses.yaml (no such file)",
    ]);
}

/// A catalog whose API's definition is `{placeholder: url}`, with `config` as config.toml.
fn remote(placeholder: &str, url: &str, config: &str) -> Tree {
    let tree = Tree::demo();
    definitions::write_catalog(tree.dir.path(), placeholder, url);
    std::fs::write(tree.cache.path().join("no-config.toml"), config).unwrap();
    tree
}

#[test]
fn a_url_definition_is_fetched_when_asked_for_from_allowed_hosts_only() {
    let server = definitions::fixture_server();
    let url = format!("{}/apis/shelf-openapi.yaml", server.url());
    let tree = remote("$openapi", &url, &definitions::allow(&server));
    // Loading reads no network.
    let run = tree.run(&["validate"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // `greenroom api` fetches it, and the files its refs name, relative to it.
    let run = tree.run(&["api", "api:remote-api"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&["listShelves", "restockShelf", "Shelf API"]);
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(
        paths,
        // In the bundler's walk order (shorter keys first: `responses` before `parameters`).
        [
            "/apis/shelf-openapi.yaml",
            "/apis/schemas/shelf.yaml",
            "/apis/schemas/common.yaml"
        ]
    );
    // --raw prints the bundled text.
    let raw = tree.run(&["api", "api:remote-api", "--raw"]);
    raw.assert_stdout_has("name: storeId");

    // No allow entry: refused without a request, saying what to add.
    server.clear();
    let refused = remote("$text", &url, "").run(&["api", "api:remote-api"]);
    assert_eq!(refused.code, 1);
    refused.assert_stderr_has(&format!(
        "greenroom: api:default/remote-api: not fetched: {url} is not in the allow list: add {{ host = \"{}\" }} to [reading] allow",
        server.addr()
    ));
    assert!(server.requests().is_empty());
    // A path outside the allowed prefix is refused too.
    let outside = format!("{}/private/x.yaml", server.url());
    let run = remote("$text", &outside, &definitions::allow(&server)).run(&["api", "remote-api"]);
    run.assert_stderr_has("is not in the allow list");
}

#[test]
fn a_url_definition_that_cannot_be_had_says_why() {
    let server = definitions::fixture_server();
    let config = definitions::allow(&server);
    let missing = format!("{}/apis/missing.yaml", server.url());
    let run = remote("$text", &missing, &config).run(&["api", "remote-api"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&[
        "not fetched: ",
        "(404 Not Found) for GET ",
        "/apis/missing.yaml: check the URL in the API's spec.definition",
    ]);
    // A ref to a file that is not there: the file and the ref.
    let broken = format!("{}/apis/broken-openapi.yaml", server.url());
    let run = remote("$openapi", &broken, &config).run(&["api", "remote-api"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&[
        "not fetched: ",
        "$ref \"./schemas/responses.yaml#/Shelves\" in ",
        "/apis/broken-openapi.yaml: cannot read ",
        "/apis/schemas/responses.yaml (",
        "404 Not Found",
    ]);
    // Nothing listening: offline, said at once.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let config = format!("[reading]\nallow = [{{ host = \"{closed}\" }}]\n");
    let run = remote("$text", &format!("http://{closed}/apis/x.yaml"), &config)
        .run(&["api", "remote-api"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("not fetched: cannot reach the definition's host");
}

#[test]
fn a_github_blob_url_is_read_through_the_contents_api_with_the_token() {
    let token = "ghp_definitionSecret123";
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apidef/ledger-openapi31.yaml"),
    )
    .unwrap();
    let github = support::http_server::TestServer::start(move |request| {
        match (request.path(), request.query("ref").as_deref()) {
            ("/repos/acme/ledger/contents/apis/ledger.yaml", Some("main")) => {
                support::http_server::Reply::text(200, &text)
            }
            _ => support::http_server::Reply::status(404),
        }
    });
    let tree = remote(
        "$text",
        "https://github.com/acme/ledger/blob/main/apis/ledger.yaml",
        "",
    );
    let mut command = binary::command(tree.cache.path(), &tree.cache.path().join("no-config.toml"));
    command
        .args(["api", "remote-api", "--verbose"])
        .current_dir(tree.dir.path())
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_API_URL", github.url());
    let run = binary::execute(&mut command);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("GET");
    let asked = &github.requests()[0];
    assert_eq!(
        asked.header("authorization"),
        Some(&*format!("Bearer {token}"))
    );
    assert_eq!(
        asked.header("accept"),
        Some("application/vnd.github.raw+json")
    );
    assert!(!run.stdout.contains(token) && !run.stderr.contains(token));
    // Without a token: the reason, not github.com's web page.
    let run = tree.run(&["api", "remote-api"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("not fetched: GitHub is not configured: no GitHub token");
}
