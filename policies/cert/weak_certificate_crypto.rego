# CERT007: weak keys or signature algorithms.
package aks_certscan.rules.weak_certificate_crypto

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT007",
	"name": "weak-certificate-crypto",
	"title": "Certificate uses weak cryptography",
	"severity": "warning",
	"description": concat("\n\n", [
		"The certificate has an RSA key shorter than `min_rsa_bits` (2048), an EC key shorter than 256 bits, or is signed with MD5 or SHA-1. MD5 signatures are an error. Such certificates can be forged or broken, and current TLS stacks refuse them.",
		"The signature of a self-signed certificate is not judged (a trust anchor's own signature is never checked), only its key. Unknown key sizes are not a finding.",
	]),
	"remediation": "Reissue the certificate with RSA-2048 or larger (or ECDSA P-256) and SHA-256. For AKS cluster certificates: `az aks rotate-certs -g {resource_group} -n {cluster}`.",
	"warning": "`az aks rotate-certs` recreates all nodes (up to 30 minutes of downtime) and invalidates every existing kubeconfig until it is fetched again.",
	"help_uri": "https://learn.microsoft.com/azure/aks/certificate-rotation",
	"tags": ["security", "aks", "certificates", "crypto"],
	"precision": "very-high",
	"params": {"min_rsa_bits": 2048},
}

min_rsa_bits := lib.param(metadata, "min_rsa_bits")

weakness("rsa", cert) := sprintf("an RSA key of %d bits (minimum %d)", [cert.key_size, min_rsa_bits]) if {
	cert.key_algorithm == "RSA"
	cert.key_size != null
	cert.key_size < min_rsa_bits
}

weakness("ec", cert) := sprintf("an EC key of %d bits", [cert.key_size]) if {
	cert.key_algorithm == "EC"
	cert.key_size != null
	cert.key_size < 256
}

weakness("signature", cert) := sprintf("a %s signature", [cert.signature_algorithm]) if {
	not cert.self_signed
	weak_signature(cert)
}

weak_signature(cert) if contains(lower(cert.signature_algorithm), "md5")

weak_signature(cert) if contains(lower(cert.signature_algorithm), "sha1")

level(cert) := "error" if {
	not cert.self_signed
	contains(lower(cert.signature_algorithm), "md5")
} else := "warning"

findings contains finding if {
	some cert in input.certificates
	reasons := [w | some kind in ["rsa", "ec", "signature"]; w := weakness(kind, cert)]
	count(reasons) > 0
	finding := {
		"message": sprintf("%s uses weak cryptography: %s", [lib.describe(cert), concat(" and ", reasons)]),
		"level": level(cert),
		"resource": lib.cert_resource(cert),
		"location": lib.cert_location(cert),
		"evidence": object.union(lib.cert_evidence(cert), {"key_algorithm": cert.key_algorithm, "key_size": cert.key_size, "signature_algorithm": cert.signature_algorithm}),
	}
}
