//! The evaluation clock. Every age and remaining time is computed from one `now`, given with
//! `--now` or read once at start, so that the same inputs give the same facts.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A time that is neither RFC 3339 nor a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 time such as `2026-11-29T12:00:00Z` or a date such as `2026-11-29`")]
pub struct TimeError(pub String);

/// A point in time in whole Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub i64);

impl Instant {
    /// The current system time, truncated to whole seconds.
    pub fn now() -> Self {
        Instant(OffsetDateTime::now_utc().unix_timestamp())
    }

    /// Parses RFC 3339 (`2026-11-29T00:00:00Z`, with any offset) or a plain date (`2026-11-29`,
    /// meaning midnight UTC).
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let text = text.trim();
        if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Instant(t.unix_timestamp()));
        }
        let date_only = time::macros::format_description!("[year]-[month]-[day]");
        if let Ok(d) = time::Date::parse(text, &date_only) {
            return Ok(Instant(d.midnight().assume_utc().unix_timestamp()));
        }
        Err(TimeError(text.to_string()))
    }

    /// RFC 3339 in UTC, whole seconds; `@<seconds>` when the year is outside 0000-9999.
    pub fn rfc3339(self) -> String {
        format_unix(self.0)
    }
}

/// Formats Unix seconds as RFC 3339 UTC (`@<seconds>` outside the years 0000-9999).
pub fn format_unix(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("@{secs}"))
}

/// Parses an RFC 3339 timestamp as found in Kubernetes and ARM documents.
pub fn parse_unix(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Seconds to days, rounded to two decimals.
pub fn days(seconds: i64) -> f64 {
    ((seconds as f64 / DAY as f64) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_dates() {
        assert_eq!(Instant::parse("1970-01-02T00:00:00Z"), Ok(Instant(DAY)));
        assert_eq!(Instant::parse("1970-01-02T01:00:00+01:00"), Ok(Instant(DAY)));
        assert_eq!(Instant::parse("1970-01-02"), Ok(Instant(DAY)));
        assert!(Instant::parse("yesterday").is_err());
    }

    #[test]
    fn formats_extreme_years_without_failing() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert!(format_unix(i64::MAX).starts_with('@'));
    }

    #[test]
    fn days_round_to_two_decimals() {
        assert_eq!(days(DAY / 3), 0.33);
        assert_eq!(days(-DAY), -1.0);
    }
}
