//! PKCS#11 signing against SoftHSM2: a token per test (temporary SOFTHSM2_CONF), keys generated
//! inside it with pkcs11-tool, certificates issued for the token's public keys, artifacts in an
//! OCI layout signed via the library, via the `notation-pkcs11` plugin and via
//! `notary sign --key hsm-key`, and verified.
//!
//! SoftHSM2 and opensc are installed by scripts/setup.sh. Without them these tests FAIL: they
//! are never skipped.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use notary::artifact::{block_on, sign_and_push, verify_artifact};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{EnvelopeMediaType, KeySpec, SignOptions, Verifier};
use notary_core::{Descriptor, SignatureRepository};
use notary_pkcs11::{ChainSource, Pkcs11Config, Pkcs11Error, Pkcs11Signer};
use notary_registry::OciLayout;

const MODULE_CANDIDATES: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
];
const PIN: &str = "1234";

fn module() -> PathBuf {
    let found = MODULE_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    let tools = ["softhsm2-util", "pkcs11-tool"]
        .iter()
        .all(|t| Command::new(t).arg("--help").output().is_ok());
    match found {
        Some(m) if tools => m,
        _ => panic!(
            "SoftHSM2 (libsofthsm2.so, softhsm2-util) and opensc (pkcs11-tool) are required for the PKCS#11 tests{}: run scripts/setup.sh",
            if std::env::var_os("CI").is_some() {
                " in CI"
            } else {
                ""
            }
        ),
    }
}

struct Token {
    _tmp: Option<tempfile::TempDir>,
    root: PathBuf,
    conf: PathBuf,
    module: PathBuf,
    label: String,
}

impl Token {
    /// A fresh token with the given keys (pkcs11-tool key type, label, hex id).
    fn new(label: &str, keys: &[(&str, &str, &str)]) -> Self {
        let module = module();
        let tmp = tempfile::tempdir().unwrap();
        let tokens = tmp.path().join("tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = tmp.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                tokens.display()
            ),
        )
        .unwrap();
        let t = Self {
            root: tmp.path().to_path_buf(),
            _tmp: Some(tmp),
            conf,
            module,
            label: label.to_string(),
        };
        t.tool(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                label,
                "--so-pin",
                "5678",
                "--pin",
                PIN,
            ],
        );
        for (kind, key_label, id) in keys {
            t.p11(&[
                "--keypairgen",
                "--key-type",
                kind,
                "--label",
                key_label,
                "--id",
                id,
            ]);
        }
        t
    }

    fn tool(&self, tool: &str, args: &[&str]) {
        let o = Command::new(tool)
            .args(args)
            .env("SOFTHSM2_CONF", &self.conf)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{tool} {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    fn p11(&self, args: &[&str]) {
        let m = self.module.display().to_string();
        let mut all = vec![
            "--module",
            m.as_str(),
            "--token-label",
            &self.label,
            "--login",
            "--pin",
            PIN,
        ];
        all.extend_from_slice(args);
        self.tool("pkcs11-tool", &all);
    }

    fn config(&self, key_label: &str, chain: ChainSource) -> Pkcs11Config {
        Pkcs11Config {
            module: self.module.clone(),
            token_label: self.label.clone(),
            key_label: Some(key_label.to_string()),
            key_id: None,
            pin: Some(PIN.into()),
            chain,
        }
    }

    /// Issues a chain for the token key and writes it as PEM; returns (pem path, root DER).
    fn issue_chain(&self, key_label: &str) -> (PathBuf, Vec<u8>, Vec<Vec<u8>>) {
        let (spec, public) =
            notary_pkcs11::token_public_key(&self.config(key_label, ChainSource::Token)).unwrap();
        let certs = notary_crypto::pki::ChainBuilder::new(spec, time::OffsetDateTime::now_utc())
            .build_for_public_key(&public)
            .unwrap();
        let pem_path = self.root.join(format!("{key_label}.pem"));
        let text: String = certs
            .iter()
            .map(|c| pem::encode(&pem::Pem::new("CERTIFICATE", c.clone())))
            .collect();
        std::fs::write(&pem_path, text).unwrap();
        let root = certs.last().unwrap().clone();
        (pem_path, root, certs)
    }
}

fn layout_with_artifact(dir: &Path) -> (OciLayout, Descriptor) {
    let layout = OciLayout::create(dir).unwrap();
    let config = layout
        .push_blob("application/vnd.oci.empty.v1+json", b"{}")
        .unwrap();
    let layer = layout.push_blob("text/plain", b"hsm signed").unwrap();
    let art = layout
        .push_manifest(
            notary_registry::manifest::IMAGE_MANIFEST,
            &notary_registry::manifest::image_manifest(
                &config,
                &[layer],
                Some("application/vnd.example"),
                None,
                None,
            ),
            Some("v1"),
        )
        .unwrap();
    (layout, art)
}

fn verifier(root: &[u8]) -> notary::NotaryVerifier {
    let mut store = MemoryTrustStore::new(notary::default_provider());
    store
        .add(
            TrustStoreType::Ca,
            "hsm",
            vec![notary_x509::Certificate::from_der(root).unwrap()],
        )
        .unwrap();
    notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store)).with_oci_policy(
        notary::trustpolicy::OciTrustPolicy::from_json(
            br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["local/app"],
            "signatureVerification":{"level":"strict"},"trustStores":["ca:hsm"],
            "trustedIdentities":["*"]}]}"#,
        )
        .unwrap(),
    )
}

