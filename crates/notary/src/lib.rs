//! notary-rs: sign and verify Notary Project signatures, byte-compatible with `notation`.
//!
//! This facade ties the codecs (`notary-envelope-jws`, `notary-envelope-cose`) to the
//! certificate rules and crypto backend (`notary-x509`):
//! - [`sign_artifact`] builds the Notary payload for a descriptor and produces a signed envelope,
//!   re-verifying what the signer returned before handing it out;
//! - [`UnverifiedEnvelope`] parses an envelope of either format and
//!   [`UnverifiedEnvelope::verify_integrity`] checks its signature with the leaf key (algorithm bound
//!   to the key), its header rules and the certificate-chain rules.
//!
//! Trust decisions (trust store, trust policy, identity, expiry, timestamp, revocation) are made
//! by the verifier built on top of this.
#![forbid(unsafe_code)]

pub mod artifact;
mod envelope;
mod error;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod inspect;
pub mod revocation;
mod signing;
pub mod truststore;
pub mod verifier;

pub use envelope::{InspectedEnvelope, UnverifiedEnvelope, thumbprints};
pub use error::Error;
pub use notary_core as core;
pub use notary_core::{
    Descriptor, Digest, EnvelopeMediaType, KeySpec, Payload, SignatureAlgorithm, Signer,
    SigningScheme, VerifiedEnvelope,
};
pub use notary_trustpolicy as trustpolicy;
pub use signing::{SignOptions, SignedEnvelope, sign_artifact, sign_envelope};
pub use verifier::{
    BlobTarget, CheckResult, CheckStatus, Validation, VerificationError, VerificationOutcome,
    Verifier,
};
