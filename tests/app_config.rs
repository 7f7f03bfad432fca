//! A Backstage app repository as the catalog: `app-config.yaml`'s `catalog.locations` (file
//! targets relative to the config, globs, Locations followed, a url target served by a fake
//! GitHub on 127.0.0.1 with the integration's token) and `catalog.rules` (Backstage's default,
//! per-location rules, and its refusal of a Location's whole output in its own words), with two
//! `--app-config` files merged as Backstage merges them.

mod support;

use serde_json::{json, Value};
use std::path::Path;
use support::binary::{self, Run};
use support::files::{write_files, Workspace};
use support::github::etag;
use support::http_server::{Recorded, Reply, TestServer};

const TOKEN: &str = "ghp_app_config_5d1e";

fn component(name: &str) -> String {
    format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
}

fn kind(kind: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}"
    )
}

/// An app repository beside an `org` folder, as in a monorepo.
fn write_tree(root: &Path) {
    let files: Vec<(&str, String)> = vec![
        (
            "app/app-config.yaml",
            r#"app:
  title: Test
integrations:
  github:
    - host: github.com
      token: ${APP_GH_TOKEN}
catalog:
  rules:
    - allow: [Component, API, Location]
  locations:
    - type: file
      target: ./catalog/components/*.yaml
    - type: file
      target: ../org/people.yaml
      rules:
        - allow: [User, Group]
    - type: file
      target: ./catalog/systems.yaml
    - type: file
      target: ./catalog/all.yaml
    - type: url
      target: https://github.com/acme/svc/blob/main/catalog-info.yaml
"#
            .into(),
        ),
        ("app/catalog/components/a.yaml", component("a")),
        (
            "app/catalog/components/b.yaml",
            format!(
                "{}---\n{}",
                component("b"),
                kind(
                    "API",
                    "b-api",
                    "  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: openapi\n"
                )
            ),
        ),
        (
            "org/people.yaml",
            format!(
                "{}---\n{}",
                kind("Group", "team-a", "  type: team\n  children: []\n"),
                kind("User", "alice", "  memberOf: [team-a]\n")
            ),
        ),
        (
            "app/catalog/systems.yaml",
            format!(
                "{}---\n{}",
                kind("System", "shop", "  owner: team-a\n"),
                component("c")
            ),
        ),
        (
            "app/catalog/all.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets: [./nested/*.yaml]\n".into(),
        ),
        ("app/catalog/nested/d.yaml", component("d")),
        ("app/catalog/nested/e.yaml", kind("Domain", "x", "  owner: team-a\n")),
    ];
    write_files(root, &files);
}

fn fake_github() -> TestServer {
    TestServer::start(|req: &Recorded| {
        if req.header("authorization") != Some(&*format!("Bearer {TOKEN}")) {
            return Reply::json(401, &json!({"message": "Bad credentials"}));
        }
        if req.path() == "/repos/acme/svc/contents/catalog-info.yaml"
            && req.query("ref").as_deref() == Some("main")
        {
            let text = component("svc");
            let tag = etag(text.as_bytes());
            if req.header("if-none-match") == Some(&*tag) {
                return Reply::status(304).header("etag", tag);
            }
            return Reply::text(200, &text).header("etag", tag);
        }
        Reply::json(404, &json!({"message": "Not Found"}))
    })
}

fn greenroom(cwd: &Path, cache: &Path, api: &str, args: &[&str]) -> Run {
    std::fs::write(cache.join("config.toml"), "").unwrap();
    let mut command = binary::command(cache, &cache.join("config.toml"));
    command
        .args(args)
        .current_dir(cwd)
        .env("GITHUB_API_URL", api)
        .env("APP_GH_TOKEN", TOKEN);
    binary::execute(&mut command)
}

/// The app repository of [`write_tree`], with `replaced` files written over it.
fn repo(replaced: &[(&str, &str)]) -> Workspace {
    let repo = Workspace::new(&[]);
    write_tree(repo.dir.path());
    write_files(repo.dir.path(), replaced);
    repo
}

impl Workspace {
    /// Runs greenroom at the repository's root with GitHub at `api`.
    fn run(&self, api: &str, args: &[&str]) -> Run {
        greenroom(self.dir.path(), self.cache.path(), api, args)
    }
}

fn names(run: &Run) -> Vec<String> {
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entities: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let mut names: Vec<String> = entities
        .iter()
        .map(|e| format!("{}:{}", e["kind"], e["metadata"]["name"]).replace('"', ""))
        .collect();
    names.sort();
    names
}

const LOADED: [&str; 7] = [
    "API:b-api",
    "Component:a",
    "Component:b",
    "Component:svc",
    "Group:team-a",
    "Location:all",
    "User:alice",
];

#[test]
fn app_config_locations_and_rules_make_the_catalog() {
    let server = fake_github();
    let repo = repo(&[]);
    let (root, cache) = (&repo.dir, &repo.cache);
    let run = repo.run(
        &server.url(),
        &[
            "--app-config",
            "app/app-config.yaml",
            "list",
            "--format",
            "json",
        ],
    );
    assert_eq!(names(&run), LOADED);

    // In the app's folder, with nothing named, its app-config.yaml is the source.
    let found = greenroom(
        &root.path().join("app"),
        cache.path(),
        &server.url(),
        &["list", "--format", "json"],
    );
    assert_eq!(names(&found), LOADED);

    let validate = repo.run(
        &server.url(),
        &["--app-config", "app/app-config.yaml", "validate"],
    );
    assert_eq!(validate.code, 1, "{}{}", validate.stdout, validate.stderr);
    let catalog = std::fs::canonicalize(root.path().join("app/catalog")).unwrap();
    let systems = catalog.join("systems.yaml").display().to_string();
    let all = catalog.join("all.yaml").display().to_string();
    for message in [
        format!("error: Entity system:default/shop at file:{systems}, originated at file:{systems}, is not of an allowed kind for that location"),
        format!("error: Entity domain:default/x at file:{all}, originated at file:{all}, is not of an allowed kind for that location"),
    ] {
        assert!(validate.stdout.contains(&message), "{message}\n{}", validate.stdout);
    }
    for run in [&run, &found, &validate] {
        assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    }
}

#[test]
fn later_app_configs_replace_locations_and_merge_rules() {
    let server = fake_github();
    // Arrays are replaced, not joined: the later file's locations (relative to the later file)
    // and rules are the only ones; objects (catalog, integrations) merge key by key.
    let repo = repo(&[(
        "app/overrides/production.yaml",
        "catalog:\n  rules:\n    - allow: [Component, System]\n  locations:\n    - type: file\n      target: ../catalog/systems.yaml\n",
    )]);
    let run = repo.run(
        &server.url(),
        &[
            "--app-config",
            "app/app-config.yaml",
            "--app-config",
            "app/overrides/production.yaml",
            "list",
            "--format",
            "json",
        ],
    );
    assert_eq!(names(&run), ["Component:c", "System:shop"]);
}

#[test]
fn without_catalog_rules_backstage_default_refuses_groups() {
    let repo = repo(&[(
        "app/app-config.yaml",
        "catalog:\n  locations:\n    - type: file\n      target: ../org/people.yaml\n    - type: file\n      target: catalog/components/a.yaml\n",
    )]);
    let run = repo.run(
        "http://127.0.0.1:9",
        &["--app-config", "app/app-config.yaml", "validate"],
    );
    let people = std::fs::canonicalize(repo.dir.path().join("org/people.yaml")).unwrap();
    let people = people.display();
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    run.assert_stdout_has_all(&[&format!("Entity group:default/team-a at file:{people}, originated at file:{people}, is not of an allowed kind for that location"), "\n1 entities, 1 errors, "]);
}
