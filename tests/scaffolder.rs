//! The Scaffolder engine against Backstage's own expectations: every action and filter, with the
//! expected results taken from Backstage's scaffolder tests and docs (each test names its source);
//! publish:github and github:actions:dispatch against a GitHub API the test runs on 127.0.0.1;
//! escape attempts refused with nothing written; secrets masked everywhere; the CLI's
//! `template run` and `template test`; and the NodeJS golden path's generated repository passing
//! its own `npm test` (with node installed; required when GREENROOM_REQUIRE_PEERS is set).

mod support;

use greenroom::providers::github::GitHub;
use greenroom::providers::http::{Client, Log, Options};
use greenroom::scaffolder::run::{self, RunError, RunEvent, RunOptions, RunResult, StepStatus};
use greenroom::scaffolder::Template;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::binary;
use support::files::write_file;
use support::http_server::{Recorded, Reply, TestServer};
use support::provider::runtime;

const HEADER: &str = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  owner: team\n  type: service\n";

/// Writes `files` under `dir` (a path ending in `/` is an empty folder).
fn write_tree(dir: &Path, files: &[(&str, &[u8])]) {
    for (path, contents) in files {
        let path = dir.join(path);
        if path.to_string_lossy().ends_with('/') {
            std::fs::create_dir_all(&path).unwrap();
            continue;
        }
        write_file(&path, contents);
    }
}

/// A template with the given `spec` lines after the header (steps, parameters...) and the files
/// it reads beside it, in a folder that lives as long as the returned one.
fn template_with(files: &[(&str, &[u8])], spec: &str) -> (tempfile::TempDir, Template) {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), files);
    let template = template(dir.path(), spec);
    (dir, template)
}

/// A template in `dir` with the given `spec` lines after the header (steps, parameters...).
fn template(dir: &Path, spec: &str) -> Template {
    let yaml = write_template(dir, "template.yaml", spec);
    Template::from_yaml(&yaml, Some(dir.to_path_buf())).unwrap()
}

/// Writes `file` in `dir`: a template with the given `spec` lines after the header, and what the
/// file holds after it (more entities); returns the YAML written.
fn write_template(dir: &Path, file: &str, spec: &str) -> String {
    let yaml = format!("{HEADER}{spec}");
    std::fs::write(dir.join(file), &yaml).unwrap();
    yaml
}

fn execute(
    template: &Template,
    values: Value,
    secrets: Map<String, Value>,
    options: &RunOptions,
) -> (Result<RunResult, RunError>, Vec<RunEvent>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let runtime = runtime();
    let result = runtime.block_on(run::run(template, &values, &secrets, options, move |e| {
        sink.lock().unwrap().push(e)
    }));
    let events = events.lock().unwrap().clone();
    (result, events)
}

/// Options for a real run (not dry) writing its files into `output_dir`.
fn writing_to(output_dir: PathBuf) -> RunOptions {
    RunOptions {
        dry_run: false,
        output_dir: Some(output_dir),
        ..RunOptions::default()
    }
}

/// Fails if any step started: what a run refused before its first step shows.
#[track_caller]
fn assert_no_step_started(events: &[RunEvent]) {
    assert!(!events
        .iter()
        .any(|e| matches!(e, RunEvent::StepStarted { .. })));
}

fn dry(template: &Template, values: Value) -> RunResult {
    let (result, events) = execute(template, values, Map::new(), &RunOptions::default());
    result.unwrap_or_else(|e| panic!("{e}\n{events:#?}"))
}

fn file(result: &RunResult, path: &str) -> Vec<u8> {
    result
        .files
        .iter()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| {
            panic!(
                "no {path} in {:?}",
                result.files.iter().map(|(p, _)| p).collect::<Vec<_>>()
            )
        })
        .1
        .clone()
}

fn text(result: &RunResult, path: &str) -> String {
    String::from_utf8(file(result, path)).unwrap()
}

/// Fails unless each path's file holds the text beside it.
#[track_caller]
fn assert_texts(result: &RunResult, expected: &[(&str, &str)]) {
    for (path, contents) in expected {
        assert_eq!(text(result, path), *contents, "{path}");
    }
}

fn paths(result: &RunResult) -> Vec<&str> {
    result.files.iter().map(|(p, _)| p.as_str()).collect()
}

