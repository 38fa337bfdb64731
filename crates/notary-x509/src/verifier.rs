//! The crypto-backed [`notary_core::SignatureVerifier`] used by the envelope codecs.

use notary_core::{KeySpec, SignatureAlgorithm, SignatureVerifier};

use crate::cert::locate_spki;
use crate::error::Error;
use crate::signature::{parse_spki, verify_raw_with_key};

/// Verifies envelope signatures with the public key of a DER certificate.
///
/// Each call walks the certificate's outer DER just far enough to find its public key (no
/// copy, no full parse), binds the declared algorithm to the key's spec, then runs one
/// aws-lc-rs verification. A declared algorithm that the key does not imply fails with
/// [`notary_core::Error::SignatureInvalid`] naming both, before any cryptography.
///
/// ```
/// use notary_core::{SignatureAlgorithm, SignatureVerifier};
/// use notary_x509::X509SignatureVerifier;
/// let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap();
/// let v = X509SignatureVerifier;
/// assert_eq!(v.key_spec_of_certificate(&der)?, notary_core::KeySpec::Rsa2048);
/// let err = v.verify_signature(&der, SignatureAlgorithm::EcdsaSha256, b"m", &[0; 64]).unwrap_err();
/// assert!(err.to_string().contains("ECDSA-SHA-256"));
/// # Ok::<(), notary_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct X509SignatureVerifier;

fn to_core(e: Error) -> notary_core::Error {
    match e {
        Error::Parse { reason } => notary_core::Error::InvalidCertificate { reason },
        Error::UnsupportedKey { reason } => notary_core::Error::UnsupportedKey { reason },
        other => notary_core::Error::SignatureInvalid {
            reason: other.to_string(),
        },
    }
}

impl SignatureVerifier for X509SignatureVerifier {
    fn key_spec_of_certificate(&self, certificate: &[u8]) -> Result<KeySpec, notary_core::Error> {
        let spki = locate_spki(certificate).map_err(to_core)?;
        parse_spki(spki).and_then(|k| k.key_spec()).map_err(to_core)
    }

    fn verify_signature(
        &self,
        certificate: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), notary_core::Error> {
        let spki = locate_spki(certificate).map_err(to_core)?;
        let key = parse_spki(spki).map_err(to_core)?;
        let spec = key.key_spec().map_err(to_core)?;
        if spec.signature_algorithm() != algorithm {
            return Err(notary_core::Error::SignatureInvalid {
                reason: format!(
                    "declared signature algorithm {algorithm} does not match the signing certificate's {spec} key (which requires {})",
                    spec.signature_algorithm()
                ),
            });
        }
        verify_raw_with_key(&key, algorithm, message, signature).map_err(to_core)
    }
}
