//! Public-key parsing and signature verification backed by aws-lc-rs.

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use notary_core::{KeySpec, SignatureAlgorithm};

use crate::der::{self, Reader, tag};
use crate::error::Error;

/// OID contents (without tag and length) of the algorithms this crate knows.
pub(crate) mod oid {
    pub const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    pub const MD2_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x02];
    pub const MD5_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04];
    pub const SHA1_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
    pub const MGF1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
    pub const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    pub const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    pub const SHA384_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
    pub const SHA512_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
    /// OIW sha1WithRSASignature (1.3.14.3.2.29).
    pub const SHA1_WITH_RSA_OIW: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1d];
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    pub const ECDSA_WITH_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
    pub const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    pub const ECDSA_WITH_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
    pub const ECDSA_WITH_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
    pub const DSA_WITH_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03];
    pub const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    pub const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    pub const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    pub const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    pub const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
}

/// Elliptic curves accepted for keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

/// A decoded SubjectPublicKeyInfo, borrowing from the DER.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PublicKey<'a> {
    /// RSA; `pkcs1` is the RSAPublicKey, `modulus_len` the modulus length in bytes.
    Rsa { pkcs1: &'a [u8], modulus_len: usize },
    /// ECDSA on a named curve; `spki` is the whole SubjectPublicKeyInfo.
    Ec { spki: &'a [u8], curve: Curve },
    /// Ed25519; `key` is the raw 32-byte key.
    Ed25519 { key: &'a [u8] },
}

impl PublicKey<'_> {
    /// The Notary key spec (Go rule: RSA size = modulus byte length × 8).
    pub(crate) fn key_spec(&self) -> Result<KeySpec, Error> {
        match *self {
            PublicKey::Rsa { modulus_len, .. } => KeySpec::from_rsa_modulus_len(modulus_len)
                .map_err(|_| Error::UnsupportedKey {
                    reason: format!(
                        "RSA key size {} bits is not supported (2048, 3072 or 4096)",
                        modulus_len.saturating_mul(8)
                    ),
                }),
            PublicKey::Ec { curve, .. } => Ok(match curve {
                Curve::P256 => KeySpec::EcP256,
                Curve::P384 => KeySpec::EcP384,
                Curve::P521 => KeySpec::EcP521,
            }),
            PublicKey::Ed25519 { .. } => Err(Error::UnsupportedKey {
                reason: "Ed25519 keys are not a Notary signing key type".into(),
            }),
        }
    }

    /// Short human description for messages.
    pub(crate) fn describe(&self) -> String {
        match *self {
            PublicKey::Rsa { modulus_len, .. } => {
                format!("RSA {} bits", modulus_len.saturating_mul(8))
            }
            PublicKey::Ec { curve, .. } => match curve {
                Curve::P256 => "EC P-256".into(),
                Curve::P384 => "EC P-384".into(),
                Curve::P521 => "EC P-521".into(),
            },
            PublicKey::Ed25519 { .. } => "Ed25519".into(),
        }
    }
}

fn bad_key(reason: &str) -> Error {
    Error::UnsupportedKey {
        reason: format!("malformed public key: {reason}"),
    }
}

/// Decodes a DER SubjectPublicKeyInfo.
pub(crate) fn parse_spki(spki: &[u8]) -> Result<PublicKey<'_>, Error> {
    let outer = der::parse_single(spki, tag::SEQUENCE).map_err(bad_key)?;
    let mut r = Reader::new(outer.value);
    let alg = r.read(tag::SEQUENCE).map_err(bad_key)?;
    let bits = r.read(tag::BIT_STRING).map_err(bad_key)?;
    r.finish().map_err(bad_key)?;
    let key = der::bit_string_bytes(&bits).map_err(bad_key)?;

    let mut a = Reader::new(alg.value);
    let alg_oid = a.read(tag::OID).map_err(bad_key)?;
    let params = if a.is_empty() {
        None
    } else {
        Some(a.read_any().map_err(bad_key)?)
    };
    a.finish().map_err(bad_key)?;

    match alg_oid.value {
        oid::RSA_ENCRYPTION => {
            // Go refuses RSA keys whose parameters are not NULL.
            if !matches!(params, Some(p) if p.tag == tag::NULL && p.value.is_empty()) {
                return Err(bad_key("RSA key parameters must be NULL"));
            }
            let seq = der::parse_single(key, tag::SEQUENCE).map_err(bad_key)?;
            let mut k = Reader::new(seq.value);
            let n = k.read(tag::INTEGER).map_err(bad_key)?;
            let e = k.read(tag::INTEGER).map_err(bad_key)?;
            k.finish().map_err(bad_key)?;
            der::check_integer(n.value).map_err(bad_key)?;
            der::check_integer(e.value).map_err(bad_key)?;
            if n.value.first().is_some_and(|b| b & 0x80 != 0)
                || e.value.first().is_some_and(|b| b & 0x80 != 0)
            {
                return Err(bad_key("negative RSA modulus or exponent"));
            }
            let modulus = match n.value {
                [0, rest @ ..] => rest,
                v => v,
            };
            if modulus.is_empty() {
                return Err(bad_key("zero RSA modulus"));
            }
            Ok(PublicKey::Rsa {
                pkcs1: key,
                modulus_len: modulus.len(),
            })
        }
        oid::EC_PUBLIC_KEY => {
            let curve_oid = match params {
                Some(p) if p.tag == tag::OID => p.value,
                _ => return Err(bad_key("EC key parameters must name a curve")),
            };
            let curve = match curve_oid {
                oid::P256 => Curve::P256,
                oid::P384 => Curve::P384,
                oid::P521 => Curve::P521,
                other => {
                    return Err(Error::UnsupportedKey {
                        reason: format!(
                            "elliptic curve {} is not supported (P-256, P-384 or P-521)",
                            der::oid_to_string(other).unwrap_or_else(|| "(malformed)".into())
                        ),
                    });
                }
            };
            Ok(PublicKey::Ec { spki, curve })
        }
        oid::ED25519 => {
            if params.is_some() || key.len() != 32 {
                return Err(bad_key("Ed25519 key must be 32 bytes without parameters"));
            }
            Ok(PublicKey::Ed25519 { key })
        }
        other => Err(Error::UnsupportedKey {
            reason: format!(
                "public key algorithm {} is not supported",
                der::oid_to_string(other).unwrap_or_else(|| "(malformed)".into())
            ),
        }),
    }
}

