//! Everything that follows from the collected observations, computed in one place, once, after
//! collection (and again after merging saved documents):
//!
//! - **time**: each certificate's lifetime, age, remaining time and fraction of lifetime used at
//!   the evaluation time;
//! - **relations**: the `cluster_key` (`rg/name`) of every kubeconfig user and cluster, node,
//!   node root, endpoint and certificate that belongs to a `--cluster` document: from AKS user
//!   naming, from the API server host matching a cluster's FQDN or private FQDN, or from the node
//!   resource group;
//! - **signature verdicts**, each in its own field and never overwritten by another: a node
//!   certificate against its node's `ca.crt` (`node_ca_verification`), a client certificate
//!   against its kubeconfig's CA (`kubeconfig_ca_verification`, and `ca_checks` per context), a
//!   client or node certificate against the **current CA** of its API server
//!   (`current_ca_verification`), an endpoint's chain against every kubeconfig CA for that server
//!   (`ca_checks`), and the one verdict rules read (`ca_verification`: current, else local);
//! - **node relations**: whether a node's kubelet serving certificate was signed by its CA
//!   (`serving_certificate_cluster_signed`);
//! - **display names**: how messages name each certificate occurrence.
//!
//! The current CA of a server is the CA with the latest `not_before` among every CA seen for it
//! (kubeconfig clusters, node `ca.crt`): `az aks rotate-certs` makes a new CA with the same name
//! `CN=ca`, so a newer one means the older was rotated away. A kubeconfig or a node pool left on
//! the old CA is consistent with itself, so only this cross-source check can see it.
//!
//! Signatures need the DER of both certificates. A certificate merged from a document written
//! without DER keeps the verdicts recorded in that document.

use std::collections::HashMap;

use rayon::prelude::*;

use super::certificate::{check_against_bundle, check_chain_against_bundle, fill_validity};
use super::model::{
    CaVerification, CertificateFact, CertificateRole, EndpointCaCheck, FactsDocument, KubeconfigFact, UserCaCheck,
    VerificationResult,
};
use crate::clock::Instant;
use crate::probe::target::Target;

/// Derives every computed field of `doc` at evaluation time `now`.
pub fn derive(doc: &mut FactsDocument, now: Instant) {
    doc.now = now.rfc3339();
    doc.now_unix = now.0;
    doc.facts
        .certificates
        .par_iter_mut()
        .for_each(|cert| fill_validity(cert, now.0));
    link_clusters(doc);
    check_signatures(doc);
    mark_cluster_signed_serving(doc);
    doc.facts
        .certificates
        .par_iter_mut()
        .for_each(|cert| cert.display_name = display_name(cert));
}

/// Marks each node root whose kubelet serving certificate the node's CA signed. A relation
/// between a node and its certificates, computed here so that rules about nodes need not read the
/// certificate list (which would make them see every certificate of the estate at once).
fn mark_cluster_signed_serving(doc: &mut FactsDocument) {
    let signed: std::collections::HashSet<&str> = doc
        .facts
        .certificates
        .iter()
        .filter(|c| c.role == CertificateRole::KubeletServer)
        .filter(|c| {
            c.node_ca_verification
                .as_ref()
                .is_some_and(|v| v.result == VerificationResult::Verified)
        })
        .filter_map(|c| c.origin.node_root.as_deref())
        .collect();
    let marked: Vec<bool> = doc
        .facts
        .node_roots
        .iter()
        .map(|root| signed.contains(root.path.as_str()))
        .collect();
    for (root, mark) in doc.facts.node_roots.iter_mut().zip(marked) {
        root.serving_certificate_cluster_signed = mark;
    }
}

