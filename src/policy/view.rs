//! The facts as the policies see them: the facts document as a regorus value, without any
//! certificate's DER (no rule reads it, and it would be most of the bytes).
//!
//! Certificates are turned into values per chunk, when a chunk is evaluated, so that a scan of
//! 100,000 certificates never holds them all as regorus values at once unless a rule of scope
//! `document` asks for the whole list. Every other fact (clusters, kubeconfigs, nodes, node
//! roots, endpoints, errors) is converted once and shared by every input.
//!
//! Building a certificate's value costs more than evaluating most rules over it, so when only the
//! bundled rules run, certificates carry just the fields those rules read
//! ([`BUNDLED_CERTIFICATE_FIELDS`]; tests check that the bundled rules read no other, and that
//! their findings are the same over the whole document). Any `--policy` directory gets the whole
//! document, every field documented in `docs/facts.md`.

use std::ops::Range;
use std::sync::OnceLock;

use regorus::Value;

use super::value::{to_value_with, Fields, Keys};
use crate::facts::model::{CertificateFact, FactsDocument};

/// The certificate fields (and the fields of `origin` and `ca_verification`) the bundled rules
/// read.
pub const BUNDLED_CERTIFICATE_FIELDS: &[&str] = &[
    "id",
    "origin",
    "path",
    "line",
    "node_root",
    "kubeconfig_user",
    "role",
    "display_name",
    "cluster_key",
    "lifetime_seconds",
    "age_seconds",
    "remaining_seconds",
    "lifetime_used",
    "lifetime_used_percent",
    "age_whole_days",
    "remaining_whole_days",
    "not_before_date",
    "not_after_date",
    "is_ca",
    "self_signed",
    "key_algorithm",
    "key_size",
    "signature_algorithm",
    "signature_digest",
    "ca_verification",
    "result",
    "ca_id",
    "ca_source",
];

/// Which certificate fields the evaluated rules can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateFields {
    /// Every documented field (user policies are loaded).
    All,
    /// [`BUNDLED_CERTIFICATE_FIELDS`] (only the bundled rules run).
    Bundled,
}

/// The policy view of one facts document.
pub struct PolicyView<'a> {
    facts: &'a FactsDocument,
    fields: Fields,
    without_certificates: Value,
    document: OnceLock<Value>,
}

impl<'a> PolicyView<'a> {
    /// Converts every fact but the certificates.
    pub fn new(facts: &'a FactsDocument, certificate_fields: CertificateFields) -> Self {
        let base = to_value_with(facts, &mut Keys::with(Fields::Omit(&["der_base64", "certificates"])));
        PolicyView {
            facts,
            fields: match certificate_fields {
                CertificateFields::All => Fields::Omit(&["der_base64"]),
                CertificateFields::Bundled => Fields::Keep(BUNDLED_CERTIFICATE_FIELDS),
            },
            without_certificates: with_certificates(base, Vec::new()),
            document: OnceLock::new(),
        }
    }

    /// The same view with `key` added to every input (the exceptions of the `exceptions` scope).
    pub fn with(mut self, key: &str, value: Value) -> Self {
        if let Ok(object) = self.without_certificates.as_object_mut() {
            object.insert(Value::from(key), value);
        }
        self
    }

    /// The number of certificates.
    pub fn certificate_count(&self) -> usize {
        self.facts.facts.certificates.len()
    }

    /// The input without any certificate (`certificates` is an empty list).
    pub fn without_certificates(&self) -> Value {
        self.without_certificates.clone()
    }

    /// The input with the certificates of `range` only.
    pub fn with_chunk(&self, range: Range<usize>) -> Value {
        let mut keys = Keys::with(self.fields);
        let certs = self.facts.facts.certificates[range]
            .iter()
            .map(|c| to_value_with(c, &mut keys))
            .collect();
        with_certificates(self.without_certificates.clone(), certs)
    }

    /// The input with `certificates` (certificates that stream past, not the document's own).
    pub fn with_certificates(&self, certificates: &[CertificateFact]) -> Value {
        let mut keys = Keys::with(self.fields);
        let certs = certificates.iter().map(|c| to_value_with(c, &mut keys)).collect();
        with_certificates(self.without_certificates.clone(), certs)
    }

    /// The whole document (built once, on first use).
    pub fn document(&self) -> Value {
        self.document
            .get_or_init(|| self.with_chunk(0..self.certificate_count()))
            .clone()
    }
}

fn with_certificates(mut base: Value, certificates: Vec<Value>) -> Value {
    if let Ok(object) = base.as_object_mut() {
        object.insert(Value::from("certificates"), Value::from(certificates));
    }
    base
}
