//! Plugin host hardening: the deadline covers the whole exchange (stdin write, output readers,
//! grandchildren holding pipes) and kills the plugin's whole process group; critical extended
//! attributes a verification plugin cannot be given, or does not process, fail verification.
//!
//! The plugins are small shell scripts in a temporary plugin directory.

#[path = "support/encoder_sign.rs"]
mod encoder_sign;
#[path = "support/plugin_request.rs"]
mod plugin_request;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notary::plugin::{PluginError, PluginHost};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions, Validation, Verifier};
use notary_core::{AttributeKey, AttributeValue, ExtendedAttribute, header};
use notary_crypto::pki::{ChainBuilder, TestChain};
use time::macros::datetime;

const TIMEOUT: Duration = Duration::from_secs(1);
/// Slack for a loaded machine: the call must end within TIMEOUT + MARGIN.
const MARGIN: Duration = Duration::from_secs(4);

fn script(plugins: &Path, name: &str, body: &str) {
    let dir = plugins.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let dst = dir.join(format!("notation-{name}"));
    std::fs::write(&dst, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn request(padding: usize) -> notary_plugin_api::VerifySignatureRequest {
    plugin_request::verify_signature_request("A".repeat(padding))
}

/// True while `pid` is a live process (a zombie awaiting its reaper counts as gone).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            // Field 3, after the parenthesised command name, is the state.
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next());
            !matches!(state, Some("Z") | Some("X"))
        }
    }
}

fn wait_gone(pid: u32) -> bool {
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    !alive(pid)
}

fn read_pids(file: &Path) -> Vec<u32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

/// Runs `verify-signature` of plugin `name` on a thread and gives up (test failure instead of a
/// hang) after TIMEOUT + MARGIN.
fn run_bounded(
    plugins: &Path,
    name: &str,
    padding: usize,
) -> (
    Result<notary_plugin_api::VerifySignatureResponse, PluginError>,
    Duration,
) {
    let host = PluginHost::new(plugins).with_timeout(TIMEOUT);
    let name = name.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(host.verify_signature(&name, &request(padding)));
    });
    let r = rx
        .recv_timeout(TIMEOUT + MARGIN)
        .expect("the plugin call must end within the deadline plus a margin");
    (r, started.elapsed())
}

fn assert_timeout_and_no_survivor(
    r: Result<notary_plugin_api::VerifySignatureResponse, PluginError>,
    elapsed: Duration,
    pid_file: &Path,
    expected_pids: usize,
) {
    assert!(
        matches!(r, Err(PluginError::Timeout { ref command, timeout, .. }) if command == "verify-signature" && timeout == TIMEOUT),
        "{r:?}"
    );
    assert!(elapsed >= TIMEOUT, "ended before the deadline: {elapsed:?}");
    let pids = read_pids(pid_file);
    assert_eq!(pids.len(), expected_pids, "the plugin recorded its pids");
    for pid in pids {
        assert!(wait_gone(pid), "process {pid} survived the plugin timeout");
    }
}

#[test]
fn plugin_that_never_reads_a_large_request_times_out() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let pids = tmp.path().join("pids");
    // The shell never reads stdin; its `sleep` child is in its process group too.
    script(
        &plugins,
        "deaf",
        &format!(
            "echo $$ > {p}; sleep 300 & echo $! >> {p}; wait",
            p = pids.display()
        ),
    );
    // 1 MiB of request: far more than a pipe buffer holds.
    let (r, elapsed) = run_bounded(&plugins, "deaf", 1024 * 1024);
    assert_timeout_and_no_survivor(r, elapsed, &pids, 2);
}

#[test]
fn grandchild_holding_stdout_after_the_plugin_exits_times_out_and_is_killed() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let pids = tmp.path().join("pids");
    // A valid answer, then exit 0 while a background grandchild keeps stdout open.
    script(
        &plugins,
        "forker",
        &format!(
            r#"cat >/dev/null; sleep 300 & echo $! > {p}; echo '{{"verificationResults":{{}},"processedAttributes":[]}}'; exit 0"#,
            p = pids.display()
        ),
    );
    let (r, elapsed) = run_bounded(&plugins, "forker", 16);
    assert_timeout_and_no_survivor(r, elapsed, &pids, 1);
}

