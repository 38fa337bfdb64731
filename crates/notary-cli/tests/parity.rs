//! Flags and names the `notary` command shares with notation v1.3: the `certificate` command
//! name, `cert generate-test --bits`, `-o` values refused rather than printed as text, the `-d`
//! letter left free (notation's `--debug`), `--plugin-config` reaching verification plugins,
//! and notation's words for a missing trust policy.

#[path = "support/env.rs"]
mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use notary::{EnvelopeMediaType, SignOptions};
use notary_core::header;
use notary_core::{AttributeKey, AttributeValue, ExtendedAttribute};

use support::Env;

/// The keys `cert generate-test` left in the configuration.
trait Keys {
    fn signer(&self, name: &str) -> notary_crypto::LocalSigner;
}

impl Keys for Env {
    fn signer(&self, name: &str) -> notary_crypto::LocalSigner {
        let local = self.config.join("localkeys");
        notary_crypto::LocalSigner::from_files(
            &local.join(format!("{name}.key")),
            &local.join(format!("{name}.crt")),
        )
        .unwrap()
    }
}

/// Runs each command, which must fail with an error containing its words.
fn fails_with(e: &Env, cases: &[(Vec<&str>, &str)]) {
    for (args, words) in cases {
        let err = e.fails(args);
        assert!(err.contains(words), "{words}\n{err}");
    }
}

/// A P-256 test key `name` as the default key, and a layout artifact signed with it: the
/// artifact's layout reference.
fn signed_layout(e: &Env, name: &str) -> String {
    e.ok(&["cert", "generate-test", "--bits", "256", name, "--default"]);
    let (layout, artifact) = e.layout_with_artifact(None);
    let reference = format!("{}@{}", layout.display(), artifact.digest);
    e.ok(&["sign", "--oci-layout", &reference]);
    reference
}

#[test]
fn certificate_is_the_command_name_and_cert_its_alias() {
    let e = Env::new();
    e.ok(&["certificate", "generate-test", "long"]);
    e.ok(&["cert", "generate-test", "short"]);
    let listed = e.ok(&["certificate", "ls"]);
    assert!(
        listed.contains("ca           long         long.crt"),
        "{listed}"
    );
    assert!(
        listed.contains("ca           short        short.crt"),
        "{listed}"
    );
    let help = e.ok(&["--help"]);
    assert!(help.contains("certificate"), "{help}");
}

#[test]
fn generate_test_bits_picks_the_key() {
    use notary_core::{KeySpec, Signer as _};
    let e = Env::new();
    for (bits, spec, kind) in [
        ("2048", KeySpec::Rsa2048, "RSA"),
        ("3072", KeySpec::Rsa3072, "RSA"),
        ("4096", KeySpec::Rsa4096, "RSA"),
        ("256", KeySpec::EcP256, "EC"),
        ("384", KeySpec::EcP384, "EC"),
        ("521", KeySpec::EcP521, "EC"),
    ] {
        let name = format!("k{bits}");
        let flag = if bits == "3072" { "-b" } else { "--bits" };
        let out = e.ok(&["cert", "generate-test", flag, bits, &name]);
        assert!(
            out.contains(&format!("generating {kind} Key with {bits} bits")),
            "{out}"
        );
        assert_eq!(e.signer(&name).key_spec().unwrap(), spec, "--bits {bits}");
    }
    // Without --bits: RSA-2048, as notation.
    e.ok(&["cert", "generate-test", "plain"]);
    assert_eq!(e.signer("plain").key_spec().unwrap(), KeySpec::Rsa2048);

    // A size nothing can sign with is refused before anything is written.
    let err = e.fails(&["cert", "generate-test", "--bits", "1024", "weak"]);
    assert!(err.contains("--bits 1024 is not supported"), "{err}");
    assert!(!e.config.join("localkeys/weak.key").exists());
    assert!(!e.config.join("truststore/x509/ca/weak").exists());
    let keys = std::fs::read_to_string(e.config.join("signingkeys.json")).unwrap();
    assert!(!keys.contains("weak"), "{keys}");
}

#[test]
fn unsupported_output_formats_are_errors_not_text() {
    let e = Env::new();
    // Refused before the artifact is even looked up: the layout does not exist.
    let missing = format!("{}:v1", e.work.join("no-layout").display());
    for args in [
        vec![
            "verify",
            "--oci-layout",
            "--scope",
            "local/app",
            "-o",
            "yaml",
            &missing,
        ],
        vec!["inspect", "--oci-layout", "-o", "yaml", &missing],
        vec!["inspect", "--oci-layout", "--output", "tree", &missing],
    ] {
        let err = e.fails(&args);
        assert!(
            err.contains("unrecognized output format"),
            "{args:?}: {err}"
        );
    }
    // The supported values still reach the command (which then finds no layout).
    let err = e.fails(&["inspect", "--oci-layout", "-o", "json", &missing]);
    assert!(!err.contains("output format"), "{err}");
    let err = e.fails(&["blob", "inspect", "-o", "yaml", "x.jws.sig"]);
    assert!(err.contains("output format"), "{err}");
}

#[test]
fn blob_sign_has_no_short_d_and_signature_directory_still_works() {
    let e = Env::new();
    e.ok(&[
        "cert",
        "generate-test",
        "--bits",
        "256",
        "wabbit",
        "--default",
    ]);
    std::fs::write(e.work.join("artifact.bin"), b"bytes").unwrap();
    let out_dir = e.work.join("sigs");
    // `-d` is notation's --debug: not an abbreviation of --signature-directory.
    let o = e.run(&[
        "blob",
        "sign",
        "-d",
        out_dir.to_str().unwrap(),
        "artifact.bin",
    ]);
    assert!(!o.status.success());
    assert!(!out_dir.exists());
    e.ok(&[
        "blob",
        "sign",
        "--signature-directory",
        out_dir.to_str().unwrap(),
        "artifact.bin",
    ]);
    assert!(out_dir.join("artifact.bin.jws.sig").is_file());
    // The default is the current directory, as notation's `blob sign`.
    let sub = e.work.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("other.bin"), b"more").unwrap();
    e.ok(&["blob", "sign", "sub/other.bin"]);
    assert!(e.work.join("other.bin.jws.sig").is_file());
    assert!(!sub.join("other.bin.jws.sig").exists());
}

