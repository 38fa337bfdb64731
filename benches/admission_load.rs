//! Load test of the admission webhook binary (not a timed test): a local registry with N signed
//! images, the webhook over HTTPS, and AdmissionReview requests at bounded concurrency.
//! Reports p50/p99 latency of a review cold (every digest new: registry round trips and a
//! signature verification) and warm (digests verified before: the verification cache), and the
//! registry requests per admission in each phase (target warm: 0).
//!
//! `cargo bench -p notary-admission --bench admission_load [-- IMAGES CONCURRENCY ROUNDS]`

#[allow(clippy::duplicate_mod)]
#[path = "../tests/support/admission.rs"]
mod admission;
#[path = "../tests/support/registry.rs"]
mod registry;
#[path = "../tests/support/trust.rs"]
mod trust;

use std::sync::Arc;
use std::time::{Duration, Instant};

use admission::{client, images, metric, notation_dir, pod_review, rt, server_cert, start_webhook};

const BIN: &str = env!("CARGO_BIN_EXE_notary-admission-webhook");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn registry_requests(c: &reqwest::Client, addr: &str) -> u64 {
    let m = c
        .get(format!("https://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metric(&m, "notary_admission_registry_requests_total")
}

/// Admits each image `rounds` times with at most `concurrency` reviews in flight; returns the
/// sorted latencies.
async fn phase(
    c: &reqwest::Client,
    addr: &str,
    refs: &[String],
    concurrency: usize,
    rounds: usize,
) -> Vec<Duration> {
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::new();
    for round in 0..rounds {
        for (i, image) in refs.iter().enumerate() {
            let permit = sem.clone().acquire_owned().await.unwrap();
            let (c, url, image) = (c.clone(), format!("https://{addr}/validate"), image.clone());
            tasks.push(tokio::spawn(async move {
                let body =
                    serde_json::to_vec(&pod_review(&format!("{round}-{i}"), &[&image], false))
                        .unwrap();
                let start = Instant::now();
                let r = c.post(url).body(body).send().await.unwrap();
                let v: serde_json::Value = r.json_bytes().await;
                let took = start.elapsed();
                drop(permit);
                assert_eq!(v["response"]["allowed"], true, "{v}");
                took
            }));
        }
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out.sort();
    out
}

trait JsonBytes {
    async fn json_bytes(self) -> serde_json::Value;
}

impl JsonBytes for reqwest::Response {
    async fn json_bytes(self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

fn main() {
    // `cargo bench` passes `--bench`; take positional numbers only.
    let nums: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = nums.first().copied().unwrap_or(40);
    let concurrency = nums.get(1).copied().unwrap_or(8);
    let rounds = nums.get(2).copied().unwrap_or(10);
    let rt = rt();
    let imgs = images(&rt, n);
    let dir = tempfile::tempdir().unwrap();
    let notation = notation_dir(dir.path(), imgs.host(), &imgs.trusted);
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(BIN, &notation, &cert, &key, &["--plain-http", imgs.host()]);
    let c = client(&ca);
    let refs: Vec<String> = (0..n)
        .map(|i| imgs.get(&format!("b{i}")).to_string())
        .collect();
    rt.block_on(async {
        // One throwaway review so connection set-up and the first configuration load are not
        // counted as cold verification.
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let warmup = phase(&c, &hook.addr, &[imgs.get("app:v1").to_string()], 1, 1).await;
        let r0 = registry_requests(&c, &hook.addr).await;
        let t = Instant::now();
        let cold = phase(&c, &hook.addr, &refs, concurrency, 1).await;
        let cold_wall = t.elapsed();
        let r1 = registry_requests(&c, &hook.addr).await;
        let t = Instant::now();
        let warm = phase(&c, &hook.addr, &refs, concurrency, rounds).await;
        let warm_wall = t.elapsed();
        let r2 = registry_requests(&c, &hook.addr).await;
        println!(
            "admission load: {n} signed images (Distribution 2.8 on loopback, JWS, ECDSA P-256), concurrency {concurrency}, HTTPS keep-alive client, warm-up {:.1} ms",
            warmup.first().map_or(0.0, |d| ms(*d))
        );
        println!(
            "cold (new digest each): {} reviews, p50 {:.2} ms, p99 {:.2} ms, {:.0} reviews/s, registry requests per admission {:.2}",
            cold.len(),
            ms(percentile(&cold, 0.5)),
            ms(percentile(&cold, 0.99)),
            cold.len() as f64 / cold_wall.as_secs_f64(),
            (r1 - r0) as f64 / cold.len() as f64
        );
        println!(
            "warm (cached verdicts): {} reviews, p50 {:.3} ms, p99 {:.3} ms, {:.0} reviews/s, registry requests per admission {:.2}",
            warm.len(),
            ms(percentile(&warm, 0.5)),
            ms(percentile(&warm, 0.99)),
            warm.len() as f64 / warm_wall.as_secs_f64(),
            (r2 - r1) as f64 / warm.len() as f64
        );
    });
}
