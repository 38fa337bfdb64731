//! Envelopes of either format before and after the integrity check.

use notary_core::crypto::{CryptoProvider, HashFunction};
use notary_core::{EnvelopeMediaType, SignerInfo, VerifiedEnvelope};
use notary_envelope_cose::UnverifiedCose;
use notary_envelope_jws::UnverifiedJws;
use notary_x509::{Certificate, X509Verifier};

/// Why an envelope could not be parsed or did not pass the integrity check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The JWS envelope was malformed, broke a header rule, or its signature did not verify.
    #[error("JWS envelope: {0}")]
    Jws(#[source] notary_envelope_jws::Error),
    /// The COSE envelope was malformed, broke a header rule, or its signature did not verify.
    #[error("COSE envelope: {0}")]
    Cose(#[source] notary_envelope_cose::Error),
    /// A certificate could not be parsed or the chain broke a Notary certificate rule.
    #[error("certificate chain: {0}")]
    Certificate(#[source] notary_x509::Error),
}

/// A parsed signature envelope whose signature has not been checked yet. Its payload is only
/// reachable through [`UnverifiedEnvelope::verify_integrity`] (or the explicitly untrusted
/// [`UnverifiedEnvelope::inspect`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum UnverifiedEnvelope {
    /// A JWS envelope.
    Jws(UnverifiedJws),
    /// A COSE envelope.
    Cose(UnverifiedCose),
}

/// What `inspect` shows: the envelope's content, NOT verified.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InspectedEnvelope {
    /// The envelope format.
    pub media_type: EnvelopeMediaType,
    /// The payload bytes as found (untrusted).
    pub payload: Vec<u8>,
    /// The signer information as found (untrusted).
    pub signer_info: SignerInfo,
}

impl UnverifiedEnvelope {
    /// Parses `bytes` as an envelope of format `media_type`.
    pub fn parse(media_type: EnvelopeMediaType, bytes: &[u8]) -> Result<Self, EnvelopeError> {
        // Exhaustive: a new format must be handled here, never mistaken for another.
        match media_type {
            EnvelopeMediaType::Jws => UnverifiedJws::parse(bytes)
                .map(Self::Jws)
                .map_err(EnvelopeError::Jws),
            EnvelopeMediaType::Cose => UnverifiedCose::parse(bytes)
                .map(Self::Cose)
                .map_err(EnvelopeError::Cose),
        }
    }

    /// The envelope format.
    pub fn media_type(&self) -> EnvelopeMediaType {
        match self {
            Self::Jws(_) => EnvelopeMediaType::Jws,
            Self::Cose(_) => EnvelopeMediaType::Cose,
        }
    }

    /// The DER certificate chain as carried (leaf first), unverified.
    pub fn certificate_chain(&self) -> &[Vec<u8>] {
        match self {
            Self::Jws(e) => e.certificate_chain(),
            Self::Cose(e) => e.certificate_chain(),
        }
    }

    /// Checks integrity: the signature over the exact received bytes with the leaf certificate's
    /// key (the declared algorithm must be the one the key implies), the envelope's header rules,
    /// and the Notary certificate-chain rules (without validity periods, as notation does at this
    /// step).
    pub fn verify_integrity(&self, x509: &X509Verifier) -> Result<VerifiedEnvelope, EnvelopeError> {
        self.verify_integrity_with_chain(x509).map(|(v, _)| v)
    }

    /// [`Self::verify_integrity`], also returning the parsed chain so callers need not parse
    /// it again.
    pub fn verify_integrity_with_chain(
        &self,
        x509: &X509Verifier,
    ) -> Result<(VerifiedEnvelope, Vec<Certificate>), EnvelopeError> {
        let verified = match self {
            Self::Jws(e) => e.verify(x509).map_err(EnvelopeError::Jws)?,
            Self::Cose(e) => e.verify(x509).map_err(EnvelopeError::Cose)?,
        };
        let chain = parse_chain(&verified.signer_info().certificate_chain)?;
        x509.validate_code_signing_chain(&chain, None)
            .map_err(EnvelopeError::Certificate)?;
        Ok((verified, chain))
    }

    /// The envelope's content WITHOUT any verification, for display (`inspect`).
    pub fn inspect(&self) -> Result<InspectedEnvelope, EnvelopeError> {
        Ok(match self {
            Self::Jws(e) => {
                let i = e.inspect().map_err(EnvelopeError::Jws)?;
                InspectedEnvelope {
                    media_type: EnvelopeMediaType::Jws,
                    payload: i.payload,
                    signer_info: i.signer_info,
                }
            }
            Self::Cose(e) => {
                let i = e.inspect().map_err(EnvelopeError::Cose)?;
                InspectedEnvelope {
                    media_type: EnvelopeMediaType::Cose,
                    payload: i.payload,
                    signer_info: i.signer_info,
                }
            }
        })
    }

    /// Replaces the unprotected timestamp countersignature (the signature stays valid).
    pub fn set_timestamp_signature(&mut self, token: Vec<u8>) {
        match self {
            Self::Jws(e) => e.set_timestamp_signature(token),
            Self::Cose(e) => e.set_timestamp_signature(token),
        }
    }

    /// Serialises the envelope again (protected bytes, payload and signature unchanged).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Jws(e) => e.to_bytes(),
            Self::Cose(e) => e.to_bytes(),
        }
    }
}

fn parse_chain(ders: &[Vec<u8>]) -> Result<Vec<Certificate>, EnvelopeError> {
    ders.iter()
        .map(|d| Certificate::from_der(d).map_err(EnvelopeError::Certificate))
        .collect()
}

/// The value of the `io.cncf.notary.x509chain.thumbprint#S256` annotation for a chain: a compact
/// JSON array of the lowercase hex SHA-256 of each DER certificate, leaf first.
pub fn thumbprints(provider: &CryptoProvider, chain: &[Vec<u8>]) -> String {
    let hexes: Vec<String> = chain
        .iter()
        .map(|c| hex::encode(provider.hashing.hash(HashFunction::Sha256, c)))
        .collect();
    serde_json::to_string(&hexes).unwrap_or_else(|_| "[]".to_string())
}
