//! A large blob served honestly but slowly downloads even when it takes longer than the
//! client's timeout (copy failed every layer that needed more than 60 s), while a connection
//! that stops sending is still given up after the timeout. An in-process server on loopback
//! paces the body.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use notary_core::{Descriptor, DigestAlgorithm};
use notary_registry::{RemoteOptions, RemoteRepository};

const CHUNK: usize = 1024 * 1024;

/// Serves every GET with `body`, `CHUNK` bytes every `pace`; after `stall_after` chunks it stops
/// sending (the connection stays open).
fn serve(body: Vec<u8>, pace: Duration, stall_after: Option<usize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && tcp.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let _ = write!(
                    tcp,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                for (i, chunk) in body.chunks(CHUNK).enumerate() {
                    if stall_after == Some(i) {
                        std::thread::sleep(Duration::from_secs(30));
                        return;
                    }
                    if tcp.write_all(chunk).is_err() {
                        return;
                    }
                    std::thread::sleep(pace);
                }
            });
        }
    });
    host
}

fn client(host: &str) -> RemoteRepository {
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.timeout = Duration::from_secs(1);
    o.max_retries = 0;
    RemoteRepository::new(host, "app", o).unwrap()
}

#[test]
fn a_slow_honest_blob_outlasts_the_timeout_and_a_stalled_one_does_not() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body: Vec<u8> = (0..17 * CHUNK).map(|i| (i % 251) as u8).collect();
    let desc = Descriptor::new(
        "application/octet-stream",
        DigestAlgorithm::Sha256.digest(&body),
        body.len() as u64,
    );

    // 17 chunks 150 ms apart: about 2.5 s, more than the 1 s timeout, never 1 s without a byte.
    let host = serve(body.clone(), Duration::from_millis(150), None);
    let mut out = tempfile::tempfile().unwrap();
    let started = Instant::now();
    rt.block_on(client(&host).fetch_blob_to(&desc, &mut out))
        .unwrap();
    assert!(started.elapsed() > Duration::from_secs(2));
    let mut got = Vec::new();
    std::io::Seek::rewind(&mut out).unwrap();
    out.read_to_end(&mut got).unwrap();
    assert!(got == body, "the blob arrived changed");

    // Three chunks, then nothing: given up after about the timeout, not the blob's deadline.
    let host = serve(body, Duration::from_millis(10), Some(3));
    let started = Instant::now();
    let e = rt
        .block_on(client(&host).fetch_blob_to(&desc, &mut out))
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{e}");
}

#[test]
fn a_request_that_times_out_is_tried_once_more_not_up_to_the_retry_limit() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Reads each request and never answers it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                if tcp.read(&mut buf).unwrap_or(0) > 0 {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_secs(30));
            });
        }
    });
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.timeout = Duration::from_secs(1);
    o.max_retries = 4;
    let repo = RemoteRepository::new(&host, "app", o).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let e = rt.block_on(repo.resolve_reference("v1")).unwrap_err();
    assert!(e.to_string().contains("timed out"), "{e}");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
