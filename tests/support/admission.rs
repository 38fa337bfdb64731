//! Shared by the admission webhook tests and bench: a local registry with signed, unsigned,
//! untrusted and tampered images, a notation configuration directory that trusts one test CA,
//! the webhook's serving certificate, and the webhook binary started on a free port.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use notary::artifact::sign_and_push;
use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::{PushSignature, SignatureRepository};
use notary_crypto::pki::TestChain;
use notary_registry::{RemoteRepository, manifest};

#[allow(unused_imports)] // not every test using this module needs it
pub use super::registry::rt;
use super::registry::{Kind, Options, Registry};
use super::trust::now;

/// A CA and a leaf for the webhook or the API server, valid for the addresses they are
/// reached at: `<name>-ca.crt`, `<name>.crt`, `<name>.key` in `dir`.
pub fn server_cert(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    super::registry::server_cert(
        dir,
        name,
        "IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.0.0.1",
    )
}

pub fn chain() -> TestChain {
    super::trust::chain(KeySpec::EcP256)
}

fn sign_options() -> SignOptions {
    let mut o = SignOptions::new(now());
    o.format = EnvelopeMediaType::Jws;
    o.expiry = Some(time::Duration::hours(2));
    o
}

/// Pushes a small image with `content` as its layer, tagged `tag`.
pub async fn push_image(r: &RemoteRepository, tag: &str, content: &[u8]) -> Descriptor {
    let config = r
        .push_blob(
            "application/vnd.oci.image.config.v1+json",
            b"{\"os\":\"linux\"}",
        )
        .await
        .unwrap();
    let layer = r
        .push_blob("application/vnd.oci.image.layer.v1.tar", content)
        .await
        .unwrap();
    let m = manifest::image_manifest(&config, &[layer], None, None, None);
    r.push_manifest(manifest::IMAGE_MANIFEST, &m, Some(tag))
        .await
        .unwrap()
}

/// A registry holding the test images; references are `127.0.0.1:PORT/<repo>@<digest>`.
pub struct Images {
    pub registry: Registry,
    pub trusted: TestChain,
    /// repository -> (tag -> digest reference)
    pub refs: BTreeMap<String, String>,
}

impl Images {
    pub fn host(&self) -> &str {
        &self.registry.host
    }

    /// The digest reference of `name` (e.g. `signed`, `signed:v2`, `unsigned`).
    pub fn get(&self, name: &str) -> &str {
        self.refs
            .get(name)
            .unwrap_or_else(|| panic!("no test image {name}"))
    }

    pub fn repo(&self, name: &str) -> RemoteRepository {
        self.registry.repo(name)
    }
}

/// Starts Debian's docker-registry and pushes:
/// - `app:v1`, `app:v2`: signed by the trusted chain;
/// - `unsigned:v1`: no signature;
/// - `untrusted:v1`: signed by a chain the trust store does not hold;
/// - `tampered:v1`: a trusted signature whose signature bytes were altered;
/// - `audited:v1`: unsigned, in a scope whose policy level is `audit`;
/// - `bulk:N` for N in 0..bulk: signed (load test).
pub fn images(rt: &tokio::runtime::Runtime, bulk: usize) -> Images {
    let registry = Registry::start(Kind::Distribution2, &Options::default());
    let trusted = chain();
    let untrusted = chain();
    let host = registry.host.clone();
    let mut refs = BTreeMap::new();
    rt.block_on(async {
        let repo = |n: &str| registry.repo(n);
        let signer = trusted.signer().unwrap();
        let bad_signer = untrusted.signer().unwrap();
        let opts = sign_options();
        let mut add = |name: &str, repo_name: &str, d: &Descriptor| {
            refs.insert(name.to_string(), format!("{host}/{repo_name}@{}", d.digest));
        };
        let app = repo("app");
        for tag in ["v1", "v2"] {
            let d = push_image(&app, tag, tag.as_bytes()).await;
            sign_and_push(&app, tag, &signer, &opts).await.unwrap();
            add(&format!("app:{tag}"), "app", &d);
        }
        let unsigned = repo("unsigned");
        add(
            "unsigned",
            "unsigned",
            &push_image(&unsigned, "v1", b"u").await,
        );
        let audited = repo("audited");
        add(
            "audited",
            "audited",
            &push_image(&audited, "v1", b"a").await,
        );
        let untrusted_repo = repo("untrusted");
        let d = push_image(&untrusted_repo, "v1", b"x").await;
        sign_and_push(&untrusted_repo, "v1", &bad_signer, &opts)
            .await
            .unwrap();
        add("untrusted", "untrusted", &d);
        // Tampered: sign a throwaway image to get a genuine envelope for the right subject
        // shape, then push one for this image with a flipped signature character.
        let tampered = repo("tampered");
        let d = push_image(&tampered, "v1", b"t").await;
        let signed = notary::sign_artifact(&d, &signer, &opts).unwrap();
        let mut env: serde_json::Value = serde_json::from_slice(&signed.bytes).unwrap();
        let sig = env["signature"].as_str().unwrap().to_string();
        let mut chars: Vec<char> = sig.chars().collect();
        let mid = chars.len() / 2;
        chars[mid] = if chars[mid] == 'A' { 'B' } else { 'A' };
        env["signature"] = serde_json::Value::String(chars.into_iter().collect());
        let bytes = serde_json::to_vec(&env).unwrap();
        tampered
            .push_signature(PushSignature::new(
                &d,
                EnvelopeMediaType::Jws,
                &bytes,
                BTreeMap::new(),
            ))
            .await
            .unwrap();
        add("tampered", "tampered", &d);
        let bulk_repo = repo("bulk");
        for i in 0..bulk {
            let tag = format!("b{i}");
            let d = push_image(&bulk_repo, &tag, tag.as_bytes()).await;
            sign_and_push(&bulk_repo, &tag, &signer, &opts)
                .await
                .unwrap();
            add(&tag, "bulk", &d);
        }
    });
    Images {
        registry,
        trusted,
        refs,
    }
}

