#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod ber;

use notary_core::DigestAlgorithm;
use notary_core::crypto::{CryptoProvider, HashFunction};
use notary_x509::der::{self, Reader, Tlv, small_uint, tag};
use notary_x509::{Certificate, ExtendedKeyUsage, X509Verifier, name_constraints};
use time::{Duration, OffsetDateTime};

/// Largest token accepted (notation's TSA response cap).
pub const MAX_TOKEN_SIZE: usize = 1024 * 1024;
const MAX_CERTS: usize = 64;
const MAX_CHAIN: usize = 10;
const MAX_SIGNER_INFOS: usize = 8;
/// Most digestAlgorithms entries read (tokens list one).
const MAX_DIGEST_ALGORITHMS: usize = 64;
const MAX_ATTRIBUTES: usize = 64;
/// Signature checks one TSA path search may make (Go's path builder stops at 100).
const MAX_SIGNATURE_CHECKS: usize = 100;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
const OID_SIGNING_CERT_V2: &str = "1.2.840.113549.1.9.16.2.47";
const OID_BASELINE_POLICY: &str = "0.4.0.2023.1.1";

/// Why a token was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token is not a well-formed TimeStampToken.
    #[error("cms: syntax error: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// A hash algorithm other than SHA-256/384/512.
    #[error("unsupported hash algorithm {oid}")]
    UnsupportedHash {
        /// The OID.
        oid: String,
    },
    /// The imprint does not match the timestamped message.
    #[error("the timestamp's message imprint does not match the signature")]
    ImprintMismatch,
    /// No usable `signingCertificateV2` attribute.
    #[error("invalid signing certificate: {reason}")]
    SigningCertificate {
        /// Why.
        reason: String,
    },
    /// Signed attributes missing or wrong.
    #[error("invalid signed attribute: {reason}")]
    SignedAttributes {
        /// Why.
        reason: String,
    },
    /// The CMS signature does not verify with the signing certificate.
    #[error("cms verification failure: {reason}")]
    Signature {
        /// Why.
        reason: String,
    },
    /// The signing certificate does not chain to any of the TSA roots.
    #[error(
        "failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority"
    )]
    UnknownAuthority,
    /// No path to a TSA root, and an issuer on the way was passed over for its key, which
    /// notary verifies no signature with (RSA under 2048 bits, an ECDSA curve other than
    /// P-256/384/521).
    #[error(
        "failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority (issuer {subject:?} has an unsupported key: {reason})"
    )]
    UnsupportedIssuerKey {
        /// The issuer's subject.
        subject: String,
        /// Its key.
        reason: String,
    },
    /// A CA certificate of the TSA chain has an extendedKeyUsage without id-kp-timeStamping or
    /// anyExtendedKeyUsage: Go's path validation (tspclient-go verifies with
    /// `KeyUsages: [timeStamping]`) lets every certificate of the path narrow the usages.
    #[error(
        "failed to verify signed token: cms verification failure: x509: certificate specifies an incompatible key usage: certificate {index} ({subject:?}) allows only extended key usages {found}"
    )]
    IncompatibleKeyUsage {
        /// Position in the chain (0 is the signing certificate).
        index: usize,
        /// The certificate's subject.
        subject: String,
        /// Its extended key usages (dotted OIDs).
        found: String,
    },
    /// A certificate of the TSA chain has a critical extension this crate does not process
    /// (RFC 5280 §4.2; Go's path validation refuses them too).
    #[error(
        "failed to verify signed token: cms verification failure: x509: unhandled critical extension {oid} in certificate {index} ({subject:?})"
    )]
    UnhandledCriticalExtension {
        /// Position in the chain (0 is the signing certificate).
        index: usize,
        /// The certificate's subject.
        subject: String,
        /// The extension's OID, dotted.
        oid: String,
    },
    /// A CA of the TSA chain constrains names, and the signing certificate has a name it does
    /// not allow (Go's path validation enforces name constraints, critical or not).
    #[error(
        "failed to verify signed token: cms verification failure: x509: a root or intermediate certificate is not authorized to sign for this name: {detail}"
    )]
    NameNotAuthorized {
        /// Position of the constraining certificate in the chain.
        index: usize,
        /// Its subject.
        subject: String,
        /// Go's reason (`DNS name "tsa.example" is excluded by constraint "example"`).
        detail: String,
    },
    /// A certificate of the TSA chain requires an explicit policy (policyConstraints, critical
    /// or not) and the path carries none: a certificate below it names no policy (Go's policy
    /// validation, RFC 5280 §6.1 as RFC 9618 updates it; its words, for the one chain built).
    #[error(
        "failed to verify signed token: cms verification failure: x509: no valid chains built: 1 candidate chains with invalid policies"
    )]
    InvalidPolicies,
    /// The TSA chain breaks the timestamping certificate rules at `genTime`.
    #[error("invalid timestamping certificate chain: {reason}")]
    Chain {
        /// Why.
        reason: String,
    },
    /// The TSA answered with a PKIStatus other than granted (0) or grantedWithMods (1).
    #[error(
        "the TSA refused the request: PKIStatus {status} ({status_name}); failure info: {fail_info}; status string: {status_string:?}"
    )]
    Rejected {
        /// The PKIStatus.
        status: u64,
        /// Its RFC 3161 name (`rejection`, `waiting`, ...).
        status_name: &'static str,
        /// The PKIFailureInfo bits set, by RFC 3161 name (`badAlg`, ...), or `none`.
        fail_info: String,
        /// The PKIFreeText the TSA sent, if any.
        status_string: Vec<String>,
    },
    /// The crypto provider has no random source for the request's nonce (a provider built
    /// without one, such as notary-provider-rustcrypto without its `random` feature).
    #[error("no random source for the timestamp request's nonce: {reason}")]
    NoRandom {
        /// The provider's answer.
        reason: String,
    },
    /// A time field of the TSTInfo, or a time computed from it, is outside the range RFC 3161
    /// allows or this implementation can represent (years -9999 to 9999).
    #[error("timestamp {field} is out of range: {reason}")]
    OutOfRange {
        /// The field (`accuracy.seconds`, `accuracy.millis`, `accuracy.micros`, `accuracy`,
        /// `genTime - accuracy` or `genTime + accuracy`).
        field: &'static str,
        /// Why.
        reason: String,
    },
}

fn oid_text(content: &[u8]) -> String {
    der::oid_to_string(content).unwrap_or_default()
}

fn bad(reason: impl Into<String>) -> Error {
    Error::Malformed {
        reason: reason.into(),
    }
}

fn out_of_range(field: &'static str, reason: impl Into<String>) -> Error {
    Error::OutOfRange {
        field,
        reason: reason.into(),
    }
}

fn hash_of(oid: &str) -> Result<DigestAlgorithm, Error> {
    match oid {
        "2.16.840.1.101.3.4.2.1" => Ok(DigestAlgorithm::Sha256),
        "2.16.840.1.101.3.4.2.2" => Ok(DigestAlgorithm::Sha384),
        "2.16.840.1.101.3.4.2.3" => Ok(DigestAlgorithm::Sha512),
        other => Err(Error::UnsupportedHash {
            oid: other.to_string(),
        }),
    }
}

