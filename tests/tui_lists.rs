//! Lists with a preview, columns that fit, back and forward, the mouse: driven by keys and mouse
//! events, no terminal.

mod support;

use greenroom::tui::panes::preview::Subject;
use greenroom::tui::Section;
use support::tui::*;

/// The preview follows the cursor at once, and `p` hides and shows it.
#[test]
fn the_preview_follows_the_selection_and_p_toggles_it() {
    let mut app = demo_after("/^order-service<tab>");
    let selected = app.catalog.selected().expect("a selection");
    assert!(app.preview.is_of(Subject::Entity(selected)));
    assert!(app.preview.lines.iter().any(|l| l
        .spans
        .iter()
        .any(|(t, _)| t.contains("component:default/order-service"))));
    assert!(frame_at(&app, 140, 40).contains("┌ component:order-service "));
    press(&mut app, "<esc>j");
    let next = app.catalog.selected().unwrap();
    assert_ne!(next, selected);
    assert!(app.preview.is_of(Subject::Entity(next)));
    press(&mut app, "p");
    assert!(!app.preview_shown);
    let name = app.preview.title.clone();
    assert!(!frame_at(&app, 140, 40).contains(&format!("┌ {name} ")));
    press(&mut app, "p");
    assert!(frame_at(&app, 140, 40).contains(&format!("┌ {name} ")));
    // Too small for one: hidden, the list keeps the whole pane.
    assert!(!frame_at(&app, 100, 29).contains(&format!("┌ {name} ")));
}

#[test]
fn templates_and_problems_have_previews() {
    let mut app = demo_after("6");
    let template = app.templates.selected().unwrap();
    assert!(app.preview.is_of(Subject::Template(template)));
    assert!(frame_at(&app, 160, 40).contains("Parameters ("));
    press(&mut app, "j");
    assert!(app
        .preview
        .is_of(Subject::Template(app.templates.selected().unwrap())));
    let mut app = app_on("tests/tui_fixtures/broken", false);
    press(&mut app, "8j");
    assert!(app.preview.is_of(Subject::Problem(1)));
    assert_eq!(app.section, Section::Problems);
    assert!(frame_at(&app, 160, 40).contains("spec.dependsOn: resource:default/missing"));
}

/// A table wider than its pane scrolls a column at a time; one that fits does not move.
#[test]
fn a_wide_table_scrolls_sideways_and_a_narrow_one_does_not() {
    let mut app = demo();
    // 100 columns: the description is past the right edge.
    assert!(!frame(&app).contains("DESCRIPTION"));
    press(&mut app, "l");
    assert_eq!(app.catalog.hscroll, 1);
    assert!(
        !frame(&app).contains("│KIND "),
        "the first column scrolled away"
    );
    press(&mut app, "h");
    assert_eq!(app.catalog.hscroll, 0);
    app.handle_key(key(crossterm::event::KeyCode::End));
    let last = app.catalog.hscroll;
    assert!(last > 1);
    assert!(frame(&app).contains("DESCRIPTION"));
    press(&mut app, "l");
    assert_eq!(app.catalog.hscroll, last, "no further than the last column");
    app.handle_key(key(crossterm::event::KeyCode::Home));
    assert_eq!(app.catalog.hscroll, 0);
    // 200 columns beside a preview: still wider than the pane.
    app.dispatch(greenroom::tui::Action::Resize(200, 50));
    press(&mut app, "l");
    assert_eq!(app.catalog.hscroll, 1);
    // Without the preview every column fits (the description giving way): nothing to scroll.
    press(&mut app, "<home>pl");
    assert_eq!(app.catalog.hscroll, 0);
    let wide = frame_at(&app, 200, 50);
    assert!(
        wide.contains("│KIND ") && wide.contains("DESCRIPTION"),
        "{wide}"
    );
    assert!(
        wide.contains("group:identity-team"),
        "owners are not cut: {wide}"
    );
}

fn key(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
}

