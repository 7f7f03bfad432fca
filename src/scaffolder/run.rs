//! Runs a template's steps: Backstage's `NunjucksWorkflowRunner` semantics (`if`, `each`, step
//! outputs under `steps['id'].output`, `secrets` only while rendering action inputs, `output`
//! rendered at the end) on an in-memory workspace written to disk at the end of a real run.
//!
//! Before the first step: every action is classified (unknown ones and missing required inputs
//! are reported, all at once), and the steps that only a Backstage backend can run are named;
//! a real run refuses them unless `skip_backend_actions` was confirmed. Secrets are masked in
//! every event, error and dry-run listing.

use super::actions::{self, ActionContext, Kind};
pub use super::options::{Registration, RunOptions};
use super::template::{is_truthy, Context, RenderWarning, Templater};
use super::workspace::Workspace;
use super::Template;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// `each` may iterate this many times.
pub const MAX_EACH: usize = 1000;

/// What a run reports as it goes (for a live log). Every text is already masked.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    StepStarted {
        index: usize,
        id: String,
        name: String,
        action: String,
    },
    Log {
        step: Option<String>,
        line: String,
    },
    StepFinished {
        index: usize,
        id: String,
        status: StepStatus,
    },
    Failed {
        step: Option<String>,
        message: String,
    },
    Finished,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepStatus {
    Done,
    /// `if` was false.
    Skipped,
    /// A dry run did not perform it (external side effect); its output is predicted.
    DryRun,
    /// Only a Backstage backend has the action.
    NotRunLocally,
    Failed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    pub id: String,
    pub name: String,
    pub action: String,
    pub status: StepStatus,
    /// Rendered inputs, secrets masked (one per `each` iteration).
    pub inputs: Vec<Value>,
    pub output: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RenderedOutput {
    pub links: Vec<Value>,
    pub text: Vec<Value>,
    pub other: Map<String, Value>,
}

#[derive(Clone, Debug)]
pub struct RunResult {
    pub steps: Vec<StepReport>,
    /// The workspace's files at the end, in path order (what a dry run would write).
    pub files: Vec<(String, Vec<u8>)>,
    /// Empty folders too, for a faithful tree.
    pub dirs: Vec<String>,
    pub output: RenderedOutput,
    /// Where a real run wrote the files.
    pub written_to: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    /// Found before any step ran.
    #[error("{}", .0.join("\n"))]
    Preflight(Vec<String>),
    #[error("step {step} failed: {message}")]
    Step { step: String, message: String },
    #[error("{0}")]
    Other(String),
}

/// A step before it runs: its action's kind.
pub struct Planned<'a> {
    pub step: &'a super::Step,
    pub kind: Kind,
}

/// Classifies every step; all the problems at once.
pub fn plan(template: &Template) -> Result<Vec<Planned<'_>>, Vec<String>> {
    let mut problems = Vec::new();
    let mut planned = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for step in &template.steps {
        if !ids.insert(step.id.as_str()) {
            problems.push(format!(
                "step {}: the id is used by an earlier step",
                step.id
            ));
        }
        match actions::classify(&step.action) {
            Ok(kind) => {
                let input = step.input.as_object();
                for key in actions::required_inputs(&step.action) {
                    if !input.is_some_and(|i| i.contains_key(*key)) {
                        problems.push(format!(
                            "step {} ({}): input {key} is required",
                            step.id, step.action
                        ));
                    }
                }
                if step.action == "catalog:register"
                    && !input.is_some_and(|i| {
                        i.contains_key("catalogInfoUrl") || i.contains_key("repoContentsUrl")
                    })
                {
                    problems.push(format!(
                        "step {} (catalog:register): input catalogInfoUrl or repoContentsUrl is required",
                        step.id
                    ));
                }
                planned.push(Planned { step, kind });
            }
            Err(e) => problems.push(format!("step {}: {e}", step.id)),
        }
    }
    if problems.is_empty() {
        Ok(planned)
    } else {
        Err(problems)
    }
}

/// The steps only a Backstage backend can run, as `id (action)`.
pub fn backend_steps(template: &Template) -> Vec<String> {
    template
        .steps
        .iter()
        .filter(|s| actions::classify(&s.action) == Ok(Kind::Backend))
        .map(|s| format!("{} ({})", s.id, s.action))
        .collect()
}

