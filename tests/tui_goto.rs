//! `Enter` leads from every row that names an entity to its page, and `g d` from a relation, a
//! run, an incident or a cost row; each step goes on the one history, so Esc comes back and Tab
//! goes forward again.

mod support;

use greenroom::tui::{App, Section};
use support::fixture_api::FixtureApi;
use support::tui::*;

/// Moves the cursor of a report pane to `line` and presses Enter there.
fn enter_on_line(app: &mut App, line: usize) {
    press(app, "g");
    for _ in 0..line {
        press(app, "j");
    }
    press(app, "<enter>");
}

/// Esc comes back to `section` (no page), Tab goes forward to the page again.
#[track_caller]
fn back_and_forward(app: &mut App, section: Section, page: &str) {
    press(app, "<esc>");
    assert!(app.page.is_none(), "back from {page}");
    assert_eq!(app.section, section);
    press(app, "<tab>");
    assert_page(app, page);
    press(app, "<esc>");
}

fn key_of(app: &App, id: greenroom::catalog::EntityId) -> String {
    app.data.as_ref().unwrap().catalog.entity(id).key()
}

#[test]
fn enter_on_a_scorecard_row_opens_its_entity_and_a_team_row_its_group() {
    let mut app = demo_after("9");
    let lines = app.scorecards.lines(&app.insights);
    let first = first_target(&lines, 0);
    let entity = key_of(&app, lines[first].target.unwrap());
    enter_on_line(&mut app, first);
    assert_page(&app, &entity);
    back_and_forward(&mut app, Section::Scorecards, &entity);
    // The rollup's rows are teams: the last line leading somewhere is one.
    let last = (0..lines.len())
        .rev()
        .find(|&i| lines[i].target.is_some())
        .unwrap();
    let team = key_of(&app, lines[last].target.unwrap());
    assert!(team.starts_with("group:"), "{team}");
    press(&mut app, "G<enter>");
    // G is the last line; the team rows end the report.
    assert_eq!(last, lines.len() - 1);
    assert_page(&app, &team);
}

#[test]
fn enter_and_g_d_on_a_dora_row_open_the_service_or_the_team() {
    let api = FixtureApi::start("dora/api");
    let mut app = app_on("tests/fixtures/dora/catalog", false);
    app.insights.configure(api.config(""));
    press(&mut app, "0");
    poll_background_until(&mut app, |app| app.insights.dora.is_some());
    let lines = app.dora.lines(&app.insights);
    let team_line = first_target(&lines, 0);
    let team = key_of(&app, lines[team_line].target.unwrap());
    assert!(team.starts_with("group:"), "{team}");
    enter_on_line(&mut app, team_line);
    assert_page(&app, &team);
    back_and_forward(&mut app, Section::Dora, &team);
    let service_line = (team_line + 1..lines.len())
        .find(|&i| {
            lines[i]
                .target
                .is_some_and(|id| key_of(&app, id).starts_with("component:"))
        })
        .expect("a service row");
    let service = key_of(&app, lines[service_line].target.unwrap());
    press(&mut app, "g");
    for _ in 0..service_line {
        press(&mut app, "j");
    }
    press(&mut app, "gd");
    assert_page(&app, &service);
}

#[test]
fn enter_on_maturity_evidence_naming_a_template_opens_it() {
    let api = FixtureApi::start("maturity/api");
    let mut app = app_on("tests/fixtures/maturity/catalog", false);
    app.insights.configure(api.config(""));
    press(&mut app, "M");
    poll_background_until(&mut app, |app| app.insights.maturity.is_some());
    let lines = app.maturity.lines(&app.insights);
    let at = first_target(&lines, 0);
    let text: String = lines[at].spans.iter().map(|(t, _)| t.as_str()).collect();
    let entity = key_of(&app, lines[at].target.unwrap());
    assert!(text.contains(&entity), "{text} names {entity}");
    enter_on_line(&mut app, at);
    assert_page(&app, &entity);
    back_and_forward(&mut app, Section::Maturity, &entity);
}

