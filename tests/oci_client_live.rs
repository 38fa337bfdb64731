//! `notary-oci-client` against real registries (Debian's docker-registry and CNCF Distribution
//! v3 without the referrers API, olareg with it), side by side with notary-rs's own client:
//! signatures pushed by one are found, fetched and verified by the other, and the fetch checks
//! refuse what a registry should not have sent.

#[path = "support/fault_proxy.rs"]
mod fault_proxy;
#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use std::collections::BTreeMap;
use std::sync::Arc;

use fault_proxy::{Fault, Proxy};
use notary::artifact::{sign_and_push, verify_artifact};
use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::{PushSignature, SIGNATURE_ARTIFACT_TYPE, SignatureRepository};
use notary_oci_client::{Error, OciClientOptions, OciClientRepository};
use notary_registry::manifest::{self, SignatureManifestForm};
use notary_registry::remote::referrers_tag;
use notary_registry::{RemoteOptions, RemoteRepository};
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use registry::{Kind, Options, Registry, push_artifact, rt};
use trust::{chain, now, verifier};

/// An oci-client client for the test registry: plain HTTP for it alone (`HttpsExcept`), or
/// HTTPS trusting its test CA.
fn client(reg: &Registry) -> Client {
    let mut config = ClientConfig::default();
    match &reg.ca_pem {
        None => config.protocol = ClientProtocol::HttpsExcept(vec![reg.host.clone()]),
        Some(ca) => config.extra_root_certificates.push(Certificate {
            encoding: CertificateEncoding::Pem,
            data: ca.clone(),
        }),
    }
    Client::new(config)
}

fn oci(reg: &Registry, name: &str, auth: RegistryAuth) -> OciClientRepository {
    let image: Reference = format!("{}/{name}:v1", reg.host).parse().unwrap();
    OciClientRepository::new(client(reg), &image, auth)
}

/// An oci-client repository `name` reached through the fault proxy (plain HTTP to it alone).
fn oci_through(proxy: &Proxy, name: &str) -> OciClientRepository {
    let config = ClientConfig {
        protocol: ClientProtocol::HttpsExcept(vec![proxy.host.clone()]),
        ..ClientConfig::default()
    };
    let image: Reference = format!("{}/{name}:v1", proxy.host).parse().unwrap();
    OciClientRepository::new(Client::new(config), &image, RegistryAuth::Anonymous)
}

fn sign_options(format: EnvelopeMediaType) -> SignOptions {
    let mut o = SignOptions::new(now());
    o.format = format;
    o.expiry = Some(time::Duration::hours(1));
    o
}

fn sorted(mut v: Vec<Descriptor>) -> Vec<String> {
    let mut d: Vec<String> = v.drain(..).map(|d| d.digest.to_string()).collect();
    d.sort();
    d
}

