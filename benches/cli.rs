//! `greenroom search QUERY` against `fzf --filter QUERY` over the same entities, both as whole
//! processes (start to exit, what a user waits for), on a generated catalog. Issue 19's goal:
//! greenroom within 1.5x of fzf at 100k entities.
//!
//! ```text
//! cargo bench --bench cli -- /tmp/cat100k [--runs N] [--query Q]...
//! ```
//!
//! greenroom answers from its snapshot: the bench first runs one search to write it (in a cache
//! folder of its own), then times `greenroom --catalog DIR search QUERY` as a user runs it (the
//! snapshot checked against the files' sizes and times, so nothing is parsed) and with
//! `--offline` (the snapshot as it is), each in turn with fzf, the ratio taken per pair. fzf
//! reads one line per entity, its reference (`kind:namespace/name`, what greenroom's REF column
//! shows), from a file; it prints every match where greenroom prints its best 20. Then, in this
//! process, where a search's time goes: reading the snapshot, checking the files, building the
//! entity index and the endpoints' (every inline API definition read), and the search itself.
//! The binary is `$GREENROOM_BIN` (main's build, say), else the one cargo built with this bench.

#[path = "support/process.rs"]
mod process;

use greenroom::search::{entities, operations};
use greenroom::sources::snapshot;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const QUERIES: &[&str] = &["ledger", "ordrs-chkt", "paymnets42", "kafka prod"];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let value_of = |flag: &str| {
        args.iter()
            .enumerate()
            .filter(|(i, _)| *i > 0 && args[i - 1] == flag)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let runs: usize = value_of("--runs")
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let mut queries = value_of("--query");
    if queries.is_empty() {
        queries = QUERIES.iter().map(|q| q.to_string()).collect();
    }
    let dir = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || !args[i - 1].starts_with("--")))
        .map(|(_, a)| PathBuf::from(a))
        .unwrap_or_else(|| {
            eprintln!("usage: cargo bench --bench cli -- CATALOG_DIR [--runs N] [--query Q]...");
            std::process::exit(2)
        });
    let fzf_version = Command::new("fzf")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| {
            eprintln!("cli bench: fzf is not installed (apt-get install fzf)");
            std::process::exit(2)
        });
    let cache = tempfile::tempdir().unwrap();
    let greenroom = |extra: &[&str], query: &str| {
        let mut command = Command::new(process::greenroom_bin());
        command
            .env("GREENROOM_CACHE_DIR", cache.path())
            .arg("--catalog")
            .arg(&dir)
            .args(extra)
            .arg("search")
            .arg(query);
        command
    };
    let first = process::run(&mut greenroom(&[], "x"));
    assert!(first.success, "greenroom search failed: {}", first.stderr);
    let snapshot_path = snapshot::path_for(cache.path(), &dir.display().to_string());
    let started = Instant::now();
    let snapshot = snapshot::read(&snapshot_path)
        .expect("a snapshot greenroom can read")
        .expect("the first search wrote a snapshot");
    let read_in = started.elapsed();
    let catalog = snapshot.catalog;
    let names = cache.path().join("names.txt");
    let lines: Vec<String> = catalog.entities.iter().map(|e| e.key()).collect();
    std::fs::write(&names, lines.join("\n") + "\n").unwrap();
    println!(
        "cli bench: {} ({} entities, snapshot {:.1} MB), {}, load average {}",
        dir.display(),
        catalog.len(),
        std::fs::metadata(&snapshot_path).unwrap().len() as f64 / 1e6,
        fzf_version,
        process::load_average()
    );
    println!("whole processes, each run A then B in turn (B first every other run); median of {runs} runs and ratio per pair:");
    for query in &queries {
        let fzf = || {
            let mut command = Command::new("fzf");
            command.arg("--filter").arg(query);
            process::run_with_input(&mut command, Some(&names))
        };
        for (label, extra) in [
            ("search", &[][..]),
            ("search --offline", &["--offline"][..]),
        ] {
            let mut pairs = Vec::with_capacity(runs);
            for run in 0..runs {
                let ours = || process::run(&mut greenroom(extra, query));
                let (a, b) = match run % 2 {
                    0 => {
                        let a = ours();
                        (a, fzf())
                    }
                    _ => {
                        let b = fzf();
                        (ours(), b)
                    }
                };
                assert!(a.success, "greenroom failed: {}", a.stderr);
                pairs.push((a, b));
            }
            let wall = |f: fn(&(process::Timed, process::Timed)) -> &process::Timed| {
                process::median(
                    pairs
                        .iter()
                        .map(|p| f(p).wall.as_secs_f64() * 1e3)
                        .collect(),
                )
            };
            let cpu = process::median(pairs.iter().map(|p| p.0.cpu.as_secs_f64() * 1e3).collect());
            let ratio = process::median(
                pairs
                    .iter()
                    .map(|(a, b)| a.wall.as_secs_f64() / b.wall.as_secs_f64())
                    .collect(),
            );
            println!(
                "  {query:<12} greenroom {label:<17} {:6.0} ms (cpu {cpu:.0} ms) | fzf --filter {:5.0} ms ({} lines) | {ratio:.2}x",
                wall(|p| &p.0),
                wall(|p| &p.1),
                pairs[0].1.stdout.lines().count()
            );
        }
    }
    breakdown(&dir, &catalog, read_in, &queries);
}

/// Where a `greenroom search` spends its time, each step timed in this process as the command
/// runs them (`cli/search.rs`, `sources/mod.rs`).
fn breakdown(
    dir: &Path,
    catalog: &greenroom::catalog::Catalog,
    read_in: Duration,
    queries: &[String],
) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let started = Instant::now();
    std::hint::black_box(snapshot::files_fingerprint(
        catalog,
        &dir.display().to_string(),
        &[dir.to_path_buf()],
    ));
    let checked_in = started.elapsed();
    let started = Instant::now();
    let index = entities::index(catalog);
    let index_in = started.elapsed();
    let started = Instant::now();
    let endpoints = operations::Endpoints::build(catalog);
    let endpoints_in = started.elapsed();
    let started = Instant::now();
    for query in queries {
        std::hint::black_box(operations::search(&index, &endpoints, query, 20));
    }
    let search_in = started.elapsed() / queries.len() as u32;
    println!(
        "in this process: snapshot read and decoded {:.0} ms, files checked (sizes and times) {:.0} ms, entity index {:.0} ms, endpoints ({} from inline definitions) {:.0} ms, one search {:.1} ms",
        ms(read_in),
        ms(checked_in),
        ms(index_in),
        endpoints.len(),
        ms(endpoints_in),
        ms(search_in)
    );
}
