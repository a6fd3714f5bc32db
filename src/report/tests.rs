//! Every emitter over one shared fixture: a finding in a file, a finding from a live probe (no
//! file), and a hostile subject with terminal escapes and markup.

use super::{render, Format, Report, Reported};
use crate::facts::model::FactsDocument;
use crate::findings::{ClusterRef, Evidence, Finding, Level, Location, Resource};
use crate::policy::{Engine, LoadedRule};
use crate::triage::baseline::without_baseline;

fn finding(rule: &str, name: &str, message: &str, location: Option<Location>, level: Level) -> Finding {
    Finding {
        rule_id: rule.into(),
        rule_name: name.into(),
        level,
        message: message.into(),
        resource: Resource {
            kind: "certificate".into(),
            id: format!("{rule}-id"),
            name: "certificate".into(),
            cluster: Some(ClusterRef {
                resource_group: Some("rg".into()),
                name: Some("prod".into()),
            }),
        },
        locations: location.into_iter().collect(),
        evidence: Evidence::from([("subject", serde_json::json!("CN=x"))]),
        remediation: "az aks rotate-certs -g rg -n prod".into(),
        warning: None,
        fingerprint: crate::findings::Fingerprint([0x01; 32]),
    }
}

fn fixture() -> (Vec<Reported>, Vec<LoadedRule>, FactsDocument) {
    let rules = Engine::load(&[]).expect("bundled policies").rules().to_vec();
    let findings = vec![
        finding(
            "CERT001",
            "certificate-expired",
            "certificate CN=ok in certs/a.pem expired",
            Some(Location::in_file("certs/a.pem", Some(3))),
            Level::Error,
        ),
        finding(
            "CERT002",
            "certificate-expiring-soon",
            "certificate 0 presented by api:443 expires",
            Some(Location::in_file("tls://api:443", None)),
            Level::Warning,
        ),
        finding(
            "CERT007",
            "weak-certificate-crypto",
            "evil \u{1b}[31m<b>&\"\n,:%</b>",
            Some(Location::in_file("dir with space/x.pem", Some(1))),
            Level::Note,
        ),
    ];
    let facts = FactsDocument {
        now: "2026-11-29T00:00:00Z".into(),
        ..Default::default()
    };
    (without_baseline(findings), rules, facts)
}

/// A report of `findings` over `facts`, the facts document written at `out/scan.facts.json`.
fn report_of<'a>(findings: &'a [Reported], rules: &'a [LoadedRule], facts: &'a FactsDocument) -> Report<'a> {
    Report {
        compliance: &[],
        findings,
        absent: None,
        rules,
        facts,
        certificate_count: findings.len(),
        series: None,
        facts_uri: "out/scan.facts.json",
        facts_written: true,
        automation_id: None,
        provenance: None,
        waived: &[],
    }
}

fn rendered(format: Format) -> String {
    let (findings, rules, facts) = fixture();
    render(format, false, &report_of(&findings, &rules, &facts)).expect("renders")
}

#[test]
fn text_escapes_hostile_strings_and_names_the_fallback() {
    let text = rendered(Format::Text);
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("evil \\u{1b}[31m"));
    assert!(
        text.contains("--> out/scan.facts.json"),
        "live finding points at the facts document:\n{text}"
    );
    assert!(text.contains("--> certs/a.pem:3"));
}

#[test]
fn sarif_gives_every_result_a_file_location() {
    let log: serde_json::Value = serde_json::from_str(&rendered(Format::Sarif)).expect("json");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
        })
        .collect();
    assert_eq!(uris, ["certs/a.pem", "out/scan.facts.json", "dir%20with%20space/x.pem"]);
    assert_eq!(
        results[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "rg/prod/CERT002-id"
    );
    assert_eq!(
        results[2]["message"]["text"], "evil \\u{1b}\\[31m<b>&\"\\u{a},:%</b>",
        "SARIF's own `[` escape, and controls shown as \\u{{..}}; the rest is exact"
    );
    assert_eq!(results[0]["ruleIndex"], 0);
}

