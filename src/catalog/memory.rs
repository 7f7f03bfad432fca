//! Handing freed memory back and freeing big things off the caller's thread, below the loader
//! (`load.rs`) and a source's files (`tree.rs`), which both free catalogs' worth of memory.

/// glibc keeps the memory of freed parse trees and replaced catalogs (at 100k entities, tens of
/// megabytes); give it back so the resident size is what the catalog really holds. On a thread of
/// its own: it takes a fifth of a second at 100k, and nobody needs to wait for it.
pub fn release_freed_memory() {
    drop_and_release(());
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
