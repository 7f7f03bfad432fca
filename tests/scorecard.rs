//! Scorecards on a hand-worked fixture (tests/fixtures/scorecard/): a catalog of three services
//! the scorecard applies to (alpha, beta, gamma; delta is a library it leaves out), the scorecard
//! file with an active and an expired exemption, and recorded GitHub and PagerDuty answers served
//! on 127.0.0.1. Every cell below is worked out by hand in the comments.

mod support;

use support::binary::{command, execute, Run};
use support::fixture_api::{run_on_fixture, FixtureApi};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scorecard");

fn score(args: &[&str], api: Option<&FixtureApi>) -> Run {
    let config = format!("[scorecard]\nfile = \"{FIXTURE}/scorecard.toml\"\n");
    run_on_fixture("score", FIXTURE, &config, args, |cmd| {
        if let Some(api) = api {
            api.serve(cmd, true);
            cmd.env("GREENROOM_HTTP_RETRIES", "0");
        }
    })
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// (outcome, detail) of one rule of one entity.
fn cell(report: &serde_json::Value, entity: &str, rule: &str) -> (String, String) {
    let e = report["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ref"] == entity)
        .unwrap_or_else(|| panic!("no {entity}"));
    let r = e["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap();
    (
        r["outcome"].as_str().unwrap().to_string(),
        r["detail"].as_str().unwrap().to_string(),
    )
}

fn entity<'a>(report: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    report["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ref"] == key)
        .unwrap()
}

const ALPHA: &str = "component:default/alpha";
const BETA: &str = "component:default/beta";
const GAMMA: &str = "component:default/gamma";

