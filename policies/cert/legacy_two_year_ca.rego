# CERT006: a cluster CA with a two-year lifetime (clusters created before May 2019).
package aks_certscan.rules.legacy_two_year_ca

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT006",
	"name": "legacy-two-year-ca",
	"title": "Cluster CA has the legacy two-year lifetime",
	"severity": "warning",
	"description": concat("\n\n", [
		"AKS clusters created before May 2019 got a cluster CA valid for two years; later clusters get thirty years. Auto-rotation never renews a CA, so a two-year CA must be rotated by hand before it expires, or every component of the cluster stops trusting every other.",
		"A certificate counts as a cluster CA when it is a CA and its origin says so (a kubeconfig `certificate-authority`, a node's `ca.crt`). Its lifetime must be two years within `tolerance_days` (AKS adds about ten minutes to every period).",
	]),
	"remediation": "Rotate the cluster's certificates, which issues a new thirty-year CA: `az aks rotate-certs -g {resource_group} -n {cluster}`, then `az aks get-credentials -g {resource_group} -n {cluster} --overwrite-existing` on every machine that uses the cluster.",
	"warning": "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and makes every existing kubeconfig fail with `x509: certificate signed by unknown authority` until it is fetched again.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation",
	"tags": ["security", "aks", "certificates", "ca"],
	"precision": "high",
	"params": {"tolerance_days": 2},
}

two_years := 730 * 86400

tolerance := lib.param(metadata, "tolerance_days") * 86400

findings contains finding if {
	some cert in input.certificates
	cert.is_ca
	cert.role == "cluster-ca"
	# 730 or 731 days (a leap year), give or take the tolerance.
	cert.lifetime_seconds >= two_years - tolerance
	cert.lifetime_seconds <= (two_years + 86400) + tolerance
	finding := {
		"message": sprintf("%s has the legacy two-year lifetime (%s to %s, %d days left): it is never auto-rotated", [lib.describe(cert), lib.date(cert.not_before), lib.date(cert.not_after), lib.whole_days(cert.remaining_seconds)]),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": lib.cert_evidence(cert),
	}
}
