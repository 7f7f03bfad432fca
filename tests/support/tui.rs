//! Helpers for the TUI tests: the demo catalog in an app, keys from text, frames as text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use greenroom::catalog::load::load_paths;
use greenroom::catalog::Catalog;
use greenroom::tui::{self, theme::Theme, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub const WIDTH: u16 = 100;
pub const HEIGHT: u16 = 30;

/// The demo catalog as the app loads it (from src/demo, so paths are the same on every machine).
pub fn demo_catalog() -> Catalog {
    load_paths(&["src/demo".into()]).catalog
}

/// The demo catalog (read from src/demo, so paths are the same on every machine).
pub fn demo() -> App {
    app_on("src/demo", true)
}

/// The demo after `keys`.
pub fn demo_after(keys: &str) -> App {
    let mut app = demo();
    press(&mut app, keys);
    app
}

pub fn app_on(path: &str, is_demo: bool) -> App {
    let loaded = load_paths(&[path.into()]);
    assert!(loaded.unreadable.is_empty(), "{:?}", loaded.unreadable);
    let mut app = tui::app_with(
        loaded.catalog,
        if is_demo { "demo" } else { path },
        is_demo,
        Theme::default(),
    );
    app.catalog.show_timing = false;
    app.dispatch(tui::Action::Resize(WIDTH, HEIGHT));
    app
}

/// Presses keys: plain characters, or `<name>` for named keys (`<enter>`, `<esc>`, `<c-d>`, ...).
pub fn press(app: &mut App, keys: &str) {
    let mut rest = keys;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest.find('>') {
                let name = &rest[1..end];
                rest = &rest[end + 1..];
                let event = match name {
                    "enter" => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                    "esc" => KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
                    "bs" => KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
                    "tab" => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
                    "btab" => KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
                    "space" => KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE),
                    "down" => KeyEvent::new(KeyCode::Down, KeyModifiers::NONE),
                    "up" => KeyEvent::new(KeyCode::Up, KeyModifiers::NONE),
                    "pgdn" => KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE),
                    "pgup" => KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE),
                    "home" => KeyEvent::new(KeyCode::Home, KeyModifiers::NONE),
                    "end" => KeyEvent::new(KeyCode::End, KeyModifiers::NONE),
                    "left" => KeyEvent::new(KeyCode::Left, KeyModifiers::NONE),
                    "right" => KeyEvent::new(KeyCode::Right, KeyModifiers::NONE),
                    ctrl if ctrl.starts_with("c-") => KeyEvent::new(
                        KeyCode::Char(ctrl.chars().nth(2).unwrap()),
                        KeyModifiers::CONTROL,
                    ),
                    other => panic!("unknown key <{other}>"),
                };
                app.handle_key(event);
                continue;
            }
        }
        let modifiers = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        app.handle_key(KeyEvent::new(KeyCode::Char(c), modifiers));
        rest = &rest[c.len_utf8()..];
    }
}

/// The frame as text, at the test size.
pub fn frame(app: &App) -> String {
    frame_at(app, WIDTH, HEIGHT)
}

pub fn frame_at(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| tui::ui::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

/// Takes provider answers until the frame shows `text` (at most 10 s); the frame.
pub fn wait_for_frame(app: &mut App, text: &str) -> String {
    for _ in 0..500 {
        app.poll_providers();
        let shown = frame(app);
        if shown.contains(text) {
            return shown;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("{text:?} never shown:\n{}", frame(app));
}

/// The name of the entity under the catalog cursor.
pub fn selected_name(app: &App) -> String {
    let id = app.catalog.selected().expect("a selected row");
    app.data
        .as_ref()
        .unwrap()
        .catalog
        .entity(id)
        .name()
        .to_string()
}

pub fn page_name(app: &App) -> Option<String> {
    app.page.as_ref().map(|p| {
        app.data
            .as_ref()
            .unwrap()
            .catalog
            .entity(p.id)
            .reference
            .key()
    })
}

/// Fails unless the open entity page is `name`'s.
#[track_caller]
pub fn assert_page(app: &App, name: &str) {
    assert_eq!(page_name(app).as_deref(), Some(name));
}

/// Fails unless the focused entity is `name`.
#[track_caller]
pub fn assert_focus(app: &App, catalog: &Catalog, name: &str) {
    assert_eq!(
        app.focus.map(|id| catalog.entity(id).key()).as_deref(),
        Some(name)
    );
}

/// Polls the app's background work (gathering threads) until `done` holds, for at most 10 s; the
/// test then asserts what it waited for.
pub fn poll_background_until(app: &mut App, done: impl Fn(&App) -> bool) {
    for _ in 0..1000 {
        app.poll_background();
        if done(app) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The demo with its generated cost export read (on a fixed day, so figures are the same every
/// run), on the Cost pane.
pub fn demo_with_cost() -> App {
    use greenroom::insights::cost::{Settings, Source};
    let mut app = demo();
    app.cost.today = Some("2026-03-11".parse().unwrap());
    app.cost.configure(Ok(Source::Demo), Settings::default());
    app.cost.set_catalog(&app.data.as_ref().unwrap().catalog);
    press(&mut app, "5");
    poll_background_until(&mut app, |app| !app.cost.busy());
    assert!(app.cost.report.is_some(), "the demo's cost was read");
    app
}

/// The index of the first line that leads to an entity, after `from`.
pub fn first_target(lines: &[greenroom::tui::widgets::detail::PageLine], from: usize) -> usize {
    (from..lines.len())
        .find(|&i| lines[i].target.is_some())
        .expect("a line naming an entity")
}

/// order-service's CI runs (`support::github::ci_runs`), arrived from the cache 3 min old, with
/// the pane's clock fixed three hours after the runs were created; the app connected to no
/// provider (nothing is asked).
pub fn order_service_runs_arrived(app: &mut App) {
    use greenroom::providers::{ProviderMessage, Request};
    use std::time::{Duration, SystemTime};
    app.cicd.connected = true;
    let runs = super::github::ci_runs();
    let now = SystemTime::from(runs.runs[0].created_at) + Duration::from_secs(3 * 3600);
    app.cicd.now = Some(now);
    app.on_provider_message(ProviderMessage {
        request: Request::CiRuns {
            entity_key: "component:default/order-service".into(),
            slug: "myorg/order-service".into(),
        },
        reply: Ok(runs.into()),
        fetched_at: now - Duration::from_secs(180),
        from_cache: true,
    });
}

/// The app drawn at 80x24 (no preview), 120x40 (the preview beside) and 200x50, each as
/// (`WIDTHxHEIGHT`, the frame), resized first as the terminal would be: for snapshots of a
/// pane at every size.
pub fn three_sizes(app: &mut App) -> Vec<(String, String)> {
    [(80, 24), (120, 40), (200, 50)]
        .into_iter()
        .map(|(width, height)| {
            app.dispatch(tui::Action::Resize(width, height));
            (format!("{width}x{height}"), frame_at(app, width, height))
        })
        .collect()
}
