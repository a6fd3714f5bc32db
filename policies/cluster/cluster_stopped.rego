# CLUS002: a stopped cluster or agent pool cannot rotate certificates.
package aks_certscan.rules.cluster_stopped

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CLUS002",
	"name": "cluster-stopped",
	"title": "Cluster or agent pool is stopped",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"Certificate rotation (automatic or `az aks rotate-certs`) is not supported on a stopped cluster,",
			"so certificates keep ageing. A cluster or pool stopped while a rotation ran keeps its nodes on",
			"the old certificates until the node pools are recreated; the finding is an error when the",
			"cluster is also in a certificate-rotation state.",
		]),
		concat(" ", [
			"Fires on `powerState.code == \"Stopped\"` of the cluster or of any agent pool. A document",
			"without `powerState` (older API versions) has an unknown power state and stays silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Start the cluster before its certificates expire: `az aks start -g {resource_group} -n {cluster}`",
		"(a stopped pool: `az aks nodepool start -g {resource_group} --cluster-name {cluster} -n <pool>`).",
		"If it was stopped during a rotation, run `az aks rotate-certs -g {resource_group} -n {cluster}`",
		"again once it runs, or recreate the affected node pools.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#clus002",
	"references": ["https://learn.microsoft.com/azure/aks/start-stop-cluster"],
	"tags": ["security", "aks", "rotation", "availability"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12"],
	},
	"precision": "very-high",
	"params": {},
}

cluster_message := "cluster %s/%s is stopped (provisioningState %v): its certificates cannot rotate while it is stopped"

pool_message := concat(" ", [
	"agent pool %s of cluster %s/%s is stopped: its nodes cannot rotate certificates and keep the old",
	"ones if a rotation runs",
])

level(c) := "error" if lib.rotating_certificates(c)

else := "warning"

findings contains finding if {
	some c in input.clusters
	c.power_state == "Stopped"
	finding := {
		"message": sprintf(cluster_message, [
			c.resource_group,
			c.name,
			c.provisioning_state,
		]),
		"level": level(c),
		"resource": lib.cluster_ref_of(c),
		"location": c.location,
		"evidence": {"power_state": c.power_state, "provisioning_state": c.provisioning_state},
	}
}

findings contains finding if {
	some c in input.clusters
	c.power_state != "Stopped"
	some pool in c.agent_pools
	pool.power_state == "Stopped"
	finding := {
		"message": sprintf(pool_message, [
			pool.name,
			c.resource_group,
			c.name,
		]),
		"level": level(c),
		"resource": {
			"kind": "agent-pool",
			"id": sprintf("%s/agentPools/%s", [lib.cluster_id(c), pool.name]),
			"name": sprintf("agent pool %s of cluster %s/%s", [pool.name, c.resource_group, c.name]),
			"cluster": {"resource_group": c.resource_group, "name": c.name},
		},
		"location": pool_location(c, pool),
		"evidence": {
			"power_state": pool.power_state,
			"provisioning_state": pool.provisioning_state,
			"count": pool.count,
		},
	}
}

pool_location(c, pool) := pool.location if pool.location != null

else := c.location

# Clusters whose power state is known are examined; the others are unknown.
examined contains lib.examined_cluster(c) if {
	some c in input.clusters
	is_string(c.power_state)
}

unknown contains object.union(lib.examined_cluster(c), {"reason": "the cluster document has no powerState"}) if {
	some c in input.clusters
	not is_string(c.power_state)
}
