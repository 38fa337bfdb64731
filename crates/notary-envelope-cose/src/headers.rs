//! Building and checking the protected and unprotected header maps.

use std::collections::HashSet;

use notary_core::{
    AttributeKey, AttributeValue, ExtendedAttribute, SignRequest, SignatureAlgorithm,
    SignedAttributes, SigningScheme, header, timefmt,
};
use time::OffsetDateTime;

use crate::cbor::{self, RawEntry, Value};
use crate::error::Error;

/// COSE label `alg`.
pub(crate) const LABEL_ALG: i64 = 1;
/// COSE label `crit`.
pub(crate) const LABEL_CRIT: i64 = 2;
/// COSE label `content type`.
pub(crate) const LABEL_CONTENT_TYPE: i64 = 3;
/// COSE label `kid`.
const LABEL_KID: i64 = 4;
/// COSE label `IV`.
const LABEL_IV: i64 = 5;
/// COSE label `Partial IV`.
const LABEL_PARTIAL_IV: i64 = 6;
/// COSE label `counter signature` (RFC 9338).
const LABEL_COUNTER_SIGNATURE: i64 = 7;
/// COSE label `CounterSignature0` (RFC 9338).
const LABEL_COUNTER_SIGNATURE0: i64 = 9;
/// COSE label `Countersignature version 2` (RFC 9338).
const LABEL_COUNTER_SIGNATURE_V2: i64 = 11;
/// COSE label `Countersignature0 version 2` (RFC 9338).
const LABEL_COUNTER_SIGNATURE0_V2: i64 = 12;
/// COSE label `x5chain` (RFC 9360).
pub(crate) const LABEL_X5CHAIN: i64 = 33;
/// COSE label `payload hash alg` of a COSE Hash Envelope (draft-ietf-cose-hash-envelope).
const LABEL_PAYLOAD_HASH_ALG: i64 = 258;
/// CBOR tag for epoch-based date/time.
const TAG_EPOCH: u64 = 1;

/// Human-readable name of a label for error messages.
pub(crate) fn label_name(label: &AttributeKey) -> String {
    match label {
        AttributeKey::Int(LABEL_ALG) => "alg (1)".into(),
        AttributeKey::Int(LABEL_CRIT) => "crit (2)".into(),
        AttributeKey::Int(LABEL_CONTENT_TYPE) => "content type (3)".into(),
        AttributeKey::Int(LABEL_KID) => "kid (4)".into(),
        AttributeKey::Int(LABEL_IV) => "IV (5)".into(),
        AttributeKey::Int(LABEL_PARTIAL_IV) => "Partial IV (6)".into(),
        AttributeKey::Int(LABEL_COUNTER_SIGNATURE) => "counter signature (7)".into(),
        AttributeKey::Int(LABEL_COUNTER_SIGNATURE0) => "CounterSignature0 (9)".into(),
        AttributeKey::Int(LABEL_COUNTER_SIGNATURE_V2) => "Countersignature version 2 (11)".into(),
        AttributeKey::Int(LABEL_COUNTER_SIGNATURE0_V2) => "Countersignature0 version 2 (12)".into(),
        AttributeKey::Int(LABEL_TYPE) => "typ (16)".into(),
        AttributeKey::Int(LABEL_X5CHAIN) => "x5chain (33)".into(),
        AttributeKey::Int(n) => n.to_string(),
        // Labels come from untrusted envelopes: errors show a bounded prefix.
        AttributeKey::Text(t) => format!("{:?}", notary_core::shown(t)),
    }
}

fn label_value(label: &AttributeKey) -> Value {
    match label {
        AttributeKey::Int(n) => Value::from_int(i128::from(*n)).unwrap_or(Value::Unsigned(0)),
        AttributeKey::Text(t) => Value::Text(t.clone()),
    }
}

/// The label of a header map key, or `None` when it is not an i64 integer or a text string.
pub(crate) fn to_label(key: &Value) -> Option<AttributeKey> {
    match key {
        Value::Text(t) => Some(AttributeKey::Text(t.clone())),
        _ => key
            .as_int()
            .and_then(|i| i64::try_from(i).ok())
            .map(AttributeKey::Int),
    }
}

