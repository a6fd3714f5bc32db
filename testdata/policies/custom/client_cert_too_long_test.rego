package aks_certscan.rules.org_client_lifetime_test

import data.aks_certscan.rules.org_client_lifetime as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_on_a_two_year_client_certificate if {
	client := fx.cert({"role": "kubeconfig-client", "lifetime_days": 730})
	r := rule.findings with input as fx.facts([client])
	r == {{
		"message": "certificate CN=a in certs/a.pem lives 730 days, more than 365",
		"resource": {"kind": "certificate", "id": "abc"},
		"location": {"path": "certs/a.pem", "line": 1},
		"evidence": {"max_client_days": 365},
	}}
}

test_silent_on_a_short_lived_client_certificate if {
	r := rule.findings with input as fx.facts([fx.cert({"role": "kubeconfig-client", "lifetime_days": 30})])
	count(r) == 0
}
