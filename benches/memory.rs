//! Memory of the TUI on a big catalog (issue 19: at 100k entities, ≤ 200 MB resident after load,
//! and a `ctrl-r` refresh's peak within 1.25× of that), for one or more greenroom binaries side
//! by side: each binary's launches alternate with the others' round by round, so a busy machine
//! weighs on all of them alike, and the figures of each are printed with their ratio to the
//! first binary's.
//!
//! A round, per binary, in tmux at 160x48 with a cache folder of its own:
//! 1. first launch (no snapshot): the resident size once the catalog is loaded and the RSS has
//!    not moved by more than 1 MB for 6 s, and the peak (VmHWM) of the whole load;
//! 2. `ctrl-r`: the peak is reset (`/proc/PID/clear_refs`), the key sent, and the peak across
//!    the refresh and the resident size once settled again are taken;
//! 3. `q`, then a second launch, from the snapshot the first wrote: its resident size settled.
//!
//! Run: `cargo bench --bench memory -- [--rounds N] [--binary PATH]... CATALOG` (a catalog from
//! `cargo run --release --example gen_catalog -- 100000 /tmp/cat100k`). Without `--binary`, the
//! binary cargo built with this bench. Figures only, no assertion.

#[allow(dead_code)]
#[path = "../tests/support/process.rs"]
mod process;
#[allow(dead_code)]
#[path = "../tests/support/tmux.rs"]
mod tmux;

use process::{load_average, reset_peak, rss_kb, status_kb};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tmux::Tmux;

/// The RSS counts as settled when it moved by less than this over [`SETTLE`].
const STILL_KB: u64 = 1024;
const SETTLE: Duration = Duration::from_secs(6);
const SAMPLE: Duration = Duration::from_millis(250);

/// One round's figures for one binary, in kB.
#[derive(Clone, Copy, Default)]
struct Figures {
    loaded: u64,
    load_peak: u64,
    refresh_peak: u64,
    refreshed: u64,
    from_snapshot: u64,
}

const ROWS: [(&str, fn(&Figures) -> u64); 5] = [
    ("first launch: resident after load", |f| f.loaded),
    ("first launch: peak", |f| f.load_peak),
    ("ctrl-r refresh: peak", |f| f.refresh_peak),
    ("ctrl-r refresh: resident after", |f| f.refreshed),
    ("launch from the snapshot: resident after load", |f| {
        f.from_snapshot
    }),
];

fn main() {
    let (rounds, binaries, catalog) = arguments();
    println!(
        "memory: {} round(s) on {}, 160x48; load average at the start {}",
        rounds,
        catalog.display(),
        load_average()
    );
    let mut figures: Vec<Vec<Figures>> = vec![Vec::new(); binaries.len()];
    for round in 1..=rounds {
        for (binary, runs) in binaries.iter().zip(&mut figures) {
            let run = measure(binary, &catalog);
            println!(
                "round {round} {}: {} (load average {})",
                binary.display(),
                ROWS.iter()
                    .map(|(name, get)| format!("{name} {}", mb(get(&run))))
                    .collect::<Vec<_>>()
                    .join(", "),
                load_average()
            );
            runs.push(run);
        }
    }
    println!("\nmedians (MB), each binary's ratio to the first's:");
    for (i, binary) in binaries.iter().enumerate() {
        println!("  [{i}] {}", binary.display());
    }
    for (name, get) in ROWS {
        let medians: Vec<u64> = figures
            .iter()
            .map(|runs| median(runs.iter().map(get).collect()))
            .collect();
        let cells: Vec<String> = medians
            .iter()
            .enumerate()
            .map(|(i, &kb)| match i {
                0 => format!("[0] {}", mb(kb)),
                _ => format!("[{i}] {} ({:.2}×)", mb(kb), kb as f64 / medians[0] as f64),
            })
            .collect();
        println!("{name:48} {}", cells.join("   "));
    }
    println!("load average at the end {}", load_average());
}

fn arguments() -> (usize, Vec<PathBuf>, PathBuf) {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (mut rounds, mut binaries, mut catalog) = (2, Vec::new(), None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--rounds N")
            }
            "--binary" => binaries.push(PathBuf::from(args.next().expect("--binary PATH"))),
            _ => catalog = Some(PathBuf::from(arg)),
        }
    }
    if binaries.is_empty() {
        binaries.push(PathBuf::from(env!("CARGO_BIN_EXE_greenroom")));
    }
    let catalog = catalog.expect("usage: memory [--rounds N] [--binary PATH]... CATALOG");
    (rounds, binaries, catalog)
}

/// One round of one binary (see the module's comment).
fn measure(binary: &Path, catalog: &Path) -> Figures {
    let cache = tempfile::tempdir().unwrap();
    let command = format!(
        "cd '{}' && GREENROOM_CACHE_DIR='{}' GREENROOM_CONFIG=/dev/null '{}'; echo \"EXIT=$?\"; sleep 600",
        catalog.display(),
        cache.path().display(),
        binary.display()
    );
    let mut figures = Figures::default();
    {
        let (tmux, pid) = launch(&command);
        figures.loaded = settled(pid);
        figures.load_peak = status_kb(pid, "VmHWM");
        reset_peak(pid).expect("resetting the peak through /proc/PID/clear_refs");
        let before = rss_kb(pid);
        tmux.keys(&["C-r"]);
        // The refresh has begun once the RSS moves; one that re-reads little may never move it.
        let started = Instant::now();
        while status_kb(pid, "VmHWM") < before + STILL_KB && started.elapsed() < SETTLE {
            std::thread::sleep(SAMPLE);
        }
        figures.refreshed = settled(pid);
        figures.refresh_peak = status_kb(pid, "VmHWM");
        tmux.quit();
    }
    let (tmux, pid) = launch(&command);
    figures.from_snapshot = settled(pid);
    tmux.quit();
    figures
}

/// Starts the command in tmux and waits for the catalog's header; the session and greenroom's pid.
fn launch(command: &str) -> (Tmux, u32) {
    // A server of its own each time: the last one may still be going away.
    static LAUNCHES: AtomicUsize = AtomicUsize::new(0);
    let name = format!("memory{}", LAUNCHES.fetch_add(1, Ordering::Relaxed));
    let tmux = Tmux::start(&name, 160, 48, command);
    let pid = tmux.child_pid();
    let started = Instant::now();
    while !tmux.capture().contains(" entities ") {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no catalog after 5 min; the screen:\n{}",
            tmux.capture()
        );
        std::thread::sleep(SAMPLE);
    }
    (tmux, pid)
}

/// The RSS once it has moved by less than [`STILL_KB`] for [`SETTLE`].
fn settled(pid: u32) -> u64 {
    let mut window: Vec<(Instant, u64)> = Vec::new();
    loop {
        let now = Instant::now();
        let rss = rss_kb(pid);
        window.push((now, rss));
        window.retain(|(at, _)| now - *at <= SETTLE);
        let (low, high) = window
            .iter()
            .fold((u64::MAX, 0), |(l, h), (_, kb)| (l.min(*kb), h.max(*kb)));
        if now - window[0].0 >= SETTLE - SAMPLE && high - low < STILL_KB {
            return rss;
        }
        std::thread::sleep(SAMPLE);
    }
}

/// The middle value; for an even count, the mean of the two middle ones.
fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    let half = values.len() / 2;
    match values.len() % 2 {
        1 => values[half],
        _ => (values[half - 1] + values[half]) / 2,
    }
}

fn mb(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1024.0)
}
