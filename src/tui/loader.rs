//! The catalog loader, on a thread of its own for the TUI's whole life: the first load (the
//! snapshot, then the sources behind it), then whatever it is asked ([`LoaderRequest`]): files a
//! watcher saw change are re-read alone and the catalog rebuilt around them (see
//! `sources/live.rs`), anything else reads every source again. Each catalog goes to the UI
//! before its search index is made, and the snapshot is rewritten once no change is waiting.

use super::action::{Data, LoadResult, LoaderMsg, LoaderRequest, LoaderStatus, Updated};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::search;
use crate::sources::live::Live;
use crate::sources::snapshot;
use crate::sources::watch::{self, Watch};
use crate::sources::{CatalogSource, Refresh};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

/// What runs behind the UI: the loader thread, and a watcher sending it the local files that
/// change. `messages` brings catalogs and news; `requests` asks for more.
pub struct Background {
    pub messages: mpsc::Receiver<LoaderMsg>,
    pub requests: mpsc::Sender<LoaderRequest>,
    /// The watch, while it runs (`None`: nothing local to watch; `Err`: why it could not start).
    pub watch: Option<Result<Watch, String>>,
}

/// Starts the loader thread and, for local files (not the bundled demo), the watcher.
pub fn start(source: &CatalogSource, config: &Config, started: Instant) -> Background {
    let (sender, messages) = mpsc::channel();
    let (requests, requested) = mpsc::channel();
    let (loader_source, loader_config) = (source.clone(), config.clone());
    std::thread::Builder::new()
        .name("catalog-loader".into())
        .spawn(move || serve(&loader_source, &loader_config, started, &sender, &requested))
        .expect("spawning the catalog loader thread");
    let roots = match source.is_demo() {
        true => Vec::new(),
        false => source.local_roots(),
    };
    let changes = requests.clone();
    let watch = (!roots.is_empty()).then(|| {
        watch::start(&roots, watch::Files::Catalog, move |paths| {
            let _ = changes.send(LoaderRequest::Changed(paths));
        })
    });
    Background {
        messages,
        requests,
        watch,
    }
}

/// The loader thread: the first load, then each request until the UI goes away.
fn serve(
    source: &CatalogSource,
    config: &Config,
    started: Instant,
    sender: &mpsc::Sender<LoaderMsg>,
    requests: &mpsc::Receiver<LoaderRequest>,
) {
    let mut live = load_in_background(source, config, started, sender);
    let snapshot_path = snapshot::path_for(&config.cache_dir(), &source.label());
    // What is left to do for the last catalog sent, done only while no request waits: a burst
    // of saves costs one search index and one snapshot write, not one per save.
    let mut unindexed: Option<Arc<Catalog>> = None;
    let mut unsaved: Option<Arc<Catalog>> = None;
    loop {
        let first = match requests.try_recv() {
            Ok(request) => request,
            Err(mpsc::TryRecvError::Disconnected) => return,
            Err(mpsc::TryRecvError::Empty) => {
                if let Some(catalog) = unindexed.take() {
                    if !send_index(sender, &catalog) {
                        return;
                    }
                    continue;
                }
                if let (Some(catalog), Some(live)) = (unsaved.take(), &live) {
                    let _ = snapshot::write(&snapshot_path, &catalog, &live.fingerprints(&catalog));
                    continue;
                }
                match requests.recv() {
                    Ok(request) => request,
                    Err(_) => return,
                }
            }
        };
        let (mut changed, mut read_all) = (Vec::new(), false);
        for request in std::iter::once(first).chain(requests.try_iter()) {
            match request {
                LoaderRequest::Changed(paths) => changed.extend(paths),
                LoaderRequest::ReadAll => read_all = true,
            }
        }
        changed.sort();
        changed.dedup();
        if let (false, Some(kept)) = (read_all, live.as_mut()) {
            match update(kept, &changed, sender) {
                Ok(Some((catalog, complete))) => {
                    unsaved = complete.then(|| catalog.clone());
                    unindexed = Some(catalog);
                    continue;
                }
                Ok(None) => return,
                // Read whole below; the reason is only the loader's business.
                Err(_) => {}
            }
        }
        (unindexed, unsaved) = (None, None);
        live = refresh(source, config, Instant::now(), sender, None, Vec::new());
    }
}

/// Re-reads the changed files alone and sends the catalog rebuilt around them (its search index
/// follows when no other save waits); `None` when the UI is gone, else the catalog and whether
/// every source was read (only then is it kept as the snapshot).
fn update(
    live: &mut Live,
    changed: &[std::path::PathBuf],
    sender: &mpsc::Sender<LoaderMsg>,
) -> Result<Option<(Arc<Catalog>, bool)>, crate::catalog::tree::NeedsFullRead> {
    let started = Instant::now();
    let files = live.update(changed)?;
    let loaded = live.loaded();
    let complete = loaded.unreadable.is_empty();
    let catalog = Arc::new(loaded.catalog);
    let mut result = fresh(&catalog, loaded.unreadable, started);
    result.updated = Some(Updated {
        files,
        took: started.elapsed(),
    });
    if sender.send(LoaderMsg::Catalog(result)).is_err() {
        return Ok(None);
    }
    Ok(Some((catalog, complete)))
}

/// A catalog read from the sources, with its name order made here (on every core, so the UI
/// thread does not sort).
fn fresh(catalog: &Arc<Catalog>, unreadable: Vec<String>, started: Instant) -> LoadResult {
    let mut result = LoadResult::fresh(Data::first(catalog.clone()), unreadable, started.elapsed());
    result.name_ranks = Some(crate::tui::panes::catalog::name_ranks(catalog));
    result
}

