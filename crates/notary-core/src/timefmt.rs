//! RFC 3339 helpers matching notation's encoding of times.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, shown};

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

/// Go's `time.RFC1123Z` layout (`Mon, 02 Jan 2006 15:04:05 -0700`), in which notation's
/// messages name certificate validity bounds and expiry times.
///
/// ```
/// use notary_core::timefmt::{format_rfc1123z, parse_rfc3339};
/// let t = parse_rfc3339("2023-06-27T13:21:21+08:00").unwrap();
/// assert_eq!(format_rfc1123z(t), "Tue, 27 Jun 2023 13:21:21 +0800");
/// let t = parse_rfc3339("2025-01-01T08:04:39Z").unwrap();
/// assert_eq!(format_rfc1123z(t), "Wed, 01 Jan 2025 08:04:39 +0000");
/// ```
pub fn format_rfc1123z(t: OffsetDateTime) -> String {
    let (day, month) = day_and_month(t);
    let off = t.offset();
    let (h, m, _) = off.as_hms();
    let sign = if off.is_negative() { '-' } else { '+' };
    format!(
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second(),
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// Go's `time.ANSIC` layout (`Tue Jan 21 09:17:46 2025`), in the time's own offset, as
/// notation's tree output shows times.
///
/// ```
/// use notary_core::timefmt::{format_ansic, parse_rfc3339};
/// let t = parse_rfc3339("2025-01-07T08:42:43Z").unwrap();
/// assert_eq!(format_ansic(t), "Tue Jan  7 08:42:43 2025");
/// ```
pub fn format_ansic(t: OffsetDateTime) -> String {
    let (day, month) = day_and_month(t);
    format!(
        "{day} {month} {:>2} {:02}:{:02}:{:02} {}",
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// The English three-letter names Go's layouts use for `t`'s weekday and month.
fn day_and_month(t: OffsetDateTime) -> (&'static str, &'static str) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = DAYS
        .get(usize::from(t.weekday().number_days_from_monday()))
        .copied()
        .unwrap_or("???");
    let month = MONTHS
        .get(usize::from(u8::from(t.month())).saturating_sub(1))
        .copied()
        .unwrap_or("???");
    (day, month)
}

/// Go's `time.RFC3339Nano` layout, as `time.Time` values appear in notation's JSON: fractional
/// seconds without trailing zeros, `Z` for a zero offset, else the offset.
///
/// ```
/// use notary_core::timefmt::{format_rfc3339_nano, parse_rfc3339};
/// let t = parse_rfc3339("2025-01-21T09:17:46.1410Z").unwrap();
/// assert_eq!(format_rfc3339_nano(t), "2025-01-21T09:17:46.141Z");
/// let t = parse_rfc3339("2023-06-27T13:30:33+08:00").unwrap();
/// assert_eq!(format_rfc3339_nano(t), "2023-06-27T13:30:33+08:00");
/// ```
pub fn format_rfc3339_nano(t: OffsetDateTime) -> String {
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let n = t.nanosecond();
    if n != 0 {
        let frac = format!("{n:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    let off = t.offset();
    if off.is_utc() {
        s.push('Z');
    } else {
        let (h, m, _) = off.as_hms();
        let sign = if off.is_negative() { '-' } else { '+' };
        s.push_str(&format!(
            "{sign}{:02}:{:02}",
            h.unsigned_abs(),
            m.unsigned_abs()
        ));
    }
    s
}

/// Converts to UTC. Unlike `OffsetDateTime::to_offset`, which panics, a time whose UTC date
/// leaves the supported range (e.g. `9999-12-31T23:59:59-01:00` from an envelope or a plugin) is
/// an error.
pub fn to_utc(t: OffsetDateTime) -> Result<OffsetDateTime, Error> {
    t.checked_to_offset(time::UtcOffset::UTC)
        .ok_or_else(|| Error::InvalidTime {
            value: t.to_string(),
            reason: "the time is outside the supported range (years -9999 to 9999) in UTC".into(),
        })
}

/// Go's zero `time.Time`, 0001-01-01T00:00:00Z, in Unix seconds.
pub const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Whether `t` is Go's zero time (at any offset). notation reads a signing time there as no
/// signing time ("signing-time not present") and refuses the signature, so do we.
pub fn is_go_zero_time(t: OffsetDateTime) -> bool {
    t.unix_timestamp() == GO_ZERO_TIME_UNIX && t.nanosecond() == 0
}

/// Parses an RFC 3339 time with any offset (fractional seconds tolerated).
pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, Error> {
    // Go's RFC 3339 parser, which notation uses, wants an upper-case `T` between date and time
    // and `Z` for UTC, and refuses second 60; the time crate skips whatever byte sits between
    // date and time and takes lower case and leap seconds.
    let b = s.as_bytes();
    let go_form = b.get(10) == Some(&b'T')
        && !b.iter().any(|c| matches!(c, b't' | b'z'))
        && b.get(17..19) != Some(b"60".as_slice());
    if !go_form {
        return Err(Error::InvalidTime {
            value: shown(s),
            reason: "not RFC 3339 as notation writes it (YYYY-MM-DDThh:mm:ss, Z or an offset)"
                .into(),
        });
    }
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| Error::InvalidTime {
        value: shown(s),
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
        // What the time crate alone would take and Go refuses.
        for bad in [
            "2022-08-29 13:50:00Z",
            "2022-08-29_13:50:00Z",
            "2022-08-29t13:50:00Z",
            "2022-08-29T13:50:00z",
            "2016-12-31T23:59:60Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
        assert!(parse_rfc3339("2016-12-31T23:59:59.5-07:30").is_ok());
    }

    #[test]
    fn to_utc_refuses_times_past_9999_in_utc() {
        let t = parse_rfc3339("9999-12-31T23:59:59-01:00").unwrap();
        assert!(matches!(to_utc(t), Err(Error::InvalidTime { .. })));
        let t = parse_rfc3339("2023-06-27T13:30:33+08:00").unwrap();
        assert_eq!(
            format_rfc3339(to_utc(t).unwrap()).unwrap(),
            "2023-06-27T05:30:33Z"
        );
    }
}
