package aks_certscan.rules.legacy_two_year_ca_test

import data.aks_certscan.rules.legacy_two_year_ca as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

# Two years and ten minutes, as AKS issues them.
aks_two_years := (730 * 86400) + 600

test_fires_on_a_two_year_cluster_ca if {
	ca := fx.cert({"is_ca": true, "role": "cluster-ca", "lifetime_seconds": aks_two_years})
	r := rule.findings with input as fx.facts([ca])
	count(r) == 1
}

test_silent_on_a_thirty_year_ca if {
	ca := fx.cert({"is_ca": true, "role": "cluster-ca", "lifetime_seconds": (10957 * 86400) + 600})
	r := rule.findings with input as fx.facts([ca])
	count(r) == 0
}

test_silent_on_a_two_year_leaf if {
	r := rule.findings with input as fx.facts([fx.cert({"lifetime_seconds": aks_two_years})])
	count(r) == 0
}

test_silent_on_a_ca_that_is_not_a_cluster_ca if {
	not_cluster_ca := fx.cert({"is_ca": true, "role": "unknown", "lifetime_seconds": aks_two_years})
	r := rule.findings with input as fx.facts([not_cluster_ca])
	count(r) == 0
}
