//! CRLs: parsing (RFC 5280 §5), validation against the issuer, delta CRLs and entry lookup.

use std::sync::Arc;
use std::time::Duration;

use notary_x509::der::{self, Reader, Tlv, tag};
use notary_x509::{Certificate, KeyUsage};
use time::OffsetDateTime;

use crate::cache::{CachedCrl, CrlCache};
use crate::fetch::Fetcher;
use crate::{CertStatus, is_http};

/// Largest CRL fetched (a body of exactly this size is refused, as notation does).
pub const MAX_CRL_SIZE: usize = 32 * 1024 * 1024;
const MAX_ENTRIES: usize = 1_000_000;

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
}

/// A parsed CRL (not yet validated).
#[derive(Debug, Clone)]
pub struct Crl {
    tbs: Vec<u8>,
    sig_alg: Vec<u8>,
    signature: Vec<u8>,
    issuer: Vec<u8>,
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
}

/// Why a CRL cannot be used.
pub type CrlError = String;

fn parse_time(t: Tlv<'_>) -> Result<OffsetDateTime, CrlError> {
    Ok(der::parse_time(t)?)
}

fn oid(v: &[u8]) -> String {
    der::oid_to_string(v).unwrap_or_default()
}

/// Reads `Extensions` (SEQUENCE OF Extension) into (oid, critical, value).
fn extensions(content: &[u8]) -> Result<Vec<(String, bool, Vec<u8>)>, CrlError> {
    let mut r = Reader::new(content);
    let mut out = Vec::new();
    while !r.is_empty() {
        let e = r.read(tag::SEQUENCE)?;
        let mut er = Reader::new(e.value);
        let o = oid(er.read(tag::OID)?.value);
        let critical = match er.read_optional(tag::BOOLEAN)? {
            Some(b) => b.value == [0xff],
            None => false,
        };
        let v = er.read(tag::OCTET_STRING)?.value.to_vec();
        out.push((o, critical, v));
    }
    Ok(out)
}

impl Crl {
    /// Parses a DER CRL. Unknown critical CRL or entry extensions are refused.
    pub fn parse(der_bytes: &[u8]) -> Result<Self, CrlError> {
        let cl = der::parse_single(der_bytes, tag::SEQUENCE)?;
        let mut r = Reader::new(cl.value);
        let tbs = r.read(tag::SEQUENCE)?;
        let sig_alg = r.read(tag::SEQUENCE)?;
        let sig = r.read(tag::BIT_STRING)?;
        r.finish()?;
        let mut t = Reader::new(tbs.value);
        t.read_optional(tag::INTEGER)?; // version
        let inner_alg = t.read(tag::SEQUENCE)?;
        if inner_alg.raw != sig_alg.raw {
            return Err("inner and outer signature algorithms differ".into());
        }
        let issuer = t.read(tag::SEQUENCE)?;
        let this_update = parse_time(t.read_any()?)?;
        let next_update = match t.peek_tag() {
            Some(tag::UTC_TIME | tag::GENERALIZED_TIME) => Some(parse_time(t.read_any()?)?),
            _ => None,
        };
        let mut entries = Vec::new();
        if let Some(list) = t.read_optional(tag::SEQUENCE)? {
            let mut lr = Reader::new(list.value);
            while !lr.is_empty() {
                if entries.len() >= MAX_ENTRIES {
                    return Err("too many CRL entries".into());
                }
                let e = lr.read(tag::SEQUENCE)?;
                let mut er = Reader::new(e.value);
                let serial = er.read(tag::INTEGER)?.value.to_vec();
                let revocation_date = parse_time(er.read_any()?)?;
                let (mut reason, mut invalidity_date) = (None, None);
                if let Some(exts) = er.read_optional(tag::SEQUENCE)? {
                    for (o, critical, v) in extensions(exts.value)? {
                        match o.as_str() {
                            OID_REASON_CODE => {
                                reason = Some(der::small_uint(
                                    der::parse_single(&v, tag::ENUMERATED)?.value,
                                )?)
                            }
                            OID_INVALIDITY_DATE => {
                                invalidity_date =
                                    Some(parse_time(der::parse_single(&v, tag::GENERALIZED_TIME)?)?)
                            }
                            _ if critical => {
                                return Err(format!(
                                    "unsupported critical CRL entry extension {o}"
                                ));
                            }
                            _ => {}
                        }
                    }
                }
                entries.push(Entry {
                    serial,
                    revocation_date,
                    reason,
                    invalidity_date,
                });
            }
        }
        let (mut crl_number, mut delta_crl_indicator, mut freshest_crl_urls) =
            (None, None, Vec::new());
        if let Some(x) = t.read_optional(0xa0)? {
            let seq = der::parse_single(x.value, tag::SEQUENCE)?;
            for (o, critical, v) in extensions(seq.value)? {
                match o.as_str() {
                    OID_CRL_NUMBER => {
                        crl_number = Some(der::parse_single(&v, tag::INTEGER)?.value.to_vec())
                    }
                    OID_DELTA_CRL_INDICATOR => {
                        delta_crl_indicator = Some((
                            der::parse_single(&v, tag::INTEGER)?.value.to_vec(),
                            critical,
                        ))
                    }
                    OID_FRESHEST_CRL => {
                        freshest_crl_urls =
                            notary_x509::distribution_point_urls(&v).map_err(|e| e.to_string())?
                    }
                    OID_ISSUING_DP | OID_AUTHORITY_KEY_ID => {}
                    _ if critical => return Err(format!("unsupported critical CRL extension {o}")),
                    _ => {}
                }
            }
        }
        t.finish()?;
        Ok(Self {
            tbs: tbs.raw.to_vec(),
            sig_alg: sig_alg.raw.to_vec(),
            signature: der::bit_string_bytes(&sig)?.to_vec(),
            issuer: issuer.raw.to_vec(),
            this_update,
            next_update,
            entries,
            crl_number,
            delta_crl_indicator,
            freshest_crl_urls,
        })
    }

