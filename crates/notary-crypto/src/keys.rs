use std::fmt;
use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING,
    ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, RSA_PSS_SHA256,
    RSA_PSS_SHA384, RSA_PSS_SHA512, RsaKeyPair,
};
use notary_core::{Error, KeySpec, RawSignature, Signer};
use notary_x509::Certificate;

/// Largest key or certificate PEM file read.
const MAX_PEM_FILE: u64 = 1024 * 1024;

/// Reads a key or certificate file (a link is followed): a regular file of at most
/// [`MAX_PEM_FILE`] bytes. Its type is checked before the open (opening a FIFO would block) and
/// on the opened file, and the read stops past the bound (`/dev/zero` and files that grow).
fn read_pem_file(p: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read as _;
    let fail = |e: &dyn std::fmt::Display| bad_key(format!("{}: {e}", p.display()));
    let too_large = || fail(&format_args!("larger than {MAX_PEM_FILE} bytes"));
    let before = std::fs::metadata(p).map_err(|e| fail(&e))?;
    let file = if before.is_file() {
        std::fs::File::open(p).map_err(|e| fail(&e))?
    } else {
        return Err(fail(&"not a regular file"));
    };
    let meta = file.metadata().map_err(|e| fail(&e))?;
    if !meta.is_file() {
        return Err(fail(&"not a regular file"));
    }
    if meta.len() > MAX_PEM_FILE {
        return Err(too_large());
    }
    let mut data = Vec::new();
    file.take(MAX_PEM_FILE.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| fail(&e))?;
    if data.len() as u64 > MAX_PEM_FILE {
        return Err(too_large());
    }
    Ok(data)
}

enum Key {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A [`Signer`] over a local private key and its certificate chain (leaf first).
pub struct LocalSigner {
    key: Key,
    spec: KeySpec,
    chain: Vec<Vec<u8>>,
    rng: SystemRandom,
}

impl fmt::Debug for LocalSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("LocalSigner")
            .field("key_spec", &self.spec)
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

fn ec_algorithm(spec: KeySpec) -> &'static EcdsaSigningAlgorithm {
    match spec {
        KeySpec::EcP384 => &ECDSA_P384_SHA384_FIXED_SIGNING,
        KeySpec::EcP521 => &ECDSA_P521_SHA512_FIXED_SIGNING,
        _ => &ECDSA_P256_SHA256_FIXED_SIGNING,
    }
}

const EC_SPECS: [KeySpec; 3] = [KeySpec::EcP256, KeySpec::EcP384, KeySpec::EcP521];

fn bad_key(reason: impl Into<String>) -> Error {
    Error::UnsupportedKey {
        reason: reason.into(),
    }
}

/// Loads a private key from DER, trying the encodings a PEM label allows.
fn load_key(label: &str, der: &[u8]) -> Result<(Key, KeySpec), Error> {
    match label {
        "PRIVATE KEY" => {
            if let Ok(k) = RsaKeyPair::from_pkcs8(der) {
                return rsa(k);
            }
            for spec in EC_SPECS {
                if let Ok(k) = EcdsaKeyPair::from_pkcs8(ec_algorithm(spec), der) {
                    return Ok((Key::Ec(k), spec));
                }
            }
            Err(bad_key(
                "PKCS#8 key is neither RSA nor ECDSA on P-256, P-384 or P-521",
            ))
        }
        "RSA PRIVATE KEY" => rsa(RsaKeyPair::from_der(der)
            .map_err(|e| bad_key(format!("invalid PKCS#1 RSA key: {e}")))?),
        "EC PRIVATE KEY" => {
            for spec in EC_SPECS {
                if let Ok(k) = EcdsaKeyPair::from_private_key_der(ec_algorithm(spec), der) {
                    return Ok((Key::Ec(k), spec));
                }
            }
            Err(bad_key(
                "SEC1 EC key is not on P-256, P-384 or P-521, or is malformed",
            ))
        }
        "ENCRYPTED PRIVATE KEY" => Err(bad_key(
            "encrypted private keys are not supported; decrypt the key first (openssl pkey -in KEY -out PLAIN)",
        )),
        other => Err(bad_key(format!(
            "PEM block {other:?} is not a private key (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
        ))),
    }
}

fn rsa(k: RsaKeyPair) -> Result<(Key, KeySpec), Error> {
    let spec = KeySpec::from_rsa_modulus_len(k.public_modulus_len())?;
    Ok((Key::Rsa(k), spec))
}

/// The content of the subjectPublicKey BIT STRING of a DER SubjectPublicKeyInfo.
fn spki_key_bits(spki: &[u8]) -> Option<&[u8]> {
    fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest
                .get(..n)?
                .iter()
                .fold(0usize, |a, &b| (a << 8) | usize::from(b));
            (len, rest.get(n..)?)
        };
        if rest.len() < len {
            return None;
        }
        Some((tag, rest.get(..len)?, rest.get(len..)?))
    }
    let (tag, seq, _) = tlv(spki)?;
    if tag != 0x30 {
        return None;
    }
    let (_, _, rest) = tlv(seq)?; // AlgorithmIdentifier
    let (tag, bits, _) = tlv(rest)?;
    if tag != 0x03 {
        return None;
    }
    bits.split_first()
        .filter(|(unused, _)| **unused == 0)
        .map(|(_, b)| b)
}

