package aks_certscan.rules.certificate_rotation_in_progress_test

import data.aks_certscan.rules.certificate_rotation_in_progress as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_while_rotating if {
	rotating := fx.cluster({"provisioning_state": "RotatingClusterCertificates"})
	r := rule.findings with input as fx.with_clusters([], [rotating])
	count(r) == 1
}

test_silent_when_succeeded if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({})])
	count(r) == 0
}

test_silent_when_unknown if {
	r := rule.findings with input as fx.with_clusters([], [fx.cluster({"provisioning_state": null})])
	count(r) == 0
}
