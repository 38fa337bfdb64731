//! Public-key parsing and the signature policy (algorithm identifiers, PSS parameters, key
//! bounds, the binding of a key to an algorithm). The mathematics is the provider's: see
//! [`crate::X509Verifier`].

use crate::curve;
use notary_core::crypto::{CryptoError, CryptoProvider, EcCurve, HashFunction, SignatureKind};
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
    pub const P224: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x21];
    pub const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    pub const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    pub const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    pub const X25519: &[u8] = &[0x2b, 0x65, 0x6e];
    pub const DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
    pub const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    pub const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
}

/// A decoded SubjectPublicKeyInfo, borrowing from the DER (the provider's key type).
pub(crate) type PublicKey<'a> = notary_core::crypto::PublicKey<'a>;

/// Modulus length in bytes of an RSA key, leading zero bytes not counted.
fn rsa_modulus_len(modulus: &[u8]) -> usize {
    modulus
        .len()
        .saturating_sub(modulus.iter().take_while(|&&b| b == 0).count())
}

/// The Notary key spec (Go rule: RSA size = modulus byte length × 8).
pub(crate) fn key_spec_of(key: &PublicKey<'_>) -> Result<KeySpec, Error> {
    match *key {
        PublicKey::Rsa { modulus, .. } => {
            let modulus_len = rsa_modulus_len(modulus);
            KeySpec::from_rsa_modulus_len(modulus_len).map_err(|_| Error::UnsupportedKey {
                reason: format!(
                    "RSA key size {} bits is not supported (2048, 3072 or 4096)",
                    modulus_len.saturating_mul(8)
                ),
            })
        }
        PublicKey::Ec { curve, .. } => Ok(match curve {
            EcCurve::P256 => KeySpec::EcP256,
            EcCurve::P384 => KeySpec::EcP384,
            // EcCurve is non_exhaustive; parse_spki only produces the three curves.
            _ => KeySpec::EcP521,
        }),
        _ => Err(Error::UnsupportedKey {
            reason: "Ed25519 keys are not a Notary signing key type".into(),
        }),
    }
}

/// Short human description for messages.
pub(crate) fn describe(key: &PublicKey<'_>) -> String {
    match *key {
        PublicKey::Rsa { modulus, .. } => {
            format!("RSA {} bits", rsa_modulus_len(modulus).saturating_mul(8))
        }
        ref other => other.describe(),
    }
}

/// Significant bits of a big-endian unsigned integer.
fn bit_len(v: &[u8]) -> usize {
    let v = v
        .get(v.iter().take_while(|&&b| b == 0).count()..)
        .unwrap_or_default();
    match v.first() {
        Some(&b) => v.len().saturating_sub(1).saturating_mul(8).saturating_add(
            usize::try_from(u8::BITS.saturating_sub(b.leading_zeros())).unwrap_or(0),
        ),
        None => 0,
    }
}

/// The key rules that aws-lc once applied implicitly, made explicit so that every provider is
/// given the same keys: RSA with 2048 to 8192 modulus bits and an odd exponent `3 <= e < 2^31`;
/// EC as an uncompressed point of the curve's length (Go's parser refuses other forms);
/// Ed25519 keys of 32 bytes.
pub(crate) fn check_key_bounds(key: &PublicKey<'_>) -> Result<(), Error> {
    match *key {
        PublicKey::Rsa { modulus, exponent } => {
            let bits = bit_len(modulus);
            if !(2048..=8192).contains(&bits) {
                return Err(Error::UnsupportedKey {
                    reason: format!("RSA modulus of {bits} bits (2048 to 8192 accepted)"),
                });
            }
            let e = if bit_len(exponent) <= 34 {
                exponent
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
            } else {
                u64::MAX
            };
            if !(3..1 << 31).contains(&e) || e & 1 == 0 {
                return Err(Error::UnsupportedKey {
                    reason: "RSA public exponent must be odd, at least 3 and below 2^31".into(),
                });
            }
        }
        PublicKey::Ec { curve, point }
            if point.len() != curve.uncompressed_point_len() || point.first() != Some(&0x04) =>
        {
            return Err(Error::UnsupportedKey {
                reason: format!(
                    "{} public key must be an uncompressed point of {} bytes",
                    curve.name(),
                    curve.uncompressed_point_len()
                ),
            });
        }
        PublicKey::Ed25519 { key } if key.len() != 32 => {
            return Err(bad_key("Ed25519 key must be 32 bytes"));
        }
        _ => {}
    }
    Ok(())
}

