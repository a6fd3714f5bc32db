package aks_certscan.rules.local_account_credential_live_test

import data.aks_certscan.rules.local_account_credential_live as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

user(overrides) := object.union(
	{
		"name": "clusterAdmin_rg_prod",
		"line": 16,
		"cluster_key": "rg/prod",
		"client_certificate_id": "c1",
		"client_certificate_valid": true,
		"client_certificate_not_after": "2028-05-01T10:00:00Z",
		"current_ca_check": {"result": "verified", "ca_id": "ca", "ca_source": "kubeconfig cluster prod"},
		"ca_checks": [],
	},
	overrides,
)

doc(u, disabled) := object.union(
	fx.with_clusters([], [fx.cluster({"disable_local_accounts": disabled})]),
	{"kubeconfigs": [{"path": "admin.kubeconfig", "users": [u]}]},
)

test_fires_on_a_valid_certificate_signed_by_the_current_ca if {
	r := rule.findings with input as doc(user({}), true)
	count(r) == 1
	some f in r
	contains(f.message, "valid until 2028-05-01")
	contains(f.message, "clusterAdmin_rg_prod")
	f.location == {"path": "admin.kubeconfig", "line": 16}
	f.resource.cluster == {"resource_group": "rg", "name": "prod"}
}

test_silent_while_local_accounts_are_enabled if {
	count(rule.findings) == 0 with input as doc(user({}), false)
	count(rule.examined) == 1 with input as doc(user({}), false)
}

test_silent_when_expired_or_signed_by_an_old_ca if {
	count(rule.findings) == 0 with input as doc(user({"client_certificate_valid": false}), true)
	old := {"result": "not-signed-by-ca", "ca_id": "ca2", "ca_source": "x"}
	count(rule.findings) == 0 with input as doc(user({"current_ca_check": old}), true)
}

test_silent_without_a_client_certificate if {
	count(rule.findings) == 0 with input as doc(user({"client_certificate_id": null}), true)
	count(rule.examined) == 0 with input as doc(user({"client_certificate_id": null}), true)
}

test_unknown_when_the_cluster_does_not_say if {
	count(rule.findings) == 0 with input as doc(user({}), null)
	some u in rule.unknown with input as doc(user({}), null)
	contains(u.reason, "does not say")
}

test_unknown_without_a_current_ca_check if {
	count(rule.findings) == 0 with input as doc(user({"current_ca_check": null}), true)
	some u in rule.unknown with input as doc(user({"current_ca_check": null}), true)
	contains(u.reason, "no current CA")
}
