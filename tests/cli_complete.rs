//! Dynamic completion (`source <(COMPLETE=bash greenroom)`): the shell runs the binary with
//! `COMPLETE` set and the words typed, and entity references come from the catalog the commands
//! would read (here the demo: an empty folder with no config).

mod support;

use support::binary::{execute, in_folder};

/// Asks the binary for the completions of `words` (the command line typed so far) as fish
/// does: one candidate a line, its help after a tab.
fn complete(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let run = execute(
        in_folder(&cache, dir.path())
            .env("COMPLETE", "fish")
            .arg("--")
            .arg("greenroom")
            .args(words),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.lines().map(str::to_string).collect()
}

#[test]
fn entity_refs_complete_from_the_catalog() {
    let shown = complete(&["show", "order-se"]);
    assert_eq!(shown, ["order-service\tComponent"]);
    // A kind typed: kind:name forms, with their titles.
    let groups = complete(&["who", "group:order"]);
    assert!(
        groups.contains(&"group:order-team\tGroup · Order Team".to_string()),
        "{groups:?}"
    );
    // Optional references and `open` complete too; subcommands still complete as before.
    let scored = complete(&["score", "payment-serv"]);
    assert_eq!(scored, ["payment-service\tComponent · Payment Service"]);
    assert!(complete(&["open", "storefront-w"])
        .iter()
        .any(|c| c.starts_with("storefront-web")));
    assert!(complete(&["sh"]).iter().any(|c| c.starts_with("show")));
}

/// The script to source names the binary and calls it back with COMPLETE.
#[test]
fn the_registration_script_for_bash() {
    let dir = tempfile::tempdir().unwrap();
    let run = execute(in_folder(dir.path(), dir.path()).env("COMPLETE", "bash"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("complete -o nospace"), "{}", run.stdout);
    assert!(run.stdout.contains("COMPLETE=\"bash\""), "{}", run.stdout);
}
