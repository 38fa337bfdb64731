//! Two-way interoperability with the Go `notation` CLI (v1.3.2, built by scripts/setup.sh):
//! `notary` signs and `notation` verifies, `notation` signs and `notary` verifies, for the six
//! key specs and both envelope formats, on an OCI layout, on a registry without the referrers
//! API (Debian's docker-registry) and on one with it (olareg). Both tools share one
//! configuration directory: the same `signingkeys.json`, trust store and trust policy files.
//! Also: expiry and user metadata, strict and audit levels, a tampered signature both refuse
//! naming the same validation, timestamped signatures (OpenSSL TSA), a plugin built with our
//! framework driven by notation, `oras discover`, and `notary copy` output verified by
//! notation. notation v1.0.0, the first release, meets notary both ways too (fewer cases).
//! A missing Go tool fails the suite: scripts/setup.sh installs them.

// The CLI suite's harness, for the one definition of the `notary` under test (`$NOTARY_BIN`).
#[path = "../crates/notary-cli/tests/support/env.rs"]
mod cli_env;
#[path = "support/registry.rs"]
mod registry;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cli_env::notary_bin;
use notary_core::{KeySpec, PushSignature, SignatureRepository};
use notary_crypto::pki::ChainBuilder;
use notary_registry::{OciLayout, RemoteOptions, RemoteRepository, manifest};
use registry::{Kind, Options, Registry, tool};

/// One shared configuration directory and the tools pointed at it.
struct Fixture {
    dir: tempfile::TempDir,
    chains: Vec<notary_crypto::pki::TestChain>,
    notation: PathBuf,
    oras: PathBuf,
}

const SPECS: [(&str, KeySpec); 6] = [
    ("rsa2048", KeySpec::Rsa2048),
    ("rsa3072", KeySpec::Rsa3072),
    ("rsa4096", KeySpec::Rsa4096),
    ("ec256", KeySpec::EcP256),
    ("ec384", KeySpec::EcP384),
    ("ec521", KeySpec::EcP521),
];

impl Fixture {
    fn new() -> Fixture {
        let mut f = Fixture {
            dir: tempfile::tempdir().unwrap(),
            chains: Vec::new(),
            notation: tool("notation"),
            oras: tool("oras"),
        };
        let cfg = f.config();
        let now = time::OffsetDateTime::now_utc();
        let keys = cfg.join("interop-keys");
        let store = cfg.join("truststore/x509/ca/interop");
        std::fs::create_dir_all(&keys).unwrap();
        std::fs::create_dir_all(&store).unwrap();
        let mut entries = Vec::new();
        for (name, spec) in SPECS {
            let chain = ChainBuilder::new(spec, now).build().unwrap();
            let key = keys.join(format!("{name}.key"));
            let crt = keys.join(format!("{name}.crt"));
            std::fs::write(
                &key,
                pem::encode(&pem::Pem::new("PRIVATE KEY", chain.leaf_key_pkcs8.clone())),
            )
            .unwrap();
            std::fs::write(&crt, chain.pem()).unwrap();
            std::fs::write(
                store.join(format!("{name}-root.pem")),
                pem::encode(&pem::Pem::new("CERTIFICATE", chain.root().to_vec())),
            )
            .unwrap();
            entries.push(serde_json::json!({"name": name, "keyPath": key, "certPath": crt}));
            f.chains.push(chain);
        }
        std::fs::write(
            cfg.join("signingkeys.json"),
            serde_json::to_vec_pretty(&serde_json::json!({"default": "ec256", "keys": entries}))
                .unwrap(),
        )
        .unwrap();
        // A key whose certificate no trust store of the policy holds.
        f.notary(&["cert", "generate-test", "untrusted"]);
        f
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("xdg/notation")
    }

    fn command(&self, bin: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(bin);
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"))
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env("NOTATION_EXPERIMENTAL", "1");
        c
    }

