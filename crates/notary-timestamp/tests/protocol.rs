//! The RFC 3161 request/response protocol as tspclient-go checks it (`Response.Validate`):
//! PKIStatus (granted or grantedWithMods, anything else refused with its failInfo named), the
//! message imprint and nonce echoed, certReq answered with the TSA signing certificate located
//! through `signingCertificateV2`, and genTime in the strict GeneralizedTime form.
//!
//! The responses carry a syntactically complete token whose signature is garbage:
//! `validate_response` checks the protocol, `verify_with` (tested elsewhere) the signature.

#[macro_use]
mod common;

use notary_core::DigestAlgorithm;
use notary_core::crypto::HashFunction;
use notary_timestamp::{Error, TimestampRequest, TimestampToken};
use notary_x509::der::push_header;

const MESSAGE: &[u8] = b"notary timestamp protocol test";
const NONCE: [u8; 20] = [0x11; 20];
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];
const SIGNING_CERT_V2: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f,
];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content = parts.concat();
    let mut out = Vec::new();
    push_header(&mut out, tag, content.len());
    out.extend(content);
    out
}

/// The certificate the tokens embed (any certificate will do: nothing verifies the signature).
fn cert() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/tsaRootCert.cer"
    ))
    .unwrap()
}

/// What a test varies in the token.
struct Tst<'a> {
    hash_oid: &'a [u8],
    imprint: Vec<u8>,
    gen_time: &'a str,
    nonce: Option<Vec<u8>>,
    /// Whether the signed attributes carry a signingCertificateV2 naming the embedded cert.
    signing_cert_v2: bool,
}

impl Tst<'_> {
    /// A token answering `TimestampRequest::new_with(MESSAGE, SHA-256, NONCE)` correctly.
    fn good() -> Self {
        Tst {
            hash_oid: SHA256,
            imprint: notary_provider_aws_lc_rs::provider()
                .hashing
                .hash(HashFunction::Sha256, MESSAGE),
            gen_time: "20250101120000Z",
            nonce: Some(NONCE.to_vec()),
            signing_cert_v2: true,
        }
    }

    fn token(&self) -> Vec<u8> {
        let alg = |oid: &[u8]| tlv(0x30, &[&tlv(0x06, &[oid])]);
        let mut tst = vec![
            tlv(0x02, &[&[1]]),
            tlv(0x06, &[&[0x2a, 0x03, 0x04]]),
            tlv(
                0x30,
                &[
                    &tlv(0x30, &[&tlv(0x06, &[self.hash_oid]), &tlv(0x05, &[])]),
                    &tlv(0x04, &[&self.imprint]),
                ],
            ),
            tlv(0x02, &[&[0x2a]]),
            tlv(0x18, &[self.gen_time.as_bytes()]),
        ];
        if let Some(n) = &self.nonce {
            tst.push(tlv(0x02, &[n]));
        }
        let tst = tlv(0x30, &[&tst.concat()]);
        let sha256 = |d: &[u8]| {
            notary_provider_aws_lc_rs::provider()
                .hashing
                .hash(HashFunction::Sha256, d)
        };
        let attr =
            |oid: &[u8], value: Vec<u8>| tlv(0x30, &[&tlv(0x06, &[oid]), &tlv(0x31, &[&value])]);
        let mut attrs = vec![
            attr(
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03],
                tlv(0x06, &[TST_INFO]),
            ),
            attr(
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04],
                tlv(0x04, &[&sha256(&tst)]),
            ),
        ];
        if self.signing_cert_v2 {
            attrs.push(attr(
                SIGNING_CERT_V2,
                tlv(
                    0x30,
                    &[&tlv(
                        0x30,
                        &[&tlv(0x30, &[&tlv(0x04, &[&sha256(&cert())])])],
                    )],
                ),
            ));
        }
        attrs.sort();
        let c = notary_x509::Certificate::from_der(&cert()).unwrap();
        let signer_info = tlv(
            0x30,
            &[
                &tlv(0x02, &[&[1]]),
                &tlv(0x30, &[c.issuer_raw(), &tlv(0x02, &[c.serial_bytes()])]),
                &alg(SHA256),
                &tlv(0xa0, &[&attrs.concat()]),
                &alg(ECDSA_SHA256),
                &tlv(0x04, &[&[0]]),
            ],
        );
        let signed_data = tlv(
            0x30,
            &[
                &tlv(0x02, &[&[3]]),
                &tlv(0x31, &[&alg(SHA256)]),
                &tlv(
                    0x30,
                    &[&tlv(0x06, &[TST_INFO]), &tlv(0xa0, &[&tlv(0x04, &[&tst])])],
                ),
                &tlv(0xa0, &[&cert()]),
                &tlv(0x31, &[&signer_info]),
            ],
        );
        tlv(
            0x30,
            &[&tlv(0x06, &[SIGNED_DATA]), &tlv(0xa0, &[&signed_data])],
        )
    }
}

