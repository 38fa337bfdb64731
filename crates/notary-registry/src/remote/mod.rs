//! OCI registries over HTTP(S): the distribution-spec client of notary-rs.
//!
//! A thin client on `reqwest` (rustls on aws-lc-rs, tokio): the Notary workflows need a dozen
//! endpoints, and owning them lets every fetch be size-capped and digest-checked before it is
//! parsed, every retry be bounded, and the referrers tag schema be updated without ever
//! dropping an existing referrer.

mod auth;
mod reference;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use notary_core::{
    Descriptor, Digest, FetchedSignature, PushSignature, PushedSignature, SIGNATURE_ARTIFACT_TYPE,
    SignatureRepository,
};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};

pub use auth::{Anonymous, Credential, CredentialProvider, DockerConfig, StaticCredential};
pub use reference::RemoteReference;

use crate::error::Error;
use crate::manifest::{self, IMAGE_INDEX, IMAGE_MANIFEST, Manifest};
use crate::{MAX_ENVELOPE_SIZE, MAX_MANIFEST_SIZE};

/// Every manifest media type a registry may answer with, in the `Accept` header. Distribution
/// refuses OCI manifests to clients that do not list them, even by digest.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.oci.artifact.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";
/// Largest referrers index page or tag-schema index read.
const MAX_INDEX_SIZE: u64 = 4 * 1024 * 1024;
/// Most referrers pages followed.
const MAX_PAGES: usize = 256;
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

/// Options of a [`RemoteRepository`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RemoteOptions {
    /// Talk plain HTTP instead of HTTPS (test registries only).
    pub plain_http: bool,
    /// Extra trusted root certificates (PEM), added to the platform's roots.
    pub ca_certificates_pem: Vec<Vec<u8>>,
    /// Time limit of each HTTP request, body included.
    pub timeout: Duration,
    /// Retries of a request answered 429 or 5xx, or whose connection failed.
    pub max_retries: u32,
    /// First retry delay; doubles on each retry (a `Retry-After` header wins, up to 10 s).
    pub retry_base_delay: Duration,
    /// Always write the referrers tag schema index, even when the registry has the API
    /// (notation's `--force-referrers-tag`).
    pub force_referrers_tag: bool,
    /// The signature manifest form written.
    pub signature_manifest_form: manifest::SignatureManifestForm,
    /// Where credentials come from.
    pub credentials: Arc<dyn CredentialProvider>,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            plain_http: false,
            ca_certificates_pem: Vec::new(),
            timeout: Duration::from_secs(60),
            max_retries: 4,
            retry_base_delay: Duration::from_millis(200),
            force_referrers_tag: false,
            signature_manifest_form: manifest::SignatureManifestForm::default(),
            credentials: Arc::new(Anonymous),
            user_agent: concat!("notary-rs/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

#[derive(Default)]
struct AuthState {
    /// Set once the registry asked for Basic auth.
    basic: Option<HeaderValue>,
    /// Bearer tokens by access class (`pull`, `push`).
    tokens: HashMap<&'static str, HeaderValue>,
}

const REFERRERS_UNKNOWN: u8 = 0;
const REFERRERS_API: u8 = 1;
const REFERRERS_TAG_SCHEMA: u8 = 2;

struct Inner {
    http: reqwest::Client,
    base: String,
    /// The registry the user addressed: the only origin that gets credentials and tokens, and
    /// whose auth challenges are answered.
    origin: reqwest::Url,
    registry: String,
    repository: String,
    options: RemoteOptions,
    auth: std::sync::Mutex<AuthState>,
    referrers: AtomicU8,
    requests: AtomicU64,
    // Serialises read-modify-write cycles of referrers tag indexes within this process.
    tag_index_lock: tokio::sync::Mutex<()>,
}

/// One repository of an OCI registry, used as a [`SignatureRepository`] and as a copy source
/// or destination. Cheap to clone; clones share connections, tokens and counters.
///
/// ```
/// use std::sync::Arc;
/// use notary_registry::remote::{Credential, StaticCredential};
/// use notary_registry::{RemoteOptions, RemoteReference, RemoteRepository};
///
/// let reference = RemoteReference::parse("localhost:5000/team/app:v1")?;
/// let mut options = RemoteOptions::default();
/// options.plain_http = true; // a local test registry
/// options.credentials = Arc::new(StaticCredential(Credential::Basic {
///     username: "ci".into(),
///     password: "secret".into(),
/// }));
/// let repo = RemoteRepository::for_reference(&reference, options)?;
/// assert_eq!(repo.repository(), "team/app");
/// assert_eq!(repo.request_count(), 0); // nothing is sent until an operation runs
/// # Ok::<(), notary_registry::Error>(())
/// ```
///
/// Signing and verifying go through the `notary` facade (`notary::artifact::sign_and_push`,
/// `verify_artifact`) on a tokio runtime:
///
/// ```no_run
/// # async fn demo(repo: notary_registry::RemoteRepository) -> Result<(), notary_registry::Error> {
/// use notary_core::SignatureRepository;
/// let artifact = repo.resolve("v1").await?;
/// for signature in repo.list_signatures(&artifact, 100).await? {
///     let fetched = repo.fetch_signature(&signature).await?; // digest and size checked
///     println!("{} {}", signature.digest, fetched.envelope_media_type);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RemoteRepository {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RemoteRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteRepository")
            .field("base", &self.inner.base)
            .finish_non_exhaustive()
    }
}

/// Whether a manifest PUT or referrers listing learned that the registry has the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReferrersSupport {
    /// Not known yet.
    Unknown,
    /// The registry has the referrers API.
    Api,
    /// The registry lacks it; the tag schema is used.
    TagSchema,
}

fn network(operation: &str, e: &reqwest::Error) -> Error {
    let mut reason = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        src = s.source();
    }
    if e.is_timeout() {
        reason = format!("timed out ({reason})");
    }
    Error::Network {
        operation: operation.to_string(),
        reason,
    }
}