/// Without a trust policy, `verify` and `blob verify` fail with notation's words (its e2e
/// tests and users' scripts match "trust policy is not present"), then name the file.
#[test]
fn a_missing_trust_policy_is_reported_in_notations_words() {
    let e = Env::new();
    let reference = signed_layout(&e, "p");
    std::fs::write(e.work.join("artifact.bin"), b"bytes").unwrap();
    e.ok(&["blob", "sign", "artifact.bin"]);
    let notation = "trust policy is not present. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy";
    for (args, file) in [
        (
            vec![
                "verify",
                "--oci-layout",
                "--scope",
                "local/x",
                reference.as_str(),
            ],
            "trustpolicy.oci.json",
        ),
        (
            vec![
                "blob",
                "verify",
                "--signature",
                "artifact.bin.jws.sig",
                "artifact.bin",
            ],
            "trustpolicy.blob.json",
        ),
    ] {
        let err = e.fails(&args);
        assert!(err.contains(notation), "{err}");
        assert!(err.contains(file), "{err}");
    }
}

/// Messages in notation's words, which its users' scripts and its e2e tests look for.
#[test]
fn policy_plugin_key_and_trust_store_errors_use_notations_words() {
    let e = Env::new();
    let err = e.fails(&["policy", "show"]);
    assert!(err.contains("failed to show trust policy as the trust policy file does not exist.\nYou can import one using `notary policy import <path-to-policy.json>`"), "{err}");
    let err = e.fails(&["blob", "policy", "show"]);
    assert!(
        err.contains("failed to show blob trust policy as the trust policy file does not exist."),
        "{err}"
    );
    // An invalid policy is shown, with the reason and a hint, and the command succeeds.
    let invalid = r#"{"version":"1.0","trustPolicies":[]}"#;
    std::fs::create_dir_all(&e.config).unwrap();
    for (file, args, hint) in [
        (
            "trustpolicy.json",
            vec!["policy", "show"],
            "Existing trust policy configuration is invalid",
        ),
        (
            "trustpolicy.blob.json",
            vec!["blob", "policy", "show"],
            "Existing blob trust policy configuration is invalid",
        ),
    ] {
        std::fs::write(e.config.join(file), invalid).unwrap();
        let (out, err) = e.ok_both(&args);
        assert_eq!(out, invalid);
        assert!(
            err.contains("Error: trust policy document can not have zero trust policy statements"),
            "{err}"
        );
        assert!(err.contains(hint), "{err}");
    }
    let err = e.fails(&["plugin", "uninstall", "nope", "-y"]);
    assert!(err.contains("unable to find plugin nope.\nTo view a list of installed plugins, use `notary plugin list`"), "{err}");
    let err = e.fails(&["key", "delete", "nokey"]);
    assert!(err.contains("signing key nokey not found"), "{err}");
    // sign words it as notation does too (nothing after the name).
    let err = e.fails(&["sign", "--key", "nokey", "--oci-layout", "none:v1"]);
    assert!(
        err.contains("Error: signing key nokey not found\n"),
        "{err}"
    );

    // Trust policy statements and trust stores, as notation words them.
    let reference = signed_layout(&e, "e2e");
    for (statement, words) in [
        (
            r#""trustedIdentities":["*"]"#,
            r#"trust policy statement "e2e" is either missing trust stores or trusted identities, both must be specified"#,
        ),
        (
            r#""trustStores":["ca:e2e"],"trustedIdentities":["x509.subject: C=US, O=Notary"]"#,
            r#"trust policy statement "e2e" has trusted identity "x509.subject: C=US, O=Notary" with invalid identity value: distinguished name (DN) " C=US, O=Notary" has no mandatory RDN attribute for "ST""#,
        ),
        (
            r#""trustStores":["ca:e2e"],"trustedIdentities":["x509.subject:,"]"#,
            r#"with invalid identity value: parsing distinguished name (DN) "," failed with err: "#,
        ),
        (
            r#""trustStores":["ca:invalid_store"],"trustedIdentities":["*"]"#,
            r#"the trust store "invalid_store" of type "ca" does not exist"#,
        ),
    ] {
        std::fs::write(
            e.config.join("trustpolicy.json"),
            format!(
                r#"{{"version":"1.0","trustPolicies":[{{"name":"e2e","registryScopes":["*"],"signatureVerification":{{"level":"strict"}},{statement}}}]}}"#
            ),
        )
        .unwrap();
        let err = e.fails(&["verify", "--oci-layout", "--scope", "local/x", &reference]);
        assert!(err.contains(words), "{words}\n{err}");
    }
    let err = e.fails(&["verify", "--oci-layout", "--scope", "bad scope", &reference]);
    assert!(err.contains(r#"registry scope "bad scope" is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag"#), "{err}");
}

/// Flag errors in notation's (cobra's) words.
#[test]
fn flag_errors_use_notations_words() {
    let e = Env::new();
    let reference = signed_layout(&e, "f");
    fails_with(
        &e,
        &[
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--timestamp-root-cert",
                    "x.pem",
                    &reference,
                ],
                "if any flags in the group [timestamp-url timestamp-root-cert] are set they must all be set; missing [timestamp-url]",
            ),
            (
                vec!["verify", "--oci-layout", &reference],
                "if any flags in the group [oci-layout scope] are set they must all be set; missing [scope]",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--signature-format",
                    "invalid",
                    &reference,
                ],
                "signature format \"invalid\" not supported\nSupported signature envelope formats are \"jws\" and \"cose\"",
            ),
            (
                vec!["sign", "--oci-layout", "-m", "novalue", &reference],
                "could not parse flag user-metadata: key-value pair requires \"=\" as separator",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--plugin-config",
                    "novalue",
                    &reference,
                ],
                "could not parse flag plugin-config: key-value pair requires \"=\" as separator",
            ),
        ],
    );
}

