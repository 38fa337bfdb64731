//! A minimal, strict DER reader: enough for certificates, CRLs, OCSP responses and CMS
//! timestamp tokens. Shared by the notary crates that parse ASN.1.
//!
//! It accepts only definite, minimally encoded lengths and single-byte tags, which is all
//! X.509 needs, and never indexes past the input.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Universal tags used in this crate.
#[allow(missing_docs)] // the names are the ASN.1 universal tag names
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const OCTET_STRING: u8 = 0x04;
    pub const ENUMERATED: u8 = 0x0a;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
}

/// One decoded element: its tag, its content and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The tag byte.
    pub tag: u8,
    /// The content octets.
    pub value: &'a [u8],
    /// The whole encoding (tag, length and content).
    pub raw: &'a [u8],
}

/// Reads elements one after another from a byte slice.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

/// Decoding result; errors are static descriptions.
pub type DerResult<T> = Result<T, &'static str>;

impl<'a> Reader<'a> {
    /// A reader over `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element, whatever its tag.
    pub fn read_any(&mut self) -> DerResult<Tlv<'a>> {
        let input = self.rest;
        let (&tag, after_tag) = input.split_first().ok_or("unexpected end of data")?;
        if tag & 0x1f == 0x1f {
            return Err("multi-byte tags are not supported");
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or("missing length")?;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err("indefinite length is not allowed in DER");
        } else {
            let count = usize::from(first & 0x7f);
            if count > 4 {
                return Err("length too large");
            }
            let bytes = after_len.get(..count).ok_or("truncated length")?;
            if bytes.first() == Some(&0) {
                return Err("non-minimal length encoding");
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return Err("non-minimal length encoding");
            }
            after_len = after_len.get(count..).ok_or("truncated length")?;
            len
        };
        let value = after_len
            .get(..len)
            .ok_or("element extends past end of data")?;
        let raw_len = input
            .len()
            .checked_sub(after_len.len())
            .and_then(|header_len| header_len.checked_add(len))
            .ok_or("element extends past end of data")?;
        let raw = input
            .get(..raw_len)
            .ok_or("element extends past end of data")?;
        self.rest = after_len.get(len..).unwrap_or_default();
        Ok(Tlv { tag, value, raw })
    }

    /// Reads the next element and requires `expected` as its tag.
    pub fn read(&mut self, expected: u8) -> DerResult<Tlv<'a>> {
        match self.peek_tag() {
            Some(t) if t == expected => self.read_any(),
            Some(_) => Err("unexpected tag"),
            None => Err("unexpected end of data"),
        }
    }

    /// Reads the next element if its tag is `expected`.
    pub fn read_optional(&mut self, expected: u8) -> DerResult<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(expected) {
            self.read_any().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails unless all input was consumed.
    pub fn finish(&self) -> DerResult<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err("unexpected trailing data")
        }
    }
}

/// Parses exactly one element spanning all of `input`.
pub fn parse_single(input: &[u8], expected: u8) -> DerResult<Tlv<'_>> {
    let mut r = Reader::new(input);
    let tlv = r.read(expected)?;
    r.finish()?;
    Ok(tlv)
}

/// Content of a BIT STRING that has no unused bits (signatures and keys).
pub fn bit_string_bytes<'a>(tlv: &Tlv<'a>) -> DerResult<&'a [u8]> {
    match tlv.value.split_first() {
        Some((0, bytes)) => Ok(bytes),
        Some(_) => Err("bit string has unused bits"),
        None => Err("empty bit string"),
    }
}

/// Checks BIT STRING contents: an unused-bit count of 0 to 7 (0 when there is no data octet)
/// and unused bits that are zero, as DER and Go's `cryptobyte` require.
pub fn check_bit_string(value: &[u8]) -> DerResult<()> {
    let (&unused, bytes) = value.split_first().ok_or("empty bit string")?;
    if unused > 7 || (bytes.is_empty() && unused != 0) {
        return Err("bad unused-bit count in bit string");
    }
    // The low `unused` bits of the last octet.
    let unused_mask = 0xffu8
        .checked_shr(8u32.saturating_sub(u32::from(unused)))
        .unwrap_or(0);
    if bytes.last().is_some_and(|&last| last & unused_mask != 0) {
        return Err("unused bits of bit string are not zero");
    }
    Ok(())
}

