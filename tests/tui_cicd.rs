//! The CI/CD pane driven by keys, against a fake GitHub on 127.0.0.1 (`tests/support/github.rs`):
//! a run's jobs and log tail, the rerun question and its POST, the browser, the team view, a
//! second launch offline from the disk cache, errors on the pane while keys keep working, and the
//! requests a 500-service team costs. Snapshots of the run view, the question and the team view.

mod support;

use greenroom::config::Secret;
use greenroom::providers::http::Options;
use greenroom::providers::{
    GitHubSettings, ProviderHandle, ProviderMessage, ProviderOptions, Request,
};
use greenroom::tui::{App, Section};
use insta::assert_snapshot;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};
use support::github::{run, runs_page, sample_runs, FakeGitHub, TOKEN};
use support::http_server::{Reply, TestServer};
use support::tui::*;

const ORDER: &str = "component:default/order-service";

fn provider(api: &str, cache: &Path, options: ProviderOptions) -> ProviderHandle {
    ProviderHandle::start_with(
        GitHubSettings {
            api_url: api.into(),
            token: Some(Secret::new(TOKEN)),
            try_gh: false,
        },
        ProviderOptions {
            cache_dir: Some(cache.to_path_buf()),
            ..options
        },
    )
}

/// The demo catalog connected to GitHub at `api`, with the disk cache in `cache`.
fn connected(api: &str, cache: &Path) -> App {
    connected_with(api, cache, ProviderOptions::default())
}

/// The demo with GitHub at `api`, on order-service's CI/CD pane once its runs are in.
fn order_service_runs(api: &str, cache: &Path) -> App {
    let mut app = connected(api, cache);
    press(&mut app, "/order-service<tab>3");
    wait(&mut app, |a| has_runs(a, ORDER));
    app
}

/// The demo with GitHub at `api` under these `options`.
fn connected_with(api: &str, cache: &Path, options: ProviderOptions) -> App {
    let mut app = demo();
    app.connect(provider(api, cache, options));
    app
}

/// The demo as if GitHub were connected, with no provider (the test feeds the messages one
/// would send), after `keys`.
fn fed_demo(keys: &str) -> App {
    let mut app = demo();
    app.cicd.connected = true;
    press(&mut app, keys);
    app
}

/// Options under which a provider gives up at the first failure.
fn no_retries() -> ProviderOptions {
    ProviderOptions {
        http: Options {
            retries: 0,
            ..Options::default()
        },
        ..ProviderOptions::default()
    }
}

/// Takes provider answers until `done` holds (at most 20 s; the test then fails on its asserts).
fn wait(app: &mut App, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app) && Instant::now() < deadline {
        app.poll_providers();
        std::thread::sleep(Duration::from_millis(5));
    }
    app.poll_providers();
}

fn has_runs(app: &App, key: &str) -> bool {
    app.cicd
        .state(key)
        .is_some_and(|s| s.runs.is_some() && !s.loading)
}

/// A fake GitHub with the sample runs of order-service and job logs on a second server.
fn github_with_logs() -> (FakeGitHub, TestServer) {
    let github = FakeGitHub::with_sample_runs("myorg/order-service");
    let log = (1..=300)
        .map(|i| format!("2024-05-01T10:01:{:02}.0000000Z line {i}\n", i % 60))
        .collect::<String>()
        + "2024-05-01T10:01:59.0000000Z ##[error]Process completed with exit code 1.\n";
    let logs = TestServer::start(move |_| Reply::text(200, &log));
    github.set_log_host(&logs.url());
    (github, logs)
}

