use thiserror::Error;

/// Errors of the facade. Errors of the lower layers are kept whole so callers can match on the
/// exact failure (each of those enums is `#[non_exhaustive]` and holds no foreign types).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A core type rejected its input (digest, descriptor, payload, user metadata, key).
    #[error(transparent)]
    Core(#[from] notary_core::Error),
    /// The JWS envelope was malformed, broke a header rule, or its signature did not verify.
    #[error("JWS envelope: {0}")]
    Jws(#[from] notary_envelope_jws::Error),
    /// The COSE envelope was malformed, broke a header rule, or its signature did not verify.
    #[error("COSE envelope: {0}")]
    Cose(#[from] notary_envelope_cose::Error),
    /// A certificate could not be parsed or the chain broke a Notary certificate rule.
    #[error("certificate chain: {0}")]
    Certificate(#[from] notary_x509::Error),
    /// The timestamp authority failed or returned a token that does not verify.
    #[error("{0}")]
    Timestamp(#[source] crate::timestamp::TimestampError),
    /// Signing options were inconsistent.
    #[error("invalid signing options: {reason}")]
    InvalidSignOptions {
        /// What is wrong.
        reason: String,
    },
}

impl From<notary_verifier::EnvelopeError> for Error {
    fn from(e: notary_verifier::EnvelopeError) -> Self {
        use notary_verifier::EnvelopeError as E;
        match e {
            E::Jws(e) => Self::Jws(e),
            E::Cose(e) => Self::Cose(e),
            E::Certificate(e) => Self::Certificate(e),
            // A kind added later keeps its message.
            other => Self::Core(notary_core::Error::InvalidPayload {
                reason: other.to_string(),
            }),
        }
    }
}
