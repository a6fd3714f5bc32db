//! What to collect: the sources in the order they are read, and the settings collectors share.
//!
//! The command line turns its flags into a [`CollectPlan`] before any work starts; benchmarks
//! and tests build one directly. [`super::collect`] reads every source of a plan.

use super::live::LiveOptions;
use super::probe::ProbeOptions;
use super::Source;
use crate::clock::Instant;

/// Settings every collector shares.
#[derive(Debug, Clone)]
pub struct CollectContext {
    /// Per-file size cap in bytes.
    pub max_file_size: u64,
    /// Live TLS probe settings.
    pub probe: ProbeOptions,
}

impl Default for CollectContext {
    fn default() -> Self {
        CollectContext {
            max_file_size: crate::safe_io::DEFAULT_MAX_FILE_SIZE,
            probe: ProbeOptions::default(),
        }
    }
}

/// Everything a collection needs to know.
#[derive(Debug, Clone)]
pub struct CollectPlan {
    /// The sources, in the order they are read and their facts appear: files, then endpoints,
    /// then `--aks` clusters.
    pub sources: Vec<Source>,
    /// The evaluation time every derived age and remaining time uses.
    pub now: Instant,
    /// Shared collector settings.
    pub context: CollectContext,
    /// Also probe the `server` of every kubeconfig cluster read.
    pub probe_kubeconfig_servers: bool,
    /// Settings of `--aks` sources.
    pub live: LiveOptions,
}

impl CollectPlan {
    /// A plan that reads `sources` at `now` with default settings.
    pub fn new(sources: Vec<Source>, now: Instant) -> Self {
        CollectPlan {
            sources,
            now,
            context: CollectContext::default(),
            probe_kubeconfig_servers: false,
            live: LiveOptions::default(),
        }
    }
}
