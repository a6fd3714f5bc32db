//! Relations: the `cluster_key` (`rg/name`) of every fact that belongs to a `--cluster` document
//! (from AKS user naming, from the API server host matching a cluster's FQDN or private FQDN, or
//! from the node resource group), and whether a node's kubelet serving certificate was signed by
//! its CA.

use std::collections::HashMap;

use crate::facts::model::{CertificateRole, FactsDocument, VerificationResult};

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
pub(super) fn link_clusters(doc: &mut FactsDocument) {
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
                    crate::facts::model::cluster_key(&aks.resource_group, &aks.cluster_name),
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
    // Kubernetes objects sources: the cluster they were read from, given (a live read) or found by
    // a CA they publish (`kube-root-ca.crt`) that a kubeconfig or a node of a known cluster has.
    let mut ca_keys: HashMap<&str, &str> = HashMap::new();
    for kc in &facts.kubeconfigs {
        for cluster in &kc.clusters {
            if let Some(key) = &cluster.cluster_key {
                for id in &cluster.ca_certificate_ids {
                    ca_keys.entry(id.as_str()).or_insert(key.as_str());
                }
            }
        }
    }
    for root in &facts.node_roots {
        if let (Some(id), Some(key)) = (&root.ca_certificate_id, &root.cluster_key) {
            ca_keys.entry(id.as_str()).or_insert(key.as_str());
        }
    }
    let found: Vec<Option<String>> = facts
        .k8s_sources
        .iter()
        .map(|s| {
            s.cluster_key.clone().or_else(|| {
                s.published_ca_ids
                    .iter()
                    .find_map(|id| ca_keys.get(id.as_str()).map(|k| k.to_string()))
            })
        })
        .collect();
    drop(ca_keys);
    let mut source_keys: HashMap<String, String> = HashMap::new();
    for (source, key) in facts.k8s_sources.iter_mut().zip(found) {
        source.cluster_key = key;
        if let Some(key) = &source.cluster_key {
            source_keys.insert(source.path.clone(), key.clone());
        }
    }
    for pin in &mut facts.ca_pins {
        let own = source_keys.get(&pin.source).cloned();
        pin.cluster_key = if pin.in_cluster {
            own.clone()
        } else {
            pin.server
                .as_deref()
                .and_then(server_host)
                .and_then(|h| by_host.get(&h).cloned())
        };
        pin.targets_own_cluster = pin.in_cluster || (own.is_some() && pin.cluster_key == own);
    }
    for csr in &mut facts.csrs {
        csr.cluster_key = source_keys.get(&csr.source).cloned();
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
        } else if o.kind == Some(crate::facts::model::SourceKind::K8sObjects) {
            source_keys.get(&o.path)
        } else {
            None
        };
        if let Some(key) = key {
            cert.cluster_key = Some(key.clone());
        }
    }
}

/// Marks each node root whose kubelet serving certificate the node's CA signed. A relation
/// between a node and its certificates, computed here so that rules about nodes need not read the
/// certificate list (which would make them see every certificate of the estate at once).
pub(super) fn mark_cluster_signed_serving(doc: &mut FactsDocument) {
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
    // Without the node's files, its label says the same: `kubernetes.azure.com/kubelet-serving-ca:
    // cluster` (AKS node pools from Kubernetes 1.27 on).
    let labelled: std::collections::HashSet<&str> = doc
        .facts
        .nodes
        .iter()
        .filter(|n| n.kubelet_serving_ca.as_deref() == Some("cluster"))
        .map(|n| n.name.as_str())
        .collect();
    let node_name = |root: &crate::facts::model::NodeRootFact| -> Option<String> {
        let subject = root.kubelet_client_subject.as_deref()?;
        let name = subject.split("CN=system:node:").nth(1)?;
        Some(name.split(',').next().unwrap_or(name).to_string())
    };
    let marked: Vec<bool> = doc
        .facts
        .node_roots
        .iter()
        .map(|root| {
            signed.contains(root.path.as_str()) || node_name(root).is_some_and(|name| labelled.contains(name.as_str()))
        })
        .collect();
    for (root, mark) in doc.facts.node_roots.iter_mut().zip(marked) {
        root.serving_certificate_cluster_signed = mark;
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
