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
//! of one rule about the same resource are merged: one finding, every location. Which of them
//! gives the message is decided by Rego's own value order (the first in the rule's `findings`
//! set), so the outcome never depends on how the certificates were split into chunks.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use regorus::Value;

use super::error::PolicyError;
use super::rule::LoadedRule;
use super::value::to_json;
use crate::facts::model::{CertificateFact, CertificateRole, ClusterFact, FactsDocument, FileLocation};
use crate::findings::{
    fill_remediation, fingerprint, CertificateEvidence, ClusterRef, Evidence, Finding, Level, Location, Resource,
};

/// The finding keys a rule may set.
const FINDING_KEYS: [&str; 7] = [
    "message",
    "resource",
    "location",
    "level",
    "evidence",
    "remediation",
    "warning",
];
const RESOURCE_KEYS: [&str; 4] = ["kind", "id", "name", "cluster"];

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
    evidence: BTreeMap<Cow<'static, str>, serde_json::Value>,
    remediation: Option<String>,
    /// `Some("")`: this finding carries no caution.
    warning: Option<String>,
}

/// Looks facts up by the ids findings name.
pub struct Describer<'a> {
    /// The first occurrence of each certificate id, with its position in the document.
    certificates: HashMap<&'a str, (&'a CertificateFact, usize)>,
    /// Every occurrence of the ids that occur more than once, with its position.
    repeated: HashMap<&'a str, Vec<(&'a CertificateFact, usize)>>,
    clusters: HashMap<&'a str, &'a ClusterFact>,
    /// Kubeconfigs kept in Kubernetes objects, by their `path` (the object and key): where the
    /// object is and its name.
    kubeconfigs_in_objects: HashMap<&'a str, (&'a FileLocation, &'a str)>,
    /// Describe on the calling thread only (a chunk described by the worker that evaluated it).
    sequential: bool,
}

impl<'a> Describer<'a> {
    /// Indexes `facts`.
    pub fn new(facts: &'a FactsDocument) -> Self {
        Self::over(facts, &facts.facts.certificates, 0)
    }

    /// Indexes the clusters of `facts` and `certificates`, the certificates of the document
    /// from position `offset` on (a chunk of a stream of certificates).
    pub fn over(facts: &'a FactsDocument, certificates: &'a [CertificateFact], offset: usize) -> Self {
        let mut first: HashMap<&str, (&CertificateFact, usize)> = HashMap::with_capacity(certificates.len());
        let mut repeated: HashMap<&str, Vec<(&CertificateFact, usize)>> = HashMap::new();
        for (i, cert) in certificates.iter().enumerate() {
            let here = (cert, offset + i);
            if let Some(earlier) = first.insert(cert.id.as_str(), here) {
                // Keep the first occurrence in the main index; list them all here.
                first.insert(cert.id.as_str(), earlier);
                repeated
                    .entry(cert.id.as_str())
                    .or_insert_with(|| vec![earlier])
                    .push(here);
            }
        }
        let certificates = first;
        let mut clusters = HashMap::new();
        for c in &facts.facts.clusters {
            clusters.insert(c.key.as_str(), c);
            if let Some(id) = &c.id {
                clusters.entry(id.as_str()).or_insert(c);
            }
        }
        let kubeconfigs_in_objects = facts
            .facts
            .kubeconfigs
            .iter()
            .filter_map(|kc| Some((kc.path.as_str(), (kc.object_location.as_ref()?, kc.object.as_deref()?))))
            .collect();
        Describer {
            certificates,
            repeated,
            clusters,
            kubeconfigs_in_objects,
            sequential: false,
        }
    }

    /// The same describer working on the calling thread only: for a worker that evaluated a
    /// chunk and describes it where it is, while every other thread has work of its own.
    pub fn sequential(mut self) -> Self {
        self.sequential = true;
        self
    }

    /// The findings of `rule` from the values its `findings` sets held (in any order, possibly
    /// repeated across chunks): parsed, merged per resource, described.
    pub fn findings(&self, rule: &LoadedRule, values: &[Value]) -> Result<Vec<Finding>, PolicyError> {
        Ok(self.positioned(rule, values)?.into_iter().map(|(f, _)| f).collect())
    }

