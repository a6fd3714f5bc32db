//! Typed options: what each command runs with, checked and free of clap types. Commands see only
//! these.

use std::path::PathBuf;

use crate::findings::Level;
use crate::pipeline::Plan;
use crate::report::sarif::aggregate::Aggregate;
use crate::report::{CatalogueFormat, ComplianceFormat, Format, Provenance};
use crate::sources::CollectPlan;

/// The command to run, with its options.
#[derive(Debug)]
pub enum Mode {
    /// `facts`.
    Facts(Box<FactsOptions>),
    /// `scan`.
    Scan(Box<ScanOptions>),
    /// `compliance`.
    Compliance(Box<ComplianceOptions>),
    /// `serve`.
    Serve(Box<ServeOptions>),
    /// `rules`.
    Rules(RulesOptions),
    /// `policy test`.
    PolicyTest(Vec<PathBuf>, std::time::Duration),
    /// `completions SHELL`.
    Completions(clap_complete::Shell),
    /// `man`: the directory to write every page into, or `None` for the top page on stdout.
    Man(Option<PathBuf>),
}

/// One report to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// Its format.
    pub format: Format,
    /// Its file; `None` is standard output.
    pub path: Option<PathBuf>,
}

/// Where `scan` writes the facts document it evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactsOut {
    /// `--facts-out FILE`: the full document, with every certificate's DER, so that it can be
    /// merged with `--facts` later.
    Full(PathBuf),
    /// SARIF output without `--facts-out`: when a finding or a collection error came from no file
    /// (a live probe, standard input), SARIF points it at the lean document (no DER) written
    /// here: beside the SARIF file (`results.sarif` gives `results.facts.json`), or
    /// `aks-certscan.facts.json` when SARIF goes to standard output. Otherwise nothing is written.
    WhenNeeded(PathBuf),
    /// No SARIF output and no `--facts-out`: none.
    None,
}

/// Everything `scan` needs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// What to collect and evaluate.
    pub plan: Plan,
    /// `--threads`.
    pub threads: Option<usize>,
    /// The reports to write, at least one, at most one on standard output.
    pub outputs: Vec<OutputSpec>,
    /// Findings at or above this level fail the run; `None` never fails.
    pub fail_on: Option<Level>,
    /// Where the facts document goes.
    pub facts_out: FactsOut,
    /// Colour the text report (a terminal, no `--no-color`, no `NO_COLOR`).
    pub color: bool,
    /// Print phase timings on stderr.
    pub timings: bool,
    /// The terminal's width, when the text report goes to one (it is wrapped to it); `None`
    /// when piped or written to a file (unwrapped, one line per item, for grep).
    pub width: Option<usize>,
    /// `--verbose`: every finding in the text report, however many.
    pub verbose: bool,
    /// When SARIF results are aggregated.
    pub sarif_aggregate: Aggregate,
    /// `--sarif-per-cluster DIR`.
    pub sarif_per_cluster: Option<PathBuf>,
    /// The repository and commit a CI run scans, from its environment.
    pub provenance: Option<Provenance>,
}

/// Everything `facts` needs.
#[derive(Debug, Clone)]
pub struct FactsOptions {
    /// What to collect.
    pub plan: CollectPlan,
    /// `--threads`.
    pub threads: Option<usize>,
    /// The file to write; `None` is standard output.
    pub output: Option<PathBuf>,
    /// Print phase timings on stderr.
    pub timings: bool,
}

/// Everything `compliance` needs.
#[derive(Debug, Clone)]
pub struct ComplianceOptions {
    /// What to collect and evaluate (with coverage).
    pub plan: Plan,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Framework id.
    pub framework: String,
    /// `(format, file)` pairs; `None` is standard output.
    pub outputs: Vec<(ComplianceFormat, Option<PathBuf>)>,
    /// Failing findings at or above this level fail the run.
    pub fail_on: Option<Level>,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to collect and evaluate on every scan. With `--now`, every scan evaluates at that time
    /// (tests); otherwise each scan evaluates at the time it starts.
    pub plan: Plan,
    /// Whether `--now` fixed the evaluation time.
    pub fixed_now: bool,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Listening address.
    pub listen: String,
    /// Time between scans.
    pub interval: std::time::Duration,
    /// Series limits.
    pub limits: crate::report::prometheus::Limits,
}

/// Everything `rules` needs.
#[derive(Debug, Clone)]
pub struct RulesOptions {
    /// Catalogue format.
    pub format: CatalogueFormat,
    /// Extra policy directories.
    pub policy_dirs: Vec<PathBuf>,
}