/// The host of a server URL (`https://h:443/path` gives `h`; `[::1]:6443` gives `::1`).
pub fn server_host(server: &str) -> Option<String> {
    let rest = server.split_once("://").map(|(_, r)| r).unwrap_or(server);
    let authority = rest.split('/').next()?;
    let authority = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Sets the `cluster_key` of every fact that can be tied to a managed cluster.
fn link_clusters(doc: &mut FactsDocument) {
    let facts = &mut doc.facts;
    let mut by_host: HashMap<String, String> = HashMap::new();
    let mut by_node_rg: HashMap<String, String> = HashMap::new();
    for c in &facts.clusters {
        for host in [&c.fqdn, &c.private_fqdn].into_iter().flatten() {
            by_host.insert(host.to_ascii_lowercase(), c.key.clone());
        }
        if let Some(rg) = &c.node_resource_group {
            by_node_rg.insert(rg.to_ascii_lowercase(), c.key.clone());
        }
    }
    // Kubeconfig clusters: by server host, else by the AKS user a context pairs them with.
    let mut user_keys: HashMap<(String, String), String> = HashMap::new();
    let mut cluster_keys: HashMap<(String, String), String> = HashMap::new();
    for kc in &mut facts.kubeconfigs {
        for user in &kc.users {
            if let Some(aks) = &user.aks {
                user_keys.insert(
                    (kc.path.clone(), user.name.clone()),
                    super::kubeconfig::cluster_key(&aks.resource_group, &aks.cluster_name),
                );
            }
        }
        for user in &mut kc.users {
            user.cluster_key = user_keys.get(&(kc.path.clone(), user.name.clone())).cloned();
        }
        // The first context naming each cluster whose user is an AKS user: one pass, not one
        // per cluster (a hostile kubeconfig can hold 100,000 of each).
        let mut context_keys: HashMap<&str, String> = HashMap::new();
        for ctx in &kc.contexts {
            let (Some(cluster), Some(user)) = (ctx.cluster.as_deref(), ctx.user.as_ref()) else {
                continue;
            };
            if context_keys.contains_key(cluster) {
                continue;
            }
            if let Some(key) = user_keys.get(&(kc.path.clone(), user.clone())) {
                context_keys.insert(cluster, key.clone());
            }
        }
        for cluster in &mut kc.clusters {
            let host = cluster.server.as_deref().and_then(server_host);
            let from_context = context_keys.get(cluster.name.as_str()).cloned();
            cluster.cluster_key = host.as_ref().and_then(|h| by_host.get(h).cloned()).or(from_context);
            if let Some(key) = &cluster.cluster_key {
                cluster_keys.insert((kc.path.clone(), cluster.name.clone()), key.clone());
                if let Some(h) = &host {
                    by_host.entry(h.clone()).or_insert_with(|| key.clone());
                }
            }
        }
    }
    for node in &mut facts.nodes {
        node.cluster_key = node
            .node_resource_group
            .as_ref()
            .and_then(|rg| by_node_rg.get(&rg.to_ascii_lowercase()).cloned());
    }
    let mut root_keys: HashMap<String, String> = HashMap::new();
    for root in &mut facts.node_roots {
        let host = root.api_server.as_deref().and_then(server_host);
        root.cluster_key = host.as_ref().and_then(|h| by_host.get(h).cloned());
        if let Some(key) = &root.cluster_key {
            root_keys.insert(root.path.clone(), key.clone());
        }
    }
    let mut endpoint_keys: HashMap<String, String> = HashMap::new();
    for endpoint in &mut facts.endpoints {
        endpoint.cluster_key = by_host.get(&endpoint.host.to_ascii_lowercase()).cloned();
        if let Some(key) = &endpoint.cluster_key {
            endpoint_keys.insert(endpoint.endpoint.clone(), key.clone());
        }
    }
    for cert in &mut facts.certificates {
        let o = &cert.origin;
        let kubeconfig = o.kubeconfig.clone().unwrap_or_else(|| o.path.clone());
        let key = if let Some(user) = &o.kubeconfig_user {
            user_keys.get(&(kubeconfig, user.clone()))
        } else if let Some(cluster) = &o.kubeconfig_cluster {
            cluster_keys.get(&(kubeconfig, cluster.clone()))
        } else if let Some(root) = &o.node_root {
            root_keys.get(root)
        } else if let Some(endpoint) = &o.endpoint {
            endpoint_keys.get(endpoint)
        } else {
            None
        };
        if let Some(key) = key {
            cert.cluster_key = Some(key.clone());
        }
    }
}

/// The newest CA seen for one API server.
#[derive(Debug, Clone)]
struct CurrentCa {
    id: String,
    not_before: i64,
    source: String,
}

impl CurrentCa {
    fn offer(slot: &mut Option<CurrentCa>, cert: &CertificateFact, source: String) {
        let newer = slot.as_ref().is_none_or(|cur| {
            (cert.not_before_unix, std::cmp::Reverse(&cert.id)) > (cur.not_before, std::cmp::Reverse(&cur.id))
        });
        if newer {
            *slot = Some(CurrentCa {
                id: cert.id.clone(),
                not_before: cert.not_before_unix,
                source,
            });
        }
    }
}

/// Certificates by id: the first occurrence of each (every occurrence of an id has the same DER).
struct ById<'a> {
    certs: HashMap<&'a str, &'a CertificateFact>,
}