#[test]
fn signatures_cross_between_remote_repository_and_oci_client_on_every_registry() {
    for kind in Kind::ALL {
        let reg = Registry::start(kind, &Options::default());
        rt().block_on(async {
            let ours = reg.repo("team/app");
            let theirs = oci(&reg, "team/app", RegistryAuth::Anonymous);
            let artifact = push_artifact(&ours, "v1", b"hello").await;
            let by_digest = format!("{}/team/app@{}", reg.host, artifact.digest);
            // Both clients resolve the tag and the digest to the same descriptor.
            for reference in ["v1", by_digest.as_str(), &artifact.digest.to_string()] {
                assert_eq!(
                    theirs.resolve(reference).await.unwrap(),
                    artifact,
                    "{kind:?}"
                );
            }

            let c = chain(KeySpec::EcP256);
            let signer = c.signer().unwrap();
            // JWS through RemoteRepository, COSE through oci-client.
            let jws = sign_and_push(&ours, "v1", &signer, &sign_options(EnvelopeMediaType::Jws))
                .await
                .unwrap();
            let cose = sign_and_push(
                &theirs,
                &by_digest,
                &signer,
                &sign_options(EnvelopeMediaType::Cose),
            )
            .await
            .unwrap();
            assert_eq!(cose.artifact, artifact);
            let pushed = sorted(vec![
                jws.pushed.manifest.clone(),
                cose.pushed.manifest.clone(),
            ]);

            // Each client lists both, with fresh state.
            let fresh_ours = reg.repo("team/app");
            let fresh_theirs = oci(&reg, "team/app", RegistryAuth::Anonymous);
            let listed_ours = fresh_ours.list_signatures(&artifact, 100).await.unwrap();
            let listed_theirs = fresh_theirs.list_signatures(&artifact, 100).await.unwrap();
            assert_eq!(sorted(listed_ours), pushed, "{kind:?}");
            assert_eq!(sorted(listed_theirs.clone()), pushed, "{kind:?}");
            for d in &listed_theirs {
                assert_eq!(d.artifact_type.as_deref(), Some(SIGNATURE_ARTIFACT_TYPE));
            }
            assert_eq!(
                fresh_theirs
                    .list_signatures(&artifact, 1)
                    .await
                    .unwrap()
                    .len(),
                1
            );

            // Where the registry has no referrers API, the tag schema index holds both, the
            // second entry written by oci-client next to the first; where it has the API, the
            // oci-client push saw its manifest listed and wrote no index.
            let tag = referrers_tag(&artifact.digest);
            if kind.has_referrers_api() {
                assert!(matches!(
                    fresh_ours.resolve(&tag).await,
                    Err(notary_registry::Error::NotFound { .. })
                ));
            } else {
                let index = fresh_ours.resolve(&tag).await.unwrap();
                assert_eq!(index.media_type, manifest::IMAGE_INDEX);
                let data = fresh_ours
                    .fetch_manifest(&index, notary_registry::MAX_MANIFEST_SIZE)
                    .await
                    .unwrap();
                let m: manifest::Manifest = serde_json::from_slice(&data).unwrap();
                assert_eq!(sorted(m.manifests.unwrap()), pushed, "{kind:?}");
            }

            // The envelope each client fetches is the one pushed, whoever pushed it.
            for (signed, media_type) in [
                (&jws, EnvelopeMediaType::Jws),
                (&cose, EnvelopeMediaType::Cose),
            ] {
                let a = fresh_theirs
                    .fetch_signature(&signed.pushed.manifest)
                    .await
                    .unwrap();
                let b = fresh_ours
                    .fetch_signature(&signed.pushed.manifest)
                    .await
                    .unwrap();
                assert_eq!(a, b);
                assert_eq!(a.envelope_media_type, media_type);
                assert_eq!(
                    a.subject.as_ref().map(|s| &s.digest),
                    Some(&artifact.digest)
                );
                assert!(
                    a.annotations
                        .contains_key(notary_core::THUMBPRINT_ANNOTATION)
                );
            }

            // Verification through oci-client, by tag and by digest, and through ours.
            let scope = format!("{}/team/app", reg.host);
            let v = verifier(&c, &scope);
            for reference in ["v1", by_digest.as_str()] {
                let done = verify_artifact(
                    &fresh_theirs,
                    &v,
                    &notary::artifact::VerifyArtifactRequest::new(reference, &scope, now()),
                )
                .await
                .unwrap();
                assert_eq!(done.artifact, artifact, "{kind:?} {reference}");
                assert!(done.signature_manifest.is_some());
                verify_artifact(
                    &fresh_ours,
                    &v,
                    &notary::artifact::VerifyArtifactRequest::new(reference, &scope, now()),
                )
                .await
                .unwrap();
            }
            // Another CA is not trusted; an unsigned artifact has no signature.
            let other = chain(KeySpec::Rsa2048);
            let e = verify_artifact(
                &fresh_theirs,
                &verifier(&other, &scope),
                &notary::artifact::VerifyArtifactRequest::new("v1", &scope, now()),
            )
            .await
            .unwrap_err();
            assert!(e.to_string().contains("authenticity"), "{e}");
            let unsigned = push_artifact(&ours, "v2", b"unsigned").await;
            let e = verify_artifact(
                &fresh_theirs,
                &v,
                &notary::artifact::VerifyArtifactRequest::new(
                    &unsigned.digest.to_string(),
                    &scope,
                    now(),
                ),
            )
            .await
            .unwrap_err();
            assert!(
                matches!(e, notary::artifact::VerifyArtifactError::NoSignature { .. }),
                "{e}"
            );

            // Unknown references.
            assert!(matches!(
                fresh_theirs.resolve("v9").await,
                Err(Error::NotFound { .. })
            ));
            assert!(matches!(
                fresh_theirs.resolve("other.example/team/app:v1").await,
                Err(Error::InvalidReference { .. })
            ));
        });
    }
}

