//! Flag validation of `sign`/`verify`/`list`/`inspect`/`blob sign` as notation v1.3 does it.

#[path = "support/env.rs"]
mod support;

use support::Env;

/// An environment with a default test key and a one-artifact OCI layout; the layout reference
/// `<path>:v1`.
fn env_with_layout() -> (Env, String) {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "acme", "--default"]);
    let (layout, _) = e.layout_with_artifact(Some("application/vnd.example"));
    let reference = format!("{}:v1", layout.display());
    (e, reference)
}

/// The expiry the signature file records, minus its signing time, in seconds.
fn expiry_seconds(e: &Env, sig: &str) -> i64 {
    let out = e.ok(&["blob", "inspect", "-o", "json", sig]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let attrs = &v["signedAttributes"];
    let parse = |k: &str| {
        let s = attrs[k].as_str().unwrap_or_else(|| panic!("{k} in {out}"));
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|err| panic!("{s}: {err}"))
    };
    (parse("expiry") - parse("signingTime")).whole_seconds()
}

#[test]
fn expiry_takes_go_durations_exactly_and_refuses_negative_or_sub_second_ones() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "acme", "--default"]);
    e.write("artifact.bin", "the release artifact\n");
    // Whole seconds in Go's exact arithmetic, which summing floats in seconds got wrong.
    for (expiry, seconds) in [
        ("4.1m", 246),
        ("0.55h", 1980),
        ("+1h30m", 5400),
        ("1h0.5m", 3630),
    ] {
        e.ok_both(&["blob", "sign", "--force", "-e", expiry, "artifact.bin"]);
        assert_eq!(
            expiry_seconds(&e, "artifact.bin.jws.sig"),
            seconds,
            "{expiry}"
        );
    }
    // `-e -1h` is the flag's value, as pflag takes it, refused as notation-go does.
    let err = e.fails(&["blob", "sign", "--force", "-e", "-1h", "artifact.bin"]);
    assert!(
        err.contains("expiry duration cannot be a negative value"),
        "{err}"
    );
    let err = e.fails(&["blob", "sign", "--force", "-e", "1500ms", "artifact.bin"]);
    assert!(err.contains("minimum granularity of seconds"), "{err}");
    // Past Go's largest duration (about 2562047h) pflag refuses the value.
    // pflag's words around Go's time.ParseDuration's.
    for (bad, reason) in [
        ("2562048h", "invalid duration \"2562048h\""),
        ("1x", "unknown unit \"x\" in duration \"1x\""),
        ("h", "invalid duration \"h\""),
        (".h", "invalid duration \".h\""),
        ("1", "missing unit in duration \"1\""),
        ("", "invalid duration \"\""),
    ] {
        let err = e.fails(&["blob", "sign", "--force", "-e", bad, "artifact.bin"]);
        assert!(
            err.contains(&format!(
                "invalid argument {bad:?} for \"-e, --expiry\" flag: time: {reason}"
            )),
            "{bad}: {err}"
        );
    }
}

#[test]
fn key_value_flags_need_a_key_and_a_value() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "acme", "--default"]);
    e.write("artifact.bin", "the release artifact\n");
    for flag in ["-m", "--plugin-config"] {
        // notation's one message for a missing separator, key or value.
        for pair in ["buildId=", "=7"] {
            let err = e.fails(&["blob", "sign", flag, pair, "artifact.bin"]);
            assert!(err.contains("requires \"=\" as separator"), "{flag}: {err}");
        }
        let err = e.fails(&["blob", "sign", flag, "buildId", "artifact.bin"]);
        assert!(err.contains("requires \"=\" as separator"), "{flag}: {err}");
    }
    let err = e.fails(&["blob", "sign", "-m", "a=1", "-m", "a=2", "artifact.bin"]);
    assert!(err.contains("more than once"), "{err}");
    // The reserved prefix is refused on sign, as notation-go does.
    let err = e.fails(&["blob", "sign", "-m", "io.cncf.notary.x=1", "artifact.bin"]);
    assert!(err.contains("reserved"), "{err}");
    assert!(!e.work.join("artifact.bin.jws.sig").exists());
    // A value may itself hold '='.
    e.ok_both(&["blob", "sign", "-m", "q=a=b", "artifact.bin"]);
}

