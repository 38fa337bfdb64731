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

/// Whether aws-lc-rs runs on the FIPS 140-3 validated AWS-LC module, in FIPS mode.
///
/// True only in a build with this crate's `fips` feature (or another crate's `aws-lc-rs/fips`:
/// a build has one aws-lc-rs, so the feature applies to every user of it). Like rustls'
/// `CryptoProvider::fips`, this reports how the library was built, not whether a deployment is
/// compliant: that also depends on the algorithms and key sizes used and the environment.
pub fn fips() -> bool {
    aws_lc_rs::try_fips_mode().is_ok()
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
    fn fips_mode_follows_the_feature() {
        assert_eq!(fips(), cfg!(feature = "fips"));
    }

    /// The FIPS module accepts what notary-rs does: ES256 signing and verification through the
    /// provider, and the SHA-1 digest (OCSP CertID) stays available.
    #[cfg(feature = "fips")]
    #[test]
    fn fips_module_signs_and_verifies() {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        use notary_core::crypto::{EcCurve, PrivateKeyDer, PublicKey, SignatureKind};
        let p = provider();
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key = p
            .load_private_key(PrivateKeyDer::Pkcs8(pkcs8.as_ref()))
            .unwrap();
        let sig = key.sign(b"m").unwrap();
        let point = key.public_key();
        let public = PublicKey::Ec {
            curve: EcCurve::P256,
            point: &point,
        };
        let kind = SignatureKind::EcdsaFixed(HashFunction::Sha256);
        p.signatures.verify(kind, &public, b"m", &sig).unwrap();
        assert!(p.signatures.verify(kind, &public, b"n", &sig).is_err());
        assert_eq!(p.hashing.hash(HashFunction::Sha1, b"abc").len(), 20);
    }

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
