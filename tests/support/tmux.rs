//! Driving the greenroom binary in a real terminal: a tmux server of the test's own with one
//! session `e2e`, keys sent to it, its screen captured and waited on until it shows what a test
//! expects.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server on a socket of its own, killed when dropped.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts the server `greenroom-<name>-<pid>` with the detached session `e2e`,
    /// `width`x`height`, running `command`.
    pub fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: format!("greenroom-{name}-{}", std::process::id()),
        };
        let (width, height) = (width.to_string(), height.to_string());
        let started = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width,
            "-y",
            &height,
            command,
        ]);
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
        tmux
    }

    /// Runs a tmux command against this server.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("running tmux")
    }

    /// The screen as text.
    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// A tmux format (`#{alternate_on}`, `#{cursor_flag}`...) of the session's pane.
    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["display-message", "-p", "-t", "e2e", format])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// Sends keys by their tmux names (`Enter`, `C-n`, `q`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Types `text` as it is, no key names.
    pub fn type_text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    /// Polls the screen until `predicate` holds, or fails with the last screen.
    pub fn wait_for(&self, what: &str, predicate: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if predicate(&screen) {
                return screen;
            }
            if started.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process the pane's shell started (greenroom), once it runs.
    pub fn child_pid(&self) -> u32 {
        let shell = self.display("#{pane_pid}");
        let children = format!("/proc/{shell}/task/{shell}/children");
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(&children).unwrap_or_default();
            if let Some(pid) = text.split_whitespace().next().and_then(|p| p.parse().ok()) {
                return pid;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "greenroom did not start"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Presses `q` and waits for the `EXIT=<code>` line that [`greenroom_then_exit_code`] prints,
    /// which must say 0: the screen then.
    #[track_caller]
    pub fn quit(&self) -> String {
        self.keys(&["q"]);
        let screen = self.wait_for("the exit code", |s| {
            s.contains("EXIT=") && s.trim_end().ends_with(|c: char| c.is_ascii_digit())
        });
        assert!(screen.contains("EXIT=0"), "{screen}");
        screen
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// A temporary folder for a test in tmux, or none when tmux is not installed (see [`available`]).
pub fn work_folder() -> Option<tempfile::TempDir> {
    available().then(|| tempfile::tempdir().unwrap())
}

/// Whether tmux is installed; a test without it skips, except in CI, which sets
/// GREENROOM_REQUIRE_PEERS so that these tests cannot silently skip there.
pub fn available() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("GREENROOM_REQUIRE_PEERS").is_none(),
        "tmux is required (GREENROOM_REQUIRE_PEERS is set)"
    );
    println!("skipped: tmux is not installed");
    false
}

/// The shell command for a session: greenroom run with `args` (already quoted for the shell) in
/// `cwd`, with `env` (`NAME=value ...`, possibly empty) before its cache folder and no config;
/// then its exit code printed as `EXIT=<code>` on the normal screen, and the pane kept open.
pub fn greenroom_then_exit_code(cwd: Option<&Path>, env: &str, cache: &Path, args: &str) -> String {
    let binary = env!("CARGO_BIN_EXE_greenroom");
    let cd = cwd.map_or(String::new(), |dir| format!("cd '{}' && ", dir.display()));
    let env = if env.is_empty() {
        String::new()
    } else {
        format!("{env} ")
    };
    format!(
        "{cd}{env}GREENROOM_CACHE_DIR='{}' GREENROOM_CONFIG=/dev/null '{binary}' {args}; echo \"EXIT=$?\"; sleep 600",
        cache.display()
    )
}
