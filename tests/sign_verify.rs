//! End-to-end library tests: sign with every key spec, both envelopes and both schemes, then
//! verify through the verifier; tampering and policy behaviour give the right typed failures.

#[path = "support/encoder_sign.rs"]
mod encoder_sign;

use std::collections::BTreeMap;
use std::sync::Arc;

use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{
    CheckStatus, Descriptor, EnvelopeMediaType, KeySpec, SignOptions, SigningScheme,
    UnverifiedEnvelope, Validation, VerificationError, Verifier,
};
use notary_core::{AttributeKey, AttributeValue, DigestAlgorithm, ExtendedAttribute};
use notary_crypto::pki::{ChainBuilder, TestChain};
use notary_trustpolicy::{BlobTrustPolicy, OciTrustPolicy};
use notary_x509::Certificate;
use time::Duration;
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-06-01 12:00 UTC);
const REF: &str =
    "registry.example/app@sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

fn target() -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        REF.rsplit_once('@').unwrap().1.parse().unwrap(),
        942,
    )
}

fn policy(level: &str, extra: &str, identity: &str) -> OciTrustPolicy {
    OciTrustPolicy::from_json(format!(
        r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],
        "signatureVerification":{{"level":"{level}"{extra}}},"trustStores":["ca:s","signingAuthority:s"],
        "trustedIdentities":["{identity}"]}}]}}"#
    ).as_bytes())
    .unwrap()
}

fn verifier(chain: &TestChain, level: &str, extra: &str, identity: &str) -> notary::NotaryVerifier {
    let mut store = MemoryTrustStore::new(notary::default_provider());
    let root = Certificate::from_der(chain.root()).unwrap();
    store
        .add(TrustStoreType::Ca, "s", vec![root.clone()])
        .unwrap();
    store
        .add(TrustStoreType::SigningAuthority, "s", vec![root])
        .unwrap();
    notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store))
        .with_oci_policy(policy(level, extra, identity))
}

fn sign(chain: &TestChain, format: EnvelopeMediaType, f: impl FnOnce(&mut SignOptions)) -> Vec<u8> {
    let mut o = SignOptions::new(NOW);
    o.format = format;
    f(&mut o);
    notary::sign_artifact(&target(), &chain.signer().unwrap(), &o)
        .unwrap()
        .bytes
}

fn verify(
    v: &notary::NotaryVerifier,
    env: &[u8],
    format: EnvelopeMediaType,
) -> Result<notary::VerificationOutcome, VerificationError> {
    v.verify(notary::VerifyRequest::oci(
        env,
        format,
        scope_of(REF),
        &target(),
        NOW,
    ))
}

fn failed(r: Result<notary::VerificationOutcome, VerificationError>) -> Validation {
    r.expect_err("verification must fail")
        .validation()
        .expect("a validation failure")
}

const ID: &str = "x509.subject: C=US, ST=WA, O=Notary, CN=Notary Test Leaf";

#[test]
fn six_key_specs_two_envelopes_two_schemes() {
    for spec in KeySpec::ALL {
        let chain = ChainBuilder::new(spec, NOW).build().unwrap();
        let v = verifier(&chain, "strict", "", ID);
        for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
            for scheme in [SigningScheme::X509, SigningScheme::X509SigningAuthority] {
                let env = sign(&chain, format, |o| {
                    o.signing_scheme = scheme;
                    o.expiry = Some(Duration::days(7));
                    o.user_metadata.insert("build".into(), "42".into());
                });
                let out = v
                    .verify(
                        notary::VerifyRequest::oci(&env, format, scope_of(REF), &target(), NOW)
                            .with_user_metadata(&BTreeMap::from([("build".into(), "42".into())])),
                    )
                    .unwrap_or_else(|e| panic!("{spec} {format} {scheme}: {e}"));
                assert_eq!(out.level().name(), "strict");
                assert_eq!(out.warnings().count(), 0);
                let verified = out.verified().unwrap();
                let info = verified.envelope().signer_info();
                assert_eq!(info.signed_attributes.signing_scheme, scheme);
                assert_eq!(info.signature_algorithm, spec.signature_algorithm());
                assert!(verified.payload().target_artifact.content_equals(&target()));
            }
        }
    }
}

