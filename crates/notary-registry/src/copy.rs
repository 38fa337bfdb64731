//! `notary copy`: an artifact and every referrer of it (signatures, SBOMs, signatures of
//! those), between registries and OCI image layouts in any direction. Digests never change,
//! so signed content still verifies after the move.

use std::collections::HashSet;

use notary_core::{Descriptor, Digest};

use crate::error::Error;
use crate::manifest::{self, Manifest};
use crate::{MAX_MANIFEST_SIZE, OciLayout, RemoteRepository};

/// Blobs larger than this are streamed through a file instead of held in memory.
pub const STREAM_ABOVE: u64 = 16 * 1024 * 1024;

/// A staging file removed on drop. Created exclusively under an unpredictable name (owner-only
/// mode), so a link planted in the staging directory (a destination layout's `blobs/`, or the
/// shared system temporary directory) is never followed, and concurrent copies of the same
/// blob never share a file.
struct TempFile(tempfile::NamedTempFile);

impl TempFile {
    fn new(dir: &std::path::Path, digest: &Digest) -> Result<Self, Error> {
        let io_err = |e: std::io::Error| Error::Io {
            path: dir.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(io_err)?;
        tempfile::Builder::new()
            .prefix(&format!(".notary-copy-{}-", digest.hex()))
            .tempfile_in(dir)
            .map(Self)
            .map_err(io_err)
    }

    fn path(&self) -> &std::path::Path {
        self.0.path()
    }

    fn file(&mut self) -> &mut std::fs::File {
        self.0.as_file_mut()
    }
}

/// Most referrers followed per subject.
const MAX_REFERRERS: usize = 10_000;
/// Most objects one run takes on: descriptors listed by the manifests it reads (each time one
/// lists it) and the roots it copies. Counted as listed, not as copied: a chain of indexes each
/// listing thousands of entries would otherwise grow the walk without bound before anything
/// is copied.
const MAX_OBJECTS: usize = 100_000;
/// How many levels of referrers of referrers a copy follows (signatures of an SBOM of an image
/// are two): a registry that answers every manifest with a new referrer cannot keep a copy
/// going until the object cap (100,000).
pub const MAX_REFERRER_DEPTH: usize = 16;

/// Checks that the destination stored `wanted` under its own digest (a copy keeps digests:
/// signatures name their subjects by them).
fn stored_as(wanted: &Descriptor, got: &Descriptor) -> Result<(), Error> {
    if got.digest != wanted.digest {
        return Err(Error::DigestMismatch {
            digest: wanted.digest.to_string(),
            reason: format!("stored as {}", got.digest),
        });
    }
    Ok(())
}

/// A copy source or destination.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Endpoint<'a> {
    /// An OCI image layout directory.
    Layout(&'a OciLayout),
    /// A registry repository.
    Remote(&'a RemoteRepository),
}

/// Progress of a copy, reported after each object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyProgress {
    /// Blobs copied (excluding those the destination already had).
    pub blobs_copied: u64,
    /// Blobs the destination already had.
    pub blobs_skipped: u64,
    /// Manifests and indexes copied.
    pub manifests: u64,
    /// Bytes transferred (blobs and manifests).
    pub bytes: u64,
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// The copied artifact.
    pub artifact: Descriptor,
    /// Referrers copied (every depth).
    pub referrers: Vec<Descriptor>,
    /// Counters.
    pub progress: CopyProgress,
}

impl Endpoint<'_> {
    async fn resolve(&self, reference: &str) -> Result<Descriptor, Error> {
        match self {
            Self::Layout(l) => l.resolve_reference(reference),
            Self::Remote(r) => r.resolve_reference(reference).await,
        }
    }

    async fn manifest(&self, d: &Descriptor) -> Result<Vec<u8>, Error> {
        match self {
            Self::Layout(l) => l.fetch(d, MAX_MANIFEST_SIZE),
            Self::Remote(r) => r.fetch_manifest(d, MAX_MANIFEST_SIZE).await,
        }
    }

    async fn blob(&self, d: &Descriptor) -> Result<Vec<u8>, Error> {
        match self {
            Self::Layout(l) => l.fetch(d, STREAM_ABOVE),
            Self::Remote(r) => r.fetch_blob(d, STREAM_ABOVE).await,
        }
    }

    async fn has_blob(&self, d: &Descriptor) -> Result<bool, Error> {
        match self {
            // Size and content checked: a corrupt blob in a layout is copied over.
            Self::Layout(l) => Ok(l.exists(d)),
            Self::Remote(r) => r.blob_exists(&d.digest).await,
        }
    }

