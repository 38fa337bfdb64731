//! The configuration directory as notation v1.3 manages it: `cert cleanup-test`, `cert list`
//! showing what the trust store reader uses, certificate file names that stay inside their
//! store, `policy import` asking before it replaces a policy, and `key add|update|delete`.
#![cfg(unix)]

#[path = "support/env.rs"]
mod support;

use support::Env;

fn signing_keys(e: &Env) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(e.config.join("signingkeys.json")).unwrap()).unwrap()
}

/// Waits for `children` (each must succeed), then the key names of signingkeys.json, sorted.
fn wait_for_key_names(e: &Env, children: Vec<std::process::Child>) -> Vec<String> {
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let mut names: Vec<String> = signing_keys(e)["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn cleanup_test_removes_what_generate_test_made_and_never_a_users_own_key() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "--default", "t"]);
    let local = e.config.join("localkeys");
    let stored = e.config.join("truststore/x509/ca/t/t.crt");
    assert!(stored.is_file());
    // Asked first: no answer (end of input) or "n" deletes nothing.
    for answer in ["", "n\n"] {
        let out = e.ok_with_stdin(&["cert", "cleanup-test", "t"], answer);
        assert!(
            out.starts_with(
                "Are you sure you want to clean up test key \"t\" and its certificate? [y/N] "
            ),
            "{out}"
        );
        assert!(stored.is_file() && local.join("t.key").is_file());
    }
    let out = e.ok_with_stdin(&["cert", "cleanup-test", "t"], "y\n");
    let key_file = local.join("t.key");
    let cert_file = local.join("t.crt");
    assert_eq!(
        out,
        format!(
            "Are you sure you want to clean up test key \"t\" and its certificate? [y/N] \
             Successfully deleted certificate t.crt from trust store t of type ca.\n\
             Successfully removed key t from signingkeys.json.\n\
             Successfully deleted key file: {}.\n\
             Successfully deleted certificate file: {}.\n\
             Cleanup completed successfully.\n",
            key_file.display(),
            cert_file.display()
        )
    );
    assert!(!key_file.exists() && !cert_file.exists() && !stored.exists());
    let keys = signing_keys(&e);
    assert_eq!(keys["keys"], serde_json::json!([]), "{keys}");
    assert_eq!(keys.get("default"), None, "{keys}");
    // An interrupted cleanup (the key already removed from the list) is finished, with -y.
    e.ok(&["cert", "generate-test", "--bits", "256", "t"]);
    e.ok(&["key", "delete", "t"]);
    let out = e.ok(&["cert", "cleanup-test", "-y", "t"]);
    assert!(
        out.contains("Key t does not exist in signingkeys.json."),
        "{out}"
    );
    assert!(out.ends_with("Cleanup completed successfully.\n"), "{out}");
    assert!(!key_file.exists() && !cert_file.exists() && !stored.exists());
    // Nothing left at all: every step says so, and the command still succeeds.
    let out = e.ok(&["cert", "cleanup-test", "--yes", "t"]);
    assert!(
        out.contains("does not exist in trust store t of type ca."),
        "{out}"
    );
    assert!(out.ends_with("Cleanup completed successfully.\n"), "{out}");

    // A key registered from the user's own files: cleanup-test never deletes them.
    e.ok(&["cert", "generate-test", "--bits", "256", "g"]);
    let key = e.work.join("mine.key");
    let cert = e.work.join("mine.crt");
    std::fs::copy(local.join("g.key"), &key).unwrap();
    std::fs::copy(local.join("g.crt"), &cert).unwrap();
    e.ok(&[
        "key",
        "add",
        "mine",
        "--key",
        key.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
    ]);
    let err = e.fails(&["cert", "cleanup-test", "--yes", "mine"]);
    assert!(err.contains("generate-test"), "{err}");
    assert!(key.is_file() && cert.is_file());
    assert!(e.ok(&["key", "list"]).contains("mine"));
    // notation's operand checks: a name, and one a store could be named after.
    let err = e.fails(&["cert", "cleanup-test"]);
    assert_eq!(err.trim_end(), "Error: missing certificate common name");
    let err = e.fails(&["cert", "cleanup-test", "../g"]);
    assert_eq!(
        err.trim_end(),
        "Error: certificate common name must follow [a-zA-Z0-9_.-]+ format"
    );
    assert!(local.join("g.key").is_file());
}

#[test]
fn cert_list_shows_the_regular_files_of_real_store_directories() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "t"]);
    let ca = e.config.join("truststore/x509/ca");
    std::os::unix::fs::symlink(ca.join("t/t.crt"), ca.join("t/link.crt")).unwrap();
    std::fs::create_dir(ca.join("t/sub")).unwrap();
    std::os::unix::fs::symlink(ca.join("t"), ca.join("linked")).unwrap();
    let out = e.ok(&["cert", "list"]);
    assert!(
        out.contains("\nca           t            t.crt    "),
        "{out}"
    );
    for hidden in ["link.crt", "sub", "linked"] {
        assert!(!out.contains(hidden), "{hidden}: {out}");
    }
}