fn bad_key(reason: &str) -> Error {
    Error::UnsupportedKey {
        reason: format!("malformed public key: {reason}"),
    }
}

/// The parts of a SubjectPublicKeyInfo as Go's parser reads them: the algorithm OID, its
/// parameters element if any, and the key's BIT STRING; nothing after the parameters or after
/// the BIT STRING is read.
fn spki_parts(spki: &[u8]) -> der::DerResult<(&[u8], Option<der::Tlv<'_>>, der::Tlv<'_>)> {
    let outer = Reader::new(spki).read(tag::SEQUENCE)?;
    let mut r = Reader::new(outer.value);
    let alg = r.read(tag::SEQUENCE)?;
    let bits = r.read(tag::BIT_STRING)?;
    let mut a = Reader::new(alg.value);
    let alg_oid = a.read(tag::OID)?;
    let params = if a.is_empty() {
        None
    } else {
        Some(a.read_any()?)
    };
    Ok((alg_oid.value, params, bits))
}

/// An RSAPublicKey as Go's parser reads it: a SEQUENCE of two minimal INTEGERs (anything after
/// them, or after the SEQUENCE, not read); (modulus, exponent) contents.
fn rsa_key_parts(key: &[u8]) -> der::DerResult<(&[u8], &[u8])> {
    let seq = Reader::new(key).read(tag::SEQUENCE)?;
    let mut k = Reader::new(seq.value);
    let n = k.read(tag::INTEGER)?;
    let e = k.read(tag::INTEGER)?;
    der::check_integer(n.value)?;
    der::check_integer(e.value)?;
    Ok((n.value, e.value))
}

