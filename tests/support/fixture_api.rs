//! Recorded vendor answers served from a folder on a [`TestServer`], with the demo's convention:
//! `GET /<service>/<path>` is answered from `<folder>/<service>/<path>.json` (the query string is
//! ignored; a missing file is a 404), and `{{now}}`, `{{now-30h}}`, `{{now+2d}}` (units s, m, h,
//! d) inside the file become RFC 3339 UTC times relative to the moment the server started, so
//! hand-worked figures that depend on "the last 30 days" hold whenever the test runs. One moment
//! for every answer: with the moment of each answer, two times from two answers (a commit and
//! its deployment) were a second apart now and then, and a lead time of exactly 24 h fell into
//! the next band.

use super::binary::{command, execute, Run};
use super::http_server::{Recorded, Reply, TestServer};
use std::path::PathBuf;
use std::process::Command;

pub struct FixtureApi {
    pub server: TestServer,
}

impl FixtureApi {
    /// Serves `tests/fixtures/<folder>/`.
    pub fn start(folder: &str) -> FixtureApi {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(folder);
        let now = chrono::Utc::now();
        let server = TestServer::start(move |req: &Recorded| {
            let path = req.path().trim_start_matches('/');
            let file = root.join(format!("{path}.json"));
            match std::fs::read_to_string(&file) {
                Ok(text) => Reply::bytes(
                    200,
                    "application/json",
                    expand_times(&text, now).into_bytes(),
                ),
                Err(_) => Reply::json(404, &serde_json::json!({ "message": "Not Found" })),
            }
        });
        FixtureApi { server }
    }

    /// The base URL of one service (`http://127.0.0.1:PORT/github`).
    pub fn url(&self, service: &str) -> String {
        format!("{}/{service}", self.server.url())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// Points `command` at this API's GitHub and, with `pagerduty`, its PagerDuty, with tokens.
    pub fn serve(&self, command: &mut Command, pagerduty: bool) {
        command
            .env("GITHUB_TOKEN", "ghp_fixture")
            .env("GITHUB_API_URL", self.url("github"));
        if pagerduty {
            command
                .env("PAGERDUTY_TOKEN", "pd_fixture")
                .env("PAGERDUTY_API_URL", self.url("pagerduty"));
        }
    }
}

/// Runs `greenroom <subcommand> --catalog <fixture>/catalog <args>` with `config` as its config
/// file, a fresh cache, and `more` (the test's API, its environment) applied to the command.
pub fn run_on_fixture(
    subcommand: &str,
    fixture: &str,
    config: &str,
    args: &[&str],
    more: impl FnOnce(&mut Command),
) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("config.toml");
    std::fs::write(&config_file, config).unwrap();
    let mut cmd = command(&dir.path().join("cache"), &config_file);
    cmd.arg(subcommand)
        .args(["--catalog", &format!("{fixture}/catalog")])
        .args(args);
    more(&mut cmd);
    execute(&mut cmd)
}

/// A recorded answer read as it is: `tests/fixtures/<path>` as JSON.
pub fn json_fixture(path: &str) -> serde_json::Value {
    let file = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// Replaces each `{{now±N<unit>}}` by the time it names, `now` being `{{now}}`.
pub fn expand_times(text: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{now") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 5..];
        let end = after.find("}}").expect("a closed placeholder");
        let offset = &after[..end];
        let time = if offset.is_empty() {
            now
        } else {
            let (sign, body) = offset.split_at(1);
            let (number, unit) = body.split_at(body.len() - 1);
            let n: i64 = number.parse().expect("a number in the placeholder");
            let span = match unit {
                "s" => chrono::Duration::seconds(n),
                "m" => chrono::Duration::minutes(n),
                "h" => chrono::Duration::hours(n),
                "d" => chrono::Duration::days(n),
                other => panic!("unit {other} in a placeholder"),
            };
            if sign == "-" {
                now - span
            } else {
                now + span
            }
        };
        out.push_str(&time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

impl FixtureApi {
    /// A config that points GitHub and PagerDuty at this server, plus `extra` TOML.
    pub fn config(&self, extra: &str) -> greenroom::config::Config {
        greenroom::config::Config::parse(&format!(
            "{extra}\n[github]\ntoken = \"ghp_fixture\"\napi_url = \"{}\"\n[pagerduty]\ntoken = \"pd_fixture\"\napi_url = \"{}\"\n",
            self.url("github"),
            self.url("pagerduty")
        ))
        .expect("a valid test config")
    }
}
