//! Endpoint search in the catalog's `/` filter: operations of every local API definition are
//! rows under their method, with their API, provider and owner; Enter opens the definition at
//! that operation; endpoints join the results when the loader has read them (after the search
//! index). Fixture: tests/fixtures/endpoints. TestBackend frames at 100x30.

mod support;

use greenroom::catalog::load::load_paths;
use greenroom::search::{entities, operations::Endpoints};
use greenroom::tui::{self, theme::Theme, Data, LoadResult};
use insta::assert_snapshot;
use std::sync::Arc;
use support::tui::*;

const FIXTURE: &str = "tests/fixtures/endpoints";

#[test]
fn a_path_lists_its_endpoints_with_who_serves_them() {
    let app = {
        let mut app = app_on(FIXTURE, false);
        press(&mut app, "/refunds");
        app
    };
    let shown = frame(&app);
    // The API named so first, then its operations; the API at a URL is never fetched for it.
    assert!(
        shown.contains("POST /v1/refunds      team-payments refunds-api → payments-service"),
        "{shown}"
    );
    assert!(shown.contains("(2 of 7 + 3 endpoints)"), "{shown}");
    assert_eq!(selected_name(&app), "refunds-api");
    assert_snapshot!(shown);
}

#[test]
fn method_and_path_find_the_operation_and_enter_opens_the_definition_there() {
    let mut app = app_on(FIXTURE, false);
    press(&mut app, "/POST /v1/refunds<enter>");
    let page = app.page.as_ref().expect("the API's page");
    let op = page
        .selected_operation()
        .expect("the definition view, on an operation");
    assert_eq!(op.operation_id.as_deref(), Some("createRefund"));
    let shown = frame(&app);
    assert!(shown.contains("api:refunds-api · definition"), "{shown}");
    assert_snapshot!(shown);
    // Esc leaves the definition for the API's page.
    press(&mut app, "<esc>");
    assert!(frame(&app).contains("(enter: open)"));
}

#[test]
fn a_placeholder_s_operations_and_a_graphql_field_are_found() {
    let mut app = app_on(FIXTURE, false);
    press(&mut app, "/createPayment<enter>");
    let op = app
        .page
        .as_ref()
        .and_then(|p| p.selected_operation())
        .cloned();
    assert_eq!(
        op.map(|o| (o.method, o.path)),
        Some(("POST".into(), "/v1/payments".into()))
    );
    let mut app = app_on(FIXTURE, false);
    press(&mut app, "/balance");
    let shown = frame(&app);
    assert!(
        shown.contains("QUERY balance team-ledger ledger-graph"),
        "{shown}"
    );
}

#[test]
fn endpoints_join_the_filter_when_the_loader_has_read_them() {
    let catalog = Arc::new(load_paths(&[FIXTURE.into()]).catalog);
    let mut app = tui::app_with(Default::default(), "test", false, Theme::default());
    app.catalog.show_timing = false;
    app.dispatch(tui::Action::Resize(WIDTH, HEIGHT));
    // As the loader sends them: the catalog, its index, then its endpoints.
    app.on_loaded(LoadResult::fresh(
        Data::first(catalog.clone()),
        Vec::new(),
        Default::default(),
    ));
    app.on_index(&catalog, Arc::new(entities::index(&catalog)));
    press(&mut app, "//v1/refunds");
    assert!(frame(&app).contains("no match"), "{}", frame(&app));
    // Endpoints of another catalog (one replaced meanwhile) are not taken.
    let other = Arc::new(load_paths(&[FIXTURE.into()]).catalog);
    app.on_endpoints(&other, Arc::new(Endpoints::build(&other)));
    assert!(frame(&app).contains("no match"));
    app.on_endpoints(&catalog, Arc::new(Endpoints::build(&catalog)));
    let shown = frame(&app);
    assert!(
        shown.contains("POST /v1/refunds      team-payments refunds-api"),
        "{shown}"
    );
    assert!(
        shown.contains("GET  /v1/refunds/{id} team-payments refunds-api"),
        "{shown}"
    );
}