#[test]
fn tampering_is_caught_at_integrity() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let v = verifier(&chain, "strict", "", "*");
    for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
        let env = sign(&chain, format, |_| {});
        assert!(verify(&v, &env, format).is_ok());
        // Flip one byte at a time across the envelope: nothing may verify, nothing may panic.
        for i in (0..env.len()).step_by(7) {
            let mut bad = env.clone();
            bad[i] ^= 0x01;
            if let Ok(out) = verify(&v, &bad, format) {
                // Only bytes outside the signed content (e.g. JSON whitespace-equivalent or the
                // unprotected signing agent) may change without failing.
                let info = out.verified().unwrap().envelope().clone();
                assert_eq!(
                    info.payload(),
                    UnverifiedEnvelope::parse(format, &env)
                        .unwrap()
                        .verify_integrity(&notary_x509::X509Verifier::new(
                            notary::default_provider()
                        ))
                        .unwrap()
                        .payload()
                );
            }
        }
        if format == EnvelopeMediaType::Jws {
            // The chain reordered (root first): the leaf is no longer where the key is taken from.
            let mut v_env: serde_json::Value = serde_json::from_slice(&env).unwrap();
            let chain_json = v_env["header"]["x5c"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .cloned()
                .collect();
            v_env["header"]["x5c"] = serde_json::Value::Array(chain_json);
            let reordered = serde_json::to_vec(&v_env).unwrap();
            assert_eq!(
                failed(verify(&v, &reordered, format)),
                Validation::Integrity
            );
        }
        let wrong_media = verify(
            &v,
            &env,
            if format == EnvelopeMediaType::Jws {
                EnvelopeMediaType::Cose
            } else {
                EnvelopeMediaType::Jws
            },
        );
        assert_eq!(failed(wrong_media), Validation::Integrity);
        // A media type that is no Notary format cannot even be asked for: the request type has
        // no "other" format to fall back to.
        assert!(matches!(
            "application/octet-stream".parse::<EnvelopeMediaType>(),
            Err(notary_core::Error::Unsupported { .. })
        ));
    }
}

#[test]
fn trust_is_byte_equality_with_a_store_certificate() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    // Same keys, new certificates: nothing in the envelope's chain is in this store.
    let reissued = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let env = sign(&chain, EnvelopeMediaType::Jws, |_| {});
    assert_eq!(
        failed(verify(
            &verifier(&reissued, "strict", "", "*"),
            &env,
            EnvelopeMediaType::Jws
        )),
        Validation::Authenticity
    );
    // Audit logs it instead.
    let out = verify(
        &verifier(&reissued, "audit", "", "*"),
        &env,
        EnvelopeMediaType::Jws,
    )
    .unwrap();
    assert!(out.warnings().any(|(v, _)| v == Validation::Authenticity));
}

#[test]
fn identity_expiry_and_validity_follow_the_level() {
    let chain = ChainBuilder::new(KeySpec::Rsa2048, NOW).build().unwrap();
    let env = sign(&chain, EnvelopeMediaType::Cose, |o| {
        o.expiry = Some(Duration::hours(1))
    });
    let wrong_id = "x509.subject: C=US, ST=WA, O=Someone Else";
    assert_eq!(
        failed(verify(
            &verifier(&chain, "strict", "", wrong_id),
            &env,
            EnvelopeMediaType::Cose
        )),
        Validation::TrustedIdentity
    );
    assert!(
        verify(
            &verifier(&chain, "audit", "", wrong_id),
            &env,
            EnvelopeMediaType::Cose
        )
        .is_ok()
    );

    let later = NOW + Duration::hours(2);
    let at = |v: &notary::NotaryVerifier| {
        v.verify(notary::VerifyRequest::oci(
            &env,
            notary::EnvelopeMediaType::Cose,
            scope_of(REF),
            &target(),
            later,
        ))
    };
    let v = verifier(&chain, "strict", "", "*");
    assert_eq!(at(&v).unwrap_err().validation(), Some(Validation::Expiry));
    let out = at(&verifier(&chain, "permissive", "", "*")).unwrap();
    assert!(out.warnings().any(|(v, _)| v == Validation::Expiry));
    let out = at(&verifier(
        &chain,
        "strict",
        r#","override":{"expiry":"log"}"#,
        "*",
    ))
    .unwrap();
    assert_eq!(out.level(), notary::VerificationLevel::Custom);

    // Certificates expired at verification time, no timestamp: authentic timestamp fails.
    let much_later = NOW + Duration::days(400);
    let env = sign(&chain, EnvelopeMediaType::Jws, |_| {});
    let r = v.verify(notary::VerifyRequest::oci(
        &env,
        notary::EnvelopeMediaType::Jws,
        scope_of(REF),
        &target(),
        much_later,
    ));
    assert_eq!(
        r.unwrap_err().validation(),
        Some(Validation::AuthenticTimestamp)
    );
}

