//! Fault injection between the client and a real registry (Debian's docker-registry): a
//! loopback proxy of our own forwards each request and, when a rule matches, answers with a
//! 5xx burst, 429 + Retry-After, a dropped connection, a truncated or corrupted body, an
//! oversized manifest or a response slower than the client's timeout. Each ends in a
//! successful retry or a clear typed error, and never in a half-pushed signature or a
//! damaged referrers tag index.

#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notary::artifact::{sign_and_push, verify_artifact};
use notary::{EnvelopeMediaType, KeySpec, SignOptions};
use notary_core::SignatureRepository;
use notary_registry::{Error, RemoteOptions, RemoteRepository};
use registry::{Kind, Options, Registry, push_artifact, rt};
use trust::{chain, now, verifier};

#[derive(Clone, Debug)]
enum Fault {
    Status(u16, Option<u64>),
    Drop,
    Truncate,
    Corrupt,
    Oversize,
    Slow(Duration),
    /// Forwards the request, then PUTs this body at the same path (another writer's stale
    /// referrers tag index landing just after it), then answers with the first response.
    ThenPut(Vec<u8>),
}

#[derive(Clone, Debug)]
struct Rule {
    method: &'static str,
    path: String,
    fault: Fault,
    remaining: usize,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    /// (method, path, fault applied)
    log: Vec<(String, String, Option<String>)>,
}

struct Proxy {
    host: String,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                let upstream = upstream.clone();
                std::thread::spawn(move || serve(conn, &upstream, &st));
            }
        });
        Proxy { host, state }
    }

    fn add(&self, method: &'static str, path: &str, fault: Fault, times: usize) {
        self.state.lock().unwrap().rules.push(Rule {
            method,
            path: path.to_string(),
            fault,
            remaining: times,
        });
    }

    fn clear(&self) {
        self.state.lock().unwrap().rules.clear();
    }

    fn faults_served(&self) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|l| l.2.is_some())
            .count()
    }

    fn requests(&self, method: &str, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|l| l.0 == method && l.1.contains(path))
            .count()
    }
}

/// Reads one HTTP/1.1 message head and its Content-Length body.
fn read_message(r: &mut BufReader<TcpStream>) -> Option<(String, Vec<String>, Vec<u8>)> {
    let mut first = String::new();
    if r.read_line(&mut first).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
        let l = line.trim_end().to_string();
        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        headers.push(l);
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some((first.trim_end().to_string(), headers, body))
}

