use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use notary_core::{
    Descriptor, Digest, FetchedSignature, PushSignature, PushedSignature, SignatureRepository,
};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fsread;
use crate::manifest::{self, IMAGE_INDEX, Manifest};
use crate::{MAX_ENVELOPE_SIZE, MAX_MANIFEST_SIZE};

/// Annotation that names a tag in `index.json`.
const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Largest `index.json` read.
const MAX_INDEX_SIZE: u64 = 64 * 1024 * 1024;
/// Largest `oci-layout` marker read.
const MAX_MARKER_SIZE: u64 = 64 * 1024;
/// Largest blob already in a layout that is hashed before a write skips it
/// ([`OciLayout::exists`]): the largest one a copy holds in memory (`copy::STREAM_ABOVE`).
const MAX_HASHED_PRESENT: u64 = 16 * 1024 * 1024;
/// Most manifests visited when looking for referrers.
const MAX_NODES: usize = 100_000;

/// `index.json`. Members this crate does not model (`artifactType`, `subject`, another tool's
/// or a later spec's) are kept in `other` as their JSON text and written back as read:
/// rewriting the index to add a signature must not drop or alter what oras-go or notation
/// keep.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    manifests: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    other: RawMembers,
}

impl<'de> Deserialize<'de> for Index {
    // One pass: the modelled members are decoded where they stand and the others kept as
    // their JSON text. serde's `flatten` would convert those to `serde_json::Value`, which
    // refuses numbers past f64's range (Go skips them) and rounds integers past 64 bits. A
    // modelled member given twice is refused, as a derived decoder refuses it.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Index;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an OCI image index object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Index, A::Error> {
                use serde::de::Error as _;
                fn once<T, E: serde::de::Error>(
                    slot: &mut Option<T>,
                    name: &'static str,
                    v: T,
                ) -> Result<(), E> {
                    match slot.replace(v) {
                        Some(_) => Err(E::duplicate_field(name)),
                        None => Ok(()),
                    }
                }
                let (mut schema_version, mut media_type, mut manifests, mut annotations) =
                    (None, None, None, None);
                let mut other = MembersBuilder::default();
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "schemaVersion" => {
                            once(&mut schema_version, "schemaVersion", map.next_value()?)?
                        }
                        "mediaType" => once(&mut media_type, "mediaType", map.next_value()?)?,
                        "manifests" => once(&mut manifests, "manifests", map.next_value()?)?,
                        "annotations" => once(&mut annotations, "annotations", map.next_value()?)?,
                        _ => other.put(k, map.next_value()?),
                    }
                }
                Ok(Index {
                    schema_version: schema_version
                        .ok_or_else(|| A::Error::missing_field("schemaVersion"))?,
                    media_type: media_type.flatten(),
                    manifests: manifests.unwrap_or_default(),
                    annotations: annotations.flatten(),
                    other: other.finish(),
                })
            }
        }
        d.deserialize_map(Members)
    }
}

/// One `manifests` entry of `index.json`: the descriptor, plus the members [`Descriptor`] does
/// not model, kept as read for the same reason as [`Index::other`].
#[derive(Debug, Clone, Serialize)]
struct Entry {
    #[serde(flatten)]
    desc: Descriptor,
    #[serde(flatten)]
    other: RawMembers,
}

impl<'de> Deserialize<'de> for Entry {
    // One pass over the entry: the descriptor's decoder reads its members straight from the
    // document (a repeated one is refused by it), and the other members are set aside as they
    // go by.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Entry;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a descriptor object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Entry, A::Error> {
                let mut other = MembersBuilder::default();
                let desc = Descriptor::deserialize(serde::de::value::MapAccessDeserializer::new(
                    DescriptorMembers {
                        map,
                        other: &mut other,
                    },
                ))?;
                Ok(Entry {
                    desc,
                    other: other.finish(),
                })
            }
        }
        d.deserialize_map(Members)
    }
}

/// The members of an entry object that [`Descriptor`] models, as a map of their own; the
/// others are kept in `other` as they are passed over.
struct DescriptorMembers<'b, A> {
    map: A,
    other: &'b mut MembersBuilder,
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for DescriptorMembers<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        use serde::de::IntoDeserializer as _;
        while let Some(k) = self.map.next_key::<String>()? {
            if notary_core::DESCRIPTOR_MEMBERS.contains(&k.as_str()) {
                return seed.deserialize(k.into_deserializer()).map(Some);
            }
            let v: Box<serde_json::value::RawValue> = self.map.next_value()?;
            self.other.put(k, v);
        }
        Ok(None)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// The members of a JSON object with their values as written (JSON text, kept verbatim). A
/// name given twice keeps its last value, as Go's decoder does.
#[derive(Debug, Clone, Default)]
struct RawMembers(Vec<(String, Box<serde_json::value::RawValue>)>);

