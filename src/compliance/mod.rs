//! Compliance: per control of one framework, whether it passes, fails, is not
//! applicable or could not be checked, with the resources examined, the findings that failed it,
//! and why it is unknown; totals per framework and per cluster; and the evidence an auditor keeps
//! (scanner version, evaluation time, sources and their SHA-256, the policy bundle's digest).
//!
//! A control is evidenced by the rules whose metadata names it. Its verdict:
//!
//! - `fail`: a finding of one of its rules;
//! - `unknown`: no finding, but a resource could not be examined (facts missing), a rule was
//!   skipped, or a rule does not declare what it examines;
//! - `pass`: no finding, nothing unknown, and at least one resource examined;
//! - `not-applicable`: no resource of the kind its rules examine.
//!
//! So "pass" always means "examined and nothing failed", never only "no finding".

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::facts::model::FactsDocument;
use crate::findings::{ClusterRef, Finding, Level};
use crate::policy::frameworks;
use crate::policy::{Covered, LoadedRule, RuleCoverage, Skip};

/// Resources listed per control at most (the counts are always complete).
const LISTED: usize = 1000;

/// A control's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A finding of one of its rules.
    Fail,
    /// Something could not be checked.
    Unknown,
    /// Examined, nothing failed.
    Pass,
    /// Nothing to examine.
    NotApplicable,
}

impl Verdict {
    /// Its spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
            Verdict::Pass => "pass",
            Verdict::NotApplicable => "not-applicable",
        }
    }
}

/// Counts of controls by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Passing controls.
    pub pass: usize,
    /// Failing controls.
    pub fail: usize,
    /// Controls that could not be checked.
    pub unknown: usize,
    /// Controls with nothing to examine.
    pub not_applicable: usize,
}

impl Totals {
    fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Unknown => self.unknown += 1,
            Verdict::NotApplicable => self.not_applicable += 1,
        }
    }
}

/// The framework the report is about.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkInfo {
    /// Id (`cis-aks`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Version of the control ids.
    pub version: String,
    /// Where its text is.
    pub url: String,
}

/// One source read, as evidence.
#[derive(Debug, Clone, Serialize)]
pub struct SourceEvidence {
    /// Source kind.
    pub kind: String,
    /// Path as given.
    pub path: String,
    /// Files read.
    pub files_read: u64,
    /// SHA-256 of what was read (see `docs/facts.md`).
    pub sha256: Option<String>,
}

/// What makes the report reproducible.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// `aks-certscan 0.1.0`.
    pub scanner: String,
    /// The evaluation time.
    pub evaluation_time: String,
    /// SHA-256 over every policy file evaluated.
    pub policy_bundle_sha256: String,
    /// Rules evaluated, with where each came from.
    pub rules: Vec<RuleEvidence>,
    /// The sources read.
    pub sources: Vec<SourceEvidence>,
    /// Sources that could not be read (each a SCAN001 finding): coverage is incomplete.
    pub collection_errors: usize,
}

/// A rule of the bundle, as evidence.
#[derive(Debug, Clone, Serialize)]
pub struct RuleEvidence {
    /// Rule id.
    pub id: String,
    /// Its file.
    pub file: String,
    /// Bundled or a user policy.
    pub bundled: bool,
}

/// A finding that failed a control.
#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    /// Rule id.
    pub rule_id: String,
    /// Level.
    pub level: Level,
    /// Resource kind.
    pub kind: String,
    /// Resource id.
    pub id: String,
    /// Resource name.
    pub name: String,
    /// `rg/name`, when known.
    pub cluster: Option<String>,
    /// The finding's message.
    pub message: String,
}

/// A resource that could not be examined.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownResource {
    /// Rule id.
    pub rule_id: String,
    /// Resource kind.
    pub kind: String,
    /// Resource id.
    pub id: String,
    /// `rg/name`, when known.
    pub cluster: Option<String>,
    /// Why.
    pub reason: String,
}

/// A resource examined.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExaminedResource {
    /// Resource kind.
    pub kind: String,
    /// Resource id.
    pub id: String,
    /// `rg/name`, when known.
    pub cluster: Option<String>,
}

