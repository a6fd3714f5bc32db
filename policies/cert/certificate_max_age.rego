# CERT004: a non-CA certificate older than the organisation's maximum age.
package aks_certscan.rules.certificate_max_age

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT004",
	"name": "certificate-max-age",
	"title": "Certificate is older than the maximum age",
	"severity": "note",
	"description": concat("\n\n", [
		"A non-CA certificate was issued more than `max_age_days` days ago (default 90: the common \"rotate every 90 days\" policy). AKS itself rotates at about 80% of a two-year lifetime, so this rule reports against your own policy, not against AKS's; set `max_age_days` to match it, or skip the rule.",
		"CA certificates are exempt. Expired certificates are left to CERT001.",
	]),
	"remediation": "Rotate according to your policy: `az aks rotate-certs -g {resource_group} -n {cluster}` for cluster certificates, `az aks get-credentials -g {resource_group} -n {cluster} --overwrite-existing` for a kubeconfig client certificate.",
	"warning": "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and invalidates every existing kubeconfig until it is fetched again.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation",
	"tags": ["security", "aks", "certificates", "compliance"],
	"precision": "high",
	"params": {"max_age_days": 90},
}

max_age_days := lib.param(metadata, "max_age_days")

findings contains finding if {
	some cert in input.certificates
	not cert.is_ca
	cert.remaining_seconds >= 0
	cert.age_seconds > max_age_days * 86400
	finding := {
		"message": sprintf("%s was issued %s, %d days ago (maximum age %d days)", [lib.describe(cert), lib.date(cert.not_before), lib.whole_days(cert.age_seconds), max_age_days]),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": lib.cert_evidence(cert),
	}
}
