//! Writing to the registry: blob uploads (monolithic, or chunked from a file) that restart from
//! the first byte on failure, and manifest PUTs that keep the referrers tag schema up to date.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use notary_core::{Descriptor, Digest, DigestAlgorithm};
use reqwest::header;
use reqwest::{Method, StatusCode};

use super::RemoteRepository;
use super::fetch::MANIFEST_ACCEPT;
use super::referrers::{REFERRERS_API, TagIndex};
use super::transport::{Body, form_encode, http_op, is_transient, read_error_body};
use crate::error::Error;
use crate::manifest::{self, IMAGE_INDEX, IMAGE_MANIFEST, Manifest};

// Values of `Inner::monolithic`: whether the registry stores a small blob sent in one POST
// (`?digest=`, 201) or answers it with an upload session (202) that a PUT must complete.
pub(super) const MONOLITHIC_UNKNOWN: u8 = 0;
pub(super) const MONOLITHIC_YES: u8 = 1;
pub(super) const MONOLITHIC_NO: u8 = 2;

/// Most upload sessions and tag indexes kept ready by `prepare_push` at once: a caller that
/// prepares without pushing cannot make the client hoard them.
const MAX_PREPARED: usize = 16;

/// How long a tag index read ahead stays usable. The tag schema has no atomic update: another
/// writer's entry added after the read is lost by a write based on it, so the read must be
/// about as fresh as oras-go's (read after the signature manifest, one round trip before the
/// write). A local key signs within milliseconds of the read; a push later than this (a
/// plugin, a KMS, a TSA round trip) reads the index again beside the envelope's upload, which
/// costs no extra round trip.
const PREPARED_INDEX_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Work of coming signature pushes done ahead of them ([`RemoteRepository::prepare_push`]).
#[derive(Default)]
pub(super) struct Prepared {
    /// Open upload sessions (absolute `Location`s), each good for one blob.
    sessions: Vec<String>,
    /// Referrers tag indexes read ahead, by tag, with when they were read.
    indexes: std::collections::HashMap<String, (std::time::Instant, TagIndex)>,
}

impl RemoteRepository {
    /// Does ahead of a signature push what needs no envelope, concurrently: opens an upload
    /// session where the registry is known to refuse monolithic POSTs, makes sure the empty
    /// config blob is there, and reads `subject`'s referrers tag index where it will be
    /// written. Failures are dropped: the push does that part itself and reports them.
    pub(super) async fn prepare_push(&self, subject: Option<&Digest>) {
        let session = async {
            if self.expects_two_step_upload() && self.prepared_len().0 < MAX_PREPARED {
                self.open_upload_session().await.ok()
            } else {
                None
            }
        };
        let index = async {
            match subject {
                Some(d) if self.writes_tag_index() && self.prepared_len().1 < MAX_PREPARED => {
                    let read_at = std::time::Instant::now();
                    self.read_tag_index_ahead(d)
                        .await
                        .map(|i| (super::referrers_tag(d), (read_at, i)))
                }
                _ => None,
            }
        };
        let ((), session, index) = tokio::join!(
            async {
                let _ = self.ensure_config_blob().await;
            },
            session,
            index
        );
        if let Ok(mut p) = self.inner.prepared.lock() {
            p.sessions.extend(session);
            p.indexes
                .retain(|_, (at, _)| at.elapsed() < PREPARED_INDEX_TTL);
            if let Some((tag, i)) = index {
                p.indexes.insert(tag, i);
            }
        }
    }

    fn prepared_len(&self) -> (usize, usize) {
        self.inner
            .prepared
            .lock()
            .map_or((MAX_PREPARED, MAX_PREPARED), |p| {
                (p.sessions.len(), p.indexes.len())
            })
    }

    /// Takes an upload session and `subject`'s tag index prepared ahead, if any.
    pub(super) fn take_prepared(&self, subject: &Digest) -> (Option<String>, Option<TagIndex>) {
        let tag = super::referrers_tag(subject);
        self.inner.prepared.lock().map_or((None, None), |mut p| {
            let index = p
                .indexes
                .remove(&tag)
                .filter(|(at, _)| at.elapsed() < PREPARED_INDEX_TTL)
                .map(|(_, i)| i);
            (p.sessions.pop(), index)
        })
    }

