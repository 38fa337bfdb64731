//! Fetching OCSP responses and CRLs: the only I/O of this crate.

use std::collections::BTreeMap;
use std::time::Duration;

#[cfg(feature = "http")]
mod http;

#[cfg(feature = "http")]
pub use http::{HttpFetcher, HttpFetcherBuilder, ProxyConfig};

/// What kind of failure a [`FetchError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchErrorKind {
    /// The URL does not parse, has no host, or holds control characters (never sent).
    InvalidUrl,
    /// The URL's scheme is neither `http` nor `https` (never sent).
    UnsupportedScheme,
    /// The client could not be set up (an extra root certificate or a proxy setting is bad).
    Config,
    /// No answer: nothing at that URL, the name does not resolve, the connection or the proxy
    /// failed.
    Unreachable,
    /// The TLS handshake failed (e.g. the server's certificate is not trusted).
    Tls,
    /// The timeout (overall, connect or DNS resolution) expired.
    Timeout,
    /// The response body reached the size cap.
    TooLarge,
    /// The server answered with a status other than 200.
    HttpStatus(u16),
    /// The response's `Content-Type` is not the one the protocol requires (RFC 3161 §3.4:
    /// `application/timestamp-reply`).
    UnexpectedContentType,
    /// Any other failure while talking to the server.
    Transport,
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {reason}")]
#[non_exhaustive]
pub struct FetchError {
    /// The URL (control characters escaped).
    pub url: String,
    /// What kind of failure.
    pub kind: FetchErrorKind,
    /// What happened.
    pub reason: String,
}

impl FetchError {
    /// An error of `kind` for `url`; control characters of `url` are escaped so that the message
    /// is safe to print.
    pub fn new(url: &str, kind: FetchErrorKind, reason: impl Into<String>) -> Self {
        Self {
            url: escape_controls(url),
            kind,
            reason: reason.into(),
        }
    }
}

/// `url` with control characters (CR, LF, ...) shown as escapes, everything else as is.
fn escape_controls(url: &str) -> String {
    if !url.chars().any(char::is_control) {
        return url.to_string();
    }
    url.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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
    FetchError::new(url, FetchErrorKind::Unreachable, "unreachable")
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

/// The error for a body that reached `max` bytes (a body of exactly the cap is refused).
pub(crate) fn too_large(url: &str, max: usize) -> FetchError {
    FetchError::new(
        url,
        FetchErrorKind::TooLarge,
        format!("response exceeds the {max}-byte limit"),
    )
}

fn cap(url: &str, body: &[u8], max: usize) -> Result<Vec<u8>, FetchError> {
    if body.len() >= max {
        return Err(too_large(url, max));
    }
    Ok(body.to_vec())
}
