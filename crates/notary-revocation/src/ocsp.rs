//! OCSP (RFC 6960): SHA-1 CertID requests, response parsing and validation, as notation does.

use std::time::Duration;

use notary_x509::der::{self, Reader, Tlv, tag};
use notary_x509::{Certificate, ExtendedKeyUsage};
use time::OffsetDateTime;

use notary_core::crypto::{CryptoProvider, HashFunction};
use notary_x509::X509Verifier;

use crate::fetch::{FetchErrorKind, Fetcher};
use crate::{CertStatus, Error, is_http};

/// Largest OCSP response read (notation's limit).
pub const MAX_OCSP_RESPONSE: usize = 20480;
const OID_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const OID_INVALIDITY_DATE: &str = "2.5.29.24";
/// AlgorithmIdentifier of SHA-1 with NULL parameters (what notation and OpenSSL send).
const SHA1_ALG: [u8; 11] = [
    0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
];
/// OID contents of the CertID hash algorithms a response may use.
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];

fn ocsp_der(reason: &'static str) -> Error {
    Error::malformed("OCSP response", reason)
}

fn tlv(tag_byte: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len().saturating_add(6));
    der::push_header(&mut out, tag_byte, content.len());
    out.extend_from_slice(content);
    out
}

fn issuer_key_bits(issuer: &Certificate) -> Result<&[u8], Error> {
    let bad = |e| Error::malformed("issuer public key", e);
    let spki = der::parse_single(issuer.spki_der(), tag::SEQUENCE).map_err(bad)?;
    let mut r = Reader::new(spki.value);
    r.read(tag::SEQUENCE).map_err(bad)?;
    let bits = r.read(tag::BIT_STRING).map_err(bad)?;
    der::bit_string_bytes(&bits).map_err(bad)
}

/// The hash of a CertID's AlgorithmIdentifier, compared by OID: parameters may be absent or
/// NULL (RFC 5754 §2; responders differ), anything else does not match.
fn cert_id_hash(alg: &Tlv<'_>) -> Option<HashFunction> {
    let mut r = Reader::new(alg.value);
    let oid = r.read(tag::OID).ok()?;
    if let Some(params) = r.read_optional(tag::NULL).ok()?
        && !params.value.is_empty()
    {
        return None;
    }
    r.finish().ok()?;
    match oid.value {
        OID_SHA1 => Some(HashFunction::Sha1),
        OID_SHA256 => Some(HashFunction::Sha256),
        OID_SHA384 => Some(HashFunction::Sha384),
        OID_SHA512 => Some(HashFunction::Sha512),
        _ => None,
    }
}

/// [`request_with`] on the aws-lc-rs provider. Compatibility shim.
#[cfg(feature = "compat-aws-lc")]
pub fn request(cert: &Certificate, issuer: &Certificate) -> Result<Vec<u8>, Error> {
    request_with(&notary_provider_aws_lc_rs::provider(), cert, issuer)
}