#[test]
fn unknown_critical_attributes_fail_closed_and_target_and_metadata_are_fatal() {
    let chain = ChainBuilder::new(KeySpec::EcP384, NOW).build().unwrap();
    let v = verifier(&chain, "audit", "", "*");
    let must_understand = ExtendedAttribute {
        key: AttributeKey::Text("com.example.mustUnderstand".into()),
        value: AttributeValue::Text("yes".into()),
        critical: true,
    };
    // Signing refuses it (no verification would accept it)...
    let mut o = notary::SignOptions::new(NOW);
    o.extended_attributes.push(must_understand.clone());
    let e = notary::sign_artifact(&target(), &chain.signer().unwrap(), &o).unwrap_err();
    assert!(
        e.to_string()
            .contains("can only be processed by a verification plugin"),
        "{e}"
    );
    // ...and the verifier refuses the envelope another signer could make.
    let env = encoder_sign::sign_refused_by_signers(
        &chain,
        EnvelopeMediaType::Jws,
        target(),
        NOW,
        vec![must_understand],
    );
    assert_eq!(
        failed(verify(&v, &env, EnvelopeMediaType::Jws)),
        Validation::Plugin
    );

    let env = sign(&chain, EnvelopeMediaType::Jws, |_| {});
    let other = Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        DigestAlgorithm::Sha256.digest(b"x"),
        1,
    );
    assert_eq!(
        failed(v.verify(notary::VerifyRequest::oci(
            &env,
            notary::EnvelopeMediaType::Jws,
            scope_of(REF),
            &other,
            NOW
        ))),
        Validation::TargetMismatch
    );
    let md = BTreeMap::from([("k".to_string(), "v".to_string())]);
    assert_eq!(
        failed(
            v.verify(
                notary::VerifyRequest::oci(
                    &env,
                    notary::EnvelopeMediaType::Jws,
                    scope_of(REF),
                    &target(),
                    NOW
                )
                .with_user_metadata(&md)
            )
        ),
        Validation::UserMetadata
    );
    // skip level: nothing is verified, even garbage passes.
    let skip = notary::NotaryVerifier::new(notary::default_provider(), Arc::new(MemoryTrustStore::new(notary::default_provider()))).with_oci_policy(
        OciTrustPolicy::from_json(br#"{"version":"1.0","trustPolicies":[{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}"#).unwrap(),
    );
    assert!(
        skip.verify(notary::VerifyRequest::oci(
            b"garbage",
            notary::EnvelopeMediaType::Jws,
            scope_of(REF),
            &target(),
            NOW
        ))
        .unwrap()
        .is_skipped()
    );
}

