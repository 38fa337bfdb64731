//! Registry credentials stay with the registry. A real docker-registry (htpasswd Basic auth)
//! sits behind a loopback front of our own that injects what a hostile or careless network
//! path could: blob GETs redirected (307) to a "storage" server that answers 401 with a
//! challenge whose realm is a capture server; `Location` and `Link` URLs on another port or on
//! plain HTTP; over TLS, redirects to HTTP. The capture and storage servers must never see the
//! registry's credentials, and every case must end in a clear typed error.

mod fake_server;
#[path = "../../../tests/support/registry.rs"]
mod registry;
#[path = "../../../tests/support/tls.rs"]
mod tls;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use fake_server::{Action, Server, capture, start};
use notary_core::Digest;
use notary_registry::remote::{Credential, StaticCredential};
use notary_registry::{Error, RemoteOptions, RemoteRepository, manifest};
use registry::{Kind, Options, Registry, rt};

const USER: &str = "origin-user";
const PASS: &str = "origin-s3cret-pw";

fn secrets() -> Vec<String> {
    vec![
        PASS.to_string(),
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}")),
    ]
}

/// Asserts that `s` never received an Authorization header or the credentials in any form.
fn assert_no_credentials(s: &Server, name: &str) {
    for r in s.seen() {
        assert!(
            !r.has_header("authorization"),
            "{name} got an Authorization header: {}",
            r.head
        );
        let all = format!("{}{}", r.head, String::from_utf8_lossy(&r.body));
        for secret in secrets() {
            assert!(!all.contains(&secret), "{name} got the credentials: {all}");
        }
    }
    let plain = s.plaintext.lock().unwrap().clone();
    assert!(
        plain.is_empty(),
        "{name} got plain-HTTP requests on its TLS port: {plain:?}"
    );
}

fn client(host: &str, plain_http: bool, ca: Option<&[u8]>) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.plain_http = plain_http;
    o.ca_certificates_pem = ca.map(|c| vec![c.to_vec()]).unwrap_or_default();
    o.timeout = Duration::from_secs(10);
    o.max_retries = 1;
    o.retry_base_delay = Duration::from_millis(10);
    o.credentials = Arc::new(StaticCredential(Credential::Basic {
        username: USER.into(),
        password: PASS.into(),
    }));
    RemoteRepository::new(host, "app", o).unwrap()
}

fn host_of(origin: &str) -> &str {
    origin.split_once("://").unwrap().1
}

fn auth_registry() -> Registry {
    Registry::start(
        Kind::Distribution2,
        &Options {
            basic_auth: Some((USER.into(), PASS.into())),
            ..Options::default()
        },
    )
}

#[test]
fn a_401_from_a_redirect_target_never_gets_the_registry_credentials() {
    let reg = auth_registry();
    let rt = rt();
    let capture = capture();
    let challenges = [
        format!(
            "WWW-Authenticate: Bearer realm=\"{}/token\",service=\"storage\",scope=\"repository:app:pull\"",
            capture.origin
        ),
        format!("WWW-Authenticate: Basic realm=\"{}\"", capture.origin),
    ];
    for challenge in challenges {
        let storage = start(None, None, move |_, _| {
            Action::Respond("401 Unauthorized", vec![challenge.clone()], b"{}".to_vec())
        });
        let storage_origin = storage.origin.clone();
        let front = start(None, Some(reg.host.clone()), move |_, r| {
            if r.method == "GET" && r.target.contains("/blobs/sha256:") {
                Action::Respond(
                    "307 Temporary Redirect",
                    vec![format!("Location: {storage_origin}/storage{}", r.target)],
                    Vec::new(),
                )
            } else {
                Action::Forward
            }
        });
        let errors = rt.block_on(async {
            // A client that already holds the registry's credentials (it pushed), and a fresh one
            // whose very first answer is the storage's 401.
            let pushing = client(host_of(&front.origin), true, None);
            let desc = pushing
                .push_blob("text/plain", b"blob behind a redirect")
                .await
                .unwrap();
            let fresh = client(host_of(&front.origin), true, None);
            let mut errors = Vec::new();
            for (name, c) in [("authenticated", &pushing), ("fresh", &fresh)] {
                errors.push((name, c.fetch_blob(&desc, 1024).await.unwrap_err()));
            }
            errors
        });
        // No leak first, then the error each client ended with.
        assert!(
            capture.seen().is_empty(),
            "the challenge realm was contacted: {:?}",
            capture.seen()
        );
        for (name, e) in errors {
            match &e {
                Error::ForeignOrigin { url, .. } => {
                    assert!(url.contains(host_of(&storage.origin)), "{name}: {e}")
                }
                other => panic!("{name}: expected ForeignOrigin, got {other:?}"),
            }
        }
        assert!(!storage.seen().is_empty(), "the redirect was not followed");
        assert_no_credentials(&storage, "storage");
    }
}

