//! A content-addressed cache of signature manifests and envelopes, shared between processes.
//!
//! Signature manifests and envelopes are addressed by digest: the bytes under a digest never
//! change, so a verification that has fetched them once need not fetch them again. The
//! [`RemoteRepository`](crate::RemoteRepository) consults a [`BlobCache`] (when its options name
//! one) for exactly these two fetches by digest; the referrers listing, the referrers tag index
//! and tag resolution are never cached, so a signature added or removed is seen by the next
//! verification, and every cryptographic and policy check still runs on the bytes returned.
//!
//! On disk: `<dir>/<algorithm>/<hex>` holds the raw bytes of one object; in notation's cache
//! directory `dir` is `<NOTATION_CACHE>/`[`CACHE_SUBDIR`] (notation itself does not use it).
//! - Every read is checked: the file must be a regular file of the descriptor's size whose bytes
//!   hash to the digest. Anything else (corrupted, truncated, replaced by a link) is deleted,
//!   reported to the warning handler and treated as a miss, so the object is fetched again and
//!   the entry rewritten. A cache entry is never trusted.
//! - Writes are atomic: an exclusively created temporary file (mode 0600) in the same directory,
//!   renamed into place, so concurrent processes see the old file, the new file or none, never a
//!   torn one. Missing directories are created 0700; existing ones keep their mode. The
//!   repository writes what it fetched on the cache's own thread
//!   ([`BlobCache::put_in_background`]), beside its next request and the signature checks;
//!   [`BlobCache::flush`] waits for those writes.
//! - The total size is bounded (soft): entries are evicted least recently used first (a hit
//!   refreshes the file's modification time) down to three quarters of the bound. The scan that
//!   measures the total runs on about one write in 32 and whenever this process has written a
//!   sixteenth of the bound since its last scan, so a short process rarely pays for it.
//! - Besides content, a few empty files as hints (`<dir>/hints/<kind>/<hex of name>`): per
//!   registry, whether it was last seen answering the referrers API (a new process then asks
//!   the API alone instead of the API and the tag schema at once) and whether it refuses
//!   monolithic blob POSTs (a signer then opens its upload session early); per repository,
//!   whether it holds the empty config blob of signature manifests (a signer then does not
//!   ask). A wrong hint costs round trips, never a signature (see
//!   [`BlobCache::referrers_api_hint`]).
//! - A cache that cannot be written (read-only, full, or a path through a regular file) turns
//!   itself off for the rest of the process after one warning: the cache never fails an
//!   operation.
//! - Links are never followed below the cache directory (which may be shared, or restored from
//!   a CI cache): a linked `<algorithm>/` or `hints/` directory is neither read, written nor
//!   evicted from (a write through one turns the cache off), and eviction looks only into the
//!   `<algorithm>/` directories themselves.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use notary_core::Descriptor;

use crate::error::Error;

/// The sub-directory of notation's cache directory (`$NOTATION_CACHE`) holding the cache.
pub const CACHE_SUBDIR: &str = "notary-signatures";

/// The default size bound: 64 MiB (some ten thousand signatures).
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Temporary files older than this are left over by a writer that died; eviction removes them.
const STALE_TEMPORARY: Duration = Duration::from_secs(3600);

/// What the cache reports instead of failing: an entry discarded, or the cache turned off.
type WarningHandler = Arc<dyn Fn(&str) + Send + Sync>;

/// Counters of one [`BlobCache`] in this process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Reads answered from the cache.
    pub hits: u64,
    /// Reads that found no usable entry.
    pub misses: u64,
    /// Entries found corrupted (wrong size or digest, not a regular file) and deleted.
    pub discarded: u64,
    /// Entries written.
    pub writes: u64,
}

#[derive(Debug, Default)]
struct State {
    /// Set after a failed write: the cache is off for the rest of the process.
    disabled: bool,
    /// Bytes written by this process since its last size scan.
    written_since_scan: u64,
}