fn logs(events: &[RunEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Log { line, .. } => Some(line.clone()),
            RunEvent::Failed { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

const A_BINARY_FILE: &[u8] = &[
    0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0x00, b'$', b'{', b'{',
];

// plugins/scaffolder-backend/src/scaffolder/actions/builtin/fetch/template.test.ts, "with valid input".
#[test]
fn fetch_template_renders_names_and_contents_as_backstage_does() {
    let (_dir, t) = template_with(
        &[
            ("skeleton/empty-dir-${{ values.count }}/", b""),
            ("skeleton/static.txt", b"static content"),
            ("skeleton/${{ values.name }}.txt", b"static content"),
            (
                "skeleton/subdir/templated-content.txt",
                b"${{ values.name }}: ${{ values.count }}",
            ),
            (
                "skeleton/.${{ values.name }}",
                b"${{ values.itemList | dump }}",
            ),
            ("skeleton/a-binary-file.png", A_BINARY_FILE),
        ],
        "  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        targetPath: ./target\n        values:\n          name: test-project\n          count: 1234\n          itemList: [first, second, third]\n",
    );
    let result = dry(&t, json!({}));
    assert_texts(
        &result,
        &[
            ("target/static.txt", "static content"),
            ("target/test-project.txt", "static content"),
            ("target/subdir/templated-content.txt", "test-project: 1234"),
            ("target/.test-project", r#"["first","second","third"]"#),
        ],
    );
    assert_eq!(file(&result, "target/a-binary-file.png"), A_BINARY_FILE);
    assert_eq!(result.dirs, vec!["target/empty-dir-1234"]);
}

// template.test.ts, "copyWithoutRender": matched paths are neither renamed nor rendered.
#[test]
fn copy_without_render_keeps_matched_paths_and_contents() {
    let (_dir, t) = template_with(
        &[
            (
                "skeleton/processed/templated-content-${{ values.name }}.txt",
                b"${{ values.count }}",
            ),
            (
                "skeleton/.unprocessed/templated-content-${{ values.name }}.txt",
                b"${{ values.count }}",
            ),
        ],
        "  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        targetPath: ./target\n        values: { name: test-project, count: 1234 }\n        copyWithoutRender: [.unprocessed/**]\n",
    );
    let result = dry(&t, json!({}));
    assert_texts(
        &result,
        &[
            (
                "target/.unprocessed/templated-content-${{ values.name }}.txt",
                "${{ values.count }}",
            ),
            (
                "target/processed/templated-content-test-project.txt",
                "1234",
            ),
        ],
    );
}

// docs/features/software-templates/builtin-actions.md (fetch:template): with copyWithoutTemplating
// the path is still rendered, the contents are not.
#[test]
fn copy_without_templating_renders_paths_but_not_contents() {
    let (_dir, t) = template_with(
        &[
            (
                "skeleton/.github/workflows/${{ values.name }}.yml",
                b"run: ${{ github.ref }}",
            ),
            ("skeleton/README.md", b"# ${{ values.name }}"),
        ],
        "  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        values: { name: svc }\n        copyWithoutTemplating: [.github/workflows/*]\n",
    );
    let result = dry(&t, json!({}));
    assert_texts(
        &result,
        &[
            (".github/workflows/svc.yml", "run: ${{ github.ref }}"),
            ("README.md", "# svc"),
        ],
    );
}

// template.test.ts, "cookiecutter compatibility mode".
#[test]
fn cookiecutter_compat_uses_plain_braces_and_jsonify() {
    let (_dir, t) = template_with(
        &[
            ("skeleton/{{ cookiecutter.name }}.txt", b"static content"),
            (
                "skeleton/subdir/templated-content.txt",
                b"{{ cookiecutter.name }}: {{ cookiecutter.count }}",
            ),
            (
                "skeleton/{{ cookiecutter.name }}.json",
                b"{{ cookiecutter.itemList | jsonify }}",
            ),
        ],
        "  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        cookiecutterCompat: true\n        values: { name: test-project, count: 1234, itemList: [first, second, third] }\n",
    );
    let result = dry(&t, json!({}));
    assert_texts(
        &result,
        &[
            ("test-project.txt", "static content"),
            ("subdir/templated-content.txt", "test-project: 1234"),
            ("test-project.json", r#"["first","second","third"]"#),
        ],
    );
}

// template.test.ts, "with extension=true" and "with specified .jinja2 extension".
#[test]
fn template_file_extension_renders_only_matching_files() {
    let (_dir, t) = template_with(
        &[
            ("njk/static.txt", b"static content"),
            ("njk/${{ values.name }}.txt", b"static content"),
            (
                "njk/subdir/templated-content.txt.njk",
                b"${{ values.name }}: ${{ values.count }}",
            ),
            (
                "njk/.${{ values.name }}.njk",
                b"${{ values.itemList | dump }}",
            ),
            (
                "jinja/${{ values.name }}.njk",
                b"${{ values.name }}: ${{ values.count }}",
            ),
            (
                "jinja/${{ values.name }}.txt.jinja2",
                b"${{ values.name }}: ${{ values.count }}",
            ),
        ],
        "  steps:\n    - id: a\n      action: fetch:template\n      input:\n        url: ./njk\n        targetPath: a\n        templateFileExtension: true\n        values: { name: test-project, count: 1234, itemList: [first, second, third] }\n    - id: b\n      action: fetch:template\n      input:\n        url: ./jinja\n        targetPath: b\n        templateFileExtension: .jinja2\n        values: { name: test-project, count: 1234 }\n",
    );
    let result = dry(&t, json!({}));
    assert_texts(
        &result,
        &[
            ("a/static.txt", "static content"),
            ("a/test-project.txt", "static content"),
            ("a/subdir/templated-content.txt", "test-project: 1234"),
            ("a/.test-project", r#"["first","second","third"]"#),
            (
                "b/test-project.njk",
                "${{ values.name }}: ${{ values.count }}",
            ),
            ("b/test-project.txt", "test-project: 1234"),
        ],
    );
}

// templateActionHandler.ts `containsSkippedContent`: a name rendered empty leaves the file out;
// writing-templates.md: `{% if %}` blocks in contents.
#[test]
fn conditional_files_and_blocks() {
    let spec = "  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        values:\n          name: ${{ parameters.name }}\n          url: ${{ parameters.urlParameter }}\n          enabledDB: ${{ parameters.enabledDB }}\n";
    let (_dir, t) = template_with(
        &[
            ("skeleton/${{ 'db.sql' if values.enabledDB else '' }}", b"create table t();"),
            (
                "skeleton/run.sh",
                b"#!/bin/bash\necho \"Hi my name is ${{ values.name }}, and you can fine me at ${{ values.url }}!\"\n{% if values.enabledDB %}\necho \"You have enabled your database!\"\n{% endif %}\n",
            ),
        ],
        spec,
    );
    let off = dry(
        &t,
        json!({ "name": "n", "urlParameter": "https://www.example.com", "enabledDB": false }),
    );
    assert_eq!(paths(&off), vec!["run.sh"]);
    assert_eq!(
        text(&off, "run.sh"),
        "#!/bin/bash\necho \"Hi my name is n, and you can fine me at https://www.example.com!\"\n\n"
    );
    let on = dry(
        &t,
        json!({ "name": "n", "urlParameter": "u", "enabledDB": true }),
    );
    assert_eq!(paths(&on), vec!["db.sql", "run.sh"]);
    assert!(text(&on, "run.sh").contains("\necho \"You have enabled your database!\"\n"));
}

/// The rendered input of the first step's first iteration.
fn rendered_input(spec_steps: &str, values: Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let t = template(dir.path(), spec_steps);
    dry(&t, values).steps[0].inputs[0].clone()
}

// plugins/scaffolder-backend/src/lib/templating/filters/*/examples.ts: parseRepoUrl, parseEntityRef
// (without and with context), pick, projectSlug, with the documented inputs and outputs.
#[test]
fn scaffolder_filters_give_backstages_documented_outputs() {
    let input = rendered_input(
        "  steps:\n    - id: log\n      action: debug:log\n      input:\n        repo: ${{ parameters.repoUrl | parseRepoUrl }}\n        ref: ${{ parameters.owner | parseEntityRef }}\n        refWithContext: ${{ parameters.bare | parseEntityRef({ defaultKind:\"group\", defaultNamespace:\"another-namespace\" }) }}\n        picked: ${{ parameters.owner | parseEntityRef | pick('name') }}\n        slug: ${{ parameters.repoUrl | projectSlug }}\n",
        json!({ "repoUrl": "github.com?repo=backstage&owner=backstage", "owner": "group:techdocs", "bare": "techdocs" }),
    );
    assert_eq!(
        input["repo"],
        json!({"host": "github.com", "owner": "backstage", "repo": "backstage"})
    );
    assert_eq!(
        input["ref"],
        json!({"kind": "group", "namespace": "default", "name": "techdocs"})
    );
    assert_eq!(
        input["refWithContext"],
        json!({"kind": "group", "namespace": "another-namespace", "name": "techdocs"})
    );
    assert_eq!(input["picked"], json!("techdocs"));
    assert_eq!(input["slug"], json!("backstage/backstage"));
}

// NunjucksWorkflowRunner.ts `render`: a lone `${{ }}` keeps its type, other strings are
// rendered, and an empty result drops the key; writing-templates.md: "These template strings
// preserve the type of the parameter."
#[test]
fn inputs_keep_types_and_nunjucks_filters_work() {
    let input = rendered_input(
        "  steps:\n    - id: log\n      action: debug:log\n      input:\n        count: ${{ parameters.count }}\n        flag: ${{ parameters.flag }}\n        list: ${{ parameters.items }}\n        mixed: n=${{ parameters.count }}\n        gone: ${{ parameters.missing }}\n        upper: ${{ parameters.name | upper }}\n        lower: ${{ 'ABC' | lower }}\n        replaced: ${{ parameters.name | replace('-', '_') }}\n        dumped: ${{ parameters.items | dump }}\n        defaulted: ${{ parameters.missing | default('fallback') }}\n        trimmed: ${{ '  x  ' | trim }}\n        joined: ${{ parameters.items | join('+') }}\n        length: ${{ parameters.items | length }}\n        first: ${{ parameters.items | first }}\n        last: ${{ parameters.items | last }}\n        printed: 'items: ${{ parameters.items }}'\n        inline: ${{ 'yes' if parameters.flag else 'no' }}\n",
        json!({ "count": 3, "flag": false, "items": ["a", "b"], "name": "my-service" }),
    );
    assert_eq!(input["count"], json!(3));
    assert_eq!(input["flag"], json!(false));
    assert_eq!(input["list"], json!(["a", "b"]));
    assert_eq!(input["mixed"], json!("n=3"));
    assert!(input.get("gone").is_none(), "{input}");
    assert_eq!(input["upper"], json!("MY-SERVICE"));
    assert_eq!(input["lower"], json!("abc"));
    assert_eq!(input["replaced"], json!("my_service"));
    // Backstage dumps a lone expression and parses it back: a lone `| dump` stays a string.
    assert_eq!(input["dumped"], json!(r#"["a","b"]"#));
    assert_eq!(input["defaulted"], json!("fallback"));
    assert_eq!(input["trimmed"], json!("x"));
    assert_eq!(input["joined"], json!("a+b"));
    assert_eq!(input["length"], json!(2));
    assert_eq!(input["first"], json!("a"));
    assert_eq!(input["last"], json!("b"));
    // nunjucks prints an array as JavaScript's String() does.
    assert_eq!(input["printed"], json!("items: a,b"));
    assert_eq!(input["inline"], json!("no"));
}

// writing-templates.md: `if` skips a step when not truthy; `each` runs it per item with
// `each.value`, and "the outputs of a repeated step are returned as an array".
#[test]
fn if_and_each_with_outputs_as_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let t = template(
        dir.path(),
        "  steps:\n    - id: skipped\n      if: ${{ parameters.flag }}\n      action: debug:log\n      input: { message: never }\n    - id: reg\n      each: ['apples', 'oranges']\n      action: catalog:register\n      input:\n        catalogInfoUrl: https://example.com/${{ each.value }}/catalog-info.yaml\n    - id: log\n      action: debug:log\n      input:\n        message: ${{ steps['reg'].output.catalogInfoUrl | join(' ') }}\n        skipped: ${{ steps.skipped.output }}\n",
    );
    let (result, events) = execute(
        &t,
        json!({ "flag": false }),
        Map::new(),
        &RunOptions::default(),
    );
    let result = result.unwrap();
    assert_eq!(result.steps[0].status, StepStatus::Skipped);
    assert_eq!(result.steps[1].inputs.len(), 2);
    assert_eq!(
        result.steps[1].output["catalogInfoUrl"],
        json!([
            "https://example.com/apples/catalog-info.yaml",
            "https://example.com/oranges/catalog-info.yaml"
        ])
    );
    let lines = logs(&events);
    assert!(lines.contains(&"Skipping step skipped because its if condition was false".to_string()));
    assert!(lines.contains(
        &"https://example.com/apples/catalog-info.yaml https://example.com/oranges/catalog-info.yaml".to_string()
    ));
    assert!(!lines.iter().any(|l| l == "never"));
}

// builtin-actions.md: fs:rename, fs:delete, catalog:write, fetch:plain, fetch:plain:file, debug:log.
#[test]
fn workspace_actions() {
    let (_dir, t) = template_with(
        &[
            ("plain/a.txt", b"${{ not rendered }}"),
            ("plain/sub/b.txt", b"b"),
            ("one/file.txt", b"single"),
        ],
        "  steps:\n    - id: plain\n      action: fetch:plain\n      input: { url: ./plain, targetPath: ./copied }\n    - id: file\n      action: fetch:plain:file\n      input: { url: ./one/file.txt, targetPath: deep/er/file.txt }\n    - id: write\n      action: catalog:write\n      input:\n        filePath: catalog-info.yaml\n        entity:\n          apiVersion: backstage.io/v1alpha1\n          kind: Component\n          metadata:\n            name: ${{ parameters.name }}\n          spec: { type: service, lifecycle: experimental, owner: team }\n    - id: rename\n      action: fs:rename\n      input:\n        files:\n          - { from: copied/sub/b.txt, to: moved/b.txt }\n    - id: delete\n      action: fs:delete\n      input:\n        files: [copied/*.txt]\n    - id: list\n      action: debug:log\n      input: { message: done, listWorkspace: true }\n",
    );
    let (result, events) = execute(
        &t,
        json!({ "name": "svc" }),
        Map::new(),
        &RunOptions::default(),
    );
    let result = result.unwrap();
    assert_eq!(
        paths(&result),
        vec!["catalog-info.yaml", "deep/er/file.txt", "moved/b.txt"]
    );
    // write.ts adds the template's reference as `backstage.io/source-template`.
    assert_texts(
        &result,
        &[
            ("catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations:\n    backstage.io/source-template: template:default/t\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team\n"),
            ("deep/er/file.txt", "single"),
        ],
    );
    let lines = logs(&events);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Workspace:") && l.contains("  - moved/b.txt")),
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|l| l == "Renamed copied/sub/b.txt to moved/b.txt"));
}

// NunjucksWorkflowRunner: "Action 'x' does not exist"; an action's required input: both found
// before any step runs, all at once.
#[test]
fn unknown_actions_and_missing_inputs_are_reported_before_any_step() {
    let dir = tempfile::tempdir().unwrap();
    let t = template(
        dir.path(),
        "  steps:\n    - id: first\n      action: debug:log\n      input: { message: hi }\n    - id: bad\n      action: not an action\n    - id: fetch\n      action: fetch:template\n      input: { targetPath: x }\n",
    );
    let (result, events) = execute(&t, json!({}), Map::new(), &RunOptions::default());
    match result {
        Err(RunError::Preflight(problems)) => {
            assert_eq!(
                problems,
                vec![
                    "step bad: action 'not an action' does not exist".to_string(),
                    "step fetch (fetch:template): input url is required".to_string(),
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_no_step_started(&events);
}

#[test]
fn backend_only_actions_are_named_and_not_run_locally() {
    let dir = tempfile::tempdir().unwrap();
    let t = template(
        dir.path(),
        "  steps:\n    - id: notify\n      action: notification:send\n      input: { recipients: broadcast, title: Done }\n    - id: log\n      action: debug:log\n      input: { message: after }\n",
    );
    assert_eq!(run::backend_steps(&t), vec!["notify (notification:send)"]);
    let result = dry(&t, json!({}));
    assert_eq!(result.steps[0].status, StepStatus::NotRunLocally);
    let out = tempfile::tempdir().unwrap();
    let real = writing_to(out.path().join("o"));
    let (refused, events) = execute(&t, json!({}), Map::new(), &real);
    assert!(
        matches!(refused, Err(RunError::Preflight(ref p)) if p[0].contains("notify (notification:send)")),
        "{refused:?}"
    );
    assert_no_step_started(&events);
    let confirmed = RunOptions {
        skip_backend_actions: true,
        ..real
    };
    let (ok, _) = execute(&t, json!({}), Map::new(), &confirmed);
    assert_eq!(ok.unwrap().steps[1].status, StepStatus::Done);
}

/// A real run of `spec` into `out/target` must fail and leave nothing behind.
fn assert_refused(files: &[(&str, &[u8])], spec: &str, values: Value, expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let template_dir = dir.path().join("template");
    std::fs::create_dir_all(&template_dir).unwrap();
    write_tree(&template_dir, files);
    let t = template(&template_dir, spec);
    let target = dir.path().join("out/target");
    let options = writing_to(target.clone());
    let (result, _) = execute(&t, values, Map::new(), &options);
    let message = result.expect_err("refused").to_string();
    assert!(message.contains(expect), "{message}");
    assert!(!dir.path().join("out").exists(), "nothing may be written");
    let leftovers: Vec<String> = binary::files_under(dir.path())
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.contains("/template/"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn escape_attempts_are_refused_before_anything_is_written() {
    let fetch = "  steps:\n    - id: ok\n      action: fetch:template\n      input:\n        url: ./skeleton\n        values:\n          evil: ${{ parameters.evil }}\n";
    // A rendered name that climbs out.
    assert_refused(
        &[
            ("skeleton/fine.txt", b"fine"),
            ("skeleton/${{ values.evil }}", b"x"),
        ],
        fetch,
        json!({ "evil": "../../escaped.txt" }),
        "outside the workspace",
    );
    // A folder name that climbs out, with a file under it.
    assert_refused(
        &[("skeleton/${{ values.evil }}/x.txt", b"x")],
        fetch,
        json!({ "evil": ".." }),
        "outside the workspace",
    );
    // An absolute targetPath, and one that climbs out.
    for target in ["/tmp/abs", "../up"] {
        assert_refused(
            &[("skeleton/a.txt", b"a")],
            &format!("  steps:\n    - id: t\n      action: fetch:template\n      input: {{ url: ./skeleton, targetPath: '{target}' }}\n"),
            json!({}),
            "targetPath",
        );
    }
    // A url outside the template's folder (not in git, no catalog source: the folder is the
    // repository).
    assert_refused(
        &[],
        "  steps:\n    - id: t\n      action: fetch:plain\n      input: { url: ../../etc }\n",
        json!({}),
        "leads outside the template's repository",
    );
    // fs:rename and catalog:write out of the workspace.
    assert_refused(
        &[("skeleton/a.txt", b"a")],
        "  steps:\n    - id: f\n      action: fetch:plain\n      input: { url: ./skeleton }\n    - id: r\n      action: fs:rename\n      input: { files: [{ from: a.txt, to: ../a.txt }] }\n",
        json!({}),
        "outside the workspace",
    );
    assert_refused(
        &[],
        "  steps:\n    - id: w\n      action: catalog:write\n      input: { filePath: /etc/catalog-info.yaml, entity: { kind: Component } }\n",
        json!({}),
        "absolute path",
    );
}

#[cfg(unix)]
#[test]
fn symlinks_in_skeletons_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let template_dir = dir.path().join("template");
    write_tree(&template_dir, &[("skeleton/a.txt", b"a")]);
    std::fs::write(dir.path().join("secret.txt"), "private").unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("secret.txt"),
        template_dir.join("skeleton/link.txt"),
    )
    .unwrap();
    let t = template(
        &template_dir,
        "  steps:\n    - id: t\n      action: fetch:template\n      input: { url: ./skeleton }\n",
    );
    let (result, _) = execute(&t, json!({}), Map::new(), &RunOptions::default());
    assert!(result.unwrap_err().to_string().contains("symlink"));
}

/// A template collection in a temporary git work tree: `repo/templates/app/template.yaml` with
/// `spec`, `repo/skeletons/...` shared, `secret.txt` beside the repository (outside it).
fn collection(spec: &str, git: bool) -> (tempfile::TempDir, Template) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    write_tree(
        &repo,
        &[
            (
                "skeletons/ci/.github/workflows/ci.yaml",
                b"name: ${{ values.name }}\n",
            ),
            ("skeletons/named/${{ values.name }}.txt", b"x"),
            (
                "templates/app/skeleton/README.md",
                b"# ${{ values.name }}\n",
            ),
        ],
    );
    if git {
        std::fs::create_dir_all(repo.join(".git")).unwrap();
    }
    std::fs::write(dir.path().join("secret.txt"), "private").unwrap();
    let t = template(&repo.join("templates/app"), spec);
    (dir, t)
}

/// A real run into `out/` must fail with `expect` in its message, naming `step`, and write
/// nothing anywhere.
fn assert_collection_refuses(dir: &Path, t: &Template, values: Value, step: &str, expect: &str) {
    let out = dir.join("out");
    let options = writing_to(out.clone());
    let before = binary::files_under(dir);
    let (result, _) = execute(t, values, Map::new(), &options);
    match result {
        Err(RunError::Step {
            step: failed,
            message,
        }) => {
            assert_eq!(failed, step, "{message}");
            assert!(message.contains(expect), "{message}");
        }
        other => panic!("expected step {step} to fail with {expect:?}, got {other:?}"),
    }
    assert!(!out.exists(), "nothing may be written");
    assert_eq!(binary::files_under(dir), before, "nothing may change");
}

#[test]
fn shared_skeletons_are_reached_with_dot_dot_inside_the_repository() {
    let spec = "  steps:\n    - id: own\n      action: fetch:template\n      input: { url: ./skeleton, values: { name: '${{ parameters.name }}' } }\n    - id: ci\n      action: fetch:template\n      input: { url: ../../skeletons/ci/, values: { name: '${{ parameters.name }}' } }\n";
    let (_dir, t) = collection(spec, true);
    let result = dry(&t, json!({"name": "orders"}));
    assert_eq!(
        paths(&result),
        vec![".github/workflows/ci.yaml", "README.md"]
    );
    assert_eq!(text(&result, ".github/workflows/ci.yaml"), "name: orders\n");

    // Not in git: the catalog source the template was read from is the repository.
    let (dir, t) = collection(spec, false);
    let from_catalog = t
        .clone()
        .with_source_roots(&[dir.path().join("repo/catalog-info.yaml")]);
    assert_eq!(
        paths(&dry(&from_catalog, json!({"name": "orders"}))),
        vec![".github/workflows/ci.yaml", "README.md"]
    );
    // Neither in git nor read from a catalog source above it: only its own folder.
    let (result, _) = execute(&t, json!({"name": "x"}), Map::new(), &RunOptions::default());
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("step ci failed")
            && message.contains("../../skeletons/ci/")
            && message.contains("leads outside the template's repository"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn shared_skeletons_never_lead_out_of_the_repository() {
    let fetch = |url: &str| {
        format!("  steps:\n    - id: own\n      action: fetch:template\n      input: {{ url: ./skeleton, values: {{ name: x }} }}\n    - id: shared\n      action: fetch:plain\n      input: {{ url: '{url}' }}\n")
    };
    // A url that climbs out of the repository.
    let (dir, t) = collection(&fetch("../../../secret.txt"), true);
    assert_collection_refuses(
        dir.path(),
        &t,
        json!({}),
        "shared",
        "leads outside the template's repository",
    );
    // A skeleton folder in the repository that is a symlink to a folder outside it.
    let (dir, t) = collection(&fetch("../../skeletons/linked"), true);
    write_tree(dir.path(), &[("outside/x.txt", b"private")]);
    std::os::unix::fs::symlink(
        dir.path().join("outside"),
        dir.path().join("repo/skeletons/linked"),
    )
    .unwrap();
    assert_collection_refuses(
        dir.path(),
        &t,
        json!({}),
        "shared",
        "outside the template's repository",
    );
    // A skeleton file that is a symlink to /etc/passwd.
    let (dir, t) = collection(&fetch("../../skeletons/ci"), true);
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("repo/skeletons/ci/passwd")).unwrap();
    assert_collection_refuses(dir.path(), &t, json!({}), "shared", "symlink");
    // A symlink inside the repository to another folder of it is followed.
    let (dir, t) = collection(&fetch("../../skeletons/alias"), true);
    std::os::unix::fs::symlink(
        dir.path().join("repo/skeletons/ci"),
        dir.path().join("repo/skeletons/alias"),
    )
    .unwrap();
    assert_eq!(
        paths(&dry(&t, json!({}))),
        vec![".github/workflows/ci.yaml", "README.md"]
    );

    // The output side is unchanged: targetPath with `..`, an absolute one, and a file name
    // rendered from a value with `../`, all for a shared skeleton.
    let shared = |input: &str| {
        format!("  steps:\n    - id: shared\n      action: fetch:template\n      input: {{ url: ../../skeletons/named, {input} values: {{ name: '${{{{ parameters.name }}}}' }} }}\n")
    };
    for (input, values, expect) in [
        ("targetPath: ../up,", json!({"name": "a"}), "targetPath"),
        ("targetPath: /tmp/abs,", json!({"name": "a"}), "targetPath"),
        (
            "",
            json!({"name": "../../escaped"}),
            "outside the workspace",
        ),
    ] {
        let (dir, t) = collection(&shared(input), true);
        assert_collection_refuses(dir.path(), &t, values, "shared", expect);
        assert!(!dir.path().join("escaped.txt").exists());
    }
}

#[test]
fn runaway_templates_are_stopped() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "skeleton/big.txt",
            b"{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        )],
    );
    let t = template(
        dir.path(),
        "  steps:\n    - id: t\n      action: fetch:template\n      input: { url: ./skeleton }\n",
    );
    let (result, _) = execute(&t, json!({}), Map::new(), &RunOptions::default());
    assert!(result.is_err());
    let t = template(dir.path(), "  steps:\n    - id: t\n      each: ${{ range(5000) | list }}\n      action: debug:log\n      input: { message: x }\n");
    let (result, _) = execute(&t, json!({}), Map::new(), &RunOptions::default());
    assert!(result.unwrap_err().to_string().contains("at most 1000"));
}

// Secrets reach action inputs only, and are masked in every line (NunjucksWorkflowRunner renders
// dry-run inputs with `secrets` redacted).
#[test]
fn secrets_are_masked_in_logs_inputs_errors_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let t = template(
        dir.path(),
        "  steps:\n    - id: log\n      action: debug:log\n      input:\n        message: token is ${{ secrets.apiToken }}\n    - id: fail\n      action: fs:rename\n      input: { files: [{ from: '${{ secrets.apiToken }}', to: x }] }\n  output:\n    text:\n      - title: t\n        content: ${{ parameters.name }}\n",
    );
    let secret = "hunter2-very-secret";
    let secrets: Map<String, Value> = [("apiToken".to_string(), json!(secret))]
        .into_iter()
        .collect();
    let (result, events) = execute(&t, json!({ "name": "n" }), secrets, &RunOptions::default());
    let error = result.unwrap_err().to_string();
    assert!(!error.contains(secret), "{error}");
    assert!(error.contains("*** does not exist"), "{error}");
    let all = format!("{events:?}");
    assert!(!all.contains(secret), "{all}");
    assert!(logs(&events).contains(&"token is ***".to_string()));
}

/// A GitHub API that records requests and plays the parts publish:github and dispatch need.
fn fake_github() -> TestServer {
    let runs_calls = Arc::new(Mutex::new(0u32));
    let run_polls = Arc::new(Mutex::new(0u32));
    TestServer::start(move |req: &Recorded| {
        let path = req.path().to_string();
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/users/myorg") => {
                Reply::json(200, &json!({ "login": "myorg", "type": "Organization" }))
            }
            ("POST", "/orgs/myorg/repos") => {
                let name = req.json()["name"].as_str().unwrap_or_default().to_string();
                Reply::json(
                    201,
                    &json!({ "html_url": format!("https://github.com/myorg/{name}"), "default_branch": "main" }),
                )
            }
            ("POST", p) if p.starts_with("/repos/myorg/") && p.ends_with("/git/blobs") => {
                Reply::json(201, &json!({ "sha": format!("blob{}", req.body.len()) }))
            }
            ("POST", p) if p.starts_with("/repos/myorg/") && p.ends_with("/git/trees") => {
                Reply::json(201, &json!({ "sha": "tree1" }))
            }
            ("POST", p) if p.starts_with("/repos/myorg/") && p.ends_with("/git/commits") => {
                Reply::json(201, &json!({ "sha": "commit1" }))
            }
            ("PATCH", p)
                if p.starts_with("/repos/myorg/") && p.ends_with("/git/refs/heads/main") =>
            {
                Reply::json(200, &json!({ "ref": "refs/heads/main" }))
            }
            ("PUT", p)
                if p.starts_with("/repos/myorg/") && p.ends_with("/branches/main/protection") =>
            {
                Reply::json(200, &json!({}))
            }
            ("GET", "/repos/myorg/infra/actions/workflows/provision-database.yml/runs") => {
                let mut calls = runs_calls.lock().unwrap();
                *calls += 1;
                let old = json!({ "id": 1, "status": "completed", "conclusion": "success", "html_url": "https://github.com/myorg/infra/actions/runs/1" });
                let new = json!({ "id": 2, "status": "queued", "html_url": "https://github.com/myorg/infra/actions/runs/2" });
                // Before the dispatch, and at the first check after it, only the old run.
                let runs = if *calls <= 2 {
                    json!([old])
                } else {
                    json!([new, old])
                };
                Reply::json(200, &json!({ "total_count": 1, "workflow_runs": runs }))
            }
            ("POST", "/repos/myorg/infra/actions/workflows/provision-database.yml/dispatches") => {
                Reply::status(204)
            }
            ("GET", "/repos/myorg/infra/actions/runs/2") => {
                let mut polls = run_polls.lock().unwrap();
                *polls += 1;
                let (status, conclusion) = if *polls < 2 {
                    ("in_progress", Value::Null)
                } else {
                    ("completed", json!("success"))
                };
                Reply::json(
                    200,
                    &json!({ "id": 2, "status": status, "conclusion": conclusion, "html_url": "https://github.com/myorg/infra/actions/runs/2" }),
                )
            }
            ("GET", "/repos/backstage/community/git/trees/main") => Reply::json(
                200,
                &json!({ "sha": "t", "truncated": false, "tree": [
                    { "path": "README.md", "mode": "100644", "type": "blob", "sha": "r0" },
                    { "path": "backstage-community-sessions", "mode": "040000", "type": "tree", "sha": "t1" },
                    { "path": "backstage-community-sessions/README.md", "mode": "100644", "type": "blob", "sha": "b1" },
                    { "path": "backstage-community-sessions/assets", "mode": "040000", "type": "tree", "sha": "t2" },
                    { "path": "backstage-community-sessions/assets/run.sh", "mode": "100755", "type": "blob", "sha": "b2" },
                ] }),
            ),
            ("GET", "/repos/backstage/community/git/blobs/b1") => Reply::json(
                200,
                &json!({ "content": "IyBDb21tdW5pdHkg
c2Vzc2lvbnMK", "encoding": "base64" }),
            ),
            ("GET", "/repos/backstage/community/git/blobs/b2") => Reply::json(
                200,
                &json!({ "content": "ZWNobyBoaQo=", "encoding": "base64" }),
            ),
            _ => Reply::json(404, &json!({ "message": "Not Found" })),
        }
    })
}

fn github_options(server: &TestServer, out: Option<PathBuf>) -> RunOptions {
    let client = Arc::new(Client::new(Options::default(), None, Log::Off));
    RunOptions {
        dry_run: false,
        output_dir: out,
        github: Some(
            GitHub::new(
                &server.url(),
                Some(greenroom::config::Secret::new("ghp_test_token")),
                client,
            )
            .unwrap(),
        ),
        poll_interval: Duration::from_millis(1),
        ..RunOptions::default()
    }
}

// builtin-actions.md publish:github: creates the repository and pushes the workspace.
#[test]
fn publish_github_creates_the_repo_and_pushes_one_root_commit() {
    let server = fake_github();
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("skeleton/README.md", b"# ${{ values.name }}"),
            ("skeleton/src/run.sh", b"#!/bin/sh\n"),
        ],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("skeleton/src/run.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let t = template(
        dir.path(),
        "  steps:\n    - id: fetch\n      action: fetch:template\n      input: { url: ./skeleton, values: { name: new-service } }\n    - id: publish\n      action: publish:github\n      input:\n        repoUrl: github.com?owner=myorg&repo=new-service\n        description: A new service\n        defaultBranch: main\n        repoVisibility: internal\n  output:\n    links:\n      - title: Repository\n        url: ${{ steps['publish'].output.remoteUrl }}\n",
    );
    let out = tempfile::tempdir().unwrap();
    let (result, events) = execute(
        &t,
        json!({}),
        Map::new(),
        &github_options(&server, Some(out.path().join("svc"))),
    );
    let result = result.unwrap_or_else(|e| panic!("{e}: {events:#?}"));
    let requests = server.requests();
    let calls: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    assert_eq!(
        calls,
        vec![
            "GET /users/myorg",
            "POST /orgs/myorg/repos",
            "POST /repos/myorg/new-service/git/blobs",
            "POST /repos/myorg/new-service/git/blobs",
            "POST /repos/myorg/new-service/git/trees",
            "POST /repos/myorg/new-service/git/commits",
            "PATCH /repos/myorg/new-service/git/refs/heads/main",
            "PUT /repos/myorg/new-service/branches/main/protection",
        ]
    );
    assert!(requests
        .iter()
        .all(|r| r.header("authorization") == Some("Bearer ghp_test_token")));
    let create = requests[1].json();
    assert_eq!(create["name"], "new-service");
    assert_eq!(create["visibility"], "internal");
    assert_eq!(create["description"], "A new service");
    use base64::Engine as _;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(requests[2].json()["content"].as_str().unwrap())
        .unwrap();
    assert_eq!(blob, b"# new-service");
    let tree = requests[4].json();
    assert_eq!(tree["tree"][0]["path"], "README.md");
    assert_eq!(tree["tree"][0]["mode"], "100644");
    assert_eq!(tree["tree"][1]["path"], "src/run.sh");
    #[cfg(unix)]
    assert_eq!(tree["tree"][1]["mode"], "100755");
    assert_eq!(requests[5].json()["parents"], json!([]));
    assert_eq!(
        requests[6].json(),
        json!({ "sha": "commit1", "force": true })
    );
    assert_eq!(
        result.output.links[0]["url"],
        "https://github.com/myorg/new-service"
    );
    assert_eq!(
        result.steps[1].output["repoContentsUrl"],
        "https://github.com/myorg/new-service/blob/main"
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("svc/README.md")).unwrap(),
        "# new-service"
    );
    let all = format!("{events:?}");
    assert!(!all.contains("ghp_test_token"));
}

// The demo's provision-postgres template: github:actions:dispatch posts workflowInputs, finds the
// run it started and follows it to the end.
#[test]
fn actions_dispatch_posts_inputs_finds_the_run_and_follows_it() {
    let server = fake_github();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/templates/provision-postgres");
    let yaml = std::fs::read_to_string(demo.join("template.yaml")).unwrap();
    let t = Template::from_yaml(&yaml, Some(demo)).unwrap();
    let values = json!({ "name": "orders", "environment": "staging", "size": "small" });
    let (result, events) = execute(&t, values, Map::new(), &github_options(&server, None));
    let result = result.unwrap_or_else(|e| panic!("{e}: {events:#?}"));
    let requests = server.requests();
    let dispatch = requests
        .iter()
        .find(|r| r.path().ends_with("/dispatches"))
        .unwrap();
    let body = dispatch.json();
    assert_eq!(body["ref"], "main");
    assert_eq!(body["inputs"]["db_name"], "orders");
    assert_eq!(body["inputs"]["env"], "staging");
    assert_eq!(body["inputs"]["size"], "small");
    let list = requests
        .iter()
        .find(|r| r.path().ends_with("/runs"))
        .unwrap();
    assert_eq!(list.query("event").as_deref(), Some("workflow_dispatch"));
    let step = result
        .steps
        .iter()
        .find(|s| s.action == "github:actions:dispatch")
        .unwrap();
    assert_eq!(step.output["runId"], 2);
    assert_eq!(step.output["conclusion"], "success");
    let lines = logs(&events);
    for expected in [
        "Run 2 started: https://github.com/myorg/infra/actions/runs/2",
        "Run 2: in_progress",
        "Run 2: completed",
        "Run 2 completed: success",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} in {lines:#?}"
        );
    }
}

// docs/features/software-templates/writing-templates.md: the first example template, copied as
// it is (tests/fixtures/scaffolder/backstage-docs/template.yaml), with its `./template` skeleton.
#[test]
fn a_template_from_backstages_documentation_works_unchanged() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scaffolder/backstage-docs");
    let yaml = std::fs::read_to_string(dir.join("template.yaml")).unwrap();
    let t = Template::from_yaml(&yaml, Some(dir)).unwrap();
    // Its fetch:plain reads from GitHub: a dry run reads too (reading changes nothing).
    let server = fake_github();
    let options = RunOptions {
        dry_run: true,
        ..github_options(&server, None)
    };
    let values = json!({ "name": "my-app", "owner": "group:default/team-a", "repoUrl": "github.com?owner=backstage&repo=my-app" });
    let (result, events) = execute(&t, values, Map::new(), &options);
    let result = result.unwrap_or_else(|e| panic!("{e}: {events:#?}"));
    assert_eq!(
        paths(&result),
        vec![
            "catalog-info.yaml",
            "community/README.md",
            "community/assets/run.sh",
            "index.js"
        ]
    );
    assert_eq!(
        text(&result, "catalog-info.yaml").lines().nth(3),
        Some("  name: \"my-app\"")
    );
    assert_texts(
        &result,
        &[
            ("index.js", "console.log('Hello from my-app!');\n"),
            ("community/README.md", "# Community sessions\n"),
        ],
    );
    assert_eq!(result.steps[2].status, StepStatus::DryRun);
    // Only reads reached the server.
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(
        result.output.links[0]["url"],
        "https://github.com/backstage/my-app"
    );
    assert_eq!(
        result.output.links[1]["entityRef"],
        "component:default/my-app"
    );
}

/// Runs greenroom in `cwd` with the config in `cache`: empty unless the test wrote one.
fn cli(cache: &Path, cwd: &Path, args: &[&str]) -> binary::Run {
    let config = cache.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    let mut command = binary::command(cache, &config);
    command.args(args).current_dir(cwd);
    binary::execute(&mut command)
}

/// `template run TEMPLATE --values FILE` with templates from `source` (`--demo`, `--catalog X`)
/// and `more` arguments after, the values (file name, YAML or JSON) written in `cwd` first.
fn template_run(
    cache: &Path,
    cwd: &Path,
    source: &[&str],
    template: &str,
    (values_file, values): (&str, &str),
    more: &[&str],
) -> binary::Run {
    std::fs::write(cwd.join(values_file), values).unwrap();
    let mut args = source.to_vec();
    args.extend(["template", "run", template, "--values", values_file]);
    args.extend_from_slice(more);
    cli(cache, cwd, &args)
}

/// The demo's `nodejs-rest-api` template run with `values` and `more` arguments in a fresh folder,
/// returned with the run.
fn demo_nodejs_run(values: &str, more: &[&str]) -> (tempfile::TempDir, binary::Run) {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = template_run(
        cache.path(),
        dir.path(),
        &["--demo"],
        "nodejs-rest-api",
        ("values.yaml", values),
        more,
    );
    (dir, run)
}

const NODE_VALUES: &str = "name: shipping-quote-service\ndescription: Quotes shipping prices for carts\nowner: group:default/order-team\nsystem: system:default/ecommerce\nrepoUrl: github.com?owner=myorg&repo=shipping-quote-service\n";

#[test]
fn template_run_refuses_bad_values_naming_every_field_and_writes_nothing() {
    let (dir, run) = demo_nodejs_run("name: Not_Valid\nport: 80\n", &["--output", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for field in ["name", "description", "owner", "system", "repoUrl", "port"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with(&format!("greenroom: values.yaml: {field}: "))),
            "{field} in {}",
            run.stderr
        );
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn template_run_dry_run_prints_steps_and_files() {
    let (dir, run) = demo_nodejs_run(NODE_VALUES, &["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&[
        "[1/3] fetch-base: Fetch skeleton (fetch:template)",
        "would create the internal repository myorg/shipping-quote-service on github.com",
        "--- k8s/hpa.yaml",
        "  Open in catalog: component:default/shipping-quote-service",
    ]);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a dry run writes nothing"
    );
}

#[test]
fn template_test_writes_compares_and_diffs_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("values.yaml"),
        "name: orders\nenvironment: staging\nsize: small\n",
    )
    .unwrap();
    let args = [
        "--demo",
        "template",
        "test",
        "provision-postgres",
        "--values",
        "values.yaml",
        "--snapshot",
        "snap",
    ];
    let first = cli(cache.path(), dir.path(), &args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(dir.path().join("snap/.greenroom-dry-run.json").is_file());
    let same = cli(cache.path(), dir.path(), &args);
    assert_eq!(same.code, 0, "{}", same.stderr);
    std::fs::write(
        dir.path().join("values.yaml"),
        "name: invoices\nenvironment: staging\nsize: small\n",
    )
    .unwrap();
    let changed = cli(cache.path(), dir.path(), &args);
    assert_eq!(changed.code, 1);
    changed.assert_stdout_has_all(&[
        "--- a/.greenroom-dry-run.json\n+++ b/.greenroom-dry-run.json\n",
        "-            \"db_name\": \"orders\",",
        "+            \"db_name\": \"invoices\",",
    ]);
    let mut update = args.to_vec();
    update.push("--update");
    assert_eq!(cli(cache.path(), dir.path(), &update).code, 0);
    assert_eq!(cli(cache.path(), dir.path(), &args).code, 0);
}

#[test]
fn the_nodejs_golden_path_generates_a_repo_whose_tests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("values.yaml"), NODE_VALUES).unwrap();
    let run = cli(
        cache.path(),
        dir.path(),
        &[
            "--demo",
            "template",
            "test",
            "nodejs-rest-api",
            "--values",
            "values.yaml",
            "--snapshot",
            "repo",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let repo = dir.path().join("repo");
    for path in [
        "Dockerfile",
        ".github/workflows/ci.yml",
        "k8s/deployment.yaml",
        "k8s/service.yaml",
        "k8s/hpa.yaml",
        "src/tracing.js",
    ] {
        assert!(repo.join(path).is_file(), "{path}");
    }
    let dockerfile = std::fs::read_to_string(repo.join("Dockerfile")).unwrap();
    assert_eq!(dockerfile.matches("\nFROM ").count(), 2, "multi-stage");
    let workflow = std::fs::read_to_string(repo.join(".github/workflows/ci.yml")).unwrap();
    assert!(
        workflow.contains("  build:\n    needs: test")
            && workflow.contains("  deploy:\n    needs: build")
    );
    assert!(std::fs::read_to_string(repo.join("k8s/deployment.yaml"))
        .unwrap()
        .contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
    let validate = cli(
        cache.path(),
        dir.path(),
        &["validate", "repo/catalog-info.yaml"],
    );
    assert_eq!(validate.code, 0, "{}{}", validate.stdout, validate.stderr);
    validate.assert_stdout_has("1 entities, 0 errors");

    let npm = std::process::Command::new("npm").arg("--version").output();
    if npm.is_err() {
        assert!(
            std::env::var_os("GREENROOM_REQUIRE_PEERS").is_none(),
            "node and npm are required (GREENROOM_REQUIRE_PEERS is set)"
        );
        println!("skipped npm test: npm is not installed");
        return;
    }
    let test = std::process::Command::new("npm")
        .arg("test")
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "npm test failed:\n{}\n{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

// As a user would: a real `template run` of the golden path in a catalog checkout, publishing to
// GitHub (on 127.0.0.1) and registering the new component in that catalog.
#[test]
fn template_run_publishes_writes_and_registers_in_the_local_catalog() {
    let server = fake_github();
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo"),
        &catalog,
    );
    std::fs::write(dir.path().join("values.yaml"), NODE_VALUES).unwrap();
    std::fs::write(cache.path().join("no-config.toml"), "").unwrap();
    let mut command = binary::command(cache.path(), &cache.path().join("no-config.toml"));
    command
        .args([
            "--catalog",
            ".",
            "template",
            "run",
            "nodejs-rest-api",
            "--values",
            "../values.yaml",
        ])
        .current_dir(&catalog)
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", "ghp_cli_token");
    let run = binary::execute(&mut command);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.assert_stdout_has_all(&[
        "Registered ./shipping-quote-service/catalog-info.yaml in the local catalog",
        "  Repository: https://github.com/myorg/shipping-quote-service",
    ]);
    assert!(catalog.join("shipping-quote-service/src/app.js").is_file());
    assert!(!format!("{}{}", run.stdout, run.stderr).contains("ghp_cli_token"));
    let root = std::fs::read_to_string(catalog.join("catalog-info.yaml")).unwrap();
    assert!(
        root.ends_with(
            "spec:\n  type: file\n  target: ./shipping-quote-service/catalog-info.yaml\n"
        ),
        "{root}"
    );
    let show = cli(
        cache.path(),
        &catalog,
        &["--catalog", ".", "show", "shipping-quote-service"],
    );
    assert_eq!(show.code, 0, "{}", show.stderr);
    show.assert_stdout_has("group:default/order-team");
    // A second run into the same folder is refused before anything runs.
    let again = binary::execute(&mut command);
    assert_eq!(again.code, 1);
    again.assert_stderr_has("exists and is not empty");
}

// register.ts: with a Backstage backend, catalog:register POSTs the location and outputs the
// entity it reports.
#[test]
fn catalog_register_posts_to_a_backstage_backend() {
    let server = TestServer::start(|req: &Recorded| match (req.method.as_str(), req.path()) {
        ("POST", "/api/catalog/locations") => Reply::json(
            201,
            &json!({ "location": { "id": "l1", "type": "url", "target": "t" }, "entities": [
                { "kind": "Location", "metadata": { "name": "generated-1", "namespace": "default" } },
                { "kind": "Component", "metadata": { "name": "svc", "namespace": "default" } },
            ] }),
        ),
        _ => Reply::status(404),
    });
    let dir = tempfile::tempdir().unwrap();
    let t = template(
        dir.path(),
        "  steps:\n    - id: register\n      action: catalog:register\n      input:\n        repoContentsUrl: https://github.com/o/svc/blob/main\n        catalogInfoPath: /catalog-info.yaml\n",
    );
    let client = Arc::new(Client::new(Options::default(), None, Log::Off));
    let options = RunOptions {
        dry_run: false,
        registration: run::Registration::Backstage {
            url: server.url(),
            token: Some(greenroom::config::Secret::new("bs-token")),
            client,
        },
        ..RunOptions::default()
    };
    let (result, _) = execute(&t, json!({}), Map::new(), &options);
    let result = result.unwrap();
    assert_eq!(result.steps[0].output["entityRef"], "component:default/svc");
    let request = &server.requests()[0];
    assert_eq!(request.header("authorization"), Some("Bearer bs-token"));
    assert_eq!(
        request.json(),
        json!({ "type": "url", "target": "https://github.com/o/svc/blob/main/catalog-info.yaml" })
    );
}

// Backstage's scaffolder API (docs/features/software-templates/api: scaffold, stream-logs-polling):
// a template with backend-only actions runs on the backend, its log followed to completion.
#[test]
fn a_template_runs_on_a_backstage_backend_and_its_log_is_followed() {
    let polls = Arc::new(Mutex::new(0u32));
    let server = TestServer::start(
        move |req: &Recorded| match (req.method.as_str(), req.path()) {
            ("POST", "/api/scaffolder/v2/tasks") => Reply::json(201, &json!({ "id": "task-1" })),
            ("GET", "/api/scaffolder/v2/tasks/task-1/events") => {
                let mut n = polls.lock().unwrap();
                *n += 1;
                let events = match *n {
                    1 => json!([
                        { "id": 1, "taskId": "task-1", "type": "log", "body": { "message": "Beginning step Notify", "stepId": "notify", "status": "processing" } },
                        { "id": 2, "taskId": "task-1", "type": "log", "body": { "message": "sent with s3cret-token", "stepId": "notify" } },
                    ]),
                    2 => json!([]),
                    _ => json!([
                        { "id": 3, "taskId": "task-1", "type": "completion", "body": { "message": "Run completed with status: completed", "output": { "links": [{ "title": "Docs", "url": "https://example.com" }] } } },
                    ]),
                };
                Reply::json(200, &events)
            }
            _ => Reply::status(404),
        },
    );
    let client = Client::new(Options::default(), None, Log::Off);
    let backend = greenroom::scaffolder::remote::Backend {
        url: &server.url(),
        token: Some(greenroom::config::Secret::new("bs-token")),
        client: &client,
        poll_interval: Duration::from_millis(1),
        max_polls: 10,
    };
    let secrets: Map<String, Value> = [("token".to_string(), json!("s3cret-token"))]
        .into_iter()
        .collect();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let runtime = runtime();
    let task = runtime
        .block_on(greenroom::scaffolder::remote::run_on_backend(
            &backend,
            "template:default/notify",
            &json!({ "name": "x" }),
            &secrets,
            move |e| sink.lock().unwrap().push(e),
        ))
        .unwrap();
    assert_eq!(task.id, "task-1");
    assert_eq!(task.output.links[0]["url"], "https://example.com");
    let requests = server.requests();
    assert_eq!(
        requests[0].json(),
        json!({ "templateRef": "template:default/notify", "values": { "name": "x" }, "secrets": { "token": "s3cret-token" } })
    );
    assert_eq!(requests[0].header("authorization"), Some("Bearer bs-token"));
    assert_eq!(requests[1].query("after"), None);
    assert_eq!(requests[2].query("after").as_deref(), Some("2"));
    let lines = logs(&events.lock().unwrap());
    assert!(lines.contains(&"Beginning step Notify".to_string()));
    assert!(lines.contains(&"sent with ***".to_string()), "{lines:?}");
}

// plugins/scaffolder-backend/src/scaffolder/actions/builtin/filesystem/rename.test.ts: the error
// cases and overwrite, with Backstage's messages.
#[test]
fn fs_rename_cases_from_backstages_tests() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("ws/unit-test-a.js", b"hello"),
            ("ws/unit-test-b.js", b"world"),
            ("ws/unit-test-c.js", b"i will be overwritten :-("),
            ("ws/a-folder/file.md", b"content"),
        ],
    );
    let run_with = |files: &str| {
        let t = template(
            dir.path(),
            &format!("  steps:\n    - id: f\n      action: fetch:plain\n      input:\n        url: ./ws\n    - id: r\n      action: fs:rename\n      input:\n        files: {files}\n"),
        );
        execute(&t, json!({}), Map::new(), &RunOptions::default()).0
    };
    let error = |files: &str| run_with(files).unwrap_err().to_string();
    for files in ["{}", "null"] {
        assert!(error(files).contains("files must be an Array"), "{files}");
    }
    // An empty string renders absent (Backstage's rule), so the input is missing.
    assert!(error("''").contains("input files is required"));
    for files in ["['old.md']", "[{ from: old.md }]", "[{ to: new.md }]"] {
        assert!(
            error(files).contains("each file must have a from and to property"),
            "{files}"
        );
    }
    for files in [
        "[{ from: index.js, to: /core/../../../index.js }]",
        "[{ from: /core/../../../index.js, to: index.js }]",
        "[{ from: a-folder, to: ../../x }]",
    ] {
        let e = error(files);
        assert!(
            e.contains("absolute path") || e.contains("outside the workspace"),
            "{files}: {e}"
        );
    }
    assert!(error("[{ from: unit-test-a.js, to: unit-test-c.js }]").contains("dest already exists"));
    let moved = run_with("[{ from: unit-test-a.js, to: unit-test-c.js, overwrite: true }, { from: a-folder, to: b-folder/inner }]").unwrap();
    assert_texts(
        &moved,
        &[
            ("unit-test-c.js", "hello"),
            ("b-folder/inner/file.md", "content"),
        ],
    );
    assert_eq!(
        paths(&moved),
        vec!["b-folder/inner/file.md", "unit-test-b.js", "unit-test-c.js"]
    );
}