    fn run(&self, bin: &Path, args: &[&str]) -> Output {
        self.command(bin, args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()))
    }

    fn ok(&self, bin: &Path, args: &[&str]) -> String {
        let out = self.run(bin, args);
        assert!(
            out.status.success(),
            "{} {args:?} failed:\nstdout: {}\nstderr: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn fails(&self, bin: &Path, args: &[&str]) -> String {
        let out = self.run(bin, args);
        assert!(
            !out.status.success(),
            "{} {args:?} must fail:\nstdout: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn notary(&self, args: &[&str]) -> String {
        self.ok(&notary_bin(), args)
    }

    fn notation(&self, args: &[&str]) -> String {
        self.ok(&self.notation.clone(), args)
    }

    /// The trust policy both tools read: strict everywhere, audit for the `audit_scopes`.
    /// A `tsa:` store makes both tools require a timestamp, so only `timestamps` adds it.
    fn write_policy(&self, audit_scopes: &[String], timestamps: bool) {
        let stores = if timestamps {
            vec!["ca:interop", "tsa:interop"]
        } else {
            vec!["ca:interop"]
        };
        let mut policies = vec![serde_json::json!({
            "name": "interop-strict",
            "registryScopes": ["*"],
            "signatureVerification": {"level": "strict"},
            "trustStores": stores,
            "trustedIdentities": ["*"],
        })];
        if !audit_scopes.is_empty() {
            policies.push(serde_json::json!({
                "name": "interop-audit",
                "registryScopes": audit_scopes,
                "signatureVerification": {"level": "audit"},
                "trustStores": ["ca:interop"],
                "trustedIdentities": ["*"],
            }));
        }
        std::fs::write(
            self.config().join("trustpolicy.json"),
            serde_json::to_vec_pretty(
                &serde_json::json!({"version": "1.0", "trustPolicies": policies}),
            )
            .unwrap(),
        )
        .unwrap();
    }
}

/// Where artifacts live in one run of the matrix.
enum Store {
    Layout(OciLayout),
    Remote(Registry),
}

impl Store {
    /// Pushes a unique small artifact and returns (reference by digest, extra flags for both
    /// tools' verify).
    fn push(
        &self,
        rt: &tokio::runtime::Runtime,
        repo: &str,
        content: &str,
    ) -> (String, Vec<String>) {
        match self {
            Store::Layout(l) => {
                let config = l.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
                let layer = l.push_blob("text/plain", content.as_bytes()).unwrap();
                let m = manifest::image_manifest(
                    &config,
                    &[layer],
                    Some("application/vnd.example"),
                    None,
                    None,
                );
                let d = l
                    .push_manifest(manifest::IMAGE_MANIFEST, &m, Some(repo))
                    .unwrap();
                (
                    format!("{}@{}", l.path().display(), d.digest),
                    vec!["--oci-layout".into()],
                )
            }
            Store::Remote(reg) => {
                let r = remote(reg, repo);
                let d = rt.block_on(async {
                    let config = r.push_blob(manifest::EMPTY_JSON, b"{}").await.unwrap();
                    let layer = r.push_blob("text/plain", content.as_bytes()).await.unwrap();
                    let m = manifest::image_manifest(
                        &config,
                        &[layer],
                        Some("application/vnd.example"),
                        None,
                        None,
                    );
                    r.push_manifest(manifest::IMAGE_MANIFEST, &m, Some("v1"))
                        .await
                        .unwrap()
                });
                (
                    format!("{}/{repo}@{}", reg.host, d.digest),
                    vec!["--insecure-registry".into()],
                )
            }
        }
    }

    /// Flags of `notation sign`: on a registry with the referrers API, notation's default
    /// (`--force-referrers-tag=true`) deletes the index olareg keeps for its API, so notation
    /// itself could not find its signature; use the API as a notation user would there.
    fn notation_sign(&self, base: &[String]) -> Vec<String> {
        let mut v = base.to_vec();
        if let Store::Remote(reg) = self
            && reg.kind.has_referrers_api()
        {
            v.push("--force-referrers-tag=false".into());
        }
        v
    }

    fn scope(&self, repo: &str) -> String {
        match self {
            Store::Layout(_) => format!("local/{repo}"),
            Store::Remote(reg) => format!("{}/{repo}", reg.host),
        }
    }

    /// Flags of `verify` (layouts also need the scope).
    fn verify_flags(&self, base: &[String], repo: &str) -> Vec<String> {
        let mut v = base.to_vec();
        if let Store::Layout(_) = self {
            v.push("--scope".into());
            v.push(self.scope(repo));
        }
        v
    }
}

fn remote(reg: &Registry, repo: &str) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    RemoteRepository::new(&reg.host, repo, o).unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `rest[0]` (the subcommand), then `flags`, then the rest of `rest`.
fn args<'a>(flags: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![rest[0]];
    v.extend(flags.iter().map(String::as_str));
    v.extend(rest[1..].iter().copied());
    v
}

