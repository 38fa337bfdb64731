//! A small, strict CBOR (RFC 8949) codec for COSE envelopes.
//!
//! Decoding accepts only well-formed, definite-length items, rejects duplicate map keys, invalid
//! UTF-8, reserved encodings and trailing bytes, and caps nesting depth and item count so that
//! hostile input cannot exhaust the stack or memory. Non-preferred (longer than necessary) heads
//! are accepted because Go's decoder accepts them and signatures cover the received bytes anyway.
//!
//! Encoding always emits definite lengths, the shortest head for every argument, and maps sorted
//! by the length-first canonical rule (shorter encoded key first, then bytewise). That is the
//! order go-cose produces (`cbor.SortCanonical`, RFC 7049 §3.9, RFC 8949 §4.2.3); it agrees with
//! the RFC 8949 core deterministic order for every label notation emits (small integers and text
//! strings of differing lengths).

use std::collections::HashSet;

use crate::error::Error;

/// Maximum nesting depth of arrays, maps and tags (Go's decoder default is 32).
pub(crate) const MAX_DEPTH: usize = 32;
/// Maximum number of data items in one decoded document.
pub(crate) const MAX_ITEMS: usize = 131_072;

/// Most items reserved ahead for one array or map: a count is only an upper bound until its
/// items are read, and a few bytes of heads must not reserve gigabytes.
const PREALLOC: usize = 64;

const MAJOR_UNSIGNED: u8 = 0;
const MAJOR_NEGATIVE: u8 = 1;
const MAJOR_BYTES: u8 = 2;
const MAJOR_TEXT: u8 = 3;
const MAJOR_ARRAY: u8 = 4;
const MAJOR_MAP: u8 = 5;
const MAJOR_TAG: u8 = 6;
const MAJOR_SIMPLE: u8 = 7;

/// Simple value `null`.
pub(crate) const SIMPLE_NULL: u8 = 22;

/// The self-described CBOR tag (RFC 8949 §3.4.6), which changes nothing of the item it holds.
const TAG_SELF_DESCRIBED: u64 = 55_799;

/// A decoded CBOR data item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Major type 0.
    Unsigned(u64),
    /// Major type 1: the value is `-1 - n`.
    Negative(u64),
    /// Major type 2.
    Bytes(Vec<u8>),
    /// Major type 3.
    Text(String),
    /// Major type 4.
    Array(Vec<Value>),
    /// Major type 5, in received order.
    Map(Vec<(Value, Value)>),
    /// Major type 6.
    Tag(u64, Box<Value>),
    /// Major type 7 simple values (false = 20, true = 21, null = 22, undefined = 23, ...).
    Simple(u8),
    /// Half-precision float, raw bits (kept at its received width).
    Float16(u16),
    /// Single-precision float, raw bits.
    Float32(u32),
    /// Double-precision float, raw bits.
    Float64(u64),
}

impl Value {
    /// The integer value of major types 0 and 1.
    pub(crate) fn as_int(&self) -> Option<i128> {
        match self {
            Self::Unsigned(n) => Some(i128::from(*n)),
            Self::Negative(n) => (-1i128).checked_sub(i128::from(*n)),
            _ => None,
        }
    }

    /// A short description of the item's type, for error messages.
    pub(crate) fn type_name(&self) -> String {
        match self {
            Self::Unsigned(_) => "unsigned integer".into(),
            Self::Negative(_) => "negative integer".into(),
            Self::Bytes(_) => "byte string".into(),
            Self::Text(_) => "text string".into(),
            Self::Array(_) => "array".into(),
            Self::Map(_) => "map".into(),
            Self::Tag(t, _) => format!("tag {t}"),
            Self::Simple(20 | 21) => "boolean".into(),
            Self::Simple(SIMPLE_NULL) => "null".into(),
            Self::Simple(23) => "undefined".into(),
            Self::Simple(n) => format!("simple value {n}"),
            Self::Float16(_) | Self::Float32(_) | Self::Float64(_) => "float".into(),
        }
    }

