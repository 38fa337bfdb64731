//! Every certificate file in the interop corpus parses (except the deliberately broken ones),
//! and the real TSA chains embedded in timestamp tokens satisfy the timestamping rules.

#[macro_use]
mod common;

use common::*;
use notary_x509::read_certificates;

for_each_provider! {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "crt" | "pem" | "cer"))
            {
                out.push(path);
            }
        }
    }

    #[test]
    fn all_corpus_certificate_files_parse() {
        let mut files = Vec::new();
        walk(std::path::Path::new(&interop("")), &mut files);
        files.sort();
        let broken = ["notation-e2e/config/timestamp/invalid.crt"];
        let mut parsed = 0;
        for path in &files {
            let shown = path.display().to_string();
            let bytes = std::fs::read(path).unwrap();
            // Private keys live beside certificates in a few fixture folders.
            if bytes.windows(11).any(|w| w == b"PRIVATE KEY") {
                continue;
            }
            let result = read_certificates(&bytes);
            if broken.iter().any(|b| shown.ends_with(b)) {
                assert!(result.is_err(), "{shown}");
                continue;
            }
            let certs = result.unwrap_or_else(|e| panic!("{shown}: {e}"));
            for c in &certs {
                // Rendering and key inspection never panic.
                let _ = (
                    c.subject_string(),
                    c.issuer_string(),
                    c.key_spec(),
                    x509().is_self_signed(c),
                );
            }
            parsed += certs.len();
        }
        assert!(parsed >= 45, "parsed only {parsed} certificates");
    }

    #[test]
    fn globalsign_tsa_chain_from_token() {
        let chain = read_certificates(&read(&interop(
            "derived/tsa-tokens/notation-go-jwsWithTimestamp.tsa-certs.pem",
        )))
        .unwrap();
        assert_eq!(chain.len(), 3);
        assert_eq!(
            chain[0].subject_string(),
            "CN=Globalsign TSA for Advanced - G4 - 202311,O=GlobalSign nv-sa,C=BE"
        );
        validate_timestamping_chain(&chain, None).unwrap();
        validate_timestamping_chain(&chain, Some(chain[0].not_before())).unwrap();
        assert!(validate_code_signing_chain(&chain, None).is_err());
    }

    #[test]
    fn microsoft_tsa_leaf_has_two_ous() {
        let certs = read_certificates(&read(&interop(
            "derived/tsa-tokens/blob.jws.sig.tsa-certs.pem",
        )))
        .unwrap();
        let leaf = certs
            .iter()
            .find(|c| {
                c.subject_string()
                    .starts_with("CN=Microsoft Public RSA Time Stamping Authority")
            })
            .unwrap();
        // Go groups both OU values into one multi-valued RDN, in DER order.
        assert_eq!(
            leaf.subject_string(),
            "CN=Microsoft Public RSA Time Stamping Authority,OU=Microsoft America Operations+OU=nShield TSS ESN:7800-05E0-D947,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US"
        );
        let ca = certs.iter().find(|c| c.is_ca()).unwrap();
        x509().verify_signed_by(leaf, ca).unwrap();
    }

    #[test]
    fn e2e_local_keys_are_self_signed_signing_certs() {
        for name in ["e2e.crt", "new_e2e.crt", "expired_e2e.crt"] {
            let c = cert(&interop(&format!("notation-e2e/config/localkeys/{name}")));
            assert!(x509().is_self_signed(&c), "{name}");
            validate_code_signing_chain(std::slice::from_ref(&c), None).unwrap();
        }
        let expired = cert(&interop("notation-e2e/config/localkeys/expired_e2e.crt"));
        assert!(matches!(
            validate_code_signing_chain(
                std::slice::from_ref(&expired),
                Some(time::macros::datetime!(2024-01-01 00:00 UTC))
            ),
            Err(notary_x509::Error::Expired { index: 0, .. })
        ));
    }

    /// Cross-checks this crate's certificate decoding against x509-parser on every corpus and
    /// fixture certificate: validity, version, basicConstraints, keyUsage and extendedKeyUsage.
    #[test]
    fn decoding_agrees_with_x509_parser() {
        use x509_parser::prelude::{FromDer, X509Certificate};
        let mut files = Vec::new();
        walk(std::path::Path::new(&interop("")), &mut files);
        walk(std::path::Path::new(&fixture("")), &mut files);
        let mut checked = 0;
        for path in files {
            let Ok(certs) = read_certificates(&std::fs::read(&path).unwrap()) else {
                continue;
            };
            for c in certs {
                let shown = path.display();
                let (_, x) = X509Certificate::from_der(c.der()).unwrap();
                let tbs = &x.tbs_certificate;
                assert_eq!(c.version(), tbs.version.0 + 1, "{shown}");
                assert_eq!(
                    c.not_before(),
                    tbs.validity.not_before.to_datetime(),
                    "{shown}"
                );
                assert_eq!(
                    c.not_after(),
                    tbs.validity.not_after.to_datetime(),
                    "{shown}"
                );
                assert_eq!(c.tbs_der(), tbs.as_ref(), "{shown}");
                assert_eq!(c.subject_raw(), tbs.subject.as_raw(), "{shown}");
                assert_eq!(c.issuer_raw(), tbs.issuer.as_raw(), "{shown}");
                assert_eq!(c.spki_der(), tbs.subject_pki.raw, "{shown}");
                assert_eq!(c.signature(), x.signature_value.as_ref(), "{shown}");
                let bc = tbs.basic_constraints().unwrap();
                assert_eq!(
                    c.basic_constraints()
                        .map(|b| (b.ca, b.path_len, b.critical)),
                    bc.map(|b| (
                        b.value.ca,
                        b.value.path_len_constraint.map(u64::from),
                        b.critical
                    )),
                    "{shown}"
                );
                let ku = tbs.key_usage().unwrap();
                assert_eq!(
                    c.key_usage().map(|k| (k.bits, k.critical)),
                    ku.map(|k| (k.value.flags, k.critical)),
                    "{shown}"
                );
                let eku = tbs.extended_key_usage().unwrap();
                assert_eq!(
                    c.extended_key_usage().map(|e| (
                        e.contains(notary_x509::ExtendedKeyUsage::TIME_STAMPING),
                        e.critical
                    )),
                    eku.map(|e| (e.value.time_stamping, e.critical)),
                    "{shown}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 80, "checked {checked}");
    }
}
