# CERT002: a certificate close to its notAfter.
package aks_certscan.rules.certificate_expiring_soon

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT002",
	"name": "certificate-expiring-soon",
	"title": "Certificate expires soon",
	"severity": "warning",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The certificate is still valid, but less than `expiry_warning_days` days are left, or less than",
			"`expiry_warning_fraction` of its lifetime. The finding is an error below `expiry_critical_days`.",
			"AKS non-CA certificates live about two years; a cluster CA thirty years (two for clusters",
			"created before May 2019).",
		]),
		concat(" ", [
			"Applies to every certificate. The fraction test needs a positive lifetime; certificates whose",
			"notAfter is before their notBefore are judged by days only.",
		]),
	]),
	"remediation": concat(" ", [
		"If the cluster auto-rotates (RBAC on, created or upgraded after March 2022, nodes with TLS",
		"bootstrapping), check that rotation is happening; otherwise rotate now:",
		sprintf("`az aks rotate-certs -g {resource_group} -n {cluster}`, then %s.", [lib.get_credentials]),
		"For a kubeconfig client certificate, fetching credentials again is enough.",
	]),
	"warning": lib.rotate_certs_caution,
	"object_remediation": lib.in_cluster_remediation,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#cert002",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "certificates", "expiry"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "SC-17"],
	},
	"precision": "very-high",
	"params": {
		"expiry_warning_days": 30,
		"expiry_warning_fraction": 0.1,
		"expiry_critical_days": 7,
	},
}

warning_seconds := lib.param(metadata, "expiry_warning_days") * 86400

warning_fraction := lib.param(metadata, "expiry_warning_fraction")

critical_seconds := lib.param(metadata, "expiry_critical_days") * 86400

# The level by whether fewer than `expiry_critical_days` are left.
levels := {true: "error", false: "warning"}

# Two bodies, one per test, both cheap (no function call per certificate); a certificate that
# passes both gives the same finding twice, which the set keeps once.
findings contains expiring_finding(cert) if {
	# Rule values are bound once, before the loop: a reference inside it is looked up per certificate.
	limit := warning_seconds
	some cert in input.certificates
	cert.remaining_seconds < limit
	cert.remaining_seconds >= 0
}

# Less than `warning_fraction` of the lifetime left means more than `1 - warning_fraction` of it
# used: `lifetime_used` (rounded to four decimals) rules most certificates out in one test.
fraction_candidate := (1 - warning_fraction) - 0.001

findings contains expiring_finding(cert) if {
	candidate := fraction_candidate
	share := warning_fraction
	some cert in input.certificates
	cert.lifetime_used > candidate
	cert.remaining_seconds >= 0
	cert.remaining_seconds < share * cert.lifetime_seconds
	cert.lifetime_seconds > 0
}

expiring_finding(cert) := {
	"message": sprintf("%s expires %s (%d days left, %v%% of its lifetime used)", [
		cert.display_name,
		cert.not_after_date,
		cert.remaining_whole_days,
		cert.lifetime_used_percent,
	]),
	"level": levels[cert.remaining_seconds < critical_seconds],
	"resource": {"kind": "certificate", "id": cert.id},
	"location": {"path": cert.origin.path, "line": cert.origin.line},
}

# Every certificate is examined (for the compliance report).
examined contains lib.examined_cert(cert) if some cert in input.certificates
