package aks_certscan.rules.weak_certificate_crypto_test

import data.aks_certscan.rules.weak_certificate_crypto as rule
import data.aks_certscan.test_fixtures as fx
import rego.v1

sha1 := {"signature_algorithm": "sha1WithRSAEncryption", "signature_digest": "sha1"}

md5 := {"signature_algorithm": "md5WithRSAEncryption", "signature_digest": "md5"}

test_fires_on_a_short_rsa_key if {
	r := rule.findings with input as fx.facts([fx.cert({"key_size": 1024})])
	some f in r
	contains(f.message, "RSA key of 1024 bits")
	f.evidence == {"key_algorithm": "RSA", "key_size": 1024, "signature_algorithm": "sha256WithRSAEncryption"}
}

test_fires_on_a_short_ec_key if {
	r := rule.findings with input as fx.facts([fx.cert({"key_algorithm": "EC", "key_size": 192})])
	some f in r
	contains(f.message, "an EC key of 192 bits")
}

test_fires_on_sha1_and_md5 if {
	r := rule.findings with input as fx.facts([fx.cert(sha1), fx.cert(object.union(md5, {"id": "md5"}))])
	count(r) == 2
	some f in r
	f.resource.id == "md5"
	f.level == "error"
}

test_lists_every_weakness_in_one_finding if {
	r := rule.findings with input as fx.facts([fx.cert(object.union(sha1, {"key_size": 512}))])
	count(r) == 1
	some f in r
	contains(f.message, "an RSA key of 512 bits (minimum 2048) and a sha1WithRSAEncryption signature")
}

test_ignores_the_signature_of_a_self_signed_root if {
	r := rule.findings with input as fx.facts([fx.cert(object.union(md5, {"self_signed": true}))])
	count(r) == 0
}

test_silent_on_modern_crypto if {
	ec := fx.cert({"key_algorithm": "EC", "key_size": 256, "signature_algorithm": "ecdsa-with-SHA256"})
	r := rule.findings with input as fx.facts([fx.cert({}), ec])
	count(r) == 0
}

test_silent_on_unknown_key_sizes_and_digests if {
	unknown := fx.cert({"key_size": null, "signature_algorithm": "1.2.3.4", "signature_digest": null})
	r := rule.findings with input as fx.facts([unknown])
	count(r) == 0
}

test_params_raise_the_minimum if {
	r := rule.findings with input as fx.facts([fx.cert({})])
		with data.aks_certscan.params as {"CERT007": {"min_rsa_bits": 3072}}
	count(r) == 1
}
