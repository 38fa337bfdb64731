#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod error;
mod strict;

use std::collections::{BTreeMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use notary_core::{
    AttributeKey, AttributeValue, ExtendedAttribute, KeySpec, RawSignature, SignRequest,
    SignatureAlgorithm, SignatureVerifier, SignedAttributes, SignedContent, Signer, SignerInfo,
    SigningScheme, UnsignedAttributes, VerifiedEnvelope, header, timefmt,
};
use serde_json::{Map, Value};
use time::OffsetDateTime;

pub use error::Error;

/// The JWS envelope media type.
pub const MEDIA_TYPE: &str = "application/jose+json";
/// Largest envelope accepted (notation's signature blob cap).
pub const MAX_ENVELOPE_SIZE: usize = 32 * 1024 * 1024;
/// Most certificates accepted in `x5c` (the cap shared with the COSE codec).
pub const MAX_CHAIN_LEN: usize = notary_core::MAX_CERTIFICATE_CHAIN_LEN;

const ENVELOPE: &str = "envelope";
const PROTECTED: &str = "protected header";
const UNPROTECTED: &str = "unprotected header";

/// The registered headers a Notary envelope uses; none may appear in `crit`.
const REGISTERED: [&str; 3] = ["alg", "cty", "crit"];

/// Header names registered for JOSE (the IANA "JSON Web Signature and Encryption Header
/// Parameters" registry: RFC 7515, 7516, 7518, 7519 §5.3, 7797, 8225, 8555, 9321), which the
/// JWS envelope spec keeps out of `crit` ("headers apart from registered headers"): one listed
/// there is refused, not handed to a verification plugin as an extended attribute.
const JOSE_REGISTERED: [&str; 28] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c", "iss", "sub", "aud", "b64", "ppt",
    "url", "nonce", "svt",
];

/// The unprotected members notation reads; anything else there is ignored (RFC 7515 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unprotected {
    X5c,
    TimestampSignature,
    SigningAgent,
}

const UNPROTECTED_MEMBERS: [(&str, Unprotected); 3] = [
    ("x5c", Unprotected::X5c),
    (header::TIMESTAMP_SIGNATURE, Unprotected::TimestampSignature),
    (header::SIGNING_AGENT, Unprotected::SigningAgent),
];

/// Refuses protected members that differ from a header notation-go decodes (`alg`, `cty`,
/// `crit` and the Notary headers) only in case: Go would read them as that header, possibly
/// over the exact one, so the signed header would mean different things to Go and to us.
fn check_protected_names(protected: &Map<String, Value>) -> Result<(), Error> {
    for name in protected.keys() {
        let known = REGISTERED
            .iter()
            .chain(notary_core::KNOWN_PROTECTED_HEADERS.iter())
            .find(|k| name != *k && notary_core::json::go_name_matches(name, k));
        if let Some(known) = known {
            return Err(Error::CaseVariantHeader {
                name: notary_core::shown(name),
                header: (*known).to_string(),
            });
        }
    }
    Ok(())
}

/// A parsed JWS envelope whose signature has not been verified yet.
#[derive(Clone)]
pub struct UnverifiedJws {
    protected_b64: String,
    payload_b64: String,
    signature_b64: String,
    protected: Map<String, Value>,
    signature: Vec<u8>,
    chain: Vec<Vec<u8>>,
    unprotected: UnsignedAttributes,
    /// Unprotected members notation does not read, kept so that re-encoding preserves them.
    other_unprotected: Vec<(String, Value)>,
}

impl std::fmt::Debug for UnverifiedJws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The payload stays out of Debug output: it is unverified.
        f.debug_struct("UnverifiedJws")
            .field("protected", &self.protected)
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// What `inspect` shows of an envelope. NOT verified: for display only.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InspectedJws {
    /// Signer information as found in the envelope (untrusted).
    pub signer_info: SignerInfo,
    /// Payload bytes as found in the envelope (untrusted).
    pub payload: Vec<u8>,
}