#[test]
fn cost_rows_lead_to_their_team_and_service() {
    let mut app = demo_with_cost();
    let team = app
        .cost
        .selected()
        .unwrap()
        .entity
        .clone()
        .expect("a team in the catalog");
    // Enter on a team shows its services; g d opens the team's page.
    press(&mut app, "gd");
    assert_page(&app, &team);
    // (Tab in Cost switches teams and services, so only back here.)
    press(&mut app, "<esc>");
    assert!(app.page.is_none());
    assert_eq!(app.section, Section::Cost);
    press(&mut app, "<enter>");
    assert!(app.cost.drill.is_some());
    let service = app
        .cost
        .selected()
        .unwrap()
        .entity
        .clone()
        .expect("a service in the catalog");
    press(&mut app, "<enter>");
    assert_page(&app, &service);
    // Back to the team's services, then its teams.
    press(&mut app, "<esc>");
    assert!(app.cost.drill.is_some() && app.page.is_none());
    press(&mut app, "<esc>");
    assert!(app.cost.drill.is_none());
}

#[test]
fn problems_rows_open_their_entity() {
    let mut app = app_on("tests/tui_fixtures/broken", false);
    press(&mut app, "8");
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    let at = catalog
        .problems
        .iter()
        .position(|p| {
            p.entity
                .as_deref()
                .is_some_and(|e| catalog.get(e).is_some())
        })
        .expect("a problem of a loaded entity");
    for _ in 0..at {
        press(&mut app, "j");
    }
    press(&mut app, "<enter>");
    let entity = catalog.problems[at].entity.clone().unwrap();
    assert_page(&app, &entity);
    back_and_forward(&mut app, Section::Problems, &entity);
}

/// `g d` on a relation opens its target, on a tree node its entity; `g` then another key is
/// the top, then that key.
#[test]
fn g_d_on_a_relation_and_a_tree_node() {
    let mut app = demo_after("/^order-service<enter>");
    let page = app.page.as_ref().unwrap();
    let target = key_of(
        &app,
        page.selected_target().expect("the cursor on a relation"),
    );
    press(&mut app, "gd");
    assert_page(&app, &target);
    press(&mut app, "<esc>");
    assert_page(&app, "component:default/order-service");
    press(&mut app, "Ggj");
    assert_eq!(
        app.page.as_ref().unwrap().list.cursor,
        1,
        "g then j: the top, then down"
    );
    assert!(app.page.is_some());
    // A chord's first key alone says it waits.
    press(&mut app, "g");
    assert_eq!(app.status.as_ref().map(|s| s.text.as_str()), Some("g…"));
    press(&mut app, "g");
    assert_eq!(app.page.as_ref().unwrap().list.cursor, 0, "g g: the top");
    press(&mut app, "<esc>2j");
    let node = key_of(&app, app.deps.selected_entity().unwrap());
    press(&mut app, "gd");
    assert_page(&app, &node);
    back_and_forward(&mut app, Section::Dependencies, &node);
}

/// On CI/CD, `g d` goes to the runs' service (a team row: its service's page).
#[test]
fn g_d_on_ci_runs_opens_the_service() {
    let mut app = demo();
    app.cicd.connected = true;
    press(&mut app, "/^order-service<tab>3");
    press(&mut app, "gd");
    assert_page(&app, "component:default/order-service");
    back_and_forward(&mut app, Section::CiCd, "component:default/order-service");
    // A team: each row is a service.
    press(&mut app, "1/^order-team<tab>3");
    let row = app.cicd.team_rows()[1].id;
    let service = key_of(&app, row);
    press(&mut app, "jgd");
    assert_page(&app, &service);
}