/// One history across sections: Esc and Ctrl-o go back, Tab forward again; going somewhere new
/// forgets what lay ahead. The header shows the trail.
#[test]
fn back_and_forward_across_sections_with_a_breadcrumb() {
    let mut app = demo_after("/^order-service<enter>");
    assert_page(&app, "component:default/order-service");
    press(&mut app, "6");
    assert_eq!(app.section, Section::Templates);
    assert!(app.page.is_none());
    let header = frame_at(&app, 200, 50).lines().next().unwrap().to_string();
    assert!(
        header.contains("Catalog › component:order-service › Templates"),
        "{header}"
    );
    press(&mut app, "<c-o>");
    assert_page(&app, "component:default/order-service");
    press(&mut app, "<esc>");
    assert!(app.page.is_none());
    assert_eq!(app.section, Section::Catalog);
    let header = frame_at(&app, 200, 50).lines().next().unwrap().to_string();
    assert!(header.contains("Catalog › 2 ahead"), "{header}");
    press(&mut app, "<tab>");
    assert_page(&app, "component:default/order-service");
    press(&mut app, "<tab>");
    assert_eq!(app.section, Section::Templates);
    assert!(app.page.is_none());
    // Nothing further ahead.
    press(&mut app, "<tab>");
    assert_eq!(app.section, Section::Templates);
    // Back, then somewhere new: the way forward is gone.
    press(&mut app, "<c-o>8<tab>");
    assert_eq!(app.section, Section::Problems);
}

fn mouse(
    kind: crossterm::event::MouseEventKind,
    column: u16,
    row: u16,
) -> crossterm::event::MouseEvent {
    crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: crossterm::event::KeyModifiers::NONE,
    }
}

/// A click selects the row under it, a second click there soon after opens it, the wheel moves,
/// a click on a tab switches to its section.
#[test]
fn the_mouse_selects_opens_scrolls_and_switches_sections() {
    use crossterm::event::{MouseButton, MouseEventKind};
    use std::time::{Duration, Instant};
    let click = MouseEventKind::Down(MouseButton::Left);
    let mut app = demo();
    let t0 = Instant::now();
    // 100x30: header, tabs, the border, the heading row; the first entity is on row 4.
    app.on_mouse(mouse(click, 20, 6), t0);
    assert_eq!(app.catalog.list.cursor, 2);
    assert!(app.page.is_none());
    assert!(frame(&app).contains(&format!("┌ {} ", app.preview.title)));
    // Two clicks too far apart are two selections; close together, an open.
    app.on_mouse(mouse(click, 20, 6), t0 + Duration::from_secs(2));
    assert!(app.page.is_none());
    let selected = selected_name(&app);
    app.on_mouse(mouse(click, 20, 6), t0 + Duration::from_millis(2200));
    assert_eq!(
        page_name(&app).map(|k| k.ends_with(&format!("/{selected}"))),
        Some(true)
    );
    press(&mut app, "<esc>");
    app.on_mouse(mouse(MouseEventKind::ScrollDown, 20, 10), t0);
    assert_eq!(app.catalog.list.cursor, 5);
    app.on_mouse(mouse(MouseEventKind::ScrollUp, 20, 10), t0);
    assert_eq!(app.catalog.list.cursor, 2);
    // The heading row and the border select nothing.
    app.on_mouse(mouse(click, 20, 3), t0);
    assert_eq!(app.catalog.list.cursor, 2);
    // "6 Tmpl" on the tab row.
    let tabs = frame(&app).lines().nth(1).unwrap().to_string();
    let at = tabs.find("6 Tmpl").unwrap() as u16 - 1;
    app.on_mouse(mouse(click, at + 2, 1), t0);
    assert_eq!(app.section, Section::Templates);
    app.on_mouse(mouse(click, 5, 5), t0 + Duration::from_secs(5));
    assert_eq!(app.templates.list.cursor, 1);
}

