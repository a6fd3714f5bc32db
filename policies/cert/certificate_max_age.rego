# CERT004: a non-CA certificate older than the organisation's maximum age.
package aks_certscan.rules.certificate_max_age

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT004",
	"name": "certificate-max-age",
	"title": "Certificate is older than the maximum age",
	"severity": "note",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"A non-CA certificate was issued more than `max_age_days` days ago (default 90: the common",
			"\"rotate every 90 days\" policy). AKS itself rotates at about 80% of a two-year lifetime, so",
			"this rule reports against your own policy, not against AKS's; set `max_age_days` to match it,",
			"or skip the rule.",
		]),
		"CA certificates are exempt. Expired certificates are left to CERT001.",
	]),
	"remediation": concat(" ", [
		"Rotate according to your policy: `az aks rotate-certs -g {resource_group} -n {cluster}` for",
		sprintf("cluster certificates, %s for a kubeconfig client certificate.", [lib.get_credentials]),
	]),
	"warning": lib.rotate_certs_caution,
	"object_remediation": lib.in_cluster_remediation,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#cert004",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "certificates", "compliance"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12"],
		"org": ["rotate-90d"],
	},
	"precision": "high",
	"params": {"max_age_days": 90},
}

max_age_days := lib.param(metadata, "max_age_days")

max_age_seconds := max_age_days * 86400

# The finding is the rule's head: built once per certificate that fires, with no assignment.
findings contains {
	"message": sprintf("%s was issued %s, %d days ago (maximum age %d days)", [
		cert.display_name,
		cert.not_before_date,
		cert.age_whole_days,
		days,
	]),
	"resource": {"kind": "certificate", "id": cert.id},
	"location": {"path": cert.origin.path, "line": cert.origin.line},
} if {
	# Rule values are bound once, before the loop: a reference inside it is looked up per certificate.
	limit := max_age_seconds
	days := max_age_days
	some cert in input.certificates
	cert.age_seconds > limit
	cert.remaining_seconds >= 0
	not cert.is_ca
}

# Every non-CA certificate is examined (CAs are exempt), expired ones included (CERT001 reports
# those), for the compliance report.
examined contains lib.examined_cert(cert) if {
	some cert in input.certificates
	not cert.is_ca
}
