//! Sending requests to the registry: the HTTP client and its redirect policy, retries with
//! backoff, size-capped body reads and the origin checks that keep credentials on the registry.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};

use super::{RemoteOptions, RemoteRepository};
use crate::error::Error;

/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Most redirects followed for one request (blob GETs are redirected to storage once or twice).
const MAX_REDIRECTS: usize = 10;

/// Whether two URLs share an origin: scheme, host and port (the default port of the scheme
/// when none is written).
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The error the redirect policy stops an HTTPS-to-HTTP redirect with; `send` finds it in the
/// transport error's sources and reports [`Error::InsecureDowngrade`].
#[derive(Debug)]
struct DowngradeRedirect {
    from: String,
    to: String,
}

impl std::fmt::Display for DowngradeRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redirect from {} to {} refused", self.from, self.to)
    }
}

impl std::error::Error for DowngradeRedirect {}

fn downgrade_in(e: &reqwest::Error) -> Option<&DowngradeRedirect> {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(d) = s.downcast_ref::<DowngradeRedirect>() {
            return Some(d);
        }
        src = s.source();
    }
    None
}

/// The redirect policy of the client of the registry at `origin`. Redirects are followed only
/// for requests that started at the registry's `/v2/` API (a blob GET sent on to storage or a
/// CDN): token requests and anything else stop at the redirect, so a token server cannot send
/// a refresh token or a password on to another origin. HTTPS is never downgraded to HTTP.
/// reqwest itself drops `Authorization` on every hop that changes scheme, host or port.
fn redirect_policy(origin: reqwest::Url) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let previous = attempt.previous();
        let from_api = previous
            .first()
            .is_some_and(|u| same_origin(u, &origin) && u.path().starts_with("/v2/"));
        let downgrade = previous
            .last()
            .filter(|from| from.scheme() == "https" && attempt.url().scheme() != "https")
            .map(|from| DowngradeRedirect {
                from: from.to_string(),
                to: attempt.url().to_string(),
            });
        let too_many = previous.len() > MAX_REDIRECTS;
        if !from_api {
            attempt.stop()
        } else if let Some(d) = downgrade {
            attempt.error(d)
        } else if too_many {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// The HTTP client of the registry at `origin`: timeouts, connection pool, the redirect policy
/// and the trusted roots of `options`.
pub(super) fn http_client(
    options: &RemoteOptions,
    origin: &reqwest::Url,
) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .user_agent(options.user_agent.clone())
        .timeout(options.timeout)
        // A stalled connection is given up after this long without a byte, whatever deadline
        // the request has (a large blob's is longer, see `send_for`).
        .read_timeout(options.timeout)
        .connect_timeout(options.timeout.min(Duration::from_secs(30)))
        .pool_max_idle_per_host(32)
        .redirect(redirect_policy(origin.clone()));
    let mut roots = Vec::new();
    for pem in &options.ca_certificates_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| Error::Config {
            reason: format!("CA bundle: {e}"),
        })?;
        if certs.is_empty() {
            return Err(Error::Config {
                reason: "CA bundle holds no PEM certificate".into(),
            });
        }
        roots.extend(certs);
    }
    // Go's `ProxyFromEnvironment` never proxies `localhost` or a loopback address, so a local
    // registry works for notation users whose environment sets a proxy; so does it here.
    if origin.host_str().is_some_and(is_loopback) {
        builder = builder.no_proxy();
    }
    if options.plain_http {
        // No TLS will happen: skip loading the platform's roots (hundreds of files read and
        // parsed at start-up, most of a short CLI run against a local registry).
        builder = builder.tls_certs_only(roots);
    } else if !roots.is_empty() {
        builder = builder.tls_certs_merge(roots);
    }
    builder.build().map_err(|e| Error::Config {
        reason: e.to_string(),
    })
}

