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

mod cert;
mod chain;
#[cfg(feature = "compat-aws-lc")]
mod compat;
mod curve;
pub mod der;
mod error;
mod name;
pub mod name_constraints;
pub mod policy;
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
    cert::parse_distribution_points(value, false).map_err(|e| Error::Parse {
        reason: format!("invalid distribution points: {e}"),
    })
}
/// Checks a DER Name (the whole SEQUENCE) as Go's certificate and CRL parser reads one
/// (`parseName`): RDN SETs of attributes, each a well-formed OID and a value that is a valid
/// string of a type Go supports; nothing after an attribute's value is read.
///
/// ```
/// // C=US
/// let name = [0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, b'U', b'S'];
/// assert!(notary_x509::validate_name(&name).is_ok());
/// assert!(notary_x509::validate_name(&name[..10]).is_err());
/// ```
pub fn validate_name(raw: &[u8]) -> Result<(), Error> {
    name::validate(raw).map_err(|reason| Error::Parse { reason })
}
pub use read::{TrustStoreType, read_certificates};
pub use signature::key_spec_from_spki;
pub use verifier::X509Verifier;
