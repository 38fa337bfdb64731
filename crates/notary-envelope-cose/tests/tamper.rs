//! Sign/verify round trips and one typed error per tampering or rule violation.

mod common;

use common::*;
use notary_core::{
    AttributeKey, AttributeValue, ExtendedAttribute, KeySpec, RawSignature, SignRequest,
    SignatureAlgorithm, Signer, SigningScheme, header,
};
use notary_envelope_cose::{
    Error, MAX_ENVELOPE_SIZE, UnverifiedCose, protected_header_bytes, sig_structure, sign,
};
use time::OffsetDateTime;

const T0: i64 = 1_661_321_924;
const PAYLOAD: &[u8] = br#"{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333","size":16724}}"#;
const CTY: &str = "application/vnd.cncf.notary.payload.v1+json";

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

/// A valid x509-scheme ES256 protected header with an expiry, as (key, value) pairs.
fn good_protected() -> Pairs {
    vec![
        (int(1), int(-7)),
        (
            int(2),
            arr(&[tstr(header::SIGNING_SCHEME), tstr(header::EXPIRY)]),
        ),
        (int(3), tstr(CTY)),
        (tstr(header::SIGNING_SCHEME), tstr("notary.x509")),
        (tstr(header::SIGNING_TIME), tag(1, int(T0))),
        (tstr(header::EXPIRY), tag(1, int(T0 + 3600))),
    ]
}

fn set(pairs: &mut Pairs, key: Vec<u8>, value: Vec<u8>) {
    match pairs.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => pairs.push((key, value)),
    }
}

fn remove(pairs: &mut Pairs, key: Vec<u8>) {
    pairs.retain(|(k, _)| *k != key);
}

fn chain_of(signer: &EcSigner) -> Pairs {
    vec![(int(33), arr(&[bstr(&signer.leaf())]))]
}

/// An envelope whose signature is valid for the given (possibly rule-breaking) headers.
fn build(signer: &EcSigner, protected: &[u8], unprotected: &[u8]) -> Vec<u8> {
    let sig = signer.raw_sign(&sig_structure(protected, PAYLOAD));
    sign1(protected, unprotected, PAYLOAD, &sig)
}

fn with_protected(signer: &EcSigner, protected: &Pairs) -> Vec<u8> {
    build(signer, &map(protected), &map(&chain_of(signer)))
}

/// A valid envelope with `protected`, verified.
fn verified_with(protected: &Pairs) -> notary_core::VerifiedEnvelope {
    UnverifiedCose::parse(&with_protected(&EcSigner::new(KeySpec::EcP256), protected))
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap()
}

fn parse_err(bytes: &[u8]) -> Error {
    UnverifiedCose::parse(bytes).expect_err("envelope must be rejected")
}

fn protected_err(protected: &Pairs) -> Error {
    parse_err(&with_protected(&EcSigner::new(KeySpec::EcP256), protected))
}

fn request() -> SignRequest {
    let mut r = SignRequest::new(PAYLOAD.to_vec(), at(T0));
    r.expiry = Some(at(T0 + 3600));
    r.signing_agent = Some("notary-rs/0.1.0".into());
    r
}

// --- round trips -------------------------------------------------------------------------------

#[test]
fn hand_built_valid_envelope_verifies() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let bytes = with_protected(&signer, &good_protected());
    let verified = UnverifiedCose::parse(&bytes)
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    assert_eq!(verified.payload(), PAYLOAD);
    assert_eq!(
        verified.signer_info().signed_attributes.expiry,
        Some(at(T0 + 3600))
    );
}

#[test]
fn sign_then_verify_every_ec_curve_and_rsa() {
    for spec in [KeySpec::EcP256, KeySpec::EcP384, KeySpec::EcP521] {
        let signer = EcSigner::new(spec);
        let bytes = sign(&request(), &signer).unwrap();
        let parsed = UnverifiedCose::parse(&bytes).unwrap();
        assert_eq!(parsed.certificate_chain(), signer.chain.as_slice());
        let verified = parsed.verify(&FakeCertVerifier).unwrap();
        assert_eq!(
            verified.signer_info().signature_algorithm,
            spec.signature_algorithm()
        );
        assert_eq!(verified.payload(), PAYLOAD);
        assert_eq!(
            parsed.to_bytes(),
            bytes,
            "canonical output re-encodes identically"
        );
    }
    let rsa = RsaSigner::new_2048();
    let bytes = sign(&request(), &rsa).unwrap();
    let verified = UnverifiedCose::parse(&bytes)
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    assert_eq!(
        verified.signer_info().signature_algorithm,
        SignatureAlgorithm::RsaPssSha256
    );
}

#[test]
fn signing_authority_round_trip_with_extended_attributes() {
    let signer = EcSigner::new(KeySpec::EcP384);
    let mut req = request();
    req.signing_scheme = SigningScheme::X509SigningAuthority;
    // Sub-second precision is truncated, as notation does.
    req.signing_time = at(T0) + time::Duration::milliseconds(750);
    req.extended_attributes = vec![
        ExtendedAttribute {
            key: header::VERIFICATION_PLUGIN.into(),
            value: "com.example.plugin".into(),
            critical: true,
        },
        ExtendedAttribute {
            key: AttributeKey::Int(-70_000),
            value: AttributeValue::Int(-5),
            critical: true,
        },
        ExtendedAttribute {
            key: "bytes".into(),
            value: AttributeValue::Bytes(vec![1, 2, 3]),
            critical: false,
        },
        ExtendedAttribute {
            key: "flag".into(),
            value: AttributeValue::Bool(true),
            critical: false,
        },
        ExtendedAttribute {
            key: "nested".into(),
            // {"b": 1, "a": [null]} given unsorted; re-encoded canonically.
            value: AttributeValue::Cbor(map(&[
                (tstr("b"), int(1)),
                (tstr("a"), arr(&[vec![0xf6]])),
            ])),
            critical: false,
        },
    ];
    let bytes = sign(&req, &signer).unwrap();
    let verified = UnverifiedCose::parse(&bytes)
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    let attrs = &verified.signer_info().signed_attributes;
    assert_eq!(attrs.signing_scheme, SigningScheme::X509SigningAuthority);
    assert_eq!(attrs.signing_time, None);
    assert_eq!(attrs.authentic_signing_time, Some(at(T0)));
    let plugin = attrs.extended(header::VERIFICATION_PLUGIN).unwrap();
    assert!(plugin.critical);
    assert_eq!(
        plugin.value,
        AttributeValue::Text("com.example.plugin".into())
    );
    let int_attr = attrs
        .extended_attributes
        .iter()
        .find(|a| a.key == AttributeKey::Int(-70_000))
        .unwrap();
    assert!(int_attr.critical);
    assert_eq!(int_attr.value, AttributeValue::Int(-5));
    assert_eq!(
        attrs.extended("bytes").unwrap().value,
        AttributeValue::Bytes(vec![1, 2, 3])
    );
    assert_eq!(
        attrs.extended("flag").unwrap().value,
        AttributeValue::Bool(true)
    );
    assert!(!attrs.extended("flag").unwrap().critical);
    assert_eq!(
        attrs.extended("nested").unwrap().value,
        AttributeValue::Cbor(map(&[(tstr("a"), arr(&[vec![0xf6]])), (tstr("b"), int(1))]))
    );
    assert_eq!(
        verified
            .signer_info()
            .unsigned_attributes
            .signing_agent
            .as_deref(),
        Some("notary-rs/0.1.0")
    );
}

#[test]
fn unknown_critical_extended_attributes_are_returned_not_rejected() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut p = good_protected();
    set(
        &mut p,
        int(2),
        arr(&[
            tstr(header::SIGNING_SCHEME),
            tstr(header::EXPIRY),
            tstr("com.example.unknown"),
            int(-65_537),
        ]),
    );
    p.push((tstr("com.example.unknown"), tstr("v")));
    p.push((int(-65_537), arr(&[int(1)])));
    p.push((int(4), bstr(b"kid")));
    let verified = UnverifiedCose::parse(&with_protected(&signer, &p))
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    let ext = &verified.signer_info().signed_attributes.extended_attributes;
    assert_eq!(ext.len(), 3);
    assert_eq!(ext[0].key, AttributeKey::Text("com.example.unknown".into()));
    assert!(ext[0].critical);
    assert_eq!(ext[1].key, AttributeKey::Int(-65_537));
    assert!(ext[1].critical);
    assert_eq!(ext[1].value, AttributeValue::Cbor(arr(&[int(1)])));
    assert_eq!(ext[2].key, AttributeKey::Int(4));
    assert!(!ext[2].critical);
}

