//! CRLs: parsing (RFC 5280 §5), validation against the issuer, delta CRLs and entry lookup.

use std::sync::Arc;
use std::time::Duration;

use lru::LruCache;
use notary_x509::der::{self, Reader, Tlv, tag};
use notary_x509::{Certificate, KeyUsage, X509Verifier};
use time::OffsetDateTime;

use crate::cache::CrlCache;
use crate::fetch::Fetcher;
use crate::{CertStatus, Error, is_http};

/// Largest CRL fetched (a body of exactly this size is refused, as notation does).
pub const MAX_CRL_SIZE: usize = 32 * 1024 * 1024;
/// Most entries read: as many as a CRL of [`MAX_CRL_SIZE`] can hold (an entry takes at least 18
/// bytes: its SEQUENCE, a one-byte serial, the shortest time), so the size cap is the bound, as
/// for notation; a million-entry CRL of short serials is real.
const MAX_ENTRIES: usize = MAX_CRL_SIZE / 18;

const OID_CRL_NUMBER: &str = "2.5.29.20";
const OID_DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const OID_ISSUING_DP: &str = "2.5.29.28";
const OID_FRESHEST_CRL: &str = "2.5.29.46";
const OID_AUTHORITY_KEY_ID: &str = "2.5.29.35";
const OID_REASON_CODE: &str = "2.5.29.21";
const OID_INVALIDITY_DATE: &str = "2.5.29.24";

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Serial number (content octets of the INTEGER).
    pub serial: Vec<u8>,
    /// Revocation date.
    pub revocation_date: OffsetDateTime,
    /// Reason code, if given.
    pub reason: Option<u64>,
    /// Invalidity date, if given.
    pub invalidity_date: Option<OffsetDateTime>,
    /// Why the entry cannot be evaluated (an unsupported critical entry extension, a malformed
    /// invalidity date). It matters only for the certificate it names: like notation, a
    /// problem in another certificate's entry does not make the whole CRL unusable.
    pub unusable: Option<String>,
}

/// The aws-lc-rs verifier behind the compatibility shims.
#[cfg(feature = "compat-aws-lc")]
fn compat_verifier() -> X509Verifier {
    X509Verifier::new(notary_provider_aws_lc_rs::provider())
}

/// A parsed CRL (not yet validated).
#[derive(Debug, Clone)]
pub struct Crl {
    /// The CertificateList DER, up to [`MAX_CRL_SIZE`]; its signature is verified over the
    /// tbsCertList in place, not a copy. `None` once released after validation.
    der: Option<Vec<u8>>,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate, if present.
    pub next_update: Option<OffsetDateTime>,
    /// Revoked certificates.
    pub entries: Vec<Entry>,
    /// cRLNumber.
    pub crl_number: Option<Vec<u8>>,
    /// deltaCRLIndicator (base CRL number) and whether it is critical.
    pub delta_crl_indicator: Option<(Vec<u8>, bool)>,
    /// URI names of the freshestCRL extension.
    pub freshest_crl_urls: Vec<String>,
    /// issuingDistributionPoint (the CRL's scope), if present.
    pub issuing_distribution_point: Option<IssuingDistributionPoint>,
    /// The extension's value as signed, to compare a delta's scope with its base's.
    idp_der: Option<Vec<u8>>,
}

/// Why a CRL cannot be used (the crate's [`Error`]).
pub type CrlError = Error;

/// Most extensions read from one Extensions list.
const MAX_EXTENSIONS: usize = 64;

fn crl_der(reason: &'static str) -> Error {
    Error::malformed("CRL", reason)
}

fn parse_time(t: Tlv<'_>) -> Result<OffsetDateTime, CrlError> {
    der::parse_time(t).map_err(crl_der)
}

/// A DER BOOLEAN: exactly `0xff` (TRUE) or `0x00` (FALSE); anything else is malformed, so a
/// BER-encoded TRUE on a critical flag is never read as FALSE.
pub(crate) fn der_bool(v: &[u8]) -> Result<bool, &'static str> {
    match v {
        [0xff] => Ok(true),
        [0x00] => Ok(false),
        _ => Err("BOOLEAN is not DER (0x00 or 0xff)"),
    }
}

/// One extension: OID (dotted), critical flag, extnValue content.
pub(crate) struct Extension {
    pub oid: String,
    pub critical: bool,
    pub value: Vec<u8>,
}

/// Reads `Extensions` (SEQUENCE OF Extension). Duplicate OIDs are refused (RFC 5280 §4.2).
pub(crate) fn extensions(content: &[u8]) -> Result<Vec<Extension>, &'static str> {
    extensions_with(content, true)
}

/// Reads `Extensions`; `strict` refuses duplicate OIDs and more than [`MAX_EXTENSIONS`]. The
/// lists Go reads without either check (CRL entries, OCSP single responses) are read with
/// `strict` off: the enclosing size cap bounds them, and one odd entry must not make a whole
/// CRL or response unusable.
pub(crate) fn extensions_with(
    content: &[u8],
    strict: bool,
) -> Result<Vec<Extension>, &'static str> {
    let mut r = Reader::new(content);
    let mut out: Vec<Extension> = Vec::new();
    while !r.is_empty() {
        if strict && out.len() >= MAX_EXTENSIONS {
            return Err("too many extensions");
        }
        // Go's reading: OID arcs within its limits, a DER flag, nothing after the value.
        let (oid, critical, value) = der::read_extension(&mut r)?;
        let oid = der::oid_to_string(oid).ok_or("malformed OID")?;
        let value = value.to_vec();
        if strict && out.iter().any(|x| x.oid == oid) {
            return Err("duplicate extension");
        }
        out.push(Extension {
            oid,
            critical,
            value,
        });
    }
    Ok(out)
}

