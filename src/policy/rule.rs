//! A rule as the catalogue knows it, at the bottom of the policy layer: its metadata (the
//! `metadata` object each rule package declares, the one source of truth for `aks-certscan
//! rules`, SARIF `tool.driver.rules` and `docs/rules.md`), how it is evaluated ([`Scope`]), and
//! where it came from ([`LoadedRule`]).
//!
//! regorus ignores `# METADATA` comment blocks, so metadata lives in Rego itself and is read by
//! evaluating `data.<package>.metadata`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::findings::Level;

/// What a rule reads, which decides how it is evaluated (see `docs/policies.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The whole facts document: for rules that compare certificates with each other. The default.
    #[default]
    Document,
    /// Each certificate on its own (with every other kind of fact): evaluated over chunks of
    /// certificates, in parallel.
    Certificate,
    /// No certificate at all (clusters, kubeconfigs, nodes, node roots, endpoints, errors): the
    /// input's `certificates` list is empty.
    NonCertificate,
    /// The waivers of `--exceptions`, after every other rule: the input is the facts without
    /// certificates plus `exceptions`, each entry with its `status` (`active`, `expired`,
    /// `unmatched`).
    Exceptions,
}

impl Scope {
    /// Its spelling in metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Document => "document",
            Scope::Certificate => "certificate",
            Scope::NonCertificate => "non-certificate",
            Scope::Exceptions => "exceptions",
        }
    }
}

/// Rule ids not to evaluate (`--skip`).
pub type Skip = BTreeSet<String>;

/// A rule with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedRule {
    /// Metadata.
    pub meta: RuleMeta,
    /// Package (`data.aks_certscan.rules.certificate_expired`).
    pub package: String,
    /// File path.
    pub file: String,
    /// Shipped in the binary.
    pub bundled: bool,
    /// The package declares `examined` (and maybe `unknown`): what it looked at, for compliance.
    pub declares_examined: bool,
    /// The package declares `unknown`: what it could not look at, and why.
    pub declares_unknown: bool,
}

/// A rule's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    /// Stable id (`CERT001`): a public contract.
    pub id: String,
    /// Kebab-case name of the bad condition (`certificate-expired`).
    pub name: String,
    /// One-line title.
    pub title: String,
    /// Default level.
    pub severity: Level,
    /// What the rule checks, why it matters, and how "unknown" facts are treated.
    pub description: String,
    /// What to do: commands with `{resource_group}` and `{cluster}` placeholders.
    pub remediation: String,
    /// A caution about the remediation (downtime, credentials invalidated), if any.
    #[serde(default)]
    pub warning: Option<String>,
    /// What to do instead when the finding is about a certificate a service keeps in a
    /// Kubernetes object (role `unknown` or `chain-intermediate`, with `origin.k8s_object`):
    /// `{object}` is filled with the object and key; `warning` does not apply to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_remediation: Option<String>,
    /// Documentation URL: the rule's own page or anchor.
    pub help_uri: String,
    /// Further reading (Microsoft Learn pages, benchmarks), shown in the catalogue and SARIF help.
    #[serde(default)]
    pub references: Vec<String>,
    /// What the rule reads, which decides how it is evaluated; `document` when absent.
    #[serde(default)]
    pub scope: Scope,
    /// Tags (`security`, `aks`, `certificates`, ...).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The compliance controls this rule evidences, per framework (`{"cis-aks": ["3.2.8"],
    /// "nist-800-53": ["SC-12"]}`); see `docs/compliance.md`. User rules may name their own.
    #[serde(default)]
    pub controls: BTreeMap<String, Vec<String>>,
    /// SARIF precision: `very-high`, `high`, `medium` or `low`.
    #[serde(default = "default_precision")]
    pub precision: String,
    /// Parameters and their defaults.
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

fn default_precision() -> String {
    "high".into()
}

impl RuleMeta {
    /// Checks the shape of the metadata; returns every problem found.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        // A prefix that starts with a letter (upper-case letters and digits: `CERT`, `K8S`), then
        // exactly three digits.
        let id = self.id.as_str();
        let (prefix, digits) = id.split_at(id.len().saturating_sub(3));
        if !prefix.starts_with(|c: char| c.is_ascii_uppercase())
            || !prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            || digits.len() != 3
            || !digits.chars().all(|c| c.is_ascii_digit())
        {
            out.push(format!(
                "id `{}` must be an upper-case prefix (letters, then letters or digits) and three digits, like `CERT001` or `K8S001`",
                self.id
            ));
        }
        let kebab = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.name.starts_with('-')
            && !self.name.ends_with('-');
        if !kebab {
            out.push(format!(
                "name `{}` must be kebab-case, like `certificate-expired`",
                self.name
            ));
        }
        for (field, value) in [
            ("title", &self.title),
            ("description", &self.description),
            ("remediation", &self.remediation),
            ("help_uri", &self.help_uri),
        ] {
            if value.trim().is_empty() {
                out.push(format!("`{field}` must not be empty"));
            }
        }
        if !matches!(self.precision.as_str(), "very-high" | "high" | "medium" | "low") {
            out.push(format!(
                "precision `{}` must be one of very-high, high, medium, low",
                self.precision
            ));
        }
        for (framework, controls) in &self.controls {
            if !super::frameworks::is_framework_id(framework) {
                out.push(format!(
                    "controls: framework `{framework}` must be lower-case letters, digits and `-` (like `cis-aks`)"
                ));
            }
            if controls.is_empty() || controls.iter().any(|c| c.trim().is_empty()) {
                out.push(format!(
                    "controls: framework `{framework}` needs at least one non-empty control id"
                ));
            }
            if super::frameworks::framework(framework).is_some() {
                for control in controls {
                    if super::frameworks::control_title(framework, control).is_none() {
                        out.push(format!(
                            "controls: `{control}` is not a control of `{framework}` this tool knows (see docs/compliance.md)"
                        ));
                    }
                }
            }
        }
        for (key, value) in &self.params {
            if value.is_null() {
                out.push(format!("parameter `{key}` needs a default value"));
            }
        }
        out
    }

    /// The controls as SARIF tags (`compliance/cis-aks/3.2.8`), in framework order.
    pub fn control_tags(&self) -> Vec<String> {
        self.controls
            .iter()
            .flat_map(|(framework, controls)| controls.iter().map(move |c| format!("compliance/{framework}/{c}")))
            .collect()
    }

    /// SARIF `security-severity` (a CVSS-style score): error 8.0, warning 5.0, note 2.0.
    pub fn security_severity(&self) -> &'static str {
        match self.severity {
            Level::Error => "8.0",
            Level::Warning => "5.0",
            Level::Note => "2.0",
        }
    }
}
