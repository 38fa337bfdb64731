//! `notary sign|verify|list|inspect|copy` on OCI artifacts in registries and OCI image layouts.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{ArgAction, Args};
use notary::DynSignatureRepository;
use notary::artifact::{
    RESOLVE_FAILED, RepositoryOperation, VerifyArtifactError, VerifyArtifactRequest, sign_and_push,
    verify_artifact,
};
use notary_core::SignatureRepository;
use notary_crypto::LocalSigner;
use notary_registry::cache::BlobCache;
use notary_registry::copy::Endpoint;
use notary_registry::remote::{Credential, StaticCredential};
use notary_registry::{OciLayout, RemoteOptions, RemoteReference, RemoteRepository};

use crate::blob::verifier;
use crate::policy::Kind;
use crate::{CmdResult, Failure, parse_pairs};

#[derive(Args)]
pub struct Common {
    /// The reference is an OCI image layout: `<path>:<tag>` or `<path>@<digest>`
    #[arg(long = "oci-layout")]
    pub oci_layout: bool,
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// Do not use the signature cache (signature manifests and envelopes kept by digest in
    /// `$NOTATION_CACHE/notary-signatures`); also `NOTARY_SIGNATURE_CACHE=off`
    #[arg(long = "no-signature-cache")]
    pub no_signature_cache: bool,
    /// The artifact reference: `<registry>/<repository>:<tag>` or `...@<digest>`
    pub reference: String,
}

static CACHE: std::sync::OnceLock<Option<Arc<BlobCache>>> = std::sync::OnceLock::new();

/// A plugin looked up by name that cannot be run, in notation's words where it is not
/// installed (notation users and its e2e tests match them).
pub(crate) fn plugin_missing(e: notary::plugin::PluginError) -> Failure {
    match e {
        notary::plugin::PluginError::NotInstalled { path, .. } => Failure::msg(format!(
            "plugin executable file is either not found or inaccessible: stat {path}: no such file or directory"
        )),
        e => Failure::msg(e.to_string()),
    }
}

/// Waits for the signature cache's writes still under way (entries fetched by this process are
/// written beside its requests and checks): called before the process exits.
pub fn flush_signature_cache() {
    if let Some(Some(c)) = CACHE.get() {
        c.flush();
    }
}

/// A switch set in the environment: `Some(true)` for `1`, `true`, `on` or `yes`, `Some(false)`
/// for `0`, `false`, `off` or `no` (any case), `None` when unset or anything else.
fn env_switch(name: &str) -> Option<bool> {
    let v = std::env::var(name).ok()?.to_ascii_lowercase();
    match v.as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// The process's signature cache: on by default in `$NOTATION_CACHE/notary-signatures`; off
/// with `--no-signature-cache`, `NOTARY_SIGNATURE_CACHE=off` (or `0`, `false`), or when no cache
/// directory can be found. A cache that cannot be written warns once and is skipped.
fn signature_cache(c: &Common) -> Option<Arc<BlobCache>> {
    if c.no_signature_cache {
        return None;
    }
    CACHE
        .get_or_init(|| {
            if env_switch("NOTARY_SIGNATURE_CACHE") == Some(false) {
                return None;
            }
            let dir = crate::notation_dir().ok()?.cache_dir()?.to_path_buf();
            Some(Arc::new(
                BlobCache::in_notation_cache(dir)
                    .with_warning_handler(|m| eprintln!("Warning: {m}")),
            ))
        })
        .clone()
}

/// The request and signature-cache counts of each registry repository, as a debug event
/// (shown with `--debug`).
fn debug_counts(targets: &[Arc<Target>]) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let mut seen = std::collections::BTreeMap::new();
    for t in targets {
        if let Store::Remote(r) = &t.repo {
            seen.entry(t.name.clone()).or_insert_with(|| r.clone());
        }
    }
    // The counts include the writes still under way.
    flush_signature_cache();
    for (name, r) in seen {
        let stats = r.cache().map(|c| c.stats());
        tracing::debug!(
            repository = name.as_str(),
            requests = r.request_count(),
            cache = if stats.is_some() { "on" } else { "off" },
            cache_hits = stats.as_ref().map(|s| s.hits),
            cache_misses = stats.as_ref().map(|s| s.misses),
            cache_writes = stats.as_ref().map(|s| s.writes),
            cache_discarded = stats.as_ref().map(|s| s.discarded),
            "registry request counts"
        );
    }
}

