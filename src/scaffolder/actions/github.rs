//! `publish:github` and `github:actions:dispatch` on GitHub's REST API, through greenroom's one
//! HTTP client (token only to the API origin, redaction, `--verbose` log).
//!
//! publish:github creates the repository (in an organisation, or for the signed-in user) and pushes
//! the workspace as its first commit with the Git Data API (blobs, a tree, a root commit, the
//! branch ref), so no git binary is needed. The repository is created with `auto_init` because the
//! Git Data API refuses an empty repository; the branch is then pointed (forced) at the workspace's
//! root commit, so the published history is that one commit.
//!
//! github:actions:dispatch dispatches the workflow, finds the run it started (the first
//! `workflow_dispatch` run of that workflow that was not there before the dispatch) and follows it
//! until it completes; a run that does not succeed fails the step.

use super::context::ActionContext;
use crate::config::Secret;
use crate::providers::github::GitHub;
use crate::providers::http::{CachePolicy, Call};
use crate::scaffolder::template::parse_repo_url;
use base64::Engine as _;
use reqwest::Method;
use serde_json::{json, Value};

struct Repo {
    host: String,
    owner: String,
    name: String,
}

fn repo(ctx: &ActionContext<'_>) -> Result<Repo, String> {
    let url = ctx.required_str("repoUrl")?;
    let parsed = parse_repo_url(url).map_err(|e| format!("repoUrl: {e}"))?;
    let part = |k: &str| {
        parsed
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(Repo {
        host: part("host"),
        owner: part("owner"),
        name: part("repo"),
    })
}

fn github(ctx: &ActionContext<'_>) -> Result<GitHub, String> {
    let configured = ctx.options.github.as_ref().ok_or_else(|| {
        "GitHub is not configured: set GITHUB_TOKEN (or GH_TOKEN), [github] token in config.toml, or log in with `gh auth login`".to_string()
    })?;
    match ctx.str("token") {
        // The step's own token (Backstage's `token` input) replaces the configured one.
        Some(token) => GitHub::new(
            configured.service().base.as_str(),
            Some(Secret::new(token)),
            configured.client().clone(),
        )
        .map_err(|e| e.to_string()),
        None => Ok(configured.clone()),
    }
}

async fn send(
    gh: &GitHub,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let url = api_url(gh, path);
    let call = Call {
        method,
        url,
        body: body.map(|b| b.to_string().into_bytes()),
        cache: CachePolicy::NoStore,
        tail: None,
    };
    let response = gh
        .client()
        .send(gh.service(), call)
        .await
        .map_err(|e| e.to_string())?;
    if response.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&response.body)
        .map_err(|e| format!("GitHub answered {path} with something that is not JSON: {e}"))
}

/// The API URL of `path`, which may carry a query (`Service::url` would encode its `?`).
pub fn api_url(gh: &GitHub, path: &str) -> url::Url {
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    let mut url = gh.service().url(path);
    url.set_query(query);
    url
}

