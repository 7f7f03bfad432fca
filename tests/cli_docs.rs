//! `greenroom docs REF [--page PATH]`: the real binary on our TechDocs fixture sites
//! (tests/fixtures/techdocs/) and on the demo.

mod support;

use std::path::{Path, PathBuf};
use support::binary::{self, Run};
use support::http_server::{Reply, TestServer};

struct Tree {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        binary::run_in(self.cache.path(), self.dir.path(), args)
    }

    /// `greenroom docs` over the fixture sites.
    fn docs(&self, args: &[&str]) -> Run {
        let catalog = fixtures();
        let mut all = vec!["--catalog", catalog.to_str().unwrap(), "docs"];
        all.extend_from_slice(args);
        self.run(&all)
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/techdocs")
}

#[test]
fn prints_the_first_nav_page_as_text() {
    let run = Tree::new().docs(&["handbook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("# Handbook\n"), "{}", run.stdout);
    run.assert_stdout_has_all(&[
        "Start with Setup <guide/setup.md>",
        "┃ Before you start\n┃ You need access to the handbook namespace.",
        "Service │ Port │   Owner\n────────┼──────┼──────────\nweb     │ 8080 │ team-docs",
        "  def build(target):  # one target at a time",
        "[image: Architecture diagram] <images/architecture.png>",
    ]);
}

#[test]
fn page_picks_a_page_of_the_site_also_one_not_in_the_nav() {
    let tree = Tree::new();
    let run = tree.docs(&["component:handbook", "--page", "guide/setup.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&[
        "# Setup",
        "1. Clone the repository.",
        "home page <../index.md#services>",
    ]);
    let run = tree.docs(&["handbook", "--page", "extra.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("# Extra notes");
}

#[test]
fn admonitions_under_list_items_print_open_and_indented_under_their_item() {
    let run = Tree::new().docs(&["handbook", "--page", "guide/deploy.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has(
        "1. Announce the deploy.\n\n  ┃ ▾ Where to announce\n  ┃ In the deploys channel, with the release's link.\n\n2. Watch the dashboards.\n\n  ┃ Warning\n  ┃ Roll back at the first spike of errors.\n\n  Keep watching for ten minutes.\n",
    );
}

#[test]
fn an_unknown_page_exits_1_naming_the_pages() {
    let run = Tree::new().docs(&["handbook", "--page", "nope.md"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    run.assert_stderr_has_all(&[
        "no page nope.md in",
        "handbook/mkdocs.yml; its pages: index.md, guide/setup.md, guide/deploy.md, reference/api.md, glossary.md, extra.md",
    ]);
}

#[test]
fn a_nav_page_missing_on_disk_exits_1_naming_the_file() {
    let run = Tree::new().docs(&["handbook", "--page", "glossary.md"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("handbook/docs/glossary.md: not found");
}

#[test]
fn a_broken_mkdocs_yml_exits_1_with_its_line() {
    let run = Tree::new().docs(&["broken-docs"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&["broken/mkdocs.yml:5: not valid YAML"]);
}

#[test]
fn no_entity_or_no_docs_exit_1() {
    let tree = Tree::new();
    let run = tree.docs(&["no-such-thing"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("no entity no-such-thing");
    let run = tree.run(&["--demo", "docs", "inventory-db"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("no docs for resource:default/inventory-db");
}

#[test]
fn a_readme_prints_and_page_needs_a_site() {
    let tree = Tree::new();
    let run = tree.run(&["--demo", "docs", "order-service"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("# order-service");
    let run = tree.run(&["--demo", "docs", "order-service", "--page", "index.md"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("has no TechDocs site");
}

#[test]
fn the_demo_site_has_nested_pages() {
    let run = Tree::new().run(&[
        "--demo",
        "docs",
        "payment-service",
        "--page",
        "architecture/flow.md",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&[
        "# How a payment flows",
        "┃ Timeouts are not failures",
        "State      │ Final │",
    ]);
}

/// A site served on 127.0.0.1 under `/site/`, each file with an ETag (304 when it matches): its
/// nav names a page that is not there.
fn site_server() -> TestServer {
    let files = [
        (
            "/site/mkdocs.yml",
            "site_name: Remote handbook\nnav:\n  - Home: index.md\n  - Guide:\n      - guide/setup.md\n  - gone.md\n  - ../../outside.md\n",
        ),
        (
            "/site/docs/index.md",
            "# Remote home\n\nRead [setup](guide/setup.md).\n\n- Step\n\n    !!! note\n        Served over HTTP.\n",
        ),
        ("/site/docs/guide/setup.md", "# Remote setup\n\nRun it.\n"),
    ];
    TestServer::start(move |request| {
        let Some((_, text)) = files.iter().find(|(path, _)| *path == request.path()) else {
            return Reply::status(404);
        };
        let etag = format!("\"{}\"", text.len());
        match request.header("if-none-match") {
            Some(seen) if seen == etag => Reply::status(304).header("etag", etag),
            _ => Reply::text(200, text).header("etag", etag),
        }
    })
}

/// A folder with one component whose docs are `url:URL`, and `config` as config.toml.
fn url_site(url: &str, config: &str) -> Tree {
    let tree = Tree::new();
    std::fs::write(
        tree.dir.path().join("catalog-info.yaml"),
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: remote-docs\n  annotations:\n    backstage.io/techdocs-ref: url:{url}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"),
    )
    .unwrap();
    std::fs::write(tree.cache.path().join("no-config.toml"), config).unwrap();
    tree
}

#[test]
fn a_url_site_is_fetched_from_allowed_hosts_and_revalidated_with_etags() {
    let server = site_server();
    let allow = format!(
        "[reading]\nallow = [{{ host = \"{}\", paths = [\"/site/\"] }}]\n",
        server.addr()
    );
    let tree = url_site(&format!("{}/site/", server.url()), &allow);
    let run = tree.run(&["docs", "remote-docs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&[
        "# Remote home",
        "setup <guide/setup.md>",
        "• Step\n\n  ┃ Note\n  ┃ Served over HTTP.",
    ]);
    let mut paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    paths.sort();
    // The nav's pages; the one outside the site's folder is never asked for.
    assert_eq!(
        paths,
        [
            "/site/docs/gone.md",
            "/site/docs/guide/setup.md",
            "/site/docs/index.md",
            "/site/mkdocs.yml"
        ]
    );
    // Again: every file revalidated with its ETag (304s), the same pages.
    server.clear();
    let run = tree.run(&["docs", "remote-docs", "--page", "guide/setup.md"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("# Remote setup\n\nRun it.");
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for request in requests.iter().filter(|r| r.path() != "/site/docs/gone.md") {
        assert!(
            request.header("if-none-match").is_some(),
            "{}",
            request.path()
        );
    }
    // The page the server does not have: said when asked for, with the site's pages.
    let run = tree.run(&["docs", "remote-docs", "--page", "gone.md"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("not found");
}

#[test]
fn a_url_site_that_cannot_be_had_says_why() {
    let server = site_server();
    let url = format!("{}/site/", server.url());
    // Not in [reading] allow: nothing asked.
    let run = url_site(&url, "").run(&["docs", "remote-docs"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&[
        "component:default/remote-docs: not fetched: ",
        "is not in the allow list",
    ]);
    assert!(server.requests().is_empty());
    // Offline: the host does not answer.
    let allow = format!("[reading]\nallow = [{{ host = \"{}\" }}]\n", server.addr());
    let tree = url_site(&url, &allow);
    drop(server);
    let run = binary::execute(
        binary::in_folder(tree.cache.path(), tree.dir.path())
            .env("GREENROOM_HTTP_RETRIES", "0")
            .args(["docs", "remote-docs"]),
    );
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&["not fetched: ", "/site/mkdocs.yml"]);
    // No mkdocs.yml at the address.
    let empty = TestServer::start(|_| Reply::status(404));
    let allow = format!("[reading]\nallow = [{{ host = \"{}\" }}]\n", empty.addr());
    let run = url_site(&format!("{}/nothing", empty.url()), &allow).run(&["docs", "remote-docs"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&[
        "not fetched: ",
        "/nothing/mkdocs.yml",
        "check the URL of the entity's backstage.io/techdocs-ref",
    ]);
}
