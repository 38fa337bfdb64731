//! The admission decision: which images an object runs, whether each verifies against the
//! notation configuration directory, and the review response that says so.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notary::NotaryVerifier;
use notary::artifact::{
    SignatureFailure, VerifyArtifactError, VerifyArtifactRequest, verify_artifact,
};
use notary::config::{NotationDir, PolicyKind};
use notary_core::crypto::CryptoProvider;
use notary_core::{Digest, PolicyTarget, VerificationLevel, VerificationOutcome, Verifier};
use notary_registry::remote::{Anonymous, CredentialProvider};
use notary_registry::{RemoteOptions, RemoteRepository};
use sha2::{Digest as _, Sha256};
use tokio::sync::Semaphore;

use crate::Error;
use crate::cache::{LruMap, OnceCache, lru_map};
use crate::images::{PodImage, pod_images};
use crate::metrics::{Metrics, inc};
use crate::reference::ImageReference;
use crate::review::{API_VERSION, AdmissionResponse, AdmissionReview, KIND, Status};

/// The API server's own limit on request bodies (3 MiB). A review of an object near that
/// limit can be larger (the API server escapes `<`, `>` and `&` as six bytes each, and an
/// UPDATE carries the old object too): such a review gets 400, which `failurePolicy` then
/// decides; `--max-review-bytes` raises the bound.
pub const DEFAULT_MAX_REVIEW_BYTES: usize = 3 * 1024 * 1024;

/// A verification's whole time limit, in registry request timeouts (5 s each by default: one
/// minute). A verification is a handful of requests; this leaves room for retries and paging
/// while a hostile registry cannot hold a verification permit for long.
pub const VERIFICATION_TIMEOUTS: u32 = 12;

/// Most distinct images (containers and image volumes together) one review may name; an object
/// naming more is denied before any is verified. Each image costs a verification task and
/// registry requests, and a 3 MiB review could name tens of thousands; real Pods name a few.
pub const DEFAULT_MAX_IMAGES_PER_REVIEW: usize = 256;

/// Most registry clients (one per registry and repository, each with its own connection pool)
/// kept between reviews; past that the least recently used is dropped.
pub const DEFAULT_MAX_REGISTRY_CLIENTS: usize = 512;

/// Most client connections served at once; further ones wait in the listen backlog until one
/// closes. The API server keeps a few long-lived connections, probes and scrapes add short ones.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// Most `/validate` requests [`crate::serve`] handles at once, over all connections and h2
/// streams; the slot is taken before the body is read, and given up when the body does not
/// arrive within the review's budget (else the header timeout). Each holds up to
/// [`DEFAULT_MAX_REVIEW_BYTES`] of body while it is parsed; only the object's pod spec is kept
/// while its images are verified. Real reviews are a few KiB. Concurrent reviews of
/// one image share a verification, so bursts such as a Deployment scaling out fit; past the
/// bound, requests wait up to their time budget, then get 429.
pub const DEFAULT_MAX_REVIEWS_IN_FLIGHT: usize = 128;

/// Most image verifications running at once, those of reviews in flight and those left running
/// in the background after their review's deadline alike; an image that finds none free is
/// denied unverified (and not cached), never queued. Twice [`DEFAULT_MAX_REVIEWS_IN_FLIGHT`]:
/// room for every review in flight to verify an image or two while earlier reviews' slow
/// verifications finish, yet a flood of distinct images on slow registries cannot pile up
/// tasks, connections and memory without bound (each verification lasts until its registry
/// timeouts).
pub const DEFAULT_MAX_VERIFICATIONS_IN_FLIGHT: usize = 256;

/// How long a client has to send a request's headers (HTTP/1.1: every request, idle keep-alive
/// included; h2: the connection's first request). The API server's webhook timeout is 10 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How registries are reached. Kubernetes passes the webhook no pull secrets, so these come
/// from the webhook's own flags and mounted files.
#[derive(Clone)]
#[non_exhaustive]
pub struct RegistrySettings {
    /// Registries (`host[:port]`, any case) reached over plain HTTP.
    pub plain_http: Vec<String>,
    /// Extra trusted root certificates (PEM).
    pub ca_certificates_pem: Vec<Vec<u8>>,
    /// Where credentials come from (anonymous by default).
    pub credentials: Arc<dyn CredentialProvider>,
    /// Time limit of each registry request: admission has the API server's webhook timeout
    /// (10 s by default) for everything.
    pub timeout: Duration,
    /// Retries of a failed registry request.
    pub max_retries: u32,
}

impl std::fmt::Debug for RegistrySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrySettings")
            .field("plain_http", &self.plain_http)
            .field("ca_certificates", &self.ca_certificates_pem.len())
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Default for RegistrySettings {
    fn default() -> Self {
        Self {
            plain_http: Vec::new(),
            ca_certificates_pem: Vec::new(),
            credentials: Arc::new(Anonymous),
            timeout: Duration::from_secs(5),
            max_retries: 1,
        }
    }
}

