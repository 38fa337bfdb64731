//! Authenticity (certificate byte equality with a trust-store certificate) and the trusted
//! identity.

use notary_core::SigningScheme;
use notary_core::crypto::{CryptoProvider, HashFunction};
use notary_trustpolicy::{TrustPolicyStatement, match_trusted_identity};
use notary_x509::Certificate;

use super::{StepFailure, StepResult};
use crate::truststore::{TrustStore, TrustStoreType};

/// The trust-store type a signing scheme is anchored in.
pub(crate) fn store_type_for(scheme: SigningScheme) -> TrustStoreType {
    match scheme {
        SigningScheme::X509SigningAuthority => TrustStoreType::SigningAuthority,
        _ => TrustStoreType::Ca,
    }
}

pub(crate) fn check_authenticity(
    trust_store: &dyn TrustStore,
    statement: &TrustPolicyStatement,
    scheme: SigningScheme,
    chain: &[Certificate],
) -> StepResult {
    let wanted = store_type_for(scheme);
    let mut trusted: Vec<Certificate> = Vec::new();
    for store in statement
        .trust_stores
        .iter()
        .filter(|s| s.store_type == wanted)
    {
        let certs = trust_store
            .certificates(wanted, &store.name)
            .map_err(|e| StepFailure::with_source(e.to_string(), e))?;
        trusted.extend(certs);
    }
    if trusted.is_empty() {
        return Err(StepFailure::new(format!(
            "the trust policy {:?} lists no {wanted} trust store for the signing scheme {scheme}",
            statement.name,
        )));
    }
    // Byte equality, never key equality: a re-issued certificate with the same key is not trusted.
    let anchored = chain
        .iter()
        .any(|c| trusted.iter().any(|t| t.der() == c.der()));
    if anchored {
        Ok(())
    } else {
        // notation-core-go's words (notation prints them in the warning of a logged failure).
        Err(StepFailure::new(
            "the signature's certificate chain does not contain any trusted certificate",
        ))
    }
}

pub(crate) fn check_identity(
    statement: &TrustPolicyStatement,
    chain: &[Certificate],
) -> StepResult {
    let leaf = chain.first().ok_or("the certificate chain is empty")?;
    match_trusted_identity(
        &statement.trusted_identities,
        &leaf.subject_string(),
        &statement.name,
    )
    .map_err(|e| StepFailure::with_source(e.to_string(), e))
}

/// SHA-256 thumbprints (lowercase hex) of the certificates of the statement's signing stores; an
/// unreadable store contributes nothing (this is only an ordering hint).
pub(crate) fn trusted_thumbprints(
    provider: &CryptoProvider,
    trust_store: &dyn TrustStore,
    statement: &TrustPolicyStatement,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in &statement.trust_stores {
        if s.store_type == TrustStoreType::Tsa {
            continue;
        }
        if let Ok(certs) = trust_store.certificates(s.store_type, &s.name) {
            out.extend(
                certs
                    .iter()
                    .map(|c| hex::encode(provider.hashing.hash(HashFunction::Sha256, c.der()))),
            );
        }
    }
    out
}