fn serve(client: TcpStream, upstream: &str, state: &Mutex<State>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let Some((line, headers, body)) = read_message(&mut reader) else {
        return;
    };
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let fault = {
        let mut st = state.lock().unwrap();
        let hit = st
            .rules
            .iter_mut()
            .find(|r| r.remaining > 0 && r.method == method && path.contains(&r.path));
        let fault = hit.map(|r| {
            r.remaining -= 1;
            r.fault.clone()
        });
        st.log.push((
            method.clone(),
            path.clone(),
            fault.as_ref().map(|f| format!("{f:?}")),
        ));
        fault
    };
    let mut client = client;
    match &fault {
        Some(Fault::Status(code, retry_after)) => {
            let ra = retry_after
                .map(|s| format!("Retry-After: {s}\r\n"))
                .unwrap_or_default();
            let body = br#"{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}"#;
            let _ = write!(
                client,
                "HTTP/1.1 {code} Injected\r\n{ra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = client.write_all(body);
            return;
        }
        Some(Fault::Drop) => {
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        Some(Fault::Slow(d)) => std::thread::sleep(*d),
        _ => {}
    }
    // Forward with Connection: close and relay the whole answer.
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let mut req = format!("{line}\r\n");
    for h in &headers {
        let lower = h.to_ascii_lowercase();
        if lower.starts_with("connection:") || lower.starts_with("keep-alive") {
            continue;
        }
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("Connection: close\r\n\r\n");
    let _ = up.write_all(req.as_bytes());
    let _ = up.write_all(&body);
    let mut resp = Vec::new();
    let _ = up.read_to_end(&mut resp);
    if let Some(Fault::ThenPut(stale)) = &fault
        && let Ok(mut w) = TcpStream::connect(upstream)
    {
        let _ = write!(
            w,
            "PUT {path} HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: application/vnd.oci.image.index.v1+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            stale.len()
        );
        let _ = w.write_all(stale);
        let mut answer = Vec::new();
        let _ = w.read_to_end(&mut answer);
        assert!(
            answer.starts_with(b"HTTP/1.1 201"),
            "stale index not stored"
        );
    }
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let (head, rbody) = match split {
        Some(i) => (resp[..i].to_vec(), resp[i..].to_vec()),
        None => (resp.clone(), Vec::new()),
    };
    match fault {
        Some(Fault::Truncate) => {
            let _ = client.write_all(&head);
            let _ = client.write_all(&rbody[..rbody.len() / 2]);
        }
        Some(Fault::Corrupt) => {
            let mut b = rbody;
            if let Some(x) = b.iter_mut().rev().find(|c| c.is_ascii_alphanumeric()) {
                *x = if *x == b'a' { b'b' } else { b'a' };
            }
            let _ = client.write_all(&head);
            let _ = client.write_all(&b);
        }
        Some(Fault::Oversize) => {
            let big = vec![b' '; 5 * 1024 * 1024];
            let head = String::from_utf8_lossy(&head)
                .lines()
                .filter(|l| !l.to_ascii_lowercase().starts_with("content-length") && !l.is_empty())
                .collect::<Vec<_>>()
                .join("\r\n");
            let _ = write!(client, "{head}\r\nContent-Length: {}\r\n\r\n", big.len());
            let _ = client.write_all(&big);
        }
        _ => {
            let _ = client.write_all(&head);
            let _ = client.write_all(&rbody);
        }
    }
}

fn client(host: &str, repo: &str) -> RemoteRepository {
    client_with(host, repo, false)
}

fn client_with(host: &str, repo: &str, confirm_tag_index_writes: bool) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.confirm_tag_index_writes = confirm_tag_index_writes;
    o.plain_http = true;
    o.timeout = Duration::from_millis(1500);
    o.max_retries = 3;
    o.retry_base_delay = Duration::from_millis(10);
    RemoteRepository::new(host, repo, o).unwrap()
}

fn opts() -> SignOptions {
    let mut o = SignOptions::new(now());
    o.format = EnvelopeMediaType::Jws;
    o
}

#[test]
fn faults_end_in_retries_or_clear_errors_and_never_in_damage() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        let v = verifier(&c, "*");
        let scope = format!("{}/app", proxy.host);
        let direct = client(&reg.host, "app");
        let artifact = push_artifact(&direct, "v1", b"v1").await;
        let r = client(&proxy.host, "app");

        // A 5xx burst on resolve and on the blob upload: retried, signed.
        proxy.add("HEAD", "/manifests/v1", Fault::Status(503, None), 2);
        proxy.add("PUT", "/blobs/uploads/", Fault::Status(500, None), 1);
        let first = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap();
        assert_eq!(first.artifact, artifact);
        assert_eq!(proxy.faults_served(), 3);

        // 429 with Retry-After on the listing, and a dropped connection on the envelope GET.
        let fresh = client(&proxy.host, "app");
        proxy.add("GET", "/referrers/", Fault::Status(429, Some(1)), 1);
        proxy.add("GET", "/blobs/sha256:", Fault::Drop, 1);
        let done = verify_artifact(
            &fresh,
            &v,
            &notary::artifact::VerifyArtifactRequest::new(
                &artifact.digest.to_string(),
                &scope,
                now(),
            ),
        )
        .await
        .unwrap();
        assert_eq!(done.artifact, artifact);
        assert_eq!(proxy.faults_served(), 5);

        // A body whose digest does not match: a typed failure naming the signature manifest.
        let sig = first.pushed.manifest.digest.to_string();
        proxy.add("GET", &format!("/manifests/{sig}"), Fault::Corrupt, 10);
        let e = verify_artifact(
            &client(&proxy.host, "app"),
            &v,
            &notary::artifact::VerifyArtifactRequest::new(
                &artifact.digest.to_string(),
                &scope,
                now(),
            ),
        )
        .await
        .unwrap_err();
        match &e {
            notary::artifact::VerifyArtifactError::AllFailed { failures, .. } => {
                assert!(
                    failures
                        .iter()
                        .any(|f| f.to_string().contains("hashes to another digest")),
                    "{e}"
                );
            }
            other => panic!("unexpected {other}"),
        }
        proxy.clear();

        // A manifest larger than the 4 MiB cap is refused before it is parsed.
        proxy.add("GET", &format!("/manifests/{sig}"), Fault::Oversize, 10);
        let sigs = fresh.list_signatures(&artifact, 10).await.unwrap();
        let e = fresh.fetch_signature(&sigs[0]).await.unwrap_err();
        assert!(
            matches!(e, Error::TooLarge { .. } | Error::DigestMismatch { .. }),
            "{e}"
        );
        proxy.clear();

        // A truncated envelope body, every time: retried, then a clear network error.
        proxy.add("GET", "/blobs/sha256:", Fault::Truncate, 100);
        let e = fresh.fetch_signature(&sigs[0]).await.unwrap_err();
        assert!(matches!(e, Error::Network { .. }), "{e}");
        proxy.clear();

        // The referrers tag index cannot be written: the signature is reported as not
        // discoverable and the existing index keeps its entry.
        let tag = notary_registry::remote::referrers_tag(&artifact.digest);
        proxy.add(
            "PUT",
            &format!("/manifests/{tag}"),
            Fault::Status(503, None),
            100,
        );
        let e = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap_err();
        assert!(e.to_string().contains("referrers index"), "{e}");
        proxy.clear();
        let listed = direct.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(
            listed.len(),
            1,
            "the index still lists exactly the first signature"
        );
        assert_eq!(listed[0].digest, first.pushed.manifest.digest);

        // A response slower than the client's timeout: a timeout error, no partial state.
        proxy.add(
            "PUT",
            "/manifests/sha256:",
            Fault::Slow(Duration::from_secs(3)),
            100,
        );
        let e = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap_err();
        assert!(e.to_string().contains("timed out"), "{e}");
        proxy.clear();
        let listed = direct.list_signatures(&artifact, 10).await.unwrap();
        assert_eq!(listed.len(), 1);

        // With the faults gone everything works and both signatures are found.
        let second = sign_and_push(&r, "v1", &signer, &opts()).await.unwrap();
        let listed = direct.list_signatures(&artifact, 10).await.unwrap();
        let digests: Vec<_> = listed.iter().map(|d| d.digest.clone()).collect();
        assert!(
            digests.contains(&first.pushed.manifest.digest)
                && digests.contains(&second.pushed.manifest.digest)
        );
        assert!(proxy.requests("GET", "/referrers/") >= 1);
        verify_artifact(
            &direct,
            &v,
            &notary::artifact::VerifyArtifactRequest::new(
                "v1",
                &format!("{}/app", reg.host),
                now(),
            ),
        )
        .await
        .unwrap();
    });
}

