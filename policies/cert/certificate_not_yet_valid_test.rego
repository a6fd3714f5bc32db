package aks_certscan.rules.certificate_not_yet_valid_test

import data.aks_certscan.rules.certificate_not_yet_valid as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_before_not_before if {
	early := fx.cert({"age_seconds": -5 * 86400, "not_before": "2026-12-04T00:00:00Z"})
	r := rule.findings with input as fx.facts([early])
	count(r) == 1
	some f in r
	contains(f.message, "not valid until 2026-12-04 (5 days from now)")
}

test_silent_once_valid if {
	r := rule.findings with input as fx.facts([fx.cert({})])
	count(r) == 0
}