#[test]
fn verification_uses_received_protected_bytes_even_if_not_canonical() {
    // Unsorted keys and a non-shortest integer head: still valid, still verified as received.
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut p = good_protected();
    p.reverse();
    set(&mut p, int(1), vec![0x38, 0x06]); // -7 written as 0x38 0x06
    let bytes = with_protected(&signer, &p);
    let parsed = UnverifiedCose::parse(&bytes).unwrap();
    parsed.verify(&FakeCertVerifier).unwrap();
    // to_bytes keeps those protected bytes untouched.
    assert_eq!(parsed.to_bytes(), bytes);
}

#[test]
fn timestamp_can_be_added_without_breaking_the_signature() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let bytes = sign(&request(), &signer).unwrap();
    let mut parsed = UnverifiedCose::parse(&bytes).unwrap();
    assert!(
        parsed
            .inspect()
            .unwrap()
            .signer_info
            .unsigned_attributes
            .timestamp_signature
            .is_none()
    );
    parsed.set_timestamp_signature(b"token-1".to_vec());
    parsed.set_timestamp_signature(b"token-2".to_vec());
    let stamped = parsed.to_bytes();
    let verified = UnverifiedCose::parse(&stamped)
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    let unsigned = &verified.signer_info().unsigned_attributes;
    assert_eq!(
        unsigned.timestamp_signature.as_deref(),
        Some(&b"token-2"[..])
    );
    assert_eq!(unsigned.signing_agent.as_deref(), Some("notary-rs/0.1.0"));
}

#[test]
fn unknown_unprotected_headers_survive_re_encoding() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut u = chain_of(&signer);
    u.push((tstr("com.example.note"), arr(&[int(7)])));
    let bytes = build(&signer, &map(&good_protected()), &map(&u));
    let mut parsed = UnverifiedCose::parse(&bytes).unwrap();
    parsed.set_timestamp_signature(vec![1]);
    let out = parsed.to_bytes();
    let needle = [tstr("com.example.note"), arr(&[int(7)])].concat();
    assert!(out.windows(needle.len()).any(|w| w == needle.as_slice()));
    UnverifiedCose::parse(&out)
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
}

// --- signature, payload, chain, algorithm ------------------------------------------------------

#[test]
fn payload_tampering_fails() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    let sig = signer.raw_sign(&sig_structure(&p, PAYLOAD));
    let mut other = PAYLOAD.to_vec();
    other[10] ^= 1;
    let bytes = sign1(&p, &map(&chain_of(&signer)), &other, &sig);
    assert!(matches!(
        UnverifiedCose::parse(&bytes)
            .unwrap()
            .verify(&FakeCertVerifier),
        Err(Error::SignatureInvalid { .. })
    ));
}

#[test]
fn signature_tampering_fails() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    let mut sig = signer.raw_sign(&sig_structure(&p, PAYLOAD));
    sig[5] ^= 1;
    let bytes = sign1(&p, &map(&chain_of(&signer)), PAYLOAD, &sig);
    assert!(matches!(
        UnverifiedCose::parse(&bytes)
            .unwrap()
            .verify(&FakeCertVerifier),
        Err(Error::SignatureInvalid { .. })
    ));
}

#[test]
fn protected_header_value_tampering_fails() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    let sig = signer.raw_sign(&sig_structure(&p, PAYLOAD));
    let mut changed = good_protected();
    set(
        &mut changed,
        tstr(header::SIGNING_TIME),
        tag(1, int(T0 - 1)),
    );
    let bytes = sign1(&map(&changed), &map(&chain_of(&signer)), PAYLOAD, &sig);
    assert!(matches!(
        UnverifiedCose::parse(&bytes)
            .unwrap()
            .verify(&FakeCertVerifier),
        Err(Error::SignatureInvalid { .. })
    ));
}

#[test]
fn chain_tampering_fails() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let other = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    let sig = signer.raw_sign(&sig_structure(&p, PAYLOAD));
    // Same key type, different key.
    let bytes = sign1(&p, &map(&chain_of(&other)), PAYLOAD, &sig);
    assert!(matches!(
        UnverifiedCose::parse(&bytes)
            .unwrap()
            .verify(&FakeCertVerifier),
        Err(Error::SignatureInvalid { .. })
    ));
    // A leaf of another key type: caught before any signature check.
    let p384 = EcSigner::new(KeySpec::EcP384);
    let bytes = sign1(&p, &map(&chain_of(&p384)), PAYLOAD, &sig);
    assert_eq!(
        UnverifiedCose::parse(&bytes)
            .unwrap()
            .verify(&FakeCertVerifier),
        Err(Error::AlgorithmMismatch {
            declared: "ECDSA-SHA-256".into(),
            certificate: "EC-384".into()
        })
    );
    // A leaf the verifier cannot read.
    let bytes = sign1(&p, &map(&[(int(33), arr(&[bstr(&[200])]))]), PAYLOAD, &sig);
    assert!(matches!(
        UnverifiedCose::parse(&bytes)
            .unwrap()
            .verify(&FakeCertVerifier),
        Err(Error::CertificateKey { .. })
    ));
}

#[test]
fn declared_algorithm_must_match_leaf_key() {
    let signer = EcSigner::new(KeySpec::EcP256);
    for alg in [
        SignatureAlgorithm::EcdsaSha384,
        SignatureAlgorithm::RsaPssSha256,
    ] {
        let protected = protected_header_bytes(&request(), alg).unwrap();
        let sig = signer.raw_sign(&sig_structure(&protected, PAYLOAD));
        let bytes = sign1(&protected, &map(&chain_of(&signer)), PAYLOAD, &sig);
        assert!(matches!(
            UnverifiedCose::parse(&bytes)
                .unwrap()
                .verify(&FakeCertVerifier),
            Err(Error::AlgorithmMismatch { .. })
        ));
    }
}

// --- COSE structure -----------------------------------------------------------------------------

fn valid() -> (EcSigner, Vec<u8>, Vec<u8>) {
    let signer = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    let sig = signer.raw_sign(&sig_structure(&p, PAYLOAD));
    (signer, p, sig)
}

#[test]
fn untagged_or_wrongly_tagged_messages_are_rejected() {
    let (signer, p, sig) = valid();
    let tagged = sign1(&p, &map(&chain_of(&signer)), PAYLOAD, &sig);
    assert!(matches!(
        parse_err(&tagged[1..]),
        Error::NotSign1Tagged { found } if found == "array of 4 items"
    ));
    let mut sign_tag = tagged.clone();
    sign_tag.splice(0..1, [0xd8, 98]);
    assert!(matches!(parse_err(&sign_tag), Error::NotSign1Tagged { found } if found == "tag 98"));
    let mut three = tagged.clone();
    three[1] = 0x83;
    assert!(matches!(parse_err(&three), Error::NotSign1Array { .. }));
    let mut trailing = tagged.clone();
    trailing.push(0);
    assert!(matches!(
        parse_err(&trailing),
        Error::CborTrailingBytes { .. }
    ));
}

#[test]
fn only_the_shortest_sign1_heads_are_accepted() {
    // The tag and array heads are outside the signature: longer encodings of the same heads
    // would let one signature travel in several different blobs. go-cose requires `d2 84`.
    let (signer, p, sig) = valid();
    let tagged = sign1(&p, &map(&chain_of(&signer)), PAYLOAD, &sig);
    assert_eq!(&tagged[..2], &[0xd2, 0x84]);
    for (prefix, tag_form) in [
        (&[0xd8, 0x12, 0x84][..], true),
        (&[0xd9, 0x00, 0x12, 0x84][..], true),
        (&[0xd2, 0x98, 0x04][..], false),
    ] {
        let mut long = prefix.to_vec();
        long.extend_from_slice(&tagged[2..]);
        let err = parse_err(&long);
        if tag_form {
            assert!(matches!(err, Error::NotSign1Tagged { .. }), "{err:?}");
        } else {
            assert!(matches!(err, Error::NotSign1Array { .. }), "{err:?}");
        }
    }
}