/// A content-addressed, size-bounded, multi-process cache of objects keyed by digest. See the
/// [module documentation](self) for the rules it keeps.
///
/// ```
/// use notary_core::Descriptor;
/// use notary_registry::cache::BlobCache;
///
/// let dir = tempfile::tempdir()?;
/// let cache = BlobCache::new(dir.path());
/// let envelope = b"{\"payload\":\"...\"}";
/// let desc = Descriptor::for_content("application/jose+json", envelope);
/// assert_eq!(cache.get(&desc), None);
/// cache.put(&desc, envelope);
/// assert_eq!(cache.get(&desc).as_deref(), Some(&envelope[..]));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct BlobCache {
    dir: PathBuf,
    max_bytes: u64,
    state: Mutex<State>,
    on_warning: Option<WarningHandler>,
    hits: AtomicU64,
    misses: AtomicU64,
    discarded: AtomicU64,
    writes: AtomicU64,
    background: Mutex<Background>,
}

/// Writes handed to [`BlobCache::put_in_background`], and the thread writing them.
#[derive(Default)]
struct Background {
    queue: std::collections::VecDeque<(Descriptor, Vec<u8>)>,
    /// Set while a writer thread is draining `queue`.
    running: bool,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for BlobCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobCache")
            .field("dir", &self.dir)
            .field("max_bytes", &self.max_bytes)
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

impl BlobCache {
    /// A cache in `dir` itself, bounded to [`DEFAULT_MAX_BYTES`]. Nothing is created until the
    /// first write.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            max_bytes: DEFAULT_MAX_BYTES,
            state: Mutex::new(State::default()),
            on_warning: None,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            background: Mutex::new(Background::default()),
        }
    }

    /// The cache in notation's cache directory `notation_cache` (`$NOTATION_CACHE`, else the
    /// platform's user cache directory + `notation`): its [`CACHE_SUBDIR`] sub-directory.
    pub fn in_notation_cache(notation_cache: impl AsRef<Path>) -> Self {
        Self::new(notation_cache.as_ref().join(CACHE_SUBDIR))
    }

    /// Bounds the total size of the cache to `max_bytes` (soft: see the module documentation).
    /// An object larger than an eighth of the bound is never cached.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Calls `handler` with a one-line message when an entry is discarded as corrupted and when
    /// the cache turns itself off (once). Without a handler these go unreported.
    #[must_use]
    pub fn with_warning_handler(mut self, handler: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_warning = Some(Arc::new(handler));
        self
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// False once a write has failed: the cache is then off for the rest of the process.
    pub fn is_enabled(&self) -> bool {
        !self.state.lock().map(|s| s.disabled).unwrap_or(true)
    }

    /// This process's counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            discarded: self.discarded.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    fn max_entry(&self) -> u64 {
        self.max_bytes / 8
    }

    fn path_of(&self, desc: &Descriptor) -> PathBuf {
        // A parsed digest's algorithm is a known name and its hex is normalised lowercase hex:
        // neither can climb out of the directory.
        self.dir
            .join(desc.digest.algorithm().name())
            .join(desc.digest.hex())
    }

    fn warn(&self, message: &str) {
        if let Some(h) = &self.on_warning {
            h(message);
        }
    }

    fn miss(&self) -> Option<Vec<u8>> {
        self.misses.fetch_add(1, Ordering::Relaxed);
        None
    }

    /// The bytes of `desc` if the cache holds them intact: a regular file of exactly
    /// `desc.size` bytes hashing to `desc.digest`. A corrupted entry is deleted and reported,
    /// and the read is a miss.
    pub fn get(&self, desc: &Descriptor) -> Option<Vec<u8>> {
        if desc.size > self.max_entry() {
            return self.miss();
        }
        let path = self.path_of(desc);
        if !self.is_real_subdir(&path) {
            return self.miss();
        }
        let digest = desc.digest.to_string();
        let data = match crate::fsread::read_exact_size(&path, desc.size, &digest) {
            Ok(Some(d)) if desc.digest.matches(&d) => d,
            Ok(None) => return self.miss(),
            // Unreadable (permissions, a path through a file): a miss; writes will tell.
            Err(Error::Io { .. }) => return self.miss(),
            Ok(Some(_)) => {
                self.discard(&path, &digest, "its content hashes to another digest");
                return self.miss();
            }
            Err(e) => {
                self.discard(&path, &digest, &e.to_string());
                return self.miss();
            }
        };
        // Least recently used eviction goes by modification time: a hit makes the entry young.
        // Best effort: a file of another user cannot be touched, and that only ages it.
        let mut touch = fs::File::options();
        touch.append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            touch.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        if let Ok(f) = touch.open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(data)
    }

    fn discard(&self, path: &Path, digest: &str, why: &str) {
        self.discarded.fetch_add(1, Ordering::Relaxed);
        let removed = fs::remove_file(path).is_ok();
        self.warn(&format!(
            "signature cache entry {} for {digest} is corrupted ({why}): {}, fetching it again",
            path.display(),
            if removed { "deleted" } else { "ignored" }
        ));
    }

    /// Whether `data` could be stored as `desc` without hashing it: its size is the
    /// descriptor's and within an eighth of the bound, and the cache is on.
    fn would_store(&self, desc: &Descriptor, data: &[u8]) -> bool {
        let len = data.len() as u64;
        len == desc.size && len <= self.max_entry() && self.is_enabled()
    }

    /// Stores `data` as the object `desc`, unless it is not that object (wrong size or digest:
    /// ignored) or is larger than an eighth of the bound. A failed write turns the cache off for
    /// the rest of the process, with one warning.
    pub fn put(&self, desc: &Descriptor, data: &[u8]) {
        if !self.would_store(desc, data) || !desc.digest.matches(data) {
            return;
        }
        let len = data.len() as u64;
        if let Err(e) = self.write(desc, data) {
            self.disable(&e);
            return;
        }
        self.writes.fetch_add(1, Ordering::Relaxed);
        let scan = self
            .state
            .lock()
            .map(|mut s| {
                s.written_since_scan = s.written_since_scan.saturating_add(len);
                // One write in 32, picked by the digest (uniform, and no randomness source
                // needed), or a sixteenth of the bound written by this process.
                let sampled = desc.digest.hex().get(..2).is_some_and(|b| {
                    u8::from_str_radix(b, 16).is_ok_and(|v| v.trailing_zeros() >= 5)
                });
                let due = sampled || s.written_since_scan > self.max_bytes / 16;
                if due {
                    s.written_since_scan = 0;
                }
                due
            })
            .unwrap_or(false);
        if scan {
            self.evict();
        }
    }

    /// Like [`put`](Self::put), on a thread of the cache's own, returning at once: a registry
    /// fetch then goes on (the next request, the signature checks) while the entry is written.
    /// Creating a file costs from tens of microseconds to half a millisecond and more,
    /// depending on the file system, which a cold verification otherwise waits for twice.
    /// Writes queue behind one writer thread, which exits when the queue is empty; call
    /// [`flush`](Self::flush) before the process exits, or queued entries may not be written
    /// (the cache is only ever a shortcut: nothing else is lost). Where no thread can be
    /// started the entry is written in place.
    pub fn put_in_background(self: &Arc<Self>, desc: &Descriptor, data: &[u8]) {
        // What `put` would refuse without hashing needs no copy and no thread (the digest is
        // checked by the writer).
        if !self.would_store(desc, data) {
            return;
        }
        let Ok(mut bg) = self.background.lock() else {
            return self.put(desc, data);
        };
        bg.queue.push_back((desc.clone(), data.to_vec()));
        if bg.running {
            return;
        }
        let cache = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("notary-cache-writer".into())
            .stack_size(256 * 1024)
            .spawn(move || cache.drain());
        match spawned {
            Ok(handle) => {
                bg.running = true;
                // An earlier writer found the queue empty and is exiting: nothing to join.
                bg.writer = Some(handle);
            }
            Err(_) => {
                let queued: Vec<_> = bg.queue.drain(..).collect();
                drop(bg);
                for (d, v) in queued {
                    self.put(&d, &v);
                }
            }
        }
    }

    /// Writes what the writer thread finds queued, then exits.
    fn drain(&self) {
        loop {
            let next = match self.background.lock() {
                Ok(mut bg) => {
                    let next = bg.queue.pop_front();
                    if next.is_none() {
                        bg.running = false;
                    }
                    next
                }
                Err(_) => None,
            };
            let Some((desc, data)) = next else { return };
            self.put(&desc, &data);
        }
    }

    /// Waits until every entry handed to [`put_in_background`](Self::put_in_background) has
    /// been written (or refused, as [`put`](Self::put) refuses).
    pub fn flush(&self) {
        loop {
            let writer = self
                .background
                .lock()
                .ok()
                .and_then(|mut bg| bg.writer.take());
            match writer {
                // A writer that panicked wrote nothing more: nothing to report either.
                Some(w) => drop(w.join()),
                None => return,
            }
        }
    }

    fn write(&self, desc: &Descriptor, data: &[u8]) -> std::io::Result<()> {
        let path = self.path_of(desc);
        self.create_real_subdir(&path)?;
        let Some(parent) = path.parent() else {
            return Err(std::io::Error::other("no parent directory"));
        };
        // Exclusively created with an unpredictable name (never a pre-planted link), 0600, then
        // renamed over the entry. No fsync: a torn entry after a crash fails the digest check
        // on its next read and is replaced, so durability buys nothing here.
        let mut f = tempfile::Builder::new()
            .prefix(&format!(".{}.", desc.digest.hex()))
            .suffix(".tmp")
            .tempfile_in(parent)?;
        f.write_all(data)?;
        f.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    fn hint_path(&self, kind: &str, registry: &str) -> PathBuf {
        self.dir
            .join("hints")
            .join(kind)
            .join(hex::encode(registry.as_bytes()))
    }

    fn hint(&self, kind: &str, registry: &str) -> bool {
        let path = self.hint_path(kind, registry);
        self.is_enabled()
            && self.is_real_subdir(&path)
            && fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
    }

    fn set_hint(&self, kind: &str, registry: &str, on: bool) {
        let path = self.hint_path(kind, registry);
        if !on {
            if self.is_real_subdir(&path) {
                let _ = fs::remove_file(path);
            }
            return;
        }
        if !self.is_enabled() {
            return;
        }
        let written = path
            .parent()
            .ok_or_else(|| std::io::Error::other("no parent directory"))
            .and_then(|parent| {
                self.create_real_subdir(&path)?;
                // Empty, so a torn write cannot exist: exclusive create, then rename.
                tempfile::Builder::new()
                    .prefix(".hint.")
                    .suffix(".tmp")
                    .tempfile_in(parent)?
                    .persist(&path)
                    .map_err(|e| e.error)
                    .map(drop)
            });
        if let Err(e) = written {
            self.disable(&e);
        }
    }

    /// Whether `registry` (`host[:port]`) was last seen answering the referrers API. A hint
    /// only: a client that trusts it asks the API alone first, and still falls back to the
    /// referrers tag schema when the API is gone or lists nothing, so a wrong hint costs a
    /// round trip, never a signature.
    pub fn referrers_api_hint(&self, registry: &str) -> bool {
        self.hint("referrers-api", registry)
    }

    /// Records whether `registry` answers the referrers API (best effort: errors are ignored,
    /// a write failure turns the cache off as for [`Self::put`]).
    pub fn set_referrers_api_hint(&self, registry: &str, has_api: bool) {
        self.set_hint("referrers-api", registry, has_api);
    }

    /// Whether `registry` was last seen answering a monolithic blob POST with an upload
    /// session instead of storing the blob. A client that trusts it opens the session of a
    /// signature push while it resolves and signs; a wrong hint costs one spare session or
    /// one round trip, never a signature.
    pub fn two_step_upload_hint(&self, registry: &str) -> bool {
        self.hint("two-step-upload", registry)
    }

    /// Records whether `registry` needs two steps for a small blob upload (best effort, as
    /// [`Self::set_referrers_api_hint`]).
    pub fn set_two_step_upload_hint(&self, registry: &str, two_step: bool) {
        self.set_hint("two-step-upload", registry, two_step);
    }

    /// Whether the empty JSON config blob (`{}`) of signature manifests was last seen in
    /// `repository` of `registry`. A client that trusts it skips asking; should the blob be
    /// gone, a registry that checks a manifest's blobs (Distribution, zot) refuses the manifest,
    /// and the client then checks, pushes the blob and pushes the manifest again: a wrong hint
    /// costs round trips, never a signature. (A registry that checks nothing stores the
    /// manifest regardless; verification never reads the config blob.)
    pub fn config_blob_hint(&self, registry: &str, repository: &str) -> bool {
        self.hint("empty-config", &format!("{registry}/{repository}"))
    }

    /// Records whether the empty config blob is in `repository` (best effort, as
    /// [`Self::set_referrers_api_hint`]).
    pub fn set_config_blob_hint(&self, registry: &str, repository: &str, present: bool) {
        self.set_hint("empty-config", &format!("{registry}/{repository}"), present);
    }

    /// Whether every directory between the cache directory and `path` (an entry or a hint) is a
    /// directory, not a link, or does not exist yet. The cache directory may be shared or
    /// restored from a CI cache: a planted `sha256 -> ~/.ssh` would otherwise have entries
    /// written, read and deleted there. (The cache directory itself may be a link: its owner
    /// chose it.)
    fn is_real_subdir(&self, path: &Path) -> bool {
        let Ok(rest) = path.strip_prefix(&self.dir) else {
            return false;
        };
        let mut dir = self.dir.clone();
        let mut parts: Vec<_> = rest.components().collect();
        parts.pop();
        parts.into_iter().all(|c| {
            dir.push(c);
            match fs::symlink_metadata(&dir) {
                Ok(m) => m.is_dir(),
                Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            }
        })
    }

    /// Creates the missing directories of `path` (see [`create_private_dir`]), refusing a link
    /// on the way before (`create_dir_all` would follow it) and after.
    fn create_real_subdir(&self, path: &Path) -> std::io::Result<()> {
        let parent = path
            .parent()
            .ok_or_else(|| std::io::Error::other("no parent directory"))?;
        if !self.is_real_subdir(path) {
            return Err(linked(parent));
        }
        create_private_dir(parent)?;
        if !self.is_real_subdir(path) {
            return Err(linked(parent));
        }
        Ok(())
    }

    fn disable(&self, e: &std::io::Error) {
        let first = self
            .state
            .lock()
            .map(|mut s| !std::mem::replace(&mut s.disabled, true))
            .unwrap_or(false);
        if first {
            self.warn(&format!(
                "signature cache {} cannot be written ({e}): continuing without it",
                self.dir.display()
            ));
        }
    }

    /// Measures the cache and, over the bound, deletes the least recently used entries until
    /// it holds three quarters of it. Also removes temporary files left by dead writers.
    /// Errors are ignored: another process may be evicting the same files.
    pub fn evict(&self) {
        let mut entries = Vec::new();
        let mut total = 0u64;
        let now = SystemTime::now();
        let Ok(algorithms) = fs::read_dir(&self.dir) else {
            return;
        };
        for alg in algorithms.flatten() {
            // Only the entry directories themselves: never through a link (a planted
            // `x -> ~` would have the user's files evicted, and dot files taken for
            // temporaries), and not `hints/`.
            let is_entry_dir = alg.file_type().is_ok_and(|t| t.is_dir())
                && alg
                    .file_name()
                    .to_str()
                    .is_some_and(|n| notary_core::DigestAlgorithm::from_name(n).is_some());
            if !is_entry_dir {
                continue;
            }
            let Ok(files) = fs::read_dir(alg.path()) else {
                continue;
            };
            for file in files.flatten() {
                let Ok(meta) = file.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if file.file_name().to_string_lossy().starts_with('.') {
                    if now
                        .duration_since(modified)
                        .is_ok_and(|age| age > STALE_TEMPORARY)
                    {
                        let _ = fs::remove_file(file.path());
                    }
                    continue;
                }
                total = total.saturating_add(meta.len());
                entries.push((modified, meta.len(), file.path()));
            }
        }
        if total <= self.max_bytes {
            return;
        }
        let target = (self.max_bytes / 4).saturating_mul(3);
        entries.sort_by_key(|(modified, _, _)| *modified);
        for (_, len, path) in entries {
            if total <= target {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

fn linked(dir: &Path) -> std::io::Error {
    std::io::Error::other(format!(
        "{} is a symbolic link or not a directory (refused)",
        dir.display()
    ))
}

/// Creates `dir` and its missing parents with mode 0700; an existing directory keeps its mode
/// (its owner chose it, and it may be shared).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}
