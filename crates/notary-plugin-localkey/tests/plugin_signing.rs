//! Signing through plugins, host side: the example `notation-localkey` plugin (built with the
//! `notary-plugin` framework) installed into a temporary plugin directory, used in RAW and in
//! ENVELOPE mode, signatures stored in an OCI layout and verified with the `Verifier`; then
//! misbehaving plugins (small shell scripts) that must each fail with a typed error and leave
//! no signature behind.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notary::artifact::{block_on, sign_and_push, verify_artifact};
use notary::plugin::{PluginError, PluginHost, PluginSigner, SigningMode};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{EnvelopeMediaType, KeySpec, SignOptions, Verifier};
use notary_core::{Descriptor, SignatureRepository, Signer};
use notary_registry::OciLayout;

struct Fixture {
    _tmp: tempfile::TempDir,
    plugins: PathBuf,
    layout: OciLayout,
    artifact: Descriptor,
    config: BTreeMap<String, String>,
    root: Vec<u8>,
}

fn install(plugins: &Path, name: &str, exe: &Path) {
    let dir = plugins.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let dst = dir.join(format!("notation-{name}"));
    std::fs::copy(exe, &dst).unwrap();
    std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn script(plugins: &Path, name: &str, body: &str) {
    let dir = plugins.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let dst = dir.join(format!("notation-{name}"));
    std::fs::write(&dst, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn fixture(spec: KeySpec) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let chain = notary_crypto::pki::ChainBuilder::new(spec, now)
        .build()
        .unwrap();
    let key = tmp.path().join("leaf.key");
    let cert = tmp.path().join("leaf.crt");
    std::fs::write(
        &key,
        notary_crypto::private_key_to_pem(&chain.leaf_key_pkcs8),
    )
    .unwrap();
    std::fs::write(&cert, chain.pem()).unwrap();
    let plugins = tmp.path().join("plugins");
    install(
        &plugins,
        "localkey",
        Path::new(env!("CARGO_BIN_EXE_notation-localkey")),
    );
    let layout = OciLayout::create(tmp.path().join("layout")).unwrap();
    let config_blob = layout
        .push_blob("application/vnd.oci.empty.v1+json", b"{}")
        .unwrap();
    let layer = layout.push_blob("text/plain", b"hello plugin").unwrap();
    let artifact = layout
        .push_manifest(
            notary_registry::manifest::IMAGE_MANIFEST,
            &notary_registry::manifest::image_manifest(
                &config_blob,
                &[layer],
                Some("application/vnd.example"),
                None,
                None,
            ),
            Some("v1"),
        )
        .unwrap();
    let config = BTreeMap::from([
        ("key".to_string(), key.display().to_string()),
        ("cert".to_string(), cert.display().to_string()),
    ]);
    Fixture {
        _tmp: tmp,
        plugins,
        layout,
        artifact,
        config,
        root: chain.root().to_vec(),
    }
}

fn verifier(root: &[u8]) -> notary::NotaryVerifier {
    let mut store = MemoryTrustStore::new(notary::default_provider());
    store
        .add(
            TrustStoreType::Ca,
            "plugin",
            vec![notary_x509::Certificate::from_der(root).unwrap()],
        )
        .unwrap();
    let policy = notary::trustpolicy::OciTrustPolicy::from_json(
        br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["local/app"],
        "signatureVerification":{"level":"strict"},"trustStores":["ca:plugin"],
        "trustedIdentities":["x509.subject: C=US, ST=WA, O=Notary"]}]}"#,
    )
    .unwrap();
    notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store)).with_oci_policy(policy)
}

fn signature_count(f: &Fixture) -> usize {
    block_on(f.layout.list_signatures(&f.artifact, 100))
        .unwrap()
        .len()
}

fn reference(f: &Fixture) -> String {
    format!("{}", f.artifact.digest)
}

