//! `HttpFetcher` against loopback servers: URLs from certificates cannot inject into the request
//! (CR/LF), only http/https, HTTPS with an extra trusted root, proxies from the environment
//! settings (and NO_PROXY), size caps while streaming, timeouts, and use from inside tokio
//! runtimes.

#[path = "../../../tests/support/tls.rs"]
mod tls;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notary_revocation::{
    Checker, FetchErrorKind, Fetcher, HttpFetcher, ProxyConfig, RevocationChecker,
    RevocationPurpose, RevocationStatus,
};
use notary_x509::read_certificates;

const T: Duration = Duration::from_secs(5);
const MAX: usize = 1 << 20;

/// A response body (the bytes are opaque to the fetcher).
fn crl_bytes() -> Vec<u8> {
    (0..3000u32).map(|i| (i % 251) as u8).collect()
}

/// One received request: the request line and header lines exactly as sent, and the body.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    headers: Vec<String>,
    body: Vec<u8>,
}

fn read_head(r: &mut impl BufRead) -> Option<Seen> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 || h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        headers.push(h.trim_end_matches("\r\n").to_string());
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some(Seen {
        line: line.trim_end_matches("\r\n").to_string(),
        headers,
        body,
    })
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// A loopback origin: records every request and answers `200` with `body`.
fn origin(body: Vec<u8>) -> (SocketAddr, Log) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let log: Log = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            if let Some(req) = read_head(&mut r) {
                seen.lock().unwrap().push(req);
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            }
        }
    });
    (addr, log)
}

/// A loopback HTTP proxy: records each request it gets, forwards absolute-form requests to their
/// (loopback) origin and tunnels `CONNECT`.
fn proxy() -> (String, Log) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let log: Log = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut client) = s else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(client.try_clone().unwrap());
                let Some(req) = read_head(&mut r) else { return };
                seen.lock().unwrap().push(req.clone());
                let mut parts = req.line.split(' ');
                let (method, target) = (parts.next().unwrap(), parts.next().unwrap());
                if method == "CONNECT" {
                    let Ok(up) = TcpStream::connect(target) else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        return;
                    };
                    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    let (mut c2, mut u2) = (client.try_clone().unwrap(), up.try_clone().unwrap());
                    let t = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut u2, &mut c2);
                        let _ = c2.shutdown(std::net::Shutdown::Write);
                    });
                    let (mut up, mut rest) = (up, r);
                    let _ = std::io::copy(&mut rest, &mut up);
                    let _ = t.join();
                    return;
                }
                // Absolute form: "GET http://host:port/path HTTP/1.1".
                let rest = target.strip_prefix("http://").unwrap();
                let (host, path) = rest.split_at(rest.find('/').unwrap());
                let mut up = TcpStream::connect(host).unwrap();
                write!(
                    up,
                    "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                )
                .unwrap();
                if !req.body.is_empty() {
                    write!(up, "Content-Length: {}\r\n", req.body.len()).unwrap();
                }
                up.write_all(b"\r\n").unwrap();
                up.write_all(&req.body).unwrap();
                let mut answer = Vec::new();
                let _ = up.read_to_end(&mut answer);
                let _ = client.write_all(&answer);
            });
        }
    });
    (url, log)
}

fn count(log: &Log) -> usize {
    log.lock().unwrap().len()
}

