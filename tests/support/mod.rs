//! Shared by the live tests: the small HTTP/1.1 server side used in front of OpenSSL, and the
//! RFC 3161 TSA front built on it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// One request: method, target and body.
pub struct Request {
    pub method: String,
    pub target: String,
    pub body: Vec<u8>,
}

/// Reads one request (request line, headers, `Content-Length` body).
pub fn read_request(s: &TcpStream) -> Request {
    let mut r = BufReader::new(s.try_clone().expect("clone stream"));
    let mut first = String::new();
    let _ = r.read_line(&mut first);
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    let _ = r.read_exact(&mut body);
    let mut parts = first.split_whitespace();
    Request {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("").to_string(),
        body,
    }
}

/// Writes a response with `status` (e.g. `200 OK`) and `body`, then closes.
pub fn respond(s: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(body);
}

/// An HTTP front for `openssl ts -reply` with the PKI of `tests/pki/make-tsa.sh` in `pki`:
/// each `POST /tsa` body is answered by OpenSSL (or, with `garbage`, by junk). Returns the URL.
pub fn start_tsa(pki: &std::path::Path, garbage: bool) -> String {
    start_tsa_typed(pki, garbage, "application/timestamp-reply")
}

/// [`start_tsa`] answering with `content_type` instead of `application/timestamp-reply`.
pub fn start_tsa_typed(pki: &std::path::Path, garbage: bool, content_type: &str) -> String {
    let content_type = content_type.to_string();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", l.local_addr().unwrap());
    let pki = pki.to_path_buf();
    std::thread::spawn(move || {
        for (i, s) in l.incoming().enumerate() {
            let Ok(mut s) = s else { continue };
            let req = read_request(&s);
            if req.method != "POST" || req.target != "/tsa" {
                respond(&mut s, "404 Not Found", "text/plain", b"");
                continue;
            }
            let reply = if garbage {
                b"not a timestamp".to_vec()
            } else {
                let q = pki.join(format!("q{i}.tsq"));
                let a = pki.join(format!("a{i}.tsr"));
                std::fs::write(&q, &req.body).unwrap();
                let st = std::process::Command::new("openssl")
                    .args(["ts", "-reply", "-config"])
                    .arg(pki.join("tsa.cnf"))
                    .arg("-queryfile")
                    .arg(&q)
                    .arg("-out")
                    .arg(&a)
                    .output()
                    .unwrap();
                assert!(
                    st.status.success(),
                    "{}",
                    String::from_utf8_lossy(&st.stderr)
                );
                std::fs::read(&a).unwrap()
            };
            respond(&mut s, "200 OK", &content_type, &reply);
        }
    });
    url
}