#[test]
fn links_and_locations_on_another_port_are_not_followed() {
    let reg = auth_registry();
    let rt = rt();
    let capture = capture();
    let elsewhere = capture.origin.clone();
    let front = start(None, Some(reg.host.clone()), move |own, r| {
        if r.method == "POST" && r.target.contains("/blobs/uploads/") {
            Action::ForwardRelocated(elsewhere.clone())
        } else if r.method == "GET" && r.target.contains("/referrers/") {
            let _ = own;
            Action::Respond(
                "200 OK",
                vec![
                    format!("Content-Type: {}", manifest::IMAGE_INDEX),
                    format!(
                        "Link: <{elsewhere}{}?last=x>; rel=\"next\"",
                        r.target.split('?').next().unwrap()
                    ),
                ],
                br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
                    .to_vec(),
            )
        } else {
            Action::Forward
        }
    });
    let errors = rt.block_on(async {
        let c = client(host_of(&front.origin), true, None);
        // The upload session's Location points at another port of the same host.
        let upload = c
            .push_blob("text/plain", b"relocated upload")
            .await
            .unwrap_err();
        // The client holds the registry's Basic credentials now; the next page is elsewhere.
        let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
        let link = c.referrers(&d, None, 10).await.map(|_| ());
        [Err(upload), link]
    });
    assert!(
        capture.seen().is_empty(),
        "another origin was contacted: {:?}",
        capture.seen()
    );
    for e in errors {
        assert!(matches!(e, Err(Error::ForeignOrigin { .. })), "{e:?}");
    }
}

fn tls_config() -> (Arc<rustls::ServerConfig>, Vec<u8>) {
    let tls = tls::TestTls::new();
    (tls.config(), tls.ca_pem.into_bytes())
}

#[test]
fn https_is_never_downgraded_to_http() {
    let reg = auth_registry();
    let rt = rt();
    let capture = capture();
    let (cfg, ca) = tls_config();
    let http_elsewhere = capture.origin.clone();
    let front = start(Some(cfg), Some(reg.host.clone()), move |own, r| {
        // The same host and port, over plain HTTP.
        let downgraded = own.replacen("https://", "http://", 1);
        if r.method == "POST" && r.target.contains("/blobs/uploads/") {
            Action::ForwardRelocated(downgraded)
        } else if r.method == "GET" && r.target.contains("/blobs/sha256:") {
            Action::Respond(
                "307 Temporary Redirect",
                vec![format!("Location: {http_elsewhere}{}", r.target)],
                Vec::new(),
            )
        } else if r.method == "GET" && r.target.contains("/referrers/") {
            Action::Respond(
                "200 OK",
                vec![
                    format!("Content-Type: {}", manifest::IMAGE_INDEX),
                    format!(
                        "Link: <{downgraded}{}?last=x>; rel=\"next\"",
                        r.target.split('?').next().unwrap()
                    ),
                ],
                br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
                    .to_vec(),
            )
        } else {
            Action::Forward
        }
    });
    let errors = rt.block_on(async {
        // A blob pushed straight to the registry, to be fetched through the TLS front.
        let direct = client(&reg.host, true, None);
        let desc = direct.push_blob("text/plain", b"over tls").await.unwrap();

        let c = client(host_of(&front.origin), false, Some(&ca));
        let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
        let errors = [
            c.push_blob("text/plain", b"downgraded upload")
                .await
                .unwrap_err(),
            c.fetch_blob(&desc, 1024).await.unwrap_err(),
            c.referrers(&d, None, 10).await.unwrap_err(),
        ];
        // The front itself was reached over TLS, with the registry's credentials.
        assert!(front.seen().iter().any(|r| r.has_header("authorization")));
        errors
    });
    let plain = front.plaintext.lock().unwrap().clone();
    assert!(
        plain.is_empty(),
        "plain-HTTP requests reached the TLS port: {plain:?}"
    );
    assert!(
        capture.seen().is_empty(),
        "an HTTP origin was contacted: {:?}",
        capture.seen()
    );
    for e in errors {
        assert!(matches!(e, Error::InsecureDowngrade { .. }), "{e:?}");
    }
}

