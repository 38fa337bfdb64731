//! An on-disk CRL cache in notation's format, so both tools share `{NOTATION_CACHE}/crl`:
//! one file per URL named by the lowercase hex SHA-256 of the URL, holding
//! `{"baseCRL": <base64 DER>, "deltaCRL": <base64 DER, omitted without a delta>}`. Writes are
//! atomic (temporary file + rename), so concurrent processes never see a torn file; a corrupt or
//! expired entry is a miss. A cache that cannot be written, or an entry that cannot be read, is
//! reported to the warning handler, if any ([`CrlCache::with_warning_handler`]), and costs only a
//! download: verification goes on.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use notary_core::crypto::{CryptoProvider, HashFunction, Hashing, SecureRandom};
use time::OffsetDateTime;

use crate::crl::Crl;

/// The largest cache file read: a base and a delta CRL of [`crate::crl::MAX_CRL_SIZE`] each,
/// in base64, and the JSON around them.
const MAX_ENTRY_FILE: u64 = (2 * crate::crl::MAX_CRL_SIZE as u64).div_ceil(3) * 4 + 1024;

/// Reads a cache file: a regular file of at most [`MAX_ENTRY_FILE`] bytes. The directory may be
/// shared (`$NOTATION_CACHE`), so a link, a FIFO (which would block the read) or a device
/// (endless) is refused rather than followed, and the type is checked on the opened file.
fn read_entry(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    if meta.len() > MAX_ENTRY_FILE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_ENTRY_FILE} bytes"),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_ENTRY_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_ENTRY_FILE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_ENTRY_FILE} bytes"),
        ));
    }
    Ok(bytes)
}

/// A base CRL and its delta, as cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedCrl {
    /// DER of the base CRL.
    pub base: Vec<u8>,
    /// DER of the delta CRL, if any.
    pub delta: Option<Vec<u8>>,
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct CrlCache {
    dir: PathBuf,
    /// Hashes URLs into file names.
    hashing: &'static dyn Hashing,
    /// Names temporary files unpredictably.
    random: &'static dyn SecureRandom,
    warnings: Warnings,
}

/// What is called with a warning's one-line message.
type WarningHandler = Arc<dyn Fn(&str) + Send + Sync>;

/// Where warnings go, and whether a failed write was reported already (one per cache: the
/// next write fails alike).
#[derive(Clone, Default)]
struct Warnings {
    handler: Option<WarningHandler>,
    write_reported: Arc<AtomicBool>,
}

impl std::fmt::Debug for Warnings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warnings")
            .field("handler", &self.handler.is_some())
            .finish()
    }
}