/// The issuingDistributionPoint CRL extension (RFC 5280 §5.2.5): the CRL's scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssuingDistributionPoint {
    /// Whether a distributionPoint name is present (in either form).
    pub has_distribution_point: bool,
    /// The URI names of the distributionPoint fullName.
    pub full_name_uris: Vec<String>,
    /// onlyContainsUserCerts.
    pub only_user_certs: bool,
    /// onlyContainsCACerts.
    pub only_ca_certs: bool,
    /// Whether onlySomeReasons is present (the CRL covers only some revocation reasons).
    pub only_some_reasons: bool,
    /// indirectCRL.
    pub indirect_crl: bool,
    /// onlyContainsAttributeCerts.
    pub only_attribute_certs: bool,
}

fn parse_idp(v: &[u8]) -> Result<IssuingDistributionPoint, &'static str> {
    let seq = der::parse_single(v, tag::SEQUENCE)?;
    let mut r = Reader::new(seq.value);
    let mut idp = IssuingDistributionPoint::default();
    // distributionPoint [0] DistributionPointName (a CHOICE, so explicitly tagged):
    // fullName [0] GeneralNames | nameRelativeToCRLIssuer [1] RelativeDistinguishedName.
    if let Some(dp) = r.read_optional(0xa0)? {
        idp.has_distribution_point = true;
        let name =
            der::parse_single(dp.value, 0xa0).or_else(|_| der::parse_single(dp.value, 0xa1))?;
        if name.tag == 0xa0 {
            let mut g = Reader::new(name.value);
            while !g.is_empty() {
                let gn = g.read_any()?;
                // uniformResourceIdentifier [6] IA5String
                if gn.tag == 0x86 {
                    if idp.full_name_uris.len() >= MAX_EXTENSIONS {
                        return Err("too many distribution point names");
                    }
                    let u = std::str::from_utf8(gn.value).map_err(|_| "URI is not ASCII")?;
                    idp.full_name_uris.push(u.to_string());
                }
            }
        }
    }
    let mut flag = |t: u8| -> Result<bool, &'static str> {
        match r.read_optional(t)? {
            Some(b) => der_bool(b.value),
            None => Ok(false),
        }
    };
    idp.only_user_certs = flag(0x81)?;
    idp.only_ca_certs = flag(0x82)?;
    // onlySomeReasons [3] ReasonFlags (BIT STRING)
    if let Some(b) = r.read_optional(0x83)? {
        if b.value.is_empty() {
            return Err("empty onlySomeReasons");
        }
        idp.only_some_reasons = true;
    }
    let mut flag = |t: u8| -> Result<bool, &'static str> {
        match r.read_optional(t)? {
            Some(b) => der_bool(b.value),
            None => Ok(false),
        }
    };
    idp.indirect_crl = flag(0x84)?;
    idp.only_attribute_certs = flag(0x85)?;
    r.finish()?;
    Ok(idp)
}

/// The tbsCertList, signatureAlgorithm and signatureValue of a CertificateList. Bytes after
/// the CertificateList, or after the signature inside it, are ignored, as Go's
/// `x509.ParseRevocationList` (and so notation) ignores them: they are outside what the
/// signature covers and change nothing.
fn signed_parts(der_bytes: &[u8]) -> Result<(Tlv<'_>, Tlv<'_>, Tlv<'_>), CrlError> {
    let cl = Reader::new(der_bytes)
        .read(tag::SEQUENCE)
        .map_err(crl_der)?;
    let mut r = Reader::new(cl.value);
    let tbs = r.read(tag::SEQUENCE).map_err(crl_der)?;
    let sig_alg = r.read(tag::SEQUENCE).map_err(crl_der)?;
    let sig = r.read(tag::BIT_STRING).map_err(crl_der)?;
    Ok((tbs, sig_alg, sig))
}

impl Crl {
    /// Parses a DER CRL. Unknown critical CRL or entry extensions, duplicate extensions and
    /// non-DER booleans are refused.
    pub fn parse(der_bytes: &[u8]) -> Result<Self, CrlError> {
        let mut crl = Self::parse_fields(der_bytes)?;
        crl.der = Some(der_bytes.to_vec());
        Ok(crl)
    }

    /// [`Crl::parse`] keeping `der_bytes` itself for the signature check: a fetched CRL is
    /// held once, not once as received and again as its signed part.
    pub(crate) fn parse_owned(der_bytes: Vec<u8>) -> Result<Self, CrlError> {
        let mut crl = Self::parse_fields(&der_bytes)?;
        crl.der = Some(der_bytes);
        Ok(crl)
    }

