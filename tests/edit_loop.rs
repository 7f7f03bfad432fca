//! The edit loop as the TUI runs it, without a terminal: the loader thread, the file watcher and
//! the app, with files edited, created, deleted and renamed in a temporary folder. Each step waits
//! (generously: the latency goal lives in `benches/edit_loop.rs`) until the app shows the change.

use greenroom::config::Config;
use greenroom::sources::{watch, CatalogSource};
use greenroom::tui::{self, theme::Theme, App, LoaderMsg, LoaderRequest};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

struct Loop {
    app: App,
    loader: Receiver<LoaderMsg>,
    requests: mpsc::Sender<LoaderRequest>,
    _watch: watch::Watch,
}

fn component(name: &str, owner: &str) -> String {
    format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n")
}

fn start(root: &Path, cache: &Path) -> Loop {
    let source = CatalogSource::Paths(vec![root.to_path_buf()]);
    let mut config = Config::default();
    config.cache.dir = Some(cache.to_path_buf());
    let background = tui::loader::start(&source, &config, Instant::now());
    let mut app = tui::app_with(Default::default(), "test", false, Theme::default());
    app.data = None;
    Loop {
        app,
        loader: background.messages,
        requests: background.requests,
        _watch: background.watch.expect("a local folder").unwrap(),
    }
}

impl Loop {
    /// Applies what the loader sends until `want` holds.
    fn wait_for(&mut self, what: &str, want: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !want(&self.app) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .loader
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok(message) => self.app.on_loader(message),
                Err(_) if Instant::now() < deadline => {}
                Err(_) => panic!("not seen in time: {what}; status {:?}", self.status()),
            }
        }
    }

    fn names(&self) -> Vec<String> {
        let Some(data) = &self.app.data else {
            return Vec::new();
        };
        data.catalog
            .entities
            .iter()
            .map(|e| e.name().to_string())
            .collect()
    }

    fn status(&self) -> String {
        self.app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    fn problems(&self) -> Vec<String> {
        let data = self.app.data.as_ref().unwrap();
        data.catalog
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect()
    }
}

fn has<'a>(names: &'a [&'a str]) -> impl Fn(&App) -> bool + 'a {
    move |app| {
        app.data.as_ref().is_some_and(|d| {
            let mut now: Vec<&str> = d.catalog.entities.iter().map(|e| e.name()).collect();
            now.sort();
            now == names
        })
    }
}

#[test]
fn saves_edits_creations_deletions_and_renames_reach_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().canonicalize().unwrap();
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("web/catalog-info.yaml", &component("web", "payments"));
    write("api/catalog-info.yaml", &component("api", "payments"));
    let mut edit = start(&root, cache.path());
    edit.wait_for("the first load", has(&["api", "web"]));

    // An edit: the entity renamed, the place kept, one file re-read.
    write("web/catalog-info.yaml", &component("website", "payments"));
    edit.wait_for("the edit", has(&["api", "website"]));
    assert!(
        edit.status().starts_with("reloaded 1 file in "),
        "{}",
        edit.status()
    );

    // An editor's safe write: a new file renamed over the old one.
    write("api/.catalog-info.yaml.swp", &component("api2", "payments"));
    std::fs::rename(
        root.join("api/.catalog-info.yaml.swp"),
        root.join("api/catalog-info.yaml"),
    )
    .unwrap();
    edit.wait_for("the safe write", has(&["api2", "website"]));

    // A new file in a new folder.
    write("db/catalog-info.yaml", &component("db", "payments"));
    edit.wait_for("the new file", has(&["api2", "db", "website"]));

    // Half-written: the last good version stays, marked, with the YAML error.
    write(
        "db/catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: [\n",
    );
    edit.wait_for("the half-written file", |app| {
        app.data.as_ref().is_some_and(|d| {
            d.catalog
                .problems
                .iter()
                .any(|p| p.message.starts_with("showing the last good version"))
        })
    });
    assert_eq!(edit.names().len(), 3, "{:?}", edit.problems());

    // Deleted: gone.
    std::fs::remove_file(root.join("db/catalog-info.yaml")).unwrap();
    edit.wait_for("the deletion", has(&["api2", "website"]));
    assert!(
        !edit.problems().iter().any(|p| p.contains("last good")),
        "{:?}",
        edit.problems()
    );
}

/// Started from a snapshot that the files still match: the snapshot is said current, and the
/// first save re-reads that one file, as every later one does.
#[test]
fn the_first_save_after_starting_from_a_current_snapshot_reads_one_file() {
    if std::env::var_os("GREENROOM_CACHE_DIR").is_some() {
        println!("skipped: GREENROOM_CACHE_DIR is set and would override the test's cache folder");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().canonicalize().unwrap();
    write_components(&root, &["web", "api"]);
    let snapshot = greenroom::sources::snapshot::path_for(
        cache.path(),
        &CatalogSource::Paths(vec![root.clone()]).label(),
    );
    let mut first = start(&root, cache.path());
    first.wait_for("the first load", has(&["api", "web"]));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !snapshot.exists() {
        assert!(Instant::now() < deadline, "no snapshot written");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(first);

    let mut edit = start(&root, cache.path());
    edit.wait_for("the snapshot said current", |app| {
        app.status
            .as_ref()
            .is_some_and(|s| s.text == "the sources are unchanged since the snapshot")
    });
    std::fs::write(
        root.join("web/catalog-info.yaml"),
        component("website", "payments"),
    )
    .unwrap();
    edit.wait_for("the edit", has(&["api", "website"]));
    assert!(
        edit.status().starts_with("reloaded 1 file in "),
        "{}",
        edit.status()
    );
}

/// `ctrl-r` on local files reads what changed on disk, as a save does: with nothing changed, no
/// file is read and the entities on screen are the ones kept (nothing is held twice).
#[test]
fn a_refresh_of_unchanged_files_reads_none_and_keeps_the_entities() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().canonicalize().unwrap();
    write_components(&root, &["web", "api"]);
    let mut edit = start(&root, cache.path());
    edit.wait_for("the first load", has(&["api", "web"]));
    let before = edit.app.data.as_ref().unwrap().catalog.clone();

    edit.requests.send(LoaderRequest::ReadAll).unwrap();
    edit.wait_for("the refresh", |app| {
        app.status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("reloaded 0 files in "))
    });
    let after = &edit.app.data.as_ref().unwrap().catalog;
    assert!(
        !std::sync::Arc::ptr_eq(&before, after),
        "a catalog was sent"
    );
    assert!(before
        .entities
        .iter()
        .zip(&after.entities)
        .all(|(a, b)| std::sync::Arc::ptr_eq(a, b)));
}

/// A folder of its own for each component, with its `catalog-info.yaml`.
fn write_components(root: &Path, names: &[&str]) {
    for name in names {
        std::fs::create_dir_all(root.join(name)).unwrap();
        std::fs::write(
            root.join(name).join("catalog-info.yaml"),
            component(name, "payments"),
        )
        .unwrap();
    }
}
