//! `--format prometheus` and `serve`'s `/metrics`: the Prometheus text exposition format (0.0.4),
//! or OpenMetrics 1.0 when `serve` is asked for it. Written by hand: every series is a gauge, the
//! escaping is the format's own (`\`, `"` and line feeds in label values), and the output is
//! deterministic (sorted series, the evaluation time instead of the wall clock).
//!
//! Series, all gauges (see `docs/metrics.md`):
//!
//! | family | labels | value |
//! |---|---|---|
//! | `aks_certscan_certificate_not_after_seconds` | `cluster`, `source`, `path`, `subject_cn`, `role`, `id`; in-cluster certificates add `namespace`, `object` | notAfter, Unix seconds |
//! | `aks_certscan_certificate_not_before_seconds` | same | notBefore, Unix seconds |
//! | `aks_certscan_finding` | `rule`, `level`, `cluster`, `resource_kind`, `resource` | 1 |
//! | `aks_certscan_rule_findings` | `rule`, `name`, `level` | findings of the rule (0 included) |
//! | `aks_certscan_certificates` | | certificates collected |
//! | `aks_certscan_collection_errors` | | collection errors (SCAN001) |
//! | `aks_certscan_series_dropped` | `family` | series left out by the cardinality limits |
//! | `aks_certscan_evaluation_timestamp_seconds` | | the scan's evaluation time |
//!
//! `serve` adds `aks_certscan_scan_duration_seconds`, `aks_certscan_scan_success`,
//! `aks_certscan_last_successful_scan_timestamp_seconds` and `aks_certscan_scans_total` (a counter).
//!
//! Cardinality is bounded: at most [`Limits::certificates`] certificates (the ones that expire
//! first are kept) and [`Limits::findings`] findings (worst first) become series; the rest are
//! counted in `aks_certscan_series_dropped`. The `namespace` and `object` labels of in-cluster
//! certificates take at most as many values as there are certificate series.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Emitter, Report};
use crate::facts::series::CertificateSeries;

/// How many per-certificate and per-finding series at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Certificates that get their two series.
    pub certificates: usize,
    /// Findings that get a series.
    pub findings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            certificates: 100_000,
            findings: 100_000,
        }
    }
}

/// What `serve` knows about its scans, beyond one report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServeStatus {
    /// Wall time of the last scan, seconds.
    pub duration_seconds: f64,
    /// Whether the last scan succeeded (its report is the one shown when it did).
    pub success: bool,
    /// Unix time of the last successful scan.
    pub last_success_unix: i64,
    /// Scans run since start.
    pub scans: u64,
}

/// The Prometheus emitter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prometheus {
    /// OpenMetrics 1.0 instead of the text format 0.0.4 (ends with `# EOF`).
    pub openmetrics: bool,
    /// Series limits.
    pub limits: Limits,
    /// `serve`'s own series.
    pub status: Option<ServeStatus>,
}

/// The content type of the output.
pub fn content_type(openmetrics: bool) -> &'static str {
    if openmetrics {
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    } else {
        "text/plain; version=0.0.4; charset=utf-8"
    }
}

/// Escapes a label value: `\`, `"` and line feed as the format says; other control characters
/// (which some parsers reject) become U+FFFD.
pub fn label_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
        .collect();
    if inner.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", inner.join(","))
    }
}

fn family(out: &mut dyn Write, name: &str, help: &str) -> io::Result<()> {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} gauge")
}