#[test]
fn plugin_sleeping_past_the_deadline_is_killed_with_its_grandchild() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let pids = tmp.path().join("pids");
    script(
        &plugins,
        "sleeper",
        &format!(
            "cat >/dev/null; echo $$ > {p}; sleep 300 & echo $! >> {p}; sleep 300",
            p = pids.display()
        ),
    );
    let (r, elapsed) = run_bounded(&plugins, "sleeper", 16);
    assert_timeout_and_no_survivor(r, elapsed, &pids, 2);
}

#[test]
fn well_behaved_plugin_with_a_large_request_still_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    script(
        &plugins,
        "good",
        r#"cat >/dev/null; echo '{"verificationResults":{},"processedAttributes":["x"]}'"#,
    );
    let (r, _) = run_bounded(&plugins, "good", 1024 * 1024);
    assert_eq!(r.unwrap().processed_attributes, vec!["x".to_string()]);
}

// --- critical extended attributes and verification plugins ---

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

/// A verification plugin that claims every attribute it is asked about and reports success,
/// and records the request it got.
fn claiming_plugin(plugins: &Path, seen: &Path) {
    script(
        plugins,
        "claim",
        &format!(
            r#"case "$1" in
get-plugin-metadata) echo '{{"name":"claim","description":"d","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"]}}';;
verify-signature)
  cat > {seen}
  # Claim exactly what was listed as unprocessed.
  attrs=$(sed -n 's/.*"unprocessedAttributes":\(\[[^]]*\]\).*/\1/p' {seen})
  echo "{{\"verificationResults\":{{\"SIGNATURE_VERIFIER.TRUSTED_IDENTITY\":{{\"success\":true}}}},\"processedAttributes\":${{attrs:-[]}}}}";;
*) exit 1;;
esac"#,
            seen = seen.display()
        ),
    );
}

fn plugin_verifier(chain: &TestChain, plugins: &Path) -> notary::NotaryVerifier {
    let mut store = MemoryTrustStore::new(notary::default_provider());
    store
        .add(
            TrustStoreType::Ca,
            "s",
            vec![notary_x509::Certificate::from_der(chain.root()).unwrap()],
        )
        .unwrap();
    let policy = notary::trustpolicy::OciTrustPolicy::from_json(
        br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],
        "signatureVerification":{"level":"strict"},"trustStores":["ca:s"],"trustedIdentities":["*"]}]}"#,
    )
    .unwrap();
    notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store))
        .with_oci_policy(policy)
        .with_plugins(Arc::new(
            PluginHost::new(plugins).with_timeout(Duration::from_secs(20)),
        ))
}

fn sign_with(
    chain: &TestChain,
    format: EnvelopeMediaType,
    extra: Vec<ExtendedAttribute>,
) -> Vec<u8> {
    let mut o = SignOptions::new(NOW);
    o.format = format;
    o.extended_attributes.push(ExtendedAttribute {
        key: AttributeKey::Text(header::VERIFICATION_PLUGIN.into()),
        value: AttributeValue::Text("claim".into()),
        critical: true,
    });
    o.extended_attributes.extend(extra);
    match notary::sign_artifact(&target(), &chain.signer().unwrap(), &o) {
        Ok(signed) => signed.bytes,
        // Attributes no verification accepts: the signer refuses them, by the verifier's own
        // rules; the encoders make the envelope the verifier must refuse in turn.
        Err(notary::Error::InvalidSignOptions { reason }) => {
            assert!(reason.contains("no verification would accept"), "{reason}");
            encoder_sign::sign_refused_by_signers(
                chain,
                format,
                target(),
                NOW,
                o.extended_attributes,
            )
        }
        Err(e) => panic!("{e}"),
    }
}

struct PluginFixture {
    _tmp: tempfile::TempDir,
    plugins: PathBuf,
    seen: PathBuf,
    chain: TestChain,
}

fn plugin_fixture() -> PluginFixture {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let seen = tmp.path().join("request.json");
    claiming_plugin(&plugins, &seen);
    PluginFixture {
        chain: ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap(),
        _tmp: tmp,
        plugins,
        seen,
    }
}