    /// Whether a tag occurs anywhere in this item (nesting is capped at decode time).
    pub(crate) fn contains_tag(&self) -> bool {
        match self {
            Self::Tag(..) => true,
            Self::Array(items) => items.iter().any(Self::contains_tag),
            Self::Map(entries) => entries
                .iter()
                .any(|(k, v)| k.contains_tag() || v.contains_tag()),
            _ => false,
        }
    }

    /// Builds an integer item; `None` when outside the CBOR integer range [-2^64, 2^64 - 1].
    pub(crate) fn from_int(v: i128) -> Option<Self> {
        if v >= 0 {
            u64::try_from(v).ok().map(Self::Unsigned)
        } else {
            (-1i128)
                .checked_sub(v)
                .and_then(|n| u64::try_from(n).ok())
                .map(Self::Negative)
        }
    }
}

/// Head of a data item: major type and argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) major: u8,
    /// Additional information bits (needed to tell floats from simple values).
    pub(crate) info: u8,
    pub(crate) arg: u64,
}

impl Head {
    /// A short description of the item's type, for error messages.
    pub(crate) fn type_name(&self) -> String {
        match self.major {
            MAJOR_UNSIGNED => "unsigned integer".into(),
            MAJOR_NEGATIVE => "negative integer".into(),
            MAJOR_BYTES => "byte string".into(),
            MAJOR_TEXT => "text string".into(),
            MAJOR_ARRAY => format!("array of {} items", self.arg),
            MAJOR_MAP => "map".into(),
            MAJOR_TAG => format!("tag {}", self.arg),
            _ => match self.info {
                25..=27 => "float".into(),
                _ => Value::Simple(u8::try_from(self.arg).unwrap_or(u8::MAX)).type_name(),
            },
        }
    }

    /// True when this head opens a map.
    pub(crate) fn is_map(&self) -> bool {
        self.major == MAJOR_MAP
    }

    /// True when this head is tag `tag`.
    pub(crate) fn is_tag(&self, tag: u64) -> bool {
        self.major == MAJOR_TAG && self.arg == tag
    }

    /// True when this head opens an array of `len` items.
    pub(crate) fn is_array_of(&self, len: u64) -> bool {
        self.major == MAJOR_ARRAY && self.arg == len
    }
}

/// One map entry with the exact bytes of its value as received.
#[derive(Debug, Clone)]
pub(crate) struct RawEntry<'a> {
    pub(crate) key: Value,
    pub(crate) value: Value,
    pub(crate) raw_value: &'a [u8],
}

/// Strict decoder over a byte slice.
#[derive(Debug)]
pub(crate) struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
    items: usize,
    /// Whether tag 55799 is passed over before an item (see [`Decoder::stripping_self_described`]).
    strip_self_described: bool,
}

