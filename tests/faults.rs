//! Dead and hostile servers (tests/support/faults.rs) against the GitHub and PagerDuty providers
//! and a Backstage backend as a catalog source, through the CLI (`ci`, `incidents`, `list`) as a
//! user runs it and through the TUI: every fault ends in a clear error naming the URL, with a
//! bounded number of requests (counted at the server), bounded memory (the 1 GB body is refused
//! by the 20 MB cap, and the server sees the client stop reading), the token never following a
//! redirect to another host, and the TUI answering keys while a provider hangs (key-to-frame
//! latency printed: p50/p99/max; no timed assertion).

mod support;

use greenroom::config::Secret;
use greenroom::providers::http::Options;
use greenroom::providers::{GitHubSettings, ProviderHandle, ProviderOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::binary::{self, Run};
use support::catalog::payment_service_on_github_and_pagerduty;
use support::faults::{Fault, FaultServer};
use support::http_server::{Reply, TestServer};

const GITHUB_TOKEN: &str = support::github::TOKEN;
const PAGERDUTY_TOKEN: &str = support::pagerduty::TOKEN;
const BACKSTAGE_TOKEN: &str = "bsPLANTEDbackstage0123456789SECRET";

/// What a provider answers when the redirect's other host serves it: empty but well-formed for
/// both vendors' endpoints.
fn empty_answer() -> Reply {
    Reply::json(
        200,
        &serde_json::json!({
            "total_count": 0, "workflow_runs": [], "incidents": [], "oncalls": [],
            "services": [], "users": [], "more": false, "limit": 100, "offset": 0,
            "items": [], "totalItems": 0, "pageInfo": {}
        }),
    )
}

#[derive(Clone, Copy, Debug)]
enum Vendor {
    GitHub,
    PagerDuty,
    /// A Backstage backend as a catalog source (`BACKSTAGE_URL`), read by `list`.
    Backstage,
}

impl Vendor {
    fn name(self) -> &'static str {
        match self {
            Vendor::GitHub => "GitHub",
            Vendor::PagerDuty => "PagerDuty",
            Vendor::Backstage => "Backstage",
        }
    }

    /// The exit code of a failed run: 1 for live data, 2 for a catalog source that cannot be
    /// read (CLI.md).
    fn failure_code(self) -> i32 {
        match self {
            Vendor::Backstage => 2,
            _ => 1,
        }
    }

    fn token(self) -> &'static str {
        match self {
            Vendor::GitHub => GITHUB_TOKEN,
            Vendor::PagerDuty => PAGERDUTY_TOKEN,
            Vendor::Backstage => BACKSTAGE_TOKEN,
        }
    }

    /// Runs the vendor's subcommand against `api` with short client limits.
    fn run(self, api: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("catalog-info.yaml"),
            payment_service_on_github_and_pagerduty(),
        )
        .unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "").unwrap();
        let cache = dir.path().join("cache");
        let mut command = binary::command(&cache, &config);
        if !matches!(self, Vendor::Backstage) {
            command.arg("--catalog").arg(dir.path());
        }
        command
            .arg("--verbose")
            .current_dir(dir.path())
            .env("GREENROOM_HTTP_TIMEOUT_MS", "1000")
            .env("GREENROOM_HTTP_MAX_WAIT_MS", "50");
        match self {
            Vendor::GitHub => command
                .args(["ci", "payment-service"])
                .env("GITHUB_API_URL", api)
                .env("GITHUB_TOKEN", GITHUB_TOKEN),
            Vendor::PagerDuty => command
                .args(["incidents", "payment-service"])
                .env("PAGERDUTY_API_URL", api)
                .env("PAGERDUTY_TOKEN", PAGERDUTY_TOKEN),
            Vendor::Backstage => command
                .arg("list")
                .env("BACKSTAGE_URL", api)
                .env("BACKSTAGE_TOKEN", BACKSTAGE_TOKEN),
        };
        let run = binary::execute(&mut command);
        let written = if cache.exists() {
            binary::files_under(&cache)
        } else {
            Vec::new()
        };
        for (path, bytes) in written {
            assert!(
                !binary::contains(&bytes, self.token()),
                "token in cache file {path}"
            );
        }
        run
    }
}