// How to reach registries (no doc comment: clap would show it as the about text of every
// command that flattens these flags).
#[derive(Args, Clone, Default)]
pub struct RegistryFlags {
    /// Use plain HTTP instead of HTTPS for the registry (testing only)
    #[arg(long = "insecure-registry", alias = "plain-http")]
    pub insecure_registry: bool,
    /// Registry user name (default $NOTATION_USERNAME)
    #[arg(short = 'u', long = "username")]
    pub username: Option<String>,
    /// Registry password or identity token (default $NOTATION_PASSWORD)
    #[arg(short = 'p', long = "password")]
    pub password: Option<String>,
    /// Extra trusted CA certificates (PEM) for the registry's TLS certificate
    #[arg(long = "ca-file")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub common: Common,
    /// Signing key name
    #[arg(short = 'k', long = "key")]
    pub key: Option<String>,
    /// Sign with this plugin (with --id) instead of a configured key
    #[arg(long)]
    pub plugin: Option<String>,
    /// Key id for --plugin
    #[arg(long)]
    pub id: Option<String>,
    /// Plugin configuration key=value (repeatable)
    #[arg(long = "plugin-config")]
    pub plugin_config: Vec<String>,
    /// Signature envelope format: jws or cose
    #[arg(long = "signature-format")]
    pub format: Option<String>,
    /// Signature expiry duration (e.g. 24h)
    #[arg(short = 'e', long = "expiry", allow_hyphen_values = true)]
    pub expiry: Option<String>,
    /// User metadata key=value (repeatable)
    #[arg(short = 'm', long = "user-metadata")]
    pub user_metadata: Vec<String>,
    /// RFC 3161 timestamp authority URL (http)
    #[arg(long = "timestamp-url")]
    pub timestamp_url: Option<String>,
    /// The TSA's root certificate (one self-signed certificate, PEM or DER)
    // (An empty path is the command's to refuse, in notation's words.)
    #[arg(long = "timestamp-root-cert", value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
    pub timestamp_root_cert: Option<PathBuf>,
    /// Store the signature in the referrers tag schema even when the registry has the
    /// referrers API (notation's default; `--force-referrers-tag=false` uses the API).
    /// `NOTARY_CONFIRM_REFERRERS_TAG=1` reads each tag index write back, so that signers of
    /// one artifact at the same moment do not drop each other's signatures
    /// [default: true]
    // Not given is not the same as given true: with --oci-layout or --allow-referrers-api it is
    // refused in notation's (cobra's) words, by `referrers_flag_group`.
    #[arg(long = "force-referrers-tag", action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub force_referrers_tag: Option<bool>,
    /// Deprecated (notation v1.3): `--allow-referrers-api` is `--force-referrers-tag=false`
    #[arg(long = "allow-referrers-api", hide = true, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub allow_referrers_api: Option<bool>,
    /// More artifacts to sign with the same key and options (signed concurrently)
    #[arg(value_name = "MORE")]
    pub more: Vec<String>,
}

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub common: Common,
    /// Registry scope the trust policy sees for an OCI layout (e.g. local/app)
    #[arg(long)]
    pub scope: Option<String>,
    /// User metadata the signature must carry, key=value (repeatable)
    #[arg(short = 'm', long = "user-metadata")]
    pub user_metadata: Vec<String>,
    #[command(flatten)]
    pub listing: ListingArgs,
    /// Configuration key=value passed to the verification plugin (repeatable)
    #[arg(long = "plugin-config")]
    pub plugin_config: Vec<String>,
    /// Output format: text or json
    #[arg(short = 'o', long = "output", default_value = "text")]
    pub output: String,
    /// More artifacts to verify with the same policy and options (verified concurrently;
    /// `-o json` then prints an array)
    #[arg(value_name = "MORE")]
    pub more: Vec<String>,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub listing: ListingArgs,
}

#[derive(Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub listing: ListingArgs,
    /// Output format: text or json
    #[arg(short = 'o', long = "output", default_value = "text")]
    pub output: String,
}

// The listing flags of verify, list and inspect (a plain comment: clap would take a doc
// comment here for the about text of every command that flattens it).
#[derive(Args)]
pub struct ListingArgs {
    /// Most signatures examined
    #[arg(long = "max-signatures", default_value_t = 100, value_parser = crate::go_int, allow_hyphen_values = true)]
    pub max_signatures: i64,
    /// Deprecated and ignored (notation v1.3 accepts it with a warning)
    #[arg(long = "allow-referrers-api", hide = true, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub allow_referrers_api: Option<bool>,
}

impl ListingArgs {
    /// notation's checks: `--max-signatures` must be positive, and the deprecated
    /// `--allow-referrers-api` is accepted with a warning. Returns the limit.
    fn check(&self) -> Result<usize, Failure> {
        let max = usize::try_from(self.max_signatures)
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| {
                Failure::msg(format!(
                    "max-signatures value {} must be a positive number",
                    self.max_signatures
                ))
            })?;
        if self.allow_referrers_api.is_some() {
            eprintln!(
                "Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions."
            );
        }
        Ok(max)
    }
}

/// A signer, or a local key and certificate being read and parsed on a thread of their own.
#[derive(Clone)]
enum SignerSlot {
    Ready(Arc<dyn notary_core::Signer>),
    Loading(Arc<LoadingSigner>),
}

struct LoadingSigner {
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<Result<LocalSigner, String>>>>,
    done: std::sync::OnceLock<Result<Arc<dyn notary_core::Signer>, String>>,
}

impl SignerSlot {
    fn start(source: crate::blob::SignerSource) -> Self {
        match source {
            crate::blob::SignerSource::Ready(s) => Self::Ready(Arc::from(s)),
            crate::blob::SignerSource::LocalFiles { key, cert } => {
                let thread = std::thread::spawn(move || {
                    LocalSigner::from_files(&key, &cert).map_err(|e| e.to_string())
                });
                Self::Loading(Arc::new(LoadingSigner {
                    thread: std::sync::Mutex::new(Some(thread)),
                    done: std::sync::OnceLock::new(),
                }))
            }
        }
    }

    /// The signer, waiting for its files to be parsed (blocking).
    fn get(&self) -> Result<Arc<dyn notary_core::Signer>, String> {
        match self {
            Self::Ready(s) => Ok(Arc::clone(s)),
            Self::Loading(l) => l
                .done
                .get_or_init(|| {
                    let handle = l.thread.lock().ok().and_then(|mut t| t.take());
                    match handle.map(std::thread::JoinHandle::join) {
                        Some(Ok(Ok(s))) => Ok(Arc::new(s) as Arc<dyn notary_core::Signer>),
                        Some(Ok(Err(m))) => Err(m),
                        _ => Err("the signing key could not be loaded".to_string()),
                    }
                })
                .clone(),
        }
    }
}

/// Runs a blocking signer (local key, plugin process, PKCS#11 token) on tokio's blocking pool:
/// the `AsyncSigner` adapter documented in `notary_core::AsyncSigner`.
///
/// With `inline`, a local key signs on the runtime's own thread: one artifact has nothing else
/// to do while its one signature is computed (about a millisecond), and a thread start costs
/// as much. Plugins and tokens, which may take seconds, always go to the pool.
struct SpawnBlocking {
    slot: SignerSlot,
    inline: bool,
}