#[test]
fn raw_and_envelope_plugin_signatures_verify() {
    for spec in [KeySpec::EcP256, KeySpec::Rsa3072] {
        let f = fixture(spec);
        let host = PluginHost::new(&f.plugins);
        let meta = host.metadata("localkey").unwrap();
        assert_eq!(meta.name, "localkey");
        let raw = PluginSigner::new(host.clone(), "localkey", "key-1", f.config.clone()).unwrap();
        assert_eq!(raw.mode(), SigningMode::Raw, "RAW is preferred");
        assert_eq!(raw.describe_key().unwrap(), spec);
        assert!(raw.envelope_generator().is_none());
        let envelope = PluginSigner::new(host, "localkey", "key-1", f.config.clone())
            .unwrap()
            .with_mode(SigningMode::Envelope)
            .unwrap();
        assert!(envelope.envelope_generator().is_some());
        let v = verifier(&f.root);
        let mut expected = 0;
        for (signer, mode) in [(&raw, "raw"), (&envelope, "envelope")] {
            for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
                let mut o = SignOptions::new(time::OffsetDateTime::now_utc());
                o.format = format;
                o.expiry = Some(time::Duration::hours(1));
                let pushed =
                    block_on(sign_and_push(&f.layout, &reference(&f), signer, &o)).unwrap();
                expected += 1;
                assert_eq!(signature_count(&f), expected);
                let info = pushed.signed.envelope.signer_info();
                assert_eq!(info.signature_algorithm, spec.signature_algorithm());
                assert!(
                    info.signed_attributes.expiry.is_some(),
                    "{mode}: expiry forwarded"
                );
                // Envelope plugins' annotations reach the signature manifest.
                assert_eq!(
                    pushed
                        .signed
                        .annotations
                        .contains_key("io.notaryrs.localkey.signed"),
                    mode == "envelope"
                );
                let outcome = v
                    .verify(notary::VerifyRequest::oci(
                        &pushed.signed.bytes,
                        format,
                        "local/app",
                        &f.artifact,
                        time::OffsetDateTime::now_utc(),
                    ))
                    .unwrap_or_else(|e| panic!("{spec} {mode} {format:?}: {e}"));
                assert_eq!(outcome.level().name(), "strict");
                assert_eq!(outcome.warnings().count(), 0);
            }
        }
        // The whole artifact path: every stored signature is found and one verifies.
        let res = block_on(verify_artifact(
            &f.layout,
            &v,
            &notary::artifact::VerifyArtifactRequest::new(
                &reference(&f),
                "local/app",
                time::OffsetDateTime::now_utc(),
            ),
        ))
        .unwrap();
        assert!(res.signature_manifest.is_some());
    }
}

#[test]
fn wrong_trust_anchor_does_not_verify_plugin_signature() {
    let f = fixture(KeySpec::EcP256);
    let other = fixture(KeySpec::EcP256);
    let signer = PluginSigner::new(
        PluginHost::new(&f.plugins),
        "localkey",
        "k",
        f.config.clone(),
    )
    .unwrap();
    let o = SignOptions::new(time::OffsetDateTime::now_utc());
    let signed = notary::sign_artifact(&f.artifact, &signer, &o).unwrap();
    // The plugin's name and version follow the agent, as notation-go writes them.
    let agent = signed
        .envelope
        .signer_info()
        .unsigned_attributes
        .signing_agent
        .clone()
        .unwrap_or_default();
    let meta = signer.metadata();
    assert!(
        agent.starts_with("notary-rs/")
            && agent.ends_with(&format!(" {}/{}", meta.name, meta.version)),
        "{agent}"
    );
    // Same fixed test keys, but a different (random-serial) root certificate.
    assert!(
        verifier(&other.root)
            .verify(notary::VerifyRequest::oci(
                &signed.bytes,
                notary::EnvelopeMediaType::Jws,
                "local/app",
                &f.artifact,
                time::OffsetDateTime::now_utc()
            ))
            .is_err()
    );
}

/// Runs `sign_and_push` with a plugin and returns its error, checking nothing was stored.
fn sign_fails(f: &Fixture, signer: &PluginSigner) -> String {
    let o = SignOptions::new(time::OffsetDateTime::now_utc());
    let before = signature_count(f);
    let err = block_on(sign_and_push(&f.layout, &reference(f), signer, &o))
        .expect_err("signing must fail");
    assert_eq!(signature_count(f), before, "no signature may be stored");
    err.to_string()
}

const META_RAW: &str = r#"{"name":"bad","description":"d","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_GENERATOR.RAW"]}"#;
const META_ENV: &str = r#"{"name":"bad","description":"d","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_GENERATOR.ENVELOPE"]}"#;

/// A plugin script that answers metadata with `meta`, describe-key with `describe` and every
/// other command with `rest` (shell).
fn bad_plugin(f: &Fixture, meta: &str, describe: &str, rest: &str) {
    script(
        &f.plugins,
        "bad",
        &format!(
            "cat >/dev/null\ncase \"$1\" in\n get-plugin-metadata) echo '{meta}' ;;\n describe-key) {describe} ;;\n *) {rest} ;;\nesac"
        ),
    );
}

const DESCRIBE_OK: &str = r#"echo '{"keyId":"k","keySpec":"EC-256"}'"#;