#[test]
fn enter_opens_the_run_with_its_jobs_steps_and_the_failed_jobs_log_tail() {
    let (github, _logs) = github_with_logs();
    let cache = tempfile::tempdir().unwrap();
    let mut app = order_service_runs(&github.url(), cache.path());
    // The rate limit GitHub reported reached the pane (shown only when low).
    assert_eq!(app.cicd.rate_limit.and_then(|r| r.remaining), Some(4999));
    // The cursor starts on the newest run; j moves to the failed one.
    press(&mut app, "j");
    assert_eq!(app.cicd.list.cursor, 1);
    press(&mut app, "<enter>");
    assert_eq!(app.cicd.run.as_ref().map(|r| r.run_id), Some(102));
    wait(&mut app, |a| {
        a.cicd.logs.values().any(|l| {
            matches!(
                l,
                greenroom::tui::panes::cicd::LogState::Ready(_)
                    | greenroom::tui::panes::cicd::LogState::Failed(_)
            )
        })
    });
    let paths: Vec<String> = github
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(
        paths.contains(&"/repos/myorg/order-service/actions/runs/102/jobs".to_string()),
        "{paths:?}"
    );
    // The fake's failed job is `test`, id 102 * 10 + 2.
    assert!(
        paths.contains(&"/repos/myorg/order-service/actions/jobs/1022/logs".to_string()),
        "{paths:?}"
    );
    let screen = frame_at(&app, 100, 60);
    assert!(screen.contains("CI #102"), "{screen}");
    assert!(screen.contains("failure"), "{screen}");
    assert!(screen.contains("✗ test  failure"), "{screen}");
    assert!(screen.contains("✓ build  success"), "{screen}");
    assert!(screen.contains("Set up job"), "{screen}");
    assert!(
        screen.contains("Log of test (the last 200 lines)"),
        "{screen}"
    );
    // The end of the log is there, scrolled to with G, timestamps removed.
    press(&mut app, "G");
    let screen = frame_at(&app, 100, 60);
    assert!(
        screen.contains("  ##[error]Process completed with exit code 1."),
        "{screen}"
    );
    assert!(!screen.contains("2024-05-01T10:01"), "{screen}");

    // Esc goes back to the runs, the cursor where it was; Esc again leaves the section.
    press(&mut app, "<esc>");
    assert!(app.cicd.run.is_none());
    assert_eq!(app.cicd.list.cursor, 1);
    assert_eq!(app.section, Section::CiCd);
    press(&mut app, "<bs>");
    assert_eq!(app.section, Section::Catalog);
}

#[test]
fn rerun_asks_first_then_posts_reports_and_refreshes() {
    let (github, _logs) = github_with_logs();
    let cache = tempfile::tempdir().unwrap();
    let mut app = order_service_runs(&github.url(), cache.path());
    let posts = |github: &FakeGitHub| {
        github
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.path().to_string())
            .collect::<Vec<_>>()
    };

    // The newest run is in progress: nothing to rerun, said on the status line.
    press(&mut app, "r");
    assert!(app.cicd.confirm.is_none());
    let status = app.status.clone().unwrap();
    assert!(
        status.error && status.text.contains("in_progress"),
        "{status:?}"
    );

    // On the failed run: a question first; n leaves it, and nothing is sent.
    press(&mut app, "jr");
    assert!(app.confirming());
    let screen = frame(&app);
    assert!(
        screen.contains("Rerun the failed jobs of CI #102 on main (myorg/order-service)?"),
        "{screen}"
    );
    assert!(screen.contains("y yes · n/esc no"), "{screen}");
    // Keys other than the answers do nothing while it waits (q does not quit, 1 stays).
    press(&mut app, "q1j");
    assert!(app.running && app.confirming() && app.section == Section::CiCd);
    assert_eq!(app.cicd.list.cursor, 1);
    press(&mut app, "n");
    assert!(!app.confirming());
    assert!(posts(&github).is_empty());

    // y sends the POST; the answer is reported and the runs are asked for again.
    press(&mut app, "r");
    let runs_asked = github
        .requests()
        .iter()
        .filter(|r| r.path().ends_with("/actions/runs"))
        .count();
    press(&mut app, "y");
    wait(&mut app, |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.text.contains("rerunning"))
    });
    assert_eq!(
        posts(&github),
        ["/repos/myorg/order-service/actions/runs/102/rerun-failed-jobs"]
    );
    let status = app.status.clone().unwrap();
    assert!(!status.error, "{status:?}");
    assert!(
        status.text.contains(
            "GitHub is rerunning the failed jobs of CI #102 on main (myorg/order-service)"
        ),
        "{status:?}"
    );
    wait(&mut app, |a| has_runs(a, ORDER));
    let runs_now = github
        .requests()
        .iter()
        .filter(|r| r.path().ends_with("/actions/runs"))
        .count();
    assert_eq!(
        runs_now,
        runs_asked + 1,
        "the runs are refreshed after a rerun"
    );
    // The refresh was conditional.
    assert!(github
        .requests()
        .iter()
        .rev()
        .find(|r| r.path().ends_with("/actions/runs"))
        .unwrap()
        .header("if-none-match")
        .is_some());
}

