use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::error::Error;
use crate::keyspec::SignatureAlgorithm;
use crate::payload::Payload;

/// Names of the Notary protected and unprotected headers.
pub mod header {
    /// Signing scheme (protected, critical).
    pub const SIGNING_SCHEME: &str = "io.cncf.notary.signingScheme";
    /// Signing time (protected, `notary.x509` only, not critical).
    pub const SIGNING_TIME: &str = "io.cncf.notary.signingTime";
    /// Authentic signing time (protected, `notary.x509.signingAuthority` only, critical).
    pub const AUTHENTIC_SIGNING_TIME: &str = "io.cncf.notary.authenticSigningTime";
    /// Expiry (protected, critical when present).
    pub const EXPIRY: &str = "io.cncf.notary.expiry";
    /// Verification plugin name (protected extended attribute, critical).
    pub const VERIFICATION_PLUGIN: &str = "io.cncf.notary.verificationPlugin";
    /// Verification plugin minimum version (protected extended attribute, critical).
    pub const VERIFICATION_PLUGIN_MIN_VERSION: &str = "io.cncf.notary.verificationPluginMinVersion";
    /// RFC 3161 timestamp token (unprotected).
    pub const TIMESTAMP_SIGNATURE: &str = "io.cncf.notary.timestampSignature";
    /// Signing agent (unprotected).
    pub const SIGNING_AGENT: &str = "io.cncf.notary.signingAgent";
}

/// The Notary protected header names that are not extended attributes.
pub const KNOWN_PROTECTED_HEADERS: [&str; 4] = [
    header::SIGNING_SCHEME,
    header::SIGNING_TIME,
    header::AUTHENTIC_SIGNING_TIME,
    header::EXPIRY,
];

/// Envelope formats and their media types.
///
/// Exhaustive on purpose: a new format must be handled by every dispatch (no "not JWS, so
/// COSE" fallbacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvelopeMediaType {
    /// JWS flattened JSON serialisation, `application/jose+json`.
    Jws,
    /// COSE_Sign1, `application/cose`.
    Cose,
}

impl EnvelopeMediaType {
    /// The media type string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jws => "application/jose+json",
            Self::Cose => "application/cose",
        }
    }

    /// The short format name used by the CLI (`jws`, `cose`).
    pub fn format_name(self) -> &'static str {
        match self {
            Self::Jws => "jws",
            Self::Cose => "cose",
        }
    }

    /// Parses the short format name (`jws`, `cose`).
    pub fn from_format_name(name: &str) -> Result<Self, Error> {
        match name {
            "jws" => Ok(Self::Jws),
            "cose" => Ok(Self::Cose),
            _ => Err(Error::Unsupported {
                what: "signature format",
                value: name.to_string(),
            }),
        }
    }
}

impl fmt::Display for EnvelopeMediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EnvelopeMediaType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "application/jose+json" => Ok(Self::Jws),
            "application/cose" => Ok(Self::Cose),
            _ => Err(Error::Unsupported {
                what: "signature envelope media type",
                value: s.to_string(),
            }),
        }
    }
}

/// The two Notary signing schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningScheme {
    /// `notary.x509`: CA-issued certificate, optional RFC 3161 timestamp.
    X509,
    /// `notary.x509.signingAuthority`: the signing authority asserts an authentic signing time.
    X509SigningAuthority,
}

impl SigningScheme {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::X509 => "notary.x509",
            Self::X509SigningAuthority => "notary.x509.signingAuthority",
        }
    }
}

impl fmt::Display for SigningScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SigningScheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "notary.x509" => Ok(Self::X509),
            "notary.x509.signingAuthority" => Ok(Self::X509SigningAuthority),
            _ => Err(Error::Unsupported {
                what: "signing scheme",
                value: s.to_string(),
            }),
        }
    }
}