    /// [`Crl::parse`] without keeping the bytes, so the result cannot be validated: for reading
    /// fields (the on-disk cache's nextUpdate).
    pub(crate) fn parse_fields(der_bytes: &[u8]) -> Result<Self, CrlError> {
        let (tbs, sig_alg, sig) = signed_parts(der_bytes)?;
        let mut t = Reader::new(tbs.value);
        // Only v2 CRLs (version 1), as Go's parser and so notation require.
        match t.read_optional(tag::INTEGER).map_err(crl_der)? {
            Some(v) if v.value == [1] => {}
            Some(_) | None => return Err(crl_der("unsupported CRL version (only v2 CRLs are)")),
        }
        let inner_alg = t.read(tag::SEQUENCE).map_err(crl_der)?;
        if inner_alg.raw != sig_alg.raw {
            return Err(crl_der("inner and outer signature algorithms differ"));
        }
        // issuer: the signature establishes it, but Go's parser refuses a malformed Name.
        let issuer = t.read(tag::SEQUENCE).map_err(crl_der)?;
        notary_x509::validate_name(issuer.raw)
            .map_err(|e| Error::malformed("CRL issuer", e.to_string()))?;
        let this_update = parse_time(t.read_any().map_err(crl_der)?)?;
        let next_update = match t.peek_tag() {
            Some(tag::UTC_TIME | tag::GENERALIZED_TIME) => {
                Some(parse_time(t.read_any().map_err(crl_der)?)?)
            }
            _ => None,
        };
        let mut entries = Vec::new();
        if let Some(list) = t.read_optional(tag::SEQUENCE).map_err(crl_der)? {
            let mut lr = Reader::new(list.value);
            while !lr.is_empty() {
                if entries.len() >= MAX_ENTRIES {
                    return Err(crl_der("too many CRL entries"));
                }
                entries.push(parse_entry(lr.read(tag::SEQUENCE).map_err(crl_der)?.value)?);
            }
        }
        let (mut crl_number, mut delta_crl_indicator, mut freshest_crl_urls) =
            (None, None, Vec::new());
        let (mut issuing_distribution_point, mut idp_der) = (None, None);
        // As Go's parser: a `[0]` holding the Extensions SEQUENCE (nothing after it read);
        // anything else where the extensions go, and all after them, is not read.
        if let Some(x) = t.read_optional(0xa0).map_err(crl_der)? {
            let seq = Reader::new(x.value).read(tag::SEQUENCE).map_err(crl_der)?;
            for e in extensions(seq.value).map_err(crl_der)? {
                match e.oid.as_str() {
                    // notation handles only these two when critical (RFC 5280 makes the others
                    // non-critical): a critical CRL number, authority key identifier or
                    // freshest CRL makes the CRL unusable there, and so here.
                    OID_CRL_NUMBER | OID_AUTHORITY_KEY_ID | OID_FRESHEST_CRL if e.critical => {
                        return Err(Error::UnsupportedCriticalExtension {
                            location: "CRL",
                            oid: e.oid,
                        });
                    }
                    OID_CRL_NUMBER => {
                        crl_number = Some(integer(&e.value)?);
                    }
                    OID_DELTA_CRL_INDICATOR => {
                        delta_crl_indicator = Some((integer(&e.value)?, e.critical));
                    }
                    OID_FRESHEST_CRL => {
                        freshest_crl_urls = notary_x509::distribution_point_urls(&e.value)
                            .map_err(|err| Error::malformed("CRL", err.to_string()))?
                    }
                    OID_ISSUING_DP => {
                        issuing_distribution_point =
                            Some(parse_idp(&e.value).map_err(|err| {
                                Error::malformed("issuingDistributionPoint", err)
                            })?);
                        idp_der = Some(e.value);
                    }
                    // Go reads it (a SEQUENCE, its keyIdentifier if first) and refuses a
                    // malformed one.
                    OID_AUTHORITY_KEY_ID => {
                        let akid = Reader::new(&e.value)
                            .read(tag::SEQUENCE)
                            .map_err(|err| Error::malformed("CRL authority key identifier", err))?;
                        Reader::new(akid.value)
                            .read_optional(0x80)
                            .map_err(|err| Error::malformed("CRL authority key identifier", err))?;
                    }
                    _ if e.critical => {
                        return Err(Error::UnsupportedCriticalExtension {
                            location: "CRL",
                            oid: e.oid,
                        });
                    }
                    _ => {}
                }
            }
        }
        der::bit_string_bytes(&sig).map_err(crl_der)?;
        Ok(Self {
            der: None,
            this_update,
            next_update,
            entries,
            crl_number,
            delta_crl_indicator,
            freshest_crl_urls,
            issuing_distribution_point,
            idp_der,
        })
    }

    /// [`Crl::validate_with`] on the aws-lc-rs provider. Compatibility shim.
    #[cfg(feature = "compat-aws-lc")]
    pub fn validate(&self, issuer: &Certificate, now: OffsetDateTime) -> Result<(), CrlError> {
        self.validate_with(&compat_verifier(), issuer, now)
    }

    /// [`Crl::validate_complete_with`] on the aws-lc-rs provider. Compatibility shim.
    #[cfg(feature = "compat-aws-lc")]
    pub fn validate_complete(
        &self,
        issuer: &Certificate,
        now: OffsetDateTime,
    ) -> Result<(), CrlError> {
        self.validate_complete_with(&compat_verifier(), issuer, now)
    }

    /// Checks the CRL was issued and signed by `issuer` (signature verified by `x509`) and is
    /// current at `now`.
    pub fn validate_with(
        &self,
        x509: &X509Verifier,
        issuer: &Certificate,
        now: OffsetDateTime,
    ) -> Result<(), CrlError> {
        // The issuer is established by the signature, not by comparing names: notation (Go's
        // `CheckSignatureFrom`) does the same, and a CA whose CRLs spell its name in another
        // string type than its certificates still has its CRLs read.
        if !issuer.is_ca() {
            return Err(Error::Signature {
                reason: "the CRL issuer is not a CA".into(),
            });
        }
        if issuer
            .key_usage()
            .is_some_and(|ku| !ku.has(KeyUsage::CRL_SIGN))
        {
            return Err(Error::Signature {
                reason: "the CRL issuer's key usage lacks cRLSign".into(),
            });
        }
        let der_bytes = self.der.as_deref().ok_or_else(|| Error::Signature {
            reason: "the CRL's signed bytes were released after an earlier validation".into(),
        })?;
        // The same bytes `parse` read: these cannot fail here.
        let (tbs, sig_alg, sig) = signed_parts(der_bytes)?;
        let signature = der::bit_string_bytes(&sig).map_err(crl_der)?;
        x509.verify_signature_with_spki(issuer.spki_der(), sig_alg.raw, tbs.raw, signature)
            .map_err(|e| Error::Signature {
                reason: format!("CRL signature: {e}"),
            })?;
        // thisUpdate is not compared with `now`: a CRL dated ahead of a slow local clock is the
        // issuer's current list all the same (notation and the Notary spec check nextUpdate only).
        match self.next_update {
            None => Err(Error::NotCurrent {
                reason: "the CRL has no nextUpdate".into(),
            }),
            Some(n) if now > n => Err(Error::NotCurrent {
                reason: format!("the CRL expired at {n}"),
            }),
            Some(_) => Ok(()),
        }
    }

    /// [`Crl::validate_with`], and the CRL must be a complete CRL: a delta CRL
    /// (deltaCRLIndicator) lists only the changes since its base, so it is never accepted in a
    /// base CRL's place.
    pub fn validate_complete_with(
        &self,
        x509: &X509Verifier,
        issuer: &Certificate,
        now: OffsetDateTime,
    ) -> Result<(), CrlError> {
        self.validate_with(x509, issuer, now)?;
        match &self.delta_crl_indicator {
            Some((base, _)) => Err(Error::DeltaCrlAsBase {
                base_crl_number: hex(base),
            }),
            None => Ok(()),
        }
    }

