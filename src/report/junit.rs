//! `--format junit`: JUnit XML for CI systems that show test results (Azure DevOps
//! `PublishTestResults`, GitLab, Jenkins). One `testsuite` per rule; one failing `testcase` per
//! resource the rule found a problem with; a rule without findings has one passing case, so
//! every rule that ran is visible. Failure types are the levels (`error`, `warning`, `note`).

use std::io::{self, Write};

use super::{Emitter, Report};
use crate::findings::Finding;

/// JUnit emitter.
pub struct Junit;

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            // C0 controls are not allowed in XML 1.0 at all; C1, DEL, bidi and zero-width
            // characters are, but would rewrite a terminal that shows the report.
            c if crate::sanitize::is_invisible(c) || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

fn failure_body(report: &Report<'_>, f: &Finding) -> String {
    let mut lines = vec![f.message.clone()];
    for l in report.locations_of(f) {
        lines.push(format!(
            "at {}{}{}",
            l.path,
            l.line.map(|n| format!(":{n}")).unwrap_or_default(),
            l.object.as_deref().map(|o| format!(" ({o})")).unwrap_or_default()
        ));
    }
    for (k, v) in f.evidence.iter() {
        if !v.is_null() {
            lines.push(format!(
                "{k}: {}",
                v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
            ));
        }
    }
    lines.push(format!("fix: {}", f.remediation));
    if let Some(w) = &f.warning {
        lines.push(format!("caution: {w}"));
    }
    lines.join("\n")
}

impl Emitter for Junit {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let waived_of = |id: &str| -> Vec<&crate::triage::exceptions::Waived> {
            report.waived.iter().filter(|w| *w.finding.rule_id == *id).collect()
        };
        let total_cases: usize = report
            .rules
            .iter()
            .map(|r| {
                report.findings().filter(|f| *f.rule_id == *r.meta.id).count().max(1) + waived_of(&r.meta.id).len()
            })
            .sum();
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="aks-certscan" tests="{total_cases}" failures="{}" errors="0" timestamp="{}">"#,
            report.findings.len(),
            xml_escape(&report.facts.now)
        )?;
        for rule in report.rules {
            let findings: Vec<&Finding> = report.findings().filter(|f| *f.rule_id == *rule.meta.id).collect();
            let m = &rule.meta;
            let waived = waived_of(&m.id);
            writeln!(
                out,
                r#"  <testsuite name="{} {}" tests="{}" failures="{}" errors="0" skipped="{}">"#,
                m.id,
                xml_escape(&m.name),
                findings.len().max(1) + waived.len(),
                findings.len(),
                waived.len()
            )?;
            let classname = format!("aks-certscan.{}", m.id);
            if findings.is_empty() {
                writeln!(
                    out,
                    r#"    <testcase classname="{classname}" name="{}: no findings"/>"#,
                    xml_escape(&m.title)
                )?;
            }
            for f in findings {
                let places = report.locations_of(f);
                let line = places
                    .first()
                    .and_then(|l| l.line)
                    .map(|n| format!(r#" line="{n}""#))
                    .unwrap_or_default();
                // A finding with no place at all (a user rule may return one) has no `file`.
                let file = places
                    .first()
                    .map(|l| format!(r#" file="{}""#, xml_escape(&l.path)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    r#"    <testcase classname="{classname}" name="{}"{file}{line}>"#,
                    xml_escape(&f.resource.name),
                )?;
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    f.level.as_str(),
                    xml_escape(&f.message),
                    xml_escape(&failure_body(report, f))
                )?;
                writeln!(out, "    </testcase>")?;
            }
            // Waived findings are skipped cases, with the exception's reason and end date.
            for w in waived {
                writeln!(
                    out,
                    r#"    <testcase classname="{classname}" name="{}"><skipped message="{}"/></testcase>"#,
                    xml_escape(&w.finding.resource.name),
                    xml_escape(&format!(
                        "waived until {}: {} ({}:{})",
                        w.expires, w.reason, w.file, w.line
                    ))
                )?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            xml_escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(xml_escape("a\u{1}b"), "a\\u{1}b");
        assert_eq!(
            xml_escape("a\u{1b}]0;x\u{7}\u{9b}\u{7f}"),
            "a\\u{1b}]0;x\\u{7}\\u{9b}\\u{7f}"
        );
    }
}