fn verify_in_layout(layout: &OciLayout, art: &Descriptor, root: &[u8]) -> usize {
    let res = block_on(verify_artifact(
        layout,
        &verifier(root),
        &notary::artifact::VerifyArtifactRequest::new(
            &art.digest.to_string(),
            "local/app",
            time::OffsetDateTime::now_utc(),
        ),
    ))
    .unwrap();
    assert!(res.signature_manifest.is_some());
    block_on(layout.list_signatures(art, 100)).unwrap().len()
}

/// Runs `body` in a child test process whose environment has SOFTHSM2_CONF pointing at a fresh
/// token (the module reads it on C_Initialize; the test process's own environment is not
/// changed). The parent creates the token and asserts the child ran and passed.
fn hsm_test(name: &str, keys: &[(&str, &str, &str)], body: impl FnOnce(&Token)) {
    if let (Ok(dir), Ok(label)) = (
        std::env::var("NOTARY_P11_CHILD_DIR"),
        std::env::var("NOTARY_P11_LABEL"),
    ) {
        let root = PathBuf::from(dir);
        let token = Token {
            _tmp: None,
            conf: root.join("softhsm2.conf"),
            root,
            module: module(),
            label,
        };
        body(&token);
        return;
    }
    let token = Token::new(
        &format!("notary-{name}")
            .chars()
            .take(32)
            .collect::<String>(),
        keys,
    );
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("SOFTHSM2_CONF", &token.conf)
        .env("NOTARY_P11_CHILD_DIR", &token.root)
        .env("NOTARY_P11_LABEL", &token.label)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} (child):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const KEYS: &[(&str, &str, &str)] = &[
    ("rsa:3072", "rsa3072", "01"),
    ("EC:prime256v1", "ecp256", "02"),
    ("EC:secp384r1", "ecp384", "03"),
];

#[test]
fn library_signs_in_the_token_and_signatures_verify() {
    hsm_test(
        "library_signs_in_the_token_and_signatures_verify",
        KEYS,
        |t| {
            let dir = tempfile::tempdir().unwrap();
            let (layout, art) = layout_with_artifact(&dir.path().join("layout"));
            let mut count = 0;
            for (label, spec) in [
                ("rsa3072", KeySpec::Rsa3072),
                ("ecp256", KeySpec::EcP256),
                ("ecp384", KeySpec::EcP384),
            ] {
                let (pem, root, _) = t.issue_chain(label);
                let signer =
                    Pkcs11Signer::open(&t.config(label, ChainSource::PemFile(pem))).unwrap();
                assert_eq!(notary_core::Signer::key_spec(&signer).unwrap(), spec);
                for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
                    let mut o = SignOptions::new(time::OffsetDateTime::now_utc());
                    o.format = format;
                    let pushed =
                        block_on(sign_and_push(&layout, &art.digest.to_string(), &signer, &o))
                            .unwrap();
                    count += 1;
                    let info = pushed.signed.envelope.signer_info();
                    assert_eq!(info.signature_algorithm, spec.signature_algorithm());
                    if let Some(n) = spec.signature_algorithm().ecdsa_signature_len() {
                        assert_eq!(info.signature.len(), n, "raw r||s");
                    }
                    let outcome = verifier(&root)
                        .verify(notary::VerifyRequest::oci(
                            &pushed.signed.bytes,
                            format,
                            "local/app",
                            &art,
                            time::OffsetDateTime::now_utc(),
                        ))
                        .unwrap_or_else(|e| panic!("{label} {format:?}: {e}"));
                    assert!(outcome.is_verified());
                }
                assert_eq!(verify_in_layout(&layout, &art, &root), count);
            }

            // By id instead of label, with the chain stored on the token.
            let (_, root, certs) = t.issue_chain("ecp384");
            for (i, c) in certs.iter().enumerate() {
                let f = t.root.join(format!("c{i}.der"));
                std::fs::write(&f, c).unwrap();
                let id = if i == 0 {
                    "03".to_string()
                } else {
                    format!("9{i}")
                };
                t.p11(&[
                    "--write-object",
                    f.to_str().unwrap(),
                    "--type",
                    "cert",
                    "--label",
                    &format!("cert{i}"),
                    "--id",
                    &id,
                ]);
            }
            let mut c = t.config("ignored", ChainSource::Token);
            c.key_label = None;
            c.key_id = Some(vec![0x03]);
            let signer = Pkcs11Signer::open(&c).unwrap();
            assert_eq!(
                signer.certificate_chain(),
                certs.as_slice(),
                "leaf, then issuers by subject"
            );
            let signed = notary::sign_artifact(
                &art,
                &signer,
                &SignOptions::new(time::OffsetDateTime::now_utc()),
            )
            .unwrap();
            let outcome = verifier(&root)
                .verify(notary::VerifyRequest::oci(
                    &signed.bytes,
                    notary::EnvelopeMediaType::Jws,
                    "local/app",
                    &art,
                    time::OffsetDateTime::now_utc(),
                ))
                .unwrap();
            assert!(outcome.is_verified());
        },
    );
}