impl<'a> ById<'a> {
    fn new(certs: &'a [CertificateFact]) -> Self {
        let mut map = HashMap::with_capacity(certs.len());
        for c in certs {
            map.entry(c.id.as_str()).or_insert(c);
        }
        ById { certs: map }
    }

    fn get(&self, id: &str) -> Option<&'a CertificateFact> {
        self.certs.get(id).copied()
    }

    /// The DER of `id`, when it is known.
    fn der(&self, id: &str) -> Option<&'a [u8]> {
        self.get(id).map(|c| c.der.0.as_slice()).filter(|d| !d.is_empty())
    }

    /// `(id, DER)` of every CA in `ids`, or `None` when one of them has no DER.
    fn bundle(&self, ids: &'a [String]) -> Option<Vec<(&'a str, &'a [u8])>> {
        ids.iter().map(|id| self.der(id).map(|d| (id.as_str(), d))).collect()
    }
}

/// Which certificate occurrence a verdict belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Verdict {
    Node,
    Kubeconfig,
    Current,
}

/// Computes every signature verdict (see the module docs).
fn check_signatures(doc: &mut FactsDocument) {
    let facts = &mut doc.facts;
    // Verdicts are computed against an immutable view, then written to the occurrences.
    let mut verdicts: Vec<(usize, Verdict, CaVerification)> = Vec::new();
    let mut user_checks: Vec<(usize, usize, Vec<UserCaCheck>, Option<CaVerification>)> = Vec::new();
    let mut endpoint_checks: Vec<(usize, Vec<EndpointCaCheck>)> = Vec::new();
    {
        let certs = &facts.certificates;
        let by_id = ById::new(certs);
        let mut current: HashMap<String, Option<CurrentCa>> = HashMap::new();
        let mut kubeconfig_cluster_hosts: HashMap<(&str, &str), String> = HashMap::new();
        for kc in &facts.kubeconfigs {
            for cluster in &kc.clusters {
                let Some(host) = cluster.server.as_deref().and_then(server_host) else {
                    continue;
                };
                let slot = current.entry(host.clone()).or_default();
                for ca in cluster.ca_certificate_ids.iter().filter_map(|id| by_id.get(id)) {
                    CurrentCa::offer(slot, ca, format!("kubeconfig {} cluster {}", kc.path, cluster.name));
                }
                kubeconfig_cluster_hosts.insert((kc.path.as_str(), cluster.name.as_str()), host);
            }
        }
        let mut root_hosts: HashMap<&str, String> = HashMap::new();
        let mut root_cas: HashMap<&str, &CertificateFact> = HashMap::new();
        // The CA occurrence found on each node (its `node_path` names it in verdicts).
        let mut node_ca_occurrences: HashMap<(&str, &str), &CertificateFact> = HashMap::new();
        for cert in certs.iter().filter(|c| c.role == CertificateRole::ClusterCa) {
            if let Some(root) = cert.origin.node_root.as_deref() {
                node_ca_occurrences.entry((root, cert.id.as_str())).or_insert(cert);
            }
        }
        for root in &facts.node_roots {
            let ca = root.ca_certificate_id.as_deref().and_then(|id| {
                node_ca_occurrences
                    .get(&(root.path.as_str(), id))
                    .copied()
                    .or_else(|| by_id.get(id))
            });
            if let Some(ca) = ca {
                root_cas.insert(root.path.as_str(), ca);
            }
            if let Some(host) = root.api_server.as_deref().and_then(server_host) {
                if let Some(ca) = ca {
                    CurrentCa::offer(
                        current.entry(host.clone()).or_default(),
                        ca,
                        format!("node-root {} ca.crt", root.path),
                    );
                }
                root_hosts.insert(root.path.as_str(), host);
            }
        }
        let check_current = |host: Option<&String>, cert: &CertificateFact| -> Option<CaVerification> {
            let ca = current.get(host?)?.as_ref()?;
            let child = Some(cert.der.0.as_slice()).filter(|d| !d.is_empty())?;
            let ca_der = by_id.der(&ca.id)?;
            Some(check_against_bundle(child, &[(ca.id.as_str(), ca_der)], &ca.source))
        };

        // Kubeconfig users: per context, and against the current CA.
        // (kubeconfig, user) → (check against the file's CA, check against the current CA).
        type ClientChecks = (Option<CaVerification>, Option<CaVerification>);
        let mut client_checks: HashMap<(&str, &str), ClientChecks> = HashMap::new();
        for (k, kc) in facts.kubeconfigs.iter().enumerate() {
            for (u, user) in kc.users.iter().enumerate() {
                let Some(client) = user.client_certificate_id.as_deref().and_then(|id| by_id.get(id)) else {
                    continue;
                };
                let Some(child) = by_id.der(&client.id) else { continue };
                let checks = per_context_checks(kc, &user.name, child, &by_id);
                let local = checks
                    .as_ref()
                    .and_then(|c| {
                        c.iter()
                            .find(|c| Some(&c.context) == kc.current_context.as_ref())
                            .or(c.first())
                    })
                    .map(|c| c.verification.clone());
                let context = kc
                    .contexts
                    .iter()
                    .filter(|c| c.user.as_deref() == Some(&user.name))
                    .find(|c| Some(&c.name) == kc.current_context.as_ref())
                    .or_else(|| kc.contexts.iter().find(|c| c.user.as_deref() == Some(&user.name)));
                let host = context
                    .and_then(|c| c.cluster.as_deref())
                    .and_then(|cl| kubeconfig_cluster_hosts.get(&(kc.path.as_str(), cl)));
                let current_check = check_current(host, client);
                client_checks.insert((kc.path.as_str(), user.name.as_str()), (local, current_check.clone()));
                if let Some(checks) = checks {
                    user_checks.push((k, u, checks, current_check));
                }
            }
        }

        for (i, cert) in certs.iter().enumerate() {
            let o = &cert.origin;
            if let (Some(user), CertificateRole::KubeconfigClient) = (&o.kubeconfig_user, cert.role) {
                let kubeconfig = o.kubeconfig.as_deref().unwrap_or(&o.path);
                if let Some((local, current)) = client_checks.get(&(kubeconfig, user.as_str())) {
                    if let Some(v) = local {
                        verdicts.push((i, Verdict::Kubeconfig, v.clone()));
                    }
                    if let Some(v) = current {
                        verdicts.push((i, Verdict::Current, v.clone()));
                    }
                }
            } else if let (Some(root), false, false) = (o.node_root.as_deref(), cert.is_ca, cert.self_signed) {
                let child = Some(cert.der.0.as_slice()).filter(|d| !d.is_empty());
                if let (Some(ca), Some(child)) = (root_cas.get(root), child) {
                    if let Some(ca_der) = by_id.der(&ca.id) {
                        let source = format!("node-root {} {}", root, ca.origin.node_path.as_deref().unwrap_or(""));
                        verdicts.push((
                            i,
                            Verdict::Node,
                            check_against_bundle(child, &[(ca.id.as_str(), ca_der)], &source),
                        ));
                    }
                }
                if let Some(v) = check_current(root_hosts.get(root), cert) {
                    verdicts.push((i, Verdict::Current, v));
                }
            }
        }

        // Every kubeconfig CA for the server an endpoint is: does it verify the presented chain?
        let mut kubeconfig_cas: HashMap<(String, u16), Vec<(&KubeconfigFact, usize)>> = HashMap::new();
        for kc in &facts.kubeconfigs {
            for (c, cluster) in kc.clusters.iter().enumerate() {
                if let Some(target) = cluster.server.as_deref().and_then(|s| Target::parse(s).ok()) {
                    kubeconfig_cas
                        .entry((target.host, target.port))
                        .or_default()
                        .push((kc, c));
                }
            }
        }
        for (e, endpoint) in facts.endpoints.iter().enumerate() {
            let chain: Option<Vec<&[u8]>> = endpoint.chain.iter().map(|id| by_id.der(id)).collect();
            let Some(chain) = chain else { continue };
            let mut checks = Vec::new();
            for (kc, c) in kubeconfig_cas
                .get(&(endpoint.host.clone(), endpoint.port))
                .into_iter()
                .flatten()
            {
                let cluster = &kc.clusters[*c];
                let Some(bundle) = by_id.bundle(&cluster.ca_certificate_ids) else {
                    continue;
                };
                let source = format!("kubeconfig {} cluster {}", kc.path, cluster.name);
                checks.push(EndpointCaCheck {
                    kubeconfig: kc.path.clone(),
                    cluster: cluster.name.clone(),
                    line: cluster.line,
                    verification: check_chain_against_bundle(&chain, &bundle, &source),
                });
            }
            endpoint_checks.push((e, checks));
        }
    }
    for (i, which, verdict) in verdicts {
        let cert = &mut facts.certificates[i];
        match which {
            Verdict::Node => cert.node_ca_verification = Some(Box::new(verdict)),
            Verdict::Kubeconfig => cert.kubeconfig_ca_verification = Some(Box::new(verdict)),
            Verdict::Current => cert.current_ca_verification = Some(Box::new(verdict)),
        }
    }
    for cert in &mut facts.certificates {
        cert.ca_verification = cert
            .current_ca_verification
            .clone()
            .or_else(|| cert.node_ca_verification.clone())
            .or_else(|| cert.kubeconfig_ca_verification.clone());
    }
    for (k, u, checks, current) in user_checks {
        let user = &mut facts.kubeconfigs[k].users[u];
        user.ca_checks = checks;
        if current.is_some() {
            user.current_ca_check = current;
        }
    }
    for (e, checks) in endpoint_checks {
        facts.endpoints[e].ca_checks = checks;
    }
}

