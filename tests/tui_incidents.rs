//! The Incidents pane, the incident view and their actions, driven with keys against a loopback
//! server the test starts. The server answers as the demo API does (`greenroom::demo::api`'s
//! files), rendered at a fixed moment, so every age on screen is the same on every run; the
//! pane's clock is set to that moment. Snapshots at 100x30 (the view at 120x60).

mod support;

use chrono::{DateTime, Utc};
use greenroom::config::Secret;
use greenroom::demo::api::respond;
use greenroom::providers::http::Options;
use greenroom::providers::pagerduty::PagerDutySettings;
use greenroom::providers::{GitHubSettings, ProviderHandle, ProviderOptions};
use greenroom::tui::{Action, App, Section};
use insta::assert_snapshot;
use std::path::Path;
use std::time::{Duration, SystemTime};
use support::http_server::{Reply, TestServer};
use support::tui::*;

const FROM: &str = "sofia.romero@myorg.example.com";

/// The moment the server renders `{{now…}}` at (a Monday).
fn fixed() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A server answering like the demo API, at [`fixed`].
fn demo_server() -> TestServer {
    TestServer::start(|request| {
        let answer = respond(&request.method, request.path(), fixed());
        Reply::bytes(answer.status, answer.content_type, answer.body)
    })
}

/// The demo catalog's app, connected to providers at `base` (GitHub and PagerDuty), with the
/// demo's user as "you".
fn connected(base: &str, cache: Option<&Path>) -> App {
    // On-call hand-over times are shown in local time.
    std::env::set_var("TZ", "UTC");
    let mut app = demo();
    app.env.pagerduty_token = true;
    app.env.github_token = true;
    app.env.pagerduty_from_email = true;
    let options = ProviderOptions {
        cache_dir: cache.map(Path::to_path_buf),
        http: Options {
            retries: 0,
            timeout: Duration::from_secs(5),
            ..Options::default()
        },
        pagerduty: PagerDutySettings {
            api_url: format!("{base}/pagerduty"),
            events_url: format!("{base}/pagerduty-events"),
            token: Some(Secret::new("pd-test-token")),
            from_email: Some(FROM.into()),
        },
        ..ProviderOptions::default()
    };
    let github = GitHubSettings {
        api_url: format!("{base}/github"),
        token: Some(Secret::new("gh-test-token")),
        try_gh: false,
    };
    app.connect(ProviderHandle::start_with(github, options));
    app.incidents.identity = Some("user:default/sofia.romero".into());
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    app.incidents.load(&catalog);
    app.incidents.now = Some(fixed().into());
    app
}

/// Takes provider answers until `done` (at most ~20 s, so a bug cannot hang the suite).
fn pump(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    for _ in 0..4000 {
        app.poll_providers();
        if done(app) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("never got {what}:\n{}", frame(app));
}

/// The frame with the countdown (wall-clock time) left out.
fn still(app: &mut App, width: u16, height: u16) -> String {
    app.incidents.next_refresh = None;
    frame_at(app, width, height)
}

fn list_loaded(app: &App) -> bool {
    app.incidents.rows().len() == 7
}

#[test]
fn the_pane_lists_every_open_incident_urgency_first_with_entity_owner_and_refresh() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "4");
    pump(&mut app, "the open incidents", list_loaded);
    let rows = app.incidents.rows();
    assert_eq!(rows[0].0.incident_number, 1483);
    assert!(rows
        .iter()
        .all(|(i, entities)| i.status.is_open() && !entities.is_empty()));
    // High urgency before low, whatever the age.
    let urgencies: Vec<&str> = rows.iter().map(|(i, _)| i.urgency.as_str()).collect();
    assert_eq!(
        urgencies,
        ["high", "high", "high", "high", "low", "low", "low"]
    );
    // Refreshing is visible: the title counts down to the next one.
    assert!(frame(&app).contains("auto-refresh every 30s, next in"));
    assert_snapshot!("incidents_pane", still(&mut app, WIDTH, HEIGHT));
}

