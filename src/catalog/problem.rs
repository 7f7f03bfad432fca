//! Problems found while loading: one per line in `FILE:LINE:COL: error|warning: MESSAGE` form.

use super::yaml::Pos;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Problem {
    /// The file (or URL) the problem is in, as the user named it.
    pub location: Arc<str>,
    pub pos: Pos,
    pub severity: Severity,
    pub message: String,
    /// The entity the problem belongs to, when it is known (its canonical key).
    pub entity: Option<String>,
}

impl Problem {
    pub fn new(
        location: &Arc<str>,
        pos: Pos,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            location: location.clone(),
            pos,
            severity,
            message: message.into(),
            entity: None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.location, self.pos.line, self.pos.col, self.severity, self.message
        )
    }
}