#[test]
fn malformed_plugin_output_is_refused_with_typed_errors() {
    let f = fixture(KeySpec::EcP256);
    let host = PluginHost::new(&f.plugins).with_timeout(Duration::from_secs(2));
    let signer = || PluginSigner::new(host.clone(), "bad", "k", BTreeMap::new()).unwrap();

    // Bad JSON from describe-key.
    bad_plugin(&f, META_RAW, "echo '{not json'", "exit 3");
    assert!(matches!(
        signer().describe_key(),
        Err(PluginError::MalformedResponse { ref command, .. }) if command == "describe-key"
    ));
    assert!(sign_fails(&f, &signer()).contains("malformed response"));

    // Wrong key id echoed by describe-key, then by generate-signature.
    bad_plugin(
        &f,
        META_RAW,
        r#"echo '{"keyId":"other","keySpec":"EC-256"}'"#,
        "exit 3",
    );
    assert!(matches!(
        signer().describe_key(),
        Err(PluginError::KeyIdMismatch { ref expected, ref got, .. }) if expected == "k" && got == "other"
    ));
    assert!(sign_fails(&f, &signer()).contains("instead of \"k\""));
    bad_plugin(
        &f,
        META_RAW,
        DESCRIBE_OK,
        r#"echo '{"keyId":"zzz","signature":"AAAA","signingAlgorithm":"ECDSA-SHA-256","certificateChain":[]}'"#,
    );
    assert!(matches!(
        signer().generate_raw(b"x"),
        Err(PluginError::KeyIdMismatch { ref command, .. }) if command == "generate-signature"
    ));
    assert!(sign_fails(&f, &signer()).contains("zzz"));

    // Unknown key spec; signing algorithm that does not match; empty signature; bad chain.
    bad_plugin(
        &f,
        META_RAW,
        r#"echo '{"keyId":"k","keySpec":"EC-999"}'"#,
        "exit 3",
    );
    assert!(matches!(
        signer().describe_key(),
        Err(PluginError::InvalidResponse { ref reason, .. }) if reason.contains("EC-999")
    ));
    for (resp, needle) in [
        (
            r#"{"keyId":"k","signature":"AAAA","signingAlgorithm":"RSASSA-PSS-SHA-256","certificateChain":["AAAA"]}"#,
            "does not match key spec",
        ),
        (
            r#"{"keyId":"k","signature":"","signingAlgorithm":"ECDSA-SHA-256","certificateChain":["AAAA"]}"#,
            "empty signature",
        ),
        (
            r#"{"keyId":"k","signature":"AAAA","signingAlgorithm":"ECDSA-SHA-256","certificateChain":["AAAA"]}"#,
            "raw r||s",
        ),
    ] {
        bad_plugin(&f, META_RAW, DESCRIBE_OK, &format!("echo '{resp}'"));
        match signer().generate_raw(b"x") {
            Err(PluginError::InvalidResponse { reason, .. }) => {
                assert!(reason.contains(needle), "{reason}")
            }
            other => panic!("{needle}: {other:?}"),
        }
        assert!(sign_fails(&f, &signer()).contains(needle));
    }
    let sig64 = format!("{}==", "A".repeat(86));
    bad_plugin(
        &f,
        META_RAW,
        DESCRIBE_OK,
        &format!(
            r#"echo '{{"keyId":"k","signature":"{sig64}","signingAlgorithm":"ECDSA-SHA-256","certificateChain":["bm90IGEgY2VydA=="]}}'"#
        ),
    );
    assert!(matches!(
        signer().generate_raw(b"x"),
        Err(PluginError::InvalidResponse { ref reason, .. }) if reason.starts_with("certificate 0")
    ));

    // Oversized output: more than 64 MiB on stdout.
    bad_plugin(&f, META_RAW, "head -c 70000000 /dev/zero", "exit 3");
    assert!(matches!(
        signer().describe_key(),
        Err(PluginError::OutputTooLarge { limit, .. }) if limit == 64 * 1024 * 1024
    ));

    // A plugin that hangs past the timeout is killed.
    bad_plugin(&f, META_RAW, "sleep 30", "exit 3");
    let quick = PluginSigner::new(
        PluginHost::new(&f.plugins).with_timeout(Duration::from_millis(500)),
        "bad",
        "k",
        BTreeMap::new(),
    )
    .unwrap();
    let started = std::time::Instant::now();
    assert!(matches!(
        quick.describe_key(),
        Err(PluginError::Timeout { ref command, .. }) if command == "describe-key"
    ));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(sign_fails(&f, &quick).contains("timed out"));

    // Non-zero exit with an error body, and without one.
    bad_plugin(
        &f,
        META_RAW,
        r#"echo '{"errorCode":"ACCESS_DENIED","errorMessage":"token locked"}' >&2; exit 1"#,
        "exit 3",
    );
    assert!(matches!(
        signer().describe_key(),
        Err(PluginError::Failed { ref code, ref message, .. }) if code == "ACCESS_DENIED" && message == "token locked"
    ));
    assert!(sign_fails(&f, &signer()).contains("ACCESS_DENIED: token locked"));
    bad_plugin(&f, META_RAW, "echo oops >&2; exit 2", "exit 3");
    assert!(matches!(
        signer().describe_key(),
        Err(PluginError::ExitStatus { ref detail, .. }) if detail.contains("oops")
    ));

    // A plugin without a signing capability cannot sign; one that reports another name fails.
    bad_plugin(
        &f,
        r#"{"name":"bad","description":"d","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"]}"#,
        "exit 3",
        "exit 3",
    );
    assert!(matches!(
        PluginSigner::new(host.clone(), "bad", "k", BTreeMap::new()),
        Err(PluginError::MissingCapability { .. })
    ));
    bad_plugin(
        &f,
        &META_RAW.replace("\"bad\"", "\"evil\""),
        "exit 3",
        "exit 3",
    );
    assert!(matches!(
        PluginSigner::new(host.clone(), "bad", "k", BTreeMap::new()),
        Err(PluginError::InvalidMetadata { ref reason, .. }) if reason.contains("evil")
    ));

    // A symlinked executable is refused.
    let link_dir = f.plugins.join("linked");
    std::fs::create_dir_all(&link_dir).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_notation-localkey"),
        link_dir.join("notation-linked"),
    )
    .unwrap();
    assert!(matches!(
        host.metadata("linked"),
        Err(PluginError::NotRegularFile { .. })
    ));
    assert!(matches!(
        host.metadata("../etc"),
        Err(PluginError::InvalidName { .. })
    ));
    assert!(matches!(
        host.metadata("missing"),
        Err(PluginError::NotInstalled { .. })
    ));
}

