//! Rule metadata: the `metadata` object each rule package declares, the one source of truth for
//! `aks-certscan rules`, SARIF `tool.driver.rules` and `docs/rules.md`.
//!
//! regorus ignores `# METADATA` comment blocks, so metadata lives in Rego itself and is read by
//! evaluating `data.<package>.metadata`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How serious a finding is (SARIF `level`).
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
    /// Documentation URL.
    pub help_uri: String,
    /// Tags (`security`, `aks`, `certificates`, ...).
    #[serde(default)]
    pub tags: Vec<String>,
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
        let (letters, digits) = self
            .id
            .split_at(self.id.find(|c: char| c.is_ascii_digit()).unwrap_or(self.id.len()));
        if letters.is_empty()
            || !letters.chars().all(|c| c.is_ascii_uppercase())
            || digits.len() != 3
            || !digits.chars().all(|c| c.is_ascii_digit())
        {
            out.push(format!(
                "id `{}` must be upper-case letters and three digits, like `CERT001`",
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
        for (key, value) in &self.params {
            if value.is_null() {
                out.push(format!("parameter `{key}` needs a default value"));
            }
        }
        out
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