#[test]
fn text_labelled_critical_attribute_is_sent_to_the_plugin_and_claimed() {
    let f = plugin_fixture();
    let v = plugin_verifier(&f.chain, &f.plugins);
    for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
        let env = sign_with(
            &f.chain,
            format,
            vec![ExtendedAttribute {
                key: AttributeKey::Text("com.example.mustUnderstand".into()),
                value: AttributeValue::Text("yes".into()),
                critical: true,
            }],
        );
        let out = v
            .verify(notary::VerifyRequest::oci(
                &env,
                format,
                scope_of(REF),
                &target(),
                NOW,
            ))
            .unwrap();
        assert_eq!(out.level().name(), "strict");
        let seen: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&f.seen).unwrap()).unwrap();
        assert_eq!(
            seen["signature"]["criticalAttributes"]["extendedAttributes"]["com.example.mustUnderstand"],
            "yes"
        );
        assert_eq!(
            seen["signature"]["unprocessedAttributes"],
            serde_json::json!(["com.example.mustUnderstand"])
        );
    }
}

#[test]
fn integer_labelled_critical_cose_attribute_with_a_plugin_fails_closed() {
    let f = plugin_fixture();
    let v = plugin_verifier(&f.chain, &f.plugins);
    let env = sign_with(
        &f.chain,
        EnvelopeMediaType::Cose,
        vec![ExtendedAttribute {
            key: AttributeKey::Int(-70_000),
            value: AttributeValue::Int(5),
            critical: true,
        }],
    );
    // The envelope itself is sound: it parses and carries the critical integer label.
    let parsed = notary::UnverifiedEnvelope::parse(notary::EnvelopeMediaType::Cose, &env)
        .unwrap()
        .verify_integrity(&notary_x509::X509Verifier::new(notary::default_provider()))
        .unwrap();
    assert!(
        parsed
            .signer_info()
            .signed_attributes
            .extended_attributes
            .iter()
            .any(|a| a.key == AttributeKey::Int(-70_000) && a.critical)
    );
    let err = v
        .verify(notary::VerifyRequest::oci(
            &env,
            notary::EnvelopeMediaType::Cose,
            scope_of(REF),
            &target(),
            NOW,
        ))
        .expect_err("a critical attribute the plugin cannot be given must fail verification");
    assert_eq!(err.validation(), Some(Validation::Plugin), "{err}");
    assert!(err.to_string().contains("-70000"), "{err}");
}

#[test]
fn critical_attribute_with_a_value_the_plugin_request_cannot_carry_fails_closed() {
    let f = plugin_fixture();
    let v = plugin_verifier(&f.chain, &f.plugins);
    let env = sign_with(
        &f.chain,
        EnvelopeMediaType::Cose,
        vec![ExtendedAttribute {
            key: AttributeKey::Text("com.example.blob".into()),
            value: AttributeValue::Bytes(vec![1, 2, 3]),
            critical: true,
        }],
    );
    let err = v
        .verify(notary::VerifyRequest::oci(
            &env,
            notary::EnvelopeMediaType::Cose,
            scope_of(REF),
            &target(),
            NOW,
        ))
        .expect_err("a critical byte-string attribute cannot be sent as JSON faithfully");
    assert_eq!(err.validation(), Some(Validation::Plugin), "{err}");
    assert!(err.to_string().contains("com.example.blob"), "{err}");
}

#[test]
fn critical_attribute_the_plugin_does_not_claim_fails() {
    let f = plugin_fixture();
    // A plugin that processes nothing.
    script(
        &f.plugins,
        "claim",
        r#"case "$1" in
get-plugin-metadata) echo '{"name":"claim","description":"d","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"]}';;
verify-signature) cat >/dev/null; echo '{"verificationResults":{"SIGNATURE_VERIFIER.TRUSTED_IDENTITY":{"success":true}},"processedAttributes":[]}';;
esac"#,
    );
    let v = plugin_verifier(&f.chain, &f.plugins);
    let env = sign_with(
        &f.chain,
        EnvelopeMediaType::Jws,
        vec![ExtendedAttribute {
            key: AttributeKey::Text("com.example.mustUnderstand".into()),
            value: AttributeValue::Text("yes".into()),
            critical: true,
        }],
    );
    let err = v
        .verify(notary::VerifyRequest::oci(
            &env,
            notary::EnvelopeMediaType::Jws,
            scope_of(REF),
            &target(),
            NOW,
        ))
        .unwrap_err();
    assert_eq!(err.validation(), Some(Validation::Plugin), "{err}");
    assert!(err.to_string().contains("did not process"), "{err}");
}