#[test]
fn blob_signatures_hash_with_the_key_and_check_digest_size_and_media_type() {
    for spec in [KeySpec::Rsa3072, KeySpec::EcP521] {
        let chain = ChainBuilder::new(spec, NOW).build().unwrap();
        let blob = b"blob content for notary".repeat(1000);
        let (digest, size) = notary::verifier::hash_reader(
            &notary::default_provider(),
            spec.hash_algorithm(),
            &mut blob.as_slice(),
        )
        .unwrap();
        assert_eq!(digest.algorithm(), spec.hash_algorithm());
        let desc = Descriptor::new("application/octet-stream", digest, size);
        let mut o = SignOptions::new(NOW);
        o.format = EnvelopeMediaType::Cose;
        let env = notary::sign_artifact(&desc, &chain.signer().unwrap(), &o)
            .unwrap()
            .bytes;
        let mut store = MemoryTrustStore::new(notary::default_provider());
        store
            .add(
                TrustStoreType::Ca,
                "s",
                vec![Certificate::from_der(chain.root()).unwrap()],
            )
            .unwrap();
        let v = notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store)).with_blob_policy(
            BlobTrustPolicy::from_json(br#"{"version":"1.0","trustPolicies":[{"name":"b","globalPolicy":true,"signatureVerification":{"level":"strict"},"trustStores":["ca:s"],"trustedIdentities":["*"]}]}"#).unwrap(),
        );
        let run = |content: &[u8], mt: Option<&str>| {
            let mut r = content;
            v.verify(notary::VerifyRequest::blob(
                &env,
                notary::EnvelopeMediaType::Cose,
                blob_target(&mut r, mt, None),
                NOW,
            ))
        };
        let out = run(&blob, Some("application/octet-stream")).unwrap();
        assert!(
            out.checks()
                .iter()
                .any(|c| c.validation() == Validation::TargetMismatch
                    && *c.status() == CheckStatus::Passed)
        );
        let mut tampered = blob.clone();
        tampered[0] ^= 1;
        assert_eq!(failed(run(&tampered, None)), Validation::TargetMismatch);
        assert_eq!(failed(run(&blob[1..], None)), Validation::TargetMismatch);
        assert_eq!(
            failed(run(&blob, Some("image/png"))),
            Validation::TargetMismatch
        );
    }
}

#[test]
fn expiry_past_the_representable_range_is_an_invalid_sign_option() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    for expiry in [Duration::hours(277_777_777), Duration::seconds(i64::MAX)] {
        let mut o = SignOptions::new(NOW);
        o.expiry = Some(expiry);
        match notary::sign_artifact(&target(), &chain.signer().unwrap(), &o) {
            Err(notary::Error::InvalidSignOptions { reason }) => {
                assert!(reason.contains("expiry"), "{reason}")
            }
            other => panic!("expected InvalidSignOptions, got {other:?}"),
        }
    }
}

/// The `registry/repository` of a digest reference (what the trust policy is selected by).
fn scope_of(reference: &str) -> &str {
    reference
        .split_once('@')
        .map_or(reference, |(scope, _)| scope)
}

fn blob_target<'a>(
    content: &'a mut dyn std::io::Read,
    media_type: Option<&'a str>,
    policy_name: Option<&'a str>,
) -> notary::BlobTarget<'a> {
    let mut t = notary::BlobTarget::new(content);
    if let Some(m) = media_type {
        t = t.with_media_type(m);
    }
    if let Some(n) = policy_name {
        t = t.with_policy_name(n);
    }
    t
}

/// A timestamp authority that takes a while and then refuses.
#[derive(Debug)]
struct SlowTsa(std::time::Duration);

impl notary::timestamp::Timestamper for SlowTsa {
    fn timestamp(
        &self,
        _message: &[u8],
        _hash: DigestAlgorithm,
    ) -> Result<Vec<u8>, notary::timestamp::TimestampError> {
        std::thread::sleep(self.0);
        Err(notary::timestamp::TimestampError::Request(
            "the test TSA refuses".into(),
        ))
    }
}

#[test]
fn async_signing_leaves_the_runtime_free_while_the_tsa_answers() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let signer = chain.signer().unwrap();
    let mut options = SignOptions::new(NOW);
    options.timestamper = Some(Arc::new(SlowTsa(std::time::Duration::from_millis(300))));
    // One thread: while the TSA is waited on, another task must still be polled.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ticks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = ticks.clone();
    let err = rt.block_on(async {
        let ticker = tokio::spawn(async move {
            loop {
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
        });
        let result = notary::sign_artifact_async(&target(), &signer, &options).await;
        ticker.abort();
        result.unwrap_err()
    });
    assert!(matches!(err, notary::Error::Timestamp(_)), "{err:?}");
    assert!(err.to_string().contains("the test TSA refuses"), "{err}");
    // In line, the ticker would not have run at all before the refusal.
    let n = ticks.load(std::sync::atomic::Ordering::Relaxed);
    assert!(n > 100, "the runtime ran {n} other polls during 300 ms");
}