#[test]
fn crlf_in_urls_is_refused_or_encoded_and_never_injected() {
    let body = crl_bytes();
    let (addr, log) = origin(body.clone());
    let f = HttpFetcher::new();
    // Raw CR/LF (as a certificate's CRL distribution point could carry): refused before sending.
    for url in [
        format!("http://{addr}/a.crl\r\nX-Injected: yes"),
        format!("http://{addr}/a.crl\nX-Injected: yes"),
        format!("http://{addr}/a.crl\0"),
        format!("http://{addr}/a.crl\tx"),
    ] {
        let e = f.crl(&url, MAX, T).unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::InvalidUrl, "{e}");
        assert!(
            !e.to_string().contains('\n') && !e.to_string().contains('\r'),
            "{e:?}"
        );
    }
    let e = f
        .ocsp(
            &format!("http://{addr}/ocsp\r\nX-Injected: yes"),
            b"req",
            MAX,
            T,
        )
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::InvalidUrl, "{e}");
    let e = f
        .post(
            &format!("http://{addr}/tsa\r\nX-Injected: yes"),
            "application/timestamp-query",
            b"q",
            MAX,
            T,
        )
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::InvalidUrl, "{e}");
    assert_eq!(
        count(&log),
        0,
        "nothing may reach the server: {:?}",
        log.lock().unwrap()
    );

    // Percent-encoded CR/LF stays encoded in the request target: one request, no extra header.
    let url = format!("http://{addr}/a.crl%0d%0aX-Injected:%20yes");
    assert_eq!(f.crl(&url, MAX, T).unwrap(), body);
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].line, "GET /a.crl%0d%0aX-Injected:%20yes HTTP/1.1");
    assert!(
        seen[0]
            .headers
            .iter()
            .all(|h| !h.to_ascii_lowercase().starts_with("x-injected")),
        "{seen:?}"
    );
}

#[test]
fn crlf_in_a_certificates_crl_distribution_point_never_reaches_the_server() {
    let (addr, log) = origin(crl_bytes());
    // A CA and a leaf whose CRL distribution point smuggles a header after CR/LF.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Injection Test CA");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.distinguished_name
        .push(rcgen::DnType::CommonName, "Injection Test Leaf");
    // (rcgen writes extensions only when one of a few others is present.)
    leaf.is_ca = rcgen::IsCa::ExplicitNoCa;
    leaf.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
        uris: vec![format!("http://{addr}/leaf.crl\r\nX-Injected: yes")],
    }];
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let mut pem = leaf_cert.pem();
    pem.push_str(&ca_cert.pem());
    let chain = read_certificates(pem.as_bytes()).unwrap();
    assert!(
        chain[0].crl_urls()[0].contains("\r\n"),
        "the URL is carried as is"
    );

    let status = Checker::new_with(x509(), Arc::new(HttpFetcher::new())).check(
        &chain,
        RevocationPurpose::CodeSigning,
        None,
        time::OffsetDateTime::now_utc(),
    );
    match status {
        RevocationStatus::Unknown { reason } => {
            // The fetcher refused it (its own error escapes the URL).
            assert!(reason.contains("control characters"), "{reason}");
        }
        other => panic!("expected unknown, got {other:?}"),
    }
    assert_eq!(count(&log), 0, "{:?}", log.lock().unwrap());
}

#[test]
fn only_http_and_https_urls_are_fetched() {
    let f = HttpFetcher::new();
    for (url, kind) in [
        ("ftp://127.0.0.1/x.crl", FetchErrorKind::UnsupportedScheme),
        ("file:///etc/passwd", FetchErrorKind::UnsupportedScheme),
        ("ldap://127.0.0.1/cn=x", FetchErrorKind::UnsupportedScheme),
        ("not a url", FetchErrorKind::InvalidUrl),
        ("http://", FetchErrorKind::InvalidUrl),
        ("http://[::1/x", FetchErrorKind::InvalidUrl),
    ] {
        let e = f.crl(url, MAX, T).unwrap_err();
        assert_eq!(e.kind, kind, "{url}: {e}");
    }
}

/// An HTTPS origin: records each request and answers 200 with `body`.
fn tls_origin(config: Arc<rustls::ServerConfig>, body: Vec<u8>) -> (SocketAddr, Log) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let log: Log = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            let (config, seen, body) = (config.clone(), seen.clone(), body.clone());
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, s);
                let mut r = BufReader::new(&mut tls);
                let Some(req) = read_head(&mut r) else { return };
                drop(r);
                seen.lock().unwrap().push(req);
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(&body);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (addr, log)
}

