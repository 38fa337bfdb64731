//! Byte-for-byte encoding conformance with notation-core-go's COSE vectors.

mod common;

use common::*;
use notary_core::{
    AttributeKey, AttributeValue, ExtendedAttribute, KeySpec, RawSignature, SignRequest,
    SignatureAlgorithm, Signer, SigningScheme, timefmt,
};
use notary_envelope_cose::{
    Error, UnprotectedHeaders, UnverifiedCose, encode_sign1, protected_header_bytes, sign,
};
use serde_json::Value as Json;
use time::OffsetDateTime;

/// Returns a fixed signature and chain, like the Go conformance test's fixed signer.
struct FixedSigner {
    spec: KeySpec,
    signature: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

impl Signer for FixedSigner {
    fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
        Ok(self.spec)
    }
    fn sign(&self, _input: &[u8]) -> Result<RawSignature, notary_core::Error> {
        Ok(RawSignature {
            signature: self.signature.clone(),
            certificate_chain: self.chain.clone(),
        })
    }
}

fn cose_cases() -> Vec<Json> {
    let cases: Json = serde_json::from_slice(&read_interop("cases.json")).unwrap();
    let found: Vec<Json> = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "encode-conformance" && c["input"]["format"] == "cose")
        .cloned()
        .collect();
    assert!(
        !found.is_empty(),
        "no cose encode-conformance case in cases.json"
    );
    found
}

fn request_from_case(req: &Json) -> SignRequest {
    let time = |v: &Json| timefmt::parse_rfc3339(v.as_str().unwrap()).unwrap();
    SignRequest {
        payload: from_hex(req["payload_hex"].as_str().unwrap()),
        payload_content_type: req["payload_content_type"].as_str().unwrap().to_string(),
        signing_scheme: req["signing_scheme"].as_str().unwrap().parse().unwrap(),
        signing_time: time(&req["signing_time"]),
        expiry: (!req["expiry"].is_null()).then(|| time(&req["expiry"])),
        extended_attributes: req["extended_signed_attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| ExtendedAttribute {
                key: AttributeKey::Text(a["key"].as_str().unwrap().to_string()),
                value: AttributeValue::Text(a["value"].as_str().unwrap().to_string()),
                critical: a["critical"].as_bool().unwrap(),
            })
            .collect(),
        signing_agent: req["signing_agent"].as_str().map(str::to_string),
    }
}

#[test]
fn cases_json_cose_vectors_are_reproduced_byte_for_byte() {
    for case in cose_cases() {
        let req = &case["input"]["sign_request"];
        let expected = &case["input"]["expected"];
        let request = request_from_case(req);
        let spec = KeySpec::from_name(req["key_spec"].as_str().unwrap()).unwrap();
        let alg = spec.signature_algorithm();
        assert_eq!(alg.jws_name(), req["alg"].as_str().unwrap());

        let protected = protected_header_bytes(&request, alg).unwrap();
        assert_eq!(
            hex::encode(&protected),
            expected["protected_cbor_hex"].as_str().unwrap(),
            "protected header of {}",
            case["id"]
        );

        let unprotected = UnprotectedHeaders {
            certificate_chain: Vec::new(),
            timestamp_signature: None,
            signing_agent: request.signing_agent.clone(),
        };
        assert_eq!(
            hex::encode(unprotected.to_cbor()),
            expected["unprotected_cbor_hex"].as_str().unwrap()
        );

        assert_eq!(
            hex::encode(&request.payload),
            expected["payload_hex"].as_str().unwrap()
        );
        let signature = from_hex(expected["fixed_signature_hex"].as_str().unwrap());
        let message = encode_sign1(&protected, &unprotected, &request.payload, &signature);
        assert_eq!(
            hex::encode(&message),
            expected["sign1_cbor_hex"].as_str().unwrap()
        );

        // The vector has no x5chain, which a verifier must refuse.
        assert_eq!(
            UnverifiedCose::parse(&message).unwrap_err(),
            Error::MissingHeader {
                header: "x5chain (33)".into()
            }
        );

        // The full signing path produces the same protected bytes, and the chain lands in
        // label 33 as an array (even for one certificate).
        let chain = vec![b"leaf-cert".to_vec()];
        let signer = FixedSigner {
            spec,
            signature: signature.clone(),
            chain: chain.clone(),
        };
        let signed = sign(&request, &signer).unwrap();
        let with_chain = UnprotectedHeaders {
            certificate_chain: chain,
            ..unprotected
        };
        assert_eq!(
            signed,
            encode_sign1(&protected, &with_chain, &request.payload, &signature)
        );
        let unprotected_hex = hex::encode(with_chain.to_cbor());
        assert!(
            unprotected_hex.starts_with(&format!(
                "a2182181{}",
                hex::encode(common::bstr(b"leaf-cert"))
            )),
            "{unprotected_hex}"
        );
    }
}

