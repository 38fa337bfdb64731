//! OCSP (RFC 6960): SHA-1 CertID requests, response parsing and validation, as notation does.

use std::time::Duration;

use notary_x509::der::{self, Reader, Tlv, tag};
use notary_x509::{Certificate, ExtendedKeyUsage};
use time::OffsetDateTime;

use crate::fetch::Fetcher;
use crate::{CertStatus, is_http};

/// Largest OCSP response read (notation's limit).
pub const MAX_OCSP_RESPONSE: usize = 20480;
const OID_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const OID_INVALIDITY_DATE: &str = "2.5.29.24";
/// AlgorithmIdentifier of SHA-1 with NULL parameters.
const SHA1_ALG: [u8; 11] = [
    0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
];

fn sha1(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
        .as_ref()
        .to_vec()
}

fn tlv(tag_byte: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    der::push_header(&mut out, tag_byte, content.len());
    out.extend_from_slice(content);
    out
}

fn issuer_key_hash(issuer: &Certificate) -> Result<Vec<u8>, String> {
    let spki = der::parse_single(issuer.spki_der(), tag::SEQUENCE)?;
    let mut r = Reader::new(spki.value);
    r.read(tag::SEQUENCE)?;
    let bits = r.read(tag::BIT_STRING)?;
    Ok(sha1(der::bit_string_bytes(&bits)?))
}

/// A SHA-1 CertID: issuer name hash, issuer key hash, serial number content.
type CertId = (Vec<u8>, Vec<u8>, Vec<u8>);

/// The CertID (SHA-1) of `cert` issued by `issuer`.
fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<CertId, String> {
    Ok((
        sha1(issuer.subject_raw()),
        issuer_key_hash(issuer)?,
        cert.serial_bytes().to_vec(),
    ))
}

/// A DER OCSPRequest for `cert` (no nonce, SHA-1 CertID, as notation sends).
pub fn request(cert: &Certificate, issuer: &Certificate) -> Result<Vec<u8>, String> {
    let (nh, kh, serial) = cert_id(cert, issuer)?;
    let mut id = SHA1_ALG.to_vec();
    id.extend(tlv(tag::OCTET_STRING, &nh));
    id.extend(tlv(tag::OCTET_STRING, &kh));
    id.extend(tlv(tag::INTEGER, &serial));
    let req = tlv(tag::SEQUENCE, &tlv(tag::SEQUENCE, &id));
    let list = tlv(tag::SEQUENCE, &req);
    let tbs = tlv(tag::SEQUENCE, &list);
    Ok(tlv(tag::SEQUENCE, &tbs))
}

fn gen_time(t: Tlv<'_>) -> Result<OffsetDateTime, String> {
    if t.tag != tag::GENERALIZED_TIME {
        return Err("expected a GeneralizedTime".into());
    }
    Ok(der::parse_time(t)?)
}

