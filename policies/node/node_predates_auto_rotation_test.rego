package aks_certscan.rules.node_predates_auto_rotation_test

import data.aks_certscan.rules.node_predates_auto_rotation as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

node(created, created_unix, aks) := {
	"name": "aks-np-1-vmss000000",
	"created_at": created,
	"created_at_unix": created_unix,
	"agent_pool": "np",
	"is_aks": aks,
	"cluster_key": null,
	"location": {"path": "nodes.json", "line": 5},
	"kubelet_version": "v1.18.19",
	"node_image_version": null,
}

nodes(list) := object.union(fx.facts([]), {"nodes": list})

test_fires_on_a_2021_node if {
	r := rule.findings with input as nodes([node("2021-07-18T09:42:46Z", 1626601366, true)])
	count(r) == 1
	some f in r
	contains(f.message, "was created 2021-07-18, before certificate auto-rotation (2022-03-01)")
}

test_the_cutoff_is_the_first_second_of_march_2022 if {
	before := node("2022-02-28T23:59:59Z", 1646092799, true)
	at := object.union(node("2022-03-01T00:00:00Z", 1646092800, true), {"name": "at"})
	r := rule.findings with input as nodes([before, at])
	count(r) == 1
}

test_silent_on_a_recent_node if {
	r := rule.findings with input as nodes([node("2024-07-18T09:42:46Z", 1721295766, true)])
	count(r) == 0
}

test_silent_on_a_non_aks_node if {
	r := rule.findings with input as nodes([node("2021-07-18T09:42:46Z", 1626601366, false)])
	count(r) == 0
}

test_silent_without_a_creation_time if {
	r := rule.findings with input as nodes([node(null, null, true)])
	count(r) == 0
}
