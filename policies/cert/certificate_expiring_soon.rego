# CERT002: a certificate close to its notAfter.
package aks_certscan.rules.certificate_expiring_soon

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT002",
	"name": "certificate-expiring-soon",
	"title": "Certificate expires soon",
	"severity": "warning",
	"description": concat("\n\n", [
		"The certificate is still valid, but less than `expiry_warning_days` days are left, or less than `expiry_warning_fraction` of its lifetime. The finding is an error below `expiry_critical_days`. AKS non-CA certificates live about two years; a cluster CA thirty years (two for clusters created before May 2019).",
		"Applies to every certificate. The fraction test needs a positive lifetime; certificates whose notAfter is before their notBefore are judged by days only.",
	]),
	"remediation": "If the cluster auto-rotates (RBAC on, created or upgraded after March 2022, nodes with TLS bootstrapping), check that rotation is happening; otherwise rotate now: `az aks rotate-certs -g {resource_group} -n {cluster}`, then `az aks get-credentials -g {resource_group} -n {cluster} --overwrite-existing`. For a kubeconfig client certificate, fetching credentials again is enough.",
	"warning": "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and invalidates every existing kubeconfig until it is fetched again.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation",
	"tags": ["security", "aks", "certificates", "expiry"],
	"precision": "very-high",
	"params": {
		"expiry_warning_days": 30,
		"expiry_warning_fraction": 0.1,
		"expiry_critical_days": 7,
	},
}

warning_days := lib.param(metadata, "expiry_warning_days")

warning_fraction := lib.param(metadata, "expiry_warning_fraction")

critical_days := lib.param(metadata, "expiry_critical_days")

expiring(cert) if cert.remaining_seconds < warning_days * 86400

expiring(cert) if {
	cert.lifetime_seconds > 0
	cert.remaining_seconds < warning_fraction * cert.lifetime_seconds
}

level(cert) := "error" if cert.remaining_seconds < critical_days * 86400

else := "warning"

findings contains finding if {
	some cert in input.certificates
	cert.remaining_seconds >= 0
	expiring(cert)
	finding := {
		"message": sprintf("%s expires %s (%d days left, %v%% of its lifetime used)", [lib.describe(cert), lib.date(cert.not_after), lib.whole_days(cert.remaining_seconds), lib.percent(cert.lifetime_used)]),
		"level": level(cert),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": lib.cert_evidence(cert),
	}
}
