//! JWS codec tests: notation-core-go's encoding vectors, real notation signatures, and one
//! tampering test per rule, each expecting its own typed error.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use notary_core::{
    AttributeKey, AttributeValue, ExtendedAttribute, KeySpec, SignRequest, SigningScheme, timefmt,
};
use notary_envelope_jws::{Error, UnverifiedJws, prepare, protected_header_b64, sign};
use serde_json::{Value, json};
use time::macros::datetime;

/// Expands the enclosed tests once per crypto provider (`mod aws_lc_rs`, `mod rustcrypto`),
/// each verifying through `x509()` on that provider.
macro_rules! for_each_provider {
    ($($items:tt)*) => {
        mod aws_lc_rs {
            use super::*;
            fn x509() -> notary_x509::X509Verifier {
                notary_x509::X509Verifier::new(notary_provider_aws_lc_rs::provider())
            }
            $($items)*
        }
        mod rustcrypto {
            use super::*;
            fn x509() -> notary_x509::X509Verifier {
                notary_x509::X509Verifier::new(notary_provider_rustcrypto::provider())
            }
            $($items)*
        }
    };
}

for_each_provider! {
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
                .verify(&x509())
                .unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(
                v.signer_info().signed_attributes.signing_scheme,
                SigningScheme::X509
            );
            assert!(v.decode_payload().is_ok());
            // Re-serialising keeps the signed strings, so the result still verifies.
            let again = UnverifiedJws::parse(&env.to_bytes()).unwrap();
            again.verify(&x509()).unwrap();
        }
    }

    #[test]
    fn offsets_survive_and_padding_is_refused() {
        let bytes = shared("notation-go/internal-testdata/jws_signature.sig");
        let v = UnverifiedJws::parse(&bytes)
            .unwrap()
            .verify(&x509())
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
                    .verify(&x509())
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
        with_protected_text(|text| {
            let mut h: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
            edit(&mut h);
            serde_json::to_string(&h).unwrap()
        })
    }

    /// Like `with_protected`, editing the header's JSON text as written.
    fn with_protected_text(edit: impl FnOnce(String) -> String) -> Result<(), Error> {
        let s = signer(KeySpec::EcP256);
        let bytes = signed(KeySpec::EcP256, |_| {});
        let mut env: Value = serde_json::from_slice(&bytes).unwrap();
        let text = String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(env["protected"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        let p = URL_SAFE_NO_PAD.encode(edit(text));
        let input = format!("{p}.{}", env["payload"].as_str().unwrap());
        let sig = notary_core::Signer::sign(&s, input.as_bytes())
            .unwrap()
            .signature;
        env["protected"] = json!(p);
        env["signature"] = json!(URL_SAFE_NO_PAD.encode(sig));
        UnverifiedJws::parse(&serde_json::to_vec(&env).unwrap())?
            .verify(&x509())
            .map(|_| ())
    }

    #[test]
    fn a_time_written_with_a_json_escape_is_refused_as_notation_refuses_it() {
        // notation-go parses the times from the raw JSON text: `\u002d` is not a `-` to it.
        let member = "io.cncf.notary.signingTime";
        for (from, to) in [("-", "\\u002d"), ("T", "\\u0054")] {
            let e = with_protected_text(|text| {
                let h: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
                let time = h[member].as_str().unwrap().to_string();
                text.replace(&time, &time.replacen(from, to, 1))
            })
            .unwrap_err();
            assert!(
                matches!(&e, Error::InvalidTime { header, .. } if header == member),
                "{e:?}"
            );
        }
        // An escape in a member name is read as Go reads it (unescaped): accepted.
        with_protected_text(|text| {
            text.replacen("\"io.cncf.notary.signingTime\"", "\"io.cncf.notary.signing\\u0054ime\"", 1)
        })
        .unwrap();
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
                "kid in the protected header and in crit",
                Box::new(|h| {
                    h.insert("kid".into(), json!("key-1"));
                    h.insert(
                        "crit".into(),
                        json!(["io.cncf.notary.signingScheme", "kid"]),
                    );
                }),
                |e| {
                    matches!(e, Error::InvalidCrit { entry, reason }
                        if entry == "kid" && reason.contains("registered JOSE header"))
                },
            ),
            (
                "b64 in the protected header and in crit",
                Box::new(|h| {
                    h.insert("b64".into(), json!(true));
                    h.insert(
                        "crit".into(),
                        json!(["io.cncf.notary.signingScheme", "b64"]),
                    );
                }),
                |e| matches!(e, Error::InvalidCrit { entry, .. } if entry == "b64"),
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
                // notation reads Go's zero time as no signing time and refuses the envelope.
                "signing time is Go's zero time",
                Box::new(|h| {
                    h.insert(
                        "io.cncf.notary.signingTime".into(),
                        json!("0001-01-01T01:00:00+01:00"),
                    );
                }),
                |e| {
                    matches!(e, Error::InvalidTime { header, .. } if header == "io.cncf.notary.signingTime")
                },
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
                // The key checks keep their own error (the signature is never tried).
                |e| matches!(e, Error::AlgorithmMismatch { .. }),
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
            .verify(&x509())
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
    fn a_registered_jose_header_cannot_be_signed_critical() {
        let mut req = SignRequest::new(br#"{"targetArtifact":{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}}"#.to_vec(), NOW);
        req.extended_attributes.push(ExtendedAttribute {
            key: "kid".into(),
            value: "key-1".into(),
            critical: true,
        });
        let err = sign(&req, &signer(KeySpec::EcP256)).unwrap_err();
        assert!(err.to_string().contains("registered JOSE header"), "{err}");
        // Not critical, it is an ordinary extended attribute.
        req.extended_attributes[0].critical = false;
        let bytes = sign(&req, &signer(KeySpec::EcP256)).unwrap();
        let v = UnverifiedJws::parse(&bytes)
            .unwrap()
            .verify(&x509())
            .unwrap();
        assert!(!v.signer_info().signed_attributes.extended("kid").unwrap().critical);
    }

    #[test]
    fn envelope_tampering_each_has_its_error() {
        let bytes = signed(KeySpec::Rsa2048, |_| {});
        let env: Value = serde_json::from_slice(&bytes).unwrap();
        let try_env = |v: Value| {
            UnverifiedJws::parse(&serde_json::to_vec(&v).unwrap())
                .and_then(|e| e.verify(&x509()).map(|_| ()))
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

        // Unsigned parameters that are not understood are ignored (RFC 7515 §4).
        let mut v = env.clone();
        v["header"]["kid"] = json!("x");
        assert!(try_env(v).is_ok());

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
    fn key_checks_keep_their_own_errors() {
        // As in the COSE codec: a leaf whose key does not fit `alg`, or that cannot be read, is
        // reported as such rather than as a signature failure.
        let bytes = signed(KeySpec::EcP256, |_| {});
        let env: Value = serde_json::from_slice(&bytes).unwrap();
        let with_leaf = |leaf: &[u8]| {
            let mut v = env.clone();
            v["header"]["x5c"] = json!([STANDARD.encode(leaf)]);
            UnverifiedJws::parse(&serde_json::to_vec(&v).unwrap())
                .unwrap()
                .verify(&x509())
                .map(|_| ())
        };
        let p384 = notary_crypto::pki::ChainBuilder::new(KeySpec::EcP384, NOW)
            .build()
            .unwrap();
        assert_eq!(
            with_leaf(&p384.certificates[0]),
            Err(Error::AlgorithmMismatch {
                declared: "ECDSA-SHA-256".into(),
                certificate: "EC-384".into()
            })
        );
        assert!(matches!(
            with_leaf(b"not a certificate"),
            Err(Error::CertificateKey { .. })
        ));
        // Same key type, another key (the intermediate's): the signature check itself fails.
        let p256 = notary_crypto::pki::ChainBuilder::new(KeySpec::EcP256, NOW)
            .build()
            .unwrap();
        let err = with_leaf(&p256.certificates[1]);
        assert!(matches!(err, Err(Error::SignatureInvalid { .. })), "{err:?}");
    }

    #[test]
    fn header_names_are_disjoint_and_crit_is_protected_only() {
        // RFC 7515 §5.2 step 4 and §4.1.11; notation-go accepts both, notary refuses on purpose.
        let bytes = signed(KeySpec::EcP256, |_| {});
        let env: Value = serde_json::from_slice(&bytes).unwrap();
        let with_header = |name: &str, value: Value| {
            let mut v = env.clone();
            v["header"][name] = value;
            UnverifiedJws::parse(&serde_json::to_vec(&v).unwrap())
        };
        for (name, value) in [
            ("alg", json!("none")),
            ("cty", json!("application/json")),
            ("io.cncf.notary.signingScheme", json!("notary.x509")),
            ("io.cncf.notary.signingTime", json!("2026-06-01T12:00:00Z")),
        ] {
            let err = with_header(name, value).unwrap_err();
            assert!(
                matches!(&err, Error::HeaderInBothBuckets { name: n } if n == name),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains(name), "{err}");
        }
        for value in [json!(["foo"]), json!([]), json!("x")] {
            let err = with_header("crit", value).unwrap_err();
            assert_eq!(
                err,
                Error::MisplacedHeader {
                    name: "crit".into(),
                    part: "unprotected header"
                }
            );
        }
        // A Notary signed attribute absent from the protected header is refused unprotected.
        for name in ["io.cncf.notary.expiry", "io.cncf.notary.authenticSigningTime"] {
            let err = with_header(name, json!("2020-01-01T00:00:00Z")).unwrap_err();
            assert_eq!(
                err,
                Error::MisplacedHeader {
                    name: name.into(),
                    part: "unprotected header"
                }
            );
        }
        // Names are case-sensitive (RFC 7515 §4): a member in another case is only unknown,
        // and unknown unprotected members stay ignored.
        with_header("Alg", json!("none"))
            .unwrap()
            .verify(&x509())
            .unwrap();
        with_header("CRIT", json!(["foo"]))
            .unwrap()
            .verify(&x509())
            .unwrap();
        // An x5c in both headers is refused too (the chain is read from the unprotected one).
        let err = with_protected(|h| {
            h.insert("x5c".into(), env["header"]["x5c"].clone());
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::HeaderInBothBuckets { name } if name == "x5c"),
            "{err:?}"
        );
    }

    #[test]
    fn timestamp_can_be_added_without_breaking_the_signature() {
        let bytes = signed(KeySpec::EcP384, |_| {});
        let mut env = UnverifiedJws::parse(&bytes).unwrap();
        env.set_timestamp_signature(vec![1, 2, 3]);
        let v = UnverifiedJws::parse(&env.to_bytes())
            .unwrap()
            .verify(&x509())
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

    // --- unprotected members as notation reads them, and the chain cap -----------------------------

    fn fixture(name: &str) -> Vec<u8> {
        let p = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    /// `jws_signature.sig` (made by notation-go) with its JSON text edited by `f`.
    fn notation_jws_edited(f: impl FnOnce(String) -> String) -> Result<UnverifiedJws, Error> {
        let text =
            String::from_utf8(shared("notation-go/internal-testdata/jws_signature.sig")).unwrap();
        let edited = f(text.clone());
        assert_ne!(edited, text, "the edit changed nothing");
        UnverifiedJws::parse(edited.as_bytes())
    }

    #[test]
    fn null_unsigned_members_are_absent_as_go_reads_them() {
        let env = notation_jws_edited(|t| {
            t.replace(
                "\"io.cncf.notary.signingAgent\":\"Notation/1.0.0\"",
                "\"io.cncf.notary.signingAgent\":null,\"io.cncf.notary.timestampSignature\":null",
            )
        })
        .unwrap();
        let v = env.verify(&x509()).unwrap();
        let unsigned = &v.signer_info().unsigned_attributes;
        assert_eq!(unsigned.signing_agent, None);
        assert_eq!(unsigned.timestamp_signature, None);
        // A null chain is still refused (Go reads it as none, and fails on that).
        let e = notation_jws_edited(|t| {
            let start = t.find("\"x5c\":[").unwrap();
            let end = start + t[start..].find(']').unwrap() + 1;
            format!("{}\"x5c\":null{}", &t[..start], &t[end..])
        })
        .unwrap_err();
        assert!(e.to_string().contains("x5c"), "{e}");
        // Another type is still refused.
        let e = notation_jws_edited(|t| {
            t.replace(
                "\"io.cncf.notary.signingAgent\":\"Notation/1.0.0\"",
                "\"io.cncf.notary.signingAgent\":5",
            )
        })
        .unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{e}");
    }

    #[test]
    fn legacy_signing_agent_member_is_read_like_notation() {
        let bytes = fixture("legacy-signing-agent.jws.sig");
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"io.cncf.notary.SigningAgent\":\"Notation/1.0.0\""));
        assert!(!text.contains("io.cncf.notary.signingAgent"));
        let env = UnverifiedJws::parse(&bytes).unwrap();
        let v = env.verify(&x509()).unwrap();
        assert_eq!(
            v.signer_info().unsigned_attributes.signing_agent.as_deref(),
            Some("Notation/1.0.0")
        );
        let shown = env.inspect().unwrap();
        assert_eq!(
            shown
                .signer_info
                .unsigned_attributes
                .signing_agent
                .as_deref(),
            Some("Notation/1.0.0")
        );
        // Re-encoding writes the current member name; the signature still holds.
        let again = env.to_bytes();
        assert!(String::from_utf8_lossy(&again).contains("\"io.cncf.notary.signingAgent\":"));
        UnverifiedJws::parse(&again)
            .unwrap()
            .verify(&x509())
            .unwrap();
    }

    #[test]
    fn unknown_unprotected_members_are_ignored_and_kept() {
        let bytes = fixture("unknown-unprotected-members.jws.sig");
        let env = UnverifiedJws::parse(&bytes).unwrap();
        let v = env.verify(&x509()).unwrap();
        let unsigned = &v.signer_info().unsigned_attributes;
        assert!(unsigned.timestamp_signature.is_some());
        assert_eq!(
            unsigned.signing_agent.as_deref(),
            Some("notation-go/1.3.0+unreleased")
        );
        let again = String::from_utf8(env.to_bytes()).unwrap();
        assert!(again.contains(r#""kid":"legacy-key""#), "{again}");
        assert!(
            again.contains(r#""com.example.note":{"list":[1,true,null],"n":1.5}"#),
            "{again}"
        );
        UnverifiedJws::parse(again.as_bytes())
            .unwrap()
            .verify(&x509())
            .unwrap();
    }

    #[test]
    fn unprotected_members_match_case_insensitively_like_go() {
        let env = notation_jws_edited(|t| t.replacen("\"x5c\":", "\"X5C\":", 1)).unwrap();
        assert_eq!(env.certificate_chain().len(), 1);
        env.verify(&x509()).unwrap();
        // Go folds U+017F (long s) to 'S' and U+212A (Kelvin sign) to 'K'.
        let env = notation_jws_edited(|t| {
            t.replacen(
                "\"io.cncf.notary.signingAgent\":",
                "\"io.cncf.notary.\u{17f}igningAgent\":",
                1,
            )
        })
        .unwrap();
        assert_eq!(
            env.inspect()
                .unwrap()
                .signer_info
                .unsigned_attributes
                .signing_agent
                .as_deref(),
            Some("Notation/1.0.0")
        );
        // Near misses are just unknown members (Go does not fold U+0131 dotless i onto 'i').
        for other in [
            "io.cncf.notary.signingAgent2",
            "\u{131}o.cncf.notary.signingAgent",
        ] {
            let env = notation_jws_edited(|t| {
                t.replacen(
                    "\"io.cncf.notary.signingAgent\":",
                    &format!("{other:?}:"),
                    1,
                )
            })
            .unwrap();
            assert_eq!(
                env.inspect()
                    .unwrap()
                    .signer_info
                    .unsigned_attributes
                    .signing_agent,
                None,
                "{other}"
            );
        }
        // A matched member of the wrong type is an error, as in Go.
        let err = notation_jws_edited(|t| {
            t.replacen(
                "\"io.cncf.notary.signingAgent\":\"Notation/1.0.0\"",
                "\"IO.CNCF.NOTARY.SIGNINGAGENT\":7",
                1,
            )
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid { name, .. } if name == "IO.CNCF.NOTARY.SIGNINGAGENT"),
            "{err}"
        );
    }

    #[test]
    fn ambiguous_unprotected_members_are_refused() {
        let names = |e: &Error| match e {
            Error::AmbiguousMember {
                part,
                first,
                second,
            } => {
                let mut n = [first.clone(), second.clone()];
                n.sort();
                Some((*part, n))
            }
            _ => None,
        };
        // Go would take whichever comes last; the envelope must not mean two things.
        let err = notation_jws_edited(|t| t.replacen("\"header\":{", "\"header\":{\"X5C\":[],", 1))
            .unwrap_err();
        assert_eq!(
            names(&err),
            Some(("unprotected header", ["X5C".to_string(), "x5c".to_string()])),
            "{err}"
        );
        let err = notation_jws_edited(|t| {
            t.replacen(
                "\"header\":{",
                "\"header\":{\"io.cncf.notary.signingagent\":\"other\",",
                1,
            )
        })
        .unwrap_err();
        assert!(names(&err).is_some(), "{err}");
        // Exact duplicates stay a duplicate-member error.
        let err = notation_jws_edited(|t| {
            t.replacen(
                "\"header\":{",
                "\"header\":{\"kid\":\"a\",\"kid\":\"b\",",
                1,
            )
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::DuplicateMember { name, .. } if name == "kid"),
            "{err}"
        );
    }

    #[test]
    fn top_level_members_and_the_protected_header_stay_strict() {
        let err = notation_jws_edited(|t| t.replacen("{\"payload\":", "{\"extra\":1,\"payload\":", 1))
            .unwrap_err();
        assert!(
            matches!(&err, Error::UnknownMember { part: "envelope", name } if name == "extra"),
            "{err}"
        );
        // Go would read `Header` as `header`; the spec names exactly four members.
        let err = notation_jws_edited(|t| t.replacen("\"header\":{", "\"Header\":{", 1)).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownMember { part: "envelope", name } if name == "Header"),
            "{err}"
        );
        // An unknown member added to the protected header is signed content: integrity fails.
        let text =
            String::from_utf8(shared("notation-go/internal-testdata/jws_signature.sig")).unwrap();
        let env: Value = serde_json::from_str(&text).unwrap();
        let protected = env["protected"].as_str().unwrap();
        let mut h: serde_json::Map<String, Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(protected).unwrap()).unwrap();
        h.insert("kid".into(), json!("x"));
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&h).unwrap());
        let err = notation_jws_edited(|t| t.replacen(protected, &forged, 1))
            .unwrap()
            .verify(&x509())
            .unwrap_err();
        assert!(matches!(err, Error::SignatureInvalid { .. }), "{err}");
        // A signed protected member that Go would read as a registered or Notary header is refused,
        // whether or not the exact header is also present.
        for (variant, header) in [
            ("CTY", "cty"),
            ("Alg", "alg"),
            (
                "io.cncf.notary.SigningScheme",
                "io.cncf.notary.signingScheme",
            ),
        ] {
            let err = with_protected(|h| {
                h.insert(variant.into(), json!("x"));
            })
            .unwrap_err();
            assert_eq!(
                err,
                Error::CaseVariantHeader {
                    name: variant.into(),
                    header: header.into()
                }
            );
        }
        let err = with_protected(|h| {
            let cty = h.remove("cty").unwrap();
            h.insert("Cty".into(), cty);
        })
        .unwrap_err();
        assert!(matches!(err, Error::CaseVariantHeader { .. }), "{err}");
    }

    /// A signer whose chain is the real one padded with copies of its last certificate.
    struct PaddedChain(notary_crypto::LocalSigner, usize);

    impl notary_core::Signer for PaddedChain {
        fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
            notary_core::Signer::key_spec(&self.0)
        }
        fn sign(&self, input: &[u8]) -> Result<notary_core::RawSignature, notary_core::Error> {
            let mut raw = notary_core::Signer::sign(&self.0, input)?;
            let last = raw.certificate_chain.last().unwrap().clone();
            raw.certificate_chain.resize(self.1, last);
            Ok(raw)
        }
    }

    #[test]
    fn certificate_chains_are_capped_at_parse() {
        assert_eq!(notary_envelope_jws::MAX_CHAIN_LEN, 32);
        assert_eq!(
            notary_envelope_jws::MAX_CHAIN_LEN,
            notary_core::MAX_CERTIFICATE_CHAIN_LEN
        );
        let bytes = signed(KeySpec::EcP521, |_| {});
        let mut env: Value = serde_json::from_slice(&bytes).unwrap();
        let leaf = env["header"]["x5c"][0].clone();
        env["header"]["x5c"] = Value::Array(vec![leaf.clone(); 32]);
        let parsed = UnverifiedJws::parse(&serde_json::to_vec(&env).unwrap()).unwrap();
        assert_eq!(parsed.certificate_chain().len(), 32);
        env["header"]["x5c"] = Value::Array(vec![leaf; 33]);
        assert_eq!(
            UnverifiedJws::parse(&serde_json::to_vec(&env).unwrap()).unwrap_err(),
            Error::CertificateChainTooLong { count: 33, max: 32 }
        );
        // Refused before any element is looked at.
        env["header"]["x5c"] = Value::Array(vec![json!(0); 33]);
        assert!(matches!(
            UnverifiedJws::parse(&serde_json::to_vec(&env).unwrap()),
            Err(Error::CertificateChainTooLong { .. })
        ));
        // Nothing is written that parse would refuse.
        let req = SignRequest::new(br#"{"targetArtifact":{}}"#.to_vec(), NOW);
        assert!(sign(&req, &PaddedChain(signer(KeySpec::EcP256), 32)).is_ok());
        assert_eq!(
            sign(&req, &PaddedChain(signer(KeySpec::EcP256), 33)).unwrap_err(),
            Error::CertificateChainTooLong { count: 33, max: 32 }
        );
    }

    /// A deterministic stand-in signer: the same input always gives the same signature, of
    /// the length the key spec's algorithm needs.
    struct Deterministic(KeySpec);

    impl notary_core::Signer for Deterministic {
        fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
            Ok(self.0)
        }

        fn sign(&self, input: &[u8]) -> Result<notary_core::RawSignature, notary_core::Error> {
            let len = self.0.signature_algorithm().ecdsa_signature_len().unwrap_or(256);
            let mut sig = vec![0u8; len];
            for (i, b) in input.iter().enumerate() {
                sig[i % len] = sig[i % len].wrapping_mul(31).wrapping_add(*b);
            }
            Ok(notary_core::RawSignature {
                signature: sig,
                certificate_chain: vec![b"leaf".to_vec()],
            })
        }
    }

    #[test]
    fn prepare_sign_finish_equals_sign() {
        use notary_core::Signer as _;
        for spec in KeySpec::ALL {
            let mut request = SignRequest::new(br#"{"targetArtifact":{}}"#.to_vec(), NOW);
            request.signing_agent = Some("notary-rs/test".into());
            let signer = Deterministic(spec);
            let unsigned = prepare(&request, spec).unwrap();
            assert_eq!(unsigned.algorithm(), spec.signature_algorithm());
            let raw = signer.sign(unsigned.signing_input()).unwrap();
            assert_eq!(unsigned.finish(raw).unwrap(), sign(&request, &signer).unwrap(), "{spec}");
        }
        // A real key: the two-phase envelope verifies under this provider.
        let real = signer(KeySpec::EcP384);
        let request = SignRequest::new(br#"{"targetArtifact":{}}"#.to_vec(), NOW);
        let unsigned = prepare(&request, KeySpec::EcP384).unwrap();
        let raw = notary_core::Signer::sign(&real, unsigned.signing_input()).unwrap();
        let envelope = unsigned.finish(raw).unwrap();
        UnverifiedJws::parse(&envelope).unwrap().verify(&x509()).unwrap();
    }

    #[test]
    fn finish_refuses_an_empty_chain_and_a_wrong_ecdsa_length() {
        let request = SignRequest::new(br#"{"targetArtifact":{}}"#.to_vec(), NOW);
        let no_chain = notary_core::RawSignature {
            signature: vec![1; 64],
            certificate_chain: vec![],
        };
        assert!(matches!(
            prepare(&request, KeySpec::EcP256).unwrap().finish(no_chain),
            Err(Error::Signer { reason }) if reason.contains("no certificate chain")
        ));
        let der_like = notary_core::RawSignature {
            signature: vec![1; 70],
            certificate_chain: vec![b"leaf".to_vec()],
        };
        assert!(matches!(
            prepare(&request, KeySpec::EcP256).unwrap().finish(der_like),
            Err(Error::Signer { reason }) if reason.contains("64-byte")
        ));
        let empty = SignRequest::new(Vec::new(), NOW);
        assert!(matches!(
            prepare(&empty, KeySpec::Rsa2048),
            Err(Error::InvalidRequest { .. })
        ));
        // Nor an empty signature, whatever the algorithm.
        let empty_rsa = notary_core::RawSignature {
            signature: vec![],
            certificate_chain: vec![b"leaf".to_vec()],
        };
        assert!(matches!(
            prepare(&request, KeySpec::Rsa2048).unwrap().finish(empty_rsa),
            Err(Error::Signer { reason }) if reason.contains("empty signature")
        ));
        // An envelope notation would read as having no signing time is never written.
        let zero = time::OffsetDateTime::from_unix_timestamp(notary_core::timefmt::GO_ZERO_TIME_UNIX)
            .unwrap();
        let go_zero = SignRequest::new(br#"{"targetArtifact":{}}"#.to_vec(), zero);
        assert!(matches!(
            prepare(&go_zero, KeySpec::Rsa2048),
            Err(Error::InvalidRequest { reason }) if reason.contains("0001-01-01")
        ));
    }

    #[test]
    fn a_null_or_go_zero_expiry_is_no_expiry() {
        // notation-go decodes the expiry into `*time.Time` and checks `IsZero`: JSON null and
        // 0001-01-01T00:00:00Z both mean no expiry, which need not be critical (checked
        // against notation-core-go v1.3.0).
        for value in [json!(null), json!("0001-01-01T00:00:00Z")] {
            let v = value.clone();
            let r = with_protected(move |h| {
                h.insert("io.cncf.notary.expiry".into(), v);
            });
            assert!(r.is_ok(), "{value}: {r:?}");
        }
    }

    #[test]
    fn wrapped_base64_certificates_read_as_go_reads_them() {
        // Go's base64 (behind encoding/json's []byte) skips CR and LF.
        let bytes = signed(KeySpec::EcP256, |_| {});
        let mut env: Value = serde_json::from_slice(&bytes).unwrap();
        let leaf = env["header"]["x5c"][0].as_str().unwrap().to_string();
        let (a, b) = leaf.split_at(64);
        env["header"]["x5c"][0] = json!(format!("{a}\r\n{b}\n"));
        let verified = UnverifiedJws::parse(&serde_json::to_vec(&env).unwrap())
            .unwrap()
            .verify(&x509())
            .unwrap();
        assert_eq!(
            verified.signer_info().certificate_chain[0],
            STANDARD.decode(&leaf).unwrap()
        );
    }

    #[test]
    fn the_signer_refuses_names_its_parser_would_refuse() {
        for name in [
            "ALG",
            "Crit",
            "IO.CNCF.NOTARY.EXPIRY",
            "io.cncf.notary.authenticsigningtime",
            // Unprotected member names: the two headers' names must be disjoint.
            "x5c",
            "io.cncf.notary.signingAgent",
            "io.cncf.notary.timestampSignature",
        ] {
            let mut request = SignRequest::new(br#"{"targetArtifact":{}}"#.to_vec(), NOW);
            request.extended_attributes.push(ExtendedAttribute {
                key: AttributeKey::Text(name.into()),
                value: AttributeValue::Text("x".into()),
                critical: false,
            });
            assert!(
                matches!(prepare(&request, KeySpec::EcP256), Err(Error::InvalidRequest { .. })),
                "{name}"
            );
        }
    }
}
