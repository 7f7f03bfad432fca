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
pub mod loader;
pub mod markdown;
pub mod panes;
pub mod priority;
pub mod terminal;
pub mod text_input;
pub mod theme;
pub mod ui;
pub mod widgets;

pub use action::{Action, Data, LoadResult, LoaderMsg, LoaderRequest, LoaderStatus, Section};
pub use app::App;
pub use loader::load_in_background;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::search;
use crate::sources::CatalogSource;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

/// What the TUI is launched with (the command line fills it in; the TUI does not know clap).
#[derive(Clone, Debug, Default)]
pub struct Launch {
    pub config: Option<std::path::PathBuf>,
    pub catalogs: Vec<std::path::PathBuf>,
    /// A Backstage app's config files (`--app-config`), merged in order.
    pub app_configs: Vec<std::path::PathBuf>,
    pub demo: bool,
    pub theme: Option<String>,
    /// `--no-mouse`: leave the mouse to the terminal.
    pub no_mouse: bool,
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
    // Local files are watched: a save in the editor beside greenroom re-reads that file.
    let background = loader::start(&source, &config, started);
    let watch = match background.watch {
        Some(Ok(watch)) => {
            if let Some(why) = &watch.polling {
                app.warn(why.clone());
            }
            Some(watch)
        }
        Some(Err(err)) => {
            app.warn(err);
            None
        }
        None => None,
    };
    let mouse = config.ui.mouse.unwrap_or(true) && !cli.no_mouse;
    terminal::run(app, background.messages, background.requests, watch, mouse)
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
            endpoints: data.endpoints.clone(),
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