/// Whether a URL's host is `localhost` or a loopback address (`[::1]` as URLs write it).
fn is_loopback(host: &str) -> bool {
    let ip = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    host.eq_ignore_ascii_case("localhost")
        || ip
            .unwrap_or(host)
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `e` and its sources, with the URL reqwest names in it redacted as in logs: after a redirect
/// that is the storage URL, whose query may be a pre-signed grant (`X-Amz-Signature`, a SAS).
/// reqwest's own "error sending request for url (...)" is left out (the operation names the
/// URL already), and a refused connection reads as Go's net package words it
/// (`dial tcp HOST:PORT: connect: connection refused`), as notation prints it (likewise a
/// refused certificate, an unknown host, and `EOF` for a connection closed unanswered).
fn describe(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let (mut refused, mut reset) = (false, false);
    if !(e.is_request() && e.to_string().starts_with("error sending request")) {
        parts.push(e.to_string());
    }
    let mut tls = None;
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let io = s.downcast_ref::<std::io::Error>();
        refused |= io.is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        reset |= io.is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset);
        tls = tls.or_else(|| rustls_error(s));
        let text = s.to_string();
        // hyper-util's wrapper ("client error (SendRequest)") says nothing the rest does not.
        if !text.starts_with("client error (") {
            parts.push(text);
        }
        src = s.source();
    }
    // The connection closed before an answer, or inside a body: what Go calls it; a reset in
    // the words Go ends it with (it names the local address first, which hyper does not tell).
    if parts.iter().any(|p| {
        p.contains("connection closed before message completed")
            || p.contains("end of file before message length reached")
    }) {
        return if e.is_body() || e.is_decode() {
            "unexpected EOF"
        } else {
            "EOF"
        }
        .into();
    }
    if reset {
        return "read: connection reset by peer".into();
    }
    if e.is_connect()
        && let Some(u) = e.url()
        && let (Some(host), Some(port)) = (u.host_str(), u.port_or_known_default())
    {
        let said = |what: &str| parts.iter().any(|p| p.contains(what));
        if refused {
            return format!("dial tcp {host}:{port}: connect: connection refused");
        }
        // rustls reading a plain HTTP answer as a TLS record.
        if u.scheme() == "https"
            && matches!(
                tls,
                Some(rustls::Error::InvalidMessage(
                    rustls::InvalidMessage::InvalidContentType
                ))
            )
        {
            return "http: server gave HTTP response to HTTPS client".into();
        }
        if let Some(rustls::Error::InvalidCertificate(c)) = tls
            && let Some(why) = x509_words(c, host)
        {
            return format!("tls: failed to verify certificate: x509: {why}");
        }
        if said("dns error")
            && (said("Name or service not known") || said("No address associated with hostname"))
        {
            return format!("dial tcp: lookup {host}: no such host");
        }
    }
    let reason = if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    };
    match e.url() {
        Some(u) => reason.replace(u.as_str(), &redact_url(u.as_str())),
        None => reason,
    }
}

/// The rustls error in `e`: it travels inside io::Errors (two, from hyper-rustls), whose
/// `source` skips what they wrap.
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur = e;
    for _ in 0..4 {
        if let Some(r) = cur.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        cur = cur.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
    None
}

