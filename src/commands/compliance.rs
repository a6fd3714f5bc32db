//! `aks-certscan compliance`: collect, evaluate the rules and what they examined, and report per
//! control of one framework (see [`crate::report::compliance`]).

use anyhow::{Context, Result};

use super::{load_policies, nothing_collected, use_threads, warn_errors, write_to, ExitStatus, UsageError};
use crate::cli::{ComplianceFormat, ComplianceOptions};
use crate::report::compliance::{build, failing_levels, framework_info, markdown, Inputs};

/// Runs `compliance`.
pub fn run(options: &ComplianceOptions) -> Result<ExitStatus> {
    use_threads(options.threads)?;
    let (engine, skip, overrides) = load_policies(&options.policies, options.plan.context.max_file_size)?;
    let (_, controls) = framework_info(&options.framework, engine.rules());
    if controls.is_empty() {
        let known: std::collections::BTreeSet<&str> = crate::policy::frameworks::FRAMEWORKS
            .iter()
            .map(|f| f.id)
            .chain(
                engine
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
    let mut facts = crate::pipeline::collect_facts(&options.plan).0;
    warn_errors(&facts.facts.errors);
    if nothing_collected(&facts) {
        eprintln!("error: nothing could be collected from the sources given (see the warnings above)");
    }
    facts.drop_der();
    let findings = engine.evaluate(&facts, &overrides, &skip)?;
    let coverage = engine.coverage(&facts, &overrides, &skip)?;
    let report = build(&Inputs {
        framework: &options.framework,
        rules: engine.rules(),
        skip: &skip,
        coverage: &coverage,
        findings: &findings,
        facts: &facts,
        policy_digest: engine.digest(),
    });
    for (format, path) in &options.outputs {
        let text = match format {
            ComplianceFormat::Markdown => markdown(&report),
            ComplianceFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        };
        write_to(path.as_deref(), |out| out.write_all(text.as_bytes())).context("writing the compliance report")?;
    }
    let failing = options
        .fail_on
        .is_some_and(|min| failing_levels(&report).any(|level| level >= min));
    Ok(if nothing_collected(&facts) {
        ExitStatus::Error
    } else if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
