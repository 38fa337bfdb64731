//! Signatures of the Notary v2 prototypes, served by a loopback registry that implements the
//! historical ORAS artifacts API (no maintained registry serves it any more):
//! - an ORAS artifact manifest (`application/vnd.cncf.oras.artifact.manifest.v1+json`, artifact
//!   type `application/vnd.cncf.notary.v2.signature`) around an envelope signed today is found
//!   through `/oras/artifacts/v1/<name>/manifests/<digest>/referrers`, verified, and migrated by
//!   `copy --migrate` into an OCI 1.1 signature manifest (same envelope bytes) that still verifies;
//! - an nv2 JWT prototype signature is listed but refused by name, never taken for a signature.

mod support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;

use notary::artifact::{VerifyArtifactError, VerifyArtifactRequest, block_on, verify_artifact};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{Descriptor, EnvelopeMediaType, KeySpec, NotaryVerifier, SignOptions};
use notary_core::SignatureRepository;
use notary_crypto::pki::{ChainBuilder, TestChain};
use notary_registry::copy::{CopyOptions, Endpoint, copy_with};
use notary_registry::{OciLayout, RemoteOptions, RemoteReference, RemoteRepository, manifest};
use notary_trustpolicy::OciTrustPolicy;

const NOW: time::OffsetDateTime = time::macros::datetime!(2026-06-01 12:00 UTC);

/// Objects the fake registry serves for repository `app`, by digest (and the artifact by `v1`).
struct Fake {
    manifests: BTreeMap<String, (String, Vec<u8>)>,
    blobs: BTreeMap<String, Vec<u8>>,
    artifact: Descriptor,
    oras_referrers: Vec<Descriptor>,
}

fn describe(media_type: &str, bytes: &[u8]) -> Descriptor {
    Descriptor::for_content(media_type, bytes)
}

/// Starts the loopback registry; returns `127.0.0.1:PORT`.
fn serve(fake: Fake) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let fake = Arc::new(fake);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let fake = fake.clone();
            std::thread::spawn(move || {
                let req = support::read_request(&s);
                let path = req.target.split('?').next().unwrap_or("").to_string();
                let artifact = fake.artifact.digest.to_string();
                if path == "/v2/" {
                    return support::respond(&mut s, "200 OK", "application/json", b"{}");
                }
                if path == format!("/oras/artifacts/v1/app/manifests/{artifact}/referrers") {
                    let body =
                        serde_json::to_vec(&serde_json::json!({"references": fake.oras_referrers}))
                            .unwrap();
                    return support::respond(&mut s, "200 OK", "application/json", &body);
                }
                if let Some(r) = path.strip_prefix("/v2/app/manifests/") {
                    let key = if r == "v1" { artifact.as_str() } else { r };
                    if let Some((mt, body)) = fake.manifests.get(key) {
                        return support::respond(&mut s, "200 OK", mt, body);
                    }
                }
                if let Some(d) = path.strip_prefix("/v2/app/blobs/")
                    && let Some(body) = fake.blobs.get(d)
                {
                    return support::respond(&mut s, "200 OK", "application/octet-stream", body);
                }
                // No OCI referrers API, no referrers tag index: a prototype-era registry.
                support::respond(&mut s, "404 Not Found", "text/plain", b"not found");
            });
        }
    });
    addr
}

fn chain() -> TestChain {
    ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap()
}

fn image() -> (Descriptor, Vec<u8>, Vec<u8>) {
    let config = b"{\"architecture\":\"amd64\",\"os\":\"linux\"}".to_vec();
    let config_desc = describe("application/vnd.oci.image.config.v1+json", &config);
    let bytes = manifest::image_manifest(&config_desc, &[], None, None, None);
    (describe(manifest::IMAGE_MANIFEST, &bytes), bytes, config)
}

/// An ORAS artifact manifest around `envelope`, as notation <= 0.12 pushed it.
fn oras_signature(subject: &Descriptor, envelope: &[u8]) -> (Descriptor, Vec<u8>) {
    let blob = describe("application/jose+json", envelope);
    let body = serde_json::to_vec(&serde_json::json!({
        "mediaType": manifest::ORAS_ARTIFACT_MANIFEST,
        "artifactType": manifest::NOTARY_V2_SIGNATURE_TYPE,
        "blobs": [blob],
        "subject": subject,
        "annotations": {"io.cncf.notary.x509chain.thumbprint#S256": "[]"}
    }))
    .unwrap();
    let mut d = describe(manifest::ORAS_ARTIFACT_MANIFEST, &body);
    d.artifact_type = Some(manifest::NOTARY_V2_SIGNATURE_TYPE.into());
    (d, body)
}