/// The `registry/repository` of a digest reference (what the trust policy is selected by).
fn scope_of(reference: &str) -> &str {
    reference
        .split_once('@')
        .map_or(reference, |(scope, _)| scope)
}

// --- get-plugin-metadata: the config it is sent, and what its answer must hold ---

/// A signing plugin whose capabilities depend on its config: `SIGNATURE_GENERATOR.ENVELOPE`
/// when `pluginConfig` has `mode=envelope`, `SIGNATURE_GENERATOR.RAW` otherwise. Each
/// `get-plugin-metadata` request is written to `seen`.
fn config_dependent_plugin(plugins: &Path, seen: &Path) {
    script(
        plugins,
        "cfg",
        &format!(
            r#"case "$1" in
get-plugin-metadata)
  cat > {seen}
  if grep -q '"mode":"envelope"' {seen}; then cap=ENVELOPE; else cap=RAW; fi
  echo "{{\"name\":\"cfg\",\"description\":\"d\",\"version\":\"1.0.0\",\"url\":\"u\",\"supportedContractVersions\":[\"1.0\"],\"capabilities\":[\"SIGNATURE_GENERATOR.$cap\"]}}";;
*) exit 1;;
esac"#,
            seen = seen.display()
        ),
    );
}

fn seen_request(seen: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(seen).expect("the plugin was asked")).unwrap()
}

#[test]
fn signing_sends_its_plugin_config_with_get_plugin_metadata() {
    use notary::plugin::{PluginSigner, SigningMode};
    use std::collections::BTreeMap;
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let seen = tmp.path().join("metadata.json");
    config_dependent_plugin(&plugins, &seen);
    let host = PluginHost::new(&plugins);
    let config = BTreeMap::from([
        ("mode".to_string(), "envelope".to_string()),
        ("region".to_string(), "eu".to_string()),
    ]);

    // As notation-go's PluginSigner: the signing config goes with get-plugin-metadata, so the
    // plugin's answer for that config decides how it signs.
    let signer = PluginSigner::new(host.clone(), "cfg", "k", config.clone()).unwrap();
    assert_eq!(
        seen_request(&seen),
        serde_json::json!({"pluginConfig": {"mode": "envelope", "region": "eu"}})
    );
    assert_eq!(signer.mode(), SigningMode::Envelope);
    assert_eq!(
        signer.metadata().capabilities,
        vec!["SIGNATURE_GENERATOR.ENVELOPE".to_string()]
    );

    // No config: no pluginConfig at all (notation-go's omitempty), and the other capability.
    let signer = PluginSigner::new(host.clone(), "cfg", "k", BTreeMap::new()).unwrap();
    assert_eq!(seen_request(&seen), serde_json::json!({}));
    assert_eq!(signer.mode(), SigningMode::Raw);

    // The explicit variants: with a config, and without (plugin list and install).
    let m = host.metadata_with_config("cfg", &config).unwrap();
    assert_eq!(
        m.capabilities,
        vec!["SIGNATURE_GENERATOR.ENVELOPE".to_string()]
    );
    assert_eq!(seen_request(&seen)["pluginConfig"]["region"], "eu");
    let m = host.metadata("cfg").unwrap();
    assert_eq!(m.capabilities, vec!["SIGNATURE_GENERATOR.RAW".to_string()]);
    assert_eq!(seen_request(&seen), serde_json::json!({}));
    let exe = host.executable("cfg").unwrap();
    host.metadata_of(&exe, "cfg").unwrap();
    assert_eq!(seen_request(&seen), serde_json::json!({}));
}

