# CLUS004: the cluster's last operation failed.
package aks_certscan.rules.cluster_provisioning_failed

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CLUS004",
	"name": "cluster-provisioning-failed",
	"title": "Cluster provisioning failed",
	"severity": "error",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The cluster's provisioningState is `Failed`: its last operation did not complete. If that",
			"operation was a certificate rotation, components may be split between the old and the new",
			"CA, and the rotation must run again.",
		]),
		"Fires only on `Failed`; a missing provisioningState stays silent.",
	]),
	"remediation": concat(" ", [
		"Look at the failed operation (`az aks show -g {resource_group} -n {cluster} --query provisioningState`",
		"and the Activity Log). If it was a rotation, run it again:",
		"`az aks rotate-certs -g {resource_group} -n {cluster}`; otherwise reconcile the cluster with",
		"`az aks update -g {resource_group} -n {cluster}`.",
	]),
	"warning": lib.rotate_certs_caution,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#clus004",
	"references": [concat("/", [
		"https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete",
		"cluster-node-virtual-machine-failed-state",
	])],
	"tags": ["security", "aks", "rotation", "availability"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12"],
	},
	"precision": "very-high",
	"params": {},
}

message := "cluster %s/%s is in provisioningState Failed: if a certificate rotation failed, run it again"

findings contains finding if {
	some c in input.clusters
	lib.provisioning_state(c) == "failed"
	finding := {
		"message": sprintf(message, [
			c.resource_group,
			c.name,
		]),
		"resource": lib.cluster_ref_of(c),
		"location": c.location,
		"evidence": {"provisioning_state": c.provisioning_state, "power_state": c.power_state},
	}
}

# Clusters whose provisioning state is known are examined; the others are unknown.
examined contains lib.examined_cluster(c) if {
	some c in input.clusters
	is_string(c.provisioning_state)
}

unknown contains object.union(lib.examined_cluster(c), {"reason": "the cluster document has no provisioningState"}) if {
	some c in input.clusters
	not is_string(c.provisioning_state)
}