#[test]
fn cert_show_and_delete_take_a_file_name_of_the_store_not_a_path() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "t"]);
    let outside = "../../../../signingkeys.json";
    for args in [
        &["cert", "delete", "-t", "ca", "-s", "t", "-y", outside][..],
        &["cert", "show", "-t", "ca", "-s", "t", outside],
    ] {
        let err = e.fails(args);
        assert!(err.contains("invalid certificate file name"), "{err}");
    }
    assert!(e.config.join("signingkeys.json").is_file());
}

#[test]
fn policy_import_asks_before_it_replaces_a_policy() {
    let e = Env::new();
    let policy = |name: &str| {
        e.write(
            &format!("{name}.json"),
            &format!(
                r#"{{"version":"1.0","trustPolicies":[{{"name":"{name}","registryScopes":["*"],"signatureVerification":{{"level":"skip"}}}}]}}"#
            ),
        )
    };
    let (first, second, third) = (policy("first"), policy("second"), policy("third"));
    e.ok(&["policy", "import", first.to_str().unwrap()]);
    let shown = || e.ok(&["policy", "show"]);
    assert!(shown().contains("first"));

    // No answer (stdin closed): nothing changes, as in notation.
    let o = e.run_with_stdin(&["policy", "import", second.to_str().unwrap()], b"");
    assert!(o.status.success(), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("already exists, do you want to overwrite it?"),
        "{o:?}"
    );
    assert!(shown().contains("first"));
    let o = e.run_with_stdin(&["policy", "import", second.to_str().unwrap()], b"n\n");
    assert!(o.status.success(), "{o:?}");
    assert!(shown().contains("first"));

    // "y" replaces it.
    let o = e.run_with_stdin(&["policy", "import", second.to_str().unwrap()], b"y\n");
    assert!(o.status.success(), "{o:?}");
    assert!(shown().contains("second"));

    // --force never asks, and warns.
    let (_, err) = e.ok_both(&["policy", "import", "--force", third.to_str().unwrap()]);
    assert!(err.contains("will be overwritten"), "{err}");
    assert!(shown().contains("third"));
}

#[test]
fn key_add_needs_the_plugin_installed() {
    let e = Env::new();
    let err = e.fails(&["key", "add", "kms", "--plugin", "absent", "--id", "k1"]);
    assert!(err.contains("absent"), "{err}");
    assert!(!e.config.join("signingkeys.json").exists());
}

/// A test key `g`, and `link.key`/`link.crt` in the working directory linking to its files.
fn linked_test_key(e: &Env) {
    e.ok(&["cert", "generate-test", "--bits", "256", "g"]);
    let local = e.config.join("localkeys");
    std::os::unix::fs::symlink(local.join("g.key"), e.work.join("link.key")).unwrap();
    std::os::unix::fs::symlink(local.join("g.crt"), e.work.join("link.crt")).unwrap();
}