fn b64url(name: &str, s: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD.decode(s).map_err(|e| Error::Base64 {
        name: name.to_string(),
        encoding: "base64url (unpadded)",
        reason: e.to_string(),
    })
}

fn b64std(name: &str, s: &str) -> Result<Vec<u8>, Error> {
    // encoding/json decodes []byte members with Go's base64, which skips CR and LF (a PEM-style
    // wrapped x5c entry reads there).
    let s: std::borrow::Cow<'_, str> = if s.contains(['\r', '\n']) {
        s.replace(['\r', '\n'], "").into()
    } else {
        s.into()
    };
    STANDARD.decode(s.as_bytes()).map_err(|e| Error::Base64 {
        name: name.to_string(),
        encoding: "base64",
        reason: e.to_string(),
    })
}

fn take_string(obj: &Map<String, Value>, part: &'static str, name: &str) -> Result<String, Error> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::Invalid {
            part,
            name: name.to_string(),
            reason: "must be a string".into(),
        }),
        None => Err(Error::Missing {
            part,
            name: name.to_string(),
        }),
    }
}

impl UnverifiedJws {
    /// Parses a flattened JWS JSON envelope: exactly the members `payload`, `protected`,
    /// `header` and `signature`, no duplicate member names at any level, unpadded base64url,
    /// a non-empty `x5c` of at most [`MAX_CHAIN_LEN`] certificates.
    ///
    /// The unprotected `header` is read as notation-go reads it: `x5c`,
    /// `io.cncf.notary.timestampSignature` and `io.cncf.notary.signingAgent` match
    /// case-insensitively (early notation releases wrote `io.cncf.notary.SigningAgent`), and
    /// other members are ignored, as RFC 7515 §4 requires for unsigned parameters (they are
    /// kept for [`UnverifiedJws::to_bytes`]). Two members matching the same header (`x5c` and
    /// `X5C`) are refused rather than resolved the way Go does (last one wins). The protected
    /// header stays exact: a member differing from a Notary or JOSE header only in case is
    /// refused. Stricter than notation-go: `crit` in the unprotected header (RFC 7515
    /// §4.1.11), a name in both headers (§5.2 step 4) and a Notary signed attribute (signing
    /// scheme, times, expiry) in the unprotected header are refused.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_ENVELOPE_SIZE {
            return Err(Error::TooLarge {
                size: bytes.len(),
                max: MAX_ENVELOPE_SIZE,
            });
        }
        let top = strict::parse_object(bytes, ENVELOPE)?;
        for k in top.keys() {
            if !matches!(k.as_str(), "payload" | "protected" | "header" | "signature") {
                return Err(Error::UnknownMember {
                    part: ENVELOPE,
                    name: notary_core::shown(k),
                });
            }
        }
        let payload_b64 = take_string(&top, ENVELOPE, "payload")?;
        let protected_b64 = take_string(&top, ENVELOPE, "protected")?;
        let signature_b64 = take_string(&top, ENVELOPE, "signature")?;
        // Decode everything up front so a malformed field is a decoding error, never a
        // signature error.
        b64url("payload", &payload_b64)?;
        let signature = b64url("signature", &signature_b64)?;
        if signature.is_empty() {
            return Err(Error::Missing {
                part: ENVELOPE,
                name: "signature".into(),
            });
        }
        let protected_json = b64url("protected", &protected_b64)?;
        let protected = strict::parse_object(&protected_json, PROTECTED)?;
        check_protected_names(&protected)?;
        check_time_text(&protected_json)?;

        let header = match top.get("header") {
            Some(Value::Object(h)) => h,
            Some(_) => {
                return Err(Error::Invalid {
                    part: ENVELOPE,
                    name: "header".into(),
                    reason: "must be an object".into(),
                });
            }
            None => {
                return Err(Error::Missing {
                    part: ENVELOPE,
                    name: "header".into(),
                });
            }
        };
        let mut chain = None;
        let mut unprotected = UnsignedAttributes::default();
        let mut other_unprotected = Vec::new();
        let mut matched: Vec<(Unprotected, &str)> = Vec::new();
        for (k, v) in header {
            // RFC 7515 §4.1.11: crit is integrity protected or it means nothing.
            if k == "crit" {
                return Err(Error::MisplacedHeader {
                    name: k.clone(),
                    part: UNPROTECTED,
                });
            }
            // RFC 7515 §5.2 step 4: the two headers' names are disjoint, so that no header
            // has a signed and an unsigned value to choose from.
            if protected.contains_key(k) {
                return Err(Error::HeaderInBothBuckets {
                    name: notary_core::shown(k),
                });
            }
            // Notary's signed attributes are signed or absent: an unsigned expiry would look
            // enforced and is not (the COSE codec refuses these labels likewise).
            if notary_core::KNOWN_PROTECTED_HEADERS.contains(&k.as_str()) {
                return Err(Error::MisplacedHeader {
                    name: k.clone(),
                    part: UNPROTECTED,
                });
            }
            let Some(member) = UNPROTECTED_MEMBERS
                .iter()
                .find(|(known, _)| notary_core::json::go_name_matches(k, known))
                .map(|(_, m)| *m)
            else {
                other_unprotected.push((k.clone(), v.clone()));
                continue;
            };
            if let Some((_, first)) = matched.iter().find(|(m, _)| *m == member) {
                return Err(Error::AmbiguousMember {
                    part: UNPROTECTED,
                    first: (*first).to_string(),
                    second: k.clone(),
                });
            }
            matched.push((member, k.as_str()));
            // A null unsigned member is an absent one, as Go decodes it into its struct
            // (another implementation may write every field it has); a null x5c is refused
            // by its own check (no chain either way).
            if v.is_null() && member != Unprotected::X5c {
                continue;
            }
            match member {
                Unprotected::X5c => chain = Some(parse_x5c(k, v)?),
                Unprotected::TimestampSignature => {
                    let s = v.as_str().ok_or_else(|| Error::Invalid {
                        part: UNPROTECTED,
                        name: k.clone(),
                        reason: "must be a base64 string".into(),
                    })?;
                    unprotected.timestamp_signature = Some(b64std(k, s)?);
                }
                Unprotected::SigningAgent => {
                    let s = v.as_str().ok_or_else(|| Error::Invalid {
                        part: UNPROTECTED,
                        name: k.clone(),
                        reason: "must be a string".into(),
                    })?;
                    unprotected.signing_agent = Some(s.to_string());
                }
            }
        }
        let chain = chain.unwrap_or_default();
        if chain.is_empty() {
            return Err(Error::EmptyCertificateChain);
        }
        Ok(Self {
            protected_b64,
            payload_b64,
            signature_b64,
            protected,
            signature,
            chain,
            unprotected,
            other_unprotected,
        })
    }

    /// The DER certificate chain as carried (unverified), leaf first.
    pub fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The raw signature bytes (what an RFC 3161 timestamp is requested over).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The declared algorithm (unverified).
    pub fn declared_algorithm(&self) -> Result<SignatureAlgorithm, Error> {
        let alg = take_string(&self.protected, PROTECTED, "alg")?;
        SignatureAlgorithm::from_jws_name(&alg).map_err(|_| Error::UnsupportedAlgorithm {
            alg: notary_core::shown(&alg),
        })
    }

    /// Checks the Notary header rules, that the declared `alg` is the one the leaf
    /// certificate's key implies, then verifies the signature over the received
    /// `protected.payload` text with that key.
    pub fn verify(&self, verifier: &dyn SignatureVerifier) -> Result<VerifiedEnvelope, Error> {
        let alg = self.declared_algorithm()?;
        // An empty chain is a format error of its own, reported before any crypto.
        let leaf = self.chain.first().ok_or(Error::EmptyCertificateChain)?;
        // The payload's text was checked at parse; the verified envelope decodes it from the
        // exact text its signature covers.
        let signer_info = self.signer_info(alg)?;
        notary_core::check_leaf_algorithm(verifier, leaf, alg)?;
        VerifiedEnvelope::from_signature_check(
            SignedContent::Jws {
                protected: &self.protected_b64,
                payload: &self.payload_b64,
            },
            signer_info,
            verifier,
        )
        .map_err(|e| Error::SignatureInvalid {
            reason: e.into_signature_reason(),
        })
    }

    /// The envelope's content WITHOUT verifying the signature, for display. The header rules
    /// are still applied, so a malformed envelope is reported as such.
    pub fn inspect(&self) -> Result<InspectedJws, Error> {
        let alg = self.declared_algorithm()?;
        let (payload, signer_info) = self.content(alg)?;
        Ok(InspectedJws {
            signer_info,
            payload,
        })
    }

    fn content(&self, alg: SignatureAlgorithm) -> Result<(Vec<u8>, SignerInfo), Error> {
        let signer_info = self.signer_info(alg)?;
        Ok((b64url("payload", &self.payload_b64)?, signer_info))
    }

    fn signer_info(&self, alg: SignatureAlgorithm) -> Result<SignerInfo, Error> {
        Ok(SignerInfo {
            signed_attributes: parse_protected(&self.protected)?,
            unsigned_attributes: self.unprotected.clone(),
            signature_algorithm: alg,
            certificate_chain: self.chain.clone(),
            signature: self.signature.clone(),
        })
    }

    /// Replaces the unprotected `io.cncf.notary.timestampSignature` (the signature stays valid).
    pub fn set_timestamp_signature(&mut self, token: Vec<u8>) {
        self.unprotected.timestamp_signature = Some(token);
    }

    /// Serialises the envelope; `protected`, `payload` and `signature` are the received strings.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode_envelope(
            &self.protected_b64,
            &self.payload_b64,
            &self.signature_b64,
            &self.chain,
            &self.unprotected,
            &self.other_unprotected,
        )
    }
}

