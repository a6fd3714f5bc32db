//! Loading policies into regorus, reading the catalogue, and evaluating every rule over the facts
//! in one engine pass (`data.aks_certscan.rules`).
//!
//! The prepared engine is built once and cloned per evaluation (regorus engines are `Clone`).
//! Evaluation has a wall-clock limit so that a user policy cannot hang a pipeline.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value};

use super::bundle::{self, PolicyFile};
use super::metadata::RuleMeta;
use super::PolicyError;
use crate::findings::{from_raw, Finding, RawFinding};

/// The package prefix under which rules live.
pub const RULES_PACKAGE: &str = "data.aks_certscan.rules";

/// Default evaluation time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

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
}

/// The loaded policy files, compiled, with their catalogue.
#[derive(Clone)]
pub struct PolicySet {
    files: Vec<(PolicyFile, String)>,
    engine: Engine,
    rules: Vec<LoadedRule>,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet").field("rules", &self.rules.len()).finish()
    }
}

/// Adds `files` to a new engine; every compile error is reported, not only the first.
pub fn compile(files: &[PolicyFile]) -> Result<(Engine, Vec<String>), PolicyError> {
    let mut engine = Engine::new();
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

impl PolicySet {
    /// Loads the bundled policies and every `.rego` file (tests excluded) of `user_dirs`.
    pub fn load(user_dirs: &[PathBuf]) -> Result<Self, PolicyError> {
        let mut files: Vec<PolicyFile> = bundle::bundled().into_iter().filter(|f| !f.is_test()).collect();
        for dir in user_dirs {
            files.extend(bundle::load_dir(dir)?.into_iter().filter(|f| !f.is_test()));
        }
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
            let meta: RuleMeta = match value
                .to_json_str()
                .map_err(|e| e.to_string())
                .and_then(|j| serde_json::from_str(&j).map_err(|e| e.to_string()))
            {
                Ok(m) => m,
                Err(e) => {
                    problems.push(format!("{}: `metadata` is malformed: {e}", file.path));
                    continue;
                }
            };
            problems.extend(meta.problems().into_iter().map(|p| format!("{}: {p}", file.path)));
            rules.push(LoadedRule {
                meta,
                package: package.clone(),
                file: file.path.clone(),
                bundled: file.bundled,
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
        Ok(PolicySet {
            files: files.into_iter().zip(packages).collect(),
            engine,
            rules,
        })
    }

    /// The catalogue, in id order.
    pub fn rules(&self) -> &[LoadedRule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&LoadedRule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    /// Evaluates every rule not in `skip` over `facts` (the facts document as JSON) with
    /// parameter overrides `params` (`{rule id: {param: value}}`) in one engine pass.
    pub fn evaluate(
        &self,
        facts: &str,
        params: &serde_json::Value,
        skip: &BTreeSet<String>,
        timeout: Duration,
    ) -> Result<Vec<Finding>, PolicyError> {
        let mut engine = if skip.is_empty() {
            self.engine.clone()
        } else {
            let skipped: BTreeSet<&str> = self
                .rules
                .iter()
                .filter(|r| skip.contains(&r.meta.id))
                .map(|r| r.package.as_str())
                .collect();
            let kept: Vec<PolicyFile> = self
                .files
                .iter()
                .filter(|(_, p)| !skipped.contains(p.as_str()))
                .map(|(f, _)| f.clone())
                .collect();
            compile(&kept)?.0
        };
        engine.set_execution_timer_config(ExecutionTimerConfig {
            limit: timeout,
            check_interval: NonZeroU32::MIN.saturating_add(999),
        });
        let input =
            Value::from_json_str(facts).map_err(|e| PolicyError::Engine(format!("facts are not valid JSON: {e}")))?;
        engine.set_input(input);
        let data = serde_json::json!({ "aks_certscan": { "params": params } });
        engine
            .add_data(Value::from(data))
            .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;

        let results = match engine.eval_query(RULES_PACKAGE.to_string(), false) {
            Ok(r) => r,
            Err(e) => {
                return Err(self
                    .find_failing_rule(&mut engine, skip)
                    .unwrap_or(PolicyError::Engine(format!("{e:#}"))))
            }
        };
        let tree = results
            .result
            .first()
            .and_then(|r| r.expressions.first())
            .map(|e| e.value.clone())
            .unwrap_or(Value::Undefined);
        let tree: serde_json::Value = match tree {
            Value::Undefined => serde_json::Value::Null,
            v => serde_json::from_str(&v.to_json_str().map_err(|e| PolicyError::Engine(e.to_string()))?)
                .map_err(|e| PolicyError::Engine(e.to_string()))?,
        };
        let mut merged = BTreeMap::new();
        for rule in self.rules.iter().filter(|r| !skip.contains(&r.meta.id)) {
            let mut node = &tree;
            for part in rule
                .package
                .trim_start_matches(RULES_PACKAGE)
                .trim_start_matches('.')
                .split('.')
            {
                node = node.get(part).unwrap_or(&serde_json::Value::Null);
            }
            let raw = match node.get("findings") {
                None | Some(serde_json::Value::Null) => Vec::new(),
                Some(list) => serde_json::from_value::<Vec<RawFinding>>(list.clone()).map_err(|e| PolicyError::BadFinding {
                    rule: rule.meta.id.clone(),
                    file: rule.file.clone(),
                    message: format!("{e}; a finding needs `message` and `resource` {{kind, id, name}}, and may have `location`, `level` and `evidence`"),
                })?,
            };
            from_raw(&rule.meta, raw, &mut merged);
        }
        let mut findings: Vec<Finding> = merged.into_values().collect();
        findings.sort_by(|a, b| {
            (b.level, &a.rule_id, &a.resource.name, &a.resource.id).cmp(&(
                a.level,
                &b.rule_id,
                &b.resource.name,
                &b.resource.id,
            ))
        });
        Ok(findings)
    }

    /// After a failed pass, evaluates rule by rule to name the one that fails.
    fn find_failing_rule(&self, engine: &mut Engine, skip: &BTreeSet<String>) -> Option<PolicyError> {
        self.rules
            .iter()
            .filter(|r| !skip.contains(&r.meta.id))
            .find_map(|rule| {
                engine
                    .eval_rule(format!("{}.findings", rule.package))
                    .err()
                    .map(|e| PolicyError::Evaluation {
                        rule: rule.meta.id.clone(),
                        file: rule.file.clone(),
                        message: format!("{e:#}"),
                    })
            })
    }
}