    /// Whether a signature push will write the referrers tag index: forced, or the registry
    /// is known to lack the referrers API.
    pub(super) fn writes_tag_index(&self) -> bool {
        self.inner.options.force_referrers_tag
            || self.inner.referrers.load(Ordering::Relaxed) == super::REFERRERS_TAG_SCHEMA
    }

    /// Whether this registry answers a monolithic POST with an upload session: learned by this
    /// client, else remembered in the cache from an earlier process.
    fn expects_two_step_upload(&self) -> bool {
        match self.inner.monolithic.load(Ordering::Relaxed) {
            MONOLITHIC_NO => true,
            MONOLITHIC_YES => false,
            _ => self
                .inner
                .options
                .cache
                .as_ref()
                .is_some_and(|c| c.two_step_upload_hint(&self.inner.registry)),
        }
    }

    fn learn_monolithic(&self, works: bool) {
        let v = if works { MONOLITHIC_YES } else { MONOLITHIC_NO };
        if self.inner.monolithic.swap(v, Ordering::Relaxed) != v
            && let Some(c) = &self.inner.options.cache
            && c.two_step_upload_hint(&self.inner.registry) == works
        {
            c.set_two_step_upload_hint(&self.inner.registry, !works);
        }
    }

    /// Opens an upload session (POST without a body) and returns its absolute location.
    async fn open_upload_session(&self) -> Result<String, Error> {
        let url = format!("{}/blobs/uploads/", self.inner.base);
        let resp = self
            .send(Method::POST, &url, &[], None, "push", true)
            .await?;
        let status = resp.status();
        if status != StatusCode::ACCEPTED {
            let b = read_error_body(resp).await;
            return Err(self.unexpected(http_op("POST", &url), status, &b));
        }
        self.location(&resp, &http_op("POST", &url))
    }

    /// Uploads a signature envelope, through `session` when one was opened ahead (a session
    /// the registry no longer knows falls back to a fresh upload).
    pub(super) async fn push_envelope(
        &self,
        media_type: &str,
        data: &[u8],
        session: Option<String>,
    ) -> Result<Descriptor, Error> {
        if let Some(location) = session {
            let desc = Descriptor::for_content(media_type, data);
            let body = Body {
                bytes: Bytes::copy_from_slice(data),
                content_type: "application/octet-stream",
            };
            match self.finish_upload(&location, &desc, Some(&body)).await {
                Ok(()) => return Ok(desc),
                Err(e) => {
                    tracing::debug!(error = %e, "prepared upload session failed; uploading afresh")
                }
            }
        }
        // A fresh signature envelope is never there already: no existence check.
        self.push_blob_checked(Descriptor::for_content(media_type, data), data, false)
            .await
    }

    /// Makes sure the empty JSON config blob (`{}`) of signature manifests is in the
    /// repository, asking once per client, or not at all when the cache remembers it there
    /// (then [`Self::push_signature_manifest`] recovers should it be gone).
    pub(super) async fn ensure_config_blob(&self) -> Result<(), Error> {
        if self.inner.config_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        if let Some(c) = &self.inner.options.cache
            && c.config_blob_hint(&self.inner.registry, &self.inner.repository)
        {
            self.inner.config_ready.store(true, Ordering::Relaxed);
            return Ok(());
        }
        self.push_blob(manifest::EMPTY_JSON, b"{}").await?;
        self.inner.config_ready.store(true, Ordering::Relaxed);
        self.inner.config_checked.store(true, Ordering::Relaxed);
        if let Some(c) = &self.inner.options.cache {
            c.set_config_blob_hint(&self.inner.registry, &self.inner.repository, true);
        }
        Ok(())
    }