    /// Drops the signed bytes once the CRL is validated: only its fields are read after that,
    /// and an in-memory CRL should not hold a second copy of up to [`MAX_CRL_SIZE`].
    fn release_signed_bytes(&mut self) {
        self.der = None;
    }

    /// Approximate heap and inline size, for the in-memory cache's byte budget.
    fn approx_size(&self) -> usize {
        let fixed = std::mem::size_of::<Self>()
            .saturating_add(self.der.as_ref().map_or(0, Vec::len))
            .saturating_add(self.idp_der.as_ref().map_or(0, Vec::len))
            .saturating_add(self.freshest_crl_urls.iter().map(String::len).sum());
        self.entries.iter().fold(fixed, |n, e| {
            n.saturating_add(std::mem::size_of::<Entry>())
                .saturating_add(e.serial.len())
        })
    }

    /// Whether this CRL's scope (issuingDistributionPoint) covers `cert`, fetched from
    /// distribution point `url` (RFC 5280 §6.3.3 (b)(2), (d)).
    pub fn coverage(&self, cert: &Certificate, url: &str) -> Result<Coverage, CrlError> {
        let Some(idp) = &self.issuing_distribution_point else {
            return Ok(Coverage::Complete);
        };
        if idp.indirect_crl {
            return Err(Error::scope(
                "indirect CRLs (indirectCRL) are not supported",
            ));
        }
        if idp.only_attribute_certs {
            return Err(Error::scope(
                "the CRL lists only attribute certificates (onlyContainsAttributeCerts)",
            ));
        }
        if idp.only_user_certs && cert.is_ca() {
            return Err(Error::scope(
                "the CRL lists only end-entity certificates (onlyContainsUserCerts) and the certificate is a CA",
            ));
        }
        if idp.only_ca_certs && !cert.is_ca() {
            return Err(Error::scope(
                "the CRL lists only CA certificates (onlyContainsCACerts) and the certificate is not a CA",
            ));
        }
        // The CRL was fetched through the certificate's distribution point `url`: the CRL's
        // own distribution point name must name it, else it is some other partition's CRL.
        if idp.has_distribution_point && !idp.full_name_uris.iter().any(|u| u == url) {
            return Err(Error::scope(format!(
                "the CRL's issuing distribution point {:?} does not name {}, the certificate's distribution point",
                idp.full_name_uris,
                url.escape_debug()
            )));
        }
        Ok(if idp.only_some_reasons {
            Coverage::SomeReasons
        } else {
            Coverage::Complete
        })
    }
}

/// How far a CRL whose scope includes a certificate covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Coverage {
    /// Every revocation reason: absence from the CRL means not revoked.
    Complete,
    /// Only some reasons (onlySomeReasons): a listed certificate is revoked, but absence is no
    /// evidence of good status.
    SomeReasons,
}

fn hex(v: &[u8]) -> String {
    v.iter().map(|b| format!("{b:02x}")).collect()
}

/// The content of a DER INTEGER extension value (cRLNumber, deltaCRLIndicator): the first
/// element, as Go's `ReadASN1Integer` reads it.
fn integer(v: &[u8]) -> Result<Vec<u8>, CrlError> {
    let i = Reader::new(v).read(tag::INTEGER).map_err(crl_der)?;
    der::check_integer(i.value).map_err(crl_der)?;
    Ok(i.value.to_vec())
}

fn parse_entry(content: &[u8]) -> Result<Entry, CrlError> {
    let mut er = Reader::new(content);
    let serial = er.read(tag::INTEGER).map_err(crl_der)?.value;
    // Go's parser reads serials with `ReadASN1Integer`: a non-minimal one makes the CRL
    // unreadable. Minimal encodings are unique, so the bytes compare as the numbers do.
    der::check_integer(serial).map_err(crl_der)?;
    let serial = serial.to_vec();
    let revocation_date = parse_time(er.read_any().map_err(crl_der)?)?;
    let (mut reason, mut invalidity_date, mut unusable) = (None, None, None);
    if let Some(exts) = er.read_optional(tag::SEQUENCE).map_err(crl_der)? {
        for e in extensions_with(exts.value, false).map_err(crl_der)? {
            match e.oid.as_str() {
                OID_REASON_CODE => {
                    // Go's ReadASN1Enum: the first element, minimal.
                    let v = Reader::new(&e.value)
                        .read(tag::ENUMERATED)
                        .map_err(crl_der)?;
                    der::check_integer(v.value).map_err(crl_der)?;
                    reason = Some(der::small_uint(v.value).map_err(crl_der)?);
                }
                OID_INVALIDITY_DATE => {
                    // notation-core-go decodes it with `encoding/asn1`, not the CRL parser:
                    // fractional seconds are read there.
                    match der::parse_single(&e.value, tag::GENERALIZED_TIME)
                        .and_then(der::parse_time_asn1)
                        .map_err(crl_der)
                    {
                        Ok(t) => invalidity_date = Some(t),
                        Err(err) => {
                            unusable.get_or_insert(format!("malformed invalidity date: {err}"));
                        }
                    }
                }
                _ if e.critical => {
                    unusable.get_or_insert(
                        Error::UnsupportedCriticalExtension {
                            location: "CRL entry",
                            oid: e.oid,
                        }
                        .to_string(),
                    );
                }
                _ => {}
            }
        }
    }
    // Nothing after the extensions is read, as in Go.
    Ok(Entry {
        serial,
        revocation_date,
        reason,
        invalidity_date,
        unusable,
    })
}

/// INTEGER content without leading zero octets, for numeric comparison by length then bytes.
fn big(v: &[u8]) -> &[u8] {
    let i = v.iter().take_while(|b| **b == 0).count();
    v.get(i..).unwrap_or_default()
}

fn greater(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (big(a), big(b));
    a.len() > b.len() || (a.len() == b.len() && a > b)
}

