//! The trust engine on its own (no facade, no registry, no processes), under both crypto
//! providers: the verdicts, the typed outcome and the error sources.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use notary_core::crypto::CryptoProvider;
use notary_core::{
    AttributeKey, AttributeValue, BlobTarget, CheckStatus, Descriptor, EnvelopeMediaType,
    ExtendedAttribute, KeySpec, Payload, SignRequest, Signer as _, Validation, VerificationLevel,
    Verifier, VerifyRequest, header,
};
use notary_crypto::pki::{ChainBuilder, TestChain};
use notary_plugin_api::capability::{VERIFIER_REVOCATION_CHECK, VERIFIER_TRUSTED_IDENTITY};
use notary_plugin_api::{
    GetMetadataResponse, VerificationResult, VerifySignatureRequest, VerifySignatureResponse,
};
use notary_trustpolicy::{BlobTrustPolicy, OciTrustPolicy, TrustStoreType};
use notary_verifier::NotaryVerifier;
use notary_verifier::plugin::{PluginError, VerificationPlugin};
use notary_verifier::truststore::{
    MemoryTrustStore, SnapshotTrustStore, TrustStore, TrustStoreError, TrustStoreErrorKind,
};
use time::OffsetDateTime;

const NOW: OffsetDateTime = time::macros::datetime!(2026-06-01 12:00 UTC);
const SCOPE: &str = "registry.example/app";

fn providers() -> [CryptoProvider; 2] {
    [
        notary_provider_aws_lc_rs::provider(),
        notary_provider_rustcrypto::provider(),
    ]
}

fn artifact() -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
            .parse()
            .unwrap(),
        942,
    )
}

fn sign(
    chain: &TestChain,
    format: EnvelopeMediaType,
    target: &Descriptor,
    attrs: Vec<ExtendedAttribute>,
) -> Vec<u8> {
    let signer = chain.signer().unwrap();
    let payload = Payload::new(target.clone());
    let bytes = match format {
        EnvelopeMediaType::Jws => payload.to_jws_json().unwrap(),
        EnvelopeMediaType::Cose => payload.to_cose_json().unwrap(),
    };
    let mut request = SignRequest::new(bytes, NOW);
    request.extended_attributes = attrs;
    match format {
        EnvelopeMediaType::Jws => {
            let u = notary_envelope_jws::prepare(&request, signer.key_spec().unwrap()).unwrap();
            let raw = signer.sign(u.signing_input()).unwrap();
            u.finish(raw).unwrap()
        }
        EnvelopeMediaType::Cose => {
            let u = notary_envelope_cose::prepare(&request, signer.key_spec().unwrap()).unwrap();
            let raw = signer.sign(u.signing_input()).unwrap();
            u.finish(raw).unwrap()
        }
    }
}

fn policy(level: &str) -> OciTrustPolicy {
    OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"app","registryScopes":["{SCOPE}"],
            "signatureVerification":{{"level":"{level}"}},"trustStores":["ca:acme"],
            "trustedIdentities":["x509.subject: C=US, ST=WA, O=Notary"]}}]}}"#
        )
        .as_bytes(),
    )
    .unwrap()
}

/// A trust store holding `root` as `ca:acme`.
fn store(provider: CryptoProvider, root: &[u8]) -> MemoryTrustStore {
    let mut store = MemoryTrustStore::new(provider);
    store
        .add(
            TrustStoreType::Ca,
            "acme",
            vec![notary_x509::Certificate::from_der(root).unwrap()],
        )
        .unwrap();
    store
}

fn verifier(provider: CryptoProvider, root: &[u8], level: &str) -> NotaryVerifier {
    NotaryVerifier::new(provider, Arc::new(store(provider, root))).with_oci_policy(policy(level))
}

