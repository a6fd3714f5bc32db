package aks_certscan.rules.kubelet_client_rotation_disabled_test

import data.aks_certscan.rules.kubelet_client_rotation_disabled as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

defaults := "n/etc/default/kubelet"

doc(kubelet) := object.union(fx.facts([]), {"node_roots": [fx.node_root("n", kubelet)]})

test_fires_when_a_flag_turns_rotation_off if {
	r := rule.findings with input as doc({"rotate_certificates": fx.setting(false, defaults, 1, "flag")})
	count(r) == 1
	some f in r
	f.location == {"path": defaults, "line": 1}
	contains(f.message, "--rotate-certificates=false")
	rule.examined == {{"kind": "node-root", "id": "O=system:nodes,CN=system:node:n", "cluster": null}}
		with input as doc({"rotate_certificates": fx.setting(false, defaults, 1, "flag")})
}

test_fires_when_the_config_file_turns_it_off if {
	setting := fx.setting(false, "n/etc/default/kubeletconfig.json", 7, "config-file")
	r := rule.findings with input as doc({"rotate_certificates": setting})
	some f in r
	contains(f.message, "rotateCertificates: false")
}

test_silent_when_rotation_is_on if {
	input_doc := doc({"rotate_certificates": fx.setting(true, defaults, 1, "flag")})
	count(rule.findings) == 0 with input as input_doc
	count(rule.examined) == 1 with input as input_doc
	count(rule.unknown) == 0 with input as input_doc
}

test_unknown_when_no_file_sets_it if {
	input_doc := doc({})
	count(rule.findings) == 0 with input as input_doc
	count(rule.examined) == 0 with input as input_doc
	some u in rule.unknown with input as input_doc
	contains(u.reason, "rotateCertificates")
}
