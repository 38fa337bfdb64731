//! Fault injection between the client and a real registry (Debian's docker-registry): a
//! loopback proxy of our own forwards each request and, when a rule matches, answers with a
//! 5xx burst, 429 + Retry-After, a dropped connection, a truncated or corrupted body, an
//! oversized manifest or a response slower than the client's timeout. Each ends in a
//! successful retry or a clear typed error, and never in a half-pushed signature or a
//! damaged referrers tag index.

#[path = "support/fault_proxy.rs"]
mod fault_proxy;
#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use std::time::Duration;

use fault_proxy::{Fault, Proxy};
use notary::artifact::{sign_and_push, verify_artifact};
use notary::{EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::SignatureRepository;
use notary_registry::{Error, RemoteOptions, RemoteRepository};
use registry::{Kind, Options, Registry, push_artifact, rt};
use trust::{chain, now, verifier};

fn client(host: &str, repo: &str) -> RemoteRepository {
    client_with(host, repo, false)
}

fn client_with(host: &str, repo: &str, confirm_tag_index_writes: bool) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.confirm_tag_index_writes = confirm_tag_index_writes;
    o.plain_http = true;
    o.timeout = Duration::from_millis(1500);
    o.max_retries = 3;
    o.retry_base_delay = Duration::from_millis(10);
    RemoteRepository::new(host, repo, o).unwrap()
}

fn opts() -> SignOptions {
    let mut o = SignOptions::new(now());
    o.format = EnvelopeMediaType::Jws;
    o
}

#[test]
fn faults_end_in_retries_or_clear_errors_and_never_in_damage() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        let v = verifier(&c, "*");
        let scope = format!("{}/app", proxy.host);
        let direct = client(&reg.host, "app");
        let artifact = push_artifact(&direct, "v1", b"v1").await;
        let r = client(&proxy.host, "app");

        // A 5xx burst on resolve and on the blob upload: retried, signed.
        proxy.add("HEAD", "/manifests/v1", Fault::Status(503, None), 2);
        proxy.add("PUT", "/blobs/uploads/", Fault::Status(500, None), 1);
        let first = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap();
        assert_eq!(first.artifact, artifact);
        assert_eq!(proxy.faults_served(), 3);

        // 429 with Retry-After on the listing, and a dropped connection on the envelope GET.
        let fresh = client(&proxy.host, "app");
        proxy.add("GET", "/referrers/", Fault::Status(429, Some(1)), 1);
        proxy.add("GET", "/blobs/sha256:", Fault::Drop, 1);
        let done = verify_artifact(
            &fresh,
            &v,
            &notary::artifact::VerifyArtifactRequest::new(
                &artifact.digest.to_string(),
                &scope,
                now(),
            ),
        )
        .await
        .unwrap();
        assert_eq!(done.artifact, artifact);
        assert_eq!(proxy.faults_served(), 5);

        // A body whose digest does not match: a typed failure naming the signature manifest.
        let sig = first.pushed.manifest.digest.to_string();
        proxy.add("GET", &format!("/manifests/{sig}"), Fault::Corrupt, 10);
        let e = verify_artifact(
            &client(&proxy.host, "app"),
            &v,
            &notary::artifact::VerifyArtifactRequest::new(
                &artifact.digest.to_string(),
                &scope,
                now(),
            ),
        )
        .await
        .unwrap_err();
        match &e {
            notary::artifact::VerifyArtifactError::AllFailed { failures, .. } => {
                assert!(
                    failures
                        .iter()
                        .any(|f| f.to_string().contains("hashes to another digest")),
                    "{e}"
                );
            }
            other => panic!("unexpected {other}"),
        }
        proxy.clear();

        // A manifest larger than the 4 MiB cap is refused before it is parsed.
        proxy.add("GET", &format!("/manifests/{sig}"), Fault::Oversize, 10);
        let sigs = fresh.list_signatures(&artifact, 10).await.unwrap();
        let e = fresh.fetch_signature(&sigs[0]).await.unwrap_err();
        assert!(
            matches!(e, Error::TooLarge { .. } | Error::DigestMismatch { .. }),
            "{e}"
        );
        proxy.clear();

        // A truncated envelope body, every time: retried, then a clear network error.
        proxy.add("GET", "/blobs/sha256:", Fault::Truncate, 100);
        let e = fresh.fetch_signature(&sigs[0]).await.unwrap_err();
        assert!(matches!(e, Error::Network { .. }), "{e}");
        proxy.clear();

        // The referrers tag index cannot be written: the signature is reported as not
        // discoverable and the existing index keeps its entry.
        let tag = notary_registry::remote::referrers_tag(&artifact.digest);
        proxy.add(
            "PUT",
            &format!("/manifests/{tag}"),
            Fault::Status(503, None),
            100,
        );
        let e = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap_err();
        assert!(e.to_string().contains("referrers index"), "{e}");
        proxy.clear();
        let listed = direct.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(
            listed.len(),
            1,
            "the index still lists exactly the first signature"
        );
        assert_eq!(listed[0].digest, first.pushed.manifest.digest);

        // A response slower than the client's timeout: a timeout error, no partial state.
        proxy.add(
            "PUT",
            "/manifests/sha256:",
            Fault::Slow(Duration::from_secs(3)),
            100,
        );
        let e = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap_err();
        assert!(e.to_string().contains("timed out"), "{e}");
        proxy.clear();
        let listed = direct.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(listed.len(), 1);

        // With the faults gone everything works and both signatures are found.
        let second = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap();
        let listed = direct.list_signatures(&artifact, 10).await.unwrap();
        let digests: Vec<_> = listed.iter().map(|d| d.digest.clone()).collect();
        assert!(
            digests.contains(&first.pushed.manifest.digest)
                && digests.contains(&second.pushed.manifest.digest)
        );
        assert!(proxy.requests("GET", "/referrers/") >= 1);
        verify_artifact(
            &direct,
            &v,
            &notary::artifact::VerifyArtifactRequest::new(
                "v1",
                &format!("{}/app", reg.host),
                now(),
            ),
        )
        .await
        .unwrap();
    });
}

