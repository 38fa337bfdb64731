//! The parsed certificate.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use notary_core::KeySpec;
use time::OffsetDateTime;

use crate::der::{self, Reader, tag};
use crate::error::Error;
use crate::name;
use crate::signature::{self, PublicKey};

/// Largest certificate accepted (real ones are a few KiB).
pub(crate) const MAX_CERT_LEN: usize = 1 << 20;
/// Most extensions accepted in one certificate.
const MAX_EXTENSIONS: usize = 128;

const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const OID_AUTHORITY_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
const OID_AD_OCSP: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
const OID_CRL_DISTRIBUTION_POINTS: &[u8] = &[0x55, 0x1d, 0x1f];
const OID_FRESHEST_CRL: &[u8] = &[0x55, 0x1d, 0x2e];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const OID_NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
const OID_CERTIFICATE_POLICIES: &[u8] = &[0x55, 0x1d, 0x20];
const OID_POLICY_MAPPINGS: &[u8] = &[0x55, 0x1d, 0x21];
const OID_POLICY_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x24];
const OID_INHIBIT_ANY_POLICY: &[u8] = &[0x55, 0x1d, 0x36];
/// Most entries read from a certificatePolicies or policyMappings extension. Go has no limit;
/// real certificates carry a handful, and the bound keeps the duplicate check cheap.
const MAX_POLICIES: usize = 1024;

/// What RFC 5280 path validation (§6.1, as RFC 9618 updates it) reads of a certificate. OIDs are
/// kept as their DER contents, which Go compares. Negative skip counts are kept as read (Go
/// ignores them).
#[derive(Debug, Clone, Default)]
pub(crate) struct PolicyFields {
    /// certificatePolicies' policy identifiers, in certificate order (none repeated).
    pub(crate) policies: Vec<Vec<u8>>,
    /// policyMappings: (issuerDomainPolicy, subjectDomainPolicy), in certificate order.
    pub(crate) mappings: Vec<(Vec<u8>, Vec<u8>)>,
    /// policyConstraints' requireExplicitPolicy.
    pub(crate) require_explicit: Option<i64>,
    /// policyConstraints' inhibitPolicyMapping.
    pub(crate) inhibit_mapping: Option<i64>,
    /// inhibitAnyPolicy.
    pub(crate) inhibit_any: Option<i64>,
}
/// Most URLs kept per revocation extension.
const MAX_URLS: usize = 32;

/// The basicConstraints extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicConstraints {
    /// The cA flag.
    pub ca: bool,
    /// pathLenConstraint when present (a negative one is refused, as in Go).
    pub path_len: Option<u64>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// The keyUsage extension; bit `i` of `bits` is named bit `i` of RFC 5280 (Go's numbering:
/// `1 << 0` = digitalSignature ... `1 << 8` = decipherOnly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage {
    /// The usage bits.
    pub bits: u16,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

impl KeyUsage {
    /// digitalSignature.
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// nonRepudiation / contentCommitment.
    pub const CONTENT_COMMITMENT: u16 = 1 << 1;
    /// keyEncipherment.
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// dataEncipherment.
    pub const DATA_ENCIPHERMENT: u16 = 1 << 3;
    /// keyAgreement.
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    /// keyCertSign.
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign.
    pub const CRL_SIGN: u16 = 1 << 6;
    /// encipherOnly.
    pub const ENCIPHER_ONLY: u16 = 1 << 7;
    /// decipherOnly.
    pub const DECIPHER_ONLY: u16 = 1 << 8;

    /// True when every bit of `mask` is set.
    pub fn has(&self, mask: u16) -> bool {
        self.bits & mask == mask
    }
}

/// The extendedKeyUsage extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedKeyUsage {
    /// The usage OIDs in dotted form, in certificate order.
    pub usages: Vec<String>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

impl ExtendedKeyUsage {
    /// id-kp-serverAuth.
    pub const SERVER_AUTH: &'static str = "1.3.6.1.5.5.7.3.1";
    /// id-kp-clientAuth.
    pub const CLIENT_AUTH: &'static str = "1.3.6.1.5.5.7.3.2";
    /// id-kp-codeSigning.
    pub const CODE_SIGNING: &'static str = "1.3.6.1.5.5.7.3.3";
    /// id-kp-emailProtection.
    pub const EMAIL_PROTECTION: &'static str = "1.3.6.1.5.5.7.3.4";
    /// id-kp-timeStamping.
    pub const TIME_STAMPING: &'static str = "1.3.6.1.5.5.7.3.8";
    /// id-kp-OCSPSigning.
    pub const OCSP_SIGNING: &'static str = "1.3.6.1.5.5.7.3.9";
    /// anyExtendedKeyUsage.
    pub const ANY: &'static str = "2.5.29.37.0";

    /// True when `oid` (dotted) is listed.
    pub fn contains(&self, oid: &str) -> bool {
        self.usages.iter().any(|u| u == oid)
    }
}

/// Byte ranges of the raw pieces of a certificate.
#[derive(Debug, Clone)]
struct RawParts {
    tbs: Range<usize>,
    sig_alg: Range<usize>,
    signature: Range<usize>,
    /// The signature BIT STRING has unused bits: Go parses such a certificate and fails its
    /// signature check (the right-aligned value is not the signature), and so does notary.
    signature_unaligned: bool,
    serial: Range<usize>,
    issuer: Range<usize>,
    subject: Range<usize>,
    spki: Range<usize>,
}

fn range_of(whole: &[u8], part: &[u8]) -> Range<usize> {
    // `part` is a sub-slice of `whole`; the address difference is its offset.
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start.saturating_add(part.len())
}

/// The structure of a certificate: raw ranges plus the pieces decoded later.
struct Structure<'a> {
    parts: RawParts,
    version: u32,
    validity: &'a [u8],
    /// The content of the Extensions SEQUENCE, when present.
    extensions: Option<&'a [u8]>,
}

