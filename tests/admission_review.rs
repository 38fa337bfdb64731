//! The admission webhook binary answering AdmissionReview requests directly (no API server):
//! verdicts for signed, unsigned, untrusted, tampered and audited images from a real local
//! registry, the verification cache and in-flight sharing, tag-only denial, malformed and
//! oversized reviews, health endpoints, and the TLS certificate reloaded from disk.

#[allow(clippy::duplicate_mod)]
#[path = "support/admission.rs"]
mod admission;
#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use admission::{client, images, metric, notation_dir, pod_review, rt, server_cert, start_webhook};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_notary-admission-webhook");

async fn post(c: &reqwest::Client, addr: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let r = c
        .post(format!("https://{addr}/validate?timeout=10s"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

/// Posts a review; returns (allowed, message, warnings) after checking the envelope.
async fn review(c: &reqwest::Client, addr: &str, body: &Value) -> (bool, String, Vec<String>) {
    let (status, bytes) = post(c, addr, serde_json::to_vec(body).unwrap()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    let r = &v["response"];
    assert_eq!(r["uid"], body["request"]["uid"]);
    let allowed = r["allowed"].as_bool().unwrap();
    if !allowed {
        assert_eq!(r["status"]["code"], 403);
    }
    let warnings = r["warnings"]
        .as_array()
        .map(|a| a.iter().map(|w| w.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    (
        allowed,
        r["status"]["message"].as_str().unwrap_or("").to_string(),
        warnings,
    )
}

async fn metrics(c: &reqwest::Client, addr: &str) -> String {
    c.get(format!("https://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[test]
fn verdicts_cache_and_tag_policy_against_a_real_registry() {
    let rt = rt();
    let imgs = images(&rt, 0);
    let dir = tempfile::tempdir().unwrap();
    let notation = notation_dir(dir.path(), imgs.host(), &imgs.trusted);
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(
        BIN,
        &notation,
        &cert,
        &key,
        &["--plain-http", imgs.host(), "--tag-cache-ttl-seconds", "60"],
    );
    let strict = start_webhook(
        BIN,
        &notation,
        &cert,
        &key,
        &["--plain-http", imgs.host(), "--deny-tag-only"],
    );
    let c = client(&ca);
    rt.block_on(async {
        let addr = hook.addr.as_str();
        for path in ["healthz", "readyz"] {
            let r = c
                .get(format!("https://{addr}/{path}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
        }

        let signed = imgs.get("app:v1");
        let (ok, msg, warnings) = review(&c, addr, &pod_review("u1", &[signed], false)).await;
        assert!(ok, "{msg}");
        assert!(warnings.is_empty(), "{warnings:?}");

        // The same digest again: answered from the cache, no registry request.
        let before = metrics(&c, addr).await;
        let (ok, _, _) = review(&c, addr, &pod_review("u2", &[signed], true)).await;
        assert!(ok, "a dryRun review is verified the same way");
        let after = metrics(&c, addr).await;
        let reqs = "notary_admission_registry_requests_total";
        assert_eq!(metric(&after, reqs), metric(&before, reqs));
        let hits = "notary_admission_cache_hits_total";
        assert_eq!(metric(&after, hits), metric(&before, hits) + 1);

        // By tag: resolved to the digest (one HEAD), then the cached verdict; with
        // --tag-cache-ttl-seconds the resolution is reused too.
        let by_tag = format!("{}/app:v1", imgs.host());
        for (uid, registry_requests) in [("u3", 1), ("u4", 0)] {
            let before = metric(&metrics(&c, addr).await, reqs);
            let (ok, msg, _) = review(&c, addr, &pod_review(uid, &[&by_tag], false)).await;
            assert!(ok, "{msg}");
            let after = metric(&metrics(&c, addr).await, reqs);
            assert_eq!(after - before, registry_requests, "{uid}");
        }
        let cases = [
            ("unsigned", "no signature is associated"),
            ("untrusted", "authenticity validation failed"),
            ("tampered", "integrity validation failed"),
        ];
        for (name, expected) in cases {
            let image = imgs.get(name);
            let (ok, msg, _) = review(&c, addr, &pod_review(name, &[signed, image], false)).await;
            assert!(!ok, "{name} admitted");
            assert!(
                msg.contains(image) && msg.contains(expected),
                "{name}: {msg}"
            );
            assert!(
                !msg.contains(&format!("{signed:?}")),
                "only the failing image is named: {msg}"
            );
        }

        // Audit level: admitted, with the logged failure as a warning.
        let audited = imgs.get("audited");
        let (ok, msg, warnings) = review(&c, addr, &pod_review("a", &[audited], false)).await;
        assert!(ok, "{msg}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(audited) && w.contains("audit")),
            "{warnings:?}"
        );

        // Tag-only references denied when configured; digests still admitted.
        let (ok, msg, _) = review(&c, &strict.addr, &pod_review("t", &[&by_tag], false)).await;
        assert!(!ok && msg.contains("tag-only"), "{msg}");
        let (ok, msg, _) = review(&c, &strict.addr, &pod_review("t2", &[signed], false)).await;
        assert!(ok, "{msg}");

        // Rotating the trust store changes the configuration hash: the cached verdict of the
        // signed image is not reused, and the image no longer verifies.
        let other = admission::chain();
        let fresh = tempfile::tempdir().unwrap();
        let replacement = notation_dir(fresh.path(), imgs.host(), &other);
        std::fs::copy(
            replacement.join("truststore/x509/ca/test/root.pem"),
            notation.join("truststore/x509/ca/test/root.pem"),
        )
        .unwrap();
        let (ok, msg, _) = review(&c, &strict.addr, &pod_review("r", &[signed], false)).await;
        assert!(!ok && msg.contains("authenticity"), "{msg}");

        let m = metrics(&c, addr).await;
        assert_eq!(
            metric(&m, "notary_admission_verdicts_total{verdict=\"denied\"}"),
            3,
            "{m}"
        );
        assert!(m.contains("notary_admission_review_duration_seconds_bucket{le=\"+Inf\"}"));
    });
}

#[test]
fn concurrent_admissions_of_one_digest_share_one_verification() {
    let rt = rt();
    let imgs = images(&rt, 0);
    let dir = tempfile::tempdir().unwrap();
    let notation = notation_dir(dir.path(), imgs.host(), &imgs.trusted);
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(BIN, &notation, &cert, &key, &["--plain-http", imgs.host()]);
    let c = client(&ca);
    rt.block_on(async {
        let image = imgs.get("app:v2").to_string();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (c, addr, image) = (c.clone(), hook.addr.clone(), image.clone());
            tasks.push(tokio::spawn(async move {
                review(&c, &addr, &pod_review(&format!("c{i}"), &[&image], false)).await
            }));
        }
        for t in tasks {
            let (ok, msg, _) = t.await.unwrap();
            assert!(ok, "{msg}");
        }
        let m = metrics(&c, &hook.addr).await;
        assert_eq!(metric(&m, "notary_admission_cache_misses_total"), 1, "{m}");
        assert_eq!(metric(&m, "notary_admission_cache_hits_total"), 15, "{m}");
    });
}

#[test]
fn malformed_and_oversized_reviews_get_400_and_the_server_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    // No policy: readiness fails, but bad requests are refused before configuration matters.
    let notation = dir.path().join("empty");
    std::fs::create_dir_all(&notation).unwrap();
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(BIN, &notation, &cert, &key, &[]);
    let c = client(&ca);
    let addr = hook.addr.as_str();
    rt().block_on(async {
        let r = c.get(format!("https://{addr}/readyz")).send().await.unwrap();
        assert_eq!(r.status(), 503);
        assert!(r.text().await.unwrap().contains("trust policy"));

        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let mut oversized = serde_json::to_vec(&pod_review("big", &["x"], false)).unwrap();
        oversized.extend(std::iter::repeat_n(b' ', 3 * 1024 * 1024 + 1));
        let bad: Vec<(&str, Vec<u8>)> = vec![
            ("garbage", b"not json".to_vec()),
            ("invalid utf-8", vec![0xff, 0xfe, 0x7b]),
            ("empty object", b"{}".to_vec()),
            ("deep nesting", deep.into_bytes()),
            (
                "v1beta1",
                serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "x", "kind": {"kind": "Pod"}}})).unwrap(),
            ),
            (
                "no request",
                serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"})).unwrap(),
            ),
            (
                "no uid",
                serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "", "kind": {"kind": "Pod"}}})).unwrap(),
            ),
            ("oversized", oversized),
        ];
        for (name, body) in bad {
            let (status, text) = post(&c, addr, body).await;
            assert_eq!(status, 400, "{name}: {}", String::from_utf8_lossy(&text));
            assert!(
                String::from_utf8_lossy(&text).contains("malformed AdmissionReview"),
                "{name}"
            );
        }
        // A readable review whose Pod spec is not: a clean denial carrying the uid.
        let mut weird = pod_review("w", &[], false);
        weird["request"]["object"]["spec"]["containers"] = json!("nginx");
        let (ok, msg, _) = review(&c, addr, &weird).await;
        assert!(!ok && msg.contains("pod spec"), "{msg}");
        // Images but no trust policy: denied (fail closed), naming the cause.
        let (ok, msg, _) = review(&c, addr, &pod_review("n", &["nginx"], false)).await;
        assert!(!ok && msg.contains("trust policy"), "{msg}");
        // Kinds without pods are not ours to judge.
        let mut cm = pod_review("cm", &[], false);
        cm["request"]["kind"] = json!({"group": "", "version": "v1", "kind": "ConfigMap"});
        let (ok, _, _) = review(&c, addr, &cm).await;
        assert!(ok);

        let r = c.get(format!("https://{addr}/validate")).send().await.unwrap();
        assert_eq!(r.status(), 405);
        let r = c.get(format!("https://{addr}/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200, "still serving");
        let m = metrics(&c, addr).await;
        assert_eq!(metric(&m, "notary_admission_malformed_reviews_total"), 8, "{m}");
    });
}

#[test]
fn the_serving_certificate_is_reloaded_when_the_files_change() {
    let dir = tempfile::tempdir().unwrap();
    let notation = dir.path().join("empty");
    std::fs::create_dir_all(&notation).unwrap();
    let (ca_a, cert, key) = server_cert(dir.path(), "a");
    let (ca_b, cert_b, key_b) = server_cert(dir.path(), "b");
    let hook = start_webhook(BIN, &notation, &cert, &key, &[]);
    let url = format!("https://{}/healthz", hook.addr);
    rt().block_on(async {
        assert!(client(&ca_a).get(&url).send().await.is_ok());
        assert!(client(&ca_b).get(&url).send().await.is_err());
        // Replace the pair the way a Secret update does: new content under the same names.
        std::fs::copy(&key_b, &key).unwrap();
        std::fs::copy(&cert_b, &cert).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while client(&ca_b).get(&url).send().await.is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "new certificate not served"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(client(&ca_a).get(&url).send().await.is_err());
    });
}

#[test]
fn a_review_is_answered_within_the_api_servers_timeout() {
    // A "registry" that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = silent.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let notation = notation_dir(dir.path(), &host, &admission::chain());
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(
        BIN,
        &notation,
        &cert,
        &key,
        &["--plain-http", &host, "--registry-timeout-seconds", "30"],
    );
    let image = format!(
        "{host}/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    let c = client(&ca);
    rt().block_on(async {
        let start = std::time::Instant::now();
        let r = c
            .post(format!("https://{}/validate?timeout=2s", hook.addr))
            .body(serde_json::to_vec(&pod_review("slow", &[&image], false)).unwrap())
            .send()
            .await
            .unwrap();
        let took = start.elapsed();
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
        assert_eq!(v["response"]["allowed"], false, "{v}");
        let msg = v["response"]["status"]["message"].as_str().unwrap();
        assert!(
            msg.contains(&image) && msg.contains("did not finish"),
            "{msg}"
        );
    });
    drop(silent);
}
