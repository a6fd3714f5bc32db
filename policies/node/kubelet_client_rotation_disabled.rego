# NODE004: the kubelet is told not to rotate its client certificate.
package aks_certscan.rules.kubelet_client_rotation_disabled

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "NODE004",
	"name": "kubelet-client-rotation-disabled",
	"title": "Kubelet client certificate rotation is turned off",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The node's kubelet runs with `--rotate-certificates=false` (or `rotateCertificates: false` in",
			"its config file, not overridden by a flag). It will not request a new client certificate",
			"before the current one expires, so the node goes NotReady when it does, whatever AKS",
			"auto-rotation promises. CIS AKS Benchmark 3.2.8.",
		]),
		concat(" ", [
			"Reads the node's own kubelet configuration (`/etc/default/kubelet`, systemd drop-ins, the",
			"`--config` file; Windows `c:\\k\\kubeclusterconfig.json`), flags overriding the file as the",
			"kubelet applies them. A node where no file sets it is unknown and stays silent.",
		]),
	]),
	"remediation": concat(" ", [
		"Remove `--rotate-certificates=false` (AKS sets it to true) and restart the kubelet, or",
		"reimage the node pool: `az aks nodepool upgrade -g {resource_group} --cluster-name {cluster}",
		"-n <pool> --node-image-only`.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#node004",
	"references": [
		"https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/",
		"https://github.com/aquasecurity/kube-bench/blob/main/cfg/aks-1.7/node.yaml",
	],
	"tags": ["security", "aks", "rotation", "nodes", "kubelet"],
	"controls": {
		"cis-aks": ["3.2.8"],
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "IA-5(2)", "CM-6"],
	},
	"precision": "very-high",
	"params": {},
}

findings contains finding if {
	some root in input.node_roots
	setting := root.kubelet.rotate_certificates
	setting.value == false
	finding := {
		"message": sprintf("node %s: the kubelet does not rotate its client certificate (%s in %s, line %d)", [
			root.path,
			spelling[setting.from],
			setting.file,
			setting.line,
		]),
		"resource": lib.node_resource(root),
		"location": lib.setting_location(setting),
		"evidence": {"rotate_certificates": setting},
	}
}

spelling := {"flag": "--rotate-certificates=false", "config-file": "rotateCertificates: false"}

# Every node whose setting is known was examined; the others are unknown.
examined contains lib.examined_node(root) if {
	some root in input.node_roots
	is_boolean(root.kubelet.rotate_certificates.value)
}

unknown contains object.union(lib.examined_node(root), {"reason": reason}) if {
	some root in input.node_roots
	not is_boolean(root.kubelet.rotate_certificates.value)
	reason := "no kubelet flag or config file read on the node sets rotateCertificates"
}
