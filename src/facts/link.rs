//! Relations between facts from different sources, computed once after collection so that
//! policies look things up instead of joining:
//!
//! - every kubeconfig user, kubeconfig cluster, node, node root, endpoint and certificate gets
//!   the `cluster_key` (`rg/name`) of its managed cluster when it can be known: from AKS user
//!   naming, from the API server host matching a cluster's FQDN or private FQDN, or from the
//!   node resource group;
//! - node certificates are checked against the CA of a kubeconfig for the same API server,
//!   which is the cluster's current CA (a node left on the old CA after a rotation still trusts
//!   its own old `ca.crt`, so that check alone would miss it).

use std::collections::{BTreeMap, HashMap};

use super::collected::Collected;
use super::kubeconfig::check_against_bundle;

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

/// Links everything in `all` (the merged collection).
pub fn link(all: &mut Collected) {
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
    // Kubeconfig clusters: by server host, else by the AKS user a context pairs them with.
    let mut user_keys: HashMap<(String, String), String> = HashMap::new();
    let mut cluster_keys: HashMap<(String, String), String> = HashMap::new();
    let mut ca_by_host: BTreeMap<String, (Vec<String>, String)> = BTreeMap::new();
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
                .find_map(|ctx| ctx.user.as_ref().and_then(|u| user_keys.get(&(kc.path.clone(), u.clone()))).cloned());
            cluster.cluster_key = host.as_ref().and_then(|h| by_host.get(h).cloned()).or(from_context);
            if let Some(key) = &cluster.cluster_key {
                cluster_keys.insert((kc.path.clone(), cluster.name.clone()), key.clone());
                if let Some(h) = &host {
                    by_host.entry(h.clone()).or_insert_with(|| key.clone());
                }
            }
            if let (Some(h), false) = (host, cluster.ca_certificate_ids.is_empty()) {
                let source = format!("kubeconfig {} cluster {}", kc.path, cluster.name);
                ca_by_host.entry(h).or_insert((cluster.ca_certificate_ids.clone(), source));
            }
        }
    }
    for node in &mut all.nodes {
        node.cluster_key = node.node_resource_group.as_ref().and_then(|rg| by_node_rg.get(&rg.to_ascii_lowercase()).cloned());
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
            root_hosts.insert(root.path.clone(), h);
        }
    }
    for endpoint in &mut all.endpoints {
        endpoint.cluster_key = by_host.get(&endpoint.host.to_ascii_lowercase()).cloned();
    }
    let endpoint_keys: HashMap<String, String> = all
        .endpoints
        .iter()
        .filter_map(|e| e.cluster_key.clone().map(|k| (e.endpoint.clone(), k)))
        .collect();
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
        // Node certificates: the cluster's current CA, from a kubeconfig for the same server.
        let current_ca = o
            .node_root
            .as_ref()
            .and_then(|root| root_hosts.get(root))
            .and_then(|h| ca_by_host.get(h));
        if let (Some((ca_ids, source)), false, false) = (current_ca, cert.is_ca, cert.self_signed) {
            let ders: Vec<Vec<u8>> = ca_ids.iter().filter_map(|id| all.ders.get(id).cloned()).collect();
            if let (Some(der), false) = (all.ders.get(&cert.id), ders.is_empty()) {
                cert.ca_verification = Some(check_against_bundle(der, &ders, ca_ids, source.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_hosts() {
        assert_eq!(server_host("https://prod-dns-1.hcp.eastus.azmk8s.io:443").as_deref(), Some("prod-dns-1.hcp.eastus.azmk8s.io"));
        assert_eq!(server_host("https://[::1]:6443/x").as_deref(), Some("::1"));
        assert_eq!(server_host("Example.com").as_deref(), Some("example.com"));
        assert_eq!(server_host("https://"), None);
    }
}
