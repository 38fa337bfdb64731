//! Command lines read as notation's pflag/cobra read them, and the key, certificate and policy
//! commands' outcomes as notation v1.3.2 gives them (found by a differential run of ~850
//! command lines against it).

#[path = "support/env.rs"]
mod support;

use support::Env;

/// A default test key `acme` and a one-artifact OCI layout; the layout reference `<path>:v1`.
fn env_with_layout() -> (Env, String) {
    let e = Env::new();
    e.default_test_key("acme");
    let (layout, _) = e.layout_with_artifact(Some("application/vnd.example"));
    (e, format!("{}:v1", layout.display()))
}

fn status(e: &Env, args: &[&str]) -> Option<i32> {
    e.run(args).status.code()
}

#[test]
fn boolean_flags_take_go_boolean_values_after_an_equals_sign() {
    let (e, reference) = env_with_layout();
    for on in ["true", "1", "t", "T", "TRUE", "True"] {
        let flag = format!("--oci-layout={on}");
        e.ok_both(&["list", &flag, &reference]);
    }
    // `--oci-layout=false`: the reference is then a registry's, which this one cannot be.
    assert_eq!(
        status(&e, &["list", "--oci-layout=false", &reference]),
        Some(1)
    );
    // Not a Go boolean: refused.
    assert_eq!(
        status(&e, &["list", "--oci-layout=yes", &reference]),
        Some(1)
    );
    e.ok_both(&["cert", "generate-test", "--bits", "256", "second"]);
    e.ok_both(&["key", "update", "--default=T", "second"]);
    let keys = std::fs::read_to_string(e.config.join("signingkeys.json")).unwrap();
    assert!(keys.contains("\"default\": \"second\""), "{keys}");
    // `--default=false` leaves the default as it is, and says so.
    let (_, err) = e.ok_both(&["key", "update", "-v", "--default=false", "acme"]);
    assert!(err.contains("--default flag is not set"), "{err}");
    assert_eq!(
        std::fs::read_to_string(e.config.join("signingkeys.json")).unwrap(),
        keys
    );
}

#[test]
fn a_flag_given_twice_takes_its_last_value() {
    let (e, reference) = env_with_layout();
    e.ok_both(&[
        "sign",
        "--oci-layout",
        "--signature-format",
        "jws",
        "--signature-format",
        "cose",
        "-e",
        "1h",
        "-e",
        "2h",
        &reference,
    ]);
    let inspect = e.ok(&["inspect", "--oci-layout", "-o", "json", &reference]);
    assert!(inspect.contains("application/cose"), "{inspect}");
}

