//! Loading policies: every file compiled into one regorus engine (each compile error reported,
//! not only the first), and the catalogue read from regorus: each rule package's `metadata`
//! evaluated, and which of `examined` and `unknown` it declares read from the parsed module.

use std::collections::BTreeMap;

use regorus::Value;

use super::bundle::PolicyFile;
use super::error::PolicyError;
use super::module::{declares, rules_by_file};
use super::rule::{LoadedRule, RuleMeta};
use super::value::to_json;

/// The package prefix under which rules live.
pub const RULES_PACKAGE: &str = "data.aks_certscan.rules";

/// Adds `files` to a new regorus engine; every compile error is reported, not only the first.
/// Returns the engine and each file's package (`data.aks_certscan.rules.x`).
pub fn compile(
    files: &[PolicyFile],
    timeout: std::time::Duration,
) -> Result<(regorus::Engine, Vec<String>), PolicyError> {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(false);
    // Every evaluation of this engine and its clones (metadata, rules, tests) has the limit.
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: timeout,
        check_interval: std::num::NonZeroU32::MIN.saturating_add(999),
    });
    // `print()` is gathered, then forwarded through the terminal sanitiser (see `prints`).
    engine.set_gather_prints(true);
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
    errors.extend(reserved_package_errors(files, &packages));
    if errors.is_empty() {
        Ok((engine, packages))
    } else {
        Err(PolicyError::Compile(errors))
    }
}

/// The namespace of every bundled package: parameters (`data.aks_certscan.params`, set only by
/// `--param` and `--data`, which check them), the library, fixtures and the bundled rules.
const BUNDLED_NAMESPACE: &str = "data.aks_certscan";

/// A user file (`--policy`) may add rules (a new package under [`RULES_PACKAGE`]) and packages of
/// its own outside [`BUNDLED_NAMESPACE`], but never add to, replace or nest in a bundled package:
/// Rego merges files of one package, so `package aks_certscan.params` would silently replace the
/// checked parameters and `package aks_certscan.rules.certificate_expiring_soon` could change a
/// bundled rule's verdicts.
fn reserved_package_errors(files: &[PolicyFile], packages: &[String]) -> Vec<String> {
    let bundled: Vec<&str> = files
        .iter()
        .zip(packages)
        .filter(|(f, p)| f.bundled && !p.is_empty())
        .map(|(_, p)| p.as_str())
        .collect();
    let related = |a: &str, b: &str| {
        a == b
            || a.strip_prefix(b).is_some_and(|r| r.starts_with('.'))
            || b.strip_prefix(a).is_some_and(|r| r.starts_with('.'))
    };
    let mut errors = Vec::new();
    for (file, package) in files.iter().zip(packages) {
        if file.bundled || package.is_empty() {
            continue;
        }
        let shown = package.trim_start_matches("data.");
        let in_namespace = related(package, BUNDLED_NAMESPACE);
        let new_rule = package
            .strip_prefix(RULES_PACKAGE)
            .is_some_and(|rest| rest.starts_with('.'));
        if let Some(clash) = bundled.iter().find(|b| related(package, b)) {
            errors.push(format!(
                "{}: package `{shown}` is bundled (`{}`): a --policy file cannot add to, replace or nest in a bundled package; name your rule's package `aks_certscan.rules.<your_rule>` (a new name), and set bundled parameters with --param or --data",
                crate::sanitize::terminal(&file.path),
                clash.trim_start_matches("data.")
            ));
        } else if in_namespace && !new_rule {
            errors.push(format!(
                "{}: package `{shown}` is in the bundled namespace `aks_certscan`: a --policy file may only add rules (`aks_certscan.rules.<your_rule>`) or packages outside it; set bundled parameters with --param or --data",
                crate::sanitize::terminal(&file.path)
            ));
        }
    }
    errors
}

/// The rules of the compiled `files` (their packages from [`compile`]), in id order: every
/// package under [`RULES_PACKAGE`] must declare a valid `metadata` object, and ids and names must
/// be unique. Every problem is reported, each at the line of its `metadata` rule.
pub fn catalogue(
    engine: &mut regorus::Engine,
    files: &[PolicyFile],
    packages: &[String],
) -> Result<Vec<LoadedRule>, PolicyError> {
    let mut rules = Vec::new();
    // (file, problem, whether it is about the `metadata` rule): its line is looked up in the
    // parsed modules only when there are problems.
    let mut problems: Vec<(String, String, bool)> = Vec::new();
    for (file, package) in files.iter().zip(packages) {
        if !package.starts_with(&format!("{RULES_PACKAGE}.")) {
            continue;
        }
        let value = engine.eval_rule(format!("{package}.metadata"));
        super::prints::forward(engine, &file.path);
        let value = match value {
            Err(e) => {
                problems.push((
                    file.path.clone(),
                    format!(
                        "`metadata` of package `{}` could not be evaluated: {e:#}",
                        package.trim_start_matches("data.")
                    ),
                    false,
                ));
                continue;
            }
            Ok(Value::Undefined) => {
                problems.push((
                    file.path.clone(),
                    format!(
                        "package `{}` has no `metadata` object (every rule package needs one)",
                        package.trim_start_matches("data.")
                    ),
                    false,
                ));
                continue;
            }
            Ok(v) => v,
        };
        let meta: RuleMeta = match serde_json::from_value(to_json(&value)) {
            Ok(m) => m,
            Err(e) => {
                let message = e.to_string();
                // serde_json adds the position in the re-serialised value: meaningless here.
                let message = message.split(" at line ").next().unwrap_or(&message);
                problems.push((file.path.clone(), format!("`metadata` is malformed: {message}"), true));
                continue;
            }
        };
        problems.extend(meta.problems().into_iter().map(|p| (file.path.clone(), p, true)));
        rules.push(LoadedRule {
            meta,
            package: package.clone(),
            file: file.path.clone(),
            bundled: file.bundled,
            declares_examined: declares(engine, &file.path, "examined")?,
            declares_unknown: declares(engine, &file.path, "unknown")?,
        });
    }
    let mut by_id: BTreeMap<&str, &str> = BTreeMap::new();
    let mut by_name: BTreeMap<&str, &str> = BTreeMap::new();
    for rule in &rules {
        if let Some(other) = by_id.insert(&rule.meta.id, &rule.file) {
            problems.push((
                rule.file.clone(),
                format!("rule id `{}` is already used by {other}", rule.meta.id),
                false,
            ));
        }
        if let Some(other) = by_name.insert(&rule.meta.name, &rule.file) {
            problems.push((
                rule.file.clone(),
                format!("rule name `{}` is already used by {other}", rule.meta.name),
                false,
            ));
        }
    }
    if !problems.is_empty() {
        let declared = rules_by_file(engine)?;
        let line_of = |file: &str| {
            declared
                .get(file)
                .and_then(|rules| rules.iter().find(|r| r.name == "metadata"))
                .map(|r| r.line)
                .unwrap_or(1)
        };
        return Err(PolicyError::Metadata(
            problems
                .into_iter()
                .map(|(file, problem, at_metadata)| {
                    if at_metadata {
                        format!("{file}:{}: {problem}", line_of(&file))
                    } else {
                        format!("{file}: {problem}")
                    }
                })
                .collect(),
        ));
    }
    rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    Ok(rules)
}