/// The `errors[].message` of a distribution-spec error body, or the body's start.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errs {
        errors: Vec<Err>,
    }
    #[derive(serde::Deserialize)]
    struct Err {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<Errs>(body) {
        return e
            .errors
            .iter()
            .map(|e| format!("{} {}", e.code, e.message).trim().to_string())
            .collect::<Vec<_>>()
            .join("; ");
    }
    let text = String::from_utf8_lossy(body.get(..200).unwrap_or(body));
    text.trim().to_string()
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

/// The `<url>` of a `Link: <url>; rel="next"` header.
fn next_link(h: &HeaderMap) -> Option<String> {
    for v in h.get_all(header::LINK) {
        let v = v.to_str().ok()?;
        for part in v.split(',') {
            let (url, params) = part.split_once(';').unwrap_or((part, ""));
            if params.replace(' ', "").contains("rel=\"next\"") || params.contains("rel=next") {
                return Some(
                    url.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
            }
        }
    }
    None
}

/// A request body shared by retries.
struct Body {
    bytes: Bytes,
    content_type: &'static str,
}

/// The tag of the referrers tag schema index of `digest`: `<alg>-<hex>`, truncated as the
/// distribution spec says.
pub fn referrers_tag(digest: &Digest) -> String {
    let alg: String = digest.algorithm().name().chars().take(32).collect();
    let hex: String = digest.hex().chars().take(64).collect();
    format!("{alg}-{hex}")
}

impl RemoteRepository {
    /// A client of `repository` on `registry` (`host[:port]`).
    pub fn new(registry: &str, repository: &str, options: RemoteOptions) -> Result<Self, Error> {
        let scheme = if options.plain_http { "http" } else { "https" };
        let base = format!("{scheme}://{registry}/v2/{repository}");
        let origin = reqwest::Url::parse(&base).map_err(|e| Error::Config {
            reason: format!("registry URL {base:?}: {e}"),
        })?;
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.timeout)
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
        if options.plain_http {
            // No TLS will happen: skip loading the platform's roots (hundreds of files read and
            // parsed at start-up, most of a short CLI run against a local registry).
            builder = builder.tls_certs_only(roots);
        } else if !roots.is_empty() {
            builder = builder.tls_certs_merge(roots);
        }
        let http = builder.build().map_err(|e| Error::Config {
            reason: e.to_string(),
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                origin,
                registry: registry.to_string(),
                repository: repository.to_string(),
                options,
                auth: std::sync::Mutex::new(AuthState::default()),
                referrers: AtomicU8::new(REFERRERS_UNKNOWN),
                requests: AtomicU64::new(0),
                tag_index_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// A client of the repository `reference` names.
    pub fn for_reference(
        reference: &RemoteReference,
        options: RemoteOptions,
    ) -> Result<Self, Error> {
        Self::new(&reference.registry, &reference.repository, options)
    }

    /// The registry host.
    pub fn registry(&self) -> &str {
        &self.inner.registry
    }

    /// The repository name.
    pub fn repository(&self) -> &str {
        &self.inner.repository
    }

    /// HTTP requests sent so far (token requests and retries included).
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// What the client has learned about the registry's referrers API.
    pub fn referrers_support(&self) -> ReferrersSupport {
        match self.inner.referrers.load(Ordering::Relaxed) {
            REFERRERS_API => ReferrersSupport::Api,
            REFERRERS_TAG_SCHEMA => ReferrersSupport::TagSchema,
            _ => ReferrersSupport::Unknown,
        }
    }

    fn auth_header(&self, class: &'static str) -> Option<HeaderValue> {
        let st = self.inner.auth.lock().unwrap_or_else(|p| p.into_inner());
        st.tokens
            .get(class)
            .or_else(|| {
                if class == "pull" {
                    None
                } else {
                    st.tokens.get("pull")
                }
            })
            .cloned()
            .or_else(|| st.basic.clone())
    }

    fn credential(&self) -> Result<Option<Credential>, Error> {
        self.inner
            .options
            .credentials
            .credential(&self.inner.registry)
    }

    fn auth_error(&self, reason: impl Into<String>) -> Error {
        Error::Auth {
            registry: self.inner.registry.clone(),
            reason: reason.into(),
        }
    }

    /// Answers a 401 challenge: remembers Basic credentials or fetches a bearer token.
    async fn authenticate(&self, challenge: &str, class: &'static str) -> Result<(), Error> {
        let parsed = auth::parse_challenge(challenge)
            .ok_or_else(|| self.auth_error(format!("unsupported challenge {challenge:?}")))?;
        let credential = self.credential()?;
        match parsed {
            auth::Challenge::Basic => {
                let Some(Credential::Basic { username, password }) = credential else {
                    return Err(self.auth_error(
                        "the registry requires a user name and password (use --username/--password or docker login)",
                    ));
                };
                let v = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                let hv = HeaderValue::from_str(&format!("Basic {v}"))
                    .map_err(|_| self.auth_error("credential has invalid characters"))?;
                self.inner
                    .auth
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .basic = Some(hv);
                Ok(())
            }
            auth::Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                let scope = scope.unwrap_or_else(|| {
                    let actions = if class == "push" { "pull,push" } else { "pull" };
                    format!("repository:{}:{actions}", self.inner.repository)
                });
                let token = self
                    .fetch_token(&realm, service.as_deref(), &scope, credential)
                    .await?;
                let hv = HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|_| self.auth_error("token has invalid characters"))?;
                self.inner
                    .auth
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .tokens
                    .insert(class, hv);
                Ok(())
            }
        }
    }

    async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        credential: Option<Credential>,
    ) -> Result<String, Error> {
        let url = reqwest::Url::parse(realm)
            .map_err(|e| self.auth_error(format!("token realm {realm:?}: {e}")))?;
        if url.scheme() != "https" && !(url.scheme() == "http" && self.inner.options.plain_http) {
            return Err(self.auth_error(format!(
                "token realm {realm:?} is not HTTPS (allowed only with plain HTTP)"
            )));
        }
        let op = format!("token {realm}");
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = match &credential {
            Some(Credential::RefreshToken(rt)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.as_str()),
                    ("client_id", "notary-rs"),
                    ("scope", scope),
                ];
                if let Some(s) = service {
                    form.push(("service", s));
                }
                let body = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", form_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                self.inner
                    .http
                    .post(url)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
            }
            other => {
                let mut u = url;
                {
                    let mut q = u.query_pairs_mut();
                    if let Some(s) = service {
                        q.append_pair("service", s);
                    }
                    q.append_pair("scope", scope);
                }
                let mut req = self.inner.http.get(u);
                if let Some(Credential::Basic { username, password }) = other {
                    req = req.basic_auth(username, Some(password));
                }
                req.send().await
            }
        }
        .map_err(|e| network(&op, &e))?;
        let status = resp.status();
        let body = read_capped(resp, 1024 * 1024, &op).await?;
        if !status.is_success() {
            return Err(self.auth_error(format!(
                "token server answered HTTP {}: {}",
                status.as_u16(),
                error_message(&body)
            )));
        }
        #[derive(serde::Deserialize)]
        struct Tok {
            #[serde(default)]
            token: String,
            #[serde(default)]
            access_token: String,
        }
        let t: Tok = serde_json::from_slice(&body)
            .map_err(|e| self.auth_error(format!("token response: {e}")))?;
        let token = if t.access_token.is_empty() {
            t.token
        } else {
            t.access_token
        };
        if token.is_empty() {
            return Err(self.auth_error("the token server returned no token"));
        }
        Ok(token)
    }

    /// Sends a request, answering one auth challenge and retrying 429/5xx and connection
    /// failures with backoff. Returns the final response whatever its status.
    async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(header::HeaderName, &str)],
        body: Option<&Body>,
        class: &'static str,
        retry: bool,
    ) -> Result<reqwest::Response, Error> {
        let op = format!("{method} {url}");
        // Every request carries the registry's credentials: never to another origin.
        self.check_origin(url, "request")?;
        let mut attempt = 0u32;
        let mut authenticated = false;
        loop {
            let mut req = self.inner.http.request(method.clone(), url);
            for (k, v) in headers {
                req = req.header(k, *v);
            }
            if let Some(b) = body {
                req = req
                    .header(header::CONTENT_TYPE, b.content_type)
                    .body(b.bytes.clone());
            }
            if let Some(h) = self.auth_header(class) {
                req = req.header(header::AUTHORIZATION, h);
            }
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            let delay = match req.send().await {
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
                    if retry
                        && attempt < self.inner.options.max_retries
                        && !e.is_builder()
                        && !e.is_redirect()
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
                        url: resp.url().to_string(),
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
                    self.authenticate(&challenge, class).await?;
                    authenticated = true;
                    continue;
                }
                Ok(resp) if resp.status() == StatusCode::UNAUTHORIZED => {
                    let body = read_capped(resp, 64 * 1024, &op).await.unwrap_or_default();
                    return Err(
                        self.auth_error(format!("credentials refused: {}", error_message(&body)))
                    );
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
            tokio::time::sleep(delay).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.inner
            .options
            .retry_base_delay
            .saturating_mul(1u32 << attempt.min(6))
            .min(MAX_RETRY_AFTER)
    }

    /// GETs `url` and reads its body under `cap`, retrying transport failures (dropped or
    /// truncated responses) as well as 429/5xx. Returns status, headers and body.
    async fn get(
        &self,
        url: &str,
        accept: &str,
        cap: u64,
        what: &'static str,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), Error> {
        let op = format!("GET {url}");
        let mut attempt = 0u32;
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
            match read_body(resp, cap, &op, what).await {
                Ok(b) => return Ok((status, headers, b)),
                Err(e @ Error::Network { .. }) if attempt < self.inner.options.max_retries => {
                    let _ = e;
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt = attempt.saturating_add(1);
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn unexpected(&self, op: String, status: StatusCode, body: &[u8]) -> Error {
        Error::Http {
            operation: op,
            status: status.as_u16(),
            message: error_message(body),
        }
    }

    /// The `<tag>` or `<digest>` part of a reference into this repository: a bare tag or
    /// digest, or a full `registry/repository[:tag|@digest]` naming this repository.
    fn object_of(&self, reference: &str) -> Result<String, Error> {
        if reference.contains('/') {
            let r = RemoteReference::parse(reference)?;
            let mine = RemoteReference {
                registry: self.inner.registry.clone(),
                repository: self.inner.repository.clone(),
                tag: None,
                digest: None,
            };
            if !r.same_repository(&mine) {
                return Err(Error::InvalidReference {
                    reference: reference.to_string(),
                    reason: format!(
                        "not in repository {}/{}",
                        self.inner.registry, self.inner.repository
                    ),
                });
            }
            return Ok(r.object());
        }
        if reference.contains(':') {
            let d: Digest =
                reference
                    .parse()
                    .map_err(|e: notary_core::Error| Error::InvalidReference {
                        reference: reference.to_string(),
                        reason: e.to_string(),
                    })?;
            return Ok(d.to_string());
        }
        RemoteReference::parse(&format!(
            "{}/{}:{reference}",
            self.inner.registry, self.inner.repository
        ))
        .map(|r| r.object())
    }

    /// Resolves a tag or digest to the manifest descriptor with one HEAD request (a GET when
    /// the registry omits the digest or length).
    pub async fn resolve_reference(&self, reference: &str) -> Result<Descriptor, Error> {
        let object = self.object_of(reference)?;
        let url = format!("{}/manifests/{object}", self.inner.base);
        let resp = self
            .send(
                Method::HEAD,
                &url,
                &[(header::ACCEPT, MANIFEST_ACCEPT)],
                None,
                "pull",
                true,
            )
            .await?;
        let status = resp.status();
        if status == StatusCode::NOT_FOUND {
            return Err(Error::NotFound {
                reference: format!("{}/{}:{object}", self.inner.registry, self.inner.repository)
                    .replace(":sha", "@sha"),
            });
        }
        if !status.is_success() {
            return Err(self.unexpected(format!("HEAD {url}"), status, &[]));
        }
        let h = resp.headers();
        let media_type = h
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(';').next().unwrap_or(s).trim().to_string());
        let digest = h
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.parse::<Digest>().ok());
        let size = h
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.parse::<u64>().ok());
        let desc = match (media_type, digest, size) {
            (Some(mt), Some(d), Some(s)) if manifest::is_manifest_type(&mt) => {
                Descriptor::new(mt, d, s)
            }
            _ => {
                // Fall back to fetching the manifest and describing it ourselves.
                let (status, headers, body) = self
                    .get(&url, MANIFEST_ACCEPT, MAX_MANIFEST_SIZE, "manifest")
                    .await?;
                if !status.is_success() {
                    return Err(self.unexpected(format!("GET {url}"), status, &body));
                }
                let mt = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(|s| s.split(';').next().unwrap_or(s).trim().to_string())
                    .filter(|m| manifest::is_manifest_type(m))
                    .or_else(|| {
                        serde_json::from_slice::<Manifest>(&body)
                            .ok()
                            .and_then(|m| m.media_type)
                    })
                    .ok_or_else(|| Error::InvalidManifest {
                        digest: object.clone(),
                        reason: "no manifest media type".into(),
                    })?;
                Descriptor::for_content(mt, &body)
            }
        };
        if object.contains(':') && desc.digest.to_string() != object {
            return Err(Error::DigestMismatch {
                digest: object,
                reason: format!("the registry resolved it to {}", desc.digest),
            });
        }
        Ok(desc)
    }

    /// Fetches a manifest (or index) by descriptor, checking size, cap and digest.
    pub async fn fetch_manifest(&self, desc: &Descriptor, cap: u64) -> Result<Vec<u8>, Error> {
        manifest::check_cap(desc, cap)?;
        let url = format!("{}/manifests/{}", self.inner.base, desc.digest);
        let accept = if manifest::is_manifest_type(&desc.media_type) {
            format!("{}, {MANIFEST_ACCEPT}", desc.media_type)
        } else {
            MANIFEST_ACCEPT.to_string()
        };
        let (status, _, body) = self.get(&url, &accept, cap, "manifest").await?;
        if status == StatusCode::NOT_FOUND {
            return Err(Error::NotFound {
                reference: desc.digest.to_string(),
            });
        }
        if !status.is_success() {
            return Err(self.unexpected(format!("GET {url}"), status, &body));
        }
        check_content(desc, &body)?;
        Ok(body)
    }

    /// Fetches a blob by descriptor, checking size, cap and digest.
    pub async fn fetch_blob(&self, desc: &Descriptor, cap: u64) -> Result<Vec<u8>, Error> {
        manifest::check_cap(desc, cap)?;
        let url = format!("{}/blobs/{}", self.inner.base, desc.digest);
        let (status, _, body) = self.get(&url, "*/*", cap, "blob").await?;
        if status == StatusCode::NOT_FOUND {
            return Err(Error::NotFound {
                reference: desc.digest.to_string(),
            });
        }
        if !status.is_success() {
            return Err(self.unexpected(format!("GET {url}"), status, &body));
        }
        check_content(desc, &body)?;
        Ok(body)
    }

    /// Streams a blob into `out` (truncated first), checking size and digest as it arrives, so
    /// memory stays bounded whatever the blob's size. A dropped or truncated transfer starts
    /// over, up to the retry limit.
    pub async fn fetch_blob_to(
        &self,
        desc: &Descriptor,
        out: &mut std::fs::File,
    ) -> Result<(), Error> {
        use std::io::{Seek as _, Write as _};
        let url = format!("{}/blobs/{}", self.inner.base, desc.digest);
        let op = format!("GET {url}");
        let file_err = |e: std::io::Error| Error::Io {
            path: format!("temporary copy of {}", desc.digest),
            reason: e.to_string(),
        };
        let mut attempt = 0u32;
        loop {
            out.set_len(0).map_err(file_err)?;
            out.rewind().map_err(file_err)?;
            let mut resp = self
                .send(
                    Method::GET,
                    &url,
                    &[(header::ACCEPT, "*/*")],
                    None,
                    "pull",
                    true,
                )
                .await?;
            let status = resp.status();
            if status == StatusCode::NOT_FOUND {
                return Err(Error::NotFound {
                    reference: desc.digest.to_string(),
                });
            }
            if !status.is_success() {
                let b = read_capped(resp, 64 * 1024, &op).await.unwrap_or_default();
                return Err(self.unexpected(op, status, &b));
            }
            let mut hasher = manifest::StreamHasher::new(desc.digest.algorithm());
            let mut n = 0u64;
            let streamed: Result<(), Error> = async {
                while let Some(chunk) = resp.chunk().await.map_err(|e| network(&op, &e))? {
                    n = n.saturating_add(chunk.len() as u64);
                    if n > desc.size {
                        return Err(Error::DigestMismatch {
                            digest: desc.digest.to_string(),
                            reason: format!("the registry sent more than {} bytes", desc.size),
                        });
                    }
                    hasher.update(&chunk);
                    out.write_all(&chunk).map_err(file_err)?;
                }
                Ok(())
            }
            .await;
            match streamed {
                Err(Error::Network { .. }) if attempt < self.inner.options.max_retries => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt = attempt.saturating_add(1);
                    continue;
                }
                Err(e) => return Err(e),
                Ok(()) => {}
            }
            if n != desc.size || !hasher.matches(&desc.digest) {
                return Err(Error::DigestMismatch {
                    digest: desc.digest.to_string(),
                    reason: format!(
                        "the {n} bytes the registry sent do not hash to the descriptor"
                    ),
                });
            }
            return out.flush().map_err(file_err);
        }
    }

    /// Uploads a blob from a file in chunks (POST, PATCH with `Content-Range`, PUT with the
    /// digest), so memory stays bounded; the registry checks the digest at the end. A failed
    /// session starts over from the first byte.
    pub async fn push_blob_file(
        &self,
        desc: &Descriptor,
        path: &std::path::Path,
    ) -> Result<(), Error> {
        if self.blob_exists(&desc.digest).await? {
            return Ok(());
        }
        let mut attempt = 0u32;
        loop {
            match self.chunked_upload_once(desc, path).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < self.inner.options.max_retries && is_transient(&e) => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt = attempt.saturating_add(1);
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn chunked_upload_once(
        &self,
        desc: &Descriptor,
        path: &std::path::Path,
    ) -> Result<(), Error> {
        use std::io::Read as _;
        const CHUNK: usize = 8 * 1024 * 1024;
        let url = format!("{}/blobs/uploads/", self.inner.base);
        let resp = self
            .send(Method::POST, &url, &[], None, "push", true)
            .await?;
        let status = resp.status();
        if status != StatusCode::ACCEPTED {
            let b = read_capped(resp, 64 * 1024, &url).await.unwrap_or_default();
            return Err(self.unexpected(format!("POST {url}"), status, &b));
        }
        let mut location = self.location(&resp, &url)?;
        // A regular file (no link, FIFO or device), read no further than one byte past the
        // descriptor's size: a file that grew is refused below, not uploaded forever.
        let (file, _) = crate::fsread::open_regular(path)?.ok_or_else(|| Error::Io {
            path: path.display().to_string(),
            reason: "no such file".into(),
        })?;
        let mut file = file.take(desc.size.saturating_add(1));
        let mut offset = 0u64;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let mut filled = 0;
            while filled < CHUNK {
                let k = file
                    .read(buf.get_mut(filled..).unwrap_or_default())
                    .map_err(|e| Error::Io {
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    })?;
                if k == 0 {
                    break;
                }
                filled = filled.saturating_add(k);
            }
            if filled == 0 {
                break;
            }
            // filled >= 1 here.
            let last = offset.saturating_add(filled as u64).saturating_sub(1);
            let range = format!("{offset}-{last}");
            let body = Body {
                bytes: Bytes::copy_from_slice(buf.get(..filled).unwrap_or_default()),
                content_type: "application/octet-stream",
            };
            let resp = self
                .send(
                    Method::PATCH,
                    &location,
                    &[(header::CONTENT_RANGE, &range)],
                    Some(&body),
                    "push",
                    false,
                )
                .await?;
            let status = resp.status();
            if status != StatusCode::ACCEPTED {
                let b = read_capped(resp, 64 * 1024, &location)
                    .await
                    .unwrap_or_default();
                return Err(self.unexpected(format!("PATCH {location}"), status, &b));
            }
            location = self.location(&resp, &url)?;
            offset = offset.saturating_add(filled as u64);
        }
        if offset != desc.size {
            return Err(Error::DigestMismatch {
                digest: desc.digest.to_string(),
                reason: format!(
                    "{} holds {offset} bytes, the descriptor says {}",
                    path.display(),
                    desc.size
                ),
            });
        }
        self.finish_upload(&location, desc, None).await
    }

    /// The absolute upload URL of a response's `Location`, refused when it leaves the registry.
    fn location(&self, resp: &reqwest::Response, op: &str) -> Result<String, Error> {
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::Http {
                operation: op.to_string(),
                status: resp.status().as_u16(),
                message: "no Location header".into(),
            })?;
        let base = reqwest::Url::parse(&self.inner.base).map_err(|e| Error::Config {
            reason: e.to_string(),
        })?;
        let u = base.join(location).map_err(|e| Error::Http {
            operation: op.to_string(),
            status: resp.status().as_u16(),
            message: format!("bad Location {location:?}: {e}"),
        })?;
        self.check_origin(u.as_str(), "upload location")?;
        Ok(u.to_string())
    }

    /// Refuses `url` unless it is on the registry's origin (scheme, host and port): an HTTPS
    /// registry pointing at HTTP is an [`Error::InsecureDowngrade`], any other origin an
    /// [`Error::ForeignOrigin`]. `what` names the URL's source for the message.
    fn check_origin(&self, url: &str, what: &str) -> Result<(), Error> {
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

    /// Whether the repository holds the blob.
    pub async fn blob_exists(&self, digest: &Digest) -> Result<bool, Error> {
        self.exists(&format!("{}/blobs/{digest}", self.inner.base), &[])
            .await
    }

    /// Whether the repository holds the manifest.
    pub async fn manifest_exists(&self, desc: &Descriptor) -> Result<bool, Error> {
        let url = format!("{}/manifests/{}", self.inner.base, desc.digest);
        self.exists(&url, &[(header::ACCEPT, MANIFEST_ACCEPT)])
            .await
    }

    /// HEAD `url`: true on 2xx, false on 404.
    async fn exists(
        &self,
        url: &str,
        headers: &[(header::HeaderName, &str)],
    ) -> Result<bool, Error> {
        let resp = self
            .send(Method::HEAD, url, headers, None, "pull", true)
            .await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            s => Err(self.unexpected(format!("HEAD {url}"), s, &[])),
        }
    }

    /// Uploads a blob (skipped when the registry has it) and returns its descriptor.
    /// A failed upload session is restarted from the beginning, so a retry never appends to
    /// a half-written upload.
    pub async fn push_blob(&self, media_type: &str, data: &[u8]) -> Result<Descriptor, Error> {
        self.push_blob_checked(media_type, data, true).await
    }

    /// Uploads a blob, asking first whether the registry has it only when `check_exists`
    /// (a fresh signature envelope is never there: the question would cost a round trip).
    async fn push_blob_checked(
        &self,
        media_type: &str,
        data: &[u8],
        check_exists: bool,
    ) -> Result<Descriptor, Error> {
        let desc = Descriptor::for_content(media_type, data);
        if check_exists && self.blob_exists(&desc.digest).await? {
            return Ok(desc);
        }
        let body = Body {
            bytes: Bytes::copy_from_slice(data),
            content_type: "application/octet-stream",
        };
        let mut attempt = 0u32;
        loop {
            match self.upload_once(&desc, &body).await {
                Ok(()) => return Ok(desc),
                Err(e) if attempt < self.inner.options.max_retries && is_transient(&e) => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt = attempt.saturating_add(1);
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn upload_once(&self, desc: &Descriptor, body: &Body) -> Result<(), Error> {
        let url = format!("{}/blobs/uploads/", self.inner.base);
        // Small blobs (envelopes, configs) go in a single monolithic POST where the registry
        // takes it (201); one that answers 202 opened a session, and the PUT below completes it.
        let small = body.bytes.len() <= 64 * 1024;
        let resp = if small {
            let u = format!("{url}?digest={}", form_encode(&desc.digest.to_string()));
            self.send(Method::POST, &u, &[], Some(body), "push", true)
                .await?
        } else {
            self.send(Method::POST, &url, &[], None, "push", true)
                .await?
        };
        let status = resp.status();
        if small && status == StatusCode::CREATED {
            return Ok(());
        }
        if status != StatusCode::ACCEPTED {
            let b = read_capped(resp, 64 * 1024, &url).await.unwrap_or_default();
            return Err(self.unexpected(format!("POST {url}"), status, &b));
        }
        let location = self.location(&resp, &format!("POST {url}"))?;
        self.finish_upload(&location, desc, Some(body)).await
    }

    /// Closes an upload session with `PUT <location>&digest=...` (carrying the last bytes, if
    /// any) and expects 201.
    async fn finish_upload(
        &self,
        location: &str,
        desc: &Descriptor,
        body: Option<&Body>,
    ) -> Result<(), Error> {
        let mut put = reqwest::Url::parse(location).map_err(|e| Error::Config {
            reason: e.to_string(),
        })?;
        put.query_pairs_mut()
            .append_pair("digest", &desc.digest.to_string());
        let put = put.to_string();
        let resp = self
            .send(Method::PUT, &put, &[], body, "push", false)
            .await?;
        let status = resp.status();
        if status != StatusCode::CREATED {
            let b = read_capped(resp, 64 * 1024, &put).await.unwrap_or_default();
            return Err(self.unexpected(format!("PUT {put}"), status, &b));
        }
        Ok(())
    }

    /// Stores a manifest by digest (and under `tag` when given). A manifest with a `subject`
    /// is made discoverable: when the registry does not acknowledge the subject
    /// (`OCI-Subject` header) or `force_referrers_tag` is set, the referrers tag index of the
    /// subject is updated, keeping every referrer already listed.
    pub async fn push_manifest(
        &self,
        media_type: &str,
        data: &[u8],
        tag: Option<&str>,
    ) -> Result<Descriptor, Error> {
        let mut desc = Descriptor::for_content(media_type, data);
        let m: Manifest = serde_json::from_slice(data).map_err(|e| Error::InvalidManifest {
            digest: desc.digest.to_string(),
            reason: e.to_string(),
        })?;
        let object = match tag {
            Some(t) => self.object_of(t)?,
            None => desc.digest.to_string(),
        };
        let url = format!("{}/manifests/{object}", self.inner.base);
        let body = Body {
            bytes: Bytes::copy_from_slice(data),
            content_type: static_media_type(media_type),
        };
        let resp = self
            .send(Method::PUT, &url, &[], Some(&body), "push", true)
            .await?;
        let status = resp.status();
        let has_subject_header = resp.headers().contains_key("oci-subject");
        if status != StatusCode::CREATED {
            let b = read_capped(resp, 64 * 1024, &url).await.unwrap_or_default();
            return Err(self.unexpected(format!("PUT {url}"), status, &b));
        }
        desc.artifact_type = m
            .artifact_type
            .clone()
            .or_else(|| m.config.as_ref().map(|c| c.media_type.clone()))
            .filter(|_| m.subject.is_some());
        if let Some(subject) = &m.subject {
            if has_subject_header {
                self.inner.referrers.store(REFERRERS_API, Ordering::Relaxed);
            }
            if !has_subject_header || self.inner.options.force_referrers_tag {
                let mut entry = Descriptor::new(media_type, desc.digest.clone(), desc.size);
                entry.artifact_type = desc.artifact_type.clone();
                entry.annotations = m.annotations.clone().filter(|a| !a.is_empty());
                self.add_to_tag_index(subject, entry).await?;
            }
        }
        Ok(desc)
    }

    async fn add_to_tag_index(&self, subject: &Descriptor, entry: Descriptor) -> Result<(), Error> {
        let tag = referrers_tag(&subject.digest);
        let _guard = self.inner.tag_index_lock.lock().await;
        let fail = |e: Error| Error::ReferrersIndex {
            manifest: entry.digest.to_string(),
            tag: tag.clone(),
            reason: e.to_string(),
        };
        let mut index = self.read_tag_index(&subject.digest).await.map_err(fail)?;
        if index.iter().any(|d| d.digest == entry.digest) {
            return Ok(());
        }
        index.push(entry.clone());
        let doc = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": IMAGE_INDEX,
            "manifests": index,
        });
        let bytes = serde_json::to_vec(&doc).map_err(|e| {
            fail(Error::Config {
                reason: e.to_string(),
            })
        })?;
        let url = format!("{}/manifests/{tag}", self.inner.base);
        let body = Body {
            bytes: Bytes::from(bytes),
            content_type: IMAGE_INDEX,
        };
        let resp = self
            .send(Method::PUT, &url, &[], Some(&body), "push", true)
            .await
            .map_err(fail)?;
        let status = resp.status();
        if status != StatusCode::CREATED {
            let b = read_capped(resp, 64 * 1024, &url).await.unwrap_or_default();
            return Err(fail(self.unexpected(format!("PUT {url}"), status, &b)));
        }
        Ok(())
    }

    /// The descriptors of the referrers tag schema index of `subject` (empty when absent).
    async fn read_tag_index(&self, subject: &Digest) -> Result<Vec<Descriptor>, Error> {
        let tag = referrers_tag(subject);
        let url = format!("{}/manifests/{tag}", self.inner.base);
        let (status, _, body) = self
            .get(&url, IMAGE_INDEX, MAX_INDEX_SIZE, "referrers index")
            .await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(Vec::new());
        }
        if !status.is_success() {
            return Err(self.unexpected(format!("GET {url}"), status, &body));
        }
        let m: Manifest = serde_json::from_slice(&body).map_err(|e| Error::InvalidManifest {
            digest: tag.clone(),
            reason: e.to_string(),
        })?;
        if m.media_type.as_deref().is_some_and(|t| t != IMAGE_INDEX) {
            return Err(Error::InvalidManifest {
                digest: tag,
                reason: "the referrers tag does not name an OCI image index".into(),
            });
        }
        Ok(m.manifests.unwrap_or_default())
    }

    /// Referrers of `subject`, optionally of one artifact type, through the referrers API
    /// (every page) or, where the registry lacks it, the referrers tag schema. Stops after
    /// `limit` descriptors.
    pub async fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Descriptor>, Error> {
        let state = self.inner.referrers.load(Ordering::Relaxed);
        if state == REFERRERS_UNKNOWN {
            // First listing on this registry: ask the API and read the tag schema index at the
            // same time, so a registry without the API costs one round trip, not two.
            let (api, tags) = tokio::join!(
                self.referrers_api(subject, artifact_type, limit),
                self.read_tag_index(subject)
            );
            if let Some(list) = api?.filter(|l| !l.is_empty()) {
                return Ok(list);
            }
            let mut list = tags?;
            list.retain(|d| artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type);
            list.truncate(limit);
            return Ok(list);
        }
        if state != REFERRERS_TAG_SCHEMA
            && let Some(list) = self.referrers_api(subject, artifact_type, limit).await?
        {
            // A client that wrote only the tag schema (notation's default
            // --force-referrers-tag) can leave a registry's API without the referrer, so an
            // empty answer also consults the tag schema.
            if !list.is_empty() {
                return Ok(list);
            }
        }
        let mut list = self.read_tag_index(subject).await?;
        list.retain(|d| artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type);
        list.truncate(limit);
        Ok(list)
    }

    /// `None` when the registry has no referrers API.
    async fn referrers_api(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
        limit: usize,
    ) -> Result<Option<Vec<Descriptor>>, Error> {
        let mut url = format!("{}/referrers/{subject}", self.inner.base);
        if let Some(t) = artifact_type {
            url.push_str("?artifactType=");
            url.push_str(&form_encode(t));
        }
        let base = reqwest::Url::parse(&self.inner.base).map_err(|e| Error::Config {
            reason: e.to_string(),
        })?;
        let mut out = Vec::new();
        for page in 0..MAX_PAGES {
            let (status, headers, body) = self
                .get(&url, IMAGE_INDEX, MAX_INDEX_SIZE, "referrers index")
                .await?;
            if page == 0
                && matches!(
                    status,
                    StatusCode::NOT_FOUND
                        | StatusCode::BAD_REQUEST
                        | StatusCode::METHOD_NOT_ALLOWED
                        | StatusCode::NOT_IMPLEMENTED
                )
            {
                // Distribution 2.8 answers 404 text/plain: no API, use the tag schema.
                self.inner
                    .referrers
                    .store(REFERRERS_TAG_SCHEMA, Ordering::Relaxed);
                return Ok(None);
            }
            if !status.is_success() {
                return Err(self.unexpected(format!("GET {url}"), status, &body));
            }
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if page == 0 && !content_type.starts_with(IMAGE_INDEX) {
                self.inner
                    .referrers
                    .store(REFERRERS_TAG_SCHEMA, Ordering::Relaxed);
                return Ok(None);
            }
            self.inner.referrers.store(REFERRERS_API, Ordering::Relaxed);
            let m: Manifest =
                serde_json::from_slice(&body).map_err(|e| Error::InvalidManifest {
                    digest: format!("referrers of {subject}"),
                    reason: e.to_string(),
                })?;
            let filtered = headers
                .get("oci-filters-applied")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            for d in m.manifests.unwrap_or_default() {
                if filtered
                    || artifact_type.is_none()
                    || d.artifact_type.as_deref() == artifact_type
                {
                    out.push(d);
                }
                if out.len() >= limit {
                    return Ok(Some(out));
                }
            }
            match next_link(&headers) {
                Some(next) => {
                    let u = base.join(&next).map_err(|e| Error::Http {
                        operation: format!("GET {url}"),
                        status: status.as_u16(),
                        message: format!("bad Link {next:?}: {e}"),
                    })?;
                    self.check_origin(u.as_str(), "referrers page link")?;
                    url = u.to_string();
                }
                None => return Ok(Some(out)),
            }
        }
        Err(Error::Unsupported {
            registry: self.inner.registry.clone(),
            reason: format!("more than {MAX_PAGES} pages of referrers"),
        })
    }

    /// Fetches and parses the signature manifest `desc` and its envelope, checking every
    /// digest, size and cap.
    async fn fetch_signature_inner(&self, desc: &Descriptor) -> Result<FetchedSignature, Error> {
        if desc.media_type != IMAGE_MANIFEST && desc.media_type != manifest::ARTIFACT_MANIFEST {
            return Err(Error::InvalidManifest {
                digest: desc.digest.to_string(),
                reason: format!(
                    "media type {} is not a signature manifest type",
                    desc.media_type
                ),
            });
        }
        let data = self.fetch_manifest(desc, MAX_MANIFEST_SIZE).await?;
        let (m, layer) = manifest::signature_layer(desc, &data)?;
        let envelope = self.fetch_blob(&layer, MAX_ENVELOPE_SIZE).await?;
        Ok(FetchedSignature {
            manifest: desc.clone(),
            envelope_media_type: layer.media_type.clone(),
            envelope,
            annotations: m.annotations.unwrap_or_default(),
            subject: m.subject,
        })
    }
}

