//! GitHub Actions end to end against servers on 127.0.0.1 started by each test (`tests/support/`),
//! answering with bodies shaped from GitHub's OpenAPI examples (`tests/fixtures/github/`): the `ci`
//! command as a user runs it, the HTTP client's limits, and the provider handle the TUI uses.

mod support;

use greenroom::config::Secret;
use greenroom::providers::github::{GitHub, Slug};
use greenroom::providers::http::{CachePolicy, Call, Client, Log, Options, Service};
use greenroom::providers::{
    cache::Cache, GitHubSettings, ProviderError, ProviderHandle, ProviderMessage, ProviderOptions,
    Reply as ProviderReply, Request,
};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::binary::{self, contains, files_under, Run};
use support::catalog::{component, documents, team};
use support::github::{jobs_page, run, runs_page, sample_runs, FakeGitHub, TOKEN};
use support::http_server::{Reply, TestServer};
use support::provider::{collect, runtime};
use support::vendor_errors::{
    assert_server_error_after_one_retry, assert_timed_out_once, online_then_offline,
};

/// Two services on GitHub and one without a repository, all of the payments team.
fn catalog() -> String {
    documents(&[
        component(
            "payment-service",
            &["github.com/project-slug: myorg/payment-service"],
            "group:payments",
        ),
        component(
            "ledger",
            &["github.com/project-slug: myorg/ledger"],
            "group:payments",
        ),
        component("no-repo", &[], "group:payments"),
        team("payments"),
    ])
}

/// A catalog folder and a cache folder; commands run with GitHub at `api`.
struct Setup {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let setup = Setup {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        };
        std::fs::write(setup.dir.path().join("catalog-info.yaml"), catalog()).unwrap();
        std::fs::write(setup.dir.path().join("config.toml"), "").unwrap();
        setup
    }

    fn run(&self, api: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut command = binary::command(self.cache.path(), &self.dir.path().join("config.toml"));
        command
            .arg("--catalog")
            .arg(self.dir.path())
            .args(args)
            .current_dir(self.dir.path())
            .env("GITHUB_API_URL", api)
            .env("GITHUB_TOKEN", TOKEN);
        for (name, value) in env {
            command.env(name, value);
        }
        binary::execute(&mut command)
    }
}

fn assert_no_token(run: &Run) {
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "token printed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        !run.stdout.contains("PLANTED") && !run.stderr.contains("PLANTED"),
        "part of the token printed"
    );
}

