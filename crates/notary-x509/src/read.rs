//! Certificate files, the `--timestamp-root-cert` check and trust-store certificate rules.

use crate::cert::{Certificate, MAX_CERT_LEN};
use crate::der::Reader;
use crate::error::Error;
use crate::verifier::X509Verifier;

/// Most certificates read from one file.
const MAX_CERTS_PER_FILE: usize = 1000;

/// Reads certificates the way notation-core-go's `ParseCertificates` does: if Go's
/// `pem.Decode` finds a PEM block in the data, every block it finds (whatever its label) must
/// hold exactly one certificate, and text it skips (including malformed blocks) is ignored;
/// otherwise the bytes are one or more concatenated DER certificates. Zero certificates is
/// [`Error::NoCertificates`].
///
/// ```
/// let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/root.der")).unwrap();
/// let mut two = der.clone();
/// two.extend_from_slice(&der);
/// assert_eq!(notary_x509::read_certificates(&two)?.len(), 2);
/// assert!(matches!(notary_x509::read_certificates(b""), Err(notary_x509::Error::NoCertificates)));
/// # Ok::<(), notary_x509::Error>(())
/// ```
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, Error> {
    let mut certs = Vec::new();
    let mut block = pem_decode(bytes);
    if block.is_none() {
        let mut r = Reader::new(bytes);
        while !r.is_empty() {
            if certs.len() >= MAX_CERTS_PER_FILE {
                return Err(too_many_in_file());
            }
            let tlv = r.read_any().map_err(|e| Error::Parse {
                reason: format!("DER certificate {}: {e}", certs.len().saturating_add(1)),
            })?;
            if tlv.raw.len() > MAX_CERT_LEN {
                return Err(Error::Parse {
                    reason: "certificate too large".into(),
                });
            }
            certs.push(Certificate::from_der(tlv.raw)?);
        }
    }
    while let Some((der, rest)) = block {
        if certs.len() >= MAX_CERTS_PER_FILE {
            return Err(too_many_in_file());
        }
        certs.push(Certificate::from_der(&der)?);
        block = pem_decode(rest);
    }
    if certs.is_empty() {
        return Err(Error::NoCertificates);
    }
    Ok(certs)
}

fn too_many_in_file() -> Error {
    Error::Parse {
        reason: format!("more than {MAX_CERTS_PER_FILE} certificates in one file"),
    }
}

/// Go's `pemStart` without its leading newline.
const PEM_BEGIN: &[u8] = b"-----BEGIN ";
/// Go's `pemEnd`; `PEM_END_AT` is how far into it the END type's separating space is.
const PEM_END: &[u8] = b"\n-----END ";
const PEM_END_AT: usize = 9;
const PEM_END_OF_LINE: &[u8] = b"-----";

/// Go's `base64.StdEncoding` once newlines are gone: padding required, nonzero trailing bits
/// allowed (Go's encoding is not `Strict`).
const GO_STD_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
);

/// Go's `encoding/pem.Decode` (Go 1.26, as in the notation release builds): the contents of
/// the next PEM block and the data after it, or `None` when Go finds no block.
fn pem_decode(data: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut pos = 0;
    loop {
        match pem_attempt(data, pos)? {
            Attempt::Block(contents, rest) => return Some((contents, rest)),
            // Go: `rest = rest[endTrailerIndex:]`, giving up when that index went negative
            // (header lines ran past the END line).
            Attempt::Skip { at, resume } => {
                if resume < at {
                    return None;
                }
                pos = resume;
            }
        }
    }
}

/// One pass of `pem.Decode`'s loop, with Go's `rest` at `data[pos..]`.
enum Attempt<'a> {
    /// The block's contents and the data after its END line.
    Block(Vec<u8>, &'a [u8]),
    /// Go's `continue`, taken with `rest` at `data[at..]`; the search resumes at
    /// `data[resume..]`, just after the END marker seen.
    Skip { at: usize, resume: usize },
}