/// An nv2 prototype signature: a manifest whose config is the nv2 JWT claims document.
fn nv2_signature(subject: &Descriptor) -> (Descriptor, Vec<u8>, Vec<u8>) {
    let jwt = b"eyJhbGciOiJSUzI1NiJ9.eyJzaWduZWQiOnt9fQ.c2ln".to_vec();
    let config = describe(manifest::NV2_CONFIG, &jwt);
    let body = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest::IMAGE_MANIFEST,
        "config": config,
        "layers": [],
        "subject": subject,
    }))
    .unwrap();
    let mut d = describe(manifest::IMAGE_MANIFEST, &body);
    d.artifact_type = Some(manifest::NV2_CONFIG.into());
    (d, body, jwt)
}

fn verifier(chain: &TestChain, scope: &str) -> NotaryVerifier {
    let provider = notary::default_provider();
    let mut store = MemoryTrustStore::new(provider);
    store
        .add(
            TrustStoreType::Ca,
            "acme",
            vec![notary_x509::Certificate::from_der(chain.root()).unwrap()],
        )
        .unwrap();
    let policy = OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["{scope}"],
            "signatureVerification":{{"level":"strict"}},"trustStores":["ca:acme"],
            "trustedIdentities":["*"]}}]}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    NotaryVerifier::new(provider, Arc::new(store)).with_oci_policy(policy)
}

