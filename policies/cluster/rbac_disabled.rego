# CLUS001: Kubernetes RBAC is off, so AKS does not auto-rotate certificates.
package aks_certscan.rules.rbac_disabled

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CLUS001",
	"name": "rbac-disabled",
	"title": "Cluster has Kubernetes RBAC disabled",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"Certificate auto-rotation only runs on clusters with Kubernetes RBAC enabled. On this cluster",
			"every certificate must be rotated by hand before it expires, and RBAC cannot be turned on for",
			"an existing cluster.",
		]),
		concat(" ", [
			"Fires only when the cluster document says `enableRbac: false` (`properties.enableRBAC` in ARM);",
			"a document without the field is unknown and stays silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Track certificate expiry and rotate by hand before it:",
		"`az aks rotate-certs -g {resource_group} -n {cluster}`.",
		"For auto-rotation, create a replacement cluster with RBAC enabled (the default) and migrate the workloads.",
	]),
	"warning": lib.rotate_certs_caution,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#clus001",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation#certificate-auto-rotation"],
	"tags": ["security", "aks", "rotation", "rbac"],
	"controls": {
		"mcsb": ["PA-7"],
		"nist-800-53": ["AC-3", "AC-6"],
	},
	"precision": "very-high",
	"params": {},
}

findings contains finding if {
	some c in input.clusters
	c.enable_rbac == false
	finding := {
		"message": sprintf("cluster %s/%s has Kubernetes RBAC disabled: AKS does not auto-rotate its certificates", [
			c.resource_group,
			c.name,
		]),
		"resource": lib.cluster_ref_of(c),
		"location": c.location,
		"evidence": {"enable_rbac": false, "kubernetes_version": c.kubernetes_version},
	}
}

# Clusters whose RBAC setting is known are examined; the others are unknown.
examined contains lib.examined_cluster(c) if {
	some c in input.clusters
	is_boolean(c.enable_rbac)
}

unknown contains object.union(lib.examined_cluster(c), {"reason": "the cluster document has no enableRbac"}) if {
	some c in input.clusters
	not is_boolean(c.enable_rbac)
}
