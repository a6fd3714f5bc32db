# Shared helpers for the aks-certscan rules: lookups, parameters, constants, descriptions.
#
# Everything here reads the facts document (`input`), whose relations are precomputed in Rust
# (cluster_key, ca_verification, current_ca_check, display_name), so rules look things up and
# never join. Rules return small findings; Rust attaches names, clusters and standard evidence.
package aks_certscan.lib

import rego.v1

# The value of parameter `key` for the rule described by `meta`: an override from
# `data.aks_certscan.params[<rule id>]` (set by --param / --data), else the rule's default.
param(meta, key) := value if {
	value := data.aks_certscan.params[meta.id][key]
} else := meta.params[key]

# 2022-03-01T00:00:00Z as Unix seconds: AKS auto-rotates non-CA certificates of RBAC clusters
# created or upgraded after this instant. Every comparison uses this one constant.
auto_rotation_start_unix := 1646092800

# The same instant as messages print it (a Rust test checks that the two agree).
auto_rotation_start_date := "2022-03-01"

# The caution every remediation that runs `az aks rotate-certs` carries.
rotate_certs_caution := concat(" ", [
	"`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and makes every existing",
	"kubeconfig fail with `x509: certificate signed by unknown authority` until it is fetched again",
	"(`az aks get-credentials --overwrite-existing`).",
])

# The remediation that fetches a cluster's credentials again.
get_credentials := "`az aks get-credentials -g {resource_group} -n {cluster} --overwrite-existing`"

# The same for the cluster-admin credentials.
get_admin_credentials := "`az aks get-credentials -g {resource_group} -n {cluster} --admin --overwrite-existing`"

# Managed clusters by key (`rg/name`, lowercase).
clusters := {c.key: c | some c in input.clusters}

# The cluster a key refers to, with its original spelling, or one rebuilt from the key.
cluster_ref(key) := {"resource_group": c.resource_group, "name": c.name} if {
	c := clusters[key]
} else := {"resource_group": parts[0], "name": parts[1]} if {
	parts := split(key, "/")
	count(parts) == 2
}

# A cluster reference for any fact with an optional `cluster_key`.
cluster_of(fact) := cluster_ref(fact.cluster_key) if {
	fact.cluster_key != null
} else := null

# Evidence that the cluster was created or upgraded after March 2022: its creation time, a node
# image built after that date, or a Kubernetes minor version first released on AKS after it
# (1.23 and later).
created_or_upgraded_after_march_2022(c) if c.created_at_unix >= auto_rotation_start_unix

created_or_upgraded_after_march_2022(c) if {
	some pool in c.agent_pools
	pool.node_image_date_unix >= auto_rotation_start_unix
}

created_or_upgraded_after_march_2022(c) if c.kubernetes_minor >= 23

# A cluster whose non-CA certificates AKS should be rotating by itself: RBAC on (not merely
# unknown) and created or upgraded after March 2022 as far as the facts show.
should_auto_rotate(c) if {
	c.enable_rbac == true
	created_or_upgraded_after_march_2022(c)
}

# Node roots by path (an index, so that per-certificate lookups stay linear).
node_roots_by_path := {root.path: root | some root in input.node_roots}

# The node root a certificate came from, if any.
node_root_of(cert) := node_roots_by_path[cert.origin.node_root]

# A node's identity: its kubelet client certificate's subject (`system:node:<name>`) when one was
# read, which is stable across machines and mount points; else its path.
node_identity(root) := root.kubelet_client_subject if is_string(root.kubelet_client_subject)

else := root.path

# The resource of a node finding.
node_resource(root) := {
	"kind": "node-root",
	"id": node_identity(root),
	"name": sprintf("node %s", [root.path]),
	"cluster": cluster_of(root),
}

# Where a node finding points: the kubelet kubeconfig when one was read, else the node root.
node_location(root) := {"path": root.kubelet_kubeconfig, "line": null} if is_string(root.kubelet_kubeconfig)

else := {"path": root.path, "line": null}

# Where a kubelet setting came from, as a finding location.
setting_location(setting) := {"path": setting.file, "line": setting.line}

# A resource a rule examined, for the compliance report (`examined` sets): kind, id and cluster.
examined_node(root) := {"kind": "node-root", "id": node_identity(root), "cluster": cluster_of(root)}

examined_cert(cert) := {"kind": "certificate", "id": cert.id, "cluster": cluster_of(cert)}

examined_cluster(c) := {"kind": "cluster", "id": cluster_id(c), "cluster": cluster_ref(c.key)}

# Roles of certificates that auto-rotation renews.
auto_rotated_roles := {"apiserver", "kubelet-client", "kubelet-server"}

# A certificate AKS should be rotating: a non-CA certificate of an auto-rotated role, of a
# cluster that should auto-rotate, and (for node certificates) on a node that shows TLS
# bootstrapping.
should_be_auto_rotated(cert) if {
	not cert.is_ca
	auto_rotated_roles[cert.role]
	should_auto_rotate(clusters[cert.cluster_key])
	not on_unbootstrapped_node(cert)
}

