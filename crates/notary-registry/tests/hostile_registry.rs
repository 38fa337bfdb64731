//! A registry that lies or floods, played by the in-process fake server: what it answers must
//! neither be taken for what it is not nor make the client's work unbounded.

mod fake_server;
#[path = "../../../tests/support/tls.rs"]
mod tls;

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use notary_core::{Descriptor, Digest};
use notary_registry::{Error, RemoteOptions, RemoteRepository, manifest};

use fake_server::{Action, start};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client(origin: &str) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.timeout = Duration::from_secs(10);
    o.max_retries = 0;
    RemoteRepository::new(origin.split_once("://").unwrap().1, "app", o).unwrap()
}

fn not_found() -> Action {
    Action::Respond("404 Not Found", Vec::new(), Vec::new())
}

/// An image manifest: the empty config and one text/plain layer holding `content`.
fn text_image(content: &[u8]) -> Vec<u8> {
    manifest::image_manifest(
        &Descriptor::for_content(manifest::EMPTY_JSON, b"{}"),
        &[Descriptor::for_content("text/plain", content)],
        None,
        None,
        None,
    )
}

#[test]
fn a_tag_resolved_by_get_must_hash_to_the_digest_the_registry_names() {
    let rt = rt();
    let served = text_image(b"what the client is sent");
    let named = text_image(b"what everyone else pulls");
    let served_digest = Descriptor::for_content(manifest::IMAGE_MANIFEST, &served).digest;
    let named_digest = Descriptor::for_content(manifest::IMAGE_MANIFEST, &named).digest;
    let body = served.clone();
    let server = start(None, None, move |_, r| {
        // `lying` names another manifest's digest; `honest` names its own.
        let digest = match r.target.as_str() {
            "/v2/app/manifests/lying" => &named_digest,
            "/v2/app/manifests/honest" => &served_digest,
            _ => return not_found(),
        };
        let content_type = format!("Content-Type: {}", manifest::IMAGE_MANIFEST);
        if r.method == "HEAD" {
            // No digest on HEAD: the client falls back to GET.
            return Action::Respond("200 OK", vec![content_type], Vec::new());
        }
        Action::Respond(
            "200 OK",
            vec![content_type, format!("Docker-Content-Digest: {digest}")],
            body.clone(),
        )
    });
    let c = client(&server.origin);
    let e = rt.block_on(c.resolve_reference("lying")).unwrap_err();
    match &e {
        Error::DigestMismatch { digest, .. } => {
            assert_eq!(
                digest,
                &Descriptor::for_content("", &named).digest.to_string()
            )
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
    // A registry that names the digest of what it sends resolves as before.
    let d = rt.block_on(c.resolve_reference("honest")).unwrap();
    assert_eq!(
        d,
        Descriptor::for_content(manifest::IMAGE_MANIFEST, &served)
    );
}

#[test]
fn a_referrers_listing_is_capped_however_many_pages_the_registry_links() {
    let rt = rt();
    let subject: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let entry = serde_json::json!({
        "mediaType": manifest::IMAGE_MANIFEST,
        "digest": Descriptor::for_content("", b"a signature manifest").digest,
        "size": 20,
        "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
    });
    // A thousand referrers a page, and always a next page.
    let page = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest::IMAGE_INDEX,
        "manifests": vec![entry; 1000],
    }))
    .unwrap();
    let pages = Arc::new(AtomicUsize::new(0));
    let served = pages.clone();
    let server = start(None, None, move |_, r| {
        if !r.target.starts_with("/v2/app/referrers/") {
            return not_found();
        }
        let n = served.fetch_add(1, Ordering::SeqCst);
        let path = r.target.split('?').next().unwrap();
        Action::Respond(
            "200 OK",
            vec![
                format!("Content-Type: {}", manifest::IMAGE_INDEX),
                format!("Link: <{path}?last={n}>; rel=\"next\""),
            ],
            page.clone(),
        )
    });
    let c = client(&server.origin);
    let list = rt
        .block_on(c.referrers(&subject, None, usize::MAX))
        .unwrap();
    assert_eq!(list.len(), 10_000);
    assert_eq!(pages.load(Ordering::SeqCst), 10, "pages read");
}

