//! Driving greenroom's providers from a test: a runtime for their async calls, and the messages a
//! provider handle sends back.

use greenroom::providers::{ProviderHandle, ProviderMessage};
use std::time::{Duration, Instant};

/// A single-threaded runtime with timers and I/O, for a provider's or the scaffolder's async calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Waits for `n` messages (at most 20 s).
pub fn collect(handle: &ProviderHandle, n: usize) -> Vec<ProviderMessage> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut messages = Vec::new();
    while messages.len() < n && Instant::now() < deadline {
        if let Some(message) = handle.recv_timeout(Duration::from_millis(50)) {
            messages.push(message);
        }
    }
    messages
}