    /// [`Describer::findings`], each with the document position of the certificate occurrence
    /// that describes it (`usize::MAX` for other resources), so that findings described chunk by
    /// chunk can be merged as if described together (the policy session merges them).
    pub fn positioned(&self, rule: &LoadedRule, values: &[Value]) -> Result<Vec<(Finding, usize)>, PolicyError> {
        let bad = |message| PolicyError::BadFinding {
            rule: rule.meta.id.clone(),
            file: rule.file.clone(),
            message,
        };
        // Sequential: pieces no shorter than the whole, so nothing is split off to other threads.
        let min_len = if self.sequential { values.len().max(1) } else { 1 };
        let parsed: Vec<Option<RawFinding>> = values
            .par_iter()
            .with_min_len(min_len)
            .map(|v| parse(v).map(Some).map_err(bad))
            .collect::<Result<_, _>>()?;
        // One entry per resource: the finding about the occurrence first in the document (then
        // the first in Rego's order) gives the message, every one gives its location, the most
        // severe gives the level. Sorting by resource, then by that order, puts each resource's
        // findings side by side, its describing one first.
        let key = |i: usize| parsed[i].as_ref().map(|r| (r.kind.as_str(), r.id.as_str()));
        let positions: Vec<usize> = parsed
            .iter()
            .map(|raw| raw.as_ref().map_or(usize::MAX, |r| self.position(r)))
            .collect();
        let mut order: Vec<usize> = (0..parsed.len()).collect();
        let order_of = |&a: &usize, &b: &usize| {
            key(a)
                .cmp(&key(b))
                .then(positions[a].cmp(&positions[b]))
                .then_with(|| values[a].cmp(&values[b]))
        };
        if self.sequential {
            order.sort_unstable_by(order_of);
        } else {
            order.par_sort_unstable_by(order_of);
        }
        let mut merged: Vec<Merged> = Vec::with_capacity(order.len());
        for (n, &i) in order.iter().enumerate() {
            let Some(raw) = &parsed[i] else { continue };
            let level = raw.level.unwrap_or(rule.meta.severity);
            let same_resource = n > 0 && key(order[n - 1]) == key(i);
            match merged.last_mut() {
                Some(entry) if same_resource => {
                    entry.locations.extend(raw.location.iter().cloned());
                    entry.level = entry.level.max(level);
                }
                _ => merged.push(Merged {
                    first: i,
                    level,
                    locations: raw.location.iter().cloned().collect(),
                }),
            }
        }
        // The finding that describes each resource, at its position.
        let mut describing: Vec<Option<Merged>> = Vec::new();
        describing.resize_with(parsed.len(), || None);
        for entry in merged {
            let at = entry.first;
            describing[at] = Some(entry);
        }
        parsed
            .into_par_iter()
            .with_min_len(min_len)
            .zip(describing)
            .zip(positions)
            .filter_map(|((raw, entry), position)| Some((raw?, entry?, position)))
            .map_init(Remediations::default, |remediations, (raw, entry, position)| {
                let mut finding = self.describe(rule, raw, entry.level, remediations)?;
                finding.locations = entry.locations.into_iter().collect();
                for location in &mut finding.locations {
                    if location.object.is_some() {
                        continue;
                    }
                    if let Some((place, object)) = self.kubeconfigs_in_objects.get(location.path.as_str()) {
                        // A place in a kubeconfig kept in an object is that object's place.
                        *location = Location {
                            path: place.path.clone(),
                            line: place.line,
                            object: Some(object.to_string()),
                        };
                    } else if finding.resource.kind == "certificate" {
                        location.object = self.object_at(&finding.resource.id, location);
                    }
                }
                finding.locations.sort();
                finding.locations.dedup();
                Ok((finding, position))
            })
            .collect()
    }

    /// The document position of the certificate occurrence a finding is about (found by its
    /// location), `usize::MAX` for other resources and unknown occurrences.
    fn position(&self, raw: &RawFinding) -> usize {
        if raw.kind != "certificate" {
            return usize::MAX;
        }
        self.occurrence(&raw.id, raw.location.as_ref())
            .map_or(usize::MAX, |(_, position)| position)
    }

