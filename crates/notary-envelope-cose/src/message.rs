//! COSE_Sign1 encoding and the parsed, not yet verified, message.

use std::fmt;

use notary_core::{
    AttributeKey, SignatureAlgorithm, SignatureVerifier, SignedContent, SignerInfo,
    UnsignedAttributes, VerifiedEnvelope, header,
};

use crate::cbor::{self, Value};
use crate::error::Error;
use crate::headers::{
    self, LABEL_ALG, LABEL_CONTENT_TYPE, LABEL_CRIT, LABEL_X5CHAIN, ProtectedHeaders,
};

/// Largest envelope accepted by [`UnverifiedCose::parse`] (32 MiB, notation's blob cap).
pub const MAX_ENVELOPE_SIZE: usize = 32 * 1024 * 1024;

/// Most certificates accepted in x5chain (the cap shared with the JWS codec).
pub const MAX_CHAIN_LEN: usize = notary_core::MAX_CERTIFICATE_CHAIN_LEN;

/// CBOR tag of COSE_Sign1.
const TAG_SIGN1: u64 = 18;

/// The Notary unprotected headers of a COSE envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnprotectedHeaders {
    /// DER certificates, leaf first (label 33, always encoded as an array).
    pub certificate_chain: Vec<Vec<u8>>,
    /// RFC 3161 TimeStampToken over the signature bytes (`io.cncf.notary.timestampSignature`).
    pub timestamp_signature: Option<Vec<u8>>,
    /// Signing agent (`io.cncf.notary.signingAgent`).
    pub signing_agent: Option<String>,
}

impl UnprotectedHeaders {
    /// The canonical CBOR encoding of this header map. The x5chain entry is omitted when the
    /// chain is empty.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut out = Vec::new();
        cbor::write_map(&mut out, self.entries());
        out
    }

    fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut entries = Vec::with_capacity(3);
        if !self.certificate_chain.is_empty() {
            let mut value = Vec::new();
            cbor::write_array_head(&mut value, self.certificate_chain.len());
            for cert in &self.certificate_chain {
                cbor::write_bytes(&mut value, cert);
            }
            entries.push((cbor::encode(&Value::Unsigned(33)), value));
        }
        if let Some(token) = &self.timestamp_signature {
            let mut value = Vec::new();
            cbor::write_bytes(&mut value, token);
            entries.push((text_key(header::TIMESTAMP_SIGNATURE), value));
        }
        if let Some(agent) = &self.signing_agent {
            let mut value = Vec::new();
            cbor::write_text(&mut value, agent);
            entries.push((text_key(header::SIGNING_AGENT), value));
        }
        entries
    }
}

fn text_key(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    cbor::write_text(&mut out, name);
    out
}

/// Encodes the `Sig_structure` for COSE_Sign1 with empty external AAD:
/// `["Signature1", protected, h'', payload]`. `protected` is the content of the protected
/// header byte string exactly as it appears in the message.
///
/// ```
/// let tbs = notary_envelope_cose::sig_structure(&[0xa0], b"hi");
/// assert_eq!(tbs, b"\x84\x6aSignature1\x41\xa0\x40\x42hi");
/// ```
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    // One encoder for signing and verifying: the core's, which verification goes through.
    notary_core::cose_sig_structure(protected, payload)
}

/// Encodes a COSE_Sign1_Tagged message from its parts. `protected` is the encoded protected
/// header map (e.g. from [`crate::protected_header_bytes`]).
pub fn encode_sign1(
    protected: &[u8],
    unprotected: &UnprotectedHeaders,
    payload: &[u8],
    signature: &[u8],
) -> Vec<u8> {
    encode_parts(protected, unprotected.entries(), payload, signature)
}

fn encode_parts(
    protected: &[u8],
    unprotected: Vec<(Vec<u8>, Vec<u8>)>,
    payload: &[u8],
    signature: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        protected
            .len()
            .saturating_add(payload.len())
            .saturating_add(signature.len())
            .saturating_add(64),
    );
    cbor::write_tag(&mut out, TAG_SIGN1);
    cbor::write_array_head(&mut out, 4);
    cbor::write_bytes(&mut out, protected);
    cbor::write_map(&mut out, unprotected);
    cbor::write_bytes(&mut out, payload);
    cbor::write_bytes(&mut out, signature);
    out
}

