//! `aks-certscan scan`: run the pipeline, write the reports, and decide the exit code.

use std::path::Path;

use super::exit::{Error, ExitStatus, Result};
use super::output::{warn_errors, write_to};
use crate::choice::Choice;
use crate::cli::{FactsOut, ScanOptions};
use crate::pipeline::Outcome;
use crate::report::sarif::aggregate::{planned, Aggregate};
use crate::report::{emitter, is_file, EmitOptions, Format, Report, Reported, DEFAULT_FACTS_FILE};
use crate::triage::failing;

/// Whether SARIF needs the facts document as the location of something that came from no file.
fn needs_facts_location(outcome: &Outcome) -> bool {
    outcome
        .findings
        .iter()
        .any(|r| !r.finding.locations.iter().any(|l| is_file(&l.path)))
        || outcome.errors().iter().any(|e| !is_file(&e.path))
}

/// Says on stderr what SARIF aggregation did: GitHub's limits made it drop no finding, but a
/// reader of the SARIF sees fewer results than the text report.
fn note_aggregation(reported: &[Reported], mode: Aggregate, sources: &[&str], what: &str) {
    if let Some(done) = planned(reported, mode, sources) {
        if done.results < done.findings {
            crate::log::line(&format!(
                "note: {what}: {} findings aggregated into {} results, one per rule and cluster (or source), to stay within GitHub code scanning's limits (5,000 results shown, 25,000 per run); every finding is in the other formats, or use --sarif-aggregate never",
                done.findings, done.results
            ));
        }
    }
}

/// A file name part for a resource group or cluster name: letters, digits, `-` and `.` kept
/// (a leading `.` escaped, so no file is hidden), every other byte percent-encoded (`_` too:
/// `_` separates the two parts, so `prod/eu_api` and `prod_eu/api` stay two files,
/// `prod_eu%5Fapi.sarif` and `prod%5Feu_api.sarif`, instead of folding into one).
fn file_name_for(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, byte) in text.bytes().enumerate() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || (byte == b'.' && i > 0) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `--sarif-per-cluster DIR`: one SARIF file per cluster (findings without a cluster in
/// `no-cluster.sarif`), each with the category `aks-certscan/<rg>/<name>/`.
fn write_sarif_per_cluster(dir: &Path, report: &Report<'_>, mode: Aggregate) -> Result<()> {
    let shown = crate::sanitize::terminal(&dir.display().to_string());
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        what: "--sarif-per-cluster".into(),
        path: shown.clone(),
        source,
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
        let emit = EmitOptions {
            aggregate: mode,
            ..Default::default()
        };
        write_to(Some(&dir.join(&file)), "sarif output", |out| {
            emitter(Format::Sarif, emit).emit(&one, out)
        })?;
        note_aggregation(findings, mode, &report.source_paths(), &file);
    }
    crate::log::line(&format!(
        "note: wrote {} SARIF files to `{shown}`, one per cluster",
        groups.len()
    ));
    Ok(())
}

/// Writes the lean facts document beside SARIF when something came from no file, and returns
/// the path SARIF names (even when none had to be written) and whether that file exists.
fn facts_location(options: &ScanOptions, outcome: &mut Outcome) -> Result<(String, bool)> {
    let written = match &options.facts_out {
        FactsOut::Full(_) => true,
        FactsOut::WhenNeeded(_) => needs_facts_location(outcome),
        FactsOut::None => false,
    };
    let path = match &options.facts_out {
        FactsOut::Full(path) => Some(path.clone()),
        FactsOut::WhenNeeded(path) if needs_facts_location(outcome) => {
            outcome
                .write_facts(&options.plan.collect, Some(path))
                .map_err(|source| Error::Write {
                    what: "the facts document".into(),
                    path: crate::sanitize::terminal(&path.display().to_string()),
                    source,
                })?;
            crate::log::line(&format!(
                "note: wrote the facts document to `{}`: SARIF locations of findings from no file point at it",
                crate::sanitize::terminal(&path.display().to_string())
            ));
            Some(path.clone())
        }
        FactsOut::WhenNeeded(path) => Some(path.clone()),
        FactsOut::None => None,
    };
    let shown = path
        .as_deref()
        .map(crate::paths::display_path)
        .unwrap_or_else(|| DEFAULT_FACTS_FILE.into());
    Ok((shown, written))
}

/// Runs `scan`.
pub fn run(options: &ScanOptions) -> Result<ExitStatus> {
    let mut outcome = crate::pipeline::run(&options.plan)?;
    warn_errors(outcome.errors());
    if outcome.nothing_collected() {
        crate::log::line("error: nothing could be collected from the sources given (see the warnings above)");
    }
    let mut phases = std::mem::take(&mut outcome.phases);
    let (facts_uri, facts_written) = phases.time("render", || facts_location(options, &mut outcome))?;
    let outcome = outcome;
    // Empty unless the plan evaluated coverage, which it does for the formats that show
    // verdicts (`html`; decided once, in `cli::resolve`).
    let compliance = outcome.compliance_reports();
    let report = Report {
        compliance: &compliance,
        findings: &outcome.findings,
        absent: outcome.absent.as_deref(),
        rules: &outcome.rules,
        facts: &outcome.facts,
        certificate_count: outcome.certificate_count,
        series: outcome.series.as_ref(),
        facts_uri: &facts_uri,
        facts_written,
        automation_id: None,
        provenance: options.provenance.as_ref(),
        waived: &outcome.waived,
    };
    phases.time("render", || -> Result<()> {
        for output in &options.outputs {
            let to_terminal = output.path.is_none();
            let emit = EmitOptions {
                color: options.color && to_terminal,
                aggregate: options.sarif_aggregate,
                width: options.width.filter(|_| to_terminal),
                verbose: options.verbose,
            };
            let what = format!("{} output", output.format.name());
            write_to(output.path.as_deref(), &what, |out| {
                emitter(output.format, emit).emit(&report, out)
            })?;
            if output.format == Format::Sarif {
                note_aggregation(
                    &outcome.findings,
                    options.sarif_aggregate,
                    &report.source_paths(),
                    "SARIF",
                );
            }
        }
        if let Some(dir) = &options.sarif_per_cluster {
            write_sarif_per_cluster(dir, &report, options.sarif_aggregate)?;
        }
        Ok(())
    })?;
    if let Some(absent) = &outcome.absent {
        if !absent.is_empty() {
            crate::log::line(&format!("{} finding(s) of the baseline no longer occur", absent.len()));
        }
    }
    if options.timings {
        crate::log::line(&format!("timings: {}", phases.summary()));
    }
    let status = if outcome.nothing_collected() {
        ExitStatus::Error
    } else if failing(&outcome.findings, options.fail_on) > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    };
    // The process ends right after: freeing 100,000 certificates and findings one by one would
    // only delay the exit code (the operating system takes the memory back at once).
    std::mem::forget(outcome);
    Ok(status)
}

#[cfg(test)]
mod tests {
    #[test]
    fn per_cluster_file_names_never_fold_two_clusters_into_one() {
        let name = |rg: &str, n: &str| format!("{}_{}.sarif", super::file_name_for(rg), super::file_name_for(n));
        assert_eq!(name("prod", "eu_api"), "prod_eu%5Fapi.sarif");
        assert_eq!(name("prod_eu", "api"), "prod%5Feu_api.sarif");
        assert_eq!(name("rg-ops", "ops.v2"), "rg-ops_ops.v2.sarif");
        assert_eq!(name("..", "a/b"), "%2E._a%2Fb.sarif");
        assert_eq!(name("prod", "é"), "prod_%C3%A9.sarif");
    }
}
