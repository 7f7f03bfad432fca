//! PagerDuty end to end against servers on 127.0.0.1 started by each test (`tests/support/`),
//! answering with bodies shaped from PagerDuty's API reference (`tests/fixtures/pagerduty/`): the
//! `incidents` and `who` commands as a user runs them, the client's requests (pagination,
//! integration keys, on-call order, acknowledge/resolve, trigger), its failures, and the provider
//! handle the TUI uses.

mod support;

use greenroom::config::Secret;
use greenroom::providers::http::{CachePolicy, Client, Log, Options};
use greenroom::providers::pagerduty::{
    self, IncidentAction, IncidentRef, IncidentStatus, PagerDuty, PagerDutySettings, ServiceMap,
    ServiceRef, Severity, TriggerEvent,
};
use greenroom::providers::{
    GitHubSettings, ProviderError, ProviderHandle, ProviderMessage, ProviderOptions,
    Reply as ProviderReply, Request,
};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::binary::{self, contains, files_under, Run};
use support::catalog::{component, documents, team, user_entity};
use support::http_server::{Reply, TestServer};
use support::pagerduty::{
    error, events_server, incident, log_entry, oncall, service, user, FakePagerDuty, TOKEN,
};
use support::provider::{collect, runtime};
use support::vendor_errors::{
    assert_server_error_after_one_retry, assert_timed_out_once, online_then_offline,
};

const ORDER_KEY: &str = "0rderkey0123456789abcdef01234567";

/// Services found by service id (one with two), by integration key, and one not on PagerDuty;
/// two teams and a user.
fn catalog() -> String {
    documents(&[
        component(
            "payment-service",
            &["pagerduty.com/service-id: PPAYMNT"],
            "group:payments",
        ),
        component(
            "ledger",
            &["pagerduty.com/service-id: PLEDGER1, PLEDGER2"],
            "group:payments",
        ),
        component(
            "order-service",
            &[&format!("pagerduty.com/integration-key: {ORDER_KEY}")],
            "group:orders",
        ),
        component("no-pd", &[], "group:payments"),
        team("payments"),
        team("orders"),
        user_entity("alice", "alice@example.com", "payments"),
    ])
}

/// Who is on call for the payment service, by escalation level, first level first.
const PAYMENTS_ON_CALL: [(u32, &str); 4] = [
    (1, "Alice Adams"),
    (1, "Bob Brown"),
    (2, "Carol Chen"),
    (3, "Dave Diaz"),
];

/// PagerDuty as the tests' company runs it: five services (one not in the catalog), four
/// escalation policies, on-call entries out of order, users with contact methods, incidents of
/// every status.
fn company() -> FakePagerDuty {
    let pd = FakePagerDuty::start();
    pd.add_services(vec![
        service(
            "PPAYMNT",
            "Payment Service",
            ("PEPAY01", "Payments Escalation"),
            None,
        ),
        service(
            "PLEDGER1",
            "Ledger API",
            ("PEPAY01", "Payments Escalation"),
            None,
        ),
        service(
            "PLEDGER2",
            "Ledger Worker",
            ("PELEDG2", "Ledger Escalation"),
            None,
        ),
        service(
            "PORDERS",
            "Order Service",
            ("PEORD01", "Orders Escalation"),
            Some(ORDER_KEY),
        ),
        service(
            "POTHER1",
            "Other",
            ("PEOTH01", "Other Escalation"),
            Some("otherkey"),
        ),
    ]);
    pd.add_oncalls(vec![
        oncall(
            ("PEPAY01", "Payments Escalation"),
            2,
            ("PCAROL1", "Carol Chen"),
            Some("Payments Weekly"),
        ),
        oncall(
            ("PEPAY01", "Payments Escalation"),
            1,
            ("PBOB001", "Bob Brown"),
            Some("Payments Secondary"),
        ),
        oncall(
            ("PEPAY01", "Payments Escalation"),
            1,
            ("PALICE1", "Alice Adams"),
            Some("Payments Primary"),
        ),
        oncall(
            ("PEPAY01", "Payments Escalation"),
            1,
            ("PALICE1", "Alice Adams"),
            Some("Follow the sun"),
        ),
        oncall(
            ("PEPAY01", "Payments Escalation"),
            3,
            ("PDAVE01", "Dave Diaz"),
            None,
        ),
        oncall(
            ("PELEDG2", "Ledger Escalation"),
            1,
            ("PBOB001", "Bob Brown"),
            Some("Ledger"),
        ),
        oncall(
            ("PEORD01", "Orders Escalation"),
            1,
            ("POLGA01", "Olga Ortiz"),
            Some("Orders"),
        ),
    ]);
    pd.add_user(user(
        "PALICE1",
        "Alice Adams",
        "alice@example.com",
        &[
            ("email_contact_method", "alice@example.com", "Work"),
            ("phone_contact_method", "7700900001", "Mobile"),
        ],
    ));
    pd.add_user(user(
        "PBOB001",
        "Bob Brown",
        "bob@example.com",
        &[("sms_contact_method", "7700900002", "Mobile")],
    ));
    pd.add_user(user("PCAROL1", "Carol Chen", "carol@example.com", &[]));
    pd.add_user(user(
        "PDAVE01",
        "Dave Diaz",
        "dave@example.com",
        &[("push_notification_contact_method", "iPhone", "Dave's phone")],
    ));
    pd.add_user(user(
        "POLGA01",
        "Olga Ortiz",
        "olga@example.com",
        &[("email_contact_method", "olga@example.com", "Default")],
    ));
    pd.add_incidents(vec![
        incident(
            "PINC101",
            101,
            "Card payments failing",
            "triggered",
            "high",
            ("PPAYMNT", "Payment Service"),
            ("PEPAY01", "Payments Escalation"),
            5,
        ),
        incident(
            "PINC102",
            102,
            "Ledger lag",
            "triggered",
            "low",
            ("PLEDGER2", "Ledger Worker"),
            ("PELEDG2", "Ledger Escalation"),
            2,
        ),
        incident(
            "PINC103",
            103,
            "Orders stuck in pending",
            "acknowledged",
            "high",
            ("PORDERS", "Order Service"),
            ("PEORD01", "Orders Escalation"),
            90,
        ),
        incident(
            "PINC104",
            104,
            "Refunds return 500",
            "triggered",
            "high",
            ("PPAYMNT", "Payment Service"),
            ("PEPAY01", "Payments Escalation"),
            30,
        ),
        incident(
            "PINC105",
            105,
            "Yesterday's outage",
            "resolved",
            "high",
            ("PPAYMNT", "Payment Service"),
            ("PEPAY01", "Payments Escalation"),
            300,
        ),
        incident(
            "PINC199",
            199,
            "Not ours",
            "triggered",
            "high",
            ("POTHER1", "Other"),
            ("PEOTH01", "Other Escalation"),
            1,
        ),
    ]);
    pd.set_log_entries(
        "PINC101",
        vec![
            log_entry("L3", "acknowledge", "Acknowledged by Alice Adams", 1),
            log_entry("L1", "trigger", "Triggered through the API", 5),
            log_entry("L2", "notify", "Notified Alice Adams by SMS", 4),
        ],
    );
    pd
}

