//! How the `ProviderHandle` works: where GitHub is, the cache, the refresh
//! window, and where PagerDuty is.

use super::http::{self, Log};
use super::pagerduty::PagerDutySettings;
use crate::config::{Config, ReadingConfig, Secret};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where GitHub is and how to authenticate.
#[derive(Clone, Debug)]
pub struct GitHubSettings {
    pub api_url: String,
    pub token: Option<Secret>,
    /// Ask `gh auth token` when no token is set (off in tests).
    pub try_gh: bool,
}

impl GitHubSettings {
    pub fn from_config(config: &Config) -> GitHubSettings {
        GitHubSettings {
            api_url: config.github_api_url(),
            token: config.github_token(),
            try_gh: true,
        }
    }
}

/// How the handle works.
#[derive(Clone)]
pub struct ProviderOptions {
    /// `None`: no disk cache (every launch starts empty).
    pub cache_dir: Option<PathBuf>,
    /// Within this long of the last answer, a request is answered from the cache without asking.
    pub refresh_window: Duration,
    pub runs_per_repo: u32,
    pub log_lines: usize,
    pub http: http::Options,
    /// Request logs. The TUI must not use `Log::Stderr` (it would write over the screen): use
    /// `Log::To` to keep them, or `Log::Off`.
    pub log: Log,
    /// Called after each message is sent, from a provider thread: wakes an event loop that sleeps.
    pub wake: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Where PagerDuty is (no token: PagerDuty requests answer `NotConfigured`).
    pub pagerduty: PagerDutySettings,
    /// Which URLs an API's definition may be fetched from.
    pub reading: ReadingConfig,
    /// Where TechDocs sites at URLs are fetched to (the cache folder, even when `cache_dir` is
    /// off: a site is files to read).
    pub docs_dir: PathBuf,
}

impl ProviderOptions {
    pub fn from_config(config: &Config) -> ProviderOptions {
        ProviderOptions {
            cache_dir: config.provider_cache_dir(),
            pagerduty: PagerDutySettings::from_config(config),
            reading: config.reading.clone(),
            docs_dir: config.cache_dir(),
            ..ProviderOptions::default()
        }
    }
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            cache_dir: None,
            refresh_window: Duration::from_secs(60),
            runs_per_repo: 20,
            log_lines: 200,
            http: http::Options::from_env(),
            log: Log::Off,
            wake: None,
            pagerduty: PagerDutySettings::default(),
            reading: ReadingConfig::default(),
            docs_dir: std::env::temp_dir().join("greenroom-cache"),
        }
    }
}