    async fn has_manifest(&self, d: &Descriptor) -> Result<bool, Error> {
        match self {
            // A layout must also list the manifest in index.json to find referrers, so it is
            // always (re)indexed.
            Self::Layout(_) => Ok(false),
            Self::Remote(r) => r.manifest_exists(d).await,
        }
    }

    async fn put_blob(&self, d: &Descriptor, data: &[u8]) -> Result<(), Error> {
        // In the source's algorithm: a sha512 blob stays sha512 (its manifest names it so).
        let algorithm = d.digest.algorithm();
        let got = match self {
            Self::Layout(l) => l.push_blob_as(algorithm, &d.media_type, data)?,
            Self::Remote(r) => r.push_blob_as(algorithm, &d.media_type, data).await?,
        };
        stored_as(d, &got)
    }

    async fn put_manifest(
        &self,
        d: &Descriptor,
        data: &[u8],
        tag: Option<&str>,
    ) -> Result<(), Error> {
        // In the source's algorithm: signatures name their subject by this digest.
        let algorithm = d.digest.algorithm();
        let got = match self {
            Self::Layout(l) => l.push_manifest_as(algorithm, &d.media_type, data, tag)?,
            Self::Remote(r) => {
                let got = r
                    .push_manifest_as(algorithm, &d.media_type, data, None)
                    .await?;
                if let Some(t) = tag {
                    r.push_manifest_as(algorithm, &d.media_type, data, Some(t))
                        .await?;
                }
                got
            }
        };
        stored_as(d, &got)
    }

    async fn referrers(&self, subject: &Descriptor) -> Result<Vec<Descriptor>, Error> {
        match self {
            Self::Layout(l) => l.referrers(subject, None),
            Self::Remote(r) => r.referrers(&subject.digest, None, MAX_REFERRERS).await,
        }
    }
}

struct Copier<'a, F> {
    src: Endpoint<'a>,
    dst: Endpoint<'a>,
    temp_dir: std::path::PathBuf,
    progress: CopyProgress,
    on_progress: F,
    done: HashSet<Digest>,
    /// Objects taken on so far (see [`MAX_OBJECTS`]).
    listed: usize,
    /// Untagged manifests stored in a destination layout, listed in its `index.json` in one
    /// rewrite at the end ([`Copier::index_stored`]).
    stored: Vec<Descriptor>,
}

