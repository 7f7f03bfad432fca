//! The demo's live data: an in-process HTTP/1.1 server on 127.0.0.1 that answers the real
//! providers (GitHub, PagerDuty REST, PagerDuty Events) from JSON files bundled in the binary, so
//! `greenroom --demo` shows CI runs, incidents and on-call through the same code path as real
//! accounts.
//!
//! The rule (also in `src/demo/api/README.md`): a request for `/<service>/<path>` is answered from
//! `src/demo/api/<service>/<path>.json`; the query string is ignored; a method other than GET is
//! answered from `<path>.<method>.json` (`….put.json`); a GET with no `.json` file but a `.txt` one
//! gets that as plain text (job logs). Inside the files, `{{now}}` and `{{now-90m}}`-style
//! placeholders (`s`, `m`, `h`, `d`; `+` too) become RFC 3339 UTC times relative to the moment of
//! serving, so demo ages always look fresh. A missing file is a 404 in the API's own error shape.
//!
//! The server binds port 0 (a free port), so its URLs change each launch: providers pointed at it
//! keep no disk cache ([`crate::config::Config::provider_cache_dir`]), and real caches never see
//! demo answers.

use crate::config::Config;
use chrono::{DateTime, Duration as TimeDelta, SecondsFormat, Utc};
#[cfg(test)]
use include_dir::Dir;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// The APIs the demo answers, each under its own path prefix (`/github/...`).
pub const SERVICES: [&str; 3] = ["github", "pagerduty", "pagerduty-events"];

/// The token the providers send to the demo server: a placeholder, not a credential.
pub const DEMO_TOKEN: &str = "demo-placeholder-token";

/// Who "you" are in the demo (the inbox and `From` of acknowledgements), unless configured.
pub const DEMO_USER: &str = "user:default/sofia.romero";
pub const DEMO_EMAIL: &str = "sofia.romero@myorg.example.com";

/// A request body larger than this is refused (the providers send a few hundred bytes).
const MAX_BODY: usize = 1 << 20;
/// An idle kept-alive connection is closed after this long.
const IDLE: Duration = Duration::from_secs(30);

/// The bundled files: `src/demo/api/` inside the demo folder the binary carries (their paths
/// start with `api/`).
#[cfg(test)]
fn files() -> &'static Dir<'static> {
    super::bundled()
        .get_dir("api")
        .expect("src/demo/api is bundled with the demo")
}

/// A running demo API server; stops when dropped.
pub struct DemoApi {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DemoApi {
    /// Starts a server on a free loopback port. Returns once it accepts connections.
    pub fn start() -> std::io::Result<DemoApi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("demo-api".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = std::thread::Builder::new()
                        .name("demo-api-conn".into())
                        .spawn(move || serve_connection(stream));
                }
            })?;
        Ok(DemoApi {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of one of [`SERVICES`], e.g. `http://127.0.0.1:41234/pagerduty`.
    pub fn base_url(&self, service: &str) -> String {
        format!("http://{}/{service}", self.addr)
    }
}

impl Drop for DemoApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The accept loop wakes on a connection and sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The process's demo server, started on first use and kept until the process ends.
pub fn shared() -> Result<&'static DemoApi, String> {
    static SERVER: OnceLock<Result<DemoApi, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            DemoApi::start().map_err(|err| format!("cannot start the demo API on 127.0.0.1: {err}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Points the config's GitHub and PagerDuty at the process's demo server (over any token or URL
/// from the environment or the file), with a placeholder token, no disk cache, and the demo user
/// as "you" when no identity is configured.
pub fn point_config(config: &mut Config) -> Result<(), String> {
    let server = shared()?;
    config.demo_api = Some(format!("http://{}", server.addr()));
    if config.pagerduty.from_email.is_none() {
        config.pagerduty.from_email = Some(DEMO_EMAIL.into());
    }
    if config.identity.user.is_none() {
        config.identity.user = Some(DEMO_USER.into());
    }
    Ok(())
}

/// One parsed request: method, path (no query), body length already consumed.
struct Request {
    method: String,
    path: String,
    close: bool,
}

fn serve_connection(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut writer = write_half;
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(reason) => {
                let _ = write_response(&mut writer, &bad_request(&reason), true, false);
                return;
            }
        };
        let response = respond(&request.method, &request.path, Utc::now());
        let head_only = request.method == "HEAD";
        if write_response(&mut writer, &response, request.close, head_only).is_err()
            || request.close
        {
            return;
        }
    }
}

/// Reads one request (and its body); `None` when the client closed the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Result<Option<Request>, String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => return Ok(None),
        Ok(_) => {}
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("malformed request line {:?}", line.trim_end()));
    };
    let mut length = 0usize;
    let mut close = version == "HTTP/1.0";
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return Ok(None),
            Ok(_) => {}
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(format!("malformed header {header:?}"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length = value
                    .parse()
                    .map_err(|_| format!("bad content-length {value:?}"))?;
            }
            "connection" => close = value.eq_ignore_ascii_case("close"),
            "transfer-encoding" if !value.eq_ignore_ascii_case("identity") => {
                return Err("chunked request bodies are not supported".into());
            }
            _ => {}
        }
    }
    if length > MAX_BODY {
        return Err(format!("request body of {length} bytes is too large"));
    }
    // The body is read and dropped: answers come from files, whatever was sent.
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|err| format!("short body: {err}"))?;
    let path = target.split(['?', '#']).next().unwrap_or("").to_string();
    Ok(Some(Request {
        method: method.to_ascii_uppercase(),
        path,
        close,
    }))
}