/// The `x5c` array (member `name` as received): base64 DER certificates, at most
/// [`MAX_CHAIN_LEN`], counted before anything is decoded.
fn parse_x5c(name: &str, value: &Value) -> Result<Vec<Vec<u8>>, Error> {
    let arr = value.as_array().ok_or_else(|| Error::Invalid {
        part: UNPROTECTED,
        name: name.to_string(),
        reason: "must be an array of base64 strings".into(),
    })?;
    if arr.len() > MAX_CHAIN_LEN {
        return Err(Error::CertificateChainTooLong {
            count: arr.len(),
            max: MAX_CHAIN_LEN,
        });
    }
    arr.iter()
        .enumerate()
        .map(|(i, c)| {
            let item = format!("{name}[{i}]");
            let s = c.as_str().ok_or_else(|| Error::Invalid {
                part: UNPROTECTED,
                name: item.clone(),
                reason: "must be a base64 string".into(),
            })?;
            b64std(&item, s)
        })
        .collect()
}

/// notation-go reads the three times from the JSON text as written (`time.Time`'s
/// `UnmarshalJSON` does not unescape), so every release refuses a time spelt with an escape
/// (`"2026\u002d12-..."`); so does this, before the value is read unescaped.
fn check_time_text(protected_json: &[u8]) -> Result<(), Error> {
    // Without a backslash there is no escape: the header is not read a second time.
    if !protected_json.contains(&b'\\') {
        return Ok(());
    }
    let raw: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_slice(protected_json).map_err(|e| Error::Json {
            part: PROTECTED,
            reason: e.to_string(),
        })?;
    for name in [
        header::SIGNING_TIME,
        header::AUTHENTIC_SIGNING_TIME,
        header::EXPIRY,
    ] {
        if raw.get(name).is_some_and(|v| v.get().contains('\\')) {
            return Err(Error::InvalidTime {
                header: name.to_string(),
                reason: "the time is written with a JSON escape, which notation cannot read".into(),
            });
        }
    }
    Ok(())
}