/// The text of the preview's lines.
fn preview_text(app: &greenroom::tui::App) -> String {
    app.preview
        .lines
        .iter()
        .flat_map(|l| l.spans.iter().map(|(t, _)| t.as_str()))
        .collect()
}

/// CI/CD: the run under the cursor beside the runs (its details; the jobs once the run was
/// opened), following the cursor, built from what arrived.
#[test]
fn ci_runs_have_a_preview_of_the_run() {
    let mut app = demo_after("/^order-service<tab>3");
    assert!(app.preview_subject().is_none(), "no runs yet: no preview");
    order_service_runs_arrived(&mut app);
    let first = app.cicd.states["component:default/order-service"]
        .runs
        .as_ref()
        .unwrap()
        .runs[0]
        .clone();
    assert!(app.preview.is_of(Subject::Run(first.id)));
    let text = preview_text(&app);
    assert!(text.contains(&first.head_sha[..7]), "{text}");
    assert!(text.contains("not loaded: enter opens the run"), "{text}");
    let wide = frame_at(&app, 160, 40);
    assert!(
        wide.contains(&format!("┌ {} #{} ", first.name, first.run_number)),
        "{wide}"
    );
    press(&mut app, "j");
    assert!(!app.preview.is_of(Subject::Run(first.id)));
    press(&mut app, "p");
    assert!(!frame_at(&app, 160, 40).contains(&format!("┌ {} ", app.preview.title)));
}

/// Cost: the row's periods and change, and a team's top services.
#[test]
fn cost_rows_have_a_preview_with_a_team_s_top_services() {
    let mut app = demo_with_cost();
    assert!(app.preview.is_of(Subject::Cost(0)));
    let text = preview_text(&app);
    assert!(text.contains("Top services ("), "{text}");
    assert!(text.contains("change"), "{text}");
    let team = app.cost.selected().unwrap().name.clone();
    assert!(frame_at(&app, 160, 40).contains(&format!("┌ {team} ")));
    press(&mut app, "j");
    assert!(app.preview.is_of(Subject::Cost(1)));
    // A service's row: no services under it.
    press(&mut app, "t");
    assert!(!preview_text(&app).contains("Top services"));
}

/// Scorecards: the cursor starts on the first entity, its checks beside the grid.
#[test]
fn scorecard_rows_have_a_preview_of_the_checks() {
    let app = demo_after("9");
    let id = app
        .scorecards
        .selected(&app.insights)
        .expect("the first row");
    assert!(app.preview.is_of(Subject::Scorecard(id)));
    let text = preview_text(&app);
    assert!(
        text.contains("level ") && text.contains("(bronze)"),
        "{text}"
    );
    let key = app.data.as_ref().unwrap().catalog.entity(id).key();
    assert!(frame_at(&app, 160, 40).contains(&format!("┌ {key} ")));
}

/// Cost's charts: right under the table (no blank half-pane), the bars with whole names and
/// amounts in their own aligned columns, the daily trend over the whole width.
#[test]
fn cost_charts_use_the_space() {
    let mut app = demo_with_cost();
    press(&mut app, "p");
    app.dispatch(greenroom::tui::Action::Resize(160, 48));
    let screen = frame_at(&app, 160, 48);
    let lines: Vec<&str> = screen.lines().collect();
    let rows = app.cost.report.as_ref().unwrap().rows.clone();
    let last_row = lines
        .iter()
        .position(|l| l.contains(&format!("│{} ", rows.last().unwrap().name)))
        .expect("the table's last row");
    assert!(lines[last_row + 1].contains("Top spenders"), "{screen}");
    for row in rows.iter().filter(|r| r.this_period > 0) {
        let amount = greenroom::insights::cost::format_amount(row.this_period);
        let bar_line = lines
            .iter()
            .skip(last_row + 2)
            .find(|l| l.contains(&format!("││{} ", row.name)))
            .unwrap_or_else(|| panic!("{} uncut in the bars: {screen}", row.name));
        // The amount, then a space, then the bar: never glued together.
        assert!(bar_line.contains(&format!("{amount} ")), "{bar_line}");
        assert!(!bar_line.contains(&format!("{amount}█")), "{bar_line}");
    }
    // The daily chart reaches its right border: its last column has bars.
    let legend = lines
        .iter()
        .position(|l| l.contains("a day:"))
        .expect("the trend's legend");
    let above: Vec<char> = lines[legend - 1].chars().collect();
    // The row ends with the chart's border, the pane's border and the closing quote.
    assert_ne!(above[above.len() - 4], ' ', "{}", lines[legend - 1]);
}

