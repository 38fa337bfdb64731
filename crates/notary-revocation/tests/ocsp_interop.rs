//! OCSP responses as other responders write them, built here and signed by the fixed test CA
//! (`testdata/fixed-ca`, made by OpenSSL with `tests/pki/make-fixed-revocation-ca.sh`): CertID
//! hash algorithms without NULL parameters or with SHA-256, thisUpdate in the future, critical
//! single extensions.

#[macro_use]
mod providers;

use ::aws_lc_rs::digest;
use ::aws_lc_rs::rand::SystemRandom;
use ::aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use notary_revocation::ocsp::evaluate_with;
use notary_revocation::{CertStatus, Checker, StaticFetcher};
use notary_x509::Certificate;
use notary_x509::der::{self, Reader, tag};
use providers::{fixed, fixed_cert, generalized_time, ocsp_response, tlv};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

for_each_provider! {
    struct Pki {
        ca: Certificate,
        leaf: Certificate,
        key: EcdsaKeyPair,
    }

    fn pki() -> Pki {
        Pki {
            ca: fixed_cert("ca.der"),
            leaf: fixed_cert("leaf.der"),
            key: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &fixed("ca.pk8")).unwrap(),
        }
    }

    const SHA1: &[u8] = &[0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a];
    const SHA256: &[u8] = &[
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    const NULL: &[u8] = &[0x05, 0x00];

    struct Single<'a> {
        /// AlgorithmIdentifier content (OID and parameters).
        alg: &'a [&'a [u8]],
        hash: &'static digest::Algorithm,
        /// certStatus element.
        status: &'a [u8],
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
        extensions: &'a [u8],
    }

    /// An OCSPResponse with one SingleResponse for the fixed leaf, signed by the CA.
    fn response(p: &Pki, s: &Single<'_>) -> Vec<u8> {
        response_signed(p, s, &p.key, &[])
    }

    /// [`response`] signed by `key`, carrying `certs` (DER) in that order.
    fn response_signed(p: &Pki, s: &Single<'_>, key: &EcdsaKeyPair, certs: &[&[u8]]) -> Vec<u8> {
        let spki = der::parse_single(p.ca.spki_der(), tag::SEQUENCE).unwrap();
        let mut r = Reader::new(spki.value);
        r.read(tag::SEQUENCE).unwrap();
        let key_bits = der::bit_string_bytes(&r.read(tag::BIT_STRING).unwrap())
            .unwrap()
            .to_vec();
        let cert_id = tlv(
            tag::SEQUENCE,
            &[
                &tlv(tag::SEQUENCE, s.alg),
                &tlv(
                    tag::OCTET_STRING,
                    &[digest::digest(s.hash, p.ca.subject_raw()).as_ref()],
                ),
                &tlv(
                    tag::OCTET_STRING,
                    &[digest::digest(s.hash, &key_bits).as_ref()],
                ),
                &tlv(tag::INTEGER, &[p.leaf.serial_bytes()]),
            ],
        );
        let single = tlv(
            tag::SEQUENCE,
            &[
                &cert_id,
                s.status,
                &generalized_time(s.this_update),
                &tlv(0xa0, &[&generalized_time(s.next_update)]),
                s.extensions,
            ],
        );
        let data = tlv(
            tag::SEQUENCE,
            &[
                &tlv(0xa1, &[p.ca.subject_raw()]), // responderID byName
                &generalized_time(s.this_update),
                &tlv(tag::SEQUENCE, &[&single]),
            ],
        );
        let sig = key.sign(&SystemRandom::new(), &data).unwrap();
        let ecdsa_sha256: &[u8] = &[
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
        ];
        let certs = if certs.is_empty() {
            Vec::new()
        } else {
            tlv(0xa0, &[&tlv(tag::SEQUENCE, certs)])
        };
        let basic = tlv(
            tag::SEQUENCE,
            &[
                &data,
                ecdsa_sha256,
                &tlv(tag::BIT_STRING, &[&[0], sig.as_ref()]),
                &certs,
            ],
        );
        ocsp_response(&basic)
    }

    fn now() -> OffsetDateTime {
        datetime!(2030-01-01 0:00 UTC)
    }

    const GOOD: &[u8] = &[0x80, 0x00];

    fn good(alg: &'static [&'static [u8]], hash: &'static digest::Algorithm) -> Single<'static> {
        Single {
            alg,
            hash,
            status: GOOD,
            this_update: now() - Duration::hours(1),
            next_update: now() + Duration::days(7),
            extensions: &[],
        }
    }

    #[test]
    fn cert_id_hash_algorithm_is_compared_by_oid() {
        let p = pki();
        let status = |s: &Single<'_>| evaluate_with(&x509(), &response(&p, s), &p.leaf, &p.ca, None, now());
        // What OpenSSL and notation write: SHA-1 with NULL parameters.
        assert_eq!(
            status(&good(&[SHA1, NULL], &digest::SHA1_FOR_LEGACY_USE_ONLY)).ok(),
            Some(CertStatus::Good)
        );
        // SHA-1 with absent parameters (RFC 5754 style): the same algorithm.
        assert_eq!(
            status(&good(&[SHA1], &digest::SHA1_FOR_LEGACY_USE_ONLY)).ok(),
            Some(CertStatus::Good)
        );
        let revoked_at = tlv(0xa1, &[&generalized_time(now() - Duration::days(2))]);
        let revoked = Single {
            status: &revoked_at,
            ..good(&[SHA1], &digest::SHA1_FOR_LEGACY_USE_ONLY)
        };
        assert!(matches!(status(&revoked), Ok(CertStatus::Revoked(_))));
        // A SHA-256 CertID, parameters absent or NULL.
        assert_eq!(
            status(&good(&[SHA256], &digest::SHA256)).ok(),
            Some(CertStatus::Good)
        );
        assert_eq!(
            status(&good(&[SHA256, NULL], &digest::SHA256)).ok(),
            Some(CertStatus::Good)
        );
        // Parameters other than NULL are not read (x/crypto/ocsp compares the OID alone; the
        // go_mutants differential caught notary refusing them); hashes that do not match the
        // algorithm: no answer.
        let odd_params: &[&[u8]] = &[SHA1, &[0x02, 0x01, 0x00]];
        assert_eq!(
            status(&good(odd_params, &digest::SHA1_FOR_LEGACY_USE_ONLY)).ok(),
            Some(CertStatus::Good)
        );
        let e = status(&good(&[SHA256], &digest::SHA1_FOR_LEGACY_USE_ONLY)).unwrap_err();
        assert!(e.to_string().contains("no answer"), "{e}");

        // Through the checker, at the leaf's responder URL.
        let fetcher = StaticFetcher::new().with_ocsp(
            "http://127.0.0.1/fixed-ca/ocsp",
            response(&p, &good(&[SHA1], &digest::SHA1_FOR_LEGACY_USE_ONLY)),
        );
        let checker = Checker::new_with(x509(), std::sync::Arc::new(fetcher));
        assert_eq!(
            checker.check_certificate(&p.leaf, &p.ca, None, now()),
            CertStatus::Good
        );
    }

    /// A response dated ahead of the local clock is the responder's current answer all the same,
    /// as for notation (x/crypto/ocsp does not compare thisUpdate with the clock): a verifier
    /// whose clock is slow must not lose revocation checking.
    #[test]
    fn this_update_in_the_future_is_accepted() {
        let p = pki();
        let at = |this_update: OffsetDateTime, next_update: OffsetDateTime| {
            let s = Single {
                this_update,
                next_update,
                ..good(&[SHA1, NULL], &digest::SHA1_FOR_LEGACY_USE_ONLY)
            };
            evaluate_with(&x509(), &response(&p, &s), &p.leaf, &p.ca, None, now())
        };
        let week = Duration::days(7);
        for ahead in [Duration::minutes(6), Duration::hours(1), Duration::days(3)] {
            assert_eq!(at(now() + ahead, now() + week).ok(), Some(CertStatus::Good));
        }
        // Still expired once nextUpdate has passed, wherever thisUpdate lies.
        assert!(at(now() - week, now() - Duration::seconds(1)).is_err());
    }

    /// With certificates in the response, the first is the signer and must be issued by the
    /// certificate's issuer, as for notation (x/crypto/ocsp); the rest are not looked at.
    #[test]
    fn the_first_embedded_certificate_signs() {
        let p = pki();
        let responder_key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &fixed("responder.pk8")).unwrap();
        let (ca, responder) = (fixed("ca.der"), fixed("responder.der"));
        let s = good(&[SHA1, NULL], &digest::SHA1_FOR_LEGACY_USE_ONLY);
        let status = |key: &EcdsaKeyPair, certs: &[&[u8]]| {
            evaluate_with(&x509(), &response_signed(&p, &s, key, certs), &p.leaf, &p.ca, None, now())
        };
        assert_eq!(status(&p.key, &[]).ok(), Some(CertStatus::Good));
        // The (self-signed) issuer names itself.
        assert_eq!(status(&p.key, &[&ca]).ok(), Some(CertStatus::Good));
        // A delegated responder first, then anything.
        assert_eq!(status(&responder_key, &[&responder]).ok(), Some(CertStatus::Good));
        assert_eq!(status(&responder_key, &[&responder, &ca]).ok(), Some(CertStatus::Good));
        // The signer is not the first certificate: refused though it is in the list.
        for (key, certs) in [
            (&p.key, &[&responder[..]][..]),
            (&responder_key, &[&ca[..], &responder[..]][..]),
            (&responder_key, &[][..]),
        ] {
            let e = status(key, certs).unwrap_err();
            assert!(e.to_string().contains("OCSP response"), "{e}");
        }
    }

    #[test]
    fn critical_single_extensions_fail_closed() {
        let p = pki();
        // Extensions [1] { SEQUENCE { Extension { 1.3.6.1.4.1.55555.9, critical, OCTET { NULL } } } }
        let ext = |critical: &[u8]| {
            let oid: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb2, 0x23];
            tlv(
                0xa1,
                &[&tlv(
                    tag::SEQUENCE,
                    &[&tlv(
                        tag::SEQUENCE,
                        &[oid, critical, &tlv(tag::OCTET_STRING, &[NULL])],
                    )],
                )],
            )
        };
        let status = |extensions: &[u8]| {
            let s = Single {
                extensions,
                ..good(&[SHA1, NULL], &digest::SHA1_FOR_LEGACY_USE_ONLY)
            };
            evaluate_with(&x509(), &response(&p, &s), &p.leaf, &p.ca, None, now())
        };
        assert_eq!(status(&ext(&[])).ok(), Some(CertStatus::Good));
        let e = status(&ext(&[0x01, 0x01, 0xff])).unwrap_err();
        assert!(e.to_string().contains("critical"), "{e}");
        // A BER TRUE (0x01) is not DER: refused rather than read as "not critical".
        assert!(status(&ext(&[0x01, 0x01, 0x01])).is_err());
    }
}
