//! OCI trust policy documents against notation v1.3.2's loading of one (the first JSON value
//! decoded into notation-go's `trustpolicy.Document`, then `Validate`), on structure-aware
//! mutants of a three-statement document: every JSON value replaced by one of each type,
//! deleted, repeated, escaped or re-spaced, its last character changed; members added, moved
//! or given in another case. Compared: the verdict, and when accepted, what was read (each
//! statement's name, scope count, the action of every validation, the timestamp option, trust
//! stores and identities).

use notary_core::ValidationType;
use notary_trustpolicy::{Error, OciTrustPolicy, VerifyTimestamp};

use super::envelopes::document_mutants;
use super::{compare, deliberate, hex, key, unique};

/// A document in the compact form the mutator reads: a strict statement with two scopes,
/// two stores and a subject; a permissive one with overrides and `afterCertExpiry`; the
/// wildcard statement at level skip.
const DOCUMENT: &str = concat!(
    r#"{"version":"1.0","trustPolicies":["#,
    r#"{"name":"prod","registryScopes":["registry.example/app","registry.example/web"],"#,
    r#""signatureVerification":{"level":"strict"},"trustStores":["ca:acme","signingAuthority:acme-sa"],"#,
    r#""trustedIdentities":["x509.subject: C=US, ST=WA, O=acme, CN=signer"]},"#,
    r#"{"name":"staging","registryScopes":["localhost:5000/staging"],"#,
    r#""signatureVerification":{"level":"permissive","override":{"revocation":"skip","expiry":"enforce"},"verifyTimestamp":"afterCertExpiry"},"#,
    r#""trustStores":["ca:acme","tsa:ts"],"trustedIdentities":["*"]},"#,
    r#"{"name":"wildcard","registryScopes":["*"],"signatureVerification":{"level":"skip"}}"#,
    r#"]}"#
);

fn mutants() -> Vec<Vec<u8>> {
    // Another value after the document too (notation decodes the first).
    document_mutants(DOCUMENT.as_bytes(), b" {}")
}

/// notary's reading, in the Go program's form; refusals notary makes on purpose where
/// notation reads the document (README: deliberate differences) are named.
fn check(bytes: &[u8]) -> (String, String) {
    let refused = |why: &str| ("ERR".to_string(), why.to_string());
    let doc = match OciTrustPolicy::from_json(bytes) {
        Ok(d) => d,
        Err(Error::AmbiguousMember { .. }) => return refused("member repeated or in another case"),
        Err(Error::Parse { reason }) if reason.contains("duplicate") => {
            return refused("member repeated or in another case");
        }
        Err(Error::Parse { reason }) if reason.contains("trailing") => {
            return refused("data after the document");
        }
        Err(Error::Parse { reason }) if reason.contains("escape") => {
            return refused("lone surrogate escape");
        }
        Err(_) => return refused("-"),
    };
    let mut read = format!("v={}", doc.version);
    for st in &doc.statements {
        let sv = &st.signature_verification;
        let actions: Vec<&str> = ValidationType::ALL
            .iter()
            .map(|t| sv.enforcement.action(*t).as_str())
            .collect();
        let ts = match sv.verify_timestamp {
            VerifyTimestamp::AfterCertExpiry => "afterCertExpiry",
            _ => "always",
        };
        let stores: Vec<String> = st.trust_stores.iter().map(ToString::to_string).collect();
        read.push_str(&format!(
            ";name={};scopes={};actions={};ts={ts};stores={};ids={}",
            hex(st.name.as_bytes()),
            st.registry_scopes.len(),
            actions.join(","),
            hex(stores.join(",").as_bytes()),
            hex(st.trusted_identity_strings.join("|").as_bytes()),
        ));
    }
    ("OK".into(), key(read.as_bytes()))
}

#[test]
fn trust_policy_mutants_load_as_notation_loads_them() {
    let all = unique(mutants(), "policy");
    assert_eq!(check(&all[0]).0, "OK", "the base document");
    let accepted = compare(&all, "policy-go1.26.8.txt", check, deliberate);
    assert!(
        all.len() > 500 && accepted > 100,
        "{} {accepted}",
        all.len()
    );
}
