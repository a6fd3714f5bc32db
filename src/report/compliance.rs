//! The compliance report as Markdown (its JSON is the serde form of
//! [`crate::compliance::ComplianceReport`]).

use std::collections::BTreeMap;

use crate::compliance::ComplianceReport;

/// Text for Markdown: one line, Markdown's punctuation and HTML escaped, controls removed.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if crate::sanitize::is_invisible(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The report as Markdown: evidence, totals, clusters, then each control.
pub fn markdown(report: &ComplianceReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let f = &report.framework;
    let _ = writeln!(out, "# Compliance report: {} {}\n", md(&f.name), md(&f.version));
    let e = &report.evidence;
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| framework | `{}`{} |",
        md(&f.id),
        if f.url.is_empty() {
            String::new()
        } else {
            format!(" ({})", md(&f.url))
        }
    );
    let _ = writeln!(out, "| scanner | {} |", md(&e.scanner));
    let _ = writeln!(out, "| evaluated at | {} |", md(&e.evaluation_time));
    let _ = writeln!(
        out,
        "| policy bundle | SHA-256 `{}` ({} rules) |",
        e.policy_bundle_sha256,
        e.rules.len()
    );
    let _ = writeln!(
        out,
        "| collection errors | {}{} |",
        e.collection_errors,
        if e.collection_errors > 0 {
            " (coverage is incomplete: see the SCAN001 findings)"
        } else {
            ""
        }
    );
    let t = &report.totals;
    let _ = writeln!(
        out,
        "| controls | {} pass, {} fail, {} unknown, {} not applicable |\n",
        t.pass, t.fail, t.unknown, t.not_applicable
    );
    let _ = writeln!(
        out,
        "## Sources\n\n| kind | path | files | SHA-256 |\n|---|---|---|---|"
    );
    for s in &e.sources {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&s.kind),
            md(&s.path),
            s.files_read,
            s.sha256
                .as_deref()
                .map(|h| format!("`{h}`"))
                .unwrap_or_else(|| "-".into())
        );
    }
    let _ = writeln!(
        out,
        "\n## Controls\n\n| control | verdict | examined | failed | unknown | rules |\n|---|---|---|---|---|---|"
    );
    for c in &report.controls {
        let _ = writeln!(
            out,
            "| [{}](#{}) {} | **{}** | {} | {} | {} | {} |",
            md(&c.id),
            anchor(&c.id),
            md(&c.title),
            c.verdict.as_str(),
            c.examined,
            c.failed,
            c.unknown,
            c.rules.join(", ")
        );
    }
    if !report.clusters.is_empty() {
        let _ = writeln!(out, "\n## Clusters\n");
        let header: Vec<String> = report.controls.iter().map(|c| md(&c.id)).collect();
        let _ = writeln!(
            out,
            "| cluster | pass | fail | unknown | n/a | {} |",
            header.join(" | ")
        );
        let _ = writeln!(out, "|---|---|---|---|---|{}", "---|".repeat(header.len()));
        for cl in &report.clusters {
            let cells: Vec<&str> = report
                .controls
                .iter()
                .map(|c| cl.controls.get(&c.id).map(|v| v.as_str()).unwrap_or("-"))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(&cl.cluster),
                cl.totals.pass,
                cl.totals.fail,
                cl.totals.unknown,
                cl.totals.not_applicable,
                cells.join(" | ")
            );
        }
    }
    for c in &report.controls {
        let _ = writeln!(out, "\n## {}\n", md(&c.id));
        let _ = writeln!(
            out,
            "**{}.** Verdict: **{}**. Rules: {}. Examined {} resource(s); {} failed; {} unknown.",
            md(&c.title),
            c.verdict.as_str(),
            c.rules.join(", "),
            c.examined,
            c.failed,
            c.unknown
        );
        for n in &c.notes {
            let _ = writeln!(out, "\n- {}", md(n));
        }
        if !c.findings.is_empty() {
            let _ = writeln!(out, "\nFailing:\n");
            for f in &c.findings {
                let _ = writeln!(
                    out,
                    "- {} ({}) {}: {}",
                    f.rule_id,
                    f.level.as_str(),
                    md(&f.name),
                    md(&f.message)
                );
            }
        }
        if !c.unknown_resources.is_empty() {
            let _ = writeln!(out, "\nNot examined:\n");
            for u in &c.unknown_resources {
                let _ = writeln!(
                    out,
                    "- {} {} `{}`: {}",
                    u.rule_id,
                    md(&u.kind),
                    md(&u.id),
                    md(&u.reason)
                );
            }
        }
        if c.examined > 0 {
            let kinds: BTreeMap<&str, usize> = c.examined_resources.iter().fold(BTreeMap::new(), |mut m, r| {
                *m.entry(r.kind.as_str()).or_default() += 1;
                m
            });
            let listed: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
            let _ = writeln!(
                out,
                "\nExamined: {}{} (listed in the JSON report).",
                listed.join(", "),
                if c.examined > c.examined_resources.len() {
                    ", among others"
                } else {
                    ""
                }
            );
        }
    }
    out
}

/// A GitHub-style heading anchor for a control id (`3.2.8` → `328`, `IA-5(2)` → `ia-52`).
fn anchor(id: &str) -> String {
    id.to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(md("a|b `c` [d](e) <x>\n"), "a\\|b \\`c\\` \\[d\\](e) &lt;x&gt; ");
        assert_eq!(anchor("IA-5(2)"), "ia-52");
    }
}
