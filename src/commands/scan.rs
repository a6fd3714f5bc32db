//! `aks-certscan scan`: collect, evaluate, report, and decide the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{collect_facts, facts_json, nothing_collected, resolve_sources, write_output, ExitStatus, UsageError};
use crate::cli::{FailOn, Format, ScanArgs};
use crate::findings::Finding;
use crate::policy::engine::{PolicySet, DEFAULT_TIMEOUT};
use crate::policy::metadata::Level;
use crate::policy::params;
use crate::report::baseline::{Baseline, BaselineState};
use crate::report::{render, Report};

/// The facts document written when SARIF goes to standard output and needs it.
const DEFAULT_FACTS_FILE: &str = "aks-certscan.facts.json";

/// The outputs of a scan: each format with its file (`None` is standard output).
fn outputs(args: &ScanArgs) -> Result<Vec<(Format, Option<PathBuf>)>> {
    if args.output.len() > args.format.len().max(1) {
        return Err(UsageError(format!(
            "{} --output files but {} --format: give a --format for each --output",
            args.output.len(),
            args.format.len()
        ))
        .into());
    }
    let formats = if args.format.is_empty() {
        vec![Format::Text]
    } else {
        args.format.clone()
    };
    let pairs: Vec<(Format, Option<PathBuf>)> = formats
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, args.output.get(i).cloned()))
        .collect();
    if pairs.iter().filter(|(_, o)| o.is_none()).count() > 1 {
        return Err(
            UsageError("only one --format can go to standard output; give the others an --output FILE".into()).into(),
        );
    }
    Ok(pairs)
}

/// Where the facts document goes: `--facts-out`, else beside the first SARIF file
/// (`results.sarif` gives `results.facts.json`).
fn facts_out(args: &ScanArgs, outputs: &[(Format, Option<PathBuf>)]) -> Option<PathBuf> {
    args.facts_out.clone().or_else(|| {
        outputs.iter().find_map(|(f, o)| match (f, o) {
            (Format::Sarif, Some(path)) => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "aks-certscan".into());
                Some(path.with_file_name(format!("{stem}.facts.json")))
            }
            _ => None,
        })
    })
}

fn level_rank(fail_on: FailOn) -> Option<Level> {
    match fail_on {
        FailOn::Error => Some(Level::Error),
        FailOn::Warning => Some(Level::Warning),
        FailOn::Note => Some(Level::Note),
        FailOn::Never => None,
    }
}

/// Counts the findings that fail the run: at or above `--fail-on`, and only new ones when a
/// baseline is given.
pub fn failing(findings: &[Finding], states: Option<&[BaselineState]>, fail_on: FailOn) -> usize {
    let Some(min) = level_rank(fail_on) else { return 0 };
    findings
        .iter()
        .enumerate()
        .filter(|(i, f)| f.level >= min && states.is_none_or(|s| s[*i] == BaselineState::New))
        .count()
}

/// The facts as the policies see them: without the certificates' DER, which no rule reads and
/// which would be most of the bytes the engine parses.
fn policy_input(facts: &crate::facts::model::FactsDocument) -> Result<String> {
    let mut lean = facts.clone();
    for cert in &mut lean.certificates {
        cert.der_base64.clear();
    }
    Ok(serde_json::to_string(&lean)?)
}

/// Runs `scan`.
pub fn run(args: &ScanArgs) -> Result<ExitStatus> {
    let outputs = outputs(args)?;
    // Policies, parameters and skips are checked before any slow collection.
    let policies = PolicySet::load(&args.policy)?;
    let skip = params::check_skips(policies.rules(), &args.skip)?;
    let overrides = params::resolve(policies.rules(), args.data.as_deref(), &args.param)?;
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::load(path).map_err(UsageError)?),
        None => None,
    };
    let (specs, ctx) = resolve_sources(&args.sources)?;
    let facts = collect_facts(&args.sources, &specs, &ctx);
    if nothing_collected(&facts) && !facts.errors.is_empty() {
        eprintln!("error: nothing could be collected from the sources given (see the warnings above)");
    }
    let overrides_json = serde_json::to_value(&overrides)?;
    let findings = policies.evaluate(&policy_input(&facts)?, &overrides_json, &skip, DEFAULT_TIMEOUT)?;

    let mut facts_path = facts_out(args, &outputs);
    let needs_fallback = findings
        .iter()
        .any(|f| !f.locations.iter().any(|l| crate::report::is_file(&l.path)))
        || facts.errors.iter().any(|e| !crate::report::is_file(&e.path));
    if facts_path.is_none() && needs_fallback && outputs.iter().any(|(f, o)| *f == Format::Sarif && o.is_none()) {
        // SARIF on standard output points findings that came from no file at this document.
        let default = PathBuf::from(DEFAULT_FACTS_FILE);
        eprintln!(
            "note: wrote the facts document to `{}`: SARIF locations of live findings point at it",
            default.display()
        );
        facts_path = Some(default);
    }
    if let Some(path) = &facts_path {
        write_output(Some(path), &facts_json(&facts)?)?;
    }
    let facts_uri = facts_path
        .as_deref()
        .map(crate::facts::input::display_path)
        .unwrap_or_else(|| DEFAULT_FACTS_FILE.into());
    let (states, absent) = match &baseline {
        Some(b) => {
            let (s, a) = b.compare(&findings);
            (Some(s), a)
        }
        None => (None, Vec::new()),
    };
    let report = Report {
        findings: &findings,
        baseline: states.as_deref(),
        absent: &absent,
        rules: policies.rules(),
        facts: &facts,
        facts_uri: &facts_uri,
    };
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal();
    for (format, path) in &outputs {
        let text = render(*format, color && path.is_none(), &report)?;
        write_output(path.as_deref(), &text).with_context(|| format!("writing {format:?} output"))?;
    }
    if !absent.is_empty() {
        eprintln!("{} finding(s) of the baseline no longer occur", absent.len());
    }
    Ok(if nothing_collected(&facts) && !facts.errors.is_empty() {
        ExitStatus::Error
    } else if failing(&findings, states.as_deref(), args.fail_on) > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_go_beside_the_sarif_file() {
        let args = ScanArgs {
            sources: Default::default(),
            policy: vec![],
            param: vec![],
            data: None,
            skip: vec![],
            format: vec![Format::Sarif, Format::Text],
            output: vec![PathBuf::from("out/results.sarif")],
            fail_on: FailOn::Error,
            baseline: None,
            facts_out: None,
            no_color: true,
        };
        let outs = outputs(&args).expect("valid");
        assert_eq!(outs[1], (Format::Text, None));
        assert_eq!(facts_out(&args, &outs), Some(PathBuf::from("out/results.facts.json")));
    }
}