/// Walks a DER certificate (RFC 5280 §4.1) without allocating.
fn parse_structure(der: &[u8]) -> der::DerResult<Structure<'_>> {
    let cert = der::parse_single(der, tag::SEQUENCE)?;
    let mut outer = Reader::new(cert.value);
    let tbs = outer.read(tag::SEQUENCE)?;
    let sig_alg = outer.read(tag::SEQUENCE)?;
    let sig = outer.read(tag::BIT_STRING)?;
    // Go's parser stops at the signature: what follows it inside the SEQUENCE (unsigned, in
    // no field) is not read, and the certificate stays the same bytes for trust-anchor
    // comparisons.
    der::check_bit_string(sig.value).map_err(|_| "malformed signature")?;
    let (unused, signature) = sig.value.split_first().ok_or("malformed signature")?;

    let mut t = Reader::new(tbs.value);
    let version = match t.read_optional(0xa0)? {
        Some(v) => {
            let int = der::parse_single(v.value, tag::INTEGER)?;
            match der::small_uint(int.value)? {
                0 => 1,
                1 => 2,
                2 => 3,
                _ => return Err("invalid certificate version"),
            }
        }
        None => 1,
    };
    let serial = t.read(tag::INTEGER)?;
    der::check_integer(serial.value)?;
    if serial.value.first().is_some_and(|b| b & 0x80 != 0) {
        // Go refuses negative serial numbers.
        return Err("negative serial number");
    }
    let inner_alg = t.read(tag::SEQUENCE)?;
    if inner_alg.raw != sig_alg.raw {
        return Err("inner and outer signature algorithm identifiers differ");
    }
    check_algorithm_identifier(sig_alg.value)
        .map_err(|_| "malformed signature algorithm identifier")?;
    let issuer = t.read(tag::SEQUENCE)?;
    let validity = t.read(tag::SEQUENCE)?;
    let subject = t.read(tag::SEQUENCE)?;
    let spki = t.read(tag::SEQUENCE)?;
    check_spki_structure(spki.value).map_err(|_| "malformed subject public key info")?;
    crate::signature::check_public_key_as_go(spki.raw)?;
    // As Go's parser (so notation) reads the rest: unique identifiers only from version 2 on,
    // extensions only in version 3 (a v1 or v2 certificate has none, whatever follows), and
    // nothing after them (the issuer signed it; it changes nothing read here).
    let mut extensions = None;
    if version > 1 {
        // issuerUniqueID [1] and subjectUniqueID [2], IMPLICIT BIT STRING.
        for unique_id in [0x81, 0x82] {
            if let Some(id) = t.read_optional(unique_id)? {
                der::check_bit_string(id.value).map_err(|_| "malformed unique identifier")?;
            }
        }
        if version == 3
            && let Some(e) = t.read_optional(0xa3)?
        {
            // Go reads the SEQUENCE inside [3] and nothing after it.
            extensions = Some(Reader::new(e.value).read(tag::SEQUENCE)?.value);
        }
    }
    Ok(Structure {
        parts: RawParts {
            tbs: range_of(der, tbs.raw),
            sig_alg: range_of(der, sig_alg.raw),
            signature: range_of(der, signature),
            signature_unaligned: *unused != 0,
            serial: range_of(der, serial.value),
            issuer: range_of(der, issuer.raw),
            subject: range_of(der, subject.raw),
            spki: range_of(der, spki.raw),
        },
        version,
        validity: validity.value,
        extensions,
    })
}

/// Checks the content of an AlgorithmIdentifier as Go's `parseAI` reads it: a well-formed OID
/// and, when more follows, a well-formed parameters element; nothing after that is read.
fn check_algorithm_identifier(content: &[u8]) -> der::DerResult<()> {
    let mut r = Reader::new(content);
    der::check_oid(r.read(tag::OID)?.value)?;
    if !r.is_empty() {
        r.read_any()?;
    }
    Ok(())
}

/// Checks the shape of a SubjectPublicKeyInfo (an AlgorithmIdentifier and a well-formed BIT
/// STRING, as Go's parser requires of every certificate). The key itself is decoded when it
/// is used, so that certificates with key types this crate does not use still parse.
fn check_spki_structure(content: &[u8]) -> der::DerResult<()> {
    let mut r = Reader::new(content);
    check_algorithm_identifier(r.read(tag::SEQUENCE)?.value)?;
    // Go reads the key's BIT STRING and nothing after it.
    der::check_bit_string(r.read(tag::BIT_STRING)?.value)
}

/// The DER SubjectPublicKeyInfo of a DER certificate, found without a full parse.
pub(crate) fn locate_spki(der: &[u8]) -> Result<&[u8], Error> {
    if der.len() > MAX_CERT_LEN {
        return Err(parse_err("certificate too large"));
    }
    let st = parse_structure(der).map_err(parse_err)?;
    der.get(st.parts.spki)
        .ok_or_else(|| parse_err("bad offsets"))
}

fn parse_err(reason: impl Into<String>) -> Error {
    Error::Parse {
        reason: reason.into(),
    }
}

