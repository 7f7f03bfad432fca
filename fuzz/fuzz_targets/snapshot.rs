//! The catalog snapshot and HTTP cache readers on any bytes (a file cut short by a killed process,
//! or garbage): never panic, only refuse.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let dir = std::env::temp_dir().join(format!("greenroom-fuzz-{}", std::process::id()));
    let path = dir.join("snapshot.bin");
    let _ = std::fs::create_dir_all(&dir);
    // The header of greenroom's own version (this crate's version is not greenroom's), so the
    // bytes reach the decoder.
    let version = include_str!("../../Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default();
    let mut content = format!("greenroom-snapshot-v1\n{version}\n").into_bytes();
    content.extend_from_slice(bytes);
    std::fs::write(&path, &content).unwrap();
    let _ = greenroom::sources::snapshot::read(&path);
    let cache = greenroom::providers::cache::Cache::under(&dir);
    let url = "https://api.example.com/x";
    let _ = std::fs::create_dir_all(cache.dir());
    std::fs::write(cache.path(url), bytes).unwrap();
    let _ = cache.get(url);
});
