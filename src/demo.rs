//! The bundled demo: a small organisation's catalog and templates, carried inside the binary and
//! written out to the cache folder on first use, so that it loads like any folder of files. Its
//! live data (CI runs, incidents) comes from [`api`], a loopback server over the bundled files in
//! `src/demo/api/`, which are not part of the catalog folder.

pub mod api;

use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/demo");

/// What is bundled but not catalog: the demo API's answers and its server's source.
fn is_catalog_part(path: &Path) -> bool {
    path != Path::new("api") && path != Path::new("api.rs")
}

/// Everything bundled from `src/demo/`.
fn bundled() -> &'static Dir<'static> {
    &DEMO
}

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
    for file in dir.files().filter(|f| is_catalog_part(f.path())) {
        let path = to.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, file.contents())?;
    }
    for sub in dir.dirs().filter(|d| is_catalog_part(d.path())) {
        write_dir(sub, to)?;
    }
    Ok(())
}

fn content_hash() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut stack = vec![&DEMO];
    while let Some(dir) = stack.pop() {
        for file in dir.files().filter(|f| is_catalog_part(f.path())) {
            file.path().hash(&mut hasher);
            file.contents().hash(&mut hasher);
        }
        stack.extend(dir.dirs().filter(|d| is_catalog_part(d.path())));
    }
    hasher.finish()
}
