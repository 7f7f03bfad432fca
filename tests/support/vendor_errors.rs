//! What a CLI run against a vendor API that fails, hangs or is gone must show, shared by the
//! GitHub and PagerDuty tests: the same HTTP client gives both the same limits and the same
//! cache to fall back on.

use super::binary::Run;
use super::http_server::TestServer;
use std::time::Duration;

/// A hung server: the run names it (`did_not_answer`), gave up after the 0.3 s timeout the test
/// set, quickly, and did not retry.
#[track_caller]
pub fn assert_timed_out_once(run: &Run, server: &TestServer, did_not_answer: &str) {
    run.assert_stderr_has_all(&[did_not_answer, "within 0.3 s (timed out)"]);
    assert!(run.took < Duration::from_secs(5), "bounded: {:?}", run.took);
    assert_eq!(server.requests().len(), 1, "a timeout is not retried");
}

/// A server answering 500 with one retry allowed: reported as `server_error` after two requests.
#[track_caller]
pub fn assert_server_error_after_one_retry(run: &Run, server: &TestServer, server_error: &str) {
    run.assert_stderr_has(server_error);
    assert_eq!(server.requests().len(), 2, "one retry");
}

/// Runs `run` (given the API's URL and extra environment) against `server` at `url`, where it
/// succeeds; then, the server gone, again with no retries: both runs.
pub fn online_then_offline<Server>(
    server: Server,
    url: &str,
    run: impl Fn(&str, &[(&str, &str)]) -> Run,
) -> (Run, Run) {
    let first = run(url, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    drop(server);
    std::thread::sleep(Duration::from_millis(50));
    let offline = run(url, &[("GREENROOM_HTTP_RETRIES", "0")]);
    (first, offline)
}
