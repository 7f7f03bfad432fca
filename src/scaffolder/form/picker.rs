//! Entity pickers against the catalog: which entities a picker offers (`allowedKinds`,
//! `catalogFilter`), the ref stored for a picked one, and the candidates for a typed query.

use super::json::text_of;
use super::model::{FilterValue, Picker};
use crate::catalog::{Catalog, Entity, EntityId};

impl Picker {
    /// Whether the picker offers this entity.
    pub fn offers(&self, entity: &Entity) -> bool {
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| entity.is_kind(k)) {
            return false;
        }
        if self.filters.is_empty() {
            return true;
        }
        self.filters.iter().any(|conditions| {
            conditions.iter().all(|(path, wanted)| {
                let found = entity_field(entity, path);
                match wanted {
                    FilterValue::Exists => found.is_some(),
                    FilterValue::AnyOf(options) => found.is_some_and(|texts| {
                        texts
                            .iter()
                            .any(|t| options.iter().any(|o| o.eq_ignore_ascii_case(t)))
                    }),
                }
            })
        })
    }

    /// The value stored for a picked entity: Backstage's `stringifyEntityRef` (kind lower case),
    /// without the kind or namespace when they are the picker's defaults.
    pub fn value_of(&self, entity: &Entity) -> String {
        let kind = entity.kind.to_lowercase();
        let namespace = entity.namespace();
        let keep_kind = self
            .default_kind
            .as_deref()
            .is_none_or(|k| !k.eq_ignore_ascii_case(&kind));
        let keep_namespace = self.default_namespace.as_deref() != Some(namespace);
        match (keep_kind, keep_namespace) {
            (true, true) => format!("{kind}:{namespace}/{}", entity.name()),
            (true, false) => format!("{kind}:{}", entity.name()),
            (false, true) => format!("{namespace}/{}", entity.name()),
            (false, false) => entity.name().to_string(),
        }
    }

    /// The entities offered for a query, best match first (fuzzy, the catalog filter's grammar).
    pub fn candidates(
        &self,
        catalog: &Catalog,
        index: &crate::search::SearchIndex,
        query: &str,
        limit: usize,
    ) -> Vec<EntityId> {
        // The search ranks, then the picker keeps what it offers. Asking for a few times `limit`
        // first, and more only when the filter left too few, keeps a keystroke cheap on a large
        // catalog (ranking every match costs far more than ranking the best).
        let mut wanted = (limit * 4).max(256);
        loop {
            let results = index.search(query, wanted);
            let offered: Vec<EntityId> = results
                .hits
                .iter()
                .map(|h| h.doc as EntityId)
                .filter(|&id| self.offers(catalog.entity(id)))
                .take(limit)
                .collect();
            if offered.len() >= limit || results.hits.len() >= results.total {
                return offered;
            }
            wanted = wanted.saturating_mul(8);
        }
    }
}

/// The value at a dotted path whose keys may hold dots themselves (annotation keys like
/// `github.com/project-slug`): the longest key that exists wins at each level.
fn dotted<'a>(
    value: &'a crate::catalog::value::Value,
    keys: &[&str],
) -> Option<&'a crate::catalog::value::Value> {
    if keys.is_empty() {
        return Some(value);
    }
    (1..=keys.len()).rev().find_map(|n| {
        let key = keys[..n].join(".");
        dotted(value.get(&key)?, &keys[n..])
    })
}

/// The texts at a `catalogFilter` path of an entity (`kind`, `metadata.tags`, `spec.type`, ...):
/// one for a scalar, each item's for a list; `None` when absent.
fn entity_field(entity: &Entity, path: &str) -> Option<Vec<String>> {
    use crate::catalog::value::Value as V;
    let mut parts = path.split('.');
    let root = match parts.next()? {
        "kind" => return Some(vec![entity.kind.to_string()]),
        "apiVersion" => return Some(vec![entity.api_version.to_string()]),
        "metadata" => &entity.metadata,
        "spec" => &entity.spec,
        _ => return None,
    };
    let keys: Vec<&str> = parts.collect();
    let found = dotted(root, &keys)?;
    let text = |v: &V| match v {
        V::String(s) => s.to_string(),
        other => text_of(&other.to_json()),
    };
    match found {
        V::Null => None,
        V::Seq(items) => Some(items.iter().map(text).collect()),
        other => Some(vec![text(other)]),
    }
}
