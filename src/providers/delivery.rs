//! Delivery data for DORA metrics, scorecards and the maturity assessment, read through the one
//! [`Client`] with the GitHub and PagerDuty connections of [`super::github`] and
//! [`super::pagerduty`] (their services: base URL, headers, token):
//!
//! - GitHub deployments and their statuses: `GET /repos/{o}/{r}/deployments?environment=E` and
//!   `GET /repos/{o}/{r}/deployments/{id}/statuses`;
//! - the runs of one workflow (a deploy workflow, or a provisioning workflow a template
//!   dispatches): `GET /repos/{o}/{r}/actions/workflows/{file}/runs?status=completed`;
//! - the commits between two deployed SHAs: `GET /repos/{o}/{r}/compare/{base}...{head}`;
//! - PagerDuty incidents created in a window, whatever their status now:
//!   `GET /incidents?service_ids[]=…&since=…&until=…&statuses[]=…` (offset pages).
//!
//! Each call returns plain structs; the metrics are computed elsewhere ([`crate::insights::dora`]).

use super::github::{run_from, GitHub, RawRun, Slug, WorkflowRun};
use super::http::{CachePolicy, Call, Client, Service};
use super::pagerduty::{PagerDuty, ServiceRef, MAX_PAGES, PAGE_LIMIT};
use super::ProviderError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::time::Duration;
use url::Url;

/// Pages of 100 followed at most for one list of deployments or runs.
pub const MAX_GITHUB_PAGES: u32 = 10;
/// A comparison of two commits never changes: it is kept this long without asking again.
const IMMUTABLE: Duration = Duration::from_secs(30 * 24 * 3600);

/// How a deployment ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployState {
    Success,
    Failure,
    /// Queued, in progress, or with no status yet.
    Pending,
}

/// One deployment (a GitHub deployment, or a run of the deploy workflow).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Deployment {
    pub sha: String,
    /// When it succeeded or failed (its deciding status, or the run's end); when it was created
    /// while pending.
    pub at: DateTime<Utc>,
    pub state: DeployState,
    pub url: Option<String>,
}

/// A commit of a change, as the compare API lists it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Commit {
    pub sha: String,
    /// `commit.author.date`: when the work was written.
    pub authored_at: DateTime<Utc>,
    pub message: String,
}

impl Commit {
    /// A revert as git writes it (`Revert "..."`) or as a squash-merged revert PR titles it.
    pub fn is_revert(&self) -> bool {
        let first = self.message.lines().next().unwrap_or("").trim_start();
        first.starts_with("Revert ")
            || first.starts_with("Revert\"")
            || first.starts_with("revert:")
    }
}

/// A PagerDuty incident with when it was resolved.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct IncidentSpan {
    pub id: String,
    pub number: u64,
    pub title: String,
    pub service_id: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub high_urgency: bool,
}

// The wire shapes; only the fields used.
#[derive(Deserialize)]
struct RawDeployment {
    id: u64,
    sha: String,
    created_at: DateTime<Utc>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawStatus {
    state: String,
    created_at: DateTime<Utc>,
    #[serde(default)]
    log_url: Option<String>,
    #[serde(default)]
    environment_url: Option<String>,
}

// One workflow's runs; each run is read as the CI/CD provider reads it.
#[derive(Deserialize)]
struct RawRunsPage {
    workflow_runs: Vec<RawRun>,
}

#[derive(Deserialize)]
struct RawCompare {
    commits: Vec<RawCompareCommit>,
}

#[derive(Deserialize)]
struct RawCompareCommit {
    sha: String,
    commit: RawCommitBody,
}

#[derive(Deserialize)]
struct RawCommitBody {
    author: Option<RawSignature>,
    committer: Option<RawSignature>,
    message: String,
}

#[derive(Deserialize)]
struct RawSignature {
    date: DateTime<Utc>,
}

#[derive(Deserialize)]
struct RawIncidentsPage {
    incidents: Vec<RawIncident>,
    #[serde(default)]
    more: bool,
}

#[derive(Deserialize)]
struct RawIncident {
    id: String,
    incident_number: u64,
    #[serde(default)]
    title: Option<String>,
    status: String,
    #[serde(default)]
    urgency: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    last_status_change_at: Option<DateTime<Utc>>,
    service: RawServiceRef,
}

#[derive(Deserialize)]
struct RawServiceRef {
    id: String,
}

/// GETs JSON from a service; errors name the field (`workflow_runs[0].id: …`) and the request.
async fn get_json<T: serde::de::DeserializeOwned>(
    client: &Client,
    service: &Service,
    url: Url,
    cache: CachePolicy,
) -> Result<T, ProviderError> {
    let response = client
        .send(service, Call::get(url.clone()).cache(cache))
        .await?;
    let deserializer = &mut serde_json::Deserializer::from_slice(&response.body);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let detail = if path.is_empty() || path == "." {
            format!("not the expected JSON: {inner}")
        } else {
            format!("{path}: {inner}")
        };
        ProviderError::BadResponse {
            service: service.name,
            target: format!("GET {}", service.display_url(&url)),
            detail: service.redact(&detail),
        }
    })
}

