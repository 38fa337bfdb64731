use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
#[cfg(feature = "sha2")]
use sha2::Digest as _;

use crate::error::{Error, shown};

/// Hash algorithms usable in Notary digests (`sha256`, `sha384`, `sha512`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-256 (`sha256:`).
    Sha256,
    /// SHA-384 (`sha384:`).
    Sha384,
    /// SHA-512 (`sha512:`).
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm's name as used in digest strings.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The Notary/plugin hash name (`SHA-256`, ...).
    pub fn notary_name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Parses `sha256`/`sha384`/`sha512`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Hashes `data` in one go (feature `sha2`; the verification crates hash through a
    /// [`crate::crypto::CryptoProvider`] instead).
    #[cfg(feature = "sha2")]
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// Computes the [`Digest`] of `data` (feature `sha2`).
    #[cfg(feature = "sha2")]
    pub fn digest(self, data: &[u8]) -> Digest {
        Digest {
            algorithm: self,
            hex: hex::encode(self.hash(data)),
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A validated content digest, `<algorithm>:<lowercase hex>`.
///
/// ```
/// let d: notary_core::Digest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a".parse()?;
/// assert_eq!(d.algorithm(), notary_core::DigestAlgorithm::Sha256);
/// assert!("sha256:ABC".parse::<notary_core::Digest>().is_err());
/// # Ok::<(), notary_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: DigestAlgorithm,
    hex: String,
}

impl Digest {
    /// Builds a digest from raw hash bytes.
    pub fn from_bytes(algorithm: DigestAlgorithm, bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != algorithm.output_len() {
            return Err(Error::InvalidDigest {
                digest: hex::encode(bytes),
                reason: format!(
                    "{} digest must be {} bytes",
                    algorithm,
                    algorithm.output_len()
                ),
            });
        }
        Ok(Self {
            algorithm,
            hex: hex::encode(bytes),
        })
    }

    /// The hash algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The lowercase hex encoding of the hash.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The raw hash bytes.
    pub fn bytes(&self) -> Vec<u8> {
        hex::decode(&self.hex).unwrap_or_default()
    }

    /// True when `data` hashes to this digest (feature `sha2`).
    #[cfg(feature = "sha2")]
    pub fn matches(&self, data: &[u8]) -> bool {
        self.algorithm.hash(data) == self.bytes()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

impl FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::InvalidDigest {
            digest: shown(s),
            reason: reason.to_string(),
        };
        let (alg, hex) = s
            .split_once(':')
            .ok_or_else(|| bad("missing ':' separator"))?;
        let algorithm = DigestAlgorithm::from_name(alg)
            .ok_or_else(|| bad("unsupported algorithm (expected sha256, sha384 or sha512)"))?;
        if algorithm.output_len().checked_mul(2) != Some(hex.len()) {
            return Err(bad("wrong hex length for the algorithm"));
        }
        if !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad("encoded part must be lowercase hex"));
        }
        Ok(Self {
            algorithm,
            hex: hex.to_string(),
        })
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