#[test]
fn every_key_spec_verifies_under_both_providers_in_both_formats() {
    for provider in providers() {
        for spec in [
            KeySpec::Rsa2048,
            KeySpec::Rsa3072,
            KeySpec::Rsa4096,
            KeySpec::EcP256,
            KeySpec::EcP384,
            KeySpec::EcP521,
        ] {
            let chain = ChainBuilder::new(spec, NOW).build().unwrap();
            let v = verifier(provider, chain.root(), "strict");
            for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
                let env = sign(&chain, format, &artifact(), Vec::new());
                let out = v
                    .verify(VerifyRequest::oci(&env, format, SCOPE, &artifact(), NOW))
                    .unwrap_or_else(|e| panic!("{} {spec} {format}: {e}", provider.name));
                assert!(out.is_verified());
                assert_eq!(out.level(), VerificationLevel::Strict);
                let verified = out.verified().unwrap();
                assert_eq!(verified.payload().target_artifact.digest, artifact().digest);
                assert_eq!(
                    verified.envelope().signer_info().signature_algorithm,
                    spec.signature_algorithm()
                );
            }
        }
    }
}

/// Counts the reads of an inner store, and fails the first `fail_first` of them.
struct Counting {
    inner: MemoryTrustStore,
    reads: Mutex<usize>,
    fail_first: usize,
}

impl TrustStore for Counting {
    fn certificates(
        &self,
        store_type: TrustStoreType,
        name: &str,
    ) -> Result<Vec<notary_x509::Certificate>, TrustStoreError> {
        let n = {
            let mut r = self.reads.lock().unwrap();
            *r += 1;
            *r
        };
        if n <= self.fail_first {
            return Err(TrustStoreError {
                kind: TrustStoreErrorKind::Access,
                store_type,
                name: name.to_string(),
                reason: "not mounted yet".into(),
            });
        }
        self.inner.certificates(store_type, name)
    }
}

#[test]
fn a_snapshot_store_reads_each_store_once_across_policy_and_verify_but_keeps_no_failure() {
    let provider = notary_provider_aws_lc_rs::provider();
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let mut inner = MemoryTrustStore::new(provider);
    inner
        .add(
            TrustStoreType::Ca,
            "acme",
            vec![notary_x509::Certificate::from_der(chain.root()).unwrap()],
        )
        .unwrap();
    let counting = Arc::new(Counting {
        inner,
        reads: Mutex::new(0),
        fail_first: 1,
    });
    let v = NotaryVerifier::new(provider, counting.clone())
        .with_oci_policy(policy("strict"))
        .with_trust_store(Arc::new(SnapshotTrustStore::new(counting.clone())));
    let env = sign(&chain, EnvelopeMediaType::Jws, &artifact(), Vec::new());
    let verify = || {
        v.verify(VerifyRequest::oci(
            &env,
            EnvelopeMediaType::Jws,
            SCOPE,
            &artifact(),
            NOW,
        ))
    };

    // The first read fails: the verification fails on it, and the failure is not kept.
    let e = verify().unwrap_err();
    assert!(e.to_string().contains("not mounted yet"), "{e}");
    assert_eq!(*counting.reads.lock().unwrap(), 1);

    // The thumbprint filter and two verifications then share one successful read.
    let applied = v
        .policy(notary_core::PolicyTarget::Oci {
            scope: SCOPE,
            digest: &artifact().digest,
        })
        .unwrap();
    assert_eq!(applied.trusted_thumbprints().len(), 1);
    assert!(verify().unwrap().is_verified());
    assert!(verify().unwrap().is_verified());
    assert_eq!(*counting.reads.lock().unwrap(), 2);
}