#[test]
fn artifact_type_form_and_forced_tag_schema_on_a_registry_with_the_api() {
    let reg = Registry::start(Kind::Olareg, &Options::default());
    rt().block_on(async {
        let ours = reg.repo("app");
        let artifact = push_artifact(&ours, "v1", b"x").await;
        let mut o = OciClientOptions::default();
        o.force_referrers_tag = true;
        o.signature_manifest_form = SignatureManifestForm::ArtifactType;
        let theirs = oci(&reg, "app", RegistryAuth::Anonymous).with_options(o);
        let c = chain(KeySpec::Rsa3072);
        let s = sign_and_push(
            &theirs,
            "v1",
            &c.signer().unwrap(),
            &sign_options(EnvelopeMediaType::Jws),
        )
        .await
        .unwrap();
        // The image-spec 1.1 form: artifactType and the empty-JSON config.
        let data = ours
            .fetch_manifest(&s.pushed.manifest, notary_registry::MAX_MANIFEST_SIZE)
            .await
            .unwrap();
        let m: manifest::Manifest = serde_json::from_slice(&data).unwrap();
        assert_eq!(m.artifact_type.as_deref(), Some(SIGNATURE_ARTIFACT_TYPE));
        assert_eq!(m.config.as_ref().unwrap().media_type, manifest::EMPTY_JSON);
        assert_eq!(m.subject.as_ref().unwrap().digest, artifact.digest);
        assert!(manifest::is_signature_for(
            manifest::IMAGE_MANIFEST,
            &m,
            &artifact.digest.to_string()
        ));
        // Forced: the tag schema index was written although the API lists the signature.
        let index = ours
            .resolve(&referrers_tag(&artifact.digest))
            .await
            .unwrap();
        assert_eq!(index.media_type, manifest::IMAGE_INDEX);
        let listed = ours.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(sorted(listed), sorted(vec![s.pushed.manifest.clone()]));
        // Pushing the same signature again keeps one index entry.
        let again = theirs
            .push_signature(PushSignature::new(
                &artifact,
                EnvelopeMediaType::Jws,
                &ours
                    .fetch_signature(&s.pushed.manifest)
                    .await
                    .unwrap()
                    .envelope,
                ours.fetch_signature(&s.pushed.manifest)
                    .await
                    .unwrap()
                    .annotations,
            ))
            .await
            .unwrap();
        assert_eq!(again.manifest, s.pushed.manifest);
        let data = ours
            .fetch_manifest(
                &ours
                    .resolve(&referrers_tag(&artifact.digest))
                    .await
                    .unwrap(),
                notary_registry::MAX_MANIFEST_SIZE,
            )
            .await
            .unwrap();
        let idx: manifest::Manifest = serde_json::from_slice(&data).unwrap();
        assert_eq!(idx.manifests.unwrap().len(), 1);
    });
}

