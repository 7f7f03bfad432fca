//! Save to updated state: the TUI's loader thread, the file watcher and the app, as `greenroom`
//! runs them, on a generated catalog. Each save rewrites one Component's file (its description
//! changes); the time is from just before the write to the app holding the new catalog
//! (`App::on_loaded` done), so it includes the watcher's 25 ms debounce. Saves are a second
//! apart, as a user's are. Also: the loader's own
//! share (re-read and rebuild), a 1,000-file change (a `git checkout` of another branch) against
//! the cold load of the same tree, and the CPU the process uses while nothing changes.
//!
//! Run: `cargo bench --bench edit_loop -- /tmp/cat1k /tmp/cat10k /tmp/cat100k [--saves N]`
//! (folders from `cargo run --release --example gen_catalog -- 100000 /tmp/cat100k`). The files
//! it edits are put back as they were at the end.

use greenroom::config::Config;
use greenroom::sources::{watch, CatalogSource};
use greenroom::tui::{self, theme::Theme, App, LoaderMsg, LoaderRequest};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let saves: usize = args
        .iter()
        .position(|a| a == "--saves")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let dirs: Vec<PathBuf> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--saves"))
        .map(|(_, a)| PathBuf::from(a))
        .collect();
    if dirs.is_empty() {
        eprintln!("usage: cargo bench --bench edit_loop -- CATALOG_DIR... [--saves N]");
        std::process::exit(2);
    }
    for dir in dirs {
        bench(&dir.canonicalize().expect("the catalog folder"), saves);
    }
}

/// The files of Components, with their text, to edit and then put back.
fn component_files(root: &Path, count: usize) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "catalog-info.yaml") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("\nkind: Component\n") && !text.contains("\n---") {
                    found.push((path, text));
                    if found.len() == count {
                        return found;
                    }
                }
            }
        }
    }
    found
}

/// The file's text with its `metadata.description` saying `mark` (replaced, or added).
fn marked(text: &str, mark: &str) -> String {
    let description = format!("  description: {mark}");
    match text.lines().position(|l| l.starts_with("  description: ")) {
        Some(at) => {
            let mut lines: Vec<&str> = text.lines().collect();
            lines[at] = &description;
            lines.join("\n") + "\n"
        }
        None => text.replacen("\nmetadata:\n", &format!("\nmetadata:\n{description}\n"), 1),
    }
}

struct Running {
    app: App,
    loader: mpsc::Receiver<LoaderMsg>,
    _requests: mpsc::Sender<LoaderRequest>,
    _watch: watch::Watch,
}

impl Running {
    /// Applies the loader's messages until `count` of the entities `keys` (looked up by key,
    /// so the bench's own check costs nothing at 100k) show `mark` as their description.
    fn wait_for(
        &mut self,
        mark: &str,
        keys: &[String],
        count: usize,
    ) -> Option<tui::action::Updated> {
        let mut updated = None;
        loop {
            let message = self
                .loader
                .recv_timeout(Duration::from_secs(120))
                .expect("the loader answers");
            if let LoaderMsg::Catalog(result) = &message {
                updated = result.updated.or(updated);
            }
            self.app.on_loader(message);
            let Some(data) = &self.app.data else { continue };
            let seen = keys
                .iter()
                .filter_map(|key| data.catalog.get(key))
                .filter(|&id| data.catalog.entity(id).description() == Some(mark))
                .count();
            if seen == count {
                return updated;
            }
        }
    }
}

/// The key of the Component a generated file holds.
fn key_of(text: &str) -> String {
    let name = text
        .lines()
        .find_map(|l| l.strip_prefix("  name: "))
        .expect("a metadata.name");
    format!("component:default/{}", name.trim().to_lowercase())
}

/// Puts the edited files back as they were, even when the bench fails half-way.
struct Restore<'a>(&'a [(PathBuf, String)]);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        for (path, text) in self.0 {
            let _ = std::fs::write(path, text);
        }
    }
}