impl RawMembers {
    /// Adds the members of `other` this one does not have.
    fn extend(&mut self, other: &Self) {
        let have: HashSet<String> = self.0.iter().map(|(k, _)| k.clone()).collect();
        for (k, v) in &other.0 {
            if !have.contains(k) {
                self.0.push((k.clone(), v.clone()));
            }
        }
    }
}

impl Serialize for RawMembers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Collects [`RawMembers`] as an object is read.
#[derive(Default)]
struct MembersBuilder {
    out: Vec<(String, Box<serde_json::value::RawValue>)>,
    // Positions by name: a hostile object with many members stays linear.
    at: std::collections::HashMap<String, usize>,
}

impl MembersBuilder {
    /// Sets member `k`: a name given again keeps its last value, in its first place.
    fn put(&mut self, k: String, v: Box<serde_json::value::RawValue>) {
        match self.at.get(&k).and_then(|&i| self.out.get_mut(i)) {
            Some(slot) => slot.1 = v,
            None => {
                self.at.insert(k.clone(), self.out.len());
                self.out.push((k, v));
            }
        }
    }

    fn finish(self) -> RawMembers {
        RawMembers(self.out)
    }
}

impl Entry {
    fn new(desc: Descriptor) -> Self {
        Self {
            desc,
            other: RawMembers::default(),
        }
    }

    fn tag(&self) -> Option<&str> {
        self.desc
            .annotations
            .as_ref()
            .and_then(|a| a.get(REF_NAME))
            .map(String::as_str)
    }
}

/// An OCI image layout directory used as a signature repository.
#[derive(Debug)]
pub struct OciLayout {
    root: PathBuf,
    form: manifest::SignatureManifestForm,
    // Serialises read-modify-write cycles of index.json within this process: shared by every
    // `OciLayout` opened on the same directory.
    index_lock: std::sync::Arc<Mutex<()>>,
    walked: Mutex<Option<Walked>>,
}

/// What a walk from `index.json` reached, reused while `index.json` reads the same and every
/// manifest it named was there and intact: blobs are addressed by digest and checked when
/// read, so only the index (or a blob arriving or repaired) can change what a walk finds.
/// Without it `copy` re-read the whole layout for every referrer it followed.
#[derive(Debug)]
struct Walked {
    index: Vec<u8>,
    /// No manifest was missing or unreadable: nothing but `index.json` can change the result.
    complete: bool,
    nodes: std::sync::Arc<Vec<(Descriptor, Manifest)>>,
    unreadable: Vec<(String, String)>,
}

/// Manifests named in a layout but left out of listings, with why (at most this many).
const MAX_UNREADABLE_NAMED: usize = 16;

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Writes a new file at `path` atomically: `fill` writes a temporary file in the same
/// directory (created if needed), which is then synced and renamed onto `path`. The temporary
/// is created exclusively under an unpredictable name, so a link or FIFO planted beside `path`
/// (a layout from an archive) is never opened, and it is removed on every error path (dropped
/// `NamedTempFile`, including inside a failed `persist`). A regular file it replaces keeps its
/// permission bits (an `index.json` made private stays private, as notation's in-place write
/// keeps them).
fn write_via_temp(
    path: &Path,
    fill: impl FnOnce(&mut fs::File, &Path) -> Result<(), Error>,
) -> Result<(), Error> {
    let tmp = filled_temp(path, fill)?;
    #[cfg(unix)]
    if let Ok(old) = fs::symlink_metadata(path)
        && old.is_file()
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = old.permissions().mode() & 0o777;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| io_err(tmp.path(), e))?;
    }
    tmp.persist(path).map_err(|e| io_err(path, e.error))?;
    Ok(())
}

/// The temporary file of [`write_via_temp`], filled and synced, not yet in place.
fn filled_temp(
    path: &Path,
    fill: impl FnOnce(&mut fs::File, &Path) -> Result<(), Error>,
) -> Result<tempfile::NamedTempFile, Error> {
    let dir = path
        .parent()
        .ok_or_else(|| io_err(path, "no parent directory"))?;
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    // Same mode as `File::create` gave (0o666 less the umask), not tempfile's 0o600: layout
    // files are shared like any other file the user writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| io_err(dir, e))?;
    let tmp_path = tmp.path().to_path_buf();
    fill(tmp.as_file_mut(), &tmp_path)?;
    tmp.as_file().sync_all().map_err(|e| io_err(&tmp_path, e))?;
    Ok(tmp)
}

/// Writes `data` to `path` atomically (see [`write_via_temp`]).
fn atomic_write(path: &Path, data: &[u8]) -> Result<(), Error> {
    write_via_temp(path, |f, tmp| f.write_all(data).map_err(|e| io_err(tmp, e)))
}

