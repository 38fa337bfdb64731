//! Signatures in real registries: Debian's docker-registry (Distribution 2.8, referrers tag
//! schema) and CNCF Distribution v3 (referrers API), started on 127.0.0.1 by the test.

#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use std::collections::BTreeMap;
use std::sync::Arc;

use notary::artifact::{VerifyArtifactError, sign_and_push, verify_artifact};
use notary::{EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::{SIGNATURE_ARTIFACT_TYPE, SignatureRepository};
use notary_registry::copy::{Endpoint, copy};
use notary_registry::manifest;
use notary_registry::remote::{Credential, DockerConfig, ReferrersSupport, StaticCredential};
use notary_registry::{Error, OciLayout, RemoteRepository};
use registry::{Kind, Options, Registry, push_artifact, rt};
use trust::{chain, now, verifier};

fn sign_options(format: EnvelopeMediaType) -> SignOptions {
    let mut o = SignOptions::new(now());
    o.format = format;
    o.expiry = Some(time::Duration::hours(1));
    o.user_metadata.insert("build".into(), "42".into());
    o
}

/// A TCP relay on loopback to `upstream` that counts the connections it accepts.
fn counting_relay(upstream: String) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                continue;
            };
            let pairs = [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ];
            for (mut from, mut to) in pairs {
                std::thread::spawn(move || {
                    use std::io::{Read as _, Write as _};
                    // What arrives within a millisecond is passed on in one write, so the
                    // client finds a whole response in its socket at once, as it does with a
                    // registry on loopback (the relay's own reads would otherwise trickle it).
                    let mut buf = vec![0u8; 1 << 18];
                    while let Ok(first @ 1..) = from.read(&mut buf) {
                        let mut n = first;
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        let _ = from.set_nonblocking(true);
                        while let Ok(more @ 1..) = from.read(&mut buf[n..]) {
                            n += more;
                        }
                        let _ = from.set_nonblocking(false);
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    (host, accepted)
}

#[test]
fn a_verification_sends_its_requests_over_one_connection() {
    for kind in Kind::ALL {
        let reg = Registry::start(kind, &Options::default());
        let (relay, accepted) = counting_relay(reg.host.clone());
        let cache_dir = tempfile::tempdir().unwrap();
        let cache = Arc::new(notary_registry::cache::BlobCache::new(cache_dir.path()));
        let via_relay = || {
            let mut o = reg.remote_options();
            o.cache = Some(cache.clone());
            RemoteRepository::new(&relay, "app", o).unwrap()
        };
        // The CLI's runtime: one thread, where a connection is back in the pool only once its
        // task has run after the response body ended.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let r = reg.repo("app");
            let c = chain(KeySpec::EcP256);
            let signer = c.signer().unwrap();
            let opts = sign_options(EnvelopeMediaType::Jws);
            // v2 carries 40 signatures: a listing of ~14 KB arrives in several reads, so the
            // listing's connection is still busy when its body has been read.
            let mut digests = Vec::new();
            for (tag, signatures) in [("v1", 1), ("v2", 40)] {
                let a = push_artifact(&r, tag, tag.as_bytes()).await;
                for _ in 0..signatures {
                    sign_and_push(&r, tag, &signer, &opts).await.unwrap();
                }
                digests.push(a.digest.to_string());
            }
            let scope = format!("{relay}/app");
            let v = Arc::new(verifier(&c, &scope));
            // As the CLI runs it: in a task of its own (the root future is polled differently).
            let verify = |repo: RemoteRepository, digest: String| {
                let (v, scope) = (v.clone(), scope.clone());
                async move {
                    tokio::spawn(async move {
                        let req =
                            notary::artifact::VerifyArtifactRequest::new(&digest, &scope, now());
                        verify_artifact(&repo, v.as_ref(), &req).await.unwrap();
                        repo.request_count()
                    })
                    .await
                    .unwrap()
                }
            };
            // The first client learns how the registry lists referrers (the cache keeps it).
            verify(via_relay(), digests[0].clone()).await;
            let before = accepted.load(std::sync::atomic::Ordering::SeqCst);
            // A new client, nothing of v2 cached: the listing (where the registry has no
            // referrers API, the API is asked too, at the same time as the tag), then the
            // signature manifest and the envelope on a connection the listing used.
            let requests = verify(via_relay(), digests[1].clone()).await;
            let parallel = if kind.has_referrers_api() { 1 } else { 2 };
            assert_eq!(requests, 2 + parallel, "{kind:?}");
            let opened = accepted.load(std::sync::atomic::Ordering::SeqCst) - before;
            assert_eq!(
                opened, parallel as usize,
                "{kind:?}: connections opened for one verification"
            );
        });
    }
}

#[test]
fn sign_and_verify_by_tag_and_digest_on_both_registries() {
    for kind in Kind::ALL {
        let reg = Registry::start(kind, &Options::default());
        rt().block_on(async {
            let r = reg.repo("team/app");
            let artifact = push_artifact(&r, "v1", b"hello").await;
            let c = chain(KeySpec::EcP256);
            let signer = c.signer().unwrap();
            // JWS by tag, COSE by digest: two signatures side by side.
            let jws = sign_and_push(&r, "v1", &signer, &sign_options(EnvelopeMediaType::Jws))
                .await
                .unwrap();
            assert_eq!(jws.artifact, artifact);
            let by_digest = format!("{}/team/app@{}", reg.host, artifact.digest);
            let cose = sign_and_push(
                &r,
                &by_digest,
                &signer,
                &sign_options(EnvelopeMediaType::Cose),
            )
            .await
            .unwrap();
            assert_ne!(jws.pushed.manifest.digest, cose.pushed.manifest.digest);
            // The artifact and its tag never change.
            assert_eq!(r.resolve("v1").await.unwrap(), artifact);

            let fresh = reg.repo("team/app");
            let sigs = fresh.list_signatures(&artifact, 100).await.unwrap();
            let mut listed: Vec<_> = sigs.iter().map(|d| d.digest.clone()).collect();
            listed.sort();
            let mut pushed = vec![
                jws.pushed.manifest.digest.clone(),
                cose.pushed.manifest.digest.clone(),
            ];
            pushed.sort();
            assert_eq!(listed, pushed, "{kind:?}");
            for s in &sigs {
                assert_eq!(s.artifact_type.as_deref(), Some(SIGNATURE_ARTIFACT_TYPE));
                assert!(
                    s.annotations
                        .as_ref()
                        .unwrap()
                        .contains_key(notary_core::THUMBPRINT_ANNOTATION)
                );
            }
            let expected = if kind.has_referrers_api() {
                ReferrersSupport::Api
            } else {
                ReferrersSupport::TagSchema
            };
            assert_eq!(fresh.referrers_support(), expected, "{kind:?}");
            if !kind.has_referrers_api() {
                // The tag schema index holds both, written by us.
                let tag = notary_registry::remote::referrers_tag(&artifact.digest);
                let idx = fresh.resolve(&tag).await.unwrap();
                assert_eq!(idx.media_type, manifest::IMAGE_INDEX);
            }

            let scope = format!("{}/team/app", reg.host);
            let v = verifier(&c, &scope);
            let md = BTreeMap::from([("build".to_string(), "42".to_string())]);
            fn req<'a>(
                r: &'a str,
                scope: &'a str,
                md: &'a BTreeMap<String, String>,
            ) -> notary::artifact::VerifyArtifactRequest<'a> {
                notary::artifact::VerifyArtifactRequest::new(r, scope, now()).with_user_metadata(md)
            }
            for reference in ["v1".to_string(), by_digest.clone()] {
                let done = verify_artifact(
                    &fresh,
                    &v,
                    &notary::artifact::VerifyArtifactRequest::new(&reference, &scope, now())
                        .with_user_metadata(&md),
                )
                .await
                .unwrap();
                assert_eq!(done.artifact, artifact, "{kind:?} {reference}");
                assert!(done.signature_manifest.is_some());
            }
            // A digest reference costs three requests once the client knows the registry.
            let before = fresh.request_count();
            verify_artifact(&fresh, &v, &req(&by_digest, &scope, &md))
                .await
                .unwrap();
            assert_eq!(fresh.request_count() - before, 3, "{kind:?}");

            // Metadata that was not signed fails; another CA is not trusted.
            let wrong = BTreeMap::from([("build".to_string(), "43".to_string())]);
            let e = verify_artifact(
                &fresh,
                &v,
                &notary::artifact::VerifyArtifactRequest::new(&by_digest, &scope, now())
                    .with_user_metadata(&wrong),
            )
            .await
            .unwrap_err();
            assert!(matches!(e, VerifyArtifactError::AllFailed { .. }), "{e}");
            assert_eq!(e.validation(), Some(notary::Validation::UserMetadata));
            let other = chain(KeySpec::Rsa2048);
            let e = verify_artifact(&fresh, &verifier(&other, &scope), &req("v1", &scope, &md))
                .await
                .unwrap_err();
            assert!(e.to_string().contains("authenticity"), "{e}");

            // An unsigned artifact has no signature.
            let unsigned = push_artifact(&r, "v2", b"unsigned").await;
            let e = verify_artifact(&fresh, &v, &req(&unsigned.digest.to_string(), &scope, &md))
                .await
                .unwrap_err();
            assert!(matches!(e, VerifyArtifactError::NoSignature { .. }), "{e}");
        });
    }
}

