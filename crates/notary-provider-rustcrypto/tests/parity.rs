//! Parity of the RustCrypto provider with the aws-lc-rs provider: real keys, real signatures over
//! real data, signed by one side and verified by both.

use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self as lc, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use ecdsa::signature::hazmat::{PrehashSigner, RandomizedPrehashSigner};
use notary_core::KeySpec;
use notary_core::crypto::{
    CryptoError, CryptoProvider, EcCurve, HashFunction, PrivateKeyDer, PublicKey, SignatureKind,
};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs1::der::Decode as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _, Verifier as _};

const MESSAGE: &[u8] =
    b"{\"targetArtifact\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}}";
const HASHES: [HashFunction; 3] = [
    HashFunction::Sha256,
    HashFunction::Sha384,
    HashFunction::Sha512,
];
const CURVES: [EcCurve; 3] = [EcCurve::P256, EcCurve::P384, EcCurve::P521];

fn aws() -> CryptoProvider {
    notary_provider_aws_lc_rs::provider()
}
fn rc() -> CryptoProvider {
    notary_provider_rustcrypto::provider()
}
fn both() -> [CryptoProvider; 2] {
    [aws(), rc()]
}

// ---------------------------------------------------------------------------------------------
// Keys (generated once per test binary with aws-lc-rs)

/// PKCS#8 DER of a fresh key of each Notary key spec.
fn pkcs8(spec: KeySpec) -> &'static [u8] {
    static KEYS: OnceLock<Vec<(KeySpec, Vec<u8>)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let rng = SystemRandom::new();
        KeySpec::ALL
            .into_iter()
            .map(|spec| {
                let der = match spec {
                    KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                        let size = match spec {
                            KeySpec::Rsa2048 => KeySize::Rsa2048,
                            KeySpec::Rsa3072 => KeySize::Rsa3072,
                            _ => KeySize::Rsa4096,
                        };
                        let k = RsaKeyPair::generate(size).unwrap();
                        AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&k)
                            .unwrap()
                            .as_ref()
                            .to_vec()
                    }
                    _ => EcdsaKeyPair::generate_pkcs8(ec_signing_alg(spec), &rng)
                        .unwrap()
                        .as_ref()
                        .to_vec(),
                };
                (spec, der)
            })
            .collect()
    });
    &keys.iter().find(|(s, _)| *s == spec).unwrap().1
}

fn ec_signing_alg(spec: KeySpec) -> &'static lc::EcdsaSigningAlgorithm {
    match spec {
        KeySpec::EcP256 => &lc::ECDSA_P256_SHA256_FIXED_SIGNING,
        KeySpec::EcP384 => &lc::ECDSA_P384_SHA384_FIXED_SIGNING,
        _ => &lc::ECDSA_P521_SHA512_FIXED_SIGNING,
    }
}

fn curve_of(spec: KeySpec) -> EcCurve {
    match spec {
        KeySpec::EcP256 => EcCurve::P256,
        KeySpec::EcP384 => EcCurve::P384,
        _ => EcCurve::P521,
    }
}

fn spec_of(curve: EcCurve) -> KeySpec {
    match curve {
        EcCurve::P256 => KeySpec::EcP256,
        EcCurve::P384 => KeySpec::EcP384,
        _ => KeySpec::EcP521,
    }
}

/// Owned public key parts, so a `PublicKey` can borrow from them.
enum Public {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { curve: EcCurve, point: Vec<u8> },
    Ed25519(Vec<u8>),
}

impl Public {
    /// From a `SigningKey::public_key()` (PKCS#1 RSAPublicKey or SEC1 point).
    fn of(spec: KeySpec, bits: &[u8]) -> Self {
        if spec.is_rsa() {
            Self::rsa_pkcs1(bits)
        } else {
            Self::Ec {
                curve: curve_of(spec),
                point: bits.to_vec(),
            }
        }
    }

    fn rsa_pkcs1(der: &[u8]) -> Self {
        let k = rsa::pkcs1::RsaPublicKey::from_der(der).unwrap();
        Self::Rsa {
            n: k.modulus.as_bytes().to_vec(),
            e: k.public_exponent.as_bytes().to_vec(),
        }
    }

    fn key(&self) -> PublicKey<'_> {
        match self {
            Self::Rsa { n, e } => PublicKey::Rsa {
                modulus: n,
                exponent: e,
            },
            Self::Ec { curve, point } => PublicKey::Ec {
                curve: *curve,
                point,
            },
            Self::Ed25519(k) => PublicKey::Ed25519 { key: k },
        }
    }
}

