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
/// Most SingleResponses decoded from one response.
const MAX_SINGLE_RESPONSES: usize = 256;
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

/// The hash of a CertID's AlgorithmIdentifier, compared by OID as x/crypto/ocsp compares it
/// (its parameters, absent or NULL as responders differ, are not read).
fn cert_id_hash(alg: &Tlv<'_>) -> Option<HashFunction> {
    let oid = Reader::new(alg.value).read(tag::OID).ok()?;
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

/// One SingleResponse as x/crypto/ocsp decodes it.
struct Single<'a> {
    cert_id_alg: Tlv<'a>,
    name_hash: &'a [u8],
    key_hash: &'a [u8],
    serial: &'a [u8],
    /// `good [0]` present (its content is not read).
    good: bool,
    /// `unknown [2]` present.
    unknown: bool,
    next_update: Option<OffsetDateTime>,
    extensions: Vec<crate::crl::Extension>,
}

/// A BasicOCSPResponse as x/crypto/ocsp decodes it (`ParseResponseForCert`, through Go's
/// encoding/asn1): the fields in order, an optional one skipped when the next element is not
/// of its type, nothing after the last one of a SEQUENCE read, but nothing allowed after the
/// OCSPResponse or after the BasicOCSPResponse; every SingleResponse decoded.
struct Decoded<'a> {
    tbs: Tlv<'a>,
    sig_alg: Tlv<'a>,
    signature: Vec<u8>,
    /// The first of the embedded certificates (of any tag: Go keeps them raw).
    first_cert: Option<&'a [u8]>,
    singles: Vec<Single<'a>>,
}

/// An optional EXPLICIT field as Go's encoding/asn1 reads one: the element if it has tag
/// `expected`; otherwise absent, except that a zero-length element ending its SEQUENCE fails
/// there ("explicit tag has no child"), a quirk of Go's decoder that notation inherits.
fn optional_explicit<'a>(r: &mut Reader<'a>, expected: u8) -> Result<Option<Tlv<'a>>, Error> {
    if r.peek_tag() == Some(expected) {
        return r.read_any().map(Some).map_err(ocsp_der);
    }
    let mut probe = *r;
    if let Ok(next) = probe.read_any()
        && next.value.is_empty()
        && probe.is_empty()
    {
        return Err(ocsp_der("explicit tag has no child"));
    }
    Ok(None)
}

/// A value as Go's encoding/asn1 decodes one into an `any` (an attribute value of the byName
/// responder ID): the universal primitive types it knows must be well formed; other values
/// are not read.
fn check_any_value(t: &Tlv<'_>) -> Result<(), &'static str> {
    let v = t.value;
    let ok = match t.tag {
        tag::BOOLEAN => matches!(v, [0x00] | [0xff]),
        // PrintableString, with the `*` and `&` Go allows.
        0x13 => v
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(b)),
        0x12 => v.iter().all(|b| b.is_ascii_digit() || *b == b' '),
        0x16 => v.is_ascii(),
        0x0c => std::str::from_utf8(v).is_ok(),
        tag::INTEGER => der::check_integer(v).is_ok() && v.len() <= 8,
        tag::BIT_STRING => der::check_bit_string(v).is_ok(),
        tag::OID => der::check_oid(v).is_ok(),
        tag::UTC_TIME | tag::GENERALIZED_TIME => der::parse_time_asn1(*t).is_ok(),
        0x1e => v.len().is_multiple_of(2),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err("invalid attribute value")
    }
}

/// The first element inside an EXPLICIT tag, which must have tag `inner`.
fn explicit<'a>(outer: &Tlv<'a>, inner: u8) -> Result<Tlv<'a>, Error> {
    Reader::new(outer.value).read(inner).map_err(ocsp_der)
}

/// A Name as encoding/asn1 decodes `pkix.RDNSequence` (the byName responder ID): RDN SETs of
/// SEQUENCEs each starting with a well-formed OID; the values are not checked here.
fn check_rdn_sequence(content: &[u8]) -> Result<(), Error> {
    let seq = der::parse_single(content, tag::SEQUENCE).map_err(ocsp_der)?;
    let mut rdns = Reader::new(seq.value);
    while !rdns.is_empty() {
        let set = rdns.read(tag::SET).map_err(ocsp_der)?;
        let mut atvs = Reader::new(set.value);
        while !atvs.is_empty() {
            let atv = atvs.read(tag::SEQUENCE).map_err(ocsp_der)?;
            let mut f = Reader::new(atv.value);
            der::check_oid(f.read(tag::OID).map_err(ocsp_der)?.value).map_err(ocsp_der)?;
            check_any_value(&f.read_any().map_err(ocsp_der)?).map_err(ocsp_der)?;
        }
    }
    Ok(())
}

