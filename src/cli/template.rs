//! `greenroom template ...`: the Scaffolder templates in the catalog; run one non-interactively
//! (or as a dry run), or test one against a snapshot of what it renders.

use super::context::{resolve_or_explain, Context};
use super::output::{cell, print_table};
use crate::catalog::Catalog;
use crate::providers::github::GitHub;
use crate::providers::http::{Client, Log, Options};
use crate::scaffolder::run::{self, RunEvent, RunOptions, RunResult, StepStatus};
use crate::scaffolder::Template;
use crate::scaffolder::{form, launch};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Templates in the catalog.
    List,
    /// Run a template non-interactively with the values in FILE (YAML or JSON).
    Run(RunArgs),
    /// Render a template offline and compare what it writes with the snapshot in DIR.
    Test(TestArgs),
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The template: `[template:][namespace/]name`.
    pub reference: String,
    /// The form's values: a YAML or JSON object of field names to values.
    #[arg(long, value_name = "FILE")]
    pub values: PathBuf,
    /// Perform no side effect: print every step with its inputs and the files it would write.
    #[arg(long)]
    pub dry_run: bool,
    /// Where the generated files go (default: ./NAME, NAME being the `name` value or the
    /// template's name); it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Run even though some steps need a Backstage backend; those steps are left out.
    #[arg(long)]
    pub skip_backend_actions: bool,
    /// Run the template on the Backstage backend at BACKSTAGE_URL instead of here (templates
    /// with actions only a backend has).
    #[arg(long, conflicts_with_all = ["dry_run", "output", "skip_backend_actions"])]
    pub on_backstage: bool,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// The template: `[template:][namespace/]name`.
    pub reference: String,
    /// The form's values: a YAML or JSON object of field names to values.
    #[arg(long, value_name = "FILE")]
    pub values: PathBuf,
    /// The snapshot folder: the files the template writes, plus `.greenroom-dry-run.json` (its
    /// steps' rendered inputs and its output).
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// Write the snapshot even when it exists.
    #[arg(long)]
    pub update: bool,
    /// Keep watching: test again after every save of the template, its skeleton or the values
    /// (Ctrl-C exits with the last run's code).
    #[arg(long)]
    pub watch: bool,
}

/// The snapshot's record of the steps and output (templates that dispatch workflows write no file).
pub const STEPS_FILE: &str = ".greenroom-dry-run.json";

pub fn run(context: &Context, command: &Command, verbose: bool) -> Result<ExitCode, ExitCode> {
    match command {
        Command::List => list(context),
        Command::Run(args) => run_template(context, args, verbose),
        Command::Test(args) if args.watch => Ok(watch_template(context, args)),
        Command::Test(args) => test_template(context, args),
    }
}

fn list(context: &Context) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let rows: Vec<Vec<String>> = catalog
        .entities
        .iter()
        .filter(|e| e.is_kind("Template"))
        .map(|e| {
            vec![
                e.reference.short(),
                e.display_name().to_string(),
                cell(e.spec_type()),
                cell(e.owner()),
                cell(e.description()),
            ]
        })
        .collect();
    print_table(
        &["TEMPLATE", "TITLE", "TYPE", "OWNER", "DESCRIPTION"],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("greenroom: {message}");
    ExitCode::from(1)
}

/// A template reference: a name without a kind means a Template, not a Component.
fn find_template(
    context: &Context,
    catalog: &Catalog,
    reference: &str,
) -> Result<Template, ExitCode> {
    let id = match reference.contains(':') {
        false => catalog
            .resolve(&format!("template:{reference}"))
            .or_else(|_| resolve_or_explain(catalog, reference)),
        true => resolve_or_explain(catalog, reference),
    }?;
    Template::from_entity(catalog.entity(id))
        .map(|t| t.with_source_roots(&context.source.local_roots()))
        .map_err(fail)
}