#[test]
fn runs_are_shown_the_token_is_sent_never_printed_and_a_repeat_is_conditional() {
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let setup = Setup::new();

    let first = setup.run(&github.url(), &[], &["--verbose", "ci", "payment-service"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stdout
            .starts_with("component:default/payment-service  myorg/payment-service"),
        "{}",
        first.stdout
    );
    first.assert_stdout_has_all(&[
        "WORKFLOW",
        "Deploy",
        "in_progress",
        "failure",
        "success",
        "feature/refunds",
        "push",
        "1m 59s",
        "octocat",
        "Fix flaky payment test",
    ]);
    // The token was sent, with GitHub's headers, to the configured server.
    let requests = github.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.target,
        "/repos/myorg/payment-service/actions/runs?per_page=10"
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        request.header("accept"),
        Some("application/vnd.github+json")
    );
    assert_eq!(request.header("x-github-api-version"), Some("2022-11-28"));
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("greenroom/"),
        "{:?}",
        request.header("user-agent")
    );
    assert_eq!(request.header("if-none-match"), None);
    // --verbose logs the request, never the token.
    let log = format!(
        "GET {}/repos/myorg/payment-service/actions/runs?per_page=10 200 ",
        github.url()
    );
    first.assert_stderr_has_all(&[&log, "(cache: miss)"]);
    assert_no_token(&first);

    // Again, within the refresh window: a conditional request, answered 304, same runs.
    let second = setup.run(&github.url(), &[], &["--verbose", "ci", "payment-service"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    let requests = github.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1]
            .header("if-none-match")
            .is_some_and(|t| t.starts_with("W/\"")),
        "{:?}",
        requests[1].headers
    );
    second.assert_stderr_has_all(&[" 304 ", "(cache: 304)"]);
    assert_eq!(github.points(), 1, "the 304 cost no rate-limit point");
    assert_no_token(&second);

    // JSON: the same runs, machine-readable, and still no token.
    let json_run = setup.run(
        &github.url(),
        &[],
        &["ci", "payment-service", "--format", "json", "--limit", "2"],
    );
    assert_eq!(json_run.code, 0, "{}", json_run.stderr);
    let runs: Value =
        serde_json::from_str(&json_run.stdout).expect("JSON on stdout and nothing else");
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["workflow"], "CI");
    assert_eq!(runs[1]["branch"], "main");
    assert_eq!(runs[1]["event"], "push");
    assert_eq!(runs[1]["status"], "completed");
    assert_eq!(runs[1]["conclusion"], "failure");
    assert_eq!(runs[1]["state"], "failure");
    assert_eq!(runs[1]["duration_seconds"], 119);
    assert_eq!(runs[1]["actor"], "octocat");
    assert_eq!(runs[1]["title"], "Fix flaky payment test");
    assert_eq!(runs[1]["created_at"], "2024-05-01T10:00:00Z");
    assert!(runs[1]["age_seconds"].as_i64().unwrap() > 0);
    assert_eq!(runs[0]["conclusion"], Value::Null);
    assert_eq!(
        github.requests().last().unwrap().target,
        "/repos/myorg/payment-service/actions/runs?per_page=2"
    );
    assert_no_token(&json_run);

    // The cache holds the answers, privately, and never the token.
    let files = files_under(setup.cache.path());
    assert!(
        files.len() >= 2,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, TOKEN) && !contains(bytes, "PLANTED") && !contains(bytes, "Bearer"),
            "{path} holds the token"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
                0o600,
                "{path}"
            );
        }
    }
}