impl<'a> Decoder<'a> {
    /// A decoder positioned at the start of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self::counting_from(data, 0)
    }

    /// A decoder of `data` that starts with `items` already counted against [`MAX_ITEMS`]:
    /// byte strings holding CBOR (protected headers) are decoded on the budget of the envelope
    /// around them, so the cap holds for the whole envelope.
    pub(crate) fn counting_from(data: &'a [u8], items: usize) -> Self {
        Self {
            data,
            pos: 0,
            items,
            strip_self_described: false,
        }
    }

    /// Passes over tag 55799 (any number of times) before an array item, a map key or value and
    /// the top-level item, but not inside another tag: where go-cose decodes with tags allowed
    /// (protected headers), its CBOR library drops that tag at those places and nowhere else.
    pub(crate) fn stripping_self_described(mut self) -> Self {
        self.strip_self_described = true;
        self
    }

    /// Items counted so far, including those this decoder started with.
    pub(crate) fn items(&self) -> usize {
        self.items
    }

    /// Fails unless every byte has been consumed.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.pos == self.data.len() {
            Ok(())
        } else {
            Err(Error::CborTrailingBytes {
                offset: self.pos,
                trailing: self.data.len().saturating_sub(self.pos),
            })
        }
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8], Error> {
        let truncated = Error::CborTruncated { offset: self.pos };
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.pos.checked_add(l))
            .ok_or_else(|| truncated.clone())?;
        let slice = self.data.get(self.pos..end).ok_or(truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn be_uint(&mut self, len: u64) -> Result<u64, Error> {
        Ok(self
            .take(len)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Reads one head, rejecting indefinite lengths, reserved encodings and two-byte simple
    /// values below 32. Counts the item against [`MAX_ITEMS`].
    pub(crate) fn head(&mut self) -> Result<Head, Error> {
        let offset = self.pos;
        let initial = *self
            .take(1)?
            .first()
            .ok_or(Error::CborTruncated { offset })?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        let arg = match info {
            0..=23 => u64::from(info),
            24 => self.be_uint(1)?,
            25 => self.be_uint(2)?,
            26 => self.be_uint(4)?,
            27 => self.be_uint(8)?,
            28..=30 => {
                return Err(Error::CborMalformed {
                    offset,
                    reason: format!("reserved additional information value {info}"),
                });
            }
            _ => {
                return Err(match major {
                    MAJOR_BYTES | MAJOR_TEXT | MAJOR_ARRAY | MAJOR_MAP => {
                        Error::CborIndefiniteLength { offset }
                    }
                    MAJOR_SIMPLE => Error::CborMalformed {
                        offset,
                        reason: "unexpected break stop code".into(),
                    },
                    _ => Error::CborMalformed {
                        offset,
                        reason: format!("indefinite length is not valid for major type {major}"),
                    },
                });
            }
        };
        if major == MAJOR_SIMPLE && info == 24 && arg < 32 {
            return Err(Error::CborMalformed {
                offset,
                reason: format!("simple value {arg} must use the one-byte encoding"),
            });
        }
        self.items = self.items.saturating_add(1);
        if self.items > MAX_ITEMS {
            return Err(Error::CborTooManyItems { limit: MAX_ITEMS });
        }
        Ok(Head { major, info, arg })
    }

    /// Looks at the next head without consuming anything.
    pub(crate) fn peek_head(&self) -> Result<Head, Error> {
        let mut probe = Decoder {
            data: self.data,
            pos: self.pos,
            items: 0,
            strip_self_described: false,
        };
        probe.head()
    }

    fn check_depth(&self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            Err(Error::CborNestingTooDeep {
                offset: self.pos,
                limit: MAX_DEPTH,
            })
        } else {
            Ok(())
        }
    }

    /// Decodes one complete data item at nesting level `depth`.
    pub(crate) fn value(&mut self, depth: usize) -> Result<Value, Error> {
        self.item(depth, self.strip_self_described)
    }

    /// [`Decoder::value`], passing over tag 55799 first when `strip` is set.
    fn item(&mut self, depth: usize, strip: bool) -> Result<Value, Error> {
        self.check_depth(depth)?;
        let mut offset = self.pos;
        let mut head = self.head()?;
        while strip && head.is_tag(TAG_SELF_DESCRIBED) {
            offset = self.pos;
            head = self.head()?;
        }
        self.value_after_head(head, offset, depth)
    }

    fn value_after_head(
        &mut self,
        head: Head,
        offset: usize,
        depth: usize,
    ) -> Result<Value, Error> {
        Ok(match head.major {
            // go-cose decodes every integer to int64 and refuses the rest; so do we.
            MAJOR_UNSIGNED | MAJOR_NEGATIVE if head.arg > i64::MAX as u64 => {
                return Err(Error::CborMalformed {
                    offset,
                    reason: "integer outside the int64 range".into(),
                });
            }
            MAJOR_UNSIGNED => Value::Unsigned(head.arg),
            MAJOR_NEGATIVE => Value::Negative(head.arg),
            MAJOR_BYTES => Value::Bytes(self.take(head.arg)?.to_vec()),
            MAJOR_TEXT => {
                let bytes = self.take(head.arg)?;
                let text =
                    std::str::from_utf8(bytes).map_err(|_| Error::CborInvalidUtf8 { offset })?;
                Value::Text(text.to_string())
            }
            MAJOR_ARRAY => {
                // Every item takes at least one byte: refuse lengths the input cannot hold before
                // allocating anything.
                let len = self.bounded_count(head.arg, 1, offset)?;
                let mut items = Vec::with_capacity(reserve(len));
                for _ in 0..len {
                    items.push(self.value(depth.saturating_add(1))?);
                }
                Value::Array(items)
            }
            MAJOR_MAP => Value::Map(
                self.map_body(head.arg, offset, depth)?
                    .into_iter()
                    .map(|e| (e.key, e.value))
                    .collect(),
            ),
            MAJOR_TAG => {
                // A tag's content is read as it is: no self-described tag is passed over there.
                let inner = self.item(depth.saturating_add(1), false)?;
                check_tag_content(head.arg, &inner, offset)?;
                Value::Tag(head.arg, Box::new(inner))
            }
            _ => match head.info {
                25 => Value::Float16(u16::try_from(head.arg).unwrap_or(u16::MAX)),
                26 => Value::Float32(u32::try_from(head.arg).unwrap_or(u32::MAX)),
                27 => Value::Float64(head.arg),
                _ => Value::Simple(u8::try_from(head.arg).unwrap_or(u8::MAX)),
            },
        })
    }

    fn bounded_count(
        &self,
        count: u64,
        min_bytes_each: u64,
        offset: usize,
    ) -> Result<usize, Error> {
        let remaining = u64::try_from(self.data.len().saturating_sub(self.pos)).unwrap_or(u64::MAX);
        if count.saturating_mul(min_bytes_each) > remaining {
            return Err(Error::CborTruncated { offset });
        }
        usize::try_from(count).map_err(|_| Error::CborTruncated { offset })
    }

    fn map_body(
        &mut self,
        pairs: u64,
        offset: usize,
        depth: usize,
    ) -> Result<Vec<RawEntry<'a>>, Error> {
        let len = self.bounded_count(pairs, 2, offset)?;
        let mut entries = Vec::with_capacity(reserve(len));
        let mut seen = HashSet::with_capacity(reserve(len));
        for _ in 0..len {
            let key_offset = self.pos;
            let key = self.value(depth.saturating_add(1))?;
            // go-cose cannot decode an array, map or tag as a map key (unhashable); refusing
            // them also keeps the duplicate check linear (no nested key re-encoded per level).
            if matches!(key, Value::Array(_) | Value::Map(_) | Value::Tag(..)) {
                return Err(Error::CborMalformed {
                    offset: key_offset,
                    reason: format!("{} as a map key", key.type_name()),
                });
            }
            if !seen.insert(key_identity(&key)) {
                return Err(Error::CborDuplicateKey { offset: key_offset });
            }
            let start = self.pos;
            let value = self.value(depth.saturating_add(1))?;
            let raw_value = self.data.get(start..self.pos).unwrap_or_default();
            entries.push(RawEntry {
                key,
                value,
                raw_value,
            });
        }
        Ok(entries)
    }

    /// Decodes a map at nesting level `depth`, keeping the raw bytes of each value. Returns
    /// `Ok(Err(head))` without consuming the item when the next item is not a map.
    pub(crate) fn map_entries(
        &mut self,
        depth: usize,
    ) -> Result<Result<Vec<RawEntry<'a>>, Head>, Error> {
        self.check_depth(depth)?;
        let head = self.peek_head()?;
        if !head.is_map() {
            return Ok(Err(head));
        }
        let offset = self.pos;
        let head = self.head()?;
        self.map_body(head.arg, offset, depth).map(Ok)
    }
}

