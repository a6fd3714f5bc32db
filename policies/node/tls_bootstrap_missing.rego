# NODE001: a node without TLS bootstrapping cannot auto-rotate its kubelet certificate.
package aks_certscan.rules.tls_bootstrap_missing

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "NODE001",
	"name": "tls-bootstrap-missing",
	"title": "Node shows no TLS bootstrapping",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"AKS auto-rotates kubelet certificates only on nodes that use TLS bootstrapping. This node has no",
			"bootstrap kubeconfig, no secure TLS bootstrap files, no rotating certificate store",
			"(`/var/lib/kubelet/pki/kubelet-client-current.pem`), and its kubelet uses the static",
			"`/etc/kubernetes/certs/client.crt`, so its certificates will expire unless the node is replaced.",
		]),
		concat(" ", [
			"Secure TLS bootstrapping (AKS, 2026) gets the kubelet's client certificate before the kubelet",
			"starts and then clears the bootstrap token, so a missing `bootstrap-kubeconfig` alone does not",
			"mean \"not bootstrapped\": the rotating `kubelet-client-current.pem` counts as evidence.",
		]),
		concat(" ", [
			"Fires on a node root whose kubelet kubeconfig was read and shows no bootstrapping evidence",
			"(`tls_bootstrap.bootstrapped == false`). A node root where the kubelet kubeconfig could not be",
			"read is unknown and stays silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Upgrade the cluster or reimage the pool so that nodes are recreated with TLS bootstrapping:",
		"`az aks upgrade -g {resource_group} -n {cluster} --node-image-only` (or",
		"`az aks nodepool upgrade -g {resource_group} --cluster-name {cluster} -n <pool> --node-image-only`).",
	]),
	"warning": "Upgrading recreates nodes one by one; workloads are drained and rescheduled.",
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#node001",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation#certificate-auto-rotation"],
	"tags": ["security", "aks", "rotation", "nodes"],
	"controls": {
		"cis-aks": ["3.2.8"],
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "IA-5(2)"],
	},
	"precision": "high",
	"params": {},
}

message := concat(" ", [
	"node %s has no TLS bootstrapping: no bootstrap kubeconfig, no secure bootstrap, kubelet uses %v;",
	"its kubelet certificate cannot auto-rotate",
])

findings contains finding if {
	some root in input.node_roots
	root.tls_bootstrap.bootstrapped == false
	finding := {
		"message": sprintf(message, [
			root.path,
			root.tls_bootstrap.kubelet_client_certificate,
		]),
		"resource": {
			"kind": "node-root",
			"id": node_identity(root),
			"name": sprintf("node %s", [root.path]),
			"cluster": lib.cluster_of(root),
		},
		"location": {"path": kubelet_kubeconfig(root), "line": null},
		"evidence": root.tls_bootstrap,
	}
}

# A node's identity: its kubelet client certificate's subject (`system:node:<name>`) when one was
# read, which is stable across machines and mount points; else its path.
node_identity(root) := root.kubelet_client_subject if is_string(root.kubelet_client_subject)

else := root.path

kubelet_kubeconfig(root) := root.kubelet_kubeconfig if is_string(root.kubelet_kubeconfig)

else := root.path

# Nodes whose bootstrapping could be told are examined; the others are unknown.
examined contains lib.examined_node(root) if {
	some root in input.node_roots
	is_boolean(root.tls_bootstrap.bootstrapped)
}

unknown contains object.union(lib.examined_node(root), {"reason": "the kubelet kubeconfig could not be read"}) if {
	some root in input.node_roots
	not is_boolean(root.tls_bootstrap.bootstrapped)
}
