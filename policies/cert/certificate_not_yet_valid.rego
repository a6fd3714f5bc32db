# CERT003: a certificate whose notBefore is still in the future.
package aks_certscan.rules.certificate_not_yet_valid

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT003",
	"name": "certificate-not-yet-valid",
	"title": "Certificate is not valid yet",
	"severity": "warning",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The evaluation time (`now`) is before the certificate's notBefore, so TLS peers reject it.",
			"Usually a clock problem on the issuing or the scanning machine, or a certificate installed",
			"too early.",
		]),
		"Applies to every certificate; needs only `not_before_unix` and `now`.",
	]),
	"remediation": concat(" ", [
		"Check the clocks (NTP) of the machine that issued the certificate and of the machine running the",
		"scan (`--now` sets the evaluation time). For AKS certificates,",
		"`az aks rotate-certs -g {resource_group} -n {cluster}` issues new ones.",
	]),
	"object_remediation": lib.in_cluster_remediation,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#cert003",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "certificates"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-17"],
	},
	"precision": "very-high",
	"params": {},
}

findings contains {
	"message": sprintf("%s is not valid until %s (%d days from now)", [
		cert.display_name,
		cert.not_before_date,
		0 - cert.age_whole_days,
	]),
	"resource": {"kind": "certificate", "id": cert.id},
	"location": {"path": cert.origin.path, "line": cert.origin.line},
} if {
	some cert in input.certificates
	cert.age_seconds < 0
}

# Every certificate is examined (for the compliance report).
examined contains lib.examined_cert(cert) if some cert in input.certificates
