//! The bound on reviews in flight, through the real `serve` over TLS: a review past the limit
//! gets 429 within its budget instead of waiting for a slow one, the next review after it is
//! served, and h2 clients see the bound as the connection's stream limit.

#[path = "support/admission.rs"]
mod admission;
#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use admission::{client, metric, server_cert};
use notary_admission::{Settings, TlsFiles, Webhook, serve};
use serde_json::Value;

/// The webhook serving on 127.0.0.1 with a trust policy that skips verification everywhere
/// (tag resolution still asks the registry), `tweak`ed settings, until `stop` is dropped.
struct Server {
    addr: String,
    ca: PathBuf,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn start(tweak: impl FnOnce(&mut Settings)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let notation = dir.path().join("notation");
    std::fs::create_dir_all(&notation).unwrap();
    std::fs::write(
        notation.join("trustpolicy.oci.json"),
        r#"{"version":"1.0","trustPolicies":[{"name":"all","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}"#,
    )
    .unwrap();
    let (ca, cert, key) = server_cert(dir.path(), "webhook");
    let mut settings = Settings::new(&notation);
    settings.snapshot_dir = dir.path().join("snapshots");
    tweak(&mut settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let webhook = Arc::new(Webhook::new(settings));
    tokio::spawn(serve(listener, webhook, TlsFiles::new(cert, key), async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        ca,
        _stop: stop,
        _dir: dir,
    }
}

/// A review of a Pod running `images`, as bytes.
fn pod_review(uid: &str, images: &[&str]) -> Vec<u8> {
    serde_json::to_vec(&admission::pod_review(uid, images, false)).unwrap()
}

/// Posts `body` to `/validate?timeout=...` over h2: (status, Retry-After, body).
async fn post(
    c: reqwest::Client,
    addr: String,
    timeout: &str,
    body: Vec<u8>,
) -> (u16, Option<String>, String) {
    let r = c
        .post(format!("https://{addr}/validate?timeout={timeout}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    // ALPN picks h2, as with the API server: each review is a stream.
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), retry_after, r.text().await.unwrap())
}

/// A TLS connection to `server` offering only h2, for a raw h2 client.
async fn h2_tls(server: &Server) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(&server.ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_past_the_limit_gets_429_within_its_budget_and_the_next_is_served() {
    // A "registry" that accepts connections and says nothing until released, then hangs up.
    let registry = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = registry.local_addr().unwrap().to_string();
    let (reached, reached_rx) = tokio::sync::oneshot::channel();
    let release = Arc::new(tokio::sync::Notify::new());
    {
        let release = release.clone();
        tokio::spawn(async move {
            let (first, _) = registry.accept().await.unwrap();
            let _ = reached.send(());
            release.notified().await;
            drop(first);
            while let Ok((later, _)) = registry.accept().await {
                drop(later);
            }
        });
    }
    let server = start(|s| {
        s.max_reviews_in_flight = 1;
        s.registry.plain_http = vec![host.clone()];
        s.registry.timeout = Duration::from_secs(60);
        s.registry.max_retries = 0;
    })
    .await;
    // Separate clients: with one slot, the server allows one h2 stream per connection.
    let (ca, addr) = (&server.ca, &server.addr);

    // A review by tag waits on the registry, holding the only slot.
    let slow = tokio::spawn(post(
        client(ca),
        addr.clone(),
        "30s",
        pod_review("slow", &[&format!("{host}/app:1")]),
    ));
    tokio::time::timeout(Duration::from_secs(20), reached_rx)
        .await
        .expect("the first review never reached the registry")
        .unwrap();

    // The next one waits its budget (1.5 s of 2 s) for the slot, then gets 429, unread.
    let start = Instant::now();
    let (status, retry_after, body) = post(
        client(ca),
        addr.clone(),
        "2s",
        pod_review("busy", &[&format!("{host}/app:2")]),
    )
    .await;
    let took = start.elapsed();
    assert_eq!(status, 429, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert!(body.contains("too many reviews in flight"), "{body}");
    // Answered within its own budget, long before the first review's 30 s.
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(!slow.is_finished());

    // The registry hangs up: the first review is answered (a registry error denies)...
    release.notify_one();
    let (status, _, body) = tokio::time::timeout(Duration::from_secs(20), slow)
        .await
        .expect("the first review was not answered")
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["uid"], "slow");
    assert_eq!(v["response"]["allowed"], false, "{v}");

    // ...and its slot serves the next review.
    let (status, _, body) = post(client(ca), addr.clone(), "2s", pod_review("next", &[])).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["uid"], "next");
    assert_eq!(v["response"]["allowed"], true, "{v}");

    let metrics = client(ca)
        .get(format!("https://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        metric(&metrics, "notary_admission_throttled_reviews_total"),
        1
    );
    assert_eq!(metric(&metrics, "notary_admission_reviews_total"), 3);
}

#[tokio::test]
async fn h2_clients_see_the_bound_as_the_stream_limit() {
    let server = start(|s| s.max_reviews_in_flight = 7).await;
    let (_send, mut connection) = h2::client::handshake(h2_tls(&server).await).await.unwrap();
    // Drive the connection until the server's SETTINGS have been read.
    let limit = tokio::time::timeout(
        Duration::from_secs(10),
        std::future::poll_fn(|cx| {
            if let std::task::Poll::Ready(r) = std::pin::Pin::new(&mut connection).poll(cx) {
                panic!("connection ended: {r:?}");
            }
            match connection.max_concurrent_send_streams() {
                usize::MAX => std::task::Poll::Pending,
                n => std::task::Poll::Ready(n),
            }
        }),
    )
    .await
    .expect("no SETTINGS from the server");
    assert_eq!(limit, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_arrives_gives_up_its_slot() {
    // Headers, then nothing: the slot taken for the review is released when the body does not
    // arrive within the header timeout (no budget given), and the next review is served.
    let server = start(|s| {
        s.max_reviews_in_flight = 1;
        s.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let (send, connection) = h2::client::handshake(h2_tls(&server).await).await.unwrap();
    tokio::spawn(connection);
    let mut send = send.ready().await.unwrap();
    let request = hyper::Request::post(format!("https://{}/validate", server.addr))
        .header("content-type", "application/json")
        .header("content-length", "1000")
        .body(())
        .unwrap();
    let start = Instant::now();
    // The body stream stays open and empty.
    let (response, _body) = send.send_request(request, false).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(20), response)
        .await
        .expect("the stalled review was never answered")
        .unwrap();
    assert_eq!(response.status().as_u16(), 408);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let (status, _, body) = post(
        client(&server.ca),
        server.addr.clone(),
        "5s",
        pod_review("next", &[]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_gives_up_its_permit_at_its_deadline() {
    // A registry that accepts and never answers, with retries enough to outlast the deadline:
    // the verification ends at 12 registry timeouts (12 s here), and its permit serves the next.
    let registry = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = registry.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = registry.accept().await {
            held.push(c);
        }
    });
    let server = start(|s| {
        s.max_verifications_in_flight = 1;
        s.registry.plain_http = vec![host.clone()];
        s.registry.timeout = Duration::from_secs(1);
        s.registry.max_retries = 100;
    })
    .await;
    let (ca, addr) = (&server.ca, &server.addr);
    let digest = format!("sha256:{}", "ab".repeat(32));
    let (status, _, body) = post(
        client(ca),
        addr.clone(),
        "2s",
        pod_review("first", &[&format!("{host}/a@{digest}")]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("did not finish"), "{body}");
    // While it runs, another image finds no permit; once its deadline passed, it gets one.
    let started = Instant::now();
    let verdict = |b: &str| {
        serde_json::from_str::<Value>(b).unwrap()["response"]["status"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    loop {
        let (status, _, body) = post(
            client(ca),
            addr.clone(),
            "2s",
            pod_review("next", &[&format!("{host}/b@{digest}")]),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        if !verdict(&body).contains("already running") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "the first verification still holds its permit: {body}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_in_their_handshake_do_not_hold_the_served_connections_slots() {
    let server = start(|s| s.max_connections = 4).await;
    // Ten times the limit of sockets that connect and never start TLS, held open.
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(tokio::net::TcpStream::connect(&server.addr).await.unwrap());
    }
    // The API server's review still gets through, well within its own timeout.
    let c = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&server.ca).unwrap()).unwrap(),
        )
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let image = format!("127.0.0.1:1/app@sha256:{}", "a".repeat(64));
    let r = c
        .post(format!("https://{}/validate?timeout=5s", server.addr))
        .header("content-type", "application/json")
        .body(pod_review("u1", &[&image]))
        .send()
        .await
        .expect("the review was not answered while idle sockets were open");
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["response"]["uid"], "u1");
    drop(idle);
}
