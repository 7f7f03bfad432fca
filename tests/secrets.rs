//! Planted secrets never come out: distinctive GitHub, PagerDuty, Backstage and AWS credentials
//! (from the environment and from the config file) go into every subcommand `--help` lists, with
//! `--verbose`, in text and JSON, against loopback servers that answer well and servers that fail
//! while echoing every header they were sent back in their bodies; then into the TUI (every
//! section drawn through `TestBackend`, providers connected). stdout, stderr, every frame, the
//! providers' request log and every file under the cache and config folders are searched for
//! each secret: none may be found. The files greenroom wrote are 0600, and a config holding a token
//! that others can read gets a warning.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::binary::{self, contains, files_under, Run};
use support::catalog::{documents, payment_service_on_github_and_pagerduty, team, user_entity};
use support::github::FakeGitHub;
use support::http_server::{Recorded, Reply, TestServer};
use support::pagerduty::{incident, service, FakePagerDuty};

const GITHUB_TOKEN: &str = "ghp_PLANTEDgithub0123456789abcdefSECRET1";
const PAGERDUTY_TOKEN: &str = "pdPLANTEDpagerduty0123456789SECRET2";
const BACKSTAGE_TOKEN: &str = "bsPLANTEDbackstage0123456789SECRET3";
const AWS_ACCESS_KEY_ID: &str = "AKIAPLANTEDSECRET4XYZ";
const AWS_SECRET_ACCESS_KEY: &str = "awsPLANTEDsecretKey/0123456789+SECRET5";
const AWS_SESSION_TOKEN: &str = "awsPLANTEDsession0123456789SECRET6";

const SECRETS: [&str; 6] = [
    GITHUB_TOKEN,
    PAGERDUTY_TOKEN,
    BACKSTAGE_TOKEN,
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN,
];

