package aks_certscan.rules.node_predates_auto_rotation_test

import data.aks_certscan.rules.node_predates_auto_rotation as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

node(created, aks) := {"name": "aks-np-1-vmss000000", "created_at": created, "agent_pool": "np", "is_aks": aks, "cluster_key": null, "location": {"path": "nodes.json", "line": 5}, "kubelet_version": "v1.18.19", "node_image_version": null}

test_fires_on_a_2021_node if {
	r := rule.findings with input as object.union(fx.facts([]), {"nodes": [node("2021-07-18T09:42:46Z", true)]})
	count(r) == 1
}

test_silent_on_a_recent_node if {
	r := rule.findings with input as object.union(fx.facts([]), {"nodes": [node("2024-07-18T09:42:46Z", true)]})
	count(r) == 0
}

test_silent_on_a_non_aks_node if {
	r := rule.findings with input as object.union(fx.facts([]), {"nodes": [node("2021-07-18T09:42:46Z", false)]})
	count(r) == 0
}

test_silent_without_a_creation_time if {
	r := rule.findings with input as object.union(fx.facts([]), {"nodes": [node(null, true)]})
	count(r) == 0
}
