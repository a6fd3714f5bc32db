//! The one list of source kinds: [`Source`], the [`FLAGS`] table the command line builds its
//! source flags from, the one dispatch ([`Source::collect`]), and [`collect`], which reads every
//! source of a [`CollectPlan`] in order.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::PathBuf;

use rayon::prelude::*;

use super::context::CollectContext;
use super::live::step::map_in_order;
use super::live::LiveOptions;
use super::{certs, cluster, endpoint, facts_merge, k8s_objects, kubeconfig, live, node_root, nodes};
use crate::clock::Instant;
use crate::facts::model::SourceKind;
use crate::facts::part::Part;

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
    /// `--k8s-objects FILE`: Kubernetes objects, `kubectl get ... -o json` or YAML (`-` is
    /// standard input).
    K8sObjects(PathBuf),
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
    /// The kind of facts source it is, as the facts document records it.
    pub kind: SourceKind,
    /// Whether reading it runs the user's tools against live clusters.
    pub live: bool,
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
        kind: SourceKind::Kubeconfig,
        live: false,
        make: |v| Source::Kubeconfig(v.into()),
    },
    SourceFlag {
        flag: "certs",
        value: Some(("PATH", PathKind::Any)),
        heading: "Sources",
        help: "A certificate file, or a directory walked recursively (PEM, DER, any file name)",
        kind: SourceKind::Certs,
        live: false,
        make: |v| Source::Certs(v.into()),
    },
    SourceFlag {
        flag: "cluster",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "A managed cluster as JSON: `az aks show -o json`, `az aks list -o json` or raw ARM (`-` reads stdin)",
        kind: SourceKind::Cluster,
        live: false,
        make: |v| Source::Cluster(v.into()),
    },
    SourceFlag {
        flag: "nodes",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "`kubectl get nodes -o json` output (`-` reads stdin)",
        kind: SourceKind::Nodes,
        live: false,
        make: |v| Source::Nodes(v.into()),
    },
    SourceFlag {
        flag: "k8s-objects",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "Kubernetes objects, `kubectl get secrets,configmaps,... -A -o json` or YAML (`-` reads stdin): TLS secrets, CA bundles, pinned CA copies, CSRs, nodes",
        kind: SourceKind::K8sObjects,
        live: false,
        make: |v| Source::K8sObjects(v.into()),
    },
    SourceFlag {
        flag: "node-root",
        value: Some(("DIR", PathKind::Dir)),
        heading: "Sources",
        help: "A node's filesystem as mounted in a debug pod or DaemonSet (e.g. `/host`)",
        kind: SourceKind::NodeRoot,
        live: false,
        make: |v| Source::NodeRoot(v.into()),
    },
    SourceFlag {
        flag: "facts",
        value: Some(("FILE", PathKind::File)),
        heading: "Sources",
        help: "A saved facts document to merge in (`-` reads stdin)",
        kind: SourceKind::Facts,
        live: false,
        make: |v| Source::Facts(v.into()),
    },
    SourceFlag {
        flag: "endpoint",
        value: Some(("HOST[:PORT]", PathKind::Host)),
        heading: "Live checks",
        help: "Probe a live API server's TLS chain (`HOST`, `HOST:PORT`, `[IPv6]:PORT` or an `https://` URL)",
        kind: SourceKind::Endpoint,
        live: false,
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
        kind: SourceKind::Cluster,
        live: true,
        make: |v| Source::Aks(v.to_string_lossy().into_owned()),
    },
    SourceFlag {
        flag: "daemonset",
        value: Some(("NAMESPACE", PathKind::Text)),
        heading: "Fleet",
        help: "Gather every node's facts from the pods of the node scanner DaemonSet (deploy/kubernetes) in NAMESPACE, with your `kubectl` (`kubectl exec`), and merge them",
        kind: SourceKind::NodeRoot,
        live: true,
        make: |v| Source::DaemonSet(v.to_string_lossy().into_owned()),
    },
    SourceFlag {
        flag: "all-clusters",
        value: None,
        heading: "Fleet",
        help: "Every AKS cluster you can see, listed by Azure Resource Graph (`az graph query`, the `resource-graph` extension), each scanned live like --aks (see --inventory-only)",
        kind: SourceKind::Cluster,
        live: true,
        make: |_| Source::AllClusters,
    },
];

