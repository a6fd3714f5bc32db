//! Finding certificates in bytes, whatever their encoding: PEM (bundles, leading text, indented
//! blocks, private keys beside them), bare DER, and base64-encoded PEM embedded in text (kubeconfig
//! `*-data` fields, Helm `caBundle` values).
//!
//! Only `CERTIFICATE` blocks are decoded. Private-key blocks are noticed, counted as present, and
//! never decoded or copied.

use data_encoding::BASE64;

/// How a certificate was encoded where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A PEM `CERTIFICATE` block.
    Pem,
    /// A bare DER file.
    Der,
    /// A PEM block that was itself base64-encoded inside text.
    Base64Pem,
}

impl Encoding {
    /// Name used in facts.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Pem => "pem",
            Encoding::Der => "der",
            Encoding::Base64Pem => "base64-pem",
        }
    }
}

/// One certificate's DER with where it was in the input.
#[derive(Debug, Clone)]
pub struct FoundDer {
    /// The DER bytes.
    pub der: Vec<u8>,
    /// 1-based line of the block start (for PEM).
    pub line: Option<u32>,
    /// Encoding.
    pub encoding: Encoding,
}

/// A certificate-looking part of the input that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// What was wrong.
    pub message: String,
}

/// Everything found in one input.
#[derive(Debug, Default)]
pub struct Extraction {
    /// Certificates, in input order.
    pub certificates: Vec<FoundDer>,
    /// Decoding problems.
    pub problems: Vec<Problem>,
    /// A private-key PEM block was present.
    pub private_key_present: bool,
    /// Any PEM block at all was present (certificate or not).
    pub any_pem_block: bool,
}

const BASE64_PEM_MARKER: &str = "LS0tLS1CRUdJTi"; // base64 of "-----BEGIN"

/// Finds every certificate in `bytes`.
pub fn extract(bytes: &[u8]) -> Extraction {
    let mut out = Extraction::default();
    // Valid UTF-8 (every PEM file) is checked by the fast path and borrowed as is.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    if text.contains("-----BEGIN") {
        scan_pem(&text, Encoding::Pem, &mut out);
    } else if bytes.first() == Some(&0x30) {
        out.certificates.push(FoundDer {
            der: bytes.to_vec(),
            line: None,
            encoding: Encoding::Der,
        });
        return out;
    }
    if text.contains(BASE64_PEM_MARKER) {
        scan_embedded_base64(&text, &mut out);
    }
    out
}

/// A value that should be base64 and is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid base64 ({0})")]
pub struct Base64Error(pub String);

/// Decodes a kubeconfig `*-data` value (base64 of PEM, possibly wrapped) into certificates.
pub fn extract_base64_pem(value: &str) -> Result<Extraction, Base64Error> {
    let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let decoded = BASE64
        .decode(cleaned.as_bytes())
        .map_err(|e| Base64Error(e.to_string()))?;
    let text = String::from_utf8_lossy(&decoded);
    let mut out = Extraction::default();
    if text.contains("-----BEGIN") {
        scan_pem(&text, Encoding::Base64Pem, &mut out);
    } else if decoded.first() == Some(&0x30) {
        out.certificates.push(FoundDer {
            der: decoded,
            line: None,
            encoding: Encoding::Der,
        });
    }
    Ok(out)
}

fn is_certificate_label(label: &str) -> bool {
    matches!(label, "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE")
}

fn scan_pem(text: &str, encoding: Encoding, out: &mut Extraction) {
    let mut open: Option<(&str, u32, String)> = None; // label, start line, body
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index as u32 + 1;
        let line = raw_line.trim();
        if let Some(label) = pem_label(line, "-----BEGIN ") {
            if let Some((old, start, _)) = open.take() {
                if is_certificate_label(old) {
                    out.problems.push(Problem {
                        line: Some(start),
                        message: format!("truncated PEM block `{old}`: a new BEGIN line came before its END line"),
                    });
                }
            }
            out.any_pem_block = true;
            // A certificate's base64 is rarely over 2 KiB: one allocation for most blocks.
            let capacity = if is_certificate_label(label) { 2048 } else { 0 };
            open = Some((label, line_no, String::with_capacity(capacity)));
        } else if let Some(label) = pem_label(line, "-----END ") {
            match open.take() {
                Some((begin, start, body)) if begin == label => finish_block(begin, start, &body, encoding, out),
                Some((begin, start, _)) => out.problems.push(Problem {
                    line: Some(start),
                    message: format!("PEM block `{begin}` ends with a mismatched END line `{label}`"),
                }),
                None => {}
            }
        } else if let Some((label, _, body)) = open.as_mut() {
            // RFC 1421 headers (`Proc-Type: ...`) carry a colon; base64 never does. Only
            // certificates are decoded: the text of other blocks (private keys) is not copied.
            if is_certificate_label(label) && !line.contains(':') {
                body.push_str(line);
            }
        }
    }
    if let Some((label, start, _)) = open {
        if is_certificate_label(label) {
            out.problems.push(Problem {
                line: Some(start),
                message: format!("truncated PEM block `{label}`: no END line"),
            });
        } else if label.contains("PRIVATE KEY") {
            out.private_key_present = true;
        }
    }
}

