//! Conformance: greenroom's verdict on every YAML document of `tests/conformance/corpus` against
//! Backstage's own validation code (`tests/conformance/backstage-validate.mjs`, see the README
//! there).
//!
//! Backstage's verdicts come from running the peer with node when node and
//! `tests/conformance/node_modules` (`npm ci` there) are present, and the saved
//! `expected.jsonl` otherwise; when the peer runs, its output must also equal `expected.jsonl`,
//! so the saved file cannot go stale.
//!
//! Per (file, document), compared: the document exists on both sides (same numbering, empty
//! documents included); valid (no error-severity problem) or not; when both reject it, the stage
//! of the first error (the same rule fired); and every problem lies inside its document's lines.
//! Any difference fails the test after all of them are printed.
//!
//! Two environment variables help when working on it: `GREENROOM_CONFORMANCE_SAVED=1` uses
//! `expected.jsonl` even where node is present (the path taken on machines without node), and
//! `GREENROOM_CONFORMANCE_CORPUS=<folder>` compares on another folder of catalog files (the peer
//! must run; nothing is compared with `expected.jsonl`), to try cases before adding them.
//!
//! The only allowed differences are listed in [`EXCEPTIONS`], one document each, with the reason,
//! and each is checked to still be what it says (Backstage rejects it for the reason given, and
//! greenroom loads it with the warning given); an exception that no longer applies fails too.

use greenroom::catalog::document::{read_documents, DocumentOutcome};
use greenroom::catalog::Severity;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// The unknown-kind rule (see `src/catalog/validate.rs`): an entity whose (kind, apiVersion) pair
/// no builtin validator claims is rejected by Backstage ("No processor recognized the entity …
/// as valid, possibly caused by a foreign kind or apiVersion"), and loaded by greenroom as a
/// generic entity with a warning, because Backstage allows custom kinds (an organisation adds a
/// processor for them) and greenroom cannot see an organisation's processors.
const UNKNOWN_KIND: &str = "unknown kind or apiVersion: Backstage rejects it, greenroom loads a generic entity with a warning";

/// Documents on which greenroom deliberately differs from Backstage: (file, document, reason).
const EXCEPTIONS: &[(&str, usize, &str)] = &[
    ("invalid/kind/ai-resource-not-default.yaml", 0, UNKNOWN_KIND), // AiResource: only the opt-in ModelProcessor
    ("invalid/kind/apiversion-no-prefix.yaml", 0, UNKNOWN_KIND), // Component with apiVersion v1alpha1
    ("invalid/kind/apiversion-v1.yaml", 0, UNKNOWN_KIND),        // Component with backstage.io/v1
    ("invalid/kind/kind-lowercase.yaml", 0, UNKNOWN_KIND),       // kind: component
    (
        "invalid/kind/template-backstage-apiversion.yaml",
        0,
        UNKNOWN_KIND,
    ), // Template with backstage.io/v1beta3
    ("invalid/kind/template-v1beta2.yaml", 0, UNKNOWN_KIND), // Template scaffolder.backstage.io/v1beta2
    ("invalid/kind/unknown-kind.yaml", 0, UNKNOWN_KIND),     // kind: Widget
];

