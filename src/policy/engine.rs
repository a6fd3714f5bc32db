//! Evaluating the rules over the facts: one parallel driver for every output a rule has.
//!
//! The policies are compiled once into a prepared regorus engine; every evaluation works on
//! clones of it (regorus engines are `Clone`), in parallel:
//!
//! - a rule of scope `certificate` runs over chunks of certificates, each chunk with every other
//!   fact;
//! - a rule of scope `non-certificate` runs once, with an empty certificate list;
//! - a rule of scope `document` (the default) runs once over the whole document;
//! - a rule of scope `exceptions` runs once, after triage, over the waivers and their status
//!   ([`Engine::evaluate_exceptions`]).
//!
//! Each rule's `findings` set (and, when compliance asks, its `examined` and `unknown` sets, in
//! the same pass) is read with `eval_rule`, straight from regorus values (no JSON text in either
//! direction). The findings of all chunks of a rule are sorted and deduplicated as one Rego set
//! would be, so results and their order never depend on the chunk size or on the number of
//! threads. Evaluation has a wall-clock limit so that a user policy cannot hang a pipeline.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use rayon::prelude::*;
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::Value;

use super::bundle::{self, PolicyFile};
use super::coverage::{Covered, RuleCoverage};
use super::describe::Describer;
use super::error::PolicyError;
use super::load::{catalogue, compile};
use super::params::Overrides;
use super::rule::{LoadedRule, Scope, Skip};
use super::value::{to_json, to_value};
pub use super::view::CertificateFields;
use super::view::PolicyView;
use crate::facts::model::{CertificateFact, FactsDocument};
use crate::findings::{Finding, Level, Location};

/// Default evaluation time limit (of each rule on each chunk).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The most certificates in a chunk for rules of scope `certificate`: a chunk's regorus values
/// stay small.
pub const CERTIFICATE_CHUNK: usize = 4096;

/// The fewest certificates in a chunk: the per-chunk cost (setting the input, the rule's own
/// indexes) stays small.
const SMALLEST_CHUNK: usize = 256;

/// Chunks per worker thread when certificates are few, so that every core has work to the end.
const CHUNKS_PER_THREAD: usize = 4;

/// Where an evaluation spent its time.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvaluationTimings {
    /// Building the policy view and running the rules.
    pub rules: Duration,
    /// Turning what the rules returned into findings.
    pub describe: Duration,
}

/// What one evaluation gives.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// The findings, worst first, then by rule id, resource name and id.
    pub findings: Vec<Finding>,
    /// What each rule examined and could not examine, in rule id order; empty unless asked for.
    pub coverage: Vec<RuleCoverage>,
    /// Where the time went.
    pub timings: EvaluationTimings,
}

/// The loaded policy files, compiled, with their catalogue: what `scan` evaluates.
#[derive(Clone)]
pub struct Engine {
    regorus: regorus::Engine,
    rules: Vec<LoadedRule>,
    /// Which certificate fields rules see: every one when `--policy` directories are loaded.
    certificate_fields: CertificateFields,
    timeout: Duration,
    /// A fixed chunk size (tests), instead of one sized for the certificates and threads.
    chunk_size: Option<usize>,
    /// SHA-256 of every policy file loaded (bundled and user), for compliance evidence.
    digest: String,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("rules", &self.rules.len()).finish()
    }
}

/// What one piece of evaluation work reads.
#[derive(Debug, Clone)]
enum Input {
    Chunk(Range<usize>),
    NoCertificates,
    Document,
    Exceptions,
}

/// Rules (indexes into the evaluated list) run on one input.
#[derive(Debug)]
struct Task {
    input: Input,
    rules: Vec<usize>,
}

/// The rule outputs read on each input: `findings`, then `examined` and `unknown` when coverage
/// is asked for.
#[derive(Debug, Clone, Copy)]
struct Outputs {
    coverage: bool,
}

