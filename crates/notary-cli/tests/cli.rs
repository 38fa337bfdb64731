//! Drives the `notary` binary as a user would, with a fresh configuration directory per test.

#[path = "support/env.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use support::Env;

fn blob_policy(level: &str, identity: &str) -> String {
    format!(
        r#"{{"version":"1.0","trustPolicies":[{{"name":"wabbit","globalPolicy":true,
        "signatureVerification":{{"level":"{level}"}},"trustStores":["ca:wabbit"],"trustedIdentities":["{identity}"]}}]}}"#
    )
}

#[test]
fn blob_sign_verify_tamper_identity_audit() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "wabbit", "--default"]);
    // notation's layout and JSON field names.
    let keys: serde_json::Value =
        serde_json::from_slice(&std::fs::read(e.config.join("signingkeys.json")).unwrap()).unwrap();
    assert_eq!(keys["default"], "wabbit");
    assert_eq!(keys["keys"][0]["name"], "wabbit");
    assert!(
        Path::new(keys["keys"][0]["keyPath"].as_str().unwrap()).ends_with("localkeys/wabbit.key")
    );
    assert!(
        Path::new(keys["keys"][0]["certPath"].as_str().unwrap()).ends_with("localkeys/wabbit.crt")
    );
    assert!(
        e.config
            .join("truststore/x509/ca/wabbit/wabbit.crt")
            .is_file()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(e.config.join("localkeys/wabbit.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let blob = e.write("artifact.bin", "the release artifact\n");
    e.ok_both(&["blob", "sign", "artifact.bin"]);
    e.ok_both(&[
        "blob",
        "sign",
        "--signature-format",
        "cose",
        "-m",
        "buildId=7",
        "artifact.bin",
    ]);
    assert!(e.work.join("artifact.bin.jws.sig").is_file());
    assert!(e.work.join("artifact.bin.cose.sig").is_file());
    // An existing signature is replaced only once the user agrees; no answer keeps it.
    let before = std::fs::read(e.work.join("artifact.bin.jws.sig")).unwrap();
    let out = e.ok(&["blob", "sign", "artifact.bin"]);
    assert!(out.contains("already exists"), "{out}");
    assert_eq!(
        std::fs::read(e.work.join("artifact.bin.jws.sig")).unwrap(),
        before
    );

    let pol = e.write(
        "policy.json",
        &blob_policy(
            "strict",
            "x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit",
        ),
    );
    e.ok_both(&["blob", "policy", "import", pol.to_str().unwrap()]);
    assert!(e.config.join("trustpolicy.blob.json").is_file());
    for sig in ["artifact.bin.jws.sig", "artifact.bin.cose.sig"] {
        let (out, _) = e.ok_both(&["blob", "verify", "--signature", sig, "artifact.bin"]);
        // notation names the blob, not the signature.
        assert!(
            out.starts_with("Successfully verified signature for artifact.bin\n"),
            "{out}"
        );
    }
    e.ok_both(&[
        "blob",
        "verify",
        "-s",
        "artifact.bin.cose.sig",
        "-m",
        "buildId=7",
        "artifact.bin",
    ]);
    let err = e.fails(&[
        "blob",
        "verify",
        "-s",
        "artifact.bin.cose.sig",
        "-m",
        "buildId=8",
        "artifact.bin",
    ]);
    assert!(err.contains("user_metadata"), "{err}");

    // Tampered blob.
    std::fs::write(&blob, "the release artifact, modified\n").unwrap();
    let err = e.fails(&[
        "blob",
        "verify",
        "--signature",
        "artifact.bin.jws.sig",
        "artifact.bin",
    ]);
    assert!(
        err.contains("signature verification failed") && err.contains("target_mismatch"),
        "{err}"
    );
    std::fs::write(&blob, "the release artifact\n").unwrap();

    // Another trusted identity: refused under strict.
    let pol = e.write(
        "policy2.json",
        &blob_policy("strict", "x509.subject: C=US, ST=WA, O=Someone Else"),
    );
    e.ok_both(&["blob", "policy", "import", "--force", pol.to_str().unwrap()]);
    let err = e.fails(&[
        "blob",
        "verify",
        "--signature",
        "artifact.bin.jws.sig",
        "artifact.bin",
    ]);
    // notation reports a trusted identity that does not match as an authenticity failure.
    assert!(
        err.contains("authenticity validation failed. Failure reason: signing certificate from the digital signature does not match the X.509 trusted identities"),
        "{err}"
    );

    // Audit: passes with a warning.
    let pol = e.write(
        "policy3.json",
        &blob_policy("audit", "x509.subject: C=US, ST=WA, O=Someone Else"),
    );
    e.ok_both(&["blob", "policy", "import", "--force", pol.to_str().unwrap()]);
    let (out, err) = e.ok_both(&[
        "blob",
        "verify",
        "--signature",
        "artifact.bin.jws.sig",
        "artifact.bin",
    ]);
    // A blank line after the warning, as notation prints it.
    assert!(
        out.starts_with("\nSuccessfully verified signature for artifact.bin\n"),
        "{out}"
    );
    assert!(
        err.contains("Warning: authenticity was set to \"log\" and failed with error: signing certificate from the digital signature does not match"),
        "{err}"
    );

    let (out, _) = e.ok_both(&["blob", "inspect", "-o", "json", "artifact.bin.cose.sig"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["signatureEnvelopeType"], "application/cose");
    assert_eq!(v["userDefinedAttributes"]["buildId"], "7");
    let (out, _) = e.ok_both(&["blob", "inspect", "artifact.bin.jws.sig"]);
    assert!(
        out.contains("signature algorithm: RSASSA-PSS-SHA-256"),
        "{out}"
    );
}

#[test]
fn policy_and_cert_commands_validate_and_name_the_problem() {
    let e = Env::new();
    let bad = e.write("bad.json", r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"strict","override":{"integrity":"log"}},"trustStores":["ca:x"],"trustedIdentities":["*"]}]}"#);
    let err = e.fails(&["policy", "import", bad.to_str().unwrap()]);
    assert!(
        err.contains("failed to validate trust policy: ") && err.contains("integrity"),
        "{err}"
    );
    assert!(!e.config.join("trustpolicy.oci.json").exists());
    let good = e.write("good.json", r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:x"],"trustedIdentities":["*"]}]}"#);
    e.ok_both(&["policy", "import", good.to_str().unwrap()]);
    let (out, _) = e.ok_both(&["policy", "show"]);
    // The file's bytes as they are, as notation prints them (no newline added).
    assert_eq!(out.as_bytes(), std::fs::read(&good).unwrap(), "{out}");

    let notcert = e.write("not-a-cert.pem", "hello");
    let err = e.fails(&[
        "cert",
        "add",
        "-t",
        "ca",
        "-s",
        "x",
        notcert.to_str().unwrap(),
    ]);
    assert!(err.contains("not-a-cert.pem"), "{err}");
    e.ok_both(&["cert", "generate-test", "tester"]);
    let (out, _) = e.ok_both(&["cert", "list"]);
    // notation v1.3's table, laid out by Go's tabwriter.
    assert_eq!(
        out,
        "STORE TYPE   STORE NAME   CERTIFICATE   \nca           tester       tester.crt    \n"
    );
    let (out, _) = e.ok_both(&["cert", "show", "-t", "ca", "-s", "tester", "tester.crt"]);
    assert!(
        out.contains("Subject: CN=tester,O=Notary,L=Seattle,ST=WA,C=US"),
        "{out}"
    );
    e.ok_both(&[
        "cert",
        "delete",
        "-t",
        "ca",
        "-s",
        "tester",
        "-y",
        "tester.crt",
    ]);
    let (out, _) = e.ok_both(&["key", "list"]);
    assert!(out.contains("tester"));
    e.ok_both(&["key", "update", "tester", "--default"]);
    let err = e.fails(&["sign", "app:v1"]);
    assert!(
        err.contains("<registry>/<repository>") && err.contains("--oci-layout"),
        "{err}"
    );
    e.ok_both(&["key", "delete", "tester"]);
    let err = e.fails(&["blob", "sign", "good.json"]);
    assert!(
        err.starts_with("Error: default signing key not set. Please set default signing key or specify a key name"),
        "{err}"
    );
    // Like notation, the signer is looked at before the reference.
    let err = e.fails(&["sign", "app:v1"]);
    assert!(
        err.starts_with("Error: default signing key not set. Please set default signing key or specify a key name"),
        "{err}"
    );
    let err = e.fails(&[
        "blob",
        "sign",
        "--timestamp-url",
        "http://127.0.0.1:9/tsa",
        "good.json",
    ]);
    assert!(
        err.contains("if any flags in the group [timestamp-url timestamp-root-cert] are set they must all be set; missing [timestamp-root-cert]"),
        "{err}"
    );
    let err = e.fails(&["verify", "--insecure-registry", "127.0.0.1:9/app@sha256:zz"]);
    assert!(err.contains("invalid reference"), "{err}");
}

#[test]
fn oci_layout_sign_verify_list_inspect() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "acme", "--default"]);
    // A layout with one artifact, written with the library.
    let (layout, art) = e.layout_with_artifact(Some("application/vnd.example"));
    let reference = format!("{}:v1", layout.display());
    let (_, err) = e.ok_both(&["sign", "--oci-layout", &reference]);
    assert!(
        err.contains("Always sign the artifact using digest"),
        "{err}"
    );
    e.ok_both(&[
        "sign",
        "--oci-layout",
        "--signature-format",
        "cose",
        &format!("{}@{}", layout.display(), art.digest),
    ]);
    let (out, _) = e.ok_both(&["list", "--oci-layout", &reference]);
    assert_eq!(out.matches("sha256:").count(), 3, "{out}");
    let pol = e.write("p.json", r#"{"version":"1.0","trustPolicies":[{"name":"local","registryScopes":["local/app"],"signatureVerification":{"level":"strict"},"trustStores":["ca:acme"],"trustedIdentities":["x509.subject: C=US, ST=WA, O=Notary, CN=acme"]}]}"#);
    e.ok_both(&["policy", "import", pol.to_str().unwrap()]);
    let (out, _) = e.ok_both(&["verify", "--oci-layout", "--scope", "local/app", &reference]);
    assert!(out.contains("Successfully verified signature for"), "{out}");
    let err = e.fails(&[
        "verify",
        "--oci-layout",
        "--scope",
        "local/other",
        &reference,
    ]);
    assert!(err.contains("no applicable oci trust policy"), "{err}");
    let (out, _) = e.ok_both(&["inspect", "--oci-layout", "-o", "json", &reference]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
}

#[test]
fn parallel_processes_and_batches_signing_one_layout_lose_nothing() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "acme", "--default"]);
    let layout = e.work.join("layout");
    let l = notary_registry::OciLayout::create(&layout).unwrap();
    let config = l
        .push_blob("application/vnd.oci.empty.v1+json", b"{}")
        .unwrap();
    let mut digests = Vec::new();
    for i in 0..4 {
        let layer = l
            .push_blob("text/plain", format!("artifact {i}").as_bytes())
            .unwrap();
        let art = l
            .push_manifest(
                notary_registry::manifest::IMAGE_MANIFEST,
                &notary_registry::manifest::image_manifest(&config, &[layer], None, None, None),
                Some(&format!("v{i}")),
            )
            .unwrap();
        digests.push(art.digest.to_string());
    }
    let first = format!("{}@{}", layout.display(), digests[0]);
    // Eight processes sign the same artifact at once: index.json keeps every signature.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            Command::new(support::notary_bin())
                .args(["sign", "--oci-layout", &first])
                .current_dir(&e.work)
                .env_remove("NOTATION_CONFIG")
                .env("XDG_CONFIG_HOME", e.config.parent().unwrap())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut h in handles {
        assert!(h.wait().unwrap().success());
    }
    let (out, _) = e.ok_both(&["list", "--oci-layout", &first]);
    assert_eq!(out.matches("sha256:").count(), 1 + 8, "{out}");
    // One batch run signs the other three concurrently.
    let rest: Vec<String> = digests[1..]
        .iter()
        .map(|d| format!("{}@{d}", layout.display()))
        .collect();
    let mut args = vec!["sign", "--oci-layout"];
    args.extend(rest.iter().map(String::as_str));
    let (out, _) = e.ok_both(&args);
    assert_eq!(out.matches("Successfully signed").count(), 3, "{out}");
    for r in &rest {
        let (out, _) = e.ok_both(&["list", "--oci-layout", r]);
        assert_eq!(out.matches("sha256:").count(), 2, "{out}");
    }
}

