//! How a CRL is read where notation (Go's `x509.ParseRevocationList` and notation-core-go) and a
//! strict RFC 5280 reading part ways; `tests/differential/revocation.py` checks the same cases
//! against `notation verify`. CRLs are built here and signed by the fixed test CA
//! (`testdata/fixed-ca`), whose leaf lists `BASE_URL` as its distribution point.

#[macro_use]
mod providers;

use std::sync::Arc;

use notary_revocation::crl::Crl;
use notary_revocation::{CertStatus, Checker, StaticFetcher};
use notary_x509::Certificate;
use notary_x509::der::tag;
use providers::{
    BASE_URL, ecdsa_sha256, extension, fixed_cert, now, signed_by_fixed_ca, tlv, utc_time,
};
use time::OffsetDateTime;

fn ca() -> Certificate {
    fixed_cert("ca.der")
}

fn leaf() -> Certificate {
    fixed_cert("leaf.der")
}

/// What to put in the CRL.
struct Spec {
    version: Option<u8>,
    issuer: Vec<u8>,
    this_update: OffsetDateTime,
    /// (serial, critical entry extension OID or none)
    entries: Vec<(Vec<u8>, Option<&'static [u8]>)>,
    /// crlExtensions, each a whole Extension.
    extensions: Vec<Vec<u8>>,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            version: Some(1),
            issuer: ca().subject_raw().to_vec(),
            this_update: now() - time::Duration::hours(1),
            entries: Vec::new(),
            extensions: Vec::new(),
        }
    }
}

/// A CRL by the fixed CA (ECDSA P-256, SHA-256), current until a week after `now()`.
fn crl(spec: &Spec) -> Vec<u8> {
    let ecdsa_sha256 = ecdsa_sha256();
    let entries: Vec<Vec<u8>> = spec
        .entries
        .iter()
        .map(|(serial, critical_ext)| {
            let exts = critical_ext.map(|oid| {
                let ext = tlv(
                    tag::SEQUENCE,
                    &[
                        &tlv(tag::OID, &[oid]),
                        &[0x01, 0x01, 0xff],
                        &tlv(tag::OCTET_STRING, &[&[0x05, 0x00]]),
                    ],
                );
                tlv(tag::SEQUENCE, &[&ext])
            });
            tlv(
                tag::SEQUENCE,
                &[
                    &tlv(tag::INTEGER, &[serial]),
                    &utc_time(now() - time::Duration::hours(2)),
                    exts.as_deref().unwrap_or_default(),
                ],
            )
        })
        .collect();
    let revoked = if entries.is_empty() {
        Vec::new()
    } else {
        tlv(tag::SEQUENCE, &[&entries.concat()])
    };
    let version = spec.version.map(|v| tlv(tag::INTEGER, &[&[v]]));
    let tbs = tlv(
        tag::SEQUENCE,
        &[
            version.as_deref().unwrap_or_default(),
            &ecdsa_sha256,
            &spec.issuer,
            &utc_time(spec.this_update),
            &utc_time(now() + time::Duration::days(7)),
            &revoked,
            &if spec.extensions.is_empty() {
                Vec::new()
            } else {
                tlv(0xa0, &[&tlv(tag::SEQUENCE, &[&spec.extensions.concat()])])
            },
        ],
    );
    signed_by_fixed_ca(&tbs)
}

/// A Name other than the CA's: C=US, CN=someone else.
fn other_name() -> Vec<u8> {
    let rdn = |oid: &[u8], value: &str| {
        tlv(
            tag::SET,
            &[&tlv(
                tag::SEQUENCE,
                &[&tlv(tag::OID, &[oid]), &tlv(0x0c, &[value.as_bytes()])],
            )],
        )
    };
    tlv(
        tag::SEQUENCE,
        &[
            &rdn(&[0x55, 0x04, 0x06], "US"),
            &rdn(&[0x55, 0x04, 0x03], "someone else"),
        ],
    )
}