    /// Checks the CRL was issued and signed by `issuer` and is current at `now`.
    pub fn validate(&self, issuer: &Certificate, now: OffsetDateTime) -> Result<(), CrlError> {
        if self.issuer != issuer.subject_raw() {
            return Err(
                "the CRL issuer is not the certificate's issuer (indirect CRLs are not supported)"
                    .into(),
            );
        }
        if !issuer.is_ca() {
            return Err("the CRL issuer is not a CA".into());
        }
        if issuer
            .key_usage()
            .is_some_and(|ku| !ku.has(KeyUsage::CRL_SIGN))
        {
            return Err("the CRL issuer's key usage lacks cRLSign".into());
        }
        notary_x509::verify_signature_with_spki(
            issuer.spki_der(),
            &self.sig_alg,
            &self.tbs,
            &self.signature,
        )
        .map_err(|e| format!("CRL signature: {e}"))?;
        match self.next_update {
            None => Err("the CRL has no nextUpdate".into()),
            Some(n) if now > n => Err(format!("the CRL expired at {n}")),
            Some(_) => Ok(()),
        }
    }
}

fn big(v: &[u8]) -> Vec<u8> {
    // INTEGER content without leading zero octets, for numeric comparison by length then bytes.
    let i = v.iter().take_while(|b| **b == 0).count();
    v[i..].to_vec()
}

fn greater(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (big(a), big(b));
    a.len() > b.len() || (a.len() == b.len() && a > b)
}

/// CRLs already validated against an issuer, kept in memory while current, so a verifier that
/// checks many signatures does not re-read and re-verify the same CRL each time.
#[derive(Debug, Default)]
pub(crate) struct Validated {
    /// URL → (issuer DER, base and delta).
    map: std::sync::Mutex<std::collections::HashMap<String, (Vec<u8>, Loaded)>>,
}

/// A validated base CRL and its delta.
type Loaded = Arc<(Crl, Option<Crl>)>;

/// Where CRLs come from.
pub(crate) struct Sources<'a> {
    pub fetcher: &'a dyn Fetcher,
    pub cache: Option<&'a CrlCache>,
    pub validated: &'a Validated,
    pub timeout: Duration,
}

/// Most CRLs kept in memory.
const MAX_VALIDATED: usize = 256;

impl Validated {
    fn get(
        &self,
        url: &str,
        issuer: &Certificate,
        now: OffsetDateTime,
    ) -> Option<Arc<(Crl, Option<Crl>)>> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let (issuer_der, v) = map.get(url)?;
        let current = |c: &Crl| c.next_update.is_some_and(|n| now <= n);
        (issuer_der.as_slice() == issuer.der() && current(&v.0) && v.1.as_ref().is_none_or(current))
            .then(|| v.clone())
    }

    fn put(&self, url: &str, issuer: &Certificate, v: Loaded) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_VALIDATED {
            map.clear();
        }
        map.insert(url.to_string(), (issuer.der().to_vec(), v));
    }
}