/// A template whose file is at `location` on GitHub, fetching `url` in its one step.
fn template_on_github(location: &str, url: &str) -> Template {
    let yaml = format!(
        "{HEADER}  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: {url}\n"
    );
    let doc: Value = serde_yaml::from_str(&yaml).unwrap();
    let source = greenroom::catalog::Source {
        location: location.into(),
        pos: Default::default(),
    };
    let entity = greenroom::catalog::Entity::from_document(
        greenroom::catalog::value::Value::from_json(&doc),
        source,
    )
    .unwrap();
    Template::from_entity(&entity).unwrap()
}

// A template found on GitHub (org discovery records the file's GitHub URL as its location): its
// relative skeleton url is read from its folder there; a shared skeleton reached with `../`
// resolves against the URL as Backstage does, never above the repository.
#[test]
fn a_template_read_from_github_fetches_its_skeleton_from_there() {
    let server = fake_github();
    let options = RunOptions {
        dry_run: true,
        ..github_options(&server, None)
    };
    for (location, url) in [
        (
            "https://github.com/backstage/community/blob/main/template.yaml",
            "./backstage-community-sessions",
        ),
        (
            "https://github.com/backstage/community/blob/main/templates/sessions/template.yaml",
            "../../backstage-community-sessions/",
        ),
    ] {
        let t = template_on_github(location, url);
        assert_eq!(t.base_dir, None);
        let (result, events) = execute(&t, json!({}), Map::new(), &options);
        let result = result.unwrap_or_else(|e| panic!("{url}: {e}: {events:#?}"));
        assert_eq!(paths(&result), vec!["README.md", "assets/run.sh"]);
        assert_eq!(text(&result, "assets/run.sh"), "echo hi\n");
    }
    let t = template_on_github(
        "https://github.com/backstage/community/blob/main/templates/sessions/template.yaml",
        "../../../elsewhere/",
    );
    let (result, _) = execute(&t, json!({}), Map::new(), &options);
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("step fetch failed")
            && message.contains("../../../elsewhere/")
            && message.contains("leads outside the template's repository"),
        "{message}"
    );
}

