package aks_certscan.rules.exception_not_in_force_test

import data.aks_certscan.rules.exception_not_in_force as rule
import rego.v1

entry(status) := {
	"rule": "CERT004",
	"target": "cluster rg-prod/prod",
	"reason": "accepted until the Q1 rotation window",
	"expires": "2026-12-31",
	"status": status,
	"file": ".aks-certscan-exceptions.yaml",
	"line": 3,
}

test_an_expired_exception_is_a_finding if {
	r := rule.findings with input as {"exceptions": [entry("expired")]}
	count(r) == 1
	some f in r
	contains(f.message, "expired on 2026-12-31")
	f.location == {"path": ".aks-certscan-exceptions.yaml", "line": 3}
}

test_an_unmatched_exception_is_a_finding if {
	r := rule.findings with input as {"exceptions": [entry("unmatched")]}
	some f in r
	contains(f.message, "matches no finding")
}

test_an_active_exception_is_silent if {
	count(rule.findings) == 0 with input as {"exceptions": [entry("active")]}
}

test_silent_in_a_scan_without_exceptions if {
	count(rule.findings) == 0 with input as {"certificates": []}
}
