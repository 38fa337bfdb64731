//! An in-process HTTP(S) server on loopback for fault injection: each request is recorded and
//! answered by a rule (relay to a real registry, relay with a moved `Location`, or a canned
//! answer). Included with `mod fake_server;`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

/// One request as a test server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub head: String,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn has_header(&self, name: &str) -> bool {
        self.head.lines().any(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
    }
}

/// What the front does with a request.
pub enum Action {
    /// Relay to the registry and back.
    Forward,
    /// Relay, then point the answer's `Location` at this origin (same path).
    ForwardRelocated(String),
    /// Answer with this status line, extra headers and body.
    Respond(&'static str, Vec<String>, Vec<u8>),
}

type Rule = Arc<dyn Fn(&Seen) -> Action + Send + Sync>;

pub struct Server {
    pub origin: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Plain-HTTP requests that arrived at a TLS port.
    pub plaintext: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(c: &mut dyn Conn) -> Option<Seen> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if c.read(&mut b).ok()? == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    c.read_exact(&mut body).ok()?;
    let mut first = head.split_whitespace();
    Some(Seen {
        method: first.next()?.to_string(),
        target: first.next()?.to_string(),
        head,
        body,
    })
}

fn respond(c: &mut dyn Conn, status: &str, headers: &[String], body: &[u8]) {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let _ = c.write_all(out.as_bytes());
    let _ = c.write_all(body);
    let _ = c.flush();
}

fn forward(c: &mut dyn Conn, req: &Seen, upstream: &str, relocate: Option<&str>) {
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let mut head = String::new();
    for (i, line) in req.head.split("\r\n").enumerate() {
        let lower = line.to_ascii_lowercase();
        if line.is_empty() || lower.starts_with("connection:") {
            continue;
        }
        head.push_str(line);
        head.push_str("\r\n");
        if i == 0 {
            head.push_str("Connection: close\r\n");
        }
    }
    head.push_str("\r\n");
    let _ = up.write_all(head.as_bytes());
    let _ = up.write_all(&req.body);
    let mut resp = Vec::new();
    let _ = up.read_to_end(&mut resp);
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(resp.len(), |i| i + 4);
    let (head, body) = resp.split_at(split);
    let mut head = String::from_utf8_lossy(head).to_string();
    if let Some(origin) = relocate {
        head = head
            .split("\r\n")
            .map(|l| match l.split_once(':') {
                Some((k, v)) if k.eq_ignore_ascii_case("location") => {
                    let v = v.trim();
                    // Keep the path, move it to `origin`.
                    let path = v.find("/v2/").map_or(v.to_string(), |i| v[i..].to_string());
                    format!("Location: {origin}{path}")
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\r\n");
    }
    let _ = c.write_all(head.as_bytes());
    let _ = c.write_all(body);
    let _ = c.flush();
}

/// Starts a loopback server (TLS when `tls` is given) that applies `rule` to each request,
/// relaying to `upstream` where the rule says so. `rule` gets the server's own origin.
pub fn start(
    tls: Option<Arc<rustls::ServerConfig>>,
    upstream: Option<String>,
    rule: impl Fn(&str, &Seen) -> Action + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let origin = format!("{scheme}://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let plaintext = Arc::new(Mutex::new(Vec::new()));
    let own = origin.clone();
    let rule: Rule = Arc::new(move |s| rule(&own, s));
    let (seen2, plain2) = (seen.clone(), plaintext.clone());
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let (tls, upstream, rule, seen, plain) = (
                tls.clone(),
                upstream.clone(),
                rule.clone(),
                seen2.clone(),
                plain2.clone(),
            );
            std::thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                let mut conn: Box<dyn Conn> = match tls {
                    Some(cfg) => {
                        let mut first = [0u8; 1];
                        if tcp.peek(&mut first).unwrap_or(0) == 1 && first[0] != 0x16 {
                            // Not a TLS handshake: a plain-HTTP request sent to the TLS port.
                            let mut raw: Box<dyn Conn> = Box::new(tcp);
                            if let Some(r) = read_request(raw.as_mut()) {
                                plain.lock().unwrap().push(r.head);
                            }
                            return;
                        }
                        let server = rustls::ServerConnection::new(cfg).unwrap();
                        Box::new(rustls::StreamOwned::new(server, tcp))
                    }
                    None => Box::new(tcp),
                };
                let Some(req) = read_request(conn.as_mut()) else {
                    return;
                };
                seen.lock().unwrap().push(req.clone());
                match rule(&req) {
                    Action::Forward => {
                        forward(conn.as_mut(), &req, upstream.as_deref().unwrap(), None)
                    }
                    Action::ForwardRelocated(o) => {
                        forward(conn.as_mut(), &req, upstream.as_deref().unwrap(), Some(&o))
                    }
                    Action::Respond(status, headers, body) => {
                        respond(conn.as_mut(), status, &headers, &body)
                    }
                }
            });
        }
    });
    Server {
        origin,
        seen,
        plaintext,
    }
}

/// A capture server: records everything and hands out a token to whoever asks.
pub fn capture() -> Server {
    start(None, None, |_, _| {
        Action::Respond(
            "200 OK",
            vec!["Content-Type: application/json".into()],
            br#"{"token":"captured-token","access_token":"captured-token"}"#.to_vec(),
        )
    })
}