fn alg_oid(alg_id: &[u8]) -> Result<String, Error> {
    let seq = der::parse_single(alg_id, tag::SEQUENCE).map_err(bad)?;
    let mut r = Reader::new(seq.value);
    Ok(oid_text(r.read(tag::OID).map_err(bad)?.value))
}

/// A parsed, not yet verified, TimeStampToken.
#[derive(Debug, Clone)]
pub struct TimestampToken {
    certificates: Vec<Certificate>,
    e_content: Vec<u8>,
    signer_infos: Vec<SignerInfo>,
    imprint_alg: DigestAlgorithm,
    imprint: Vec<u8>,
    policy: String,
    gen_time: OffsetDateTime,
    accuracy: Duration,
    range: (OffsetDateTime, OffsetDateTime),
    nonce: Option<Vec<u8>>,
}

/// One SignerInfo as tspclient-go reads it (RFC 5652 §5.3).
#[derive(Debug, Clone)]
struct SignerInfo {
    version: u64,
    /// `sid`, an issuerAndSerialNumber: the issuer Name (whole TLV) and the serial number
    /// (INTEGER contents).
    sid_issuer: Vec<u8>,
    sid_serial: Vec<u8>,
    /// The digestAlgorithm OID, resolved when this SignerInfo is verified.
    digest_oid: String,
    /// The signed attributes as the signature covers them: a DER `SET OF`, elements sorted.
    signed_attrs: Option<Vec<u8>>,
    signature_alg: Vec<u8>,
    signature: Vec<u8>,
}

/// A verified timestamp.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedTimestamp {
    /// `[genTime - accuracy, genTime + accuracy]`.
    pub range: (OffsetDateTime, OffsetDateTime),
    /// The TSA chain, leaf first, ending at a trusted root.
    pub tsa_chain: Vec<Certificate>,
}

/// A GeneralizedTime as RFC 3161 §2.4.2 allows it: UTC (`Z`), seconds, an optional fraction.
/// `field` names it in errors (`genTime`, `signingTime`).
fn parse_generalized_time(v: &[u8], field: &str) -> Result<OffsetDateTime, Error> {
    let s = std::str::from_utf8(v).map_err(|_| bad(format!("{field} is not ASCII")))?;
    let s = s
        .strip_suffix('Z')
        .ok_or_else(|| bad(format!("{field} must be UTC (Z)")))?;
    let (main, frac) = s.split_once('.').unwrap_or((s, ""));
    if main.len() != 14
        || !main.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad(format!("{field} must be YYYYMMDDHHMMSS[.f]Z")));
    }
    // RFC 3161 §2.4.2 (and Go's encoding/asn1, which re-serialises the parsed time and refuses
    // any difference): a decimal point only with a fraction, no trailing zero in the fraction,
    // and at most nanosecond precision.
    if s.contains('.') && (frac.is_empty() || frac.ends_with('0') || frac.len() > 9) {
        return Err(bad(format!(
            "{field} fraction of a second must be 1 to 9 digits without a trailing zero"
        )));
    }
    // All digits (checked above), so each field parses; at most 4 digits, so it fits.
    let n = |a: usize, b: usize| {
        main.get(a..b)
            .and_then(|d| d.parse::<u16>().ok())
            .ok_or_else(|| bad(format!("{field} must be YYYYMMDDHHMMSS[.f]Z")))
    };
    let small =
        |a: usize, b: usize| n(a, b).and_then(|v| u8::try_from(v).map_err(|_| bad("bad time")));
    let month = time::Month::try_from(small(4, 6)?).map_err(|_| bad("bad month"))?;
    let date = time::Date::from_calendar_date(i32::from(n(0, 4)?), month, small(6, 8)?)
        .map_err(|_| bad("bad date"))?;
    // Nanoseconds: the (at most nine) fraction digits, right-padded with zeros.
    let mut digits: String = frac.to_string();
    while digits.len() < 9 {
        digits.push('0');
    }
    let nanos = digits.parse::<u32>().map_err(|_| bad("bad fraction"))?;
    let t = time::Time::from_hms_nano(small(8, 10)?, small(10, 12)?, small(12, 14)?, nanos)
        .map_err(|_| bad("bad time"))?;
    Ok(time::PrimitiveDateTime::new(date, t).assume_utc())
}

/// The CMS signingTime attribute: a UTCTime as RFC 5652 §11.3 requires it (`YYMMDDHHMMSSZ`,
/// years 1950-2049) or a GeneralizedTime.
fn parse_signing_time(st: Tlv<'_>) -> Result<OffsetDateTime, Error> {
    match st.tag {
        tag::GENERALIZED_TIME => parse_generalized_time(st.value, "signingTime"),
        tag::UTC_TIME => {
            let digits = st.value.strip_suffix(b"Z").unwrap_or_default();
            if digits.len() != 12 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad("signingTime must be UTC with seconds (YYMMDDHHMMSSZ)"));
            }
            let mut v = if digits.first().is_some_and(|d| *d >= b'5') {
                b"19".to_vec()
            } else {
                b"20".to_vec()
            };
            v.extend_from_slice(st.value);
            parse_generalized_time(&v, "signingTime")
        }
        _ => Err(Error::SignedAttributes {
            reason: "signingTime has a bad type".into(),
        }),
    }
}

/// The signed attributes as the signature covers them (RFC 5652 §5.4): a DER `SET OF`, its
/// elements in DER order whatever order the token carries them in, as tspclient-go
/// re-encodes them before checking the signature. Go decodes each attribute as its type and
/// its values and encodes those two again, so anything after the values is not signed over
/// (nor read) there, and not here either.
fn der_attribute_set(content: &[u8]) -> Result<Vec<u8>, Error> {
    let mut r = Reader::new(content);
    let mut attributes: Vec<Vec<u8>> = Vec::new();
    while !r.is_empty() {
        if attributes.len() >= MAX_ATTRIBUTES {
            return Err(bad("too many signed attributes"));
        }
        let a = r.read(tag::SEQUENCE).map_err(bad)?;
        let mut ar = Reader::new(a.value);
        let oid = ar.read(tag::OID).map_err(bad)?;
        der::check_oid(oid.value).map_err(bad)?;
        // Go keeps the values as a raw element of any tag (its first value is read from its
        // content), and encodes it back as it was.
        let values = ar.read_any().map_err(bad)?;
        let mut attribute = Vec::with_capacity(a.raw.len());
        der::push_header(
            &mut attribute,
            tag::SEQUENCE,
            oid.raw.len().saturating_add(values.raw.len()),
        );
        attribute.extend_from_slice(oid.raw);
        attribute.extend_from_slice(values.raw);
        attributes.push(attribute);
    }
    attributes.sort_unstable();
    let len = attributes
        .iter()
        .map(Vec::len)
        .fold(0usize, usize::saturating_add);
    let mut set = Vec::with_capacity(len.saturating_add(6));
    der::push_header(&mut set, tag::SET, len);
    for a in attributes {
        set.extend_from_slice(&a);
    }
    Ok(set)
}

