//! The TUI's state and update, driven by key events, no terminal: key → action → state.

mod support;

use greenroom::catalog::graph::Direction;
use greenroom::catalog::Target;
use greenroom::tui::keymap::Keymap;
use greenroom::tui::panes::catalog::SortKey;
use greenroom::tui::{Action, Section};
use std::collections::BTreeMap;
use support::tui::*;

#[test]
fn moves_through_the_catalog_with_vim_keys_arrows_and_pages() {
    let mut app = demo();
    let rows = app.catalog.rows.len();
    assert_eq!(rows, 66);
    assert_eq!(app.catalog.list.cursor, 0);
    press(&mut app, "jj<down>");
    assert_eq!(app.catalog.list.cursor, 3);
    press(&mut app, "k<up>");
    assert_eq!(app.catalog.list.cursor, 1);
    press(&mut app, "G");
    assert_eq!(app.catalog.list.cursor, rows - 1);
    press(&mut app, "g");
    assert_eq!(app.catalog.list.cursor, 0);
    let page = app.page_rows() - 1;
    press(&mut app, "<c-d>");
    assert_eq!(app.catalog.list.cursor, page / 2);
    press(&mut app, "<c-u>");
    assert_eq!(app.catalog.list.cursor, 0);
    press(&mut app, "<pgdn>");
    assert_eq!(app.catalog.list.cursor, page);
    press(&mut app, "<pgup>");
    assert_eq!(app.catalog.list.cursor, 0);
    // The selection is the entity the other panes are about.
    press(&mut app, "j");
    assert_eq!(app.focus, app.catalog.selected());
}

#[test]
fn filter_narrows_as_you_type_and_esc_clears() {
    let mut app = demo_after("/");
    assert!(app.catalog.editing);
    press(&mut app, "ord");
    let narrowed = app.catalog.rows.len();
    assert!(narrowed < 66 && narrowed > 0, "{narrowed}");
    press(&mut app, "ersvc");
    assert_eq!(selected_name(&app), "order-service");
    // Keys are text while the filter has the keyboard: `q` does not quit.
    press(&mut app, "q");
    assert!(app.running);
    assert_eq!(app.catalog.filter.text, "ordersvcq");
    press(&mut app, "<bs>");
    press(&mut app, "<esc>");
    assert!(!app.catalog.editing);
    assert!(app.catalog.filter.is_empty());
    assert_eq!(app.catalog.rows.len(), 66);
}

#[test]
fn filter_grammar_negation_fields_and_people_by_email() {
    let mut app = demo_after("/owner:order !deprecated<tab>");
    assert!(
        !app.catalog.editing,
        "tab keeps the filter and leaves the input"
    );
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    assert!(!app.catalog.rows.is_empty());
    for row in &app.catalog.rows {
        let e = catalog.entity(row.id);
        assert!(
            e.owner().unwrap_or_default().contains("order"),
            "{}",
            e.key()
        );
        assert_ne!(e.lifecycle(), Some("deprecated"));
    }
    press(&mut app, "/mei.chen@myorg");
    assert_eq!(selected_name(&app), "mei.chen");
    press(&mut app, "<esc>/Sofia Romero");
    assert_eq!(selected_name(&app), "sofia.romero");
}

#[test]
fn enter_opens_the_entity_and_esc_goes_back_through_history() {
    let mut app = demo_after("/order-service<enter>");
    assert_page(&app, "component:default/order-service");
    // The page starts on its first link: the owner group.
    press(&mut app, "<enter>");
    assert_page(&app, "group:default/order-team");
    press(&mut app, "<esc>");
    assert_page(&app, "component:default/order-service");
    press(&mut app, "<bs>");
    assert_eq!(page_name(&app), None);
    assert_eq!(app.section, Section::Catalog);
    assert_eq!(
        app.catalog.filter.text, "order-service",
        "the filter is kept when coming back"
    );
}