/// Waits `time`, then applies what the loader sent meanwhile.
fn settle(running: &mut Running, time: Duration) {
    std::thread::sleep(time);
    while let Ok(message) = running.loader.try_recv() {
        running.app.on_loader(message);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// User plus system CPU time of this process so far.
fn cpu_time() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn bench(root: &Path, saves: usize) {
    let cache = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.cache.dir = Some(cache.path().to_path_buf());
    let source = CatalogSource::Paths(vec![root.to_path_buf()]);
    let files = component_files(root, 1000);
    assert!(
        !files.is_empty(),
        "no Component files under {}",
        root.display()
    );
    let _restore = Restore(&files);

    let started = Instant::now();
    let background = tui::loader::start(&source, &config, Instant::now());
    let mut app = tui::app_with(Default::default(), "bench", false, Theme::default());
    app.data = None;
    app.dispatch(tui::Action::Resize(160, 48));
    let mut running = Running {
        app,
        loader: background.messages,
        _requests: background.requests,
        _watch: background.watch.expect("a local folder").unwrap(),
    };
    // The first load, its index and the snapshot written behind it.
    running.wait_for("never", &[], 0);
    let entities = running.app.data.as_ref().unwrap().catalog.len();
    let cold = started.elapsed();
    settle(&mut running, Duration::from_secs(2));

    let mut total = Vec::with_capacity(saves);
    let mut loader_share = Vec::with_capacity(saves);
    for save in 0..saves {
        let (path, text) = &files[save % files.len().min(10)];
        let mark = format!("edit-{save}");
        let started = Instant::now();
        std::fs::write(path, marked(text, &mark)).unwrap();
        let key = [key_of(text)];
        let updated = running.wait_for(&mark, &key, 1);
        total.push(started.elapsed());
        loader_share.extend(updated.map(|u| u.took));
        std::fs::write(path, text).unwrap();
        running.wait_for(&mark, &key, 0);
        // As a user saves: seconds apart, so each save finds the loader done with the last one's
        // search index and snapshot.
        settle(&mut running, Duration::from_secs(1));
    }
    total.sort();
    loader_share.sort();
    println!(
        "{}: {entities} entities, cold load {:.0} ms",
        root.display(),
        ms(cold)
    );
    println!(
        "  one-file save -> app updated, {saves} saves: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(percentile(&total, 0.5)),
        ms(percentile(&total, 0.95)),
        ms(*total.last().unwrap())
    );
    if loader_share.len() == total.len() {
        println!(
            "    of which the loader's re-read and rebuild: p50 {:.1} ms, p95 {:.1} ms",
            ms(percentile(&loader_share, 0.5)),
            ms(percentile(&loader_share, 0.95))
        );
    } else {
        println!(
            "    {} of {saves} saves were read whole rather than updated",
            total.len() - loader_share.len()
        );
    }

    // Idle: nothing changes for 10 s (once the last index and snapshot are done).
    settle(&mut running, Duration::from_secs(3));
    let (cpu, wall) = (cpu_time(), Instant::now());
    std::thread::sleep(Duration::from_secs(10));
    while let Ok(message) = running.loader.try_recv() {
        running.app.on_loader(message);
    }
    println!(
        "  idle: {:.2}% of one core over 10 s",
        (cpu_time() - cpu).as_secs_f64() / wall.elapsed().as_secs_f64() * 100.0
    );

    // A branch switch: up to 1,000 files rewritten at once.
    let mark = "checkout";
    let started = Instant::now();
    for (path, text) in &files {
        std::fs::write(path, marked(text, mark)).unwrap();
    }
    let keys: Vec<String> = files.iter().map(|(_, text)| key_of(text)).collect();
    running.wait_for(mark, &keys, files.len());
    let checkout = started.elapsed();
    println!(
        "  {}-file change -> app updated: {:.0} ms ({:.2}x the cold load)",
        files.len(),
        ms(checkout),
        checkout.as_secs_f64() / cold.as_secs_f64()
    );
    for (path, text) in &files {
        std::fs::write(path, text).unwrap();
    }
    running.wait_for(mark, &keys, 0);
}