/// [`evaluate_with`] on the aws-lc-rs provider. Compatibility shim.
#[cfg(feature = "compat-aws-lc")]
pub fn evaluate(
    response: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    authentic_signing_time: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<CertStatus, Error> {
    let x509 = X509Verifier::new(notary_provider_aws_lc_rs::provider());
    evaluate_with(&x509, response, cert, issuer, authentic_signing_time, now)
}

/// A DER OCSPRequest for `cert` (no nonce, SHA-1 CertID hashed by `provider`, as notation
/// sends).
pub fn request_with(
    provider: &CryptoProvider,
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<Vec<u8>, Error> {
    let sha1 = |d: &[u8]| provider.hashing.hash(HashFunction::Sha1, d);
    let mut id = SHA1_ALG.to_vec();
    id.extend(tlv(tag::OCTET_STRING, sha1(issuer.subject_raw()).as_ref()));
    id.extend(tlv(
        tag::OCTET_STRING,
        sha1(issuer_key_bits(issuer)?).as_ref(),
    ));
    id.extend(tlv(tag::INTEGER, cert.serial_bytes()));
    let req = tlv(tag::SEQUENCE, &tlv(tag::SEQUENCE, &id));
    let list = tlv(tag::SEQUENCE, &req);
    let tbs = tlv(tag::SEQUENCE, &list);
    Ok(tlv(tag::SEQUENCE, &tbs))
}

fn gen_time(t: Tlv<'_>) -> Result<OffsetDateTime, Error> {
    if t.tag != tag::GENERALIZED_TIME {
        return Err(ocsp_der("expected a GeneralizedTime"));
    }
    der::parse_time_asn1(t).map_err(ocsp_der)
}

/// Validates a DER OCSP response for `cert` and returns its status; signatures and CertID
/// hashes go through `x509` and its provider.
pub fn evaluate_with(
    x509: &X509Verifier,
    response: &[u8],
    cert: &Certificate,
    issuer: &Certificate,
    authentic_signing_time: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<CertStatus, Error> {
    let top = der::parse_single(response, tag::SEQUENCE).map_err(ocsp_der)?;
    let mut r = Reader::new(top.value);
    let status =
        der::small_uint(r.read(tag::ENUMERATED).map_err(ocsp_der)?.value).map_err(ocsp_der)?;
    if status != 0 {
        return Err(Error::unusable(format!(
            "OCSP responder error (status {status})"
        )));
    }
    let rb = der::parse_single(r.read(0xa0).map_err(ocsp_der)?.value, tag::SEQUENCE)
        .map_err(ocsp_der)?;
    let mut rbr = Reader::new(rb.value);
    if der::oid_to_string(rbr.read(tag::OID).map_err(ocsp_der)?.value).as_deref()
        != Some(OID_OCSP_BASIC)
    {
        return Err(Error::unusable("not a basic OCSP response"));
    }
    let basic = der::parse_single(
        rbr.read(tag::OCTET_STRING).map_err(ocsp_der)?.value,
        tag::SEQUENCE,
    )
    .map_err(ocsp_der)?;
    let mut br = Reader::new(basic.value);
    let tbs = br.read(tag::SEQUENCE).map_err(ocsp_der)?;
    let sig_alg = br.read(tag::SEQUENCE).map_err(ocsp_der)?;
    let signature = der::bit_string_bytes(&br.read(tag::BIT_STRING).map_err(ocsp_der)?)
        .map_err(ocsp_der)?
        .to_vec();
    let mut first_cert = None;
    if let Some(c) = br.read_optional(0xa0).map_err(ocsp_der)? {
        let seq = der::parse_single(c.value, tag::SEQUENCE).map_err(ocsp_der)?;
        let mut cr = Reader::new(seq.value);
        while !cr.is_empty() {
            let t = cr.read(tag::SEQUENCE).map_err(ocsp_der)?;
            if first_cert.is_none() {
                first_cert =
                    Some(Certificate::from_der(t.raw).map_err(|e| {
                        Error::malformed("OCSP responder certificate", e.to_string())
                    })?);
            }
        }
    }
    let signer_ok = |k: &Certificate| {
        x509.verify_signature_with_spki(k.spki_der(), sig_alg.raw, tbs.raw, &signature)
            .is_ok()
    };
    // As notation (Go's `ocsp.ParseResponseForCert`): with no certificates the issuer signs;
    // otherwise the first certificate is the signer and must be issued by the issuer (so the
    // issuer itself qualifies only when self-signed); the others are not read. A delegated
    // responder must also hold the OCSP-signing EKU and be valid now (RFC 6960 §4.2.2.2;
    // notation checks neither): without that, any certificate the CA issued could vouch for
    // its siblings.
    let trusted = match &first_cert {
        None => signer_ok(issuer),
        Some(first) => {
            x509.verify_signed_by(first, issuer).is_ok()
                && signer_ok(first)
                && (first.der() == issuer.der()
                    || (first.issuer_raw() == issuer.subject_raw()
                        && first.extended_key_usage().is_some_and(|e| {
                            e.usages.iter().any(|u| u == ExtendedKeyUsage::OCSP_SIGNING)
                        })
                        && first.is_valid_at(now)))
        }
    };
    if !trusted {
        return Err(Error::Signature {
            reason: if first_cert.is_none() {
                "the OCSP response is not signed by the issuer".into()
            } else {
                "the OCSP response's first certificate is not a responder the issuer delegated \
                 (issued by it, OCSP-signing EKU, valid now) that signed the response"
                    .into()
            },
        });
    }
    let mut tr = Reader::new(tbs.value);
    tr.read_optional(0xa0).map_err(ocsp_der)?; // version
    tr.read_any().map_err(ocsp_der)?; // responderID
    tr.read(tag::GENERALIZED_TIME).map_err(ocsp_der)?; // producedAt
    let responses = tr.read(tag::SEQUENCE).map_err(ocsp_der)?;
    let key_bits = issuer_key_bits(issuer)?;
    let mut rr = Reader::new(responses.value);
    while !rr.is_empty() {
        let single = rr.read(tag::SEQUENCE).map_err(ocsp_der)?;
        let mut sr = Reader::new(single.value);
        let id = sr.read(tag::SEQUENCE).map_err(ocsp_der)?;
        let mut ir = Reader::new(id.value);
        let alg = ir.read(tag::SEQUENCE).map_err(ocsp_der)?;
        let (inh, ikh, iserial) = (
            ir.read(tag::OCTET_STRING).map_err(ocsp_der)?.value,
            ir.read(tag::OCTET_STRING).map_err(ocsp_der)?.value,
            ir.read(tag::INTEGER).map_err(ocsp_der)?.value,
        );
        // The CertID names this certificate when its hashes, in its own algorithm, match.
        let Some(hash) = cert_id_hash(&alg) else {
            continue;
        };
        if iserial != cert.serial_bytes()
            || inh != x509.provider().hashing.hash(hash, issuer.subject_raw())
            || ikh != x509.provider().hashing.hash(hash, key_bits)
        {
            continue;
        }
        let cs = sr.read_any().map_err(ocsp_der)?;
        // thisUpdate must read, but is not compared with nextUpdate or `now` (below).
        gen_time(sr.read(tag::GENERALIZED_TIME).map_err(ocsp_der)?)?;
        let next = match sr.read_optional(0xa0).map_err(ocsp_der)? {
            Some(n) => Some(gen_time(
                der::parse_single(n.value, tag::GENERALIZED_TIME).map_err(ocsp_der)?,
            )?),
            None => None,
        };
        // thisUpdate is not compared with `now` (notation does not either): a response dated
        // ahead of a slow local clock is still the responder's current answer.
        // A response without nextUpdate is treated as expired, as notation does.
        // A nextUpdate before thisUpdate is not refused: neither x/crypto/ocsp nor notation
        // looks, and refusing would turn the responder's answer into a CRL fallback.
        match next {
            Some(n) if now <= n => {}
            _ => {
                return Err(Error::NotCurrent {
                    reason: "expired OCSP response".into(),
                });
            }
        }
        // Invalidity dates that read as GeneralizedTime; notation ignores one that does not.
        let mut invalidity = Vec::new();
        if let Some(ext) = sr.read_optional(0xa1).map_err(ocsp_der)? {
            let seq = der::parse_single(ext.value, tag::SEQUENCE).map_err(ocsp_der)?;
            for e in crate::crl::extensions_with(seq.value, false).map_err(ocsp_der)? {
                // As x/crypto/ocsp: every critical single extension is refused, invalidityDate
                // included.
                if e.critical {
                    return Err(Error::UnsupportedCriticalExtension {
                        location: "OCSP single response",
                        oid: e.oid,
                    });
                }
                if e.oid == OID_INVALIDITY_DATE
                    && let Ok(t) = der::parse_single(&e.value, tag::GENERALIZED_TIME)
                        .map_err(ocsp_der)
                        .and_then(gen_time)
                {
                    invalidity.push(t);
                }
            }
        }
        sr.finish().map_err(ocsp_der)?;
        return match cs.tag {
            0x80 if cs.value.is_empty() => Ok(CertStatus::Good),
            // Signed before the key was compromised, as notation-core-go reads it: any
            // invalidity date after the signing time.
            0xa1 => Ok(match authentic_signing_time {
                Some(st) if invalidity.iter().any(|inv| st < *inv) => CertStatus::Good,
                _ => CertStatus::Revoked("OCSP responder reports the certificate revoked".into()),
            }),
            0x82 if cs.value.is_empty() => Ok(CertStatus::Unknown(
                "OCSP responder does not know the certificate".into(),
            )),
            _ => Err(ocsp_der("invalid certStatus")),
        };
    }
    Err(Error::unusable(
        "the OCSP response has no answer for this certificate",
    ))
}

/// Asks each OCSP responder in turn; the first definitive answer wins.
pub(crate) fn check(
    x509: &X509Verifier,
    fetcher: &dyn Fetcher,
    timeout: Duration,
    cert: &Certificate,
    issuer: &Certificate,
    authentic_signing_time: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> CertStatus {
    let req = match request_with(x509.provider(), cert, issuer) {
        Ok(r) => r,
        Err(e) => return CertStatus::Unknown(e.to_string()),
    };
    let mut errors = Vec::new();
    for url in cert.ocsp_urls() {
        if !is_http(url) {
            errors.push(format!(
                "{}: only http OCSP responders are supported",
                url.escape_debug()
            ));
            continue;
        }
        // Go reads up to the limit and parses it: a response of exactly the limit is fine.
        match fetcher
            .ocsp(url, &req, MAX_OCSP_RESPONSE.saturating_add(1), timeout)
            .map_err(|e| match e.kind {
                FetchErrorKind::TooLarge => format!(
                    "{}: OCSP response exceeds the {MAX_OCSP_RESPONSE}-byte limit",
                    e.url
                ),
                _ => e.to_string(),
            })
            .and_then(|resp| {
                evaluate_with(x509, &resp, cert, issuer, authentic_signing_time, now)
                    .map_err(|e| format!("{}: {e}", url.escape_debug()))
            }) {
            Ok(status) => {
                tracing::debug!(url = %url.escape_debug(), result = status.name(), "OCSP response");
                return status;
            }
            Err(e) => {
                tracing::debug!(url = %url.escape_debug(), result = "unknown", reason = e.as_str(), "OCSP request");
                errors.push(e);
            }
        }
    }
    CertStatus::Unknown(errors.join("; "))
}
