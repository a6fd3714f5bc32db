//! From what a rule returns to findings: rules decide, Rust describes.
//!
//! A bundled rule returns the smallest finding that identifies what it found: a message, the
//! resource's kind and id, where it is, and evidence of its own. What is the same for every rule
//! is attached here, from the facts, by resource id:
//!
//! - a `certificate` gets its display name, its cluster, and the standard certificate evidence
//!   (subject, issuer, serial, validity, days left, lifetime used, SHA-256), under the rule's own
//!   evidence;
//! - a `cluster` gets its name (`cluster rg/name`) and cluster reference;
//! - every finding gets the remediation (the rule's, or the finding's own template) with the
//!   cluster's resource group and name filled in, and a fingerprint.
//!
//! Whatever a finding states itself is kept, so rules written against the full finding shape
//! (with `resource.name`, `resource.cluster` and all evidence) keep working unchanged. Findings
//! of one rule about the same resource are merged: one finding, every location.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use regorus::Value;

use super::engine::LoadedRule;
use super::value::{float_json, to_json};
use super::PolicyError;
use crate::facts::model::{CertificateFact, ClusterFact, FactsDocument};
use crate::findings::{fill_remediation, fingerprint, ClusterRef, Finding, Level, Location, Resource};

/// The finding keys a rule may set.
const FINDING_KEYS: &[&str] = &["message", "resource", "location", "level", "evidence", "remediation"];
const RESOURCE_KEYS: &[&str] = &["kind", "id", "name", "cluster"];

/// A finding as a rule returns it.
#[derive(Debug, Clone)]
struct RawFinding {
    message: String,
    kind: String,
    id: String,
    name: Option<String>,
    /// `Some(None)`: the rule said `"cluster": null`.
    cluster: Option<Option<ClusterRef>>,
    location: Option<Location>,
    level: Option<Level>,
    evidence: BTreeMap<String, serde_json::Value>,
    remediation: Option<String>,
}

/// Looks facts up by the ids findings name.
pub struct Describer<'a> {
    certificates: HashMap<&'a str, Vec<&'a CertificateFact>>,
    clusters: HashMap<&'a str, &'a ClusterFact>,
}

impl<'a> Describer<'a> {
    /// Indexes `facts`.
    pub fn new(facts: &'a FactsDocument) -> Self {
        let mut certificates: HashMap<&str, Vec<&CertificateFact>> =
            HashMap::with_capacity(facts.facts.certificates.len());
        for cert in &facts.facts.certificates {
            certificates.entry(cert.id.as_str()).or_default().push(cert);
        }
        let mut clusters = HashMap::new();
        for c in &facts.facts.clusters {
            clusters.insert(c.key.as_str(), c);
            if let Some(id) = &c.id {
                clusters.entry(id.as_str()).or_insert(c);
            }
        }
        Describer { certificates, clusters }
    }

    /// The findings of `rule` from its `findings` values (in set order): parsed, described,
    /// merged per resource.
    pub fn findings(&self, rule: &LoadedRule, values: &[Value]) -> Result<Vec<Finding>, PolicyError> {
        let mut merged: BTreeMap<(String, String), (Finding, BTreeSet<Location>)> = BTreeMap::new();
        for value in values {
            let raw = parse(value).map_err(|message| PolicyError::BadFinding {
                rule: rule.meta.id.clone(),
                file: rule.file.clone(),
                message,
            })?;
            let level = raw.level.unwrap_or(rule.meta.severity);
            let key = (raw.kind.clone(), raw.id.clone());
            match merged.get_mut(&key) {
                Some((existing, locations)) => {
                    locations.extend(raw.location);
                    // Keep the most severe level (a rule may raise it per occurrence).
                    existing.level = existing.level.max(level);
                }
                None => {
                    let (finding, location) = self.describe(rule, raw, level)?;
                    merged.insert(key, (finding, location.into_iter().collect()));
                }
            }
        }
        Ok(merged
            .into_values()
            .map(|(mut finding, locations)| {
                finding.locations = locations.into_iter().collect();
                finding
            })
            .collect())
    }