fn text_label(name: &str) -> AttributeKey {
    AttributeKey::Text(name.to_string())
}

/// Seconds since the Unix epoch of `t` truncated to whole seconds (notation truncates).
fn epoch_seconds(t: OffsetDateTime) -> i64 {
    timefmt::truncate_to_seconds(t).unix_timestamp()
}

fn time_value(secs: i64) -> Value {
    Value::Tag(
        TAG_EPOCH,
        Box::new(Value::from_int(i128::from(secs)).unwrap_or(Value::Unsigned(0))),
    )
}

/// Checks a content type has the `type/subtype` shape go-cose requires.
pub(crate) fn check_content_type(value: &str) -> Result<(), Error> {
    let shaped = value.trim() == value
        && value
            .split_once('/')
            .is_some_and(|(t, s)| !t.is_empty() && !s.is_empty());
    if shaped {
        Ok(())
    } else {
        Err(Error::InvalidContentType {
            value: notary_core::shown(value),
        })
    }
}

/// Header names that may not be used as extended attribute keys.
fn is_reserved_key(key: &AttributeKey) -> bool {
    match key {
        // COSE common parameters and x5chain belong to COSE itself.
        AttributeKey::Int(n) => (0..=8).contains(n) || *n == LABEL_X5CHAIN,
        AttributeKey::Text(t) => {
            notary_core::KNOWN_PROTECTED_HEADERS.contains(&t.as_str())
                || t == header::TIMESTAMP_SIGNATURE
                || t == header::SIGNING_AGENT
        }
    }
}

fn attribute_value(key: &AttributeKey, value: &AttributeValue) -> Result<Value, Error> {
    let unsupported = |reason: &str| Error::UnsupportedAttributeValue {
        key: key.to_string(),
        reason: reason.to_string(),
    };
    match value {
        AttributeValue::Text(t) => Ok(Value::Text(t.clone())),
        // The parser (like go-cose's decoder into Go integers) reads int64 values only.
        AttributeValue::Int(i) => i64::try_from(*i)
            .ok()
            .and_then(|i| Value::from_int(i128::from(i)))
            .ok_or_else(|| unsupported("integer outside the int64 range")),
        AttributeValue::Bool(b) => Ok(Value::Simple(if *b { 21 } else { 20 })),
        AttributeValue::Bytes(b) => Ok(Value::Bytes(b.clone())),
        // Re-encoded canonically after a strict decode, like every other part of the map.
        AttributeValue::Cbor(bytes) => {
            cbor::decode(bytes).map_err(|e| unsupported(&format!("invalid CBOR value: {e}")))
        }
        AttributeValue::Json(_) => Err(unsupported("JSON values belong to JWS envelopes")),
        _ => Err(unsupported("value kind not supported by COSE")),
    }
}