#[test]
fn token_server_redirects_are_not_followed() {
    let rt = rt();
    let capture = capture();
    let elsewhere = capture.origin.clone();
    // The realm the registry names (a legitimate recipient of the refresh token) redirects
    // the POST, body and all, to another origin.
    let token_server = start(None, None, move |_, r| {
        Action::Respond(
            "307 Temporary Redirect",
            vec![format!("Location: {elsewhere}{}", r.target)],
            Vec::new(),
        )
    });
    let realm = format!("{}/token", token_server.origin);
    let registry = start(None, None, move |_, _| {
        Action::Respond(
            "401 Unauthorized",
            vec![format!(
                "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"registry\""
            )],
            b"{}".to_vec(),
        )
    });
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.max_retries = 0;
    o.credentials = Arc::new(StaticCredential(Credential::RefreshToken(
        "refresh-s3cret".into(),
    )));
    let c = RemoteRepository::new(host_of(&registry.origin), "app", o).unwrap();
    let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let e = rt.block_on(c.blob_exists(&d)).unwrap_err();
    assert!(
        token_server
            .seen()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains("refresh-s3cret")),
        "the registry's realm was not asked"
    );
    assert!(
        capture.seen().is_empty(),
        "the token request was sent on: {:?}",
        capture.seen()
    );
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(e.to_string().contains("307"), "{e}");
}

#[test]
fn transport_errors_do_not_repeat_presigned_storage_urls() {
    let rt = rt();
    // Storage that redirects its pre-signed URL to itself until the client gives up: reqwest
    // names the last URL that redirected in its error.
    let grant = "X-Amz-Signature=presigned-s3cret";
    let storage = start(None, None, move |own, r| {
        let path = r.target.split('?').next().unwrap();
        Action::Respond(
            "307 Temporary Redirect",
            vec![format!("Location: {own}{path}?{grant}")],
            Vec::new(),
        )
    });
    let storage_origin = storage.origin.clone();
    let front = start(None, None, move |_, r| {
        Action::Respond(
            "307 Temporary Redirect",
            vec![format!(
                "Location: {storage_origin}/blob{}?{grant}",
                r.target
            )],
            Vec::new(),
        )
    });
    let c = client(host_of(&front.origin), true, None);
    let desc = notary_core::Descriptor::for_content("text/plain", b"stored elsewhere");
    let e = rt.block_on(c.fetch_blob(&desc, 1024)).unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains("too many redirects"), "{shown}");
    assert!(!shown.contains("presigned-s3cret"), "{shown}");
    // Redacted, not dropped: the storage URL is still named.
    assert!(
        shown.contains(&format!("{}/blob/v2/app/blobs/", storage.origin)),
        "{shown}"
    );
}

