//! `registry_verify`: verification of 200 signed artifacts by digest against real local
//! registries (olareg with the referrers API; Debian's docker-registry with the tag schema),
//! 16 at a time. Each artifact carries a signature by an untrusted key and one by the trusted
//! key, so the thumbprint filter has to pick the right one first.
//!
//! Reports HTTP requests per verification (target: at most 3) and verifications per second
//! against the rate of fetching the same objects (listing, signature manifest, envelope) with
//! plain GETs on the same registry in the same run (target: at least 0.8x). Rounds alternate
//! between the two so machine noise hits both alike; the median round ratio is reported.
//!
//! Warm column: the same verifications through a client with a signature cache that already
//! holds every signature manifest and envelope (filled by one pass before the rounds): only
//! the listing is fetched (target: 1 request per verification), against the same plain GETs.
#![allow(missing_docs)]

#[path = "../tests/support/registry.rs"]
mod registry;

use std::sync::Arc;
use std::time::Instant;

use notary::artifact::{sign_and_push, verify_artifact};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::SignatureRepository;
use notary_crypto::pki::ChainBuilder;
use notary_registry::cache::BlobCache;
use notary_registry::{RemoteOptions, RemoteRepository, manifest};
use notary_trustpolicy::OciTrustPolicy;
use registry::{Kind, Options, Registry};
use tokio::sync::Semaphore;

const ARTIFACTS: usize = 200;
const CONCURRENCY: usize = 16;
const ROUNDS: usize = 5;

fn client(host: &str) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    RemoteRepository::new(host, "bench/app", o).unwrap()
}

fn cached_client(host: &str, cache: &std::path::Path) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.cache = Some(Arc::new(BlobCache::new(cache)));
    RemoteRepository::new(host, "bench/app", o).unwrap()
}

