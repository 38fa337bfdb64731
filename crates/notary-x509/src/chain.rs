//! The Notary certificate-chain rules (signature specification §Certificate Requirements, as
//! notation-core-go applies them), with the stricter choices documented on each function.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cert::{Certificate, ExtendedKeyUsage, KeyUsage};
use crate::error::Error;
use crate::verifier::X509Verifier;

/// Which chain rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChainPurpose {
    /// The signing chain of an envelope.
    CodeSigning,
    /// The chain of an RFC 3161 timestamping authority.
    Timestamping,
}

/// The Notary chain rules; documented on [`X509Verifier::validate_chain`].
pub(crate) fn validate_chain(
    x509: &X509Verifier,
    chain: &[Certificate],
    purpose: ChainPurpose,
    at: Option<OffsetDateTime>,
) -> Result<(), Error> {
    let Some(last) = chain.len().checked_sub(1) else {
        return Err(Error::EmptyChain);
    };
    for (i, cert) in chain.iter().enumerate() {
        if let Some(t) = at {
            check_validity(i, cert, t)?;
        }
        if i == last {
            check_root(x509, i, cert)?;
        } else {
            let parent = i
                .checked_add(1)
                .and_then(|p| chain.get(p))
                .ok_or(Error::EmptyChain)?;
            check_link(x509, i, cert, parent)?;
        }
        if i == 0 {
            check_leaf(i, cert, purpose)?;
        } else {
            check_ca(i, cert, purpose)?;
        }
    }
    Ok(())
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn check_validity(index: usize, cert: &Certificate, at: OffsetDateTime) -> Result<(), Error> {
    if at < cert.not_before() {
        return Err(Error::NotYetValid {
            index,
            subject: cert.subject_string(),
            not_before: rfc3339(cert.not_before()),
            at: rfc3339(at),
        });
    }
    if at > cert.not_after() {
        return Err(Error::Expired {
            index,
            subject: cert.subject_string(),
            not_after: rfc3339(cert.not_after()),
            at: rfc3339(at),
        });
    }
    Ok(())
}

/// Maps a signature failure of certificate `index` to its typed chain error.
fn signature_error(index: usize, cert: &Certificate, e: Error, self_check: bool) -> Error {
    match e {
        // The key that checks a self-signature is the certificate's own.
        Error::UnsupportedKey { reason } if self_check => Error::CertificateKeyUnsupported {
            index,
            subject: cert.subject_string(),
            reason,
        },
        Error::WeakSignatureAlgorithm { algorithm } => Error::WeakCertificateSignature {
            index,
            subject: cert.subject_string(),
            algorithm,
        },
        other if self_check => Error::NotSelfSigned {
            index,
            subject: cert.subject_string(),
            reason: other.to_string(),
        },
        other => Error::InvalidSignature {
            index,
            subject: cert.subject_string(),
            reason: other.to_string(),
        },
    }
}

fn check_root(x509: &X509Verifier, index: usize, cert: &Certificate) -> Result<(), Error> {
    x509.check_self_signature(cert)
        .map_err(|e| signature_error(index, cert, e, true))?;
    if !cert.is_self_issued() {
        return Err(Error::NotSelfIssued {
            index,
            subject: cert.subject_string(),
            issuer: cert.issuer_string(),
        });
    }
    Ok(())
}

fn check_link(
    x509: &X509Verifier,
    index: usize,
    cert: &Certificate,
    parent: &Certificate,
) -> Result<(), Error> {
    // Only a self-issued certificate can be self-signed; skip the extra verification otherwise.
    if x509.is_self_signed(cert) {
        return Err(Error::SelfSignedNonRoot {
            index,
            subject: cert.subject_string(),
        });
    }
    x509.verify_signed_by(cert, parent).map_err(|e| match e {
        // The parent's key is what notary cannot verify with: name the parent.
        Error::UnsupportedKey { reason } => Error::CertificateKeyUnsupported {
            index: index.saturating_add(1),
            subject: parent.subject_string(),
            reason,
        },
        e => signature_error(index, cert, e, false),
    })?;
    if cert.issuer_raw() != parent.subject_raw() {
        return Err(Error::IssuerMismatch {
            index,
            subject: cert.subject_string(),
            issuer: cert.issuer_string(),
            next_subject: parent.subject_string(),
        });
    }
    Ok(())
}

fn check_key_usage_present(
    index: usize,
    cert: &Certificate,
    purpose: ChainPurpose,
) -> Result<KeyUsage, Error> {
    let ku = cert.key_usage().ok_or_else(|| Error::MissingKeyUsage {
        index,
        subject: cert.subject_string(),
    })?;
    if purpose == ChainPurpose::CodeSigning && !ku.critical {
        return Err(Error::KeyUsageNotCritical {
            index,
            subject: cert.subject_string(),
        });
    }
    Ok(ku)
}

fn check_ca(index: usize, cert: &Certificate, purpose: ChainPurpose) -> Result<(), Error> {
    let bc =
        cert.basic_constraints()
            .filter(|bc| bc.ca)
            .ok_or_else(|| Error::CaBasicConstraints {
                index,
                subject: cert.subject_string(),
            })?;
    // The specification requires it critical on every CA; notation-go does not check.
    if !bc.critical {
        return Err(Error::CaBasicConstraintsNotCritical {
            index,
            subject: cert.subject_string(),
        });
    }
    // Number of CA certificates below this one.
    let expected = index.saturating_sub(1);
    if let Some(path_len) = bc.path_len
        && path_len < expected as u64
    {
        return Err(Error::PathLength {
            index,
            subject: cert.subject_string(),
            path_len,
            expected,
        });
    }
    let ku = check_key_usage_present(index, cert, purpose)?;
    if !ku.has(KeyUsage::KEY_CERT_SIGN) {
        return Err(Error::MissingKeyCertSign {
            index,
            subject: cert.subject_string(),
        });
    }
    Ok(())
}

const FORBIDDEN_LEAF_USAGES: [(u16, &str); 7] = [
    (KeyUsage::KEY_ENCIPHERMENT, "KeyEncipherment"),
    (KeyUsage::DATA_ENCIPHERMENT, "DataEncipherment"),
    (KeyUsage::KEY_AGREEMENT, "KeyAgreement"),
    (KeyUsage::KEY_CERT_SIGN, "CertSign"),
    (KeyUsage::CRL_SIGN, "CRLSign"),
    (KeyUsage::ENCIPHER_ONLY, "EncipherOnly"),
    (KeyUsage::DECIPHER_ONLY, "DecipherOnly"),
];

const FORBIDDEN_CODE_SIGNING_EKUS: [(&str, &str); 6] = [
    (ExtendedKeyUsage::SERVER_AUTH, "serverAuth"),
    (ExtendedKeyUsage::CLIENT_AUTH, "clientAuth"),
    (ExtendedKeyUsage::EMAIL_PROTECTION, "emailProtection"),
    (ExtendedKeyUsage::TIME_STAMPING, "timeStamping"),
    (ExtendedKeyUsage::OCSP_SIGNING, "OCSPSigning"),
    (ExtendedKeyUsage::ANY, "anyExtendedKeyUsage"),
];

fn check_leaf(index: usize, cert: &Certificate, purpose: ChainPurpose) -> Result<(), Error> {
    if cert.is_ca() {
        return Err(Error::LeafIsCa {
            index,
            subject: cert.subject_string(),
        });
    }
    let ku = check_key_usage_present(index, cert, purpose)?;
    if !ku.has(KeyUsage::DIGITAL_SIGNATURE) {
        return Err(Error::MissingDigitalSignature {
            index,
            subject: cert.subject_string(),
        });
    }
    let forbidden: Vec<&str> = FORBIDDEN_LEAF_USAGES
        .iter()
        .filter(|(bit, _)| ku.has(*bit))
        .map(|(_, name)| *name)
        .collect();
    if !forbidden.is_empty() {
        return Err(Error::ForbiddenKeyUsage {
            index,
            subject: cert.subject_string(),
            usages: forbidden.join(", "),
        });
    }
    match purpose {
        ChainPurpose::CodeSigning => {
            if let Some(eku) = cert.extended_key_usage() {
                for usage in &eku.usages {
                    if let Some((_, name)) = FORBIDDEN_CODE_SIGNING_EKUS
                        .iter()
                        .find(|(oid, _)| oid == usage)
                    {
                        return Err(Error::ForbiddenExtKeyUsage {
                            index,
                            subject: cert.subject_string(),
                            usage: (*name).to_string(),
                        });
                    }
                }
            }
        }
        ChainPurpose::Timestamping => {
            let eku = cert.extended_key_usage();
            let ok = eku.is_some_and(|e| {
                e.usages.len() == 1 && e.contains(ExtendedKeyUsage::TIME_STAMPING)
            });
            if !ok {
                return Err(Error::TimestampingExtKeyUsage {
                    index,
                    subject: cert.subject_string(),
                    found: eku
                        .map(|e| e.usages.join(", "))
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| "none".into()),
                });
            }
            if !eku.is_some_and(|e| e.critical) {
                return Err(Error::ExtKeyUsageNotCritical {
                    index,
                    subject: cert.subject_string(),
                });
            }
        }
    }
    cert.key_spec().map_err(|e| Error::LeafKeyUnsupported {
        index,
        subject: cert.subject_string(),
        reason: match e {
            Error::UnsupportedKey { reason } => reason,
            other => other.to_string(),
        },
    })?;
    Ok(())
}
