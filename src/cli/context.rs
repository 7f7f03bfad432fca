//! What every subcommand works from: the config and catalog source, the async runtime for
//! network calls, and resolving the entity a user typed.

use crate::catalog::load::Loaded;
use crate::catalog::{Catalog, EntityId};
use crate::config::Config;
use crate::sources::CatalogSource;
use std::process::ExitCode;

/// What every subcommand works from.
pub struct Context {
    pub config: Config,
    pub source: CatalogSource,
    /// `--verbose`: remote catalog sources log their requests too.
    pub verbose: bool,
    /// `--offline`: answer from the snapshot without checking the sources.
    pub offline: bool,
}

impl Context {
    /// [`Context::load_owned`], for a command that only reads the catalog: it lives until the
    /// process exits, right after the command, since freeing its millions of small allocations
    /// one by one would add a tenth of the command's time at 100k entities.
    pub fn load(&self) -> Result<&'static Catalog, ExitCode> {
        self.load_owned()
            .map(|catalog| &*Box::leak(Box::new(catalog)))
    }

    /// Loads the catalog (from the snapshot when it is proven current, or under --offline);
    /// paths the user named that cannot be read are a usage/IO error (exit 2).
    pub fn load_owned(&self) -> Result<Catalog, ExitCode> {
        let Loaded {
            catalog,
            unreadable,
            ..
        } = self.source.load_logged(
            &self.config,
            crate::providers::http::Log::verbose(self.verbose),
            match self.offline {
                true => crate::sources::Freshness::Offline,
                false => crate::sources::Freshness::Checked,
            },
        );
        if unreadable.is_empty() {
            Ok(catalog)
        } else {
            for message in unreadable {
                eprintln!("greenroom: {message}");
            }
            Err(ExitCode::from(2))
        }
    }
}

/// The runtime a command's network calls run on, or why it could not start (exit 2).
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("greenroom: cannot start the async runtime: {err}");
            ExitCode::from(2)
        })
}

/// Resolves a reference the user typed, or prints why not (with the closest matches, found by
/// fuzzy search) for exit 1.
pub fn resolve_or_explain(catalog: &Catalog, text: &str) -> Result<EntityId, ExitCode> {
    catalog.resolve(text).map_err(|same_name| {
        let keys = |ids: &mut dyn Iterator<Item = EntityId>| {
            ids.map(|id| catalog.entity(id).key())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !same_name.is_empty() {
            eprintln!(
                "greenroom: {text} is ambiguous; one of: {}",
                keys(&mut same_name.into_iter())
            );
        } else {
            let name = text.rsplit([':', '/']).next().unwrap_or(text);
            let closest = crate::search::entities::index(catalog).search(name, 5);
            match closest.hits.is_empty() {
                true => eprintln!("greenroom: no entity {text}"),
                false => eprintln!(
                    "greenroom: no entity {text}; closest: {}",
                    keys(&mut closest.hits.iter().map(|h| h.doc as EntityId))
                ),
            }
        }
        ExitCode::from(1)
    })
}
