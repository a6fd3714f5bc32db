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
pub mod phases;
pub mod stream;

pub use phases::{CollectTimings, Phases};

#[cfg(test)]
mod policy_tests;
#[cfg(test)]
mod stream_tests;

use std::path::PathBuf;
use std::time::Instant;

use crate::facts::model::{CollectionError, FactsDocument};
use crate::facts::series::Series;
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
    /// `--policy-timeout`: the limit of each evaluation (default: [`crate::policy::DEFAULT_TIMEOUT`]).
    pub timeout: Option<std::time::Duration>,
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
    /// Choose the certificates a metrics exposition names, at most this many (`--format
    /// prometheus`, `serve`).
    pub series: Option<usize>,
    /// Whether `--certs` certificates may stream past instead of being held all at once.
    pub streaming: Streaming,
}

/// Whether certificates may stream (see [`stream`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Streaming {
    /// When the sources and rules allow it.
    #[default]
    Auto,
    /// Never: everything is collected first (tests compare the two).
    Never,
    /// Stream, this many files at a time (tests: certificates repeated across batches).
    Batches(usize),
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
            series: None,
            streaming: Streaming::Auto,
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

/// What a scan found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The facts evaluated, lean (no certificate DER). When `--certs` certificates streamed
    /// past, it holds only the other sources' certificates ([`Outcome::certificate_count`]
    /// counts them all).
    pub facts: FactsDocument,
    /// Every certificate collected.
    pub certificate_count: usize,
    /// The certificates a metrics exposition names, when the plan asked for them.
    pub series: Option<Series>,
    /// Where the streamed certificates sit, when they streamed.
    pub layout: Option<stream::Layout>,
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
        self.certificate_count == 0 && nothing_collected(&self.facts)
    }

    /// The verdicts of every bundled compliance framework (empty unless the plan asked for
    /// coverage: without it nothing can pass).
    pub fn compliance_reports(&self) -> Vec<crate::compliance::ComplianceReport> {
        if self.coverage.is_empty() {
            return Vec::new();
        }
        let findings: Vec<&crate::findings::Finding> = self.findings.iter().map(|r| &r.finding).collect();
        crate::policy::frameworks::FRAMEWORKS
            .iter()
            .map(|framework| {
                crate::compliance::build(&crate::compliance::Inputs {
                    framework: framework.id,
                    rules: &self.rules,
                    skip: &self.skip,
                    coverage: &self.coverage,
                    findings: &findings,
                    facts: &self.facts,
                    policy_digest: &self.policy_digest,
                })
            })
            .filter(|report| !report.controls.is_empty())
            .collect()
    }

    /// Writes the facts document evaluated (lean: no DER) to `path`, standard output when
    /// `None`. When certificates streamed, their sources are read again.
    pub fn write_facts(&mut self, plan: &CollectPlan, path: Option<&std::path::Path>) -> std::io::Result<()> {
        match &self.layout {
            Some(layout) => stream::write_again(plan, &mut self.facts, layout, path, false),
            None => facts_file::write(path, &mut self.facts),
        }
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
        let engine = Engine::load_with_timeout(
            &policies.dirs,
            policies.timeout.unwrap_or(crate::policy::DEFAULT_TIMEOUT),
        )?;
        let skip = crate::policy::params::check_skips(engine.rules(), &policies.skip)?;
        let overrides =
            crate::policy::params::resolve(engine.rules(), policies.data.as_deref(), max, &policies.params)?;
        let triage = Triage::load(
            plan.baseline.as_deref(),
            plan.exceptions.as_deref(),
            max,
            plan.collect.context.max_document_size,
        )?;
        Ok(Prepared {
            engine,
            skip,
            overrides,
            triage,
        })
    }

    /// Collects what `plan` names, evaluates, and triages.
    pub fn run(&self, plan: &Plan, phases: Phases) -> Result<Outcome, PipelineError> {
        if plan.streaming != Streaming::Never
            && stream::can_stream(&plan.collect)
            && stream::rules_can_stream(&self.engine, &self.skip)
        {
            return self.run_streaming(plan, phases);
        }
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
        let series = plan
            .series
            .map(|limit| crate::facts::series::of(&facts.facts.certificates, limit));
        let certificate_count = facts.facts.certificates.len();
        self.triage(plan, facts, evaluation, phases, certificate_count, series, None)
    }

    /// [`Prepared::run`] with `--certs` certificates streaming (see [`stream`]).
    fn run_streaming(&self, plan: &Plan, mut phases: Phases) -> Result<Outcome, PipelineError> {
        let write_error = |path: &std::path::Path| {
            let path = crate::sanitize::terminal(&path.display().to_string());
            move |source| PipelineError::Write { path, source }
        };
        let sink = match &plan.facts_out {
            Some(path) => Some(facts_file::Sink::new(Some(path)).map_err(write_error(path))?),
            None => None,
        };
        let mut session = self.engine.session(&self.overrides, &self.skip, plan.coverage)?;
        let streamed = stream::collect(
            &plan.collect,
            stream::Consumers {
                sink,
                session: Some(&mut session),
                series: plan.series,
                phases: &mut phases,
                batch: match plan.streaming {
                    Streaming::Batches(n) => n.max(1),
                    _ => stream::FILES_PER_BATCH,
                },
            },
        )
        .map_err(|e| match e {
            stream::StreamError::Policy(policy) => PipelineError::Policy(policy),
            stream::StreamError::Write(source) => PipelineError::Write {
                path: plan
                    .facts_out
                    .as_deref()
                    .map(|p| crate::sanitize::terminal(&p.display().to_string()))
                    .unwrap_or_default(),
                source,
            },
        })?;
        stream::add_timings(&mut phases, streamed.timings);
        let view = session.view(&streamed.facts);
        let evaluation = session.finish(&view, &streamed.facts)?;
        drop(view);
        self.triage(
            plan,
            streamed.facts,
            evaluation,
            phases,
            streamed.certificate_count,
            streamed.series,
            Some(streamed.layout),
        )
    }

    /// Waivers, the rules of scope `exceptions`, and the baseline.
    #[allow(clippy::too_many_arguments)]
    fn triage(
        &self,
        plan: &Plan,
        facts: FactsDocument,
        evaluation: crate::policy::Evaluation,
        mut phases: Phases,
        certificate_count: usize,
        series: Option<Series>,
        layout: Option<stream::Layout>,
    ) -> Result<Outcome, PipelineError> {
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
            certificate_count,
            series,
            layout,
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

/// What [`write_facts`] collected: the collection errors, and whether nothing at all could be
/// collected.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Every source that could not be read, or read only in part.
    pub errors: Vec<CollectionError>,
    /// Nothing at all could be collected and something went wrong.
    pub nothing_collected: bool,
}