impl SpawnBlocking {
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn notary_core::Signer) -> Result<T, notary_core::Error> + Send + 'static,
    ) -> Result<T, notary_core::Error> {
        if self.inline && matches!(self.slot, SignerSlot::Loading(_)) {
            let s = self
                .slot
                .get()
                .map_err(|reason| notary_core::Error::SigningFailed { reason })?;
            return f(s.as_ref());
        }
        let slot = self.slot.clone();
        tokio::task::spawn_blocking(move || {
            let s = slot
                .get()
                .map_err(|reason| notary_core::Error::SigningFailed { reason })?;
            f(s.as_ref())
        })
        .await
        .map_err(|e| notary_core::Error::SigningFailed {
            reason: e.to_string(),
        })?
    }
}

impl notary::AsyncSigner for SpawnBlocking {
    async fn key_spec_async(&self) -> Result<notary::KeySpec, notary_core::Error> {
        self.run(|s| s.key_spec()).await
    }

    async fn sign_async(
        &self,
        input: &[u8],
    ) -> Result<notary_core::RawSignature, notary_core::Error> {
        let input = input.to_vec();
        self.run(move |s| s.sign(&input)).await
    }

    fn envelope_generator(&self) -> Option<&dyn notary_core::EnvelopeGenerator> {
        // Local keys (the only ones loaded late) never generate envelopes themselves.
        match &self.slot {
            SignerSlot::Ready(s) => s.envelope_generator(),
            SignerSlot::Loading(_) => None,
        }
    }

    fn signing_agent_suffix(&self) -> Option<String> {
        match &self.slot {
            SignerSlot::Ready(s) => s.signing_agent_suffix(),
            SignerSlot::Loading(_) => None,
        }
    }
}

/// A repository chosen at run time: an OCI layout or a registry.
pub enum Store {
    Layout(OciLayout),
    Remote(RemoteRepository),
}

impl Store {
    /// The repository behind the object-safe trait, for the artifact flows.
    pub fn repo(&self) -> &dyn DynSignatureRepository {
        match self {
            Self::Layout(l) => l,
            Self::Remote(r) => r,
        }
    }

    /// The copy endpoint.
    pub fn endpoint(&self) -> Endpoint<'_> {
        match self {
            Self::Layout(l) => Endpoint::Layout(l),
            Self::Remote(r) => Endpoint::Remote(r),
        }
    }
}

/// Where the artifact lives and how to name it in output.
pub struct Target {
    pub repo: Store,
    /// The layout path or `registry/repository`.
    pub name: String,
    /// The tag or digest inside it.
    pub object: String,
    /// `registry/repository` for registries (the trust policy scope).
    pub scope: Option<String>,
}

impl Target {
    fn at(&self, digest: &impl std::fmt::Display) -> String {
        format!("{}@{digest}", self.name)
    }

    /// The reference as given: `name@digest` or `name:tag`.
    fn given(&self) -> String {
        if self.object.contains(':') {
            self.at(&self.object)
        } else {
            format!("{}:{}", self.name, self.object)
        }
    }
}

/// A current-thread runtime, for one artifact and for batches (see `run_batch`).
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::msg(format!("cannot start the I/O runtime: {e}")))
}

/// Splits `<path>@<digest>` or `<path>:<tag>` (a missing tag is allowed when `optional`).
fn split_layout(r: &str, optional: bool) -> Result<(String, Option<String>), Failure> {
    // notation's split: the last `@` (a digest), else the last `:` (a tag); an empty path or
    // an empty tag or digest is refused in its words.
    let invalid = |why: &str| {
        Failure::msg(format!(
            "{r:?}: invalid reference: {why}. Expecting <file_path>:<tag> or <file_path>@<digest>"
        ))
    };
    let (path, object) = match r.rsplit_once('@') {
        Some((p, d)) => (p, d),
        None => match r.rsplit_once(':') {
            // A destination may be a bare path whose directories hold a `:`.
            Some((_, t)) if optional && t.contains('/') => return Ok((r.to_string(), None)),
            Some((p, t)) => (p, t),
            None if optional => return Ok((r.to_string(), None)),
            None => return Err(invalid("missing tag or digest")),
        },
    };
    if path.is_empty() {
        return Err(invalid("missing oci-layout file path"));
    }
    if object.is_empty() {
        return if optional {
            Ok((path.to_string(), None))
        } else {
            Err(invalid("missing tag or digest"))
        };
    }
    Ok((path.to_string(), Some(object.to_string())))
}