#[test]
fn a_registry_token_is_the_bearer_token_and_no_token_server_is_asked() {
    let rt = rt();
    let token_server = capture();
    let realm = format!("{}/token", token_server.origin);
    // The registry accepts only its own token; anything else is challenged.
    let registry = start(None, None, move |_, r| {
        if r.head
            .lines()
            .any(|l| l.eq_ignore_ascii_case("authorization: Bearer reg-token-1"))
        {
            Action::Respond("200 OK", Vec::new(), Vec::new())
        } else {
            Action::Respond(
                "401 Unauthorized",
                vec![format!(
                    "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"registry\""
                )],
                b"{}".to_vec(),
            )
        }
    });
    // As `docker` leaves it in config.json: `registrytoken` beside an identity token.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let host = host_of(&registry.origin).to_string();
    std::fs::write(
        &config,
        format!(r#"{{"auths":{{"{host}":{{"registrytoken":"reg-token-1","identitytoken":"refresh"}}}}}}"#),
    )
    .unwrap();
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.max_retries = 0;
    o.credentials = Arc::new(notary_registry::remote::DockerConfig::new(&config));
    let c = RemoteRepository::new(&host, "app", o).unwrap();
    let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    assert!(rt.block_on(c.blob_exists(&d)).unwrap());
    assert!(
        token_server.seen().is_empty(),
        "the token server was asked: {:?}",
        token_server.seen()
    );
    let seen = registry.seen();
    assert!(
        seen.last().unwrap().head.contains("Bearer reg-token-1"),
        "{:?}",
        seen
    );

    // A registry asking for Basic auth gets no token and a clear error.
    let basic = start(None, None, |_, _| {
        Action::Respond(
            "401 Unauthorized",
            vec!["WWW-Authenticate: Basic realm=\"r\"".into()],
            b"{}".to_vec(),
        )
    });
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.max_retries = 0;
    o.credentials = Arc::new(StaticCredential(Credential::AccessToken(
        "reg-token-1".into(),
    )));
    let c = RemoteRepository::new(host_of(&basic.origin), "app", o).unwrap();
    let e = rt.block_on(c.blob_exists(&d)).unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(basic.seen().iter().all(|r| !r.has_header("authorization")));
}

/// A Docker `auths` entry may keep a token beside the user name and password (`docker login`
/// leaves `identitytoken` or `registrytoken` there): a registry asking for Basic auth is still
/// answered with the password, as notation (oras-go) answers it. Member names are matched in
/// any case as Go reads them, and an odd entry for another registry does not matter.
#[test]
fn basic_challenges_are_answered_from_auths_entries_that_also_hold_tokens() {
    let rt = rt();
    let reg = auth_registry();
    let host = reg.host.as_str();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    for entries in [
        format!(r#""{host}":{{"auth":"{auth}","identitytoken":"refresh-x"}}"#),
        format!(r#""{host}":{{"auth":"{auth}","registrytoken":"registry-x"}}"#),
        format!(r#""{host}":{{"Auth":"{auth}"}}"#),
        format!(
            r#""http://{host}/v2/":{{"Username":"{USER}","PASSWORD":"{PASS}","IdentityToken":"refresh-x"}},"other.example":"not an entry""#
        ),
    ] {
        std::fs::write(&config, format!(r#"{{"auths":{{{entries}}}}}"#)).unwrap();
        let mut o = RemoteOptions::default();
        o.plain_http = true;
        o.max_retries = 0;
        o.credentials = Arc::new(notary_registry::remote::DockerConfig::new(&config));
        let c = RemoteRepository::new(host, "app", o).unwrap();
        let found = rt.block_on(c.blob_exists(&d));
        assert!(matches!(found, Ok(false)), "{entries}: {found:?}");
    }
}

/// A bearer challenge with a parameter that cannot be read after the realm (a bare word) is
/// answered from the parameters before it, as notation (oras-go) answers it.
#[test]
fn a_bearer_challenge_with_an_unreadable_parameter_is_still_answered() {
    let rt = rt();
    let token_server = capture();
    let realm = format!("{}/token", token_server.origin);
    let registry = start(None, None, move |_, r| {
        if r.head
            .lines()
            .any(|l| l.eq_ignore_ascii_case("authorization: Bearer captured-token"))
        {
            Action::Respond("200 OK", Vec::new(), Vec::new())
        } else {
            Action::Respond(
                "401 Unauthorized",
                vec![format!(
                    "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"registry\",error=\"insufficient_scope\",foo"
                )],
                b"{}".to_vec(),
            )
        }
    });
    let c = client(host_of(&registry.origin), true, None);
    let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let found = rt.block_on(c.blob_exists(&d));
    assert!(matches!(found, Ok(true)), "{found:?}");
    let asked = token_server.seen();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].target.contains("service=registry"), "{asked:?}");
}
