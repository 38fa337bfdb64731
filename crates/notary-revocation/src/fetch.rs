//! Fetching OCSP responses and CRLs: the only I/O of this crate.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {reason}")]
pub struct FetchError {
    /// The URL.
    pub url: String,
    /// What happened.
    pub reason: String,
}

/// Retrieves revocation material. Implementations must honour the size cap and the timeout.
pub trait Fetcher: Send + Sync {
    /// The DER OCSP response of `responder` for the DER OCSP request.
    fn ocsp(
        &self,
        responder: &str,
        request: &[u8],
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError>;
    /// The DER CRL at `url`.
    fn crl(&self, url: &str, max_bytes: usize, timeout: Duration) -> Result<Vec<u8>, FetchError>;
}

/// Serves fixed answers: responder URL → OCSP response, CRL URL → CRL. Every other URL is
/// unreachable. For air-gapped sites and tests.
#[derive(Debug, Clone, Default)]
pub struct StaticFetcher {
    ocsp: BTreeMap<String, Vec<u8>>,
    crls: BTreeMap<String, Vec<u8>>,
}

impl StaticFetcher {
    /// An empty fetcher (everything unreachable).
    pub fn new() -> Self {
        Self::default()
    }
    /// Answers OCSP requests to `responder` with `response`.
    pub fn with_ocsp(mut self, responder: &str, response: Vec<u8>) -> Self {
        self.ocsp.insert(responder.to_string(), response);
        self
    }
    /// Serves `crl` at `url`.
    pub fn with_crl(mut self, url: &str, crl: Vec<u8>) -> Self {
        self.crls.insert(url.to_string(), crl);
        self
    }
}

fn unreachable(url: &str) -> FetchError {
    FetchError {
        url: url.to_string(),
        reason: "unreachable".into(),
    }
}

impl Fetcher for StaticFetcher {
    fn ocsp(
        &self,
        responder: &str,
        _: &[u8],
        max: usize,
        _: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        let r = self
            .ocsp
            .get(responder)
            .ok_or_else(|| unreachable(responder))?;
        cap(responder, r, max)
    }
    fn crl(&self, url: &str, max: usize, _: Duration) -> Result<Vec<u8>, FetchError> {
        let r = self.crls.get(url).ok_or_else(|| unreachable(url))?;
        cap(url, r, max)
    }
}

fn cap(url: &str, body: &[u8], max: usize) -> Result<Vec<u8>, FetchError> {
    if body.len() >= max {
        return Err(FetchError {
            url: url.into(),
            reason: format!("response exceeds the {max}-byte limit"),
        });
    }
    Ok(body.to_vec())
}

/// Plain HTTP/1.1 over TCP (OCSP and CRL URLs are `http`): connect and read deadlines, body
/// size caps (a body of exactly the cap is refused), status 200 required.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpFetcher;

impl HttpFetcher {
    /// POSTs `body` to an `http` URL and returns the body of a 200 response (used for RFC 3161
    /// timestamp requests as well as OCSP).
    pub fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        self.request(url, "POST", Some(content_type), body, max, timeout)
    }

    fn request(
        &self,
        url: &str,
        method: &str,
        content_type: Option<&str>,
        body: &[u8],
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        let err = |reason: String| FetchError {
            url: url.to_string(),
            reason,
        };
        let rest = url
            .get(7..)
            .filter(|_| crate::is_http(url))
            .ok_or_else(|| err("only http URLs are supported".into()))?;
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let addr_text = if hostport.contains(':') {
            hostport.to_string()
        } else {
            format!("{hostport}:80")
        };
        let deadline = Instant::now() + timeout;
        let addr = addr_text
            .to_socket_addrs()
            .map_err(|e| err(e.to_string()))?
            .next()
            .ok_or_else(|| err("no address".into()))?;
        let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| err(e.to_string()))?;
        let left = || {
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        };
        s.set_write_timeout(Some(left()))
            .map_err(|e| err(e.to_string()))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nUser-Agent: notary-rs\r\n"
        );
        if let Some(ct) = content_type {
            head.push_str(&format!(
                "Content-Type: {ct}\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())
            .and_then(|_| s.write_all(body))
            .map_err(|e| err(e.to_string()))?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16384];
        loop {
            if Instant::now() >= deadline {
                return Err(err(format!("timed out after {timeout:?}")));
            }
            s.set_read_timeout(Some(left()))
                .map_err(|e| err(e.to_string()))?;
            match s.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > max + 64 * 1024 {
                        return Err(err(format!("response exceeds the {max}-byte limit")));
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(err(format!("timed out after {timeout:?}")));
                }
                Err(e) => return Err(err(e.to_string())),
            }
        }
        let split = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| err("malformed HTTP response".into()))?;
        let header = String::from_utf8_lossy(&buf[..split]).to_string();
        let mut body = buf[split + 4..].to_vec();
        let status = header.split_whitespace().nth(1).unwrap_or("");
        if status != "200" {
            return Err(err(format!("HTTP status {status}")));
        }
        if header
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            body = dechunk(&body).ok_or_else(|| err("malformed chunked body".into()))?;
        }
        cap(url, &body, max)
    }
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(
            std::str::from_utf8(&b[..line_end])
                .ok()?
                .split(';')
                .next()?
                .trim(),
            16,
        )
        .ok()?;
        b = b.get(line_end + 2..)?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

impl Fetcher for HttpFetcher {
    fn ocsp(
        &self,
        responder: &str,
        request: &[u8],
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        // GET when the encoded request is short, as notation does; POST otherwise.
        let b64 = base64::engine::general_purpose::STANDARD.encode(request);
        let escaped: String = b64
            .chars()
            .map(|c| match c {
                '+' => "%2B".to_string(),
                '/' => "%2F".to_string(),
                '=' => "%3D".to_string(),
                c => c.to_string(),
            })
            .collect();
        if b64.len() < 255 && escaped.len() < 255 {
            let url = format!("{}/{escaped}", responder.trim_end_matches('/'));
            self.request(&url, "GET", None, &[], max, timeout)
        } else {
            self.request(
                responder,
                "POST",
                Some("application/ocsp-request"),
                request,
                max,
                timeout,
            )
        }
    }
    fn crl(&self, url: &str, max: usize, timeout: Duration) -> Result<Vec<u8>, FetchError> {
        self.request(url, "GET", None, &[], max, timeout)
    }
}
