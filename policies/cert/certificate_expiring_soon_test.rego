package aks_certscan.rules.certificate_expiring_soon_test

import data.aks_certscan.rules.certificate_expiring_soon as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_as_warning_inside_thirty_days if {
	r := rule.findings with input as fx.facts([fx.cert({"remaining_seconds": 20 * 86400, "lifetime_used": 0.97})])
	count(r) == 1
	some f in r
	f.level == "warning"
	contains(f.message, "20 days left")
}

test_fires_as_error_inside_seven_days if {
	r := rule.findings with input as fx.facts([fx.cert({"remaining_seconds": 3 * 86400})])
	some f in r
	f.level == "error"
}

test_fires_on_the_lifetime_fraction if {
	# 30-year CA with 2 years left: 6.7% of its lifetime, more than 30 days.
	ca := fx.cert({
		"lifetime_seconds": 946728000,
		"age_seconds": 883656000,
		"remaining_seconds": 63072000,
		"lifetime_used": 0.9334,
		"is_ca": true,
	})
	r := rule.findings with input as fx.facts([ca])
	count(r) == 1
}

test_params_override_the_threshold if {
	r := rule.findings with input as fx.facts([fx.cert({"remaining_seconds": 40 * 86400})])
		with data.aks_certscan.params as {"CERT002": {"expiry_warning_days": 45}}
	count(r) == 1
}

test_silent_with_plenty_of_time_left if {
	r := rule.findings with input as fx.facts([fx.cert({})])
	count(r) == 0
}

test_silent_once_expired if {
	r := rule.findings with input as fx.facts([fx.cert({"remaining_seconds": -1})])
	count(r) == 0
}

test_inverted_validity_judged_by_days_only if {
	inverted := fx.cert({"lifetime_seconds": -100, "remaining_seconds": 400 * 86400, "lifetime_used": null})
	r := rule.findings with input as fx.facts([inverted])
	count(r) == 0
}

test_silent_just_above_the_lifetime_fraction if {
	# 30-year CA with 3.1 years left: 10.3% of its lifetime, more than 30 days.
	ca := fx.cert({
		"lifetime_seconds": 946728000,
		"age_seconds": 848854800,
		"remaining_seconds": 97873200,
		"lifetime_used": 0.8966,
		"is_ca": true,
	})
	r := rule.findings with input as fx.facts([ca])
	count(r) == 0
}
