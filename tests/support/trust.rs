//! Shared by the live tests: a test chain, a verifier trusting its root for one scope, a
//! runtime.
#![allow(dead_code)]

use std::sync::Arc;

use notary::KeySpec;
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary_crypto::pki::{ChainBuilder, TestChain};
use notary_trustpolicy::OciTrustPolicy;

/// The wall clock: live tests talk to real services that read it too.
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// A fresh root -> intermediate -> leaf chain with a `spec` leaf key, valid now.
pub fn chain(spec: KeySpec) -> TestChain {
    ChainBuilder::new(spec, now()).build().unwrap()
}

/// A strict verifier trusting `chain`'s root (trust store `ca:s`) for `scope` (or `*`).
pub fn verifier(chain: &TestChain, scope: &str) -> notary::NotaryVerifier {
    let mut store = MemoryTrustStore::new(notary::default_provider());
    let root = notary_x509::Certificate::from_der(chain.root()).unwrap();
    store.add(TrustStoreType::Ca, "s", vec![root]).unwrap();
    let policy = OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["{scope}"],
            "signatureVerification":{{"level":"strict"}},"trustStores":["ca:s"],"trustedIdentities":["*"]}}]}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store)).with_oci_policy(policy)
}