/// Replaces an envelope's signature bytes with different ones of the same shape.
fn tamper(envelope: &[u8], media_type: &str) -> Vec<u8> {
    if media_type == "application/jose+json" {
        let mut v: serde_json::Value = serde_json::from_slice(envelope).unwrap();
        let sig = v["signature"].as_str().unwrap().to_string();
        let mut b = sig.into_bytes();
        b[4] = if b[4] == b'A' { b'B' } else { b'A' };
        v["signature"] = serde_json::Value::String(String::from_utf8(b).unwrap());
        serde_json::to_vec(&v).unwrap()
    } else {
        // COSE_Sign1: the signature is the final byte string.
        let mut b = envelope.to_vec();
        let n = b.len();
        b[n - 3] ^= 0x01;
        b
    }
}

/// The full matrix on one store, plus levels, metadata, tampering and discovery.
fn matrix(store: Store, fx: &Fixture) {
    let rt = rt();
    let audit_repo = "interop-audit";
    fx.write_policy(&[store.scope(audit_repo)], false);
    let notary = notary_bin();
    for (name, _) in SPECS {
        for format in ["jws", "cose"] {
            let repo = "interop";
            // notary signs, notation verifies.
            let (reference, base) = store.push(&rt, repo, &format!("{name}-{format}-by-notary"));
            fx.notary(&args(
                &base,
                &[
                    "sign",
                    "--key",
                    name,
                    "--signature-format",
                    format,
                    "-e",
                    "24h",
                    "-m",
                    "build=42",
                    &reference,
                ],
            ));
            let vf = store.verify_flags(&base, repo);
            let out = fx.notation(&args(&vf, &["verify", "-m", "build=42", &reference]));
            assert!(out.contains("Successfully verified"), "{out}");
            // The metadata must match for both tools.
            fx.fails(
                &fx.notation,
                &args(&vf, &["verify", "-m", "build=43", &reference]),
            );
            let e = fx.fails(
                &notary,
                &args(&vf, &["verify", "-m", "build=43", &reference]),
            );
            assert!(e.contains("build"), "{e}");

            // notation signs, notary verifies.
            let (reference, base) = store.push(&rt, repo, &format!("{name}-{format}-by-notation"));
            let nb = store.notation_sign(&base);
            fx.notation(&args(
                &nb,
                &[
                    "sign",
                    "--key",
                    name,
                    "--signature-format",
                    format,
                    "-e",
                    "24h",
                    "-m",
                    "build=7",
                    &reference,
                ],
            ));
            let out = fx.notary(&args(&vf, &["verify", "-m", "build=7", &reference]));
            assert!(
                out.contains("Successfully verified"),
                "{name} {format}: {out}"
            );
            let json = fx.notary(&args(&vf, &["verify", "-o", "json", &reference]));
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(v["level"], "strict");
            assert_eq!(v["userMetadata"]["build"], "7");
            // Both list the same signatures.
            let lf: Vec<String> = base.clone();
            let ours = fx.notary(&args(&lf, &["list", &reference]));
            let theirs = fx.notation(&args(&lf, &["list", &reference]));
            let digests = |s: &str| {
                let mut v: Vec<String> = s
                    .split_whitespace()
                    .filter(|w| w.starts_with("sha256:"))
                    .map(str::to_string)
                    .collect();
                v.sort();
                v
            };
            assert_eq!(digests(&ours), digests(&theirs), "{name} {format}");
        }
    }

    // Audit vs strict: an untrusted signer fails strict in both, passes audit in both.
    for (signer, reference) in [("notary", 0), ("notation", 1)] {
        let _ = reference;
        let (strict_ref, base) = store.push(&rt, "interop", &format!("untrusted-by-{signer}"));
        let (audit_ref, _) = store.push(&rt, audit_repo, &format!("untrusted-by-{signer}"));
        for r in [&strict_ref, &audit_ref] {
            let (bin, flags) = if signer == "notary" {
                (notary.clone(), base.clone())
            } else {
                (fx.notation.clone(), store.notation_sign(&base))
            };
            fx.ok(&bin, &args(&flags, &["sign", "--key", "untrusted", r]));
        }
        let vf = store.verify_flags(&base, "interop");
        let vfa = store.verify_flags(&base, audit_repo);
        for bin in [&notary, &fx.notation] {
            let e = fx.fails(bin, &args(&vf, &["verify", &strict_ref]));
            assert!(
                e.to_lowercase().contains("authenticity") || e.contains("failed"),
                "{e}"
            );
            let out = fx.ok(bin, &args(&vfa, &["verify", &audit_ref]));
            assert!(
                out.contains("Successfully verified"),
                "{}: {out}",
                bin.display()
            );
        }
    }

    // Tampered signatures (a JWS and a COSE whose signature bytes were altered, pushed as the
    // only signatures): both refuse them, naming the integrity validation.
    let (reference, base) = store.push(&rt, "interop", "tampered");
    let digest = reference.rsplit_once('@').unwrap().1.to_string();
    rt.block_on(async {
        match &store {
            Store::Layout(l) => push_tampered(l, &digest, &fx.chains).await,
            Store::Remote(reg) => push_tampered(&remote(reg, "interop"), &digest, &fx.chains).await,
        }
    });
    let vf = store.verify_flags(&base, "interop");
    let ours = fx.fails(&notary, &args(&vf, &["verify", &reference]));
    let theirs = fx.fails(
        &fx.notation,
        &args(&vf, &["verify", "--verbose", &reference]),
    );
    assert!(ours.contains("integrity"), "notary: {ours}");
    assert!(theirs.contains("integrity"), "notation: {theirs}");

    // oras sees our signatures as notation's.
    if let Store::Remote(reg) = &store {
        let (reference, base) = store.push(&rt, "interop", "discover");
        let out = fx.notary(&args(&base, &["sign", "--key", "ec256", &reference]));
        let sig = out
            .lines()
            .last()
            .unwrap()
            .rsplit_once('@')
            .unwrap()
            .1
            .to_string();
        let json = fx.ok(
            &fx.oras,
            &["discover", "--plain-http", "--format", "json", &reference],
        );
        assert!(json.contains(&sig), "oras discover misses {sig}: {json}");
        assert!(
            json.contains("application/vnd.cncf.notary.signature"),
            "{json}"
        );
        let _ = reg;
    }
}

