# An organisation's own rule, as a user would write it (see docs/policies.md): the full finding
# shape, with the resource, its name and cluster, and the evidence spelled out in Rego. Without a
# `scope`, it reads the whole facts document.
package aks_certscan.rules.org_ca_lifetime

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "ORG001",
	"name": "ca-lifetime-over-policy",
	"title": "Cluster CA lives longer than our policy allows",
	"severity": "note",
	"description": "Our policy caps CA lifetimes at `max_ca_years` years.",
	"remediation": "Plan a CA rotation: `az aks rotate-certs -g {resource_group} -n {cluster}`.",
	"help_uri": "https://example.com/pki-policy",
	"tags": ["security", "org"],
	"params": {"max_ca_years": 10},
}

findings contains finding if {
	some cert in input.certificates
	cert.role == "cluster-ca"
	cert.lifetime_days > lib.param(metadata, "max_ca_years") * 365.25
	finding := {
		"message": sprintf("%s lives %v days, more than %v years", [
			lib.describe(cert),
			cert.lifetime_days,
			lib.param(metadata, "max_ca_years"),
		]),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": lib.cert_evidence(cert),
	}
}
