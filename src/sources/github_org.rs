//! GitHub organisation discovery, as Backstage's `GithubDiscoveryProcessor` does it: every
//! repository of an organisation (optionally only those whose name matches a regular expression),
//! archived ones skipped, and in each its catalog file (`catalog-info.yaml`, or the configured
//! path) on its default branch; `Location` entities in those files are followed to the files they
//! name in the same repository.
//!
//! Every request goes through the one [`Client`]: the repository list and the files are cached on
//! disk and asked again conditionally (`If-None-Match`), so a rerun that finds nothing new costs
//! no rate limit, and the client's rate-limit rules apply. The repository list is paged with
//! `page=N` (GitHub's `Link: rel="next"` URLs are these same page numbers): the disk cache keeps
//! bodies, not headers, so a page confirmed by a 304 has no Link header to follow, while its
//! length says whether another page follows.
//!
//! Files are read with the same parser as local files, so problems carry lines and columns, and
//! their location is the file's URL on GitHub (naming the repository and the file).

use crate::catalog::document::{read_file, ReadEntity};
use crate::catalog::{Part, Problem, Severity};
use crate::config::Secret;
use crate::providers::backstage::Fnv;
use crate::providers::http::{CachePolicy, Call, Client, Service};
use crate::providers::ProviderError;
use serde::Deserialize;
use std::hash::Hasher;
use std::sync::Arc;

const TOKEN_HINT: &str =
    "check GITHUB_TOKEN / GH_TOKEN, [github] token in config.toml, or `gh auth login`";
const PER_PAGE: usize = 100;
/// Location entities are followed this many files deep (a Location cycle ends here at worst).
const MAX_DEPTH: usize = 5;

/// One organisation to discover.
#[derive(Clone)]
pub struct Discovery {
    client: Arc<Client>,
    /// JSON answers (the repository list).
    api: Service,
    /// Raw file contents (`Accept: application/vnd.github.raw+json`).
    raw: Service,
    org: String,
    repos: Option<regex::Regex>,
    path: String,
}

/// What a discovery found.
#[derive(Default)]
pub struct Discovered {
    pub read: Vec<ReadEntity>,
    pub problems: Vec<Problem>,
    /// Repositories listed, archived ones skipped, filtered out, and without the catalog file.
    pub repos: usize,
    pub archived: usize,
    pub filtered: usize,
    pub without_file: usize,
    /// A hash of the repository list and every file read: equal when nothing changed.
    pub fingerprint: u64,
}

#[derive(Deserialize)]
struct Repo {
    name: String,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    default_branch: Option<String>,
    html_url: String,
}

/// A file to read: owner, repository, branch, path in the repository, and how deep in Locations.
struct Wanted {
    owner: Arc<str>,
    repo: Arc<Repo>,
    branch: String,
    path: String,
    depth: usize,
}

impl Discovery {
    /// `repos` is a regular expression over repository names; `path` the catalog file's path in
    /// each repository.
    pub fn new(
        api_url: &str,
        token: Option<Secret>,
        client: Arc<Client>,
        org: &str,
        repos: Option<&str>,
        path: Option<&str>,
    ) -> Result<Discovery, String> {
        let repos = repos
            .map(|pattern| {
                regex::Regex::new(pattern).map_err(|err| {
                    format!(
                        "github_org {org}: repos {pattern:?} is not a regular expression: {err}"
                    )
                })
            })
            .transpose()?;
        let service = |accept: &str| -> Result<Service, String> {
            let mut service = Service::new("GitHub", api_url, TOKEN_HINT)
                .map_err(|e| e.to_string())?
                .header("accept", accept)
                .header("x-github-api-version", "2022-11-28");
            if let Some(token) = token
                .as_ref()
                .map(|t| Secret::new(t.expose().trim()))
                .filter(|t| !t.is_empty())
            {
                service = service.auth("Bearer", token);
            }
            Ok(service)
        };
        Ok(Discovery {
            client,
            api: service("application/vnd.github+json")?,
            raw: service("application/vnd.github.raw+json")?,
            org: org.to_string(),
            repos,
            path: path
                .unwrap_or("catalog-info.yaml")
                .trim_start_matches('/')
                .to_string(),
        })
    }

