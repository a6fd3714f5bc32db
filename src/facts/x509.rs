//! Turning one DER certificate into a [`CertificateFact`], and checking signatures.
//!
//! All certificate work happens here, in Rust, because Rego engines have no X.509 builtins.
//! Arithmetic on validity is done in `i64`/`i128` with saturation: real certificates have
//! `notAfter` before `notBefore` and years far past 9999.

use data_encoding::HEXLOWER;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::objects::{oid2abbrev, oid2sn, oid_registry};
use x509_parser::prelude::{FromDer, X509Certificate, X509Error, X509Name};
use x509_parser::public_key::PublicKey;

use x509_parser::signature_algorithm::SignatureAlgorithm;

use super::model::{CaVerification, CertificateFact, CertificateOrigin, CertificateRole, Der, VerificationResult};
use crate::clock::format_unix;

/// DER that is not an X.509 certificate, with the parser's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid X.509 certificate ({0})")]
pub struct CertificateError(pub String);

/// A SHA-256 digest, as bytes.
pub type Sha256 = [u8; 32];

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Sha256 {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

/// SHA-256 of `der`, lowercase hex: the certificate id.
pub fn sha256_hex(der: &[u8]) -> String {
    HEXLOWER.encode(&sha256(der))
}

/// Parses `der` and records what the certificate itself says. Fields that depend on the
/// evaluation time, on other certificates or on where it sits in an estate (validity arithmetic,
/// signature verdicts, display name, cluster) are left empty for [`super::derive`].
pub fn analyze(
    der: Vec<u8>,
    origin: CertificateOrigin,
    role: CertificateRole,
) -> Result<CertificateFact, CertificateError> {
    let cert = parse(&der)?;
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let (key_algorithm, key_size, key_curve) = key_facts(&cert);
    let signature_algorithm = oid_name(&cert.signature_algorithm.algorithm);
    let mut fact = CertificateFact {
        id: sha256_hex(&der),
        origin,
        role,
        display_name: String::new(),
        cluster_key: None,
        subject: rfc4514(cert.subject()),
        subject_cn: common_name(cert.subject()),
        issuer: rfc4514(cert.issuer()),
        issuer_cn: common_name(cert.issuer()),
        serial: serial_hex(cert.raw_serial()),
        version: cert.version().0 + 1,
        not_before: format_unix(not_before),
        not_before_unix: not_before,
        not_after: format_unix(not_after),
        not_after_unix: not_after,
        lifetime_seconds: 0,
        lifetime_days: 0.0,
        age_seconds: 0,
        age_days: 0.0,
        remaining_seconds: 0,
        remaining_days: 0.0,
        lifetime_used: None,
        lifetime_used_percent: None,
        age_whole_days: 0,
        remaining_whole_days: 0,
        not_before_date: String::new(),
        not_after_date: String::new(),
        is_ca: cert.basic_constraints().ok().flatten().is_some_and(|bc| bc.value.ca),
        self_signed: false,
        key_algorithm,
        key_size,
        key_curve,
        signature_digest: signature_digest(&cert, &signature_algorithm),
        signature_algorithm,
        sans: Vec::new(),
        subject_key_id: None,
        authority_key_id: None,
        extended_key_usage: Vec::new(),
        private_key_present: false,
        ca_verification: None,
        node_ca_verification: None,
        kubeconfig_ca_verification: None,
        current_ca_verification: None,
        der: Der::default(),
    };
    fact.self_signed = cert.subject().as_raw() == cert.issuer().as_raw()
        && !matches!(verify_parsed(&cert, &cert), VerificationResult::NotSignedByCa);
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(kid) => fact.subject_key_id = Some(HEXLOWER.encode(kid.0)),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                fact.authority_key_id = aki.key_identifier.as_ref().map(|k| HEXLOWER.encode(k.0))
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                fact.sans = san.general_names.iter().filter_map(general_name).collect()
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let flags = [
                    (eku.any, "any"),
                    (eku.server_auth, "serverAuth"),
                    (eku.client_auth, "clientAuth"),
                    (eku.code_signing, "codeSigning"),
                    (eku.email_protection, "emailProtection"),
                    (eku.time_stamping, "timeStamping"),
                    (eku.ocsp_signing, "OCSPSigning"),
                ];
                fact.extended_key_usage = flags.iter().filter(|(on, _)| *on).map(|(_, n)| n.to_string()).collect();
                fact.extended_key_usage
                    .extend(eku.other.iter().map(|o| o.to_id_string()));
            }
            _ => {}
        }
    }
    drop(cert);
    fact.der = Der(der);
    Ok(fact)
}