/// Checks OBJECT IDENTIFIER contents as Go's `cryptobyte` reads them in certificates: not
/// empty, every subidentifier minimally encoded (no leading `0x80` octet), complete, and
/// below 2^31.
///
/// A DER OID has a single encoding, so contents that pass compare equal exactly when the
/// OIDs are equal.
pub fn check_oid(content: &[u8]) -> DerResult<()> {
    if content.is_empty() {
        return Err("empty OID");
    }
    let mut acc: u32 = 0;
    let mut at_start = true;
    for &b in content {
        if at_start && b == 0x80 {
            return Err("non-minimal OID subidentifier");
        }
        if acc >= 1 << 24 {
            return Err("OID subidentifier does not fit 31 bits");
        }
        acc = (acc << 7) | u32::from(b & 0x7f);
        at_start = b & 0x80 == 0;
        if at_start {
            acc = 0;
        }
    }
    if at_start {
        Ok(())
    } else {
        Err("truncated OID")
    }
}

/// Reads an AlgorithmIdentifier as Go decodes one: a SEQUENCE whose first element is a
/// well-formed OID ([`check_oid`]); its parameters, and anything after them, are not read.
pub fn read_algorithm_identifier<'a>(r: &mut Reader<'a>) -> DerResult<Tlv<'a>> {
    let alg = r.read(tag::SEQUENCE)?;
    check_oid(Reader::new(alg.value).read(tag::OID)?.value)?;
    Ok(alg)
}

/// Reads one Extension as Go's parsers read it: a SEQUENCE of a well-formed OID
/// ([`check_oid`]), an optional DER BOOLEAN critical flag (default false) and an OCTET STRING;
/// nothing after the value is read. Returns the OID contents, the flag and the value contents.
pub fn read_extension<'a>(r: &mut Reader<'a>) -> DerResult<(&'a [u8], bool, &'a [u8])> {
    let ext = r.read(tag::SEQUENCE)?;
    let mut e = Reader::new(ext.value);
    let oid = e.read(tag::OID)?;
    check_oid(oid.value)?;
    let critical = match e.read_optional(tag::BOOLEAN)? {
        Some(b) => match b.value {
            [0x00] => false,
            [0xff] => true,
            _ => return Err("critical is not a DER boolean"),
        },
        None => false,
    };
    let value = e.read(tag::OCTET_STRING)?;
    Ok((oid.value, critical, value.value))
}

/// A non-negative DER INTEGER that fits `u64`.
pub fn small_uint(value: &[u8]) -> DerResult<u64> {
    check_integer(value)?;
    if value.first().is_some_and(|b| b & 0x80 != 0) {
        return Err("negative integer");
    }
    let digits = match value {
        [0, rest @ ..] => rest,
        _ => value,
    };
    if digits.len() > 8 {
        return Err("integer too large");
    }
    Ok(digits
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Checks the DER rules for INTEGER contents (non-empty, minimal).
pub fn check_integer(value: &[u8]) -> DerResult<()> {
    match value {
        [] => Err("empty integer"),
        [0, next, ..] if next & 0x80 == 0 => Err("non-minimal integer"),
        [0xff, next, ..] if next & 0x80 != 0 => Err("non-minimal integer"),
        _ => Ok(()),
    }
}

/// Renders OID contents in dotted-decimal form; `None` if malformed.
pub fn oid_to_string(content: &[u8]) -> Option<String> {
    let arcs = oid_arcs(content)?;
    let mut out = String::with_capacity(arcs.len().saturating_mul(4));
    for (i, arc) in arcs.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&arc.to_string());
    }
    Some(out)
}

