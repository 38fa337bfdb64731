//! `notary blob sign --timestamp-url https://...`: the OpenSSL TSA behind a TLS front whose
//! certificate a test CA issued; the CLI trusts that CA through `SSL_CERT_FILE` (as Go does).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// The CLI suite's harness, for the one definition of the `notary` under test (`$NOTARY_BIN`).
#[path = "../crates/notary-cli/tests/support/env.rs"]
mod cli_env;
#[path = "support/proxy.rs"]
mod proxy;
mod support;
#[path = "support/tls.rs"]
mod tls;

fn notary(config: &Path, work: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(cli_env::notary_bin());
    c.args(args)
        .current_dir(work)
        .env_remove("NOTATION_CONFIG")
        .env("XDG_CONFIG_HOME", config)
        // Only what this test sets: no proxy or CA settings of the caller's environment.
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    for v in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// A temporary directory holding `config` (XDG_CONFIG_HOME), `work` (with `good.json` to sign)
/// and `pki` (the TSA's, from tests/pki/make-tsa.sh).
fn tsa_dirs() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (config, work, pki) = (
        tmp.path().join("config"),
        tmp.path().join("work"),
        tmp.path().join("pki"),
    );
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("good.json"), "{}").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pki/make-tsa.sh");
    let o = Command::new("bash").arg(script).arg(&pki).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (tmp, config, work, pki)
}

#[test]
fn blob_sign_with_an_https_tsa_trusted_through_ssl_cert_file() {
    let (tmp, config, work, pki) = tsa_dirs();
    let tls = tls::TestTls::new();
    let url = tls.front(&support::start_tsa(&pki, false));
    let ca_file = tmp.path().join("https-ca.pem");
    std::fs::write(&ca_file, &tls.ca_pem).unwrap();
    let tsa_root = pki.join("ca.crt");
    let tsa_root = tsa_root.to_str().unwrap();

    let o = notary(
        &config,
        &work,
        &[],
        &["cert", "generate-test", "wabbit", "--default"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sign = [
        "blob",
        "sign",
        "--timestamp-url",
        &url,
        "--timestamp-root-cert",
        tsa_root,
        "good.json",
    ];

    // Without the test CA: the TLS handshake fails, one clear error, no signature.
    let o = notary(&config, &work, &[], &sign);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("certificate"), "{err}");
    assert!(!work.join("good.json.jws.sig").exists());

    // SSL_CERT_FILE names the test CA: signed, with the TSA's countersignature.
    let o = notary(
        &config,
        &work,
        &[("SSL_CERT_FILE", ca_file.to_str().unwrap())],
        &sign,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sig = std::fs::read_to_string(work.join("good.json.jws.sig")).unwrap();
    assert!(sig.contains("io.cncf.notary.timestampSignature"), "{sig}");
}

#[test]
fn blob_sign_reaches_the_tsa_through_http_proxy_unless_no_proxy() {
    let (_tmp, config, work, pki) = tsa_dirs();
    let url = support::start_tsa(&pki, false);
    let (proxy_url, seen) = proxy::start();
    let tsa_root = pki.join("ca.crt");
    let tsa_root = tsa_root.to_str().unwrap();
    let o = notary(
        &config,
        &work,
        &[],
        &["cert", "generate-test", "wabbit", "--default"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sign = [
        "blob",
        "sign",
        "--force",
        "--timestamp-url",
        &url,
        "--timestamp-root-cert",
        tsa_root,
        "good.json",
    ];
    let o = notary(&config, &work, &[("HTTP_PROXY", &proxy_url)], &sign);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(*seen.lock().unwrap(), vec![format!("POST {url}")]);
    // NO_PROXY (lower case here) covers the host: straight to the TSA.
    let o = notary(
        &config,
        &work,
        &[
            ("http_proxy", &proxy_url),
            ("no_proxy", "localhost,127.0.0.1"),
        ],
        &sign,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(seen.lock().unwrap().len(), 1, "the proxy must not see it");
}

/// The hidden `--crypto` flag chooses the provider for the whole run, the timestamp request's
/// nonce included: a timestamped sign and verify work under each provider the CLI is built with
/// (a release build once lacked the pure-Rust provider's random source).
#[test]
fn timestamped_blob_sign_and_verify_under_each_crypto_provider() {
    let (_tmp, config, work, pki) = tsa_dirs();
    let url = support::start_tsa(&pki, false);
    let tsa_root = pki.join("ca.crt");
    let tsa_root = tsa_root.to_str().unwrap();
    let run = |args: &[&str]| {
        let o = notary(&config, &work, &[], args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&["cert", "generate-test", "wabbit", "--default"]);
    run(&["cert", "add", "-t", "tsa", "-s", "tsa", tsa_root]);
    std::fs::write(
        config.join("notation/trustpolicy.blob.json"),
        r#"{"version":"1.0","trustPolicies":[{"name":"p","signatureVerification":{"level":"strict"},"trustStores":["ca:wabbit","tsa:tsa"],"trustedIdentities":["*"],"globalPolicy":true}]}"#,
    )
    .unwrap();
    // The TSA's accuracy is 1.5001 s and the certificate starts now: a timestamp whose range
    // reaches before the certificate fails authenticTimestamp, as notation's does.
    std::thread::sleep(std::time::Duration::from_millis(2600));
    for crypto in ["aws-lc-rs", "rustcrypto"] {
        let sig = work.join("good.json.jws.sig");
        let _ = std::fs::remove_file(&sig);
        run(&[
            "--crypto",
            crypto,
            "blob",
            "sign",
            "--timestamp-url",
            &url,
            "--timestamp-root-cert",
            tsa_root,
            "good.json",
        ]);
        let text = std::fs::read_to_string(&sig).unwrap();
        assert!(
            text.contains("io.cncf.notary.timestampSignature"),
            "{crypto}: {text}"
        );
        run(&[
            "--crypto",
            crypto,
            "blob",
            "verify",
            "--signature",
            sig.to_str().unwrap(),
            "good.json",
        ]);
    }
}