/// What one task gave for one rule (its index): the values of `findings`, `examined`, `unknown`.
type RuleValues = (usize, [Vec<Value>; 3]);

impl Engine {
    /// Loads the bundled policies and every `.rego` file (tests excluded) of `user_dirs`, with
    /// the default evaluation time limit.
    pub fn load(user_dirs: &[PathBuf]) -> Result<Self, PolicyError> {
        Self::load_with_timeout(user_dirs, DEFAULT_TIMEOUT)
    }

    /// [`Engine::load`] with the time limit of every evaluation, the rules' `metadata` at load
    /// time included.
    pub fn load_with_timeout(user_dirs: &[PathBuf], timeout: Duration) -> Result<Self, PolicyError> {
        let mut files: Vec<PolicyFile> = bundle::bundled().into_iter().filter(|f| !f.is_test()).collect();
        files.extend(bundle::user_files(user_dirs)?.into_iter().filter(|f| !f.is_test()));
        let (mut engine, packages) = compile(&files, timeout)?;
        let rules = catalogue(&mut engine, &files, &packages)?;
        Ok(Engine {
            regorus: engine,
            rules,
            certificate_fields: if files.iter().any(|f| !f.bundled) {
                CertificateFields::All
            } else {
                CertificateFields::Bundled
            },
            timeout,
            chunk_size: None,
            digest: bundle::digest(&files),
        })
    }

