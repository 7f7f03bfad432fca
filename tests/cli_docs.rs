//! `greenroom docs REF [--page PATH]`: the real binary on our TechDocs fixture sites
//! (tests/fixtures/techdocs/) and on the demo.

mod support;

use std::path::{Path, PathBuf};
use support::binary::{self, Run};

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