/// The key spec of a DER SubjectPublicKeyInfo (RSA 2048/3072/4096 by modulus byte length,
/// EC P-256/P-384/P-521).
///
/// ```
/// # let spki = notary_x509::Certificate::from_der(&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap()).unwrap().spki_der().to_vec();
/// let spec = notary_x509::key_spec_from_spki(&spki)?;
/// assert_eq!(spec, notary_core::KeySpec::Rsa2048);
/// # Ok::<(), notary_x509::Error>(())
/// ```
pub fn key_spec_from_spki(spki_der: &[u8]) -> Result<KeySpec, Error> {
    parse_spki(spki_der)?.key_spec()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Debug, Clone, Copy)]
enum CertSigAlg {
    RsaPkcs1(Hash),
    RsaPss(Hash),
    Ecdsa(Hash),
    Ed25519,
}

impl CertSigAlg {
    fn name(self) -> &'static str {
        match self {
            Self::RsaPkcs1(Hash::Sha256) => "sha256WithRSAEncryption",
            Self::RsaPkcs1(Hash::Sha384) => "sha384WithRSAEncryption",
            Self::RsaPkcs1(Hash::Sha512) => "sha512WithRSAEncryption",
            Self::RsaPss(Hash::Sha256) => "RSASSA-PSS-SHA256",
            Self::RsaPss(Hash::Sha384) => "RSASSA-PSS-SHA384",
            Self::RsaPss(Hash::Sha512) => "RSASSA-PSS-SHA512",
            Self::Ecdsa(Hash::Sha256) => "ecdsa-with-SHA256",
            Self::Ecdsa(Hash::Sha384) => "ecdsa-with-SHA384",
            Self::Ecdsa(Hash::Sha512) => "ecdsa-with-SHA512",
            Self::Ed25519 => "Ed25519",
        }
    }
}

fn unsupported_alg(alg_oid: &[u8], why: &str) -> Error {
    let name = der::oid_to_string(alg_oid).unwrap_or_else(|| "(malformed OID)".into());
    Error::UnsupportedSignatureAlgorithm {
        algorithm: if why.is_empty() {
            name
        } else {
            format!("{name} ({why})")
        },
    }
}

fn weak(name: &str) -> Error {
    Error::WeakSignatureAlgorithm {
        algorithm: name.into(),
    }
}