/// CRLs already validated against an issuer, kept in memory while current, so a verifier that
/// checks many signatures does not re-read and re-verify the same CRL each time.
#[derive(Debug, Default)]
pub(crate) struct Validated {
    inner: std::sync::Mutex<ValidatedInner>,
}

#[derive(Debug)]
struct ValidatedInner {
    /// URL → slot, least recently used first; bounded by `put_within`, not by the cache.
    map: LruCache<String, Slot>,
    /// Sum of the slots' `size`.
    bytes: usize,
}

impl Default for ValidatedInner {
    fn default() -> Self {
        Self {
            map: LruCache::unbounded(),
            bytes: 0,
        }
    }
}

#[derive(Debug)]
struct Slot {
    issuer_der: Vec<u8>,
    loaded: Loaded,
    size: usize,
}

/// A validated base CRL and its delta.
type Loaded = Arc<(Crl, Option<Crl>)>;

/// Where CRLs come from.
pub(crate) struct Sources<'a> {
    pub x509: &'a X509Verifier,
    pub fetcher: &'a dyn Fetcher,
    pub cache: Option<&'a CrlCache>,
    pub validated: &'a Validated,
    pub timeout: Duration,
}

/// True when every CRL of `cert` is validated in memory and current at `now`: checking it
/// fetches nothing.
pub(crate) fn in_memory(
    validated: &Validated,
    cert: &Certificate,
    issuer: &Certificate,
    now: OffsetDateTime,
) -> bool {
    cert.crl_urls()
        .iter()
        .all(|url| validated.get(url, issuer, now).is_some())
}

/// Most CRLs kept in memory.
const MAX_VALIDATED: usize = 256;
/// Approximate bytes (entries, signed parts, issuer) kept in memory; the least recently used
/// CRLs go first.
const MAX_VALIDATED_BYTES: usize = 256 * 1024 * 1024;

impl Validated {
    fn get(
        &self,
        url: &str,
        issuer: &Certificate,
        now: OffsetDateTime,
    ) -> Option<Arc<(Crl, Option<Crl>)>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let slot = inner.map.peek(url)?;
        let v = &slot.loaded;
        let current = |c: &Crl| c.next_update.is_some_and(|n| now <= n);
        let hit = (slot.issuer_der.as_slice() == issuer.der()
            && current(&v.0)
            && v.1.as_ref().is_none_or(current))
        .then(|| v.clone())?;
        // Only a usable entry counts as used: a stale one is replaced or ages out.
        inner.map.promote(url);
        Some(hit)
    }

    fn put(&self, url: &str, issuer: &Certificate, v: Loaded) {
        self.put_within(url, issuer.der(), v, MAX_VALIDATED, MAX_VALIDATED_BYTES);
    }

    /// Inserts, evicting the least recently used CRLs until at most `max_count` and `max_bytes`
    /// are held; a CRL larger than `max_bytes` on its own is not kept.
    fn put_within(
        &self,
        url: &str,
        issuer_der: &[u8],
        v: Loaded,
        max_count: usize,
        max_bytes: usize,
    ) {
        let size =
            v.0.approx_size()
                .saturating_add(v.1.as_ref().map_or(0, Crl::approx_size))
                .saturating_add(issuer_der.len())
                .saturating_add(url.len());
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = inner.map.pop(url) {
            inner.bytes = inner.bytes.saturating_sub(old.size);
        }
        if size > max_bytes {
            return;
        }
        while inner.map.len() >= max_count || inner.bytes.saturating_add(size) > max_bytes {
            let Some((_, old)) = inner.map.pop_lru() else {
                break;
            };
            inner.bytes = inner.bytes.saturating_sub(old.size);
        }
        inner.bytes = inner.bytes.saturating_add(size);
        inner.map.push(
            url.to_string(),
            Slot {
                issuer_der: issuer_der.to_vec(),
                loaded: v,
                size,
            },
        );
    }
}

/// Checks `delta` is a valid delta for `base` (RFC 5280 §5.2.4, §6.3.3 (b)(1)): signed by the
/// same issuer, current, a delta (deltaCRLIndicator no newer than the base), newer than the
/// base, and of the same scope.
fn validate_delta(
    x509: &X509Verifier,
    base: &Crl,
    delta: &Crl,
    issuer: &Certificate,
    now: OffsetDateTime,
) -> Result<(), CrlError> {
    delta
        .validate_with(x509, issuer, now)
        .map_err(|e| Error::unusable(format!("delta CRL: {e}")))?;
    let (Some(bn), Some(dn), Some((ind, _))) = (
        &base.crl_number,
        &delta.crl_number,
        &delta.delta_crl_indicator,
    ) else {
        return Err(Error::unusable(
            "delta CRL lacks a CRL number or delta indicator",
        ));
    };
    if !greater(dn, bn) || greater(ind, bn) {
        return Err(Error::unusable(
            "delta CRL numbers are inconsistent with the base CRL",
        ));
    }
    if delta.idp_der != base.idp_der {
        return Err(Error::unusable(
            "the delta CRL's scope (issuingDistributionPoint) differs from its base CRL's",
        ));
    }
    Ok(())
}

