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
    /// `--all-clusters`: every cluster Azure Resource Graph lists (narrowed by
    /// [`LiveOptions::subscriptions`] and [`LiveOptions::management_groups`]), each scanned live
    /// unless [`LiveOptions::inventory_only`].
    AllClusters,
    /// `--daemonset NAMESPACE`: every node's facts from the pods of the node scanner DaemonSet,
    /// through `kubectl exec`.
    DaemonSet(String),
}

impl Source {
    /// The kind of facts source this is.
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Kubeconfig(_) => SourceKind::Kubeconfig,
            Source::Certs(_) => SourceKind::Certs,
            Source::Cluster(_) | Source::Aks(_) | Source::AllClusters => SourceKind::Cluster,
            Source::Nodes(_) => SourceKind::Nodes,
            Source::NodeRoot(_) | Source::DaemonSet(_) => SourceKind::NodeRoot,
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

/// How `kubelogin convert-kubeconfig -l` makes an Entra ID kubeconfig non-interactive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KubeLogin {
    /// The Azure CLI login the user already has (`az login`).
    #[default]
    AzureCli,
    /// Workload identity (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
    /// A managed identity (`--client-id` through `AZURE_CLIENT_ID` when user-assigned).
    Msi,
    /// A service principal (`AAD_SERVICE_PRINCIPAL_CLIENT_ID`, `AAD_SERVICE_PRINCIPAL_CLIENT_SECRET`).
    Spn,
}

impl KubeLogin {
    /// The `-l` value of `kubelogin convert-kubeconfig`.
    pub fn as_str(self) -> &'static str {
        match self {
            KubeLogin::AzureCli => "azurecli",
            KubeLogin::WorkloadIdentity => "workloadidentity",
            KubeLogin::Msi => "msi",
            KubeLogin::Spn => "spn",
        }
    }
}

/// How `--aks` and `--all-clusters` run the user's tools.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// `--subscription` (repeatable): passed to every `az` call of `--aks` (one), and to
    /// Resource Graph to narrow `--all-clusters`.
    pub subscriptions: Vec<String>,
    /// `--management-group` (repeatable): narrows `--all-clusters`.
    pub management_groups: Vec<String>,
    /// `--inventory-only`: `--all-clusters` reads the inventory and runs no per-cluster step.
    pub inventory_only: bool,
    /// `--admin`: `az aks get-credentials --admin`.
    pub admin: bool,
    /// `--node-certs`: read node certificates with `az vmss run-command invoke`.
    pub node_certs: bool,
    /// `--jobs`: clusters scanned at the same time.
    pub jobs: usize,
    /// `--cluster-timeout`: the time all steps of one cluster may take together.
    pub cluster_timeout: std::time::Duration,
    /// `--login`: how Entra ID kubeconfigs are made non-interactive.
    pub login: KubeLogin,
    /// The `az` executable.
    pub az: PathBuf,
    /// The `kubectl` executable.
    pub kubectl: PathBuf,
    /// The `kubelogin` executable.
    pub kubelogin: PathBuf,
    /// Draw a progress indicator on stderr when it is a terminal.
    pub progress: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            subscriptions: Vec::new(),
            management_groups: Vec::new(),
            inventory_only: false,
            admin: false,
            node_certs: false,
            jobs: 4,
            cluster_timeout: std::time::Duration::from_secs(600),
            login: KubeLogin::AzureCli,
            az: "az".into(),
            kubectl: "kubectl".into(),
            kubelogin: "kubelogin".into(),
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