#[test]
fn generic_cose_header_rules_of_go_cose_are_applied() {
    let signer = EcSigner::new(KeySpec::EcP256);
    // kid (4), IV (5), Partial IV (6) must be byte strings, in either bucket.
    for label in [4, 5, 6] {
        let mut p = good_protected();
        p.push((int(label), int(1)));
        assert!(
            matches!(
                protected_err(&p),
                Error::InvalidHeaderType {
                    expected: "byte string",
                    ..
                }
            ),
            "protected {label}"
        );
        let mut u = chain_of(&signer);
        u.push((int(label), tstr("x")));
        assert!(
            matches!(
                parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
                Error::InvalidHeaderType {
                    expected: "byte string",
                    ..
                }
            ),
            "unprotected {label}"
        );
    }
    let mut p = good_protected();
    p.push((int(4), bstr(b"key id")));
    let bytes = with_protected(&signer, &p);
    assert!(
        UnverifiedCose::parse(&bytes).is_ok(),
        "a byte-string kid is fine"
    );
    // Never both IVs.
    let mut p = good_protected();
    p.push((int(5), bstr(b"iv")));
    p.push((int(6), bstr(b"piv")));
    assert_eq!(
        protected_err(&p),
        Error::IvWithPartialIv {
            iv: "protected",
            partial_iv: "protected"
        }
    );
    // Counter signatures are never protected; unprotected ones must have their type.
    for label in [7, 9, 11, 12] {
        let mut p = good_protected();
        p.push((int(label), bstr(b"x")));
        assert!(
            matches!(
                protected_err(&p),
                Error::MisplacedHeader {
                    bucket: "protected",
                    ..
                }
            ),
            "{label}"
        );
    }
    let mut u = chain_of(&signer);
    u.push((int(9), int(0)));
    assert!(matches!(
        parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
        Error::InvalidHeaderType {
            expected: "byte string",
            ..
        }
    ));
}

#[test]
fn typ_and_countersignatures_follow_go_cose() {
    // typ (16), in either bucket: an unsigned integer or text of the form type/subtype; an
    // unprotected counter signature (7, 11): one COSE_Countersignature or a list of them.
    // Each refusal checked against notation-core-go v1.3.0 (go-cose v1.3.0).
    let signer = EcSigner::new(KeySpec::EcP256);
    let with_unprotected = |extra: (Vec<u8>, Vec<u8>)| {
        let mut u = chain_of(&signer);
        u.push(extra);
        UnverifiedCose::parse(&build(&signer, &map(&good_protected()), &map(&u)))
    };
    for (typ, ok) in [
        (int(-5), false),
        (tstr("notary"), false),
        (tstr("a/b/c"), false),
        (tstr(" application/cose"), false),
        (bstr(b"x"), false),
        (tstr("application/cose"), true),
        (int(18), true),
    ] {
        let mut p = good_protected();
        p.push((int(16), typ.clone()));
        let protected = UnverifiedCose::parse(&with_protected(&signer, &p));
        assert_eq!(
            protected.is_ok(),
            ok,
            "protected typ {typ:02x?}: {protected:?}"
        );
        let unprotected = with_unprotected((int(16), typ.clone()));
        assert_eq!(unprotected.is_ok(), ok, "unprotected typ {typ:02x?}");
    }
    let one = arr(&[bstr(&[]), map(&[]), bstr(b"sig")]);
    let with_protected_map = arr(&[bstr(&map(&[(int(1), int(-7))])), map(&[]), bstr(b"sig")]);
    for label in [7, 11] {
        for (value, ok) in [
            (arr(&[int(1), int(2)]), false),
            (arr(&[bstr(&[]), map(&[]), bstr(&[])]), false),
            (arr(&[bstr(b"not a map"), map(&[]), bstr(b"sig")]), false),
            (one.clone(), true),
            (with_protected_map.clone(), true),
            (arr(&[one.clone(), with_protected_map.clone()]), true),
            (arr(&[]), true),
        ] {
            let r = with_unprotected((int(label), value.clone()));
            assert_eq!(r.is_ok(), ok, "{label}: {value:02x?}: {r:?}");
        }
    }
}

#[test]
fn iv_and_partial_iv_are_refused_across_buckets() {
    // RFC 9052 §3.1: never both, whichever bucket holds each (go-cose's ensureIV; every
    // notation-go release refuses these).
    let signer = EcSigner::new(KeySpec::EcP256);
    for (iv, piv, iv_bucket, piv_bucket) in [
        (true, false, "protected", "unprotected"),
        (false, true, "unprotected", "protected"),
    ] {
        let mut p = good_protected();
        let mut u = chain_of(&signer);
        let (protected_label, unprotected_label) = if iv { (5, 6) } else { (6, 5) };
        assert!(iv != piv);
        p.push((int(protected_label), bstr(b"0123456789abcdef")));
        u.push((int(unprotected_label), bstr(b"\x01")));
        let err = parse_err(&build(&signer, &map(&p), &map(&u)));
        assert_eq!(
            err,
            Error::IvWithPartialIv {
                iv: iv_bucket,
                partial_iv: piv_bucket
            }
        );
        assert!(err.to_string().contains("IV (5)"), "{err}");
        assert!(err.to_string().contains("Partial IV (6)"), "{err}");
    }
    // Either one alone, in either bucket, is fine.
    for label in [5, 6] {
        let mut p = good_protected();
        p.push((int(label), bstr(b"iv")));
        assert!(UnverifiedCose::parse(&with_protected(&signer, &p)).is_ok());
        let mut u = chain_of(&signer);
        u.push((int(label), bstr(b"iv")));
        assert!(UnverifiedCose::parse(&build(&signer, &map(&good_protected()), &map(&u))).is_ok());
    }
}

/// One COSE_Countersignature with the given protected map (empty: no protected bytes) and
/// unprotected map.
fn countersignature(protected: &Pairs, unprotected: &Pairs) -> Vec<u8> {
    let protected = if protected.is_empty() {
        Vec::new()
    } else {
        map(protected)
    };
    arr(&[bstr(&protected), map(unprotected), bstr(b"sig")])
}

