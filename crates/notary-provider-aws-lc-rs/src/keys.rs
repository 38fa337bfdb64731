//! Key loading and signing (the logic of notary-crypto's `LocalSigner`).

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING,
    ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, RSA_PSS_SHA256,
    RSA_PSS_SHA384, RSA_PSS_SHA512, RsaEncoding, RsaKeyPair,
};
use notary_core::KeySpec;
use notary_core::crypto::{CryptoError, KeyProvider, PrivateKeyDer, SigningKey};

/// [`KeyProvider`] on aws-lc-rs.
#[derive(Debug)]
pub(crate) struct Keys;

const EC_SPECS: [(KeySpec, &EcdsaSigningAlgorithm); 3] = [
    (KeySpec::EcP256, &ECDSA_P256_SHA256_FIXED_SIGNING),
    (KeySpec::EcP384, &ECDSA_P384_SHA384_FIXED_SIGNING),
    (KeySpec::EcP521, &ECDSA_P521_SHA512_FIXED_SIGNING),
];

fn invalid(reason: impl Into<String>) -> CryptoError {
    CryptoError::InvalidKey {
        reason: reason.into(),
    }
}

impl KeyProvider for Keys {
    fn load_private_key(&self, key: PrivateKeyDer<'_>) -> Result<Box<dyn SigningKey>, CryptoError> {
        match key {
            PrivateKeyDer::Pkcs8(der) => {
                if let Ok(k) = RsaKeyPair::from_pkcs8(der) {
                    return rsa(k);
                }
                for (spec, alg) in EC_SPECS {
                    if let Ok(k) = EcdsaKeyPair::from_pkcs8(alg, der) {
                        return Ok(ec(k, spec));
                    }
                }
                Err(invalid(
                    "PKCS#8 key is neither RSA nor ECDSA on P-256, P-384 or P-521, or is malformed",
                ))
            }
            PrivateKeyDer::Pkcs1(der) => rsa(RsaKeyPair::from_der(der)
                .map_err(|e| invalid(format!("invalid PKCS#1 RSA key: {e}")))?),
            PrivateKeyDer::Sec1(der) => {
                for (spec, alg) in EC_SPECS {
                    if let Ok(k) = EcdsaKeyPair::from_private_key_der(alg, der) {
                        return Ok(ec(k, spec));
                    }
                }
                Err(invalid(
                    "SEC1 EC key is not on P-256, P-384 or P-521, or is malformed",
                ))
            }
            other => Err(CryptoError::Unsupported {
                what: format!("private key encoding {}", other.encoding()),
            }),
        }
    }
}

fn rsa(k: RsaKeyPair) -> Result<Box<dyn SigningKey>, CryptoError> {
    let spec = KeySpec::from_rsa_modulus_len(k.public_modulus_len())
        .map_err(|e| invalid(e.to_string()))?;
    let padding: &'static dyn RsaEncoding = match spec {
        KeySpec::Rsa2048 => &RSA_PSS_SHA256,
        KeySpec::Rsa3072 => &RSA_PSS_SHA384,
        KeySpec::Rsa4096 => &RSA_PSS_SHA512,
        other => return Err(invalid(format!("{other} is not an RSA key spec"))),
    };
    Ok(Box::new(LcKey {
        key: Key::Rsa(k, padding),
        spec,
        rng: SystemRandom::new(),
    }))
}

fn ec(k: EcdsaKeyPair, spec: KeySpec) -> Box<dyn SigningKey> {
    Box::new(LcKey {
        key: Key::Ec(k),
        spec,
        rng: SystemRandom::new(),
    })
}

enum Key {
    Rsa(RsaKeyPair, &'static dyn RsaEncoding),
    Ec(EcdsaKeyPair),
}

struct LcKey {
    key: Key,
    spec: KeySpec,
    rng: SystemRandom,
}

impl fmt::Debug for LcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("AwsLcSigningKey")
            .field("key_spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl SigningKey for LcKey {
    fn key_spec(&self) -> KeySpec {
        self.spec
    }

    fn public_key(&self) -> Vec<u8> {
        match &self.key {
            // PKCS#1 RSAPublicKey DER.
            Key::Rsa(k, _) => k.public_key().as_ref().to_vec(),
            // SEC1 uncompressed point.
            Key::Ec(k) => k.public_key().as_ref().to_vec(),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed = |e: aws_lc_rs::error::Unspecified| CryptoError::Backend(Box::new(e));
        match &self.key {
            Key::Rsa(k, padding) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(*padding, &self.rng, message, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            Key::Ec(k) => Ok(k
                .sign(&self.rng, message)
                .map_err(failed)?
                .as_ref()
                .to_vec()),
        }
    }
}
