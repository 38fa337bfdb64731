//! [`X509Verifier`]: every X.509 operation that needs cryptography, through one provider.

use notary_core::crypto::{CryptoProvider, HashFunction};
use notary_core::{KeySpec, SignatureAlgorithm, SignatureVerifier};
use time::OffsetDateTime;

use crate::cert::{Certificate, locate_spki};
use crate::chain::{self, ChainPurpose};
use crate::error::Error;
use crate::read::{self, TrustStoreType};
use crate::signature::{self, parse_spki, verify_raw_with_key};

/// The X.509 verifier: the Notary signature policy of this crate (algorithm identifiers, PSS
/// parameters, key bounds, key/algorithm binding, SHA-1 refusal) on top of a
/// [`CryptoProvider`] that does only the mathematics.
///
/// A `Copy` value: pass it by value or reference wherever certificates are checked. It also
/// implements [`notary_core::SignatureVerifier`] for the envelope codecs: each call walks the
/// certificate's outer DER just far enough to find its public key, binds the declared algorithm
/// to the key's spec (a mismatch fails with [`notary_core::Error::SignatureInvalid`] naming
/// both, before any cryptography), then runs one provider verification.
///
/// ```
/// use notary_core::{SignatureAlgorithm, SignatureVerifier};
/// use notary_x509::X509Verifier;
/// let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap();
/// let v = X509Verifier::new(notary_provider_aws_lc_rs::provider());
/// assert_eq!(v.key_spec_of_certificate(&der)?, notary_core::KeySpec::Rsa2048);
/// let err = v.verify_signature(&der, SignatureAlgorithm::EcdsaSha256, b"m", &[0; 64]).unwrap_err();
/// assert!(err.to_string().contains("ECDSA-SHA-256"));
/// # Ok::<(), notary_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct X509Verifier {
    provider: CryptoProvider,
}

impl X509Verifier {
    /// A verifier on `provider`.
    pub const fn new(provider: CryptoProvider) -> Self {
        Self { provider }
    }

    /// The provider, for the hashing and random numbers of the crates built on this one.
    pub fn provider(&self) -> &CryptoProvider {
        &self.provider
    }

    /// Verifies an X.509-style signature (certificates, CRLs, OCSP responses, CMS):
    /// `signature` over `signed` with the key `spki_der`, using the algorithm described by the
    /// DER AlgorithmIdentifier `algorithm_identifier_der`.
    ///
    /// Accepted: sha256/384/512WithRSAEncryption, RSASSA-PSS (SHA-256/384/512, MGF1 with the
    /// same hash, salt = hash length), ecdsa-with-SHA256/384/512 (DER signature) and Ed25519.
    /// RSA keys must have 2048 to 8192 bits and an odd exponent `3 <= e < 2^31`; EC keys must
    /// be uncompressed points. SHA-1 and MD5 based algorithms give
    /// [`Error::WeakSignatureAlgorithm`].
    ///
    /// ```
    /// use notary_x509::{Certificate, X509Verifier};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/");
    /// let leaf = Certificate::from_der(&std::fs::read(format!("{dir}leaf.der")).unwrap())?;
    /// let inter = Certificate::from_der(&std::fs::read(format!("{dir}inter.der")).unwrap())?;
    /// X509Verifier::new(notary_provider_aws_lc_rs::provider()).verify_signature_with_spki(
    ///     inter.spki_der(),
    ///     leaf.signature_algorithm_der(),
    ///     leaf.tbs_der(),
    ///     leaf.signature(),
    /// )?;
    /// # Ok::<(), notary_x509::Error>(())
    /// ```
    pub fn verify_signature_with_spki(
        &self,
        spki_der: &[u8],
        algorithm_identifier_der: &[u8],
        signed: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let key = parse_spki(spki_der)?;
        signature::verify_cert_signature(
            &self.provider,
            &key,
            algorithm_identifier_der,
            signed,
            signature,
        )
    }

