package aks_certscan.rules.kubeconfig_stale_credentials_test

import data.aks_certscan.rules.kubeconfig_stale_credentials as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

user(current, in_file) := {
	"name": "clusterUser_rg_prod",
	"line": 16,
	"cluster_key": "rg/prod",
	"client_certificate_id": "c1",
	"current_ca_check": current,
	"ca_checks": [{"context": "prod", "cluster": "prod", "verification": in_file}],
}

check(result) := {"result": result, "ca_id": "ca", "ca_source": "kubeconfig new cluster prod"}

kubeconfig(u) := object.union(fx.facts([]), {"kubeconfigs": [{"path": "kubeconfig-old", "users": [u]}]})

test_fires_when_the_current_ca_does_not_sign_it if {
	r := rule.findings with input as kubeconfig(user(check("not-signed-by-ca"), check("verified")))
	count(r) == 1
	some f in r
	f.location == {"path": "kubeconfig-old", "line": 16}
	f.resource.cluster == {"resource_group": "rg", "name": "prod"}
}

test_fires_when_the_file_own_ca_does_not_sign_it if {
	r := rule.findings with input as kubeconfig(user(null, check("not-signed-by-ca")))
	count(r) == 1
}

test_silent_when_verified if {
	r := rule.findings with input as kubeconfig(user(check("verified"), check("verified")))
	count(r) == 0
}

test_silent_when_inconclusive if {
	r := rule.findings with input as kubeconfig(user(check("no-ca"), check("unsupported-algorithm")))
	count(r) == 0
}
