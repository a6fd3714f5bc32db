//! Signature verdicts, each in its own field and never overwritten by another (see the module
//! docs of [`super`]).

use std::collections::HashMap;

use super::relations::server_host;
use crate::address::Target;
use crate::facts::model::{
    CaVerification, CertificateFact, CertificateRole, EndpointCaCheck, FactsDocument, KubeconfigFact, UserCaCheck,
};
use crate::facts::x509::{check_against_bundle, check_chain_against_bundle};

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
pub(super) fn check_signatures(doc: &mut FactsDocument) {
    let facts = &mut doc.facts;
    // Verdicts are computed against an immutable view, then written to the occurrences.
    let mut verdicts: Vec<(usize, Verdict, CaVerification)> = Vec::new();
    let mut user_checks: Vec<(usize, usize, Vec<UserCaCheck>, Option<CaVerification>)> = Vec::new();
    let mut endpoint_checks: Vec<(usize, Vec<EndpointCaCheck>)> = Vec::new();
    // Each pinned CA copy: the current CA of the cluster it is for, and where that came from.
    let mut pin_checks: Vec<(usize, Option<(String, String)>)> = Vec::new();
    {
        let certs = &facts.certificates;
        let by_id = ById::new(certs);
        // Candidates this run observed, and those only a saved document (`--facts`) claims: the
        // latter count only for a server no observed source has a CA for (see the module docs).
        let mut current: HashMap<String, Option<CurrentCa>> = HashMap::new();
        let mut claimed: HashMap<String, Option<CurrentCa>> = HashMap::new();
        let mut kubeconfig_cluster_hosts: HashMap<(&str, &str), String> = HashMap::new();
        for kc in &facts.kubeconfigs {
            for cluster in &kc.clusters {
                let Some(host) = cluster.server.as_deref().and_then(server_host) else {
                    continue;
                };
                let candidates = if kc.from_saved_document {
                    &mut claimed
                } else {
                    &mut current
                };
                let slot = candidates.entry(host.clone()).or_default();
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
                    let candidates = if root.from_saved_document {
                        &mut claimed
                    } else {
                        &mut current
                    };
                    CurrentCa::offer(
                        candidates.entry(host.clone()).or_default(),
                        ca,
                        format!("node-root {} ca.crt", root.path),
                    );
                }
                root_hosts.insert(root.path.as_str(), host);
            }
        }
        // The CA a cluster's API server publishes (`kube-root-ca.crt`) is a candidate too.
        for source in &facts.k8s_sources {
            let Some(key) = source.cluster_key.as_deref() else {
                continue;
            };
            let hosts = facts
                .clusters
                .iter()
                .filter(|c| c.key == key)
                .flat_map(|c| [&c.fqdn, &c.private_fqdn])
                .flatten()
                .map(|h| h.to_ascii_lowercase());
            let candidates = if source.from_saved_document {
                &mut claimed
            } else {
                &mut current
            };
            for host in hosts {
                let slot = candidates.entry(host).or_default();
                for ca in source.published_ca_ids.iter().filter_map(|id| by_id.get(id)) {
                    CurrentCa::offer(slot, ca, published_by(&source.path));
                }
            }
        }
        for (host, claim) in claimed {
            let slot = current.entry(host).or_default();
            if slot.is_none() {
                *slot = claim;
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

        // A pinned CA copy is judged against its cluster's current CA: the one the API server
        // publishes (`kube-root-ca.crt`, for a copy of the objects' own cluster), else the newest
        // seen for the cluster's API server.
        let mut cluster_hosts: HashMap<&str, Vec<String>> = HashMap::new();
        for c in &facts.clusters {
            for host in [&c.fqdn, &c.private_fqdn].into_iter().flatten() {
                cluster_hosts
                    .entry(c.key.as_str())
                    .or_default()
                    .push(host.to_ascii_lowercase());
            }
        }
        for (p, pin) in facts.ca_pins.iter().enumerate() {
            if !pin.targets_own_cluster && pin.cluster_key.is_none() {
                pin_checks.push((p, None));
                continue;
            }
            // The CA the objects' own API server publishes is the current one only for a copy
            // meant for that cluster; a copy for another cluster (Argo CD in a management
            // cluster) is judged by what is known of that cluster's API server.
            let mut published: Option<CurrentCa> = None;
            if pin.targets_own_cluster {
                let source = facts.k8s_sources.iter().find(|s| s.path == pin.source);
                for ca in source
                    .into_iter()
                    .flat_map(|s| &s.published_ca_ids)
                    .filter_map(|id| by_id.get(id))
                {
                    CurrentCa::offer(&mut published, ca, published_by(&pin.source));
                }
            }
            let newest = published.or_else(|| {
                let key = pin.cluster_key.as_deref()?;
                let mut best: Option<CurrentCa> = None;
                for host in cluster_hosts.get(key).into_iter().flatten() {
                    if let Some(Some(ca)) = current.get(host) {
                        if let Some(cert) = by_id.get(&ca.id) {
                            CurrentCa::offer(&mut best, cert, ca.source.clone());
                        }
                    }
                }
                best
            });
            pin_checks.push((p, newest.map(|ca| (ca.id, ca.source))));
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
    for (p, current) in pin_checks {
        let pin = &mut facts.ca_pins[p];
        pin.pins_current_ca = current.as_ref().map(|(id, _)| pin.ca_certificate_ids.contains(id));
        pin.current_ca_id = current.as_ref().map(|(id, _)| id.clone());
        pin.current_ca_source = current.map(|(_, source)| source);
    }
}

/// How a current CA published in `ConfigMap kube-root-ca.crt` of an objects source is named.
fn published_by(source: &str) -> String {
    let shown = if source == "-" { "standard input" } else { source };
    format!("ConfigMap kube-root-ca.crt in {shown}")
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