fn public_of(spec: KeySpec) -> Public {
    let key = aws()
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(spec)))
        .unwrap();
    Public::of(spec, &key.public_key())
}

fn flip(sig: &[u8], byte: usize) -> Vec<u8> {
    let mut s = sig.to_vec();
    s[byte] ^= 0x01;
    s
}

/// Both providers agree on `expected` (true = verifies).
#[track_caller]
fn assert_both(kind: SignatureKind, key: &PublicKey<'_>, msg: &[u8], sig: &[u8], expected: bool) {
    for p in both() {
        let r = p.signatures.verify(kind, key, msg, sig);
        assert_eq!(
            r.is_ok(),
            expected,
            "{} {kind:?} {}: {r:?}",
            p.name,
            key.describe()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Six key specs: sign with A, verify with B, in all four directions.

#[test]
fn six_key_specs_sign_and_verify_across_providers() {
    for spec in KeySpec::ALL {
        let kind = SignatureKind::from(spec.signature_algorithm());
        for signer in both() {
            let key = signer
                .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(spec)))
                .unwrap();
            assert_eq!(key.key_spec(), spec, "{}", signer.name);
            let public = Public::of(spec, &key.public_key());
            let sig = key.sign(MESSAGE).unwrap();
            match kind {
                SignatureKind::EcdsaFixed(_) => {
                    assert_eq!(sig.len(), 2 * curve_of(spec).field_len(), "{}", signer.name)
                }
                _ => assert_eq!(sig.len() * 8, rsa_bits(spec), "{}", signer.name),
            }
            for verifier in both() {
                let what = format!(
                    "{spec} signed by {} verified by {}",
                    signer.name, verifier.name
                );
                verifier
                    .signatures
                    .verify(kind, &public.key(), MESSAGE, &sig)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                let err = verifier
                    .signatures
                    .verify(kind, &public.key(), b"another message", &sig)
                    .unwrap_err();
                assert!(matches!(err, CryptoError::BadSignature), "{what}: {err:?}");
            }
        }
    }
}

fn rsa_bits(spec: KeySpec) -> usize {
    match spec {
        KeySpec::Rsa2048 => 2048,
        KeySpec::Rsa3072 => 3072,
        _ => 4096,
    }
}

/// Every encoding loads to the same key in both providers, with the same public key bytes.
#[test]
fn key_encodings_load_identically() {
    for spec in KeySpec::ALL {
        let p8 = pkcs8(spec);
        let other: Vec<u8> = if spec.is_rsa() {
            rsa::RsaPrivateKey::from_pkcs8_der(p8)
                .unwrap()
                .to_pkcs1_der()
                .unwrap()
                .as_bytes()
                .to_vec()
        } else {
            match spec {
                KeySpec::EcP256 => p256::SecretKey::from_pkcs8_der(p8).unwrap().to_sec1_der(),
                KeySpec::EcP384 => p384::SecretKey::from_pkcs8_der(p8).unwrap().to_sec1_der(),
                _ => p521::SecretKey::from_pkcs8_der(p8).unwrap().to_sec1_der(),
            }
            .unwrap()
            .to_vec()
        };
        let second = if spec.is_rsa() {
            PrivateKeyDer::Pkcs1(&other)
        } else {
            PrivateKeyDer::Sec1(&other)
        };
        let mut publics = Vec::new();
        for p in both() {
            for der in [PrivateKeyDer::Pkcs8(p8), second] {
                let k = p
                    .load_private_key(der)
                    .unwrap_or_else(|e| panic!("{} {der:?}: {e}", p.name));
                assert_eq!(k.key_spec(), spec);
                // Debug never shows key material.
                assert!(!format!("{k:?}").contains("0x"), "{k:?}");
                publics.push(k.public_key());
            }
            // The wrong encoding label is refused.
            let wrong = if spec.is_rsa() {
                PrivateKeyDer::Sec1(&other)
            } else {
                PrivateKeyDer::Pkcs1(&other)
            };
            assert!(
                p.load_private_key(wrong).is_err(),
                "{} {spec} {wrong:?}",
                p.name
            );
        }
        assert!(
            publics.windows(2).all(|w| w[0] == w[1]),
            "{spec}: public keys differ"
        );
    }
}

#[test]
fn keys_outside_the_six_specs_are_refused() {
    // RSA-1024 and a secp256k1 key: valid keys, not Notary key specs.
    let rsa1024 = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024)
        .unwrap()
        .to_pkcs1_der()
        .unwrap();
    // SEC1 with the secp256k1 OID (1.3.132.0.10) and a 32-byte scalar.
    let mut k1 = vec![0x30, 0x2e, 0x02, 0x01, 0x01, 0x04, 0x20];
    k1.extend_from_slice(&[0x11; 32]);
    k1.extend_from_slice(&[0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a]);
    for p in both() {
        for der in [
            PrivateKeyDer::Pkcs1(rsa1024.as_bytes()),
            PrivateKeyDer::Sec1(&k1),
            PrivateKeyDer::Pkcs8(b"\x30\x03\x02\x01\x00"),
        ] {
            let err = p.load_private_key(der).unwrap_err();
            assert!(
                matches!(err, CryptoError::InvalidKey { .. }),
                "{} {der:?}: {err:?}",
                p.name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Certificate algorithm matrix

fn lc_rsa(spec: KeySpec) -> RsaKeyPair {
    RsaKeyPair::from_pkcs8(pkcs8(spec)).unwrap()
}

fn rc_rsa(spec: KeySpec) -> rsa::RsaPrivateKey {
    rsa::RsaPrivateKey::from_pkcs8_der(pkcs8(spec)).unwrap()
}

#[test]
fn rsa_pkcs1_and_pss_with_three_hashes() {
    let spec = KeySpec::Rsa3072;
    let public = public_of(spec);
    let lc_key = lc_rsa(spec);
    let rc_key = rc_rsa(spec);
    let rng = SystemRandom::new();
    for h in HASHES {
        let mut sigs: Vec<(SignatureKind, Vec<u8>)> = Vec::new();
        let lc_sign = |pad: &'static dyn lc::RsaEncoding| {
            let mut s = vec![0; lc_key.public_modulus_len()];
            lc_key.sign(pad, &rng, MESSAGE, &mut s).unwrap();
            s
        };
        let (pkcs1, pss): (&'static dyn lc::RsaEncoding, &'static dyn lc::RsaEncoding) = match h {
            HashFunction::Sha256 => (&lc::RSA_PKCS1_SHA256, &lc::RSA_PSS_SHA256),
            HashFunction::Sha384 => (&lc::RSA_PKCS1_SHA384, &lc::RSA_PSS_SHA384),
            _ => (&lc::RSA_PKCS1_SHA512, &lc::RSA_PSS_SHA512),
        };
        sigs.push((SignatureKind::RsaPkcs1v15(h), lc_sign(pkcs1)));
        sigs.push((SignatureKind::RsaPss(h), lc_sign(pss)));
        // The same schemes signed by the `rsa` crate.
        let rc = rc_key.clone();
        let mut rng = rand_core::OsRng;
        let (p1, ps) = match h {
            HashFunction::Sha256 => (
                rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rc.clone())
                    .sign(MESSAGE)
                    .to_vec(),
                rsa::pss::BlindedSigningKey::<sha2::Sha256>::new(rc)
                    .sign_with_rng(&mut rng, MESSAGE)
                    .to_vec(),
            ),
            HashFunction::Sha384 => (
                rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(rc.clone())
                    .sign(MESSAGE)
                    .to_vec(),
                rsa::pss::BlindedSigningKey::<sha2::Sha384>::new(rc)
                    .sign_with_rng(&mut rng, MESSAGE)
                    .to_vec(),
            ),
            _ => (
                rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(rc.clone())
                    .sign(MESSAGE)
                    .to_vec(),
                rsa::pss::BlindedSigningKey::<sha2::Sha512>::new(rc)
                    .sign_with_rng(&mut rng, MESSAGE)
                    .to_vec(),
            ),
        };
        sigs.push((SignatureKind::RsaPkcs1v15(h), p1));
        sigs.push((SignatureKind::RsaPss(h), ps));

        for (kind, sig) in &sigs {
            assert_both(*kind, &public.key(), MESSAGE, sig, true);
            assert_both(
                *kind,
                &public.key(),
                MESSAGE,
                &flip(sig, sig.len() / 2),
                false,
            );
            // The padding is bound to the scheme: PKCS#1 is not PSS and back.
            let other = match *kind {
                SignatureKind::RsaPss(h) => SignatureKind::RsaPkcs1v15(h),
                _ => SignatureKind::RsaPss(h),
            };
            assert_both(other, &public.key(), MESSAGE, sig, false);
        }
    }
}

/// ECDSA signature over the digest of `MESSAGE` with `h`, by the RustCrypto prehash signer
/// (DER). Used for the combinations aws-lc-rs cannot sign (P-256 with SHA-384, ...).
fn rc_ecdsa_der(curve: EcCurve, h: HashFunction) -> Vec<u8> {
    let p8 = pkcs8(spec_of(curve));
    let d = digest(h, MESSAGE);
    // Left-pad short digests to the field length: the same integer (P-521 with SHA-256).
    let mut prehash = vec![0u8; curve.field_len().saturating_sub(d.len())];
    prehash.extend_from_slice(&d);
    match curve {
        EcCurve::P256 => {
            let k = p256::ecdsa::SigningKey::from_pkcs8_der(p8).unwrap();
            let s: p256::ecdsa::Signature = k.sign_prehash(&prehash).unwrap();
            s.to_der().as_bytes().to_vec()
        }
        EcCurve::P384 => {
            let k = p384::ecdsa::SigningKey::from_pkcs8_der(p8).unwrap();
            let s: p384::ecdsa::Signature = k.sign_prehash(&prehash).unwrap();
            s.to_der().as_bytes().to_vec()
        }
        _ => {
            let sk = p521::SecretKey::from_pkcs8_der(p8).unwrap();
            let k = p521::ecdsa::SigningKey::from_bytes(&sk.to_bytes()).unwrap();
            let s: p521::ecdsa::Signature = k
                .sign_prehash_with_rng(&mut rand_core::OsRng, &prehash)
                .unwrap();
            s.to_der().as_bytes().to_vec()
        }
    }
}

fn digest(h: HashFunction, data: &[u8]) -> Vec<u8> {
    aws().hashing.hash(h, data)
}

/// aws-lc-rs DER signing, where it has the curve/hash pair.
fn lc_ecdsa_der(curve: EcCurve, h: HashFunction) -> Option<Vec<u8>> {
    use HashFunction::*;
    let alg: &'static lc::EcdsaSigningAlgorithm = match (curve, h) {
        (EcCurve::P256, Sha256) => &lc::ECDSA_P256_SHA256_ASN1_SIGNING,
        (EcCurve::P384, Sha384) => &lc::ECDSA_P384_SHA384_ASN1_SIGNING,
        (EcCurve::P521, Sha256) => &lc::ECDSA_P521_SHA256_ASN1_SIGNING,
        (EcCurve::P521, Sha384) => &lc::ECDSA_P521_SHA384_ASN1_SIGNING,
        (EcCurve::P521, Sha512) => &lc::ECDSA_P521_SHA512_ASN1_SIGNING,
        _ => return None,
    };
    let k = EcdsaKeyPair::from_pkcs8(alg, pkcs8(spec_of(curve))).unwrap();
    Some(
        k.sign(&SystemRandom::new(), MESSAGE)
            .unwrap()
            .as_ref()
            .to_vec(),
    )
}

/// DER `SEQUENCE { r, s }` to fixed-width `r || s`.
fn der_to_fixed(der: &[u8], field: usize) -> Vec<u8> {
    let (hdr, body) = if der[1] == 0x81 {
        (3, &der[3..])
    } else {
        (2, &der[2..])
    };
    assert_eq!(body.len() + hdr, der.len());
    let mut out = Vec::new();
    let mut rest = body;
    for _ in 0..2 {
        assert_eq!(rest[0], 0x02);
        let len = rest[1] as usize;
        let int = &rest[2..2 + len];
        let int = if int[0] == 0 { &int[1..] } else { int };
        out.extend(std::iter::repeat_n(0u8, field - int.len()));
        out.extend_from_slice(int);
        rest = &rest[2 + len..];
    }
    out
}

#[test]
fn ecdsa_der_and_fixed_three_curves_three_hashes() {
    for curve in CURVES {
        let public = public_of(spec_of(curve));
        for h in HASHES {
            let mut sigs = vec![("rustcrypto", rc_ecdsa_der(curve, h))];
            if let Some(s) = lc_ecdsa_der(curve, h) {
                sigs.push(("aws-lc-rs", s));
            }
            for (signer, der) in sigs {
                let what = format!("{} {h} by {signer}", curve.name());
                for p in both() {
                    p.signatures
                        .verify(SignatureKind::EcdsaDer(h), &public.key(), MESSAGE, &der)
                        .unwrap_or_else(|e| panic!("{what}, DER, {}: {e}", p.name));
                    let fixed = der_to_fixed(&der, curve.field_len());
                    p.signatures
                        .verify(SignatureKind::EcdsaFixed(h), &public.key(), MESSAGE, &fixed)
                        .unwrap_or_else(|e| panic!("{what}, fixed, {}: {e}", p.name));
                }
                // The forms are not interchangeable, and the hash is bound.
                let fixed = der_to_fixed(&der, curve.field_len());
                assert_both(
                    SignatureKind::EcdsaFixed(h),
                    &public.key(),
                    MESSAGE,
                    &der,
                    false,
                );
                assert_both(
                    SignatureKind::EcdsaDer(h),
                    &public.key(),
                    MESSAGE,
                    &fixed,
                    false,
                );
                let other = if h == HashFunction::Sha256 {
                    HashFunction::Sha384
                } else {
                    HashFunction::Sha256
                };
                assert_both(
                    SignatureKind::EcdsaDer(other),
                    &public.key(),
                    MESSAGE,
                    &der,
                    false,
                );
                assert_both(
                    SignatureKind::EcdsaDer(h),
                    &public.key(),
                    MESSAGE,
                    &flip(&der, der.len() - 1),
                    false,
                );
            }
        }
    }
}

#[test]
fn ed25519_both_directions() {
    // aws-lc-rs signs.
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let k = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let public = Public::Ed25519(k.public_key().as_ref().to_vec());
    let sig = k.sign(MESSAGE).as_ref().to_vec();
    assert_both(SignatureKind::Ed25519, &public.key(), MESSAGE, &sig, true);
    assert_both(
        SignatureKind::Ed25519,
        &public.key(),
        MESSAGE,
        &flip(&sig, 10),
        false,
    );
    assert_both(
        SignatureKind::Ed25519,
        &public.key(),
        MESSAGE,
        &flip(&sig, 40),
        false,
    );
    assert_both(SignatureKind::Ed25519, &public.key(), b"other", &sig, false);
    // ed25519-dalek signs (RFC 8032 test vector 1 key).
    let seed: [u8; 32] = hex32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    let dalek = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public = Public::Ed25519(dalek.verifying_key().to_bytes().to_vec());
    let sig = ed25519_dalek::Signer::sign(&dalek, MESSAGE).to_bytes();
    assert_both(SignatureKind::Ed25519, &public.key(), MESSAGE, &sig, true);
    assert_both(
        SignatureKind::Ed25519,
        &public.key(),
        MESSAGE,
        &sig[..63],
        false,
    );
    // RFC 8032 test 1: empty message.
    let sig = ed25519_dalek::Signer::sign(&dalek, b"").to_bytes();
    assert_eq!(
        sig[..8],
        [0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72],
        "RFC 8032 vector"
    );
    assert_both(SignatureKind::Ed25519, &public.key(), b"", &sig, true);
}

fn hex32(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

// ---------------------------------------------------------------------------------------------
// 3. Negatives

#[test]
fn flipped_and_truncated_signatures_fail_for_every_spec() {
    for spec in KeySpec::ALL {
        let kind = SignatureKind::from(spec.signature_algorithm());
        let public = public_of(spec);
        let sig = aws()
            .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(spec)))
            .unwrap()
            .sign(MESSAGE)
            .unwrap();
        assert_both(kind, &public.key(), MESSAGE, &sig, true);
        for byte in [0, sig.len() / 2, sig.len() - 1] {
            assert_both(kind, &public.key(), MESSAGE, &flip(&sig, byte), false);
        }
        assert_both(kind, &public.key(), MESSAGE, &sig[..sig.len() - 1], false);
        assert_both(kind, &public.key(), MESSAGE, &[], false);
        let mut longer = sig.clone();
        longer.push(0);
        assert_both(kind, &public.key(), MESSAGE, &longer, false);
    }
}