#[test]
fn https_with_an_extra_root_and_not_without() {
    let tls = tls::TestTls::new();
    let body = crl_bytes();
    let (addr, log) = tls_origin(tls.config(), body.clone());
    let trusting = HttpFetcher::builder()
        .proxy(ProxyConfig::none())
        .add_root_certificate_der(tls.ca_der.clone())
        .build()
        .unwrap();
    assert_eq!(
        trusting
            .crl(&format!("https://{addr}/x.crl"), MAX, T)
            .unwrap(),
        body
    );
    let got = trusting
        .post(
            &format!("https://{addr}/tsa"),
            "application/timestamp-query",
            b"query",
            MAX,
            T,
        )
        .unwrap();
    assert_eq!(got, body);
    {
        let seen = log.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].line, "POST /tsa HTTP/1.1");
        assert_eq!(seen[1].body, b"query");
    }
    // The platform's roots alone do not know the test CA.
    let e = HttpFetcher::builder()
        .proxy(ProxyConfig::none())
        .build()
        .unwrap()
        .crl(&format!("https://{addr}/x.crl"), MAX, T)
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Tls, "{e}");
    // A PEM bundle that holds no certificate is a configuration error.
    let e = HttpFetcher::builder()
        .add_root_certificates_pem(b"not pem".to_vec())
        .build()
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Config, "{e}");
}

#[test]
fn http_proxy_gets_the_requests_unless_no_proxy_covers_the_host() {
    let body = crl_bytes();
    let (addr, direct) = origin(body.clone());
    let (proxy_url, proxied) = proxy();
    let env = |no_proxy: Option<&'static str>| {
        let proxy_url = proxy_url.clone();
        ProxyConfig::from_lookup(move |k| match k {
            "HTTP_PROXY" => Some(proxy_url.clone()),
            "NO_PROXY" => no_proxy.map(str::to_string),
            _ => None,
        })
    };
    let f = HttpFetcher::builder().proxy(env(None)).build().unwrap();
    let crl = format!("http://{addr}/inter.crl");
    assert_eq!(f.crl(&crl, MAX, T).unwrap(), body);
    assert_eq!(
        f.ocsp(
            &format!("http://{addr}/ocsp"),
            b"\x30\x03\x02\x01\x01",
            MAX,
            T
        )
        .unwrap(),
        body
    );
    {
        let p = proxied.lock().unwrap();
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].line, format!("GET {crl} HTTP/1.1"));
        assert!(
            p[1].line.starts_with(&format!("GET http://{addr}/ocsp/")),
            "{p:?}"
        );
    }
    assert_eq!(count(&direct), 2, "the proxy forwarded both");

    // NO_PROXY names the host (by IP, by CIDR, or everything): straight to the origin.
    for no in ["127.0.0.1", "127.0.0.0/8", "*", "example.org, 127.0.0.1"] {
        let f = HttpFetcher::builder().proxy(env(Some(no))).build().unwrap();
        let before = (count(&proxied), count(&direct));
        assert_eq!(f.crl(&crl, MAX, T).unwrap(), body, "{no}");
        assert_eq!(
            count(&proxied),
            before.0,
            "NO_PROXY={no}: the proxy must not see it"
        );
        assert_eq!(count(&direct), before.1 + 1);
    }
    // HTTPS_PROXY alone does not catch http URLs.
    let only_https = ProxyConfig::none().https(proxy_url.clone());
    let f = HttpFetcher::builder().proxy(only_https).build().unwrap();
    let before = count(&proxied);
    f.crl(&crl, MAX, T).unwrap();
    assert_eq!(count(&proxied), before);
}