#[test]
fn countersignature_headers_follow_go_cose() {
    // go-cose v1.3.0 (notation-go v1.3) decodes each countersignature in labels 7 and 11 and
    // applies its header rules to the countersignature's own two header maps.
    let signer = EcSigner::new(KeySpec::EcP256);
    let parse_with = |label: i64, value: Vec<u8>| {
        let mut u = chain_of(&signer);
        u.push((int(label), value));
        UnverifiedCose::parse(&build(&signer, &map(&good_protected()), &map(&u)))
    };
    let nested_err = |label: i64, value: Vec<u8>| -> Error {
        match parse_with(label, value) {
            Err(Error::InvalidCountersignature { header, source }) => {
                assert!(header.contains(&format!("({label})")), "{header}");
                *source
            }
            other => panic!("{label}: expected InvalidCountersignature, got {other:?}"),
        }
    };
    let alg = (int(1), int(-7));
    type Expected = fn(&Error) -> bool;
    let refused: Vec<(&str, Vec<u8>, Expected)> = vec![
        (
            "kid as text, protected",
            countersignature(&vec![alg.clone(), (int(4), tstr("text"))], &vec![]),
            |e| matches!(e, Error::InvalidHeaderType { header, expected: "byte string", .. } if header == "kid (4)"),
        ),
        (
            "kid as text, unprotected",
            countersignature(&vec![], &vec![(int(4), tstr("text"))]),
            |e| {
                matches!(
                    e,
                    Error::InvalidHeaderType {
                        expected: "byte string",
                        ..
                    }
                )
            },
        ),
        (
            "IV not bytes",
            countersignature(&vec![], &vec![(int(5), int(1))]),
            |e| {
                matches!(
                    e,
                    Error::InvalidHeaderType {
                        expected: "byte string",
                        ..
                    }
                )
            },
        ),
        (
            "IV and Partial IV in one bucket",
            countersignature(&vec![], &vec![(int(5), bstr(b"a")), (int(6), bstr(b"b"))]),
            |e| {
                matches!(
                    e,
                    Error::IvWithPartialIv {
                        iv: "unprotected",
                        partial_iv: "unprotected"
                    }
                )
            },
        ),
        (
            "IV protected, Partial IV unprotected",
            countersignature(&vec![(int(5), bstr(b"a"))], &vec![(int(6), bstr(b"b"))]),
            |e| {
                matches!(
                    e,
                    Error::IvWithPartialIv {
                        iv: "protected",
                        partial_iv: "unprotected"
                    }
                )
            },
        ),
        (
            "alg as bytes",
            countersignature(&vec![(int(1), bstr(b"x"))], &vec![]),
            |e| {
                matches!(
                    e,
                    Error::InvalidHeaderType {
                        expected: "integer or text string",
                        ..
                    }
                )
            },
        ),
        (
            "crit unprotected",
            countersignature(&vec![], &vec![(int(2), arr(&[int(1)]))]),
            |e| {
                matches!(
                    e,
                    Error::MisplacedHeader {
                        bucket: "unprotected",
                        ..
                    }
                )
            },
        ),
        (
            "crit empty",
            countersignature(&vec![alg.clone(), (int(2), arr(&[]))], &vec![]),
            |e| matches!(e, Error::EmptyCrit),
        ),
        (
            "crit names an absent label",
            countersignature(&vec![alg.clone(), (int(2), arr(&[int(4)]))], &vec![]),
            |e| matches!(e, Error::CritLabelNotPresent { .. }),
        ),
        (
            "crit entry a byte string",
            countersignature(&vec![alg.clone(), (int(2), arr(&[bstr(b"x")]))], &vec![]),
            |e| matches!(e, Error::InvalidCritEntry { .. }),
        ),
        (
            "content type without a slash",
            countersignature(&vec![], &vec![(int(3), tstr("text"))]),
            |e| matches!(e, Error::InvalidHeaderType { header, .. } if header == "content type (3)"),
        ),
        (
            "content type negative",
            countersignature(&vec![], &vec![(int(3), int(-1))]),
            |e| matches!(e, Error::InvalidHeaderType { .. }),
        ),
        (
            "counter signature in its protected header",
            countersignature(&vec![(int(9), bstr(b"x"))], &vec![]),
            |e| {
                matches!(
                    e,
                    Error::MisplacedHeader {
                        bucket: "protected",
                        ..
                    }
                )
            },
        ),
        (
            "protected header not a map",
            arr(&[bstr(&arr(&[])), map(&[]), bstr(b"sig")]),
            |e| matches!(e, Error::ProtectedHeaderNotMap { .. }),
        ),
        (
            "empty signature",
            arr(&[bstr(&[]), map(&[]), bstr(&[])]),
            |e| matches!(e, Error::EmptySignature),
        ),
        (
            "label a byte string",
            countersignature(&vec![], &vec![(bstr(b"x"), int(1))]),
            |e| matches!(e, Error::InvalidHeaderLabel { .. }),
        ),
        (
            "nested countersignature invalid",
            countersignature(&vec![], &vec![(int(11), int(5))]),
            |e| matches!(e, Error::InvalidHeaderType { .. }),
        ),
        (
            "nested countersignature with kid as text",
            countersignature(
                &vec![],
                &vec![(
                    int(7),
                    countersignature(&vec![], &vec![(int(4), tstr("x"))]),
                )],
            ),
            |e| {
                matches!(e, Error::InvalidCountersignature { source, .. }
                if matches!(**source, Error::InvalidHeaderType { expected: "byte string", .. }))
            },
        ),
    ];
    for label in [7, 11] {
        for (name, value, expected) in &refused {
            let err = nested_err(label, value.clone());
            assert!(expected(&err), "{label} {name}: {err:?}");
            // The same countersignature in a list is refused the same way.
            let listed = nested_err(
                label,
                arr(&[countersignature(&vec![], &vec![]), value.clone()]),
            );
            assert_eq!(listed, err, "{label} {name} in a list");
        }
        // What go-cose accepts stays accepted.
        for (name, value) in [
            (
                "kid and IV as bytes",
                countersignature(
                    &vec![alg.clone(), (int(4), bstr(b"k"))],
                    &vec![(int(5), bstr(b"iv"))],
                ),
            ),
            (
                "alg as text",
                countersignature(&vec![(int(1), tstr("ES256"))], &vec![(int(1), int(-7))]),
            ),
            (
                "crit listing a present label twice",
                countersignature(
                    &vec![alg.clone(), (int(2), arr(&[int(1), int(1)]))],
                    &vec![],
                ),
            ),
            (
                "content type a number",
                countersignature(&vec![(int(3), int(50))], &vec![(int(3), tstr("a/b"))]),
            ),
            (
                "nested countersignatures",
                countersignature(
                    &vec![],
                    &vec![(
                        int(11),
                        arr(&[countersignature(&vec![alg.clone()], &vec![])]),
                    )],
                ),
            ),
            (
                "unknown labels",
                countersignature(
                    &vec![(tstr("x"), tag(1, int(0)))],
                    &vec![(int(99), tstr("y"))],
                ),
            ),
        ] {
            let r = parse_with(label, value);
            assert!(r.is_ok(), "{label} {name}: {r:?}");
        }
    }
}

#[test]
fn countersignature_protected_bytes_share_the_envelope_item_budget() {
    // Each protected bstr decoded alone stays under the item cap; together they do not. The
    // budget is the envelope's, so work stays linear in the input however it is split.
    let signer = EcSigner::new(KeySpec::EcP256);
    let per = 40_000usize;
    let one_protected = map(&[(tstr("x"), arr(&vec![int(0); per]))]);
    let cs = arr(&[bstr(&one_protected), map(&[]), bstr(b"sig")]);
    let mut u = chain_of(&signer);
    u.push((int(11), arr(&vec![cs.clone(); 4])));
    assert!(matches!(
        parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
        Error::InvalidCountersignature { source, .. } if matches!(*source, Error::CborTooManyItems { .. })
    ));
    let mut u = chain_of(&signer);
    u.push((int(11), arr(&vec![cs; 2])));
    assert!(UnverifiedCose::parse(&build(&signer, &map(&good_protected()), &map(&u))).is_ok());
}

#[test]
fn tags_are_refused_in_the_unprotected_header() {
    // go-cose decodes everything outside the protected bytes with tags forbidden.
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut u = chain_of(&signer);
    u.push((tstr("foo"), tag(1, int(0))));
    assert!(matches!(
        parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
        Error::InvalidHeaderType { found, .. } if found == "tag 1"
    ));
    let mut u = chain_of(&signer);
    u.push((tstr("foo"), [head(4, 1), tag(2, bstr(b"n"))].concat()));
    assert!(matches!(
        parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
        Error::InvalidHeaderType { .. }
    ));
    // Untagged, the same unknown entry is ignored as before.
    let mut u = chain_of(&signer);
    u.push((tstr("foo"), int(0)));
    assert!(UnverifiedCose::parse(&build(&signer, &map(&good_protected()), &map(&u))).is_ok());
}

