//! `--format text`: a report for people, grouped by cluster (or by source when no cluster is
//! known), worst group first, each finding with its evidence and the command that fixes it, and a
//! one-line summary. Colour only when asked for (a terminal without `NO_COLOR`). Every untrusted
//! string is escaped before it reaches the terminal.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Emitter, Report, Reported};
use crate::findings::{Finding, Level, Summary};
use crate::sanitize::terminal;

/// Text emitter.
pub struct Text {
    /// Use ANSI colours.
    pub color: bool,
}

impl Text {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn level(&self, level: Level) -> String {
        match level {
            Level::Error => self.paint("1;31", "error"),
            Level::Warning => self.paint("1;33", "warning"),
            Level::Note => self.paint("1;36", "note"),
        }
    }
}

fn group_of(report: &Report<'_>, f: &Finding) -> String {
    match &f.resource.cluster {
        Some(c) => format!(
            "cluster {}/{}",
            c.resource_group.as_deref().unwrap_or("?"),
            c.name.as_deref().unwrap_or("?")
        ),
        None => match report.locations_of(f).first() {
            Some(l) => format!("source {}", l.path),
            // A finding with no place at all (a user rule may return one).
            None => "no source".to_string(),
        },
    }
}

fn evidence_lines(f: &Finding) -> Vec<String> {
    let get = |k: &str| {
        f.evidence
            .get(k)
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
    };
    let mut lines = Vec::new();
    if let (Some(subject), Some(issuer)) = (get("subject"), get("issuer")) {
        let serial = get("serial").map(|s| format!(", serial {s}")).unwrap_or_default();
        lines.push(format!("subject {subject}, issuer {issuer}{serial}"));
    }
    if let Some(not_after) = get("not_after") {
        let left = get("remaining_days")
            .map(|d| format!(", {d} days left"))
            .unwrap_or_default();
        let used = get("lifetime_used_percent")
            .map(|p| format!(", {p}% of lifetime used"))
            .unwrap_or_default();
        lines.push(format!("valid until {not_after}{left}{used}"));
    }
    lines
}

impl Emitter for Text {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut groups: BTreeMap<String, Vec<&Reported>> = BTreeMap::new();
        for reported in report.findings {
            groups
                .entry(group_of(report, &reported.finding))
                .or_default()
                .push(reported);
        }
        let mut ordered: Vec<(String, Vec<&Reported>)> = groups.into_iter().collect();
        ordered.sort_by(|(an, a), (bn, b)| {
            let worst = |v: &Vec<&Reported>| v.iter().map(|r| r.finding.level).max();
            worst(b).cmp(&worst(a)).then(an.cmp(bn))
        });
        // Each distinct caution is printed once, after the findings; a finding points at it.
        let mut cautions: Vec<&str> = Vec::new();
        for (name, findings) in &ordered {
            writeln!(out, "{}", self.paint("1", &terminal(name)))?;
            for reported in findings {
                let f = &reported.finding;
                let state = reported
                    .baseline
                    .map(|b| format!(" [{}]", b.as_str()))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {}[{}] {}: {}{}",
                    self.level(f.level),
                    f.rule_id,
                    f.rule_name,
                    terminal(&f.message),
                    state
                )?;
                for l in report.locations_of(f) {
                    let line = l.line.map(|n| format!(":{n}")).unwrap_or_default();
                    let object = l
                        .object
                        .as_deref()
                        .map(|o| format!(" ({})", terminal(o)))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "    {} {}{}{}",
                        self.paint("34", "-->"),
                        terminal(&l.path),
                        line,
                        object
                    )?;
                }
                for e in evidence_lines(f) {
                    writeln!(out, "    = {}", terminal(&e))?;
                }
                writeln!(out, "    = {} {}", self.paint("32", "fix:"), terminal(&f.remediation))?;
                if let Some(w) = f.warning.as_deref() {
                    let n = match cautions.iter().position(|c| *c == w) {
                        Some(i) => i + 1,
                        None => {
                            cautions.push(w);
                            cautions.len()
                        }
                    };
                    writeln!(out, "    = {} see [{n}] below", self.paint("33", "caution:"))?;
                }
            }
            writeln!(out)?;
        }
        if !cautions.is_empty() {
            writeln!(out, "{}", self.paint("1", "cautions"))?;
            for (i, c) in cautions.iter().enumerate() {
                writeln!(out, "  [{}] {}", i + 1, terminal(c))?;
            }
            writeln!(out)?;
        }
        if !report.waived.is_empty() {
            writeln!(out, "{}", self.paint("1", "waived by exceptions"))?;
            for w in report.waived {
                writeln!(
                    out,
                    "  [{}] {}: until {}, {} ({}:{})",
                    w.finding.rule_id,
                    terminal(&w.finding.resource.name),
                    terminal(&w.expires),
                    terminal(&w.reason),
                    terminal(&w.file),
                    w.line
                )?;
            }
            writeln!(out)?;
        }
        let s = Summary::of(report.findings());
        let facts = &report.facts.facts;
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let unreadable = if facts.errors.is_empty() {
            String::new()
        } else {
            format!(
                "; {} (coverage is incomplete)",
                plural(facts.errors.len(), "collection error")
            )
        };
        let verdict = if s.total() == 0 {
            "no findings".to_string()
        } else {
            format!(
                "{}, {}, {}",
                plural(s.error, "error"),
                plural(s.warning, "warning"),
                plural(s.note, "note")
            )
        };
        let counts: Vec<String> = facts
            .counts()
            .into_iter()
            .map(|(n, one, many)| match one {
                // The certificates of large sources streamed past and are not in the document.
                "certificate" => (report.certificate_count, one, many),
                _ => (n, one, many),
            })
            .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
            .collect();
        let waived = if report.waived.is_empty() {
            String::new()
        } else {
            format!("; {} waived by exceptions", report.waived.len())
        };
        writeln!(
            out,
            "{}: {} in {}{}{} (evaluated at {})",
            self.paint("1", "aks-certscan"),
            verdict,
            counts.join(", "),
            unreadable,
            waived,
            report.facts.now
        )
    }
}