/// The base CRL at `url` and its delta, from the cache when current, else downloaded,
/// validated and cached.
fn load(
    x509: &X509Verifier,
    fetcher: &dyn Fetcher,
    cache: Option<&CrlCache>,
    timeout: Duration,
    url: &str,
    issuer: &Certificate,
    now: OffsetDateTime,
) -> Result<(Crl, Option<Crl>), CrlError> {
    let hit = cache.and_then(|c| c.get(url, now));
    if cache.is_some() {
        tracing::debug!(
            url = %url.escape_debug(),
            cache = if hit.is_some() { "hit" } else { "miss" },
            "CRL cache"
        );
    }
    if let Some(hit) = hit {
        // A cached entry is re-validated: the cache directory is not trusted more than the network.
        let base = Crl::parse_owned(hit.base)?;
        let delta = hit.delta.map(Crl::parse_owned).transpose()?;
        base.validate_complete_with(x509, issuer, now)?;
        match (&delta, base.freshest_crl_urls.is_empty()) {
            (Some(d), false) => {
                validate_delta(x509, &base, d, issuer, now)?;
                return Ok((base, delta));
            }
            (None, true) => return Ok((base, None)),
            // A delta the base does not announce, or an announced delta missing: refetch.
            _ => {}
        }
    }
    let base_der = fetcher
        .crl(url, MAX_CRL_SIZE, timeout)
        .map_err(|e| Error::Fetch {
            reason: e.to_string(),
        })?;
    tracing::debug!(url = %url.escape_debug(), bytes = base_der.len(), "CRL downloaded");
    let base = Crl::parse_owned(base_der)?;
    base.validate_complete_with(x509, issuer, now)?;
    if base.freshest_crl_urls.is_empty() {
        return finish(cache, url, base, None);
    }
    let mut last_err = String::new();
    for d in &base.freshest_crl_urls {
        // Only http, as for the certificate's own URLs (notation's fetchCRL refuses others).
        if !is_http(d) {
            last_err = format!("{}: only http CRL URLs are supported", d.escape_debug());
            continue;
        }
        let fetched = fetcher
            .crl(d, MAX_CRL_SIZE, timeout)
            .map_err(|e| e.to_string())
            .and_then(|b| Crl::parse_owned(b).map_err(|e| e.to_string()));
        match fetched {
            Ok(c) => {
                validate_delta(x509, &base, &c, issuer, now)?;
                return finish(cache, url, base, Some(c));
            }
            Err(e) => last_err = e,
        }
    }
    Err(Error::Fetch {
        reason: format!("delta CRL: {last_err}"),
    })
}

fn finish(
    cache: Option<&CrlCache>,
    url: &str,
    base: Crl,
    delta: Option<Crl>,
) -> Result<(Crl, Option<Crl>), CrlError> {
    // Just parsed and validated, so both still hold their DER.
    if let (Some(c), Some(base_der)) = (cache, base.der.as_deref()) {
        // A cache that cannot be written only costs a download next time.
        if let Err(e) = c.set_der(url, base_der, delta.as_ref().and_then(|d| d.der.as_deref())) {
            c.write_failed(&e);
        }
    }
    Ok((base, delta))
}

