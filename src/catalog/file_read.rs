//! Reading a file the catalog names with a size limit, below both the loader (`load.rs`) and
//! the placeholder resolver (`document.rs`), which read files alike.

use std::path::Path;

/// Catalog files larger than this are refused unread: real descriptors are kilobytes, and a
/// 100 MB file (or `/dev/zero` behind a symlink) must not stall the load or fill the memory.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Reads a file the catalog names (a catalog file, a `$text`/`$json`/`$yaml` placeholder's
/// target): only regular files (a FIFO would block the load forever, a device never end), and
/// at most [`MAX_FILE_BYTES`], counted while reading since a device or a growing file lies
/// about its size.
pub fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let too_large = || {
        std::io::Error::other(format!(
            "larger than {} MB; not read",
            MAX_FILE_BYTES / (1024 * 1024)
        ))
    };
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a folder, FIFO or device); not read",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// A file's or folder's size and modification time (nanoseconds), to tell when it changed; one
/// that cannot be read has a stamp no file has.
pub fn stamp(path: &Path) -> (u64, i128) {
    match std::fs::metadata(path) {
        Ok(meta) => (
            meta.len(),
            meta.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(-1, |d| d.as_nanos() as i128),
        ),
        Err(_) => (u64::MAX, -2),
    }
}