    /// Lists the repositories and reads their catalog files; `progress` gets a line as it goes.
    pub async fn discover(
        &self,
        progress: &(dyn Fn(String) + Sync),
    ) -> Result<Discovered, ProviderError> {
        let mut out = Discovered::default();
        let mut hasher = Fnv::default();
        let mut wanted = Vec::new();
        for page in 1.. {
            let mut url = self.api.url(&format!("/orgs/{}/repos", self.org));
            url.query_pairs_mut()
                .append_pair("per_page", &PER_PAGE.to_string())
                .append_pair("page", &page.to_string());
            let response = self
                .client
                .send(
                    &self.api,
                    Call::get(url.clone()).cache(CachePolicy::Revalidate),
                )
                .await?;
            hasher.write(&response.body);
            let repos: Vec<Repo> = serde_json::from_slice(&response.body).map_err(|err| {
                ProviderError::BadResponse {
                    service: "GitHub",
                    target: format!("GET {}", self.api.display_url(&url)),
                    detail: format!("not a list of repositories: {err}"),
                }
            })?;
            let full = repos.len() >= PER_PAGE;
            for repo in repos {
                out.repos += 1;
                if repo.archived {
                    out.archived += 1;
                } else if self
                    .repos
                    .as_ref()
                    .is_some_and(|re| !re.is_match(&repo.name))
                {
                    out.filtered += 1;
                } else if let Some(branch) = repo.default_branch.clone() {
                    wanted.push(Wanted {
                        owner: self.org.as_str().into(),
                        repo: Arc::new(repo),
                        branch,
                        path: self.path.clone(),
                        depth: 0,
                    });
                } else {
                    // An empty repository has no default branch, hence no file.
                    out.without_file += 1;
                }
            }
            progress(format!(
                "github {}: {} repositories listed",
                self.org, out.repos
            ));
            if !full {
                break;
            }
        }
        self.read_wanted(wanted, &mut out, &mut hasher, progress)
            .await?;
        out.fingerprint = hasher.finish();
        Ok(out)
    }

    /// Reads files named by their GitHub page, `https://HOST/OWNER/REPO/blob/REF/PATH` (as
    /// Backstage's `url` locations name them), following their Locations in the same repository.
    /// A page that is not a file of a repository is an error naming it.
    pub async fn read_pages(
        &self,
        pages: &[String],
        progress: &(dyn Fn(String) + Sync),
    ) -> Result<Discovered, ProviderError> {
        let mut out = Discovered::default();
        let mut wanted = Vec::new();
        for page in pages {
            match page_parts(page) {
                Some((host, owner, repo, branch, path)) => wanted.push(Wanted {
                    owner: owner.as_str().into(),
                    repo: Arc::new(Repo {
                        html_url: format!("https://{host}/{owner}/{repo}"),
                        name: repo,
                        archived: false,
                        default_branch: None,
                    }),
                    branch,
                    path,
                    // A missing target is reported like a Location's missing target.
                    depth: 1,
                }),
                None => out.problems.push(Problem::new(
                    &page.as_str().into(),
                    Default::default(),
                    Severity::Error,
                    "not a file on GitHub (https://HOST/OWNER/REPO/blob/REF/PATH)",
                )),
            }
        }
        let mut hasher = Fnv::default();
        self.read_wanted(wanted, &mut out, &mut hasher, progress)
            .await?;
        out.fingerprint = hasher.finish();
        Ok(out)
    }

