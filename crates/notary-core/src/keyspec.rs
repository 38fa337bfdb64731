use std::fmt;

use crate::digest::DigestAlgorithm;
use crate::error::Error;

/// Hash algorithm of a Notary signature algorithm; the same type as [`DigestAlgorithm`].
pub type HashAlgorithm = DigestAlgorithm;

/// The six key specs a Notary signing key may have.
///
/// The leaf certificate's key is the source of truth: its spec implies the one signature
/// algorithm allowed for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KeySpec {
    /// RSA with a 2048-bit modulus (RSASSA-PSS SHA-256).
    Rsa2048,
    /// RSA with a 3072-bit modulus (RSASSA-PSS SHA-384).
    Rsa3072,
    /// RSA with a 4096-bit modulus (RSASSA-PSS SHA-512).
    Rsa4096,
    /// ECDSA on P-256 (SHA-256).
    EcP256,
    /// ECDSA on P-384 (SHA-384).
    EcP384,
    /// ECDSA on P-521 (SHA-512).
    EcP521,
}

impl KeySpec {
    /// All six key specs.
    pub const ALL: [KeySpec; 6] = [
        KeySpec::Rsa2048,
        KeySpec::Rsa3072,
        KeySpec::Rsa4096,
        KeySpec::EcP256,
        KeySpec::EcP384,
        KeySpec::EcP521,
    ];

    /// The signature algorithm implied by this key spec.
    pub fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::Rsa2048 => SignatureAlgorithm::RsaPssSha256,
            Self::Rsa3072 => SignatureAlgorithm::RsaPssSha384,
            Self::Rsa4096 => SignatureAlgorithm::RsaPssSha512,
            Self::EcP256 => SignatureAlgorithm::EcdsaSha256,
            Self::EcP384 => SignatureAlgorithm::EcdsaSha384,
            Self::EcP521 => SignatureAlgorithm::EcdsaSha512,
        }
    }

    /// The hash algorithm implied by this key spec (also used for blob digests).
    pub fn hash_algorithm(self) -> HashAlgorithm {
        self.signature_algorithm().hash_algorithm()
    }

    /// The plugin-protocol name (`RSA-2048`, `EC-256`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa2048 => "RSA-2048",
            Self::Rsa3072 => "RSA-3072",
            Self::Rsa4096 => "RSA-4096",
            Self::EcP256 => "EC-256",
            Self::EcP384 => "EC-384",
            Self::EcP521 => "EC-521",
        }
    }

    /// Parses a plugin-protocol name.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| Error::Unsupported {
                what: "key spec",
                value: name.to_string(),
            })
    }

    /// The key spec of an RSA key whose modulus is `modulus_bytes` long (notation measures the
    /// byte length, so a 2047-bit modulus counts as 2048).
    pub fn from_rsa_modulus_len(modulus_bytes: usize) -> Result<Self, Error> {
        match modulus_bytes {
            256 => Ok(Self::Rsa2048),
            384 => Ok(Self::Rsa3072),
            512 => Ok(Self::Rsa4096),
            bytes => Err(Error::UnsupportedKey {
                reason: format!(
                    "RSA key size {} bits is not supported (2048, 3072 or 4096)",
                    bytes.saturating_mul(8)
                ),
            }),
        }
    }

    /// True for the RSA specs.
    pub fn is_rsa(self) -> bool {
        matches!(self, Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096)
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The six Notary signature algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32.
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, salt 64.
    RsaPssSha512,
    /// ECDSA P-256 with SHA-256, raw `r||s`.
    EcdsaSha256,
    /// ECDSA P-384 with SHA-384, raw `r||s`.
    EcdsaSha384,
    /// ECDSA P-521 with SHA-512, raw `r||s`.
    EcdsaSha512,
}

impl SignatureAlgorithm {
    /// All six algorithms.
    pub const ALL: [SignatureAlgorithm; 6] = [
        Self::RsaPssSha256,
        Self::RsaPssSha384,
        Self::RsaPssSha512,
        Self::EcdsaSha256,
        Self::EcdsaSha384,
        Self::EcdsaSha512,
    ];

    /// The JWS `alg` value.
    pub fn jws_name(self) -> &'static str {
        match self {
            Self::RsaPssSha256 => "PS256",
            Self::RsaPssSha384 => "PS384",
            Self::RsaPssSha512 => "PS512",
            Self::EcdsaSha256 => "ES256",
            Self::EcdsaSha384 => "ES384",
            Self::EcdsaSha512 => "ES512",
        }
    }

    /// The COSE `alg` label value.
    pub fn cose_value(self) -> i64 {
        match self {
            Self::RsaPssSha256 => -37,
            Self::RsaPssSha384 => -38,
            Self::RsaPssSha512 => -39,
            Self::EcdsaSha256 => -7,
            Self::EcdsaSha384 => -35,
            Self::EcdsaSha512 => -36,
        }
    }

    /// The plugin-protocol name (`RSASSA-PSS-SHA-256`, `ECDSA-SHA-256`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::RsaPssSha256 => "RSASSA-PSS-SHA-256",
            Self::RsaPssSha384 => "RSASSA-PSS-SHA-384",
            Self::RsaPssSha512 => "RSASSA-PSS-SHA-512",
            Self::EcdsaSha256 => "ECDSA-SHA-256",
            Self::EcdsaSha384 => "ECDSA-SHA-384",
            Self::EcdsaSha512 => "ECDSA-SHA-512",
        }
    }

    /// Parses a JWS `alg` value.
    pub fn from_jws_name(alg: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|a| a.jws_name() == alg)
            .ok_or_else(|| Error::Unsupported {
                what: "JWS signature algorithm",
                value: alg.to_string(),
            })
    }

    /// Parses a COSE `alg` value.
    pub fn from_cose_value(alg: i64) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|a| a.cose_value() == alg)
            .ok_or_else(|| Error::Unsupported {
                what: "COSE signature algorithm",
                value: alg.to_string(),
            })
    }

    /// Parses a plugin-protocol name.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| Error::Unsupported {
                what: "signature algorithm",
                value: name.to_string(),
            })
    }

    /// The hash algorithm.
    pub fn hash_algorithm(self) -> HashAlgorithm {
        match self {
            Self::RsaPssSha256 | Self::EcdsaSha256 => HashAlgorithm::Sha256,
            Self::RsaPssSha384 | Self::EcdsaSha384 => HashAlgorithm::Sha384,
            Self::RsaPssSha512 | Self::EcdsaSha512 => HashAlgorithm::Sha512,
        }
    }

    /// For ECDSA, the length in bytes of the raw `r||s` signature.
    pub fn ecdsa_signature_len(self) -> Option<usize> {
        match self {
            Self::EcdsaSha256 => Some(64),
            Self::EcdsaSha384 => Some(96),
            Self::EcdsaSha512 => Some(132),
            _ => None,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
