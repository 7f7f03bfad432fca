//! Handing freed memory back and freeing big things off the caller's thread, below the loader
//! (`load.rs`) and a source's files (`tree.rs`), which both free catalogs' worth of memory.

/// glibc keeps the memory of freed parse trees and replaced catalogs (at 100k entities, tens of
/// megabytes); give it back so the resident size is what the catalog really holds. On a thread of
/// its own: it takes a fifth of a second at 100k, and nobody needs to wait for it.
pub fn release_freed_memory() {
    drop_and_release(());
}

/// glibc gives each thread that allocates an arena of its own, up to eight per core, each
/// keeping its freed memory apart: the cores reading a catalog, the index and snapshot thread and
/// the UI then hold free memory in many places. One arena per core instead (measured at 100k
/// entities on 2 cores with MALLOC_ARENA_MAX=2: 14 MB less resident after a load, a refresh's
/// peak 0.83×). `MALLOC_ARENA_MAX` in the environment still decides when it is set. Call before
/// any thread starts.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // SAFETY: mallopt only tunes the allocator; no thread allocates concurrently yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, cores.min(64) as libc::c_int);
        }
    }
}

/// Drops `garbage` (a replaced catalog: at 100k entities, tens of milliseconds of freeing), then
/// releases the freed memory, on a thread of its own.
pub fn drop_and_release(garbage: impl Send + 'static) {
    std::thread::spawn(move || {
        drop(garbage);
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no live memory.
        unsafe {
            libc::malloc_trim(0);
        }
    });
}