/// Collects every source of `plan` and writes the facts document to `path` (standard output
/// when `None`): the `facts` command. `--certs` certificates stream to the file when they can.
pub fn write_facts(
    plan: &CollectPlan,
    path: Option<&std::path::Path>,
    phases: &mut Phases,
) -> Result<Written, PipelineError> {
    let failed = |source| PipelineError::Write {
        path: path
            .map(|p| crate::sanitize::terminal(&p.display().to_string()))
            .unwrap_or_else(|| "standard output".into()),
        source,
    };
    if stream::can_stream(plan) {
        let sink = facts_file::Sink::new(path).map_err(failed)?;
        let streamed = stream::collect(
            plan,
            stream::Consumers {
                sink: Some(sink),
                session: None,
                series: None,
                phases: &mut *phases,
                batch: stream::FILES_PER_BATCH,
            },
        )
        .map_err(|e| match e {
            stream::StreamError::Write(source) => failed(source),
            stream::StreamError::Policy(policy) => PipelineError::Policy(policy),
        })?;
        stream::add_timings(phases, streamed.timings);
        return Ok(Written {
            nothing_collected: streamed.certificate_count == 0 && nothing_collected(&streamed.facts),
            errors: streamed.facts.facts.errors,
        });
    }
    let (mut doc, timings) = collect_facts(plan);
    phases.add("collect", timings.collect);
    phases.add("derive", timings.derive);
    phases
        .time("write", || facts_file::write(path, &mut doc))
        .map_err(failed)?;
    let written = Written {
        nothing_collected: nothing_collected(&doc),
        errors: std::mem::take(&mut doc.facts.errors),
    };
    // The process ends right after: freeing 100,000 certificates one by one would only delay it.
    std::mem::forget(doc);
    Ok(written)
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