/// Validates a DER OCSP response for `cert` and returns its status.
pub fn evaluate(
    response: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    authentic_signing_time: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<CertStatus, String> {
    let top = der::parse_single(response, tag::SEQUENCE)?;
    let mut r = Reader::new(top.value);
    let status = der::small_uint(r.read(tag::ENUMERATED)?.value)?;
    if status != 0 {
        return Err(format!("OCSP responder error (status {status})"));
    }
    let rb = der::parse_single(r.read(0xa0)?.value, tag::SEQUENCE)?;
    let mut rbr = Reader::new(rb.value);
    if der::oid_to_string(rbr.read(tag::OID)?.value).as_deref() != Some(OID_OCSP_BASIC) {
        return Err("not a basic OCSP response".into());
    }
    let basic = der::parse_single(rbr.read(tag::OCTET_STRING)?.value, tag::SEQUENCE)?;
    let mut br = Reader::new(basic.value);
    let tbs = br.read(tag::SEQUENCE)?;
    let sig_alg = br.read(tag::SEQUENCE)?;
    let signature = der::bit_string_bytes(&br.read(tag::BIT_STRING)?)?.to_vec();
    let mut certs = Vec::new();
    if let Some(c) = br.read_optional(0xa0)? {
        let seq = der::parse_single(c.value, tag::SEQUENCE)?;
        let mut cr = Reader::new(seq.value);
        while !cr.is_empty() {
            let t = cr.read(tag::SEQUENCE)?;
            certs.push(Certificate::from_der(t.raw).map_err(|e| e.to_string())?);
        }
    }
    // The responder is the issuer, or a delegate the issuer certified for OCSP signing.
    let signer_ok = |k: &Certificate| {
        notary_x509::verify_signature_with_spki(k.spki_der(), sig_alg.raw, tbs.raw, &signature)
            .is_ok()
    };
    let trusted = signer_ok(issuer)
        || certs.iter().any(|d| {
            d.issuer_raw() == issuer.subject_raw()
                && d.verify_signed_by(issuer).is_ok()
                && d.extended_key_usage()
                    .is_some_and(|e| e.usages.iter().any(|u| u == ExtendedKeyUsage::OCSP_SIGNING))
                && d.is_valid_at(now)
                && signer_ok(d)
        });
    if !trusted {
        return Err(
            "the OCSP response is not signed by the issuer or a delegated responder".into(),
        );
    }
    let mut tr = Reader::new(tbs.value);
    tr.read_optional(0xa0)?; // version
    tr.read_any()?; // responderID
    tr.read(tag::GENERALIZED_TIME)?; // producedAt
    let responses = tr.read(tag::SEQUENCE)?;
    let (nh, kh, serial) = cert_id(cert, issuer)?;
    let mut rr = Reader::new(responses.value);
    while !rr.is_empty() {
        let single = rr.read(tag::SEQUENCE)?;
        let mut sr = Reader::new(single.value);
        let id = sr.read(tag::SEQUENCE)?;
        let mut ir = Reader::new(id.value);
        let alg = ir.read(tag::SEQUENCE)?;
        let (inh, ikh, iserial) = (
            ir.read(tag::OCTET_STRING)?.value,
            ir.read(tag::OCTET_STRING)?.value,
            ir.read(tag::INTEGER)?.value,
        );
        if alg.raw != SHA1_ALG.as_slice() && alg.raw.get(..9) != SHA1_ALG.get(..9) {
            continue;
        }
        if inh != nh.as_slice() || ikh != kh.as_slice() || iserial != serial.as_slice() {
            continue;
        }
        let cs = sr.read_any()?;
        gen_time(sr.read(tag::GENERALIZED_TIME)?)?; // thisUpdate
        let next = match sr.read_optional(0xa0)? {
            Some(n) => Some(gen_time(der::parse_single(
                n.value,
                tag::GENERALIZED_TIME,
            )?)?),
            None => None,
        };
        // A response without nextUpdate is treated as expired, as notation does.
        match next {
            Some(n) if now <= n => {}
            _ => return Err("expired OCSP response".into()),
        }
        let mut invalidity = None;
        if let Some(ext) = sr.read_optional(0xa1)? {
            let seq = der::parse_single(ext.value, tag::SEQUENCE)?;
            let mut er = Reader::new(seq.value);
            while !er.is_empty() {
                let e = er.read(tag::SEQUENCE)?;
                let mut x = Reader::new(e.value);
                let o = der::oid_to_string(x.read(tag::OID)?.value).unwrap_or_default();
                x.read_optional(tag::BOOLEAN)?;
                let v = x.read(tag::OCTET_STRING)?;
                if o == OID_INVALIDITY_DATE {
                    invalidity = Some(gen_time(der::parse_single(
                        v.value,
                        tag::GENERALIZED_TIME,
                    )?)?);
                }
            }
        }
        return Ok(match cs.tag {
            0x80 => CertStatus::Good,
            0xa1 => match (invalidity, authentic_signing_time) {
                (Some(inv), Some(st)) if st < inv => CertStatus::Good,
                _ => CertStatus::Revoked("OCSP responder reports the certificate revoked".into()),
            },
            _ => CertStatus::Unknown("OCSP responder does not know the certificate".into()),
        });
    }
    Err("the OCSP response has no answer for this certificate".into())
}

/// Asks each OCSP responder in turn; the first definitive answer wins.
pub(crate) fn check(
    fetcher: &dyn Fetcher,
    timeout: Duration,
    cert: &Certificate,
    issuer: &Certificate,
    authentic_signing_time: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> CertStatus {
    let req = match request(cert, issuer) {
        Ok(r) => r,
        Err(e) => return CertStatus::Unknown(e),
    };
    let mut errors = Vec::new();
    for url in cert.ocsp_urls() {
        if !is_http(url) {
            errors.push(format!("{url}: only http OCSP responders are supported"));
            continue;
        }
        match fetcher
            .ocsp(url, &req, MAX_OCSP_RESPONSE, timeout)
            .map_err(|e| e.to_string())
            .and_then(|resp| {
                evaluate(&resp, cert, issuer, authentic_signing_time, now)
                    .map_err(|e| format!("{url}: {e}"))
            }) {
            Ok(status) => return status,
            Err(e) => errors.push(e),
        }
    }
    CertStatus::Unknown(errors.join("; "))
}
