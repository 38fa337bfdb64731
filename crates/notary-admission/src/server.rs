//! The HTTPS server: `/validate` (AdmissionReview), `/healthz`, `/readyz`, `/metrics`, over
//! HTTP/1.1 or h2 (the API server takes h2 when offered), with the certificate and key read from
//! mounted files and reloaded when they change.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::Error;
use crate::metrics::inc;
use crate::webhook::Webhook;

/// The path the `ValidatingWebhookConfiguration` points at.
pub const VALIDATE_PATH: &str = "/validate";

/// Where the serving certificate and key live, and how often to look for a new pair.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// How often the files' modification times are compared.
    pub reload_interval: Duration,
}

impl TlsFiles {
    /// Certificate and key files, checked for changes every 10 seconds.
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Self {
            cert: cert.into(),
            key: key.into(),
            reload_interval: Duration::from_secs(10),
        }
    }

    fn stamp(&self) -> Option<(SystemTime, u64, SystemTime, u64)> {
        let c = std::fs::metadata(&self.cert).ok()?;
        let k = std::fs::metadata(&self.key).ok()?;
        Some((c.modified().ok()?, c.len(), k.modified().ok()?, k.len()))
    }

    /// Reads the pair into a server configuration offering h2 and HTTP/1.1.
    pub fn load(&self) -> Result<Arc<ServerConfig>, Error> {
        let tls = |what: &str, e: &dyn std::fmt::Display| Error::Tls {
            reason: format!("{what}: {e}"),
        };
        let certs = CertificateDer::pem_file_iter(&self.cert)
            .map_err(|e| tls(&self.cert.display().to_string(), &e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls(&self.cert.display().to_string(), &e))?;
        if certs.is_empty() {
            return Err(Error::Tls {
                reason: format!("{}: no certificate", self.cert.display()),
            });
        }
        let key = PrivateKeyDer::from_pem_file(&self.key)
            .map_err(|e| tls(&self.key.display().to_string(), &e))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls("protocol versions", &e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| tls("certificate and key", &e))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn text(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    r
}

/// How long a review without a `timeout` parameter waits for a slot. The API server always
/// sends one; for other clients a second absorbs a burst without holding their request long.
const SLOT_WAIT: Duration = Duration::from_secs(1);

/// The slots of the reviews in flight, taken before a body is read.
struct ReviewSlots {
    slots: Arc<Semaphore>,
    max: usize,
    /// Set from the first refusal until a review finds a slot free, to warn once per stretch.
    saturated: AtomicBool,
}

impl ReviewSlots {
    fn new(max: usize) -> Self {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(max)),
            max,
            saturated: AtomicBool::new(false),
        }
    }

    /// A slot, waiting at most `wait` for one (first come, first served); `None` if none came.
    async fn acquire(&self, wait: Duration) -> Option<OwnedSemaphorePermit> {
        if let Ok(p) = self.slots.clone().try_acquire_owned() {
            self.saturated.store(false, Ordering::Relaxed);
            return Some(p);
        }
        if let Ok(Ok(p)) = tokio::time::timeout(wait, self.slots.clone().acquire_owned()).await {
            return Some(p);
        }
        if !self.saturated.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                max_reviews_in_flight = self.max,
                "review limit reached; reviews that find no slot within their time budget get 429"
            );
        }
        None
    }
}