/// `blob verify` and `blob inspect` refuse signature files and arguments in notation's words.
#[test]
fn blob_signature_file_errors_use_notations_words() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "b", "--default"]);
    std::fs::write(e.work.join("blobFile.txt"), b"bytes").unwrap();
    e.ok(&["blob", "sign", "blobFile.txt"]);
    let signed = e.work.join("blobFile.txt.jws.sig");
    // (The policy is read before the signature file's name, as notation reads them.)
    std::fs::write(
        e.config.join("trustpolicy.blob.json"),
        r#"{"version":"1.0","trustPolicies":[{"name":"g","signatureVerification":{"level":"strict"},"trustStores":["ca:b"],"trustedIdentities":["*"],"globalPolicy":true}]}"#,
    )
    .unwrap();
    for (name, words) in [
        (
            "blobFile.txt.jws.invalid",
            "invalid signature filename blobFile.txt.jws.invalid. The file extension must be .sig",
        ),
        (
            "blobFile.sig",
            "invalid signature filename blobFile.sig. A valid signature file name must contain signature format and .sig file extension",
        ),
        (
            "blobFile.txt.invalid.sig",
            "signature format \"invalid\" not supported\nSupported signature envelope formats are \"jws\" and \"cose\"",
        ),
    ] {
        std::fs::copy(&signed, e.work.join(name)).unwrap();
        let err = e.fails(&["blob", "verify", "--signature", name, "blobFile.txt"]);
        assert!(err.contains(words), "{words}\n{err}");
    }
    let err = e.fails(&["blob", "verify", "blobFile.txt"]);
    assert!(
        err.contains("filepath of the signature cannot be empty"),
        "{err}"
    );
    let err = e.fails(&["blob", "inspect"]);
    assert!(err.contains("missing signature path"), "{err}");
    // Operating-system errors read as Go writes them.
    let err = e.fails(&["blob", "inspect", "absent.jws.sig"]);
    assert!(
        err.contains(
            "failed to read signature file: open absent.jws.sig: no such file or directory"
        ),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
    std::fs::write(e.work.join("garbage.jws.sig"), b"garbage").unwrap();
    let err = e.fails(&["blob", "inspect", "garbage.jws.sig"]);
    assert!(
        err.starts_with("Error: failed to parse signature: "),
        "{err}"
    );
    e.ok(&[
        "blob",
        "verify",
        "--signature",
        "blobFile.txt.jws.sig",
        "blobFile.txt",
    ]);
    let err = e.fails(&[
        "blob",
        "verify",
        "--media-type",
        "image/jpeg",
        "--signature",
        "blobFile.txt.jws.sig",
        "blobFile.txt",
    ]);
    assert!(
        err.starts_with(
            "Error: provided signature verification failed against blob blobFile.txt: "
        ) && err.contains("integrity check failed. signature does not match the given blob"),
        "{err}"
    );
    let err = e.fails(&[
        "blob",
        "verify",
        "-m",
        "k=v",
        "--signature",
        "blobFile.txt.jws.sig",
        "blobFile.txt",
    ]);
    assert!(
        err.starts_with(
            "Error: signature verification failed: unable to find specified metadata in the signature"
        ),
        "{err}"
    );
    // No statement of that name: notation-go's words, unprefixed.
    let err = e.fails(&[
        "blob",
        "verify",
        "--policy-name",
        "wabbit-networks-policy",
        "--signature",
        "blobFile.txt.jws.sig",
        "blobFile.txt",
    ]);
    assert_eq!(
        err.trim_end(),
        "Error: signature verification failed: no applicable blob trust policy with name \"wabbit-networks-policy\""
    );
    // An empty policy name asks for the global statement; an empty media type is refused.
    e.ok(&[
        "blob",
        "verify",
        "--policy-name",
        "",
        "--signature",
        "blobFile.txt.jws.sig",
        "blobFile.txt",
    ]);
    let err = e.fails(&[
        "blob",
        "verify",
        "--media-type",
        "",
        "--signature",
        "blobFile.txt.jws.sig",
        "blobFile.txt",
    ]);
    assert!(
        err.contains("--media-type is set but with empty value"),
        "{err}"
    );
    // The format is read in any case; a name without `.sig` names the extension first.
    std::fs::copy(&signed, e.work.join("blobFile.txt.JWS.sig")).unwrap();
    e.ok(&[
        "blob",
        "verify",
        "--signature",
        "blobFile.txt.JWS.sig",
        "blobFile.txt",
    ]);
    std::fs::copy(&signed, e.work.join("blobFile")).unwrap();
    let err = e.fails(&["blob", "verify", "--signature", "blobFile", "blobFile.txt"]);
    assert!(
        err.contains("invalid signature filename blobFile. The file extension must be .sig"),
        "{err}"
    );
    // The blob is opened before the signature is read.
    let err = e.fails(&[
        "blob",
        "verify",
        "--signature",
        "absent.jws.sig",
        "absent.txt",
    ]);
    assert!(
        err.contains("Error: open absent.txt: no such file or directory"),
        "{err}"
    );
    let err = e.fails(&["blob", "verify", "--signature", "x.jws.sig"]);
    assert!(err.contains("missing path to the blob artifact"), "{err}");
    let err = e.fails(&["blob", "sign"]);
    assert!(
        err.contains("missing file path to the blob artifact: use `notary blob sign --help`"),
        "{err}"
    );
}

/// `blob sign` names and replaces signature files as notation does: the directory joined and
/// cleaned as Go's `filepath.Join`, `--force` warning, an existing file replaced only once the
/// user agrees.
#[test]
fn blob_sign_names_and_replaces_signature_files_as_notation_does() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "b", "--default"]);
    std::fs::write(e.work.join("a.txt"), b"bytes").unwrap();
    let out = e.ok(&["blob", "sign", "a.txt"]);
    assert_eq!(
        out,
        "Successfully signed a.txt\nSignature file written to a.txt.jws.sig\n"
    );
    let first = std::fs::read(e.work.join("a.txt.jws.sig")).unwrap();
    // notation-go's words and order: reserved metadata once the blob is read, the empty
    // timestamp URL before the signer.
    let err = e.fails(&["blob", "sign", "-m", "io.cncf.notary.x=1", "a.txt"]);
    assert!(
        err.contains("error adding user metadata: metadata key io.cncf.notary.x has reserved prefix io.cncf.notary"),
        "{err}"
    );
    let err = e.fails(&[
        "blob",
        "sign",
        "--timestamp-url",
        "",
        "--timestamp-root-cert",
        "r.crt",
        "--key",
        "nope",
        "a.txt",
    ]);
    assert!(
        err.contains("timestamping: tsa url cannot be empty"),
        "{err}"
    );
    for (dir, printed) in [
        ("./sigs/", "sigs/a.txt.cose.sig"),
        ("x/../sigs", "sigs/a.txt.cose.sig"),
        ("", "a.txt.cose.sig"),
    ] {
        let out = e.ok(&[
            "blob",
            "sign",
            "--force",
            "--signature-format",
            "cose",
            "--signature-directory",
            dir,
            "a.txt",
        ]);
        assert!(
            out.ends_with(&format!("Signature file written to {printed}\n")),
            "{dir}: {out}"
        );
        assert!(e.work.join(printed).is_file(), "{printed}");
    }
    // No answer declines: the command succeeds and the file stays as it was.
    let o = e.run(&["blob", "sign", "a.txt"]);
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.starts_with("The signature file already exists, do you want to overwrite it? [y/N]"),
        "{stdout}"
    );
    assert!(!stdout.contains("Successfully signed"), "{stdout}");
    assert_eq!(std::fs::read(e.work.join("a.txt.jws.sig")).unwrap(), first);
    // "y" replaces it; --force warns, even with nothing to replace.
    let o = e.run_with_stdin(&["blob", "sign", "a.txt"], b"y\n");
    assert!(o.status.success());
    assert_ne!(std::fs::read(e.work.join("a.txt.jws.sig")).unwrap(), first);
    let (_, err) = e.ok_both(&[
        "blob",
        "sign",
        "--force",
        "--signature-directory",
        "new",
        "a.txt",
    ]);
    assert!(
        err.contains("Warning: existing signature file will be overwritten"),
        "{err}"
    );
}