/// What the webhook enforces.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The notation configuration directory (`trustpolicy.oci.json`, `truststore/`, `plugins/`).
    pub notation_dir: PathBuf,
    /// The crypto provider of verification.
    pub provider: CryptoProvider,
    /// Registry access.
    pub registry: RegistrySettings,
    /// Deny images referenced by tag only instead of resolving the tag to a digest.
    pub deny_tag_only: bool,
    /// How long a verification result is reused for the same digest, scope and configuration.
    pub cache_ttl: Duration,
    /// Most verification results kept (least recently used dropped past it).
    pub cache_max_entries: usize,
    /// How long a tag's resolution to a digest is reused (zero: every admission by tag asks
    /// the registry). Tags move; a longer time admits the digest the tag named that long ago.
    pub tag_cache_ttl: Duration,
    /// Largest review body accepted.
    pub max_review_bytes: usize,
    /// Most distinct images one review may name ([`DEFAULT_MAX_IMAGES_PER_REVIEW`]).
    pub max_images_per_review: usize,
    /// Most registry clients kept ([`DEFAULT_MAX_REGISTRY_CLIENTS`]).
    pub max_registry_clients: usize,
    /// Most connections served at once by [`crate::serve`] ([`DEFAULT_MAX_CONNECTIONS`]).
    pub max_connections: usize,
    /// Most reviews [`crate::serve`] handles at once ([`DEFAULT_MAX_REVIEWS_IN_FLIGHT`]); also
    /// each h2 connection's limit of concurrent streams.
    pub max_reviews_in_flight: usize,
    /// Most image verifications running at once, in the foreground or left running after
    /// their review gave up ([`DEFAULT_MAX_VERIFICATIONS_IN_FLIGHT`]); past it an image is
    /// denied unverified. Zero counts as one.
    pub max_verifications_in_flight: usize,
    /// Time a client has to send request headers to [`crate::serve`]
    /// ([`DEFAULT_HEADER_READ_TIMEOUT`]).
    pub header_read_timeout: Duration,
    /// Where private copies of the configuration are written for the verifier (notation's
    /// readers refuse the symbolic links of mounted ConfigMaps and Secrets): each webhook makes
    /// a directory of its own in it, with a random name and mode 0700, and removes it when
    /// dropped. Only the webhook's user, or root, should be able to write here (the system
    /// temporary directory, with its sticky bit, is fine): whoever can rename entries of this
    /// directory can replace the copies.
    pub snapshot_dir: PathBuf,
}

impl Settings {
    /// Defaults for a configuration directory: default provider, tags resolved, 5-minute cache.
    pub fn new(notation_dir: impl Into<PathBuf>) -> Self {
        Self {
            notation_dir: notation_dir.into(),
            provider: notary::default_provider(),
            registry: RegistrySettings::default(),
            deny_tag_only: false,
            cache_ttl: Duration::from_secs(300),
            cache_max_entries: 10_000,
            tag_cache_ttl: Duration::ZERO,
            max_review_bytes: DEFAULT_MAX_REVIEW_BYTES,
            max_images_per_review: DEFAULT_MAX_IMAGES_PER_REVIEW,
            max_registry_clients: DEFAULT_MAX_REGISTRY_CLIENTS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_reviews_in_flight: DEFAULT_MAX_REVIEWS_IN_FLIGHT,
            max_verifications_in_flight: DEFAULT_MAX_VERIFICATIONS_IN_FLIGHT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            snapshot_dir: std::env::temp_dir(),
        }
    }
}

/// The result of checking one image.
#[derive(Debug, Clone)]
enum Verdict {
    /// Verified (or allowed by an `audit` policy); warnings to pass on.
    Allowed { warnings: Vec<String> },
    /// The policy says `skip`.
    Skipped,
    /// Refused: the reason names the failed validation.
    Denied { reason: String },
    /// A registry or configuration failure: denied (fail closed), never cached.
    Error { reason: String },
}

type CacheKey = (String, Digest, [u8; 32]);

/// The configuration in force: its hash and the verifier built from it.
type Snapshot = ([u8; 32], Arc<NotaryVerifier>);

struct SnapshotState {
    hash: [u8; 32],
    verifier: Arc<NotaryVerifier>,
    dir: PathBuf,
}

/// The registry clients, one per (connect host, repository), least recently used evicted past
/// [`Settings::max_registry_clients`].
struct Clients {
    map: LruMap<(String, String), RemoteRepository>,
    /// Requests sent by evicted clients, so the request metric does not go backwards (a
    /// verification still holding an evicted client goes uncounted from then on).
    retired_requests: u64,
}

impl Clients {
    fn new(max: usize) -> Self {
        Self {
            map: lru_map(max),
            retired_requests: 0,
        }
    }

    fn get(&mut self, key: &(String, String)) -> Option<RemoteRepository> {
        self.map.get(key).cloned()
    }

    fn insert(&mut self, key: (String, String), repo: RemoteRepository) {
        // Called after a miss, so what `push` hands back is the evicted client.
        if let Some(((host, repository), old)) = self.map.push(key, repo) {
            tracing::debug!(
                %host,
                %repository,
                "registry client evicted (least recently used)"
            );
            self.retired_requests = self.retired_requests.saturating_add(old.request_count());
        }
    }

    fn request_count(&self) -> u64 {
        self.map
            .iter()
            .map(|(_, r)| r.request_count())
            .fold(self.retired_requests, u64::saturating_add)
    }
}

/// The webhook: stateless per review apart from its caches, metrics and registry clients.
pub struct Webhook {
    settings: Settings,
    plain_http: Vec<String>,
    metrics: Metrics,
    cache: OnceCache<CacheKey, Verdict>,
    tags: OnceCache<(String, String, String), Result<Digest, String>>,
    repositories: Mutex<Clients>,
    /// The permits of verifications running, each held by its task until it ends
    /// ([`Settings::max_verifications_in_flight`]).
    verifications: Arc<Semaphore>,
    /// The semaphore's size: the setting, at least one.
    max_verifications: usize,
    snapshot: Mutex<Option<SnapshotState>>,
    previous_snapshot: Mutex<Option<PathBuf>>,
    /// This webhook's own directory in [`Settings::snapshot_dir`], made on first use (created
    /// new, never reused, so nobody else can have prepared it); removed on drop.
    private_dir: Mutex<Option<tempfile::TempDir>>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(c) = source {
        let text = c.to_string();
        if !s.contains(&text) {
            let _ = write!(s, ": {text}");
        }
        source = c.source();
    }
    s
}

