//! A registry vendor's view: "these envelope bytes, this policy, this trust store: verdict?",
//! with only the small crates (`notary-verifier` and what it needs: no async runtime, no HTTP
//! client, no process spawning).
//!
//! ```text
//! cargo run -p notary-verifier --example verify_envelope -- \
//!     ENVELOPE MEDIA_TYPE ARTIFACT_DESCRIPTOR.json SCOPE TRUSTPOLICY.json ROOT.pem
//! ```
//! Without arguments it signs a demo artifact with a throw-away test CA and verifies that.

use std::sync::Arc;

use notary_core::{Descriptor, EnvelopeMediaType, Verifier, VerifyRequest};
use notary_trustpolicy::{OciTrustPolicy, TrustStoreType};
use notary_verifier::NotaryVerifier;
use notary_verifier::truststore::MemoryTrustStore;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (envelope, media_type, artifact, scope, policy, root_pem) = match args.as_slice() {
        [envelope, media_type, descriptor, scope, policy, root] => (
            std::fs::read(envelope)?,
            media_type.parse::<EnvelopeMediaType>()?,
            serde_json::from_slice::<Descriptor>(&std::fs::read(descriptor)?)?,
            scope.clone(),
            std::fs::read(policy)?,
            std::fs::read(root)?,
        ),
        [] => demo::material()?,
        _ => {
            return Err(
                "usage: verify_envelope ENVELOPE MEDIA_TYPE DESCRIPTOR SCOPE POLICY ROOT_PEM"
                    .into(),
            );
        }
    };

    // The whole embedding: a provider, a trust store, a policy, one call.
    let provider = notary_verifier::default_provider();
    let mut store = MemoryTrustStore::new(provider);
    store.add_pem(TrustStoreType::Ca, "vendor", &root_pem)?;
    let verifier = NotaryVerifier::new(provider, Arc::new(store))
        .with_oci_policy(OciTrustPolicy::from_json(&policy)?);
    let now = time::OffsetDateTime::now_utc();
    match verifier.verify(VerifyRequest::oci(
        &envelope, media_type, &scope, &artifact, now,
    )) {
        // A `skip` statement is an `Ok` too, and it verified nothing: say which it was.
        Ok(outcome) => {
            if outcome.is_verified() {
                println!(
                    "verified: policy {:?}, level {}, {} warning(s)",
                    outcome.policy_name(),
                    outcome.level(),
                    outcome.warnings().count()
                );
            } else {
                println!(
                    "not verified: policy {:?} skips verification for {scope}",
                    outcome.policy_name()
                );
            }
            Ok(())
        }
        Err(e) => Err(format!("refused: {e}").into()),
    }
}

/// Demo material: a test CA, an artifact signed in COSE and a strict policy for it.
mod demo {
    use notary_core::{Descriptor, EnvelopeMediaType, KeySpec, Payload, SignRequest, Signer as _};

    /// Envelope, its format, the artifact, the scope, the policy document and the root PEM.
    pub type Material = (
        Vec<u8>,
        EnvelopeMediaType,
        Descriptor,
        String,
        Vec<u8>,
        Vec<u8>,
    );

    pub fn material() -> Result<Material, super::Error> {
        let now = time::OffsetDateTime::now_utc();
        let chain = notary_crypto::pki::ChainBuilder::new(KeySpec::EcP256, now).build()?;
        let artifact = Descriptor::new(
            "application/vnd.oci.image.manifest.v1+json",
            "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9".parse()?,
            942,
        );
        let signer = chain.signer()?;
        let request = SignRequest::new(Payload::new(artifact.clone()).to_cose_json()?, now);
        let unsigned = notary_envelope_cose::prepare(&request, signer.key_spec()?)?;
        let raw = signer.sign(unsigned.signing_input())?;
        let envelope = unsigned.finish(raw)?;
        let root = pem::encode(&pem::Pem::new("CERTIFICATE", chain.root().to_vec()));
        let policy = br#"{"version": "1.0", "trustPolicies": [{"name": "vendor-images",
            "registryScopes": ["registry.example/app"], "signatureVerification": {"level": "strict"},
            "trustStores": ["ca:vendor"], "trustedIdentities": ["x509.subject: C=US, ST=WA, O=Notary"]}]}"#;
        Ok((
            envelope,
            EnvelopeMediaType::Cose,
            artifact,
            "registry.example/app".into(),
            policy.to_vec(),
            root.into_bytes(),
        ))
    }
}
