//! Reading from the registry: resolving references and fetching manifests, blobs and
//! signatures, each size-capped and checked against its descriptor's digest before use.

use notary_core::{Descriptor, Digest, FetchedSignature};
use reqwest::header;
use reqwest::{Method, StatusCode};

use super::transport::{http_op, network, read_error_body};
use super::{RemoteReference, RemoteRepository};
use crate::error::Error;
use crate::manifest::{self, IMAGE_MANIFEST, Manifest};
use crate::{MAX_ENVELOPE_SIZE, MAX_MANIFEST_SIZE};

/// Every manifest media type a registry may answer with, in the `Accept` header. Distribution
/// refuses OCI manifests to clients that do not list them, even by digest.
pub(super) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.oci.artifact.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

impl RemoteRepository {
    /// Checks that the registry speaks the distribution API and accepts the configured
    /// credentials: `GET /v2/`, answering its challenge (a bearer token is asked for with no
    /// repository scope). This is how `notation login` validates credentials before storing
    /// them; the repository of this client plays no part.
    pub async fn ping(&self) -> Result<(), Error> {
        let url = self.inner.origin.join("/v2/").map_err(|e| Error::Config {
            reason: format!("registry URL: {e}"),
        })?;
        let resp = self
            .send(
                Method::GET,
                url.as_str(),
                &[],
                None,
                super::auth::REGISTRY_CLASS,
                true,
            )
            .await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_error_body(resp).await;
        Err(self.unexpected(http_op("GET", &url), status, &body))
    }

