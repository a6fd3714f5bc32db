//! Keeping SARIF inside GitHub code scanning's limits for fleets.
//!
//! GitHub rejects an upload above 10 MB gzip-compressed, with more than 20 runs or more than
//! 25,000 results in a run, and shows only the top 5,000 results of a run. A fleet scan can have
//! 100,000 findings. Aggregation replaces the findings of one rule in one cluster (or, without a
//! cluster, in one source) by a single result that counts them and lists where they are (the
//! first location, up to 99 related locations, the first 100 resource ids); the text, JSON and
//! JUnit reports keep every finding. See `docs/fleet.md`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::findings::{fingerprint, Evidence, Finding, Location, Resource};
use crate::triage::baseline::BaselineState;
use crate::triage::Reported;

/// Results GitHub shows per run: beyond it, `auto` aggregates.
pub const GITHUB_SHOWN_RESULTS: usize = 5_000;
/// Results GitHub accepts per run: beyond it, results are split into several runs.
pub const GITHUB_RESULTS_PER_RUN: usize = 25_000;
/// Runs GitHub accepts per file.
pub const GITHUB_RUNS_PER_FILE: usize = 20;
/// Locations kept per aggregated result (GitHub accepts 1,000 and keeps 100).
const LOCATIONS_PER_RESULT: usize = 100;
/// Resource ids listed in an aggregated result's evidence.
const RESOURCES_LISTED: usize = 100;

/// When SARIF findings are aggregated (`--sarif-aggregate`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Aggregate {
    /// Only when a run would have more results than GitHub shows (5,000).
    #[default]
    Auto,
    /// Always: one result per rule and cluster (or source).
    Always,
    /// Never (the file may then exceed what GitHub accepts).
    Never,
}

impl crate::choice::Choice for Aggregate {
    const ALL: &'static [Aggregate] = &[Aggregate::Auto, Aggregate::Always, Aggregate::Never];

    fn name(self) -> &'static str {
        match self {
            Aggregate::Auto => "auto",
            Aggregate::Always => "always",
            Aggregate::Never => "never",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Aggregate::Auto => "Above 5,000 findings",
            Aggregate::Always => "Always",
            Aggregate::Never => "Never",
        }
    }
}

/// What aggregation did, for the summary on stderr and the SARIF run's properties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregation {
    /// Findings before.
    pub findings: usize,
    /// Results after.
    pub results: usize,
}

/// The group a finding is aggregated into: its rule, and its cluster or else the source it came
/// from (the longest of `sources` its first file lies in, or that file's first directory).
fn group_of<'a>(f: &'a Finding, sources: &[&'a str]) -> Group<'a> {
    let scope = match &f.resource.cluster {
        Some(c) => Scope::Cluster(
            c.resource_group.as_deref().unwrap_or("?"),
            c.name.as_deref().unwrap_or("?"),
        ),
        None => match f.locations.first() {
            Some(l) => Scope::Source(source_of(&l.path, sources)),
            None => Scope::WithoutFile(&f.resource.kind),
        },
    };
    Group {
        rule: &f.rule_id,
        scope,
    }
}

/// A group of findings aggregated into one result (borrowed from the findings: grouping
/// allocates nothing per finding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Group<'a> {
    rule: &'a str,
    scope: Scope<'a>,
}

/// Where a group's findings are: a cluster (resource group, name), a source, or nowhere (no
/// cluster and no file: the resource kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scope<'a> {
    Cluster(&'a str, &'a str),
    Source(&'a str),
    WithoutFile(&'a str),
}

impl std::fmt::Display for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Cluster(group, name) => write!(f, "cluster {group}/{name}"),
            Scope::Source(source) => write!(f, "source {source}"),
            Scope::WithoutFile(kind) => write!(f, "{kind}s without a file"),
        }
    }
}