/// Go's loop body, in absolute offsets into `data`; `None` is Go's `return nil, data`.
fn pem_attempt(data: &[u8], pos: usize) -> Option<Attempt<'_>> {
    // The first END line, then the last BEGIN before it, which must start a line (or `rest`).
    let end = pos.checked_add(find(data.get(pos..)?, PEM_END)?)?;
    let resume = end.checked_add(PEM_END.len())?;
    let skip = |at| Some(Attempt::Skip { at, resume });
    let Some(begin) = rfind(data.get(pos..end)?, PEM_BEGIN) else {
        return skip(pos);
    };
    let begin = pos.checked_add(begin)?;
    if begin > pos && data.get(begin.checked_sub(1)?) != Some(&b'\n') {
        return skip(pos);
    }
    let mut cur = begin.checked_add(PEM_BEGIN.len())?;

    let (type_line, consumed) = get_line(data.get(cur..)?);
    cur = cur.checked_add(consumed)?;
    let Some(label) = type_line.strip_suffix(PEM_END_OF_LINE) else {
        return skip(cur);
    };

    // Header lines: every line holding a ':'.
    let mut headers = false;
    loop {
        let rest = data.get(cur..)?;
        if rest.is_empty() {
            return None;
        }
        let (line, consumed) = get_line(rest);
        if !line.contains(&b':') {
            break;
        }
        headers = true;
        cur = cur.checked_add(consumed)?;
    }
    // Go's `endIndex` is `end - cur`: -1 when the END line directly follows the type line,
    // which only a block without headers may do.
    if headers && end < cur {
        return skip(cur);
    }

    // The END line: the same label, five dashes, then only spaces and tabs.
    let trailer_len = label.len().checked_add(PEM_END_OF_LINE.len())?;
    let Some(trailer) = data.get(resume..).and_then(|t| t.get(..trailer_len)) else {
        return skip(cur);
    };
    if !trailer.starts_with(label) || !trailer.ends_with(PEM_END_OF_LINE) {
        return skip(cur);
    }
    let (end_line_rest, _) = get_line(data.get(resume.checked_add(trailer_len)?..)?);
    if !end_line_rest.is_empty() {
        return skip(cur);
    }

    let contents = if end > cur {
        let Some(contents) = decode_base64(data.get(cur..end)?) else {
            return skip(cur);
        };
        contents
    } else {
        Vec::new()
    };
    let tail = data.get(end.checked_add(PEM_END_AT)?..)?;
    let (_, consumed) = get_line(tail);
    Some(Attempt::Block(contents, tail.get(consumed..)?))
}

/// Go's `getLine`: the first `\n`- or `\r\n`-terminated line without trailing spaces and
/// tabs, and how many bytes it took, terminator included.
fn get_line(data: &[u8]) -> (&[u8], usize) {
    let (line, consumed) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = data.get(..i).unwrap_or_default();
            (
                line.strip_suffix(b"\r").unwrap_or(line),
                i.saturating_add(1),
            )
        }
        None => (data, data.len()),
    };
    let kept = line
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i.saturating_add(1));
    (line.get(..kept).unwrap_or_default(), consumed)
}

/// PEM contents as Go decodes them: spaces and tabs removed (`removeSpacesAndTabs`), `\r`
/// and `\n` skipped (Go's base64 decoder ignores them anywhere), the rest standard base64.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let text: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    GO_STD_BASE64.decode(text).ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Go's `IsRootCertificate`: the certificate may sign certificates, verifies with its own key
/// and its raw subject equals its raw issuer.
fn check_root_certificate(x509: &X509Verifier, cert: &Certificate) -> Result<(), Error> {
    if let Err(reason) = cert.may_sign_certificates() {
        return Err(Error::NotSelfSigned {
            index: 0,
            subject: cert.subject_string(),
            reason,
        });
    }
    x509.check_self_signature(cert).map_err(|e| match e {
        Error::WeakSignatureAlgorithm { algorithm } => Error::WeakCertificateSignature {
            index: 0,
            subject: cert.subject_string(),
            algorithm,
        },
        Error::UnsupportedKey { reason } => Error::CertificateKeyUnsupported {
            index: 0,
            subject: cert.subject_string(),
            reason,
        },
        other => Error::NotSelfSigned {
            index: 0,
            subject: cert.subject_string(),
            reason: other.to_string(),
        },
    })?;
    if !cert.is_self_issued() {
        return Err(Error::NotSelfIssued {
            index: 0,
            subject: cert.subject_string(),
            issuer: cert.issuer_string(),
        });
    }
    Ok(())
}

/// See [`X509Verifier::validate_tsa_root_certificate`].
pub(crate) fn validate_tsa_root_certificate(
    x509: &X509Verifier,
    bytes: &[u8],
) -> Result<Certificate, Error> {
    let mut certs = read_certificates(bytes)?;
    if certs.len() > 1 {
        return Err(Error::TooManyCertificates { count: certs.len() });
    }
    let cert = certs.pop().ok_or(Error::NoCertificates)?;
    check_root_certificate(x509, &cert)?;
    Ok(cert)
}

pub use notary_core::TrustStoreType;

/// See [`X509Verifier::check_trust_store_certificate`].
pub(crate) fn check_trust_store_certificate(
    x509: &X509Verifier,
    cert: &Certificate,
    store: TrustStoreType,
) -> Result<(), Error> {
    if !cert.is_ca() && x509.check_self_signature(cert).is_err() {
        return Err(Error::NotCaOrSelfSigned {
            store: store.as_str().into(),
            subject: cert.subject_string(),
        });
    }
    if store == TrustStoreType::Tsa {
        check_root_certificate(x509, cert)?;
    }
    Ok(())
}