#[test]
fn sign1_member_types_are_enforced() {
    let (signer, p, sig) = valid();
    let u = map(&chain_of(&signer));
    let build_raw = |parts: [Vec<u8>; 4]| {
        let mut v = tag(18, head(4, 4));
        for part in parts {
            v.extend(part);
        }
        v
    };
    let err = parse_err(&build_raw([
        p.clone(),
        u.clone(),
        bstr(PAYLOAD),
        bstr(&sig),
    ]));
    assert!(matches!(
        err,
        Error::InvalidSign1Field {
            field: "protected",
            ..
        }
    ));
    let err = parse_err(&build_raw([bstr(&p), arr(&[]), bstr(PAYLOAD), bstr(&sig)]));
    assert!(matches!(
        err,
        Error::InvalidSign1Field {
            field: "unprotected",
            ..
        }
    ));
    let err = parse_err(&build_raw([bstr(&p), u.clone(), vec![0xf6], bstr(&sig)]));
    assert_eq!(err, Error::DetachedPayload);
    let err = parse_err(&build_raw([bstr(&p), u.clone(), tstr("x"), bstr(&sig)]));
    assert!(matches!(
        err,
        Error::InvalidSign1Field {
            field: "payload",
            ..
        }
    ));
    let err = parse_err(&build_raw([bstr(&p), u.clone(), bstr(PAYLOAD), tstr("s")]));
    assert!(matches!(
        err,
        Error::InvalidSign1Field {
            field: "signature",
            ..
        }
    ));
    assert_eq!(parse_err(&sign1(&p, &u, b"", &sig)), Error::EmptyPayload);
    assert_eq!(
        parse_err(&sign1(&p, &u, PAYLOAD, b"")),
        Error::EmptySignature
    );
    assert_eq!(
        parse_err(&sign1(b"", &u, PAYLOAD, &sig)),
        Error::EmptyProtectedHeader
    );
    assert!(matches!(
        parse_err(&sign1(&arr(&[]), &u, PAYLOAD, &sig)),
        Error::ProtectedHeaderNotMap { .. }
    ));
    let mut trailing = p.clone();
    trailing.push(0);
    assert!(matches!(
        parse_err(&sign1(&trailing, &u, PAYLOAD, &sig)),
        Error::CborTrailingBytes { .. }
    ));
}

#[test]
fn indefinite_lengths_are_rejected() {
    let (signer, p, sig) = valid();
    let u = map(&chain_of(&signer));
    // Payload as an indefinite-length byte string.
    let mut v = tag(18, head(4, 4));
    v.extend(bstr(&p));
    v.extend(&u);
    v.extend([0x5f]);
    v.extend(bstr(PAYLOAD));
    v.extend([0xff]);
    v.extend(bstr(&sig));
    assert!(matches!(parse_err(&v), Error::CborIndefiniteLength { .. }));
    // Indefinite-length protected map.
    let mut indefinite = vec![0xbf];
    for (k, val) in good_protected() {
        indefinite.extend(k);
        indefinite.extend(val);
    }
    indefinite.push(0xff);
    assert!(matches!(
        parse_err(&build(&signer, &indefinite, &u)),
        Error::CborIndefiniteLength { offset: 0 }
    ));
    // Indefinite-length x5chain array.
    let mut u_indef = head(5, 1);
    u_indef.extend(int(33));
    u_indef.push(0x9f);
    u_indef.extend(bstr(&signer.leaf()));
    u_indef.push(0xff);
    assert!(matches!(
        parse_err(&build(&signer, &p, &u_indef)),
        Error::CborIndefiniteLength { .. }
    ));
}

#[test]
fn duplicate_keys_are_rejected() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut p = good_protected();
    p.push((tstr(header::SIGNING_SCHEME), tstr("notary.x509")));
    assert!(matches!(protected_err(&p), Error::CborDuplicateKey { .. }));
    let mut u = chain_of(&signer);
    u.push((tstr(header::SIGNING_AGENT), tstr("a")));
    u.push((tstr(header::SIGNING_AGENT), tstr("b")));
    assert!(matches!(
        parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
        Error::CborDuplicateKey { .. }
    ));
}

#[test]
fn oversized_input_is_rejected_before_decoding() {
    let big = vec![0u8; MAX_ENVELOPE_SIZE + 1];
    assert_eq!(
        parse_err(&big),
        Error::InputTooLarge {
            size: MAX_ENVELOPE_SIZE + 1,
            limit: MAX_ENVELOPE_SIZE
        }
    );
}

#[test]
fn deep_nesting_in_an_attribute_is_rejected() {
    let mut p = good_protected();
    let mut deep = int(0);
    for _ in 0..40 {
        deep = arr(&[deep]);
    }
    p.push((tstr("deep"), deep));
    assert!(matches!(
        protected_err(&p),
        Error::CborNestingTooDeep { .. }
    ));
}

// --- protected header rules ---------------------------------------------------------------------

fn missing(header: &str) -> Error {
    Error::MissingHeader {
        header: header.into(),
    }
}

#[test]
fn alg_rules() {
    let mut p = good_protected();
    remove(&mut p, int(1));
    assert_eq!(protected_err(&p), missing("alg (1)"));
    set(&mut p, int(1), tstr("ES256"));
    assert!(
        matches!(protected_err(&p), Error::InvalidHeaderType { header, .. } if header == "alg (1)")
    );
    set(&mut p, int(1), int(-8));
    assert_eq!(
        protected_err(&p),
        Error::UnsupportedAlgorithm { value: "-8".into() }
    );
    // Outside int64: refused while decoding, as go-cose does.
    set(&mut p, int(1), head(1, u64::MAX));
    assert!(matches!(protected_err(&p), Error::CborMalformed { .. }));
}

#[test]
fn crit_rules() {
    let crit = |items: &[Vec<u8>]| {
        let mut p = good_protected();
        set(&mut p, int(2), arr(items));
        protected_err(&p)
    };
    let scheme = tstr(header::SIGNING_SCHEME);
    let expiry = tstr(header::EXPIRY);

    let mut p = good_protected();
    remove(&mut p, int(2));
    assert_eq!(protected_err(&p), missing("crit (2)"));
    set(&mut p, int(2), tstr(header::SIGNING_SCHEME));
    assert!(
        matches!(protected_err(&p), Error::InvalidHeaderType { header, .. } if header == "crit (2)")
    );

    assert_eq!(crit(&[]), Error::EmptyCrit);
    assert!(matches!(
        crit(&[scheme.clone(), vec![0xf5]]),
        Error::InvalidCritEntry { .. }
    ));
    assert_eq!(
        crit(std::slice::from_ref(&expiry)),
        Error::HeaderNotCritical {
            header: header::SIGNING_SCHEME.into()
        }
    );
    assert_eq!(
        crit(std::slice::from_ref(&scheme)),
        Error::HeaderNotCritical {
            header: header::EXPIRY.into()
        }
    );
    for forbidden in [int(0), int(1), int(3), int(8)] {
        assert!(matches!(
            crit(&[scheme.clone(), expiry.clone(), forbidden]),
            Error::CritLabelForbidden { .. }
        ));
    }
    assert_eq!(
        crit(&[scheme.clone(), expiry.clone(), tstr(header::SIGNING_TIME)]),
        Error::CritLabelForbidden {
            label: format!("{:?}", header::SIGNING_TIME)
        }
    );
    assert!(matches!(
        crit(&[scheme.clone(), expiry.clone(), scheme.clone()]),
        Error::CritDuplicate { .. }
    ));
    assert_eq!(
        crit(&[scheme.clone(), expiry.clone(), tstr("absent")]),
        Error::CritLabelNotPresent {
            label: "\"absent\"".into()
        }
    );
    assert_eq!(
        crit(&[scheme.clone(), expiry.clone(), int(99)]),
        Error::CritLabelNotPresent { label: "99".into() }
    );
}

#[test]
fn content_type_rules() {
    let mut p = good_protected();
    remove(&mut p, int(3));
    assert_eq!(protected_err(&p), missing("content type (3)"));
    set(&mut p, int(3), int(50));
    assert!(matches!(
        protected_err(&p),
        Error::InvalidHeaderType { header, .. } if header == "content type (3)"
    ));
    for bad in [" application/json", "application/", "json", ""] {
        set(&mut p, int(3), tstr(bad));
        assert_eq!(
            protected_err(&p),
            Error::InvalidContentType { value: bad.into() }
        );
    }
}

