//! Backstage for tests: a fake catalog backend on 127.0.0.1 (by-query with cursor pages, a token
//! check, switchable to hang), and the real backend from `tests/backstage-peer` run with node.

use super::http_server::{Recorded, Reply, TestServer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the fake backend does with by-query requests.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Serve,
    /// Never answers.
    Hang,
}

pub struct FakeState {
    pub entities: Vec<Value>,
    pub token: Option<String>,
    pub mode: Mode,
}

/// `GET /api/catalog/entities/by-query`: `limit` entities from the cursor's offset (cursor
/// `offset:N`, opaque to the client), `totalItems`, `pageInfo.nextCursor` while more follow.
/// A request without the expected `Authorization: Bearer TOKEN` gets Backstage's 401.
pub struct FakeBackstage {
    pub server: TestServer,
    pub state: Arc<Mutex<FakeState>>,
}

impl FakeBackstage {
    pub fn start(entities: Vec<Value>, token: Option<&str>) -> FakeBackstage {
        let state = Arc::new(Mutex::new(FakeState {
            entities,
            token: token.map(str::to_owned),
            mode: Mode::Serve,
        }));
        let shared = state.clone();
        let server = TestServer::start(move |req| answer(&shared.lock().unwrap(), req));
        FakeBackstage { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    pub fn set_entities(&self, entities: Vec<Value>) {
        self.state.lock().unwrap().entities = entities;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}

fn answer(state: &FakeState, req: &Recorded) -> Reply {
    if req.path() != "/api/catalog/entities/by-query" {
        return Reply::json(
            404,
            &json!({"error": {"name": "NotFoundError", "message": "Not found"}}),
        );
    }
    if let Some(token) = &state.token {
        if req.header("authorization") != Some(&format!("Bearer {token}")) {
            return Reply::json(
                401,
                &json!({"error": {"name": "AuthenticationError", "message": "Missing credentials"}}),
            );
        }
    }
    if state.mode == Mode::Hang {
        return Reply::Hang;
    }
    let limit: usize = req
        .query("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(20);
    let offset: usize = req
        .query("cursor")
        .and_then(|c| c.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let end = (offset + limit).min(state.entities.len());
    let items = &state.entities[offset.min(end)..end];
    let mut page_info = json!({});
    if end < state.entities.len() {
        page_info["nextCursor"] = json!(format!("offset:{end}"));
    }
    Reply::json(
        200,
        &json!({"items": items, "totalItems": state.entities.len(), "pageInfo": page_info}),
    )
}

/// `n` components owned by one group, each depending on the next, with the relations a backend
/// computes (both sides), plus the group.
pub fn entities(n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut owner_of = Vec::new();
    for i in 0..n {
        let mut relations = vec![json!({"type": "ownedBy", "targetRef": "group:default/team-a"})];
        if i + 1 < n {
            relations.push(json!({"type": "dependsOn", "targetRef": format!("component:default/svc-{}", i + 1)}));
        }
        if i > 0 {
            relations.push(json!({"type": "dependencyOf", "targetRef": format!("component:default/svc-{}", i - 1)}));
        }
        owner_of
            .push(json!({"type": "ownerOf", "targetRef": format!("component:default/svc-{i}")}));
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": format!("svc-{i}"), "namespace": "default"},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"},
            "relations": relations,
        }));
    }
    out.push(json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Group",
        "metadata": {"name": "team-a", "namespace": "default"},
        "spec": {"type": "team", "children": []},
        "relations": owner_of,
    }));
    out
}

/// The real Backstage backend of `tests/backstage-peer`, started with node on a free port of
/// 127.0.0.1; killed when dropped.
pub struct Peer {
    child: Child,
    pub url: String,
    log: PathBuf,
}

/// Why the peer cannot run here (node or its installed packages missing).
pub fn peer_missing() -> Option<String> {
    let dir = peer_dir();
    if Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        return Some("node is not installed".into());
    }
    if !dir
        .join("node_modules/@backstage/plugin-catalog-backend")
        .is_dir()
    {
        return Some(format!(
            "the peer is not installed (run: cd {} && npm ci)",
            dir.display()
        ));
    }
    None
}

/// Why the peer cannot dry-run templates here: [`peer_missing`], or an install from before the
/// Scaffolder was pinned.
pub fn scaffolder_missing() -> Option<String> {
    peer_missing().or_else(|| {
        let dir = peer_dir();
        (!dir
            .join("node_modules/@backstage/plugin-scaffolder-backend")
            .is_dir())
        .then(|| {
            format!(
                "the peer has no Scaffolder installed (run: cd {} && npm ci)",
                dir.display()
            )
        })
    })
}