/// The UNVERIFIED contents of a COSE envelope, for display (`notation inspect`).
///
/// Nothing here has been checked against a key: the signer information and payload may have
/// been forged. Use [`UnverifiedCose::verify`] for anything that decides trust.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InspectedCose {
    /// Signer information as claimed by the envelope (untrusted).
    pub signer_info: SignerInfo,
    /// Payload bytes as carried by the envelope (untrusted).
    pub payload: Vec<u8>,
}

/// A parsed COSE_Sign1 Notary envelope whose signature has not been checked.
///
/// Parsing enforces the structure and header rules; the payload is reachable only through
/// [`UnverifiedCose::verify`] or the explicitly untrusted [`UnverifiedCose::inspect`].
#[derive(Clone, PartialEq)]
pub struct UnverifiedCose {
    /// Content of the protected bstr exactly as received (the signature covers these bytes).
    protected: Vec<u8>,
    headers: ProtectedHeaders,
    unprotected: UnprotectedHeaders,
    /// Unprotected entries notation does not define, kept (encoded key, raw value) so that
    /// re-encoding does not drop them.
    other_unprotected: Vec<(Vec<u8>, Vec<u8>)>,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl fmt::Debug for UnverifiedCose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The payload is left out on purpose: it is untrusted until verified.
        f.debug_struct("UnverifiedCose")
            .field("protected_len", &self.protected.len())
            .field("headers", &self.headers)
            .field("unprotected", &self.unprotected)
            .field("payload_len", &self.payload.len())
            .field("signature_len", &self.signature.len())
            .finish_non_exhaustive()
    }
}

