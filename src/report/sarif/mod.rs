//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (`upload-sarif`) and Azure DevOps.
//!
//! Our own serde structs, with required fields non-optional and `results` always present. What
//! GitHub needs and this writer guarantees:
//!
//! - `tool.driver.rules` holds **every** rule of the catalogue (bundled and user) in id order;
//!   `ruleIndex` points into it. Each rule has short and full descriptions, `help.text` and
//!   `help.markdown` with the remediation, `helpUri`, `defaultConfiguration.level`, and
//!   `properties`: `tags`, `precision`, `problem.severity` and `security-severity` (error 8.0,
//!   warning 5.0, note 2.0: GitHub shows them as high, medium and low).
//! - Every result has at least one location with a `region.startLine`: the file and line the
//!   fact came from, else the facts document the scan wrote (`--facts-out`) with the resource in
//!   `logicalLocations`. Further places go to `relatedLocations` (GitHub uses only the first
//!   location). URIs are relative (`%SRCROOT%`), percent-encoded; absolute paths are written
//!   relative to `ROOTPATH` (`file:///`), so the scanning machine's working directory never leaks.
//! - `partialFingerprints` carry the finding's fingerprint (rule id + resource identity) as both
//!   `aks-certscan/v1` and `primaryLocationLineHash`, so alerts are tracked across runs.
//! - Only failures are results (GitHub ignores `kind` and `suppressions`).
//! - `automationDetails.id` is `aks-certscan/<rg>/<cluster>/` when the scan covers one cluster,
//!   else `aks-certscan/`; collection errors are `toolExecutionNotifications`.
//! - Within GitHub's limits ([`aggregate`]): above 5,000 findings, one result per rule and
//!   cluster (or source) with the count and the places; above 25,000 results, several runs (at most
//!   20), each with its own `automationDetails.id` (`aks-certscan/part-2/`, ...).

pub mod aggregate;

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::findings::{Level, Location};
use crate::policy::LoadedRule;
use crate::report::{Emitter, Report};

/// SARIF emitter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sarif {
    /// When findings are aggregated to stay within GitHub's limits.
    pub aggregate: aggregate::Aggregate,
}

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/aks-certscan/aks-certscan";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    automation_details: AutomationDetails,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    version_control_provenance: Vec<VersionControl>,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult<'a>>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    semantic_version: String,
    version: String,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    /// The rule's kebab-case name as the catalogue spells it (SARIF `name` is PascalCase).
    #[serde(rename = "aks-certscan/name")]
    catalogue_name: String,
    tags: Vec<String>,
    precision: String,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    parameters: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionControl {
    repository_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    mapped_to: ArtifactLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    descriptor: Descriptor,
}