#[test]
fn github_commands_escape_data_and_properties() {
    let text = rendered(Format::Github);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "one command per finding, newlines escaped:\n{text}");
    assert!(lines[0].starts_with("::error file=certs/a.pem,line=3,title=aks-certscan CERT001 (certificate-expired)::"));
    assert!(
        lines[1].starts_with("::warning title="),
        "no file for a live finding: {}",
        lines[1]
    );
    assert!(lines[2].starts_with("::notice file=dir with space/x.pem,line=1,"));
    assert!(lines[2].contains("%0A,:%25"));
}

#[test]
fn junit_is_well_formed_with_markup_escaped() {
    let xml = rendered(Format::Junit);
    assert!(xml.contains("evil \\u{1b}[31m&lt;b&gt;&amp;&quot;"));
    assert!(!xml.contains("<b>"));
    let (_, rules, _) = fixture();
    assert!(rules.len() > 20);
    assert_eq!(xml.matches("<testsuite ").count(), rules.len(), "one suite per rule");
    assert_eq!(xml.matches("<failure ").count(), 3);
}

#[test]
fn json_carries_the_model_and_a_summary() {
    let doc: serde_json::Value = serde_json::from_str(&rendered(Format::Json)).expect("json");
    assert_eq!(doc["summary"], serde_json::json!({"error": 1, "warning": 1, "note": 1}));
    assert_eq!(doc["findings"][0]["fingerprint"].as_str().map(str::len), Some(64));
}

#[test]
fn provenance_comes_from_the_ci_system_only() {
    use super::Provenance;
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    let github = Provenance::from_vars(vars(&[
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "contoso/platform"),
        ("GITHUB_SHA", "0123abc"),
        ("GITHUB_REF", "refs/heads/main"),
    ]))
    .expect("github");
    assert_eq!(github.repository_uri, "https://github.com/contoso/platform");
    assert_eq!(github.revision.as_deref(), Some("0123abc"));
    let azure =
        Provenance::from_vars(vars(&[("BUILD_REPOSITORY_URI", "https://dev.azure.com/c/p/_git/r")])).expect("azure");
    assert_eq!(azure.branch, None);
    assert!(Provenance::from_vars(vars(&[])).is_none());
}

