//! Snapshots of every pane on the demo catalog, drawn with ratatui's TestBackend at 100x30.
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always and read the diff).

mod support;

use insta::assert_snapshot;
use support::tui::*;

#[test]
fn catalog() {
    assert_snapshot!(frame(&demo()));
}

#[test]
fn catalog_filtered() {
    let app = demo_after("/order-servic");
    assert_snapshot!(frame(&app));
}

#[test]
fn catalog_components_sorted_by_owner_reversed() {
    let app = demo_after(":components<enter>sS");
    assert_snapshot!(frame(&app));
}

#[test]
fn entity_page() {
    let app = demo_after("/order-service<enter>");
    assert_snapshot!(frame(&app));
}

#[test]
fn group_page() {
    let app = demo_after(":groups<enter>/^order-team<enter>");
    assert_snapshot!(frame_at(&app, 100, 45));
}

#[test]
fn dependencies() {
    let app = demo_after("/order-service<tab>2");
    assert_snapshot!(frame(&app));
}

#[test]
fn dependents_collapsed() {
    let app = demo_after("/^payment-api<tab>2rj<space>");
    assert_snapshot!(frame(&app));
}

#[test]
fn cicd() {
    let app = demo_after("/order-service<tab>3");
    assert_snapshot!(frame(&app));
}

/// The pane with a token configured and the runs arrived (3 min old, from the cache), on a fixed
/// clock three hours after the runs were created.
#[test]
fn cicd_with_runs() {
    let mut app = demo();
    app.cicd.connected = true;
    press(&mut app, "/order-service<tab>3");
    order_service_runs_arrived(&mut app);
    assert_snapshot!(frame(&app));
}

#[test]
fn incidents() {
    let app = demo_after("/inventory-db<tab>4");
    assert_snapshot!(frame(&app));
}

#[test]
fn cost() {
    let app = demo_after("/order-service<tab>5");
    assert_snapshot!(frame(&app));
}

#[test]
fn templates() {
    let app = demo_after("6");
    assert_snapshot!(frame(&app));
}

#[test]
fn template_detail() {
    let app = demo_after("6ji");
    assert_snapshot!(frame(&app));
}

#[test]
fn docs() {
    let app = demo_after("/storefront-web<tab>7");
    assert_snapshot!(frame(&app));
}

#[test]
fn problems() {
    let mut app = app_on("tests/tui_fixtures/broken", false);
    press(&mut app, "8");
    assert_snapshot!(frame(&app));
}

#[test]
fn help() {
    let app = demo_after("?");
    assert_snapshot!(frame(&app));
}

#[test]
fn help_in_dependencies_filtered() {
    let app = demo_after("2?depth");
    assert_snapshot!(frame(&app));
}

#[test]
fn command_line() {
    let app = demo_after(":c");
    assert_snapshot!(frame(&app));
}

#[test]
fn narrow_80x24() {
    let mut app = demo();
    app.dispatch(greenroom::tui::Action::Resize(80, 24));
    assert_snapshot!(frame_at(&app, 80, 24));
}

#[test]
fn too_small() {
    assert_snapshot!(frame_at(&demo(), 40, 10));
}

#[test]
fn loading() {
    use greenroom::tui::{keymap::Keymap, panes::ProviderEnv, theme::Theme, App};
    let app = App::new(
        "./catalog".into(),
        false,
        Keymap::default(),
        Theme::default(),
        ProviderEnv::default(),
    );
    assert_snapshot!(frame(&app));
}

/// A pane at 80x24 (no preview), 120x40 (the preview beside) and 200x50, so a layout change
/// shows here.
fn at_three_sizes(name: &str, app: &mut greenroom::tui::App) {
    for (size, frame) in three_sizes(app) {
        assert_snapshot!(format!("{name}_{size}"), frame);
    }
}

#[test]
fn catalog_at_three_sizes() {
    at_three_sizes("catalog", &mut demo_after("/order"));
}

#[test]
fn templates_at_three_sizes() {
    at_three_sizes("templates", &mut demo_after("6"));
}

#[test]
fn problems_at_three_sizes() {
    let mut app = app_on("tests/tui_fixtures/broken", false);
    press(&mut app, "8j");
    at_three_sizes("problems", &mut app);
}

#[test]
fn cicd_at_three_sizes() {
    let mut app = demo();
    app.cicd.connected = true;
    press(&mut app, "/^order-service<tab>3");
    order_service_runs_arrived(&mut app);
    at_three_sizes("cicd", &mut app);
}

#[test]
fn cost_at_three_sizes() {
    at_three_sizes("cost", &mut demo_with_cost());
}

#[test]
fn scorecards_at_three_sizes() {
    at_three_sizes("scorecards", &mut demo_after("9"));
}

/// DORA and Maturity on their fixture APIs (the figures of tests/dora.rs and tests/maturity.rs).
#[test]
fn dora_at_three_sizes() {
    let api = support::fixture_api::FixtureApi::start("dora/api");
    let mut app = app_on("tests/fixtures/dora/catalog", false);
    app.insights.configure(api.config(""));
    press(&mut app, "0");
    poll_background_until(&mut app, |app| app.insights.dora.is_some());
    at_three_sizes("dora", &mut app);
}

#[test]
fn maturity_at_three_sizes() {
    let api = support::fixture_api::FixtureApi::start("maturity/api");
    let mut app = app_on("tests/fixtures/maturity/catalog", false);
    app.insights.configure(api.config(""));
    press(&mut app, "M");
    poll_background_until(&mut app, |app| app.insights.maturity.is_some());
    at_three_sizes("maturity", &mut app);
}

#[test]
fn entity_page_at_three_sizes() {
    at_three_sizes("entity_page", &mut demo_after("/^order-service<enter>"));
}

#[test]
fn dependencies_at_three_sizes() {
    at_three_sizes("dependencies", &mut demo_after("/^order-service<tab>2"));
}

#[test]
fn docs_at_three_sizes() {
    at_three_sizes("docs", &mut demo_after("/payment-service<tab>7"));
}

#[test]
fn template_form_at_three_sizes() {
    let mut app = demo_after("6<enter>");
    assert!(app.templates.form.is_some(), "the form is open");
    at_three_sizes("template_form", &mut app);
}