#[test]
fn every_cell_with_live_data() {
    let api = FixtureApi::start("scorecard/api");
    let run = score(&["--format", "json"], Some(&api));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    // The scorecard applies to Components of type service: alpha, beta, gamma (not delta).
    let refs: Vec<&str> = report["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs, [ALPHA, BETA, GAMMA]);

    // alpha: every catalog rule holds. CI: the runs on main, newest first, are success, success,
    // cancelled (left out), success, failure: the last 3 completed are all successes -> pass.
    // Incidents: #41 is open, high urgency and 30 h old (> 24 h) -> FAIL (#42 is low urgency).
    let pass = |d: &str| ("pass".to_string(), d.to_string());
    assert_eq!(
        cell(&report, ALPHA, "owner"),
        pass("group:default/team-a (1 member)")
    );
    assert_eq!(cell(&report, ALPHA, "system"), pass("system:default/shop"));
    assert_eq!(
        cell(&report, ALPHA, "docs"),
        pass("backstage.io/techdocs-ref: dir:.")
    );
    assert_eq!(cell(&report, ALPHA, "tier"), pass("label tier is \"1\""));
    assert_eq!(
        cell(&report, ALPHA, "ci"),
        pass("the last 3 runs on main succeeded")
    );
    let (outcome, detail) = cell(&report, ALPHA, "incidents");
    assert_eq!(outcome, "fail");
    assert!(
        detail.starts_with("1 open high-urgency incident older than 24 h (oldest: #41 \"Checkout errors\", open 1d"),
        "{detail}"
    );
    // So alpha passes bronze and silver, and gold needs only the incident rule.
    let a = entity(&report, ALPHA);
    assert_eq!(a["level"], "silver");
    assert_eq!(a["next"]["level"], "gold");
    let needs: Vec<&str> = a["next"]["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(needs, ["incidents"]);

    // beta: the README beside its file is its docs; it has no tier label -> silver fails there.
    // PagerDuty: no annotation, but an exemption until 2099-12-31 -> exempt. CI: newest run on
    // main failed -> FAIL. Incidents: no PagerDuty mapping -> unknown.
    assert_eq!(
        cell(&report, BETA, "docs"),
        pass("README.md beside catalog-info.yaml")
    );
    assert_eq!(
        cell(&report, BETA, "tier"),
        ("fail".into(), "no label tier".into())
    );
    let (outcome, detail) = cell(&report, BETA, "pagerduty");
    assert_eq!(outcome, "exempt");
    assert!(
        detail.starts_with("exempt until 2099-12-31: paged through the shop's shared service"),
        "{detail}"
    );
    assert_eq!(
        cell(&report, BETA, "ci"),
        (
            "fail".into(),
            "1 of the last 2 runs on main failed (latest: CI #202)".into()
        )
    );
    assert_eq!(cell(&report, BETA, "incidents").0, "unknown");
    let b = entity(&report, BETA);
    assert_eq!(b["level"], "bronze");
    assert_eq!(b["next"]["level"], "silver");
    assert_eq!(b["next"]["needs"].as_array().unwrap().len(), 1);
    assert_eq!(b["next"]["needs"][0]["rule"], "tier");

    // gamma: its team has no members -> owner FAIL; no description, and the exemption for it
    // expired on 2001-01-01 -> FAIL, shown as expired. Below bronze; bronze needs both.
    assert_eq!(
        cell(&report, GAMMA, "owner"),
        (
            "fail".into(),
            "owner group:default/team-empty has no members".into()
        )
    );
    assert_eq!(
        cell(&report, GAMMA, "description"),
        (
            "fail".into(),
            "no metadata.description (exemption expired 2001-01-01: was being written)".into()
        )
    );
    let g = entity(&report, GAMMA);
    assert_eq!(g["level"], serde_json::Value::Null);
    let needs: Vec<&str> = g["next"]["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(needs, ["owner", "description"]);
    let description = g["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "description")
        .unwrap();
    assert_eq!(description["exemption"]["expired"], true);

    // Team rollup. team-a: alpha (silver) and beta (bronze); results that hold: alpha 9 of 10,
    // beta 7 of 10 (owner, description, lifecycle, system, docs, github, exempt pagerduty) ->
    // 16 of 20; failing once each: tier (beta), ci (beta), incidents (alpha), in scorecard order.
    let teams = report["teams"].as_array().unwrap();
    let team_a = teams
        .iter()
        .find(|t| t["team"] == "group:default/team-a")
        .unwrap();
    assert_eq!(team_a["entities"], 2);
    assert_eq!(
        team_a["levels"],
        serde_json::json!([["none", 0], ["bronze", 1], ["silver", 1], ["gold", 0]])
    );
    assert_eq!(
        (team_a["holding"].as_u64(), team_a["results"].as_u64()),
        (Some(16), Some(20))
    );
    assert_eq!(
        team_a["failing"],
        serde_json::json!([["tier", 1], ["ci", 1], ["incidents", 1]])
    );
    // team-empty: gamma alone, below bronze; only lifecycle holds (ci and incidents unknown).
    let empty = teams
        .iter()
        .find(|t| t["team"] == "group:default/team-empty")
        .unwrap();
    assert_eq!(empty["levels"][0], serde_json::json!(["none", 1]));
    assert_eq!(
        (empty["holding"].as_u64(), empty["results"].as_u64()),
        (Some(1), Some(10))
    );

    // Failing first: tier fails on beta and gamma (2); every other failing rule once.
    let tier = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "tier")
        .unwrap();
    assert_eq!(tier["failing"], 2);
    // The live rules asked GitHub for both repositories and PagerDuty for alpha's service.
    let paths: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    for path in [
        "/github/repos/acme/alpha/actions/runs",
        "/github/repos/acme/beta",
        "/pagerduty/incidents",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} in {paths:?}");
    }
}

#[test]
fn live_rules_are_unknown_without_providers_and_say_why() {
    let run = score(&["alpha", "--format", "json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    let (outcome, detail) = cell(&report, ALPHA, "ci");
    assert_eq!(outcome, "unknown");
    assert!(detail.starts_with("GitHub is not configured"), "{detail}");
    let (outcome, detail) = cell(&report, ALPHA, "incidents");
    assert_eq!(outcome, "unknown");
    assert!(
        detail.starts_with("PagerDuty is not configured"),
        "{detail}"
    );
    // Unknown is not a pass: alpha stays at silver, and gold needs both live rules.
    let a = entity(&report, ALPHA);
    assert_eq!(a["level"], "silver");
    assert_eq!(a["next"]["needs"].as_array().unwrap().len(), 2);
}

#[test]
fn fail_below_is_a_ci_gate() {
    let api = FixtureApi::start("scorecard/api");
    // Below silver: beta (bronze) and gamma (none) -> exit 1, both named on stderr.
    let run = score(&["--fail-below", "silver"], Some(&api));
    assert_eq!(run.code, 1);
    run.assert_stderr_has("2 entities are below silver: component:default/beta (bronze), component:default/gamma (none)");
    // The text report is still printed, with the team rollup.
    run.assert_stdout_has_all(&[
        "component:default/alpha  level silver",
        "next: silver needs tier (FAIL)",
        "group:default/team-a",
    ]);
    // alpha alone is at silver: not below it.
    assert_eq!(
        score(&["alpha", "--fail-below", "silver"], Some(&api)).code,
        0
    );
    // A group scores what it owns that the scorecard applies to: alpha and beta.
    let run = score(
        &["group:team-a", "--fail-below", "bronze", "--format", "json"],
        Some(&api),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run)["entities"].as_array().unwrap().len(), 2);
    // An unknown level is a usage error naming the levels.
    let run = score(&["--fail-below", "platinum"], None);
    assert_eq!(run.code, 2);
    run.assert_stderr_has("bronze, silver, gold");
}

#[test]
fn a_broken_scorecard_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card.toml");
    std::fs::write(&card, "levels = [\"bronze\"]\n\n[[rules]]\nid = \"x\"\nlevel = \"bronze\"\ncheck = \"owner\"\n\n[[rules]]\nid = \"y\"\nlevel = \"gold\"\ncheck = \"owner\"\n").unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[scorecard]\nfile = \"{}\"\n", card.display()),
    )
    .unwrap();
    let run = execute(command(&dir.path().join("cache"), &config).args([
        "score",
        "--catalog",
        &format!("{FIXTURE}/catalog"),
    ]));
    assert_eq!(run.code, 2);
    run.assert_stderr_has(&format!(
        "{}:8:1: rule \"y\": level \"gold\" is not one of levels (bronze)",
        card.display()
    ));
}