#[test]
fn forced_tag_schema_on_a_registry_with_the_api() {
    let reg = Registry::start(Kind::Olareg, &Options::default());
    rt().block_on(async {
        let mut o = reg.remote_options();
        o.force_referrers_tag = true;
        let r = RemoteRepository::new(&reg.host, "app", o).unwrap();
        let artifact = push_artifact(&r, "v1", b"x").await;
        let c = chain(KeySpec::Rsa3072);
        let s = sign_and_push(
            &r,
            "v1",
            &c.signer().unwrap(),
            &sign_options(EnvelopeMediaType::Jws),
        )
        .await
        .unwrap();
        // Both discovery paths see it: the API, and the tag index we wrote.
        let tag = notary_registry::remote::referrers_tag(&artifact.digest);
        let idx = r.resolve(&tag).await.unwrap();
        let data = r.fetch_manifest(&idx, 1 << 20).await.unwrap();
        let m: manifest::Manifest = serde_json::from_slice(&data).unwrap();
        assert_eq!(m.manifests.unwrap()[0].digest, s.pushed.manifest.digest);
        let listed = r.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(r.referrers_support(), ReferrersSupport::Api);
    });
}

#[test]
fn basic_auth_over_tls_with_flags_and_docker_config() {
    let o = Options {
        basic_auth: Some(("alice".into(), "s3cret".into())),
        tls: true,
        ..Options::default()
    };
    let reg = Registry::start(Kind::Distribution2, &o);
    rt().block_on(async {
        // Anonymous: a clear authentication error.
        let anon = reg.repo("secure/app");
        let e = anon.resolve("v1").await.unwrap_err();
        assert!(matches!(e, Error::Auth { .. }), "{e}");
        // Wrong password.
        let mut bad = reg.remote_options();
        bad.credentials = Arc::new(StaticCredential(Credential::Basic {
            username: "alice".into(),
            password: "nope".into(),
        }));
        let e = RemoteRepository::new(&reg.host, "secure/app", bad)
            .unwrap()
            .resolve("v1")
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Auth { .. }) && e.to_string().contains("refused"),
            "{e}"
        );
        // Without the CA, TLS fails.
        let mut no_ca = reg.remote_options();
        no_ca.ca_certificates_pem.clear();
        no_ca.max_retries = 0;
        let e = RemoteRepository::new(&reg.host, "secure/app", no_ca)
            .unwrap()
            .resolve("v1")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Network { .. }), "{e}");
        // In the words notation prints.
        assert!(
            e.to_string().ends_with(
                ": tls: failed to verify certificate: x509: certificate signed by unknown authority"
            ),
            "{e}"
        );

        // Credentials from a Docker config.json.
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.json");
        std::fs::write(
            &cfg,
            format!(
                r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
                reg.host,
                base64_encode("alice:s3cret")
            ),
        )
        .unwrap();
        let mut good = reg.remote_options();
        good.credentials = Arc::new(DockerConfig::new(&cfg));
        let r = RemoteRepository::new(&reg.host, "secure/app", good).unwrap();
        let artifact = push_artifact(&r, "v1", b"secret").await;
        let c = chain(KeySpec::EcP384);
        sign_and_push(
            &r,
            "v1",
            &c.signer().unwrap(),
            &sign_options(EnvelopeMediaType::Cose),
        )
        .await
        .unwrap();
        let scope = format!("{}/secure/app", reg.host);
        let done = verify_artifact(
            &r,
            &verifier(&c, &scope),
            &notary::artifact::VerifyArtifactRequest::new("v1", &scope, now()),
        )
        .await
        .unwrap();
        assert_eq!(done.artifact, artifact);
    });
}

