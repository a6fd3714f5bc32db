//! Time: each certificate's lifetime, age, remaining time and fraction of lifetime used at the
//! evaluation time. Depends on the certificate alone, so it can be applied to any chunk of
//! certificates as it streams past.

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

/// The first ten characters of an RFC 3339 time: its date.
fn date_part(rfc3339: &str) -> String {
    rfc3339.chars().take(10).collect()
}
