//! Faults the user must see without `--verbose`: a damaged disk cache file or snapshot, and what
//! was done about it. Each kind is said once per process (the first one, then a count), so a cache
//! folder full of damaged files is one line, not hundreds.
//!
//! The command line prints a notice to stderr as it happens; the TUI (whose screen stderr would
//! garble) switches to queueing with [`hold`] and shows what [`take`] returns on its status line.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static HELD: AtomicBool = AtomicBool::new(false);
static STATE: Mutex<State> = Mutex::new(State {
    seen: None,
    queue: Vec::new(),
});

struct State {
    /// How many of each kind were reported.
    seen: Option<HashMap<&'static str, usize>>,
    queue: Vec<String>,
}

/// Reports a fault of `kind`. The first of a kind is said (`message`); later ones only counted,
/// and said once more when the queue is next taken.
pub fn report(kind: &'static str, message: String) {
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let count = state
        .seen
        .get_or_insert_with(HashMap::new)
        .entry(kind)
        .or_insert(0);
    *count += 1;
    if *count > 1 {
        return;
    }
    if HELD.load(Ordering::Relaxed) {
        state.queue.push(message);
    } else {
        eprintln!("greenroom: {message}");
    }
}

/// From now on notices wait for [`take`] instead of going to stderr (the TUI owns the screen).
pub fn hold() {
    HELD.store(true, Ordering::Relaxed);
}

/// The notices said since the last call.
pub fn take() -> Vec<String> {
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut state.queue)
}

/// How many faults of `kind` were reported in this process.
pub fn count(kind: &str) -> usize {
    let state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    state
        .seen
        .as_ref()
        .and_then(|s| s.get(kind).copied())
        .unwrap_or(0)
}