#[test]
fn metadata_must_fill_every_field_notation_go_requires() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let host = PluginHost::new(&plugins);
    let good = serde_json::json!({
        "name": "meta", "description": "d", "version": "1.0.0", "url": "u",
        "supportedContractVersions": ["1.0"], "capabilities": ["SIGNATURE_GENERATOR.RAW"],
    });
    let with = |changes: &[(&str, serde_json::Value)]| {
        let mut m = good.clone();
        for (field, value) in changes {
            m[*field] = value.clone();
        }
        m
    };
    let answer = |m: &serde_json::Value| {
        script(&plugins, "meta", &format!("cat >/dev/null; echo '{m}'"));
    };
    answer(&good);
    host.metadata("meta").unwrap();

    // notation-go's validate, in its order and words.
    let none = serde_json::json!([]);
    let cases = [
        (with(&[("name", "".into())]), "empty name"),
        (with(&[("description", "".into())]), "empty description"),
        (with(&[("version", "".into())]), "empty version"),
        (with(&[("url", "".into())]), "empty url"),
        (
            with(&[("capabilities", none.clone())]),
            "empty capabilities",
        ),
        (
            with(&[("capabilities", serde_json::Value::Null)]),
            "empty capabilities",
        ),
        (
            with(&[("supportedContractVersions", none.clone())]),
            "supported contract versions not specified",
        ),
        (
            with(&[(
                "supportedContractVersions",
                serde_json::json!(["2.0", "3.0"]),
            )]),
            r#"contract version "1.0" is not in the list of the plugin supported versions [2.0 3.0]"#,
        ),
        // Several missing: the first in notation-go's order is reported.
        (
            with(&[
                ("capabilities", none.clone()),
                ("url", "".into()),
                ("description", "".into()),
            ]),
            "empty description",
        ),
    ];
    for (meta, reason) in cases {
        answer(&meta);
        let exe = host.executable("meta").unwrap();
        for r in [host.metadata("meta"), host.metadata_of(&exe, "meta")] {
            match r {
                Err(PluginError::InvalidMetadata {
                    reason: ref got, ..
                }) => assert_eq!(got, &format!("invalid metadata: {reason}"), "{meta}"),
                other => panic!("{meta}: expected invalid metadata ({reason}), got {other:?}"),
            }
        }
    }
}

#[test]
fn verification_sends_its_plugin_config_with_get_plugin_metadata() {
    let f = plugin_fixture();
    let meta_seen = f.plugins.join("metadata.json");
    // A verification plugin that only claims the trusted-identity capability when its config
    // says so, and records the get-plugin-metadata request.
    script(
        &f.plugins,
        "claim",
        &format!(
            r#"case "$1" in
get-plugin-metadata)
  cat > {m}
  if grep -q '"enable":"yes"' {m}; then caps='"SIGNATURE_VERIFIER.TRUSTED_IDENTITY"'; else caps='"SIGNATURE_GENERATOR.RAW"'; fi
  echo "{{\"name\":\"claim\",\"description\":\"d\",\"version\":\"1.0.0\",\"url\":\"u\",\"supportedContractVersions\":[\"1.0\"],\"capabilities\":[$caps]}}";;
verify-signature) cat >/dev/null; echo '{{"verificationResults":{{"SIGNATURE_VERIFIER.TRUSTED_IDENTITY":{{"success":true}}}},"processedAttributes":[]}}';;
esac"#,
            m = meta_seen.display()
        ),
    );
    let env = sign_with(&f.chain, EnvelopeMediaType::Jws, Vec::new());
    let verify = |v: notary::NotaryVerifier| {
        v.verify(notary::VerifyRequest::oci(
            &env,
            EnvelopeMediaType::Jws,
            scope_of(REF),
            &target(),
            NOW,
        ))
    };
    let config = std::collections::BTreeMap::from([("enable".to_string(), "yes".to_string())]);
    let out = verify(plugin_verifier(&f.chain, &f.plugins).with_plugin_config(config)).unwrap();
    assert_eq!(out.level().name(), "strict");
    assert_eq!(
        seen_request(&meta_seen),
        serde_json::json!({"pluginConfig": {"enable": "yes"}})
    );
    // Without the config the plugin has no verification capability.
    let err = verify(plugin_verifier(&f.chain, &f.plugins)).unwrap_err();
    assert_eq!(err.validation(), Some(Validation::Plugin), "{err}");
    assert_eq!(seen_request(&meta_seen), serde_json::json!({}));
}

