//! A catalog kept up to date with its local files: what every source gave on the last read is
//! kept, so a save re-reads only the files it touched ([`Live::update`]) and the catalog is
//! rebuilt from the rest, entities shared rather than copied. Remote sources (a Backstage
//! backend, GitHub discovery, app-config URL locations) stay as they were read until the next
//! full read.

use super::snapshot::Fingerprint;
use crate::catalog::load::Loaded;
use crate::catalog::tree::{NeedsFullRead, Tree};
use crate::catalog::{Catalog, Part};
use std::path::PathBuf;
use std::sync::Arc;

/// What one source gave.
pub(super) enum Kept {
    /// Files and folders: each file with what it gave.
    Files { paths: Vec<PathBuf>, tree: Tree },
    /// Read whole (a remote source, or an app-config's locations), with its fingerprint.
    Whole { part: Part, hash: u64 },
    /// Could not be read (offline, or refused): nothing.
    Missing,
}

/// Every source's last read, in the order they merge.
#[derive(Default)]
pub struct Live {
    pub(super) sources: Vec<(Arc<str>, Kept)>,
    /// Folders an app-config's file locations are relative to: a change there is read whole.
    pub(super) app_config_dirs: Vec<PathBuf>,
    /// Remote sources that answered in a way that will not fix itself (a rejected token).
    pub(super) refused: Vec<String>,
}

impl Live {
    /// The catalog of what is kept, merged as a cold read merges it.
    pub fn loaded(&self) -> Loaded {
        let mut parts = Vec::with_capacity(self.sources.len());
        let (mut unreadable, mut skipped) = (self.refused.clone(), Vec::new());
        for (label, kept) in &self.sources {
            match kept {
                Kept::Files { tree, .. } => {
                    let read = tree.contents();
                    unreadable.extend(read.unreadable);
                    skipped.extend(read.skipped);
                    parts.push(Part {
                        label: label.clone(),
                        read: read.entities,
                        problems: read.problems,
                    });
                }
                Kept::Whole { part, .. } => parts.push(part.clone()),
                Kept::Missing => {}
            }
        }
        Loaded {
            catalog: Catalog::merge(parts),
            unreadable,
            skipped,
        }
    }

    /// Re-reads the changed files (as a watcher reports them) in the sources that hold them.
    /// Returns how many files were read again, or why every source must be read again.
    pub fn update(&mut self, changed: &[PathBuf]) -> Result<usize, NeedsFullRead> {
        if let Some(path) = changed
            .iter()
            .find(|p| self.app_config_dirs.iter().any(|dir| p.starts_with(dir)))
        {
            return Err(NeedsFullRead(format!(
                "{}: under an app-config's locations",
                path.display()
            )));
        }
        let trees = || {
            self.sources.iter().filter_map(|(_, kept)| match kept {
                Kept::Files { tree, .. } => Some(tree),
                _ => None,
            })
        };
        // A path no source knows (a watcher that names paths another way) is read whole.
        if let Some(path) = changed.iter().find(|p| !trees().any(|tree| tree.covers(p))) {
            return Err(NeedsFullRead(format!("{}: in no source", path.display())));
        }
        let mut read = 0;
        for (_, kept) in &mut self.sources {
            if let Kept::Files { tree, .. } = kept {
                let mine: Vec<PathBuf> =
                    changed.iter().filter(|p| tree.covers(p)).cloned().collect();
                if !mine.is_empty() {
                    read += tree.update(&mine)?;
                }
            }
        }
        Ok(read)
    }

    /// The files a full read would find changed ([`Tree::changed_on_disk`]), for
    /// [`Live::update`]: a refresh that reads only those when every source is local files.
    pub fn changed_on_disk(&self) -> Result<Vec<PathBuf>, NeedsFullRead> {
        if let Some(refused) = self.refused.first() {
            return Err(NeedsFullRead(refused.clone()));
        }
        let mut changed = Vec::new();
        for (label, kept) in &self.sources {
            match kept {
                Kept::Files { tree, .. } => changed.extend(tree.changed_on_disk()?),
                Kept::Whole { .. } | Kept::Missing => {
                    return Err(NeedsFullRead(format!("{label}: not local files")))
                }
            }
        }
        Ok(changed)
    }

    /// Each source's fingerprint for the snapshot of `catalog` (built from what is kept).
    pub fn fingerprints(&self, catalog: &Catalog) -> Vec<Fingerprint> {
        self.fingerprinter().of(catalog)
    }

    /// What [`Live::fingerprints`] needs, apart from the rest of the live state: the snapshot is
    /// written on another thread while this one takes the next save.
    pub fn fingerprinter(&self) -> Fingerprinter {
        Fingerprinter(
            self.sources
                .iter()
                .filter_map(|(label, kept)| {
                    let stamp = match kept {
                        Kept::Files { paths, .. } => Stamp::Files(paths.clone()),
                        Kept::Whole { hash, .. } => Stamp::Hash(*hash),
                        Kept::Missing => return None,
                    };
                    Some((label.clone(), stamp))
                })
                .collect(),
        )
    }
}

/// Each source's label and how its fingerprint is made.
pub struct Fingerprinter(Vec<(Arc<str>, Stamp)>);

enum Stamp {
    /// The files the catalog read under these roots, stamped when asked.
    Files(Vec<PathBuf>),
    /// As it was when the source was read whole.
    Hash(u64),
}

impl Fingerprinter {
    /// The fingerprints of `catalog`'s sources as the files are now.
    pub fn of(&self, catalog: &Catalog) -> Vec<Fingerprint> {
        self.0
            .iter()
            .map(|(label, stamp)| Fingerprint {
                source: label.to_string(),
                hash: match stamp {
                    Stamp::Files(paths) => {
                        super::snapshot::files_fingerprint(catalog, label, paths)
                    }
                    Stamp::Hash(hash) => *hash,
                },
            })
            .collect()
    }
}