#[test]
fn key_add_records_local_files_absolute_without_resolving_links() {
    let e = Env::new();
    linked_test_key(&e);
    e.ok(&[
        "key", "add", "linked", "--key", "link.key", "--cert", "link.crt",
    ]);
    let work = std::fs::canonicalize(&e.work).unwrap();
    let keys = signing_keys(&e);
    let entry = &keys["keys"][1];
    assert_eq!(entry["name"], "linked");
    assert_eq!(entry["keyPath"], work.join("link.key").to_str().unwrap());
    assert_eq!(entry["certPath"], work.join("link.crt").to_str().unwrap());
}

#[test]
fn key_add_update_and_delete_say_what_notation_says() {
    let e = Env::new();
    linked_test_key(&e);
    let out = e.ok(&[
        "key",
        "add",
        "linked",
        "--key",
        "link.key",
        "--cert",
        "link.crt",
        "--default",
    ]);
    assert_eq!(out.trim(), "linked: marked as default");
    let out = e.ok(&["key", "delete", "linked"]);
    assert_eq!(
        out.trim(),
        "Removed default key linked from Notation signing key list. The source key still exists."
    );
    let out = e.ok(&["key", "delete", "g"]);
    assert_eq!(
        out.trim(),
        "Removed g from Notation signing key list. The source key still exists."
    );
}

#[test]
fn key_update_without_default_does_nothing() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "--default", "g"]);
    // Quiet, as notation: its warning is a log line, shown with -v.
    let (_, err) = e.ok_both(&["key", "update", "nosuchkey"]);
    assert_eq!(err, "");
    let (_, err) = e.ok_both(&["key", "update", "-v", "nosuchkey"]);
    assert!(err.contains("--default flag is not set"), "{err}");
    assert_eq!(signing_keys(&e)["default"], "g");
}

#[test]
fn without_a_usable_user_config_dir_the_configuration_is_dot_notation_here() {
    // Go's os.UserConfigDir refuses a relative $XDG_CONFIG_HOME and needs $HOME otherwise;
    // notation then uses `.notation` in the working directory, and so does notary.
    let mut e = Env::new();
    e.set_var("XDG_CONFIG_HOME", "relative");
    e.ok(&["cert", "generate-test", "--bits", "256", "r"]);
    assert!(e.work.join(".notation/signingkeys.json").is_file());
    assert!(!e.work.join("relative").exists());
    let mut e = Env::new();
    e.remove_var("XDG_CONFIG_HOME");
    e.remove_var("HOME");
    e.ok(&["cert", "generate-test", "--bits", "256", "h"]);
    assert!(e.work.join(".notation/localkeys/h.key").is_file());
    assert!(e.ok(&["key", "list"]).contains("h"));
}

#[test]
fn signing_keys_json_is_written_with_gos_escapes() {
    // notation's encoder writes `<`, `>`, `&`, U+2028 and U+2029 as \u escapes; a rewrite by
    // notary gives the same bytes as one by notation (`key update --default` here).
    let e = Env::new();
    std::fs::create_dir_all(&e.config).unwrap();
    std::fs::write(
        e.config.join("signingkeys.json"),
        "{\"keys\": [{\"name\": \"k\", \"keyPath\": \"/k/a&b<c>.key\", \"certPath\": \"/k/\u{2028}\u{2029}\\u0001\\t\\\"é.crt\"}]}",
    )
    .unwrap();
    e.ok(&["key", "update", "--default", "k"]);
    let written = std::fs::read_to_string(e.config.join("signingkeys.json")).unwrap();
    assert_eq!(
        written,
        r#"{
    "default": "k",
    "keys": [
        {
            "name": "k",
            "keyPath": "/k/a\u0026b\u003cc\u003e.key",
            "certPath": "/k/\u2028\u2029\u0001\t\"é.crt"
        }
    ]
}
"#
    );
    // And read back as written.
    let out = e.ok(&["key", "list"]);
    assert!(out.contains("/k/a&b<c>.key"), "{out}");
}

