//! Test-only crypto (aws-lc-rs) and a tiny CBOR writer for crafting envelopes by hand.
#![allow(dead_code)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, UnparsedPublicKey};
use notary_core::{KeySpec, RawSignature, SignatureAlgorithm, SignatureVerifier, Signer};

/// Path of a file in the shared interop corpus.
pub fn interop(path: &str) -> String {
    format!(
        "{}/../../../shared/interop/{path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub fn read_interop(path: &str) -> Vec<u8> {
    std::fs::read(interop(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn core_err(reason: &str) -> notary_core::Error {
    notary_core::Error::SignatureInvalid {
        reason: reason.to_string(),
    }
}

/// A fake "certificate": one byte naming the key spec, then the raw public key.
pub fn fake_cert(spec: KeySpec, public_key: &[u8]) -> Vec<u8> {
    let index = KeySpec::ALL.iter().position(|k| *k == spec).unwrap() as u8;
    let mut cert = vec![index];
    cert.extend_from_slice(public_key);
    cert
}

/// ECDSA signer with a freshly generated key; its chain is one fake certificate.
pub struct EcSigner {
    key: EcdsaKeyPair,
    spec: KeySpec,
    pub chain: Vec<Vec<u8>>,
}

impl EcSigner {
    pub fn new(spec: KeySpec) -> Self {
        let alg = match spec {
            KeySpec::EcP256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            KeySpec::EcP384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            KeySpec::EcP521 => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
            _ => panic!("not an EC spec"),
        };
        let key = EcdsaKeyPair::generate(alg).unwrap();
        let chain = vec![
            fake_cert(spec, key.public_key().as_ref()),
            b"intermediate".to_vec(),
        ];
        Self { key, spec, chain }
    }

    /// Signs `message` directly (for hand-crafted envelopes).
    pub fn raw_sign(&self, message: &[u8]) -> Vec<u8> {
        self.key
            .sign(&SystemRandom::new(), message)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    pub fn leaf(&self) -> Vec<u8> {
        self.chain[0].clone()
    }
}

impl Signer for EcSigner {
    fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
        Ok(self.spec)
    }
    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, notary_core::Error> {
        Ok(RawSignature {
            signature: self.raw_sign(signing_input),
            certificate_chain: self.chain.clone(),
        })
    }
}

/// RSASSA-PSS signer with a freshly generated key.
pub struct RsaSigner {
    key: signature::RsaKeyPair,
    spec: KeySpec,
    pub chain: Vec<Vec<u8>>,
}

impl RsaSigner {
    pub fn new_2048() -> Self {
        let key = signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let chain = vec![fake_cert(KeySpec::Rsa2048, key.public_key().as_ref())];
        Self {
            key,
            spec: KeySpec::Rsa2048,
            chain,
        }
    }
}

impl Signer for RsaSigner {
    fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
        Ok(self.spec)
    }
    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, notary_core::Error> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PSS_SHA256,
                &SystemRandom::new(),
                signing_input,
                &mut sig,
            )
            .map_err(|_| core_err("rsa sign"))?;
        Ok(RawSignature {
            signature: sig,
            certificate_chain: self.chain.clone(),
        })
    }
}

fn verification_alg(alg: SignatureAlgorithm) -> &'static dyn signature::VerificationAlgorithm {
    match alg {
        SignatureAlgorithm::RsaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
        SignatureAlgorithm::RsaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
        SignatureAlgorithm::RsaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
        SignatureAlgorithm::EcdsaSha256 => &signature::ECDSA_P256_SHA256_FIXED,
        SignatureAlgorithm::EcdsaSha384 => &signature::ECDSA_P384_SHA384_FIXED,
        SignatureAlgorithm::EcdsaSha512 => &signature::ECDSA_P521_SHA512_FIXED,
        _ => panic!("unknown algorithm"),
    }
}

/// Verifier for [`fake_cert`] certificates.
pub struct FakeCertVerifier;

impl SignatureVerifier for FakeCertVerifier {
    fn key_spec_of_certificate(&self, certificate: &[u8]) -> Result<KeySpec, notary_core::Error> {
        certificate
            .first()
            .and_then(|i| KeySpec::ALL.get(usize::from(*i)))
            .copied()
            .ok_or_else(|| notary_core::Error::InvalidCertificate {
                reason: "not a fake certificate".into(),
            })
    }

