use thiserror::Error;

/// Everything that can go wrong in this crate.
///
/// Chain-rule violations carry the index of the offending certificate in the chain (0 = leaf)
/// and its subject rendered like Go's `pkix.Name.String()`, so messages can be compared with
/// notation's. Variants hold only owned std types; times are RFC 3339 strings.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed X.509 certificate (or PEM block).
    #[error("malformed certificate: {reason}")]
    Parse {
        /// What is wrong with the encoding.
        reason: String,
    },
    /// A certificate file held no certificate at all.
    #[error("no certificate found: expected at least one PEM or DER certificate")]
    NoCertificates,
    /// A file that must hold exactly one certificate held several.
    #[error("found {count} certificates, expected exactly one root certificate")]
    TooManyCertificates {
        /// How many were found.
        count: usize,
    },
    /// A public key is not one of the supported types or sizes.
    #[error("unsupported key: {reason}")]
    UnsupportedKey {
        /// What key was found.
        reason: String,
    },
    /// A signature algorithm identifier is unknown or malformed.
    #[error("unsupported signature algorithm {algorithm}")]
    UnsupportedSignatureAlgorithm {
        /// The algorithm OID (dotted) with any parameter problem.
        algorithm: String,
    },
    /// A SHA-1 or MD5 based signature algorithm, refused everywhere.
    #[error("weak signature algorithm {algorithm} is not accepted")]
    WeakSignatureAlgorithm {
        /// Name of the weak algorithm.
        algorithm: String,
    },
    /// The signature algorithm does not fit the public key (type, curve or key spec).
    #[error("signature algorithm {algorithm} cannot be used with key {key}")]
    KeyAlgorithmMismatch {
        /// The declared algorithm.
        algorithm: String,
        /// The key found.
        key: String,
    },
    /// The signature bytes do not verify.
    #[error("signature verification failed: {reason}")]
    SignatureMismatch {
        /// Which check failed.
        reason: String,
    },
    /// A certificate chain with no certificate.
    #[error("certificate chain must contain at least one certificate")]
    EmptyChain,
    /// Certificate at `index` is not valid yet at the given time.
    #[error(
        "certificate {index} with subject {subject:?} is not valid yet: valid from {not_before}, checked at {at}"
    )]
    NotYetValid {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// NotBefore (RFC 3339).
        not_before: String,
        /// The time checked (RFC 3339).
        at: String,
    },
    /// Certificate at `index` has expired at the given time.
    #[error(
        "certificate {index} with subject {subject:?} has expired: valid until {not_after}, checked at {at}"
    )]
    Expired {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// NotAfter (RFC 3339).
        not_after: String,
        /// The time checked (RFC 3339).
        at: String,
    },
    /// The certificate that must be a root does not verify with its own key (or may not sign
    /// certificates).
    #[error(
        "certificate {index} with subject {subject:?} is not self-signed: the chain must end with a valid self-signed root certificate ({reason})"
    )]
    NotSelfSigned {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// Why its self-signature was refused.
        reason: String,
    },
    /// The certificate that must be a root has issuer bytes different from its subject bytes.
    #[error(
        "certificate {index} with subject {subject:?} is not self-issued: issuer {issuer:?} differs from subject"
    )]
    NotSelfIssued {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// Issuer DN.
        issuer: String,
    },
    /// A leaf or intermediate certificate is self-signed (an extra root in the chain).
    #[error(
        "certificate {index} with subject {subject:?} is self-signed: only the last certificate of a chain may be self-signed"
    )]
    SelfSignedNonRoot {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// The issuer name of certificate `index` is not the subject name of certificate `index + 1`.
    #[error(
        "certificate {index} with subject {subject:?} names issuer {issuer:?}, but the next certificate's subject is {next_subject:?}"
    )]
    IssuerMismatch {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// Issuer DN of this certificate.
        issuer: String,
        /// Subject DN of the next certificate.
        next_subject: String,
    },
    /// The signature of certificate `index` does not verify with the next certificate's key.
    #[error(
        "certificate {index} with subject {subject:?} is not signed by the next certificate in the chain: {reason}"
    )]
    InvalidSignature {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// Why verification failed.
        reason: String,
    },
    /// Certificate `index` is signed with SHA-1 or MD5.
    #[error(
        "certificate {index} with subject {subject:?} is signed with the weak algorithm {algorithm}"
    )]
    WeakCertificateSignature {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// Name of the weak algorithm.
        algorithm: String,
    },
    /// A CA certificate without basicConstraints cA=true.
    #[error(
        "certificate {index} with subject {subject:?}: basic constraints must be present with cA set to true"
    )]
    CaBasicConstraints {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// A CA certificate (root or intermediate) whose basicConstraints is not marked critical, as
    /// the Notary specification requires.
    #[error(
        "certificate {index} with subject {subject:?}: basic constraints must be marked critical on a CA certificate"
    )]
    CaBasicConstraintsNotCritical {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// A CA certificate whose pathLenConstraint is smaller than the number of CAs below it.
    #[error(
        "certificate {index} with subject {subject:?}: path length constraint {path_len} is less than the {expected} CA certificate(s) below it"
    )]
    PathLength {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// The pathLenConstraint found.
        path_len: u64,
        /// The minimum required.
        expected: usize,
    },
    /// No keyUsage extension.
    #[error("certificate {index} with subject {subject:?}: key usage extension must be present")]
    MissingKeyUsage {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// keyUsage present but not critical (code signing).
    #[error(
        "certificate {index} with subject {subject:?}: key usage extension must be marked critical"
    )]
    KeyUsageNotCritical {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// A CA certificate without the keyCertSign key usage.
    #[error("certificate {index} with subject {subject:?}: key usage must include keyCertSign")]
    MissingKeyCertSign {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// A leaf certificate without the digitalSignature key usage.
    #[error(
        "certificate {index} with subject {subject:?}: key usage must include digitalSignature"
    )]
    MissingDigitalSignature {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// A leaf certificate with key usages other than digitalSignature/nonRepudiation.
    #[error(
        "certificate {index} with subject {subject:?}: key usage must be digitalSignature only, but found {usages}"
    )]
    ForbiddenKeyUsage {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// The forbidden usages found, comma-separated.
        usages: String,
    },
    /// A code-signing leaf with a forbidden extended key usage.
    #[error(
        "certificate {index} with subject {subject:?}: extended key usage must not contain {usage}"
    )]
    ForbiddenExtKeyUsage {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// The forbidden usage.
        usage: String,
    },
    /// A timestamping leaf whose extended key usage is not exactly id-kp-timeStamping.
    #[error(
        "timestamping certificate {index} with subject {subject:?} must have timeStamping as its only extended key usage (found: {found})"
    )]
    TimestampingExtKeyUsage {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// The usages found (comma-separated, or "none").
        found: String,
    },
    /// A timestamping leaf whose extended key usage extension is not critical.
    #[error(
        "timestamping certificate {index} with subject {subject:?}: extended key usage extension must be marked critical"
    )]
    ExtKeyUsageNotCritical {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// A leaf certificate that is a CA.
    #[error(
        "leaf certificate {index} with subject {subject:?}: basic constraints must not set cA to true"
    )]
    LeafIsCa {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
    },
    /// A CA or root certificate's key is outside what notary verifies signatures with (RSA
    /// under 2048 bits, a curve other than P-256/384/521): named as the certificate whose key it
    /// is, not as a signature that failed.
    #[error("certificate {index} with subject {subject:?} has an unsupported key: {reason}")]
    CertificateKeyUnsupported {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// The key found.
        reason: String,
    },
    /// The leaf key is not one of the six Notary key specs.
    #[error("leaf certificate {index} with subject {subject:?} has an unsupported key: {reason}")]
    LeafKeyUnsupported {
        /// Position in the chain.
        index: usize,
        /// Subject DN.
        subject: String,
        /// The key found.
        reason: String,
    },
    /// A trust-store certificate that is neither a CA nor self-signed.
    #[error(
        "certificate with subject {subject:?} in a {store} trust store is not a CA certificate or self-signed signing certificate"
    )]
    NotCaOrSelfSigned {
        /// Store type name.
        store: String,
        /// Subject DN.
        subject: String,
    },
    /// A CA's name constraints do not allow a name of the leaf (Go's path rules; see
    /// [`crate::name_constraints`]).
    #[error(
        "x509: a root or intermediate certificate is not authorized to sign for this name: {detail} (certificate {index}, {subject:?})"
    )]
    NameNotAuthorized {
        /// Position of the constraining certificate in the path.
        index: usize,
        /// Its subject DN.
        subject: String,
        /// Go's reason (`DNS name "a.example" is excluded by constraint "example"`).
        detail: String,
    },
}

impl From<Error> for notary_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::UnsupportedKey { reason } => notary_core::Error::UnsupportedKey { reason },
            Error::Parse { .. } | Error::NoCertificates | Error::TooManyCertificates { .. } => {
                notary_core::Error::InvalidCertificate {
                    reason: e.to_string(),
                }
            }
            other => notary_core::Error::SignatureInvalid {
                reason: other.to_string(),
            },
        }
    }
}
