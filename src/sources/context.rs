//! Settings every collector shares.

use super::probe::ProbeOptions;

/// Settings every collector shares.
#[derive(Debug, Clone)]
pub struct CollectContext {
    /// Per-file size cap in bytes.
    pub max_file_size: u64,
    /// Size cap of a whole document in bytes (`--k8s-objects`, `--facts`, live command output).
    pub max_document_size: u64,
    /// Live TLS probe settings.
    pub probe: ProbeOptions,
}

impl Default for CollectContext {
    fn default() -> Self {
        CollectContext {
            max_file_size: crate::safe_io::DEFAULT_MAX_FILE_SIZE,
            max_document_size: crate::safe_io::DEFAULT_MAX_DOCUMENT_SIZE,
            probe: ProbeOptions::default(),
        }
    }
}
