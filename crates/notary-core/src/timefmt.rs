//! RFC 3339 helpers matching notation's encoding of times.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, truncate};

/// Drops sub-second precision (notation truncates signing time and expiry to seconds).
pub fn truncate_to_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Formats like Go's `time.Time` JSON after truncation: RFC 3339, seconds, keeping the offset,
/// `Z` for a zero offset.
pub fn format_rfc3339(t: OffsetDateTime) -> Result<String, Error> {
    truncate_to_seconds(t)
        .format(&Rfc3339)
        .map_err(|e| Error::InvalidTime {
            value: t.to_string(),
            reason: e.to_string(),
        })
}

/// Parses an RFC 3339 time with any offset (fractional seconds tolerated).
pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| Error::InvalidTime {
        value: truncate(s),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_offset() {
        let t = parse_rfc3339("2023-06-27T13:30:33+08:00").unwrap();
        assert_eq!(format_rfc3339(t).unwrap(), "2023-06-27T13:30:33+08:00");
        let z = parse_rfc3339("2022-08-29T13:50:00.123Z").unwrap();
        assert_eq!(format_rfc3339(z).unwrap(), "2022-08-29T13:50:00Z");
        assert!(parse_rfc3339("2022-08-29 13:50:00").is_err());
    }
}