#[test]
fn a_tag_index_update_keeps_what_other_tools_wrote_in_their_entries() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    rt().block_on(async {
        let ours = reg.repo("app");
        let artifact = push_artifact(&ours, "v1", b"x").await;
        // Another tool's referrer, listed in the tag schema index with members of its own.
        let other = push_artifact(&ours, "sbom", b"an sbom").await;
        let theirs_entry = serde_json::json!({
            "mediaType": other.media_type,
            "digest": other.digest,
            "size": other.size,
            "artifactType": "application/spdx+json",
            "annotations": {"org.example.tool": "sbomgen"},
            "x-vendor-meta": {"kept": true},
        });
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::IMAGE_INDEX,
            // Listed twice: written back once, as notary-rs's own client and oras-go rewrite
            // the index (an entry with no digest, dropped too, is a unit test of
            // `referrers_index_with`: this client refuses to push such an index).
            "manifests": [theirs_entry.clone(), theirs_entry.clone()],
        }))
        .unwrap();
        let tag = referrers_tag(&artifact.digest);
        ours.push_manifest(manifest::IMAGE_INDEX, &index, Some(&tag))
            .await
            .unwrap();

        let theirs = oci(&reg, "app", RegistryAuth::Anonymous);
        let s = sign_and_push(
            &theirs,
            "v1",
            &chain(KeySpec::EcP256).signer().unwrap(),
            &sign_options(EnvelopeMediaType::Jws),
        )
        .await
        .unwrap();
        let data = ours
            .fetch_manifest(
                &ours.resolve(&tag).await.unwrap(),
                notary_registry::MAX_MANIFEST_SIZE,
            )
            .await
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&data).unwrap();
        let entries = doc["manifests"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{doc}");
        // The other tool's entry is written back member for member, the signature after it.
        assert_eq!(entries[0], theirs_entry);
        assert_eq!(
            entries[1]["digest"].as_str(),
            Some(s.pushed.manifest.digest.to_string().as_str())
        );
        let listed = theirs.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(sorted(listed), sorted(vec![s.pushed.manifest.clone()]));
    });
}

#[test]
fn a_referrers_tag_holding_a_docker_manifest_list_keeps_its_entries_and_an_image_manifest_stays() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    rt().block_on(async {
        let ours = reg.repo("app");
        let artifact = push_artifact(&ours, "v1", b"x").await;
        let signer = chain(KeySpec::EcP256).signer().unwrap();
        let options = sign_options(EnvelopeMediaType::Jws);
        let first = sign_and_push(&ours, "v1", &signer, &options)
            .await
            .unwrap()
            .pushed
            .manifest;
        // The tag last written as a Docker manifest list: docker-registry serves it only to a
        // client that accepts that type (to others: 404, which read as "no index" before).
        let tag = referrers_tag(&artifact.digest);
        let list = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::DOCKER_MANIFEST_LIST,
            "manifests": [serde_json::to_value(&first).unwrap()],
        }))
        .unwrap();
        ours.push_manifest(manifest::DOCKER_MANIFEST_LIST, &list, Some(&tag))
            .await
            .unwrap();
        let theirs = oci(&reg, "app", RegistryAuth::Anonymous);
        assert_eq!(
            sorted(theirs.list_signatures(&artifact, 10).await.unwrap()),
            sorted(vec![first.clone()])
        );
        let second = sign_and_push(&theirs, "v1", &signer, &options)
            .await
            .unwrap()
            .pushed
            .manifest;
        assert_eq!(
            sorted(
                reg.repo("app")
                    .list_signatures(&artifact, 10)
                    .await
                    .unwrap()
            ),
            sorted(vec![first, second]),
            "the first signature stays listed"
        );

        // An image manifest under the tag is not an index: reported, and left as it is.
        let other = push_artifact(&ours, "v2", b"y").await;
        let image = push_artifact(&ours, "unrelated", b"z").await;
        let image_bytes = ours
            .fetch_manifest(&image, notary_registry::MAX_MANIFEST_SIZE)
            .await
            .unwrap();
        let other_tag = referrers_tag(&other.digest);
        ours.push_manifest(&image.media_type, &image_bytes, Some(&other_tag))
            .await
            .unwrap();
        // Listing reads it as no signatures, as notation does; signing refuses to replace it.
        assert_eq!(theirs.list_signatures(&other, 10).await.unwrap(), vec![]);
        let e = sign_and_push(&theirs, "v2", &signer, &options)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("does not name an image index"),
            "{e}"
        );
        assert_eq!(ours.resolve(&other_tag).await.unwrap().digest, image.digest);
        // The same for a manifest that leaves its mediaType out (the image spec allows it).
        let bare = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "config": {
                "mediaType": manifest::EMPTY_JSON,
                "digest": manifest::EMPTY_JSON_DIGEST,
                "size": 2,
            },
            "layers": [],
        }))
        .unwrap();
        ours.push_blob(manifest::EMPTY_JSON, b"{}").await.unwrap();
        let third = push_artifact(&ours, "v3", b"w").await;
        let third_tag = referrers_tag(&third.digest);
        let bare_desc = ours
            .push_manifest(manifest::IMAGE_MANIFEST, &bare, Some(&third_tag))
            .await
            .unwrap();
        let e = sign_and_push(&theirs, "v3", &signer, &options)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("does not name an image index"),
            "{e}"
        );
        assert_eq!(
            ours.resolve(&third_tag).await.unwrap().digest,
            bare_desc.digest
        );
    });
}

