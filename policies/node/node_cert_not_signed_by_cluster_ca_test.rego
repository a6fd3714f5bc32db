package aks_certscan.rules.node_cert_not_signed_by_cluster_ca_test

import data.aks_certscan.rules.node_cert_not_signed_by_cluster_ca as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

on_node(result) := fx.cert({
	"role": "kubelet-client",
	"origin": object.union(fx.base_cert.origin, {
		"node_root": "node",
		"node_path": "/var/lib/kubelet/pki/kubelet-client-current.pem",
	}),
	"ca_verification": {"result": result, "ca_id": "ca1", "ca_source": "kubeconfig k cluster c"},
})

test_fires_when_the_signature_does_not_verify if {
	r := rule.findings with input as fx.facts([on_node("not-signed-by-ca")])
	count(r) == 1
}

test_silent_when_verified if {
	r := rule.findings with input as fx.facts([on_node("verified")])
	count(r) == 0
}

test_silent_when_the_check_is_inconclusive if {
	r := rule.findings with input as fx.facts([on_node("unsupported-algorithm"), on_node("ca-key-too-weak")])
	count(r) == 0
}

test_silent_without_a_check if {
	unchecked := fx.cert({"role": "kubelet-client", "origin": object.union(fx.base_cert.origin, {"node_root": "node"})})
	r := rule.findings with input as fx.facts([unchecked])
	count(r) == 0
}
