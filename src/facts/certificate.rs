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

use super::model::{CaVerification, CertificateFact, CertificateOrigin, CertificateRole, VerificationResult};
use crate::clock::{days, format_unix};

/// SHA-256 of `der`, lowercase hex: the certificate id.
pub fn sha256_hex(der: &[u8]) -> String {
    HEXLOWER.encode(ring::digest::digest(&ring::digest::SHA256, der).as_ref())
}

/// Parses `der` and computes every fact about it at time `now` (Unix seconds).
pub fn analyze(
    der: &[u8],
    now: i64,
    origin: CertificateOrigin,
    role: CertificateRole,
) -> Result<CertificateFact, String> {
    let cert = parse(der)?;
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let lifetime = not_after.saturating_sub(not_before);
    let age = now.saturating_sub(not_before);
    let remaining = not_after.saturating_sub(now);
    let lifetime_used = (lifetime > 0).then(|| {
        let fraction = age as f64 / lifetime as f64;
        (fraction * 10_000.0).round() / 10_000.0
    });
    let (key_algorithm, key_size, key_curve) = key_facts(&cert);
    let mut fact = CertificateFact {
        id: sha256_hex(der),
        origin,
        role,
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
        lifetime_seconds: lifetime,
        lifetime_days: days(lifetime),
        age_seconds: age,
        age_days: days(age),
        remaining_seconds: remaining,
        remaining_days: days(remaining),
        lifetime_used,
        is_ca: cert.basic_constraints().ok().flatten().is_some_and(|bc| bc.value.ca),
        self_signed: false,
        key_algorithm,
        key_size,
        key_curve,
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        sans: Vec::new(),
        subject_key_id: None,
        authority_key_id: None,
        extended_key_usage: Vec::new(),
        private_key_present: false,
        ca_verification: None,
        der_base64: data_encoding::BASE64.encode(der),
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
    Ok(fact)
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => Ok(cert),
        Err(e) => Err(format!("not a valid X.509 certificate ({e})")),
    }
}

/// The DER of every certificate whose `der_base64` decodes to bytes matching its id, by id: the
/// index signature checks across sources use (the same for collected and merged certificates).
pub fn der_index<'a>(
    certs: impl IntoIterator<Item = &'a CertificateFact>,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    certs
        .into_iter()
        .filter_map(|c| {
            let der = data_encoding::BASE64.decode(c.der_base64.as_bytes()).ok()?;
            (sha256_hex(&der) == c.id).then(|| (c.id.clone(), der))
        })
        .collect()
}

/// Checks whether `child_der` was signed by the key of `ca_der`.
pub fn verify(child_der: &[u8], ca_der: &[u8]) -> VerificationResult {
    match (parse(child_der), parse(ca_der)) {
        (Ok(child), Ok(ca)) => verify_parsed(&child, &ca),
        _ => VerificationResult::UnsupportedAlgorithm,
    }
}

/// Checks `chain` (leaf first) against every CA of a bundle: verified when the leaf, or an
/// intermediate of the chain that signed it (followed up the chain), is signed by one of the CAs.
/// A definite "not signed" outranks an inconclusive result when none verifies.
pub fn check_chain_against_bundle(
    chain: &[&[u8]],
    ca_ders: &[&[u8]],
    ca_ids: &[String],
    ca_source: String,
) -> CaVerification {
    let mut best = CaVerification {
        result: VerificationResult::NoCa,
        ca_id: None,
        ca_source: ca_source.clone(),
    };
    let Some(leaf) = chain.first() else { return best };
    for (ca, id) in ca_ders.iter().zip(ca_ids) {
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
            ca_id: Some(id.clone()),
            ca_source: ca_source.clone(),
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
pub fn check_against_bundle(child: &[u8], ca_ders: &[Vec<u8>], ca_ids: &[String], ca_source: String) -> CaVerification {
    let cas: Vec<&[u8]> = ca_ders.iter().map(Vec::as_slice).collect();
    check_chain_against_bundle(&[child], &cas, ca_ids, ca_source)
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
    let rdns: Vec<String> = name
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let key = oid2abbrev(atv.attr_type(), oid_registry())
                        .map(str::to_string)
                        .unwrap_or_else(|_| atv.attr_type().to_id_string());
                    let value = match atv.as_str() {
                        Ok(s) => escape_rfc4514(s),
                        Err(_) => format!("#{}", HEXLOWER.encode(atv.attr_value().data)),
                    };
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
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
    out
}

fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

fn serial_hex(raw: &[u8]) -> String {
    raw.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
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
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(analyze(
            &[0x30, 0x03, 0x02, 0x01, 0x01],
            0,
            CertificateOrigin::default(),
            CertificateRole::Unknown
        )
        .is_err());
        assert!(analyze(&[], 0, CertificateOrigin::default(), CertificateRole::Unknown).is_err());
    }
}
