//! Live data: vendors' APIs read through one HTTP client ([`http`]) with a disk cache ([`cache`]),
//! one module per vendor ([`github`], [`pagerduty`]), and a [`ProviderHandle`] that runs them on a
//! tokio runtime for the TUI's synchronous event loop.
//!
//! The TUI asks with [`ProviderHandle::request`] (or [`ProviderHandle::refresh`] to skip the
//! refresh window) and drains [`ProviderHandle::try_recv`] each tick; drawing never waits on I/O.
//! For each request the handle:
//! - answers from the disk cache without a request when the stored answer is younger than the
//!   refresh window (`from_cache: true`);
//! - otherwise sends the stored answer first, if any (`from_cache: true`, `fetched_at` its age),
//!   then asks the server conditionally (`If-None-Match`; a 304 costs no GitHub rate limit) and
//!   sends the fresh answer or the error (`from_cache: false`);
//! - asks once for the same thing however often it is requested while a request is running: every
//!   entity that asked gets the answer.
//!
//! A pane keeps the last `Ok` it received for an entity and shows a later `Err` next to it (the
//! error message, and the data's age from `fetched_at`).

pub mod backstage;
pub mod cache;
pub mod cost;
pub mod delivery;
mod error;
mod fetched;
pub mod github;
mod handle;
pub mod http;
mod message;
mod options;
pub mod pagerduty;
pub mod private_file;
mod request;
mod time;

pub use error::ProviderError;
pub use fetched::Fetched;
pub use handle::ProviderHandle;
pub use message::{FromReply, ProviderMessage, Reply};
pub use options::{GitHubSettings, ProviderOptions};
pub use request::Request;

#[cfg(test)]
mod tests {
    use super::http::{self, Client, Log};
    use super::*;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    #[test]
    fn messages_say_what_to_do_and_never_hold_the_token() {
        let until = SystemTime::now() + Duration::from_secs(600);
        let target = "GET https://api.github.com/repos/o/r/actions/runs?per_page=20".to_string();
        let cases = [
            (
                github::GitHub::new(
                    "https://api.github.com",
                    None,
                    Arc::new(Client::new(http::Options::default(), None, Log::Off)),
                )
                .err()
                .unwrap(),
                "set GITHUB_TOKEN",
            ),
            (
                ProviderError::Unauthorized {
                    service: "GitHub",
                    target: target.clone(),
                    hint: "check GITHUB_TOKEN",
                },
                "401",
            ),
            (
                ProviderError::RateLimited {
                    service: "GitHub",
                    target: target.clone(),
                    until: Some(until),
                },
                "rate limited until",
            ),
            (
                ProviderError::NotFound {
                    service: "GitHub",
                    target: target.clone(),
                },
                "OWNER/REPO",
            ),
            (
                ProviderError::Timeout {
                    service: "GitHub",
                    target: target.clone(),
                    after: Duration::from_millis(300),
                },
                "within 0.3 s",
            ),
            (
                ProviderError::Server {
                    service: "GitHub",
                    target: target.clone(),
                    status: 502,
                },
                "502",
            ),
        ];
        for (err, expected) in cases {
            let text = err.to_string();
            assert!(text.contains(expected), "{text}");
        }
        assert!(ProviderError::RateLimited {
            service: "GitHub",
            target,
            until: Some(until)
        }
        .to_string()
        .contains("(in 10m)"));
    }
}
