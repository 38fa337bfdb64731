//! What the revocation tests share: the crypto providers they run under, the fixed test CA's
//! files, and a DER writer for the structures they build.

/// Expands the enclosed items once per crypto provider (`mod aws_lc_rs`, `mod rustcrypto`),
/// each with `provider()` and `x509()`.
macro_rules! for_each_provider {
    ($($items:tt)*) => {
        mod aws_lc_rs {
            use super::*;
            fn provider() -> notary_core::crypto::CryptoProvider {
                notary_provider_aws_lc_rs::provider()
            }
            fn x509() -> notary_x509::X509Verifier {
                notary_x509::X509Verifier::new(provider())
            }
            $($items)*
        }
        mod rustcrypto {
            use super::*;
            fn provider() -> notary_core::crypto::CryptoProvider {
                notary_provider_rustcrypto::provider()
            }
            fn x509() -> notary_x509::X509Verifier {
                notary_x509::X509Verifier::new(provider())
            }
            $($items)*
        }
    };
}

/// A file of the fixed test CA (`testdata/fixed-ca`, made by OpenSSL).
#[allow(dead_code)]
pub fn fixed(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/testdata/fixed-ca/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The base CRL URL the fixed leaf lists as its distribution point.
#[allow(dead_code)]
pub const BASE_URL: &str = "http://127.0.0.1/fixed-ca/leaf.crl";

/// The instant the fixed CA's tests are read at (inside every fixed certificate's validity).
#[allow(dead_code)]
pub fn now() -> time::OffsetDateTime {
    time::macros::datetime!(2027-01-01 0:00 UTC)
}

/// A certificate of the fixed test CA, by file name (`ca.der`, `leaf.der`, ...).
#[allow(dead_code)]
pub fn fixed_cert(name: &str) -> notary_x509::Certificate {
    notary_x509::Certificate::from_der(&fixed(name)).unwrap()
}

/// One DER element: tag `t` around the concatenated `parts`.
#[allow(dead_code)]
pub fn tlv(t: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content = parts.concat();
    let mut out = Vec::new();
    notary_x509::der::push_header(&mut out, t, content.len());
    out.extend(content);
    out
}

/// A DER UTCTime `YYMMDDHHMMSSZ` for `t` (years 1950..2049).
#[allow(dead_code)]
pub fn utc_time(t: time::OffsetDateTime) -> Vec<u8> {
    let s = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        t.year() % 100,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    tlv(notary_x509::der::tag::UTC_TIME, &[s.as_bytes()])
}

/// An Extension: OID contents, the critical flag (DER: written only when TRUE), extnValue
/// contents.
#[allow(dead_code)]
pub fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    use notary_x509::der::tag;
    let flag: &[u8] = if critical { &[0x01, 0x01, 0xff] } else { &[] };
    tlv(
        tag::SEQUENCE,
        &[
            &tlv(tag::OID, &[oid]),
            flag,
            &tlv(tag::OCTET_STRING, &[value]),
        ],
    )
}

/// AlgorithmIdentifier ecdsa-with-SHA256 (no parameters).
#[allow(dead_code)]
pub fn ecdsa_sha256() -> Vec<u8> {
    use notary_x509::der::tag;
    tlv(
        tag::SEQUENCE,
        &[&tlv(
            tag::OID,
            &[&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]],
        )],
    )
}

/// `tbs` (a TBSCertList whose signature algorithm is [`ecdsa_sha256`]) signed by the fixed
/// test CA: the whole CertificateList.
#[allow(dead_code)]
pub fn signed_by_fixed_ca(tbs: &[u8]) -> Vec<u8> {
    use ::aws_lc_rs::rand::SystemRandom;
    use ::aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    use notary_x509::der::tag;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &fixed("ca.pk8")).unwrap();
    let sig = key.sign(&SystemRandom::new(), tbs).unwrap();
    tlv(
        tag::SEQUENCE,
        &[
            tbs,
            &ecdsa_sha256(),
            &tlv(tag::BIT_STRING, &[&[0], sig.as_ref()]),
        ],
    )
}

/// A DER GeneralizedTime `YYYYMMDDHHMMSSZ` for `t`.
#[allow(dead_code)]
pub fn generalized_time(t: time::OffsetDateTime) -> Vec<u8> {
    let s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    tlv(notary_x509::der::tag::GENERALIZED_TIME, &[s.as_bytes()])
}

/// A successful OCSPResponse around the DER BasicOCSPResponse `basic`.
#[allow(dead_code)]
pub fn ocsp_response(basic: &[u8]) -> Vec<u8> {
    use notary_x509::der::tag;
    let ocsp_basic: &[u8] = &[
        0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01,
    ];
    tlv(
        tag::SEQUENCE,
        &[
            &[0x0a, 0x01, 0x00],
            &tlv(
                0xa0,
                &[&tlv(
                    tag::SEQUENCE,
                    &[ocsp_basic, &tlv(tag::OCTET_STRING, &[basic])],
                )],
            ),
        ],
    )
}
