//! API definitions at URLs (`spec.definition: {$text|$json|$yaml|$openapi|$asyncapi: URL}`),
//! fetched when the definition is first shown, never while the catalog loads. Only URLs that
//! `[reading] allow` covers are asked (as Backstage's `backend.reading.allow`); github.com blob
//! URLs go through the GitHub REST contents API with the configured token (as Backstage's GitHub
//! integration reads them). `$openapi`/`$asyncapi` documents have their refs to other files
//! fetched the same way and inlined (`catalog::bundle`).

use super::github::{GitHub, Slug};
use super::http::{CachePolicy, CacheStatus, Call, Client, Service};
use super::{Fetched, ProviderError};
use crate::catalog::bundle;
use crate::config::ReadingConfig;
use std::collections::HashMap;
use url::Url;

/// The service name in messages about a definition's host.
pub use super::error::DEFINITION_HOST as HOST;

/// The text of a fetched definition (a type of its own: replies are told apart by type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionText(pub String);

/// What a fetch may use: the client, the allow list, and GitHub for blob URLs (its error, such
/// as no token, is only said when a GitHub URL is read).
pub struct Reader<'a> {
    pub client: &'a Client,
    pub reading: &'a ReadingConfig,
    pub github: Result<GitHub, ProviderError>,
}

impl Reader<'_> {
    /// The definition a placeholder at `url` stands for: the text at the URL, and for
    /// `$openapi`/`$asyncapi` that document with its refs to other files inlined.
    pub async fn definition(
        &self,
        placeholder: &str,
        url: &str,
    ) -> Result<Fetched<DefinitionText>, ProviderError> {
        let root = self.read(url, HOST).await?;
        if matches!(placeholder, "$json" | "$yaml") {
            let text =
                as_text(placeholder, &root.value).map_err(|detail| ProviderError::Definition {
                    target: url.to_string(),
                    detail,
                })?;
            return Ok(root.map(|_| DefinitionText(text)));
        }
        if placeholder != "$openapi" && placeholder != "$asyncapi" {
            return Ok(root.map(DefinitionText));
        }
        // The bundler is pure: it is run again with each file it asked for, fetched (or the
        // reason it could not be), until it needs nothing more.
        let mut files: HashMap<String, Result<String, String>> = HashMap::new();
        loop {
            let mut wanted = None;
            let result = bundle::bundle(url, &root.value, &mut |at: &str| match files.get(at) {
                Some(read) => read.clone(),
                None => {
                    wanted = Some(at.to_string());
                    Err("not fetched yet".into())
                }
            });
            match (result, wanted) {
                (Ok(text), _) => return Ok(root.map(|_| DefinitionText(text))),
                (Err(_), Some(at)) => {
                    let read = self
                        .read(&at, HOST)
                        .await
                        .map(|f| f.value)
                        .map_err(|e| e.to_string());
                    files.insert(at, read);
                }
                (Err(err), None) => {
                    return Err(ProviderError::Definition {
                        target: url.to_string(),
                        detail: err.to_string(),
                    })
                }
            }
        }
    }

    /// One URL's text: a GitHub blob through the contents API, else a plain GET when allowed;
    /// `host` names the server in messages (a definition's, the docs').
    pub async fn read(
        &self,
        text: &str,
        host: &'static str,
    ) -> Result<Fetched<String>, ProviderError> {
        let url = Url::parse(text).map_err(|err| ProviderError::Definition {
            target: text.to_string(),
            detail: format!("not a URL: {err}"),
        })?;
        if let Some(github) = self
            .github
            .as_ref()
            .ok()
            .filter(|g| is_github_host(&url, g))
        {
            let (slug, reference, path) = blob(&url).ok_or_else(|| ProviderError::Definition {
                target: text.to_string(),
                detail: "a GitHub URL of a file is https://HOST/OWNER/REPO/blob/REF/PATH".into(),
            })?;
            return github
                .file(&slug, &path, &reference, CachePolicy::Revalidate)
                .await;
        }
        if url.host_str() == Some("github.com") {
            // No GitHub client: say why (no token) rather than read github.com's HTML page.
            return Err(self.github.as_ref().err().cloned().unwrap_or_else(|| {
                ProviderError::Definition {
                    target: text.to_string(),
                    detail: "GitHub is not configured".into(),
                }
            }));
        }
        if !self.reading.allows(&url) {
            let host = match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_string(),
            };
            return Err(ProviderError::NotAllowed {
                target: text.to_string(),
                host,
            });
        }
        let origin = url.origin().ascii_serialization();
        let service = Service::new(host, &origin, "")?;
        let response = self
            .client
            .send(&service, Call::get(url).cache(CachePolicy::Revalidate))
            .await?;
        Ok(Fetched {
            value: String::from_utf8_lossy(&response.body).into_owned(),
            fetched_at: response.fetched_at,
            from_cache: response.cache == CacheStatus::Hit,
        })
    }
}