#[test]
fn a_failed_rerun_is_reported_as_an_error() {
    // GitHub refuses reruns of runs older than a month with a 403 and says so.
    let github = TestServer::start(|req| match (req.method.as_str(), req.path()) {
        ("GET", "/repos/myorg/order-service/actions/runs") => Reply::json(200, &sample_runs()),
        ("POST", _) => Reply::json(
            403,
            &json!({"message": "Unable to retry this workflow run because it was created over a month ago", "documentation_url": "https://docs.github.com/rest"}),
        ),
        _ => Reply::json(404, &json!({"message": "Not Found"})),
    });
    let cache = tempfile::tempdir().unwrap();
    let mut app = order_service_runs(&github.url(), cache.path());
    press(&mut app, "jry");
    wait(&mut app, |a| a.status.as_ref().is_some_and(|s| s.error));
    let status = app.status.clone().unwrap();
    assert!(
        status
            .text
            .contains("rerun of CI #102 on main (myorg/order-service) failed")
            && status.text.contains("403 Forbidden")
            && status.text.contains("created over a month ago"),
        "{status:?}"
    );
}

#[test]
fn o_opens_the_run_in_the_browser_and_says_when_it_cannot() {
    let github = FakeGitHub::with_sample_runs("myorg/order-service");
    let cache = tempfile::tempdir().unwrap();
    let mut app = connected(&github.url(), cache.path());
    let opened = cache.path().join("opened-url");
    app.browser = vec![
        "sh".into(),
        "-c".into(),
        format!("printf '%s' \"$1\" > '{}'", opened.display()),
        "sh".into(),
    ];
    press(&mut app, "/order-service<tab>3");
    wait(&mut app, |a| has_runs(a, ORDER));
    press(&mut app, "jo");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&opened).map_or(true, |t| t.is_empty())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        "https://github.com/octo-org/octo-repo/actions/runs/102"
    );
    assert!(app
        .status
        .as_ref()
        .is_some_and(|s| !s.error && s.text.starts_with("opened ")));

    app.browser = vec!["/nonexistent/opener".into()];
    press(&mut app, "o");
    let status = app.status.clone().unwrap();
    assert!(
        status.error && status.text.contains("cannot start /nonexistent/opener"),
        "{status:?}"
    );
}