/// Key of an extended protected attribute. JWS keys are always text; COSE labels may be
/// integers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttributeKey {
    /// A text label.
    Text(String),
    /// An integer label (COSE only).
    Int(i64),
}

impl AttributeKey {
    /// The text label, if this key is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            Self::Int(_) => None,
        }
    }
}

impl fmt::Display for AttributeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(s) => f.write_str(s),
            Self::Int(i) => write!(f, "{i}"),
        }
    }
}

impl From<&str> for AttributeKey {
    fn from(s: &str) -> Self {
        Self::Text(s.to_string())
    }
}

/// Value of an extended protected attribute.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttributeValue {
    /// A text string.
    Text(String),
    /// An integer.
    Int(i128),
    /// A boolean.
    Bool(bool),
    /// A byte string (COSE only).
    Bytes(Vec<u8>),
    /// Any other JSON value (JWS), kept as compact JSON text.
    Json(String),
    /// Any other CBOR item (COSE), kept as its encoded bytes.
    Cbor(Vec<u8>),
}

impl AttributeValue {
    /// The text value, if this is a text string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for AttributeValue {
    fn from(s: &str) -> Self {
        Self::Text(s.to_string())
    }
}

/// An extended signed attribute (any protected header beyond the Notary-defined ones).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendedAttribute {
    /// Header name or label.
    pub key: AttributeKey,
    /// Header value.
    pub value: AttributeValue,
    /// Whether the header is listed in `crit`.
    pub critical: bool,
}

/// A DER certificate chain, leaf first, root last.
pub type CertificateChain = Vec<Vec<u8>>;

/// Most certificates an envelope may carry (JWS `x5c`, COSE `x5chain`). Every link is checked
/// before trust anchoring, so the codecs refuse longer chains at parse time.
pub const MAX_CERTIFICATE_CHAIN_LEN: usize = 32;

/// Everything an envelope codec needs to produce a signature, apart from the signer.
#[derive(Debug, Clone, PartialEq)]
pub struct SignRequest {
    /// The exact payload bytes to embed.
    pub payload: Vec<u8>,
    /// The payload content type (`cty` / COSE label 3); normally [`crate::PAYLOAD_MEDIA_TYPE`].
    pub payload_content_type: String,
    /// The signing scheme.
    pub signing_scheme: SigningScheme,
    /// Signing time (`notary.x509`) or authentic signing time (`notary.x509.signingAuthority`).
    /// Codecs truncate it to whole seconds; JWS keeps its UTC offset.
    pub signing_time: OffsetDateTime,
    /// Optional expiry; must be after the signing time.
    pub expiry: Option<OffsetDateTime>,
    /// Extended signed attributes, emitted in this order where the format keeps order.
    pub extended_attributes: Vec<ExtendedAttribute>,
    /// Optional signing agent (unprotected).
    pub signing_agent: Option<String>,
}

impl SignRequest {
    /// A request for `payload` with the v1 payload content type, scheme `notary.x509`, no
    /// expiry, no extended attributes and no signing agent.
    pub fn new(payload: Vec<u8>, signing_time: OffsetDateTime) -> Self {
        Self {
            payload,
            payload_content_type: crate::PAYLOAD_MEDIA_TYPE.to_string(),
            signing_scheme: SigningScheme::X509,
            signing_time,
            expiry: None,
            extended_attributes: Vec::new(),
            signing_agent: None,
        }
    }
}

/// The signed (protected) attributes of an envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedAttributes {
    /// The signing scheme.
    pub signing_scheme: SigningScheme,
    /// `io.cncf.notary.signingTime` (`notary.x509`).
    pub signing_time: Option<OffsetDateTime>,
    /// `io.cncf.notary.authenticSigningTime` (`notary.x509.signingAuthority`).
    pub authentic_signing_time: Option<OffsetDateTime>,
    /// `io.cncf.notary.expiry`.
    pub expiry: Option<OffsetDateTime>,
    /// Payload content type.
    pub content_type: String,
    /// Extended attributes, with their criticality.
    pub extended_attributes: Vec<ExtendedAttribute>,
}