/// Refuses the public keys Go's certificate parser refuses (`parsePublicKey`), so that a
/// certificate notation cannot load does not load here either: RSA without NULL parameters,
/// or whose modulus or exponent is not a positive minimal INTEGER (the exponent within 64
/// bits); EC without a named curve, on a curve Go does not know (P-224, P-256, P-384, P-521),
/// or not an uncompressed point of its length; Ed25519 and X25519 with parameters or not of 32
/// bytes; DSA with malformed or non-positive values. Other algorithms are not looked into, as
/// Go does not. An EC point must lie on its curve, as Go's parser requires.
pub(crate) fn check_public_key_as_go(spki: &[u8]) -> Result<(), &'static str> {
    let (alg, params, bits) = spki_parts(spki)?;
    // Go decodes only the keys of algorithms it knows (their BIT STRING whole bytes); another
    // key, unused bits included, is left as it is.
    const KNOWN: [&[u8]; 5] = [
        oid::RSA_ENCRYPTION,
        oid::EC_PUBLIC_KEY,
        oid::ED25519,
        oid::X25519,
        oid::DSA,
    ];
    if !KNOWN.contains(&alg) {
        return Ok(());
    }
    let key = match alg {
        // Go right-aligns a key's bits when some are unused: that breaks the leading tag of
        // an RSA, EC or DSA key, but an Ed25519 or X25519 key keeps its 32 bytes and loads
        // (as other bits; notary refuses such a key if it is used).
        oid::ED25519 | oid::X25519 => {
            der::check_bit_string(bits.value)?;
            bits.value.get(1..).unwrap_or_default()
        }
        _ => der::bit_string_bytes(&bits)?,
    };
    let positive = |v: &[u8]| v.first().is_some_and(|b| b & 0x80 == 0) && v.iter().any(|b| *b != 0);
    match alg {
        oid::RSA_ENCRYPTION => {
            if !matches!(params, Some(p) if p.tag == tag::NULL && p.value.is_empty()) {
                return Err("RSA key missing NULL parameters");
            }
            let (n, e) = rsa_key_parts(key).map_err(|_| "invalid RSA public key")?;
            if !positive(n) {
                return Err("RSA modulus is not a positive number");
            }
            if e.len() > 8 || !positive(e) {
                return Err("RSA public exponent is not a positive number of 64 bits");
            }
        }
        oid::EC_PUBLIC_KEY => {
            let curve = match params {
                Some(p) if p.tag == tag::OID && der::check_oid(p.value).is_ok() => p.value,
                _ => return Err("invalid ECDSA parameters"),
            };
            // 0x04 and the two coordinates.
            let point_len = match curve {
                oid::P224 => 57,
                oid::P256 => 65,
                oid::P384 => 97,
                oid::P521 => 133,
                _ => return Err("unsupported elliptic curve"),
            };
            if key.first() != Some(&0x04) || key.len() != point_len {
                return Err("invalid uncompressed EC public key");
            }
            if !curve::on_curve(curve, key.get(1..).unwrap_or_default()) {
                return Err("EC public key is not a point on its curve");
            }
        }
        oid::ED25519 | oid::X25519 => {
            if params.is_some() {
                return Err("X25519 or Ed25519 key encoded with parameters");
            }
            if key.len() != 32 {
                return Err("wrong X25519 or Ed25519 public key size");
            }
        }
        oid::DSA => {
            let y = Reader::new(key)
                .read(tag::INTEGER)
                .map_err(|_| "invalid DSA public key")?;
            let p = params.ok_or("invalid DSA parameters")?;
            if p.tag != tag::SEQUENCE {
                return Err("invalid DSA parameters");
            }
            let mut r = Reader::new(p.value);
            let mut values = vec![y.value];
            for _ in 0..3 {
                values.push(
                    r.read(tag::INTEGER)
                        .map_err(|_| "invalid DSA parameters")?
                        .value,
                );
            }
            for v in values {
                der::check_integer(v).map_err(|_| "invalid DSA parameters")?;
                if !positive(v) {
                    return Err("zero or negative DSA parameter");
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Decodes a DER SubjectPublicKeyInfo.
pub(crate) fn parse_spki(spki: &[u8]) -> Result<PublicKey<'_>, Error> {
    let (alg_oid, params, bits) = spki_parts(spki).map_err(bad_key)?;
    let key = der::bit_string_bytes(&bits).map_err(bad_key)?;

    match alg_oid {
        oid::RSA_ENCRYPTION => {
            // Go refuses RSA keys whose parameters are not NULL.
            if !matches!(params, Some(p) if p.tag == tag::NULL && p.value.is_empty()) {
                return Err(bad_key("RSA key parameters must be NULL"));
            }
            let (n, e) = rsa_key_parts(key).map_err(bad_key)?;
            if n.first().is_some_and(|b| b & 0x80 != 0) || e.first().is_some_and(|b| b & 0x80 != 0)
            {
                return Err(bad_key("negative RSA modulus or exponent"));
            }
            let modulus = match n {
                [0, rest @ ..] => rest,
                v => v,
            };
            if modulus.is_empty() {
                return Err(bad_key("zero RSA modulus"));
            }
            let exponent = match e {
                [0, rest @ ..] => rest,
                v => v,
            };
            Ok(PublicKey::Rsa { modulus, exponent })
        }
        oid::EC_PUBLIC_KEY => {
            let curve_oid = match params {
                Some(p) if p.tag == tag::OID => p.value,
                _ => return Err(bad_key("EC key parameters must name a curve")),
            };
            let curve = match curve_oid {
                oid::P256 => EcCurve::P256,
                oid::P384 => EcCurve::P384,
                oid::P521 => EcCurve::P521,
                other => {
                    return Err(Error::UnsupportedKey {
                        reason: format!(
                            "elliptic curve {} is not supported (P-256, P-384 or P-521)",
                            der::oid_to_string(other).unwrap_or_else(|| "(malformed)".into())
                        ),
                    });
                }
            };
            Ok(PublicKey::Ec { curve, point: key })
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
    key_spec_of(&parse_spki(spki_der)?)
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
    // As Go's `parseAI`: the parameters element, and nothing after it read.
    let params = if r.is_empty() {
        None
    } else {
        Some(r.read_any().map_err(|_| malformed())?)
    };

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

impl Hash {
    fn function(self) -> HashFunction {
        match self {
            Hash::Sha256 => HashFunction::Sha256,
            Hash::Sha384 => HashFunction::Sha384,
            Hash::Sha512 => HashFunction::Sha512,
        }
    }
}

/// The provider's signature kind for a certificate algorithm and a key, `None` when the key
/// cannot make that kind of signature.
fn cert_signature_kind(alg: CertSigAlg, key: &PublicKey<'_>) -> Option<SignatureKind> {
    Some(match (alg, key) {
        (CertSigAlg::RsaPkcs1(h), PublicKey::Rsa { .. }) => {
            SignatureKind::RsaPkcs1v15(h.function())
        }
        (CertSigAlg::RsaPss(h), PublicKey::Rsa { .. }) => SignatureKind::RsaPss(h.function()),
        (CertSigAlg::Ecdsa(h), PublicKey::Ec { .. }) => SignatureKind::EcdsaDer(h.function()),
        (CertSigAlg::Ed25519, PublicKey::Ed25519 { .. }) => SignatureKind::Ed25519,
        _ => return None,
    })
}

/// A provider failure as this crate's error. The provider's reason is kept only when it is
/// not a plain mismatch (a key the backend refuses, a backend fault).
fn provider_error(e: CryptoError, alg: &str, key: &str) -> Error {
    let base = format!("{alg} signature does not verify with the {key} key");
    Error::SignatureMismatch {
        reason: match e {
            CryptoError::BadSignature => base,
            other => format!("{base}: {other}"),
        },
    }
}

/// Verifies an X.509-style signature (certificates, CRLs, OCSP responses, CMS) whose algorithm
/// identifier is `alg_der`, with `key`, through `provider`.
pub(crate) fn verify_cert_signature(
    provider: &CryptoProvider,
    key: &PublicKey<'_>,
    alg_der: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let alg = parse_cert_sig_alg(alg_der)?;
    let kind = cert_signature_kind(alg, key).ok_or_else(|| Error::KeyAlgorithmMismatch {
        algorithm: alg.name().into(),
        key: describe(key),
    })?;
    check_key_bounds(key)?;
    provider
        .signatures
        .verify(kind, key, signed, signature)
        .map_err(|e| provider_error(e, alg.name(), &describe(key)))
}

/// Verifies a Notary envelope signature with `key` through `provider`: the algorithm must be
/// the one the key's spec implies, ECDSA signatures fixed-width `r || s`.
pub(crate) fn verify_raw_with_key(
    provider: &CryptoProvider,
    key: &PublicKey<'_>,
    alg: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let spec = key_spec_of(key)?;
    if spec.signature_algorithm() != alg {
        return Err(Error::KeyAlgorithmMismatch {
            algorithm: alg.name().into(),
            key: spec.name().into(),
        });
    }
    check_key_bounds(key)?;
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
    provider
        .signatures
        .verify(SignatureKind::from(alg), key, message, signature)
        .map_err(|e| provider_error(e, alg.name(), spec.name()))
}