#[derive(Serialize)]
struct Descriptor {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    resource: &'a crate::findings::Resource,
    evidence: &'a crate::findings::Evidence,
    remediation: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

/// Percent-encodes a relative path for a URI reference: RFC 3986 `pchar` plus `/`, except `:`,
/// which is encoded too (a first segment with a `:` would read as a scheme: a file named
/// `https:evil.example.pem` must stay a file).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let bytes = path.replace('\\', "/").into_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b);
        // `%80`-`%FF` is how paths show a byte of a name that is not UTF-8 (see
        // `paths::display_path`): kept, so the URI decodes to the file's real name.
        let raw_byte = b == b'%'
            && bytes.get(i + 1).is_some_and(|h| matches!(h, b'8'..=b'9' | b'A'..=b'F'))
            && bytes
                .get(i + 2)
                .is_some_and(|h| h.is_ascii_hexdigit() && !h.is_ascii_lowercase());
        if keep || raw_byte {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Resolves `.` and `..` segments. A relative path that climbs above its root has no place
/// under `%SRCROOT%`: `None`. An absolute one stops at `/`.
fn normalise(path: &str, absolute: bool) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !absolute {
                    return None;
                }
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// An artifact location for a path as shown in facts: relative paths under `%SRCROOT%`, absolute
/// ones (Unix `/x`, Windows `C:\x`) under `ROOTPATH`; `None` for a relative path that leaves the
/// source root (`sub/../../etc/x`), which SARIF consumers would resolve outside the repository.
fn artifact(path: &str) -> Option<ArtifactLocation> {
    let unix_abs = path.strip_prefix('/');
    let bytes = path.as_bytes();
    let windows_abs = (bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':').then(|| &path[2..]);
    match unix_abs.or(windows_abs) {
        Some(rest) => Some(ArtifactLocation {
            uri: encode_path(&normalise(rest, true)?),
            uri_base_id: Some("ROOTPATH"),
        }),
        None => {
            let relative = normalise(path, false).filter(|p| !p.is_empty())?;
            Some(ArtifactLocation {
                uri: encode_path(&relative),
                uri_base_id: Some("%SRCROOT%"),
            })
        }
    }
}

/// A SARIF location for `l`; a path with no place in the repository points at the facts
/// document (where the full path is recorded) instead.
fn location(l: &Location, facts_uri: &str, id: Option<usize>, mut logical: Vec<LogicalLocation>) -> SarifLocation {
    // The Kubernetes object at this place (`prod/Secret/web#tls.crt`) names it for consumers
    // that read logical locations; the file and line stay the physical location.
    if let Some(object) = &l.object {
        logical.push(LogicalLocation {
            name: object.clone(),
            fully_qualified_name: object.clone(),
            kind: "object",
        });
    }
    let (artifact_location, line) = match artifact(&l.path) {
        Some(a) => (a, l.line),
        None => (
            artifact(facts_uri).unwrap_or_else(|| ArtifactLocation {
                uri: encode_path(crate::report::DEFAULT_FACTS_FILE),
                uri_base_id: Some("%SRCROOT%"),
            }),
            None,
        ),
    };
    SarifLocation {
        id,
        physical_location: PhysicalLocation {
            artifact_location,
            region: Region {
                start_line: line.unwrap_or(1).max(1),
            },
        },
        logical_locations: logical,
    }
}

/// Plain-text SARIF message: `[` and `]` are escaped (SARIF 2.1.0 §3.11.6), so that a certificate
/// subject like `[click](https://evil.example)` is text, not an embedded link; control, bidi,
/// zero-width and line-separator characters (ESC, CR, LF, U+202E, U+2028, ...) are shown as
/// `\u{..}`, so that no viewer of the message (a terminal printing SARIF, a web page) renders
/// them.
fn message_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if crate::sanitize::is_invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            // A backslash before a bracket is itself escaped, so it stays a backslash.
            '\\' if matches!(chars.peek(), Some('[' | ']')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// SARIF's friendly rule name is one PascalCase identifier (`certificate-expired` becomes
/// `CertificateExpired`); the catalogue's kebab-case name stays in the rule's properties.
fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn level(l: Level) -> &'static str {
    l.as_str()
}

fn rule(r: &LoadedRule) -> Rule {
    let m = &r.meta;
    let caution = m
        .warning
        .as_ref()
        .map(|w| format!("\n\nCaution: {w}"))
        .unwrap_or_default();
    let params = if m.params.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = m
            .params
            .iter()
            .map(|(k, v)| format!("- `{k}` (default `{v}`)"))
            .collect();
        format!(
            "\n\n## Parameters\n\nOverride with `--param {}.NAME=VALUE`.\n\n{}",
            m.id,
            list.join("\n")
        )
    };
    Rule {
        id: m.id.clone(),
        name: pascal_case(&m.name),
        short_description: Text { text: m.title.clone() },
        full_description: Text {
            text: truncate(&m.description, 1024),
        },
        help: Help {
            text: format!("{}\n\nRemediation: {}{caution}", m.description, m.remediation),
            markdown: format!(
                "# {} ({})\n\n{}\n\n## Remediation\n\n{}{}{}\n\n[Documentation]({}){}",
                m.title,
                m.id,
                m.description,
                m.remediation,
                m.warning
                    .as_ref()
                    .map(|w| format!("\n\n> **Caution:** {w}"))
                    .unwrap_or_default(),
                params,
                m.help_uri,
                m.references
                    .iter()
                    .map(|r| format!(" · [{r}]({r})"))
                    .collect::<String>()
            ),
        },
        help_uri: m.help_uri.clone(),
        default_configuration: DefaultConfiguration {
            level: level(m.severity),
        },
        properties: RuleProperties {
            catalogue_name: m.name.clone(),
            // `security` first: GitHub reads `security-severity` only from rules tagged so.
            // Then the rule's own tags (GitHub shows the first 10), then its controls as
            // `compliance/<framework>/<control>`; at most 20 in all (GitHub's limit).
            tags: std::iter::once("security".to_string())
                .chain(m.tags.iter().filter(|t| *t != "security").take(9).cloned())
                .chain(m.control_tags())
                .take(20)
                .collect(),
            precision: m.precision.clone(),
            problem_severity: match m.severity {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Note => "recommendation",
            },
            security_severity: m.security_severity(),
            parameters: m.params.clone(),
        },
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn automation_id(report: &Report<'_>) -> String {
    if let Some(id) = report.automation_id {
        return id.to_string();
    }
    match report.facts.facts.clusters.as_slice() {
        [one] => format!(
            "aks-certscan/{}/{}/",
            one.resource_group.as_deref().unwrap_or("unknown"),
            one.name
        ),
        _ => "aks-certscan/".to_string(),
    }
}

fn result<'a>(report: &Report<'a>, reported: &'a crate::report::Reported) -> SarifResult<'a> {
    let f = &reported.finding;
    let rule_index = report.rules.iter().position(|r| *r.meta.id == *f.rule_id).unwrap_or(0);
    let logical = LogicalLocation {
        name: f.resource.name.clone(),
        fully_qualified_name: match &f.resource.cluster {
            Some(c) => format!(
                "{}/{}/{}",
                c.resource_group.as_deref().unwrap_or("?"),
                c.name.as_deref().unwrap_or("?"),
                f.resource.id
            ),
            None => f.resource.id.clone(),
        },
        kind: "resource",
    };
    let mut places = report.locations_of(f).into_iter();
    let first = places
        .next()
        .unwrap_or_else(|| Location::in_file(report.facts_uri, None));
    let related: Vec<SarifLocation> = places
        .enumerate()
        .map(|(i, l)| location(&l, report.facts_uri, Some(i + 1), Vec::new()))
        .collect();
    SarifResult {
        rule_id: &f.rule_id,
        rule_index,
        level: level(f.level),
        message: Text {
            text: message_text(&f.message),
        },
        locations: vec![location(&first, report.facts_uri, None, vec![logical])],
        related_locations: related,
        partial_fingerprints: {
            let fingerprint = f.fingerprint.to_string();
            let line_hash = format!("{}:1", &fingerprint[..32]);
            BTreeMap::from([
                (crate::triage::baseline::FINGERPRINT_KEY, fingerprint),
                ("primaryLocationLineHash", line_hash),
            ])
        },
        baseline_state: reported.baseline.map(|b| b.as_str()),
        properties: ResultProperties {
            resource: &f.resource,
            evidence: &f.evidence,
            remediation: &f.remediation,
        },
    }
}

impl Emitter for Sarif {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let facts = report.facts;
        let notifications = facts
            .facts
            .errors
            .iter()
            .map(|e| Notification {
                level: "warning",
                message: Text {
                    text: message_text(&format!("{} {}: {}", e.source.flag(), e.path, e.message)),
                },
                locations: vec![location(
                    &Location::in_file(
                        if !crate::report::is_file(&e.path) || e.source == crate::facts::model::SourceKind::Endpoint {
                            report.facts_uri.to_string()
                        } else {
                            e.path.clone()
                        },
                        e.line,
                    ),
                    report.facts_uri,
                    None,
                    Vec::new(),
                )],
                descriptor: Descriptor { id: "SCAN001" },
            })
            .collect::<Vec<Notification>>();
        let mut properties: BTreeMap<&'static str, serde_json::Value> = BTreeMap::new();
        properties.insert("evaluationTime", facts.now.clone().into());
        if report.facts_written {
            properties.insert("factsDocument", report.facts_uri.into());
        }
        if !report.waived.is_empty() {
            // Waived findings are not results (GitHub would show them as open alerts): the run
            // lists them with their reasons.
            let waived: Vec<serde_json::Value> = report
                .waived
                .iter()
                .map(|w| {
                    serde_json::json!({
                        "ruleId": &*w.finding.rule_id,
                        "resource": w.finding.resource.id,
                        "message": w.finding.message,
                        "fingerprint": w.finding.fingerprint,
                        "reason": w.reason,
                        "expires": w.expires,
                        "exception": format!("{}:{}", w.file, w.line),
                    })
                })
                .collect();
            properties.insert("waived", waived.into());
        }
        if let Some(absent) = report.absent {
            properties.insert("absentResults", serde_json::to_value(absent).unwrap_or_default());
        }
        let (results, aggregation) = aggregate::for_sarif(report.findings, self.aggregate, &report.source_paths());
        if let Some(done) = aggregation {
            properties.insert(
                "aggregated",
                serde_json::json!({
                    "findings": done.findings,
                    "results": done.results,
                    "by": "rule and cluster (or source)",
                }),
            );
        }
        let parts: Vec<&[crate::report::Reported]> = if results.is_empty() {
            vec![&results[..]]
        } else {
            results.chunks(aggregate::GITHUB_RESULTS_PER_RUN).collect()
        };
        let base_id = automation_id(report);
        let mut notifications = Some(notifications);
        let runs = (0..parts.len())
            .map(|n| Run {
                tool: Tool {
                    driver: Driver {
                        name: "aks-certscan",
                        semantic_version: facts.scanner.version.clone(),
                        version: facts.scanner.version.clone(),
                        information_uri: INFORMATION_URI,
                        rules: report.rules.iter().map(rule).collect(),
                    },
                },
                version_control_provenance: report
                    .provenance
                    .map(|p| {
                        vec![VersionControl {
                            repository_uri: p.repository_uri.clone(),
                            revision_id: p.revision.clone(),
                            branch: p.branch.clone(),
                            mapped_to: ArtifactLocation {
                                uri: String::new(),
                                uri_base_id: Some("%SRCROOT%"),
                            },
                        }]
                    })
                    .unwrap_or_default(),
                automation_details: AutomationDetails {
                    id: if n == 0 {
                        base_id.clone()
                    } else {
                        format!("{base_id}part-{}/", n + 1)
                    },
                },
                original_uri_base_ids: BTreeMap::from([(
                    "ROOTPATH",
                    ArtifactLocation {
                        uri: "file:///".into(),
                        uri_base_id: None,
                    },
                )]),
                invocations: vec![Invocation {
                    execution_successful: true,
                    // Collection errors belong to the first run.
                    tool_execution_notifications: notifications.take().unwrap_or_default(),
                    properties: BTreeMap::from([("evaluationTime", facts.now.clone())]),
                }],
                results: Vec::new(),
                properties: properties.clone(),
            })
            .collect();
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs,
        };
        // The results, most of the log, are serialized in parallel into the skeleton.
        let skeleton = serde_json::to_vec_pretty(&log)?;
        crate::pretty_json::write_spliced_parts(out, &skeleton, "results", 3, &parts, |r, ser| {
            result(report, r).serialize(ser)
        })?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        let a = artifact("testdata/my certs/ca.crt").expect("inside");
        assert_eq!(
            (a.uri.as_str(), a.uri_base_id),
            ("testdata/my%20certs/ca.crt", Some("%SRCROOT%"))
        );
        let b = artifact("/etc/kubernetes/certs/ca.crt").expect("absolute");
        assert_eq!(
            (b.uri.as_str(), b.uri_base_id),
            ("etc/kubernetes/certs/ca.crt", Some("ROOTPATH"))
        );
        let c = artifact("C:\\k\\ca.crt").expect("windows");
        assert_eq!((c.uri.as_str(), c.uri_base_id), ("k/ca.crt", Some("ROOTPATH")));
        assert_eq!(encode_path("ü"), "%C3%BC");
    }

    #[test]
    fn uris_never_carry_a_scheme_or_leave_the_root() {
        let a = artifact("https:evil.example.pem").expect("a file");
        assert_eq!(a.uri, "https%3Aevil.example.pem");
        assert!(artifact("sub/../../../../etc/ssl/x.pem").is_none());
        assert_eq!(artifact("sub/./a/../b.pem").expect("inside").uri, "sub/b.pem");
        assert_eq!(artifact("/etc/../../x").expect("absolute").uri, "x");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("certificate-expired"), "CertificateExpired");
        assert_eq!(
            pascal_case("node-cert-not-signed-by-cluster-ca"),
            "NodeCertNotSignedByClusterCa"
        );
    }

    #[test]
    fn message_controls_are_shown_escaped() {
        assert_eq!(
            message_text("a\u{1b}[2Jb\nc\u{2028}d\u{202e}"),
            "a\\u{1b}\\[2Jb\\u{a}c\\u{2028}d\\u{202e}"
        );
    }

    #[test]
    fn message_brackets_are_escaped() {
        assert_eq!(
            message_text("CN=[click](https://evil.example)"),
            "CN=\\[click\\](https://evil.example)"
        );
        assert_eq!(message_text("a\\[b"), "a\\\\\\[b");
        assert_eq!(message_text("plain"), "plain");
    }
}
