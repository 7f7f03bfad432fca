//! GitHub Actions: workflow runs, jobs and steps, log tails, reruns, default branches, read through
//! the one [`Client`] (so every call has its timeouts, retries, rate-limit handling, ETags and
//! redaction) and turned into plain structs that panes and the CLI read.
//!
//! Octocrab is not on this path: its typed calls hide the response headers this needs (ETags for
//! conditional requests, `x-ratelimit-*`, `retry-after`) and follow the log redirect themselves,
//! so every call here is a plain REST request (`Accept: application/vnd.github+json`,
//! `X-GitHub-Api-Version: 2022-11-28`, `Authorization: Bearer …`).
//!
//! An entity's repository is its `github.com/project-slug` annotation (`OWNER/REPO`), as in
//! Backstage's GitHub Actions plugin.

mod model;

pub use model::{decode_all, CiRuns, Job, LogTail, RunState, Slug, Step, WorkflowRun};
pub(crate) use model::{run_from, RawRun};

use super::http::{CachePolicy, CacheStatus, Call, Client, Response, Service};
pub use super::time::{ago, short_duration};
use super::{Fetched, ProviderError};
use crate::catalog::{Catalog, Entity, EntityId, RelationType, Target};
use crate::config::{Config, Secret};
use model::{asked_for, jobs_from, parse, runs_from, strip_timestamp, RawRepo, RunsPage};
use std::sync::Arc;
use std::time::Duration;

pub const ANNOTATION: &str = "github.com/project-slug";
const TOKEN_HINT: &str =
    "check GITHUB_TOKEN / GH_TOKEN, [github] token in config.toml, or `gh auth login`";

/// The entity's repository, or why there is none.
pub fn repo_of(entity: &Entity) -> Result<Slug, ProviderError> {
    let value = entity
        .annotation(ANNOTATION)
        .ok_or_else(|| ProviderError::NoRepo {
            entity: entity.key(),
            detail: format!(
                "no {ANNOTATION} annotation (add metadata.annotations {ANNOTATION}: OWNER/REPO)"
            ),
        })?;
    Slug::parse(value).ok_or_else(|| ProviderError::NoRepo {
        entity: entity.key(),
        detail: format!("{ANNOTATION} is {value:?}, not OWNER/REPO"),
    })
}

/// For a group: what it owns that has CI, each with its repository or why there is none: every
/// component (a component without the annotation says so), and anything else that has the
/// annotation (APIs, resources and systems without one are left out).
pub fn owned_repos(
    catalog: &Catalog,
    group: EntityId,
) -> Vec<(EntityId, Result<Slug, ProviderError>)> {
    let mut owned: Vec<EntityId> = catalog
        .related(group, RelationType::OwnerOf)
        .filter_map(|t| match t {
            Target::Entity(id) => Some(id),
            Target::Missing(_) => None,
        })
        .collect();
    owned.sort_by_key(|&id| catalog.entity(id).key());
    owned.dedup();
    owned
        .into_iter()
        .map(|id| (id, repo_of(catalog.entity(id))))
        .filter(|(id, slug)| slug.is_ok() || catalog.entity(*id).is_kind("Component"))
        .collect()
}

/// A GitHub API connection: the service (base URL, headers, token) over the shared client.
#[derive(Clone)]
pub struct GitHub {
    client: Arc<Client>,
    service: Service,
}

/// The token: `GITHUB_TOKEN`/`GH_TOKEN`, else `[github] token`, else `gh auth token` (for the API
/// URL's host) when gh is installed; gh gets 3 seconds.
pub fn token(config: &Config) -> Option<Secret> {
    config
        .github_token()
        .or_else(|| gh_token(&config.github_api_url(), Duration::from_secs(3)))
}

/// `gh auth token [--hostname HOST]`, or `None` when gh is missing, fails, or takes too long.
pub fn gh_token(api_url: &str, timeout: Duration) -> Option<Secret> {
    let host = url::Url::parse(api_url).ok()?.host_str()?.to_string();
    let mut command = std::process::Command::new("gh");
    command.args(["auth", "token"]);
    if host != "api.github.com" {
        command.args(["--hostname", &host]);
    }
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    let token = out.trim();
    (!token.is_empty()).then(|| Secret::new(token))
}

