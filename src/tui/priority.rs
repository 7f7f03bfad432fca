//! How the TUI's threads share the CPU on a busy machine: the UI thread first (it draws each
//! key's frame), then the filter's search (the answer the user is waiting to see), then the work
//! behind the screen (the loader's index, endpoints and snapshot; the Cost pane's map). Linux
//! sets a nice value per thread; elsewhere it would be the whole process's, so nothing is changed
//! there.

/// The priorities below the UI thread's (nice values; the UI thread keeps the process's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Below {
    Search = 5,
    Background = 10,
}

/// Lowers the calling thread's priority to `below`.
pub fn lower_this_thread(below: Below) {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority changes only the calling thread's nice value (0 names the caller).
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, below as i32);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = below;
}
