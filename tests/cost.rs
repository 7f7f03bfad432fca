//! `greenroom cost` as a user runs it, on FOCUS fixtures whose totals are worked out by hand
//! below, and against a Cost Explorer on 127.0.0.1 that verifies every request's SigV4 signature
//! (tests/support/aws.rs). Plus the Cost pane drawn on a fixed day (insta snapshots).

mod support;

use chrono::NaiveDate;
use std::io::Write;
use std::path::{Path, PathBuf};
use support::aws::{CostExplorer, CostRow, Mode, ACCESS_KEY_ID, SECRET_KEY, SESSION_TOKEN};
use support::binary::{command, contains, execute, files_under, Run};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cost")
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `small.csv` with `{{d-N}}` replaced by the day N days before `today`.
fn small_csv(today: NaiveDate) -> String {
    let mut text = std::fs::read_to_string(fixtures().join("small.csv")).unwrap();
    for n in (0..=20).rev() {
        let day = today - chrono::Days::new(n);
        text = text.replace(&format!("{{{{d-{n}}}}}"), &day.to_string());
    }
    text
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A run of `greenroom cost ARGS` on the fixture catalog, hermetic: no AWS variables or files of
/// the developer's, a config file of the test's own.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(config: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        std::fs::create_dir_all(dir.path().join("cache")).unwrap();
        Env { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = command(&self.path("cache"), &self.path("config.toml"));
        for name in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_COST_EXPLORER",
        ] {
            cmd.env_remove(name);
        }
        cmd.env("AWS_CONFIG_FILE", self.path("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path("aws-credentials"))
            .env("GREENROOM_HTTP_RETRIES", "0")
            .env("GREENROOM_HTTP_TIMEOUT_MS", "10000")
            .args([
                "--catalog",
                fixtures().join("catalog").to_str().unwrap(),
                "cost",
            ])
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        execute(&mut self.command(args))
    }
}

fn json(run: &Run) -> serde_json::Value {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// (name, this period, previous period) of each JSON row, in order.
fn totals(value: &serde_json::Value, by: &str) -> Vec<(String, f64, f64)> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row[by].as_str().unwrap().to_string(),
                row["this_period"].as_f64().unwrap(),
                row["previous_period"].as_f64().unwrap(),
            )
        })
        .collect()
}

// small.csv with --period 7d: this period is d-7 .. d-1, the previous one d-14 .. d-8.
//   payments-team: this 10.00 (d-1) + 5.50 (d-7, tagged payments-eng, mapped by the group's
//                  annotation) = 15.50; previous 8.00 (d-8). 100.00 at d-15 and 50.00 today
//                  are outside both periods.
//   order-team:    this 2.25 (d-3) + 0.75 (d-5, no service tag) + 1.00 (d-6, user:team) = 4.00;
//                  previous 4.00 (d-10). "abc" (line 12) and "not-a-date" (line 15) are skipped.
//   ghost-team:    this 3.00 (d-4), not in the catalog.
//   (unallocated): this 1.10 (d-2, Tags {}); previous 0.90 (d-9, Tags empty).
//   total:         this 23.60, previous 12.90.
fn expected_by_team() -> Vec<(String, f64, f64)> {
    vec![
        ("payments-team".into(), 15.50, 8.00),
        ("order-team".into(), 4.00, 4.00),
        ("ghost-team".into(), 3.00, 0.00),
        ("(unallocated)".into(), 1.10, 0.90),
    ]
}

// By service: payment-service 15.50 / 8.00; order-service 2.25 + 1.00 = 3.25 / 4.00;
// ghost-svc 3.00 / 0; (unallocated) 1.10 + 0.75 = 1.85 / 0.90.
fn expected_by_service() -> Vec<(String, f64, f64)> {
    vec![
        ("payment-service".into(), 15.50, 8.00),
        ("order-service".into(), 3.25, 4.00),
        ("ghost-svc".into(), 3.00, 0.00),
        ("(unallocated)".into(), 1.85, 0.90),
    ]
}