/// The client certificate `child` of `user` checked against the CA of every cluster a context
/// pairs it with; `None` when a CA's DER is unknown (a document merged without DER).
fn per_context_checks(kc: &KubeconfigFact, user: &str, child: &[u8], by_id: &ById<'_>) -> Option<Vec<UserCaCheck>> {
    let mut checks = Vec::new();
    for context in kc.contexts.iter().filter(|c| c.user.as_deref() == Some(user)) {
        let Some(cluster_name) = &context.cluster else { continue };
        let ids: &[String] = kc
            .clusters
            .iter()
            .find(|c| &c.name == cluster_name)
            .map(|c| c.ca_certificate_ids.as_slice())
            .unwrap_or(&[]);
        let bundle = by_id.bundle(ids)?;
        checks.push(UserCaCheck {
            context: context.name.clone(),
            cluster: cluster_name.clone(),
            verification: check_against_bundle(
                child,
                &bundle,
                &format!("kubeconfig {} cluster {cluster_name}", kc.path),
            ),
        });
    }
    Some(checks)
}

/// How messages name a certificate occurrence.
pub fn display_name(cert: &CertificateFact) -> String {
    let o = &cert.origin;
    let subject = if cert.subject.is_empty() {
        "with an empty subject"
    } else {
        cert.subject.as_str()
    };
    match (&o.kubeconfig_user, &o.kubeconfig_cluster, &o.node_root, &o.endpoint) {
        (Some(user), _, _, _) if cert.role == CertificateRole::KubeconfigClient => {
            format!("client certificate of {user}")
        }
        (_, Some(cluster), _, _) => format!("cluster CA of kubeconfig cluster {cluster}"),
        (_, _, Some(root), _) => format!(
            "{} {} on node {root}",
            role_words(cert.role),
            o.node_path.as_deref().unwrap_or("null")
        ),
        (_, _, _, Some(endpoint)) => format!("certificate {} presented by {endpoint} ({subject})", o.index),
        _ => format!("certificate {subject} in {}", o.path),
    }
}

fn role_words(role: CertificateRole) -> &'static str {
    match role {
        CertificateRole::ClusterCa => "cluster CA",
        CertificateRole::Apiserver => "API server certificate",
        CertificateRole::KubeconfigClient => "client certificate",
        CertificateRole::KubeletClient => "kubelet client certificate",
        CertificateRole::KubeletServer => "kubelet serving certificate",
        CertificateRole::ChainIntermediate => "chain certificate",
        CertificateRole::Unknown => "certificate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_hosts() {
        assert_eq!(
            server_host("https://prod-dns-1.hcp.eastus.azmk8s.io:443").as_deref(),
            Some("prod-dns-1.hcp.eastus.azmk8s.io")
        );
        assert_eq!(server_host("https://[::1]:6443/x").as_deref(), Some("::1"));
        assert_eq!(server_host("Example.com").as_deref(), Some("example.com"));
        assert_eq!(server_host("https://"), None);
    }
}