/// What the user must read on stderr for each fault.
fn expected_message(fault: Fault) -> &'static [&'static str] {
    match fault {
        Fault::Hang | Fault::Trickle => &["did not answer", "timed out"],
        Fault::Reset => &["failed"],
        Fault::Status500 => &["server error 500"],
        Fault::Status502 => &["server error 502"],
        Fault::TooManyWithRetryAfter | Fault::TooManyWithoutRetryAfter => {
            &["rate limit reached", "rate limited until"]
        }
        Fault::MalformedJson => &["unexpected answer"],
        Fault::Gigabyte => &["more than 20 MB"],
        Fault::RedirectLoop => &["more than 5 redirects"],
        Fault::RedirectToOtherHost => &[],
    }
}

/// Requests one command may send for a fault: each endpoint asked at most once plus two retries,
/// and a redirect loop at most six hops; a vendor that asks its endpoints one after the other
/// stops at the first failure.
const MOST_REQUESTS: usize = 18;

#[test]
fn every_fault_against_every_provider_through_the_cli() {
    let mut table = Vec::new();
    for vendor in [Vendor::GitHub, Vendor::PagerDuty, Vendor::Backstage] {
        for fault in Fault::ALL {
            let server = FaultServer::start(fault, empty_answer());
            let run = vendor.run(&server.url());
            let context = format!(
                "{} / {fault:?} (exit {}):\n{}\n{}",
                vendor.name(),
                run.code,
                run.stdout,
                run.stderr
            );
            for text in [&run.stdout, &run.stderr] {
                assert!(!text.contains(vendor.token()), "token printed: {context}");
                assert!(
                    !text.contains("PLANTED"),
                    "part of the token printed: {context}"
                );
            }
            let requests = server.requests();
            assert!(
                (1..=MOST_REQUESTS).contains(&requests),
                "{requests} requests: {context}"
            );
            if fault == Fault::RedirectToOtherHost {
                let other = server.other.as_ref().unwrap().requests();
                assert!(!other.is_empty(), "{context}");
                for request in &other {
                    assert_eq!(request.header("authorization"), None, "{context}");
                    assert!(
                        request
                            .headers
                            .iter()
                            .all(|(_, v)| !v.contains(vendor.token())),
                        "{context}"
                    );
                }
                assert!(run.stderr.contains("without credentials"), "{context}");
            } else {
                assert_eq!(run.code, vendor.failure_code(), "{context}");
                assert!(
                    run.stderr.contains(vendor.name()) && run.stderr.contains("http://127.0.0.1:"),
                    "the error names the service and the URL: {context}"
                );
                for needle in expected_message(fault) {
                    assert!(run.stderr.contains(needle), "{needle:?} missing: {context}");
                }
            }
            if fault == Fault::Gigabyte {
                // The client stops reading at the cap: the server could not push the gigabyte.
                std::thread::sleep(Duration::from_millis(50));
                let written = server.server.bytes_written();
                assert!(written < 200 * 1024 * 1024, "{written} bytes: {context}");
            }
            table.push(format!(
                "{:<9} {:<26} exit {} requests {:>2} in {:>5} ms",
                vendor.name(),
                format!("{fault:?}"),
                run.code,
                requests,
                run.took.as_millis()
            ));
        }
    }
    println!("faults injected: {}", table.len());
    for line in table {
        println!("  {line}");
    }
}

