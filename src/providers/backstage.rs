//! A Backstage backend: its catalog read whole through `GET /api/catalog/entities/by-query`
//! (cursor pagination), through the one [`Client`] (timeouts, retries, rate limits, redaction,
//! `--verbose`). The scaffolder reuses [`Backstage`] (base URL, token, client) for
//! `POST /api/scaffolder/v2/tasks`.
//!
//! Every request names the fields it wants (`fields=`), so a page carries what greenroom shows
//! and nothing else (no `metadata.uid`, `metadata.etag`, `metadata.generation`). The backend keeps
//! the query's filter and order in the `cursor`, but not the fields (measured against
//! `@backstage/plugin-catalog-backend` 4.0.5: a cursor request without `fields` answers whole
//! entities), so `fields` goes with every page. A field path into an array
//! (`relations.targetRef`) selects nothing, so `relations` is asked for whole. The answer is
//! `{items, totalItems, pageInfo: {nextCursor?}}`.
//!
//! By-query answers carry no ETag, so whether the catalog changed since the last read is a hash
//! of the pages' bodies ([`BackendCatalog::fingerprint`]); the caller compares it with the
//! snapshot's and skips rebuilding when it is the same.

use super::http::{Call, Client, Service};
use super::ProviderError;
use crate::config::{Config, Secret};
use serde::Deserialize;
use std::hash::Hasher;
use std::sync::Arc;

const TOKEN_HINT: &str = "check BACKSTAGE_TOKEN or [backstage] token in config.toml (a static token the backend accepts under backend.auth.externalAccess)";

/// Entities per page: big enough that 100k entities take 100 round trips, small enough that a
/// page stays far below the client's body limit.
pub const PAGE_SIZE: usize = 1000;

/// What a page asks for: everything greenroom reads (entity envelope, metadata it shows, spec,
/// relations, processing problems).
pub const FIELDS: &str = "apiVersion,kind,metadata.name,metadata.namespace,metadata.title,metadata.description,metadata.labels,metadata.annotations,metadata.tags,metadata.links,spec,relations,status.items";

/// A Backstage backend connection: the service (base URL, token) over the shared client.
#[derive(Clone)]
pub struct Backstage {
    client: Arc<Client>,
    service: Service,
}

/// One entity as the backend serves it (the fields asked for), as JSON.
pub type BackendEntity = serde_json::Value;

/// The whole catalog read from a backend.
#[derive(Clone, Debug, Default)]
pub struct BackendCatalog {
    pub entities: Vec<BackendEntity>,
    /// `totalItems` of the first page.
    pub total: usize,
    /// A hash of every page's body: equal when the backend served the same catalog.
    pub fingerprint: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    items: Vec<BackendEntity>,
    #[serde(default)]
    total_items: Option<usize>,
    #[serde(default)]
    page_info: PageInfo,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    next_cursor: Option<String>,
}

impl Backstage {
    /// The backend of `BACKSTAGE_URL` / `[backstage] url`, with `BACKSTAGE_TOKEN` /
    /// `[backstage] token` when set; `None` when no URL is configured.
    pub fn from_config(
        config: &Config,
        client: Arc<Client>,
    ) -> Option<Result<Backstage, ProviderError>> {
        let url = config.backstage_url()?;
        Some(Backstage::new(&url, config.backstage_token(), client))
    }

    /// `base` is the backend's root (`https://backstage.example.com`); requests go to `/api/...`
    /// below it. Without a token, requests are sent unauthenticated (a backend that allows it, or
    /// a 401 that says to set one).
    pub fn new(
        base: &str,
        token: Option<Secret>,
        client: Arc<Client>,
    ) -> Result<Backstage, ProviderError> {
        let mut service =
            Service::new("Backstage", base, TOKEN_HINT)?.header("accept", "application/json");
        if let Some(token) = token
            .map(|t| Secret::new(t.expose().trim()))
            .filter(|t| !t.is_empty())
        {
            service = service.auth("Bearer", token);
        }
        Ok(Backstage { client, service })
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The service: base URL, token, `url(path)`, `display_url` and `redact` for messages.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The backend's root URL, as configured (no trailing slash).
    pub fn base_url(&self) -> String {
        self.service.base.as_str().trim_end_matches('/').to_string()
    }

    /// Where an entity can be read on its own: `GET /api/catalog/entities/by-name/{kind}/{ns}/{name}`.
    /// Entities read from the backend carry it as their source location.
    pub fn entity_url(&self, kind: &str, namespace: &str, name: &str) -> String {
        self.service
            .url(&format!(
                "/api/catalog/entities/by-name/{}/{}/{}",
                kind.to_ascii_lowercase(),
                namespace,
                name
            ))
            .to_string()
    }

    /// Reads the whole catalog, page after page; `progress(read, total)` after each page.
    pub async fn entities(
        &self,
        page_size: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<BackendCatalog, ProviderError> {
        let mut out = BackendCatalog::default();
        let mut hasher = Fnv::default();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = self.service.url("/api/catalog/entities/by-query");
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("limit", &page_size.max(1).to_string());
                query.append_pair("fields", FIELDS);
                if let Some(cursor) = &cursor {
                    query.append_pair("cursor", cursor);
                }
            }
            let response = self
                .client
                .send(&self.service, Call::get(url.clone()))
                .await?;
            hasher.write(&response.body);
            let page: Page = serde_json::from_slice(&response.body).map_err(|err| {
                ProviderError::BadResponse {
                    service: self.service.name,
                    target: format!("GET {}", self.service.display_url(&url)),
                    detail: self.service.redact(&format!(
                        "not a by-query answer ({{items, totalItems, pageInfo}}): {err}"
                    )),
                }
            })?;
            if cursor.is_none() {
                out.total = page.total_items.unwrap_or(0);
            }
            let empty = page.items.is_empty();
            out.entities.extend(page.items);
            out.total = out.total.max(out.entities.len());
            progress(out.entities.len(), out.total);
            match page.page_info.next_cursor {
                // A cursor that comes back with no items would loop for ever.
                Some(next) if !empty && Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => break,
            }
        }
        out.fingerprint = hasher.finish();
        Ok(out)
    }
}

/// FNV-1a: a hash that is the same in every process and version, for fingerprints kept on disk.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::http::{Log, Options};

    #[test]
    fn entity_urls_are_below_the_base_path() {
        let client = Arc::new(Client::new(Options::default(), None, Log::Off));
        let backstage = Backstage::new("https://bs.example.com/root/", None, client).unwrap();
        assert_eq!(backstage.base_url(), "https://bs.example.com/root");
        assert_eq!(
            backstage.entity_url("Component", "default", "web"),
            "https://bs.example.com/root/api/catalog/entities/by-name/component/default/web"
        );
    }
}