#[test]
fn wrong_key_and_wrong_curve_fail() {
    // Another key of the same spec.
    for spec in [KeySpec::Rsa2048, KeySpec::EcP256] {
        let kind = SignatureKind::from(spec.signature_algorithm());
        let sig = aws()
            .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(spec)))
            .unwrap()
            .sign(MESSAGE)
            .unwrap();
        let other_spec = if spec.is_rsa() {
            KeySpec::Rsa3072
        } else {
            KeySpec::EcP384
        };
        let other = public_of(other_spec);
        assert_both(kind, &other.key(), MESSAGE, &sig, false);
    }
    let fresh =
        EcdsaKeyPair::generate_pkcs8(&lc::ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap();
    let fresh = aws()
        .load_private_key(PrivateKeyDer::Pkcs8(fresh.as_ref()))
        .unwrap();
    let sig = aws()
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(KeySpec::EcP256)))
        .unwrap()
        .sign(MESSAGE)
        .unwrap();
    let fresh_pub = Public::of(KeySpec::EcP256, &fresh.public_key());
    assert_both(
        SignatureKind::EcdsaFixed(HashFunction::Sha256),
        &fresh_pub.key(),
        MESSAGE,
        &sig,
        false,
    );

    // A P-256 point declared as P-384, and a P-384 signature checked with a P-256 key.
    let p256 = public_of(KeySpec::EcP256);
    let Public::Ec { point, .. } = &p256 else {
        unreachable!()
    };
    let as_p384 = PublicKey::Ec {
        curve: EcCurve::P384,
        point,
    };
    let sig384 = aws()
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(KeySpec::EcP384)))
        .unwrap()
        .sign(MESSAGE)
        .unwrap();
    for p in both() {
        let err = p
            .signatures
            .verify(
                SignatureKind::EcdsaFixed(HashFunction::Sha384),
                &as_p384,
                MESSAGE,
                &sig384,
            )
            .unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidKey { .. }),
            "{}: {err:?}",
            p.name
        );
    }
    assert_both(
        SignatureKind::EcdsaFixed(HashFunction::Sha384),
        &p256.key(),
        MESSAGE,
        &sig384,
        false,
    );

    // Key type and kind that do not go together.
    let rsa = public_of(KeySpec::Rsa2048);
    for (kind, key) in [
        (SignatureKind::EcdsaFixed(HashFunction::Sha256), rsa.key()),
        (SignatureKind::Ed25519, rsa.key()),
        (SignatureKind::RsaPss(HashFunction::Sha256), p256.key()),
    ] {
        for p in both() {
            let err = p
                .signatures
                .verify(kind, &key, MESSAGE, &[0; 64])
                .unwrap_err();
            assert!(
                matches!(err, CryptoError::InvalidKey { .. }),
                "{}: {err:?}",
                p.name
            );
        }
    }
}