impl SignedAttributes {
    /// The extended attribute with a text key `name`.
    pub fn extended(&self, name: &str) -> Option<&ExtendedAttribute> {
        self.extended_attributes
            .iter()
            .find(|a| a.key.as_text() == Some(name))
    }

    /// The names of the critical extended attributes no verifier can process: all of them
    /// when the envelope names no verification plugin ([`header::VERIFICATION_PLUGIN`]), none
    /// otherwise (the plugin is given them). At most `max` names, each [`crate::shown`].
    pub fn unprocessable_critical(&self, max: usize) -> Vec<String> {
        if self.extended(header::VERIFICATION_PLUGIN).is_some() {
            return Vec::new();
        }
        self.extended_attributes
            .iter()
            .filter(|a| a.critical)
            .take(max)
            .map(|a| crate::shown(&a.key.to_string()))
            .collect()
    }
}

/// The unsigned (unprotected) attributes of an envelope, apart from the certificate chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnsignedAttributes {
    /// RFC 3161 TimeStampToken (DER) over the signature bytes.
    pub timestamp_signature: Option<Vec<u8>>,
    /// Signing agent.
    pub signing_agent: Option<String>,
}

/// The signer information carried by an envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct SignerInfo {
    /// Protected attributes.
    pub signed_attributes: SignedAttributes,
    /// Unprotected attributes.
    pub unsigned_attributes: UnsignedAttributes,
    /// The declared signature algorithm (already checked against the leaf key when obtained
    /// from a [`VerifiedEnvelope`]).
    pub signature_algorithm: SignatureAlgorithm,
    /// DER certificates, leaf first.
    pub certificate_chain: CertificateChain,
    /// Raw signature bytes (RSASSA-PSS, or ECDSA `r||s`).
    pub signature: Vec<u8>,
}

/// Why a leaf certificate cannot have made a signature with the declared algorithm
/// ([`check_leaf_algorithm`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeafKeyError {
    /// The leaf's public key cannot be read, or is no Notary key spec (the reason).
    Key(String),
    /// The key implies another algorithm than the declared one.
    AlgorithmMismatch {
        /// The envelope's algorithm.
        declared: SignatureAlgorithm,
        /// The leaf key's spec.
        certificate: crate::keyspec::KeySpec,
    },
}

/// For envelope codecs: the key spec of `leaf` (DER) when it implies `declared`, checked before
/// the signature so that a wrong key or algorithm is reported as such, not as a bad signature.
pub fn check_leaf_algorithm(
    verifier: &dyn crate::SignatureVerifier,
    leaf: &[u8],
    declared: SignatureAlgorithm,
) -> Result<crate::keyspec::KeySpec, LeafKeyError> {
    let key_spec = verifier
        .key_spec_of_certificate(leaf)
        .map_err(|e| LeafKeyError::Key(e.to_string()))?;
    if key_spec.signature_algorithm() != declared {
        return Err(LeafKeyError::AlgorithmMismatch {
            declared,
            certificate: key_spec,
        });
    }
    Ok(key_spec)
}

/// The signed part of an envelope exactly as received: its protected header and payload in the
/// form its format signs them. [`VerifiedEnvelope::from_signature_check`] builds the signing
/// input from these bytes itself and takes the payload from them, so the payload of a
/// [`VerifiedEnvelope`] is always the one its signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedContent<'a> {
    /// JWS (RFC 7515 §5.2): the protected header and the payload as the base64url text the
    /// envelope holds. The signing input is `protected.payload`; the payload is that text
    /// decoded (unpadded, no stray bits).
    Jws {
        /// The `protected` member's text.
        protected: &'a str,
        /// The `payload` member's text.
        payload: &'a str,
    },
    /// COSE_Sign1 (RFC 9052 §4.4): the content of the protected header's byte string and the
    /// payload. The signing input is the `Sig_structure` `["Signature1", protected, h'',
    /// payload]` ([`cose_sig_structure`]).
    Cose {
        /// The protected header byte string's content.
        protected: &'a [u8],
        /// The payload.
        payload: &'a [u8],
    },
}