/// Registry client options from flags, `config.json` and the environment, as notation does:
/// plain HTTP for `--insecure-registry`, registries listed in `insecureRegistries` and
/// `localhost`; credentials from the flags or `$NOTATION_USERNAME`/`$NOTATION_PASSWORD`, else
/// notation's `config.json` when it configures any, else Docker's.
pub fn remote_options(flags: &RegistryFlags, registry: &str) -> Result<RemoteOptions, Failure> {
    let mut o = crate::notation_dir()?.remote_options(registry)?;
    o.plain_http |= flags.insecure_registry;
    o.user_agent = format!("notary/{}", env!("CARGO_PKG_VERSION"));
    // Opt-in (notation has no such step): read each referrers tag index write back and add the
    // entry again if a concurrent signer's index replaced it.
    o.confirm_tag_index_writes = env_switch("NOTARY_CONFIRM_REFERRERS_TAG") == Some(true);
    if let Some(ca) = &flags.ca_file {
        let pem = crate::config::read_input(ca, crate::config::MAX_SMALL_FILE)?;
        o.ca_certificates_pem.push(pem);
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    // A flag, even empty, overrides its variable; an empty result counts as unset, so `-u ""`
    // makes the password a refresh token and neither set leaves the credential stores, as in
    // notation.
    let user = flags
        .username
        .clone()
        .or_else(|| env("NOTATION_USERNAME"))
        .filter(|u| !u.is_empty());
    let pass = flags
        .password
        .clone()
        .or_else(|| env("NOTATION_PASSWORD"))
        .filter(|p| !p.is_empty());
    match (user, pass) {
        // A user name alone goes with an empty password, as in notation (a registry that
        // needs no credentials never asks for them).
        (Some(u), p) => {
            o.credentials = Arc::new(StaticCredential(Credential::Basic {
                username: u,
                password: p.unwrap_or_default(),
            }));
        }
        // An identity token alone is a refresh token, as in notation.
        (None, Some(p)) => {
            o.credentials = Arc::new(StaticCredential(Credential::RefreshToken(p)));
        }
        // notation's config.json when it configures credentials, else Docker's.
        (None, None) => {}
    }
    Ok(o)
}

/// Opens the artifact's repository: an OCI layout with `--oci-layout`, else a registry.
pub fn target(c: &Common, force_referrers_tag: bool) -> Result<Target, Failure> {
    target_shared(c, force_referrers_tag, &mut HashMap::new())
}

/// Like [`target`], reusing one client per registry repository across references (shared
/// connections, tokens and what the client learned about the registry).
fn target_shared(
    c: &Common,
    force_referrers_tag: bool,
    clients: &mut HashMap<String, RemoteRepository>,
) -> Result<Target, Failure> {
    if c.oci_layout {
        let (path, object) = split_layout(&c.reference, false)?;
        check_layout_dir(&path)?;
        let layout = OciLayout::open(PathBuf::from(&path))?;
        return Ok(Target {
            repo: Store::Layout(layout),
            name: path,
            object: object.unwrap_or_default(),
            scope: None,
        });
    }
    let r = RemoteReference::parse(&c.reference).map_err(|e| {
        // notation's shape (`"REF": invalid reference: WHY. Expecting ...`), with a hint.
        let expecting = "Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest> (for an OCI image layout directory, add --oci-layout)";
        match e {
            notary_registry::Error::InvalidReference { reference, reason } => Failure::msg(
                format!("{reference:?}: invalid reference: {reason}. {expecting}"),
            ),
            other => Failure::msg(format!("{other}. {expecting}")),
        }
    })?;
    // Keyed by the registry as typed: with plain HTTP, `host:443` and `host` (port 80) are two
    // endpoints although their policy scope is the same.
    let client_key = format!("{}/{}", r.registry, r.repository);
    let repo = match clients.get(&client_key) {
        Some(existing) => existing.clone(),
        None => {
            let mut o = remote_options(&c.registry, &r.registry)?;
            o.force_referrers_tag = force_referrers_tag;
            o.cache = signature_cache(c);
            let repo = RemoteRepository::for_reference(&r, o)?;
            clients.insert(client_key, repo.clone());
            repo
        }
    };
    Ok(Target {
        repo: Store::Remote(repo),
        name: format!("{}/{}", r.registry, r.repository),
        object: r.object(),
        scope: Some(r.scope()),
    })
}

/// notation's words for an artifact the repository could not resolve: the repository's reason
/// after [`RESOLVE_FAILED`], except that a reference an OCI layout does not hold is only "not
/// found" (oras-go's layout store names nothing).
fn resolve_failure(t: &Target, e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if matches!(t.repo, Store::Layout(_))
            && matches!(
                c.downcast_ref::<notary_registry::Error>(),
                Some(notary_registry::Error::NotFound { .. })
            )
        {
            return format!("{RESOLVE_FAILED}: not found");
        }
        cause = c.source();
    }
    format!("{RESOLVE_FAILED}: {e}")
}

/// notation's checks of a layout path before it opens the layout (Go's words for the file
/// system's answer).
fn check_layout_dir(path: &str) -> CmdResult {
    match std::fs::metadata(path) {
        Err(e) => Err(Failure::msg(format!(
            "failed to create OCI store: stat {path}: {e}"
        ))),
        Ok(m) if !m.is_dir() => Err(Failure::msg(
            "failed to create OCI store: the input path is not a directory",
        )),
        Ok(_) => Ok(()),
    }
}

/// Names each manifest of an OCI layout that the listing had to leave out and why (a signature
/// among them would otherwise be missing without a word; notation fails on the first).
fn warn_unreadable(t: &Target) {
    if let Store::Layout(layout) = &t.repo {
        for (digest, why) in layout.unreadable_manifests() {
            eprintln!(
                "Warning: manifest {digest} of the OCI layout could not be read and was left out: {why}"
            );
        }
    }
}

/// Whether the tag-or-digest part of a reference is a tag: anything that is not a digest (an
/// OCI layout's tag may hold a `:`, such as `prod:v1`).
fn is_tag(object: &str) -> bool {
    object.parse::<notary_core::Digest>().is_err()
}

/// notation's warning for `verb` (verify, list, inspect) given a tag reference.
fn warn_unpinned(verb: &str, object: &str) {
    if is_tag(object) {
        eprintln!(
            "Warning: Always {verb} the artifact using digest(@sha256:...) rather than a tag(:{object}) because resolved digest may not point to the same signed artifact, as tags are mutable."
        );
    }
}

/// notation's warning when more signatures exist than `--max-signatures`.
fn warn_exceeded(max_signatures: usize) {
    eprintln!("Warning: exceeded configured limit of max signatures {max_signatures} to examine");
}

