//! Facts: collect what the sources say, then derive what follows from it.
//!
//! ```text
//!  CollectPlan ─▶ one collector per source (parallel) ─▶ assemble (concatenate) ─▶ derive ─▶ FactsDocument
//! ```
//!
//! - Collectors ([`kubeconfig`], [`certs`], [`cluster`], [`nodes`], [`node_root`], [`merge`],
//!   [`endpoint`], [`live`]) record what they observe. A collector never fails: whatever it
//!   cannot read becomes a [`model::CollectionError`] in the document, and everything else is
//!   still collected.
//! - [`assemble`] concatenates the parts in source order and keeps one fact per identity.
//! - [`derive::derive`] computes every time-derived field, every relation between sources and
//!   every signature verdict, in one place. Merging saved documents is concatenation followed by
//!   the same derivation.
//!
//! [`collect`] is the only entry point, for the binary and the benchmarks alike.

pub mod azure;
pub mod certificate;
pub mod certs;
pub mod cluster;
pub mod collected;
pub mod derive;
pub mod endpoint;
pub mod input;
pub mod json_lines;
pub mod kubeconfig;
pub mod kubelet;
pub mod live;
pub mod merge;
pub mod model;
pub mod node_root;
pub mod nodes;
pub mod pem;
pub mod plan;
pub mod walk;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use collected::Collected;
use model::{FactsDocument, ScannerInfo, SCHEMA_VERSION};
pub use plan::{CollectContext, CollectPlan, KubeLogin, LiveOptions, Source};

/// Collects every source of `plan` and derives the document: the one way to get facts.
pub fn collect(plan: &CollectPlan) -> FactsDocument {
    collect_timed(plan).0
}

/// How long [`collect_timed`] spent reading sources and deriving.
#[derive(Debug, Clone, Copy, Default)]
pub struct CollectTimings {
    /// Reading and parsing every source, and concatenating the parts.
    pub collect: std::time::Duration,
    /// [`derive::derive`].
    pub derive: std::time::Duration,
}

/// [`collect`], also saying how long each step took.
pub fn collect_timed(plan: &CollectPlan) -> (FactsDocument, CollectTimings) {
    let start = std::time::Instant::now();
    let offline = plan
        .sources
        .iter()
        .filter(|s| !matches!(s, Source::Aks(_) | Source::AllClusters | Source::DaemonSet(_)));
    let mut parts = collect_parts(offline, &plan.context);
    if plan.probe_kubeconfig_servers {
        let servers = kubeconfig_servers(&parts);
        parts.extend(collect_parts(servers.iter(), &plan.context));
    }
    let targets: Vec<String> = plan
        .sources
        .iter()
        .filter_map(|s| match s {
            Source::Aks(target) => Some(target.clone()),
            _ => None,
        })
        .collect();
    for source in &plan.sources {
        if let Source::DaemonSet(namespace) = source {
            parts.extend(live::daemonset::collect(namespace, &plan.live, &plan.context, plan.now));
        }
    }
    let all_clusters = plan.sources.contains(&Source::AllClusters);
    parts.extend(live::collect(&targets, all_clusters, &plan.live, &plan.context));
    let mut doc = assemble(parts);
    let collected = std::time::Instant::now();
    derive::derive(&mut doc, plan.now);
    let timings = CollectTimings {
        collect: collected - start,
        derive: collected.elapsed(),
    };
    (doc, timings)
}

/// Runs the collector of one offline source; `--aks` sources are read by [`live::collect`], after
/// every offline source, so they yield nothing here.
fn collect_one(source: &Source, ctx: &CollectContext) -> Collected {
    match source {
        Source::Kubeconfig(path) => kubeconfig::collect(path, ctx),
        Source::Certs(path) => certs::collect(path, ctx),
        Source::Cluster(path) => cluster::collect(path, ctx),
        Source::Nodes(path) => nodes::collect(path, ctx),
        Source::NodeRoot(path) => node_root::collect(path, ctx),
        Source::Facts(path) => merge::collect(path, ctx),
        Source::Endpoint { target, server_name } => endpoint::collect(target, server_name.as_deref(), ctx),
        Source::Aks(_) | Source::AllClusters | Source::DaemonSet(_) => Collected::default(),
    }
}