impl SignedContent<'_> {
    /// The envelope format.
    pub fn media_type(&self) -> EnvelopeMediaType {
        match self {
            Self::Jws { .. } => EnvelopeMediaType::Jws,
            Self::Cose { .. } => EnvelopeMediaType::Cose,
        }
    }

    /// The bytes the signature covers.
    ///
    /// ```
    /// use notary_core::SignedContent;
    /// let jws = SignedContent::Jws { protected: "eyJ9", payload: "aGk" };
    /// assert_eq!(jws.signing_input(), b"eyJ9.aGk");
    /// let cose = SignedContent::Cose { protected: &[0xa0], payload: b"hi" };
    /// assert_eq!(cose.signing_input(), b"\x84\x6aSignature1\x41\xa0\x40\x42hi");
    /// ```
    pub fn signing_input(&self) -> Vec<u8> {
        match self {
            Self::Jws { protected, payload } => {
                let mut input = Vec::with_capacity(
                    protected
                        .len()
                        .saturating_add(payload.len())
                        .saturating_add(1),
                );
                input.extend_from_slice(protected.as_bytes());
                input.push(b'.');
                input.extend_from_slice(payload.as_bytes());
                input
            }
            Self::Cose { protected, payload } => cose_sig_structure(protected, payload),
        }
    }

    /// The payload bytes (decoded, for JWS).
    pub fn payload(&self) -> Result<Vec<u8>, Error> {
        use base64::Engine as _;
        match self {
            Self::Jws { payload, .. } => base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .map_err(|e| Error::InvalidPayload {
                    reason: format!("the JWS payload is not base64url (unpadded): {e}"),
                }),
            Self::Cose { payload, .. } => Ok(payload.to_vec()),
        }
    }
}

/// The COSE_Sign1 `Sig_structure` with empty external AAD, `["Signature1", protected, h'',
/// payload]`, in CBOR's definite-length encoding. `protected` is the content of the protected
/// header byte string exactly as it appears in the message.
pub fn cose_sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    const ARRAY: u8 = 4;
    const TEXT: u8 = 3;
    const BYTES: u8 = 2;
    const CONTEXT: &str = "Signature1";
    let mut out = Vec::with_capacity(
        protected
            .len()
            .saturating_add(payload.len())
            .saturating_add(32),
    );
    let len = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    cbor_head(&mut out, ARRAY, 4);
    cbor_head(&mut out, TEXT, len(CONTEXT.len()));
    out.extend_from_slice(CONTEXT.as_bytes());
    cbor_head(&mut out, BYTES, len(protected.len()));
    out.extend_from_slice(protected);
    cbor_head(&mut out, BYTES, 0);
    cbor_head(&mut out, BYTES, len(payload.len()));
    out.extend_from_slice(payload);
    out
}