    /// SHA-256 over every policy file loaded (path, length and text of each, in path order): the
    /// same policies give the same digest on any machine.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The same engine with another evaluation time limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same engine with a fixed chunk size for rules of scope `certificate` (tests prove
    /// that results do not depend on it). By default chunks are sized so that every thread gets
    /// several, between 256 and [`CERTIFICATE_CHUNK`] certificates each: the output is the same
    /// whatever the size, so it may depend on the number of threads.
    pub fn with_chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = Some(chunk_size.max(1));
        self
    }

    fn chunk_size_for(&self, certificates: usize) -> usize {
        self.chunk_size.unwrap_or_else(|| {
            let chunks = rayon::current_num_threads() * CHUNKS_PER_THREAD;
            certificates
                .div_ceil(chunks.max(1))
                .clamp(SMALLEST_CHUNK, CERTIFICATE_CHUNK)
        })
    }

    /// The same engine showing rules every certificate field, or only those the bundled rules
    /// read (tests prove the findings are the same).
    pub fn with_certificate_fields(mut self, fields: CertificateFields) -> Self {
        self.certificate_fields = fields;
        self
    }

    /// The catalogue, in id order.
    pub fn rules(&self) -> &[LoadedRule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&LoadedRule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    /// Evaluates every rule not in `skip` over `facts` (every scope but `exceptions`), with
    /// parameter overrides: the findings, worst first, and with `coverage`, what each rule
    /// examined and could not examine, from the same pass.
    pub fn evaluate(
        &self,
        facts: &FactsDocument,
        overrides: &Overrides,
        skip: &Skip,
        coverage: bool,
    ) -> Result<Evaluation, PolicyError> {
        let rules: Vec<&LoadedRule> = self
            .rules
            .iter()
            .filter(|r| !skip.contains(&r.meta.id) && r.meta.scope != Scope::Exceptions)
            .collect();
        let view = PolicyView::new(facts, self.certificate_fields);
        self.run(&view, facts, overrides, &rules, Outputs { coverage })
    }

    /// Evaluates the rules of scope `exceptions` not in `skip`, after triage: their input is the
    /// facts without certificates plus `exceptions` (each waiver with its status). Their findings
    /// are described against `facts` like any other.
    pub fn evaluate_exceptions(
        &self,
        facts: &FactsDocument,
        overrides: &Overrides,
        skip: &Skip,
        exceptions: &impl serde::Serialize,
        coverage: bool,
    ) -> Result<Evaluation, PolicyError> {
        let rules: Vec<&LoadedRule> = self
            .rules
            .iter()
            .filter(|r| !skip.contains(&r.meta.id) && r.meta.scope == Scope::Exceptions)
            .collect();
        let view = PolicyView::new(facts, self.certificate_fields).with("exceptions", to_value(exceptions));
        self.run(&view, facts, overrides, &rules, Outputs { coverage })
    }

    /// The one driver: the tasks of `rules` over `view`, in parallel on clones of the prepared
    /// engine, then every rule's values merged and described.
    fn run(
        &self,
        view: &PolicyView<'_>,
        facts: &FactsDocument,
        overrides: &Overrides,
        rules: &[&LoadedRule],
        outputs: Outputs,
    ) -> Result<Evaluation, PolicyError> {
        let start = std::time::Instant::now();
        if rules.is_empty() {
            return Ok(Evaluation::default());
        }
        let base = self.prepared(overrides, rules)?;
        let tasks = self.tasks(rules, view.certificate_count());
        // One engine clone per worker, reused from task to task (a clone is not free).
        let results: Vec<Vec<RuleValues>> = tasks
            .par_iter()
            .map_init(
                || base.clone(),
                |engine, task| run_task(engine, view, task, rules, outputs),
            )
            .collect::<Result<_, _>>()?;
        let mut per_rule: Vec<[Vec<Value>; 3]> = vec![Default::default(); rules.len()];
        for (rule, [findings, examined, unknown]) in results.into_iter().flatten() {
            per_rule[rule][0].extend(findings);
            per_rule[rule][1].extend(examined);
            per_rule[rule][2].extend(unknown);
        }
        let rules_done = std::time::Instant::now();
        let coverage = if outputs.coverage {
            rules
                .iter()
                .zip(&mut per_rule)
                .map(|(rule, values)| coverage_of(rule, std::mem::take(&mut values[1]), std::mem::take(&mut values[2])))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let describer = Describer::new(facts);
        let mut found: Vec<Vec<Finding>> = rules
            .iter()
            .zip(per_rule)
            .map(|(rule, [values, _, _])| describer.findings(rule, &values))
            .collect::<Result<_, _>>()?;
        let findings = worst_first(&mut found);
        Ok(Evaluation {
            findings,
            coverage,
            timings: EvaluationTimings {
                rules: rules_done - start,
                describe: rules_done.elapsed(),
            },
        })
    }

    /// A clone of the compiled engine with the parameters as data and the time limit set,
    /// prepared once so that its clones start evaluating at once.
    fn prepared(&self, overrides: &Overrides, rules: &[&LoadedRule]) -> Result<regorus::Engine, PolicyError> {
        let mut engine = self.regorus.clone();
        engine.set_execution_timer_config(ExecutionTimerConfig {
            limit: self.timeout,
            check_interval: NonZeroU32::MIN.saturating_add(999),
        });
        // Without overrides no data is added: `lib.param` finds no override either way, and
        // adding data makes regorus analyse every module again (5 ms, twice per scan).
        if !overrides.is_empty() {
            let data = BTreeMap::from([("aks_certscan", BTreeMap::from([("params", overrides)]))]);
            engine
                .add_data(to_value(&data))
                .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
        }
        if let Some(first) = rules.first() {
            // Evaluating anything analyses the modules once; clones inherit the analysis.
            engine
                .eval_rule(format!("{}.metadata", first.package))
                .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
        }
        Ok(engine)
    }

    /// The work of one evaluation: every chunk with all certificate rules, and one task per
    /// other rule.
    fn tasks(&self, rules: &[&LoadedRule], certificates: usize) -> Vec<Task> {
        let mut tasks = Vec::new();
        let certificate_rules: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].meta.scope == Scope::Certificate)
            .collect();
        if !certificate_rules.is_empty() {
            let size = self.chunk_size_for(certificates);
            let mut start = 0;
            while start < certificates {
                let end = (start + size).min(certificates);
                tasks.push(Task {
                    input: Input::Chunk(start..end),
                    rules: certificate_rules.clone(),
                });
                start = end;
            }
        }
        for (i, rule) in rules.iter().enumerate() {
            let input = match rule.meta.scope {
                Scope::Certificate => continue,
                Scope::NonCertificate => Input::NoCertificates,
                Scope::Document => Input::Document,
                Scope::Exceptions => Input::Exceptions,
            };
            tasks.push(Task { input, rules: vec![i] });
        }
        tasks
    }
}