/// Signs `digest` with the EC-384 key (JWS) and the RSA-3072 key (COSE) through the library,
/// alters each signature and stores only the altered envelopes.
async fn push_tampered<R: SignatureRepository>(
    repo: &R,
    digest: &str,
    chains: &[notary_crypto::pki::TestChain],
) {
    let subject = repo
        .resolve(digest)
        .await
        .map_err(|e| e.to_string())
        .unwrap();
    for (chain, format) in [
        (&chains[4], notary::EnvelopeMediaType::Jws),
        (&chains[1], notary::EnvelopeMediaType::Cose),
    ] {
        let mut o = notary::SignOptions::new(time::OffsetDateTime::now_utc());
        o.format = format;
        let signed = notary::sign_artifact(&subject, &chain.signer().unwrap(), &o).unwrap();
        let bad = tamper(&signed.bytes, format.as_str());
        let mut annotations = BTreeMap::new();
        annotations.insert(
            notary_core::THUMBPRINT_ANNOTATION.to_string(),
            notary_registry::thumbprint_annotation(&chain.certificates),
        );
        repo.push_signature(PushSignature::new(&subject, format, &bad, annotations))
            .await
            .map_err(|e| e.to_string())
            .unwrap();
    }
}

#[test]
fn interop_on_an_oci_layout() {
    let fx = Fixture::new();
    let layout = OciLayout::create(fx.dir.path().join("layout")).unwrap();
    matrix(Store::Layout(layout), &fx);
}

