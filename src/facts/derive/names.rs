//! Display names: how messages name each certificate occurrence. Depends on the certificate
//! alone.

use crate::facts::model::{CertificateFact, CertificateRole};

/// How messages name a certificate occurrence.
pub fn display_name(cert: &CertificateFact) -> String {
    let o = &cert.origin;
    let subject = if cert.subject.is_empty() {
        "with an empty subject"
    } else {
        cert.subject.as_str()
    };
    if let (Some(object), None, None) = (&o.k8s_object, &o.kubeconfig_user, &o.kubeconfig_cluster) {
        return format!("certificate {subject} in {object}");
    }
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