#[test]
fn relative_referrers_page_links_resolve_against_the_page_that_carries_them() {
    let rt = rt();
    let subject: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let page = |n: u8| {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::IMAGE_INDEX,
            "manifests": [{
                "mediaType": manifest::IMAGE_MANIFEST,
                "digest": Descriptor::for_content("", &[n]).digest,
                "size": 1,
                "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
            }],
        }))
        .unwrap()
    };
    let path = format!("/v2/app/referrers/{subject}");
    let relative = format!("<./{subject}?page=3>");
    let server = start(None, None, move |_, r| {
        let index = format!("Content-Type: {}", manifest::IMAGE_INDEX);
        // Page 1 links a query of its own path, page 2 a path relative to its directory.
        let (body, link) = if r.target == path {
            (page(1), Some("<?page=2>".to_string()))
        } else if r.target == format!("{path}?page=2") {
            (page(2), Some(relative.clone()))
        } else if r.target == format!("{path}?page=3") {
            (page(3), None)
        } else {
            return not_found();
        };
        let mut headers = vec![index];
        headers.extend(link.map(|l| format!("Link: {l}; rel=\"next\"")));
        Action::Respond("200 OK", headers, body)
    });
    let c = client(&server.origin);
    let list = rt.block_on(c.referrers(&subject, None, 10)).unwrap();
    assert_eq!(
        list.iter().map(|d| d.digest.clone()).collect::<Vec<_>>(),
        [1u8, 2, 3]
            .map(|n| Descriptor::for_content("", &[n]).digest)
            .to_vec()
    );
}

#[test]
fn an_unreadable_referrers_api_entry_is_skipped_and_the_signatures_beside_it_listed() {
    let rt = rt();
    let subject: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let signature = serde_json::json!({
        "mediaType": manifest::IMAGE_MANIFEST,
        "digest": Descriptor::for_content("", b"a signature manifest").digest,
        "size": 20,
        "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
    });
    // Another tool's referrer under a digest algorithm notary lacks, and one with a negative
    // size: neither reads as a descriptor.
    let blake3 = serde_json::json!({
        "mediaType": manifest::IMAGE_MANIFEST,
        "digest": format!("blake3:{}", "ab".repeat(32)),
        "size": 20,
        "artifactType": "application/spdx+json",
    });
    let negative = serde_json::json!({
        "mediaType": manifest::IMAGE_MANIFEST,
        "digest": Descriptor::for_content("", b"another").digest,
        "size": -1,
        "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
    });
    let page = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest::IMAGE_INDEX,
        "manifests": [blake3, signature.clone(), negative],
    }))
    .unwrap();
    let server = start(None, None, move |_, r| {
        if !r.target.starts_with("/v2/app/referrers/") {
            return not_found();
        }
        Action::Respond(
            "200 OK",
            vec![format!("Content-Type: {}", manifest::IMAGE_INDEX)],
            page.clone(),
        )
    });
    let c = client(&server.origin);
    for artifact_type in [None, Some(notary_core::SIGNATURE_ARTIFACT_TYPE)] {
        let list = rt
            .block_on(c.referrers(&subject, artifact_type, 10))
            .unwrap();
        assert_eq!(
            list.iter()
                .map(|d| d.digest.to_string())
                .collect::<Vec<_>>(),
            [signature["digest"].as_str().unwrap()],
            "artifact type {artifact_type:?}"
        );
    }
}