#[test]
fn generate_test_records_key_paths_through_the_configuration_directory_as_given() {
    // As notation: the configuration directory joined and cleaned, a link in it kept (not
    // resolved to its target).
    let mut e = Env::new();
    let real = e.root().join("real");
    std::fs::create_dir_all(&real).unwrap();
    let link = e.root().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    e.set_var("NOTATION_CONFIG", link.join("x/../notation"));
    e.ok(&["cert", "generate-test", "--bits", "256", "t"]);
    let keys: serde_json::Value =
        serde_json::from_slice(&std::fs::read(real.join("notation/signingkeys.json")).unwrap())
            .unwrap();
    let local = link.join("notation/localkeys");
    assert_eq!(
        keys["keys"][0]["keyPath"],
        local.join("t.key").to_str().unwrap()
    );
    assert_eq!(
        keys["keys"][0]["certPath"],
        local.join("t.crt").to_str().unwrap()
    );
    // cleanup-test still knows them for its own.
    e.ok(&["cert", "cleanup-test", "--yes", "t"]);
    assert!(!real.join("notation/localkeys/t.key").exists());
}

#[test]
fn a_key_entry_with_one_local_path_is_a_local_key_even_beside_a_plugin() {
    // notation reads an entry as a local key once keyPath or certPath is written, and then
    // refuses the missing one; it never signs with the entry's plugin instead.
    let e = Env::new();
    e.default_test_key("acme");
    let (layout, _) = e.layout_with_artifact(None);
    let reference = format!("{}:v1", layout.display());
    let key = e.config.join("localkeys/acme.key");
    let cert = e.config.join("localkeys/acme.crt");
    for (entry, words) in [
        (
            serde_json::json!({"name": "acme", "keyPath": key, "pluginName": "p", "id": "i"}),
            "certificate path not specified",
        ),
        (
            serde_json::json!({"name": "acme", "certPath": cert, "pluginName": "p", "id": "i"}),
            "key path not specified",
        ),
        (
            serde_json::json!({"name": "acme", "keyPath": key}),
            "certificate path not specified",
        ),
    ] {
        let doc = serde_json::json!({"default": "acme", "keys": [entry]});
        std::fs::write(e.config.join("signingkeys.json"), doc.to_string()).unwrap();
        let err = e.fails(&["sign", "--oci-layout", &reference]);
        assert!(err.contains(words), "{doc}: {err}");
    }
}

#[test]
fn cert_delete_of_what_is_not_there_fails_in_notations_words() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "t"]);
    let ca = e.config.join("truststore/x509/ca");
    let err = e.fails(&["cert", "delete", "-t", "ca", "-s", "t", "-y", "none.crt"]);
    assert!(
        err.contains(&format!(
            "Error: failed to delete the certificate file: stat {}: no such file or directory",
            ca.join("t/none.crt").display()
        )),
        "{err}"
    );
    let err = e.fails(&["cert", "delete", "-t", "ca", "-s", "none", "-y", "--all"]);
    assert!(
        err.contains(&format!(
            "Error: failed to delete the named trust store: stat {}: no such file or directory",
            ca.join("none").display()
        )),
        "{err}"
    );
    assert!(e.ok(&["cert", "list"]).contains("t.crt"));
}

#[test]
fn cert_list_fails_on_a_file_in_place_of_the_trust_store_directory() {
    // As notation: a file in place of a type directory lists nothing there, but a file in
    // place of `truststore/x509` is an error naming the type directory it hides.
    let e = Env::new();
    let x509 = e.config.join("truststore/x509");
    std::fs::create_dir_all(&x509).unwrap();
    std::fs::write(x509.join("ca"), b"").unwrap();
    assert_eq!(e.ok(&["cert", "list"]), "");
    std::fs::remove_dir_all(&x509).unwrap();
    std::fs::write(&x509, b"").unwrap();
    let err = e.fails(&["cert", "list"]);
    assert!(
        err.contains(&format!(
            "failed to list all certificates stored in the trust store, with error: lstat {}: not a directory",
            x509.join("ca").display()
        )),
        "{err}"
    );
}

#[test]
fn config_json_names_notations_fields_in_any_case() {
    // notation's Config struct is read by Go's decoder, which matches member names in any
    // case: `SignatureFormat` sets the default envelope format.
    let e = Env::new();
    e.default_test_key("acme");
    let (layout, _) = e.layout_with_artifact(None);
    let reference = format!("{}:v1", layout.display());
    std::fs::write(
        e.config.join("config.json"),
        br#"{"SignatureFormat": "COSE", "other": 1}"#,
    )
    .unwrap();
    e.ok_both(&["sign", "--oci-layout", &reference]);
    let inspect = e.ok(&["inspect", "--oci-layout", "-o", "json", &reference]);
    assert!(inspect.contains("application/cose"), "{inspect}");
    assert!(!inspect.contains("application/jose+json"), "{inspect}");
}

