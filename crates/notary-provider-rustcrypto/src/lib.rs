//! A pure-Rust crypto provider for notary-rs, on the [RustCrypto](https://github.com/RustCrypto)
//! crates: `rsa`, `p256`, `p384`, `p521`, `ecdsa`, `sha2`, `sha1` and (feature `ed25519`)
//! `ed25519-dalek`.
//!
//! It builds without a C compiler, CMake or assembler, for targets where aws-lc-rs is a burden.
//! [`provider()`] covers the same ground as `notary-provider-aws-lc-rs`:
//!
//! - verification of RSA PKCS#1 v1.5 and PSS with SHA-256/384/512 for 2048- to 8192-bit keys,
//!   ECDSA on P-256/384/521 with any of the three hashes in DER or fixed `r || s` form (high-S
//!   accepted, as Go and aws-lc accept it), and Ed25519 (feature `ed25519`);
//! - SHA-1 (digests only) and SHA-256/384/512;
//! - (feature `sign`) the OS random source and loading of the six Notary key specs from PKCS#8,
//!   PKCS#1 (RSA) and SEC1 (EC) DER, signing RSASSA-PSS with salt = hash length and ECDSA with
//!   RFC 6979 nonces hedged with fresh randomness.
//!
//! Without `sign`, the provider verifies and hashes only: [`CryptoProvider::keys`] is `None` and
//! [`CryptoProvider::random`] fails with `CryptoError::Unsupported`.
//!
//! # RSA private keys and RUSTSEC-2023-0071
//!
//! `rsa` 0.9 is affected by the Marvin timing side channel (RUSTSEC-2023-0071): its private-key
//! operations are not constant time, so an attacker who can time many RSA *signing* operations
//! on the same key over a network may recover it. Verification uses only the public key and is
//! unaffected. Sign with RSA keys through `notary-provider-aws-lc-rs` where that threat matters;
//! ECDSA signing here is constant time. The fix is the `rsa` 0.10 generation, which notary-rs
//! will adopt with the rest of the RustCrypto 0.14 stack.
//!
//! ```
//! use notary_core::crypto::{HashFunction, PublicKey, SignatureKind};
//!
//! let provider = notary_provider_rustcrypto::provider();
//! assert_eq!(provider.name, "rustcrypto");
//! let digest = provider.hashing.hash(HashFunction::Sha256, b"abc");
//! assert_eq!(digest[..4], [0xba, 0x78, 0x16, 0xbf]);
//!
//! // SHA-1 is a digest, never a signature hash.
//! let key = PublicKey::Ed25519 { key: &[0; 32] };
//! let sha1_rsa = SignatureKind::RsaPkcs1v15(HashFunction::Sha1);
//! assert!(provider.signatures.verify(sha1_rsa, &key, b"m", &[0; 256]).is_err());
//! ```
//!
//! With `sign` (on by default):
//!
//! ```
//! # #[cfg(feature = "sign")] {
//! use notary_core::crypto::{EcCurve, HashFunction, PrivateKeyDer, PublicKey, SignatureKind};
//!
//! let provider = notary_provider_rustcrypto::provider();
//! // A SEC1 P-256 key (`openssl ecparam -name prime256v1 -genkey -noout -outform der`).
//! # let sec1 = p256::SecretKey::random(&mut rand_core::OsRng).to_sec1_der().unwrap();
//! let key = provider.load_private_key(PrivateKeyDer::Sec1(&sec1))?;
//! assert_eq!(key.key_spec(), notary_core::KeySpec::EcP256);
//! let signature = key.sign(b"signing input")?;
//! let point = key.public_key();
//! let public = PublicKey::Ec { curve: EcCurve::P256, point: &point };
//! let kind = SignatureKind::EcdsaFixed(HashFunction::Sha256);
//! provider.signatures.verify(kind, &public, b"signing input", &signature)?;
//! # }
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

#[cfg(feature = "sign")]
mod keys;
mod verify;

use notary_core::crypto::{
    CryptoError, CryptoProvider, HashFunction, Hasher, Hashing, SecureRandom,
};
use sha2::Digest as _;

/// The RustCrypto provider: with key loading when the feature `sign` is on, verification and
/// hashing only otherwise.
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

/// [`SecureRandom`] on the operating system's generator (`rand_core::OsRng`, feature `sign`).
#[derive(Debug)]
struct Random;

impl SecureRandom for Random {
    #[cfg(feature = "sign")]
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        use rand_core::RngCore as _;
        rand_core::OsRng
            .try_fill_bytes(dest)
            .map_err(|e| CryptoError::Backend(e.to_string().into()))
    }

    #[cfg(not(feature = "sign"))]
    fn fill(&self, _dest: &mut [u8]) -> Result<(), CryptoError> {
        Err(CryptoError::Unsupported {
            what: "random numbers (notary-provider-rustcrypto is built without the feature `sign`)"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "sign")]
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
