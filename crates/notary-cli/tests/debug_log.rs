//! `notary --debug verify` against a real registry (Debian's docker-registry behind htpasswd):
//! the HTTP exchanges (method, URL, status) and then every validation appear on stderr in the
//! order they happen, and neither the password nor any `Authorization` value does. `-v` shows
//! the validations without the HTTP exchanges; without a flag nothing is logged.

#[path = "support/env.rs"]
mod support;

#[path = "../../../tests/support/registry.rs"]
mod registry;

use base64::Engine as _;
use registry::{Kind, Options, Registry};

use support::Env;

const USER: &str = "alice";
const PASS: &str = "pa55-w0rd-never-logged";

/// The index of the first line at or after `from` containing every one of `parts`.
fn find(lines: &[&str], from: usize, parts: &[&str]) -> usize {
    lines
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, l)| parts.iter().all(|p| l.contains(p)))
        .map(|(i, _)| i)
        .unwrap_or_else(|| {
            panic!(
                "no line containing {parts:?} after line {from}:\n{}",
                lines.join("\n")
            )
        })
}

#[test]
fn debug_verify_logs_requests_then_validations_in_order_and_no_secret() {
    let reg = Registry::start(
        Kind::Distribution2,
        &Options {
            basic_auth: Some((USER.into(), PASS.into())),
            ..Options::default()
        },
    );
    let e = Env::new();
    e.trust_test_key("acme", &format!("{}/app", reg.host), "app-policy");
    let reference = reg.push_image("app", "v1", b"hello", Some((USER, PASS)));
    let creds = ["-u", USER, "-p", PASS, "--insecure-registry"];
    let mut sign = vec!["sign"];
    sign.extend(creds);
    sign.push(&reference);
    e.ok_both(&sign);

    let mut verify = vec!["--debug", "verify"];
    verify.extend(creds);
    verify.push(&reference);
    let (out, err) = e.ok_both(&verify);
    assert!(out.contains("Successfully verified"), "{out}");
    // The README's transcript comes from here (`-- --nocapture`).
    eprintln!("{err}");
    let lines: Vec<&str> = err.lines().collect();
    // Each exchange says how long its response took.
    for l in lines.iter().filter(|l| l.contains("HTTP request")) {
        let ms = l
            .split(" ms=")
            .nth(1)
            .unwrap_or_else(|| panic!("no ms= in {l}"));
        assert!(ms.trim().parse::<f64>().is_ok_and(|v| v >= 0.0), "{l}");
    }
    let manifests = format!("url=http://{}/v2/app/manifests/", reg.host);

    // The exchanges: a request refused with 401 and the Basic challenge; the listing (the
    // referrers API and the tag schema index are asked together; Distribution 2 has no API, so
    // the tag schema is used), then the signature manifest and the envelope.
    // The two listing requests run concurrently, so which one meets the 401 first, and the
    // order of their log lines, varies: only each one's own sequence is checked.
    let refused = find(&lines, 0, &["HTTP request", "method=GET", "status=401"]);
    let challenge = find(&lines, refused, &["authentication challenge", "Basic"]);
    let referrers = find(
        &lines,
        0,
        &["HTTP request", "/v2/app/referrers/sha256:", "status=404"],
    );
    let fallback = find(
        &lines,
        referrers,
        &["falling back to the referrers tag schema"],
    );
    let tag_index = find(
        &lines,
        challenge,
        &["HTTP request", &manifests, "sha256-", "status=200"],
    );
    let signature = find(
        &lines,
        fallback.max(tag_index),
        &["HTTP request", &format!("{manifests}sha256:"), "status=200"],
    );
    let envelope = find(
        &lines,
        signature,
        &[
            "HTTP request",
            "method=GET",
            "/v2/app/blobs/sha256:",
            "status=200",
        ],
    );

    // Then the validations, in notation's order, in the span of the policy that decided them.
    let span = r#"verify{policy="app-policy" level="strict""#;
    let mut at = envelope;
    for v in [
        "integrity",
        "authenticity",
        "trusted_identity",
        "expiry",
        "authentic_timestamp",
        "revocation",
        "target_mismatch",
    ] {
        at = find(
            &lines,
            at,
            &[span, &format!("validation=\"{v}\""), "result=\"passed\""],
        );
    }
    let verified = find(&lines, at, &[span, "signature verified"]);
    // notation's announcements of each check (its e2e tests look for them in `-d` output).
    for check in [
        "cert chain",
        "trust identity",
        "expiry",
        "authentic timestamp",
        "revocation",
    ] {
        find(&lines, envelope, &[span, &format!("Validating {check}")]);
    }
    find(
        &lines,
        verified,
        &["registry request counts", "requests=", "cache_misses="],
    );

    // No secret: not the password, not the Basic credential, no Authorization value at all.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"));
    for secret in [PASS, basic.as_str(), "Basic ", "Bearer ", "uthorization"] {
        assert!(!err.contains(secret), "{secret:?} in:\n{err}");
    }

    // -v: the validations, not the HTTP exchanges.
    let mut verbose = vec!["verify", "-v"];
    verbose.extend(creds);
    verbose.push(&reference);
    let (_, err) = e.ok_both(&verbose);
    assert!(err.contains("validation=\"integrity\""), "{err}");
    assert!(!err.contains("HTTP request"), "{err}");
    assert!(!err.contains("Validating cert chain"), "{err}");

    // No flag: nothing but the command's own output.
    let mut quiet = vec!["verify"];
    quiet.extend(creds);
    quiet.push(&reference);
    let (_, err) = e.ok_both(&quiet);
    assert!(!err.contains("validation"), "{err}");
}
