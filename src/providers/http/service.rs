//! [`Service`]: one vendor's API (base URL, headers, token) and what logs and errors may show of
//! its requests: the URL with secrets masked, a server's words with the token masked.

use crate::config::Secret;
use crate::providers::ProviderError;
use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

/// One vendor's API: its name for messages, its base URL (whose origin alone receives the
/// credentials), its default headers and its token.
#[derive(Clone, Debug)]
pub struct Service {
    pub name: &'static str,
    pub base: Url,
    /// What to do about a rejected token, for 401 messages, e.g. "check GITHUB_TOKEN".
    pub token_hint: &'static str,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) auth: Option<(&'static str, Secret)>,
    /// More secrets masked by [`Service::redact`] (signing keys that never travel, session tokens).
    hidden: Vec<Secret>,
    /// Query parameters masked in logs and errors besides the secret-looking names (PagerDuty's
    /// `query`, which carries an integration key).
    secret_params: Vec<&'static str>,
}

impl Service {
    /// `base` is the API root, e.g. `https://api.github.com` or `https://ghe.example/api/v3`.
    pub fn new(
        name: &'static str,
        base: &str,
        token_hint: &'static str,
    ) -> Result<Service, ProviderError> {
        let base = Url::parse(base.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| ProviderError::NotConfigured {
                service: name,
                hint: format!("the {name} API URL {base:?} is not an http(s) URL"),
            })?;
        Ok(Service {
            name,
            base,
            token_hint,
            headers: Vec::new(),
            auth: None,
            hidden: Vec::new(),
            secret_params: Vec::new(),
        })
    }

    /// A header sent with every request to this service (not secret: it may be logged); it
    /// replaces one of the same name (a raw `accept` for one kind of call).
    pub fn header(mut self, name: &'static str, value: &str) -> Service {
        if let Ok(value) = HeaderValue::from_str(value) {
            let name = HeaderName::from_static(name);
            self.headers.retain(|(n, _)| *n != name);
            self.headers.push((name, value));
        }
        self
    }

    /// A query parameter whose value logs and errors never show.
    pub fn secret_param(mut self, name: &'static str) -> Service {
        self.secret_params.push(name);
        self
    }

    /// The token, sent as `Authorization: {scheme} {token}` to this service's origin only.
    pub fn auth(mut self, scheme: &'static str, token: Secret) -> Service {
        self.auth = Some((scheme, token));
        self
    }

    /// A secret header (a session token), marked sensitive and masked in anything a server says.
    pub fn secret_header(mut self, name: &'static str, value: Secret) -> Service {
        if let Ok(mut header) = HeaderValue::from_str(value.expose()) {
            header.set_sensitive(true);
            self.headers.push((HeaderName::from_static(name), header));
        }
        self.hide(value)
    }

    /// A secret that is never sent (a signing key) but must never be repeated either.
    pub fn hide(mut self, secret: Secret) -> Service {
        if !secret.is_empty() {
            self.hidden.push(secret);
        }
        self
    }

    /// The service URL for `path` (which starts with `/`), below the base URL's path.
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }

    /// `text` with the token masked: for anything a server said (error messages, JSON errors quoting
    /// a value), in case a server echoes what it was sent.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.auth.iter().map(|(_, t)| t).chain(&self.hidden) {
            if !secret.is_empty() && text.contains(secret.expose()) {
                text = text.replace(secret.expose(), "***");
            }
        }
        text
    }

    pub(super) fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    /// The URL as logs and errors show it: no user info, no fragment; the query kept for this
    /// service's own origin (secret-looking parameters masked) and dropped for any other host.
    pub fn display_url(&self, url: &Url) -> String {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.set_fragment(None);
        if shown.query().is_some() {
            if self.same_origin(url) {
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(k, v)| {
                        let masked = if looks_secret(&k) || self.secret_params.contains(&&*k) {
                            "***".to_string()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), masked)
                    })
                    .collect();
                shown.query_pairs_mut().clear().extend_pairs(pairs);
            } else {
                shown.set_query(None);
                return format!("{shown}?…");
            }
        }
        shown.to_string()
    }
}

fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "token",
        "sig",
        "key",
        "secret",
        "pass",
        "credential",
        "auth",
        "code",
        "session",
    ]
    .iter()
    .any(|s| name.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_urls_hide_credentials_and_foreign_queries() {
        let service = Service::new("GitHub", "https://api.github.com/", "").unwrap();
        let own = Url::parse("https://u:p@api.github.com/repos/o/r/actions/runs?per_page=5&branch=main&access_token=abc#x").unwrap();
        assert_eq!(
            service.display_url(&own),
            "https://api.github.com/repos/o/r/actions/runs?per_page=5&branch=main&access_token=***"
        );
        let signed = Url::parse(
            "https://pipelines.actions.githubusercontent.com/logs?urlSignature=2TUD&urlExpires=1",
        )
        .unwrap();
        assert_eq!(
            service.display_url(&signed),
            "https://pipelines.actions.githubusercontent.com/logs?…"
        );
    }

    #[test]
    fn service_urls_keep_the_base_path() {
        let ghes = Service::new("GitHub", "https://ghe.example.com/api/v3/", "").unwrap();
        assert_eq!(
            ghes.url("/repos/o/r").as_str(),
            "https://ghe.example.com/api/v3/repos/o/r"
        );
        assert!(ghes.same_origin(&Url::parse("https://ghe.example.com/other").unwrap()));
        assert!(
            !ghes.same_origin(&Url::parse("http://ghe.example.com/api/v3").unwrap()),
            "a downgrade to http is another origin"
        );
        assert!(!ghes.same_origin(&Url::parse("https://ghe.example.com:8443/api/v3").unwrap()));
        assert!(Service::new("GitHub", "ftp://x", "").is_err());
    }
}
