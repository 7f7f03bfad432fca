//! The Docs pane on our TechDocs fixture sites (tests/fixtures/techdocs/): the nav beside the
//! page, links selected with Tab and followed with Enter, Esc back, the outline, broken sites.
//! Frames are ratatui's TestBackend at 100x30, as in tui_snapshots.rs.

mod support;

use greenroom::tui::panes::docs::Focus;
use insta::assert_snapshot;
use support::tui::*;

const SITES: &str = "tests/fixtures/techdocs";

/// The fixture catalog with `name`'s docs on screen.
fn docs_of(name: &str) -> greenroom::tui::App {
    let mut app = app_on(SITES, false);
    press(&mut app, &format!("/^{name}<tab>7"));
    app
}

fn page(app: &greenroom::tui::App) -> Option<&str> {
    app.docs.page.as_deref()
}

#[test]
fn site_nav_beside_the_first_page() {
    let app = docs_of("handbook");
    assert_eq!(page(&app), Some("index.md"));
    assert_snapshot!(frame(&app));
}

#[test]
fn tab_selects_links_enter_follows_esc_comes_back() {
    let mut app = docs_of("handbook");
    press(&mut app, "<tab>");
    assert_eq!(app.docs.link, Some(0));
    assert_snapshot!("link_selected", frame(&app));
    press(&mut app, "<enter>");
    assert_eq!(page(&app), Some("guide/setup.md"));
    assert_snapshot!("followed_to_setup", frame(&app));
    press(&mut app, "<esc>");
    assert_eq!(page(&app), Some("index.md"));
    assert_eq!(
        app.docs.link,
        Some(0),
        "the link followed is selected again"
    );
    press(&mut app, "<esc>");
    assert_eq!(app.section, greenroom::tui::action::Section::Catalog);
}

