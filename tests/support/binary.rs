//! Running the greenroom binary from a test: a hermetic command, its outcome, and what it wrote.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// What a run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Run {
    /// Fails, showing stdout, unless stdout holds `needle`.
    #[track_caller]
    pub fn assert_stdout_has(&self, needle: &str) {
        assert_holds_all(&self.stdout, &[needle]);
    }

    /// Fails, showing stderr, unless stderr holds `needle`.
    #[track_caller]
    pub fn assert_stderr_has(&self, needle: &str) {
        assert_holds_all(&self.stderr, &[needle]);
    }

    /// Fails, naming the first missing one and showing stdout, unless stdout holds every one of
    /// `needles`.
    #[track_caller]
    pub fn assert_stdout_has_all(&self, needles: &[&str]) {
        assert_holds_all(&self.stdout, needles);
    }

    /// Fails, naming the first missing one and showing stderr, unless stderr holds every one of
    /// `needles`.
    #[track_caller]
    pub fn assert_stderr_has_all(&self, needles: &[&str]) {
        assert_holds_all(&self.stderr, needles);
    }
}

/// Fails on the first of `needles` that `text` does not hold, naming it and showing `text`.
#[track_caller]
fn assert_holds_all(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
}

/// The binary with the test's cache folder and config file, no colour, loopback without a proxy,
/// and nothing from the developer's environment (tokens, servers, client settings) that could
/// change what it does; the caller adds its own environment after.
pub fn command(cache: &Path, config: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_greenroom"));
    command
        .env("GREENROOM_CACHE_DIR", cache)
        .env("GREENROOM_CONFIG", config)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        // No AWS profile of the developer's (~/.aws) is found unless the test names one.
        .env("AWS_CONFIG_FILE", cache.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            cache.join("no-aws-credentials"),
        );
    for name in [
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_API_URL",
        "PAGERDUTY_TOKEN",
        "PAGERDUTY_API_URL",
        "PAGERDUTY_EVENTS_URL",
        "BACKSTAGE_URL",
        "BACKSTAGE_TOKEN",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_COST_EXPLORER",
        "GREENROOM_HTTP_TIMEOUT_MS",
        "GREENROOM_HTTP_RETRIES",
        "GREENROOM_HTTP_MAX_WAIT_MS",
    ] {
        command.env_remove(name);
    }
    command
}

/// The binary in `cwd` with the config file `cache/no-config.toml`: empty unless the test wrote
/// one, so a developer's own config cannot change what it does. The caller adds its arguments
/// (or spawns it).
pub fn in_folder(cache: &Path, cwd: &Path) -> Command {
    let config = cache.join("no-config.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    let mut command = command(cache, &config);
    command.current_dir(cwd);
    command
}

/// [`in_folder`] with `args`, run to the end.
pub fn run_in(cache: &Path, cwd: &Path, args: &[&str]) -> Run {
    execute(in_folder(cache, cwd).args(args))
}

/// Runs a command to the end.
pub fn execute(command: &mut Command) -> Run {
    let started = Instant::now();
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("greenroom runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        took: started.elapsed(),
    }
}

/// Every file under `dir`, read: what a run left behind, to search for secrets.
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    found
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
