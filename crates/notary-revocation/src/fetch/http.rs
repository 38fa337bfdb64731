//! [`HttpFetcher`]: OCSP, CRL and RFC 3161 requests over HTTP and HTTPS with the workspace's
//! reqwest (rustls on aws-lc-rs, platform roots).
//!
//! The [`Fetcher`] API is synchronous and is called from inside tokio runtimes (the CLI checks
//! revocation from async registry flows), where `reqwest::blocking` would panic. Each request
//! therefore runs on a short-lived thread of its own with a private current-thread runtime, and
//! the caller waits on a plain channel with a deadline: nothing here touches the caller's
//! runtime, so it can neither panic nor deadlock there.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use base64::Engine as _;
use reqwest::{Method, StatusCode, Url};

use super::{FetchError, FetchErrorKind, Fetcher, too_large};

/// Connect timeout (TCP + TLS handshake) unless set otherwise; the request timeout still bounds it.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// DNS resolution timeout unless set otherwise; the request timeout still bounds it.
const DEFAULT_RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);
/// How much longer than the request timeout the caller waits for the request thread.
const GRACE: Duration = Duration::from_secs(1);
/// Redirects followed (Go's default).
const MAX_REDIRECTS: usize = 10;
/// Depth of an error's source chain that is examined.
const MAX_ERROR_DEPTH: usize = 16;

/// Proxy settings: the proxy for `http` URLs, the proxy for `https` URLs and the `NO_PROXY`
/// exclusion list.
///
/// [`ProxyConfig::from_env`] reads `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (each also in lower
/// case; the upper-case form wins, as in Go). `HTTP_PROXY` is ignored in a CGI process
/// (`REQUEST_METHOD` set), where it may come from a request header. A proxy value without a
/// scheme means `http://`; `http` and `https` proxies are supported. `NO_PROXY` is a
/// comma-separated list of host names (each also matching its subdomains; a leading `.` is
/// allowed), IP addresses, CIDR ranges, or `*` for everything. Unlike Go, `localhost` and
/// loopback addresses are proxied unless `NO_PROXY` names them (as curl and the registry client
/// do).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    http: Option<String>,
    https: Option<String>,
    no_proxy: Option<String>,
}

impl ProxyConfig {
    /// No proxy at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// The settings of the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings from `lookup` (an environment variable name → its value), for callers that
    /// keep their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let first = |names: [&str; 2]| {
            names
                .into_iter()
                .find_map(|n| lookup(n).filter(|v| !v.trim().is_empty()))
        };
        let cgi = lookup("REQUEST_METHOD").is_some_and(|v| !v.is_empty());
        Self {
            http: if cgi {
                None
            } else {
                first(["HTTP_PROXY", "http_proxy"])
            },
            https: first(["HTTPS_PROXY", "https_proxy"]),
            no_proxy: first(["NO_PROXY", "no_proxy"]),
        }
    }

    /// Sends `http` requests through `proxy`.
    pub fn http(mut self, proxy: impl Into<String>) -> Self {
        self.http = Some(proxy.into());
        self
    }

    /// Sends `https` requests through `proxy` (tunnelled with `CONNECT`).
    pub fn https(mut self, proxy: impl Into<String>) -> Self {
        self.https = Some(proxy.into());
        self
    }

    /// Hosts that are reached directly (the `NO_PROXY` syntax).
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = Some(list.into());
        self
    }

    fn proxies(&self) -> Result<Vec<reqwest::Proxy>, String> {
        // `*` means no proxy for any host (reqwest's matcher misses it for IP addresses).
        if self
            .no_proxy
            .as_deref()
            .is_some_and(|l| l.split(',').any(|e| e.trim() == "*"))
        {
            return Ok(Vec::new());
        }
        let no = || {
            self.no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string)
        };
        let mut out = Vec::new();
        if let Some(p) = &self.http {
            let url = proxy_url("HTTP_PROXY", p)?;
            let proxy = reqwest::Proxy::http(url).map_err(|e| format!("HTTP_PROXY: {e}"))?;
            out.push(proxy.no_proxy(no()));
        }
        if let Some(p) = &self.https {
            let url = proxy_url("HTTPS_PROXY", p)?;
            let proxy = reqwest::Proxy::https(url).map_err(|e| format!("HTTPS_PROXY: {e}"))?;
            out.push(proxy.no_proxy(no()));
        }
        Ok(out)
    }
}

