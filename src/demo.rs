//! The bundled demo: a small organisation's catalog and templates, carried inside the binary and
//! written out to the cache folder on first use, so that it loads like any folder of files.

use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/demo");

/// Writes the demo out under `cache_dir` (once for each version of its contents) and returns its
/// folder.
pub fn extract(cache_dir: &Path) -> std::io::Result<PathBuf> {
    let target = cache_dir.join(format!("demo-{:016x}", content_hash()));
    if target.join("catalog-info.yaml").is_file() {
        return Ok(target);
    }
    // Written beside the target and renamed into place, so a killed process leaves no half demo.
    let staging = cache_dir.join(format!(".demo-staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    write_dir(&DEMO, &staging)?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&staging, &target)?;
    Ok(target)
}

fn write_dir(dir: &Dir<'_>, to: &Path) -> std::io::Result<()> {
    for file in dir.files() {
        let path = to.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, file.contents())?;
    }
    for sub in dir.dirs() {
        write_dir(sub, to)?;
    }
    Ok(())
}

fn content_hash() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut stack = vec![&DEMO];
    while let Some(dir) = stack.pop() {
        for file in dir.files() {
            file.path().hash(&mut hasher);
            file.contents().hash(&mut hasher);
        }
        stack.extend(dir.dirs());
    }
    hasher.finish()
}