/// TSTInfo extensions as Go decodes `[]pkix.Extension` ([`der::read_extension`]).
fn check_extensions(content: &[u8]) -> Result<(), Error> {
    let mut r = Reader::new(content);
    let mut count = 0usize;
    while !r.is_empty() {
        count = count.saturating_add(1);
        if count > MAX_DIGEST_ALGORITHMS {
            return Err(bad("too many TSTInfo extensions"));
        }
        der::read_extension(&mut r).map_err(|e| bad(format!("TSTInfo extension: {e}")))?;
    }
    Ok(())
}

/// A SignerInfo's contents. Its structure is checked here, as Go's parser checks it; whether it
/// verifies (version, algorithms, attributes) is decided per SignerInfo when verifying.
fn parse_signer_info(content: &[u8]) -> Result<SignerInfo, Error> {
    let mut r = Reader::new(content);
    let version = small_uint(r.read(tag::INTEGER).map_err(bad)?.value).map_err(bad)?;
    // tspclient-go reads `sid` as an issuerAndSerialNumber, the form of version 1: a
    // subjectKeyIdentifier ([0]) makes the token unreadable there, and here.
    let sid = r
        .read(tag::SEQUENCE)
        .map_err(|_| bad("SignerInfo sid is not an issuerAndSerialNumber"))?;
    let mut x = Reader::new(sid.value);
    // Go keeps the issuer as a raw value of any tag; it only has to match a certificate's
    // issuer when no ESSCertIDv2 issuerSerial names the certificate instead.
    let sid_issuer = x.read_any().map_err(bad)?.raw.to_vec();
    let sid_serial = x.read(tag::INTEGER).map_err(bad)?.value;
    der::check_integer(sid_serial).map_err(|e| bad(format!("SignerInfo serial number: {e}")))?;
    let digest_oid = alg_oid(r.read(tag::SEQUENCE).map_err(bad)?.raw)?;
    let signed_attrs = match r.read_optional(0xa0).map_err(bad)? {
        Some(a) => Some(der_attribute_set(a.value)?),
        None => None,
    };
    let signature_alg = r.read(tag::SEQUENCE).map_err(bad)?.raw.to_vec();
    let signature = r.read(tag::OCTET_STRING).map_err(bad)?.value.to_vec();
    Ok(SignerInfo {
        version,
        sid_issuer,
        sid_serial: sid_serial.to_vec(),
        digest_oid,
        signed_attrs,
        signature_alg,
        signature,
    })
}