/// Runs the registry client's parsers of untrusted text on `data` (fuzzing entry point): the
/// first byte picks `WWW-Authenticate`, `Link`, a reference, an error body or a Docker
/// `config.json`. Never panics.
#[doc(hidden)]
pub fn fuzz_text(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match which % 5 {
        0 => {
            let _ = auth::parse_challenge(&text);
        }
        1 => {
            if let Ok(v) = HeaderValue::from_bytes(rest) {
                let mut h = HeaderMap::new();
                h.insert(header::LINK, v);
                let _ = next_link(&h);
            }
        }
        2 => {
            if let Ok(r) = RemoteReference::parse(&text) {
                let _ = (r.to_string(), r.scope(), r.object());
            }
        }
        3 => {
            let _ = error_message(rest);
        }
        _ => {
            let _ = auth::fuzz_docker_config(rest);
        }
    }
}

fn form_encode(s: &str) -> String {
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

fn static_media_type(mt: &str) -> &'static str {
    match mt {
        IMAGE_INDEX => IMAGE_INDEX,
        manifest::ARTIFACT_MANIFEST => manifest::ARTIFACT_MANIFEST,
        manifest::DOCKER_MANIFEST => manifest::DOCKER_MANIFEST,
        manifest::DOCKER_MANIFEST_LIST => manifest::DOCKER_MANIFEST_LIST,
        _ => IMAGE_MANIFEST,
    }
}

