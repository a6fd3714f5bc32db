# An organisation's own rule written the short way (see docs/policies.md): the rule decides and
# returns the certificate's id, its location and a message; aks-certscan adds the certificate's
# name, its cluster and the standard evidence. `scope: certificate` lets it run over chunks of
# certificates in parallel.
package aks_certscan.rules.org_client_lifetime

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "ORG002",
	"name": "client-certificate-lifetime-over-policy",
	"title": "Kubeconfig client certificate lives longer than our policy allows",
	"severity": "note",
	"scope": "certificate",
	"description": "Our policy caps client certificate lifetimes at `max_client_days` days.",
	"remediation": "Fetch short-lived credentials: `az aks get-credentials -g {resource_group} -n {cluster}`.",
	"help_uri": "https://example.com/pki-policy#clients",
	"tags": ["security", "org"],
	"params": {"max_client_days": 365},
}

findings contains finding if {
	limit := lib.param(metadata, "max_client_days")
	some cert in input.certificates
	cert.role == "kubeconfig-client"
	cert.lifetime_days > limit
	finding := {
		"message": sprintf("%s lives %v days, more than %v", [cert.display_name, cert.lifetime_days, limit]),
		"resource": {"kind": "certificate", "id": cert.id},
		"location": {"path": cert.origin.path, "line": cert.origin.line},
		"evidence": {"max_client_days": limit},
	}
}
