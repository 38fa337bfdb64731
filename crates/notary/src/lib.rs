//! notary-rs: sign and verify Notary Project signatures, byte-compatible with `notation`.
//!
//! This facade ties the codecs (`notary-envelope-jws`, `notary-envelope-cose`) to the
//! certificate rules and crypto backend (`notary-x509`):
//! - [`sign_artifact`] builds the Notary payload for a descriptor and produces a signed envelope,
//!   re-verifying what the signer returned before handing it out;
//! - [`UnverifiedEnvelope`] parses an envelope of either format and
//!   [`UnverifiedEnvelope::verify_integrity`] checks its signature with the leaf key (algorithm bound
//!   to the key), its header rules and the certificate-chain rules.
//!
//! Trust decisions (trust store, trust policy, identity, expiry, timestamp, revocation) are made
//! by [`Verifier`].
//!
//! ```
//! use std::{collections::BTreeMap, sync::Arc};
//! use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions, Verifier};
//! use notary::truststore::{MemoryTrustStore, TrustStoreType};
//!
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
//! let mut store = MemoryTrustStore::new();
//! store.add(TrustStoreType::Ca, "acme", vec![notary_x509::Certificate::from_der(chain.root())?])?;
//! let policy = notary::trustpolicy::OciTrustPolicy::from_json(br#"{"version": "1.0", "trustPolicies": [{
//!     "name": "app", "registryScopes": ["registry.example/app"], "signatureVerification": {"level": "strict"},
//!     "trustStores": ["ca:acme"], "trustedIdentities": ["x509.subject: C=US, ST=WA, O=Notary"]}]}"#)?;
//! let verifier = Verifier::new(Arc::new(store)).with_oci_policy(policy);
//! let reference = format!("registry.example/app@{}", artifact.digest);
//! let outcome = verifier.verify_oci(&signed.bytes, "application/cose", &reference, &artifact, &BTreeMap::new(), now)?;
//! assert_eq!(outcome.level, "strict");
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
mod envelope;
mod error;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod inspect;
pub mod plugin;
pub mod plugin_package;
pub mod revocation;
mod signing;
pub mod timestamp;
pub mod truststore;
pub mod verifier;

pub use envelope::{InspectedEnvelope, UnverifiedEnvelope, thumbprints};
pub use error::Error;
pub use notary_core as core;
pub use notary_core::{
    Descriptor, Digest, EnvelopeMediaType, KeySpec, Payload, SignatureAlgorithm, Signer,
    SigningScheme, VerifiedEnvelope,
};
pub use notary_trustpolicy as trustpolicy;
pub use signing::{
    SignOptions, SignedEnvelope, check_generated_envelope, sign_artifact, sign_envelope,
};
pub use verifier::{
    BlobTarget, CheckResult, CheckStatus, Validation, VerificationError, VerificationOutcome,
    Verifier,
};