#[test]
fn a_real_run_that_needs_github_without_a_token_stops_before_any_step() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/templates/provision-postgres");
    let yaml = std::fs::read_to_string(demo.join("template.yaml")).unwrap();
    let t = Template::from_yaml(&yaml, Some(demo)).unwrap();
    let options = writing_to(dir.path().join("o"));
    let (result, events) = execute(
        &t,
        json!({ "name": "orders", "environment": "dev", "size": "small" }),
        Map::new(),
        &options,
    );
    let error = result.unwrap_err().to_string();
    assert!(
        error.contains("trigger-terraform (github:actions:dispatch)")
            && error.contains("GITHUB_TOKEN"),
        "{error}"
    );
    assert_no_step_started(&events);
}

// writing-templates.md, "Accessing the signed-in users details": `${{ user.entity }}` is the
// catalog User of whoever runs the template (here `[identity] user` in the config).
#[test]
fn user_entity_is_the_configured_identity() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write_template(
        dir.path(),
        "catalog-info.yaml",
        "  steps:\n    - id: who\n      action: debug:log\n      input:\n        message: ${{ user.entity.metadata.name }} <${{ user.entity.spec.profile.email }}> as ${{ user.ref }}\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: jane\nspec:\n  profile:\n    email: jane@example.com\n  memberOf: []\n",
    );
    std::fs::write(
        cache.path().join("config.toml"),
        "[identity]\nuser = \"jane\"\n",
    )
    .unwrap();
    let run = template_run(
        cache.path(),
        dir.path(),
        &["--catalog", "."],
        "t",
        ("values.yaml", "{}\n"),
        &["--dry-run"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("      jane <jane@example.com> as user:default/jane\n");
}

// builtin-actions.md catalog:fetch: an entity (or several) from the catalog, by reference.
#[test]
fn catalog_fetch_reads_the_loaded_catalog() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-a\n",
    )
    .unwrap();
    let catalog = greenroom::catalog::load::load_paths(&[dir.path().to_path_buf()]).catalog;
    let t = template(
        dir.path(),
        "  steps:\n    - id: fetch\n      action: catalog:fetch\n      input:\n        entityRef: component:svc\n    - id: many\n      action: catalog:fetch\n      input:\n        entityRefs: [svc, nope]\n        defaultKind: component\n        optional: true\n    - id: log\n      action: debug:log\n      input:\n        message: owner ${{ steps.fetch.output.entity.spec.owner }}, second ${{ steps.many.output.entities[1] }}\n",
    );
    let options = RunOptions {
        catalog: Some(Arc::new(catalog)),
        ..RunOptions::default()
    };
    let (result, events) = execute(&t, json!({}), Map::new(), &options);
    let result = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        result.steps[1].output["entities"][0]["metadata"]["name"],
        "svc"
    );
    assert_eq!(result.steps[1].output["entities"][1], Value::Null);
    assert!(
        logs(&events).contains(&"owner group:team-a, second ".to_string()),
        "{:?}",
        logs(&events)
    );
    let missing = template(
        dir.path(),
        "  steps:\n    - id: fetch\n      action: catalog:fetch\n      input:\n        entityRef: component:nope\n",
    );
    let (result, _) = execute(&missing, json!({}), Map::new(), &options);
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("Entity component:default/nope not found"));
}