#[test]
fn an_unreadable_referrers_tag_entry_is_skipped_when_listing_and_kept_when_updating() {
    let rt = rt();
    let subject = Descriptor::for_content(manifest::IMAGE_MANIFEST, b"the artifact");
    let tag = notary_registry::remote::referrers_tag(&subject.digest);
    let good = serde_json::json!({
        "mediaType": manifest::IMAGE_MANIFEST,
        "digest": Descriptor::for_content("", b"a signature manifest").digest,
        "size": 20,
        "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
    });
    let junk = serde_json::json!({
        "mediaType": manifest::IMAGE_MANIFEST,
        "digest": format!("sha256:{}", "Z".repeat(64)),
        "size": 20,
        "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
    });
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest::IMAGE_INDEX,
        "manifests": [junk.clone(), good.clone(), good.clone()],
    }))
    .unwrap();
    let written = Arc::new(std::sync::Mutex::new(None::<Vec<u8>>));
    let seen = written.clone();
    let tag_path = format!("/v2/app/manifests/{tag}");
    let server = start(None, None, move |_, r| {
        let created = |h: Vec<String>| Action::Respond("201 Created", h, Vec::new());
        match (r.method.as_str(), r.target.as_str()) {
            ("GET", t) if t == tag_path => Action::Respond(
                "200 OK",
                vec![format!("Content-Type: {}", manifest::IMAGE_INDEX)],
                index.clone(),
            ),
            ("PUT", t) if t == tag_path => {
                *seen.lock().unwrap() = Some(r.body.clone());
                created(Vec::new())
            }
            ("HEAD", t) if t.starts_with("/v2/app/blobs/") => {
                Action::Respond("200 OK", vec!["Content-Length: 2".into()], Vec::new())
            }
            ("POST", t) if t.starts_with("/v2/app/blobs/uploads/") => Action::Respond(
                "202 Accepted",
                vec!["Location: /v2/app/blobs/uploads/u1".into()],
                Vec::new(),
            ),
            ("PUT", t) if t.starts_with("/v2/app/blobs/uploads/u1") => created(Vec::new()),
            ("PUT", t) if t.starts_with("/v2/app/manifests/sha256:") => created(Vec::new()),
            _ => not_found(),
        }
    });
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.max_retries = 0;
    o.force_referrers_tag = true;
    let host = server.origin.split_once("://").unwrap().1;
    let c = RemoteRepository::new(host, "app", o).unwrap();
    // Listing: the junk entry is left out, the signature listed.
    let list = rt.block_on(c.referrers(&subject.digest, None, 10)).unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list.iter().all(|d| d.digest.to_string() == good["digest"]));
    // Updating: the junk entry is written back as it was, the duplicate once, then the new one.
    use notary_core::SignatureRepository as _;
    let pushed = rt
        .block_on(c.push_signature(notary_core::PushSignature::new(
            &subject,
            notary_core::EnvelopeMediaType::Jws,
            b"{}",
            Default::default(),
        )))
        .unwrap();
    let body = written
        .lock()
        .unwrap()
        .clone()
        .expect("the tag index was written");
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let entries = doc["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{doc}");
    assert_eq!(entries[0], junk);
    assert_eq!(entries[1], good);
    assert_eq!(entries[2]["digest"], pushed.manifest.digest.to_string());
}

#[test]
fn a_listed_manifest_that_is_not_an_oci_image_manifest_is_listed_but_never_read_as_a_signature() {
    // A Docker image manifest whose one layer would otherwise pass for an envelope.
    let envelope = Descriptor::for_content("application/jose+json", b"{}");
    let body = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest::DOCKER_MANIFEST,
        "config": Descriptor::for_content(notary_core::SIGNATURE_ARTIFACT_TYPE, b"{}"),
        "layers": [envelope],
    }))
    .unwrap();
    let desc = Descriptor::for_content(manifest::DOCKER_MANIFEST, &body);
    let err = manifest::signature_layer(&desc, &body).unwrap_err();
    assert!(err.to_string().contains("must be of type"), "{err}");
    // The same bytes named as an OCI image manifest are read.
    let desc = Descriptor::for_content(manifest::IMAGE_MANIFEST, &body);
    assert!(manifest::signature_layer(&desc, &body).is_ok());
}

