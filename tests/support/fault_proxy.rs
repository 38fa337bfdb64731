//! A fault-injecting HTTP/1.1 proxy on loopback in front of a real registry: each request is
//! logged and forwarded with `Connection: close`; a rule matching its method and path answers
//! with a fault instead (a status, a dropped connection, a truncated, corrupted or oversized
//! body, a delay, or a stale referrers tag index written just after the request).
//! Included with `#[path = "support/fault_proxy.rs"] mod fault_proxy;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Fault {
    Status(u16, Option<u64>),
    Drop,
    Truncate,
    Corrupt,
    Oversize,
    Slow(Duration),
    /// Forwards the request, then PUTs this body at the same path (another writer's stale
    /// referrers tag index landing just after it), then answers with the first response.
    ThenPut(Vec<u8>),
    /// Forwards the request (the registry stores it), then answers with this status instead
    /// of the registry's answer (a gateway failing on the way back).
    StoredThenStatus(u16),
    /// Answers 200 with this content type and body instead of forwarding (a registry that
    /// answers otherwise than the test registry does, such as one ignoring a query filter).
    Answer(&'static str, Vec<u8>),
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

pub struct Proxy {
    pub host: String,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    pub fn start(upstream: String) -> Proxy {
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

    pub fn add(&self, method: &'static str, path: &str, fault: Fault, times: usize) {
        self.state.lock().unwrap().rules.push(Rule {
            method,
            path: path.to_string(),
            fault,
            remaining: times,
        });
    }

    pub fn clear(&self) {
        self.state.lock().unwrap().rules.clear();
    }

    pub fn faults_served(&self) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|l| l.2.is_some())
            .count()
    }

    pub fn requests(&self, method: &str, path: &str) -> usize {
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

/// Answers with `code` and a registry error body (and `Retry-After` when given), then closes.
fn answer_status(client: &mut TcpStream, code: u16, retry_after: Option<u64>) {
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
            answer_status(&mut client, *code, *retry_after);
            return;
        }
        Some(Fault::Drop) => {
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        Some(Fault::Slow(d)) => std::thread::sleep(*d),
        Some(Fault::Answer(content_type, body)) => {
            let _ = write!(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = client.write_all(body);
            return;
        }
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
        Some(Fault::StoredThenStatus(code)) => {
            assert!(
                resp.starts_with(b"HTTP/1.1 2"),
                "the forwarded request failed: {}",
                String::from_utf8_lossy(&head)
            );
            answer_status(&mut client, code, None);
        }
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