    /// Verifies a Notary envelope signature: `signature` over `message` with the key
    /// `spki_der` using one of the six Notary algorithms.
    ///
    /// The algorithm must be the one implied by the key's spec ([`Error::KeyAlgorithmMismatch`]
    /// otherwise, checked before any cryptography). RSASSA-PSS uses MGF1 with the same hash and
    /// a salt as long as the hash; ECDSA signatures are fixed-width `r || s`, not DER.
    ///
    /// ```
    /// use notary_core::SignatureAlgorithm;
    /// use notary_x509::{Certificate, X509Verifier};
    /// let leaf = Certificate::from_der(&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap())?;
    /// let x509 = X509Verifier::new(notary_provider_aws_lc_rs::provider());
    /// // An RSA-2048 key only accepts PS256.
    /// let err = x509.verify_raw_signature(leaf.spki_der(), SignatureAlgorithm::EcdsaSha256, b"msg", &[0; 64]);
    /// assert!(matches!(err, Err(notary_x509::Error::KeyAlgorithmMismatch { .. })));
    /// # Ok::<(), notary_x509::Error>(())
    /// ```
    pub fn verify_raw_signature(
        &self,
        spki_der: &[u8],
        alg: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let key = parse_spki(spki_der)?;
        verify_raw_with_key(&self.provider, &key, alg, message, signature)
    }

    /// Validates a code-signing chain (leaf first, root last). See
    /// [`X509Verifier::validate_chain`].
    ///
    /// ```
    /// use notary_x509::{X509Verifier, read_certificates};
    /// let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/chain.pem")).unwrap();
    /// let chain = read_certificates(&pem)?;
    /// let x509 = X509Verifier::new(notary_provider_aws_lc_rs::provider());
    /// x509.validate_code_signing_chain(&chain, Some(chain[0].not_before()))?;
    /// # Ok::<(), notary_x509::Error>(())
    /// ```
    pub fn validate_code_signing_chain(
        &self,
        chain: &[Certificate],
        at: Option<OffsetDateTime>,
    ) -> Result<(), Error> {
        self.validate_chain(chain, ChainPurpose::CodeSigning, at)
    }

    /// Validates a timestamping chain (leaf first, root last). See
    /// [`X509Verifier::validate_chain`].
    pub fn validate_timestamping_chain(
        &self,
        chain: &[Certificate],
        at: Option<OffsetDateTime>,
    ) -> Result<(), Error> {
        self.validate_chain(chain, ChainPurpose::Timestamping, at)
    }

    /// Applies the Notary chain rules to `chain` (leaf first, root last).
    ///
    /// - One certificate: its signature verifies with its own key, its raw subject equals its
    ///   raw issuer, and it satisfies the leaf rules.
    /// - Several: the last is self-signed and self-issued; the others are not self-signed, are
    ///   signed by the next certificate and name its subject (raw bytes) as their issuer; index 0
    ///   follows the leaf rules, the others the CA rules.
    /// - CA rules: basicConstraints critical with cA = true; a pathLenConstraint, when present, at
    ///   least the number of CAs below; keyUsage present (critical for code signing) with
    ///   keyCertSign.
    /// - Leaf rules: basicConstraints, if present, not a CA; keyUsage present (critical for code
    ///   signing) with digitalSignature and none of keyEncipherment, dataEncipherment,
    ///   keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly; code signing: no
    ///   serverAuth, clientAuth, emailProtection, timeStamping, OCSPSigning or
    ///   anyExtendedKeyUsage EKU; timestamping: EKU exactly timeStamping and critical; the key is
    ///   one of the six Notary key specs.
    /// - SHA-1 and MD5 signatures are refused everywhere (also on a lone self-signed cert).
    /// - When `at` is given, NotBefore ≤ `at` ≤ NotAfter for every certificate; `None` checks
    ///   structure only.
    ///
    /// Deliberately stricter than notation-go, following the specification: SHA-1 in a lone
    /// self-signed certificate, anyExtendedKeyUsage on a code-signing leaf and a non-critical
    /// basicConstraints on a root or intermediate are refused. Go's extra `CheckSignatureFrom`
    /// constraints on issuers are covered by the CA rules, which give a typed error instead.
    pub fn validate_chain(
        &self,
        chain: &[Certificate],
        purpose: ChainPurpose,
        at: Option<OffsetDateTime>,
    ) -> Result<(), Error> {
        chain::validate_chain(self, chain, purpose, at)
    }

    /// Checks `cert`'s signature with `issuer`'s public key. Only the signature is checked
    /// (names and CA constraints are the chain rules' business); SHA-1 and MD5 signatures are
    /// [`Error::WeakSignatureAlgorithm`].
    pub fn verify_signed_by(&self, cert: &Certificate, issuer: &Certificate) -> Result<(), Error> {
        let key = issuer.public_key()?;
        if cert.signature_unaligned() {
            return Err(Error::SignatureMismatch {
                reason: "the certificate's signature is a BIT STRING with unused bits".into(),
            });
        }
        signature::verify_cert_signature(
            &self.provider,
            &key,
            cert.signature_algorithm_der(),
            cert.tbs_der(),
            cert.signature(),
        )
    }

