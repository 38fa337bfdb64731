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

#[cfg(feature = "sign")]
mod keys;
mod verify;

use notary_core::crypto::{
    CryptoError, CryptoProvider, HashFunction, Hasher, Hashing, SecureRandom,
};
use sha2::Digest as _;

/// The RustCrypto provider: with key loading when the feature `sign` is on, verification and
/// hashing only otherwise; random numbers with the feature `random` (implied by `sign`).
pub const fn provider() -> CryptoProvider {
    let p = CryptoProvider::new("rustcrypto", &verify::Signatures, &Hashes, &Random);
    #[cfg(feature = "sign")]
    let p = p.with_keys(&keys::Keys);
    p
}

/// [`Hashing`] on `sha1` and `sha2`.
#[derive(Debug)]
struct Hashes;

enum RcHasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher for RcHasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    fn finish(self: Box<Self>) -> Vec<u8> {
        match *self {
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

impl Hashing for Hashes {
    fn start(&self, hash: HashFunction) -> Box<dyn Hasher> {
        Box::new(match hash {
            // Digest-only uses (OCSP CertID, fingerprints); signatures never reach this.
            HashFunction::Sha1 => RcHasher::Sha1(sha1::Sha1::new()),
            HashFunction::Sha256 => RcHasher::Sha256(sha2::Sha256::new()),
            HashFunction::Sha384 => RcHasher::Sha384(sha2::Sha384::new()),
            HashFunction::Sha512 => RcHasher::Sha512(sha2::Sha512::new()),
        })
    }
}

/// [`SecureRandom`] on the operating system's generator (`rand_core::OsRng`, feature `random`).
#[derive(Debug)]
struct Random;

impl SecureRandom for Random {
    #[cfg(feature = "random")]
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        use rand_core::RngCore as _;
        rand_core::OsRng
            .try_fill_bytes(dest)
            .map_err(|e| CryptoError::Backend(e.to_string().into()))
    }

    #[cfg(not(feature = "random"))]
    fn fill(&self, _dest: &mut [u8]) -> Result<(), CryptoError> {
        Err(CryptoError::Unsupported {
            what:
                "random numbers (notary-provider-rustcrypto is built without the feature `random`)"
                    .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "random")]
    #[test]
    fn random_fills() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        provider().random.fill(&mut a).unwrap();
        provider().random.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn hash_lengths() {
        for h in [
            HashFunction::Sha1,
            HashFunction::Sha256,
            HashFunction::Sha384,
            HashFunction::Sha512,
        ] {
            assert_eq!(provider().hashing.hash(h, b"").len(), h.output_len());
        }
    }
}