fn warn_tag(object: &str, digest: &str) {
    if is_tag(object) {
        eprintln!(
            "Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:{object}) because tags are mutable and a tag reference can point to a different artifact than the one signed."
        );
        // notation-go logs this at info level (shown with -v), not as output.
        tracing::info!("Resolved artifact tag `{object}` to digest `{digest}` before signing");
    }
}

/// How many artifacts a batch signs or verifies at once.
const BATCH_CONCURRENCY: usize = 8;

/// One target per reference (`first` then `more`), sharing registry clients.
fn targets(
    common: &Common,
    more: &[String],
    force_referrers_tag: bool,
) -> Result<Vec<Arc<Target>>, Failure> {
    let mut clients = HashMap::new();
    std::iter::once(common.reference.clone())
        .chain(more.iter().cloned())
        .map(|reference| {
            let c = Common {
                oci_layout: common.oci_layout,
                registry: common.registry.clone(),
                no_signature_cache: common.no_signature_cache,
                reference,
            };
            target_shared(&c, force_referrers_tag, &mut clients).map(Arc::new)
        })
        .collect()
}

/// Runs `work` for every target, at most [`BATCH_CONCURRENCY`] at a time, and returns the
/// results in target order.
fn run_batch<T, F, Fut>(targets: &[Arc<Target>], work: F) -> Result<Vec<T>, Failure>
where
    T: Send + 'static,
    F: Fn(Arc<Target>) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    // Everything runs on this thread but a batch's OCI layouts: their reads and synced writes
    // block, so each of those runs on the blocking pool (`Handle::block_on`) and they overlap
    // across cores. Registry artifacts wait on the network and cost a fraction of a millisecond
    // of CPU each: this thread drives them best. tokio's multi-thread scheduler would spread
    // both but brings libm into the binary, one shared library more to load in every run
    // (compare-notation.sh times one process per artifact).
    let rt = runtime()?;
    let batch = targets.len() > 1;
    let out = rt.block_on(async {
        let sem = Arc::new(tokio::sync::Semaphore::new(BATCH_CONCURRENCY));
        let mut set = tokio::task::JoinSet::new();
        for (i, t) in targets.iter().enumerate() {
            let sem = sem.clone();
            let fut = work(t.clone());
            let handle =
                (batch && matches!(t.repo, Store::Layout(_))).then(tokio::runtime::Handle::current);
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                match handle {
                    Some(h) => tokio::task::spawn_blocking(move || h.block_on(fut))
                        .await
                        .map(|v| (i, v)),
                    None => Ok((i, fut.await)),
                }
            });
        }
        let mut out: Vec<Option<T>> = (0..targets.len()).map(|_| None).collect();
        while let Some(done) = set.join_next().await {
            let (i, v) = done
                .and_then(|r| r)
                .map_err(|e| Failure::msg(format!("internal task failure: {e}")))?;
            out[i] = Some(v);
        }
        Ok(out.into_iter().flatten().collect())
    });
    // Every task was awaited above: what is left is idle blocking-pool threads, which need not
    // be woken and joined one by one before the process exits.
    rt.shutdown_background();
    out
}

