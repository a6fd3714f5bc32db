# CERT006: a cluster CA with a two-year lifetime (clusters created before May 2019).
package aks_certscan.rules.legacy_two_year_ca

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT006",
	"name": "legacy-two-year-ca",
	"title": "Cluster CA has the legacy two-year lifetime",
	"severity": "warning",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"AKS clusters created before May 2019 got a cluster CA valid for two years; later clusters get",
			"thirty years. Auto-rotation never renews a CA, so a two-year CA must be rotated by hand before",
			"it expires, or every component of the cluster stops trusting every other.",
		]),
		concat(" ", [
			"A certificate counts as a cluster CA when it is a CA and its origin says so (a kubeconfig",
			"`certificate-authority`, a node's `ca.crt`). Its lifetime must be two years within",
			"`tolerance_days` (AKS adds about ten minutes to every period).",
		]),
	]),
	"remediation": concat(" ", [
		"Rotate the cluster's certificates, which issues a new thirty-year CA:",
		sprintf("`az aks rotate-certs -g {resource_group} -n {cluster}`, then %s", [lib.get_credentials]),
		"on every machine that uses the cluster.",
	]),
	"warning": lib.rotate_certs_caution,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#cert006",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "certificates", "ca"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-17"],
	},
	"precision": "high",
	"params": {"tolerance_days": 2},
}

two_years := 730 * 86400

tolerance := lib.param(metadata, "tolerance_days") * 86400

# 730 or 731 days (a leap year), give or take the tolerance.
shortest := two_years - tolerance

longest := (two_years + 86400) + tolerance

message := "%s has the legacy two-year lifetime (%s to %s, %d days left): it is never auto-rotated"

findings contains {
	"message": sprintf(message, [
		cert.display_name,
		cert.not_before_date,
		cert.not_after_date,
		cert.remaining_whole_days,
	]),
	"resource": {"kind": "certificate", "id": cert.id},
	"location": {"path": cert.origin.path, "line": cert.origin.line},
} if {
	some cert in input.certificates
	cert.role == "cluster-ca"
	cert.is_ca
	cert.lifetime_seconds >= shortest
	cert.lifetime_seconds <= longest
}

# Every cluster CA is examined (for the compliance report).
examined contains lib.examined_cert(cert) if {
	some cert in input.certificates
	cert.role == "cluster-ca"
}
