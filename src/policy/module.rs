//! What a policy module (one `.rego` file) declares, read from regorus' parsed modules, never from
//! the Rego text: a rule written in any style (`metadata := {...}`, `metadata = {...}`, a rule
//! body, `examined contains x if ...`, `examined[x] { ... }`) is found alike.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::PolicyError;

/// Whether the module of `file` declares a rule named `name` (at any depth below it).
pub fn declares(engine: &regorus::Engine, file: &str, name: &str) -> Result<bool, PolicyError> {
    engine
        .has_declared_rule_rooted_at(file, name)
        .map_err(|e| PolicyError::Engine(format!("{file}: {e:#}")))
}

/// One rule head a module declares: its first name component and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredRule {
    /// `metadata`, `findings`, `test_expired_fires`, ...
    pub name: String,
    /// 1-based line of the rule.
    pub line: u32,
}

/// Every rule head of every module loaded into `engine`, by file, in file order: from regorus'
/// syntax tree (`get_ast_as_json`). Used where every rule must be listed (`policy test` finds its
/// `test_` rules) or a line is wanted for a message.
pub fn rules_by_file(engine: &regorus::Engine) -> Result<BTreeMap<String, Vec<DeclaredRule>>, PolicyError> {
    let text = engine
        .get_ast_as_json()
        .map_err(|e| PolicyError::Engine(format!("cannot read the parsed policies: {e:#}")))?;
    let modules: Value = serde_json::from_str(&text)
        .map_err(|e| PolicyError::Engine(format!("cannot read the parsed policies: {e}")))?;
    let mut out: BTreeMap<String, Vec<DeclaredRule>> = BTreeMap::new();
    for module in modules.as_array().map(Vec::as_slice).unwrap_or_default() {
        let Some(file) = module.pointer("/source/file").and_then(Value::as_str) else {
            continue;
        };
        let rules = module
            .pointer("/ast/rules")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let declared = out.entry(file.to_string()).or_default();
        for rule in rules {
            if let Some(found) = rule_head(rule) {
                declared.push(found);
            }
        }
    }
    Ok(out)
}

/// The name and line of one rule: `{"Spec": {"span", "head": {"Compr"|"Set"|"Func": {"refr"}}}}`
/// or `{"Default": {"span", "refr"}}`.
fn rule_head(rule: &Value) -> Option<DeclaredRule> {
    let (span, refr) = if let Some(spec) = rule.get("Spec") {
        let head = spec.get("head")?;
        let kind = ["Compr", "Set", "Func"].iter().find_map(|k| head.get(*k))?;
        (spec.get("span")?, kind.get("refr")?)
    } else {
        let default = rule.get("Default")?;
        (default.get("span")?, default.get("refr")?)
    };
    Some(DeclaredRule {
        name: base_name(refr)?,
        line: span
            .get("line")
            .and_then(Value::as_u64)
            .and_then(|l| u32::try_from(l).ok())?,
    })
}

/// The first component of a rule reference: `a` of `a`, `a.b`, `a["b"]`.
fn base_name(refr: &Value) -> Option<String> {
    if let Some(var) = refr.get("Var") {
        return var.get("value").and_then(Value::as_str).map(str::to_string);
    }
    let inner = refr.get("RefDot").or_else(|| refr.get("RefBrack"))?;
    base_name(inner.get("refr")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_with(text: &str) -> regorus::Engine {
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(false);
        engine.add_policy("p.rego".into(), text.into()).expect("compiles");
        engine
    }

    #[test]
    fn rules_are_found_in_any_style() {
        let engine = engine_with(
            "package p\n\nimport rego.v1\n\nmetadata = {\"id\": \"X\"}\n\nexamined contains x if { some x in input.a }\n\ntest_a if true\n\n\ttest_b := true\n\nf(x) := x\n\nmetadata.more := 1\n",
        );
        let rules = rules_by_file(&engine).expect("parsed");
        let names: Vec<(&str, u32)> = rules["p.rego"].iter().map(|r| (r.name.as_str(), r.line)).collect();
        assert_eq!(
            names,
            [
                ("metadata", 5),
                ("examined", 7),
                ("test_a", 9),
                ("test_b", 11),
                ("f", 13),
                ("metadata", 15)
            ]
        );
        assert!(declares(&engine, "p.rego", "examined").expect("ok"));
        assert!(!declares(&engine, "p.rego", "unknown").expect("ok"));
    }
}
