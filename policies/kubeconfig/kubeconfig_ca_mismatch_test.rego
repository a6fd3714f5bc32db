package aks_certscan.rules.kubeconfig_ca_mismatch_test

import data.aks_certscan.rules.kubeconfig_ca_mismatch as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

endpoint(result) := {
	"endpoint": "prod.hcp.westeurope.azmk8s.io:443",
	"host": "prod.hcp.westeurope.azmk8s.io",
	"port": 443,
	"chain": ["leaf"],
	"cluster_key": null,
	"ca_checks": [{
		"kubeconfig": "kubeconfig",
		"cluster": "prod",
		"line": 3,
		"verification": {"result": result, "ca_id": "ca", "ca_source": "kubeconfig"},
	}],
}

test_fires_when_the_chain_does_not_verify if {
	r := rule.findings with input as object.union(fx.facts([]), {"endpoints": [endpoint("not-signed-by-ca")]})
	count(r) == 1
	some f in r
	f.location == {"path": "kubeconfig", "line": 3}
}

test_silent_when_it_verifies if {
	r := rule.findings with input as object.union(fx.facts([]), {"endpoints": [endpoint("verified")]})
	count(r) == 0
}

test_silent_without_probes if {
	r := rule.findings with input as fx.facts([])
	count(r) == 0
}