/// A proxy value as Go reads it: a URL, or `host[:port]` meaning `http://host[:port]`.
fn proxy_url(name: &str, value: &str) -> Result<Url, String> {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return Err(format!("{name} holds control characters"));
    }
    let url = match Url::parse(value) {
        Ok(u) if u.has_host() => u,
        _ => Url::parse(&format!("http://{value}"))
            .map_err(|e| format!("{name} is not a proxy URL: {e}"))?,
    };
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!(
            "{name}: proxy scheme {other:?} is not supported (http or https)"
        )),
    }
}

/// `value` with any user information replaced, for Debug output.
fn redact(value: &str) -> String {
    match value.rsplit_once('@') {
        Some((before, after)) => match before.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://***@{after}"),
            None => format!("***@{after}"),
        },
        None => value.to_string(),
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Proxy URLs may carry credentials: never print them.
        f.debug_struct("ProxyConfig")
            .field("http", &self.http.as_deref().map(redact))
            .field("https", &self.https.as_deref().map(redact))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

#[derive(Debug, Clone)]
enum Root {
    Der(Vec<u8>),
    Pem(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Settings {
    roots: Vec<Root>,
    proxy: ProxyConfig,
    connect_timeout: Duration,
    resolve_timeout: Duration,
}

/// Configures an [`HttpFetcher`]: extra trusted roots, proxies, connect and DNS timeouts.
#[derive(Debug, Clone)]
pub struct HttpFetcherBuilder {
    settings: Settings,
}

impl Default for HttpFetcherBuilder {
    fn default() -> Self {
        Self {
            settings: Settings {
                roots: Vec::new(),
                proxy: ProxyConfig::from_env(),
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                resolve_timeout: DEFAULT_RESOLVE_TIMEOUT,
            },
        }
    }
}

impl HttpFetcherBuilder {
    /// Also trusts this DER root certificate for HTTPS (on top of the platform's roots).
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.settings.roots.push(Root::Der(der.into()));
        self
    }

    /// Also trusts every certificate of this PEM bundle for HTTPS (on top of the platform's
    /// roots). A bundle without a certificate fails [`HttpFetcherBuilder::build`].
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.settings.roots.push(Root::Pem(pem.into()));
        self
    }

    /// The proxy settings (default: [`ProxyConfig::from_env`]).
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.settings.proxy = proxy;
        self
    }

    /// The connect timeout: TCP and TLS handshake (default 10 s; the request timeout still
    /// bounds it).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// The DNS resolution timeout (default 5 s; the request timeout still bounds it).
    pub fn resolve_timeout(mut self, timeout: Duration) -> Self {
        self.settings.resolve_timeout = timeout;
        self
    }

    /// The fetcher; fails (kind [`FetchErrorKind::Config`]) on a bad root certificate or proxy
    /// setting. Loads the platform's roots now.
    pub fn build(self) -> Result<HttpFetcher, FetchError> {
        let client = build_client(&self.settings)
            .map_err(|reason| FetchError::new("", FetchErrorKind::Config, reason))?;
        let cell = OnceLock::new();
        let _ = cell.set(Ok(client));
        Ok(HttpFetcher {
            inner: Arc::new(Inner {
                settings: self.settings,
                client: cell,
            }),
        })
    }
}

/// HTTP/1.1 and HTTP/2 over TCP or TLS, for OCSP, CRLs and RFC 3161 timestamps.
///
/// Only `http` and `https` URLs are accepted; a URL is parsed by a real URL parser and one that
/// holds control characters (a CR/LF injection attempt from a certificate's CRL distribution
/// point or AIA, say) is refused with [`FetchErrorKind::InvalidUrl`] before anything is sent.
/// Status 200 is required; the body is read while it streams in and refused as soon as it
/// reaches the cap (a body of exactly the cap is refused). Each request is bounded by its
/// timeout overall, and by the connect and DNS resolution timeouts of
/// [`HttpFetcherBuilder`]. Redirects are followed (at most 10).
///
/// HTTPS trusts the platform's roots: on Linux the system bundle, or the `SSL_CERT_FILE` /
/// `SSL_CERT_DIR` environment variables when set (as Go does), plus any roots added with
/// [`HttpFetcherBuilder::add_root_certificate_der`]. Proxies follow [`ProxyConfig`]
/// (by default the `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` environment variables).
///
/// Cloning is cheap and shares the client. Safe to call from inside a tokio runtime: each
/// request runs on a thread of its own.
#[derive(Clone)]
pub struct HttpFetcher {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    client: OnceLock<Result<reqwest::Client, FetchError>>,
}

impl fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner.settings;
        f.debug_struct("HttpFetcher")
            .field("extra_roots", &s.roots.len())
            .field("proxy", &s.proxy)
            .field("connect_timeout", &s.connect_timeout)
            .field("resolve_timeout", &s.resolve_timeout)
            .finish()
    }
}

