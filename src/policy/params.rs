//! Rule parameters: defaults from each rule's metadata, overridden by `--data FILE` and then by
//! `--param`. Every override is checked before evaluation: the key must be a parameter of some
//! rule, and the value must have the type of its default.
//!
//! `--param KEY=VALUE` sets KEY for every rule that declares it; `--param CERT002.KEY=VALUE` for
//! one rule. VALUE is read as JSON when it parses (`30`, `0.1`, `true`, `["a"]`), else as a string.
//! `--data FILE` (JSON or YAML) holds `{"params": {...}}` with the same two kinds of keys:
//! a parameter name, or a rule id mapping to an object of parameters.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::error::PolicyError;
use super::rule::LoadedRule;

/// Overrides by rule id, then parameter name.
pub type Overrides = BTreeMap<String, BTreeMap<String, Value>>;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn same_type(default: &Value, value: &Value) -> bool {
    std::mem::discriminant(default) == std::mem::discriminant(value)
}

/// Applies one override (`target` is `KEY` or `RULE.KEY`), checking it.
fn apply(
    rules: &[LoadedRule],
    target: &str,
    value: Value,
    origin: &str,
    out: &mut Overrides,
    problems: &mut Vec<String>,
) {
    let (rule_id, key) = match target.split_once('.') {
        Some((rule, key)) => (Some(rule), key),
        None => (None, target),
    };
    if let Some(id) = rule_id {
        if !rules.iter().any(|r| r.meta.id == id) {
            problems.push(format!("{origin}: unknown rule id `{id}`"));
            return;
        }
    }
    let targets: Vec<&LoadedRule> = rules
        .iter()
        .filter(|r| rule_id.is_none_or(|id| r.meta.id == id) && r.meta.params.contains_key(key))
        .collect();
    if targets.is_empty() {
        let known: Vec<String> = rules
            .iter()
            .filter(|r| rule_id.is_none_or(|id| r.meta.id == id))
            .flat_map(|r| r.meta.params.keys().map(move |k| format!("{}.{k}", r.meta.id)))
            .collect();
        problems.push(format!(
            "{origin}: unknown parameter `{target}`; expected one of: {}",
            if known.is_empty() {
                "(none)".into()
            } else {
                known.join(", ")
            }
        ));
        return;
    }
    for rule in targets {
        let default = &rule.meta.params[key];
        if !same_type(default, &value) {
            problems.push(format!(
                "{origin}: parameter `{}.{key}` expects {} (default {default}), got {} `{value}`",
                rule.meta.id,
                type_name(default),
                type_name(&value)
            ));
            continue;
        }
        out.entry(rule.meta.id.clone())
            .or_default()
            .insert(key.to_string(), value.clone());
    }
}

/// Parses a `--param` value: JSON when it parses, else the text as a string.
pub fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Builds the checked overrides from `--data` and `--param`; every problem is reported at once.
pub fn resolve(
    rules: &[LoadedRule],
    data_file: Option<&Path>,
    max_file_size: u64,
    params: &[String],
) -> Result<Overrides, PolicyError> {
    let mut out = Overrides::new();
    let mut problems = Vec::new();
    if let Some(path) = data_file {
        let shown = path.display().to_string();
        match load_data(path, max_file_size) {
            Ok(doc) => {
                for (key, value) in doc {
                    if key != "params" {
                        problems.push(format!(
                            "--data {shown}: unknown top-level key `{key}`; expected `params`"
                        ));
                        continue;
                    }
                    let Value::Object(map) = value else {
                        problems.push(format!("--data {shown}: `params` must be an object"));
                        continue;
                    };
                    for (k, v) in map {
                        match (rules.iter().any(|r| r.meta.id == k), v) {
                            (true, Value::Object(inner)) => {
                                for (pk, pv) in inner {
                                    apply(
                                        rules,
                                        &format!("{k}.{pk}"),
                                        pv,
                                        &format!("--data {shown}"),
                                        &mut out,
                                        &mut problems,
                                    );
                                }
                            }
                            (true, other) => problems.push(format!(
                                "--data {shown}: `params.{k}` must be an object of parameters, got {}",
                                type_name(&other)
                            )),
                            (false, v) => apply(rules, &k, v, &format!("--data {shown}"), &mut out, &mut problems),
                        }
                    }
                }
            }
            Err(message) => problems.push(format!("--data {shown}: {message}")),
        }
    }
    for param in params {
        match param.split_once('=') {
            Some((target, value)) if !target.trim().is_empty() => apply(
                rules,
                target.trim(),
                parse_value(value),
                &format!("--param {param}"),
                &mut out,
                &mut problems,
            ),
            _ => problems.push(format!("--param {param}: expected KEY=VALUE or RULE_ID.KEY=VALUE")),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(PolicyError::Params(problems))
    }
}

fn load_data(path: &Path, max_file_size: u64) -> Result<Map<String, Value>, String> {
    let text = crate::safe_io::read_regular_text(path, max_file_size).map_err(|e| e.to_string())?;
    let value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => serde_saphyr::from_str_with_options(&text, serde_saphyr::options! { with_snippet: false })
            .map_err(|e| format!("neither JSON nor YAML: {e}"))?,
    };
    match value {
        Value::Object(map) => Ok(map),
        other => Err(format!("expected an object, got {}", type_name(&other))),
    }
}

/// Checks `--skip` ids.
pub fn check_skips(rules: &[LoadedRule], skip: &[String]) -> Result<std::collections::BTreeSet<String>, PolicyError> {
    let unknown: Vec<String> = skip
        .iter()
        .filter(|id| !rules.iter().any(|r| &r.meta.id == *id))
        .map(|id| {
            let hint = crate::choice::did_you_mean(id, rules.iter().map(|r| r.meta.id.as_str()))
                .map(|m| format!(" (did you mean `{m}`?)"))
                .unwrap_or_default();
            format!(
                "--skip {id}: unknown rule id{hint}; known ids: {}",
                rules.iter().map(|r| r.meta.id.as_str()).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(skip.iter().cloned().collect())
    } else {
        Err(PolicyError::Params(unknown))
    }
}