#[test]
fn max_signatures_must_be_positive() {
    let (e, reference) = env_with_layout();
    for cmd in ["list", "inspect"] {
        let err = e.fails(&[cmd, "--oci-layout", "--max-signatures", "0", &reference]);
        assert!(
            err.contains("max-signatures value 0 must be a positive number"),
            "{cmd}: {err}"
        );
    }
    let err = e.fails(&[
        "verify",
        "--oci-layout",
        "--scope",
        "local/app",
        "--max-signatures",
        "0",
        &reference,
    ]);
    assert!(
        err.contains("max-signatures value 0 must be a positive number"),
        "{err}"
    );
    let o = e.run(&["list", "--oci-layout", "--max-signatures=-1", &reference]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn allow_referrers_api_is_accepted_as_deprecated() {
    let (e, reference) = env_with_layout();
    e.ok_both(&["sign", "--oci-layout", &reference]);
    for cmd in ["list", "inspect"] {
        let (out, err) = e.ok_both(&[cmd, "--oci-layout", "--allow-referrers-api", &reference]);
        assert!(out.contains("sha256:"), "{cmd}: {out}");
        assert!(
            err.contains("Warning: flag '--allow-referrers-api' is deprecated"),
            "{cmd}: {err}"
        );
    }
    // notation: mutually exclusive with --oci-layout and --force-referrers-tag on sign, in
    // cobra's words.
    for (extra, set) in [
        ("--oci-layout", "allow-referrers-api oci-layout"),
        (
            "--force-referrers-tag=false",
            "allow-referrers-api force-referrers-tag",
        ),
    ] {
        let args = [
            "sign",
            "--allow-referrers-api",
            extra,
            "localhost:5000/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ];
        let err = e.fails(&args);
        assert!(
            err.contains(&format!("if any flags in the group [oci-layout force-referrers-tag allow-referrers-api] are set none of the others can be; [{set}] were all set")),
            "{args:?}: {err}"
        );
    }
    // Boolean flags take their value only after '=', as pflag's do: the next argument is the
    // reference (an unreachable registry here), not the flag's value.
    let unreachable =
        "localhost:1/app@sha256:0000000000000000000000000000000000000000000000000000000000000000";
    for flag in ["--allow-referrers-api", "--force-referrers-tag"] {
        let err = e.fails(&["sign", flag, unreachable]);
        assert!(!err.contains("invalid value"), "{flag}: {err}");
        assert!(err.contains("localhost:1"), "{flag}: {err}");
    }
    for cmd in ["list", "inspect"] {
        let err = e.fails(&[cmd, "--allow-referrers-api", unreachable]);
        assert!(err.contains("localhost:1"), "{cmd}: {err}");
    }
}

#[test]
fn an_empty_timestamp_url_is_refused() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "acme", "--default"]);
    e.write("artifact.bin", "the release artifact\n");
    let root = e.config.join("truststore/x509/ca/acme/acme.crt");
    let err = e.fails(&[
        "blob",
        "sign",
        "--timestamp-url",
        "",
        "--timestamp-root-cert",
        root.to_str().unwrap(),
        "artifact.bin",
    ]);
    assert!(err.contains("tsa url cannot be empty"), "{err}");
    assert!(!e.work.join("artifact.bin.jws.sig").exists());
}

#[test]
fn max_signatures_bounds_the_candidates_before_trusted_ones_are_tried_first() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "--bits", "256", "stranger"]);
    e.trust_test_key("acme", "local/app", "app");
    let (layout, _) = e.layout_with_artifact(Some("application/vnd.example"));
    let reference = format!("{}:v1", layout.display());
    // Listed first: a signature of a key no policy trusts; then one of the trusted key.
    e.ok_both(&["sign", "--oci-layout", "--key", "stranger", &reference]);
    // A layout lists oldest first by the creation annotation (whole seconds), then by digest.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    e.ok_both(&["sign", "--oci-layout", &reference]);
    let verify = |max: &str| {
        e.run(&[
            "verify",
            "--oci-layout",
            "--scope",
            "local/app",
            "--max-signatures",
            max,
            &reference,
        ])
    };
    // With a limit of one only the first listed signature may be evaluated (notation), even
    // though the second names a trusted certificate.
    let o = verify("1");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("signature verification failed for all the signatures"),
        "{err}"
    );
    let o = verify("2");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
