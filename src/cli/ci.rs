//! `greenroom ci REF [--format text|json] [--limit N] [--branch B]`: the latest GitHub Actions runs
//! of the entity's repository (its `github.com/project-slug` annotation). For a group: the latest
//! run on the default branch of every service it owns directly, failures first.
//!
//! Answers are cached (`GREENROOM_CACHE_DIR/http`) and every call is conditional, so asking again
//! costs no GitHub rate limit when nothing changed. When GitHub cannot be reached (network,
//! timeout, 5xx, rate limit) and an earlier answer is stored, that answer is printed with its age
//! on stderr, and the exit code is still 1.

use super::context::{resolve_or_explain, Context};
use super::output::{print_json, print_table, Format};
use crate::providers::github::{self, CiRuns, GitHub, Slug, WorkflowRun};
use crate::providers::http::{CachePolicy, Client, Log};
use crate::providers::{Fetched, ProviderError};
use chrono::Utc;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entity reference: [kind:][namespace/]name (a group: its services' latest runs).
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::entity_refs))]
    reference: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// How many runs (1-100; for a group, per service: 1).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    limit: u32,
    /// Only runs on this branch.
    #[arg(long)]
    branch: Option<String>,
}

pub fn run(context: &Context, args: &Args, verbose: bool) -> Result<ExitCode, ExitCode> {
    let catalog = context.load()?;
    let id = resolve_or_explain(&catalog, &args.reference)?;
    let entity = catalog.entity(id);
    let fail = |err: &ProviderError| {
        eprintln!("greenroom: {err}");
        ExitCode::from(1)
    };
    let team = entity.is_kind("Group");
    let slug = if team {
        None
    } else {
        Some(github::repo_of(entity).map_err(|e| fail(&e))?)
    };
    let client = Arc::new(Client::from_config(&context.config, Log::verbose(verbose)));
    let github = GitHub::from_config(&context.config, client).map_err(|e| fail(&e))?;
    let runtime = super::context::runtime()?;
    match slug {
        Some(slug) => {
            let result = runtime.block_on(github.runs(
                &slug,
                args.limit,
                args.branch.as_deref(),
                CachePolicy::Revalidate,
            ));
            let (runs, ok) = match result {
                Ok(fetched) => (fetched.value, true),
                Err(err) => {
                    fail(&err);
                    match stale(&github, &slug, args, &err) {
                        Some(stored) => (stored.value, false),
                        None => return Err(ExitCode::from(1)),
                    }
                }
            };
            print_runs(&entity.key(), &runs, args.format);
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        None => {
            let owned = github::owned_repos(&catalog, id);
            let rows = runtime.block_on(async {
                let mut tasks = tokio::task::JoinSet::new();
                for (index, (owned_id, slug)) in owned.into_iter().enumerate() {
                    let key = catalog.entity(owned_id).key();
                    let github = github.clone();
                    let branch = args.branch.clone();
                    tasks.spawn(async move {
                        let result = match slug {
                            Ok(slug) => latest_on_default_branch(&github, slug, branch).await,
                            Err(err) => Err(err),
                        };
                        (index, key, result)
                    });
                }
                let mut rows = tasks.join_all().await;
                rows.sort_by_key(|(index, ..)| *index);
                rows
            });
            let mut failed = false;
            for (_, _, result) in &rows {
                if let Err(err) = result {
                    if !err.is_setup() {
                        failed = true;
                        eprintln!("greenroom: {err}");
                    }
                }
            }
            print_team(
                &entity.key(),
                rows.into_iter()
                    .map(|(_, key, result)| (key, result))
                    .collect(),
                args.format,
            );
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// The newest run on `branch`, else on the repository's default branch (asked once an hour:
/// it rarely changes), as the TUI's team view shows it.
async fn latest_on_default_branch(
    github: &GitHub,
    slug: Slug,
    branch: Option<String>,
) -> Result<(Slug, Fetched<CiRuns>), ProviderError> {
    let branch = match branch {
        Some(branch) => branch,
        None => {
            github
                .default_branch(&slug, CachePolicy::FreshFor(Duration::from_secs(3600)))
                .await?
                .value
        }
    };
    let runs = github
        .runs(&slug, 1, Some(&branch), CachePolicy::Revalidate)
        .await?;
    Ok((slug, runs))
}

/// The stored answer, when the failure is one that stored data helps with (GitHub unreachable or
/// busy), with its age on stderr.
fn stale(
    github: &GitHub,
    slug: &Slug,
    args: &Args,
    err: &ProviderError,
) -> Option<Fetched<CiRuns>> {
    let transient = err.is_transient();
    let stored = github
        .cached_runs(slug, args.limit, args.branch.as_deref())
        .filter(|_| transient)?;
    eprintln!(
        "greenroom: showing the last known data, fetched {} ago",
        github::short_duration(stored.age())
    );
    Some(stored)
}

fn run_json(run: &WorkflowRun) -> serde_json::Value {
    let now = Utc::now();
    serde_json::json!({
        "id": run.id,
        "workflow": run.name,
        "workflow_id": run.workflow_id,
        "run_number": run.run_number,
        "branch": run.head_branch,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "state": run.state(),
        "duration_seconds": run.duration(now).map(|d| d.as_secs()),
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "run_started_at": run.run_started_at,
        "age_seconds": (now - run.created_at).num_seconds().max(0),
        "actor": run.actor,
        "title": run.title(),
        "head_sha": run.head_sha,
        "run_attempt": run.run_attempt,
        "html_url": run.html_url,
    })
}

fn run_row(run: &WorkflowRun) -> Vec<String> {
    let now = Utc::now();
    vec![
        run.name.clone(),
        run.head_branch.clone().unwrap_or_else(|| "-".into()),
        run.event.clone(),
        run.status_label().to_string(),
        run.duration(now)
            .map(github::short_duration)
            .unwrap_or_else(|| "-".into()),
        github::short_duration((now - run.created_at).to_std().unwrap_or_default()),
        run.actor.clone().unwrap_or_else(|| "-".into()),
        one_line(run.title()),
    ]
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or("").chars().take(80).collect()
}

fn print_runs(entity: &str, runs: &CiRuns, format: Format) {
    if format == Format::Json {
        print_json(&serde_json::Value::Array(
            runs.runs.iter().map(run_json).collect(),
        ));
        return;
    }
    println!("{entity}  {}  (GitHub Actions)", runs.slug);
    if runs.runs.is_empty() {
        println!("  no workflow runs");
        return;
    }
    let rows: Vec<Vec<String>> = runs.runs.iter().map(run_row).collect();
    print_table(
        &[
            "WORKFLOW", "BRANCH", "EVENT", "STATUS", "DURATION", "AGE", "ACTOR", "TITLE",
        ],
        &rows,
    );
}

type TeamRow = (String, Result<(Slug, Fetched<CiRuns>), ProviderError>);

/// Failures first, then running, then the rest; services without a repo or an answer last.
fn team_rank(row: &TeamRow) -> u8 {
    use github::RunState::*;
    match &row.1 {
        Ok((_, fetched)) => match fetched.value.runs.first().map(WorkflowRun::state) {
            Some(Failure) => 0,
            Some(Running | Queued) => 1,
            Some(_) => 2,
            None => 3,
        },
        Err(err) if !err.is_setup() => 4,
        Err(_) => 5,
    }
}

fn print_team(group: &str, mut rows: Vec<TeamRow>, format: Format) {
    rows.sort_by_key(team_rank);
    if format == Format::Json {
        let items = rows
            .iter()
            .map(|(key, result)| match result {
                Ok((slug, fetched)) => serde_json::json!({ "ref": key, "repo": slug.to_string(), "run": fetched.value.runs.first().map(run_json), "error": null }),
                Err(err) => serde_json::json!({ "ref": key, "repo": null, "run": null, "error": err.to_string() }),
            })
            .collect();
        print_json(&serde_json::Value::Array(items));
        return;
    }
    println!("{group}  latest run on the default branch of each service it owns (GitHub Actions)");
    if rows.is_empty() {
        println!("  owns nothing");
        return;
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|(key, result)| match result {
            Ok((slug, fetched)) => match fetched.value.runs.first() {
                Some(run) => {
                    let mut row = vec![key.clone(), slug.to_string()];
                    let cells = run_row(run);
                    row.extend([
                        cells[3].clone(),
                        cells[0].clone(),
                        cells[1].clone(),
                        cells[5].clone(),
                        cells[7].clone(),
                    ]);
                    row
                }
                None => vec![
                    key.clone(),
                    slug.to_string(),
                    "no runs".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    String::new(),
                ],
            },
            Err(ProviderError::NoRepo { .. }) => vec![
                key.clone(),
                "-".into(),
                "no github.com/project-slug".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                String::new(),
            ],
            Err(_) => vec![
                key.clone(),
                "-".into(),
                "error".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                String::new(),
            ],
        })
        .collect();
    print_table(
        &[
            "SERVICE", "REPO", "STATUS", "WORKFLOW", "BRANCH", "AGE", "TITLE",
        ],
        &table,
    );
}
