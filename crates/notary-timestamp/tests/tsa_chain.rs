//! Go's path rules on the TSA chain of a token (tspclient-go verifies it with Go's
//! `x509.Certificate.Verify` and `KeyUsages: [timeStamping]`): every CA's extendedKeyUsage must
//! allow timestamping, and no certificate may carry a critical extension nothing processes.
//!
//! Each test builds root → intermediate → TSA leaf with rcgen, varies one certificate, and
//! signs a real token with the leaf key.

#[macro_use]
mod common;
mod tsa;

use notary_timestamp::{Error, TimestampToken};
use notary_x509::Certificate;
use rcgen::{
    CertificateParams, CustomExtension, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SigningKey,
};
use tsa::{MESSAGE, ca, params, sha256, sha256_alg, signed_data_token, tlv, tst_info_oid};

const UNKNOWN_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 55555, 1];
const UNKNOWN_OID_TEXT: &str = "1.3.6.1.4.1.55555.1";

/// Which certificate a test varies.
#[derive(Clone, Copy)]
enum Who {
    Root,
    Intermediate,
    Leaf,
}

fn critical(oid: &[u64], content: Vec<u8>) -> CustomExtension {
    let mut e = CustomExtension::from_oid_content(oid, content);
    e.set_criticality(true);
    e
}

/// A token over [`MESSAGE`] signed by a TSA leaf under root → intermediate, `vary` applied to
/// the `who` certificate's parameters; returns the token DER and the root.
fn token(who: Who, vary: impl FnOnce(&mut CertificateParams)) -> (Vec<u8>, Certificate) {
    token_signed_as(who, vary, ECDSA_WITH_SHA256)
}

const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

/// [`token`] with the SignerInfo's signatureAlgorithm OID `sig_alg` (the signature itself is
/// always ECDSA P-256 with SHA-256).
fn token_signed_as(
    who: Who,
    vary: impl FnOnce(&mut CertificateParams),
    sig_alg: &[u8],
) -> (Vec<u8>, Certificate) {
    let mut vary = Some(vary);
    let mut apply = |w: Who, p: &mut CertificateParams| {
        if std::mem::discriminant(&w) == std::mem::discriminant(&who)
            && let Some(f) = vary.take()
        {
            f(p);
        }
    };
    let root_key = KeyPair::generate().unwrap();
    let mut root_params = ca("TSA Test Root");
    apply(Who::Root, &mut root_params);
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, root_key);

    let inter_key = KeyPair::generate().unwrap();
    let mut inter_params = ca("TSA Test Intermediate");
    apply(Who::Intermediate, &mut inter_params);
    let inter = inter_params.signed_by(&inter_key, &root_issuer).unwrap();
    let inter_issuer = Issuer::new(inter_params, inter_key);

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = params("TSA Test Leaf");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // RFC 3161: EKU timeStamping only, critical (rcgen writes its EKU non-critical).
    leaf_params.custom_extensions.push(critical(
        &[2, 5, 29, 37],
        tlv(0x30, &[&tlv(0x06, &[&[0x2b, 6, 1, 5, 5, 7, 3, 8]])]),
    ));
    apply(Who::Leaf, &mut leaf_params);
    let leaf = leaf_params.signed_by(&leaf_key, &inter_issuer).unwrap();
    let leaf_cert = Certificate::from_der(leaf.der()).unwrap();

    let sha256_alg = sha256_alg();
    let tst_info_oid = tst_info_oid();
    let tst = tlv(
        0x30,
        &[
            &tlv(0x02, &[&[1]]),
            &tlv(0x06, &[&[0x2a, 0x03, 0x04]]),
            &tlv(0x30, &[&sha256_alg, &tlv(0x04, &[&sha256(MESSAGE)])]),
            &tlv(0x02, &[&[0x2a]]),
            &tlv(0x18, &[b"20260101000000Z"]),
        ],
    );
    let attr = |oid: &[u8], value: Vec<u8>| tlv(0x30, &[&tlv(0x06, &[oid]), &tlv(0x31, &[&value])]);
    let mut attrs = [
        attr(
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03],
            tst_info_oid.clone(),
        ),
        attr(
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04],
            tlv(0x04, &[&sha256(&tst)]),
        ),
        // signingCertificateV2 { certs { ESSCertIDv2 { certHash } } } (hash SHA-256 by default)
        attr(
            &[
                0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f,
            ],
            tlv(
                0x30,
                &[&tlv(
                    0x30,
                    &[&tlv(0x30, &[&tlv(0x04, &[&sha256(leaf.der())])])],
                )],
            ),
        ),
    ];
    attrs.sort(); // DER SET OF order
    let signed_attrs: Vec<u8> = attrs.concat();
    let signature = leaf_key.sign(&tlv(0x31, &[&signed_attrs])).unwrap();
    let ecdsa_sha256 = tlv(0x30, &[&tlv(0x06, &[sig_alg])]);
    let signer_info = tlv(
        0x30,
        &[
            &tlv(0x02, &[&[1]]),
            &tlv(
                0x30,
                &[
                    leaf_cert.issuer_raw(),
                    &tlv(0x02, &[leaf_cert.serial_bytes()]),
                ],
            ),
            &sha256_alg,
            &tlv(0xa0, &[&signed_attrs]),
            &ecdsa_sha256,
            &tlv(0x04, &[&signature]),
        ],
    );
    let token = signed_data_token(
        &tst,
        &[leaf.der().as_ref(), inter.der().as_ref()].concat(),
        &signer_info,
    );
    (token, Certificate::from_der(root.der()).unwrap())
}

fn eku(usages: Vec<ExtendedKeyUsagePurpose>) -> impl FnOnce(&mut CertificateParams) {
    move |p| p.extended_key_usages = usages
}