#[test]
fn focus_export_totals_per_team_and_per_service() {
    let env = Env::new("");
    let csv = env.path("export.csv");
    std::fs::write(&csv, small_csv(today())).unwrap();
    let focus = csv.to_str().unwrap();

    let teams = json(&env.run(&["--focus", focus, "--period", "7d", "--format", "json"]));
    assert_eq!(totals(&teams, "team"), expected_by_team());
    let payments = &teams[0];
    assert_eq!(payments["currency"], "USD");
    assert_eq!(payments["entity"], "group:default/payments-team");
    assert_eq!(
        payments["tag_values"],
        serde_json::json!(["payments-eng", "payments-team"])
    );
    assert_eq!(payments["delta"], 7.5);
    assert_eq!(payments["percent"], 93.8);
    assert_eq!(teams[2]["catalog"], "not in catalog");
    assert_eq!(teams[3]["catalog"], "unallocated");

    let services = json(&env.run(&[
        "--focus", focus, "--period", "7d", "--by", "service", "--format", "json",
    ]));
    assert_eq!(totals(&services, "service"), expected_by_service());
    assert_eq!(services[0]["owner"], "group:payments-team");

    // The text table: the same totals, the skipped rows named by file and line on stderr.
    let text = env.run(&["--focus", focus, "--period", "7d", "--by", "team"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let line = |name: &str| {
        text.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{}", text.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("payments-team"),
        "payments-team 15.50 8.00 +7.50 +93.8% USD group:default/payments-team"
    );
    assert_eq!(
        line("ghost-team"),
        "ghost-team 3.00 0.00 +3.00 new USD not in catalog"
    );
    assert_eq!(line("total"), "total 23.60 12.90 +10.70 +82.9% USD");
    text.assert_stdout_has("last 7 days");
    text.assert_stderr_has(&format!(
        "{}:12: BilledCost \"abc\" is not a number; row skipped",
        csv.display()
    ));
    text.assert_stderr_has_all(&[":15: ChargePeriodStart \"not-a-date\"", "2 rows skipped"]);
}

#[test]
fn gzip_and_a_folder_of_files_give_the_same_totals() {
    let env = Env::new("");
    let csv = small_csv(today());
    let gz = env.path("export.csv.gz");
    std::fs::write(&gz, gzip(csv.as_bytes())).unwrap();
    let run = env.run(&[
        "--focus",
        gz.to_str().unwrap(),
        "--period",
        "7d",
        "--format",
        "json",
    ]);
    assert_eq!(totals(&json(&run), "team"), expected_by_team());

    // The rows split over two files, one gzipped under a subfolder (gzip found by its bytes, not
    // its name), with files the reader must pass over.
    let folder = env.path("exports");
    std::fs::create_dir_all(folder.join("BILLING_PERIOD=current")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let (header, rows) = (lines[0], &lines[1..]);
    let half = rows.len() / 2;
    std::fs::write(
        folder.join("part-1.csv"),
        format!("{header}\n{}\n", rows[..half].join("\n")),
    )
    .unwrap();
    std::fs::write(
        folder.join("BILLING_PERIOD=current/part-2.csv.gz"),
        gzip(format!("{header}\n{}\n", rows[half..].join("\n")).as_bytes()),
    )
    .unwrap();
    std::fs::write(folder.join("manifest.json"), "{}").unwrap();
    std::fs::write(folder.join(".part-3.csv"), "not read").unwrap();
    let run = env.run(&[
        "--focus",
        folder.to_str().unwrap(),
        "--period",
        "7d",
        "--format",
        "json",
    ]);
    assert_eq!(totals(&json(&run), "team"), expected_by_team());
    assert!(
        run.stderr.contains("part-2.csv.gz"),
        "the skipped row of part 2 is named: {}",
        run.stderr
    );
}

#[test]
fn the_focus_path_and_cost_column_come_from_the_config() {
    // EffectiveCost: payments-team this 9.00 + 5.00 = 14.00, previous 7.00; order-team this
    // 2.25 + 0.75 + 1.00 + 1.00 = 5.00 (the row whose BilledCost is "abc" has a good
    // EffectiveCost, 1.00 at d-1), previous 4.00.
    let env = Env::new(
        "[cost]\nfocus = \"export.csv\"\nfocus_column = \"EffectiveCost\"\nperiod_days = 7\n",
    );
    std::fs::write(env.path("export.csv"), small_csv(today())).unwrap();
    let run = env.run(&["--format", "json"]);
    let rows = totals(&json(&run), "team");
    assert_eq!(rows[0], ("payments-team".into(), 14.00, 7.00));
    assert_eq!(rows[1], ("order-team".into(), 5.00, 4.00));
}

#[test]
fn an_export_without_the_focus_columns_is_named() {
    let env = Env::new("");
    let csv = env.path("not-focus.csv");
    std::fs::write(&csv, "date,cost\n2026-01-01,3\n").unwrap();
    let run = env.run(&["--focus", csv.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has(&format!(
        "{}: line 1: no ChargePeriodStart column",
        csv.display()
    ));
    let missing = env.run(&["--focus", env.path("nowhere.csv").to_str().unwrap()]);
    assert_eq!(missing.code, 1);
    missing.assert_stderr_has("nowhere.csv: cannot read");
}

#[test]
fn the_demo_has_cost_for_the_last_30_days() {
    let env = Env::new("");
    let mut cmd = command(&env.path("cache"), &env.path("config.toml"));
    let run = execute(cmd.args(["--demo", "cost"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("DEMO"), "{}", run.stdout);
    for team in ["order-team", "payments-team", "(unallocated)", "data-team"] {
        assert!(run.stdout.contains(team), "{team} in\n{}", run.stdout);
    }
    // `payments` is mapped to payments-team by the demo group's annotation.
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("payments ")),
        "{}",
        run.stdout
    );
}

/// Cost Explorer's rows: the same spend as small.csv, per day.
fn explorer_rows(today: NaiveDate) -> Vec<CostRow> {
    let d = |n: u64| today - chrono::Days::new(n);
    vec![
        CostRow {
            day: d(1),
            team: "payments-team",
            service: "payment-service",
            amount: "10.00",
        },
        CostRow {
            day: d(7),
            team: "payments-eng",
            service: "payment-service",
            amount: "5.50",
        },
        CostRow {
            day: d(8),
            team: "payments-team",
            service: "payment-service",
            amount: "8.00",
        },
        CostRow {
            day: d(3),
            team: "order-team",
            service: "order-service",
            amount: "2.25",
        },
        CostRow {
            day: d(10),
            team: "order-team",
            service: "order-service",
            amount: "4.00",
        },
        CostRow {
            day: d(2),
            team: "",
            service: "",
            amount: "1.10",
        },
        CostRow {
            day: d(9),
            team: "",
            service: "",
            amount: "0.90",
        },
        CostRow {
            day: d(4),
            team: "ghost-team",
            service: "ghost-svc",
            amount: "3.00",
        },
        CostRow {
            day: d(15),
            team: "payments-team",
            service: "payment-service",
            amount: "100.00",
        },
        CostRow {
            day: d(5),
            team: "order-team",
            service: "",
            amount: "0.75",
        },
        CostRow {
            day: d(6),
            team: "order-team",
            service: "order-service",
            amount: "1.00",
        },
    ]
}

fn with_session(cmd: &mut std::process::Command, url: &str) {
    cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_ENDPOINT_URL_COST_EXPLORER", url);
}

fn assert_no_secret(run: &Run, cache: &Path) {
    for secret in [ACCESS_KEY_ID, SECRET_KEY, SESSION_TOKEN] {
        assert!(!run.stdout.contains(secret), "{secret} on stdout");
        assert!(!run.stderr.contains(secret), "{secret} on stderr");
        for (path, bytes) in files_under(cache) {
            assert!(!contains(&bytes, secret), "{secret} in {path}");
        }
    }
}

#[test]
fn cost_explorer_signed_paginated_and_cached() {
    let explorer = CostExplorer::start(explorer_rows(today()), true);
    explorer.days_per_page(3);
    let env = Env::new("");
    let mut cmd = env.command(&["--period", "7d", "--format", "json", "--verbose"]);
    with_session(&mut cmd, &explorer.url());
    let run = execute(&mut cmd);
    // The same totals as the FOCUS export (whose two bad rows are not here).
    assert_eq!(totals(&json(&run), "team"), expected_by_team());
    // 14 days at 3 a page: 5 pages, every one signed right.
    let verdicts = explorer.verdicts();
    assert_eq!(verdicts.len(), 5, "{verdicts:?}");
    assert!(verdicts.iter().all(Result::is_ok), "{verdicts:?}");
    let requests = explorer.server.requests();
    assert_eq!(
        requests[0].json()["TimePeriod"]["Start"],
        (today() - chrono::Days::new(14)).to_string()
    );
    assert_eq!(requests[0].json()["TimePeriod"]["End"], today().to_string());
    assert_eq!(requests[1].json()["NextPageToken"], "page-at-day-3");
    assert!(
        run.stderr.contains("POST http://127.0.0.1"),
        "--verbose logs: {}",
        run.stderr
    );
    assert_no_secret(&run, &env.path("cache"));

    // Within the cache window a second run asks nothing (each request costs USD 0.01).
    let mut again = env.command(&["--period", "7d", "--format", "json"]);
    with_session(&mut again, &explorer.url());
    let run = execute(&mut again);
    assert_eq!(totals(&json(&run), "team"), expected_by_team());
    assert_eq!(explorer.verdicts().len(), 5);
}

#[test]
fn cost_explorer_with_a_profile_of_long_term_keys() {
    let explorer = CostExplorer::start(explorer_rows(today()), false);
    explorer.days_per_page(30);
    let env = Env::new("[cost]\nperiod_days = 7\n");
    std::fs::write(
        env.path("aws-credentials"),
        format!("[billing]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_KEY}\n"),
    )
    .unwrap();
    let mut cmd = env.command(&["--by", "service", "--format", "json"]);
    cmd.env("AWS_PROFILE", "billing")
        .env("AWS_ENDPOINT_URL", explorer.url());
    let run = execute(&mut cmd);
    assert_eq!(totals(&json(&run), "service"), expected_by_service());
    assert_eq!(explorer.verdicts(), vec![Ok(())]);
    assert_no_secret(&run, &env.path("cache"));
}

#[test]
fn refusals_and_failures_say_what_happened() {
    let explorer = CostExplorer::start(explorer_rows(today()), true);
    let cases = [
        (Mode::Expired, "the AWS credentials have expired"),
        (Mode::Throttled, "AWS Cost Explorer rate limit reached"),
        (Mode::Broken, "AWS Cost Explorer server error 500"),
    ];
    for (mode, message) in cases {
        explorer.set_mode(mode);
        let env = Env::new("");
        let mut cmd = env.command(&["--format", "json", "--verbose"]);
        with_session(&mut cmd, &explorer.url());
        let run = execute(&mut cmd);
        assert_eq!(run.code, 1, "{mode:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{mode:?}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{mode:?}: {}", run.stderr);
        assert_no_secret(&run, &env.path("cache"));
    }
    // A wrong secret key: the server's verifier refuses the signature.
    explorer.set_mode(Mode::Normal);
    let env = Env::new("");
    let mut cmd = env.command(&[]);
    with_session(&mut cmd, &explorer.url());
    cmd.env("AWS_SECRET_ACCESS_KEY", "not-the-planted-secret-key");
    let run = execute(&mut cmd);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("AWS rejected the request signature");
    assert!(matches!(explorer.verdicts().last(), Some(Err(e)) if e.contains("signature")));
    assert_no_secret(&run, &env.path("cache"));
}

#[test]
fn without_credentials_or_export_it_says_what_to_set() {
    let env = Env::new("");
    let run = env.run(&[]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has_all(&[
        "cost is not configured: no AWS credentials found",
        "--focus",
    ]);
}

mod pane {
    use super::*;
    use greenroom::insights::cost::{Settings, Source};
    use insta::assert_snapshot;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use support::tui::*;

    /// The Cost pane on the fixture catalog and small.csv, on a fixed day, read as the TUI reads
    /// it (on a thread, the answer as a message).
    fn loaded_pane(keys: &str) -> String {
        let day: NaiveDate = "2026-03-11".parse().unwrap();
        // By a path relative to the crate (the tests' working folder), so the pane's source line
        // is the same on every machine, wherever CARGO_TARGET_DIR points.
        let tmp = Path::new("target/tmp");
        std::fs::create_dir_all(tmp).unwrap();
        let name: String = keys.chars().filter(char::is_ascii_alphanumeric).collect();
        let csv = tmp.join(format!("cost-pane-{name}.csv"));
        std::fs::write(&csv, small_csv(day)).unwrap();
        let mut app = app_on("tests/fixtures/cost/catalog", false);
        app.cost.today = Some(day);
        app.cost.configure(
            Ok(Source::Focus(csv)),
            Settings {
                period_days: 7,
                ..Settings::default()
            },
        );
        app.cost.set_catalog(&app.data.as_ref().unwrap().catalog);
        press(&mut app, "5");
        for _ in 0..2000 {
            app.poll_background();
            if !app.cost.busy() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(app.cost.report.is_some(), "the export was read");
        press(&mut app, keys);
        // The pane alone: the header and tabs around it belong to other tests.
        let mut terminal = Terminal::new(TestBackend::new(120, 28)).unwrap();
        terminal
            .draw(|f| app.cost.draw(f, f.area(), &app.env, &app.theme))
            .unwrap();
        terminal.backend().to_string()
    }

    /// The catalog's groups and components are matched to the spend's tags on a thread of the
    /// pane's own: until that map arrives the report waits (and says so), then it names the
    /// catalog's entities. Of two catalogs given in a row the later one's map is shown,
    /// whichever thread ends first.
    #[test]
    fn cost_pane_maps_the_catalog_on_a_thread_and_the_latest_catalog_wins() {
        use greenroom::catalog::Catalog;
        use greenroom::tui::panes::cost::{CostMessage, CostPane};
        use std::sync::Arc;
        let day: NaiveDate = "2026-03-11".parse().unwrap();
        let tmp = Path::new("target/tmp");
        std::fs::create_dir_all(tmp).unwrap();
        let csv = tmp.join("cost-pane-mapping.csv");
        std::fs::write(&csv, small_csv(day)).unwrap();
        let settings = Settings {
            period_days: 7,
            ..Settings::default()
        };
        let window = greenroom::insights::cost::Window::new(day, 7);
        let aggregate = greenroom::insights::cost::load(
            &Source::Focus(csv.clone()),
            &settings,
            window,
            greenroom::providers::http::Log::Off,
            &mut |_| {},
        )
        .unwrap();
        let fixture = Arc::new(
            greenroom::catalog::load::load_paths(&["tests/fixtures/cost/catalog".into()]).catalog,
        );
        let empty = Arc::new(Catalog::default());
        let mut pane = CostPane::default();
        pane.today = Some(day);
        pane.configure(Ok(Source::Focus(csv)), settings);
        pane.set_catalog(&fixture);
        pane.on_message(CostMessage::Done(Ok(aggregate)));
        assert!(pane.report.is_none(), "no report before the map");
        let mut terminal = Terminal::new(TestBackend::new(120, 6)).unwrap();
        let draw = |pane: &CostPane, terminal: &mut Terminal<TestBackend>| {
            let (env, theme) = (Default::default(), Default::default());
            terminal
                .draw(|f| pane.draw(f, f.area(), &env, &theme))
                .unwrap();
            terminal.backend().to_string()
        };
        assert!(draw(&pane, &mut terminal).contains("Cost (mapping…)"));

        let team = |pane: &CostPane| {
            let report = pane.report.as_ref().expect("the report, once mapped");
            let row = report.rows.iter().find(|r| r.name == "payments-team");
            row.unwrap().entity.clone()
        };
        let mapped = |pane: &mut CostPane| {
            for _ in 0..2000 {
                if pane.poll() && !pane.busy() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            panic!("the map never arrived");
        };
        mapped(&mut pane);
        assert_eq!(team(&pane).as_deref(), Some("group:default/payments-team"));
        assert!(draw(&pane, &mut terminal).contains("group:default/payments-team"));

        // Two catalogs in a row, the second without the team: its map is the one taken.
        pane.set_catalog(&fixture);
        pane.set_catalog(&empty);
        mapped(&mut pane);
        assert_eq!(team(&pane), None, "the empty catalog's map, the latest");
    }

    #[test]
    fn cost_pane_per_team() {
        assert_snapshot!(loaded_pane(""));
    }

    #[test]
    fn cost_pane_team_drilled_to_its_services() {
        assert_snapshot!(loaded_pane("j<enter>"));
    }

    #[test]
    fn cost_pane_per_service() {
        assert_snapshot!(loaded_pane("t"));
    }
}

/// The server's verifier against AWS's own Python signer (botocore), when it is installed: every
/// request botocore signs must pass, so the verifier checks what AWS checks, not just what
/// greenroom does.
#[test]
fn the_loopback_verifier_accepts_botocore_signatures() {
    let python = std::process::Command::new("python3")
        .args(["-c", "import botocore"])
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: python3 with botocore is not installed");
        return;
    }
    let explorer = CostExplorer::start(explorer_rows(today()), true);
    explorer.days_per_page(4);
    let script = format!(
        r#"
import botocore.session
client = botocore.session.get_session().create_client(
    "ce", region_name="us-east-1", endpoint_url="{url}",
    aws_access_key_id="{ACCESS_KEY_ID}", aws_secret_access_key="{SECRET_KEY}",
    aws_session_token="{SESSION_TOKEN}")
args = dict(TimePeriod={{"Start": "{start}", "End": "{end}"}}, Granularity="DAILY",
            Metrics=["UnblendedCost"],
            GroupBy=[{{"Type": "TAG", "Key": "team"}}, {{"Type": "TAG", "Key": "service"}}])
total, pages = 0.0, 0
while True:
    page = client.get_cost_and_usage(**args)
    pages += 1
    for day in page["ResultsByTime"]:
        for group in day["Groups"]:
            total += float(group["Metrics"]["UnblendedCost"]["Amount"])
    if not page.get("NextPageToken"):
        break
    args["NextPageToken"] = page["NextPageToken"]
print(pages, round(total, 2))
"#,
        url = explorer.url(),
        start = today() - chrono::Days::new(14),
        end = today(),
    );
    let output = std::process::Command::new("python3")
        .args(["-c", &script])
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 14 days at 4 a page; every row but the one 15 days ago: 23.60 + 12.90.
    assert_eq!(stdout.trim(), "4 36.5");
    let verdicts = explorer.verdicts();
    assert_eq!(verdicts.len(), 4);
    assert!(verdicts.iter().all(Result::is_ok), "{verdicts:?}");
}
