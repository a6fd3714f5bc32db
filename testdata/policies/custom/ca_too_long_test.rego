package aks_certscan.rules.org_ca_lifetime_test

import data.aks_certscan.rules.org_ca_lifetime as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_on_a_thirty_year_ca if {
	r := rule.findings with input as fx.facts([fx.cert({"role": "cluster-ca", "is_ca": true, "lifetime_days": 10957})])
	count(r) == 1
}
