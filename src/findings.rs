//! The findings model: what the policies concluded, in one shape that every report format reads.
//!
//! A plain model: [`crate::policy`] builds findings from what the rules return (see
//! `docs/policies.md`), and [`crate::report`] writes them. Nothing here runs Rego or reads
//! sources.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

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

impl ClusterRef {
    /// `resource-group/name` as reports show it, `?` for a part that is not known.
    pub fn label(&self) -> String {
        format!(
            "{}/{}",
            self.resource_group.as_deref().unwrap_or("?"),
            self.name.as_deref().unwrap_or("?")
        )
    }
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
    /// The Kubernetes object (and key) the finding is about at this place, when it came from
    /// one: `namespace/Kind/name#key`, or `Kind/name#key` for objects without a namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

impl Location {
    /// A place in a file, outside any Kubernetes object.
    pub fn in_file(path: impl Into<String>, line: Option<u32>) -> Self {
        Location {
            path: path.into(),
            line,
            object: None,
        }
    }

    /// The namespace of [`Location::object`], when it has one (`prod/Secret/web#tls.crt`).
    pub fn namespace(&self) -> Option<&str> {
        let object = self.object.as_deref()?;
        let (head, _) = object.split_once('#').unwrap_or((object, ""));
        let mut parts = head.split('/');
        let (namespace, _kind, _name) = (parts.next()?, parts.next()?, parts.next()?);
        Some(namespace)
    }
}

/// The standard evidence of a certificate (subject, issuer, serial, validity, days left, lifetime
/// used, SHA-256), kept typed and shared between the findings about it: a finding-heavy scan of
/// 100,000 certificates holds 100,000 of these.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateEvidence {
    /// Subject, RFC 4514.
    pub subject: Box<str>,
    /// Issuer, RFC 4514.
    pub issuer: Box<str>,
    /// Serial, signed hex.
    pub serial: Box<str>,
    /// Start of validity, Unix seconds.
    pub not_before_unix: i64,
    /// End of validity, Unix seconds.
    pub not_after_unix: i64,
    /// Days left (two decimals).
    pub remaining_days: f64,
    /// Lifetime in days (two decimals).
    pub lifetime_days: f64,
    /// Lifetime used, percent (one decimal).
    pub lifetime_used_percent: Option<f64>,
    /// SHA-256 of the DER.
    pub sha256: [u8; 32],
}

impl CertificateEvidence {
    /// The names, in name order.
    const KEYS: [&'static str; 9] = [
        "issuer",
        "lifetime_days",
        "lifetime_used_percent",
        "not_after",
        "not_before",
        "remaining_days",
        "serial",
        "sha256",
        "subject",
    ];

    /// The value of one of [`Self::KEYS`].
    fn value(&self, key: &str) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match key {
            "issuer" => Value::String(self.issuer.to_string()),
            "lifetime_days" => float_json(self.lifetime_days),
            "lifetime_used_percent" => self.lifetime_used_percent.map(float_json).unwrap_or(Value::Null),
            "not_after" => Value::String(crate::clock::format_unix(self.not_after_unix)),
            "not_before" => Value::String(crate::clock::format_unix(self.not_before_unix)),
            "remaining_days" => float_json(self.remaining_days),
            "serial" => Value::String(self.serial.to_string()),
            "sha256" => Value::String(data_encoding::HEXLOWER.encode(&self.sha256)),
            "subject" => Value::String(self.subject.to_string()),
            _ => return None,
        })
    }
}

/// A float as regorus prints it in JSON (`730.0` prints `730`; `93.2` stays `93.2`), so that
/// evidence computed in Rust matches evidence a rule computes.
pub fn float_json(value: f64) -> serde_json::Value {
    if value.is_finite() {
        number_json(&value.to_string())
    } else {
        serde_json::Value::Null
    }
}

/// A JSON number from regorus' decimal text, else a float, else the text itself.
pub fn number_json(text: &str) -> serde_json::Value {
    if let Ok(n) = text.parse::<serde_json::Number>() {
        return serde_json::Value::Number(n);
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(serde_json::Value::Number)
        .unwrap_or_else(|| serde_json::Value::String(text.to_string()))
}

/// The facts shown with a finding, by name, in name order: a certificate's standard evidence
/// (shared, typed) under the finding's own entries (which win on a shared name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    certificate: Option<Arc<CertificateEvidence>>,
    own: BTreeMap<Cow<'static, str>, serde_json::Value>,
}

impl Evidence {
    /// No evidence.
    pub fn new() -> Self {
        Evidence::default()
    }

    /// A certificate's standard evidence.
    pub fn of_certificate(certificate: Arc<CertificateEvidence>) -> Self {
        Evidence {
            certificate: Some(certificate),
            own: BTreeMap::new(),
        }
    }

    /// Sets one entry.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: serde_json::Value) {
        self.own.insert(key.into(), value);
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<Cow<'_, serde_json::Value>> {
        match self.own.get(key) {
            Some(v) => Some(Cow::Borrowed(v)),
            None => self.certificate.as_ref()?.value(key).map(Cow::Owned),
        }
    }

    /// Every entry, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Cow<'_, serde_json::Value>)> + '_ {
        let standard = self
            .certificate
            .iter()
            .flat_map(|c| CertificateEvidence::KEYS.iter().map(move |k| (*k, c)))
            .filter(|(k, _)| !self.own.contains_key(*k));
        let mut standard = standard.peekable();
        let mut own = self.own.iter().peekable();
        std::iter::from_fn(move || {
            let take_own = match (own.peek(), standard.peek()) {
                (Some((a, _)), Some((b, _))) => a.as_ref() < *b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return None,
            };
            if take_own {
                own.next().map(|(k, v)| (k.as_ref(), Cow::Borrowed(v)))
            } else {
                standard
                    .next()
                    .map(|(k, c)| (k, Cow::Owned(c.value(k).unwrap_or(serde_json::Value::Null))))
            }
        })
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.certificate.is_none() && self.own.is_empty()
    }
}

impl<K: Into<Cow<'static, str>>> Extend<(K, serde_json::Value)> for Evidence {
    fn extend<I: IntoIterator<Item = (K, serde_json::Value)>>(&mut self, entries: I) {
        for (k, v) in entries {
            self.insert(k, v);
        }
    }
}

impl<K: Into<Cow<'static, str>>, const N: usize> From<[(K, serde_json::Value); N]> for Evidence {
    fn from(entries: [(K, serde_json::Value); N]) -> Self {
        let mut evidence = Evidence::new();
        evidence.extend(entries);
        evidence
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v.as_ref())?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let own = BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
        Ok(Evidence {
            certificate: None,
            own: own.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
        })
    }
}

/// `sha256(rule id, resource kind, resource id)`: a finding's identity across runs and machines
/// (never a time, a line or a path), shown as lowercase hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&data_encoding::HEXLOWER.encode(&self.0))
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("a fingerprint is 32 bytes of hex"))?;
        Ok(Fingerprint(bytes))
    }
}

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
    pub fingerprint: Fingerprint,
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
pub fn fingerprint(rule_id: &str, kind: &str, id: &str) -> Fingerprint {
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    for (i, part) in [rule_id, kind, id].iter().enumerate() {
        if i > 0 {
            digest.update(b"\0");
        }
        digest.update(part.as_bytes());
    }
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(digest.finish().as_ref());
    Fingerprint(bytes)
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
