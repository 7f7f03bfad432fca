//! Launch to first frame: the TUI's loader (`tui::load_in_background`, as `greenroom` runs it)
//! on a catalog folder, from the sources (no snapshot yet) and from the snapshot (the next launch),
//! each until the first frame with entities is drawn (app state and a 160x48 `TestBackend` draw);
//! then how long the loader takes to find that the files did not change (no rebuild). Goal
//! (issue 8): 100k entities from the snapshot ≤ 300 ms. Panes other than the catalog prepare
//! for a catalog when first shown; the per-pane figures say what that saves the first frame.
//!
//! Run: `cargo bench --bench start -- /tmp/cat10k /tmp/cat100k` (folders from
//! `cargo run --release --example gen_catalog -- 100000 /tmp/cat100k`); `--runs N` (default 3)
//! launches from the snapshot N times and reports each.

use greenroom::config::Config;
use greenroom::sources::CatalogSource;
use greenroom::tui::{self, theme::Theme, Action, LoaderMsg, LoaderStatus};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One launch: time to the first frame with entities, the first catalog's size, whether it was
/// the snapshot, and when the loader finished (and how: "unchanged" or "fresh").
fn launch(source: &CatalogSource, config: &Config) -> (Duration, usize, bool, Duration, String) {
    let started = Instant::now();
    let (sender, receiver) = mpsc::channel();
    let (source, config) = (source.clone(), config.clone());
    let loader = std::thread::spawn(move || {
        tui::load_in_background(&source, &config, started, &sender);
    });
    let mut app = tui::app_with(Default::default(), "bench", false, Theme::default());
    app.data = None;
    app.dispatch(Action::Resize(160, 48));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut first = None;
    let mut end = "fresh".to_string();
    for message in receiver {
        match message {
            LoaderMsg::Catalog(result) => {
                let snapshot = result.snapshot_age.is_some();
                let len = result.data.catalog.len();
                app.on_loaded(result);
                terminal.draw(|frame| tui::ui::draw(frame, &app)).unwrap();
                if first.is_none() {
                    first = Some((started.elapsed(), len, snapshot));
                }
            }
            LoaderMsg::Index { catalog, index } => app.on_index(&catalog, index),
            LoaderMsg::Endpoints { catalog, endpoints } => app.on_endpoints(&catalog, endpoints),
            LoaderMsg::Status(LoaderStatus::Unchanged) => end = "unchanged".into(),
            LoaderMsg::Status(LoaderStatus::Offline(why)) => end = format!("offline: {why}"),
            LoaderMsg::Status(LoaderStatus::Progress(_)) => {}
        }
    }
    loader.join().unwrap();
    let (frame, len, snapshot) = first.expect("a catalog");
    (frame, len, snapshot, started.elapsed(), end)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let dirs: Vec<PathBuf> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--runs"))
        .map(|(_, a)| PathBuf::from(a))
        .collect();
    if dirs.is_empty() {
        eprintln!("usage: cargo bench --bench start -- CATALOG_DIR... [--runs N]");
        std::process::exit(2);
    }
    for dir in dirs {
        let cache = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.cache.dir = Some(cache.path().to_path_buf());
        let source = CatalogSource::Paths(vec![dir.clone()]);
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (frame, len, snapshot, done, _) = launch(&source, &config);
        assert!(!snapshot);
        println!(
            "{}: {len} entities\n  from the sources (no snapshot): first frame {:.0} ms, snapshot written at {:.0} ms",
            dir.display(),
            ms(frame),
            ms(done)
        );
        let snapshot_file = std::fs::read_dir(cache.path().join("snapshots"))
            .unwrap()
            .flatten()
            .next()
            .unwrap();
        println!(
            "  snapshot: {:.1} MB",
            snapshot_file.metadata().unwrap().len() as f64 / 1e6
        );
        let started = Instant::now();
        let read = greenroom::sources::snapshot::read(&snapshot_file.path())
            .unwrap()
            .unwrap();
        let read_in = started.elapsed();
        let started = Instant::now();
        let mut app = tui::app_with(Default::default(), "bench", false, Theme::default());
        app.data = None;
        app.dispatch(Action::Resize(160, 48));
        let mut result = tui::LoadResult::fresh(
            tui::Data::first(std::sync::Arc::new(read.catalog)),
            Vec::new(),
            Duration::ZERO,
        );
        result.snapshot_age = Some(Duration::ZERO);
        app.on_loaded(result);
        let state_in = started.elapsed();
        // Where the app state's time goes: each pane's load on the same catalog again.
        let data = app.data.as_ref().unwrap();
        let catalog = data.catalog.clone();
        let mut parts = Vec::new();
        let mut deferred = Duration::ZERO;
        let mut time = |name: &str, f: &mut dyn FnMut()| {
            let started = Instant::now();
            f();
            let took = started.elapsed();
            if name != "catalog" {
                deferred += took;
            }
            parts.push(format!("{name} {:.0} ms", ms(took)));
        };
        let view = tui::Data::first(catalog.clone());
        let mut panes = tui::app_with(Default::default(), "bench", false, Theme::default());
        time("catalog", &mut || panes.catalog.load(&view, false, None));
        time("templates", &mut || panes.templates.load(&catalog));
        time("cicd", &mut || panes.cicd.load(&catalog));
        time("incidents", &mut || panes.incidents.load(&catalog));
        // The Cost pane makes its map on a thread of its own: timed here as that thread's work.
        let tags = greenroom::insights::cost::Settings::default();
        time("cost", &mut || {
            greenroom::insights::cost::CatalogMap::new(&catalog, &tags.team_tag, &tags.service_tag);
        });
        println!(
            "  app state by pane: {} (all but the catalog's when the pane is first shown)",
            parts.join(", ")
        );
        let started = Instant::now();
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        terminal.draw(|frame| tui::ui::draw(frame, &app)).unwrap();
        println!(
            "  the snapshot's parts: read and decoded {:.0} ms, app state {:.0} ms, frame {:.1} ms",
            ms(read_in),
            ms(state_in),
            ms(started.elapsed())
        );
        // Issue 8: before, every pane was prepared before the first frame; the same run's
        // figures give the ratio without a second build.
        let lazy = read_in + state_in;
        println!(
            "  snapshot to first frame: {:.0} ms; with every pane prepared first (as before) {:.0} ms: {:.2}x",
            ms(lazy),
            ms(lazy + deferred),
            (lazy + deferred).as_secs_f64() / lazy.as_secs_f64()
        );
        for run in 1..=runs {
            let (frame, len2, snapshot, done, end) = launch(&source, &config);
            assert!(snapshot && len2 == len);
            println!(
                "  from the snapshot, run {run}: first frame {:.0} ms; sources checked: {end} at {:.0} ms",
                ms(frame),
                ms(done)
            );
        }
    }
}
