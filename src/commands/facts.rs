//! `aks-certscan facts`: collect and write the facts document.

use anyhow::Result;

use super::{nothing_collected, use_threads, warn_errors, write_facts, ExitStatus};
use crate::cli::FactsOptions;

/// Runs `facts`.
pub fn run(options: &FactsOptions) -> Result<ExitStatus> {
    use_threads(options.threads)?;
    let doc = crate::facts::collect(&options.plan);
    warn_errors(&doc.facts.errors);
    write_facts(options.output.as_deref(), &doc)?;
    Ok(if nothing_collected(&doc) {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}