#[test]
fn signatures_are_found_when_the_referrers_api_ignores_the_artifact_type_filter() {
    // olareg behind a proxy that answers the referrers API with another tool's referrer only
    // (a registry may ignore the filter); the signature is in the tag schema index.
    let reg = Registry::start(Kind::Olareg, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let mut o = reg.remote_options();
        o.force_referrers_tag = true;
        let ours = RemoteRepository::new(&reg.host, "app", o).unwrap();
        let artifact = push_artifact(&ours, "v1", b"x").await;
        let pushed = sign_and_push(
            &ours,
            "v1",
            &chain(KeySpec::EcP256).signer().unwrap(),
            &sign_options(EnvelopeMediaType::Jws),
        )
        .await
        .unwrap()
        .pushed
        .manifest;
        let sbom = push_artifact(&ours, "sbom", b"an sbom").await;
        let answer = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::IMAGE_INDEX,
            "manifests": [{
                "mediaType": sbom.media_type,
                "digest": sbom.digest,
                "size": sbom.size,
                "artifactType": "application/spdx+json",
            }],
        }))
        .unwrap();
        proxy.add(
            "GET",
            "/referrers/",
            Fault::Answer(manifest::IMAGE_INDEX, answer),
            usize::MAX,
        );
        let theirs = oci_through(&proxy, "app");
        let listed = theirs.list_signatures(&artifact, 10).await.unwrap();
        assert!(proxy.faults_served() > 0, "the referrers API was not asked");
        assert_eq!(sorted(listed), sorted(vec![pushed]));
    });
}

#[test]
fn a_tag_index_replaced_by_a_concurrent_signer_is_repaired_when_writes_are_confirmed() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let ours = reg.repo("app");
        let artifact = push_artifact(&ours, "v1", b"v1").await;
        let signer = chain(KeySpec::EcP256).signer().unwrap();
        let options = sign_options(EnvelopeMediaType::Jws);
        let first = sign_and_push(&ours, "v1", &signer, &options).await.unwrap();
        let tag = referrers_tag(&artifact.digest);
        let index_path = format!("/manifests/{tag}");
        // The index as it is now: what a signer that read it a moment ago writes back.
        let stale = ours
            .fetch_manifest(
                &ours.resolve(&tag).await.unwrap(),
                notary_registry::MAX_MANIFEST_SIZE,
            )
            .await
            .unwrap();
        let listed = || async { sorted(ours.list_signatures(&artifact, 10).await.unwrap()) };
        let through_proxy = |confirm: bool| {
            let mut o = OciClientOptions::default();
            o.confirm_tag_index_writes = confirm;
            oci_through(&proxy, "app").with_options(o)
        };

        // Unconfirmed (oras-go's and notation's behaviour): the other signer's index, landing
        // just after this one, leaves the new signature stored but unlisted.
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 1);
        let lost = sign_and_push(&through_proxy(false), "v1", &signer, &options)
            .await
            .unwrap();
        assert_eq!(listed().await, sorted(vec![first.pushed.manifest.clone()]));
        assert!(ours.manifest_exists(&lost.pushed.manifest).await.unwrap());

        // Confirmed: read back, found replaced, written again over the other signer's index.
        proxy.clear();
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 1);
        let confirmed = through_proxy(true);
        let kept = sign_and_push(&confirmed, "v1", &signer, &options)
            .await
            .unwrap();
        assert_eq!(
            listed().await,
            sorted(vec![
                first.pushed.manifest.clone(),
                kept.pushed.manifest.clone()
            ])
        );
        assert_eq!(
            proxy.requests("PUT", &index_path),
            3,
            "1 unconfirmed, 2 confirmed"
        );

        // Replaced after every write: the typed error after five, the other index intact.
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 100);
        let e = sign_and_push(&confirmed, "v1", &signer, &options)
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("replaced it without this signature after each of 5 writes"),
            "{e}"
        );
        assert_eq!(proxy.requests("PUT", &index_path), 8);
        assert_eq!(listed().await, sorted(vec![first.pushed.manifest.clone()]));
    });
}