#[test]
fn https_proxy_tunnels_with_connect() {
    let tls = tls::TestTls::new();
    let body = crl_bytes();
    let (addr, log) = tls_origin(tls.config(), body.clone());
    let (proxy_url, proxied) = proxy();
    let f = HttpFetcher::builder()
        .proxy(ProxyConfig::none().https(proxy_url))
        .add_root_certificate_der(tls.ca_der)
        .build()
        .unwrap();
    assert_eq!(
        f.crl(&format!("https://{addr}/x.crl"), MAX, T).unwrap(),
        body
    );
    let p = proxied.lock().unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].line, format!("CONNECT {addr} HTTP/1.1"));
    assert_eq!(log.lock().unwrap()[0].line, "GET /x.crl HTTP/1.1");
}

/// A server that answers every connection with `head` and then `body_len` bytes written in
/// chunks (stopping when the client goes away), after waiting `delay`; then keeps the
/// connection open for `hold`.
fn raw_server(head: String, body_len: usize, delay: Duration) -> SocketAddr {
    raw_server_holding(head, body_len, delay, Duration::ZERO)
}

fn raw_server_holding(
    head: String,
    body_len: usize,
    delay: Duration,
    hold: Duration,
) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let head = head.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                if s.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < body_len {
                    if s.write_all(&chunk).is_err() {
                        return;
                    }
                    sent += chunk.len();
                }
                std::thread::sleep(hold);
            });
        }
    });
    addr
}

#[test]
fn size_caps_status_and_timeouts() {
    let f = HttpFetcher::builder()
        .proxy(ProxyConfig::none())
        .build()
        .unwrap();
    let cap = 100 * 1024;
    // Declared too large: refused before reading.
    let addr = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n".into(),
        64 << 20,
        Duration::ZERO,
    );
    let e = f.crl(&format!("http://{addr}/big"), cap, T).unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::TooLarge, "{e}");
    // No length, streamed without end (up to 64 MiB): refused as soon as the cap is reached.
    let addr = raw_server(
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".into(),
        64 << 20,
        Duration::ZERO,
    );
    let t = Instant::now();
    let e = f.crl(&format!("http://{addr}/stream"), cap, T).unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::TooLarge, "{e}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // Chunked, too large.
    let addr = raw_server(
        format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            64 << 20
        ),
        64 << 20,
        Duration::ZERO,
    );
    let e = f
        .crl(&format!("http://{addr}/chunked"), cap, T)
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::TooLarge, "{e}");
    // Exactly the cap is refused, one byte less is served.
    let body = crl_bytes();
    let (addr, _) = origin(body.clone());
    let url = format!("http://{addr}/x.crl");
    assert_eq!(
        f.crl(&url, body.len(), T).unwrap_err().kind,
        FetchErrorKind::TooLarge
    );
    assert_eq!(f.crl(&url, body.len() + 1, T).unwrap(), body);
    // Status other than 200.
    let addr = raw_server(
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".into(),
        0,
        Duration::ZERO,
    );
    let e = f.crl(&format!("http://{addr}/gone"), cap, T).unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::HttpStatus(404), "{e}");
    assert!(e.reason.contains("404"), "{e}");
    // Accepts and never answers: the timeout ends the call.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let _hold = std::thread::spawn(move || {
        let conns: Vec<_> = l.incoming().take(2).collect();
        std::thread::sleep(Duration::from_secs(10));
        drop(conns);
    });
    let t = Instant::now();
    let e = f
        .crl(
            &format!("http://{addr}/silent"),
            cap,
            Duration::from_millis(300),
        )
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Timeout, "{e}");
    assert!(e.reason.contains("timed out"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Headers sent, body never finishes.
    let addr = raw_server_holding(
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".into(),
        0,
        Duration::ZERO,
        Duration::from_secs(5),
    );
    let t = Instant::now();
    let e = f
        .crl(
            &format!("http://{addr}/stall"),
            cap,
            Duration::from_millis(300),
        )
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Timeout, "{e}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Nothing listens: unreachable.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = f
        .crl(&format!("http://127.0.0.1:{port}/x"), cap, T)
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Unreachable, "{e}");
}

