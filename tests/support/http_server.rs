//! A small HTTP/1.1 server on 127.0.0.1 for tests of every provider (GitHub, PagerDuty, cost, …):
//! std threads, no dependencies. A handler turns each recorded request into a [`Reply`]: an answer
//! (bytes, or a stream of any length, with or without Content-Length), a hang (never answers, for
//! timeouts) or a dropped connection. Every request is recorded with its headers, so tests can
//! assert what was sent (tokens, `If-None-Match`) and count requests.
//!
//! ```ignore
//! let server = TestServer::start(|req| Reply::json(200, &serde_json::json!({"ok": true})));
//! let url = server.url(); // http://127.0.0.1:PORT
//! ... run the code under test ...
//! assert_eq!(server.requests()[0].header("authorization"), Some("Bearer t"));
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent (`/repos/o/r/actions/runs?per_page=10`).
    pub target: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self, key: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| percent_decode(v))
    }

    /// Every value of a repeated parameter (`service_ids[]=A&service_ids[]=B`), decoded; `key` as
    /// written unencoded (`service_ids[]`).
    pub fn query_all(&self, key: &str) -> Vec<String> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(k, _)| percent_decode(k) == key)
            .map(|(_, v)| percent_decode(v))
            .collect()
    }

    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// `%2F` → `/`, `+` → space.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() && u8::from_str_radix(&text[i + 1..i + 3], 16).is_ok() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A body to send.
#[derive(Clone, Debug)]
pub enum Body {
    Bytes(Vec<u8>),
    /// `len` bytes of `x`, written in 64 KB pieces until the client stops reading; with
    /// `declare_length` a Content-Length is sent, else chunked encoding.
    Stream {
        len: u64,
        declare_length: bool,
    },
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Answer {
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Answer {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// What the server does with a request.
#[derive(Clone, Debug)]
pub enum Reply {
    Send(Answer),
    /// Reads the request and never answers (until the server is dropped).
    Hang,
    /// Closes the connection without an answer.
    Close,
    /// Resets the connection (TCP RST) without an answer.
    Reset,
    /// Sends the answer one byte at a time with `delay` between bytes (a dying link).
    Trickle(Answer, Duration),
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Send(Answer {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        })
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::bytes(
            status,
            "application/json; charset=utf-8",
            value.to_string().into_bytes(),
        )
    }

    pub fn text(status: u16, text: &str) -> Reply {
        Reply::bytes(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply::Send(Answer {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: Body::Bytes(body),
        })
    }

    pub fn stream(status: u16, len: u64, declare_length: bool) -> Reply {
        Reply::Send(Answer {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: Body::Stream {
                len,
                declare_length,
            },
        })
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("location", location)
    }

    /// Adds a header to an answer (no effect on `Hang`/`Close`).
    pub fn header(self, name: &str, value: impl Into<String>) -> Reply {
        match self {
            Reply::Send(answer) => Reply::Send(answer.header(name, value)),
            other => other,
        }
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

struct State {
    handler: Box<Handler>,
    requests: Mutex<Vec<Recorded>>,
    stop: AtomicBool,
    bytes_written: AtomicU64,
}

/// A server running until dropped.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            bytes_written: AtomicU64::new(0),
        });
        let accepting = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let state = accepting.clone();
                    std::thread::spawn(move || serve(stream, &state));
                }
            }
        });
        TestServer { addr, state }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.state.requests.lock().unwrap().clear();
    }

    /// Body bytes written so far (to check a client stopped reading a huge body).
    pub fn bytes_written(&self) -> u64 {
        self.state.bytes_written.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, state: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    // Head and body go out in separate writes; without this, Nagle's algorithm and the client's
    // delayed ACK add 40 ms to each answer.
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    // Keep-alive: several requests per connection, as clients with pools send them.
    while let Some(request) = read_request(&mut reader) {
        state.requests.lock().unwrap().push(request.clone());
        match (state.handler)(&request) {
            Reply::Close => return,
            Reply::Reset => {
                reset(&writer);
                return;
            }
            Reply::Trickle(answer, delay) => {
                let mut whole = Vec::new();
                let _ = write_answer(&mut whole, &answer, &request.method, state);
                for byte in whole {
                    if state.stop.load(Ordering::SeqCst)
                        || writer.write_all(&[byte]).is_err()
                        || writer.flush().is_err()
                    {
                        return;
                    }
                    std::thread::sleep(delay);
                }
            }
            Reply::Hang => {
                while !state.stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
            Reply::Send(answer) => {
                if write_answer(&mut writer, &answer, &request.method, state).is_err()
                    || matches!(answer.body, Body::Stream { .. })
                {
                    return;
                }
            }
        }
    }
}

/// Closing with a zero linger time sends RST instead of FIN.
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt reads `linger` for its size on a socket this thread owns.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn write_answer(
    out: &mut impl Write,
    answer: &Answer,
    method: &str,
    state: &State,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let no_body = answer.status == 304 || answer.status == 204 || method == "HEAD";
    match &answer.body {
        Body::Bytes(bytes) => {
            if !no_body {
                head.push_str(&format!("content-length: {}\r\n", bytes.len()));
            }
            head.push_str("\r\n");
            out.write_all(head.as_bytes())?;
            if !no_body {
                out.write_all(bytes)?;
                state
                    .bytes_written
                    .fetch_add(bytes.len() as u64, Ordering::SeqCst);
            }
        }
        Body::Stream {
            len,
            declare_length,
        } => {
            if *declare_length {
                head.push_str(&format!("content-length: {len}\r\n"));
            } else {
                head.push_str("transfer-encoding: chunked\r\n");
            }
            head.push_str("connection: close\r\n\r\n");
            out.write_all(head.as_bytes())?;
            let piece = vec![b'x'; 64 * 1024];
            let mut left = *len;
            while left > 0 {
                let n = left.min(piece.len() as u64) as usize;
                if *declare_length {
                    out.write_all(&piece[..n])?;
                } else {
                    out.write_all(format!("{n:x}\r\n").as_bytes())?;
                    out.write_all(&piece[..n])?;
                    out.write_all(b"\r\n")?;
                }
                state.bytes_written.fetch_add(n as u64, Ordering::SeqCst);
                left -= n as u64;
            }
            if !*declare_length {
                out.write_all(b"0\r\n\r\n")?;
            }
        }
    }
    out.flush()
}
