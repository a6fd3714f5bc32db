# A rule that compiles but fails during evaluation when more than one cluster is scanned: its
# complete rule `first_name` gets two different values.
package aks_certscan.rules.conflicting

import rego.v1

metadata := {
	"id": "ERR001",
	"name": "conflicting-values",
	"title": "Fails at evaluation",
	"severity": "note",
	"description": "Test fixture for evaluation errors.",
	"remediation": "None.",
	"help_uri": "https://example.com/err001",
	"tags": ["test"],
	"params": {},
}

first_name := c.name if {
	some c in input.clusters
}

findings contains finding if {
	first_name
	finding := {"message": "never", "resource": {"kind": "cluster", "id": first_name, "name": first_name}}
}
