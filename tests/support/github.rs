//! A fake GitHub REST API on [`TestServer`], answering with bodies shaped from GitHub's OpenAPI
//! examples (`tests/fixtures/github/`): workflow runs, jobs, log redirects, reruns, repositories.
//! Like GitHub it checks the token (401 "Bad credentials"), sends ETags and answers
//! `If-None-Match` with 304, and reports `x-ratelimit-*`, counting a rate-limit point for every
//! answer that is not a 304.

use super::fixture_api::json_fixture;
use super::http_server::{Recorded, Reply, TestServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The token tests plant and then look for everywhere it must not be.
pub const TOKEN: &str = "ghp_PLANTEDtoken0123456789abcdefSECRETxyz";

/// A run: a copy of the fixture's run with these values. Times: created at `created`, finished
/// 119 s later when completed.
pub fn run(
    id: u64,
    workflow: &str,
    branch: &str,
    status: &str,
    conclusion: Option<&str>,
    title: &str,
) -> Value {
    let mut run = json_fixture("github/workflow-runs.json")["workflow_runs"][0].clone();
    let created = "2024-05-01T10:00:00Z";
    run["id"] = json!(id);
    run["name"] = json!(workflow);
    run["head_branch"] = json!(branch);
    run["status"] = json!(status);
    run["conclusion"] = json!(conclusion);
    run["display_title"] = json!(title);
    run["created_at"] = json!(created);
    run["run_started_at"] = json!(created);
    run["updated_at"] = json!(if status == "completed" {
        "2024-05-01T10:01:59Z"
    } else {
        created
    });
    run["run_number"] = json!(id % 1000);
    run["html_url"] = json!(format!(
        "https://github.com/octo-org/octo-repo/actions/runs/{id}"
    ));
    run
}

pub fn runs_page(runs: Vec<Value>) -> Value {
    json!({ "total_count": runs.len(), "workflow_runs": runs })
}

/// A run as the tests name it: id, workflow, branch, status, conclusion, title.
type RunRow = (
    u64,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
);

/// The three runs most tests show: one in progress, a failure on main, a success.
const SAMPLE_RUNS: [RunRow; 3] = [
    (103, "Deploy", "main", "in_progress", None, "Roll out v2.3"),
    (
        102,
        "CI",
        "main",
        "completed",
        Some("failure"),
        "Fix flaky payment test",
    ),
    (
        101,
        "CI",
        "feature/refunds",
        "completed",
        Some("success"),
        "Add refunds endpoint",
    ),
];

/// [`SAMPLE_RUNS`] as GitHub lists them.
pub fn sample_runs() -> Value {
    runs_page(
        SAMPLE_RUNS
            .iter()
            .map(|&(id, workflow, branch, status, conclusion, title)| {
                run(id, workflow, branch, status, conclusion, title)
            })
            .collect(),
    )
}

/// The fixture's jobs for `run_id`, plus a failed `test` job with a failed step.
pub fn jobs_page(run_id: u64) -> Value {
    let mut page = json_fixture("github/jobs.json");
    let mut failed = page["jobs"][0].clone();
    failed["id"] = json!(run_id * 10 + 2);
    failed["name"] = json!("test");
    failed["conclusion"] = json!("failure");
    failed["steps"][6]["conclusion"] = json!("failure");
    page["jobs"][0]["run_id"] = json!(run_id);
    failed["run_id"] = json!(run_id);
    page["jobs"].as_array_mut().unwrap().push(failed);
    page["total_count"] = json!(2);
    page
}

/// A weak ETag over a body, as GitHub sends them.
pub fn etag(body: &[u8]) -> String {
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    format!("W/\"{hash:016x}\"")
}

pub struct FakeState {
    /// `owner/repo` → runs page.
    pub repos: Mutex<HashMap<String, Value>>,
    /// Where job logs redirect to (another server), e.g. `http://127.0.0.1:PORT`.
    pub log_host: Mutex<Option<String>>,
    /// Rate-limit points used: answers that were not 304.
    pub points: AtomicU64,
}

pub struct FakeGitHub {
    pub server: TestServer,
    pub state: Arc<FakeState>,
}

impl FakeGitHub {
    pub fn start() -> FakeGitHub {
        let state = Arc::new(FakeState {
            repos: Mutex::new(HashMap::new()),
            log_host: Mutex::new(None),
            points: AtomicU64::new(0),
        });
        let handler_state = state.clone();
        let server = TestServer::start(move |req| answer(&handler_state, req));
        FakeGitHub { server, state }
    }

    /// A fake GitHub where `slug` has the [`SAMPLE_RUNS`].
    pub fn with_sample_runs(slug: &str) -> FakeGitHub {
        let github = FakeGitHub::start();
        github.set_runs(slug, sample_runs());
        github
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn set_runs(&self, slug: &str, page: Value) {
        self.state
            .repos
            .lock()
            .unwrap()
            .insert(slug.to_string(), page);
    }

    pub fn set_log_host(&self, base: &str) {
        *self.state.log_host.lock().unwrap() = Some(base.to_string());
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    pub fn points(&self) -> u64 {
        self.state.points.load(Ordering::SeqCst)
    }
}

fn answer(state: &FakeState, req: &Recorded) -> Reply {
    if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        state.points.fetch_add(1, Ordering::SeqCst);
        return Reply::json(
            401,
            &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        );
    }
    let parts: Vec<&str> = req.path().trim_start_matches('/').split('/').collect();
    let reply = match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["repos", owner, repo, "actions", "runs"]) => {
            let repos = state.repos.lock().unwrap();
            match repos.get(&format!("{owner}/{repo}")) {
                Some(page) => {
                    let mut page = page.clone();
                    let per_page = req
                        .query("per_page")
                        .and_then(|p| p.parse::<usize>().ok())
                        .unwrap_or(30);
                    if let Some(branch) = req.query("branch") {
                        page["workflow_runs"]
                            .as_array_mut()
                            .unwrap()
                            .retain(|r| r["head_branch"] == json!(branch));
                    }
                    page["workflow_runs"]
                        .as_array_mut()
                        .unwrap()
                        .truncate(per_page);
                    Some(page)
                }
                None => None,
            }
        }
        ("GET", ["repos", _, _, "actions", "runs", id, "jobs"]) => {
            Some(jobs_page(id.parse().unwrap_or(0)))
        }
        ("GET", ["repos", _, _, "actions", "jobs", id, "logs"]) => {
            let host = state.log_host.lock().unwrap().clone().unwrap_or_default();
            state.points.fetch_add(1, Ordering::SeqCst);
            // The shape of GitHub's answer: a signed URL on another host.
            return Reply::redirect(302, &format!("{host}/logs/{id}?urlExpires=2030-01-22T22%3A44%3A54Z&urlSigningMethod=HMACV1&urlSignature=SIGNATUREsecret"));
        }
        ("POST", ["repos", _, _, "actions", "runs", _, "rerun-failed-jobs"]) => {
            state.points.fetch_add(1, Ordering::SeqCst);
            return Reply::json(201, &json!({}));
        }
        ("GET", ["repos", owner, repo])
            if state
                .repos
                .lock()
                .unwrap()
                .contains_key(&format!("{owner}/{repo}")) =>
        {
            let mut repository = json_fixture("github/repository.json");
            repository["name"] = json!(repo);
            repository["full_name"] = json!(format!("{owner}/{repo}"));
            repository["default_branch"] = json!("main");
            Some(repository)
        }
        _ => None,
    };
    let Some(body) = reply else {
        state.points.fetch_add(1, Ordering::SeqCst);
        return Reply::json(
            404,
            &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
        );
    };
    let bytes = serde_json::to_vec(&body).unwrap();
    let tag = etag(&bytes);
    let used = if req.header("if-none-match") == Some(tag.as_str()) {
        state.points.load(Ordering::SeqCst)
    } else {
        state.points.fetch_add(1, Ordering::SeqCst) + 1
    };
    let reply = if req.header("if-none-match") == Some(tag.as_str()) {
        Reply::status(304)
    } else {
        Reply::bytes(200, "application/json; charset=utf-8", bytes)
    };
    reply
        .header("etag", tag)
        .header("x-ratelimit-limit", "5000")
        .header(
            "x-ratelimit-remaining",
            (5000u64.saturating_sub(used)).to_string(),
        )
        .header("x-ratelimit-used", used.to_string())
        .header("x-ratelimit-reset", "4102444800")
}

