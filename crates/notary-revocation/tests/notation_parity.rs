//! Revocation answers notation (notation-core-go, x/crypto/ocsp, Go's CRL parser) reads in a
//! particular way, each with the result notation gives. Found by a review of this crate against
//! those libraries; CRLs and OCSP responses are built here and signed by the fixed test CA.

#[macro_use]
mod providers;

use std::sync::Arc;

use ::aws_lc_rs::digest;
use ::aws_lc_rs::rand::SystemRandom;
use ::aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use notary_revocation::ocsp::evaluate_with;
use notary_revocation::{CertStatus, Checker, StaticFetcher};
use notary_x509::Certificate;
use notary_x509::der::{self, Reader, tag};
use providers::{
    BASE_URL, ecdsa_sha256, extension, fixed, fixed_cert, generalized_time, now, ocsp_response,
    signed_by_fixed_ca, tlv, utc_time,
};
use time::{Duration, OffsetDateTime};

const DELTA_URL: &str = "http://127.0.0.1/fixed-ca/delta.crl";
const OCSP_URL: &str = "http://127.0.0.1/fixed-ca/ocsp";

fn ca() -> Certificate {
    fixed_cert("ca.der")
}
fn leaf() -> Certificate {
    fixed_cert("leaf.der")
}
fn serial_128() -> Certificate {
    fixed_cert("serial-128.der")
}

struct E {
    serial: Vec<u8>,
    revoked_at: OffsetDateTime,
    reason: Option<u8>,
    invalidity: Option<OffsetDateTime>,
}

/// A CRL of the fixed CA. `number`, optional delta indicator, optional freshest URL.
fn crl(number: u8, delta_of: Option<u8>, freshest: Option<&str>, entries: &[E]) -> Vec<u8> {
    let mut exts = vec![extension(
        &[0x55, 0x1d, 0x14],
        false,
        &tlv(tag::INTEGER, &[&[number]]),
    )];
    if let Some(b) = delta_of {
        exts.push(extension(
            &[0x55, 0x1d, 0x1b],
            true,
            &tlv(tag::INTEGER, &[&[b]]),
        ));
    }
    if let Some(u) = freshest {
        let dp = tlv(
            tag::SEQUENCE,
            &[&tlv(0xa0, &[&tlv(0xa0, &[&tlv(0x86, &[u.as_bytes()])])])],
        );
        exts.push(extension(
            &[0x55, 0x1d, 0x2e],
            false,
            &tlv(tag::SEQUENCE, &[&dp]),
        ));
    }
    let ents: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| {
            let mut x = Vec::new();
            if let Some(r) = e.reason {
                x.push(extension(&[0x55, 0x1d, 0x15], false, &[0x0a, 0x01, r]));
            }
            if let Some(t) = e.invalidity {
                x.push(extension(&[0x55, 0x1d, 0x18], false, &generalized_time(t)));
            }
            let x = if x.is_empty() {
                Vec::new()
            } else {
                tlv(tag::SEQUENCE, &[&x.concat()])
            };
            tlv(
                tag::SEQUENCE,
                &[
                    &tlv(tag::INTEGER, &[&e.serial]),
                    &utc_time(e.revoked_at),
                    &x,
                ],
            )
        })
        .collect();
    let revoked = if ents.is_empty() {
        Vec::new()
    } else {
        tlv(tag::SEQUENCE, &[&ents.concat()])
    };
    let tbs = tlv(
        tag::SEQUENCE,
        &[
            &tlv(tag::INTEGER, &[&[1]]),
            &ecdsa_sha256(),
            ca().subject_raw(),
            &utc_time(now() - Duration::hours(1)),
            &utc_time(now() + Duration::days(7)),
            &revoked,
            &tlv(0xa0, &[&tlv(tag::SEQUENCE, &[&exts.concat()])]),
        ],
    );
    signed_by_fixed_ca(&tbs)
}