/// Reads the values file; the secret fields are split off into `secrets`. Every bad field is
/// named (exit 1) before anything runs.
fn read_values(template: &Template, file: &Path) -> Result<(Value, Map<String, Value>), ExitCode> {
    let text =
        std::fs::read_to_string(file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let mut values: Value = if text.trim().is_empty() {
        json!({})
    } else {
        serde_yaml::from_str(&text).map_err(|e| fail(format!("{}: {e}", file.display())))?
    };
    if values.is_null() {
        values = json!({});
    }
    if !values.is_object() {
        return Err(fail(format!(
            "{}: the values must be an object of field names to values",
            file.display()
        )));
    }
    for page in &template.parameters {
        form::apply_defaults(page, &mut values);
    }
    let errors = form::validate(template, &values);
    if !errors.is_empty() {
        for error in &errors {
            eprintln!("greenroom: {}: {error}", file.display());
        }
        eprintln!(
            "greenroom: {} bad value{}; nothing was run",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        return Err(ExitCode::from(1));
    }
    Ok(form::split_secrets(template, &values))
}

fn needs_github(template: &Template) -> bool {
    let on_github = template.base_dir.is_none() && template.base_url.is_some();
    template.steps.iter().any(|s| {
        let remote_url = s
            .input
            .get("url")
            .and_then(Value::as_str)
            .is_some_and(|u| u.contains("://"));
        s.action == "publish:github"
            || s.action.starts_with("github:")
            || (s.action.starts_with("fetch:") && (on_github || remote_url))
    })
}

/// Prints the live log: a header per step, its log lines indented.
fn printer(total: usize) -> impl FnMut(RunEvent) + Send {
    move |event| match event {
        RunEvent::StepStarted {
            index,
            id,
            name,
            action,
        } => println!("[{}/{total}] {id}: {name} ({action})", index + 1),
        RunEvent::Log { line, .. } => {
            for l in line.lines() {
                println!("      {l}");
            }
        }
        RunEvent::StepFinished { index, id, status } => match status {
            StepStatus::Skipped => println!("[{}/{total}] {id}: skipped (if was false)", index + 1),
            StepStatus::DryRun => println!("      (not performed: dry run)"),
            StepStatus::NotRunLocally => println!("      (not run locally: backend-only action)"),
            _ => {}
        },
        RunEvent::Failed { step, message } => match step {
            Some(step) => eprintln!("greenroom: step {step} failed: {message}"),
            None => eprintln!("greenroom: {message}"),
        },
        RunEvent::Finished => {}
    }
}

fn run_template(context: &Context, args: &RunArgs, verbose: bool) -> Result<ExitCode, ExitCode> {
    let catalog = context.load_owned()?;
    let template = find_template(context, &catalog, &args.reference)?;
    let (parameters, secrets) = read_values(&template, &args.values)?;
    if let Err(problems) = run::plan(&template) {
        for p in problems {
            eprintln!("greenroom: {}: {p}", template.reference);
        }
        return Err(ExitCode::from(1));
    }
    if args.on_backstage {
        return run_on_backstage(context, &template, &parameters, &secrets, verbose);
    }
    let backend = run::backend_steps(&template);
    if !backend.is_empty() && !args.dry_run && !args.skip_backend_actions {
        return Err(fail(format!(
            "{}: these steps need a Backstage backend and cannot run here: {}. Run with --skip-backend-actions to go on without them, or with --on-backstage to run the template on the Backstage backend at BACKSTAGE_URL.",
            template.reference,
            backend.join(", ")
        )));
    }
    let client = Arc::new(Client::from_config(&context.config, Log::verbose(verbose)));
    let local_catalog = launch::local_catalog_file(&context.config, &context.source);
    let mut options = RunOptions {
        dry_run: args.dry_run,
        skip_backend_actions: args.skip_backend_actions,
        ..launch::options(
            &context.config,
            Arc::new(catalog),
            local_catalog,
            client.clone(),
        )
    };
    if !args.dry_run {
        let name = parameters
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| {
                crate::scaffolder::workspace::safe_path(n)
                    .is_ok_and(|p| !p.is_empty() && !p.contains('/'))
            })
            .unwrap_or(&template.name)
            .to_string();
        let dir = args.output.clone().unwrap_or_else(|| PathBuf::from(name));
        if std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some()) {
            return Err(fail(format!(
                "{} exists and is not empty; choose another folder with --output",
                dir.display()
            )));
        }
        options.output_dir = Some(dir);
    }
    // GitHub for publishing and dispatching, and for reading skeletons from GitHub urls (a dry run
    // reads them too: reading changes nothing).
    if needs_github(&template) {
        options.github = GitHub::from_config(&context.config, client.clone()).ok();
    }
    if args.dry_run {
        println!(
            "Dry run of {} ({}): nothing is written and nothing is called.",
            template.reference, template.title
        );
    }
    let total = template.steps.len();
    let result = super::context::runtime()?.block_on(run::run(
        &template,
        &parameters,
        &secrets,
        &options,
        printer(total),
    ));
    let result = result.map_err(|_| ExitCode::from(1))?;
    if args.dry_run {
        print_files(&result);
    } else if let Some(dir) = &result.written_to {
        println!("Wrote {} files to {}", result.files.len(), dir.display());
    }
    print_output(&result);
    Ok(ExitCode::SUCCESS)
}

