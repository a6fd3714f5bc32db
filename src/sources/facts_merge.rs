//! `--facts`: a saved facts document merged into this one, so that facts collected on many nodes
//! (a DaemonSet writing one document per node) are evaluated in one place.
//!
//! The saved facts are concatenated with the others and everything derived (ages at this run's
//! `now`, relations, signature verdicts) is derived again: the evaluation time is always the
//! evaluator's.

use std::path::Path;

use crate::facts::model::*;
use crate::facts::part::Part;
use crate::paths::display_path;
use crate::sources::context::CollectContext;
use crate::sources::read::input::{error, read_capped, read_stdin_capped, utf8_text, JsonDocument};

/// Reads one saved facts document.
pub fn collect(path: &Path, ctx: &CollectContext) -> Part {
    let stdin = path.as_os_str() == "-";
    let shown = if stdin { "-".to_string() } else { display_path(path) };
    let bytes = if stdin {
        read_stdin_capped(ctx.max_document_size, SourceKind::Facts)
    } else {
        read_capped(path, ctx.max_document_size, SourceKind::Facts, &shown)
    };
    // Checked in place, not copied: a merged fleet document can be hundreds of megabytes.
    let checked = bytes.and_then(|b| match utf8_text(&b, SourceKind::Facts, &shown) {
        Ok(_) => Ok(b),
        Err(e) => Err(e),
    });
    match checked {
        Ok(bytes) => {
            let text = std::str::from_utf8(&bytes).unwrap_or_default();
            let mut part = from_text(text.trim_start_matches('\u{feff}'), &shown);
            part.read(&shown, &bytes);
            part
        }
        Err(e) => Part::for_source(SourceKind::Facts, &shown).with_error(e),
    }
}

/// Reads one saved facts document already parsed as JSON (see [`from_text`]).
pub fn from_document(doc: JsonDocument) -> Part {
    from_text(&doc.text, &doc.shown)
}

/// Just the version, read before the whole document.
#[derive(serde::Deserialize)]
struct Header {
    #[serde(default)]
    schema_version: Option<serde_json::Value>,
}

/// Reads one saved facts document from its text, straight into the typed model (a generic JSON
/// tree of 100,000 certificates would take several times the memory): a document that fails
/// validation is one error entry; the errors it carries are kept, with any found here.
pub fn from_text(text: &str, shown: &str) -> Part {
    let mut out = Part::for_source(SourceKind::Facts, shown);
    out.source.files_read = 1;
    let header: Header = match serde_json::from_str(text) {
        Ok(h) => h,
        Err(e) => {
            let mut err = error(
                SourceKind::Facts,
                shown,
                ErrorKind::MalformedJson,
                format!("not valid JSON: {e}"),
            );
            err.line = u32::try_from(e.line()).ok().filter(|l| *l > 0);
            return out.with_error(err);
        }
    };
    let version = header.schema_version.as_ref().and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(SCHEMA_VERSION)) {
        let message = match version {
            Some(v) => {
                format!("facts schema_version {v} is not supported by this scanner (it reads version {SCHEMA_VERSION})")
            }
            None => "not a facts document: no `schema_version`".to_string(),
        };
        return out.with_error(error(SourceKind::Facts, shown, ErrorKind::WrongShape, message));
    }
    let saved: FactsDocument = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let mut err = error(
                SourceKind::Facts,
                shown,
                ErrorKind::WrongShape,
                format!("facts document does not match schema version {SCHEMA_VERSION}: {e}"),
            );
            err.line = u32::try_from(e.line()).ok().filter(|l| *l > 0);
            return out.with_error(err);
        }
    };
    let mut saved = saved;
    let without_der = distrust(&mut saved.facts);
    out.facts = saved.facts;
    if without_der > 0 {
        out.facts.errors.push(error(
            SourceKind::Facts,
            shown,
            ErrorKind::WrongShape,
            format!(
                "{without_der} certificate(s) have no DER matching their id (a lean document, as `scan` writes beside SARIF?): they are kept, but cannot be checked against any CA, and their saved signature verdicts are dropped"
            ),
        ));
    }
    out
}

/// A saved document is a claim, not an observation: one node's document must not change the
/// verdicts of a whole cluster. Every certificate whose DER hashes to its id is read again from
/// the DER (subject, validity, key, extensions: a forged `not_before_unix` is gone); one
/// without such a DER keeps what the document says of it but none of its signature verdicts
/// (nothing can be checked). Kubeconfigs, node roots and objects sources are marked as saved, so
/// that their CAs are never a server's current CA. Returns how many certificates have no DER.
fn distrust(facts: &mut Facts) -> usize {
    use rayon::prelude::*;
    let without_der = facts
        .certificates
        .par_iter_mut()
        .map(|cert| {
            let der = std::mem::take(&mut cert.der);
            let fresh = (!der.is_empty() && crate::facts::x509::sha256_hex(&der.0) == cert.id)
                .then(|| crate::facts::x509::analyze(der.0, cert.origin.clone(), cert.role).ok())
                .flatten();
            match fresh {
                Some(mut fresh) => {
                    // What the DER cannot say: the place it was found (kept from the document).
                    fresh.private_key_present = cert.private_key_present;
                    fresh.cluster_key = cert.cluster_key.take();
                    *cert = fresh;
                    0
                }
                None => {
                    cert.ca_verification = None;
                    cert.node_ca_verification = None;
                    cert.kubeconfig_ca_verification = None;
                    cert.current_ca_verification = None;
                    1
                }
            }
        })
        .sum();
    for kubeconfig in &mut facts.kubeconfigs {
        kubeconfig.from_saved_document = true;
    }
    for root in &mut facts.node_roots {
        root.from_saved_document = true;
    }
    for source in &mut facts.k8s_sources {
        source.from_saved_document = true;
    }
    without_der
}
