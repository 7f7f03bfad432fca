//! Which catalog to open, in the order `../shared/CLI.md` gives: `--catalog` paths, else the
//! config's sources, else `catalog-info.yaml` files under the current folder, else the demo.

use crate::catalog::load::{self, Loaded};
use crate::config::Config;
use crate::demo;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq)]
pub enum CatalogSource {
    Paths(Vec<PathBuf>),
    Demo,
}

impl CatalogSource {
    pub fn choose(cli_paths: &[PathBuf], force_demo: bool, config: &Config) -> CatalogSource {
        if force_demo {
            CatalogSource::Demo
        } else if !cli_paths.is_empty() {
            CatalogSource::Paths(cli_paths.to_vec())
        } else if !config.catalog.sources.is_empty() {
            CatalogSource::Paths(config.catalog.sources.clone())
        } else if !is_greenroom_checkout(Path::new(".")) && has_catalog_files(Path::new("."), 4) {
            CatalogSource::Paths(vec![PathBuf::from(".")])
        } else {
            CatalogSource::Demo
        }
    }

    pub fn is_demo(&self) -> bool {
        *self == CatalogSource::Demo
    }

    /// A short name for headers: the paths, or "demo".
    pub fn label(&self) -> String {
        match self {
            CatalogSource::Demo => "demo".into(),
            CatalogSource::Paths(paths) => paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    pub fn load(&self, config: &Config) -> Loaded {
        match self {
            CatalogSource::Paths(paths) => load::load_paths(paths),
            CatalogSource::Demo => match demo::extract(&config.cache_dir()) {
                Ok(dir) => load::load_paths(&[dir]),
                Err(err) => Loaded {
                    catalog: Default::default(),
                    unreadable: vec![format!(
                        "{}: cannot write the demo: {err}",
                        config.cache_dir().display()
                    )],
                },
            },
        }
    }
}

/// greenroom's own source checkout holds the demo's sources and test fixtures, not a user's
/// catalog: there, `cargo run --release` opens the bundled demo, as the README promises.
fn is_greenroom_checkout(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|text| text.lines().any(|l| l.trim() == "name = \"greenroom\""))
        && dir.join("src/demo/catalog-info.yaml").is_file()
}

/// Whether a folder holds a catalog file within `depth` levels: a cheap probe, so that starting
/// greenroom in a home folder does not walk all of it to find there is no catalog.
fn has_catalog_files(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if load::CATALOG_FILE_NAMES.contains(&name.as_ref()) {
            return true;
        }
        if depth > 0
            && entry.file_type().is_ok_and(|t| t.is_dir())
            && !name.starts_with('.')
            && name != "node_modules"
            && name != "target"
        {
            subdirs.push(entry.path());
        }
    }
    subdirs.iter().any(|sub| has_catalog_files(sub, depth - 1))
}