#[test]
fn tampering_another_root_and_another_target_fail_with_their_validation() {
    for provider in providers() {
        let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
        let other = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
        let env = sign(&chain, EnvelopeMediaType::Cose, &artifact(), Vec::new());
        let v = verifier(provider, chain.root(), "strict");

        let mut bad = env.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let e = v
            .verify(VerifyRequest::oci(
                &bad,
                EnvelopeMediaType::Cose,
                SCOPE,
                &artifact(),
                NOW,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::Integrity), "{e}");
        // The codec's error is kept as the source, not flattened into the message only.
        assert!(std::error::Error::source(&e).is_some(), "{e}");

        let e = verifier(provider, other.root(), "strict")
            .verify(VerifyRequest::oci(
                &env,
                EnvelopeMediaType::Cose,
                SCOPE,
                &artifact(),
                NOW,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::Authenticity), "{e}");

        let mut elsewhere = artifact();
        elsewhere.size += 1;
        let e = v
            .verify(VerifyRequest::oci(
                &env,
                EnvelopeMediaType::Cose,
                SCOPE,
                &elsewhere,
                NOW,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::TargetMismatch), "{e}");

        // The wrong format for the bytes is an integrity failure, never a fallback.
        let e = v
            .verify(VerifyRequest::oci(
                &env,
                EnvelopeMediaType::Jws,
                SCOPE,
                &artifact(),
                NOW,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::Integrity), "{e}");

        // Audit: another root is only logged.
        let out = verifier(provider, other.root(), "audit")
            .verify(VerifyRequest::oci(
                &env,
                EnvelopeMediaType::Cose,
                SCOPE,
                &artifact(),
                NOW,
            ))
            .unwrap();
        assert!(out.is_verified());
        assert_eq!(out.level(), VerificationLevel::Audit);
        assert!(
            out.warnings().any(|(v, _)| v == Validation::Authenticity),
            "{:?}",
            out.checks()
        );
    }
}

#[test]
fn audit_logs_one_authenticity_warning_when_store_and_identity_both_fail() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let other = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let env = sign(&chain, EnvelopeMediaType::Jws, &artifact(), Vec::new());
    let provider = notary_provider_aws_lc_rs::provider();
    let nobody = OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"app","registryScopes":["{SCOPE}"],
            "signatureVerification":{{"level":"audit"}},"trustStores":["ca:acme"],
            "trustedIdentities":["x509.subject: C=US, ST=WA, O=nomatch"]}}]}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    let verify = |root: &[u8]| {
        NotaryVerifier::new(provider, Arc::new(store(provider, root)))
            .with_oci_policy(nobody.clone())
            .verify(VerifyRequest::oci(
                &env,
                EnvelopeMediaType::Jws,
                SCOPE,
                &artifact(),
                NOW,
            ))
            .unwrap()
    };
    // As notation-go, the identity's failure takes the place of the trust store's.
    let out = verify(other.root());
    let warnings: Vec<_> = out.warnings().collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, Validation::TrustedIdentity);
    assert!(
        warnings[0].1.ends_with(
            r#"trusted identities [map["C":"US" "O":"nomatch" "ST":"WA"]] defined in the trust policy "app""#
        ),
        "{warnings:?}"
    );
    // Anchored in the store, only the identity fails: the same one warning.
    let out = verify(chain.root());
    let validations: Vec<_> = out.warnings().map(|(v, _)| v).collect();
    assert_eq!(validations, [Validation::TrustedIdentity]);
}

#[test]
fn policy_errors_keep_the_trust_policy_error_as_source() {
    let provider = notary_provider_aws_lc_rs::provider();
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let env = sign(&chain, EnvelopeMediaType::Jws, &artifact(), Vec::new());
    let e = verifier(provider, chain.root(), "strict")
        .verify(VerifyRequest::oci(
            &env,
            EnvelopeMediaType::Jws,
            "other.example/repo",
            &artifact(),
            NOW,
        ))
        .unwrap_err();
    assert_eq!(e.validation(), None);
    let source = std::error::Error::source(&e).expect("source");
    assert!(
        source.downcast_ref::<notary_trustpolicy::Error>().is_some(),
        "{source}"
    );
}

