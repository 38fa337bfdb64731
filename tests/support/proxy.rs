//! A recording forward proxy on loopback: each request's request line is logged, then the
//! absolute-form request is passed to its (loopback) origin and the answer sent back.
//! Included with `#[path = "support/proxy.rs"] mod proxy;`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// Starts the proxy; returns its URL and the request lines it received.
pub fn start() -> (String, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let req = super::support::read_request(&s);
            seen.lock()
                .unwrap()
                .push(format!("{} {}", req.method, req.target));
            let Some(rest) = req.target.strip_prefix("http://") else {
                super::support::respond(&mut s, "400 Bad Request", "text/plain", b"");
                continue;
            };
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let mut up = TcpStream::connect(host).unwrap();
            write!(
                up,
                "{} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                req.method,
                req.body.len()
            )
            .unwrap();
            up.write_all(&req.body).unwrap();
            let mut answer = Vec::new();
            let _ = up.read_to_end(&mut answer);
            let _ = s.write_all(&answer);
        }
    });
    (url, log)
}
