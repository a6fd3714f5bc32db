# NODE005: a node with a cluster-signed kubelet serving certificate that is told not to rotate it.
package aks_certscan.rules.kubelet_serving_rotation_disabled

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "NODE005",
	"name": "kubelet-serving-rotation-disabled",
	"title": "Kubelet serving certificate rotation is turned off",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The node's kubelet serves with a certificate signed by the cluster CA (it came from a CSR,",
			"`kubelet-server-current.pem`), but its configuration turns serving certificate rotation off:",
			"the `RotateKubeletServerCertificate` feature gate is false, or `serverTLSBootstrap: false` /",
			"`--rotate-server-certificates=false`. When that certificate expires, `kubectl logs` and",
			"`kubectl exec` to the node fail. CIS AKS Benchmark 3.2.9.",
		]),
		concat(" ", [
			"Applies only to nodes whose serving certificate the cluster CA signed (verified against the",
			"node's `ca.crt`, or, when the node's files are not at hand, the node's label",
			"`kubernetes.azure.com/kubelet-serving-ca=cluster` from `--nodes` or `--k8s-objects`); a node",
			"on AgentBaker's self-signed `kubeletserver.crt` is not concerned. A node where neither",
			"setting is found in any file is unknown and stays silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Set `--feature-gates=RotateKubeletServerCertificate=true` and `serverTLSBootstrap: true` (or",
		"`--rotate-server-certificates=true`) again, or reimage the node pool: `az aks nodepool upgrade",
		"-g {resource_group} --cluster-name {cluster} -n <pool> --node-image-only`.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#node005",
	"references": [
		"https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation",
		"https://github.com/aquasecurity/kube-bench/blob/main/cfg/aks-1.7/node.yaml",
	],
	"tags": ["security", "aks", "rotation", "nodes", "kubelet"],
	"controls": {
		"cis-aks": ["3.2.9"],
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "SC-17", "CM-6"],
	},
	"precision": "high",
	"params": {},
}

disabled(root) := root.kubelet.rotate_kubelet_server_certificate if {
	root.kubelet.rotate_kubelet_server_certificate.value == false
} else := root.kubelet.server_tls_bootstrap if {
	root.kubelet.server_tls_bootstrap.value == false
}

findings contains finding if {
	some root in input.node_roots
	root.serving_certificate_cluster_signed
	setting := disabled(root)
	finding := {
		"message": sprintf("node %s serves with a cluster-signed certificate but does not rotate it (%s, line %d)", [
			root.path,
			setting.file,
			setting.line,
		]),
		"resource": lib.node_resource(root),
		"location": lib.setting_location(setting),
		"evidence": {
			"rotate_kubelet_server_certificate": root.kubelet.rotate_kubelet_server_certificate,
			"server_tls_bootstrap": root.kubelet.server_tls_bootstrap,
		},
	}
}

known(root) if is_boolean(root.kubelet.rotate_kubelet_server_certificate.value)

known(root) if is_boolean(root.kubelet.server_tls_bootstrap.value)

examined contains lib.examined_node(root) if {
	some root in input.node_roots
	root.serving_certificate_cluster_signed
	known(root)
}

unknown contains object.union(lib.examined_node(root), {"reason": reason}) if {
	some root in input.node_roots
	root.serving_certificate_cluster_signed
	not known(root)
	reason := concat(" ", [
		"no kubelet flag or config file read on the node sets",
		"RotateKubeletServerCertificate or serverTLSBootstrap",
	])
}
