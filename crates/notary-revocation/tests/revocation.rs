//! Revocation checks on the corpus' CRL and OCSP material, and the HTTP fetcher against a
//! loopback server (errors, size cap, timeout).

#[macro_use]
mod providers;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use notary_revocation::{
    CertStatus, Checker, Fetcher, HttpFetcher, RevocationChecker, RevocationPurpose,
    RevocationStatus, StaticFetcher, crl::Crl,
};
use notary_x509::{Certificate, read_certificates};

for_each_provider! {
    fn data(rel: &str) -> Vec<u8> {
        let p = format!(
            "{}/../../../shared/interop/data/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn now() -> time::OffsetDateTime {
        time::macros::datetime!(2026-11-22 12:00 UTC)
    }

    fn crl_chain() -> Vec<Certificate> {
        read_certificates(&data("notation-e2e/config/crl/certchain_with_crl.pem")).unwrap()
    }

    fn crl_status(leaf: &str, inter: &str) -> RevocationStatus {
        let f = StaticFetcher::new()
            .with_crl(
                "http://localhost:10086/leaf.crl",
                data(&format!("notation-e2e/config/crl/{leaf}")),
            )
            .with_crl(
                "http://localhost:10086/intermediate.crl",
                data(&format!("notation-e2e/config/crl/{inter}")),
            );
        Checker::new_with(x509(), Arc::new(f)).check(&crl_chain(), RevocationPurpose::CodeSigning, None, now())
    }

    /// A CRL dated ahead of the check time is the issuer's current list all the same (notation
    /// and the Notary spec check only nextUpdate): a slow local clock must not make it unusable.
    #[test]
    fn crl_this_update_in_the_future_is_accepted() {
        let crl = Crl::parse(&data("notation-e2e/config/crl/leaf.crl")).unwrap();
        let issuer = &crl_chain()[1];
        for before in [time::Duration::minutes(6), time::Duration::days(2)] {
            crl.validate_with(&x509(), issuer, crl.this_update - before).unwrap();
        }
    }

    #[test]
    fn crls() {
        assert_eq!(
            crl_status("leaf.crl", "intermediate.crl"),
            RevocationStatus::Good
        );
        assert!(matches!(
            crl_status("leaf_revoked.crl", "intermediate.crl"),
            RevocationStatus::Revoked { .. }
        ));
        assert!(matches!(
            crl_status("leaf.crl", "intermediate_revoked.crl"),
            RevocationStatus::Revoked { .. }
        ));
        assert!(matches!(
            crl_status("leaf_expired.crl", "intermediate.crl"),
            RevocationStatus::Unknown { .. }
        ));
        // Revoked beats unknown.
        assert!(matches!(
            crl_status("leaf_expired.crl", "intermediate_revoked.crl"),
            RevocationStatus::Revoked { .. }
        ));
        // Nothing served: unknown.
        let st = Checker::new_with(x509(), Arc::new(StaticFetcher::new())).check(
            &crl_chain(),
            RevocationPurpose::CodeSigning,
            None,
            now(),
        );
        assert!(matches!(st, RevocationStatus::Unknown { .. }));
        // Reasons in notation's words, naming the chain's role.
        match crl_status("leaf_revoked.crl", "intermediate.crl") {
            RevocationStatus::Revoked { reason } => assert!(
                reason.starts_with("signing certificate with subject \"") && reason.contains("\" is revoked: "),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        let tsa = Checker::new_with(x509(), Arc::new(StaticFetcher::new())).check(
            &crl_chain(),
            RevocationPurpose::Timestamping,
            None,
            now(),
        );
        match tsa {
            RevocationStatus::Unknown { reason } => assert!(
                reason.starts_with("timestamping certificate with subject \"")
                    && reason.contains("\" revocation status is unknown: "),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        let c = Crl::parse(&data("notation-e2e/config/crl/leaf.crl")).unwrap();
        assert_eq!(c.crl_number.as_deref(), Some(&[0x10, 0x00][..]));
        assert!(Crl::parse(b"garbage").is_err());
    }

    #[test]
    fn ocsp_responses() {
        let chain =
            read_certificates(&data("notation-e2e/config/ocsp/certchain_with_ocsp.pem")).unwrap();
        // The responses were produced at 2026-11-22 13:05:26: a check on a clock behind that
        // still reads them (thisUpdate is not compared with the clock, as in notation).
        let produced = time::macros::datetime!(2026-11-22 13:05:26 UTC);
        let status_at = |f: &str, at| {
            let fetcher = StaticFetcher::new()
                .with_ocsp("http://localhost:10087", data(&format!("derived/ocsp/{f}")));
            Checker::new_with(x509(), Arc::new(fetcher)).check_certificate(&chain[0], &chain[1], None, at)
        };
        let status = |f: &str| status_at(f, produced + time::Duration::hours(1));
        assert_eq!(
            status_at("leaf_good.ocsp.der", produced - time::Duration::days(1)),
            CertStatus::Good
        );
        assert_eq!(status("leaf_good.ocsp.der"), CertStatus::Good);
        assert!(matches!(
            status("leaf_revoked.ocsp.der"),
            CertStatus::Revoked(_)
        ));
        assert!(matches!(
            status("leaf_unknown.ocsp.der"),
            CertStatus::Unknown(_)
        ));
        // The request we send is the one the responses answer.
        let req = notary_revocation::ocsp::request_with(&provider(), &chain[0], &chain[1]).unwrap();
        assert_eq!(req, data("derived/ocsp/leaf.ocsp-request.der"));
        // A response for another certificate is not accepted for this one.
        let crl_chain = crl_chain();
        let r = notary_revocation::ocsp::evaluate_with(&x509(),
            &data("derived/ocsp/leaf_good.ocsp.der"),
            &crl_chain[0],
            &crl_chain[1],
            None,
            now(),
        );
        assert!(r.is_err());
    }

    /// Serves one canned HTTP response per connection, `delay` before answering.
    fn serve(response: Vec<u8>, delay: Duration) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for s in l.incoming().take(4) {
                let Ok(mut s) = s else { continue };
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = s.write_all(&response);
            }
        });
        format!("http://{addr}/x.crl")
    }

    #[test]
    fn http_fetcher_errors_caps_and_timeouts() {
        let body = data("notation-e2e/config/crl/leaf.crl");
        let mut ok = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        ok.extend_from_slice(&body);
        let url = serve(ok, Duration::ZERO);
        assert_eq!(
            HttpFetcher::new()
                .crl(&url, 1 << 20, Duration::from_secs(2))
                .unwrap(),
            body
        );
        // Exactly the cap is refused.
        assert!(
            HttpFetcher::new()
                .crl(&url, body.len(), Duration::from_secs(2))
                .is_err()
        );
        let url = serve(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
            Duration::ZERO,
        );
        let e = HttpFetcher::new()
            .crl(&url, 1 << 20, Duration::from_secs(2))
            .unwrap_err();
        assert!(e.reason.contains("404"), "{e}");
        let url = serve(
            b"HTTP/1.1 200 OK\r\n\r\nlate".to_vec(),
            Duration::from_secs(3),
        );
        let t = Instant::now();
        let e = HttpFetcher::new()
            .crl(&url, 1 << 20, Duration::from_millis(300))
            .unwrap_err();
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "the timeout must bound the call"
        );
        assert!(e.reason.contains("timed out"), "{e}");
        assert!(
            HttpFetcher::new()
                .crl(
                    "ftp://example.invalid/x.crl",
                    1 << 20,
                    Duration::from_secs(1)
                )
                .is_err()
        );
    }

    #[test]
    fn crl_cache_serves_offline_and_survives_concurrent_writers() {
        use notary_revocation::{CachedCrl, CrlCache};
        let dir = tempfile::tempdir().unwrap();
        let cache = CrlCache::new_with(&provider(), dir.path().join("crl"));
        let online = StaticFetcher::new()
            .with_crl(
                "http://localhost:10086/leaf.crl",
                data("notation-e2e/config/crl/leaf_revoked.crl"),
            )
            .with_crl(
                "http://localhost:10086/intermediate.crl",
                data("notation-e2e/config/crl/intermediate.crl"),
            );
        let chain = crl_chain();
        let first = Checker::new_with(x509(), Arc::new(online))
            .with_cache(cache.clone())
            .check(&chain, RevocationPurpose::CodeSigning, None, now());
        assert!(matches!(first, RevocationStatus::Revoked { .. }));
        // notation's layout: one file per URL named by the SHA-256 of the URL, JSON with baseCRL.
        let names: Vec<String> = std::fs::read_dir(cache.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        // Both certificates' CRLs were fetched at once (as notation fetches them), and kept.
        assert_eq!(names.len(), 2);
        assert!(
            names
                .iter()
                .all(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        );
        let any: serde_json::Value =
            serde_json::from_slice(&std::fs::read(cache.dir().join(&names[0])).unwrap()).unwrap();
        assert!(any["baseCRL"].is_string() && any.get("deltaCRL").is_none());
        // Offline now: the cache answers.
        let offline = Checker::new_with(x509(), Arc::new(StaticFetcher::new())).with_cache(cache.clone());
        assert!(matches!(
            offline.check(&chain, RevocationPurpose::CodeSigning, None, now()),
            RevocationStatus::Revoked { .. }
        ));
        // Corrupt entries are misses, never trusted (a new checker: nothing validated in memory yet).
        for e in std::fs::read_dir(cache.dir()).unwrap() {
            std::fs::write(e.unwrap().path(), b"{not json").unwrap();
        }
        let offline = Checker::new_with(x509(), Arc::new(StaticFetcher::new())).with_cache(cache.clone());
        assert!(matches!(
            offline.check(&chain, RevocationPurpose::CodeSigning, None, now()),
            RevocationStatus::Unknown { .. }
        ));
        // Concurrent writers of one entry leave a valid file.
        let entry = CachedCrl {
            base: data("notation-e2e/config/crl/leaf.crl"),
            delta: None,
        };
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (c, e) = (cache.clone(), entry.clone());
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        c.set("http://localhost:10086/leaf.crl", &e).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            cache.get("http://localhost:10086/leaf.crl", now()),
            Some(entry)
        );
        assert!(
            std::fs::read_dir(cache.dir()).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp"))
        );
    }

    /// The cache directory may be shared: a link, a FIFO or an oversized file where an entry
    /// should be is a miss, never followed, waited on or read whole.
    #[cfg(unix)]
    #[test]
    fn crl_cache_entries_that_are_not_regular_files_are_misses() {
        use notary_revocation::{CachedCrl, CrlCache};
        let dir = tempfile::tempdir().unwrap();
        let cache = CrlCache::new_with(&provider(), dir.path().join("crl"));
        let url = "http://localhost:10086/leaf.crl";
        let entry = CachedCrl {
            base: data("notation-e2e/config/crl/leaf.crl"),
            delta: None,
        };
        cache.set(url, &entry).unwrap();
        assert_eq!(cache.get(url, now()), Some(entry.clone()));
        let file = std::fs::read_dir(cache.dir()).unwrap().next().unwrap().unwrap().path();
        let aside = dir.path().join("aside");
        std::fs::rename(&file, &aside).unwrap();

        std::os::unix::fs::symlink(&aside, &file).unwrap();
        assert_eq!(cache.get(url, now()), None, "a link was followed");
        std::fs::remove_file(&file).unwrap();

        let fifo = std::process::Command::new("mkfifo").arg(&file).status().unwrap();
        assert!(fifo.success());
        // Returns at once (O_NONBLOCK) instead of waiting for a writer.
        assert_eq!(cache.get(url, now()), None, "a FIFO was read");
        std::fs::remove_file(&file).unwrap();

        // Past the largest entry two CRLs can make, before parsing anything.
        let big = std::fs::File::create(&file).unwrap();
        big.set_len(100 * 1024 * 1024).unwrap();
        assert_eq!(cache.get(url, now()), None, "an oversized entry was read");
        std::fs::remove_file(&file).unwrap();

        std::fs::rename(&aside, &file).unwrap();
        assert_eq!(cache.get(url, now()), Some(entry));
    }

    /// Answers every CRL request only once a second one is in flight (or after 3 s alone),
    /// and records whether each met another.
    struct Rendezvous {
        inner: StaticFetcher,
        state: std::sync::Mutex<(usize, Vec<bool>)>,
        arrived: std::sync::Condvar,
    }

    impl Fetcher for Rendezvous {
        fn ocsp(
            &self,
            responder: &str,
            request: &[u8],
            max: usize,
            timeout: Duration,
        ) -> Result<Vec<u8>, notary_revocation::FetchError> {
            self.inner.ocsp(responder, request, max, timeout)
        }

        fn crl(
            &self,
            url: &str,
            max: usize,
            timeout: Duration,
        ) -> Result<Vec<u8>, notary_revocation::FetchError> {
            let mut st = self.state.lock().unwrap();
            st.0 += 1;
            self.arrived.notify_all();
            let (mut st, _) = self
                .arrived
                .wait_timeout_while(st, Duration::from_secs(3), |st| st.0 < 2)
                .unwrap();
            let met = st.0 >= 2;
            st.1.push(met);
            drop(st);
            self.inner.crl(url, max, timeout)
        }
    }

    /// The certificates of a chain are checked at once, as notation checks them: two
    /// unreachable responders cost one timeout, not two.
    #[test]
    fn the_certificates_of_a_chain_are_checked_at_once() {
        let f = Arc::new(Rendezvous {
            inner: StaticFetcher::new()
                .with_crl(
                    "http://localhost:10086/leaf.crl",
                    data("notation-e2e/config/crl/leaf.crl"),
                )
                .with_crl(
                    "http://localhost:10086/intermediate.crl",
                    data("notation-e2e/config/crl/intermediate.crl"),
                ),
            state: std::sync::Mutex::new((0, Vec::new())),
            arrived: std::sync::Condvar::new(),
        });
        let status = Checker::new_with(x509(), f.clone()).check(
            &crl_chain(),
            RevocationPurpose::CodeSigning,
            None,
            now(),
        );
        assert!(matches!(status, RevocationStatus::Good), "{status:?}");
        assert_eq!(f.state.lock().unwrap().1, [true, true]);
    }

}