fn repo_path(slug: &Slug, rest: &str) -> String {
    format!("/repos/{}/{}{rest}", slug.owner, slug.repo)
}

/// Deployments to `environment` (all environments when `None`), back to the latest successful one
/// created before `since` (kept: it is the base of the first change in the window), oldest first. Each
/// gets its state from its statuses: success at its first `success` status (GitHub marks older
/// deployments `inactive` after a newer one succeeds, keeping that status), failure at its latest
/// `failure` or `error`, else pending.
pub async fn deployments(
    github: &GitHub,
    slug: &Slug,
    environment: Option<&str>,
    since: DateTime<Utc>,
    cache: CachePolicy,
) -> Result<Vec<Deployment>, ProviderError> {
    let mut raw: Vec<RawDeployment> = Vec::new();
    for page in 1..=MAX_GITHUB_PAGES {
        let mut url = github.service().url(&repo_path(slug, "/deployments"));
        {
            let mut query = url.query_pairs_mut();
            if let Some(environment) = environment {
                query.append_pair("environment", environment);
            }
            query
                .append_pair("per_page", "100")
                .append_pair("page", &page.to_string());
        }
        let list: Vec<RawDeployment> =
            get_json(github.client(), github.service(), url, cache).await?;
        let full = list.len() == 100;
        let reached_start = list.iter().any(|d| d.created_at < since);
        raw.extend(list);
        if !full || reached_start {
            break;
        }
    }
    raw.sort_by_key(|d| std::cmp::Reverse(d.created_at));
    let mut out = Vec::with_capacity(raw.len());
    for d in raw {
        let old = d.created_at < since;
        let mut url = github
            .service()
            .url(&repo_path(slug, &format!("/deployments/{}/statuses", d.id)));
        url.query_pairs_mut().append_pair("per_page", "100");
        let statuses: Vec<RawStatus> =
            get_json(github.client(), github.service(), url, cache).await?;
        let deployment = deployment_from(d, &statuses);
        let base_found = old && deployment.state == DeployState::Success;
        // Before the window only the latest success matters: the base of the first change.
        if !old || base_found {
            out.push(deployment);
        }
        if base_found {
            break;
        }
    }
    out.sort_by_key(|d| d.at);
    Ok(out)
}

fn deployment_from(d: RawDeployment, statuses: &[RawStatus]) -> Deployment {
    let success = statuses
        .iter()
        .filter(|s| s.state == "success")
        .min_by_key(|s| s.created_at);
    let failure = statuses
        .iter()
        .filter(|s| matches!(s.state.as_str(), "failure" | "error"))
        .max_by_key(|s| s.created_at);
    let (state, status) = match (success, failure) {
        (Some(s), _) => (DeployState::Success, Some(s)),
        (None, Some(f)) => (DeployState::Failure, Some(f)),
        (None, None) => (DeployState::Pending, None),
    };
    Deployment {
        sha: d.sha,
        at: status.map_or(d.created_at, |s| s.created_at),
        state,
        url: status
            .and_then(|s| s.log_url.clone().or_else(|| s.environment_url.clone()))
            .or(d.url),
    }
}

