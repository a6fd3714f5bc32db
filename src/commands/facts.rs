//! `aks-certscan facts`: collect and write the facts document.

use super::{use_threads, warn_errors, ExitStatus, Result};
use crate::cli::FactsOptions;
use crate::pipeline::{collect_facts, facts_file, nothing_collected, Phases};

/// Runs `facts`.
pub fn run(options: &FactsOptions) -> Result<ExitStatus> {
    use_threads(options.threads)?;
    let mut phases = Phases::default();
    let (mut doc, timings) = collect_facts(&options.plan);
    phases.add("collect", timings.collect);
    phases.add("derive", timings.derive);
    warn_errors(&doc.facts.errors);
    phases.time("write", || facts_file::write(options.output.as_deref(), &mut doc))?;
    if options.timings {
        eprintln!("timings: {}", phases.summary());
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