impl<F: FnMut(&CopyProgress)> Copier<'_, F> {
    /// Copies a manifest and everything it points at (children before the parent, so the
    /// destination never holds a manifest with missing content).
    async fn copy_node(&mut self, root: &Descriptor, tag: Option<&str>) -> Result<(), Error> {
        self.take_on(root, 1)?;
        // Iterative post-order walk: (descriptor, children pushed?)
        let mut stack: Vec<(Descriptor, Option<Vec<u8>>)> = vec![(root.clone(), None)];
        while let Some((d, data)) = stack.pop() {
            if self.done.contains(&d.digest) && !(tag.is_some() && d.digest == root.digest) {
                continue;
            }
            if !manifest::is_manifest_type(&d.media_type) {
                self.copy_blob(&d).await?;
                self.done.insert(d.digest.clone());
                continue;
            }
            match data {
                None => {
                    let bytes = self.src.manifest(&d).await?;
                    let m: Manifest =
                        serde_json::from_slice(&bytes).map_err(|e| Error::InvalidManifest {
                            digest: d.digest.to_string(),
                            reason: e.to_string(),
                        })?;
                    let mut children: Vec<Descriptor> = Vec::new();
                    children.extend(m.config.iter().cloned());
                    children.extend(m.content().iter().cloned());
                    children.extend(m.manifests.iter().flatten().cloned());
                    self.take_on(root, children.len())?;
                    stack.push((d, Some(bytes)));
                    for c in children.into_iter().rev() {
                        if !self.done.contains(&c.digest) {
                            stack.push((c, None));
                        }
                    }
                }
                Some(bytes) => {
                    let this_tag = if d.digest == root.digest { tag } else { None };
                    match (&self.dst, this_tag) {
                        (Endpoint::Layout(l), None) => {
                            let got =
                                l.store_manifest_as(d.digest.algorithm(), &d.media_type, &bytes)?;
                            stored_as(&d, &got)?;
                            self.stored.push(got);
                        }
                        _ if this_tag.is_some() || !self.dst.has_manifest(&d).await? => {
                            self.dst.put_manifest(&d, &bytes, this_tag).await?;
                        }
                        _ => {}
                    }
                    self.progress.manifests = self.progress.manifests.saturating_add(1);
                    self.progress.bytes = self.progress.bytes.saturating_add(bytes.len() as u64);
                    (self.on_progress)(&self.progress);
                    self.done.insert(d.digest.clone());
                }
            }
        }
        Ok(())
    }

    /// Lists the manifests stored untagged in a destination layout (every one complete: its
    /// content was written before it), also when the copy stopped part-way.
    fn index_stored(&mut self) -> Result<(), Error> {
        match self.dst {
            Endpoint::Layout(l) => l.index_manifests(&std::mem::take(&mut self.stored), None),
            Endpoint::Remote(_) => Ok(()),
        }
    }

    /// Counts `n` more objects under `root`, refusing more than [`MAX_OBJECTS`] in the run.
    fn take_on(&mut self, root: &Descriptor, n: usize) -> Result<(), Error> {
        self.listed = self.listed.saturating_add(n);
        if self.listed > MAX_OBJECTS {
            return Err(Error::InvalidManifest {
                digest: root.digest.to_string(),
                reason: format!("more than {MAX_OBJECTS} objects to copy"),
            });
        }
        Ok(())
    }

    async fn copy_blob(&mut self, d: &Descriptor) -> Result<(), Error> {
        if self.dst.has_blob(d).await? {
            self.progress.blobs_skipped = self.progress.blobs_skipped.saturating_add(1);
        } else if d.size <= STREAM_ABOVE {
            let data = self.src.blob(d).await?;
            self.dst.put_blob(d, &data).await?;
            self.progress.blobs_copied = self.progress.blobs_copied.saturating_add(1);
            self.progress.bytes = self.progress.bytes.saturating_add(data.len() as u64);
        } else {
            self.copy_large_blob(d).await?;
            self.progress.blobs_copied = self.progress.blobs_copied.saturating_add(1);
            self.progress.bytes = self.progress.bytes.saturating_add(d.size);
        }
        (self.on_progress)(&self.progress);
        Ok(())
    }

    /// Large blobs go through a file (the source layout's own, or a temporary one for a
    /// registry source) and are streamed with bounded memory, digest-checked on both sides.
    async fn copy_large_blob(&mut self, d: &Descriptor) -> Result<(), Error> {
        let (path, _tmp) = match self.src {
            Endpoint::Layout(l) => (l.blob_file(d)?, None),
            Endpoint::Remote(r) => {
                let mut tmp = TempFile::new(&self.temp_dir, &d.digest)?;
                r.fetch_blob_to(d, tmp.file()).await?;
                (tmp.path().to_path_buf(), Some(tmp))
            }
        };
        match self.dst {
            Endpoint::Layout(l) => l.push_blob_file(d, &path),
            Endpoint::Remote(r) => r.push_blob_file(d, &path).await,
        }
    }
}

/// Rewrites one ORAS-era signature as an OCI 1.1 signature manifest in `dst`: the envelope
/// bytes, their media type and the manifest's annotations are kept; the subject is `artifact`.
async fn migrate_signature(
    src: &RemoteRepository,
    dst: &Endpoint<'_>,
    artifact: &Descriptor,
    old: &Descriptor,
) -> Result<Descriptor, Error> {
    use notary_core::{PushSignature, SignatureRepository as _};
    let fetched = src.fetch_signature(old).await?;
    if fetched.subject.as_ref().map(|s| &s.digest) != Some(&artifact.digest) {
        return Err(Error::InvalidManifest {
            digest: old.digest.to_string(),
            reason: format!("its subject is not {}", artifact.digest),
        });
    }
    let request = PushSignature::new(
        artifact,
        fetched.envelope_media_type,
        &fetched.envelope,
        fetched.annotations.clone(),
    );
    let pushed = match dst {
        Endpoint::Layout(l) => l.push_signature(request).await?,
        Endpoint::Remote(r) => r.push_signature(request).await?,
    };
    Ok(pushed.manifest)
}

/// Copies the artifact `src_reference` names from `src` to `dst` (tagged `dst_tag` there when
/// given), then every referrer of it, recursively. `on_progress` is called after each object.
///
/// ```
/// use notary_core::{PushSignature, SignatureRepository};
/// use notary_registry::copy::{Endpoint, copy};
/// use notary_registry::{OciLayout, manifest};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let w = std::task::Waker::noop(); let mut cx = std::task::Context::from_waker(&w);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
/// let src = OciLayout::create(a.path())?;
/// let config = src.push_blob(manifest::EMPTY_JSON, b"{}")?;
/// let image = manifest::image_manifest(&config, &[], None, None, None);
/// let artifact = src.push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))?;
/// block_on(src.push_signature(PushSignature::new(&artifact, notary_core::EnvelopeMediaType::Jws, b"{}", Default::default())))?;
///
/// let dst = OciLayout::create(b.path())?;
/// let report = block_on(copy(Endpoint::Layout(&src), "v1", Endpoint::Layout(&dst), Some("v1"), |_| {}))?;
/// assert_eq!(report.artifact, artifact);
/// assert_eq!(report.referrers.len(), 1);
/// assert_eq!(block_on(dst.list_signatures(&artifact, 10))?.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn copy(
    src: Endpoint<'_>,
    src_reference: &str,
    dst: Endpoint<'_>,
    dst_tag: Option<&str>,
    on_progress: impl FnMut(&CopyProgress),
) -> Result<CopyReport, Error> {
    copy_with(
        src,
        src_reference,
        dst,
        dst_tag,
        &CopyOptions::default(),
        on_progress,
    )
    .await
}

