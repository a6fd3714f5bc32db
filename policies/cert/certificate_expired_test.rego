package aks_certscan.rules.certificate_expired_test

import data.aks_certscan.rules.certificate_expired
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_on_an_expired_certificate if {
	expired := fx.cert({"remaining_seconds": -86400 * 3, "not_after": "2026-11-26T00:00:00Z"})
	r := certificate_expired.findings with input as fx.facts([expired])
	count(r) == 1
	some f in r
	contains(f.message, "expired on 2026-11-26 (3 days ago)")
	f.resource.id == "abc"
}

test_silent_on_a_valid_certificate if {
	r := certificate_expired.findings with input as fx.facts([fx.cert({})])
	count(r) == 0
}

test_silent_without_certificates if {
	r := certificate_expired.findings with input as {"certificates": []}
	count(r) == 0
}