/// An ESSCertIDv2 as Go's decoder reads tspclient-go's `eSSCertIDv2`: an optional
/// AlgorithmIdentifier, the certHash OCTET STRING, an optional IssuerSerial (a GeneralNames
/// SEQUENCE and a minimal INTEGER); nothing after those read.
fn check_ess_cert_id(id: &Tlv<'_>) -> Result<(), &'static str> {
    let mut r = Reader::new(id.value);
    if r.peek_tag() == Some(tag::SEQUENCE) {
        der::read_algorithm_identifier(&mut r)?;
    }
    r.read(tag::OCTET_STRING)?;
    if let Some(issuer_serial) = r.read_optional(tag::SEQUENCE)? {
        let mut isr = Reader::new(issuer_serial.value);
        isr.read(tag::SEQUENCE)?;
        der::check_integer(isr.read(tag::INTEGER)?.value)?;
    }
    Ok(())
}

/// `millis [0] INTEGER (1..999)` / `micros [1] INTEGER (1..999)` (RFC 3161 §2.4.2).
fn sub_second(tlv: Option<Tlv<'_>>, field: &'static str) -> Result<i64, Error> {
    let Some(tlv) = tlv else { return Ok(0) };
    let v = small_uint(tlv.value).map_err(|e| out_of_range(field, e))?;
    match i64::try_from(v) {
        Ok(v @ 1..=999) => Ok(v),
        _ => Err(out_of_range(field, format!("{v} is not in 1..999"))),
    }
}

/// The Accuracy, summed with checked arithmetic (a hostile TSTInfo can carry any INTEGER).
fn parse_accuracy(v: &[u8]) -> Result<Duration, Error> {
    let mut r = Reader::new(v);
    let seconds = match r.read_optional(tag::INTEGER).map_err(bad)? {
        None => 0,
        Some(s) => {
            let secs = small_uint(s.value).map_err(|e| out_of_range("accuracy.seconds", e))?;
            i64::try_from(secs)
                .map_err(|_| out_of_range("accuracy.seconds", format!("{secs} exceeds 2^63-1")))?
        }
    };
    let millis = sub_second(r.read_optional(0x80).map_err(bad)?, "accuracy.millis")?;
    // Nothing after micros is read (Go's decoder stops there).
    let micros = sub_second(r.read_optional(0x81).map_err(bad)?, "accuracy.micros")?;
    Duration::seconds(seconds)
        .checked_add(Duration::milliseconds(millis))
        .and_then(|d| d.checked_add(Duration::microseconds(micros)))
        .ok_or_else(|| out_of_range("accuracy", "the sum does not fit a duration"))
}

impl TimestampToken {
    /// Parses a TimeStampToken, DER or BER with definite lengths (converted to DER first, as
    /// notation does; the signature and digests are then checked over the DER).
    pub fn parse(token: &[u8]) -> Result<Self, Error> {
        if token.len() > MAX_TOKEN_SIZE {
            return Err(bad(format!(
                "token of {} bytes exceeds {MAX_TOKEN_SIZE}",
                token.len()
            )));
        }
        let der = ber::to_der(token)
            .map_err(|e| bad(format!("failed to convert the token from BER to DER: {e}")))?;
        Self::parse_der(&der)
    }

    fn parse_der(der: &[u8]) -> Result<Self, Error> {
        let ci = der::parse_single(der, tag::SEQUENCE).map_err(bad)?;
        let mut r = Reader::new(ci.value);
        if oid_text(r.read(tag::OID).map_err(bad)?.value) != OID_SIGNED_DATA {
            return Err(bad("content type is not signedData"));
        }
        // As tspclient-go decodes it (Go's encoding/asn1): nothing after the content, after the
        // SignedData inside it, after the eContent or after the SignerInfos is read.
        let explicit = r.read(0xa0).map_err(bad)?;
        let sd = Reader::new(explicit.value)
            .read(tag::SEQUENCE)
            .map_err(bad)?;
        let mut s = Reader::new(sd.value);
        if small_uint(s.read(tag::INTEGER).map_err(bad)?.value).map_err(bad)? != 3 {
            return Err(bad("SignedData version must be 3"));
        }
        // digestAlgorithms: unused, but Go decodes each as an AlgorithmIdentifier.
        let digest_algorithms = s.read(tag::SET).map_err(bad)?;
        let mut dr = Reader::new(digest_algorithms.value);
        let mut count = 0usize;
        while !dr.is_empty() {
            count = count.saturating_add(1);
            if count > MAX_DIGEST_ALGORITHMS {
                return Err(bad("too many digest algorithms"));
            }
            der::read_algorithm_identifier(&mut dr).map_err(bad)?;
        }
        let eci = s.read(tag::SEQUENCE).map_err(bad)?;
        let mut e = Reader::new(eci.value);
        if oid_text(e.read(tag::OID).map_err(bad)?.value) != OID_TST_INFO {
            return Err(bad("encapsulated content is not id-ct-TSTInfo"));
        }
        let econ = e.read(0xa0).map_err(bad)?;
        let e_content = Reader::new(econ.value)
            .read(tag::OCTET_STRING)
            .map_err(bad)?
            .value
            .to_vec();
        let mut certificates = Vec::new();
        // Go reads `certificates` as a raw `[0]`, constructed or not.
        let certs_field = match s.peek_tag() {
            Some(0xa0 | 0x80) => Some(s.read_any().map_err(bad)?),
            _ => None,
        };
        if let Some(c) = certs_field {
            let mut cr = Reader::new(c.value);
            while !cr.is_empty() {
                let t = cr.read_any().map_err(bad)?;
                // Go's x509.ParseCertificates reads X.509 certificates only: an attribute
                // certificate or another CertificateChoices makes the token unreadable there.
                if t.tag != tag::SEQUENCE {
                    return Err(bad(format!(
                        "failed to parse X509 certificates from signed data: unsupported CertificateChoices tag 0x{:02x}",
                        t.tag
                    )));
                }
                if certificates.len() >= MAX_CERTS {
                    return Err(bad("too many certificates"));
                }
                certificates.push(Certificate::from_der(t.raw).map_err(|e| bad(e.to_string()))?);
            }
        }
        s.read_optional(0xa1).map_err(bad)?; // crls
        let infos = s.read(tag::SET).map_err(bad)?;
        let mut ir = Reader::new(infos.value);
        let mut signer_infos = Vec::new();
        while !ir.is_empty() {
            if signer_infos.len() >= MAX_SIGNER_INFOS {
                return Err(bad("too many SignerInfos"));
            }
            signer_infos.push(parse_signer_info(
                ir.read(tag::SEQUENCE).map_err(bad)?.value,
            )?);
        }
        if signer_infos.is_empty() {
            return Err(bad("signerInfo not found"));
        }

        // TSTInfo, as Go's encoding/asn1 decodes tspclient-go's TSTInfo: the fields in order,
        // an optional one skipped when the next element is not of its type, nothing after the
        // last one (or after the TSTInfo) read.
        let tst = Reader::new(&e_content).read(tag::SEQUENCE).map_err(bad)?;
        let mut t = Reader::new(tst.value);
        if small_uint(t.read(tag::INTEGER).map_err(bad)?.value).map_err(bad)? != 1 {
            return Err(bad("TSTInfo version must be 1"));
        }
        let policy = t.read(tag::OID).map_err(bad)?;
        der::check_oid(policy.value).map_err(|e| bad(format!("TSTInfo policy: {e}")))?;
        let policy = oid_text(policy.value);
        let mi = t.read(tag::SEQUENCE).map_err(bad)?;
        let mut m = Reader::new(mi.value);
        let imprint_alg = hash_of(&alg_oid(m.read(tag::SEQUENCE).map_err(bad)?.raw)?)?;
        let imprint = m.read(tag::OCTET_STRING).map_err(bad)?.value.to_vec();
        // serialNumber: unused, but a malformed INTEGER makes the TSTInfo unreadable for Go.
        der::check_integer(t.read(tag::INTEGER).map_err(bad)?.value)
            .map_err(|e| bad(format!("TSTInfo serialNumber: {e}")))?;
        let gen_time =
            parse_generalized_time(t.read(tag::GENERALIZED_TIME).map_err(bad)?.value, "genTime")?;
        let mut accuracy = match t.read_optional(tag::SEQUENCE).map_err(bad)? {
            Some(a) => parse_accuracy(a.value)?,
            None => Duration::ZERO,
        };
        if accuracy.is_zero() && policy == OID_BASELINE_POLICY {
            accuracy = Duration::seconds(1);
        }
        let range = (
            gen_time
                .checked_sub(accuracy)
                .ok_or_else(|| out_of_range("genTime - accuracy", "before the year -9999"))?,
            gen_time
                .checked_add(accuracy)
                .ok_or_else(|| out_of_range("genTime + accuracy", "after the year 9999"))?,
        );
        if let Some(ordering) = t.read_optional(tag::BOOLEAN).map_err(bad)?
            && !matches!(ordering.value, [0x00] | [0xff])
        {
            return Err(bad("TSTInfo ordering is not a DER BOOLEAN"));
        }
        let nonce = match t.read_optional(tag::INTEGER).map_err(bad)? {
            Some(n) => {
                der::check_integer(n.value).map_err(|e| bad(format!("TSTInfo nonce: {e}")))?;
                Some(n.value.to_vec())
            }
            None => None,
        };
        // tsa [0] GeneralName: not used, Go keeps it raw. extensions [1]: each an Extension.
        if matches!(t.peek_tag(), Some(0xa0 | 0x80)) {
            t.read_any().map_err(bad)?;
        }
        if let Some(exts) = t.read_optional(0xa1).map_err(bad)? {
            check_extensions(exts.value)?;
        }
        Ok(Self {
            certificates,
            e_content,
            signer_infos,
            imprint_alg,
            imprint,
            policy,
            gen_time,
            accuracy,
            range,
            nonce,
        })
    }

    /// `genTime`.
    pub fn gen_time(&self) -> OffsetDateTime {
        self.gen_time
    }

    /// The accuracy (1 s for the baseline policy without one, else 0 when absent).
    pub fn accuracy(&self) -> Duration {
        self.accuracy
    }

    /// `[genTime - accuracy, genTime + accuracy]`.
    pub fn timestamp_range(&self) -> (OffsetDateTime, OffsetDateTime) {
        self.range
    }

    /// The message imprint: hash algorithm and hash.
    pub fn message_imprint(&self) -> (DigestAlgorithm, &[u8]) {
        (self.imprint_alg, &self.imprint)
    }

    /// Certificates embedded in the token.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The TSA policy OID.
    pub fn policy_oid(&self) -> &str {
        &self.policy
    }

    /// The nonce, if any.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.nonce.as_deref()
    }

    /// The signing certificate of `si`, as tspclient-go locates it: the `signingCertificateV2`
    /// attribute's first ESSCertIDv2 names it by its issuerSerial, else the SignerInfo's `sid`
    /// does; its hash must be the ESSCertIDv2's (RFC 5816, RFC 5035 §4).
    fn signer(
        &self,
        provider: &CryptoProvider,
        si: &SignerInfo,
        attrs: &[(String, Tlv<'_>)],
    ) -> Result<&Certificate, Error> {
        let sc = attrs
            .iter()
            .find(|(o, _)| o == OID_SIGNING_CERT_V2)
            .map(|(_, v)| *v)
            .ok_or_else(|| Error::SigningCertificate {
                reason: "the signingCertificateV2 attribute is missing".into(),
            })?;
        let err = |r: &str| Error::SigningCertificate {
            reason: r.to_string(),
        };
        if sc.tag != tag::SEQUENCE {
            return Err(err("signingCertificateV2 is not a SEQUENCE"));
        }
        let mut r = Reader::new(sc.value);
        let certs = r.read(tag::SEQUENCE).map_err(err)?;
        // Go decodes every ESSCertIDv2 of the list (a malformed one anywhere fails the
        // attribute); only the first names the signing certificate.
        let mut all = Reader::new(certs.value);
        let mut count = 0usize;
        while !all.is_empty() {
            count = count.saturating_add(1);
            if count > MAX_CERTS {
                return Err(err("too many ESSCertIDv2 entries"));
            }
            check_ess_cert_id(&all.read(tag::SEQUENCE).map_err(err)?).map_err(err)?;
        }
        let mut cr = Reader::new(certs.value);
        let id = cr
            .read(tag::SEQUENCE)
            .map_err(|_| err("signingCertificateV2 does not contain any certificate"))?;
        let mut ir = Reader::new(id.value);
        let hash = match ir.peek_tag() {
            Some(tag::SEQUENCE) => hash_of(&alg_oid(ir.read(tag::SEQUENCE).map_err(err)?.raw)?)?,
            _ => DigestAlgorithm::Sha256,
        };
        let cert_hash = ir.read(tag::OCTET_STRING).map_err(err)?.value;
        let (issuer, serial): (&[u8], &[u8]) = match ir.read_optional(tag::SEQUENCE).map_err(err)? {
            Some(issuer_serial) => {
                let mut isr = Reader::new(issuer_serial.value);
                let names = isr.read(tag::SEQUENCE).map_err(err)?;
                let serial = isr.read(tag::INTEGER).map_err(err)?.value;
                der::check_integer(serial).map_err(err)?;
                // Go reads the first GeneralName, and only as a directoryName ([4], explicit).
                let directory = Reader::new(names.value)
                    .read_optional(0xa4)
                    .ok()
                    .flatten()
                    .ok_or_else(|| err("issuer name is missing in IssuerSerial"))?;
                let name = Reader::new(directory.value)
                    .read(tag::SEQUENCE)
                    .map_err(err)?;
                (name.raw, serial)
            }
            None => (&si.sid_issuer, &si.sid_serial),
        };
        let cert = self
            .certificates
            .iter()
            .find(|c| c.issuer_raw() == issuer && c.serial_bytes() == serial)
            .ok_or_else(|| err("signing certificate not found in the timestamp token"))?;
        if digest(provider, hash, cert.der()) != cert_hash {
            return Err(err(
                "signing certificate hash does not match CertHash in signed attribute",
            ));
        }
        Ok(cert)
    }

    /// Verifies the token for `message` (the bytes whose hash it imprints) against
    /// `tsa_roots` on the aws-lc-rs provider. Compatibility shim: use
    /// [`TimestampToken::verify_with`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn verify(
        &self,
        message: &[u8],
        tsa_roots: &[Certificate],
    ) -> Result<VerifiedTimestamp, Error> {
        self.verify_with(&compat_verifier(), message, tsa_roots)
    }

    /// Checks only that the token imprints `message` (its hash, in the token's algorithm,
    /// through `provider`): what a signer can check of a token it did not request, with no TSA
    /// root to verify it against. [`TimestampToken::verify_with`] does this and the rest.
    pub fn check_imprint(&self, provider: &CryptoProvider, message: &[u8]) -> Result<(), Error> {
        if digest(provider, self.imprint_alg, message) != self.imprint {
            return Err(Error::ImprintMismatch);
        }
        Ok(())
    }

    /// Verifies the token for `message` (the bytes whose hash it imprints) against
    /// `tsa_roots`: the imprint, the signed attributes and the CMS signature through `x509`'s
    /// provider, then the TSA chain: Go's path rules as tspclient-go applies them (unhandled
    /// critical extensions, extended key usages of the CAs) and the Notary timestamping rules
    /// at `genTime`.
    pub fn verify_with(
        &self,
        x509: &X509Verifier,
        message: &[u8],
        tsa_roots: &[Certificate],
    ) -> Result<VerifiedTimestamp, Error> {
        if digest(x509.provider(), self.imprint_alg, message) != self.imprint {
            return Err(Error::ImprintMismatch);
        }
        // As tspclient-go: the token verifies when one of its SignerInfos does (RFC 5652 §5.6
        // leaves the choice to the verifier); otherwise the last failure is reported.
        let mut last = None;
        for si in &self.signer_infos {
            match self.verify_signer(x509, si, tsa_roots) {
                Ok(v) => return Ok(v),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| bad("signerInfo not found")))
    }

    /// One SignerInfo: the signed attributes, the signing certificate, the CMS signature, then
    /// a TSA path to a trusted root that satisfies the path rules, the timestamping rules at
    /// `genTime` and the CMS signing time.
    fn verify_signer(
        &self,
        x509: &X509Verifier,
        si: &SignerInfo,
        tsa_roots: &[Certificate],
    ) -> Result<VerifiedTimestamp, Error> {
        let provider = x509.provider();
        if si.version != 1 {
            return Err(bad(format!(
                "invalid signer info version: only version 1 is supported; got {}",
                si.version
            )));
        }
        let digest_alg = hash_of(&si.digest_oid)?;
        let signed_attrs = si
            .signed_attrs
            .as_deref()
            .ok_or_else(|| Error::SignedAttributes {
                reason: "SignerInfo has no signed attributes".into(),
            })?;
        let attrs = attributes(signed_attrs)?;
        let attr = |oid: &str| attrs.iter().find(|(o, _)| o == oid).map(|(_, v)| *v);
        let ct = attr(OID_CONTENT_TYPE).ok_or_else(|| Error::SignedAttributes {
            reason: "contentType is missing".into(),
        })?;
        if ct.tag != tag::OID || oid_text(ct.value) != OID_TST_INFO {
            return Err(Error::SignedAttributes {
                reason: "contentType is not id-ct-TSTInfo".into(),
            });
        }
        let md = attr(OID_MESSAGE_DIGEST).ok_or_else(|| Error::SignedAttributes {
            reason: "messageDigest is missing".into(),
        })?;
        if md.tag != tag::OCTET_STRING
            || md.value != digest(provider, digest_alg, &self.e_content).as_slice()
        {
            return Err(Error::SignedAttributes {
                reason: "messageDigest does not match the TSTInfo".into(),
            });
        }
        let signer = self.signer(provider, si, &attrs)?;
        let alg = signature_algorithm(&si.signature_alg, digest_alg)?;
        x509.verify_signature_with_spki(signer.spki_der(), &alg, signed_attrs, &si.signature)
            .map_err(|e| Error::Signature {
                reason: e.to_string(),
            })?;
        let signing_time = attr(OID_SIGNING_TIME).map(parse_signing_time).transpose()?;
        let accept = |chain: &[Certificate]| -> Result<(), Error> {
            check_path_rules(chain)?;
            x509.validate_timestamping_chain(chain, Some(self.gen_time))
                .map_err(|e| Error::Chain {
                    reason: e.to_string(),
                })?;
            if let Some(t) = signing_time
                && chain
                    .iter()
                    .any(|c| t < c.not_before() || t > c.not_after())
            {
                return Err(Error::Chain {
                    reason: "the CMS signing time is outside the validity of the TSA chain".into(),
                });
            }
            Ok(())
        };
        let chain = find_chain(x509, signer, &self.certificates, tsa_roots, &accept)?;
        Ok(VerifiedTimestamp {
            range: self.timestamp_range(),
            tsa_chain: chain,
        })
    }
}

/// Each signed attribute's type and first value.
fn attributes(signed_attrs: &[u8]) -> Result<Vec<(String, Tlv<'_>)>, Error> {
    let set = der::parse_single(signed_attrs, tag::SET).map_err(bad)?;
    let mut r = Reader::new(set.value);
    let mut out = Vec::new();
    while !r.is_empty() {
        let a = r.read(tag::SEQUENCE).map_err(bad)?;
        let mut ar = Reader::new(a.value);
        let oid = oid_text(ar.read(tag::OID).map_err(bad)?.value);
        let values = ar.read_any().map_err(bad)?;
        let mut vr = Reader::new(values.value);
        let first = vr.read_any().map_err(bad)?;
        out.push((oid, first));
    }
    Ok(out)
}

/// `data` hashed with `alg` by `provider`.
fn digest(provider: &CryptoProvider, alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
    provider.hashing.hash(HashFunction::from(alg), data)
}

/// The aws-lc-rs verifier behind the compatibility shims.
#[cfg(feature = "compat-aws-lc")]
fn compat_verifier() -> X509Verifier {
    X509Verifier::new(notary_provider_aws_lc_rs::provider())
}

/// CMS often names only the key algorithm (`rsaEncryption`); combine it with the digest
/// algorithm into the signature algorithm notary-x509 verifies.
fn signature_algorithm(alg_id: &[u8], digest: DigestAlgorithm) -> Result<Vec<u8>, Error> {
    let oid = alg_oid(alg_id)?;
    // Last OID byte of sha{256,384,512}WithRSAEncryption.
    let rsa_last = match digest {
        DigestAlgorithm::Sha384 => 0x0c,
        DigestAlgorithm::Sha512 => 0x0d,
        _ => 0x0b,
    };
    // tspclient-go's set (`oid.ToSignatureAlgorithm`): PKCS #1 v1.5 or RSASSA-PSS with a SHA-2
    // digest, ECDSA with SHA-2. Anything else (Ed25519, a bare ecPublicKey) Go refuses as an
    // unknown signature algorithm, so a token notation rejects never verifies here.
    Ok(match oid.as_str() {
        "1.2.840.113549.1.1.10" // RSASSA-PSS
        | "1.2.840.113549.1.1.11" // sha256WithRSAEncryption
        | "1.2.840.113549.1.1.12" // sha384WithRSAEncryption
        | "1.2.840.113549.1.1.13" // sha512WithRSAEncryption
        | "1.2.840.10045.4.3.2" // ecdsa-with-SHA256
        | "1.2.840.10045.4.3.3" // ecdsa-with-SHA384
        | "1.2.840.10045.4.3.4" => alg_id.to_vec(), // ecdsa-with-SHA512
        "1.2.840.113549.1.1.1" => {
            let mut v = vec![
                0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, rsa_last,
            ];
            v.extend_from_slice(&[0x05, 0x00]);
            v
        }
        other => {
            return Err(Error::Signature {
                reason: format!("unknown signature algorithm {other}"),
            });
        }
    })
}

/// Finds a path signer → ... → a root byte-identical to one of `roots`, through the embedded
/// certificates, that `accept` approves. Like Go's path builder it backtracks: a token may carry
/// a cross-certificate or a stale intermediate (same name, same key) beside the one that leads
/// to a trusted root. Bounded by [`MAX_CHAIN`] and [`MAX_SIGNATURE_CHECKS`]; the first refusal
/// of a complete path is reported, else an unknown authority.
fn find_chain(
    x509: &X509Verifier,
    signer: &Certificate,
    embedded: &[Certificate],
    roots: &[Certificate],
    accept: &dyn Fn(&[Certificate]) -> Result<(), Error>,
) -> Result<Vec<Certificate>, Error> {
    let mut search = PathSearch {
        x509,
        embedded,
        roots,
        accept,
        checks: 0,
        refusal: None,
        unsupported_key: None,
    };
    let mut chain = vec![signer.clone()];
    if search.complete(&mut chain) {
        return Ok(chain);
    }
    Err(match (search.refusal, search.unsupported_key) {
        (Some(e), _) => e,
        // No path, and an issuer was passed over only for its key: say so (notation accepts
        // some such keys, an RSA-1024 CA for one, where notary verifies with none).
        (None, Some((subject, reason))) => Error::UnsupportedIssuerKey { subject, reason },
        (None, None) => Error::UnknownAuthority,
    })
}

struct PathSearch<'a> {
    x509: &'a X509Verifier,
    embedded: &'a [Certificate],
    roots: &'a [Certificate],
    accept: &'a dyn Fn(&[Certificate]) -> Result<(), Error>,
    /// Signature checks made so far.
    checks: usize,
    /// Why the first complete path was refused.
    refusal: Option<Error>,
    /// The first issuer passed over for a key notary does not verify with (subject, why).
    unsupported_key: Option<(String, String)>,
}

