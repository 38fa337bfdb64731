//! The default crypto provider of notary-rs, on [aws-lc-rs](https://docs.rs/aws-lc-rs).
//!
//! [`provider()`] returns a [`CryptoProvider`] that verifies every
//! [`SignatureKind`](notary_core::crypto::SignatureKind) notary-rs uses (RSA PKCS#1 v1.5 and
//! PSS with SHA-256/384/512 for 2048- to 8192-bit keys, ECDSA on P-256/384/521 with any of the
//! three hashes in DER or fixed `r || s` form, Ed25519), hashes with SHA-1/256/384/512, draws
//! random bytes from the system, and loads the six Notary key specs from PKCS#8, PKCS#1 (RSA)
//! and SEC1 (EC) DER for signing.
//!
//! aws-lc-rs builds AWS-LC, a C library, so this crate needs a C toolchain (and CMake on some
//! targets). `notary-provider-rustcrypto` is the pure-Rust alternative.
//!
//! ```
//! use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
//! use notary_core::crypto::{EcCurve, HashFunction, PrivateKeyDer, PublicKey, SignatureKind};
//!
//! let provider = notary_provider_aws_lc_rs::provider();
//! assert_eq!(provider.name, "aws-lc-rs");
//!
//! // Load a P-256 key (PKCS#8) and sign: ES256, fixed-width r || s.
//! let rng = aws_lc_rs::rand::SystemRandom::new();
//! let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
//! let key = provider.load_private_key(PrivateKeyDer::Pkcs8(pkcs8.as_ref()))?;
//! assert_eq!(key.key_spec(), notary_core::KeySpec::EcP256);
//! let signature = key.sign(b"signing input")?;
//! assert_eq!(signature.len(), 64);
//!
//! // Verify it with the public key (the SEC1 point of the certificate).
//! let point = key.public_key();
//! let public = PublicKey::Ec { curve: EcCurve::P256, point: &point };
//! let kind = SignatureKind::EcdsaFixed(HashFunction::Sha256);
//! provider.signatures.verify(kind, &public, b"signing input", &signature)?;
//! assert!(provider.signatures.verify(kind, &public, b"other input", &signature).is_err());
//!
//! // Hashing.
//! let digest = provider.hashing.hash(HashFunction::Sha256, b"abc");
//! assert_eq!(digest[..4], [0xba, 0x78, 0x16, 0xbf]);
//! # Ok::<(), notary_core::crypto::CryptoError>(())
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

mod keys;
mod verify;

use aws_lc_rs::digest;
use notary_core::crypto::{
    CryptoError, CryptoProvider, HashFunction, Hasher, Hashing, SecureRandom,
};

/// The aws-lc-rs provider, with key loading.
pub const fn provider() -> CryptoProvider {
    CryptoProvider::new("aws-lc-rs", &verify::Signatures, &Hashes, &Random).with_keys(&keys::Keys)
}

/// [`Hashing`] on `aws_lc_rs::digest`.
#[derive(Debug)]
struct Hashes;

struct LcHasher(digest::Context);

impl Hasher for LcHasher {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finish(self: Box<Self>) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

impl Hashing for Hashes {
    fn start(&self, hash: HashFunction) -> Box<dyn Hasher> {
        let alg = match hash {
            // Digest-only uses (OCSP CertID, fingerprints); signatures never reach this.
            HashFunction::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashFunction::Sha256 => &digest::SHA256,
            HashFunction::Sha384 => &digest::SHA384,
            HashFunction::Sha512 => &digest::SHA512,
        };
        Box::new(LcHasher(digest::Context::new(alg)))
    }

    fn hash(&self, hash: HashFunction, data: &[u8]) -> Vec<u8> {
        let alg = match hash {
            HashFunction::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashFunction::Sha256 => &digest::SHA256,
            HashFunction::Sha384 => &digest::SHA384,
            HashFunction::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }
}

/// [`SecureRandom`] on `aws_lc_rs::rand::SystemRandom`.
#[derive(Debug)]
struct Random;

impl SecureRandom for Random {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        aws_lc_rs::rand::fill(dest).map_err(|e| CryptoError::Backend(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_fills() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        provider().random.fill(&mut a).unwrap();
        provider().random.fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }

    #[test]
    fn streamed_equals_one_shot() {
        let p = provider();
        for h in [
            HashFunction::Sha1,
            HashFunction::Sha256,
            HashFunction::Sha384,
            HashFunction::Sha512,
        ] {
            let mut s = p.hashing.start(h);
            s.update(b"ab");
            s.update(b"c");
            let streamed = s.finish();
            assert_eq!(streamed.len(), h.output_len());
            assert_eq!(streamed, p.hashing.hash(h, b"abc"));
        }
    }
}