/// The signature's hash algorithm, normalised (`sha256`, `sha1`, `md5`, ...; `none` for EdDSA),
/// from the algorithm name or, for RSASSA-PSS, from its parameters.
fn signature_digest(cert: &X509Certificate<'_>, name: &str) -> Option<String> {
    if let Ok(SignatureAlgorithm::RSASSA_PSS(params)) = SignatureAlgorithm::try_from(&cert.signature_algorithm) {
        return digest_in_name(&oid_name(params.hash_algorithm_oid()));
    }
    digest_in_name(name)
}

fn digest_in_name(name: &str) -> Option<String> {
    // Letters and digits only, lower case: `ecdsa-with-SHA256` reads `ecdsawithsha256`.
    let mut squeezed = [0u8; 64];
    let mut len = 0;
    for b in name.bytes().filter(u8::is_ascii_alphanumeric).take(squeezed.len()) {
        squeezed[len] = b.to_ascii_lowercase();
        len += 1;
    }
    let squeezed = &squeezed[..len];
    let has = |needle: &str| squeezed.windows(needle.len()).any(|w| w == needle.as_bytes());
    if has("ed25519") || has("ed448") {
        return Some("none".into());
    }
    ["md2", "md4", "md5", "sha224", "sha256", "sha384", "sha512", "sha1"]
        .into_iter()
        .find(|d| has(d))
        .map(str::to_string)
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, CertificateError> {
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => Ok(cert),
        Err(e) => Err(CertificateError(e.to_string())),
    }
}

/// Checks whether `child_der` was signed by the key of `ca_der`.
pub fn verify(child_der: &[u8], ca_der: &[u8]) -> VerificationResult {
    match (parse(child_der), parse(ca_der)) {
        (Ok(child), Ok(ca)) => verify_parsed(&child, &ca),
        _ => VerificationResult::UnsupportedAlgorithm,
    }
}

/// Checks `chain` (leaf first) against every CA of a bundle (`(id, DER)` pairs): verified when
/// the leaf, or an intermediate of the chain that signed it (followed up the chain), is signed
/// by one of the CAs. A definite "not signed" outranks an inconclusive result when none verifies.
pub fn check_chain_against_bundle(chain: &[&[u8]], cas: &[(&str, &[u8])], ca_source: &str) -> CaVerification {
    let mut best = CaVerification {
        result: VerificationResult::NoCa,
        ca_id: None,
        ca_source: ca_source.to_string(),
    };
    let Some(leaf) = chain.first() else { return best };
    for (id, ca) in cas {
        let mut current: &[u8] = leaf;
        let mut used = vec![false; chain.len()];
        let result = loop {
            match verify(current, ca) {
                VerificationResult::Verified => break VerificationResult::Verified,
                other => match (1..chain.len())
                    .find(|&i| !used[i] && verify(current, chain[i]) == VerificationResult::Verified)
                {
                    Some(i) => {
                        used[i] = true;
                        current = chain[i];
                    }
                    None => break other,
                },
            }
        };
        let candidate = CaVerification {
            result,
            ca_id: Some(id.to_string()),
            ca_source: ca_source.to_string(),
        };
        if result == VerificationResult::Verified {
            return candidate;
        }
        if best.result != VerificationResult::NotSignedByCa {
            best = candidate;
        }
    }
    best
}

/// [`check_chain_against_bundle`] for a single certificate.
pub fn check_against_bundle(child: &[u8], cas: &[(&str, &[u8])], ca_source: &str) -> CaVerification {
    check_chain_against_bundle(&[child], cas, ca_source)
}

