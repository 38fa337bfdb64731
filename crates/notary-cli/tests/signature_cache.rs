//! The signature cache through the `notary` binary against real registries (Debian's
//! docker-registry: referrers tag schema; olareg: referrers API): a warm verification by digest
//! costs one round trip, a poisoned entry is detected and replaced, two processes fill one cache
//! at once, an unwritable cache directory only warns, and a signature added or removed between
//! two verifications is seen by the second (listings are never cached). Signing: what the cache
//! remembers of a registry (two-step uploads, the config blob) saves requests, and a config
//! blob remembered but gone is pushed again.

#[path = "support/env.rs"]
mod support;

#[path = "../../../tests/support/registry.rs"]
mod registry;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use notary_registry::{RemoteRepository, manifest};
use registry::{Kind, Options, Registry};

use support::Env;

/// A fresh configuration with a trusted key (`good`, the default), an untrusted one (`other`)
/// and a strict policy for every scope.
fn env() -> Env {
    let e = Env::new();
    e.ok(&[
        "cert",
        "generate-test",
        "--bits",
        "256",
        "good",
        "--default",
    ]);
    e.ok(&["cert", "generate-test", "--bits", "256", "other"]);
    let policy = e.root().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],
        "signatureVerification":{"level":"strict"},"trustStores":["ca:good"],"trustedIdentities":["*"]}]}"#,
    )
    .unwrap();
    e.ok(&["policy", "import", policy.to_str().unwrap()]);
    e
}

/// Signing and verifying with the debug counts, and the cache entries.
trait CacheRuns {
    fn sign(&self, reference: &str, key: Option<&str>) -> String;
    fn verify_counted(&self, references: &[&str]) -> (u64, u64, u64, u64, String);
    fn sign_counted(&self, reference: &str, extra: &[&str]) -> (u64, String);
    fn entries(&self) -> Vec<PathBuf>;
}

impl CacheRuns for Env {
    fn sign(&self, reference: &str, key: Option<&str>) -> String {
        let mut args = vec!["sign", "--insecure-registry", reference];
        if let Some(k) = key {
            args.extend(["--key", k]);
        }
        let (out, _) = self.ok_both(&args);
        out.lines()
            .find_map(|l| l.strip_prefix("Pushed the signature to "))
            .and_then(|r| r.rsplit_once('@'))
            .map(|(_, d)| d.to_string())
            .unwrap_or_else(|| panic!("no signature digest in {out}"))
    }

    fn verify_counted(&self, references: &[&str]) -> (u64, u64, u64, u64, String) {
        let mut args = vec!["verify", "-d", "--insecure-registry"];
        args.extend(references);
        let (_, err) = self.ok_both(&args);
        let num = |key: &str| count(&err, key);
        (
            num("requests"),
            num("cache_hits"),
            num("cache_misses"),
            num("cache_discarded"),
            err,
        )
    }

    fn sign_counted(&self, reference: &str, extra: &[&str]) -> (u64, String) {
        let mut args = vec!["sign", "-d", "--insecure-registry"];
        args.extend(extra);
        args.push(reference);
        let (_, err) = self.ok_both(&args);
        (count(&err, "requests"), err)
    }

    fn entries(&self) -> Vec<PathBuf> {
        let dir = self.cache.join("notary-signatures").join("sha256");
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// The `key=N` of the debug event `registry request counts requests=N cache_hits=N ...`.
fn count(log: &str, key: &str) -> u64 {
    let line = log
        .lines()
        .find(|l| l.contains("registry request counts"))
        .unwrap_or_else(|| panic!("no request counts in {log}"));
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key:?} in {line}"))
        .parse()
        .unwrap_or_else(|e| panic!("{key:?} in {line}: {e}"))
}

/// Sends `DELETE <path>` to the registry and expects 202 Accepted.
fn delete(reg: &Registry, path: &str) {
    let mut s = std::net::TcpStream::connect(&reg.host).unwrap();
    write!(
        s,
        "DELETE {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        reg.host
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 202"), "DELETE {path}: {resp}");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client(reg: &Registry) -> RemoteRepository {
    reg.repo("app")
}

/// Pushes a small image tagged `v<i>` and returns `host/app@digest`.
fn push_artifact(reg: &Registry, i: usize) -> String {
    reg.push_image(
        "app",
        &format!("v{i}"),
        format!("artifact {i}").as_bytes(),
        None,
    )
}

/// Every cache entry holds the bytes its name says, and no temporary file is left.
fn assert_entries_intact(e: &Env) {
    let entries = e.entries();
    assert!(!entries.is_empty());
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "temporary file left: {name}");
        let digest: notary_core::Digest = format!("sha256:{name}").parse().unwrap();
        assert!(
            digest.matches(&std::fs::read(&p).unwrap()),
            "{name} is corrupted"
        );
    }
}