/// A catalog folder, a config and a cache folder; commands run with PagerDuty at `api`.
struct Setup {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        Setup::with_config("")
    }

    fn with_config(config: &str) -> Setup {
        let setup = Setup {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        };
        std::fs::write(setup.dir.path().join("catalog-info.yaml"), catalog()).unwrap();
        std::fs::write(setup.dir.path().join("config.toml"), config).unwrap();
        setup
    }

    fn command(&self, api: &str, env: &[(&str, &str)], args: &[&str]) -> Command {
        let mut command = binary::command(self.cache.path(), &self.dir.path().join("config.toml"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("PAGERDUTY_API_URL", api)
            .env("PAGERDUTY_TOKEN", TOKEN)
            .env("PAGERDUTY_EVENTS_URL", "http://127.0.0.1:9");
        for (name, value) in env {
            command.env(name, value);
        }
        command
    }

    /// Runs `args` with `--format json`, which must succeed: the run and the JSON it printed.
    fn json_report(&self, api: &str, args: &[&str]) -> (Run, Value) {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let run = self.run(api, &[], &all);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report = serde_json::from_str(&run.stdout).expect("JSON on stdout and nothing else");
        (run, report)
    }

    /// Runs with `--catalog` the test catalog.
    fn run(&self, api: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut all = vec!["--catalog", self.dir.path().to_str().unwrap()];
        all.extend_from_slice(args);
        let mut command = self.command(api, env, &all);
        binary::execute(&mut command)
    }
}

fn assert_no_token(run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains(TOKEN) && !text.contains("PLANTED"),
            "token printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
}

fn assert_cache_clean(cache: &Path) {
    for (path, bytes) in files_under(cache) {
        assert!(
            !contains(&bytes, TOKEN)
                && !contains(&bytes, "PLANTED")
                && !contains(&bytes, "Token token"),
            "{path} holds the token"
        );
    }
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
}

#[test]
fn incidents_of_the_whole_catalog_urgency_and_age_first_tied_to_entities_owners_and_on_call() {
    let pd = company();
    let setup = Setup::new();
    let run = setup.run(&pd.url(), &[], &["--verbose", "incidents"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(
        out.starts_with(
            "Open incidents (PagerDuty, 4 services): 4 — 3 triggered, 1 acknowledged\n"
        ),
        "{out}"
    );
    let header = out.lines().nth(1).unwrap();
    assert!(header.starts_with("URGENCY  AGE"), "{header}");
    // High urgency first, triggered before acknowledged, newest first; resolved and other
    // services' incidents left out.
    let order: Vec<usize> = ["#101", "#104", "#103", "#102"]
        .iter()
        .map(|n| position(out, n))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
    assert!(!out.contains("#105") && !out.contains("#199"), "{out}");
    let row = lines_with(out, "#101")[0];
    for expected in [
        "high",
        "5m",
        "triggered",
        "component:default/payment-service",
        "group:default/payments",
        "Payment Service",
        "Card payments failing",
    ] {
        assert!(row.contains(expected), "{expected} missing: {row}");
    }
    // The integration key's service leads to its entity and owner.
    let row = lines_with(out, "#103")[0];
    for expected in [
        "acknowledged",
        "1h 30m",
        "component:default/order-service",
        "group:default/orders",
    ] {
        assert!(row.contains(expected), "{expected} missing: {row}");
    }
    // A service of an entity with two: the entity is found through either.
    assert!(
        lines_with(out, "#102")[0].contains("component:default/ledger"),
        "{out}"
    );

    // On call for the services that are burning, by level, with contact methods.
    let on_call = &out[position(out, "On call now")..];
    let payment = &on_call[position(
        on_call,
        "Payment Service (PPAYMNT) · escalation policy Payments Escalation (PEPAY01)",
    )..];
    let levels: Vec<usize> = [
        "level 1  Alice Adams <alice@example.com>",
        "level 1  Bob Brown <bob@example.com>",
        "level 2  Carol Chen",
        "level 3  Dave Diaz",
    ]
    .iter()
    .map(|l| position(payment, l))
    .collect();
    assert!(levels.windows(2).all(|w| w[0] < w[1]), "{payment}");
    assert_eq!(
        payment.matches("Alice Adams <").count(),
        1,
        "one line per person per level:\n{payment}"
    );
    assert!(
        payment.contains("email alice@example.com (Work) · phone +44 7700900001 (Mobile)"),
        "{payment}"
    );
    assert!(
        payment.contains("(Payments Primary, until 2099-01-01 09:00 UTC)"),
        "{payment}"
    );
    assert!(
        on_call.contains("Order Service (PORDERS)")
            && on_call.contains("level 1  Olga Ortiz <olga@example.com>"),
        "{on_call}"
    );
    assert!(
        !on_call.contains("Ledger API"),
        "services without open incidents are left out of the catalog-wide view"
    );

    // What was sent: PagerDuty's headers and the token, to the configured server.
    let requests = pd.requests_to("/incidents");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Token token={TOKEN}").as_str())
    );
    assert_eq!(
        request.header("accept"),
        Some("application/vnd.pagerduty+json;version=2")
    );
    assert_eq!(
        request.query_all("statuses[]"),
        ["triggered", "acknowledged"]
    );
    assert_eq!(
        request.query_all("service_ids[]"),
        ["PLEDGER1", "PLEDGER2", "PORDERS", "PPAYMNT"]
    );
    assert_eq!(request.query("date_range").as_deref(), Some("all"));
    let oncalls = pd.requests_to("/oncalls");
    assert_eq!(oncalls.len(), 1, "one /oncalls for every policy");
    assert_eq!(
        oncalls[0].query_all("escalation_policy_ids[]"),
        ["PELEDG2", "PEORD01", "PEPAY01"]
    );
    assert_eq!(oncalls[0].query_all("include[]"), ["users"]);
    // --verbose logs each request, never the token.
    run.assert_stderr_has_all(&[&format!("GET {}/incidents?statuses", pd.url()), " 200 "]);
    assert_no_token(&run);
    assert_cache_clean(setup.cache.path());

    // JSON: the same, machine-readable, and nothing else on stdout.
    let (run, report) = setup.json_report(&pd.url(), &["incidents"]);
    let incidents = report["incidents"].as_array().unwrap();
    assert_eq!(
        incidents
            .iter()
            .map(|i| i["number"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [101, 104, 103, 102]
    );
    assert_eq!(incidents[0]["status"], "triggered");
    assert_eq!(incidents[0]["urgency"], "high");
    assert_eq!(
        incidents[0]["service"],
        json!({ "id": "PPAYMNT", "name": "Payment Service" })
    );
    assert_eq!(
        incidents[0]["entities"],
        json!(["component:default/payment-service"])
    );
    assert_eq!(incidents[0]["owners"], json!(["group:default/payments"]));
    assert_eq!(incidents[0]["assignees"], json!(["Alice Adams"]));
    assert!(incidents[0]["age_seconds"].as_u64().unwrap() >= 299);
    assert_eq!(
        incidents[2]["entities"],
        json!(["component:default/order-service"])
    );
    let key_ref = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ref"]["by"] == "integration_key")
        .unwrap();
    assert_eq!(key_ref["service_id"], "PORDERS");
    let payment = report["on_call"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"]["id"] == "PPAYMNT")
        .unwrap();
    let levels: Vec<(u32, &str)> = payment["on_call"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                u32::try_from(o["escalation_level"].as_u64().unwrap()).unwrap(),
                o["user"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(levels, PAYMENTS_ON_CALL);
    assert_eq!(
        payment["on_call"][0]["contact_methods"][1],
        json!({ "type": "phone_contact_method", "address": "7700900001", "label": "Mobile", "country_code": 44 })
    );
    assert_no_token(&run);
}

#[test]
fn one_entity_shows_its_services_incidents_and_every_on_call_chain() {
    let pd = company();
    let setup = Setup::new();
    let run = setup.run(&pd.url(), &[], &["incidents", "ledger"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("Open incidents of component:default/ledger (PagerDuty, 2 services): 1 — 1 triggered, 0 acknowledged"), "{}", run.stdout);
    // Both services' chains, even the one with nothing open.
    run.assert_stdout_has_all(&[
        "Ledger API (PLEDGER1) · escalation policy Payments Escalation (PEPAY01)",
        "Ledger Worker (PLEDGER2) · escalation policy Ledger Escalation (PELEDG2)",
    ]);
    assert_eq!(
        pd.requests_to("/incidents")[0].query_all("service_ids[]"),
        ["PLEDGER1", "PLEDGER2"]
    );

    // A group: the services of what it owns; its unannotated components say so.
    let run = setup.run(&pd.url(), &[], &["incidents", "group:payments"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("#101") && run.stdout.contains("#102") && !run.stdout.contains("#103"),
        "{}",
        run.stdout
    );
    run.assert_stdout_has("component:default/no-pd: no PagerDuty service (no pagerduty.com/service-id or pagerduty.com/integration-key annotation)");

    // An entity with neither annotation says so, and exits 1.
    let run = setup.run(&pd.url(), &[], &["incidents", "no-pd"]);
    assert_eq!(run.code, 1);
    run.assert_stderr_has("component:default/no-pd has no pagerduty.com/service-id or pagerduty.com/integration-key annotation");
    assert_eq!(run.stdout, "");

    // Nothing open.
    pd.state
        .incidents
        .lock()
        .unwrap()
        .retain(|i| i["service"]["id"] != "PORDERS");
    let run = setup.run(&pd.url(), &[], &["incidents", "order-service"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "No open incidents of component:default/order-service (PagerDuty, 1 service)"
        ),
        "{}",
        run.stdout
    );
    run.assert_stdout_has("level 1  Olga Ortiz <olga@example.com>");
}

#[test]
fn pagination_is_followed_across_pages() {
    let pd = company();
    pd.set_page_size(2);
    pd.add_incidents(
        (0..7)
            .map(|i| {
                incident(
                    &format!("PMANY{i:02}"),
                    300 + i,
                    &format!("Storm {i}"),
                    "triggered",
                    "low",
                    ("PPAYMNT", "Payment Service"),
                    ("PEPAY01", "Payments Escalation"),
                    10 + i as i64,
                )
            })
            .collect(),
    );
    let setup = Setup::new();
    let (_, report) = setup.json_report(&pd.url(), &["incidents", "payment-service"]);
    // 7 storms and the 2 open ones from before, each once.
    let numbers: Vec<u64> = report["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers.len(), 9, "{numbers:?}");
    assert_eq!(&numbers[..2], [101, 104]);
    assert_eq!(
        &numbers[2..],
        [300, 301, 302, 303, 304, 305, 306],
        "low urgency, newest first"
    );
    let offsets: Vec<String> = pd
        .requests_to("/incidents")
        .iter()
        .map(|r| r.query("offset").unwrap())
        .collect();
    assert_eq!(offsets, ["0", "2", "4", "6", "8"]);
    assert!(pd
        .requests_to("/incidents")
        .iter()
        .all(|r| r.query("limit").as_deref() == Some("100")));
    // On-calls are paged too: 5 entries on 3 pages, 4 people.
    let oncall_pages = pd.requests_to("/oncalls");
    assert_eq!(oncall_pages.len(), 3);
    assert_eq!(report["on_call"][0]["on_call"].as_array().unwrap().len(), 4);
}

#[test]
fn integration_keys_map_to_their_service_as_the_backstage_plugin_does_and_are_cached() {
    let pd = company();
    let setup = Setup::new();
    let (_, report) = setup.json_report(&pd.url(), &["incidents", "order-service"]);
    assert_eq!(report["services"][0]["service_id"], "PORDERS");
    assert_eq!(report["incidents"][0]["number"], 103);
    // The plugin's request: the key as the query, integrations included.
    let lookups = pd
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/services")
        .collect::<Vec<_>>();
    assert_eq!(lookups.len(), 1, "{lookups:?}");
    assert_eq!(lookups[0].query("query").as_deref(), Some(ORDER_KEY));
    assert_eq!(lookups[0].query_all("include[]"), ["integrations"]);
    assert_eq!(
        pd.requests_to("/incidents")[0].query_all("service_ids[]"),
        ["PORDERS"]
    );

    // Again: the mapping comes from the cache (a day), no lookup.
    let again = setup.run(
        &pd.url(),
        &[],
        &["incidents", "order-service", "--format", "json"],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        pd.requests()
            .into_iter()
            .filter(|r| r.path() == "/services")
            .count(),
        1,
        "the key's service is cached"
    );

    // A PagerDuty whose query matches names only (as documented): every service is listed and the
    // one holding the key is taken.
    let pd = company();
    pd.set_query_matches_keys(false);
    pd.set_page_size(2);
    let setup = Setup::new();
    let run = setup.run(&pd.url(), &[], &["incidents", "order-service"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("#103");
    let listed: Vec<_> = pd
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/services" && r.query("query").is_none())
        .collect();
    assert_eq!(listed.len(), 3, "5 services on pages of 2");
    assert!(listed
        .iter()
        .all(|r| r.query_all("include[]") == ["integrations"]));

    // A key no service holds: says so, names the annotation, exits 1.
    std::fs::write(
        setup.dir.path().join("catalog-info.yaml"),
        catalog().replace(ORDER_KEY, "nosuchkey"),
    )
    .unwrap();
    let run = setup.run(&pd.url(), &[], &["incidents", "order-service"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    run.assert_stderr_has("PagerDuty has no service with integration key nosuchkey (looked through 5 services): check the pagerduty.com/integration-key annotation");
    // For the whole catalog it is a warning: the rest still shows.
    let run = setup.run(&pd.url(), &[], &["incidents"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("warning: PagerDuty has no service with integration key nosuchkey");
    run.assert_stdout_has("#101");
}

fn settings(api: &str, events: &str, from: Option<&str>) -> PagerDutySettings {
    PagerDutySettings {
        api_url: api.into(),
        events_url: events.into(),
        token: Some(Secret::new(TOKEN)),
        from_email: from.map(Into::into),
    }
}

fn client(cache: Option<&Path>) -> (Arc<Client>, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log = Log::To(Arc::new(move |line| sink.lock().unwrap().push(line)));
    (
        Arc::new(Client::new(
            Options::default(),
            cache.map(greenroom::providers::cache::Cache::under),
            log,
        )),
        lines,
    )
}

#[test]
fn the_reverse_lookup_goes_from_an_incident_number_to_its_service_to_the_entity() {
    let pd = company();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog-info.yaml"), catalog()).unwrap();
    let catalog =
        greenroom::catalog::load::load_paths(&[dir.path().join("catalog-info.yaml")]).catalog;
    let (client, _) = client(None);
    let api = PagerDuty::new(&settings(&pd.url(), "http://127.0.0.1:9", None), client).unwrap();
    let rt = runtime();
    let mut map = ServiceMap::build(&catalog);
    for (text, entity) in [
        ("#103", "component:default/order-service"),
        ("PINC101", "component:default/payment-service"),
        ("102", "component:default/ledger"),
    ] {
        let reference = pagerduty::parse_incident_ref(text).unwrap();
        let found = rt
            .block_on(api.incident(&reference, CachePolicy::NoStore))
            .unwrap()
            .value;
        if let Some(key) = map.refs().iter().find_map(|r| match r {
            ServiceRef::IntegrationKey(k) => Some(k.clone()),
            _ => None,
        }) {
            let service = rt.block_on(api.service_for_key(&key)).unwrap().value;
            map.learn(&key, &service.id);
        }
        let entities: Vec<String> = map
            .entities_of_incident(&found)
            .iter()
            .map(|&id| catalog.entity(id).key())
            .collect();
        assert_eq!(entities, [entity], "{text}");
    }
    assert_eq!(
        pd.requests_to("/incidents/103")[0].method,
        "GET",
        "an incident number is asked as it is"
    );
    assert!(matches!(
        rt.block_on(api.incident(&IncidentRef::Number(999), CachePolicy::NoStore)),
        Err(ProviderError::NotFound { .. })
    ));
}

#[test]
fn who_adds_who_is_on_call_now_and_works_as_before_without_pagerduty() {
    let pd = company();
    let setup = Setup::new();
    let without = setup.run(
        "http://127.0.0.1:9",
        &[("PAGERDUTY_TOKEN", "")],
        &["who", "payment-service"],
    );
    assert_eq!(without.code, 0, "{}", without.stderr);
    assert_eq!(without.stderr, "");
    assert!(
        without
            .stdout
            .starts_with("component:default/payment-service\n  owner group:default/payments"),
        "{}",
        without.stdout
    );
    assert!(!without.stdout.contains("on call"), "{}", without.stdout);
    let json_without = setup.run(
        "http://127.0.0.1:9",
        &[("PAGERDUTY_TOKEN", "")],
        &["who", "payment-service", "--format", "json"],
    );
    assert!(serde_json::from_str::<Value>(&json_without.stdout)
        .unwrap()
        .get("on_call")
        .is_none());

    let with = setup.run(&pd.url(), &[], &["who", "payment-service"]);
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert!(
        with.stdout.starts_with(&without.stdout),
        "the owner part is unchanged:\n{}",
        with.stdout
    );
    let on_call = &with.stdout[without.stdout.len()..];
    assert!(on_call.starts_with("  on call now (PagerDuty):\n    Payment Service (PPAYMNT) · escalation policy Payments Escalation (PEPAY01)"), "{on_call}");
    let order: Vec<usize> = [
        "      level 1  Alice Adams <alice@example.com>",
        "               email alice@example.com (Work) · phone +44 7700900001 (Mobile)",
        "      level 1  Bob Brown",
        "sms +44 7700900002 (Mobile)",
        "      level 2  Carol Chen <carol@example.com>",
        "      level 3  Dave Diaz <dave@example.com>",
        "push iPhone (Dave's phone)",
    ]
    .iter()
    .map(|l| position(on_call, l))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{on_call}");
    let users = pd.requests_to("/users/");
    assert_eq!(users.len(), 4, "each on-call person's contact methods once");
    assert!(users
        .iter()
        .all(|r| r.query_all("include[]") == ["contact_methods"]));

    let json = setup.run(
        &pd.url(),
        &[],
        &["who", "payment-service", "--format", "json"],
    );
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["owners"][0]["ref"], "group:default/payments");
    let chain = &value["on_call"]["services"][0];
    assert_eq!(chain["service"]["name"], "Payment Service");
    assert_eq!(chain["on_call"][0]["user"]["email"], "alice@example.com");
    assert_eq!(
        chain["on_call"][0]["contact_methods"][0]["address"],
        "alice@example.com"
    );

    // An entity with neither annotation says so; a group shows its services' chains.
    let run = setup.run(&pd.url(), &[], &["who", "no-pd"]);
    assert_eq!(run.code, 0);
    run.assert_stdout_has(
        "  on call now: no pagerduty.com/service-id or pagerduty.com/integration-key annotation",
    );
    let run = setup.run(&pd.url(), &[], &["who", "group:orders"]);
    run.assert_stdout_has_all(&["Order Service (PORDERS)", "level 1  Olga Ortiz"]);

    // PagerDuty failing does not fail `who`: the owner shows, the trouble is a warning.
    let down = TestServer::start(|_| error(401, "Authentication required"));
    let run = setup.run(&down.url(), &[], &["who", "payment-service"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(&without.stdout), "{}", run.stdout);
    run.assert_stdout_has("  on call now: unavailable");
    run.assert_stderr_has("warning: on call: PagerDuty rejected the token (401 Unauthorized)");
    assert_no_token(&run);
}

#[test]
fn acknowledge_and_resolve_send_put_with_the_body_and_the_from_header() {
    let pd = company();
    let (client, _) = client(None);
    let api = PagerDuty::new(
        &settings(&pd.url(), "http://127.0.0.1:9", Some("alice@example.com")),
        client.clone(),
    )
    .unwrap();
    let rt = runtime();
    let acked = rt.block_on(api.acknowledge("PINC101")).unwrap();
    assert_eq!(
        (acked.id.as_str(), acked.status),
        ("PINC101", IncidentStatus::Acknowledged)
    );
    assert_eq!(pd.status_of("PINC101").as_deref(), Some("acknowledged"));
    let resolved = rt
        .block_on(api.update_incident("PINC104", IncidentAction::Resolve))
        .unwrap();
    assert_eq!(resolved.status, IncidentStatus::Resolved);
    let puts: Vec<_> = pd
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    for (put, (path, status)) in puts.iter().zip([
        ("/incidents/PINC101", "acknowledged"),
        ("/incidents/PINC104", "resolved"),
    ]) {
        assert_eq!(put.target, path);
        assert_eq!(
            put.json(),
            json!({ "incident": { "type": "incident_reference", "status": status } })
        );
        assert_eq!(put.header("from"), Some("alice@example.com"));
        assert_eq!(
            put.header("authorization"),
            Some(format!("Token token={TOKEN}").as_str())
        );
        assert_eq!(
            put.header("accept"),
            Some("application/vnd.pagerduty+json;version=2")
        );
        assert_eq!(put.header("content-type"), Some("application/json"));
    }

    // Without from_email: a clear error, and nothing is sent.
    let api = PagerDuty::new(
        &settings(&pd.url(), "http://127.0.0.1:9", None),
        client.clone(),
    )
    .unwrap();
    let before = pd.requests().len();
    let err = rt.block_on(api.resolve_incident("PINC102")).unwrap_err();
    assert!(err.is_setup());
    assert!(
        err.to_string()
            .contains("set from_email under [pagerduty] in config.toml"),
        "{err}"
    );
    assert_eq!(pd.requests().len(), before);
    let api = PagerDuty::new(
        &settings(&pd.url(), "http://127.0.0.1:9", Some("not an email")),
        client.clone(),
    )
    .unwrap();
    assert!(rt
        .block_on(api.acknowledge("PINC102"))
        .unwrap_err()
        .to_string()
        .contains("is not an email address"));
    // PagerDuty refusing (an unknown incident) is reported with the URL.
    let api = PagerDuty::new(
        &settings(&pd.url(), "http://127.0.0.1:9", Some("alice@example.com")),
        client,
    )
    .unwrap();
    let err = rt
        .block_on(api.acknowledge("PNOSUCH"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("404 Not Found")
            && err.contains("PUT http://127.0.0.1:")
            && err.contains("/incidents/PNOSUCH"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
}

#[test]
fn trigger_sends_the_routing_key_to_the_events_url_and_never_the_token() {
    let events = events_server();
    let pd = company();
    let (client, _) = client(None);
    let rt = runtime();
    let event = TriggerEvent {
        routing_key: ORDER_KEY.into(),
        summary: "Checkout is down".into(),
        source: "component:default/order-service".into(),
        severity: Severity::Critical,
    };
    let receipt = rt
        .block_on(pagerduty::trigger(&client, &events.url(), &event))
        .unwrap();
    assert_eq!(
        (receipt.status.as_str(), receipt.message.as_str()),
        ("success", "Event processed")
    );
    assert_eq!(receipt.dedup_key.as_deref(), Some("dedup-16"));
    // Through a configured PagerDuty too: still the events URL, still no token.
    let api = PagerDuty::new(
        &settings(&pd.url(), &format!("{}/v2", events.url()), None),
        client.clone(),
    )
    .unwrap();
    rt.block_on(api.trigger(&event)).unwrap();
    let sent = events.requests();
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_eq!(
            (request.method.as_str(), request.target.as_str()),
            ("POST", "/v2/enqueue"),
            "a base URL ending in /v2 is not doubled"
        );
        let body = request.json();
        assert_eq!(body["routing_key"], ORDER_KEY);
        assert_eq!(body["event_action"], "trigger");
        assert_eq!(
            body["payload"],
            json!({ "summary": "Checkout is down", "source": "component:default/order-service", "severity": "critical" })
        );
        assert_eq!(
            request.header("authorization"),
            None,
            "the events API never gets the REST token"
        );
        assert!(request.headers.iter().all(|(_, v)| !v.contains(TOKEN)));
    }
    assert!(pd.requests().is_empty(), "nothing goes to the REST API");
    // The Events API refusing: its message, with the URL.
    let bad = TriggerEvent {
        severity: Severity::Info,
        summary: "x".into(),
        ..event.clone()
    };
    let refusing = TestServer::start(|_| {
        Reply::json(
            400,
            &json!({ "status": "invalid event", "message": "Event object is invalid", "errors": ["x"] }),
        )
    });
    let err = rt
        .block_on(pagerduty::trigger(&client, &refusing.url(), &bad))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("PagerDuty Events answered 400 for POST http://127.0.0.1:")
            && err.contains("/v2/enqueue: Event object is invalid"),
        "{err}"
    );
    let err = rt
        .block_on(pagerduty::trigger(
            &client,
            &events.url(),
            &TriggerEvent {
                routing_key: " ".into(),
                ..event
            },
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no integration key"), "{err}");
}

/// Runs `incidents payment-service --verbose` against a server that always answers with `reply`.
fn failing(reply: Reply, env: &[(&str, &str)]) -> (Run, TestServer) {
    let server = TestServer::start(move |_| reply.clone());
    let setup = Setup::new();
    let run = setup.run(
        &server.url(),
        env,
        &["--verbose", "incidents", "payment-service"],
    );
    assert_no_token(&run);
    assert_cache_clean(setup.cache.path());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout when there is no data");
    (run, server)
}

#[test]
fn unauthorized_says_the_token_was_rejected_and_what_to_check() {
    let (run, server) = failing(error(401, "Authentication required"), &[]);
    run.assert_stderr_has(
        "PagerDuty rejected the token (401 Unauthorized) for GET http://127.0.0.1:",
    );
    assert!(
        run.stderr.contains("/incidents?statuses%5B%5D=triggered")
            || run.stderr.contains("/incidents?statuses[]=triggered"),
        "{}",
        run.stderr
    );
    run.assert_stderr_has("check PAGERDUTY_TOKEN");
    assert_eq!(server.requests().len(), 1, "a 401 is not retried");
}

#[test]
fn not_found_names_the_url_and_the_annotation() {
    let (run, _server) = failing(error(404, "Not Found"), &[]);
    run.assert_stderr_has_all(&[
        "PagerDuty has no such thing (404 Not Found) for GET http://127.0.0.1:",
        "check the pagerduty.com/service-id annotation",
    ]);
}

#[test]
fn too_many_requests_backs_off_then_says_so() {
    // With retry-after: the client waits and retries, then gives up with a clear message.
    let (run, server) = failing(
        error(429, "Rate Limit Exceeded").header("retry-after", "0"),
        &[],
    );
    run.assert_stderr_has_all(&[
        "PagerDuty rate limit reached for GET http://127.0.0.1:",
        "rate limited until",
    ]);
    assert_eq!(server.requests().len(), 3, "first try and two retries");
    // PagerDuty's own 429 (ratelimit-reset, no retry-after): backed off here, 0.5 s then 1 s.
    let (run, server) = failing(
        error(429, "Rate Limit Exceeded").header("ratelimit-reset", "1"),
        &[],
    );
    run.assert_stderr_has("rate limited until");
    assert_eq!(server.requests().len(), 3, "first try and two retries");
    assert!(
        run.took >= Duration::from_millis(1500),
        "backed off: {:?}",
        run.took
    );
    assert!(run.took < Duration::from_secs(10), "{:?}", run.took);
}

#[test]
fn too_many_requests_then_success() {
    // The first request gets PagerDuty's bare 429; the next is answered.
    let pd = company();
    pd.fail_next(vec![
        error(429, "Rate Limit Exceeded").header("ratelimit-reset", "1")
    ]);
    let setup = Setup::new();
    let run = setup.run(
        &pd.url(),
        &[],
        &["--verbose", "incidents", "payment-service"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has(" 429 ");
    run.assert_stdout_has("#101");
    assert_eq!(pd.requests_to("/incidents").len(), 2);
}

#[test]
fn server_errors_are_retried_then_reported() {
    let (run, server) = failing(
        error(500, "Internal Server Error"),
        &[("GREENROOM_HTTP_RETRIES", "1")],
    );
    assert_server_error_after_one_retry(
        &run,
        &server,
        "PagerDuty server error 500 for GET http://127.0.0.1:",
    );
}

#[test]
fn a_hung_server_times_out_quickly() {
    let (run, server) = failing(Reply::Hang, &[("GREENROOM_HTTP_TIMEOUT_MS", "300")]);
    assert_timed_out_once(
        &run,
        &server,
        "PagerDuty did not answer GET http://127.0.0.1:",
    );
}

#[test]
fn malformed_json_names_what_was_wrong() {
    let (run, _server) = failing(
        Reply::bytes(
            200,
            "application/json",
            br#"{"incidents":[{"id":5}],"more":false}"#.to_vec(),
        ),
        &[],
    );
    run.assert_stderr_has_all(&[
        "PagerDuty sent an unexpected answer to GET http://127.0.0.1:",
        "incidents[0].id: invalid type",
    ]);
    let (run, _server) = failing(Reply::text(200, "<html>proxy login</html>"), &[]);
    run.assert_stderr_has("not the expected JSON");
    // A server echoing the token back in what it says does not get it printed.
    let (run, _server) = failing(
        error(
            403,
            &format!("token {TOKEN} lacks the incidents.read scope"),
        ),
        &[],
    );
    run.assert_stderr_has("token *** lacks the incidents.read scope");
    let (run, _server) = failing(
        Reply::json(
            200,
            &json!({ "incidents": [{ "id": TOKEN, "incident_number": "x" }] }),
        ),
        &[],
    );
    run.assert_stderr_has("incidents[0]");
}

#[test]
fn not_configured_exits_1_and_says_what_to_set() {
    let setup = Setup::new();
    let run = setup.run(
        "http://127.0.0.1:9",
        &[("PAGERDUTY_TOKEN", "")],
        &["incidents"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("PagerDuty is not configured")
            && run.stderr.contains("set PAGERDUTY_TOKEN")
            && run.stderr.contains("[pagerduty]"),
        "{}",
        run.stderr
    );
    // The demo has PagerDuty of its own (tests/demo_api.rs).
}

#[test]
fn offline_shows_the_last_known_incidents_with_their_age() {
    let pd = company();
    let setup = Setup::new();
    let url = pd.url();
    let (first, offline) = online_then_offline(pd, &url, |api, env| {
        setup.run(api, env, &["incidents", "payment-service"])
    });
    assert_eq!(offline.code, 1, "the refresh failed");
    // The same rows (ages may have moved on by a second).
    let rows = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.find(" #").map(|at| l[at..].trim().to_string()))
            .collect()
    };
    assert_eq!(
        rows(&offline.stdout),
        rows(&first.stdout),
        "the last known incidents are printed:\n{}",
        offline.stdout
    );
    assert_eq!(rows(&first.stdout).len(), 2);
    assert!(
        !offline.stdout.contains("On call now"),
        "no on-call from stale data"
    );
    offline.assert_stderr_has_all(&[
        "cannot reach PagerDuty",
        "showing the last known incidents, fetched",
    ]);
}

#[test]
fn the_token_never_appears_in_output_logs_errors_or_cache_files() {
    let pd = company();
    let setup = Setup::with_config("[pagerduty]\nfrom_email = \"alice@example.com\"\n");
    for args in [
        &["--verbose", "incidents"][..],
        &["--verbose", "incidents", "--format", "json"],
        &["--verbose", "incidents", "order-service"],
        &["--verbose", "who", "payment-service"],
        &["--verbose", "who", "group:orders", "--format", "json"],
    ] {
        let run = setup.run(&pd.url(), &[], args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(" 200 "),
            "--verbose logs requests: {}",
            run.stderr
        );
        assert_no_token(&run);
    }
    let files = files_under(setup.cache.path());
    assert!(files.len() >= 5, "{}", files.len());
    assert_cache_clean(setup.cache.path());
    #[cfg(unix)]
    for (path, _) in &files {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600,
            "{path}"
        );
    }
    // Debug output of the settings and errors never shows it either.
    let settings = settings(&pd.url(), "http://127.0.0.1:9", None);
    assert!(!format!("{settings:?}").contains(TOKEN));
    let (client, lines) = client(None);
    let api = PagerDuty::new(&settings, client).unwrap();
    let err = runtime()
        .block_on(api.incident(&IncidentRef::Id("PNOSUCH".into()), CachePolicy::NoStore))
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(TOKEN));
    assert!(lines.lock().unwrap().iter().all(|l| !l.contains(TOKEN)));
}

// ---------------------------------------------------------------------------------------------
// The provider handle (what the TUI uses)
// ---------------------------------------------------------------------------------------------

fn handle_options(cache: &Path, api: &str, events: &str, token: bool) -> ProviderOptions {
    let pagerduty = PagerDutySettings {
        token: token.then(|| Secret::new(TOKEN)),
        ..settings(api, events, Some("alice@example.com"))
    };
    ProviderOptions {
        cache_dir: Some(cache.to_path_buf()),
        http: Options::default(),
        pagerduty,
        ..ProviderOptions::default()
    }
}

fn github_off() -> GitHubSettings {
    GitHubSettings {
        api_url: "http://127.0.0.1:9".into(),
        token: None,
        try_gh: false,
    }
}

fn refs() -> Vec<ServiceRef> {
    vec![
        ServiceRef::ServiceId("PPAYMNT".into()),
        ServiceRef::ServiceId("PLEDGER2".into()),
        ServiceRef::IntegrationKey(ORDER_KEY.into()),
    ]
}

#[test]
fn the_handle_answers_every_pagerduty_request_and_dedupes() {
    let pd = company();
    let events = events_server();
    let cache = tempfile::tempdir().unwrap();
    let handle = ProviderHandle::start_with(
        github_off(),
        handle_options(cache.path(), &pd.url(), &events.url(), true),
    );
    let incidents = |entity: &str| Request::PdIncidents {
        entity_key: entity.into(),
        refs: refs(),
    };
    // The pane and the view ask for the same thing at once: one request, two answers.
    handle.request(incidents("incidents-pane"));
    handle.request(incidents("component:default/payment-service"));
    handle.request(Request::PdOnCall {
        entity_key: "a".into(),
        escalation_policy_id: "PEPAY01".into(),
    });
    handle.request(Request::PdOnCall {
        entity_key: "b".into(),
        escalation_policy_id: "PEPAY01".into(),
    });
    let messages = collect(&handle, 4);
    assert_eq!(messages.len(), 4, "{messages:?}");
    for message in &messages {
        match message {
            ProviderMessage {
                request: Request::PdIncidents { .. },
                reply: Ok(ProviderReply::Incidents(open)),
                from_cache: false,
                ..
            } => {
                assert_eq!(
                    open.incidents
                        .iter()
                        .map(|i| i.incident_number)
                        .collect::<Vec<_>>(),
                    [101, 104, 103, 102]
                );
                let mut map = ServiceMap::default();
                open.teach(&mut map);
                assert_eq!(map.service_of_key(ORDER_KEY), Some("PORDERS"));
            }
            ProviderMessage {
                request:
                    Request::PdOnCall {
                        escalation_policy_id,
                        ..
                    },
                reply: Ok(ProviderReply::OnCall(chain)),
                ..
            } => {
                assert_eq!(escalation_policy_id, "PEPAY01");
                let levels: Vec<(u32, &str)> = chain
                    .oncalls
                    .iter()
                    .map(|o| (o.escalation_level, o.user.name.as_str()))
                    .collect();
                assert_eq!(levels, PAYMENTS_ON_CALL);
                assert_eq!(chain.first().count(), 2);
                assert_eq!(
                    chain.oncalls[0].user.email.as_deref(),
                    Some("alice@example.com")
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(pd.requests_to("/incidents").len(), 1);
    assert_eq!(pd.requests_to("/oncalls").len(), 1);

    handle.request(Request::PdServices {
        entity_key: "e".into(),
        refs: refs(),
    });
    handle.request(Request::PdUser {
        entity_key: "e".into(),
        user_id: "PALICE1".into(),
    });
    handle.request(Request::PdLogEntries {
        entity_key: "e".into(),
        incident_id: "PINC101".into(),
    });
    handle.request(Request::PdIncident {
        entity_key: "search".into(),
        incident: IncidentRef::Number(103),
    });
    handle.request(Request::PdUpdateIncident {
        entity_key: "e".into(),
        incident_id: "PINC101".into(),
        action: IncidentAction::Acknowledge,
    });
    handle.request(Request::PdTrigger {
        entity_key: "e".into(),
        event: TriggerEvent {
            routing_key: ORDER_KEY.into(),
            summary: "Checkout down".into(),
            source: "component:default/order-service".into(),
            severity: Severity::Error,
        },
    });
    let messages = collect(&handle, 6);
    assert_eq!(messages.len(), 6, "{messages:?}");
    for message in messages {
        match message {
            ProviderMessage {
                request: Request::PdServices { .. },
                reply: Ok(ProviderReply::Services(services)),
                ..
            } => {
                let names: Vec<&str> = services
                    .iter()
                    .map(|s| s.service.as_ref().unwrap().name.as_str())
                    .collect();
                assert_eq!(names, ["Payment Service", "Ledger Worker", "Order Service"]);
                assert_eq!(
                    services[2]
                        .service
                        .as_ref()
                        .unwrap()
                        .escalation_policy
                        .as_ref()
                        .unwrap()
                        .id,
                    "PEORD01"
                );
            }
            ProviderMessage {
                request: Request::PdUser { .. },
                reply: Ok(ProviderReply::User(user)),
                ..
            } => {
                assert_eq!(
                    (user.name.as_str(), user.contact_methods.len()),
                    ("Alice Adams", 2)
                );
                assert_eq!(user.contact_methods[1].display_address(), "+44 7700900001");
            }
            ProviderMessage {
                request: Request::PdLogEntries { incident_id, .. },
                reply: Ok(ProviderReply::LogEntries(entries)),
                ..
            } => {
                assert_eq!(incident_id, "PINC101");
                let kinds: Vec<String> =
                    entries.iter().map(|e| e.short_kind().to_string()).collect();
                assert_eq!(kinds, ["trigger", "notify", "acknowledge"], "oldest first");
            }
            ProviderMessage {
                request: Request::PdIncident { .. },
                reply: Ok(ProviderReply::Incident(incident)),
                ..
            } => {
                assert_eq!(incident.service.id, "PORDERS")
            }
            ProviderMessage {
                request: Request::PdUpdateIncident { action, .. },
                reply: Ok(ProviderReply::Incident(incident)),
                ..
            } => {
                assert_eq!(action, IncidentAction::Acknowledge);
                assert_eq!(incident.status, IncidentStatus::Acknowledged);
            }
            ProviderMessage {
                request: Request::PdTrigger { .. },
                reply: Ok(ProviderReply::Trigger(receipt)),
                ..
            } => {
                assert_eq!(receipt.status, "success")
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        pd.requests_to("/incidents/PINC101")
            .iter()
            .filter(|r| r.method == "PUT")
            .map(|r| r.header("from"))
            .collect::<Vec<_>>(),
        [Some("alice@example.com")]
    );
    assert_eq!(events.requests().len(), 1);
    assert_cache_clean(cache.path());
}

#[test]
fn the_handle_shows_the_last_known_state_first_and_reports_errors_as_messages() {
    let pd = company();
    let cache = tempfile::tempdir().unwrap();
    let handle = ProviderHandle::start_with(
        github_off(),
        handle_options(cache.path(), &pd.url(), "http://127.0.0.1:9", true),
    );
    let ask = Request::PdIncidents {
        entity_key: "pane".into(),
        refs: refs(),
    };
    handle.request(ask.clone());
    assert!(matches!(
        &collect(&handle, 1)[0],
        ProviderMessage {
            request: Request::PdIncidents { .. },
            reply: Ok(_),
            from_cache: false,
            ..
        }
    ));
    // Within the refresh window: from the cache, no request.
    let before = pd.requests().len();
    handle.request(ask.clone());
    assert!(matches!(
        &collect(&handle, 1)[0],
        ProviderMessage {
            request: Request::PdIncidents { .. },
            reply: Ok(_),
            from_cache: true,
            ..
        }
    ));
    assert_eq!(pd.requests().len(), before);
    drop(handle);

    // Relaunched with the server gone: the stored incidents at once, with their age, then the error.
    let url = pd.url();
    drop(pd);
    std::thread::sleep(Duration::from_millis(50));
    let options = ProviderOptions {
        refresh_window: Duration::ZERO,
        http: Options {
            retries: 0,
            ..Options::default()
        },
        ..handle_options(cache.path(), &url, "http://127.0.0.1:9", true)
    };
    let handle = ProviderHandle::start_with(github_off(), options);
    handle.request(ask.clone());
    let both = collect(&handle, 2);
    match &both[0] {
        ProviderMessage {
            request: Request::PdIncidents { .. },
            reply: Ok(ProviderReply::Incidents(open)),
            from_cache: true,
            fetched_at,
            ..
        } => {
            assert_eq!(open.incidents.len(), 4);
            assert!(fetched_at.elapsed().unwrap() < Duration::from_secs(60));
        }
        other => panic!("{other:?}"),
    }
    match &both[1] {
        ProviderMessage {
            request: Request::PdIncidents { .. },
            reply: Err(err),
            from_cache: false,
            ..
        } => assert!(err.to_string().contains("cannot reach PagerDuty"), "{err}"),
        other => panic!("{other:?}"),
    }

    // A hung server: request() returns at once; the timeout arrives as a message.
    let hung = TestServer::start(|_| Reply::Hang);
    let options = ProviderOptions {
        http: Options {
            timeout: Duration::from_millis(300),
            ..Options::default()
        },
        ..handle_options(cache.path(), &hung.url(), "http://127.0.0.1:9", true)
    };
    let handle = ProviderHandle::start_with(github_off(), options);
    let asked = Instant::now();
    handle.request(Request::PdOnCall {
        entity_key: "a".into(),
        escalation_policy_id: "PEPAY01".into(),
    });
    let _ = handle.try_recv();
    assert!(asked.elapsed() < Duration::from_millis(200));
    match &collect(&handle, 1)[0] {
        ProviderMessage {
            request: Request::PdOnCall { .. },
            reply: Err(err),
            ..
        } => assert!(err.to_string().contains("timed out"), "{err}"),
        other => panic!("{other:?}"),
    }

    // Not configured: every REST request says what to set; triggering needs no token.
    let events = events_server();
    let handle = ProviderHandle::start_with(
        github_off(),
        handle_options(cache.path(), "http://127.0.0.1:9", &events.url(), false),
    );
    handle.request(ask);
    handle.request(Request::PdTrigger {
        entity_key: "e".into(),
        event: TriggerEvent {
            routing_key: ORDER_KEY.into(),
            summary: "x".into(),
            source: "y".into(),
            severity: Severity::Warning,
        },
    });
    for message in collect(&handle, 2) {
        match message {
            ProviderMessage {
                request: Request::PdIncidents { .. },
                reply: Err(err),
                ..
            } => assert!(
                err.is_setup() && err.to_string().contains("set PAGERDUTY_TOKEN"),
                "{err}"
            ),
            ProviderMessage {
                request: Request::PdTrigger { .. },
                reply: Ok(ProviderReply::Trigger(receipt)),
                ..
            } => {
                assert_eq!(receipt.status, "success")
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The closing note's figures: the open incidents of 500 services (a tenth of them burning) cost
/// 10 requests (50 services per request); within the refresh window nothing is asked.
#[test]
fn open_incidents_of_500_services_cost_10_requests() {
    let pd = FakePagerDuty::start();
    let ids: Vec<String> = (0..500).map(|i| format!("PSVC{i:03}")).collect();
    pd.add_incidents(
        ids.iter()
            .enumerate()
            .filter(|(i, _)| i % 10 == 0)
            .map(|(i, id)| {
                incident(
                    &format!("PI{i:03}"),
                    1000 + i as u64,
                    "Burning",
                    "triggered",
                    if i % 20 == 0 { "high" } else { "low" },
                    (id, id),
                    ("PEPAY01", "Payments Escalation"),
                    i as i64,
                )
            })
            .collect(),
    );
    let cache = tempfile::tempdir().unwrap();
    let handle = ProviderHandle::start_with(
        github_off(),
        handle_options(cache.path(), &pd.url(), "http://127.0.0.1:9", true),
    );
    let refs: Vec<ServiceRef> = ids.iter().cloned().map(ServiceRef::ServiceId).collect();
    let started = Instant::now();
    handle.request(Request::PdIncidents {
        entity_key: "pane".into(),
        refs: refs.clone(),
    });
    let first = collect(&handle, 1);
    let took = started.elapsed();
    let ProviderMessage {
        request: Request::PdIncidents { .. },
        reply: Ok(ProviderReply::Incidents(open)),
        ..
    } = &first[0]
    else {
        panic!("{first:?}")
    };
    assert_eq!(open.incidents.len(), 50);
    assert_eq!(open.incidents[0].urgency, pagerduty::Urgency::High);
    let requests = pd.requests_to("/incidents");
    assert_eq!(requests.len(), 10);
    assert!(requests
        .iter()
        .all(|r| r.query_all("service_ids[]").len() == 50));
    handle.request(Request::PdIncidents {
        entity_key: "pane".into(),
        refs,
    });
    assert!(matches!(
        &collect(&handle, 1)[0],
        ProviderMessage {
            request: Request::PdIncidents { .. },
            reply: Ok(_),
            from_cache: true,
            ..
        }
    ));
    assert_eq!(
        pd.requests_to("/incidents").len(),
        10,
        "within the refresh window: no request"
    );
    println!("500 services: open incidents in {} requests, {took:?} on loopback; again within the window: 0 requests", requests.len());
}

/// A PagerDuty whose incident PINC1 starts triggered; each PUT is answered as `put` says for that
/// attempt (0, 1, ...): `(status, applied)`, where `applied` says whether the change is made even
/// when the answer is an error (an answer lost after the write landed). GETs show the incident's
/// status, or answer 500 when `reads_fail`.
fn flaky_incident(put: Vec<(u16, bool)>, reads_fail: bool) -> TestServer {
    let state = Arc::new(Mutex::new(("triggered".to_string(), 0usize)));
    TestServer::start(move |request| {
        let mut state = state.lock().unwrap();
        let incident = |status: &str| {
            json!({ "incident": { "id": "PINC1", "incident_number": 1, "title": "t", "status": status,
                "urgency": "high", "created_at": "2026-12-07T10:00:00Z", "html_url": "https://x/PINC1",
                "service": { "id": "PSVC1", "summary": "s" } } })
        };
        match request.method.as_str() {
            "PUT" => {
                let (status, applied) = put.get(state.1).copied().unwrap_or((200, true));
                state.1 += 1;
                if applied {
                    state.0 = request.json()["incident"]["status"]
                        .as_str()
                        .unwrap()
                        .into();
                }
                match status {
                    200 => Reply::json(200, &incident(&state.0)),
                    _ => Reply::json(status, &json!({ "error": { "message": "try again" } })),
                }
            }
            _ if reads_fail => Reply::json(500, &json!({ "error": { "message": "down" } })),
            _ => Reply::json(200, &incident(&state.0)),
        }
    })
}

fn quick_client() -> Arc<Client> {
    let options = Options {
        backoff: Duration::from_millis(5),
        ..Options::default()
    };
    Arc::new(Client::new(options, None, Log::Off))
}

fn methods(server: &TestServer) -> Vec<String> {
    server.requests().into_iter().map(|r| r.method).collect()
}

#[test]
fn writes_retry_on_server_errors_but_look_first_and_never_repeat_one_that_landed() {
    let rt = runtime();
    let api = |server: &TestServer| {
        PagerDuty::new(
            &settings(
                &server.url(),
                "http://127.0.0.1:9",
                Some("alice@example.com"),
            ),
            quick_client(),
        )
        .unwrap()
    };
    // Refused with a 500 and not applied: the incident is read, still triggered, so the PUT goes again.
    let server = flaky_incident(vec![(500, false)], false);
    let acked = rt.block_on(api(&server).acknowledge("PINC1")).unwrap();
    assert_eq!(acked.status, IncidentStatus::Acknowledged);
    assert_eq!(methods(&server), ["PUT", "GET", "PUT"]);

    // Applied, but the answer was a 502: the read shows it done, and it is not sent again.
    let server = flaky_incident(vec![(502, true)], false);
    let resolved = rt.block_on(api(&server).resolve_incident("PINC1")).unwrap();
    assert_eq!(resolved.status, IncidentStatus::Resolved);
    assert_eq!(
        methods(&server),
        ["PUT", "GET"],
        "never twice for a write that landed"
    );

    // A 429 was not applied: retried after its Retry-After, with no read.
    let state = Arc::new(Mutex::new(0));
    let server = TestServer::start(move |_| {
        let mut n = state.lock().unwrap();
        *n += 1;
        match *n {
            1 => Reply::json(429, &json!({ "error": { "message": "slow down" } }))
                .header("retry-after", "0"),
            _ => Reply::json(
                200,
                &json!({ "incident": { "id": "PINC1", "incident_number": 1, "title": "t",
                "status": "acknowledged", "urgency": "high", "created_at": "2026-12-07T10:00:00Z",
                "html_url": "https://x/PINC1", "service": { "id": "PSVC1", "summary": "s" } } }),
            ),
        }
    });
    rt.block_on(api(&server).acknowledge("PINC1")).unwrap();
    assert_eq!(methods(&server), ["PUT", "PUT"]);

    // When the incident cannot be read, nobody knows whether the write landed: the error is
    // reported and the write is not sent again.
    let server = flaky_incident(vec![(500, true)], true);
    let err = rt.block_on(api(&server).acknowledge("PINC1")).unwrap_err();
    assert!(err.to_string().contains("500"), "{err}");
    assert_eq!(
        methods(&server),
        ["PUT", "GET", "GET", "GET"],
        "the read is retried as reads are; the write is not sent again"
    );

    // Server errors every time: the retries run out (1 + 2 PUTs) and the error is said.
    let server = flaky_incident(vec![(503, false); 5], false);
    let err = rt.block_on(api(&server).acknowledge("PINC1")).unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(methods(&server), ["PUT", "GET", "PUT", "GET", "PUT"]);
}

#[test]
fn a_trigger_is_retried_on_server_errors_with_one_dedup_key() {
    let state = Arc::new(Mutex::new(0));
    let events = TestServer::start(move |_| {
        let mut n = state.lock().unwrap();
        *n += 1;
        match *n {
            1 => Reply::json(500, &json!({ "status": "error", "message": "internal" })),
            _ => Reply::json(
                202,
                &json!({ "status": "success", "message": "Event processed", "dedup_key": "k" }),
            ),
        }
    });
    let event = TriggerEvent {
        routing_key: ORDER_KEY.into(),
        summary: "Checkout is down".into(),
        source: "component:default/order-service".into(),
        severity: Severity::Critical,
    };
    let receipt = runtime()
        .block_on(pagerduty::trigger(&quick_client(), &events.url(), &event))
        .unwrap();
    assert_eq!(receipt.status, "success");
    let sent = events.requests();
    assert_eq!(sent.len(), 2, "retried once");
    let keys: Vec<Value> = sent.iter().map(|r| r.json()["dedup_key"].clone()).collect();
    assert!(
        keys[0]
            .as_str()
            .is_some_and(|k| k.starts_with("greenroom-")),
        "{keys:?}"
    );
    assert_eq!(
        keys[0], keys[1],
        "the same event: PagerDuty folds the two into one incident"
    );
}
