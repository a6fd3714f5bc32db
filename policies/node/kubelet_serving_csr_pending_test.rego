package aks_certscan.rules.kubelet_serving_csr_pending_test

import data.aks_certscan.rules.kubelet_serving_csr_pending as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

csr(overrides) := object.union(
	{
		"name": "csr-abc12",
		"location": {"path": "objects.json", "line": 40},
		"source": "objects.json",
		"signer_name": "kubernetes.io/kubelet-serving",
		"username": "system:node:aks-nodepool1-1-vmss000000",
		"node": "aks-nodepool1-1-vmss000000",
		"created_at": "2026-11-28T20:00:00Z",
		"created_at_unix": 1795896000,
		"approved": false,
		"denied": false,
		"failed": false,
		"issued": false,
		"certificate_id": null,
		"cluster_key": "rg/prod",
		"pending_seconds": 14400,
	},
	overrides,
)

facts(csrs) := object.union(fx.facts([]), {"csrs": csrs})

test_fires_when_pending_longer_than_the_limit if {
	r := rule.findings with input as facts([csr({})])
	count(r) == 1
	some f in r
	contains(f.message, "pending for 240 minutes")
	contains(f.message, "node aks-nodepool1-1-vmss000000")
	f.resource.id == "rg/prod:csr-abc12"
}

test_silent_when_recent if {
	count(rule.findings) == 0 with input as facts([csr({"pending_seconds": 600})])
}

test_the_limit_is_a_parameter if {
	r := rule.findings with input as facts([csr({"pending_seconds": 600})])
		with data.aks_certscan.params as {"NODE007": {"max_pending_minutes": 5}}
	count(r) == 1
}

test_fires_when_denied_or_failed if {
	count(rule.findings) == 1 with input as facts([csr({"denied": true, "pending_seconds": null})])
	count(rule.findings) == 1 with input as facts([csr({"failed": true, "approved": true, "pending_seconds": null})])
}

test_silent_when_issued_or_another_signer if {
	count(rule.findings) == 0 with input as facts([csr({"issued": true, "approved": true, "pending_seconds": null})])
	count(rule.findings) == 0 with input as facts([csr({"signer_name": "kubernetes.io/kube-apiserver-client"})])
}
