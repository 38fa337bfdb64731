//! `revocation_verify`: full verification of a signature whose chain publishes CRLs, with the
//! CRLs cached (validated once, then reused while current), against the same verification with
//! revocation skipped. Target: at most 1.10x. The chain and key are the notation e2e CRL fixtures.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use notary::revocation::{Checker, StaticFetcher};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{Descriptor, SignOptions, Verifier};
use notary_trustpolicy::OciTrustPolicy;
use notary_x509::read_certificates;

const REF: &str =
    "registry.example/app@sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

fn crl_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/interop/data/notation-e2e/config/crl")
}

fn setup() -> (
    Vec<u8>,
    Descriptor,
    notary::NotaryVerifier,
    notary::NotaryVerifier,
    time::OffsetDateTime,
) {
    let d = crl_dir();
    let now = time::macros::datetime!(2026-06-01 12:00 UTC);
    let signer = notary_crypto::LocalSigner::from_files(
        &d.join("leaf.key"),
        &d.join("certchain_with_crl.pem"),
    )
    .unwrap();
    let target = Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        REF.rsplit_once('@').unwrap().1.parse().unwrap(),
        942,
    );
    let env = notary::sign_artifact(&target, &signer, &SignOptions::new(now))
        .unwrap()
        .bytes;
    let chain =
        read_certificates(&std::fs::read(d.join("certchain_with_crl.pem")).unwrap()).unwrap();
    let mut store = MemoryTrustStore::new(notary::default_provider());
    store
        .add(TrustStoreType::Ca, "s", vec![chain[2].clone()])
        .unwrap();
    let store = Arc::new(store);
    let policy = |extra: &str| {
        OciTrustPolicy::from_json(format!(r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],"signatureVerification":{{"level":"strict"{extra}}},"trustStores":["ca:s"],"trustedIdentities":["*"]}}]}}"#).as_bytes()).unwrap()
    };
    let fetcher = StaticFetcher::new()
        .with_crl(
            "http://localhost:10086/leaf.crl",
            std::fs::read(d.join("leaf.crl")).unwrap(),
        )
        .with_crl(
            "http://localhost:10086/intermediate.crl",
            std::fs::read(d.join("intermediate.crl")).unwrap(),
        );
    let with = notary::NotaryVerifier::new(notary::default_provider(), store.clone())
        .with_oci_policy(policy(""))
        .with_revocation(Arc::new(Checker::new_with(
            notary_x509::X509Verifier::new(notary::default_provider()),
            Arc::new(fetcher),
        )));
    let without = notary::NotaryVerifier::new(notary::default_provider(), store)
        .with_oci_policy(policy(r#","override":{"revocation":"skip"}"#));
    (env, target, with, without, now)
}

fn bench(c: &mut Criterion) {
    let (env, target, with, without, now) = setup();
    let run = |v: &notary::NotaryVerifier| {
        let _ = black_box(
            v.verify(notary::VerifyRequest::oci(
                black_box(&env),
                notary::EnvelopeMediaType::Jws,
                scope_of(REF),
                &target,
                now,
            ))
            .unwrap(),
        );
    };
    run(&with); // warms the CRL cache: validated once, then reused while current
    let mut g = c.benchmark_group("crl_chain");
    g.bench_function("verify_cached_crl", |b| b.iter(|| run(&with)));
    g.bench_function("verify_revocation_skipped", |b| b.iter(|| run(&without)));
    g.finish();
    let (mut tw, mut to) = (Duration::ZERO, Duration::ZERO);
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut rounds = 0u32;
    while Instant::now() < deadline || rounds < 5 {
        let t = Instant::now();
        for _ in 0..20 {
            run(&with);
        }
        tw += t.elapsed();
        let t = Instant::now();
        for _ in 0..20 {
            run(&without);
        }
        to += t.elapsed();
        rounds += 1;
    }
    let n = f64::from(rounds * 20);
    println!(
        "\ncached CRL: with {:.1} µs, without {:.1} µs, ratio {:.3} (interleaved batches, same process)",
        tw.as_secs_f64() * 1e6 / n,
        to.as_secs_f64() * 1e6 / n,
        tw.as_secs_f64() / to.as_secs_f64()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);

/// The `registry/repository` of a digest reference (what the trust policy is selected by).
fn scope_of(reference: &str) -> &str {
    reference
        .split_once('@')
        .map_or(reference, |(scope, _)| scope)
}
