//! The catalog snapshot: the last loaded catalog in a compact binary form (postcard) in the cache
//! folder, so the TUI shows entities at once and re-reads the sources behind it
//! (stale-while-revalidate). Written atomically (a temporary file renamed into place) and readable
//! only by the user; a snapshot that cannot be read is ignored and rebuilt, never trusted.
//!
//! Beside the catalog it keeps each source's [`Fingerprint`] (see `sources/mod.rs`), so the next
//! launch can tell whether the sources changed and rebuild only then. It never holds a token:
//! sources are named by their labels (paths, URLs without credentials).

use crate::catalog::{load, Catalog};
use crate::providers::backstage::Fnv;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Bumped whenever the stored types change shape, so an old snapshot is rebuilt, not misread.
const FORMAT: &[u8] = b"greenroom-snapshot-v4\n";

/// What a source looked like when it was last read, to tell whether it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub source: String,
    pub hash: u64,
}

/// A snapshot read back, with when it was written.
pub struct Snapshot {
    pub catalog: Catalog,
    /// What the sources looked like when the catalog was read from them.
    pub fingerprints: Vec<Fingerprint>,
    pub written: SystemTime,
}

impl Snapshot {
    /// How long ago it was written, as the status line and stderr say it ("3 min").
    pub fn age(&self) -> String {
        let age = SystemTime::now()
            .duration_since(self.written)
            .unwrap_or_default();
        crate::providers::github::short_duration(age)
    }
}

/// The snapshot file for a catalog source (`label` names the source, e.g. its paths).
pub fn path_for(cache_dir: &Path, label: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    label.hash(&mut hasher);
    std::env::current_dir()
        .unwrap_or_default()
        .hash(&mut hasher);
    cache_dir
        .join("snapshots")
        .join(format!("{:016x}.bin", hasher.finish()))
}

/// Reads a snapshot. `Ok(None)` when there is none; `Err` names why one could not be used.
pub fn read(path: &Path) -> Result<Option<Snapshot>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("{}: cannot read snapshot: {err}", path.display())),
    };
    let written = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    let body = bytes
        .strip_prefix(FORMAT)
        .and_then(|rest| rest.strip_prefix(env!("CARGO_PKG_VERSION").as_bytes()))
        .and_then(|rest| rest.strip_prefix(b"\n"))
        .ok_or_else(|| {
            format!(
                "{}: snapshot from another greenroom version, or damaged; rebuilding",
                path.display()
            )
        })?;
    let (fingerprints, mut catalog): (Vec<Fingerprint>, Catalog) = postcard::from_bytes(body)
        .map_err(|err| format!("{}: corrupt snapshot ({err}); rebuilding", path.display()))?;
    catalog.reindex();
    Ok(Some(Snapshot {
        catalog,
        fingerprints,
        written,
    }))
}

/// Writes a snapshot atomically (a killed process leaves the old snapshot or the new one) and
/// readable only by the user: catalogs can hold internal names and URLs.
pub fn write(path: &Path, catalog: &Catalog, fingerprints: &[Fingerprint]) -> Result<(), String> {
    let fail =
        |err: &dyn std::fmt::Display| format!("{}: cannot write snapshot: {err}", path.display());
    let body = postcard::to_stdvec(&(fingerprints, catalog)).map_err(|e| fail(&e))?;
    let parts: [&[u8]; 4] = [FORMAT, env!("CARGO_PKG_VERSION").as_bytes(), b"\n", &body];
    crate::providers::private_file::write_private_atomic(path, &parts, true).map_err(|e| fail(&e))
}