/// One control.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    /// Control id.
    pub id: String,
    /// Title, when the framework is bundled.
    pub title: String,
    /// Verdict.
    pub verdict: Verdict,
    /// Rules that evidence it.
    pub rules: Vec<String>,
    /// Resources examined (every one counted).
    pub examined: usize,
    /// Resources with a finding.
    pub failed: usize,
    /// Resources that could not be examined.
    pub unknown: usize,
    /// Why the control is unknown, beyond resources: skipped rules, undeclared coverage.
    pub notes: Vec<String>,
    /// The findings (at most 1,000 listed).
    pub findings: Vec<Failing>,
    /// The resources that could not be examined, with reasons (at most 1,000 listed).
    pub unknown_resources: Vec<UnknownResource>,
    /// The resources examined (at most 1,000 listed).
    pub examined_resources: Vec<ExaminedResource>,
}

/// One cluster's verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterSummary {
    /// `rg/name`, or `(no cluster)`.
    pub cluster: String,
    /// Counts of its controls by verdict.
    pub totals: Totals,
    /// Each control's verdict for this cluster.
    pub controls: BTreeMap<String, Verdict>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceReport {
    /// The framework.
    pub framework: FrameworkInfo,
    /// Evidence.
    pub evidence: Evidence,
    /// Counts of controls by verdict.
    pub totals: Totals,
    /// Per cluster.
    pub clusters: Vec<ClusterSummary>,
    /// Every control the rules map to, in id order.
    pub controls: Vec<Control>,
    /// Per rule evaluated: whether it declares what it examines, and how many resources it
    /// examined and could not examine.
    pub coverage: Vec<RuleCounts>,
}

/// What one rule examined, in numbers.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCounts {
    /// Rule id.
    pub rule_id: String,
    /// Whether the rule declares an `examined` set.
    pub declared: bool,
    /// Resources examined.
    pub examined: usize,
    /// Resources that could not be examined.
    pub unknown: usize,
}

/// What the report is built from.
pub struct Inputs<'a> {
    /// Framework id.
    pub framework: &'a str,
    /// The whole catalogue.
    pub rules: &'a [LoadedRule],
    /// Rules not evaluated.
    pub skip: &'a Skip,
    /// What each evaluated rule examined.
    pub coverage: &'a [RuleCoverage],
    /// The findings.
    pub findings: &'a [&'a Finding],
    /// The facts.
    pub facts: &'a FactsDocument,
    /// The policy bundle's digest.
    pub policy_digest: &'a str,
}

/// Controls of `framework` that the catalogue's rules name (in a natural order: `3.1.2` before
/// `3.1.10`), and the framework's description.
pub fn framework_info(framework: &str, rules: &[LoadedRule]) -> (FrameworkInfo, Vec<String>) {
    let info = match frameworks::framework(framework) {
        Some(f) => FrameworkInfo {
            id: f.id.into(),
            name: f.name.into(),
            version: f.version.into(),
            url: f.url.into(),
        },
        None => FrameworkInfo {
            id: framework.into(),
            name: framework.into(),
            version: String::new(),
            url: String::new(),
        },
    };
    let mut controls: BTreeSet<String> = BTreeSet::new();
    for rule in rules {
        if let Some(list) = rule.meta.controls.get(framework) {
            controls.extend(list.iter().cloned());
        }
    }
    let mut controls: Vec<String> = controls.into_iter().collect();
    controls.sort_by_key(|c| natural_key(c));
    (info, controls)
}

/// Sorts `3.1.2` before `3.1.10` and `SC-12` after `SC-7`.
fn natural_key(text: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut letters = String::new();
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((std::mem::take(&mut letters), digits.parse().unwrap_or(u64::MAX)));
                digits.clear();
            }
            letters.push(c);
        }
    }
    out.push((letters, digits.parse().unwrap_or(0)));
    out
}

fn cluster_name(c: Option<&ClusterRef>) -> Option<String> {
    c.map(|c| {
        format!(
            "{}/{}",
            c.resource_group.as_deref().unwrap_or("?"),
            c.name.as_deref().unwrap_or("?")
        )
        .to_ascii_lowercase()
    })
}

const NO_CLUSTER: &str = "(no cluster)";