#[test]
fn interop_on_a_registry_without_the_referrers_api() {
    let fx = Fixture::new();
    matrix(
        Store::Remote(Registry::start(Kind::Distribution2, &Options::default())),
        &fx,
    );
}

#[test]
fn interop_on_a_registry_with_the_referrers_api() {
    let fx = Fixture::new();
    matrix(
        Store::Remote(Registry::start(Kind::Olareg, &Options::default())),
        &fx,
    );
}

/// Both ways with notation v1.0.0 (the first release; scripts/setup.sh builds it beside v1.3.2):
/// its envelopes, manifests and verification rules must still meet ours. v1.0.0 reads and writes
/// the referrers API only with `--allow-referrers-api`, the tag schema otherwise.
fn v1_0_both_ways(store: Store, fx: &Fixture) {
    let rt = rt();
    fx.write_policy(&[], false);
    let v1_0 = tool("notation-v1.0.0");
    let version = fx.ok(&v1_0, &["version"]);
    assert!(version.contains("v1.0.0"), "{version}");
    let api = matches!(&store, Store::Remote(reg) if reg.kind.has_referrers_api());
    let repo = "interop-v1-0";
    // The same `sign` for both tools; `by` names the signer in the user metadata.
    let sign = |name: &str, format: &str, by: &str, reference: &str| -> Vec<String> {
        let by = format!("by={by}");
        [
            "sign",
            "--key",
            name,
            "--signature-format",
            format,
            "-e",
            "24h",
            "-m",
            &by,
            reference,
        ]
        .map(str::to_string)
        .to_vec()
    };
    for (name, format) in [
        ("rsa3072", "jws"),
        ("ec384", "cose"),
        ("ec256", "jws"),
        ("rsa2048", "cose"),
    ] {
        // notation v1.0.0 signs (the tag schema on a registry, as by default), notary verifies.
        let (reference, base) = store.push(&rt, repo, &format!("{name}-{format}-by-v1.0"));
        let a = sign(name, format, "v1.0", &reference);
        fx.ok(
            &v1_0,
            &args(&base, &a.iter().map(String::as_str).collect::<Vec<_>>()),
        );
        let vf = store.verify_flags(&base, repo);
        let out = fx.notary(&args(&vf, &["verify", "-m", "by=v1.0", &reference]));
        assert!(
            out.contains("Successfully verified"),
            "{name} {format}: {out}"
        );
        let e = fx.fails(
            &notary_bin(),
            &args(&vf, &["verify", "-m", "by=v1.1", &reference]),
        );
        assert!(e.contains("by"), "{e}");
        let listed = fx.notary(&args(&base, &["inspect", "-o", "json", &reference]));
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        let sig = &listed["signatures"][0];
        let media_type = if format == "jws" {
            "application/jose+json"
        } else {
            "application/cose"
        };
        assert_eq!(sig["signatureEnvelopeType"], media_type, "{listed}");
        assert!(sig["signedAttributes"]["expiry"].is_string(), "{listed}");

        // notary signs (through the API where the registry has it), notation v1.0.0 verifies.
        let (reference, base) = store.push(&rt, repo, &format!("{name}-{format}-by-notary"));
        let mut nb = base.clone();
        let mut vb = store.verify_flags(&base, repo);
        if api {
            nb.push("--force-referrers-tag=false".into());
            vb.push("--allow-referrers-api".into());
        }
        let a = sign(name, format, "notary", &reference);
        fx.notary(&args(
            &nb,
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
        let out = fx.ok(
            &v1_0,
            &args(&vb, &["verify", "-m", "by=notary", &reference]),
        );
        assert!(
            out.contains("Successfully verified"),
            "{name} {format}: {out}"
        );
        fx.fails(&v1_0, &args(&vb, &["verify", "-m", "by=v1.0", &reference]));
    }
    if api {
        // v1.0.0 through the API, notary verifies.
        let (reference, base) = store.push(&rt, repo, "by-v1.0-through-the-api");
        let mut sb = base.clone();
        sb.push("--allow-referrers-api".into());
        fx.ok(&v1_0, &args(&sb, &["sign", "--key", "ec521", &reference]));
        let out = fx.notary(&args(&base, &["verify", &reference]));
        assert!(out.contains("Successfully verified"), "{out}");
    }
}

#[test]
fn notation_v1_0_0_both_ways_on_an_oci_layout() {
    let fx = Fixture::new();
    let layout = OciLayout::create(fx.dir.path().join("layout")).unwrap();
    v1_0_both_ways(Store::Layout(layout), &fx);
}

#[test]
fn notation_v1_0_0_both_ways_on_registries() {
    let fx = Fixture::new();
    v1_0_both_ways(
        Store::Remote(Registry::start(Kind::Distribution2, &Options::default())),
        &fx,
    );
    v1_0_both_ways(
        Store::Remote(Registry::start(Kind::Olareg, &Options::default())),
        &fx,
    );
}

#[test]
fn notary_copy_output_verifies_with_notation() {
    let fx = Fixture::new();
    fx.write_policy(&[], false);
    let src = Registry::start(Kind::Olareg, &Options::default());
    let dst = Registry::start(Kind::Distribution2, &Options::default());
    let rt = rt();
    let store = Store::Remote(src);
    let (reference, base) = store.push(&rt, "promote", "to be promoted");
    fx.notation(&args(
        &store.notation_sign(&base),
        &["sign", "--key", "rsa3072", &reference],
    ));
    fx.notary(&args(
        &base,
        &[
            "sign",
            "--key",
            "ec521",
            "--signature-format",
            "cose",
            &reference,
        ],
    ));
    let layout = fx.dir.path().join("airgap");
    let layout_s = layout.display().to_string();
    fx.notary(&[
        "copy",
        "--insecure-registry",
        "--to-oci-layout",
        &reference,
        &format!("{layout_s}:v1"),
    ]);
    let out = fx.notation(&[
        "verify",
        "--oci-layout",
        "--scope",
        "local/airgap",
        &format!("{layout_s}:v1"),
    ]);
    assert!(out.contains("Successfully verified"), "{out}");
    let target = format!("{}/airgap/app:v1", dst.host);
    fx.notary(&[
        "copy",
        "--insecure-registry",
        "--from-oci-layout",
        &format!("{layout_s}:v1"),
        &target,
    ]);
    let out = fx.notation(&["verify", "--insecure-registry", &target]);
    assert!(out.contains("Successfully verified"), "{out}");
    let listed = fx.notation(&["list", "--insecure-registry", &target]);
    assert_eq!(
        listed.matches("sha256:").count(),
        3,
        "artifact + 2 signatures: {listed}"
    );
}

#[test]
fn timestamped_signatures_both_ways() {
    let fx = Fixture::new();
    fx.write_policy(&[], true);
    let pki = fx.dir.path().join("tsa");
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pki/make-tsa.sh"))
        .arg(&pki)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tsa_store = fx.config().join("truststore/x509/tsa/interop");
    std::fs::create_dir_all(&tsa_store).unwrap();
    std::fs::copy(pki.join("ca.crt"), tsa_store.join("tsa-root.crt")).unwrap();
    let url = support::start_tsa(&pki, false);
    let root = pki.join("ca.crt").display().to_string();
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let rt = rt();
    let store = Store::Remote(reg);
    for (signer, verifier, format) in [
        ("notary", "notation", "jws"),
        ("notation", "notary", "cose"),
        ("notary", "notation", "cose"),
        ("notation", "notary", "jws"),
    ] {
        let (reference, base) = store.push(&rt, "ts", &format!("{signer}-{format}"));
        let sign = args(
            &base,
            &[
                "sign",
                "--key",
                "ec384",
                "--signature-format",
                format,
                "--timestamp-url",
                &url,
                "--timestamp-root-cert",
                &root,
                &reference,
            ],
        );
        let bin = |n: &str| {
            if n == "notary" {
                notary_bin()
            } else {
                fx.notation.clone()
            }
        };
        fx.ok(&bin(signer), &sign);
        let out = fx.ok(&bin(verifier), &args(&base, &["verify", &reference]));
        assert!(
            out.contains("Successfully verified"),
            "{signer}->{verifier} {format}: {out}"
        );
        // Both see the countersignature.
        let inspect = fx.ok(
            &bin(verifier),
            &args(&base, &["inspect", "-o", "json", &reference]),
        );
        assert!(
            inspect.contains("timestampSignature") || inspect.contains("timestamp"),
            "{inspect}"
        );
    }
}

#[test]
fn a_plugin_built_with_our_framework_signs_for_notation() {
    let fx = Fixture::new();
    fx.write_policy(&[], false);
    // Beside this build's `notary` (not `$NOTARY_BIN`'s): the workspace build makes it.
    let plugin = Path::new(env!("CARGO_BIN_EXE_notary")).with_file_name("notation-localkey");
    assert!(
        plugin.is_file(),
        "{} is built by cargo test --workspace",
        plugin.display()
    );
    fx.notary(&["plugin", "install", "--file", &plugin.display().to_string()]);
    let listed = fx.notation(&["plugin", "list"]);
    assert!(
        listed.contains("localkey"),
        "notation sees the plugin notary installed: {listed}"
    );
    let keys = fx.config().join("interop-keys");
    let key = format!("key={}", keys.join("ec256.key").display());
    let cert = format!("cert={}", keys.join("ec256.crt").display());
    fx.notation(&[
        "key",
        "add",
        "plugin-key",
        "--plugin",
        "localkey",
        "--id",
        "k1",
        "--plugin-config",
        &key,
        "--plugin-config",
        &cert,
    ]);
    let reg = Registry::start(Kind::Olareg, &Options::default());
    let rt = rt();
    let store = Store::Remote(reg);
    for format in ["jws", "cose"] {
        let (reference, base) = store.push(&rt, "plugin", format);
        fx.notation(&args(
            &store.notation_sign(&base),
            &[
                "sign",
                "--key",
                "plugin-key",
                "--signature-format",
                format,
                &reference,
            ],
        ));
        let out = fx.notary(&args(&base, &["verify", &reference]));
        assert!(out.contains("Successfully verified"), "{out}");
        let out = fx.notation(&args(&base, &["verify", &reference]));
        assert!(out.contains("Successfully verified"), "{out}");
        // And notary drives the same plugin key from the shared signingkeys.json.
        let (reference, base) = store.push(&rt, "plugin", &format!("{format}-notary"));
        fx.notary(&args(
            &base,
            &[
                "sign",
                "--key",
                "plugin-key",
                "--signature-format",
                format,
                &reference,
            ],
        ));
        let out = fx.notation(&args(&base, &["verify", &reference]));
        assert!(out.contains("Successfully verified"), "{out}");
    }
}

#[test]
fn blob_signatures_both_ways_with_notations_libraries() {
    // notation v1.3.2 has no blob commands: the Go peer signs and verifies with notation-go's
    // signer and verifier and notation-core-go's envelopes (tests/interop-go/blobpeer).
    let fx = Fixture::new();
    let peer = tool("blobpeer");
    std::fs::write(
        fx.config().join("trustpolicy.blob.json"),
        br#"{"version":"1.0","trustPolicies":[{"name":"blob","signatureVerification":{"level":"strict"},
        "trustStores":["ca:interop"],"trustedIdentities":["*"],"globalPolicy":true}]}"#,
    )
    .unwrap();
    let work = fx.dir.path().join("blobs");
    std::fs::create_dir_all(&work).unwrap();
    let keys = fx.config().join("interop-keys");
    for (name, _) in SPECS {
        for format in ["jws", "cose"] {
            let file = work.join(format!("{name}-{format}.bin"));
            std::fs::write(&file, format!("blob for {name} {format}\n").repeat(1000)).unwrap();
            let f = file.display().to_string();
            // notary signs, the Go libraries verify.
            fx.notary(&[
                "blob",
                "sign",
                "--key",
                name,
                "--signature-format",
                format,
                "-m",
                "k=v",
                "--signature-directory",
                &work.display().to_string(),
                &f,
            ]);
            let ours = format!("{f}.{format}.sig");
            let out = fx.ok(
                &peer,
                &["verify", "-format", format, "-sig", &ours, "-m", "k=v", &f],
            );
            assert!(out.contains("verified"), "{out}");
            // The Go libraries sign, notary verifies.
            let theirs = work
                .join(format!("{name}-{format}.go.{format}.sig"))
                .display()
                .to_string();
            let key = keys.join(format!("{name}.key")).display().to_string();
            let cert = keys.join(format!("{name}.crt")).display().to_string();
            fx.ok(
                &peer,
                &[
                    "sign", "-key", &key, "-cert", &cert, "-format", format, "-out", &theirs, "-m",
                    "k=v", &f,
                ],
            );
            let out = fx.notary(&["blob", "verify", "--signature", &theirs, "-m", "k=v", &f]);
            assert!(out.contains("Successfully verified"), "{out}");
            // A changed blob fails in both.
            let changed = work.join(format!("{name}-{format}.changed"));
            std::fs::write(&changed, b"something else").unwrap();
            let c = changed.display().to_string();
            fx.fails(&peer, &["verify", "-format", format, "-sig", &ours, &c]);
            fx.fails(
                &notary_bin(),
                &["blob", "verify", "--signature", &theirs, &c],
            );
        }
    }
}

