//! Reports: one emitter per format, all fed from the same [`Report`] (findings, catalogue, facts).
//! Emitters never read sources or run Rego.
//!
//! | format | module | for |
//! |---|---|---|
//! | `text` | [`text`] | people at a terminal |
//! | `json` | [`json`] | scripts |
//! | `sarif` | [`sarif`] | GitHub code scanning, Azure DevOps |
//! | `junit` | [`junit`] | CI test tabs |
//! | `github` | [`github`] | GitHub Actions annotations |

pub mod baseline;
pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

#[cfg(test)]
mod tests;

use std::io::{self, Write};

use crate::cli::Format;
use crate::facts::model::FactsDocument;
use crate::findings::{Finding, Location};
use crate::policy::engine::LoadedRule;

use baseline::BaselineState;

/// Everything an emitter may read.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Findings, worst first.
    pub findings: &'a [Finding],
    /// Baseline state of each finding (same order), when a baseline was given.
    pub baseline: Option<&'a [BaselineState]>,
    /// Fingerprints of baseline results that no longer occur (SARIF `absent`).
    pub absent: &'a [baseline::AbsentResult],
    /// The whole catalogue (bundled and user rules), in id order.
    pub rules: &'a [LoadedRule],
    /// The facts the findings came from.
    pub facts: &'a FactsDocument,
    /// Path of the facts document written beside the output, relative to the scan directory:
    /// the location of findings that came from no file.
    pub facts_uri: &'a str,
}

impl Report<'_> {
    /// A finding's locations, or the facts document when it has none (GitHub rejects results
    /// without a location).
    pub fn locations_of(&self, finding: &Finding) -> Vec<Location> {
        let usable: Vec<Location> = finding.locations.iter().filter(|l| is_file(&l.path)).cloned().collect();
        if usable.is_empty() {
            vec![Location {
                path: self.facts_uri.to_string(),
                line: None,
            }]
        } else {
            usable
        }
    }

    /// The rule of a finding.
    pub fn rule_of(&self, finding: &Finding) -> Option<&LoadedRule> {
        self.rules.iter().find(|r| r.meta.id == finding.rule_id)
    }
}

/// Whether a facts path names a file: not standard input (`-`), not a live source
/// (`tls://host:443`, `live://aks/...`).
pub fn is_file(path: &str) -> bool {
    path != "-" && !path.contains("://")
}

/// Writes one format.
pub trait Emitter {
    /// Writes `report` to `out`.
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The emitter of a format; `color` applies to `text` only.
pub fn emitter(format: Format, color: bool) -> Box<dyn Emitter> {
    match format {
        Format::Text => Box::new(text::Text { color }),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Junit => Box::new(junit::Junit),
        Format::Github => Box::new(github::Github),
    }
}

/// Renders a report to a string.
pub fn render(format: Format, color: bool, report: &Report<'_>) -> io::Result<String> {
    let mut buf = Vec::new();
    emitter(format, color).emit(report, &mut buf)?;
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
