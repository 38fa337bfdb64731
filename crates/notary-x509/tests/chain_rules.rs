//! Each fixture chain from testdata/gen.sh breaks exactly one rule; each gives its own error.

#[macro_use]
mod common;

use common::*;
use notary_x509::{Certificate, ChainPurpose, Error};
use time::macros::datetime;

for_each_provider! {
    fn valid() -> (Certificate, Certificate, Certificate) {
        (
            fx("valid/leaf.pem"),
            fx("valid/inter.pem"),
            fx("valid/root.pem"),
        )
    }

    /// Leaf from `dir` under the valid intermediate and root.
    fn with_leaf(dir: &str) -> Vec<Certificate> {
        let (_, inter, root) = valid();
        vec![fx(&format!("{dir}/leaf.pem")), inter, root]
    }

    /// Leaf and intermediate from `dir` under the valid root.
    fn with_inter(dir: &str) -> Vec<Certificate> {
        let (_, _, root) = valid();
        vec![
            fx(&format!("{dir}/leaf.pem")),
            fx(&format!("{dir}/inter.pem")),
            root,
        ]
    }

    const AT: time::OffsetDateTime = datetime!(2025-06-01 00:00 UTC);

    #[test]
    fn valid_chains_pass() {
        let (leaf, inter, root) = valid();
        let chain = vec![leaf, inter, root];
        validate_code_signing_chain(&chain, None).unwrap();
        validate_code_signing_chain(&chain, Some(AT)).unwrap();
        // Validity bounds are inclusive.
        validate_code_signing_chain(&chain, Some(chain[0].not_before())).unwrap();
        validate_code_signing_chain(&chain, Some(chain[0].not_after())).unwrap();
        // EC chain (ECDSA with mixed hashes), PSS-signed RSA-4096 leaf, Ed25519-signed leaf.
        validate_code_signing_chain(
            &[fx("ec/leaf.pem"), fx("ec/inter.pem"), fx("ec/root.pem")],
            Some(AT),
        )
        .unwrap();
        validate_code_signing_chain(&with_leaf("pss"), Some(AT)).unwrap();
        validate_code_signing_chain(&[fx("ed25519/leaf.pem"), fx("ed25519/root.pem")], Some(AT))
            .unwrap();
        // Lone self-signed signing cert; root alone fails the leaf rules.
        validate_code_signing_chain(&[fx("self-signed/leaf.pem")], Some(AT)).unwrap();
        // Intermediate with a non-critical key usage is fine for timestamping, not code signing.
        validate_timestamping_chain(&with_leaf("tsa_leaf"), Some(AT)).unwrap();
        validate_timestamping_chain(&with_leaf("tsa_leaf_ku_not_critical"), Some(AT)).unwrap();
    }

    #[test]
    fn empty_chain() {
        assert_eq!(
            validate_code_signing_chain(&[], None),
            Err(Error::EmptyChain)
        );
        assert_eq!(
            validate_timestamping_chain(&[], None),
            Err(Error::EmptyChain)
        );
    }

    #[test]
    fn leaf_key_usage_rules() {
        assert!(matches!(
            validate_code_signing_chain(&with_leaf("leaf_no_ku"), None),
            Err(Error::MissingKeyUsage { index: 0, .. })
        ));
        assert!(matches!(
            validate_code_signing_chain(&with_leaf("leaf_ku_not_critical"), None),
            Err(Error::KeyUsageNotCritical { index: 0, .. })
        ));
        match validate_code_signing_chain(&with_leaf("leaf_ku_forbidden"), None) {
            Err(Error::ForbiddenKeyUsage {
                index: 0,
                usages,
                subject,
            }) => {
                assert_eq!(usages, "KeyEncipherment");
                assert_eq!(
                    subject,
                    "CN=Notary leaf_ku_forbidden,OU=Test,O=Notary,L=Seattle,ST=WA,C=US"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            validate_code_signing_chain(&with_leaf("leaf_no_digsig"), None),
            Err(Error::MissingDigitalSignature { index: 0, .. })
        ));
        // Timestamping does not require a critical key usage.
        assert!(matches!(
            validate_timestamping_chain(&with_leaf("tsa_leaf_ku_not_critical"), None),
            Ok(())
        ));
    }

    #[test]
    fn leaf_is_ca() {
        assert!(matches!(
            validate_code_signing_chain(&with_leaf("leaf_ca"), None),
            Err(Error::LeafIsCa { index: 0, .. })
        ));
    }

    #[test]
    fn code_signing_eku() {
        match validate_code_signing_chain(&with_leaf("leaf_eku_server"), None) {
            Err(Error::ForbiddenExtKeyUsage {
                index: 0, usage, ..
            }) => assert_eq!(usage, "serverAuth"),
            other => panic!("{other:?}"),
        }
        // Stricter than notation-go: anyExtendedKeyUsage is refused (spec).
        match validate_code_signing_chain(&with_leaf("leaf_eku_any"), None) {
            Err(Error::ForbiddenExtKeyUsage {
                index: 0, usage, ..
            }) => {
                assert_eq!(usage, "anyExtendedKeyUsage")
            }
            other => panic!("{other:?}"),
        }
        // A TSA certificate cannot sign code.
        match validate_code_signing_chain(&with_leaf("tsa_leaf"), None) {
            Err(Error::ForbiddenExtKeyUsage {
                index: 0, usage, ..
            }) => assert_eq!(usage, "timeStamping"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn timestamping_eku() {
        assert!(matches!(
            validate_timestamping_chain(&with_leaf("tsa_leaf_eku_not_critical"), None),
            Err(Error::ExtKeyUsageNotCritical { index: 0, .. })
        ));
        match validate_timestamping_chain(&with_leaf("tsa_leaf_eku_extra"), None) {
            Err(Error::TimestampingExtKeyUsage {
                index: 0, found, ..
            }) => {
                assert_eq!(found, "1.3.6.1.5.5.7.3.8, 1.3.6.1.5.5.7.3.3")
            }
            other => panic!("{other:?}"),
        }
        // A code-signing leaf has no timeStamping EKU.
        assert!(matches!(
            validate_timestamping_chain(&with_leaf("valid"), None),
            Err(Error::TimestampingExtKeyUsage { index: 0, .. })
        ));
    }

    #[test]
    fn leaf_key_size() {
        assert!(matches!(
            validate_code_signing_chain(&with_leaf("leaf_rsa1024"), None),
            Err(Error::LeafKeyUnsupported { index: 0, .. })
        ));
    }

    #[test]
    fn a_ca_key_notary_does_not_verify_with_is_named_as_that_certificates_key() {
        // An RSA-1024 root: the error names the root and its key, not the leaf's signature.
        let chain = vec![fx("ca_rsa1024/leaf.pem"), fx("ca_rsa1024/root.pem")];
        match validate_code_signing_chain(&chain, None) {
            Err(e @ Error::CertificateKeyUnsupported { index: 1, .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains("Notary rsa1024 Root") && text.contains("1024 bits"),
                    "{text}"
                );
            }
            other => panic!("{other:?}"),
        }
        // The same root as a TSA root file.
        match validate_tsa_root_certificate(&read(&fixture("ca_rsa1024/root.pem"))) {
            Err(Error::CertificateKeyUnsupported { index: 0, reason, .. }) => {
                assert!(reason.contains("1024 bits"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sha1_signature_refused() {
        match validate_code_signing_chain(&with_leaf("leaf_sha1"), None) {
            Err(Error::WeakCertificateSignature {
                index: 0,
                algorithm,
                ..
            }) => {
                assert_eq!(algorithm, "sha1WithRSAEncryption")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ca_rules() {
        assert!(matches!(
            validate_code_signing_chain(&with_inter("inter_no_ku"), None),
            Err(Error::MissingKeyUsage { index: 1, .. })
        ));
        assert!(matches!(
            validate_code_signing_chain(&with_inter("inter_ku_not_critical"), None),
            Err(Error::KeyUsageNotCritical { index: 1, .. })
        ));
        assert!(matches!(
            validate_code_signing_chain(&with_inter("inter_no_certsign"), None),
            Err(Error::MissingKeyCertSign { index: 1, .. })
        ));
        assert!(matches!(
            validate_code_signing_chain(&with_inter("inter_no_bc"), None),
            Err(Error::CaBasicConstraints { index: 1, .. })
        ));
    }

    #[test]
    fn path_length() {
        let chain = vec![
            fx("root_pathlen/leaf.pem"),
            fx("root_pathlen/inter.pem"),
            fx("root_pathlen/root.pem"),
        ];
        match validate_code_signing_chain(&chain, None) {
            Err(Error::PathLength {
                index: 2,
                path_len: 0,
                expected: 1,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        // Without the intermediate the root's pathLen 0 is enough, but the leaf is then not
        // signed by the root.
        let short = vec![chain[0].clone(), chain[2].clone()];
        assert!(matches!(
            validate_code_signing_chain(&short, None),
            Err(Error::InvalidSignature { index: 0, .. })
        ));
    }

    #[test]
    fn self_signed_intermediate() {
        let (_, _, root) = valid();
        let chain = vec![
            fx("inter_self_signed/leaf.pem"),
            fx("inter_self_signed/inter.pem"),
            root,
        ];
        assert!(matches!(
            validate_code_signing_chain(&chain, None),
            Err(Error::SelfSignedNonRoot { index: 1, .. })
        ));
    }

    #[test]
    fn wrong_order() {
        let (leaf, inter, root) = valid();
        assert!(matches!(
            validate_code_signing_chain(&[root.clone(), inter.clone(), leaf.clone()], None),
            Err(Error::SelfSignedNonRoot { index: 0, .. })
        ));
        assert!(matches!(
            validate_code_signing_chain(&[inter.clone(), leaf.clone(), root.clone()], None),
            Err(Error::InvalidSignature { index: 0, .. })
        ));
        // Missing root: the last certificate is not self-signed.
        assert!(matches!(
            validate_code_signing_chain(&[leaf.clone(), inter.clone()], None),
            Err(Error::NotSelfSigned { index: 1, .. })
        ));
        // Extra root at the end.
        assert!(matches!(
            validate_code_signing_chain(&[leaf, inter, root.clone(), root], None),
            Err(Error::SelfSignedNonRoot { index: 2, .. })
        ));
    }

    /// A repeated certificate never passes: it is either an extra self-signed certificate or
    /// not signed by its copy.
    #[test]
    fn duplicate_certificates() {
        let (leaf, inter, root) = valid();
        assert!(matches!(
            validate_code_signing_chain(&[leaf.clone(), leaf.clone(), inter.clone(), root.clone()], None),
            Err(Error::InvalidSignature { index: 0, .. })
        ));
        assert!(matches!(
            validate_code_signing_chain(&[leaf, inter.clone(), inter, root.clone()], None),
            Err(Error::InvalidSignature { index: 1, .. })
        ));
        assert!(matches!(
            validate_code_signing_chain(&[root.clone(), root], None),
            Err(Error::SelfSignedNonRoot { index: 0, .. })
        ));
        let lone = fx("self-signed/leaf.pem");
        assert!(matches!(
            validate_code_signing_chain(&[lone.clone(), lone], None),
            Err(Error::SelfSignedNonRoot { index: 0, .. })
        ));
    }

    #[test]
    fn issuer_name_mismatch() {
        // Signed with the intermediate's key, but naming another issuer.
        assert!(matches!(
            validate_code_signing_chain(&with_leaf("issuer_mismatch"), None),
            Err(Error::IssuerMismatch { index: 0, .. })
        ));
    }

    #[test]
    fn validity_period() {
        let chain = with_leaf("leaf_expired");
        // Structural check ignores validity.
        validate_code_signing_chain(&chain, None).unwrap();
        match validate_code_signing_chain(&chain, Some(AT)) {
            Err(Error::Expired {
                index: 0,
                not_after,
                ..
            }) => assert_eq!(not_after, "2021-01-01T00:00:00Z"),
            other => panic!("{other:?}"),
        }
        // The leaf is valid in 2020, the intermediate and root start in 2024.
        assert!(matches!(
            validate_code_signing_chain(&chain, Some(datetime!(2020-06-01 00:00 UTC))),
            Err(Error::NotYetValid { index: 1, .. })
        ));
        let (leaf, inter, root) = valid();
        let just_before = leaf.not_before() - time::Duration::SECOND;
        match validate_chain(
            &[leaf, inter, root],
            ChainPurpose::CodeSigning,
            Some(just_before),
        ) {
            Err(Error::NotYetValid {
                index: 0,
                not_before,
                ..
            }) => assert_eq!(not_before, "2024-01-01T00:00:00Z"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lone_certificates() {
        // Root alone: self-signed but a CA, so the leaf rules fail.
        let (leaf, _, root) = valid();
        assert!(matches!(
            validate_code_signing_chain(&[root], None),
            Err(Error::LeafIsCa { index: 0, .. })
        ));
        // A leaf alone is not self-signed.
        assert!(matches!(
            validate_code_signing_chain(&[leaf], None),
            Err(Error::NotSelfSigned { index: 0, .. })
        ));
        // notSelfIssued.crt verifies with its own key but its issuer bytes differ from its subject.
        let nsi = cert(&interop("notation-e2e/config/timestamp/notSelfIssued.crt"));
        assert!(x509().check_self_signature(&nsi).is_ok());
        assert!(matches!(
            validate_code_signing_chain(&[nsi], None),
            Err(Error::NotSelfIssued { index: 0, .. })
        ));
    }

    #[test]
    fn real_digicert_tsa_chain() {
        let leaf = cert(&interop("notation-core-go/x509/timestamp_leaf.crt"));
        let inter = cert(&interop("notation-core-go/x509/timestamp_intermediate.crt"));
        let root = cert(&interop("notation-core-go/x509/timestamp_root.crt"));
        let chain = vec![leaf.clone(), inter.clone(), root];
        validate_timestamping_chain(&chain, None).unwrap();
        validate_timestamping_chain(&chain, Some(leaf.not_before())).unwrap();
        // A TSA leaf is not a code-signing leaf.
        assert!(matches!(
            validate_code_signing_chain(&chain, None),
            Err(Error::ForbiddenExtKeyUsage { index: 0, ref usage, .. }) if usage == "timeStamping"
        ));
        match validate_timestamping_chain(&[leaf, inter], None) {
            Err(Error::NotSelfSigned {
                index: 1, subject, ..
            }) => assert_eq!(
                subject,
                r"CN=DigiCert Trusted G4 RSA4096 SHA256 TimeStamping CA,O=DigiCert\, Inc.,C=US"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_error_message_names_the_subject() {
        let cases: Vec<Vec<Certificate>> = vec![
            with_leaf("leaf_no_ku"),
            with_leaf("leaf_ca"),
            with_leaf("leaf_sha1"),
            with_inter("inter_no_bc"),
        ];
        for chain in cases {
            let err = validate_code_signing_chain(&chain, None).unwrap_err();
            assert!(err.to_string().contains("CN=Notary"), "{err}");
        }
    }

    #[test]
    fn ca_basic_constraints_must_be_critical() {
        use notary_crypto::pki::{ChainBuilder, LeafPurpose};
        let now = datetime!(2026-01-01 00:00 UTC);
        let rest = ",O=Notary,L=Seattle,ST=WA,C=US";
        for purpose in [LeafPurpose::CodeSigning, LeafPurpose::Timestamping] {
            let chain = |intermediates: usize, critical: bool| -> Vec<Certificate> {
                ChainBuilder::new(notary_core::KeySpec::EcP256, now)
                    .purpose(purpose)
                    .intermediates(intermediates)
                    .ca_basic_constraints_critical(critical)
                    .build()
                    .unwrap()
                    .certificates
                    .iter()
                    .map(|der| Certificate::from_der(der).unwrap())
                    .collect()
            };
            let validate = |c: &[Certificate]| match purpose {
                LeafPurpose::CodeSigning => validate_code_signing_chain(c, Some(now)),
                _ => validate_timestamping_chain(c, Some(now)),
            };
            validate(&chain(1, true)).unwrap();

            let lenient = chain(1, false);
            for ca in &lenient[1..] {
                let bc = ca.basic_constraints().unwrap();
                assert!(bc.ca && !bc.critical, "{purpose:?}: {bc:?}");
            }
            assert_eq!(
                validate(&lenient).unwrap_err(),
                Error::CaBasicConstraintsNotCritical {
                    index: 1,
                    subject: format!("CN=Notary Test Intermediate 1{rest}"),
                },
                "{purpose:?}"
            );
            // Root directly above the leaf.
            assert_eq!(
                validate(&chain(0, false)).unwrap_err(),
                Error::CaBasicConstraintsNotCritical {
                    index: 1,
                    subject: format!("CN=Notary Test Root{rest}"),
                },
                "{purpose:?}"
            );
        }
    }
}
