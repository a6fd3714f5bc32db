package aks_certscan.rules.tls_bootstrap_missing_test

import data.aks_certscan.rules.tls_bootstrap_missing as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

root(bootstrapped) := {
	"path": "node",
	"kubelet_kubeconfig": "node/var/lib/kubelet/kubeconfig",
	"kubelet_client_subject": "O=system:nodes,CN=system:node:aks-np-1",
	"cluster_key": null,
	"tls_bootstrap": {
		"bootstrapped": bootstrapped,
		"kubelet_client_certificate": "/etc/kubernetes/certs/client.crt",
	},
}

test_fires_without_bootstrapping if {
	r := rule.findings with input as object.union(fx.facts([]), {"node_roots": [root(false)]})
	count(r) == 1
	some f in r
	f.location.path == "node/var/lib/kubelet/kubeconfig"
	f.resource.id == "O=system:nodes,CN=system:node:aks-np-1"
}

test_silent_with_bootstrapping if {
	r := rule.findings with input as object.union(fx.facts([]), {"node_roots": [root(true)]})
	count(r) == 0
}

test_silent_when_unknown if {
	r := rule.findings with input as object.union(fx.facts([]), {"node_roots": [root(null)]})
	count(r) == 0
}