/// Clicks beyond tables: the dependency tree's nodes, the docs' nav, an entity page's lines
/// (a click selects, a second one soon after opens).
#[test]
fn the_mouse_selects_in_the_tree_the_docs_nav_and_a_page() {
    use crossterm::event::{MouseButton, MouseEventKind};
    use std::time::{Duration, Instant};
    let click = MouseEventKind::Down(MouseButton::Left);
    let t0 = Instant::now();
    let later = |s| t0 + Duration::from_secs(s);
    // 100x30: header, tabs, the border; the tree's first node is on row 3.
    let mut app = demo_after("/^order-service<tab>2");
    app.on_mouse(mouse(click, 10, 5), t0);
    assert_eq!(app.deps.list.cursor, 2);
    let node = app.deps.selected_entity().unwrap();
    app.on_mouse(mouse(click, 10, 5), t0 + Duration::from_millis(200));
    assert_eq!(
        app.page.as_ref().map(|p| p.id),
        Some(node),
        "a double-click opens the node"
    );
    // The page's lines: a click selects one, a double-click follows its relation.
    let page = app.page.as_ref().unwrap();
    let at = first_target(&page.lines, 3);
    let target = page.lines[at].target;
    app.on_mouse(mouse(click, 10, 3 + at as u16), later(1));
    assert_eq!(app.page.as_ref().unwrap().list.cursor, at);
    app.on_mouse(
        mouse(click, 10, 3 + at as u16),
        later(1) + Duration::from_millis(100),
    );
    assert_eq!(app.page.as_ref().map(|p| p.id), target);
    // The docs' nav (its title on the first row): a click moves the keys there, a second opens.
    let mut app = demo_after("/payment-service<tab>7");
    let nav = |app: &greenroom::tui::App| app.docs.nav_cursor.cursor;
    app.on_mouse(mouse(click, 3, 7), later(2));
    assert_eq!(nav(&app), 3);
    assert_eq!(app.docs.focus, greenroom::tui::panes::docs::Focus::Nav);
    app.on_mouse(mouse(click, 3, 7), later(2) + Duration::from_millis(100));
    assert_eq!(app.docs.page.as_deref(), Some("architecture/flow.md"));
    // The page's text is not the nav: a click there selects nothing.
    app.on_mouse(mouse(click, 60, 7), later(3));
    assert_eq!(nav(&app), 3);
}

/// The Cost table answers clicks too: a click selects a row, a double-click shows a team's
/// services.
#[test]
fn the_mouse_selects_and_opens_cost_rows() {
    use crossterm::event::{MouseButton, MouseEventKind};
    use std::time::{Duration, Instant};
    let click = MouseEventKind::Down(MouseButton::Left);
    let t0 = Instant::now();
    let mut app = demo_with_cost();
    // 100x30: the border on row 2, the info line on 3, the table's heading on 4.
    app.on_mouse(mouse(click, 10, 7), t0);
    assert_eq!(app.cost.cursor(), 2);
    assert!(app.preview.is_of(Subject::Cost(2)));
    let team = app.cost.selected().unwrap().name.clone();
    app.on_mouse(mouse(click, 10, 7), t0 + Duration::from_millis(100));
    assert_eq!(app.cost.drill.as_deref(), Some(team.as_str()));
}