#[derive(Debug)]
struct Peer {
    valid: bool,
    error: String,
    stage: Option<String>,
    empty: bool,
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// The folder of catalog files compared, and whether it is the checked-in corpus.
fn corpus_dir() -> (PathBuf, bool) {
    match std::env::var_os("GREENROOM_CONFORMANCE_CORPUS") {
        Some(dir) => (
            std::fs::canonicalize(&dir).expect("GREENROOM_CONFORMANCE_CORPUS"),
            false,
        ),
        None => (conformance_dir().join("corpus"), true),
    }
}

/// Backstage's verdicts, by (file, document), and where they came from.
fn backstage_verdicts() -> (BTreeMap<(String, usize), Peer>, &'static str) {
    let dir = conformance_dir();
    let (corpus, checked_in) = corpus_dir();
    let saved = std::fs::read_to_string(dir.join("expected.jsonl"))
        .expect("tests/conformance/expected.jsonl");
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let use_saved = std::env::var_os("GREENROOM_CONFORMANCE_SAVED").is_some();
    let (text, source) = if !use_saved
        && node_ok
        && dir.join("node_modules/@backstage/catalog-model").is_dir()
    {
        let output = Command::new("node")
            .arg("backstage-validate.mjs")
            .arg(&corpus)
            .current_dir(&dir)
            .output()
            .expect("run node backstage-validate.mjs corpus");
        assert!(
            output.status.success(),
            "the peer failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let live = String::from_utf8(output.stdout).expect("UTF-8 output");
        if !checked_in {
            return (
                parse_verdicts(&live),
                "node backstage-validate.mjs on GREENROOM_CONFORMANCE_CORPUS",
            );
        }
        if live != saved {
            let differing: Vec<String> = live
                .lines()
                .zip(saved.lines())
                .filter(|(a, b)| a != b)
                .take(5)
                .map(|(a, b)| format!("  peer:  {a}\n  saved: {b}"))
                .collect();
            panic!(
                "tests/conformance/expected.jsonl is stale: the peer prints something else ({} vs {} lines); run `npm run expected` in tests/conformance and review the diff\n{}",
                live.lines().count(),
                saved.lines().count(),
                differing.join("\n")
            );
        }
        (
            live,
            "node backstage-validate.mjs (live; expected.jsonl matches it)",
        )
    } else {
        assert!(
            checked_in,
            "GREENROOM_CONFORMANCE_CORPUS needs node and tests/conformance/node_modules"
        );
        println!("note: node or tests/conformance/node_modules missing (`npm ci` in tests/conformance), or GREENROOM_CONFORMANCE_SAVED set: using the saved expected.jsonl");
        (saved, "tests/conformance/expected.jsonl (saved)")
    };
    (parse_verdicts(&text), source)
}

fn parse_verdicts(text: &str) -> BTreeMap<(String, usize), Peer> {
    let mut verdicts = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let json: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad peer line {line}: {e}"));
        let file = json["file"].as_str().expect("file").to_string();
        let doc = json["doc"].as_u64().expect("doc") as usize;
        let peer = Peer {
            valid: json["valid"].as_bool().expect("valid"),
            error: json["error"].as_str().unwrap_or_default().to_string(),
            stage: json["stage"].as_str().map(str::to_string),
            empty: json["empty"].as_bool().unwrap_or(false),
        };
        assert!(
            verdicts.insert((file, doc), peer).is_none(),
            "duplicate line {line}"
        );
    }
    verdicts
}

/// Every `*.yaml` file of the corpus, by path relative to it, as the peer lists them.
fn corpus_files(root: &Path) -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "node_modules" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(root, &mut paths);
    let mut files: Vec<(String, PathBuf)> = paths
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                p,
            )
        })
        .collect();
    files.sort();
    files
}

fn first_message(outcome: &DocumentOutcome, severity: Severity) -> String {
    let found = outcome.problems.iter().find(|p| p.severity == severity);
    found.map_or_else(|| "(no problem reported)".to_string(), |p| p.to_string())
}