/// An answer: status, content type, body, extra headers.
#[derive(Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

/// The answer to `method path` at `now`: the pure core of the server (no sockets).
pub fn respond(method: &str, path: &str, now: DateTime<Utc>) -> Response {
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let service = segments.next().unwrap_or("");
    let rest = segments.next().unwrap_or("").trim_end_matches('/');
    if !SERVICES.contains(&service) {
        return not_found("", path);
    }
    // No way out of the service's folder, and no names that are not plain path segments.
    if rest.is_empty()
        || rest
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\\'))
    {
        return not_found(service, path);
    }
    let method = method.to_ascii_uppercase();
    let reading = method == "GET" || method == "HEAD";
    // Paths inside the bundle start at `src/demo/`.
    let json_name = if reading {
        format!("api/{service}/{rest}.json")
    } else {
        format!("api/{service}/{rest}.{}.json", method.to_ascii_lowercase())
    };
    let (file, content_type) = match super::bundled().get_file(&json_name) {
        Some(file) => (file, "application/json; charset=utf-8"),
        None => match super::bundled().get_file(format!("api/{service}/{rest}.txt")) {
            Some(file) if reading => (file, "text/plain; charset=utf-8"),
            _ => return not_found(service, path),
        },
    };
    let text = String::from_utf8_lossy(file.contents());
    let body = match render(&text, now) {
        Ok(body) => body,
        Err(err) => {
            return error(
                service,
                500,
                &format!("the demo file {} is broken: {err}", file.path().display()),
            )
        }
    };
    let status = match (service, reading) {
        (_, true) => 200,
        // As the real APIs: the Events API queues (202), GitHub's POSTs create (201).
        ("pagerduty-events", false) => 202,
        ("github", false) if method == "POST" => 201,
        (_, false) => 200,
    };
    Response {
        status,
        content_type,
        body: body.into_bytes(),
        headers: service_headers(service, now),
    }
}

/// Headers the real service sends that the providers read (GitHub's rate limit).
fn service_headers(service: &str, now: DateTime<Utc>) -> Vec<(&'static str, String)> {
    match service {
        "github" => vec![
            ("x-ratelimit-limit", "5000".into()),
            ("x-ratelimit-remaining", "4999".into()),
            ("x-ratelimit-reset", (now.timestamp() + 3600).to_string()),
        ],
        _ => Vec::new(),
    }
}

fn not_found(service: &str, path: &str) -> Response {
    error(
        service,
        404,
        &format!("Not Found (the demo API has no answer for {path})"),
    )
}

fn bad_request(reason: &str) -> Response {
    error("", 400, reason)
}

/// An error in the service's own shape, so the providers read its message as they would the real
/// one's.
fn error(service: &str, status: u16, message: &str) -> Response {
    let body = match service {
        "github" => serde_json::json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": status.to_string(),
        }),
        "pagerduty" => serde_json::json!({
            "error": { "message": message, "code": if status == 404 { 2100 } else { 2001 } }
        }),
        "pagerduty-events" => serde_json::json!({
            "status": "invalid event",
            "message": message,
            "errors": [message],
        }),
        _ => serde_json::json!({ "message": message }),
    };
    Response {
        status,
        content_type: "application/json; charset=utf-8",
        body: body.to_string().into_bytes(),
        headers: Vec::new(),
    }
}

