//! Fault injection on 127.0.0.1: every way a vendor API can fail a client, as a server that
//! always fails that way (built on [`TestServer`], which counts the requests and the bytes it
//! sent). A redirect to another host comes with that second server, which records whether the
//! `Authorization` header followed.

use super::http_server::{Answer, Body, Reply, TestServer};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Reads the request, never answers.
    Hang,
    /// Resets the connection (TCP RST) on every request.
    Reset,
    /// A well-formed answer, one byte every 20 ms: slower than the client's timeout in total.
    Trickle,
    Status500,
    Status502,
    /// 429 with `retry-after: 0`.
    TooManyWithRetryAfter,
    /// 429 with no hint when to come back.
    TooManyWithoutRetryAfter,
    /// 200 with a body that is not the JSON asked for (cut off halfway).
    MalformedJson,
    /// 200 with a 1 GB body, streamed (never allocated by the server).
    Gigabyte,
    /// A redirect to itself, forever.
    RedirectLoop,
    /// A redirect to a second server on another port (another origin).
    RedirectToOtherHost,
}

impl Fault {
    pub const ALL: [Fault; 11] = [
        Fault::Hang,
        Fault::Reset,
        Fault::Trickle,
        Fault::Status500,
        Fault::Status502,
        Fault::TooManyWithRetryAfter,
        Fault::TooManyWithoutRetryAfter,
        Fault::MalformedJson,
        Fault::Gigabyte,
        Fault::RedirectLoop,
        Fault::RedirectToOtherHost,
    ];

    fn reply(self, other: Option<&str>) -> Reply {
        let json = |status: u16| Reply::json(status, &serde_json::json!({"message": "injected"}));
        match self {
            Fault::Hang => Reply::Hang,
            Fault::Reset => Reply::Reset,
            Fault::Trickle => Reply::Trickle(
                Answer {
                    status: 200,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: Body::Bytes(br#"{"total_count": 0, "workflow_runs": [], "incidents": [], "more": false}"#.to_vec()),
                },
                Duration::from_millis(20),
            ),
            Fault::Status500 => json(500),
            Fault::Status502 => Reply::text(502, "<html>Bad Gateway</html>"),
            Fault::TooManyWithRetryAfter => json(429).header("retry-after", "0"),
            Fault::TooManyWithoutRetryAfter => json(429),
            Fault::MalformedJson => {
                Reply::bytes(200, "application/json", br#"{"workflow_runs": [{"id": 1, "na"#.to_vec())
            }
            Fault::Gigabyte => Reply::stream(200, 1 << 30, true),
            Fault::RedirectLoop => Reply::redirect(302, "/loop"),
            Fault::RedirectToOtherHost => Reply::redirect(
                307,
                &format!("{}/moved", other.expect("the other host is started first")),
            ),
        }
    }
}

/// A server failing with one fault; for [`Fault::RedirectToOtherHost`], the host it redirects
/// to answers with `good` and records what it was sent.
pub struct FaultServer {
    pub fault: Fault,
    pub server: TestServer,
    pub other: Option<TestServer>,
}

impl FaultServer {
    pub fn start(fault: Fault, good: Reply) -> FaultServer {
        let other = (fault == Fault::RedirectToOtherHost).then(|| {
            let good = good.clone();
            TestServer::start(move |_| good.clone())
        });
        let reply = fault.reply(other.as_ref().map(|o| o.url()).as_deref());
        FaultServer {
            fault,
            server: TestServer::start(move |_| reply.clone()),
            other,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Requests that reached the faulty server.
    pub fn requests(&self) -> usize {
        self.server.requests().len()
    }
}