/// A slow answer that still arrives within the timeout is read, not refused.
#[test]
fn a_slow_but_complete_answer_is_used() {
    let server = TestServer::start(|_| {
        Reply::Trickle(
            support::http_server::Answer {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: support::http_server::Body::Bytes(
                    serde_json::to_vec(&support::github::sample_runs()).unwrap(),
                ),
            },
            Duration::from_micros(200),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        payment_service_on_github_and_pagerduty(),
    )
    .unwrap();
    let run = binary::execute(
        binary::command(&dir.path().join("cache"), Path::new("/dev/null"))
            .arg("--catalog")
            .arg(dir.path())
            .args(["ci", "payment-service"])
            .env("GITHUB_API_URL", server.url())
            .env("GITHUB_TOKEN", GITHUB_TOKEN),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("Fix flaky payment test");
}

fn github(api: &str) -> GitHubSettings {
    GitHubSettings {
        api_url: api.into(),
        token: Some(Secret::new(GITHUB_TOKEN)),
        try_gh: false,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The TUI keeps answering keys while GitHub and PagerDuty hang: each key is handled and a frame
/// drawn (TestBackend, as the event loop does) while the request is in flight. The figures are
/// printed; the only assertions are that the request is still hanging and every key was applied.
#[test]
fn keys_answer_while_a_provider_hangs() {
    use support::tui::{demo, press, selected_name};
    let hung = TestServer::start(|_| Reply::Hang);
    let cache = tempfile::tempdir().unwrap();
    let mut app = demo();
    app.env.github_token = true;
    app.env.pagerduty_token = true;
    app.connect(ProviderHandle::start_with(
        github(&hung.url()),
        ProviderOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            pagerduty: greenroom::providers::pagerduty::PagerDutySettings {
                api_url: hung.url(),
                token: Some(Secret::new(PAGERDUTY_TOKEN)),
                ..Default::default()
            },
            ..ProviderOptions::default()
        },
    ));
    // Both providers asked, both hanging: the CI/CD pane's GitHub runs, the Incidents pane's
    // PagerDuty incidents.
    press(&mut app, "/order-service<tab>34");
    let deadline = Instant::now() + Duration::from_secs(10);
    while hung.requests().len() < 2 && Instant::now() < deadline {
        app.poll_providers();
        std::thread::sleep(Duration::from_millis(5));
    }
    let asked = hung.requests().len();
    assert!(asked >= 2, "GitHub and PagerDuty were asked: {asked}");
    press(&mut app, "1");
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let keys: Vec<crossterm::event::KeyEvent> = "jjjjkkkk3j1kGg4141/ord<esc>jk"
        .chars()
        .cycle()
        .take(600)
        .map(|c| match c {
            '<' | 'e' | 's' | 'c' | '>' => {
                crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Esc)
            }
            c => crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c)),
        })
        .collect();
    let mut times = Vec::with_capacity(keys.len());
    for key in keys {
        let started = Instant::now();
        app.handle_key(key);
        app.poll_providers();
        terminal
            .draw(|frame| greenroom::tui::ui::draw(frame, &app))
            .unwrap();
        times.push(started.elapsed());
    }
    assert!(
        app.providers.as_ref().is_some_and(|p| p.in_flight() > 0),
        "the request was still hanging while the keys were measured"
    );
    assert_eq!(
        hung.requests().len(),
        asked,
        "nothing piled up behind the hang (the keys switched to both panes 100 times)"
    );
    press(&mut app, "1<esc>/order-service<tab>");
    assert_eq!(selected_name(&app), "order-service", "keys still applied");
    times.sort();
    println!(
        "key-to-frame under a hung provider ({} keys, 160x48, {} build): p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
}

/// The CI/CD pane shows the last good runs with the error of the refresh that failed: a server
/// that answers once, then hangs (the client times out at 300 ms).
#[test]
fn the_pane_keeps_the_last_good_runs_and_shows_the_error() {
    use support::tui::{demo, frame, press};
    let hang = Arc::new(AtomicBool::new(false));
    let hanging = hang.clone();
    let server = TestServer::start(move |_| {
        if hanging.load(Ordering::SeqCst) {
            Reply::Hang
        } else {
            Reply::json(200, &support::github::sample_runs())
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let mut app = demo();
    app.connect(ProviderHandle::start_with(
        github(&server.url()),
        ProviderOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            http: Options {
                timeout: Duration::from_millis(300),
                ..Options::default()
            },
            ..ProviderOptions::default()
        },
    ));
    press(&mut app, "/order-service<tab>3");
    let key = "component:default/order-service";
    let wait_until =
        |app: &mut greenroom::tui::App, what: &str, done: &dyn Fn(&greenroom::tui::App) -> bool| {
            let deadline = Instant::now() + Duration::from_secs(10);
            while !done(app) && Instant::now() < deadline {
                app.poll_providers();
                std::thread::sleep(Duration::from_millis(10));
            }
            assert!(done(app), "{what}");
        };
    wait_until(&mut app, "the first runs", &|app| {
        app.cicd
            .state(key)
            .is_some_and(|s| s.runs.is_some() && !s.loading)
    });
    hang.store(true, Ordering::SeqCst);
    press(&mut app, "<c-r>");
    wait_until(&mut app, "the refresh's error", &|app| {
        app.cicd
            .state(key)
            .is_some_and(|s| s.error.is_some() && !s.loading)
    });
    let screen = frame(&app);
    assert!(screen.contains("Last error"), "{screen}");
    assert!(
        screen.contains("timed out") || screen.contains("did not answer"),
        "{screen}"
    );
    assert!(
        screen.contains("Fix flaky payment test"),
        "last good runs kept:\n{screen}"
    );
    assert!(!screen.contains(GITHUB_TOKEN));
}