    /// The `<tag>` or `<digest>` part of a reference into this repository: a bare tag or
    /// digest, or a full `registry/repository[:tag|@digest]` naming this repository.
    pub(super) fn object_of(&self, reference: &str) -> Result<String, Error> {
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
            return Err(self.unexpected(http_op("HEAD", &url), status, &[]));
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
                    return Err(self.unexpected(http_op("GET", &url), status, &body));
                }
                // The digest the registry names must be that of what it sent (oras-go checks
                // it too): otherwise what is signed is not what the tag names for others.
                let named = headers
                    .get("docker-content-digest")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|s| s.parse::<Digest>().ok());
                if let Some(named) = &named
                    && !named.matches(&body)
                {
                    return Err(Error::DigestMismatch {
                        digest: named.to_string(),
                        reason: format!(
                            "the manifest the registry sent for {object} hashes to another digest"
                        ),
                    });
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
                // Described in the algorithm it was asked by (a sha512 reference stays sha512,
                // as in oras-go), else the one the registry named, else sha256.
                let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
                match object.parse::<Digest>().ok().or(named) {
                    Some(d) if d.matches(&body) => Descriptor::new(mt, d, size),
                    _ => Descriptor::for_content(mt, &body),
                }
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
        let (status, body) = self
            .get_described(&url, &accept, desc, cap, "manifest")
            .await?;
        self.fetched(&url, desc, status, body)
    }

    /// GETs the content `desc` describes, reading no more than its declared size: a registry
    /// sending more is cut off there (as notation stops), not at the cap, since a longer body
    /// can only fail the descriptor's check. The cap is refused first ([`manifest::check_cap`]).
    async fn get_described(
        &self,
        url: &str,
        accept: &str,
        desc: &Descriptor,
        cap: u64,
        what: &'static str,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        match self.get(url, accept, desc.size.min(cap), what).await {
            Ok((status, _, body)) => Ok((status, body)),
            Err(Error::TooLarge { .. }) if desc.size < cap => Err(Error::DigestMismatch {
                digest: desc.digest.to_string(),
                reason: format!("the registry sent more than {} bytes", desc.size),
            }),
            Err(e) => Err(e),
        }
    }

    /// The common end of a fetch by digest: 404 is `NotFound`, any other failure is unexpected,
    /// and a success must match the descriptor (size and digest).
    fn fetched(
        &self,
        url: &str,
        desc: &Descriptor,
        status: StatusCode,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        if status == StatusCode::NOT_FOUND {
            return Err(Error::NotFound {
                reference: desc.digest.to_string(),
            });
        }
        if !status.is_success() {
            return Err(self.unexpected(http_op("GET", &url), status, &body));
        }
        check_content(desc, &body)?;
        Ok(body)
    }

    /// Fetches a blob by descriptor, checking size, cap and digest.
    pub async fn fetch_blob(&self, desc: &Descriptor, cap: u64) -> Result<Vec<u8>, Error> {
        manifest::check_cap(desc, cap)?;
        let url = format!("{}/blobs/{}", self.inner.base, desc.digest);
        let (status, body) = self.get_described(&url, "*/*", desc, cap, "blob").await?;
        self.fetched(&url, desc, status, body)
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
        let op = http_op("GET", &url);
        let file_err = |e: std::io::Error| Error::Io {
            path: format!("temporary copy of {}", desc.digest),
            reason: e.to_string(),
        };
        let mut attempt = 0u32;
        let mut timed_out = false;
        loop {
            out.set_len(0).map_err(file_err)?;
            out.rewind().map_err(file_err)?;
            let mut resp = self
                .send_for(
                    Method::GET,
                    &url,
                    &[(header::ACCEPT, "*/*")],
                    None,
                    "pull",
                    true,
                    Some(blob_deadline(self.inner.options.timeout, desc.size)),
                )
                .await?;
            let status = resp.status();
            if status == StatusCode::NOT_FOUND {
                return Err(Error::NotFound {
                    reference: desc.digest.to_string(),
                });
            }
            if !status.is_success() {
                let b = read_error_body(resp).await;
                return Err(self.unexpected(op, status, &b));
            }
            let mut hasher = manifest::StreamHasher::new(desc.digest.algorithm());
            let mut n = 0u64;
            let mut timeout = false;
            let streamed: Result<(), Error> = async {
                while let Some(chunk) = resp.chunk().await.map_err(|e| {
                    timeout = e.is_timeout();
                    network(&op, &e)
                })? {
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
                // A transfer that timed out starts over once only (see `get`).
                Err(Error::Network { .. })
                    if attempt < self.inner.options.max_retries && !(timeout && timed_out) =>
                {
                    timed_out |= timeout;
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

    /// A manifest (`is_manifest`) or blob by digest from the cache when it holds it intact,
    /// else from the registry (then cached). Both paths check size, cap and digest.
    async fn fetch_cached(
        &self,
        desc: &Descriptor,
        cap: u64,
        is_manifest: bool,
    ) -> Result<Vec<u8>, Error> {
        manifest::check_cap(desc, cap)?;
        let cache = self.inner.options.cache.as_ref();
        // Small local files (a signature manifest, an envelope): read inline rather than on a
        // blocking thread, which would cost more than the read; written by the cache's writer.
        if let Some(hit) = cache.and_then(|c| c.get(desc)) {
            tracing::debug!(digest = %desc.digest, bytes = hit.len(), "signature cache hit");
            return Ok(hit);
        }
        if cache.is_some() {
            tracing::debug!(digest = %desc.digest, "signature cache miss");
        }
        let data = if is_manifest {
            self.fetch_manifest(desc, cap).await?
        } else {
            self.fetch_blob(desc, cap).await?
        };
        if let Some(c) = cache {
            // Written beside the next request and the signature checks, not before them.
            c.put_in_background(desc, &data);
        }
        Ok(data)
    }

    /// Fetches and parses the signature manifest `desc` and its envelope, checking every
    /// digest, size and cap.
    pub(super) async fn fetch_signature_inner(
        &self,
        desc: &Descriptor,
    ) -> Result<FetchedSignature, Error> {
        if desc.media_type != IMAGE_MANIFEST
            && desc.media_type != manifest::ARTIFACT_MANIFEST
            && desc.media_type != manifest::ORAS_ARTIFACT_MANIFEST
        {
            return Err(Error::InvalidManifest {
                digest: desc.digest.to_string(),
                reason: format!(
                    "media type {} is not a signature manifest type",
                    desc.media_type
                ),
            });
        }
        let data = self.fetch_cached(desc, MAX_MANIFEST_SIZE, true).await?;
        let (m, layer, format) = manifest::signature_layer(desc, &data)?;
        let envelope = self.fetch_cached(&layer, MAX_ENVELOPE_SIZE, false).await?;
        Ok(FetchedSignature::new(desc.clone(), format, envelope)
            .with_annotations(m.annotations.unwrap_or_default())
            .with_subject(m.subject))
    }
}

fn check_content(desc: &Descriptor, body: &[u8]) -> Result<(), Error> {
    match desc.content_mismatch(body, "the registry sent") {
        None => Ok(()),
        Some(reason) => Err(Error::DigestMismatch {
            digest: desc.digest.to_string(),
            reason,
        }),
    }
}

/// The slowest transfer a streamed blob is given time for, after the client's timeout: a layer
/// that needs longer than the timeout at an honest rate still copies, while the read timeout
/// still gives up a stalled connection.
const MIN_BLOB_RATE: u64 = 64 * 1024;

/// How long the download of a blob of `size` bytes may take in all.
fn blob_deadline(timeout: std::time::Duration, size: u64) -> std::time::Duration {
    timeout.saturating_add(std::time::Duration::from_secs(size / MIN_BLOB_RATE))
}