/// [`SAMPLE_RUNS`] as the provider parses them, for `myorg/order-service`, with fixed times
/// (created 2024-05-01 10:00 UTC; completed runs took 119 s): for TUI tests that feed messages.
pub fn ci_runs() -> greenroom::providers::github::CiRuns {
    use chrono::{TimeZone, Utc};
    use greenroom::providers::github::{CiRuns, WorkflowRun};
    let created = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
    let run =
        |id: u64, name: &str, branch: &str, status: &str, conclusion: Option<&str>, title: &str| {
            WorkflowRun {
                id,
                name: name.into(),
                workflow_id: 1,
                run_number: id % 1000,
                head_branch: Some(branch.into()),
                head_sha: "009b8a3a9ccbb128af87f9b1c0f4c62e8a304f6d".into(),
                event: if branch == "main" {
                    "push"
                } else {
                    "pull_request"
                }
                .into(),
                status: Some(status.into()),
                conclusion: conclusion.map(Into::into),
                created_at: created,
                updated_at: if status == "completed" {
                    created + chrono::Duration::seconds(119)
                } else {
                    created
                },
                run_started_at: Some(created),
                actor: Some("octocat".into()),
                display_title: title.into(),
                head_commit_message: None,
                html_url: format!("https://github.com/myorg/order-service/actions/runs/{id}"),
                run_attempt: 1,
            }
        };
    CiRuns {
        slug: "myorg/order-service".into(),
        total_count: 3,
        runs: SAMPLE_RUNS
            .iter()
            .map(|&(id, name, branch, status, conclusion, title)| {
                run(id, name, branch, status, conclusion, title)
            })
            .collect(),
    }
}
