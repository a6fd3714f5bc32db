//! What to collect: the sources in the order they are read, and the settings collectors share.
//!
//! The command line turns its flags into a [`CollectPlan`] before any work starts; benchmarks
//! and tests build one directly. [`super::collect`] is the one way to turn a plan into a facts
//! document.

use std::path::PathBuf;

use super::model::SourceKind;
use crate::clock::Instant;
use crate::probe::ProbeOptions;

/// One source to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--kubeconfig FILE`.
    Kubeconfig(PathBuf),
    /// `--certs PATH`: a file, or a directory walked recursively.
    Certs(PathBuf),
    /// `--cluster FILE` (`-` is standard input).
    Cluster(PathBuf),
    /// `--nodes FILE` (`-` is standard input).
    Nodes(PathBuf),
    /// `--node-root DIR`.
    NodeRoot(PathBuf),
    /// `--facts FILE`: a saved facts document, merged in (`-` is standard input).
    Facts(PathBuf),
    /// `--endpoint HOST[:PORT]`: a live TLS probe.
    Endpoint {
        /// `HOST`, `HOST:PORT`, `[IPv6]:PORT` or an `https://` URL.
        target: String,
        /// The TLS server name to send instead of the host.
        server_name: Option<String>,
    },
    /// `--aks RESOURCE_GROUP/NAME`: a whole cluster, live, through `az` and `kubectl`.
    Aks(String),
}

impl Source {
    /// The kind of facts source this is.
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Kubeconfig(_) => SourceKind::Kubeconfig,
            Source::Certs(_) => SourceKind::Certs,
            Source::Cluster(_) | Source::Aks(_) => SourceKind::Cluster,
            Source::Nodes(_) => SourceKind::Nodes,
            Source::NodeRoot(_) => SourceKind::NodeRoot,
            Source::Facts(_) => SourceKind::Facts,
            Source::Endpoint { .. } => SourceKind::Endpoint,
        }
    }
}

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
            max_file_size: super::input::DEFAULT_MAX_FILE_SIZE,
            probe: ProbeOptions::default(),
        }
    }
}

/// How `--aks` runs the user's tools.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// `--subscription`: passed to every `az` call.
    pub subscription: Option<String>,
    /// `--admin`: `az aks get-credentials --admin`.
    pub admin: bool,
    /// `--node-certs`: read node certificates with `az vmss run-command invoke`.
    pub node_certs: bool,
    /// The `az` executable.
    pub az: PathBuf,
    /// The `kubectl` executable.
    pub kubectl: PathBuf,
    /// Draw a progress indicator on stderr when it is a terminal.
    pub progress: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            subscription: None,
            admin: false,
            node_certs: false,
            az: "az".into(),
            kubectl: "kubectl".into(),
            progress: false,
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
