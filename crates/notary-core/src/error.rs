use thiserror::Error;

/// Errors of the core types and of the traits' default plumbing.
///
/// Variants carry only owned strings and integers, never foreign error types, so the enum can
/// grow without breaking callers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A digest string is not `<algorithm>:<lowercase hex>` of a supported algorithm.
    #[error("invalid digest {digest:?}: {reason}")]
    InvalidDigest {
        /// The offending text (truncated to 100 characters).
        digest: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A descriptor is missing a required member or has a bad value.
    #[error("invalid descriptor: {reason}")]
    InvalidDescriptor {
        /// What is wrong with it.
        reason: String,
    },
    /// A payload document could not be decoded or encoded.
    #[error("invalid payload: {reason}")]
    InvalidPayload {
        /// What is wrong with it.
        reason: String,
    },
    /// User metadata used a reserved key or duplicated an existing annotation.
    #[error("invalid user metadata key {key:?}: {reason}")]
    InvalidUserMetadata {
        /// The key that was refused.
        key: String,
        /// Why it was refused.
        reason: String,
    },
    /// A key type or size outside the six Notary key specs.
    #[error("unsupported key: {reason}")]
    UnsupportedKey {
        /// Description of the key that was found.
        reason: String,
    },
    /// A named algorithm, key spec or scheme is not one Notary supports.
    #[error("unsupported {what}: {value:?}")]
    Unsupported {
        /// Which kind of name (e.g. "signature algorithm").
        what: &'static str,
        /// The value found.
        value: String,
    },
    /// Cryptographic verification of a signature failed.
    #[error("signature verification failed: {reason}")]
    SignatureInvalid {
        /// Why it failed.
        reason: String,
    },
    /// A signer could not produce a signature.
    #[error("signing failed: {reason}")]
    SigningFailed {
        /// Why it failed.
        reason: String,
    },
    /// A certificate could not be parsed.
    #[error("invalid certificate: {reason}")]
    InvalidCertificate {
        /// Why it failed.
        reason: String,
    },
    /// A time value could not be parsed or formatted.
    #[error("invalid time {value:?}: {reason}")]
    InvalidTime {
        /// The text or value.
        value: String,
        /// Why it failed.
        reason: String,
    },
}

/// Most characters of an unverified name or value an error repeats.
pub const SHOWN_CHARS: usize = 100;

/// At most [`SHOWN_CHARS`] characters of `s`, for errors about untrusted input: errors reach
/// logs and admission denials, and the input may be megabytes. Shared by the envelope crates;
/// not a stable API.
#[doc(hidden)]
pub fn shown(s: &str) -> String {
    s.chars().take(SHOWN_CHARS).collect()
}

impl Error {
    /// The error as text, without the "signature verification failed" that
    /// [`Error::SignatureInvalid`] starts with, for a caller whose own message says it already.
    ///
    /// ```
    /// let e = notary_core::Error::SignatureInvalid { reason: "bad ECDSA signature".into() };
    /// assert_eq!(e.to_string(), "signature verification failed: bad ECDSA signature");
    /// assert_eq!(e.into_signature_reason(), "bad ECDSA signature");
    /// ```
    pub fn into_signature_reason(self) -> String {
        match self {
            Error::SignatureInvalid { reason } => reason,
            other => other.to_string(),
        }
    }
}
