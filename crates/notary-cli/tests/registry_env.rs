//! `notary` against a real registry (Debian's docker-registry) in environments notation users
//! have: proxy variables set while the registry is local (Go never proxies `localhost` or a
//! loopback address), and a user name given without a password (notation sends it with an
//! empty one, which a registry without authentication never asks for).

#[path = "support/env.rs"]
mod support;

#[path = "../../../tests/support/registry.rs"]
mod registry;

use registry::{Kind, Options, Registry};

use support::Env;

/// A default test key trusted for every scope.
fn env() -> Env {
    let e = Env::new();
    e.trust_test_key("acme", "*", "p");
    e
}

#[test]
fn a_local_registry_is_reached_directly_whatever_proxy_the_environment_names() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let reference = reg.push_image("app", "v1", b"hello", None);
    let port = reg.host.rsplit(':').next().unwrap();
    let mut e = env();
    // A proxy nothing listens on: any request sent through it fails.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for k in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"] {
        e.set_var(k, &dead);
    }
    e.ok(&["sign", "--insecure-registry", &reference]);
    let (out, _) = e.ok_both(&["verify", "--insecure-registry", &reference]);
    assert!(out.contains("Successfully verified"), "{out}");
    // `localhost` (plain HTTP without the flag, as in notation) likewise.
    let by_name = reference.replacen("127.0.0.1", "localhost", 1);
    assert!(
        by_name.starts_with(&format!("localhost:{port}/")),
        "{by_name}"
    );
    let out = e.ok(&["list", &by_name]);
    assert!(
        out.contains("application/vnd.cncf.notary.signature"),
        "{out}"
    );
    // Bare `localhost` names no port: HTTPS on 443, as notation (whose host-port split finds no
    // port) does, never plain HTTP on 80.
    let err = e.fails(&["list", "localhost/app:v1"]);
    assert!(
        err.contains("\"https://localhost/v2/app/manifests/v1\""),
        "{err}"
    );
}

#[test]
fn a_user_name_alone_is_sent_with_an_empty_password() {
    // No authentication: the user name is never asked for, and the run succeeds.
    let open = Registry::start(Kind::Distribution2, &Options::default());
    let reference = open.push_image("app", "v1", b"hello", None);
    let mut e = env();
    e.ok(&["list", "-u", "bob", "--insecure-registry", &reference]);
    e.set_var("NOTATION_USERNAME", "bob");
    e.ok(&["sign", "--insecure-registry", &reference]);

    // With authentication, the registry refuses the empty password (no local refusal first).
    let closed = Registry::start(
        Kind::Distribution2,
        &Options {
            basic_auth: Some(("alice".into(), "s3cret".into())),
            ..Options::default()
        },
    );
    let reference = closed.push_image("app", "v1", b"hello", Some(("alice", "s3cret")));
    let err = e.fails(&["list", "-u", "alice", "--insecure-registry", &reference]);
    assert!(!err.contains("needs a password"), "{err}");
    assert!(
        err.contains("credentials refused: 401 Unauthorized"),
        "{err}"
    );

    // An empty `-u` overrides $NOTATION_USERNAME and makes the password a refresh token, as in
    // notation: no user name and password for this registry's Basic challenge (the variables'
    // would have been accepted).
    e.set_var("NOTATION_USERNAME", "alice");
    e.set_var("NOTATION_PASSWORD", "s3cret");
    e.ok(&["list", "--insecure-registry", &reference]);
    let err = e.fails(&["list", "-u", "", "--insecure-registry", &reference]);
    assert!(err.contains("requires a user name and password"), "{err}");
    // Both empty: no credential from the flags, so the stores (none here) and anonymous.
    let err = e.fails(&[
        "list",
        "-u",
        "",
        "-p",
        "",
        "--insecure-registry",
        &reference,
    ]);
    assert!(err.contains("requires a user name and password"), "{err}");
}
