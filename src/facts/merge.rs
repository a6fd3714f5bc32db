//! `--facts`: a saved facts document merged into this one, so that facts collected on many nodes
//! (a DaemonSet writing one document per node) are evaluated in one place.
//!
//! Time-dependent fields are recomputed from the Unix timestamps at this run's `now`: the
//! evaluation time is always the evaluator's.

use std::path::Path;

use super::collected::Collected;
use super::input::{error, read_json};
use super::model::*;
use super::CollectContext;
use crate::clock::days;

/// Reads one saved facts document.
pub fn collect(path: &Path, ctx: &CollectContext) -> Collected {
    let doc = match read_json(path, ctx.max_file_size, SourceKind::Facts) {
        Ok(d) => d,
        Err(e) => {
            let shown = e.path.clone();
            return Collected::for_source(SourceKind::Facts, &shown).with_error(e);
        }
    };
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
    let with_der = super::certificate::der_index(&saved.certificates);
    for mut cert in saved.certificates {
        retime(&mut cert, ctx.now.0);
        if !with_der.contains_key(&cert.id) {
            out.errors.push(error(
                SourceKind::Facts,
                &doc.shown,
                ErrorKind::WrongShape,
                format!("certificate {} has no DER matching its id: it is kept, but cannot be checked against other sources' CAs", cert.id),
            ));
        }
        out.certificates.push(cert);
    }
    out.kubeconfigs = saved.kubeconfigs;
    out.clusters = saved.clusters;
    out.nodes = saved.nodes;
    out.node_roots = saved.node_roots;
    out.endpoints = saved.endpoints;
    out.errors = saved.errors;
    out
}

/// Recomputes age, remaining time and lifetime used at `now`.
pub fn retime(cert: &mut CertificateFact, now: i64) {
    cert.age_seconds = now.saturating_sub(cert.not_before_unix);
    cert.age_days = days(cert.age_seconds);
    cert.remaining_seconds = cert.not_after_unix.saturating_sub(now);
    cert.remaining_days = days(cert.remaining_seconds);
    cert.lifetime_used = (cert.lifetime_seconds > 0)
        .then(|| ((cert.age_seconds as f64 / cert.lifetime_seconds as f64) * 10_000.0).round() / 10_000.0);
}