    fn describe(
        &self,
        rule: &LoadedRule,
        raw: RawFinding,
        level: Level,
    ) -> Result<(Finding, Option<Location>), PolicyError> {
        let mut name = raw.name;
        let mut cluster = raw.cluster;
        let mut evidence = BTreeMap::new();
        match raw.kind.as_str() {
            "certificate" => {
                if let Some(cert) = self.certificate(&raw.id, raw.location.as_ref()) {
                    name.get_or_insert_with(|| cert.display_name.clone());
                    cluster.get_or_insert_with(|| cert.cluster_key.as_deref().map(|k| self.cluster_ref(k)));
                    evidence = certificate_evidence(cert);
                }
            }
            "cluster" => {
                if let Some(c) = self.clusters.get(raw.id.as_str()) {
                    name.get_or_insert_with(|| {
                        format!("cluster {}/{}", c.resource_group.as_deref().unwrap_or("null"), c.name)
                    });
                    cluster.get_or_insert_with(|| Some(cluster_ref_of(c)));
                }
            }
            _ => {}
        }
        let Some(name) = name else {
            return Err(PolicyError::BadFinding {
                rule: rule.meta.id.clone(),
                file: rule.file.clone(),
                message: format!(
                    "a finding about {} `{}` needs `resource.name` (only certificates and clusters found in the facts are named automatically)",
                    raw.kind, raw.id
                ),
            });
        };
        evidence.extend(raw.evidence);
        let cluster = cluster.flatten();
        let template = raw.remediation.as_deref().unwrap_or(&rule.meta.remediation);
        let finding = Finding {
            rule_id: rule.meta.id.clone(),
            rule_name: rule.meta.name.clone(),
            level,
            message: raw.message,
            remediation: fill_remediation(template, cluster.as_ref()),
            warning: rule.meta.warning.clone(),
            fingerprint: fingerprint(&rule.meta.id, &raw.kind, &raw.id),
            resource: Resource {
                kind: raw.kind,
                id: raw.id,
                name,
                cluster,
            },
            locations: Vec::new(),
            evidence,
        };
        Ok((finding, raw.location))
    }

    /// The occurrence of certificate `id` at `location`, else its first occurrence.
    fn certificate(&self, id: &str, location: Option<&Location>) -> Option<&'a CertificateFact> {
        let occurrences = self.certificates.get(id)?;
        location
            .and_then(|l| {
                occurrences
                    .iter()
                    .find(|c| c.origin.path == l.path && c.origin.line == l.line)
            })
            .or(occurrences.first())
            .copied()
    }

    /// The cluster a key refers to, with its original spelling, or one rebuilt from the key.
    fn cluster_ref(&self, key: &str) -> ClusterRef {
        match self.clusters.get(key) {
            Some(c) => cluster_ref_of(c),
            None => match key.split_once('/') {
                Some((rg, name)) if !name.contains('/') => ClusterRef {
                    resource_group: Some(rg.to_string()),
                    name: Some(name.to_string()),
                },
                _ => ClusterRef {
                    resource_group: None,
                    name: None,
                },
            },
        }
    }
}

fn cluster_ref_of(c: &ClusterFact) -> ClusterRef {
    ClusterRef {
        resource_group: c.resource_group.clone(),
        name: Some(c.name.clone()),
    }
}

/// The evidence shown with every certificate finding.
pub fn certificate_evidence(cert: &CertificateFact) -> BTreeMap<String, serde_json::Value> {
    let text = |s: &str| serde_json::Value::String(s.to_string());
    BTreeMap::from([
        ("subject".to_string(), text(&cert.subject)),
        ("issuer".to_string(), text(&cert.issuer)),
        ("serial".to_string(), text(&cert.serial)),
        ("not_before".to_string(), text(&cert.not_before)),
        ("not_after".to_string(), text(&cert.not_after)),
        ("remaining_days".to_string(), float_json(cert.remaining_days)),
        ("lifetime_days".to_string(), float_json(cert.lifetime_days)),
        (
            "lifetime_used_percent".to_string(),
            cert.lifetime_used
                .map(|f| float_json((f * 1000.0).round() / 10.0))
                .unwrap_or(serde_json::Value::Null),
        ),
        ("sha256".to_string(), text(&cert.id)),
    ])
}

