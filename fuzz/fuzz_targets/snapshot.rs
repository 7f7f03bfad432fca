//! The catalog snapshot and HTTP cache readers on any bytes (a file cut short by a killed process,
//! or garbage): never panic, only refuse.
#![no_main]

use greenroom::catalog::Catalog;
use greenroom::sources::snapshot;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The header (format line and version line) of a snapshot this greenroom writes, taken from a
/// real one so that the bytes reach the decoder whatever the format's current version is.
fn header(path: &std::path::Path) -> &'static [u8] {
    static HEADER: OnceLock<Vec<u8>> = OnceLock::new();
    HEADER.get_or_init(|| {
        snapshot::write(path, &Catalog::default(), &[]).expect("an empty snapshot is written");
        let bytes = std::fs::read(path).unwrap();
        let second_newline = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .nth(1)
            .map(|(i, _)| i + 1)
            .expect("a header of two lines");
        bytes[..second_newline].to_vec()
    })
}

fuzz_target!(|bytes: &[u8]| {
    let dir = std::env::temp_dir().join(format!("greenroom-fuzz-{}", std::process::id()));
    let path = dir.join("snapshot.bin");
    let _ = std::fs::create_dir_all(&dir);
    let mut content = header(&path).to_vec();
    content.extend_from_slice(bytes);
    std::fs::write(&path, &content).unwrap();
    let _ = snapshot::read(&path);
    let cache = greenroom::providers::cache::Cache::under(&dir);
    let url = "https://api.example.com/x";
    let _ = std::fs::create_dir_all(cache.dir());
    std::fs::write(cache.path(url), bytes).unwrap();
    let _ = cache.get(url);
});
