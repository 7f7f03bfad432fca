//! Dynamic completion of entity references (`greenroom show ord<TAB>`), through clap_complete's
//! `CompleteEnv` (`source <(COMPLETE=bash greenroom)`): the catalog as the commands read it, the
//! snapshot when its fingerprints prove it current, and a remote catalog's snapshot as it is, so
//! a TAB never waits on the network.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::sources::{CatalogSource, Freshness};
use clap_complete::engine::CompletionCandidate;
use std::collections::BTreeMap;
use std::ffi::OsStr;

/// The completer of the REF arguments.
pub fn entity_refs(current: &OsStr) -> Vec<CompletionCandidate> {
    let (Some(typed), Ok(loaded)) = (current.to_str(), Config::load(None)) else {
        return Vec::new();
    };
    let config = loaded.config;
    let source = CatalogSource::choose(&[], &[], false, &config);
    let freshness = match source.is_remote() {
        true => Freshness::Offline,
        false => Freshness::Checked,
    };
    let log = crate::providers::http::Log::Off;
    let catalog = source.load_logged(&config, log, freshness).catalog;
    candidates(&catalog, typed)
        .into_iter()
        .map(|(text, help)| CompletionCandidate::new(text).help(Some(help.into())))
        .collect()
}

/// The references that complete `typed`, each with its kind and title: bare names while no kind
/// is typed (`ord` → `order-service`; a name several entities share as `kind:name` forms, so
/// each completes to one entity), `kind:name` once a `:` is typed (with the namespace outside
/// the default one). Sorted, each once.
pub fn candidates(catalog: &Catalog, typed: &str) -> Vec<(String, String)> {
    let typed = typed.to_lowercase();
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, entity) in catalog.entities.iter().enumerate() {
        by_name
            .entry(entity.name().to_lowercase())
            .or_default()
            .push(i);
    }
    let help = |i: usize| {
        let entity = &catalog.entities[i];
        match entity.title() {
            Some(title) => format!("{} · {title}", entity.kind),
            None => entity.kind.to_string(),
        }
    };
    let mut out = Vec::new();
    for (name, entities) in &by_name {
        let unique = entities.len() == 1;
        for &i in entities {
            let text = match !typed.contains(':') && unique {
                true => catalog.entities[i].name().to_string(),
                false => catalog.entities[i].reference.short(),
            };
            let matches = match typed.contains(':') || unique {
                true => text.to_lowercase().starts_with(&typed),
                // A shared name completes to its kind:name forms when the name matches.
                false => name.starts_with(&typed),
            };
            if matches {
                out.push((text, help(i)));
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_then_kinds_from_the_demo() {
        let catalog = crate::catalog::load::load_paths(&["src/demo".into()]).catalog;
        let texts = |typed: &str| -> Vec<String> {
            candidates(&catalog, typed)
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        };
        assert_eq!(texts("order-se"), ["order-service"]);
        let (_, help) = &candidates(&catalog, "order-service")[0];
        assert!(help.starts_with("Component"), "{help}");
        assert!(texts("component:order").contains(&"component:order-service".to_string()));
        assert!(texts("group:").iter().all(|t| t.starts_with("group:")));
        assert!(texts("zzz-nothing").is_empty());
        // Every candidate resolves to one entity.
        for (text, _) in candidates(&catalog, "") {
            assert!(catalog.resolve(&text).is_ok(), "{text}");
        }
    }
}