/// An X.509 certificate: the owned DER plus the fields the Notary rules need, parsed once.
///
/// ```
/// use notary_x509::Certificate;
/// let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap();
/// let cert = Certificate::from_der(&der)?;
/// assert_eq!(cert.key_spec()?, notary_core::KeySpec::Rsa2048);
/// assert!(cert.subject_string().starts_with("CN=Notary Test Leaf"));
/// assert!(!cert.is_ca());
/// # Ok::<(), notary_x509::Error>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    parts: RawParts,
    version: u32,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    ext_key_usage: Option<ExtendedKeyUsage>,
    /// Dotted OIDs of the extensions marked critical, in certificate order.
    critical_extensions: Vec<String>,
    ocsp_urls: Vec<String>,
    crl_urls: Vec<String>,
    /// The freshest-CRL extension value, decoded on demand: Go does not parse it with the
    /// certificate, so a malformed one must not make the certificate unreadable.
    freshest_crl: Option<Vec<u8>>,
    /// The policies and policy constraints, as Go's path validation reads them.
    pub(crate) policy: PolicyFields,
    /// Result of checking the signature with the certificate's own key, computed on demand,
    /// with the name of the provider that computed it (another provider recomputes).
    pub(crate) self_signature: OnceLock<(&'static str, Result<(), Error>)>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_string())
            .field("issuer", &self.issuer_string())
            .field("serial", &self.serial_hex())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    /// Certificates are equal when their DER is identical.
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Parses one DER certificate; trailing bytes after it are an error.
    ///
    /// The structure is walked once with a strict DER reader (no copy besides the owned DER):
    /// validity must be RFC 5280 UTC times, the inner and outer signature algorithms must be
    /// identical, and, as in Go, negative serial numbers, duplicate extensions, malformed OIDs
    /// (non-minimal, truncated, or a subidentifier of 2^31 or more), a malformed public key
    /// info or unique identifier, and name attributes that are not valid strings are refused.
    /// basicConstraints, keyUsage and extendedKeyUsage contents are decoded (malformed ones
    /// are errors); the other extensions Go's parser reads (key identifiers, authority
    /// information access, CRL distribution points, subjectAltName, nameConstraints,
    /// certificatePolicies, policyMappings, policyConstraints, inhibitAnyPolicy) are refused
    /// when Go refuses them; other extensions are ignored, as the Notary rules require, except
    /// that every critical flag is recorded ([`Certificate::critical_extension_oids`]).
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        if der.len() > MAX_CERT_LEN {
            return Err(parse_err(format!(
                "certificate is {} bytes, more than the {MAX_CERT_LEN} allowed",
                der.len()
            )));
        }
        let st = parse_structure(der).map_err(parse_err)?;

        let mut validity = Reader::new(st.validity);
        let (not_before, not_after) = (|| {
            // Go reads the two times and nothing after them.
            let nb = der::parse_time(validity.read_any()?)?;
            let na = der::parse_time(validity.read_any()?)?;
            Ok((nb, na))
        })()
        .map_err(|e: &str| parse_err(format!("invalid validity: {e}")))?;

        let mut basic_constraints = None;
        let mut key_usage = None;
        let mut ext_key_usage = None;
        let mut critical_extensions = Vec::new();
        let (mut ocsp_urls, mut crl_urls, mut freshest_crl) = (Vec::new(), Vec::new(), None);
        let mut policy = PolicyFields::default();
        if let Some(exts) = st.extensions {
            let mut seen: Vec<&[u8]> = Vec::new();
            let mut r = Reader::new(exts);
            while !r.is_empty() {
                if seen.len() >= MAX_EXTENSIONS {
                    return Err(parse_err("too many extensions"));
                }
                let (oid, critical, value) = der::read_extension(&mut r)
                    .map_err(|e| parse_err(format!("invalid extension: {e}")))?;
                if seen.contains(&oid) {
                    return Err(parse_err("certificate contains duplicate extensions"));
                }
                seen.push(oid);
                if critical {
                    // OIDs are checked by `der::read_extension` (a strict check, so the raw-byte
                    // duplicate check above is an OID comparison); should rendering still fail, the
                    // name is one no caller can recognise, so it fails closed.
                    critical_extensions.push(
                        der::oid_to_string(oid).unwrap_or_else(|| format!("#{}", hex::encode(oid))),
                    );
                }
                // RFC 5280 §4.2.1.1, §4.2.1.2 and §4.2.2.1 have these non-critical, and Go's
                // parser (so notation) refuses a certificate that marks one critical.
                let never_critical = [
                    (OID_AUTHORITY_KEY_ID, "authority key identifier"),
                    (OID_SUBJECT_KEY_ID, "subject key identifier"),
                    (OID_AUTHORITY_INFO_ACCESS, "authority information access"),
                ];
                if critical && let Some((_, what)) = never_critical.iter().find(|(o, _)| *o == oid)
                {
                    return Err(parse_err(format!(
                        "the {what} extension is marked critical, which RFC 5280 forbids"
                    )));
                }
                match oid {
                    OID_AUTHORITY_KEY_ID => check_key_identifier(value, tag::SEQUENCE)
                        .map_err(|e| ext_err("authority key identifier", e))?,
                    OID_SUBJECT_KEY_ID => check_key_identifier(value, tag::OCTET_STRING)
                        .map_err(|e| ext_err("subject key identifier", e))?,
                    OID_BASIC_CONSTRAINTS => {
                        basic_constraints = Some(parse_basic_constraints(value, critical)?)
                    }
                    OID_KEY_USAGE => key_usage = Some(parse_key_usage(value, critical)?),
                    OID_EXT_KEY_USAGE => {
                        ext_key_usage = Some(parse_ext_key_usage(value, critical)?)
                    }
                    OID_AUTHORITY_INFO_ACCESS => {
                        ocsp_urls = parse_aia_ocsp(value)
                            .map_err(|e| ext_err("authority information access", e))?
                    }
                    OID_CRL_DISTRIBUTION_POINTS => {
                        crl_urls = parse_distribution_points(value, true)
                            .map_err(|e| ext_err("CRL distribution points", e))?
                    }
                    OID_FRESHEST_CRL => freshest_crl = Some(value.to_vec()),
                    // Not used here, but Go's parser (so notation) refuses a certificate whose
                    // names in these are malformed, and so does this one.
                    OID_SUBJECT_ALT_NAME => gonames::check_subject_alt_names(value)
                        .map_err(|e| ext_err("subject alternative name", e))?,
                    OID_NAME_CONSTRAINTS => gonames::check_name_constraints(value)
                        .map_err(|e| ext_err("name constraints", e))?,
                    // The policy extensions are read by Go's parser too (the Notary rules do
                    // not use them): a malformed one makes the certificate unreadable there.
                    OID_CERTIFICATE_POLICIES => {
                        policy.policies = read_certificate_policies(value)
                            .map_err(|e| ext_err("certificate policies", e))?;
                    }
                    OID_POLICY_MAPPINGS => {
                        policy.mappings = read_policy_mappings(value)
                            .map_err(|e| ext_err("policy mappings", e))?
                    }
                    OID_POLICY_CONSTRAINTS => {
                        (policy.require_explicit, policy.inhibit_mapping) =
                            read_policy_constraints(value)
                                .map_err(|e| ext_err("policy constraints", e))?;
                    }
                    OID_INHIBIT_ANY_POLICY => {
                        policy.inhibit_any = Some(
                            read_inhibit_any_policy(value)
                                .map_err(|e| ext_err("inhibit any policy", e))?,
                        )
                    }
                    _ => {}
                }
            }
        }

        let slice = |r: &Range<usize>| der.get(r.clone()).unwrap_or_default();
        name::validate(slice(&st.parts.subject)).map_err(|e| parse_err(format!("subject: {e}")))?;
        name::validate(slice(&st.parts.issuer)).map_err(|e| parse_err(format!("issuer: {e}")))?;

        Ok(Self {
            der: der.to_vec(),
            parts: st.parts,
            version: st.version,
            not_before,
            not_after,
            basic_constraints,
            key_usage,
            ext_key_usage,
            critical_extensions,
            ocsp_urls,
            crl_urls,
            freshest_crl,
            policy,
            self_signature: OnceLock::new(),
        })
    }

    fn slice(&self, r: &Range<usize>) -> &[u8] {
        self.der.get(r.clone()).unwrap_or_default()
    }

    /// OCSP responder URLs from the authority information access extension, in order.
    pub fn ocsp_urls(&self) -> &[String] {
        &self.ocsp_urls
    }

    /// Whether the certificate names at least one policy (certificatePolicies).
    pub fn has_certificate_policies(&self) -> bool {
        !self.policy.policies.is_empty()
    }

    /// policyConstraints' requireExplicitPolicy: how many more certificates may follow before
    /// the path must carry an explicit policy (RFC 5280 §4.2.1.11); `None` without it. Negative
    /// values are kept as read (Go ignores them).
    pub fn require_explicit_policy(&self) -> Option<i64> {
        self.policy.require_explicit
    }

    /// URI full names of the CRL distribution points, in order (other name forms skipped).
    pub fn crl_urls(&self) -> &[String] {
        &self.crl_urls
    }

    /// URI full names of the freshest-CRL (delta CRL) extension, in order; empty without the
    /// extension, an error when it is malformed.
    pub fn freshest_crl_urls(&self) -> Result<Vec<String>, Error> {
        match &self.freshest_crl {
            None => Ok(Vec::new()),
            Some(v) => parse_distribution_points(v, false).map_err(|e| ext_err("freshest CRL", e)),
        }
    }

    /// True when the certificate publishes an OCSP responder or a CRL distribution point.
    pub fn has_revocation_endpoints(&self) -> bool {
        !self.ocsp_urls.is_empty() || !self.crl_urls.is_empty()
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The raw DER of the subject Name.
    pub fn subject_raw(&self) -> &[u8] {
        self.slice(&self.parts.subject)
    }

    /// The raw DER of the issuer Name.
    pub fn issuer_raw(&self) -> &[u8] {
        self.slice(&self.parts.issuer)
    }

    /// The DER of the signed TBSCertificate.
    pub fn tbs_der(&self) -> &[u8] {
        self.slice(&self.parts.tbs)
    }

    /// The DER AlgorithmIdentifier of the certificate signature.
    pub fn signature_algorithm_der(&self) -> &[u8] {
        self.slice(&self.parts.sig_alg)
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        self.slice(&self.parts.signature)
    }

    /// Whether the signature BIT STRING has unused bits, so that no key verifies it.
    pub(crate) fn signature_unaligned(&self) -> bool {
        self.parts.signature_unaligned
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        self.slice(&self.parts.spki)
    }

    /// The X.509 version (1, 2 or 3).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// NotBefore.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// NotAfter.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// True when `at` lies within NotBefore ..= NotAfter.
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// The content bytes of the serial number INTEGER (two's complement, big-endian).
    pub fn serial_bytes(&self) -> &[u8] {
        self.slice(&self.parts.serial)
    }

    /// The serial number as lowercase hex of its bytes, leading zero bytes removed
    /// (`"0"` for zero).
    pub fn serial_hex(&self) -> String {
        let bytes = self.serial_bytes();
        let skip = bytes
            .iter()
            .take_while(|&&b| b == 0)
            .count()
            .min(bytes.len().saturating_sub(1));
        let hexed = hex::encode(bytes.get(skip..).unwrap_or_default());
        if hexed.is_empty() { "0".into() } else { hexed }
    }

    pub(crate) fn public_key(&self) -> Result<PublicKey<'_>, Error> {
        signature::parse_spki(self.spki_der())
    }

    /// The Notary key spec of the certificate's key: RSA 2048/3072/4096 by the modulus byte
    /// length × 8 (Go's rule), EC by curve P-256/P-384/P-521; anything else is
    /// [`Error::UnsupportedKey`].
    pub fn key_spec(&self) -> Result<KeySpec, Error> {
        signature::key_spec_of(&self.public_key()?)
    }

    /// basicConstraints, when present.
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.basic_constraints
    }

    /// keyUsage, when present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.key_usage
    }

    /// extendedKeyUsage, when present.
    pub fn extended_key_usage(&self) -> Option<&ExtendedKeyUsage> {
        self.ext_key_usage.as_ref()
    }

    /// Dotted OIDs of every extension marked critical, in certificate order (a malformed OID
    /// as `#` and its hex). The chain rules read only some extensions; a verifier that must
    /// refuse critical extensions it does not process (RFC 5280 §4.2) decides with this.
    pub fn critical_extension_oids(&self) -> &[String] {
        &self.critical_extensions
    }

    /// The contents of the extension `oid` (dotted) — the DER inside its OCTET STRING — when the
    /// certificate has it, for the extensions this crate does not decode (subjectAltName,
    /// nameConstraints, ...).
    ///
    /// ```
    /// use notary_x509::Certificate;
    /// let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap();
    /// let cert = Certificate::from_der(&der)?;
    /// assert!(cert.extension_value("2.5.29.19").is_some()); // basicConstraints
    /// assert!(cert.extension_value("1.2.3.4").is_none());
    /// # Ok::<(), notary_x509::Error>(())
    /// ```
    pub fn extension_value(&self, oid: &str) -> Option<&[u8]> {
        // Walked again rather than kept: only the TSA path rules ask, once per certificate.
        let extensions = parse_structure(&self.der).ok()?.extensions?;
        let mut r = Reader::new(extensions);
        while !r.is_empty() {
            let (id, _, value) = der::read_extension(&mut r).ok()?;
            if der::oid_to_string(id).as_deref() == Some(oid) {
                return Some(value);
            }
        }
        None
    }

    /// True when the raw subject equals the raw issuer.
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw() == self.issuer_raw()
    }

    /// Checks the certificate's signature with its own key (SHA-1/MD5 refused) through the
    /// aws-lc-rs provider. Compatibility shim: use [`crate::X509Verifier::check_self_signature`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn check_self_signature(&self) -> Result<(), Error> {
        crate::compat::verifier().check_self_signature(self)
    }

    /// True when the certificate is self-issued and its signature verifies with its own key
    /// (aws-lc-rs). Compatibility shim: use [`crate::X509Verifier::is_self_signed`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn is_self_signed(&self) -> bool {
        crate::compat::verifier().is_self_signed(self)
    }

    /// True when basicConstraints is present with cA = true.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|bc| bc.ca)
    }

    /// Whether Go's `CheckSignatureFrom` would let this certificate sign certificates:
    /// a v3 certificate needs basicConstraints, basicConstraints must say cA, and a non-empty
    /// keyUsage must include keyCertSign. `Err` names the constraint.
    pub(crate) fn may_sign_certificates(&self) -> Result<(), String> {
        match self.basic_constraints {
            None if self.version == 3 => {
                return Err(
                    "certificate has no basic constraints, so it may not sign certificates".into(),
                );
            }
            Some(bc) if !bc.ca => {
                return Err(
                    "basic constraints cA is false, so it may not sign certificates".into(),
                );
            }
            _ => {}
        }
        if let Some(ku) = self.key_usage
            && ku.bits != 0
            && !ku.has(KeyUsage::KEY_CERT_SIGN)
        {
            return Err("key usage lacks keyCertSign".into());
        }
        Ok(())
    }

    /// The subject rendered exactly as Go's `pkix.Name.String()` (reverse order, standard
    /// attributes regrouped as CN, SERIALNUMBER, OU, O, POSTALCODE, STREET, L, ST, C, other
    /// attributes as `<oid>=#<hex DER>`, RFC 4514 escaping).
    pub fn subject_string(&self) -> String {
        name::to_go_string(self.subject_raw())
    }

    /// The issuer rendered like [`Certificate::subject_string`].
    pub fn issuer_string(&self) -> String {
        name::to_go_string(self.issuer_raw())
    }

    /// SHA-256 of the DER, lowercase hex (aws-lc-rs). Compatibility shim: use
    /// [`crate::X509Verifier::sha256_fingerprint`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn sha256_fingerprint(&self) -> String {
        crate::compat::verifier().sha256_fingerprint(self)
    }

    /// SHA-1 of the DER, lowercase hex (display only; aws-lc-rs). Compatibility shim: use
    /// [`crate::X509Verifier::sha1_fingerprint`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn sha1_fingerprint(&self) -> String {
        crate::compat::verifier().sha1_fingerprint(self)
    }

    /// Checks this certificate's signature with `issuer`'s public key (aws-lc-rs).
    /// Compatibility shim: use [`crate::X509Verifier::verify_signed_by`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), Error> {
        crate::compat::verifier().verify_signed_by(self, issuer)
    }
}

