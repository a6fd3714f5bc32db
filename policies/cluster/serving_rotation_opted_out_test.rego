package aks_certscan.rules.serving_rotation_opted_out_test

import data.aks_certscan.rules.serving_rotation_opted_out as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

pool(opt_out) := object.union(fx.base_cluster.agent_pools[0], {"serving_rotation_opt_out": opt_out})

doc(opt_out, now_unix) := object.union(
	fx.with_clusters([], [fx.cluster({"agent_pools": [pool(opt_out)]})]),
	{"now_unix": now_unix},
)

before := 1795910400 # 2026-11-29

after := 1806537600 # 2027-04-01T00:00:00Z

test_fires_before_the_deadline_saying_the_tag_is_honoured if {
	r := rule.findings with input as doc(true, before)
	count(r) == 1
	some f in r
	contains(f.message, "agent pool nodepool1 of cluster rg/prod")
	contains(f.message, "AKS honours the tag until 2027-04-01")
	f.evidence.honoured_now == true
}

test_fires_from_the_deadline_saying_the_tag_has_no_effect if {
	r := rule.findings with input as doc(true, after)
	count(r) == 1
	some f in r
	contains(f.message, "no longer has effect since 2027-04-01")
	f.evidence.honoured_now == false
}

test_silent_without_the_tag if {
	count(rule.findings) == 0 with input as doc(null, before)
	count(rule.findings) == 0 with input as doc(false, before)
	count(rule.examined) == 1 with input as doc(null, before)
}