async fn handle(
    webhook: Arc<Webhook>,
    reviews: Arc<ReviewSlots>,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    match (req.method(), path.as_str()) {
        (&Method::GET, "/healthz") => text(StatusCode::OK, "text/plain", "ok\n"),
        (&Method::GET, "/readyz") => match webhook.ready() {
            Ok(()) => text(StatusCode::OK, "text/plain", "ok\n"),
            Err(e) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                format!("{e}\n"),
            ),
        },
        (&Method::GET, "/metrics") => text(
            StatusCode::OK,
            "text/plain; version=0.0.4",
            webhook.metrics_text(),
        ),
        (&Method::POST, VALIDATE_PATH) => {
            let start = Instant::now();
            let budget = req.uri().query().and_then(budget_of);
            // A slot before the body: waiting requests hold no more than their flow-control
            // window. Past the budget the API server gives up anyway; without the uid in the
            // body there is no AdmissionReview to answer, so the API server's failurePolicy
            // decides, as for a timeout.
            let Some(_slot) = reviews.acquire(budget.unwrap_or(SLOT_WAIT)).await else {
                let m = webhook.metrics();
                inc(&m.reviews);
                inc(&m.throttled);
                m.observe(start.elapsed());
                let mut r = text(
                    StatusCode::TOO_MANY_REQUESTS,
                    "text/plain",
                    "notary-admission: too many reviews in flight, retry shortly\n",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                return r;
            };
            // The wait comes out of the budget.
            let budget = budget.map(|b| b.saturating_sub(start.elapsed()));
            let max = webhook.settings().max_review_bytes;
            // One byte over the limit is enough to know it is too large.
            let limited = Limited::new(req.into_body(), max.saturating_add(1));
            // The body must arrive within the review's budget (else the header timeout): a
            // client that sends headers and then stalls would otherwise hold its slot forever.
            let read_within = budget.unwrap_or(webhook.settings().header_read_timeout);
            let Ok(read) = tokio::time::timeout(read_within, limited.collect()).await else {
                let m = webhook.metrics();
                inc(&m.reviews);
                inc(&m.malformed);
                m.observe(start.elapsed());
                return text(
                    StatusCode::REQUEST_TIMEOUT,
                    "text/plain",
                    format!(
                        "notary-admission: the request body did not arrive within {} ms\n",
                        read_within.as_millis()
                    ),
                );
            };
            let response = match read {
                Ok(body) => {
                    let body = body.to_bytes();
                    match webhook.review_within(&body, budget).await {
                        Ok(r) => text(StatusCode::OK, "application/json", r.to_review_json()),
                        Err(e) => text(StatusCode::BAD_REQUEST, "text/plain", format!("{e}\n")),
                    }
                }
                Err(e) => {
                    let m = webhook.metrics();
                    inc(&m.reviews);
                    inc(&m.malformed);
                    let reason = if e.is::<http_body_util::LengthLimitError>() {
                        format!("the body exceeds the limit of {max} bytes")
                    } else {
                        format!("cannot read the body: {e}")
                    };
                    text(
                        StatusCode::BAD_REQUEST,
                        "text/plain",
                        format!("{}\n", Error::MalformedReview { reason }),
                    )
                }
            };
            webhook.metrics().observe(start.elapsed());
            response
        }
        (_, "/healthz" | "/readyz" | "/metrics" | VALIDATE_PATH) => text(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "method not allowed\n",
        ),
        _ => text(StatusCode::NOT_FOUND, "text/plain", "not found\n"),
    }
}

/// The time to answer a review the API server allows (its `?timeout=10s` query parameter, a
/// Go duration in whole or fractional seconds), less a margin for the response's way back and
/// for the API server's rounding: it sends the time it has left rounded up to whole seconds,
/// so up to a second more than it will wait (one second, or half of a shorter timeout).
fn budget_of(query: &str) -> Option<Duration> {
    let value = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("timeout="))?;
    let (number, unit) = match value.strip_suffix("ms") {
        Some(n) => (n, 0.001),
        None => (value.strip_suffix('s')?, 1.0),
    };
    let secs = number.parse::<f64>().ok()? * unit;
    let total = Duration::try_from_secs_f64(secs).ok()?;
    let margin = Duration::from_secs(1).min(total.checked_div(2).unwrap_or_default());
    Some(total.saturating_sub(margin))
}

/// Fewest connections allowed in their TLS handshake at once (else four times the served
/// connections' limit).
const MIN_HANDSHAKES: usize = 1024;

/// Longest a TLS handshake may take (else the header read timeout, if shorter).
const MAX_HANDSHAKE_TIME: Duration = Duration::from_secs(10);

/// The HTTP server of a connection whose TLS handshake negotiated `alpn`: h2 when it says so,
/// else HTTP/1.1 (Go's servers do the same), never a guess from the first bytes, which would
/// wait for them without a time limit.
fn http_builder(
    alpn: Option<&[u8]>,
    header_read_timeout: Duration,
    max_streams: u32,
) -> auto::Builder<TokioExecutor> {
    let builder = auto::Builder::new(TokioExecutor::new());
    let mut builder = if alpn == Some(b"h2".as_slice()) {
        builder.http2_only()
    } else {
        builder.http1_only()
    };
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    // Pings drop connections whose peer vanished (a node gone without a FIN), which would
    // otherwise hold one of the connection slots for good. The stream limit tells the client
    // the review bound in SETTINGS: streams past it would only wait for a slot.
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(max_streams)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(10));
    builder
}

