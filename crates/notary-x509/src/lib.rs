//! X.509 certificates for notary-rs.
//!
//! - [`Certificate`]: owned DER plus the fields the Notary rules need, parsed once; Go-exact
//!   subject rendering ([`Certificate::subject_string`]), key spec, fingerprints.
//! - [`read_certificates`]: certificate files as Go's notation reads them (PEM blocks, or
//!   concatenated DER).
//! - [`validate_code_signing_chain`] / [`validate_timestamping_chain`]: the Notary
//!   certificate-chain rules, every violation a distinct [`Error`] variant.
//! - [`verify_signature_with_spki`] (X.509-style signatures), [`verify_raw_signature`]
//!   (envelope signatures) and [`X509SignatureVerifier`], the aws-lc-rs backed
//!   [`notary_core::SignatureVerifier`].
//! - [`validate_tsa_root_certificate`] and [`check_trust_store_certificate`].
//!
//! ```
//! use notary_x509::{read_certificates, validate_code_signing_chain};
//! let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/chain.pem")).unwrap();
//! let chain = read_certificates(&pem)?;
//! assert_eq!(chain.len(), 3);
//! validate_code_signing_chain(&chain, Some(chain[0].not_before()))?;
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
pub mod der;
mod error;
mod name;
mod read;
mod signature;
mod verifier;

pub use cert::{BasicConstraints, Certificate, ExtendedKeyUsage, KeyUsage};
pub use chain::{
    ChainPurpose, validate_chain, validate_code_signing_chain, validate_timestamping_chain,
};
pub use error::Error;

/// URI full names of a DER `CRLDistributionPoints` (or `FreshestCRL`) extension value, in
/// order; other name forms are skipped.
pub fn distribution_point_urls(value: &[u8]) -> Result<Vec<String>, Error> {
    cert::parse_distribution_points(value).map_err(|e| Error::Parse {
        reason: format!("invalid distribution points: {e}"),
    })
}
pub use read::{
    TrustStoreType, check_trust_store_certificate, read_certificates, validate_tsa_root_certificate,
};
pub use signature::{key_spec_from_spki, verify_raw_signature, verify_signature_with_spki};
pub use verifier::X509SignatureVerifier;