/// How many items to reserve for an array or map that announces `len`.
fn reserve(len: usize) -> usize {
    len.min(PREALLOC)
}

/// Decodes `data` as exactly one data item.
pub(crate) fn decode(data: &[u8]) -> Result<Value, Error> {
    let mut dec = Decoder::new(data);
    let value = dec.value(0)?;
    dec.finish()?;
    Ok(value)
}

/// The identity of a map key for duplicate detection: its canonical encoding with floats
/// widened to double precision, so that equal values with different encodings collide.
fn key_identity(key: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_inner(key, &mut out, true);
    out
}

/// Writes a head with the shortest argument encoding.
pub(crate) fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    notary_core::cbor_head(out, major, arg);
}

fn len_arg(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

/// Appends a byte string.
pub(crate) fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_head(out, MAJOR_BYTES, len_arg(bytes.len()));
    out.extend_from_slice(bytes);
}

/// Appends a text string.
pub(crate) fn write_text(out: &mut Vec<u8>, text: &str) {
    write_head(out, MAJOR_TEXT, len_arg(text.len()));
    out.extend_from_slice(text.as_bytes());
}

/// Appends an array head for `len` items.
pub(crate) fn write_array_head(out: &mut Vec<u8>, len: usize) {
    write_head(out, MAJOR_ARRAY, len_arg(len));
}