impl Default for HttpFetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpFetcher {
    /// A fetcher with the platform's roots and the proxies of the environment. The client is
    /// set up on first use (a setup failure is reported by that request).
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                settings: HttpFetcherBuilder::default().settings,
                client: OnceLock::new(),
            }),
        }
    }

    /// A builder for extra roots, proxies and timeouts.
    pub fn builder() -> HttpFetcherBuilder {
        HttpFetcherBuilder::default()
    }

    /// POSTs `body` to an `http` or `https` URL and returns the body of a 200 response (used
    /// for RFC 3161 timestamp requests as well as OCSP).
    pub fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        self.request(
            Method::POST,
            url,
            Some((content_type, body)),
            None,
            max,
            timeout,
        )
    }

    /// Like [`post`](Self::post), but the 200 response must also carry exactly
    /// `response_type` as its `Content-Type` (as tspclient-go requires
    /// `application/timestamp-reply` of a TSA); otherwise the error is
    /// [`FetchErrorKind::UnexpectedContentType`] and the body is not read.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # let request_der: Vec<u8> = Vec::new();
    /// let fetcher = notary_revocation::HttpFetcher::new();
    /// let reply = fetcher.post_expecting(
    ///     "http://tsa.example/",
    ///     "application/timestamp-query",
    ///     &request_der,
    ///     "application/timestamp-reply",
    ///     1 << 20,
    ///     Duration::from_secs(15),
    /// );
    /// ```
    pub fn post_expecting(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
        response_type: &str,
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        self.request(
            Method::POST,
            url,
            Some((content_type, body)),
            Some(response_type),
            max,
            timeout,
        )
    }

    fn client(&self, url: &str) -> Result<reqwest::Client, FetchError> {
        self.inner
            .client
            .get_or_init(|| {
                build_client(&self.inner.settings)
                    .map_err(|reason| FetchError::new("", FetchErrorKind::Config, reason))
            })
            .clone()
            .map_err(|e| FetchError::new(url, e.kind, e.reason))
    }

    fn request(
        &self,
        method: Method,
        url: &str,
        // The request body with its Content-Type.
        body: Option<(&str, &[u8])>,
        response_type: Option<&str>,
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        let parsed = parse_url(url)?;
        let job = Job {
            client: self.client(url)?,
            method,
            url: parsed,
            shown: url.to_string(),
            body: body.map(|(ct, b)| (ct.to_string(), b.to_vec())),
            response_type: response_type.map(str::to_string),
            max,
            timeout,
        };
        let (tx, rx) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("notary-http".into())
            .spawn(move || {
                // The caller may have given up already: nobody to tell then.
                let _ = tx.send(job.run());
            })
            .map_err(|e| {
                FetchError::new(
                    url,
                    FetchErrorKind::Transport,
                    format!("cannot start the HTTP thread: {e}"),
                )
            })?;
        match rx.recv_timeout(timeout.saturating_add(GRACE)) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(timed_out(url, timeout)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(FetchError::new(
                url,
                FetchErrorKind::Transport,
                "the HTTP thread stopped",
            )),
        }
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
            // The responder is checked on its own first, so that a bad one is reported as given.
            // The request is the last segment of its path (RFC 6960 A.1), before any query the
            // responder's URL has, as notation builds it.
            let mut url = parse_url(responder)?;
            let path = format!("{}/{escaped}", url.path().trim_end_matches('/'));
            url.set_path(&path);
            self.request(Method::GET, url.as_str(), None, None, max, timeout)
        } else {
            self.request(
                Method::POST,
                responder,
                Some(("application/ocsp-request", request)),
                None,
                max,
                timeout,
            )
        }
    }

    fn crl(&self, url: &str, max: usize, timeout: Duration) -> Result<Vec<u8>, FetchError> {
        self.request(Method::GET, url, None, None, max, timeout)
    }
}

/// Checks and parses a URL: no control characters, a real URL, `http` or `https`, a host.
fn parse_url(url: &str) -> Result<Url, FetchError> {
    // Checked before parsing: the URL parser silently drops tabs and newlines.
    if url.chars().any(char::is_control) {
        return Err(FetchError::new(
            url,
            FetchErrorKind::InvalidUrl,
            "the URL holds control characters (such as CR or LF); refused",
        ));
    }
    let parsed = Url::parse(url).map_err(|e| {
        FetchError::new(
            url,
            FetchErrorKind::InvalidUrl,
            format!("not a valid URL: {e}"),
        )
    })?;
    match parsed.scheme() {
        "http" | "https" => {}
        other => {
            return Err(FetchError::new(
                url,
                FetchErrorKind::UnsupportedScheme,
                format!("URL scheme {other:?} is not supported (http or https only)"),
            ));
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::new(
            url,
            FetchErrorKind::InvalidUrl,
            "the URL has no host",
        ));
    }
    Ok(parsed)
}

