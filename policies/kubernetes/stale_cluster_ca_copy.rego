# K8S001: an object in the cluster pins a copy of the cluster CA that is no longer the current one.
package aks_certscan.rules.stale_cluster_ca_copy

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "K8S001",
	"name": "stale-cluster-ca-copy",
	"title": "An object pins a cluster CA that is no longer current",
	"severity": "error",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"After `az aks rotate-certs`, the cluster has a new CA, and every copy of the old one kept",
			"outside the cluster's own files keeps failing with `x509: certificate signed by unknown",
			"authority`: a kubeconfig kept in a Secret or ConfigMap (Flux, CI/CD systems), an Argo CD",
			"cluster secret (`tlsClientConfig.caData`), a legacy service-account token secret's `ca.crt`.",
			"This rule names each object that authenticates to a cluster of the scan with a CA that is not",
			"that cluster's current CA: its own cluster (a service-account token, a server that is",
			"`kubernetes.default.svc`, or the cluster's API server), or another cluster whose API server a",
			"`--cluster` document names (Argo CD in a management cluster).",
		]),
		concat(" ", [
			"The current CA is the one the API server publishes in `ConfigMap kube-root-ca.crt`, else the",
			"newest CA seen for the cluster's API server (a fresh kubeconfig, a node's `ca.crt`). CAs are",
			"compared by their SHA-256, not by name (every AKS CA is `CN=ca`). A copy whose cluster or",
			"current CA is unknown is reported as unknown and stays silent.",
		]),
	]),
	"remediation": sprintf(concat(" ", [
		"Replace the CA in the object with the cluster's current CA (the `ca.crt` of `kubectl get",
		"configmap kube-root-ca.crt -o json`), or put fresh credentials in it: %s. Delete legacy",
		"service-account token secrets and use projected tokens.",
	]), [lib.get_credentials]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#k8s001",
	"references": [
		"https://learn.microsoft.com/azure/aks/certificate-rotation",
		"https://kubernetes.io/docs/tasks/tls/managing-tls-in-a-cluster/",
	],
	"tags": ["security", "aks", "kubernetes", "rotation"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["IA-5(2)", "SC-17"],
	},
	"precision": "very-high",
	"params": {},
}

kinds := {
	"kubeconfig": "a kubeconfig",
	"argocd-cluster": "an Argo CD cluster secret",
	"service-account-token": "a service-account token secret",
}

# A CA's SHA-256, shortened for messages (the evidence has it whole).
short(id) := sprintf("%s…", [substring(id, 0, 16)])

message := concat(" ", [
	"%s pins a CA of %s that is no longer current (SHA-256 %s in %s; the current CA is %s, from %s):",
	"it fails with `x509: certificate signed by unknown authority`",
])

# Which cluster the copy is for, as the message says it.
target(pin) := "its own cluster" if pin.targets_own_cluster

else := sprintf("cluster %s", [pin.cluster_key])

resource(pin) := {
	"kind": "k8s-object",
	"id": pin_id(pin),
	"name": sprintf("%s %s", [kinds[pin.kind], pin.object]),
	"cluster": lib.cluster_of(pin),
}

# The pin's identity: its object, prefixed with its cluster when known (never a path, which
# would change with the scanning machine).
pin_id(pin) := sprintf("%s:%s", [pin.cluster_key, pin.object]) if is_string(pin.cluster_key)

else := pin.object

findings contains finding if {
	some pin in input.ca_pins
	pin.pins_current_ca == false
	finding := {
		"message": sprintf(message, [
			pin.object,
			target(pin),
			concat(", ", [short(id) | some id in pin.ca_certificate_ids]),
			kinds[pin.kind],
			short(pin.current_ca_id),
			pin.current_ca_source,
		]),
		"resource": resource(pin),
		"location": object.union(pin.location, {"object": pin.object}),
		"evidence": {
			"pinned_ca_ids": pin.ca_certificate_ids,
			"current_ca_id": pin.current_ca_id,
			"current_ca_source": pin.current_ca_source,
			"server": pin.server,
		},
	}
}

covered(pin) := {"kind": "k8s-object", "id": pin_id(pin), "cluster": lib.cluster_of(pin)}

# Pins for their own cluster with a known current CA are examined; the others are unknown.
examined contains covered(pin) if {
	some pin in input.ca_pins
	is_boolean(pin.pins_current_ca)
}

unknown contains object.union(covered(pin), {"reason": reason(pin)}) if {
	some pin in input.ca_pins
	not is_boolean(pin.pins_current_ca)
}

reason(pin) := "its cluster is unknown (its server is no API server of a --cluster document)" if {
	not pin.targets_own_cluster
	not is_string(pin.cluster_key)
} else := "the cluster's current CA is unknown (no kube-root-ca.crt, no kubeconfig or node of the cluster)"