/// An evaluation fed its certificates a chunk at a time (certificates that stream past and are
/// never all in memory): the rules of scope `certificate` run on each chunk as it comes, the
/// others at the end ([`Session::finish`]). Findings about one resource in several chunks are
/// merged as [`Engine::evaluate`] merges them: every location, the worst level, and the
/// description of the occurrence first in the document. A session is only exact for rules whose
/// certificate findings are about certificates (every bundled rule): the pipeline streams only
/// then.
pub struct Session<'e> {
    rules: Vec<&'e LoadedRule>,
    certificate_rules: Vec<usize>,
    base: regorus::Engine,
    /// Prepared engines, reused from chunk to chunk (a clone is not free).
    spare: std::sync::Mutex<Vec<regorus::Engine>>,
    outputs: Outputs,
    chunk_size: Option<usize>,
    certificate_fields: CertificateFields,
    /// What was found so far.
    merger: Merger,
    timings: EvaluationTimings,
}

impl Engine {
    /// A [`Session`] of every rule not in `skip` (every scope but `exceptions`).
    pub fn session(&self, overrides: &Overrides, skip: &Skip, coverage: bool) -> Result<Session<'_>, PolicyError> {
        let rules: Vec<&LoadedRule> = self
            .rules
            .iter()
            .filter(|r| !skip.contains(&r.meta.id) && r.meta.scope != Scope::Exceptions)
            .collect();
        let base = self.prepared(overrides, &rules)?;
        let certificate_rules = (0..rules.len())
            .filter(|&i| rules[i].meta.scope == Scope::Certificate)
            .collect();
        Ok(Session {
            merger: Merger {
                found: vec![Vec::new(); rules.len()],
                index: vec![HashMap::new(); rules.len()],
                covered: vec![Default::default(); rules.len()],
            },
            rules,
            certificate_rules,
            base,
            spare: std::sync::Mutex::new(Vec::new()),
            outputs: Outputs { coverage },
            chunk_size: self.chunk_size,
            certificate_fields: self.certificate_fields,
            timings: EvaluationTimings::default(),
        })
    }
}

/// A prepared engine from the spare ones, given back when dropped.
struct Pooled<'a> {
    engine: Option<regorus::Engine>,
    spare: &'a std::sync::Mutex<Vec<regorus::Engine>>,
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(engine), Ok(mut spare)) = (self.engine.take(), self.spare.lock()) {
            spare.push(engine);
        }
    }
}