/// A token server of the Docker token protocol: checks Basic credentials and issues ES256 JWTs
/// with an `x5c` header, which the real registry verifies against its `rootcertbundle`.
struct TokenServer {
    url: String,
    cert_pem: String,
    hits: Arc<std::sync::atomic::AtomicUsize>,
}

fn b64url(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl TokenServer {
    fn start(user: &'static str, pass: &'static str) -> TokenServer {
        use notary_core::Signer as _;
        use std::io::{BufRead, BufReader, Write};
        let generated =
            notary_crypto::generate_test_certificate("token-issuer", KeySpec::EcP256, now())
                .unwrap();
        let signer = notary_crypto::LocalSigner::from_pem(
            generated.key_pem.as_bytes(),
            generated.cert_pem.as_bytes(),
        )
        .unwrap();
        let x5c = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(&generated.cert_der)
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let h = hits.clone();
        let expected = format!("Basic {}", base64_encode(&format!("{user}:{pass}")));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut first = String::new();
                let _ = r.read_line(&mut first);
                let mut authz = String::new();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line
                        .strip_prefix("authorization: ")
                        .or_else(|| line.strip_prefix("Authorization: "))
                    {
                        authz = v.trim().to_string();
                    }
                }
                let target = first.split_whitespace().nth(1).unwrap_or("").to_string();
                let query = target.split_once('?').map(|x| x.1).unwrap_or("");
                let param = |k: &str| {
                    query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                        .map(|v| {
                            v.replace("%3A", ":")
                                .replace("%2C", ",")
                                .replace("%2F", "/")
                        })
                };
                if authz != expected {
                    let body = r#"{"details":"bad credentials"}"#;
                    let _ = write!(
                        conn,
                        "HTTP/1.1 401 Unauthorized\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    continue;
                }
                let access: Vec<serde_json::Value> = param("scope")
                    .into_iter()
                    .filter_map(|s| {
                        let mut p = s.splitn(3, ':');
                        let (t, n, a) = (p.next()?, p.next()?, p.next()?);
                        Some(serde_json::json!({"type": t, "name": n, "actions": a.split(',').collect::<Vec<_>>()}))
                    })
                    .collect();
                let t = now().unix_timestamp();
                let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": [x5c]});
                let claims = serde_json::json!({
                    "iss": "notary-test-issuer", "sub": user, "aud": param("service").unwrap_or_default(),
                    "exp": t + 300, "nbf": t - 10, "iat": t, "jti": format!("{t}-{}", h.load(std::sync::atomic::Ordering::SeqCst)),
                    "access": access,
                });
                let input = format!(
                    "{}.{}",
                    b64url(header.to_string().as_bytes()),
                    b64url(claims.to_string().as_bytes())
                );
                let sig = signer.sign(input.as_bytes()).unwrap().signature;
                let body = serde_json::json!({"token": format!("{input}.{}", b64url(&sig)), "expires_in": 300}).to_string();
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TokenServer {
            url,
            cert_pem: generated.cert_pem,
            hits,
        }
    }
}

impl TokenServer {
    /// A registry of `kind` that takes this server's tokens.
    fn registry(&self, kind: Kind) -> Registry {
        let o = Options {
            token: Some((
                self.url.clone(),
                "notary-test".into(),
                "notary-test-issuer".into(),
                self.cert_pem.clone(),
            )),
            ..Options::default()
        };
        Registry::start(kind, &o)
    }
}

/// A client of `tok/app` on `reg` with the credentials the token server takes (bob's).
fn as_bob(reg: &Registry) -> RemoteRepository {
    let mut good = reg.remote_options();
    good.credentials = Arc::new(StaticCredential(Credential::Basic {
        username: "bob".into(),
        password: "hunter2".into(),
    }));
    RemoteRepository::new(&reg.host, "tok/app", good).unwrap()
}

#[test]
fn bearer_token_auth_against_the_registrys_own_token_check() {
    let ts = TokenServer::start("bob", "hunter2");
    for kind in [Kind::Distribution2, Kind::Distribution3] {
        let reg = ts.registry(kind);
        rt().block_on(async {
            // Anonymous: the token server refuses, a clear auth error.
            let e = reg.repo("tok/app").resolve("v1").await.unwrap_err();
            assert!(matches!(e, Error::Auth { .. }), "{kind:?}: {e}");
            let r = as_bob(&reg);
            let log = Captured::default();
            let _logging = log.install();
            let artifact = push_artifact(&r, "v1", b"token protected").await;
            let c = chain(KeySpec::EcP256);
            let before = ts.hits.load(std::sync::atomic::Ordering::SeqCst);
            sign_and_push(
                &r,
                "v1",
                &c.signer().unwrap(),
                &sign_options(EnvelopeMediaType::Jws),
            )
            .await
            .unwrap();
            let scope = format!("{}/tok/app", reg.host);
            let done = verify_artifact(
                &r,
                &verifier(&c, &scope),
                &notary::artifact::VerifyArtifactRequest::new("v1", &scope, now()),
            )
            .await
            .unwrap();
            assert_eq!(done.artifact, artifact);
            // Tokens are cached per access class: signing and verifying again needs none.
            assert!(
                ts.hits.load(std::sync::atomic::Ordering::SeqCst) - before <= 1,
                "{kind:?}"
            );
            // The debug log shows the token requests (realm, service, scope), never the
            // password, the Basic credential or a token (every JWT starts `eyJ`).
            let log = log.text();
            assert!(log.contains("token request"), "{log}");
            // The push class asks for both actions; their order follows which request met the
            // challenge first.
            assert!(
                log.contains("scope=\"repository:tok/app:pull,push\"")
                    || log.contains("scope=\"repository:tok/app:push,pull\""),
                "{log}"
            );
            assert!(log.contains("status=200"), "{log}");
            let basic = base64_encode("bob:hunter2");
            for secret in ["hunter2", basic.as_str(), "eyJ", "Bearer ", "Basic "] {
                assert!(
                    !log.contains(secret),
                    "{kind:?}: {secret:?} in the log:\n{log}"
                );
            }
        });
    }
}

#[test]
fn a_push_after_a_pull_token_asks_for_the_push_token_up_front() {
    let ts = TokenServer::start("bob", "hunter2");
    let reg = ts.registry(Kind::Distribution2);
    rt().block_on(async {
        push_artifact(&as_bob(&reg), "v1", b"token protected").await;
        // A fresh client meets the challenge once, on its first (pull) request; its sign's
        // writes then carry a push token asked for ahead of them, not a pull token the registry
        // must refuse first (a registry answering 403 there would fail the sign).
        let r = as_bob(&reg);
        let log = Captured::default();
        let _logging = log.install();
        r.resolve("v1").await.unwrap();
        sign_and_push(
            &r,
            "v1",
            &chain(KeySpec::EcP256).signer().unwrap(),
            &sign_options(EnvelopeMediaType::Jws),
        )
        .await
        .unwrap();
        let log = log.text();
        assert_eq!(log.matches("status=401").count(), 1, "{log}");
        assert_eq!(log.matches("authentication challenge").count(), 1, "{log}");
        assert_eq!(log.matches("token request").count(), 2, "{log}");
    });
}

/// The notary crates' DEBUG events, formatted as `notary --debug` prints them, for the
/// current thread while the guard of [`Captured::install`] lives.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    fn install(&self) -> tracing::dispatcher::DefaultGuard {
        // A second dispatch, alive for the whole run: with exactly one registered, tracing-core
        // 0.1 takes the interest of a callsite first hit on another test's thread (no
        // subscriber there) as "never" and caches it, and this thread's events are lost
        // (tokio-rs/tracing#3611). With two, every callsite is asked of both.
        static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        use tracing_subscriber::{Layer as _, filter};
        let targets = filter::Targets::new().with_target("notary", filter::LevelFilter::DEBUG);
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(self.clone())
                    .with_ansi(false)
                    .with_filter(targets),
            )
            .set_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn base64_encode(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn copy_registry_to_layout_to_second_registry_keeps_signatures_verifying() {
    let src_reg = Registry::start(Kind::Olareg, &Options::default());
    let dst_reg = Registry::start(Kind::Distribution2, &Options::default());
    let layout_dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let src = src_reg.repo("prod/app");
        let artifact = push_artifact(&src, "v1", b"payload to promote").await;
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        sign_and_push(&src, "v1", &signer, &sign_options(EnvelopeMediaType::Jws))
            .await
            .unwrap();
        // An SBOM referring to the artifact, and a signature of the SBOM.
        let cfg = src.push_blob(manifest::EMPTY_JSON, b"{}").await.unwrap();
        let sbom_layer = src
            .push_blob("application/spdx+json", br#"{"spdxVersion":"SPDX-2.3"}"#)
            .await
            .unwrap();
        let sbom = manifest::image_manifest(
            &cfg,
            &[sbom_layer],
            Some("application/spdx+json"),
            Some(&artifact),
            None,
        );
        let sbom_desc = src
            .push_manifest(manifest::IMAGE_MANIFEST, &sbom, None)
            .await
            .unwrap();
        sign_and_push(
            &src,
            &sbom_desc.digest.to_string(),
            &signer,
            &sign_options(EnvelopeMediaType::Cose),
        )
        .await
        .unwrap();

        // Registry -> layout.
        let layout = OciLayout::create(layout_dir.path()).unwrap();
        let mut events = 0;
        let report = copy(
            Endpoint::Remote(&src),
            "v1",
            Endpoint::Layout(&layout),
            Some("v1"),
            |_| events += 1,
        )
        .await
        .unwrap();
        assert_eq!(report.artifact, artifact);
        assert_eq!(report.referrers.len(), 3, "signature, SBOM, SBOM signature");
        assert!(events > 0 && report.progress.blobs_copied >= 4);
        let local_scope = "local/app";
        let done = verify_artifact(
            &layout,
            &verifier(&c, local_scope),
            &notary::artifact::VerifyArtifactRequest::new("v1", local_scope, now()),
        )
        .await
        .unwrap();
        assert_eq!(done.artifact.digest, artifact.digest);

        // Layout -> second registry (no referrers API): signatures still verify there.
        let dst = dst_reg.repo("airgap/app");
        let report = copy(
            Endpoint::Layout(&layout),
            "v1",
            Endpoint::Remote(&dst),
            Some("v1"),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(report.referrers.len(), 3);
        let scope = format!("{}/airgap/app", dst_reg.host);
        let fresh = dst_reg.repo("airgap/app");
        let done = verify_artifact(
            &fresh,
            &verifier(&c, &scope),
            &notary::artifact::VerifyArtifactRequest::new("v1", &scope, now()),
        )
        .await
        .unwrap();
        assert_eq!(done.artifact, artifact);
        let sbom_scope_ref = sbom_desc.digest.to_string();
        let done = verify_artifact(
            &fresh,
            &verifier(&c, &scope),
            &notary::artifact::VerifyArtifactRequest::new(&sbom_scope_ref, &scope, now()),
        )
        .await
        .unwrap();
        assert_eq!(done.artifact.digest, sbom_desc.digest);
        // Copying again transfers nothing new.
        let again = copy(
            Endpoint::Layout(&layout),
            "v1",
            Endpoint::Remote(&dst),
            Some("v1"),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(again.progress.blobs_copied, 0);
    });
}

#[test]
fn missing_artifacts_and_bad_references_are_clear_errors() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    rt().block_on(async {
        let r = reg.repo("app");
        let e = r.resolve("nope").await.unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e}");
        let e = r.resolve("other.example/app:v1").await.unwrap_err();
        assert!(matches!(e, Error::InvalidReference { .. }), "{e}");
        let e = r
            .resolve("sha256:0000000000000000000000000000000000000000000000000000000000000000")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e}");
        let _ = BTreeMap::<String, String>::new();
    });
}