fn enc(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

fn default_branch(ctx: &ActionContext<'_>) -> String {
    // Backstage's publish:github default.
    ctx.str("defaultBranch").unwrap_or("master").to_string()
}

pub fn preview_publish(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let repo = repo(ctx)?;
    let branch = default_branch(ctx);
    let files = ctx.workspace.files().count();
    let visibility = ctx.str("repoVisibility").unwrap_or("private").to_string();
    ctx.log(format!(
        "would create the {visibility} repository {}/{} on {} and push {files} files to {branch} as its first commit",
        repo.owner, repo.name, repo.host
    ));
    let remote = format!("https://{}/{}/{}", repo.host, repo.owner, repo.name);
    ctx.set_output("remoteUrl", remote.clone());
    ctx.set_output("repoContentsUrl", format!("{remote}/blob/{branch}"));
    Ok(())
}

pub async fn publish(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let repo = repo(ctx)?;
    let gh = github(ctx)?;
    let branch = default_branch(ctx);
    let visibility = ctx.str("repoVisibility").unwrap_or("private").to_string();
    if !["private", "internal", "public"].contains(&visibility.as_str()) {
        return Err(format!(
            "repoVisibility must be private, internal or public, got {visibility}"
        ));
    }
    let source = crate::scaffolder::workspace::safe_path(ctx.str("sourcePath").unwrap_or("./"))
        .map_err(|e| format!("sourcePath: {e}"))?;
    let files: Vec<(String, Vec<u8>, bool)> = ctx
        .workspace
        .entries()
        .filter_map(|(path, entry)| match entry {
            crate::scaffolder::workspace::Entry::File {
                contents,
                executable,
            } => {
                let rel = if source.is_empty() {
                    Some(path)
                } else {
                    path.strip_prefix(&format!("{source}/"))
                };
                rel.map(|r| (r.to_string(), contents.clone(), *executable))
            }
            _ => None,
        })
        .collect();
    if files.is_empty() {
        return Err(format!(
            "nothing to publish: the workspace has no files under {}",
            if source.is_empty() { "./" } else { &source }
        ));
    }
    let (owner, name) = (enc(&repo.owner), enc(&repo.name));

    let user = send(&gh, Method::GET, &format!("/users/{owner}"), None).await?;
    let is_org = user.get("type").and_then(Value::as_str) == Some("Organization");
    let mut body = json!({
        "name": repo.name,
        "private": visibility != "public",
        "visibility": visibility,
        "auto_init": true,
    });
    for key in ["description", "homepage"] {
        if let Some(v) = ctx.str(key) {
            body[key] = json!(v);
        }
    }
    for (input, field) in [
        ("hasWiki", "has_wiki"),
        ("hasProjects", "has_projects"),
        ("hasIssues", "has_issues"),
    ] {
        if let Some(v) = ctx.input.get(input).and_then(Value::as_bool) {
            body[field] = json!(v);
        }
    }
    let create_path = if is_org {
        format!("/orgs/{owner}/repos")
    } else {
        "/user/repos".to_string()
    };
    ctx.log(format!(
        "Creating repository {}/{} ({visibility})",
        repo.owner, repo.name
    ));
    let created = send(&gh, Method::POST, &create_path, Some(&body))
        .await
        .map_err(|e| format!("creating {}/{}: {e}", repo.owner, repo.name))?;
    let html_url = created
        .get("html_url")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("https://{}/{}/{}", repo.host, repo.owner, repo.name));
    let initial_branch = created
        .get("default_branch")
        .and_then(Value::as_str)
        .unwrap_or("main")
        .to_string();
    if let Some(topics) = ctx.strings("topics")? {
        send(
            &gh,
            Method::PUT,
            &format!("/repos/{owner}/{name}/topics"),
            Some(&json!({ "names": topics })),
        )
        .await?;
    }

    ctx.log(format!("Pushing {} files to {branch}", files.len()));
    let mut tree = Vec::with_capacity(files.len());
    for (path, contents, executable) in &files {
        let blob = send(
            &gh,
            Method::POST,
            &format!("/repos/{owner}/{name}/git/blobs"),
            Some(&json!({ "content": base64::engine::general_purpose::STANDARD.encode(contents), "encoding": "base64" })),
        )
        .await
        .map_err(|e| format!("uploading {path}: {e}"))?;
        let sha = blob
            .get("sha")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("uploading {path}: no sha in GitHub's answer"))?;
        tree.push(json!({ "path": path, "mode": if *executable { "100755" } else { "100644" }, "type": "blob", "sha": sha }));
    }
    let tree = send(
        &gh,
        Method::POST,
        &format!("/repos/{owner}/{name}/git/trees"),
        Some(&json!({ "tree": tree })),
    )
    .await?;
    let tree_sha = tree
        .get("sha")
        .and_then(Value::as_str)
        .ok_or("no tree sha in GitHub's answer")?;
    let mut commit = json!({
        "message": ctx.str("gitCommitMessage").unwrap_or("initial commit"),
        "tree": tree_sha,
        "parents": [],
    });
    if ctx.str("gitAuthorName").is_some() || ctx.str("gitAuthorEmail").is_some() {
        commit["author"] = json!({
            "name": ctx.str("gitAuthorName").unwrap_or("Scaffolder"),
            "email": ctx.str("gitAuthorEmail").unwrap_or("scaffolder@backstage.io"),
        });
    }
    let commit = send(
        &gh,
        Method::POST,
        &format!("/repos/{owner}/{name}/git/commits"),
        Some(&commit),
    )
    .await?;
    let commit_sha = commit
        .get("sha")
        .and_then(Value::as_str)
        .ok_or("no commit sha in GitHub's answer")?
        .to_string();
    if initial_branch == branch {
        send(
            &gh,
            Method::PATCH,
            &format!("/repos/{owner}/{name}/git/refs/heads/{}", enc(&branch)),
            Some(&json!({ "sha": commit_sha, "force": true })),
        )
        .await?;
    } else {
        send(
            &gh,
            Method::POST,
            &format!("/repos/{owner}/{name}/git/refs"),
            Some(&json!({ "ref": format!("refs/heads/{branch}"), "sha": commit_sha })),
        )
        .await?;
        send(
            &gh,
            Method::PATCH,
            &format!("/repos/{owner}/{name}"),
            Some(&json!({ "default_branch": branch })),
        )
        .await?;
        send(
            &gh,
            Method::DELETE,
            &format!(
                "/repos/{owner}/{name}/git/refs/heads/{}",
                enc(&initial_branch)
            ),
            None,
        )
        .await?;
    }
    if ctx
        .input
        .get("protectDefaultBranch")
        .and_then(Value::as_bool)
        .unwrap_or(true)
    {
        let reviews = ctx
            .input
            .get("requiredApprovingReviewCount")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        let protection = json!({
            "required_status_checks": null,
            "enforce_admins": ctx.input.get("protectEnforceAdmins").and_then(Value::as_bool).unwrap_or(true),
            "required_pull_request_reviews": { "required_approving_review_count": reviews },
            "restrictions": null,
        });
        match send(
            &gh,
            Method::PUT,
            &format!("/repos/{owner}/{name}/branches/{}/protection", enc(&branch)),
            Some(&protection),
        )
        .await
        {
            Ok(_) => ctx.log(format!(
                "Protected {branch} ({reviews} approving review required)"
            )),
            // GitHub refuses protection on private repositories of free plans; the repository
            // exists and is pushed, so the step goes on and says so.
            Err(e) => ctx.log(format!("Branch protection not applied: {e}")),
        }
    }
    ctx.set_output("remoteUrl", html_url.clone());
    ctx.set_output("repoContentsUrl", format!("{html_url}/blob/{branch}"));
    ctx.set_output("commitHash", commit_sha);
    Ok(())
}