fn collect_parts<'a>(sources: impl Iterator<Item = &'a Source>, ctx: &CollectContext) -> Vec<Collected> {
    let sources: Vec<&Source> = sources.collect();
    sources.par_iter().map(|source| collect_one(source, ctx)).collect()
}

/// The API servers named by the kubeconfigs in `parts`, each once, with their `tls-server-name`:
/// what `--probe-kubeconfig-servers` probes.
fn kubeconfig_servers(parts: &[Collected]) -> Vec<Source> {
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

/// Concatenates collected parts in order into a document (not yet derived), keeping one fact
/// per identity: the same file given twice does not double its certificates, and a cluster read
/// from `az aks show` and from a standalone agent pool document is one cluster.
pub fn assemble(parts: Vec<Collected>) -> FactsDocument {
    let mut doc = FactsDocument {
        schema_version: SCHEMA_VERSION,
        scanner: ScannerInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        ..Default::default()
    };
    let mut root_paths = HashSet::new();
    doc.facts.reserve_for(parts.iter().map(|p| &p.facts));
    doc.sources.reserve(parts.len());
    for mut part in parts {
        make_node_roots_unique(&mut part, &mut root_paths);
        if part.source.sha256.is_none() {
            part.source.sha256 = part.source_digest();
        }
        doc.sources.push(part.source);
        doc.facts.absorb(part.facts);
    }
    dedup_certificates(&mut doc.facts);
    merge_clusters(&mut doc.facts);
    doc
}

/// Node roots are identified by path, but every DaemonSet pod mounts its node at the same path
/// (`/host`): when saved documents from many nodes are merged, a repeated path gets the node's
/// name appended (`/host#aks-nodepool1-12345678-vmss000001`), or a counter when the name is
/// unknown, and the node's certificates follow.
fn make_node_roots_unique(part: &mut Collected, seen: &mut HashSet<String>) {
    for root in &mut part.facts.node_roots {
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
            .facts
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
fn merge_clusters(facts: &mut model::Facts) {
    let mut merged: Vec<model::ClusterFact> = Vec::with_capacity(facts.clusters.len());
    // Keys seen, to their place in `merged`: linear however many clusters a fleet lists.
    let mut index: HashMap<String, usize> = HashMap::with_capacity(facts.clusters.len());
    for cluster in std::mem::take(&mut facts.clusters) {
        match index.get(&cluster.key) {
            None => {
                index.insert(cluster.key.clone(), merged.len());
                merged.push(cluster);
            }
            Some(&at) => {
                let existing = &mut merged[at];
                let (mut keep, other) = if existing.partial && !cluster.partial {
                    (cluster, std::mem::take(existing))
                } else {
                    (std::mem::take(existing), cluster)
                };
                let mut names: HashSet<String> = keep.agent_pools.iter().map(|p| p.name.clone()).collect();
                for pool in other.agent_pools {
                    if names.insert(pool.name.clone()) {
                        keep.agent_pools.push(pool);
                    }
                }
                *existing = keep;
            }
        }
    }
    facts.clusters = merged;
}

/// The same occurrence read twice (a file given twice, a document merged twice) is kept once;
/// so is the same collection error.
fn dedup_certificates(facts: &mut model::Facts) {
    let mut seen = HashSet::with_capacity(facts.certificates.len());
    let keep: Vec<bool> = facts
        .certificates
        .iter()
        .map(|c| seen.insert((&c.origin, c.id.as_str())))
        .collect();
    drop(seen);
    let mut flags = keep.into_iter();
    facts.certificates.retain(|_| flags.next().unwrap_or(true));
    let mut seen_errors = HashSet::new();
    facts.errors.retain(|e| seen_errors.insert(e.clone()));
}
