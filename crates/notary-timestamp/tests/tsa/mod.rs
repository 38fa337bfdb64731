//! DER and certificate helpers shared by the tests that build TSA chains and tokens by hand
//! (`tsa_chain.rs`, `go_parity.rs`).

use notary_core::crypto::HashFunction;
use notary_x509::der::push_header;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyUsagePurpose};
use time::macros::datetime;

/// The message every token imprints.
pub const MESSAGE: &[u8] = b"notary tsa chain test";

/// One DER element: tag `tag` around the concatenated `parts`.
pub fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content = parts.concat();
    let mut out = Vec::new();
    push_header(&mut out, tag, content.len());
    out.extend(content);
    out
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    notary_provider_aws_lc_rs::provider()
        .hashing
        .hash(HashFunction::Sha256, data)
}

/// AlgorithmIdentifier of SHA-256 (NULL parameters).
pub fn sha256_alg() -> Vec<u8> {
    tlv(
        0x30,
        &[
            &tlv(
                0x06,
                &[&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]],
            ),
            &tlv(0x05, &[]),
        ],
    )
}

/// The OID of id-ct-TSTInfo.
pub fn tst_info_oid() -> Vec<u8> {
    tlv(
        0x06,
        &[&[
            0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
        ]],
    )
}

/// End-entity parameters named `cn`, valid 2024-2034.
pub fn params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = datetime!(2024-01-01 0:00 UTC);
    p.not_after = datetime!(2034-01-01 0:00 UTC);
    p
}

/// CA parameters named `cn`.
pub fn ca(cn: &str) -> CertificateParams {
    let mut p = params(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p
}

/// A timestamp token: ContentInfo { id-signedData, SignedData v3 } over the TSTInfo `tst`
/// (SHA-256 digest algorithm), carrying the certificates `certs` and the SignerInfos `infos`,
/// each already DER.
pub fn signed_data_token(tst: &[u8], certs: &[u8], infos: &[u8]) -> Vec<u8> {
    let signed_data = tlv(
        0x30,
        &[
            &tlv(0x02, &[&[3]]),
            &tlv(0x31, &[&sha256_alg()]),
            &tlv(0x30, &[&tst_info_oid(), &tlv(0xa0, &[&tlv(0x04, &[tst])])]),
            &tlv(0xa0, &[certs]),
            &tlv(0x31, &[infos]),
        ],
    );
    tlv(
        0x30,
        &[
            &tlv(
                0x06,
                &[&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]],
            ),
            &tlv(0xa0, &[&signed_data]),
        ],
    )
}
