//! DORA metrics on a hand-worked fixture (tests/fixtures/dora/): two services of team-a, one
//! deploying through GitHub deployments (`deploys`, with PagerDuty incidents), one through its
//! deploy.yml workflow (`workflow`, no PagerDuty), with recorded GitHub and PagerDuty answers on
//! 127.0.0.1. Times in the fixture are hours before now; the window is the default 30 days
//! (720 h), its five trend weeks cover 720–552 h, 552–384 h, 384–216 h, 216–48 h and 48–0 h ago.

mod support;

use serde_json::Value;
use support::binary::{command, execute, Run};
use support::fixture_api::{run_on_fixture, FixtureApi};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dora");

fn dora(args: &[&str], api: Option<&FixtureApi>, pagerduty: bool) -> Run {
    run_on_fixture("dora", FIXTURE, "", args, |cmd| {
        cmd.env("GREENROOM_HTTP_RETRIES", "0");
        if let Some(api) = api {
            api.serve(cmd, pagerduty);
        }
    })
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

fn trend(value: &Value) -> Vec<Option<f64>> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(Value::as_f64)
        .collect()
}

fn by_ref<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["ref"] == key)
        .unwrap_or_else(|| panic!("no {key} in {list}"))
}

#[test]
fn every_figure_by_hand() {
    let api = FixtureApi::start("dora/api");
    let run = dora(&["--format", "json"], Some(&api), true);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["window"]["days"], 30);

    // deploys (GitHub deployments to production). Successful deployments, hours ago: a0 960
    // (before the window: the base of the first change), a1 480, a2 240, a3 120, a5 34, a6 24;
    // a4 failed at 117.
    let d = by_ref(&report["services"], "component:default/deploys");
    assert_eq!(d["source"], "GitHub deployments (production)");
    let m = &d["metrics"];
    // Frequency: 5 in 30 days = 0.1667/day: at least weekly, not daily -> high.
    assert!(close(&m["deployment_frequency"]["value"], 5.0 / 30.0));
    assert_eq!(m["deployment_frequency"]["band"], "high");
    // Per week: a1 in week 2, a2 in 3, a3 in 4, a5 and a6 in 5.
    assert_eq!(
        trend(&m["deployment_frequency"]["trend"]),
        [Some(0.0), Some(1.0), Some(1.0), Some(1.0), Some(2.0)]
    );
    // Lead time, first commit of each change to its deployment: a1 528-480 = 48 h, a2 246-240 =
    // 6 h, a3 144-120 = 24 h, a5 48-34 = 14 h, a6 25-24 = 1 h. Median of [1, 6, 14, 24, 48] = 14 h:
    // under a day -> elite.
    assert!(close(&m["lead_time"]["value"], 14.0));
    assert_eq!(m["lead_time"]["band"], "elite");
    assert_eq!(
        trend(&m["lead_time"]["trend"]),
        [None, Some(48.0), Some(6.0), Some(24.0), Some(7.5)]
    );
    // Change failures, each counted against the latest successful deployment before it, within
    // 24 h: incident #11 at 238 -> a2 (2 h); failed a4 at 117 -> a3 (3 h); a6 ships a revert at
    // 24 -> a5 (10 h before); incident #13 at 12 -> a6 (12 h). Incident #12 at 72 is 48 h after
    // a3: no one's. 4 of 5 = 80% -> low.
    assert!(close(&m["change_failure_rate"]["value"], 0.8));
    assert_eq!(m["change_failure_rate"]["band"], "low");
    assert_eq!(
        trend(&m["change_failure_rate"]["trend"]),
        [None, Some(0.0), Some(1.0), Some(1.0), Some(1.0)]
    );
    assert_eq!(d["failed_deployments"], 1);
    let failures: Vec<Vec<String>> = d["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["failures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    assert_eq!(
        failures,
        [
            vec![],
            vec!["incident #11 \"incident 11\"".to_string()],
            vec!["failed deployment of a4".to_string()],
            vec!["revert shipped in a6".to_string()],
            vec!["incident #13 \"incident 13\"".to_string()],
        ]
    );
    // Time to restore: #11 238 -> 235 = 3 h (resolved_at), #12 72 h -> 71.5 h = 0.5 h
    // (last_status_change_at), #13 still open; #10 (before the window) and PXOTHER's are not
    // this service's window. Median of [0.5, 3] = 1.75 h: under a day -> high.
    assert!(close(&m["time_to_restore"]["value"], 1.75));
    assert_eq!(m["time_to_restore"]["band"], "high");
    assert_eq!(
        m["time_to_restore"]["detail"],
        "median of 2 resolved incidents (1 still open)"
    );
    assert_eq!(
        trend(&m["time_to_restore"]["trend"]),
        [None, None, Some(3.0), Some(0.5), None]
    );

    // workflow (deploy.yml on main): successes w1 at 360 and w3 at 72 (w0 at 840 is the base; the
    // cancelled run deployed nothing); w2 failed at 359.
    let w = by_ref(&report["services"], "component:default/workflow");
    assert_eq!(w["source"], "runs of deploy.yml on main");
    let m = &w["metrics"];
    // 2 in 30 days = 0.0667/day: at least monthly -> medium.
    assert!(close(&m["deployment_frequency"]["value"], 2.0 / 30.0));
    assert_eq!(m["deployment_frequency"]["band"], "medium");
    // Lead: w1 408-360 = 48 h, w3 96-72 = 24 h; median 36 h -> high.
    assert!(close(&m["lead_time"]["value"], 36.0));
    assert_eq!(m["lead_time"]["band"], "high");
    // w2 failed 1 h after w1: 1 of 2 = 50% -> low.
    assert!(close(&m["change_failure_rate"]["value"], 0.5));
    assert_eq!(m["change_failure_rate"]["band"], "low");
    // No PagerDuty annotation: time to restore unknown, and why.
    assert_eq!(m["time_to_restore"]["value"], Value::Null);
    assert!(
        m["time_to_restore"]["detail"]
            .as_str()
            .unwrap()
            .contains("no pagerduty.com/service-id"),
        "{}",
        m["time_to_restore"]["detail"]
    );

    // team-a: both services' records together. 7 deployments = 0.2333/day -> high; lead times
    // [1, 6, 14, 24, 24, 48, 48] -> median 24 h, not under a day -> high; 5 of 7 failed = 71% ->
    // low; restore from deploys' incidents: 1.75 h -> high.
    let t = by_ref(&report["teams"], "group:default/team-a");
    let m = &t["metrics"];
    assert!(close(&m["deployment_frequency"]["value"], 7.0 / 30.0));
    assert_eq!(m["deployment_frequency"]["band"], "high");
    assert_eq!(
        trend(&m["deployment_frequency"]["trend"]),
        [Some(0.0), Some(1.0), Some(2.0), Some(2.0), Some(2.0)]
    );
    assert!(close(&m["lead_time"]["value"], 24.0));
    assert_eq!(m["lead_time"]["band"], "high");
    assert!(close(&m["change_failure_rate"]["value"], 5.0 / 7.0));
    assert_eq!(m["change_failure_rate"]["band"], "low");
    assert!(close(&m["time_to_restore"]["value"], 1.75));

    // What was asked: compare between consecutive deployed SHAs, deployments of production,
    // incidents of PDEPLOY with since and until.
    let requests = api.requests();
    assert!(requests
        .iter()
        .any(|r| r.path() == "/github/repos/acme/deploys/compare/a3...a5"));
    let deployments = requests
        .iter()
        .find(|r| r.path() == "/github/repos/acme/deploys/deployments")
        .unwrap();
    assert_eq!(
        deployments.query("environment").as_deref(),
        Some("production")
    );
    let incidents = requests
        .iter()
        .find(|r| r.path() == "/pagerduty/incidents")
        .unwrap();
    assert_eq!(incidents.query_all("service_ids[]"), ["PDEPLOY"]);
    assert!(incidents.query("since").is_some() && incidents.query("until").is_some());
    assert!(incidents
        .query_all("statuses[]")
        .contains(&"resolved".to_string()));
}