fn parse_time(obj: &Map<String, Value>, name: &str) -> Result<Option<OffsetDateTime>, Error> {
    match obj.get(name) {
        // notation-go decodes these into `*time.Time`: JSON null leaves it unset.
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            timefmt::parse_rfc3339(s)
                .map(Some)
                .map_err(|e| Error::InvalidTime {
                    header: name.to_string(),
                    reason: e.to_string(),
                })
        }
        Some(_) => Err(Error::InvalidTime {
            header: name.to_string(),
            reason: "must be an RFC 3339 string".into(),
        }),
    }
}

/// The Notary rules on the protected header (notary-facts §4.2-§4.3), as notation-go applies
/// them, and the signed attributes they carry.
fn parse_protected(p: &Map<String, Value>) -> Result<SignedAttributes, Error> {
    let scheme_text = take_string(p, PROTECTED, header::SIGNING_SCHEME)?;
    let scheme: SigningScheme =
        scheme_text
            .parse()
            .map_err(|_| Error::UnsupportedSigningScheme {
                scheme: notary_core::shown(&scheme_text),
            })?;
    let content_type = take_string(p, PROTECTED, "cty")?;
    let signing_time = parse_time(p, header::SIGNING_TIME)?;
    let authentic_signing_time = parse_time(p, header::AUTHENTIC_SIGNING_TIME)?;
    // Go's zero time as an expiry is no expiry for notation (it checks `IsZero`).
    let expiry = parse_time(p, header::EXPIRY)?.filter(|t| !timefmt::is_go_zero_time(*t));
    let not_allowed = |h: &str| Error::HeaderNotAllowed {
        header: h.to_string(),
        scheme: scheme.to_string(),
    };
    let missing = |h: &str| Error::Missing {
        part: PROTECTED,
        name: h.to_string(),
    };
    let (time_header, effective_time) = match scheme {
        SigningScheme::X509SigningAuthority => {
            if signing_time.is_some() {
                return Err(not_allowed(header::SIGNING_TIME));
            }
            (
                header::AUTHENTIC_SIGNING_TIME,
                authentic_signing_time.ok_or_else(|| missing(header::AUTHENTIC_SIGNING_TIME))?,
            )
        }
        _ => {
            if authentic_signing_time.is_some() {
                return Err(not_allowed(header::AUTHENTIC_SIGNING_TIME));
            }
            (
                header::SIGNING_TIME,
                signing_time.ok_or_else(|| missing(header::SIGNING_TIME))?,
            )
        }
    };
    if timefmt::is_go_zero_time(effective_time) {
        return Err(Error::InvalidTime {
            header: time_header.to_string(),
            reason:
                "0001-01-01T00:00:00Z is Go's zero time, which notation reads as no signing time"
                    .into(),
        });
    }
    if let Some(exp) = expiry
        && exp <= effective_time
    {
        return Err(Error::ExpiryBeforeSigningTime {
            expiry: timefmt::format_rfc3339(exp).unwrap_or_default(),
            signing_time: timefmt::format_rfc3339(effective_time).unwrap_or_default(),
        });
    }

    // crit: required, non-empty, strings, no duplicates, only present extended headers beyond
    // the must-be-critical ones.
    let crit = match p.get("crit") {
        None => return Err(Error::MissingCrit),
        Some(Value::Array(a)) if a.is_empty() => return Err(Error::MissingCrit),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(Error::Invalid {
                part: PROTECTED,
                name: "crit".into(),
                reason: "must be an array of strings".into(),
            });
        }
    };
    let mut must: Vec<&str> = vec![header::SIGNING_SCHEME];
    if expiry.is_some() {
        must.push(header::EXPIRY);
    }
    if scheme == SigningScheme::X509SigningAuthority {
        must.push(header::AUTHENTIC_SIGNING_TIME);
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for entry in crit {
        let e = entry.as_str().ok_or_else(|| Error::Invalid {
            part: PROTECTED,
            name: "crit".into(),
            reason: "entries must be strings".into(),
        })?;
        if !seen.insert(e) {
            return Err(Error::InvalidCrit {
                entry: notary_core::shown(e),
                reason: "listed more than once".into(),
            });
        }
        if must.contains(&e) {
            continue;
        }
        if REGISTERED.contains(&e) || notary_core::KNOWN_PROTECTED_HEADERS.contains(&e) {
            return Err(Error::InvalidCrit {
                entry: notary_core::shown(e),
                reason: "this header may not be marked critical".into(),
            });
        }
        if JOSE_REGISTERED.contains(&e) {
            return Err(Error::InvalidCrit {
                entry: notary_core::shown(e),
                reason: "a registered JOSE header may not be listed in crit".into(),
            });
        }
        if !p.contains_key(e) {
            return Err(Error::InvalidCrit {
                entry: notary_core::shown(e),
                reason: "no such header in the protected header".into(),
            });
        }
    }
    for m in &must {
        if !seen.contains(m) {
            return Err(Error::NotCritical {
                header: (*m).to_string(),
            });
        }
    }

    let mut extended_attributes = Vec::new();
    for (k, v) in p {
        if REGISTERED.contains(&k.as_str())
            || notary_core::KNOWN_PROTECTED_HEADERS.contains(&k.as_str())
        {
            continue;
        }
        let value = match v {
            Value::String(s) => AttributeValue::Text(s.clone()),
            Value::Bool(b) => AttributeValue::Bool(*b),
            Value::Number(n) if n.is_i64() || n.is_u64() => AttributeValue::Int(
                n.as_i64()
                    .map_or_else(|| i128::from(n.as_u64().unwrap_or(0)), i128::from),
            ),
            other => AttributeValue::Json(other.to_string()),
        };
        extended_attributes.push(ExtendedAttribute {
            key: AttributeKey::Text(k.clone()),
            value,
            critical: seen.contains(k.as_str()),
        });
    }
    Ok(SignedAttributes {
        signing_scheme: scheme,
        signing_time,
        authentic_signing_time,
        expiry,
        content_type,
        extended_attributes,
    })
}