/// `blob policy init` writes the document notation writes (two-space indent, members in
/// notation-go's order, no final newline) and `blob policy import` speaks of the blob policy.
#[test]
fn blob_policy_init_and_import_follow_notation() {
    let e = Env::new();
    let policy = e.config.join("trustpolicy.blob.json");
    let err = e.fails(&["blob", "policy", "init"]);
    assert!(
        err.contains(r#"required flag(s) "name", "trust-store", "trusted-identity" not set"#),
        "{err}"
    );
    let err = e.fails(&[
        "blob",
        "policy",
        "init",
        "--name",
        "n",
        "--trusted-identity",
        "*",
    ]);
    assert!(
        err.contains(r#"required flag(s) "trust-store" not set"#),
        "{err}"
    );
    let err = e.fails(&[
        "blob",
        "policy",
        "init",
        "--name",
        "n",
        "--trust-store",
        "bad",
        "--trusted-identity",
        "*",
    ]);
    assert!(err.starts_with("Error: invalid blob policy: "), "{err}");
    assert!(!policy.exists());
    let out = e.ok(&[
        "blob",
        "policy",
        "init",
        "-n",
        "n<&>",
        "--trust-store",
        "ca:s",
        "--trusted-identity",
        "x509.subject: C=US, ST=WA, O=a",
        "--global",
    ]);
    assert_eq!(
        out,
        format!(
            "Successfully initialized blob trust policy file to {}.\n",
            policy.display()
        )
    );
    let written = std::fs::read_to_string(&policy).unwrap();
    assert_eq!(
        written,
        "{\n  \"version\": \"1.0\",\n  \"trustPolicies\": [\n    {\n      \"name\": \"n\\u003c\\u0026\\u003e\",\n      \"signatureVerification\": {\n        \"level\": \"strict\"\n      },\n      \"trustStores\": [\n        \"ca:s\"\n      ],\n      \"trustedIdentities\": [\n        \"x509.subject: C=US, ST=WA, O=a\"\n      ],\n      \"globalPolicy\": true\n    }\n  ]\n}"
    );
    assert_eq!(
        std::fs::metadata(&policy).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // An existing policy: no answer keeps it; --force warns and replaces it.
    let again = [
        "blob",
        "policy",
        "init",
        "--name",
        "m",
        "--trust-store",
        "ca:s",
        "--trusted-identity",
        "*",
    ];
    let out = e.ok(&again);
    assert!(
        out.starts_with("The blob trust policy configuration already exists"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), written);
    let mut forced = again.to_vec();
    forced.push("--force");
    let (_, err) = e.ok_both(&forced);
    assert!(
        err.contains("Warning: existing blob trust policy configuration will be overwritten"),
        "{err}"
    );
    assert!(
        !std::fs::read_to_string(&policy)
            .unwrap()
            .contains("globalPolicy")
    );
    // A file that is not a policy document is replaced without a question.
    std::fs::write(&policy, "{").unwrap();
    e.ok(&again);
    assert!(std::fs::read_to_string(&policy).unwrap().contains("\"m\""));

    // blob policy import: the blob policy named in every message.
    std::fs::write(e.work.join("bad.json"), "{").unwrap();
    let err = e.fails(&["blob", "policy", "import", "--force", "bad.json"]);
    assert!(
        err.contains("failed to parse blob trust policy configuration: "),
        "{err}"
    );
    let err = e.fails(&["blob", "policy", "import", "--force", "absent.json"]);
    assert!(
        err.contains(
            "failed to read blob trust policy file: open absent.json: no such file or directory"
        ),
        "{err}"
    );
    // (notation v1.3.2's words for the OCI policy.)
    let err = e.fails(&["policy", "import", "--force", "absent.json"]);
    assert!(
        err.contains(
            "Error: failed to read trust policy file: open absent.json: no such file or directory"
        ),
        "{err}"
    );
    let err = e.fails(&["blob", "policy", "import"]);
    assert!(
        err.contains("requires 1 argument but received 0.\nUsage: notary blob policy import <path-to-policy.json>\nPlease specify a trust policy configuration location as the argument"),
        "{err}"
    );
    let err = e.fails(&["policy", "import", "a", "b"]);
    assert!(
        err.contains("requires 1 argument but received 2.\nUsage: notary policy import <path-to-policy.json>\nPlease specify a trust policy file location as the argument"),
        "{err}"
    );
    std::fs::write(e.work.join("p.json"), &written).unwrap();
    let out = e.ok(&["blob", "policy", "import", "--force", "p.json"]);
    assert_eq!(
        out,
        format!(
            "Successfully imported blob trust policy configuration to {}.\n",
            policy.display()
        )
    );
}

/// `plugin install` checks its arguments in notation's order and words.
#[test]
fn plugin_install_argument_errors_use_notations_words() {
    let e = Env::new();
    std::fs::write(e.work.join("p.zip"), b"x").unwrap();
    fails_with(
        &e,
        &[
            (vec!["plugin", "install"], "missing plugin source location"),
            (
                vec!["plugin", "install", "--file"],
                "missing plugin file path",
            ),
            (vec!["plugin", "install", "--url"], "missing plugin URL"),
            (
                vec!["plugin", "install", "--file", "a.zip", "b.zip"],
                "can only install one plugin at a time, but got [a.zip b.zip]",
            ),
            (
                vec!["plugin", "install", "p.zip"],
                "at least one of the flags in the group [file url] is required",
            ),
            (
                vec!["plugin", "install", "--url", "https://127.0.0.1:9/p.zip"],
                "installing from URL requires non-empty SHA256 checksum of the plugin source",
            ),
            (
                vec![
                    "plugin",
                    "install",
                    "--url",
                    "http://127.0.0.1:9/p.zip",
                    "--sha256sum",
                    "ab",
                ],
                "failed to download plugin from URL: only the HTTPS scheme is supported, but got http",
            ),
            (
                vec![
                    "plugin",
                    "install",
                    "--file",
                    "p.zip",
                    "--sha256sum",
                    "abcd",
                ],
                "plugin installation failed: plugin SHA-256 checksum does not match user input. Expecting abcd",
            ),
            (
                vec!["plugin", "install", "--file", "absent.zip"],
                "plugin installation failed: stat absent.zip: no such file or directory",
            ),
        ],
    );
}

/// `--timestamp-root-cert` and `--timestamp-url` failures in notation's words.
#[test]
fn timestamp_flag_failures_use_notations_words() {
    let e = Env::new();
    let reference = signed_layout(&e, "t");
    let leaf = e.config.join("localkeys/t.crt");
    let leaf_pem = std::fs::read(&leaf).unwrap();
    std::fs::write(e.work.join("garbage.pem"), b"garbage").unwrap();
    std::fs::write(e.work.join("empty.pem"), b"").unwrap();
    std::fs::write(
        e.work.join("two.pem"),
        [leaf_pem.clone(), leaf_pem].concat(),
    )
    .unwrap();
    let tsa = "http://127.0.0.1:9/tsa";
    for (root, words) in [
        ("garbage.pem", "x509: malformed certificate"),
        (
            "empty.pem",
            "cannot find any certificate from \"empty.pem\". Expecting single x509 root certificate in PEM or DER format from the file",
        ),
        (
            "two.pem",
            "found more than one certificates from \"two.pem\". Expecting single x509 root certificate in PEM or DER format from the file",
        ),
    ] {
        let err = e.fails(&[
            "sign",
            "--oci-layout",
            "--timestamp-url",
            tsa,
            "--timestamp-root-cert",
            root,
            &reference,
        ]);
        assert!(err.contains(words), "{words}\n{err}");
    }
    // A usable root, and a TSA nobody answers at: Go's form of the failed POST.
    let chain = notary_crypto::pki::ChainBuilder::new(
        notary_core::KeySpec::EcP256,
        time::OffsetDateTime::now_utc(),
    )
    .build()
    .unwrap();
    std::fs::write(e.work.join("root.der"), chain.root()).unwrap();
    let err = e.fails(&[
        "sign",
        "--oci-layout",
        "--timestamp-url",
        tsa,
        "--timestamp-root-cert",
        "root.der",
        &reference,
    ]);
    assert!(
        err.contains("Error: timestamp: Post \"http://127.0.0.1:9/tsa\": "),
        "{err}"
    );
}

/// A failed validation is logged in notation's words under `-v` ("authenticity validation
/// failed. Failure reason: ..."), as notation-go logs it.
#[test]
fn a_failed_validation_is_logged_in_notations_words() {
    let e = Env::new();
    e.trust_test_key("trusted", "local/words", "words");
    e.ok(&["cert", "generate-test", "--bits", "256", "other"]);
    let (layout, artifact) = e.layout_with_artifact(None);
    let reference = format!("{}@{}", layout.display(), artifact.digest);
    e.ok(&["sign", "--oci-layout", "--key", "other", &reference]);
    let o = e.run(&[
        "verify",
        "-v",
        "--oci-layout",
        "--scope",
        "local/words",
        &reference,
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("authenticity validation failed. Failure reason: "),
        "{err}"
    );
}

/// A verification plugin `claim` that records each `verify-signature` request in `seen` and
/// reports the trusted identity as verified.
fn claiming_plugin(plugins: &Path, seen: &Path) {
    let dir = plugins.join("claim");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("notation-claim");
    std::fs::write(
        &exe,
        format!(
            r#"#!/bin/sh
case "$1" in
get-plugin-metadata) cat >/dev/null; echo '{{"name":"claim","description":"d","version":"1.0.0","url":"u","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"]}}';;
verify-signature) cat > {seen}; echo '{{"verificationResults":{{"SIGNATURE_VERIFIER.TRUSTED_IDENTITY":{{"success":true}}}},"processedAttributes":[]}}';;
*) exit 1;;
esac
"#,
            seen = seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Sign options naming the verification plugin `claim`.
fn options_for_claim(format: EnvelopeMediaType) -> SignOptions {
    let mut o = SignOptions::new(time::OffsetDateTime::now_utc());
    o.format = format;
    o.extended_attributes.push(ExtendedAttribute {
        key: AttributeKey::Text(header::VERIFICATION_PLUGIN.into()),
        value: AttributeValue::Text("claim".into()),
        critical: true,
    });
    o
}

fn plugin_config_seen(seen: &Path) -> serde_json::Value {
    let request: serde_json::Value =
        serde_json::from_slice(&std::fs::read(seen).expect("the plugin was run")).unwrap();
    std::fs::remove_file(seen).unwrap();
    request["pluginConfig"].clone()
}

#[test]
fn blob_verify_plugin_config_reaches_the_verification_plugin() {
    let e = Env::new();
    let seen = e.work.join("request.json");
    claiming_plugin(&e.libexec.join("plugins"), &seen);
    e.ok(&["cert", "generate-test", "--bits", "256", "wabbit"]);
    let blob = e.work.join("artifact.bin");
    std::fs::write(&blob, b"release\n").unwrap();
    let (digest, size) = notary::verifier::hash_reader(
        &notary::default_provider(),
        notary_core::DigestAlgorithm::Sha256,
        &mut std::fs::File::open(&blob).unwrap(),
    )
    .unwrap();
    let desc = notary::Descriptor::new("application/octet-stream", digest, size);
    let signed = notary::sign_artifact(
        &desc,
        &e.signer("wabbit"),
        &options_for_claim(EnvelopeMediaType::Jws),
    )
    .unwrap();
    std::fs::write(e.work.join("artifact.bin.jws.sig"), &signed.bytes).unwrap();
    let policy = e.work.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":"1.0","trustPolicies":[{"name":"p","globalPolicy":true,
        "signatureVerification":{"level":"strict"},"trustStores":["ca:wabbit"],"trustedIdentities":["*"]}]}"#,
    )
    .unwrap();
    e.ok(&["blob", "policy", "import", policy.to_str().unwrap()]);

    let verify = |extra: &[&str]| {
        let mut args = vec!["blob", "verify", "-s", "artifact.bin.jws.sig"];
        args.extend_from_slice(extra);
        args.push("artifact.bin");
        let out = e.ok(&args);
        assert!(out.contains("Successfully verified"), "{out}");
    };
    verify(&[
        "--plugin-config",
        "region=eu",
        "--plugin-config",
        "mode=strict",
    ]);
    assert_eq!(
        plugin_config_seen(&seen),
        serde_json::json!({"region": "eu", "mode": "strict"})
    );
    verify(&[]);
    assert_eq!(plugin_config_seen(&seen), serde_json::Value::Null);
    // --debug shows the plugin run (name, command, duration, exit), never its request, whose
    // pluginConfig may hold secrets.
    let o = e.run(&[
        "--debug",
        "blob",
        "verify",
        "-s",
        "artifact.bin.jws.sig",
        "--plugin-config",
        "token=plugin-s3cret",
        "artifact.bin",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.lines().any(|l| l.contains("plugin run")
            && l.contains("command=\"verify-signature\"")
            && l.contains("duration_ms=")
            && l.contains("exit=\"success\"")),
        "{err}"
    );
    assert!(!err.contains("plugin-s3cret"), "{err}");
    plugin_config_seen(&seen);
    let err = e.fails(&[
        "blob",
        "verify",
        "-s",
        "artifact.bin.jws.sig",
        "--plugin-config",
        "novalue",
        "artifact.bin",
    ]);
    assert!(err.contains("could not parse flag plugin-config"), "{err}");
}

#[test]
fn verify_plugin_config_reaches_the_verification_plugin() {
    let e = Env::new();
    let seen = e.work.join("request.json");
    claiming_plugin(&e.libexec.join("plugins"), &seen);
    e.ok(&["cert", "generate-test", "--bits", "256", "acme"]);
    let (layout, art) = e.layout_with_artifact(None);
    let repo = notary_registry::OciLayout::open(&layout).unwrap();
    notary::artifact::block_on(notary::artifact::sign_and_push(
        &repo,
        &art.digest.to_string(),
        &e.signer("acme"),
        &options_for_claim(EnvelopeMediaType::Cose),
    ))
    .unwrap();
    let policy = e.work.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["local/app"],
        "signatureVerification":{"level":"strict"},"trustStores":["ca:acme"],"trustedIdentities":["*"]}]}"#,
    )
    .unwrap();
    e.ok(&["policy", "import", policy.to_str().unwrap()]);
    let reference = format!("{}@{}", layout.display(), art.digest);
    // A scope no statement names: the trust policy's words right after notation's prefix.
    let err = e.fails(&[
        "verify",
        "--oci-layout",
        "--scope",
        "local/other",
        &reference,
    ]);
    assert!(
        err.starts_with(&format!(
            "Error: signature verification failed: artifact \"local/other@{}\" has no applicable oci trust policy statement.",
            art.digest
        )),
        "{err}"
    );
    let out = e.ok(&[
        "verify",
        "--oci-layout",
        "--scope",
        "local/app",
        "--plugin-config",
        "tenant=42",
        &reference,
    ]);
    assert!(out.contains("Successfully verified"), "{out}");
    assert_eq!(
        plugin_config_seen(&seen),
        serde_json::json!({"tenant": "42"})
    );
}

