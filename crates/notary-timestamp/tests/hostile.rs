//! Crafted tokens with hostile TSTInfo times: parsing returns a typed error naming the field,
//! never panics, and never yields an inverted or unrepresentable time range.
//!
//! The tokens carry a syntactically complete SignedData around the crafted TSTInfo; their
//! signature is garbage, since parsing must refuse them before any verification.

#[macro_use]
mod common;

use notary_timestamp::{Error, TimestampToken};
use notary_x509::der::push_header;

for_each_provider! {
    #[allow(dead_code)]
    fn x509() -> notary_x509::X509Verifier {
        notary_x509::X509Verifier::new(provider())
    }

    #[allow(dead_code)]
    fn inspect_json(token: &[u8]) -> serde_json::Value {
        notary_timestamp::inspect_json_with(&provider(), token)
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        push_header(&mut out, tag, content.len());
        out.extend_from_slice(content);
        out
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    const TST_INFO: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
    ];
    const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    const SOME_POLICY: &[u8] = &[0x2a, 0x03, 0x04];

    /// An Accuracy SEQUENCE from the raw INTEGER contents of its optional members.
    fn accuracy(seconds: Option<&[u8]>, millis: Option<&[u8]>, micros: Option<&[u8]>) -> Vec<u8> {
        let mut body = Vec::new();
        if let Some(s) = seconds {
            body.extend(tlv(0x02, s));
        }
        if let Some(m) = millis {
            body.extend(tlv(0x80, m));
        }
        if let Some(u) = micros {
            body.extend(tlv(0x81, u));
        }
        tlv(0x30, &body)
    }

    fn tst_info(gen_time: &str, accuracy: Option<Vec<u8>>) -> Vec<u8> {
        let imprint = tlv(
            0x30,
            &cat(&[
                tlv(0x30, &cat(&[tlv(0x06, SHA256), tlv(0x05, &[])])),
                tlv(0x04, &[0x11; 32]),
            ]),
        );
        let mut body = cat(&[
            tlv(0x02, &[1]),
            tlv(0x06, SOME_POLICY),
            imprint,
            tlv(0x02, &[0x2a]),
            tlv(0x18, gen_time.as_bytes()),
        ]);
        if let Some(a) = accuracy {
            body.extend(a);
        }
        tlv(0x30, &body)
    }

    /// A ContentInfo/SignedData TimeStampToken around `tst`, with one (unverifiable) SignerInfo.
    fn token(tst: &[u8]) -> Vec<u8> {
        let alg = |oid: &[u8]| tlv(0x30, &tlv(0x06, oid));
        let encap = tlv(
            0x30,
            &cat(&[tlv(0x06, TST_INFO), tlv(0xa0, &tlv(0x04, tst))]),
        );
        let signer_info = tlv(
            0x30,
            &cat(&[
                tlv(0x02, &[1]),
                tlv(0x30, &cat(&[tlv(0x30, &[]), tlv(0x02, &[1])])),
                alg(SHA256),
                tlv(0xa0, &[]),
                alg(ECDSA_SHA256),
                tlv(0x04, &[0]),
            ]),
        );
        let signed_data = tlv(
            0x30,
            &cat(&[
                tlv(0x02, &[3]),
                tlv(0x31, &alg(SHA256)),
                encap,
                tlv(0x31, &signer_info),
            ]),
        );
        tlv(
            0x30,
            &cat(&[tlv(0x06, SIGNED_DATA), tlv(0xa0, &signed_data)]),
        )
    }

    fn out_of_range(der: &[u8]) -> &'static str {
        match TimestampToken::parse(der) {
            Err(Error::OutOfRange { field, .. }) => field,
            other => panic!("expected an out-of-range error, got {other:?}"),
        }
    }

    const I64_MAX: &[u8] = &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    #[test]
    fn builder_makes_a_parseable_token_with_the_expected_range() {
        let t = TimestampToken::parse(&token(&tst_info(
            "20250101120000Z",
            Some(accuracy(Some(&[2]), Some(&[0x01, 0xf4]), Some(&[0x7d]))),
        )))
        .unwrap();
        let acc = time::Duration::seconds(2)
            + time::Duration::milliseconds(500)
            + time::Duration::microseconds(125);
        assert_eq!(t.accuracy(), acc);
        let (lo, hi) = t.timestamp_range();
        assert_eq!(lo, t.gen_time() - acc);
        assert_eq!(hi, t.gen_time() + acc);
    }

    #[test]
    fn accuracy_sum_overflow_is_a_typed_error() {
        // seconds = 2^63-1 plus 1000 ms overflowed `Duration +=` inside parse.
        let der = token(&tst_info(
            "20250101120000Z",
            Some(accuracy(Some(I64_MAX), Some(&[0x03, 0xe8]), None)),
        ));
        assert_eq!(out_of_range(&der), "accuracy.millis");
        let j = inspect_json(&der);
        assert!(
            j["error"].as_str().unwrap().contains("accuracy.millis"),
            "{j}"
        );
    }

    #[test]
    fn accuracy_seconds_at_or_above_2_pow_63_is_refused_not_negated() {
        for secs in [
            &[0x00, 0x80, 0, 0, 0, 0, 0, 0, 0][..],
            &[0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
        ] {
            let der = token(&tst_info(
                "20250101120000Z",
                Some(accuracy(Some(secs), None, None)),
            ));
            assert_eq!(out_of_range(&der), "accuracy.seconds");
        }
        // Beyond u64, and negative.
        let der = token(&tst_info(
            "20250101120000Z",
            Some(accuracy(Some(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]), None, None)),
        ));
        assert_eq!(out_of_range(&der), "accuracy.seconds");
        let der = token(&tst_info(
            "20250101120000Z",
            Some(accuracy(Some(&[0xff]), None, None)),
        ));
        assert_eq!(out_of_range(&der), "accuracy.seconds");
    }

    #[test]
    fn range_outside_representable_time_is_a_typed_error() {
        // Representable accuracy, but genTime ± accuracy is not (timestamp_range used to panic).
        let der = token(&tst_info(
            "20250101120000Z",
            Some(accuracy(Some(I64_MAX), None, None)),
        ));
        assert!(out_of_range(&der).starts_with("genTime"));
        assert!(inspect_json(&der)["error"].is_string());
        let der = token(&tst_info(
            "99991231235959Z",
            Some(accuracy(Some(&[1]), None, None)),
        ));
        assert_eq!(out_of_range(&der), "genTime + accuracy");
        // 4e11 s (~12,700 years) below the year 0000 leaves the year -9999 behind.
        let der = token(&tst_info(
            "00000101000000Z",
            Some(accuracy(Some(&[0x5d, 0x21, 0xdb, 0xa0, 0x00]), None, None)),
        ));
        assert_eq!(out_of_range(&der), "genTime - accuracy");
    }

    #[test]
    fn millis_and_micros_must_be_1_to_999() {
        for (millis, micros, field) in [
            (Some(&[0x03, 0xe8][..]), None, "accuracy.millis"),
            (Some(&[0x00][..]), None, "accuracy.millis"),
            (None, Some(&[0x03, 0xe8][..]), "accuracy.micros"),
            (None, Some(&[0x00][..]), "accuracy.micros"),
            (None, Some(&[0x80][..]), "accuracy.micros"),
        ] {
            let der = token(&tst_info(
                "20250101120000Z",
                Some(accuracy(None, millis, micros)),
            ));
            assert_eq!(out_of_range(&der), field);
        }
        for edge in [&[0x01][..], &[0x03, 0xe7][..]] {
            let der = token(&tst_info(
                "20250101120000Z",
                Some(accuracy(None, Some(edge), Some(edge))),
            ));
            TimestampToken::parse(&der).unwrap();
        }
    }
}