#[test]
fn envelope_plugin_output_is_checked() {
    let f = fixture(KeySpec::EcP256);
    let host = PluginHost::new(&f.plugins);
    let signer = || PluginSigner::new(host.clone(), "bad", "k", BTreeMap::new()).unwrap();

    // An envelope signed by a real key but over another artifact: made with the localkey
    // plugin for a different descriptor, replayed by the bad plugin.
    let good = PluginSigner::new(host.clone(), "localkey", "k", f.config.clone())
        .unwrap()
        .with_mode(SigningMode::Envelope)
        .unwrap();
    let other = Descriptor::for_content("application/vnd.oci.image.manifest.v1+json", b"other");
    let o = SignOptions::new(time::OffsetDateTime::now_utc());
    let foreign = notary::sign_artifact(&other, &good, &o).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&foreign.bytes);
    for (resp, needle) in [
        (
            format!(
                r#"{{"signatureEnvelope":"{b64}","signatureEnvelopeType":"application/jose+json"}}"#
            ),
            "not the requested",
        ),
        (
            format!(
                r#"{{"signatureEnvelope":"{b64}","signatureEnvelopeType":"application/cose"}}"#
            ),
            "returned envelope type",
        ),
        (
            r#"{"signatureEnvelope":"e30=","signatureEnvelopeType":"application/jose+json"}"#
                .to_string(),
            "envelope refused",
        ),
        (
            r#"{"signatureEnvelope":"!!","signatureEnvelopeType":"application/jose+json"}"#
                .to_string(),
            "not base64",
        ),
    ] {
        bad_plugin(&f, META_ENV, "exit 3", &format!("echo '{resp}'"));
        let s = signer();
        assert_eq!(s.mode(), SigningMode::Envelope);
        match s.generate_envelope_checked(EnvelopeMediaType::Jws, &payload_for(&f.artifact), None) {
            Err(PluginError::InvalidResponse {
                reason, command, ..
            }) => {
                assert_eq!(command, "generate-envelope");
                assert!(reason.contains(needle), "{needle}: {reason}");
            }
            other => panic!("{needle}: {other:?}"),
        }
        assert!(sign_fails(&f, &s).contains(needle));
    }
    // A timestamp URL cannot be combined with an envelope plugin.
    let mut o = SignOptions::new(time::OffsetDateTime::now_utc());
    o.timestamper = Some(Arc::new(notary::timestamp::Rfc3161Timestamper::new(
        "http://127.0.0.1:9/",
        vec![],
    )));
    assert!(notary::sign_artifact(&f.artifact, &good, &o).is_err());
}

