package aks_certscan.rules.rbac_disabled_test

import data.aks_certscan.rules.rbac_disabled as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_when_rbac_is_off if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({"enable_rbac": false})])
	count(r) == 1
	some f in r
	f.resource.kind == "cluster"
	f.location.path == "cluster.json"
}

test_silent_when_rbac_is_on if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({})])
	count(r) == 0
}

test_silent_when_rbac_is_unknown if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({"enable_rbac": null})])
	count(r) == 0
}
