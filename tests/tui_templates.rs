//! The Templates pane's form, driven with keys like a user: pages filled field by field, errors
//! shown as the user types, a page left only when valid, the review with secrets masked.
//! Frames are insta snapshots (TestBackend, 100x30).

mod support;

use greenroom::tui::panes::template_form::Stage;
use greenroom::tui::panes::template_run::Launcher;
use greenroom::tui::App;
use insta::assert_snapshot;
use serde_json::json;
use support::tui::*;

/// The demo with the Provision PostgreSQL form open (the list is sorted by title).
fn postgres() -> App {
    let app = demo_after("6j<enter>");
    assert_eq!(
        app.templates
            .form
            .as_ref()
            .map(|f| f.template.title.as_str()),
        Some("Provision PostgreSQL Database")
    );
    app
}

fn values(app: &App) -> serde_json::Value {
    app.templates.form.as_ref().unwrap().values.clone()
}

fn fixture() -> App {
    let mut app = app_on("tests/tui_fixtures/templates", false);
    press(&mut app, "6<enter>");
    app
}

#[test]
fn postgres_form_opens_on_its_first_page() {
    assert_snapshot!(frame(&postgres()));
}

#[test]
fn postgres_next_page_is_refused_until_the_page_is_valid() {
    let mut app = postgres();
    press(&mut app, "<c-n>");
    let form = app.templates.form.as_ref().unwrap();
    assert_eq!(form.stage, Stage::Fill, "an empty page is not left");
    assert_eq!(form.page, 0);
    assert_snapshot!("postgres_refused", frame(&app));
}

#[test]
fn postgres_bad_name_shows_its_error_as_the_user_types() {
    let mut app = postgres();
    press(&mut app, "<enter>Bad_Name");
    let screen = frame(&app);
    assert!(screen.contains("✗ must match pattern"), "{screen}");
    assert_snapshot!("postgres_inline_error", screen);
    // Fixed in place: the error goes as soon as the text is right.
    press(&mut app, "<c-u>or");
    assert!(frame(&app).contains("must have at least 3 characters"));
    press(&mut app, "ders");
    assert!(!frame(&app).contains('✗'), "{}", frame(&app));
}

#[test]
fn postgres_filled_page_by_page_then_review_then_back() {
    let mut app = postgres();
    // Name typed; Tab keeps it and moves on to the environment select.
    press(&mut app, "<enter>orders<tab>");
    assert!(!app.templates.typing(), "a select is not typed");
    press(&mut app, "<enter>");
    assert_snapshot!("postgres_choose_environment", frame(&app));
    press(&mut app, "j<enter>j<space><space>");
    assert_eq!(
        values(&app),
        json!({"name": "orders", "environment": "staging", "size": "medium"})
    );
    press(&mut app, "<c-n>");
    assert_eq!(app.templates.form.as_ref().unwrap().stage, Stage::Review);
    assert_snapshot!("postgres_review", frame(&app));
    // Back to the page with every value kept, then out of the form to the list.
    press(&mut app, "<esc>");
    let form = app.templates.form.as_ref().unwrap();
    assert_eq!((form.stage, form.page), (Stage::Fill, 0));
    assert_eq!(values(&app)["environment"], "staging");
    press(&mut app, "<esc>");
    assert!(app.templates.form.is_none());
    assert!(frame(&app).contains("Templates (2)"));
}

#[test]
fn enter_on_next_goes_on_and_escape_while_typing_restores_the_value() {
    let mut app = postgres();
    press(&mut app, "<enter>orders<enter>");
    // Esc undoes only the typing in progress.
    press(&mut app, "k<enter><c-u>zz<esc>");
    assert_eq!(values(&app)["name"], "orders");
    press(&mut app, "j<space>j<space>jj<enter>");
    assert_eq!(app.templates.form.as_ref().unwrap().stage, Stage::Review);
}

