//! The scan pipeline: the one composition of load, collect, derive, evaluate and triage. `scan`,
//! `compliance`, `serve` and the benchmarks call [`run`] (or [`Prepared::run`] when they scan
//! more than once); commands only render the [`Outcome`] and choose the exit code.
//!
//! ```text
//!  Plan ─▶ load (policies, parameters, --skip, baseline, exceptions: every mistake before any slow work)
//!       ─▶ collect (crate::sources) ─▶ assemble + derive (crate::facts)
//!       ─▶ evaluate (crate::policy: findings, and coverage when asked, in one pass)
//!       ─▶ triage (crate::triage: waivers, then the rules of scope `exceptions`, then the baseline)
//!       ─▶ Outcome
//! ```

pub mod facts_file;

#[cfg(test)]
mod policy_tests;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::facts::model::{CollectionError, FactsDocument};
use crate::policy::{Engine, LoadedRule, Overrides, PolicyError, RuleCoverage, Skip};
use crate::sources::CollectPlan;
use crate::triage::baseline::AbsentResult;
use crate::triage::exceptions::Waived;
use crate::triage::{Reported, Triage, TriageError};

/// Which policies run and with what parameters.
#[derive(Debug, Clone, Default)]
pub struct PolicyPlan {
    /// `--policy` directories, added to the bundled policies.
    pub dirs: Vec<PathBuf>,
    /// `--param KEY=VALUE` values, unparsed.
    pub params: Vec<String>,
    /// `--data` file.
    pub data: Option<PathBuf>,
    /// `--skip` rule ids, unchecked.
    pub skip: Vec<String>,
}

/// Everything one scan needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// What to collect.
    pub collect: CollectPlan,
    /// Policies and parameters.
    pub policies: PolicyPlan,
    /// `--baseline` SARIF file.
    pub baseline: Option<PathBuf>,
    /// `--exceptions` file.
    pub exceptions: Option<PathBuf>,
    /// Also evaluate what each rule examined and could not examine (compliance).
    pub coverage: bool,
    /// Write the full facts document (with every certificate's DER) here (`--facts-out`).
    pub facts_out: Option<PathBuf>,
}

impl Plan {
    /// A plan that collects `collect` and evaluates the bundled policies with their defaults.
    pub fn new(collect: CollectPlan) -> Self {
        Plan {
            collect,
            policies: PolicyPlan::default(),
            baseline: None,
            exceptions: None,
            coverage: false,
            facts_out: None,
        }
    }
}

/// Why a scan could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A policy, parameter or `--skip` problem, or a rule that failed.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The baseline or the exceptions file cannot be used.
    #[error(transparent)]
    Triage(#[from] TriageError),
    /// The facts document could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file, as shown.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Wall-clock time of each phase, with the peak memory after it (`--timings`).
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<(&'static str, Duration, Option<u64>)>);

impl Phases {
    /// Runs `work`, adding its time to phase `name`.
    pub fn time<T>(&mut self, name: &'static str, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.add(name, start.elapsed());
        out
    }

    /// Adds `spent` to phase `name` and notes the peak memory so far.
    pub fn add(&mut self, name: &'static str, spent: Duration) {
        let peak = peak_rss_mib();
        match self.0.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, total, at)) => {
                *total += spent;
                *at = peak;
            }
            None => self.0.push((name, spent, peak)),
        }
    }

    /// One line: `collect 0.123 s, peak 42 MiB; ...; total 1.234 s`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(name, d, peak)| {
                let peak = peak.map(|m| format!(", peak {m} MiB")).unwrap_or_default();
                format!("{name} {:.3} s{peak}", d.as_secs_f64())
            })
            .collect();
        let total: Duration = self.0.iter().map(|(_, d, _)| *d).sum();
        format!("{}; total {:.3} s", parts.join("; "), total.as_secs_f64())
    }
}

/// The process's peak resident memory so far, in MiB (Linux `VmHWM`), when it can be read.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// What a scan found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The facts evaluated, lean (no certificate DER).
    pub facts: FactsDocument,
    /// The findings left after the waivers (with the findings of the rules of scope
    /// `exceptions`), worst first, each with its baseline state.
    pub findings: Vec<Reported>,
    /// With a baseline: its results that no longer occur.
    pub absent: Option<Vec<AbsentResult>>,
    /// Findings a waiver took out of the gate.
    pub waived: Vec<Waived>,
    /// What each rule examined and could not examine (only when the plan asks for coverage).
    pub coverage: Vec<RuleCoverage>,
    /// The catalogue: every rule loaded (evaluated or skipped), in id order.
    pub rules: Vec<LoadedRule>,
    /// Rules not evaluated (`--skip`).
    pub skip: Skip,
    /// SHA-256 over every policy file loaded.
    pub policy_digest: String,
    /// Where the time went.
    pub phases: Phases,
}