/// Within one cluster: the failing resources, and how many were unknown and examined.
type ClusterCounts = (BTreeSet<(String, String)>, usize, usize);

/// The verdict from what is known about a control (or a control within one cluster).
fn verdict(failed: usize, unknown: usize, notes: usize, examined: usize) -> Verdict {
    if failed > 0 {
        Verdict::Fail
    } else if unknown > 0 || notes > 0 {
        Verdict::Unknown
    } else if examined > 0 {
        Verdict::Pass
    } else {
        Verdict::NotApplicable
    }
}

/// Builds the report.
pub fn build(inputs: &Inputs<'_>) -> ComplianceReport {
    let (framework, control_ids) = framework_info(inputs.framework, inputs.rules);
    let coverage: BTreeMap<&str, &RuleCoverage> = inputs.coverage.iter().map(|c| (c.rule_id.as_str(), c)).collect();
    let mut controls = Vec::new();
    // Per cluster: control → (failed, unknown, examined) counts.
    let mut per_cluster: BTreeMap<String, BTreeMap<String, (usize, usize, usize)>> = BTreeMap::new();
    for control in &control_ids {
        let rule_ids: Vec<&LoadedRule> = inputs
            .rules
            .iter()
            .filter(|r| {
                r.meta
                    .controls
                    .get(inputs.framework)
                    .is_some_and(|l| l.contains(control))
            })
            .collect();
        let mut notes = Vec::new();
        let mut examined: BTreeSet<ExaminedResource> = BTreeSet::new();
        let mut unknown: Vec<UnknownResource> = Vec::new();
        let mut unknown_keys: BTreeSet<(String, String)> = BTreeSet::new();
        for rule in &rule_ids {
            let id = rule.meta.id.as_str();
            if inputs.skip.contains(id) {
                notes.push(format!("{id} was not evaluated (--skip)"));
                continue;
            }
            match coverage.get(id) {
                Some(c) if c.declared => {
                    for e in &c.examined {
                        examined.insert(examined_of(e));
                    }
                    for u in &c.unknown {
                        if unknown_keys.insert((u.kind.clone(), u.id.clone())) {
                            unknown.push(UnknownResource {
                                rule_id: id.into(),
                                kind: u.kind.clone(),
                                id: u.id.clone(),
                                cluster: cluster_name(u.cluster.as_ref()),
                                reason: u.reason.clone().unwrap_or_else(|| "not examined".into()),
                            });
                        }
                    }
                }
                _ => notes.push(format!(
                    "{id} does not declare what it examines (an `examined` set): a pass cannot be told from no finding"
                )),
            }
        }
        let findings: Vec<Failing> = inputs
            .findings
            .iter()
            .filter(|f| rule_ids.iter().any(|r| *r.meta.id == *f.rule_id))
            .map(|f| Failing {
                rule_id: f.rule_id.to_string(),
                level: f.level,
                kind: f.resource.kind.clone(),
                id: f.resource.id.clone(),
                name: f.resource.name.clone(),
                cluster: cluster_name(f.resource.cluster.as_ref()),
                message: f.message.clone(),
            })
            .collect();
        let failed_keys: BTreeSet<(&str, &str)> = findings.iter().map(|f| (f.kind.as_str(), f.id.as_str())).collect();
        // Resources that failed or are unknown count as examined too when a rule listed them.
        let examined_count = examined.len();
        let v = verdict(failed_keys.len(), unknown.len(), notes.len(), examined_count);
        // Per cluster.
        let mut counts: BTreeMap<String, ClusterCounts> = BTreeMap::new();
        for f in &findings {
            let entry = counts
                .entry(f.cluster.clone().unwrap_or_else(|| NO_CLUSTER.into()))
                .or_default();
            entry.0.insert((f.kind.clone(), f.id.clone()));
        }
        for u in &unknown {
            counts
                .entry(u.cluster.clone().unwrap_or_else(|| NO_CLUSTER.into()))
                .or_default()
                .1 += 1;
        }
        for e in &examined {
            counts
                .entry(e.cluster.clone().unwrap_or_else(|| NO_CLUSTER.into()))
                .or_default()
                .2 += 1;
        }
        for (cluster, (failed, unknown_n, examined_n)) in counts {
            per_cluster
                .entry(cluster)
                .or_default()
                .insert(control.clone(), (failed.len(), unknown_n, examined_n));
        }
        let note_count = notes.len();
        controls.push((
            Control {
                id: control.clone(),
                title: frameworks::control_title(inputs.framework, control)
                    .unwrap_or(control)
                    .to_string(),
                verdict: v,
                rules: rule_ids.iter().map(|r| r.meta.id.clone()).collect(),
                examined: examined_count,
                failed: failed_keys.len(),
                unknown: unknown.len(),
                notes,
                findings: findings.into_iter().take(LISTED).collect(),
                unknown_resources: unknown.into_iter().take(LISTED).collect(),
                examined_resources: examined.into_iter().take(LISTED).collect(),
            },
            note_count,
        ));
    }
    let mut totals = Totals::default();
    for (c, _) in &controls {
        totals.add(c.verdict);
    }
    let clusters = per_cluster
        .into_iter()
        .map(|(cluster, by_control)| {
            let mut t = Totals::default();
            let mut verdicts = BTreeMap::new();
            for (control, notes) in controls.iter().map(|(c, n)| (&c.id, *n)) {
                let (failed, unknown, examined) = by_control.get(control).copied().unwrap_or_default();
                let v = verdict(
                    failed,
                    unknown,
                    if examined + failed + unknown > 0 { notes } else { 0 },
                    examined,
                );
                t.add(v);
                verdicts.insert(control.clone(), v);
            }
            ClusterSummary {
                cluster,
                totals: t,
                controls: verdicts,
            }
        })
        .collect();
    let facts = inputs.facts;
    let evidence = Evidence {
        scanner: format!("{} {}", facts.scanner.name, facts.scanner.version),
        evaluation_time: facts.now.clone(),
        policy_bundle_sha256: inputs.policy_digest.to_string(),
        rules: inputs
            .rules
            .iter()
            .filter(|r| !inputs.skip.contains(&r.meta.id))
            .map(|r| RuleEvidence {
                id: r.meta.id.clone(),
                file: r.file.clone(),
                bundled: r.bundled,
            })
            .collect(),
        sources: facts
            .sources
            .iter()
            .map(|s| SourceEvidence {
                kind: serde_json::to_value(s.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                path: s.path.clone(),
                files_read: s.files_read,
                sha256: s.sha256.clone(),
            })
            .collect(),
        collection_errors: facts.facts.errors.len(),
    };
    ComplianceReport {
        framework,
        evidence,
        totals,
        clusters,
        controls: controls.into_iter().map(|(c, _)| c).collect(),
        coverage: inputs
            .coverage
            .iter()
            .map(|c| RuleCounts {
                rule_id: c.rule_id.clone(),
                declared: c.declared,
                examined: c.examined.len(),
                unknown: c.unknown.len(),
            })
            .collect(),
    }
}

fn examined_of(e: &Covered) -> ExaminedResource {
    ExaminedResource {
        kind: e.kind.clone(),
        id: e.id.clone(),
        cluster: cluster_name(e.cluster.as_ref()),
    }
}

/// The worst level among the findings that failed a control (for `--fail-on`).
pub fn failing_levels(report: &ComplianceReport) -> impl Iterator<Item = Level> + '_ {
    report.controls.iter().flat_map(|c| c.findings.iter().map(|f| f.level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_never_pass_without_an_examined_resource() {
        assert_eq!(verdict(0, 0, 0, 0), Verdict::NotApplicable);
        assert_eq!(verdict(0, 1, 0, 0), Verdict::Unknown);
        assert_eq!(verdict(0, 0, 1, 5), Verdict::Unknown);
        assert_eq!(verdict(0, 0, 0, 5), Verdict::Pass);
        assert_eq!(verdict(1, 3, 1, 5), Verdict::Fail);
    }

    #[test]
    fn controls_sort_naturally() {
        let mut ids = vec!["3.1.10", "3.1.2", "SC-17", "SC-7"];
        ids.sort_by_key(|c| natural_key(c));
        assert_eq!(ids, ["3.1.2", "3.1.10", "SC-7", "SC-17"]);
    }
}