#[test]
fn a_repository_the_registry_names_unknown_is_an_error_where_an_unknown_tag_lists_nothing() {
    // A digest reference is not resolved before its signatures are listed, so the listing is
    // where a misspelled repository shows. Distribution 2.8/3 and olareg answer MANIFEST_UNKNOWN
    // there (nothing to tell); registries that answer NAME_UNKNOWN (ECR, among others) are
    // reported as lacking the repository, not as listing no signatures.
    let rt = rt();
    let subject = Descriptor::for_content(manifest::IMAGE_MANIFEST, b"the artifact");
    for (code, absent) in [("MANIFEST_UNKNOWN", false), ("NAME_UNKNOWN", true)] {
        let body = serde_json::to_vec(&serde_json::json!({
            "errors": [{"code": code, "message": "unknown"}]
        }))
        .unwrap();
        let server = start(None, None, move |_, _| {
            Action::Respond(
                "404 Not Found",
                vec!["Content-Type: application/json".into()],
                body.clone(),
            )
        });
        let c = client(&server.origin);
        let listed = rt.block_on(c.referrers(&subject.digest, None, 10));
        if absent {
            let e = listed.unwrap_err();
            assert!(matches!(e, Error::NotFound { .. }), "{e}");
            let host = server.origin.split_once("://").unwrap().1;
            assert!(
                e.to_string().contains(&format!("repository {host}/app")),
                "{e}"
            );
            // A NAME_UNKNOWN from the referrers API says nothing of the API.
            assert_eq!(
                c.referrers_support(),
                notary_registry::remote::ReferrersSupport::Unknown
            );
        } else {
            assert_eq!(listed.unwrap(), Vec::new());
            assert_eq!(
                c.referrers_support(),
                notary_registry::remote::ReferrersSupport::TagSchema
            );
        }
    }
}

/// A loopback server that reads the start of each connection and then does `answer` with it
/// (dropping it closes it); returns its `host:port`.
fn raw_server(answer: impl Fn(&mut std::net::TcpStream) + Send + 'static) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        use std::io::Read as _;
        for mut conn in l.incoming().flatten() {
            let _ = conn.read(&mut [0u8; 4096]);
            answer(&mut conn);
        }
    });
    host
}

#[test]
fn connection_failures_read_as_notation_prints_them() {
    // Go's net package words, which notation prints and its users look for.
    let rt = rt();
    let subject = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = rt
        .block_on(client(&format!("http://127.0.0.1:{closed}")).resolve_reference(subject))
        .unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e}");
    // Go's HTTP client names the request `Head "URL"`.
    assert_eq!(
        e.to_string(),
        format!(
            "Head \"http://127.0.0.1:{closed}/v2/app/manifests/{subject}\": dial tcp 127.0.0.1:{closed}: connect: connection refused"
        )
    );
    // An unexpected status, with and without an error body, in oras-go's words.
    let body = br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#.to_vec();
    let server = start(None, None, move |_, r| {
        if r.target.contains("/manifests/") {
            Action::Respond("500 Internal Server Error", Vec::new(), Vec::new())
        } else {
            Action::Respond("429 Too Many Requests", Vec::new(), body.clone())
        }
    });
    let c = client(&server.origin);
    let e = rt.block_on(c.resolve_reference(subject)).unwrap_err();
    // oras-go names it `HEAD "URL"`.
    assert_eq!(
        e.to_string(),
        format!(
            "HEAD \"{}/v2/app/manifests/{subject}\": response status code 500: Internal Server Error",
            server.origin
        )
    );
    let e = rt
        .block_on(c.fetch_blob(
            &Descriptor::new("application/octet-stream", subject.parse().unwrap(), 2),
            10,
        ))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "GET \"{}/v2/app/blobs/{subject}\": response status code 429: toomanyrequests: slow down",
            server.origin
        )
    );
    // A connection closed with no answer: Go's `EOF`; a reset: the end of Go's words.
    for reset in [false, true] {
        let origin = format!(
            "http://{}",
            raw_server(move |conn| {
                if reset {
                    // An abortive close: SO_LINGER 0 sends a RST.
                    let _ = socket2::SockRef::from(&*conn).set_linger(Some(Duration::ZERO));
                }
            })
        );
        let e = rt
            .block_on(client(&origin).resolve_reference(subject))
            .unwrap_err();
        let why = if reset {
            "read: connection reset by peer"
        } else {
            "EOF"
        };
        assert_eq!(
            e.to_string(),
            format!("Head \"{origin}/v2/app/manifests/{subject}\": {why}")
        );
    }
    // A body cut short: Go's `unexpected EOF`.
    let origin = format!(
        "http://{}",
        raw_server(|conn| {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        })
    );
    let e = rt
        .block_on(client(&origin).fetch_blob(
            &Descriptor::new("application/octet-stream", subject.parse().unwrap(), 100),
            1000,
        ))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("Get \"{origin}/v2/app/blobs/{subject}\": unexpected EOF")
    );
    // HTTPS asked of a plain HTTP registry (a forgotten --insecure-registry).
    // A plain HTTP server answers a TLS ClientHello with an HTTP error, as Go's servers do.
    let host = raw_server(|conn| {
        let _ = conn.write_all(
            b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
        );
    });
    let mut o = RemoteOptions::default();
    o.timeout = Duration::from_secs(10);
    o.max_retries = 0;
    let tls = RemoteRepository::new(&host, "app", o).unwrap();
    let e = rt.block_on(tls.resolve_reference(subject)).unwrap_err();
    assert!(
        e.to_string()
            .ends_with(": http: server gave HTTP response to HTTPS client"),
        "{e}"
    );
}

