//! End to end in a real terminal: the greenroom binary in tmux at 160x48 on a small generated
//! catalog: `/` filters to a name, Enter opens it, `?` shows help, `q` quits with exit code 0 and
//! the terminal back on the normal screen. Skipped (with the reason printed) without tmux.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("running tmux")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Polls the screen until `predicate` holds, or fails with the last screen.
    fn wait_for(&self, what: &str, predicate: impl Fn(&str) -> bool) -> String {
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
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn write_catalog(dir: &Path) {
    for i in 0..120 {
        let name = format!("svc-{i:03}");
        let sub = dir.join(&name);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join("catalog-info.yaml"),
            format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-{}\n",
                i % 4
            ),
        )
        .unwrap();
    }
    let mut groups = String::new();
    for t in 0..4 {
        groups.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{t}\nspec:\n  type: team\n  children: []\n"
        ));
    }
    groups.push_str(
        "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout-ledger\n  description: Double-entry ledger for checkout\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-1\n  dependsOn: [component:svc-007]\n",
    );
    std::fs::write(dir.join("catalog-info.yaml"), groups).unwrap();
}

#[test]
fn filter_open_help_and_quit_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        // CI sets GREENROOM_REQUIRE_PEERS so that this test cannot silently skip there.
        assert!(
            std::env::var_os("GREENROOM_REQUIRE_PEERS").is_none(),
            "tmux is required (GREENROOM_REQUIRE_PEERS is set)"
        );
        println!("skipped: tmux is not installed");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let catalog = work.path().join("catalog");
    write_catalog(&catalog);
    let cache = work.path().join("cache");
    let binary = env!("CARGO_BIN_EXE_greenroom");
    let tmux = Tmux {
        socket: format!("greenroom-e2e-{}", std::process::id()),
    };
    // The command's exit code is printed after it, on the normal screen.
    let command = format!(
        "GREENROOM_CACHE_DIR='{}' GREENROOM_CONFIG=/dev/null '{binary}' --catalog '{}'; echo \"EXIT=$?\"; sleep 600",
        cache.display(),
        catalog.display()
    );
    let started = tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "160",
        "-y",
        "48",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );

    // Each wait names everything expected on that screen: a capture can catch a frame half drawn.
    tmux.wait_for("the catalog", |s| {
        s.contains("125 entities")
            && s.contains("svc-000")
            && s.contains("1 Catalog")
            && s.contains("8 Problems")
    });

    tmux.keys(&["/"]);
    tmux.keys(&["-l", "checkout-ledg"]);
    tmux.wait_for("the filtered list", |s| {
        s.contains("/checkout-ledg") && s.contains("1 match") && !s.contains("svc-000")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        "the entity page with its description and its dependsOn relation",
        |s| {
            s.contains("component:default/checkout-ledger")
                && s.contains("Double-entry ledger for checkout")
                && s.contains("dependsOn (1)")
                && s.contains("component:default/svc-007")
        },
    );

    tmux.keys(&["?"]);
    tmux.wait_for("help listing the entity page's bindings", |s| {
        s.contains("Help: Entity page")
            && s.contains("app.quit")
            && s.contains("entity.open")
            && s.contains("rebind in config.toml")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("help to close", |s| !s.contains("Help: Entity page"));

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the exit code", |s| {
        s.contains("EXIT=") && s.trim_end().ends_with(|c: char| c.is_ascii_digit())
    });
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        !screen.contains("1 Catalog"),
        "the TUI is gone from the normal screen:\n{screen}"
    );
    let alternate = tmux.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
    assert_eq!(
        String::from_utf8_lossy(&alternate.stdout).trim(),
        "0",
        "left the alternate screen"
    );
}
