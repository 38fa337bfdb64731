//! Trust stores: named sets of trusted certificates, from notation's directory layout
//! (`truststore/x509/{ca,signingAuthority,tsa}/NAME/*`) or from memory.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use notary_core::TrustStoreType;

use notary_core::crypto::CryptoProvider;
/// The certificate type of [`TrustStore`] and [`MemoryTrustStore::add`], so a store of one's
/// own needs no direct dependency on `notary-x509`.
pub use notary_x509::Certificate;
use notary_x509::{X509Verifier, read_certificates};

/// Largest certificate file read from a trust store (a trust store holds roots, not archives).
const MAX_CERT_FILE: u64 = 16 * 1024 * 1024;
/// Most files read from one named store.
const MAX_STORE_FILES: usize = 4096;

/// Why a named trust store could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustStoreError {
    /// What kind of failure it is.
    pub kind: TrustStoreErrorKind,
    /// Store type.
    pub store_type: TrustStoreType,
    /// Store name.
    pub name: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for TrustStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store_type = self.store_type.as_str();
        match self.kind {
            // notation's words (users and its tests look for them), then where it looked.
            TrustStoreErrorKind::Missing => write!(
                f,
                "the trust store {:?} of type {store_type:?} does not exist ({})",
                self.name, self.reason
            ),
            TrustStoreErrorKind::Empty => write!(
                f,
                "no x509 certificates were found in trust store {:?} of type {store_type:?} ({})",
                self.name, self.reason
            ),
            _ => write!(f, "trust store {store_type}:{}: {}", self.name, self.reason),
        }
    }
}

impl std::error::Error for TrustStoreError {}

/// Kinds of trust-store failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustStoreErrorKind {
    /// The store does not exist (`reason` says where it was looked for).
    Missing,
    /// The store is a directory holding no certificate (`reason` says which).
    Empty,
    /// The store is not a plain directory or cannot be read.
    Access,
    /// A file in the store holds no decodable certificate.
    Parse,
    /// A certificate is not acceptable for the store type (not a CA / not self-signed / not a root).
    Invalid,
}

/// Gives the certificates of a named trust store.
pub trait TrustStore: Send + Sync {
    /// The certificates of store `name` of type `store_type`; an empty or invalid store is an error.
    fn certificates(
        &self,
        store_type: TrustStoreType,
        name: &str,
    ) -> Result<Vec<Certificate>, TrustStoreError>;
}

/// Checks a store or key name the way notation does (`[a-zA-Z0-9_.-]+`), except that `.` and
/// `..` are refused.
pub fn is_valid_name(name: &str) -> bool {
    // `.` and `..` match notation's pattern too, but name a directory above the store.
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// A trust store laid out as notation does: `<root>/x509/<type>/<name>/<files>`, where `<root>`
/// is usually `$XDG_CONFIG_HOME/notation/truststore`.
#[derive(Debug, Clone)]
pub struct DirTrustStore {
    x509: X509Verifier,
    root: PathBuf,
}

impl DirTrustStore {
    /// A store rooted at `root` (the directory holding `x509/`); `provider` checks the
    /// self-signatures of the certificates it reads.
    pub fn new(provider: CryptoProvider, root: impl Into<PathBuf>) -> Self {
        Self {
            x509: X509Verifier::new(provider),
            root: root.into(),
        }
    }

    /// The directory of a named store.
    pub fn store_dir(&self, store_type: TrustStoreType, name: &str) -> PathBuf {
        self.root.join("x509").join(store_type.as_str()).join(name)
    }
}

impl TrustStore for DirTrustStore {
    fn certificates(
        &self,
        store_type: TrustStoreType,
        name: &str,
    ) -> Result<Vec<Certificate>, TrustStoreError> {
        let err = |kind: TrustStoreErrorKind, reason: String| TrustStoreError {
            kind,
            store_type,
            name: name.to_string(),
            reason,
        };
        if !is_valid_name(name) {
            return Err(err(
                TrustStoreErrorKind::Access,
                "the store name must match [a-zA-Z0-9_.-]+ and be neither . nor ..".into(),
            ));
        }
        let dir = self.store_dir(store_type, name);
        let meta = fs::symlink_metadata(&dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                err(TrustStoreErrorKind::Missing, dir.display().to_string())
            }
            _ => err(
                TrustStoreErrorKind::Access,
                format!("{}: {e}", dir.display()),
            ),
        })?;
        if meta.file_type().is_symlink() {
            return Err(err(
                TrustStoreErrorKind::Access,
                format!("{} is a symlink, which is not allowed", dir.display()),
            ));
        }
        if !meta.is_dir() {
            return Err(err(
                TrustStoreErrorKind::Access,
                format!("{} is not a directory", dir.display()),
            ));
        }
        let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(|e| {
                err(
                    TrustStoreErrorKind::Access,
                    format!("{}: {e}", dir.display()),
                )
            })?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(|e| {
                err(
                    TrustStoreErrorKind::Access,
                    format!("{}: {e}", dir.display()),
                )
            })?;
        if entries.len() > MAX_STORE_FILES {
            return Err(err(
                TrustStoreErrorKind::Access,
                format!("more than {MAX_STORE_FILES} files"),
            ));
        }
        entries.sort();
        let mut certs = Vec::new();
        for path in entries {
            certs.extend(
                read_store_file(&self.x509, &path, store_type).map_err(|(k, r)| err(k, r))?,
            );
        }
        if certs.is_empty() {
            return Err(err(TrustStoreErrorKind::Empty, dir.display().to_string()));
        }
        Ok(certs)
    }
}

