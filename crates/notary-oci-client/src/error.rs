use thiserror::Error;

/// A boxed error source: the `oci-client` error behind a failed registry operation.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of [`crate::OciClientRepository`].
///
/// No `oci-client` (or `reqwest`, `serde_json`) type appears in a variant: a failed registry
/// operation keeps the `oci-client` error as its boxed [`std::error::Error::source`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// `oci-client` failed: the registry refused the request, answered something unexpected,
    /// authentication failed, or it could not be reached.
    #[error("{operation}: {source}")]
    Registry {
        /// What was being done, and on which reference.
        operation: String,
        /// The `oci-client` error.
        #[source]
        source: BoxError,
    },
    /// A tag or digest is not in the repository.
    #[error("{reference}: not found")]
    NotFound {
        /// The reference.
        reference: String,
    },
    /// A reference is not a tag, a digest, or a reference into this repository.
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
    /// Content is larger than the cap (manifest 4 MiB, signature envelope 32 MiB).
    #[error("{what} {digest} is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// `manifest`, `referrers index` or `signature envelope`.
        what: &'static str,
        /// Its digest (or tag).
        digest: String,
        /// Its size.
        size: u64,
        /// The cap.
        max: u64,
    },
    /// A manifest or index cannot be decoded or breaks a Notary signature-manifest rule.
    #[error("invalid manifest {digest}: {reason}")]
    InvalidManifest {
        /// Its digest (or tag).
        digest: String,
        /// Why.
        reason: String,
    },
    /// A signature manifest's envelope layer is not a Notary envelope format (callers count the
    /// signature as failing integrity, as notation does).
    #[error("{0}")]
    UnsupportedEnvelope(#[source] notary_core::UnsupportedEnvelopeFormat),
    /// A signature manifest was stored but the referrers tag schema index could not be updated,
    /// so the signature may not be discoverable on a registry without the referrers API.
    #[error(
        "signature manifest {manifest} was pushed, but updating the referrers index {tag} failed: {source}"
    )]
    ReferrersIndex {
        /// The pushed manifest digest.
        manifest: String,
        /// The tag of the referrers index.
        tag: String,
        /// What failed.
        #[source]
        source: Box<Error>,
    },
    /// With [`OciClientOptions::confirm_tag_index_writes`](crate::OciClientOptions), each write
    /// of a referrers tag schema index was read back replaced by another writer's index without
    /// the new entry, until the most writes allowed were spent.
    #[error("other writers replaced it without this signature after each of {writes} writes")]
    TagIndexReplaced {
        /// The writes made.
        writes: u32,
    },
}

impl Error {
    /// Maps the errors of `notary-registry`'s shared manifest rules onto this crate's variants.
    pub(crate) fn from_rules(e: notary_registry::Error) -> Self {
        match e {
            notary_registry::Error::TooLarge {
                what,
                digest,
                size,
                max,
            } => Self::TooLarge {
                what,
                digest,
                size,
                max,
            },
            notary_registry::Error::InvalidManifest { digest, reason } => {
                Self::InvalidManifest { digest, reason }
            }
            notary_registry::Error::DigestMismatch { digest, reason } => {
                Self::DigestMismatch { digest, reason }
            }
            notary_registry::Error::UnsupportedEnvelope(u) => Self::UnsupportedEnvelope(u),
            other => Self::InvalidManifest {
                digest: String::new(),
                reason: other.to_string(),
            },
        }
    }
}
