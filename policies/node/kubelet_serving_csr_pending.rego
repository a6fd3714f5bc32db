# NODE007: a kubelet's serving certificate request is stuck: pending too long, denied or failed.
package aks_certscan.rules.kubelet_serving_csr_pending

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "NODE007",
	"name": "kubelet-serving-csr-pending",
	"title": "A kubelet serving certificate request is not being issued",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"On AKS node pools from Kubernetes 1.27 on, kubelet serving certificate rotation is on: the",
			"node (labelled `kubernetes.azure.com/kubelet-serving-ca=cluster`) gets its serving",
			"certificate from a `kubernetes.io/kubelet-serving` CertificateSigningRequest that must be",
			"approved and issued. A request pending for longer than `max_pending_minutes` (default 60),",
			"or denied, or failed, means that node's serving certificate is not being renewed: when it",
			"expires, `kubectl logs`, `kubectl exec` and metrics scraping of that node fail.",
		]),
		concat(" ", [
			"Reads CertificateSigningRequests (`--k8s-objects`, or live with `--aks`). Issued requests",
			"and other signers are examined and stay silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Look at the request (`kubectl get csr <name> -o yaml`): approve a legitimate pending one",
		"(`kubectl certificate approve <name>`), find why the approver refused or failed it, or",
		"reimage the node: `az aks nodepool upgrade -g {resource_group} --cluster-name {cluster} -n",
		"<pool> --node-image-only`.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#node007",
	"references": [
		"https://learn.microsoft.com/azure/aks/certificate-rotation",
		"https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation",
	],
	"tags": ["security", "aks", "rotation", "nodes", "kubelet"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "SC-17"],
	},
	"precision": "high",
	"params": {"max_pending_minutes": 60},
}

serving_signer := "kubernetes.io/kubelet-serving"

max_pending_seconds := lib.param(metadata, "max_pending_minutes") * 60

state(csr) := "denied" if csr.denied

else := "failed" if csr.failed

else := sprintf("pending for %d minutes", [floor(csr.pending_seconds / 60)]) if {
	is_number(csr.pending_seconds)
	csr.pending_seconds > max_pending_seconds
}

requester(csr) := sprintf("node %s", [csr.node]) if is_string(csr.node)

else := sprintf("%v", [csr.username])

message := "kubelet serving certificate request %s of %s is %s: that node's serving certificate is not being renewed"

findings contains finding if {
	limit := max_pending_seconds
	some csr in input.csrs
	csr.signer_name == serving_signer
	not csr.issued
	why := state(csr)
	finding := {
		"message": sprintf(message, [
			csr.name,
			requester(csr),
			why,
		]),
		"resource": {
			"kind": "certificate-signing-request",
			"id": csr_id(csr),
			"name": sprintf("certificate signing request %s", [csr.name]),
			"cluster": lib.cluster_of(csr),
		},
		"location": object.union(csr.location, {"object": object_name(csr)}),
		"evidence": {
			"signer_name": csr.signer_name,
			"username": csr.username,
			"created_at": csr.created_at,
			"approved": csr.approved,
			"denied": csr.denied,
			"failed": csr.failed,
			"pending_seconds": csr.pending_seconds,
			"max_pending_seconds": limit,
		},
	}
}

# The object, as locations name it.
object_name(csr) := sprintf("CertificateSigningRequest/%s", [csr.name])

# The request's identity: its name, prefixed with its cluster when known (never a path).
csr_id(csr) := sprintf("%s:%s", [csr.cluster_key, csr.name]) if is_string(csr.cluster_key)

else := csr.name

covered(csr) := {
	"kind": "certificate-signing-request",
	"id": csr_id(csr),
	"cluster": lib.cluster_of(csr),
}

examined contains covered(csr) if {
	some csr in input.csrs
	csr.signer_name == serving_signer
}