fn write_response(
    writer: &mut TcpStream,
    response: &Response,
    close: bool,
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: {}\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len(),
        if close { "close" } else { "keep-alive" },
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    if !head_only {
        writer.write_all(&response.body)?;
    }
    writer.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Internal Server Error",
    }
}

/// The file's text with every `{{now…}}` placeholder replaced by a time relative to `now`; an
/// unknown placeholder is an error naming it.
pub fn render(text: &str, now: DateTime<Utc>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("unclosed placeholder {:?}", &rest[start..]));
        };
        let name = &after[..end];
        let time = placeholder_time(name, now)
            .ok_or_else(|| format!("unknown placeholder {{{{{name}}}}}"))?;
        out.push_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `now`, `now-90m`, `now+2d`: units `s`, `m`, `h`, `d`.
fn placeholder_time(name: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let offset = name.trim().strip_prefix("now")?;
    if offset.is_empty() {
        return Some(now);
    }
    let (sign, amount) = match offset.as_bytes()[0] {
        b'-' => (-1, &offset[1..]),
        b'+' => (1, &offset[1..]),
        _ => return None,
    };
    let unit = amount.chars().last()?;
    let number: i64 = amount[..amount.len() - unit.len_utf8()].parse().ok()?;
    let delta = match unit {
        's' => TimeDelta::seconds(number),
        'm' => TimeDelta::minutes(number),
        'h' => TimeDelta::hours(number),
        'd' => TimeDelta::days(number),
        _ => return None,
    };
    Some(now + delta * sign)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn placeholders_become_times_relative_to_now() {
        let text = r#"{"a":"{{now}}","b":"{{now-90m}}","c":"{{now-3h}}","d":"{{now-2d}}","e":"{{now-40s}}","f":"{{now+5m}}"}"#;
        assert_eq!(
            render(text, at()).unwrap(),
            r#"{"a":"2026-03-01T12:00:00Z","b":"2026-03-01T10:30:00Z","c":"2026-03-01T09:00:00Z","d":"2026-02-27T12:00:00Z","e":"2026-03-01T11:59:20Z","f":"2026-03-01T12:05:00Z"}"#
        );
    }

    #[test]
    fn unknown_placeholders_are_errors_that_name_them() {
        assert!(render("{{now-3w}}", at())
            .unwrap_err()
            .contains("{{now-3w}}"));
        assert!(render("{{then}}", at()).unwrap_err().contains("{{then}}"));
        assert!(render("{{now", at()).unwrap_err().contains("unclosed"));
    }

    #[test]
    fn every_bundled_file_renders_and_json_files_parse() {
        let mut stack = vec![files()];
        let mut count = 0;
        while let Some(dir) = stack.pop() {
            for file in dir.files() {
                let name = file.path().display().to_string();
                if !(name.ends_with(".json") || name.ends_with(".txt")) {
                    continue; // the README
                }
                let text = std::str::from_utf8(file.contents()).expect(&name);
                let rendered = render(text, at()).unwrap_or_else(|e| panic!("{name}: {e}"));
                if name.ends_with(".json") {
                    serde_json::from_str::<serde_json::Value>(&rendered)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    count += 1;
                }
            }
            stack.extend(dir.dirs());
        }
        assert!(count > 0);
    }

    #[test]
    fn missing_files_are_404s_in_each_apis_shape() {
        let github = respond("GET", "/github/repos/nobody/nothing", at());
        assert_eq!(github.status, 404);
        let body: serde_json::Value = serde_json::from_slice(&github.body).unwrap();
        assert!(body["message"].as_str().unwrap().starts_with("Not Found"));
        let pd = respond("GET", "/pagerduty/incidents/PNOSUCH1", at());
        assert_eq!(pd.status, 404);
        let body: serde_json::Value = serde_json::from_slice(&pd.body).unwrap();
        assert_eq!(body["error"]["code"], 2100);
        assert_eq!(respond("GET", "/elsewhere/x", at()).status, 404);
    }

    #[test]
    fn paths_cannot_leave_the_service_folder() {
        for path in [
            "/github/../pagerduty/services",
            "/pagerduty/./services",
            "/pagerduty//services",
            "/pagerduty",
            "/pagerduty/",
        ] {
            assert_eq!(respond("GET", path, at()).status, 404, "{path}");
        }
    }
}
