//! Commands answer from the catalog's snapshot when its fingerprints prove the files unchanged,
//! and always give a cold read's answer: a file changed between two commands is seen by the
//! second. `--offline` answers from the snapshot without looking, and says how old it is.

mod support;

use std::path::Path;
use support::binary::{self, Run};

fn greenroom(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    binary::run_in(cache, dir, args)
}

fn component(name: &str, description: &str) -> String {
    format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: {description}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n")
}

#[test]
fn a_change_between_two_commands_is_seen_and_offline_answers_from_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let file = dir.path().join("svc/catalog-info.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, component("web", "first")).unwrap();

    let show = |args: &[&str]| greenroom(dir.path(), cache.path(), args);
    let first = show(&["--catalog", ".", "show", "web"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    first.assert_stdout_has("first");
    let snapshots = cache.path().join("snapshots");
    assert_eq!(
        std::fs::read_dir(&snapshots)
            .map(|d| d.count())
            .unwrap_or(0),
        1,
        "the first command keeps a snapshot"
    );

    // Unchanged: the same answer (from the snapshot).
    show(&["--catalog", ".", "show", "web"]).assert_stdout_has("first");

    // Changed in place, then a new file in a new folder: each seen by the next command.
    std::fs::write(&file, component("web", "second, longer")).unwrap();
    show(&["--catalog", ".", "show", "web"]).assert_stdout_has("second, longer");
    std::fs::create_dir(dir.path().join("api")).unwrap();
    std::fs::write(
        dir.path().join("api/catalog-info.yaml"),
        component("api", "new"),
    )
    .unwrap();
    let list = show(&["--catalog", ".", "list", "--format", "json"]);
    assert!(list.stdout.contains("\"api\""), "{}", list.stdout);

    // --offline: the snapshot as it is, even when the files moved on, and its age said.
    std::fs::write(&file, component("web", "third, not yet read")).unwrap();
    let offline = show(&["--catalog", ".", "--offline", "show", "web"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    offline.assert_stdout_has("second, longer");
    offline.assert_stderr_has("offline: the catalog as read");
    show(&["--catalog", ".", "show", "web"]).assert_stdout_has("third, not yet read");

    // validate always reads the files.
    std::fs::write(
        &file,
        component("web", "x").replace("  type: service\n", ""),
    )
    .unwrap();
    let validate = show(&["--catalog", ".", "validate"]);
    assert_eq!(validate.code, 1, "{}", validate.stdout);
}

#[test]
fn offline_without_a_snapshot_reads_the_sources_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        component("web", "only"),
    )
    .unwrap();
    let run = greenroom(
        dir.path(),
        cache.path(),
        &["--catalog", ".", "--offline", "show", "web"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("only");
    run.assert_stderr_has("no snapshot of this catalog yet");
}