#[test]
fn refused_server_certificates_read_as_notation_prints_them() {
    // Go's crypto/x509 words, which notation prints after `tls: failed to verify certificate: `.
    let rt = rt();
    let subject = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    let now = time::OffsetDateTime::now_utc();
    let year = time::Duration::days(365);
    let refusal = |names: &[&str], from, until, host: &str| {
        let tls = tls::TestTls::with_leaf(names, |leaf| {
            leaf.not_before = from;
            leaf.not_after = until;
        });
        let server = start(Some(tls.config()), None, |_, _| not_found());
        let port = server.origin.rsplit(':').next().unwrap().to_string();
        let mut o = RemoteOptions::default();
        o.timeout = Duration::from_secs(10);
        o.max_retries = 0;
        o.ca_certificates_pem = vec![tls.ca_pem.into_bytes()];
        let repo = RemoteRepository::new(&format!("{host}:{port}"), "app", o).unwrap();
        let e = rt.block_on(repo.resolve_reference(subject)).unwrap_err();
        assert!(matches!(e, Error::Network { .. }), "{e}");
        let prefix = format!(
            "Head \"https://{host}:{port}/v2/app/manifests/{subject}\": tls: failed to verify certificate: x509: "
        );
        let text = e.to_string();
        assert!(text.starts_with(&prefix), "{text}");
        text[prefix.len()..].to_string()
    };
    let valid = (now - year, now + year);
    assert_eq!(
        refusal(
            &["registry.example", "mirror.example"],
            valid.0,
            valid.1,
            "localhost"
        ),
        "certificate is valid for registry.example, mirror.example, not localhost"
    );
    assert_eq!(
        refusal(&["registry.example"], valid.0, valid.1, "127.0.0.1"),
        "cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"
    );
    assert_eq!(
        refusal(
            &["10.0.0.1", "::1", "registry.example"],
            valid.0,
            valid.1,
            "127.0.0.1"
        ),
        "certificate is valid for 10.0.0.1, ::1, not 127.0.0.1"
    );
    let ended = time::macros::datetime!(2020-01-01 00:00:00 UTC);
    let why = refusal(&["127.0.0.1"], ended - year, ended, "127.0.0.1");
    let (head, tail) = why
        .split_once(" is after ")
        .unwrap_or_else(|| panic!("{why}"));
    assert_eq!(tail, "2020-01-01T00:00:00Z");
    let current = head
        .strip_prefix("certificate has expired or is not yet valid: current time ")
        .unwrap_or_else(|| panic!("{why}"));
    let current = notary_core::timefmt::parse_rfc3339(current).unwrap();
    assert!((current - now).abs() < time::Duration::minutes(5), "{why}");
    let starts = time::macros::datetime!(2100-01-01 00:00:00 UTC);
    let why = refusal(&["127.0.0.1"], starts, starts + year, "127.0.0.1");
    assert!(
        why.starts_with("certificate has expired or is not yet valid: current time ")
            && why.ends_with(" is before 2100-01-01T00:00:00Z"),
        "{why}"
    );
}