fn not_configured() -> ProviderError {
    ProviderError::NotConfigured {
        service: "GitHub",
        hint: "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or token under [github] in config.toml, or log in with `gh auth login`".into(),
    }
}

impl GitHub {
    /// From the config (token and `GITHUB_API_URL`); `NotConfigured` without a token.
    pub fn from_config(config: &Config, client: Arc<Client>) -> Result<GitHub, ProviderError> {
        GitHub::new(&config.github_api_url(), token(config), client)
    }

    pub fn new(
        api_url: &str,
        token: Option<Secret>,
        client: Arc<Client>,
    ) -> Result<GitHub, ProviderError> {
        // A token pasted with a newline or spaces around it still works.
        let token = token
            .map(|t| Secret::new(t.expose().trim()))
            .filter(|t| !t.is_empty())
            .ok_or_else(not_configured)?;
        let service = Service::new("GitHub", api_url, TOKEN_HINT)?
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .auth("Bearer", token);
        Ok(GitHub { client, service })
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    pub fn service(&self) -> &Service {
        &self.service
    }

    /// `GET /repos/{o}/{r}/actions/runs?per_page=N[&branch=B]`
    pub fn runs_url(&self, slug: &Slug, per_page: u32, branch: Option<&str>) -> url::Url {
        let mut url = self
            .service
            .url(&format!("/repos/{}/{}/actions/runs", slug.owner, slug.repo));
        url.query_pairs_mut()
            .append_pair("per_page", &per_page.clamp(1, 100).to_string());
        if let Some(branch) = branch {
            url.query_pairs_mut().append_pair("branch", branch);
        }
        url
    }

    /// The latest runs (newest first).
    pub async fn runs(
        &self,
        slug: &Slug,
        per_page: u32,
        branch: Option<&str>,
        cache: CachePolicy,
    ) -> Result<Fetched<CiRuns>, ProviderError> {
        let url = self.runs_url(slug, per_page, branch);
        let response = self.get(url.clone(), cache).await?;
        self.fetched(&url, response, |page: RunsPage| {
            asked_for(runs_from(slug, page), per_page, branch)
        })
    }

    /// The runs stored by an earlier call, without a request (`None` when nothing usable is stored).
    pub fn cached_runs(
        &self,
        slug: &Slug,
        per_page: u32,
        branch: Option<&str>,
    ) -> Option<Fetched<CiRuns>> {
        let url = self.runs_url(slug, per_page, branch);
        let entry = self.client.cached(&url)?;
        let page: RunsPage = serde_json::from_slice(&entry.body).ok()?;
        Some(Fetched {
            value: asked_for(runs_from(slug, page), per_page, branch),
            fetched_at: entry.fetched_at,
            from_cache: true,
        })
    }

    /// `GET /repos/{o}/{r}/actions/runs/{id}/jobs?per_page=100`: the run's jobs and their steps.
    pub async fn jobs(
        &self,
        slug: &Slug,
        run_id: u64,
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<Job>>, ProviderError> {
        let mut url = self.service.url(&format!(
            "/repos/{}/{}/actions/runs/{run_id}/jobs",
            slug.owner, slug.repo
        ));
        url.query_pairs_mut().append_pair("per_page", "100");
        let response = self.get(url.clone(), cache).await?;
        self.fetched(&url, response, jobs_from)
    }

    /// The last `lines` lines of a job's log. `GET /repos/{o}/{r}/actions/jobs/{id}/logs` answers
    /// with a redirect to a signed URL on another host, which is fetched without the token; only
    /// the last 256 KB are read into memory.
    pub async fn log_tail(
        &self,
        slug: &Slug,
        job_id: u64,
        lines: usize,
    ) -> Result<LogTail, ProviderError> {
        let url = self.service.url(&format!(
            "/repos/{}/{}/actions/jobs/{job_id}/logs",
            slug.owner, slug.repo
        ));
        let response = self
            .client
            .send(&self.service, Call::get(url).tail(256 * 1024))
            .await?;
        let text = String::from_utf8_lossy(&response.body);
        let mut all: Vec<&str> = text.lines().collect();
        if response.truncated && !all.is_empty() {
            all.remove(0); // cut mid-line
        }
        let truncated = response.truncated || all.len() > lines;
        let start = all.len().saturating_sub(lines);
        Ok(LogTail {
            job_id,
            lines: all[start..]
                .iter()
                .map(|l| strip_timestamp(l).to_string())
                .collect(),
            truncated,
        })
    }

    /// `POST /repos/{o}/{r}/actions/runs/{id}/rerun-failed-jobs` (201 Created).
    pub async fn rerun_failed_jobs(&self, slug: &Slug, run_id: u64) -> Result<(), ProviderError> {
        let url = self.service.url(&format!(
            "/repos/{}/{}/actions/runs/{run_id}/rerun-failed-jobs",
            slug.owner, slug.repo
        ));
        self.client
            .send(&self.service, Call::post_json(url, &serde_json::json!({})))
            .await
            .map(|_| ())
    }

    /// `GET /repos/{o}/{r}`: the default branch.
    pub async fn default_branch(
        &self,
        slug: &Slug,
        cache: CachePolicy,
    ) -> Result<Fetched<String>, ProviderError> {
        let url = self
            .service
            .url(&format!("/repos/{}/{}", slug.owner, slug.repo));
        let response = self.get(url.clone(), cache).await?;
        self.fetched(&url, response, |repo: RawRepo| repo.default_branch)
    }

    /// `GET /repos/{o}/{r}/contents/{path}?ref=R`: a file of the repository, as its text (the
    /// raw media type, which serves files past the JSON form's 1 MB).
    pub async fn file(
        &self,
        slug: &Slug,
        path: &str,
        reference: &str,
        cache: CachePolicy,
    ) -> Result<Fetched<String>, ProviderError> {
        let mut url = self.service.url(&format!(
            "/repos/{}/{}/contents/{}",
            slug.owner,
            slug.repo,
            path.trim_start_matches('/')
        ));
        url.query_pairs_mut().append_pair("ref", reference);
        let raw = self
            .service
            .clone()
            .header("accept", "application/vnd.github.raw+json");
        let response = self.client.send(&raw, Call::get(url).cache(cache)).await?;
        Ok(Fetched {
            value: String::from_utf8_lossy(&response.body).into_owned(),
            fetched_at: response.fetched_at,
            from_cache: response.cache == CacheStatus::Hit,
        })
    }

    async fn get(&self, url: url::Url, cache: CachePolicy) -> Result<Response, ProviderError> {
        self.client
            .send(&self.service, Call::get(url).cache(cache))
            .await
    }

    fn fetched<Raw: serde::de::DeserializeOwned, T>(
        &self,
        url: &url::Url,
        response: Response,
        convert: impl FnOnce(Raw) -> T,
    ) -> Result<Fetched<T>, ProviderError> {
        let raw = parse::<Raw>(&response.body).map_err(|detail| ProviderError::BadResponse {
            service: self.service.name,
            target: format!("GET {}", self.service.display_url(url)),
            detail: self.service.redact(&detail),
        })?;
        Ok(Fetched {
            value: convert(raw),
            fetched_at: response.fetched_at,
            from_cache: response.cache == CacheStatus::Hit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            Slug::parse("myorg/payment-service"),
            Some(Slug {
                owner: "myorg".into(),
                repo: "payment-service".into()
            })
        );
        assert_eq!(Slug::parse(" a/b.git ").unwrap().to_string(), "a/b");
        for bad in ["", "a", "a/", "/b", "a/b/c", "a/..", "a b/c", "a/b?x=1"] {
            assert_eq!(Slug::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn repos_from_annotations() {
        let catalog = crate::catalog::load::load_paths(&["src/demo".into()]).catalog;
        let payment = catalog.entity(catalog.get("component:default/payment-service").unwrap());
        assert_eq!(
            repo_of(payment).unwrap().to_string(),
            "myorg/payment-service"
        );
        let group = catalog.get("group:default/payments-team").unwrap();
        let err = repo_of(catalog.entity(group)).unwrap_err().to_string();
        assert!(
            err.contains("no github.com/project-slug annotation"),
            "{err}"
        );
        let owned = owned_repos(&catalog, group);
        assert!(
            owned
                .iter()
                .any(|(id, slug)| catalog.entity(*id).name() == "payment-service" && slug.is_ok()),
            "the owner's services include payment-service"
        );
        assert!(
            owned
                .iter()
                .all(|(id, slug)| slug.is_ok() || catalog.entity(*id).is_kind("Component")),
            "APIs without a repo are left out"
        );
    }
}