    /// Checks `cert`'s signature with its own key (SHA-1/MD5 refused). The result is cached in
    /// the certificate for this provider.
    pub fn check_self_signature(&self, cert: &Certificate) -> Result<(), Error> {
        let name = self.provider.name;
        let (by, result) = cert
            .self_signature
            .get_or_init(|| (name, self.verify_signed_by(cert, cert)));
        if *by == name {
            result.clone()
        } else {
            self.verify_signed_by(cert, cert)
        }
    }

    /// True when `cert` is self-issued and its signature verifies with its own key.
    pub fn is_self_signed(&self, cert: &Certificate) -> bool {
        cert.is_self_issued() && self.check_self_signature(cert).is_ok()
    }

    /// Checks one certificate read from a trust store of type `store`, as notation-go does:
    /// every certificate must be a CA (basicConstraints cA) or verify with its own key
    /// ([`Error::NotCaOrSelfSigned`]); `tsa` certificates must moreover be roots (see
    /// [`X509Verifier::validate_tsa_root_certificate`]).
    pub fn check_trust_store_certificate(
        &self,
        cert: &Certificate,
        store: TrustStoreType,
    ) -> Result<(), Error> {
        read::check_trust_store_certificate(self, cert, store)
    }

    /// Checks the contents of a `--timestamp-root-cert` file: exactly one certificate
    /// ([`Error::NoCertificates`] / [`Error::TooManyCertificates`]), which is a root: allowed
    /// to sign certificates, self-signed ([`Error::NotSelfSigned`]) and self-issued, raw
    /// subject == raw issuer ([`Error::NotSelfIssued`]).
    ///
    /// ```
    /// let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/root.der")).unwrap();
    /// let x509 = notary_x509::X509Verifier::new(notary_provider_aws_lc_rs::provider());
    /// let root = x509.validate_tsa_root_certificate(&der)?;
    /// assert!(x509.is_self_signed(&root));
    /// # Ok::<(), notary_x509::Error>(())
    /// ```
    pub fn validate_tsa_root_certificate(&self, bytes: &[u8]) -> Result<Certificate, Error> {
        read::validate_tsa_root_certificate(self, bytes)
    }

    /// SHA-256 of the certificate's DER, lowercase hex.
    pub fn sha256_fingerprint(&self, cert: &Certificate) -> String {
        hex::encode(self.provider.hashing.hash(HashFunction::Sha256, cert.der()))
    }

    /// SHA-1 of the certificate's DER, lowercase hex (display only).
    pub fn sha1_fingerprint(&self, cert: &Certificate) -> String {
        hex::encode(self.provider.hashing.hash(HashFunction::Sha1, cert.der()))
    }
}

fn to_core(e: Error) -> notary_core::Error {
    match e {
        Error::Parse { reason } => notary_core::Error::InvalidCertificate { reason },
        Error::UnsupportedKey { reason } => notary_core::Error::UnsupportedKey { reason },
        // Both say "signature verification failed": the reason alone, not the phrase twice.
        Error::SignatureMismatch { reason } => notary_core::Error::SignatureInvalid { reason },
        other => notary_core::Error::SignatureInvalid {
            reason: other.to_string(),
        },
    }
}

impl SignatureVerifier for X509Verifier {
    fn key_spec_of_certificate(&self, certificate: &[u8]) -> Result<KeySpec, notary_core::Error> {
        let spki = locate_spki(certificate).map_err(to_core)?;
        parse_spki(spki)
            .and_then(|k| signature::key_spec_of(&k))
            .map_err(to_core)
    }

    fn verify_signature(
        &self,
        certificate: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), notary_core::Error> {
        let spki = locate_spki(certificate).map_err(to_core)?;
        let key = parse_spki(spki).map_err(to_core)?;
        let spec = signature::key_spec_of(&key).map_err(to_core)?;
        if spec.signature_algorithm() != algorithm {
            return Err(notary_core::Error::SignatureInvalid {
                reason: format!(
                    "declared signature algorithm {algorithm} does not match the signing certificate's {spec} key (which requires {})",
                    spec.signature_algorithm()
                ),
            });
        }
        verify_raw_with_key(&self.provider, &key, algorithm, message, signature).map_err(to_core)
    }
}
