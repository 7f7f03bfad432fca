//! The demo's loopback API (`src/demo/api.rs`): the server as an HTTP client sees it (files,
//! placeholders, methods, 404s, keep-alive), the real PagerDuty provider reading it, and the
//! commands that use it under `--demo`: labelled DEMO, over any configured account, with no disk
//! cache left behind.

mod support;

use greenroom::config::Secret;
use greenroom::demo::api::{DemoApi, DEMO_TOKEN};
use greenroom::providers::http::{CachePolicy, Client, Log, Options};
use greenroom::providers::pagerduty::{PagerDuty, PagerDutySettings, ServiceRef};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use support::binary;
use support::provider::runtime;

/// One answer read off a kept-alive connection: status, headers (lower-case names), body.
fn read_answer(reader: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .unwrap()
        .1
        .parse()
        .unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, headers, body)
}

fn ask(stream: &mut TcpStream, method: &str, target: &str, body: &str) {
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nhost: demo\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
}

#[test]
fn the_server_answers_from_files_with_fresh_times_on_one_kept_alive_connection() {
    let server = DemoApi::start().unwrap();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());

    // The query is ignored; placeholders become times within the last days.
    ask(
        &mut stream,
        "GET",
        "/pagerduty/incidents?statuses%5B%5D=triggered&limit=100&offset=0",
        "",
    );
    let (status, headers, body) = read_answer(&mut reader);
    assert_eq!(status, 200);
    assert!(headers
        .iter()
        .any(|(n, v)| n == "content-type" && v.starts_with("application/json")));
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("{{"), "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    let incidents = json["incidents"].as_array().unwrap();
    assert!(incidents.len() >= 5);
    let now = chrono::Utc::now();
    for incident in incidents {
        let created: chrono::DateTime<chrono::Utc> =
            incident["created_at"].as_str().unwrap().parse().unwrap();
        assert!(
            created <= now && now - created < chrono::Duration::days(90),
            "{created}"
        );
    }

    // A PUT on the same connection is answered from `<path>.put.json`.
    ask(
        &mut stream,
        "PUT",
        "/pagerduty/incidents/Q2ORD5P99L1482",
        r#"{"incident":{"type":"incident_reference","status":"acknowledged"}}"#,
    );
    let (status, _, body) = read_answer(&mut reader);
    assert_eq!(status, 200);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["incident"]["status"], "acknowledged");
    assert_eq!(json["incident"]["id"], "Q2ORD5P99L1482");

    // The Events API queues (202), as the real one does.
    ask(
        &mut stream,
        "POST",
        "/pagerduty-events/v2/enqueue",
        r#"{"routing_key":"abc123","event_action":"trigger"}"#,
    );
    let (status, _, body) = read_answer(&mut reader);
    assert_eq!(status, 202);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["status"], "success");

    // Missing files: 404 in each API's error shape; a GET of a path that only has a PUT answer is
    // missing too.
    ask(&mut stream, "GET", "/pagerduty/incidents/PNOSUCH9", "");
    let (status, _, body) = read_answer(&mut reader);
    assert_eq!(status, 404);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], 2100);
    ask(
        &mut stream,
        "DELETE",
        "/pagerduty/incidents/Q2ORD5P99L1482",
        "",
    );
    assert_eq!(read_answer(&mut reader).0, 404);
    ask(
        &mut stream,
        "GET",
        "/github/repos/nobody/nothing/actions/runs",
        "",
    );
    let (status, _, body) = read_answer(&mut reader);
    assert_eq!(status, 404);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert!(json["message"].as_str().unwrap().starts_with("Not Found"));
}

#[test]
fn the_pagerduty_provider_reads_the_demo_as_it_reads_pagerduty() {
    let server = DemoApi::start().unwrap();
    let settings = PagerDutySettings {
        api_url: server.base_url("pagerduty"),
        events_url: server.base_url("pagerduty-events"),
        token: Some(Secret::new(DEMO_TOKEN)),
        from_email: Some("sofia.romero@myorg.example.com".into()),
    };
    let client = Arc::new(Client::new(Options::from_env(), None, Log::Off));
    let pd = PagerDuty::new(&settings, client).unwrap();
    let rt = runtime();

    // The reference's order-service: integration key abc123, resolved to its service.
    let order = rt
        .block_on(pd.incidents_for(
            &[ServiceRef::IntegrationKey("abc123".into())],
            CachePolicy::Revalidate,
        ))
        .unwrap()
        .value;
    assert_eq!(order.services.len(), 1);
    assert_eq!(order.services[0].1.as_ref().unwrap(), "PO4D9RS");
    assert!(!order.incidents.is_empty());
    // Only its own incidents, though the demo ignores the service filter.
    assert!(order
        .incidents
        .iter()
        .all(|i| i.service.id == "PO4D9RS" && i.status.is_open()));

    let policy = order.incidents[0].escalation_policy.clone().unwrap().id;
    let chain = rt
        .block_on(pd.oncall_chain(&policy, CachePolicy::Revalidate))
        .unwrap()
        .value;
    let levels: Vec<u32> = chain.oncalls.iter().map(|o| o.escalation_level).collect();
    assert_eq!(levels, [1, 2, 3]);
    assert!(chain
        .oncalls
        .iter()
        .all(|o| o.escalation_policy.id == policy));
    let user = rt
        .block_on(pd.user(&chain.oncalls[0].user.id, CachePolicy::Revalidate))
        .unwrap()
        .value;
    assert!(user.contact_methods.len() >= 3, "{user:?}");

    let timeline = rt
        .block_on(pd.log_entries(&order.incidents[0].id, CachePolicy::Revalidate))
        .unwrap()
        .value;
    assert!(timeline.len() >= 2);
    assert!(timeline
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));

    let acked = rt.block_on(pd.acknowledge(&order.incidents[0].id)).unwrap();
    assert_eq!(acked.id, order.incidents[0].id);
}

#[test]
fn demo_commands_use_the_demo_api_labelled_over_any_account_and_cache_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    // A real account configured: the demo must neither use it nor send its token anywhere.
    let real_token = "u+realtoken-must-not-leave";
    let run = binary::execute(
        binary::command(&cache, &config)
            .env("PAGERDUTY_TOKEN", real_token)
            .env("PAGERDUTY_API_URL", "http://127.0.0.1:9")
            .env("GITHUB_TOKEN", real_token)
            .args(["--demo", "--verbose", "incidents", "--format", "json"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("DEMO");
    assert!(!run.stderr.contains("127.0.0.1:9/"), "{}", run.stderr);
    assert!(!run.stderr.contains(real_token) && !run.stdout.contains(real_token));
    assert!(!run.stderr.contains(DEMO_TOKEN), "{}", run.stderr);
    // order-service's integration key is looked up (`GET /services?query=KEY`) but never shown.
    run.assert_stderr_has("query=***");
    assert!(!run.stderr.contains("abc123"), "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let incidents = json["incidents"].as_array().unwrap();
    assert!(incidents.len() >= 5);
    assert!(incidents.iter().any(|i| i["entities"]
        .as_array()
        .unwrap()
        .contains(&Value::from("component:default/order-service"))));

    let run =
        binary::execute(binary::command(&cache, &config).args(["--demo", "who", "order-service"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has_all(&["on call now", "level 1  Sofia Romero"]);
    // Random ports would pile up answers under new URLs: the demo keeps no HTTP cache.
    assert!(!cache.join("http").exists());
}