    fn describe(
        &self,
        rule: &LoadedRule,
        raw: RawFinding,
        level: Level,
        remediations: &mut Remediations,
    ) -> Result<Finding, PolicyError> {
        let mut name = raw.name;
        let mut cluster = raw.cluster;
        let mut evidence = Evidence::new();
        // A certificate a service keeps in a Kubernetes object: the rule's `object_remediation`.
        let mut in_object: Option<&str> = None;
        match raw.kind.as_str() {
            "certificate" => {
                if let Some(cert) = self.certificate(&raw.id, raw.location.as_ref()) {
                    name.get_or_insert_with(|| cert.display_name.clone());
                    cluster.get_or_insert_with(|| cert.cluster_key.as_deref().map(|k| self.cluster_ref(k)));
                    evidence = certificate_evidence(cert);
                    in_object =
                        cert.origin.k8s_object.as_deref().filter(|_| {
                            matches!(cert.role, CertificateRole::Unknown | CertificateRole::ChainIntermediate)
                        });
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
        let object_remediation = in_object.zip(rule.meta.object_remediation.as_deref());
        let remediation = match (&raw.remediation, object_remediation) {
            (Some(own), _) => remediations.fill(own, cluster.as_ref()),
            (None, Some((object, template))) => Arc::from(template.replace("{object}", object)),
            (None, None) => remediations.fill(&rule.meta.remediation, cluster.as_ref()),
        };
        let shared = remediations.shared(rule);
        Ok(Finding {
            rule_id: shared.id.clone(),
            rule_name: shared.name.clone(),
            level,
            message: raw.message,
            remediation,
            warning: match raw.warning {
                Some(own) => Some(own).filter(|w| !w.is_empty()).map(Arc::from),
                None if object_remediation.is_some() => None,
                None => shared.warning.clone(),
            },
            fingerprint: fingerprint(&rule.meta.id, &raw.kind, &raw.id),
            resource: Resource {
                kind: raw.kind,
                id: raw.id,
                name,
                cluster,
            },
            locations: Vec::new(),
            evidence,
        })
    }

    /// The occurrence of certificate `id` at `location`, else its first occurrence.
    fn certificate(&self, id: &str, location: Option<&Location>) -> Option<&'a CertificateFact> {
        self.occurrence(id, location).map(|(cert, _)| cert)
    }

    /// [`Describer::certificate`], with its document position.
    fn occurrence(&self, id: &str, location: Option<&Location>) -> Option<(&'a CertificateFact, usize)> {
        let first = self.certificates.get(id).copied()?;
        let at_location = location.and_then(|l| {
            self.repeated
                .get(id)?
                .iter()
                .find(|(c, _)| c.origin.path == l.path && c.origin.line == l.line)
                .copied()
        });
        Some(at_location.unwrap_or(first))
    }

    /// The Kubernetes object holding the occurrence of certificate `id` at `location`.
    fn object_at(&self, id: &str, location: &Location) -> Option<String> {
        let first = self.certificates.get(id).map(|(c, _)| *c);
        let all = self.repeated.get(id);
        let at = |c: &CertificateFact| c.origin.path == location.path && c.origin.line == location.line;
        match all {
            Some(all) => all
                .iter()
                .map(|(c, _)| *c)
                .find(|c| at(c))
                .and_then(|c| c.origin.k8s_object.clone()),
            None => first.filter(|c| at(c)).and_then(|c| c.origin.k8s_object.clone()),
        }
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

/// One merged finding: which raw finding describes it, and what the others add.
struct Merged {
    first: usize,
    level: Level,
    locations: BTreeSet<Location>,
}

/// Filled remediation templates, and the rule's shared text: most findings of a rule share the
/// template and name the same few clusters, so the last few fillings are kept and shared.
#[derive(Default)]
struct Remediations {
    recent: Vec<(String, Option<ClusterRef>, Arc<str>)>,
    shared: Option<Shared>,
}

/// Text every finding of a rule carries.
struct Shared {
    id: Arc<str>,
    name: Arc<str>,
    warning: Option<Arc<str>>,
}

impl Remediations {
    fn fill(&mut self, template: &str, cluster: Option<&ClusterRef>) -> Arc<str> {
        if let Some((_, _, done)) = self
            .recent
            .iter()
            .find(|(t, c, _)| t == template && c.as_ref() == cluster)
        {
            return done.clone();
        }
        let done: Arc<str> = fill_remediation(template, cluster).into();
        if self.recent.len() >= 16 {
            self.recent.remove(0);
        }
        self.recent.push((template.to_string(), cluster.cloned(), done.clone()));
        done
    }

    fn shared(&mut self, rule: &LoadedRule) -> &Shared {
        self.shared.get_or_insert_with(|| Shared {
            id: rule.meta.id.as_str().into(),
            name: rule.meta.name.as_str().into(),
            warning: rule.meta.warning.as_deref().map(Arc::from),
        })
    }
}

/// The evidence shown with every certificate finding.
pub fn certificate_evidence(cert: &CertificateFact) -> Evidence {
    let mut sha256 = [0u8; 32];
    if let Ok(bytes) = data_encoding::HEXLOWER_PERMISSIVE.decode(cert.id.as_bytes()) {
        if bytes.len() == 32 {
            sha256.copy_from_slice(&bytes);
        }
    }
    Evidence::of_certificate(Arc::new(CertificateEvidence {
        subject: cert.subject.as_str().into(),
        issuer: cert.issuer.as_str().into(),
        serial: cert.serial.as_str().into(),
        not_before_unix: cert.not_before_unix,
        not_after_unix: cert.not_after_unix,
        remaining_days: cert.remaining_days,
        lifetime_days: cert.lifetime_days,
        lifetime_used_percent: cert.lifetime_used_percent,
        sha256,
    }))
}

/// The values of `names` in `object` (`undefined` is absent), in one pass over its entries
/// (cheaper than a search per name); with `what`, a key not in `names` is an error.
fn fields<'v, const N: usize>(
    object: &'v regorus::value::Object,
    names: &[&str; N],
    what: Option<&str>,
) -> Result<[Option<&'v Value>; N], String> {
    let mut found = [None; N];
    for (key, value) in object.iter_sorted() {
        let slot = match key {
            Value::String(k) => names.iter().position(|n| *n == k.as_ref()),
            _ => None,
        };
        match (slot, what) {
            (Some(i), _) => found[i] = Some(value).filter(|v| !matches!(v, Value::Undefined)),
            (None, Some(what)) => {
                return Err(format!(
                    "unknown key {} in {what}; expected one of: {}",
                    to_json(key),
                    names.join(", ")
                ))
            }
            (None, None) => {}
        }
    }
    Ok(found)
}

/// A string field's text (`None` when absent or null).
fn string_value(value: Option<&Value>, what: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.to_string())),
        Some(Value::Undefined) => Ok(None),
        Some(other) => Err(format!("`{what}` must be a string, got {}", to_json(other))),
    }
}