#[test]
fn sha1_signature_kinds_are_refused() {
    let rsa_key = aws()
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(KeySpec::Rsa2048)))
        .unwrap();
    let rsa = Public::of(KeySpec::Rsa2048, &rsa_key.public_key());
    // A real SHA-1 PKCS#1 signature (signed by the `rsa` crate)...
    let sig = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(rc_rsa(KeySpec::Rsa2048))
        .sign(MESSAGE)
        .to_vec();
    // ...that aws-lc-rs accepts under its legacy table...
    lc::UnparsedPublicKey::new(
        &lc::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        rsa_key.public_key(),
    )
    .verify(MESSAGE, &sig)
    .unwrap();
    let p256 = public_of(KeySpec::EcP256);
    // ...and both providers refuse SHA-1 in every scheme, before any mathematics.
    for p in both() {
        for (kind, key) in [
            (SignatureKind::RsaPkcs1v15(HashFunction::Sha1), rsa.key()),
            (SignatureKind::RsaPss(HashFunction::Sha1), rsa.key()),
            (SignatureKind::EcdsaDer(HashFunction::Sha1), p256.key()),
            (SignatureKind::EcdsaFixed(HashFunction::Sha1), p256.key()),
        ] {
            let err = p.signatures.verify(kind, &key, MESSAGE, &sig).unwrap_err();
            assert!(
                matches!(err, CryptoError::Unsupported { .. }),
                "{} {kind:?}: {err:?}",
                p.name
            );
        }
    }
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn rsa_8192_accepted_and_larger_refused() {
    let msg = data("message.txt");
    let k8192 = Public::rsa_pkcs1(&data("rsa8192.pub.der"));
    let pkcs1 = data("rsa8192.pkcs1-sha256.sig");
    let pss = data("rsa8192.pss-sha512.sig");
    assert_both(
        SignatureKind::RsaPkcs1v15(HashFunction::Sha256),
        &k8192.key(),
        &msg,
        &pkcs1,
        true,
    );
    assert_both(
        SignatureKind::RsaPss(HashFunction::Sha512),
        &k8192.key(),
        &msg,
        &pss,
        true,
    );
    assert_both(
        SignatureKind::RsaPss(HashFunction::Sha512),
        &k8192.key(),
        &msg,
        &flip(&pss, 7),
        false,
    );
    // A valid 9216-bit signature is refused for the key size alone.
    let k9216 = Public::rsa_pkcs1(&data("rsa9216.pub.der"));
    let sig = data("rsa9216.pkcs1-sha256.sig");
    for p in both() {
        let r = p.signatures.verify(
            SignatureKind::RsaPkcs1v15(HashFunction::Sha256),
            &k9216.key(),
            &msg,
            &sig,
        );
        assert!(r.is_err(), "{}", p.name);
    }
    // And so is a 1024-bit key with a valid signature.
    let small = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024).unwrap();
    let sig = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(small.clone())
        .sign(MESSAGE)
        .to_vec();
    let n = rsa::traits::PublicKeyParts::n(&small).to_bytes_be();
    let e = rsa::traits::PublicKeyParts::e(&small).to_bytes_be();
    let key = PublicKey::Rsa {
        modulus: &n,
        exponent: &e,
    };
    assert!(
        rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(small.to_public_key())
            .verify(
                MESSAGE,
                &rsa::pkcs1v15::Signature::try_from(&sig[..]).unwrap()
            )
            .is_ok()
    );
    assert_both(
        SignatureKind::RsaPkcs1v15(HashFunction::Sha256),
        &key,
        MESSAGE,
        &sig,
        false,
    );
}

