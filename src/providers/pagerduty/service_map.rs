//! Which catalog entities stand for which PagerDuty services: the `pagerduty.com/*` annotations
//! read into service references, and the map both ways (entity → services for the panes,
//! incident → service → entities for the search).

use super::model::{
    is_pagerduty_id, Incident, ResolvedService, ServiceRef, INTEGRATION_KEY_ANNOTATION,
    SERVICE_ID_ANNOTATION,
};
use crate::catalog::{Catalog, Entity, EntityId};
use crate::providers::ProviderError;
use std::collections::{BTreeSet, HashMap};

/// Whether the entity has either PagerDuty annotation.
pub fn is_annotated(entity: &Entity) -> bool {
    entity.annotation(SERVICE_ID_ANNOTATION).is_some()
        || entity.annotation(INTEGRATION_KEY_ANNOTATION).is_some()
}

/// The entity's services: every `pagerduty.com/service-id` (comma-separated), then every
/// `pagerduty.com/integration-key`; or why there are none ([`ProviderError::NoService`]).
pub fn service_refs(entity: &Entity) -> Result<Vec<ServiceRef>, ProviderError> {
    let split = |key: &str| -> Vec<String> {
        entity
            .annotation(key)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut refs = Vec::new();
    for id in split(SERVICE_ID_ANNOTATION) {
        if !is_pagerduty_id(&id) {
            return Err(ProviderError::NoService {
                entity: entity.key(),
                detail: format!("{SERVICE_ID_ANNOTATION} {id:?}, which is not a PagerDuty service ID (letters and digits, e.g. PX4T9QZ)"),
            });
        }
        refs.push(ServiceRef::ServiceId(id));
    }
    for key in split(INTEGRATION_KEY_ANNOTATION) {
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ProviderError::NoService { entity: entity.key(), detail: format!("{INTEGRATION_KEY_ANNOTATION} with spaces in it, which is not an integration key") });
        }
        refs.push(ServiceRef::IntegrationKey(key));
    }
    if refs.is_empty() {
        return Err(ProviderError::NoService {
            entity: entity.key(),
            detail: format!("no {SERVICE_ID_ANNOTATION} or {INTEGRATION_KEY_ANNOTATION} annotation (add metadata.annotations {SERVICE_ID_ANNOTATION}: PABC123)"),
        });
    }
    let mut seen = BTreeSet::new();
    refs.retain(|r| seen.insert(r.clone()));
    Ok(refs)
}

/// Which entities stand for which PagerDuty services, both ways: built from the catalog's
/// annotations, taught the services of integration keys as they are resolved
/// ([`ServiceMap::learn`]). The incidents pane ties each incident to its entities with it, and the
/// search finds the entity of an incident number ([`ServiceMap::entities_of_incident`]).
#[derive(Clone, Debug, Default)]
pub struct ServiceMap {
    by_service: HashMap<String, Vec<EntityId>>,
    by_key: HashMap<String, Vec<EntityId>>,
    key_service: HashMap<String, String>,
    /// Annotated entities whose annotations cannot be used, with why.
    pub unusable: Vec<(EntityId, ProviderError)>,
}

impl ServiceMap {
    /// Every annotated entity of the catalog.
    pub fn build(catalog: &Catalog) -> ServiceMap {
        ServiceMap::of(catalog, 0..catalog.len() as EntityId)
    }

    /// These entities (those without annotations are skipped).
    pub fn of(catalog: &Catalog, ids: impl IntoIterator<Item = EntityId>) -> ServiceMap {
        let mut map = ServiceMap::default();
        for id in ids {
            let entity = catalog.entity(id);
            if !is_annotated(entity) {
                continue;
            }
            match service_refs(entity) {
                Ok(refs) => {
                    for reference in refs {
                        let list = match reference {
                            ServiceRef::ServiceId(service) => {
                                map.by_service.entry(service).or_default()
                            }
                            ServiceRef::IntegrationKey(key) => map.by_key.entry(key).or_default(),
                        };
                        if !list.contains(&id) {
                            list.push(id);
                        }
                    }
                }
                Err(err) => map.unusable.push((id, err)),
            }
        }
        map
    }