#[test]
fn notation_core_go_conformance_json_is_reproduced_byte_for_byte() {
    let vector: Json = serde_json::from_slice(&read_interop(
        "data/notation-core-go/conformance/cose/conformance.json",
    ))
    .unwrap();
    let epoch = |v: &Json| OffsetDateTime::from_unix_timestamp(v.as_i64().unwrap()).unwrap();
    // The inputs not stored in the JSON are those of notation-core-go's conformance test
    // (`cose/conformance_test.go`): PS384, one critical and one plain extended attribute, and
    // the signing agent; the JSON's cborDiag shows the same values.
    let diag = vector["protectedHeaders"]["cborDiag"].as_str().unwrap();
    assert!(diag.contains("\"signedCritKey1\": \"signedCritValue1\""));
    assert!(diag.contains("\"signedKey1\": \"signedValue1\""));
    let request = SignRequest {
        payload: from_hex(vector["payload"].as_str().unwrap()),
        payload_content_type: notary_core::PAYLOAD_MEDIA_TYPE.to_string(),
        signing_scheme: SigningScheme::X509,
        signing_time: epoch(&vector["signingTime"]),
        expiry: Some(epoch(&vector["expiry"])),
        extended_attributes: vec![
            ExtendedAttribute {
                key: "signedCritKey1".into(),
                value: "signedCritValue1".into(),
                critical: true,
            },
            ExtendedAttribute {
                key: "signedKey1".into(),
                value: "signedValue1".into(),
                critical: false,
            },
        ],
        signing_agent: Some("NotationConformanceTest/1.0.0".into()),
    };
    let protected = protected_header_bytes(&request, SignatureAlgorithm::RsaPssSha384).unwrap();
    assert_eq!(
        hex::encode_upper(&protected),
        vector["protectedHeaders"]["cborHex"].as_str().unwrap()
    );
    let unprotected = UnprotectedHeaders {
        signing_agent: request.signing_agent.clone(),
        ..UnprotectedHeaders::default()
    };
    assert_eq!(
        hex::encode_upper(unprotected.to_cbor()),
        vector["unprotectedHeaders"]["cborHex"].as_str().unwrap()
    );

    // The fixed signature is the last 384 bytes of the expected output.
    let expected = from_hex(vector["expectedOutput"]["cborHex"].as_str().unwrap());
    let signature = &expected[expected.len() - 384..];
    let message = encode_sign1(&protected, &unprotected, &request.payload, signature);
    assert_eq!(message, expected);
}

#[test]
fn signing_authority_crit_order_matches_notation() {
    // Go appends authenticSigningTime after signingScheme, then expiry, then critical
    // extended attributes in request order.
    let t = OffsetDateTime::from_unix_timestamp(1_667_411_812).unwrap();
    let mut request = SignRequest::new(b"x".to_vec(), t);
    request.signing_scheme = SigningScheme::X509SigningAuthority;
    request.expiry = Some(OffsetDateTime::from_unix_timestamp(1_667_415_412).unwrap());
    request.extended_attributes = vec![
        ExtendedAttribute {
            key: "zz".into(),
            value: "1".into(),
            critical: true,
        },
        ExtendedAttribute {
            key: "a".into(),
            value: "2".into(),
            critical: true,
        },
    ];
    let protected = protected_header_bytes(&request, SignatureAlgorithm::RsaPssSha384).unwrap();
    let crit = arr(&[
        tstr("io.cncf.notary.signingScheme"),
        tstr("io.cncf.notary.authenticSigningTime"),
        tstr("io.cncf.notary.expiry"),
        tstr("zz"),
        tstr("a"),
    ]);
    // Keys sorted length-first: 1, 2, 3, "a", "zz", expiry, signingScheme, authenticSigningTime.
    let expected = map(&[
        (int(1), int(-38)),
        (int(2), crit),
        (int(3), tstr(notary_core::PAYLOAD_MEDIA_TYPE)),
        (tstr("a"), tstr("2")),
        (tstr("zz"), tstr("1")),
        (tstr("io.cncf.notary.expiry"), tag(1, int(1_667_415_412))),
        (
            tstr("io.cncf.notary.signingScheme"),
            tstr("notary.x509.signingAuthority"),
        ),
        (
            tstr("io.cncf.notary.authenticSigningTime"),
            tag(1, int(1_667_411_812)),
        ),
    ]);
    assert_eq!(hex::encode(protected), hex::encode(expected));
}