/// A refused server certificate in the words of Go's crypto/x509, which notation prints;
/// `None` where rustls knows less than Go says (its words are kept then).
fn x509_words(c: &rustls::CertificateError, host: &str) -> Option<String> {
    use rustls::CertificateError as C;
    let at = |t: &rustls::pki_types::UnixTime| {
        let t = time::OffsetDateTime::from_unix_timestamp(t.as_secs().try_into().ok()?).ok()?;
        notary_core::timefmt::format_rfc3339(t).ok()
    };
    let expired = "certificate has expired or is not yet valid: current time";
    Some(match c {
        C::UnknownIssuer => "certificate signed by unknown authority".into(),
        C::ExpiredContext { time, not_after } => {
            format!("{expired} {} is after {}", at(time)?, at(not_after)?)
        }
        C::NotValidYetContext { time, not_before } => {
            format!("{expired} {} is before {}", at(time)?, at(not_before)?)
        }
        C::NotValidForNameContext { presented, .. } => {
            // webpki lists the names as `DnsName("a.example")` and `IpAddress(10.0.0.1)`.
            let names = |kind: &str| -> Vec<String> {
                presented
                    .iter()
                    .filter_map(|p| p.strip_prefix(kind)?.strip_prefix('(')?.strip_suffix(')'))
                    .map(|n| n.trim_matches('"').to_string())
                    .collect()
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let valid = if host.parse::<std::net::IpAddr>().is_ok() {
                let ips = names("IpAddress");
                if ips.is_empty() {
                    return Some(format!(
                        "cannot validate certificate for {host} because it doesn't contain any IP SANs"
                    ));
                }
                // Go prints each address in its canonical form, as Rust's IpAddr does.
                ips.iter()
                    .map(|ip| {
                        ip.parse::<std::net::IpAddr>()
                            .map_or(ip.clone(), |a| a.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                names("DnsName").join(", ")
            };
            if valid.is_empty() {
                format!("certificate is not valid for any names, but wanted to match {host}")
            } else {
                format!("certificate is valid for {valid}, not {host}")
            }
        }
        _ => return None,
    })
}

/// A request as oras-go names it in an error: the method and the quoted URL, `GET "URL"`.
pub(super) fn http_op(method: &str, url: &(impl AsRef<str> + ?Sized)) -> String {
    format!("{method} {:?}", url.as_ref())
}

/// A failed request in Go's HTTP client's words: the method in its case (`Head "URL": ...`),
/// as notation prints a connection failure.
pub(super) fn network(operation: &str, e: &reqwest::Error) -> Error {
    let mut reason = describe(e);
    if e.is_timeout() {
        reason = format!("timed out ({reason})");
    }
    let operation = match operation.split_once(' ') {
        Some((m, rest)) if m.len() > 1 && m.bytes().all(|b| b.is_ascii_uppercase()) => {
            format!("{}{} {rest}", &m[..1], m[1..].to_ascii_lowercase())
        }
        _ => operation.to_string(),
    };
    Error::Network { operation, reason }
}

/// Most bytes of an error answer's body read for its message.
const ERROR_BODY_CAP: u64 = 64 * 1024;

/// Most characters of a registry's error message repeated in an [`Error`].
const MAX_MESSAGE_CHARS: usize = 300;

/// An error body of the distribution spec: `{"errors": [{"code": ..., "message": ...}]}`.
#[derive(serde::Deserialize)]
struct ErrorBody {
    errors: Vec<ErrorEntry>,
}

#[derive(serde::Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// Whether a distribution-spec error body carries `code`.
pub(super) fn has_error_code(body: &[u8], code: &str) -> bool {
    serde_json::from_slice::<ErrorBody>(body).is_ok_and(|e| e.errors.iter().any(|e| e.code == code))
}

/// The `errors[].code` and `message`s of a distribution-spec error body, or the body's start:
/// at most [`MAX_MESSAGE_CHARS`] characters, control characters and bidirectional overrides
/// replaced. The registry writes it and errors reach terminals, logs and admission denials.
pub(super) fn error_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => {
            let mut text = String::new();
            for e in &e.errors {
                if text.len() > MAX_MESSAGE_CHARS {
                    break;
                }
                if !text.is_empty() {
                    text.push_str("; ");
                }
                // oras-go's words for an error: the code in lower case with spaces, a colon,
                // the message (`manifest unknown: manifest unknown`).
                let code = e.code.replace('_', " ").to_lowercase();
                match (code.is_empty(), e.message.is_empty()) {
                    (false, false) => text.push_str(&format!("{code}: {}", e.message)),
                    (false, true) => text.push_str(&code),
                    _ => text.push_str(&e.message),
                }
            }
            text
        }
        Err(_) => String::from_utf8_lossy(body.get(..MAX_MESSAGE_CHARS).unwrap_or(body)).into(),
    };
    let mut out = String::new();
    for (i, c) in text.trim().chars().enumerate() {
        if i == MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        out.push(match c {
            '\t' | '\n' | '\r' => ' ',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
            c if c.is_control() => '\u{fffd}',
            c => c,
        });
    }
    out
}

fn retryable_status(s: StatusCode) -> bool {
    s == StatusCode::TOO_MANY_REQUESTS
        || s == StatusCode::INTERNAL_SERVER_ERROR
        || s == StatusCode::BAD_GATEWAY
        || s == StatusCode::SERVICE_UNAVAILABLE
        || s == StatusCode::GATEWAY_TIMEOUT
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(header::RETRY_AFTER)?.to_str().ok()?;
    v.trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER))
}

