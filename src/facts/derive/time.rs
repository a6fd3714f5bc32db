//! Time: each certificate's lifetime, age, remaining time and fraction of lifetime used at the
//! evaluation time ([`fill_validity`] depends on the certificate alone, so it can be applied to any
//! chunk of certificates as it streams past); how long each certificate signing request has
//! waited; whether each kubeconfig user's client certificate is valid now.

use crate::clock::{days, DAY};
use crate::facts::model::CertificateFact;

/// Computes the validity arithmetic of `cert` at `now` (Unix seconds): lifetime, age, remaining
/// time, in seconds and days, and the fraction of the lifetime used. Saturating: real
/// certificates have notAfter before notBefore and years far past 9999.
pub fn fill_validity(cert: &mut CertificateFact, now: i64) {
    cert.lifetime_seconds = cert.not_after_unix.saturating_sub(cert.not_before_unix);
    cert.lifetime_days = days(cert.lifetime_seconds);
    cert.age_seconds = now.saturating_sub(cert.not_before_unix);
    cert.age_days = days(cert.age_seconds);
    cert.remaining_seconds = cert.not_after_unix.saturating_sub(now);
    cert.remaining_days = days(cert.remaining_seconds);
    cert.lifetime_used = (cert.lifetime_seconds > 0).then(|| {
        let fraction = cert.age_seconds as f64 / cert.lifetime_seconds as f64;
        (fraction * 10_000.0).round() / 10_000.0
    });
    cert.lifetime_used_percent = cert.lifetime_used.map(|f| (f * 1000.0).round() / 10.0);
    cert.age_whole_days = cert.age_seconds / DAY;
    cert.remaining_whole_days = cert.remaining_seconds / DAY;
    cert.not_before_date = date_part(&cert.not_before);
    cert.not_after_date = date_part(&cert.not_after);
}

/// How long each CertificateSigningRequest has been waiting at `now`: neither issued, denied
/// nor failed.
pub fn fill_csr_pending(csrs: &mut [crate::facts::model::CsrFact], now: i64) {
    for csr in csrs {
        csr.pending_seconds = (!csr.issued && !csr.denied && !csr.failed)
            .then_some(csr.created_at_unix)
            .flatten()
            .map(|created| now.saturating_sub(created));
    }
}

/// Whether each kubeconfig user's client certificate is valid at `now`, and until when (after
/// [`fill_validity`], which fills the certificates' own fields).
pub fn fill_user_validity(doc: &mut crate::facts::model::FactsDocument, now: i64) {
    let facts = &mut doc.facts;
    let by_id: std::collections::HashMap<&str, &CertificateFact> =
        facts.certificates.iter().map(|c| (c.id.as_str(), c)).collect();
    for kc in &mut facts.kubeconfigs {
        for user in &mut kc.users {
            let Some(cert) = user.client_certificate_id.as_deref().and_then(|id| by_id.get(id)) else {
                continue;
            };
            user.client_certificate_valid = Some(cert.not_before_unix <= now && now < cert.not_after_unix);
            user.client_certificate_not_after = Some(cert.not_after.clone());
        }
    }
}

/// The first ten characters of an RFC 3339 time: its date.
fn date_part(rfc3339: &str) -> String {
    rfc3339.chars().take(10).collect()
}