on_unbootstrapped_node(cert) if node_root_of(cert).tls_bootstrap.bootstrapped == false

# The smallest resource of a certificate finding: Rust adds its name (the certificate's
# `display_name`), its cluster and the standard certificate evidence.
cert_ref(cert) := {"kind": "certificate", "id": cert.id}

# Where a certificate finding points.
cert_location(cert) := {"path": cert.origin.path, "line": cert.origin.line}

# The smallest resource of a cluster finding: Rust adds its name and cluster reference.
cluster_ref_of(c) := {"kind": "cluster", "id": cluster_id(c)}

# The date part of an RFC 3339 time.
date(rfc3339) := substring(rfc3339, 0, 10)

# Whole days for messages: floor for the future, ceiling for the past (so "-0.4 days" is 0).
whole_days(seconds) := floor(seconds / 86400) if seconds >= 0

else := 0 - floor((0 - seconds) / 86400)

percent(fraction) := round(fraction * 1000) / 10 if fraction != null

else := null

cluster_id(c) := c.id if c.id != null

else := c.key

# The provisioning state in lower case, "" when unknown.
provisioning_state(c) := lower(c.provisioning_state) if is_string(c.provisioning_state)

else := ""

# The cluster is in a state that rotates or reconciles certificates
# (`RotatingClusterCertificates`, ...).
rotating_certificates(c) if contains(provisioning_state(c), "certificate")

# The remediation of a finding about a certificate a service keeps in a Kubernetes object (a TLS
# secret, a webhook's caBundle): not AKS's to rotate. Rules name it as `object_remediation` in their
# metadata; Rust uses it, with `{object}` filled, for such certificates (role `unknown` or
# `chain-intermediate` and an `origin.k8s_object`), without the rule's caution. Copies of the
# cluster's own certificates (the CA in `kube-root-ca.crt`) keep the rule's own remediation.
in_cluster_remediation := concat(" ", [
	"Reissue the certificate kept in {object} and update the object. With cert-manager, renew its",
	"Certificate (`cmctl renew`); for a webhook, APIService or CRD `caBundle`, renew the CA of the",
	"service behind it and let its injector (cert-manager's cainjector, the operator that owns it)",
	"update the bundle. `az aks rotate-certs` does not touch it.",
])

# --- The full finding shape, kept for rules written against it (docs/policies.md) ---

role_words := {
	"cluster-ca": "cluster CA",
	"apiserver": "API server certificate",
	"kubeconfig-client": "client certificate",
	"kubelet-client": "kubelet client certificate",
	"kubelet-server": "kubelet serving certificate",
	"chain-intermediate": "chain certificate",
	"unknown": "certificate",
}

# How a message names a certificate: its precomputed `display_name`, or the same words built from
# its origin (for certificates made by hand in tests).
describe(cert) := cert.display_name if {
	is_string(cert.display_name)
	cert.display_name != ""
} else := sprintf("client certificate of %s", [cert.origin.kubeconfig_user]) if {
	cert.origin.kubeconfig_user != null
	cert.role == "kubeconfig-client"
} else := sprintf("cluster CA of kubeconfig cluster %s", [cert.origin.kubeconfig_cluster]) if {
	cert.origin.kubeconfig_cluster != null
} else := sprintf("%s %s on node %s", [role_words[cert.role], cert.origin.node_path, cert.origin.node_root]) if {
	cert.origin.node_root != null
} else := sprintf("certificate %d presented by %s (%s)", [
	cert.origin.index,
	cert.origin.endpoint,
	subject_name(cert),
]) if {
	cert.origin.endpoint != null
} else := sprintf("certificate %s in %s", [subject_name(cert), cert.origin.k8s_object]) if {
	is_string(cert.origin.k8s_object)
} else := sprintf("certificate %s in %s", [subject_name(cert), cert.origin.path])

subject_name(cert) := cert.subject if cert.subject != ""

else := "with an empty subject"

# The full resource of a certificate finding (Rust fills these in for `cert_ref`).
cert_resource(cert) := {
	"kind": "certificate",
	"id": cert.id,
	"name": describe(cert),
	"cluster": cluster_of(cert),
}

# The standard evidence of a certificate finding (Rust adds it for every certificate finding).
cert_evidence(cert) := {
	"subject": cert.subject,
	"issuer": cert.issuer,
	"serial": cert.serial,
	"not_before": cert.not_before,
	"not_after": cert.not_after,
	"remaining_days": cert.remaining_days,
	"lifetime_days": cert.lifetime_days,
	"lifetime_used_percent": percent(cert.lifetime_used),
	"sha256": cert.id,
}

# The full resource of a cluster finding.
cluster_resource(c) := {
	"kind": "cluster",
	"id": cluster_id(c),
	"name": sprintf("cluster %s/%s", [c.resource_group, c.name]),
	"cluster": {"resource_group": c.resource_group, "name": c.name},
}
