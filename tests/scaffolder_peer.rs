//! greenroom's Scaffolder against Backstage's own, on a corpus laid out like a public template
//! collection (`tests/scaffolder-corpus`: a `templates.yaml` Location, `templates/NAME/` with their
//! skeletons and `cases/*.json`, and `skeletons/` shared at the root, reached with `../../`).
//!
//! Every template × case is dry-run by greenroom (`scaffolder::run` with dry-run options, what
//! `greenroom template run --dry-run` does) and by Backstage 4.3.0's
//! `POST /api/scaffolder/v2/dry-run` on the real backend of `tests/backstage-peer` (started once
//! for the whole file). Both must write the same files with the same bytes, or fail at the same
//! step. Backstage's dry-run skips publish/register steps and answers `<example>` for their
//! outputs, so files are compared, not outputs.
//!
//! The dry-run only sees the uploaded files as the template's folder and refuses a `url` that
//! leaves it. For a template that reaches shared skeletons with `../`, the test uploads the
//! corpus root instead and rewrites each relative `url` to the same place seen from the root
//! (`../../skeletons/x` of `templates/a/` becomes `./skeletons/x`; a url that climbs above the
//! root keeps climbing, and is refused there too).
//!
//! The executable bit is not compared: the dry-run's upload carries no file mode
//! (`{path, base64Content}`), so Backstage answers `executable: false` for every file.
//!
//! `snapshots/TEMPLATE/CASE/` under the corpus are `greenroom template test` snapshots of a few
//! cases (those the comparison shows Backstage renders the same); they must stay green.
//!
//! Without node or the installed peer the comparison is skipped with the reason printed; with
//! GREENROOM_REQUIRE_PEERS set (CI) that is a failure.

mod support;

use base64::Engine as _;
use greenroom::scaffolder::run::{self, RunError, RunOptions};
use greenroom::scaffolder::Template;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::backstage::{post_json, scaffolder_missing, Peer};
use support::binary;
use support::provider::runtime;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scaffolder-corpus")
}

/// The templates the corpus's Location lists, as folder names under `templates/`.
fn listed_templates() -> Vec<String> {
    let text = std::fs::read_to_string(corpus().join("templates.yaml")).unwrap();
    let location: Value = serde_yaml::from_str(&text).unwrap();
    location["spec"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let target = t.as_str().unwrap();
            target
                .strip_prefix("./templates/")
                .and_then(|t| t.strip_suffix("/template.yaml"))
                .unwrap_or_else(|| panic!("{target} is not ./templates/NAME/template.yaml"))
                .to_string()
        })
        .collect()
}

/// One value file: `values`, and `secrets` when the template reads any.
struct Case {
    name: String,
    values: Value,
    secrets: Map<String, Value>,
}

fn cases(template: &str) -> Vec<Case> {
    let dir = corpus().join("templates").join(template).join("cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no cases", dir.display());
    files
        .into_iter()
        .map(|path| {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            Case {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                values: case["values"].clone(),
                secrets: case["secrets"].as_object().cloned().unwrap_or_default(),
            }
        })
        .collect()
}

/// What a dry-run did: the files it would write, or the step it failed at (and why).
#[derive(Debug)]
enum Outcome {
    Files(BTreeMap<String, Vec<u8>>),
    Failed { step: String, message: String },
}

fn greenroom_dry_run(dir: &Path, case: &Case) -> Outcome {
    let text = std::fs::read_to_string(dir.join("template.yaml")).unwrap();
    let template = Template::from_yaml(&text, Some(dir.to_path_buf()))
        .unwrap()
        .with_source_roots(&[corpus().join("templates.yaml")]);
    let runtime = runtime();
    let options = RunOptions {
        dry_run: true,
        ..RunOptions::default()
    };
    match runtime.block_on(run::run(
        &template,
        &case.values,
        &case.secrets,
        &options,
        |_| {},
    )) {
        Ok(result) => Outcome::Files(result.files.into_iter().collect()),
        Err(RunError::Step { step, message }) => Outcome::Failed { step, message },
        Err(other) => Outcome::Failed {
            step: "(before any step)".into(),
            message: other.to_string(),
        },
    }
}

/// Files under `root` as the dry-run uploads them: relative paths, base64 contents.
fn directory_contents(root: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push(json!({
                "path": rel,
                "base64Content": base64::engine::general_purpose::STANDARD.encode(std::fs::read(&path).unwrap()),
            }));
        }
    }
    out
}

