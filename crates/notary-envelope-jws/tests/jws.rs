//! JWS codec tests: notation-core-go's encoding vectors, real notation signatures, and one
//! tampering test per rule, each expecting its own typed error.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use notary_core::{
    AttributeKey, AttributeValue, ExtendedAttribute, KeySpec, SignRequest, SigningScheme, timefmt,
};
use notary_envelope_jws::{Error, UnverifiedJws, protected_header_b64, sign};
use notary_x509::X509SignatureVerifier;
use serde_json::{Value, json};
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn shared(rel: &str) -> Vec<u8> {
    let p = format!(
        "{}/../../../shared/interop/data/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn signer(spec: KeySpec) -> notary_crypto::LocalSigner {
    notary_crypto::pki::ChainBuilder::new(spec, NOW)
        .build()
        .unwrap()
        .signer()
        .unwrap()
}

#[test]
fn conformance_vectors_reproduce_byte_for_byte() {
    let cases: Value = serde_json::from_slice(&shared("../cases.json")).unwrap();
    let mut n = 0;
    for c in cases["cases"].as_array().unwrap() {
        if c["check"] != "encode-conformance" || c["input"]["format"] != "jws" {
            continue;
        }
        let sr = &c["input"]["sign_request"];
        let mut req = SignRequest::new(
            hex::decode(sr["payload_hex"].as_str().unwrap()).unwrap(),
            timefmt::parse_rfc3339(sr["signing_time"].as_str().unwrap()).unwrap(),
        );
        req.signing_scheme = sr["signing_scheme"].as_str().unwrap().parse().unwrap();
        req.expiry = sr["expiry"]
            .as_str()
            .map(|s| timefmt::parse_rfc3339(s).unwrap());
        req.signing_agent = sr["signing_agent"].as_str().map(str::to_string);
        for a in sr["extended_signed_attributes"].as_array().unwrap() {
            req.extended_attributes.push(ExtendedAttribute {
                key: AttributeKey::Text(a["key"].as_str().unwrap().into()),
                value: AttributeValue::Text(a["value"].as_str().unwrap().into()),
                critical: a["critical"].as_bool().unwrap(),
            });
        }
        let spec = KeySpec::from_name(sr["key_spec"].as_str().unwrap()).unwrap();
        let expected = &c["input"]["expected"];
        assert_eq!(
            protected_header_b64(&req, spec.signature_algorithm()).unwrap(),
            expected["protected_b64url"].as_str().unwrap(),
            "{}",
            c["id"]
        );
        let env: Value = serde_json::from_slice(&sign(&req, &signer(spec)).unwrap()).unwrap();
        assert_eq!(env["protected"], expected["protected_b64url"]);
        assert_eq!(env["payload"], expected["payload_b64url"]);
        assert_eq!(
            env["header"]["io.cncf.notary.signingAgent"],
            expected["signing_agent"]
        );
        n += 1;
    }
    assert!(n >= 1, "no JWS encode-conformance case found");
}

#[test]
fn real_notation_signatures_verify_and_round_trip() {
    for f in [
        "notation-go/internal-testdata/jws_signature.sig",
        "notation-e2e/signatures/blob.jws.sig",
    ] {
        let bytes = shared(f);
        let env = UnverifiedJws::parse(&bytes).unwrap_or_else(|e| panic!("{f}: {e}"));
        let v = env
            .verify(&X509SignatureVerifier)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(
            v.signer_info().signed_attributes.signing_scheme,
            SigningScheme::X509
        );
        assert!(v.decode_payload().is_ok());
        // Re-serialising keeps the signed strings, so the result still verifies.
        let again = UnverifiedJws::parse(&env.to_bytes()).unwrap();
        again.verify(&X509SignatureVerifier).unwrap();
    }
}

#[test]
fn offsets_survive_and_padding_is_refused() {
    let bytes = shared("notation-go/internal-testdata/jws_signature.sig");
    let v = UnverifiedJws::parse(&bytes)
        .unwrap()
        .verify(&X509SignatureVerifier)
        .unwrap();
    let t = v.signer_info().signed_attributes.signing_time.unwrap();
    assert_eq!(t.offset().whole_hours(), 8);
    // The notation-go mock that differs only by a trailing '=' must fail as a decoding error.
    let err = UnverifiedJws::parse(&shared("notation-go/mock-testdata/ca_invalid_sig_env.json"))
        .unwrap_err();
    assert!(
        matches!(err, Error::Base64 { ref name, .. } if name == "payload"),
        "{err}"
    );
}

fn signed(spec: KeySpec, f: impl FnOnce(&mut SignRequest)) -> Vec<u8> {
    let mut req = SignRequest::new(br#"{"targetArtifact":{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}}"#.to_vec(), NOW);
    req.signing_agent = Some("notary-rs-test".into());
    f(&mut req);
    sign(&req, &signer(spec)).unwrap()
}

#[test]
fn every_key_spec_and_scheme_round_trips() {
    for spec in KeySpec::ALL {
        for scheme in [SigningScheme::X509, SigningScheme::X509SigningAuthority] {
            let bytes = signed(spec, |r| {
                r.signing_scheme = scheme;
                r.expiry = Some(NOW + time::Duration::days(1));
            });
            let v = UnverifiedJws::parse(&bytes)
                .unwrap()
                .verify(&X509SignatureVerifier)
                .unwrap();
            let a = &v.signer_info().signed_attributes;
            assert_eq!(a.signing_scheme, scheme);
            assert_eq!(a.expiry, Some(NOW + time::Duration::days(1)));
            assert_eq!(
                v.signer_info().signature_algorithm,
                spec.signature_algorithm()
            );
        }
    }
}

/// Re-signs a modified protected header with the same key, so only the header rule can fail.
fn with_protected(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Result<(), Error> {
    let s = signer(KeySpec::EcP256);
    let bytes = signed(KeySpec::EcP256, |_| {});
    let mut env: Value = serde_json::from_slice(&bytes).unwrap();
    let mut h: serde_json::Map<String, Value> = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(env["protected"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    edit(&mut h);
    let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&h).unwrap());
    let input = format!("{p}.{}", env["payload"].as_str().unwrap());
    let sig = notary_core::Signer::sign(&s, input.as_bytes())
        .unwrap()
        .signature;
    env["protected"] = json!(p);
    env["signature"] = json!(URL_SAFE_NO_PAD.encode(sig));
    UnverifiedJws::parse(&serde_json::to_vec(&env).unwrap())?
        .verify(&X509SignatureVerifier)
        .map(|_| ())
}

#[test]
fn header_rules_each_have_their_error() {
    assert!(with_protected(|_| {}).is_ok());
    type Edit = Box<dyn FnOnce(&mut serde_json::Map<String, Value>)>;
    type Case = (&'static str, Edit, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        (
            "crit removed",
            Box::new(|h| {
                h.remove("crit");
            }),
            |e| matches!(e, Error::MissingCrit),
        ),
        (
            "crit empty",
            Box::new(|h| {
                h.insert("crit".into(), json!([]));
            }),
            |e| matches!(e, Error::MissingCrit),
        ),
        (
            "scheme not critical",
            Box::new(|h| {
                h.insert("crit".into(), json!(["x"]));
                h.insert("x".into(), json!(1));
            }),
            |e| matches!(e, Error::NotCritical { .. }),
        ),
        (
            "alg in crit",
            Box::new(|h| {
                h.insert(
                    "crit".into(),
                    json!(["io.cncf.notary.signingScheme", "alg"]),
                );
            }),
            |e| matches!(e, Error::InvalidCrit { .. }),
        ),
        (
            "signingTime in crit",
            Box::new(|h| {
                h.insert(
                    "crit".into(),
                    json!(["io.cncf.notary.signingScheme", "io.cncf.notary.signingTime"]),
                );
            }),
            |e| matches!(e, Error::InvalidCrit { .. }),
        ),
        (
            "crit duplicate",
            Box::new(|h| {
                h.insert(
                    "crit".into(),
                    json!([
                        "io.cncf.notary.signingScheme",
                        "io.cncf.notary.signingScheme"
                    ]),
                );
            }),
            |e| matches!(e, Error::InvalidCrit { .. }),
        ),
        (
            "crit names absent header",
            Box::new(|h| {
                h.insert(
                    "crit".into(),
                    json!(["io.cncf.notary.signingScheme", "nope"]),
                );
            }),
            |e| matches!(e, Error::InvalidCrit { .. }),
        ),
        (
            "expiry not critical",
            Box::new(|h| {
                h.insert(
                    "io.cncf.notary.expiry".into(),
                    json!("2099-01-01T00:00:00Z"),
                );
            }),
            |e| matches!(e, Error::NotCritical { .. }),
        ),
        (
            "expiry before signing",
            Box::new(|h| {
                h.insert(
                    "io.cncf.notary.expiry".into(),
                    json!("2000-01-01T00:00:00Z"),
                );
                h.insert(
                    "crit".into(),
                    json!(["io.cncf.notary.signingScheme", "io.cncf.notary.expiry"]),
                );
            }),
            |e| matches!(e, Error::ExpiryBeforeSigningTime { .. }),
        ),
        (
            "bad scheme",
            Box::new(|h| {
                h.insert(
                    "io.cncf.notary.signingScheme".into(),
                    json!("notary.default.x509"),
                );
            }),
            |e| matches!(e, Error::UnsupportedSigningScheme { .. }),
        ),
        (
            "signing time missing",
            Box::new(|h| {
                h.remove("io.cncf.notary.signingTime");
            }),
            |e| matches!(e, Error::Missing { .. }),
        ),
        (
            "authentic time under x509",
            Box::new(|h| {
                h.insert(
                    "io.cncf.notary.authenticSigningTime".into(),
                    json!("2026-06-01T12:00:00Z"),
                );
            }),
            |e| matches!(e, Error::HeaderNotAllowed { .. }),
        ),
        (
            "bad time",
            Box::new(|h| {
                h.insert("io.cncf.notary.signingTime".into(), json!("yesterday"));
            }),
            |e| matches!(e, Error::InvalidTime { .. }),
        ),
        (
            "cty missing",
            Box::new(|h| {
                h.remove("cty");
            }),
            |e| matches!(e, Error::Missing { .. }),
        ),
        (
            "alg none",
            Box::new(|h| {
                h.insert("alg".into(), json!("none"));
            }),
            |e| matches!(e, Error::UnsupportedAlgorithm { .. }),
        ),
        (
            "alg substituted",
            Box::new(|h| {
                h.insert("alg".into(), json!("ES384"));
            }),
            |e| matches!(e, Error::SignatureInvalid { .. }),
        ),
    ];
    for (name, edit, want) in cases {
        let err = with_protected(edit).expect_err(name);
        assert!(want(&err), "{name}: got {err:?}");
    }
}

#[test]
fn unknown_critical_attributes_are_reported_not_hidden() {
    with_protected(|h| {
        h.insert("SomeKey".into(), json!("v"));
        h.insert(
            "crit".into(),
            json!(["io.cncf.notary.signingScheme", "SomeKey"]),
        );
    })
    .unwrap();
    let bytes = signed(KeySpec::EcP256, |r| {
        r.extended_attributes.push(ExtendedAttribute {
            key: "SomeKey".into(),
            value: "v".into(),
            critical: true,
        });
    });
    let v = UnverifiedJws::parse(&bytes)
        .unwrap()
        .verify(&X509SignatureVerifier)
        .unwrap();
    assert!(
        v.signer_info()
            .signed_attributes
            .extended("SomeKey")
            .unwrap()
            .critical
    );
}

#[test]
fn envelope_tampering_each_has_its_error() {
    let bytes = signed(KeySpec::Rsa2048, |_| {});
    let env: Value = serde_json::from_slice(&bytes).unwrap();
    let try_env = |v: Value| {
        UnverifiedJws::parse(&serde_json::to_vec(&v).unwrap())
            .and_then(|e| e.verify(&X509SignatureVerifier).map(|_| ()))
    };

    let mut v = env.clone();
    v["payload"] = json!(URL_SAFE_NO_PAD.encode(br#"{"targetArtifact":{}}"#));
    assert!(matches!(try_env(v), Err(Error::SignatureInvalid { .. })));

    let mut v = env.clone();
    let mut sig = URL_SAFE_NO_PAD
        .decode(env["signature"].as_str().unwrap())
        .unwrap();
    sig[10] ^= 1;
    v["signature"] = json!(URL_SAFE_NO_PAD.encode(sig));
    assert!(matches!(try_env(v), Err(Error::SignatureInvalid { .. })));

    let mut v = env.clone();
    let other = notary_crypto::pki::ChainBuilder::new(KeySpec::Rsa2048, NOW)
        .ca_spec(KeySpec::EcP256)
        .leaf_common_name("Other")
        .build()
        .unwrap();
    v["header"]["x5c"] = json!([STANDARD.encode(&other.certificates[0])]);
    assert!(matches!(try_env(v), Err(Error::SignatureInvalid { .. })));

    let mut v = env.clone();
    v["header"]["x5c"] = json!([]);
    assert!(matches!(try_env(v), Err(Error::EmptyCertificateChain)));

    let mut v = env.clone();
    v["protected"] = json!(format!("{}=", env["protected"].as_str().unwrap()));
    assert!(matches!(try_env(v), Err(Error::Base64 { .. })));

    let mut v = env.clone();
    v["extra"] = json!(1);
    assert!(matches!(try_env(v), Err(Error::UnknownMember { .. })));

    let mut v = env.clone();
    v["header"]["kid"] = json!("x");
    assert!(matches!(try_env(v), Err(Error::UnknownMember { .. })));

    let text = String::from_utf8(bytes.clone()).unwrap();
    let dup = text.replacen("{\"payload\":", "{\"payload\":\"e30\",\"payload\":", 1);
    assert!(matches!(
        UnverifiedJws::parse(dup.as_bytes()),
        Err(Error::DuplicateMember { .. })
    ));

    assert!(matches!(
        UnverifiedJws::parse(b"malformed signature"),
        Err(Error::Json { .. })
    ));
    assert!(matches!(
        UnverifiedJws::parse(&vec![b' '; 33 * 1024 * 1024]),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn timestamp_can_be_added_without_breaking_the_signature() {
    let bytes = signed(KeySpec::EcP384, |_| {});
    let mut env = UnverifiedJws::parse(&bytes).unwrap();
    env.set_timestamp_signature(vec![1, 2, 3]);
    let v = UnverifiedJws::parse(&env.to_bytes())
        .unwrap()
        .verify(&X509SignatureVerifier)
        .unwrap();
    assert_eq!(
        v.signer_info()
            .unsigned_attributes
            .timestamp_signature
            .as_deref(),
        Some(&[1u8, 2, 3][..])
    );
    assert_eq!(
        v.signer_info().unsigned_attributes.signing_agent.as_deref(),
        Some("notary-rs-test")
    );
}
