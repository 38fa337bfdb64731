//! Delta-CRL URLs announced by a base CRL (freshestCRL) get the certificate URLs' scheme rule:
//! only `http` is fetched, as notation's fetchCRL refuses every other scheme. CRLs are built
//! here and signed by the fixed test CA (`testdata/fixed-ca`).

#[macro_use]
mod providers;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use notary_revocation::{CertStatus, Checker, FetchError, Fetcher, StaticFetcher};
use notary_x509::der::tag;
use providers::{
    BASE_URL, ecdsa_sha256, extension, fixed_cert, now, signed_by_fixed_ca, tlv, utc_time,
};

const HTTP_DELTA: &str = "http://127.0.0.1/fixed-ca/delta.crl";
const HTTPS_DELTA: &str = "https://127.0.0.1/fixed-ca/delta.crl";
const FTP_DELTA: &str = "ftp://127.0.0.1/fixed-ca/delta.crl";

/// A CRL of the fixed CA: number `number`, the fixed leaf revoked when `revoke_leaf`, a
/// deltaCRLIndicator naming base 1 when `delta`, and a freshestCRL listing `freshest`.
fn crl(number: u8, delta: bool, revoke_leaf: bool, freshest: &[&str]) -> Vec<u8> {
    let ca = fixed_cert("ca.der");
    let leaf = fixed_cert("leaf.der");
    let ecdsa_sha256 = ecdsa_sha256();
    let mut exts = vec![extension(
        &[0x55, 0x1d, 0x14],
        false,
        &tlv(tag::INTEGER, &[&[number]]),
    )];
    if delta {
        exts.push(extension(
            &[0x55, 0x1d, 0x1b],
            true,
            &tlv(tag::INTEGER, &[&[1]]),
        ));
    }
    if !freshest.is_empty() {
        // CRLDistributionPoints: one DistributionPoint { fullName { URI } } per URL.
        let points: Vec<Vec<u8>> = freshest
            .iter()
            .map(|u| {
                tlv(
                    tag::SEQUENCE,
                    &[&tlv(0xa0, &[&tlv(0xa0, &[&tlv(0x86, &[u.as_bytes()])])])],
                )
            })
            .collect();
        exts.push(extension(
            &[0x55, 0x1d, 0x2e],
            false,
            &tlv(tag::SEQUENCE, &[&points.concat()]),
        ));
    }
    let revoked = if revoke_leaf {
        tlv(
            tag::SEQUENCE,
            &[&tlv(
                tag::SEQUENCE,
                &[
                    &tlv(tag::INTEGER, &[leaf.serial_bytes()]),
                    &utc_time(now() - time::Duration::hours(2)),
                ],
            )],
        )
    } else {
        Vec::new()
    };
    let tbs = tlv(
        tag::SEQUENCE,
        &[
            &tlv(tag::INTEGER, &[&[1]]),
            &ecdsa_sha256,
            ca.subject_raw(),
            &utc_time(now() - time::Duration::hours(1)),
            &utc_time(now() + time::Duration::days(7)),
            &revoked,
            &tlv(0xa0, &[&tlv(tag::SEQUENCE, &[&exts.concat()])]),
        ],
    );
    signed_by_fixed_ca(&tbs)
}

/// A [`StaticFetcher`] that records every CRL URL asked for.
struct Recording {
    inner: StaticFetcher,
    asked: Mutex<Vec<String>>,
}

impl Fetcher for Recording {
    fn ocsp(&self, r: &str, q: &[u8], max: usize, t: Duration) -> Result<Vec<u8>, FetchError> {
        self.inner.ocsp(r, q, max, t)
    }
    fn crl(&self, url: &str, max: usize, t: Duration) -> Result<Vec<u8>, FetchError> {
        self.asked.lock().unwrap().push(url.to_string());
        self.inner.crl(url, max, t)
    }
}

for_each_provider! {
    /// The fixed leaf's status with a base CRL announcing `freshest`, and a delta revoking the
    /// leaf served at every one of those URLs; returns the status and the CRL URLs fetched.
    fn status(freshest: &[&str]) -> (CertStatus, Vec<String>) {
        let delta = crl(2, true, true, &[]);
        let mut inner = StaticFetcher::new().with_crl(BASE_URL, crl(1, false, false, freshest));
        for u in freshest {
            inner = inner.with_crl(u, delta.clone());
        }
        let fetcher = Arc::new(Recording {
            inner,
            asked: Mutex::new(Vec::new()),
        });
        let ca = fixed_cert("ca.der");
        let leaf = fixed_cert("leaf.der");
        // No OCSP response is served, so the check falls back to the CRL.
        let st = Checker::new_with(x509(), fetcher.clone()).check_certificate(&leaf, &ca, None, now());
        let asked = fetcher.asked.lock().unwrap().clone();
        (st, asked)
    }

    #[test]
    fn an_http_delta_crl_is_fetched_and_applied() {
        let (st, asked) = status(&[HTTP_DELTA]);
        assert!(matches!(&st, CertStatus::Revoked(why) if why.contains(BASE_URL)), "{st:?}");
        assert_eq!(asked, [BASE_URL, HTTP_DELTA]);
    }

    #[test]
    fn non_http_delta_crl_urls_are_never_fetched() {
        // Only a non-http delta: no usable delta, so no evidence either way.
        for url in [HTTPS_DELTA, FTP_DELTA] {
            let (st, asked) = status(&[url]);
            match &st {
                CertStatus::Unknown(why) => {
                    assert!(why.contains("only http CRL URLs are supported") && why.contains(url), "{why}")
                }
                other => panic!("{url}: expected unknown, got {other:?}"),
            }
            assert_eq!(asked, [BASE_URL], "{url} must not be fetched");
        }
        // Skipped, the next (http) URL is still tried.
        let (st, asked) = status(&[FTP_DELTA, HTTPS_DELTA, HTTP_DELTA]);
        assert!(matches!(st, CertStatus::Revoked(_)), "{st:?}");
        assert_eq!(asked, [BASE_URL, HTTP_DELTA]);
    }
}