#[test]
fn skip_gives_a_skipped_outcome_without_parsing() {
    let provider = notary_provider_rustcrypto::provider();
    let store = MemoryTrustStore::new(provider);
    let skip = OciTrustPolicy::from_json(
        br#"{"version":"1.0","trustPolicies":[{"name":"s","registryScopes":["*"],
        "signatureVerification":{"level":"skip"}}]}"#,
    )
    .unwrap();
    let v = NotaryVerifier::new(provider, Arc::new(store)).with_oci_policy(skip);
    let out = v
        .verify(VerifyRequest::oci(
            b"garbage",
            EnvelopeMediaType::Jws,
            SCOPE,
            &artifact(),
            NOW,
        ))
        .unwrap();
    assert!(out.is_skipped());
    assert!(out.verified().is_none());
    assert_eq!(out.policy_name(), "s");
}

#[test]
fn an_empty_blob_signature_or_a_bad_media_type_is_refused_even_under_skip() {
    let provider = notary_provider_aws_lc_rs::provider();
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let v = NotaryVerifier::new(provider, Arc::new(store(provider, chain.root())))
        .with_blob_policy(
            BlobTrustPolicy::from_json(
                br#"{"version":"1.0","trustPolicies":[{"name":"b",
                "signatureVerification":{"level":"skip"}}]}"#,
            )
            .unwrap(),
        );
    let blob = b"x".to_vec();
    let run = |envelope: &[u8], media_type: Option<&str>| {
        let mut content = blob.as_slice();
        let mut target = BlobTarget::new(&mut content).with_policy_name("b");
        if let Some(mt) = media_type {
            target = target.with_media_type(mt);
        }
        v.verify(VerifyRequest::blob(
            envelope,
            EnvelopeMediaType::Jws,
            target,
            NOW,
        ))
    };
    // Skip passes anything else, as notation-go's skip does.
    assert!(run(b"garbage", Some("text/plain; charset=utf-8")).is_ok());
    let e = run(b"", None).unwrap_err();
    assert!(
        matches!(e, notary_core::VerificationError::Request { .. }),
        "{e}"
    );
    assert_eq!(e.to_string(), "signature cannot be nil or empty");
    let e = run(b"garbage", Some("a b")).unwrap_err();
    assert!(
        matches!(&e, notary_core::VerificationError::Request { reason } if reason.starts_with("invalid content media type \"a b\"")),
        "{e}"
    );
}

#[test]
fn blobs_are_hashed_by_the_provider_and_user_metadata_is_enforced() {
    for provider in providers() {
        let chain = ChainBuilder::new(KeySpec::EcP384, NOW).build().unwrap();
        let blob = b"release notes\n".repeat(100);
        let (digest, size) = notary_verifier::hash_reader(
            &provider,
            KeySpec::EcP384.hash_algorithm(),
            &mut blob.as_slice(),
        )
        .unwrap();
        let mut desc = Descriptor::new("application/octet-stream", digest, size);
        desc.annotations = Some(BTreeMap::from([("build".into(), "7".into())]));
        let env = sign(&chain, EnvelopeMediaType::Jws, &desc, Vec::new());
        let v = NotaryVerifier::new(provider, Arc::new(store(provider, chain.root())))
            .with_blob_policy(
                BlobTrustPolicy::from_json(
                    br#"{"version":"1.0","trustPolicies":[{"name":"b","globalPolicy":true,
                "signatureVerification":{"level":"strict"},"trustStores":["ca:acme"],
                "trustedIdentities":["*"]}]}"#,
                )
                .unwrap(),
            );
        let good = BTreeMap::from([("build".to_string(), "7".to_string())]);
        let out = v
            .verify(
                VerifyRequest::blob(
                    &env,
                    EnvelopeMediaType::Jws,
                    BlobTarget::new(&mut blob.as_slice())
                        .with_media_type("application/octet-stream"),
                    NOW,
                )
                .with_user_metadata(&good),
            )
            .unwrap();
        assert!(
            out.checks()
                .iter()
                .any(|c| c.validation() == Validation::UserMetadata
                    && *c.status() == CheckStatus::Passed)
        );
        let bad = BTreeMap::from([("build".to_string(), "8".to_string())]);
        let e = v
            .verify(
                VerifyRequest::blob(
                    &env,
                    EnvelopeMediaType::Jws,
                    BlobTarget::new(&mut blob.as_slice()),
                    NOW,
                )
                .with_user_metadata(&bad),
            )
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::UserMetadata));
        let e = v
            .verify(VerifyRequest::blob(
                &env,
                EnvelopeMediaType::Jws,
                BlobTarget::new(&mut &blob[1..]),
                NOW,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::TargetMismatch));

        // A blob longer than the signed one, here endless: read one byte past the signed
        // size, not to its end.
        let mut read = 0u64;
        let mut endless = CountingReader {
            inner: std::io::repeat(b'x'),
            read: &mut read,
        };
        let e = v
            .verify(VerifyRequest::blob(
                &env,
                EnvelopeMediaType::Jws,
                BlobTarget::new(&mut endless),
                NOW,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::TargetMismatch));
        assert!(
            e.to_string().contains(&format!(
                "the blob is larger than the {size} bytes the signature is for"
            )),
            "{e}"
        );
        assert_eq!(read, size + 1);
    }
}