#[test]
fn batch_sign_and_verify_in_one_invocation() {
    let fx = Fixture::new();
    fx.write_policy(&[], false);
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let rt = rt();
    let store = Store::Remote(reg);
    let refs: Vec<String> = (0..6)
        .map(|i| store.push(&rt, "batch", &format!("batch artifact {i}")).0)
        .collect();
    let signed = &refs[..5];
    let mut sign = vec!["sign", "--insecure-registry", "--key", "ec256"];
    sign.extend(signed.iter().map(String::as_str));
    let out = fx.notary(&sign);
    assert_eq!(out.matches("Successfully signed").count(), 5, "{out}");
    // Each verifies with notation, one invocation per artifact.
    for r in signed {
        let out = fx.notation(&["verify", "--insecure-registry", r]);
        assert!(out.contains("Successfully verified"), "{out}");
    }
    // notary verifies all of them in one invocation.
    let mut verify = vec!["verify", "--insecure-registry"];
    verify.extend(signed.iter().map(String::as_str));
    let out = fx.notary(&verify);
    assert_eq!(out.matches("Successfully verified").count(), 5, "{out}");
    // With an unsigned one among them: the others still verify, the run fails naming it.
    let mut all = vec!["verify", "--insecure-registry", "-o", "json"];
    all.extend(refs.iter().map(String::as_str));
    let out = fx.run(&notary_bin(), &all);
    assert!(!out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(items.iter().filter(|i| i["level"] == "strict").count(), 5);
    assert!(
        items[5]["error"].as_str().unwrap().contains("no signature"),
        "{json}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 6 artifacts failed verification"));
}
