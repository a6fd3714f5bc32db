package aks_certscan.rules.source_unreadable_test

import data.aks_certscan.rules.source_unreadable as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_one_finding_per_error if {
	errors := [
		{
			"source": "certs",
			"path": "certs/bad.pem",
			"line": 3,
			"kind": "malformed-certificate",
			"message": "truncated PEM block",
		},
		{"source": "cluster", "path": "c.json", "line": null, "kind": "malformed-json", "message": "not valid JSON"},
	]
	r := rule.findings with input as object.union(fx.facts([]), {"errors": errors})
	count(r) == 2
}

test_silent_without_errors if {
	r := rule.findings with input as fx.facts([])
	count(r) == 0
}
