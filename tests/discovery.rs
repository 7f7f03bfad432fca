//! GitHub organisation discovery against a fake GitHub on 127.0.0.1: the repository list across
//! pages, archived repositories skipped, repositories without a catalog file or without a
//! branch, Location targets in the same repository, problems naming the repository and file,
//! conditional requests on the second run, and the repository filter as a user configures it.

mod support;

use greenroom::config::Secret;
use greenroom::providers::cache::Cache;
use greenroom::providers::http::{Client, Log, Options};
use greenroom::sources::github_org::Discovery;
use serde_json::{json, Value};
use std::sync::Arc;
use support::binary;
use support::github::etag;
use support::http_server::{Recorded, Reply, TestServer};

const TOKEN: &str = "ghp_discovery_7c21";

/// 125 `svc-NNN` repositories, then the special ones (on the second page): archived, without a
/// catalog file, empty (no default branch), a monorepo whose file is a Location, and one whose
/// file is not valid YAML.
fn repos() -> Vec<Value> {
    let mut repos: Vec<Value> = (0..125)
        .map(|i| repo(&format!("svc-{i:03}"), false, Some("main")))
        .collect();
    repos.push(repo("old-archived", true, Some("main")));
    repos.push(repo("no-catalog", false, Some("main")));
    repos.push(repo("empty", false, None));
    repos.push(repo("mono", false, Some("trunk")));
    repos.push(repo("broken", false, Some("main")));
    repos
}

fn repo(name: &str, archived: bool, branch: Option<&str>) -> Value {
    json!({"name": name, "full_name": format!("acme/{name}"), "archived": archived,
           "default_branch": branch, "html_url": format!("https://github.com/acme/{name}")})
}

