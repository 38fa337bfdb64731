//! Key loading and signing (feature `sign`).
//!
//! RSA signing uses `rsa` 0.9, whose private-key operations are affected by the Marvin timing
//! side channel (RUSTSEC-2023-0071); see the crate documentation.

use std::fmt;

use ecdsa::elliptic_curve::pkcs8::AssociatedOid as _;
use ecdsa::signature::RandomizedSigner as _;
use notary_core::KeySpec;
use notary_core::crypto::{CryptoError, KeyProvider, PrivateKeyDer, SigningKey};
use rand_core::OsRng;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::pss::BlindedSigningKey;
use rsa::signature::SignatureEncoding as _;
use rsa::traits::PublicKeyParts as _;
use sec1::der::Decode as _;

/// [`KeyProvider`] on RustCrypto.
#[derive(Debug)]
pub(crate) struct Keys;

fn invalid(reason: impl Into<String>) -> CryptoError {
    CryptoError::InvalidKey {
        reason: reason.into(),
    }
}

#[derive(Clone, Copy)]
enum Curve {
    P256,
    P384,
    P521,
}

impl KeyProvider for Keys {
    fn load_private_key(&self, key: PrivateKeyDer<'_>) -> Result<Box<dyn SigningKey>, CryptoError> {
        let key = match key {
            PrivateKeyDer::Pkcs8(der) => {
                let info = rsa::pkcs8::PrivateKeyInfo::try_from(der)
                    .map_err(|e| invalid(format!("invalid PKCS#8 key: {e}")))?;
                let alg = info.algorithm;
                if alg.oid == rsa::pkcs1::ALGORITHM_OID {
                    rsa_key(
                        RsaPrivateKey::from_pkcs8_der(der)
                            .map_err(|e| invalid(format!("invalid PKCS#8 RSA key: {e}")))?,
                    )?
                } else if alg.oid == ecdsa::elliptic_curve::ALGORITHM_OID {
                    let curve = alg
                        .parameters_oid()
                        .ok()
                        .and_then(curve_of)
                        .ok_or_else(|| invalid("PKCS#8 EC key is not on P-256, P-384 or P-521"))?;
                    let bad = |e: ecdsa::elliptic_curve::pkcs8::Error| {
                        invalid(format!("invalid PKCS#8 EC key: {e}"))
                    };
                    match curve {
                        Curve::P256 => {
                            Key::P256(p256::SecretKey::from_pkcs8_der(der).map_err(bad)?.into())
                        }
                        Curve::P384 => {
                            Key::P384(p384::SecretKey::from_pkcs8_der(der).map_err(bad)?.into())
                        }
                        Curve::P521 => {
                            let sk = p521::SecretKey::from_pkcs8_der(der).map_err(bad)?;
                            p521_key(&sk)?
                        }
                    }
                } else {
                    return Err(invalid(
                        "PKCS#8 key is neither RSA nor ECDSA on P-256, P-384 or P-521",
                    ));
                }
            }
            PrivateKeyDer::Pkcs1(der) => rsa_key(
                RsaPrivateKey::from_pkcs1_der(der)
                    .map_err(|e| invalid(format!("invalid PKCS#1 RSA key: {e}")))?,
            )?,
            PrivateKeyDer::Sec1(der) => {
                let parsed = sec1::EcPrivateKey::from_der(der)
                    .map_err(|e| invalid(format!("invalid SEC1 EC key: {e}")))?;
                // elliptic-curve 0.13 does not check the curve named in the key, so pick the
                // curve here: from the parameters, or from the scalar length when absent.
                let curve = match parsed.parameters.and_then(|p| p.named_curve()) {
                    Some(oid) => curve_of(oid),
                    None => match parsed.private_key.len() {
                        32 => Some(Curve::P256),
                        48 => Some(Curve::P384),
                        66 => Some(Curve::P521),
                        _ => None,
                    },
                }
                .ok_or_else(|| invalid("SEC1 EC key is not on P-256, P-384 or P-521"))?;
                let bad =
                    |e: ecdsa::elliptic_curve::Error| invalid(format!("invalid SEC1 EC key: {e}"));
                match curve {
                    Curve::P256 => {
                        Key::P256(p256::SecretKey::from_sec1_der(der).map_err(bad)?.into())
                    }
                    Curve::P384 => {
                        Key::P384(p384::SecretKey::from_sec1_der(der).map_err(bad)?.into())
                    }
                    Curve::P521 => p521_key(&p521::SecretKey::from_sec1_der(der).map_err(bad)?)?,
                }
            }
            other => {
                return Err(CryptoError::Unsupported {
                    what: format!("private key encoding {}", other.encoding()),
                });
            }
        };
        Ok(Box::new(RcKey::new(key)?))
    }
}

