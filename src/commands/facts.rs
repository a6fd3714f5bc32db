//! `aks-certscan facts`: collect and write the facts document.

use super::exit::{Error, ExitStatus, Result};
use super::output::warn_errors;
use crate::cli::FactsOptions;
use crate::pipeline::{collect_facts, facts_file, nothing_collected, Phases};

/// Runs `facts`.
pub fn run(options: &FactsOptions) -> Result<ExitStatus> {
    let mut phases = Phases::default();
    let (mut doc, timings) = collect_facts(&options.plan);
    phases.add("collect", timings.collect);
    phases.add("derive", timings.derive);
    warn_errors(&doc.facts.errors);
    phases
        .time("write", || facts_file::write(options.output.as_deref(), &mut doc))
        .map_err(|source| Error::Write {
            what: "the facts document".into(),
            path: options
                .output
                .as_deref()
                .map(|p| crate::sanitize::terminal(&p.display().to_string()))
                .unwrap_or_else(|| "standard output".into()),
            source,
        })?;
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