#[test]
fn a_plugin_shares_the_callers_process_group_only_when_allowed_the_terminal() {
    // Own group by default (killed whole on timeout); the caller's group with `with_terminal`,
    // so that it can prompt on /dev/tty and receives Ctrl-C with the caller.
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let out = tmp.path().join("pgid");
    script(
        &plugins,
        "pg",
        &format!(
            "cat >/dev/null\ncut -d' ' -f5 /proc/$$/stat > {}\necho '{{\"name\":\"pg\",\"description\":\"d\",\"version\":\"1.0.0\",\"url\":\"https://e\",\"supportedContractVersions\":[\"1.0\"],\"capabilities\":[\"SIGNATURE_GENERATOR.RAW\"]}}'",
            out.display()
        ),
    );
    let ours = std::fs::read_to_string("/proc/self/stat")
        .unwrap()
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().nth(2).unwrap().to_string())
        .unwrap();
    for terminal in [false, true] {
        PluginHost::new(&plugins)
            .with_terminal(terminal)
            .metadata("pg")
            .unwrap();
        let pgid = std::fs::read_to_string(&out).unwrap().trim().to_string();
        assert_eq!(
            pgid == ours,
            terminal,
            "terminal={terminal}: plugin pgid {pgid}, ours {ours}"
        );
    }
}

#[test]
fn invalid_utf8_in_a_response_string_reads_as_replacement_characters() {
    use notary::plugin::{PluginSigner, decode_response};
    use notary_plugin_api::GenerateEnvelopeResponse;
    use std::collections::BTreeMap;
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    // notation-go decodes with encoding/json, which turns each byte of invalid UTF-8 in a
    // string into U+FFFD: notation signs with these answers.
    script(
        &plugins,
        "bytes",
        r#"case "$1" in
get-plugin-metadata) printf '{"name":"bytes","description":"d\377","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_GENERATOR.RAW"]}';;
describe-key) printf '{"keyId":"k","keySpec":"EC-256","note":"\377\342\202"}';;
*) exit 1;;
esac"#,
    );
    let signer = PluginSigner::new(PluginHost::new(&plugins), "bytes", "k", BTreeMap::new())
        .expect("invalid UTF-8 in the description is read as notation reads it");
    assert_eq!(signer.metadata().description, "d\u{FFFD}");
    assert_eq!(signer.describe_key().unwrap(), KeySpec::EcP256);

    // One replacement per byte, as Go's utf8.DecodeRune steps (not one per maximal subpart).
    let r: GenerateEnvelopeResponse = decode_response(
        b"{\"signatureEnvelope\":\"YQ==\",\"signatureEnvelopeType\":\"application/jose+json\",\
          \"annotations\":{\"a\":\"x\xe2\x82y\xff\"}}",
    )
    .unwrap();
    assert_eq!(r.annotations.unwrap()["a"], "x\u{FFFD}\u{FFFD}y\u{FFFD}");
    // Outside a string it is still not JSON.
    assert!(decode_response::<GenerateEnvelopeResponse>(b"{\xff}").is_err());

    // Lone UTF-16 surrogate escapes read as U+FFFD too; a pair stays one character, and an
    // escaped backslash before `u` is no escape.
    let r: GenerateEnvelopeResponse = decode_response(
        br#"{"signatureEnvelopeType":"t","annotations":{"a":"\udcff\ud800x\ud83d\ude00\\ud800","\ud800":"k"}}"#,
    )
    .unwrap();
    let annotations = r.annotations.unwrap();
    assert_eq!(annotations["a"], "\u{FFFD}\u{FFFD}x\u{1F600}\\ud800");
    assert_eq!(annotations["\u{FFFD}"], "k");
}

#[test]
fn a_plugin_that_cannot_start_or_is_no_file_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path();
    // Not executable: the spawn fails (the CLI words it `fork/exec PATH: ...`, plugin_cli.rs).
    script(plugins, "noexec", "echo {}");
    let exe = plugins.join("noexec").join("notation-noexec");
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o644)).unwrap();
    let host = PluginHost::new(plugins);
    let e = host.metadata("noexec").unwrap_err();
    assert!(
        matches!(&e, PluginError::Process { reason, .. } if reason.contains("ermission denied")),
        "{e}"
    );
    // A directory where the executable belongs: not a regular file, and not called a symlink.
    std::fs::create_dir_all(plugins.join("dir").join("notation-dir")).unwrap();
    let e = host.metadata("dir").unwrap_err();
    assert!(matches!(e, PluginError::NotRegularFile { .. }), "{e}");
    assert!(e.to_string().contains("is not a regular file"), "{e}");
}