/// The text report of `findings` through the text emitter with `width` and `verbose`.
fn text_of(findings: Vec<Finding>, width: Option<usize>, verbose: bool) -> String {
    let (_, rules, facts) = fixture();
    let findings = without_baseline(findings);
    let report = report_of(&findings, &rules, &facts);
    let mut out = Vec::new();
    super::emitter(
        Format::Text,
        super::EmitOptions {
            width,
            verbose,
            ..Default::default()
        },
    )
    .emit(&report, &mut out)
    .expect("renders");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn text_wraps_to_the_terminal_and_keeps_commands_and_places_whole() {
    let mut f = finding(
        "CERT001",
        "certificate-expired",
        "certificate CN=web.contoso.com in a/very/long/path/to/the/certificate/file/that/is/long.pem expired on 2026-11-01 (28 days ago) and nobody noticed it",
        Some(Location::in_file("a/very/long/path/to/the/certificate/file/that/is/long/enough.pem", Some(1))),
        Level::Error,
    );
    f.remediation = "Rotate now: `az aks rotate-certs -g rg -n prod`, then fetch the credentials again.".into();
    let wide = text_of(vec![f.clone()], None, false);
    let narrow = text_of(vec![f], Some(60), false);
    // Piped (no width): one line per item.
    assert!(wide
        .lines()
        .any(|l| l.contains("nobody noticed it") && l.contains("error[CERT001]")));
    for line in narrow.lines() {
        // Only the place (kept whole for copying) and an unbreakable word may exceed the width.
        assert!(
            line.chars().count() <= 60 || line.contains("-->") || !line.trim().contains(' '),
            "too wide: {line:?}\n{narrow}"
        );
    }
    assert!(
        narrow.contains("\n    expired on") || narrow.contains("\n    "),
        "{narrow}"
    );
    assert!(
        narrow.contains("`az aks rotate-certs -g rg -n prod`"),
        "a command is never cut:\n{narrow}"
    );
    assert!(narrow.contains("--> a/very/long/path/to/the/certificate/file/that/is/long/enough.pem:1"));
    // The words are the same, only the line breaks differ.
    let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(words(&wide), words(&narrow));
}

#[test]
fn text_groups_many_findings_by_rule_and_cluster() {
    use super::text::{GROUP_ABOVE, MOST_URGENT};
    let many = |n: usize| -> Vec<Finding> {
        (0..n)
            .map(|i| {
                let (rule, name, level) = if i % 3 == 0 {
                    ("CERT001", "certificate-expired", Level::Error)
                } else {
                    ("CERT004", "certificate-max-age", Level::Note)
                };
                let mut f = finding(
                    rule,
                    name,
                    &format!("certificate {i}"),
                    Some(Location::in_file(format!("certs/{i}.pem"), Some(1))),
                    level,
                );
                f.evidence.insert(
                    std::borrow::Cow::Borrowed("remaining_days"),
                    serde_json::json!(1000 - i as i64),
                );
                f
            })
            .collect()
    };
    // At the threshold: every finding in full.
    let at = text_of(many(GROUP_ABOVE), None, false);
    assert_eq!(at.matches("= fix:").count(), GROUP_ABOVE);
    // Above it: counts, and the most urgent in full.
    let n = GROUP_ABOVE * 5;
    let grouped = text_of(many(n), None, false);
    assert_eq!(grouped.matches("= fix:").count(), MOST_URGENT, "{grouped}");
    let errors = n.div_ceil(3);
    assert!(
        grouped.contains(&format!(
            "error[CERT001] certificate-expired: {errors} in 1 cluster or source"
        )),
        "{grouped}"
    );
    assert!(grouped.contains(&format!(
        "note[CERT004] certificate-max-age: {} in 1 cluster or source",
        n - errors
    )));
    assert!(grouped.contains(&format!(
        "cluster rg/prod: {errors} errors, 0 warnings, {} notes",
        n - errors
    )));
    assert!(grouped.contains(&format!("... and {} more", n - MOST_URGENT)));
    // Most urgent: errors first, the least time left first (the last error has the fewest days).
    let last_error = (0..n).rev().find(|i| i % 3 == 0).expect("an error");
    let first_full = grouped
        .lines()
        .find(|l| l.contains("error[CERT001]") && l.contains("certificate "))
        .expect("one");
    assert!(
        first_full.ends_with(&format!("certificate {last_error}")),
        "{first_full}"
    );
    assert!(grouped.lines().count() < 100, "{}", grouped.lines().count());
    // --verbose: every one.
    let verbose = text_of(many(n), None, true);
    assert_eq!(verbose.matches("= fix:").count(), n);
}

#[test]
fn html_lists_the_most_urgent_rows_above_the_cap_and_says_so() {
    use super::html::MAX_ROWS;
    let (_, rules, facts) = fixture();
    let make = |n: usize| -> Vec<Reported> {
        without_baseline(
            (0..n)
                .map(|i| {
                    // One error among many notes, at the very end: it must be listed.
                    let level = if i == n - 1 { Level::Error } else { Level::Note };
                    finding("CERT004", "certificate-max-age", &format!("finding {i}"), None, level)
                })
                .collect(),
        )
    };
    let html = |findings: &[Reported]| render(Format::Html, false, &report_of(findings, &rules, &facts)).expect("html");
    let under = html(&make(MAX_ROWS));
    assert_eq!(under.matches("<tr data-index=").count(), MAX_ROWS);
    assert!(!under.contains("rows-capped"));
    let over = html(&make(MAX_ROWS + 7));
    assert_eq!(over.matches("<tr data-index=").count(), MAX_ROWS);
    assert!(over.contains(&format!("The {MAX_ROWS} most urgent of {} findings", MAX_ROWS + 7)));
    assert!(
        over.contains(&format!(">finding {}<", MAX_ROWS + 6)),
        "the error is listed"
    );
}
