# CERT005: a certificate AKS should have auto-rotated by now, or a client certificate AKS has
# renewed since this copy was fetched.
package aks_certscan.rules.rotation_overdue

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT005",
	"name": "rotation-overdue",
	"title": "Certificate should have been auto-rotated",
	"severity": "warning",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"AKS auto-rotates non-CA certificates at about `auto_rotation_fraction` (80%) of their lifetime",
			"on clusters that have Kubernetes RBAC enabled and were created or upgraded after March 2022,",
			"on nodes that use TLS bootstrapping. This certificate is past that point plus `grace_days`,",
			"so rotation is not happening: a stopped cluster, a node without TLS bootstrapping, or a failed",
			"rotation.",
		]),
		concat(" ", [
			"A kubeconfig client certificate of such a cluster past the same point is a stale copy: AKS has",
			"(or should have) renewed the cluster's client certificates, and this file still holds the old",
			"one. The finding then says so and the remediation is to fetch the credentials again (its",
			"expiry itself is CERT002's).",
		]),
		concat(" ", [
			"\"Should auto-rotate\" is decided from facts: the certificate belongs to a known cluster",
			"(`cluster_key` links it to a `--cluster` document) with `enable_rbac` true and a creation time,",
			"node image date or Kubernetes version (1.23+) after March 2022; its role is an auto-rotated",
			"one (API server, kubelet client or serving certificate, or a kubeconfig client certificate);",
			"and if it came from a node root, that node shows TLS bootstrapping. When any of these facts",
			"is missing the rule stays silent (unknown is not a finding).",
		]),
	]),
	"remediation": concat(" ", [
		"Find out why rotation stalled:",
		"`az aks show -g {resource_group} -n {cluster} --query \"{state:provisioningState,power:powerState.code}\"`.",
		"If the cluster is stopped, start it (`az aks start -g {resource_group} -n {cluster}`); otherwise",
		"rotate by hand: `az aks rotate-certs -g {resource_group} -n {cluster}`.",
	]),
	"warning": lib.rotate_certs_caution,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#cert005",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation#certificate-auto-rotation"],
	"tags": ["security", "aks", "certificates", "rotation"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-12", "SC-17"],
	},
	"precision": "high",
	"params": {"auto_rotation_fraction": 0.8, "grace_days": 7},
}

fraction := lib.param(metadata, "auto_rotation_fraction")

grace_seconds := lib.param(metadata, "grace_days") * 86400

# A certificate past the rotation point has used at least `fraction` of its lifetime (rounded to
# four decimals in the facts): one cheap test that most certificates fail before the exact one.
# A negative grace period makes every certificate a candidate.
candidate_used := fraction - 0.001 if grace_seconds >= 0

else := -1

rotating_message := concat(" ", [
	"%s has used %v%% of its lifetime (expires %s) but AKS rotates at %v%%:",
	"auto-rotation is not happening",
])

stale_client_message := concat(" ", [
	"%s has used %v%% of its lifetime (expires %s); AKS renews this cluster's client certificates",
	"at %v%%, so this copy is stale: fetch the credentials again",
])

# Past the rotation point plus the grace period and not expired yet: checked inline, so that a
# certificate that is not overdue costs no function call.
findings contains {
	"message": sprintf(rotating_message, [
		cert.display_name,
		cert.lifetime_used_percent,
		cert.not_after_date,
		share * 100,
	]),
	"resource": {"kind": "certificate", "id": cert.id},
	"location": {"path": cert.origin.path, "line": cert.origin.line},
} if {
	# Rule values are bound once, before the loop: a reference inside it is looked up per certificate.
	candidate := candidate_used
	rotated_roles := lib.auto_rotated_roles
	share := fraction
	grace := grace_seconds
	some cert in input.certificates
	cert.lifetime_used >= candidate
	# The role test of `lib.should_be_auto_rotated`, first: most certificates fail it.
	rotated_roles[cert.role]
	cert.remaining_seconds >= 0
	cert.age_seconds > (share * cert.lifetime_seconds) + grace
	cert.lifetime_seconds > 0
	lib.should_be_auto_rotated(cert)
}

findings contains finding if {
	some cert in input.certificates
	cert.role == "kubeconfig-client"
	cert.remaining_seconds >= 0
	cert.age_seconds > (fraction * cert.lifetime_seconds) + grace_seconds
	cert.lifetime_seconds > 0
	lib.should_auto_rotate(lib.clusters[cert.cluster_key])
	finding := {
		"message": sprintf(stale_client_message, [
			cert.display_name,
			cert.lifetime_used_percent,
			cert.not_after_date,
			fraction * 100,
		]),
		"resource": {"kind": "certificate", "id": cert.id},
		"location": {"path": cert.origin.path, "line": cert.origin.line},
		"remediation": credentials_fix(cert),
		# Fetching credentials needs no downtime: no caution.
		"warning": "",
	}
}

# Fetching the credentials again; with `--admin` for the admin user.
credentials_fix(cert) := sprintf("Fetch the credentials again: %s.", [lib.get_admin_credentials]) if {
	is_string(cert.origin.kubeconfig_user)
	startswith(cert.origin.kubeconfig_user, "clusterAdmin_")
} else := sprintf("Fetch the credentials again: %s.", [lib.get_credentials])

# The certificates AKS should be rotating, and the kubeconfig client certificates of clusters
# that auto-rotate, are examined (for the compliance report); the others are not concerned.
examined contains lib.examined_cert(cert) if {
	some cert in input.certificates
	lib.should_be_auto_rotated(cert)
}

examined contains lib.examined_cert(cert) if {
	some cert in input.certificates
	cert.role == "kubeconfig-client"
	lib.should_auto_rotate(lib.clusters[cert.cluster_key])
}