impl Source {
    /// Its row of [`FLAGS`]: the row whose `make` builds this variant.
    pub fn flag(&self) -> &'static SourceFlag {
        let mine = std::mem::discriminant(self);
        FLAGS
            .iter()
            .find(|f| std::mem::discriminant(&(f.make)(OsStr::new(""))) == mine)
            .unwrap_or(&FLAGS[0])
    }

    /// The kind of facts source this is, as the facts document records it.
    pub fn kind(&self) -> SourceKind {
        self.flag().kind
    }

    /// Whether reading it runs the user's tools against live clusters (`--jobs` at a time, after
    /// every other source).
    pub fn is_live(&self) -> bool {
        self.flag().live
    }

    /// Reads this source: the one dispatch from a source to its collector.
    pub fn collect(&self, plan: &CollectPlan) -> Vec<Part> {
        let ctx = &plan.context;
        match self {
            Source::Kubeconfig(path) => vec![kubeconfig::collect(path, ctx)],
            Source::Certs(path) => vec![certs::collect(path, ctx)],
            Source::Cluster(path) => vec![cluster::collect(path, ctx)],
            Source::Nodes(path) => vec![nodes::collect(path, ctx)],
            Source::K8sObjects(path) => vec![k8s_objects::collect(path, ctx)],
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
/// then the live sources, `--jobs` at a time (each `--all-clusters` scans its clusters `--jobs` at
/// a time too). The parts come back in source order whatever the timing.
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
    parts.extend(
        map_in_order(plan.live.jobs, &live, |source| source.collect(plan))
            .into_iter()
            .flatten(),
    );
    live::progress::finish();
    parts
}

/// The API servers named by the kubeconfigs in `parts`, each once, with their `tls-server-name`:
/// what `--probe-kubeconfig-servers` probes. "Once" is per host and port (and server name):
/// `https://Prod:443`, `https://prod/` and `prod:443/api` are one probe, not three.
fn kubeconfig_servers(parts: &[Part]) -> Vec<Source> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for kc in parts.iter().flat_map(|p| &p.facts.kubeconfigs) {
        for cluster in &kc.clusters {
            if let Some(server) = &cluster.server {
                // A server that does not parse is probed as written, to report why.
                let address = crate::address::Target::parse(server)
                    .map(|t| t.display())
                    .unwrap_or_else(|_| server.clone());
                let server_name = cluster.tls_server_name.as_deref().map(str::to_ascii_lowercase);
                if seen.insert((address, server_name)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_builds_its_own_variant() {
        let mut seen = HashSet::new();
        for row in FLAGS {
            let source = (row.make)(OsStr::new("x"));
            assert_eq!(source.flag().flag, row.flag, "{row:?}");
            assert!(seen.insert(row.flag), "{} is listed twice", row.flag);
        }
    }

    #[test]
    fn kubeconfig_servers_are_probed_once_per_host_and_port() {
        use crate::facts::model::{KubeconfigCluster, KubeconfigFact};
        let cluster = |server: &str, sni: Option<&str>| KubeconfigCluster {
            server: Some(server.into()),
            tls_server_name: sni.map(str::to_string),
            ..Default::default()
        };
        let mut part = Part::for_source(SourceKind::Kubeconfig, "k");
        part.facts.kubeconfigs.push(KubeconfigFact {
            clusters: vec![
                cluster("https://Prod.hcp.example:443", None),
                cluster("https://prod.hcp.example/", None),
                cluster("prod.hcp.example:443/api", None),
                cluster("https://prod.hcp.example", Some("Other.example")),
                cluster("https://prod.hcp.example", Some("other.example")),
                cluster("https://prod.hcp.example:6443", None),
            ],
            ..Default::default()
        });
        let servers = kubeconfig_servers(&[part]);
        assert_eq!(servers.len(), 3, "{servers:?}");
    }
}