/// Encodes the protected header map for `request`, signed with `alg`.
pub(crate) fn build_protected(
    request: &SignRequest,
    alg: SignatureAlgorithm,
) -> Result<Vec<u8>, Error> {
    check_content_type(&request.payload_content_type)?;
    let signing_time = epoch_seconds(request.signing_time);
    let expiry = request.expiry.map(epoch_seconds);
    if let Some(expiry) = expiry
        && expiry <= signing_time
    {
        return Err(Error::ExpiryNotAfterSigningTime {
            signing_time,
            expiry,
        });
    }
    let time_label = match request.signing_scheme {
        SigningScheme::X509 => header::SIGNING_TIME,
        SigningScheme::X509SigningAuthority => header::AUTHENTIC_SIGNING_TIME,
        other => {
            return Err(Error::UnsupportedSigningScheme {
                value: other.to_string(),
            });
        }
    };
    if signing_time == notary_core::timefmt::GO_ZERO_TIME_UNIX {
        return Err(Error::ZeroTime {
            header: time_label.to_string(),
        });
    }

    // crit order follows notation-core-go: scheme, authentic signing time, expiry, then the
    // critical extended attributes in request order.
    let mut crit = vec![Value::Text(header::SIGNING_SCHEME.into())];
    if time_label == header::AUTHENTIC_SIGNING_TIME {
        crit.push(Value::Text(time_label.into()));
    }
    let mut entries: Vec<(Value, Value)> = vec![
        (
            Value::Unsigned(1),
            Value::from_int(i128::from(alg.cose_value())).unwrap_or(Value::Unsigned(0)),
        ),
        (
            Value::Unsigned(3),
            Value::Text(request.payload_content_type.clone()),
        ),
        (
            Value::Text(header::SIGNING_SCHEME.into()),
            Value::Text(request.signing_scheme.as_str().into()),
        ),
        (Value::Text(time_label.into()), time_value(signing_time)),
    ];
    if let Some(expiry) = expiry {
        crit.push(Value::Text(header::EXPIRY.into()));
        entries.push((Value::Text(header::EXPIRY.into()), time_value(expiry)));
    }

    let mut seen: HashSet<&AttributeKey> = HashSet::new();
    for attr in &request.extended_attributes {
        if is_reserved_key(&attr.key) {
            return Err(Error::ReservedAttributeKey {
                key: attr.key.to_string(),
            });
        }
        if !seen.insert(&attr.key) {
            return Err(Error::DuplicateAttributeKey {
                key: attr.key.to_string(),
            });
        }
        let key = label_value(&attr.key);
        if attr.critical {
            crit.push(key.clone());
        }
        entries.push((key, attribute_value(&attr.key, &attr.value)?));
    }
    entries.push((Value::Unsigned(2), Value::Array(crit)));
    Ok(cbor::encode(&Value::Map(entries)))
}

/// The checked contents of a protected header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProtectedHeaders {
    pub(crate) algorithm: SignatureAlgorithm,
    pub(crate) signed_attributes: SignedAttributes,
    /// Every label present, to detect labels repeated in the unprotected header.
    pub(crate) labels: HashSet<AttributeKey>,
}

/// A header map entry with its label and the raw bytes of its value.
pub(crate) struct Entry<'a> {
    pub(crate) label: AttributeKey,
    pub(crate) value: Value,
    pub(crate) raw: &'a [u8],
}

/// Converts raw map entries to labelled entries, rejecting labels that are not int/tstr.
pub(crate) fn labelled<'a>(
    entries: Vec<RawEntry<'a>>,
    bucket: &'static str,
) -> Result<Vec<Entry<'a>>, Error> {
    entries
        .into_iter()
        .map(|e| {
            let label = to_label(&e.key).ok_or_else(|| Error::InvalidHeaderLabel {
                bucket,
                found: match e.key.as_int() {
                    Some(i) => format!("integer {i} outside the i64 range"),
                    None => e.key.type_name(),
                },
            })?;
            Ok(Entry {
                label,
                value: e.value,
                raw: e.raw_value,
            })
        })
        .collect()
}

fn find<'e, 'a>(entries: &'e [Entry<'a>], label: &AttributeKey) -> Option<&'e Entry<'a>> {
    entries.iter().find(|e| &e.label == label)
}