#[test]
fn team_view_lists_the_groups_services_failures_first_and_enter_focuses_one() {
    let github = FakeGitHub::start();
    github.set_runs(
        "myorg/payment-service",
        runs_page(vec![
            run(
                303,
                "CI",
                "main",
                "completed",
                Some("failure"),
                "Break the build",
            ),
            run(302, "CI", "main", "completed", Some("success"), "Fine"),
        ]),
    );
    // Red on a feature branch, green on the default branch: green.
    github.set_runs(
        "myorg/fraud-detection",
        runs_page(vec![
            run(402, "CI", "feature/x", "completed", Some("failure"), "WIP"),
            run(
                401,
                "CI",
                "main",
                "completed",
                Some("success"),
                "Tune the model",
            ),
        ]),
    );
    github.set_runs(
        "myorg/payment-provider-adapter",
        runs_page(vec![run(
            501,
            "Deploy",
            "main",
            "in_progress",
            None,
            "Roll out",
        )]),
    );
    // myorg/money-lib is unknown to the fake: 404.
    let cache = tempfile::tempdir().unwrap();
    let mut app = connected(&github.url(), cache.path());
    press(&mut app, ":groups<enter>/^payments-team<tab>3");
    let team = app.cicd.team.as_ref().expect("a team view");
    let members: Vec<&str> = team
        .members
        .iter()
        .map(|(_, key, _)| key.as_str())
        .collect();
    assert_eq!(
        members,
        [
            "component:default/fraud-detection",
            "component:default/money-lib",
            "component:default/payment-provider-adapter",
            "component:default/payment-service",
        ]
    );
    wait(&mut app, |a| {
        a.cicd
            .team_rows()
            .iter()
            .all(|r| !r.note.contains("loading"))
            && a.cicd.branches.len() == 4
    });
    let rows: Vec<(String, String)> = app
        .cicd
        .team_rows()
        .iter()
        .map(|r| {
            (
                r.key.to_string(),
                r.run
                    .map_or(r.note.clone(), |run| run.status_label().to_string()),
            )
        })
        .collect();
    assert_eq!(
        rows[0],
        (
            "component:default/payment-service".to_string(),
            "failure".to_string()
        )
    );
    assert_eq!(rows[1].1, "in_progress");
    assert_eq!(
        rows[2],
        (
            "component:default/fraud-detection".to_string(),
            "success".to_string()
        )
    );
    assert_eq!(rows[3].0, "component:default/money-lib");
    assert!(rows[3].1.contains("404"), "{rows:?}");
    let screen = frame(&app);
    assert!(
        screen.contains("Team: group:default/payments-team"),
        "{screen}"
    );
    assert!(
        screen.contains("4 services · 1 failing · owned directly (not sub-groups)"),
        "{screen}"
    );
    let line = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name}:\n{screen}"))
            .to_string()
    };
    assert!(
        line("fraud-detection").contains("Tune the model"),
        "{screen}"
    );
    assert!(!screen.contains("WIP"), "{screen}");

    // Enter on the first row focuses payment-service: its runs; Esc returns to the team.
    press(&mut app, "<enter>");
    let focus = app.focus.unwrap();
    let catalog = &app.data.as_ref().unwrap().catalog;
    assert_eq!(
        catalog.entity(focus).key(),
        "component:default/payment-service"
    );
    assert!(app.cicd.team.is_none());
    assert!(frame(&app).contains("Break the build"));
    press(&mut app, "<esc>");
    assert!(app.cicd.team.is_some());
    assert_eq!(app.section, Section::CiCd);
}

#[test]
fn a_second_launch_shows_the_cached_runs_with_their_age_offline() {
    let github = FakeGitHub::with_sample_runs("myorg/order-service");
    let url = github.url();
    let cache = tempfile::tempdir().unwrap();
    // A first launch stores the runs.
    drop(order_service_runs(&url, cache.path()));
    drop(github);

    // GitHub is gone. Past the refresh window, the new app shows the stored runs at once and
    // then the failed check, next to them.
    let mut app = connected_with(
        &url,
        cache.path(),
        ProviderOptions {
            refresh_window: Duration::ZERO,
            ..no_retries()
        },
    );
    press(&mut app, "/order-service<tab>3");
    wait(&mut app, |a| {
        a.cicd
            .state(ORDER)
            .is_some_and(|s| s.runs.is_some() && s.error.is_some())
    });
    let state = app.cicd.state(ORDER).unwrap();
    assert!(state.from_cache);
    assert_eq!(state.runs.as_ref().unwrap().runs.len(), 3);
    let screen = frame(&app);
    assert!(screen.contains("offline, showing data from"), "{screen}");
    assert!(
        screen.contains("Last error: cannot reach GitHub"),
        "{screen}"
    );
    assert!(screen.contains("Fix flaky payment test"), "{screen}");
    // Keys still work: into the run, whose jobs were never stored, the error says so.
    press(&mut app, "j<enter>");
    wait(&mut app, |a| {
        a.cicd.jobs.get(&102).is_some_and(|j| j.error.is_some())
    });
    assert!(frame(&app).contains("cannot reach GitHub"));
}

