//! Collecting facts: one collector per source, run in parallel, merged in the order the sources
//! were given, then linked (see [`link`]).
//!
//! A collector never fails: whatever it cannot read becomes a [`model::CollectionError`] in the
//! document, and everything else is still collected.

pub mod azure;
pub mod certificate;
pub mod certs;
pub mod cluster;
pub mod collected;
pub mod endpoint;
pub mod input;
pub mod json_lines;
pub mod kubeconfig;
pub mod link;
pub mod merge;
pub mod model;
pub mod node_root;
pub mod nodes;
pub mod pem;

use std::collections::HashSet;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::clock::Instant;
use collected::Collected;
use model::{FactsDocument, ScannerInfo, SourceKind, SCHEMA_VERSION};

/// Settings every collector shares.
#[derive(Debug, Clone)]
pub struct CollectContext {
    /// The evaluation time.
    pub now: Instant,
    /// Per-file size cap in bytes.
    pub max_file_size: u64,
    /// Live TLS probe settings.
    pub probe: crate::probe::ProbeOptions,
}

impl Default for CollectContext {
    fn default() -> Self {
        CollectContext {
            now: Instant::now(),
            max_file_size: input::DEFAULT_MAX_FILE_SIZE,
            probe: Default::default(),
        }
    }
}

/// One source to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// What it is.
    pub kind: SourceKind,
    /// Where it is (`-` is standard input for `--cluster`, `--nodes` and `--facts`; `HOST[:PORT]`
    /// or a URL for an endpoint).
    pub path: PathBuf,
    /// For endpoints: the TLS server name to send instead of the host.
    pub server_name: Option<String>,
}

impl SourceSpec {
    /// A source of `kind` at `path`.
    pub fn new(kind: SourceKind, path: impl Into<PathBuf>) -> Self {
        SourceSpec {
            kind,
            path: path.into(),
            server_name: None,
        }
    }
}

/// Runs the collector for one source.
pub fn collect_one(spec: &SourceSpec, ctx: &CollectContext) -> Collected {
    match spec.kind {
        SourceKind::Kubeconfig => kubeconfig::collect(&spec.path, ctx),
        SourceKind::Certs => certs::collect(&spec.path, ctx),
        SourceKind::Cluster => cluster::collect(&spec.path, ctx),
        SourceKind::Nodes => nodes::collect(&spec.path, ctx),
        SourceKind::NodeRoot => node_root::collect(&spec.path, ctx),
        SourceKind::Facts => merge::collect(&spec.path, ctx),
        SourceKind::Endpoint => endpoint::collect(&spec.path.to_string_lossy(), spec.server_name.as_deref(), ctx),
    }
}

/// Collects every source in parallel and merges the results into one document.
pub fn collect(specs: &[SourceSpec], ctx: &CollectContext) -> FactsDocument {
    assemble(collect_parts(specs, ctx), ctx)
}

/// Collects every source in parallel, without merging (see [`assemble`]).
pub fn collect_parts(specs: &[SourceSpec], ctx: &CollectContext) -> Vec<Collected> {
    specs.par_iter().map(|spec| collect_one(spec, ctx)).collect()
}

/// The API servers named by the kubeconfigs in `parts`, each once, with their `tls-server-name`:
/// what `--probe-kubeconfig-servers` probes.
pub fn kubeconfig_servers(parts: &[Collected]) -> Vec<SourceSpec> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for kc in parts.iter().flat_map(|p| &p.kubeconfigs) {
        for cluster in &kc.clusters {
            if let Some(server) = &cluster.server {
                if seen.insert((server.clone(), cluster.tls_server_name.clone())) {
                    out.push(SourceSpec {
                        kind: SourceKind::Endpoint,
                        path: server.into(),
                        server_name: cluster.tls_server_name.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Merges collected parts (in order), links them and builds the document.
pub fn assemble(parts: Vec<Collected>, ctx: &CollectContext) -> FactsDocument {
    let mut all = Collected::default();
    let mut sources = Vec::with_capacity(parts.len());
    let mut root_paths = HashSet::new();
    for mut part in parts {
        sources.push(part.source.clone());
        make_node_roots_unique(&mut part, &mut root_paths);
        all.absorb(part);
    }
    dedup_certificates(&mut all);
    merge_clusters(&mut all);
    link::link(&mut all);
    FactsDocument {
        schema_version: SCHEMA_VERSION,
        scanner: ScannerInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        now: ctx.now.rfc3339(),
        now_unix: ctx.now.0,
        sources,
        certificates: all.certificates,
        kubeconfigs: all.kubeconfigs,
        clusters: all.clusters,
        nodes: all.nodes,
        node_roots: all.node_roots,
        endpoints: all.endpoints,
        errors: all.errors,
    }
}

/// Node roots are identified by path, but every DaemonSet pod mounts its node at the same path
/// (`/host`): when saved documents from many nodes are merged, a repeated path gets the node's
/// name appended (`/host#aks-nodepool1-12345678-vmss000001`), or a counter when the name is
/// unknown, and the node's certificates follow.
fn make_node_roots_unique(part: &mut Collected, seen: &mut HashSet<String>) {
    for root in &mut part.node_roots {
        if seen.insert(root.path.clone()) {
            continue;
        }
        let node_name = root
            .kubelet_client_subject
            .as_deref()
            .and_then(|s| s.split("CN=system:node:").nth(1))
            .map(|n| n.split(',').next().unwrap_or(n).to_string());
        let mut candidate = format!("{}#{}", root.path, node_name.clone().unwrap_or_else(|| "2".into()));
        let mut n = 2;
        while !seen.insert(candidate.clone()) {
            n += 1;
            candidate = format!(
                "{}#{}",
                root.path,
                node_name
                    .clone()
                    .map(|name| format!("{name}-{n}"))
                    .unwrap_or_else(|| n.to_string())
            );
        }
        for cert in part
            .certificates
            .iter_mut()
            .filter(|c| c.origin.node_root.as_deref() == Some(root.path.as_str()))
        {
            cert.origin.node_root = Some(candidate.clone());
        }
        root.path = candidate;
    }
}

/// One cluster per key: the same cluster read twice (`az aks show` and `az aks list`, or a
/// standalone agent pool document) is kept once, from the first full document, with the agent
/// pools of all of them.
fn merge_clusters(all: &mut Collected) {
    let mut merged: Vec<model::ClusterFact> = Vec::with_capacity(all.clusters.len());
    for cluster in std::mem::take(&mut all.clusters) {
        match merged.iter_mut().find(|c| c.key == cluster.key) {
            None => merged.push(cluster),
            Some(existing) => {
                let (mut keep, other) = if existing.partial && !cluster.partial {
                    (cluster, std::mem::take(existing))
                } else {
                    (std::mem::take(existing), cluster)
                };
                for pool in other.agent_pools {
                    if !keep.agent_pools.iter().any(|p| p.name == pool.name) {
                        keep.agent_pools.push(pool);
                    }
                }
                *existing = keep;
            }
        }
    }
    all.clusters = merged;
}

/// The same file given twice (or merged twice) must not double every finding.
fn dedup_certificates(all: &mut Collected) {
    let mut seen = HashSet::new();
    all.certificates.retain(|c| {
        let key = serde_json::to_string(&c.origin).unwrap_or_default() + &c.id;
        seen.insert(key)
    });
    let mut seen_errors = HashSet::new();
    all.errors.retain(|e| seen_errors.insert(e.clone()));
}