#[test]
fn signing_scheme_rules() {
    let mut p = good_protected();
    remove(&mut p, tstr(header::SIGNING_SCHEME));
    set(&mut p, int(2), arr(&[tstr(header::EXPIRY)]));
    assert_eq!(
        protected_err(&p),
        missing(&format!("{:?}", header::SIGNING_SCHEME))
    );
    let mut p = good_protected();
    set(&mut p, tstr(header::SIGNING_SCHEME), int(1));
    assert!(matches!(protected_err(&p), Error::InvalidHeaderType { .. }));
    set(
        &mut p,
        tstr(header::SIGNING_SCHEME),
        tstr("notary.default.x509"),
    );
    assert_eq!(
        protected_err(&p),
        Error::UnsupportedSigningScheme {
            value: "notary.default.x509".into()
        }
    );
}

#[test]
fn scheme_specific_time_headers() {
    // x509 without signing time.
    let mut p = good_protected();
    remove(&mut p, tstr(header::SIGNING_TIME));
    assert_eq!(
        protected_err(&p),
        missing(&format!("{:?}", header::SIGNING_TIME))
    );
    // x509 with an authentic signing time.
    let mut p = good_protected();
    p.push((tstr(header::AUTHENTIC_SIGNING_TIME), tag(1, int(T0))));
    assert_eq!(
        protected_err(&p),
        Error::UnexpectedHeader {
            header: header::AUTHENTIC_SIGNING_TIME.into(),
            scheme: "notary.x509".into()
        }
    );

    // signingAuthority: valid form first.
    let sa = || {
        let mut p = good_protected();
        remove(&mut p, tstr(header::SIGNING_TIME));
        set(
            &mut p,
            tstr(header::SIGNING_SCHEME),
            tstr("notary.x509.signingAuthority"),
        );
        p.push((tstr(header::AUTHENTIC_SIGNING_TIME), tag(1, int(T0))));
        set(
            &mut p,
            int(2),
            arr(&[
                tstr(header::SIGNING_SCHEME),
                tstr(header::AUTHENTIC_SIGNING_TIME),
                tstr(header::EXPIRY),
            ]),
        );
        p
    };
    let signer = EcSigner::new(KeySpec::EcP256);
    UnverifiedCose::parse(&with_protected(&signer, &sa()))
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    let mut p = sa();
    p.push((tstr(header::SIGNING_TIME), tag(1, int(T0))));
    assert_eq!(
        protected_err(&p),
        Error::UnexpectedHeader {
            header: header::SIGNING_TIME.into(),
            scheme: "notary.x509.signingAuthority".into()
        }
    );
    let mut p = sa();
    remove(&mut p, tstr(header::AUTHENTIC_SIGNING_TIME));
    set(
        &mut p,
        int(2),
        arr(&[tstr(header::SIGNING_SCHEME), tstr(header::EXPIRY)]),
    );
    assert_eq!(
        protected_err(&p),
        missing(&format!("{:?}", header::AUTHENTIC_SIGNING_TIME))
    );
    let mut p = sa();
    set(
        &mut p,
        int(2),
        arr(&[tstr(header::SIGNING_SCHEME), tstr(header::EXPIRY)]),
    );
    assert_eq!(
        protected_err(&p),
        Error::HeaderNotCritical {
            header: header::AUTHENTIC_SIGNING_TIME.into()
        }
    );
}

#[test]
fn time_encoding_rules() {
    let with_time = |value: Vec<u8>| {
        let mut p = good_protected();
        set(&mut p, tstr(header::SIGNING_TIME), value);
        protected_err(&p)
    };
    assert!(
        matches!(with_time(int(T0)), Error::TimeNotEpochTag { found, .. } if found == "unsigned integer")
    );
    assert!(matches!(
        with_time(tag(0, tstr("2022-08-24T06:18:44Z"))),
        Error::TimeNotEpochTag { found, .. } if found == "tag 0"
    ));
    // A float (RFC 8949 §3.4.2) reads as go-cose's decoder reads it: with its fraction, and
    // NaN or an infinity as Go's zero time (no signing time, no expiry).
    let f64_cbor = |f: f64| {
        let mut v = vec![0xfb];
        v.extend(f.to_bits().to_be_bytes());
        v
    };
    let mut p = good_protected();
    set(
        &mut p,
        tstr(header::SIGNING_TIME),
        tag(1, f64_cbor(T0 as f64 + 0.5)),
    );
    set(
        &mut p,
        tstr(header::EXPIRY),
        tag(1, f64_cbor(T0 as f64 + 0.75)),
    );
    let verified = verified_with(&p);
    let attrs = &verified.signer_info().signed_attributes;
    assert_eq!(
        attrs.signing_time,
        Some(at(T0) + time::Duration::milliseconds(500))
    );
    assert_eq!(
        attrs.expiry,
        Some(at(T0) + time::Duration::milliseconds(750))
    );
    set(
        &mut p,
        tstr(header::EXPIRY),
        tag(1, f64_cbor(T0 as f64 + 0.25)),
    );
    assert!(matches!(
        protected_err(&p),
        Error::ExpiryNotAfterSigningTime { .. }
    ));
    assert!(matches!(
        with_time(tag(1, vec![0xf9, 0x7e, 0x00])), // half-precision NaN
        Error::ZeroTime { .. }
    ));
    let mut p = good_protected();
    set(
        &mut p,
        tstr(header::EXPIRY),
        tag(1, f64_cbor(f64::INFINITY)),
    );
    let verified = verified_with(&p);
    assert_eq!(verified.signer_info().signed_attributes.expiry, None);
    assert!(matches!(
        with_time(tag(1, f64_cbor(1e300))),
        Error::TimeOutOfRange { .. }
    ));
    // Tag 1 holds a number (RFC 8949 §3.4.2): the decoder refuses anything else, as go-cose's.
    assert!(matches!(
        with_time(tag(1, tstr("x"))),
        Error::CborMalformed { reason, .. } if reason.contains("tag 1 must hold")
    ));
    assert!(matches!(
        with_time(tag(1, int(i64::MAX))),
        Error::TimeOutOfRange { .. }
    ));
    assert!(matches!(
        with_time(tag(1, head(0, u64::MAX))),
        Error::CborMalformed { .. }
    ));
    let mut p = good_protected();
    set(&mut p, tstr(header::EXPIRY), int(T0 + 3600));
    assert!(
        matches!(protected_err(&p), Error::TimeNotEpochTag { header, .. } if header == header::EXPIRY)
    );
}

#[test]
fn go_zero_signing_time_is_no_signing_time() {
    // notation reads 0001-01-01T00:00:00Z as "signing-time not present" and refuses it.
    let mut p = good_protected();
    set(
        &mut p,
        tstr(header::SIGNING_TIME),
        tag(1, int(notary_core::timefmt::GO_ZERO_TIME_UNIX)),
    );
    assert_eq!(
        protected_err(&p),
        Error::ZeroTime {
            header: header::SIGNING_TIME.into()
        }
    );
    // One second later is a time like any other.
    let mut p = good_protected();
    set(
        &mut p,
        tstr(header::SIGNING_TIME),
        tag(1, int(notary_core::timefmt::GO_ZERO_TIME_UNIX + 1)),
    );
    let bytes = with_protected(&EcSigner::new(KeySpec::EcP256), &p);
    assert!(UnverifiedCose::parse(&bytes).is_ok());
}

#[test]
fn go_zero_expiry_is_no_expiry() {
    // notation checks the expiry with `IsZero`: 0001-01-01T00:00:00Z is none (checked against
    // notation-core-go v1.3.0).
    let mut p = good_protected();
    set(
        &mut p,
        tstr(header::EXPIRY),
        tag(1, int(notary_core::timefmt::GO_ZERO_TIME_UNIX)),
    );
    let verified = verified_with(&p);
    assert_eq!(verified.signer_info().signed_attributes.expiry, None);
    // Present, it must still be critical: notation-core-go's COSE check looks at the label, not
    // the value (every notation-go release refuses it; unlike JWS, which checks `IsZero`).
    set(&mut p, int(2), arr(&[tstr(header::SIGNING_SCHEME)]));
    assert_eq!(
        protected_err(&p),
        Error::HeaderNotCritical {
            header: header::EXPIRY.into()
        }
    );
}

