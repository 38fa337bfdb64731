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

pub mod artifact;
pub mod config;
mod error;
pub mod inspect;
pub mod plugin;
mod plugin_json;
pub mod plugin_package;
pub mod revocation;
mod signing;
pub mod timestamp;

pub use error::Error;
pub use notary_core as core;
pub use notary_core::crypto::CryptoProvider;
pub use notary_core::{
    AppliedPolicy, AsyncSigner, BlobTarget, CheckResult, CheckStatus, Descriptor, Digest,
    DynSignatureRepository, EnvelopeMediaType, KeySpec, Payload, PolicyTarget, SignatureAlgorithm,
    SignatureRepository, Signer, SigningScheme, SkippedVerification, Validation, VerificationError,
    VerificationLevel, VerificationOutcome, VerifiedEnvelope, VerifiedSignature, Verifier,
    VerifyRequest, VerifyTarget,
};
/// Signature repositories: OCI image layouts, and with the `remote` feature OCI registries.
pub use notary_registry as registry;
pub use notary_trustpolicy as trustpolicy;
/// The trust engine crate (`notary-verifier`), for its plugin trait and helpers.
pub use notary_verifier as verifier;
pub use notary_verifier::{
    Certificate, EnvelopeError, InspectedEnvelope, NotaryVerifier, UnverifiedEnvelope,
    default_provider, provider_by_name, thumbprints, truststore,
};
pub use signing::{
    SignOptions, SignedEnvelope, check_generated_envelope, sign_artifact, sign_artifact_async,
    sign_envelope,
};