#[test]
fn a_tag_index_read_or_write_failed_with_a_server_error_is_tried_again_twice() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let ours = reg.repo("app");
        let artifact = push_artifact(&ours, "v1", b"v1").await;
        let signer = chain(KeySpec::EcP256).signer().unwrap();
        let options = sign_options(EnvelopeMediaType::Jws);
        let index_path = format!("/manifests/{}", referrers_tag(&artifact.digest));
        let repo = oci_through(&proxy, "app");
        let listed = || async { sorted(ours.list_signatures(&artifact, 10).await.unwrap()) };
        let mut expected = Vec::new();

        // Two failed writes (Distribution's 500, a gateway's 503): written on the third try.
        proxy.add("PUT", &index_path, Fault::Status(500, None), 1);
        proxy.add("PUT", &index_path, Fault::Status(503, None), 1);
        let signed = sign_and_push(&repo, "v1", &signer, &options).await.unwrap();
        expected.push(signed.pushed.manifest.clone());
        assert_eq!(listed().await, sorted(expected.clone()));
        assert_eq!(proxy.requests("PUT", &index_path), 3);

        // A failed read: the update starts again from the read.
        let gets = proxy.requests("GET", &index_path);
        proxy.add("GET", &index_path, Fault::Status(502, None), 1);
        let signed = sign_and_push(&repo, "v1", &signer, &options).await.unwrap();
        expected.push(signed.pushed.manifest.clone());
        assert_eq!(listed().await, sorted(expected.clone()));
        assert_eq!(proxy.requests("GET", &index_path), gets + 2);
        assert_eq!(proxy.requests("PUT", &index_path), 4);

        // A write the registry stored but a gateway answered with 502: the read that starts
        // the retry finds the entry listed, and nothing is written again.
        proxy.add("PUT", &index_path, Fault::StoredThenStatus(502), 1);
        let signed = sign_and_push(&repo, "v1", &signer, &options).await.unwrap();
        expected.push(signed.pushed.manifest.clone());
        assert_eq!(listed().await, sorted(expected.clone()));
        assert_eq!(proxy.requests("PUT", &index_path), 5);

        // Three failures (none reaching the registry): the typed error after the third write.
        proxy.add("PUT", &index_path, Fault::Status(500, None), 3);
        let e = sign_and_push(&repo, "v1", &signer, &options)
            .await
            .unwrap_err();
        assert!(tag_index_failure(&e), "{e}");
        assert!(e.to_string().contains("500"), "{e}");
        assert_eq!(proxy.requests("PUT", &index_path), 8);
        assert_eq!(listed().await, sorted(expected.clone()));

        // 501 (not implemented) is no passing failure: not tried again.
        proxy.add("PUT", &index_path, Fault::Status(501, None), 1);
        let e = sign_and_push(&repo, "v1", &signer, &options)
            .await
            .unwrap_err();
        assert!(tag_index_failure(&e), "{e}");
        assert!(e.to_string().contains("501"), "{e}");
        assert_eq!(proxy.requests("PUT", &index_path), 9);
        assert_eq!(listed().await, sorted(expected));
    });
}

