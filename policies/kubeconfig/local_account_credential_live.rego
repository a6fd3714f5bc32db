# KCFG003: local accounts are disabled, yet a local-account client certificate still authenticates.
package aks_certscan.rules.local_account_credential_live

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "KCFG003",
	"name": "local-account-credential-live",
	"title": "A local-account credential outlives disabling local accounts",
	"severity": "error",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The cluster has `disableLocalAccounts: true`, yet a kubeconfig holds a local-account client",
			"certificate (`clusterAdmin`, `clusterUser` or any other certificate user of the cluster)",
			"that is still valid and signed by the cluster's current CA. Disabling local accounts stops",
			"AKS from issuing such credentials, but the certificates already issued stay valid until the",
			"cluster certificates are rotated: whoever holds this file keeps `system:masters` access",
			"that Entra ID and Azure RBAC never see.",
		]),
		concat(" ", [
			"The signature is checked in Rust against the cluster's current CA (the newest CA seen for",
			"its API server, or the one it publishes in `kube-root-ca.crt`). Users of clusters whose",
			"`disableLocalAccounts` is unknown, or with no current CA to check against, are unknown.",
		]),
	]),
	"remediation": concat(" ", [
		"Rotate the cluster certificates, which revokes every local-account certificate already issued:",
		"`az aks rotate-certs -g {resource_group} -n {cluster}`; then delete this file or fetch",
		"Entra ID credentials into it: `az aks get-credentials -g {resource_group} -n {cluster}",
		"--overwrite-existing`.",
	]),
	"warning": lib.rotate_certs_caution,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#kcfg003",
	"references": [
		"https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad",
		"https://learn.microsoft.com/azure/aks/certificate-rotation",
	],
	"tags": ["security", "aks", "kubeconfig", "identity"],
	"controls": {
		"mcsb": ["IM-1", "PA-7"],
		"nist-800-53": ["AC-2", "IA-5(2)"],
	},
	"precision": "very-high",
	"params": {},
}

message := concat(" ", [
	"cluster %s/%s has local accounts disabled, yet kubeconfig user %s holds a local-account client",
	"certificate signed by its current CA and valid until %s: it keeps authenticating until the",
	"cluster certificates are rotated",
])

user_resource(user) := {
	"kind": "kubeconfig-user",
	"id": sprintf("%s#%s", [user.client_certificate_id, user.name]),
	"cluster": lib.cluster_of(user),
}

findings contains finding if {
	some kc in input.kubeconfigs
	some user in kc.users
	is_string(user.client_certificate_id)
	c := lib.clusters[user.cluster_key]
	c.disable_local_accounts == true
	user.client_certificate_valid == true
	user.current_ca_check.result == "verified"
	finding := {
		"message": sprintf(message, [
			c.resource_group,
			c.name,
			user.name,
			lib.date(user.client_certificate_not_after),
		]),
		"resource": object.union(user_resource(user), {"name": sprintf("kubeconfig user %s", [user.name])}),
		"location": {"path": kc.path, "line": user.line},
		"evidence": {
			"client_certificate": user.client_certificate_id,
			"not_after": user.client_certificate_not_after,
			"current_ca": user.current_ca_check.ca_id,
			"ca_source": user.current_ca_check.ca_source,
			"disable_local_accounts": true,
		},
	}
}

# A client-certificate user of a known cluster is examined when the cluster says whether local
# accounts are disabled and the certificate was checked against its current CA.
examined contains user_resource(user) if {
	some kc in input.kubeconfigs
	some user in kc.users
	is_string(user.client_certificate_id)
	reason(user) == null
}

unknown contains object.union(user_resource(user), {"reason": reason(user)}) if {
	some kc in input.kubeconfigs
	some user in kc.users
	is_string(user.client_certificate_id)
	reason(user) != null
}

reason(user) := "its cluster is unknown (no --cluster document for its API server)" if {
	not lib.clusters[user.cluster_key]
} else := "the cluster document does not say whether local accounts are disabled" if {
	not is_boolean(lib.clusters[user.cluster_key].disable_local_accounts)
} else := "no current CA to check the client certificate against" if {
	lib.clusters[user.cluster_key].disable_local_accounts == true
	not checked_against_current_ca(user)
} else := null

checked_against_current_ca(user) if is_string(user.current_ca_check.result)