#[test]
fn a_flag_takes_the_next_argument_as_its_value_even_when_it_starts_with_a_dash() {
    let (e, reference) = env_with_layout();
    // pflag reads `-m -x=1` as the metadata `-x=1`; so must notary.
    e.ok_both(&["sign", "--oci-layout", "-m", "-x=1", &reference]);
    let inspect = e.ok(&["inspect", "--oci-layout", "-o", "json", &reference]);
    assert!(inspect.contains(r#""-x": "1""#), "{inspect}");
    // A key named by a separate argument starting with a dash: looked up, not read as flags.
    let err = e.fails(&["sign", "--oci-layout", "--key", "-weird", &reference]);
    assert!(err.contains("-weird"), "{err}");
    assert!(!err.contains("unknown shorthand flag"), "{err}");
}

#[test]
fn cert_list_with_a_type_notation_does_not_know_lists_nothing() {
    let e = Env::new();
    e.default_test_key("acme");
    assert!(e.ok(&["cert", "ls"]).contains("acme"));
    for t in ["bogus", "CA"] {
        assert_eq!(e.ok(&["cert", "ls", "-t", t]), "", "{t}");
    }
}

#[test]
fn a_malformed_config_json_leaves_jws_as_the_default_format_as_in_notation() {
    let (e, reference) = env_with_layout();
    for bad in ["{bad", r#"{"signatureFormat": 5}"#] {
        std::fs::write(e.config.join("config.json"), bad).unwrap();
        e.ok_both(&["sign", "--oci-layout", &reference]);
    }
    let inspect = e.ok(&["inspect", "--oci-layout", "-o", "json", &reference]);
    assert!(inspect.contains("application/jose+json"), "{inspect}");
    assert!(!inspect.contains("application/cose"), "{inspect}");
}

#[test]
fn an_empty_scope_takes_the_layout_path_as_notation_does() {
    let e = Env::new();
    e.trust_test_key("acme", "reg.io/app", "p");
    let (layout, _) = e.layout_with_artifact(Some("application/vnd.example"));
    let named = e.work.join("reg.io/app");
    std::fs::create_dir_all(named.parent().unwrap()).unwrap();
    std::fs::rename(&layout, &named).unwrap();
    e.ok_both(&["sign", "--oci-layout", "reg.io/app:v1"]);
    for flag in [&["--scope", ""][..], &["--scope="]] {
        let mut args = vec!["verify", "--oci-layout"];
        args.extend(flag);
        args.push("reg.io/app:v1");
        let (out, _) = e.ok_both(&args);
        assert!(out.contains("Successfully verified"), "{out}");
    }
    // A path that is no registry scope is refused as notation refuses it.
    let err = e.fails(&[
        "verify",
        "--oci-layout",
        "--scope",
        "",
        "reg.io/app/../app:v1",
    ]);
    assert!(err.contains("is not valid"), "{err}");
}

#[test]
fn cert_delete_and_empty_key_paths_fail_in_notations_words() {
    let (e, reference) = env_with_layout();
    let err = e.fails(&[
        "cert", "delete", "--type", "ca", "--store", "acme", "--all", "acme.crt", "-y",
    ]);
    assert!(
        err.contains("cannot delete a single certificate file when --all flag is set"),
        "{err}"
    );
    assert!(e.ok(&["cert", "ls"]).contains("acme.crt"));
    let path = e.config.join("signingkeys.json");
    let mut keys: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for (member, words) in [
        ("certPath", "certificate path not specified"),
        ("keyPath", "key path not specified"),
    ] {
        keys["keys"][0][member] = "".into();
        std::fs::write(&path, keys.to_string()).unwrap();
        let err = e.fails(&["sign", "--oci-layout", &reference]);
        assert!(err.contains(words), "{err}");
    }
}

#[test]
fn blob_media_types_are_read_as_gos_mime_package_reads_them() {
    let e = Env::new();
    e.default_test_key("acme");
    let file = e.write("notes.txt", "hello");
    let file = file.to_str().unwrap();
    let err = e.fails(&["blob", "sign", "--media-type", "a b", file]);
    assert!(err.contains(r#"invalid content media type "a b""#), "{err}");
    e.ok_both(&[
        "blob",
        "sign",
        "--media-type",
        "text/plain; charset=utf-8",
        file,
    ]);
}

#[test]
fn a_layout_tag_holding_a_colon_names_its_own_artifact() {
    // `path@prod:v1` names the tag `prod:v1` (as notation reads it), never `v1`.
    let e = Env::new();
    e.trust_test_key("acme", "local/x", "p");
    let (layout, _) = e.layout_with_artifact(Some("application/vnd.example"));
    let l = notary_registry::OciLayout::open(&layout).unwrap();
    let config = l
        .push_blob("application/vnd.oci.empty.v1+json", b"{}")
        .unwrap();
    let layer = l.push_blob("text/plain", b"other").unwrap();
    let other = notary_registry::manifest::image_manifest(&config, &[layer], None, None, None);
    let prod = l
        .push_manifest(
            notary_registry::manifest::IMAGE_MANIFEST,
            &other,
            Some("prod:v1"),
        )
        .unwrap();
    let path = layout.to_str().unwrap();
    e.ok_both(&["sign", "--oci-layout", &format!("{path}:v1")]);
    let err = e.fails(&[
        "verify",
        "--oci-layout",
        "--scope",
        "local/x",
        &format!("{path}@prod:v1"),
    ]);
    assert!(
        err.contains(&prod.digest.to_string()) && err.contains("no signature"),
        "{err}"
    );
    let err = e.fails(&[
        "verify",
        "--oci-layout",
        "--scope",
        "local/x",
        &format!("{path}@nosuch.example/app:v1"),
    ]);
    assert!(!err.contains("Successfully"), "{err}");
}

#[test]
fn a_layout_manifest_that_cannot_be_read_is_named_not_silently_left_out() {
    let e = Env::new();
    e.trust_test_key("acme", "local/x", "p");
    let (layout, _) = e.layout_with_artifact(Some("application/vnd.example"));
    let reference = format!("{}:v1", layout.display());
    e.ok_both(&["sign", "--oci-layout", &reference]);
    let listed = e.ok(&["list", "--oci-layout", &reference]);
    let digest = listed
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .rfind(|w| w.starts_with("sha256:"))
        .unwrap()
        .to_string();
    // The signature manifest corrupted in place (same size, other bytes).
    let blob = layout.join("blobs/sha256").join(&digest["sha256:".len()..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[0] ^= 0x20;
    std::fs::write(&blob, bytes).unwrap();
    let o = e.run(&["verify", "--oci-layout", "--scope", "local/x", &reference]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "Warning: manifest {digest} of the OCI layout could not be read"
        )) && err.contains("another digest"),
        "{err}"
    );
}

#[test]
fn signer_flags_are_checked_in_cobras_groups_and_an_empty_key_is_the_default() {
    let (e, reference) = env_with_layout();
    let err = e.fails(&[
        "sign",
        "--oci-layout",
        "--id",
        "x",
        "--key",
        "acme",
        &reference,
    ]);
    assert!(
        err.contains(
            "if any flags in the group [id plugin] are set they must all be set; missing [plugin]"
        ),
        "{err}"
    );
    let err = e.fails(&["sign", "--oci-layout", "--plugin", "p", &reference]);
    assert!(err.contains("missing [id]"), "{err}");
    let err = e.fails(&[
        "sign",
        "--oci-layout",
        "--key",
        "acme",
        "--plugin",
        "p",
        "--id",
        "x",
        &reference,
    ]);
    assert!(
        err.contains(
            "if any flags in the group [key id] are set none of the others can be; [id key] were all set"
        ),
        "{err}"
    );
    // `--key ""` is the default key, as in notation.
    e.ok_both(&["sign", "--oci-layout", "--key", "", &reference]);
}

#[test]
fn max_signatures_takes_go_integers_and_refuses_negative_ones_in_notations_words() {
    let (e, reference) = env_with_layout();
    e.ok_both(&["sign", "--oci-layout", &reference]);
    for n in ["0x10", "0b1", "1_0", "010"] {
        e.ok_both(&["list", "--oci-layout", "--max-signatures", n, &reference]);
    }
    for n in ["-1", "-0x2"] {
        let err = e.fails(&["list", "--oci-layout", "--max-signatures", n, &reference]);
        assert!(
            err.contains(&format!(
                "max-signatures value {} must be a positive number",
                if n == "-1" { "-1" } else { "-2" }
            )),
            "{n}: {err}"
        );
    }
    assert_eq!(
        status(
            &e,
            &[
                "list",
                "--oci-layout",
                "--max-signatures",
                "1__0",
                &reference
            ]
        ),
        Some(1)
    );
}

#[test]
fn key_delete_removes_names_one_at_a_time_and_writes_nothing_when_one_is_missing() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "--bits", "256", "k1", "--default"]);
    e.ok_both(&["cert", "generate-test", "--bits", "256", "k2"]);
    let file = e.config.join("signingkeys.json");
    let before = std::fs::read(&file).unwrap();
    let err = e.fails(&["key", "delete", "k2", "k2"]);
    assert!(err.contains("signing key k2 not found"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before, "nothing written");
    e.ok_both(&["key", "delete", "k2"]);
    // Written as notation's encoder writes it: four-space indent, final newline.
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.starts_with("{\n    \"default\": \"k1\""), "{after}");
    assert!(after.ends_with("}\n"), "{after:?}");
}

#[test]
fn a_null_key_list_reads_as_empty() {
    let e = Env::new();
    std::fs::create_dir_all(&e.config).unwrap();
    std::fs::write(e.config.join("signingkeys.json"), r#"{"keys":null}"#).unwrap();
    let out = e.ok(&["key", "list"]);
    assert!(out.starts_with("NAME"), "{out}");
    e.ok_both(&["cert", "generate-test", "--bits", "256", "k1"]);
}

#[test]
fn key_add_takes_any_non_empty_name_as_notation_does() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "--bits", "256", "local"]);
    let key = e.config.join("localkeys/local.key");
    let cert = e.config.join("localkeys/local.crt");
    let (key, cert) = (key.to_str().unwrap(), cert.to_str().unwrap());
    let add = |name: &str| e.run(&["key", "add", "--key", key, "--cert", cert, name]);
    for name in ["a b", "k:1", "ключ"] {
        assert!(add(name).status.success(), "{name}");
    }
    let out = e.ok(&["key", "list"]);
    assert!(out.contains("ключ"), "{out}");
    let o = add("");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("key name cannot be empty"), "{err}");
}