fn is_transient(e: &Error) -> bool {
    match e {
        Error::Network { .. } => true,
        Error::Http { status, .. } => {
            *status == 429 || *status >= 500 || *status == 404 /* upload session lost */
        }
        _ => false,
    }
}

fn check_content(desc: &Descriptor, body: &[u8]) -> Result<(), Error> {
    if body.len() as u64 != desc.size {
        return Err(Error::DigestMismatch {
            digest: desc.digest.to_string(),
            reason: format!(
                "the registry sent {} bytes, the descriptor says {}",
                body.len(),
                desc.size
            ),
        });
    }
    if !desc.digest.matches(body) {
        return Err(Error::DigestMismatch {
            digest: desc.digest.to_string(),
            reason: "the content the registry sent hashes to another digest".into(),
        });
    }
    Ok(())
}

async fn read_capped(resp: reqwest::Response, cap: u64, op: &str) -> Result<Vec<u8>, Error> {
    read_body(resp, cap, op, "response").await
}

/// Reads a body, refusing more than `cap` bytes before buffering them.
async fn read_body(
    mut resp: reqwest::Response,
    cap: u64,
    op: &str,
    what: &'static str,
) -> Result<Vec<u8>, Error> {
    let too_large = |size: u64| Error::TooLarge {
        what,
        digest: resp_url(op),
        size,
        max: cap,
    };
    if let Some(len) = resp.content_length()
        && len > cap
    {
        return Err(too_large(len));
    }
    let mut out = Vec::with_capacity(resp.content_length().unwrap_or(0).min(cap) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|e| network(op, &e))? {
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

impl SignatureRepository for RemoteRepository {
    type Error = Error;

    async fn resolve(&self, reference: &str) -> Result<Descriptor, Error> {
        self.resolve_reference(reference).await
    }

    fn resolve_is_cheap(&self) -> bool {
        false
    }

    async fn list_signatures(
        &self,
        subject: &Descriptor,
        limit: usize,
    ) -> Result<Vec<Descriptor>, Error> {
        let mut list = self
            .referrers(&subject.digest, Some(SIGNATURE_ARTIFACT_TYPE), limit)
            .await?;
        // Only manifest types can be signatures; anything else would fail later anyway.
        list.retain(|d| {
            d.media_type == IMAGE_MANIFEST || d.media_type == manifest::ARTIFACT_MANIFEST
        });
        Ok(list)
    }

    async fn fetch_signature(&self, manifest_desc: &Descriptor) -> Result<FetchedSignature, Error> {
        self.fetch_signature_inner(manifest_desc).await
    }

    async fn push_signature(&self, request: PushSignature<'_>) -> Result<PushedSignature, Error> {
        let form = self.inner.options.signature_manifest_form;
        let config_type = match form {
            manifest::SignatureManifestForm::ArtifactType => manifest::EMPTY_JSON,
            _ => SIGNATURE_ARTIFACT_TYPE,
        };
        // The envelope and the config blob go up side by side; the manifest only after both.
        let (blob, _) = tokio::try_join!(
            self.push_blob_checked(request.envelope_media_type, request.envelope, false),
            self.push_blob(config_type, b"{}"),
        )?;
        let data = manifest::signature_manifest(&blob, request.subject, &request.annotations, form);
        let manifest = self.push_manifest(IMAGE_MANIFEST, &data, None).await?;
        Ok(PushedSignature { blob, manifest })
    }
}

/// Annotations of a descriptor, or an empty map.
pub fn annotations_of(d: &Descriptor) -> BTreeMap<String, String> {
    d.annotations.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrers_tags_follow_the_schema() {
        let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
        assert_eq!(
            referrers_tag(&d),
            "sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn parses_link_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::LINK,
            HeaderValue::from_static("</v2/a/referrers/sha256:x?n=1&last=y>; rel=\"next\""),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/v2/a/referrers/sha256:x?n=1&last=y")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn error_bodies_are_summarised() {
        assert_eq!(
            error_message(
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
            ),
            "MANIFEST_UNKNOWN manifest unknown"
        );
        assert_eq!(error_message(b"404 page not found\n"), "404 page not found");
    }

    #[test]
    fn bad_ca_bundles_are_refused() {
        let o = RemoteOptions {
            ca_certificates_pem: vec![b"not a pem".to_vec()],
            ..RemoteOptions::default()
        };
        assert!(matches!(
            RemoteRepository::new("r.example", "app", o),
            Err(Error::Config { .. })
        ));
    }
}
