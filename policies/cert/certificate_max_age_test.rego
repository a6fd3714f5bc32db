package aks_certscan.rules.certificate_max_age_test

import data.aks_certscan.rules.certificate_max_age as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_past_ninety_days if {
	r := rule.findings with input as fx.facts([fx.cert({"age_seconds": 91 * 86400})])
	count(r) == 1
}

test_silent_for_young_certificates if {
	r := rule.findings with input as fx.facts([fx.cert({"age_seconds": 89 * 86400})])
	count(r) == 0
}

test_silent_for_ca_certificates if {
	r := rule.findings with input as fx.facts([fx.cert({"age_seconds": 900 * 86400, "is_ca": true})])
	count(r) == 0
}

test_param_raises_the_limit if {
	r := rule.findings with input as fx.facts([fx.cert({"age_seconds": 200 * 86400})])
		with data.aks_certscan.params as {"CERT004": {"max_age_days": 365}}
	count(r) == 0
}
