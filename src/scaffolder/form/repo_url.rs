//! `RepoUrlPicker` values: `host?owner=o&repo=r` read and written, and what Backstage refuses.

use super::model::RepoUrlOptions;

/// A `RepoUrlPicker` value's parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoUrl {
    pub host: String,
    pub owner: String,
    pub repo: String,
}

impl RepoUrl {
    /// Reads `host?owner=o&repo=r` (as `serializeRepoPickerUrl` writes it).
    pub fn parse(text: &str) -> RepoUrl {
        let (host, query) = text.split_once('?').unwrap_or((text, ""));
        let mut out = RepoUrl {
            host: host.to_string(),
            ..RepoUrl::default()
        };
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*k {
                "owner" => out.owner = v.into_owned(),
                "repo" => out.repo = v.into_owned(),
                _ => {}
            }
        }
        out
    }

    /// `host?owner=o&repo=r`, URL-encoded like `URLSearchParams`; empty parts are left out.
    pub fn to_value(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !self.owner.is_empty() {
            query.append_pair("owner", &self.owner);
        }
        if !self.repo.is_empty() {
            query.append_pair("repo", &self.repo);
        }
        format!("{}?{}", self.host, query.finish())
    }
}

/// What Backstage's RepoUrlPicker refuses: a missing host, owner or repo, or one outside the
/// allowed lists.
pub(super) fn repo_url_problem(text: &str, options: &RepoUrlOptions) -> Option<String> {
    let url = RepoUrl::parse(text);
    let missing = [
        ("host", &url.host),
        ("owner", &url.owner),
        ("repo", &url.repo),
    ]
    .into_iter()
    .find(|(_, v)| v.is_empty());
    if let Some((part, _)) = missing {
        return Some(format!(
            "incomplete repository location provided, {part} not provided"
        ));
    }
    let refuse = |what: &str, value: &str, allowed: &[String]| {
        (!allowed.is_empty() && !allowed.iter().any(|a| a == value)).then(|| {
            format!(
                "{what} \"{value}\" is not allowed (allowed: {})",
                allowed.join(", ")
            )
        })
    };
    refuse("host", &url.host, &options.allowed_hosts)
        .or_else(|| refuse("owner", &url.owner, &options.allowed_owners))
        .or_else(|| refuse("repo", &url.repo, &options.allowed_repos))
}