    /// Pushes a signature manifest. When the registry refuses it (4xx) and the config blob was
    /// taken on the cache's word, not checked, the blob may be gone: it is checked, pushed if
    /// missing, and the manifest pushed once more; otherwise the refusal stands.
    pub(super) async fn push_signature_manifest(
        &self,
        data: &[u8],
        index: Option<TagIndex>,
    ) -> Result<Descriptor, Error> {
        let first = self
            .push_manifest_with(IMAGE_MANIFEST, data, None, index)
            .await;
        let refused = matches!(
            &first,
            Err(Error::Http { operation, status: 400..=499, .. }) if operation.starts_with("PUT ")
        );
        if !refused || self.inner.config_checked.load(Ordering::Relaxed) {
            return first;
        }
        self.inner.config_checked.store(true, Ordering::Relaxed);
        let empty = Descriptor::for_content(manifest::EMPTY_JSON, b"{}").digest;
        if self.blob_exists(&empty).await? {
            return first;
        }
        tracing::debug!("the config blob the cache remembered is gone; pushing it again");
        // Just found missing: upload without asking again.
        let pushed = self
            .push_blob_checked(
                Descriptor::for_content(manifest::EMPTY_JSON, b"{}"),
                b"{}",
                false,
            )
            .await;
        if let Some(c) = &self.inner.options.cache {
            c.set_config_blob_hint(&self.inner.registry, &self.inner.repository, pushed.is_ok());
        }
        pushed?;
        self.push_manifest_with(IMAGE_MANIFEST, data, None, None)
            .await
    }

    /// Uploads a blob from a file in chunks (POST, PATCH with `Content-Range`, PUT with the
    /// digest), so memory stays bounded. The content is hashed as it goes and the upload is
    /// not completed unless it matches the digest (the registry checks it too, but one that
    /// does not would store the wrong bytes under it). A failed session starts over from the
    /// first byte.
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
        let mut location = self.open_upload_session().await?;
        // A regular file (no link, FIFO or device), read no further than one byte past the
        // descriptor's size: a file that grew is refused below, not uploaded forever.
        let (file, _) = crate::fsread::open_regular(path)?.ok_or_else(|| Error::Io {
            path: path.display().to_string(),
            reason: "no such file".into(),
        })?;
        let mut file = file.take(desc.size.saturating_add(1));
        let mut hasher = crate::manifest::StreamHasher::new(desc.digest.algorithm());
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
            hasher.update(buf.get(..filled).unwrap_or_default());
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
                let b = read_error_body(resp).await;
                return Err(self.unexpected(http_op("PATCH", &location), status, &b));
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
        if !hasher.matches(&desc.digest) {
            return Err(Error::DigestMismatch {
                digest: desc.digest.to_string(),
                reason: format!("{} hashes to another digest", path.display()),
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
            s => Err(self.unexpected(http_op("HEAD", &url), s, &[])),
        }
    }

    /// Uploads a blob (skipped when the registry has it) and returns its descriptor.
    /// A failed upload session is restarted from the beginning, so a retry never appends to
    /// a half-written upload.
    pub async fn push_blob(&self, media_type: &str, data: &[u8]) -> Result<Descriptor, Error> {
        self.push_blob_as(DigestAlgorithm::Sha256, media_type, data)
            .await
    }

    /// [`Self::push_blob`] addressed with `algorithm` (a copy keeps the source's digests).
    pub async fn push_blob_as(
        &self,
        algorithm: DigestAlgorithm,
        media_type: &str,
        data: &[u8],
    ) -> Result<Descriptor, Error> {
        let desc = Descriptor::for_content_as(algorithm, media_type, data);
        self.push_blob_checked(desc, data, true).await
    }

    /// Uploads a blob, asking first whether the registry has it only when `check_exists`
    /// (a fresh signature envelope is never there: the question would cost a round trip).
    pub(super) async fn push_blob_checked(
        &self,
        desc: Descriptor,
        data: &[u8],
        check_exists: bool,
    ) -> Result<Descriptor, Error> {
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
        if body.bytes.len() > 64 * 1024 {
            let location = self.open_upload_session().await?;
            return self.finish_upload(&location, desc, Some(body)).await;
        }
        // Small blobs (envelopes, configs) go in a single monolithic POST where the registry
        // takes it (201); one that answers 202 opened a session, and the PUT below completes it.
        let url = format!("{}/blobs/uploads/", self.inner.base);
        let u = format!("{url}?digest={}", form_encode(&desc.digest.to_string()));
        let resp = self
            .send(Method::POST, &u, &[], Some(body), "push", true)
            .await?;
        match resp.status() {
            StatusCode::CREATED => {
                self.learn_monolithic(true);
                return check_pushed_digest(&resp, &desc.digest);
            }
            StatusCode::ACCEPTED => self.learn_monolithic(false),
            status => {
                let b = read_error_body(resp).await;
                return Err(self.unexpected(http_op("POST", &url), status, &b));
            }
        }
        let location = self.location(&resp, &http_op("POST", &url))?;
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
            let b = read_error_body(resp).await;
            return Err(self.unexpected(http_op("PUT", &put), status, &b));
        }
        check_pushed_digest(&resp, &desc.digest)
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
        self.push_manifest_with(media_type, data, tag, None).await
    }

