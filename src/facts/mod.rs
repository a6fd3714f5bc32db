//! Facts: the versioned document collectors fill and policies read, how parts from many sources
//! become one document, and everything derived from it.
//!
//! ```text
//!  Vec<Part> (one per source, see crate::sources) ─▶ assemble (concatenate, one fact per identity) ─▶ derive ─▶ FactsDocument
//! ```
//!
//! - [`model`]: the schema, field by field (`docs/facts.md`);
//! - [`part`]: what one source gave;
//! - [`assemble`]: concatenates the parts in source order and keeps one fact per identity;
//! - [`derive::derive`]: every time-derived field, every relation between sources and every
//!   signature verdict, in one place. Merging saved documents is concatenation followed by the
//!   same derivation;
//! - [`x509`]: one certificate parsed into a fact, signatures checked, SHA-256;
//! - [`series`]: the certificates a metrics exposition names, chosen as they stream past.

pub mod derive;
pub mod model;
pub mod part;
pub mod series;
pub mod x509;

use std::collections::{HashMap, HashSet};

use model::{FactsDocument, ScannerInfo, SCHEMA_VERSION};
use part::Part;

/// Assembles `parts` and derives the document at `now`: the one way from what sources gave to
/// the facts policies read.
pub fn build(parts: Vec<Part>, now: crate::clock::Instant) -> FactsDocument {
    let mut doc = assemble(parts);
    derive::derive(&mut doc, now);
    doc
}

/// Concatenates parts in order into a document (not yet derived), keeping one fact
/// per identity: the same file given twice does not double its certificates, and a cluster read
/// from `az aks show` and from a standalone agent pool document is one cluster.
pub fn assemble(parts: Vec<Part>) -> FactsDocument {
    let mut doc = FactsDocument {
        schema_version: SCHEMA_VERSION,
        scanner: ScannerInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        ..Default::default()
    };
    let mut root_paths = HashSet::new();
    let mut root_suffixes = HashMap::new();
    doc.facts.reserve_for(parts.iter().map(|p| &p.facts));
    doc.sources.reserve(parts.len());
    for mut part in parts {
        make_node_roots_unique(&mut part, &mut root_paths, &mut root_suffixes);
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
fn make_node_roots_unique(part: &mut Part, seen: &mut HashSet<String>, next_suffix: &mut HashMap<String, usize>) {
    // Linear in roots and certificates: each renamed root is looked up once per certificate
    // through a map, and each repeated name continues its own counter instead of trying
    // `#2`, `#3`, ... again (20,000 roots at `/host` took 19-40 s when both were quadratic).
    let mut renamed: HashMap<String, String> = HashMap::new();
    let mut kept_here: HashSet<String> = HashSet::new();
    for root in &mut part.facts.node_roots {
        if seen.insert(root.path.clone()) {
            kept_here.insert(root.path.clone());
            continue;
        }
        let node_name = root
            .kubelet_client_subject
            .as_deref()
            .and_then(|s| s.split("CN=system:node:").nth(1))
            .map(|n| n.split(',').next().unwrap_or(n).to_string());
        let mut candidate = format!("{}#{}", root.path, node_name.clone().unwrap_or_else(|| "2".into()));
        if !seen.insert(candidate.clone()) {
            let stem = match &node_name {
                Some(name) => format!("{}#{name}-", root.path),
                None => format!("{}#", root.path),
            };
            let n = next_suffix.entry(stem.clone()).or_insert(2);
            loop {
                *n += 1;
                candidate = format!("{stem}{n}");
                if seen.insert(candidate.clone()) {
                    break;
                }
            }
        }
        // The certificates of this part at that path are this root's, unless a root of this same
        // part kept the path (then they are ambiguous, and stay with the first).
        if !kept_here.contains(&root.path) {
            renamed.entry(root.path.clone()).or_insert_with(|| candidate.clone());
        }
        root.path = candidate;
    }
    if renamed.is_empty() {
        return;
    }
    for cert in &mut part.facts.certificates {
        if let Some(new) = cert.origin.node_root.as_deref().and_then(|p| renamed.get(p)) {
            cert.origin.node_root = Some(new.clone());
        }
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

#[cfg(test)]
mod tests {
    use super::model::{CertificateFact, CertificateOrigin, CertificateRole, NodeRootFact, SourceKind};
    use super::*;

    fn certificate() -> CertificateFact {
        static PARSED: std::sync::OnceLock<CertificateFact> = std::sync::OnceLock::new();
        PARSED.get_or_init(parse_certificate).clone()
    }

    fn parse_certificate() -> CertificateFact {
        let pem = include_bytes!("../../testdata/scenarios/rotated/node-recreated/etc/kubernetes/certs/ca.crt");
        let (_, block) = x509_parser::pem::parse_x509_pem(pem).expect("PEM");
        x509::analyze(block.contents, CertificateOrigin::default(), CertificateRole::ClusterCa).expect("certificate")
    }

    fn node_document(roots: &[(&str, Option<&str>)]) -> Part {
        let mut part = Part::for_source(SourceKind::Facts, "node.json");
        for (path, name) in roots {
            part.facts.node_roots.push(NodeRootFact {
                path: path.to_string(),
                kubelet_client_subject: name.map(|n| format!("O=system:nodes,CN=system:node:{n}")),
                ..Default::default()
            });
            let mut cert = certificate();
            cert.origin.node_root = Some(path.to_string());
            cert.id = format!("{path}{name:?}");
            part.facts.certificates.push(cert);
        }
        part
    }

    /// Every DaemonSet pod mounts its node at `/host`: merged, each root gets a unique path (the
    /// node's name, or a counter), its certificates follow, and 20,000 of them merge in linear
    /// time (each repeated name continues its own counter).
    #[test]
    fn repeated_node_roots_get_unique_paths() {
        let parts = vec![
            node_document(&[("/host", Some("vmss000001"))]),
            node_document(&[("/host", Some("vmss000002"))]),
            node_document(&[("/host", Some("vmss000002"))]),
            node_document(&[("/host", None)]),
            node_document(&[("/host", None)]),
        ];
        let doc = assemble(parts);
        let paths: Vec<&str> = doc.facts.node_roots.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/host", "/host#vmss000002", "/host#vmss000002-3", "/host#2", "/host#3"]
        );
        let cert_roots: Vec<&str> = doc
            .facts
            .certificates
            .iter()
            .filter_map(|c| c.origin.node_root.as_deref())
            .collect();
        assert_eq!(cert_roots, paths, "each root's certificate follows it");

        let many: Vec<Part> = (0..20_000).map(|_| node_document(&[("/host", None)])).collect();
        let doc = assemble(many);
        let unique: HashSet<&str> = doc.facts.node_roots.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(unique.len(), 20_000);
        assert_eq!(doc.facts.node_roots[19_999].path, "/host#20000");
    }
}