    /// Reads the files, and those their Locations name, level by level.
    async fn read_wanted(
        &self,
        mut wanted: Vec<Wanted>,
        out: &mut Discovered,
        hasher: &mut Fnv,
        progress: &(dyn Fn(String) + Sync),
    ) -> Result<(), ProviderError> {
        let (mut done, mut seen) = (0usize, std::collections::HashSet::new());
        while !wanted.is_empty() {
            let mut tasks = tokio::task::JoinSet::new();
            for file in wanted.drain(..) {
                if !seen.insert((
                    file.owner.clone(),
                    file.repo.name.clone(),
                    file.path.clone(),
                )) {
                    continue;
                }
                let this = self.clone();
                tasks.spawn(async move {
                    let result = this.file(&file).await;
                    (file, result)
                });
            }
            let mut results = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                let (file, result) = joined.expect("a discovery task does not panic");
                done += 1;
                progress(format!(
                    "github {}: {done} catalog files asked for in {} repositories",
                    self.org,
                    out.repos - out.archived - out.filtered
                ));
                results.push((file, result));
            }
            // In a stable order, so the fingerprint and duplicate reports do not depend on timing.
            results.sort_by(|a, b| (&a.0.repo.name, &a.0.path).cmp(&(&b.0.repo.name, &b.0.path)));
            for (file, result) in results {
                let text = match result {
                    Ok(Some(text)) => text,
                    Ok(None) if file.depth == 0 => {
                        out.without_file += 1;
                        continue;
                    }
                    Ok(None) => {
                        out.problems.push(Problem::new(
                            &self.location(&file).into(),
                            Default::default(),
                            Severity::Warning,
                            "a Location's target that does not exist in the repository",
                        ));
                        continue;
                    }
                    Err(err)
                        if err.is_transient()
                            || matches!(err, ProviderError::Unauthorized { .. }) =>
                    {
                        return Err(err)
                    }
                    Err(err) => {
                        out.problems.push(Problem::new(
                            &self.location(&file).into(),
                            Default::default(),
                            Severity::Error,
                            format!("cannot read: {err}"),
                        ));
                        continue;
                    }
                };
                let location: Arc<str> = self.location(&file).into();
                hasher.write(location.as_bytes());
                hasher.write(text.as_bytes());
                let contents = read_file(&location, &text);
                for read in &contents.entities {
                    if read.entity.is_kind("Location") {
                        self.follow(&file, read, &location, &mut wanted, &mut out.problems);
                    }
                }
                out.read.extend(contents.entities);
                out.problems.extend(contents.problems);
            }
        }
        Ok(())
    }

    /// A Location's relative targets, as files of the same repository to read next.
    fn follow(
        &self,
        file: &Wanted,
        read: &ReadEntity,
        location: &Arc<str>,
        wanted: &mut Vec<Wanted>,
        problems: &mut Vec<Problem>,
    ) {
        let entity = &read.entity;
        let mut targets: Vec<&str> = entity
            .spec
            .get("targets")
            .map(|t| t.as_seq().iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        targets.extend(entity.spec_str("target"));
        let dir = file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
        for target in targets {
            if target.contains("://") || target.contains(['*', '?', '[']) {
                problems.push(Problem::new(
                    location,
                    entity.source.pos,
                    Severity::Warning,
                    format!("target {target} is not followed by GitHub discovery (only relative paths in the same repository)"),
                ));
                continue;
            }
            let joined = if dir.is_empty() {
                target.to_string()
            } else {
                format!("{dir}/{target}")
            };
            let Some(path) = normalize(&joined) else {
                problems.push(Problem::new(
                    location,
                    entity.source.pos,
                    Severity::Warning,
                    format!("target {target} points outside the repository; not followed"),
                ));
                continue;
            };
            if file.depth + 1 > MAX_DEPTH {
                continue;
            }
            wanted.push(Wanted {
                owner: file.owner.clone(),
                repo: file.repo.clone(),
                branch: file.branch.clone(),
                path,
                depth: file.depth + 1,
            });
        }
    }

    /// The file's text, `None` when the repository has no such file.
    async fn file(&self, file: &Wanted) -> Result<Option<String>, ProviderError> {
        let encoded: Vec<String> = file.path.split('/').map(percent_encode).collect();
        let mut url = self.raw.url(&format!(
            "/repos/{}/{}/contents/{}",
            file.owner,
            file.repo.name,
            encoded.join("/")
        ));
        url.query_pairs_mut().append_pair("ref", &file.branch);
        match self
            .client
            .send(&self.raw, Call::get(url).cache(CachePolicy::Revalidate))
            .await
        {
            Ok(response) => Ok(Some(String::from_utf8_lossy(&response.body).into_owned())),
            Err(ProviderError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The file's page on GitHub: names the repository, the branch and the file.
    fn location(&self, file: &Wanted) -> String {
        format!(
            "{}/blob/{}/{}",
            file.repo.html_url.trim_end_matches('/'),
            file.branch,
            file.path
        )
    }
}

/// A file's GitHub page as host, owner, repository, ref and path (`blob` or `tree` pages; the ref
/// is one segment, as branch names with a slash cannot be told from the path in a URL).
fn page_parts(page: &str) -> Option<(String, String, String, String, String)> {
    let url = url::Url::parse(page).ok()?;
    let host = url.host_str()?.to_string();
    let segments: Vec<String> = url.path_segments()?.map(|s| percent_decode(s)).collect();
    match segments.as_slice() {
        [owner, repo, kind, branch, path @ ..]
            if (kind == "blob" || kind == "tree") && !path.is_empty() =>
        {
            let path = normalize(&path.join("/"))?;
            Some((host, owner.clone(), repo.clone(), branch.clone(), path))
        }
        _ => None,
    }
}

fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| segment.to_string())
}

/// `a/./b/../c` → `a/c`; `None` when it climbs out of the repository.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn percent_encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The discovery as a part of the catalog.
pub fn part(label: Arc<str>, found: Discovered) -> Part {
    Part {
        label,
        read: found.read,
        problems: found.problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_targets_stay_in_the_repository() {
        assert_eq!(normalize("docs/../a/./b.yaml").as_deref(), Some("a/b.yaml"));
        assert_eq!(normalize("../x.yaml"), None);
        assert_eq!(percent_encode("my file.yaml"), "my%20file.yaml");
        assert_eq!(
            page_parts("https://github.com/acme/svc/blob/main/docs/my%20file.yaml"),
            Some((
                "github.com".into(),
                "acme".into(),
                "svc".into(),
                "main".into(),
                "docs/my file.yaml".into()
            ))
        );
        assert_eq!(page_parts("https://github.com/acme/svc"), None);
    }
}