/// Checks `cert` against every CRL distribution point (notation: all must succeed).
pub(crate) fn check(
    src: &Sources<'_>,
    cert: &Certificate,
    issuer: &Certificate,
    authentic_signing_time: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> CertStatus {
    let cert_freshest = match cert.freshest_crl_urls() {
        Ok(u) => u,
        Err(e) => return CertStatus::Unknown(e.to_string()),
    };
    let mut result = CertStatus::Good;
    for url in cert.crl_urls() {
        // The URL comes from the certificate: escape control characters before it reaches a message.
        let shown = url.escape_debug().to_string();
        if !is_http(url) {
            return CertStatus::Unknown(format!("{shown}: only http CRL URLs are supported"));
        }
        let loaded = match src.validated.get(url, issuer, now) {
            Some(v) => v,
            None => match load(
                src.x509,
                src.fetcher,
                src.cache,
                src.timeout,
                url,
                issuer,
                now,
            ) {
                Ok((mut base, mut delta)) => {
                    base.release_signed_bytes();
                    if let Some(d) = delta.as_mut() {
                        d.release_signed_bytes();
                    }
                    let v = Arc::new((base, delta));
                    src.validated.put(url, issuer, v.clone());
                    v
                }
                Err(e) => return CertStatus::Unknown(format!("{shown}: {e}")),
            },
        };
        let (base, delta) = (&loaded.0, &loaded.1);
        if base.freshest_crl_urls.is_empty() && !cert_freshest.is_empty() {
            return CertStatus::Unknown(
                "freshest CRL from certificate extension is not supported".into(),
            );
        }
        // The delta has the base's scope (validate_delta), so the base's scope decides.
        // Out of scope is no evidence either way; other distribution points may still
        // show a revocation, which beats unknown.
        let coverage = match base.coverage(cert, url) {
            Ok(c) => c,
            Err(e) => {
                result = CertStatus::Unknown(format!("{shown}: {e}"));
                continue;
            }
        };
        match (
            lookup(cert, base, delta.as_ref(), authentic_signing_time),
            coverage,
        ) {
            (CertStatus::Revoked(why), _) => return CertStatus::Revoked(format!("{shown}: {why}")),
            (CertStatus::Good, Coverage::Complete) => {}
            (CertStatus::Good, _) => {
                result = CertStatus::Unknown(format!(
                    "{shown}: the CRL covers only some revocation reasons (onlySomeReasons), so it is no evidence that the certificate is not revoked"
                ))
            }
            (other, _) => result = other,
        }
    }
    result
}

fn lookup(
    cert: &Certificate,
    base: &Crl,
    delta: Option<&Crl>,
    signing_time: Option<OffsetDateTime>,
) -> CertStatus {
    let serial = cert.serial_bytes();
    let mut latest_temporary: Option<&Entry> = None;
    for list in std::iter::once(base).chain(delta) {
        for e in &list.entries {
            // Both minimal DER (checked when parsed): equal bytes are equal numbers, and a
            // negative serial never matches a positive one.
            if e.serial != serial {
                continue;
            }
            if let Some(why) = &e.unusable {
                return CertStatus::Unknown(why.clone());
            }
            // Signed before the key was compromised: this list says no more about the
            // certificate, but the delta, newer, may still revoke it (as notation-core-go
            // stops scanning the one list).
            if let (Some(inv), Some(st)) = (e.invalidity_date, signing_time)
                && st < inv
            {
                break;
            }
            match e.reason {
                Some(6) | Some(8) => {
                    if latest_temporary.is_none_or(|l| e.revocation_date > l.revocation_date) {
                        latest_temporary = Some(e);
                    }
                }
                _ => return CertStatus::Revoked(format!("revoked on {}", e.revocation_date)),
            }
        }
    }
    match latest_temporary {
        Some(e) if e.reason == Some(6) => {
            CertStatus::Revoked(format!("on hold since {}", e.revocation_date))
        }
        _ => CertStatus::Good,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StaticFetcher;

    /// A file copied from notation's e2e CRL material (the shared interop corpus), kept in
    /// the crate so its tests run from the published package too.
    fn data(rel: &str) -> Vec<u8> {
        let p = format!("{}/testdata/notation-e2e/{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn x509() -> X509Verifier {
        X509Verifier::new(notary_provider_aws_lc_rs::provider())
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-11-22 12:00 UTC)
    }

    /// An unsigned CRL with `n` entries of 20-byte serials.
    fn crl_with(n: usize) -> Crl {
        let entry = Entry {
            serial: vec![0x11; 20],
            revocation_date: now(),
            reason: None,
            invalidity_date: None,
            unusable: None,
        };
        Crl {
            der: None,
            this_update: now(),
            next_update: Some(now() + time::Duration::days(1)),
            entries: vec![entry; n],
            crl_number: None,
            delta_crl_indicator: None,
            freshest_crl_urls: Vec::new(),
            issuing_distribution_point: None,
            idp_der: None,
        }
    }

    fn urls(v: &Validated) -> Vec<String> {
        let inner = v.inner.lock().unwrap();
        let mut u: Vec<String> = inner.map.iter().map(|(k, _)| k.clone()).collect();
        u.sort();
        u
    }

    #[test]
    fn extension_oids_are_read_within_go_limits() {
        // Extension { 1.2.<arc> , OCTET STRING {} }, strict and not (CRL and entry lists).
        let ext = |arc: &[u8]| {
            let oid = [&[0x2a][..], arc].concat();
            let inner = [&[0x06, oid.len() as u8][..], &oid, &[0x04, 0x00]].concat();
            [&[0x30, inner.len() as u8][..], &inner].concat()
        };
        // 2^31 - 1 fits Go's arcs; 2^31 does not (cryptobyte refuses it), nor a padded arc.
        let fits = ext(&[0x87, 0xff, 0xff, 0xff, 0x7f]);
        let too_big = ext(&[0x88, 0x80, 0x80, 0x80, 0x00]);
        let padded = ext(&[0x80, 0x01]);
        for strict in [true, false] {
            let read = extensions_with(&fits, strict).unwrap();
            assert_eq!(read[0].oid, "1.2.2147483647");
            assert!(extensions_with(&too_big, strict).is_err());
            assert!(extensions_with(&padded, strict).is_err());
        }
    }

    #[test]
    fn validated_cache_is_bounded_by_bytes_evicting_the_oldest() {
        let one = Arc::new((crl_with(1000), None));
        let size = one.0.approx_size() + "issuer".len() + "u0".len();
        assert!(size > 1000 * 20, "{size}");
        // Room for three such CRLs by bytes, far more by count.
        let v = Validated::default();
        for i in 0..3 {
            v.put_within(&format!("u{i}"), b"issuer", one.clone(), 100, 3 * size);
        }
        assert_eq!(urls(&v), ["u0", "u1", "u2"]);
        assert_eq!(v.inner.lock().unwrap().bytes, 3 * size);
        // A fourth evicts the oldest only.
        v.put_within("u3", b"issuer", one.clone(), 100, 3 * size);
        assert_eq!(urls(&v), ["u1", "u2", "u3"]);
        // Replacing an entry does not count it twice (nothing evicted), and makes it the newest.
        v.put_within("u1", b"issuer", one.clone(), 100, 3 * size);
        assert_eq!(urls(&v), ["u1", "u2", "u3"]);
        assert_eq!(v.inner.lock().unwrap().bytes, 3 * size);
        // One as big as two: the two oldest (u2, u3) go.
        let big = Arc::new((crl_with(1000), Some(crl_with(1000))));
        v.put_within("u4", b"issuer", big, 100, 3 * size);
        assert_eq!(urls(&v), ["u1", "u4"]);
        // One bigger than the whole budget is not kept, and evicts nothing.
        v.put_within(
            "huge",
            b"issuer",
            Arc::new((crl_with(4000), None)),
            100,
            3 * size,
        );
        assert_eq!(urls(&v), ["u1", "u4"]);
        // The count bound still holds.
        let small = Validated::default();
        for i in 0..5 {
            small.put_within(&format!("u{i}"), b"issuer", one.clone(), 2, usize::MAX);
        }
        assert_eq!(urls(&small), ["u3", "u4"]);
    }

    #[test]
    fn validated_cache_evicts_the_least_recently_used() {
        let chain = notary_x509::read_certificates(&data("certchain_with_crl.pem")).unwrap();
        let (other, issuer) = (&chain[0], &chain[1]);
        let one = Arc::new((crl_with(10), None));
        let size = one.0.approx_size() + issuer.der().len() + "u0".len();

        // By count: u0 is older than u1 but was just read, so u1 goes.
        let v = Validated::default();
        v.put_within("u0", issuer.der(), one.clone(), 2, usize::MAX);
        v.put_within("u1", issuer.der(), one.clone(), 2, usize::MAX);
        assert!(v.get("u0", issuer, now()).is_some());
        v.put_within("u2", issuer.der(), one.clone(), 2, usize::MAX);
        assert_eq!(urls(&v), ["u0", "u2"]);

        // By bytes, likewise; a refused read (another issuer) is no use and refreshes nothing.
        let v = Validated::default();
        for u in ["u0", "u1", "u2"] {
            v.put_within(u, issuer.der(), one.clone(), 100, 3 * size);
        }
        assert!(v.get("u0", issuer, now()).is_some());
        assert!(v.get("u1", other, now()).is_none());
        v.put_within("u3", issuer.der(), one.clone(), 100, 3 * size);
        assert_eq!(urls(&v), ["u0", "u2", "u3"]);
        v.put_within("u4", issuer.der(), one.clone(), 100, 3 * size);
        assert_eq!(urls(&v), ["u0", "u3", "u4"]);
        assert_eq!(v.inner.lock().unwrap().bytes, 3 * size);
    }

    /// Records where the CRL bytes it hands out live.
    struct Recording {
        crl: Vec<u8>,
        handed_out: std::sync::Mutex<Vec<usize>>,
    }

    impl Fetcher for Recording {
        fn ocsp(
            &self,
            url: &str,
            _: &[u8],
            max: usize,
            timeout: Duration,
        ) -> Result<Vec<u8>, crate::FetchError> {
            StaticFetcher::new().ocsp(url, &[], max, timeout)
        }

        fn crl(&self, _: &str, _: usize, _: Duration) -> Result<Vec<u8>, crate::FetchError> {
            let v = self.crl.clone();
            self.handed_out.lock().unwrap().push(v.as_ptr() as usize);
            Ok(v)
        }
    }

    #[test]
    fn a_fetched_crl_is_verified_in_the_buffer_it_arrived_in() {
        let chain = notary_x509::read_certificates(&data("certchain_with_crl.pem")).unwrap();
        let (leaf, issuer) = (&chain[0], &chain[1]);
        let url = leaf.crl_urls()[0].clone();
        let fetcher = Recording {
            crl: data("leaf.crl"),
            handed_out: Default::default(),
        };
        let dir = tempfile::tempdir().unwrap();
        let cache = CrlCache::new_with(&notary_provider_aws_lc_rs::provider(), dir.path());
        let timeout = Duration::from_secs(1);
        let (base, delta) = load(
            &x509(),
            &fetcher,
            Some(&cache),
            timeout,
            &url,
            issuer,
            now(),
        )
        .unwrap();
        assert!(delta.is_none());
        // Validated and kept without a second copy of the signed part.
        let kept = base.der.as_ref().map(|d| d.as_ptr() as usize);
        assert_eq!(
            fetcher.handed_out.lock().unwrap().as_slice(),
            [kept.unwrap()]
        );
        assert_eq!(base.der.as_deref(), Some(fetcher.crl.as_slice()));
        // The on-disk cache was written from those bytes, and a hit validates as well.
        assert_eq!(cache.get(&url, now()).unwrap().base, fetcher.crl);
        let (hit, _) = load(
            &x509(),
            &fetcher,
            Some(&cache),
            timeout,
            &url,
            issuer,
            now(),
        )
        .unwrap();
        assert_eq!(hit.der.as_deref(), Some(fetcher.crl.as_slice()));
        assert_eq!(fetcher.handed_out.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_cache_that_cannot_be_written_or_read_warns_and_verification_goes_on() {
        let chain = notary_x509::read_certificates(&data("certchain_with_crl.pem")).unwrap();
        let (leaf, issuer) = (&chain[0], &chain[1]);
        let url = leaf.crl_urls()[0].clone();
        let fetcher = Recording {
            crl: data("leaf.crl"),
            handed_out: Default::default(),
        };
        let timeout = Duration::from_secs(1);
        let warned = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let collect = |w: &std::sync::Arc<std::sync::Mutex<Vec<String>>>| {
            let w = w.clone();
            move |m: &str| w.lock().unwrap().push(m.to_string())
        };
        let provider = notary_provider_aws_lc_rs::provider();
        // The cache directory would be under a regular file: every load still succeeds, and
        // the failed write is reported once.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), b"").unwrap();
        let cache = CrlCache::new_with(&provider, dir.path().join("file/crl"))
            .with_warning_handler(collect(&warned));
        for _ in 0..2 {
            load(
                &x509(),
                &fetcher,
                Some(&cache),
                timeout,
                &url,
                issuer,
                now(),
            )
            .unwrap();
        }
        let w = warned.lock().unwrap().clone();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("failed to store crl bundle in file cache"),
            "{w:?}"
        );
        warned.lock().unwrap().clear();

        // A corrupted entry: reported, downloaded again and replaced.
        let dir = tempfile::tempdir().unwrap();
        let cache =
            CrlCache::new_with(&provider, dir.path()).with_warning_handler(collect(&warned));
        load(
            &x509(),
            &fetcher,
            Some(&cache),
            timeout,
            &url,
            issuer,
            now(),
        )
        .unwrap();
        let entry = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        std::fs::write(&entry, b"{\"baseCRL\": 7}").unwrap();
        let fetched = fetcher.handed_out.lock().unwrap().len();
        load(
            &x509(),
            &fetcher,
            Some(&cache),
            timeout,
            &url,
            issuer,
            now(),
        )
        .unwrap();
        assert_eq!(fetcher.handed_out.lock().unwrap().len(), fetched + 1);
        let w = warned.lock().unwrap().clone();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("is corrupted, downloading it"), "{w:?}");
        assert_eq!(cache.get(&url, now()).unwrap().base, fetcher.crl);
    }

    #[test]
    fn validated_crls_drop_their_signed_bytes() {
        let chain = notary_x509::read_certificates(&data("certchain_with_crl.pem")).unwrap();
        let (leaf, issuer) = (&chain[0], &chain[1]);
        let mut crl = Crl::parse(&data("leaf.crl")).unwrap();
        crl.validate_with(&x509(), issuer, now()).unwrap();
        let before = crl.approx_size();
        let der_len = crl.der.as_ref().map_or(0, Vec::len);
        assert_eq!(der_len, data("leaf.crl").len());
        crl.release_signed_bytes();
        assert_eq!(crl.approx_size(), before - der_len);
        // Released bytes can no longer be verified: refused, not accepted unchecked.
        assert!(matches!(
            crl.validate_with(&x509(), issuer, now()),
            Err(Error::Signature { .. })
        ));

        // What the checker keeps in memory holds no signed bytes.
        let url = leaf.crl_urls()[0].clone();
        let fetcher = StaticFetcher::new().with_crl(&url, data("leaf.crl"));
        let validated = Validated::default();
        let src = Sources {
            x509: &x509(),
            fetcher: &fetcher,
            cache: None,
            validated: &validated,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(check(&src, leaf, issuer, None, now()), CertStatus::Good);
        let kept = validated.get(&url, issuer, now()).unwrap();
        assert!(kept.0.der.is_none());
        // Served from memory afterwards: still good with nothing left to fetch.
        let src = Sources {
            fetcher: &StaticFetcher::new(),
            ..src
        };
        assert_eq!(check(&src, leaf, issuer, None, now()), CertStatus::Good);
    }
}