fn uri(tlv: &der::Tlv<'_>) -> Option<String> {
    // GeneralName uniformResourceIdentifier [6] IA5String, implicit.
    (tlv.tag == 0x86).then(|| String::from_utf8_lossy(tlv.value).into_owned())
}

/// AuthorityInfoAccessSyntax: the OCSP access locations that are URIs. As Go's parser reads
/// it: a location that is not a URI is skipped unread, and nothing after the outer SEQUENCE
/// or after a location is looked at.
fn parse_aia_ocsp(value: &[u8]) -> der::DerResult<Vec<String>> {
    let seq = Reader::new(value).read(tag::SEQUENCE)?;
    let mut r = Reader::new(seq.value);
    let mut out = Vec::new();
    while !r.is_empty() {
        let ad = r.read(tag::SEQUENCE)?;
        let mut a = Reader::new(ad.value);
        let method = a.read(tag::OID)?;
        der::check_oid(method.value)?;
        if let Some(location) = a.read_optional(0x86)?
            && method.value == OID_AD_OCSP
            && let Some(u) = uri(&location)
            && out.len() < MAX_URLS
        {
            out.push(u);
        }
    }
    Ok(out)
}

/// CRLDistributionPoints (also the syntax of FreshestCRL): URI full names, in order.
/// Go's certificate parser ignores what follows the outer SEQUENCE (`trailing_ok`).
pub(crate) fn parse_distribution_points(
    value: &[u8],
    trailing_ok: bool,
) -> der::DerResult<Vec<String>> {
    let seq = if trailing_ok {
        Reader::new(value).read(tag::SEQUENCE)?
    } else {
        der::parse_single(value, tag::SEQUENCE)?
    };
    let mut r = Reader::new(seq.value);
    let mut out = Vec::new();
    while !r.is_empty() {
        let dp = r.read(tag::SEQUENCE)?;
        let mut d = Reader::new(dp.value);
        // distributionPoint [0] DistributionPointName { fullName [0] GeneralNames | nameRelativeToCRLIssuer [1] }
        if let Some(name) = d.read_optional(0xa0)? {
            if name.value.is_empty() {
                return Err("distribution point name is empty");
            }
            let mut n = Reader::new(name.value);
            // Only a fullName can be read: Go's x509 parser (so notation) refuses a certificate
            // whose distribution point is a nameRelativeToCRLIssuer.
            let full = n
                .read_optional(0xa0)?
                .ok_or("a nameRelativeToCRLIssuer distribution point is not supported")?;
            // Every URI of the fullName; Go stops at the first name of another form, so it
            // checks fewer CRLs than these.
            let mut g = Reader::new(full.value);
            while !g.is_empty() {
                let gn = g.read_any()?;
                if let Some(u) = uri(&gn)
                    && out.len() < MAX_URLS
                {
                    out.push(u);
                }
            }
        }
        // reasons [1] and cRLIssuer [2] are not needed for the lookup.
    }
    Ok(out)
}

