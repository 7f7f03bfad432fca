//! The maturity assessment on a hand-worked fixture (tests/fixtures/maturity/): five services
//! (s1, s2, s3, s5 of team-a; s4 owned by a group missing from the catalog), a provisioning
//! template dispatching acme/infra's provision.yml, a golden-path template, and recorded GitHub
//! and PagerDuty answers on 127.0.0.1. Every answer and the level are worked out in comments.

mod support;

use serde_json::Value;
use support::binary::{command, execute, Run};
use support::fixture_api::{run_on_fixture, FixtureApi};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/maturity");

fn maturity(args: &[&str], api: Option<&FixtureApi>) -> Run {
    run_on_fixture("maturity", FIXTURE, "", args, |cmd| {
        cmd.env("GREENROOM_HTTP_RETRIES", "0");
        if let Some(api) = api {
            api.serve(cmd, true);
        }
    })
}

fn answer<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
}

fn facts(a: &Value) -> Vec<String> {
    a["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn answers_and_level_from_live_evidence() {
    let api = FixtureApi::start("maturity/api");
    let run = maturity(&["--format", "json"], Some(&api));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();

    // Q1: provision-db dispatches provision.yml; its successful runs took 4, 10 and 6 minutes
    // (the failed 2-minute run is left out): median 6 min, under an hour -> 3.
    let q1 = answer(&report, "Q1");
    assert_eq!(q1["level"], 3);
    assert_eq!(
        q1["answer"],
        "minutes: self-service provisioning, median run 6m"
    );
    assert!(
        facts(q1)
            .contains(&"provision.yml in acme/infra: 3 successful runs, median 6m".to_string()),
        "{:?}",
        facts(q1)
    );

    // Q2: one golden path (golden-service); docs on s1 and s2 of 5 services = 40% -> 2.
    let q2 = answer(&report, "Q2");
    assert_eq!(q2["level"], 2);
    assert_eq!(
        q2["answer"],
        "days: a golden path exists, but most services lack docs"
    );
    assert_eq!(
        facts(q2),
        [
            "golden-path templates: template:default/golden-service",
            "docs coverage: 2 of 5 services have TechDocs or a README (40%)"
        ]
    );

    // Q3: s1, s2, s5 each deployed once in the last 30 days, s3 never, s4 has no repository:
    // 3 of 5 = 60% -> 2.
    let q3 = answer(&report, "Q3");
    assert_eq!(q3["level"], 2);
    assert_eq!(q3["answer"], "partly: 60% of services deploy through CI/CD");
    assert!(facts(q3)
        .contains(&"3 of 5 services deployed through CI/CD in the last 30 days".to_string()));

    // Q4: owned by a group with members: s1, s2, s3, s5 (s4's group is missing). On call in
    // PagerDuty: PS1 and PS2 have an escalation policy; PS5 is not found; s3 has no mapping. Both:
    // s1, s2 = 40% -> 1.
    let q4 = answer(&report, "Q4");
    assert_eq!(q4["level"], 1);
    assert_eq!(
        q4["answer"],
        "no: only 40% of services have an owning team and an on-call"
    );
    assert!(facts(q4).contains(&"4 of 5 services are owned by a group with members".to_string()));

    // The level is the lowest answer's: 1 Reactive, and Q4 is what would move it.
    assert_eq!(report["level"], 1);
    assert_eq!(report["level_name"], "Reactive");
    assert_eq!(
        report["next"],
        serde_json::json!(["Q4: 80% of services with an owning group (with members) and a PagerDuty on-call (now 40%)"])
    );
    assert!(report["reasons"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(
            "templates come from 2 teams (group:default/platform, group:default/team-a)"
        )));
}

#[test]
fn without_providers_the_catalog_alone_gives_managed() {
    let run = maturity(&["--format", "json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    // Q1: a provisioning template, runs unseen -> 2.
    assert_eq!(answer(&report, "Q1")["level"], 2);
    // Q2 as before -> 2.
    assert_eq!(answer(&report, "Q2")["level"], 2);
    // Q3: 4 of 5 services have a repository (80%), but deployments are unverified: at most 2.
    let q3 = answer(&report, "Q3");
    assert_eq!(q3["level"], 2);
    assert!(q3["answer"]
        .as_str()
        .unwrap()
        .starts_with("unverified: 80% of services have a repository"));
    // Q4: on-call from the annotations: s1, s2, s5 with an owning team = 60% -> 2.
    let q4 = answer(&report, "Q4");
    assert_eq!(q4["level"], 2);
    assert_eq!(
        q4["answer"],
        "partly: 60% of services have an owning team and an on-call"
    );
    // Level 2 Managed; every question at 2 says what would raise it.
    assert_eq!(report["level"], 2);
    assert_eq!(report["level_name"], "Managed");
    assert_eq!(report["next"].as_array().unwrap().len(), 4);
}

#[test]
fn text_lists_facts_level_and_next_steps() {
    let api = FixtureApi::start("maturity/api");
    let run = maturity(&[], Some(&api));
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&["Q1 How long does it take to create a new production database?\n   minutes: self-service provisioning, median run 6m (level 3)", "Level 1 Reactive", "To move up:\n  - Q4: "]);
}

#[test]
fn maturity_pane_from_the_command_line() {
    let api = FixtureApi::start("maturity/api");
    let mut app = support::tui::app_on("tests/fixtures/maturity/catalog", false);
    app.insights.configure(api.config(""));
    support::tui::press(&mut app, ":maturity<enter>");
    assert_eq!(app.section, greenroom::tui::Section::Maturity);
    support::tui::poll_background_until(&mut app, |app| app.insights.maturity.is_some());
    // The answers worked out in answers_and_level_from_live_evidence.
    assert_eq!(app.insights.maturity.as_ref().map(|a| a.level), Some(1));
    insta::assert_snapshot!(support::tui::frame_at(&app, 120, 34));
}

#[test]
fn the_demo_answers_from_its_demo_api() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let run = execute(
        command(&dir.path().join("cache"), &config)
            .args(["--demo", "maturity", "--format", "json"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("DEMO");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    // provision-postgres dispatches provision-database.yml; the demo's successful runs
    // (src/demo/api/github/repos/myorg/infra/actions/workflows/provision-database.yml/runs.json)
    // took 6, 7, 6, 9, 6 and 11 minutes: median (6 + 7) / 2 = 6m 30s -> 3.
    let q1 = answer(&report, "Q1");
    assert_eq!(q1["level"], 3);
    assert!(
        facts(q1).contains(
            &"provision-database.yml in myorg/infra: 6 successful runs, median 6m 30s".to_string()
        ),
        "{:?}",
        facts(q1)
    );
    assert!((1..=4).contains(&report["level"].as_u64().unwrap()));
}