// ---- flag values and references of sign/verify/list, as tests/differential/flags.py found
// them against notation v1.3.2 ----------------------------------------------------------------

/// The layout reference of `signed_layout` with `object` (a tag or a digest) in place of its
/// digest.
fn in_layout(reference: &str, object: &str) -> String {
    let path = reference.rsplit_once('@').unwrap().0;
    format!("{path}{object}")
}

/// When several flags are wrong, the one notation reports: pflag's parse (the expiry's syntax)
/// first, then cobra's flag groups (the ones that go together, then the exclusive ones), then
/// the signer, the layout, the signing options, the artifact's resolution, and only then the
/// expiry's value and the reserved metadata keys.
#[test]
fn sign_reports_the_error_notation_reports_first() {
    let e = Env::new();
    let reference = signed_layout(&e, "o");
    let missing_tag = in_layout(&reference, ":nope");
    fails_with(
        &e,
        &[
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "-e",
                    "1x",
                    "--key",
                    "nope",
                    &reference,
                ],
                "Error: invalid argument \"1x\" for \"-e, --expiry\" flag: time: unknown unit \"x\" in duration \"1x\"",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--timestamp-url",
                    "x",
                    "--key",
                    "nope",
                    &reference,
                ],
                "Error: if any flags in the group [timestamp-url timestamp-root-cert] are set they must all be set; missing [timestamp-root-cert]",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--timestamp-url",
                    "x",
                    "--key",
                    "k",
                    "--id",
                    "i",
                    "--plugin",
                    "p",
                    &reference,
                ],
                "Error: if any flags in the group [timestamp-url timestamp-root-cert] are set they must all be set; missing [timestamp-root-cert]",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--key",
                    "k",
                    "--id",
                    "i",
                    "--plugin",
                    "p",
                    "--force-referrers-tag",
                    &reference,
                ],
                "Error: if any flags in the group [key id] are set none of the others can be; [id key] were all set",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--force-referrers-tag=false",
                    &reference,
                ],
                "Error: if any flags in the group [oci-layout force-referrers-tag allow-referrers-api] are set none of the others can be; [force-referrers-tag oci-layout] were all set",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--plugin-config",
                    "k",
                    "--key",
                    "nope",
                    &reference,
                ],
                "Error: signing key nope not found",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--signature-format",
                    "x",
                    "nodir:v1",
                ],
                "Error: failed to create OCI store: stat nodir: no such file or directory",
            ),
            (
                vec!["sign", "--oci-layout", "--plugin-config", "k", "nodir:v1"],
                "Error: failed to create OCI store: stat nodir: no such file or directory",
            ),
            (
                vec!["sign", "--oci-layout", "-e", "-1h", &missing_tag],
                "Error: failed to get manifest descriptor: not found",
            ),
            (
                vec!["sign", "--oci-layout", "-e", "1ms", &missing_tag],
                "Error: failed to get manifest descriptor: not found",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "-m",
                    "io.cncf.notary.x=1",
                    &missing_tag,
                ],
                "Error: failed to get manifest descriptor: not found",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "-e",
                    "-1h",
                    "-m",
                    "io.cncf.notary.x=1",
                    &reference,
                ],
                "Error: expiry duration cannot be a negative value",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "-m",
                    "io.cncf.notary.x=1",
                    &reference,
                ],
                "Error: error adding user metadata: metadata key io.cncf.notary.x has reserved prefix io.cncf.notary",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "--timestamp-url",
                    "ftp://x",
                    "--timestamp-root-cert",
                    "nofile",
                    &missing_tag,
                ],
                "Error: cannot get http timestamper for timestamping: endpoint \"ftp://x\": scheme must be http or https, but got \"ftp\"",
            ),
        ],
    );
    // Nothing was signed by any of them.
    let listed = e.ok(&["list", "--oci-layout", &reference]);
    assert_eq!(listed.matches("sha256:").count(), 2, "{listed}");
}