fn file(repo: &str, path: &str) -> Option<String> {
    let component = |name: &str| {
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
    };
    match (repo, path) {
        (r, "catalog-info.yaml") if r.starts_with("svc-") || r == "old-archived" => {
            Some(component(r))
        }
        ("mono", "catalog-info.yaml") => Some(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: mono\nspec:\n  targets: [./services/a.yaml, services/../services/b.yaml, ../outside.yaml]\n".into(),
        ),
        ("mono", "services/a.yaml") => Some(component("mono-a")),
        ("mono", "services/b.yaml") => Some(component("mono-b")),
        ("broken", "catalog-info.yaml") => Some(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\n  tags: [a, b\nspec: {}\n".into(),
        ),
        _ => None,
    }
}

fn fake_github() -> TestServer {
    TestServer::start(|req: &Recorded| {
        if req.header("authorization") != Some(&*format!("Bearer {TOKEN}")) {
            return Reply::json(401, &json!({"message": "Bad credentials"}));
        }
        let path = req.path().to_string();
        if path == "/orgs/acme/repos" {
            let per_page: usize = req.query("per_page").unwrap().parse().unwrap();
            let page: usize = req.query("page").unwrap_or("1".into()).parse().unwrap();
            let all = repos();
            let items: Vec<Value> = all
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .cloned()
                .collect();
            let body = serde_json::to_vec(&items).unwrap();
            let tag = etag(&body);
            if req.header("if-none-match") == Some(&*tag) {
                return Reply::status(304).header("etag", tag);
            }
            let mut reply = Reply::bytes(200, "application/json", body).header("etag", tag);
            if page * per_page < all.len() {
                reply = reply.header(
                    "link",
                    format!(
                        "<http://x/orgs/acme/repos?per_page={per_page}&page={}>; rel=\"next\"",
                        page + 1
                    ),
                );
            }
            return reply;
        }
        if let Some(rest) = path.strip_prefix("/repos/acme/") {
            let (repo, file_path) = rest.split_once("/contents/").unwrap();
            let expected_ref = if repo == "mono" { "trunk" } else { "main" };
            assert_eq!(req.query("ref").as_deref(), Some(expected_ref), "{path}");
            assert_eq!(
                req.header("accept"),
                Some("application/vnd.github.raw+json")
            );
            return match file(repo, file_path) {
                Some(text) => {
                    let tag = etag(text.as_bytes());
                    if req.header("if-none-match") == Some(&*tag) {
                        Reply::status(304).header("etag", tag)
                    } else {
                        Reply::text(200, &text).header("etag", tag)
                    }
                }
                None => Reply::json(404, &json!({"message": "Not Found"})),
            };
        }
        Reply::json(404, &json!({"message": "Not Found"}))
    })
}

#[test]
fn discovery_reads_every_repository_across_pages_and_asks_conditionally_the_second_time() {
    let server = fake_github();
    let cache = tempfile::tempdir().unwrap();
    let client = Arc::new(Client::new(
        Options::default(),
        Some(Cache::under(cache.path())),
        Log::Off,
    ));
    let discovery = Discovery::new(
        &server.url(),
        Some(Secret::new(TOKEN)),
        client.clone(),
        "acme",
        None,
        None,
    )
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let lines = std::sync::Mutex::new(Vec::new());
    let found = runtime
        .block_on(discovery.discover(&|line| lines.lock().unwrap().push(line)))
        .unwrap();

    let mut names: Vec<String> = found
        .read
        .iter()
        .map(|r| r.entity.name().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        125 + 3,
        "125 services, the Location and its two files"
    );
    assert!(names.contains(&"mono-a".to_string()) && names.contains(&"mono-b".to_string()));
    assert!(!names.contains(&"old-archived".to_string()));
    assert_eq!(
        (found.repos, found.archived, found.without_file),
        (130, 1, 2)
    );

    let requests = server.requests();
    let pages: Vec<String> = requests
        .iter()
        .filter(|r| r.path() == "/orgs/acme/repos")
        .map(|r| r.query("page").unwrap())
        .collect();
    assert_eq!(pages, ["1", "2"]);
    assert!(
        !requests
            .iter()
            .any(|r| r.path().starts_with("/repos/acme/old-archived/")),
        "an archived repository is not read"
    );
    assert!(
        !requests
            .iter()
            .any(|r| r.path().starts_with("/repos/acme/empty/")),
        "an empty repository has no branch to read"
    );
    assert!(
        !requests.iter().any(|r| r.path().contains("outside.yaml")),
        "a target outside the repository is not followed"
    );

    // Problems name the repository and the file, with a line.
    let problems: Vec<String> = found.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        problems.iter().any(|p| p
            .starts_with("https://github.com/acme/broken/blob/main/catalog-info.yaml:")
            && p.contains("error")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p
            .starts_with("https://github.com/acme/mono/blob/trunk/catalog-info.yaml:")
            && p.contains("outside the repository")),
        "{problems:?}"
    );
    assert!(lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("130 repositories listed")));

    // Second run: every answer confirmed by a 304, the same fingerprint.
    server.clear();
    let before = client.stats().not_modified;
    let again = runtime.block_on(discovery.discover(&|_| {})).unwrap();
    assert_eq!(again.fingerprint, found.fingerprint);
    assert_eq!(again.read.len(), found.read.len());
    // A 404 is not stored, so the repository without a catalog file is asked plainly again.
    let asked: Vec<Recorded> = server
        .requests()
        .into_iter()
        .filter(|r| !r.path().starts_with("/repos/acme/no-catalog/"))
        .collect();
    assert_eq!(asked.len(), 2 + 125 + 3 + 1, "two pages and every file");
    assert!(
        asked.iter().all(|r| r.header("if-none-match").is_some()),
        "conditional requests"
    );
    assert_eq!(client.stats().not_modified - before, asked.len() as u64);
}

#[test]
fn a_configured_org_with_a_repository_filter_is_browsed_as_a_user_would() {
    let server = fake_github();
    let cache = tempfile::tempdir().unwrap();
    let config = cache.path().join("config.toml");
    std::fs::write(
        &config,
        "[catalog]\nsources = [{ github_org = \"acme\", repos = \"^(svc-00|broken)\" }]\n",
    )
    .unwrap();
    let run = binary::execute(
        binary::command(cache.path(), &config)
            .env("GITHUB_API_URL", server.url())
            .env("GITHUB_TOKEN", TOKEN)
            .args(["list", "--format", "json"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listed: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = listed
        .iter()
        .map(|e| e["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("svc-00")), "{names:?}");

    let run = binary::execute(
        binary::command(cache.path(), &config)
            .env("GITHUB_API_URL", server.url())
            .env("GITHUB_TOKEN", TOKEN)
            .arg("validate"),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    run.assert_stdout_has("https://github.com/acme/broken/blob/main/catalog-info.yaml:");
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));

    // A filter that is not a regular expression is named.
    std::fs::write(
        &config,
        "[catalog]\nsources = [{ github_org = \"acme\", repos = \"(\" }]\n",
    )
    .unwrap();
    let run = binary::execute(
        binary::command(cache.path(), &config)
            .env("GITHUB_API_URL", server.url())
            .env("GITHUB_TOKEN", TOKEN)
            .arg("list"),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("repos \"(\" is not a regular expression"),
        "{}",
        run.stderr
    );
}