fn time_text(t: OffsetDateTime) -> Result<String, Error> {
    timefmt::format_rfc3339(t).map_err(|e| Error::InvalidRequest {
        reason: e.to_string(),
    })
}

/// The exact `protected` string notation emits for `request` with `alg`: the header JSON with
/// keys sorted, `crit` in notation's order, Go's escaping, base64url without padding.
pub fn protected_header_b64(
    request: &SignRequest,
    alg: SignatureAlgorithm,
) -> Result<String, Error> {
    let bad = |reason: String| Error::InvalidRequest { reason };
    if request.payload_content_type.is_empty() {
        return Err(bad("the payload content type is empty".into()));
    }
    let signing_time = timefmt::truncate_to_seconds(request.signing_time);
    if timefmt::is_go_zero_time(signing_time) {
        return Err(bad(
            "the signing time is 0001-01-01T00:00:00Z, which notation reads as none".into(),
        ));
    }
    let expiry = request.expiry.map(timefmt::truncate_to_seconds);
    if let Some(e) = expiry
        && e <= signing_time
    {
        return Err(bad("expiry must be after the signing time".into()));
    }
    let mut h: BTreeMap<String, Value> = BTreeMap::new();
    let mut crit = vec![Value::from(header::SIGNING_SCHEME)];
    for a in &request.extended_attributes {
        let AttributeKey::Text(k) = &a.key else {
            return Err(bad(format!(
                "JWS header names are text; {} is an integer label",
                a.key
            )));
        };
        // Nor a name Go would read as one of those (case folded), nor an unprotected member
        // name (the two headers' names must be disjoint): parse refuses them.
        if k.is_empty()
            || REGISTERED
                .iter()
                .chain(notary_core::KNOWN_PROTECTED_HEADERS.iter())
                .any(|known| notary_core::json::go_name_matches(k, known))
            || UNPROTECTED_MEMBERS.iter().any(|(name, _)| k == name)
        {
            return Err(bad(format!(
                "{:?} cannot be an extended attribute",
                notary_core::shown(k)
            )));
        }
        let v = match &a.value {
            AttributeValue::Text(s) => Value::String(s.clone()),
            AttributeValue::Bool(b) => Value::Bool(*b),
            AttributeValue::Int(i) => match i64::try_from(*i) {
                Ok(i) => Value::from(i),
                Err(_) => return Err(bad(format!("{k:?}: integer out of range"))),
            },
            AttributeValue::Json(j) => {
                serde_json::from_str(j).map_err(|e| bad(format!("{k:?}: {e}")))?
            }
            _ => {
                return Err(bad(format!(
                    "{k:?}: the value cannot be represented in JSON"
                )));
            }
        };
        if h.insert(k.clone(), v).is_some() {
            return Err(bad(format!("extended attribute {k:?} is given twice")));
        }
        if a.critical {
            if JOSE_REGISTERED.contains(&k.as_str()) {
                return Err(bad(format!(
                    "{k:?} is a registered JOSE header and cannot be marked critical"
                )));
            }
            crit.push(Value::from(k.as_str()));
        }
    }
    h.insert("alg".into(), Value::from(alg.jws_name()));
    h.insert(
        "cty".into(),
        Value::from(request.payload_content_type.as_str()),
    );
    h.insert(
        header::SIGNING_SCHEME.into(),
        Value::from(request.signing_scheme.as_str()),
    );
    match request.signing_scheme {
        SigningScheme::X509SigningAuthority => {
            h.insert(
                header::AUTHENTIC_SIGNING_TIME.into(),
                Value::from(time_text(signing_time)?),
            );
            crit.push(Value::from(header::AUTHENTIC_SIGNING_TIME));
        }
        _ => {
            h.insert(
                header::SIGNING_TIME.into(),
                Value::from(time_text(signing_time)?),
            );
        }
    }
    if let Some(e) = expiry {
        h.insert(header::EXPIRY.into(), Value::from(time_text(e)?));
        crit.push(Value::from(header::EXPIRY));
    }
    h.insert("crit".into(), Value::Array(crit));
    let json = serde_json::to_string(&h).map_err(|e| bad(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(notary_core::go_json_escape(&json)))
}

fn encode_envelope(
    protected_b64: &str,
    payload_b64: &str,
    signature_b64: &str,
    chain: &[Vec<u8>],
    unprotected: &UnsignedAttributes,
    others: &[(String, Value)],
) -> Vec<u8> {
    // Member order as notation emits it.
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::with_capacity(
        protected_b64
            .len()
            .saturating_add(payload_b64.len())
            .saturating_add(signature_b64.len())
            .saturating_add(4096),
    );
    out.push_str("{\"payload\":");
    out.push_str(&q(payload_b64));
    out.push_str(",\"protected\":");
    out.push_str(&q(protected_b64));
    out.push_str(",\"header\":{");
    if let Some(ts) = &unprotected.timestamp_signature {
        out.push_str("\"io.cncf.notary.timestampSignature\":");
        out.push_str(&q(&STANDARD.encode(ts)));
        out.push(',');
    }
    out.push_str("\"x5c\":[");
    for (i, c) in chain.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&q(&STANDARD.encode(c)));
    }
    out.push(']');
    if let Some(agent) = &unprotected.signing_agent {
        out.push_str(",\"io.cncf.notary.signingAgent\":");
        out.push_str(&notary_core::go_json_escape(&q(agent)));
    }
    for (name, value) in others {
        out.push(',');
        out.push_str(&notary_core::go_json_escape(&q(name)));
        out.push(':');
        out.push_str(&notary_core::go_json_escape(
            &serde_json::to_string(value).unwrap_or_default(),
        ));
    }
    out.push_str("},\"signature\":");
    out.push_str(&q(signature_b64));
    out.push('}');
    out.into_bytes()
}