#[test]
fn date_and_bignum_tags_must_hold_what_rfc_8949_defines_anywhere_in_the_header() {
    // An extended attribute is otherwise free, but go-cose's decoder checks these tags wherever
    // they stand (every notation-go release refuses such an envelope).
    for (value, reason) in [
        (tag(1, tstr("2026-12-05T00:00:00Z")), "tag 1 must hold"),
        (tag(0, tstr("yesterday")), "tag 0 holds a text"),
        (tag(0, int(T0)), "tag 0 must hold"),
        (tag(2, tstr("12")), "tag 2 must hold"),
        (arr(&[tag(3, int(1))]), "tag 3 must hold"),
    ] {
        let mut p = good_protected();
        set(&mut p, tstr("com.example.attr"), value);
        let e = protected_err(&p);
        assert!(
            matches!(&e, Error::CborMalformed { reason: r, .. } if r.contains(reason)),
            "{reason}: {e:?}"
        );
    }
    // What they define passes.
    for value in [
        tag(0, tstr("2026-12-05T00:00:00Z")),
        tag(1, int(T0)),
        tag(2, bstr(&[1, 2])),
        tag(1000, tstr("any")),
    ] {
        let mut p = good_protected();
        set(&mut p, tstr("com.example.attr"), value);
        verified_with(&p);
    }
}

#[test]
fn labels_in_errors_are_bounded() {
    // A label is attacker text: a megabyte of it named in crit shows as a short prefix.
    let long = "x".repeat(1 << 20);
    let mut p = good_protected();
    set(
        &mut p,
        int(2),
        arr(&[
            tstr(header::SIGNING_SCHEME),
            tstr(header::EXPIRY),
            tstr(&long),
        ]),
    );
    let e = protected_err(&p);
    assert!(matches!(e, Error::CritLabelNotPresent { .. }), "{e:?}");
    assert!(e.to_string().len() < 300, "{} bytes", e.to_string().len());
}

#[test]
fn the_signer_refuses_integers_its_parser_refuses() {
    let mut r = request();
    r.extended_attributes.push(ExtendedAttribute {
        key: AttributeKey::Text("big".into()),
        value: AttributeValue::Int(i128::from(u64::MAX)),
        critical: false,
    });
    let e = sign(&r, &EcSigner::new(KeySpec::EcP256)).unwrap_err();
    assert!(
        matches!(&e, Error::UnsupportedAttributeValue { reason, .. } if reason.contains("int64")),
        "{e:?}"
    );
}

#[test]
fn expiry_must_follow_signing_time() {
    let mut p = good_protected();
    set(&mut p, tstr(header::EXPIRY), tag(1, int(T0)));
    assert_eq!(
        protected_err(&p),
        Error::ExpiryNotAfterSigningTime {
            signing_time: T0,
            expiry: T0
        }
    );
}

#[test]
fn misplaced_headers_are_rejected() {
    let signer = EcSigner::new(KeySpec::EcP256);
    // x5chain only in the protected header (notation ignores it there).
    let mut p = good_protected();
    p.push((int(33), arr(&[bstr(&signer.leaf())])));
    let bytes = build(&signer, &map(&p), &map(&[]));
    assert_eq!(parse_err(&bytes), Error::ProtectedCertificateChain);
    assert!(
        Error::ProtectedCertificateChain
            .to_string()
            .contains("read from the unprotected header only")
    );
    // Beside the unprotected chain too.
    assert_eq!(
        protected_err(&{
            let mut p = good_protected();
            p.push((int(33), arr(&[bstr(&signer.leaf())])));
            p
        }),
        Error::ProtectedCertificateChain
    );
    // The unsigned attributes' names in the protected header are extended attributes, as in
    // notation-go and in a JWS protected header; the real unsigned attributes stay unread there.
    let mut p = good_protected();
    p.push((tstr(header::SIGNING_AGENT), tstr("x")));
    p.push((tstr(header::TIMESTAMP_SIGNATURE), bstr(b"token")));
    let verified = verified_with(&p);
    let info = verified.signer_info();
    assert_eq!(info.unsigned_attributes.signing_agent, None);
    assert_eq!(info.unsigned_attributes.timestamp_signature, None);
    let names: Vec<String> = info
        .signed_attributes
        .extended_attributes
        .iter()
        .map(|a| format!("{}:{}", a.key, a.critical))
        .collect();
    assert_eq!(
        names,
        [
            format!("{}:false", header::SIGNING_AGENT),
            format!("{}:false", header::TIMESTAMP_SIGNATURE)
        ]
    );

    // alg in both buckets.
    let mut u = chain_of(&signer);
    u.push((int(1), int(-7)));
    assert_eq!(
        parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
        Error::HeaderInBothBuckets {
            label: "alg (1)".into()
        }
    );
    // A signed attribute smuggled into the unprotected header.
    let mut p = good_protected();
    remove(&mut p, tstr(header::EXPIRY));
    set(&mut p, int(2), arr(&[tstr(header::SIGNING_SCHEME)]));
    let mut u = chain_of(&signer);
    u.push((tstr(header::EXPIRY), tag(1, int(T0 + 1))));
    assert_eq!(
        parse_err(&build(&signer, &map(&p), &map(&u))),
        Error::MisplacedHeader {
            label: format!("{:?}", header::EXPIRY),
            bucket: "unprotected"
        }
    );
}

#[test]
fn a_cose_hash_envelope_is_named_as_unsupported() {
    // Payload hash alg (258) and preimage content type (259) instead of a content type.
    let mut p = good_protected();
    remove(&mut p, int(3));
    p.push((int(258), int(-16)));
    p.push((int(259), tstr("application/octet-stream")));
    assert_eq!(protected_err(&p), Error::HashEnvelopeUnsupported);
    // Without label 258, a missing content type is reported as such.
    let mut p = good_protected();
    remove(&mut p, int(3));
    assert!(matches!(protected_err(&p), Error::MissingHeader { .. }));
}

#[test]
fn header_labels_must_be_int_or_text() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut p = good_protected();
    p.push((bstr(b"k"), int(1)));
    assert!(matches!(
        protected_err(&p),
        Error::InvalidHeaderLabel {
            bucket: "protected",
            ..
        }
    ));
    let mut u = chain_of(&signer);
    u.push((head(1, u64::MAX), int(1)));
    assert!(matches!(
        parse_err(&build(&signer, &map(&good_protected()), &map(&u))),
        Error::CborMalformed { .. }
    ));
}

// --- unprotected header rules -------------------------------------------------------------------

#[test]
fn x5chain_rules() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    let with_u = |u: &Pairs| parse_err(&build(&signer, &p, &map(u)));
    assert_eq!(with_u(&vec![]), missing("x5chain (33)"));
    assert!(matches!(
        with_u(&vec![(int(33), bstr(&signer.leaf()))]),
        Error::InvalidHeaderType { header, found, .. } if header == "x5chain (33)" && found == "byte string"
    ));
    assert_eq!(
        with_u(&vec![(int(33), arr(&[]))]),
        Error::EmptyCertificateChain
    );
    assert!(matches!(
        with_u(&vec![(int(33), arr(&[bstr(&signer.leaf()), int(1)]))]),
        Error::InvalidHeaderType { .. }
    ));
}

#[test]
fn x5chain_is_capped_at_parse() {
    assert_eq!(notary_envelope_cose::MAX_CHAIN_LEN, 32);
    assert_eq!(
        notary_envelope_cose::MAX_CHAIN_LEN,
        notary_core::MAX_CERTIFICATE_CHAIN_LEN
    );
    // good_protected() declares ES256.
    let signer = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    let chain_of_len = |n: usize| {
        let certs: Vec<Vec<u8>> = std::iter::repeat_n(bstr(&signer.leaf()), n).collect();
        map(&[(int(33), arr(&certs))])
    };
    let parsed = UnverifiedCose::parse(&build(&signer, &p, &chain_of_len(32))).unwrap();
    assert_eq!(parsed.certificate_chain().len(), 32);
    parsed.verify(&FakeCertVerifier).unwrap();
    assert_eq!(
        parse_err(&build(&signer, &p, &chain_of_len(33))),
        Error::CertificateChainTooLong { count: 33, max: 32 }
    );
    // Refused before the items are looked at.
    let ints: Vec<Vec<u8>> = std::iter::repeat_n(int(0), 33).collect();
    assert!(matches!(
        parse_err(&build(&signer, &p, &map(&[(int(33), arr(&ints))]))),
        Error::CertificateChainTooLong { .. }
    ));
    // Nothing is written that parse would refuse.
    let padded = |n: usize| {
        let mut s = EcSigner::new(KeySpec::EcP256);
        let last = s.chain.last().unwrap().clone();
        s.chain.resize(n, last);
        s
    };
    assert!(sign(&request(), &padded(32)).is_ok());
    assert_eq!(
        sign(&request(), &padded(33)).unwrap_err(),
        Error::CertificateChainTooLong { count: 33, max: 32 }
    );
}