#[test]
fn nodejs_owner_is_picked_from_the_catalog_and_the_repo_url_is_built() {
    let mut app = demo_after("6<enter>");
    // Name, description, then the owner picker (Group entities only).
    press(&mut app, "<enter>shipping-quote<tab>Quotes shipping<tab>");
    press(&mut app, "<enter>platf");
    assert_snapshot!("nodejs_owner_picker", frame(&app));
    press(&mut app, "<enter>j<enter>ecomm<enter>");
    let v = values(&app);
    assert_eq!(v["owner"], "group:default/platform-team");
    assert_eq!(v["system"], "system:default/ecommerce");
    press(&mut app, "<c-n>");
    let form = app.templates.form.as_ref().unwrap();
    assert_eq!(form.page, 1, "{:?}", form.page_errors());
    // The only allowed host and owner are preset; the repository name is typed.
    assert_eq!(values(&app)["repoUrl"], "github.com?owner=myorg");
    assert_eq!(values(&app)["port"], 3000);
    press(&mut app, "jj<enter>shipping-quote<enter>");
    assert_eq!(
        values(&app)["repoUrl"],
        "github.com?owner=myorg&repo=shipping-quote"
    );
    // Enter went on to the port, ready to type.
    press(&mut app, "<c-u>80<enter>");
    assert!(frame(&app).contains("must be >= 1024"), "{}", frame(&app));
    press(&mut app, "k<enter><c-u>8080<enter>");
    assert_snapshot!("nodejs_repository_page", frame(&app));
    press(&mut app, "<c-n>");
    assert_eq!(app.templates.form.as_ref().unwrap().stage, Stage::Review);
}

#[test]
fn secrets_are_masked_while_typed_and_on_the_review() {
    let mut app = fixture();
    press(&mut app, "<enter>bill<enter>");
    assert_eq!(values(&app)["service"], "component:default/billing");
    press(&mut app, "j<enter>hunter2-secret");
    let typing = frame(&app);
    assert!(!typing.contains("hunter2"), "{typing}");
    assert!(typing.contains("••••••••••••••"), "{typing}");
    press(&mut app, "<tab>pass-phrase<enter><c-n>");
    press(&mut app, "<enter><enter><c-n>");
    let form = app.templates.form.as_ref().unwrap();
    assert_eq!(form.stage, Stage::Review, "{:?}", form.page_errors());
    let review = frame(&app);
    assert!(
        !review.contains("hunter2") && !review.contains("pass-phrase"),
        "{review}"
    );
    assert_snapshot!("fixture_review_masks_secrets", review);
    // The dry run renders the secret into the step's input: masked there too.
    press(&mut app, "d");
    wait_for_run(&mut app);
    let dry_run = frame(&app);
    assert!(!dry_run.contains("hunter2"), "{dry_run}");
    assert!(
        dry_run.contains("rotating for component:default/billing with"),
        "{dry_run}"
    );
}

/// Blocks until the run started from the review has ended (a channel receive, not a timer).
fn wait_for_run(app: &mut App) {
    app.templates
        .form
        .as_mut()
        .and_then(|f| f.run.as_mut())
        .expect("a run view")
        .wait();
}

#[test]
fn postgres_dry_run_shows_the_rendered_inputs_and_esc_goes_back_to_the_review() {
    let mut app = postgres();
    press(
        &mut app,
        "<enter>orders<tab><space><space><space>j<space><c-n>d",
    );
    wait_for_run(&mut app);
    assert_snapshot!("postgres_dry_run", frame(&app));
    press(&mut app, "<esc>");
    let form = app.templates.form.as_ref().unwrap();
    assert!(form.run.is_none());
    assert_eq!(form.stage, Stage::Review);
}