#[test]
fn keys_respond_while_the_server_hangs_and_errors_show_on_the_pane() {
    let hung = TestServer::start(|_| Reply::Hang);
    let cache = tempfile::tempdir().unwrap();
    let mut app = connected_with(
        &hung.url(),
        cache.path(),
        ProviderOptions {
            http: Options {
                timeout: Duration::from_secs(600),
                ..Options::default()
            },
            ..ProviderOptions::default()
        },
    );
    press(&mut app, "/order-service<tab>3");
    wait(&mut app, |_| !hung.requests().is_empty());
    let providers = app.providers.as_ref().unwrap();
    assert_eq!(providers.in_flight(), 1);
    assert!(frame(&app).contains("loading…"));
    // Every key is applied while the request hangs.
    press(&mut app, "<c-r>?");
    assert!(app.help.is_some());
    // Help lists the pane's keys from the keymap.
    let help = frame_at(&app, 120, 60);
    for key in ["cicd.open", "cicd.rerun", "cicd.browser", "cicd.refresh"] {
        assert!(help.contains(key), "{key}: {help}");
    }
    press(&mut app, "<esc>2");
    assert_eq!(app.section, Section::Dependencies);
    press(&mut app, "3:groups<enter>/^order-team<tab>3");
    assert!(app.cicd.team.is_some());
    assert!(frame(&app).contains("loading"));
    press(&mut app, "q");
    assert!(!app.running);
    assert!(app.providers.as_ref().unwrap().in_flight() > 0);

    // Each failure of GitHub shows on the pane, and the keys keep working.
    let cases: [(Reply, &str); 5] = [
        (
            Reply::json(401, &json!({"message": "Bad credentials"})),
            "rejected the token (401 Unauthorized)",
        ),
        (
            Reply::json(404, &json!({"message": "Not Found"})),
            "404 Not Found",
        ),
        (
            Reply::json(500, &json!({"message": "boom"})),
            "GitHub server error 500",
        ),
        (
            Reply::json(429, &json!({"message": "slow down"})).header("retry-after", "3600"),
            "rate limit reached",
        ),
        (
            Reply::text(200, "<html>not json</html>"),
            "unexpected answer",
        ),
    ];
    for (reply, expected) in cases {
        let server = TestServer::start(move |_| reply.clone());
        let mut app = connected_with(&server.url(), cache.path(), no_retries());
        press(&mut app, "/order-service<tab>3");
        wait(&mut app, |a| {
            a.cicd.state(ORDER).is_some_and(|s| s.error.is_some())
        });
        let screen = frame_at(&app, 160, 30);
        assert!(
            screen.contains("Last error: GitHub"),
            "{expected}: {screen}"
        );
        assert!(screen.contains(expected), "{expected}: {screen}");
        assert!(!screen.contains(TOKEN));
        press(&mut app, "j<enter>r<c-r>2");
        assert_eq!(app.section, Section::Dependencies, "{expected}");
    }
}

/// The closing note's figures for the TUI: a team of 500 services shown the first time, then
/// refreshed with ctrl-r. Each service costs its runs and its default branch the first time; the
/// refresh asks for the runs again, conditionally (304: no rate-limit point), and takes the
/// default branches from the cache.
#[test]
fn a_500_service_team_costs_1000_points_first_then_none_on_refresh() {
    let github = FakeGitHub::start();
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: big-team\nspec:\n  type: team\n  children: []\n",
    );
    for i in 0..500 {
        let slug = format!("myorg/service-{i:03}");
        let conclusion = if i % 7 == 0 { "failure" } else { "success" };
        github.set_runs(
            &slug,
            runs_page(vec![run(
                10_000 + i,
                "CI",
                "main",
                "completed",
                Some(conclusion),
                "change",
            )]),
        );
        yaml.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: service-{i:03}\n  annotations:\n    github.com/project-slug: {slug}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:big-team\n"
        ));
    }
    std::fs::write(dir.path().join("catalog-info.yaml"), yaml).unwrap();
    let mut app = app_on(dir.path().to_str().unwrap(), false);
    let cache = tempfile::tempdir().unwrap();
    app.connect(provider(
        &github.url(),
        cache.path(),
        ProviderOptions::default(),
    ));
    let loaded = |a: &App| {
        a.providers.as_ref().unwrap().in_flight() == 0
            && a.cicd.team_rows().iter().all(|r| r.run.is_some())
            && a.cicd.branches.len() == 500
    };
    // Loaded, and no service's runs still being fetched again.
    let refreshed = |a: &App| {
        loaded(a)
            && a.cicd
                .team_rows()
                .iter()
                .all(|r| !a.cicd.state(r.key).unwrap().loading)
    };
    press(&mut app, "/^big-team<tab>3");
    wait(&mut app, loaded);
    assert!(loaded(&app));
    let (first_requests, first_points) = (github.requests().len(), github.points());
    let rows = app.cicd.team_rows();
    assert_eq!(rows.len(), 500);
    assert!(rows[..72]
        .iter()
        .all(|r| r.run.unwrap().conclusion.as_deref() == Some("failure")));
    assert!(rows[72..]
        .iter()
        .all(|r| r.run.unwrap().conclusion.as_deref() == Some("success")));

    press(&mut app, "<c-r>");
    wait(&mut app, refreshed);
    let second_requests = github.requests().len() - first_requests;
    let second_points = github.points() - first_points;
    let conditional = github.requests()[first_requests..]
        .iter()
        .filter(|r| r.header("if-none-match").is_some())
        .count();
    println!(
        "TUI team of 500 services: first view {first_requests} requests, {first_points} rate-limit points; \
         ctrl-r {second_requests} requests ({conditional} conditional, all 304), {second_points} points"
    );
    assert_eq!((first_requests, first_points), (1000, 1000));
    assert_eq!((second_requests, conditional, second_points), (500, 500, 0));

    // A second launch past the refresh window: the stored runs at once, then checked (304s); the
    // default branches come from the disk cache (trusted for an hour).
    drop(app);
    let before = (github.requests().len(), github.points());
    let mut app = app_on(dir.path().to_str().unwrap(), false);
    app.connect(provider(
        &github.url(),
        cache.path(),
        ProviderOptions {
            refresh_window: Duration::ZERO,
            ..ProviderOptions::default()
        },
    ));
    press(&mut app, "/^big-team<tab>3");
    wait(&mut app, refreshed);
    let launch_requests = github.requests().len() - before.0;
    let launch_points = github.points() - before.1;
    let branch_requests = github.requests()[before.0..]
        .iter()
        .filter(|r| !r.path().ends_with("/actions/runs"))
        .count();
    println!(
        "TUI team of 500 services, second launch: {launch_requests} requests ({branch_requests} for default branches), {launch_points} points"
    );
    assert_eq!(
        (launch_requests, branch_requests, launch_points),
        (500, 0, 0)
    );
}