/// The content RFC 8949 §3.4 requires of the tags it defines for dates and bignums, which the
/// CBOR decoder of go-cose (fxamacker/cbor) checks wherever they occur: an RFC 3339 text for
/// tag 0, a number for tag 1, a byte string for tags 2 and 3.
fn check_tag_content(tag: u64, inner: &Value, offset: usize) -> Result<(), Error> {
    let wanted = match (tag, inner) {
        (0, Value::Text(t)) => {
            return notary_core::timefmt::parse_rfc3339(t)
                .map(drop)
                .map_err(|_| Error::CborMalformed {
                    offset,
                    reason: "tag 0 holds a text that is not an RFC 3339 date-time".into(),
                });
        }
        (0, _) => "a text string",
        (
            1,
            Value::Unsigned(_)
            | Value::Negative(_)
            | Value::Float16(_)
            | Value::Float32(_)
            | Value::Float64(_),
        )
        | (2 | 3, Value::Bytes(_)) => return Ok(()),
        (1, _) => "an integer or a floating-point number",
        (2 | 3, _) => "a byte string",
        _ => return Ok(()),
    };
    Err(Error::CborMalformed {
        offset,
        reason: format!("tag {tag} must hold {wanted}, not a {}", inner.type_name()),
    })
}

/// Appends a tag head.
pub(crate) fn write_tag(out: &mut Vec<u8>, tag: u64) {
    write_head(out, MAJOR_TAG, tag);
}

/// Appends a map whose entries are given as (encoded key, encoded value), sorted length-first
/// canonically. The caller guarantees keys are distinct.
pub(crate) fn write_map(out: &mut Vec<u8>, mut entries: Vec<(Vec<u8>, Vec<u8>)>) {
    entries.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
    write_head(out, MAJOR_MAP, len_arg(entries.len()));
    for (k, v) in entries {
        out.extend_from_slice(&k);
        out.extend_from_slice(&v);
    }
}

/// Canonical encoding of `value`.
pub(crate) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_inner(value, &mut out, false);
    out
}

