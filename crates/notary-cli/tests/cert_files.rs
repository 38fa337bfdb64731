//! `cert generate-test` and `cert add` never replace or half-write configuration files, `cert add`
//! takes a symlinked source (as notation), `cert delete` reads its answer from stdin (as
//! notation), and usage errors exit 1 (as notation) while help exits 0.
#![cfg(unix)]

#[path = "support/env.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use support::Env;

/// Every entry under `root`: its path, and its bytes (a file), link target (a symlink) or
/// nothing (a directory).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let content = if meta.file_type().is_symlink() {
                std::fs::read_link(&p)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else if meta.is_dir() {
                todo.push(p.clone());
                Vec::new()
            } else {
                std::fs::read(&p).unwrap()
            };
            out.insert(p, content);
        }
    }
    out
}

/// The paths whose content differs between two snapshots (added, removed or changed).
fn changed(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<PathBuf> {
    let paths: BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    paths
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .cloned()
        .collect()
}

/// Runs `generate-test NAME`, which must fail with exit 1, change nothing, and name `names`.
fn generate_test_refused(e: &Env, name: &str, names: &str) {
    let before = snapshot(&e.config);
    let o = e.run(&["cert", "generate-test", "--bits", "256", name]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        changed(&before, &snapshot(&e.config)),
        Vec::<PathBuf>::new(),
        "generate-test {name} changed files ({err})"
    );
    assert!(err.contains(names), "the message names {names}: {err}");
}

#[test]
fn generate_test_refuses_existing_files_before_writing_anything() {
    let e = Env::new();
    let local = e.config.join("localkeys");
    let ca = e.config.join("truststore/x509/ca");

    // A key removed from the list keeps its files (notation's `key delete` does too).
    e.ok(&["cert", "generate-test", "--bits", "256", "kept"]);
    e.ok(&["key", "delete", "kept"]);
    generate_test_refused(&e, "kept", &local.join("kept.key").display().to_string());

    // Only the trust store holds a certificate of that name (written by notation, say).
    e.ok(&["cert", "generate-test", "--bits", "256", "seed"]);
    std::fs::create_dir_all(ca.join("stored")).unwrap();
    std::fs::copy(local.join("seed.crt"), ca.join("stored/stored.crt")).unwrap();
    generate_test_refused(
        &e,
        "stored",
        &ca.join("stored/stored.crt").display().to_string(),
    );
    assert!(!local.join("stored.key").exists());

    // Only the key list has the name: its files are gone.
    e.ok(&["cert", "generate-test", "--bits", "256", "listed"]);
    std::fs::remove_file(local.join("listed.key")).unwrap();
    std::fs::remove_file(local.join("listed.crt")).unwrap();
    std::fs::remove_dir_all(ca.join("listed")).unwrap();
    generate_test_refused(&e, "listed", "\"listed\" already exists");

    // A dangling symlink counts as taken: writing through it would create its target.
    let target = e.root().join("target.key");
    std::os::unix::fs::symlink(&target, local.join("dangling.key")).unwrap();
    generate_test_refused(&e, "dangling", "dangling.key");
    assert!(!target.exists());
}

#[test]
fn generate_test_removes_what_it_wrote_when_a_later_step_fails() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "first"]);
    // A file where the store directory would go: the key and certificate are written, then
    // adding to the trust store fails.
    let blocker = e.config.join("truststore/x509/ca/second");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let before = snapshot(&e.config);
    let o = e.run(&["cert", "generate-test", "--bits", "256", "second"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("wrote key"), "the failure comes later: {out}");
    assert_eq!(
        changed(&before, &snapshot(&e.config)),
        Vec::<PathBuf>::new(),
        "files of the failed run are left"
    );

    // The directories it created are removed too.
    let e = Env::new();
    std::fs::create_dir_all(e.config.join("truststore/x509/ca")).unwrap();
    std::fs::write(e.config.join("truststore/x509/ca/third"), b"x").unwrap();
    let before = snapshot(&e.config);
    let o = e.run(&["cert", "generate-test", "--bits", "256", "third"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        changed(&before, &snapshot(&e.config)),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn cert_add_follows_a_symlinked_source_and_stores_a_regular_file() {
    /// `cert add -t ca -s corp PATH`
    fn add(p: &Path) -> [&str; 7] {
        ["cert", "add", "-t", "ca", "-s", "corp", p.to_str().unwrap()]
    }
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "seed"]);
    let pem = std::fs::read(e.config.join("localkeys/seed.crt")).unwrap();
    // As /etc/ssl/certs/*.pem -> /usr/share/ca-certificates/...
    let certs = e.root().join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::write(certs.join("real.crt"), &pem).unwrap();
    let link = certs.join("Root.pem");
    std::os::unix::fs::symlink(certs.join("real.crt"), &link).unwrap();

    e.ok(&add(&link));
    let stored = e.config.join("truststore/x509/ca/corp/Root.pem");
    let meta = std::fs::symlink_metadata(&stored).unwrap();
    assert!(meta.file_type().is_file(), "a copy, not a link");
    assert_eq!(std::fs::read(&stored).unwrap(), pem);
    let shown = e.ok(&["cert", "show", "-t", "ca", "-s", "corp", "Root.pem"]);
    assert!(shown.contains("CN=seed"), "{shown}");
    // Links with nothing behind them are refused.
    let broken = certs.join("broken.pem");
    std::os::unix::fs::symlink(certs.join("missing"), &broken).unwrap();
    e.fails(&add(&broken));

    // Adding it again leaves the stored file as it is.
    std::fs::write(&stored, b"edited by hand").unwrap();
    let err = e.fails(&add(&link));
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&stored).unwrap(), b"edited by hand");

    // Links to what is not a regular file are still refused, without blocking on a FIFO (a
    // directory in Go's words, as notation's `os.ReadFile` fails on it).
    let fifo = certs.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for (name, target) in [("fifo.pem", fifo.clone()), ("dir.pem", certs.clone())] {
        let l = certs.join(name);
        std::os::unix::fs::symlink(&target, &l).unwrap();
        let err = e.fails(&add(&l));
        let want = if name == "dir.pem" {
            "is a directory"
        } else {
            "not a regular file"
        };
        assert!(err.contains(want), "{name}: {err}");
        assert!(!e.config.join("truststore/x509/ca/corp").join(name).exists());
    }

    // Inside the trust store a symlink is still refused.
    std::os::unix::fs::symlink(
        certs.join("real.crt"),
        e.config.join("truststore/x509/ca/corp/inside.pem"),
    )
    .unwrap();
    let err = e.fails(&["cert", "show", "-t", "ca", "-s", "corp", "inside.pem"]);
    assert!(err.contains("symlink"), "{err}");
}

