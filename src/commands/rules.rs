//! `aks-certscan rules`: the catalogue, from the policies' own metadata.

use super::exit::{ExitStatus, Result};
use super::output::write_to;
use crate::cli::RulesOptions;
use crate::policy::Engine;

/// Runs `rules`.
pub fn run(options: &RulesOptions) -> Result<ExitStatus> {
    let engine = Engine::load(&options.policy_dirs)?;
    let rendered = crate::report::catalogue(options.format, engine.rules())?;
    write_to(None, "the catalogue", |out| out.write_all(rendered.as_bytes()))?;
    Ok(ExitStatus::Success)
}