/// The base CRL at `url` and its delta, from the cache when current, else downloaded,
/// validated and cached.
fn load(
    fetcher: &dyn Fetcher,
    cache: Option<&CrlCache>,
    timeout: Duration,
    url: &str,
    issuer: &Certificate,
    now: OffsetDateTime,
) -> Result<(Crl, Option<Crl>), CrlError> {
    if let Some(hit) = cache.and_then(|c| c.get(url, now)) {
        let base = Crl::parse(&hit.base)?;
        let delta = hit.delta.as_deref().map(Crl::parse).transpose()?;
        // A cached entry is re-validated: the cache directory is not trusted more than the network.
        base.validate(issuer, now)?;
        if let Some(d) = &delta {
            d.validate(issuer, now)?;
        }
        return Ok((base, delta));
    }
    let base_der = fetcher
        .crl(url, MAX_CRL_SIZE, timeout)
        .map_err(|e| e.to_string())?;
    let base = Crl::parse(&base_der)?;
    base.validate(issuer, now)?;
    let mut delta_der = None;
    let delta = if base.freshest_crl_urls.is_empty() {
        None
    } else {
        let mut last_err = String::new();
        for d in &base.freshest_crl_urls {
            match fetcher
                .crl(d, MAX_CRL_SIZE, timeout)
                .map_err(|e| e.to_string())
                .and_then(|b| Crl::parse(&b).map(|c| (b, c)))
            {
                Ok((der, c)) => {
                    delta_der = Some(der);
                    last_err.clear();
                    c.validate(issuer, now)
                        .map_err(|e| format!("delta CRL: {e}"))?;
                    let (Some(bn), Some(dn), Some((ind, _))) =
                        (&base.crl_number, &c.crl_number, &c.delta_crl_indicator)
                    else {
                        return Err("delta CRL lacks a CRL number or delta indicator".into());
                    };
                    if !greater(dn, bn) || greater(ind, bn) {
                        return Err("delta CRL numbers are inconsistent with the base CRL".into());
                    }
                    return finish(cache, url, base_der, base, delta_der, Some(c));
                }
                Err(e) => last_err = e,
            }
        }
        return Err(format!("delta CRL: {last_err}"));
    };
    finish(cache, url, base_der, base, delta_der, delta)
}

fn finish(
    cache: Option<&CrlCache>,
    url: &str,
    base_der: Vec<u8>,
    base: Crl,
    delta_der: Option<Vec<u8>>,
    delta: Option<Crl>,
) -> Result<(Crl, Option<Crl>), CrlError> {
    if let Some(c) = cache {
        // A cache that cannot be written only costs a download next time.
        let _ = c.set(
            url,
            &CachedCrl {
                base: base_der,
                delta: delta_der,
            },
        );
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
        if !is_http(url) {
            return CertStatus::Unknown(format!("{url}: only http CRL URLs are supported"));
        }
        let loaded = match src.validated.get(url, issuer, now) {
            Some(v) => v,
            None => match load(src.fetcher, src.cache, src.timeout, url, issuer, now) {
                Ok(x) => {
                    let v = Arc::new(x);
                    src.validated.put(url, issuer, v.clone());
                    v
                }
                Err(e) => return CertStatus::Unknown(format!("{url}: {e}")),
            },
        };
        let (base, delta) = (&loaded.0, &loaded.1);
        if base.freshest_crl_urls.is_empty() && !cert_freshest.is_empty() {
            return CertStatus::Unknown(
                "freshest CRL from certificate extension is not supported".into(),
            );
        }
        match lookup(cert, base, delta.as_ref(), authentic_signing_time) {
            CertStatus::Revoked(why) => return CertStatus::Revoked(format!("{url}: {why}")),
            CertStatus::Good => {}
            other => result = other,
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
    let serial = big(cert.serial_bytes());
    let mut latest_temporary: Option<&Entry> = None;
    for e in base
        .entries
        .iter()
        .chain(delta.into_iter().flat_map(|d| d.entries.iter()))
    {
        if big(&e.serial) != serial {
            continue;
        }
        if let (Some(inv), Some(st)) = (e.invalidity_date, signing_time)
            && st < inv
        {
            return CertStatus::Good;
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
    match latest_temporary {
        Some(e) if e.reason == Some(6) => {
            CertStatus::Revoked(format!("on hold since {}", e.revocation_date))
        }
        _ => CertStatus::Good,
    }
}
