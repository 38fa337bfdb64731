use notary_core::{Error, KeySpec};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose,
    SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::keys::{generate_private_key, private_key_to_pem};

/// A generated key and self-signed certificate.
#[derive(Clone)]
pub struct GeneratedCertificate {
    /// PKCS#8 PEM private key.
    pub key_pem: String,
    /// PEM certificate.
    pub cert_pem: String,
    /// DER certificate.
    pub cert_der: Vec<u8>,
    /// The key spec.
    pub key_spec: KeySpec,
}

impl std::fmt::Debug for GeneratedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedCertificate")
            .field("key_spec", &self.key_spec)
            .finish_non_exhaustive()
    }
}

pub(crate) fn rcgen_err(e: rcgen::Error) -> Error {
    Error::SigningFailed {
        reason: format!("certificate generation failed: {e}"),
    }
}

/// The equivalent of `notation cert generate-test NAME`: a fresh key of `spec` and a
/// self-signed code-signing certificate for `CN=NAME,O=Notary,L=Seattle,ST=WA,C=US`, valid for
/// one day from `now` (the clock is the caller's).
pub fn generate_test_certificate(
    common_name: &str,
    spec: KeySpec,
    now: OffsetDateTime,
) -> Result<GeneratedCertificate, Error> {
    if common_name.is_empty() {
        return Err(Error::InvalidCertificate {
            reason: "the common name must not be empty".into(),
        });
    }
    let key_der = generate_private_key(spec)?;
    let key = rcgen::KeyPair::try_from(key_der.as_slice()).map_err(rcgen_err)?;
    let mut params = CertificateParams::default();
    // notation's DER order (Go's pkix.Name): C, ST, L, O, CN.
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "US");
    dn.push(DnType::StateOrProvinceName, "WA");
    dn.push(DnType::LocalityName, "Seattle");
    dn.push(DnType::OrganizationName, "Notary");
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    params.not_before = now;
    params.not_after = now.saturating_add(Duration::days(1));
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
    // As notation's (Go template without BasicConstraintsValid): no basicConstraints and no
    // subject key identifier, only key usage and the code-signing EKU.
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    let cert = params.self_signed(&key).map_err(rcgen_err)?;
    Ok(GeneratedCertificate {
        key_pem: private_key_to_pem(&key_der),
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_spec: spec,
    })
}

/// A positive random 16-byte serial number.
pub(crate) fn random_serial() -> Result<[u8; 16], Error> {
    use aws_lc_rs::rand::SecureRandom;
    let mut s = [0u8; 16];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut s)
        .map_err(|e| Error::SigningFailed {
            reason: format!("random serial: {e}"),
        })?;
    s[0] &= 0x7f;
    s[0] |= 0x01;
    Ok(s)
}