/// A reader that counts what is read from it.
struct CountingReader<'a, R> {
    inner: R,
    read: &'a mut u64,
}

impl<R: std::io::Read> std::io::Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        *self.read += k as u64;
        Ok(k)
    }
}

/// An in-process verification plugin: what a registry server would plug in instead of
/// executables. Records the requests it gets.
#[derive(Debug)]
struct FakePlugin {
    version: &'static str,
    capabilities: Vec<&'static str>,
    processes: bool,
    answer: Option<bool>,
    seen: Mutex<Vec<VerifySignatureRequest>>,
}

impl FakePlugin {
    fn new(version: &'static str, capabilities: Vec<&'static str>) -> Self {
        Self {
            version,
            capabilities,
            processes: true,
            answer: Some(true),
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl VerificationPlugin for FakePlugin {
    fn metadata(&self, name: &str) -> Result<GetMetadataResponse, PluginError> {
        if name != "fake" {
            return Err(PluginError::NotInstalled { name: name.into() });
        }
        Ok(GetMetadataResponse {
            name: name.into(),
            description: String::new(),
            version: self.version.into(),
            url: String::new(),
            supported_contract_versions: vec!["1.0".into()],
            capabilities: self.capabilities.iter().map(|c| c.to_string()).collect(),
        })
    }

    fn verify_signature(
        &self,
        _name: &str,
        request: &VerifySignatureRequest,
    ) -> Result<VerifySignatureResponse, PluginError> {
        self.seen.lock().unwrap().push(request.clone());
        let mut results = BTreeMap::new();
        if let Some(success) = self.answer {
            for cap in &request.trust_policy.signature_verification {
                results.insert(
                    cap.clone(),
                    VerificationResult {
                        success,
                        reason: (!success).then(|| "the fake plugin says no".into()),
                    },
                );
            }
        }
        Ok(VerifySignatureResponse {
            verification_results: results,
            processed_attributes: if self.processes {
                request.signature.unprocessed_attributes.clone()
            } else {
                Vec::new()
            },
        })
    }
}

fn plugin_attrs(min_version: Option<&str>) -> Vec<ExtendedAttribute> {
    let text = |k: &str, v: &str| ExtendedAttribute {
        key: AttributeKey::Text(k.into()),
        value: AttributeValue::Text(v.into()),
        critical: true,
    };
    let mut v = vec![
        text(header::VERIFICATION_PLUGIN, "fake"),
        text("io.example.claim", "ok"),
    ];
    if let Some(m) = min_version {
        v.push(text(header::VERIFICATION_PLUGIN_MIN_VERSION, m));
    }
    v
}

fn plugin_outcome(
    plugin: Option<Arc<FakePlugin>>,
    min_version: Option<&str>,
) -> Result<notary_core::VerificationOutcome, notary_core::VerificationError> {
    let provider = notary_provider_aws_lc_rs::provider();
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let env = sign(
        &chain,
        EnvelopeMediaType::Cose,
        &artifact(),
        plugin_attrs(min_version),
    );
    let mut v = verifier(provider, chain.root(), "strict");
    if let Some(p) = plugin {
        v = v.with_plugins(p);
    }
    v.verify(VerifyRequest::oci(
        &env,
        EnvelopeMediaType::Cose,
        SCOPE,
        &artifact(),
        NOW,
    ))
}

#[test]
fn a_signature_naming_a_plugin_fails_closed_without_one() {
    let e = plugin_outcome(None, None).unwrap_err();
    assert_eq!(e.validation(), Some(Validation::Plugin), "{e}");
}

#[test]
fn the_plugin_gate_checks_version_and_capabilities() {
    let both = vec![VERIFIER_TRUSTED_IDENTITY, VERIFIER_REVOCATION_CHECK];
    let p = Arc::new(FakePlugin::new("1.2.0", both.clone()));
    let out = plugin_outcome(Some(p.clone()), Some("1.0.0")).unwrap();
    assert!(out.is_verified());
    let seen = p.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].signature.unprocessed_attributes,
        vec!["io.example.claim".to_string()]
    );
    drop(seen);

    let e = plugin_outcome(
        Some(Arc::new(FakePlugin::new("0.9.0", both.clone()))),
        Some("1.0.0"),
    )
    .unwrap_err();
    assert_eq!(e.validation(), Some(Validation::Plugin), "{e}");
    assert!(e.to_string().contains("1.0.0"), "{e}");

    let e = plugin_outcome(Some(Arc::new(FakePlugin::new("1.0.0", Vec::new()))), None).unwrap_err();
    assert!(e.to_string().contains("no verification capability"), "{e}");

    let mut lazy = FakePlugin::new("1.0.0", both.clone());
    lazy.processes = false;
    let e = plugin_outcome(Some(Arc::new(lazy)), None).unwrap_err();
    assert!(e.to_string().contains("did not process"), "{e}");

    let mut silent = FakePlugin::new("1.0.0", both.clone());
    silent.answer = None;
    let e = plugin_outcome(Some(Arc::new(silent)), None).unwrap_err();
    assert!(e.to_string().contains("inconclusive"), "{e}");

    let mut no = FakePlugin::new("1.0.0", both);
    no.answer = Some(false);
    let e = plugin_outcome(Some(Arc::new(no)), None).unwrap_err();
    assert_eq!(e.validation(), Some(Validation::TrustedIdentity), "{e}");
    assert!(e.to_string().contains("the fake plugin says no"), "{e}");
}

#[test]
fn the_plugin_gate_bounds_what_it_repeats_of_the_envelope() {
    // Any signer can name megabytes of critical attributes; the error shows bounded prefixes.
    let provider = notary_provider_aws_lc_rs::provider();
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
        let attrs = (0..20)
            .map(|i| ExtendedAttribute {
                key: AttributeKey::Text(format!("{i}{}", "k".repeat(100_000))),
                value: AttributeValue::Text("v".into()),
                critical: true,
            })
            .collect();
        let env = sign(&chain, format, &artifact(), attrs);
        let e = verifier(provider, chain.root(), "strict")
            .verify(VerifyRequest::oci(&env, format, SCOPE, &artifact(), NOW))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::Plugin), "{format:?}");
        assert!(
            e.to_string().len() < 2_000,
            "{format:?}: {} bytes",
            e.to_string().len()
        );
    }
}

