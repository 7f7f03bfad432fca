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
//! Two additions let the demo play a short story honestly: a successful request other than GET is
//! remembered (by method and last path segment, e.g. `post-dispatches`), and a GET for `F` is then
//! answered from `F.after-post-dispatches.json` instead, where `{{then…}}` placeholders count from
//! that request (a workflow run appears, then moves from queued to completed). A folder named
//! `{name}` matches any one path segment that has no folder of its own, and `{{name}}` in its
//! files becomes that segment (a repository created by a template). An empty file is a 204.
//!
//! The server binds port 0 (a free port), so its URLs change each launch: providers pointed at it
//! keep no disk cache (`Config::provider_cache_dir`), and real caches never see
//! demo answers.

use chrono::{DateTime, Duration as TimeDelta, SecondsFormat, Utc};
use include_dir::Dir;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// The APIs the demo answers, each under its own path prefix (`/github/...`).
pub const SERVICES: [&str; 4] = ["github", "pagerduty", "pagerduty-events", "backstage"];

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

/// The requests other than GET the server answered, by service and trigger name
/// (`post-dispatches`), with when the last one happened.
#[derive(Default)]
pub struct History(Mutex<HashMap<(String, String), DateTime<Utc>>>);

impl History {
    fn record(&self, service: &str, trigger: String, at: DateTime<Utc>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert((service.to_string(), trigger), at);
    }