/// A tag-1 epoch time as go-cose's decoder (fxamacker/cbor) reads it: an integer number of
/// seconds, or a float (RFC 8949 §3.4.2; the fraction kept to the nanosecond, NaN and
/// infinities read as Go's zero time). Notary signers write integers.
fn parse_time(entries: &[Entry<'_>], name: &str) -> Result<Option<OffsetDateTime>, Error> {
    let Some(entry) = find(entries, &text_label(name)) else {
        return Ok(None);
    };
    let inner = match &entry.value {
        Value::Tag(TAG_EPOCH, inner) => inner,
        other => {
            return Err(Error::TimeNotEpochTag {
                header: name.to_string(),
                found: other.type_name(),
            });
        }
    };
    let float = match **inner {
        Value::Float16(bits) => Some(cbor::f16_to_f64(bits)),
        Value::Float32(bits) => Some(f64::from(f32::from_bits(bits))),
        Value::Float64(bits) => Some(f64::from_bits(bits)),
        _ => None,
    };
    if let Some(f) = float {
        let out_of_range = || Error::TimeOutOfRange {
            header: name.to_string(),
            value: f.to_string(),
        };
        if !f.is_finite() {
            return OffsetDateTime::from_unix_timestamp(timefmt::GO_ZERO_TIME_UNIX)
                .map(Some)
                .map_err(|_| out_of_range());
        }
        // Whole seconds and the fraction's nanoseconds, as Go's `time.Unix(Modf(f))`; a value
        // beyond i64 or the representable years is out of range.
        let whole = f.trunc();
        if !(-9.2e18..=9.2e18).contains(&whole) {
            return Err(out_of_range());
        }
        #[allow(clippy::cast_possible_truncation)] // bounded above; the fraction is below 1e9
        let (secs, nanos) = (whole as i64, ((f - whole) * 1e9) as i64);
        let t = OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .and_then(|t| t.checked_add(time::Duration::nanoseconds(nanos)))
            .ok_or_else(out_of_range)?;
        return Ok(Some(t));
    }
    let secs = inner.as_int().ok_or_else(|| Error::TimeNotInteger {
        header: name.to_string(),
        found: inner.type_name(),
    })?;
    let out_of_range = || Error::TimeOutOfRange {
        header: name.to_string(),
        value: secs.to_string(),
    };
    let secs = i64::try_from(secs).map_err(|_| out_of_range())?;
    let t = OffsetDateTime::from_unix_timestamp(secs).map_err(|_| out_of_range())?;
    Ok(Some(t))
}

fn attribute_from(value: &Value, raw: &[u8]) -> AttributeValue {
    match value {
        Value::Text(t) => AttributeValue::Text(t.clone()),
        Value::Bytes(b) => AttributeValue::Bytes(b.clone()),
        Value::Simple(20) => AttributeValue::Bool(false),
        Value::Simple(21) => AttributeValue::Bool(true),
        v => match v.as_int() {
            Some(i) => AttributeValue::Int(i),
            None => AttributeValue::Cbor(raw.to_vec()),
        },
    }
}

/// Decodes and checks the protected header bytes (the content of the protected bstr).
/// `items` is the envelope's CBOR item count so far ([`cbor::MAX_ITEMS`] caps the whole
/// envelope); it is advanced by the items decoded here.
pub(crate) fn parse_protected(raw: &[u8], items: &mut usize) -> Result<ProtectedHeaders, Error> {
    if raw.is_empty() {
        return Err(Error::EmptyProtectedHeader);
    }
    // go-cose decodes protected bytes with tags allowed, where tag 55799 is dropped; its
    // first byte must still be a map's.
    let mut dec = cbor::Decoder::counting_from(raw, *items).stripping_self_described();
    let entries = dec
        .map_entries(0)?
        .map_err(|head| Error::ProtectedHeaderNotMap {
            found: head.type_name(),
        })?;
    dec.finish()?;
    *items = dec.items();
    let entries = labelled(entries, "protected")?;
    check_generic_labels(&entries, "protected", items)?;

    // The spec lets x5chain be protected too, but notation reads the chain from the unprotected
    // header only (a protected one is ignored, and a chain in both buckets breaks RFC 9052's
    // disjoint labels): refused, naming where the chain is read. The unsigned attributes'
    // names in the protected header are ordinary extended attributes, as in notation-go (and
    // in a JWS protected header).
    if find(&entries, &AttributeKey::Int(LABEL_X5CHAIN)).is_some() {
        return Err(Error::ProtectedCertificateChain);
    }

    // Sets keep the checks linear in the number of entries, whatever the input holds.
    let labels: HashSet<AttributeKey> = entries.iter().map(|e| e.label.clone()).collect();
    let algorithm = parse_alg(&entries)?;
    let crit = parse_crit(&entries, &labels)?;

    let content_type = match find(&entries, &AttributeKey::Int(LABEL_CONTENT_TYPE)) {
        // A COSE Hash Envelope (draft-ietf-cose-hash-envelope; a feature branch of
        // notation-core-go, in no notation release) signs a hash under label 258 and has no
        // content type: name it rather than report a missing header.
        None if find(&entries, &AttributeKey::Int(LABEL_PAYLOAD_HASH_ALG)).is_some() => {
            return Err(Error::HashEnvelopeUnsupported);
        }
        None => return Err(missing(&AttributeKey::Int(LABEL_CONTENT_TYPE))),
        Some(Entry {
            value: Value::Text(t),
            ..
        }) => t.clone(),
        Some(e) => return Err(wrong_type(&e.label, "text string", &e.value)),
    };
    check_content_type(&content_type)?;

    let scheme_label = text_label(header::SIGNING_SCHEME);
    let signing_scheme = match find(&entries, &scheme_label) {
        None => return Err(missing(&scheme_label)),
        Some(Entry {
            value: Value::Text(t),
            ..
        }) => t
            .parse::<SigningScheme>()
            .map_err(|_| Error::UnsupportedSigningScheme {
                value: notary_core::shown(t),
            })?,
        Some(e) => return Err(wrong_type(&e.label, "text string", &e.value)),
    };

    let (required, forbidden) = match signing_scheme {
        SigningScheme::X509SigningAuthority => {
            (header::AUTHENTIC_SIGNING_TIME, header::SIGNING_TIME)
        }
        _ => (header::SIGNING_TIME, header::AUTHENTIC_SIGNING_TIME),
    };
    if find(&entries, &text_label(forbidden)).is_some() {
        return Err(Error::UnexpectedHeader {
            header: forbidden.to_string(),
            scheme: signing_scheme.to_string(),
        });
    }
    let signing_time =
        parse_time(&entries, required)?.ok_or_else(|| missing(&text_label(required)))?;
    if notary_core::timefmt::is_go_zero_time(signing_time) {
        return Err(Error::ZeroTime {
            header: required.to_string(),
        });
    }
    // Go's zero time as an expiry is no expiry for notation (it checks `IsZero`).
    let expiry = parse_time(&entries, header::EXPIRY)?
        .filter(|t| !notary_core::timefmt::is_go_zero_time(*t));
    if let Some(expiry) = expiry
        && expiry <= signing_time
    {
        return Err(Error::ExpiryNotAfterSigningTime {
            signing_time: signing_time.unix_timestamp(),
            expiry: expiry.unix_timestamp(),
        });
    }

    let mut must_be_critical = vec![header::SIGNING_SCHEME];
    if signing_scheme == SigningScheme::X509SigningAuthority {
        must_be_critical.push(header::AUTHENTIC_SIGNING_TIME);
    }
    // Present is enough, whatever the value (Go's zero time too): notation-core-go's COSE
    // check looks at the label, unlike its JWS one.
    if labels.contains(&text_label(header::EXPIRY)) {
        must_be_critical.push(header::EXPIRY);
    }
    for name in must_be_critical {
        if !crit.contains(&text_label(name)) {
            return Err(Error::HeaderNotCritical {
                header: name.to_string(),
            });
        }
    }

    let extended_attributes = entries
        .iter()
        .filter(|e| match &e.label {
            AttributeKey::Int(n) => ![LABEL_ALG, LABEL_CRIT, LABEL_CONTENT_TYPE].contains(n),
            AttributeKey::Text(t) => !notary_core::KNOWN_PROTECTED_HEADERS.contains(&t.as_str()),
        })
        .map(|e| ExtendedAttribute {
            key: e.label.clone(),
            value: attribute_from(&e.value, e.raw),
            critical: crit.contains(&e.label),
        })
        .collect();

    let (signing_time, authentic_signing_time) = match signing_scheme {
        SigningScheme::X509SigningAuthority => (None, Some(signing_time)),
        _ => (Some(signing_time), None),
    };
    Ok(ProtectedHeaders {
        algorithm,
        signed_attributes: SignedAttributes {
            signing_scheme,
            signing_time,
            authentic_signing_time,
            expiry,
            content_type,
            extended_attributes,
        },
        labels,
    })
}

fn missing(label: &AttributeKey) -> Error {
    Error::MissingHeader {
        header: label_name(label),
    }
}

/// A header map entry as the generic checks read it: its label and value.
type Pair<'v> = (&'v AttributeKey, &'v Value);

/// go-cose's checks of the generic header parameters (RFC 9052 §3.1), which notation applies
/// to every envelope: kid (4), IV (5) and Partial IV (6) are byte strings and the two IVs are
/// never both present; counter signatures (7, 9, 11, 12) are unprotected only, 9 and 12 byte
/// strings, 7 and 11 one COSE_Countersignature or a list of them, each checked in turn;
/// typ (16) is a media type. `items` is the envelope's CBOR item count so far.
pub(crate) fn check_generic_labels(
    entries: &[Entry<'_>],
    bucket: &'static str,
    items: &mut usize,
) -> Result<(), Error> {
    let pairs: Vec<Pair<'_>> = entries.iter().map(|e| (&e.label, &e.value)).collect();
    check_generic(&pairs, bucket, items)
}

fn check_generic(
    entries: &[Pair<'_>],
    bucket: &'static str,
    items: &mut usize,
) -> Result<(), Error> {
    for &(label, value) in entries {
        let AttributeKey::Int(n) = *label else {
            continue;
        };
        match n {
            LABEL_COUNTER_SIGNATURE
            | LABEL_COUNTER_SIGNATURE0
            | LABEL_COUNTER_SIGNATURE_V2
            | LABEL_COUNTER_SIGNATURE0_V2
                if bucket == "protected" =>
            {
                return Err(Error::MisplacedHeader {
                    label: label_name(label),
                    bucket,
                });
            }
            LABEL_KID
            | LABEL_IV
            | LABEL_PARTIAL_IV
            | LABEL_COUNTER_SIGNATURE0
            | LABEL_COUNTER_SIGNATURE0_V2
                if !matches!(value, Value::Bytes(_)) =>
            {
                return Err(wrong_type(label, "byte string", value));
            }
            LABEL_COUNTER_SIGNATURE | LABEL_COUNTER_SIGNATURE_V2 => {
                check_countersignatures(label, value, items)?;
            }
            LABEL_TYPE => check_media_type(label, value)?,
            _ => {}
        }
    }
    let has = |n: i64| entries.iter().any(|(l, _)| **l == AttributeKey::Int(n));
    if has(LABEL_IV) && has(LABEL_PARTIAL_IV) {
        return Err(Error::IvWithPartialIv {
            iv: bucket,
            partial_iv: bucket,
        });
    }
    Ok(())
}

/// RFC 9052 §3.1 (and go-cose's `ensureIV`): IV (5) and Partial IV (6) are never both present,
/// also not one protected and the other unprotected. `protected` and `unprotected` tell whether
/// a bucket holds an integer label.
pub(crate) fn check_iv_across_buckets(
    protected: impl Fn(i64) -> bool,
    unprotected: impl Fn(i64) -> bool,
) -> Result<(), Error> {
    if protected(LABEL_IV) && unprotected(LABEL_PARTIAL_IV) {
        return Err(Error::IvWithPartialIv {
            iv: "protected",
            partial_iv: "unprotected",
        });
    }
    if protected(LABEL_PARTIAL_IV) && unprotected(LABEL_IV) {
        return Err(Error::IvWithPartialIv {
            iv: "unprotected",
            partial_iv: "protected",
        });
    }
    Ok(())
}

/// COSE label `typ` (RFC 9596).
const LABEL_TYPE: i64 = 16;

/// go-cose's rule for `typ`, and for `content type` in a countersignature's headers: an
/// unsigned integer, or text of the form `type/subtype` (one `/`, not empty, no leading or
/// trailing space).
fn check_media_type(label: &AttributeKey, v: &Value) -> Result<(), Error> {
    match v {
        Value::Unsigned(_) => Ok(()),
        Value::Text(t)
            if !t.is_empty()
                && !t.starts_with(' ')
                && !t.ends_with(' ')
                && t.matches('/').count() == 1 =>
        {
            Ok(())
        }
        Value::Text(_) => Err(Error::InvalidHeaderType {
            header: label_name(label),
            expected: "text of the form type/subtype",
            found: "text".into(),
        }),
        other => Err(wrong_type(label, "text or unsigned integer", other)),
    }
}

const COUNTERSIGNATURES: &str = "COSE_Countersignature or a list of them";

/// A counter signature header value (7 or 11) as go-cose decodes it: one COSE_Countersignature
/// or a list of them (possibly empty). go-cose tries the single form first, then the list; an
/// array starting with a byte string can only be the single form (list items are arrays).
fn check_countersignatures(
    label: &AttributeKey,
    value: &Value,
    items: &mut usize,
) -> Result<(), Error> {
    let Value::Array(parts) = value else {
        return Err(wrong_type(label, COUNTERSIGNATURES, value));
    };
    if matches!(parts.first(), Some(Value::Bytes(_))) {
        return check_countersignature(label, parts, items);
    }
    for part in parts {
        match part {
            Value::Array(inner) => check_countersignature(label, inner, items)?,
            other => return Err(wrong_type(label, COUNTERSIGNATURES, other)),
        }
    }
    Ok(())
}

/// One COSE_Countersignature, `[protected: bstr (empty or a map), unprotected: map,
/// signature: non-empty bstr]`, with go-cose's header checks applied to its own two header
/// maps (and so to the countersignatures they hold). Recursion is bounded by the CBOR nesting
/// cap: each level nests an array and a map in the unprotected header, and a protected map
/// (decoded afresh) may hold no countersignature.
fn check_countersignature(
    label: &AttributeKey,
    parts: &[Value],
    items: &mut usize,
) -> Result<(), Error> {
    let [
        Value::Bytes(protected),
        Value::Map(unprotected),
        Value::Bytes(signature),
    ] = parts
    else {
        return Err(Error::InvalidHeaderType {
            header: label_name(label),
            expected: "COSE_Countersignature [protected bstr, unprotected map, signature bstr] or a list of them",
            found: format!("array of {} items", parts.len()),
        });
    };
    let invalid = |source: Error| Error::InvalidCountersignature {
        header: label_name(label),
        source: Box::new(source),
    };
    if signature.is_empty() {
        return Err(invalid(Error::EmptySignature));
    }
    let protected_entries = if protected.is_empty() {
        Vec::new()
    } else {
        let mut dec = cbor::Decoder::counting_from(protected, *items).stripping_self_described();
        let entries = dec.map_entries(0).map_err(invalid)?.map_err(|head| {
            invalid(Error::ProtectedHeaderNotMap {
                found: head.type_name(),
            })
        })?;
        dec.finish().map_err(invalid)?;
        *items = dec.items();
        labelled(entries, "protected").map_err(invalid)?
    };
    let protected_pairs: Vec<Pair<'_>> = protected_entries
        .iter()
        .map(|e| (&e.label, &e.value))
        .collect();
    let unprotected_labels = unprotected
        .iter()
        .map(|(key, value)| {
            to_label(key).map(|l| (l, value)).ok_or_else(|| {
                invalid(Error::InvalidHeaderLabel {
                    bucket: "unprotected",
                    found: key.type_name(),
                })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let unprotected_pairs: Vec<Pair<'_>> =
        unprotected_labels.iter().map(|(l, v)| (l, *v)).collect();
    check_countersignature_bucket(&protected_pairs, "protected", items).map_err(invalid)?;
    check_countersignature_bucket(&unprotected_pairs, "unprotected", items).map_err(invalid)?;
    let has = |pairs: &[Pair<'_>], n: i64| pairs.iter().any(|(l, _)| **l == AttributeKey::Int(n));
    check_iv_across_buckets(|n| has(&protected_pairs, n), |n| has(&unprotected_pairs, n))
        .map_err(invalid)
}

/// go-cose's checks of one header map of a countersignature: the generic ones, plus those the
/// message's own alg, crit and content type meet in stricter form in [`parse_protected`] and
/// the unprotected header parser: alg an integer or text, crit protected only (a non-empty
/// array of integer or text labels present in the same map), content type a media type.
fn check_countersignature_bucket(
    entries: &[Pair<'_>],
    bucket: &'static str,
    items: &mut usize,
) -> Result<(), Error> {
    check_generic(entries, bucket, items)?;
    for &(label, value) in entries {
        match label {
            AttributeKey::Int(LABEL_ALG)
                if value.as_int().is_none() && !matches!(value, Value::Text(_)) =>
            {
                return Err(wrong_type(label, "integer or text string", value));
            }
            AttributeKey::Int(LABEL_CRIT) if bucket == "unprotected" => {
                return Err(Error::MisplacedHeader {
                    label: label_name(label),
                    bucket,
                });
            }
            AttributeKey::Int(LABEL_CRIT) => check_countersignature_crit(value, entries)?,
            AttributeKey::Int(LABEL_CONTENT_TYPE) => check_media_type(label, value)?,
            _ => {}
        }
    }
    Ok(())
}

/// go-cose's `ensureCritical`, which (unlike notary's rule for the message's own crit) allows
/// any label, listed more than once.
fn check_countersignature_crit(value: &Value, entries: &[Pair<'_>]) -> Result<(), Error> {
    let label = AttributeKey::Int(LABEL_CRIT);
    let Value::Array(listed) = value else {
        return Err(wrong_type(&label, "array", value));
    };
    if listed.is_empty() {
        return Err(Error::EmptyCrit);
    }
    // A set keeps the check linear whatever the input holds.
    let present: HashSet<&AttributeKey> = entries.iter().map(|(l, _)| *l).collect();
    for item in listed {
        let name = to_label(item).ok_or_else(|| Error::InvalidCritEntry {
            found: item.type_name(),
        })?;
        if !present.contains(&name) {
            return Err(Error::CritLabelNotPresent {
                label: label_name(&name),
            });
        }
    }
    Ok(())
}

fn wrong_type(label: &AttributeKey, expected: &'static str, found: &Value) -> Error {
    Error::InvalidHeaderType {
        header: label_name(label),
        expected,
        found: found.type_name(),
    }
}

fn parse_alg(entries: &[Entry<'_>]) -> Result<SignatureAlgorithm, Error> {
    let label = AttributeKey::Int(LABEL_ALG);
    let entry = find(entries, &label).ok_or_else(|| missing(&label))?;
    let value = entry
        .value
        .as_int()
        .ok_or_else(|| wrong_type(&label, "integer", &entry.value))?;
    i64::try_from(value)
        .ok()
        .and_then(|v| SignatureAlgorithm::from_cose_value(v).ok())
        .ok_or(Error::UnsupportedAlgorithm {
            value: value.to_string(),
        })
}

/// Checks `crit` and returns the labels it lists.
fn parse_crit(
    entries: &[Entry<'_>],
    labels: &HashSet<AttributeKey>,
) -> Result<HashSet<AttributeKey>, Error> {
    let label = AttributeKey::Int(LABEL_CRIT);
    let entry = find(entries, &label).ok_or_else(|| missing(&label))?;
    let Value::Array(items) = &entry.value else {
        return Err(wrong_type(&label, "array", &entry.value));
    };
    if items.is_empty() {
        return Err(Error::EmptyCrit);
    }
    let mut crit = HashSet::with_capacity(items.len());
    for item in items {
        let name = to_label(item).ok_or_else(|| Error::InvalidCritEntry {
            found: item.type_name(),
        })?;
        let forbidden = match &name {
            AttributeKey::Int(n) => (0..=8).contains(n),
            AttributeKey::Text(t) => t == header::SIGNING_TIME,
        };
        if forbidden {
            return Err(Error::CritLabelForbidden {
                label: label_name(&name),
            });
        }
        if crit.contains(&name) {
            return Err(Error::CritDuplicate {
                label: label_name(&name),
            });
        }
        if !labels.contains(&name) {
            return Err(Error::CritLabelNotPresent {
                label: label_name(&name),
            });
        }
        crit.insert(name);
    }
    Ok(crit)
}