/// Reads one trust-store file, applying notation's rules: a regular file (no symlink, no
/// sub-directory), every certificate parses, and each is acceptable for the store type.
pub fn read_store_file(
    x509: &X509Verifier,
    path: &Path,
    store_type: TrustStoreType,
) -> Result<Vec<Certificate>, (TrustStoreErrorKind, String)> {
    let at = |kind, e: &dyn std::fmt::Display| (kind, format!("{}: {e}", path.display()));
    let certs = read_certificate_file(path)?;
    for c in &certs {
        x509.check_trust_store_certificate(c, store_type)
            .map_err(|e| at(TrustStoreErrorKind::Invalid, &e))?;
    }
    Ok(certs)
}

/// Reads the certificates of one trust-store file without the store's rules (what `cert
/// show` and `cert list` display, as notation reads them): a regular file (no symlink, no
/// sub-directory) of at most 16 MiB whose certificates all parse.
pub fn read_certificate_file(
    path: &Path,
) -> Result<Vec<Certificate>, (TrustStoreErrorKind, String)> {
    use TrustStoreErrorKind::{Access, Parse};
    let at = |kind, e: &dyn std::fmt::Display| (kind, format!("{}: {e}", path.display()));
    let meta = fs::symlink_metadata(path).map_err(|e| at(Access, &e))?;
    if meta.file_type().is_symlink() {
        return Err(at(Access, &"a symlink, which is not allowed"));
    }
    if !meta.is_file() {
        return Err(at(
            Access,
            &"not a regular file (sub-directories are not allowed)",
        ));
    }
    if meta.len() > MAX_CERT_FILE {
        return Err(at(Access, &format!("larger than {MAX_CERT_FILE} bytes")));
    }
    // Read from the file just checked: the opened file must still be that regular file (not
    // swapped for a link or a FIFO since), and the read stops past the bound.
    let file = fs::File::open(path).map_err(|e| at(Access, &e))?;
    let opened = file.metadata().map_err(|e| at(Access, &e))?;
    if !opened.is_file() || !same_file(&meta, &opened) {
        return Err(at(Access, &"replaced while being read"));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_CERT_FILE + 1),
        &mut bytes,
    )
    .map_err(|e| at(Access, &e))?;
    if bytes.len() as u64 > MAX_CERT_FILE {
        return Err(at(Access, &format!("larger than {MAX_CERT_FILE} bytes")));
    }
    read_certificates(&bytes).map_err(|e| at(Parse, &e))
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.len() == b.len()
}