fn field<'v>(object: &'v regorus::value::Object, key: &str) -> Option<&'v Value> {
    object.get(&Value::from(key)).filter(|v| !matches!(v, Value::Undefined))
}

fn string_field(object: &regorus::value::Object, key: &str, what: &str) -> Result<Option<String>, String> {
    match field(object, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.to_string())),
        Some(other) => Err(format!("`{what}` must be a string, got {}", to_json(other))),
    }
}

fn check_keys(object: &regorus::value::Object, allowed: &[&str], what: &str) -> Result<(), String> {
    for key in object.keys() {
        let known = matches!(key, Value::String(k) if allowed.contains(&k.as_ref()));
        if !known {
            return Err(format!(
                "unknown key {} in {what}; expected one of: {}",
                to_json(key),
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

/// Reads one finding value.
fn parse(value: &Value) -> Result<RawFinding, String> {
    const SHAPE: &str = "a finding needs `message` and `resource` {kind, id}, and may have `location` {path, line}, `level`, `evidence` and `remediation`";
    let object = value
        .as_object()
        .map_err(|_| format!("{SHAPE}; got {}", to_json(value)))?;
    check_keys(object, FINDING_KEYS, "a finding")?;
    let message = string_field(object, "message", "message")?.ok_or_else(|| format!("{SHAPE}; `message` is missing"))?;
    let resource = field(object, "resource")
        .and_then(|r| r.as_object().ok())
        .ok_or_else(|| format!("{SHAPE}; `resource` is missing or not an object"))?;
    check_keys(resource, RESOURCE_KEYS, "`resource`")?;
    let kind = string_field(resource, "kind", "resource.kind")?.ok_or_else(|| format!("{SHAPE}; `resource.kind` is missing"))?;
    let id = string_field(resource, "id", "resource.id")?.ok_or_else(|| format!("{SHAPE}; `resource.id` is missing"))?;
    let name = string_field(resource, "name", "resource.name")?;
    let cluster = match field(resource, "cluster") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(c)) => Some(Some(ClusterRef {
            resource_group: string_field(c, "resource_group", "resource.cluster.resource_group")?,
            name: string_field(c, "name", "resource.cluster.name")?,
        })),
        Some(other) => return Err(format!("`resource.cluster` must be an object or null, got {}", to_json(other))),
    };
    let location = match field(object, "location") {
        None | Some(Value::Null) => None,
        Some(Value::Object(l)) => {
            let path = string_field(l, "path", "location.path")?.unwrap_or_default();
            let line = match field(l, "line") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                Some(other) => return Err(format!("`location.line` must be a number, got {}", to_json(other))),
            };
            (!path.is_empty()).then_some(Location { path, line })
        }
        Some(other) => return Err(format!("`location` must be an object {{path, line}}, got {}", to_json(other))),
    };
    let level = match string_field(object, "level", "level")? {
        None => None,
        Some(text) => Some(Level::parse(&text).ok_or_else(|| format!("`level` must be error, warning or note, got `{text}`"))?),
    };
    let evidence = match field(object, "evidence") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(e @ Value::Object(_)) => match to_json(e) {
            serde_json::Value::Object(map) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        },
        Some(other) => return Err(format!("`evidence` must be an object, got {}", to_json(other))),
    };
    let remediation = string_field(object, "remediation", "remediation")?;
    Ok(RawFinding {
        message,
        kind,
        id,
        name,
        cluster,
        location,
        level,
        evidence,
        remediation,
    })
}
