//! Reports: one emitter per format, all fed from the same [`Report`] (findings with their baseline
//! state, the catalogue, the facts). Emitters never read sources or run Rego.
//!
//! | format | module | for |
//! |---|---|---|
//! | `text` | [`text`] | people at a terminal |
//! | `json` | [`json`] | scripts |
//! | `sarif` | [`sarif`] | GitHub code scanning, Azure DevOps |
//! | `junit` | [`junit`] | CI test tabs |
//! | `github` | [`github`] | GitHub Actions annotations |
//! | `prometheus` | [`prometheus`] | Prometheus (`serve`, node-exporter textfiles) |

pub mod aggregate;
pub mod baseline;
pub mod compliance;
pub mod exceptions;
pub mod github;
pub mod json;
pub mod junit;
pub mod prometheus;
pub mod sarif;
pub mod text;

#[cfg(test)]
mod tests;

use std::io::{self, Write};

use crate::facts::model::FactsDocument;
use crate::findings::{Finding, Location};
use crate::policy::LoadedRule;

use baseline::{AbsentResult, BaselineState};

/// The facts document SARIF on standard output points at when it needs one.
pub const DEFAULT_FACTS_FILE: &str = "aks-certscan.facts.json";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Readable report, grouped by cluster and source, worst first.
    Text,
    /// The findings model as JSON.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and Azure DevOps.
    Sarif,
    /// JUnit XML, one test case per rule and resource.
    Junit,
    /// GitHub Actions workflow commands (inline annotations).
    Github,
    /// Prometheus text exposition (a node-exporter textfile): expiry times and findings as gauges.
    Prometheus,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Prometheus,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Prometheus => "prometheus",
        }
    }

    /// What the format is for, as `--help` says it.
    pub fn help(self) -> &'static str {
        match self {
            Format::Text => "Readable report, grouped by cluster and source, worst first",
            Format::Json => "The findings model as JSON",
            Format::Sarif => "SARIF 2.1.0 for GitHub code scanning and Azure DevOps",
            Format::Junit => "JUnit XML, one test case per rule and resource",
            Format::Github => "GitHub Actions workflow commands (inline annotations)",
            Format::Prometheus => "Prometheus text format (node-exporter textfile): expiry times and findings",
        }
    }
}

/// The repository and commit a CI run scans: what SARIF consumers need to map relative paths to
/// the code and to know which version was analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The repository's URI.
    pub repository_uri: String,
    /// The commit.
    pub revision: Option<String>,
    /// The branch or ref.
    pub branch: Option<String>,
}

impl Provenance {
    /// From the variables GitHub Actions (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`,
    /// `GITHUB_REF`) or Azure Pipelines (`BUILD_REPOSITORY_URI`, `BUILD_SOURCEVERSION`,
    /// `BUILD_SOURCEBRANCH`) set, read through `get`; `None` elsewhere (a laptop's scan says
    /// nothing it does not know).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Option<Provenance> {
        let non_empty = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        if let (Some(server), Some(repo)) = (non_empty("GITHUB_SERVER_URL"), non_empty("GITHUB_REPOSITORY")) {
            return Some(Provenance {
                repository_uri: format!("{}/{repo}", server.trim_end_matches('/')),
                revision: non_empty("GITHUB_SHA"),
                branch: non_empty("GITHUB_REF"),
            });
        }
        non_empty("BUILD_REPOSITORY_URI").map(|uri| Provenance {
            repository_uri: uri,
            revision: non_empty("BUILD_SOURCEVERSION"),
            branch: non_empty("BUILD_SOURCEBRANCH"),
        })
    }
}

/// A finding with its state relative to the baseline, when one was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    /// The finding.
    pub finding: Finding,
    /// `new`, `unchanged` or `updated`; `None` without a baseline.
    pub baseline: Option<BaselineState>,
}

/// Everything an emitter may read.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Findings, worst first, each with its baseline state.
    pub findings: &'a [Reported],
    /// When a baseline was given: its results that no longer occur (SARIF `absentResults`).
    pub absent: Option<&'a [AbsentResult]>,
    /// The whole catalogue (bundled and user rules), in id order.
    pub rules: &'a [LoadedRule],
    /// The facts the findings came from.
    pub facts: &'a FactsDocument,
    /// Path of the facts document written beside the output, relative to the scan directory:
    /// the location of findings that came from no file.
    pub facts_uri: &'a str,
    /// The repository and commit scanned, when a CI system says so (SARIF
    /// `versionControlProvenance`).
    pub provenance: Option<&'a Provenance>,
    /// Findings left out by `--exceptions`, with the exception that waived each.
    pub waived: &'a [exceptions::Waived],
    /// SARIF `automationDetails.id` (the code scanning category) when the caller chooses it
    /// (`--sarif-per-cluster`); otherwise derived from the clusters scanned.
    pub automation_id: Option<&'a str>,
}

impl<'a> Report<'a> {
    /// The findings alone, worst first.
    pub fn findings(&self) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().map(|r| &r.finding)
    }

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

    /// The paths of the sources read, as the facts show them (for grouping by source).
    pub fn source_paths(&self) -> Vec<&'a str> {
        self.facts.sources.iter().map(|s| s.path.as_str()).collect()
    }

    /// The rule of a finding.
    pub fn rule_of(&self, finding: &Finding) -> Option<&LoadedRule> {
        self.rules.iter().find(|r| *r.meta.id == *finding.rule_id)
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

/// How emitters are set up (each applies to some formats only).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmitOptions {
    /// ANSI colours (`text`).
    pub color: bool,
    /// When findings are aggregated (`sarif`).
    pub aggregate: aggregate::Aggregate,
}

/// The emitter of a format. The one map from format to emitter.
pub fn emitter(format: Format, options: EmitOptions) -> Box<dyn Emitter> {
    match format {
        Format::Text => Box::new(text::Text { color: options.color }),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif {
            aggregate: options.aggregate,
        }),
        Format::Junit => Box::new(junit::Junit),
        Format::Github => Box::new(github::Github),
        Format::Prometheus => Box::new(prometheus::Prometheus::default()),
    }
}

/// Renders a report to a string (for tests and small outputs; large outputs are written
/// straight to their destination with [`emitter`]).
pub fn render(format: Format, color: bool, report: &Report<'_>) -> io::Result<String> {
    let mut buf = Vec::new();
    emitter(
        format,
        EmitOptions {
            color,
            ..Default::default()
        },
    )
    .emit(report, &mut buf)?;
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
