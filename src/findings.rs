//! The findings model: what the policies concluded, in one shape that every report format reads.
//!
//! A plain model: [`crate::policy`] builds findings from what the rules return (see
//! `docs/policies.md`), and [`crate::report`] writes them. Nothing here runs Rego or reads
//! sources.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::facts::x509::sha256_hex;

/// How serious a finding is (SARIF `level`). Ordered: a note is less than a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Informational.
    Note,
    /// Should be looked at.
    Warning,
    /// Outage risk now.
    Error,
}

impl Level {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    /// Parses a lowercase name.
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "note" => Some(Level::Note),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// The managed cluster a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClusterRef {
    /// Resource group.
    pub resource_group: Option<String>,
    /// Cluster name.
    pub name: Option<String>,
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Resource {
    /// `certificate`, `cluster`, `agent-pool`, `node`, `node-root`, `kubeconfig-user`,
    /// `kubeconfig-cluster`, `endpoint`, `source`, or a user rule's own kind.
    pub kind: String,
    /// Stable identity: certificate SHA-256, ARM resource id, node name, ... Never a time, a line
    /// or an absolute path: it feeds the fingerprint.
    pub id: String,
    /// How messages and reports name it.
    pub name: String,
    /// Its cluster, when known.
    #[serde(default)]
    pub cluster: Option<ClusterRef>,
}

/// A place in a source file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path as in the facts (relative to where the scan ran).
    pub path: String,
    /// 1-based line.
    #[serde(default)]
    pub line: Option<u32>,
}

/// The facts shown with a finding, by name, in name order.
pub type Evidence = BTreeMap<Cow<'static, str>, serde_json::Value>;

/// One finding. Text that every finding of a rule shares (its id and name, the remediation
/// filled for one cluster, the caution) is shared, not copied: a scan can have 100,000 findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id.
    pub rule_id: Arc<str>,
    /// Rule name.
    pub rule_name: Arc<str>,
    /// Level.
    pub level: Level,
    /// Message.
    pub message: String,
    /// What it is about.
    pub resource: Resource,
    /// Where (possibly several places; possibly none, for facts that came from no file).
    pub locations: Vec<Location>,
    /// Evidence (subject, issuer, serial, not_after, days left, % of lifetime used, ...).
    pub evidence: Evidence,
    /// What to do, with the cluster's names filled in.
    pub remediation: Arc<str>,
    /// Caution about the remediation.
    pub warning: Option<Arc<str>>,
    /// `sha256(rule id + resource kind + resource id)`: stable across runs and machines.
    pub fingerprint: String,
}

/// Fills `{resource_group}` and `{cluster}` in a remediation template.
pub fn fill_remediation(template: &str, cluster: Option<&ClusterRef>) -> String {
    // Names from cluster documents are shell-quoted unless plain: the line is meant to be run.
    let word = |v: Option<&String>, placeholder: &str| match v {
        Some(v) => crate::sanitize::shell_word(v).into_owned(),
        None => placeholder.to_string(),
    };
    let rg = word(cluster.and_then(|c| c.resource_group.as_ref()), "<resource-group>");
    let name = word(cluster.and_then(|c| c.name.as_ref()), "<cluster-name>");
    template.replace("{resource_group}", &rg).replace("{cluster}", &name)
}

/// `sha256(rule id, resource kind, resource id)`, hex: a finding's identity across runs and
/// machines (never a time, a line or a path).
pub fn fingerprint(rule_id: &str, kind: &str, id: &str) -> String {
    sha256_hex(format!("{rule_id}\0{kind}\0{id}").as_bytes())
}

/// Counts by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Notes.
    pub note: usize,
}

impl Summary {
    /// Counts `findings`.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        let mut s = Summary::default();
        for f in findings {
            match f.level {
                Level::Error => s.error += 1,
                Level::Warning => s.warning += 1,
                Level::Note => s.note += 1,
            }
        }
        s
    }

    /// Total.
    pub fn total(&self) -> usize {
        self.error + self.warning + self.note
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remediation_placeholders_are_filled_or_named() {
        let t = "az aks rotate-certs -g {resource_group} -n {cluster}";
        let c = ClusterRef {
            resource_group: Some("rg".into()),
            name: Some("prod".into()),
        };
        assert_eq!(fill_remediation(t, Some(&c)), "az aks rotate-certs -g rg -n prod");
        assert_eq!(
            fill_remediation(t, None),
            "az aks rotate-certs -g <resource-group> -n <cluster-name>"
        );
    }
}