/// Replaces every secret value in text with `***`.
#[derive(Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    pub fn new(secrets: &Map<String, Value>) -> Masker {
        let mut values: Vec<String> = secrets
            .values()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .filter(|s| !s.is_empty())
            .collect();
        // Longest first, so a secret containing another is masked whole.
        values.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Masker { secrets: values }
    }

    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }

    pub fn mask_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.mask(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.mask_value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.mask_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Runs the template. `values` are the form's parameters, `secrets` the `secrets.*` values.
pub async fn run(
    template: &Template,
    values: &Value,
    secrets: &Map<String, Value>,
    options: &RunOptions,
    mut events: impl FnMut(RunEvent) + Send,
) -> Result<RunResult, RunError> {
    let masker = Masker::new(secrets);
    let fail = |events: &mut dyn FnMut(RunEvent), step: Option<String>, message: String| {
        let message = masker.mask(&message);
        events(RunEvent::Failed {
            step: step.clone(),
            message: message.clone(),
        });
        match step {
            Some(step) => RunError::Step { step, message },
            None => RunError::Other(message),
        }
    };
    // Backstage keeps a step's string unrendered when it fails to render; we do too, and say so.
    let warn =
        |events: &mut dyn FnMut(RunEvent), step: Option<&String>, warnings: Vec<RenderWarning>| {
            for w in warnings {
                events(RunEvent::Log {
                    step: step.cloned(),
                    line: masker.mask(&format!(
                        "warning: {}{} was left unrendered, as Backstage leaves it: {}",
                        step.map(|s| format!("step {s} ")).unwrap_or_default(),
                        w.field,
                        w.error
                    )),
                });
            }
        };
    let planned = match plan(template) {
        Ok(p) => p,
        Err(problems) => {
            let problems: Vec<String> = problems.iter().map(|p| masker.mask(p)).collect();
            events(RunEvent::Failed {
                step: None,
                message: problems.join("\n"),
            });
            return Err(RunError::Preflight(problems));
        }
    };
    let needs_github: Vec<String> = template
        .steps
        .iter()
        .filter(|s| {
            (s.action == "publish:github" || s.action == "github:actions:dispatch")
                && s.input.get("token").is_none()
        })
        .map(|s| format!("{} ({})", s.id, s.action))
        .collect();
    if !options.dry_run && options.github.is_none() && !needs_github.is_empty() {
        let message = format!(
            "these steps need GitHub, which is not configured: {}; set GITHUB_TOKEN (or GH_TOKEN), [github] token in config.toml, or log in with `gh auth login`",
            needs_github.join(", ")
        );
        events(RunEvent::Failed {
            step: None,
            message: message.clone(),
        });
        return Err(RunError::Preflight(vec![message]));
    }
    let backend = backend_steps(template);
    if !backend.is_empty() && !options.dry_run && !options.skip_backend_actions {
        let message = format!(
            "these steps need a Backstage backend and cannot run here: {}; confirm to run without them (--skip-backend-actions)",
            backend.join(", ")
        );
        events(RunEvent::Failed {
            step: None,
            message: message.clone(),
        });
        return Err(RunError::Preflight(vec![message]));
    }

    let templater = Templater::default();
    let mut context = json!({
        "parameters": values,
        "steps": {},
        "user": {
            "entity": options.user_entity.clone().unwrap_or(Value::Null),
            "ref": options.user_ref.clone().unwrap_or_default(),
        },
        "context": { "task": { "id": "greenroom-local" } },
    });
    let masked_secrets: Map<String, Value> =
        secrets.keys().map(|k| (k.clone(), json!("***"))).collect();
    let mut workspace = Workspace::new();
    let mut reports = Vec::new();

    for (index, Planned { step, kind }) in planned.iter().enumerate() {
        let plain_context = Context::new(&context);
        if let Some(condition) = &step.if_ {
            let mut warnings = Vec::new();
            let value = match condition {
                Value::String(_) => {
                    templater.render_value_reporting(condition, &plain_context, "if", &mut warnings)
                }
                other => Some(other.clone()),
            };
            warn(&mut events, Some(&step.id), warnings);
            if !is_truthy(&value) {
                events(RunEvent::Log {
                    step: Some(step.id.clone()),
                    line: format!(
                        "Skipping step {} because its if condition was false",
                        step.id
                    ),
                });
                events(RunEvent::StepFinished {
                    index,
                    id: step.id.clone(),
                    status: StepStatus::Skipped,
                });
                reports.push(StepReport {
                    id: step.id.clone(),
                    name: step.name.clone(),
                    action: step.action.clone(),
                    status: StepStatus::Skipped,
                    inputs: Vec::new(),
                    output: json!({}),
                });
                context["steps"][&step.id] = json!({ "output": {} });
                continue;
            }
        }
        events(RunEvent::StepStarted {
            index,
            id: step.id.clone(),
            name: masker.mask(&step.name),
            action: step.action.clone(),
        });
        events(RunEvent::Log {
            step: Some(step.id.clone()),
            line: format!("Beginning step {}", masker.mask(&step.name)),
        });

        // `each`: Object.entries of the rendered value (an array's keys are its indexes).
        let iterations: Vec<Option<Value>> = match &step.each {
            None => vec![None],
            Some(each) => {
                let mut warnings = Vec::new();
                let rendered =
                    templater.render_value_reporting(each, &plain_context, "each", &mut warnings);
                warn(&mut events, Some(&step.id), warnings);
                let entries: Vec<Value> = match rendered {
                    Some(Value::Array(items)) => items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| json!({ "key": i.to_string(), "value": v }))
                        .collect(),
                    Some(Value::Object(map)) => map
                        .into_iter()
                        .map(|(k, v)| json!({ "key": k, "value": v }))
                        .collect(),
                    Some(Value::String(s)) => s
                        .chars()
                        .enumerate()
                        .map(|(i, c)| json!({ "key": i.to_string(), "value": c.to_string() }))
                        .collect(),
                    _ => Vec::new(),
                };
                if entries.len() > MAX_EACH {
                    return Err(fail(
                        &mut events,
                        Some(step.id.clone()),
                        format!(
                            "each has {} items; at most {MAX_EACH} are allowed",
                            entries.len()
                        ),
                    ));
                }
                entries.into_iter().map(Some).collect()
            }
        };

        // All inputs are rendered (and checked) before the action runs any iteration.
        let mut inputs = Vec::new();
        let mut shown = Vec::new();
        for each in &iterations {
            let with = |secrets: &Map<String, Value>| {
                let mut c = context.clone();
                c["secrets"] = Value::Object(secrets.clone());
                if let Some(each) = each {
                    c["each"] = each.clone();
                }
                Context::new(&c)
            };
            let mut warnings = Vec::new();
            let input = templater
                .render_value_reporting(&step.input, &with(secrets), "input", &mut warnings)
                .unwrap_or(Value::Null);
            warn(&mut events, Some(&step.id), warnings);
            let display = templater
                .render_value_reporting(
                    &step.input,
                    &with(&masked_secrets),
                    "input",
                    &mut Vec::new(),
                )
                .map(|v| masker.mask_value(&v))
                .unwrap_or(Value::Null);
            let input = match input {
                Value::Object(map) => map,
                Value::Null => Map::new(),
                other => {
                    return Err(fail(
                        &mut events,
                        Some(step.id.clone()),
                        format!(
                            "input must be an object, got {}",
                            actions::json_type(&other)
                        ),
                    ))
                }
            };
            for key in actions::required_inputs(&step.action) {
                if !input.contains_key(*key) {
                    return Err(fail(
                        &mut events,
                        Some(step.id.clone()),
                        format!("input {key} is required (it rendered empty)"),
                    ));
                }
            }
            inputs.push(input);
            shown.push(display);
        }
        if options.dry_run {
            for display in &shown {
                events(RunEvent::Log {
                    step: Some(step.id.clone()),
                    line: format!(
                        "Running {} in dry-run mode with inputs (secrets redacted): {}",
                        step.action,
                        serde_json::to_string_pretty(display).unwrap_or_default()
                    ),
                });
            }
        }

        let mut step_output = Map::new();
        let mut status = StepStatus::Done;
        for (input, each) in inputs.iter().zip(&iterations) {
            if let Some(each) = each {
                events(RunEvent::Log {
                    step: Some(step.id.clone()),
                    line: masker.mask(&format!("Running step each: {each}")),
                });
            }
            let step_id = step.id.clone();
            let mut log = |line: String| {
                events(RunEvent::Log {
                    step: Some(step_id.clone()),
                    line: masker.mask(&line),
                })
            };
            let mut ctx = ActionContext {
                input,
                template,
                workspace: &mut workspace,
                options,
                log: &mut log,
                output: Map::new(),
            };
            let result = match kind {
                Kind::Workspace => actions::run_workspace_action(&step.action, &mut ctx).await,
                Kind::External if options.dry_run => {
                    status = StepStatus::DryRun;
                    actions::preview_external_action(&step.action, &mut ctx)
                }
                Kind::External => actions::run_external_action(&step.action, &mut ctx).await,
                Kind::Backend => {
                    status = StepStatus::NotRunLocally;
                    ctx.log(format!(
                        "{} is not run locally: only a Backstage backend has this action",
                        step.action
                    ));
                    Ok(())
                }
            };
            let output = std::mem::take(&mut ctx.output);
            drop(ctx);
            if let Err(message) = result {
                let error = fail(&mut events, Some(step.id.clone()), message);
                events(RunEvent::StepFinished {
                    index,
                    id: step.id.clone(),
                    status: StepStatus::Failed,
                });
                return Err(error);
            }
            for (name, value) in output {
                if step.each.is_some() {
                    match step_output.entry(name).or_insert_with(|| json!([])) {
                        Value::Array(items) => items.push(value),
                        slot => *slot = value,
                    }
                } else {
                    step_output.insert(name, value);
                }
            }
        }
        let output = Value::Object(step_output);
        context["steps"][&step.id] = json!({ "output": output });
        events(RunEvent::Log {
            step: Some(step.id.clone()),
            line: format!("Finished step {}", masker.mask(&step.name)),
        });
        events(RunEvent::StepFinished {
            index,
            id: step.id.clone(),
            status: status.clone(),
        });
        reports.push(StepReport {
            id: step.id.clone(),
            name: step.name.clone(),
            action: step.action.clone(),
            status,
            inputs: shown,
            output: masker.mask_value(&output),
        });
    }

    let final_context = Context::new(&context);
    let mut warnings = Vec::new();
    let mut render_output = |field: String, value: &Value| {
        let rendered =
            templater.render_value_reporting(value, &final_context, &field, &mut warnings);
        masker.mask_value(&rendered.unwrap_or(Value::Null))
    };
    let render_list =
        |name: &str, items: &[Value], render: &mut dyn FnMut(String, &Value) -> Value| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| render(format!("output.{name}[{i}]"), item))
                .collect::<Vec<_>>()
        };
    let output = RenderedOutput {
        links: render_list("links", &template.output.links, &mut render_output),
        text: render_list("text", &template.output.text, &mut render_output),
        other: template
            .output
            .other
            .iter()
            .map(|(k, v)| (k.clone(), render_output(format!("output.{k}"), v)))
            .collect(),
    };
    warn(&mut events, None, warnings);

    let mut written_to = None;
    if !options.dry_run {
        if let Some(dir) = &options.output_dir {
            if !workspace.is_empty() {
                let count = workspace
                    .write_to(dir)
                    .map_err(|e| fail(&mut events, None, e.0))?;
                events(RunEvent::Log {
                    step: None,
                    line: format!("Wrote {count} files to {}", dir.display()),
                });
                written_to = Some(dir.clone());
            }
        }
    }
    events(RunEvent::Finished);
    Ok(RunResult {
        steps: reports,
        files: workspace
            .files()
            .map(|(p, c)| {
                let contents = match std::str::from_utf8(c) {
                    Ok(text) => masker.mask(text).into_bytes(),
                    Err(_) => c.to_vec(),
                };
                (p.to_string(), contents)
            })
            .collect(),
        dirs: workspace
            .entries()
            .filter(|(p, e)| matches!(e, super::workspace::Entry::Dir) && workspace.is_empty_dir(p))
            .map(|(p, _)| p.to_string())
            .collect(),
        output,
        written_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TUI runs templates on a tokio task: the run's future must be `Send`.
    #[test]
    fn a_run_can_be_spawned_on_tokio() {
        fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
        let template = Template::from_yaml(
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  steps:\n    - id: log\n      action: debug:log\n      input: { message: hi }\n",
            None,
        )
        .unwrap();
        spawnable(async move {
            let options = RunOptions::default();
            run(&template, &json!({}), &Map::new(), &options, |_| {}).await
        });
    }

    #[test]
    fn masking_replaces_every_secret_longest_first() {
        let secrets: Map<String, Value> = [
            ("a".to_string(), json!("abc")),
            ("b".to_string(), json!("abcdef")),
            ("empty".to_string(), json!("")),
        ]
        .into_iter()
        .collect();
        let masker = Masker::new(&secrets);
        assert_eq!(masker.mask("x abcdef y abc z"), "x *** y *** z");
        assert_eq!(
            masker.mask_value(&json!({"k": ["abc"]})),
            json!({"k": ["***"]})
        );
    }
}
