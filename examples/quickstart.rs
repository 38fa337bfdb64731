//! Quickstart: sign and verify an artifact offline, in an OCI image layout on disk.
//!
//! 1. creates an OCI image layout with a small sample artifact (tag `v1`);
//! 2. generates a test key and self-signed certificate (like `notation cert generate-test`);
//! 3. signs the artifact twice, with a JWS and a COSE envelope, storing both signatures next
//!    to it in the layout;
//! 4. verifies the artifact against a strict trust policy and a trust store holding the
//!    certificate, then shows that a policy trusting someone else refuses it.
//!
//! `cargo run --release --example quickstart -- [DIR]` (default `target/quickstart`).

use std::collections::BTreeMap;
use std::sync::Arc;

use notary::artifact::{VerifyArtifactRequest, block_on, sign_and_push, verify_artifact};
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::SignatureRepository;
use notary_registry::{OciLayout, manifest};
use notary_trustpolicy::OciTrustPolicy;

fn policy(identity: &str) -> Result<OciTrustPolicy, notary_trustpolicy::Error> {
    OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"quickstart","registryScopes":["local/quickstart"],
            "signatureVerification":{{"level":"strict"}},"trustStores":["ca:quickstart"],
            "trustedIdentities":["{identity}"]}}]}}"#
        )
        .as_bytes(),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/quickstart".into());
    let _ = std::fs::remove_dir_all(&dir);
    let now = time::OffsetDateTime::now_utc();

    // 1. An artifact in an OCI image layout.
    let layout = OciLayout::create(&dir)?;
    let config = layout.push_blob(manifest::EMPTY_JSON, b"{}")?;
    let layer = layout.push_blob("text/plain", b"hello from notary-rs\n")?;
    let image = manifest::image_manifest(
        &config,
        &[layer],
        Some("application/vnd.example.hello"),
        None,
        None,
    );
    let artifact = layout.push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))?;
    println!(
        "created OCI layout {dir} with artifact {} (tag v1)",
        artifact.digest
    );

    // 2. A test key and certificate.
    let generated = notary_crypto::generate_test_certificate("quickstart", KeySpec::EcP256, now)?;
    let signer = notary_crypto::LocalSigner::from_pem(
        generated.key_pem.as_bytes(),
        generated.cert_pem.as_bytes(),
    )?;
    let cert = notary::Certificate::from_der(&generated.cert_der)?;
    println!(
        "generated test key (EC-256) and certificate {}",
        cert.subject_string()
    );

    // 3. Sign with JWS and COSE.
    for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
        let mut options = SignOptions::new(now);
        options.format = format;
        options.expiry = Some(time::Duration::days(1));
        options
            .user_metadata
            .insert("purpose".into(), "quickstart".into());
        let pushed = block_on(sign_and_push(
            &layout,
            &artifact.digest.to_string(),
            &signer,
            &options,
        ))?;
        println!(
            "signed with {format}: signature manifest {}",
            pushed.pushed.manifest.digest
        );
    }
    let listed = block_on(layout.list_signatures(&artifact, 10))?;
    println!(
        "the layout now holds {} signatures for the artifact; its digest is unchanged",
        listed.len()
    );

    // 4. Verify against a trust policy.
    let mut store = MemoryTrustStore::new(notary::default_provider());
    store.add(TrustStoreType::Ca, "quickstart", vec![cert])?;
    let store = Arc::new(store);
    let metadata = BTreeMap::from([("purpose".into(), "quickstart".into())]);
    let request =
        VerifyArtifactRequest::new("v1", "local/quickstart", now).with_user_metadata(&metadata);
    let verifier = notary::NotaryVerifier::new(notary::default_provider(), store.clone())
        .with_oci_policy(policy(
            "x509.subject: C=US, ST=WA, O=Notary, CN=quickstart",
        )?);
    let ok = block_on(verify_artifact(&layout, &verifier, &request))?;
    println!(
        "verified {} with policy {:?} (level {}): signature {}",
        ok.artifact.digest,
        ok.outcome.policy_name(),
        ok.outcome.level().name(),
        ok.signature_manifest
            .map(|d| d.digest.to_string())
            .unwrap_or_default()
    );

    let stranger = notary::NotaryVerifier::new(notary::default_provider(), store)
        .with_oci_policy(policy("x509.subject: C=US, ST=WA, O=Someone Else")?);
    match block_on(verify_artifact(&layout, &stranger, &request)) {
        Ok(_) => return Err("a policy trusting another identity must refuse the artifact".into()),
        Err(e) => println!("as expected, a policy trusting another identity refuses it: {e}"),
    }
    println!("quickstart: OK");
    Ok(())
}