/// Verifies every artifact through `repo`, `CONCURRENCY` at a time; returns the seconds taken.
async fn verify_all(
    repo: &RemoteRepository,
    verifier: &Arc<notary::NotaryVerifier>,
    artifacts: &[Descriptor],
    scope: &str,
    now: time::OffsetDateTime,
) -> f64 {
    let sem = Arc::new(Semaphore::new(CONCURRENCY));
    let t = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for a in artifacts {
        let (repo, verifier, scope, sem) = (
            repo.clone(),
            verifier.clone(),
            scope.to_string(),
            sem.clone(),
        );
        let reference = a.digest.to_string();
        tasks.spawn(async move {
            let _p = sem.acquire().await.unwrap();
            let done = verify_artifact(
                &repo,
                verifier.as_ref(),
                &notary::artifact::VerifyArtifactRequest::new(&reference, &scope, now),
            )
            .await
            .unwrap();
            assert_eq!(done.artifact.digest.to_string(), reference);
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    t.elapsed().as_secs_f64()
}

/// The URLs a verification of `artifact` needs: listing, signature manifest, envelope.
struct Objects {
    listing: String,
    manifest: (String, &'static str),
    envelope: String,
}

async fn run_case(kind: Kind) {
    let reg = Registry::start(kind, &Options::default());
    let now = time::OffsetDateTime::now_utc();
    let trusted = ChainBuilder::new(KeySpec::EcP256, now).build().unwrap();
    let untrusted = ChainBuilder::new(KeySpec::EcP256, now)
        .leaf_common_name("other")
        .build()
        .unwrap();
    let setup = client(&reg.host);
    let mut artifacts: Vec<Descriptor> = Vec::new();
    let mut objects = Vec::new();
    let config = setup.push_blob(manifest::EMPTY_JSON, b"{}").await.unwrap();
    for i in 0..ARTIFACTS {
        let layer = setup
            .push_blob("text/plain", format!("artifact {i}").as_bytes())
            .await
            .unwrap();
        let m = manifest::image_manifest(
            &config,
            &[layer],
            Some("application/vnd.example"),
            None,
            None,
        );
        let a = setup
            .push_manifest(manifest::IMAGE_MANIFEST, &m, Some(&format!("v{i}")))
            .await
            .unwrap();
        let digest = a.digest.to_string();
        let mut o = SignOptions::new(now);
        o.format = EnvelopeMediaType::Jws;
        sign_and_push(&setup, &digest, &untrusted.signer().unwrap(), &o)
            .await
            .unwrap();
        let good = sign_and_push(&setup, &digest, &trusted.signer().unwrap(), &o)
            .await
            .unwrap();
        let base = format!("http://{}/v2/bench/app", reg.host);
        let listing = if kind.has_referrers_api() {
            format!(
                "{base}/referrers/{digest}?artifactType=application%2Fvnd.cncf.notary.signature"
            )
        } else {
            format!(
                "{base}/manifests/{}",
                notary_registry::remote::referrers_tag(&a.digest)
            )
        };
        objects.push(Objects {
            listing,
            manifest: (
                format!("{base}/manifests/{}", good.pushed.manifest.digest),
                manifest::IMAGE_MANIFEST,
            ),
            envelope: format!("{base}/blobs/{}", good.pushed.blob.digest),
        });
        artifacts.push(a);
    }

    let mut store = MemoryTrustStore::new(notary::default_provider());
    store
        .add(
            TrustStoreType::Ca,
            "s",
            vec![notary_x509::Certificate::from_der(trusted.root()).unwrap()],
        )
        .unwrap();
    let verifier = Arc::new(notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store)).with_oci_policy(
        OciTrustPolicy::from_json(
            br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],
            "signatureVerification":{"level":"strict"},"trustStores":["ca:s"],"trustedIdentities":["*"]}]}"#,
        )
        .unwrap(),
    ));
    let repo = client(&reg.host);
    let scope = format!("{}/bench/app", reg.host);
    // Warm-up: connections, and what the client learns about the registry.
    verify_artifact(
        &repo,
        &verifier,
        &notary::artifact::VerifyArtifactRequest::new(
            &artifacts[0].digest.to_string(),
            &scope,
            now,
        ),
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .build()
        .unwrap();
    let objects = Arc::new(objects);

    // The warm client: a fresh cache filled by one pass (which also teaches the client about
    // the registry), then rounds that fetch only the listings.
    let cache_dir = tempfile::tempdir().unwrap();
    let warm = cached_client(&reg.host, cache_dir.path());
    verify_all(&warm, &verifier, &artifacts, &scope, now).await;
    let mut ratios = Vec::new();
    let mut warm_ratios = Vec::new();
    let mut warm_per_verification = 0.0;
    let mut warm_rate = 0.0;
    let mut per_verification = 0.0;
    let mut rates = (0.0, 0.0);
    for _ in 0..ROUNDS {
        // Verification.
        let before = repo.request_count();
        let verify_secs = verify_all(&repo, &verifier, &artifacts, &scope, now).await;
        per_verification = (repo.request_count() - before) as f64 / ARTIFACTS as f64;
        // Warm: everything but the listing in the cache.
        let warm_before = warm.request_count();
        let warm_secs = verify_all(&warm, &verifier, &artifacts, &scope, now).await;
        warm_per_verification = (warm.request_count() - warm_before) as f64 / ARTIFACTS as f64;
        let sem = Arc::new(Semaphore::new(CONCURRENCY));

        // Plain GETs of the same objects.
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..ARTIFACTS {
            let (http, objects, sem) = (http.clone(), objects.clone(), sem.clone());
            tasks.spawn(async move {
                let _p = sem.acquire().await.unwrap();
                let o = &objects[i];
                for (url, accept) in [
                    (&o.listing, manifest::IMAGE_INDEX),
                    (&o.manifest.0, o.manifest.1),
                    (&o.envelope, "*/*"),
                ] {
                    let r = http.get(url).header("Accept", accept).send().await.unwrap();
                    assert!(r.status().is_success(), "{url}: {}", r.status());
                    std::hint::black_box(r.bytes().await.unwrap());
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
        let get_secs = t.elapsed().as_secs_f64();
        let (v_rate, g_rate) = (ARTIFACTS as f64 / verify_secs, ARTIFACTS as f64 / get_secs);
        let w_rate = ARTIFACTS as f64 / warm_secs;
        ratios.push(v_rate / g_rate);
        warm_ratios.push(w_rate / g_rate);
        rates = (v_rate, g_rate);
        warm_rate = w_rate;
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    let median = ratios[ratios.len() / 2];
    warm_ratios.sort_by(|a, b| a.total_cmp(b));
    let warm_median = warm_ratios[warm_ratios.len() / 2];
    println!(
        "registry_verify {kind:?}: {ARTIFACTS} artifacts x {ROUNDS} rounds, concurrency {CONCURRENCY}: \
         {per_verification:.2} HTTP requests/verification (target <= 3); last round {:.0} verifications/s vs {:.0} artifacts/s \
         with plain GETs; median ratio {median:.3} (target >= 0.8); rounds {:?}",
        rates.0,
        rates.1,
        ratios.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>()
    );
    println!(
        "registry_verify {kind:?} warm (signature cache filled): {warm_per_verification:.2} HTTP requests/verification \
         (target 1); last round {warm_rate:.0} verifications/s; median ratio to the plain GETs of the cold objects {warm_median:.3}"
    );
    let _ = setup.list_signatures(&artifacts[0], 10).await.unwrap();
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing special either way.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for kind in [Kind::Olareg, Kind::Distribution2] {
        rt.block_on(run_case(kind));
    }
}