impl UnverifiedCose {
    /// Parses a COSE_Sign1_Tagged Notary envelope, strictly.
    ///
    /// Rejects: input over [`MAX_ENVELOPE_SIZE`]; malformed or indefinite-length CBOR,
    /// duplicate map keys, excessive nesting; untagged messages; an empty protected header;
    /// detached or empty payloads; empty signatures; any violation of the Notary header rules
    /// (alg, crit, content type, signing scheme and times, expiry); an x5chain that is missing,
    /// empty, longer than [`MAX_CHAIN_LEN`], not an array of byte strings or in the protected
    /// header; a timestamp signature
    /// that is not a byte string; a signing agent that is not a text string; go-cose's generic
    /// header rules (kid, IV and Partial IV byte strings and never both, in either bucket;
    /// typ; counter signatures, each with go-cose's header rules applied to its own headers).
    /// The whole envelope, protected bytes included, shares one CBOR item budget.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_ENVELOPE_SIZE {
            return Err(Error::InputTooLarge {
                size: bytes.len(),
                limit: MAX_ENVELOPE_SIZE,
            });
        }
        let mut dec = cbor::Decoder::new(bytes);
        let head = dec.head()?;
        if !head.is_tag(TAG_SIGN1) {
            return Err(Error::NotSign1Tagged {
                found: head.type_name(),
            });
        }
        // These heads are outside the signature: only their one shortest form (d2 84, as
        // go-cose requires) is accepted, so one signature cannot travel in several blobs.
        if bytes.first() != Some(&0xd2) {
            return Err(Error::NotSign1Tagged {
                found: "tag 18 in a longer than shortest encoding".into(),
            });
        }
        let head = dec.head()?;
        if !head.is_array_of(4) {
            return Err(Error::NotSign1Array {
                found: head.type_name(),
            });
        }
        if bytes.get(1) != Some(&0x84) {
            return Err(Error::NotSign1Array {
                found: "an array of 4 in a longer than shortest encoding".into(),
            });
        }
        let protected = match dec.value(2)? {
            Value::Bytes(b) => b,
            other => return Err(field_error("protected", "byte string", &other)),
        };
        let unprotected_entries = dec
            .map_entries(2)?
            .map_err(|head| Error::InvalidSign1Field {
                field: "unprotected",
                expected: "map",
                found: head.type_name(),
            })?;
        let payload = match dec.value(2)? {
            Value::Bytes(b) => b,
            Value::Simple(cbor::SIMPLE_NULL) => return Err(Error::DetachedPayload),
            other => return Err(field_error("payload", "byte string", &other)),
        };
        let signature = match dec.value(2)? {
            Value::Bytes(b) => b,
            other => return Err(field_error("signature", "byte string", &other)),
        };
        dec.finish()?;
        // The protected bytes and the countersignatures' protected bytes are decoded on the
        // envelope's item budget, so the cap bounds the work for the whole envelope.
        let mut items = dec.items();

        let headers = headers::parse_protected(&protected, &mut items)?;
        let (unprotected, other_unprotected) = parse_unprotected(
            headers::labelled(unprotected_entries, "unprotected")?,
            &headers,
            &mut items,
        )?;
        if payload.is_empty() {
            return Err(Error::EmptyPayload);
        }
        if signature.is_empty() {
            return Err(Error::EmptySignature);
        }
        Ok(Self {
            protected,
            headers,
            unprotected,
            other_unprotected,
            payload,
            signature,
        })
    }

    /// Verifies the signature over the Sig_structure built from the received protected bytes,
    /// with the leaf certificate's key and the declared algorithm (which must be the one the
    /// leaf key implies).
    ///
    /// This proves integrity only: chain validation, trust anchoring, identity, expiry,
    /// timestamps, revocation and unknown critical extended attributes are for the caller.
    pub fn verify(&self, verifier: &dyn SignatureVerifier) -> Result<VerifiedEnvelope, Error> {
        let leaf = self
            .unprotected
            .certificate_chain
            .first()
            .ok_or(Error::EmptyCertificateChain)?;
        notary_core::check_leaf_algorithm(verifier, leaf, self.headers.algorithm)?;
        VerifiedEnvelope::from_signature_check(
            SignedContent::Cose {
                protected: &self.protected,
                payload: &self.payload,
            },
            self.signer_info(),
            verifier,
        )
        .map_err(|e| Error::SignatureInvalid {
            reason: e.into_signature_reason(),
        })
    }

    /// The UNVERIFIED signer information and payload, for display only (`notation inspect`).
    /// Nothing returned here is trustworthy; see [`InspectedCose`].
    pub fn inspect(&self) -> Result<InspectedCose, Error> {
        Ok(InspectedCose {
            signer_info: self.signer_info(),
            payload: self.payload.clone(),
        })
    }

    fn signer_info(&self) -> SignerInfo {
        SignerInfo {
            signed_attributes: self.headers.signed_attributes.clone(),
            unsigned_attributes: UnsignedAttributes {
                timestamp_signature: self.unprotected.timestamp_signature.clone(),
                signing_agent: self.unprotected.signing_agent.clone(),
            },
            signature_algorithm: self.headers.algorithm,
            certificate_chain: self.unprotected.certificate_chain.clone(),
            signature: self.signature.clone(),
        }
    }

    /// The certificate chain from x5chain (label 33), leaf first. Unverified.
    pub fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.unprotected.certificate_chain
    }

    /// The raw signature bytes (the message an RFC 3161 timestamp is requested over).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The algorithm declared in the protected header (not yet checked against a key).
    pub fn declared_algorithm(&self) -> SignatureAlgorithm {
        self.headers.algorithm
    }

    /// Replaces the unprotected `io.cncf.notary.timestampSignature` header.
    pub fn set_timestamp_signature(&mut self, token: Vec<u8>) {
        self.unprotected.timestamp_signature = Some(token);
    }

    /// Encodes the message again. The protected bytes, payload and signature are emitted
    /// exactly as received; the unprotected map is re-encoded canonically.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries = self.unprotected.entries();
        entries.extend(self.other_unprotected.iter().cloned());
        encode_parts(&self.protected, entries, &self.payload, &self.signature)
    }
}

fn field_error(field: &'static str, expected: &'static str, found: &Value) -> Error {
    Error::InvalidSign1Field {
        field,
        expected,
        found: found.type_name(),
    }
}