fn unknown_extension(is_critical: bool) -> impl FnOnce(&mut CertificateParams) {
    move |p| {
        let mut e = CustomExtension::from_oid_content(UNKNOWN_OID, vec![0x05, 0x00]);
        e.set_criticality(is_critical);
        p.custom_extensions.push(e);
    }
}

for_each_provider! {
    fn verify(
        (token, root): (Vec<u8>, Certificate),
    ) -> Result<notary_timestamp::VerifiedTimestamp, Error> {
        let x509 = notary_x509::X509Verifier::new(provider());
        TimestampToken::parse(&token)
            .unwrap()
            .verify_with(&x509, MESSAGE, &[root])
    }

    #[test]
    fn chains_whose_cas_allow_timestamping_are_accepted() {
        let v = verify(token(Who::Intermediate, |_| {})).unwrap();
        assert_eq!(v.tsa_chain.len(), 3);
        assert!(v.tsa_chain[1].extended_key_usage().is_none());
        for usages in [
            vec![ExtendedKeyUsagePurpose::TimeStamping],
            vec![ExtendedKeyUsagePurpose::Any],
            vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::TimeStamping,
            ],
        ] {
            for who in [Who::Intermediate, Who::Root] {
                let v = verify(token(who, eku(usages.clone())))
                    .unwrap_or_else(|e| panic!("{usages:?}: {e}"));
                let ca = &v.tsa_chain[if matches!(who, Who::Root) { 2 } else { 1 }];
                assert!(ca.extended_key_usage().is_some(), "{usages:?}");
            }
        }
    }

    #[test]
    fn a_ca_whose_eku_excludes_timestamping_is_refused() {
        for (who, index, cn) in [
            (Who::Intermediate, 1, "TSA Test Intermediate"),
            (Who::Root, 2, "TSA Test Root"),
        ] {
            for (usages, found) in [
                (vec![ExtendedKeyUsagePurpose::ServerAuth], "1.3.6.1.5.5.7.3.1"),
                (
                    vec![
                        ExtendedKeyUsagePurpose::CodeSigning,
                        ExtendedKeyUsagePurpose::OcspSigning,
                    ],
                    "1.3.6.1.5.5.7.3.3, 1.3.6.1.5.5.7.3.9",
                ),
            ] {
                match verify(token(who, eku(usages))) {
                    Err(Error::IncompatibleKeyUsage {
                        index: i,
                        subject,
                        found: f,
                    }) => {
                        assert_eq!((i, subject.as_str(), f.as_str()), (index, &*format!("CN={cn}"), found));
                    }
                    other => panic!("{cn} with EKU {found}: expected IncompatibleKeyUsage, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn unknown_critical_extensions_are_refused_anywhere_in_the_chain() {
        for (who, index, cn) in [
            (Who::Leaf, 0, "TSA Test Leaf"),
            (Who::Intermediate, 1, "TSA Test Intermediate"),
            (Who::Root, 2, "TSA Test Root"),
        ] {
            match verify(token(who, unknown_extension(true))) {
                Err(Error::UnhandledCriticalExtension {
                    index: i,
                    subject,
                    oid,
                }) => assert_eq!(
                    (i, subject.as_str(), oid.as_str()),
                    (index, &*format!("CN={cn}"), UNKNOWN_OID_TEXT)
                ),
                other => panic!("{cn}: expected UnhandledCriticalExtension, got {other:?}"),
            }
            // The same extension, not critical, is ignored.
            verify(token(who, unknown_extension(false))).unwrap();
        }
    }

    #[test]
    fn handled_critical_extensions_are_accepted_and_unenforced_constraints_refused() {
        // certificatePolicies { anyPolicy }, critical: handled (no policy is asked for).
        let policies = tlv(0x30, &[&tlv(0x30, &[&tlv(0x06, &[&[0x55, 0x1d, 0x20, 0x00]])])]);
        verify(token(Who::Intermediate, move |p| {
            p.custom_extensions.push(critical(&[2, 5, 29, 32], policies));
        }))
        .unwrap();
        // policyConstraints { requireExplicitPolicy 0 }, critical: nothing here processes policy
        // constraints, so the chain is refused rather than read without them.
        match verify(token(Who::Intermediate, |p| {
            p.custom_extensions
                .push(critical(&[2, 5, 29, 36], tlv(0x30, &[&tlv(0x80, &[&[0]])])));
        })) {
            Err(Error::UnhandledCriticalExtension { index: 1, oid, .. }) => {
                assert_eq!(oid, "2.5.29.36")
            }
            other => panic!("expected UnhandledCriticalExtension, got {other:?}"),
        }
    }

    #[test]
    fn only_go_s_cms_signature_algorithms_are_accepted() {
        // A bare ecPublicKey (with the SHA-256 digest algorithm) is a valid ECDSA signature
        // here, but tspclient-go's `oid.ToSignatureAlgorithm` does not know it: notation refuses
        // the token, so must this crate.
        let ec_public_key = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
        match verify(token_signed_as(Who::Leaf, |_| {}, &ec_public_key)) {
            Err(Error::Signature { reason }) => {
                assert!(reason.contains("unknown signature algorithm 1.2.840.10045.2.1"), "{reason}")
            }
            other => panic!("expected an unknown signature algorithm, got {other:?}"),
        }
        // Ed25519 likewise.
        match verify(token_signed_as(Who::Leaf, |_| {}, &[0x2b, 0x65, 0x70])) {
            Err(Error::Signature { reason }) => {
                assert!(reason.contains("unknown signature algorithm 1.3.101.112"), "{reason}")
            }
            other => panic!("expected an unknown signature algorithm, got {other:?}"),
        }
    }
}
