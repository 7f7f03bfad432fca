//! PagerDuty services: one by ID, the one holding an integration key (as the Backstage plugin
//! finds it, remembered for [`KEY_MAPPING_WINDOW`]), and every service a set of references names.

use super::client::{
    is_global, network, require_id, Freshness, Got, Miss, Mode, PagerDuty, SERVICE,
};
use super::decode::RawService;
use super::model::{ResolvedService, Service, ServiceRef, INTEGRATION_KEY_ANNOTATION};
use crate::providers::http::CachePolicy;
use crate::providers::{Fetched, ProviderError};
use std::time::Duration;

/// How long an integration key's service is trusted without asking again.
pub const KEY_MAPPING_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// How a read in `mode` looks up an integration key's service: from the network only when the
/// mapping is older than [`KEY_MAPPING_WINDOW`], whatever the caller's cache policy.
pub(super) fn key_mapping(mode: Mode) -> Mode {
    match mode {
        Mode::Stored => Mode::Stored,
        Mode::Network(_) => Mode::Network(CachePolicy::FreshFor(KEY_MAPPING_WINDOW)),
    }
}

impl PagerDuty {
    /// `GET /services/{id}?include[]=integrations`
    pub async fn service(
        &self,
        id: &str,
        cache: CachePolicy,
    ) -> Result<Fetched<Service>, ProviderError> {
        network(self.service_in(id, Mode::Network(cache)).await)
    }

    async fn service_in(&self, id: &str, mode: Mode) -> Got<Service> {
        require_id(
            id,
            "service",
            "a service ID is letters and digits (PX4T9QZ)",
        )?;
        let mut url = self.api.url(&format!("/services/{id}"));
        url.query_pairs_mut()
            .append_pair("include[]", "integrations");
        self.one::<RawService>(url, "service", mode).await
    }

    /// The service holding an integration key: as the Backstage plugin asks
    /// (`GET /services?query=KEY&include[]=integrations`), taken when one of the answers holds the
    /// key; else every service is listed (`GET /services?include[]=integrations`). Remembered in
    /// memory, and cached on disk for [`KEY_MAPPING_WINDOW`].
    pub async fn service_for_key(&self, key: &str) -> Result<Fetched<Service>, ProviderError> {
        network(
            self.key_service(
                key,
                Mode::Network(CachePolicy::FreshFor(KEY_MAPPING_WINDOW)),
            )
            .await,
        )
    }

    pub(super) async fn key_service(&self, key: &str, mode: Mode) -> Got<Service> {
        let key = key.trim();
        let known = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned();
        if let Some(id) = known {
            if let Ok(service) = self.service_in(&id, key_mapping(mode)).await {
                if service.value.has_integration_key(key) {
                    return Ok(service);
                }
            }
        }
        // `query` matches names, so an answer counts only when it holds the key; the full list
        // is the fallback.
        let mut looked_through = 0;
        for query in [Some(key), None] {
            let mut url = self.api.url("/services");
            {
                let mut pairs = url.query_pairs_mut();
                if let Some(key) = query {
                    pairs.append_pair("query", key);
                }
                pairs.append_pair("include[]", "integrations");
            }
            let listed = self.all::<RawService>(&url, "services", mode).await?;
            if query.is_none() {
                looked_through = listed.value.len();
            }
            let Fetched {
                value,
                fetched_at,
                from_cache,
            } = listed;
            if let Some(service) = value.into_iter().find(|s| s.has_integration_key(key)) {
                self.keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key.to_string(), service.id.clone());
                return Ok(Fetched {
                    value: service,
                    fetched_at,
                    from_cache,
                });
            }
        }
        Err(Miss::Failed(ProviderError::Unknown {
            service: SERVICE,
            what: format!("service with integration key {key} (looked through {looked_through} services)"),
            hint: format!("check the {INTEGRATION_KEY_ANNOTATION} annotation: the Integration Key of an Events API integration on the service's Integrations tab, and that the token can see that service"),
        }))
    }

    /// The service a reference names.
    pub async fn resolve(
        &self,
        reference: &ServiceRef,
        cache: CachePolicy,
    ) -> Result<Fetched<Service>, ProviderError> {
        match reference {
            ServiceRef::ServiceId(id) => self.service(id, cache).await,
            ServiceRef::IntegrationKey(key) => self.service_for_key(key).await,
        }
    }

    /// Every reference's service (or why not). Fails as a whole only when all of them fail with
    /// the same kind of trouble that is not about one service (a rejected token, a hung server).
    pub async fn services(
        &self,
        refs: &[ServiceRef],
        cache: CachePolicy,
    ) -> Result<Fetched<Vec<ResolvedService>>, ProviderError> {
        let mut resolved = Vec::new();
        let mut freshness = Freshness::new();
        for reference in refs {
            match self.resolve(reference, cache).await {
                Ok(service) => {
                    freshness.add(service.fetched_at, service.from_cache);
                    resolved.push(ResolvedService {
                        reference: reference.clone(),
                        service: Ok(service.value),
                    });
                }
                Err(err) if is_global(&err) => return Err(err),
                Err(err) => resolved.push(ResolvedService {
                    reference: reference.clone(),
                    service: Err(err),
                }),
            }
        }
        // With no service found, nothing came from the cache.
        let found_none = freshness.is_empty();
        let mut fetched = freshness.fetched(resolved);
        fetched.from_cache &= !found_none;
        Ok(fetched)
    }
}
