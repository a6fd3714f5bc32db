//! `aks-certscan policy test`: runs the policies' `test_` rules and prints one line per test.

use std::io::Write;

use super::exit::{ExitStatus, Result};
use crate::policy::testing;

/// Runs `policy test`.
pub fn run(dirs: &[std::path::PathBuf], timeout: std::time::Duration) -> Result<ExitStatus> {
    let outcomes = testing::run(dirs, timeout)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    for o in &outcomes {
        match &o.failure {
            None => writeln!(out, "PASS {} ({})", o.name.trim_start_matches("data."), o.file)?,
            Some(why) => writeln!(out, "FAIL {} ({}): {why}", o.name.trim_start_matches("data."), o.file)?,
        }
    }
    writeln!(out, "{} passed, {} failed", outcomes.len() - failed, failed)?;
    Ok(if failed == 0 && !outcomes.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}