fn role_name(cert: &CertificateSeries) -> String {
    serde_json::to_value(cert.role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn source_name(cert: &CertificateSeries) -> String {
    cert.source
        .and_then(|k| serde_json::to_value(k).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `serve`'s own series: how the last scan went. The scan count is a counter,
/// `aks_certscan_scans_total`: its family is `aks_certscan_scans` in OpenMetrics (which adds the
/// `_total` to the sample) and `aks_certscan_scans_total` in the text format (which names the
/// family by its sample).
pub fn write_status(out: &mut dyn Write, status: ServeStatus, openmetrics: bool) -> io::Result<()> {
    family(out, "aks_certscan_scan_duration_seconds", "Wall time of the last scan.")?;
    writeln!(out, "aks_certscan_scan_duration_seconds {:.3}", status.duration_seconds)?;
    family(
        out,
        "aks_certscan_scan_success",
        "1 when the last scan succeeded; 0 when it failed and the series above are from the last good scan.",
    )?;
    writeln!(out, "aks_certscan_scan_success {}", u8::from(status.success))?;
    family(
        out,
        "aks_certscan_last_successful_scan_timestamp_seconds",
        "When the last successful scan finished, Unix seconds.",
    )?;
    writeln!(
        out,
        "aks_certscan_last_successful_scan_timestamp_seconds {}",
        status.last_success_unix
    )?;
    let counter = if openmetrics {
        "aks_certscan_scans"
    } else {
        "aks_certscan_scans_total"
    };
    writeln!(out, "# HELP {counter} Scans run since the server started.")?;
    writeln!(out, "# TYPE {counter} counter")?;
    writeln!(out, "aks_certscan_scans_total {}", status.scans)
}

impl Emitter for Prometheus {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let facts = &report.facts.facts;
        let mut dropped: BTreeMap<&str, usize> = BTreeMap::new();

        // Certificates: one series per (path, id), the soonest to expire kept first.
        let chosen;
        let series = match report.series {
            Some(series) => series,
            None => {
                chosen = crate::facts::series::of(&facts.certificates, self.limits.certificates);
                &chosen
            }
        };
        let certs: &[CertificateSeries] = if series.certificates.len() > self.limits.certificates {
            &series.certificates[..self.limits.certificates]
        } else {
            &series.certificates
        };
        if series.distinct > certs.len() {
            dropped.insert("certificate", series.distinct - certs.len());
        }
        let rows: Vec<(String, &CertificateSeries)> = {
            let mut rows: Vec<(String, &CertificateSeries)> = certs
                .iter()
                .map(|c| {
                    let source = source_name(c);
                    let role = role_name(c);
                    let mut pairs = vec![
                        ("cluster", c.cluster_key.as_deref().unwrap_or("")),
                        ("source", source.as_str()),
                        ("path", c.path.as_str()),
                        ("subject_cn", c.subject_cn.as_deref().unwrap_or("")),
                        ("role", role.as_str()),
                        ("id", c.id.as_str()),
                    ];
                    // In-cluster certificates also name their object and its namespace.
                    if let Some(object) = &c.object {
                        pairs.push(("namespace", c.namespace.as_deref().unwrap_or("")));
                        pairs.push(("object", object));
                    }
                    let l = labels(&pairs);
                    (l, c)
                })
                .collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            rows
        };
        family(
            out,
            "aks_certscan_certificate_not_after_seconds",
            "Certificate notAfter (expiry) as a Unix timestamp; alert on `... - time()`.",
        )?;
        for (l, c) in &rows {
            writeln!(
                out,
                "aks_certscan_certificate_not_after_seconds{l} {}",
                c.not_after_unix
            )?;
        }
        family(
            out,
            "aks_certscan_certificate_not_before_seconds",
            "Certificate notBefore as a Unix timestamp.",
        )?;
        for (l, c) in &rows {
            writeln!(
                out,
                "aks_certscan_certificate_not_before_seconds{l} {}",
                c.not_before_unix
            )?;
        }

        // Findings, worst first within the limit; then sorted by labels.
        let mut findings: Vec<&crate::findings::Finding> = report.findings().collect();
        if findings.len() > self.limits.findings {
            findings.sort_by(|a, b| b.level.cmp(&a.level).then(a.fingerprint.cmp(&b.fingerprint)));
            dropped.insert("finding", findings.len() - self.limits.findings);
            findings.truncate(self.limits.findings);
        }
        let mut finding_rows: Vec<String> = findings
            .iter()
            .map(|f| {
                let cluster = f
                    .resource
                    .cluster
                    .as_ref()
                    .map(|c| {
                        format!(
                            "{}/{}",
                            c.resource_group.as_deref().unwrap_or(""),
                            c.name.as_deref().unwrap_or("")
                        )
                    })
                    .unwrap_or_default();
                labels(&[
                    ("rule", &f.rule_id),
                    ("level", f.level.as_str()),
                    ("cluster", &cluster.to_ascii_lowercase()),
                    ("resource_kind", &f.resource.kind),
                    ("resource", &f.resource.id),
                ])
            })
            .collect();
        finding_rows.sort();
        finding_rows.dedup();
        family(
            out,
            "aks_certscan_finding",
            "A finding of the last scan (always 1); labelled by rule, level, cluster and resource.",
        )?;
        for l in &finding_rows {
            writeln!(out, "aks_certscan_finding{l} 1")?;
        }

        let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for f in report.findings() {
            *per_rule.entry(&f.rule_id).or_default() += 1;
        }
        family(out, "aks_certscan_rule_findings", "Findings per rule in the last scan.")?;
        for rule in report.rules {
            let m = &rule.meta;
            let l = labels(&[("rule", &m.id), ("name", &m.name), ("level", m.severity.as_str())]);
            writeln!(
                out,
                "aks_certscan_rule_findings{l} {}",
                per_rule.get(&*m.id).copied().unwrap_or(0)
            )?;
        }

        family(
            out,
            "aks_certscan_certificates",
            "Certificates collected in the last scan.",
        )?;
        writeln!(out, "aks_certscan_certificates {}", report.certificate_count)?;
        family(
            out,
            "aks_certscan_collection_errors",
            "Sources that could not be read, or only in part, in the last scan (each is a SCAN001 finding).",
        )?;
        writeln!(out, "aks_certscan_collection_errors {}", facts.errors.len())?;
        family(
            out,
            "aks_certscan_series_dropped",
            "Series left out by the cardinality limits (soonest-expiring certificates and worst findings are kept).",
        )?;
        for name in ["certificate", "finding"] {
            let l = labels(&[("family", name)]);
            writeln!(
                out,
                "aks_certscan_series_dropped{l} {}",
                dropped.get(name).copied().unwrap_or(0)
            )?;
        }
        family(
            out,
            "aks_certscan_evaluation_timestamp_seconds",
            "The evaluation time of the last scan (`--now`, or the time it ran).",
        )?;
        writeln!(
            out,
            "aks_certscan_evaluation_timestamp_seconds {}",
            report.facts.now_unix
        )?;

        if let Some(status) = self.status {
            write_status(out, status, self.openmetrics)?;
        }
        if self.openmetrics {
            writeln!(out, "# EOF")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\\b\"c\nd\u{1b}e"), "a\\\\b\\\"c\\nd\u{FFFD}e");
        assert_eq!(labels(&[("a", "x"), ("b", "y\"")]), "{a=\"x\",b=\"y\\\"\"}");
    }
}
