//! `--format json`: the findings model as is, with a summary and the collection errors.
//!
//! ```json
//! {"schema_version": 1, "tool": {...}, "now": "...", "summary": {"error": 1, ...},
//!  "findings": [{"rule_id": "CERT001", "level": "error", "message": "...", "resource": {...},
//!                "locations": [...], "evidence": {...}, "remediation": "...",
//!                "fingerprint": "...", "baseline_state": "new"}],
//!  "errors": [...], "waived": [{"finding": {...}, "reason": "...", "expires": "...", ...}]}
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::{Emitter, Report};
use crate::facts::model::{CollectionError, ScannerInfo};
use crate::findings::{Finding, Summary};
use crate::triage::baseline::BaselineState;

/// JSON emitter.
pub struct Json;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: &'a ScannerInfo,
    now: &'a str,
    summary: Summary,
    findings: Vec<Entry<'a>>,
    errors: &'a [CollectionError],
    /// Findings waived by `--exceptions`, with the reason (absent without exceptions).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    waived: &'a [crate::triage::exceptions::Waived],
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<BaselineState>,
}

impl Emitter for Json {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document {
            schema_version: 1,
            tool: &report.facts.scanner,
            now: &report.facts.now,
            summary: Summary::of(report.findings()),
            findings: Vec::new(),
            errors: &report.facts.facts.errors,
            waived: report.waived,
        };
        // The findings are serialized in parallel into the skeleton.
        let skeleton = serde_json::to_vec_pretty(&doc)?;
        crate::pretty_json::write_spliced(out, &skeleton, "findings", 1, report.findings, |r, ser| {
            let entry = Entry {
                finding: &r.finding,
                baseline_state: r.baseline,
            };
            entry.serialize(ser)
        })?;
        writeln!(out)
    }
}