fn decode_single<'a>(content: &'a [u8]) -> Result<Single<'a>, Error> {
    let mut sr = Reader::new(content);
    let id = sr.read(tag::SEQUENCE).map_err(ocsp_der)?;
    let mut ir = Reader::new(id.value);
    let cert_id_alg = der::read_algorithm_identifier(&mut ir).map_err(ocsp_der)?;
    let name_hash = ir.read(tag::OCTET_STRING).map_err(ocsp_der)?.value;
    let key_hash = ir.read(tag::OCTET_STRING).map_err(ocsp_der)?.value;
    let serial = ir.read(tag::INTEGER).map_err(ocsp_der)?.value;
    der::check_integer(serial).map_err(ocsp_der)?;
    let good = sr.read_optional(0x80).map_err(ocsp_der)?.is_some();
    if let Some(revoked) = sr.read_optional(0xa1).map_err(ocsp_der)? {
        // RevokedInfo: revocationTime, then an optional [0] EXPLICIT ENUMERATED reason.
        let mut rr = Reader::new(revoked.value);
        gen_time(rr.read_any().map_err(ocsp_der)?)?;
        if let Some(reason) = optional_explicit(&mut rr, 0xa0)? {
            der::check_integer(explicit(&reason, tag::ENUMERATED)?.value).map_err(ocsp_der)?;
        }
    }
    let unknown = sr.read_optional(0x82).map_err(ocsp_der)?.is_some();
    // thisUpdate must read, but is not compared with nextUpdate or `now` (below).
    gen_time(sr.read_any().map_err(ocsp_der)?)?;
    let next_update = match optional_explicit(&mut sr, 0xa0)? {
        Some(n) => {
            let mut nr = Reader::new(n.value);
            let at = gen_time(nr.read_any().map_err(ocsp_der)?)?;
            // Go reads on from inside the tag: what follows the time there stands where the
            // singleExtensions go when nothing follows the tag.
            if !nr.is_empty() && sr.is_empty() {
                optional_explicit(&mut nr, 0xa1)?;
            }
            Some(at)
        }
        None => None,
    };
    let extensions = match optional_explicit(&mut sr, 0xa1)? {
        Some(ext) => {
            let seq = explicit(&ext, tag::SEQUENCE)?;
            crate::crl::extensions_with(seq.value, false).map_err(ocsp_der)?
        }
        None => Vec::new(),
    };
    Ok(Single {
        cert_id_alg,
        name_hash,
        key_hash,
        serial,
        good,
        unknown,
        next_update,
        extensions,
    })
}

