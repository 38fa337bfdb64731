//! The Notary Project trust engine: is this signature envelope trusted for this artifact?
//!
//! [`NotaryVerifier`] implements [`notary_core::Verifier`] the way notation does: it selects the
//! trust-policy statement, checks integrity (the signature over the exact received bytes with the
//! leaf key, header and certificate-chain rules), the verification-plugin gate, authenticity
//! (certificate byte equality with the trust store), the trusted identity, expiry, the authentic
//! timestamp, revocation, the target and the user metadata, each with the action its level gives.
//!
//! The crate does no I/O of its own beyond reading a trust-store directory when asked to
//! ([`truststore::DirTrustStore`]): no async runtime, no HTTP client, no process spawning, no
//! clock. The embedder supplies
//! - the crypto backend, a [`notary_core::crypto::CryptoProvider`] (aws-lc-rs by default, or the
//!   pure-Rust RustCrypto provider with the `rustcrypto` feature);
//! - the trust store ([`truststore::TrustStore`]);
//! - revocation ([`RevocationChecker`], [`OfflineRevocation`] by default; online OCSP/CRL comes
//!   from `notary-revocation`'s `http` feature or the `notary` facade);
//! - verification plugins ([`plugin::VerificationPlugin`]; none by default, so a signature that
//!   needs one fails closed);
//! - the verification time, with every request.
//!
//! ```
//! use std::sync::Arc;
//! use notary_core::{Descriptor, EnvelopeMediaType, KeySpec, Verifier, VerifyRequest};
//! use notary_verifier::{NotaryVerifier, truststore::MemoryTrustStore};
//! use notary_trustpolicy::{OciTrustPolicy, TrustStoreType};
//!
//! let provider = notary_verifier::default_provider();
//! let now = time::macros::datetime!(2026-06-01 12:00 UTC);
//! # let chain = notary_crypto::pki::ChainBuilder::new(KeySpec::EcP256, now).build()?;
//! # let artifact = Descriptor::new("application/vnd.oci.image.manifest.v1+json",
//! #     "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9".parse()?, 942);
//! # use notary_core::{Signer, Payload, SignRequest};
//! # let signer = chain.signer()?;
//! # let unsigned = notary_envelope_cose::prepare(
//! #     &SignRequest::new(Payload::new(artifact.clone()).to_cose_json()?, now), signer.key_spec()?)?;
//! # let raw = signer.sign(unsigned.signing_input())?;
//! # let envelope = unsigned.finish(raw)?;
//! # let root_pem = pem::encode(&pem::Pem::new("CERTIFICATE", chain.root().to_vec()));
//! // The registry vendor's inputs: envelope bytes, a policy document and a trusted root.
//! let mut store = MemoryTrustStore::new(provider);
//! store.add_pem(TrustStoreType::Ca, "acme", root_pem.as_bytes())?;
//! let policy = OciTrustPolicy::from_json(br#"{"version": "1.0", "trustPolicies": [{
//!     "name": "app", "registryScopes": ["registry.example/app"],
//!     "signatureVerification": {"level": "strict"}, "trustStores": ["ca:acme"],
//!     "trustedIdentities": ["x509.subject: C=US, ST=WA, O=Notary"]}]}"#)?;
//! let verifier = NotaryVerifier::new(provider, Arc::new(store)).with_oci_policy(policy);
//!
//! let outcome = verifier.verify(VerifyRequest::oci(
//!     &envelope, EnvelopeMediaType::Cose, "registry.example/app", &artifact, now,
//! ))?;
//! assert!(outcome.is_verified());
//! assert_eq!(outcome.policy_name(), "app");
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

mod envelope;
pub mod plugin;
mod steps;
pub mod truststore;
mod verifier;

pub use envelope::{EnvelopeError, InspectedEnvelope, UnverifiedEnvelope, thumbprints};
pub use notary_core::crypto::CryptoProvider;
pub use notary_core::{
    AppliedPolicy, BlobTarget, CheckResult, CheckStatus, PolicyTarget, SkippedVerification,
    Validation, VerificationError, VerificationLevel, VerificationOutcome, VerifiedSignature,
    Verifier, VerifyRequest, VerifyTarget,
};
pub use notary_revocation::{
    OfflineRevocation, RevocationChecker, RevocationPurpose, RevocationStatus,
};
pub use verifier::{NotaryVerifier, hash_reader};

/// The crypto provider of the enabled backend feature: aws-lc-rs when `aws-lc-rs` is on, else
/// RustCrypto.
#[cfg(feature = "aws-lc-rs")]
pub const fn default_provider() -> CryptoProvider {
    notary_provider_aws_lc_rs::provider()
}

/// The crypto provider of the enabled backend feature: aws-lc-rs when `aws-lc-rs` is on, else
/// RustCrypto.
#[cfg(all(feature = "rustcrypto", not(feature = "aws-lc-rs")))]
pub const fn default_provider() -> CryptoProvider {
    notary_provider_rustcrypto::provider()
}

/// The providers compiled in, by name (`aws-lc-rs`, `rustcrypto`), for tools that let the user
/// choose.
pub fn provider_by_name(name: &str) -> Option<CryptoProvider> {
    match name {
        #[cfg(feature = "aws-lc-rs")]
        "aws-lc-rs" => Some(notary_provider_aws_lc_rs::provider()),
        #[cfg(feature = "rustcrypto")]
        "rustcrypto" => Some(notary_provider_rustcrypto::provider()),
        _ => None,
    }
}
