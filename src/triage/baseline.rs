//! `--baseline OLD.sarif`: compares this scan's findings with an earlier SARIF file by
//! fingerprint (`partialFingerprints["aks-certscan/v1"]`, which does not depend on time, paths or
//! lines).
//!
//! - `new`: not in the baseline;
//! - `unchanged`: in the baseline with the same level and message;
//! - `updated`: in the baseline, but the level or message changed (days left, ...);
//! - `absent`: in the baseline, gone now. GitHub shows every SARIF result as an open alert, so
//!   absent results are not written as results; they are listed in `run.properties.absentResults`
//!   and in the text and JSON reports.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::TriageError;
use crate::findings::Finding;

/// Key of our fingerprint in SARIF `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "aks-certscan/v1";

/// A finding with its state relative to the baseline, when one was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    /// The finding.
    pub finding: Finding,
    /// `new`, `unchanged` or `updated`; `None` without a baseline.
    pub baseline: Option<BaselineState>,
}

/// A finding's state relative to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Not in the baseline.
    New,
    /// In the baseline, same level and message.
    Unchanged,
    /// In the baseline with another level or message.
    Updated,
    /// In the baseline only.
    Absent,
}

impl BaselineState {
    /// SARIF spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Updated => "updated",
            BaselineState::Absent => "absent",
        }
    }
}

/// A baseline result that no longer occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AbsentResult {
    /// Rule id.
    pub rule_id: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// Message in the baseline.
    pub message: String,
}

#[derive(Debug, Clone)]
struct Old {
    rule_id: String,
    level: String,
    message: String,
}

/// The results of a baseline SARIF file.
#[derive(Debug, Default, Clone)]
pub struct Baseline {
    results: BTreeMap<String, Old>,
}

impl Baseline {
    /// Reads a SARIF file written by this tool (results without our fingerprint are ignored),
    /// of at most `max_file_size` bytes.
    pub fn load(path: &Path, max_file_size: u64) -> Result<Self, TriageError> {
        let text = crate::safe_io::read_regular_text(path, max_file_size)
            .map_err(|e| TriageError(format!("cannot read baseline `{}`: {e}", path.display())))?;
        Self::from_text(&text, &path.display().to_string())
    }

    /// Reads the results of SARIF text that came from `shown`.
    pub fn from_text(text: &str, shown: &str) -> Result<Self, TriageError> {
        let shown = crate::sanitize::terminal(shown);
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| TriageError(format!("baseline `{shown}` is not JSON: {e}")))?;
        let runs = doc
            .get("runs")
            .and_then(|r| r.as_array())
            .ok_or_else(|| TriageError(format!("baseline `{shown}` is not SARIF: no `runs`")))?;
        let mut results = BTreeMap::new();
        for result in runs.iter().filter_map(|r| r.get("results")?.as_array()).flatten() {
            let str_at = |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).unwrap_or_default().to_string();
            let fingerprint = str_at(result.get("partialFingerprints").and_then(|p| p.get(FINGERPRINT_KEY)));
            if fingerprint.is_empty() {
                continue;
            }
            results.insert(
                fingerprint,
                Old {
                    rule_id: str_at(result.get("ruleId")),
                    level: result
                        .get("level")
                        .and_then(|l| l.as_str())
                        .unwrap_or("warning")
                        .to_string(),
                    message: str_at(result.get("message").and_then(|m| m.get("text"))),
                },
            );
        }
        Ok(Baseline { results })
    }

    /// Each finding with its state, and the baseline results that are gone.
    pub fn compare(&self, findings: Vec<Finding>) -> (Vec<Reported>, Vec<AbsentResult>) {
        let current: HashSet<String> = findings.iter().map(|f| f.fingerprint.to_string()).collect();
        let absent = self
            .results
            .iter()
            .filter(|(fp, _)| !current.contains(fp.as_str()))
            .map(|(fp, old)| AbsentResult {
                rule_id: old.rule_id.clone(),
                fingerprint: fp.clone(),
                message: old.message.clone(),
            })
            .collect();
        let reported = findings
            .into_iter()
            .map(|finding| {
                let state = match self.results.get(&finding.fingerprint.to_string()) {
                    None => BaselineState::New,
                    Some(old) if old.level == finding.level.as_str() && old.message == finding.message => {
                        BaselineState::Unchanged
                    }
                    Some(_) => BaselineState::Updated,
                };
                Reported {
                    finding,
                    baseline: Some(state),
                }
            })
            .collect();
        (reported, absent)
    }
}

/// Findings reported without a baseline.
pub fn without_baseline(findings: Vec<Finding>) -> Vec<Reported> {
    findings
        .into_iter()
        .map(|finding| Reported {
            finding,
            baseline: None,
        })
        .collect()
}
