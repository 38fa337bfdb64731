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
pub use truststore::Certificate;
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
