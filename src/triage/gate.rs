//! The gate: which findings fail the run (`--fail-on`), counting only new ones against a
//! baseline.

use super::baseline::{BaselineState, Reported};
use crate::findings::Level;

/// The lowest level that fails the run (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Fail on errors.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Note,
    /// Never fail because of findings.
    Never,
}

impl FailOn {
    /// The lowest failing level; `None` for `never`.
    pub fn level(self) -> Option<Level> {
        match self {
            FailOn::Error => Some(Level::Error),
            FailOn::Warning => Some(Level::Warning),
            FailOn::Note => Some(Level::Note),
            FailOn::Never => None,
        }
    }
}

impl crate::choice::Choice for FailOn {
    const ALL: &'static [FailOn] = &[FailOn::Error, FailOn::Warning, FailOn::Note, FailOn::Never];

    fn name(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Note => "note",
            FailOn::Never => "never",
        }
    }

    fn help(self) -> &'static str {
        match self {
            FailOn::Error => "Fail on errors",
            FailOn::Warning => "Fail on warnings and errors",
            FailOn::Note => "Fail on any finding",
            FailOn::Never => "Never fail because of findings",
        }
    }
}

/// The gate: how many findings fail the run, those at or above `fail_on` (none when `None`), and
/// only new ones when a baseline was given.
pub fn failing(findings: &[Reported], fail_on: Option<Level>) -> usize {
    let Some(min) = fail_on else { return 0 };
    findings
        .iter()
        .filter(|r| r.finding.level >= min && r.baseline.is_none_or(|s| s == BaselineState::New))
        .count()
}