/// cobra's mutually exclusive group of `sign`: at most one of `--oci-layout`,
/// `--force-referrers-tag` and `--allow-referrers-api` (given at all, whatever its value).
fn referrers_flag_group(a: &SignArgs) -> CmdResult {
    let mut set: Vec<&str> = [
        ("oci-layout", a.common.oci_layout),
        ("force-referrers-tag", a.force_referrers_tag.is_some()),
        ("allow-referrers-api", a.allow_referrers_api.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    if set.len() > 1 {
        set.sort_unstable();
        return Err(Failure::msg(format!(
            "if any flags in the group [oci-layout force-referrers-tag allow-referrers-api] are set none of the others can be; [{}] were all set",
            set.join(" ")
        )));
    }
    Ok(())
}

/// The reserved user-metadata key notation-go refuses (once the artifact has resolved), in its
/// words.
pub(crate) fn reserved_metadata(
    metadata: &std::collections::BTreeMap<String, String>,
) -> Option<Failure> {
    const PREFIX: &str = "io.cncf.notary";
    metadata.keys().find(|k| k.starts_with(PREFIX)).map(|k| {
        Failure::msg(format!(
            "error adding user metadata: metadata key {k} has reserved prefix {PREFIX}"
        ))
    })
}

pub fn sign(a: SignArgs) -> CmdResult {
    // As notation: pflag reads the expiry as it parses the flags, then cobra checks the flag
    // groups, then the command gets the signer, opens the repositories, reads the signing
    // options, resolves the artifacts, and only then checks the expiry's value and the
    // metadata keys.
    let expiry = a.expiry.as_deref().map(crate::go_duration).transpose()?;
    let plugin = crate::blob::signer_flags(
        a.key.as_deref(),
        a.plugin.as_deref(),
        a.id.as_deref(),
        [a.timestamp_url.is_some(), a.timestamp_root_cert.is_some()],
    )?;
    referrers_flag_group(&a)?;
    let mut force_referrers_tag = a.force_referrers_tag.unwrap_or(true);
    match a.allow_referrers_api {
        Some(true) => {
            eprintln!(
                "Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions, use '--force-referrers-tag=false' instead."
            );
            force_referrers_tag = false;
        }
        Some(false) => eprintln!(
            "Warning: flag '--allow-referrers-api' is deprecated and will be removed in future versions."
        ),
        None => {}
    }
    // A local key is read and parsed on its own thread from here on, while the clients are
    // built and the first requests are out. `--plugin-config` is read after the signer (a
    // malformed one is reported after a signer that cannot be found), but a plugin key gets it.
    let plugin_config = parse_pairs(&a.plugin_config, "--plugin-config");
    let source = match (plugin, &plugin_config) {
        (Some((p, id)), Ok(config)) => {
            crate::blob::SignerSource::Ready(crate::blob::plugin_signer(p, id, config.clone())?)
        }
        (Some((p, _)), Err(_)) => {
            crate::notation_dir()?
                .plugin_host()
                .executable(p)
                .map_err(plugin_missing)?;
            return plugin_config.map(drop);
        }
        (None, config) => crate::blob::signer_source(
            a.key.as_deref(),
            config.as_ref().unwrap_or(&Default::default()),
        )?,
    };
    let slot = SignerSlot::start(source);
    let targets = targets(&a.common, &a.more, force_referrers_tag)?;
    let format = match a.format {
        Some(f) => f,
        None => crate::blob::default_format()?,
    };
    let mut options = notary::SignOptions::new(crate::now());
    options.provider = crate::provider();
    options.format = crate::blob::envelope_format(&format)?;
    plugin_config?;
    options.user_metadata = parse_pairs(&a.user_metadata, "--user-metadata")?;
    options.timestamper = crate::blob::timestamper(a.timestamp_url, a.timestamp_root_cert)?;
    let expiry = expiry.map(crate::expiry_duration);
    let reserved = reserved_metadata(&options.user_metadata);
    if reserved.is_some() || expiry.as_ref().is_some_and(Result::is_err) {
        // notation reports an artifact that does not resolve first.
        let rt = runtime()?;
        for t in &targets {
            rt.block_on(t.repo.repo().resolve(&t.object))
                .map_err(|e| Failure::msg(resolve_failure(t, &e)))?;
        }
        expiry.transpose()?;
        return Err(reserved.unwrap_or_else(|| Failure::msg("invalid signing options")));
    }
    options.expiry = expiry.transpose()?;
    let options = Arc::new(options);
    // Keys may sit behind a plugin process or an HSM: signing runs on the blocking pool so the
    // batch's other uploads go on meanwhile (one artifact signs with a local key in place).
    let signer = Arc::new(SpawnBlocking {
        slot: slot.clone(),
        inline: targets.len() == 1,
    });
    let results = run_batch(&targets, |t| {
        let (signer, options) = (signer.clone(), options.clone());
        async move {
            sign_and_push(t.repo.repo(), &t.object, signer.as_ref(), &options)
                .await
                .map_err(|e| match e {
                    notary::artifact::SignAndPushError::Resolve(source) => {
                        resolve_failure(&t, source.as_ref())
                    }
                    e => e.to_string(),
                })
        }
    })?;
    debug_counts(&targets);
    // A key that could not be loaded failed every target: say so once, as before any request.
    slot.get().map_err(Failure::msg)?;
    let mut failed = 0;
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(pushed) => {
                warn_tag(&t.object, &pushed.artifact.digest.to_string());
                println!("Successfully signed {}", t.at(&pushed.artifact.digest));
                println!(
                    "Pushed the signature to {}",
                    t.at(&pushed.pushed.manifest.digest)
                );
            }
            Err(e) if targets.len() == 1 => return Err(Failure::msg(e)),
            Err(e) => {
                failed += 1;
                eprintln!("Error: {}: {e}", t.given());
            }
        }
    }
    if failed > 0 {
        return Err(Failure::msg(format!(
            "{failed} of {} artifacts were not signed",
            targets.len()
        )));
    }
    Ok(())
}

/// `verify`'s options shared by the verifications of a batch.
struct VerifyOptions {
    max_signatures: usize,
    user_metadata: std::collections::BTreeMap<String, String>,
}

/// What one verification printed: JSON value or text lines, warnings, or the failure.
struct Verified {
    json: serde_json::Value,
    text: String,
    warnings: Vec<String>,
}

async fn verify_one(
    t: Arc<Target>,
    scope: String,
    v: Arc<dyn notary::Verifier>,
    opts: Arc<VerifyOptions>,
) -> Result<Verified, String> {
    // In a layout, a reference that only looks like a digest (`sha256:ABC`) is a tag to
    // notation's store: resolved as one here too, rather than refused as a malformed digest.
    let mut object = t.object.clone();
    if matches!(t.repo, Store::Layout(_))
        && ["sha256:", "sha384:", "sha512:"]
            .iter()
            .any(|a| object.starts_with(a))
        && is_tag(&object)
    {
        let d = t
            .repo
            .repo()
            .resolve(&object)
            .await
            .map_err(|e| resolve_failure(&t, &e))?;
        object = d.digest.to_string();
    }
    let mut request = VerifyArtifactRequest::new(&object, &scope, crate::now())
        .with_max_signatures(opts.max_signatures);
    if !opts.user_metadata.is_empty() {
        request = request.with_user_metadata(&opts.user_metadata);
    }
    let res = verify_artifact(t.repo.repo(), v.as_ref(), &request).await;
    warn_unreadable(&t);
    // notation resolves before it verifies: a failure to resolve in its own words, with no
    // verification headline, and the tag warning only once the tag has resolved.
    if let Err(VerifyArtifactError::Repository {
        operation: RepositoryOperation::Resolve,
        source,
    }) = &res
    {
        return Err(resolve_failure(&t, source.as_ref()));
    }
    warn_unpinned("verify", &t.object);
    // The artifact as notation names it in its headline: resolved to its digest.
    let named = |reference: &str| {
        reference
            .rsplit_once('@')
            .map_or_else(|| t.given(), |(_, digest)| t.at(&digest))
    };
    if let Err(VerifyArtifactError::AllFailed { failures, .. }) = &res
        && let Some(e) = failures
            .iter()
            .find_map(|f| crate::output::trust_store_failure(f))
    {
        return Err(e);
    }
    let done = match res {
        Ok(d) => d,
        // notation's headline, then why: inline for one signature, one line each for more
        // (most progressed first).
        Err(VerifyArtifactError::AllFailed {
            failures,
            reference,
        }) if failures.len() == 1 => {
            let why = failures
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            return Err(format!(
                "signature verification failed for all the signatures associated with {}: {why}",
                named(&reference)
            ));
        }
        Err(VerifyArtifactError::AllFailed {
            failures,
            reference,
        }) => {
            let lines: Vec<String> = failures
                .iter()
                .enumerate()
                .map(|(i, f)| format!("  signature {}: {f}", i + 1))
                .collect();
            return Err(format!(
                "signature verification failed for all the signatures associated with {}:\n{}",
                named(&reference),
                lines.join("\n")
            ));
        }
        Err(e) => return Err(format!("signature verification failed: {e}")),
    };
    let reference = t.at(&done.artifact.digest);
    let verified = done.outcome.verified();
    let info = verified.map(|v| v.envelope().signer_info());
    let json = serde_json::json!({
        "reference": reference,
        "level": done.outcome.level().name(),
        "policy": done.outcome.policy_name(),
        "signature": done.signature_manifest.as_ref().map(|d| d.digest.to_string()),
        "userMetadata": verified.and_then(|v| v.payload().target_artifact.annotations.clone()),
        "signatureAlgorithm": info.map(|i| i.signature_algorithm.name()),
        "warnings": done.outcome.warnings().map(|(v, r)| serde_json::json!({"validation": v.name(), "error": r})).collect::<Vec<_>>(),
    });
    // A tag was warned about before verifying (see `verify`).
    let text = crate::output::verification_text(&done.outcome, &reference, is_tag(&t.object));
    let warnings = done
        .outcome
        .warnings()
        .map(|(v, r)| {
            format!(
                "Warning: {} was set to \"log\" and failed with error: {r}",
                v.notation_name()
            )
        })
        .collect();
    Ok(Verified {
        json,
        text,
        warnings,
    })
}