/// The fresh catalog replacing the snapshot keeps an open run, and rebuilds a team view.
#[test]
fn a_fresher_catalog_keeps_the_open_run_and_rebuilds_the_team() {
    use greenroom::search;
    use greenroom::tui::{Data, LoadResult};
    let fresh = |app: &mut App| {
        let catalog = demo_catalog();
        let index = search::entities::index(&catalog);
        app.on_loaded(LoadResult::fresh(
            Data::new(catalog, index),
            Vec::new(),
            Duration::ZERO,
        ));
    };
    let mut app = fed_demo("/order-service<tab>3");
    app.on_provider_message(ProviderMessage {
        request: Request::CiRuns {
            entity_key: ORDER.into(),
            slug: "myorg/order-service".into(),
        },
        reply: Ok(support::github::ci_runs().into()),
        fetched_at: SystemTime::now(),
        from_cache: false,
    });
    press(&mut app, "j<enter>");
    fresh(&mut app);
    assert_eq!(app.cicd.run.as_ref().map(|r| r.run_id), Some(102));

    press(&mut app, "<esc>:groups<enter>/^order-team<tab>3");
    assert!(app.cicd.team.is_some());
    fresh(&mut app);
    let team = app.cicd.team.as_ref().expect("the team view again");
    let catalog = &app.data.as_ref().unwrap().catalog;
    assert_eq!(catalog.entity(team.group).key(), "group:default/order-team");
}

/// A low rate limit shows on the pane with its reset; a comfortable one does not.
#[test]
fn a_low_rate_limit_shows_with_its_reset() {
    use greenroom::providers::http::RateLimit;
    let mut app = fed_demo("/order-service<tab>3");
    let now = SystemTime::now();
    app.cicd.now = Some(now);
    app.on_provider_message(ProviderMessage {
        request: Request::CiRuns {
            entity_key: ORDER.into(),
            slug: "myorg/order-service".into(),
        },
        reply: Ok(support::github::ci_runs().into()),
        fetched_at: now,
        from_cache: false,
    });
    app.cicd.rate_limit = Some(RateLimit {
        remaining: Some(4200),
        reset: Some(now + Duration::from_secs(600)),
    });
    assert!(!frame(&app).contains("rate limit"));
    app.cicd.rate_limit = Some(RateLimit {
        remaining: Some(42),
        reset: Some(now + Duration::from_secs(600)),
    });
    let screen = frame(&app);
    assert!(
        screen.contains("GitHub rate limit: 42 requests left, resets")
            && screen.contains("(in 10m)"),
        "{screen}"
    );
}

