//! Files greenroom keeps for itself (catalog snapshots, the HTTP cache): written atomically and
//! readable only by the user, because they can hold internal names, URLs and private API answers.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `parts` one after the other to `path` atomically: a temporary file in the same folder,
/// mode 0600 on Unix, synced, then renamed into place. A killed process leaves the old file or the
/// new one, never half of one; concurrent writers (threads or processes) each use their own
/// temporary name, and the last rename wins. Creates the parent folder when missing.
///
/// `sync` flushes the data to disk before the rename (a power cut then leaves the old or the new
/// file too); caches that can lose an entry skip it, since a sync costs milliseconds per file.
pub fn write_private_atomic(path: &Path, parts: &[&[u8]], sync: bool) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent folder"))?;
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = private_file(&temporary)?;
        for part in parts {
            file.write_all(part)?;
        }
        if sync {
            file.sync_all()?;
        }
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A new file only its owner can read.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_private_files_and_replaces_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/file.bin");
        write_private_atomic(&path, &[b"one", b"two"], true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"onetwo");
        write_private_atomic(&path, &[b"three"], false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
