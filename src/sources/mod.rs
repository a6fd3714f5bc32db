//! Sources: one module per place facts come from, each turning what it reads into a [`Part`]
//! (a source record, the facts read, and the errors met). A collector never fails: whatever it
//! cannot read becomes a [`CollectionError`](crate::facts::model::CollectionError) in its part,
//! and everything else is still collected.
//!
//! ```text
//!  CollectPlan ─▶ Source::collect, one per source (files in parallel, live clusters `--jobs` at a time) ─▶ Vec<Part>
//! ```
//!
//! [`Source`] is the one list of source kinds: its variants, the [`FLAGS`] table the command line
//! builds its source flags from, and the one dispatch ([`Source::collect`]) sit side by side
//! here. A new source is a module and a variant.
//!
//! | flag | module |
//! |---|---|
//! | `--kubeconfig` | [`kubeconfig`] |
//! | `--certs` | [`certs`] |
//! | `--cluster` | [`cluster`] |
//! | `--nodes` | [`nodes`] |
//! | `--node-root` | [`node_root`] |
//! | `--facts` | [`facts_merge`] |
//! | `--endpoint` | [`endpoint`] (with [`probe`]) |
//! | `--aks`, `--all-clusters`, `--daemonset` | [`live`] (`aks`, `inventory`, `daemonset`, `vmss`) |
//!
//! Low-level readers shared by the sources (size-capped reads, PEM, JSON line numbers, directory
//! walks, ARM field access) are in [`read`].

pub mod certs;
pub mod cluster;
pub mod endpoint;
pub mod facts_merge;
pub mod kubeconfig;
pub mod live;
pub mod node_root;
pub mod nodes;
pub mod probe;
pub mod read;

mod plan;

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::facts::model::SourceKind;
pub use crate::facts::part::Part;
pub use live::{KubeLogin, LiveOptions};
pub use plan::{CollectContext, CollectPlan};

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
    /// `--daemonset NAMESPACE`: every node's facts from the pods of the node scanner DaemonSet,
    /// through `kubectl exec`.
    DaemonSet(String),
    /// `--all-clusters`: every cluster Azure Resource Graph lists (narrowed by
    /// [`LiveOptions::subscriptions`] and [`LiveOptions::management_groups`]), each scanned live
    /// unless [`LiveOptions::inventory_only`].
    AllClusters,
}

/// What a source flag's value is, for help and shell completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// A file (or `-` for standard input).
    File,
    /// A directory.
    Dir,
    /// A file or a directory.
    Any,
    /// A host name.
    Host,
    /// Other text.
    Text,
}

/// How the command line names one kind of source.
#[derive(Debug, Clone, Copy)]
pub struct SourceFlag {
    /// The long flag, without dashes.
    pub flag: &'static str,
    /// The value's name in help (`FILE`) and what it is; `None` for a switch.
    pub value: Option<(&'static str, PathKind)>,
    /// The help heading.
    pub heading: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// Builds the source from the flag's value (a switch gets an empty value).
    pub make: fn(&OsStr) -> Source,
}

/// Every source flag, in the order sources of each kind are read (each kind in the order given):
/// files, then endpoints, then live clusters. The command line builds its source flags from this
/// table, so a new source is named once.
pub const FLAGS: &[SourceFlag] = &[
    SourceFlag {
        flag: "kubeconfig",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "A kubeconfig as `az aks get-credentials` writes it (YAML or JSON)",
        make: |v| Source::Kubeconfig(v.into()),
    },
    SourceFlag {
        flag: "certs",
        value: Some(("PATH", PathKind::Any)),
        heading: "Sources",
        help: "A certificate file, or a directory walked recursively (PEM, DER, any file name)",
        make: |v| Source::Certs(v.into()),
    },
    SourceFlag {
        flag: "cluster",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "A managed cluster as JSON: `az aks show -o json`, `az aks list -o json` or raw ARM (`-` reads stdin)",
        make: |v| Source::Cluster(v.into()),
    },
    SourceFlag {
        flag: "nodes",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "`kubectl get nodes -o json` output (`-` reads stdin)",
        make: |v| Source::Nodes(v.into()),
    },
    SourceFlag {
        flag: "node-root",
        value: Some(("DIR", PathKind::Dir)),
        heading: "Sources",
        help: "A node's filesystem as mounted in a debug pod or DaemonSet (e.g. `/host`)",
        make: |v| Source::NodeRoot(v.into()),
    },
    SourceFlag {
        flag: "facts",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "A saved facts document to merge in (`-` reads stdin)",
        make: |v| Source::Facts(v.into()),
    },
    SourceFlag {
        flag: "endpoint",
        value: Some(("HOST[:PORT]", PathKind::Host)),
        heading: "Live checks",
        help: "Probe a live API server's TLS chain (`HOST`, `HOST:PORT`, `[IPv6]:PORT` or an `https://` URL)",
        make: |v| Source::Endpoint {
            target: v.to_string_lossy().into_owned(),
            server_name: None,
        },
    },
    SourceFlag {
        flag: "aks",
        value: Some(("RESOURCE_GROUP/NAME", PathKind::Text)),
        heading: "Live checks",
        help: "Scan a cluster live with the `az` and `kubectl` you are logged in with: RESOURCE_GROUP/NAME",
        make: |v| Source::Aks(v.to_string_lossy().into_owned()),
    },
    SourceFlag {
        flag: "daemonset",
        value: Some(("NAMESPACE", PathKind::Text)),
        heading: "Fleet",
        help: "Gather every node's facts from the pods of the node scanner DaemonSet (deploy/kubernetes) in NAMESPACE, with your `kubectl` (`kubectl exec`), and merge them",
        make: |v| Source::DaemonSet(v.to_string_lossy().into_owned()),
    },
    SourceFlag {
        flag: "all-clusters",
        value: None,
        heading: "Fleet",
        help: "Every AKS cluster you can see, listed by Azure Resource Graph (`az graph query`, the `resource-graph` extension), each scanned live like --aks (see --inventory-only)",
        make: |_| Source::AllClusters,
    },
];

impl Source {
    /// The flag that selects this kind of source.
    pub fn flag(&self) -> &'static SourceFlag {
        let name = match self {
            Source::Kubeconfig(_) => "kubeconfig",
            Source::Certs(_) => "certs",
            Source::Cluster(_) => "cluster",
            Source::Nodes(_) => "nodes",
            Source::NodeRoot(_) => "node-root",
            Source::Facts(_) => "facts",
            Source::Endpoint { .. } => "endpoint",
            Source::Aks(_) => "aks",
            Source::DaemonSet(_) => "daemonset",
            Source::AllClusters => "all-clusters",
        };
        FLAGS.iter().find(|f| f.flag == name).unwrap_or(&FLAGS[0])
    }

