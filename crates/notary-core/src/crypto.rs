//! The cryptographic boundary: what a backend (a *crypto provider*) must do for notary-rs.
//!
//! notary-rs never calls a cryptographic library directly from its parsing and policy crates.
//! They take a [`CryptoProvider`], a `Copy` value made of `&'static` trait objects, in the style
//! of rustls' `CryptoProvider`, and call it for the mathematics only:
//!
//! - [`SignatureVerification`]: does this signature verify with this public key under this
//!   [`SignatureKind`]? Policy (which algorithm identifiers are allowed, PSS parameters, the
//!   binding of a key to an algorithm, refusing SHA-1 in signatures) stays with the caller.
//! - [`Hashing`]: SHA-1 (digests only: OCSP CertIDs, legacy fingerprints), SHA-256/384/512,
//!   one-shot or streamed through a [`Hasher`].
//! - [`SecureRandom`]: nonces and salts.
//! - [`KeyProvider`] (optional): loads a private key into a [`SigningKey`] that signs with the
//!   Notary algorithm implied by its [`KeySpec`].
//!
//! There is no global default provider: every API that needs cryptography takes the provider
//! explicitly, so one process can use two backends side by side (as the parity tests do).
//! The backends are the crates `notary-provider-aws-lc-rs` (the default) and
//! `notary-provider-rustcrypto` (pure Rust, no C toolchain); each exposes `provider()`.

use std::fmt;

use crate::digest::DigestAlgorithm;
use crate::keyspec::{KeySpec, SignatureAlgorithm};

/// A boxed error from a backend, kept as the source of [`CryptoError::Backend`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A hash function a provider computes.
///
/// Closed on purpose (not `#[non_exhaustive]`): [`Hashing::start`] is infallible, so every
/// provider computes every hash listed here, and a new one is a breaking change for providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashFunction {
    /// SHA-1, for digests only (OCSP CertID, legacy fingerprints). Providers refuse it inside
    /// every [`SignatureKind`].
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashFunction {
    /// Length of the digest in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The conventional name (`SHA-1`, `SHA-256`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }
}

impl fmt::Display for HashFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<DigestAlgorithm> for HashFunction {
    fn from(d: DigestAlgorithm) -> Self {
        match d {
            DigestAlgorithm::Sha256 => Self::Sha256,
            DigestAlgorithm::Sha384 => Self::Sha384,
            DigestAlgorithm::Sha512 => Self::Sha512,
        }
    }
}

/// The signature scheme a [`SignatureVerification::verify`] call checks.
///
/// The caller has already decided that the scheme is acceptable for the key and the context;
/// the provider only refuses what it cannot or must not compute (any SHA-1 kind, an Ed25519
/// kind with an RSA key, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureKind {
    /// RSASSA-PKCS1-v1_5 (certificates, CRLs, OCSP responses, CMS).
    RsaPkcs1v15(HashFunction),
    /// RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash (the only PSS
    /// parameters Notary and Go accept; the caller has checked the encoded parameters).
    RsaPss(HashFunction),
    /// ECDSA with an X.509-style DER `SEQUENCE { r INTEGER, s INTEGER }` signature.
    EcdsaDer(HashFunction),
    /// ECDSA with a fixed-width `r || s` signature (each half as long as the curve's field),
    /// as in Notary JWS and COSE envelopes.
    EcdsaFixed(HashFunction),
    /// Ed25519 (RFC 8032, the message is not pre-hashed).
    Ed25519,
}

impl SignatureKind {
    /// The hash function of the scheme; `None` for Ed25519.
    pub const fn hash(self) -> Option<HashFunction> {
        match self {
            Self::RsaPkcs1v15(h) | Self::RsaPss(h) | Self::EcdsaDer(h) | Self::EcdsaFixed(h) => {
                Some(h)
            }
            Self::Ed25519 => None,
        }
    }
}