#[test]
fn token_errors_are_typed() {
    hsm_test("token_errors_are_typed", &KEYS[..2], |t| {
        let (pem_rsa, _, _) = t.issue_chain("rsa3072");
        // A chain for another key.
        assert!(matches!(
            Pkcs11Signer::open(&t.config("ecp256", ChainSource::PemFile(pem_rsa.clone()))),
            Err(Pkcs11Error::Certificate(m)) if m.contains("does not certify")
        ));
        let mut c = t.config("rsa3072", ChainSource::PemFile(pem_rsa.clone()));
        c.pin = Some("0000".into());
        assert!(matches!(
            Pkcs11Signer::open(&c),
            Err(Pkcs11Error::Login { .. })
        ));
        let mut c = t.config("rsa3072", ChainSource::PemFile(pem_rsa.clone()));
        c.token_label = "no-such-token".into();
        assert!(matches!(
            Pkcs11Signer::open(&c),
            Err(Pkcs11Error::TokenNotFound(_))
        ));
        assert!(matches!(
            Pkcs11Signer::open(&t.config("missing", ChainSource::PemFile(pem_rsa.clone()))),
            Err(Pkcs11Error::Key { reason, .. }) if reason.contains("not found")
        ));
        assert!(matches!(
            Pkcs11Signer::open(&t.config("rsa3072", ChainSource::Token)),
            Err(Pkcs11Error::Certificate(m)) if m.contains("no certificate object")
        ));
        let mut c = t.config("rsa3072", ChainSource::PemFile(pem_rsa));
        c.module = "/nonexistent/libpkcs11.so".into();
        assert!(matches!(
            Pkcs11Signer::open(&c),
            Err(Pkcs11Error::Module { .. })
        ));
    });
}

fn install_plugin(plugins: &Path) {
    let dir = plugins.join("pkcs11");
    std::fs::create_dir_all(&dir).unwrap();
    let dst = dir.join("notation-pkcs11");
    std::fs::copy(env!("CARGO_BIN_EXE_notation-pkcs11"), &dst).unwrap();
    std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The `notary` binary of this workspace (built by `cargo test --workspace`).
fn notary_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("notary"))
        .unwrap();
    assert!(
        bin.is_file(),
        "{} not found: run `cargo test --workspace` (or build notary-cli first)",
        bin.display()
    );
    bin
}