#[test]
fn large_blobs_are_streamed_through_copy_in_every_direction() {
    let src_reg = Registry::start(Kind::Olareg, &Options::default());
    let dst_reg = Registry::start(Kind::Distribution2, &Options::default());
    let layout_dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let src = src_reg.repo("big/app");
        // 24 MiB, above the streaming threshold, pushed in one piece by the test.
        let mut big = Vec::with_capacity(24 << 20);
        let mut x: u32 = 12345;
        while big.len() < 24 << 20 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            big.extend_from_slice(&x.to_le_bytes());
        }
        assert!(big.len() as u64 > notary_registry::copy::STREAM_ABOVE);
        let config = src.push_blob(manifest::EMPTY_JSON, b"{}").await.unwrap();
        let layer = src
            .push_blob("application/octet-stream", &big)
            .await
            .unwrap();
        let m = manifest::image_manifest(&config, std::slice::from_ref(&layer), None, None, None);
        let artifact = src
            .push_manifest(manifest::IMAGE_MANIFEST, &m, Some("v1"))
            .await
            .unwrap();
        let c = chain(KeySpec::EcP256);
        sign_and_push(
            &src,
            "v1",
            &c.signer().unwrap(),
            &sign_options(EnvelopeMediaType::Jws),
        )
        .await
        .unwrap();

        let layout = OciLayout::create(layout_dir.path()).unwrap();
        copy(
            Endpoint::Remote(&src),
            "v1",
            Endpoint::Layout(&layout),
            Some("v1"),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(layout.fetch(&layer, 1 << 30).unwrap(), big);
        // No staging file is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(layout_dir.path().join("blobs"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".notary-copy"))
            .collect();
        assert!(leftovers.is_empty());

        let dst = dst_reg.repo("big/app");
        copy(
            Endpoint::Layout(&layout),
            "v1",
            Endpoint::Remote(&dst),
            Some("v1"),
            |_| {},
        )
        .await
        .unwrap();
        let mut f = tempfile::tempfile().unwrap();
        dst.fetch_blob_to(&layer, &mut f).await.unwrap();
        assert_eq!(f.metadata().unwrap().len(), big.len() as u64);
        // Registry to registry, and the signature still verifies at the end of the chain.
        let third = src_reg.repo("big/copy");
        copy(
            Endpoint::Remote(&dst),
            "v1",
            Endpoint::Remote(&third),
            Some("v1"),
            |_| {},
        )
        .await
        .unwrap();
        let scope = format!("{}/big/copy", src_reg.host);
        let done = verify_artifact(
            &third,
            &verifier(&c, &scope),
            &notary::artifact::VerifyArtifactRequest::new("v1", &scope, now()),
        )
        .await
        .unwrap();
        assert_eq!(done.artifact, artifact);
        assert_eq!(third.fetch_blob(&layer, 1 << 30).await.unwrap(), big);

        // A large blob changed on disk (same size) is hashed as it streams and the upload is
        // never completed: the copy fails in notary's words, and the registry holds nothing.
        let path = layout_dir
            .path()
            .join("blobs/sha256")
            .join(layer.digest.hex());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[1000] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let fresh = Registry::start(Kind::Distribution2, &Options::default());
        let corrupt = fresh.repo("big/app");
        let e = copy(
            Endpoint::Layout(&layout),
            "v1",
            Endpoint::Remote(&corrupt),
            Some("v1"),
            |_| {},
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&e, Error::DigestMismatch { reason, .. } if reason.contains("hashes to another digest")),
            "{e}"
        );
        assert!(!corrupt.blob_exists(&layer.digest).await.unwrap());
    });
}

