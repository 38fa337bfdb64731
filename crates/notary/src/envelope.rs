use notary_core::{EnvelopeMediaType, SignerInfo, VerifiedEnvelope};
use notary_envelope_cose::UnverifiedCose;
use notary_envelope_jws::UnverifiedJws;
use notary_x509::{Certificate, X509SignatureVerifier};

use crate::error::Error;

/// A parsed signature envelope whose signature has not been checked yet. Its payload is only
/// reachable through [`UnverifiedEnvelope::verify_integrity`] (or the explicitly untrusted
/// [`UnverifiedEnvelope::inspect`]).
#[derive(Debug, Clone)]
pub enum UnverifiedEnvelope {
    /// A JWS envelope.
    Jws(UnverifiedJws),
    /// A COSE envelope.
    Cose(UnverifiedCose),
}

/// What `inspect` shows: the envelope's content, NOT verified.
#[derive(Debug, Clone)]
pub struct InspectedEnvelope {
    /// The envelope format.
    pub media_type: EnvelopeMediaType,
    /// The payload bytes as found (untrusted).
    pub payload: Vec<u8>,
    /// The signer information as found (untrusted).
    pub signer_info: SignerInfo,
}

impl UnverifiedEnvelope {
    /// Parses `bytes` as the envelope format named by `media_type`.
    pub fn parse(media_type: &str, bytes: &[u8]) -> Result<Self, Error> {
        match media_type.parse::<EnvelopeMediaType>() {
            Ok(EnvelopeMediaType::Jws) => Ok(Self::Jws(UnverifiedJws::parse(bytes)?)),
            Ok(EnvelopeMediaType::Cose) => Ok(Self::Cose(UnverifiedCose::parse(bytes)?)),
            _ => Err(Error::UnsupportedMediaType {
                media_type: media_type.to_string(),
            }),
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
    pub fn verify_integrity(&self) -> Result<VerifiedEnvelope, Error> {
        self.verify_integrity_with_chain().map(|(v, _)| v)
    }

    /// [`Self::verify_integrity`], also returning the parsed chain so callers need not parse
    /// it again.
    pub(crate) fn verify_integrity_with_chain(
        &self,
    ) -> Result<(VerifiedEnvelope, Vec<Certificate>), Error> {
        let verifier = X509SignatureVerifier;
        let verified = match self {
            Self::Jws(e) => e.verify(&verifier)?,
            Self::Cose(e) => e.verify(&verifier)?,
        };
        let chain = parse_chain(&verified.signer_info().certificate_chain)?;
        notary_x509::validate_code_signing_chain(&chain, None)?;
        Ok((verified, chain))
    }

    /// The envelope's content WITHOUT any verification, for display (`inspect`).
    pub fn inspect(&self) -> Result<InspectedEnvelope, Error> {
        Ok(match self {
            Self::Jws(e) => {
                let i = e.inspect()?;
                InspectedEnvelope {
                    media_type: EnvelopeMediaType::Jws,
                    payload: i.payload,
                    signer_info: i.signer_info,
                }
            }
            Self::Cose(e) => {
                let i = e.inspect()?;
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

pub(crate) fn parse_chain(ders: &[Vec<u8>]) -> Result<Vec<Certificate>, Error> {
    ders.iter()
        .map(|d| Certificate::from_der(d).map_err(Error::from))
        .collect()
}

/// The value of the `io.cncf.notary.x509chain.thumbprint#S256` annotation for a chain: a compact
/// JSON array of the lowercase hex SHA-256 of each DER certificate, leaf first.
pub fn thumbprints(chain: &[Vec<u8>]) -> String {
    use sha2::Digest as _;
    let hexes: Vec<String> = chain
        .iter()
        .map(|c| hex::encode(sha2::Sha256::digest(c)))
        .collect();
    serde_json::to_string(&hexes).unwrap_or_else(|_| "[]".to_string())
}