fn encode_inner(value: &Value, out: &mut Vec<u8>, widen_floats: bool) {
    match value {
        Value::Unsigned(n) => write_head(out, MAJOR_UNSIGNED, *n),
        Value::Negative(n) => write_head(out, MAJOR_NEGATIVE, *n),
        Value::Bytes(b) => write_bytes(out, b),
        Value::Text(t) => write_text(out, t),
        Value::Array(items) => {
            write_array_head(out, items.len());
            for item in items {
                encode_inner(item, out, widen_floats);
            }
        }
        Value::Map(entries) => {
            let encoded = entries
                .iter()
                .map(|(k, v)| {
                    let mut ke = Vec::new();
                    encode_inner(k, &mut ke, widen_floats);
                    let mut ve = Vec::new();
                    encode_inner(v, &mut ve, widen_floats);
                    (ke, ve)
                })
                .collect();
            write_map(out, encoded);
        }
        Value::Tag(t, inner) => {
            write_tag(out, *t);
            encode_inner(inner, out, widen_floats);
        }
        Value::Simple(n) => {
            if *n < 24 {
                out.push((MAJOR_SIMPLE << 5) | n);
            } else {
                out.extend_from_slice(&[(MAJOR_SIMPLE << 5) | 24, *n]);
            }
        }
        Value::Float16(bits) if widen_floats => write_f64(out, f16_to_f64(*bits)),
        Value::Float32(bits) if widen_floats => write_f64(out, f64::from(f32::from_bits(*bits))),
        Value::Float16(bits) => {
            out.push((MAJOR_SIMPLE << 5) | 25);
            out.extend_from_slice(&bits.to_be_bytes());
        }
        Value::Float32(bits) => {
            out.push((MAJOR_SIMPLE << 5) | 26);
            out.extend_from_slice(&bits.to_be_bytes());
        }
        Value::Float64(bits) => {
            out.push((MAJOR_SIMPLE << 5) | 27);
            out.extend_from_slice(&bits.to_be_bytes());
        }
    }
}

fn write_f64(out: &mut Vec<u8>, v: f64) {
    out.push((MAJOR_SIMPLE << 5) | 27);
    out.extend_from_slice(&v.to_bits().to_be_bytes());
}