/// Appends the head of a CBOR item of major type `major` and argument `arg`, in its shortest
/// form (RFC 8949 §3): the one head encoder of the workspace, shared with the COSE codec.
#[doc(hidden)]
pub fn cbor_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | arg as u8);
    } else if let Ok(a) = u8::try_from(arg) {
        out.extend_from_slice(&[m | 24, a]);
    } else if let Ok(a) = u16::try_from(arg) {
        out.push(m | 25);
        out.extend_from_slice(&a.to_be_bytes());
    } else if let Ok(a) = u32::try_from(arg) {
        out.push(m | 26);
        out.extend_from_slice(&a.to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

/// An envelope whose signature has been checked with its leaf certificate's key over the
/// envelope's own signed bytes, and whose headers follow the Notary rules. Envelope codecs
/// make it with [`VerifiedEnvelope::from_signature_check`]; the payload is reachable only
/// through this type.
///
/// Integrity is all it proves: trust (chain rules, anchoring, identity, expiry, timestamp,
/// revocation) is decided by the verifier. What it rests on: the [`crate::SignatureVerifier`]
/// the check ran with (the crypto backend: one that accepts any signature makes any envelope
/// "verified", so choose it as you choose a trust anchor), and the codec's reading of the
/// protected header into the signed attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEnvelope {
    media_type: EnvelopeMediaType,
    payload: Vec<u8>,
    signer_info: SignerInfo,
}

impl VerifiedEnvelope {
    /// For envelope codecs: checks `signer_info.signature` over the signing input built from
    /// `signed` (the envelope's protected header and payload exactly as received) with the leaf
    /// certificate's key through `verifier`, which binds the declared algorithm to that key,
    /// and only then wraps the payload taken from `signed`. This is the only way to obtain a
    /// `VerifiedEnvelope`; a payload the signature does not cover cannot be put in one.
    /// `signer_info.signed_attributes` must be the codec's reading of `signed`'s protected
    /// header.
    pub fn from_signature_check(
        signed: SignedContent<'_>,
        signer_info: SignerInfo,
        verifier: &dyn crate::SignatureVerifier,
    ) -> Result<Self, Error> {
        let leaf =
            signer_info
                .certificate_chain
                .first()
                .ok_or_else(|| Error::SignatureInvalid {
                    reason: "the certificate chain is empty".into(),
                })?;
        if let SignedContent::Jws { protected, .. } = signed {
            // Text outside the base64url alphabet (a '.') would move the boundary between the
            // header and the payload within the same signing input.
            if !protected
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(Error::SignatureInvalid {
                    reason: "the JWS protected header is not base64url text".into(),
                });
            }
        }
        let payload = signed.payload()?;
        verifier.verify_signature(
            leaf,
            signer_info.signature_algorithm,
            &signed.signing_input(),
            &signer_info.signature,
        )?;
        Ok(Self {
            media_type: signed.media_type(),
            payload,
            signer_info,
        })
    }

    /// The envelope format.
    pub fn media_type(&self) -> EnvelopeMediaType {
        self.media_type
    }

    /// The exact payload bytes that were signed.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Decodes the payload (after checking its content type is the v1 payload type).
    pub fn decode_payload(&self) -> Result<Payload, Error> {
        if self.signer_info.signed_attributes.content_type != crate::PAYLOAD_MEDIA_TYPE {
            return Err(Error::InvalidPayload {
                reason: format!(
                    "payload content type {:?} is not {:?}",
                    self.signer_info.signed_attributes.content_type,
                    crate::PAYLOAD_MEDIA_TYPE
                ),
            });
        }
        Payload::from_slice(&self.payload)
    }

    /// The signer information.
    pub fn signer_info(&self) -> &SignerInfo {
        &self.signer_info
    }
}

#[cfg(test)]
mod signed_content_tests {
    use super::*;
    use crate::KeySpec;

    /// A crypto backend that accepts exactly one message: what a genuine signature over that
    /// message looks like to the core.
    struct SignedOver(Vec<u8>);

    impl crate::SignatureVerifier for SignedOver {
        fn key_spec_of_certificate(&self, _: &[u8]) -> Result<KeySpec, Error> {
            Ok(KeySpec::EcP256)
        }
        fn verify_signature(
            &self,
            _: &[u8],
            _: SignatureAlgorithm,
            message: &[u8],
            _: &[u8],
        ) -> Result<(), Error> {
            if message == self.0.as_slice() {
                Ok(())
            } else {
                Err(Error::SignatureInvalid {
                    reason: "signature does not verify".into(),
                })
            }
        }
    }