fn run_on_backstage(
    context: &Context,
    template: &Template,
    parameters: &Value,
    secrets: &Map<String, Value>,
    verbose: bool,
) -> Result<ExitCode, ExitCode> {
    let url = context.config.backstage_url().ok_or_else(|| {
        fail("--on-backstage needs a Backstage backend: set BACKSTAGE_URL (and BACKSTAGE_TOKEN), or [backstage] url in config.toml")
    })?;
    let client = Client::new(Options::from_env(), None, Log::verbose(verbose));
    let backend = crate::scaffolder::remote::Backend {
        url: &url,
        token: context.config.backstage_token(),
        client: &client,
        poll_interval: std::time::Duration::from_secs(2),
        max_polls: 3600,
    };
    let task = super::context::runtime()?
        .block_on(crate::scaffolder::remote::run_on_backend(
            &backend,
            &template.reference,
            parameters,
            secrets,
            printer(template.steps.len()),
        ))
        .map_err(|e| fail(format!("{}: {e}", template.reference)))?;
    print_output(&RunResult {
        steps: Vec::new(),
        files: Vec::new(),
        dirs: Vec::new(),
        output: task.output,
        written_to: None,
    });
    Ok(ExitCode::SUCCESS)
}

fn print_files(result: &RunResult) {
    println!();
    if result.files.is_empty() && result.dirs.is_empty() {
        println!("It would write no file.");
        return;
    }
    println!("Files it would write ({}):", result.files.len());
    for (path, contents) in &result.files {
        println!("  {path} ({} bytes)", contents.len());
    }
    for dir in &result.dirs {
        println!("  {dir}/ (empty folder)");
    }
    for (path, contents) in &result.files {
        println!();
        println!("--- {path}");
        match std::str::from_utf8(contents) {
            Ok(text) => {
                print!("{text}");
                if !text.ends_with('\n') && !text.is_empty() {
                    println!();
                }
            }
            Err(_) => println!("(binary, {} bytes)", contents.len()),
        }
    }
}

fn print_output(result: &RunResult) {
    if result.output.links.is_empty() && result.output.text.is_empty() {
        return;
    }
    println!();
    println!("Output:");
    for link in &result.output.links {
        let title = link.get("title").and_then(Value::as_str).unwrap_or("link");
        let target = link
            .get("url")
            .or_else(|| link.get("entityRef"))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .unwrap_or_default();
        println!("  {title}: {target}");
    }
    for text in &result.output.text {
        let title = text.get("title").and_then(Value::as_str).unwrap_or("text");
        let content = text
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        println!("  {title}:");
        for line in content.lines() {
            println!("    {line}");
        }
    }
}

/// The snapshot of a dry run: every file, plus the steps and output as JSON.
fn snapshot_of(result: &RunResult) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<String, Vec<u8>> = result.files.iter().cloned().collect();
    let steps: Vec<Value> = result
        .steps
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "action": s.action,
                "status": format!("{:?}", s.status),
                "inputs": s.inputs,
                "output": s.output,
            })
        })
        .collect();
    let record = json!({
        "steps": steps,
        "output": { "links": result.output.links, "text": result.output.text },
    });
    files.insert(
        STEPS_FILE.into(),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&record).unwrap_or_default()
        )
        .into_bytes(),
    );
    files
}

fn read_snapshot(dir: &Path) -> std::io::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, std::fs::read(&path)?);
            }
        }
    }
    Ok(files)
}

