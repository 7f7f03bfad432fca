//! The definition view on an API's page: operations by tag, an operation's detail, the raw text,
//! and a definition that does not parse; TestBackend frames at 100x30 (review with `cargo insta
//! review`).

mod support;

use insta::assert_snapshot;
use support::tui::*;

#[test]
fn an_api_page_starts_on_its_definition() {
    let app = demo_after(":apis<enter>/^order-api<enter>");
    assert_snapshot!(frame(&app));
}

#[test]
fn operations_grouped_by_tag() {
    let app = demo_after(":apis<enter>/^order-api<enter><enter>");
    assert_snapshot!(frame(&app));
}

#[test]
fn an_operation_s_detail() {
    let mut app = demo();
    // The second operation: createOrder, with a header, a request body and responses.
    press(&mut app, ":apis<enter>/^order-api<enter><enter>j<enter>");
    let shown = frame_at(&app, 100, 45);
    assert!(shown.contains("Idempotency-Key*"), "{shown}");
    assert_snapshot!(shown);
}

#[test]
fn raw_text_with_line_numbers_and_back() {
    let mut app = demo_after(":apis<enter>/^payment-events-api<enter><enter>r");
    let raw = frame(&app);
    assert!(raw.contains(" 1 │ asyncapi: 2.6.0"), "{raw}");
    assert_snapshot!(raw);
    press(&mut app, "r");
    assert!(frame(&app).contains("SUBSCRIBE"));
    // Esc closes the view, then leaves the page.
    press(&mut app, "<esc>");
    assert!(frame(&app).contains("(enter: open)"));
    press(&mut app, "<esc>");
    assert_eq!(page_name(&app), None);
}

#[test]
fn a_grpc_definition_marks_its_streaming_rpcs() {
    let app = demo_after(":apis<enter>/^fraud-api<enter><enter>");
    assert_snapshot!(frame(&app));
}

#[test]
fn a_definition_that_does_not_parse_opens_on_its_text_at_the_error() {
    let mut app = app_on("tests/tui_fixtures/broken-api", false);
    press(&mut app, "/shipping<enter><enter>");
    let shown = frame(&app);
    assert!(shown.contains("does not parse: line 3"), "{shown}");
    assert_snapshot!(shown);
}

#[test]
fn open_section_api_shows_the_definition_view() {
    // `greenroom open api:order-api --section api`.
    let mut app = demo();
    app.open_definition_on_load("api:order-api".into());
    assert!(frame(&app).contains("api:order-api · definition"));
    // An entity without a definition gets its page.
    let mut app = demo();
    app.open_definition_on_load("order-service".into());
    let shown = frame(&app);
    assert!(
        shown.contains("Component component:order-service"),
        "{shown}"
    );
}

#[test]
fn a_catalog_read_again_keeps_the_definition_view_where_it_was() {
    use greenroom::tui::panes::entity::EntityPage;
    use greenroom::tui::Action;
    let catalog = demo_catalog();
    let id = catalog.resolve("api:order-api").unwrap();
    let mut page = EntityPage::new(&catalog, id);
    page.update(&Action::Open, 20);
    page.update(&Action::Down, 20);
    page.update(&Action::Open, 20);
    let mut again = EntityPage::new(&catalog, id);
    assert!(again.api != page.api && !again.api_open);
    again.keep_place(page.clone());
    // Open, on the operation it showed (compared whole: the Debug form is pages long).
    assert!(again.api_open && again.api == page.api);
    assert_eq!(again.list.cursor, page.list.cursor);
}

/// The style of the cell at (x, y) of the frame: what the text snapshots cannot show.
fn cell_style(app: &greenroom::tui::App, x: u16, y: u16) -> ratatui::style::Style {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal.draw(|f| greenroom::tui::ui::draw(f, app)).unwrap();
    terminal.backend().buffer()[(x, y)].style()
}

