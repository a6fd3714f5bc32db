# CERT007: weak keys or signature algorithms.
package aks_certscan.rules.weak_certificate_crypto

import data.aks_certscan.lib
import rego.v1

metadata := {
	"id": "CERT007",
	"name": "weak-certificate-crypto",
	"title": "Certificate uses weak cryptography",
	"severity": "warning",
	"scope": "certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"The certificate has an RSA key shorter than `min_rsa_bits` (2048), an EC key shorter than 256",
			"bits, or is signed with MD2, MD4, MD5 or SHA-1. MD2, MD4 and MD5 signatures are an error. Such",
			"certificates can be forged or broken, and current TLS stacks refuse them.",
		]),
		concat(" ", [
			"The signature of a self-signed certificate is not judged (a trust anchor's own signature is",
			"never checked), only its key. Unknown key sizes are not a finding. The signature's hash is",
			"read from the facts' normalised `signature_digest`.",
		]),
	]),
	"remediation": concat(" ", [
		"Reissue the certificate with RSA-2048 or larger (or ECDSA P-256) and SHA-256. For AKS cluster",
		"certificates: `az aks rotate-certs -g {resource_group} -n {cluster}`.",
	]),
	"warning": lib.rotate_certs_caution,
	"object_remediation": lib.in_cluster_remediation,
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#cert007",
	"references": ["https://learn.microsoft.com/azure/aks/certificate-rotation"],
	"tags": ["security", "aks", "certificates", "crypto"],
	"controls": {
		"mcsb": ["DP-7"],
		"nist-800-53": ["SC-13", "SC-17"],
	},
	"precision": "very-high",
	"params": {"min_rsa_bits": 2048},
}

min_rsa_bits := lib.param(metadata, "min_rsa_bits")

# The smallest key size that is not weak, per key algorithm.
min_key_bits := {"RSA": min_rsa_bits, "EC": 256}

broken_digests := {"md2", "md4", "md5"}

weak_digests := broken_digests | {"sha1"}

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
	weak_digests[cert.signature_digest]
}

level(cert) := "error" if {
	not cert.self_signed
	broken_digests[cert.signature_digest]
} else := "warning"

# Certificates with a weak key, then with a weak signature: two plain loops, so that the cost per
# certificate without a weakness is one or two comparisons (the key size first: a certificate
# without one has `null`, which sorts below every number, so the second test keeps it out). A
# certificate weak both ways gives the same finding twice, which the set keeps once.
findings contains weak_finding(cert) if {
	# Rule values are bound once, before the loop: a reference inside it is looked up per certificate.
	min_bits := min_key_bits
	some cert in input.certificates
	cert.key_size < min_bits[cert.key_algorithm]
	cert.key_size != null
}

findings contains weak_finding(cert) if {
	weak := weak_digests
	some cert in input.certificates
	weak[cert.signature_digest]
	not cert.self_signed
}

weak_finding(cert) := {
	"message": sprintf("%s uses weak cryptography: %s", [cert.display_name, concat(" and ", reasons)]),
	"level": level(cert),
	"resource": {"kind": "certificate", "id": cert.id},
	"location": {"path": cert.origin.path, "line": cert.origin.line},
	"evidence": {
		"key_algorithm": cert.key_algorithm,
		"key_size": cert.key_size,
		"signature_algorithm": cert.signature_algorithm,
	},
} if {
	reasons := [w | some kind in ["rsa", "ec", "signature"]; w := weakness(kind, cert)]
}

# Every certificate is examined (for the compliance report).
examined contains lib.examined_cert(cert) if some cert in input.certificates