/// Completed runs of one workflow (its file name, e.g. `deploy.yml`, or its ID), newest first,
/// on `branch` when given, back to the first run created before `since` when given (else one
/// page of `per_page`).
pub async fn workflow_runs(
    github: &GitHub,
    slug: &Slug,
    workflow: &str,
    branch: Option<&str>,
    since: Option<DateTime<Utc>>,
    per_page: u32,
    cache: CachePolicy,
) -> Result<Vec<WorkflowRun>, ProviderError> {
    let mut runs: Vec<WorkflowRun> = Vec::new();
    let pages = if since.is_some() { MAX_GITHUB_PAGES } else { 1 };
    let path = repo_path(
        slug,
        &format!("/actions/workflows/{}/runs", urlencode_segment(workflow)),
    );
    for page in 1..=pages {
        let mut url = github.service().url(&path);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("status", "completed");
            if let Some(branch) = branch {
                query.append_pair("branch", branch);
            }
            query
                .append_pair("per_page", &per_page.clamp(1, 100).to_string())
                .append_pair("page", &page.to_string());
        }
        let list: RawRunsPage = get_json(github.client(), github.service(), url, cache).await?;
        let page_runs: Vec<WorkflowRun> = list.workflow_runs.into_iter().map(run_from).collect();
        let count = page_runs.len();
        let reached_start = since.is_some_and(|s| page_runs.iter().any(|r| r.created_at < s));
        runs.extend(page_runs);
        if count < per_page as usize || reached_start {
            break;
        }
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(runs)
}