#[test]
fn a_push_answered_with_another_digest_fails_before_the_referrers_index_is_written() {
    // As oras-go's verifyContentDigest: the registry says it stored something else.
    let rt = rt();
    let image = text_image(b"hello");
    let subject = Descriptor::for_content(manifest::IMAGE_MANIFEST, &image);
    let envelope = Descriptor::for_content("application/jose+json", b"{}");
    let signature = manifest::signature_manifest(
        &envelope,
        &subject,
        &std::collections::BTreeMap::new(),
        manifest::SignatureManifestForm::default(),
    );
    let other: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let answer = format!("Docker-Content-Digest: {other}");
    let server = start(None, None, move |_, r| {
        if r.method == "PUT" || r.method == "POST" {
            return Action::Respond("201 Created", vec![answer.clone()], Vec::new());
        }
        not_found()
    });
    let c = client(&server.origin);
    let e = rt
        .block_on(c.push_manifest(manifest::IMAGE_MANIFEST, &signature, None))
        .unwrap_err();
    assert!(
        matches!(&e, Error::DigestMismatch { reason, .. } if reason.contains(&other.to_string())),
        "{e:?}"
    );
    let puts = server.seen().iter().filter(|s| s.method == "PUT").count();
    assert_eq!(puts, 1, "only the manifest PUT, no tag index written");
    // A blob stored under another digest is refused the same way.
    let e = rt
        .block_on(c.push_blob("application/jose+json", b"{\"x\":1}"))
        .unwrap_err();
    assert!(matches!(&e, Error::DigestMismatch { .. }), "{e:?}");
}

#[test]
fn a_sha512_reference_resolved_by_get_keeps_its_algorithm() {
    // A HEAD without Docker-Content-Digest makes the client GET and describe the manifest: in
    // the algorithm of the reference, as oras-go does, with or without the header on the GET.
    let rt = rt();
    let body = text_image(b"hello");
    let d512 = notary_core::DigestAlgorithm::Sha512.digest(&body);
    for header_on_get in [false, true] {
        let (path, b, d) = (
            format!("/v2/app/manifests/{d512}"),
            body.clone(),
            d512.clone(),
        );
        let server = start(None, None, move |_, r| {
            if r.target != path {
                return not_found();
            }
            let mut headers = vec![format!("Content-Type: {}", manifest::IMAGE_MANIFEST)];
            if r.method == "HEAD" {
                return Action::Respond("200 OK", headers, Vec::new());
            }
            if header_on_get {
                headers.push(format!("Docker-Content-Digest: {d}"));
            }
            Action::Respond("200 OK", headers, b.clone())
        });
        let got = rt
            .block_on(client(&server.origin).resolve_reference(&d512.to_string()))
            .unwrap();
        assert_eq!(got.digest, d512, "header on GET: {header_on_get}");
        assert_eq!(got.size, body.len() as u64);
    }
}

/// A loopback server that gives each connection its own thread running `answer` on it with the
/// start of its request; returns its `host:port`.
fn threaded_server(
    answer: impl Fn(&mut std::net::TcpStream, &str) + Send + Sync + 'static,
) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = l.local_addr().unwrap().to_string();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for mut conn in l.incoming().flatten() {
            let answer = answer.clone();
            std::thread::spawn(move || {
                use std::io::Read as _;
                let mut head = [0u8; 4096];
                let n = conn.read(&mut head).unwrap_or(0);
                let head = String::from_utf8_lossy(&head[..n]).into_owned();
                answer(&mut conn, &head);
            });
        }
    });
    host
}