/// Whether `e` is oci-client's `ReferrersIndex` error somewhere in its source chain.
fn tag_index_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if matches!(
            e.downcast_ref::<Error>(),
            Some(Error::ReferrersIndex { .. })
        ) {
            return true;
        }
        next = e.source();
    }
    false
}

#[test]
fn a_tag_index_written_by_oci_client_makes_a_remote_repositorys_read_ahead_stale() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let artifact = push_artifact(&reg.repo("app"), "v1", b"v1").await;
        // Both kinds of client of one repository in this process, through the proxy.
        let mut o = RemoteOptions::default();
        o.plain_http = true;
        let remote = RemoteRepository::new(&proxy.host, "app", o).unwrap();
        let oci = oci_through(&proxy, "app");
        let index_path = format!("/manifests/{}", referrers_tag(&artifact.digest));
        let push = |envelope: &'static [u8]| {
            PushSignature::new(&artifact, EnvelopeMediaType::Jws, envelope, BTreeMap::new())
        };
        let mut expected = vec![remote.push_signature(push(b"1")).await.unwrap().manifest];
        // A listing teaches the client that this registry takes the tag schema (so that it
        // reads the index ahead of a push).
        assert_eq!(
            remote.list_signatures(&artifact, 10).await.unwrap().len(),
            1
        );
        for (round, stored_then_failed) in [(b"23", false), (b"45", true)] {
            // The tag index read ahead of the next push, as `sign_and_push` does while it
            // signs; meanwhile an oci-client repository of it adds its signature (in the
            // second round, a write the registry stored but a gateway answered with 502).
            remote.prepare_push_signature(Some(&artifact.digest)).await;
            if stored_then_failed {
                proxy.add("PUT", &index_path, Fault::StoredThenStatus(502), 1);
            }
            let theirs = oci.push_signature(push(&round[..1])).await.unwrap();
            expected.push(theirs.manifest);
            // The read-ahead is stale: the push reads the index again and keeps that entry.
            let ours = remote.push_signature(push(&round[1..])).await.unwrap();
            expected.push(ours.manifest);
            assert_eq!(
                sorted(remote.list_signatures(&artifact, 10).await.unwrap()),
                sorted(expected.clone()),
                "round {}",
                String::from_utf8_lossy(round)
            );
        }
        assert_eq!(proxy.faults_served(), 1);
    });
}