#[test]
fn generate_test_never_replaces_key_files_left_by_key_delete() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "a"]);
    e.ok(&["key", "delete", "a"]);
    let key = e.config.join("localkeys/a.key");
    let before = std::fs::read(&key).unwrap();
    let err = e.fails(&["cert", "generate-test", "--bits", "256", "a"]);
    // notation's words (its O_EXCL open), and the key is left as it was.
    assert!(
        err.contains(&format!(
            "failed to write key file: open {}: file exists",
            key.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&key).unwrap(), before);
    assert_eq!(signing_keys(&e)["keys"], serde_json::json!([]));
}

#[test]
fn cert_delete_removes_an_empty_directory_as_notation_does() {
    // notation removes the named entry with Go's os.Remove: an empty directory goes, one with
    // files in it fails with rmdir's words.
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "t"]);
    let store = e.config.join("truststore/x509/ca/t");
    std::fs::create_dir(store.join("empty")).unwrap();
    std::fs::create_dir(store.join("full")).unwrap();
    std::fs::write(store.join("full/x"), b"x").unwrap();
    e.ok(&["cert", "delete", "-t", "ca", "-s", "t", "-y", "empty"]);
    assert!(!store.join("empty").exists());
    let err = e.fails(&["cert", "delete", "-t", "ca", "-s", "t", "-y", "full"]);
    assert!(
        err.contains(&format!(
            "failed to delete the certificate file: remove {}: directory not empty",
            store.join("full").display()
        )),
        "{err}"
    );
    assert!(store.join("full/x").exists());
}

/// A configuration directory (or a file in it) that is not what it should be is named in
/// notation's words: Go's `mkdir`, `lstat`, `open` and `read` errors (tests/differential/mgmt.py
/// compares them with notation itself).
#[test]
fn an_unusable_configuration_directory_is_named_in_notations_words() {
    let e = Env::new();
    let cert = e.work.join("root.crt");
    e.ok(&["cert", "generate-test", "t"]);
    std::fs::copy(e.config.join("localkeys/t.crt"), &cert).unwrap();
    let cert = cert.to_str().unwrap();
    let policy = e.write(
        "policy.json",
        r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}"#,
    );
    let policy = policy.to_str().unwrap();
    let c = e.config.display().to_string();

    // signingkeys.json a directory.
    std::fs::remove_file(e.config.join("signingkeys.json")).unwrap();
    std::fs::create_dir(e.config.join("signingkeys.json")).unwrap();
    let err = e.fails(&["key", "ls"]);
    assert!(
        err.contains(&format!(
            "Error: \"{c}/signingkeys.json\" is not a regular file (symlinks are not supported)"
        )),
        "{err}"
    );
    // trustpolicy.json a directory: shown, and written over, in Go's words.
    std::fs::create_dir(e.config.join("trustpolicy.json")).unwrap();
    let err = e.fails(&["policy", "show"]);
    assert!(
        err.contains(&format!(
            "Error: failed to show trust policy: read {c}/trustpolicy.json: is a directory"
        )),
        "{err}"
    );
    let err = e.fails(&["policy", "import", policy]);
    assert!(
        err.contains(&format!(
            "Error: failed to write trust policy file: open {c}/trustpolicy.json: is a directory"
        )),
        "{err}"
    );
    // A file where a trust store directory should be.
    std::fs::create_dir_all(e.config.join("truststore/x509/ca")).unwrap();
    std::fs::write(e.config.join("truststore/x509/ca/s"), "").unwrap();
    let err = e.fails(&["cert", "add", "-t", "ca", "-s", "s", cert]);
    assert!(
        err.contains(&format!(
            "with error \"mkdir {c}/truststore/x509/ca/s: not a directory\""
        )),
        "{err}"
    );

    // The configuration directory itself a file.
    std::fs::remove_dir_all(&e.config).unwrap();
    std::fs::write(&e.config, "").unwrap();
    let err = e.fails(&["cert", "add", "-t", "ca", "-s", "s", cert]);
    assert!(
        err.contains(&format!("with error \"mkdir {c}: not a directory\"")),
        "{err}"
    );
    for args in [vec!["key", "ls"], vec!["key", "delete", "k"]] {
        let err = e.fails(&args);
        assert!(
            err.contains(&format!(
                "Error: lstat {c}/signingkeys.json: not a directory"
            )),
            "{args:?}: {err}"
        );
    }
    let err = e.fails(&["policy", "import", policy]);
    assert!(
        err.contains(&format!(
            "Error: failed to write trust policy file: mkdir {c}: not a directory"
        )),
        "{err}"
    );
}