/// A hash AlgorithmIdentifier inside PSS parameters: parameters absent or NULL.
fn parse_hash_alg(alg: &[u8]) -> der::DerResult<&[u8]> {
    let seq = der::parse_single(alg, tag::SEQUENCE)?;
    let mut r = Reader::new(seq.value);
    let oid = r.read(tag::OID)?;
    if let Some(p) = r.read_optional(tag::NULL)?
        && !p.value.is_empty()
    {
        return Err("bad NULL");
    }
    r.finish()?;
    Ok(oid.value)
}

fn hash_of(oid_value: &[u8]) -> Option<Hash> {
    match oid_value {
        oid::SHA256 => Some(Hash::Sha256),
        oid::SHA384 => Some(Hash::Sha384),
        oid::SHA512 => Some(Hash::Sha512),
        _ => None,
    }
}

/// RSASSA-PSS-params as Go accepts them: explicit hash, MGF1 with the same hash, salt = hash
/// length, trailer field 1.
fn parse_pss_params(params: Option<der::Tlv<'_>>) -> Result<Hash, Error> {
    let bad = |why: &str| unsupported_alg(oid::RSASSA_PSS, why);
    let params = match params {
        Some(p) if p.tag == tag::SEQUENCE => p,
        _ => return Err(bad("missing parameters")),
    };
    let mut r = Reader::new(params.value);
    let hash_tlv = r.read(0xa0).map_err(|_| bad("missing hash algorithm"))?;
    let mgf_tlv = r
        .read(0xa1)
        .map_err(|_| bad("missing mask generation function"))?;
    let salt_tlv = r.read(0xa2).map_err(|_| bad("missing salt length"))?;
    let trailer_tlv = r
        .read_optional(0xa3)
        .map_err(|_| bad("malformed trailer field"))?;
    r.finish().map_err(|_| bad("trailing data in parameters"))?;

    let hash_oid = parse_hash_alg(hash_tlv.value).map_err(|_| bad("malformed hash algorithm"))?;
    if hash_oid == oid::SHA1 {
        return Err(weak("RSASSA-PSS with SHA-1"));
    }
    let hash = hash_of(hash_oid).ok_or_else(|| bad("unsupported hash"))?;

    let mgf = der::parse_single(mgf_tlv.value, tag::SEQUENCE).map_err(|_| bad("malformed MGF"))?;
    let mut m = Reader::new(mgf.value);
    let mgf_oid = m.read(tag::OID).map_err(|_| bad("malformed MGF"))?;
    let mgf_hash = m
        .read(tag::SEQUENCE)
        .map_err(|_| bad("malformed MGF hash"))?;
    m.finish().map_err(|_| bad("malformed MGF"))?;
    if mgf_oid.value != oid::MGF1 {
        return Err(bad("mask generation function is not MGF1"));
    }
    let mgf_hash_oid = parse_hash_alg(mgf_hash.raw).map_err(|_| bad("malformed MGF hash"))?;
    if mgf_hash_oid != hash_oid {
        return Err(bad("MGF1 hash differs from message hash"));
    }

    let salt_int =
        der::parse_single(salt_tlv.value, tag::INTEGER).map_err(|_| bad("malformed salt"))?;
    let salt = der::small_uint(salt_int.value).map_err(|_| bad("malformed salt"))?;
    let expected_salt = match hash {
        Hash::Sha256 => 32,
        Hash::Sha384 => 48,
        Hash::Sha512 => 64,
    };
    if salt != expected_salt {
        return Err(bad("salt length must equal the hash length"));
    }
    if let Some(t) = trailer_tlv {
        let int = der::parse_single(t.value, tag::INTEGER).map_err(|_| bad("malformed trailer"))?;
        if der::small_uint(int.value) != Ok(1) {
            return Err(bad("trailer field must be 1"));
        }
    }
    Ok(hash)
}