#[test]
fn rsa_signature_not_below_the_modulus_is_refused() {
    // s + n verifies arithmetically like s (s^e mod n); both providers must refuse it, as
    // aws-lc and Go do. PSS is randomised, so sign until s + n still fits the modulus length.
    let spec = KeySpec::Rsa2048;
    let public = public_of(spec);
    let Public::Rsa { n, .. } = &public else {
        unreachable!()
    };
    let n_int = rsa::BigUint::from_bytes_be(n);
    let key = rc()
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(spec)))
        .unwrap();
    let kind = SignatureKind::RsaPss(HashFunction::Sha256);
    for _ in 0..64 {
        let sig = key.sign(MESSAGE).unwrap();
        let bumped = (rsa::BigUint::from_bytes_be(&sig) + &n_int).to_bytes_be();
        if bumped.len() == sig.len() {
            assert_both(kind, &public.key(), MESSAGE, &sig, true);
            assert_both(kind, &public.key(), MESSAGE, &bumped, false);
            return;
        }
    }
    panic!(
        "no signature s with s + n < 2^2048 in 64 tries (n = {:02x}..)",
        n[0]
    );
}

#[test]
fn pss_salt_must_equal_the_hash_length() {
    let spec = KeySpec::Rsa2048;
    let public = public_of(spec);
    for salt in [0usize, 20, 48] {
        let k = rsa::pss::BlindedSigningKey::<sha2::Sha256>::new_with_salt_len(rc_rsa(spec), salt);
        let sig = k.sign_with_rng(&mut rand_core::OsRng, MESSAGE).to_vec();
        assert_both(
            SignatureKind::RsaPss(HashFunction::Sha256),
            &public.key(),
            MESSAGE,
            &sig,
            false,
        );
    }
    let k = rsa::pss::BlindedSigningKey::<sha2::Sha256>::new_with_salt_len(rc_rsa(spec), 32);
    let sig = k.sign_with_rng(&mut rand_core::OsRng, MESSAGE).to_vec();
    assert_both(
        SignatureKind::RsaPss(HashFunction::Sha256),
        &public.key(),
        MESSAGE,
        &sig,
        true,
    );
}

