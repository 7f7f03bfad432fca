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
pub mod definition;
pub mod delivery;
pub mod docs_site;
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
