# CERT001: a certificate whose notAfter has passed.
package aks_certscan.rules.certificate_expired

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT001",
	"name": "certificate-expired",
	"title": "Certificate has expired",
	"severity": "error",
	"description": concat("\n\n", [
		"The evaluation time (`now`) is past the certificate's notAfter. Whatever uses it fails TLS now: kubectl with an expired client certificate gets `Unauthorized`, nodes with an expired kubelet certificate go NotReady, an expired cluster CA breaks every connection.",
		"Applies to every certificate in the facts. Facts needed: `not_after_unix` and the document's `now`, which are always present for a parsed certificate.",
	]),
	"remediation": "Rotate the cluster's certificates: `az aks rotate-certs -g {resource_group} -n {cluster}`, then fetch new credentials: `az aks get-credentials -g {resource_group} -n {cluster} --overwrite-existing`. For a certificate outside AKS, reissue it.",
	"warning": "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and invalidates every existing kubeconfig (`x509: certificate signed by unknown authority`) until it is fetched again.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation",
	"tags": ["security", "aks", "certificates", "expiry"],
	"precision": "very-high",
	"params": {},
}

findings contains finding if {
	some cert in input.certificates
	cert.remaining_seconds < 0
	finding := {
		"message": sprintf("%s expired on %s (%d days ago)", [lib.describe(cert), lib.date(cert.not_after), 0 - lib.whole_days(cert.remaining_seconds)]),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": lib.cert_evidence(cert),
	}
}
