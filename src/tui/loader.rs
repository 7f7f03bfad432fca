//! The catalog loader, on a thread of its own for the TUI's whole life: the first load (the
//! snapshot, then the sources behind it), then whatever it is asked ([`LoaderRequest`]): files a
//! watcher saw change are re-read alone and the catalog rebuilt around them (see
//! `sources/live.rs`), anything else reads every source again. Each catalog goes to the UI
//! before its search index is made, and the snapshot is rewritten once no change is waiting.

use super::action::{Data, LoadResult, LoaderMsg, LoaderRequest, LoaderStatus, Updated};
use super::priority::{lower_this_thread, Below};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::search::carry::{carry, Searchable};
use crate::search::operations::Endpoints;
use crate::search::{self, SearchIndex};
use crate::sources::live::{Fingerprinter, Live};
use crate::sources::snapshot;
use crate::sources::watch::{self, Watch};
use crate::sources::{CatalogSource, Refresh};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
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
    let behind = Behind::start(sender.clone());
    // With the last catalog sent and its name order, which the next save reuses when no name
    // changed (sorting 100k names was a third of a save's cost at that size).
    let (mut live, mut last) = first_load(source, config, started, sender, &behind).unzip();
    let snapshot_path = snapshot::path_for(&config.cache_dir(), &source.label());
    while let Ok(first) = requests.recv() {
        let (mut changed, mut read_all) = (Vec::new(), false);
        for request in std::iter::once(first).chain(requests.try_iter()) {
            match request {
                LoaderRequest::Changed(paths) => changed.extend(paths),
                LoaderRequest::ReadAll => read_all = true,
            }
        }
        // A refresh of local files reads what changed on disk, as a save does: every other
        // entity stays shared with the catalog on screen instead of being read a second time.
        if read_all {
            if let Some(on_disk) = live.as_ref().and_then(|kept| kept.changed_on_disk().ok()) {
                changed.extend(on_disk);
                read_all = false;
            }
        }
        changed.sort();
        changed.dedup();
        if let (false, Some(kept)) = (read_all, live.as_mut()) {
            match update(kept, &changed, last.take(), sender, &behind) {
                Ok(Some((job, ranks, keep))) => {
                    last = Some((job.catalog.clone(), ranks));
                    let keep = keep.then(|| (snapshot_path.clone(), kept.fingerprinter()));
                    behind.follow(Job { keep, ..job });
                    continue;
                }
                Ok(None) => return,
                // Read whole below; the reason is only the loader's business.
                Err(_) => {}
            }
        }
        // What was kept for the last catalog (each file's entities and declared relations) is
        // not needed by the full read: freed before it rather than held beside its result.
        drop((live.take(), last.take()));
        (live, last) = refresh(
            source,
            config,
            Instant::now(),
            sender,
            OnScreen::Nothing,
            Vec::new(),
            &behind,
        )
        .unzip();
    }
}

/// Re-reads the changed files alone and sends the catalog rebuilt around them, with what of
/// the last search index and endpoints still holds; `None` when the UI is gone, else the work
/// left for the catalog, its name order and whether it is kept as the snapshot (every source
/// was read, and some file again). `last` is the catalog before, with its name order.
fn update(
    live: &mut Live,
    changed: &[PathBuf],
    last: Option<Sent>,
    sender: &mpsc::Sender<LoaderMsg>,
    behind: &Behind,
) -> Result<Option<(Job, Arc<Vec<u32>>, bool)>, crate::catalog::tree::NeedsFullRead> {
    let started = Instant::now();
    let files = live.update(changed)?;
    let loaded = live.loaded();
    // A refresh that read no file leaves the snapshot as current as it was: rewriting it would
    // only cost its encoding's memory (52 MB at 100k) again.
    let keep = loaded.unreadable.is_empty() && files > 0;
    let catalog = Arc::new(loaded.catalog);
    let (job, ranks, mut result) = outgoing(behind, catalog, last, loaded.unreadable, started);
    result.updated = Some(Updated {
        files,
        took: started.elapsed(),
    });
    if sender.send(LoaderMsg::Catalog(result)).is_err() {
        return Ok(None);
    }
    Ok(Some((job, ranks, keep)))
}