    fn signer_info() -> SignerInfo {
        SignerInfo {
            signed_attributes: SignedAttributes {
                signing_scheme: SigningScheme::X509,
                signing_time: None,
                authentic_signing_time: None,
                expiry: None,
                content_type: crate::PAYLOAD_MEDIA_TYPE.into(),
                extended_attributes: Vec::new(),
            },
            unsigned_attributes: UnsignedAttributes::default(),
            signature_algorithm: SignatureAlgorithm::EcdsaSha256,
            certificate_chain: vec![b"leaf".to_vec()],
            signature: b"sig".to_vec(),
        }
    }

    #[test]
    fn the_payload_is_the_one_the_signature_covers() {
        let signed = SignedContent::Cose {
            protected: &[0xa0],
            payload: b"signed",
        };
        let backend = SignedOver(cose_sig_structure(&[0xa0], b"signed"));
        let env = VerifiedEnvelope::from_signature_check(signed, signer_info(), &backend).unwrap();
        assert_eq!(env.payload(), b"signed");
        assert_eq!(env.media_type(), EnvelopeMediaType::Cose);

        // A genuine signature over other bytes cannot vouch for a payload of one's choosing.
        let forged = SignedContent::Cose {
            protected: &[0xa0],
            payload: b"forged",
        };
        assert!(VerifiedEnvelope::from_signature_check(forged, signer_info(), &backend).is_err());

        let jws = SignedContent::Jws {
            protected: "eyJ9",
            payload: "aGk",
        };
        let backend = SignedOver(b"eyJ9.aGk".to_vec());
        let env = VerifiedEnvelope::from_signature_check(jws, signer_info(), &backend).unwrap();
        assert_eq!(env.payload(), b"hi");
        assert_eq!(env.media_type(), EnvelopeMediaType::Jws);
        let forged = SignedContent::Jws {
            protected: "eyJ9",
            payload: "eW8",
        };
        assert!(VerifiedEnvelope::from_signature_check(forged, signer_info(), &backend).is_err());
    }

    #[test]
    fn a_jws_payload_is_decoded_strictly() {
        // "aGl" carries stray bits after "hi"; "aGk=" is padded: neither is what a signer
        // emits, and neither is decoded into a verified payload.
        // A '.' in the header would sign "eyJ9.aGk" as header "eyJ9.aGk" and payload "".
        let shifted = SignedContent::Jws {
            protected: "eyJ9.aGk",
            payload: "",
        };
        let backend = SignedOver(shifted.signing_input());
        assert!(
            VerifiedEnvelope::from_signature_check(shifted, signer_info(), &backend)
                .unwrap_err()
                .to_string()
                .contains("not base64url text")
        );
        for text in ["aGl", "aGk=", "a Gk", "aG.k"] {
            let jws = SignedContent::Jws {
                protected: "eyJ9",
                payload: text,
            };
            let backend = SignedOver(jws.signing_input());
            let err =
                VerifiedEnvelope::from_signature_check(jws, signer_info(), &backend).unwrap_err();
            assert!(err.to_string().contains("not base64url"), "{text}: {err}");
        }
    }

    #[test]
    fn the_sig_structure_heads_follow_the_lengths() {
        for (len, head) in [
            (0usize, vec![0x40]),
            (23, vec![0x57]),
            (24, vec![0x58, 24]),
            (255, vec![0x58, 0xff]),
            (256, vec![0x59, 0x01, 0x00]),
            (65_536, vec![0x5a, 0x00, 0x01, 0x00, 0x00]),
        ] {
            let payload = vec![7u8; len];
            let tbs = cose_sig_structure(&[0xa0], &payload);
            let prefix = b"\x84\x6aSignature1\x41\xa0\x40";
            assert_eq!(&tbs[..prefix.len()], prefix);
            assert_eq!(
                &tbs[prefix.len()..prefix.len() + head.len()],
                head.as_slice()
            );
            assert_eq!(tbs.len(), prefix.len() + head.len() + len);
        }
    }
}
