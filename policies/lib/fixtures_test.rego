# Fixtures shared by the rules' tests: a minimal facts document and a certificate with
# overridable fields.
package aks_certscan.test_fixtures

import rego.v1

base_cert := {
	"id": "abc",
	"origin": {
		"kind": "certs",
		"path": "certs/a.pem",
		"index": 0,
		"encoding": "pem",
		"line": 1,
		"kubeconfig_user": null,
		"kubeconfig_cluster": null,
		"kubeconfig": null,
		"node_root": null,
		"node_path": null,
		"endpoint": null,
	},
	"role": "unknown",
	"display_name": "certificate CN=a in certs/a.pem",
	"cluster_key": null,
	"subject": "CN=a",
	"subject_cn": "a",
	"issuer": "CN=ca",
	"issuer_cn": "ca",
	"serial": "01",
	"version": 3,
	"not_before": "2026-01-01T00:00:00Z",
	"not_before_unix": 1767225600,
	"not_after": "2028-01-01T00:00:00Z",
	"not_after_unix": 1830297600,
	"lifetime_seconds": 63072000,
	"lifetime_days": 730,
	"age_seconds": 28857600,
	"age_days": 334,
	"remaining_seconds": 34214400,
	"remaining_days": 396,
	"lifetime_used": 0.4575,
	"lifetime_used_percent": 45.8,
	"age_whole_days": 334,
	"remaining_whole_days": 396,
	"not_before_date": "2026-01-01",
	"not_after_date": "2028-01-01",
	"is_ca": false,
	"self_signed": false,
	"key_algorithm": "RSA",
	"key_size": 2048,
	"key_curve": null,
	"signature_algorithm": "sha256WithRSAEncryption",
	"signature_digest": "sha256",
	"sans": [],
	"subject_key_id": null,
	"authority_key_id": null,
	"extended_key_usage": [],
	"private_key_present": false,
	"ca_verification": null,
	"node_ca_verification": null,
	"kubeconfig_ca_verification": null,
	"current_ca_verification": null,
}

# A certificate fact with `overrides`; the fields Rust derives from the ones overridden (whole
# days, dates, percentage) follow them unless they are overridden too.
cert(overrides) := object.union(derived(object.union(base_cert, overrides)), overrides)

derived(c) := object.union(c, {
	"age_whole_days": whole_days(c.age_seconds),
	"remaining_whole_days": whole_days(c.remaining_seconds),
	"not_before_date": substring(c.not_before, 0, 10),
	"not_after_date": substring(c.not_after, 0, 10),
	"lifetime_used_percent": percent(c.lifetime_used),
})

whole_days(seconds) := floor(seconds / 86400) if seconds >= 0

else := 0 - floor((0 - seconds) / 86400)

percent(fraction) := round(fraction * 1000) / 10 if fraction != null

else := null

base_cluster := {
	"location": {"path": "cluster.json", "line": 1},
	"spelling": "az",
	"key": "rg/prod",
	"id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/prod",
	"name": "prod",
	"resource_group": "rg",
	"subscription_id": "s",
	"region": "westeurope",
	"enable_rbac": true,
	"aad": null,
	"disable_local_accounts": false,
	"power_state": "Running",
	"provisioning_state": "Succeeded",
	"kubernetes_version": "1.30.5",
	"current_kubernetes_version": "1.30.5",
	"kubernetes_minor": 30,
	"fqdn": "prod.hcp.westeurope.azmk8s.io",
	"private_fqdn": null,
	"node_resource_group": "MC_rg_prod_westeurope",
	"created_at": "2024-05-10T09:04:11Z",
	"created_at_unix": 1715331851,
	"partial": false,
	"agent_pools": [{
		"name": "nodepool1",
		"count": 3,
		"mode": "System",
		"os_type": "Linux",
		"os_sku": "Ubuntu",
		"pool_type": "VirtualMachineScaleSets",
		"node_image_version": null,
		"node_image_date": null,
		"node_image_date_unix": null,
		"orchestrator_version": "1.30.5",
		"current_orchestrator_version": "1.30.5",
		"provisioning_state": "Succeeded",
		"power_state": "Running",
		"location": null,
	}],
}

cluster(overrides) := object.union(base_cluster, overrides)

facts(certs) := {
	"now": "2026-11-29T00:00:00Z",
	"now_unix": 1795910400,
	"certificates": certs,
	"kubeconfigs": [],
	"clusters": [],
	"nodes": [],
	"node_roots": [],
	"endpoints": [],
	"errors": [],
}

with_clusters(certs, clusters) := object.union(facts(certs), {"clusters": clusters})

# A kubelet setting as the node collector records it.
setting(value, file, line, from) := {"value": value, "file": file, "line": line, "from": from}

unknown_setting := setting(null, null, null, null)

# A node root with kubelet settings (every field overridable).
node_root(path, kubelet) := {
	"path": path,
	"os": "linux",
	"kubelet_kubeconfig": sprintf("%s/var/lib/kubelet/kubeconfig", [path]),
	"kubelet_client_subject": sprintf("O=system:nodes,CN=system:node:%s", [path]),
	"cluster_key": null,
	"tls_bootstrap": {"bootstrapped": true},
	"serving_certificate_cluster_signed": false,
	"kubelet": object.union(
		{
			"files_read": [],
			"config_file": null,
			"rotate_certificates": unknown_setting,
			"server_tls_bootstrap": unknown_setting,
			"rotate_kubelet_server_certificate": unknown_setting,
			"kubeconfig_mode": "0600",
			"kubeconfig_owner_uid": 0,
			"kubeconfig_owner_gid": 0,
			"kubeconfig_owner_unknown": null,
		},
		kubelet,
	),
}