/// A catalog sent to the UI, with its name order.
type Sent = (Arc<Catalog>, Arc<Vec<u32>>);

/// A catalog read from the sources, as it goes to the UI: the message, the work that follows it
/// (with what of the last search index and endpoints holds), and its name order: `last`'s when
/// no reference changed, else made here, on every core, so the UI thread does not sort.
fn outgoing(
    behind: &Behind,
    catalog: Arc<Catalog>,
    last: Option<Sent>,
    unreadable: Vec<String>,
    started: Instant,
) -> (Job, Arc<Vec<u32>>, LoadResult) {
    let ranks = match last {
        Some((before, ranks)) if before.same_refs(&catalog) => ranks,
        _ => crate::tui::panes::catalog::name_ranks(&catalog),
    };
    let job = behind.job(catalog);
    let mut result = LoadResult::fresh(job.data(), unreadable, started.elapsed());
    result.name_ranks = Some(ranks.clone());
    (job, ranks, result)
}

/// The work that follows a catalog sent to the UI: its search index and its endpoints, unless
/// carried over from the catalog before, and the snapshot when it is to be kept.
struct Job {
    catalog: Arc<Catalog>,
    index: Option<Arc<SearchIndex>>,
    endpoints: Option<Arc<Endpoints>>,
    /// Where the snapshot goes and how its sources are fingerprinted; `None` for a catalog
    /// that is not kept (read from the snapshot, or with sources left unread).
    keep: Option<(PathBuf, Fingerprinter)>,
}

impl Job {
    /// The catalog with what it has for searching so far.
    fn data(&self) -> Data {
        Data {
            catalog: self.catalog.clone(),
            index: self.index.clone(),
            endpoints: self.endpoints.clone(),
        }
    }

    /// Makes and sends the index, then the endpoints (entities are searchable before every
    /// API definition is read), then writes the snapshot; each step is skipped once a newer
    /// catalog waits in `slot`, where what is built is kept for the next catalog to carry.
    /// `false` when the UI is gone.
    fn run(self, sender: &mpsc::Sender<LoaderMsg>, slot: &Slot) -> bool {
        let Job {
            catalog,
            index,
            endpoints,
            keep,
        } = self;
        let superseded = || slot.lock().job.is_some();
        let index = match index {
            Some(index) => index,
            None => {
                let index = Arc::new(search::entities::index(&catalog));
                let sent = sender.send(LoaderMsg::Index {
                    catalog: catalog.clone(),
                    index: index.clone(),
                });
                if sent.is_err() {
                    return false;
                }
                index
            }
        };
        slot.set_built(Searchable {
            catalog: catalog.clone(),
            index: index.clone(),
            endpoints: endpoints.clone(),
        });
        if superseded() {
            return true;
        }
        if endpoints.is_none() {
            let endpoints = Arc::new(Endpoints::build(&catalog));
            let sent = sender.send(LoaderMsg::Endpoints {
                catalog: catalog.clone(),
                endpoints: endpoints.clone(),
            });
            if sent.is_err() {
                return false;
            }
            slot.set_built(Searchable {
                catalog: catalog.clone(),
                index,
                endpoints: Some(endpoints),
            });
            // The API definitions read for the endpoints (tens of MB at 100k) are free now.
            crate::catalog::load::release_freed_memory();
        }
        // Written once saves have paused: a burst of saves writes one snapshot, and the
        // writing (a second of CPU at 100k) does not compete with the next save's update.
        if let Some((path, fingerprinter)) = keep.filter(|_| slot.quiet()) {
            let fingerprints = fingerprinter.of(&catalog);
            if !superseded() {
                let _ = snapshot::write(&path, &catalog, &fingerprints);
                // And so is the snapshot's encoding, as large as the file.
                crate::catalog::load::release_freed_memory();
            }
        }
        true
    }
}

