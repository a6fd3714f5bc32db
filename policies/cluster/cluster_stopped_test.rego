package aks_certscan.rules.cluster_stopped_test

import data.aks_certscan.rules.cluster_stopped as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_on_a_stopped_cluster if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({"power_state": "Stopped"})])
	count(r) == 1
	some f in r
	f.level == "warning"
}

test_is_an_error_when_stopped_during_rotation if {
	stopped := fx.cluster({"power_state": "Stopped", "provisioning_state": "RotatingClusterCertificates"})
	r := rule.findings with input as fx.with_clusters([], [stopped])
	some f in r
	f.level == "error"
}

test_fires_on_a_stopped_pool_of_a_running_cluster if {
	pool := object.union(fx.base_cluster.agent_pools[0], {"power_state": "Stopped"})
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({"agent_pools": [pool]})])
	count(r) == 1
	some f in r
	f.resource.kind == "agent-pool"
}

test_silent_when_running if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({})])
	count(r) == 0
}

test_silent_when_power_state_is_unknown if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({"power_state": null, "agent_pools": []})])
	count(r) == 0
}
