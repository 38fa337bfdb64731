//! OCI registries over HTTP(S): the distribution-spec client of notary-rs.
//!
//! A thin client on `reqwest` (rustls on aws-lc-rs, tokio): the Notary workflows need a dozen
//! endpoints, and owning them lets every fetch be size-capped and digest-checked before it is
//! parsed, every retry be bounded, and the referrers tag schema be updated without ever
//! dropping an existing referrer.

// One concern per file, each adding its own `impl RemoteRepository` block: `transport` (client,
// retries, caps, origin checks), `auth` (challenges and tokens), `credentials` (where they come
// from), `fetch`, `upload` and `referrers`. This file holds the public type and its trait impl.
mod auth;
mod credentials;
mod fetch;
mod reference;
mod referrers;
mod transport;
mod upload;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use notary_core::{
    Descriptor, FetchedSignature, PushSignature, PushedSignature, SIGNATURE_ARTIFACT_TYPE,
    SignatureRepository,
};

pub use credentials::{Anonymous, Credential, CredentialProvider, DockerConfig, StaticCredential};
pub use reference::{RemoteReference, is_localhost};
pub use referrers::{ReferrersSupport, referrers_tag};

use crate::TagIndexLock;
use crate::cache::BlobCache;
use crate::error::Error;
use crate::manifest;
use auth::AuthState;
use referrers::{REFERRERS_API, REFERRERS_TAG_SCHEMA, REFERRERS_UNKNOWN};

/// Options of a [`RemoteRepository`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RemoteOptions {
    /// Talk plain HTTP instead of HTTPS (test registries only).
    pub plain_http: bool,
    /// Extra trusted root certificates (PEM), added to the platform's roots.
    pub ca_certificates_pem: Vec<Vec<u8>>,
    /// Time limit of each HTTP request, body included, and the longest wait for any byte. A
    /// blob streamed to a file (`fetch_blob_to`, a copy's large layers) is given this plus the
    /// time to arrive at 64 KiB/s, so an honest slow download completes.
    pub timeout: Duration,
    /// Retries of a request answered 429 or 5xx, or whose connection failed.
    pub max_retries: u32,
    /// First retry delay; doubles on each retry (a `Retry-After` header wins, up to 10 s).
    pub retry_base_delay: Duration,
    /// Always write the referrers tag schema index, even when the registry has the API
    /// (notation's `--force-referrers-tag`).
    pub force_referrers_tag: bool,
    /// Read each referrers tag schema index back after writing it and, while another writer's
    /// index has replaced it without the new entry, add the entry again (at most 4 times, then
    /// [`Error::ReferrersIndex`]). The tag schema has no atomic update: signers of one artifact
    /// at the same moment otherwise each write an index without the others' signatures, which
    /// then exist but are not listed. Each write then costs a wait twice as long as the write
    /// took (doubling with each rewrite, at most 2 s) and one more request. Off by default, as
    /// in notation.
    pub confirm_tag_index_writes: bool,
    /// The signature manifest form written.
    pub signature_manifest_form: manifest::SignatureManifestForm,
    /// Where credentials come from.
    pub credentials: Arc<dyn CredentialProvider>,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Where signature manifests and envelopes fetched by digest are cached between
    /// operations and processes (none by default). Listings, tag indexes and tags are never
    /// cached: see [`crate::cache`]. Fetched entries are written on the cache's writer thread
    /// ([`BlobCache::put_in_background`]): call [`BlobCache::flush`] before the process exits.
    pub cache: Option<Arc<BlobCache>>,
}

impl RemoteOptions {
    /// These options with `cache` (or none).
    #[must_use]
    pub fn with_cache(mut self, cache: Option<Arc<BlobCache>>) -> Self {
        self.cache = cache;
        self
    }
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
            confirm_tag_index_writes: false,
            signature_manifest_form: manifest::SignatureManifestForm::default(),
            credentials: Arc::new(Anonymous),
            user_agent: concat!("notary-rs/", env!("CARGO_PKG_VERSION")).to_string(),
            cache: None,
        }
    }
}

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
    /// Held while a bearer token is fetched, so requests refused at the same moment (a
    /// verification's listing beside the tag schema read, a sign's first round) take the first
    /// one's token rather than each asking the token server.
    token_fetch: tokio::sync::Mutex<()>,
    referrers: AtomicU8,
    requests: AtomicU64,
    // Serialises read-modify-write cycles of referrers tag indexes within this process (shared
    // by every client of the repository, see `shared_tag_index_lock`), and counts the writes of
    // each tag so that an index read ahead of time (while a signature uploads) is used only if
    // no writer of this process has changed it since.
    tag_index_lock: Arc<TagIndexLock>,
    /// Whether a small blob goes up in one POST (see `upload::MONOLITHIC_*`).
    monolithic: AtomicU8,
    /// The empty config blob of signature manifests is known to be in the repository (checked
    /// or pushed by this client), so pushes stop asking.
    config_ready: AtomicBool,
    /// ... and this client has seen it itself (not only on the cache's word).
    config_checked: AtomicBool,
    /// Work of coming signature pushes done ahead of them by `prepare_push_signature`.
    prepared: std::sync::Mutex<upload::Prepared>,
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

