# NODE002: nodes created before AKS certificate auto-rotation existed.
package aks_certscan.rules.node_predates_auto_rotation

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "NODE002",
	"name": "node-predates-auto-rotation",
	"title": "Node was created before certificate auto-rotation",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"AKS auto-rotates certificates only on clusters created or upgraded after March 2022. Upgrades",
			"recreate nodes, so a node whose creationTimestamp is before 2022-03-01 has not been upgraded",
			"since, and its certificates do not auto-rotate.",
		]),
		concat(" ", [
			"Reads `kubectl get nodes -o json` facts; only AKS nodes (AKS labels or an `azure://` provider",
			"id) are judged. A node without a creationTimestamp stays silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Upgrade the cluster, which recreates its nodes with auto-rotation:",
		"`az aks upgrade -g {resource_group} -n {cluster}` (or, for the node image only,",
		"`az aks upgrade -g {resource_group} -n {cluster} --node-image-only`).",
	]),
	"warning": "Upgrading recreates nodes one by one; workloads are drained and rescheduled.",
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#node002",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation#certificate-auto-rotation"],
	"tags": ["security", "aks", "rotation", "nodes"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12"],
	},
	"precision": "high",
	"params": {},
}

message := concat(" ", [
	"node %s (pool %v) was created %s, before certificate auto-rotation (%s),",
	"and has not been upgraded since",
])

findings contains finding if {
	some node in input.nodes
	node.is_aks
	is_number(node.created_at_unix)
	node.created_at_unix < lib.auto_rotation_start_unix
	finding := {
		"message": sprintf(message, [
			node.name,
			node.agent_pool,
			lib.date(node.created_at),
			lib.auto_rotation_start_date,
		]),
		"resource": {
			"kind": "node",
			"id": node.name,
			"name": sprintf("node %s", [node.name]),
			"cluster": lib.cluster_of(node),
		},
		"location": node.location,
		"evidence": {
			"created_at": node.created_at,
			"kubelet_version": node.kubelet_version,
			"node_image_version": node.node_image_version,
			"agent_pool": node.agent_pool,
		},
	}
}

# AKS nodes with a creation time are examined; the others are unknown.
node_resource(node) := {"kind": "node", "id": node.name, "cluster": lib.cluster_of(node)}

examined contains node_resource(node) if {
	some node in input.nodes
	node.is_aks
	is_number(node.created_at_unix)
}

unknown contains object.union(node_resource(node), {"reason": "the node list has no creation time"}) if {
	some node in input.nodes
	node.is_aks
	not is_number(node.created_at_unix)
}