fn write_snapshot(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    if dir.exists() {
        // Only a folder that looks like a snapshot is replaced.
        if !dir.join(STEPS_FILE).is_file()
            && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
        {
            return Err(format!(
                "{} is not empty and holds no {STEPS_FILE}; refusing to replace it",
                dir.display()
            ));
        }
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut workspace = crate::scaffolder::workspace::Workspace::new();
    for (path, contents) in files {
        workspace
            .write(path, contents.clone(), false)
            .map_err(|e| e.0)?;
    }
    workspace.write_to(dir).map(|_| ()).map_err(|e| e.0)
}

/// A unified diff of two snapshots, file by file.
pub fn diff(old: &BTreeMap<String, Vec<u8>>, new: &BTreeMap<String, Vec<u8>>) -> String {
    let mut out = String::new();
    let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        if a == b {
            continue;
        }
        let text = |v: Option<&Vec<u8>>| {
            v.map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        let (a_name, b_name) = (
            if a.is_some() {
                format!("a/{path}")
            } else {
                "/dev/null".into()
            },
            if b.is_some() {
                format!("b/{path}")
            } else {
                "/dev/null".into()
            },
        );
        let (a_text, b_text) = (text(a), text(b));
        let diff = similar::TextDiff::from_lines(&a_text, &b_text);
        out.push_str(&format!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&a_name, &b_name)
        ));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// `template test --watch`: the test again after each save under the catalog's folders and the
/// values file's; the snapshot's own writes do not count.
fn watch_template(context: &Context, args: &TestArgs) -> ExitCode {
    let mut roots = context.source.local_roots();
    roots.extend(
        args.values
            .parent()
            .map(|dir| match dir.as_os_str().is_empty() {
                true => PathBuf::from("."),
                false => dir.to_path_buf(),
            }),
    );
    let absolute = |p: &Path| {
        crate::catalog::load::normalize(&std::path::absolute(p).unwrap_or_else(|_| p.into()))
    };
    let snapshot = absolute(&args.snapshot);
    let mut last = ExitCode::SUCCESS;
    super::watch::rerun(&roots, crate::sources::watch::Files::All, |changed| {
        let ours = |p: &PathBuf| absolute(p).starts_with(&snapshot);
        if changed.is_some_and(|paths| paths.iter().all(ours)) {
            return last;
        }
        last = test_template(context, args).unwrap_or_else(|code| code);
        last
    })
}

fn test_template(context: &Context, args: &TestArgs) -> Result<ExitCode, ExitCode> {
    let catalog = context.load_owned()?;
    let template = find_template(context, &catalog, &args.reference)?;
    let (parameters, secrets) = read_values(&template, &args.values)?;
    let options = RunOptions {
        dry_run: true,
        catalog: Some(Arc::new(catalog)),
        ..RunOptions::default()
    };
    let mut failures = Vec::new();
    let result = super::context::runtime()?.block_on(run::run(
        &template,
        &parameters,
        &secrets,
        &options,
        |event| {
            if let RunEvent::Failed { step, message } = event {
                failures.push(match step {
                    Some(step) => format!("step {step} failed: {message}"),
                    None => message,
                });
            }
        },
    ));
    let result = match result {
        Ok(result) => result,
        Err(_) => {
            for f in failures {
                eprintln!("greenroom: {}: {f}", template.reference);
            }
            return Err(ExitCode::from(1));
        }
    };
    let rendered = snapshot_of(&result);
    if args.update || !args.snapshot.exists() {
        write_snapshot(&args.snapshot, &rendered).map_err(fail)?;
        println!(
            "Wrote the snapshot of {} ({} files) to {}",
            template.reference,
            rendered.len(),
            args.snapshot.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let stored = read_snapshot(&args.snapshot)
        .map_err(|e| fail(format!("{}: {e}", args.snapshot.display())))?;
    if stored == rendered {
        println!(
            "{} renders as its snapshot {} ({} files)",
            template.reference,
            args.snapshot.display(),
            rendered.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", diff(&stored, &rendered));
    eprintln!(
        "greenroom: {} no longer renders as its snapshot {}; run with --update to accept the change",
        template.reference,
        args.snapshot.display()
    );
    Err(ExitCode::from(1))
}