/// Go's smallest duration (-1<<63 ns) parses, and is then refused as negative; Go's time
/// package quotes non-ASCII bytes of a duration as `\xNN`.
#[test]
fn expiry_edges_read_as_go_reads_them() {
    let e = Env::new();
    let reference = signed_layout(&e, "x");
    fails_with(
        &e,
        &[
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "-e",
                    "-2562047h47m16.854775808s",
                    &reference,
                ],
                "Error: expiry duration cannot be a negative value",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "-e",
                    "-9223372036854775808ns",
                    &reference,
                ],
                "Error: expiry duration cannot be a negative value",
            ),
            (
                vec![
                    "sign",
                    "--oci-layout",
                    "-e",
                    "-9223372036854775809ns",
                    &reference,
                ],
                "time: invalid duration \"-9223372036854775809ns\"",
            ),
            (
                vec!["sign", "--oci-layout", "-e", "\u{661}h", &reference],
                "Error: invalid argument \"\u{661}h\" for \"-e, --expiry\" flag: time: invalid duration \"\\xd9\\xa1h\"",
            ),
        ],
    );
}

/// Layout paths and references in notation's words: a path that is not there or not a
/// directory, and a tag or digest the layout does not hold ("not found", nothing more), also
/// for a reference that only looks like a digest.
#[test]
fn layout_references_fail_in_notations_words() {
    let e = Env::new();
    e.trust_test_key("l", "*", "all");
    let (layout, artifact) = e.layout_with_artifact(None);
    let reference = format!("{}@{}", layout.display(), artifact.digest);
    e.ok(&["sign", "--oci-layout", &reference]);
    e.write("file.txt", "not a layout\n");
    let upper = in_layout(
        &reference,
        &reference
            .rsplit_once('@')
            .unwrap()
            .1
            .to_uppercase()
            .replace("SHA256", "@sha256"),
    );
    for cmd in [
        &["sign", "--oci-layout"][..],
        &["list", "--oci-layout"][..],
        &["verify", "--oci-layout", "--scope", "local/app"][..],
    ] {
        for (r, words) in [
            (
                "nodir:v1".to_string(),
                "Error: failed to create OCI store: stat nodir: no such file or directory",
            ),
            (
                "file.txt:v1".to_string(),
                "Error: failed to create OCI store: the input path is not a directory",
            ),
            (
                in_layout(&reference, ":nope"),
                "Error: failed to get manifest descriptor: not found\n",
            ),
            (
                in_layout(&reference, "@sha256:abc"),
                "Error: failed to get manifest descriptor: not found\n",
            ),
            (
                upper.clone(),
                "Error: failed to get manifest descriptor: not found\n",
            ),
            (
                in_layout(&reference, &format!("@sha256:{}", "0".repeat(64))),
                "Error: failed to get manifest descriptor: not found\n",
            ),
        ] {
            let mut args = cmd.to_vec();
            args.push(&r);
            let err = e.fails(&args);
            assert!(
                err.ends_with(words) || err.contains(&format!("{words}\n")),
                "{args:?}\n{words}\n{err}"
            );
            // notation warns about a tag only once it has resolved.
            assert!(!err.contains("Warning: Always"), "{args:?}\n{err}");
        }
    }
    // inspect (notary's --oci-layout) words it as the others.
    let err = e.fails(&["inspect", "--oci-layout", &in_layout(&reference, ":nope")]);
    assert!(
        err.ends_with("Error: failed to get manifest descriptor: not found\n"),
        "{err}"
    );
}