#[test]
fn a_body_that_times_out_is_read_once_more_at_most() {
    let rt = rt();
    let subject: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    // The referrers listing's headers and a first byte arrive, then nothing until long after
    // the client's timeout: a registry dripping its answer.
    let listings = Arc::new(AtomicUsize::new(0));
    let counted = listings.clone();
    let host = threaded_server(move |conn, head| {
        // The tag schema, read beside the API: absent.
        if !head.starts_with("GET /v2/app/referrers/") {
            let _ = conn.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        counted.fetch_add(1, Ordering::SeqCst);
        let _ = conn.write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: 1000\r\n\r\n{{",
                manifest::IMAGE_INDEX
            )
            .as_bytes(),
        );
        std::thread::sleep(Duration::from_secs(6));
    });
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.timeout = Duration::from_millis(700);
    o.max_retries = 4;
    o.retry_base_delay = Duration::from_millis(10);
    let c = RemoteRepository::new(&host, "app", o).unwrap();
    let started = std::time::Instant::now();
    let e = rt.block_on(c.referrers(&subject, None, 10)).unwrap_err();
    assert!(
        matches!(&e, Error::Network { reason, .. } if reason.contains("timed out")),
        "{e:?}"
    );
    // The first read and one more, not one per retry (five).
    assert_eq!(listings.load(Ordering::SeqCst), 2, "listing requests");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_fetch_by_descriptor_reads_no_more_than_the_descriptor_declares() {
    let rt = rt();
    let written = Arc::new(AtomicUsize::new(0));
    let counted = written.clone();
    // An endless body without a length (read until the connection closes).
    let host = threaded_server(move |conn, _| {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        while conn.write_all(&chunk).is_ok() {
            if counted.fetch_add(chunk.len(), Ordering::SeqCst) > 256 * 1024 * 1024 {
                break;
            }
        }
    });
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.timeout = Duration::from_secs(20);
    o.max_retries = 0;
    let c = RemoteRepository::new(&host, "app", o).unwrap();
    let desc = Descriptor::for_content("application/jose+json", &[b'x'; 100]);
    let e = rt.block_on(c.fetch_blob(&desc, 32 << 20)).unwrap_err();
    match &e {
        Error::DigestMismatch { reason, .. } => {
            assert!(reason.contains("more than 100 bytes"), "{reason}")
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
    // Cut off near the declared size, not at the 32 MiB cap (what the kernel's socket
    // buffers took in the meantime aside).
    std::thread::sleep(Duration::from_millis(200));
    let sent = written.load(Ordering::SeqCst);
    assert!(
        sent < 16 << 20,
        "{sent} bytes sent before the client hung up"
    );
}

#[test]
fn a_refusal_of_the_referrers_api_is_reported_not_taken_for_a_missing_api() {
    let rt = rt();
    let subject: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let server = start(None, None, move |_, r| {
        if r.target.starts_with("/v2/denied/referrers/") {
            let body = br#"{"errors":[{"code":"DENIED","message":"not for you"}]}"#;
            return Action::Respond("400 Bad Request", Vec::new(), body.to_vec());
        }
        // A registry without the API, in one of the ways registries say so.
        if r.target.starts_with("/v2/plain/referrers/") {
            return Action::Respond("400 Bad Request", Vec::new(), b"bad request".to_vec());
        }
        not_found()
    });
    let repo = |name: &str| {
        let mut o = RemoteOptions::default();
        o.plain_http = true;
        o.max_retries = 0;
        RemoteRepository::new(server.origin.split_once("://").unwrap().1, name, o).unwrap()
    };
    let e = rt
        .block_on(repo("denied").referrers(&subject, None, 10))
        .unwrap_err();
    match &e {
        Error::Http {
            status, message, ..
        } => {
            assert_eq!(*status, 400);
            assert!(message.contains("not for you"), "{message}");
        }
        other => panic!("expected Http, got {other:?}"),
    }
    // The tag schema is read instead (no index tag: no referrers).
    let listed = rt
        .block_on(repo("plain").referrers(&subject, None, 10))
        .unwrap();
    assert!(listed.is_empty());
    assert!(
        server
            .seen()
            .iter()
            .any(|s| s.target.contains("/v2/plain/manifests/sha256-"))
    );
}

#[test]
fn token_challenges_are_reported_in_what_they_got_wrong() {
    let rt = rt();
    let server = start(None, None, move |origin, r| {
        if r.target.starts_with("/token") {
            return Action::Respond("200 OK", Vec::new(), br#"{"token":"t"}"#.to_vec());
        }
        let realm = if r.target.starts_with("/v2/file/") {
            "file:///etc/passwd".to_string()
        } else {
            format!("{origin}/token")
        };
        Action::Respond(
            "401 Unauthorized",
            vec![format!(
                "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"s\""
            )],
            Vec::new(),
        )
    });
    let repo = |name: &str| {
        let mut o = RemoteOptions::default();
        o.plain_http = true;
        o.max_retries = 0;
        RemoteRepository::new(server.origin.split_once("://").unwrap().1, name, o).unwrap()
    };
    let e = rt
        .block_on(repo("file").resolve_reference("v1"))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("\"file:///etc/passwd\": unsupported protocol scheme \"file\""),
        "{e}"
    );
    // An anonymous token the registry still refuses: no credentials were refused.
    let e = rt
        .block_on(repo("anon").resolve_reference("v1"))
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("refused an anonymous request"), "{text}");
    assert!(!text.contains("credentials refused"), "{text}");
}

#[test]
fn referrers_pages_that_link_in_a_loop_are_refused_at_once() {
    let rt = rt();
    let subject: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
    let entry = serde_json::json!({
        "mediaType": manifest::IMAGE_MANIFEST,
        "digest": Descriptor::for_content("", b"a signature manifest").digest,
        "size": 20,
        "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
    });
    let page = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": manifest::IMAGE_INDEX,
        "manifests": [entry],
    }))
    .unwrap();
    let pages = Arc::new(AtomicUsize::new(0));
    let served = pages.clone();
    // Page 1 links to page 2, which links back to page 1.
    let server = start(None, None, move |_, r| {
        if !r.target.starts_with("/v2/app/referrers/") {
            return not_found();
        }
        served.fetch_add(1, Ordering::SeqCst);
        let path = r.target.split('?').next().unwrap();
        let next = if r.target.contains("page=2") {
            path.to_string()
        } else {
            format!("{path}?page=2")
        };
        Action::Respond(
            "200 OK",
            vec![
                format!("Content-Type: {}", manifest::IMAGE_INDEX),
                format!("Link: <{next}>; rel=\"next\""),
            ],
            page.clone(),
        )
    });
    let c = client(&server.origin);
    let e = rt
        .block_on(c.referrers(&subject, None, usize::MAX))
        .unwrap_err();
    assert!(e.to_string().contains("link in a loop"), "{e}");
    assert_eq!(pages.load(Ordering::SeqCst), 2, "pages read");
}