    /// The kind of facts source this is, as the facts document records it.
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

    /// Whether reading it runs the user's tools against live clusters (`--jobs` at a time, after
    /// every other source).
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Aks(_) | Source::DaemonSet(_) | Source::AllClusters)
    }

    /// Reads this source: the one dispatch from a source to its collector.
    pub fn collect(&self, plan: &CollectPlan) -> Vec<Part> {
        let ctx = &plan.context;
        match self {
            Source::Kubeconfig(path) => vec![kubeconfig::collect(path, ctx)],
            Source::Certs(path) => vec![certs::collect(path, ctx)],
            Source::Cluster(path) => vec![cluster::collect(path, ctx)],
            Source::Nodes(path) => vec![nodes::collect(path, ctx)],
            Source::NodeRoot(path) => vec![node_root::collect(path, ctx)],
            Source::Facts(path) => vec![facts_merge::collect(path, ctx)],
            Source::Endpoint { target, server_name } => vec![endpoint::collect(target, server_name.as_deref(), ctx)],
            Source::Aks(target) => live::aks::collect_targets(std::slice::from_ref(target), &plan.live, ctx),
            Source::DaemonSet(namespace) => live::daemonset::collect(namespace, &plan.live, ctx, plan.now),
            Source::AllClusters => live::aks::collect_all_clusters(&plan.live, ctx),
        }
    }
}

/// Reads every source of `plan`, in order: the sources that read files and endpoints in
/// parallel; then, with `--probe-kubeconfig-servers`, the API server of every kubeconfig read;
/// then the live sources. The parts come back in source order whatever the timing.
pub fn collect(plan: &CollectPlan) -> Vec<Part> {
    let offline: Vec<&Source> = plan.sources.iter().filter(|s| !s.is_live()).collect();
    let mut parts: Vec<Part> = offline
        .par_iter()
        .flat_map_iter(|source| source.collect(plan))
        .collect();
    if plan.probe_kubeconfig_servers {
        let servers = kubeconfig_servers(&parts);
        let probed: Vec<Part> = servers
            .par_iter()
            .flat_map_iter(|source| source.collect(plan))
            .collect();
        parts.extend(probed);
    }
    let live: Vec<&Source> = plan.sources.iter().filter(|s| s.is_live()).collect();
    let targets: Vec<String> = live
        .iter()
        .filter_map(|s| match s {
            Source::Aks(target) => Some(target.clone()),
            _ => None,
        })
        .collect();
    // Live clusters share one pool of `--jobs` workers: every `--aks` target together.
    parts.extend(live::aks::collect_targets(&targets, &plan.live, &plan.context));
    for source in live.iter().filter(|s| !matches!(s, Source::Aks(_))) {
        parts.extend(source.collect(plan));
    }
    parts
}

/// The API servers named by the kubeconfigs in `parts`, each once, with their `tls-server-name`:
/// what `--probe-kubeconfig-servers` probes.
fn kubeconfig_servers(parts: &[Part]) -> Vec<Source> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for kc in parts.iter().flat_map(|p| &p.facts.kubeconfigs) {
        for cluster in &kc.clusters {
            if let Some(server) = &cluster.server {
                if seen.insert((server.clone(), cluster.tls_server_name.clone())) {
                    out.push(Source::Endpoint {
                        target: server.clone(),
                        server_name: cluster.tls_server_name.clone(),
                    });
                }
            }
        }
    }
    out
}