fn source_of<'a>(path: &'a str, sources: &[&'a str]) -> &'a str {
    sources
        .iter()
        .filter(|s| path == **s || (path.starts_with(**s) && path[s.len()..].starts_with('/')))
        .max_by_key(|s| s.len())
        .copied()
        .unwrap_or_else(|| top_of(path))
}

/// The first directory of a path (or the path itself).
fn top_of(path: &str) -> &str {
    let trimmed = path.trim_start_matches('/');
    match trimmed.find('/') {
        Some(at) => &path[..path.len() - trimmed.len() + at],
        None => path,
    }
}

/// What [`for_sarif`] would do, without doing it: for a summary.
pub fn planned(findings: &[Reported], mode: Aggregate, sources: &[&str]) -> Option<Aggregation> {
    let needed = match mode {
        Aggregate::Never => false,
        Aggregate::Always => true,
        Aggregate::Auto => findings.len() > GITHUB_SHOWN_RESULTS,
    };
    needed.then(|| Aggregation {
        findings: findings.len(),
        results: findings
            .iter()
            .map(|r| group_of(&r.finding, sources))
            .collect::<std::collections::HashSet<_>>()
            .len(),
    })
}

/// The findings as SARIF should carry them, and what was done.
pub fn for_sarif(findings: &[Reported], mode: Aggregate, sources: &[&str]) -> (Vec<Reported>, Option<Aggregation>) {
    let needed = match mode {
        Aggregate::Never => false,
        Aggregate::Always => true,
        Aggregate::Auto => findings.len() > GITHUB_SHOWN_RESULTS,
    };
    if !needed {
        return (findings.to_vec(), None);
    }
    // Groups in the order of their first finding (findings come worst first).
    let mut order: Vec<Group<'_>> = Vec::new();
    let mut groups: HashMap<Group<'_>, Vec<&Reported>> = HashMap::new();
    for r in findings {
        let key = group_of(&r.finding, sources);
        let members = groups.entry(key).or_default();
        if members.is_empty() {
            order.push(key);
        }
        members.push(r);
    }
    let results: Vec<Reported> = order
        .into_iter()
        .filter_map(|key| {
            let members = groups.remove(&key)?;
            Some(if members.len() == 1 {
                members[0].clone()
            } else {
                combine(&key, &members)
            })
        })
        .collect();
    let done = Aggregation {
        findings: findings.len(),
        results: results.len(),
    };
    (results, Some(done))
}

fn combine(group: &Group<'_>, members: &[&Reported]) -> Reported {
    let (rule, scope) = (group.rule, group.scope.to_string());
    let first = &members[0].finding;
    let level = members.iter().map(|r| r.finding.level).max().unwrap_or(first.level);
    let mut locations: Vec<Location> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in members {
        for l in &r.finding.locations {
            if locations.len() >= LOCATIONS_PER_RESULT {
                break;
            }
            if seen.insert((l.path.as_str(), l.line)) {
                locations.push(l.clone());
            }
        }
    }
    let kind = &first.resource.kind;
    let mut evidence = Evidence::new();
    evidence.insert("aggregated", serde_json::json!(members.len()));
    evidence.insert(
        "resources",
        serde_json::json!(members
            .iter()
            .take(RESOURCES_LISTED)
            .map(|r| r.finding.resource.id.clone())
            .collect::<Vec<_>>()),
    );
    evidence.insert("first_message", serde_json::json!(first.message));
    let id = format!("{rule}:{scope}");
    let message = format!(
        "{} {kind} findings of {rule} {} in {scope}, for example: {} (every one is in the JSON and text reports)",
        members.len(),
        first.rule_name,
        first.message
    );
    // New if any member is new, else updated if any is, else unchanged.
    let rank = |b: &BaselineState| match b {
        BaselineState::New => 0,
        BaselineState::Updated => 1,
        BaselineState::Unchanged => 2,
        BaselineState::Absent => 3,
    };
    let baseline = members.iter().filter_map(|r| r.baseline).min_by_key(rank);
    Reported {
        finding: Finding {
            rule_id: Arc::clone(&first.rule_id),
            rule_name: Arc::clone(&first.rule_name),
            level,
            message,
            resource: Resource {
                kind: "aggregate".into(),
                id: id.clone(),
                name: format!("{} {kind}s in {scope}", members.len()),
                cluster: first.resource.cluster.clone(),
            },
            locations,
            evidence,
            remediation: Arc::clone(&first.remediation),
            warning: first.warning.clone(),
            fingerprint: fingerprint(rule, "aggregate", &id),
        },
        baseline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_group_by_the_source_they_came_from() {
        assert_eq!(
            source_of("/tmp/perf/h/d0/x.pem", &["/tmp/perf/h", "/tmp"]),
            "/tmp/perf/h"
        );
        assert_eq!(source_of("/tmp/perf/hx/x.pem", &["/tmp/perf/h"]), "/tmp");
        assert_eq!(top_of("certs/a/b.pem"), "certs");
        assert_eq!(top_of("/etc/kubernetes/certs/ca.crt"), "/etc");
        assert_eq!(top_of("x.pem"), "x.pem");
    }
}
