//! `--facts`: a saved facts document merged into this one, so that facts collected on many nodes
//! (a DaemonSet writing one document per node) are evaluated in one place.
//!
//! The saved facts are concatenated with the others and everything derived (ages at this run's
//! `now`, relations, signature verdicts) is derived again: the evaluation time is always the
//! evaluator's.

use std::path::Path;

use super::collected::Collected;
use super::input::{error, read_json, JsonDocument};
use super::model::*;
use super::CollectContext;

/// Reads one saved facts document.
pub fn collect(path: &Path, ctx: &CollectContext) -> Collected {
    let doc = match read_json(path, ctx.max_file_size, SourceKind::Facts) {
        Ok(d) => d,
        Err(e) => {
            let shown = e.path.clone();
            return Collected::for_source(SourceKind::Facts, &shown).with_error(e);
        }
    };
    from_document(doc)
}

/// Reads one saved facts document already parsed as JSON: a document that fails validation is
/// one error entry; the errors it carries are kept, with any found here.
pub fn from_document(doc: JsonDocument) -> Collected {
    let mut out = Collected::for_source(SourceKind::Facts, &doc.shown);
    out.source.files_read = 1;
    let version = doc.value.get("schema_version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(SCHEMA_VERSION)) {
        let message = match version {
            Some(v) => {
                format!("facts schema_version {v} is not supported by this scanner (it reads version {SCHEMA_VERSION})")
            }
            None => "not a facts document: no `schema_version`".to_string(),
        };
        return out.with_error(error(SourceKind::Facts, &doc.shown, ErrorKind::WrongShape, message));
    }
    let saved: FactsDocument = match serde_json::from_value(doc.value) {
        Ok(d) => d,
        Err(e) => {
            return out.with_error(error(
                SourceKind::Facts,
                &doc.shown,
                ErrorKind::WrongShape,
                format!("facts document does not match schema version {SCHEMA_VERSION}: {e}"),
            ))
        }
    };
    let mut saved = saved;
    let mut without_der = 0;
    for cert in &mut saved.facts.certificates {
        // A DER that does not hash to the id is not trusted for signature checks.
        if cert.der.is_empty() || super::certificate::sha256_hex(&cert.der.0) != cert.id {
            cert.der = Der::default();
            without_der += 1;
        }
    }
    out.facts = saved.facts;
    if without_der > 0 {
        out.facts.errors.push(error(
            SourceKind::Facts,
            &doc.shown,
            ErrorKind::WrongShape,
            format!(
                "{without_der} certificate(s) have no DER matching their id (a lean document, as `scan` writes beside SARIF?): they are kept, but cannot be checked against other sources' CAs"
            ),
        ));
    }
    out
}
