package aks_certscan.rules.kubelet_kubeconfig_permissions_test

import data.aks_certscan.rules.kubelet_kubeconfig_permissions as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

doc(kubelet) := object.union(fx.facts([]), {"node_roots": [fx.node_root("n", kubelet)]})

test_fires_on_a_world_writable_kubeconfig if {
	r := rule.findings with input as doc({"kubeconfig_mode": "0666"})
	count(r) == 1
	some f in r
	contains(f.message, "mode 0666 is more open than 0644")
	f.location.path == "n/var/lib/kubelet/kubeconfig"
}

test_fires_on_another_owner if {
	r := rule.findings with input as doc({"kubeconfig_owner_uid": 1000, "kubeconfig_owner_gid": 1000})
	some f in r
	contains(f.message, "owner 1000:1000 is not root:root")
}

test_fires_on_an_executable_or_setuid_kubeconfig if {
	count(rule.findings) == 1 with input as doc({"kubeconfig_mode": "0744"})
	count(rule.findings) == 1 with input as doc({"kubeconfig_mode": "4644"})
}

test_silent_on_0644_and_more_restrictive if {
	every mode in ["0644", "0600", "0640", "0400", "0000"] {
		count(rule.findings) == 0 with input as doc({"kubeconfig_mode": mode})
	}
	count(rule.examined) == 1 with input as doc({"kubeconfig_mode": "0600"})
}

test_unknown_when_the_owner_was_not_recorded if {
	kubelet := {"kubeconfig_owner_uid": null, "kubeconfig_owner_gid": null, "kubeconfig_owner_unknown": "a copy"}
	count(rule.findings) == 0 with input as doc(kubelet)
	some u in rule.unknown with input as doc(kubelet)
	u.reason == "a copy"
}

test_not_concerned_without_a_kubelet_kubeconfig if {
	input_doc := doc({"kubeconfig_mode": null})
	count(rule.findings) == 0 with input as input_doc
	count(rule.examined) == 0 with input as input_doc
	count(rule.unknown) == 0 with input as input_doc
}