/// Whether the cell at the first `needle` on screen is drawn reversed.
fn reversed_at(app: &greenroom::tui::App, needle: &str) -> bool {
    use ratatui::{backend::TestBackend, style::Modifier, Terminal};
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal.draw(|f| greenroom::tui::ui::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    for y in 0..HEIGHT {
        let row: Vec<&str> = (0..WIDTH).map(|x| buffer[(x, y)].symbol()).collect();
        let text = row.concat();
        if let Some(at) = text.find(needle) {
            let x = text[..at].chars().count() as u16;
            return buffer[(x, y)].modifier.contains(Modifier::REVERSED);
        }
    }
    panic!("{needle:?} is not on screen:\n{}", frame(app));
}

#[test]
fn the_selected_link_is_drawn_reversed() {
    let mut app = docs_of("handbook");
    assert!(!reversed_at(&app, "Setup <guide"));
    press(&mut app, "<tab>");
    assert!(reversed_at(&app, "Setup <guide"));
    assert!(!reversed_at(&app, "Start with"));
    press(&mut app, "<tab>");
    assert!(!reversed_at(&app, "Setup <guide"));
    assert!(reversed_at(&app, "roll back"));
}

/// At 100 columns the demo's flow page wraps: Tab to its last link must scroll far enough
/// that the link's wrapped line is on screen, not only its first row.
#[test]
fn tab_scrolls_a_wrapped_link_into_view() {
    let mut app = demo_after("/payment-service<tab>7");
    press(&mut app, "pjjj<enter><tab><tab>");
    let doc = app.docs.doc.as_ref().unwrap();
    assert_eq!(doc.links[1].href, "../index.md#idempotency");
    assert_eq!(app.docs.link, Some(1));
    assert!(
        frame(&app).contains("Back to the overview"),
        "{}",
        frame(&app)
    );
}

#[test]
fn shift_tab_wraps_to_the_last_link_on_screen() {
    let mut app = docs_of("handbook");
    press(&mut app, "<btab>");
    assert_eq!(
        app.docs.link,
        Some(4),
        "the folded admonition's title is last"
    );
    press(&mut app, "<tab>");
    assert_eq!(app.docs.link, Some(0));
}

#[test]
fn a_folded_admonition_opens_and_closes_with_enter() {
    let mut app = docs_of("handbook");
    let body = "the staging cluster is shared";
    assert!(!frame(&app).contains(body));
    press(&mut app, "<btab><enter>");
    assert_eq!(app.docs.flipped, [0]);
    assert!(frame(&app).contains(body), "{}", frame(&app));
    assert_eq!(app.docs.link, Some(4), "the title stays selected");
    press(&mut app, "<enter>");
    assert!(!frame(&app).contains(body));
}

#[test]
fn a_folded_admonition_under_a_list_item_opens_with_enter() {
    let mut app = docs_of("handbook");
    press(&mut app, "<tab><tab><enter>");
    assert_eq!(page(&app), Some("guide/deploy.md"));
    let body = "In the deploys channel";
    assert!(
        frame(&app).contains("  ┃ ▸ Where to announce"),
        "{}",
        frame(&app)
    );
    assert!(!frame(&app).contains(body));
    press(&mut app, "<btab><enter>");
    assert_eq!(app.docs.flipped, [0]);
    assert!(frame(&app).contains(body), "{}", frame(&app));
}

#[test]
fn a_link_with_an_anchor_opens_the_page_at_the_heading() {
    let mut app = docs_of("handbook");
    press(&mut app, "<tab><tab><enter>");
    assert_eq!(page(&app), Some("guide/deploy.md"));
    let doc = app.docs.doc.as_ref().unwrap();
    assert_eq!(Some(app.docs.scroll), doc.anchor_line("rolling-back"));
    assert!(app.docs.scroll > 0);
    // In the setup page (the nav row above), a same-page anchor scrolls; Esc scrolls back.
    press(&mut app, "pk<enter>");
    assert_eq!(page(&app), Some("guide/setup.md"));
    press(&mut app, "<tab><enter>");
    assert_eq!(page(&app), Some("guide/setup.md"));
    let doc = app.docs.doc.as_ref().unwrap();
    assert_eq!(Some(app.docs.scroll), doc.anchor_line("steps"));
    press(&mut app, "<esc>");
    assert_eq!(app.docs.scroll, 0);
}

#[test]
fn outline_lists_headings_and_enter_jumps() {
    let mut app = docs_of("handbook");
    press(&mut app, "o");
    assert_eq!(app.docs.focus, Focus::Outline);
    assert_snapshot!("outline", frame(&app));
    press(&mut app, "jj<enter>");
    let doc = app.docs.doc.as_ref().unwrap();
    assert_eq!(app.docs.scroll, doc.headings[2].line);
    assert_eq!(app.docs.focus, Focus::Page);
    press(&mut app, "o");
    assert!(!app.docs.outline);
    // Opened again, the cursor is on the heading at the top of the screen.
    press(&mut app, "o");
    assert_eq!(app.docs.outline_cursor.cursor, 2);
}

#[test]
fn pages_open_from_the_nav_and_a_missing_one_names_its_file() {
    let mut app = docs_of("handbook");
    press(&mut app, "p");
    assert_eq!(app.docs.focus, Focus::Nav);
    press(&mut app, "j<enter>");
    assert_eq!(
        app.docs.focus,
        Focus::Nav,
        "a section's title opens nothing"
    );
    press(&mut app, "j<enter>");
    assert_eq!(page(&app), Some("guide/setup.md"));
    press(&mut app, "<tab><tab>r");
    assert_eq!(
        page(&app),
        Some("guide/setup.md"),
        "r reads the site again, in place"
    );
    assert_eq!(app.docs.link, Some(1));
    press(&mut app, "pjjjjj<enter>");
    assert_eq!(page(&app), Some("glossary.md"));
    let message = app.docs.doc.as_ref().unwrap_err();
    assert!(
        message.contains("handbook/docs/glossary.md: not found"),
        "{message}"
    );
    assert_snapshot!("missing_page", frame(&app));
    press(&mut app, "<esc>");
    assert_eq!(page(&app), Some("guide/setup.md"));
}

#[test]
fn a_broken_mkdocs_yml_is_a_message_with_file_and_line() {
    let app = docs_of("broken-docs");
    let message = app.docs.message.as_deref().unwrap();
    assert!(
        message.contains("broken/mkdocs.yml:5: not valid YAML"),
        "{message}"
    );
    assert_snapshot!("broken_mkdocs", frame(&app));
}

#[test]
fn a_site_without_nav_lists_pages_in_folder_order() {
    let app = docs_of("plain-site");
    assert_snapshot!("folder_order", frame(&app));
}

#[test]
fn demo_payment_service_site() {
    let mut app = demo_after("/payment-service<tab>7");
    assert_eq!(page(&app), Some("index.md"));
    press(&mut app, "pjjj<enter>");
    assert_eq!(page(&app), Some("architecture/flow.md"));
    assert_snapshot!("demo_payment_flow", frame(&app));
}

/// An app on a catalog of one component whose TechDocs are `url:URL`, with `config` as its
/// config (sites fetched into a cache folder under `dir`).
fn url_docs_app(dir: &std::path::Path, url: &str, config: &str) -> greenroom::tui::App {
    std::fs::write(
        dir.join("catalog-info.yaml"),
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: remote-docs\n  annotations:\n    backstage.io/techdocs-ref: url:{url}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"),
    )
    .unwrap();
    let cache = dir.join("cache");
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "{config}\n[cache]\ndir = {:?}\n",
            cache.display().to_string()
        ),
    )
    .unwrap();
    let mut app = app_on(dir.to_str().unwrap(), false);
    let loaded = greenroom::config::Config::load(Some(&dir.join("config.toml"))).unwrap();
    app.provider_config = Some(loaded.config);
    app
}