#[test]
fn generate_test_writes_an_lf_key_and_a_public_certificate_and_refuses_dot_names() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "--bits", "256", "k1"]);
    let key = std::fs::read_to_string(e.config.join("localkeys/k1.key")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{key:?}");
    assert!(!key.contains('\r'), "{key:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &str| {
            std::fs::metadata(e.config.join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("localkeys/k1.key"), 0o600);
        assert_eq!(mode("localkeys/k1.crt"), 0o644);
    }
    for name in [".", ".."] {
        e.fails(&["cert", "generate-test", "--bits", "256", name]);
    }
    assert!(!e.config.join("truststore/x509/...crt").exists());
    assert!(!e.config.join("localkeys/...key").exists());
}

#[test]
fn cert_add_adds_every_good_file_and_reports_the_others_together() {
    let e = Env::new();
    e.ok_both(&["cert", "generate-test", "--bits", "256", "k1"]);
    let good = e.config.join("localkeys/k1.crt");
    e.write("garbage.pem", "not a certificate\n");
    let o = e.run(&[
        "cert",
        "add",
        "-t",
        "ca",
        "-s",
        "s",
        "garbage.pem",
        good.to_str().unwrap(),
    ]);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        out,
        format!(
            "Successfully added following certificates to named store s of type ca:\n{}\n",
            good.display()
        )
    );
    assert!(
        err.starts_with(
            "Error: Failed to add following certificates to named store s of type ca:\ngarbage.pem, with error \""
        ),
        "{err}"
    );
    assert!(e.config.join("truststore/x509/ca/s/k1.crt").exists());
}

