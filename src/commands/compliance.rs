//! `aks-certscan compliance`: run the pipeline with coverage, and report per control of one
//! framework (see [`crate::compliance`]).

use super::exit::{ExitStatus, Result};
use super::output::{warn_errors, write_to};
use crate::choice::Choice;
use crate::cli::{ComplianceOptions, UsageError};
use crate::compliance::{build, failing_levels, framework_info, Inputs};
use crate::findings::Finding;
use crate::pipeline::Prepared;

/// Runs `compliance`.
pub fn run(options: &ComplianceOptions) -> Result<ExitStatus> {
    let prepared = Prepared::load(&options.plan)?;
    let (_, controls) = framework_info(&options.framework, prepared.engine.rules());
    if controls.is_empty() {
        let known: std::collections::BTreeSet<&str> = crate::policy::frameworks::FRAMEWORKS
            .iter()
            .map(|f| f.id)
            .chain(
                prepared
                    .engine
                    .rules()
                    .iter()
                    .flat_map(|r| r.meta.controls.keys().map(String::as_str)),
            )
            .collect();
        return Err(UsageError(format!(
            "--framework {}: no rule maps to it; frameworks: {}",
            options.framework,
            known.into_iter().collect::<Vec<_>>().join(", ")
        ))
        .into());
    }
    let outcome = prepared.run(&options.plan, Default::default())?;
    warn_errors(outcome.errors());
    if outcome.nothing_collected() {
        crate::log::line("error: nothing could be collected from the sources given (see the warnings above)");
    }
    let findings: Vec<&Finding> = outcome.findings.iter().map(|r| &r.finding).collect();
    let report = build(&Inputs {
        framework: &options.framework,
        rules: &outcome.rules,
        skip: &outcome.skip,
        coverage: &outcome.coverage,
        findings: &findings,
        facts: &outcome.facts,
        policy_digest: &outcome.policy_digest,
    });
    for (format, path) in &options.outputs {
        let text = crate::report::compliance_report(*format, &report)?;
        write_to(
            path.as_deref(),
            &format!("the {} compliance report", format.name()),
            |out| out.write_all(text.as_bytes()),
        )?;
    }
    let failing = options
        .fail_on
        .is_some_and(|min| failing_levels(&report).any(|level| level >= min));
    Ok(if outcome.nothing_collected() {
        ExitStatus::Error
    } else if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