#[test]
fn cert_delete_reads_the_answer_from_stdin() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "a"]);
    let stored = e.config.join("truststore/x509/ca/a/a.crt");
    let delete = ["cert", "delete", "-t", "ca", "-s", "a", "a.crt"];
    for answer in [&b"n\n"[..], b"", b"maybe\n"] {
        let o = e.run_with_stdin(&delete, answer);
        assert_eq!(o.status.code(), Some(0), "{answer:?}");
        assert!(stored.exists(), "deleted on {answer:?}");
    }
    let o = e.run_with_stdin(&delete, b"YES\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!stored.exists());
    // notation's prompt and message, word for word.
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "Are you sure you want to delete \"a.crt\" in \"a\" of type \"ca\"? [y/N] Successfully deleted a.crt\n"
    );
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let e = Env::new();
    for (args, says) in [
        (&["--no-such-flag"][..], "--no-such-flag"),
        (&["cert", "list", "--no-such-flag"][..], "--no-such-flag"),
        // cobra's words (notation's) for a required flag not given.
        (
            &["cert", "add", "-t", "ca", "x.pem"][..],
            "Error: required flag(s) \"store\" not set",
        ),
    ] {
        let o = e.run(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    for args in [&["--help"][..], &["cert", "add", "--help"], &["--version"]] {
        let o = e.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(!o.stdout.is_empty(), "{args:?}");
    }
    let o = e.run(&["cert", "add", "--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("Usage"));
}

#[test]
fn list_and_show_read_files_as_notation_does() {
    let e = Env::new();
    e.ok(&["cert", "generate-test", "--bits", "256", "a"]);
    let store = e.config.join("truststore/x509/ca/a");
    // A file that is neither PEM nor DER fails the listing, as in notation.
    std::fs::write(store.join("notes.txt"), b"not a certificate").unwrap();
    let err = e.fails(&["cert", "list"]);
    assert!(
        err.contains("failed to list all certificates stored in the trust store"),
        "{err}"
    );
    std::fs::remove_file(store.join("notes.txt")).unwrap();
    // An empty file holds no certificate for Go's reader: left out, not an error.
    std::fs::write(store.join("empty.pem"), b"").unwrap();
    let out = e.ok(&["cert", "list", "--type", "ca"]);
    assert!(
        out.starts_with("STORE TYPE   STORE NAME   CERTIFICATE   \n"),
        "{out}"
    );
    assert!(
        out.contains("\nca           a            a.crt         \n"),
        "{out}"
    );

    // `show` shows any certificate that parses, even one the store's rules would refuse at
    // verification (a leaf signed by another key is not a CA nor self-signed).
    e.ok(&["cert", "generate-test", "--bits", "256", "b"]);
    let leaf = leaf_signed_by_other_key(&e);
    std::fs::write(store.join("leaf.pem"), &leaf).unwrap();
    let out = e.ok(&["cert", "show", "-t", "ca", "-s", "a", "leaf.pem"]);
    assert!(out.starts_with("Certificate details\n"), "{out}");
    assert!(out.contains("IsCA: false"), "{out}");
    assert!(out.contains(" +0000 UTC\n"), "{out}");
}

/// A PEM certificate whose subject is not its issuer: `b`'s certificate with the issuer name
/// patched, so its self-signature no longer verifies (it still parses).
fn leaf_signed_by_other_key(e: &Env) -> Vec<u8> {
    let pem = std::fs::read_to_string(e.config.join("localkeys/b.crt")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine as _;
    let mut der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    // The issuer's CN=b becomes CN=c: same length, still DER, signature now wrong.
    let at = der
        .windows(4)
        .position(|w| w[..3] == [0x0c, 0x01, b'b'])
        .unwrap();
    der[at + 2] = b'c';
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(&der)
    )
    .into_bytes()
}
