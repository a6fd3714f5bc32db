//! `aks-certscan facts`: collect and write the facts document.

use anyhow::Result;

use super::{nothing_collected, use_threads, warn_errors, write_facts, ExitStatus, Phases};
use crate::cli::FactsOptions;

/// Runs `facts`.
pub fn run(options: &FactsOptions) -> Result<ExitStatus> {
    use_threads(options.threads)?;
    let mut phases = Phases::default();
    let (mut doc, timings) = crate::pipeline::collect_facts(&options.plan);
    phases.add("collect", timings.collect);
    phases.add("derive", timings.derive);
    warn_errors(&doc.facts.errors);
    phases.time("write", || write_facts(options.output.as_deref(), &mut doc))?;
    if options.timings {
        phases.print();
    }
    let status = if nothing_collected(&doc) {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    };
    // The process ends right after: see `scan::run`.
    std::mem::forget(doc);
    Ok(status)
}
