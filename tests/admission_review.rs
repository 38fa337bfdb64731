//! The admission webhook binary answering AdmissionReview requests directly (no API server):
//! verdicts for signed, unsigned, untrusted, tampered and audited images from a real local
//! registry, image volumes verified like containers, the verification cache and in-flight
//! sharing, tag-only denial, malformed, oversized and too-many-images reviews, health endpoints,
//! the TLS certificate reloaded from disk, and slow or surplus connections.

#[allow(clippy::duplicate_mod)]
#[path = "support/admission.rs"]
mod admission;
#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use admission::{
    client, images, metric, notation_dir, pod_review, rt, server_cert, start_webhook, webhook_for,
};
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
    let (hook, c) = webhook_for(BIN, &imgs, dir.path());
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

/// `review` with image volumes (name, reference) added to the Pod's spec.
fn with_volumes(mut review: Value, volumes: &[(&str, &str)]) -> Value {
    let volumes: Vec<Value> = volumes
        .iter()
        .map(|(name, image)| json!({"name": name, "image": {"reference": image, "pullPolicy": "IfNotPresent"}}))
        .collect();
    review["request"]["object"]["spec"]["volumes"] = json!(volumes);
    review
}

#[test]
fn image_volumes_are_verified_like_container_images() {
    let rt = rt();
    let imgs = images(&rt, 0);
    let dir = tempfile::tempdir().unwrap();
    let (hook, c) = webhook_for(BIN, &imgs, dir.path());
    rt.block_on(async {
        let addr = hook.addr.as_str();
        let (signed, unsigned) = (imgs.get("app:v1"), imgs.get("unsigned"));

        // A signed container mounting unsigned content: refused, naming the volume.
        let pod = with_volumes(pod_review("v1", &[signed], false), &[("data", unsigned)]);
        let (ok, msg, _) = review(&c, addr, &pod).await;
        assert!(!ok, "an unsigned image volume was admitted");
        assert!(
            msg.contains(&format!(
                "volume \"data\" image {unsigned:?}: no signature is associated"
            )),
            "{msg}"
        );
        assert!(!msg.contains(&format!("{signed:?}")), "{msg}");

        // The same in a Deployment's pod template.
        let mut deployment = pod.clone();
        deployment["request"]["uid"] = json!("v2");
        deployment["request"]["kind"] =
            json!({"group": "apps", "version": "v1", "kind": "Deployment"});
        let spec = pod["request"]["object"]["spec"].clone();
        deployment["request"]["object"] = json!({"spec": {"template": {"spec": spec}}});
        let (ok, msg, _) = review(&c, addr, &deployment).await;
        assert!(!ok && msg.contains("volume \"data\""), "{msg}");

        // Signed content in the volume: admitted.
        let pod = with_volumes(
            pod_review("v3", &[signed], false),
            &[("data", imgs.get("app:v2"))],
        );
        let (ok, msg, warnings) = review(&c, addr, &pod).await;
        assert!(ok, "{msg}");
        assert!(warnings.is_empty(), "{warnings:?}");

        // No reference to verify: refused without asking the registry.
        let before = metric(
            &metrics(&c, addr).await,
            "notary_admission_registry_requests_total",
        );
        let pod = with_volumes(pod_review("v4", &[signed], false), &[("data", "")]);
        let (ok, msg, _) = review(&c, addr, &pod).await;
        assert!(!ok && msg.contains("without a reference"), "{msg}");
        let after = metric(
            &metrics(&c, addr).await,
            "notary_admission_registry_requests_total",
        );
        assert_eq!(before, after);
    });
}

