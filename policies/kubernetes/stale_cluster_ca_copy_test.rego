package aks_certscan.rules.stale_cluster_ca_copy_test

import data.aks_certscan.rules.stale_cluster_ca_copy as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

pin(kind, current) := {
	"object": "argocd/Secret/cluster-prod#config",
	"namespace": "argocd",
	"source": "objects.json",
	"location": {"path": "objects.json", "line": 12},
	"kind": kind,
	"server": "https://kubernetes.default.svc",
	"in_cluster": true,
	"ca_certificate_ids": ["old"],
	"cluster_key": "rg/prod",
	"targets_own_cluster": true,
	"current_ca_id": "new",
	"current_ca_source": "objects.json kube-root-ca.crt",
	"pins_current_ca": current,
}

facts(pins) := object.union(fx.facts([]), {"ca_pins": pins})

test_fires_on_a_stale_copy if {
	r := rule.findings with input as facts([pin("argocd-cluster", false)])
	count(r) == 1
	some f in r
	f.location == {"path": "objects.json", "line": 12, "object": "argocd/Secret/cluster-prod#config"}
	f.resource.id == "rg/prod:argocd/Secret/cluster-prod#config"
	contains(f.message, "an Argo CD cluster secret")
	contains(f.message, "pins a CA of its own cluster")
	f.resource.cluster == {"resource_group": "rg", "name": "prod"}
}

test_silent_on_the_current_ca if {
	r := rule.findings with input as facts([pin("service-account-token", true)])
	count(r) == 0
}

test_silent_and_unknown_when_the_current_ca_is_unknown if {
	p := object.union(pin("kubeconfig", null), {"current_ca_id": null, "pins_current_ca": null})
	count(rule.findings) == 0 with input as facts([p])
	count(rule.unknown) == 1 with input as facts([p])
}

test_silent_without_pins if {
	count(rule.findings) == 0 with input as fx.facts([])
}

test_names_the_other_cluster_a_copy_is_for if {
	# Argo CD in a management cluster, holding the old CA of a workload cluster it deploys to.
	p := object.union(pin("argocd-cluster", false), {
		"in_cluster": false,
		"targets_own_cluster": false,
		"server": "https://prod-abc.hcp.westeurope.azmk8s.io:443",
	})
	r := rule.findings with input as facts([p])
	count(r) == 1
	some f in r
	contains(f.message, "pins a CA of cluster rg/prod that is no longer current")
}

test_unknown_when_the_cluster_is_unknown if {
	p := object.union(pin("kubeconfig", null), {"targets_own_cluster": false, "cluster_key": null, "in_cluster": false})
	some u in rule.unknown with input as facts([p])
	contains(u.reason, "its cluster is unknown")
}