pub fn verify(a: VerifyArgs) -> CmdResult {
    let json = crate::output::wants_json(&a.output)?;
    let max_signatures = a.listing.check()?;
    if a.scope.is_some() && !a.common.oci_layout {
        return Err(Failure::msg(
            "if any flags in the group [oci-layout scope] are set they must all be set; missing [oci-layout]",
        ));
    }
    if a.scope.is_none() && a.common.oci_layout {
        return Err(Failure::msg(
            "if any flags in the group [oci-layout scope] are set they must all be set; missing [scope]",
        ));
    }
    // notation loads the trust policy and trust stores, then reads the plugin configuration
    // and user metadata, then the reference: its first error is reported.
    let v = verifier(Kind::Oci)?;
    let plugin_config = parse_pairs(&a.plugin_config, "--plugin-config")?;
    let v: Arc<dyn notary::Verifier> = Arc::new(v.with_plugin_config(plugin_config));
    let opts = Arc::new(VerifyOptions {
        max_signatures,
        user_metadata: parse_pairs(&a.user_metadata, "--user-metadata")?,
    });
    let targets = targets(&a.common, &a.more, false)?;
    // An empty --scope counts as given for the flag group but not as a scope: notation then
    // takes the layout's path as written as the scope, and so does this.
    let scope_flag = a.scope.clone().filter(|s| !s.is_empty());
    let scope_of = |t: &Target| {
        t.scope
            .clone()
            .or_else(|| scope_flag.clone())
            .unwrap_or_else(|| t.name.clone())
    };
    if a.common.oci_layout {
        for t in &targets {
            // notation's words for a --scope that no policy could name.
            notary_trustpolicy::validate_registry_scope(&scope_of(t))
                .map_err(|e| Failure::msg(format!("signature verification failed: {e}")))?;
        }
    }
    let results = run_batch(&targets, |t| {
        let scope = scope_of(&t);
        verify_one(t, scope, v.clone(), opts.clone())
    })?;
    debug_counts(&targets);
    if targets.len() == 1 {
        let r = results
            .into_iter()
            .next()
            .ok_or_else(|| Failure::msg("no result"))?;
        let done = r.map_err(Failure::msg)?;
        if json {
            println!("{}", serde_json::to_string_pretty(&done.json)?);
        } else {
            for w in &done.warnings {
                eprintln!("{w}");
            }
            print!("{}", done.text);
        }
        return Ok(());
    }
    let mut failed = 0;
    let mut array = Vec::new();
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(done) => {
                if json {
                    array.push(done.json);
                } else {
                    for w in &done.warnings {
                        eprintln!("{w}");
                    }
                    print!("{}", done.text);
                }
            }
            Err(e) => {
                failed += 1;
                if json {
                    array.push(serde_json::json!({"reference": t.given(), "error": e}));
                } else {
                    eprintln!("Error: {}: {e}", t.given());
                }
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&array)?);
    }
    if failed > 0 {
        return Err(Failure::msg(format!(
            "{failed} of {} artifacts failed verification",
            targets.len()
        )));
    }
    Ok(())
}

pub fn list(a: ListArgs) -> CmdResult {
    let max_signatures = a.listing.check()?;
    let t = target(&a.common, false)?;
    let rt = runtime()?;
    let subject = rt
        .block_on(t.repo.repo().resolve(&t.object))
        .map_err(|e| Failure::msg(resolve_failure(&t, &e)))?;
    warn_unpinned("list", &t.object);
    // One more than the limit tells whether there were more (notation warns then).
    let mut sigs = rt.block_on(
        t.repo
            .repo()
            .list_signatures(&subject, max_signatures.saturating_add(1)),
    )?;
    warn_unreadable(&t);
    let exceeded = sigs.len() > max_signatures;
    sigs.truncate(max_signatures);
    let reference = t.at(&subject.digest);
    if sigs.is_empty() {
        println!("{reference} has no associated signatures");
        return Ok(());
    }
    println!("{reference}");
    println!("└── {}", notary_core::SIGNATURE_ARTIFACT_TYPE);
    for (i, s) in sigs.iter().enumerate() {
        println!(
            "    {} {}",
            if i + 1 == sigs.len() {
                "└──"
            } else {
                "├──"
            },
            s.digest
        );
    }
    if exceeded {
        warn_exceeded(max_signatures);
    }
    Ok(())
}