fn remote(host: &str) -> RemoteRepository {
    let r = RemoteReference::parse(&format!("{host}/app:v1")).unwrap();
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    RemoteRepository::for_reference(&r, o).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn oras_signatures_verify_and_migrate_and_nv2_is_refused_by_name() {
    let chain = chain();
    let (artifact, image_bytes, config) = image();
    let mut options = SignOptions::new(NOW);
    options.format = EnvelopeMediaType::Jws;
    let envelope = notary::sign_artifact(&artifact, &chain.signer().unwrap(), &options)
        .unwrap()
        .bytes;
    let (oras, oras_bytes) = oras_signature(&artifact, &envelope);
    let (nv2, nv2_bytes, jwt) = nv2_signature(&artifact);
    let config_desc = describe("application/vnd.oci.image.config.v1+json", &config);
    let fake = Fake {
        manifests: BTreeMap::from([
            (
                artifact.digest.to_string(),
                (manifest::IMAGE_MANIFEST.into(), image_bytes),
            ),
            (
                oras.digest.to_string(),
                (manifest::ORAS_ARTIFACT_MANIFEST.into(), oras_bytes),
            ),
            (
                nv2.digest.to_string(),
                (manifest::IMAGE_MANIFEST.into(), nv2_bytes),
            ),
        ]),
        blobs: BTreeMap::from([
            (describe("", &envelope).digest.to_string(), envelope.clone()),
            (describe("", &jwt).digest.to_string(), jwt),
            (config_desc.digest.to_string(), config),
        ]),
        artifact: artifact.clone(),
        // The nv2 signature is listed first: it must be refused, and the ORAS one still found.
        oras_referrers: vec![nv2.clone(), oras.clone()],
    };
    let host = serve(fake);
    let scope = format!("{host}/app");
    let rt = runtime();
    rt.block_on(async {
        let repo = remote(&host);
        let listed = repo.list_signatures(&artifact, 10).await.unwrap();
        let digests: Vec<_> = listed.iter().map(|d| d.digest.clone()).collect();
        assert_eq!(digests, vec![nv2.digest.clone(), oras.digest.clone()]);

        // The nv2 signature is refused by name.
        let e = repo.fetch_signature(&nv2).await.unwrap_err();
        let text = e.to_string();
        assert!(text.contains("nv2 JWT prototype"), "{text}");
        assert!(text.contains("re-sign"), "{text}");
        // The ORAS one is read with its envelope bytes unchanged.
        let fetched = repo.fetch_signature(&oras).await.unwrap();
        assert_eq!(fetched.envelope, envelope);
        assert_eq!(fetched.envelope_media_type, EnvelopeMediaType::Jws);

        // Verification by tag and by digest passes through the ORAS signature.
        let v = verifier(&chain, &scope);
        for reference in ["v1".to_string(), artifact.digest.to_string()] {
            let done = verify_artifact(
                &remote(&host),
                &v,
                &VerifyArtifactRequest::new(&reference, &scope, NOW),
            )
            .await
            .unwrap_or_else(|e| panic!("{reference}: {e}"));
            assert_eq!(done.signature_manifest.unwrap().digest, oras.digest);
            assert!(done.outcome.is_verified());
        }

        // Copy without --migrate leaves the prototype signature behind; with it, the
        // destination holds an OCI 1.1 signature manifest around the same envelope.
        let plain_dir = tempfile::tempdir().unwrap();
        let plain = OciLayout::create(plain_dir.path()).unwrap();
        let report = copy_with(
            Endpoint::Remote(&repo),
            "v1",
            Endpoint::Layout(&plain),
            Some("v1"),
            &CopyOptions::default(),
            |_| {},
        )
        .await
        .unwrap();
        assert!(report.referrers.is_empty());

        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::create(dir.path()).unwrap();
        let report = copy_with(
            Endpoint::Remote(&repo),
            "v1",
            Endpoint::Layout(&layout),
            Some("v1"),
            &CopyOptions::default().with_migration(true),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(
            report.referrers.len(),
            1,
            "the nv2 signature is not migrated"
        );
        let migrated = &report.referrers[0];
        assert_eq!(migrated.media_type, manifest::IMAGE_MANIFEST);
        let sigs = layout.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(sigs.len(), 1);
        let m: manifest::Manifest = serde_json::from_slice(
            &layout
                .fetch(&sigs[0], notary_registry::MAX_MANIFEST_SIZE)
                .unwrap(),
        )
        .unwrap();
        // An OCI 1.1 image manifest of the signature type, in the form the destination writes
        // (a layout writes notation v1.x's: the type in the config media type).
        assert_eq!(m.media_type.as_deref(), Some(manifest::IMAGE_MANIFEST));
        assert!(
            m.artifact_type.as_deref() == Some(notary_core::SIGNATURE_ARTIFACT_TYPE)
                || m.config.as_ref().map(|c| c.media_type.as_str())
                    == Some(notary_core::SIGNATURE_ARTIFACT_TYPE),
            "{m:?}"
        );
        assert_eq!(m.subject.as_ref().unwrap().digest, artifact.digest);
        let f = layout.fetch_signature(&sigs[0]).await.unwrap();
        assert_eq!(f.envelope, envelope, "the envelope bytes are unchanged");
        let done = block_on(verify_artifact(
            &layout,
            &verifier(&chain, "local/app"),
            &VerifyArtifactRequest::new("v1", "local/app", NOW),
        ))
        .unwrap();
        assert!(done.outcome.is_verified());
    });
}

#[test]
fn an_artifact_with_only_an_nv2_signature_fails_naming_the_format() {
    let chain = chain();
    let (artifact, image_bytes, config) = image();
    let (nv2, nv2_bytes, jwt) = nv2_signature(&artifact);
    let config_desc = describe("application/vnd.oci.image.config.v1+json", &config);
    let host = serve(Fake {
        manifests: BTreeMap::from([
            (
                artifact.digest.to_string(),
                (manifest::IMAGE_MANIFEST.into(), image_bytes),
            ),
            (
                nv2.digest.to_string(),
                (manifest::IMAGE_MANIFEST.into(), nv2_bytes),
            ),
        ]),
        blobs: BTreeMap::from([
            (describe("", &jwt).digest.to_string(), jwt),
            (config_desc.digest.to_string(), config),
        ]),
        artifact: artifact.clone(),
        oras_referrers: vec![nv2],
    });
    let scope = format!("{host}/app");
    let e = runtime()
        .block_on(verify_artifact(
            &remote(&host),
            &verifier(&chain, &scope),
            &VerifyArtifactRequest::new("v1", &scope, NOW),
        ))
        .unwrap_err();
    assert!(matches!(e, VerifyArtifactError::AllFailed { .. }), "{e}");
    assert!(e.to_string().contains("nv2 JWT prototype"), "{e}");
}
