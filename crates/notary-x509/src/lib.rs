//! X.509 certificates for notary-rs.
//!
//! - [`Certificate`]: owned DER plus the fields the Notary rules need, parsed once; Go-exact
//!   subject rendering ([`Certificate::subject_string`]), key spec, fingerprints.
//! - [`read_certificates`]: certificate files as Go's notation reads them (PEM blocks, or
//!   concatenated DER).
//! - [`X509Verifier`]: everything that needs cryptography, through a
//!   [`notary_core::crypto::CryptoProvider`] that does only the mathematics (this crate keeps
//!   the policy): the Notary certificate-chain rules
//!   ([`X509Verifier::validate_code_signing_chain`], every violation a distinct [`Error`]
//!   variant), X.509-style and envelope signatures, trust-store and TSA-root checks,
//!   fingerprints, and the [`notary_core::SignatureVerifier`] of the envelope codecs.
//! - Feature `compat-aws-lc` (off by default, transitional): the provider-less free functions
//!   and [`Certificate`] methods of the previous API, on the aws-lc-rs provider.
//!
//! ```
//! use notary_x509::{X509Verifier, read_certificates};
//! let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/chain.pem")).unwrap();
//! let chain = read_certificates(&pem)?;
//! assert_eq!(chain.len(), 3);
//! let x509 = X509Verifier::new(notary_provider_aws_lc_rs::provider());
//! x509.validate_code_signing_chain(&chain, Some(chain[0].not_before()))?;
//! # Ok::<(), notary_x509::Error>(())
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

mod cert;
mod chain;
#[cfg(feature = "compat-aws-lc")]
mod compat;
pub mod der;
mod error;
mod name;
mod read;
mod signature;
mod verifier;

pub use cert::{BasicConstraints, Certificate, ExtendedKeyUsage, KeyUsage};
pub use chain::ChainPurpose;
#[cfg(feature = "compat-aws-lc")]
pub use compat::{
    X509SignatureVerifier, check_trust_store_certificate, validate_chain,
    validate_code_signing_chain, validate_timestamping_chain, validate_tsa_root_certificate,
    verify_raw_signature, verify_signature_with_spki,
};
pub use error::Error;

/// URI full names of a DER `CRLDistributionPoints` (or `FreshestCRL`) extension value, in
/// order; other name forms are skipped.
pub fn distribution_point_urls(value: &[u8]) -> Result<Vec<String>, Error> {
    cert::parse_distribution_points(value).map_err(|e| Error::Parse {
        reason: format!("invalid distribution points: {e}"),
    })
}
pub use read::{TrustStoreType, read_certificates};
pub use signature::key_spec_from_spki;
pub use verifier::X509Verifier;
