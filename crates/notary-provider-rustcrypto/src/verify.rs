//! Signature verification on rsa, ecdsa (p256/p384/p521) and ed25519-dalek.

use ecdsa::signature::hazmat::PrehashVerifier as _;
use notary_core::crypto::{
    CryptoError, EcCurve, HashFunction, PublicKey, SignatureKind, SignatureVerification,
};
use rsa::traits::SignatureScheme;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::Digest as _;

/// [`SignatureVerification`] on RustCrypto.
#[derive(Debug)]
pub(crate) struct Signatures;

impl SignatureVerification for Signatures {
    fn verify(
        &self,
        kind: SignatureKind,
        key: &PublicKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if kind.hash() == Some(HashFunction::Sha1) {
            return Err(unsupported(kind));
        }
        match (kind, *key) {
            (
                SignatureKind::RsaPkcs1v15(h) | SignatureKind::RsaPss(h),
                PublicKey::Rsa { modulus, exponent },
            ) => verify_rsa(kind, h, modulus, exponent, message, signature),
            (
                SignatureKind::EcdsaDer(h) | SignatureKind::EcdsaFixed(h),
                PublicKey::Ec { curve, point },
            ) => {
                check_point(curve, point)?;
                let der = matches!(kind, SignatureKind::EcdsaDer(_));
                let prehash = prehash(h, curve, message);
                match curve {
                    EcCurve::P256 => ecdsa_verify_p256(point, &prehash, signature, der),
                    EcCurve::P384 => ecdsa_verify_p384(point, &prehash, signature, der),
                    EcCurve::P521 => ecdsa_verify_p521(point, &prehash, signature, der),
                    _ => Err(CryptoError::Unsupported {
                        what: format!("curve {}", curve.name()),
                    }),
                }
            }
            (SignatureKind::Ed25519, PublicKey::Ed25519 { key }) => {
                verify_ed25519(key, message, signature)
            }
            (kind, key) => Err(CryptoError::InvalidKey {
                reason: format!("a {} key cannot verify {kind:?}", key.describe()),
            }),
        }
    }
}

fn unsupported(kind: SignatureKind) -> CryptoError {
    CryptoError::Unsupported {
        what: format!("signature kind {kind:?}"),
    }
}

fn digest(h: HashFunction, message: &[u8]) -> Vec<u8> {
    match h {
        HashFunction::Sha1 => sha1::Sha1::digest(message).to_vec(),
        HashFunction::Sha256 => sha2::Sha256::digest(message).to_vec(),
        HashFunction::Sha384 => sha2::Sha384::digest(message).to_vec(),
        HashFunction::Sha512 => sha2::Sha512::digest(message).to_vec(),
    }
}

/// The ECDSA input: the digest, left-padded to the field length when shorter.
///
/// Padding gives the same integer (FIPS 186-5 uses the leftmost `min(N, outlen)` bits, and a
/// shorter digest is all of them); ecdsa 0.16 refuses digests shorter than half the field,
/// which P-521 with SHA-256 is. Longer digests are truncated by `bits2field`.
fn prehash(h: HashFunction, curve: EcCurve, message: &[u8]) -> Vec<u8> {
    let d = digest(h, message);
    let field = curve.field_len();
    match field.checked_sub(d.len()) {
        Some(pad) if pad > 0 => {
            let mut v = vec![0u8; pad];
            v.extend_from_slice(&d);
            v
        }
        _ => d,
    }
}

/// ECDSA verification for one curve (the generic bounds of ecdsa 0.16 are long; a macro
/// instantiates the same body for the three curves).
macro_rules! ecdsa_verify {
    ($name:ident, $curve:ty) => {
        fn $name(
            point: &[u8],
            prehash: &[u8],
            signature: &[u8],
            der: bool,
        ) -> Result<(), CryptoError> {
            let key = ecdsa::VerifyingKey::<$curve>::from_sec1_bytes(point).map_err(|_| {
                CryptoError::InvalidKey {
                    reason: "EC public key is not a point on the curve".into(),
                }
            })?;
            // `from_slice` takes exactly 2 * field length bytes (fixed r || s).
            let sig = if der {
                ecdsa::Signature::<$curve>::from_der(signature)
            } else {
                ecdsa::Signature::<$curve>::from_slice(signature)
            }
            .map_err(|_| CryptoError::BadSignature)?;
            // No low-S normalisation: Go and aws-lc accept high-S signatures on NIST curves.
            key.verify_prehash(prehash, &sig)
                .map_err(|_| CryptoError::BadSignature)
        }
    };
}
ecdsa_verify!(ecdsa_verify_p256, p256::NistP256);
ecdsa_verify!(ecdsa_verify_p384, p384::NistP384);
ecdsa_verify!(ecdsa_verify_p521, p521::NistP521);

fn strip_zeros(mut v: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = v {
        v = rest;
    }
    v
}

