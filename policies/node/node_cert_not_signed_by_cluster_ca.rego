# NODE003: a node's kubelet certificate is not signed by the cluster's current CA.
package aks_certscan.rules.node_cert_not_signed_by_cluster_ca

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "NODE003",
	"name": "node-cert-not-signed-by-cluster-ca",
	"title": "Node certificate is not signed by the cluster CA",
	"severity": "error",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The kubelet certificate on this node does not verify against the cluster's CA. This happens",
			"when a node pool was stopped while `az aks rotate-certs` ran: its nodes kept the old CA and",
			"old certificates, and they cannot talk to the rotated control plane until the pool is",
			"recreated.",
		]),
		concat(" ", [
			"The signature is checked in Rust (x509-parser), not by name: every AKS CA is named `CN=ca`.",
			"The verdict read is `ca_verification`: against the cluster's current CA (the newest CA seen",
			"for the same API server: a fresh kubeconfig, a recreated node), else against the node's own",
			"`ca.crt`. Results that are unknown (unsupported algorithm, a CA key too weak to verify with,",
			"no CA) are not findings.",
		]),
	]),
	"remediation": concat(" ", [
		"Recreate the node pool's nodes so that they bootstrap against the current CA:",
		"`az aks nodepool upgrade -g {resource_group} --cluster-name {cluster} -n <pool> --node-image-only`,",
		"or delete and re-add the pool. If the whole cluster is affected, run",
		"`az aks rotate-certs -g {resource_group} -n {cluster}` again.",
	]),
	"warning": concat(" ", ["Recreating nodes drains and reschedules their workloads.", lib.rotate_certs_caution]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#node003",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "certificates", "nodes", "rotation"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-17", "IA-5(2)"],
	},
	"precision": "very-high",
	"params": {},
}

kubelet_roles := {"kubelet-client", "kubelet-server"}

message := concat(" ", [
	"%s is not signed by the cluster's current CA (checked against %s):",
	"the node still uses pre-rotation certificates",
])

findings contains finding if {
	some cert in input.certificates
	cert.ca_verification.result == "not-signed-by-ca"
	cert.origin.node_root != null
	kubelet_roles[cert.role]
	finding := {
		"message": sprintf(message, [cert.display_name, cert.ca_verification.ca_source]),
		"resource": {"kind": "certificate", "id": cert.id},
		"location": {"path": cert.origin.path, "line": cert.origin.line},
		"evidence": {"checked_against_ca": cert.ca_verification.ca_id},
	}
}

# Kubelet certificates on nodes checked against a CA are examined; those with no CA to check them
# against are unknown.
examined contains lib.examined_cert(cert) if {
	some cert in input.certificates
	cert.origin.node_root != null
	kubelet_roles[cert.role]
	checked(cert)
}

unknown contains object.union(lib.examined_cert(cert), {"reason": "no cluster CA to check it against"}) if {
	some cert in input.certificates
	cert.origin.node_root != null
	kubelet_roles[cert.role]
	not checked(cert)
}

# A helper, not `not is_string(cert.ca_verification.result)` inline: with `ca_verification` null,
# OPA and regorus disagree on a built-in called with a reference through null under `not`.
checked(cert) if is_string(cert.ca_verification.result)