fn curve_of(oid: rsa::pkcs8::ObjectIdentifier) -> Option<Curve> {
    if oid == p256::NistP256::OID {
        Some(Curve::P256)
    } else if oid == p384::NistP384::OID {
        Some(Curve::P384)
    } else if oid == p521::NistP521::OID {
        Some(Curve::P521)
    } else {
        None
    }
}

fn p521_key(sk: &p521::SecretKey) -> Result<Key, CryptoError> {
    p521::ecdsa::SigningKey::from_bytes(&sk.to_bytes())
        .map(Key::P521)
        .map_err(|e| invalid(format!("invalid P-521 key: {e}")))
}

fn rsa_key(k: RsaPrivateKey) -> Result<Key, CryptoError> {
    let spec = KeySpec::from_rsa_modulus_len(k.size()).map_err(|e| invalid(e.to_string()))?;
    Ok(match spec {
        KeySpec::Rsa2048 => Key::Rsa256(BlindedSigningKey::new(k)),
        KeySpec::Rsa3072 => Key::Rsa384(BlindedSigningKey::new(k)),
        KeySpec::Rsa4096 => Key::Rsa512(BlindedSigningKey::new(k)),
        other => return Err(invalid(format!("{other} is not an RSA key spec"))),
    })
}

/// The key with its Notary algorithm: PSS with salt = hash length (`BlindedSigningKey::new`),
/// or ECDSA with the curve's own hash.
enum Key {
    Rsa256(BlindedSigningKey<sha2::Sha256>),
    Rsa384(BlindedSigningKey<sha2::Sha384>),
    Rsa512(BlindedSigningKey<sha2::Sha512>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

struct RcKey {
    key: Key,
    spec: KeySpec,
    public: Vec<u8>,
}

impl RcKey {
    fn new(key: Key) -> Result<Self, CryptoError> {
        let rsa_public = |k: &RsaPrivateKey| {
            k.to_public_key()
                .to_pkcs1_der()
                .map(|d| d.as_bytes().to_vec())
                .map_err(|e| invalid(format!("cannot encode the RSA public key: {e}")))
        };
        let (spec, public) = match &key {
            Key::Rsa256(k) => (KeySpec::Rsa2048, rsa_public(k.as_ref())?),
            Key::Rsa384(k) => (KeySpec::Rsa3072, rsa_public(k.as_ref())?),
            Key::Rsa512(k) => (KeySpec::Rsa4096, rsa_public(k.as_ref())?),
            Key::P256(k) => (
                KeySpec::EcP256,
                k.verifying_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec(),
            ),
            Key::P384(k) => (
                KeySpec::EcP384,
                k.verifying_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec(),
            ),
            Key::P521(k) => (
                KeySpec::EcP521,
                p521::ecdsa::VerifyingKey::from(k)
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec(),
            ),
        };
        Ok(Self { key, spec, public })
    }
}

impl fmt::Debug for RcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("RustCryptoSigningKey")
            .field("key_spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl SigningKey for RcKey {
    fn key_spec(&self) -> KeySpec {
        self.spec
    }

    fn public_key(&self) -> Vec<u8> {
        self.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed = |e: rsa::signature::Error| CryptoError::Backend(e.to_string().into());
        let mut rng = OsRng;
        Ok(match &self.key {
            Key::Rsa256(k) => k
                .try_sign_with_rng(&mut rng, message)
                .map_err(failed)?
                .to_vec(),
            Key::Rsa384(k) => k
                .try_sign_with_rng(&mut rng, message)
                .map_err(failed)?
                .to_vec(),
            Key::Rsa512(k) => k
                .try_sign_with_rng(&mut rng, message)
                .map_err(failed)?
                .to_vec(),
            // RFC 6979 nonces, hedged with fresh randomness; fixed-width r || s.
            Key::P256(k) => {
                let s: p256::ecdsa::Signature =
                    k.try_sign_with_rng(&mut rng, message).map_err(failed)?;
                s.to_bytes().to_vec()
            }
            Key::P384(k) => {
                let s: p384::ecdsa::Signature =
                    k.try_sign_with_rng(&mut rng, message).map_err(failed)?;
                s.to_bytes().to_vec()
            }
            Key::P521(k) => {
                let s: p521::ecdsa::Signature =
                    k.try_sign_with_rng(&mut rng, message).map_err(failed)?;
                s.to_bytes().to_vec()
            }
        })
    }
}