impl CrlCache {
    /// A cache in `dir` (created with mode 0700 on first write) whose file names are hashed by
    /// `provider`.
    pub fn new_with(provider: &CryptoProvider, dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            hashing: provider.hashing,
            random: provider.random,
            warnings: Warnings::default(),
        }
    }

    /// Calls `handler` with a one-line message when an entry cannot be read or is corrupted
    /// (it is then a miss) and when the cache cannot be written (once per cache). Without a
    /// handler these are debug events only.
    #[must_use]
    pub fn with_warning_handler(mut self, handler: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.warnings.handler = Some(Arc::new(handler));
        self
    }

    fn warn(&self, message: &str) {
        tracing::debug!("{message}");
        if let Some(h) = &self.warnings.handler {
            h(message);
        }
    }

    /// Reports a failed write (the first of this cache only).
    pub(crate) fn write_failed(&self, e: &std::io::Error) {
        if !self.warnings.write_reported.swap(true, Ordering::Relaxed) {
            self.warn(&format!(
                "failed to store crl bundle in file cache {}: {e}",
                self.dir.display()
            ));
        }
    }

    /// A cache in `dir` hashing file names with aws-lc-rs. Compatibility shim: use
    /// [`CrlCache::new_with`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self::new_with(&notary_provider_aws_lc_rs::provider(), dir)
    }

    /// The file of `url`: the lowercase hex SHA-256 of the URL, as notation names it.
    fn file_name(&self, url: &str) -> String {
        hex_lower(&self.hashing.hash(HashFunction::Sha256, url.as_bytes()))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry for `url` if it is readable and every CRL in it is current at `now`.
    pub fn get(&self, url: &str, now: OffsetDateTime) -> Option<CachedCrl> {
        // The debug lines are notation's, which its users look for.
        tracing::debug!("Retrieving crl bundle from file cache with key {url:?} ...");
        let bytes = match read_entry(&self.dir.join(self.file_name(url))) {
            Ok(b) => b,
            // A cache directory under a file is as empty as a missing one; writing says why.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                tracing::debug!("CRL file cache miss. Key {url:?} does not exist");
                return None;
            }
            Err(e) => {
                self.warn(&format!(
                    "failed to get crl bundle from file cache with key {url:?}, downloading it: {e}"
                ));
                return None;
            }
        };
        let Some((base, delta)) = decode_entry(&bytes) else {
            self.warn(&format!(
                "crl bundle in file cache with key {url:?} is corrupted, downloading it"
            ));
            return None;
        };
        let current = |der: &[u8]| match Crl::parse_fields(der).ok().and_then(|c| c.next_update) {
            Some(n) if now <= n => true,
            Some(n) => {
                tracing::debug!("CRL bundle retrieved from file cache has expired at {n}");
                false
            }
            None => false,
        };
        if !current(&base) || delta.as_deref().is_some_and(|d| !current(d)) {
            return None;
        }
        Some(CachedCrl { base, delta })
    }

    /// Stores the entry for `url` atomically. Errors are returned so callers may warn; a failed
    /// write never leaves a partial file.
    pub fn set(&self, url: &str, entry: &CachedCrl) -> std::io::Result<()> {
        self.set_der(url, &entry.base, entry.delta.as_deref())
    }

    /// [`CrlCache::set`] from borrowed DER.
    pub(crate) fn set_der(
        &self,
        url: &str,
        base: &[u8],
        delta: Option<&[u8]>,
    ) -> std::io::Result<()> {
        tracing::debug!("Storing crl bundle to file cache with key {url:?} ...");
        // Missing directories are created 0700; an existing one keeps its mode (as notation).
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder.create(&self.dir)?;
        let mut doc = serde_json::Map::new();
        doc.insert(
            "baseCRL".into(),
            serde_json::Value::String(STANDARD.encode(base)),
        );
        if let Some(d) = delta {
            doc.insert(
                "deltaCRL".into(),
                serde_json::Value::String(STANDARD.encode(d)),
            );
        }
        let doc = serde_json::Value::Object(doc);
        let name = self.file_name(url);
        // An exclusively created (O_EXCL: never a pre-planted symlink) 0600 temporary file with
        // an unpredictable name in the cache directory, renamed into place: readers see the old
        // or the new file.
        // A provider without randomness (RustCrypto without `random`) still gets a unique name;
        // O_EXCL alone is what keeps a planted link from being followed.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut nonce = [0u8; 16];
        let unique = match self.random.fill(&mut nonce) {
            Ok(()) => hex_lower(&nonce),
            Err(_) => format!(
                "{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
        };
        let tmp = self.dir.join(format!(".{name}.{unique}.tmp"));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        let written = f
            .write_all(doc.to_string().as_bytes())
            .and_then(|()| f.sync_all())
            .and_then(|()| fs::rename(&tmp, self.dir.join(name)));
        if written.is_err() {
            // Nothing half-written is left behind.
            let _ = fs::remove_file(&tmp);
        }
        written
    }
}

/// The base and delta DER of a cache file, `None` when it is not one.
fn decode_entry(bytes: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let base = STANDARD.decode(v.get("baseCRL")?.as_str()?).ok()?;
    let delta = match v.get("deltaCRL").and_then(|d| d.as_str()) {
        Some(d) => Some(STANDARD.decode(d).ok()?),
        None => None,
    };
    Some((base, delta))
}

fn hex_lower(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}
