//! What a run takes from greenroom's setup, the same for `greenroom template run` and the TUI:
//! who runs it (`user.entity`, `user.ref`), the catalog (`catalog:fetch`) and where
//! `catalog:register` registers.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::providers::http::Client;
use crate::scaffolder::run::{Registration, RunOptions};
use crate::sources::{CatalogSource, SourceSpec};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// The catalog file `catalog:register` adds a Location to when no Backstage is configured: the
/// first local catalog file (or the root `catalog-info.yaml` of the first folder), or the demo's.
pub fn local_catalog_file(config: &Config, source: &CatalogSource) -> Option<PathBuf> {
    let first_file = |paths: &[PathBuf]| -> Option<PathBuf> {
        let first = paths.first()?;
        if first.is_file() {
            return Some(first.clone());
        }
        let root = first.join("catalog-info.yaml");
        root.is_file().then_some(root)
    };
    match source {
        CatalogSource::Paths(paths) => first_file(paths),
        CatalogSource::Found(dir) => first_file(std::slice::from_ref(dir)),
        CatalogSource::Demo => crate::demo::extract(&config.cache_dir())
            .ok()
            .map(|d| d.join("catalog-info.yaml")),
        CatalogSource::Several(specs) => specs.iter().find_map(|s| match s {
            SourceSpec::Files(paths) => first_file(paths),
            _ => None,
        }),
    }
}

/// The user running the template, for `user.entity` / `user.ref`: `[identity] user` from the
/// config, else the catalog's User named like the login (`$USER`).
pub fn current_user(config: &Config, catalog: &Catalog) -> (Option<Value>, Option<String>) {
    let configured = config.identity.user.clone();
    let login = std::env::var("USER").ok().filter(|l| !l.is_empty());
    for name in configured.into_iter().chain(login) {
        let reference = if name.contains(':') {
            name
        } else {
            format!("user:{name}")
        };
        if let Ok(id) = catalog.resolve(&reference) {
            let entity = catalog.entity(id);
            return (Some(entity.to_json()), Some(entity.key()));
        }
    }
    (None, None)
}

/// The options of a run (a dry run; the caller sets the rest) with its user, its catalog, and its
/// registration: the Backstage backend when configured (the demo API's, in the demo), else the
/// local catalog file `local_catalog`.
pub fn options(
    config: &Config,
    catalog: Arc<Catalog>,
    local_catalog: Option<PathBuf>,
    client: Arc<Client>,
) -> RunOptions {
    let (user_entity, user_ref) = current_user(config, &catalog);
    let registration = match (&config.demo_api, config.backstage_url()) {
        // The demo's written files live outside its bundled catalog: its loopback API answers
        // Backstage's registration, as a backend would.
        (Some(demo), _) => Registration::Backstage {
            url: format!("{}/backstage", demo.url),
            token: None,
            client,
        },
        (None, Some(url)) => Registration::Backstage {
            url,
            token: config.backstage_token(),
            client,
        },
        (None, None) => local_catalog.map_or(Registration::None, Registration::LocalLocation),
    };
    RunOptions {
        user_entity,
        user_ref,
        catalog: Some(catalog),
        registration,
        ..RunOptions::default()
    }
}
