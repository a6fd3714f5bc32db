# CERT001: a certificate whose notAfter has passed.
package aks_certscan.rules.certificate_expired

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT001",
	"name": "certificate-expired",
	"title": "Certificate has expired",
	"severity": "error",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The evaluation time (`now`) is past the certificate's notAfter. Whatever uses it fails TLS now:",
			"kubectl with an expired client certificate gets `Unauthorized`, nodes with an expired kubelet",
			"certificate go NotReady, an expired cluster CA breaks every connection.",
		]),
		concat(" ", [
			"Applies to every certificate in the facts. Facts needed: `not_after_unix` and the document's",
			"`now`, which are always present for a parsed certificate.",
		]),
	]),
	"remediation": concat(" ", [
		"Rotate the cluster's certificates: `az aks rotate-certs -g {resource_group} -n {cluster}`,",
		sprintf("then fetch new credentials: %s.", [lib.get_credentials]),
		"For a certificate outside AKS, reissue it.",
	]),
	"warning": lib.rotate_certs_caution,
	"object_remediation": lib.in_cluster_remediation,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#cert001",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "certificates", "expiry"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "SC-17", "IA-5(2)"],
		"org": ["rotate-90d"],
	},
	"precision": "very-high",
	"params": {},
}

# Every certificate is looked at: no function call per certificate, only per finding.
findings contains {
	"message": sprintf("%s expired on %s (%d days ago)", [
		cert.display_name,
		cert.not_after_date,
		0 - cert.remaining_whole_days,
	]),
	"resource": {"kind": "certificate", "id": cert.id},
	"location": {"path": cert.origin.path, "line": cert.origin.line},
} if {
	some cert in input.certificates
	cert.remaining_seconds < 0
}

# Every certificate is examined (for the compliance report).
examined contains lib.examined_cert(cert) if some cert in input.certificates
