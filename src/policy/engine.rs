//! Loading policies into regorus, reading the catalogue, and evaluating the rules over the facts.
//!
//! The policies are compiled once into a prepared regorus engine; every evaluation works on
//! clones of it (regorus engines are `Clone`), in parallel:
//!
//! - a rule of scope `certificate` runs over chunks of [`CERTIFICATE_CHUNK`] certificates, each
//!   chunk with every other fact;
//! - a rule of scope `non-certificate` runs once, with an empty certificate list;
//! - a rule of scope `document` (the default) runs once over the whole document.
//!
//! Each rule's `findings` set is read with `eval_rule`, straight from regorus values (no JSON
//! text in either direction). The findings of all chunks of a rule are sorted and deduplicated
//! as one Rego set would be, so results and their order never depend on the chunk size or on
//! the number of threads. Evaluation has a wall-clock limit so that a user policy cannot hang a
//! pipeline.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use rayon::prelude::*;
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::Value;

use super::bundle::{self, PolicyFile};
use super::describe::Describer;
use super::metadata::{RuleMeta, Scope};
use super::params::Overrides;
use super::value::{to_json, to_value};
pub use super::view::CertificateFields;
use super::view::PolicyView;
use super::PolicyError;
use crate::facts::model::FactsDocument;
use crate::findings::{Finding, Level};

/// The package prefix under which rules live.
pub const RULES_PACKAGE: &str = "data.aks_certscan.rules";

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

/// Where [`Engine::evaluate_timed`] spent its time.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvaluationTimings {
    /// Building the policy view and running the rules.
    pub rules: Duration,
    /// Turning what the rules returned into findings.
    pub describe: Duration,
}

/// Rule ids not to evaluate (`--skip`).
pub type Skip = BTreeSet<String>;

/// A rule with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedRule {
    /// Metadata.
    pub meta: RuleMeta,
    /// Package (`data.aks_certscan.rules.certificate_expired`).
    pub package: String,
    /// File path.
    pub file: String,
    /// Shipped in the binary.
    pub bundled: bool,
    /// The package defines `examined` (and maybe `unknown`): what it looked at, for compliance.
    pub declares_examined: bool,
    /// The package defines `unknown`: what it could not look at, and why.
    pub declares_unknown: bool,
}

/// A resource a rule examined, or could not examine (with the reason), for compliance reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Covered {
    /// Resource kind (`certificate`, `node-root`, `cluster`, ...).
    pub kind: String,
    /// Resource id, as findings use it.
    pub id: String,
    /// Its cluster, when known.
    #[serde(default)]
    pub cluster: Option<crate::findings::ClusterRef>,
    /// Why it could not be examined (`unknown` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What one rule examined and could not examine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCoverage {
    /// Rule id.
    pub rule_id: String,
    /// Whether the rule declares what it examines at all.
    pub declared: bool,
    /// Resources examined (sorted, each once).
    pub examined: Vec<Covered>,
    /// Resources that could not be examined, with reasons (sorted, each once).
    pub unknown: Vec<Covered>,
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

fn bundle_digest(files: &[PolicyFile]) -> String {
    let mut sorted: Vec<&PolicyFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut all = Vec::new();
    for f in sorted {
        all.extend_from_slice(f.path.as_bytes());
        all.push(0);
        all.extend_from_slice(f.text.len().to_string().as_bytes());
        all.push(0);
        all.extend_from_slice(f.text.as_bytes());
    }
    crate::facts::x509::sha256_hex(&all)
}

/// Adds `files` to a new regorus engine; every compile error is reported, not only the first.
pub fn compile(files: &[PolicyFile]) -> Result<(regorus::Engine, Vec<String>), PolicyError> {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(false);
    let mut packages = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in files {
        match engine.add_policy(file.path.clone(), file.text.clone()) {
            Ok(package) => packages.push(package),
            Err(e) => {
                errors.push(format!("{e:#}"));
                packages.push(String::new());
            }
        }
    }
    if errors.is_empty() {
        Ok((engine, packages))
    } else {
        Err(PolicyError::Compile(errors))
    }
}

/// What one piece of evaluation work reads.
#[derive(Debug, Clone)]
enum Input {
    Chunk(Range<usize>),
    NoCertificates,
    Document,
}