#[test]
fn group_page_lists_members_children_and_what_it_owns() {
    let app = demo_after(":groups<enter>/^order-team<enter>");
    let page = app.page.as_ref().expect("group page");
    let text: Vec<String> = page
        .lines
        .iter()
        .map(|l| l.spans.iter().map(|s| s.0.as_str()).collect())
        .collect();
    let text = text.join("\n");
    for expected in [
        "members (3)",
        "sofia.romero@myorg.example.com",
        "children (0)",
        "owns (",
        "component:default/order-service",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut app = demo();
    assert_eq!(app.catalog.effective_sort(), SortKey::Name);
    assert_eq!(selected_name(&app), "amara.diallo");
    press(&mut app, "s");
    assert_eq!(app.catalog.effective_sort(), SortKey::Owner);
    press(&mut app, "sssss");
    assert_eq!(app.catalog.effective_sort(), SortKey::Kind);
    press(&mut app, "s");
    assert_eq!(app.catalog.effective_sort(), SortKey::Name);
    press(&mut app, "gS");
    assert!(app.catalog.reverse);
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    let names: Vec<String> = app
        .catalog
        .rows
        .iter()
        .map(|r| catalog.entity(r.id).name().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(names, sorted);
}

#[test]
fn kind_commands_and_command_line() {
    let mut app = demo_after(":components<enter>");
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    assert!(app
        .catalog
        .rows
        .iter()
        .all(|r| catalog.entity(r.id).is_kind("Component")));
    press(&mut app, ":comp<tab>");
    assert_eq!(app.command.as_ref().unwrap().input.text, "components");
    press(&mut app, "<esc>:deps<enter>");
    assert_eq!(app.section, Section::Dependencies);
    press(&mut app, ":nope<enter>");
    assert!(app
        .status
        .as_ref()
        .unwrap()
        .text
        .contains("unknown command"));
    press(&mut app, "1<esc>");
    assert!(app.catalog.kind.is_none(), "esc clears the kind filter too");
    press(&mut app, ":q<enter>");
    assert!(!app.running);
}

#[test]
fn number_keys_switch_sections() {
    let mut app = demo();
    for (key, section) in ["2", "3", "4", "5", "6", "7", "8", "1"].iter().zip([
        Section::Dependencies,
        Section::CiCd,
        Section::Incidents,
        Section::Cost,
        Section::Templates,
        Section::Docs,
        Section::Problems,
        Section::Catalog,
    ]) {
        press(&mut app, key);
        assert_eq!(app.section, section);
    }
    press(&mut app, "<esc>");
    assert_eq!(
        app.section,
        Section::Problems,
        "back goes to the previous section"
    );
}

#[test]
fn dependencies_expand_collapse_reverse_relation_and_depth() {
    let mut app = demo_after("/order-service<enter>2");
    assert_eq!(app.section, Section::Dependencies);
    let deps = &app.deps;
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    assert_eq!(
        deps.nodes[0].target,
        Target::Entity(catalog.get("component:default/order-service").unwrap())
    );
    let all = deps.visible.len();
    assert!(all > 5, "{all}");
    // Down to the first child with children, collapse it, expand it again.
    press(&mut app, "j");
    let child = app.deps.visible[1];
    assert!(
        app.deps.nodes[child].end > child + 1,
        "orders-db has a child"
    );
    press(&mut app, "h");
    assert!(app.deps.visible.len() < all);
    press(&mut app, "l");
    assert_eq!(app.deps.visible.len(), all);
    press(&mut app, "<space>");
    assert!(app.deps.visible.len() < all);
    press(&mut app, "r");
    assert_eq!(app.deps.direction, Direction::Dependents);
    press(&mut app, "t");
    assert_eq!(
        app.deps.relation,
        Some(Direction::Dependents.relations()[0])
    );
    press(&mut app, "r-");
    assert_eq!(app.deps.direction, Direction::Dependencies);
    assert!(app.deps.depth.is_some());
    press(&mut app, "---");
    assert_eq!(app.deps.depth, Some(1));
    assert!(app.deps.nodes.iter().all(|n| n.depth <= 1));
    press(&mut app, "+++++++++++");
    assert_eq!(app.deps.depth, None, "past 9 levels: no limit");
    // Enter on a node opens its entity.
    press(&mut app, "j<enter>");
    assert_page(&app, "resource:default/orders-db");
}

#[test]
fn templates_i_shows_parameters_and_steps_esc_returns() {
    let mut app = demo_after("6");
    assert_eq!(app.templates.templates.len(), 2);
    press(&mut app, "i");
    assert!(app.templates.detail.is_some());
    press(&mut app, "<esc>");
    assert!(app.templates.detail.is_none());
    assert_eq!(app.section, Section::Templates);
}

#[test]
fn docs_load_on_selection_not_on_draw() {
    let mut app = demo_after("/storefront-web<tab>7");
    assert!(
        app.docs
            .path
            .as_ref()
            .unwrap()
            .ends_with("storefront-web/docs/index.md"),
        "{:?}",
        app.docs.path
    );
    assert!(!app.docs.doc.as_ref().unwrap().lines.is_empty());
    press(&mut app, "1/order-service<tab>7");
    assert!(app
        .docs
        .path
        .as_ref()
        .unwrap()
        .ends_with("order-service/README.md"));
    press(&mut app, "jj");
    assert_eq!(app.docs.scroll, 2);
    press(&mut app, "1/inventory-db<tab>7");
    assert!(app.docs.path.is_none());
    assert!(app.docs.message.as_ref().unwrap().contains("no docs"));
}

#[test]
fn problems_enter_jumps_to_the_entity_when_it_loaded() {
    let mut app = app_on("tests/tui_fixtures/broken", false);
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    assert!(catalog.problems.len() >= 2, "{:?}", catalog.problems);
    press(&mut app, "8");
    let at = catalog
        .problems
        .iter()
        .position(|p| p.entity.as_deref() == Some("component:default/checkout"))
        .unwrap();
    for _ in 0..at {
        press(&mut app, "j");
    }
    press(&mut app, "<enter>");
    assert_page(&app, "component:default/checkout");
    press(&mut app, "<esc>");
    let bad = catalog
        .problems
        .iter()
        .position(|p| p.message.contains("Bad_Name"))
        .unwrap();
    press(&mut app, "g");
    for _ in 0..bad {
        press(&mut app, "j");
    }
    press(&mut app, "<enter>");
    assert_eq!(page_name(&app), None);
    assert!(app.status.as_ref().unwrap().error);
}

#[test]
fn help_opens_filters_and_closes() {
    let mut app = demo_after("?");
    assert!(app.help.is_some());
    press(&mut app, "revers");
    let rows = app.help.as_ref().unwrap().rows(&app.keymap);
    assert_eq!(
        rows.iter().map(|r| r.name).collect::<Vec<_>>(),
        ["catalog.reverse"]
    );
    press(&mut app, "<esc>");
    assert!(app.help.is_none());
    assert!(app.running);
}

#[test]
fn remapped_keys_drive_the_handler_and_help() {
    let mut keys = BTreeMap::new();
    keys.insert("nav.down".to_string(), vec!["n".to_string()]);
    keys.insert("app.quit".to_string(), vec!["x".to_string()]);
    let mut app = demo();
    app.keymap = Keymap::new(&keys);
    press(&mut app, "nn");
    assert_eq!(app.catalog.list.cursor, 2);
    press(&mut app, "j");
    assert_eq!(app.catalog.list.cursor, 2, "j is no longer bound");
    press(&mut app, "q");
    assert!(app.running);
    press(&mut app, "?down");
    let rows = app.help.as_ref().unwrap().rows(&app.keymap);
    assert!(rows.iter().any(|r| r.name == "nav.down" && r.keys == "n"));
    press(&mut app, "<esc>x");
    assert!(!app.running);
}

#[test]
fn actions_are_noops_while_loading() {
    let mut app = app_loading();
    for action in [
        Action::Down,
        Action::Open,
        Action::StartFilter,
        Action::GoSection(Section::Dependencies),
        Action::SortNext,
    ] {
        app.dispatch(action);
    }
    press(&mut app, "/abc<enter>");
    assert!(app.running);
    assert!(frame(&app).contains("loading the catalog"));
    press(&mut app, "q");
    assert!(!app.running, "q quits even while loading");
}

#[test]
fn background_search_answers_the_latest_query_and_enter_waits_for_it() {
    use greenroom::search;
    use greenroom::tui::{Data, LoadResult};
    let catalog = demo_catalog();
    let index = search::entities::index(&catalog);
    let mut app = app_loading();
    app.background_search = true;
    app.on_loaded(LoadResult::fresh(
        Data::new(catalog, index),
        Vec::new(),
        std::time::Duration::ZERO,
    ));
    press(&mut app, "/payment-servi");
    let started = std::time::Instant::now();
    while app.busy() {
        app.poll_background();
        assert!(
            started.elapsed().as_secs() < 10,
            "the search worker never answered"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(selected_name(&app), "payment-service");
    // Enter right after typing opens what was typed, not the previous answer.
    press(&mut app, "<esc>/order-service<enter>");
    assert_page(&app, "component:default/order-service");
}

#[test]
fn a_fresher_catalog_replaces_the_snapshot_and_keeps_the_view() {
    use greenroom::search;
    use greenroom::tui::{Data, LoadResult};
    let mut app = demo_after(":apis<enter>/order<tab>");
    let selected = selected_name(&app);
    press(&mut app, "<enter>");
    let page = page_name(&app);
    assert!(page.is_some());
    let catalog = demo_catalog();
    let index = search::entities::index(&catalog);
    app.on_loaded(LoadResult::fresh(
        Data::new(catalog, index),
        Vec::new(),
        std::time::Duration::from_millis(1500),
    ));
    assert_eq!(page_name(&app), page);
    assert!(
        app.status.as_ref().unwrap().text.contains("refreshed"),
        "{:?}",
        app.status
    );
    press(&mut app, "<esc>");
    assert!(app.status.is_none(), "a notice lasts until the next key");
    assert_eq!(app.catalog.filter.text, "order");
    assert_eq!(app.catalog.kind, Some("API"));
    assert_eq!(selected_name(&app), selected);
}

#[test]
fn the_loader_sends_the_last_snapshot_first_then_the_fresh_catalog() {
    use greenroom::config::Config;
    use greenroom::sources::CatalogSource;
    use greenroom::tui::LoaderMsg;
    let cache = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.cache.dir = Some(cache.path().to_path_buf());
    if std::env::var_os("GREENROOM_CACHE_DIR").is_some() {
        println!("skipped: GREENROOM_CACHE_DIR is set and would override the test's cache folder");
        return;
    }
    let source = CatalogSource::Paths(vec!["src/demo".into()]);
    let run = || {
        let (sender, receiver) = std::sync::mpsc::channel();
        greenroom::tui::load_in_background(&source, &config, std::time::Instant::now(), &sender);
        drop(sender);
        receiver.iter().collect::<Vec<_>>()
    };
    let catalogs = |messages: &[LoaderMsg]| -> Vec<(Option<std::time::Duration>, usize)> {
        messages
            .iter()
            .filter_map(|m| match m {
                LoaderMsg::Catalog(result) => {
                    Some((result.snapshot_age, result.data.catalog.len()))
                }
                _ => None,
            })
            .collect()
    };
    let first = catalogs(&run());
    assert_eq!(first.len(), 1, "no snapshot yet: only the fresh catalog");
    assert!(first[0].0.is_none());
    let second = run();
    // The files are as the snapshot saw them: the snapshot stays on screen and is said current.
    // The files are still read behind it (so a save re-reads only what it touched), and that
    // catalog, the same, replaces it. (A changed source replacing the snapshot: tests/backstage.rs.)
    let shown = catalogs(&second);
    assert_eq!(shown.len(), 2);
    assert!(shown[0].0.is_some(), "the snapshot comes first");
    assert!(shown[1].0.is_none(), "then the files as read now");
    assert_eq!(shown[0].1, first[0].1);
    assert_eq!(shown[1].1, first[0].1);
    assert!(
        matches!(
            second.last(),
            Some(LoaderMsg::Status(greenroom::tui::LoaderStatus::Unchanged))
        ),
        "the last word is that the sources are unchanged"
    );
}

/// An app on the loading screen: no catalog yet.
fn app_loading() -> greenroom::tui::App {
    use greenroom::tui::{keymap::Keymap, panes::ProviderEnv, theme::Theme, App};
    App::new(
        "demo".into(),
        true,
        Keymap::default(),
        Theme::default(),
        ProviderEnv::default(),
    )
}

/// The catalog arrives (without its search index, as a large catalog's does first).
fn load_into(app: &mut greenroom::tui::App, catalog: &std::sync::Arc<greenroom::catalog::Catalog>) {
    use greenroom::tui::{Data, LoadResult};
    app.on_loaded(LoadResult::fresh(
        Data::first(catalog.clone()),
        Vec::new(),
        std::time::Duration::ZERO,
    ));
}

/// The demo catalog on screen before its search index exists, as a large catalog is right after
/// launch.
fn app_before_index(catalog: &std::sync::Arc<greenroom::catalog::Catalog>) -> greenroom::tui::App {
    let mut app = app_loading();
    load_into(&mut app, catalog);
    app
}

#[test]
fn the_list_shows_before_the_index_and_a_filter_typed_meanwhile_runs_when_it_comes() {
    use greenroom::search;
    use std::sync::Arc;
    let catalog = Arc::new(demo_catalog());
    let mut app = app_before_index(&catalog);
    assert_eq!(app.catalog.rows.len(), 66);
    press(&mut app, "/fraud-det");
    assert!(app.busy());
    assert!(frame(&app).contains("indexing for search"));
    app.on_index(&catalog, Arc::new(search::entities::index(&catalog)));
    assert!(!app.busy());
    assert_eq!(selected_name(&app), "fraud-detection");
}

/// During an incident on a large catalog, `/name Enter` can come before the search index: Enter
/// then opens the filter's best match once it is searched, not the row selected before.
#[test]
fn enter_before_the_index_opens_the_match_when_the_index_comes() {
    use greenroom::search;
    use std::sync::Arc;
    let catalog = Arc::new(demo_catalog());
    let mut app = app_before_index(&catalog);
    let before = selected_name(&app);
    assert_ne!(before, "fraud-detection");
    press(&mut app, "/fraud-det<enter>");
    assert_eq!(
        page_name(&app),
        None,
        "nothing opened before the match is known"
    );
    app.on_index(&catalog, Arc::new(search::entities::index(&catalog)));
    assert_page(&app, "component:default/fraud-detection");

    // Keys typed after that Enter wait for it, then apply in order: `i` opens the incident view
    // of the entity the Enter opened (typed fast at launch, it used to be lost).
    let mut app = app_before_index(&catalog);
    press(&mut app, "/fraud-det<enter>i");
    assert_eq!(
        app.section,
        greenroom::tui::action::Section::Catalog,
        "i waits"
    );
    app.on_index(&catalog, Arc::new(search::entities::index(&catalog)));
    assert_eq!(app.section, greenroom::tui::action::Section::Incidents);
    assert_focus(&app, &catalog, "component:default/fraud-detection");
    // Ctrl-c never waits.
    let mut app = app_before_index(&catalog);
    press(&mut app, "/fraud-det<enter>j<c-c>");
    assert!(!app.running);
}

/// Keys typed while the catalog is still loading wait for it, then apply in order; q still
/// quits at once.
#[test]
fn keys_typed_while_loading_apply_once_the_catalog_is_there() {
    let catalog = std::sync::Arc::new(demo_catalog());
    let mut app = app_loading();
    press(&mut app, "jjj");
    load_into(&mut app, &catalog);
    assert_eq!(
        app.catalog.list.cursor, 3,
        "the three j moved the cursor once the list was there"
    );
    let mut app = app_loading();
    press(&mut app, "q");
    assert!(!app.running, "q on the loading screen quits at once");
}

/// The CI/CD pane over the provider and a loopback fake GitHub: the runs of the focused entity
/// arrive as messages, `r` asks again, and an entity without the annotation says so.
#[test]
fn cicd_pane_shows_github_runs_of_the_focused_entity() {
    use greenroom::config::Secret;
    use greenroom::providers::{GitHubSettings, ProviderHandle, ProviderOptions};
    use std::time::{Duration, Instant};
    use support::github::{FakeGitHub, TOKEN};

    let github = FakeGitHub::with_sample_runs("myorg/order-service");
    let cache = tempfile::tempdir().unwrap();
    let mut app = demo();
    app.connect(ProviderHandle::start_with(
        GitHubSettings {
            api_url: github.url(),
            token: Some(Secret::new(TOKEN)),
            try_gh: false,
        },
        ProviderOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            ..ProviderOptions::default()
        },
    ));
    press(&mut app, "/order-service<tab>");
    assert_eq!(selected_name(&app), "order-service");
    // Nothing is asked before the pane shows.
    assert!(github.requests().is_empty());
    press(&mut app, "3");
    let key = "component:default/order-service";
    assert!(app.cicd.state(key).is_some_and(|s| s.loading));

    let has_runs = |app: &greenroom::tui::App| {
        app.cicd
            .state(key)
            .is_some_and(|s| s.runs.is_some() && !s.loading)
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !has_runs(&app) && Instant::now() < deadline {
        app.poll_providers();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(has_runs(&app), "no runs within 10 s");
    let state = app.cicd.state(key).unwrap();
    assert_eq!(state.slug, "myorg/order-service");
    assert!(state.error.is_none(), "{:?}", state.error);
    let runs = &state.runs.as_ref().unwrap().runs;
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        [103, 102, 101]
    );

    let screen = frame(&app);
    assert!(screen.contains("CI/CD · GitHub Actions"), "{screen}");
    assert!(
        screen.contains("Repository: myorg/order-service"),
        "{screen}"
    );
    assert!(screen.contains("3 runs"), "{screen}");
    assert!(screen.contains("Success: 1/2 (50%)"), "{screen}");
    for row in [
        ["Deploy", "main", "in_progress", "Roll out v2.3"],
        ["CI", "main", "failure", "Fix flaky payment test"],
        ["CI", "feature/refunds", "success", "Add refunds endpoint"],
    ] {
        let line = screen
            .lines()
            .find(|l| l.contains(row[3]))
            .unwrap_or_else(|| panic!("no row {row:?}:\n{screen}"));
        for cell in row {
            assert!(line.contains(cell), "{cell} not in {line}");
        }
    }
    // The completed runs took 119 s.
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Fix flaky payment test") && l.contains("1m 59s")),
        "{screen}"
    );

    // ctrl-r asks the server again even within the refresh window.
    let asked = github.requests().len();
    press(&mut app, "<c-r>");
    let deadline = Instant::now() + Duration::from_secs(10);
    while github.requests().len() == asked && Instant::now() < deadline {
        app.poll_providers();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(github.requests().len() > asked, "ctrl-r did not ask again");

    // An entity without the annotation says so, and asks nothing.
    press(&mut app, "1/inventory-db<tab>3");
    let screen = frame(&app);
    assert!(
        screen.contains("no github.com/project-slug annotation"),
        "{screen}"
    );
}

/// The CI/CD pane keeps the last good runs when an answer fails, and shows the error next to them.
#[test]
fn cicd_pane_shows_the_last_error_next_to_the_last_good_runs() {
    use greenroom::providers::{ProviderError, ProviderMessage, Request};
    let mut app = demo();
    app.cicd.connected = true;
    press(&mut app, "/order-service<tab>3");
    let key = "component:default/order-service".to_string();
    let runs = support::github::ci_runs();
    app.on_provider_message(ProviderMessage {
        request: Request::CiRuns {
            entity_key: key.clone(),
            slug: "myorg/order-service".into(),
        },
        reply: Ok(runs.into()),
        fetched_at: std::time::SystemTime::now(),
        from_cache: true,
    });
    app.on_provider_message(ProviderMessage {
        request: Request::CiRuns {
            entity_key: key.clone(),
            slug: "myorg/order-service".into(),
        },
        reply: Err(ProviderError::NotConfigured {
            service: "GitHub",
            hint: "set GITHUB_TOKEN".into(),
        }),
        fetched_at: std::time::SystemTime::now(),
        from_cache: false,
    });
    let screen = frame(&app);
    assert!(
        screen.contains("Last error: GitHub is not configured"),
        "{screen}"
    );
    assert!(screen.contains("Roll out v2.3"), "{screen}");
    assert!(screen.contains("cached 0s ago"), "{screen}");
}

#[test]
fn q_in_the_filter_or_a_half_typed_command_is_typed_not_quit() {
    let mut app = demo_after("/orq");
    assert!(app.running, "q in the filter types q");
    assert_eq!(app.catalog.query(), "orq");
    press(&mut app, "<esc><esc>:q");
    assert!(app.running, "q on the command line types q");
    assert_eq!(app.command.as_ref().unwrap().input.text, "q");
    // Enter runs `:q`: that one is meant.
    press(&mut app, "<enter>");
    assert!(!app.running);
}

/// `greenroom open REF [--section S]`: the entity's page (or tab) as soon as the catalog is there.
#[test]
fn open_shows_the_entity_or_its_tab_once_loaded_and_says_an_unknown_ref() {
    use greenroom::tui::action::Section;
    let catalog = std::sync::Arc::new(demo_catalog());
    let opened = |reference: &str, section: Option<Section>| {
        let mut app = app_loading();
        app.open_on_load(reference.into(), section);
        load_into(&mut app, &catalog);
        app
    };
    let app = opened("order-service", None);
    assert_page(&app, "component:default/order-service");
    let app = opened("component:order-service", Some(Section::Dependencies));
    assert_eq!(app.section, Section::Dependencies);
    assert_focus(&app, &catalog, "component:default/order-service");
    let app = opened("order-service", Some(Section::Incidents));
    assert_eq!(app.section, Section::Incidents);
    let app = opened("no-such-thing", None);
    assert_eq!(page_name(&app), None);
    assert!(
        frame(&app).contains("no-such-thing: no such entity"),
        "{}",
        frame(&app)
    );
}

#[test]
fn e_asks_for_the_selected_entitys_file_or_the_problem_line() {
    use greenroom::tui::editor::EditRequest;
    let mut app = demo_after("/order-service<tab>e");
    let Some(EditRequest::File { path, line }) = app.edit.take() else {
        panic!("{:?}", app.edit)
    };
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("name: order-service"), "{path:?}");
    assert!(line >= 1);
    // The Problems pane: the problem's own line.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec:\n  type: service\n  lifecycle: production\n  owner: nobody\n",
    )
    .unwrap();
    let mut app = app_on(dir.path().to_str().unwrap(), false);
    press(&mut app, "8e");
    let problem = app.data.as_ref().unwrap().catalog.problems[0].clone();
    assert_eq!(problem.pos.line, 8, "the owner line");
    assert_eq!(
        app.edit.take(),
        Some(EditRequest::File {
            path: problem.location.to_string().into(),
            line: problem.pos.line
        })
    );
}

/// A remote catalog shows its age in the header; Ctrl-r on the catalog asks the event loop to
/// read the sources again (the reload itself is tested in tmux through `e`).
#[test]
fn ctrl_r_on_the_catalog_asks_for_a_reload_and_a_remote_catalog_shows_its_age() {
    let mut app = demo();
    assert!(!frame(&app).contains(" ago"), "files: no age shown");
    app.refresh_every = Some(std::time::Duration::from_secs(300));
    app.catalog_read_at = Some(std::time::Instant::now() - std::time::Duration::from_secs(130));
    assert!(frame(&app).contains("read 2 min ago"), "{}", frame(&app));
    press(&mut app, "<c-r>");
    assert!(app.reload_requested);
}

#[test]
fn y_copies_the_selected_entitys_ref_and_says_so() {
    let mut app = demo_after("/order-service<tab>y");
    assert_eq!(
        app.clipboard.as_deref(),
        Some("component:default/order-service")
    );
    assert!(frame(&app).contains("copied component:default/order-service"));
    // On the dependency tree: the node under the cursor.
    app.clipboard = None;
    press(&mut app, "2jy");
    let copied = app.clipboard.clone().expect("a node's ref");
    assert_ne!(
        copied, "component:default/order-service",
        "the child, not the root"
    );
    assert!(copied.contains(':'), "{copied}");
}
