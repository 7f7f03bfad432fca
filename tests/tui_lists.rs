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
