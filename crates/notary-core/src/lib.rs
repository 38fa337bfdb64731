//! Core types and traits of notary-rs, the Rust implementation of the Notary Project signature
//! format (byte-compatible with `notation`).
//!
//! This crate has no I/O, no clock, no network and no cryptographic backend. It defines:
//! - [`Descriptor`], [`Digest`] and the signed [`Payload`] (`application/vnd.cncf.notary.payload.v1+json`);
//! - [`KeySpec`], [`SignatureAlgorithm`] and [`HashAlgorithm`], the six Notary algorithms;
//! - [`SigningScheme`] and the envelope model ([`SignRequest`], [`SignerInfo`], [`VerifiedEnvelope`]);
//! - the [`Signer`] trait (raw signature over bytes + certificate chain + key spec), the
//!   [`SignatureVerifier`] crypto boundary used by the envelope codecs, and the async
//!   [`SignatureRepository`] trait implemented by registry back ends;
//! - the [`Verifier`] trait ([`verify`]): one envelope, one target, a [`VerificationOutcome`]
//!   only a verifier can make, and the trust-policy vocabulary it uses ([`policy`]);
//! - the [`crypto`] module: the [`crypto::CryptoProvider`] boundary that backends implement;
//! - with the `oci-spec` feature, the `oci_spec` module: `From`/`TryFrom` conversions with the
//!   `oci_spec::image` digest and descriptor types.
//!
//! ```
//! use notary_core::{Descriptor, Digest, KeySpec, Payload};
//!
//! let digest: Digest = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9".parse()?;
//! let target = Descriptor::new("application/vnd.oci.image.manifest.v1+json", digest, 942);
//! let payload = Payload::new(target);
//! let json = payload.to_cose_json()?;
//! assert!(json.starts_with(br#"{"targetArtifact":{"mediaType""#));
//! assert_eq!(KeySpec::EcP256.signature_algorithm().jws_name(), "ES256");
//! # Ok::<(), notary_core::Error>(())
//! ```
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
mod keyspec;
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
    KNOWN_PROTECTED_HEADERS, MAX_CERTIFICATE_CHAIN_LEN, SignRequest, SignedAttributes, SignerInfo,
    SigningScheme, UnsignedAttributes, VerifiedEnvelope, header,
};
pub use error::Error;
pub use keyspec::{HashAlgorithm, KeySpec, SignatureAlgorithm};
pub use payload::{PAYLOAD_MEDIA_TYPE, Payload, go_json_escape};
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