#[test]
fn nodejs_dry_run_lists_the_files_and_shows_one() {
    let mut app = demo_after("6<enter>");
    press(&mut app, "<enter>shipping-quote<tab>Quotes shipping<tab>");
    press(
        &mut app,
        "<enter>platform<enter>j<enter>ecommerce<enter><c-n>",
    );
    press(&mut app, "jj<enter>shipping-quote<enter><enter><c-n>d");
    wait_for_run(&mut app);
    let screen = frame_at(&app, 100, 60);
    assert!(screen.contains("Files it would write"), "{screen}");
    assert!(screen.contains("catalog-info.yaml"), "{screen}");
    let run = app.templates.form.as_ref().unwrap().run.as_ref().unwrap();
    let Some(Ok(result)) = &run.result else {
        panic!("{screen}")
    };
    let at = result
        .files
        .iter()
        .position(|(p, _)| p == "catalog-info.yaml")
        .expect("the new catalog-info.yaml");
    let row = run
        .targets
        .iter()
        .position(|t| *t == greenroom::tui::panes::template_run::Target::File(at))
        .unwrap();
    press(&mut app, &"j".repeat(row));
    press(&mut app, "<enter>");
    let file = frame(&app);
    assert!(file.contains("name: shipping-quote"), "{file}");
    assert_snapshot!("nodejs_dry_run_file", file);
    press(&mut app, "<esc>");
    assert!(frame(&app).contains("Files it would write"));
}

#[test]
fn conditional_fields_appear_as_the_value_changes() {
    let mut app = fixture();
    press(
        &mut app,
        "<enter>ledger<enter>j<enter>s3cret<enter><enter><c-n>",
    );
    assert_eq!(app.templates.form.as_ref().unwrap().page, 1);
    assert!(!frame(&app).contains("Vault path"));
    press(&mut app, "<enter><enter>");
    // Vault: its path field appears with its default.
    assert!(frame(&app).contains("Vault path"), "{}", frame(&app));
    assert_eq!(values(&app)["vaultPath"], "secret/deploy");
    press(&mut app, "<space>");
    assert_eq!(values(&app)["target"], "github");
    assert!(!frame(&app).contains("Vault path"));
    assert_eq!(
        values(&app).get("vaultPath"),
        None,
        "a hidden field keeps no value"
    );
    // A multi-select: space checks, enter keeps.
    press(&mut app, "j<enter><space>j<space><enter>");
    assert_eq!(values(&app)["regions"], json!(["eu", "us"]));
    assert_snapshot!("fixture_conditional_and_multi_select", frame(&app));
}

#[test]
fn help_lists_the_form_keys() {
    let mut app = postgres();
    press(&mut app, "?");
    let screen = frame_at(&app, 100, 45);
    assert!(
        screen.contains("next page, refused until this one is valid"),
        "{screen}"
    );
    assert!(
        screen.contains("keep the text, go to the previous field"),
        "{screen}"
    );
}

#[test]
fn multi_entity_picker_collects_refs_and_a_textarea_takes_new_lines() {
    let mut app = app_on("tests/tui_fixtures/templates", false);
    press(&mut app, "6j<enter>");
    assert_eq!(
        app.templates.form.as_ref().unwrap().template.title,
        "Subscribe services"
    );
    // Enter adds the highlighted entity (again: removes it); a ref that matches nothing is
    // refused here (allowArbitraryValues: false); Tab keeps the list.
    press(&mut app, "<enter>bill<enter><c-u>ledg<enter><c-u>zzz");
    assert!(frame(&app).contains("takes only entities from the catalog"));
    press(&mut app, "<enter><tab>");
    assert_eq!(
        values(&app)["services"],
        json!(["component:default/billing", "component:default/ledger"])
    );
    press(&mut app, "j<enter>line one<enter>line two<tab>");
    assert_eq!(values(&app)["note"], "line one\nline two");
    assert_snapshot!("fixture_multi_picker_and_textarea", frame(&app));
}

