//! `--format text`: a report for people, grouped by cluster (or by source when no cluster is
//! known), worst group first, each finding with its evidence and the command that fixes it, and a
//! one-line summary. Advice shared by many findings (the rotate-certs caution) is printed once.
//! Above [`GROUP_ABOVE`] findings (unless `--verbose`) the report counts them by rule and by
//! cluster and shows the 10 most urgent in full. Colour and wrapping to the terminal's width only
//! on a terminal; piped or in a file every item is one line (for grep). Every untrusted string is
//! escaped before it reaches the terminal.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Emitter, Report, Reported};
use crate::findings::{Finding, Level, Summary};
use crate::sanitize::terminal;

/// Above this many findings the report groups them (counts by rule and by cluster, the most
/// urgent in full) unless `--verbose`: 10,000 certificates can give 70,000 lines otherwise.
pub const GROUP_ABOVE: usize = 200;

/// How many findings a grouped report shows in full.
pub const MOST_URGENT: usize = 10;

/// Text emitter.
pub struct Text {
    /// Use ANSI colours.
    pub color: bool,
    /// Wrap to this many columns (a terminal); `None` leaves lines whole.
    pub width: Option<usize>,
    /// Every finding, however many.
    pub verbose: bool,
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

    /// Writes `prefix` (whose visible width is `prefix_width`: it may hold colour codes) and
    /// `body`, wrapping `body` at spaces to the terminal width with continuation lines indented
    /// by `indent`. A word longer than a line (a path, a URL) is never broken.
    fn line(
        &self,
        out: &mut dyn Write,
        prefix: &str,
        prefix_width: usize,
        body: &str,
        indent: usize,
    ) -> io::Result<()> {
        let width = match self.width {
            Some(w) if prefix_width + body.chars().count() > w => w.max(indent + 20),
            _ => return writeln!(out, "{prefix}{body}"),
        };
        let mut text = String::with_capacity(prefix.len() + body.len() + 16);
        text.push_str(prefix);
        let mut column = prefix_width;
        let mut first = true;
        for word in unbreakable_words(body, width - indent) {
            let len = word.chars().count();
            if !first && column + 1 + len > width {
                text.push('\n');
                text.extend(std::iter::repeat_n(' ', indent));
                column = indent;
            } else if !first {
                text.push(' ');
                column += 1;
            }
            text.push_str(&word);
            column += len;
            first = false;
        }
        writeln!(out, "{text}")
    }

    /// One finding in full: its headline, places, evidence, fix, and a pointer to its caution.
    fn finding<'r>(
        &self,
        report: &Report<'_>,
        reported: &'r Reported,
        cautions: &mut Vec<&'r str>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let f = &reported.finding;
        let state = reported
            .baseline
            .map(|b| format!(" [{}]", b.as_str()))
            .unwrap_or_default();
        // The visible width of `  level[ID] name: ` (colour codes take none).
        let head_width = 2 + f.level.as_str().len() + f.rule_id.chars().count() + f.rule_name.chars().count() + 5;
        self.line(
            out,
            &format!("  {}[{}] {}: ", self.level(f.level), f.rule_id, f.rule_name),
            head_width,
            &format!("{}{}", terminal(&f.message), state),
            4,
        )?;
        for l in report.locations_of(f) {
            let line = l.line.map(|n| format!(":{n}")).unwrap_or_default();
            let object = l
                .object
                .as_deref()
                .map(|o| format!(" ({})", terminal(o)))
                .unwrap_or_default();
            // Places stay on one line: they are copied into editors and shells whole.
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
            self.line(out, "    = ", 6, &terminal(&e), 6)?;
        }
        self.line(
            out,
            &format!("    = {} ", self.paint("32", "fix:")),
            11,
            &terminal(&f.remediation),
            6,
        )?;
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
        Ok(())
    }

    /// Above [`GROUP_ABOVE`] findings: counts by rule and by group, then the most urgent in
    /// full. Returns the findings shown in full, for the cautions.
    fn grouped<'r>(
        &self,
        report: &Report<'_>,
        ordered: &[(String, Vec<&'r Reported>)],
        cautions: &mut Vec<&'r str>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let total = report.findings.len();
        self.line(
            out,
            "",
            0,
            &format!(
                "{total} findings: counted by rule and by cluster, the {MOST_URGENT} most urgent in full (--verbose lists every one)"
            ),
            0,
        )?;
        writeln!(out)?;
        // Grouped here by cluster, or by the source given on the command line (a `--certs`
        // directory), not by file: 10,000 files would be 10,000 groups.
        let sources = report.source_paths();
        let mut by_group: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
        // By rule: level, id, name, count, and the groups it touches.
        let mut by_rule: BTreeMap<(std::cmp::Reverse<Level>, &str), RuleCount<'_>> = BTreeMap::new();
        for (_, findings) in ordered {
            for r in findings {
                let f = &r.finding;
                let group = broad_group_of(report, &sources, f);
                let entry = by_rule.entry((std::cmp::Reverse(f.level), &f.rule_id)).or_insert((
                    &f.rule_name,
                    0,
                    Default::default(),
                ));
                entry.1 += 1;
                entry.2.insert(group.clone());
                by_group.entry(group).or_default().push(f);
            }
        }
        writeln!(out, "{}", self.paint("1", "by rule"))?;
        for ((level, id), (name, count, groups)) in &by_rule {
            writeln!(
                out,
                "  {}[{id}] {name}: {count} in {}",
                self.level(level.0),
                plural(groups.len(), "cluster or source", "clusters or sources")
            )?;
        }
        writeln!(out)?;
        let mut groups: Vec<(String, Summary)> = by_group.into_iter().map(|(g, fs)| (g, Summary::of(fs))).collect();
        // Worst first: most errors, then warnings, then notes, then by name.
        groups.sort_by(|(an, a), (bn, b)| {
            (b.error, b.warning, b.note)
                .cmp(&(a.error, a.warning, a.note))
                .then(an.cmp(bn))
        });
        writeln!(out, "{}", self.paint("1", "by cluster or source"))?;
        for (group, s) in groups.iter().take(MOST_URGENT) {
            writeln!(
                out,
                "  {}: {}, {}, {}",
                terminal(group),
                plural(s.error, "error", "errors"),
                plural(s.warning, "warning", "warnings"),
                plural(s.note, "note", "notes")
            )?;
        }
        if groups.len() > MOST_URGENT {
            writeln!(out, "  ... and {} more", groups.len() - MOST_URGENT)?;
        }
        writeln!(out)?;
        // The most urgent: the first findings in report order (worst first), with their group.
        writeln!(out, "{}", self.paint("1", &format!("the {MOST_URGENT} most urgent")))?;
        let mut urgent: Vec<&'r Reported> = super::by_urgency(ordered.iter().flat_map(|(_, v)| v.iter().copied()));
        urgent.truncate(MOST_URGENT);
        let shown = urgent.len();
        for reported in urgent {
            let group = report.group_of(&reported.finding);
            writeln!(out, "  {}", self.paint("1", &terminal(&group)))?;
            self.finding(report, reported, cautions, out)?;
        }
        writeln!(
            out,
            "  ... and {} more (--verbose, or --format json|sarif for all)",
            total.saturating_sub(shown)
        )?;
        writeln!(out)
    }
}

