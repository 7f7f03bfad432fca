//! Where a load's time goes, when `GREENROOM_PHASES` is set (the `parse_floor` bench sets it):
//! the wall time from the process's start to each step the loader passes, and the time all
//! cores together spent reading, parsing and validating files (those overlap, so they are
//! summed, not marked). Unset, each call is one relaxed load and nothing is kept.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Work done file by file on every core, summed over them.
#[derive(Clone, Copy)]
pub enum Work {
    /// Reading the file's bytes.
    Read,
    /// YAML to nodes with positions.
    Parse,
    /// Nodes to an entity: Backstage's rules, declared relations, keys.
    Validate,
}

const WORK_NAMES: [&str; 3] = ["read", "parse", "validate"];

static ON: AtomicBool = AtomicBool::new(false);
static STARTED: OnceLock<Instant> = OnceLock::new();
static MARKS: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());
static WORK_NANOS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// Starts recording when `GREENROOM_PHASES` is set: called first thing by the process.
pub fn start_from_env() {
    if std::env::var_os("GREENROOM_PHASES").is_some() {
        STARTED.get_or_init(Instant::now);
        ON.store(true, Ordering::Relaxed);
    }
}

fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The loader has just finished `step` (its wall time since the previous mark is the step's).
pub fn mark(step: &'static str) {
    if let (true, Some(started)) = (on(), STARTED.get()) {
        MARKS.lock().unwrap().push((step, started.elapsed()));
    }
}

/// Now, when recording: the start of a piece of work for [`add`].
pub fn clock() -> Option<Instant> {
    on().then(Instant::now)
}

/// Adds the time since `since` (from [`clock`]) to `work`'s sum.
pub fn add(work: Work, since: Option<Instant>) {
    if let Some(since) = since {
        WORK_NANOS[work as usize].fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
}

/// Runs `f`, adding its time to `work`'s sum.
pub fn time<T>(work: Work, f: impl FnOnce() -> T) -> T {
    let since = clock();
    let out = f();
    add(work, since);
    out
}

/// The steps and sums recorded so far, one line (`None` when not recording): `phases: walk
/// 120.3 ms, ... | summed over cores: read 80.1 ms, ... | at 912.4 ms` (since the start).
pub fn report() -> Option<String> {
    if !on() {
        return None;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut previous = Duration::ZERO;
    let steps: Vec<String> = MARKS
        .lock()
        .unwrap()
        .iter()
        .map(|(step, at)| {
            let took = at.saturating_sub(previous);
            previous = *at;
            format!("{step} {:.1} ms", ms(took))
        })
        .collect();
    let sums: Vec<String> = WORK_NAMES
        .iter()
        .zip(&WORK_NANOS)
        .map(|(name, nanos)| {
            let took = Duration::from_nanos(nanos.load(Ordering::Relaxed));
            format!("{name} {:.1} ms", ms(took))
        })
        .collect();
    Some(format!(
        "phases: {} | summed over cores: {} | at {:.1} ms",
        steps.join(", "),
        sums.join(", "),
        ms(STARTED.get().map_or(Duration::ZERO, Instant::elapsed))
    ))
}