/// Removes the signature manifest `signature` of `artifact` as a registry client would: from
/// the referrers tag index where the registry has no referrers API, then the manifest itself.
fn delete_signature(reg: &Registry, artifact: &str, signature: &str) {
    let r = client(reg);
    let subject: notary_core::Digest = artifact.rsplit_once('@').unwrap().1.parse().unwrap();
    if !reg.kind.has_referrers_api() {
        runtime().block_on(async {
            let kept: Vec<_> = r
                .referrers(&subject, None, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|d| d.digest.to_string() != signature)
                .collect();
            let index = serde_json::json!({
                "schemaVersion": 2, "mediaType": manifest::IMAGE_INDEX, "manifests": kept,
            });
            let tag = notary_registry::remote::referrers_tag(&subject);
            r.push_manifest(
                manifest::IMAGE_INDEX,
                &serde_json::to_vec(&index).unwrap(),
                Some(&tag),
            )
            .await
            .unwrap();
        });
    }
    delete(reg, &format!("/v2/app/manifests/{signature}"));
}

fn warm_verification_and_poisoned_entries(kind: Kind) {
    let reg = Registry::start(kind, &Options::default());
    let e = env();
    let artifact = push_artifact(&reg, 0);
    e.sign(&artifact, None);

    let (cold, hits, misses, _, _) = e.verify_counted(&[&artifact]);
    assert_eq!((hits, misses), (0, 2), "manifest and envelope fetched once");
    let (warm, hits, misses, _, _) = e.verify_counted(&[&artifact]);
    assert_eq!((hits, misses), (2, 0));
    // Only the listing is sent: the referrers API alone where the registry has it (remembered
    // from the first run); the API probe and the tag schema index side by side where it does
    // not, which is still one round trip.
    let expected = if kind.has_referrers_api() { 1 } else { 2 };
    assert_eq!(
        warm, expected,
        "{kind:?}: warm verification by digest (cold: {cold})"
    );
    // Signing learned whether the registry has the API.
    assert_eq!(cold, expected + 2, "{kind:?}: cold verification");

    // Poison every entry: same length, other bytes.
    for p in e.entries() {
        let mut bytes = std::fs::read(&p).unwrap();
        bytes.reverse();
        bytes.push(b'!');
        bytes.remove(0);
        std::fs::write(&p, bytes).unwrap();
    }
    let (requests, hits, misses, discarded, err) = e.verify_counted(&[&artifact]);
    assert_eq!((hits, misses, discarded), (0, 2, 2), "{err}");
    assert_eq!(requests, expected + 2, "poisoned entries are fetched again");
    assert_eq!(
        err.matches("Warning: signature cache entry").count(),
        2,
        "{err}"
    );
    assert_entries_intact(&e);
    let (_, hits, _, discarded, _) = e.verify_counted(&[&artifact]);
    assert_eq!((hits, discarded), (2, 0), "the replaced entries are used");

    // Off by flag and by environment: nothing read, nothing written.
    let (_, err) = e.ok_both(&[
        "verify",
        "-d",
        "--no-signature-cache",
        "--insecure-registry",
        &artifact,
    ]);
    assert!(err.contains("cache=\"off\""), "{err}");
    let o = e
        .command(&["verify", "-d", "--insecure-registry", &artifact])
        .env("NOTARY_SIGNATURE_CACHE", "off")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cache=\"off\""));
}

#[test]
fn warm_verification_is_one_round_trip_and_poisoned_entries_are_replaced_tag_schema() {
    warm_verification_and_poisoned_entries(Kind::Distribution2);
}

#[test]
fn warm_verification_is_one_round_trip_and_poisoned_entries_are_replaced_referrers_api() {
    warm_verification_and_poisoned_entries(Kind::Olareg);
}

#[test]
fn two_processes_fill_the_cache_at_once() {
    let reg = Registry::start(Kind::Olareg, &Options::default());
    let e = env();
    let artifacts: Vec<String> = (0..6).map(|i| push_artifact(&reg, i)).collect();
    let mut sign = vec!["sign", "--insecure-registry"];
    sign.extend(artifacts.iter().map(String::as_str));
    e.ok_both(&sign);
    let mut verify = vec!["verify", "--insecure-registry"];
    verify.extend(artifacts.iter().map(String::as_str));
    for round in 0..3 {
        let children: Vec<_> = (0..2)
            .map(|_| {
                e.command(&verify)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "round {round}: {err}");
            assert!(!err.contains("Warning"), "round {round}: {err}");
        }
        assert_entries_intact(&e);
        if round == 0 {
            assert_eq!(
                e.entries().len(),
                12,
                "a manifest and an envelope per artifact"
            );
        }
    }
    let refs: Vec<&str> = artifacts.iter().map(String::as_str).collect();
    let (_, hits, misses, discarded, _) = e.verify_counted(&refs);
    assert_eq!((hits, misses, discarded), (12, 0, 0));
}

