//! `aks-certscan policy test`: runs every `test_` rule of the bundled policies and of the given
//! directories, like `opa test`. A test passes when its rule is `true`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use regorus::Value;

use super::bundle::{self, PolicyFile};
use super::error::PolicyError;
use super::load::compile;
use super::module::rules_by_file;

/// One test's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// `data.<package>.<test name>`.
    pub name: String,
    /// File.
    pub file: String,
    /// `None` for a pass, else why it failed.
    pub failure: Option<String>,
}

/// The names of the `test_` rules each file declares, in order, each once (`test_x if {`,
/// `test_x := ...`, indented or not): read from regorus' parsed modules, as `opa test` finds them.
fn test_names(engine: &regorus::Engine) -> Result<BTreeMap<String, Vec<String>>, PolicyError> {
    Ok(rules_by_file(engine)?
        .into_iter()
        .map(|(file, rules)| {
            let mut names: Vec<String> = Vec::new();
            for rule in rules {
                if rule.name.starts_with("test_") && !names.contains(&rule.name) {
                    names.push(rule.name);
                }
            }
            (file, names)
        })
        .collect())
}

/// Runs the tests of the bundled policies plus `dirs`.
pub fn run(dirs: &[PathBuf], timeout: std::time::Duration) -> Result<Vec<TestOutcome>, PolicyError> {
    let mut files: Vec<PolicyFile> = bundle::bundled();
    files.extend(bundle::user_files(dirs)?);
    let (engine, packages) = compile(&files, timeout)?;
    let tests = test_names(&engine)?;
    let mut outcomes = Vec::new();
    for (file, package) in files.iter().zip(&packages) {
        for test in tests.get(&file.path).into_iter().flatten() {
            let name = format!("{package}.{test}");
            let mut engine = engine.clone();
            let result = engine.eval_rule(name.clone());
            super::prints::forward(&mut engine, &file.path);
            let failure = match result {
                Ok(Value::Bool(true)) => None,
                Ok(Value::Undefined) => Some("undefined: a condition in the test did not hold".to_string()),
                Ok(other) => Some(format!("evaluated to {other}, expected true")),
                Err(e) => Some(format!("error: {e:#}")),
            };
            outcomes.push(TestOutcome {
                name,
                file: file.path.clone(),
                failure,
            });
        }
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_test_rule_names_as_opa_test_does() {
        let text = "package x\n\nimport rego.v1\n\ntest_a if { true }\n\ntest_b := true\n\n  test_indented if true\n\ntest_a if { false }\n\nhelper_test := 1\n";
        let file = PolicyFile {
            path: "x_test.rego".into(),
            text: text.into(),
            bundled: false,
        };
        let (engine, _) = compile(&[file], super::super::engine::DEFAULT_TIMEOUT).expect("compiles");
        let names = test_names(&engine).expect("names");
        assert_eq!(names["x_test.rego"], vec!["test_a", "test_b", "test_indented"]);
    }
}
