//! Signature verification: the `UnparsedPublicKey` tables formerly in notary-x509.

use aws_lc_rs::signature::{
    self as sig, RsaParameters, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm,
};
use notary_core::crypto::{
    CryptoError, EcCurve, HashFunction, PublicKey, SignatureKind, SignatureVerification,
};

/// [`SignatureVerification`] on aws-lc-rs.
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
            ) => {
                let (n, e) = rsa_components(modulus, exponent)?;
                let params = rsa_params(kind, h).ok_or_else(|| unsupported(kind))?;
                RsaPublicKeyComponents { n, e }
                    .verify(params, message, signature)
                    .map_err(|_| CryptoError::BadSignature)
            }
            (
                SignatureKind::EcdsaDer(h) | SignatureKind::EcdsaFixed(h),
                PublicKey::Ec { curve, point },
            ) => {
                check_point(curve, point)?;
                let asn1 = ecdsa_asn1(curve, h).ok_or_else(|| unsupported(kind))?;
                if matches!(kind, SignatureKind::EcdsaDer(_)) {
                    return verify_with(asn1, point, message, signature);
                }
                if signature.len() != curve.field_len().saturating_mul(2) {
                    return Err(CryptoError::BadSignature);
                }
                match ecdsa_fixed(curve, h) {
                    Some(fixed) => verify_with(fixed, point, message, signature),
                    // aws-lc-rs has no FIXED table entry for this curve and hash; the DER form
                    // of the same (r, s) is equivalent.
                    None => verify_with(asn1, point, message, &fixed_to_der(signature)?),
                }
            }
            (SignatureKind::Ed25519, PublicKey::Ed25519 { key }) => {
                if key.len() != 32 {
                    return Err(CryptoError::InvalidKey {
                        reason: format!("Ed25519 key must be 32 bytes, got {}", key.len()),
                    });
                }
                verify_with(&sig::ED25519, key, message, signature)
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

fn verify_with(
    alg: &'static dyn VerificationAlgorithm,
    key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    UnparsedPublicKey::new(alg, key)
        .verify(message, signature)
        .map_err(|_| CryptoError::BadSignature)
}

fn rsa_params(kind: SignatureKind, h: HashFunction) -> Option<&'static RsaParameters> {
    Some(match (kind, h) {
        (SignatureKind::RsaPkcs1v15(_), HashFunction::Sha256) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (SignatureKind::RsaPkcs1v15(_), HashFunction::Sha384) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (SignatureKind::RsaPkcs1v15(_), HashFunction::Sha512) => &sig::RSA_PKCS1_2048_8192_SHA512,
        (SignatureKind::RsaPss(_), HashFunction::Sha256) => &sig::RSA_PSS_2048_8192_SHA256,
        (SignatureKind::RsaPss(_), HashFunction::Sha384) => &sig::RSA_PSS_2048_8192_SHA384,
        (SignatureKind::RsaPss(_), HashFunction::Sha512) => &sig::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn ecdsa_asn1(curve: EcCurve, h: HashFunction) -> Option<&'static dyn VerificationAlgorithm> {
    use HashFunction::{Sha256, Sha384, Sha512};
    Some(match (curve, h) {
        (EcCurve::P256, Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
        (EcCurve::P256, Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
        (EcCurve::P256, Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
        (EcCurve::P384, Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
        (EcCurve::P384, Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
        (EcCurve::P384, Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
        (EcCurve::P521, Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
        (EcCurve::P521, Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
        (EcCurve::P521, Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
        _ => return None,
    })
}

fn ecdsa_fixed(curve: EcCurve, h: HashFunction) -> Option<&'static dyn VerificationAlgorithm> {
    use HashFunction::{Sha256, Sha384, Sha512};
    Some(match (curve, h) {
        (EcCurve::P256, Sha256) => &sig::ECDSA_P256_SHA256_FIXED,
        (EcCurve::P384, Sha384) => &sig::ECDSA_P384_SHA384_FIXED,
        (EcCurve::P521, Sha256) => &sig::ECDSA_P521_SHA256_FIXED,
        (EcCurve::P521, Sha384) => &sig::ECDSA_P521_SHA384_FIXED,
        (EcCurve::P521, Sha512) => &sig::ECDSA_P521_SHA512_FIXED,
        _ => return None,
    })
}

fn strip_zeros(mut v: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = v {
        v = rest;
    }
    v
}

/// The RSA bounds of the provider contract, checked before aws-lc so that both providers refuse
/// the same keys: 2048 to 8192 modulus bits, an odd exponent with `3 <= e < 2^31`.
fn rsa_components<'a>(
    modulus: &'a [u8],
    exponent: &'a [u8],
) -> Result<(&'a [u8], &'a [u8]), CryptoError> {
    let n = strip_zeros(modulus);
    let e = strip_zeros(exponent);
    let bits = match n.first() {
        // (len - 1) * 8 + significant bits of the first byte.
        Some(&b) => n.len().saturating_sub(1).saturating_mul(8).saturating_add(
            usize::try_from(u8::BITS.saturating_sub(b.leading_zeros())).unwrap_or(0),
        ),
        None => 0,
    };
    if !(2048..=8192).contains(&bits) {
        return Err(CryptoError::InvalidKey {
            reason: format!("RSA modulus of {bits} bits (2048 to 8192 accepted)"),
        });
    }
    let e_value = if e.len() <= 5 {
        e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    } else {
        u64::MAX
    };
    if !(3..1 << 31).contains(&e_value) || e_value & 1 == 0 {
        return Err(CryptoError::InvalidKey {
            reason: "RSA public exponent must be odd, at least 3 and below 2^31".into(),
        });
    }
    Ok((n, e))
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

/// `r || s` (equal halves) to DER `SEQUENCE { INTEGER r, INTEGER s }`.
fn fixed_to_der(fixed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (r, s) = fixed.split_at(fixed.len() / 2);
    let mut body = Vec::with_capacity(fixed.len().saturating_add(8));
    for int in [r, s] {
        let v = strip_zeros(int);
        let pad = v.first().is_none_or(|b| b & 0x80 != 0);
        let len = v.len().saturating_add(usize::from(pad));
        body.push(0x02);
        body.push(u8::try_from(len).map_err(|_| CryptoError::BadSignature)?);
        if pad {
            body.push(0);
        }
        body.extend_from_slice(v);
    }
    let mut der = Vec::with_capacity(body.len().saturating_add(3));
    der.push(0x30);
    let len = u8::try_from(body.len()).map_err(|_| CryptoError::BadSignature)?;
    if len >= 0x80 {
        der.push(0x81);
    }
    der.push(len);
    der.extend_from_slice(&body);
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_to_der_encodes_minimal_integers() {
        let mut fixed = vec![0u8; 64];
        fixed[31] = 1; // r = 1
        fixed[32] = 0x80; // s has the high bit: needs a 0x00 pad
        let der = fixed_to_der(&fixed).unwrap();
        assert_eq!(&der[..5], &[0x30, 3 + 2 + 33, 0x02, 0x01, 0x01]);
        assert_eq!(&der[5..8], &[0x02, 33, 0x00]);
        assert_eq!(der.len(), 2 + 3 + 2 + 33);
        // P-521: the sequence needs the long length form.
        let der = fixed_to_der(&[0x01; 132]).unwrap();
        assert_eq!(&der[..3], &[0x30, 0x81, 2 * (2 + 66)]);
    }

    #[test]
    fn rsa_bounds() {
        let n2048 = [0xc1; 256];
        assert!(rsa_components(&n2048, &[1, 0, 1]).is_ok());
        assert!(rsa_components(&[0xc1; 255], &[1, 0, 1]).is_err());
        // A leading zero byte is ignored, a 2047-bit modulus is not 2048.
        let mut n2047 = [0xff; 257];
        n2047[0] = 0;
        n2047[1] = 0x7f;
        assert!(rsa_components(&n2047, &[3]).is_err());
        assert!(rsa_components(&[0xc1; 1024], &[3]).is_ok());
        assert!(rsa_components(&[0xc1; 1025], &[3]).is_err());
        // Go's crypto/rsa refuses exponents above 2^31 - 1.
        for bad_e in [
            &[1u8][..],
            &[2],
            &[1, 0, 0],
            &[2, 0, 0, 0, 1],
            &[0x80, 0, 0, 1],
            &[1, 0xff, 0xff, 0xff, 0xff],
            &[0],
        ] {
            assert!(rsa_components(&n2048, bad_e).is_err(), "{bad_e:?}");
        }
        assert!(rsa_components(&n2048, &[0x7f, 0xff, 0xff, 0xff]).is_ok());
    }
}