/// IEEE 754 half precision to double (exact).
pub(crate) fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let mant = f64::from(bits & 0x3ff);
    let magnitude = match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + mant / 1024.0) * 2f64.powi(exp.saturating_sub(15)),
    };
    sign * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Tag 55799 as go-cose's CBOR library reads protected headers: dropped before an item,
    /// a map key or value, an array item (as often as it is repeated), kept inside a tag.
    #[test]
    fn self_described_tag_is_passed_over_where_go_drops_it() {
        let strip = |h: &str| {
            let bytes = hex(h);
            let mut d = Decoder::new(&bytes).stripping_self_described();
            let v = d.value(0);
            v.and_then(|v| d.finish().map(|()| v))
        };
        assert_eq!(strip("d9d9f701").unwrap(), Value::Unsigned(1));
        assert_eq!(strip("d9d9f7d9d9f701").unwrap(), Value::Unsigned(1));
        assert_eq!(
            strip("a1d9d9f701d9d9f78102").unwrap(),
            Value::Map(vec![(
                Value::Unsigned(1),
                Value::Array(vec![Value::Unsigned(2)])
            )])
        );
        // Inside another tag it stays, and tag 1 then holds a tag, not a time.
        assert!(strip("c1d9d9f71a6a1d7440").is_err());
        // Without the mode it is a tag like any other.
        assert_eq!(
            decode(&hex("d9d9f701")).unwrap(),
            Value::Tag(55_799, Box::new(Value::Unsigned(1)))
        );
    }

    #[test]
    fn decodes_rfc8949_examples() {
        assert_eq!(decode(&hex("00")).unwrap(), Value::Unsigned(0));
        assert_eq!(decode(&hex("1903e8")).unwrap(), Value::Unsigned(1000));
        assert_eq!(decode(&hex("3863")).unwrap().as_int(), Some(-100));
        // The int64 range only, as go-cose: -2^63 and 2^63 - 1 decode, one further does not.
        assert_eq!(
            decode(&hex("3b7fffffffffffffff")).unwrap().as_int(),
            Some(-9_223_372_036_854_775_808)
        );
        assert_eq!(
            decode(&hex("1b7fffffffffffffff")).unwrap().as_int(),
            Some(9_223_372_036_854_775_807)
        );
        for out_of_range in [
            "3bffffffffffffffff",
            "3b8000000000000000",
            "1b8000000000000000",
        ] {
            assert!(matches!(
                decode(&hex(out_of_range)),
                Err(Error::CborMalformed { offset: 0, .. })
            ));
        }
        assert_eq!(
            decode(&hex("6449455446")).unwrap(),
            Value::Text("IETF".into())
        );
        assert_eq!(
            decode(&hex("c11a514b67b0")).unwrap(),
            Value::Tag(1, Box::new(Value::Unsigned(1_363_896_240)))
        );
        assert_eq!(decode(&hex("f93c00")).unwrap(), Value::Float16(0x3c00));
        assert_eq!(decode(&hex("f5")).unwrap(), Value::Simple(21));
        assert_eq!(decode(&hex("f8ff")).unwrap(), Value::Simple(255));
        let map = decode(&hex("a201020304")).unwrap();
        assert_eq!(
            map,
            Value::Map(vec![
                (Value::Unsigned(1), Value::Unsigned(2)),
                (Value::Unsigned(3), Value::Unsigned(4))
            ])
        );
    }

    #[test]
    fn rejects_indefinite_lengths() {
        for input in ["5f41014102ff", "7f6161ff", "9f01ff", "bf0102ff"] {
            assert_eq!(
                decode(&hex(input)),
                Err(Error::CborIndefiniteLength { offset: 0 }),
                "{input}"
            );
        }
        assert!(matches!(
            decode(&hex("ff")),
            Err(Error::CborMalformed { .. })
        ));
        assert!(matches!(
            decode(&hex("1f")),
            Err(Error::CborMalformed { .. })
        ));
    }

    #[test]
    fn rejects_duplicate_keys_even_when_encoded_differently() {
        assert_eq!(
            decode(&hex("a201020103")),
            Err(Error::CborDuplicateKey { offset: 3 })
        );
        // 1 and 0x18 0x01 are the same key.
        assert_eq!(
            decode(&hex("a20102180103")),
            Err(Error::CborDuplicateKey { offset: 3 })
        );
        // 1.0 as half and as double are the same key.
        assert!(matches!(
            decode(&hex("a2f93c0001fb3ff000000000000002")),
            Err(Error::CborDuplicateKey { .. })
        ));
        assert_eq!(
            decode(&hex("a2616101616102")),
            Err(Error::CborDuplicateKey { offset: 4 })
        );
        // Different types with the same payload are distinct keys.
        assert!(decode(&hex("a2616101416102")).is_ok());
    }

    #[test]
    fn rejects_malformed_and_truncated_input() {
        assert_eq!(decode(&hex("")), Err(Error::CborTruncated { offset: 0 }));
        assert_eq!(decode(&hex("19")), Err(Error::CborTruncated { offset: 1 }));
        assert_eq!(
            decode(&hex("5a00010000")),
            Err(Error::CborTruncated { offset: 5 })
        );
        assert_eq!(
            decode(&hex("9bffffffffffffffff")),
            Err(Error::CborTruncated { offset: 0 })
        );
        assert_eq!(
            decode(&hex("bbffffffffffffffff")),
            Err(Error::CborTruncated { offset: 0 })
        );
        assert!(matches!(
            decode(&hex("1c")),
            Err(Error::CborMalformed { .. })
        ));
        assert!(matches!(
            decode(&hex("f801")),
            Err(Error::CborMalformed { .. })
        ));
        assert_eq!(
            decode(&hex("62c328")),
            Err(Error::CborInvalidUtf8 { offset: 0 })
        );
        assert_eq!(
            decode(&hex("0000")),
            Err(Error::CborTrailingBytes {
                offset: 1,
                trailing: 1
            })
        );
    }

    #[test]
    fn caps_depth_and_item_count() {
        let deep = vec![0x81u8; MAX_DEPTH + 2];
        assert!(matches!(
            decode(&deep),
            Err(Error::CborNestingTooDeep { .. })
        ));
        let mut ok = vec![0x81u8; MAX_DEPTH];
        ok.push(0x00);
        assert!(decode(&ok).is_ok());
        let mut tags = vec![0xc1u8; MAX_DEPTH + 1];
        tags.push(0x00);
        assert!(matches!(
            decode(&tags),
            Err(Error::CborNestingTooDeep { .. })
        ));

        let mut many = Vec::new();
        write_array_head(&mut many, MAX_ITEMS);
        many.extend(std::iter::repeat_n(0u8, MAX_ITEMS));
        assert_eq!(
            decode(&many),
            Err(Error::CborTooManyItems { limit: MAX_ITEMS })
        );
        let mut fits = Vec::new();
        write_array_head(&mut fits, MAX_ITEMS - 1);
        fits.extend(std::iter::repeat_n(0u8, MAX_ITEMS - 1));
        assert!(decode(&fits).is_ok());
    }

    #[test]
    fn accepts_non_preferred_heads_but_encodes_shortest() {
        let v = decode(&hex("1b0000000000000001")).unwrap();
        assert_eq!(v, Value::Unsigned(1));
        assert_eq!(encode(&v), hex("01"));
        for (n, expected) in [
            (23u64, "17"),
            (24, "1818"),
            (255, "18ff"),
            (256, "190100"),
            (65_535, "19ffff"),
            (65_536, "1a00010000"),
            (u64::from(u32::MAX), "1affffffff"),
            (u64::from(u32::MAX) + 1, "1b0000000100000000"),
        ] {
            assert_eq!(encode(&Value::Unsigned(n)), hex(expected), "{n}");
        }
        assert_eq!(encode(&Value::from_int(-38).unwrap()), hex("3825"));
        assert_eq!(Value::from_int(i128::from(u64::MAX) + 1), None);
        assert_eq!(Value::from_int(-1 - i128::from(u64::MAX) - 1), None);
    }

    #[test]
    fn encodes_maps_length_first() {
        let map = Value::Map(vec![
            (Value::Text("aa".into()), Value::Unsigned(0)),
            (Value::Unsigned(1000), Value::Unsigned(0)),
            (Value::Text("b".into()), Value::Unsigned(0)),
            (Value::Negative(0), Value::Unsigned(0)),
            (Value::Unsigned(33), Value::Unsigned(0)),
            (Value::Unsigned(1), Value::Unsigned(0)),
        ]);
        // 1 (01), -1 (20), 33 (1821), "b" (6162), 1000 (1903e8), "aa" (626161).
        assert_eq!(encode(&map), hex("a6010020001821006162001903e80062616100"));
    }

    #[test]
    fn round_trips_nested_values() {
        let input = hex("a40161410282020303a1636b657982f6f504c1fb41d4dc23c0000000");
        let v = decode(&input).unwrap();
        assert_eq!(decode(&encode(&v)).unwrap(), v);
    }

    #[test]
    fn arrays_maps_and_tags_are_refused_as_map_keys() {
        for (input, offset) in [
            ("a1820102f6", 1),
            ("a1a10102f6", 1),
            ("a2 01 00 c1 00 f6", 3),
        ] {
            let input = hex(&input.replace(' ', ""));
            assert!(
                matches!(decode(&input), Err(Error::CborMalformed { offset: o, .. }) if o == offset),
                "{input:02x?}"
            );
        }
    }

    #[test]
    fn huge_counts_reserve_nothing_ahead() {
        assert_eq!(reserve(1 << 23), PREALLOC);
        assert_eq!(reserve(3), 3);
        // 2^23 pairs announced by nine bytes and backed by 16 MiB of zeros: the count check
        // passes, then the decode fails on the duplicate key; 2^24 items exceed the item cap.
        let mut input = hex("bb0000000000800000");
        input.resize(9 + (1 << 24), 0);
        assert!(matches!(
            decode(&input),
            Err(Error::CborDuplicateKey { offset: 11 })
        ));
        let mut input = hex("9b0000000001000000");
        input.resize(9 + (1 << 24), 0);
        assert!(matches!(
            decode(&input),
            Err(Error::CborTooManyItems { limit: MAX_ITEMS })
        ));
    }

    #[test]
    fn half_float_conversion() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc400), -4.0);
        assert_eq!(f16_to_f64(0x0001), 5.960_464_477_539_063e-8);
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
    }
}