/// An OCSP response for the fixed leaf signed by the CA (SHA-1 CertID).
fn ocsp(
    status: &[u8],
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    single_exts: &[u8],
) -> Vec<u8> {
    let ca = ca();
    let leaf = leaf();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &fixed("ca.pk8")).unwrap();
    let spki = der::parse_single(ca.spki_der(), tag::SEQUENCE).unwrap();
    let mut r = Reader::new(spki.value);
    r.read(tag::SEQUENCE).unwrap();
    let key_bits = der::bit_string_bytes(&r.read(tag::BIT_STRING).unwrap())
        .unwrap()
        .to_vec();
    let h = &digest::SHA1_FOR_LEGACY_USE_ONLY;
    let cert_id = tlv(
        tag::SEQUENCE,
        &[
            &tlv(
                tag::SEQUENCE,
                &[&[0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a], &[0x05, 0x00]],
            ),
            &tlv(
                tag::OCTET_STRING,
                &[digest::digest(h, ca.subject_raw()).as_ref()],
            ),
            &tlv(tag::OCTET_STRING, &[digest::digest(h, &key_bits).as_ref()]),
            &tlv(tag::INTEGER, &[leaf.serial_bytes()]),
        ],
    );
    let single = tlv(
        tag::SEQUENCE,
        &[
            &cert_id,
            status,
            &generalized_time(this_update),
            &tlv(0xa0, &[&generalized_time(next_update)]),
            single_exts,
        ],
    );
    let data = tlv(
        tag::SEQUENCE,
        &[
            &tlv(0xa1, &[ca.subject_raw()]),
            &generalized_time(this_update),
            &tlv(tag::SEQUENCE, &[&single]),
        ],
    );
    let sig = key.sign(&SystemRandom::new(), &data).unwrap();
    let basic = tlv(
        tag::SEQUENCE,
        &[
            &data,
            &ecdsa_sha256(),
            &tlv(tag::BIT_STRING, &[&[0], sig.as_ref()]),
        ],
    );
    ocsp_response(&basic)
}

fn single_exts(exts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0xa1, &[&tlv(tag::SEQUENCE, &[&exts.concat()])])
}

fn revoked_status() -> Vec<u8> {
    tlv(0xa1, &[&generalized_time(now() - Duration::days(2))])
}

fn empty_crl() -> Vec<u8> {
    crl(1, None, None, &[])
}