/// The thread that does each [`Job`], at low priority, so a save never waits for the last
/// save's search index or snapshot; when catalogs come faster than their jobs, only the latest
/// one's is done. (Or no thread: each job done at once, for [`load_in_background`].)
struct Behind {
    slot: Arc<Slot>,
    /// Where a job done at once sends what it makes.
    at_once: Option<mpsc::Sender<LoaderMsg>>,
}

#[derive(Default)]
struct Slot {
    next: Mutex<Next>,
    wake: Condvar,
    /// How long no new catalog must come before the snapshot is written.
    settle: std::time::Duration,
}

#[derive(Default)]
struct Next {
    job: Option<Job>,
    /// The loader is gone: no more jobs.
    closed: bool,
    /// The last catalog whose index was made, with it (and its endpoints once read).
    built: Option<Searchable>,
}

impl Behind {
    fn start(sender: mpsc::Sender<LoaderMsg>) -> Behind {
        let slot = Arc::new(Slot {
            settle: std::time::Duration::from_secs(2),
            ..Slot::default()
        });
        let worker = slot.clone();
        std::thread::Builder::new()
            .name("catalog-index".into())
            .spawn(move || {
                let pool = low_priority_pool();
                while let Some(job) = worker.take() {
                    let run = || job.run(&sender, &worker);
                    let alive = match &pool {
                        Some(pool) => pool.install(run),
                        None => run(),
                    };
                    if !alive {
                        return;
                    }
                }
            })
            .expect("spawning the catalog index thread");
        Behind {
            slot,
            at_once: None,
        }
    }

    fn at_once(sender: &mpsc::Sender<LoaderMsg>) -> Behind {
        Behind {
            slot: Arc::default(),
            at_once: Some(sender.clone()),
        }
    }

    /// The job for a new catalog, with what of the last index and endpoints holds for it.
    fn job(&self, catalog: Arc<Catalog>) -> Job {
        let built = self.slot.lock().built.clone();
        let (index, endpoints) = built.map_or((None, None), |built| carry(&built, &catalog));
        Job {
            catalog,
            index,
            endpoints,
            keep: None,
        }
    }

    /// Replaces the job waiting, if any: its catalog is no longer the one on screen.
    fn follow(&self, job: Job) {
        if let Some(sender) = &self.at_once {
            job.run(sender, &self.slot);
            return;
        }
        self.slot.lock().job = Some(job);
        self.slot.wake.notify_one();
    }
}

impl Drop for Behind {
    fn drop(&mut self) {
        self.slot.lock().closed = true;
        self.slot.wake.notify_one();
    }
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Next> {
        self.next.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_built(&self, built: Searchable) {
        self.lock().built = Some(built);
    }

    /// Whether no new job comes within `settle` (nor is waiting already).
    fn quiet(&self) -> bool {
        let next = self.lock();
        let (next, _) = self
            .wake
            .wait_timeout_while(next, self.settle, |next| next.job.is_none() && !next.closed)
            .unwrap_or_else(|e| e.into_inner());
        next.job.is_none() && !next.closed
    }

    /// The next job, once there is one; `None` when the loader is gone.
    fn take(&self) -> Option<Job> {
        let mut next = self.lock();
        loop {
            if let Some(job) = next.job.take() {
                return Some(job);
            }
            if next.closed {
                return None;
            }
            next = self.wake.wait(next).unwrap_or_else(|e| e.into_inner());
        }
    }
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
    first_load(source, config, started, sender, &Behind::at_once(sender)).map(|(live, _)| live)
}

/// [`load_in_background`], with the work behind the fresh catalog handed to `behind`.
fn first_load(
    source: &CatalogSource,
    config: &Config,
    started: Instant,
    sender: &mpsc::Sender<LoaderMsg>,
    behind: &Behind,
) -> Option<(Live, Sent)> {
    let path = snapshot::path_for(&config.cache_dir(), &source.label());
    let mut warnings = Vec::new();
    let mut shown = OnScreen::Nothing;
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
            shown = OnScreen::Snapshot(catalog, snapshot.fingerprints);
        }
        Ok(None) => {}
        Err(err) => warnings.push(err),
    }
    // With the snapshot sent, the UI thread is preparing and drawing it: what is left (its
    // search index, checking the sources) yields the CPU to it on a busy machine.
    let pool = match shown {
        OnScreen::Nothing => None,
        _ => low_priority_pool(),
    };
    match pool {
        Some(pool) => {
            pool.install(|| refresh(source, config, started, sender, shown, warnings, behind))
        }
        None => refresh(source, config, started, sender, shown, warnings, behind),
    }
}

