//! The verifier inside a real containerd 2.x: the test starts containerd (built by
//! scripts/install-go-tools.sh) as root on a private root, state directory and socket, with
//! `notary-containerd-verifier` in its image-verifier directory, and pulls with `ctr image pull`
//! (the transfer service, which is the path that runs verifiers) from a local registry.
//!
//! Without root or without the containerd binaries the tests FAIL, as CI runs as root with the
//! tools installed; set `NOTARY_SKIP_CONTAINERD_TESTS=1` to skip them deliberately.

#[path = "../../../tests/support/registry.rs"]
mod registry;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use notary::artifact::sign_and_push;
use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::{PushSignature, SignatureRepository};
use notary_crypto::pki::{ChainBuilder, TestChain};
use notary_registry::remote::{Credential, StaticCredential};
use notary_registry::{RemoteOptions, RemoteRepository};
use registry::{Kind, Options, Registry, rt};
use sha2::{Digest as _, Sha256};

const SKIP_ENV: &str = "NOTARY_SKIP_CONTAINERD_TESTS";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// containerd and ctr, or `None` when the tests are deliberately skipped. Panics (fails the
/// test) when the environment cannot run them and no opt-out is set.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let skip = std::env::var(SKIP_ENV).is_ok_and(|v| v == "1");
    let find = |env: &str, name: &str| {
        std::env::var_os(env)
            .map(PathBuf::from)
            .unwrap_or_else(|| registry::tools_dir().join(name))
    };
    let containerd = find("NOTARY_TEST_CONTAINERD", "containerd");
    let ctr = find("NOTARY_TEST_CTR", "ctr");
    let problem = if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        != 0
    {
        Some("these tests start containerd, which needs root".to_string())
    } else if !containerd.is_file() || !ctr.is_file() {
        Some(format!(
            "{} or {} is missing: run scripts/setup.sh (it builds containerd v2.4.2 with Go), or set NOTARY_TEST_CONTAINERD/NOTARY_TEST_CTR",
            containerd.display(),
            ctr.display()
        ))
    } else {
        None
    };
    match problem {
        None => Some((containerd, ctr)),
        Some(p) if skip => {
            eprintln!("SKIPPED (${SKIP_ENV}=1): {p}");
            None
        }
        Some(p) => panic!(
            "containerd image-verifier tests cannot run: {p} (set {SKIP_ENV}=1 to skip them)"
        ),
    }
}

/// A containerd with a private root, state, socket and verifier directory; stopped on drop.
struct Containerd {
    dir: tempfile::TempDir,
    ctr: PathBuf,
    child: Child,
}

