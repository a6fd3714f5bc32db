//! `aks-certscan facts`: collect and write the facts document.

use super::exit::{ExitStatus, Result};
use super::output::warn_errors;
use crate::cli::FactsOptions;
use crate::pipeline::{write_facts, Phases};

/// Runs `facts`.
pub fn run(options: &FactsOptions) -> Result<ExitStatus> {
    let mut phases = Phases::default();
    let written = write_facts(&options.plan, options.output.as_deref(), &mut phases)?;
    warn_errors(&written.errors);
    if options.timings {
        crate::log::line(&format!("timings: {}", phases.summary()));
    }
    Ok(if written.nothing_collected {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}