impl PathSearch<'_> {
    /// Whether `chain` extends to an accepted path; it then holds that path.
    fn complete(&mut self, chain: &mut Vec<Certificate>) -> bool {
        let Some(cur) = chain.last().cloned() else {
            return false;
        };
        if self.roots.iter().any(|r| r.der() == cur.der()) {
            return match (self.accept)(chain) {
                Ok(()) => true,
                Err(e) => {
                    self.refusal.get_or_insert(e);
                    false
                }
            };
        }
        if chain.len() > MAX_CHAIN {
            return false;
        }
        for parent in self.roots.iter().chain(self.embedded) {
            // Never a certificate twice: a path is not a loop.
            if parent.subject_raw() != cur.issuer_raw()
                || chain.iter().any(|c| c.der() == parent.der())
            {
                continue;
            }
            if self.checks >= MAX_SIGNATURE_CHECKS {
                return false;
            }
            self.checks = self.checks.saturating_add(1);
            match self.x509.verify_signed_by(&cur, parent) {
                Ok(()) => {}
                Err(notary_x509::Error::UnsupportedKey { reason }) => {
                    self.unsupported_key
                        .get_or_insert((parent.subject_string(), reason));
                    continue;
                }
                Err(_) => continue,
            }
            chain.push(parent.clone());
            if self.complete(chain) {
                return true;
            }
            chain.pop();
        }
        false
    }
}

