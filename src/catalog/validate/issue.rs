//! What validation reports: an [`Issue`] (a problem with its position and severity), the
//! [`Stage`] of Backstage's processing it belongs to, and the [`Verdict`] of the entity stages.

use crate::catalog::problem::Severity;
use crate::catalog::yaml::Pos;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub pos: Pos,
    pub severity: Severity,
    pub message: String,
    /// The step of Backstage's processing that the rule belongs to.
    pub stage: Stage,
}

impl Issue {
    pub fn error(stage: Stage, pos: Pos, message: impl Into<String>) -> Self {
        Issue {
            pos,
            severity: Severity::Error,
            message: message.into(),
            stage,
        }
    }

    pub fn warning(stage: Stage, pos: Pos, message: impl Into<String>) -> Self {
        Issue {
            pos,
            severity: Severity::Warning,
            message: message.into(),
            stage,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The step of Backstage's processing where a document failed, named as the conformance runner
/// (`tests/conformance/backstage-validate.mjs`) names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Yaml,
    Envelope,
    Annotations,
    Preprocess,
    Policy,
    Kind,
    Location,
    Relations,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Yaml => "yaml",
            Stage::Envelope => "envelope",
            Stage::Annotations => "annotations",
            Stage::Preprocess => "preprocess",
            Stage::Policy => "policy",
            Stage::Kind => "kind",
            Stage::Location => "location",
            Stage::Relations => "relations",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`check_entity`] concluded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// At most one error (the first), plus warnings.
    pub issues: Vec<Issue>,
    /// Whether a builtin validator claimed the entity's kind and apiVersion. When false the
    /// entity is generic (a warning says so): it has no kind checks and declares no relations.
    pub builtin: bool,
}

impl Verdict {
    pub fn has_error(&self) -> bool {
        self.issues.iter().any(Issue::is_error)
    }
}
