//! Statement selection compares registry names in canonical form: a reference that spells the
//! registry differently (case, explicit `:443`) must not fall through to a weaker `*` statement.

use notary_trustpolicy::{Error, OciTrustPolicy};

const DIGEST: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

fn policy(scope: &str) -> Result<OciTrustPolicy, Error> {
    OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[
            {{"name":"strict","registryScopes":["{scope}"],"signatureVerification":{{"level":"strict"}},
              "trustStores":["ca:s"],"trustedIdentities":["*"]}},
            {{"name":"anything","registryScopes":["*"],"signatureVerification":{{"level":"skip"}}}}]}}"#
        )
        .as_bytes(),
    )
}

#[test]
fn differently_spelled_registries_select_the_strict_statement() {
    let p = policy("registry.example/app").unwrap();
    for name in [
        "registry.example/app",
        "REGISTRY.EXAMPLE/app",
        "Registry.Example/app",
        "registry.example:443/app",
        "REGISTRY.example:0443/app",
    ] {
        let st = p.statement_for(&format!("{name}@{DIGEST}")).unwrap();
        assert_eq!(st.name, "strict", "{name}");
    }
    // Another port, or another repository, is another scope.
    for name in [
        "registry.example:80/app",
        "registry.example:5000/app",
        "registry.example/app2",
    ] {
        let st = p.statement_for(&format!("{name}@{DIGEST}")).unwrap();
        assert_eq!(st.name, "anything", "{name}");
    }
}

#[test]
fn policy_scopes_are_canonicalised_when_loaded() {
    for scope in ["REGISTRY.EXAMPLE/app", "registry.example:443/app"] {
        let p = policy(scope).unwrap();
        assert_eq!(p.statements[0].registry_scopes, ["registry.example/app"]);
        let st = p
            .statement_for(&format!("registry.example/app@{DIGEST}"))
            .unwrap();
        assert_eq!(st.name, "strict", "{scope}");
    }
    // Two spellings of one scope in two statements are the duplicate notation refuses.
    let e = OciTrustPolicy::from_json(
        br#"{"version":"1.0","trustPolicies":[
        {"name":"a","registryScopes":["registry.example/app"],"signatureVerification":{"level":"skip"}},
        {"name":"b","registryScopes":["Registry.Example:443/app"],"signatureVerification":{"level":"skip"}}]}"#,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Invalid {
                field: "registryScopes",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("multiple"), "{e}");
}

#[test]
fn invalid_repositories_are_refused_with_a_typed_error() {
    let p = policy("registry.example/app").unwrap();
    for name in [
        "registry.example/App",
        "registry.example/a._b",
        "registry.example/a..b",
        "registry.example/a___b",
        "registry.example//app",
        "registry.example/app/",
        "registry_example/app",
    ] {
        let e = p.statement_for(&format!("{name}@{DIGEST}")).unwrap_err();
        assert!(matches!(e, Error::InvalidReference { .. }), "{name}: {e:?}");
    }
    // No length limit on a scope, as in notation: a long one is matched like any other (an
    // OCI layout's --scope never reaches a registry).
    let long = format!("registry.example/{}", "a".repeat(300));
    let reference = format!("{long}@{DIGEST}");
    assert_eq!(p.statement_for(&reference).unwrap().name, "anything");
    assert_eq!(
        policy(&long)
            .unwrap()
            .statement_for(&reference)
            .unwrap()
            .name,
        "strict"
    );
}
