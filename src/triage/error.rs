//! Why triage cannot start.

/// Why a baseline or exceptions file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TriageError(pub String);
