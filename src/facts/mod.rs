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
pub fn collect(specs: &[SourceSpec], ctx: &CollectContext) -> (FactsDocument, Collected) {
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

/// Merges collected parts (in order), links them and builds the document. The merged
/// [`Collected`] is returned too, for its DER store.
pub fn assemble(parts: Vec<Collected>, ctx: &CollectContext) -> (FactsDocument, Collected) {
    let mut all = Collected::default();
    let mut sources = Vec::with_capacity(parts.len());
    for part in parts {
        sources.push(part.source.clone());
        all.absorb(part);
    }
    dedup_certificates(&mut all);
    link::link(&mut all);
    let doc = FactsDocument {
        schema_version: SCHEMA_VERSION,
        scanner: ScannerInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        now: ctx.now.rfc3339(),
        now_unix: ctx.now.0,
        sources,
        certificates: all.certificates.clone(),
        kubeconfigs: all.kubeconfigs.clone(),
        clusters: all.clusters.clone(),
        nodes: all.nodes.clone(),
        node_roots: all.node_roots.clone(),
        endpoints: all.endpoints.clone(),
        errors: all.errors.clone(),
    };
    (doc, all)
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