/// Why the peer cannot resolve `$openapi`/`$asyncapi`: [`peer_missing`], or an install from
/// before the openapi module was pinned.
pub fn openapi_module_missing() -> Option<String> {
    peer_missing().or_else(|| {
        let dir = peer_dir();
        (!dir
            .join("node_modules/@backstage/plugin-catalog-backend-module-openapi")
            .is_dir())
        .then(|| {
            format!(
                "the peer has no openapi module installed (run: cd {} && npm ci)",
                dir.display()
            )
        })
    })
}

pub fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/backstage-peer")
}

impl Peer {
    /// Starts the backend on `catalog` (a file or glob, absolute); `log` receives its output.
    pub fn start(catalog: &Path, log: &Path) -> Peer {
        Peer::launch(catalog, log, false)
    }

    /// [`Peer::start`] with the Scaffolder plugin and its GitHub module loaded too, for
    /// `POST /api/scaffolder/v2/dry-run`.
    pub fn start_with_scaffolder(catalog: &Path, log: &Path) -> Peer {
        Peer::launch(catalog, log, true)
    }

    fn launch(catalog: &Path, log: &Path, scaffolder: bool) -> Peer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let out = std::fs::File::create(log).unwrap();
        let child = Command::new("node")
            .arg("backend.js")
            .current_dir(peer_dir())
            .env("GREENROOM_PEER_PORT", port.to_string())
            .env("GREENROOM_PEER_CATALOG", catalog)
            .env("NO_COLOR", "1")
            .env(
                "GREENROOM_PEER_SCAFFOLDER",
                if scaffolder { "1" } else { "0" },
            )
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("node starts");
        Peer {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
        }
    }

    /// Waits until the backend serves `count` entities (ingestion done), at most `limit`.
    pub fn wait_for(&mut self, count: usize, limit: Duration) -> Result<(), String> {
        self.wait_until("the backend", limit, |url| {
            let body = get(url, "/api/catalog/entities/by-query?limit=1")?;
            let total = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["totalItems"].as_u64())
                .unwrap_or(0) as usize;
            match total >= count {
                true => Ok(()),
                false => Err(format!("{total} of {count} entities")),
            }
        })
    }

    /// Waits until the Scaffolder answers (it lists its actions), at most `limit`.
    pub fn wait_for_scaffolder(&mut self, limit: Duration) -> Result<(), String> {
        self.wait_until("the scaffolder", limit, |url| {
            get(url, "/api/scaffolder/v2/actions").map(|_| ())
        })
    }

    /// Asks `ready` every 300 ms until it says yes, the backend exits, or `limit` passes; the
    /// error carries `ready`'s last answer and the backend's log tail.
    fn wait_until(
        &mut self,
        what: &str,
        limit: Duration,
        ready: impl Fn(&str) -> Result<(), String>,
    ) -> Result<(), String> {
        let started = Instant::now();
        let mut last = String::from("no answer yet");
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the backend exited ({status}): {}",
                    self.log_tail()
                ));
            }
            match ready(&self.url) {
                Ok(()) => return Ok(()),
                Err(err) => last = err,
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!(
            "{what} is not ready after {limit:?} ({last}): {}",
            self.log_tail()
        ))
    }

    /// Every entity the backend serves, whole, through by-query pages of 100.
    pub fn all_entities(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!(
                    "/api/catalog/entities/by-query?limit=100&cursor={}",
                    url_encode(c)
                ),
                None => "/api/catalog/entities/by-query?limit=100".to_string(),
            };
            let page: Value = serde_json::from_str(&get(&self.url, &path).unwrap()).unwrap();
            out.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["pageInfo"]["nextCursor"].as_str() {
                Some(next) if !page["items"].as_array().unwrap().is_empty() => {
                    cursor = Some(next.to_string())
                }
                _ => return out,
            }
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A plain HTTP/1.1 GET over a socket (independent of greenroom's client): the body of a 200.
pub fn get(base: &str, path: &str) -> Result<String, String> {
    match request(base, "GET", path, None)? {
        (200, body) => Ok(body),
        (status, _) => Err(format!("HTTP {status}")),
    }
}

/// A JSON POST over a socket: the status and the body, whatever the status.
pub fn post_json(base: &str, path: &str, body: &Value) -> Result<(u16, String), String> {
    request(base, "POST", path, Some(body.to_string()))
}

fn request(
    base: &str,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<(u16, String), String> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    // Generous: a dry-run of a large skeleton on a busy machine takes seconds.
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let content = match &body {
        Some(body) => format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ),
        None => String::new(),
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n{content}Connection: close\r\n\r\n{}",
        body.unwrap_or_default()
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no HTTP head")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {head:?}"))?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Ok((status, String::from_utf8_lossy(&dechunk(body)).into_owned()));
    }
    Ok((status, String::from_utf8_lossy(body).into_owned()))
}

/// Chunk sizes count bytes, so the body is joined as bytes (a chunk may split a character).
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        let rest = &body[line_end + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        body = rest[size..].strip_prefix(b"\r\n").unwrap_or(&rest[size..]);
    }
    out
}