/// `folder/url` with `.` and `..` resolved as text; `..` above the start is kept.
fn join_lexically(folder: &str, url: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in folder.split('/').chain(url.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("./{}", parts.join("/"))
}

/// The template as JSON for the dry-run, and the files to upload with it: its folder, or the
/// corpus root with relative fetch urls rewritten when a step reaches above the folder.
fn backstage_request(name: &str) -> (Value, Vec<Value>) {
    let dir = corpus().join("templates").join(name);
    let text = std::fs::read_to_string(dir.join("template.yaml")).unwrap();
    let mut template: Value = serde_yaml::from_str(&text).unwrap();
    let steps = template["spec"]["steps"].as_array_mut().unwrap();
    let relative_url = |step: &Value| {
        step["action"]
            .as_str()
            .is_some_and(|a| a.starts_with("fetch:"))
            && step["input"]["url"]
                .as_str()
                .is_some_and(|u| !u.contains("://"))
    };
    let climbs = steps
        .iter()
        .any(|s| relative_url(s) && s["input"]["url"].as_str().unwrap().contains(".."));
    if !climbs {
        return (template, directory_contents(&dir));
    }
    for step in steps.iter_mut().filter(|s| relative_url(s)) {
        let url = step["input"]["url"].as_str().unwrap().to_string();
        step["input"]["url"] = json!(join_lexically(&format!("templates/{name}"), &url));
    }
    (template, directory_contents(&corpus()))
}

fn backstage_call(
    peer: &Peer,
    template: &Value,
    case: &Case,
    files: &[Value],
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let body = json!({
        "template": template,
        "values": case.values,
        "secrets": case.secrets,
        "directoryContents": files,
    });
    let (status, answer) = post_json(&peer.url, "/api/scaffolder/v2/dry-run", &body)
        .unwrap_or_else(|e| panic!("the dry-run request failed: {e}"));
    let answer: Value = serde_json::from_str(&answer)
        .unwrap_or_else(|e| panic!("HTTP {status}, not JSON ({e}): {answer}"));
    if status == 400 && answer.get("errors").is_some() {
        panic!(
            "case {}: Backstage refused the values (the case file is wrong): {}",
            case.name, answer["errors"]
        );
    }
    if status != 200 {
        return Err(answer["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| answer.to_string()));
    }
    Ok(answer["directoryContents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let contents = base64::engine::general_purpose::STANDARD
                .decode(f["base64Content"].as_str().unwrap())
                .unwrap();
            (f["path"].as_str().unwrap().to_string(), contents)
        })
        .collect())
}

/// Backstage's answer for one case. The dry-run's error does not say which step failed, so a
/// failing template is run again on its first 1, 2, ... steps: the step whose addition makes
/// it fail is the failing step.
fn backstage_dry_run(peer: &Peer, name: &str, case: &Case) -> Outcome {
    let (template, files) = backstage_request(name);
    let message = match backstage_call(peer, &template, case, &files) {
        Ok(files) => return Outcome::Files(as_if_from_the_catalog(files, name)),
        Err(message) => message,
    };
    let steps = template["spec"]["steps"].as_array().unwrap();
    for count in 1..=steps.len() {
        let mut prefix = template.clone();
        prefix["spec"]["steps"] = json!(steps[..count]);
        if let Err(message) = backstage_call(peer, &prefix, case, &files) {
            return Outcome::Failed {
                step: steps[count - 1]["id"].as_str().unwrap_or("?").to_string(),
                message,
            };
        }
    }
    Outcome::Failed {
        step: "(after the steps)".into(),
        message,
    }
}

/// The dry-run endpoint runs every template as `template:default/dry-run` (its router sets that
/// entityRef), which catalog:write records in `backstage.io/source-template`; a template run from
/// the catalog records its own reference, as greenroom does.
fn as_if_from_the_catalog(
    files: BTreeMap<String, Vec<u8>>,
    name: &str,
) -> BTreeMap<String, Vec<u8>> {
    let (from, to) = (
        "backstage.io/source-template: template:default/dry-run",
        format!("backstage.io/source-template: template:default/{name}"),
    );
    files
        .into_iter()
        .map(|(path, contents)| match String::from_utf8(contents) {
            Ok(text) => (path, text.replace(from, &to).into_bytes()),
            Err(binary) => (path, binary.into_bytes()),
        })
        .collect()
}

/// Why two outcomes differ, readable: paths missing or extra, the first differing lines.
fn differences(greenroom: &Outcome, backstage: &Outcome) -> Option<String> {
    match (greenroom, backstage) {
        (Outcome::Files(ours), Outcome::Files(theirs)) => {
            let mut out = Vec::new();
            for path in theirs.keys().filter(|p| !ours.contains_key(*p)) {
                out.push(format!("  missing (Backstage writes it): {path}"));
            }
            for path in ours.keys().filter(|p| !theirs.contains_key(*p)) {
                out.push(format!("  extra (Backstage does not write it): {path}"));
            }
            for (path, mine) in ours {
                let Some(other) = theirs.get(path) else {
                    continue;
                };
                if mine != other {
                    out.push(format!(
                        "  differs: {path}\n{}",
                        first_difference(mine, other)
                    ));
                }
            }
            (!out.is_empty()).then(|| out.join("\n"))
        }
        (Outcome::Failed { step: a, .. }, Outcome::Failed { step: b, .. }) if a == b => None,
        _ => Some(format!(
            "  greenroom: {}\n  Backstage: {}",
            summary(greenroom),
            summary(backstage)
        )),
    }
}

fn summary(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Files(files) => format!("wrote {} files", files.len()),
        Outcome::Failed { step, message } => format!("failed at step {step}: {message}"),
    }
}

fn first_difference(ours: &[u8], theirs: &[u8]) -> String {
    let (a, b) = (
        String::from_utf8_lossy(ours),
        String::from_utf8_lossy(theirs),
    );
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('\n').collect(), b.split('\n').collect());
    let at = (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(0);
    format!(
        "    line {}\n    greenroom: {:?}\n    Backstage: {:?}",
        at + 1,
        a.get(at).copied().unwrap_or("(end of file)"),
        b.get(at).copied().unwrap_or("(end of file)")
    )
}

#[test]
fn the_corpus_renders_as_backstage_renders_it() {
    if let Some(reason) = scaffolder_missing() {
        if std::env::var_os("GREENROOM_REQUIRE_PEERS").is_some() {
            panic!("GREENROOM_REQUIRE_PEERS is set but the Backstage peer cannot run: {reason}");
        }
        eprintln!("skipped: the Backstage peer cannot run: {reason}");
        return;
    }
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("backend.log");
    let mut peer = Peer::start_with_scaffolder(&corpus().join("templates.yaml"), &log);
    peer.wait_for_scaffolder(Duration::from_secs(180))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut report = Vec::new();
    let mut mismatches = 0;
    let mut total = 0;
    for name in listed_templates() {
        let dir = corpus().join("templates").join(&name);
        for case in cases(&name) {
            total += 1;
            let ours = greenroom_dry_run(&dir, &case);
            let theirs = backstage_dry_run(&peer, &name, &case);
            match differences(&ours, &theirs) {
                None => report.push(format!("ok       {name}/{}: {}", case.name, summary(&ours))),
                Some(diff) => {
                    mismatches += 1;
                    report.push(format!("MISMATCH {name}/{}:\n{diff}", case.name));
                }
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    assert_eq!(
        mismatches, 0,
        "{mismatches} of {total} cases differ from Backstage (listed above)"
    );
}

/// The cases kept as `greenroom template test` snapshots.
const SNAPSHOTS: [(&str, &str); 5] = [
    ("node-service", "full"),
    ("docs-site", "drop-drafts"),
    ("monorepo", "three"),
    ("python-lib", "all-extras"),
    ("cookiecutter-port", "default"),
];

#[test]
fn the_corpus_snapshots_stay_green() {
    let cache = tempfile::tempdir().unwrap();
    let config = cache.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    for (template, case_name) in SNAPSHOTS {
        let snapshot = corpus().join("snapshots").join(template).join(case_name);
        // Without this, `template test` would write a missing snapshot and pass.
        assert!(snapshot.is_dir(), "{} is missing", snapshot.display());
        let case = cases(template)
            .into_iter()
            .find(|c| c.name == case_name)
            .unwrap();
        let values = cache.path().join(format!("{template}-{case_name}.json"));
        std::fs::write(&values, case.values.to_string()).unwrap();
        let run = binary::execute(binary::command(cache.path(), &config).args([
            "--catalog",
            &corpus().join("templates.yaml").display().to_string(),
            "template",
            "test",
            template,
            "--values",
            &values.display().to_string(),
            "--snapshot",
            &snapshot.display().to_string(),
        ]));
        assert_eq!(
            run.code, 0,
            "{template}/{case_name}:\n{}{}",
            run.stdout, run.stderr
        );
    }
}