/// Signs `request` with `signer` and returns the JWS envelope bytes. The algorithm is the one
/// the signer's key spec implies. Equivalent to [`prepare`], [`Signer::sign`] over
/// [`UnsignedJws::signing_input`], then [`UnsignedJws::finish`].
pub fn sign(request: &SignRequest, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
    let spec = signer.key_spec().map_err(|e| Error::Signer {
        reason: e.to_string(),
    })?;
    let unsigned = prepare(request, spec)?;
    let raw = signer
        .sign(unsigned.signing_input())
        .map_err(|e| Error::Signer {
            reason: e.to_string(),
        })?;
    unsigned.finish(raw)
}

/// The first phase of signing: fixes the protected header (the algorithm `key_spec` implies)
/// and the payload, and gives the bytes to sign. The codec never calls a signer: the caller
/// signs [`UnsignedJws::signing_input`] however it likes (synchronously, in a KMS, on another
/// task) and passes the result to [`UnsignedJws::finish`].
pub fn prepare(request: &SignRequest, key_spec: KeySpec) -> Result<UnsignedJws, Error> {
    let alg = key_spec.signature_algorithm();
    if request.payload.is_empty() {
        return Err(Error::InvalidRequest {
            reason: "the payload is empty".into(),
        });
    }
    let protected_b64 = protected_header_b64(request, alg)?;
    let payload_b64 = URL_SAFE_NO_PAD.encode(&request.payload);
    let signing_input = format!("{protected_b64}.{payload_b64}");
    Ok(UnsignedJws {
        alg,
        protected_b64,
        payload_b64,
        signing_input,
        signing_agent: request.signing_agent.clone(),
    })
}

