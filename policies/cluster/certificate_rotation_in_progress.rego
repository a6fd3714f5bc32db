# CLUS003: the cluster is rotating its certificates right now.
package aks_certscan.rules.certificate_rotation_in_progress

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CLUS003",
	"name": "certificate-rotation-in-progress",
	"title": "Certificate rotation is in progress",
	"severity": "note",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The cluster's provisioningState is `RotatingClusterCertificates` (or another state that",
			"reconciles certificates). Nodes are being recreated (up to 30 minutes of disruption), and",
			"kubeconfigs fetched before the rotation will fail with",
			"`x509: certificate signed by unknown authority` once it completes.",
		]),
		concat(" ", [
			"Fires on a provisioningState that mentions certificates; a missing provisioningState is",
			"unknown and stays silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Wait for the rotation to finish (`az aks show -g {resource_group} -n {cluster} --query provisioningState`),",
		sprintf("then fetch new credentials everywhere: %s.", [lib.get_credentials]),
		"Do not stop the cluster until it has finished.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#clus003",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "rotation"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12"],
	},
	"precision": "very-high",
	"params": {},
}

message := concat(" ", [
	"cluster %s/%s is rotating its certificates (provisioningState %s):",
	"nodes are being recreated and existing kubeconfigs will stop working",
])

findings contains finding if {
	some c in input.clusters
	lib.rotating_certificates(c)
	finding := {
		"message": sprintf(message, [
			c.resource_group,
			c.name,
			c.provisioning_state,
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