/// A TimeStampResp: PKIStatusInfo with `status` (and the raw optional parts), then `token`.
fn response(status: u8, status_rest: &[u8], token: Option<&[u8]>) -> Vec<u8> {
    let info = tlv(0x30, &[&tlv(0x02, &[&[status]]), status_rest]);
    tlv(0x30, &[&info, token.unwrap_or_default()])
}

for_each_provider! {
    fn request() -> TimestampRequest {
        TimestampRequest::new_with(&provider(), MESSAGE, DigestAlgorithm::Sha256, NONCE)
    }

    #[test]
    fn granted_and_granted_with_mods_responses_are_accepted() {
        let token = Tst::good().token();
        for status in [0, 1] {
            let (t, der) = request()
                .validate_response(&response(status, &[], Some(&token)))
                .unwrap_or_else(|e| panic!("status {status}: {e}"));
            assert_eq!(der, token);
            assert_eq!(t.nonce(), Some(&NONCE[..]));
        }
    }

    #[test]
    fn refused_responses_name_the_status_and_fail_info() {
        // statusString { "bad alg" }, failInfo badAlg (bit 0) + systemFailure (bit 25).
        let rest = [
            tlv(0x30, &[&tlv(0x0c, &[b"bad alg"])]),
            tlv(0x03, &[&[6, 0x80, 0x00, 0x00, 0x40]]),
        ]
        .concat();
        let e = request()
            .validate_response(&response(2, &rest, None))
            .unwrap_err();
        match &e {
            Error::Rejected { status: 2, status_name: "rejection", fail_info, status_string } => {
                assert_eq!(fail_info, "badAlg, systemFailure");
                assert_eq!(status_string, &["bad alg".to_string()]);
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
        assert!(e.to_string().contains("badAlg"), "{e}");
        // The TSA's text is shown in part: four strings of 200 characters at most.
        let long = "x".repeat(3000);
        let texts: Vec<Vec<u8>> = (0..6).map(|_| tlv(0x0c, &[long.as_bytes()])).collect();
        let texts: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
        let rest = tlv(0x30, &texts);
        match request().validate_response(&response(2, &rest, None)) {
            Err(Error::Rejected { status_string, .. }) => {
                assert_eq!(status_string.len(), 4);
                assert!(status_string.iter().all(|s| *s == format!("{}...", &long[..200])));
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
        // waiting (3), no failInfo; even with a token, it is not used.
        match request().validate_response(&response(3, &[], Some(&Tst::good().token()))) {
            Err(Error::Rejected { status: 3, status_name: "waiting", fail_info, .. }) => {
                assert_eq!(fail_info, "none")
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
    }

    #[test]
    fn the_token_must_echo_the_imprint_and_nonce() {
        let check = |tst: Tst<'_>| request().validate_response(&response(0, &[], Some(&tst.token())));
        // The same digest bytes under another hash algorithm.
        assert!(matches!(
            check(Tst { hash_oid: SHA384, ..Tst::good() }),
            Err(Error::ImprintMismatch)
        ));
        assert!(matches!(
            check(Tst { imprint: vec![0; 32], ..Tst::good() }),
            Err(Error::ImprintMismatch)
        ));
        for nonce in [None, Some(vec![0x11; 19]), Some(vec![0x12; 20])] {
            match check(Tst { nonce: nonce.clone(), ..Tst::good() }) {
                Err(Error::Malformed { reason }) => assert!(reason.contains("nonce"), "{reason}"),
                other => panic!("nonce {nonce:?}: expected a nonce mismatch, got {other:?}"),
            }
        }
    }

    #[test]
    fn cert_req_requires_the_signing_certificate_named_by_signing_certificate_v2() {
        // Certificates present, but none identified as the TSA's signing certificate.
        let tst = Tst { signing_cert_v2: false, ..Tst::good() };
        match request().validate_response(&response(0, &[], Some(&tst.token()))) {
            Err(Error::SigningCertificate { reason }) => {
                assert!(reason.contains("certReq"), "{reason}")
            }
            other => panic!("expected a signing-certificate error, got {other:?}"),
        }
    }
}

#[test]
fn gen_time_fractions_follow_rfc_3161() {
    let parse = |gen_time: &str| {
        TimestampToken::parse(
            &Tst {
                gen_time,
                ..Tst::good()
            }
            .token(),
        )
    };
    for ok in [
        "20250101120000Z",
        "20250101120000.5Z",
        "20250101120000.123456789Z",
    ] {
        parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    assert_eq!(
        parse("20250101120000.05Z").unwrap().gen_time().nanosecond(),
        50_000_000
    );
    // A point without a fraction, a trailing zero, more than nanoseconds (Go's encoding/asn1
    // refuses all three; RFC 3161 §2.4.2 the first two), a comma, an offset.
    for bad in [
        "20250101120000.Z",
        "20250101120000.50Z",
        "20250101120000.0Z",
        "20250101120000.1234567891Z",
        "20250101120000,5Z",
        "20250101120000+0000",
    ] {
        match parse(bad) {
            Err(Error::Malformed { .. }) => {}
            other => panic!("{bad}: expected a syntax error, got {other:?}"),
        }
    }
}