#[test]
fn plugin_and_cli_sign_with_the_token() {
    hsm_test("plugin_and_cli_sign_with_the_token", &KEYS[..2], |t| {
        let dir = tempfile::tempdir().unwrap();
        let plugins = dir.path().join("libexec/plugins");
        install_plugin(&plugins);
        let (layout, art) = layout_with_artifact(&dir.path().join("layout"));
        let (pem, root, _) = t.issue_chain("rsa3072");
        let settings = |pem: &Path| {
            BTreeMap::from([
                ("module".to_string(), t.module.display().to_string()),
                ("token".to_string(), t.label.clone()),
                ("certChain".to_string(), pem.display().to_string()),
                ("pinEnv".to_string(), "NOTARY_TEST_HSM_PIN".to_string()),
            ])
        };

        // The plugin through the host (RAW), the PIN from the environment the child inherits.
        let host = notary::plugin::PluginHost::new(&plugins);
        let no_pin =
            notary::plugin::PluginSigner::new(host.clone(), "pkcs11", "rsa3072", settings(&pem))
                .unwrap();
        // This process has no NOTARY_TEST_HSM_PIN: the plugin reports ACCESS_DENIED.
        assert!(matches!(
            no_pin.describe_key(),
            Err(notary::plugin::PluginError::Failed { ref code, .. }) if code == "ACCESS_DENIED"
        ));

        // The CLI: key add with --plugin, then sign --key, then verify.
        // notation's layout under XDG_CONFIG_HOME, so notation reads the same files below.
        let config = dir.path().join("xdg/notation");
        let notary = |args: &[&str]| {
            let o = Command::new(notary_bin())
                .args(args)
                .env("NOTATION_CONFIG", &config)
                .env("NOTATION_LIBEXEC", dir.path().join("libexec"))
                .env("SOFTHSM2_CONF", &t.conf)
                .env("NOTARY_TEST_HSM_PIN", PIN)
                .output()
                .unwrap();
            (
                o.status.success(),
                String::from_utf8_lossy(&o.stdout).to_string()
                    + &String::from_utf8_lossy(&o.stderr),
            )
        };
        let ok = |args: &[&str]| {
            let (ok, out) = notary(args);
            assert!(ok, "notary {args:?}: {out}");
            out
        };
        let list = ok(&["plugin", "list"]);
        assert!(
            list.contains("pkcs11") && list.contains("SIGNATURE_GENERATOR.RAW"),
            "{list}"
        );
        let mut add = vec![
            "key", "add", "hsm-key", "--plugin", "pkcs11", "--id", "rsa3072",
        ];
        let cfg: Vec<String> = settings(&pem)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for c in &cfg {
            add.extend(["--plugin-config", c.as_str()]);
        }
        ok(&add);
        let reference = format!("{}@{}", layout.path().display(), art.digest);
        let out = ok(&["sign", "--oci-layout", "--key", "hsm-key", &reference]);
        assert!(out.contains("Successfully signed"), "{out}");
        let out = ok(&[
            "sign",
            "--oci-layout",
            "--signature-format",
            "cose",
            "--key",
            "hsm-key",
            &reference,
        ]);
        assert!(out.contains("Successfully signed"), "{out}");
        assert_eq!(verify_in_layout(&layout, &art, &root), 2);

        let root_pem = dir.path().join("root.pem");
        std::fs::write(
            &root_pem,
            pem::encode(&pem::Pem::new("CERTIFICATE", root.clone())),
        )
        .unwrap();
        ok(&[
            "cert",
            "add",
            "--type",
            "ca",
            "--store",
            "hsm",
            root_pem.to_str().unwrap(),
        ]);
        let policy = dir.path().join("policy.json");
        std::fs::write(&policy, r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["local/app"],"signatureVerification":{"level":"strict"},"trustStores":["ca:hsm"],"trustedIdentities":["*"]}]}"#).unwrap();
        ok(&["policy", "import", policy.to_str().unwrap()]);
        let out = ok(&["verify", "--oci-layout", "--scope", "local/app", &reference]);
        assert!(out.contains("Successfully verified"), "{out}");

        // Blob signing through the plugin with --plugin/--id flags, EC key this time.
        let (pem_ec, _, _) = t.issue_chain("ecp256");
        let blob = dir.path().join("file.txt");
        std::fs::write(&blob, b"blob content").unwrap();
        let mut args = vec![
            "blob".to_string(),
            "sign".into(),
            "--plugin".into(),
            "pkcs11".into(),
            "--id".into(),
            "ecp256".into(),
            "--signature-directory".into(),
            dir.path().display().to_string(),
        ];
        for c in settings(&pem_ec).iter().map(|(k, v)| format!("{k}={v}")) {
            args.extend(["--plugin-config".to_string(), c]);
        }
        args.push(blob.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&args);
        let sig = std::fs::read(dir.path().join("file.txt.jws.sig")).unwrap();
        let i = notary::inspect::inspect_envelope(
            notary::EnvelopeMediaType::Jws,
            &sig,
            None,
            &notary::inspect::TimeZone::utc(),
        )
        .unwrap();
        let v = serde_json::to_value(&i).unwrap().to_string();
        assert!(v.contains("ES256") || v.contains("ECDSA"), "{v}");

        // A wrong PIN from the CLI: a clear error, and no extra signature in the layout.
        let (okk, out) = {
            let o = Command::new(notary_bin())
                .args(["sign", "--oci-layout", "--key", "hsm-key", &reference])
                .env("NOTATION_CONFIG", &config)
                .env("NOTATION_LIBEXEC", dir.path().join("libexec"))
                .env("SOFTHSM2_CONF", &t.conf)
                .env("NOTARY_TEST_HSM_PIN", "9999")
                .output()
                .unwrap();
            (
                o.status.success(),
                String::from_utf8_lossy(&o.stderr).to_string(),
            )
        };
        assert!(!okk && out.contains("ACCESS_DENIED"), "{out}");
        assert_eq!(
            block_on(layout.list_signatures(&art, 100)).unwrap().len(),
            2
        );

        // The Go notation CLI drives the same token through the same plugin and key entry, and
        // each tool verifies the other's HSM signatures.
        let notation = notation_bin();
        install_plugin(&config.join("plugins"));
        let notation_run = |args: &[&str]| {
            let o = Command::new(&notation)
                .args(args)
                .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
                .env("HOME", dir.path())
                .env("NOTATION_EXPERIMENTAL", "1")
                .env("SOFTHSM2_CONF", &t.conf)
                .env("NOTARY_TEST_HSM_PIN", PIN)
                .output()
                .unwrap();
            let out = String::from_utf8_lossy(&o.stdout).to_string()
                + &String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "notation {args:?}: {out}");
            out
        };
        let out = notation_run(&["sign", "--oci-layout", "--key", "hsm-key", &reference]);
        assert!(out.contains("Successfully signed"), "{out}");
        assert_eq!(verify_in_layout(&layout, &art, &root), 3);
        let out = notation_run(&["verify", "--oci-layout", "--scope", "local/app", &reference]);
        assert!(out.contains("Successfully verified"), "{out}");
        let out = ok(&["verify", "--oci-layout", "--scope", "local/app", &reference]);
        assert!(out.contains("Successfully verified"), "{out}");
    });
}

