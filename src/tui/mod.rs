//! The terminal UI: `greenroom` with no subcommand.
//!
//! Shape (see ARCHITECTURE.md): keys and background messages become [`Action`]s, [`App::update`]
//! applies them to one state struct (returning the next action, if any), and [`ui::draw`] only
//! reads that state. One module per pane under [`panes`]; one keymap table ([`keymap`]) drives
//! both the key handling and the `?` help. The catalog loads on a background thread while the
//! first frame is already up; the event loop never blocks on it.

pub mod action;
pub mod app;
pub mod browser;
pub mod clipboard;
pub mod editor;
pub mod keymap;
pub mod markdown;
pub mod panes;
pub mod terminal;
pub mod text_input;
pub mod theme;
pub mod ui;
pub mod widgets;

pub use action::{Action, Data, LoadResult, LoaderMsg, LoaderStatus, Section};
pub use app::App;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::search;
use crate::sources::snapshot;
use crate::sources::{CatalogSource, Refresh};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

/// What the TUI is launched with (the command line fills it in; the TUI does not know clap).
#[derive(Clone, Debug, Default)]
pub struct Launch {
    pub config: Option<std::path::PathBuf>,
    pub catalogs: Vec<std::path::PathBuf>,
    /// A Backstage app's config files (`--app-config`), merged in order.
    pub app_configs: Vec<std::path::PathBuf>,
    pub demo: bool,
    pub theme: Option<String>,
    /// An entity to show as soon as the catalog is there (`greenroom open REF`, `--open REF`).
    pub open: Option<String>,
    /// The tab of that entity to show instead of its page.
    pub section: Option<Section>,
    /// Show that entity's API definition view instead (`--section api`).
    pub definition: bool,
}