#[test]
fn scorecards_pane_grid_with_live_data() {
    let api = FixtureApi::start("scorecard/api");
    let mut app = support::tui::app_on("tests/fixtures/scorecard/catalog", false);
    app.insights
        .configure(api.config(&format!("[scorecard]\nfile = \"{FIXTURE}/scorecard.toml\"")));
    support::tui::press(&mut app, "9");
    assert_eq!(app.section, greenroom::tui::Section::Scorecards);
    // The live facts arrive from the gathering thread as a message.
    support::tui::poll_background_until(&mut app, |app| app.insights.live_done);
    assert!(app.insights.live_done, "the live facts arrived");
    // Worst first (gamma, beta, alpha); failing rules first: tier (2), then the rules failing
    // once, in scorecard order.
    insta::assert_snapshot!(support::tui::frame_at(&app, 120, 24));
}

#[test]
fn scorecards_pane_refresh_asks_again() {
    let api = FixtureApi::start("scorecard/api");
    let mut app = support::tui::app_on("tests/fixtures/scorecard/catalog", false);
    app.insights
        .configure(api.config(&format!("[scorecard]\nfile = \"{FIXTURE}/scorecard.toml\"")));
    let wait = |app: &mut greenroom::tui::App| {
        support::tui::poll_background_until(app, |app| app.insights.live_done);
        assert!(app.insights.live_done, "the live facts never arrived");
    };
    support::tui::press(&mut app, "9");
    wait(&mut app);
    api.server.clear();
    // r: the live facts are gathered again, from GitHub and PagerDuty.
    support::tui::press(&mut app, "r");
    assert!(!app.insights.live_done);
    wait(&mut app);
    let paths: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p == "/github/repos/acme/alpha/actions/runs"),
        "{paths:?}"
    );
}
