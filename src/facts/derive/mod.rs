//! Everything that follows from the collected observations, computed in one place, once, after
//! collection (and again after merging saved documents):
//!
//! - **time**: each certificate's lifetime, age, remaining time and fraction of lifetime used at
//!   the evaluation time, how long each certificate signing request has waited, and whether each
//!   kubeconfig user's client certificate is valid;
//! - **relations**: the `cluster_key` (`rg/name`) of every kubeconfig user and cluster, node,
//!   node root, endpoint and certificate that belongs to a `--cluster` document: from AKS user
//!   naming, from the API server host matching a cluster's FQDN or private FQDN, or from the node
//!   resource group;
//! - **signature verdicts**, each in its own field and never overwritten by another: a node
//!   certificate against its node's `ca.crt` (`node_ca_verification`), a client certificate
//!   against its kubeconfig's CA (`kubeconfig_ca_verification`, and `ca_checks` per context), a
//!   client or node certificate against the **current CA** of its API server
//!   (`current_ca_verification`), an endpoint's chain against every kubeconfig CA for that server
//!   (`ca_checks`), and the one verdict rules read (`ca_verification`: current, else local);
//! - **node relations**: whether a node's kubelet serving certificate was signed by its CA
//!   (`serving_certificate_cluster_signed`);
//! - **display names**: how messages name each certificate occurrence.
//!
//! The current CA of a server is the CA with the latest `not_before` among every CA this run
//! observed for it (kubeconfig clusters, node `ca.crt`, the `kube-root-ca.crt` its API server
//! publishes): `az aks rotate-certs` makes a new CA with the same name `CN=ca`, so a newer one
//! means the older was rotated away. A kubeconfig or a node pool left on the old CA is consistent
//! with itself, so only this cross-source check can see it.
//!
//! A saved document merged with `--facts` (a DaemonSet's) is a claim, not an observation. Its
//! certificates are read again from their DER (`sources::facts_merge`), never from its fields, so
//! a forged `not_before` cannot make an old CA the newest. And its CAs are candidates only for a
//! server that no source of this run (a kubeconfig, a node root, `kube-root-ca.crt`) has a CA for:
//! next to a fresh kubeconfig, one node's document cannot move verdicts onto the others. With
//! saved documents alone (a fleet merged later, `compliance --facts estate.json`) they are all
//! there is; then the worst a forged document can do is offer a CA of its own that is newer than
//! the real one, which makes every other certificate fail its check: a false alarm, never a
//! hidden one.
//!
//! Signatures need the DER of both certificates. A certificate merged from a document written
//! without DER cannot be checked: it has no signature verdict.

pub mod names;
pub mod relations;
pub mod signatures;
pub mod time;

use rayon::prelude::*;

use super::model::FactsDocument;
use crate::clock::Instant;

pub use names::display_name;
pub use relations::server_host;

/// Derives what `certificates` need when they depend on nothing but themselves (`--certs`
/// certificates: no relation, no signature to check): time and display name, as [`derive()`]
/// would.
pub fn certificates_alone(certificates: &mut [crate::facts::model::CertificateFact], now: Instant) {
    certificates
        .par_iter_mut()
        .for_each(|cert| certificate_alone(cert, now));
}

/// [`certificates_alone`] for one certificate, on the calling thread.
pub fn certificate_alone(cert: &mut crate::facts::model::CertificateFact, now: Instant) {
    time::fill_validity(cert, now.0);
    cert.display_name = display_name(cert);
}

/// Derives every computed field of `doc` at evaluation time `now`.
pub fn derive(doc: &mut FactsDocument, now: Instant) {
    doc.now = now.rfc3339();
    doc.now_unix = now.0;
    doc.facts
        .certificates
        .par_iter_mut()
        .for_each(|cert| time::fill_validity(cert, now.0));
    time::fill_csr_pending(&mut doc.facts.csrs, now.0);
    time::fill_user_validity(doc, now.0);
    relations::link_clusters(doc);
    signatures::check_signatures(doc);
    relations::mark_cluster_signed_serving(doc);
    doc.facts
        .certificates
        .par_iter_mut()
        .for_each(|cert| cert.display_name = display_name(cert));
}