#[test]
fn policy_import_reads_a_pipe() {
    let e = Env::new();
    let policy = r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}"#;
    let o = e.run_with_stdin(&["policy", "import", "/dev/stdin"], policy.as_bytes());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = std::fs::read_to_string(e.config.join("trustpolicy.json")).unwrap();
    assert_eq!(written, policy);
}

#[test]
fn a_group_prints_its_help_on_stdout_for_a_missing_or_unknown_subcommand() {
    let e = Env::new();
    for args in [
        &["key"][..],
        &["key", "bogus"],
        &["blob", "policy", "bogus"],
    ] {
        let o = e.run(args);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(out.contains("Usage: notary"), "{args:?}: {out}");
    }
    // The root command refuses an unknown command, as cobra does.
    let o = e.run(&["bogus"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "Error: unknown command \"bogus\" for \"notary\"\nRun 'notary --help' for usage.\n"
    );
    let o = e.run(&["sgn"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "Error: unknown command \"sgn\" for \"notary\"\n\nDid you mean this?\n\tsign\n\nRun 'notary --help' for usage.\n"
    );
    // cobra's help command: an unknown topic is named (Go's %#q), the root's help follows on
    // stderr, and it exits 0; words after a known command are ignored.
    for (topics, named) in [
        (vec!["bogus"], "[`bogus`]"),
        (vec!["bogus", "x"], "[`bogus` `x`]"),
        (vec!["a`b"], "[\"a`b\"]"),
    ] {
        let mut args = vec!["help"];
        args.extend(topics);
        let o = e.run(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with(&format!("Unknown help topic {named}\n"))
                && err.contains("Usage: notary"),
            "{args:?}: {err}"
        );
    }
    for args in [["help", "key", "bogus"], ["help", "cert", "list"]] {
        let o = e.run(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let out = String::from_utf8_lossy(&o.stdout);
        let want = if args[1] == "key" {
            "Usage: notary key"
        } else {
            "Usage: notary certificate list"
        };
        assert!(out.contains(want), "{args:?}: {out}");
    }
}

#[test]
fn flag_and_reference_errors_read_as_pflag_and_notation_write_them() {
    let (e, reference) = env_with_layout();
    for (args, expected) in [
        (
            vec!["list", "--oci-layout", "--bogus", &reference],
            "Error: unknown flag: --bogus\n",
        ),
        (
            vec!["list", "--oci-layout", "-Z", &reference],
            "Error: unknown shorthand flag: 'Z' in -Z\n",
        ),
        (
            vec![
                "list",
                "--oci-layout",
                "--max-signatures",
                "abc",
                &reference,
            ],
            "Error: invalid argument \"abc\" for \"--max-signatures\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\n",
        ),
        (
            vec!["list", "--oci-layout=yes", &reference],
            "Error: invalid argument \"yes\" for \"--oci-layout\" flag: strconv.ParseBool: parsing \"yes\": invalid syntax\n",
        ),
        (
            vec!["sign", "--oci-layout", "-e", "1d", &reference],
            "Error: invalid argument \"1d\" for \"-e, --expiry\" flag: time: unknown unit \"d\" in duration \"1d\"\n",
        ),
        (
            vec!["list", "--oci-layout", "layout"],
            "Error: \"layout\": invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>\n",
        ),
        (
            vec!["list", "--oci-layout", "layout@"],
            "Error: \"layout@\": invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>\n",
        ),
        (
            vec!["list", "--oci-layout", "layout:v1@"],
            "Error: \"layout:v1@\": invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>\n",
        ),
        (
            vec!["list", "--oci-layout", ":v1"],
            "Error: \":v1\": invalid reference: missing oci-layout file path. Expecting <file_path>:<tag> or <file_path>@<digest>\n",
        ),
    ] {
        let o = e.run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), expected, "{args:?}");
    }
    // oras-go's reasons, which notation prints, come from the library's parser.
    for (reference, reason) in [
        ("app:v1", "missing registry or repository"),
        ("localhost:5000/app", "no tag or digest"),
        ("/app:v1", "invalid registry \"\""),
        ("localhost:5000/App:v1", "invalid repository \"App\""),
        ("localhost:5000/app:-v1", "invalid tag \"-v1\""),
        (
            "localhost:5000/app@sha256:ab",
            "invalid digest \"sha256:ab\"",
        ),
    ] {
        let err = e.fails(&["list", reference]);
        assert!(
            err.starts_with(&format!(
                "Error: {reference:?}: invalid reference: {reason}"
            )) && err.trim_end().ends_with(
                ". Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest> (for an OCI image layout directory, add --oci-layout)"
            ),
            "{err}"
        );
    }
}

#[test]
fn completion_scripts_are_generated_for_notations_shells() {
    let e = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = e.ok(&["completion", shell]);
        // Every command is offered.
        for command in ["sign", "verify", "inspect", "certificate", "policy"] {
            assert!(out.contains(command), "{shell}: {command}");
        }
    }
    // A shell cobra has no command for: the command's help, and success, as notation.
    assert!(
        e.ok(&["completion", "ksh"])
            .contains("Usage: notary completion")
    );
    // notation's flag: names without their descriptions.
    let full = e.ok(&["completion", "zsh"]);
    let bare = e.ok(&["completion", "zsh", "--no-descriptions"]);
    assert!(full.contains("Sign artifacts"), "{full}");
    assert!(
        !bare.contains("Sign artifacts") && bare.contains("sign"),
        "{bare}"
    );
    // No shell: the command's help, and success.
    assert!(e.ok(&["completion"]).contains("Usage: notary completion"));
}