#[test]
fn unsigned_attributes_of_another_type_read_as_absent() {
    // As notation-go reads them; the spec forbids failing on the signing agent's content.
    let signer = EcSigner::new(KeySpec::EcP256);
    let p = map(&good_protected());
    for (label, value) in [
        (header::TIMESTAMP_SIGNATURE, tstr("not bytes")),
        (header::TIMESTAMP_SIGNATURE, int(7)),
        (header::SIGNING_AGENT, bstr(b"agent")),
        (header::SIGNING_AGENT, int(7)),
        (header::SIGNING_AGENT, arr(&[tstr("a")])),
    ] {
        let mut u = chain_of(&signer);
        u.push((tstr(label), value));
        let verified = UnverifiedCose::parse(&build(&signer, &p, &map(&u)))
            .unwrap_or_else(|e| panic!("{label}: {e}"))
            .verify(&FakeCertVerifier)
            .unwrap();
        let unsigned = &verified.signer_info().unsigned_attributes;
        assert_eq!(unsigned.signing_agent, None, "{label}");
        assert_eq!(unsigned.timestamp_signature, None, "{label}");
    }
    // Of their own types they are read.
    let mut u = chain_of(&signer);
    u.push((tstr(header::SIGNING_AGENT), tstr("agent/1")));
    u.push((tstr(header::TIMESTAMP_SIGNATURE), bstr(b"token")));
    let verified = UnverifiedCose::parse(&build(&signer, &p, &map(&u)))
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    let unsigned = &verified.signer_info().unsigned_attributes;
    assert_eq!(unsigned.signing_agent.as_deref(), Some("agent/1"));
    assert_eq!(unsigned.timestamp_signature.as_deref(), Some(&b"token"[..]));
}

// --- signing requests ---------------------------------------------------------------------------

struct BadSigner {
    signature: Vec<u8>,
    chain: Vec<Vec<u8>>,
    fail: bool,
}

impl Signer for BadSigner {
    fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
        Ok(KeySpec::EcP256)
    }
    fn sign(&self, _: &[u8]) -> Result<RawSignature, notary_core::Error> {
        if self.fail {
            return Err(notary_core::Error::SigningFailed {
                reason: "plugin exited 1".into(),
            });
        }
        Ok(RawSignature {
            signature: self.signature.clone(),
            certificate_chain: self.chain.clone(),
        })
    }
}

#[test]
fn invalid_sign_requests_are_refused() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut r = request();
    r.expiry = Some(at(T0));
    assert_eq!(
        sign(&r, &signer),
        Err(Error::ExpiryNotAfterSigningTime {
            signing_time: T0,
            expiry: T0
        })
    );
    let mut r = request();
    r.signing_time = at(notary_core::timefmt::GO_ZERO_TIME_UNIX);
    assert_eq!(
        sign(&r, &signer),
        Err(Error::ZeroTime {
            header: header::SIGNING_TIME.into()
        })
    );
    let mut r = request();
    r.payload.clear();
    assert_eq!(sign(&r, &signer), Err(Error::EmptyPayload));
    let mut r = request();
    r.payload_content_type = "nonsense".into();
    assert!(matches!(
        sign(&r, &signer),
        Err(Error::InvalidContentType { .. })
    ));

    for key in [
        AttributeKey::from(header::SIGNING_SCHEME),
        AttributeKey::from(header::SIGNING_TIME),
        AttributeKey::from(header::TIMESTAMP_SIGNATURE),
        AttributeKey::Int(1),
        AttributeKey::Int(33),
    ] {
        let mut r = request();
        r.extended_attributes = vec![ExtendedAttribute {
            key,
            value: "x".into(),
            critical: false,
        }];
        assert!(matches!(
            sign(&r, &signer),
            Err(Error::ReservedAttributeKey { .. })
        ));
    }
    let mut r = request();
    let attr = ExtendedAttribute {
        key: "k".into(),
        value: "v".into(),
        critical: false,
    };
    r.extended_attributes = vec![attr.clone(), attr];
    assert_eq!(
        sign(&r, &signer),
        Err(Error::DuplicateAttributeKey { key: "k".into() })
    );
    for value in [
        AttributeValue::Json("{}".into()),
        AttributeValue::Cbor(vec![0x9f, 0xff]),
        AttributeValue::Int(i128::from(u64::MAX) + 1),
    ] {
        let mut r = request();
        r.extended_attributes = vec![ExtendedAttribute {
            key: "k".into(),
            value,
            critical: false,
        }];
        assert!(matches!(
            sign(&r, &signer),
            Err(Error::UnsupportedAttributeValue { .. })
        ));
    }
}

#[test]
fn bad_signer_output_is_refused() {
    let good_sig = vec![1u8; 64];
    let chain = vec![b"leaf".to_vec()];
    let run = |signature: Vec<u8>, chain: Vec<Vec<u8>>, fail: bool| {
        sign(
            &request(),
            &BadSigner {
                signature,
                chain,
                fail,
            },
        )
    };
    assert!(run(good_sig.clone(), chain.clone(), false).is_ok());
    assert!(matches!(
        run(good_sig.clone(), chain.clone(), true),
        Err(Error::SigningFailed { reason }) if reason.contains("plugin exited 1")
    ));
    assert_eq!(
        run(vec![], chain.clone(), false),
        Err(Error::EmptySignature)
    );
    // A DER-encoded ECDSA signature instead of r||s.
    assert_eq!(
        run(vec![0x30; 70], chain.clone(), false),
        Err(Error::InvalidSignatureLength {
            algorithm: "ECDSA-SHA-256".into(),
            expected: 64,
            found: 70
        })
    );
    assert_eq!(
        run(good_sig, vec![], false),
        Err(Error::EmptyCertificateChain)
    );
}

#[test]
fn empty_signing_agent_is_omitted_like_notation() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut r = request();
    r.signing_agent = Some(String::new());
    let bytes = sign(&r, &signer).unwrap();
    let parsed = UnverifiedCose::parse(&bytes).unwrap();
    assert_eq!(
        parsed
            .inspect()
            .unwrap()
            .signer_info
            .unsigned_attributes
            .signing_agent,
        None
    );
}

#[test]
fn debug_output_does_not_expose_the_payload() {
    let signer = EcSigner::new(KeySpec::EcP256);
    let bytes = sign(&request(), &signer).unwrap();
    let text = format!("{:?}", UnverifiedCose::parse(&bytes).unwrap());
    assert!(!text.contains("targetArtifact"), "{text}");
    assert!(text.contains("payload_len"));
}

#[test]
fn many_critical_attributes_are_handled_in_linear_time() {
    // 30k labels each listed in crit: a quadratic check would take minutes here.
    let signer = EcSigner::new(KeySpec::EcP256);
    let mut p = good_protected();
    let mut crit = vec![tstr(header::SIGNING_SCHEME), tstr(header::EXPIRY)];
    for i in 0..30_000 {
        let key = tstr(&format!("k{i}"));
        crit.push(key.clone());
        p.push((key, int(i)));
    }
    set(&mut p, int(2), arr(&crit));
    let start = std::time::Instant::now();
    let verified = UnverifiedCose::parse(&with_protected(&signer, &p))
        .unwrap()
        .verify(&FakeCertVerifier)
        .unwrap();
    let ext = &verified.signer_info().signed_attributes.extended_attributes;
    assert_eq!(ext.len(), 30_000);
    assert!(ext.iter().all(|a| a.critical));
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}
