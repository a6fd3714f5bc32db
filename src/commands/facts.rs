//! `aks-certscan facts`: collect and write the facts document.

use anyhow::Result;

use super::{collect_facts, facts_json, nothing_collected, resolve_sources, write_output, ExitStatus};
use crate::cli::FactsArgs;

/// Runs `facts`.
pub fn run(args: &FactsArgs) -> Result<ExitStatus> {
    let (specs, ctx) = resolve_sources(&args.sources)?;
    let doc = collect_facts(&args.sources, &specs, &ctx);
    write_output(args.output.as_deref(), &facts_json(&doc)?)?;
    Ok(if nothing_collected(&doc) && !doc.errors.is_empty() {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}
