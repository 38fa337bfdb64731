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

mod cbor;
mod error;
mod headers;
mod item;
mod message;

pub use error::Error;
pub use item::{CborItem, decode_item};
pub use message::{
    InspectedCose, MAX_CHAIN_LEN, MAX_ENVELOPE_SIZE, UnprotectedHeaders, UnverifiedCose,
    encode_sign1, sig_structure,
};

use notary_core::{KeySpec, RawSignature, SignRequest, SignatureAlgorithm, Signer};

/// Media type of COSE envelopes.
pub const MEDIA_TYPE: &str = "application/cose";

/// Encodes the protected header map notation-go would produce for `request` signed with `alg`:
/// `alg` (1), `crit` (2), content type (3), `io.cncf.notary.signingScheme`, the scheme's time
/// header as tag 1 integer seconds (truncated), `io.cncf.notary.expiry` when set, and the
/// extended attributes. `crit` lists the signing scheme, the authentic signing time (signing
/// authority scheme), the expiry, then the critical extended attributes in request order.
///
/// Fails when the content type is not a `type/subtype` media type, the expiry is not after the
/// signing time, or an extended attribute is reserved, duplicated or not encodable.
pub fn protected_header_bytes(
    request: &SignRequest,
    alg: SignatureAlgorithm,
) -> Result<Vec<u8>, Error> {
    headers::build_protected(request, alg)
}

/// Signs `request` with `signer` and returns the `COSE_Sign1_Tagged` envelope.
///
/// The algorithm is the one implied by the signer's key spec. The unprotected header carries the
/// signer's certificate chain (label 33, always an array) and the request's signing agent
/// (omitted when empty, as notation does). The codec cannot parse certificates: callers that
/// want to be sure the chain's leaf matches the key should verify the result with
/// [`UnverifiedCose::verify`]. Equivalent to [`prepare`], [`Signer::sign`] over
/// [`UnsignedCose::signing_input`], then [`UnsignedCose::finish`].
pub fn sign(request: &SignRequest, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
    if request.payload.is_empty() {
        return Err(Error::EmptyPayload);
    }
    let key_spec = signer.key_spec().map_err(|e| Error::SigningFailed {
        reason: e.to_string(),
    })?;
    let unsigned = prepare(request, key_spec)?;
    let raw = signer
        .sign(unsigned.signing_input())
        .map_err(|e| Error::SigningFailed {
            reason: e.to_string(),
        })?;
    unsigned.finish(raw)
}

/// The first phase of signing: fixes the protected header (the algorithm `key_spec` implies)
/// and the payload, and gives the `Sig_structure` bytes to sign. The codec never calls a
/// signer: the caller signs [`UnsignedCose::signing_input`] however it likes and passes the
/// result to [`UnsignedCose::finish`].
pub fn prepare(request: &SignRequest, key_spec: KeySpec) -> Result<UnsignedCose, Error> {
    if request.payload.is_empty() {
        return Err(Error::EmptyPayload);
    }
    let alg = key_spec.signature_algorithm();
    let protected = protected_header_bytes(request, alg)?;
    let to_be_signed = sig_structure(&protected, &request.payload);
    Ok(UnsignedCose {
        alg,
        protected,
        payload: request.payload.clone(),
        to_be_signed,
        signing_agent: request.signing_agent.clone().filter(|a| !a.is_empty()),
    })
}

/// A `COSE_Sign1` envelope whose protected header and payload are fixed and whose signature is
/// missing. Made by [`prepare`].
#[derive(Debug, Clone)]
pub struct UnsignedCose {
    alg: SignatureAlgorithm,
    protected: Vec<u8>,
    payload: Vec<u8>,
    to_be_signed: Vec<u8>,
    signing_agent: Option<String>,
}

impl UnsignedCose {
    /// The bytes to sign: the CBOR `Sig_structure` (`"Signature1"`, protected header, empty
    /// external AAD, payload).
    pub fn signing_input(&self) -> &[u8] {
        &self.to_be_signed
    }

    /// The signature algorithm the protected header declares.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    /// Completes the envelope with `raw`: a non-empty signature over
    /// [`UnsignedCose::signing_input`] (ECDSA as fixed-width `r || s` of the algorithm's length)
    /// and a non-empty certificate chain, leaf first.
    pub fn finish(self, raw: RawSignature) -> Result<Vec<u8>, Error> {
        let alg = self.alg;
        if raw.signature.is_empty() {
            return Err(Error::EmptySignature);
        }
        if let Some(expected) = alg.ecdsa_signature_len()
            && raw.signature.len() != expected
        {
            return Err(Error::InvalidSignatureLength {
                algorithm: alg.to_string(),
                expected,
                found: raw.signature.len(),
            });
        }
        if raw.certificate_chain.is_empty() {
            return Err(Error::EmptyCertificateChain);
        }
        // An envelope that parse would refuse is never written.
        if raw.certificate_chain.len() > MAX_CHAIN_LEN {
            return Err(Error::CertificateChainTooLong {
                count: raw.certificate_chain.len(),
                max: MAX_CHAIN_LEN,
            });
        }
        let unprotected = UnprotectedHeaders {
            certificate_chain: raw.certificate_chain,
            timestamp_signature: None,
            signing_agent: self.signing_agent,
        };
        Ok(encode_sign1(
            &self.protected,
            &unprotected,
            &self.payload,
            &raw.signature,
        ))
    }
}