/// The Go notation CLI that scripts/setup.sh builds (`$NOTARY_TOOLS_BIN`, default
/// `~/.cache/notary-rs/tools`).
fn notation_bin() -> PathBuf {
    let dir = std::env::var_os("NOTARY_TOOLS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
                .join(".cache/notary-rs/tools")
        });
    let bin = dir.join("notation");
    assert!(
        bin.is_file(),
        "{} not found: run scripts/setup.sh",
        bin.display()
    );
    bin
}

/// Two signers open on one token at once in one process (a library caller signing in
/// parallel): the second login must not fail because the first one is logged in, both sign
/// concurrently, and dropping one leaves the other usable.
#[test]
fn two_signers_on_one_token_at_once() {
    hsm_test("two_signers_on_one_token_at_once", &KEYS[..2], |t| {
        let (pem_rsa, _, _) = t.issue_chain("rsa3072");
        let (pem_ec, _, _) = t.issue_chain("ecp256");
        let a = Pkcs11Signer::open(&t.config("rsa3072", ChainSource::PemFile(pem_rsa))).unwrap();
        let b =
            Pkcs11Signer::open(&t.config("ecp256", ChainSource::PemFile(pem_ec.clone()))).unwrap();
        let b2 = Pkcs11Signer::open(&t.config("ecp256", ChainSource::PemFile(pem_ec))).unwrap();
        std::thread::scope(|s| {
            for signer in [&a, &b, &b2] {
                s.spawn(move || {
                    for i in 0..5u8 {
                        assert!(!signer.sign_message(&[i; 16]).unwrap().is_empty());
                    }
                });
            }
        });
        drop(a);
        drop(b);
        assert_eq!(b2.sign_message(b"after the others").unwrap().len(), 64);
    });
}

/// Two tokens with the same label (a second HSM partition, a smart card plugged in with a
/// copied label): the signer refuses to guess which one holds the key.
#[test]
fn an_ambiguous_token_label_is_refused() {
    hsm_test("an_ambiguous_token_label_is_refused", &KEYS[1..2], |t| {
        let (pem, _, _) = t.issue_chain("ecp256");
        Pkcs11Signer::open(&t.config("ecp256", ChainSource::PemFile(pem.clone()))).unwrap();
        t.tool(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                &t.label,
                "--so-pin",
                "5678",
                "--pin",
                PIN,
            ],
        );
        assert!(matches!(
            Pkcs11Signer::open(&t.config("ecp256", ChainSource::PemFile(pem))),
            Err(Pkcs11Error::AmbiguousToken { ref label, count: 2 }) if *label == t.label
        ));
    });
}