/// The demo's two templates run for real from the CLI against the demo API: the workflow dispatch
/// finds its new run and follows it to success; the golden path publishes to GitHub and registers
/// in the catalog.
#[test]
fn the_demo_templates_run_for_real_against_the_demo_api() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = template_run(
        cache.path(),
        work.path(),
        &["--demo"],
        "provision-postgres",
        (
            "pg.yaml",
            "name: orders-db\nenvironment: staging\nsize: small\n",
        ),
        &[],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let log = run.stdout.as_str();
    let order = [
        "Dispatching workflow provision-database.yml of myorg/infra on main",
        "Run 9400000100 started: https://github.com/myorg/infra/actions/runs/9400000100",
        "Run 9400000100: completed",
        "Run 9400000100 completed: success",
        "the Terraform run ended with success.",
    ];
    let mut from = 0;
    for line in order {
        let at = log[from..]
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} in order in:\n{log}"));
        from += at + line.len();
    }
    run.assert_stderr_has("DEMO");

    let out = work.path().join("out");
    let run = template_run(
        cache.path(),
        work.path(),
        &["--demo"],
        "nodejs-rest-api",
        ("node.yaml", NODE_VALUES),
        &["--output", out.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.assert_stdout_has_all(&[
        "Creating repository myorg/shipping-quote-service (internal)",
        "Protected main (1 approving review required)",
        "Registering https://github.com/myorg/shipping-quote-service/blob/main/catalog-info.yaml in the catalog at http://127.0.0.1:",
        "  Repository: https://github.com/myorg/shipping-quote-service",
        "  Open in catalog: component:default/shipping-quote-service",
    ]);
    assert!(out.join("catalog-info.yaml").is_file());
}

/// A step input that does not render is kept as written, as Backstage keeps it, and the dry run
/// says so: the step, the field and the position of the error in the expression.
#[test]
fn a_step_input_that_does_not_render_is_kept_and_named_in_the_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write_template(
        dir.path(),
        "template.yaml",
        "  parameters:\n    - properties:\n        name: { type: string }\n  steps:\n    - id: say\n      name: Say\n      action: debug:log\n      input:\n        message: ${{ parameters.name && 'x' }}\n",
    );
    let run = template_run(
        cache.path(),
        dir.path(),
        &["--catalog", "template.yaml"],
        "t",
        ("values.json", r#"{"name": "orders"}"#),
        &["--dry-run"],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    let warning = all
        .lines()
        .find(|l| l.contains("input.message"))
        .unwrap_or_else(|| panic!("no warning naming the field:\n{all}"));
    assert!(
        warning.contains("say") && warning.contains("column"),
        "{warning}"
    );
    assert!(
        all.contains("${{ parameters.name && 'x' }}"),
        "kept as written:\n{all}"
    );
}
