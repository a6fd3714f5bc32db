# KCFG001: a kubeconfig user's client certificate is not signed by its cluster's CA.
package aks_certscan.rules.kubeconfig_stale_credentials

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "KCFG001",
	"name": "kubeconfig-stale-credentials",
	"title": "Kubeconfig credentials are stale",
	"severity": "error",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The client certificate of a kubeconfig user does not verify against its cluster's CA: the CA of",
			"a cluster a context pairs it with in the same file, or the cluster's current CA (the newest CA",
			"seen for the same API server in any source). After `az aks rotate-certs`, every kubeconfig",
			"fetched before it fails with `x509: certificate signed by unknown authority` or `Unauthorized`.",
		]),
		concat(" ", [
			"Signatures are checked in Rust, not by name (every AKS CA is `CN=ca`). Users without a client",
			"certificate (kubelogin, tokens) and inconclusive checks (unsupported algorithm, no CA) stay silent.",
		]),
	]),
	"remediation": sprintf(
		"Fetch the credentials again: %s (add `--admin` for a clusterAdmin user).",
		[lib.get_credentials],
	),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#kcfg001",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "kubeconfig", "rotation"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["IA-5(2)", "SC-17"],
	},
	"precision": "very-high",
	"params": {},
}

failed_check(user) := check if {
	user.current_ca_check.result == "not-signed-by-ca"
	check := user.current_ca_check
} else := c.verification if {
	some c in user.ca_checks
	c.verification.result == "not-signed-by-ca"
}

message := concat(" ", [
	"kubeconfig user %s has a client certificate not signed by the cluster's CA (checked against %s):",
	"kubectl will fail until credentials are fetched again",
])

findings contains finding if {
	some kc in input.kubeconfigs
	some user in kc.users
	check := failed_check(user)
	finding := {
		"message": sprintf(message, [
			user.name,
			check.ca_source,
		]),
		"resource": {
			"kind": "kubeconfig-user",
			"id": sprintf("%s#%s", [user.client_certificate_id, user.name]),
			"name": sprintf("kubeconfig user %s", [user.name]),
			"cluster": lib.cluster_of(user),
		},
		"location": {"path": kc.path, "line": user.line},
		"evidence": {
			"client_certificate": user.client_certificate_id,
			"checked_against_ca": check.ca_id,
			"ca_source": check.ca_source,
		},
	}
}

# Users with a client certificate checked against a CA are examined; a client certificate with no
# CA to check it against is unknown.
user_resource(user) := {
	"kind": "kubeconfig-user",
	"id": sprintf("%s#%s", [user.client_certificate_id, user.name]),
	"cluster": lib.cluster_of(user),
}

checked(user) if user.current_ca_check.result != null

checked(user) if {
	some c in user.ca_checks
	c.verification.result != null
}

examined contains user_resource(user) if {
	some kc in input.kubeconfigs
	some user in kc.users
	is_string(user.client_certificate_id)
	checked(user)
}

unknown_reason := "no cluster CA to check the client certificate against"

unknown contains object.union(user_resource(user), {"reason": unknown_reason}) if {
	some kc in input.kubeconfigs
	some user in kc.users
	is_string(user.client_certificate_id)
	not checked(user)
}