/// A request body shared by retries.
pub(super) struct Body {
    pub(super) bytes: Bytes,
    pub(super) content_type: &'static str,
}

impl RemoteRepository {
    /// Sends a request, answering one auth challenge and retrying 429/5xx and connection
    /// failures with backoff (a timed-out request once). Returns the final response whatever
    /// its status.
    pub(super) async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(header::HeaderName, &str)],
        body: Option<&Body>,
        class: &'static str,
        retry: bool,
    ) -> Result<reqwest::Response, Error> {
        self.send_for(method, url, headers, body, class, retry, None)
            .await
    }

    /// [`Self::send`] with a deadline of its own for the whole exchange, body included (a
    /// large blob's download may take longer than the client's timeout at an honest rate).
    #[allow(clippy::too_many_arguments)] // `send`'s, and the deadline
    pub(super) async fn send_for(
        &self,
        method: Method,
        url: &str,
        headers: &[(header::HeaderName, &str)],
        body: Option<&Body>,
        class: &'static str,
        retry: bool,
        deadline: Option<Duration>,
    ) -> Result<reqwest::Response, Error> {
        let op = http_op(method.as_str(), url);
        // Every request carries the registry's credentials: never to another origin.
        self.check_origin(url, "request")?;
        let mut attempt = 0u32;
        let mut timeouts = 0u32;
        let mut authenticated = false;
        if class == "push" {
            self.prepare_push_token().await;
        }
        loop {
            // A connection goes back to the pool only once its task has run after the previous
            // response ended (body read or dropped unread): without this turn, a request sent
            // right after another (listing, manifest, envelope; HEAD, POST, PUT) finds the pool
            // empty and opens a second connection to the registry.
            tokio::task::yield_now().await;
            let mut req = self.inner.http.request(method.clone(), url);
            if let Some(d) = deadline {
                req = req.timeout(d);
            }
            for (k, v) in headers {
                req = req.header(k, *v);
            }
            if let Some(b) = body {
                req = req
                    .header(header::CONTENT_TYPE, b.content_type)
                    .body(b.bytes.clone());
            }
            let sent_auth = self.auth_header(class);
            if let Some(h) = sent_auth.clone() {
                req = req.header(header::AUTHORIZATION, h);
            }
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            // Only for the log: how long the response took (headers, not the body).
            let started = std::time::Instant::now();
            let sent = req.send().await;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            // Method, URL (secrets redacted), status and size; never a header value, so neither
            // the credentials nor the token of `Authorization` can reach a log.
            match &sent {
                Ok(resp) => tracing::debug!(
                    method = %method,
                    url = %redact_url(url),
                    status = resp.status().as_u16(),
                    bytes = resp.content_length(),
                    sent = body.map(|b| b.bytes.len()),
                    attempt,
                    ms = format_args!("{ms:.1}"),
                    "HTTP request"
                ),
                Err(e) => tracing::debug!(
                    method = %method,
                    url = %redact_url(url),
                    error = %describe(e),
                    attempt,
                    ms = format_args!("{ms:.1}"),
                    "HTTP request failed"
                ),
            }
            let delay = match sent {
                Err(e) if downgrade_in(&e).is_some() => {
                    let (from, to) = downgrade_in(&e)
                        .map(|d| (d.from.clone(), d.to.clone()))
                        .unwrap_or_default();
                    return Err(Error::InsecureDowngrade {
                        registry: self.inner.registry.clone(),
                        from,
                        to,
                    });
                }
                Err(e) => {
                    // A request that timed out is tried once more, not up to the retry limit:
                    // a registry that stalls would otherwise hold each request five timeouts.
                    let timed_out_before = e.is_timeout() && timeouts > 0;
                    timeouts = timeouts.saturating_add(u32::from(e.is_timeout()));
                    if retry
                        && attempt < self.inner.options.max_retries
                        && !e.is_builder()
                        && !e.is_redirect()
                        && !timed_out_before
                    {
                        self.backoff(attempt)
                    } else {
                        return Err(network(&op, &e));
                    }
                }
                Ok(resp)
                    if resp.status() == StatusCode::UNAUTHORIZED
                        && !same_origin(resp.url(), &self.inner.origin) =>
                {
                    // A redirect target (blob storage, a CDN) asking for credentials: its
                    // challenge is not answered, whatever realm it names.
                    return Err(Error::ForeignOrigin {
                        registry: self.inner.registry.clone(),
                        url: redact_url(resp.url().as_str()),
                        reason: "the redirect target answered 401 asking for credentials; the registry's credentials and tokens are sent only to the registry".into(),
                    });
                }
                Ok(resp) if resp.status() == StatusCode::UNAUTHORIZED && !authenticated => {
                    let challenge = resp
                        .headers()
                        .get(header::WWW_AUTHENTICATE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            self.auth_error("HTTP 401 without a WWW-Authenticate challenge")
                        })?;
                    tracing::debug!(
                        scheme = challenge.split_whitespace().next().unwrap_or_default(),
                        class,
                        "authentication challenge"
                    );
                    self.authenticate(&challenge, class, sent_auth.as_ref())
                        .await?;
                    authenticated = true;
                    continue;
                }
                Ok(resp) if resp.status() == StatusCode::UNAUTHORIZED => {
                    let body = read_error_body(resp).await;
                    // A HEAD's answer has no body to quote.
                    let said = error_message(&body);
                    let said = if said.is_empty() {
                        "401 Unauthorized".into()
                    } else {
                        said
                    };
                    // Only credentials that were sent can have been refused.
                    return Err(self.auth_error(if matches!(self.credential(), Ok(None)) {
                        format!(
                            "the registry refused an anonymous request: {said} (no credentials are configured for it; see `notary login`)"
                        )
                    } else {
                        format!("credentials refused: {said}")
                    }));
                }
                Ok(resp)
                    if retry
                        && retryable_status(resp.status())
                        && attempt < self.inner.options.max_retries =>
                {
                    retry_after(resp.headers()).unwrap_or_else(|| self.backoff(attempt))
                }
                Ok(resp) => return Ok(resp),
            };
            attempt = attempt.saturating_add(1);
            tracing::debug!(
                method = %method,
                url = %redact_url(url),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                attempt,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        self.inner
            .options
            .retry_base_delay
            .saturating_mul(1u32 << attempt.min(6))
            .min(MAX_RETRY_AFTER)
    }

    /// GETs `url` and reads its body under `cap`, retrying transport failures (dropped or
    /// truncated responses) as well as 429/5xx. Returns status, headers and body.
    pub(super) async fn get(
        &self,
        url: &str,
        accept: &str,
        cap: u64,
        what: &'static str,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), Error> {
        let op = http_op("GET", &url);
        let mut attempt = 0u32;
        let mut timed_out = false;
        loop {
            let resp = self
                .send(
                    Method::GET,
                    url,
                    &[(header::ACCEPT, accept)],
                    None,
                    "pull",
                    true,
                )
                .await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            // An error answer is read for its message under a cap of its own, so a refusal
            // with a long body reads as the refusal, not as content over the content's cap.
            let body = if status.is_success() {
                read_body_timed(resp, cap, &op, what).await
            } else {
                match read_body_timed(resp, ERROR_BODY_CAP, &op, what).await {
                    Err((Error::TooLarge { .. }, _)) => Ok(Vec::new()),
                    other => other,
                }
            };
            match body {
                Ok(b) => return Ok((status, headers, b)),
                // A body that timed out is read once more at most, as a request that timed out
                // is sent once more (`send`): a registry dripping its answers would otherwise
                // hold each read for every retry's full timeout.
                Err((e @ Error::Network { .. }, timeout))
                    if attempt < self.inner.options.max_retries && !(timeout && timed_out) =>
                {
                    timed_out |= timeout;
                    tracing::debug!(url = %redact_url(url), error = %e, attempt, "body read failed, retrying");
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt = attempt.saturating_add(1);
                }
                Err((e, _)) => return Err(e),
            }
        }
    }

    pub(super) fn unexpected(&self, op: String, status: StatusCode, body: &[u8]) -> Error {
        let mut message = error_message(body);
        if message.is_empty() {
            // What oras-go says of an answer without an error body.
            message = status.canonical_reason().unwrap_or_default().to_string();
        }
        Error::Http {
            operation: op,
            status: status.as_u16(),
            message,
        }
    }

    /// Refuses `url` unless it is on the registry's origin (scheme, host and port): an HTTPS
    /// registry pointing at HTTP is an [`Error::InsecureDowngrade`], any other origin an
    /// [`Error::ForeignOrigin`]. `what` names the URL's source for the message.
    pub(super) fn check_origin(&self, url: &str, what: &str) -> Result<(), Error> {
        let u = reqwest::Url::parse(url).map_err(|e| Error::Config {
            reason: format!("{what} {url:?}: {e}"),
        })?;
        let origin = &self.inner.origin;
        if same_origin(&u, origin) {
            return Ok(());
        }
        if origin.scheme() == "https" && u.scheme() != "https" {
            return Err(Error::InsecureDowngrade {
                registry: self.inner.registry.clone(),
                from: origin.to_string(),
                to: url.to_string(),
            });
        }
        Err(Error::ForeignOrigin {
            registry: self.inner.registry.clone(),
            url: url.to_string(),
            reason: format!(
                "{what} is on another origin; requests with the registry's credentials go only to {}://{}",
                origin.scheme(),
                origin.host_str().unwrap_or_default()
            ) + &origin.port().map(|p| format!(":{p}")).unwrap_or_default(),
        })
    }
}