#[test]
fn a_plugin_with_nothing_to_do_is_not_called() {
    // A revocation-only plugin, a policy that skips revocation, and no attribute for the plugin
    // to claim: notation-go calls no plugin, and neither do we.
    let provider = notary_provider_aws_lc_rs::provider();
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let attrs = vec![ExtendedAttribute {
        key: AttributeKey::Text(header::VERIFICATION_PLUGIN.into()),
        value: AttributeValue::Text("fake".into()),
        critical: true,
    }];
    let env = sign(&chain, EnvelopeMediaType::Cose, &artifact(), attrs);
    let policy = OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"app","registryScopes":["{SCOPE}"],
            "signatureVerification":{{"level":"strict","override":{{"revocation":"skip"}}}},
            "trustStores":["ca:acme"],"trustedIdentities":["*"]}}]}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    let target = artifact();
    let request = || VerifyRequest::oci(&env, EnvelopeMediaType::Cose, SCOPE, &target, NOW);
    let idle = Arc::new(FakePlugin::new("1.0.0", vec![VERIFIER_REVOCATION_CHECK]));
    let v = NotaryVerifier::new(provider, Arc::new(store(provider, chain.root())))
        .with_oci_policy(policy)
        .with_plugins(idle.clone());
    assert!(v.verify(request()).unwrap().is_verified());
    assert!(idle.seen.lock().unwrap().is_empty());
    // With an identity capability there is something to ask: the plugin is called.
    let asked = Arc::new(FakePlugin::new(
        "1.0.0",
        vec![VERIFIER_REVOCATION_CHECK, VERIFIER_TRUSTED_IDENTITY],
    ));
    let v = v.with_plugins(asked.clone());
    assert!(v.verify(request()).unwrap().is_verified());
    assert_eq!(asked.seen.lock().unwrap().len(), 1);

    // Extended attributes beside the plugin's name: the plugin still has no check to make. A
    // request without checks is refused by every plugin framework, so none is sent: a
    // non-critical attribute is not the plugin's to claim (verified, as notation), a critical
    // one cannot be processed (refused by name).
    for (critical, verified) in [(false, true), (true, false)] {
        let attrs = vec![
            ExtendedAttribute {
                key: AttributeKey::Text(header::VERIFICATION_PLUGIN.into()),
                value: AttributeValue::Text("fake".into()),
                critical: true,
            },
            ExtendedAttribute {
                key: AttributeKey::Text("com.example.build".into()),
                value: AttributeValue::Text("42".into()),
                critical,
            },
        ];
        let env = sign(&chain, EnvelopeMediaType::Cose, &artifact(), attrs);
        let idle = Arc::new(FakePlugin::new("1.0.0", vec![VERIFIER_REVOCATION_CHECK]));
        let v = v.clone().with_plugins(idle.clone());
        let outcome = v.verify(VerifyRequest::oci(
            &env,
            EnvelopeMediaType::Cose,
            SCOPE,
            &target,
            NOW,
        ));
        assert!(idle.seen.lock().unwrap().is_empty(), "critical: {critical}");
        match outcome {
            Ok(o) => assert!(verified && o.is_verified(), "critical: {critical}"),
            Err(e) => {
                assert!(!verified, "critical: {critical}: {e}");
                assert_eq!(e.validation(), Some(Validation::Plugin));
                assert!(
                    e.to_string().contains("com.example.build")
                        && e.to_string().contains("asks it for no check"),
                    "{e}"
                );
            }
        }
    }
}

#[test]
fn a_blank_verification_plugin_name_is_refused_before_any_plugin_is_asked() {
    let provider = notary_provider_aws_lc_rs::provider();
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    for name in ["", "  "] {
        let attrs = vec![ExtendedAttribute {
            key: AttributeKey::Text(header::VERIFICATION_PLUGIN.into()),
            value: AttributeValue::Text(name.into()),
            critical: true,
        }];
        let env = sign(&chain, EnvelopeMediaType::Jws, &artifact(), attrs);
        let plugin = Arc::new(FakePlugin::new("1.0.0", vec![VERIFIER_REVOCATION_CHECK]));
        let e = verifier(provider, chain.root(), "strict")
            .with_plugins(plugin.clone())
            .verify(VerifyRequest::oci(
                &env,
                EnvelopeMediaType::Jws,
                SCOPE,
                &artifact(),
                NOW,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::Plugin), "{name:?}");
        assert!(e.to_string().contains("must be a non-empty string"), "{e}");
        assert!(plugin.seen.lock().unwrap().is_empty());
    }
}
