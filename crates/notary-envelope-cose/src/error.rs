use thiserror::Error;

/// Everything that can go wrong while encoding, parsing or verifying a COSE envelope.
///
/// Variants carry only owned strings, integers and static names, never foreign error types.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    // --- CBOR well-formedness and limits -------------------------------------------------------
    /// The input is larger than the envelope size cap.
    #[error("COSE envelope is {size} bytes, over the {limit}-byte limit")]
    InputTooLarge {
        /// Size of the input.
        size: usize,
        /// The cap ([`crate::MAX_ENVELOPE_SIZE`]).
        limit: usize,
    },
    /// The CBOR data ends in the middle of an item, or declares more content than it holds.
    #[error("CBOR data truncated at byte offset {offset}")]
    CborTruncated {
        /// Offset of the item that could not be completed.
        offset: usize,
    },
    /// An indefinite-length string, array or map (only definite lengths are allowed).
    #[error(
        "indefinite-length CBOR item at byte offset {offset}; only definite lengths are allowed"
    )]
    CborIndefiniteLength {
        /// Offset of the item.
        offset: usize,
    },
    /// A CBOR map holds the same key twice.
    #[error("duplicate CBOR map key at byte offset {offset}")]
    CborDuplicateKey {
        /// Offset of the second occurrence.
        offset: usize,
    },
    /// Arrays, maps and tags are nested deeper than the cap.
    #[error("CBOR nesting deeper than {limit} levels at byte offset {offset}")]
    CborNestingTooDeep {
        /// Offset where the cap was exceeded.
        offset: usize,
        /// The cap.
        limit: usize,
    },
    /// The document holds more data items than the cap.
    #[error("CBOR data holds more than {limit} items")]
    CborTooManyItems {
        /// The cap.
        limit: usize,
    },
    /// A text string is not valid UTF-8.
    #[error("CBOR text string at byte offset {offset} is not valid UTF-8")]
    CborInvalidUtf8 {
        /// Offset of the string.
        offset: usize,
    },
    /// Reserved or invalid encodings (reserved additional information, stray break code,
    /// two-byte simple values below 32).
    #[error("malformed CBOR at byte offset {offset}: {reason}")]
    CborMalformed {
        /// Offset of the item.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// Bytes follow the single expected CBOR item.
    #[error("{trailing} unexpected bytes after the CBOR item, at byte offset {offset}")]
    CborTrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many bytes are left over.
        trailing: usize,
    },

    // --- COSE_Sign1 structure -----------------------------------------------------------------
    /// The message does not start with tag 18 (untagged COSE_Sign1 is rejected, as in Go).
    #[error("not a COSE_Sign1_Tagged message: expected tag 18, found {found}")]
    NotSign1Tagged {
        /// What was found instead.
        found: String,
    },
    /// The tagged content is not an array of exactly four items.
    #[error("COSE_Sign1 must be an array of 4 items, found {found}")]
    NotSign1Array {
        /// What was found instead.
        found: String,
    },
    /// One of the four COSE_Sign1 members has the wrong CBOR type.
    #[error("COSE_Sign1 {field} must be a {expected}, found {found}")]
    InvalidSign1Field {
        /// `protected`, `unprotected`, `payload` or `signature`.
        field: &'static str,
        /// The required type.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// The protected header bucket is an empty byte string (Notary requires protected headers).
    #[error("COSE protected header is empty")]
    EmptyProtectedHeader,
    /// The protected header byte string does not hold a CBOR map.
    #[error("COSE protected header must encode a map, found {found}")]
    ProtectedHeaderNotMap {
        /// What it holds instead.
        found: String,
    },
    /// The payload is `nil` (detached payloads are not supported).
    #[error("COSE payload is detached (nil); Notary envelopes embed the payload")]
    DetachedPayload,
    /// The payload is an empty byte string.
    #[error("COSE payload is empty")]
    EmptyPayload,
    /// The signature is an empty byte string.
    #[error("COSE signature is empty")]
    EmptySignature,

    // --- Header rules ---------------------------------------------------------------------------
    /// A header label is neither an integer (within i64) nor a text string.
    #[error("{bucket} header label must be an integer or text string, found {found}")]
    InvalidHeaderLabel {
        /// `protected` or `unprotected`.
        bucket: &'static str,
        /// What was found.
        found: String,
    },
    /// The same label appears in the protected and the unprotected header.
    #[error("header {label} appears in both the protected and the unprotected header")]
    HeaderInBothBuckets {
        /// The label.
        label: String,
    },
    /// IV (5) and Partial IV (6) are both present, in one bucket or one in each (RFC 9052
    /// §3.1 allows only one of them).
    #[error(
        "IV (5) in the {iv} header and Partial IV (6) in the {partial_iv} header must not both be present"
    )]
    IvWithPartialIv {
        /// The bucket holding IV: `protected` or `unprotected`.
        iv: &'static str,
        /// The bucket holding Partial IV: `protected` or `unprotected`.
        partial_iv: &'static str,
    },
    /// A COSE_Countersignature in an unprotected counter signature header (label 7 or 11) breaks
    /// a rule of its own: empty signature, protected header not a map, or one of go-cose's
    /// header rules in its protected or unprotected header (as `source` tells).
    #[error("countersignature in header {header} is invalid: {source}")]
    InvalidCountersignature {
        /// The counter signature header holding it.
        header: String,
        /// What is wrong with it.
        #[source]
        source: Box<Error>,
    },
    /// A known header is in the wrong bucket (e.g. x5chain in the protected header, alg or a
    /// Notary signed attribute in the unprotected header).
    #[error("header {label} is not allowed in the {bucket} header")]
    MisplacedHeader {
        /// The label.
        label: String,
        /// The bucket it was found in.
        bucket: &'static str,
    },
    /// `x5chain` (33) is in the protected header: notary, like notation, reads the certificate
    /// chain from the unprotected header only.
    #[error(
        "x5chain (33) is in the protected header; the certificate chain is read from the unprotected header only, as notation reads it"
    )]
    ProtectedCertificateChain,
    /// A COSE Hash Envelope (payload hash alg, label 258, and no content type): a format the
    /// Notary specification describes but no notation release reads or writes.
    #[error(
        "COSE Hash Envelopes (payload hash alg, label 258) are not supported; notation does not read them either"
    )]
    HashEnvelopeUnsupported,
    /// A required header is absent.
    #[error("required header {header} is missing")]
    MissingHeader {
        /// The header name or label.
        header: String,
    },
    /// A header value has the wrong CBOR type.
    #[error("header {header} must be a {expected}, found {found}")]
    InvalidHeaderType {
        /// The header name or label.
        header: String,
        /// The required type.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// `alg` is not one of the six Notary algorithms.
    #[error("unsupported COSE algorithm {value}; expected -37, -38, -39, -7, -35 or -36")]
    UnsupportedAlgorithm {
        /// The value found.
        value: String,
    },
    /// The signing scheme is not `notary.x509` or `notary.x509.signingAuthority`.
    #[error("unsupported signing scheme {value:?}")]
    UnsupportedSigningScheme {
        /// The value found.
        value: String,
    },
    /// A time header that the signing scheme forbids is present.
    #[error("header {header} is not allowed with signing scheme {scheme}")]
    UnexpectedHeader {
        /// The header name.
        header: String,
        /// The signing scheme.
        scheme: String,
    },
    /// The content type is not a `type/subtype` media type without surrounding whitespace.
    #[error("invalid content type {value:?}: expected a type/subtype media type")]
    InvalidContentType {
        /// The value found.
        value: String,
    },
    /// `crit` is an empty array.
    #[error("crit header must not be empty")]
    EmptyCrit,
    /// A `crit` entry is neither an integer (within i64) nor a text string.
    #[error("crit entries must be integers or text strings, found {found}")]
    InvalidCritEntry {
        /// What was found.
        found: String,
    },
    /// A label is listed twice in `crit`.
    #[error("crit lists {label} more than once")]
    CritDuplicate {
        /// The label.
        label: String,
    },
    /// `crit` lists a label it may not list (integer labels 0 to 8, or the non-critical
    /// signing time).
    #[error("crit must not list {label}")]
    CritLabelForbidden {
        /// The label.
        label: String,
    },
    /// `crit` names a label that is not in the protected header.
    #[error("crit lists {label}, which is not in the protected header")]
    CritLabelNotPresent {
        /// The label.
        label: String,
    },
    /// A header that must be critical is not listed in `crit`.
    #[error("header {header} must be listed in crit")]
    HeaderNotCritical {
        /// The header name.
        header: String,
    },
    /// A time header is not a tag 1 (epoch) date/time.
    #[error("header {header} must be a tag 1 epoch time, found {found}")]
    TimeNotEpochTag {
        /// The header name.
        header: String,
        /// What was found.
        found: String,
    },
    /// A tag 1 time does not hold an integer number of seconds.
    #[error("header {header} must hold an integer number of seconds, found {found}")]
    TimeNotInteger {
        /// The header name.
        header: String,
        /// What was found.
        found: String,
    },
    /// A time value cannot be represented.
    #[error("header {header} time {value} is out of range")]
    TimeOutOfRange {
        /// The header name.
        header: String,
        /// The value.
        value: String,
    },
    /// The signing time is Go's zero time (0001-01-01T00:00:00Z), which notation reads as no
    /// signing time.
    #[error(
        "header {header} is 0001-01-01T00:00:00Z (-62135596800), Go's zero time, which notation reads as no signing time"
    )]
    ZeroTime {
        /// The header name.
        header: String,
    },
    /// Expiry is not strictly after the signing time.
    #[error("expiry {expiry} is not after signing time {signing_time} (Unix seconds)")]
    ExpiryNotAfterSigningTime {
        /// Signing time, Unix seconds.
        signing_time: i64,
        /// Expiry, Unix seconds.
        expiry: i64,
    },
    /// The x5chain holds more certificates than [`crate::MAX_CHAIN_LEN`] (or a signer returned
    /// more).
    #[error("certificate chain (x5chain) has {count} certificates, more than the {max} allowed")]
    CertificateChainTooLong {
        /// Certificates found.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// The x5chain array is empty (or a signer returned no certificate).
    #[error("certificate chain is empty")]
    EmptyCertificateChain,

    // --- Signing request ----------------------------------------------------------------------
    /// An extended attribute uses a label reserved for COSE or Notary headers.
    #[error("extended attribute key {key} is reserved")]
    ReservedAttributeKey {
        /// The key.
        key: String,
    },
    /// Two extended attributes share a key.
    #[error("extended attribute key {key} is used more than once")]
    DuplicateAttributeKey {
        /// The key.
        key: String,
    },
    /// An extended attribute value cannot be encoded as CBOR.
    #[error("extended attribute {key} has an unsupported value: {reason}")]
    UnsupportedAttributeValue {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The signer failed (key spec lookup or signing).
    #[error("signer failed: {reason}")]
    SigningFailed {
        /// The signer's message.
        reason: String,
    },
    /// The signer returned an ECDSA signature of the wrong length (it must be raw `r||s`).
    #[error("{algorithm} signature must be {expected} bytes, got {found}")]
    InvalidSignatureLength {
        /// The algorithm.
        algorithm: String,
        /// Required length.
        expected: usize,
        /// Length received.
        found: usize,
    },

    // --- Verification ---------------------------------------------------------------------------
    /// The key of the leaf certificate could not be determined.
    #[error("cannot use the leaf certificate's key: {reason}")]
    CertificateKey {
        /// The verifier's message.
        reason: String,
    },
    /// The declared `alg` does not match the leaf certificate's key.
    #[error(
        "declared algorithm {declared} does not match the leaf certificate key ({certificate})"
    )]
    AlgorithmMismatch {
        /// Algorithm in the protected header.
        declared: String,
        /// Key spec of the leaf certificate.
        certificate: String,
    },
    /// The signature does not verify over the Sig_structure.
    #[error("COSE signature verification failed: {reason}")]
    SignatureInvalid {
        /// The verifier's message.
        reason: String,
    },
}

impl From<notary_core::LeafKeyError> for Error {
    fn from(e: notary_core::LeafKeyError) -> Self {
        match e {
            notary_core::LeafKeyError::AlgorithmMismatch {
                declared,
                certificate,
            } => Error::AlgorithmMismatch {
                declared: declared.to_string(),
                certificate: certificate.to_string(),
            },
            notary_core::LeafKeyError::Key(reason) => Error::CertificateKey { reason },
            // A later kind is still a key the envelope cannot have been made with.
            other => Error::CertificateKey {
                reason: format!("{other:?}"),
            },
        }
    }
}
