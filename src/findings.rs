//! The findings model: what policies conclude, in one shape that every report format reads.
//!
//! A rule emits raw findings (see `docs/policies.md`); [`from_raw`] validates them, fills the
//! rule's remediation template with the cluster's resource group and name, merges findings about
//! the same resource (one certificate found in several files is one finding with several
//! locations), computes the fingerprint, and sorts the lot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::facts::certificate::sha256_hex;
use crate::policy::metadata::{Level, RuleMeta};

/// The managed cluster a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

/// A finding as a Rego rule produces it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFinding {
    /// Message naming the resource and the fact.
    pub message: String,
    /// What it is about.
    pub resource: Resource,
    /// Where it is.
    #[serde(default)]
    pub location: Option<Location>,
    /// Level override (else the rule's severity).
    #[serde(default)]
    pub level: Option<Level>,
    /// Facts shown as evidence.
    #[serde(default)]
    pub evidence: Option<BTreeMap<String, serde_json::Value>>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id.
    pub rule_id: String,
    /// Rule name.
    pub rule_name: String,
    /// Level.
    pub level: Level,
    /// Message.
    pub message: String,
    /// What it is about.
    pub resource: Resource,
    /// Where (possibly several places; possibly none, for facts that came from no file).
    pub locations: Vec<Location>,
    /// Evidence (subject, issuer, serial, not_after, days left, % of lifetime used, ...).
    pub evidence: BTreeMap<String, serde_json::Value>,
    /// What to do, with the cluster's names filled in.
    pub remediation: String,
    /// Caution about the remediation.
    pub warning: Option<String>,
    /// `sha256(rule id + resource kind + resource id)`: stable across runs and machines.
    pub fingerprint: String,
}

/// Fills `{resource_group}` and `{cluster}` in a remediation template.
pub fn fill_remediation(template: &str, cluster: Option<&ClusterRef>) -> String {
    let rg = cluster
        .and_then(|c| c.resource_group.clone())
        .unwrap_or_else(|| "<resource-group>".into());
    let name = cluster
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| "<cluster-name>".into());
    template.replace("{resource_group}", &rg).replace("{cluster}", &name)
}

/// Builds findings from a rule's raw output.
pub fn from_raw(meta: &RuleMeta, raw: Vec<RawFinding>, out: &mut BTreeMap<(String, String, String), Finding>) {
    for r in raw {
        let key = (meta.id.clone(), r.resource.kind.clone(), r.resource.id.clone());
        let location = r.location.filter(|l| !l.path.is_empty());
        match out.get_mut(&key) {
            Some(existing) => {
                if let Some(l) = location {
                    if !existing.locations.contains(&l) {
                        existing.locations.push(l);
                        existing.locations.sort();
                    }
                }
                // Keep the most severe level (a rule may raise it per occurrence).
                existing.level = existing.level.max(r.level.unwrap_or(meta.severity));
            }
            None => {
                let fingerprint = sha256_hex(format!("{}\0{}\0{}", meta.id, r.resource.kind, r.resource.id).as_bytes());
                out.insert(
                    key,
                    Finding {
                        rule_id: meta.id.clone(),
                        rule_name: meta.name.clone(),
                        level: r.level.unwrap_or(meta.severity),
                        message: r.message,
                        remediation: fill_remediation(&meta.remediation, r.resource.cluster.as_ref()),
                        warning: meta.warning.clone(),
                        resource: r.resource,
                        locations: location.into_iter().collect(),
                        evidence: r.evidence.unwrap_or_default(),
                        fingerprint,
                    },
                );
            }
        }
    }
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