/// The fingerprint of a files source: sizes and times of every file its entities and problems
/// came from, and of the folders above them up to the roots, in parallel.
///
/// The paths are handled as the strings the catalog holds (normalized, `/`-separated): at 100k
/// files, taking them apart as `Path` components cost more than the stat calls themselves.
pub fn files_fingerprint(catalog: &Catalog, label: &str, roots: &[PathBuf]) -> u64 {
    let roots: Vec<String> = roots
        .iter()
        .map(|r| load::normalize(r).to_string_lossy().into_owned())
        .collect();
    let single = catalog.origins().len() <= 1;
    let mut paths: Vec<&str> = (0..catalog.len() as u32)
        .filter(|&id| single || catalog.origin(id) == Some(label))
        .map(|id| &*catalog.entity(id).source.location)
        .chain(catalog.problems.iter().map(|p| &*p.location))
        .filter(|l| !l.contains("://"))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let mut all: Vec<&str> = Vec::with_capacity(paths.len() * 2);
    let mut dirs: rustc_hash::FxHashSet<&str> = Default::default();
    for path in paths {
        all.push(path);
        let mut dir = parent(path);
        while let Some(d) = dir {
            // A folder already seen has its parents in the list too.
            if !dirs.insert(d) || !roots.iter().any(|root| within(d, root)) {
                break;
            }
            all.push(d);
            dir = parent(d);
        }
    }
    all.sort_unstable();
    all.dedup();
    let stamps: Vec<(u64, i128)> = all.par_iter().map(|path| stamp(Path::new(path))).collect();
    let mut hasher = Fnv::default();
    for (path, (len, time)) in all.iter().zip(stamps) {
        hasher.write(path.as_bytes());
        hasher.write(&len.to_le_bytes());
        hasher.write(&time.to_le_bytes());
    }
    hasher.finish()
}

/// The folder a normalized path is in: `.` above a relative path's first part, none above `/`.
fn parent(path: &str) -> Option<&str> {
    match path.rfind('/') {
        Some(0) if path.len() > 1 => Some("/"),
        Some(0) => None,
        Some(i) => Some(&path[..i]),
        None if path == "." || path == ".." => None,
        None => Some("."),
    }
}

pub use crate::catalog::file_read::stamp;

fn within(path: &str, root: &str) -> bool {
    if root == "." {
        !path.starts_with('/') && path != ".." && !path.starts_with("../")
    } else {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || root.ends_with('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::load::load_paths;

    #[test]
    fn round_trip_keeps_entities_relations_and_lookups() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = load_paths(&["src/demo".into()]).catalog;
        let path = path_for(dir.path(), "demo");
        let fingerprints = vec![Fingerprint {
            source: "demo".into(),
            hash: 42,
        }];
        write(&path, &catalog, &fingerprints).unwrap();
        let snapshot = read(&path).unwrap().unwrap();
        assert_eq!(snapshot.fingerprints, fingerprints);
        let back = snapshot.catalog;
        assert_eq!(back.len(), catalog.len());
        let id = back.get("component:default/order-service").unwrap();
        assert_eq!(
            back.entity_json(id),
            catalog.entity_json(catalog.get("component:default/order-service").unwrap())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn folders_above_a_file_stop_at_the_roots() {
        assert_eq!(parent("services/a/catalog-info.yaml"), Some("services/a"));
        assert_eq!(parent("catalog-info.yaml"), Some("."));
        assert_eq!(parent("."), None);
        assert_eq!(parent("/srv/a.yaml"), Some("/srv"));
        assert_eq!(parent("/srv"), Some("/"));
        assert_eq!(parent("/"), None);
        assert!(within("services/a", "."));
        assert!(!within("../elsewhere", "."));
        assert!(!within("/abs", "."));
        assert!(within("/srv/cat/a", "/srv/cat"));
        assert!(within("/srv/cat", "/srv/cat"));
        assert!(!within("/srv/catalog", "/srv/cat"));
        assert!(within("/srv/x", "/"));
    }

    #[test]
    fn a_corrupt_snapshot_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.bin");
        let catalog = load_paths(&["src/demo".into()]).catalog;
        write(&path, &catalog, &[]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = read(&path)
            .err()
            .expect("truncated snapshot must be refused");
        assert!(err.contains("corrupt snapshot"), "{err}");
        std::fs::write(&path, b"garbage").unwrap();
        assert!(read(&path)
            .err()
            .unwrap()
            .contains("another greenroom version"));
        assert!(read(&dir.path().join("absent.bin")).unwrap().is_none());
    }
}