const UNKNOWN_OID: &[u8] = &[0x2a, 0x03, 0x04, 0x05];

for_each_provider! {
    fn status(der_bytes: Vec<u8>) -> CertStatus {
        let fetcher = StaticFetcher::new().with_crl(BASE_URL, der_bytes);
        Checker::new_with(x509(), Arc::new(fetcher)).check_certificate(&leaf(), &ca(), None, now())
    }

    #[test]
    fn bytes_after_the_crl_are_ignored() {
        for tail in [&b"\n"[..], &[0u8], &b"garbage"[..]] {
            let mut d = crl(&Spec::default());
            d.extend_from_slice(tail);
            Crl::parse(&d).unwrap().validate_with(&x509(), &ca(), now()).unwrap();
            assert_eq!(status(d), CertStatus::Good, "{tail:?}");
        }
    }

    #[test]
    fn only_v2_crls_are_read() {
        for version in [None, Some(0), Some(2)] {
            let d = crl(&Spec { version, ..Spec::default() });
            let e = Crl::parse(&d).unwrap_err();
            assert!(e.to_string().contains("unsupported CRL version"), "{version:?}: {e}");
            assert!(matches!(status(d), CertStatus::Unknown(_)), "{version:?}");
        }
    }

    #[test]
    fn the_signature_not_the_name_establishes_the_issuer() {
        let d = crl(&Spec { issuer: other_name(), ..Spec::default() });
        Crl::parse(&d).unwrap().validate_with(&x509(), &ca(), now()).unwrap();
        assert_eq!(status(d), CertStatus::Good);
    }

    #[test]
    fn a_crl_dated_ahead_of_the_clock_is_current() {
        let d = crl(&Spec { this_update: now() + time::Duration::days(1), ..Spec::default() });
        assert_eq!(status(d), CertStatus::Good);
    }

    /// notation handles only the issuing distribution point and the delta CRL indicator when
    /// marked critical: a critical CRL number or authority key identifier makes the CRL unusable.
    #[test]
    fn only_two_crl_extensions_may_be_critical() {
        let number = tlv(tag::INTEGER, &[&[5]]);
        let aki = tlv(tag::SEQUENCE, &[&tlv(0x80, &[&[7; 20]])]);
        for (oid, value) in [(&[0x55, 0x1d, 0x14][..], &number), (&[0x55, 0x1d, 0x23][..], &aki)] {
            let ok = crl(&Spec { extensions: vec![extension(oid, false, value)], ..Spec::default() });
            assert_eq!(status(ok), CertStatus::Good);
            let critical =
                crl(&Spec { extensions: vec![extension(oid, true, value)], ..Spec::default() });
            assert!(matches!(status(critical), CertStatus::Unknown(_)), "{oid:?}");
        }
    }

    #[test]
    fn an_unsupported_critical_entry_extension_fails_only_its_certificate() {
        let other = vec![0x01, 0x02, 0x03];
        // In another certificate's entry: the CRL still answers for the leaf.
        let d = crl(&Spec { entries: vec![(other.clone(), Some(UNKNOWN_OID))], ..Spec::default() });
        assert_eq!(status(d), CertStatus::Good);
        let d = crl(&Spec {
            entries: vec![(other, Some(UNKNOWN_OID)), (leaf().serial_bytes().to_vec(), None)],
            ..Spec::default()
        });
        assert!(matches!(status(d), CertStatus::Revoked(_)));
        // In the leaf's own entry: its status cannot be told.
        let d = crl(&Spec {
            entries: vec![(leaf().serial_bytes().to_vec(), Some(UNKNOWN_OID))],
            ..Spec::default()
        });
        match status(d) {
            CertStatus::Unknown(why) => assert!(why.contains("1.2.3.4.5"), "{why}"),
            other => panic!("expected unknown, got {other:?}"),
        }
    }
}