impl Containerd {
    fn start(containerd: &Path, ctr: &Path) -> Containerd {
        // Unix socket paths are limited to ~107 bytes: keep it short, under /tmp.
        let dir = tempfile::Builder::new()
            .prefix("nctrd.")
            .tempdir_in("/tmp")
            .unwrap();
        let w = dir.path();
        std::fs::create_dir(w.join("verifiers")).unwrap();
        // Version 3 is read by every containerd 2.x (2.3+ migrates it).
        let config = format!(
            r#"version = 3
root = "{w}/root"
state = "{w}/state"
imports = []
disabled_plugins = [
  "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images", "io.containerd.cri.v1.runtime",
  "io.containerd.podsandbox.controller.v1.podsandbox", "io.containerd.nri.v1.nri",
  "io.containerd.internal.v1.opt",
]
[grpc]
  address = "{w}/c.sock"
[ttrpc]
  address = "{w}/c.sock.ttrpc"
[debug]
  level = "debug"
[plugins]
  [plugins."io.containerd.image-verifier.v1.bindir"]
    bin_dir = "{w}/verifiers"
    max_verifiers = 10
    per_verifier_timeout = "10s"
"#,
            w = w.display()
        );
        std::fs::write(w.join("config.toml"), config).unwrap();
        let log = std::fs::File::create(w.join("containerd.log")).unwrap();
        let child = Command::new(containerd)
            .arg("--config")
            .arg(w.join("config.toml"))
            // containerd hands its environment to verifiers: keep the signature cache private.
            .env("NOTATION_CACHE", w.join("notation-cache"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", containerd.display()));
        let mut c = Containerd {
            dir,
            ctr: ctr.to_path_buf(),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if c.ctr(&["version"]).status.success() {
                return c;
            }
            if let Ok(Some(s)) = c.child.try_wait() {
                panic!("containerd exited with {s}: {}", c.log());
            }
            assert!(
                Instant::now() < deadline,
                "containerd did not start: {}",
                c.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("containerd.log")).unwrap_or_default()
    }

    fn ctr(&self, args: &[&str]) -> Output {
        Command::new(&self.ctr)
            .arg("--address")
            .arg(self.dir.path().join("c.sock"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `ctr image pull --plain-http REF` through the transfer service (never `--local`, which
    /// skips verifiers): success, and stderr.
    fn pull(&self, reference: &str) -> (bool, String) {
        self.pull_with(&[], reference)
    }

    fn pull_with(&self, extra: &[&str], reference: &str) -> (bool, String) {
        let mut args = vec!["image", "pull", "--plain-http"];
        args.extend_from_slice(extra);
        args.push(reference);
        let out = self.ctr(&args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn images(&self) -> String {
        String::from_utf8_lossy(&self.ctr(&["image", "ls", "-q"]).stdout).into_owned()
    }

    fn verifier_dir(&self) -> PathBuf {
        self.dir.path().join("verifiers")
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// Pushes a runnable one-layer image (a file `hello.txt` saying `text`) for `arch`, untagged
/// unless `tag` is given.
async fn push_image(r: &RemoteRepository, text: &str, arch: &str, tag: Option<&str>) -> Descriptor {
    let mut layer = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    layer
        .append_data(&mut header, "hello.txt", text.as_bytes())
        .unwrap();
    let layer = layer.into_inner().unwrap();
    let diff_id = sha256(&layer);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&layer).unwrap();
    let gz = gz.finish().unwrap();
    let config = format!(
        r#"{{"architecture":"{arch}","os":"linux","config":{{"Cmd":["/hello"]}},"rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}}}}"#
    );
    let config = r
        .push_blob(
            "application/vnd.oci.image.config.v1+json",
            config.as_bytes(),
        )
        .await
        .unwrap();
    let layer = r
        .push_blob("application/vnd.oci.image.layer.v1.tar+gzip", &gz)
        .await
        .unwrap();
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer],
    });
    r.push_manifest(MANIFEST, &serde_json::to_vec(&manifest).unwrap(), tag)
        .await
        .unwrap()
}

/// Pushes a two-platform index (linux/amd64 and linux/arm64) tagged `tag`; returns the index
/// and its platform manifests.
async fn push_index(r: &RemoteRepository, text: &str, tag: &str) -> (Descriptor, Vec<Descriptor>) {
    let mut platforms = Vec::new();
    let mut entries = Vec::new();
    for arch in ["amd64", "arm64"] {
        let m = push_image(r, &format!("{text} ({arch})"), arch, None).await;
        let mut entry = serde_json::to_value(&m).unwrap();
        entry["platform"] = serde_json::json!({"architecture": arch, "os": "linux"});
        entries.push(entry);
        platforms.push(m);
    }
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries});
    let index = r
        .push_manifest(INDEX, &serde_json::to_vec(&index).unwrap(), Some(tag))
        .await
        .unwrap();
    (index, platforms)
}

fn sign_options() -> SignOptions {
    let mut o = SignOptions::new(time::OffsetDateTime::now_utc());
    o.format = EnvelopeMediaType::Jws;
    o
}

async fn sign(r: &RemoteRepository, reference: &str, chain: &TestChain) {
    sign_and_push(r, reference, &chain.signer().unwrap(), &sign_options())
        .await
        .unwrap();
}

/// Signs `subject` with `chain`, flips one byte of the JWS signature and pushes that.
async fn sign_tampered(r: &RemoteRepository, subject: &Descriptor, chain: &TestChain) {
    let signed = notary::sign_artifact(subject, &chain.signer().unwrap(), &sign_options()).unwrap();
    let mut jws: serde_json::Value = serde_json::from_slice(&signed.bytes).unwrap();
    let sig = jws["signature"].as_str().unwrap().to_string();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    jws["signature"] = format!("{flipped}{}", &sig[1..]).into();
    let bytes = serde_json::to_vec(&jws).unwrap();
    r.push_signature(PushSignature::new(
        subject,
        EnvelopeMediaType::Jws,
        &bytes,
        BTreeMap::new(),
    ))
    .await
    .unwrap();
}

/// A notation configuration directory trusting `chain`'s root for every scope (strict).
fn notation_dir(root: &Path, chain: &TestChain) -> PathBuf {
    let dir = root.join("notation");
    let store = dir.join("truststore/x509/ca/test");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(
        store.join("root.pem"),
        pem::encode(&pem::Pem::new("CERTIFICATE", chain.root().to_vec())),
    )
    .unwrap();
    std::fs::write(
        dir.join("trustpolicy.oci.json"),
        br#"{"version": "1.0", "trustPolicies": [{"name": "test-images", "registryScopes": ["*"],
            "signatureVerification": {"level": "strict"}, "trustStores": ["ca:test"],
            "trustedIdentities": ["*"]}]}"#,
    )
    .unwrap();
    dir
}

/// Installs the verifier into containerd's directory as a wrapper script: containerd passes
/// only `-name`, `-digest` and `-stdin-media-type`, so the options come from a config file.
fn install_verifier(c: &Containerd, notation: &Path, registry: &str) {
    let cfg = c.dir.path().join("verifier.json");
    std::fs::write(
        &cfg,
        serde_json::to_vec(&serde_json::json!({
            "notationConfigDir": notation,
            "plainHttp": [registry],
            "timeoutSeconds": 8,
        }))
        .unwrap(),
    )
    .unwrap();
    let script = c.verifier_dir().join("50-notary");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' --config '{}' \"$@\"\n",
            verifier_binary().display(),
            cfg.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The verifier under test: this build's, or `$NOTARY_CONTAINERD_VERIFIER_BIN` (e.g. a release
/// build for the latency benchmark).
fn verifier_binary() -> PathBuf {
    std::env::var_os("NOTARY_CONTAINERD_VERIFIER_BIN").map_or_else(
        || env!("CARGO_BIN_EXE_notary-containerd-verifier").into(),
        PathBuf::from,
    )
}

fn remove_verifier(c: &Containerd) {
    std::fs::remove_file(c.verifier_dir().join("50-notary")).unwrap();
}

/// The `ctr:` line of a refused pull.
fn ctr_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("ctr:"))
        .unwrap_or_else(|| panic!("no ctr: line in {stderr}"))
}

fn assert_refused(c: &Containerd, reference: &str, digest: &str, expect: &[&str]) {
    assert_refused_with(c, &[], reference, digest, expect);
}

fn assert_refused_with(
    c: &Containerd,
    extra: &[&str],
    reference: &str,
    digest: &str,
    expect: &[&str],
) {
    let (ok, stderr) = c.pull_with(extra, reference);
    assert!(!ok, "{reference} was pulled; daemon log:\n{}", c.log());
    let line = ctr_line(&stderr);
    eprintln!("refused as expected: {line}");
    assert!(
        line.contains("image verifier bindir blocked pull") && line.contains("rejected image"),
        "{line}"
    );
    let repo = reference.split(['@']).next().unwrap();
    let repo = repo
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .map_or(repo, |(r, _)| r);
    assert!(
        line.contains(&format!("notary: {repo}@{digest}: ")),
        "{reference}: {line}"
    );
    for e in expect {
        assert!(line.contains(e), "{reference}: expected {e:?} in {line}");
    }
    assert!(
        !c.images().lines().any(|l| l == reference),
        "{reference} is in the image store after a refusal"
    );
}

fn assert_pulled(c: &Containerd, reference: &str) {
    let (ok, stderr) = c.pull(reference);
    assert!(
        ok,
        "{reference} refused: {stderr}\ndaemon log:\n{}",
        c.log()
    );
    assert!(
        c.images().lines().any(|l| l == reference),
        "{reference} missing from {}",
        c.images()
    );
}

/// The reason containerd logged for an allowed pull of `digest` (debug level).
fn allowed_reason(c: &Containerd, digest: &str) -> Option<String> {
    c.log()
        .lines()
        .rfind(|l| l.contains("Image verifier allowed pull") && l.contains(digest))
        .map(str::to_string)
}

#[test]
fn containerd_pulls_only_images_whose_notary_signature_verifies() {
    let Some((containerd, ctr)) = tools() else {
        return;
    };
    let rt = rt();
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let host = reg.host.clone();
    let mut opts = RemoteOptions::default();
    opts.plain_http = true;
    let repo = |name: &str| RemoteRepository::new(&host, name, opts.clone()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let trusted = ChainBuilder::new(KeySpec::EcP256, now).build().unwrap();
    let untrusted = ChainBuilder::new(KeySpec::EcP256, now).build().unwrap();

    // The images: signed, unsigned, signed by an untrusted key, with a tampered signature, an
    // index signed at the index level, and an index whose platform manifests alone are signed.
    let (signed, unsigned, foreign, tampered, index, platforms_only) = rt.block_on(async {
        let signed = push_image(&repo("test/signed"), "signed", "amd64", Some("v1")).await;
        sign(&repo("test/signed"), "v1", &trusted).await;
        let unsigned = push_image(&repo("test/unsigned"), "unsigned", "amd64", Some("v1")).await;
        let foreign = push_image(&repo("test/foreign"), "foreign", "amd64", Some("v1")).await;
        sign(&repo("test/foreign"), "v1", &untrusted).await;
        let tampered = push_image(&repo("test/tampered"), "tampered", "amd64", Some("v1")).await;
        sign_tampered(&repo("test/tampered"), &tampered, &trusted).await;
        let (index, _) = push_index(&repo("test/multi"), "multi", "v1").await;
        sign(&repo("test/multi"), "v1", &trusted).await;
        let (platforms_only, manifests) =
            push_index(&repo("test/platforms"), "platforms", "v1").await;
        for m in &manifests {
            sign(&repo("test/platforms"), &m.digest.to_string(), &trusted).await;
        }
        (signed, unsigned, foreign, tampered, index, platforms_only)
    });

    let c = Containerd::start(&containerd, &ctr);
    let work = tempfile::tempdir().unwrap();
    install_verifier(&c, &notation_dir(work.path(), &trusted), &host);

    // Signed: by tag, by digest, and by tag and digest.
    assert_pulled(&c, &format!("{host}/test/signed:v1"));
    let reason = allowed_reason(&c, &signed.digest.to_string()).expect("allowed reason logged");
    assert!(
        reason.contains(&format!("notary: {host}/test/signed@{}: verified (trust policy \\\"test-images\\\", level strict", signed.digest)),
        "{reason}"
    );
    assert_pulled(&c, &format!("{host}/test/signed@{}", signed.digest));
    assert_pulled(&c, &format!("{host}/test/signed:v1@{}", signed.digest));

    // Unsigned, untrusted, tampered: refused with the reason in ctr's error, by tag and digest.
    for reference in [
        format!("{host}/test/unsigned:v1"),
        format!("{host}/test/unsigned@{}", unsigned.digest),
    ] {
        assert_refused(
            &c,
            &reference,
            &unsigned.digest.to_string(),
            &["signature verification failed: no signature is associated with the image"],
        );
    }
    for reference in [
        format!("{host}/test/foreign:v1"),
        format!("{host}/test/foreign@{}", foreign.digest),
    ] {
        assert_refused(
            &c,
            &reference,
            &foreign.digest.to_string(),
            &["signature verification failed: ", "authenticity"],
        );
    }
    assert_refused(
        &c,
        &format!("{host}/test/tampered:v1"),
        &tampered.digest.to_string(),
        &["signature verification failed: ", "integrity"],
    );

    // A multi-platform index: containerd passes the index descriptor, and the signature on the
    // index digest is the one that counts (as with `notation verify`).
    assert_pulled(&c, &format!("{host}/test/multi:v1"));
    let reason = allowed_reason(&c, &index.digest.to_string()).expect("allowed reason logged");
    assert!(
        reason.contains(&format!(
            "notary: {host}/test/multi@{}: verified",
            index.digest
        )),
        "{reason}"
    );
    assert_pulled(&c, &format!("{host}/test/multi@{}", index.digest));
    // Signatures on the platform manifests alone do not sign the index.
    assert_refused(
        &c,
        &format!("{host}/test/platforms:v1"),
        &platforms_only.digest.to_string(),
        &["no signature is associated with the image"],
    );

    // A verifier that refuses an image already in the store fails the pull (containerd calls
    // verifiers on every pull) and leaves the stored image alone.
    remove_verifier(&c);
    assert_pulled(&c, &format!("{host}/test/unsigned:v1"));
    install_verifier(&c, &notation_dir(work.path(), &trusted), &host);
    let (ok, stderr) = c.pull(&format!("{host}/test/unsigned:v1"));
    assert!(!ok);
    assert!(
        ctr_line(&stderr).contains("no signature is associated"),
        "{stderr}"
    );
    assert!(c.images().contains(&format!("{host}/test/unsigned:v1")));
}

#[test]
fn registry_credentials_come_from_a_docker_config() {
    let Some((containerd, ctr)) = tools() else {
        return;
    };
    let rt = rt();
    let (user, pass) = ("puller", "s3cret-pass");
    let reg = Registry::start(
        Kind::Distribution2,
        &Options {
            basic_auth: Some((user.into(), pass.into())),
            ..Options::default()
        },
    );
    let mut opts = RemoteOptions::default();
    opts.plain_http = true;
    opts.credentials = std::sync::Arc::new(StaticCredential(Credential::Basic {
        username: user.into(),
        password: pass.into(),
    }));
    let r = RemoteRepository::new(&reg.host, "private/app", opts).unwrap();
    let chain = ChainBuilder::new(KeySpec::EcP256, time::OffsetDateTime::now_utc())
        .build()
        .unwrap();
    let image = rt.block_on(async {
        let image = push_image(&r, "private", "amd64", Some("v1")).await;
        sign(&r, "v1", &chain).await;
        image
    });
    let c = Containerd::start(&containerd, &ctr);
    let work = tempfile::tempdir().unwrap();
    install_verifier(&c, &notation_dir(work.path(), &chain), &reg.host);
    let reference = format!("{}/private/app:v1", reg.host);
    let creds = format!("{user}:{pass}");

    // containerd has the credentials (from ctr), the verifier none: refused, and it says why.
    assert_refused_with(
        &c,
        &["--user", &creds],
        &reference,
        &image.digest.to_string(),
        &[
            "signature verification failed: authentication with",
            "requires a user name and password",
        ],
    );
    // The verifier's own Docker config.json.
    let docker = work.path().join("docker-config.json");
    std::fs::write(
        &docker,
        serde_json::to_vec(
            &serde_json::json!({"auths": {reg.host.clone(): {"auth": base64_encode(&creds)}}}),
        )
        .unwrap(),
    )
    .unwrap();
    let cfg = c.dir.path().join("verifier.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    v["dockerConfig"] = docker.display().to_string().into();
    std::fs::write(&cfg, serde_json::to_vec(&v).unwrap()).unwrap();
    let (ok, stderr) = c.pull_with(&["--user", &creds], &reference);
    assert!(ok, "{stderr}\n{}", c.log());
}

fn base64_encode(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A front for `upstream` that passes connections through, except those whose first request
/// asks for referrers (only the verifier does; ctr never does): those are held open, unanswered.
fn stalling_front(upstream: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            let Ok(s) = s else { continue };
            let mut head = [0u8; 512];
            let n = s.peek(&mut head).unwrap_or(0);
            if String::from_utf8_lossy(&head[..n]).contains("/referrers/") {
                held.push(s);
                continue;
            }
            let Ok(up) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            let (mut a, mut b) = (s.try_clone().unwrap(), up.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut a, &mut b);
                let _ = b.shutdown(std::net::Shutdown::Write);
            });
            let (mut a, mut b) = (up, s);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut a, &mut b);
                let _ = b.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    host
}

#[test]
fn a_registry_that_stalls_is_refused_with_our_reason_before_containerds_timeout() {
    let Some((containerd, ctr)) = tools() else {
        return;
    };
    let rt = rt();
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let mut opts = RemoteOptions::default();
    opts.plain_http = true;
    let r = RemoteRepository::new(&reg.host, "test/app", opts).unwrap();
    let chain = ChainBuilder::new(KeySpec::EcP256, time::OffsetDateTime::now_utc())
        .build()
        .unwrap();
    let image = rt.block_on(async {
        let image = push_image(&r, "stalled", "amd64", Some("v1")).await;
        sign(&r, "v1", &chain).await;
        image
    });
    let front = stalling_front(reg.host.clone());
    let c = Containerd::start(&containerd, &ctr);
    let work = tempfile::tempdir().unwrap();
    install_verifier(&c, &notation_dir(work.path(), &chain), &front);
    // A short limit for the verifier; containerd's per-verifier timeout stays 10 s.
    let cfg = c.dir.path().join("verifier.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    v["timeoutSeconds"] = 1.5.into();
    std::fs::write(&cfg, serde_json::to_vec(&v).unwrap()).unwrap();

    let started = Instant::now();
    assert_refused(
        &c,
        &format!("{front}/test/app:v1"),
        &image.digest.to_string(),
        &["verification timed out after 1.5 s"],
    );
    // The refusal names the verifier's own watchdog (not containerd's timeout): that is the
    // property; the elapsed time is only printed, never asserted.
    eprintln!("stalled registry refused after {:?}", started.elapsed());
}

/// Pull latency with and without the verifier (see it with `--nocapture`): signed images pulled
/// with the verifier installed, unsigned twins without it, a fresh image each time so that every
/// pull fetches and unpacks. Every pull must succeed; no timing is asserted (the machine is
/// shared and noisy), the figures are printed for the README.
#[test]
fn pull_latency_with_and_without_the_verifier() {
    let Some((containerd, ctr)) = tools() else {
        return;
    };
    const RUNS: usize = 3;
    let rt = rt();
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let host = reg.host.clone();
    let mut opts = RemoteOptions::default();
    opts.plain_http = true;
    let r = RemoteRepository::new(&host, "bench/app", opts).unwrap();
    let chain = ChainBuilder::new(KeySpec::EcP256, time::OffsetDateTime::now_utc())
        .build()
        .unwrap();
    rt.block_on(async {
        for i in 0..RUNS {
            push_image(
                &r,
                &format!("with {i}"),
                "amd64",
                Some(&format!("with-{i}")),
            )
            .await;
            sign(&r, &format!("with-{i}"), &chain).await;
            push_image(
                &r,
                &format!("without {i}"),
                "amd64",
                Some(&format!("without-{i}")),
            )
            .await;
        }
    });
    let c = Containerd::start(&containerd, &ctr);
    let work = tempfile::tempdir().unwrap();
    let notation = notation_dir(work.path(), &chain);
    let time_pull = |reference: String| {
        let t = Instant::now();
        let (ok, stderr) = c.pull(&reference);
        assert!(ok, "{reference}: {stderr}");
        t.elapsed()
    };
    let mut with = Vec::new();
    let mut without = Vec::new();
    for i in 0..RUNS {
        install_verifier(&c, &notation, &host);
        with.push(time_pull(format!("{host}/bench/app:with-{i}")));
        remove_verifier(&c);
        without.push(time_pull(format!("{host}/bench/app:without-{i}")));
    }
    // The same image again, content present: with the verifier (signature cache warm) and
    // without it, interleaved so that machine load hits both alike.
    let mut again_with = Vec::new();
    let mut again_without = Vec::new();
    for _ in 0..RUNS {
        install_verifier(&c, &notation, &host);
        again_with.push(time_pull(format!("{host}/bench/app:with-0")));
        remove_verifier(&c);
        again_without.push(time_pull(format!("{host}/bench/app:with-0")));
    }
    // The verifier process alone, as containerd runs it (the added latency itself).
    install_verifier(&c, &notation, &host);
    let desc = rt.block_on(r.resolve("with-0")).unwrap();
    let (digest, size) = (desc.digest, desc.size);
    let alone: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let mut child = Command::new(c.verifier_dir().join("50-notary"))
                .args(["-name", &format!("{host}/bench/app:with-0")])
                .args(["-digest", &digest.to_string()])
                .args([
                    "-stdin-media-type",
                    notary_containerd_verifier::DESCRIPTOR_MEDIA_TYPE,
                ])
                .env("NOTATION_CACHE", c.dir.path().join("notation-cache"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(
                    format!(r#"{{"mediaType":"{MANIFEST}","digest":"{digest}","size":{size}}}"#)
                        .as_bytes(),
                )
                .unwrap();
            let out = child.wait_with_output().unwrap();
            let took = t.elapsed();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
            took
        })
        .collect();
    let ms = |d: &Duration| (d.as_secs_f64() * 1000.0).round();
    let row = |label: &str, v: &[Duration]| {
        let mut sorted = v.to_vec();
        sorted.sort();
        println!(
            "  {label:<44} median {:>4} ms  {:?}",
            ms(&sorted[sorted.len() / 2]),
            v.iter().map(ms).collect::<Vec<_>>()
        );
    };
    println!("pull latency, {RUNS} runs each:");
    row("new image, with verifier", &with);
    row("new image, without verifier", &without);
    row("image present, with verifier", &again_with);
    row("image present, without verifier", &again_without);
    row("verifier process alone (signature cache warm)", &alone);
}

/// Runs the verifier as containerd does (no containerd needed): exit code and stdout.
fn run_verifier(extra: &[&str], name: &str, stdin: &str) -> (Option<i32>, String) {
    let digest = serde_json::from_str::<serde_json::Value>(stdin).unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string();
    run_verifier_with(
        extra,
        name,
        &digest,
        notary_containerd_verifier::DESCRIPTOR_MEDIA_TYPE,
        stdin,
    )
}

/// Runs the verifier with `-digest digest -stdin-media-type media_type` (and `extra`, which
/// may carry `-operation`): exit code and stdout.
fn run_verifier_with(
    extra: &[&str],
    name: &str,
    digest: &str,
    media_type: &str,
    stdin: &str,
) -> (Option<i32>, String) {
    let mut child = Command::new(verifier_binary())
        .args(extra)
        .args(["-name", name, "-digest", digest])
        .args(["-stdin-media-type", media_type])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // A verifier that has decided without reading all its input (a refused operation) may
    // close stdin first: the write then fails with a broken pipe, which is its right.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one line on stdout: {stdout:?}");
    (out.status.code(), stdout)
}

#[test]
fn the_signed_descriptor_must_be_the_pulled_one_and_skip_policies_allow() {
    let rt = rt();
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let mut opts = RemoteOptions::default();
    opts.plain_http = true;
    let r = RemoteRepository::new(&reg.host, "direct/app", opts).unwrap();
    let chain = ChainBuilder::new(KeySpec::EcP256, time::OffsetDateTime::now_utc())
        .build()
        .unwrap();
    let (signed, unsigned) = rt.block_on(async {
        let signed = push_image(&r, "direct", "amd64", Some("v1")).await;
        sign(&r, "v1", &chain).await;
        (
            signed,
            push_image(&r, "unsigned", "amd64", Some("v2")).await,
        )
    });
    let work = tempfile::tempdir().unwrap();
    let notation = notation_dir(work.path(), &chain);
    let flags = [
        "--no-signature-cache",
        "--notation-config",
        notation.to_str().unwrap(),
        "--plain-http",
        &reg.host,
    ];
    let stdin = |d: &Descriptor, size: u64| {
        format!(
            r#"{{"mediaType":"{}","digest":"{}","size":{size}}}"#,
            d.media_type, d.digest
        )
    };
    let name = format!("{}/direct/app:v1", reg.host);
    let (code, out) = run_verifier(&flags, &name, &stdin(&signed, signed.size));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(": verified (trust policy"), "{out}");
    // containerd would pull a descriptor of another size than the one signed.
    let (code, out) = run_verifier(&flags, &name, &stdin(&signed, signed.size + 1));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("the signed descriptor (application/vnd.oci.image.manifest.v1+json,"),
        "{out}"
    );

    // A policy at level skip lets an unsigned image through, and says so.
    std::fs::write(
        notation.join("trustpolicy.oci.json"),
        br#"{"version": "1.0", "trustPolicies": [{"name": "no-check", "registryScopes": ["*"],
            "signatureVerification": {"level": "skip"}}]}"#,
    )
    .unwrap();
    let (code, out) = run_verifier(
        &flags,
        &format!("{}/direct/app:v2", reg.host),
        &stdin(&unsigned, unsigned.size),
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("trust policy \"no-check\" skips signature verification"),
        "{out}"
    );
    // No trust policy at all: refused, naming the missing file.
    std::fs::remove_file(notation.join("trustpolicy.oci.json")).unwrap();
    let (code, out) = run_verifier(&flags, &name, &stdin(&signed, signed.size));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("trust policy configuration"), "{out}");
}

