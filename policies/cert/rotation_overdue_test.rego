package aks_certscan.rules.rotation_overdue_test

import data.aks_certscan.rules.rotation_overdue as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

old_kubelet := fx.cert({"role": "kubelet-client", "cluster_key": "rg/prod", "age_seconds": 700 * 86400, "remaining_seconds": 30 * 86400, "lifetime_used": 0.96})

test_fires_for_a_cluster_that_should_auto_rotate if {
	r := rule.findings with input as fx.with_clusters([old_kubelet], [fx.cluster({})])
	count(r) == 1
	some f in r
	f.resource.cluster == {"resource_group": "rg", "name": "prod"}
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

test_silent_for_kubeconfig_client_certificates if {
	client := object.union(old_kubelet, {"role": "kubeconfig-client"})
	r := rule.findings with input as fx.with_clusters([client], [fx.cluster({})])
	count(r) == 0
}

test_silent_on_a_node_without_bootstrapping if {
	on_node := object.union(old_kubelet, {"origin": object.union(old_kubelet.origin, {"node_root": "n1"})})
	facts := object.union(fx.with_clusters([on_node], [fx.cluster({})]), {"node_roots": [{"path": "n1", "tls_bootstrap": {"bootstrapped": false}}]})
	r := rule.findings with input as facts
	count(r) == 0
}