#[test]
fn malformed_public_keys_are_refused_alike() {
    let p256 = public_of(KeySpec::EcP256);
    let Public::Ec { point, .. } = &p256 else {
        unreachable!()
    };
    let sig = aws()
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(KeySpec::EcP256)))
        .unwrap()
        .sign(MESSAGE)
        .unwrap();
    let kind = SignatureKind::EcdsaFixed(HashFunction::Sha256);
    // Compressed form of the same point.
    let mut compressed = vec![0x02 | (point[64] & 1)];
    compressed.extend_from_slice(&point[1..33]);
    // A point off the curve.
    let mut off = point.clone();
    off[64] ^= 1;
    for bad in [compressed, off, point[..64].to_vec(), vec![]] {
        let key = PublicKey::Ec {
            curve: EcCurve::P256,
            point: &bad,
        };
        assert_both(kind, &key, MESSAGE, &sig, false);
    }
    // RSA exponents outside the contract, with a real modulus.
    let rsa = public_of(KeySpec::Rsa2048);
    let Public::Rsa { n, .. } = &rsa else {
        unreachable!()
    };
    let sig = aws()
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(KeySpec::Rsa2048)))
        .unwrap()
        .sign(MESSAGE)
        .unwrap();
    for e in [&[1u8][..], &[2], &[1, 0, 0], &[2, 0, 0, 0, 1]] {
        let key = PublicKey::Rsa {
            modulus: n,
            exponent: e,
        };
        for p in both() {
            let err = p
                .signatures
                .verify(
                    SignatureKind::RsaPss(HashFunction::Sha256),
                    &key,
                    MESSAGE,
                    &sig,
                )
                .unwrap_err();
            assert!(
                matches!(err, CryptoError::InvalidKey { .. }),
                "{} e={e:?}: {err:?}",
                p.name
            );
        }
    }
    // A leading zero byte on the modulus is tolerated by both.
    let mut n0 = vec![0];
    n0.extend_from_slice(n);
    let key = PublicKey::Rsa {
        modulus: &n0,
        exponent: &[1, 0, 1],
    };
    assert_both(
        SignatureKind::RsaPss(HashFunction::Sha256),
        &key,
        MESSAGE,
        &sig,
        true,
    );
}

