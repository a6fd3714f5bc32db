//! Triage: what happens to findings after the rules ran and before anything is reported.
//!
//! ```text
//!  findings ─▶ waivers (--exceptions) ─▶ rules of scope `exceptions` (SCAN002) ─▶ baseline (--baseline) ─▶ gate (--fail-on)
//! ```
//!
//! - [`exceptions`]: waivers with a reason and an end date; a waived finding leaves the gate and
//!   SARIF results, and each waiver gets a status (`active`, `expired`, `unmatched`) that the
//!   rules of scope `exceptions` judge like any other input;
//! - [`baseline`]: each finding marked `new`, `unchanged` or `updated` against an earlier SARIF
//!   file, and the results that disappeared;
//! - [`gate`]: which findings fail the run (`--fail-on`).
//!
//! Both files are read by [`Triage::load`] before any collection, so that a mistake in either is
//! reported before a slow scan.

pub mod baseline;
pub mod error;
pub mod exceptions;
pub mod gate;
pub mod glob;

use std::path::Path;

use crate::findings::Finding;
pub use baseline::Reported;
use baseline::{AbsentResult, Baseline};
pub use error::TriageError;
use exceptions::{Exception, StatusEntry, Waived};
pub use gate::{failing, FailOn};

/// The baseline and the waivers of one scan, read before collection.
#[derive(Debug, Clone, Default)]
pub struct Triage {
    /// `--baseline`.
    pub baseline: Option<Baseline>,
    /// `--exceptions`; `None` when no file was given (then no rule of scope `exceptions` runs).
    pub exceptions: Option<Vec<Exception>>,
}

/// Findings after the waivers: those kept, those waived, and where each waiver stands.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    /// Findings no waiver matched.
    pub kept: Vec<Finding>,
    /// Findings a waiver took out of the gate and of SARIF results.
    pub waived: Vec<Waived>,
    /// Every waiver with its status, the input of the rules of scope `exceptions`.
    pub statuses: Vec<StatusEntry>,
}

/// Findings after the baseline.
#[derive(Debug, Clone, Default)]
pub struct Compared {
    /// Every finding with its baseline state.
    pub reported: Vec<Reported>,
    /// With a baseline: its results that no longer occur.
    pub absent: Option<Vec<AbsentResult>>,
}

impl Triage {
    /// Reads the baseline (at most `max_document` bytes) and the exceptions file (at most `max`).
    pub fn load(
        baseline: Option<&Path>,
        exceptions: Option<&Path>,
        max: u64,
        max_document: u64,
    ) -> Result<Self, TriageError> {
        Ok(Triage {
            // A baseline is a whole SARIF log or findings document: it can be large.
            baseline: baseline.map(|p| Baseline::load(p, max_document)).transpose()?,
            exceptions: exceptions.map(|p| exceptions::load(p, max)).transpose()?,
        })
    }

    /// Applies the waivers to `findings` at `now_unix`.
    pub fn waive(&self, findings: Vec<Finding>, now_unix: i64) -> Waivers {
        match &self.exceptions {
            Some(list) => {
                let (kept, waived, statuses) = exceptions::apply(findings, list, now_unix);
                Waivers { kept, waived, statuses }
            }
            None => Waivers {
                kept: findings,
                ..Default::default()
            },
        }
    }

    /// Marks every finding against the baseline, when there is one.
    pub fn compare(&self, findings: Vec<Finding>) -> Compared {
        match &self.baseline {
            Some(b) => {
                let (reported, absent) = b.compare(findings);
                Compared {
                    reported,
                    absent: Some(absent),
                }
            }
            None => Compared {
                reported: baseline::without_baseline(findings),
                absent: None,
            },
        }
    }
}