fn parse_cert_sig_alg(algorithm_identifier_der: &[u8]) -> Result<CertSigAlg, Error> {
    let malformed = || Error::UnsupportedSignatureAlgorithm {
        algorithm: "(malformed algorithm identifier)".into(),
    };
    let seq =
        der::parse_single(algorithm_identifier_der, tag::SEQUENCE).map_err(|_| malformed())?;
    let mut r = Reader::new(seq.value);
    let alg_oid = r.read(tag::OID).map_err(|_| malformed())?;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.read_any().map_err(|_| malformed())?)
    };
    r.finish().map_err(|_| malformed())?;

    Ok(match alg_oid.value {
        oid::SHA256_WITH_RSA => CertSigAlg::RsaPkcs1(Hash::Sha256),
        oid::SHA384_WITH_RSA => CertSigAlg::RsaPkcs1(Hash::Sha384),
        oid::SHA512_WITH_RSA => CertSigAlg::RsaPkcs1(Hash::Sha512),
        oid::RSASSA_PSS => CertSigAlg::RsaPss(parse_pss_params(params)?),
        oid::ECDSA_WITH_SHA256 => CertSigAlg::Ecdsa(Hash::Sha256),
        oid::ECDSA_WITH_SHA384 => CertSigAlg::Ecdsa(Hash::Sha384),
        oid::ECDSA_WITH_SHA512 => CertSigAlg::Ecdsa(Hash::Sha512),
        oid::ED25519 => {
            // RFC 8410: parameters must be absent.
            if params.is_some() {
                return Err(unsupported_alg(alg_oid.value, "parameters must be absent"));
            }
            CertSigAlg::Ed25519
        }
        oid::SHA1_WITH_RSA | oid::SHA1_WITH_RSA_OIW => return Err(weak("sha1WithRSAEncryption")),
        oid::MD5_WITH_RSA => return Err(weak("md5WithRSAEncryption")),
        oid::MD2_WITH_RSA => return Err(weak("md2WithRSAEncryption")),
        oid::ECDSA_WITH_SHA1 => return Err(weak("ecdsa-with-SHA1")),
        oid::DSA_WITH_SHA1 => return Err(weak("dsa-with-SHA1")),
        other => return Err(unsupported_alg(other, "")),
    })
}