#[test]
fn requests_refused_together_share_one_token_fetch() {
    let rt = rt();
    let fetches = Arc::new(AtomicUsize::new(0));
    let counted = fetches.clone();
    let server = start(None, None, move |origin, r| {
        if r.target.starts_with("/token") {
            counted.fetch_add(1, Ordering::SeqCst);
            return Action::Respond("200 OK", Vec::new(), br#"{"token":"t1"}"#.to_vec());
        }
        if r.head.contains("Bearer t1") {
            return not_found();
        }
        // Answered late, so that every request is out before the first challenge arrives.
        std::thread::sleep(Duration::from_millis(150));
        Action::Respond(
            "401 Unauthorized",
            vec![format!(
                "WWW-Authenticate: Bearer realm=\"{origin}/token\",service=\"s\""
            )],
            Vec::new(),
        )
    });
    let c = client(&server.origin);
    let (a, b, d) = rt.block_on(async {
        tokio::join!(
            c.resolve_reference("a"),
            c.resolve_reference("b"),
            c.resolve_reference("d")
        )
    });
    for r in [a, b, d] {
        assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "token fetches");
    // Each request went out twice: refused, then with the one token.
    assert_eq!(
        server
            .seen()
            .iter()
            .filter(|s| s.target.starts_with("/v2/app/manifests/"))
            .count(),
        6
    );
}