#[test]
fn enter_opens_the_incident_view_and_search_reaches_it_with_one_key() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    // From the catalog: `/`, the name, Enter (the entity page), `i`.
    press(&mut app, "/order-service<enter>i");
    assert_eq!(app.section, Section::Incidents);
    let view = app.incidents.view.as_ref().expect("the incident view");
    assert_eq!(view.key, "component:default/order-service");
    let complete = |app: &App| {
        let live = &app.incidents.live;
        live.oncall
            .get("PEO1RD7")
            .is_some_and(|f| f.value.is_some())
            && live.users.values().filter(|u| u.value.is_some()).count() >= 3
            && live
                .timelines
                .get("Q3ORD7LAG1483")
                .is_some_and(|f| f.value.is_some())
            && live.runs.values().any(|f| f.value.is_some())
            && live
                .entity_incidents
                .get("component:default/order-service")
                .is_some_and(|f| f.value.is_some())
    };
    pump(&mut app, "the view's data", complete);
    let text = still(&mut app, 120, 60);
    for expected in [
        "Owner  group:order-team (Order Team)",
        "Sofia Romero <sofia.romero@myorg.example.com>",
        "L1 Sofia Romero",
        "L2 Daniel Okafor",
        "L3 Hana Sato",
        "phone +1 4155550142",
        "#1483 Kafka consumer lag",
        "Triggered through the API",
        "Latest CI runs (myorg/order-service)",
        "Dependents: the blast radius",
        "component:legacy-checkout",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    // Only order-service's incidents, though the server ignores the service filter.
    assert!(!text.contains("#1479"), "{text}");
    assert_snapshot!("incident_view", text);

    // Esc goes back where the view was opened from: the entity page.
    press(&mut app, "<esc>");
    assert!(app.page.is_some());
    assert!(app.incidents.view.is_none());

    // From the list: Enter on an incident opens its entity's view; Esc returns to the list.
    press(&mut app, "4");
    pump(&mut app, "the open incidents", list_loaded);
    press(&mut app, "jj<enter>");
    let view = app.incidents.view.as_ref().expect("the incident view");
    assert_eq!(view.key, "component:default/storefront-web");
    press(&mut app, "<esc>");
    assert!(app.incidents.view.is_none());
    assert_eq!(app.section, Section::Incidents);
}

/// An incident number typed in the catalog filter is looked up (the Incidents pane's service
/// map is made for it then, not on every filter key), and Enter opens its service's entity.
#[test]
fn an_incident_number_in_the_filter_opens_its_service() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "/#1483");
    pump(&mut app, "the incident looked up", |app| {
        app.incidents.looked_up("#1483").is_some()
    });
    press(&mut app, "<enter>");
    let page = app.page.as_ref().expect("the entity's page");
    let catalog = &app.data.as_ref().unwrap().catalog;
    assert_eq!(
        catalog.entity(page.id).key(),
        "component:default/order-service"
    );
}

#[test]
fn acknowledging_asks_first_then_sends_put_with_the_from_header_and_reports_it() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "4");
    pump(&mut app, "the open incidents", list_loaded);
    press(&mut app, "a");
    assert!(app.confirming());
    assert_snapshot!("incident_ack_question", still(&mut app, WIDTH, HEIGHT));
    let puts = |server: &TestServer| {
        server
            .requests()
            .into_iter()
            .filter(|r| r.method == "PUT")
            .collect::<Vec<_>>()
    };
    assert!(puts(&server).is_empty(), "nothing is sent before yes");
    // No: nothing sent.
    press(&mut app, "n");
    assert!(!app.confirming());
    app.poll_providers();
    assert!(puts(&server).is_empty());
    // Yes: the PUT, with From.
    press(&mut app, "ay");
    pump(&mut app, "the acknowledgement", |app| {
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("PagerDuty says it is now acknowledged"))
    });
    let put = puts(&server).pop().expect("a PUT");
    assert_eq!(put.path(), "/pagerduty/incidents/Q3ORD7LAG1483");
    assert_eq!(put.header("from"), Some(FROM));
    assert_eq!(put.json()["incident"]["status"], "acknowledged");
    assert_eq!(put.json()["incident"]["type"], "incident_reference");
    // Then the list is asked again, past the refresh window.
    let asked = |server: &TestServer| {
        server
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path() == "/pagerduty/incidents")
            .count()
    };
    for _ in 0..4000 {
        if asked(&server) >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(asked(&server) >= 2, "{}", asked(&server));

    // Without [pagerduty] from_email it says what to set, and asks nothing.
    app.incidents.from_email = false;
    press(&mut app, "R");
    assert!(!app.confirming());
    let status = app.status.clone().unwrap();
    assert!(status.error && status.text.contains("from_email under [pagerduty]"));
}

#[test]
fn trigger_asks_then_sends_the_integration_key_to_the_events_api() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "/order-service<enter>i");
    press(&mut app, "t");
    assert!(app.confirming());
    press(&mut app, "y");
    pump(&mut app, "the trigger's receipt", |app| {
        app.status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("triggered on"))
    });
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("a POST");
    assert_eq!(post.path(), "/pagerduty-events/v2/enqueue");
    assert_eq!(post.json()["routing_key"], "abc123");
    assert_eq!(post.json()["event_action"], "trigger");
    assert_eq!(post.header("authorization"), None);
}

#[test]
fn the_inbox_shows_what_needs_the_user_with_ages() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "4m");
    pump(&mut app, "the inbox", |app| {
        let catalog = &app.data.as_ref().unwrap().catalog;
        app.incidents.rows().len() == 7 && !app.incidents.inbox_items(catalog).is_empty()
    });
    let text = still(&mut app, WIDTH, HEIGHT);
    assert!(text.contains("My inbox: user:sofia.romero"), "{text}");
    // Order Team's services: order-service (2) and inventory-service (1); not payments'.
    assert!(text.contains("#1483") && text.contains("#1477"), "{text}");
    assert!(!text.contains("#1479"), "{text}");
}

