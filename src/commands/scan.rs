//! `aks-certscan scan`: collect, evaluate, report, and decide the exit code.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{nothing_collected, use_threads, warn_errors, write_facts, write_to, ExitStatus, Phases, UsageError};
use crate::cli::{FactsOut, ScanOptions, DEFAULT_FACTS_FILE};
use crate::facts::model::FactsDocument;
use crate::findings::{Finding, Level};
use crate::report::aggregate::{planned, Aggregate};
use crate::report::baseline::{without_baseline, Baseline, BaselineState};
use crate::report::{emitter, is_file, EmitOptions, Format, Report, Reported};

/// Counts the findings that fail the run: at or above `fail_on`, and only new ones when a
/// baseline was given.
pub fn failing(findings: &[Reported], fail_on: Option<Level>) -> usize {
    let Some(min) = fail_on else { return 0 };
    findings
        .iter()
        .filter(|r| r.finding.level >= min && r.baseline.is_none_or(|s| s == BaselineState::New))
        .count()
}

/// Whether SARIF needs the facts document as the location of something that came from no file.
fn needs_facts_location(facts: &FactsDocument, findings: &[Finding]) -> bool {
    findings.iter().any(|f| !f.locations.iter().any(|l| is_file(&l.path)))
        || facts.facts.errors.iter().any(|e| !is_file(&e.path))
}

/// Says on stderr what SARIF aggregation did: GitHub's limits made it drop no finding, but a
/// reader of the SARIF sees fewer results than the text report.
fn note_aggregation(reported: &[Reported], mode: Aggregate, sources: &[&str], what: &str) {
    if let Some(done) = planned(reported, mode, sources) {
        if done.results < done.findings {
            eprintln!(
                "note: {what}: {} findings aggregated into {} results, one per rule and cluster (or source), to stay within GitHub code scanning's limits (5,000 results shown, 25,000 per run); every finding is in the other formats, or use --sarif-aggregate never",
                done.findings, done.results
            );
        }
    }
}

/// A file name for a cluster: letters, digits, `.`, `-` and `_` kept, anything else `_`.
fn file_name_for(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.trim_start_matches('.').to_string()
}

/// `--sarif-per-cluster DIR`: one SARIF file per cluster (findings without a cluster in
/// `no-cluster.sarif`), each with the category `aks-certscan/<rg>/<name>/`.
fn write_sarif_per_cluster(dir: &std::path::Path, report: &Report<'_>, mode: Aggregate) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create `{}`",
            crate::sanitize::terminal(&dir.display().to_string())
        )
    })?;
    let mut groups: std::collections::BTreeMap<(String, String), Vec<Reported>> = Default::default();
    for r in report.findings {
        let key = match &r.finding.resource.cluster {
            Some(c) => (
                c.resource_group.clone().unwrap_or_default().to_ascii_lowercase(),
                c.name.clone().unwrap_or_default().to_ascii_lowercase(),
            ),
            None => (String::new(), String::new()),
        };
        groups.entry(key).or_default().push(r.clone());
    }
    for ((rg, name), findings) in &groups {
        let (file, id) = if rg.is_empty() && name.is_empty() {
            ("no-cluster.sarif".to_string(), "aks-certscan/no-cluster/".to_string())
        } else {
            (
                format!("{}_{}.sarif", file_name_for(rg), file_name_for(name)),
                format!("aks-certscan/{rg}/{name}/"),
            )
        };
        let one = Report {
            findings,
            automation_id: Some(&id),
            ..*report
        };
        let path = dir.join(&file);
        let emit = EmitOptions {
            color: false,
            aggregate: mode,
        };
        write_to(Some(&path), |out| emitter(Format::Sarif, emit).emit(&one, out))?;
        note_aggregation(findings, mode, &report.source_paths(), &file);
    }
    eprintln!(
        "note: wrote {} SARIF files to `{}`, one per cluster",
        groups.len(),
        crate::sanitize::terminal(&dir.display().to_string())
    );
    Ok(())
}