/// Options of [`copy_with`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CopyOptions {
    /// Also copy the signatures of the Notary v2 prototypes (ORAS artifact manifests found
    /// through the ORAS referrers API, as notation <= 0.12 pushed them), rewritten as OCI 1.1
    /// signature manifests (subject, `application/vnd.cncf.notary.signature`) around the same
    /// envelope bytes, so they keep verifying.
    pub migrate_prototype_signatures: bool,
}

impl CopyOptions {
    /// Sets [`Self::migrate_prototype_signatures`].
    #[must_use]
    pub fn with_migration(mut self, migrate: bool) -> Self {
        self.migrate_prototype_signatures = migrate;
        self
    }
}

/// Copies `artifact` (tagged `dst_tag`), then the referrers of everything copied, at most
/// [`MAX_REFERRER_DEPTH`] levels below it.
async fn copy_graph<F: FnMut(&CopyProgress)>(
    c: &mut Copier<'_, F>,
    artifact: &Descriptor,
    dst_tag: Option<&str>,
    referrers: &mut Vec<Descriptor>,
    seen: &mut HashSet<Digest>,
) -> Result<(), Error> {
    c.copy_node(artifact, dst_tag).await?;
    let mut queue = vec![(artifact.clone(), 0usize)];
    while let Some((subject, depth)) = queue.pop() {
        let found = c.src.referrers(&subject).await?;
        if depth >= MAX_REFERRER_DEPTH && !found.is_empty() {
            return Err(Error::InvalidManifest {
                digest: subject.digest.to_string(),
                reason: format!(
                    "referrers nest more than {MAX_REFERRER_DEPTH} levels below the artifact"
                ),
            });
        }
        for r in found {
            if !seen.insert(r.digest.clone()) {
                continue;
            }
            // Listing descriptors carry artifactType/annotations; copy by the manifest itself.
            let plain = Descriptor::new(r.media_type.clone(), r.digest.clone(), r.size);
            c.copy_node(&plain, None).await?;
            referrers.push(r);
            queue.push((plain, depth.saturating_add(1)));
        }
    }
    Ok(())
}

/// [`copy`] with options (see [`CopyOptions`]).
pub async fn copy_with(
    src: Endpoint<'_>,
    src_reference: &str,
    dst: Endpoint<'_>,
    dst_tag: Option<&str>,
    options: &CopyOptions,
    on_progress: impl FnMut(&CopyProgress),
) -> Result<CopyReport, Error> {
    let artifact = src.resolve(src_reference).await?;
    // Large blobs from a registry are staged next to a destination layout (same file system),
    // else in the system's temporary directory.
    let temp_dir = match dst {
        Endpoint::Layout(l) => l.path().join("blobs"),
        Endpoint::Remote(_) => std::env::temp_dir(),
    };
    let mut c = Copier {
        src,
        dst,
        temp_dir,
        progress: CopyProgress::default(),
        on_progress,
        done: HashSet::new(),
        listed: 0,
        stored: Vec::new(),
    };
    let mut referrers = Vec::new();
    let mut seen = HashSet::from([artifact.digest.clone()]);
    let copied = copy_graph(&mut c, &artifact, dst_tag, &mut referrers, &mut seen).await;
    let indexed = c.index_stored();
    copied.and(indexed)?;
    if options.migrate_prototype_signatures
        && let Endpoint::Remote(r) = c.src
    {
        for old in r.oras_referrers(&artifact.digest, MAX_REFERRERS).await? {
            if old.media_type != manifest::ORAS_ARTIFACT_MANIFEST
                || !seen.insert(old.digest.clone())
            {
                continue;
            }
            let migrated = migrate_signature(r, &c.dst, &artifact, &old).await?;
            c.progress.manifests = c.progress.manifests.saturating_add(1);
            (c.on_progress)(&c.progress);
            referrers.push(migrated);
        }
    }
    Ok(CopyReport {
        artifact,
        referrers,
        progress: c.progress,
    })
}
