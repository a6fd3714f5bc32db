# CERT005: a certificate AKS should have auto-rotated by now.
package aks_certscan.rules.rotation_overdue

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT005",
	"name": "rotation-overdue",
	"title": "Certificate should have been auto-rotated",
	"severity": "warning",
	"description": concat("\n\n", [
		"AKS auto-rotates non-CA certificates at about `auto_rotation_fraction` (80%) of their lifetime on clusters that have Kubernetes RBAC enabled and were created or upgraded after March 2022, on nodes that use TLS bootstrapping. This certificate is past that point plus `grace_days`, so rotation is not happening: a stopped cluster, a node without TLS bootstrapping, or a failed rotation.",
		"\"Should auto-rotate\" is decided from facts: the certificate belongs to a known cluster (`cluster_key` links it to a `--cluster` document) with `enable_rbac` true and a creation time, node image date or Kubernetes version (1.23+) after March 2022; its role is an auto-rotated one (API server, kubelet client or serving certificate); and if it came from a node root, that node shows TLS bootstrapping. When any of these facts is missing the rule stays silent (unknown is not a finding). Kubeconfig client certificates are not auto-rotated in users' files and are left to CERT002.",
	]),
	"remediation": "Find out why rotation stalled: `az aks show -g {resource_group} -n {cluster} --query \"{state:provisioningState,power:powerState.code}\"`. If the cluster is stopped, start it (`az aks start -g {resource_group} -n {cluster}`); otherwise rotate by hand: `az aks rotate-certs -g {resource_group} -n {cluster}`.",
	"warning": "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and invalidates every existing kubeconfig until it is fetched again.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation#certificate-auto-rotation",
	"tags": ["security", "aks", "certificates", "rotation"],
	"precision": "high",
	"params": {"auto_rotation_fraction": 0.8, "grace_days": 7},
}

fraction := lib.param(metadata, "auto_rotation_fraction")

grace_days := lib.param(metadata, "grace_days")

findings contains finding if {
	some cert in input.certificates
	cert.remaining_seconds >= 0
	cert.lifetime_seconds > 0
	lib.should_be_auto_rotated(cert)
	cert.age_seconds > (fraction * cert.lifetime_seconds) + (grace_days * 86400)
	finding := {
		"message": sprintf("%s has used %v%% of its lifetime (expires %s) but AKS rotates at %v%%: auto-rotation is not happening", [lib.describe(cert), lib.percent(cert.lifetime_used), lib.date(cert.not_after), fraction * 100]),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": lib.cert_evidence(cert),
	}
}
