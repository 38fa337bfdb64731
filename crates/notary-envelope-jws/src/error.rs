use thiserror::Error;

/// Why a JWS envelope could not be produced, parsed or verified.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The envelope is larger than [`crate::MAX_ENVELOPE_SIZE`].
    #[error("envelope is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Actual size.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// The bytes are not a JSON document of the expected shape.
    #[error("malformed JSON in {part}: {reason}")]
    Json {
        /// `envelope` or `protected header`.
        part: &'static str,
        /// Parser message.
        reason: String,
    },
    /// A JSON object repeats a member name.
    #[error("duplicate member {name:?} in {part}")]
    DuplicateMember {
        /// Where.
        part: &'static str,
        /// The repeated name.
        name: String,
    },
    /// A member the JWS envelope does not define.
    #[error("unsupported member {name:?} in {part}")]
    UnknownMember {
        /// Where.
        part: &'static str,
        /// The member name.
        name: String,
    },
    /// A required member or header is absent.
    #[error("missing {name:?} in {part}")]
    Missing {
        /// Where.
        part: &'static str,
        /// What.
        name: String,
    },
    /// A member or header has the wrong JSON type or an invalid value.
    #[error("invalid {name:?} in {part}: {reason}")]
    Invalid {
        /// Where.
        part: &'static str,
        /// Which member or header.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A base64 or base64url field does not decode (padding in base64url is an error).
    #[error("{name:?} is not valid {encoding}: {reason}")]
    Base64 {
        /// Which field.
        name: String,
        /// `base64url (unpadded)` or `base64`.
        encoding: &'static str,
        /// Decoder message.
        reason: String,
    },
    /// The `alg` header is not one of the six Notary algorithms.
    #[error("unsupported signature algorithm {alg:?}")]
    UnsupportedAlgorithm {
        /// The value found.
        alg: String,
    },
    /// The signing scheme is not `notary.x509` or `notary.x509.signingAuthority`.
    #[error("unsupported signing scheme {scheme:?}")]
    UnsupportedSigningScheme {
        /// The value found.
        scheme: String,
    },
    /// A time header is not a valid RFC 3339 time.
    #[error("invalid time in {header:?}: {reason}")]
    InvalidTime {
        /// The header.
        header: String,
        /// Why.
        reason: String,
    },
    /// A header that the signing scheme forbids is present.
    #[error("header {header:?} is not allowed with signing scheme {scheme}")]
    HeaderNotAllowed {
        /// The header.
        header: String,
        /// The scheme.
        scheme: String,
    },
    /// `crit` is missing or empty.
    #[error("the protected header must have a non-empty \"crit\"")]
    MissingCrit,
    /// A header that must be critical is not listed in `crit`.
    #[error("header {header:?} must be listed in \"crit\"")]
    NotCritical {
        /// The header.
        header: String,
    },
    /// `crit` lists a registered or non-critical header, repeats an entry, or names an absent header.
    #[error("\"crit\" entry {entry:?} is invalid: {reason}")]
    InvalidCrit {
        /// The entry.
        entry: String,
        /// Why.
        reason: String,
    },
    /// Expiry is not after the signing time.
    #[error("expiry {expiry} is not after the signing time {signing_time}")]
    ExpiryBeforeSigningTime {
        /// Expiry, RFC 3339.
        expiry: String,
        /// Signing time, RFC 3339.
        signing_time: String,
    },
    /// Two unprotected members name the same header when compared case-insensitively, as
    /// notation-go compares them (`x5c` and `X5C`); Go would silently take the last one.
    #[error(
        "members {first:?} and {second:?} in {part} both name the same header (names match case-insensitively)"
    )]
    AmbiguousMember {
        /// Where.
        part: &'static str,
        /// One member name.
        first: String,
        /// The other member name.
        second: String,
    },
    /// A protected header member differs from a JOSE or Notary header only in case (notation-go
    /// would read it as that header).
    #[error("protected header member {name:?} differs from {header:?} only in case")]
    CaseVariantHeader {
        /// The member as received.
        name: String,
        /// The header it would be read as.
        header: String,
    },
    /// A header parameter name is in both the protected and the unprotected header (RFC 7515
    /// §5.2 step 4 requires the two to be disjoint).
    #[error("header {name:?} appears in both the protected and the unprotected header")]
    HeaderInBothBuckets {
        /// The header name.
        name: String,
    },
    /// A header parameter is where it is not allowed: `crit` (RFC 7515 §4.1.11) or a Notary
    /// signed attribute (signing scheme, signing times, expiry) in the unprotected header.
    #[error("header {name:?} is not allowed in the {part}")]
    MisplacedHeader {
        /// The header name.
        name: String,
        /// Where it was found.
        part: &'static str,
    },
    /// `x5c` holds more certificates than [`crate::MAX_CHAIN_LEN`].
    #[error("the certificate chain (x5c) has {count} certificates, more than the {max} allowed")]
    CertificateChainTooLong {
        /// Certificates found.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// `x5c` is empty.
    #[error("the certificate chain (x5c) is empty")]
    EmptyCertificateChain,
    /// The key of the leaf certificate could not be determined.
    #[error("cannot use the leaf certificate's key: {reason}")]
    CertificateKey {
        /// The verifier's message.
        reason: String,
    },
    /// The declared `alg` does not match the leaf certificate's key.
    #[error(
        "declared algorithm {declared} does not match the leaf certificate key ({certificate})"
    )]
    AlgorithmMismatch {
        /// Algorithm in the protected header.
        declared: String,
        /// Key spec of the leaf certificate.
        certificate: String,
    },
    /// The signature does not verify with the leaf certificate's key.
    #[error("signature is invalid: {reason}")]
    SignatureInvalid {
        /// The crypto layer's message.
        reason: String,
    },
    /// The sign request cannot be encoded.
    #[error("invalid sign request: {reason}")]
    InvalidRequest {
        /// Why.
        reason: String,
    },
    /// The signer failed or returned something unusable.
    #[error("signer: {reason}")]
    Signer {
        /// Why.
        reason: String,
    },
}

impl From<notary_core::LeafKeyError> for Error {
    fn from(e: notary_core::LeafKeyError) -> Self {
        match e {
            notary_core::LeafKeyError::AlgorithmMismatch {
                declared,
                certificate,
            } => Error::AlgorithmMismatch {
                declared: declared.to_string(),
                certificate: certificate.to_string(),
            },
            notary_core::LeafKeyError::Key(reason) => Error::CertificateKey { reason },
            // A later kind is still a key the envelope cannot have been made with.
            other => Error::CertificateKey {
                reason: format!("{other:?}"),
            },
        }
    }
}