/// A key identifier extension as Go's parser reads it: an AuthorityKeyIdentifier SEQUENCE
/// (whose optional `[0]` keyIdentifier must be readable) or a SubjectKeyIdentifier OCTET
/// STRING. Go does not look past that first element, so neither does this.
fn check_key_identifier(value: &[u8], outer: u8) -> der::DerResult<()> {
    let item = Reader::new(value).read(outer)?;
    if outer == tag::SEQUENCE {
        // [0] IMPLICIT KeyIdentifier (a primitive context-specific tag).
        Reader::new(item.value).read_optional(0x80)?;
    }
    Ok(())
}

/// A Go `OID` as `x509.newOIDFromDER` accepts it: not empty, complete, every subidentifier
/// minimally encoded. Unlike [`der::check_oid`], arcs of any size are allowed.
fn check_policy_oid(content: &[u8]) -> der::DerResult<()> {
    let complete = content.last().is_some_and(|b| b & 0x80 == 0);
    // A subidentifier starts at the first octet and after each octet without bit 8.
    let minimal = std::iter::once(&0u8)
        .chain(content)
        .zip(content)
        .all(|(prev, b)| prev & 0x80 != 0 || *b != 0x80);
    if complete && minimal {
        Ok(())
    } else {
        Err("malformed policy identifier")
    }
}

/// A signed INTEGER as cryptobyte's `ReadASN1Int64WithTag` reads it: minimal and fitting 64
/// bits (Go then stores it in an `int`, 64 bits on the platforms notation ships for).
fn check_int64(value: &[u8]) -> der::DerResult<i64> {
    der::check_integer(value)?;
    if value.len() > 8 {
        return Err("integer does not fit 64 bits");
    }
    // Two's complement, sign-extended from the first octet.
    let first = value.first().copied().unwrap_or_default();
    let start: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    Ok(value
        .iter()
        .fold(start, |acc, &b| (acc << 8) | i64::from(b)))
}

/// certificatePolicies (RFC 5280 §4.2.1.4) as Go's `parseCertificatePoliciesExtension` reads
/// it: a SEQUENCE of PolicyInformation SEQUENCEs, each starting with a well-formed policy OID
/// that no other entry repeats. Go looks no further (qualifiers, anything after the outer
/// SEQUENCE), so neither does this.
fn read_certificate_policies(value: &[u8]) -> der::DerResult<Vec<Vec<u8>>> {
    let seq = Reader::new(value).read(tag::SEQUENCE)?;
    let mut r = Reader::new(seq.value);
    let mut oids: Vec<&[u8]> = Vec::new();
    while !r.is_empty() {
        if oids.len() >= MAX_POLICIES {
            return Err("too many policies");
        }
        let info = r.read(tag::SEQUENCE)?;
        let oid = Reader::new(info.value).read(tag::OID)?;
        check_policy_oid(oid.value)?;
        oids.push(oid.value);
    }
    // Go compares the raw contents; sorting makes the check O(n log n).
    let mut sorted = oids.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w.first() == w.get(1)) {
        return Err("a policy identifier is repeated");
    }
    Ok(oids.into_iter().map(<[u8]>::to_vec).collect())
}

/// policyMappings (RFC 5280 §4.2.1.5) as Go's `processExtensions` reads it: a SEQUENCE of
/// SEQUENCEs each starting with two OBJECT IDENTIFIER elements (issuer and subject domain
/// policies). Go checks only their tags, not their contents, and nothing after them.
fn read_policy_mappings(value: &[u8]) -> der::DerResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let seq = Reader::new(value).read(tag::SEQUENCE)?;
    let mut r = Reader::new(seq.value);
    let mut out = Vec::new();
    while !r.is_empty() {
        if out.len() >= MAX_POLICIES {
            return Err("too many policy mappings");
        }
        let mapping = r.read(tag::SEQUENCE)?;
        let mut m = Reader::new(mapping.value);
        let issuer = m.read(tag::OID)?.value.to_vec();
        let subject = m.read(tag::OID)?.value.to_vec();
        out.push((issuer, subject));
    }
    Ok(out)
}