/// Decodes OID contents into arcs; each arc must fit `u64`.
pub fn oid_arcs(content: &[u8]) -> Option<Vec<u64>> {
    if content.is_empty() || content.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let mut arcs = Vec::with_capacity(content.len().saturating_add(1));
    let mut acc: u64 = 0;
    let mut started = false;
    for &b in content {
        if !started && b == 0x80 {
            return None; // non-minimal base-128 encoding
        }
        started = true;
        if acc > (u64::MAX >> 7) {
            return None;
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (first, second) = match acc {
                    0..=39 => (0, acc),
                    40..=79 => (1, acc.saturating_sub(40)),
                    _ => (2, acc.saturating_sub(80)),
                };
                arcs.push(first);
                arcs.push(second);
            } else {
                arcs.push(acc);
            }
            acc = 0;
            started = false;
        }
    }
    Some(arcs)
}

/// Appends a DER header (tag + length) for `len` content bytes.
pub fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// Decodes a Time of a certificate or CRL as Go's x509 parser (cryptobyte, so notation) does:
/// UTCTime `YYMMDDHHMM[SS]` or GeneralizedTime `YYYYMMDDHHMMSS`, each ending in `Z` or a
/// non-zero `±hhmm` offset (`+0000` is refused: Go requires the form it would write back). RFC
/// 5280 asks for `Z` and whole seconds; Go takes the other forms, so both tools read them alike.
pub fn parse_time(tlv: Tlv<'_>) -> DerResult<OffsetDateTime> {
    parse_time_with(tlv, false)
}

/// [`parse_time`] as Go's `encoding/asn1` decodes a Time (OCSP responses, through
/// x/crypto/ocsp): a GeneralizedTime may also carry fractional seconds, at most nine digits and
/// without trailing zeros.
pub fn parse_time_asn1(tlv: Tlv<'_>) -> DerResult<OffsetDateTime> {
    parse_time_with(tlv, true)
}