impl LocalSigner {
    /// A signer from a PEM private key and a PEM certificate chain (leaf first).
    ///
    /// The key may be PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1
    /// (`EC PRIVATE KEY`); it must be one of the six Notary key specs and its public key must
    /// be the leaf certificate's.
    pub fn from_pem(key_pem: &[u8], cert_chain_pem: &[u8]) -> Result<Self, Error> {
        let blocks = pem::parse_many(key_pem).map_err(|e| bad_key(format!("invalid PEM: {e}")))?;
        let block = match blocks.as_slice() {
            [b] => b,
            [] => return Err(bad_key("no PEM block found in the key file")),
            _ => return Err(bad_key("the key file must hold exactly one PEM block")),
        };
        let (key, spec) = load_key(block.tag(), block.contents())?;
        let chain = notary_x509::read_certificates(cert_chain_pem).map_err(|e| {
            Error::InvalidCertificate {
                reason: e.to_string(),
            }
        })?;
        Self::new(key, spec, chain)
    }

    /// A signer from a PKCS#8 DER private key and a DER certificate chain (leaf first).
    pub fn from_pkcs8_der(key: &[u8], chain_der: Vec<Vec<u8>>) -> Result<Self, Error> {
        let (key, spec) = load_key("PRIVATE KEY", key)?;
        let chain = chain_der
            .iter()
            .map(|d| Certificate::from_der(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::InvalidCertificate {
                reason: e.to_string(),
            })?;
        Self::new(key, spec, chain)
    }

    /// A signer from a key file and a certificate-chain file; errors name the file.
    pub fn from_files(key_path: &Path, cert_path: &Path) -> Result<Self, Error> {
        let key = read_pem_file(key_path)?;
        let certs = read_pem_file(cert_path)?;
        Self::from_pem(&key, &certs).map_err(|e| match e {
            Error::UnsupportedKey { reason } => {
                bad_key(format!("{}: {reason}", key_path.display()))
            }
            Error::InvalidCertificate { reason } => Error::InvalidCertificate {
                reason: format!("{}: {reason}", cert_path.display()),
            },
            other => other,
        })
    }

    fn new(key: Key, spec: KeySpec, chain: Vec<Certificate>) -> Result<Self, Error> {
        let leaf = chain.first().ok_or_else(|| Error::InvalidCertificate {
            reason: "the certificate chain is empty".into(),
        })?;
        let leaf_bits =
            spki_key_bits(leaf.spki_der()).ok_or_else(|| Error::InvalidCertificate {
                reason: "cannot read the leaf certificate's public key".into(),
            })?;
        let key_bits: &[u8] = match &key {
            Key::Rsa(k) => k.public_key().as_ref(),
            Key::Ec(k) => k.public_key().as_ref(),
        };
        if key_bits != leaf_bits {
            return Err(bad_key(format!(
                "the private key does not belong to the leaf certificate {:?}",
                leaf.subject_string()
            )));
        }
        Ok(Self {
            key,
            spec,
            chain: chain.iter().map(|c| c.der().to_vec()).collect(),
            rng: SystemRandom::new(),
        })
    }

    /// The certificate chain, DER, leaf first.
    pub fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
}

impl Signer for LocalSigner {
    fn key_spec(&self) -> Result<KeySpec, Error> {
        Ok(self.spec)
    }

    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, Error> {
        let failed = |e: aws_lc_rs::error::Unspecified| Error::SigningFailed {
            reason: e.to_string(),
        };
        let signature = match &self.key {
            Key::Rsa(k) => {
                let pad = match self.spec {
                    KeySpec::Rsa3072 => &RSA_PSS_SHA384,
                    KeySpec::Rsa4096 => &RSA_PSS_SHA512,
                    _ => &RSA_PSS_SHA256,
                };
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(pad, &self.rng, signing_input, &mut sig)
                    .map_err(failed)?;
                sig
            }
            Key::Ec(k) => k
                .sign(&self.rng, signing_input)
                .map_err(failed)?
                .as_ref()
                .to_vec(),
        };
        Ok(RawSignature {
            signature,
            certificate_chain: self.chain.clone(),
        })
    }
}

/// Generates a private key of `spec`, PKCS#8 DER.
pub fn generate_private_key(spec: KeySpec) -> Result<Vec<u8>, Error> {
    let failed = |e: aws_lc_rs::error::Unspecified| Error::SigningFailed {
        reason: format!("key generation failed: {e}"),
    };
    let der = match spec {
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
            let size = match spec {
                KeySpec::Rsa3072 => KeySize::Rsa3072,
                KeySpec::Rsa4096 => KeySize::Rsa4096,
                _ => KeySize::Rsa2048,
            };
            let k = RsaKeyPair::generate(size).map_err(failed)?;
            k.as_der().map_err(failed)?.as_ref().to_vec()
        }
        _ => {
            let rng = SystemRandom::new();
            EcdsaKeyPair::generate_pkcs8(ec_algorithm(spec), &rng)
                .map_err(failed)?
                .as_ref()
                .to_vec()
        }
    };
    Ok(der)
}

/// PEM (`PRIVATE KEY`) of a PKCS#8 DER key.
pub fn private_key_to_pem(pkcs8_der: &[u8]) -> String {
    // LF line endings, as Go's encoding/pem writes them (the crate's default is CRLF).
    pem::encode_config(
        &pem::Pem::new("PRIVATE KEY", pkcs8_der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spki_bits_rejects_garbage() {
        assert!(spki_key_bits(&[]).is_none());
        assert!(spki_key_bits(&[0x30, 0x05, 0x01]).is_none());
        assert!(spki_key_bits(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
    }

    /// A FIFO or a device named as the key must be refused, not read until the writer closes
    /// (which may be never) or until memory runs out.
    #[cfg(unix)]
    #[test]
    fn key_files_must_be_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("key.pem");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, "").unwrap();
        for key in [fifo.as_path(), Path::new("/dev/zero")] {
            let started = std::time::Instant::now();
            let Err(e) = LocalSigner::from_files(key, &cert) else {
                panic!("{} was accepted", key.display());
            };
            assert!(e.to_string().contains("not a regular file"), "{e}");
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
        }
    }
}
