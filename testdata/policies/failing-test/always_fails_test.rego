package aks_certscan.rules.always_fails_test

import rego.v1

test_this_one_fails if {
	1 == 2
}