/// `policy import` asks before replacing a file that reads as a trust policy document (valid
/// or not) and replaces anything else without a question; `--force` warns whether or not there
/// is one, as notation v1.3.2 does, in its words.
#[test]
fn policy_import_asks_about_a_policy_document_only_and_force_always_warns() {
    let e = Env::new();
    let policy = e.write(
        "policy.json",
        r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}"#,
    );
    let policy = policy.to_str().unwrap();
    let (_, err) = e.ok_both(&["policy", "import", "--force", policy]);
    assert!(
        err.contains("Warning: existing trust policy configuration file will be overwritten"),
        "{err}"
    );
    // A policy document that does not validate is still asked about.
    let file = e.config.join("trustpolicy.json");
    std::fs::write(&file, r#"{"version":"9"}"#).unwrap();
    let o = e.run_with_stdin(&["policy", "import", policy], b"n\n");
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "The trust policy file already exists, do you want to overwrite it? [y/N] Operation cancelled.\n"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        r#"{"version":"9"}"#
    );
    // What is no JSON document is replaced without a question.
    std::fs::write(&file, "{not json").unwrap();
    let out = e.ok(&["policy", "import", policy]);
    assert!(out.starts_with("Successfully imported"), "{out}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"p\""));
}

/// Commands that change `signingkeys.json` read and write it under a lock on the configuration
/// directory: parallel runs keep every key (without it, the last writer wins).
#[test]
fn parallel_key_changes_lose_no_key() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "base"]);
    let key = e.config.join("localkeys/base.key");
    let cert = e.config.join("localkeys/base.crt");
    let (key, cert) = (key.to_str().unwrap(), cert.to_str().unwrap());
    let mut children: Vec<std::process::Child> = (0..10)
        .map(|i| {
            let name = format!("k{i}");
            e.command(&["key", "add", &name, "--key", key, "--cert", cert])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    children.extend((0..4).map(|i| {
        e.command(&["cert", "generate-test", &format!("g{i}")])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }));
    let names = wait_for_key_names(&e, children);
    let mut want: Vec<String> = std::iter::once("base".to_string())
        .chain((0..10).map(|i| format!("k{i}")))
        .chain((0..4).map(|i| format!("g{i}")))
        .collect();
    want.sort();
    assert_eq!(names, want);
}

/// The same on a configuration directory that does not exist yet: the first `key add`s make
/// it and lock it before they read.
#[test]
fn parallel_first_key_adds_lose_no_key() {
    let maker = Env::new();
    maker.ok(&["cert", "generate-test", "base"]);
    let e = Env::new();
    assert!(!e.config.exists());
    let key = e.work.join("base.key");
    let cert = e.work.join("base.crt");
    std::fs::copy(maker.config.join("localkeys/base.key"), &key).unwrap();
    std::fs::copy(maker.config.join("localkeys/base.crt"), &cert).unwrap();
    let (key, cert) = (key.to_str().unwrap(), cert.to_str().unwrap());
    let children: Vec<std::process::Child> = (0..8)
        .map(|i| {
            e.command(&["key", "add", &format!("k{i}"), "--key", key, "--cert", cert])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let names = wait_for_key_names(&e, children);
    assert_eq!(names, (0..8).map(|i| format!("k{i}")).collect::<Vec<_>>());
}
