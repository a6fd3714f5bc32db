//! What a rule examined and could not examine: its `examined` and `unknown` sets, evaluated in the
//! same pass as its findings and read by compliance reports.

/// A resource a rule examined, or could not examine (with the reason).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Covered {
    /// Resource kind (`certificate`, `node-root`, `cluster`, ...).
    pub kind: String,
    /// Resource id, as findings use it.
    pub id: String,
    /// Its cluster, when known.
    #[serde(default)]
    pub cluster: Option<crate::findings::ClusterRef>,
    /// Why it could not be examined (`unknown` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What one rule examined and could not examine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCoverage {
    /// Rule id.
    pub rule_id: String,
    /// Whether the rule declares what it examines at all.
    pub declared: bool,
    /// Resources examined (sorted, each once).
    pub examined: Vec<Covered>,
    /// Resources that could not be examined, with reasons (sorted, each once).
    pub unknown: Vec<Covered>,
}
