//! The provider-less API of notary-x509 before crypto providers, kept for the crates that
//! have not moved to [`X509Verifier`] yet. Everything here forwards to
//! `X509Verifier::new(notary_provider_aws_lc_rs::provider())`; the feature goes away once
//! every caller passes a provider.

use notary_core::{KeySpec, SignatureAlgorithm, SignatureVerifier};
use time::OffsetDateTime;

use crate::{Certificate, ChainPurpose, Error, TrustStoreType, X509Verifier};

/// The aws-lc-rs verifier behind the shims.
pub(crate) const fn verifier() -> X509Verifier {
    X509Verifier::new(notary_provider_aws_lc_rs::provider())
}

/// [`X509Verifier::verify_signature_with_spki`] on aws-lc-rs.
pub fn verify_signature_with_spki(
    spki_der: &[u8],
    algorithm_identifier_der: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    verifier().verify_signature_with_spki(spki_der, algorithm_identifier_der, signed, signature)
}

/// [`X509Verifier::verify_raw_signature`] on aws-lc-rs.
pub fn verify_raw_signature(
    spki_der: &[u8],
    alg: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    verifier().verify_raw_signature(spki_der, alg, message, signature)
}

/// [`X509Verifier::validate_code_signing_chain`] on aws-lc-rs.
pub fn validate_code_signing_chain(
    chain: &[Certificate],
    at: Option<OffsetDateTime>,
) -> Result<(), Error> {
    verifier().validate_code_signing_chain(chain, at)
}

/// [`X509Verifier::validate_timestamping_chain`] on aws-lc-rs.
pub fn validate_timestamping_chain(
    chain: &[Certificate],
    at: Option<OffsetDateTime>,
) -> Result<(), Error> {
    verifier().validate_timestamping_chain(chain, at)
}

/// [`X509Verifier::validate_chain`] on aws-lc-rs.
pub fn validate_chain(
    chain: &[Certificate],
    purpose: ChainPurpose,
    at: Option<OffsetDateTime>,
) -> Result<(), Error> {
    verifier().validate_chain(chain, purpose, at)
}

/// [`X509Verifier::check_trust_store_certificate`] on aws-lc-rs.
pub fn check_trust_store_certificate(
    cert: &Certificate,
    store: TrustStoreType,
) -> Result<(), Error> {
    verifier().check_trust_store_certificate(cert, store)
}

/// [`X509Verifier::validate_tsa_root_certificate`] on aws-lc-rs.
pub fn validate_tsa_root_certificate(bytes: &[u8]) -> Result<Certificate, Error> {
    verifier().validate_tsa_root_certificate(bytes)
}

/// The aws-lc-rs [`X509Verifier`] as the unit struct of the provider-less API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct X509SignatureVerifier;

impl SignatureVerifier for X509SignatureVerifier {
    fn key_spec_of_certificate(&self, certificate: &[u8]) -> Result<KeySpec, notary_core::Error> {
        verifier().key_spec_of_certificate(certificate)
    }

    fn verify_signature(
        &self,
        certificate: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), notary_core::Error> {
        verifier().verify_signature(certificate, algorithm, message, signature)
    }
}
