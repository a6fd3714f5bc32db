package aks_certscan.rules.weak_certificate_crypto_test

import data.aks_certscan.rules.weak_certificate_crypto as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

test_fires_on_a_short_rsa_key if {
	r := rule.findings with input as fx.facts([fx.cert({"key_size": 1024})])
	some f in r
	contains(f.message, "RSA key of 1024 bits")
}

test_fires_on_sha1_and_md5 if {
	r := rule.findings with input as fx.facts([fx.cert({"signature_algorithm": "sha1WithRSAEncryption"}), fx.cert({"id": "md5", "signature_algorithm": "md5WithRSAEncryption"})])
	count(r) == 2
	some f in r
	f.resource.id == "md5"
	f.level == "error"
}

test_lists_every_weakness_in_one_finding if {
	r := rule.findings with input as fx.facts([fx.cert({"key_size": 512, "signature_algorithm": "sha1WithRSAEncryption"})])
	count(r) == 1
	some f in r
	contains(f.message, " and ")
}

test_ignores_the_signature_of_a_self_signed_root if {
	r := rule.findings with input as fx.facts([fx.cert({"self_signed": true, "signature_algorithm": "md5WithRSAEncryption"})])
	count(r) == 0
}

test_silent_on_modern_crypto if {
	r := rule.findings with input as fx.facts([fx.cert({}), fx.cert({"key_algorithm": "EC", "key_size": 256, "signature_algorithm": "ecdsa-with-SHA256"})])
	count(r) == 0
}