#[test]
fn fetches_refuse_what_does_not_match_the_descriptor() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    rt().block_on(async {
        let ours = reg.repo("app");
        let theirs = oci(&reg, "app", RegistryAuth::Anonymous);
        let artifact = push_artifact(&ours, "v1", b"x").await;
        let envelope = br#"{"payload":"e30","protected":"e30","signature":"AA"}"#;
        let pushed = ours
            .push_signature(PushSignature::new(
                &artifact,
                EnvelopeMediaType::Jws,
                envelope,
                BTreeMap::new(),
            ))
            .await
            .unwrap();
        let good = theirs.fetch_signature(&pushed.manifest).await.unwrap();
        assert_eq!(good.envelope, envelope);

        // The descriptor says another size: refused, shorter or longer.
        for delta in [-1i64, 1] {
            let mut d = pushed.manifest.clone();
            d.size = d.size.checked_add_signed(delta).unwrap();
            let e = theirs.fetch_signature(&d).await.unwrap_err();
            assert!(matches!(e, Error::DigestMismatch { .. }), "{e:?}");
        }
        // Over the manifest cap, or not a manifest type: refused before any request.
        let mut huge = pushed.manifest.clone();
        huge.size = notary_registry::MAX_MANIFEST_SIZE + 1;
        assert!(matches!(
            theirs.fetch_signature(&huge).await,
            Err(Error::TooLarge {
                what: "manifest",
                ..
            })
        ));
        let mut layer = pushed.manifest.clone();
        layer.media_type = "application/octet-stream".into();
        assert!(matches!(
            theirs.fetch_signature(&layer).await,
            Err(Error::InvalidManifest { .. })
        ));

        // A signature manifest whose layer descriptor understates the envelope: the transfer
        // stops past the descriptor's size. One whose layer claims more than 32 MiB is refused
        // before the envelope is asked for. One with two layers breaks the Notary rule.
        let subject = Descriptor::new(
            artifact.media_type.clone(),
            artifact.digest.clone(),
            artifact.size,
        );
        let config = ours
            .push_blob(SIGNATURE_ARTIFACT_TYPE, b"{}")
            .await
            .unwrap();
        let mut short = pushed.blob.clone();
        short.size -= 5;
        let mut big = pushed.blob.clone();
        big.size = notary_registry::MAX_ENVELOPE_SIZE + 1;
        for (layers, check) in [
            (vec![short], "mismatch"),
            (vec![big], "too large"),
            (vec![pushed.blob.clone(), pushed.blob.clone()], "two layers"),
        ] {
            let m = manifest::image_manifest(&config, &layers, None, Some(&subject), None);
            let d = ours
                .push_manifest(manifest::IMAGE_MANIFEST, &m, None)
                .await
                .unwrap();
            let e = theirs.fetch_signature(&d).await.unwrap_err();
            match check {
                "mismatch" => assert!(matches!(e, Error::DigestMismatch { .. }), "{e:?}"),
                "too large" => assert!(
                    matches!(
                        e,
                        Error::TooLarge {
                            what: "signature envelope",
                            ..
                        }
                    ),
                    "{e:?}"
                ),
                _ => assert!(matches!(e, Error::InvalidManifest { .. }), "{e:?}"),
            }
        }

        // A manifest that is not there.
        let mut gone = pushed.manifest.clone();
        gone.digest = notary_core::DigestAlgorithm::Sha256.digest(b"nothing");
        let e = theirs.fetch_signature(&gone).await.unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    });
}

#[test]
fn basic_auth_over_tls_with_registry_auth() {
    let reg = Registry::start(
        Kind::Distribution2,
        &Options {
            basic_auth: Some(("alice".into(), "s3cret".into())),
            tls: true,
            ..Options::default()
        },
    );
    rt().block_on(async {
        let theirs = oci(
            &reg,
            "team/app",
            RegistryAuth::Basic("alice".into(), "s3cret".into()),
        );
        let mut o = RemoteOptions::default();
        o.ca_certificates_pem = reg.ca_pem.iter().cloned().collect();
        o.credentials = Arc::new(notary_registry::remote::StaticCredential(
            notary_registry::remote::Credential::Basic {
                username: "alice".into(),
                password: "s3cret".into(),
            },
        ));
        let ours = RemoteRepository::new(&reg.host, "team/app", o).unwrap();
        let artifact = push_artifact(&ours, "v1", b"secret").await;
        let c = chain(KeySpec::EcP384);
        let s = sign_and_push(
            &theirs,
            "v1",
            &c.signer().unwrap(),
            &sign_options(EnvelopeMediaType::Jws),
        )
        .await
        .unwrap();
        assert_eq!(s.artifact, artifact);
        let scope = format!("{}/team/app", reg.host);
        verify_artifact(
            &ours,
            &verifier(&c, &scope),
            &notary::artifact::VerifyArtifactRequest::new("v1", &scope, now()),
        )
        .await
        .unwrap();

        // Without credentials the registry refuses, and the error keeps oci-client's as source.
        let anonymous = oci(&reg, "team/app", RegistryAuth::Anonymous);
        let e = anonymous.resolve("v1").await.unwrap_err();
        assert!(matches!(e, Error::Registry { .. }), "{e:?}");
        let source = std::error::Error::source(&e).unwrap();
        assert!(
            source
                .downcast_ref::<oci_client::errors::OciDistributionError>()
                .is_some(),
            "{source:?}"
        );
    });
}