/// Critical extensions a TSA chain certificate may carry: those notary-x509 reads or that carry
/// no constraint on the path. subjectAltName and nameConstraints count when Go processes them
/// (see [`critical_is_handled`]). Go also handles policyMappings, policyConstraints and
/// inhibitAnyPolicy, but nothing here enforces them, so they are refused rather than ignored;
/// Go refuses a critical freshestCRL too.
const HANDLED_CRITICAL_EXTENSIONS: [&str; 8] = [
    "2.5.29.15",         // keyUsage
    "2.5.29.19",         // basicConstraints
    "2.5.29.37",         // extKeyUsage
    "2.5.29.32",         // certificatePolicies (notation asks for no policy)
    "2.5.29.35",         // authorityKeyIdentifier
    "2.5.29.14",         // subjectKeyIdentifier
    "2.5.29.31",         // cRLDistributionPoints
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
];

/// Whether Go's path validation processes the critical extension `oid` of `cert`.
fn critical_is_handled(cert: &Certificate, oid: &str) -> bool {
    match oid {
        // Only with an e-mail, DNS, URI or IP name in it.
        "2.5.29.17" => name_constraints::subject_alt_name_is_handled(cert),
        // Only with bases of those forms, which `name_constraints::check` enforces.
        "2.5.29.30" => name_constraints::is_handled(cert),
        _ => HANDLED_CRITICAL_EXTENSIONS.contains(&oid),
    }
}