#[test]
fn a_review_naming_too_many_images_is_denied_at_once_without_registry_requests() {
    let rt = rt();
    // A "registry" that counts the connections made to it.
    let registry = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = registry.local_addr().unwrap().to_string();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    {
        let connections = connections.clone();
        std::thread::spawn(move || {
            for s in registry.incoming() {
                connections.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(s);
            }
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let notation = notation_dir(dir.path(), &host, &admission::chain());
    // Every repository in scope, so each image would be verified against the registry.
    std::fs::write(
        notation.join("trustpolicy.oci.json"),
        r#"{"version":"1.0","trustPolicies":[{"name":"all","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:test"],"trustedIdentities":["*"]}]}"#,
    )
    .unwrap();
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(BIN, &notation, &cert, &key, &["--plain-http", &host]);
    let c = client(&ca);
    // As many distinct repositories as fit in the API server's 3 MiB.
    let n = 24_000;
    let refs: Vec<String> = (0..n)
        .map(|i| format!("{host}/r{i}@sha256:{:064x}", i))
        .collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let body = pod_review("many", &refs, false);
    assert!(serde_json::to_vec(&body).unwrap().len() < 3 * 1024 * 1024);
    rt.block_on(async {
        let start = std::time::Instant::now();
        let (ok, msg, _) = review(&c, &hook.addr, &body).await;
        let took = start.elapsed();
        assert!(!ok);
        assert!(
            msg.contains(&format!("names {n} distinct images, more than the 256")),
            "{}",
            &msg[..msg.len().min(500)]
        );
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
        let m = metrics(&c, &hook.addr).await;
        assert_eq!(metric(&m, "notary_admission_registry_requests_total"), 0);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    });
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// A TLS connection to the webhook offering `alpn`, handshake done.
async fn tls_connect(
    ca: &std::path::Path,
    addr: &str,
    alpn: &[u8],
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap()
}

/// How long until the server closes `stream` (reading whatever it sends); `None` if it stays
/// open for `limit`.
async fn closed_after(
    stream: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    limit: std::time::Duration,
) -> Option<std::time::Duration> {
    use tokio::io::AsyncReadExt as _;
    let start = std::time::Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
    .map(|()| start.elapsed())
}

#[test]
fn slow_clients_are_cut_off_and_connections_are_capped() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let dir = tempfile::tempdir().unwrap();
    let notation = dir.path().join("empty");
    std::fs::create_dir_all(&notation).unwrap();
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(
        BIN,
        &notation,
        &cert,
        &key,
        &[
            "--max-connections",
            "2",
            "--header-read-timeout-seconds",
            "2",
        ],
    );
    let addr = hook.addr.as_str();
    let healthz = format!("https://{addr}/healthz");
    let quick = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
        .timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    rt().block_on(async {
        // Two clients that never finish their request headers hold both slots...
        let mut slow = Vec::new();
        for _ in 0..2 {
            let mut s = tls_connect(&ca, addr, b"http/1.1").await;
            s.write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n")
                .await
                .unwrap();
            s.flush().await.unwrap();
            slow.push(s);
        }
        // ...so a third waits,
        assert!(
            quick.get(&healthz).send().await.is_err(),
            "served past the limit"
        );
        // until the header timeout closes them.
        for s in &mut slow {
            let took = closed_after(s, std::time::Duration::from_secs(8)).await;
            assert!(took.is_some(), "a slow client was never cut off");
        }
        let r = quick.get(&healthz).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // An h2 client that sends nothing at all is cut off too.
        let mut idle = tls_connect(&ca, addr, b"h2").await;
        assert_eq!(idle.get_ref().1.alpn_protocol(), Some(b"h2".as_slice()));
        let took = closed_after(&mut idle, std::time::Duration::from_secs(8)).await;
        assert!(took.is_some(), "an idle h2 connection was kept");
        // A normal client is unaffected.
        let r = quick.get(&healthz).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // HTTP/1.1 keep-alive: after a served request, the next one's headers are timed too.
        let mut kept = tls_connect(&ca, addr, b"http/1.1").await;
        kept.write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await
            .unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        while !seen.ends_with(b"ok\n") {
            let n = kept.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before answering");
            seen.extend_from_slice(&buf[..n]);
        }
        assert!(seen.starts_with(b"HTTP/1.1 200"));
        kept.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        let took = closed_after(&mut kept, std::time::Duration::from_secs(8)).await;
        assert!(took.is_some(), "a slow second request was waited for");
    });
}