    fn when(&self, service: &str, trigger: &str) -> Option<DateTime<Utc>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&(service.to_string(), trigger.to_string()))
            .copied()
    }
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
        let history = Arc::new(History::default());
        let thread = std::thread::Builder::new()
            .name("demo-api".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let history = history.clone();
                    let _ = std::thread::Builder::new()
                        .name("demo-api-conn".into())
                        .spawn(move || serve_connection(stream, &history));
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

/// The base URL of the process's demo server (started on first use).
pub fn url() -> Result<String, String> {
    Ok(format!("http://{}", shared()?.addr()))
}

/// One parsed request: method, path (no query), body length already consumed.
struct Request {
    method: String,
    path: String,
    close: bool,
}

fn serve_connection(stream: TcpStream, history: &History) {
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
        let response = respond_in(history, &request.method, &request.path, Utc::now());
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

/// The answer to `method path` at `now` when nothing else happened before.
pub fn respond(method: &str, path: &str, now: DateTime<Utc>) -> Response {
    respond_in(&History::default(), method, path, now)
}

/// One bundled answer found for a path: the file, the `{name}` folders' segments, and when its
/// trigger happened (for an `.after-…` variant).
struct Found {
    file: &'static include_dir::File<'static>,
    captures: Vec<(String, String)>,
    then: Option<DateTime<Utc>>,
}

/// The folder under the folders `dirs` in `dir` that holds a file whose name `wanted` accepts,
/// exact folders first, then `{name}` folders (whose segment is captured).
fn lookup(
    dir: &'static Dir<'static>,
    dirs: &[&str],
    wanted: &dyn Fn(&str) -> bool,
    captures: &mut Vec<(String, String)>,
) -> Option<&'static Dir<'static>> {
    let Some((first, rest)) = dirs.split_first() else {
        let has = dir.files().any(|f| {
            f.path()
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(wanted)
        });
        return has.then_some(dir);
    };
    let named = |d: &&'static Dir<'static>| {
        d.path()
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
    };
    let exact = dir.dirs().find(|d| named(d).as_deref() == Some(*first));
    if let Some(found) = exact.and_then(|d| lookup(d, rest, wanted, captures)) {
        return Some(found);
    }
    for sub in dir.dirs() {
        let Some(name) = named(&sub) else { continue };
        let Some(var) = name.strip_prefix('{').and_then(|n| n.strip_suffix('}')) else {
            continue;
        };
        captures.push((var.to_string(), first.to_string()));
        if let Some(found) = lookup(sub, rest, wanted, captures) {
            return Some(found);
        }
        captures.pop();
    }
    None
}

/// The answer file for `rest` in `service`: for a GET, the `.after-<trigger>` variant of the latest
/// trigger that happened, else the plain `.json` (or `.txt`) file.
fn find(history: &History, service: &str, rest: &str, method: &str) -> Option<(Found, bool)> {
    let root = super::bundled().get_dir(format!("api/{service}"))?;
    let segments: Vec<&str> = rest.split('/').collect();
    let (last, dirs) = segments.split_last()?;
    let reading = method == "GET" || method == "HEAD";
    let mut captures = Vec::new();
    let named = |dir: &'static Dir<'static>, name: &str| {
        dir.files()
            .find(|f| f.path().file_name().is_some_and(|n| n == name))
    };
    if !reading {
        let name = format!("{last}.{}.json", method.to_ascii_lowercase());
        let dir = lookup(root, dirs, &|n| n == name, &mut captures)?;
        let file = named(dir, &name)?;
        return Some((
            Found {
                file,
                captures,
                then: None,
            },
            true,
        ));
    }
    let (json, text, prefix) = (
        format!("{last}.json"),
        format!("{last}.txt"),
        format!("{last}.after-"),
    );
    let wanted = |n: &str| n == json || n == text || n.starts_with(&prefix);
    let dir = lookup(root, dirs, &wanted, &mut captures)?;
    let variant = dir
        .files()
        .filter_map(|f| {
            let name = f.path().file_name()?.to_str()?;
            let trigger = name.strip_prefix(&prefix)?.strip_suffix(".json")?;
            Some((history.when(service, trigger)?, f))
        })
        .max_by_key(|(at, _)| *at);
    if let Some((then, file)) = variant {
        return Some((
            Found {
                file,
                captures,
                then: Some(then),
            },
            true,
        ));
    }
    match named(dir, &json) {
        Some(file) => Some((
            Found {
                file,
                captures,
                then: None,
            },
            true,
        )),
        None => Some((
            Found {
                file: named(dir, &text)?,
                captures,
                then: None,
            },
            false,
        )),
    }
}

/// The answer to `method path` at `now`, after the requests in `history` (which a successful
/// request other than GET joins): the pure core of the server (no sockets).
pub fn respond_in(history: &History, method: &str, path: &str, now: DateTime<Utc>) -> Response {
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let service = segments.next().unwrap_or("");
    let rest = segments.next().unwrap_or("").trim_end_matches('/');
    if !SERVICES.contains(&service) {
        return not_found("", path);
    }
    // No way out of the service's folder, and no names that are not plain path segments.
    if rest.is_empty()
        || rest.split('/').any(|s| {
            s.is_empty() || s == "." || s == ".." || s.contains('\\') || s.contains(".after-")
        })
    {
        return not_found(service, path);
    }
    let method = method.to_ascii_uppercase();
    let reading = method == "GET" || method == "HEAD";
    let Some((found, json)) = find(history, service, rest, &method) else {
        return not_found(service, path);
    };
    let content_type = if json {
        "application/json; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let text = String::from_utf8_lossy(found.file.contents());
    let body = match render_with(&text, now, found.then, &found.captures) {
        Ok(body) => body,
        Err(err) => {
            return error(
                service,
                500,
                &format!(
                    "the demo file {} is broken: {err}",
                    found.file.path().display()
                ),
            )
        }
    };
    if !reading {
        let last = rest.rsplit('/').next().unwrap_or(rest);
        history.record(
            service,
            format!("{}-{last}", method.to_ascii_lowercase()),
            now,
        );
    }
    let status = match (service, reading) {
        // As GitHub answers a workflow dispatch: no content.
        _ if body.trim().is_empty() => 204,
        (_, true) => 200,
        // As the real APIs: the Events API queues (202), GitHub's POSTs create (201).
        ("pagerduty-events", false) => 202,
        ("github" | "backstage", false) if method == "POST" => 201,
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
        "backstage" => serde_json::json!({
            "error": { "name": if status == 404 { "NotFoundError" } else { "Error" }, "message": message },
            "response": { "statusCode": status },
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
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Internal Server Error",
    }
}

/// The file's text with every `{{now…}}` placeholder replaced by a time relative to `now`; an
/// unknown placeholder is an error naming it.
pub fn render(text: &str, now: DateTime<Utc>) -> Result<String, String> {
    render_with(text, now, None, &[])
}

/// [`render`], plus `{{then…}}` relative to `then` (the trigger of an `.after-` file),
/// `{{then: A, 3s: B, 8s: C}}` (the last value whose delay since `then` has passed), and
/// `{{name}}` for the `{name}` folders' segments.
pub fn render_with(
    text: &str,
    now: DateTime<Utc>,
    then: Option<DateTime<Utc>>,
    captures: &[(String, String)],
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("unclosed placeholder {:?}", &rest[start..]));
        };
        let name = &after[..end];
        let unknown = || format!("unknown placeholder {{{{{name}}}}}");
        if let Some((_, value)) = captures.iter().find(|(var, _)| var == name.trim()) {
            out.push_str(value);
        } else if let Some(steps) = name.trim().strip_prefix("then:") {
            let then = then.ok_or_else(|| format!("{{{{{name}}}}} outside an .after- file"))?;
            out.push_str(&phase(steps, now - then).ok_or_else(unknown)?);
        } else if let Some(offset) = name.trim().strip_prefix("then") {
            let then = then.ok_or_else(|| format!("{{{{{name}}}}} outside an .after- file"))?;
            let time = placeholder_time(&format!("now{offset}"), then).ok_or_else(unknown)?;
            out.push_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true));
        } else {
            let time = placeholder_time(name, now).ok_or_else(unknown)?;
            out.push_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `A, 3s: B, 8s: C` after `elapsed`: A before 3 s, B before 8 s, C from then on.
fn phase(steps: &str, elapsed: TimeDelta) -> Option<String> {
    let mut items = steps.split(',');
    let mut value = items.next()?.trim().to_string();
    for item in items {
        let (delay, next) = item.split_once(':')?;
        let delay = placeholder_time(&format!("now+{}", delay.trim()), DateTime::UNIX_EPOCH)?;
        if elapsed >= delay - DateTime::UNIX_EPOCH {
            value = next.trim().to_string();
        }
    }
    Some(value)
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
                // `{name}` folders' segments, and `then` for `.after-` files.
                let captures: Vec<(String, String)> = file
                    .path()
                    .components()
                    .filter_map(|c| c.as_os_str().to_str())
                    .filter_map(|c| c.strip_prefix('{').and_then(|c| c.strip_suffix('}')))
                    .map(|var| (var.to_string(), "example".to_string()))
                    .collect();
                let then = name.contains(".after-").then(at);
                let rendered = render_with(text, at(), then, &captures)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                if name.ends_with(".json") && !rendered.trim().is_empty() {
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

    fn json(response: &Response) -> serde_json::Value {
        serde_json::from_slice(&response.body).unwrap()
    }

    #[test]
    fn a_dispatch_makes_its_run_appear_and_complete_over_a_few_seconds() {
        let history = History::default();
        let workflow = "/github/repos/myorg/infra/actions/workflows/provision-database.yml";
        let run = "/github/repos/myorg/infra/actions/runs/9400000100";
        let at_ = |s: i64| at() + TimeDelta::seconds(s);
        let before = json(&respond_in(
            &history,
            "GET",
            &format!("{workflow}/runs"),
            at_(0),
        ));
        assert_eq!(respond_in(&history, "GET", run, at_(0)).status, 404);
        let dispatched = respond_in(&history, "POST", &format!("{workflow}/dispatches"), at_(0));
        assert_eq!((dispatched.status, dispatched.body.len()), (204, 0));
        let after = json(&respond_in(
            &history,
            "GET",
            &format!("{workflow}/runs"),
            at_(1),
        ));
        assert_eq!(
            after["total_count"].as_u64(),
            before["total_count"].as_u64().map(|n| n + 1)
        );
        assert_eq!(after["workflow_runs"][0]["id"], 9400000100u64);
        assert_eq!(
            after["workflow_runs"][0]["created_at"],
            "2026-03-01T12:00:00Z"
        );
        let states: Vec<(String, serde_json::Value)> = [1, 4, 9]
            .iter()
            .map(|s| {
                let body = json(&respond_in(&history, "GET", run, at_(*s)));
                (
                    body["status"].as_str().unwrap().to_string(),
                    body["conclusion"].clone(),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("queued".to_string(), serde_json::Value::Null),
                ("in_progress".to_string(), serde_json::Value::Null),
                ("completed".to_string(), serde_json::json!("success")),
            ]
        );
        // Another server's history is its own: nothing was dispatched there.
        assert_eq!(respond("GET", run, at_(9)).status, 404);
        // The variants are not answers of their own.
        let variant = format!("{workflow}/runs.after-post-dispatches");
        assert_eq!(respond_in(&history, "GET", &variant, at_(9)).status, 404);
    }

    #[test]
    fn name_folders_match_any_segment_and_fill_it_in() {
        let blob = respond("POST", "/github/repos/myorg/brand-new-api/git/blobs", at());
        assert_eq!(blob.status, 201);
        assert!(json(&blob)["url"]
            .as_str()
            .unwrap()
            .contains("/repos/myorg/brand-new-api/git/blobs/"));
        // An existing repository's own files still win, and GETs find no `{repo}` answers.
        assert_eq!(
            respond("GET", "/github/repos/myorg/brand-new-api", at()).status,
            404
        );
        assert_eq!(
            respond("GET", "/github/repos/myorg/order-service", at()).status,
            200
        );
    }
}