fn timed_out(url: &str, timeout: Duration) -> FetchError {
    FetchError::new(
        url,
        FetchErrorKind::Timeout,
        format!("timed out after {timeout:?}"),
    )
}

fn client_builder(s: &Settings) -> Result<reqwest::ClientBuilder, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent("notary-rs")
        .connect_timeout(s.connect_timeout)
        .dns_resolver(Arc::new(TimedResolver {
            timeout: s.resolve_timeout,
        }))
        // Every request has a runtime of its own: a pooled connection would outlive it.
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        // Only the proxies given here, never reqwest's own reading of the environment.
        .no_proxy();
    for proxy in s.proxy.proxies()? {
        builder = builder.proxy(proxy);
    }
    Ok(builder)
}

fn build_client(s: &Settings) -> Result<reqwest::Client, String> {
    let mut roots = Vec::new();
    for root in &s.roots {
        match root {
            Root::Der(der) => roots.push(
                reqwest::Certificate::from_der(der)
                    .map_err(|e| format!("extra root certificate: {e}"))?,
            ),
            Root::Pem(pem) => {
                let certs = reqwest::Certificate::from_pem_bundle(pem)
                    .map_err(|e| format!("extra root certificates: {e}"))?;
                if certs.is_empty() {
                    return Err("extra root certificates: the PEM holds no certificate".into());
                }
                roots.extend(certs);
            }
        }
    }
    let with_platform = client_builder(s)?.tls_certs_merge(roots.clone()).build();
    match with_platform {
        Ok(c) => Ok(c),
        // No platform roots at all (a bare container): plain http must still work, and https
        // then trusts only the extra roots.
        Err(platform) => client_builder(s)?
            .tls_certs_only(roots)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {platform}; {e}")),
    }
}

/// One request, run on its own thread.
struct Job {
    client: reqwest::Client,
    method: Method,
    url: Url,
    shown: String,
    /// The request body with its `Content-Type`.
    body: Option<(String, Vec<u8>)>,
    /// The `Content-Type` the response must carry, when the protocol names one.
    response_type: Option<String>,
    max: usize,
    timeout: Duration,
}

