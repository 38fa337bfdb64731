//! Certificate files, the `--timestamp-root-cert` check and trust-store certificate rules.

use crate::cert::{Certificate, MAX_CERT_LEN};
use crate::der::Reader;
use crate::error::Error;
use crate::verifier::X509Verifier;

/// Most certificates read from one file.
const MAX_CERTS_PER_FILE: usize = 1000;

/// Reads certificates the way notation-core-go's `ReadCertificateFile` does: if the data holds
/// any PEM block, every PEM block (whatever its label) must be a certificate; otherwise the
/// bytes are one or more concatenated DER certificates. Zero certificates is
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
    let blocks = pem::parse_many(bytes).unwrap_or_default();
    let mut certs = Vec::new();
    if blocks.is_empty() {
        if has_pem_marker(bytes) {
            // Go's pem.Decode found no block either, so this is parsed as DER and fails.
            return Err(Error::Parse {
                reason: "data looks like PEM but holds no well-formed PEM block".into(),
            });
        }
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
    } else {
        if blocks.len() > MAX_CERTS_PER_FILE {
            return Err(too_many_in_file());
        }
        for block in &blocks {
            certs.push(Certificate::from_der(block.contents())?);
        }
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

fn has_pem_marker(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
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
