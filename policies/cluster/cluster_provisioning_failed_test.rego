package aks_certscan.rules.cluster_provisioning_failed_test

import data.aks_certscan.rules.cluster_provisioning_failed as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_when_failed if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({"provisioning_state": "Failed"})])
	count(r) == 1
}

test_silent_when_succeeded_or_unknown if {
	unknown := fx.cluster({"key": "rg/b", "provisioning_state": null})
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({}), unknown])
	count(r) == 0
}
