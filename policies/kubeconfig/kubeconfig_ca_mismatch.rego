# KCFG002: the API server presents a chain the kubeconfig's CA does not verify.
package aks_certscan.rules.kubeconfig_ca_mismatch

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "KCFG002",
	"name": "kubeconfig-ca-mismatch",
	"title": "Kubeconfig CA does not match the API server",
	"severity": "error",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The certificate authority in the kubeconfig does not verify the chain the API server presents",
			"(read by a live TLS probe, `--endpoint` or `--probe-kubeconfig-servers`). kubectl fails with",
			"`x509: certificate signed by unknown authority`: the cluster's certificates were rotated after",
			"this kubeconfig was fetched.",
		]),
		concat(" ", [
			"Needs endpoint facts; without a probe the rule stays silent. Inconclusive checks (unsupported",
			"algorithm, no CA in the kubeconfig) stay silent.",
		]),
	]),
	"remediation": sprintf("Fetch the credentials again: %s.", [lib.get_credentials]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#kcfg002",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "kubeconfig", "tls"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["IA-5(2)", "SC-17"],
	},
	"precision": "very-high",
	"params": {},
}

message := concat(" ", [
	"kubeconfig %s cluster %s does not trust the chain %s presents:",
	"kubectl fails with `x509: certificate signed by unknown authority`",
])

findings contains finding if {
	some endpoint in input.endpoints
	some check in endpoint.ca_checks
	check.verification.result == "not-signed-by-ca"
	finding := {
		"message": sprintf(message, [
			check.kubeconfig,
			check.cluster,
			endpoint.endpoint,
		]),
		"resource": {
			"kind": "kubeconfig-cluster",
			"id": sprintf("%s#%s", [endpoint.endpoint, check.cluster]),
			"name": sprintf("kubeconfig cluster %s", [check.cluster]),
			"cluster": lib.cluster_of(endpoint),
		},
		"location": {"path": check.kubeconfig, "line": check.line},
		"evidence": {
			"endpoint": endpoint.endpoint,
			"presented_chain": endpoint.chain,
			"kubeconfig_ca": check.verification.ca_id,
		},
	}
}

# Each kubeconfig CA compared with a probed API server's chain is examined; a kubeconfig cluster
# whose server was not probed is not concerned (probe it with --probe-kubeconfig-servers).
examined contains {
	"kind": "kubeconfig-cluster",
	"id": sprintf("%s#%s", [endpoint.endpoint, check.cluster]),
	"cluster": lib.cluster_of(endpoint),
} if {
	some endpoint in input.endpoints
	some check in endpoint.ca_checks
	check.verification.result != null
}
