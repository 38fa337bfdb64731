//! Shared by the live tests: the small HTTP/1.1 server side used in front of OpenSSL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// One request: method, target and body.
pub struct Request {
    pub method: String,
    #[allow(dead_code)]
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