#[test]
fn a_tag_index_replaced_by_a_concurrent_signer_is_repaired_when_writes_are_confirmed() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let proxy = Proxy::start(reg.host.clone());
    rt().block_on(async {
        let c = chain(KeySpec::EcP256);
        let signer = c.signer().unwrap();
        let direct = client(&reg.host, "app");
        let artifact = push_artifact(&direct, "v1", b"v1").await;
        let first = sign_and_push(&direct, "v1", &signer, &opts())
            .await
            .unwrap();
        let tag = notary_registry::remote::referrers_tag(&artifact.digest);
        let index_path = format!("/manifests/{tag}");
        // The index as it is now: what a signer that read it a moment ago writes back.
        let now_desc = direct.resolve_reference(&tag).await.unwrap();
        let stale = direct.fetch_manifest(&now_desc, 1 << 20).await.unwrap();
        let listed = || async {
            let mut d: Vec<String> = direct
                .list_signatures(&artifact, 10)
                .await
                .unwrap()
                .iter()
                .map(|d| d.digest.to_string())
                .collect();
            d.sort();
            d
        };

        // Without confirmation (notation's behaviour) the other signer's index, landing just
        // after this one, leaves the new signature stored but unlisted.
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 1);
        let plain = client(&proxy.host, "app");
        let lost = sign_and_push(&plain, "v1", &signer, &opts()).await.unwrap();
        assert_eq!(
            listed().await,
            vec![first.pushed.manifest.digest.to_string()]
        );
        assert!(direct.manifest_exists(&lost.pushed.manifest).await.unwrap());

        // Confirmed: the write is read back, found without the entry, and written again over
        // the other signer's index (whose entries are kept).
        proxy.clear();
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 1);
        let confirmed = client_with(&proxy.host, "app", true);
        let kept = sign_and_push(&confirmed, "v1", &signer, &opts())
            .await
            .unwrap();
        let mut want = vec![
            first.pushed.manifest.digest.to_string(),
            kept.pushed.manifest.digest.to_string(),
        ];
        want.sort();
        assert_eq!(listed().await, want);
        assert_eq!(
            proxy.requests("PUT", &index_path),
            3,
            "1 unconfirmed, 2 confirmed"
        );

        // A confirmed write that no longer finds anyone else's: no second write.
        proxy.clear();
        let third = sign_and_push(&confirmed, "v1", &signer, &opts())
            .await
            .unwrap();
        assert_eq!(proxy.requests("PUT", &index_path), 4);
        assert_eq!(listed().await.len(), 3);
        assert!(
            listed()
                .await
                .contains(&third.pushed.manifest.digest.to_string())
        );

        // A writer that replaces the index every time: a typed error after five writes, and
        // the index is the other writer's, intact.
        proxy.add("PUT", &index_path, Fault::ThenPut(stale.clone()), 100);
        let e = sign_and_push(&confirmed, "v1", &signer, &opts())
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("replaced it without this signature after each of 5 writes"),
            "{e}"
        );
        assert_eq!(proxy.requests("PUT", &index_path), 9);
        assert_eq!(
            listed().await,
            vec![first.pushed.manifest.digest.to_string()]
        );
    });
}