#[test]
fn a_tag_index_replaced_by_a_concurrent_signer_is_repaired_when_writes_are_confirmed() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        let direct = client(&reg.host, "app");
        let artifact = push_artifact(&direct, "v1", b"v1").await;
        let first = sign_and_push(&direct, "v1", &signer, &opts())
            .await
            .unwrap();
        let tag = notary_registry::remote::referrers_tag(&artifact.digest);
        let index_path = format!("/manifests/{tag}");
        // The index as it is now: what a signer that read it a moment ago writes back.
        let now_desc = direct.resolve_reference(&tag).await.unwrap();
        let stale = direct.fetch_manifest(&now_desc, 1 << 20).await.unwrap();
        let listed = || async {
            let mut d: Vec<String> = direct
                .list_signatures(&artifact, 10)
                .await
                .unwrap()
                .iter()
                .map(|d| d.digest.to_string())
                .collect();
            d.sort();
            d
        };

        // Without confirmation (notation's behaviour) the other signer's index, landing just
        // after this one, leaves the new signature stored but unlisted.
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 1);
        let plain = client(&proxy.host, "app");
        let lost = sign_and_push(&plain, "v1", &signer, &opts()).await.unwrap();
        assert_eq!(
            listed().await,
            vec![first.pushed.manifest.digest.to_string()]
        );
        assert!(direct.manifest_exists(&lost.pushed.manifest).await.unwrap());

        // Confirmed: the write is read back, found without the entry, and written again over
        // the other signer's index (whose entries are kept).
        proxy.clear();
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 1);
        let confirmed = client_with(&proxy.host, "app", true);
        let kept = sign_and_push(&confirmed, "v1", &signer, &opts())
            .await
            .unwrap();
        let mut want = vec![
            first.pushed.manifest.digest.to_string(),
            kept.pushed.manifest.digest.to_string(),
        ];
        want.sort();
        assert_eq!(listed().await, want);
        assert_eq!(
            proxy.requests("PUT", &index_path),
            3,
            "1 unconfirmed, 2 confirmed"
        );

        // A confirmed write that no longer finds anyone else's: no second write.
        proxy.clear();
        let third = sign_and_push(&confirmed, "v1", &signer, &opts())
            .await
            .unwrap();
        assert_eq!(proxy.requests("PUT", &index_path), 4);
        assert_eq!(listed().await.len(), 3);
        assert!(
            listed()
                .await
                .contains(&third.pushed.manifest.digest.to_string())
        );

        // A writer that replaces the index every time: a typed error after five writes, and
        // the index is the other writer's, intact.
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 100);
        let e = sign_and_push(&confirmed, "v1", &signer, &opts())
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("replaced it without this signature after each of 5 writes"),
            "{e}"
        );
        assert_eq!(proxy.requests("PUT", &index_path), 9);
        assert_eq!(
            listed().await,
            vec![first.pushed.manifest.digest.to_string()]
        );
    });
}