/// A workflow file name goes into one path segment as it is (`deploy.yml`); anything else that
/// could break out of the segment is escaped.
fn urlencode_segment(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c.to_string(),
            other => {
                let mut buf = [0u8; 4];
                other
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// The runs of a deploy workflow as deployments: a successful run deployed its head SHA when it
/// finished; a failed one is a failed deployment; cancelled and skipped runs deployed nothing.
pub fn deployments_from_runs(runs: &[WorkflowRun]) -> Vec<Deployment> {
    use super::github::RunState;
    let mut out: Vec<Deployment> = runs
        .iter()
        .filter_map(|r| {
            let state = match r.state() {
                RunState::Success => DeployState::Success,
                RunState::Failure => DeployState::Failure,
                _ => return None,
            };
            Some(Deployment {
                sha: r.head_sha.clone(),
                at: r.updated_at,
                state,
                url: Some(r.html_url.clone()),
            })
        })
        .collect();
    out.sort_by_key(|d| d.at);
    out
}

/// The commits in `head` that are not in `base`, oldest first.
pub async fn compare(
    github: &GitHub,
    slug: &Slug,
    base: &str,
    head: &str,
) -> Result<Vec<Commit>, ProviderError> {
    let url = github
        .service()
        .url(&repo_path(slug, &format!("/compare/{base}...{head}")));
    let raw: RawCompare = get_json(
        github.client(),
        github.service(),
        url,
        CachePolicy::FreshFor(IMMUTABLE),
    )
    .await?;
    let mut commits: Vec<Commit> = raw
        .commits
        .into_iter()
        .filter_map(|c| {
            let at = c
                .commit
                .author
                .map(|a| a.date)
                .or(c.commit.committer.map(|s| s.date))?;
            Some(Commit {
                sha: c.sha,
                authored_at: at,
                message: c.commit.message,
            })
        })
        .collect();
    commits.sort_by_key(|c| c.authored_at);
    Ok(commits)
}

/// The PagerDuty service IDs of an entity's references (integration keys resolved).
pub async fn service_ids(
    pd: &PagerDuty,
    refs: &[ServiceRef],
    cache: CachePolicy,
) -> Result<Vec<String>, ProviderError> {
    let mut ids = Vec::new();
    for reference in refs {
        match reference {
            ServiceRef::ServiceId(id) => ids.push(id.clone()),
            ServiceRef::IntegrationKey(_) => ids.push(pd.resolve(reference, cache).await?.value.id),
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Incidents of these services created between `since` and `until`, any status (triggered,
/// acknowledged, resolved), oldest first. A resolved incident's time is `resolved_at`, else its
/// `last_status_change_at` (the change to resolved).
pub async fn incidents_between(
    pd: &PagerDuty,
    service_ids: &[String],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    cache: CachePolicy,
) -> Result<Vec<IncidentSpan>, ProviderError> {
    let mut out = Vec::new();
    if service_ids.is_empty() {
        return Ok(out);
    }
    let mut offset = 0usize;
    for _ in 0..MAX_PAGES {
        let mut url = pd.api().url("/incidents");
        {
            let mut query = url.query_pairs_mut();
            for status in ["triggered", "acknowledged", "resolved"] {
                query.append_pair("statuses[]", status);
            }
            for id in service_ids {
                query.append_pair("service_ids[]", id);
            }
            query
                .append_pair("since", &since.to_rfc3339())
                .append_pair("until", &until.to_rfc3339())
                .append_pair("time_zone", "UTC")
                .append_pair("limit", &PAGE_LIMIT.to_string())
                .append_pair("offset", &offset.to_string());
        }
        let page: RawIncidentsPage = get_json(pd.client(), pd.api(), url, cache).await?;
        let count = page.incidents.len();
        out.extend(
            page.incidents
                .into_iter()
                // The service filter is the server's; a server that ignores it must not mix
                // another service's incidents in.
                .filter(|i| service_ids.contains(&i.service.id))
                .filter(|i| i.created_at >= since && i.created_at <= until)
                .map(|i| IncidentSpan {
                    resolved_at: match i.status.as_str() {
                        "resolved" => i.resolved_at.or(i.last_status_change_at),
                        _ => None,
                    },
                    id: i.id,
                    number: i.incident_number,
                    title: i.title.unwrap_or_default(),
                    service_id: i.service.id,
                    created_at: i.created_at,
                    high_urgency: i.urgency.as_deref() == Some("high"),
                }),
        );
        if !page.more || count == 0 {
            break;
        }
        offset += count;
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| seen.insert(i.id.clone()));
    out.sort_by_key(|i| i.created_at);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_state_from_statuses() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let status = |state: &str, time: &str| RawStatus {
            state: state.into(),
            created_at: at(time),
            log_url: None,
            environment_url: None,
        };
        let raw = || RawDeployment {
            id: 1,
            sha: "abc".into(),
            created_at: at("2026-01-01T10:00:00Z"),
            url: None,
        };
        // Newest first, as GitHub lists them: inactive after a success is still a success.
        let d = deployment_from(
            raw(),
            &[
                status("inactive", "2026-01-02T00:00:00Z"),
                status("success", "2026-01-01T10:05:00Z"),
                status("in_progress", "2026-01-01T10:01:00Z"),
            ],
        );
        assert_eq!(
            (d.state, d.at),
            (DeployState::Success, at("2026-01-01T10:05:00Z"))
        );
        let d = deployment_from(raw(), &[status("error", "2026-01-01T10:07:00Z")]);
        assert_eq!(
            (d.state, d.at),
            (DeployState::Failure, at("2026-01-01T10:07:00Z"))
        );
        let d = deployment_from(raw(), &[]);
        assert_eq!(
            (d.state, d.at),
            (DeployState::Pending, at("2026-01-01T10:00:00Z"))
        );
    }

    #[test]
    fn reverts() {
        let c = |m: &str| Commit {
            sha: "a".into(),
            authored_at: Utc::now(),
            message: m.into(),
        };
        assert!(c("Revert \"Add cache\"\n\nThis reverts commit abc.").is_revert());
        assert!(c("revert: drop cache").is_revert());
        assert!(!c("Reverting is not this").is_revert());
        assert_eq!(urlencode_segment("deploy.yml"), "deploy.yml");
        assert_eq!(urlencode_segment("a/b"), "a%2Fb");
    }
}