/// Starts the TUI: reads the config, starts loading the catalog in the background and runs the
/// event loop until the user quits (or a signal ends it).
pub fn run(cli: &Launch) -> ExitCode {
    // stderr would write over the screen: faults wait for the status line.
    crate::notices::hold();
    let started = Instant::now();
    let loaded = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("greenroom: {err}");
            return ExitCode::from(2);
        }
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("greenroom: the interactive view needs a terminal; for scripts use a subcommand (greenroom --help)");
        return ExitCode::from(2);
    }
    let mut config = loaded.config;
    let source = CatalogSource::choose(&cli.catalogs, &cli.app_configs, cli.demo, &config);
    // The demo's live panes ask its loopback API through the real providers (labelled DEMO in
    // the header); a failure to start it leaves them unconfigured, with the reason on screen.
    let demo_api_error = if source.is_demo() {
        CatalogSource::point_at_demo(&mut config).err()
    } else {
        None
    };
    let keymap = keymap::Keymap::new(&config.keys);
    let (theme, theme_warning) = theme::choose(
        cli.theme.as_deref(),
        config.ui.theme.as_deref(),
        theme::no_color_env(),
    );
    let mut app = App::new(
        source.label(),
        source.is_demo(),
        keymap,
        theme,
        panes::ProviderEnv::detect(&config),
    );
    for warning in loaded
        .warnings
        .into_iter()
        .chain(theme_warning)
        .chain(demo_api_error)
    {
        app.warn(warning);
    }
    if source.is_remote() {
        match config.catalog.refresh_interval() {
            Ok(every) => app.refresh_every = every,
            Err(err) => {
                app.warn(err.to_string());
                app.refresh_every = crate::config::CatalogConfig::default()
                    .refresh_interval()
                    .unwrap_or_default();
            }
        }
    }
    if let Some(reference) = &cli.open {
        match cli.definition {
            true => app.open_definition_on_load(reference.clone()),
            false => app.open_on_load(reference.clone(), cli.section),
        }
    }
    if app.env.github_token || app.env.pagerduty_token {
        // Returns at once; the CI/CD and Incidents panes ask it when they show something.
        app.connect(crate::providers::ProviderHandle::start(
            &config,
            crate::providers::http::Log::Off,
        ));
    }

    // Definitions at URLs are fetched with it when first shown.
    app.provider_config = Some(config.clone());
    // Gathered when the Scorecards, DORA or Maturity pane is first shown.
    app.insights.configure(config.clone());
    // Read when the Cost pane is first shown.
    app.cost.configure(
        crate::insights::cost::Source::choose(None, cli.demo, source.is_demo(), &config),
        crate::insights::cost::Settings::from_config(&config),
    );
    app.templates.launcher = Some(panes::template_run::Launcher::new(&config, &source));
    let (sender, receiver) = mpsc::channel();
    let (loader_source, loader_config) = (source.clone(), config.clone());
    std::thread::Builder::new()
        .name("catalog-loader".into())
        .spawn(move || load_in_background(&loader_source, &loader_config, started, &sender))
        .expect("spawning the catalog loader thread");
    // Local files are watched: a save in the editor beside greenroom reads the catalog again.
    let (change_sender, changes) = mpsc::channel();
    let roots = match source.is_demo() {
        true => Vec::new(),
        false => source.local_roots(),
    };
    let reload = Box::new(move || {
        let (sender, receiver) = mpsc::channel();
        let (source, config) = (source.clone(), config.clone());
        std::thread::Builder::new()
            .name("catalog-reloader".into())
            .spawn(move || refresh(&source, &config, Instant::now(), &sender, None, Vec::new()))
            .expect("spawning the catalog loader thread");
        receiver
    });
    let _watch = match roots.is_empty() {
        true => None,
        false => match crate::sources::watch::start(&roots, move |paths| {
            let _ = change_sender.send(paths.len());
        }) {
            Ok(watch) => {
                if let Some(why) = &watch.polling {
                    app.warn(why.clone());
                }
                Some(watch)
            }
            Err(err) => {
                app.warn(err);
                None
            }
        },
    };
    terminal::run(app, receiver, reload, changes)
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
) {
    let path = snapshot::path_for(&config.cache_dir(), &source.label());
    let mut warnings = Vec::new();
    let mut shown: Option<(Arc<Catalog>, Vec<crate::sources::snapshot::Fingerprint>)> = None;
    match snapshot::read(&path) {
        Ok(Some(snapshot)) => {
            let age = SystemTime::now()
                .duration_since(snapshot.written)
                .unwrap_or_default();
            let catalog = Arc::new(snapshot.catalog);
            let data = Data {
                catalog: catalog.clone(),
                index: None,
            };
            let mut result = LoadResult::fresh(data, Vec::new(), started.elapsed());
            result.snapshot_age = Some(age);
            if sender.send(LoaderMsg::Catalog(result)).is_err() {
                return;
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
) {
    let send_index = |catalog: &Arc<Catalog>| -> bool {
        let index = Arc::new(search::entities::index(catalog));
        let catalog = catalog.clone();
        sender.send(LoaderMsg::Index { catalog, index }).is_ok()
    };
    if let Some((catalog, _)) = &shown {
        if !send_index(catalog) {
            return;
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
    let (loaded, fingerprints) = match source.load_with(config, previous, &report) {
        Refresh::Unchanged => {
            let _ = sender.send(LoaderMsg::Status(LoaderStatus::Unchanged));
            return;
        }
        Refresh::Loaded {
            loaded,
            fingerprints,
            offline,
        } => {
            if shown.is_some() && !offline.is_empty() {
                let _ = sender.send(LoaderMsg::Status(LoaderStatus::Offline(offline.join("; "))));
                return;
            }
            let mut loaded = loaded;
            loaded.unreadable.extend(offline);
            (loaded, fingerprints)
        }
    };
    drop(shown);
    let complete = loaded.unreadable.is_empty();
    let catalog = Arc::new(loaded.catalog);
    let mut result = LoadResult::fresh(
        Data {
            catalog: catalog.clone(),
            index: None,
        },
        loaded.unreadable,
        started.elapsed(),
    );
    result.warnings = warnings;
    // The catalog first, so the list shows while its index is made.
    if sender.send(LoaderMsg::Catalog(result)).is_err() || !send_index(&catalog) {
        return;
    }
    // Written once the fresh catalog is on screen; a catalog with unreadable sources is not kept.
    if complete {
        let _ = snapshot::write(&path, &catalog, &fingerprints);
    }
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

/// The app with a catalog already loaded, for tests and benchmarks (no terminal, no thread).
pub fn app_with(catalog: Catalog, source: &str, is_demo: bool, theme: theme::Theme) -> App {
    let index = search::entities::index(&catalog);
    let mut app = App::new(
        source.into(),
        is_demo,
        keymap::Keymap::default(),
        theme,
        panes::ProviderEnv::default(),
    );
    app.on_loaded(LoadResult::fresh(
        Data::new(catalog, index),
        Vec::new(),
        std::time::Duration::ZERO,
    ));
    app
}

/// The app over an already loaded catalog, searching on a thread as the running TUI does
/// (for benchmarks).
pub fn app_with_background_search(data: &Data) -> App {
    let mut app = App::new(
        "bench".into(),
        false,
        keymap::Keymap::default(),
        theme::Theme::default(),
        panes::ProviderEnv::default(),
    );
    app.background_search = true;
    app.on_loaded(LoadResult::fresh(
        Data {
            catalog: data.catalog.clone(),
            index: data.index.clone(),
        },
        Vec::new(),
        std::time::Duration::ZERO,
    ));
    app
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn loaded(catalog: Catalog) -> LoadResult {
        let index = search::entities::index(&catalog);
        LoadResult::fresh(Data::new(catalog, index), Vec::new(), Duration::ZERO)
    }

    /// Panes prepare for a catalog when first shown: one shown after a newer catalog arrived
    /// shows that catalog, and one shown before it is prepared again.
    #[test]
    fn panes_shown_after_a_newer_catalog_show_that_catalog() {
        let demo = || crate::catalog::load::load_paths(&["src/demo".into()]).catalog;
        let mut app = app_with(Catalog::default(), "test", false, theme::Theme::default());
        app.dispatch(Action::GoSection(Section::Templates));
        assert!(app.templates.templates.is_empty());
        app.dispatch(Action::GoSection(Section::Catalog));
        app.on_loaded(loaded(demo()));
        app.dispatch(Action::GoSection(Section::Templates));
        assert_eq!(app.templates.templates.len(), 2);
        app.dispatch(Action::GoSection(Section::CiCd));
        let annotated = app.cicd.annotated;
        assert!(annotated > 0, "the demo has entities with CI annotations");
        app.on_loaded(loaded(Catalog::default()));
        app.dispatch(Action::GoSection(Section::Templates));
        assert!(app.templates.templates.is_empty());
        app.on_loaded(loaded(demo()));
        app.dispatch(Action::GoSection(Section::CiCd));
        assert_eq!(app.cicd.annotated, annotated);
    }
}