/// Files named on the command line must be regular files within a bound: a FIFO as the blob
/// signature would block the command until a writer came (maybe never), and a huge signature
/// file would be read whole into memory before any check. (`policy import` reads a pipe, as
/// notation does: `policy import /dev/stdin`, see `pflag_parity.rs`.)
#[cfg(unix)]
#[test]
fn input_files_must_be_regular_and_bounded() {
    let e = Env::new();
    e.write("artifact.bin", "the release artifact\n");
    let fifo = e.work.join("artifact.bin.jws.sig");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let started = std::time::Instant::now();
    let err = e.fails(&[
        "blob",
        "verify",
        "--signature",
        "artifact.bin.jws.sig",
        "artifact.bin",
    ]);
    assert!(err.contains("not a regular file"), "{err}");
    let err = e.fails(&["blob", "inspect", "artifact.bin.jws.sig"]);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));

    // 33 MiB, sparse: over the 32 MiB an envelope may have.
    let big = e.work.join("big.jws.sig");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(33 * 1024 * 1024)
        .unwrap();
    let err = e.fails(&[
        "blob",
        "verify",
        "--signature",
        "big.jws.sig",
        "artifact.bin",
    ]);
    assert!(err.contains("larger than 33554432 bytes"), "{err}");
}

#[test]
fn each_command_help_starts_with_its_own_description() {
    let e = Env::new();
    for (cmd, about) in [
        ("sign", "Sign artifacts"),
        ("verify", "Verify artifacts"),
        ("list", "List signatures of the signed artifact"),
        (
            "inspect",
            "Inspect all signatures associated with the signed artifact",
        ),
        ("copy", "Copy an artifact and all its referrers"),
    ] {
        let out = e.ok(&[cmd, "--help"]);
        assert!(out.starts_with(about), "notary {cmd} --help: {out}");
    }
}

#[test]
fn key_and_plugin_lists_are_notations_tables() {
    let e = Env::new();
    // No plugin: the header alone, laid out as Go's tabwriter lays it out.
    assert_eq!(
        e.ok(&["plugin", "list"]),
        "NAME   DESCRIPTION   VERSION   CAPABILITIES   ERROR   \n"
    );
    e.default_test_key("acme");
    let keys = e.config.join("localkeys");
    let (key, crt) = (
        keys.join("acme.key").display().to_string(),
        keys.join("acme.crt").display().to_string(),
    );
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w - s.chars().count()));
    let (kw, cw) = (key.len() + 3, crt.len() + 3);
    assert_eq!(
        e.ok(&["key", "list"]),
        format!(
            "{}{}{}ID   PLUGIN NAME   \n{}{}{}{}\n",
            pad("NAME", 9),
            pad("KEY PATH", kw),
            pad("CERTIFICATE PATH", cw),
            pad("* acme", 9),
            pad(&key, kw),
            pad(&crt, cw),
            " ".repeat(5 + 14),
        )
    );
}