/// policyConstraints (RFC 5280 §4.2.1.11) as Go's `processExtensions` reads it: a SEQUENCE
/// whose optional requireExplicitPolicy `[0]` and then inhibitPolicyMapping `[1]` (IMPLICIT
/// INTEGER, primitive) are 64-bit integers when present. Go reads each only if the next
/// element carries its tag and ignores whatever else follows, and so does this. Returns
/// (requireExplicitPolicy, inhibitPolicyMapping).
fn read_policy_constraints(value: &[u8]) -> der::DerResult<(Option<i64>, Option<i64>)> {
    let seq = Reader::new(value).read(tag::SEQUENCE)?;
    let mut r = Reader::new(seq.value);
    let require_explicit = match r.read_optional(0x80)? {
        Some(skip_certs) => Some(check_int64(skip_certs.value)?),
        None => None,
    };
    let inhibit_mapping = match r.read_optional(0x81)? {
        Some(skip_certs) => Some(check_int64(skip_certs.value)?),
        None => None,
    };
    Ok((require_explicit, inhibit_mapping))
}

/// inhibitAnyPolicy (RFC 5280 §4.2.1.14) as Go reads it (`ReadASN1Integer` into an `int`): an
/// INTEGER fitting 64 bits, anything after it ignored. Go accepts a negative value.
fn read_inhibit_any_policy(value: &[u8]) -> der::DerResult<i64> {
    check_int64(Reader::new(value).read(tag::INTEGER)?.value)
}

fn ext_err(what: &str, e: &str) -> Error {
    parse_err(format!("invalid {what} extension: {e}"))
}

fn parse_basic_constraints(value: &[u8], critical: bool) -> Result<BasicConstraints, Error> {
    let err = |e| ext_err("basic constraints", e);
    // As Go: the outer SEQUENCE, then an optional cA and an optional pathLenConstraint in
    // that order; whatever else there is, inside or after it, is not looked at.
    let seq = Reader::new(value).read(tag::SEQUENCE).map_err(err)?;
    let mut r = Reader::new(seq.value);
    let ca = match r.read_optional(tag::BOOLEAN).map_err(err)? {
        Some(b) => match b.value {
            [0x00] => false,
            [0xff] => true,
            _ => return Err(err("cA is not a DER boolean")),
        },
        None => false,
    };
    let path_len = match r.read_optional(tag::INTEGER).map_err(err)? {
        Some(i) => {
            der::check_integer(i.value).map_err(err)?;
            // Go (1.26) refuses a negative pathLenConstraint.
            if i.value.first().is_some_and(|b| b & 0x80 != 0) {
                return Err(err("negative pathLenConstraint"));
            }
            Some(der::small_uint(i.value).map_err(err)?)
        }
        None => None,
    };
    Ok(BasicConstraints {
        ca,
        path_len,
        critical,
    })
}

fn parse_key_usage(value: &[u8], critical: bool) -> Result<KeyUsage, Error> {
    let err = |e| ext_err("key usage", e);
    // Go reads the BIT STRING and nothing after it.
    let bits = Reader::new(value).read(tag::BIT_STRING).map_err(err)?;
    der::check_bit_string(bits.value).map_err(err)?;
    let bytes = bits.value.get(1..).unwrap_or_default();
    // (byte, bit mask in that byte, usage): named bits 0..=8, most significant bit first.
    const NAMED_BITS: [(usize, u8, u16); 9] = [
        (0, 0x80, KeyUsage::DIGITAL_SIGNATURE),
        (0, 0x40, KeyUsage::CONTENT_COMMITMENT),
        (0, 0x20, KeyUsage::KEY_ENCIPHERMENT),
        (0, 0x10, KeyUsage::DATA_ENCIPHERMENT),
        (0, 0x08, KeyUsage::KEY_AGREEMENT),
        (0, 0x04, KeyUsage::KEY_CERT_SIGN),
        (0, 0x02, KeyUsage::CRL_SIGN),
        (0, 0x01, KeyUsage::ENCIPHER_ONLY),
        (1, 0x80, KeyUsage::DECIPHER_ONLY),
    ];
    let mut out = 0u16;
    for (byte, mask, usage) in NAMED_BITS {
        if bytes.get(byte).is_some_and(|b| b & mask != 0) {
            out |= usage;
        }
    }
    Ok(KeyUsage {
        bits: out,
        critical,
    })
}

fn parse_ext_key_usage(value: &[u8], critical: bool) -> Result<ExtendedKeyUsage, Error> {
    let err = |e| ext_err("extended key usage", e);
    // Go reads the SEQUENCE and nothing after it.
    let seq = Reader::new(value).read(tag::SEQUENCE).map_err(err)?;
    let mut r = Reader::new(seq.value);
    let mut usages = Vec::new();
    while !r.is_empty() {
        if usages.len() >= 64 {
            return Err(err("too many usages"));
        }
        let oid = r.read(tag::OID).map_err(err)?;
        der::check_oid(oid.value).map_err(err)?;
        usages.push(der::oid_to_string(oid.value).ok_or_else(|| err("malformed OID"))?);
    }
    Ok(ExtendedKeyUsage { usages, critical })
}

/// The checks Go's x509 parser makes on names it reads but this crate does not use: a
/// certificate that fails them is unreadable for notation, so it is for notary too.
pub(crate) mod gonames {
    use crate::der::{self, Reader, tag};

    type Res = Result<(), &'static str>;

    fn ia5(v: &[u8]) -> bool {
        v.is_ascii()
    }

    /// Go's `domainToReverseLabels` succeeds: labels separated by dots, none empty, no trailing
    /// dot, every character printable ASCII other than space.
    pub(crate) fn domain_ok(domain: &[u8]) -> bool {
        if domain.is_empty() {
            return true;
        }
        domain
            .split(|&c| c == b'.')
            .all(|label| !label.is_empty() && label.iter().all(|&c| (33..=126).contains(&c)))
    }

    /// Go's `domainNameValid(s, true)` for a constraint: a domain that may start with a dot;
    /// no trailing dot, so `.` alone is refused.
    fn constraint_domain_ok(v: &[u8]) -> bool {
        v.is_empty() || (v.last() != Some(&b'.') && domain_ok(v.strip_prefix(b".").unwrap_or(v)))
    }

    /// Go's `parseRFC2821Mailbox` succeeds: a dot-atom or quoted local part, `@`, a domain.
    fn mailbox_ok(v: &[u8]) -> bool {
        mailbox(v).is_some()
    }

