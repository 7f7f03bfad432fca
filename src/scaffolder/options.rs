//! How a run runs: [`RunOptions`] (dry or real, where it writes, who the user is, the clients of
//! the external actions) and [`Registration`], where `catalog:register` registers. The step
//! runner reads them and every action gets them through its context.

use crate::config::Secret;
use crate::providers::github::GitHub;
use crate::providers::http::Client;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where `catalog:register` registers.
#[derive(Clone)]
pub enum Registration {
    Backstage {
        url: String,
        token: Option<Secret>,
        client: Arc<Client>,
    },
    /// A local catalog file a Location document is appended to.
    LocalLocation(PathBuf),
    None,
}

#[derive(Clone)]
pub struct RunOptions {
    /// No side effect at all: workspace actions run in memory, the others say what they would do.
    pub dry_run: bool,
    /// Where a real run writes the workspace (nothing is written when `None`).
    pub output_dir: Option<PathBuf>,
    /// `user.entity` and `user.ref` in expressions.
    pub user_entity: Option<Value>,
    pub user_ref: Option<String>,
    pub github: Option<GitHub>,
    pub registration: Registration,
    /// The loaded catalog, for `catalog:fetch`.
    pub catalog: Option<Arc<crate::catalog::Catalog>>,
    /// The user confirmed running without the backend-only steps.
    pub skip_backend_actions: bool,
    /// How often github:actions:dispatch checks on its run.
    pub poll_interval: Duration,
    pub dispatch_find_attempts: u32,
    pub follow_max_polls: u64,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            dry_run: true,
            output_dir: None,
            user_entity: None,
            user_ref: None,
            github: None,
            registration: Registration::None,
            catalog: None,
            skip_backend_actions: false,
            poll_interval: Duration::from_secs(5),
            // About two minutes to see the run, about two hours to follow it.
            dispatch_find_attempts: 24,
            follow_max_polls: 1440,
        }
    }
}