    pub fn is_empty(&self) -> bool {
        self.by_service.is_empty() && self.by_key.is_empty()
    }

    /// Every distinct reference, service IDs first, sorted.
    pub fn refs(&self) -> Vec<ServiceRef> {
        let mut refs: Vec<ServiceRef> = self
            .by_service
            .keys()
            .cloned()
            .map(ServiceRef::ServiceId)
            .chain(self.by_key.keys().cloned().map(ServiceRef::IntegrationKey))
            .collect();
        refs.sort();
        refs
    }

    /// The entities annotated with this reference.
    pub fn entities_of_ref(&self, reference: &ServiceRef) -> Vec<EntityId> {
        match reference {
            ServiceRef::ServiceId(id) => self.by_service.get(id).cloned().unwrap_or_default(),
            ServiceRef::IntegrationKey(key) => self.by_key.get(key).cloned().unwrap_or_default(),
        }
    }

    /// Records that `key` belongs to `service_id`.
    pub fn learn(&mut self, key: &str, service_id: &str) {
        self.key_service
            .insert(key.to_string(), service_id.to_string());
    }

    /// Learns the integration keys these resolved services hold.
    pub fn teach_services(&mut self, resolved: &[ResolvedService]) {
        for r in resolved {
            if let (ServiceRef::IntegrationKey(key), Ok(service)) = (&r.reference, &r.service) {
                self.learn(key, &service.id);
            }
        }
    }

    /// The integration keys not resolved to a service yet.
    pub fn unlearned_keys(&self) -> Vec<ServiceRef> {
        let mut keys: Vec<ServiceRef> = self
            .by_key
            .keys()
            .filter(|k| !self.key_service.contains_key(*k))
            .cloned()
            .map(ServiceRef::IntegrationKey)
            .collect();
        keys.sort();
        keys
    }

    /// The service an integration key was resolved to, once learned.
    pub fn service_of_key(&self, key: &str) -> Option<&str> {
        self.key_service.get(key).map(String::as_str)
    }

    /// The entities of a service: annotated with its ID, or with an integration key learned to be
    /// its. Sorted, no repeats.
    pub fn entities_of_service(&self, service_id: &str) -> Vec<EntityId> {
        let mut ids: Vec<EntityId> = self.by_service.get(service_id).cloned().unwrap_or_default();
        for (key, service) in &self.key_service {
            if service == service_id {
                ids.extend(self.by_key.get(key).into_iter().flatten().copied());
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The entities of an incident's service (the reverse lookup: incident → service → entity).
    pub fn entities_of_incident(&self, incident: &Incident) -> Vec<EntityId> {
        self.entities_of_service(&incident.service.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_name_services() {
        let catalog = crate::catalog::load::load_paths(&["src/demo".into()]).catalog;
        let entity =
            |name: &str| catalog.entity(catalog.get(&format!("component:default/{name}")).unwrap());
        assert_eq!(
            service_refs(entity("payment-service")).unwrap(),
            [ServiceRef::ServiceId("PX4T9QZ".into())]
        );
        assert_eq!(
            service_refs(entity("order-service")).unwrap(),
            [ServiceRef::IntegrationKey("abc123".into())]
        );
        let err = service_refs(entity("money-lib")).unwrap_err();
        assert!(
            err.is_setup()
                && err.to_string().contains(
                    "has no pagerduty.com/service-id or pagerduty.com/integration-key annotation"
                ),
            "{err}"
        );
        let map = ServiceMap::build(&catalog);
        assert!(map
            .refs()
            .contains(&ServiceRef::ServiceId("PX4T9QZ".into())));
        let mut map = map;
        let order = catalog.get("component:default/order-service").unwrap();
        assert!(map.entities_of_service("PORDER1").is_empty());
        map.learn("abc123", "PORDER1");
        assert_eq!(map.entities_of_service("PORDER1"), [order]);
    }
}