/// A tool that builds one client per reference: clients of one repository built apart share
/// the process's tag index lock, so signatures pushed at the same moment are all listed.
#[test]
fn separately_built_clients_signing_at_once_keep_every_signature() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    rt().block_on(async {
        let mut o = reg.remote_options();
        o.force_referrers_tag = true;
        let first = RemoteRepository::new(&reg.host, "app", o.clone()).unwrap();
        let artifact = push_artifact(&first, "v1", b"once").await;
        let digest = artifact.digest.to_string();
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        let options = sign_options(EnvelopeMediaType::Jws);
        let clients: Vec<RemoteRepository> = (0..6)
            .map(|_| RemoteRepository::new(&reg.host, "app", o.clone()).unwrap())
            .collect();
        let results = futures_util::future::join_all(
            clients
                .iter()
                .map(|r| sign_and_push(r, &digest, &signer, &options)),
        )
        .await;
        let mut manifests: Vec<String> = results
            .into_iter()
            .map(|r| r.unwrap().pushed.manifest.digest.to_string())
            .collect();
        manifests.sort();
        let mut listed: Vec<String> = first
            .list_signatures(&artifact, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.digest.to_string())
            .collect();
        listed.sort();
        assert_eq!(listed, manifests);
    });
}

/// One client, no cache: the first push learns that docker-registry answers a monolithic POST
/// with an upload session and sees the config blob; the next pushes of the same client prepare
/// the session and the tag index while the artifact resolves and skip the config blob. A
/// repository prepared for a push that never comes gives its session to the next push.
#[test]
fn one_client_learns_and_prepares_its_pushes_on_a_tag_schema_registry() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    rt().block_on(async {
        let mut o = reg.remote_options();
        o.force_referrers_tag = true;
        let r = RemoteRepository::new(&reg.host, "app", o).unwrap();
        let mut artifacts = Vec::new();
        for i in 0..4 {
            let a = push_artifact(&r, &format!("v{i}"), format!("p{i}").as_bytes()).await;
            artifacts.push(a.digest.to_string());
        }
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        let options = sign_options(EnvelopeMediaType::Cose);
        let counted = |n: u64| r.request_count() - n;

        let before = r.request_count();
        sign_and_push(&r, &artifacts[0], &signer, &options)
            .await
            .unwrap();
        // HEAD artifact, HEAD config, POST with the envelope (202), PUT envelope, GET tag
        // index, PUT manifest, PUT tag index.
        assert_eq!(counted(before), 7);

        let before = r.request_count();
        sign_and_push(&r, &artifacts[1], &signer, &options)
            .await
            .unwrap();
        // HEAD artifact + POST session + GET tag index, then PUT envelope, PUT manifest, PUT
        // tag index.
        assert_eq!(counted(before), 6);

        // Prepared, but the push does not come (say, the signer failed): the session waits.
        let subject: notary_core::Digest = artifacts[2].parse().unwrap();
        let before = r.request_count();
        r.prepare_push_signature(Some(&subject)).await;
        assert_eq!(counted(before), 2, "POST session + GET tag index");
        // The next push (of another artifact) takes the session: its own prepare opens another.
        let before = r.request_count();
        sign_and_push(&r, &artifacts[3], &signer, &options)
            .await
            .unwrap();
        assert_eq!(counted(before), 6);

        let scope = format!("{}/app", reg.host);
        let v = verifier(&c, &scope);
        let md = BTreeMap::from([("build".to_string(), "42".to_string())]);
        for (i, a) in artifacts.iter().enumerate() {
            let req = notary::artifact::VerifyArtifactRequest::new(a, &scope, now())
                .with_user_metadata(&md);
            let done = verify_artifact(&r, &v, &req).await;
            // The artifact that was only prepared for has no signature.
            assert_eq!(done.is_ok(), i != 2, "{a}: {done:?}");
        }
    });
}