impl Outcome {
    /// Every source that could not be read, or read only in part.
    pub fn errors(&self) -> &[CollectionError] {
        &self.facts.facts.errors
    }

    /// True when nothing at all could be collected and something went wrong.
    pub fn nothing_collected(&self) -> bool {
        nothing_collected(&self.facts)
    }
}

/// True when `doc` holds no fact at all and something went wrong.
pub fn nothing_collected(doc: &FactsDocument) -> bool {
    doc.facts.holds_no_fact() && !doc.facts.errors.is_empty()
}

/// The policies and triage inputs of a plan, loaded and checked: what every scan of the plan
/// shares (`serve` scans again and again with one).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The compiled policies and their catalogue.
    pub engine: Engine,
    /// Rules not evaluated.
    pub skip: Skip,
    /// Parameter overrides.
    pub overrides: Overrides,
    /// Baseline and waivers.
    pub triage: Triage,
}

impl Prepared {
    /// Loads the bundled and user policies and checks `--skip`, `--param` and `--data` against
    /// them, then reads the baseline and exceptions: every configuration problem is found before
    /// any slow collection.
    pub fn load(plan: &Plan) -> Result<Self, PipelineError> {
        let max = plan.collect.context.max_file_size;
        let policies = &plan.policies;
        let engine = Engine::load(&policies.dirs)?;
        let skip = crate::policy::params::check_skips(engine.rules(), &policies.skip)?;
        let overrides =
            crate::policy::params::resolve(engine.rules(), policies.data.as_deref(), max, &policies.params)?;
        let triage = Triage::load(plan.baseline.as_deref(), plan.exceptions.as_deref(), max)?;
        Ok(Prepared {
            engine,
            skip,
            overrides,
            triage,
        })
    }

    /// Collects what `plan` names, evaluates, and triages.
    pub fn run(&self, plan: &Plan, phases: Phases) -> Result<Outcome, PipelineError> {
        let mut phases = phases;
        let (mut facts, timings) = collect_facts(&plan.collect);
        phases.add("collect", timings.collect);
        phases.add("derive", timings.derive);
        if let Some(path) = &plan.facts_out {
            phases
                .time("render", || facts_file::write(Some(path), &mut facts))
                .map_err(|source| PipelineError::Write {
                    path: crate::sanitize::terminal(&path.display().to_string()),
                    source,
                })?;
        }
        // Every signature check is made: policies never read DER, and the lean document has none.
        facts.drop_der();

        let evaluation = self
            .engine
            .evaluate(&facts, &self.overrides, &self.skip, plan.coverage)?;
        phases.add("evaluate rules", evaluation.timings.rules);
        phases.add("describe findings", evaluation.timings.describe);
        let mut waivers = self.triage.waive(evaluation.findings, facts.now_unix);
        // The rules of scope `exceptions` judge the waivers (none without an exceptions file).
        let judged =
            self.engine
                .evaluate_exceptions(&facts, &self.overrides, &self.skip, &waivers.statuses, plan.coverage)?;
        if !judged.findings.is_empty() {
            waivers.kept.extend(judged.findings);
            // Worst first again; the sort is stable, so each level keeps its order.
            waivers.kept.sort_by_key(|f| std::cmp::Reverse(f.level));
        }
        let mut coverage = evaluation.coverage;
        coverage.extend(judged.coverage);
        coverage.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
        let compared = self.triage.compare(waivers.kept);
        Ok(Outcome {
            facts,
            findings: compared.reported,
            absent: compared.absent,
            waived: waivers.waived,
            coverage,
            rules: self.engine.rules().to_vec(),
            skip: self.skip.clone(),
            policy_digest: self.engine.digest().to_string(),
            phases,
        })
    }
}

/// Loads and runs one scan.
pub fn run(plan: &Plan) -> Result<Outcome, PipelineError> {
    let mut phases = Phases::default();
    let prepared = phases.time("load policies", || Prepared::load(plan))?;
    prepared.run(plan, phases)
}

/// How long [`collect_facts`] spent reading sources and deriving.
#[derive(Debug, Clone, Copy, Default)]
pub struct CollectTimings {
    /// Reading and parsing every source, and concatenating the parts.
    pub collect: Duration,
    /// Deriving.
    pub derive: Duration,
}

/// Collects every source of `plan` and derives the document: the one way from sources to facts.
pub fn collect_facts(plan: &CollectPlan) -> (FactsDocument, CollectTimings) {
    let start = Instant::now();
    let parts = crate::sources::collect(plan);
    crate::sources::live::progress::finish();
    let mut doc = crate::facts::assemble(parts);
    let collected = Instant::now();
    crate::facts::derive::derive(&mut doc, plan.now);
    let timings = CollectTimings {
        collect: collected - start,
        derive: collected.elapsed(),
    };
    (doc, timings)
}