impl From<SignatureAlgorithm> for SignatureKind {
    /// The scheme of a Notary envelope algorithm (PSS, or ECDSA with `r || s`).
    fn from(alg: SignatureAlgorithm) -> Self {
        let hash = HashFunction::from(alg.hash_algorithm());
        match alg {
            SignatureAlgorithm::RsaPssSha256
            | SignatureAlgorithm::RsaPssSha384
            | SignatureAlgorithm::RsaPssSha512 => Self::RsaPss(hash),
            SignatureAlgorithm::EcdsaSha256
            | SignatureAlgorithm::EcdsaSha384
            | SignatureAlgorithm::EcdsaSha512 => Self::EcdsaFixed(hash),
        }
    }
}

/// A NIST elliptic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EcCurve {
    /// P-256 (secp256r1).
    P256,
    /// P-384 (secp384r1).
    P384,
    /// P-521 (secp521r1).
    P521,
}

impl EcCurve {
    /// Length in bytes of a field element or scalar (32, 48 or 66); an `r || s` signature
    /// is twice this.
    pub const fn field_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
            Self::P521 => 66,
        }
    }

    /// Length in bytes of an uncompressed SEC1 point (`0x04 || X || Y`).
    pub const fn uncompressed_point_len(self) -> usize {
        match self {
            Self::P256 => 65,
            Self::P384 => 97,
            Self::P521 => 133,
        }
    }

    /// The curve's name (`P-256`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::P521 => "P-521",
        }
    }
}

/// A public key, as decoded from a SubjectPublicKeyInfo by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKey<'a> {
    /// RSA. Both integers are unsigned big-endian; providers ignore leading zero bytes.
    Rsa {
        /// The modulus `n`.
        modulus: &'a [u8],
        /// The public exponent `e`.
        exponent: &'a [u8],
    },
    /// ECDSA on a named curve.
    Ec {
        /// The curve.
        curve: EcCurve,
        /// The SEC1 uncompressed point `0x04 || X || Y`; providers refuse compressed points.
        point: &'a [u8],
    },
    /// Ed25519.
    Ed25519 {
        /// The 32-byte public key.
        key: &'a [u8],
    },
}

impl PublicKey<'_> {
    /// A short description for messages (`RSA`, `EC P-256`, `Ed25519`), without key bytes.
    pub fn describe(&self) -> String {
        match self {
            Self::Rsa { .. } => "RSA".into(),
            Self::Ec { curve, .. } => format!("EC {}", curve.name()),
            Self::Ed25519 { .. } => "Ed25519".into(),
        }
    }
}

/// A DER private key in one of the encodings a PEM label names.
///
/// `Debug` prints the encoding and length only, never the key.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrivateKeyDer<'a> {
    /// PKCS#8 `PrivateKeyInfo` (`-----BEGIN PRIVATE KEY-----`), RSA or EC.
    Pkcs8(&'a [u8]),
    /// PKCS#1 `RSAPrivateKey` (`-----BEGIN RSA PRIVATE KEY-----`).
    Pkcs1(&'a [u8]),
    /// SEC1 `ECPrivateKey` (`-----BEGIN EC PRIVATE KEY-----`).
    Sec1(&'a [u8]),
}

impl PrivateKeyDer<'_> {
    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        match *self {
            Self::Pkcs8(d) | Self::Pkcs1(d) | Self::Sec1(d) => d,
        }
    }

    /// The name of the encoding (`PKCS#8`, `PKCS#1`, `SEC1`).
    pub fn encoding(&self) -> &'static str {
        match self {
            Self::Pkcs8(_) => "PKCS#8",
            Self::Pkcs1(_) => "PKCS#1",
            Self::Sec1(_) => "SEC1",
        }
    }
}

impl fmt::Debug for PrivateKeyDer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        write!(
            f,
            "PrivateKeyDer::{}({} bytes)",
            self.encoding(),
            self.der().len()
        )
    }
}

/// Errors of a crypto provider.
///
/// A signature that does not verify is [`CryptoError::BadSignature`] with no detail, on
/// purpose: the reason (bad padding, wrong length, point not on the curve...) is not given to
/// callers, who add their own context (which certificate, which algorithm).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The provider does not implement this scheme, hash, curve or key type, or refuses it
    /// (every SHA-1 signature kind).
    #[error("unsupported by the crypto provider: {what}")]
    Unsupported {
        /// What was asked for.
        what: String,
    },
    /// A public or private key is malformed, of the wrong type for the request, or outside the
    /// sizes the provider accepts.
    #[error("invalid key: {reason}")]
    InvalidKey {
        /// Why the key was refused (never the key itself).
        reason: String,
    },
    /// The backend failed for another reason (random source, internal error).
    #[error("crypto backend error: {0}")]
    Backend(#[source] BoxError),
}

