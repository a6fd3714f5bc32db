# CLUS005: a node pool opts out of kubelet serving certificate rotation with a tag.
package aks_certscan.rules.serving_rotation_opted_out

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CLUS005",
	"name": "serving-rotation-opted-out",
	"title": "A node pool opts out of kubelet serving certificate rotation",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"AKS turns kubelet serving certificate rotation on by default for node pools on Kubernetes",
			"1.27 and later: the kubelet gets a serving certificate signed by the cluster CA through a",
			"`kubernetes.io/kubelet-serving` CSR and renews it. A node pool tagged",
			"`aks-disable-kubelet-serving-certificate-rotation=true` keeps the self-signed serving",
			"certificate instead. AKS honours the tag only until 2027-04-01; the first reimage or upgrade",
			"after that date turns rotation on regardless, and with it the cluster-signed certificate",
			"and the CSR approvals the pool's clients must then accept.",
		]),
		concat(" ", [
			"The message says which of the two applies at the evaluation time (`--now`). Pools without",
			"the tag are examined and stay silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Plan for rotation before 2027-04-01: make sure clients of the kubelet (metrics scrapers,",
		"`kubectl logs`/`exec` through proxies) trust the cluster CA, then remove the tag and reimage:",
		"`az aks nodepool update -g {resource_group} --cluster-name {cluster} -n <pool> --tags",
		"aks-disable-kubelet-serving-certificate-rotation=false` and `az aks nodepool upgrade -g",
		"{resource_group} --cluster-name {cluster} -n <pool> --node-image-only`.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#clus005",
	"references": [
		"https://learn.microsoft.com/azure/aks/certificate-rotation",
		"https://github.com/Azure/AKS/issues/4986",
	],
	"tags": ["security", "aks", "rotation", "nodes", "kubelet"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "SC-17"],
	},
	"precision": "very-high",
	"params": {},
}

# 2027-04-01T00:00:00Z: the last day AKS honours the opt-out tag is the one before.
opt_out_honoured_until_unix := 1806537600

opt_out_honoured_until_date := "2027-04-01"

opt_out_tag := "aks-disable-kubelet-serving-certificate-rotation=true"

state := sprintf(concat(" ", [
	"AKS honours the tag until %s; the first reimage or upgrade after that date turns rotation on",
]), [opt_out_honoured_until_date]) if {
	input.now_unix < opt_out_honoured_until_unix
} else := sprintf(concat(" ", [
	"the tag no longer has effect since %s: the next reimage or upgrade turns rotation on",
]), [opt_out_honoured_until_date])

message := "agent pool %s of cluster %s/%s opts out of kubelet serving certificate rotation (%s): %s"

findings contains finding if {
	some c in input.clusters
	some pool in c.agent_pools
	pool.serving_rotation_opt_out == true
	finding := {
		"message": sprintf(message, [pool.name, c.resource_group, c.name, opt_out_tag, state]),
		"resource": pool_resource(c, pool),
		"location": pool_location(c, pool),
		"evidence": {
			"tag": opt_out_tag,
			"honoured_until": opt_out_honoured_until_date,
			"honoured_now": input.now_unix < opt_out_honoured_until_unix,
			"orchestrator_version": pool.orchestrator_version,
		},
	}
}

pool_resource(c, pool) := {
	"kind": "agent-pool",
	"id": sprintf("%s/agentPools/%s", [lib.cluster_id(c), pool.name]),
	"name": sprintf("agent pool %s of cluster %s/%s", [pool.name, c.resource_group, c.name]),
	"cluster": {"resource_group": c.resource_group, "name": c.name},
}

pool_location(c, pool) := pool.location if pool.location != null

else := c.location

# Every agent pool is examined: the tag is there or it is not.
examined contains object.remove(pool_resource(c, pool), ["name"]) if {
	some c in input.clusters
	some pool in c.agent_pools
}