/// A command without its reference says so in notation's words.
#[test]
fn a_missing_reference_is_named() {
    let e = Env::new();
    for cmd in ["sign", "verify", "list", "inspect"] {
        let err = e.fails(&[cmd]);
        assert_eq!(
            err,
            format!(
                "Error: missing reference to the artifact: use `notary {cmd} --help` to see what parameters are required\n"
            )
        );
    }
    let err = e.fails(&["ls", "--oci-layout"]);
    assert!(err.contains("use `notary list --help`"), "{err}");
}

/// A switch given twice takes its last value, as pflag's do: `--oci-layout=false` after
/// `--oci-layout` reads the reference as a registry's.
#[test]
fn a_switch_set_false_after_true_is_false() {
    let e = Env::new();
    let reference = signed_layout(&e, "s");
    let err = e.fails(&["list", "--oci-layout", "--oci-layout=false", &reference]);
    assert!(err.contains("invalid reference"), "{err}");
    let err = e.fails(&[
        "list",
        "--oci-layout=false",
        "--oci-layout",
        "--oci-layout=0",
        &reference,
    ]);
    assert!(err.contains("invalid reference"), "{err}");
    e.ok(&["list", "--oci-layout=false", "--oci-layout", &reference]);
}

/// `--timestamp-url` is read as notation reads it (Go's `url.Parse`, then an http or https
/// scheme and a host) before the root certificate, and the root certificate file's failures
/// are Go's.
#[test]
fn timestamp_urls_and_root_files_are_checked_in_notations_words() {
    let e = Env::new();
    let reference = signed_layout(&e, "u");
    std::fs::create_dir(e.work.join("dir")).unwrap();
    let sign = |url: &str, root: &str| {
        e.fails(&[
            "sign",
            "--oci-layout",
            "--timestamp-url",
            url,
            "--timestamp-root-cert",
            root,
            &reference,
        ])
    };
    for (url, words) in [
        (
            "127.0.0.1:1",
            "parse \"127.0.0.1:1\": first path segment in URL cannot contain colon",
        ),
        (
            "ftp://127.0.0.1:1",
            "endpoint \"ftp://127.0.0.1:1\": scheme must be http or https, but got \"ftp\"",
        ),
        (
            "http://a b",
            "parse \"http://a b\": invalid character \" \" in host name",
        ),
        ("://x", "parse \"://x\": missing protocol scheme"),
        ("http://", "endpoint \"http://\": host cannot be empty"),
        ("http:x", "endpoint \"http:x\": host cannot be empty"),
        (
            "/path",
            "endpoint \"/path\": scheme must be http or https, but got \"\"",
        ),
        ("http://[::1", "parse \"http://[::1\": missing ']' in host"),
        (
            "http://%zz",
            "parse \"http://%zz\": invalid URL escape \"%zz\"",
        ),
        (
            "http://h:x/",
            "parse \"http://h:x/\": invalid port \":x\" after host",
        ),
        (
            "http://h/\u{7f}",
            "parse \"http://h/\\x7f\": net/url: invalid control character in URL",
        ),
        (
            "http://h/#%g0",
            "parse \"http://h/#%g0\": invalid URL escape \"%g0\"",
        ),
    ] {
        let err = sign(url, "dir");
        assert!(
            err.contains(&format!(
                "Error: cannot get http timestamper for timestamping: {words}"
            )),
            "{url}\n{err}"
        );
    }
    let tsa = "http://127.0.0.1:9/tsa";
    assert!(
        sign(tsa, "").contains("Error: timestamping: tsa root certificate path cannot be empty")
    );
    assert!(sign(tsa, "nofile").contains("Error: open nofile: no such file or directory"));
    assert!(sign(tsa, "dir").contains("Error: read dir: is a directory"));
}