pub fn inspect(a: InspectArgs) -> CmdResult {
    // notation's words for an output format inspect does not have.
    if !["text", "json"].contains(&a.output.as_str()) {
        return Err(Failure::msg(format!(
            "unrecognized output format {}",
            a.output
        )));
    }
    let json = crate::output::wants_json(&a.output)?;
    let max_signatures = a.listing.check()?;
    let t = target(&a.common, false)?;
    let rt = runtime()?;
    let v = rt
        .block_on(notary::inspect::inspect_artifact(
            t.repo.repo(),
            &t.object,
            max_signatures,
            // notation shows a COSE envelope's times in its local time zone.
            &notary::inspect::TimeZone::local(),
        ))
        .map_err(|m| {
            // The layout's "not found" in notation's words, as the other commands print it.
            if matches!(t.repo, Store::Layout(_))
                && m == format!("{RESOLVE_FAILED}: {}: not found", t.object)
            {
                Failure::msg(format!("{RESOLVE_FAILED}: not found"))
            } else {
                Failure::msg(m)
            }
        })?;
    warn_unpinned("inspect", &t.object);
    warn_unreadable(&t);
    // As notation: say which signatures could not be shown, show the others, then fail.
    for s in &v.skipped {
        if s.unfetched {
            eprintln!(
                "Warning: unable to fetch signature {} due to error: {}",
                s.digest, s.reason
            );
        } else {
            eprintln!(
                "Warning: Skipping signature {} because of error: {}",
                s.digest, s.reason
            );
        }
    }
    if json {
        print!("{}", notary::inspect::to_notation_json(&v)?);
    } else {
        print!("{}", v.render_tree(&t.at(&v.artifact.digest)));
    }
    if v.exceeded_limit {
        warn_exceeded(max_signatures);
    }
    if !v.skipped.is_empty() {
        return Err(Failure::msg(
            "at least one signature was skipped and not displayed",
        ));
    }
    Ok(())
}

#[derive(Args)]
pub struct CopyArgs {
    /// The source is an OCI image layout (`<path>:<tag>` or `<path>@<digest>`)
    #[arg(long = "from-oci-layout")]
    pub from_oci_layout: bool,
    /// The destination is an OCI image layout (`<path>[:<tag>]`, created if missing)
    #[arg(long = "to-oci-layout")]
    pub to_oci_layout: bool,
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// Write the referrers tag schema at the destination even when it has the referrers API
    #[arg(long = "force-referrers-tag", action = ArgAction::Set, default_value_t = true, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub force_referrers_tag: bool,
    /// Also copy signatures of the Notary v2 prototypes (ORAS artifact manifests, notation <=
    /// 0.12), rewritten as OCI 1.1 signature manifests around the same envelopes
    #[arg(long)]
    pub migrate: bool,
    /// Source artifact
    pub source: String,
    /// Destination: `<registry>/<repository>[:<tag>]` or a layout path
    pub destination: String,
}

fn human(bytes: u64) -> String {
    const U: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < U.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

/// `notary copy`: the artifact and all its referrers, registry or layout to registry or layout.
pub fn copy(a: CopyArgs) -> CmdResult {
    let src = target(
        &Common {
            oci_layout: a.from_oci_layout,
            registry: a.registry.clone(),
            no_signature_cache: true,
            reference: a.source.clone(),
        },
        false,
    )?;
    let (dst, dst_name, dst_tag) = if a.to_oci_layout {
        let (path, tag) = split_layout(&a.destination, true)?;
        let layout = OciLayout::create(PathBuf::from(&path))?;
        (Store::Layout(layout), path, tag)
    } else {
        // A destination may name just the repository.
        let (r, tag) = match RemoteReference::parse(&a.destination) {
            Ok(r) => {
                if r.digest.is_some() {
                    return Err(Failure::msg(
                        "the destination takes a tag, not a digest (the digest never changes)",
                    ));
                }
                let t = r.tag.clone();
                (r, t)
            }
            Err(_) => (
                RemoteReference::parse(&format!("{}:latest", a.destination))
                    .map_err(|e| Failure::msg(format!("destination: {e}")))?,
                None,
            ),
        };
        let mut o = remote_options(&a.registry, &r.registry)?;
        o.force_referrers_tag = a.force_referrers_tag;
        (
            Store::Remote(RemoteRepository::for_reference(&r, o)?),
            format!("{}/{}", r.registry, r.repository),
            tag,
        )
    };
    let dst_tag = dst_tag.filter(|t| !t.contains(':'));
    let tty = std::io::stderr().is_terminal();
    let rt = runtime()?;
    let options = notary_registry::copy::CopyOptions::default().with_migration(a.migrate);
    let report = rt.block_on(notary_registry::copy::copy_with(
        src.repo.endpoint(),
        &src.object,
        dst.endpoint(),
        dst_tag.as_deref(),
        &options,
        |p| {
            if tty {
                eprint!(
                    "\rCopying: {} blobs ({} skipped), {} manifests, {}   ",
                    p.blobs_copied,
                    p.blobs_skipped,
                    p.manifests,
                    human(p.bytes)
                );
            }
        },
    ))?;
    if tty {
        eprintln!();
    }
    println!(
        "Copied {} => {dst_name}@{} ({} referrers, {} blobs, {})",
        src.at(&report.artifact.digest),
        report.artifact.digest,
        report.referrers.len(),
        report.progress.blobs_copied,
        human(report.progress.bytes)
    );
    Ok(())
}