/// The configuration as read from disk: the OCI trust policy (file name, bytes) and every
/// trust-store file (path relative to `truststore/`, bytes), with their hash.
struct ConfigFiles {
    hash: [u8; 32],
    policy: (&'static str, Vec<u8>),
    trust_store: Vec<(PathBuf, Vec<u8>)>,
}

/// Reads and hashes the OCI trust policy and every trust-store file (path and bytes, in path
/// order), so an edited policy or a rotated certificate invalidates cached results.
///
/// Symbolic links are followed here: Kubernetes mounts ConfigMaps and Secrets as links into a
/// `..data` directory, which notation's readers refuse. The verifier reads a private copy of
/// exactly these bytes instead (see [`materialise`]).
fn read_config(dir: &Path) -> Result<ConfigFiles, Error> {
    let policy = [PolicyKind::Oci.file_name(), "trustpolicy.json"]
        .into_iter()
        .find_map(|name| std::fs::read(dir.join(name)).ok().map(|b| (name, b)))
        .ok_or_else(|| Error::Config {
            reason: format!(
                "no OCI trust policy: {} not found",
                dir.join(PolicyKind::Oci.file_name()).display()
            ),
        })?;
    let store = dir.join("truststore");
    let mut files = Vec::new();
    collect_files(&store, &mut files);
    files.sort();
    let mut h = Sha256::new();
    h.update(policy.0.as_bytes());
    h.update((policy.1.len() as u64).to_be_bytes());
    h.update(&policy.1);
    let mut trust_store = Vec::new();
    for f in files {
        let Ok(rel) = f.strip_prefix(&store).map(Path::to_path_buf) else {
            continue;
        };
        // An unreadable file is left out of the copy, where the verifier reports it missing.
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        h.update(rel.as_os_str().as_encoded_bytes());
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(&bytes);
        trust_store.push((rel, bytes));
    }
    Ok(ConfigFiles {
        hash: h.finalize().into(),
        policy,
        trust_store,
    })
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        // `..data` and `..<timestamp>` are the atomic writer's internals of a mounted volume;
        // the visible names link into them.
        if e.file_name().as_encoded_bytes().starts_with(b"..") {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            // Links are followed, so cut directory loops by depth and count.
            if out.len() < 10_000 && p.components().count() < 64 {
                collect_files(&p, out);
            }
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// Warns when others than the owner may rename entries of `root`: a directory writable by group
/// or others without the sticky bit lets them replace the webhook's private directory.
fn warn_if_shared(root: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(m) = std::fs::metadata(root) {
            let mode = m.permissions().mode();
            if mode & 0o022 != 0 && mode & 0o1000 == 0 {
                tracing::warn!(
                    dir = %root.display(),
                    mode = format_args!("{:o}", mode & 0o7777),
                    "The snapshot directory is writable by other users and has no sticky bit: they could replace the configuration copies"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = root;
}

/// Writes `files` as a notation configuration directory of regular files under `root`.
fn materialise(root: &Path, files: &ConfigFiles) -> Result<PathBuf, Error> {
    let io = |p: &Path, e: std::io::Error| Error::Config {
        reason: format!("writing the configuration snapshot {}: {e}", p.display()),
    };
    let dir = root.join(hex::encode(files.hash.get(..8).unwrap_or_default()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| io(&dir, e))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let policy = dir.join(files.policy.0);
    std::fs::write(&policy, &files.policy.1).map_err(|e| io(&policy, e))?;
    for (rel, bytes) in &files.trust_store {
        let p = dir.join("truststore").join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&p, bytes).map_err(|e| io(&p, e))?;
    }
    Ok(dir)
}

impl Webhook {
    /// A webhook with these settings. Nothing is read until the first review or readiness check.
    pub fn new(settings: Settings) -> Self {
        let plain_http = settings
            .registry
            .plain_http
            .iter()
            .map(|h| notary_trustpolicy::canonical_registry(h).unwrap_or_else(|_| h.clone()))
            .collect();
        let max_verifications = settings
            .max_verifications_in_flight
            .clamp(1, Semaphore::MAX_PERMITS);
        Self {
            cache: OnceCache::new(settings.cache_ttl, settings.cache_max_entries),
            tags: OnceCache::new(settings.tag_cache_ttl, settings.cache_max_entries),
            repositories: Mutex::new(Clients::new(settings.max_registry_clients)),
            verifications: Arc::new(Semaphore::new(max_verifications)),
            max_verifications,
            plain_http,
            settings,
            metrics: Metrics::default(),
            snapshot: Mutex::new(None),
            previous_snapshot: Mutex::new(None),
            private_dir: Mutex::new(None),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The configuration in force, rebuilt when the policy or trust store changed on disk.
    fn snapshot(&self) -> Result<Snapshot, Error> {
        let files = read_config(&self.settings.notation_dir)?;
        let mut current = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = current.as_ref()
            && s.hash == files.hash
        {
            return Ok((s.hash, s.verifier.clone()));
        }
        let root = self.private_dir()?;
        let copy = materialise(&root, &files)?;
        let dir =
            NotationDir::at(&copy).with_plugins_dir(self.settings.notation_dir.join("plugins"));
        // The copy never changes (a change makes a new one), so its trust store is read once.
        let store = notary::truststore::SnapshotTrustStore::new(Arc::new(
            dir.trust_store(self.settings.provider),
        ));
        let verifier = Arc::new(
            dir.oci_verifier(self.settings.provider)
                .map_err(|e| Error::Config { reason: chain(&e) })?
                .with_trust_store(Arc::new(store)),
        );
        // The copy before the one being replaced is no longer read by any verification that
        // started under it (those finished long ago or read their files already); the one
        // being replaced may still be.
        let previous = current.take().map(|s| s.dir);
        if let Some(old) = self
            .previous_snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            && Some(&old) != previous.as_ref()
            && old != copy
        {
            let _ = std::fs::remove_dir_all(old);
        }
        *self
            .previous_snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = previous;
        *current = Some(SnapshotState {
            hash: files.hash,
            verifier: verifier.clone(),
            dir: copy,
        });
        Ok((files.hash, verifier))
    }

    /// This webhook's private directory for configuration copies, made on first use.
    fn private_dir(&self) -> Result<PathBuf, Error> {
        let mut dir = self.private_dir.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = dir.as_ref() {
            return Ok(d.path().to_path_buf());
        }
        let root = &self.settings.snapshot_dir;
        let io = |e: std::io::Error| Error::Config {
            reason: format!(
                "making a private directory for configuration copies in {}: {e}",
                root.display()
            ),
        };
        std::fs::create_dir_all(root).map_err(io)?;
        warn_if_shared(root);
        // A new directory with a random name (created exclusively), mode 0700.
        let mut builder = tempfile::Builder::new();
        builder.prefix("notary-admission-");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let made = builder.tempdir_in(root).map_err(io)?;
        let path = made.path().to_path_buf();
        *dir = Some(made);
        Ok(path)
    }

    /// Ready when the notation configuration directory holds a valid OCI trust policy.
    pub fn ready(&self) -> Result<(), Error> {
        self.snapshot().map(|_| ())
    }

    /// HTTP requests sent to registries so far.
    pub fn registry_requests(&self) -> u64 {
        self.repositories
            .lock()
            .map(|c| c.request_count())
            .unwrap_or(0)
    }

    /// The metrics in Prometheus text format.
    pub fn metrics_text(&self) -> String {
        self.metrics
            .render(self.registry_requests(), self.cache.len())
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn repository(&self, r: &ImageReference) -> Result<RemoteRepository, String> {
        let key = (r.connect_host().to_string(), r.repository.clone());
        let mut clients = self.repositories.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(repo) = clients.get(&key) {
            return Ok(repo);
        }
        let mut options = RemoteOptions::default();
        options.plain_http = self.plain_http.contains(&r.registry);
        options.ca_certificates_pem = self.settings.registry.ca_certificates_pem.clone();
        options.credentials = self.settings.registry.credentials.clone();
        options.timeout = self.settings.registry.timeout;
        options.max_retries = self.settings.registry.max_retries;
        options.user_agent = concat!("notary-admission/", env!("CARGO_PKG_VERSION")).into();
        let repo = RemoteRepository::new(&key.0, &key.1, options).map_err(|e| chain(&e))?;
        clients.insert(key, repo.clone());
        Ok(repo)
    }

    /// Answers one review body: `Ok` with the response to send (HTTP 200), or
    /// [`Error::MalformedReview`] for a body that is no `AdmissionReview` v1 (HTTP 400).
    pub async fn review(self: &Arc<Self>, body: &[u8]) -> Result<AdmissionResponse, Error> {
        self.review_within(body, None).await
    }

    /// [`Self::review`], answering within `budget`: images whose verification has not finished
    /// by then are denied with a message saying so (better than the API server's bare timeout
    /// error), and their verifications go on in the background to fill the cache, so a retry
    /// is answered at once.
    pub async fn review_within(
        self: &Arc<Self>,
        body: &[u8],
        budget: Option<Duration>,
    ) -> Result<AdmissionResponse, Error> {
        let deadline = budget.and_then(|b| tokio::time::Instant::now().checked_add(b));
        inc(&self.metrics.reviews);
        let malformed = |reason: String| {
            inc(&self.metrics.malformed);
            Error::MalformedReview { reason }
        };
        if body.len() > self.settings.max_review_bytes {
            return Err(malformed(format!(
                "the body of {} bytes exceeds the limit of {} bytes",
                body.len(),
                self.settings.max_review_bytes
            )));
        }
        let review: AdmissionReview =
            serde_json::from_slice(body).map_err(|e| malformed(e.to_string()))?;
        if review.api_version != API_VERSION || review.kind != KIND {
            return Err(malformed(format!(
                "expected {API_VERSION} {KIND}, got {} {}",
                review.api_version, review.kind
            )));
        }
        let mut request = review
            .request
            .ok_or_else(|| malformed("no request".into()))?;
        if request.uid.is_empty() {
            return Err(malformed("the request has no uid".into()));
        }
        // Held only until its images are listed, not while they are verified.
        let object = request.object.take();
        let old_object = request.old_object.take();
        let response = |allowed: bool, message: Option<String>, warnings: Vec<String>| {
            inc(if allowed {
                &self.metrics.allowed
            } else {
                &self.metrics.denied
            });
            let (uid, kind) = (&request.uid, &request.kind.kind);
            let namespace = request.namespace.as_deref().unwrap_or_default();
            let name = request.name.as_deref().unwrap_or_default();
            match &message {
                Some(m) => tracing::info!(%uid, %kind, %namespace, %name, reason = %m, "denied"),
                None => tracing::debug!(%uid, %kind, %namespace, %name, "allowed"),
            }
            AdmissionResponse {
                uid: request.uid.clone(),
                allowed,
                status: message.map(|message| Status {
                    code: 403,
                    reason: "Forbidden",
                    message,
                }),
                warnings,
            }
        };
        let Some(object) = object.filter(|o| !o.is_null()) else {
            // DELETE and CONNECT carry no new object: nothing will run.
            return Ok(response(true, None, Vec::new()));
        };
        let mut list = match pod_images(&request.kind, &object) {
            Ok(l) => l,
            Err(reason) => return Ok(response(false, Some(reason), Vec::new())),
        };
        drop(object);
        // An UPDATE is judged on what it adds: an image the old object already named (as
        // written) was admitted with it and keeps running whatever is verified now; denying
        // the update would only block scale-downs, finalizer removals and status writes while
        // a registry is away. A changed or new image is verified as on CREATE.
        if request.operation == "UPDATE"
            && let Some(old) = old_object.filter(|o| !o.is_null())
            && let Ok(before) = pod_images(&request.kind, &old)
        {
            let known: std::collections::HashSet<&str> =
                before.iter().map(|i| i.reference.as_str()).collect();
            list.retain(|i| !known.contains(i.reference.as_str()));
        }
        if list.is_empty() {
            return Ok(response(true, None, Vec::new()));
        }
        let max = self.settings.max_images_per_review;
        if list.len() > max {
            // Fail closed before any task, registry client or request exists for them.
            return Ok(response(
                false,
                Some(format!(
                    "notary-admission: the {} names {} distinct images, more than the {max} one review may verify; none was verified",
                    request.kind.kind,
                    list.len()
                )),
                Vec::new(),
            ));
        }
        let (hash, verifier) = match self.snapshot() {
            Ok(s) => s,
            Err(e) => {
                let n = list.len();
                (0..n).for_each(|_| inc(&self.metrics.errors));
                return Ok(response(
                    false,
                    Some(format!("notary-admission cannot verify images: {e}")),
                    Vec::new(),
                ));
            }
        };
        let mut tasks = tokio::task::JoinSet::new();
        for (i, image) in list.iter().enumerate() {
            let (me, image, verifier) = (self.clone(), image.reference.clone(), verifier.clone());
            tasks.spawn(async move { (i, me.check(&image, hash, verifier).await) });
        }
        let mut verdicts: Vec<Option<Verdict>> = vec![None; list.len()];
        loop {
            let next = match deadline {
                Some(d) => match tokio::time::timeout_at(d, tasks.join_next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        tasks.detach_all();
                        break;
                    }
                },
                None => tasks.join_next().await,
            };
            let Some(done) = next else { break };
            if let Ok((i, v)) = done
                && let Some(slot) = verdicts.get_mut(i)
            {
                *slot = Some(v);
            }
        }
        let mut denials = Vec::new();
        let mut warnings = Vec::new();
        for (image, verdict) in list.iter().zip(verdicts) {
            let subject = PodImage::subject(image);
            match verdict {
                Some(Verdict::Allowed { warnings: w }) => {
                    warnings.extend(
                        w.into_iter()
                            .map(|w| bounded_warning(format!("{subject}: {w}"))),
                    );
                }
                Some(Verdict::Skipped) => {}
                Some(Verdict::Denied { reason } | Verdict::Error { reason }) => {
                    denials.push(format!("{subject}: {reason}"));
                }
                None => denials.push(format!(
                    "{subject}: verification did not finish within the API server's timeout; it goes on in the background, retry shortly"
                )),
            }
        }
        if denials.is_empty() {
            Ok(response(true, None, warnings))
        } else {
            Ok(response(
                false,
                Some(format!("notary-admission: {}", denials.join("; "))),
                warnings,
            ))
        }
    }

    /// Checks one image: parse, resolve a tag, then the cached or shared verification.
    async fn check(
        self: Arc<Self>,
        image: &str,
        hash: [u8; 32],
        verifier: Arc<NotaryVerifier>,
    ) -> Verdict {
        let verdict = self.check_uncounted(image, hash, verifier).await;
        inc(match &verdict {
            Verdict::Allowed { .. } => &self.metrics.verified,
            Verdict::Skipped => &self.metrics.skipped,
            Verdict::Denied { .. } => &self.metrics.failed,
            Verdict::Error { .. } => &self.metrics.errors,
        });
        verdict
    }

    async fn check_uncounted(
        self: &Arc<Self>,
        image: &str,
        hash: [u8; 32],
        verifier: Arc<NotaryVerifier>,
    ) -> Verdict {
        let r = match ImageReference::parse(image) {
            Ok(r) => r,
            Err(reason) => return Verdict::Denied { reason },
        };
        let repo = match self.repository(&r) {
            Ok(repo) => repo,
            Err(reason) => return Verdict::Error { reason },
        };
        let digest = match (&r.digest, &r.tag) {
            (Some(d), _) => d.clone(),
            (None, _) if self.settings.deny_tag_only => {
                return Verdict::Denied {
                    reason: "tag-only references are not allowed: reference the image by digest (name@sha256:...)".into(),
                };
            }
            (None, tag) => {
                let tag = tag.clone().unwrap_or_else(|| "latest".into());
                let key = (
                    r.connect_host().to_string(),
                    r.repository.clone(),
                    tag.clone(),
                );
                let repo = repo.clone();
                let resolve = || async move {
                    repo.resolve_reference(&tag)
                        .await
                        .map(|d| d.digest)
                        .map_err(|e| format!("cannot resolve tag {tag:?}: {}", chain(&e)))
                };
                // Concurrent admissions of one tag share the lookup; with a zero TTL nothing
                // is kept beyond that.
                match self
                    .tags
                    .get_or_compute(key, Result::is_ok, resolve)
                    .await
                    .0
                {
                    Ok(d) => d,
                    Err(reason) => return Verdict::Error { reason },
                }
            }
        };
        let scope = r.scope();
        let key = (scope.clone(), digest.clone(), hash);
        let me = self.clone();
        let (verdict, spared) = self
            .cache
            .get_or_compute(
                key,
                |v| !matches!(v, Verdict::Error { .. }),
                || async move {
                    // Never wait for a permit: waiting tasks would themselves be an unbounded
                    // queue. The permit moves into the task, so a verification left running
                    // after its review gave up still counts until it really ends.
                    let Ok(permit) = me.verifications.clone().try_acquire_owned() else {
                        let max = me.max_verifications;
                        inc(&me.metrics.verifications_refused);
                        tracing::warn!(
                            image = %format!("{scope}@{digest}"),
                            max_verifications_in_flight = max,
                            "verification limit reached; image denied unverified"
                        );
                        return Verdict::Error {
                            reason: format!(
                                "notary-admission is already running {max} verifications (--max-verifications-in-flight); this image was not verified, retry shortly"
                            ),
                        };
                    };
                    // Run on its own task: a client that hangs up must not cancel a
                    // verification other admissions are waiting for.
                    // Bounded as a whole, not only per request: a registry that answers each
                    // of hundreds of referrers pages just inside the request timeout would
                    // otherwise hold the permit for many minutes.
                    let deadline = me
                        .settings
                        .registry
                        .timeout
                        .saturating_mul(VERIFICATION_TIMEOUTS);
                    tokio::spawn(async move {
                        let _permit = permit;
                        tokio::time::timeout(deadline, me.verify(&r, &repo, &digest, &verifier))
                            .await
                            .unwrap_or_else(|_| Verdict::Error {
                                reason: format!(
                                    "verification did not finish within {}s; the image was not verified",
                                    deadline.as_secs()
                                ),
                            })
                    })
                    .await
                    .unwrap_or_else(|e| Verdict::Error {
                        reason: format!("verification task failed: {e}"),
                    })
                },
            )
            .await;
        inc(if spared {
            &self.metrics.cache_hits
        } else {
            &self.metrics.cache_misses
        });
        verdict
    }

    async fn verify(
        &self,
        r: &ImageReference,
        repo: &RemoteRepository,
        digest: &Digest,
        verifier: &NotaryVerifier,
    ) -> Verdict {
        let scope = r.scope();
        let reference = format!("{}/{}@{digest}", r.connect_host(), r.repository);
        let request =
            VerifyArtifactRequest::new(&reference, &scope, time::OffsetDateTime::now_utc());
        match verify_artifact(repo, &Blocking(verifier), &request).await {
            Ok(v) => match &v.outcome {
                VerificationOutcome::Skipped(_) => Verdict::Skipped,
                outcome => Verdict::Allowed {
                    warnings: outcome
                        .warnings()
                        .map(|(validation, reason)| {
                            format!(
                                "trust policy {:?} ({}) logged a failed {} validation: {reason}",
                                outcome.policy_name(),
                                outcome.level().name(),
                                validation.name()
                            )
                        })
                        .collect(),
                },
            },
            Err(e) => self.refusal(&scope, digest, verifier, &e),
        }
    }

    fn refusal(
        &self,
        scope: &str,
        digest: &Digest,
        verifier: &NotaryVerifier,
        e: &VerifyArtifactError,
    ) -> Verdict {
        match e {
            VerifyArtifactError::Repository { .. } => Verdict::Error {
                reason: format!("{scope}@{digest}: {}", chain(e)),
            },
            VerifyArtifactError::AllFailed { failures, .. }
                if failures
                    .iter()
                    .any(|f| matches!(f, SignatureFailure::Fetch { .. })) =>
            {
                Verdict::Error {
                    reason: format!("{scope}@{digest}: {}", chain(e)),
                }
            }
            VerifyArtifactError::NoSignature { .. } => {
                // An `audit` statement records failures without enforcing them; an unsigned
                // image is admitted with a warning.
                let audit = verifier
                    .policy(PolicyTarget::Oci { scope, digest })
                    .ok()
                    .filter(|p| p.level() == VerificationLevel::Audit);
                match audit {
                    Some(p) => Verdict::Allowed {
                        warnings: vec![format!(
                            "trust policy {:?} (audit): no signature is associated with {scope}@{digest}",
                            p.name()
                        )],
                    },
                    None => Verdict::Denied {
                        reason: format!("no signature is associated with {scope}@{digest}"),
                    },
                }
            }
            _ => {
                let validation = e
                    .validation()
                    .map(|v| format!("{} validation failed. Failure reason: ", v.notation_name()))
                    .unwrap_or_default();
                Verdict::Denied {
                    reason: format!("{validation}{}", chain(e)),
                }
            }
        }
    }
}

/// The verifier as the webhook's tasks call it. Its checks are synchronous and some of them
/// wait: a verification plugin's process (up to its 60 s), OCSP and CRL downloads (their
/// timeouts). On the multi-threaded runtime the worker is handed over first
/// (`block_in_place`), so the other reviews, `/healthz` and the review deadlines go on
/// meanwhile instead of waiting behind one hung plugin.
#[derive(Debug)]
struct Blocking<'a>(&'a NotaryVerifier);

impl Verifier for Blocking<'_> {
    fn policy(
        &self,
        target: PolicyTarget<'_>,
    ) -> Result<notary_core::AppliedPolicy, notary_core::VerificationError> {
        self.0.policy(target)
    }

    fn verify(
        &self,
        request: notary_core::VerifyRequest<'_>,
    ) -> Result<VerificationOutcome, notary_core::VerificationError> {
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| self.0.verify(request))
            }
            _ => self.0.verify(request),
        }
    }
}

/// Longest admission warning sent: the API server may truncate longer ones (the admission API
/// asks for 120 characters or fewer and cuts at 256); the whole text goes to the log.
const MAX_WARNING_CHARS: usize = 256;

/// `warning`, cut to [`MAX_WARNING_CHARS`] characters ending in `...` when longer (ASCII: the
/// API server passes warnings on in an HTTP `Warning` header, where clients read ASCII only).
fn bounded_warning(warning: String) -> String {
    if warning.chars().count() <= MAX_WARNING_CHARS {
        return warning;
    }
    tracing::info!(%warning, "admission warning shortened for the API server");
    let mut cut: String = warning.chars().take(MAX_WARNING_CHARS - 3).collect();
    cut.push_str("...");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn warnings_are_cut_to_what_the_api_server_keeps() {
        assert_eq!(bounded_warning("short".into()), "short");
        let long = "é".repeat(400);
        let cut = bounded_warning(long);
        assert_eq!(cut.chars().count(), MAX_WARNING_CHARS);
        assert!(cut.ends_with("..."));
    }
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    fn pod_review(spec: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": API_VERSION, "kind": KIND,
            "request": {
                "uid": "u",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "operation": "CREATE",
                "object": {"spec": spec}
            }
        }))
        .unwrap()
    }