/// Signature verification: the mathematics only.
pub trait SignatureVerification: Send + Sync + fmt::Debug {
    /// Verifies `signature` over `message` with `key` under `kind`.
    ///
    /// Callers (notary-x509) have applied every policy rule before. Implementations must refuse
    /// every SHA-1 kind ([`CryptoError::Unsupported`]), refuse a key of the wrong type for
    /// `kind` ([`CryptoError::InvalidKey`]), accept RSA moduli of 2048 to 8192 bits with an odd
    /// exponent `3 <= e < 2^31`, refuse compressed EC points, accept high-S ECDSA signatures
    /// (as Go does), and return [`CryptoError::BadSignature`] for everything else that fails.
    fn verify(
        &self,
        kind: SignatureKind,
        key: &PublicKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
}

/// Hashing, one-shot or streamed.
pub trait Hashing: Send + Sync + fmt::Debug {
    /// A streaming hasher for `hash`.
    fn start(&self, hash: HashFunction) -> Box<dyn Hasher>;

    /// The digest of `data` in one go.
    fn hash(&self, hash: HashFunction, data: &[u8]) -> Vec<u8> {
        let mut h = self.start(hash);
        h.update(data);
        h.finish()
    }
}

/// A streaming hash computation started by [`Hashing::start`].
pub trait Hasher: Send {
    /// Feeds `data`.
    fn update(&mut self, data: &[u8]);
    /// The digest of everything fed.
    fn finish(self: Box<Self>) -> Vec<u8>;
}

/// A cryptographically secure random source.
pub trait SecureRandom: Send + Sync + fmt::Debug {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError>;
}

/// Loads private keys for signing.
pub trait KeyProvider: Send + Sync + fmt::Debug {
    /// Loads `key`. It must be one of the six Notary key specs (RSA 2048/3072/4096, EC
    /// P-256/P-384/P-521); anything else is [`CryptoError::InvalidKey`] or
    /// [`CryptoError::Unsupported`].
    fn load_private_key(&self, key: PrivateKeyDer<'_>) -> Result<Box<dyn SigningKey>, CryptoError>;
}

/// A loaded private key. Its `Debug` never prints key material.
pub trait SigningKey: Send + Sync + fmt::Debug {
    /// The key's Notary key spec.
    fn key_spec(&self) -> KeySpec;

    /// The public key as it appears in the content of a certificate's subjectPublicKey
    /// BIT STRING (a PKCS#1 `RSAPublicKey`, or a SEC1 uncompressed point), so callers can match
    /// it against the leaf certificate.
    fn public_key(&self) -> Vec<u8>;

