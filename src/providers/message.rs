//! [`ProviderMessage`]: the answer to a [`Request`], which it carries, with the data it asked for
//! ([`Reply`]) or why there is none.

use super::definition::DefinitionText;
use super::docs_site::SiteFolder;
use super::fetched::Fetched;
use super::github::{CiRuns, Job, LogTail};
use super::pagerduty::{
    Incident, LogEntry, OnCallChain, OpenIncidents, ResolvedService, TriggerReceipt, User,
};
use super::request::Request;
use super::ProviderError;
use std::time::SystemTime;

/// One answer to a request, for one entity that asked (two answers when stored data is sent before
/// the fresh one).
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderMessage {
    /// The request answered, with the `entity_key` of the entity this answer is for.
    pub request: Request,
    pub reply: Result<Reply, ProviderError>,
    /// When the server last confirmed the data (now for errors, and for answers never cached).
    pub fetched_at: SystemTime,
    /// From the cache without a request: the last known data, possibly old.
    pub from_cache: bool,
}

impl ProviderMessage {
    /// The answer to `request` for the entity that asked it.
    pub fn new(request: Request, result: Result<Fetched<Reply>, ProviderError>) -> ProviderMessage {
        let (reply, fetched_at, from_cache) = match result {
            Ok(f) => (Ok(f.value), f.fetched_at, f.from_cache),
            Err(e) => (Err(e), SystemTime::now(), false),
        };
        ProviderMessage {
            request,
            reply,
            fetched_at,
            from_cache,
        }
    }

    pub fn entity_key(&self) -> &str {
        self.request.entity_key()
    }

    /// The reply as the data its request asks for (`CiRuns` for `Request::CiRuns`, …).
    pub fn result<T: FromReply>(&self) -> Result<T, ProviderError> {
        let reply = self.reply.clone()?;
        T::from_reply(reply).ok_or_else(|| ProviderError::BadResponse {
            service: if self.request.is_pagerduty() {
                "PagerDuty"
            } else {
                "GitHub"
            },
            target: String::new(),
            detail: "an answer of another kind".into(),
        })
    }
}

/// The data types that answer requests, taken back out of a [`Reply`].
pub trait FromReply: Sized {
    fn from_reply(reply: Reply) -> Option<Self>;
}

/// Declares [`Reply`] with one variant per answer type, and the conversions both ways.
macro_rules! replies {
    ($($(#[$doc:meta])* $variant:ident($data:ty),)*) => {
        /// The data a request asked for.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Reply {
            $($(#[$doc])* $variant($data),)*
        }
        $(
            impl From<$data> for Reply {
                fn from(data: $data) -> Reply {
                    Reply::$variant(data)
                }
            }
            impl FromReply for $data {
                fn from_reply(reply: Reply) -> Option<Self> {
                    match reply {
                        Reply::$variant(data) => Some(data),
                        _ => None,
                    }
                }
            }
        )*
    };
}

replies! {
    /// `Request::CiRuns`.
    Runs(CiRuns),
    /// `Request::CiJobs`.
    Jobs(Vec<Job>),
    /// `Request::CiLogTail`.
    LogTail(LogTail),
    /// `Request::CiRerunFailed`: GitHub accepted the rerun.
    Rerun(()),
    /// `Request::DefaultBranch`.
    Branch(String),
    /// `Request::PdServices`.
    Services(Vec<ResolvedService>),
    /// `Request::PdIncidents`.
    Incidents(OpenIncidents),
    /// `Request::PdOnCall`.
    OnCall(OnCallChain),
    /// `Request::PdUser`.
    User(User),
    /// `Request::PdLogEntries`.
    LogEntries(Vec<LogEntry>),
    /// `Request::PdIncident`, and `Request::PdUpdateIncident`: the incident as it is after the
    /// change.
    Incident(Incident),
    /// `Request::PdTrigger`.
    Trigger(TriggerReceipt),
    /// `Request::Definition`.
    Definition(DefinitionText),
    /// `Request::DocsSite`.
    DocsSite(SiteFolder),
}