#[test]
fn an_unwritable_cache_directory_degrades_to_no_cache_with_one_warning() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let mut e = env();
    let artifacts: Vec<String> = (0..3).map(|i| push_artifact(&reg, i)).collect();
    let mut sign = vec!["sign", "--insecure-registry"];
    sign.extend(artifacts.iter().map(String::as_str));
    e.ok_both(&sign);
    // Through a regular file: not writable even by root (the tests run as root here).
    let file = e.root().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    e.cache = file.join("cache");
    let mut verify = vec!["verify", "--insecure-registry"];
    verify.extend(artifacts.iter().map(String::as_str));
    let (out, err) = e.ok_both(&verify);
    assert_eq!(out.matches("Successfully verified").count(), 3, "{out}");
    assert_eq!(err.matches("Warning: ").count(), 1, "one warning: {err}");
    assert!(err.contains("cannot be written"), "{err}");
    let (out, _) = e.ok_both(&["verify", "--insecure-registry", &artifacts[0]]);
    assert!(out.contains("Successfully verified"));
}

fn additions_and_removals_are_seen(kind: Kind) {
    let reg = Registry::start(kind, &Options::default());
    let e = env();
    let artifact = push_artifact(&reg, 0);
    let verify = ["verify", "--insecure-registry", artifact.as_str()];

    // Signed by an untrusted key only: refused, and its objects are now cached.
    e.sign(&artifact, Some("other"));
    e.fails(&verify);
    // A trusted signature added: the next verification sees it.
    let good = e.sign(&artifact, None);
    e.ok_both(&verify);
    e.ok_both(&verify);
    // Removed again: its manifest and envelope are still cached, but it is no longer listed.
    delete_signature(&reg, &artifact, &good);
    let err = e.fails(&verify);
    assert!(!err.contains("Successfully"), "{err}");
    assert!(
        Path::new(&e.cache)
            .join("notary-signatures/sha256")
            .join(good.trim_start_matches("sha256:"))
            .exists(),
        "the removed signature's manifest is still in the cache"
    );
    // And added once more.
    e.sign(&artifact, None);
    e.ok_both(&verify);
}

#[test]
fn signatures_added_or_removed_between_verifications_are_seen_tag_schema() {
    additions_and_removals_are_seen(Kind::Distribution2);
}

#[test]
fn signatures_added_or_removed_between_verifications_are_seen_referrers_api() {
    additions_and_removals_are_seen(Kind::Olareg);
}

#[test]
fn one_batch_signing_one_artifact_several_times_keeps_every_signature_in_the_tag_index() {
    // The referrers tag index is read while the signature uploads: concurrent signers of one
    // subject in one process must still each add their entry.
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let e = env();
    let artifact = push_artifact(&reg, 0);
    let refs = vec![artifact.as_str(); 5];
    let mut sign = vec!["sign", "--insecure-registry"];
    sign.extend(&refs);
    let (out, _) = e.ok_both(&sign);
    assert_eq!(out.matches("Pushed the signature").count(), 5, "{out}");
    let (out, _) = e.ok_both(&["list", "--insecure-registry", &artifact]);
    assert_eq!(
        out.matches("sha256:").count(),
        6,
        "artifact and 5 signatures: {out}"
    );
}

#[test]
fn confirmed_tag_index_writes_read_the_index_back_once_it_is_written() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let mut e = env();
    let a = push_artifact(&reg, 1);
    let b = push_artifact(&reg, 2);
    let tag_index = |r: &str| {
        format!(
            "/v2/app/manifests/sha256-{}",
            r.rsplit_once("@sha256:").unwrap().1
        )
    };
    // notation's way: the index is written and not looked at again.
    let (_, log) = e.sign_counted(&a, &[]);
    let sent = requests_of(&log);
    assert_eq!(
        sent.last().unwrap(),
        &format!("PUT {}", tag_index(&a)),
        "{sent:#?}"
    );
    // NOTARY_CONFIRM_REFERRERS_TAG=1: read back after the write, found with the signature.
    e.set_var("NOTARY_CONFIRM_REFERRERS_TAG", "1");
    let (_, log) = e.sign_counted(&b, &[]);
    let sent = requests_of(&log);
    let n = sent.len();
    assert!(n >= 2, "{sent:#?}");
    assert_eq!(
        sent[n - 2..],
        [
            format!("PUT {}", tag_index(&b)),
            format!("GET {}", tag_index(&b))
        ],
        "{sent:#?}"
    );
    let (out, _) = e.ok_both(&["list", "--insecure-registry", &b]);
    assert_eq!(out.matches("sha256:").count(), 2, "{out}");
}