/// The tag index lock of `repository` at `origin`, one per process: clients built separately
/// for the same repository (a tool that makes one per reference, or an `OciClientRepository`
/// of it) take the same lock, as clones do, so two signatures pushed by this process at once
/// are both listed. The key is the host and port the client speaks to (however the registry
/// was spelled: case, a default port, an IPv6 form, `docker.io`).
fn shared_tag_index_lock(origin: &reqwest::Url, repository: &str) -> Arc<TagIndexLock> {
    let host = origin.host_str().unwrap_or_default();
    let port = origin.port_or_known_default().unwrap_or_default();
    crate::tag_index_lock(host, port, repository)
}

impl RemoteRepository {
    /// A client of `repository` on `registry` (`host[:port]`). `docker.io` is reached at
    /// Docker Hub's API host, `registry-1.docker.io`, as notation (oras-go) reaches it; the
    /// client still names it, and looks up its credentials, as `docker.io`.
    pub fn new(registry: &str, repository: &str, options: RemoteOptions) -> Result<Self, Error> {
        let scheme = if options.plain_http { "http" } else { "https" };
        let host = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        let base = format!("{scheme}://{host}/v2/{repository}");
        let origin = reqwest::Url::parse(&base).map_err(|e| Error::Config {
            reason: format!("registry URL {base:?}: {e}"),
        })?;
        let http = transport::http_client(&options, &origin)?;
        let tag_index_lock = shared_tag_index_lock(&origin, repository);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                origin,
                registry: registry.to_string(),
                repository: repository.to_string(),
                options,
                auth: std::sync::Mutex::new(AuthState::default()),
                token_fetch: tokio::sync::Mutex::new(()),
                referrers: AtomicU8::new(REFERRERS_UNKNOWN),
                requests: AtomicU64::new(0),
                tag_index_lock,
                monolithic: AtomicU8::new(upload::MONOLITHIC_UNKNOWN),
                config_ready: AtomicBool::new(false),
                config_checked: AtomicBool::new(false),
                prepared: std::sync::Mutex::new(upload::Prepared::default()),
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

    /// The signature cache this client consults, if any.
    pub fn cache(&self) -> Option<&Arc<BlobCache>> {
        self.inner.options.cache.as_ref()
    }

    /// What the client has learned about the registry's referrers API.
    pub fn referrers_support(&self) -> ReferrersSupport {
        match self.inner.referrers.load(Ordering::Relaxed) {
            REFERRERS_API => ReferrersSupport::Api,
            REFERRERS_TAG_SCHEMA => ReferrersSupport::TagSchema,
            _ => ReferrersSupport::Unknown,
        }
    }
}

/// Runs the registry client's parsers of untrusted text on `data` (fuzzing entry point): the
/// first byte picks `WWW-Authenticate`, `Link`, a reference, an error body or a Docker
/// `config.json`. Never panics.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz_text(data: &[u8]) {
    use referrers::next_link;
    use reqwest::header::{self, HeaderMap, HeaderValue};
    use transport::error_message;
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
                let _ = (r.scope(), r.object());
                // What a reference prints, it parses back to.
                assert_eq!(RemoteReference::parse(&r.to_string()).as_ref(), Ok(&r));
            }
        }
        3 => {
            let _ = error_message(rest);
            let _ = transport::has_error_code(rest, "NAME_UNKNOWN");
        }
        _ => {
            let _ = credentials::fuzz_docker_config(rest);
        }
    }
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
        // Listed whatever their media type, as notation lists them: one that is not a
        // signature manifest fails when it is fetched (verify tries the next; inspect names it).
        if list.is_empty() {
            // Signatures of the Notary v2 prototypes (notation <= 0.12) are only reachable
            // through the ORAS referrers API. Asked only when nothing else is found, so a signed
            // artifact costs no extra request.
            list = self.oras_referrers(&subject.digest, limit).await?;
        }
        Ok(list)
    }

    async fn fetch_signature(&self, manifest_desc: &Descriptor) -> Result<FetchedSignature, Error> {
        self.fetch_signature_inner(manifest_desc).await
    }

    async fn push_signature(&self, request: PushSignature<'_>) -> Result<PushedSignature, Error> {
        let form = self.inner.options.signature_manifest_form;
        // What `prepare_push_signature` did ahead: an upload session, the subject's tag index.
        let (session, index_ahead) = self.take_prepared(&request.subject.digest);
        // The envelope and the config blob go up side by side; the manifest only after both.
        // When the referrers tag index will be written (forced, or a registry known to lack the
        // API) and was not read ahead, it is read at the same time, not after the manifest: one
        // round trip less. A failed read is retried at update time, where its error is reported.
        let read_index = index_ahead.is_none() && self.writes_tag_index();
        let (blob, (), index) = tokio::try_join!(
            self.push_envelope(
                request.envelope_media_type.as_str(),
                request.envelope,
                session
            ),
            self.ensure_config_blob(),
            async {
                Ok(if read_index {
                    self.read_tag_index_ahead(&request.subject.digest).await
                } else {
                    index_ahead
                })
            },
        )?;
        let data = manifest::signature_manifest(&blob, request.subject, &request.annotations, form);
        let manifest = self.push_signature_manifest(&data, index).await?;
        Ok(PushedSignature::new(blob, manifest))
    }

    async fn prepare_push_signature(&self, subject: Option<&notary_core::Digest>) {
        self.prepare_push(subject).await;
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
    fn clients_of_one_repository_share_the_tag_index_lock() {
        let new = |registry: &str, repository: &str| {
            RemoteRepository::new(registry, repository, RemoteOptions::default()).unwrap()
        };
        let a = new("lock.example:5000", "app");
        let b = new("LOCK.example:5000", "app");
        // The same host and port however spelled: a default port, an IPv6 form, Docker Hub.
        let https = new("lock.example", "app");
        let https_port = new("lock.example:443", "app");
        assert!(Arc::ptr_eq(
            &https.inner.tag_index_lock,
            &https_port.inner.tag_index_lock
        ));
        let v6 = new("[0:0::1]:5000", "app");
        let v6_short = new("[::1]:5000", "app");
        assert!(Arc::ptr_eq(
            &v6.inner.tag_index_lock,
            &v6_short.inner.tag_index_lock
        ));
        let hub = new("docker.io", "library/app");
        for other in ["index.docker.io", "registry-1.docker.io"] {
            let o = new(other, "library/app");
            assert!(
                Arc::ptr_eq(&hub.inner.tag_index_lock, &o.inner.tag_index_lock),
                "{other}"
            );
        }
        let other_repo = new("lock.example:5000", "other");
        let other_registry = new("lock2.example:5000", "app");
        assert!(Arc::ptr_eq(
            &a.inner.tag_index_lock,
            &b.inner.tag_index_lock
        ));
        assert!(Arc::ptr_eq(
            &a.inner.tag_index_lock,
            &a.clone().inner.tag_index_lock
        ));
        assert!(!Arc::ptr_eq(
            &a.inner.tag_index_lock,
            &other_repo.inner.tag_index_lock
        ));
        assert!(!Arc::ptr_eq(
            &a.inner.tag_index_lock,
            &other_registry.inner.tag_index_lock
        ));
        // The lock the oci-client integration takes for the same host, port and repository.
        for (client, host, port) in [(&a, "lock.example", 5000), (&https, "LOCK.example", 443)] {
            let shared = crate::tag_index_lock(host, port, "app");
            assert!(Arc::ptr_eq(&client.inner.tag_index_lock, &shared), "{host}");
        }
        // Once no client holds it, a new client starts afresh.
        let weak = Arc::downgrade(&a.inner.tag_index_lock);
        drop((a, b));
        assert!(weak.upgrade().is_none());
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

    #[test]
    fn docker_io_is_reached_at_docker_hubs_api_host_and_keeps_its_name() {
        let r =
            RemoteRepository::new("docker.io", "library/alpine", RemoteOptions::default()).unwrap();
        assert_eq!(
            r.inner.base,
            "https://registry-1.docker.io/v2/library/alpine"
        );
        assert_eq!(r.registry(), "docker.io");
        // Any other host, Docker Hub's alias included, is reached as named.
        for host in ["index.docker.io", "registry-1.docker.io", "localhost:5000"] {
            let r = RemoteRepository::new(host, "a", RemoteOptions::default()).unwrap();
            assert_eq!(r.inner.base, format!("https://{host}/v2/a"));
        }
    }
}