#[test]
fn slash_searches_the_operations_and_marks_the_matches() {
    let mut app = demo_after(":apis<enter>/^order-api<enter><enter>/orderid");
    let shown = frame(&app);
    // The cursor is on the first match from the top: GET /orders/{orderId}.
    assert!(shown.contains("/orderid · 1 of 2 · enter: next"), "{shown}");
    assert_snapshot!(shown);
    let row = shown
        .lines()
        .position(|l| l.contains("Get one order"))
        .unwrap() as u16;
    let text = shown.lines().nth(row as usize).unwrap();
    // The frame's lines are quoted: one character before the first cell.
    let col = text[..text.find("orderId").unwrap()].chars().count() as u16 - 1;
    let marked = app.theme.selected.patch(app.theme.matched);
    let look = |x| {
        let style = cell_style(&app, x, row);
        (style.fg, style.bg, style.add_modifier)
    };
    let want = (marked.fg, marked.bg, marked.add_modifier);
    assert_eq!(look(col), want);
    assert_eq!(look(col + 6), want);
    assert_ne!(look(col - 1), want);
    // Enter goes on to the next match, and round to the first.
    press(&mut app, "<enter>");
    assert!(frame(&app).contains("2 of 2"));
    press(&mut app, "<enter>");
    assert!(frame(&app).contains("1 of 2"));
    // Tab keeps the query and gives the keys back: n and N walk the matches.
    press(&mut app, "<tab>n");
    assert!(
        frame(&app).contains("/orderid · 2 of 2 · n/N"),
        "{}",
        frame(&app)
    );
    press(&mut app, "N");
    assert!(frame(&app).contains("1 of 2"));
    // Esc leaves the search, staying on the match; Enter then opens it; Esc twice closes.
    press(&mut app, "<esc>");
    assert!(frame(&app).contains("enter: operation · /: search"));
    press(&mut app, "<enter>");
    assert!(frame(&app).contains("Get one order"));
    press(&mut app, "<esc><esc>");
    assert!(frame(&app).contains("(enter: open)"));
}

#[test]
fn slash_searches_the_raw_text_and_says_when_nothing_matches() {
    let mut app = demo_after(":apis<enter>/^order-api<enter><enter>r/bearerFormat");
    let shown = frame(&app);
    assert!(shown.contains("/bearerFormat · 1 of 1"), "{shown}");
    assert_snapshot!(shown);
    // Smart case: an upper-case letter makes the query exact.
    press(&mut app, "<c-u>BEARERFORMAT");
    assert!(frame(&app).contains("no match"), "{}", frame(&app));
    press(&mut app, "<esc>");
    assert!(frame(&app).contains(" 1 │ "));
}

#[test]
fn y_copies_the_selected_operation_s_method_and_path() {
    // "cancel" first finds the tag's heading, which is no operation; Enter the next match.
    let mut app = demo_after(":apis<enter>/^order-api<enter><enter>/cancel<enter><esc>y");
    assert_eq!(
        app.clipboard.as_deref(),
        Some("POST /orders/{orderId}/cancel")
    );
    // In the operation's detail too; in the raw text, the API's reference as elsewhere.
    app.clipboard = None;
    press(&mut app, "<enter>y");
    assert_eq!(
        app.clipboard.as_deref(),
        Some("POST /orders/{orderId}/cancel")
    );
    press(&mut app, "ry");
    assert_eq!(app.clipboard.as_deref(), Some("api:default/order-api"));
    // While the query is typed, y is a letter of it.
    app.clipboard = None;
    press(&mut app, "/y");
    assert_eq!(app.clipboard, None);
}

/// An app on a catalog of one API whose definition is at `url`, with `config` as its config.
fn remote_app(dir: &std::path::Path, url: &str, config: &str) -> greenroom::tui::App {
    support::definitions::write_catalog(dir, "$openapi", url);
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let mut app = app_on(dir.to_str().unwrap(), false);
    let loaded = greenroom::config::Config::load(Some(&dir.join("config.toml"))).unwrap();
    app.provider_config = Some(loaded.config);
    app
}

#[test]
fn a_url_definition_is_fetched_when_its_view_opens() {
    let server = support::definitions::fixture_server();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/apis/shelf-openapi.yaml", server.url());
    let mut app = remote_app(dir.path(), &url, &support::definitions::allow(&server));
    press(&mut app, "/remote-api<enter>");
    // The page says where it is; nothing is fetched until the view opens.
    assert!(frame(&app).contains(&format!("at {url} (fetched when opened)")));
    assert!(server.requests().is_empty());
    press(&mut app, "<enter>");
    let shown = wait_for_frame(&mut app, "List the shelves of a store");
    assert!(shown.contains("/shelves/{shelfId}/restock"), "{shown}");
    // Back on the page, its line sums the definition up.
    press(&mut app, "<esc>");
    assert!(
        frame(&app).contains("Shelf API 1.4.0 · 2 operations"),
        "{}",
        frame(&app)
    );
}

#[test]
fn a_url_definition_not_allowed_says_so_in_the_view() {
    let server = support::definitions::fixture_server();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/apis/shelf-openapi.yaml", server.url());
    let mut app = remote_app(dir.path(), &url, "");
    press(&mut app, "/remote-api<enter><enter>");
    let shown = wait_for_frame(&mut app, "not fetched:");
    assert!(shown.contains("is not in the allow list"), "{shown}");
    assert!(server.requests().is_empty());
}