/// Writes `data` to `path` atomically unless something is already there (left as it is, even
/// a link: opening the layout judges it). The temporary is renamed without replacing
/// (`RENAME_NOREPLACE`, else a hard link), so a file another process or tool wrote first is
/// never replaced, whatever lock it takes. Where the file system has neither, the check and the
/// rename are made under the index lock, which every `index.json` update of this crate holds.
fn write_new(root: &Path, path: &Path, data: &[u8]) -> Result<(), Error> {
    let exists = || fs::symlink_metadata(path).is_ok();
    if exists() {
        return Ok(());
    }
    let tmp = filled_temp(path, |f, tmp| f.write_all(data).map_err(|e| io_err(tmp, e)))?;
    let tmp = match tmp.persist_noclobber(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        // Another writer got there first (the file system may report that otherwise).
        Err(e) if exists() => {
            tracing::debug!(path = %path.display(), error = %e.error, "created meanwhile");
            return Ok(());
        }
        // Neither an exclusive rename nor a link here: fall back, keeping the temporary.
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e.error, "no exclusive rename");
            e.file
        }
    };
    let mutex = lock_for(root);
    let _lock = lock_index(root, &mutex)?;
    if !exists() {
        tmp.persist(path).map_err(|e| io_err(path, e.error))?;
    }
    Ok(())
}

/// Takes the index lock of the layout at `root`: `mutex` (this process's, see [`lock_for`])
/// and the advisory lock file other processes (e.g. parallel `notary sign` runs) take. Both
/// are held until the returned values are dropped.
fn lock_index<'a>(
    root: &Path,
    mutex: &'a Mutex<()>,
) -> Result<(std::sync::MutexGuard<'a, ()>, fs::File), Error> {
    let guard = mutex.lock().unwrap_or_else(|p| p.into_inner());
    let lock_path = root.join(".notary-index.lock");
    let lock_file = open_lock_file(&lock_path)?;
    lock_file.lock().map_err(|e| io_err(&lock_path, e))?;
    Ok((guard, lock_file))
}

/// Opens (creating if needed) the advisory lock file of `index.json` updates. It is not
/// trusted either: a link is refused rather than followed (it could create or lock a file
/// elsewhere), and a FIFO is refused instead of blocking the open.
fn open_lock_file(path: &Path) -> Result<fs::File, Error> {
    let refused = |what: &str| {
        io_err(
            path,
            format!("is {what}, not a regular lock file (refused)"),
        )
    };
    let mut opts = fs::OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // O_NOFOLLOW: the last component must not be a link (ELOOP, even with O_CREAT).
        // O_NONBLOCK: a FIFO without reader fails (ENXIO) instead of waiting; it does not
        // make the blocking `lock()` below non-blocking (flock only looks at LOCK_NB).
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        // No O_NOFOLLOW: check the link before opening (best effort), the type after.
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(refused("a symbolic link"));
        }
    }
    let file = opts
        .open(path)
        .map_err(|e| match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => refused("a symbolic link"),
            Ok(m) if !m.is_file() => refused("not a regular file"),
            _ => io_err(path, e),
        })?;
    let meta = file.metadata().map_err(|e| io_err(path, e))?;
    if !meta.is_file() {
        return Err(refused("not a regular file"));
    }
    Ok(file)
}

/// The process-wide index lock of a layout directory (by canonical path), so two `OciLayout`
/// values opened on the same directory never interleave their index.json updates.
fn lock_for(root: &Path) -> std::sync::Arc<Mutex<()>> {
    static LOCKS: std::sync::OnceLock<
        Mutex<std::collections::HashMap<PathBuf, std::sync::Weak<Mutex<()>>>>,
    > = std::sync::OnceLock::new();
    let key = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut map = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(lock) = map.get(&key).and_then(std::sync::Weak::upgrade) {
        return lock;
    }
    // Forget directories no layout value holds any more.
    map.retain(|_, w| w.strong_count() > 0);
    let lock = std::sync::Arc::new(Mutex::new(()));
    map.insert(key, std::sync::Arc::downgrade(&lock));
    lock
}