impl Job {
    fn run(self) -> Result<Vec<u8>, FetchError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                FetchError::new(
                    &self.shown,
                    FetchErrorKind::Transport,
                    format!("cannot start the I/O runtime: {e}"),
                )
            })?;
        let timeout = self.timeout;
        let r = rt.block_on(async {
            match tokio::time::timeout(timeout, self.fetch()).await {
                Ok(r) => r,
                Err(_) => Err(timed_out(&self.shown, timeout)),
            }
        });
        // Do not wait for a DNS lookup stuck in the blocking pool.
        rt.shutdown_background();
        r
    }

    async fn fetch(&self) -> Result<Vec<u8>, FetchError> {
        let url = self.shown.as_str();
        let mut req = self
            .client
            .request(self.method.clone(), self.url.clone())
            .timeout(self.timeout);
        if let Some((ct, body)) = &self.body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, ct.as_str())
                .body(body.clone());
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| classify(url, &e, self.timeout))?;
        let status = resp.status();
        if status != StatusCode::OK {
            return Err(FetchError::new(
                url,
                FetchErrorKind::HttpStatus(status.as_u16()),
                format!("HTTP status {status}"),
            ));
        }
        if let Some(want) = &self.response_type {
            // Exact match, parameters included, as tspclient-go compares it.
            let got = resp.headers().get(reqwest::header::CONTENT_TYPE);
            if got.is_none_or(|v| v.as_bytes() != want.as_bytes()) {
                let shown = got.map_or_else(
                    || "none".to_string(),
                    |v| {
                        format!(
                            "{:?}",
                            notary_core::shown(&String::from_utf8_lossy(v.as_bytes()))
                        )
                    },
                );
                return Err(FetchError::new(
                    url,
                    FetchErrorKind::UnexpectedContentType,
                    format!("unexpected response content type {shown} (want {want})"),
                ));
            }
        }
        let max = u64::try_from(self.max).unwrap_or(u64::MAX);
        if resp.content_length().is_some_and(|n| n >= max) {
            return Err(too_large(url, self.max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify(url, &e, self.timeout))?
        {
            let len = body
                .len()
                .checked_add(chunk.len())
                .ok_or_else(|| too_large(url, self.max))?;
            if len >= self.max {
                return Err(too_large(url, self.max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The first error of type `T` in `e`'s source chain (looking inside `io::Error` wrappers).
fn find_in_chain<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur = Some(e);
    for _ in 0..MAX_ERROR_DEPTH {
        let err = cur?;
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        // `io::Error::source` skips the wrapped error itself: step into it instead.
        cur = match err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => err.source(),
        };
    }
    None
}

/// `e` and its causes, each once.
fn chain_text(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    for _ in 0..MAX_ERROR_DEPTH {
        let Some(err) = cur else { break };
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

fn classify(url: &str, e: &reqwest::Error, timeout: Duration) -> FetchError {
    let chain = chain_text(e);
    if let Some(dns) = find_in_chain::<DnsTimeout>(e) {
        return FetchError::new(url, FetchErrorKind::Timeout, dns.to_string());
    }
    if e.is_timeout() {
        return FetchError::new(
            url,
            FetchErrorKind::Timeout,
            format!("timed out after {timeout:?}: {chain}"),
        );
    }
    let kind = if find_in_chain::<rustls::Error>(e).is_some() {
        FetchErrorKind::Tls
    } else if e.is_connect() {
        FetchErrorKind::Unreachable
    } else {
        FetchErrorKind::Transport
    };
    FetchError::new(url, kind, chain)
}

/// A DNS lookup that did not finish in time.
#[derive(Debug)]
struct DnsTimeout {
    host: String,
    after: Duration,
}

impl fmt::Display for DnsTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DNS resolution of {} timed out after {:?}",
            self.host, self.after
        )
    }
}

impl StdError for DnsTimeout {}

/// The system resolver with a deadline (reqwest's default has none of its own).
struct TimedResolver {
    timeout: Duration,
}

type BoxError = Box<dyn StdError + Send + Sync>;

async fn resolve_within(
    host: String,
    after: Duration,
    lookup: impl Future<Output = std::io::Result<Vec<SocketAddr>>>,
) -> Result<reqwest::dns::Addrs, BoxError> {
    match tokio::time::timeout(after, lookup).await {
        Ok(Ok(addrs)) => Ok(Box::new(addrs.into_iter())),
        Ok(Err(e)) => Err(Box::new(e)),
        Err(_) => Err(Box::new(DnsTimeout { host, after })),
    }
}

impl reqwest::dns::Resolve for TimedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let after = self.timeout;
        Box::pin(async move {
            let lookup = {
                let host = host.clone();
                async move {
                    tokio::net::lookup_host((host.as_str(), 0))
                        .await
                        .map(Iterator::collect)
                }
            };
            resolve_within(host, after, lookup).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_lookups_that_hang_time_out() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let start = std::time::Instant::now();
        let e = rt
            .block_on(resolve_within(
                "hangs.example".into(),
                Duration::from_millis(200),
                std::future::pending(),
            ))
            .err()
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(e.downcast_ref::<DnsTimeout>().is_some(), "{e}");
        assert!(e.to_string().contains("hangs.example"), "{e}");
    }

    #[test]
    fn proxy_environment_as_go_reads_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            ProxyConfig::from_lookup(move |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        let c = env(&[
            ("HTTP_PROXY", "http://up:3128"),
            ("http_proxy", "http://low:3128"),
            ("https_proxy", "low-s:8443"),
            ("no_proxy", "internal.example"),
        ]);
        assert_eq!(c.http.as_deref(), Some("http://up:3128"));
        assert_eq!(c.https.as_deref(), Some("low-s:8443"));
        assert_eq!(c.no_proxy.as_deref(), Some("internal.example"));
        // httpoxy: HTTP_PROXY is not trusted in a CGI process.
        let c = env(&[("HTTP_PROXY", "http://up:3128"), ("REQUEST_METHOD", "GET")]);
        assert_eq!(c.http, None);
        // A bare host:port is an http proxy; other schemes and control characters are refused.
        assert_eq!(
            proxy_url("P", "proxy.local:3128").unwrap().as_str(),
            "http://proxy.local:3128/"
        );
        assert!(proxy_url("P", "ftp://proxy.local").is_err());
        assert!(proxy_url("P", "http://proxy\r\n.local").is_err());
        // Credentials never reach Debug output.
        let c = ProxyConfig::none().http("http://user:secret@proxy.local:3128");
        assert!(!format!("{c:?}").contains("secret"));
    }
}