// ---------------------------------------------------------------------------------------------
// 4. High-S ECDSA

#[test]
fn high_s_ecdsa_is_accepted_by_both() {
    for curve in CURVES {
        let spec = spec_of(curve);
        let public = public_of(spec);
        let kind = SignatureKind::EcdsaFixed(HashFunction::from(spec.hash_algorithm()));
        let sig = aws()
            .load_private_key(PrivateKeyDer::Pkcs8(pkcs8(spec)))
            .unwrap()
            .sign(MESSAGE)
            .unwrap();
        // (r, s) and (r, n - s) are both valid; one of them is high-S.
        let negated = match curve {
            EcCurve::P256 => {
                let s = p256::ecdsa::Signature::from_slice(&sig).unwrap();
                let (r, s) = s.split_scalars();
                p256::ecdsa::Signature::from_scalars(r, -*s)
                    .unwrap()
                    .to_bytes()
                    .to_vec()
            }
            EcCurve::P384 => {
                let s = p384::ecdsa::Signature::from_slice(&sig).unwrap();
                let (r, s) = s.split_scalars();
                p384::ecdsa::Signature::from_scalars(r, -*s)
                    .unwrap()
                    .to_bytes()
                    .to_vec()
            }
            _ => {
                let s = p521::ecdsa::Signature::from_slice(&sig).unwrap();
                let (r, s) = s.split_scalars();
                p521::ecdsa::Signature::from_scalars(r, -*s)
                    .unwrap()
                    .to_bytes()
                    .to_vec()
            }
        };
        assert_ne!(negated, sig);
        assert_both(kind, &public.key(), MESSAGE, &sig, true);
        assert_both(kind, &public.key(), MESSAGE, &negated, true);
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Hashing known answers, streamed in several chunk sizes

#[test]
fn hash_known_answers_streamed() {
    // FIPS 180 "abc" and the one-million-'a' vectors.
    let abc: [(HashFunction, &str); 4] = [
        (
            HashFunction::Sha1,
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            HashFunction::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            HashFunction::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            HashFunction::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    let million: [(HashFunction, &str); 4] = [
        (
            HashFunction::Sha1,
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
        ),
        (
            HashFunction::Sha256,
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        ),
        (
            HashFunction::Sha384,
            "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
        ),
        (
            HashFunction::Sha512,
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
        ),
    ];
    let a_million = vec![b'a'; 1_000_000];
    for p in both() {
        for ((h, want_abc), (_, want_million)) in abc.iter().zip(million.iter()) {
            assert_eq!(
                hex(&p.hashing.hash(*h, b"abc")),
                *want_abc,
                "{} {h}",
                p.name
            );
            for chunk in [1, 3, 64, 65_536, a_million.len()] {
                // 1-byte chunks over a million bytes are slow in debug builds; use a prefix
                // whose digest we check against the one-shot result instead.
                let input: &[u8] = if chunk == 1 {
                    &a_million[..10_000]
                } else {
                    &a_million
                };
                let mut s = p.hashing.start(*h);
                for c in input.chunks(chunk) {
                    s.update(c);
                }
                let got = hex(&s.finish());
                if chunk == 1 {
                    assert_eq!(
                        got,
                        hex(&p.hashing.hash(*h, input)),
                        "{} {h} 1-byte",
                        p.name
                    );
                } else {
                    assert_eq!(got, *want_million, "{} {h} chunk {chunk}", p.name);
                }
            }
            // Nothing fed: the empty-string digest, same in both.
            assert_eq!(p.hashing.start(*h).finish(), aws().hashing.hash(*h, b""));
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