/// The pane's views on a fixed clock, fed with messages.
mod snapshots {
    use super::*;
    use greenroom::providers::github::{Job, LogTail, Step};

    fn at(app: &mut App) -> SystemTime {
        let runs = support::github::ci_runs();
        let now = SystemTime::from(runs.runs[0].created_at) + Duration::from_secs(3 * 3600);
        app.cicd.now = Some(now);
        app.on_provider_message(ProviderMessage {
            request: Request::CiRuns {
                entity_key: ORDER.into(),
                slug: "myorg/order-service".into(),
            },
            reply: Ok(runs.into()),
            fetched_at: now - Duration::from_secs(180),
            from_cache: true,
        });
        now
    }

    fn jobs() -> Vec<Job> {
        let created = support::github::ci_runs().runs[1].created_at;
        let step = |number: u64, name: &str, conclusion: &str| Step {
            number,
            name: name.into(),
            status: "completed".into(),
            conclusion: Some(conclusion.into()),
            started_at: Some(created),
            completed_at: Some(created + chrono::Duration::seconds(10)),
        };
        // Steps by name and conclusion, numbered from 1.
        let job = |id: u64, name: &str, conclusion: &str, steps: &[(&str, &str)]| Job {
            id,
            run_id: 102,
            name: name.into(),
            status: "completed".into(),
            conclusion: Some(conclusion.into()),
            started_at: Some(created),
            completed_at: Some(created + chrono::Duration::seconds(119)),
            steps: (1..)
                .zip(steps)
                .map(|(number, (name, conclusion))| step(number, name, conclusion))
                .collect(),
            html_url: None,
        };
        let build = [("Set up job", "success"), ("Build", "success")];
        let test = [
            ("Set up job", "success"),
            ("Run tests", "failure"),
            ("Complete job", "skipped"),
        ];
        vec![
            job(1021, "build", "success", &build),
            job(1022, "test", "failure", &test),
        ]
    }

    #[test]
    fn run_view_with_jobs_steps_and_log_tail() {
        let mut app = fed_demo("/order-service<tab>3");
        at(&mut app);
        press(&mut app, "j<enter>");
        app.on_provider_message(ProviderMessage {
            request: Request::CiJobs {
                entity_key: ORDER.into(),
                slug: "myorg/order-service".into(),
                run_id: 102,
            },
            reply: Ok(jobs().into()),
            fetched_at: SystemTime::now(),
            from_cache: false,
        });
        app.on_provider_message(ProviderMessage {
            request: Request::CiLogTail {
                entity_key: ORDER.into(),
                slug: "myorg/order-service".into(),
                job_id: 1022,
            },
            reply: Ok(LogTail {
                job_id: 1022,
                lines: vec![
                    "  PaymentTest > refunds FAILED".into(),
                    "    expected 200 but was 500".into(),
                    "##[error]Process completed with exit code 1.".into(),
                ],
                truncated: true,
            }
            .into()),
            fetched_at: SystemTime::now(),
            from_cache: false,
        });
        assert_snapshot!(frame(&app));
    }

    #[test]
    fn rerun_question() {
        let mut app = fed_demo("/order-service<tab>3");
        at(&mut app);
        press(&mut app, "jr");
        assert_snapshot!(frame(&app));
    }

    #[test]
    fn team_view() {
        let mut app = fed_demo(":groups<enter>/^order-team<tab>3");
        let now = at(&mut app);
        let mut failing = support::github::ci_runs();
        failing.slug = "myorg/inventory-service".into();
        failing.runs.remove(0);
        app.on_provider_message(ProviderMessage {
            request: Request::CiRuns {
                entity_key: "component:default/inventory-service".into(),
                slug: "myorg/inventory-service".into(),
            },
            reply: Ok(failing.into()),
            fetched_at: now,
            from_cache: false,
        });
        for key in [ORDER, "component:default/inventory-service"] {
            app.on_provider_message(ProviderMessage {
                request: Request::DefaultBranch {
                    entity_key: key.into(),
                    slug: String::new(),
                },
                reply: Ok(String::from("main").into()),
                fetched_at: now,
                from_cache: false,
            });
        }
        assert_snapshot!(frame(&app));
    }
}
