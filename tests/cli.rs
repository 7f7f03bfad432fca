//! The command-line contract of `../shared/CLI.md`, run as a user would: the real binary on the
//! bundled demo and on small catalogs written by each test.

mod support;

use std::path::Path;
use support::binary::{self, Run};
use support::files::Workspace as Tree;

fn greenroom(cache: &Path, cwd: &Path, args: &[&str]) -> Run {
    binary::run_in(cache, cwd, args)
}

impl Tree {
    /// Runs greenroom in the folder.
    fn run(&self, args: &[&str]) -> Run {
        greenroom(self.cache.path(), self.dir.path(), args)
    }
}

/// `validate` run on a catalog folder of these files.
fn validate(files: &[(&str, &str)]) -> Run {
    Tree::new(files).run(&["validate"])
}

fn demo() -> Tree {
    Tree::new(&[])
}

fn component(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n{extra}"
    )
}

const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n  description: Team A\nspec:\n  type: team\n  children: []\n  members: [ada]\n  profile:\n    displayName: Team A\n    email: team-a@example.com\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: ada\nspec:\n  profile:\n    displayName: Ada Lovelace\n    email: ada@example.com\n  memberOf: [team-a]\n";

#[test]
fn validate_on_the_demo_finds_no_problem() {
    let run = demo().run(&["--demo", "validate"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // The nodejs template's skeleton catalog-info.yaml is skipped, and counted.
    assert!(
        run.stdout
            .trim_end()
            .ends_with("entities, 0 errors, 0 warnings, 1 skipped as skeletons"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_syntax_error_costs_only_its_own_document() {
    let bad = format!(
        "{}---\nkind: [unclosed\n---\n{}",
        component("first", ""),
        component("third", "")
    );
    let run = validate(&[
        ("catalog-info.yaml", &bad),
        ("team/catalog-info.yaml", TEAM),
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let error_line = run
        .stdout
        .lines()
        .find(|l| l.contains(": error: "))
        .expect("an error line");
    // At the unclosed `[`'s line, inside its document (not at the next document's `---`).
    assert!(
        error_line.starts_with("catalog-info.yaml:10:"),
        "{error_line}"
    );
    run.assert_stdout_has("4 entities, 1 errors, 0 warnings");
}

#[test]
fn problems_name_file_line_column_and_field() {
    let run = validate(&[
        (
            "catalog-info.yaml",
            &component("svc", "  dependsOn: [resource:ghost-db]\n"),
        ),
        ("team/catalog-info.yaml", TEAM),
    ]);
    assert_eq!(
        run.code, 0,
        "a dangling reference is a warning: {}",
        run.stdout
    );
    run.assert_stdout_has(
        "catalog-info.yaml:9:15: warning: spec.dependsOn: resource:default/ghost-db does not exist",
    );
}

#[test]
fn a_missing_path_is_an_io_error_that_names_it() {
    let tree = Tree::new(&[]);
    let run = tree.run(&["validate", "nowhere"]);
    assert_eq!(run.code, 2);
    run.assert_stderr_has("nowhere: no such file or folder");
}

#[test]
fn duplicates_are_errors_at_both_places() {
    let run = validate(&[
        ("a/catalog-info.yaml", &component("svc", "")),
        ("b/catalog-info.yaml", &component("svc", "")),
        ("team/catalog-info.yaml", TEAM),
    ]);
    assert_eq!(run.code, 1);
    run.assert_stdout_has_all(&[
        "a/catalog-info.yaml:1:1: error: duplicate",
        "b/catalog-info.yaml:1:1: error: duplicate",
    ]);
}

#[test]
fn locations_are_followed_with_globs_loops_and_escapes_handled() {
    let root = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets:\n    - ./org/*.yaml\n    - ./loop/catalog-info.yaml\n    - ../outside.yaml\n    - ./catalog-info.yaml\n";
    let looping = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: looping\nspec:\n  type: file\n  target: ../catalog-info.yaml\n";
    let run = validate(&[
        ("catalog-info.yaml", root),
        ("org/teams.yaml", TEAM),
        ("org/services.yaml", &component("svc", "")),
        ("loop/catalog-info.yaml", looping),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run.assert_stdout_has_all(&[
        "outside the catalog folder",
        "this Location's own file",
        "5 entities, 0 errors, 2 warnings",
    ]);
}

#[test]
fn template_skeletons_are_not_catalog_entities() {
    let template = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: service\n  owner: team-a\n  parameters: []\n  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n";
    let skeleton = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name | dump }}\nspec:\n  owner: ${{ values.owner }}\n  {% if values.x %}type: a{% endif %}\n";
    let run = validate(&[
        ("templates/t/catalog-info.yaml", template),
        ("templates/t/skeleton/catalog-info.yaml", skeleton),
        ("team/catalog-info.yaml", TEAM),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    run.assert_stdout_has("3 entities, 0 errors, 0 warnings");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_does_not_trap_the_walk() {
    let tree = Tree::new(&[("a/catalog-info.yaml", TEAM)]);
    std::os::unix::fs::symlink(tree.path("a"), tree.path("a/again")).unwrap();
    let run = tree.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    run.assert_stdout_has("2 entities");
}

#[test]
fn list_filters_and_prints_backstage_entities_as_json() {
    let run = demo().run(&[
        "--demo",
        "list",
        "--kind",
        "component",
        "--owner",
        "group:order-team",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entities: Vec<serde_json::Value> =
        serde_json::from_str(&run.stdout).expect("json on stdout");
    assert!(!entities.is_empty());
    for entity in &entities {
        assert_eq!(entity["kind"], "Component");
        assert_eq!(entity["spec"]["owner"], "group:order-team");
        assert!(entity["apiVersion"].is_string() && entity["metadata"]["name"].is_string());
        assert!(entity["relations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "ownedBy"));
    }
    assert!(entities
        .iter()
        .any(|e| e["metadata"]["name"] == "order-service"));
}

#[test]
fn show_gives_relations_both_ways_and_suggests_on_a_miss() {
    let tree = demo();
    let run = tree.run(&["--demo", "show", "order-service", "--format", "json"]);
    assert_eq!(run.code, 0);
    let entity: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let relations: Vec<(String, String)> = entity["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_string(),
                r["targetRef"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("ownedBy", "group:default/order-team"),
        ("dependsOn", "resource:default/orders-db"),
        ("dependsOn", "resource:default/payments-queue"),
        ("providesApi", "api:default/order-api"),
        ("consumesApi", "api:default/payment-api"),
        ("consumesApi", "api:default/inventory-api"),
        ("partOf", "system:default/ecommerce"),
    ] {
        assert!(
            relations.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {relations:?}"
        );
    }
    let group = tree.run(&["--demo", "show", "group:order-team", "--format", "json"]);
    assert!(
        group.stdout.contains("\"ownerOf\""),
        "the other direction: {}",
        group.stdout
    );

    let miss = tree.run(&["--demo", "show", "ordr-servce"]);
    assert_eq!(miss.code, 1);
    miss.assert_stderr_has_all(&["closest: ", "component:default/order-service"]);
}

#[test]
fn deps_prints_a_cycle_once_and_the_reverse_tree() {
    let tree = Tree::new(&[
        ("a/catalog-info.yaml", &component("a", "  dependsOn: [component:b]\n")),
        ("b/catalog-info.yaml", &component("b", "  dependsOn: [component:a, resource:db]\n")),
        ("db/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: db\nspec:\n  type: database\n  owner: team-a\n"),
        ("team/catalog-info.yaml", TEAM),
    ]);
    let run = tree.run(&["deps", "a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "component:default/a\n└─ dependsOn component:default/b\n   ├─ dependsOn component:default/a (cycle)\n   └─ dependsOn resource:default/db\n"
    );
    let reverse = tree.run(&["deps", "resource:db", "--reverse", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&reverse.stdout).unwrap();
    assert_eq!(json["children"][0]["ref"], "component:default/b");
    assert_eq!(json["children"][0]["relation"], "dependencyOf");
    assert_eq!(tree.run(&["deps", "nothing-like-it"]).code, 1);
}

#[test]
fn search_ranks_entities_and_people() {
    let tree = demo();
    let run = tree.run(&[
        "--demo", "search", "order", "--format", "json", "--limit", "5",
    ]);
    assert_eq!(run.code, 0);
    let hits: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(!hits.is_empty() && hits.len() <= 5);
    for hit in &hits {
        assert!(
            hit["ref"].is_string()
                && hit["kind"].is_string()
                && hit["score"].is_number()
                && hit["title"].is_string()
        );
    }
    let people = tree.run(&[
        "--demo", "search", "sofia", "--kind", "user", "--format", "json",
    ]);
    let people: Vec<serde_json::Value> = serde_json::from_str(&people.stdout).unwrap();
    assert_eq!(people[0]["ref"], "user:default/sofia.romero");
    let none = tree.run(&["--demo", "search", "zzzzqqq"]);
    assert_eq!(none.code, 0, "no match is not an error");
}

/// Endpoints across the catalog (tests/fixtures/endpoints): who serves a path, in text and JSON.
#[test]
fn search_finds_who_serves_an_endpoint() {
    let cache = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/endpoints");
    let catalog = fixture.to_str().unwrap();
    let search = |args: &[&str]| {
        let run = greenroom(
            cache.path(),
            cache.path(),
            &[&["--catalog", catalog, "search"], args].concat(),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        run
    };
    let text = search(&["POST /v1/refunds"]);
    let first = text.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        first.starts_with("POST /v1/refunds")
            && first.contains("refunds-api → payments-service (team-payments)"),
        "{}",
        text.stdout
    );
    let json = search(&["/v1/refunds", "--format", "json"]);
    let hits: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    let paths: Vec<&str> = hits.iter().filter_map(|h| h["path"].as_str()).collect();
    // Exact path first; the API defined at a URL (also /v1/refunds) is not fetched for a search.
    assert_eq!(
        paths,
        ["/v1/refunds", "/v1/refunds", "/v1/refunds/{id}"],
        "{}",
        json.stdout
    );
    assert_eq!(hits.len(), 3, "{}", json.stdout);
    let post = hits.iter().find(|h| h["method"] == "POST").unwrap();
    assert_eq!(post["kind"], "operation");
    assert_eq!(post["ref"], "api:default/refunds-api");
    assert_eq!(post["api"], "api:default/refunds-api");
    assert_eq!(post["operationId"], "createRefund");
    assert_eq!(
        post["providers"],
        serde_json::json!(["component:default/payments-service"])
    );
    assert_eq!(post["owner"], "group:default/team-payments");
    assert!(post["score"].is_number() && post["title"] == "POST /v1/refunds");
    // `--kind operation` keeps only endpoints; another kind leaves them out.
    let only: Vec<serde_json::Value> = serde_json::from_str(
        &search(&["payments", "--kind", "operation", "--format", "json"]).stdout,
    )
    .unwrap();
    assert!(!only.is_empty() && only.iter().all(|h| h["kind"] == "operation"));
    let apis: Vec<serde_json::Value> =
        serde_json::from_str(&search(&["refunds", "--kind", "api", "--format", "json"]).stdout)
            .unwrap();
    assert!(
        !apis.is_empty() && apis.iter().all(|h| h["kind"] == "API"),
        "{apis:?}"
    );
}

#[test]
fn who_names_the_team_its_parents_and_members() {
    let run = demo().run(&["--demo", "who", "order-service"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&[
        "owner group:default/order-team (Order Team)",
        "part of group:default/engineering",
        "<sofia.romero@myorg.example.com>",
    ]);
}

#[test]
fn template_list_shows_both_reference_templates() {
    let run = demo().run(&["--demo", "template", "list"]);
    assert_eq!(run.code, 0);
    run.assert_stdout_has_all(&[
        "template:provision-postgres",
        "Provision PostgreSQL Database",
    ]);
    run.assert_stdout_has("template:nodejs-rest-api");
}

#[test]
fn completions_cover_every_subcommand_for_each_shell() {
    let tree = demo();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = tree.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in [
            "validate",
            "template",
            "incidents",
            "open",
            "catalog",
            "dry-run",
        ] {
            assert!(run.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let run = tree.run(&["completions", "tcsh"]);
    assert_eq!(run.code, 2, "an unknown shell is a usage error");
}

#[test]
fn man_prints_greenroom_1_or_writes_a_page_per_subcommand() {
    let tree = demo();
    let run = tree.run(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(".ie") && run.stdout.contains(".TH greenroom 1"),
        "{}",
        run.stdout
    );
    let out = tree.path("man");
    let run = tree.run(&["man", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in [
        "greenroom.1",
        "greenroom-validate.1",
        "greenroom-template-run.1",
        "greenroom-open.1",
    ] {
        let text =
            std::fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let run_page = std::fs::read_to_string(out.join("greenroom-template-run.1")).unwrap();
    assert!(
        run_page.contains("dry\\-run"),
        "the subcommand's own flags: {run_page}"
    );
}