/// A notation configuration directory: `trustpolicy.oci.json` with a strict statement for the
/// registry's `app`, `unsigned`, `untrusted`, `tampered` and `bulk` and an audit one for
/// `audited`, trusting `chain`'s root as `ca:test`.
pub fn notation_dir(dir: &Path, host: &str, chain: &TestChain) -> PathBuf {
    let config = dir.join("notation");
    let store = config.join("truststore/x509/ca/test");
    std::fs::create_dir_all(&store).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(chain.root());
    let lines: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    std::fs::write(
        store.join("root.pem"),
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        ),
    )
    .unwrap();
    let strict: Vec<String> = ["app", "unsigned", "untrusted", "tampered", "bulk"]
        .iter()
        .map(|r| format!("\"{host}/{r}\""))
        .collect();
    let policy = format!(
        r#"{{"version":"1.0","trustPolicies":[
  {{"name":"strict","registryScopes":[{}],"signatureVerification":{{"level":"strict"}},"trustStores":["ca:test"],"trustedIdentities":["*"]}},
  {{"name":"audit","registryScopes":["{host}/audited"],"signatureVerification":{{"level":"audit"}},"trustStores":["ca:test"],"trustedIdentities":["*"]}}
]}}"#,
        strict.join(",")
    );
    std::fs::write(config.join("trustpolicy.oci.json"), policy).unwrap();
    config
}

/// The webhook binary, running; killed on drop.
pub struct WebhookProcess {
    pub addr: String,
    child: Child,
}

impl Drop for WebhookProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `notary-admission-webhook` on 127.0.0.1 with `extra` arguments; waits for its
/// `listening on` line.
pub fn start_webhook(
    bin: &str,
    notation: &Path,
    cert: &Path,
    key: &Path,
    extra: &[&str],
) -> WebhookProcess {
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--tls-reload-seconds", "1"])
        .arg("--notation-dir")
        .arg(notation)
        .arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("webhook did not start: {line:?}"))
        .to_string();
    WebhookProcess { addr, child }
}

/// The webhook `bin` trusting `imgs`'s chain for its registry (over plain HTTP), with its
/// configuration and serving certificate in `dir`, and a client trusting that certificate.
pub fn webhook_for(bin: &str, imgs: &Images, dir: &Path) -> (WebhookProcess, reqwest::Client) {
    let notation = notation_dir(dir, imgs.host(), &imgs.trusted);
    let (ca, cert, key) = server_cert(dir, "webhook");
    let hook = start_webhook(bin, &notation, &cert, &key, &["--plain-http", imgs.host()]);
    (hook, client(&ca))
}

/// An HTTPS client trusting `ca`.
pub fn client(ca: &Path) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap())
        .build()
        .unwrap()
}

/// A review of a Pod running `images` (containers), as the API server sends it.
pub fn pod_review(uid: &str, images: &[&str], dry_run: bool) -> serde_json::Value {
    let containers: Vec<_> = images
        .iter()
        .enumerate()
        .map(|(i, im)| serde_json::json!({"name": format!("c{i}"), "image": im}))
        .collect();
    serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE", "namespace": "default", "name": "p",
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"containers": containers}},
            "dryRun": dry_run
        }
    })
}

pub fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("metric {name} not found in\n{text}"))
}

/// Rearranges `config` the way the kubelet mounts a ConfigMap: the files live in a timestamped
/// directory, `..data` links to it, and each top-level name is a link into `..data`.
pub fn as_configmap_volume(config: &Path) {
    let stamp = config.join("..2026_12_01_00_00_00.000000001");
    std::fs::create_dir_all(&stamp).unwrap();
    let names: Vec<_> = std::fs::read_dir(config)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| !n.to_string_lossy().starts_with(".."))
        .collect();
    for n in &names {
        std::fs::rename(config.join(n), stamp.join(n)).unwrap();
    }
    std::os::unix::fs::symlink(stamp.file_name().unwrap(), config.join("..data")).unwrap();
    for n in &names {
        std::os::unix::fs::symlink(Path::new("..data").join(n), config.join(n)).unwrap();
    }
}