#[test]
fn an_artifact_that_cannot_be_resolved_is_named_in_notations_words() {
    // notation resolves before it signs, lists, inspects or verifies, and says so; a layout
    // that does not hold the reference says only "not found" (oras-go's store names nothing).
    let e = Env::new();
    e.trust_test_key("acme", "local/app", "app");
    let (layout, _) = e.layout_with_artifact(Some("application/vnd.example"));
    let reference = format!("{}:v1", layout.display());
    let missing = reference.replace(":v1", ":nope");
    for args in [
        vec!["sign", "--oci-layout", &missing],
        vec!["list", "--oci-layout", &missing],
        vec!["inspect", "--oci-layout", &missing],
        vec!["verify", "--oci-layout", "--scope", "local/app", &missing],
    ] {
        let err = e.fails(&args);
        assert_eq!(
            err, "Error: failed to get manifest descriptor: not found\n",
            "{args:?}"
        );
    }
    // With no key at all: notation's words first.
    let bare = Env::new();
    let err = bare.fails(&["sign", "--oci-layout", &reference]);
    assert!(
        err.starts_with(
            "Error: default signing key not set. Please set default signing key or specify a key name"
        ),
        "{err}"
    );
}

/// Finding (a review against notation v1.3.2): a command given too few or too many operands,
/// or missing a required flag, got clap's usage text. cobra checks the operands first, then
/// the required flags, each in words notation's users see (and its e2e tests match).
#[test]
fn operand_counts_and_required_flags_use_notations_words() {
    let e = Env::new();
    for (args, words) in [
        (
            &["cert", "show"][..],
            "Error: missing certificate file name\n",
        ),
        (
            &["cert", "show", "a", "b"],
            "Error: show only supports single certificate file\n",
        ),
        (
            &["cert", "delete", "a"],
            "Error: required flag(s) \"store\", \"type\" not set\n",
        ),
        (
            &["cert", "delete", "--all", "a"],
            "Error: cannot delete a single certificate file when --all flag is set. use --help flag for more details\n",
        ),
        (
            &["cert", "add", "-t", "ca", "-s", "s"],
            "Error: missing certificate path\n",
        ),
        (
            &["cert", "generate-test"],
            "Error: missing certificate common_name\n",
        ),
        (
            &["key", "add", "a", "b", "--plugin", "p"],
            "Error: either missing key name or unnecessary parameters passed\n",
        ),
        (&["key", "update"], "Error: missing key name\n"),
        (&["key", "delete"], "Error: missing key names\n"),
        (
            &["policy", "show", "x"],
            "Error: accepts 0 arg(s), received 1\n",
        ),
        (&["plugin", "uninstall"], "Error: plugin name is required\n"),
        (&["login"], "Error: no hostname specified\n"),
        (&["logout"], "Error: no hostname specified\n"),
        (
            &["version", "x"],
            "Error: unknown command \"x\" for \"notary version\"\n",
        ),
        (
            &["completion", "bash", "x"],
            "Error: unknown command \"x\" for \"notary completion bash\"\n",
        ),
        // An unknown flag is reported before the operands, as pflag reads flags first.
        (
            &["cert", "show", "a", "b", "--bogus"],
            "Error: unknown flag: --bogus\n",
        ),
    ] {
        let o = e.run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), words, "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn usage_errors_clap_reports_read_as_one_error_line() {
    // Extra operands (refused on purpose, README) and conflicting flags: one `Error: ` line, as
    // every other error, not clap's lower-case `error:` and a usage block.
    let e = Env::new();
    for (args, want) in [
        (
            vec!["key", "list", "x"],
            "Error: unexpected argument 'x' found\n",
        ),
        (
            vec!["login", "-p", "x", "--password-stdin", "localhost:5000"],
            "Error: the argument '--password <PASSWORD>' cannot be used with '--password-stdin'\n",
        ),
    ] {
        let o = e.run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), want, "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}
