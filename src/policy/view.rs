//! The facts as the policies see them: the facts document as a regorus value, without any
//! certificate's DER (no rule reads it, and it would be most of the bytes).
//!
//! Certificates are turned into values per chunk, when a chunk is evaluated, so that a scan of
//! 100,000 certificates never holds them all as regorus values at once unless a rule of scope
//! `document` asks for the whole list. Every other fact (clusters, kubeconfigs, nodes, node
//! roots, endpoints, errors) is converted once and shared by every input.

use std::ops::Range;
use std::sync::OnceLock;

use regorus::Value;

use super::value::{to_value_with, Keys};
use crate::facts::model::FactsDocument;

/// Fields the policy view never holds.
const NOT_FOR_POLICIES: &[&str] = &["der_base64"];

/// The policy view of one facts document.
pub struct PolicyView<'a> {
    facts: &'a FactsDocument,
    without_certificates: Value,
    document: OnceLock<Value>,
}

impl<'a> PolicyView<'a> {
    /// Converts every fact but the certificates.
    pub fn new(facts: &'a FactsDocument) -> Self {
        static TOP_LEVEL_OMITTED: &[&str] = &["der_base64", "certificates"];
        let mut keys = Keys::omitting(TOP_LEVEL_OMITTED);
        let base = to_value_with(facts, &mut keys);
        PolicyView {
            facts,
            without_certificates: with_certificates(base, Vec::new()),
            document: OnceLock::new(),
        }
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
        let mut keys = Keys::omitting(NOT_FOR_POLICIES);
        let certs = self.facts.facts.certificates[range]
            .iter()
            .map(|c| to_value_with(c, &mut keys))
            .collect();
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