/// RSA with the bounds of the provider contract (2048..=8192 bits, odd `3 <= e < 2^31`), which
/// aws-lc applies too, plus `signature < n`, which `rsa` 0.9 does not check for PSS.
fn verify_rsa(
    kind: SignatureKind,
    h: HashFunction,
    modulus: &[u8],
    exponent: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let n_bytes = strip_zeros(modulus);
    let e_bytes = strip_zeros(exponent);
    let n = BigUint::from_bytes_be(n_bytes);
    let e = BigUint::from_bytes_be(e_bytes);
    let bits = n.bits();
    if !(2048..=8192).contains(&bits) {
        return Err(CryptoError::InvalidKey {
            reason: format!("RSA modulus of {bits} bits (2048 to 8192 accepted)"),
        });
    }
    let e_ok = e_bytes.len() <= 5
        && e.bits() <= 33
        && e.bits() >= 2
        && e_bytes.last().is_some_and(|b| b & 1 == 1);
    if !e_ok {
        return Err(CryptoError::InvalidKey {
            reason: "RSA public exponent must be odd, at least 3 and below 2^31".into(),
        });
    }
    let key =
        RsaPublicKey::new_with_max_size(n, e, 8192).map_err(|err| CryptoError::InvalidKey {
            reason: format!("invalid RSA public key: {err}"),
        })?;
    // Exactly the modulus length, and as an integer below the modulus (same-length big-endian
    // byte strings compare like the integers).
    if signature.len() != n_bytes.len() || signature >= n_bytes {
        return Err(CryptoError::BadSignature);
    }
    let hashed = digest(h, message);
    let result = match (kind, h) {
        (SignatureKind::RsaPkcs1v15(_), HashFunction::Sha256) => {
            Pkcs1v15Sign::new::<sha2::Sha256>().verify(&key, &hashed, signature)
        }
        (SignatureKind::RsaPkcs1v15(_), HashFunction::Sha384) => {
            Pkcs1v15Sign::new::<sha2::Sha384>().verify(&key, &hashed, signature)
        }
        (SignatureKind::RsaPkcs1v15(_), HashFunction::Sha512) => {
            Pkcs1v15Sign::new::<sha2::Sha512>().verify(&key, &hashed, signature)
        }
        // Salt = hash length, the only PSS parameters Notary, Go and aws-lc's tables accept.
        (SignatureKind::RsaPss(_), HashFunction::Sha256) => {
            Pss::new_with_salt::<sha2::Sha256>(32).verify(&key, &hashed, signature)
        }
        (SignatureKind::RsaPss(_), HashFunction::Sha384) => {
            Pss::new_with_salt::<sha2::Sha384>(48).verify(&key, &hashed, signature)
        }
        (SignatureKind::RsaPss(_), HashFunction::Sha512) => {
            Pss::new_with_salt::<sha2::Sha512>(64).verify(&key, &hashed, signature)
        }
        _ => return Err(unsupported(kind)),
    };
    result.map_err(|_| CryptoError::BadSignature)
}

/// An uncompressed SEC1 point of the curve's length (Go's parser refuses other forms).
fn check_point(curve: EcCurve, point: &[u8]) -> Result<(), CryptoError> {
    if point.len() != curve.uncompressed_point_len() || point.first() != Some(&0x04) {
        return Err(CryptoError::InvalidKey {
            reason: format!(
                "{} public key must be an uncompressed point of {} bytes",
                curve.name(),
                curve.uncompressed_point_len()
            ),
        });
    }
    Ok(())
}

#[cfg(feature = "ed25519")]
fn verify_ed25519(key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    use ed25519_dalek::Verifier as _;
    let key: &[u8; 32] = key.try_into().map_err(|_| CryptoError::InvalidKey {
        reason: format!("Ed25519 key must be 32 bytes, got {}", key.len()),
    })?;
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|_| CryptoError::InvalidKey {
            reason: "Ed25519 key is not a valid point".into(),
        })?;
    let sig =
        ed25519_dalek::Signature::from_slice(signature).map_err(|_| CryptoError::BadSignature)?;
    // RFC 8032 cofactorless verification with canonical S, as aws-lc (BoringSSL) and Go do.
    key.verify(message, &sig)
        .map_err(|_| CryptoError::BadSignature)
}

#[cfg(not(feature = "ed25519"))]
fn verify_ed25519(_key: &[u8], _message: &[u8], _signature: &[u8]) -> Result<(), CryptoError> {
    Err(CryptoError::Unsupported {
        what: "Ed25519 (notary-provider-rustcrypto is built without the feature `ed25519`)".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prehash_pads_short_digests_only() {
        let m = b"m";
        assert_eq!(prehash(HashFunction::Sha256, EcCurve::P521, m).len(), 66);
        assert_eq!(prehash(HashFunction::Sha512, EcCurve::P521, m).len(), 66);
        assert_eq!(prehash(HashFunction::Sha512, EcCurve::P256, m).len(), 64);
        assert_eq!(
            prehash(HashFunction::Sha256, EcCurve::P521, m)[34..],
            digest(HashFunction::Sha256, m)[..]
        );
    }
}
