package aks_certscan.rules.kubelet_serving_rotation_disabled_test

import data.aks_certscan.rules.kubelet_serving_rotation_disabled as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

defaults := "n/etc/default/kubelet"

# A node whose kubelet serving certificate the node's CA signed (`signed`), or its own self-signed one.
doc(kubelet, signed) := object.union(fx.facts([]), {"node_roots": [object.union(
	fx.node_root("n", kubelet),
	{"serving_certificate_cluster_signed": signed},
)]})

gate_off := {"rotate_kubelet_server_certificate": fx.setting(false, defaults, 1, "flag")}

test_fires_when_the_gate_is_off_on_a_cluster_signed_serving_certificate if {
	r := rule.findings with input as doc(gate_off, true)
	count(r) == 1
	some f in r
	f.location == {"path": defaults, "line": 1}
}

test_fires_when_server_tls_bootstrap_is_off if {
	kubelet := {"server_tls_bootstrap": fx.setting(false, "n/etc/default/kubeletconfig.json", 9, "config-file")}
	r := rule.findings with input as doc(kubelet, true)
	some f in r
	f.location.line == 9
}

test_not_concerned_with_a_self_signed_serving_certificate if {
	input_doc := doc(gate_off, false)
	count(rule.findings) == 0 with input as input_doc
	count(rule.examined) == 0 with input as input_doc
	count(rule.unknown) == 0 with input as input_doc
}

test_silent_when_rotation_is_on if {
	kubelet := {
		"rotate_kubelet_server_certificate": fx.setting(true, defaults, 1, "flag"),
		"server_tls_bootstrap": fx.setting(true, defaults, 1, "flag"),
	}
	count(rule.findings) == 0 with input as doc(kubelet, true)
	count(rule.examined) == 1 with input as doc(kubelet, true)
}

test_unknown_when_no_file_sets_either if {
	input_doc := doc({}, true)
	count(rule.findings) == 0 with input as input_doc
	count(rule.unknown) == 1 with input as input_doc
}