    /// [`Self::push_manifest`] addressed with `algorithm` (a copy keeps the source's digests:
    /// a signature's subject names the manifest by its digest).
    pub async fn push_manifest_as(
        &self,
        algorithm: DigestAlgorithm,
        media_type: &str,
        data: &[u8],
        tag: Option<&str>,
    ) -> Result<Descriptor, Error> {
        self.push_manifest_desc(
            Descriptor::for_content_as(algorithm, media_type, data),
            data,
            tag,
            None,
        )
        .await
    }

    /// [`Self::push_manifest`] with the subject's referrers tag index already read, if it was.
    pub(super) async fn push_manifest_with(
        &self,
        media_type: &str,
        data: &[u8],
        tag: Option<&str>,
        index_ahead: Option<TagIndex>,
    ) -> Result<Descriptor, Error> {
        let desc = Descriptor::for_content(media_type, data);
        self.push_manifest_desc(desc, data, tag, index_ahead).await
    }

    async fn push_manifest_desc(
        &self,
        mut desc: Descriptor,
        data: &[u8],
        tag: Option<&str>,
        index_ahead: Option<TagIndex>,
    ) -> Result<Descriptor, Error> {
        let media_type = desc.media_type.clone();
        let media_type = media_type.as_str();
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
            let b = read_error_body(resp).await;
            return Err(self.unexpected(http_op("PUT", &url), status, &b));
        }
        check_pushed_digest(&resp, &desc.digest)?;
        desc.artifact_type = m
            .artifact_type
            .clone()
            .or_else(|| m.config.as_ref().map(|c| c.media_type.clone()))
            .filter(|_| m.subject.is_some());
        if let Some(subject) = &m.subject {
            if has_subject_header
                && self.inner.referrers.swap(REFERRERS_API, Ordering::Relaxed) != REFERRERS_API
                && let Some(c) = &self.inner.options.cache
                && !c.referrers_api_hint(&self.inner.registry)
            {
                c.set_referrers_api_hint(&self.inner.registry, true);
            }
            if !has_subject_header || self.inner.options.force_referrers_tag {
                let mut entry = Descriptor::new(media_type, desc.digest.clone(), desc.size);
                entry.artifact_type = desc.artifact_type.clone();
                entry.annotations = m.annotations.clone().filter(|a| !a.is_empty());
                self.add_to_tag_index(subject, entry, index_ahead).await?;
            }
        }
        Ok(desc)
    }
}

/// oras-go's check of a push answer: a `Docker-Content-Digest` header, when the registry sends
/// one, must name what was pushed; otherwise the registry stored something else, and a
/// referrers entry or a caller's descriptor would point at content that is not there.
fn check_pushed_digest(resp: &reqwest::Response, expected: &Digest) -> Result<(), Error> {
    let Some(header) = resp.headers().get("docker-content-digest") else {
        return Ok(());
    };
    let got = header.to_str().unwrap_or_default();
    if got == expected.to_string() {
        return Ok(());
    }
    Err(Error::DigestMismatch {
        digest: expected.to_string(),
        reason: format!(
            "the registry answered the push with Docker-Content-Digest {:?}",
            notary_core::shown(got)
        ),
    })
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