/// What `$json`/`$yaml` put in `spec.definition`: the document's value, which must be a string
/// (Backstage rejects an API whose definition is anything else).
fn as_text(placeholder: &str, text: &str) -> Result<String, String> {
    let value: serde_json::Value = if placeholder == "$json" {
        serde_json::from_str(text).map_err(|err| format!("not valid JSON: {err}"))?
    } else {
        serde_yaml::from_str(text).map_err(|err| format!("not valid YAML: {err}"))?
    };
    match value {
        serde_json::Value::String(text) => Ok(text),
        other => Err(format!(
            "{placeholder} gives {}, and an API's spec.definition must be a string",
            match other {
                serde_json::Value::Object(_) => "an object",
                serde_json::Value::Array(_) => "a list",
                _ => "a value that is not text",
            }
        )),
    }
}

/// github.com, or the host of a GitHub Enterprise API URL (`https://HOST/api/v3`).
fn is_github_host(url: &Url, github: &GitHub) -> bool {
    github_host(url, &github.service().base)
}

fn github_host(url: &Url, api: &Url) -> bool {
    let server = |u: &Url| (u.host_str().map(str::to_owned), u.port_or_known_default());
    url.host_str() == Some("github.com")
        || (api.host_str() != Some("api.github.com") && server(url) == server(api))
}

/// Whether `url` is read through GitHub (with `api_url`, the configured API).
pub fn on_github(url: &str, api_url: &str) -> bool {
    match (Url::parse(url), Url::parse(api_url)) {
        (Ok(url), Ok(api)) => github_host(&url, &api),
        _ => false,
    }
}

/// `https://github.com/OWNER/REPO/blob/REF/PATH` → the repository, the ref and the path (a ref
/// with a `/` in it cannot be told from the path; the first segment is taken, as a tag or sha).
fn blob(url: &Url) -> Option<(Slug, String, String)> {
    let mut parts = url.path_segments()?;
    let owner = parts.next()?;
    let repo = parts.next()?;
    if parts.next()? != "blob" {
        return None;
    }
    let reference = parts.next()?.to_string();
    let path: Vec<&str> = parts.collect();
    if path.is_empty() {
        return None;
    }
    let slug = Slug::parse(&format!("{owner}/{repo}"))?;
    Some((slug, reference, path.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_urls_name_the_repository_ref_and_path() {
        let url =
            Url::parse("https://github.com/acme/shop/blob/main/apis/orders/openapi.yaml").unwrap();
        let (slug, reference, path) = blob(&url).unwrap();
        assert_eq!((slug.owner.as_str(), slug.repo.as_str()), ("acme", "shop"));
        assert_eq!(
            (reference.as_str(), path.as_str()),
            ("main", "apis/orders/openapi.yaml")
        );
        assert!(blob(&Url::parse("https://github.com/acme/shop/tree/main/x").unwrap()).is_none());
    }

    #[test]
    fn json_and_yaml_placeholders_give_the_string_they_hold() {
        assert_eq!(as_text("$json", "\"a: 1\\n\"").unwrap(), "a: 1\n");
        assert_eq!(as_text("$yaml", "# note\n|\n  a: 1\n").unwrap(), "a: 1\n");
        assert_eq!(
            as_text("$yaml", "a: 1\n").unwrap_err(),
            "$yaml gives an object, and an API's spec.definition must be a string"
        );
        assert!(as_text("$json", "{")
            .unwrap_err()
            .starts_with("not valid JSON"));
    }
}