fn payload_for(d: &Descriptor) -> Vec<u8> {
    notary::Payload::new(d.clone()).to_jws_json().unwrap()
}

#[test]
fn localkey_refuses_an_expiry_past_year_9999_without_panicking() {
    use base64::Engine as _;
    use std::io::Write as _;
    let f = fixture(KeySpec::EcP256);
    // Paths and base64 need no JSON escaping beyond what `{:?}` gives for plain text.
    let request = format!(
        r#"{{"contractVersion":"1.0","keyId":"k","payloadType":"application/vnd.cncf.notary.payload.v1+json","signatureEnvelopeType":"application/jose+json","payload":{:?},"expiryDurationInSeconds":{},"pluginConfig":{{"key":{:?},"cert":{:?}}}}}"#,
        base64::engine::general_purpose::STANDARD.encode(payload_for(&f.artifact)),
        i64::MAX,
        f.config["key"],
        f.config["cert"],
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_notation-localkey"))
        .arg("generate-envelope")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("VALIDATION_ERROR") && err.contains("expiry"),
        "{err}"
    );
}

/// A signature names its verification plugin (`io.cncf.notary.verificationPlugin`), so the
/// name is attacker-controlled: one that would walk out of the plugin directory must never
/// reach an executable, even where the walk would land on one.
#[test]
fn a_hostile_verification_plugin_name_in_a_signature_is_never_run() {
    use notary_core::{AttributeKey, AttributeValue, ExtendedAttribute, header};
    let f = fixture(KeySpec::EcP256);
    let root = f._tmp.path();
    let marker = root.join("ran");
    // Where `<plugins>/<name>/notation-<name>` resolves for name "../evil".
    let landing = root.join("evil/notation-..");
    std::fs::create_dir_all(&landing).unwrap();
    let evil = landing.join("evil");
    std::fs::write(
        &evil,
        format!("#!/bin/sh\ntouch {}\nexit 1\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).unwrap();
    let host = PluginHost::new(&f.plugins);
    let signer = PluginSigner::new(host.clone(), "localkey", "k", f.config.clone()).unwrap();
    for name in [
        "../evil",
        "../evil/",
        "/bin/sh",
        "..",
        ".",
        "",
        "a/../../evil",
    ] {
        // The naive path for the first name does lead to the planted script.
        if name == "../evil" {
            assert!(
                f.plugins
                    .join(name)
                    .join(format!("notation-{name}"))
                    .is_file()
            );
        }
        assert!(
            matches!(host.metadata(name), Err(PluginError::InvalidName { .. })),
            "{name:?}"
        );
        let mut o = SignOptions::new(time::OffsetDateTime::now_utc());
        o.extended_attributes.push(ExtendedAttribute {
            key: AttributeKey::Text(header::VERIFICATION_PLUGIN.into()),
            value: AttributeValue::Text(name.into()),
            critical: true,
        });
        // An empty name is refused at signing already (no verifier would accept it); the
        // verifier's refusal of one is notary-verifier's engine test
        // `a_blank_verification_plugin_name_is_refused_before_any_plugin_is_asked`.
        let signed = match notary::sign_artifact(&f.artifact, &signer, &o) {
            Ok(s) => s,
            Err(e) if name.is_empty() => {
                assert!(e.to_string().contains("non-empty"), "{e}");
                continue;
            }
            Err(e) => panic!("{name:?}: {e}"),
        };
        let v = verifier(&f.root).with_plugins(Arc::new(host.clone()));
        let e = v
            .verify(notary::VerifyRequest::oci(
                &signed.bytes,
                EnvelopeMediaType::Jws,
                "local/app",
                &f.artifact,
                time::OffsetDateTime::now_utc(),
            ))
            .expect_err(name)
            .to_string();
        assert!(
            e.contains("invalid plugin name") || (name.is_empty() && e.contains("non-empty")),
            "{name:?}: {e}"
        );
    }
    assert!(!marker.exists(), "the planted executable was run");
}

#[test]
fn a_plugin_still_open_for_writing_runs_once_it_is_closed() {
    let f = fixture(KeySpec::EcP256);
    bad_plugin(&f, META_RAW, DESCRIBE_OK, "exit 3");
    // Held open for writing, as a sibling thread's fork holds a just-written plugin until its
    // exec: running it fails with ETXTBSY until the descriptor is gone.
    let exe = f.plugins.join("bad").join("notation-bad");
    let held = std::fs::OpenOptions::new().append(true).open(&exe).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        drop(held);
    });
    let meta = PluginHost::new(&f.plugins).metadata("bad");
    release.join().unwrap();
    assert_eq!(meta.unwrap().name, "bad");
}