/// A JWS envelope whose protected header and payload are fixed and whose signature is missing.
/// Made by [`prepare`].
#[derive(Debug, Clone)]
pub struct UnsignedJws {
    alg: SignatureAlgorithm,
    protected_b64: String,
    payload_b64: String,
    signing_input: String,
    signing_agent: Option<String>,
}

impl UnsignedJws {
    /// The bytes to sign: `BASE64URL(protected) || '.' || BASE64URL(payload)`.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// The signature algorithm the protected header declares.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    /// Completes the envelope with `raw`: the signature over [`UnsignedJws::signing_input`]
    /// (ECDSA as fixed-width `r || s` of the algorithm's length) and a non-empty certificate
    /// chain, leaf first.
    pub fn finish(self, raw: RawSignature) -> Result<Vec<u8>, Error> {
        let alg = self.alg;
        if raw.certificate_chain.is_empty() {
            return Err(Error::Signer {
                reason: "the signer returned no certificate chain".into(),
            });
        }
        // An envelope that parse would refuse is never written.
        if raw.certificate_chain.len() > MAX_CHAIN_LEN {
            return Err(Error::CertificateChainTooLong {
                count: raw.certificate_chain.len(),
                max: MAX_CHAIN_LEN,
            });
        }
        if raw.signature.is_empty() {
            return Err(Error::Signer {
                reason: "the signer returned an empty signature".into(),
            });
        }
        if let Some(n) = alg.ecdsa_signature_len()
            && raw.signature.len() != n
        {
            return Err(Error::Signer {
                reason: format!(
                    "{alg} signatures must be {n}-byte r||s, the signer returned {} bytes",
                    raw.signature.len()
                ),
            });
        }
        let unprotected = UnsignedAttributes {
            timestamp_signature: None,
            signing_agent: self.signing_agent,
        };
        Ok(encode_envelope(
            &self.protected_b64,
            &self.payload_b64,
            &URL_SAFE_NO_PAD.encode(&raw.signature),
            &raw.certificate_chain,
            &unprotected,
            &[],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_show_at_most_100_characters_of_unverified_input() {
        let long = "x".repeat(10_000);
        let doc = format!(
            r#"{{"payload":"e30","protected":"e30","header":{{}},"signature":"AA","{long}":1}}"#
        );
        match UnverifiedJws::parse(doc.as_bytes()) {
            Err(e @ Error::UnknownMember { .. }) => assert!(e.to_string().len() < 200, "{e}"),
            other => panic!("expected UnknownMember, got {other:?}"),
        }
    }
}