#[test]
fn branch_filter_is_sent() {
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let setup = Setup::new();
    let run = setup.run(
        &github.url(),
        &[],
        &[
            "ci",
            "payment-service",
            "--branch",
            "feature/refunds",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let runs: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(
        github.requests()[0].target,
        "/repos/myorg/payment-service/actions/runs?per_page=10&branch=feature%2Frefunds"
    );
}

/// Runs `ci payment-service` against a server that always answers with `reply`.
fn failing(reply: Reply, env: &[(&str, &str)]) -> (Run, TestServer) {
    let server = TestServer::start(move |_| reply.clone());
    let setup = Setup::new();
    let run = setup.run(&server.url(), env, &["--verbose", "ci", "payment-service"]);
    assert_no_token(&run);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout when there is no data");
    (run, server)
}

#[test]
fn unauthorized_says_the_token_was_rejected() {
    let (run, server) = failing(
        Reply::json(401, &json!({"message": "Bad credentials"})),
        &[],
    );
    run.assert_stderr_has_all(&[
        "GitHub rejected the token (401 Unauthorized) for GET http://127.0.0.1:",
        "GITHUB_TOKEN",
    ]);
    assert_eq!(server.requests().len(), 1, "a 401 is not retried");
}

#[test]
fn rate_limited_403_says_until_when_without_waiting() {
    let reset = (std::time::SystemTime::now() + Duration::from_secs(3600))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let reply = Reply::json(
        403,
        &json!({"message": "API rate limit exceeded for user ID 1."}),
    )
    .header("x-ratelimit-remaining", "0")
    .header("x-ratelimit-reset", reset.to_string());
    let (run, server) = failing(reply, &[]);
    run.assert_stderr_has("GitHub rate limit reached for GET http://127.0.0.1:");
    assert!(
        run.stderr.contains("rate limited until ") && run.stderr.contains("(in 1h"),
        "{}",
        run.stderr
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a reset an hour away is not waited for"
    );
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
}

#[test]
fn forbidden_without_rate_limit_is_a_permission_problem() {
    let reply = Reply::json(
        403,
        &json!({"message": "Resource not accessible by integration"}),
    )
    .header("x-ratelimit-remaining", "4000");
    let (run, _server) = failing(reply, &[]);
    run.assert_stderr_has("(403 Forbidden): Resource not accessible by integration");
}

#[test]
fn not_found_names_the_repository_url() {
    let github = FakeGitHub::start();
    let setup = Setup::new();
    let run = setup.run(&github.url(), &[], &["ci", "payment-service"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&["404 Not Found", "/repos/myorg/payment-service/actions/runs"]);
    run.assert_stderr_has("OWNER/REPO");
}

#[test]
fn too_many_requests_honours_retry_after_then_gives_up() {
    // Always 429: retried after retry-after (0 s here), then a clear message.
    let (run, server) = failing(
        Reply::json(429, &json!({"message": "slow down"})).header("retry-after", "0"),
        &[],
    );
    run.assert_stderr_has("rate limited until");
    assert_eq!(server.requests().len(), 3, "first try and two retries");
    // A retry-after longer than the longest wait fails at once.
    let (run, server) = failing(
        Reply::json(429, &json!({})).header("retry-after", "120"),
        &[("GREENROOM_HTTP_MAX_WAIT_MS", "50")],
    );
    run.assert_stderr_has_all(&["rate limited until", "(in 2m)"]);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn too_many_requests_then_success() {
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    // The first request gets 429 with retry-after: 1, the next the runs.
    let proxy = TestServer::start(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::json(429, &json!({"message": "secondary rate limit"}))
                .header("retry-after", "1");
        }
        Reply::json(200, &sample_runs())
    });
    let setup = Setup::new();
    let run = setup.run(&proxy.url(), &[], &["--verbose", "ci", "payment-service"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has_all(&[" 429 ", "rate limited; retrying in 1000ms"]);
    assert!(
        run.took >= Duration::from_secs(1),
        "waited for retry-after: {:?}",
        run.took
    );
    assert_eq!(proxy.requests().len(), 2);
    assert!(run.stdout.contains("Fix flaky payment test"));
}

#[test]
fn server_errors_are_retried_then_reported() {
    let (run, server) = failing(
        Reply::json(500, &json!({"message": "boom"})),
        &[("GREENROOM_HTTP_RETRIES", "1")],
    );
    assert_server_error_after_one_retry(
        &run,
        &server,
        "GitHub server error 500 for GET http://127.0.0.1:",
    );
}

#[test]
fn a_hung_server_times_out_quickly() {
    let (run, server) = failing(Reply::Hang, &[("GREENROOM_HTTP_TIMEOUT_MS", "300")]);
    assert_timed_out_once(&run, &server, "did not answer GET http://127.0.0.1:");
}

#[test]
fn garbage_json_names_what_was_wrong() {
    let (run, _server) = failing(
        Reply::bytes(
            200,
            "application/json",
            b"{\"total_count\": 1, \"workflow_runs\": [{\"id\": \"not a number\"}]}".to_vec(),
        ),
        &[],
    );
    run.assert_stderr_has_all(&[
        "GitHub sent an unexpected answer to GET http://127.0.0.1:",
        "workflow_runs[0].id: invalid type",
    ]);
    let (run, _server) = failing(Reply::text(200, "<html>proxy login</html>"), &[]);
    run.assert_stderr_has("not the expected JSON");
}

#[test]
fn a_server_echoing_the_token_does_not_get_it_printed() {
    let (run, _server) = failing(
        Reply::json(
            403,
            &json!({"message": format!("token {TOKEN} lacks scope")}),
        ),
        &[],
    );
    run.assert_stderr_has("token *** lacks scope");
    let (run, _server) = failing(
        Reply::json(200, &json!({"total_count": TOKEN, "workflow_runs": []})),
        &[],
    );
    run.assert_stderr_has_all(&["total_count: invalid type", "***"]);
}

#[test]
fn not_configured_unannotated_and_unknown_entities_exit_1() {
    let setup = Setup::new();
    let no_gh = tempfile::tempdir().unwrap();
    let run = setup.run(
        "http://127.0.0.1:9",
        &[
            ("GITHUB_TOKEN", ""),
            ("PATH", no_gh.path().to_str().unwrap()),
        ],
        &["ci", "payment-service"],
    );
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&["GitHub is not configured", "set GITHUB_TOKEN"]);

    let run = setup.run("http://127.0.0.1:9", &[], &["ci", "no-repo"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("component:default/no-repo has no github.com/project-slug annotation");

    let run = setup.run("http://127.0.0.1:9", &[], &["ci", "nonexistent-service"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("no entity nonexistent-service");
}

#[test]
fn offline_shows_the_last_known_data_with_its_age() {
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let setup = Setup::new();
    let url = github.url();
    let (first, offline) = online_then_offline(github, &url, |api, env| {
        setup.run(api, env, &["ci", "payment-service"])
    });
    assert_eq!(offline.code, 1, "the refresh failed");
    assert_eq!(
        offline.stdout, first.stdout,
        "the last known runs are printed"
    );
    offline.assert_stderr_has_all(&[
        "cannot reach GitHub",
        "showing the last known data, fetched",
    ]);
}

#[test]
fn a_group_shows_its_services_latest_runs_failures_first() {
    let github = FakeGitHub::start();
    github.set_runs(
        "myorg/payment-service",
        runs_page(vec![run(
            7,
            "CI",
            "main",
            "completed",
            Some("success"),
            "green",
        )]),
    );
    github.set_runs(
        "myorg/ledger",
        runs_page(vec![run(
            8,
            "CI",
            "main",
            "completed",
            Some("failure"),
            "red",
        )]),
    );
    let setup = Setup::new();
    let run = setup.run(&github.url(), &[], &["ci", "group:payments"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[2].starts_with("component:default/ledger") && lines[2].contains("failure"),
        "{}",
        run.stdout
    );
    assert!(
        lines[3].starts_with("component:default/payment-service") && lines[3].contains("success"),
        "{}",
        run.stdout
    );
    assert!(
        lines[4].starts_with("component:default/no-repo")
            && lines[4].contains("no github.com/project-slug"),
        "{}",
        run.stdout
    );
    // Each service's default branch, then its newest run there.
    let requests = github.requests();
    let runs: Vec<_> = requests
        .iter()
        .filter(|r| r.path().ends_with("/actions/runs"))
        .collect();
    assert_eq!(runs.len(), 2);
    assert!(runs
        .iter()
        .all(|r| r.query("per_page").as_deref() == Some("1")
            && r.query("branch").as_deref() == Some("main")));
    assert_eq!(
        requests.len(),
        4,
        "a repository and a runs request per service"
    );
}

#[test]
fn a_redirect_to_another_host_does_not_carry_the_token() {
    // The API moved the repository's runs to another host (a 307): the other host gets no token.
    let other = TestServer::start(|_| Reply::json(200, &sample_runs()));
    let target = format!("{}/elsewhere/runs", other.url());
    let api = TestServer::start(move |_| Reply::redirect(307, &target));
    let setup = Setup::new();
    let run = setup.run(&api.url(), &[], &["--verbose", "ci", "payment-service"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Fix flaky payment test"));
    assert_eq!(
        api.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let forwarded = &other.requests()[0];
    assert_eq!(
        forwarded.header("authorization"),
        None,
        "{:?}",
        forwarded.headers
    );
    assert!(forwarded.headers.iter().all(|(_, v)| !v.contains(TOKEN)));
    run.assert_stderr_has_all(&[" 307 ", "without credentials"]);
    assert_no_token(&run);
}

/// Checked rather than assumed: reqwest's own redirect policy (which greenroom turns off to follow
/// redirects itself) also drops `Authorization` when the host or port changes.
#[test]
fn reqwest_default_redirects_also_drop_authorization_across_hosts() {
    let other = TestServer::start(|_| Reply::text(200, "ok"));
    let target = format!("{}/moved", other.url());
    let first = TestServer::start(move |_| Reply::redirect(302, &target));
    let client = reqwest::Client::new();
    let body = runtime().block_on(async {
        client
            .get(format!("{}/start", first.url()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert_eq!(body, "ok");
    assert!(first.requests()[0].header("authorization").is_some());
    assert_eq!(other.requests()[0].header("authorization"), None);
}

fn client_logging(
    options: Options,
    cache: Option<Cache>,
) -> (Arc<Client>, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log = Log::To(Arc::new(move |line| sink.lock().unwrap().push(line)));
    (Arc::new(Client::new(options, cache, log)), lines)
}

#[test]
fn job_logs_follow_the_signed_redirect_without_the_token_and_keep_the_tail() {
    let logs = TestServer::start(|req| {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!(
                "2024-05-01T10:00:{:02}.1234567Z line {i}\n",
                i % 60
            ));
        }
        text.push_str(
            "2024-05-01T10:01:59.0000000Z ##[error]Process completed with exit code 1.\n",
        );
        assert!(req.target.contains("urlSignature="));
        Reply::text(200, &text)
    });
    let github = FakeGitHub::start();
    github.set_log_host(&logs.url());
    let (client, lines) = client_logging(Options::default(), None);
    let api = GitHub::new(&github.url(), Some(Secret::new(TOKEN)), client).unwrap();
    let slug = Slug::parse("myorg/payment-service").unwrap();
    let tail = runtime().block_on(api.log_tail(&slug, 1022, 20)).unwrap();
    assert_eq!(tail.lines.len(), 20);
    assert_eq!(
        tail.lines.last().unwrap(),
        "##[error]Process completed with exit code 1."
    );
    assert_eq!(tail.lines[0], "line 4981");
    assert!(tail.truncated);
    assert_eq!(
        github.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        logs.requests()[0].header("authorization"),
        None,
        "the log host never sees the token"
    );
    let log = lines.lock().unwrap().join("\n");
    assert!(
        log.contains(" 302 ") && log.contains("without credentials"),
        "{log}"
    );
    assert!(
        !log.contains("SIGNATUREsecret") && !log.contains(TOKEN),
        "the signed URL's query and the token stay out of logs:\n{log}"
    );
}

#[test]
fn jobs_rerun_and_default_branch() {
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let (client, _) = client_logging(Options::default(), None);
    let api = GitHub::new(&github.url(), Some(Secret::new(TOKEN)), client).unwrap();
    let slug = Slug::parse("myorg/payment-service").unwrap();
    let rt = runtime();
    let jobs = rt
        .block_on(api.jobs(&slug, 102, CachePolicy::NoStore))
        .unwrap()
        .value;
    assert_eq!(jobs.len(), 2);
    assert_eq!((jobs[0].name.as_str(), jobs[0].steps.len()), ("build", 10));
    assert!(jobs[1].failed() && jobs[1].steps[6].conclusion.as_deref() == Some("failure"));
    rt.block_on(api.rerun_failed_jobs(&slug, 102)).unwrap();
    let post = github
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        post.target,
        "/repos/myorg/payment-service/actions/runs/102/rerun-failed-jobs"
    );
    assert_eq!(
        post.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        rt.block_on(api.default_branch(&slug, CachePolicy::NoStore))
            .unwrap()
            .value,
        "main"
    );
    let missing = Slug::parse("myorg/missing").unwrap();
    assert!(matches!(
        rt.block_on(api.default_branch(&missing, CachePolicy::NoStore)),
        Err(ProviderError::NotFound { .. })
    ));
}

#[test]
fn oversized_bodies_are_refused_without_being_read() {
    let rt = runtime();
    let gigabyte = 1024 * 1024 * 1024;
    for declare_length in [true, false] {
        let server = TestServer::start(move |_| Reply::stream(200, gigabyte, declare_length));
        let service = Service::new("Test", &server.url(), "").unwrap();
        let (client, _) = client_logging(Options::default(), None);
        let started = Instant::now();
        let err = rt
            .block_on(client.send(&service, Call::get(service.url("/big"))))
            .unwrap_err();
        assert!(
            matches!(err, ProviderError::TooLarge { limit, .. } if limit == 20 * 1024 * 1024),
            "{err}"
        );
        assert!(err.to_string().contains("more than 20 MB"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            server.bytes_written() < 200 * 1024 * 1024,
            "stopped reading early ({} bytes written)",
            server.bytes_written()
        );
    }
}

fn settings(api: &str) -> GitHubSettings {
    GitHubSettings {
        api_url: api.into(),
        token: Some(Secret::new(TOKEN)),
        try_gh: false,
    }
}

fn options(cache: &Path) -> ProviderOptions {
    ProviderOptions {
        cache_dir: Some(cache.to_path_buf()),
        http: Options::default(),
        ..ProviderOptions::default()
    }
}

fn runs_request(entity: &str, slug: &str) -> Request {
    Request::CiRuns {
        entity_key: entity.into(),
        slug: slug.into(),
    }
}

#[test]
fn the_handle_dedupes_uses_the_window_and_answers_from_the_cache_first() {
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let cache = tempfile::tempdir().unwrap();
    let handle = ProviderHandle::start_with(settings(&github.url()), options(cache.path()));
    // Two entities with one repository, asked three times while the first is running: one request.
    handle.request(runs_request("component:default/a", "myorg/payment-service"));
    handle.request(runs_request("component:default/b", "myorg/payment-service"));
    handle.request(runs_request("component:default/a", "myorg/payment-service"));
    let messages = collect(&handle, 2);
    assert_eq!(messages.len(), 2);
    let mut entities: Vec<&str> = messages.iter().map(|m| m.entity_key()).collect();
    entities.sort();
    assert_eq!(entities, ["component:default/a", "component:default/b"]);
    for message in &messages {
        let ProviderMessage {
            request: Request::CiRuns { slug, .. },
            reply: Ok(ProviderReply::Runs(runs)),
            from_cache: false,
            ..
        } = message
        else {
            panic!("{message:?}")
        };
        assert_eq!(
            (
                slug.as_str(),
                runs.runs.len(),
                runs.runs[1].conclusion.as_deref()
            ),
            ("myorg/payment-service", 3, Some("failure"))
        );
    }
    assert_eq!(github.requests().len(), 1);
    assert!(handle.try_recv().is_none());

    // Within the refresh window: from the cache, no request.
    handle.request(runs_request("component:default/a", "myorg/payment-service"));
    let again = collect(&handle, 1);
    assert!(
        matches!(
            &again[0],
            ProviderMessage {
                request: Request::CiRuns { .. },
                reply: Ok(_),
                from_cache: true,
                ..
            }
        ),
        "{again:?}"
    );
    assert_eq!(github.requests().len(), 1);

    // A forced refresh asks, conditionally: 304, no rate-limit point.
    handle.refresh(runs_request("component:default/a", "myorg/payment-service"));
    let refreshed = collect(&handle, 1);
    assert!(
        matches!(
            &refreshed[0],
            ProviderMessage {
                request: Request::CiRuns { .. },
                reply: Ok(_),
                from_cache: false,
                ..
            }
        ),
        "{refreshed:?}"
    );
    assert_eq!(github.requests().len(), 2);
    assert!(github.requests()[1].header("if-none-match").is_some());
    assert_eq!(github.points(), 1);
    assert_eq!(handle.rate_limit().unwrap().remaining, Some(4999));
    drop(handle);

    // A second launch after the window: the stored runs at once (with their age), then the check.
    let handle = ProviderHandle::start_with(
        settings(&github.url()),
        ProviderOptions {
            refresh_window: Duration::ZERO,
            ..options(cache.path())
        },
    );
    handle.request(runs_request("component:default/a", "myorg/payment-service"));
    let both = collect(&handle, 2);
    assert!(
        matches!(
            &both[0],
            ProviderMessage {
                request: Request::CiRuns { .. },
                reply: Ok(_),
                from_cache: true,
                ..
            }
        ),
        "{both:?}"
    );
    assert!(
        matches!(
            &both[1],
            ProviderMessage {
                request: Request::CiRuns { .. },
                reply: Ok(_),
                from_cache: false,
                ..
            }
        ),
        "{both:?}"
    );
    assert_eq!(github.points(), 1, "the check was a 304");
}

#[test]
fn the_handle_reports_errors_as_messages_and_never_blocks() {
    let hung = TestServer::start(|_| Reply::Hang);
    let cache = tempfile::tempdir().unwrap();
    let http = Options {
        timeout: Duration::from_millis(300),
        ..Options::default()
    };
    let handle = ProviderHandle::start_with(
        settings(&hung.url()),
        ProviderOptions {
            http,
            ..options(cache.path())
        },
    );
    let asked = Instant::now();
    handle.request(runs_request("component:default/a", "myorg/payment-service"));
    handle.request(runs_request("component:default/bad", "not-a-slug"));
    let _ = handle.try_recv();
    assert!(
        asked.elapsed() < Duration::from_millis(500),
        "request and try_recv return at once: {:?}",
        asked.elapsed()
    );
    let messages = collect(&handle, 2);
    let text = |m: &ProviderMessage| match m {
        ProviderMessage {
            request: Request::CiRuns { .. },
            reply: Err(err),
            ..
        } => err.to_string(),
        other => panic!("{other:?}"),
    };
    let bad = messages
        .iter()
        .find(|m| m.entity_key() == "component:default/bad")
        .unwrap();
    assert!(text(bad).contains("not OWNER/REPO"), "{}", text(bad));
    let timed_out = messages
        .iter()
        .find(|m| m.entity_key() == "component:default/a")
        .unwrap();
    assert!(text(timed_out).contains("timed out"), "{}", text(timed_out));

    let unconfigured = ProviderHandle::start_with(
        GitHubSettings {
            token: None,
            ..settings(&hung.url())
        },
        options(cache.path()),
    );
    unconfigured.request(runs_request("component:default/a", "myorg/payment-service"));
    let message = collect(&unconfigured, 1);
    assert!(
        text(&message[0]).contains("set GITHUB_TOKEN"),
        "{}",
        text(&message[0])
    );

    // Jobs, log tails and reruns arrive as their own messages.
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let logs = TestServer::start(|_| Reply::text(200, "2024-05-01T10:00:00.0000000Z boom\n"));
    github.set_log_host(&logs.url());
    let handle = ProviderHandle::start_with(settings(&github.url()), options(cache.path()));
    handle.request(Request::CiJobs {
        entity_key: "e".into(),
        slug: "myorg/payment-service".into(),
        run_id: 102,
    });
    handle.request(Request::CiLogTail {
        entity_key: "e".into(),
        slug: "myorg/payment-service".into(),
        job_id: 1022,
    });
    handle.request(Request::CiRerunFailed {
        entity_key: "e".into(),
        slug: "myorg/payment-service".into(),
        run_id: 102,
    });
    handle.request(Request::DefaultBranch {
        entity_key: "e".into(),
        slug: "myorg/payment-service".into(),
    });
    let messages = collect(&handle, 4);
    assert_eq!(messages.len(), 4, "{messages:?}");
    for message in messages {
        match message {
            ProviderMessage {
                request: Request::CiJobs { run_id, .. },
                reply: Ok(ProviderReply::Jobs(jobs)),
                ..
            } => assert_eq!(
                (run_id, jobs.len()),
                (102, jobs_page(102)["jobs"].as_array().unwrap().len())
            ),
            ProviderMessage {
                request: Request::CiLogTail { .. },
                reply: Ok(ProviderReply::LogTail(tail)),
                ..
            } => {
                assert_eq!(tail.lines, ["boom"])
            }
            ProviderMessage {
                request: Request::CiRerunFailed { .. },
                reply: Ok(ProviderReply::Rerun(())),
                ..
            } => {}
            ProviderMessage {
                request: Request::DefaultBranch { .. },
                reply: Ok(ProviderReply::Branch(branch)),
                ..
            } => assert_eq!(branch, "main"),
            other => panic!("{other:?}"),
        }
    }
}

/// The closing note's figures: refreshing 500 services' runs the first time costs a request and a
/// rate-limit point each; the second time every request is a 304 and costs no point; within the
/// refresh window no request is made at all.
#[test]
fn refreshing_500_services_twice_costs_500_points_then_none() {
    let github = FakeGitHub::start();
    let slugs: Vec<String> = (0..500).map(|i| format!("myorg/service-{i:03}")).collect();
    for (i, slug) in slugs.iter().enumerate() {
        let id = 1000 + i as u64;
        let conclusion = if i % 7 == 0 { "failure" } else { "success" };
        github.set_runs(
            slug,
            runs_page(vec![
                run(id, "CI", "main", "completed", Some(conclusion), "change"),
                run(
                    id - 500,
                    "CI",
                    "main",
                    "completed",
                    Some("success"),
                    "before",
                ),
            ]),
        );
    }
    let cache = tempfile::tempdir().unwrap();
    let refresh_all = |handle: &ProviderHandle, forced: bool| {
        for (i, slug) in slugs.iter().enumerate() {
            let request = runs_request(&format!("component:default/service-{i:03}"), slug);
            if forced {
                handle.refresh(request)
            } else {
                handle.request(request)
            }
        }
        let messages = collect(handle, 500);
        assert_eq!(messages.len(), 500);
        assert!(messages.iter().all(
            |m| matches!(m, ProviderMessage { request: Request::CiRuns { .. }, reply: Ok(ProviderReply::Runs(r)), .. } if r.runs.len() == 2)
        ));
    };
    let handle = ProviderHandle::start_with(settings(&github.url()), options(cache.path()));

    refresh_all(&handle, false);
    let (first_requests, first_points) = (github.requests().len(), github.points());
    refresh_all(&handle, false);
    let (window_requests, window_points) = (
        github.requests().len() - first_requests,
        github.points() - first_points,
    );
    refresh_all(&handle, true);
    let second_requests = github.requests().len() - first_requests - window_requests;
    let second_points = github.points() - first_points - window_points;
    let not_modified = github.requests()[first_requests..]
        .iter()
        .filter(|r| r.header("if-none-match").is_some())
        .count();
    println!(
        "500 services: first refresh {first_requests} requests, {first_points} rate-limit points; \
         again within the refresh window {window_requests} requests, {window_points} points; \
         second refresh {second_requests} requests ({not_modified} conditional, all 304), {second_points} points"
    );
    assert_eq!((first_requests, first_points), (500, 500));
    assert_eq!((window_requests, window_points), (0, 0));
    assert_eq!(
        (second_requests, second_points, not_modified),
        (500, 0, 500)
    );
    let stats = handle.stats();
    assert_eq!(
        (stats.requests, stats.not_modified, stats.cache_hits),
        (1000, 500, 500)
    );
}
