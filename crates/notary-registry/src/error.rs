use thiserror::Error;

/// Errors of the signature repositories.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The OS message.
        reason: String,
    },
    /// The directory is not a valid OCI image layout.
    #[error("invalid OCI image layout at {path}: {reason}")]
    InvalidLayout {
        /// The layout directory.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A tag or digest is not in the repository.
    #[error("{reference}: not found")]
    NotFound {
        /// The reference.
        reference: String,
    },
    /// A reference is not a tag or digest.
    #[error("invalid reference {reference:?}: {reason}")]
    InvalidReference {
        /// The reference.
        reference: String,
        /// Why.
        reason: String,
    },
    /// Content does not hash to its descriptor's digest, or has another size.
    #[error("content of {digest} does not match its descriptor: {reason}")]
    DigestMismatch {
        /// The expected digest.
        digest: String,
        /// Size or hash difference.
        reason: String,
    },
    /// Content is larger than the cap.
    #[error("{what} {digest} is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// `manifest` or `signature envelope`.
        what: &'static str,
        /// Its digest.
        digest: String,
        /// Its size.
        size: u64,
        /// The cap.
        max: u64,
    },
    /// A manifest or index cannot be decoded or breaks a rule.
    #[error("invalid manifest {digest}: {reason}")]
    InvalidManifest {
        /// Its digest.
        digest: String,
        /// Why.
        reason: String,
    },
}
