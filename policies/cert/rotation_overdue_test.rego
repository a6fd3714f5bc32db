package aks_certscan.rules.rotation_overdue_test

import data.aks_certscan.rules.rotation_overdue as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

old_kubelet := fx.cert({
	"role": "kubelet-client",
	"cluster_key": "rg/prod",
	"age_seconds": 700 * 86400,
	"remaining_seconds": 30 * 86400,
	"lifetime_used": 0.96,
})

old_client := fx.cert({
	"origin": object.union(fx.base_cert.origin, {"kubeconfig_user": "clusterUser_rg_prod"}),
	"role": "kubeconfig-client",
	"cluster_key": "rg/prod",
	"display_name": "client certificate of clusterUser_rg_prod",
	"age_seconds": 700 * 86400,
	"remaining_seconds": 30 * 86400,
	"lifetime_used": 0.96,
})

test_fires_for_a_cluster_that_should_auto_rotate if {
	r := rule.findings with input as fx.with_clusters([old_kubelet], [fx.cluster({})])
	count(r) == 1
	some f in r
	f.resource == {"kind": "certificate", "id": "abc"}
	f.location == {"path": "certs/a.pem", "line": 1}
	contains(f.message, "auto-rotation is not happening")
	not f.remediation
}

test_silent_when_rbac_is_off if {
	r := rule.findings with input as fx.with_clusters([old_kubelet], [fx.cluster({"enable_rbac": false})])
	count(r) == 0
}

test_silent_when_the_cluster_is_unknown if {
	r := rule.findings with input as fx.facts([old_kubelet])
	count(r) == 0
}

test_silent_for_an_old_never_upgraded_cluster if {
	old := fx.cluster({"created_at_unix": 1600000000, "kubernetes_minor": 21, "agent_pools": []})
	r := rule.findings with input as fx.with_clusters([old_kubelet], [old])
	count(r) == 0
}

test_silent_before_eighty_percent if {
	young := fx.cert({"role": "kubelet-client", "cluster_key": "rg/prod", "age_seconds": 500 * 86400})
	r := rule.findings with input as fx.with_clusters([young], [fx.cluster({})])
	count(r) == 0
}

test_silent_once_expired if {
	expired := object.union(old_kubelet, {"remaining_seconds": -1})
	r := rule.findings with input as fx.with_clusters([expired], [fx.cluster({})])
	count(r) == 0
}

test_fires_for_a_stale_kubeconfig_client_certificate_with_its_own_fix if {
	r := rule.findings with input as fx.with_clusters([old_client], [fx.cluster({})])
	count(r) == 1
	some f in r
	contains(f.message, "client certificate of clusterUser_rg_prod has used 96% of its lifetime")
	contains(f.message, "this copy is stale")
	contains(f.remediation, "az aks get-credentials -g {resource_group} -n {cluster} --overwrite-existing")
	f.warning == ""
}

test_silent_for_a_young_kubeconfig_client_certificate if {
	young := object.union(old_client, {"age_seconds": 100 * 86400})
	r := rule.findings with input as fx.with_clusters([young], [fx.cluster({})])
	count(r) == 0
}

test_silent_for_a_client_certificate_of_a_cluster_that_does_not_auto_rotate if {
	r := rule.findings with input as fx.with_clusters([old_client], [fx.cluster({"enable_rbac": false})])
	count(r) == 0
}

test_silent_for_a_client_certificate_of_an_unknown_cluster if {
	r := rule.findings with input as fx.facts([old_client])
	count(r) == 0
}

test_silent_on_a_node_without_bootstrapping if {
	on_node := object.union(old_kubelet, {"origin": object.union(old_kubelet.origin, {"node_root": "n1"})})
	facts := object.union(
		fx.with_clusters([on_node], [fx.cluster({})]),
		{"node_roots": [{"path": "n1", "tls_bootstrap": {"bootstrapped": false}}]},
	)
	r := rule.findings with input as facts
	count(r) == 0
}

test_the_admin_user_is_told_to_fetch_admin_credentials if {
	origin := object.union(old_client.origin, {"kubeconfig_user": "clusterAdmin_rg_prod"})
	admin := object.union(old_client, {"origin": origin})
	r := rule.findings with input as fx.with_clusters([admin], [fx.cluster({})])
	some f in r
	contains(f.remediation, "--admin --overwrite-existing")
}

test_a_negative_grace_period_still_finds_overdue_certificates if {
	early := object.union(old_kubelet, {"age_seconds": 580 * 86400, "lifetime_used": 0.79})
	r := rule.findings with input as fx.with_clusters([early], [fx.cluster({})])
		with data.aks_certscan.params as {"CERT005": {"grace_days": -10}}
	count(r) == 1
}