/// Picks the aws-lc-rs algorithm and the key encoding it should be given.
fn cert_verification_alg<'k>(
    alg: CertSigAlg,
    key: &PublicKey<'k>,
) -> Option<(&'static dyn VerificationAlgorithm, &'k [u8])> {
    use Hash::*;
    Some(match (alg, *key) {
        (CertSigAlg::RsaPkcs1(h), PublicKey::Rsa { pkcs1, .. }) => (
            match h {
                Sha256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                Sha384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                Sha512 => &sig::RSA_PKCS1_2048_8192_SHA512,
            },
            pkcs1,
        ),
        (CertSigAlg::RsaPss(h), PublicKey::Rsa { pkcs1, .. }) => (
            match h {
                Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
                Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
                Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
            },
            pkcs1,
        ),
        (CertSigAlg::Ecdsa(h), PublicKey::Ec { spki, curve }) => (
            match (curve, h) {
                (Curve::P256, Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
                (Curve::P256, Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
                (Curve::P256, Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
                (Curve::P384, Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
                (Curve::P384, Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
                (Curve::P384, Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
                (Curve::P521, Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
                (Curve::P521, Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
                (Curve::P521, Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
            },
            spki,
        ),
        (CertSigAlg::Ed25519, PublicKey::Ed25519 { key }) => (&sig::ED25519, key),
        _ => return None,
    })
}

/// Verifies an X.509-style signature (certificates, and later CRLs, OCSP responses and CMS):
/// `signature` over `signed` with the key `spki_der`, using the algorithm described by the DER
/// AlgorithmIdentifier `algorithm_identifier_der`.
///
/// Accepted: sha256/384/512WithRSAEncryption, RSASSA-PSS (SHA-256/384/512, MGF1 with the same
/// hash, salt = hash length), ecdsa-with-SHA256/384/512 (DER signature) and Ed25519. RSA keys
/// must have 2048 to 8192 bits. SHA-1 and MD5 based algorithms give
/// [`Error::WeakSignatureAlgorithm`].
///
/// ```
/// use notary_x509::{Certificate, verify_signature_with_spki};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/");
/// let leaf = Certificate::from_der(&std::fs::read(format!("{dir}leaf.der")).unwrap())?;
/// let inter = Certificate::from_der(&std::fs::read(format!("{dir}inter.der")).unwrap())?;
/// verify_signature_with_spki(
///     inter.spki_der(),
///     leaf.signature_algorithm_der(),
///     leaf.tbs_der(),
///     leaf.signature(),
/// )?;
/// # Ok::<(), notary_x509::Error>(())
/// ```
pub fn verify_signature_with_spki(
    spki_der: &[u8],
    algorithm_identifier_der: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let alg = parse_cert_sig_alg(algorithm_identifier_der)?;
    let key = parse_spki(spki_der)?;
    verify_with_key(alg, &key, signed, signature)
}

fn verify_with_key(
    alg: CertSigAlg,
    key: &PublicKey<'_>,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let (lc_alg, key_bytes) =
        cert_verification_alg(alg, key).ok_or_else(|| Error::KeyAlgorithmMismatch {
            algorithm: alg.name().into(),
            key: key.describe(),
        })?;
    UnparsedPublicKey::new(lc_alg, key_bytes)
        .verify(signed, signature)
        .map_err(|_| Error::SignatureMismatch {
            reason: format!(
                "{} signature does not verify with the {} key",
                alg.name(),
                key.describe()
            ),
        })
}

/// Verifies a Notary envelope signature: `signature` over `message` with the key `spki_der`
/// using one of the six Notary algorithms.
///
/// The algorithm must be the one implied by the key's spec ([`Error::KeyAlgorithmMismatch`]
/// otherwise, checked before any cryptography). RSASSA-PSS uses MGF1 with the same hash and a
/// salt as long as the hash; ECDSA signatures are fixed-width `r || s`, not DER.
///
/// ```
/// use notary_core::SignatureAlgorithm;
/// use notary_x509::{Certificate, verify_raw_signature};
/// let leaf = Certificate::from_der(&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap())?;
/// // An RSA-2048 key only accepts PS256.
/// let err = verify_raw_signature(leaf.spki_der(), SignatureAlgorithm::EcdsaSha256, b"msg", &[0; 64]);
/// assert!(matches!(err, Err(notary_x509::Error::KeyAlgorithmMismatch { .. })));
/// # Ok::<(), notary_x509::Error>(())
/// ```
pub fn verify_raw_signature(
    spki_der: &[u8],
    alg: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let key = parse_spki(spki_der)?;
    verify_raw_with_key(&key, alg, message, signature)
}

pub(crate) fn verify_raw_with_key(
    key: &PublicKey<'_>,
    alg: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let spec = key.key_spec()?;
    if spec.signature_algorithm() != alg {
        return Err(Error::KeyAlgorithmMismatch {
            algorithm: alg.name().into(),
            key: spec.name().into(),
        });
    }
    let (lc_alg, key_bytes): (&'static dyn VerificationAlgorithm, &[u8]) = match *key {
        PublicKey::Rsa { pkcs1, .. } => (
            match alg {
                SignatureAlgorithm::RsaPssSha256 => &sig::RSA_PSS_2048_8192_SHA256,
                SignatureAlgorithm::RsaPssSha384 => &sig::RSA_PSS_2048_8192_SHA384,
                _ => &sig::RSA_PSS_2048_8192_SHA512,
            },
            pkcs1,
        ),
        PublicKey::Ec { spki, .. } => (
            match alg {
                SignatureAlgorithm::EcdsaSha256 => &sig::ECDSA_P256_SHA256_FIXED,
                SignatureAlgorithm::EcdsaSha384 => &sig::ECDSA_P384_SHA384_FIXED,
                _ => &sig::ECDSA_P521_SHA512_FIXED,
            },
            spki,
        ),
        // key_spec() already refused it.
        PublicKey::Ed25519 { .. } => {
            return Err(Error::UnsupportedKey {
                reason: "Ed25519 keys are not a Notary signing key type".into(),
            });
        }
    };
    if let Some(len) = alg.ecdsa_signature_len()
        && signature.len() != len
    {
        return Err(Error::SignatureMismatch {
            reason: format!(
                "{} signature must be {len} bytes (fixed-width r||s), got {}",
                alg.name(),
                signature.len()
            ),
        });
    }
    UnparsedPublicKey::new(lc_alg, key_bytes)
        .verify(message, signature)
        .map_err(|_| Error::SignatureMismatch {
            reason: format!(
                "{} signature does not verify with the {} key",
                alg.name(),
                spec.name()
            ),
        })
}

/// Verifies a certificate-style signature whose algorithm identifier is `alg_der`, used for
/// chain links (SHA-1/MD5 give [`Error::WeakSignatureAlgorithm`]).
pub(crate) fn verify_cert_signature(
    issuer_key: &PublicKey<'_>,
    alg_der: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let alg = parse_cert_sig_alg(alg_der)?;
    verify_with_key(alg, issuer_key, signed, signature)
}