/// The catalog's search index, then its endpoints: entities are searchable before every API
/// definition is read.
fn send_index(sender: &mpsc::Sender<LoaderMsg>, catalog: &Arc<Catalog>) -> bool {
    let index = Arc::new(search::entities::index(catalog));
    let sent = sender.send(LoaderMsg::Index {
        catalog: catalog.clone(),
        index,
    });
    if sent.is_err() {
        return false;
    }
    let endpoints = Arc::new(search::operations::Endpoints::build(catalog));
    let catalog = catalog.clone();
    sender
        .send(LoaderMsg::Endpoints { catalog, endpoints })
        .is_ok()
}

/// The loader thread: the last snapshot first (entities on screen at once), then the sources
/// read again behind it (stale-while-revalidate, see `snapshot.rs`). When every source is as
/// the snapshot's fingerprints say, the snapshot stays and is not rewritten
/// ([`LoaderStatus::Unchanged`]); when a remote source cannot be reached, the snapshot stays and
/// the header says offline ([`LoaderStatus::Offline`]); otherwise the fresh catalog replaces it
/// and becomes the next snapshot. Progress lines go to the loading frame and the status line.
/// Each catalog is sent before its search index is built, so the list shows while the index is
/// made.
pub fn load_in_background(
    source: &CatalogSource,
    config: &Config,
    started: Instant,
    sender: &mpsc::Sender<LoaderMsg>,
) -> Option<Live> {
    let path = snapshot::path_for(&config.cache_dir(), &source.label());
    let mut warnings = Vec::new();
    let mut shown: Option<(Arc<Catalog>, Vec<crate::sources::snapshot::Fingerprint>)> = None;
    match snapshot::read(&path) {
        Ok(Some(snapshot)) => {
            let age = SystemTime::now()
                .duration_since(snapshot.written)
                .unwrap_or_default();
            let catalog = Arc::new(snapshot.catalog);
            let data = Data::first(catalog.clone());
            let mut result = LoadResult::fresh(data, Vec::new(), started.elapsed());
            result.snapshot_age = Some(age);
            if sender.send(LoaderMsg::Catalog(result)).is_err() {
                return None;
            }
            shown = Some((catalog, snapshot.fingerprints));
        }
        Ok(None) => {}
        Err(err) => warnings.push(err),
    }
    // With the snapshot sent, the UI thread is preparing and drawing it: what is left (its
    // search index, checking the sources) yields the CPU to it on a busy machine.
    match shown.as_ref().and_then(|_| low_priority_pool()) {
        Some(pool) => pool.install(|| refresh(source, config, started, sender, shown, warnings)),
        None => refresh(source, config, started, sender, shown, warnings),
    }
}

/// The loader after the snapshot: its search index, then the sources read again (see
/// [`load_in_background`]).
fn refresh(
    source: &CatalogSource,
    config: &Config,
    started: Instant,
    sender: &mpsc::Sender<LoaderMsg>,
    shown: Option<(Arc<Catalog>, Vec<crate::sources::snapshot::Fingerprint>)>,
    warnings: Vec<String>,
) -> Option<Live> {
    if let Some((catalog, _)) = &shown {
        if !send_index(sender, catalog) {
            return None;
        }
    }
    let path = snapshot::path_for(&config.cache_dir(), &source.label());
    let progress = Mutex::new(Instant::now() - std::time::Duration::from_secs(1));
    let report = |line: String| {
        // At most ten lines a second: the screen cannot show more.
        let mut last = progress.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed().as_millis() >= 100 {
            *last = Instant::now();
            let _ = sender.send(LoaderMsg::Status(LoaderStatus::Progress(line)));
        }
    };
    let previous = shown
        .as_ref()
        .map(|(catalog, fingerprints)| (&**catalog, fingerprints.as_slice()));
    let (loaded, fingerprints, live) = match source.load_with(config, previous, &report) {
        Refresh::Unchanged => {
            let _ = sender.send(LoaderMsg::Status(LoaderStatus::Unchanged));
            return None;
        }
        Refresh::Loaded {
            loaded,
            fingerprints,
            offline,
            live,
        } => {
            if shown.is_some() && !offline.is_empty() {
                let _ = sender.send(LoaderMsg::Status(LoaderStatus::Offline(offline.join("; "))));
                return None;
            }
            let mut loaded = loaded;
            loaded.unreadable.extend(offline);
            (loaded, fingerprints, live)
        }
    };
    drop(shown);
    let complete = loaded.unreadable.is_empty();
    let catalog = Arc::new(loaded.catalog);
    let mut result = fresh(&catalog, loaded.unreadable, started);
    result.warnings = warnings;
    // The catalog first, so the list shows while its index is made.
    if sender.send(LoaderMsg::Catalog(result)).is_err() || !send_index(sender, &catalog) {
        return None;
    }
    // Written once the fresh catalog is on screen; a catalog with unreadable sources is not kept.
    if complete {
        let _ = snapshot::write(&path, &catalog, &fingerprints);
    }
    Some(live)
}

/// Worker threads at a lower CPU priority (nice 10) for the loader's work behind the snapshot;
/// `None` where a thread's priority cannot be set apart from the process's (or the pool cannot
/// start): the work then runs as before.
fn low_priority_pool() -> Option<rayon::ThreadPool> {
    #[cfg(target_os = "linux")]
    {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("catalog-loader-{i}"))
            // On Linux the nice value is per thread; 0 names the calling thread.
            .start_handler(|_| unsafe {
                libc::setpriority(libc::PRIO_PROCESS, 0, 10);
            })
            .build()
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}