/// A real run from the review: steps only a Backstage backend has are asked about first, then
/// the run goes on a thread and its events make a live log; nothing is left out of the log.
#[test]
fn a_real_run_asks_about_backend_steps_then_logs_each_step() {
    let out = tempfile::tempdir().unwrap();
    let mut app = app_on("tests/tui_fixtures/templates", false);
    app.templates.launcher = Some(Launcher {
        config: greenroom::config::Config::default(),
        local_catalog: None,
        output_root: out.path().to_path_buf(),
        source_roots: Vec::new(),
    });
    press(&mut app, "6j<enter><enter>bill<enter><tab>");
    press(&mut app, "j<enter>hello<tab><c-n>");
    assert!(frame(&app).contains("Not run here (a Backstage backend's actions): notify"));
    press(&mut app, "r");
    assert!(frame(&app).contains("These steps need a Backstage backend"));
    press(&mut app, "n");
    let form = app.templates.form.as_ref().unwrap();
    assert!(
        form.run.is_none() && form.confirm.is_none(),
        "n: nothing runs"
    );
    press(&mut app, "ry");
    wait_for_run(&mut app);
    let screen = frame(&app);
    assert!(screen.contains("Done"), "{screen}");
    assert!(screen.contains("▶ 1. debug:log  [log]"), "{screen}");
    assert!(screen.contains("component:default/billing"), "{screen}");
    assert!(screen.contains("not run locally"), "{screen}");
    assert_snapshot!("fixture_real_run_log", screen);
}

#[test]
fn q_with_values_typed_asks_before_quitting_and_ctrl_c_quits_anyway() {
    // An untouched form loses nothing: q quits at once.
    let mut app = postgres();
    press(&mut app, "q");
    assert!(!app.running, "nothing typed, nothing to lose");

    let mut app = postgres();
    press(&mut app, "<enter>orders<tab>q");
    assert!(app.running, "q asks first");
    assert!(app.quit_question);
    let screen = frame(&app);
    assert!(screen.contains("quitting loses them"), "{screen}");
    press(&mut app, "n");
    assert!(app.running && !app.quit_question, "n stays");
    assert_eq!(values(&app)["name"], json!("orders"), "nothing lost");
    press(&mut app, "q");
    assert!(app.quit_question);
    press(&mut app, "y");
    assert!(!app.running, "y quits");

    let mut app = postgres();
    press(&mut app, "<enter>orders<tab>q<c-c>");
    assert!(!app.running, "ctrl-c while the question waits quits");
}

#[test]
fn q_inside_a_text_field_types_q() {
    let mut app = postgres();
    press(&mut app, "<enter>qq");
    assert!(app.running && !app.quit_question);
    press(&mut app, "<tab>");
    assert_eq!(values(&app)["name"], json!("qq"));
}

#[test]
fn a_form_left_with_values_offers_them_back_when_reopened() {
    let mut app = postgres();
    press(&mut app, "<enter>orders<tab><esc>");
    assert!(app.templates.form.is_none(), "esc leaves the form");
    // Reopened: the question over an empty form; y brings the values back.
    press(&mut app, "<enter>");
    let screen = frame(&app);
    assert!(screen.contains("Bring them back?"), "{screen}");
    press(&mut app, "y");
    assert_eq!(values(&app)["name"], json!("orders"));
    // Left again and reopened: n starts empty, and the old values are forgotten.
    press(&mut app, "<esc><enter>n");
    assert_eq!(values(&app).get("name"), None);
    press(&mut app, "<esc><enter>");
    assert!(
        app.templates.form.as_ref().unwrap().confirm.is_none(),
        "an untouched form left is not offered back"
    );
}

#[test]
fn e_in_a_form_opens_the_template_file_at_the_field() {
    use greenroom::tui::editor::EditRequest;
    let mut app = postgres();
    press(&mut app, "j");
    press(&mut app, "e");
    let Some(EditRequest::File { path, line }) = app.edit.take() else {
        panic!("{:?}", app.edit)
    };
    assert!(
        path.ends_with("provision-postgres/template.yaml"),
        "{path:?}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let declared = text.lines().nth(line as usize - 1).unwrap();
    assert_eq!(
        declared.trim(),
        "environment:",
        "the second field's declaration"
    );
}