/// A trust store that reads each named store of an inner store once and keeps what it read for
/// its own lifetime.
///
/// One verification asks for the same store more than once (the thumbprint filter before any
/// envelope is fetched, then the chain check), and a batch asks again for every artifact. Wrap
/// the store in this for one-shot processes (a CLI run, a containerd verifier call); a service
/// that must see trust store edits without a restart builds a new one per reload. Failures are
/// not kept: a store that could not be read is read again next time.
///
/// ```
/// use std::sync::Arc;
/// use notary_verifier::truststore::{MemoryTrustStore, SnapshotTrustStore, TrustStore, TrustStoreType};
///
/// let provider = notary_provider_rustcrypto::provider();
/// let store = SnapshotTrustStore::new(Arc::new(MemoryTrustStore::new(provider)));
/// // An empty store is an error, and errors are not kept.
/// assert!(store.certificates(TrustStoreType::Ca, "acme").is_err());
/// ```
pub struct SnapshotTrustStore {
    inner: Arc<dyn TrustStore>,
    read: Mutex<HashMap<(TrustStoreType, String), Vec<Certificate>>>,
}

impl SnapshotTrustStore {
    /// Keeps what `inner` gives, store by store.
    pub fn new(inner: Arc<dyn TrustStore>) -> Self {
        Self {
            inner,
            read: Mutex::new(HashMap::new()),
        }
    }
}

impl std::fmt::Debug for SnapshotTrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stores = self.read.lock().map_or(0, |m| m.len());
        f.debug_struct("SnapshotTrustStore")
            .field("stores_read", &stores)
            .finish_non_exhaustive()
    }
}

impl TrustStore for SnapshotTrustStore {
    fn certificates(
        &self,
        store_type: TrustStoreType,
        name: &str,
    ) -> Result<Vec<Certificate>, TrustStoreError> {
        let key = (store_type, name.to_string());
        if let Some(certs) = self.read.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(certs);
        }
        // Read outside the lock: two threads may both read a store the first time, which only
        // costs the second read.
        let certs = self.inner.certificates(store_type, name)?;
        if let Ok(mut m) = self.read.lock() {
            m.entry(key).or_insert_with(|| certs.clone());
        }
        Ok(certs)
    }
}

/// A trust store held in memory (for embedding and tests).
#[derive(Debug, Clone)]
pub struct MemoryTrustStore {
    x509: X509Verifier,
    stores: BTreeMap<(TrustStoreType, String), Vec<Certificate>>,
}

impl MemoryTrustStore {
    /// An empty store; `provider` checks the self-signatures of the certificates added.
    pub fn new(provider: CryptoProvider) -> Self {
        Self {
            x509: X509Verifier::new(provider),
            stores: BTreeMap::new(),
        }
    }

    /// Adds the certificates of a PEM (or DER) document to the named store, with the checks of
    /// [`Self::add`].
    pub fn add_pem(
        &mut self,
        store_type: TrustStoreType,
        name: &str,
        pem: &[u8],
    ) -> Result<(), TrustStoreError> {
        let certs = read_certificates(pem).map_err(|e| TrustStoreError {
            kind: TrustStoreErrorKind::Parse,
            store_type,
            name: name.to_string(),
            reason: e.to_string(),
        })?;
        self.add(store_type, name, certs)
    }

    /// Adds certificates to the named store, checking each is acceptable for the store type.
    pub fn add(
        &mut self,
        store_type: TrustStoreType,
        name: &str,
        certs: Vec<Certificate>,
    ) -> Result<(), TrustStoreError> {
        for c in &certs {
            self.x509
                .check_trust_store_certificate(c, store_type)
                .map_err(|e| TrustStoreError {
                    kind: TrustStoreErrorKind::Invalid,
                    store_type,
                    name: name.to_string(),
                    reason: e.to_string(),
                })?;
        }
        self.stores
            .entry((store_type, name.to_string()))
            .or_default()
            .extend(certs);
        Ok(())
    }
}

impl TrustStore for MemoryTrustStore {
    fn certificates(
        &self,
        store_type: TrustStoreType,
        name: &str,
    ) -> Result<Vec<Certificate>, TrustStoreError> {
        let err = |kind, reason: &str| TrustStoreError {
            kind,
            store_type,
            name: name.to_string(),
            reason: reason.into(),
        };
        match self.stores.get(&(store_type, name.to_string())) {
            Some(c) if !c.is_empty() => Ok(c.clone()),
            Some(_) => Err(err(TrustStoreErrorKind::Access, "it holds no certificate")),
            None => Err(err(
                TrustStoreErrorKind::Missing,
                "none was added under that name",
            )),
        }
    }
}
