//! Finding referrers: the referrers API (every page) and, where a registry lacks it, the
//! referrers tag schema, whose index is updated without ever dropping an existing referrer.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use notary_core::{Descriptor, Digest};
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};

use super::RemoteRepository;
use super::fetch::MANIFEST_ACCEPT;
use super::transport::{Body, form_encode, http_op, read_error_body};
use crate::error::Error;
pub use crate::manifest::referrers_tag;
use crate::manifest::{self, IMAGE_INDEX};

/// Largest referrers index page or tag-schema index read.
const MAX_INDEX_SIZE: u64 = 4 * 1024 * 1024;
/// Most referrers pages followed.
const MAX_PAGES: usize = 256;
/// Most descriptors one listing returns, whatever limit the caller gives: 256 pages of 4 MiB
/// could otherwise hold tens of millions (gigabytes once parsed).
const MAX_LISTED: usize = 10_000;

// Values of `Inner::referrers`: what the client has learned of the registry's referrers API.
pub(super) const REFERRERS_UNKNOWN: u8 = 0;
pub(super) const REFERRERS_API: u8 = 1;
pub(super) const REFERRERS_TAG_SCHEMA: u8 = 2;

/// Whether a manifest PUT or referrers listing learned that the registry has the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReferrersSupport {
    /// Not known yet.
    Unknown,
    /// The registry has the referrers API.
    Api,
    /// The registry lacks it; the tag schema is used.
    TagSchema,
}

