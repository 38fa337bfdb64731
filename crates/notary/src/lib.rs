//! notary-rs: sign and verify Notary Project signatures, byte-compatible with `notation`.
//!
//! This facade ties the pieces together for tools:
//! - [`sign_artifact`] builds the Notary payload for a descriptor and produces a signed envelope,
//!   re-verifying what the signer returned before handing it out;
//! - [`artifact::verify_artifact`] and [`artifact::sign_and_push`] work where the artifact lives
//!   (any [`SignatureRepository`]: an OCI registry or an OCI image layout);
//! - [`config::NotationDir`] loads notation's configuration directory (trust policies, trust
//!   store, plugins) into a verifier;
//! - trust decisions are made by a [`Verifier`], normally the notation trust engine
//!   [`NotaryVerifier`] from `notary-verifier` (re-exported here), which embedders can also take
//!   alone.
//!
//! ```
//! use std::sync::Arc;
//! use notary::{Descriptor, EnvelopeMediaType, KeySpec, NotaryVerifier, SignOptions, Verifier, VerifyRequest};
//! use notary::truststore::{MemoryTrustStore, TrustStoreType};
//!
//! let provider = notary::default_provider();
//! let now = time::macros::datetime!(2026-06-01 12:00 UTC);
//! // A test chain (root -> intermediate -> leaf) and a signer for its leaf key.
//! let chain = notary_crypto::pki::ChainBuilder::new(KeySpec::EcP256, now).build()?;
//! let artifact = Descriptor::new(
//!     "application/vnd.oci.image.manifest.v1+json",
//!     "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9".parse()?,
//!     942,
//! );
//! let mut options = SignOptions::new(now);
//! options.format = EnvelopeMediaType::Cose;
//! let signed = notary::sign_artifact(&artifact, &chain.signer()?, &options)?;
//!
//! // Trust the root, and apply a strict policy to registry.example/app.
//! let mut store = MemoryTrustStore::new(provider);
//! store.add(TrustStoreType::Ca, "acme", vec![notary_x509::Certificate::from_der(chain.root())?])?;
//! let policy = notary::trustpolicy::OciTrustPolicy::from_json(br#"{"version": "1.0", "trustPolicies": [{
//!     "name": "app", "registryScopes": ["registry.example/app"], "signatureVerification": {"level": "strict"},
//!     "trustStores": ["ca:acme"], "trustedIdentities": ["x509.subject: C=US, ST=WA, O=Notary"]}]}"#)?;
//! let verifier = NotaryVerifier::new(provider, Arc::new(store)).with_oci_policy(policy);
//! let outcome = verifier.verify(VerifyRequest::oci(
//!     &signed.bytes, EnvelopeMediaType::Cose, "registry.example/app", &artifact, now,
//! ))?;
//! assert_eq!(outcome.level(), notary::VerificationLevel::Strict);
//! assert_eq!(outcome.warnings().count(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
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

pub mod artifact;
pub mod config;
mod error;
pub mod inspect;
pub mod plugin;
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
    EnvelopeError, InspectedEnvelope, NotaryVerifier, UnverifiedEnvelope, default_provider,
    provider_by_name, thumbprints, truststore,
};
pub use signing::{
    SignOptions, SignedEnvelope, check_generated_envelope, sign_artifact, sign_artifact_async,
    sign_envelope,
};