fn dispatch_target(ctx: &ActionContext<'_>) -> Result<(Repo, String, String, Value), String> {
    let repo = repo(ctx)?;
    let workflow = match ctx.input.get("workflowId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("input workflowId is required".into()),
    };
    let reference = ctx.required_str("branchOrTagName")?.to_string();
    let inputs = ctx
        .input
        .get("workflowInputs")
        .cloned()
        .unwrap_or(json!({}));
    if !inputs.is_object() {
        return Err("workflowInputs must be an object".into());
    }
    // GitHub takes workflow inputs as strings.
    let inputs = Value::Object(
        inputs
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map_or_else(|| json!(v.to_string()), |s| json!(s)),
                )
            })
            .collect(),
    );
    Ok((repo, workflow, reference, inputs))
}

pub fn preview_dispatch(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let (repo, workflow, reference, inputs) = dispatch_target(ctx)?;
    ctx.log(format!(
        "would dispatch workflow {workflow} of {}/{} on {reference} with inputs {inputs} and follow the run it starts",
        repo.owner, repo.name
    ));
    // The run does not exist yet; its workflow's page is where it would appear.
    ctx.set_output(
        "runUrl",
        format!(
            "https://{}/{}/{}/actions/workflows/{workflow}",
            repo.host, repo.owner, repo.name
        ),
    );
    Ok(())
}

fn run_ids(list: &Value) -> Vec<u64> {
    list.get("workflow_runs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("id").and_then(Value::as_u64))
        .collect()
}

pub async fn dispatch(ctx: &mut ActionContext<'_>) -> Result<(), String> {
    let (repo, workflow, reference, inputs) = dispatch_target(ctx)?;
    let gh = github(ctx)?;
    let (owner, name, wf) = (enc(&repo.owner), enc(&repo.name), enc(&workflow));
    let runs_path = format!(
        "/repos/{owner}/{name}/actions/workflows/{wf}/runs?event=workflow_dispatch&per_page=50"
    );
    let before = run_ids(&send(&gh, Method::GET, &runs_path, None).await?);
    ctx.log(format!(
        "Dispatching workflow {workflow} of {}/{} on {reference}",
        repo.owner, repo.name
    ));
    send(
        &gh,
        Method::POST,
        &format!("/repos/{owner}/{name}/actions/workflows/{wf}/dispatches"),
        Some(&json!({ "ref": reference, "inputs": inputs })),
    )
    .await?;
    ctx.log("Workflow dispatched; waiting for its run to appear".to_string());

    let options = ctx.options;
    let mut run = None;
    for attempt in 0..options.dispatch_find_attempts {
        if attempt > 0 {
            tokio::time::sleep(options.poll_interval).await;
        }
        let list = send(&gh, Method::GET, &runs_path, None).await?;
        run = list
            .get("workflow_runs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| {
                r.get("id")
                    .and_then(Value::as_u64)
                    .is_some_and(|id| !before.contains(&id))
            })
            .cloned();
        if run.is_some() {
            break;
        }
    }
    let Some(mut run) = run else {
        return Err(format!(
            "the workflow was dispatched, but no new run of {workflow} appeared after {} checks",
            options.dispatch_find_attempts
        ));
    };
    let id = run.get("id").and_then(Value::as_u64).unwrap_or_default();
    let html_url = run
        .get("html_url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    ctx.log(format!("Run {id} started: {html_url}"));
    ctx.set_output("runId", id);
    ctx.set_output("runUrl", html_url.clone());
    let mut last_status = String::new();
    let mut polls = 0u64;
    loop {
        let status = run
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        if status != last_status {
            ctx.log(format!("Run {id}: {status}"));
            last_status = status.clone();
        }
        if status == "completed" {
            break;
        }
        polls += 1;
        if polls > options.follow_max_polls {
            return Err(format!(
                "run {id} has not completed after {polls} checks; it goes on at {html_url}"
            ));
        }
        tokio::time::sleep(options.poll_interval).await;
        run = send(
            &gh,
            Method::GET,
            &format!("/repos/{owner}/{name}/actions/runs/{id}"),
            None,
        )
        .await?;
    }
    let conclusion = run
        .get("conclusion")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    ctx.set_output("conclusion", conclusion.clone());
    if matches!(conclusion.as_str(), "success" | "neutral" | "skipped") {
        ctx.log(format!("Run {id} completed: {conclusion}"));
        Ok(())
    } else {
        Err(format!(
            "run {id} of {workflow} completed with {conclusion}: {html_url}"
        ))
    }
}