#[test]
fn greenroom_agrees_with_backstage_on_every_corpus_document() {
    let (peer, source) = backstage_verdicts();
    let (root, checked_in) = corpus_dir();
    let mut ours: BTreeMap<(String, usize), DocumentOutcome> = BTreeMap::new();
    for (relative, path) in corpus_files(&root) {
        let text = std::fs::read_to_string(&path).unwrap();
        let location: Arc<str> = path.display().to_string().into();
        for outcome in read_documents(&location, &text) {
            ours.insert((relative.clone(), outcome.index), outcome);
        }
    }

    let mut mismatches = Vec::new();
    let mut agreed = 0usize;
    let mut stages_agreed = 0usize;
    let mut both_invalid = 0usize;
    let mut excepted = 0usize;
    let keys: std::collections::BTreeSet<&(String, usize)> =
        peer.keys().chain(ours.keys()).collect();
    for key in &keys {
        let (file, doc) = key;
        let (Some(theirs), Some(outcome)) = (peer.get(*key), ours.get(*key)) else {
            mismatches.push(format!(
                "{file} doc {doc}: only {} has this document (the document numbering differs)",
                if peer.contains_key(*key) {
                    "Backstage"
                } else {
                    "greenroom"
                }
            ));
            continue;
        };
        // Every problem of a document is reported inside it.
        for problem in &outcome.problems {
            if !(outcome.lines.0..=outcome.lines.1).contains(&problem.pos.line) {
                mismatches.push(format!(
                    "{file} doc {doc}: problem outside the document's lines {:?}: {problem}",
                    outcome.lines
                ));
            }
        }
        if theirs.empty != outcome.empty {
            mismatches.push(format!(
                "{file} doc {doc}: empty document: Backstage {}, greenroom {}",
                theirs.empty, outcome.empty
            ));
            continue;
        }
        let valid = !outcome.has_error();
        let listed = EXCEPTIONS
            .iter()
            .find(|(f, d, _)| f == file && d == doc)
            .map(|(_, _, reason)| *reason);
        // On another folder (GREENROOM_CONFORMANCE_CORPUS) the unknown-kind rule applies by itself.
        let listed = listed.or(
            (!checked_in && theirs.error.contains("No processor recognized"))
                .then_some(UNKNOWN_KIND),
        );
        if let Some(reason) = listed {
            let holds = !theirs.valid
                && theirs.stage.as_deref() == Some("kind")
                && theirs.error.contains("No processor recognized")
                && valid
                && outcome.entity.is_some()
                && outcome.problems.iter().any(|p| {
                    p.severity == Severity::Warning && p.message.contains("generic entity")
                });
            if holds {
                excepted += 1;
            } else {
                mismatches.push(format!(
                    "{file} doc {doc}: listed exception ({reason}) no longer holds\n    Backstage: valid={} {}\n    greenroom: valid={valid} {:?}",
                    theirs.valid, theirs.error, outcome.problems
                ));
            }
            continue;
        }
        if valid != theirs.valid {
            mismatches.push(format!(
                "{file} doc {doc}: Backstage says {}, greenroom says {}\n    Backstage: {}\n    greenroom: {}",
                if theirs.valid { "valid" } else { "invalid" },
                if valid { "valid" } else { "invalid" },
                if theirs.valid { "(no error)" } else { &theirs.error },
                first_message(outcome, if valid { Severity::Warning } else { Severity::Error }),
            ));
            continue;
        }
        agreed += 1;
        if !valid {
            both_invalid += 1;
            let ours_stage = outcome.failed_at.map(|s| s.as_str());
            if ours_stage == theirs.stage.as_deref() {
                stages_agreed += 1;
            } else {
                mismatches.push(format!(
                    "{file} doc {doc}: both reject it, but not at the same step: Backstage at {:?}, greenroom at {:?}\n    Backstage: {}\n    greenroom: {}",
                    theirs.stage,
                    ours_stage,
                    theirs.error,
                    first_message(outcome, Severity::Error)
                ));
            }
        }
    }
    println!("Backstage's verdicts from: {source}");
    println!(
        "conformance: {agreed}/{} documents agree, {excepted} documented exceptions; the first error is at the same step for {stages_agreed}/{both_invalid} rejected documents",
        keys.len()
    );
    assert!(
        !checked_in || keys.len() > 200,
        "the corpus looks truncated: {} documents",
        keys.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches with Backstage:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(agreed + excepted, keys.len());
}

/// The exceptions name real documents, once each.
#[test]
fn exceptions_are_specific() {
    let root = conformance_dir().join("corpus");
    for (i, (file, doc, _)) in EXCEPTIONS.iter().enumerate() {
        assert!(root.join(file).is_file(), "{file} does not exist");
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            *doc < read_documents(&Arc::from(*file), &text).len(),
            "{file} has no document {doc}"
        );
        assert!(
            !EXCEPTIONS[..i]
                .iter()
                .any(|(f, d, _)| f == file && d == doc),
            "{file} doc {doc} listed twice"
        );
    }
}