/// Fails with where a secret was found; a secret's distinctive middle counts too (a token cut or
/// wrapped in an error message).
fn assert_clean(place: &str, bytes: &[u8]) {
    for secret in SECRETS {
        let middle = &secret[4..secret.len() - 4];
        assert!(
            !contains(bytes, secret) && !contains(bytes, middle),
            "secret {secret:?} found in {place}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// One service on GitHub and PagerDuty, its team and a user.
fn catalog() -> String {
    documents(&[
        payment_service_on_github_and_pagerduty(),
        team("payments"),
        user_entity("alice", "alice@example.com", "payments"),
    ])
}

/// A server that fails every request and echoes back everything it was sent, headers included
/// (as misconfigured proxies and verbose error pages do).
fn echoing(status: u16) -> TestServer {
    TestServer::start(move |request: &Recorded| {
        let headers: Vec<String> = request
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        let echo = format!(
            "{} {} {}",
            request.method,
            request.target,
            headers.join("; ")
        );
        Reply::json(
            status,
            &serde_json::json!({
                "message": echo,
                "error": { "message": echo, "code": 2001 },
                "__type": "UnrecognizedClientException",
            }),
        )
        .header("x-echo", echo.replace(['\r', '\n'], " "))
    })
}

/// The folders one run writes into: HOME (so the platform config and cache folders), the cache
/// folder, and the config file, all under one temporary folder.
struct Home {
    root: tempfile::TempDir,
}

impl Home {
    fn new(config_mode: u32) -> Home {
        let home = Home {
            root: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(home.catalog()).unwrap();
        std::fs::write(home.catalog().join("catalog-info.yaml"), catalog()).unwrap();
        std::fs::create_dir_all(home.config().parent().unwrap()).unwrap();
        std::fs::write(
            home.config(),
            format!(
                "[pagerduty]\ntoken = \"{PAGERDUTY_TOKEN}\"\nfrom_email = \"alice@example.com\"\n\n[backstage]\ntoken = \"{BACKSTAGE_TOKEN}\"\n"
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(home.config(), std::fs::Permissions::from_mode(config_mode))
                .unwrap();
        }
        home
    }

    fn catalog(&self) -> std::path::PathBuf {
        self.root.path().join("catalog")
    }

    fn config(&self) -> std::path::PathBuf {
        self.root.path().join("home/.config/greenroom/config.toml")
    }

    fn cache(&self) -> std::path::PathBuf {
        self.root.path().join("cache")
    }

    /// Runs greenroom with every secret planted and every service at `api(service)`.
    fn run(&self, api: &dyn Fn(&str) -> String, args: &[&str]) -> Run {
        let mut command = binary::command(&self.cache(), &self.config());
        command
            .arg("--catalog")
            .arg(self.catalog())
            .args(args)
            .current_dir(self.root.path())
            .env("HOME", self.root.path().join("home"))
            .env("XDG_CONFIG_HOME", self.root.path().join("home/.config"))
            .env("XDG_CACHE_HOME", self.root.path().join("home/.cache"))
            .env("GITHUB_TOKEN", GITHUB_TOKEN)
            .env("GITHUB_API_URL", api("github"))
            .env("PAGERDUTY_API_URL", api("pagerduty"))
            .env("PAGERDUTY_EVENTS_URL", api("pagerduty-events"))
            .env("BACKSTAGE_URL", api("backstage"))
            .env("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET_ACCESS_KEY)
            .env("AWS_SESSION_TOKEN", AWS_SESSION_TOKEN)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", api("aws"))
            .env("GREENROOM_HTTP_TIMEOUT_MS", "2000")
            .env("GREENROOM_HTTP_RETRIES", "1")
            .env("GREENROOM_HTTP_MAX_WAIT_MS", "50");
        binary::execute(&mut command)
    }

    /// Every file under the folder (cache, HOME, config), searched and, when greenroom wrote it,
    /// checked to be 0600.
    fn assert_files_clean(&self) -> usize {
        let files = files_under(self.root.path());
        for (path, bytes) in &files {
            if path.ends_with("config.toml") {
                continue; // the user's own file, holding the planted tokens on purpose
            }
            assert_clean(path, bytes);
            #[cfg(unix)]
            if path.starts_with(&self.cache().display().to_string()) {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{path}");
            }
        }
        files.len()
    }
}

/// The subcommands `greenroom --help` lists, each with the arguments that make it do its work
/// here; one not known to this test runs bare and on `payment-service`.
fn subcommand_runs(home: &Home) -> Vec<Vec<String>> {
    let help = home.run(&|_| "http://127.0.0.1:9".into(), &["--help"]);
    let names: Vec<String> = help
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(String::from)
        .collect();
    assert!(names.len() >= 9, "{}", help.stdout);
    let mut runs = Vec::new();
    for name in names {
        let specific: Vec<Vec<&str>> = match name.as_str() {
            "validate" => vec![vec![]],
            "list" => vec![vec![]],
            "show" | "deps" | "who" | "ci" => vec![vec!["payment-service"]],
            "search" => vec![vec!["payment"]],
            "incidents" => vec![vec![], vec!["payment-service"]],
            "template" => vec![vec!["list"]],
            _ => vec![vec![], vec!["payment-service"]],
        };
        let help = home.run(&|_| "http://127.0.0.1:9".into(), &[&name, "--help"]);
        let json = help.stdout.contains("--format");
        for args in specific {
            let mut base = vec!["--verbose".to_string(), name.clone()];
            base.extend(args.iter().map(|a| a.to_string()));
            if json {
                let mut with_json = base.clone();
                with_json.extend(["--format".to_string(), "json".to_string()]);
                runs.push(with_json);
            }
            runs.push(base);
        }
    }
    runs
}

#[test]
fn no_planted_secret_reaches_output_logs_errors_frames_or_files() {
    let github = FakeGitHub::with_sample_runs("myorg/payment-service");
    let pagerduty = FakePagerDuty::start();
    pagerduty.add_services(vec![service(
        "PPAYMNT",
        "Payment Service",
        ("PEPAY01", "Payments Escalation"),
        None,
    )]);
    pagerduty.add_incidents(vec![incident(
        "Q1",
        101,
        "Checkout is down",
        "triggered",
        "high",
        ("PPAYMNT", "Payment Service"),
        ("PEPAY01", "Payments Escalation"),
        5,
    )]);
    let backstage = TestServer::start(|_| Reply::json(200, &serde_json::json!({"items": []})));
    let aws = TestServer::start(|_| Reply::json(200, &serde_json::json!({"ResultsByTime": []})));
    let good = |service: &str| match service {
        "github" => github.url(),
        "pagerduty" | "pagerduty-events" => pagerduty.url(),
        "backstage" => backstage.url(),
        _ => aws.url(),
    };
    let unauthorized = echoing(401);
    let broken = echoing(500);

    let home = Home::new(0o600);
    let runs = subcommand_runs(&home);
    let mut count = 0;
    for (servers, api) in [
        ("good", &good as &dyn Fn(&str) -> String),
        ("401 echoing", &|_: &str| unauthorized.url()),
        ("500 echoing", &|_: &str| broken.url()),
    ] {
        for args in &runs {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = home.run(api, &args);
            let place = format!("{args:?} against {servers} servers (exit {})", run.code);
            assert!(
                !run.stderr.contains("panicked"),
                "{place}: a panic:\n{}",
                run.stderr
            );
            assert_clean(&format!("stdout of {place}"), run.stdout.as_bytes());
            assert_clean(&format!("stderr of {place}"), run.stderr.as_bytes());
            count += 1;
        }
    }
    // The echoing servers were asked, with the token, and sent it back: redaction was tested.
    for server in [&unauthorized, &broken] {
        assert!(server
            .requests()
            .iter()
            .any(|r| r.headers.iter().any(|(_, v)| v.contains(GITHUB_TOKEN))));
    }
    assert!(github.requests().len() + pagerduty.requests().len() > 0);
    let files = home.assert_files_clean();
    println!(
        "secrets: {count} runs of {} subcommand invocations, {files} files searched, 0 secrets found",
        runs.len()
    );
}

#[test]
fn the_tui_never_draws_a_secret() {
    use greenroom::config::Config;
    use greenroom::providers::http::Log;
    use greenroom::providers::ProviderHandle;
    use greenroom::tui::{self, keymap::Keymap, panes::ProviderEnv, theme::Theme, App};
    use support::tui::{frame_at, press};

    let unauthorized = echoing(401);
    let home = Home::new(0o600);
    // The TUI reads the same environment the binary does; this test binary's other test only
    // passes it to child processes.
    for (name, value) in [
        ("GITHUB_TOKEN", GITHUB_TOKEN.to_string()),
        ("GITHUB_API_URL", unauthorized.url()),
        ("PAGERDUTY_API_URL", unauthorized.url()),
        ("BACKSTAGE_URL", unauthorized.url()),
        ("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY_ID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", AWS_SECRET_ACCESS_KEY.to_string()),
        ("AWS_SESSION_TOKEN", AWS_SESSION_TOKEN.to_string()),
        ("AWS_ENDPOINT_URL", unauthorized.url()),
        ("GREENROOM_CACHE_DIR", home.cache().display().to_string()),
        ("GREENROOM_HTTP_RETRIES", "0".to_string()),
    ] {
        std::env::set_var(name, value);
    }
    let loaded = Config::load(Some(&home.config())).unwrap();
    assert_clean(
        "the config's Debug form",
        format!("{:?}", loaded.config).as_bytes(),
    );
    let config = loaded.config;
    let catalog = greenroom::catalog::load::load_paths(&[home.catalog()]).catalog;
    let index = greenroom::search::entities::index(&catalog);
    let mut app = App::new(
        "secrets".into(),
        false,
        Keymap::default(),
        Theme::default(),
        ProviderEnv::detect(&config),
    );
    app.on_loaded(tui::LoadResult::fresh(
        tui::action::Data::new(catalog, index),
        Vec::new(),
        Duration::ZERO,
    ));
    app.dispatch(tui::Action::Resize(160, 48));
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    app.connect(ProviderHandle::start(
        &config,
        Log::To(Arc::new(move |line| sink.lock().unwrap().push(line))),
    ));
    press(&mut app, "/payment-service<tab>");
    let mut frames = 0;
    for keys in [
        "<enter>", "<esc>3", "4", "5", "6", "7", "8", "9", "0", "1", "?", "<esc>",
    ] {
        press(&mut app, keys);
        // Let the providers answer (with errors echoing the token) before drawing.
        let deadline = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < deadline {
            app.poll_providers();
            if app.providers.as_ref().is_some_and(|p| p.in_flight() == 0) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        app.poll_providers();
        let screen = frame_at(&app, 160, 48);
        assert_clean(&format!("the frame after {keys:?}"), screen.as_bytes());
        frames += 1;
    }
    assert!(
        !unauthorized.requests().is_empty(),
        "the providers asked the echoing server"
    );
    for line in log.lock().unwrap().iter() {
        assert_clean("the providers' request log", line.as_bytes());
    }
    let files = home.assert_files_clean();
    println!("secrets: {frames} TUI frames, {files} files searched, 0 secrets found");
}

#[cfg(unix)]
#[test]
fn a_config_holding_a_token_that_others_can_read_gets_a_warning() {
    let nowhere = |_: &str| "http://127.0.0.1:9".to_string();
    let open = Home::new(0o644);
    let run = open.run(&nowhere, &["list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has_all(&["holds a token and is readable by others", "chmod 600"]);
    assert_clean("the warning", run.stderr.as_bytes());
    let private = Home::new(0o600);
    let run = private.run(&nowhere, &["list"]);
    assert!(!run.stderr.contains("readable by others"), "{}", run.stderr);
}
