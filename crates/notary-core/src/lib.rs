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

pub mod crypto;
mod descriptor;
mod digest;
mod envelope;
mod error;
#[doc(hidden)]
pub mod json;
mod keyspec;
pub mod mediatype;
#[cfg(feature = "oci-spec")]
pub mod oci_spec;
mod payload;
pub mod policy;
mod repository;
mod signer;
pub mod timefmt;
pub mod verify;

pub use descriptor::{Descriptor, validate_user_metadata};
pub use digest::{Digest, DigestAlgorithm};
pub use envelope::{
    AttributeKey, AttributeValue, CertificateChain, EnvelopeMediaType, ExtendedAttribute,
    KNOWN_PROTECTED_HEADERS, LeafKeyError, MAX_CERTIFICATE_CHAIN_LEN, SignRequest,
    SignedAttributes, SignedContent, SignerInfo, SigningScheme, UnsignedAttributes,
    VerifiedEnvelope, cbor_head, check_leaf_algorithm, cose_sig_structure, header,
};
pub use error::Error;
#[doc(hidden)]
pub use error::shown;
pub use keyspec::{HashAlgorithm, KeySpec, SignatureAlgorithm};
pub use payload::{DESCRIPTOR_MEMBERS, PAYLOAD_MEDIA_TYPE, Payload, go_json_escape};
pub use policy::{
    Enforcement, TrustStoreType, ValidationAction, ValidationType, VerificationLevel,
};
pub use repository::{
    BoxFuture, DynSignatureRepository, FetchedSignature, PushSignature, PushedSignature,
    RepositoryError, SignatureRepository, UnsupportedEnvelopeFormat,
};
pub use signer::{
    AsyncSigner, EnvelopeGenerator, GeneratedEnvelope, RawSignature, SignatureVerifier, Signer,
};
pub use verify::{
    AppliedPolicy, BlobTarget, CheckResult, CheckStatus, PolicyTarget, SkippedVerification,
    Validation, VerificationError, VerificationOutcome, VerifiedSignature, Verifier, VerifyRequest,
    VerifyTarget,
};

/// Artifact type (and legacy config media type) of Notary signature manifests.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";
/// Annotation carrying the JSON array of SHA-256 thumbprints of the envelope's certificate chain.
pub const THUMBPRINT_ANNOTATION: &str = "io.cncf.notary.x509chain.thumbprint#S256";
/// Reserved prefix for annotations and header names; user metadata may not use it.
pub const RESERVED_PREFIX: &str = "io.cncf.notary";