/// A link in a TechDocs page to an entity's page in Backstage opens that page here.
#[test]
fn a_docs_link_to_a_catalog_entity_opens_its_page() {
    let catalog = demo_catalog();
    let id = |href: &str| {
        greenroom::tui::panes::docs::entity_of_link(&catalog, href)
            .map(|id| catalog.entity(id).key())
    };
    let order = Some("component:default/order-service".to_string());
    assert_eq!(id("/catalog/default/component/order-service"), order);
    assert_eq!(
        id("https://backstage.example.com/catalog/default/Component/order-service/docs#x"),
        order
    );
    assert_eq!(id("/catalog/default/component/nowhere"), None);
    assert_eq!(id("../setup.md"), None);
}

/// DORA: a row's four figures beside the grid, each trend as wide as the preview.
#[test]
fn dora_rows_have_a_preview_of_the_figures() {
    use greenroom::tui::panes::preview::Subject;
    let api = FixtureApi::start("dora/api");
    let mut app = app_on("tests/fixtures/dora/catalog", false);
    app.insights.configure(api.config(""));
    app.dispatch(greenroom::tui::Action::Resize(160, 40));
    press(&mut app, "0");
    poll_background_until(&mut app, |app| app.insights.dora.is_some());
    let id = app.dora.selected(&app.insights).expect("the first row");
    assert!(app.preview.is_of(Subject::Dora(id)));
    let wide = frame_at(&app, 160, 40);
    for figure in [
        "Deployment frequency",
        "Lead time for changes",
        "Change failure rate",
        "Time to restore",
    ] {
        assert!(wide.contains(figure), "{wide}");
    }
    // At 80 columns the grid's columns shrink so a row's four figures stay on its line
    // (the fixture's deploys: 1.2/week, 14.0 h, 80%, 1.8 h).
    app.dispatch(greenroom::tui::Action::Resize(80, 24));
    let narrow = frame_at(&app, 80, 24);
    let row = narrow.lines().find(|l| l.contains("deploys")).unwrap();
    assert!(
        row.contains("1.2/week") && row.contains("1.8 h"),
        "{narrow}"
    );
}

/// A report pane's lines wrap (the scorecard's legend does at 100 columns): a click selects the
/// line drawn under it, wherever the rows above it put it, and a double-click opens it.
#[test]
fn a_click_in_a_report_selects_the_line_under_it_and_a_double_click_opens_it() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    use std::time::{Duration, Instant};
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let mut app = demo_after("9");
    let lines = app.scorecards.lines(&app.insights);
    let first = first_target(&lines, 0);
    let name = lines[first].spans[0].0.trim().to_string();
    let shown = frame(&app);
    let rows: Vec<&str> = shown.lines().collect();
    // The list's first row is under the border; the first entity's row is found by its text.
    let top = rows.iter().position(|r| r.contains("levels ")).unwrap();
    let row = rows
        .iter()
        .position(|r| r.contains(&format!("│{name} ")))
        .unwrap_or_else(|| panic!("{name} not on screen:\n{shown}"));
    assert!(
        row - top > first,
        "lines above the first entity wrap: {first} lines over {} rows",
        row - top
    );
    // The cursor starts on that line: two lines down, on the same screen, so the click has
    // something to move.
    assert_eq!(app.scorecards.list.cursor, first);
    press(&mut app, "jj");
    assert_eq!(frame(&app).lines().nth(row), Some(rows[row]));
    let t0 = Instant::now();
    app.on_mouse(click(5, row as u16), t0);
    assert_eq!(app.scorecards.list.cursor, first);
    assert!(app.page.is_none());
    // The second row of the wrapped legend's first line is that line.
    app.on_mouse(click(5, top as u16 + 2), t0 + Duration::from_secs(2));
    assert_eq!(app.scorecards.list.cursor, 1, "{}", frame(&app));
    // Two clicks on the entity's row close together: its page.
    app.on_mouse(click(5, row as u16), t0 + Duration::from_secs(4));
    app.on_mouse(click(5, row as u16), t0 + Duration::from_millis(4100));
    let entity = key_of(&app, lines[first].target.unwrap());
    assert_page(&app, &entity);
}
