//! Reports: emitters only. Each command family has one format enum, and each enum is mapped to
//! its renderers here, in one place ([`emitter`], [`compliance_report`], [`catalogue()`]). Emitters
//! never read sources, run Rego or decide anything: they write what they are given.
//!
//! | family | format | module | for |
//! |---|---|---|---|
//! | `scan` ([`Format`]) | `text` | [`text`] | people at a terminal |
//! | | `json` | [`json`] | scripts |
//! | | `sarif` | [`sarif`] | GitHub code scanning, Azure DevOps |
//! | | `junit` | [`junit`] | CI test tabs |
//! | | `github` | [`github`] | GitHub Actions annotations |
//! | | `prometheus` | [`prometheus`] | Prometheus (`serve`, node-exporter textfiles) |
//! | | `html` | [`html`] | people who open a report in a browser |
//! | `compliance` ([`ComplianceFormat`]) | `markdown`, `json` | [`compliance`] | auditors |
//! | `rules` ([`CatalogueFormat`]) | `text`, `json`, `markdown` | [`catalogue`](mod@catalogue) | rule authors, `docs/rules.md` |

pub mod catalogue;
pub mod compliance;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod prometheus;
pub mod sarif;
pub mod text;

#[cfg(test)]
mod tests;

use std::io::{self, Write};

use crate::choice::Choice;
use crate::compliance::ComplianceReport;
use crate::facts::model::FactsDocument;
use crate::findings::{Finding, Location};
use crate::policy::LoadedRule;
use crate::triage::baseline::AbsentResult;
use crate::triage::exceptions::Waived;
pub use crate::triage::Reported;

/// The facts document SARIF on standard output points at when it needs one.
pub const DEFAULT_FACTS_FILE: &str = "aks-certscan.facts.json";

/// Formats of `scan` (and `serve`'s exposition): the findings of one run.
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
    /// One self-contained HTML page: cluster summaries, an expiry timeline, the findings
    /// (sortable, filterable), waivers and compliance verdicts.
    Html,
}

impl Choice for Format {
    const ALL: &'static [Format] = &[
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Prometheus,
        Format::Html,
    ];

    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Prometheus => "prometheus",
            Format::Html => "html",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Format::Text => "Readable report, grouped by cluster and source, worst first",
            Format::Json => "The findings model as JSON",
            Format::Sarif => "SARIF 2.1.0 for GitHub code scanning and Azure DevOps",
            Format::Junit => "JUnit XML, one test case per rule and resource",
            Format::Github => "GitHub Actions workflow commands (inline annotations)",
            Format::Prometheus => "Prometheus text format (node-exporter textfile): expiry times and findings",
            Format::Html => {
                "One self-contained HTML page: clusters, expiry timeline, findings table, waivers, compliance"
            }
        }
    }
}

/// Formats of `compliance`: the report of one framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplianceFormat {
    /// A Markdown report for people and auditors.
    Markdown,
    /// The report as JSON.
    Json,
}

impl Choice for ComplianceFormat {
    const ALL: &'static [ComplianceFormat] = &[ComplianceFormat::Markdown, ComplianceFormat::Json];

    fn name(self) -> &'static str {
        match self {
            ComplianceFormat::Markdown => "markdown",
            ComplianceFormat::Json => "json",
        }
    }

    fn help(self) -> &'static str {
        match self {
            ComplianceFormat::Markdown => "A Markdown report for people and auditors",
            ComplianceFormat::Json => "The report as JSON",
        }
    }
}

/// Formats of `rules`: the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueFormat {
    /// One rule a paragraph.
    Text,
    /// The metadata as JSON.
    Json,
    /// The catalogue as Markdown (`docs/rules.md`).
    Markdown,
}

impl Choice for CatalogueFormat {
    const ALL: &'static [CatalogueFormat] = &[CatalogueFormat::Text, CatalogueFormat::Json, CatalogueFormat::Markdown];