    /// Signs `message` with the algorithm implied by [`SigningKey::key_spec`]: RSASSA-PSS
    /// (salt = hash length), or ECDSA with a fixed-width `r || s` signature.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// A cryptographic backend: a `Copy` value passed explicitly to every API that needs it.
///
/// Unlike rustls there is no process-wide default to install; pick one with
/// `notary_provider_aws_lc_rs::provider()` or `notary_provider_rustcrypto::provider()`.
///
/// A backend is a set of `'static` implementations. This one is a stand-in that hashes
/// nothing and accepts no signature, to show the shape:
///
/// ```
/// use notary_core::crypto::{
///     CryptoError, CryptoProvider, HashFunction, Hasher, Hashing, PublicKey, SecureRandom,
///     SignatureKind, SignatureVerification,
/// };
///
/// #[derive(Debug)]
/// struct Nothing;
/// struct NoHasher;
/// impl Hasher for NoHasher {
///     fn update(&mut self, _: &[u8]) {}
///     fn finish(self: Box<Self>) -> Vec<u8> { Vec::new() }
/// }
/// impl Hashing for Nothing {
///     fn start(&self, _: HashFunction) -> Box<dyn Hasher> { Box::new(NoHasher) }
/// }
/// impl SignatureVerification for Nothing {
///     fn verify(&self, kind: SignatureKind, _: &PublicKey<'_>, _: &[u8], _: &[u8])
///         -> Result<(), CryptoError> {
///         Err(CryptoError::Unsupported { what: format!("{kind:?}") })
///     }
/// }
/// impl SecureRandom for Nothing {
///     fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
///         Err(CryptoError::Unsupported { what: "randomness".into() })
///     }
/// }
///
/// const NOTHING: CryptoProvider = CryptoProvider::new("nothing", &Nothing, &Nothing, &Nothing);
///
/// // Callers take the provider by value or reference and never name a backend.
/// fn check(provider: &CryptoProvider, key: &PublicKey<'_>, msg: &[u8], sig: &[u8]) -> bool {
///     provider.signatures.verify(SignatureKind::RsaPss(HashFunction::Sha256), key, msg, sig).is_ok()
/// }
///
/// let key = PublicKey::Ed25519 { key: &[0; 32] };
/// assert!(!check(&NOTHING, &key, b"message", &[0; 64]));
/// assert_eq!(NOTHING.name, "nothing");
/// assert!(NOTHING.keys.is_none());
/// assert!(matches!(
///     NOTHING.load_private_key(notary_core::crypto::PrivateKeyDer::Pkcs8(&[])),
///     Err(CryptoError::Unsupported { .. })
/// ));
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CryptoProvider {
    /// A short name for logs and messages (`aws-lc-rs`, `rustcrypto`).
    pub name: &'static str,
    /// Signature verification.
    pub signatures: &'static dyn SignatureVerification,
    /// Hash functions.
    pub hashing: &'static dyn Hashing,
    /// Random numbers.
    pub random: &'static dyn SecureRandom,
    /// Private-key loading for signing; `None` for a verification-only provider.
    pub keys: Option<&'static dyn KeyProvider>,
}

impl CryptoProvider {
    /// A verification-only provider (no [`KeyProvider`]).
    pub const fn new(
        name: &'static str,
        signatures: &'static dyn SignatureVerification,
        hashing: &'static dyn Hashing,
        random: &'static dyn SecureRandom,
    ) -> Self {
        Self {
            name,
            signatures,
            hashing,
            random,
            keys: None,
        }
    }

    /// The same provider with a [`KeyProvider`].
    pub const fn with_keys(self, keys: &'static dyn KeyProvider) -> Self {
        Self {
            keys: Some(keys),
            ..self
        }
    }

    /// Loads a private key with [`CryptoProvider::keys`];
    /// [`CryptoError::Unsupported`] when this provider cannot load keys.
    pub fn load_private_key(
        &self,
        key: PrivateKeyDer<'_>,
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        match self.keys {
            Some(k) => k.load_private_key(key),
            None => Err(CryptoError::Unsupported {
                what: format!("private keys (the {} provider verifies only)", self.name),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_algorithms_map_to_fixed_ecdsa_and_pss() {
        assert_eq!(
            SignatureKind::from(SignatureAlgorithm::EcdsaSha384),
            SignatureKind::EcdsaFixed(HashFunction::Sha384)
        );
        assert_eq!(
            SignatureKind::from(SignatureAlgorithm::RsaPssSha512),
            SignatureKind::RsaPss(HashFunction::Sha512)
        );
        assert_eq!(SignatureKind::Ed25519.hash(), None);
        for spec in KeySpec::ALL {
            let kind = SignatureKind::from(spec.signature_algorithm());
            assert_eq!(
                kind.hash().map(HashFunction::output_len),
                Some(spec.hash_algorithm().output_len())
            );
        }
    }

    #[test]
    fn private_key_debug_hides_the_key() {
        let k = PrivateKeyDer::Sec1(&[0x30, 0x77, 0x02, 0x01, 0x01, 0xAB]);
        assert_eq!(format!("{k:?}"), "PrivateKeyDer::SEC1(6 bytes)");
    }

    #[test]
    fn curve_lengths() {
        for c in [EcCurve::P256, EcCurve::P384, EcCurve::P521] {
            assert_eq!(c.uncompressed_point_len(), 2 * c.field_len() + 1);
        }
        assert_eq!(
            HashFunction::from(DigestAlgorithm::Sha384),
            HashFunction::Sha384
        );
    }
}
