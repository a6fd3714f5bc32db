# CLUS001: Kubernetes RBAC is off, so AKS does not auto-rotate certificates.
package aks_certscan.rules.rbac_disabled

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CLUS001",
	"name": "rbac-disabled",
	"title": "Cluster has Kubernetes RBAC disabled",
	"severity": "warning",
	"description": concat("\n\n", [
		"Certificate auto-rotation only runs on clusters with Kubernetes RBAC enabled. On this cluster every certificate must be rotated by hand before it expires, and RBAC cannot be turned on for an existing cluster.",
		"Fires only when the cluster document says `enableRbac: false` (`properties.enableRBAC` in ARM); a document without the field is unknown and stays silent.",
	]),
	"remediation": "Track certificate expiry and rotate by hand before it: `az aks rotate-certs -g {resource_group} -n {cluster}`. For auto-rotation, create a replacement cluster with RBAC enabled (the default) and migrate the workloads.",
	"warning": "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and invalidates every existing kubeconfig until it is fetched again.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation#certificate-auto-rotation",
	"tags": ["security", "aks", "rotation", "rbac"],
	"precision": "very-high",
	"params": {},
}

findings contains finding if {
	some c in input.clusters
	c.enable_rbac == false
	finding := {
		"message": sprintf("cluster %s/%s has Kubernetes RBAC disabled: AKS does not auto-rotate its certificates", [c.resource_group, c.name]),
		"resource": lib.cluster_resource(c),
		"location": c.location,
		"evidence": {"enable_rbac": false, "kubernetes_version": c.kubernetes_version},
	}
}