/// The path rules Go's `x509.Certificate.Verify` adds to the Notary chain rules when
/// tspclient-go verifies a token: no certificate may carry an unhandled critical extension,
/// a CA's extendedKeyUsage, when present and non-empty, must allow timeStamping (or any
/// usage), and the CAs' name constraints, critical or not, must allow the names of every
/// certificate below them (intermediates included), and a required explicit policy must be
/// carried ([`explicit_policy_unmet`]). The signing certificate's EKU is held to
/// RFC 3161's stricter rule by `validate_timestamping_chain`.
fn check_path_rules(chain: &[Certificate]) -> Result<(), Error> {
    for (index, cert) in chain.iter().enumerate() {
        if let Some(oid) = cert
            .critical_extension_oids()
            .iter()
            .find(|oid| !critical_is_handled(cert, oid))
        {
            return Err(Error::UnhandledCriticalExtension {
                index,
                subject: cert.subject_string(),
                oid: oid.clone(),
            });
        }
        if index > 0
            && let Some(eku) = cert.extended_key_usage()
            // Go treats an empty list like an absent extension: unrestricted.
            && !eku.usages.is_empty()
            && !eku.contains(ExtendedKeyUsage::TIME_STAMPING)
            && !eku.contains(ExtendedKeyUsage::ANY)
        {
            return Err(Error::IncompatibleKeyUsage {
                index,
                subject: cert.subject_string(),
                found: eku.usages.join(", "),
            });
        }
    }
    // Go's `x509.Verify` runs policy validation with anyPolicy as the initial set.
    if !notary_x509::policy::policies_valid(chain) {
        return Err(Error::InvalidPolicies);
    }
    name_constraints::check(chain).map_err(|e| match e {
        notary_x509::Error::NameNotAuthorized {
            index,
            subject,
            detail,
        } => Error::NameNotAuthorized {
            index,
            subject,
            detail,
        },
        other => Error::Chain {
            reason: other.to_string(),
        },
    })
}

/// Go's RFC 3339 with nanoseconds, trailing zeros trimmed, UTC (`2025-01-21T09:17:46.141Z`).
fn rfc3339_nano(t: OffsetDateTime) -> String {
    // The range is computed in UTC already; never panic on an offset conversion.
    let t = t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t);
    notary_core::timefmt::format_rfc3339_nano(t)
}

/// [`inspect_json_with`] on the aws-lc-rs provider. Compatibility shim.
#[cfg(feature = "compat-aws-lc")]
pub fn inspect_json(token: &[u8]) -> serde_json::Value {
    inspect_json_with(compat_verifier().provider(), token)
}

/// The `timestampSignature` member of `notation inspect -o json` for a token (certificate
/// fingerprints hashed by `provider`).
pub fn inspect_json_with(provider: &CryptoProvider, token: &[u8]) -> serde_json::Value {
    let x509 = X509Verifier::new(*provider);
    match TimestampToken::parse(token) {
        Ok(t) => {
            let (a, b) = t.timestamp_range();
            let certs: Vec<serde_json::Value> = t
                .certificates
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "SHA256Fingerprint": x509.sha256_fingerprint(c),
                        "issuedTo": c.subject_string(),
                        "issuedBy": c.issuer_string(),
                        "expiry": notary_core::timefmt::format_rfc3339(c.not_after()).unwrap_or_default(),
                    })
                })
                .collect();
            serde_json::json!({
                "timestamp": format!("[{}, {}]", rfc3339_nano(a), rfc3339_nano(b)),
                "certificates": certs,
            })
        }
        Err(e) => {
            serde_json::json!({ "error": format!("failed to parse timestamp countersignature: {e}") })
        }
    }
}

/// `hex` of a nonce, for display.
pub fn nonce_hex(t: &TimestampToken) -> Option<String> {
    t.nonce().map(hex::encode)
}

/// DER of the AlgorithmIdentifier (with NULL parameters) of a SHA-2 hash.
fn hash_alg_id(h: DigestAlgorithm) -> Vec<u8> {
    let last = match h {
        DigestAlgorithm::Sha384 => 2,
        DigestAlgorithm::Sha512 => 3,
        _ => 1,
    };
    vec![
        0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, last, 0x05, 0x00,
    ]
}

fn tlv(t: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len().saturating_add(6));
    der::push_header(&mut out, t, content.len());
    out.extend_from_slice(content);
    out
}

/// RFC 3161 §2.4.2 PKIStatus names.
fn status_name(code: u64) -> &'static str {
    match code {
        0 => "granted",
        1 => "grantedWithMods",
        2 => "rejection",
        3 => "waiting",
        4 => "revocationWarning",
        5 => "revocationNotification",
        _ => "unknown PKIStatus",
    }
}

/// RFC 3161 §2.4.2 PKIFailureInfo bits.
const FAIL_INFO: [(usize, &str); 8] = [
    (0, "badAlg"),
    (2, "badRequest"),
    (5, "badDataFormat"),
    (14, "timeNotAvailable"),
    (15, "unacceptedPolicy"),
    (16, "unacceptedExtension"),
    (17, "addInfoNotAvailable"),
    (25, "systemFailure"),
];