/// The HTTP requests of a debug log, as `METHOD path?query` (host dropped).
fn requests_of(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("HTTP request method="))
        .map(|l| {
            let method = l
                .split("method=")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            let url = l.split("url=").nth(1).unwrap().split(' ').next().unwrap();
            let path = url.splitn(4, '/').nth(3).unwrap_or(url);
            format!("{method} /{path}")
        })
        .collect()
}

#[test]
fn signing_prepares_its_push_and_recovers_a_config_blob_remembered_but_gone_tag_schema() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let e = env();
    let artifacts: Vec<String> = (1..=5).map(|i| push_artifact(&reg, i)).collect();

    // A first process learns that this registry answers a monolithic POST with an upload
    // session (202, then a PUT) and sees the config blob there.
    let (n, log) = e.sign_counted(&artifacts[0], &[]);
    let sent = requests_of(&log);
    assert_eq!(n, 7, "{sent:#?}");
    assert!(
        sent.iter()
            .any(|r| r.starts_with("POST /v2/app/blobs/uploads/?digest=")),
        "{sent:#?}"
    );
    assert!(
        sent.iter()
            .any(|r| r.starts_with("HEAD /v2/app/blobs/sha256:"))
    );

    // The next process opens its upload session while the artifact resolves, and does not ask
    // for the config blob: HEAD manifest, POST, GET tag index, PUT blob, PUT manifest, PUT index.
    let (n, log) = e.sign_counted(&artifacts[1], &[]);
    let sent = requests_of(&log);
    assert_eq!(n, 6, "{sent:#?}");
    assert!(
        sent.contains(&"POST /v2/app/blobs/uploads/".to_string()),
        "{sent:#?}"
    );
    assert!(
        !sent.iter().any(|r| r.starts_with("HEAD /v2/app/blobs/")),
        "{sent:#?}"
    );
    assert_eq!(
        sent.iter().filter(|r| r.starts_with("PUT ")).count(),
        3,
        "{sent:#?}"
    );

    // Without the cache nothing is remembered: the first process's requests again.
    let (n, _) = e.sign_counted(&artifacts[2], &["--no-signature-cache"]);
    assert_eq!(n, 7);

    // The config blob goes from the repository; the cache still remembers it there. The
    // manifest push is refused, the blob found missing, pushed again, and the manifest pushed.
    delete(
        &reg,
        &format!("/v2/app/blobs/{}", manifest::EMPTY_JSON_DIGEST),
    );
    let (_, log) = e.sign_counted(&artifacts[3], &[]);
    assert!(
        log.contains("config blob the cache remembered is gone"),
        "{log}"
    );
    let sent = requests_of(&log);
    let manifest_puts = sent
        .iter()
        .filter(|r| r.starts_with("PUT /v2/app/manifests/sha256:"))
        .count();
    assert_eq!(manifest_puts, 2, "refused once, then stored: {sent:#?}");
    // And it is remembered again.
    let (n, _) = e.sign_counted(&artifacts[4], &[]);
    assert_eq!(n, 6);

    // Every signature is there and verifies.
    for a in &artifacts {
        let (out, _) = e.ok_both(&["verify", "--insecure-registry", a]);
        assert!(out.contains("Successfully verified"), "{out}");
    }
}

#[test]
fn signing_on_a_registry_taking_monolithic_uploads_opens_no_session_referrers_api() {
    let reg = Registry::start(Kind::Olareg, &Options::default());
    let e = env();
    let a = push_artifact(&reg, 1);
    let b = push_artifact(&reg, 2);
    let api = ["--force-referrers-tag=false"];
    // HEAD manifest, HEAD config, POST with the envelope (201), PUT manifest.
    let (n, log) = e.sign_counted(&a, &api);
    assert_eq!(n, 4, "{:#?}", requests_of(&log));
    // The config blob is remembered: three requests in three round trips, the floor.
    let (n, log) = e.sign_counted(&b, &api);
    let sent = requests_of(&log);
    assert_eq!(n, 3, "{sent:#?}");
    assert!(
        !sent.contains(&"POST /v2/app/blobs/uploads/".to_string()),
        "no session is opened where one POST stores the blob: {sent:#?}"
    );
    for r in [&a, &b] {
        let (out, _) = e.ok_both(&["verify", "--insecure-registry", r]);
        assert!(out.contains("Successfully verified"), "{out}");
    }
}
