# NODE006: the kubelet kubeconfig is more open than 0644 or not owned by root.
package aks_certscan.rules.kubelet_kubeconfig_permissions

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "NODE006",
	"name": "kubelet-kubeconfig-permissions",
	"title": "Kubelet kubeconfig is writable by others or not owned by root",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"`/var/lib/kubelet/kubeconfig` tells the kubelet which client certificate to present and",
			"which API server to trust. If anyone but root can change it, the node's identity can be",
			"redirected. CIS AKS Benchmark 3.1.1 (permissions 644 or more restrictive) and 3.1.2",
			"(owned by root:root).",
		]),
		concat(" ", [
			"Reads the mode and owner recorded when the node root was collected. The owner is recorded",
			"only when the node root itself belongs to root (a node, or a DaemonSet's mount), so a copy",
			"of a node's files elsewhere is unknown for ownership; a node root without a kubelet",
			"kubeconfig is not concerned.",
		]),
	]),
	"remediation": concat(" ", [
		"On the node: `chmod 644 /var/lib/kubelet/kubeconfig && chown root:root /var/lib/kubelet/kubeconfig`;",
		"or reimage the node pool: `az aks nodepool upgrade -g {resource_group} --cluster-name {cluster}",
		"-n <pool> --node-image-only`.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#node006",
	"references": ["https://github.com/aquasecurity/kube-bench/blob/main/cfg/aks-1.7/node.yaml"],
	"tags": ["security", "aks", "nodes", "kubelet", "permissions"],
	"controls": {
		"cis-aks": ["3.1.1", "3.1.2"],
		"nist-800-53": ["AC-3", "CM-6"],
	},
	"precision": "very-high",
	"params": {},
}

# Permission bits outside 0644 (`rw-r--r--`): the owner may execute, group or others may write or
# execute, or a setuid, setgid or sticky bit is set. Modes are octal strings (`"0600"`).
too_open(mode) if {
	digits := [to_number(d) | some d in split(substring(mode, count(mode) - 3, 3), "")]
	not within_0644(digits)
}

too_open(mode) if {
	count(mode) == 4
	substring(mode, 0, 1) != "0"
}

within_0644(digits) if {
	digits[0] % 2 == 0
	{0, 4}[digits[1]]
	{0, 4}[digits[2]]
}

problems(root) := array.concat(
	[sprintf("mode %s is more open than 0644", [k.kubeconfig_mode]) | k := root.kubelet; too_open(k.kubeconfig_mode)],
	[sprintf("owner %d:%d is not root:root", [k.kubeconfig_owner_uid, k.kubeconfig_owner_gid]) |
		k := root.kubelet
		not_root_owned(root)
	],
)

# Only a recorded owner can be wrong: an unknown one is `unknown`, not a finding.
not_root_owned(root) if {
	is_number(root.kubelet.kubeconfig_owner_uid)
	root.kubelet.kubeconfig_owner_uid != 0
}

not_root_owned(root) if {
	is_number(root.kubelet.kubeconfig_owner_gid)
	root.kubelet.kubeconfig_owner_gid != 0
}

findings contains finding if {
	some root in input.node_roots
	is_string(root.kubelet.kubeconfig_mode)
	found := problems(root)
	count(found) > 0
	finding := {
		"message": sprintf("node %s: the kubelet kubeconfig's %s", [root.path, concat(" and ", found)]),
		"resource": lib.node_resource(root),
		"location": lib.node_location(root),
		"evidence": {
			"mode": root.kubelet.kubeconfig_mode,
			"owner_uid": root.kubelet.kubeconfig_owner_uid,
			"owner_gid": root.kubelet.kubeconfig_owner_gid,
		},
	}
}

# Examined when the mode and the owner are both known; a bad mode alone is still a finding.
examined contains lib.examined_node(root) if {
	some root in input.node_roots
	is_string(root.kubelet.kubeconfig_mode)
	is_number(root.kubelet.kubeconfig_owner_uid)
}

unknown contains object.union(lib.examined_node(root), {"reason": reason}) if {
	some root in input.node_roots
	is_string(root.kubelet.kubeconfig_mode)
	not is_number(root.kubelet.kubeconfig_owner_uid)
	reason := object.get(root.kubelet, "kubeconfig_owner_unknown", "the kubeconfig's owner was not recorded")
}