#[test]
fn keys_answer_while_pagerduty_hangs() {
    let server = TestServer::start(|_| Reply::Hang);
    let mut app = connected(&server.url(), None);
    press(&mut app, "4");
    app.poll_providers();
    assert!(app.providers.as_ref().unwrap().in_flight() > 0);
    assert!(frame(&app).contains("Asking PagerDuty…"));
    // Every key is handled at once while the request hangs.
    press(&mut app, "m");
    assert!(app.incidents.inbox);
    press(&mut app, "m1");
    assert_eq!(app.section, Section::Catalog);
    press(&mut app, "j4");
    assert_eq!(app.section, Section::Incidents);
    app.dispatch(Action::Quit);
    assert!(!app.running);
    assert!(app.providers.as_ref().unwrap().in_flight() > 0);
}

#[test]
fn relaunched_with_pagerduty_gone_the_last_known_state_shows_with_its_age() {
    let cache = tempfile::tempdir().unwrap();
    let url = {
        let server = demo_server();
        let mut app = connected(&server.url(), Some(cache.path()));
        press(&mut app, "4");
        pump(&mut app, "the open incidents", list_loaded);
        server.url()
    };
    // The same URL, where nothing listens any more.
    let mut app = connected(&url, Some(cache.path()));
    app.incidents.now = None;
    press(&mut app, "4");
    pump(&mut app, "the stored incidents", list_loaded);
    assert!(app.incidents.live.all.from_cache);
    // Asked again now: the error shows beside the last known list and its age.
    press(&mut app, "<c-r>");
    pump(&mut app, "the error", |app| {
        app.incidents.live.all.error.is_some()
    });
    assert_eq!(app.incidents.rows().len(), 7);
    let (note, _) = app.incidents.live.all.note(SystemTime::now());
    assert!(
        note.starts_with("last known, ") && note.contains(" old · "),
        "{note}"
    );
    assert!(note.contains("cannot reach PagerDuty"), "{note}");
    assert!(frame(&app).contains("last known, "), "{}", frame(&app));
}

#[test]
fn the_incident_view_without_pagerduty_shows_the_owner_and_blast_radius_and_what_to_set() {
    let mut app = demo_after("/order-service<enter>i");
    assert_eq!(app.section, Section::Incidents);
    let text = frame_at(&app, 120, 50);
    assert!(text.contains("Owner  group:order-team"), "{text}");
    assert!(text.contains("PagerDuty is not configured"), "{text}");
    assert!(text.contains("component:legacy-checkout"), "{text}");
    // The actions say the same instead of asking.
    press(&mut app, "a");
    assert!(!app.confirming());
    assert!(app
        .status
        .as_ref()
        .unwrap()
        .text
        .contains("PAGERDUTY_TOKEN"));
}

/// `g d` on an incident goes to its service's page (and in the incident view, to the view's
/// entity); Esc comes back to the list.
#[test]
fn g_d_on_an_incident_opens_its_service() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "4");
    pump(&mut app, "the open incidents", list_loaded);
    press(&mut app, "j");
    let catalog = app.data.as_ref().unwrap().catalog.clone();
    let service = catalog.entity(app.incidents.rows()[1].1[0]).key();
    press(&mut app, "gd");
    assert_page(&app, &service);
    press(&mut app, "<esc>");
    assert!(app.page.is_none() && app.incidents.view.is_none());
    press(&mut app, "<enter>");
    assert!(app.incidents.view.is_some());
    press(&mut app, "gd");
    assert_page(&app, &service);
}

/// The incident under the cursor beside the list: its details from the last answer.
#[test]
fn the_selected_incident_has_a_preview() {
    use greenroom::tui::panes::preview::Subject;
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "4");
    pump(&mut app, "the open incidents", list_loaded);
    assert!(app.preview.is_of(Subject::Incident(1483)));
    let wide = still(&mut app, 160, 40);
    assert!(wide.contains("┌ #1483 "), "{wide}");
    assert!(
        wide.contains("assignees") && wide.contains("urgency     high"),
        "{wide}"
    );
    press(&mut app, "j");
    assert!(app.preview.is_of(Subject::Incident(1482)));
}

/// The pane at 80x24, 120x40 (the incident's preview beside) and 200x50.
#[test]
fn incidents_at_three_sizes() {
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "4");
    pump(&mut app, "the open incidents", list_loaded);
    app.incidents.next_refresh = None;
    for (size, frame) in three_sizes(&mut app) {
        assert_snapshot!(format!("incidents_{size}"), frame);
    }
}

/// A click on an incident selects it; a second one soon after opens its incident view.
#[test]
fn the_mouse_selects_and_opens_an_incident() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let server = demo_server();
    let mut app = connected(&server.url(), None);
    press(&mut app, "4");
    pump(&mut app, "the open incidents", list_loaded);
    let click = |row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let t0 = std::time::Instant::now();
    // 100x30: the border on row 2, the heading on 3, the first incident on 4.
    app.on_mouse(click(6), t0);
    assert_eq!(app.incidents.list.cursor, 2);
    app.on_mouse(click(6), t0 + Duration::from_millis(100));
    assert!(
        app.incidents.view.is_some(),
        "a double-click opens the view"
    );
}