/// The error for a refused request, naming the status, the failInfo bits and the
/// statusString the TSA sent (best effort: a malformed optional part is reported as such).
fn rejection(status: u64, rest: &mut Reader<'_>) -> Error {
    // The TSA's own text, shown to the user: a few lines of it at most.
    const MAX_TEXTS: usize = 4;
    const MAX_CHARS: usize = 200;
    let mut status_string = Vec::new();
    if let Ok(Some(texts)) = rest.read_optional(tag::SEQUENCE) {
        let mut tr = Reader::new(texts.value);
        while let Ok(t) = tr.read_any() {
            if status_string.len() >= MAX_TEXTS {
                break;
            }
            let text = String::from_utf8_lossy(t.value);
            let mut kept: String = text.chars().take(MAX_CHARS).collect();
            if kept.len() < text.len() {
                kept.push_str("...");
            }
            status_string.push(kept);
        }
    }
    let fail_info = match rest.read_optional(tag::BIT_STRING) {
        Ok(Some(bits)) => {
            let bytes = bits.value.get(1..).unwrap_or_default();
            let set = |bit: usize| {
                bytes
                    .get(bit / 8)
                    .is_some_and(|b| b & (0x80 >> (bit % 8)) != 0)
            };
            let names: Vec<&str> = FAIL_INFO
                .iter()
                .filter(|(bit, _)| set(*bit))
                .map(|(_, name)| *name)
                .collect();
            if names.is_empty() {
                format!("unknown PKIFailureInfo {}", hex::encode(bits.value))
            } else {
                names.join(", ")
            }
        }
        Ok(None) => "none".into(),
        Err(e) => format!("malformed ({e})"),
    };
    Error::Rejected {
        status,
        status_name: status_name(status),
        fail_info,
        status_string,
    }
}

/// An RFC 3161 TimeStampReq: the hash of the message, a random 159-bit nonce, `certReq` TRUE.
#[derive(Debug, Clone)]
pub struct TimestampRequest {
    provider: CryptoProvider,
    hash: DigestAlgorithm,
    imprint: Vec<u8>,
    nonce: Vec<u8>,
}

impl TimestampRequest {
    /// A request for `message` hashed with `hash` on the aws-lc-rs provider. Compatibility
    /// shim: use [`TimestampRequest::new_with`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn new(message: &[u8], hash: DigestAlgorithm, nonce: [u8; 20]) -> Self {
        Self::new_with(compat_verifier().provider(), message, hash, nonce)
    }

    /// A request with a fresh nonce from the aws-lc-rs provider. Compatibility shim: use
    /// [`TimestampRequest::with_random_nonce_from`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn with_random_nonce(message: &[u8], hash: DigestAlgorithm) -> Result<Self, Error> {
        Self::with_random_nonce_from(compat_verifier().provider(), message, hash)
    }

    /// A request for `message` hashed with `hash` by `provider` and the given nonce (its top
    /// bit is cleared so the nonce is positive and below 2^159, as notation's client does).
    pub fn new_with(
        provider: &CryptoProvider,
        message: &[u8],
        hash: DigestAlgorithm,
        nonce: [u8; 20],
    ) -> Self {
        let mut n = nonce.to_vec();
        if let Some(first) = n.first_mut() {
            *first &= 0x7f;
        }
        // Minimal INTEGER encoding: drop leading zeros, keep the value positive.
        while let [0, next, ..] = n.as_slice()
            && next & 0x80 == 0
        {
            n.remove(0);
        }
        Self {
            provider: *provider,
            hash,
            imprint: digest(provider, hash, message),
            nonce: n,
        }
    }

    /// A request with a fresh nonce from `provider`'s random source.
    pub fn with_random_nonce_from(
        provider: &CryptoProvider,
        message: &[u8],
        hash: DigestAlgorithm,
    ) -> Result<Self, Error> {
        let mut nonce = [0u8; 20];
        provider
            .random
            .fill(&mut nonce)
            .map_err(|e| Error::NoRandom {
                reason: e.to_string(),
            })?;
        Ok(Self::new_with(provider, message, hash, nonce))
    }

    /// The DER TimeStampReq.
    pub fn to_der(&self) -> Vec<u8> {
        let mut imprint = hash_alg_id(self.hash);
        imprint.extend(tlv(tag::OCTET_STRING, &self.imprint));
        let mut body = tlv(tag::INTEGER, &[1]);
        body.extend(tlv(tag::SEQUENCE, &imprint));
        body.extend(tlv(tag::INTEGER, &self.nonce));
        body.extend(tlv(tag::BOOLEAN, &[0xff]));
        tlv(tag::SEQUENCE, &body)
    }

    /// Checks a DER TimeStampResp for this request: status granted (or granted with
    /// modifications; any other status is an [`Error::Rejected`] naming the failInfo), a token
    /// imprinting this message with this hash and echoing the nonce, and the TSA signing
    /// certificate named by `signingCertificateV2` present (certReq). Returns the token and its bytes as the TSA sent them (BER
    /// tokens are converted to DER only for parsing, as notation does). The token's signature and
    /// chain are checked by [`TimestampToken::verify_with`].
    pub fn validate_response(&self, response: &[u8]) -> Result<(TimestampToken, Vec<u8>), Error> {
        if response.len() > MAX_TOKEN_SIZE {
            return Err(bad(format!(
                "response of {} bytes exceeds {MAX_TOKEN_SIZE}",
                response.len()
            )));
        }
        let resp = der::parse_single(response, tag::SEQUENCE).map_err(bad)?;
        let mut r = Reader::new(resp.value);
        let status = r.read(tag::SEQUENCE).map_err(bad)?;
        let mut sr = Reader::new(status.value);
        let code = small_uint(sr.read(tag::INTEGER).map_err(bad)?.value).map_err(bad)?;
        if code > 1 {
            return Err(rejection(code, &mut sr));
        }
        let token_der = r
            .read(tag::SEQUENCE)
            .map_err(|_| bad("the response carries no token"))?
            .raw
            .to_vec();
        let token = TimestampToken::parse(&token_der)?;
        if token.imprint_alg != self.hash || token.imprint != self.imprint {
            return Err(Error::ImprintMismatch);
        }
        if token.nonce.as_deref() != Some(self.nonce.as_slice()) {
            return Err(bad("the response nonce does not match the request"));
        }
        if token.certificates.is_empty() {
            return Err(Error::SigningCertificate {
                reason: "the TSA returned no certificates although certReq was set".into(),
            });
        }
        // certReq: the TSA's signing certificate itself must be in the token, located the way
        // verification locates it (signingCertificateV2), as tspclient-go requires.
        // Any one SignerInfo's certificate will do, as in tspclient-go.
        let mut last = None;
        for si in &token.signer_infos {
            let found = match si.signed_attrs.as_deref().map(attributes) {
                Some(Ok(attrs)) => token.signer(&self.provider, si, &attrs).map(|_| ()),
                Some(Err(e)) => Err(e),
                None => Err(Error::SignedAttributes {
                    reason: "SignerInfo has no signed attributes".into(),
                }),
            };
            match found {
                Ok(()) => return Ok((token, token_der)),
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| bad("signerInfo not found"));
        Err(Error::SigningCertificate {
            reason: format!(
                "certReq was set but the token does not carry the TSA signing certificate: {e}"
            ),
        })
    }
}
