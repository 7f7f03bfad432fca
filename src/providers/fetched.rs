//! [`Fetched`]: data with the time the server last confirmed it.

use std::time::{Duration, SystemTime};

/// Data with when it was last confirmed by the server, and whether it came from the cache without
/// a request (the last known data, possibly old: show its age).
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched<T> {
    pub value: T,
    pub fetched_at: SystemTime,
    pub from_cache: bool,
}

impl<T> Fetched<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fetched<U> {
        Fetched {
            value: f(self.value),
            fetched_at: self.fetched_at,
            from_cache: self.from_cache,
        }
    }

    pub fn age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.fetched_at)
            .unwrap_or_default()
    }
}