impl OciLayout {
    /// Opens an existing layout (`oci-layout` and `index.json` must exist).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let root = path.as_ref().to_path_buf();
        let marker = root.join("oci-layout");
        let text = fsread::read_capped(&marker, MAX_MARKER_SIZE)
            .map_err(|e| Error::InvalidLayout {
                path: root.display().to_string(),
                reason: format!("oci-layout: {e}"),
            })?
            .ok_or_else(|| Error::InvalidLayout {
                path: root.display().to_string(),
                reason: "oci-layout: no such file".into(),
            })?;
        let v: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| Error::InvalidLayout {
                path: root.display().to_string(),
                reason: format!("oci-layout: {e}"),
            })?;
        if v.get("imageLayoutVersion").and_then(|x| x.as_str()) != Some("1.0.0") {
            return Err(Error::InvalidLayout {
                path: root.display().to_string(),
                reason: "oci-layout must declare imageLayoutVersion 1.0.0".into(),
            });
        }
        let index_lock = lock_for(&root);
        let layout = Self {
            root,
            form: manifest::SignatureManifestForm::default(),
            index_lock,
            walked: Mutex::new(None),
        };
        layout.read_index()?;
        Ok(layout)
    }

    /// Opens the layout at `path`, creating it (and the directory) if needed.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, Error> {
        let root = path.as_ref().to_path_buf();
        fs::create_dir_all(root.join("blobs").join("sha256")).map_err(|e| io_err(&root, e))?;
        // Never over what is there: processes creating the same layout at once (parallel
        // copies into a new directory) would otherwise empty an index another one had added to.
        write_new(
            &root,
            &root.join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )?;
        let idx = Index {
            schema_version: 2,
            media_type: Some(IMAGE_INDEX.to_string()),
            ..Index::default()
        };
        let bytes = serde_json::to_vec(&idx).map_err(|e| io_err(&root, e))?;
        write_new(&root, &root.join("index.json"), &bytes)?;
        Self::open(root)
    }

    /// Chooses the form of the signature manifests this layout writes.
    pub fn with_signature_manifest_form(mut self, form: manifest::SignatureManifestForm) -> Self {
        self.form = form;
        self
    }

    /// The layout directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    fn blob_path(&self, d: &Digest) -> PathBuf {
        self.root
            .join("blobs")
            .join(d.algorithm().name())
            .join(d.hex())
    }

    /// The path of a blob, after refusing symbolically linked `blobs/` directories (the file
    /// itself is checked when opened).
    fn checked_blob_path(&self, d: &Digest) -> Result<PathBuf, Error> {
        let blobs = self.root.join("blobs");
        fsread::check_dir(&blobs)?;
        fsread::check_dir(&blobs.join(d.algorithm().name()))?;
        Ok(self.blob_path(d))
    }

    fn read_index(&self) -> Result<Index, Error> {
        self.parse_index(&self.read_index_bytes()?)
    }

    /// `index.json` as read.
    fn read_index_bytes(&self) -> Result<Vec<u8>, Error> {
        let p = self.root.join("index.json");
        fsread::read_capped(&p, MAX_INDEX_SIZE)?.ok_or_else(|| io_err(&p, "no such file"))
    }

    fn parse_index(&self, bytes: &[u8]) -> Result<Index, Error> {
        serde_json::from_slice(bytes).map_err(|e| Error::InvalidLayout {
            path: self.root.display().to_string(),
            reason: format!("index.json: {e}"),
        })
    }

    /// Manifests the last listing reached but could not read (digest, why): present but not
    /// matching their digest or size, not regular files, or not manifests. They are left out
    /// of listings (a missing blob, common in partial copies, is not named here).
    pub fn unreadable_manifests(&self) -> Vec<(String, String)> {
        self.walked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|w| w.unreadable.clone())
            .unwrap_or_default()
    }

    /// Whether the layout holds `desc`'s blob intact: a regular file (not a symbolic link) of
    /// the descriptor's size whose content hashes to its digest. Only the size is checked for a
    /// blob larger than 16 MiB (hashing a large layer on every copy would cost about what the
    /// copy saves). Writes skip a blob only when it is intact, so a truncated or corrupt one
    /// is rewritten instead of being reported as copied.
    pub fn exists(&self, desc: &Descriptor) -> bool {
        use std::io::Read as _;
        let Ok(p) = self.checked_blob_path(&desc.digest) else {
            return false;
        };
        let Ok(Some((file, len))) = fsread::open_regular(&p) else {
            return false;
        };
        if len != desc.size {
            return false;
        }
        if len > MAX_HASHED_PRESENT {
            return true;
        }
        // Streamed (bounded memory), and no further than the size even if the file grows.
        let mut hasher = manifest::StreamHasher::new(desc.digest.algorithm());
        let mut input = file.take(desc.size.saturating_add(1));
        let mut buf = vec![0u8; 64 * 1024];
        let mut n = 0u64;
        loop {
            match input.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => {
                    n = n.saturating_add(k as u64);
                    hasher.update(buf.get(..k).unwrap_or_default());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        n == desc.size && hasher.matches(&desc.digest)
    }

    /// Reads a blob, checking its size and digest against `desc` and the cap.
    pub fn fetch(&self, desc: &Descriptor, max_size: u64) -> Result<Vec<u8>, Error> {
        manifest::check_cap(desc, max_size)?;
        let p = self.checked_blob_path(&desc.digest)?;
        let data =
            fsread::read_exact_size(&p, desc.size, &desc.digest.to_string())?.ok_or_else(|| {
                Error::NotFound {
                    reference: desc.digest.to_string(),
                }
            })?;
        if !desc.digest.matches(&data) {
            return Err(Error::DigestMismatch {
                digest: desc.digest.to_string(),
                reason: "the content hashes to another digest".into(),
            });
        }
        Ok(data)
    }

    /// Stores a blob (content-addressed; written only if absent) and returns its descriptor.
    pub fn push_blob(&self, media_type: &str, data: &[u8]) -> Result<Descriptor, Error> {
        self.push_blob_as(notary_core::DigestAlgorithm::Sha256, media_type, data)
    }

    /// [`Self::push_blob`] addressed with `algorithm` (a copy keeps the source's digests).
    pub fn push_blob_as(
        &self,
        algorithm: notary_core::DigestAlgorithm,
        media_type: &str,
        data: &[u8],
    ) -> Result<Descriptor, Error> {
        let d = Descriptor::for_content_as(algorithm, media_type, data);
        let p = self.checked_blob_path(&d.digest)?;
        // Anything but the intact blob there (a link, a FIFO, a truncated or corrupt file) is
        // replaced by the rename.
        if !self.exists(&d) {
            atomic_write(&p, data)?;
        }
        Ok(d)
    }

    /// The file holding a blob, after checking it exists with the descriptor's size (its
    /// content is checked by whoever streams it).
    /// The file is a regular file, not a link; whoever streams it opens it with the same
    /// checks and reads no more than the descriptor's size.
    pub fn blob_file(&self, desc: &Descriptor) -> Result<PathBuf, Error> {
        let p = self.checked_blob_path(&desc.digest)?;
        let (_, len) = fsread::open_regular(&p)?.ok_or_else(|| Error::NotFound {
            reference: desc.digest.to_string(),
        })?;
        if len != desc.size {
            return Err(Error::DigestMismatch {
                digest: desc.digest.to_string(),
                reason: format!("{len} bytes on disk, the descriptor says {}", desc.size),
            });
        }
        Ok(p)
    }

    /// Stores a blob by streaming it from `src` (bounded memory), checking size and digest
    /// before it becomes visible (temporary file, then rename).
    pub fn push_blob_file(&self, desc: &Descriptor, src: &Path) -> Result<(), Error> {
        use std::io::Read as _;
        let dst = self.checked_blob_path(&desc.digest)?;
        if self.exists(desc) {
            return Ok(());
        }
        let (mut input, _) =
            fsread::open_regular(src)?.ok_or_else(|| io_err(src, "no such file"))?;
        write_via_temp(&dst, |out, tmp| {
            let mut hasher = manifest::StreamHasher::new(desc.digest.algorithm());
            let mut buf = vec![0u8; 1 << 20];
            let mut n = 0u64;
            loop {
                let k = input.read(&mut buf).map_err(|e| io_err(src, e))?;
                if k == 0 {
                    break;
                }
                n = n.saturating_add(k as u64);
                if n > desc.size {
                    break;
                }
                let chunk = buf.get(..k).unwrap_or_default();
                hasher.update(chunk);
                out.write_all(chunk).map_err(|e| io_err(tmp, e))?;
            }
            if n != desc.size || !hasher.matches(&desc.digest) {
                return Err(Error::DigestMismatch {
                    digest: desc.digest.to_string(),
                    reason: format!("the content ({n} bytes) does not hash to the descriptor"),
                });
            }
            Ok(())
        })
    }

    /// Stores a manifest and adds it to `index.json` (tagged when `tag` is given; a tag moves to
    /// the new manifest). Never touches other entries.
    pub fn push_manifest(
        &self,
        media_type: &str,
        data: &[u8],
        tag: Option<&str>,
    ) -> Result<Descriptor, Error> {
        self.push_manifest_as(notary_core::DigestAlgorithm::Sha256, media_type, data, tag)
    }

    /// [`Self::push_manifest`] addressed with `algorithm` (a copy keeps the source's digests:
    /// a signature's subject names the manifest by its digest).
    pub fn push_manifest_as(
        &self,
        algorithm: notary_core::DigestAlgorithm,
        media_type: &str,
        data: &[u8],
        tag: Option<&str>,
    ) -> Result<Descriptor, Error> {
        let d = self.store_manifest_as(algorithm, media_type, data)?;
        self.index_manifests(std::slice::from_ref(&d), tag)?;
        Ok(d)
    }

    /// Stores a manifest's blob without listing it in `index.json` (see
    /// [`Self::index_manifests`]): the descriptor, with the manifest's `artifactType` and
    /// annotations (what oras-go, so notation, lists in `index.json` for a manifest it packed).
    pub fn store_manifest_as(
        &self,
        algorithm: notary_core::DigestAlgorithm,
        media_type: &str,
        data: &[u8],
    ) -> Result<Descriptor, Error> {
        let m: Manifest = serde_json::from_slice(data).map_err(|e| Error::InvalidManifest {
            digest: algorithm.digest(data).to_string(),
            reason: e.to_string(),
        })?;
        let mut d = self.push_blob_as(algorithm, media_type, data)?;
        d.artifact_type = m.artifact_type;
        d.annotations = m.annotations.filter(|a| !a.is_empty());
        Ok(d)
    }

    /// Lists stored manifests in `index.json` in one rewrite (a copy of many referrers rewrote
    /// it once per manifest): untagged ones when not already listed; with `tag`, each in turn
    /// takes the tag, which moves (the last keeps it). Never touches other entries.
    pub fn index_manifests(
        &self,
        manifests: &[Descriptor],
        tag: Option<&str>,
    ) -> Result<(), Error> {
        if manifests.is_empty() {
            return Ok(());
        }
        let _lock = lock_index(&self.root, &self.index_lock)?;
        let mut idx = self.read_index()?;
        let mut listed: HashSet<Digest> = idx
            .manifests
            .iter()
            .map(|e| e.desc.digest.clone())
            .collect();
        for d in manifests {
            let mut entry = Descriptor::new(d.media_type.clone(), d.digest.clone(), d.size);
            entry.artifact_type = d.artifact_type.clone();
            // A tag is ours to give, never the manifest's own annotation.
            entry.annotations = d
                .annotations
                .as_ref()
                .map(|a| {
                    a.iter()
                        .filter(|(k, _)| k.as_str() != REF_NAME)
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<BTreeMap<_, _>>()
                })
                .filter(|a| !a.is_empty());
            let mut entry = Entry::new(entry);
            if let Some(t) = tag {
                // The tag moves: drop it from whichever entry had it.
                for e in &mut idx.manifests {
                    if e.tag() == Some(t)
                        && let Some(a) = e.desc.annotations.as_mut()
                    {
                        a.remove(REF_NAME);
                        if a.is_empty() {
                            e.desc.annotations = None;
                        }
                    }
                }
                // An untagged entry for the same manifest is replaced by the tagged one, which
                // keeps the members this crate does not model.
                idx.manifests.retain(|e| {
                    let replaced = e.desc.digest == d.digest && e.tag().is_none();
                    if replaced {
                        entry.other.extend(&e.other);
                    }
                    !replaced
                });
                entry
                    .desc
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(REF_NAME.to_string(), t.to_string());
                idx.manifests.push(entry);
            } else if listed.insert(d.digest.clone()) {
                idx.manifests.push(entry);
            }
        }
        let bytes = serde_json::to_vec(&idx).map_err(|e| io_err(&self.root, e))?;
        atomic_write(&self.root.join("index.json"), &bytes)
    }

    /// Resolves a digest (or `name@digest`) or a tag to the manifest descriptor. A tag is
    /// matched whole against `org.opencontainers.image.ref.name`, as oras-go (so notation)
    /// matches it: that annotation may hold a `:` (`prod:v1`, a full reference), and `prod:v1`
    /// is never the tag `v1`.
    pub fn resolve_reference(&self, reference: &str) -> Result<Descriptor, Error> {
        let idx = self.read_index()?;
        let digest_part = reference.rsplit_once('@').map(|(_, d)| d).or_else(|| {
            reference
                .contains(':')
                .then_some(reference)
                .filter(|r| r.parse::<Digest>().is_ok())
        });
        if let Some(ds) = digest_part {
            let digest: Digest =
                ds.parse()
                    .map_err(|e: notary_core::Error| Error::InvalidReference {
                        reference: reference.to_string(),
                        reason: e.to_string(),
                    })?;
            if let Some(e) = idx.manifests.iter().find(|e| e.desc.digest == digest) {
                let d = Descriptor::new(e.desc.media_type.clone(), digest, e.desc.size);
                self.check_entry_size(&d)?;
                return Ok(d);
            }
            // Not listed at the top level (e.g. a child of an index): read the blob itself.
            let p = self.checked_blob_path(&digest)?;
            let data =
                fsread::read_capped(&p, MAX_MANIFEST_SIZE)?.ok_or_else(|| Error::NotFound {
                    reference: reference.to_string(),
                })?;
            if !digest.matches(&data) {
                return Err(Error::DigestMismatch {
                    digest: digest.to_string(),
                    reason: "the content hashes to another digest".into(),
                });
            }
            let m: Manifest =
                serde_json::from_slice(&data).map_err(|e| Error::InvalidManifest {
                    digest: digest.to_string(),
                    reason: e.to_string(),
                })?;
            let mt = m.media_type.ok_or_else(|| Error::InvalidManifest {
                digest: digest.to_string(),
                reason: "no mediaType".into(),
            })?;
            return Ok(Descriptor::new(mt, digest, data.len() as u64));
        }
        idx.manifests
            .iter()
            .rev()
            .find(|e| e.tag() == Some(reference))
            .map(|e| {
                Descriptor::new(
                    e.desc.media_type.clone(),
                    e.desc.digest.clone(),
                    e.desc.size,
                )
            })
            .ok_or_else(|| Error::NotFound {
                reference: reference.to_string(),
            })
            .and_then(|d| self.check_entry_size(&d).map(|()| d))
    }

    /// An `index.json` entry whose blob is present must give its size: a layout whose entry
    /// says otherwise is refused, as notation refuses to open it. (A missing blob is left to
    /// whoever reads it: partial copies of a layout are common.)
    fn check_entry_size(&self, d: &Descriptor) -> Result<(), Error> {
        let p = self.checked_blob_path(&d.digest)?;
        match fsread::open_regular(&p)? {
            Some((_, len)) if len != d.size => Err(Error::DigestMismatch {
                digest: d.digest.to_string(),
                reason: format!("index.json gives {} bytes, the blob has {len}", d.size),
            }),
            _ => Ok(()),
        }
    }

    /// Every manifest reachable from `index.json` (through indexes), with its parsed content.
    fn walk(&self) -> Result<std::sync::Arc<Vec<(Descriptor, Manifest)>>, Error> {
        let bytes = self.read_index_bytes()?;
        let mut walked = self
            .walked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(w) = walked.as_ref().filter(|w| w.complete && w.index == bytes) {
            return Ok(w.nodes.clone());
        }
        let idx = self.parse_index(&bytes)?;
        let mut queue: VecDeque<Descriptor> = idx.manifests.into_iter().map(|e| e.desc).collect();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut unreadable = Vec::new();
        let mut complete = true;
        while let Some(d) = queue.pop_front() {
            if !seen.insert(d.digest.clone()) || !manifest::is_manifest_type(&d.media_type) {
                continue;
            }
            if seen.len() > MAX_NODES {
                return Err(Error::InvalidLayout {
                    path: self.root.display().to_string(),
                    reason: format!("more than {MAX_NODES} manifests"),
                });
            }
            let read = self.fetch(&d, MAX_MANIFEST_SIZE).and_then(|data| {
                serde_json::from_slice::<Manifest>(&data).map_err(|e| Error::InvalidManifest {
                    digest: d.digest.to_string(),
                    reason: e.to_string(),
                })
            });
            let m = match read {
                Ok(m) => m,
                // Blobs an index points at but the layout does not hold (partial copies).
                Err(Error::NotFound { .. }) => {
                    complete = false;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(digest = %d.digest, error = %e, "OCI layout manifest left out");
                    // A write repairs a corrupt blob in place, index.json unchanged, so the
                    // walk is redone while one is there; an intact blob that is no manifest
                    // (or too large for one) never changes, and does not stop the reuse.
                    if matches!(
                        e,
                        Error::DigestMismatch { .. }
                            | Error::NotRegularFile { .. }
                            | Error::Io { .. }
                    ) {
                        complete = false;
                    }
                    if unreadable.len() < MAX_UNREADABLE_NAMED {
                        unreadable.push((d.digest.to_string(), e.to_string()));
                    }
                    continue;
                }
            };
            if let Some(children) = &m.manifests {
                queue.extend(children.iter().cloned());
            }
            out.push((d, m));
        }
        let nodes = std::sync::Arc::new(out);
        *walked = Some(Walked {
            index: bytes,
            complete,
            nodes: nodes.clone(),
            unreadable,
        });
        Ok(nodes)
    }

    /// Descriptors of every manifest whose `subject` is `subject` (optionally of one artifact type).
    pub fn referrers(
        &self,
        subject: &Descriptor,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>, Error> {
        Ok(self
            .walk()?
            .iter()
            .filter(|(_, m)| {
                m.subject
                    .as_ref()
                    .is_some_and(|s| s.digest == subject.digest)
            })
            .map(|(d, m)| describe(d.clone(), m))
            .filter(|d| artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type)
            .collect())
    }
}

/// A descriptor for listing: media type, digest, size, artifact type (or the legacy config
/// type) and the manifest's annotations.
fn describe(d: Descriptor, m: &Manifest) -> Descriptor {
    let mut out = Descriptor::new(d.media_type, d.digest, d.size);
    out.artifact_type = m
        .artifact_type
        .clone()
        .or_else(|| m.config.as_ref().map(|c| c.media_type.clone()));
    out.annotations = m.annotations.clone();
    out
}

impl SignatureRepository for OciLayout {
    type Error = Error;

    async fn resolve(&self, reference: &str) -> Result<Descriptor, Error> {
        self.resolve_reference(reference)
    }

    async fn list_signatures(
        &self,
        subject: &Descriptor,
        limit: usize,
    ) -> Result<Vec<Descriptor>, Error> {
        let target = subject.digest.to_string();
        // The signature's subject must be the subject's descriptor, not only its digest: a
        // manifest naming another size or media type is not one of its signatures (notation's
        // layout store matches whole descriptors too).
        let same_subject = |m: &Manifest| {
            m.subject
                .as_ref()
                .is_some_and(|s| s.media_type == subject.media_type && s.size == subject.size)
        };
        let mut out: Vec<Descriptor> = self
            .walk()?
            .iter()
            .filter(|(d, m)| {
                manifest::is_signature_for(&d.media_type, m, &target) && same_subject(m)
            })
            .map(|(d, m)| describe(d.clone(), m))
            .collect();
        // Deterministic order: oldest first by creation annotation, then digest.
        out.sort_by(|a, b| {
            let created = |d: &Descriptor| {
                d.annotations
                    .as_ref()
                    .and_then(|a| a.get("org.opencontainers.image.created").cloned())
                    .unwrap_or_default()
            };
            created(a)
                .cmp(&created(b))
                .then_with(|| a.digest.cmp(&b.digest))
        });
        out.truncate(limit);
        Ok(out)
    }

    async fn fetch_signature(&self, manifest_desc: &Descriptor) -> Result<FetchedSignature, Error> {
        let data = self.fetch(manifest_desc, MAX_MANIFEST_SIZE)?;
        let (m, layer, format) = manifest::signature_layer(manifest_desc, &data)?;
        let envelope = self.fetch(&layer, MAX_ENVELOPE_SIZE)?;
        Ok(
            FetchedSignature::new(manifest_desc.clone(), format, envelope)
                .with_annotations(m.annotations.unwrap_or_default())
                .with_subject(m.subject),
        )
    }

    async fn push_signature(&self, request: PushSignature<'_>) -> Result<PushedSignature, Error> {
        let blob = self.push_blob(request.envelope_media_type.as_str(), request.envelope)?;
        self.push_blob(manifest::EMPTY_JSON, b"{}")?;
        let data =
            manifest::signature_manifest(&blob, request.subject, &request.annotations, self.form);
        let manifest = self.push_manifest(manifest::IMAGE_MANIFEST, &data, None)?;
        Ok(PushedSignature::new(blob, manifest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = r#""mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0"#;

    fn parse(text: &str) -> Result<Index, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// One pass keeps the decoder's rules: a modelled member given twice, in the index or in
    /// an entry, is refused; a missing `schemaVersion` is refused; `null` reads as absent.
    #[test]
    fn modelled_members_are_decoded_as_a_derived_decoder_would() {
        let dup = parse(r#"{"schemaVersion":2,"manifests":[],"schemaVersion":2}"#).unwrap_err();
        assert!(dup.contains("duplicate field `schemaVersion`"), "{dup}");
        let dup = parse(&format!(
            r#"{{"schemaVersion":2,"manifests":[{{{D},"size":1}}]}}"#
        ))
        .unwrap_err();
        assert!(dup.contains("duplicate field `size`"), "{dup}");
        let missing = parse(r#"{"manifests":[]}"#).unwrap_err();
        assert!(
            missing.contains("missing field `schemaVersion`"),
            "{missing}"
        );
        let bad =
            parse(r#"{"schemaVersion":2,"manifests":[{"mediaType":"x","size":0}]}"#).unwrap_err();
        assert!(bad.contains("missing field `digest`"), "{bad}");
        assert!(parse(r#"[2]"#).is_err());

        let idx = parse(&format!(
            r#"{{"schemaVersion":2,"mediaType":null,"annotations":null,"x":[1],"manifests":[{{"y":1e400,{D},"y":{{"z":2}}}}],"x":3}}"#
        ))
        .unwrap();
        assert_eq!(idx.media_type, None);
        assert_eq!(idx.annotations, None);
        assert_eq!(serde_json::to_string(&idx.other).unwrap(), r#"{"x":3}"#);
        assert_eq!(idx.manifests.len(), 1);
        assert_eq!(idx.manifests[0].desc.size, 0);
        assert_eq!(
            serde_json::to_string(&idx.manifests[0].other).unwrap(),
            r#"{"y":{"z":2}}"#
        );
    }
}