#[test]
fn a_url_site_is_fetched_when_shown_and_opens_with_its_nav() {
    let server = support::definitions::folder_server("techdocs");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/apis/handbook/", server.url());
    let mut app = url_docs_app(dir.path(), &url, &support::definitions::allow(&server));
    press(&mut app, "/^remote-docs<tab>");
    assert!(server.requests().is_empty(), "asked before the pane shows");
    press(&mut app, "7");
    // Drawing never waits: until the answer is taken, the pane says it is fetching.
    assert!(
        frame(&app).contains(&format!("fetching {url}")),
        "{}",
        frame(&app)
    );
    let shown = wait_for_frame(&mut app, "Start with Setup");
    assert_eq!(page(&app), Some("index.md"));
    for title in ["Home", "Setup", "Reference", "Status page"] {
        assert!(shown.contains(title), "{title} in the nav:\n{shown}");
    }
    // The other pages came with it: the nav opens them from the cache folder.
    // (Home, then the Guide section's title, then its Setup.)
    press(&mut app, "pjj<enter>");
    assert_eq!(page(&app), Some("guide/setup.md"));
    assert!(
        frame(&app).contains("Clone the repository"),
        "{}",
        frame(&app)
    );
    let asked: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(
        asked.contains(&"/apis/handbook/mkdocs.yml".to_string()),
        "{asked:?}"
    );
    assert!(
        asked.contains(&"/apis/handbook/docs/guide/setup.md".to_string()),
        "{asked:?}"
    );
}

#[test]
fn a_url_site_refused_or_offline_says_why_and_enter_asks_again() {
    let server = support::definitions::folder_server("techdocs");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/apis/handbook/", server.url());
    // Not in `[reading] allow`: refused without asking the server.
    let mut app = url_docs_app(dir.path(), &url, "");
    press(&mut app, "/^remote-docs<tab>7");
    let shown = wait_for_frame(&mut app, "not fetched:");
    assert!(shown.contains("is not in the allow list"), "{shown}");
    assert!(shown.contains("enter: try again"), "{shown}");
    assert!(server.requests().is_empty());
    // Allowed, but the host is gone: Enter asks again, and the pane says why it failed.
    let gone = dir.path().join("gone");
    std::fs::create_dir(&gone).unwrap();
    let allow = support::definitions::allow(&server);
    drop(server);
    let mut app = url_docs_app(&gone, &url, &allow);
    press(&mut app, "/^remote-docs<tab>7");
    let shown = wait_for_frame(&mut app, "not fetched:");
    assert!(shown.contains("mkdocs.yml"), "{shown}");
    press(&mut app, "<enter>");
    assert!(
        frame(&app).contains(&format!("fetching {url}")),
        "{}",
        frame(&app)
    );
    wait_for_frame(&mut app, "not fetched:");
}
