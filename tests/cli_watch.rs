//! `--watch` as a user runs it: `greenroom validate --watch` and `template test --watch` in a
//! child process, files saved beside it, and Ctrl-C (SIGINT) to stop, which exits with the last
//! run's code. Each wait is generous; the latency figures live in `benches/edit_loop.rs`.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Child;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};
use support::binary;

struct Watching {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(dir: &Path, cache: &Path, args: &[&str]) -> Watching {
        // One pipe for stdout and stderr, so lines arrive in the order they were written.
        let (reader, writer) = std::io::pipe().unwrap();
        let child = binary::in_folder(cache, dir)
            .args(args)
            .stdout(writer.try_clone().unwrap())
            .stderr(writer)
            .spawn()
            .unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line that holds `needle`; returns the lines up to it.
    #[track_caller]
    fn expect(&mut self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut lines = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.seen.push(line.clone());
                let done = line.contains(needle);
                lines.push(line);
                if done {
                    return lines;
                }
            }
        }
        panic!(
            "{needle:?} not seen in time; output:\n{}",
            self.seen.join("\n")
        );
    }

    /// Ctrl-C; the exit code.
    fn interrupt(mut self) -> i32 {
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("an exit code, not a signal");
            }
            assert!(Instant::now() < deadline, "still running after Ctrl-C");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn component(name: &str, extra: &str) -> String {
    format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n{extra}")
}

#[test]
fn validate_watch_prints_what_each_save_changed_and_exits_with_the_last_code() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog-info.yaml");
    let team = "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n";
    std::fs::write(&file, component("web", team)).unwrap();
    let mut watching = Watching::start(dir.path(), cache.path(), &["validate", "--watch", "."]);
    watching.expect("2 entities, 0 errors, 0 warnings");
    watching.expect("watching for saves");

    // A dangling owner: one new warning.
    std::fs::write(
        &file,
        component("web", team).replace("owner: team", "owner: nobody"),
    )
    .unwrap();
    let lines = watching.expect("2 entities, 0 errors, 1 warnings");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("+ catalog-info.yaml:") && l.contains("group:default/nobody")),
        "{lines:?}"
    );
    // Fixed, and a new error elsewhere (a second file).
    std::fs::write(&file, component("web", team)).unwrap();
    let lines = watching.expect("2 entities, 0 errors, 0 warnings");
    assert!(
        lines.iter().any(|l| l.starts_with("- catalog-info.yaml:")),
        "{lines:?}"
    );
    std::fs::create_dir(dir.path().join("api")).unwrap();
    std::fs::write(
        dir.path().join("api/catalog-info.yaml"),
        component("api", "").replace("  type: service\n", ""),
    )
    .unwrap();
    let lines = watching.expect("2 entities, 1 errors, 0 warnings");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("+ api/catalog-info.yaml:") && l.contains("error")),
        "{lines:?}"
    );
    assert_eq!(watching.interrupt(), 1, "the last run had an error");
}

const TEMPLATE: &str = "apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hello
spec:
  owner: team
  type: service
  parameters:
    - title: Name
      properties:
        name:
          type: string
  steps:
    - id: fetch
      name: Fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
";

#[test]
fn template_test_watch_tests_again_after_each_save_of_the_skeleton() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("catalog/template.yaml", TEMPLATE);
    write("catalog/skeleton/README.md", "# ${{ values.name }}\n");
    write("values.yaml", "name: demo\n");
    let mut watching = Watching::start(
        dir.path(),
        cache.path(),
        &[
            "--catalog",
            "catalog",
            "template",
            "test",
            "hello",
            "--values",
            "values.yaml",
            "--snapshot",
            "snap",
            "--watch",
        ],
    );
    watching.expect("Wrote the snapshot of template:default/hello (2 files)");
    watching.expect("watching for saves");

    write(
        "catalog/skeleton/README.md",
        "# ${{ values.name }} service\n",
    );
    watching.expect("no longer renders as its snapshot");
    write("values.yaml", "name: demo service\n");
    watching.expect("no longer renders as its snapshot");
    write("catalog/skeleton/README.md", "# ${{ values.name }}\n");
    write("values.yaml", "name: demo\n");
    watching.expect("renders as its snapshot snap (2 files)");
    assert_eq!(watching.interrupt(), 0, "the last run matched");
}