    fn name(self) -> &'static str {
        match self {
            CatalogueFormat::Text => "text",
            CatalogueFormat::Json => "json",
            CatalogueFormat::Markdown => "markdown",
        }
    }

    fn help(self) -> &'static str {
        match self {
            CatalogueFormat::Text => "One rule a paragraph",
            CatalogueFormat::Json => "The metadata as JSON",
            CatalogueFormat::Markdown => "The catalogue as Markdown (`docs/rules.md`)",
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

/// Everything an emitter may read.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Findings, worst first, each with its baseline state.
    pub findings: &'a [Reported],
    /// When a baseline was given: its results that no longer occur (SARIF `absentResults`).
    pub absent: Option<&'a [AbsentResult]>,
    /// The whole catalogue (bundled and user rules), in id order.
    pub rules: &'a [LoadedRule],
    /// The facts the findings came from. When the certificates of large sources streamed past
    /// (never all in memory), the document holds only the other sources' certificates:
    /// [`Report::certificate_count`] counts them all.
    pub facts: &'a FactsDocument,
    /// Every certificate collected, including those not in `facts`.
    pub certificate_count: usize,
    /// The certificates a metrics exposition names, when they were chosen as they streamed past;
    /// otherwise the emitter chooses them from `facts`.
    pub series: Option<&'a crate::facts::series::Series>,
    /// Path of the facts document written beside the output, relative to the scan directory:
    /// the location of findings that came from no file.
    pub facts_uri: &'a str,
    /// Whether that facts document exists (was written, or is the `--facts-out` file). When it
    /// does not, findings from no file keep their own places (`tls://host:443`,
    /// `live://aks/rg/name/show`) in the text report, and SARIF names no `factsDocument`.
    pub facts_written: bool,
    /// The repository and commit scanned, when a CI system says so (SARIF
    /// `versionControlProvenance`).
    pub provenance: Option<&'a Provenance>,
    /// Findings left out by `--exceptions`, with the exception that waived each.
    pub waived: &'a [Waived],
    /// The verdicts of every bundled compliance framework, when a format shows them (`html`).
    pub compliance: &'a [crate::compliance::ComplianceReport],
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
        if usable.is_empty() && !self.facts_written {
            finding.locations.clone()
        } else if usable.is_empty() {
            // Objects read from standard input or live keep their names, at the facts document.
            let mut objects: Vec<Location> = finding
                .locations
                .iter()
                .filter(|l| l.object.is_some())
                .map(|l| Location {
                    path: self.facts_uri.to_string(),
                    line: None,
                    object: l.object.clone(),
                })
                .collect();
            objects.dedup();
            if objects.is_empty() {
                objects.push(Location::in_file(self.facts_uri, None));
            }
            objects
        } else {
            usable
        }
    }

    /// The group a finding is shown under: `cluster rg/name`, else `source <its first place>`,
    /// else `no source` (a user rule may return a finding with no place at all).
    pub fn group_of(&self, finding: &Finding) -> String {
        match &finding.resource.cluster {
            Some(c) => format!("cluster {}", c.label()),
            None => match self.locations_of(finding).first() {
                Some(l) => format!("source {}", l.path),
                None => "no source".to_string(),
            },
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

/// `findings` most urgent first: by level, then the least time left (a certificate's
/// `remaining_days`; findings without one after those with), then in their given order. The
/// text report's "most urgent" and the HTML report's row cap both use it.
pub fn by_urgency<'r>(findings: impl IntoIterator<Item = &'r Reported>) -> Vec<&'r Reported> {
    let days = |r: &Reported| r.finding.evidence.get("remaining_days").and_then(|v| v.as_f64());
    let mut all: Vec<(usize, Option<f64>, &'r Reported)> =
        findings.into_iter().enumerate().map(|(i, r)| (i, days(r), r)).collect();
    all.sort_by(|(ai, ad, a), (bi, bd, b)| {
        b.finding
            .level
            .cmp(&a.finding.level)
            .then_with(|| match (ad, bd) {
                (Some(x), Some(y)) => x.total_cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then(ai.cmp(bi))
    });
    all.into_iter().map(|(_, _, r)| r).collect()
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
    pub aggregate: sarif::aggregate::Aggregate,
    /// The terminal width to wrap to (`text`); `None` leaves lines whole.
    pub width: Option<usize>,
    /// Every finding, however many (`text`; above [`text::GROUP_ABOVE`] it groups otherwise).
    pub verbose: bool,
}

/// The emitter of a format. The one map from format to emitter.
pub fn emitter(format: Format, options: EmitOptions) -> Box<dyn Emitter> {
    match format {
        Format::Text => Box::new(text::Text {
            color: options.color,
            width: options.width,
            verbose: options.verbose,
        }),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif {
            aggregate: options.aggregate,
        }),
        Format::Junit => Box::new(junit::Junit),
        Format::Github => Box::new(github::Github),
        Format::Prometheus => Box::new(prometheus::Prometheus::default()),
        Format::Html => Box::new(html::Html),
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

/// The compliance report in `format`.
pub fn compliance_report(format: ComplianceFormat, report: &ComplianceReport) -> io::Result<String> {
    Ok(match format {
        ComplianceFormat::Markdown => compliance::markdown(report),
        ComplianceFormat::Json => serde_json::to_string_pretty(report)? + "\n",
    })
}

/// The rule catalogue in `format`.
pub fn catalogue(format: CatalogueFormat, rules: &[LoadedRule]) -> io::Result<String> {
    Ok(match format {
        CatalogueFormat::Text => catalogue::text(rules),
        CatalogueFormat::Markdown => catalogue::markdown(rules),
        CatalogueFormat::Json => {
            let metas: Vec<_> = rules.iter().map(|r| &r.meta).collect();
            serde_json::to_string_pretty(&metas)? + "\n"
        }
    })
}