/// containerd's proposed `verify_on_run` (PR #12541, containerd commit 10836d6e) runs the verifier
/// at container creation with `-operation run` and the descriptor nested in a
/// `VerifierInput`: the binary verifies it like a pull.
#[test]
fn verify_on_run_input_is_verified_like_a_pull() {
    use notary_containerd_verifier::VERIFIER_INPUT_MEDIA_TYPE;
    let rt = rt();
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let mut opts = RemoteOptions::default();
    opts.plain_http = true;
    let r = RemoteRepository::new(&reg.host, "run/app", opts).unwrap();
    let chain = ChainBuilder::new(KeySpec::EcP256, time::OffsetDateTime::now_utc())
        .build()
        .unwrap();
    let (signed, unsigned) = rt.block_on(async {
        let signed = push_image(&r, "run", "amd64", Some("v1")).await;
        sign(&r, "v1", &chain).await;
        (
            signed,
            push_image(&r, "unsigned", "amd64", Some("v2")).await,
        )
    });
    let work = tempfile::tempdir().unwrap();
    let notation = notation_dir(work.path(), &chain);
    let flags = |op: &'static str| {
        vec![
            "--no-signature-cache".to_string(),
            "--notation-config".into(),
            notation.to_str().unwrap().into(),
            "--plain-http".into(),
            reg.host.clone(),
            "-operation".into(),
            op.into(),
        ]
    };
    // As bindir.go encodes imageverifier.VerifierInput (json.Encoder: a trailing newline).
    let input = |d: &Descriptor, size: u64, op: &str| {
        format!(
            "{{\"descriptor\":{{\"mediaType\":\"{}\",\"digest\":\"{}\",\"size\":{size}}},\"operation\":\"{op}\",\"annotations\":{{\"io.kubernetes.cri.container-name\":\"app\",\"io.kubernetes.cri.sandbox-namespace\":\"default\"}}}}\n",
            d.media_type, d.digest
        )
    };
    let run = |op: &'static str, name: &str, d: &Descriptor, stdin: &str| {
        let f = flags(op);
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        run_verifier_with(
            &f,
            name,
            &d.digest.to_string(),
            VERIFIER_INPUT_MEDIA_TYPE,
            stdin,
        )
    };
    let v1 = format!("{}/run/app:v1", reg.host);
    let v2 = format!("{}/run/app:v2", reg.host);
    for op in ["run", "pull"] {
        let (code, out) = run(op, &v1, &signed, &input(&signed, signed.size, op));
        assert_eq!(code, Some(0), "{op}: {out}");
        assert!(out.contains(": verified (trust policy"), "{op}: {out}");
        let (code, out) = run(op, &v2, &unsigned, &input(&unsigned, unsigned.size, op));
        assert_eq!(code, Some(1), "{op}: {out}");
        assert!(out.contains("no signature is associated"), "{op}: {out}");
    }
    // The nested descriptor is the one checked against the signed one.
    let (code, out) = run("run", &v1, &signed, &input(&signed, signed.size + 1, "run"));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("is not the pulled one"), "{out}");
    // An operation this verifier does not know is refused before any registry request.
    let (code, out) = run("delete", &v1, &signed, &input(&signed, signed.size, "run"));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(r#"unsupported -operation "delete" (expected pull or run)"#),
        "{out}"
    );
}

#[test]
fn stdin_past_the_input_limit_is_refused_not_cut_short() {
    // A valid descriptor, blanks up to the limit, then garbage: cut at the limit, the input
    // would read as the descriptor alone.
    let digest = format!("sha256:{}", "a".repeat(64));
    let mut stdin = format!(
        r#"{{"mediaType":"{}","digest":"{digest}","size":1}}"#,
        notary_containerd_verifier::DESCRIPTOR_MEDIA_TYPE
    );
    let limit = usize::try_from(notary_containerd_verifier::MAX_INPUT).unwrap();
    stdin.push_str(&" ".repeat(limit - stdin.len()));
    stdin.push_str("TRAILING GARBAGE {");
    let (code, out) = run_verifier_with(
        &["--no-signature-cache", "--notation-config", "/nonexistent"],
        "127.0.0.1:1/app",
        &digest,
        notary_containerd_verifier::DESCRIPTOR_MEDIA_TYPE,
        &stdin,
    );
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("larger than 1048576 bytes"), "{out}");
}
