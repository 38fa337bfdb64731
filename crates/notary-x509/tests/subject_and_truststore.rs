//! Go-compatible subject rendering on real certificates, and trust-store certificate rules.

#[macro_use]
mod common;

use common::*;
use notary_x509::{Error, TrustStoreType, read_certificates};

for_each_provider! {
    #[test]
    fn subjects_render_like_go() {
        let cases = [
            (
                "notation-go/verifier-testdata/verifier/signing-cert.pem",
                "CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US",
            ),
            (
                "derived/extracted-certs/testcert2.crt",
                "CN=testcert2,O=Notary,L=Seattle,ST=WA,C=US",
            ),
            (
                "derived/extracted-certs/testcert7.crt",
                "CN=testcert7,O=Notary,L=Seattle,ST=WA,C=US",
            ),
            (
                "derived/extracted-certs/notation-go-alpine-2000-2123.crt",
                "CN=alpine,O=Notary,L=Seattle,ST=WA,C=US",
            ),
            (
                "derived/extracted-certs/notation-go-testTSA-expired-2024-06-18.crt",
                "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US",
            ),
            (
                "notation-core-go/x509/timestamp_intermediate.crt",
                r"CN=DigiCert Trusted G4 RSA4096 SHA256 TimeStamping CA,O=DigiCert\, Inc.,C=US",
            ),
            (
                "notation-core-go/x509/timestamp_root.crt",
                "CN=DigiCert Trusted Root G4,OU=www.digicert.com,O=DigiCert Inc,C=US",
            ),
            (
                "notation-go/verifier-testdata/truststore/x509/ca/valid-trust-store/GlobalSignRootCA.crt",
                "CN=GlobalSign,OU=GlobalSign Root CA - R3,O=GlobalSign",
            ),
        ];
        for (rel, want) in cases {
            assert_eq!(cert(&interop(rel)).subject_string(), want, "{rel}");
        }
        // Empty ST and L values are kept as "ST=" and "L=".
        let nsi = cert(&interop("notation-e2e/config/timestamp/notSelfIssued.crt"));
        assert_eq!(nsi.issuer_string(), "CN=test,O=Notary,L=,ST=,C=US");
        assert_eq!(
            nsi.subject_string(),
            "CN=test,O=Notary,L=Seattle,ST=WA,C=US"
        );
    }

    fn store_certs(kind: &str, name: &str) -> Vec<(String, notary_x509::Certificate)> {
        let dir = interop(&format!(
            "notation-go/verifier-testdata/truststore/x509/{kind}/{name}"
        ));
        let mut out = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let bytes = std::fs::read(&path).unwrap();
            for c in read_certificates(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
                out.push((path.display().to_string(), c));
            }
        }
        out
    }

    #[test]
    fn notation_go_trust_stores() {
        for (kind, store) in [
            ("ca", TrustStoreType::Ca),
            ("signingAuthority", TrustStoreType::SigningAuthority),
        ] {
            let certs = store_certs(kind, "valid-trust-store");
            assert!(!certs.is_empty());
            for (path, c) in &certs {
                check_trust_store_certificate(c, store).unwrap_or_else(|e| panic!("{path}: {e}"));
            }
        }
        for (path, c) in store_certs("tsa", "test-timestamp") {
            check_trust_store_certificate(&c, TrustStoreType::Tsa)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        // The invalid store's file is not a certificate at all.
        let bad = std::fs::read(interop(
            "notation-go/verifier-testdata/truststore/x509/ca/trust-store-with-invalid-certs/invalid",
        ))
        .unwrap();
        assert!(matches!(read_certificates(&bad), Err(Error::Parse { .. })));
    }

    #[test]
    fn trust_store_rules_on_fixtures() {
        // A leaf that is neither a CA nor self-signed.
        let leaf = fx("valid/leaf.pem");
        match check_trust_store_certificate(&leaf, TrustStoreType::Ca) {
            Err(Error::NotCaOrSelfSigned { store, .. }) => assert_eq!(store, "ca"),
            other => panic!("{other:?}"),
        }
        // A self-signed signing certificate is fine in ca/signingAuthority but is no TSA root
        // (not allowed to sign certificates).
        let selfsigned = fx("self-signed/leaf.pem");
        check_trust_store_certificate(&selfsigned, TrustStoreType::SigningAuthority).unwrap();
        assert!(matches!(
            check_trust_store_certificate(&selfsigned, TrustStoreType::Tsa),
            Err(Error::NotSelfSigned { .. })
        ));
        // An intermediate CA is accepted in ca stores (pinning) but not in tsa stores.
        let inter = fx("valid/inter.pem");
        check_trust_store_certificate(&inter, TrustStoreType::Ca).unwrap();
        assert!(matches!(
            check_trust_store_certificate(&inter, TrustStoreType::Tsa),
            Err(Error::NotSelfSigned { .. })
        ));
        check_trust_store_certificate(&fx("valid/root.pem"), TrustStoreType::Tsa).unwrap();
    }

    #[test]
    fn trust_store_type_names() {
        for t in TrustStoreType::ALL {
            assert_eq!(t.as_str().parse::<TrustStoreType>().unwrap(), t);
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(
            "signingAuthority".parse::<TrustStoreType>().unwrap(),
            TrustStoreType::SigningAuthority
        );
        assert!(matches!(
            "CA".parse::<TrustStoreType>(),
            Err(notary_core::Error::Unsupported { .. })
        ));
    }
}
