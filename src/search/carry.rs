//! What of a catalog's search survives a change of some of its entities (a save): the index with
//! the changed entities' documents replaced, and the endpoints when no API and no provider of
//! one changed. At 100k entities this is milliseconds where building both anew takes most of a
//! second, and the filter keeps working through the save.

use super::operations::Endpoints;
use super::{entities, SearchIndex};
use crate::catalog::{Catalog, EntityId};
use std::sync::Arc;

/// A catalog with what was built for searching it.
#[derive(Clone)]
pub struct Searchable {
    pub catalog: Arc<Catalog>,
    pub index: Arc<SearchIndex>,
    /// `None` until the endpoints are read.
    pub endpoints: Option<Arc<Endpoints>>,
}

/// What of `before`'s search holds for `after`: nothing when the entities' references or order
/// changed (their ids then differ).
pub fn carry(
    before: &Searchable,
    after: &Catalog,
) -> (Option<Arc<SearchIndex>>, Option<Arc<Endpoints>>) {
    let old = &before.catalog;
    if !old.same_refs(after) {
        return (None, None);
    }
    // Entities a save did not touch are shared; a full read's are compared.
    let changed: Vec<EntityId> = (0..after.len() as EntityId)
        .filter(|&id| {
            let (a, b) = (&old.entities[id as usize], &after.entities[id as usize]);
            !Arc::ptr_eq(a, b) && a != b
        })
        .collect();
    let docs: Vec<(u32, super::SearchDoc)> = changed
        .iter()
        .map(|&id| (id, entities::doc(after.entity(id))))
        .filter(|(id, doc)| *doc != entities::doc(old.entity(*id)))
        .collect();
    let index = match docs.is_empty() {
        true => Some(before.index.clone()),
        false => before.index.replaced(&docs).map(Arc::new),
    };
    // An endpoint names its API and the API's providers by id, and is read from the API's
    // definition: it holds while no API changed and no changed entity's relations did.
    let endpoints = before.endpoints.clone().filter(|_| {
        changed.iter().all(|&id| {
            !old.entity(id).is_kind("API")
                && !after.entity(id).is_kind("API")
                && old.relations(id) == after.relations(id)
        })
    });
    (index, endpoints)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::document::read_file;

    fn catalog(text: &str) -> Arc<Catalog> {
        let read = read_file(&Arc::from("catalog-info.yaml"), text);
        assert!(
            !read.problems.iter().any(|p| p.is_error()),
            "{:?}",
            read.problems
        );
        Arc::new(Catalog::build(read.entities, read.problems))
    }

    const BEFORE: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\n  description: the shop\nspec:\n  type: website\n  lifecycle: production\n  owner: team-a\n  providesApis: [shop-api]\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: shop-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: |\n    openapi: 3.0.0\n    info: {title: shop, version: '1'}\n    paths:\n      /cart:\n        get: {operationId: getCart}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n";

    fn searchable(catalog: &Arc<Catalog>) -> Searchable {
        Searchable {
            catalog: catalog.clone(),
            index: Arc::new(entities::index(catalog)),
            endpoints: Some(Arc::new(Endpoints::build(catalog))),
        }
    }

    /// The catalog after a save that changed `from` into `to` in one entity: entities the save
    /// did not touch are shared, as the edit loop shares them.
    fn saved(before: &Arc<Catalog>, from: &str, to: &str) -> Arc<Catalog> {
        let after = catalog(&BEFORE.replace(from, to));
        let mut shared = (*after).clone();
        for (id, entity) in shared.entities.iter_mut().enumerate() {
            if **entity == *before.entities[id] {
                *entity = before.entities[id].clone();
            }
        }
        Arc::new(shared)
    }

    #[test]
    fn a_changed_description_keeps_the_endpoints_and_replaces_one_document() {
        let before = catalog(BEFORE);
        let after = saved(&before, "the shop", "the bakery");
        let (index, endpoints) = carry(&searchable(&before), &after);
        let index = index.expect("same references");
        let fresh = entities::index(&after);
        for query in ["bakery", "shop", "web", "team-a"] {
            assert_eq!(index.search(query, 10), fresh.search(query, 10), "{query}");
        }
        assert!(endpoints.is_some(), "no API or provider changed");
    }

    #[test]
    fn a_changed_provider_or_api_or_name_carries_less() {
        let before = catalog(BEFORE);
        let unprovided = saved(&before, "providesApis: [shop-api]", "providesApis: []");
        let (index, endpoints) = carry(&searchable(&before), &unprovided);
        assert!(index.is_some());
        assert!(endpoints.is_none(), "the API lost its provider");

        let api_changed = saved(&before, "/cart", "/basket");
        assert!(carry(&searchable(&before), &api_changed).1.is_none());

        let renamed = saved(&before, "name: web", "name: web-shop");
        assert_eq!(
            carry(&searchable(&before), &renamed).0.map(|_| ()),
            None,
            "references changed: built anew"
        );
    }
}