for_each_provider! {
    fn checker(f: StaticFetcher) -> Checker {
        Checker::new_with(x509(), Arc::new(f))
    }

    #[test]
    fn an_invalidity_date_in_the_base_crl_does_not_hide_the_delta() {
        // The base entry (on hold, key compromised after the signing time) stops the base's
        // scan only; the newer delta revokes the certificate for good. (notation-core-go
        // v1.3.0, under notation v1.3.2, answers good at the base entry without reading the
        // delta; notary keeps the delta's newer answer: README, deliberate differences.)
        let st = now() - Duration::days(10);
        let base = crl(1, None, Some(DELTA_URL), &[E {
            serial: leaf().serial_bytes().to_vec(),
            revoked_at: now() - Duration::days(5),
            reason: Some(6),
            invalidity: Some(now() - Duration::days(3)),
        }]);
        let delta = crl(2, Some(1), None, &[E {
            serial: leaf().serial_bytes().to_vec(),
            revoked_at: now() - Duration::hours(2),
            reason: Some(1),
            invalidity: Some(now() - Duration::days(20)),
        }]);
        let f = StaticFetcher::new().with_crl(BASE_URL, base).with_crl(DELTA_URL, delta);
        let s = checker(f).check_certificate(&leaf(), &ca(), Some(st), now());
        assert!(matches!(s, CertStatus::Revoked(_)), "{s:?}");
    }

    #[test]
    fn a_revoked_ocsp_answer_stays_revoked_whatever_else_it_carries() {
        // x/crypto/ocsp reads these and notation reports the revocation; notary made each
        // Unknown, then took the (lagging) CRL's Good.
        let t = now() - Duration::hours(1);
        let n = now() + Duration::days(7);
        let utc_invalidity =
            single_exts(&[extension(&[0x55, 0x1d, 0x18], false, &utc_time(now() - Duration::days(1)))]);
        let duplicate = single_exts(&[
            extension(&[0x2a, 0x03, 0x04, 0x05], false, &[0x05, 0x00]),
            extension(&[0x2a, 0x03, 0x04, 0x05], false, &[0x05, 0x00]),
        ]);
        for (name, resp) in [
            ("UTCTime invalidityDate", ocsp(&revoked_status(), t, n, &utc_invalidity)),
            ("duplicate extension", ocsp(&revoked_status(), t, n, &duplicate)),
            (
                "nextUpdate before thisUpdate",
                ocsp(&revoked_status(), now() + Duration::days(2), now() + Duration::days(1), &[]),
            ),
            ("plain", ocsp(&revoked_status(), t, n, &[])),
        ] {
            for st in [None, Some(now() - Duration::days(10))] {
                let f = StaticFetcher::new()
                    .with_ocsp(OCSP_URL, resp.clone())
                    .with_crl(BASE_URL, empty_crl());
                let s = checker(f).check_certificate(&leaf(), &ca(), st, now());
                assert!(matches!(s, CertStatus::Revoked(_)), "{name} {st:?}: {s:?}");
            }
        }
    }

    #[test]
    fn a_critical_ocsp_single_extension_is_refused_even_an_invalidity_date() {
        let t = now() - Duration::hours(1);
        let n = now() + Duration::days(7);
        let critical =
            single_exts(&[extension(&[0x55, 0x1d, 0x18], true, &generalized_time(now() - Duration::days(1)))]);
        let resp = ocsp(&revoked_status(), t, n, &critical);
        let r = evaluate_with(&x509(), &resp, &leaf(), &ca(), Some(now() - Duration::days(10)), now());
        assert!(r.is_err(), "{r:?}");
    }

    #[test]
    fn an_ocsp_response_of_exactly_the_limit_is_read() {
        let t = now() - Duration::hours(1);
        let n = now() + Duration::days(7);
        let padded = |pad: usize| {
            let filler = tlv(tag::OCTET_STRING, &[&vec![0u8; pad]]);
            ocsp(&[0x80, 0x00], t, n, &single_exts(&[extension(&[0x2a, 0x03, 0x04, 0x05], false, &filler)]))
        };
        let limit = notary_revocation::ocsp::MAX_OCSP_RESPONSE;
        // ECDSA signatures vary in DER length: pad, and sign again until the size is exact.
        let of_len = |len: usize| {
            (0..64)
                .flat_map(|_| (len - 400..len).map(padded))
                .find(|r| r.len() == len)
                .unwrap()
        };
        let s = checker(StaticFetcher::new().with_ocsp(OCSP_URL, of_len(limit)))
            .check_certificate(&leaf(), &ca(), None, now());
        assert_eq!(s, CertStatus::Good);
        let s = checker(StaticFetcher::new().with_ocsp(OCSP_URL, of_len(limit + 1)))
            .check_certificate(&leaf(), &ca(), None, now());
        assert!(matches!(&s, CertStatus::Unknown(why) if why.contains("exceeds the 20480-byte limit")), "{s:?}");
    }

    #[test]
    fn crl_serials_compare_as_numbers() {
        // -128 (content 80) is not 128 (content 00 80), as Go's big.Int comparison says.
        let negative = crl(1, None, None, &[E {
            serial: vec![0x80],
            revoked_at: now() - Duration::days(1),
            reason: None,
            invalidity: None,
        }]);
        let f = StaticFetcher::new().with_crl("http://127.0.0.1/fixed-ca/serial-128.crl", negative);
        let s = checker(f).check_certificate(&serial_128(), &ca(), None, now());
        assert_eq!(s, CertStatus::Good);
        // A non-minimal serial makes the CRL unreadable, as in Go: no answer for anyone.
        let non_minimal = crl(1, None, None, &[E {
            serial: vec![0x00, 0x10, 0x00],
            revoked_at: now() - Duration::days(1),
            reason: None,
            invalidity: None,
        }]);
        let s = checker(StaticFetcher::new().with_crl(BASE_URL, non_minimal)).check_certificate(&leaf(), &ca(), None, now());
        assert!(matches!(s, CertStatus::Unknown(_)), "{s:?}");
    }

    #[test]
    fn another_entrys_duplicate_extension_leaves_the_crl_usable() {
        let ext = extension(&[0x2a, 0x03, 0x04, 0x05], false, &[0x05, 0x00]);
        let entry = tlv(tag::SEQUENCE, &[
            &tlv(tag::INTEGER, &[&[0x01, 0x02, 0x03]]),
            &utc_time(now() - Duration::days(1)),
            &tlv(tag::SEQUENCE, &[&ext, &ext]),
        ]);
        let number = extension(&[0x55, 0x1d, 0x14], false, &tlv(tag::INTEGER, &[&[1]]));
        let tbs = tlv(tag::SEQUENCE, &[
            &tlv(tag::INTEGER, &[&[1]]),
            &ecdsa_sha256(),
            ca().subject_raw(),
            &utc_time(now() - Duration::hours(1)),
            &utc_time(now() + Duration::days(7)),
            &tlv(tag::SEQUENCE, &[&entry]),
            &tlv(0xa0, &[&tlv(tag::SEQUENCE, &[&number])]),
        ]);
        let s = checker(StaticFetcher::new().with_crl(BASE_URL, signed_by_fixed_ca(&tbs)))
            .check_certificate(&leaf(), &ca(), None, now());
        assert_eq!(s, CertStatus::Good);
    }

    #[test]
    fn a_crl_invalidity_date_with_fractional_seconds_is_read() {
        // notation-core-go decodes invalidityDate with encoding/asn1, which reads fractions:
        // key compromised after the signing time, so the signature stands (Good). A trailing
        // zero in the fraction is not DER and leaves no answer, as Go's error does.
        let entry = |when: &str| {
            let inv = tlv(tag::GENERALIZED_TIME, &[when.as_bytes()]);
            let exts = tlv(tag::SEQUENCE, &[
                &extension(&[0x55, 0x1d, 0x15], false, &[0x0a, 0x01, 0x01]),
                &extension(&[0x55, 0x1d, 0x18], false, &inv),
            ]);
            tlv(tag::SEQUENCE, &[
                &tlv(tag::INTEGER, &[leaf().serial_bytes()]),
                &utc_time(now() - Duration::days(1)),
                &exts,
            ])
        };
        let number = extension(&[0x55, 0x1d, 0x14], false, &tlv(tag::INTEGER, &[&[1]]));
        let crl_with = |when: &str| {
            signed_by_fixed_ca(&tlv(tag::SEQUENCE, &[
                &tlv(tag::INTEGER, &[&[1]]),
                &ecdsa_sha256(),
                ca().subject_raw(),
                &utc_time(now() - Duration::hours(1)),
                &utc_time(now() + Duration::days(7)),
                &tlv(tag::SEQUENCE, &[&entry(when)]),
                &tlv(0xa0, &[&tlv(tag::SEQUENCE, &[&number])]),
            ]))
        };
        // The GeneralizedTime text of three days ago, without its `Z`.
        let whole = generalized_time(now() - Duration::days(3));
        let stamp = String::from_utf8(whole[2..whole.len() - 1].to_vec()).unwrap();
        let signed = Some(now() - Duration::days(10));
        let status = |when: String| {
            checker(StaticFetcher::new().with_crl(BASE_URL, crl_with(&when)))
                .check_certificate(&leaf(), &ca(), signed, now())
        };
        assert_eq!(status(format!("{stamp}.25Z")), CertStatus::Good);
        assert_eq!(status(format!("{stamp}Z")), CertStatus::Good);
        let s = status(format!("{stamp}.250Z"));
        assert!(matches!(&s, CertStatus::Unknown(why) if why.contains("fractional")), "{s:?}");
        // Signed after the key was compromised: revoked.
        let s = checker(StaticFetcher::new().with_crl(BASE_URL, crl_with(&format!("{stamp}.25Z"))))
            .check_certificate(&leaf(), &ca(), Some(now() - Duration::days(1)), now());
        assert!(matches!(s, CertStatus::Revoked(_)), "{s:?}");
    }
}