    fn verify_signature(
        &self,
        certificate: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), notary_core::Error> {
        if self
            .key_spec_of_certificate(certificate)?
            .signature_algorithm()
            != algorithm
        {
            return Err(core_err("algorithm does not match key"));
        }
        UnparsedPublicKey::new(verification_alg(algorithm), &certificate[1..])
            .verify(message, sig)
            .map_err(|_| core_err("bad signature"))
    }
}

/// Verifier for real X.509 certificates (x509-parser extracts the key).
pub struct X509Verifier;

fn spki_key(certificate: &[u8]) -> Result<(KeySpec, Vec<u8>), notary_core::Error> {
    use x509_parser::prelude::*;
    let bad = |r: &str| notary_core::Error::InvalidCertificate { reason: r.into() };
    let (_, cert) = X509Certificate::from_der(certificate).map_err(|_| bad("parse"))?;
    let spki = cert.public_key();
    let raw = spki.subject_public_key.data.to_vec();
    let spec = match spki.parsed().map_err(|_| bad("key"))? {
        x509_parser::public_key::PublicKey::RSA(rsa) => {
            let modulus = rsa.modulus.iter().skip_while(|b| **b == 0).count();
            KeySpec::from_rsa_modulus_len(modulus)?
        }
        x509_parser::public_key::PublicKey::EC(point) => match point.data().len() {
            65 => KeySpec::EcP256,
            97 => KeySpec::EcP384,
            133 => KeySpec::EcP521,
            _ => return Err(bad("curve")),
        },
        _ => return Err(bad("key type")),
    };
    Ok((spec, raw))
}

impl SignatureVerifier for X509Verifier {
    fn key_spec_of_certificate(&self, certificate: &[u8]) -> Result<KeySpec, notary_core::Error> {
        spki_key(certificate).map(|(spec, _)| spec)
    }

    fn verify_signature(
        &self,
        certificate: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), notary_core::Error> {
        let (spec, key) = spki_key(certificate)?;
        if spec.signature_algorithm() != algorithm {
            return Err(core_err("algorithm does not match key"));
        }
        UnparsedPublicKey::new(verification_alg(algorithm), &key)
            .verify(message, sig)
            .map_err(|_| core_err("bad signature"))
    }
}

// --- A tiny CBOR writer: emits items exactly as asked (no sorting, no checks). ---

pub fn head(major: u8, arg: u64) -> Vec<u8> {
    let m = major << 5;
    if arg < 24 {
        vec![m | arg as u8]
    } else if arg <= 0xff {
        vec![m | 24, arg as u8]
    } else if arg <= 0xffff {
        let mut v = vec![m | 25];
        v.extend_from_slice(&(arg as u16).to_be_bytes());
        v
    } else if arg <= 0xffff_ffff {
        let mut v = vec![m | 26];
        v.extend_from_slice(&(arg as u32).to_be_bytes());
        v
    } else {
        let mut v = vec![m | 27];
        v.extend_from_slice(&arg.to_be_bytes());
        v
    }
}

pub fn int(v: i64) -> Vec<u8> {
    if v >= 0 {
        head(0, v as u64)
    } else {
        head(1, (-1 - v) as u64)
    }
}

pub fn bstr(b: &[u8]) -> Vec<u8> {
    let mut v = head(2, b.len() as u64);
    v.extend_from_slice(b);
    v
}

pub fn tstr(s: &str) -> Vec<u8> {
    let mut v = head(3, s.len() as u64);
    v.extend_from_slice(s.as_bytes());
    v
}

pub fn arr(items: &[Vec<u8>]) -> Vec<u8> {
    let mut v = head(4, items.len() as u64);
    for i in items {
        v.extend_from_slice(i);
    }
    v
}

pub fn map(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut v = head(5, pairs.len() as u64);
    for (k, val) in pairs {
        v.extend_from_slice(k);
        v.extend_from_slice(val);
    }
    v
}

pub fn tag(t: u64, inner: Vec<u8>) -> Vec<u8> {
    let mut v = head(6, t);
    v.extend_from_slice(&inner);
    v
}

/// COSE_Sign1_Tagged from already-encoded parts.
pub fn sign1(protected: &[u8], unprotected: &[u8], payload: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut v = tag(18, head(4, 4));
    v.extend_from_slice(&bstr(protected));
    v.extend_from_slice(unprotected);
    v.extend_from_slice(&bstr(payload));
    v.extend_from_slice(&bstr(sig));
    v
}

pub fn from_hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}