    /// Go's `parseRFC2821Mailbox`: the local part (unquoted, escapes resolved) and the domain.
    pub(crate) fn mailbox(v: &[u8]) -> Option<(Vec<u8>, &[u8])> {
        let mut local = Vec::new();
        let mut i = 0usize;
        if v.first() == Some(&b'"') {
            i = 1;
            loop {
                let c = *v.get(i)?;
                i = i.saturating_add(1);
                match c {
                    b'"' => break,
                    // quoted-pair: text = %d1-9 / %d11 / %d12 / %d14-127
                    b'\\' => {
                        let e = *v.get(i)?;
                        if !matches!(e, 1..=9 | 11 | 12 | 14..=127) {
                            return None;
                        }
                        local.push(e);
                        i = i.saturating_add(1);
                    }
                    // qtext, with the space RFC 3696's examples assume
                    1..=8 | 11 | 12 | 14..=31 | 32 | 33 | 35..=91 | 93..=126 | 127 => local.push(c),
                    _ => return None,
                }
            }
        } else {
            while let Some(&c) = v.get(i) {
                if c == b'\\' {
                    // An escape outside quotes, which Go accepts: the escaped character.
                    local.push(*v.get(i.saturating_add(1))?);
                    i = i.saturating_add(2);
                } else if c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&c) {
                    local.push(c);
                    i = i.saturating_add(1);
                } else {
                    break;
                }
            }
            if local.is_empty()
                || local.first() == Some(&b'.')
                || local.last() == Some(&b'.')
                || local.windows(2).any(|w| w == b"..")
            {
                return None;
            }
        }
        if v.get(i) != Some(&b'@') {
            return None;
        }
        let domain = v.get(i.saturating_add(1)..).unwrap_or_default();
        domain_ok(domain).then_some((local, domain))
    }

    /// Go's `url.Parse` of a URI name: its `Host` (unescaped, with any port; empty for a
    /// URI without authority, such as an opaque `urn:` or `mailto:` one), or Go's reason for
    /// refusing it. Only what decides acceptance and the host is computed.
    pub(crate) fn parse_uri(v: &[u8]) -> Result<Vec<u8>, &'static str> {
        // The fragment is cut off first; only its escapes are checked.
        let (u, fragment) = match v.iter().position(|&c| c == b'#') {
            Some(hash) => (
                v.get(..hash).unwrap_or_default(),
                v.get(hash.saturating_add(1)..).unwrap_or_default(),
            ),
            None => (v, &[][..]),
        };
        if u.iter().any(|&c| c < b' ' || c == 0x7f) {
            return Err("invalid control character in URL");
        }
        if u == b"*" {
            return Ok(Vec::new());
        }
        let (scheme, rest) = scheme(u)?;
        // The query (from the first `?`) is kept raw by Go, never checked.
        let rest = match rest.iter().position(|&c| c == b'?') {
            Some(q) => rest.get(..q).unwrap_or_default(),
            None => rest,
        };
        let mut host = Vec::new();
        let mut path = rest;
        if !rest.starts_with(b"/") {
            if !scheme.is_empty() {
                // A rootless path: opaque, not looked into.
                unescape(fragment, Escape::Other)?;
                return Ok(host);
            }
            let segment_end = rest.iter().position(|&c| c == b'/').unwrap_or(rest.len());
            if rest.get(..segment_end).unwrap_or_default().contains(&b':') {
                return Err("first path segment in URL cannot contain colon");
            }
        }
        if (!scheme.is_empty() || !rest.starts_with(b"///")) && rest.starts_with(b"//") {
            let after = rest.get(2..).unwrap_or_default();
            let end = after.iter().position(|&c| c == b'/').unwrap_or(after.len());
            let authority = after.get(..end).unwrap_or_default();
            path = after.get(end..).unwrap_or_default();
            host = parse_authority(&scheme, authority)?;
        }
        unescape(path, Escape::Other)?;
        unescape(fragment, Escape::Other)?;
        Ok(host)
    }

    /// Go's `getScheme`: the scheme (lower case; empty when there is none) and the rest.
    fn scheme(u: &[u8]) -> Result<(Vec<u8>, &[u8]), &'static str> {
        for (i, &c) in u.iter().enumerate() {
            match c {
                b'a'..=b'z' | b'A'..=b'Z' => {}
                b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
                b':' if i == 0 => return Err("missing protocol scheme"),
                b':' => {
                    let scheme = u.get(..i).unwrap_or_default().to_ascii_lowercase();
                    return Ok((scheme, u.get(i.saturating_add(1)..).unwrap_or_default()));
                }
                _ => return Ok((Vec::new(), u)),
            }
        }
        Ok((Vec::new(), u))
    }

    /// Go's `parseAuthority`: the host of `[userinfo@]host[:port]`, unescaped.
    fn parse_authority(scheme: &[u8], authority: &[u8]) -> Result<Vec<u8>, &'static str> {
        let at = authority.iter().rposition(|&c| c == b'@');
        let host_port = match at {
            Some(at) => authority.get(at.saturating_add(1)..).unwrap_or_default(),
            None => authority,
        };
        let host = parse_host(scheme, host_port)?;
        if let Some(at) = at {
            let userinfo = authority.get(..at).unwrap_or_default();
            let valid = userinfo
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c));
            if !valid {
                return Err("invalid userinfo");
            }
            unescape(userinfo, Escape::Other)?;
        }
        Ok(host)
    }

    /// Go's `validOptionalPort`: empty, or a colon and digits.
    fn valid_optional_port(port: &[u8]) -> bool {
        match port.split_first() {
            None => true,
            Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
            Some(_) => false,
        }
    }

    /// Go's `parseHost` (Go 1.26 defaults): an IP literal in brackets holding an IPv6
    /// address (with an optional `%25` zone), or a name whose only colon starts a numeric
    /// port (http and https) or whose last colon does (other schemes).
    fn parse_host(scheme: &[u8], host: &[u8]) -> Result<Vec<u8>, &'static str> {
        match host.iter().rposition(|&c| c == b'[') {
            Some(0) => {
                let close = host
                    .iter()
                    .rposition(|&c| c == b']')
                    .ok_or("missing ']' in host")?;
                let colon_port = host.get(close.saturating_add(1)..).unwrap_or_default();
                if !valid_optional_port(colon_port) {
                    return Err("invalid port after host");
                }
                let colon_port = unescape(colon_port, Escape::Host)?;
                let name = host.get(1..close).unwrap_or_default();
                let mut unescaped = match name.windows(3).position(|w| w == b"%25") {
                    Some(zone) => {
                        let mut out = unescape(name.get(..zone).unwrap_or_default(), Escape::Host)?;
                        out.extend(unescape(
                            name.get(zone..).unwrap_or_default(),
                            Escape::Zone,
                        )?);
                        out
                    }
                    None => unescape(name, Escape::Host)?,
                };
                // Only an IPv6 address (an IPv4-mapped one included) may be bracketed.
                if !is_ipv6_with_zone(&unescaped) {
                    return Err("invalid IP-literal");
                }
                unescaped.insert(0, b'[');
                unescaped.push(b']');
                unescaped.extend(colon_port);
                Ok(unescaped)
            }
            Some(_) => Err("invalid IP-literal"),
            None => {
                if let Some(first) = host.iter().position(|&c| c == b':') {
                    let last = host.iter().rposition(|&c| c == b':').unwrap_or(first);
                    // Go 1.26 (urlstrictcolons) allows one colon only in http(s) hosts.
                    let port_at = if scheme == b"http" || scheme == b"https" {
                        first
                    } else {
                        last
                    };
                    if !valid_optional_port(host.get(port_at..).unwrap_or_default()) {
                        return Err("invalid port after host");
                    }
                }
                unescape(host, Escape::Host)
            }
        }
    }

    /// Whether Go's `netip.ParseAddr` reads `text` as an IPv6 address (not IPv4), with an
    /// optional non-empty `%zone`.
    fn is_ipv6_with_zone(text: &[u8]) -> bool {
        let Ok(text) = std::str::from_utf8(text) else {
            return false;
        };
        let addr = match text.split_once('%') {
            Some((_, "")) => return false,
            Some((addr, _)) => addr,
            None => text,
        };
        addr.parse::<std::net::Ipv6Addr>().is_ok()
    }

    /// The part of a URL an escape is checked for, as Go's `unescape` modes differ.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Escape {
        /// Host: `%XX` only for bytes of 0x80 or more (and `%25`), and only the ASCII bytes
        /// a host may hold.
        Host,
        /// IPv6 zone: `%XX` only for ASCII bytes a host may hold (and `%25`, `%20`).
        Zone,
        /// Path, fragment, userinfo: `%XX` well formed.
        Other,
    }

    /// ASCII bytes Go's `shouldEscape` lets a host (or zone) hold unescaped.
    fn host_byte(c: u8) -> bool {
        c.is_ascii_alphanumeric() || b"-_.~!$&'()*+,;=:[]<>\"".contains(&c)
    }

    /// Go's `unescape` of one part of a URL: the unescaped bytes, or its refusal.
    fn unescape(s: &[u8], mode: Escape) -> Result<Vec<u8>, &'static str> {
        let hex = |c: Option<&u8>| -> Option<u8> {
            c.and_then(|&c| char::from(c).to_digit(16))
                .and_then(|d| u8::try_from(d).ok())
        };
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0usize;
        while let Some(&c) = s.get(i) {
            if c == b'%' {
                let (Some(hi), Some(lo)) = (
                    hex(s.get(i.saturating_add(1))),
                    hex(s.get(i.saturating_add(2))),
                ) else {
                    return Err("invalid URL escape");
                };
                let v = (hi << 4) | lo;
                let pct25 = v == 0x25;
                if mode == Escape::Host && hi < 8 && !pct25 {
                    return Err("invalid URL escape in host");
                }
                if mode == Escape::Zone && !pct25 && v != b' ' && !host_byte(v) {
                    return Err("invalid URL escape in zone");
                }
                out.push(v);
                i = i.saturating_add(3);
            } else {
                if mode != Escape::Other && c < 0x80 && !host_byte(c) {
                    return Err("invalid character in host name");
                }
                out.push(c);
                i = i.saturating_add(1);
            }
        }
        Ok(out)
    }

    /// subjectAltName: e-mail, DNS and URI names are IA5 strings (a URI's host a domain), IP
    /// addresses 4 or 16 bytes; other name forms are not looked into.
    pub(super) fn check_subject_alt_names(value: &[u8]) -> Res {
        // Go reads the SEQUENCE and nothing after it.
        let seq = Reader::new(value).read(tag::SEQUENCE)?;
        let mut r = Reader::new(seq.value);
        while !r.is_empty() {
            let gn = r.read_any()?;
            match gn.tag {
                0x81 if !ia5(gn.value) => return Err("SAN rfc822Name is malformed"),
                0x82 if !ia5(gn.value) => return Err("SAN dNSName is malformed"),
                0x86 if !ia5(gn.value) => return Err("SAN uniformResourceIdentifier is malformed"),
                0x86 => match parse_uri(gn.value) {
                    Err(e) => return Err(e),
                    // Go checks the host only when the URI has one.
                    Ok(host) if !domain_ok(&host) => {
                        return Err("cannot parse URI: invalid domain");
                    }
                    Ok(_) => {}
                },
                0x87 if gn.value.len() != 4 && gn.value.len() != 16 => {
                    return Err("cannot parse IP address of this length");
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A netmask Go accepts: ones, then zeros.
    fn mask_ok(mask: &[u8]) -> bool {
        let mut zeros = false;
        for &b in mask {
            if zeros {
                if b != 0 {
                    return false;
                }
            } else if b != 0xff {
                if b.leading_ones().saturating_add(b.trailing_zeros()) != 8 {
                    return false;
                }
                zeros = true;
            }
        }
        true
    }

    fn check_subtrees(v: &[u8]) -> Res {
        let mut r = Reader::new(v);
        while !r.is_empty() {
            let subtree = r.read(tag::SEQUENCE)?;
            let base = Reader::new(subtree.value).read_any()?;
            let value = base.value;
            match base.tag {
                0x82 if !ia5(value) || !constraint_domain_ok(value) => {
                    return Err("failed to parse dnsName constraint");
                }
                0x87 => {
                    let mask = match value.len() {
                        8 => value.get(4..),
                        32 => value.get(16..),
                        _ => return Err("IP constraint contained a value of invalid length"),
                    };
                    if !mask.is_some_and(mask_ok) {
                        return Err("IP constraint contained an invalid mask");
                    }
                }
                0x81 => {
                    let ok = ia5(value)
                        && if value.contains(&b'@') {
                            mailbox_ok(value)
                        } else {
                            constraint_domain_ok(value)
                        };
                    if !ok {
                        return Err("failed to parse rfc822Name constraint");
                    }
                }
                0x86 => {
                    let ip = std::str::from_utf8(value)
                        .ok()
                        .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok());
                    if !ia5(value) || ip || !constraint_domain_ok(value) {
                        return Err("failed to parse URI constraint");
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// NameConstraints: permitted and excluded subtrees as Go reads them (one of them present
    /// and not empty; DNS, e-mail, URI and IP bases well formed).
    pub(super) fn check_name_constraints(value: &[u8]) -> Res {
        let seq = der::parse_single(value, tag::SEQUENCE)?;
        let mut r = Reader::new(seq.value);
        let permitted = r.read_optional(0xa0)?;
        let excluded = r.read_optional(0xa1)?;
        r.finish()?;
        if permitted.as_ref().is_none_or(|p| p.value.is_empty())
            && excluded.as_ref().is_none_or(|e| e.value.is_empty())
        {
            return Err("empty name constraints extension");
        }
        for t in [permitted, excluded].into_iter().flatten() {
            check_subtrees(t.value)?;
        }
        Ok(())
    }
}