#[test]
fn text_shows_values_bands_and_sparklines() {
    let api = FixtureApi::start("dora/api");
    let run = dora(&["deploys"], Some(&api), true);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let row = |name: &str| -> String {
        lines
            .iter()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {}", run.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Trend bars scale to the largest week (value / max × 7, rounded): deployments [0,1,1,1,2]
    // -> ▁▅▅▅█; lead [-,48,6,24,7.5] -> ·█▂▅▂ (24/48 × 7 = 3.5 rounds up).
    assert!(
        row("deployment frequency").starts_with(
            "deployment frequency 1.2/week high ▁▅▅▅█ 5 successful deployments in 30 days"
        ),
        "{}",
        row("deployment frequency")
    );
    assert!(
        row("lead time for changes").starts_with("lead time for changes 14.0 h elite ·█▂▅▂"),
        "{}",
        row("lead time for changes")
    );
    assert!(
        row("change failure rate")
            .starts_with("change failure rate 80% low ·▁███ 4 of 5 deployments"),
        "{}",
        row("change failure rate")
    );
    assert!(
        row("time to restore").starts_with("time to restore 1.8 h high ··█▂·"),
        "{}",
        row("time to restore")
    );
}

#[test]
fn without_pagerduty_restore_is_unknown_and_failures_count_github_only() {
    let api = FixtureApi::start("dora/api");
    let run = dora(&["deploys", "--format", "json"], Some(&api), false);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("PagerDuty is not configured");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let m = &by_ref(&report["services"], "component:default/deploys")["metrics"];
    // Without incidents: a3 (failed a4) and a5 (revert) fail: 2 of 5 = 40%.
    assert!(close(&m["change_failure_rate"]["value"], 0.4));
    assert_eq!(m["time_to_restore"]["value"], Value::Null);
    assert_eq!(m["time_to_restore"]["band"], Value::Null);
}

#[test]
fn github_not_configured_is_exit_1() {
    let run = dora(&[], None, false);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("GitHub is not configured");
    assert!(run.stdout.is_empty());
}

#[test]
fn dora_pane_teams_then_services() {
    let api = FixtureApi::start("dora/api");
    let mut app = support::tui::app_on("tests/fixtures/dora/catalog", false);
    app.insights.configure(api.config(""));
    app.dispatch(greenroom::tui::Action::Resize(140, 16));
    support::tui::press(&mut app, "0");
    assert_eq!(app.section, greenroom::tui::Section::Dora);
    support::tui::poll_background_until(&mut app, |app| app.insights.dora.is_some());
    assert!(app.insights.dora.is_some(), "the DORA figures arrived");
    // The figures worked out in every_figure_by_hand: team-a first, then each service.
    insta::assert_snapshot!(support::tui::frame_at(&app, 140, 16));
}

#[test]
fn tokens_reach_no_output_and_no_cache_file() {
    let api = FixtureApi::start("dora/api");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let cache = dir.path().join("cache");
    let (gh, pd) = (
        "ghp_PLANTEDgithubTOKEN0123456789",
        "pdPLANTEDpagerdutyTOKEN987654",
    );
    for format in ["text", "json"] {
        let run = execute(
            command(&cache, &config)
                .args([
                    "dora",
                    "--catalog",
                    &format!("{FIXTURE}/catalog"),
                    "--verbose",
                ])
                .args(["--format", format])
                .env("GITHUB_TOKEN", gh)
                .env("GITHUB_API_URL", api.url("github"))
                .env("PAGERDUTY_TOKEN", pd)
                .env("PAGERDUTY_API_URL", api.url("pagerduty")),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        // --verbose logged each request, and none of it holds a token.
        run.assert_stderr_has("/github/repos/acme/deploys/deployments");
        for token in [gh, pd] {
            assert!(!run.stdout.contains(token) && !run.stderr.contains(token));
        }
    }
    // The tokens went to the servers, as headers only.
    let requests = api.requests();
    assert!(requests
        .iter()
        .any(|r| r.header("authorization") == Some(&format!("Bearer {gh}"))));
    assert!(requests
        .iter()
        .any(|r| r.header("authorization") == Some(&format!("Token token={pd}"))));
    for (path, bytes) in support::binary::files_under(&cache) {
        for token in [gh, pd] {
            assert!(
                !support::binary::contains(&bytes, token),
                "{token} in {path}"
            );
        }
    }
}
