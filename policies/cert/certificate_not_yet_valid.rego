# CERT003: a certificate whose notBefore is still in the future.
package aks_certscan.rules.certificate_not_yet_valid

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT003",
	"name": "certificate-not-yet-valid",
	"title": "Certificate is not valid yet",
	"severity": "warning",
	"description": concat("\n\n", [
		"The evaluation time (`now`) is before the certificate's notBefore, so TLS peers reject it. Usually a clock problem on the issuing or the scanning machine, or a certificate installed too early.",
		"Applies to every certificate; needs only `not_before_unix` and `now`.",
	]),
	"remediation": "Check the clocks (NTP) of the machine that issued the certificate and of the machine running the scan (`--now` sets the evaluation time). For AKS certificates, `az aks rotate-certs -g {resource_group} -n {cluster}` issues new ones.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation",
	"tags": ["security", "aks", "certificates"],
	"precision": "very-high",
	"params": {},
}

findings contains finding if {
	some cert in input.certificates
	cert.age_seconds < 0
	finding := {
		"message": sprintf("%s is not valid until %s (%d days from now)", [lib.describe(cert), lib.date(cert.not_before), lib.whole_days(0 - cert.age_seconds)]),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": lib.cert_evidence(cert),
	}
}