/// A signing plugin that is not installed is named in notation's words.
#[test]
fn a_missing_signing_plugin_is_named_in_notations_words() {
    let e = Env::new();
    let reference = signed_layout(&e, "p");
    let err = e.fails(&[
        "sign",
        "--oci-layout",
        "--plugin",
        "absent",
        "--id",
        "k",
        &reference,
    ]);
    let path = e.plugins().join("absent/notation-absent");
    assert!(
        err.contains(&format!(
            "Error: plugin executable file is either not found or inaccessible: stat {}: no such file or directory",
            path.display()
        )),
        "{err}"
    );
    // Still before a malformed --plugin-config.
    let err = e.fails(&[
        "sign",
        "--oci-layout",
        "--plugin",
        "absent",
        "--id",
        "k",
        "--plugin-config",
        "x",
        &reference,
    ]);
    assert!(
        err.contains("plugin executable file is either not found"),
        "{err}"
    );
}

/// An output format inspect does not have, in notation's words.
#[test]
fn inspect_names_an_unknown_output_format_in_notations_words() {
    let e = Env::new();
    for format in ["x", "tree", ""] {
        let err = e.fails(&["inspect", "-o", format, "127.0.0.1:9/app:v1"]);
        assert_eq!(err, format!("Error: unrecognized output format {format}\n"));
    }
}

/// `cert add`, `cert show`, `cert list`, `cert delete`, `key add` and `cert generate-test` in
/// notation v1.3.2's words, each failure as notation reports it (tests/differential/mgmt.py
/// compares them with notation itself).
#[test]
fn certificate_and_key_commands_fail_in_notations_words() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "t"]);
    let crt = e.config.join("localkeys/t.crt");
    let crt = crt.to_str().unwrap();
    e.write("garbage.pem", "not a certificate\n");
    e.write("empty.pem", "");
    std::fs::create_dir(e.work.join("dir.pem")).unwrap();
    let work = e.work.display().to_string();

    // Several files, some bad: the good ones are added, the others reported one a line, each
    // with Go's words for what went wrong (an empty path reads the working directory).
    let o = e.run(&[
        "cert",
        "add",
        "-t",
        "ca",
        "-s",
        "s",
        crt,
        "garbage.pem",
        "missing.pem",
        "empty.pem",
        "dir.pem",
        "",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("Successfully added following certificates to named store s of type ca:\n{crt}\n")
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err,
        format!(
            "Error: Failed to add following certificates to named store s of type ca:\n\
             garbage.pem, with error \"x509: malformed certificate\"\n\
             missing.pem, with error \"open {work}/missing.pem: no such file or directory\"\n\
             empty.pem, with error \"no valid certificate found in the file\"\n\
             dir.pem, with error \"read {work}/dir.pem: is a directory\"\n\
             , with error \"read {work}: is a directory\"\n\n"
        )
    );
    // A file of that name already there.
    let err = e.fails(&["cert", "add", "-t", "ca", "-s", "s", crt]);
    assert!(
        err.contains("t.crt, with error \"certificate already exists in the Trust Store\"\n"),
        "{err}"
    );

    let store = e.config.join("truststore/x509/ca/s");
    std::fs::copy(e.work.join("garbage.pem"), store.join("garbage.pem")).unwrap();
    std::fs::copy(e.work.join("empty.pem"), store.join("empty.pem")).unwrap();
    std::fs::create_dir(store.join("d")).unwrap();
    let at = store.display();
    fails_with(
        &e,
        &[
            (
                vec!["cert", "show", "-t", "ca", "-s", "s", "none.pem"],
                &format!(
                    "Error: failed to show details of certificate none.pem, with error: open {at}/none.pem: no such file or directory"
                ),
            ),
            (
                vec!["cert", "show", "-t", "ca", "-s", "s", "d"],
                &format!(
                    "Error: failed to show details of certificate d, with error: read {at}/d: is a directory"
                ),
            ),
            (
                vec!["cert", "show", "-t", "ca", "-s", "s", "garbage.pem"],
                "Error: failed to show details of certificate garbage.pem, with error: x509: malformed certificate\n",
            ),
            (
                vec!["cert", "show", "-t", "ca", "-s", "s", "empty.pem"],
                "Error: failed to show details of certificate empty.pem, with error: no valid certificate found in the file\n",
            ),
            (
                vec!["cert", "show", "-t", "ca", "-s", "s", ""],
                "Error: certificate fileName cannot be empty\n",
            ),
            (
                vec!["cert", "delete", "-t", "ca", "-s", "s", "-y", ""],
                "Error: to delete a specific certificate, certificate fileName cannot be empty\n",
            ),
            (
                vec!["cert", "ls"],
                "Error: failed to list all certificates stored in the trust store, with error: x509: malformed certificate\n",
            ),
            (
                vec!["cert", "add", "-t", "", "-s", "s", crt],
                "Error: store type cannot be empty\n",
            ),
            (
                vec!["cert", "show", "-t", "", "-s", "s", "t.crt"],
                "Error: store type cannot be empty\n",
            ),
            (
                vec!["key", "add", "k", "--plugin", "", "--id", "1"],
                "Error: plugin name cannot be empty\n",
            ),
            // pflag names a flag with a shorthand by both names.
            (
                vec!["cert", "generate-test", "-b", "abc", "u"],
                "Error: invalid argument \"abc\" for \"-b, --bits\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\n",
            ),
        ],
    );
}