/// The loader after the snapshot: its search index, then the sources read again (see
/// [`load_in_background`]).
fn refresh(
    source: &CatalogSource,
    config: &Config,
    started: Instant,
    sender: &mpsc::Sender<LoaderMsg>,
    shown: OnScreen,
    warnings: Vec<String>,
    behind: &Behind,
) -> Option<(Live, Sent)> {
    // The snapshot's index before the sources are read: search works meanwhile.
    if let OnScreen::Snapshot(catalog, _) = &shown {
        if !behind.job(catalog.clone()).run(sender, &behind.slot) {
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
    let previous = match &shown {
        OnScreen::Snapshot(catalog, fingerprints) => Some((&**catalog, fingerprints.as_slice())),
        _ => None,
    };
    let (loaded, live) = match source.load_with(config, previous, &report) {
        // Nothing local to watch, or remote sources that a second read would fetch again.
        Refresh::Unchanged
            if source.is_demo() || source.local_roots().is_empty() || source.is_remote() =>
        {
            let _ = sender.send(LoaderMsg::Status(LoaderStatus::Unchanged));
            return None;
        }
        Refresh::Unchanged => {
            // A save re-reads only the files it touched, which needs what each file gave: read
            // the files behind the snapshot and show that catalog (the same as the snapshot's).
            drop(shown);
            let current = OnScreen::Current;
            let read = refresh(source, config, started, sender, current, warnings, behind);
            let _ = sender.send(LoaderMsg::Status(LoaderStatus::Unchanged));
            return read;
        }
        Refresh::Loaded {
            loaded,
            offline,
            live,
        } => {
            if !matches!(shown, OnScreen::Nothing) && !offline.is_empty() {
                let _ = sender.send(LoaderMsg::Status(LoaderStatus::Offline(offline.join("; "))));
                return None;
            }
            let mut loaded = loaded;
            loaded.unreadable.extend(offline);
            (loaded, live)
        }
    };
    // A catalog with unreadable sources is not kept as the snapshot, and the snapshot proven
    // current is not written again.
    let keep = loaded.unreadable.is_empty() && !matches!(shown, OnScreen::Current);
    drop(shown);
    let catalog = Arc::new(loaded.catalog);
    let (mut job, ranks, mut result) = outgoing(behind, catalog, None, loaded.unreadable, started);
    result.warnings = warnings;
    // The catalog first, so the list shows while its index is made.
    if sender.send(LoaderMsg::Catalog(result)).is_err() {
        return None;
    }
    let sent = (job.catalog.clone(), ranks);
    job.keep = keep.then(|| (path, live.fingerprinter()));
    behind.follow(job);
    Some((live, sent))
}

/// What the UI shows while the sources are read.
enum OnScreen {
    /// Nothing yet, or a catalog read from the sources.
    Nothing,
    /// The last snapshot, with its fingerprints: the sources are read if they changed.
    Snapshot(Arc<Catalog>, Vec<crate::sources::snapshot::Fingerprint>),
    /// The snapshot, proven current: the files are read behind it (each file's entities are
    /// what a save's update needs), and it is not written again.
    Current,
}

/// Worker threads at a lower CPU priority (nice 10) for the loader's work behind the snapshot;
/// `None` where a thread's priority cannot be set apart from the process's (or the pool cannot
/// start): the work then runs as before.
fn low_priority_pool() -> Option<rayon::ThreadPool> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("catalog-loader-{i}"))
        .start_handler(|_| lower_this_thread(Below::Background))
        .build()
        .ok()
}