/// Rules (indexes into the evaluated list) run on one input.
#[derive(Debug)]
struct Task {
    input: Input,
    rules: Vec<usize>,
}

impl Engine {
    /// Loads the bundled policies and every `.rego` file (tests excluded) of `user_dirs`.
    pub fn load(user_dirs: &[PathBuf]) -> Result<Self, PolicyError> {
        let mut files: Vec<PolicyFile> = bundle::bundled().into_iter().filter(|f| !f.is_test()).collect();
        files.extend(bundle::user_files(user_dirs)?.into_iter().filter(|f| !f.is_test()));
        let (mut engine, packages) = compile(&files)?;
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (file, package) in files.iter().zip(&packages) {
            if !package.starts_with(&format!("{RULES_PACKAGE}.")) {
                continue;
            }
            let value = match engine.eval_rule(format!("{package}.metadata")) {
                Ok(Value::Undefined) | Err(_) => {
                    problems.push(format!(
                        "{}: package `{}` has no `metadata` object (every rule package needs one)",
                        file.path,
                        package.trim_start_matches("data.")
                    ));
                    continue;
                }
                Ok(v) => v,
            };
            // Problems point at the `metadata` line of the `.rego` file.
            let line = file
                .text
                .lines()
                .position(|l| l.starts_with("metadata :=") || l.starts_with("metadata="))
                .map(|n| n + 1)
                .unwrap_or(1);
            let meta: RuleMeta = match serde_json::from_value(to_json(&value)) {
                Ok(m) => m,
                Err(e) => {
                    let message = e.to_string();
                    // serde_json adds the position in the re-serialised value: meaningless here.
                    let message = message.split(" at line ").next().unwrap_or(&message);
                    problems.push(format!("{}:{line}: `metadata` is malformed: {message}", file.path));
                    continue;
                }
            };
            problems.extend(
                meta.problems()
                    .into_iter()
                    .map(|p| format!("{}:{line}: {p}", file.path)),
            );
            let defines = |name: &str| file.text.lines().any(|l| l.starts_with(&format!("{name} contains ")));
            rules.push(LoadedRule {
                meta,
                package: package.clone(),
                file: file.path.clone(),
                bundled: file.bundled,
                declares_examined: defines("examined"),
                declares_unknown: defines("unknown"),
            });
        }
        let mut by_id: BTreeMap<&str, &str> = BTreeMap::new();
        let mut by_name: BTreeMap<&str, &str> = BTreeMap::new();
        for rule in &rules {
            if let Some(other) = by_id.insert(&rule.meta.id, &rule.file) {
                problems.push(format!(
                    "{}: rule id `{}` is already used by {other}",
                    rule.file, rule.meta.id
                ));
            }
            if let Some(other) = by_name.insert(&rule.meta.name, &rule.file) {
                problems.push(format!(
                    "{}: rule name `{}` is already used by {other}",
                    rule.file, rule.meta.name
                ));
            }
        }
        if !problems.is_empty() {
            return Err(PolicyError::Metadata(problems));
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        Ok(Engine {
            regorus: engine,
            rules,
            certificate_fields: if files.iter().any(|f| !f.bundled) {
                CertificateFields::All
            } else {
                CertificateFields::Bundled
            },
            timeout: DEFAULT_TIMEOUT,
            chunk_size: None,
            digest: bundle_digest(&files),
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

    /// Evaluates every rule not in `skip` over `facts`, with parameter overrides, and returns the
    /// findings, worst first.
    pub fn evaluate(
        &self,
        facts: &FactsDocument,
        overrides: &Overrides,
        skip: &Skip,
    ) -> Result<Vec<Finding>, PolicyError> {
        self.evaluate_timed(facts, overrides, skip)
            .map(|(findings, _)| findings)
    }

    /// [`Engine::evaluate`], also saying how long the rules ran and how long their findings
    /// took to describe.
    pub fn evaluate_timed(
        &self,
        facts: &FactsDocument,
        overrides: &Overrides,
        skip: &Skip,
    ) -> Result<(Vec<Finding>, EvaluationTimings), PolicyError> {
        let start = std::time::Instant::now();
        let rules: Vec<&LoadedRule> = self.rules.iter().filter(|r| !skip.contains(&r.meta.id)).collect();
        if rules.is_empty() {
            return Ok((Vec::new(), EvaluationTimings::default()));
        }
        let base = self.prepared(overrides, &rules)?;
        let view = PolicyView::new(facts, self.certificate_fields);
        let tasks = self.tasks(&rules, view.certificate_count());
        // One engine clone per worker, reused from task to task (a clone is not free).
        let outputs: Vec<Vec<(usize, Vec<Value>)>> = tasks
            .par_iter()
            .map_init(|| base.clone(), |engine, task| run_task(engine, &view, task, &rules))
            .collect::<Result<_, _>>()?;
        let mut per_rule: Vec<Vec<Value>> = vec![Vec::new(); rules.len()];
        for (rule, values) in outputs.into_iter().flatten() {
            per_rule[rule].extend(values);
        }
        let rules_done = std::time::Instant::now();
        let describer = Describer::new(facts);
        let mut found: Vec<Vec<Finding>> = rules
            .iter()
            .zip(per_rule)
            .map(|(rule, values)| describer.findings(rule, &values))
            .collect::<Result<_, _>>()?;
        // Worst first, then by rule id (the rules are in id order), name and resource id: each
        // rule's findings are sorted on their own, then taken level by level.
        found.par_iter_mut().for_each(|list| {
            list.par_sort_unstable_by(|a, b| {
                (b.level, &a.resource.name, &a.resource.id).cmp(&(a.level, &b.resource.name, &b.resource.id))
            })
        });
        let mut findings = Vec::with_capacity(found.iter().map(Vec::len).sum());
        for level in [Level::Error, Level::Warning, Level::Note] {
            for list in &mut found {
                let at = list.partition_point(|f| f.level > level);
                let end = list.partition_point(|f| f.level >= level);
                findings.extend(list.drain(at..end));
            }
        }
        let timings = EvaluationTimings {
            rules: rules_done - start,
            describe: rules_done.elapsed(),
        };
        Ok((findings, timings))
    }

    /// Evaluates one rule on an input of the caller's (not the facts): rule SCAN002 on the
    /// exceptions' statuses. `facts` is what its findings are described against.
    pub fn evaluate_rule_on(
        &self,
        rule_id: &str,
        input: &impl serde::Serialize,
        facts: &FactsDocument,
        overrides: &Overrides,
    ) -> Result<Vec<Finding>, PolicyError> {
        let Some(rule) = self.rule(rule_id) else {
            return Ok(Vec::new());
        };
        let mut engine = self.prepared(overrides, &[rule])?;
        engine.set_input(to_value(input));
        let value = engine
            .eval_rule(format!("{}.findings", rule.package))
            .map_err(|e| PolicyError::Evaluation {
                rule: rule.meta.id.clone(),
                file: rule.file.clone(),
                message: format!("{e:#}"),
            })?;
        let values: Vec<Value> = match value {
            Value::Set(set) => set.iter().cloned().collect(),
            Value::Array(items) => items.iter().cloned().collect(),
            _ => Vec::new(),
        };
        Describer::new(facts).findings(rule, &values)
    }

    /// What every rule not in `skip` examined and could not examine (its `examined` and
    /// `unknown` sets), for compliance reports. Evaluated like the findings: certificate rules
    /// over chunks, in parallel; the results never depend on the chunking.
    pub fn coverage(
        &self,
        facts: &FactsDocument,
        overrides: &Overrides,
        skip: &Skip,
    ) -> Result<Vec<RuleCoverage>, PolicyError> {
        let rules: Vec<&LoadedRule> = self.rules.iter().filter(|r| !skip.contains(&r.meta.id)).collect();
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let base = self.prepared(overrides, &rules)?;
        let view = PolicyView::new(facts, self.certificate_fields);
        let tasks = self.tasks(&rules, view.certificate_count());
        let outputs: Vec<Vec<RuleValues>> = tasks
            .par_iter()
            .map_init(
                || base.clone(),
                |engine, task| run_task_for(engine, &view, task, &rules, &["examined", "unknown"]),
            )
            .collect::<Result<_, _>>()?;
        let mut per_rule: Vec<(BTreeSet<Covered>, BTreeSet<Covered>)> = vec![Default::default(); rules.len()];
        let parse = |rule: &LoadedRule, value: &Value| -> Result<Covered, PolicyError> {
            serde_json::from_value(to_json(value)).map_err(|e| PolicyError::BadFinding {
                rule: rule.meta.id.clone(),
                file: rule.file.clone(),
                message: format!(
                    "`examined` and `unknown` hold {{\"kind\", \"id\", \"cluster\"(, \"reason\")}} objects: {e}"
                ),
            })
        };
        for (i, lists) in outputs.into_iter().flatten() {
            let mut lists = lists.into_iter();
            for value in lists.next().unwrap_or_default() {
                per_rule[i].0.insert(parse(rules[i], &value)?);
            }
            for value in lists.next().unwrap_or_default() {
                per_rule[i].1.insert(parse(rules[i], &value)?);
            }
        }
        Ok(rules
            .iter()
            .zip(per_rule)
            .map(|(rule, (examined, unknown))| RuleCoverage {
                rule_id: rule.meta.id.clone(),
                declared: rule.declares_examined,
                examined: examined.into_iter().collect(),
                unknown: unknown.into_iter().collect(),
            })
            .collect())
    }

    /// A clone of the compiled engine with the parameters as data and the time limit set,
    /// prepared once so that its clones start evaluating at once.
    fn prepared(&self, overrides: &Overrides, rules: &[&LoadedRule]) -> Result<regorus::Engine, PolicyError> {
        let mut engine = self.regorus.clone();
        engine.set_execution_timer_config(ExecutionTimerConfig {
            limit: self.timeout,
            check_interval: NonZeroU32::MIN.saturating_add(999),
        });
        let data = BTreeMap::from([("aks_certscan", BTreeMap::from([("params", overrides)]))]);
        engine
            .add_data(to_value(&data))
            .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
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
            };
            tasks.push(Task { input, rules: vec![i] });
        }
        tasks
    }
}

/// Evaluates the rules of one task on a clone of the prepared engine; returns each rule's
/// findings as regorus values.
fn run_task(
    engine: &mut regorus::Engine,
    view: &PolicyView<'_>,
    task: &Task,
    rules: &[&LoadedRule],
) -> Result<Vec<(usize, Vec<Value>)>, PolicyError> {
    run_task_for(engine, view, task, rules, &["findings"])
        .map(|out| out.into_iter().map(|(i, mut v)| (i, v.remove(0))).collect())
}

/// One rule (its index) with the values of each name evaluated.
type RuleValues = (usize, Vec<Vec<Value>>);

/// Evaluates the named rules (`findings`, `examined`, `unknown`) of each package of one task;
/// a name the package does not define gives an empty list.
fn run_task_for(
    engine: &mut regorus::Engine,
    view: &PolicyView<'_>,
    task: &Task,
    rules: &[&LoadedRule],
    names: &[&str],
) -> Result<Vec<RuleValues>, PolicyError> {
    let input = match &task.input {
        Input::Chunk(range) => view.with_chunk(range.clone()),
        Input::NoCertificates => view.without_certificates(),
        Input::Document => view.document(),
    };
    engine.set_input(input);
    let mut out = Vec::with_capacity(task.rules.len());
    for &i in &task.rules {
        let rule = rules[i];
        let mut lists = Vec::with_capacity(names.len());
        for name in names {
            let defined = match *name {
                "examined" => rule.declares_examined,
                "unknown" => rule.declares_unknown,
                _ => true,
            };
            if !defined {
                lists.push(Vec::new());
                continue;
            }
            let value = engine
                .eval_rule(format!("{}.{name}", rule.package))
                .map_err(|e| PolicyError::Evaluation {
                    rule: rule.meta.id.clone(),
                    file: rule.file.clone(),
                    message: format!("{e:#}"),
                })?;
            let values = match value {
                Value::Undefined | Value::Null => Vec::new(),
                Value::Set(set) => set.iter().cloned().collect(),
                Value::Array(items) => items.iter().cloned().collect(),
                other => {
                    return Err(PolicyError::BadFinding {
                        rule: rule.meta.id.clone(),
                        file: rule.file.clone(),
                        message: format!("`{name}` must be a set of objects, got {}", to_json(&other)),
                    })
                }
            };
            lists.push(values);
        }
        out.push((i, lists));
    }
    Ok(out)
}