fn decode(response: &[u8]) -> Result<Decoded<'_>, Error> {
    let top = der::parse_single(response, tag::SEQUENCE).map_err(ocsp_der)?;
    let mut r = Reader::new(top.value);
    let status =
        der::small_uint(r.read(tag::ENUMERATED).map_err(ocsp_der)?.value).map_err(ocsp_der)?;
    if status != 0 {
        return Err(Error::unusable(format!(
            "OCSP responder error (status {status})"
        )));
    }
    let rb = explicit(&r.read(0xa0).map_err(ocsp_der)?, tag::SEQUENCE)?;
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
    let sig_alg = der::read_algorithm_identifier(&mut br).map_err(ocsp_der)?;
    let bits = br.read(tag::BIT_STRING).map_err(ocsp_der)?;
    der::check_bit_string(bits.value).map_err(ocsp_der)?;
    let signature = bits.value.get(1..).unwrap_or_default().to_vec();
    let mut first_cert = None;
    if let Some(c) = optional_explicit(&mut br, 0xa0)? {
        // A SEQUENCE OF (Go takes a SET OF too).
        let seq = Reader::new(c.value).read_any().map_err(ocsp_der)?;
        if seq.tag != tag::SEQUENCE && seq.tag != tag::SET {
            return Err(ocsp_der("certificates are not a SEQUENCE OF"));
        }
        let mut cr = Reader::new(seq.value);
        while !cr.is_empty() {
            let t = cr.read_any().map_err(ocsp_der)?;
            first_cert.get_or_insert(t.raw);
        }
    }

    let mut tr = Reader::new(tbs.value);
    if let Some(v) = optional_explicit(&mut tr, 0xa0)? {
        der::check_integer(explicit(&v, tag::INTEGER)?.value).map_err(ocsp_der)?;
    }
    let responder = tr.read_any().map_err(ocsp_der)?;
    // Go looks at the tag number only: 1 byName, 2 byKey.
    match responder.tag & 0x1f {
        1 => check_rdn_sequence(responder.value)?,
        2 => {
            der::parse_single(responder.value, tag::OCTET_STRING).map_err(ocsp_der)?;
        }
        _ => return Err(ocsp_der("invalid responder id tag")),
    }
    gen_time(tr.read_any().map_err(ocsp_der)?)?; // producedAt
    let responses = tr.read(tag::SEQUENCE).map_err(ocsp_der)?;
    let mut rr = Reader::new(responses.value);
    let mut singles = Vec::new();
    while !rr.is_empty() {
        if singles.len() >= MAX_SINGLE_RESPONSES {
            return Err(ocsp_der("too many single responses"));
        }
        singles.push(decode_single(
            rr.read(tag::SEQUENCE).map_err(ocsp_der)?.value,
        )?);
    }
    if singles.is_empty() {
        return Err(ocsp_der("OCSP response contains bad number of responses"));
    }
    Ok(Decoded {
        tbs,
        sig_alg,
        signature,
        first_cert,
        singles,
    })
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
    let d = decode(response)?;
    let first_cert = match d.first_cert {
        Some(raw) => Some(
            Certificate::from_der(raw)
                .map_err(|e| Error::malformed("OCSP responder certificate", e.to_string()))?,
        ),
        None => None,
    };
    let signer_ok = |k: &Certificate| {
        x509.verify_signature_with_spki(k.spki_der(), d.sig_alg.raw, d.tbs.raw, &d.signature)
            .is_ok()
    };
    // As notation (Go's `ocsp.ParseResponseForCert`): with no certificates the issuer signs;
    // otherwise the first certificate is the signer and must be issued by the issuer (so the
    // issuer itself qualifies only when self-signed); the others are not read. A delegated
    // responder must also hold the OCSP-signing EKU and be valid now (RFC 6960 §4.2.2.2;
    // notation checks neither): without that, any certificate the CA issued could vouch for
    // its siblings. The issuer is recognised by what it signed (its TBSCertificate and
    // signature), as bytes after its signature are not part of it.
    let trusted = match &first_cert {
        None => signer_ok(issuer),
        Some(first) => {
            x509.verify_signed_by(first, issuer).is_ok()
                && signer_ok(first)
                && ((first.tbs_der() == issuer.tbs_der()
                    && first.signature() == issuer.signature())
                    || (first.issuer_raw() == issuer.subject_raw()
                        && first.extended_key_usage().is_some_and(|e| {
                            e.usages.iter().any(|u| u == ExtendedKeyUsage::OCSP_SIGNING)
                        })
                        && first.is_valid_at(now)))
        }
    };
    if !trusted {
        // The issuer's own certificate, embedded by the issuer that did sign the response
        // (OpenSSL's responder run with `-rsigner <CA>` embeds it by default): Go reads the
        // first certificate as a delegated responder, so notation refuses it too. Say so rather
        // than call the issuer a stranger.
        let issuer_embedded = first_cert.as_ref().is_some_and(|f| {
            f.tbs_der() == issuer.tbs_der() && f.signature() == issuer.signature() && signer_ok(f)
        });
        return Err(Error::Signature {
            reason: if first_cert.is_none() {
                "the OCSP response is not signed by the issuer".into()
            } else if issuer_embedded {
                "the OCSP response carries the issuer's own certificate as its signer, which is \
                 read as a delegated responder and is not one (not issued by the issuer); a \
                 response the issuer signs must carry no certificates (OpenSSL: -resp_no_certs)"
                    .into()
            } else {
                "the OCSP response's first certificate is not a responder the issuer delegated \
                 (issued by it, OCSP-signing EKU, valid now) that signed the response"
                    .into()
            },
        });
    }
    let key_bits = issuer_key_bits(issuer)?;
    for single in &d.singles {
        // The CertID names this certificate when its hashes, in its own algorithm, match
        // (RFC 6960 §4.1.1; x/crypto/ocsp compares the serial only).
        let Some(hash) = cert_id_hash(&single.cert_id_alg) else {
            continue;
        };
        if single.serial != cert.serial_bytes()
            || single.name_hash != x509.provider().hashing.hash(hash, issuer.subject_raw())
            || single.key_hash != x509.provider().hashing.hash(hash, key_bits)
        {
            continue;
        }
        // thisUpdate is not compared with `now` (notation does not either): a response dated
        // ahead of a slow local clock is still the responder's current answer.
        // A response without nextUpdate is treated as expired, as notation does.
        // A nextUpdate before thisUpdate is not refused: neither x/crypto/ocsp nor notation
        // looks, and refusing would turn the responder's answer into a CRL fallback.
        match single.next_update {
            Some(n) if now <= n => {}
            _ => {
                return Err(Error::NotCurrent {
                    reason: "expired OCSP response".into(),
                });
            }
        }
        // Invalidity dates that read as GeneralizedTime; notation ignores one that does not.
        let mut invalidity = Vec::new();
        for e in &single.extensions {
            // As x/crypto/ocsp: every critical single extension is refused, invalidityDate
            // included.
            if e.critical {
                return Err(Error::UnsupportedCriticalExtension {
                    location: "OCSP single response",
                    oid: e.oid.clone(),
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
        // As x/crypto/ocsp: `good` wins, then `unknown`; with neither the answer is revoked.
        return Ok(if single.good {
            CertStatus::Good
        } else if single.unknown {
            CertStatus::Unknown("OCSP responder does not know the certificate".into())
        } else {
            // Signed before the key was compromised, as notation-core-go reads it: any
            // invalidity date after the signing time.
            match authentic_signing_time {
                Some(st) if invalidity.iter().any(|inv| st < *inv) => CertStatus::Good,
                _ => CertStatus::Revoked("OCSP responder reports the certificate revoked".into()),
            }
        });
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