fn parse_time_with(tlv: Tlv<'_>, fractions: bool) -> DerResult<OffsetDateTime> {
    let digits = |s: &[u8]| -> DerResult<u32> {
        if s.is_empty() {
            return Err("invalid time digit");
        }
        s.iter().try_fold(0u32, |acc, &b| {
            char::from(b)
                .to_digit(10)
                .and_then(|d| acc.checked_mul(10)?.checked_add(d))
                .ok_or("invalid time digit")
        })
    };
    let v = tlv.value;
    // (year, the rest from the month on, whether seconds are required and fractions allowed)
    let (year, rest, generalized) = match tlv.tag {
        0x17 => {
            let yy = digits(v.get(..2).ok_or("time too short")?)?;
            // Two-digit years 50..99 are 19xx, 00..49 are 20xx (RFC 5280, and Go).
            let year = yy.saturating_add(if yy >= 50 { 1900 } else { 2000 });
            (year, v.get(2..).unwrap_or_default(), false)
        }
        0x18 => (
            digits(v.get(..4).ok_or("time too short")?)?,
            v.get(4..).unwrap_or_default(),
            true,
        ),
        _ => return Err("invalid time type"),
    };
    let field = |i: usize| digits(rest.get(i..i.saturating_add(2)).ok_or("time too short")?);
    let (month, day, hour, minute) = (field(0)?, field(2)?, field(4)?, field(6)?);
    // Seconds: required in GeneralizedTime, optional in UTCTime (Go falls back to minutes).
    let (second, mut zone_at) = match rest.get(8) {
        Some(b) if b.is_ascii_digit() => (field(8)?, 10),
        _ if generalized => return Err("GeneralizedTime without seconds"),
        _ => (0, 8),
    };
    let mut nanos = 0u32;
    if generalized && fractions && rest.get(zone_at) == Some(&b'.') {
        let frac: Vec<u8> = rest
            .get(zone_at.saturating_add(1)..)
            .unwrap_or_default()
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        // Go writes a fraction back without trailing zeros and with at most nine digits.
        if frac.is_empty() || frac.len() > 9 || frac.last() == Some(&b'0') {
            return Err("invalid fractional seconds");
        }
        nanos = digits(&frac)?
            .saturating_mul(10u32.saturating_pow(9u32.saturating_sub(frac.len() as u32)));
        zone_at = zone_at.saturating_add(1).saturating_add(frac.len());
    }
    let offset_seconds: i64 = match rest.get(zone_at..).unwrap_or_default() {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), hh @ ..] if hh.len() == 4 => {
            let (h, m) = (
                digits(hh.get(..2).unwrap_or_default())?,
                digits(hh.get(2..).unwrap_or_default())?,
            );
            if h > 24 || m > 59 || (h == 0 && m == 0) {
                return Err("invalid time zone offset");
            }
            let s = i64::from(h)
                .saturating_mul(3600)
                .saturating_add(i64::from(m).saturating_mul(60));
            if *sign == b'-' { s.saturating_neg() } else { s }
        }
        _ => return Err("time must end in Z or a time zone offset"),
    };
    let month =
        Month::try_from(u8::try_from(month).map_err(|_| "bad month")?).map_err(|_| "bad month")?;
    let date = Date::from_calendar_date(
        i32::try_from(year).map_err(|_| "bad year")?,
        month,
        u8::try_from(day).map_err(|_| "bad day")?,
    )
    .map_err(|_| "invalid date")?;
    let time = Time::from_hms_nano(
        u8::try_from(hour).map_err(|_| "bad hour")?,
        u8::try_from(minute).map_err(|_| "bad minute")?,
        u8::try_from(second).map_err(|_| "bad second")?,
        nanos,
    )
    .map_err(|_| "invalid time of day")?;
    PrimitiveDateTime::new(date, time)
        .assume_utc()
        .checked_sub(time::Duration::seconds(offset_seconds))
        .ok_or("time out of range")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times as Go 1.26.8 reads them: cryptobyte (certificates, CRLs) and encoding/asn1 (OCSP);
    /// `None` where Go refuses. Measured with a Go program over these exact strings.
    #[test]
    fn times_are_read_as_go_reads_them() {
        use time::macros::datetime;
        let cases: &[(u8, &str, Option<OffsetDateTime>, Option<OffsetDateTime>)] = &[
            (
                0x17,
                "2401010000Z",
                Some(datetime!(2024-01-01 0:00 UTC)),
                Some(datetime!(2024-01-01 0:00 UTC)),
            ),
            (
                0x17,
                "240101000000Z",
                Some(datetime!(2024-01-01 0:00 UTC)),
                Some(datetime!(2024-01-01 0:00 UTC)),
            ),
            (0x17, "240101000000+0000", None, None),
            (
                0x17,
                "240101000000+0100",
                Some(datetime!(2023-12-31 23:00 UTC)),
                Some(datetime!(2023-12-31 23:00 UTC)),
            ),
            (
                0x17,
                "2401010000+0100",
                Some(datetime!(2023-12-31 23:00 UTC)),
                Some(datetime!(2023-12-31 23:00 UTC)),
            ),
            (
                0x17,
                "240101000000-0130",
                Some(datetime!(2024-01-01 1:30 UTC)),
                Some(datetime!(2024-01-01 1:30 UTC)),
            ),
            (0x17, "240101000000+", None, None),
            (
                0x17,
                "240101000000+2400",
                Some(datetime!(2023-12-31 0:00 UTC)),
                Some(datetime!(2023-12-31 0:00 UTC)),
            ),
            (0x17, "240101000000+0060", None, None),
            (
                0x18,
                "20240101000000.5Z",
                None,
                Some(datetime!(2024-01-01 0:00:00.5 UTC)),
            ),
            (0x18, "20240101000000.50Z", None, None),
            (0x18, "20240101000000.Z", None, None),
            (
                0x18,
                "20240101000000Z",
                Some(datetime!(2024-01-01 0:00 UTC)),
                Some(datetime!(2024-01-01 0:00 UTC)),
            ),
            (0x18, "202401010000Z", None, None),
            (
                0x18,
                "20240101000000+0100",
                Some(datetime!(2023-12-31 23:00 UTC)),
                Some(datetime!(2023-12-31 23:00 UTC)),
            ),
            (0x18, "20240101000000+0000", None, None),
            (
                0x18,
                "20240101000000.123456789Z",
                None,
                Some(datetime!(2024-01-01 0:00:00.123456789 UTC)),
            ),
            (0x18, "20240101000000.1234567891Z", None, None),
            (0x18, "20240101000000,5Z", None, None),
        ];
        for &(tag_byte, text, cryptobyte, asn1) in cases {
            let raw = [&[tag_byte, text.len() as u8][..], text.as_bytes()].concat();
            let t = || Reader::new(&raw).read_any().unwrap();
            assert_eq!(parse_time(t()).ok(), cryptobyte, "cryptobyte {text}");
            assert_eq!(parse_time_asn1(t()).ok(), asn1, "asn1 {text}");
        }
    }

    #[test]
    fn reads_short_and_long_lengths() {
        let mut data = vec![0x04, 0x81, 0x80];
        data.extend(std::iter::repeat_n(7u8, 0x80));
        data.extend([0x05, 0x00]);
        let mut r = Reader::new(&data);
        let t = r.read(0x04).unwrap();
        assert_eq!(t.value.len(), 0x80);
        assert_eq!(t.raw.len(), 0x83);
        assert_eq!(r.read(tag::NULL).unwrap().value, b"");
        assert!(r.finish().is_ok());
    }

    #[test]
    fn rejects_bad_lengths() {
        assert!(Reader::new(&[0x04, 0x80]).read_any().is_err());
        assert!(
            Reader::new(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5])
                .read_any()
                .is_err()
        );
        assert!(Reader::new(&[0x04, 0x03, 1]).read_any().is_err());
        assert!(Reader::new(&[0x1f, 0x01, 0x00]).read_any().is_err());
    }

    #[test]
    fn oid_rendering() {
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]).unwrap(),
            "1.2.840.113549.1.9.1"
        );
        assert_eq!(oid_to_string(&[0x55, 0x04, 0x03]).unwrap(), "2.5.4.3");
        assert!(oid_to_string(&[0x55, 0x84]).is_none());
        assert!(oid_to_string(&[0x80, 0x01]).is_none());
    }

    #[test]
    fn oid_checks() {
        assert!(check_oid(&[0x55, 0x1d, 0x13]).is_ok());
        assert!(check_oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]).is_ok());
        // 2^31 - 1 fits, 2^31 does not (Go's cryptobyte limit).
        assert!(check_oid(&[0x2a, 0x87, 0xff, 0xff, 0xff, 0x7f]).is_ok());
        assert!(check_oid(&[0x2a, 0x88, 0x80, 0x80, 0x80, 0x00]).is_err());
        assert!(check_oid(&[]).is_err());
        assert!(check_oid(&[0x55, 0x80, 0x1d, 0x13]).is_err());
        assert!(check_oid(&[0x80, 0x55]).is_err());
        assert!(check_oid(&[0x55, 0x9d]).is_err());
    }

    #[test]
    fn bit_string_checks() {
        assert!(check_bit_string(&[0x00]).is_ok());
        assert!(check_bit_string(&[0x07, 0x80]).is_ok());
        assert!(check_bit_string(&[0x00, 0xff]).is_ok());
        assert!(check_bit_string(&[]).is_err());
        assert!(check_bit_string(&[0x01]).is_err());
        assert!(check_bit_string(&[0x08, 0x00]).is_err());
        assert!(check_bit_string(&[0x01, 0x01]).is_err());
        assert!(check_bit_string(&[0x07, 0x81]).is_err());
    }

    #[test]
    fn header_encoding() {
        let mut v = Vec::new();
        push_header(&mut v, 0x0c, 5);
        push_header(&mut v, 0x0c, 300);
        assert_eq!(v, [0x0c, 5, 0x0c, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn integers() {
        assert_eq!(small_uint(&[0x00, 0x80]).unwrap(), 128);
        assert!(small_uint(&[0x00, 0x01]).is_err());
        assert!(small_uint(&[0x80]).is_err());
        assert!(small_uint(&[]).is_err());
    }
}