    /// A webhook whose configuration directory holds a policy that skips verification for
    /// every scope (nothing in it needs a trust store), or no policy at all.
    fn webhook(dir: &Path, policy: bool, tweak: impl FnOnce(&mut Settings)) -> Arc<Webhook> {
        if policy {
            std::fs::write(
                dir.join("trustpolicy.oci.json"),
                r#"{"version":"1.0","trustPolicies":[{"name":"all","registryScopes":["*"],"signatureVerification":{"level":"skip"}}]}"#,
            )
            .unwrap();
        }
        let mut settings = Settings::new(dir);
        settings.snapshot_dir = dir.join("snapshots");
        tweak(&mut settings);
        Arc::new(Webhook::new(settings))
    }

    fn message(r: &AdmissionResponse) -> &str {
        r.status.as_ref().map_or("", |s| s.message.as_str())
    }

    #[test]
    fn configuration_copies_go_to_a_new_private_directory_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("snapshots");
        // What another user could have prepared under the old fixed name: never used.
        let planted = root.join(format!("notary-admission-{}", std::process::id()));
        std::fs::create_dir_all(&planted).unwrap();
        let hook = webhook(dir.path(), true, |_| {});
        hook.ready().unwrap();
        let mine: Vec<PathBuf> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p != &planted)
            .collect();
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(
            std::fs::read_dir(&planted).unwrap().count(),
            0,
            "the planted directory was written to"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&mine[0]).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        // The copy of the policy is inside it.
        let copies: Vec<PathBuf> = std::fs::read_dir(&mine[0])
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(copies.len(), 1);
        assert!(copies[0].join("trustpolicy.oci.json").is_file());
        // A second check reuses it; a second webhook gets its own.
        hook.ready().unwrap();
        let other = webhook(dir.path(), true, |_| {});
        other.ready().unwrap();
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 3);
        drop(hook);
        drop(other);
        assert!(!mine[0].exists());
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn an_update_verifies_only_the_images_it_adds() {
        let dir = tempfile::tempdir().unwrap();
        // Tag-only images are denied before any registry request: a denial here shows which
        // images the review looked at.
        let hook = webhook(dir.path(), true, |s| s.deny_tag_only = true);
        let review = |operation: &str, old: Value, new: Value| {
            serde_json::to_vec(&json!({
                "apiVersion": API_VERSION, "kind": KIND,
                "request": {
                    "uid": "u",
                    "kind": {"group": "apps", "version": "v1", "kind": "ReplicaSet"},
                    "operation": operation,
                    "object": {"spec": {"replicas": 0, "template": {"spec": new}}},
                    "oldObject": {"spec": {"replicas": 3, "template": {"spec": old}}}
                }
            }))
            .unwrap()
        };
        let app = json!({"containers": [{"name": "a", "image": "registry.test/app:1"}]});
        // A scale-down with the template unchanged: nothing new to verify.
        let r = hook
            .review(&review("UPDATE", app.clone(), app.clone()))
            .await
            .unwrap();
        assert!(r.allowed, "{}", message(&r));
        // The same object as a CREATE is verified (and refused: tag only).
        let r = hook
            .review(&review("CREATE", app.clone(), app.clone()))
            .await
            .unwrap();
        assert!(!r.allowed);
        // An update that adds a sidecar or changes an image verifies just that image.
        let more = json!({"containers": [
            {"name": "a", "image": "registry.test/app:1"},
            {"name": "b", "image": "registry.test/sidecar:2"}
        ]});
        let r = hook
            .review(&review("UPDATE", app.clone(), more))
            .await
            .unwrap();
        let m = message(&r);
        assert!(
            !r.allowed && m.contains("sidecar:2") && !m.contains("app:1"),
            "{m}"
        );
        let changed = json!({"containers": [{"name": "a", "image": "registry.test/app:2"}]});
        let r = hook
            .review(&review("UPDATE", app.clone(), changed))
            .await
            .unwrap();
        assert!(!r.allowed && message(&r).contains("app:2"));
        // An UPDATE without an old object is verified in full.
        let body = serde_json::to_vec(&json!({
            "apiVersion": API_VERSION, "kind": KIND,
            "request": {
                "uid": "u",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "operation": "UPDATE",
                "object": {"spec": app}
            }
        }))
        .unwrap();
        assert!(!hook.review(&body).await.unwrap().allowed);
        assert_eq!(hook.registry_requests(), 0);
    }

    #[tokio::test]
    async fn image_volumes_are_checked_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let hook = webhook(dir.path(), true, |s| s.deny_tag_only = true);
        let body = pod_review(json!({
            "containers": [{"name": "a", "image": "registry.test/app:1"}],
            "volumes": [
                {"name": "cfg", "configMap": {"name": "c"}},
                {"name": "data", "image": {"reference": "registry.test/data:1"}}
            ]
        }));
        let r = hook.review(&body).await.unwrap();
        assert!(!r.allowed);
        let m = message(&r);
        assert!(
            m.contains(r#"image "registry.test/app:1": tag-only"#)
                && m.contains(r#"volume "data" image "registry.test/data:1": tag-only"#),
            "{m}"
        );
        // Refused before any registry request.
        assert_eq!(hook.registry_requests(), 0);

        let empty = pod_review(json!({
            "containers": [{"name": "a", "image": "registry.test/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}],
            "volumes": [{"name": "data", "image": {"reference": ""}}]
        }));
        let r = hook.review(&empty).await.unwrap();
        assert!(!r.allowed);
        assert!(message(&r).contains(r#"volume "data" is an image volume without a reference"#));
    }

    #[tokio::test]
    async fn a_review_with_too_many_distinct_images_is_denied_unverified() {
        let dir = tempfile::tempdir().unwrap();
        let hook = webhook(dir.path(), true, |_| {});
        let max = DEFAULT_MAX_IMAGES_PER_REVIEW;
        let spec = |n: usize| {
            let containers: Vec<Value> = (0..n)
                .map(
                    |i| json!({"name": format!("c{i}"), "image": format!("registry.test/app:{i}")}),
                )
                .collect();
            // Repeats of a listed image and a volume of one are not new images.
            json!({
                "containers": containers,
                "initContainers": [{"name": "i", "image": "registry.test/app:0"}],
                "volumes": [{"name": "v", "image": {"reference": "registry.test/app:1"}}]
            })
        };
        let start = std::time::Instant::now();
        let r = hook.review(&pod_review(spec(max + 1))).await.unwrap();
        assert!(!r.allowed);
        assert_eq!(
            message(&r),
            format!(
                "notary-admission: the Pod names {} distinct images, more than the {max} one review may verify; none was verified",
                max + 1
            )
        );
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(hook.registry_requests(), 0);
        assert_eq!(hook.repositories.lock().unwrap().map.len(), 0);

        // At the limit the images are checked (here: refused as tag-only, each by itself).
        let strict = webhook(dir.path(), true, |s| s.deny_tag_only = true);
        let r = strict.review(&pod_review(spec(max))).await.unwrap();
        assert!(!r.allowed);
        assert!(!message(&r).contains("distinct images"), "{}", message(&r));
        assert_eq!(message(&r).matches("tag-only").count(), max);
    }

    #[tokio::test]
    async fn registry_clients_are_bounded_least_recently_used_first() {
        let dir = tempfile::tempdir().unwrap();
        let hook = webhook(dir.path(), false, |s| s.max_registry_clients = 3);
        let client = |name: &str| {
            hook.repository(&ImageReference::parse(&format!("registry.test/{name}:1")).unwrap())
                .unwrap()
        };
        let held = |hook: &Webhook| {
            let mut names: Vec<String> = hook
                .repositories
                .lock()
                .unwrap()
                .map
                .iter()
                .map(|((_, r), _)| r.clone())
                .collect();
            names.sort();
            names
        };
        for name in ["a", "b", "c"] {
            client(name);
        }
        client("a");
        client("d");
        assert_eq!(held(&hook), ["a", "c", "d"]);
        for i in 0..6 {
            client(&format!("x{i}"));
            assert!(held(&hook).len() <= 3);
        }
    }

    #[tokio::test]
    async fn verifications_left_running_after_their_review_still_count_against_the_limit() {
        // A "registry" that accepts connections and never answers: a verification against it
        // runs until its (long) registry timeout.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accepted = connections.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(tcp);
            }
        });
        let dir = tempfile::tempdir().unwrap();
        // Not `skip`: verifying then needs the registry's signatures.
        std::fs::write(
            dir.path().join("trustpolicy.oci.json"),
            r#"{"version":"1.0","trustPolicies":[{"name":"all","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:test"],"trustedIdentities":["*"]}]}"#,
        )
        .unwrap();
        let hook = webhook(dir.path(), false, |s| {
            s.max_verifications_in_flight = 1;
            s.registry.plain_http = vec![host.clone()];
            s.registry.timeout = Duration::from_secs(30);
            s.registry.max_retries = 0;
        });
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let review = |name: &str| {
            pod_review(
                json!({"containers": [{"name": "c", "image": format!("{host}/{name}@{digest}")}]}),
            )
        };

        // The first review gives up at its deadline; its verification goes on.
        let budget = Some(Duration::from_millis(300));
        let r = hook.review_within(&review("slow"), budget).await.unwrap();
        assert!(!r.allowed);
        assert!(message(&r).contains("did not finish"), "{}", message(&r));
        assert_eq!(hook.verifications.available_permits(), 0);
        let reached = connections.load(std::sync::atomic::Ordering::SeqCst);
        assert!(reached >= 1, "the verification never reached the registry");

        // Another image is refused at once instead of starting a second verification (without
        // the bound it would wait out its budget and report "did not finish" instead).
        let budget = Some(Duration::from_secs(5));
        let r = hook.review_within(&review("other"), budget).await.unwrap();
        assert!(!r.allowed);
        assert!(
            message(&r).contains(&format!(
                "image \"{host}/other@{digest}\": notary-admission is already running 1 verifications (--max-verifications-in-flight); this image was not verified"
            )),
            "{}",
            message(&r)
        );
        let metrics = hook.metrics_text();
        assert!(
            metrics.contains("notary_admission_verifications_refused_total 1\n"),
            "{metrics}"
        );
        assert_eq!(
            connections.load(std::sync::atomic::Ordering::SeqCst),
            reached
        );
        // An error: nothing cached for the refused image (the hanging one is still in flight).
        assert_eq!(hook.cache.len(), 1);
    }

    #[tokio::test]
    async fn requests_of_evicted_clients_stay_counted() {
        // A "registry" answering 404 to everything.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut seen = Vec::new();
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tcp.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = tcp
                        .write_all(
                            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let hook = webhook(dir.path(), false, |s| {
            s.max_registry_clients = 1;
            s.registry.plain_http = vec![host.clone()];
            s.registry.max_retries = 0;
        });
        let repo = hook
            .repository(&ImageReference::parse(&format!("{host}/a:1")).unwrap())
            .unwrap();
        assert!(repo.resolve_reference("1").await.is_err());
        let sent = hook.registry_requests();
        assert!(sent >= 1);
        hook.repository(&ImageReference::parse(&format!("{host}/b:1")).unwrap())
            .unwrap();
        assert_eq!(hook.repositories.lock().unwrap().map.len(), 1);
        assert_eq!(hook.registry_requests(), sent);
    }
}
