//! `aks-certscan policy test`: runs every `test_` rule of the bundled policies and of the given
//! directories, like `opa test`. A test passes when its rule is `true`.

use std::path::PathBuf;

use regorus::Value;

use super::bundle::{self, PolicyFile};
use super::engine::compile;
use super::PolicyError;

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

/// The names of the `test_` rules a file defines, in order (`test_x if {`, `test_x := ...`).
pub fn test_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("test_") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let full = format!("test_{name}");
            if !names.contains(&full) {
                names.push(full);
            }
        }
    }
    names
}

/// Runs the tests of the bundled policies plus `dirs`.
pub fn run(dirs: &[PathBuf]) -> Result<Vec<TestOutcome>, PolicyError> {
    let mut files: Vec<PolicyFile> = bundle::bundled();
    files.extend(bundle::user_files(dirs)?);
    let (engine, packages) = compile(&files)?;
    let mut outcomes = Vec::new();
    for (file, package) in files.iter().zip(&packages) {
        for test in test_names(&file.text) {
            let name = format!("{package}.{test}");
            let mut engine = engine.clone();
            let failure = match engine.eval_rule(name.clone()) {
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
    fn finds_test_rule_names() {
        let text =
            "package x\ntest_a if { true }\ntest_b := true\n  test_not_at_column_zero if true\ntest_a if { false }\n";
        assert_eq!(test_names(text), vec!["test_a", "test_b"]);
    }
}