type OtherEntries = Vec<(Vec<u8>, Vec<u8>)>;

fn parse_unprotected(
    entries: Vec<headers::Entry<'_>>,
    protected: &ProtectedHeaders,
    items: &mut usize,
) -> Result<(UnprotectedHeaders, OtherEntries), Error> {
    headers::check_generic_labels(&entries, "unprotected", items)?;
    headers::check_iv_across_buckets(
        |n| protected.labels.contains(&AttributeKey::Int(n)),
        |n| entries.iter().any(|e| e.label == AttributeKey::Int(n)),
    )?;
    let mut headers = UnprotectedHeaders::default();
    let mut chain_seen = false;
    let mut others = Vec::new();
    for headers::Entry { label, value, raw } in entries {
        if protected.labels.contains(&label) {
            return Err(Error::HeaderInBothBuckets {
                label: headers::label_name(&label),
            });
        }
        let signed_header = match &label {
            AttributeKey::Int(n) => [LABEL_ALG, LABEL_CRIT, LABEL_CONTENT_TYPE].contains(n),
            AttributeKey::Text(t) => notary_core::KNOWN_PROTECTED_HEADERS.contains(&t.as_str()),
        };
        if signed_header {
            return Err(Error::MisplacedHeader {
                label: headers::label_name(&label),
                bucket: "unprotected",
            });
        }
        let wrong = |expected: &'static str, found: &Value| Error::InvalidHeaderType {
            header: headers::label_name(&label),
            expected,
            found: found.type_name(),
        };
        // go-cose decodes the message outside the protected bytes with tags forbidden.
        if value.contains_tag() {
            return Err(Error::InvalidHeaderType {
                header: headers::label_name(&label),
                expected: "value without CBOR tags (unprotected header)",
                found: value.type_name(),
            });
        }
        match (&label, value) {
            (AttributeKey::Int(LABEL_X5CHAIN), Value::Array(items)) => {
                // Every link costs a signature check later: refuse long chains up front.
                if items.len() > MAX_CHAIN_LEN {
                    return Err(Error::CertificateChainTooLong {
                        count: items.len(),
                        max: MAX_CHAIN_LEN,
                    });
                }
                chain_seen = true;
                for item in items {
                    match item {
                        Value::Bytes(cert) => headers.certificate_chain.push(cert),
                        other => return Err(wrong("array of byte strings", &other)),
                    }
                }
            }
            // A lone bstr is valid RFC 9360 but notation rejects it; so do we.
            (AttributeKey::Int(LABEL_X5CHAIN), other) => {
                return Err(wrong("array of byte strings", &other));
            }
            (AttributeKey::Text(t), Value::Bytes(token)) if t == header::TIMESTAMP_SIGNATURE => {
                headers.timestamp_signature = Some(token);
            }
            (AttributeKey::Text(t), Value::Text(agent)) if t == header::SIGNING_AGENT => {
                headers.signing_agent = Some(agent);
            }
            // Of another type, the two unsigned attributes read as absent, as notation-go reads
            // them: the spec forbids failing on the signing agent's content, and a timestamp is
            // only used under `notary.x509`, where an absent one fails any check that needs it.
            // Both are unsigned, so refusing them would protect nothing.
            (AttributeKey::Text(t), _)
                if t == header::TIMESTAMP_SIGNATURE || t == header::SIGNING_AGENT => {}
            (label, _) => others.push((
                cbor::encode(&match label {
                    AttributeKey::Int(n) => {
                        Value::from_int(i128::from(*n)).unwrap_or(Value::Unsigned(0))
                    }
                    AttributeKey::Text(t) => Value::Text(t.clone()),
                }),
                raw.to_vec(),
            )),
        }
    }
    if !chain_seen {
        return Err(Error::MissingHeader {
            header: headers::label_name(&AttributeKey::Int(LABEL_X5CHAIN)),
        });
    }
    if headers.certificate_chain.is_empty() {
        return Err(Error::EmptyCertificateChain);
    }
    Ok((headers, others))
}