impl Session<'_> {
    /// The facts as this session's rules see them.
    pub fn view<'f>(&self, facts: &'f FactsDocument) -> PolicyView<'f> {
        PolicyView::new(facts, self.certificate_fields)
    }

    /// Whether any rule of scope `certificate` runs.
    pub fn reads_certificates(&self) -> bool {
        !self.certificate_rules.is_empty()
    }

    /// Runs the rules of scope `certificate` over `certificates`, the document's certificates
    /// from position `offset` on, with every other fact of `view` (built from `facts`).
    pub fn certificates(
        &mut self,
        view: &PolicyView<'_>,
        facts: &FactsDocument,
        certificates: &[CertificateFact],
        offset: usize,
    ) -> Result<(), PolicyError> {
        if self.certificate_rules.is_empty() || certificates.is_empty() {
            return Ok(());
        }
        let start = std::time::Instant::now();
        // One chunk per thread: the caller's batches already give every thread work to the end,
        // and each chunk costs the rules' own indexes once.
        let size = self.chunk_size.unwrap_or_else(|| {
            certificates
                .len()
                .div_ceil(rayon::current_num_threads().max(1))
                .clamp(SMALLEST_CHUNK, CERTIFICATE_CHUNK)
        });
        let (base, spare, rules, which, outputs) = (
            &self.base,
            &self.spare,
            &self.rules,
            &self.certificate_rules,
            self.outputs,
        );
        let results: Vec<Vec<RuleValues>> = certificates
            .par_chunks(size)
            .map_init(
                || Pooled {
                    engine: Some(
                        spare
                            .lock()
                            .ok()
                            .and_then(|mut s| s.pop())
                            .unwrap_or_else(|| base.clone()),
                    ),
                    spare,
                },
                |pooled, chunk| match pooled.engine.as_mut() {
                    Some(engine) => run_rules(engine, view.with_certificates(chunk), which, rules, outputs),
                    None => Ok(Vec::new()),
                },
            )
            .collect::<Result<_, _>>()?;
        let rules_done = std::time::Instant::now();
        self.timings.rules += rules_done - start;
        let mut per_rule: Vec<[Vec<Value>; 3]> = vec![Default::default(); self.rules.len()];
        for (rule, [findings, examined, unknown]) in results.into_iter().flatten() {
            per_rule[rule][0].extend(findings);
            per_rule[rule][1].extend(examined);
            per_rule[rule][2].extend(unknown);
        }
        let describer = Describer::over(facts, certificates, offset);
        self.absorb(&describer, per_rule)?;
        self.timings.describe += rules_done.elapsed();
        Ok(())
    }

    /// Runs every other rule over `facts` (whose `view` must be built from it, with every
    /// collection error and source record), and returns every finding, worst first.
    pub fn finish(mut self, view: &PolicyView<'_>, facts: &FactsDocument) -> Result<Evaluation, PolicyError> {
        let start = std::time::Instant::now();
        let others: Vec<usize> = (0..self.rules.len())
            .filter(|&i| self.rules[i].meta.scope != Scope::Certificate)
            .collect();
        let (base, rules, outputs) = (&self.base, &self.rules, self.outputs);
        let results: Vec<Vec<RuleValues>> = others
            .par_iter()
            .map_init(
                || base.clone(),
                |engine, &i| {
                    let input = match rules[i].meta.scope {
                        Scope::Document => view.document(),
                        _ => view.without_certificates(),
                    };
                    run_rules(engine, input, &[i], rules, outputs)
                },
            )
            .collect::<Result<_, _>>()?;
        let rules_done = std::time::Instant::now();
        self.timings.rules += rules_done - start;
        let mut per_rule: Vec<[Vec<Value>; 3]> = vec![Default::default(); self.rules.len()];
        for (rule, [findings, examined, unknown]) in results.into_iter().flatten() {
            per_rule[rule] = [findings, examined, unknown];
        }
        let describer = Describer::new(facts);
        self.absorb(&describer, per_rule)?;
        self.timings.describe += rules_done.elapsed();
        let coverage = if self.outputs.coverage {
            self.rules
                .iter()
                .zip(std::mem::take(&mut self.merger.covered))
                .map(|(rule, (examined, unknown))| RuleCoverage {
                    rule_id: rule.meta.id.clone(),
                    declared: rule.declares_examined,
                    examined: examined.into_iter().collect(),
                    unknown: unknown.into_iter().collect(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut found: Vec<Vec<Finding>> = std::mem::take(&mut self.merger.found)
            .into_iter()
            .map(|list| list.into_iter().map(|(f, _)| f).collect())
            .collect();
        Ok(Evaluation {
            findings: worst_first(&mut found),
            coverage,
            timings: self.timings,
        })
    }

    /// Describes each rule's values and merges them into what was found before.
    fn absorb(&mut self, describer: &Describer<'_>, per_rule: Vec<[Vec<Value>; 3]>) -> Result<(), PolicyError> {
        let described = describe_values(&self.rules, self.outputs, describer, per_rule.into_iter().enumerate())?;
        self.merger.merge_described(described, 0);
        Ok(())
    }

    /// What was found so far, taken out of the session so that chunks can be absorbed into it
    /// ([`Merger::absorb_chunk`]) while other threads evaluate more chunks with the session;
    /// give it back with [`Session::put_merger`] before anything else.
    pub fn take_merger(&mut self) -> Merger {
        std::mem::take(&mut self.merger)
    }

    /// Gives back what [`Session::take_merger`] took, with what was absorbed into it.
    pub fn put_merger(&mut self, merger: Merger) {
        self.merger = merger;
    }

    /// Runs the rules of scope `certificate` over `certificates` (a chunk of the certificates
    /// that stream past, with every other fact of `view`, built from `facts`) and describes what
    /// they found, on the calling thread: any number of chunks can be evaluated at once, each
    /// then absorbed in document order ([`Merger::absorb_chunk`]). The findings are those
    /// [`Session::certificates`] gives, split at chunk boundaries the way it splits them at
    /// batch boundaries.
    pub fn evaluate_chunk(
        &self,
        view: &PolicyView<'_>,
        facts: &FactsDocument,
        certificates: &[CertificateFact],
    ) -> Result<ChunkFindings, PolicyError> {
        if self.certificate_rules.is_empty() || certificates.is_empty() {
            return Ok(ChunkFindings::default());
        }
        let start = std::time::Instant::now();
        let mut pooled = Pooled {
            engine: Some(
                self.spare
                    .lock()
                    .ok()
                    .and_then(|mut s| s.pop())
                    .unwrap_or_else(|| self.base.clone()),
            ),
            spare: &self.spare,
        };
        let values = match pooled.engine.as_mut() {
            Some(engine) => run_rules(
                engine,
                view.with_certificates(certificates),
                &self.certificate_rules,
                &self.rules,
                self.outputs,
            )?,
            None => Vec::new(),
        };
        drop(pooled);
        let rules_done = std::time::Instant::now();
        let describer = Describer::over(facts, certificates, 0).sequential();
        let described = describe_values(&self.rules, self.outputs, &describer, values.into_iter())?;
        Ok(ChunkFindings {
            described,
            rules: rules_done - start,
            describe: rules_done.elapsed(),
        })
    }

    /// The chunk size tests fixed ([`Engine::with_chunk_size`]), if any.
    pub fn fixed_chunk_size(&self) -> Option<usize> {
        self.chunk_size
    }

    /// Adds time spent evaluating outside [`Session::certificates`] (chunks evaluated where the
    /// caller chose).
    pub fn add_timings(&mut self, rules: std::time::Duration, describe: std::time::Duration) {
        self.timings.rules += rules;
        self.timings.describe += describe;
    }
}

/// What a [`Session`] found so far, per rule: findings (each with the document position of the
/// occurrence describing it), where each resource's finding is, and coverage.
#[derive(Default)]
pub struct Merger {
    /// Per rule: the findings so far, each with the position of the occurrence describing it.
    found: Vec<Vec<(Finding, usize)>>,
    /// Per rule: where each resource's finding is in `found`, by a hash of (kind, id).
    index: Vec<HashMap<u64, Vec<usize>>>,
    /// Per rule: what it examined and could not examine.
    covered: Vec<(BTreeSet<Covered>, BTreeSet<Covered>)>,
}

impl Merger {
    /// Merges what [`Session::evaluate_chunk`] gave on the certificates from document position
    /// `offset` on. Chunks are absorbed in document order.
    pub fn absorb_chunk(&mut self, chunk: ChunkFindings, offset: usize) {
        self.merge_described(chunk.described, offset);
    }

    fn merge_described(&mut self, described: Vec<Described>, offset: usize) {
        for one in described {
            let i = one.rule;
            if let Some((examined, unknown)) = one.coverage {
                self.covered[i].0.extend(examined);
                self.covered[i].1.extend(unknown);
            }
            for (finding, position) in one.findings {
                let position = if position == usize::MAX {
                    position
                } else {
                    position + offset
                };
                merge(&mut self.found[i], &mut self.index[i], finding, position);
            }
        }
    }
}

/// What the rules of scope `certificate` found on one chunk, described
/// ([`Session::evaluate_chunk`]), with the time it took on its thread.
#[derive(Debug, Default)]
pub struct ChunkFindings {
    described: Vec<Described>,
    /// Building the chunk's values and running the rules.
    pub rules: std::time::Duration,
    /// Describing what they found.
    pub describe: std::time::Duration,
}

/// One rule's findings on some input, described, each with the document position of the
/// occurrence it is about (from the start of that input), and with coverage its examined and
/// unknown resources.
#[derive(Debug)]
struct Described {
    rule: usize,
    findings: Vec<(Finding, usize)>,
    coverage: Option<(Vec<Covered>, Vec<Covered>)>,
}

/// Describes the values each rule (by index) returned.
fn describe_values(
    rules: &[&LoadedRule],
    outputs: Outputs,
    describer: &Describer<'_>,
    per_rule: impl Iterator<Item = (usize, [Vec<Value>; 3])>,
) -> Result<Vec<Described>, PolicyError> {
    let mut described = Vec::new();
    for (i, [findings, examined, unknown]) in per_rule {
        let rule = rules[i];
        let coverage = if outputs.coverage && !(examined.is_empty() && unknown.is_empty()) {
            let got = coverage_of(rule, examined, unknown)?;
            Some((got.examined, got.unknown))
        } else {
            None
        };
        let findings = if findings.is_empty() {
            Vec::new()
        } else {
            describer.positioned(rule, &findings)?
        };
        if coverage.is_some() || !findings.is_empty() {
            described.push(Described {
                rule: i,
                findings,
                coverage,
            });
        }
    }
    Ok(described)
}

/// Adds `finding` to `found`, or merges it into the finding about the same resource there: every
/// location (sorted, each once), the worst level, and the description of the occurrence first in
/// the document.
fn merge(found: &mut Vec<(Finding, usize)>, index: &mut HashMap<u64, Vec<usize>>, finding: Finding, position: usize) {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (&finding.resource.kind, &finding.resource.id).hash(&mut hasher);
    let slots = index.entry(hasher.finish()).or_default();
    let existing = slots.iter().copied().find(|&at| {
        let r = &found[at].0.resource;
        r.kind == finding.resource.kind && r.id == finding.resource.id
    });
    let Some(at) = existing else {
        slots.push(found.len());
        found.push((finding, position));
        return;
    };
    let (old, old_position) = &mut found[at];
    let mut locations: BTreeSet<Location> = std::mem::take(&mut old.locations).into_iter().collect();
    locations.extend(finding.locations.iter().cloned());
    let level = old.level.max(finding.level);
    if position < *old_position {
        *old = finding;
        *old_position = position;
    }
    old.locations = locations.into_iter().collect();
    old.level = level;
}

/// Every rule's findings (each list sorted on its own, in rule id order) taken level by level:
/// worst first, then by rule id, resource name and resource id.
fn worst_first(found: &mut [Vec<Finding>]) -> Vec<Finding> {
    found.par_iter_mut().for_each(|list| {
        list.par_sort_unstable_by(|a, b| {
            (b.level, &a.resource.name, &a.resource.id).cmp(&(a.level, &b.resource.name, &b.resource.id))
        })
    });
    let mut findings = Vec::with_capacity(found.iter().map(Vec::len).sum());
    for level in [Level::Error, Level::Warning, Level::Note] {
        for list in found.iter_mut() {
            let at = list.partition_point(|f| f.level > level);
            let end = list.partition_point(|f| f.level >= level);
            findings.extend(list.drain(at..end));
        }
    }
    findings
}

/// One rule's `examined` and `unknown` values as coverage: each resource once, sorted.
fn coverage_of(rule: &LoadedRule, examined: Vec<Value>, unknown: Vec<Value>) -> Result<RuleCoverage, PolicyError> {
    let parse = |value: &Value| -> Result<Covered, PolicyError> {
        serde_json::from_value(to_json(value)).map_err(|e| PolicyError::BadFinding {
            rule: rule.meta.id.clone(),
            file: rule.file.clone(),
            message: format!(
                "`examined` and `unknown` hold {{\"kind\", \"id\", \"cluster\"(, \"reason\")}} objects: {e}"
            ),
        })
    };
    let examined: BTreeSet<Covered> = examined.iter().map(parse).collect::<Result<_, _>>()?;
    let unknown: BTreeSet<Covered> = unknown.iter().map(parse).collect::<Result<_, _>>()?;
    Ok(RuleCoverage {
        rule_id: rule.meta.id.clone(),
        declared: rule.declares_examined,
        examined: examined.into_iter().collect(),
        unknown: unknown.into_iter().collect(),
    })
}

/// Evaluates the rules of one task on a clone of the prepared engine: each rule's `findings`, and
/// with coverage its `examined` and `unknown` (empty when the package does not declare them).
fn run_task(
    engine: &mut regorus::Engine,
    view: &PolicyView<'_>,
    task: &Task,
    rules: &[&LoadedRule],
    outputs: Outputs,
) -> Result<Vec<RuleValues>, PolicyError> {
    let input = match &task.input {
        Input::Chunk(range) => view.with_chunk(range.clone()),
        Input::NoCertificates | Input::Exceptions => view.without_certificates(),
        Input::Document => view.document(),
    };
    run_rules(engine, input, &task.rules, rules, outputs)
}

/// Evaluates `which` of `rules` on `input`.
fn run_rules(
    engine: &mut regorus::Engine,
    input: Value,
    which: &[usize],
    rules: &[&LoadedRule],
    outputs: Outputs,
) -> Result<Vec<RuleValues>, PolicyError> {
    engine.set_input(input);
    let mut out = Vec::with_capacity(which.len());
    for &i in which {
        let rule = rules[i];
        let mut values: [Vec<Value>; 3] = Default::default();
        for (slot, (name, wanted)) in values.iter_mut().zip([
            ("findings", true),
            ("examined", outputs.coverage && rule.declares_examined),
            ("unknown", outputs.coverage && rule.declares_unknown),
        ]) {
            if wanted {
                *slot = eval_set(engine, rule, name)?;
            }
        }
        out.push((i, values));
    }
    Ok(out)
}

/// The members of set `name` of `rule`'s package (nothing when it does not hold).
fn eval_set(engine: &mut regorus::Engine, rule: &LoadedRule, name: &str) -> Result<Vec<Value>, PolicyError> {
    let value = engine.eval_rule(format!("{}.{name}", rule.package));
    super::prints::forward(engine, &rule.file);
    let value = value.map_err(|e| PolicyError::Evaluation {
        rule: rule.meta.id.clone(),
        file: rule.file.clone(),
        message: format!("{e:#}"),
    })?;
    match value {
        Value::Undefined | Value::Null => Ok(Vec::new()),
        Value::Set(set) => Ok(set.iter().cloned().collect()),
        Value::Array(items) => Ok(items.iter().cloned().collect()),
        other => Err(PolicyError::BadFinding {
            rule: rule.meta.id.clone(),
            file: rule.file.clone(),
            message: format!("`{name}` must be a set of objects, got {}", to_json(&other)),
        }),
    }
}