fn pem_label<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix)?.strip_suffix("-----")
}

fn finish_block(label: &str, start: u32, body: &str, encoding: Encoding, out: &mut Extraction) {
    if label.contains("PRIVATE KEY") {
        out.private_key_present = true;
        return;
    }
    if !is_certificate_label(label) {
        return;
    }
    match BASE64.decode(body.as_bytes()) {
        Ok(der) if !der.is_empty() => out.certificates.push(FoundDer {
            der,
            line: Some(start),
            encoding,
        }),
        Ok(_) => out.problems.push(Problem {
            line: Some(start),
            message: "PEM certificate block is empty".to_string(),
        }),
        Err(e) => out.problems.push(Problem {
            line: Some(start),
            message: format!("PEM certificate block is not valid base64 ({})", e.kind),
        }),
    }
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// Finds base64-encoded PEM in text. Linear: each run of base64 is decoded once, from its first
/// marker to its end, and the search goes on after it (a marker inside a run already decoded is
/// part of that run); line numbers are counted as the search moves forward.
fn scan_embedded_base64(text: &str, out: &mut Extraction) {
    let bytes = text.as_bytes();
    let mut from = 0;
    let mut line = 1u32;
    let mut counted_to = 0;
    while let Some(found) = text[from..].find(BASE64_PEM_MARKER) {
        let start = from + found;
        let end = bytes[start..]
            .iter()
            .position(|b| !is_base64_byte(*b))
            .map_or(bytes.len(), |n| start + n);
        line = line.saturating_add(bytes[counted_to..start].iter().filter(|b| **b == b'\n').count() as u32);
        counted_to = start;
        // The run is ASCII, so both ends are character boundaries.
        match extract_base64_pem(&text[start..end]) {
            Ok(inner) => {
                out.private_key_present |= inner.private_key_present;
                out.any_pem_block |= inner.any_pem_block;
                for mut found in inner.certificates {
                    found.line = Some(line);
                    found.encoding = Encoding::Base64Pem;
                    out.certificates.push(found);
                }
                out.problems.extend(inner.problems.into_iter().map(|p| Problem {
                    line: Some(line),
                    message: format!("in base64-encoded PEM: {}", p.message),
                }));
            }
            Err(message) => out.problems.push(Problem {
                line: Some(line),
                message: format!("base64-encoded PEM is {message}"),
            }),
        }
        from = end.max(start + BASE64_PEM_MARKER.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "MAMCAQE="; // not a certificate, but valid base64 of a DER SEQUENCE

    #[test]
    fn reads_every_certificate_block_and_notes_private_keys() {
        let pem = format!(
            "junk\n-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----\n  -----BEGIN RSA PRIVATE KEY-----\n  c2VjcmV0\n  -----END RSA PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----\n"
        );
        let found = extract(pem.as_bytes());
        assert_eq!(found.certificates.len(), 2);
        assert_eq!(found.certificates[0].line, Some(2));
        assert_eq!(found.certificates[1].line, Some(8));
        assert!(found.private_key_present);
        assert!(found.problems.is_empty());
    }

    #[test]
    fn truncated_block_is_a_problem_not_a_panic() {
        let found = extract(format!("-----BEGIN CERTIFICATE-----\n{BODY}\n").as_bytes());
        assert!(found.certificates.is_empty());
        assert_eq!(found.problems.len(), 1);
        assert!(found.problems[0].message.contains("no END line"));
    }

    #[test]
    fn bad_base64_is_a_problem() {
        let found = extract(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        assert_eq!(found.problems.len(), 1);
    }

    #[test]
    fn der_is_detected_by_its_first_byte() {
        let found = extract(&[0x30, 0x03, 0x02, 0x01, 0x01]);
        assert_eq!(found.certificates.len(), 1);
        assert_eq!(found.certificates[0].encoding, Encoding::Der);
    }

    #[test]
    fn base64_pem_inside_yaml_is_found() {
        let pem = format!("-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----\n");
        let yaml = format!("app:\n  caBundle: {}\n", BASE64.encode(pem.as_bytes()));
        let found = extract(yaml.as_bytes());
        assert_eq!(found.certificates.len(), 1);
        assert_eq!(found.certificates[0].line, Some(2));
        assert_eq!(found.certificates[0].encoding, Encoding::Base64Pem);
    }

    #[test]
    fn repeated_markers_are_one_run_decoded_once() {
        // 1 MiB of markers back to back: one run, decoded once (no certificate in it), not one
        // decode per marker (that took 692 s).
        let text = BASE64_PEM_MARKER.repeat(74_898);
        let found = extract(text.as_bytes());
        assert!(found.certificates.is_empty() && found.problems.len() <= 1);
        let found = extract(format!("{text}=").as_bytes());
        assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
        // Two runs on two lines are two problems, each with its line.
        let found = extract(format!("a: {BASE64_PEM_MARKER}\nb: {BASE64_PEM_MARKER}x\n").as_bytes());
        let lines: Vec<_> = found.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(1), Some(2)]);
    }

    #[test]
    fn random_text_holds_nothing() {
        let found = extract(b"hello world");
        assert!(found.certificates.is_empty() && found.problems.is_empty() && !found.any_pem_block);
    }
}