/// Serves `webhook` on `listener` over TLS until `shutdown` completes. The certificate pair is
/// loaded once up front (an unusable pair is an error) and then reloaded whenever the files
/// change; a changed pair that does not load is reported on stderr and the previous one kept.
///
/// At most `max_connections` of the webhook's settings are served at once once their TLS
/// handshake is done (a further one waits for a slot as long as a request's headers may take);
/// four times as many (at least 1024) may be in their handshake, which must end within the
/// header timeout (10 s at most), and further ones wait in the listen backlog. A connection
/// must deliver request headers within
/// `header_read_timeout` (HTTP/1.1: each request, so idle keep-alive connections are closed
/// too; h2: its first request, later idle time is the API server's long-lived connection) or
/// it is closed.
///
/// At most `max_reviews_in_flight` `/validate` requests are handled at once, over all
/// connections (each h2 connection also advertises it as its stream limit). A slot is taken
/// before the body is read; a request that finds none waits up to its time budget (the
/// `timeout` query parameter, else one second), then gets `429 Too Many Requests` with
/// `Retry-After: 1`.
pub async fn serve(
    listener: TcpListener,
    webhook: Arc<Webhook>,
    tls: TlsFiles,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let config = Arc::new(RwLock::new(tls.load()?));
    let reloader = {
        let (config, tls) = (config.clone(), tls.clone());
        tokio::spawn(async move {
            let mut stamp = tls.stamp();
            let mut tick = tokio::time::interval(tls.reload_interval);
            loop {
                tick.tick().await;
                let now = tls.stamp();
                if now == stamp {
                    continue;
                }
                match tls.load() {
                    Ok(c) => {
                        *config.write().unwrap_or_else(|e| e.into_inner()) = c;
                        stamp = now;
                        eprintln!("notary-admission: reloaded the TLS certificate");
                    }
                    // Secrets are updated file by file: the pair may be half written. Try
                    // again on the next tick.
                    Err(e) => eprintln!("notary-admission: keeping the previous certificate: {e}"),
                }
            }
        })
    };
    let max_connections = webhook.settings().max_connections.max(1);
    let header_read_timeout = webhook.settings().header_read_timeout;
    let reviews = Arc::new(ReviewSlots::new(webhook.settings().max_reviews_in_flight));
    let max_streams = u32::try_from(reviews.max).unwrap_or(u32::MAX);
    let slots = Arc::new(Semaphore::new(max_connections));
    // Connections still in their TLS handshake are counted apart, under a larger bound and
    // the header timeout: sockets that connect and send nothing (from one client, hundreds of
    // them) then hold none of the slots of served connections, so the API server's next
    // connection still gets through (it waited behind them in the backlog, past its timeout).
    let handshakes = Arc::new(Semaphore::new(
        max_connections.saturating_mul(4).max(MIN_HANDSHAKES),
    ));
    let handshake_timeout = header_read_timeout.min(MAX_HANDSHAKE_TIME);
    // Warn once per stretch at the limit, not once per connection.
    let mut saturated = false;
    let mut shutdown = std::pin::pin!(shutdown);
    let result = loop {
        // A handshake slot first, then the connection: at the limit, new clients wait in the
        // backlog.
        let permit = match handshakes.clone().try_acquire_owned() {
            Ok(p) => {
                saturated = false;
                p
            }
            Err(_) => {
                if !saturated {
                    saturated = true;
                    tracing::warn!(
                        max_connections,
                        "connection limit reached (connections in their TLS handshake); new connections wait until one closes"
                    );
                }
                tokio::select! {
                    p = handshakes.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break Ok(()),
                    },
                    () = &mut shutdown => break Ok(()),
                }
            }
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break Ok(()),
        };
        let (tcp, _) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                eprintln!("notary-admission: accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Responses go out in one write; no reason to wait for Nagle.
        let _ = tcp.set_nodelay(true);
        let acceptor = TlsAcceptor::from(config.read().unwrap_or_else(|e| e.into_inner()).clone());
        let (webhook, reviews, slots) = (webhook.clone(), reviews.clone(), slots.clone());
        tokio::spawn(async move {
            let Ok(Ok(stream)) =
                tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await
            else {
                return;
            };
            drop(permit);
            // A served connection's slot, held until it ends; at the limit it waits for one
            // as long as a request's headers may take.
            let _permit = match slots.clone().try_acquire_owned() {
                Ok(p) => p,
                Err(_) => {
                    tracing::warn!(
                        max_connections,
                        "connection limit reached; a new connection waits for one to close"
                    );
                    match tokio::time::timeout(header_read_timeout, slots.acquire_owned()).await {
                        Ok(Ok(p)) => p,
                        _ => return,
                    }
                }
            };
            let builder = http_builder(
                stream.get_ref().1.alpn_protocol(),
                header_read_timeout,
                max_streams,
            );
            let started = Arc::new(AtomicBool::new(false));
            let service = {
                let started = started.clone();
                hyper::service::service_fn(move |req| {
                    started.store(true, Ordering::Relaxed);
                    let (webhook, reviews) = (webhook.clone(), reviews.clone());
                    async move { Ok::<_, Infallible>(handle(webhook, reviews, req).await) }
                })
            };
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                () = tokio::time::sleep(header_read_timeout) => {}
            }
            // HTTP/1.1 enforces the header timeout itself; an h2 client that has not sent a
            // whole request by now is not the API server, and its connection is dropped.
            if started.load(Ordering::Relaxed) {
                let _ = connection.await;
            } else {
                tracing::debug!("closing a connection that sent no request in time");
            }
        });
    };
    reloader.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_servers_timeout_parameter_sets_the_budget() {
        assert_eq!(budget_of("timeout=10s"), Some(Duration::from_secs(9)));
        assert_eq!(
            budget_of("a=b&timeout=1.5s"),
            Some(Duration::from_millis(750))
        );
        assert_eq!(budget_of("timeout=800ms"), Some(Duration::from_millis(400)));
        assert_eq!(budget_of("timeout=10"), None);
        assert_eq!(budget_of("timeout=-1s"), None);
        assert_eq!(budget_of("other=1s"), None);
    }
}