fn verify_parsed(child: &X509Certificate<'_>, ca: &X509Certificate<'_>) -> VerificationResult {
    match child.verify_signature(Some(ca.public_key())) {
        Ok(()) => VerificationResult::Verified,
        Err(X509Error::SignatureUnsupportedAlgorithm) => VerificationResult::UnsupportedAlgorithm,
        Err(_) => {
            // ring refuses RSA keys under 2048 bits with the same error as a wrong key.
            match ca.public_key().parsed() {
                Ok(PublicKey::RSA(rsa)) if rsa.key_size() < 2048 => VerificationResult::CaKeyTooWeak,
                _ => VerificationResult::NotSignedByCa,
            }
        }
    }
}

fn key_facts(cert: &X509Certificate<'_>) -> (String, Option<u32>, Option<String>) {
    let spki = cert.public_key();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid_name(&oid));
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".into(), Some(rsa.key_size() as u32), None),
        Ok(PublicKey::EC(ec)) => {
            let size = match curve.as_deref() {
                Some("secp521r1") => Some(521),
                _ => Some(ec.key_size() as u32).filter(|s| *s > 0),
            };
            ("EC".into(), size, curve)
        }
        Ok(PublicKey::DSA(y)) => ("DSA".into(), Some(y.len() as u32 * 8), None),
        _ => {
            let name = oid_name(&spki.algorithm.algorithm);
            let size = name.eq_ignore_ascii_case("ed25519").then_some(256);
            (if size.is_some() { "Ed25519".into() } else { name }, size, None)
        }
    }
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    oid2sn(oid, oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// Formats a name as RFC 4514: last RDN first, `,` between RDNs, `+` inside one.
fn rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<_> = name.iter().collect();
    let mut out = String::with_capacity(name.as_raw().len());
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match oid2abbrev(atv.attr_type(), oid_registry()) {
                Ok(abbrev) => out.push_str(abbrev),
                Err(_) => out.push_str(&atv.attr_type().to_id_string()),
            }
            out.push('=');
            match atv.as_str() {
                Ok(value) => escape_rfc4514_into(value, &mut out),
                Err(_) => {
                    out.push('#');
                    out.push_str(&HEXLOWER.encode(atv.attr_value().data));
                }
            }
        }
    }
    out
}

#[cfg(test)]
fn escape_rfc4514(value: &str) -> String {
    let mut out = String::new();
    escape_rfc4514_into(value, &mut out);
    out
}

fn escape_rfc4514_into(value: &str, out: &mut String) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            out.push_str(&format!("\\{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
}

fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

fn serial_hex(raw: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(raw.len() * 3);
    for (i, b) in raw.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

fn general_name(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::DNSName(s) => Some(format!("DNS:{s}")),
        GeneralName::RFC822Name(s) => Some(format!("email:{s}")),
        GeneralName::URI(s) => Some(format!("URI:{s}")),
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => Some(format!(
                "IP:{}",
                std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*bytes).ok()?)
            )),
            16 => Some(format!(
                "IP:{}",
                std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*bytes).ok()?)
            )),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_rfc4514_specials() {
        assert_eq!(escape_rfc4514("a,b"), "a\\,b");
        assert_eq!(escape_rfc4514(" lead"), "\\ lead");
        assert_eq!(escape_rfc4514("x\u{7}"), "x\\07");
    }

    #[test]
    fn serial_keeps_sign_bytes() {
        assert_eq!(serial_hex(&[0xfb, 0xce]), "fb:ce");
        assert_eq!(serial_hex(&[0x02]), "02");
        assert_eq!(serial_hex(&[]), "");
    }

    #[test]
    fn digests_are_normalised_from_algorithm_names() {
        assert_eq!(digest_in_name("sha256WithRSAEncryption").as_deref(), Some("sha256"));
        assert_eq!(digest_in_name("ecdsa-with-SHA384").as_deref(), Some("sha384"));
        assert_eq!(digest_in_name("sha1WithRSAEncryption").as_deref(), Some("sha1"));
        assert_eq!(digest_in_name("md5WithRSAEncryption").as_deref(), Some("md5"));
        assert_eq!(digest_in_name("ED25519").as_deref(), Some("none"));
        assert_eq!(digest_in_name("1.2.3.4"), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(analyze(
            vec![0x30, 0x03, 0x02, 0x01, 0x01],
            CertificateOrigin::default(),
            CertificateRole::Unknown
        )
        .is_err());
        assert!(analyze(Vec::new(), CertificateOrigin::default(), CertificateRole::Unknown).is_err());
    }
}
