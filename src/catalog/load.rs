//! Local sources: files and folders on disk, walked on every core, and the `Location` entities
//! in them followed to their targets.
//!
//! A folder is searched recursively for `catalog-info.yaml` (skipping `.git`, `node_modules` and
//! `target`, and not following symlinked folders, so a symlink loop cannot trap the walk). Each
//! `Location` adds its `target`/`targets`, relative to its own file, globs allowed. Files are read
//! once however many ways they are reached, so a Location cycle ends by itself. Folders that a
//! Template's `fetch:template`/`fetch:plain` steps copy from are skeletons, not catalog files: what
//! they hold is dropped, whatever `${{ }}` it contains.
//!
//! A folder the user names ([`Discover::Descriptors`]) also yields every other `*.yaml`/`*.yml`
//! whose documents carry a Backstage `apiVersion` (template collections name theirs
//! `template.yaml`), told by a look at the bytes, so Kubernetes manifests and workflows cost no
//! parse. A file reached by discovery or a Location that holds template syntax outside YAML
//! strings is a skeleton no loaded Template names: skipped (and counted), never an error.

pub use super::file_read::{read_limited, MAX_FILE_BYTES};
pub use super::memory::{drop_and_release, limit_malloc_arenas, release_freed_memory};
pub use super::tree::{Read, Tree};
pub use super::walk::{
    location_files, normalize, read_target, Discover, Skipped, CATALOG_FILE_NAMES,
};
use super::Catalog;
use std::path::PathBuf;

/// A loaded catalog, and the paths the user named that could not be read at all.
pub struct Loaded {
    pub catalog: Catalog,
    pub unreadable: Vec<String>,
    /// Files found but skipped as Scaffolder skeletons.
    pub skipped: Vec<Skipped>,
}

/// Loads files and folders (named by the user) into one catalog.
pub fn load_paths(roots: &[PathBuf]) -> Loaded {
    let read = read_paths(roots, Discover::Descriptors);
    let catalog = Catalog::build(read.entities, read.problems);
    release_freed_memory();
    Loaded {
        catalog,
        unreadable: read.unreadable,
        skipped: read.skipped,
    }
}

/// Reads files and folders, following Locations: their entities and problems.
pub fn read_paths(roots: &[PathBuf], discover: Discover) -> Read {
    Tree::read(roots, discover).contents()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Problem;

    #[test]
    fn shared_skeletons_reached_with_dot_dot_are_not_catalog_files() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "templates/app/catalog-info.yaml",
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: app\nspec:\n  type: service\n  steps:\n    - id: ci\n      action: fetch:template\n      input:\n        url: ../../skeletons/ci/\n",
        );
        write(
            "skeletons/ci/catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name | dump }}\nspec:\n  {% if values.x %}type: a{% endif %}\n",
        );
        let loaded = load_paths(&[dir.path().to_path_buf()]);
        let names: Vec<&str> = loaded.catalog.entities.iter().map(|e| e.name()).collect();
        assert_eq!(names, vec!["app"]);
        let about_skeleton = |p: &Problem| format!("{p:?}").contains("skeletons");
        assert!(
            !loaded.catalog.problems.iter().any(about_skeleton),
            "{:?}",
            loaded.catalog.problems
        );
    }
}