#[test]
fn works_from_inside_tokio_runtimes() {
    // The CLI checks revocation and timestamps from async flows: no panic, no deadlock, on
    // either kind of runtime.
    let body = crl_bytes();
    let (addr, _) = origin(body.clone());
    let url = format!("http://{addr}/x.crl");
    let f = HttpFetcher::builder()
        .proxy(ProxyConfig::none())
        .build()
        .unwrap();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let got = current.block_on(async { f.crl(&url, MAX, T) }).unwrap();
    assert_eq!(got, body);
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (f, url) = (f.clone(), url.clone());
            multi.spawn(async move { f.crl(&url, MAX, T) })
        })
        .collect();
    for t in tasks {
        assert_eq!(multi.block_on(t).unwrap().unwrap(), body);
    }
    // A fetcher made with `new` sets its client up lazily, inside the runtime here.
    let lazy = HttpFetcher::new();
    assert_eq!(
        current.block_on(async { lazy.crl(&url, MAX, T) }).unwrap(),
        body
    );
}

/// These tests exercise HTTP and CRL scope handling; one provider is enough.
fn provider() -> notary_core::crypto::CryptoProvider {
    notary_provider_aws_lc_rs::provider()
}

fn x509() -> notary_x509::X509Verifier {
    notary_x509::X509Verifier::new(provider())
}

#[test]
fn post_expecting_requires_the_exact_content_type() {
    let f = HttpFetcher::builder()
        .proxy(ProxyConfig::none())
        .build()
        .unwrap();
    let want = "application/timestamp-reply";
    let answer = |ct: Option<&str>| {
        let ct = ct.map_or_else(String::new, |c| format!("Content-Type: {c}\r\n"));
        raw_server(
            format!("HTTP/1.1 200 OK\r\n{ct}Content-Length: 65536\r\nConnection: close\r\n\r\n"),
            64 * 1024,
            Duration::ZERO,
        )
    };
    let post = |addr: SocketAddr| {
        f.post_expecting(
            &format!("http://{addr}/tsa"),
            "application/timestamp-query",
            b"q",
            want,
            MAX,
            T,
        )
    };
    assert_eq!(post(answer(Some(want))).unwrap().len(), 64 * 1024);
    for got in [
        None,
        Some("application/octet-stream"),
        Some("application/timestamp-reply; charset=binary"),
        Some("APPLICATION/TIMESTAMP-REPLY"),
    ] {
        let e = post(answer(got)).unwrap_err();
        assert_eq!(
            e.kind,
            FetchErrorKind::UnexpectedContentType,
            "{got:?}: {e}"
        );
        assert!(e.reason.contains(got.unwrap_or("none")), "{got:?}: {e}");
    }
    // `post` itself takes any type (OCSP and other users decide for themselves).
    let addr = answer(Some("text/html"));
    let body = f
        .post(
            &format!("http://{addr}/x"),
            "application/ocsp-request",
            b"q",
            MAX,
            T,
        )
        .unwrap();
    assert_eq!(body.len(), 64 * 1024);
}

#[test]
fn an_ocsp_get_appends_the_request_to_the_path_before_the_responders_query() {
    let body = crl_bytes();
    let (addr, log) = origin(body.clone());
    let f = HttpFetcher::new();
    // Bytes whose base64 holds `+`, `/` and `=`.
    let request = [0xfbu8, 0xff, 0xbf, 0x01];
    for (responder, line) in [
        (
            format!("http://{addr}/ocsp?a=b"),
            "GET /ocsp/%2B%2F%2B%2FAQ%3D%3D?a=b HTTP/1.1",
        ),
        (
            format!("http://{addr}/ocsp/"),
            "GET /ocsp/%2B%2F%2B%2FAQ%3D%3D HTTP/1.1",
        ),
        (
            format!("http://{addr}"),
            "GET /%2B%2F%2B%2FAQ%3D%3D HTTP/1.1",
        ),
    ] {
        assert_eq!(f.ocsp(&responder, &request, MAX, T).unwrap(), body);
        assert_eq!(log.lock().unwrap().pop().unwrap().line, line);
    }
}
