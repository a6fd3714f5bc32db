//! Relations between facts from different sources, computed once after collection so that
//! policies look things up instead of joining:
//!
//! - every kubeconfig user, kubeconfig cluster, node, node root, endpoint and certificate gets
//!   the `cluster_key` (`rg/name`) of its managed cluster when it can be known: from AKS user
//!   naming, from the API server host matching a cluster's FQDN or private FQDN, or from the
//!   node resource group;
//! - the **current CA** of each API server is the CA with the latest `not_before` among every
//!   CA seen for that server (kubeconfig clusters, node `ca.crt`): `az aks rotate-certs` makes a
//!   new CA with the same name `CN=ca`, so a newer one means the older was rotated away;
//! - kubeconfig client certificates and node certificates are checked against that current CA.
//!   A kubeconfig or a node pool left on the old CA is consistent with itself, so only this
//!   cross-source check can see it.

use std::collections::HashMap;

use super::certificate::{check_against_bundle, check_chain_against_bundle, der_index};
use super::collected::Collected;
use super::model::{CaVerification, CertificateFact, EndpointCaCheck};
use crate::probe::target::Target;

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

/// A kubeconfig cluster entry's CA, for checking endpoint chains.
struct KubeconfigCa {
    kubeconfig: String,
    cluster: String,
    line: Option<u32>,
    ca_ids: Vec<String>,
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

/// Links everything in `all` (the merged collection).
pub fn link(all: &mut Collected) {
    let ders = der_index(&all.certificates);
    let mut by_host: HashMap<String, String> = HashMap::new();
    let mut by_node_rg: HashMap<String, String> = HashMap::new();
    for c in &all.clusters {
        for host in [&c.fqdn, &c.private_fqdn].into_iter().flatten() {
            by_host.insert(host.to_ascii_lowercase(), c.key.clone());
        }
        if let Some(rg) = &c.node_resource_group {
            by_node_rg.insert(rg.to_ascii_lowercase(), c.key.clone());
        }
    }
    let cert_index: HashMap<String, usize> = all
        .certificates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut current: HashMap<String, Option<CurrentCa>> = HashMap::new();

    // Kubeconfig clusters: key by server host, else by the AKS user a context pairs them with.
    let mut user_keys: HashMap<(String, String), String> = HashMap::new();
    let mut cluster_keys: HashMap<(String, String), String> = HashMap::new();
    let mut cluster_hosts: HashMap<(String, String), String> = HashMap::new();
    for kc in &mut all.kubeconfigs {
        for user in &kc.users {
            if let Some(key) = &user.cluster_key {
                user_keys.insert((kc.path.clone(), user.name.clone()), key.clone());
            }
        }
        for cluster in &mut kc.clusters {
            let host = cluster.server.as_deref().and_then(server_host);
            let from_context = kc
                .contexts
                .iter()
                .filter(|ctx| ctx.cluster.as_deref() == Some(&cluster.name))
                .find_map(|ctx| {
                    ctx.user
                        .as_ref()
                        .and_then(|u| user_keys.get(&(kc.path.clone(), u.clone())))
                        .cloned()
                });
            cluster.cluster_key = host.as_ref().and_then(|h| by_host.get(h).cloned()).or(from_context);
            let id = (kc.path.clone(), cluster.name.clone());
            if let Some(key) = &cluster.cluster_key {
                cluster_keys.insert(id.clone(), key.clone());
                if let Some(h) = &host {
                    by_host.entry(h.clone()).or_insert_with(|| key.clone());
                }
            }
            if let Some(h) = host {
                let slot = current.entry(h.clone()).or_default();
                for ca in cluster
                    .ca_certificate_ids
                    .iter()
                    .filter_map(|id| cert_index.get(id))
                    .map(|i| &all.certificates[*i])
                {
                    CurrentCa::offer(slot, ca, format!("kubeconfig {} cluster {}", kc.path, cluster.name));
                }
                cluster_hosts.insert(id, h);
            }
        }
    }
    for node in &mut all.nodes {
        node.cluster_key = node
            .node_resource_group
            .as_ref()
            .and_then(|rg| by_node_rg.get(&rg.to_ascii_lowercase()).cloned());
    }
    let mut root_keys: HashMap<String, String> = HashMap::new();
    let mut root_hosts: HashMap<String, String> = HashMap::new();
    for root in &mut all.node_roots {
        let host = root.api_server.as_deref().and_then(server_host);
        root.cluster_key = host.as_ref().and_then(|h| by_host.get(h).cloned());
        if let Some(key) = &root.cluster_key {
            root_keys.insert(root.path.clone(), key.clone());
        }
        if let Some(h) = host {
            if let Some(ca) = root.ca_certificate_id.as_ref().and_then(|id| cert_index.get(id)) {
                CurrentCa::offer(
                    current.entry(h.clone()).or_default(),
                    &all.certificates[*ca],
                    format!("node-root {} ca.crt", root.path),
                );
            }
            root_hosts.insert(root.path.clone(), h);
        }
    }
    // Every kubeconfig CA for the server an endpoint is: does it verify the presented chain?
    let mut kubeconfig_cas: HashMap<(String, u16), Vec<KubeconfigCa>> = HashMap::new();
    for kc in &all.kubeconfigs {
        for cluster in &kc.clusters {
            if let Some(target) = cluster.server.as_deref().and_then(|s| Target::parse(s).ok()) {
                kubeconfig_cas
                    .entry((target.host, target.port))
                    .or_default()
                    .push(KubeconfigCa {
                        kubeconfig: kc.path.clone(),
                        cluster: cluster.name.clone(),
                        line: cluster.line,
                        ca_ids: cluster.ca_certificate_ids.clone(),
                    });
            }
        }
    }
    for endpoint in &mut all.endpoints {
        endpoint.cluster_key = by_host.get(&endpoint.host.to_ascii_lowercase()).cloned();
        let chain: Vec<Vec<u8>> = endpoint.chain.iter().filter_map(|id| ders.get(id).cloned()).collect();
        for ca in kubeconfig_cas
            .get(&(endpoint.host.clone(), endpoint.port))
            .into_iter()
            .flatten()
        {
            let source = format!("kubeconfig {} cluster {}", ca.kubeconfig, ca.cluster);
            let chain_refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
            let known: Vec<(&[u8], String)> = ca
                .ca_ids
                .iter()
                .filter_map(|id| ders.get(id).map(|d| (d.as_slice(), id.clone())))
                .collect();
            let (ders, ids): (Vec<&[u8]>, Vec<String>) = known.into_iter().unzip();
            let verification = check_chain_against_bundle(&chain_refs, &ders, &ids, source);
            endpoint.ca_checks.push(EndpointCaCheck {
                kubeconfig: ca.kubeconfig.clone(),
                cluster: ca.cluster.clone(),
                line: ca.line,
                verification,
            });
        }
    }
    let endpoint_keys: HashMap<String, String> = all
        .endpoints
        .iter()
        .filter_map(|e| e.cluster_key.clone().map(|k| (e.endpoint.clone(), k)))
        .collect();

    let check_current = |host: Option<&String>, cert_id: &str| -> Option<CaVerification> {
        let ca = current.get(host?)?.as_ref()?;
        let (child, ca_der) = (ders.get(cert_id)?, ders.get(&ca.id)?);
        Some(check_against_bundle(
            child,
            std::slice::from_ref(ca_der),
            std::slice::from_ref(&ca.id),
            ca.source.clone(),
        ))
    };

    let mut client_checks: HashMap<(String, String), CaVerification> = HashMap::new();
    for kc in &mut all.kubeconfigs {
        for user in &mut kc.users {
            let Some(cert_id) = &user.client_certificate_id else {
                continue;
            };
            let context = kc
                .contexts
                .iter()
                .filter(|c| c.user.as_deref() == Some(&user.name))
                .find(|c| Some(&c.name) == kc.current_context.as_ref())
                .or_else(|| kc.contexts.iter().find(|c| c.user.as_deref() == Some(&user.name)));
            let host = context
                .and_then(|c| c.cluster.as_ref())
                .and_then(|cl| cluster_hosts.get(&(kc.path.clone(), cl.clone())));
            user.current_ca_check = check_current(host, cert_id);
            if let Some(check) = &user.current_ca_check {
                client_checks.insert((kc.path.clone(), user.name.clone()), check.clone());
            }
        }
    }

    for cert in &mut all.certificates {
        let o = &cert.origin;
        cert.cluster_key = if let Some(user) = &o.kubeconfig_user {
            user_keys.get(&(o.path.clone(), user.clone())).cloned()
        } else if let Some(cluster) = &o.kubeconfig_cluster {
            cluster_keys.get(&(o.path.clone(), cluster.clone())).cloned()
        } else if let Some(root) = &o.node_root {
            root_keys.get(root).cloned()
        } else if let Some(endpoint) = &o.endpoint {
            endpoint_keys.get(endpoint).cloned()
        } else {
            cert.cluster_key.clone()
        };
        if let Some(user) = &o.kubeconfig_user {
            if let Some(check) = client_checks.get(&(o.path.clone(), user.clone())) {
                cert.ca_verification = Some(check.clone());
            }
        } else if let (Some(root), false, false) = (&o.node_root, cert.is_ca, cert.self_signed) {
            if let Some(check) = check_current(root_hosts.get(root), &cert.id) {
                cert.ca_verification = Some(check);
            }
        }
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