/// Query parameters whose values are logged: pagination, filters and token scopes. Any other
/// value (an upload session's `_state`, a pre-signed storage signature, a token someone put in
/// a realm URL) is replaced, and user info is dropped.
const LOGGED_QUERY_KEYS: &[&str] = &[
    "service",
    "scope",
    "n",
    "last",
    "artifactType",
    "digest",
    "mount",
    "from",
];

/// `url` as it may be logged (see [`LOGGED_QUERY_KEYS`]).
pub(crate) fn redact_url(url: &str) -> String {
    let Ok(mut u) = reqwest::Url::parse(url) else {
        return "<unparsable URL>".to_string();
    };
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if LOGGED_QUERY_KEYS.contains(&k.as_ref()) {
                    v.into_owned()
                } else {
                    "REDACTED".to_string()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

pub(super) fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn is_transient(e: &Error) -> bool {
    match e {
        Error::Network { .. } => true,
        Error::Http { status, .. } => {
            *status == 429 || *status >= 500 || *status == 404 /* upload session lost */
        }
        _ => false,
    }
}

/// The body of an error answer, for its message: at most [`ERROR_BODY_CAP`] bytes, empty when
/// longer or unreadable (the status is the error then).
pub(super) async fn read_error_body(resp: reqwest::Response) -> Vec<u8> {
    read_capped(resp, ERROR_BODY_CAP, "error answer")
        .await
        .unwrap_or_default()
}

pub(super) async fn read_capped(
    resp: reqwest::Response,
    cap: u64,
    op: &str,
) -> Result<Vec<u8>, Error> {
    read_body(resp, cap, op, "response").await
}

/// Reads a body, refusing more than `cap` bytes before buffering them.
async fn read_body(
    resp: reqwest::Response,
    cap: u64,
    op: &str,
    what: &'static str,
) -> Result<Vec<u8>, Error> {
    read_body_timed(resp, cap, op, what)
        .await
        .map_err(|(e, _)| e)
}

/// [`read_body`], telling whether a failure was the request's timeout (`true`), which the
/// caller retries once only.
async fn read_body_timed(
    mut resp: reqwest::Response,
    cap: u64,
    op: &str,
    what: &'static str,
) -> Result<Vec<u8>, (Error, bool)> {
    let too_large = |size: u64| {
        let e = Error::TooLarge {
            what,
            digest: resp_url(op),
            size,
            max: cap,
        };
        (e, false)
    };
    if let Some(len) = resp.content_length()
        && len > cap
    {
        return Err(too_large(len));
    }
    let mut out = Vec::with_capacity(resp.content_length().unwrap_or(0).min(cap) as usize);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| (network(op, &e), e.is_timeout()))?
    {
        let total = (out.len() as u64).saturating_add(chunk.len() as u64);
        if total > cap {
            return Err(too_large(total));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn resp_url(op: &str) -> String {
    op.split_once(' ').map_or(op, |(_, u)| u).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_those_go_never_proxies() {
        for h in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "localhost.example",
            "10.0.0.1",
            "[::2]",
            "example.org",
            "::1x",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn error_bodies_are_summarised() {
        assert_eq!(
            error_message(
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
            ),
            "manifest unknown: manifest unknown"
        );
        assert_eq!(error_message(b"404 page not found\n"), "404 page not found");
    }

    #[test]
    fn error_messages_are_bounded_and_printable() {
        // Terminal escapes, a bidirectional override and newlines from a hostile registry.
        let hostile = serde_json::json!({"errors": [{
            "code": "DENIED",
            "message": "\u{1b}[2J\u{1b}]0;pwned\u{7}fake\nline \u{202e}txt.exe"
        }]});
        let m = error_message(hostile.to_string().as_bytes());
        assert!(
            !m.chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{m:?}"
        );
        assert!(
            m.starts_with("denied: ") && m.contains("fake line"),
            "{m:?}"
        );
        let raw = error_message(b"\x1b[31mred\x1b[0m");
        assert!(!raw.contains('\u{1b}'), "{raw:?}");
        // Ten thousand messages (a 4 MiB error body) are not all repeated.
        let many = serde_json::json!({
            "errors": vec![serde_json::json!({"code": "X", "message": "m".repeat(300)}); 10_000]
        });
        let m = error_message(many.to_string().as_bytes());
        assert!(m.chars().count() <= MAX_MESSAGE_CHARS + 1, "{}", m.len());
    }

    #[test]
    fn logged_urls_carry_no_user_info_and_no_unknown_query_value() {
        assert_eq!(
            redact_url(
                "https://user:hunter2@auth.example/token?service=reg&scope=repository:a:pull&access_token=s3cret"
            ),
            "https://auth.example/token?service=reg&scope=repository%3Aa%3Apull&access_token=REDACTED"
        );
        let upload =
            redact_url("http://localhost:5000/v2/a/blobs/uploads/u1?_state=abc&digest=sha256:00");
        assert!(!upload.contains("abc"), "{upload}");
        assert!(upload.contains("digest=sha256%3A00"), "{upload}");
        assert_eq!(
            redact_url("http://localhost:5000/v2/a/manifests/v1"),
            "http://localhost:5000/v2/a/manifests/v1"
        );
        assert_eq!(redact_url("not a url"), "<unparsable URL>");
    }
}