#[test]
fn a_referrers_tag_holding_a_docker_manifest_list_is_read_and_kept_on_update() {
    // The tag was last written by a client that stored a Docker manifest list (with one entry
    // twice): the registry serves it only to a client that accepts that type.
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    rt().block_on(async {
        let mut o = reg.remote_options();
        o.force_referrers_tag = true;
        let r = RemoteRepository::new(&reg.host, "app", o).unwrap();
        let artifact = push_artifact(&r, "v1", b"payload").await;
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        let options = sign_options(EnvelopeMediaType::Jws);
        let subject = artifact.digest.to_string();
        let first = sign_and_push(&r, &subject, &signer, &options)
            .await
            .unwrap()
            .pushed
            .manifest;
        let tag = notary_registry::remote::referrers_tag(&artifact.digest);
        let entry = serde_json::to_value(&first).unwrap();
        let list = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::DOCKER_MANIFEST_LIST,
            "manifests": [entry.clone(), entry],
        }))
        .unwrap();
        r.push_manifest(manifest::DOCKER_MANIFEST_LIST, &list, Some(&tag))
            .await
            .unwrap();

        // A fresh client (nothing learned, nothing cached) lists the signature once.
        let fresh = reg.repo("app");
        let listed = fresh.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(
            listed.iter().map(|d| &d.digest).collect::<Vec<_>>(),
            [&first.digest, &first.digest],
            "both entries, as stored"
        );
        // Signing again keeps the first signature (once) and adds the second.
        let second = sign_and_push(&fresh, &subject, &signer, &options)
            .await
            .unwrap()
            .pushed
            .manifest;
        let listed = reg
            .repo("app")
            .list_signatures(&artifact, 10)
            .await
            .unwrap();
        assert_eq!(
            listed.iter().map(|d| &d.digest).collect::<Vec<_>>(),
            [&first.digest, &second.digest]
        );
    });
}