/// Reads one finding value.
fn parse(value: &Value) -> Result<RawFinding, String> {
    const SHAPE: &str = "a finding needs `message` and `resource` {kind, id}, and may have `location` {path, line}, `level`, `evidence`, `remediation` and `warning`";
    let object = value
        .as_object()
        .map_err(|_| format!("{SHAPE}; got {}", to_json(value)))?;
    let [message, resource, location, level, evidence, remediation, warning] =
        fields(object, &FINDING_KEYS, Some("a finding"))?;
    let message = string_value(message, "message")?.ok_or_else(|| format!("{SHAPE}; `message` is missing"))?;
    let resource = resource
        .and_then(|r| r.as_object().ok())
        .ok_or_else(|| format!("{SHAPE}; `resource` is missing or not an object"))?;
    let [kind, id, name, cluster] = fields(resource, &RESOURCE_KEYS, Some("`resource`"))?;
    let kind = string_value(kind, "resource.kind")?.ok_or_else(|| format!("{SHAPE}; `resource.kind` is missing"))?;
    let id = string_value(id, "resource.id")?.ok_or_else(|| format!("{SHAPE}; `resource.id` is missing"))?;
    let name = string_value(name, "resource.name")?;
    let cluster = match cluster {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(c)) => {
            let [resource_group, name] = fields(c, &["resource_group", "name"], None)?;
            Some(Some(ClusterRef {
                resource_group: string_value(resource_group, "resource.cluster.resource_group")?,
                name: string_value(name, "resource.cluster.name")?,
            }))
        }
        Some(other) => {
            return Err(format!(
                "`resource.cluster` must be an object or null, got {}",
                to_json(other)
            ))
        }
    };
    let location = match location {
        None | Some(Value::Null) => None,
        Some(Value::Object(l)) => {
            let [path, line, object] = fields(l, &["path", "line", "object"], None)?;
            let path = string_value(path, "location.path")?.unwrap_or_default();
            let line = match line {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                Some(other) => return Err(format!("`location.line` must be a number, got {}", to_json(other))),
            };
            let object = match object {
                None | Some(Value::Null) => None,
                Some(Value::String(o)) => Some(o.to_string()),
                Some(other) => return Err(format!("`location.object` must be a string, got {}", to_json(other))),
            };
            (!path.is_empty()).then_some(Location { path, line, object })
        }
        Some(other) => {
            return Err(format!(
                "`location` must be an object {{path, line}}, got {}",
                to_json(other)
            ))
        }
    };
    let level = match string_value(level, "level")? {
        None => None,
        Some(text) => {
            Some(Level::parse(&text).ok_or_else(|| format!("`level` must be error, warning or note, got `{text}`"))?)
        }
    };
    let evidence = match evidence {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(e @ Value::Object(_)) => match to_json(e) {
            serde_json::Value::Object(map) => map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
            _ => BTreeMap::new(),
        },
        Some(other) => return Err(format!("`evidence` must be an object, got {}", to_json(other))),
    };
    let remediation = string_value(remediation, "remediation")?;
    let warning = string_value(warning, "warning")?;
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
        warning,
    })
}