/// The words of `text`, a command quoted in backticks kept as one word when it fits in `room`
/// columns (so `az aks rotate-certs -g rg -n name` is never cut in the middle).
fn unbreakable_words(text: &str, room: usize) -> Vec<std::borrow::Cow<'_, str>> {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let opens = word.starts_with('`') && !(word.len() > 1 && word.ends_with('`')) && word.matches('`').count() == 1;
        if opens {
            if let Some(end) = (i + 1..words.len()).find(|&j| words[j].contains('`')) {
                let span = words[i..=end].join(" ");
                if span.chars().count() <= room {
                    out.push(std::borrow::Cow::Owned(span));
                    i = end + 1;
                    continue;
                }
            }
        }
        out.push(std::borrow::Cow::Borrowed(word));
        i += 1;
    }
    out
}

/// The group of a finding in a grouped report: its cluster, else the source it was read from as
/// given on the command line (the longest source path its place starts with), else its place.
fn broad_group_of(report: &Report<'_>, sources: &[&str], f: &Finding) -> String {
    if f.resource.cluster.is_some() {
        return report.group_of(f);
    }
    let Some(place) = f.locations.first().map(|l| l.path.as_str()) else {
        return "no source".to_string();
    };
    sources
        .iter()
        .filter(|s| {
            place == **s
                || place
                    .strip_prefix(**s)
                    .is_some_and(|rest| rest.starts_with('/') || s.ends_with('/'))
        })
        .max_by_key(|s| s.len())
        .map(|s| format!("source {s}"))
        .unwrap_or_else(|| format!("source {place}"))
}

/// A rule's line in a grouped report: its name, how many findings, and the groups they are in.
type RuleCount<'a> = (&'a str, usize, std::collections::BTreeSet<String>);

/// "1 error", "2 errors".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
                .entry(report.group_of(&reported.finding))
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
        let grouped = !self.verbose && report.findings.len() > GROUP_ABOVE;
        if grouped {
            self.grouped(report, &ordered, &mut cautions, out)?;
        } else {
            for (name, findings) in &ordered {
                writeln!(out, "{}", self.paint("1", &terminal(name)))?;
                for reported in findings {
                    self.finding(report, reported, &mut cautions, out)?;
                }
                writeln!(out)?;
            }
        }
        if !cautions.is_empty() {
            writeln!(out, "{}", self.paint("1", "cautions"))?;
            for (i, c) in cautions.iter().enumerate() {
                let number = format!("  [{}] ", i + 1);
                self.line(out, &number, number.len(), &terminal(c), number.len())?;
            }
            writeln!(out)?;
        }
        if !report.waived.is_empty() {
            writeln!(out, "{}", self.paint("1", "waived by exceptions"))?;
            let shown = if grouped { MOST_URGENT } else { report.waived.len() };
            for w in report.waived.iter().take(shown) {
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
            if report.waived.len() > shown {
                writeln!(
                    out,
                    "  ... and {} more (--verbose lists every one)",
                    report.waived.len() - shown
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
        self.line(
            out,
            &format!("{}: ", self.paint("1", "aks-certscan")),
            14,
            &format!(
                "{} in {}{}{} (evaluated at {})",
                verdict,
                counts.join(", "),
                unreadable,
                waived,
                report.facts.now
            ),
            2,
        )
    }
}
