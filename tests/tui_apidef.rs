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