/// Runs `scan`.
pub fn run(options: &ScanOptions) -> Result<ExitStatus> {
    use_threads(options.threads)?;
    let mut phases = Phases::default();
    // Policies, parameters, skips and the baseline are checked before any slow collection.
    let (engine, skip, overrides, baseline, exceptions) = phases.time("load policies", || -> Result<_> {
        let max = options.plan.context.max_file_size;
        let (engine, skip, overrides) = super::load_policies(&options.policies, max)?;
        let baseline = match &options.baseline {
            Some(path) => Some(Baseline::load(path, max).map_err(UsageError)?),
            None => None,
        };
        let exceptions = match &options.exceptions {
            Some(path) => crate::report::exceptions::load(path, max).map_err(UsageError)?,
            None => Vec::new(),
        };
        Ok((engine, skip, overrides, baseline, exceptions))
    })?;

    let (mut facts, timings) = crate::pipeline::collect_facts(&options.plan);
    phases.add("collect", timings.collect);
    phases.add("derive", timings.derive);
    warn_errors(&facts.facts.errors);
    if nothing_collected(&facts) {
        eprintln!("error: nothing could be collected from the sources given (see the warnings above)");
    }
    if let FactsOut::Full(path) = &options.facts_out {
        phases.time("render", || write_facts(Some(path), &mut facts))?;
    }
    // Every signature check is made: policies never read DER, and the lean document has none.
    facts.drop_der();

    let (findings, evaluation) = engine.evaluate_timed(&facts, &overrides, &skip)?;
    phases.add("evaluate rules", evaluation.rules);
    phases.add("describe findings", evaluation.describe);
    // Exceptions: waived findings leave the gate and SARIF; stale exceptions are SCAN002 findings.
    let (findings, waived) = if options.exceptions.is_some() {
        let (mut kept, waived, statuses) = crate::report::exceptions::apply(findings, &exceptions, facts.now_unix);
        if !skip.contains("SCAN002") {
            let input = serde_json::json!({ "exceptions": statuses });
            kept.extend(engine.evaluate_rule_on("SCAN002", &input, &facts, &overrides)?);
            // Worst first again; the sort is stable, so each level keeps its order.
            kept.sort_by_key(|f| std::cmp::Reverse(f.level));
        }
        (kept, waived)
    } else {
        (findings, Vec::new())
    };

    let facts_path = phases.time("render", || -> Result<Option<PathBuf>> {
        Ok(match &options.facts_out {
            FactsOut::Full(path) => Some(path.clone()),
            FactsOut::WhenNeeded(path) if needs_facts_location(&facts, &findings) => {
                write_facts(Some(path), &mut facts)?;
                eprintln!(
                    "note: wrote the facts document to `{}`: SARIF locations of findings from no file point at it",
                    crate::sanitize::terminal(&path.display().to_string())
                );
                Some(path.clone())
            }
            FactsOut::WhenNeeded(path) => Some(path.clone()),
            FactsOut::None => None,
        })
    })?;
    // SARIF names the facts document even when none had to be written.
    let facts_uri = facts_path
        .as_deref()
        .map(crate::paths::display_path)
        .unwrap_or_else(|| DEFAULT_FACTS_FILE.into());
    let (reported, absent) = match &baseline {
        Some(b) => {
            let (reported, absent) = b.compare(findings);
            (reported, Some(absent))
        }
        None => (without_baseline(findings), None),
    };
    let provenance = crate::report::Provenance::from_vars(|name| std::env::var(name).ok());
    let report = Report {
        findings: &reported,
        absent: absent.as_deref(),
        rules: engine.rules(),
        facts: &facts,
        facts_uri: &facts_uri,
        automation_id: None,
        provenance: provenance.as_ref(),
        waived: &waived,
    };
    phases.time("render", || -> Result<()> {
        for output in &options.outputs {
            let emit = EmitOptions {
                color: options.color && output.path.is_none(),
                aggregate: options.sarif_aggregate,
            };
            write_to(output.path.as_deref(), |out| {
                emitter(output.format, emit).emit(&report, out)
            })
            .with_context(|| format!("writing {} output", output.format.name()))?;
            if output.format == Format::Sarif {
                note_aggregation(&reported, options.sarif_aggregate, &report.source_paths(), "SARIF");
            }
        }
        if let Some(dir) = &options.sarif_per_cluster {
            write_sarif_per_cluster(dir, &report, options.sarif_aggregate)?;
        }
        Ok(())
    })?;
    if let Some(absent) = &absent {
        if !absent.is_empty() {
            eprintln!("{} finding(s) of the baseline no longer occur", absent.len());
        }
    }
    if options.timings {
        phases.print();
    }
    let status = if nothing_collected(&facts) {
        ExitStatus::Error
    } else if failing(&reported, options.fail_on) > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    };
    // The process ends right after: freeing 100,000 certificates and findings one by one would
    // only delay the exit code (the operating system takes the memory back at once).
    std::mem::forget(facts);
    std::mem::forget(reported);
    Ok(status)
}