/// The `<url>` of a `Link: <url>; rel="next"` header.
pub(super) fn next_link(h: &HeaderMap) -> Option<String> {
    for v in h.get_all(header::LINK) {
        let v = v.to_str().ok()?;
        for part in v.split(',') {
            let (url, params) = part.split_once(';').unwrap_or((part, ""));
            if params.replace(' ', "").contains("rel=\"next\"") || params.contains("rel=next") {
                return Some(
                    url.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
            }
        }
    }
    None
}

/// A referrers tag index read ahead of its update: its entries, and the number of writes of its
/// tag by this process when the read started.
pub(super) struct TagIndex {
    generation: u64,
    entries: Vec<serde_json::Value>,
}

impl RemoteRepository {
    /// Reads the referrers tag index of `subject` before it is updated (while a signature
    /// uploads). `None` when the read failed, or when another client of the repository in this
    /// process is updating an index (its write may be in flight, so a read now could miss it
    /// however the counts stand): the update reads it again, under the lock, rather than this
    /// read waiting out the other update.
    pub(super) async fn read_tag_index_ahead(&self, subject: &Digest) -> Option<TagIndex> {
        let tag = referrers_tag(subject);
        let generation = self
            .inner
            .tag_index_lock
            .try_lock()
            .ok()?
            .get(&tag)
            .copied()
            .unwrap_or(0);
        let entries = self.read_tag_index_entries(subject).await.ok()?;
        Some(TagIndex {
            generation,
            entries,
        })
    }

    /// Adds `entry` to the referrers tag index of `subject`, keeping every referrer listed.
    /// `ahead` is the index read earlier by [`Self::read_tag_index_ahead`]: used unless this
    /// process has written the tag since (then the index is read again). With
    /// [`RemoteOptions::confirm_tag_index_writes`](super::RemoteOptions), each write is read
    /// back and the entry added again while another writer's index has replaced it.
    pub(super) async fn add_to_tag_index(
        &self,
        subject: &Descriptor,
        entry: Descriptor,
        ahead: Option<TagIndex>,
    ) -> Result<(), Error> {
        let tag = referrers_tag(&subject.digest);
        let mut generations = self.inner.tag_index_lock.lock().await;
        let fail = |e: Error| Error::ReferrersIndex {
            manifest: entry.digest.to_string(),
            tag: tag.clone(),
            reason: e.to_string(),
        };
        let merged = |stored| {
            manifest::referrers_index_with(stored, &entry).map_err(|e| {
                fail(Error::Config {
                    reason: e.to_string(),
                })
            })
        };
        let generation = generations.get(&tag).copied().unwrap_or(0);
        let stored = match ahead.filter(|a| a.generation == generation) {
            Some(a) => a.entries,
            None => self
                .read_tag_index_entries(&subject.digest)
                .await
                .map_err(fail)?,
        };
        let Some(mut bytes) = merged(stored)? else {
            return Ok(());
        };
        let url = format!("{}/manifests/{tag}", self.inner.base);
        let confirm = self.inner.options.confirm_tag_index_writes;
        let mut confirmation = manifest::TagIndexConfirmation::new();
        loop {
            let body = Body {
                bytes: Bytes::from(bytes),
                content_type: IMAGE_INDEX,
            };
            let started = std::time::Instant::now();
            crate::count_tag_index_write(&mut generations, &tag);
            let resp = self
                .send(Method::PUT, &url, &[], Some(&body), "push", true)
                .await
                .map_err(fail)?;
            let status = resp.status();
            if status != StatusCode::CREATED {
                let b = read_error_body(resp).await;
                return Err(fail(self.unexpected(http_op("PUT", &url), status, &b)));
            }
            if !confirm {
                return Ok(());
            }
            tokio::time::sleep(confirmation.wrote(started.elapsed())).await;
            let stored = self
                .read_tag_index_entries(&subject.digest)
                .await
                .map_err(fail)?;
            match confirmation.next(merged(stored)?) {
                Ok(None) => return Ok(()),
                Ok(Some(again)) => {
                    tracing::debug!(tag = %tag, writes = confirmation.writes(), "another writer replaced the referrers tag index without this signature; adding it again");
                    bytes = again;
                }
                Err(reason) => {
                    return Err(Error::ReferrersIndex {
                        manifest: entry.digest.to_string(),
                        tag: tag.clone(),
                        reason,
                    });
                }
            }
        }
    }

    /// The descriptors of the referrers tag schema index of `subject` (empty when absent). An
    /// entry that is not a readable descriptor is left out (and logged), as a junk referrer
    /// must not hide the others.
    async fn read_tag_index(&self, subject: &Digest) -> Result<Vec<Descriptor>, Error> {
        let entries = self.read_tag_index_entries(subject).await?;
        Ok(manifest::readable_descriptors(
            entries,
            subject,
            "referrers tag index",
        ))
    }

    /// The `manifests` entries of the referrers tag schema index of `subject` as stored, so an
    /// update rewrites every one of them, readable or not (empty when the tag is absent).
    ///
    /// The tag is read whatever manifest type it holds, as oras-go reads it: a registry serves
    /// a Docker manifest list (or anything else stored there) only to a client that accepts
    /// it, and answering "absent" to that would make the next signature overwrite the tag and
    /// drop the referrers it lists.
    async fn read_tag_index_entries(
        &self,
        subject: &Digest,
    ) -> Result<Vec<serde_json::Value>, Error> {
        tracing::debug!(subject = %subject, "Using the referrers tag schema");
        let tag = referrers_tag(subject);
        let url = format!("{}/manifests/{tag}", self.inner.base);
        let (status, _, body) = self
            .get(&url, MANIFEST_ACCEPT, MAX_INDEX_SIZE, "referrers index")
            .await?;
        if status == StatusCode::NOT_FOUND {
            // No such repository (a digest reference is not resolved first, so this is where
            // a misspelled repository shows): say so, not "no signatures".
            if super::transport::has_error_code(&body, "NAME_UNKNOWN") {
                return Err(Error::NotFound {
                    reference: format!(
                        "repository {}/{}",
                        self.inner.registry, self.inner.repository
                    ),
                });
            }
            return Ok(Vec::new());
        }
        if !status.is_success() {
            return Err(self.unexpected(http_op("GET", &url), status, &body));
        }
        let index = manifest::index_entries(&body).map_err(|reason| Error::InvalidManifest {
            digest: tag.clone(),
            reason,
        })?;
        Ok(index.entries)
    }

    /// Referrers of `subject`, optionally of one artifact type, through the referrers API
    /// (every page) or, where the registry lacks it, the referrers tag schema. Stops after
    /// `limit` descriptors, and after 10 000 whatever `limit` is.
    pub async fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Descriptor>, Error> {
        let limit = limit.min(MAX_LISTED);
        let cache = self.inner.options.cache.as_deref();
        let initial = self.inner.referrers.load(Ordering::Relaxed);
        let mut state = initial;
        let hinted = initial == REFERRERS_UNKNOWN
            && cache.is_some_and(|c| c.referrers_api_hint(&self.inner.registry));
        if hinted {
            // The registry answered the API last time: ask it alone. The API path below still
            // falls back to the tag schema when the API is gone or lists nothing, exactly as
            // the joined first listing would, so the hint changes the requests, not the result.
            state = REFERRERS_API;
        }
        let list = self
            .referrers_listing(subject, artifact_type, limit, state)
            .await;
        if let Some(c) = cache.filter(|_| initial == REFERRERS_UNKNOWN) {
            let learned = self.inner.referrers.load(Ordering::Relaxed);
            if !hinted && learned == REFERRERS_API {
                c.set_referrers_api_hint(&self.inner.registry, true);
            } else if hinted && learned == REFERRERS_TAG_SCHEMA {
                c.set_referrers_api_hint(&self.inner.registry, false);
            }
        }
        list
    }

    async fn referrers_listing(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
        limit: usize,
        state: u8,
    ) -> Result<Vec<Descriptor>, Error> {
        if state == REFERRERS_UNKNOWN {
            // First listing on this registry: ask the API and read the tag schema index at the
            // same time, so a registry without the API costs one round trip, not two.
            let (api, tags) = tokio::join!(
                self.referrers_api(subject, artifact_type, limit),
                self.read_tag_index(subject)
            );
            if let Some(list) = api?.filter(|l| !l.is_empty()) {
                return Ok(list);
            }
            let mut list = tags?;
            list.retain(|d| artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type);
            list.truncate(limit);
            return Ok(list);
        }
        if state != REFERRERS_TAG_SCHEMA
            && let Some(list) = self.referrers_api(subject, artifact_type, limit).await?
        {
            // A client that wrote only the tag schema (notation's default
            // --force-referrers-tag) can leave a registry's API without the referrer, so an
            // empty answer also consults the tag schema.
            if !list.is_empty() {
                return Ok(list);
            }
            tracing::debug!(subject = %subject, "the referrers API listed nothing: reading the referrers tag schema");
        }
        let mut list = self.read_tag_index(subject).await?;
        list.retain(|d| artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type);
        list.truncate(limit);
        Ok(list)
    }

    /// Signature manifests of `subject` listed by the ORAS referrers API of the Notary v2
    /// prototypes (`/oras/artifacts/v1/<name>/manifests/<digest>/referrers`): ORAS artifact
    /// manifests of the prototype signature type, and nv2 prototype signatures (listed so they
    /// can be shown and refused by name). Empty when the registry does not serve that API.
    pub async fn oras_referrers(
        &self,
        subject: &Digest,
        limit: usize,
    ) -> Result<Vec<Descriptor>, Error> {
        let url = format!(
            "{}/manifests/{subject}/referrers",
            self.inner.base.replacen("/v2/", "/oras/artifacts/v1/", 1)
        );
        let (status, _, body) = self
            .get(&url, "application/json", MAX_INDEX_SIZE, "ORAS referrers")
            .await?;
        if !status.is_success() {
            // Every current registry: no such API.
            return Ok(Vec::new());
        }
        #[derive(serde::Deserialize)]
        struct OrasReferrers {
            #[serde(default)]
            references: Vec<serde_json::Value>,
        }
        let listed: OrasReferrers =
            serde_json::from_slice(&body).map_err(|e| Error::InvalidManifest {
                digest: format!("ORAS referrers of {subject}"),
                reason: e.to_string(),
            })?;
        let mut out: Vec<Descriptor> =
            manifest::readable_descriptors(listed.references, subject, "ORAS referrers listing")
                .into_iter()
                .filter(|d| {
                    manifest::is_manifest_type(&d.media_type)
                        && matches!(
                            d.artifact_type.as_deref(),
                            Some(
                                manifest::NOTARY_V2_SIGNATURE_TYPE
                                    | notary_core::SIGNATURE_ARTIFACT_TYPE
                                    | manifest::NV2_CONFIG
                            )
                        )
                })
                .collect();
        out.truncate(limit);
        Ok(out)
    }

    /// `None` when the registry has no referrers API.
    async fn referrers_api(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
        limit: usize,
    ) -> Result<Option<Vec<Descriptor>>, Error> {
        // notation's words for this step, which its users look for in `-d` output.
        tracing::debug!(subject = %subject, "Trying to use the referrers API");
        let mut url = format!("{}/referrers/{subject}", self.inner.base);
        if let Some(t) = artifact_type {
            url.push_str("?artifactType=");
            url.push_str(&form_encode(t));
        }
        let mut out = Vec::new();
        let mut visited: Vec<String> = Vec::new();
        for page in 0..MAX_PAGES {
            let (status, headers, body) = self
                .get(&url, IMAGE_INDEX, MAX_INDEX_SIZE, "referrers index")
                .await?;
            // A refusal in the registry's own words (DENIED, UNAUTHORIZED) says nothing of the
            // API: it is the answer, reported as such, not a reason to read the tag schema and
            // then report no signature.
            let refused = ["DENIED", "UNAUTHORIZED"]
                .iter()
                .any(|code| super::transport::has_error_code(&body, code));
            if page == 0
                && !refused
                && matches!(
                    status,
                    StatusCode::NOT_FOUND
                        | StatusCode::BAD_REQUEST
                        | StatusCode::METHOD_NOT_ALLOWED
                        | StatusCode::NOT_IMPLEMENTED
                )
            {
                // Distribution 2.8 answers 404 text/plain: no API, use the tag schema. A
                // NAME_UNKNOWN says nothing of the API (the repository is absent, which the
                // tag schema read then reports), so nothing is learned from it.
                tracing::debug!(
                    subject = %subject,
                    status = status.as_u16(),
                    "no referrers API ({status}): falling back to the referrers tag schema"
                );
                if !super::transport::has_error_code(&body, "NAME_UNKNOWN") {
                    self.inner
                        .referrers
                        .store(REFERRERS_TAG_SCHEMA, Ordering::Relaxed);
                }
                return Ok(None);
            }
            if !status.is_success() {
                return Err(self.unexpected(http_op("GET", &url), status, &body));
            }
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if page == 0 && !content_type.starts_with(IMAGE_INDEX) {
                tracing::debug!(
                    subject = %subject,
                    content_type,
                    "the referrers API answered no index: falling back to the referrers tag schema"
                );
                self.inner
                    .referrers
                    .store(REFERRERS_TAG_SCHEMA, Ordering::Relaxed);
                return Ok(None);
            }
            self.inner.referrers.store(REFERRERS_API, Ordering::Relaxed);
            let page = manifest::index_entries(&body).map_err(|reason| Error::InvalidManifest {
                digest: format!("referrers of {subject}"),
                reason,
            })?;
            let filtered = headers
                .get("oci-filters-applied")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            for d in manifest::readable_descriptors(page.entries, subject, "referrers API page") {
                if filtered
                    || artifact_type.is_none()
                    || d.artifact_type.as_deref() == artifact_type
                {
                    out.push(d);
                }
                if out.len() >= limit {
                    return Ok(Some(out));
                }
            }
            match next_link(&headers) {
                Some(next) => {
                    // Relative to the page that carries it (RFC 8288, RFC 3986), as oras-go
                    // resolves it: `<?page=2>` is this path's next page.
                    let current = reqwest::Url::parse(&url).map_err(|e| Error::Config {
                        reason: e.to_string(),
                    })?;
                    let u = current.join(&next).map_err(|e| Error::Http {
                        operation: http_op("GET", &url),
                        status: status.as_u16(),
                        message: format!("bad Link {next:?}: {e}"),
                    })?;
                    self.check_origin(u.as_str(), "referrers page link")?;
                    // A page linking back to one already read would be read again until the
                    // page limit: a loop is the registry's error, said at once.
                    visited.push(std::mem::replace(&mut url, u.to_string()));
                    if visited.contains(&url) {
                        return Err(Error::Unsupported {
                            registry: self.inner.registry.clone(),
                            reason: format!(
                                "the referrers pages link in a loop, back to {}",
                                super::transport::redact_url(&url)
                            ),
                        });
                    }
                }
                None => return Ok(Some(out)),
            }
        }
        Err(Error::Unsupported {
            registry: self.inner.registry.clone(),
            reason: format!("more than {MAX_PAGES} pages of referrers"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest;
    use reqwest::header::HeaderValue;

    #[test]
    fn referrers_tags_follow_the_schema() {
        let d: Digest = manifest::EMPTY_JSON_DIGEST.parse().unwrap();
        assert_eq!(
            referrers_tag(&d),
            "sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn parses_link_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::LINK,
            HeaderValue::from_static("</v2/a/referrers/sha256:x?n=1&last=y>; rel=\"next\""),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/v2/a/referrers/sha256:x?n=1&last=y")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
}
