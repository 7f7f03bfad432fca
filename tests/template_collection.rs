//! A template collection (`tests/fixtures/template-collection`): templates named `template.yaml`
//! behind a `templates.yaml` Location, skeletons full of `${{ }}` / `{% %}` (one beside its
//! template, one shared at the root behind a `../../` url, one that no template names), and YAML
//! files that are not Backstage's (a workflow, a Kubernetes manifest with a `backstage.io/`
//! annotation, Helm-style values that are not even YAML).

mod support;

use std::path::{Path, PathBuf};
use support::binary::{self, Run};

fn collection() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/template-collection")
}

fn greenroom(cwd: &Path, args: &[&str]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    binary::run_in(cache.path(), cwd, args)
}

const SKELETONS: [&str; 4] = [
    "orphan/catalog-info.yaml",
    "skeletons/shared/catalog-info.yaml",
    "skeletons/shared/src/config.yaml",
    "templates/service/skeleton/catalog-info.yaml",
];

#[test]
fn validate_of_a_named_collection_checks_its_templates_and_skips_its_skeletons() {
    let dir = collection();
    let run = greenroom(&std::env::temp_dir(), &["validate", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout, "4 entities, 0 errors, 0 warnings, 4 skipped as skeletons\n",
        "no problem line, and the summary counts the skeletons"
    );
    assert!(
        !run.stderr.contains("skipped"),
        "only --verbose names them: {}",
        run.stderr
    );

    let verbose = greenroom(
        &std::env::temp_dir(),
        &["validate", "--verbose", dir.to_str().unwrap()],
    );
    assert_eq!(verbose.stdout, run.stdout);
    for skeleton in SKELETONS {
        let path = dir.join(skeleton).display().to_string();
        let lines: Vec<&str> = verbose
            .stderr
            .lines()
            .filter(|l| l.contains(&format!("{path}: skipped")))
            .collect();
        assert_eq!(lines.len(), 1, "{skeleton} named once: {}", verbose.stderr);
    }
    assert!(verbose.stderr.contains(&format!(
        "{}: skipped: a skeleton of template:default/library",
        dir.join("skeletons/shared/catalog-info.yaml").display()
    )));
    assert!(verbose.stderr.contains(&format!(
        "{}: skipped: a template skeleton",
        dir.join("orphan/catalog-info.yaml").display()
    )));
}

#[test]
fn the_named_collection_loads_its_templates_and_nothing_from_other_yaml() {
    let dir = collection();
    let run = greenroom(
        &std::env::temp_dir(),
        &[
            "list",
            "--format",
            "json",
            "--catalog",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entities: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let mut refs: Vec<String> = entities
        .iter()
        .map(|e| format!("{}:{}", e["kind"], e["metadata"]["name"]).replace('"', ""))
        .collect();
    refs.sort();
    assert_eq!(
        refs,
        [
            "Group:platform",
            "Location:collection-templates",
            "Template:library",
            "Template:service"
        ]
    );
}

#[test]
fn a_folder_found_by_itself_keeps_catalog_info_discovery() {
    // Nothing named: the current folder's catalog-info.yaml files only (templates.yaml is not
    // one), and its skeleton catalog-info.yaml files are still no errors.
    let run = greenroom(&collection(), &["validate"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "1 entities, 0 errors, 0 warnings, 3 skipped as skeletons\n"
    );
}
