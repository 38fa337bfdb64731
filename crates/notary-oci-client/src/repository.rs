//! [`OciClientRepository`]: the [`SignatureRepository`] operations on top of `oci-client`.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt as _;
use http::HeaderValue;
use notary_core::{
    Descriptor, Digest, FetchedSignature, PushSignature, PushedSignature, SIGNATURE_ARTIFACT_TYPE,
    SignatureRepository,
};
use notary_registry::manifest::{
    self, ARTIFACT_MANIFEST, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, EMPTY_JSON, IMAGE_INDEX,
    IMAGE_MANIFEST, Manifest, SignatureManifestForm,
};
use notary_registry::{MAX_ENVELOPE_SIZE, MAX_MANIFEST_SIZE, TagIndexLock};

use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::error::Error;
pub use notary_registry::manifest::referrers_tag;

/// What a referrers tag may hold, asked for all at once (see `read_tag_index_entries`).
const TAG_INDEX_ACCEPT: &[&str] = &[
    IMAGE_INDEX,
    DOCKER_MANIFEST_LIST,
    IMAGE_MANIFEST,
    DOCKER_MANIFEST,
    ARTIFACT_MANIFEST,
];

/// Every manifest media type a registry may answer a resolve with (Distribution refuses OCI
/// manifests to clients that do not list them, even by digest).
const MANIFEST_TYPES: &[&str] = &[
    IMAGE_MANIFEST,
    IMAGE_INDEX,
    ARTIFACT_MANIFEST,
    manifest::DOCKER_MANIFEST,
    manifest::DOCKER_MANIFEST_LIST,
];

/// Options of an [`OciClientRepository`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct OciClientOptions {
    /// Always write the referrers tag schema index, even when the registry lists the new
    /// signature through its referrers API (notation's `--force-referrers-tag`).
    pub force_referrers_tag: bool,
    /// Read each referrers tag schema index back after writing it and, while another writer's
    /// index has replaced it without the new entry, add the entry again (at most 4 times, then
    /// [`Error::ReferrersIndex`]), as notary-registry's `RemoteOptions::confirm_tag_index_writes`
    /// does ([`TagIndexConfirmation`](notary_registry::manifest::TagIndexConfirmation)). Costs
    /// each write a wait twice as long as the write took and one more request. Off by default,
    /// as in notation and oras-go.
    pub confirm_tag_index_writes: bool,
    /// The signature manifest form written (default: config media type
    /// `application/vnd.cncf.notary.signature`, what notation v1 writes).
    pub signature_manifest_form: SignatureManifestForm,
}

/// One repository of a registry, reached through an [`oci_client::Client`], as a notary-rs
/// [`SignatureRepository`]. See the [crate] documentation for the rules it applies.
pub struct OciClientRepository {
    client: Client,
    auth: RegistryAuth,
    registry: String,
    resolved_registry: String,
    repository: String,
    options: OciClientOptions,
    // Serialises read-modify-write cycles of referrers tag indexes within this process: one
    // lock per repository, shared by every client of it in the process (see `shared_lock`).
    tag_index_lock: Arc<TagIndexLock>,
}

/// The tag index lock of `repository` on `registry` (`host[:port]`, the registry written to),
/// one per process, shared with every other client of it in the process, `OciClientRepository`
/// or notary-rs's own `RemoteRepository`, so that clients built apart for one repository (one
/// per reference) do not lose each other's signatures when they push at once. The address is
/// read as a URL, as `RemoteRepository` reads its origin (IPv4 and IPv6 forms normalised, no
/// port read as 443; notary-registry keys ports 80 and 443 as one, whatever the scheme).
fn shared_lock(registry: &str, repository: &str) -> Arc<TagIndexLock> {
    let url = url::Url::parse(&format!("https://{registry}")).ok();
    let host = url
        .as_ref()
        .and_then(url::Url::host_str)
        .unwrap_or(registry);
    let port = url
        .as_ref()
        .and_then(url::Url::port_or_known_default)
        .unwrap_or(443);
    notary_registry::tag_index_lock(host, port, repository)
}

impl std::fmt::Debug for OciClientRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciClientRepository")
            .field("registry", &self.registry)
            .field("repository", &self.repository)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// `<tag>` or `<digest>` of a reference into the repository.
enum Object {
    Tag(String),
    Digest(Digest),
}

impl OciClientRepository {
    /// The repository of `image` (its tag or digest is ignored), reached through `client` with
    /// `auth`, which is stored in the client for the registry unless it already holds one.
    pub fn new(client: Client, image: &Reference, auth: RegistryAuth) -> Self {
        let resolved_registry = image.resolve_registry().to_string();
        let repository = image.repository().to_string();
        Self {
            client,
            auth,
            registry: image.registry().to_string(),
            tag_index_lock: shared_lock(image.registry(), &repository),
            resolved_registry,
            repository,
            options: OciClientOptions::default(),
        }
    }

    /// The repository with other options.
    #[must_use]
    pub fn with_options(mut self, options: OciClientOptions) -> Self {
        self.options = options;
        self
    }

    /// The `oci-client` client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The registry host, as the reference named it.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository name.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    fn with_digest(&self, digest: &Digest) -> Reference {
        Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            digest.to_string(),
        )
    }

    fn with_tag(&self, tag: &str) -> Reference {
        Reference::with_tag(
            self.registry.clone(),
            self.repository.clone(),
            tag.to_string(),
        )
    }

    fn display(&self, object: &str) -> String {
        let sep = if object.contains(':') { '@' } else { ':' };
        format!("{}/{}{sep}{object}", self.registry, self.repository)
    }

    /// Makes sure the client answers challenges for this registry with our credentials.
    async fn authorise(&self) {
        self.client
            .store_auth_if_needed(&self.resolved_registry, &self.auth)
            .await;
    }

    /// The tag or digest `reference` names: a bare tag or digest, or a full
    /// `registry/repository[:tag|@digest]` naming this repository.
    fn object_of(&self, reference: &str) -> Result<Object, Error> {
        let bad = |reason: String| Error::InvalidReference {
            reference: reference.to_string(),
            reason,
        };
        if reference.contains('/') {
            let r: Reference = reference.parse().map_err(|e| bad(format!("{e}")))?;
            if r.resolve_registry() != self.resolved_registry || r.repository() != self.repository {
                return Err(bad(format!(
                    "not in repository {}/{}",
                    self.registry, self.repository
                )));
            }
            return match r.digest() {
                Some(d) => Ok(Object::Digest(
                    d.parse()
                        .map_err(|e: notary_core::Error| bad(e.to_string()))?,
                )),
                None => Ok(Object::Tag(r.tag().unwrap_or("latest").to_string())),
            };
        }
        if reference.contains(':') {
            return reference
                .parse()
                .map(Object::Digest)
                .map_err(|e: notary_core::Error| bad(e.to_string()));
        }
        // The distribution spec's tag grammar: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
        let ok = reference.len() <= 128
            && reference.bytes().enumerate().all(|(i, b)| {
                b.is_ascii_alphanumeric() || b == b'_' || (i > 0 && (b == b'.' || b == b'-'))
            })
            && !reference.is_empty();
        if !ok {
            return Err(bad("not a tag or digest".into()));
        }
        Ok(Object::Tag(reference.to_string()))
    }

    /// A manifest (or index) by tag or digest, whole; refused above the manifest cap and, by
    /// digest, unless it hashes to the digest.
    async fn pull_manifest(
        &self,
        reference: &Reference,
        accept: &[&str],
        shown: &str,
    ) -> Result<Vec<u8>, Error> {
        let (body, _) = self
            .client
            .pull_manifest_raw(reference, &self.auth, accept)
            .await
            .map_err(|e| {
                if is_not_found(&e) {
                    Error::NotFound {
                        reference: shown.to_string(),
                    }
                } else {
                    registry_error(format!("pull manifest {shown}"), e)
                }
            })?;
        let len = body.len() as u64;
        if len > MAX_MANIFEST_SIZE {
            return Err(Error::TooLarge {
                what: "manifest",
                digest: shown.to_string(),
                size: len,
                max: MAX_MANIFEST_SIZE,
            });
        }
        Ok(body.to_vec())
    }

    /// The descriptors of the referrers tag schema index of `subject` (empty when absent). An
    /// entry that is not a readable descriptor is left out (and logged): another tool's junk
    /// referrer must not hide the signatures beside it.
    async fn read_tag_index(&self, subject: &Digest) -> Result<Vec<Descriptor>, Error> {
        // A tag naming something else than an index lists nothing, as notation reads it; only
        // an update of the index refuses it.
        let entries = self
            .read_tag_index_entries(subject)
            .await?
            .unwrap_or_default();
        Ok(manifest::readable_descriptors(
            entries,
            subject,
            "referrers tag index",
        ))
    }

    /// [`Self::read_tag_index_entries`] for an update of the index, which a tag naming
    /// another manifest refuses (distribution spec: reported, and left as it is).
    async fn tag_index_entries_to_update(
        &self,
        subject: &Digest,
    ) -> Result<Vec<serde_json::Value>, Error> {
        self.read_tag_index_entries(subject)
            .await?
            .ok_or_else(|| Error::InvalidManifest {
                digest: self.display(&referrers_tag(subject)),
                reason: "the referrers tag does not name an image index".into(),
            })
    }

    /// The `manifests` entries of the referrers tag schema index of `subject` as stored, so an
    /// update writes every one of them back, readable or not, with members this crate does not
    /// know (empty when the tag is absent); `None` when the tag names a manifest that is no
    /// index.
    async fn read_tag_index_entries(
        &self,
        subject: &Digest,
    ) -> Result<Option<Vec<serde_json::Value>>, Error> {
        let tag = referrers_tag(subject);
        let shown = self.display(&tag);
        // Every manifest type is accepted: a registry answers 404 for a type the client does not
        // accept, and reading that as "no index" would have the next write drop every referrer
        // the tag lists (a Docker manifest list there, say). What the tag holds is judged below.
        let body = match self
            .pull_manifest(&self.with_tag(&tag), TAG_INDEX_ACCEPT, &shown)
            .await
        {
            Ok(b) => b,
            Err(Error::NotFound { .. }) => return Ok(Some(Vec::new())),
            Err(e) => return Err(e),
        };
        let index = manifest::index_entries(&body).map_err(|reason| Error::InvalidManifest {
            digest: shown,
            reason,
        })?;
        // An index, as oras-go and notation read one (a Docker manifest list included). A
        // manifest may leave its mediaType out: one with a config or layers is no index.
        let not_index = match index.media_type.as_deref() {
            Some(t) => t != IMAGE_INDEX && t != DOCKER_MANIFEST_LIST,
            None => serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| {
                v.get("manifests").is_none()
                    && (v.get("config").is_some() || v.get("layers").is_some())
            }),
        };
        Ok((!not_index).then_some(index.entries))
    }

    /// Referrers of `subject` of `artifact_type` through the referrers API; `None` when the
    /// registry answers that it has no such API.
    async fn referrers_api(
        &self,
        subject: &Digest,
        artifact_type: &str,
    ) -> Result<Option<Vec<Descriptor>>, Error> {
        let reference = self.with_digest(subject);
        let index = match self
            .client
            .pull_referrers(&reference, Some(artifact_type))
            .await
        {
            Ok(index) => index,
            Err(e) if api_missing(&e) => return Ok(None),
            Err(e) => {
                return Err(registry_error(
                    format!("list referrers of {}", self.display(&subject.to_string())),
                    e,
                ));
            }
        };
        // Entries go through our descriptor type; one that does not read (a negative size, a
        // digest outside the SHA-2 family) is left out, as in notary-rs's own client.
        let entries = index
            .manifests
            .iter()
            .filter_map(|entry| serde_json::to_value(entry).ok());
        Ok(Some(manifest::readable_descriptors(
            entries,
            subject,
            "referrers API",
        )))
    }

    /// Adds `entry` to the referrers tag schema index of `subject`, keeping every referrer
    /// already listed. A read or write the registry fails with a server error (docker-registry
    /// answers 500 now and then while other writers update the tag) is tried again from the
    /// read, twice at most: oci-client retries nothing, and the signature manifest is already
    /// pushed, so giving up would leave it unlisted.
    async fn add_to_tag_index(&self, subject: &Descriptor, entry: Descriptor) -> Result<(), Error> {
        let mut writes = self.tag_index_lock.lock().await;
        let mut retries = 0u32;
        loop {
            match self.update_tag_index(subject, &entry, &mut writes).await {
                Err(e) if retries < 2 && is_transient(&e) => {
                    drop(e);
                    retries = retries.saturating_add(1);
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                result => return result,
            }
        }
    }

    /// One read-merge-write cycle of [`Self::add_to_tag_index`]; the caller holds the lock, and
    /// each write is counted in `writes` (so a `RemoteRepository` of the same repository in this
    /// process knows the index it read ahead is stale).
    async fn update_tag_index(
        &self,
        subject: &Descriptor,
        entry: &Descriptor,
        writes: &mut HashMap<String, u64>,
    ) -> Result<(), Error> {
        let tag = referrers_tag(&subject.digest);
        let fail = |e: Error| Error::ReferrersIndex {
            manifest: entry.digest.to_string(),
            tag: tag.clone(),
            source: Box::new(e),
        };
        let stored = self
            .tag_index_entries_to_update(&subject.digest)
            .await
            .map_err(fail)?;
        let merged = |stored| {
            manifest::referrers_index_with(stored, entry).map_err(|e| {
                fail(Error::InvalidManifest {
                    digest: tag.clone(),
                    reason: e.to_string(),
                })
            })
        };
        let Some(mut bytes) = merged(stored)? else {
            return Ok(());
        };
        let mut confirmation = manifest::TagIndexConfirmation::new();
        loop {
            let started = std::time::Instant::now();
            notary_registry::count_tag_index_write(writes, &tag);
            self.client
                .push_manifest_raw(
                    &self.with_tag(&tag),
                    bytes,
                    HeaderValue::from_static(IMAGE_INDEX),
                )
                .await
                .map_err(|e| fail(registry_error(format!("push {}", self.display(&tag)), e)))?;
            if !self.options.confirm_tag_index_writes {
                return Ok(());
            }
            tokio::time::sleep(confirmation.wrote(started.elapsed())).await;
            let stored = self
                .tag_index_entries_to_update(&subject.digest)
                .await
                .map_err(fail)?;
            match confirmation.next(merged(stored)?) {
                Ok(None) => return Ok(()),
                Ok(Some(again)) => bytes = again,
                Err(_) => {
                    return Err(fail(Error::TagIndexReplaced {
                        writes: confirmation.writes(),
                    }));
                }
            }
        }
    }

    /// A blob by descriptor, streamed and stopped past the descriptor's size, then checked
    /// against its size and digest.
    async fn pull_blob(&self, desc: &Descriptor, cap: u64) -> Result<Vec<u8>, Error> {
        let digest = desc.digest.to_string();
        if desc.size > cap {
            return Err(Error::TooLarge {
                what: "signature envelope",
                digest,
                size: desc.size,
                max: cap,
            });
        }
        let too_much = || Error::DigestMismatch {
            digest: digest.clone(),
            reason: format!("the registry sent more than {} bytes", desc.size),
        };
        let op = || format!("pull blob {}", self.display(&digest));
        // A bare digest: the layer's `urls` (other hosts) are never followed.
        let mut stream = self
            .client
            .pull_blob_stream(&self.with_digest(&desc.digest), digest.as_str())
            .await
            .map_err(|e| {
                if is_not_found(&e) {
                    Error::NotFound {
                        reference: self.display(&digest),
                    }
                } else {
                    registry_error(op(), e)
                }
            })?;
        if stream.content_length.is_some_and(|n| n > desc.size) {
            return Err(too_much());
        }
        let mut out = Vec::with_capacity(usize::try_from(desc.size).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| registry_error(op(), e))?;
            if (out.len() as u64).saturating_add(chunk.len() as u64) > desc.size {
                return Err(too_much());
            }
            out.extend_from_slice(&chunk);
        }
        check_content(desc, &out)?;
        Ok(out)
    }

    /// Uploads `data` as a blob of `desc` unless the registry has it.
    async fn push_blob(
        &self,
        desc: &Descriptor,
        data: &[u8],
        check_exists: bool,
    ) -> Result<(), Error> {
        let reference = self.with_digest(&desc.digest);
        let digest = desc.digest.to_string();
        let op = || format!("push blob {}", self.display(&digest));
        if check_exists
            && self
                .client
                .blob_exists(&reference, &digest)
                .await
                .map_err(|e| registry_error(op(), e))?
        {
            return Ok(());
        }
        self.client
            .push_blob(&reference, data.to_vec(), &digest)
            .await
            .map_err(|e| registry_error(op(), e))?;
        Ok(())
    }
}

impl SignatureRepository for OciClientRepository {
    type Error = Error;

    async fn resolve(&self, reference: &str) -> Result<Descriptor, Error> {
        self.authorise().await;
        let (r, shown, wanted) = match self.object_of(reference)? {
            Object::Tag(t) => (self.with_tag(&t), self.display(&t), None),
            Object::Digest(d) => (self.with_digest(&d), self.display(&d.to_string()), Some(d)),
        };
        let body = self.pull_manifest(&r, MANIFEST_TYPES, &shown).await?;
        let m: Manifest = serde_json::from_slice(&body).map_err(|e| Error::InvalidManifest {
            digest: shown.clone(),
            reason: e.to_string(),
        })?;
        // oci-client does not hand over the Content-Type; the body's own mediaType, or its
        // shape, says what it is.
        let media_type = match m.media_type {
            Some(mt) if manifest::is_manifest_type(&mt) => mt,
            Some(mt) => {
                return Err(Error::InvalidManifest {
                    digest: shown,
                    reason: format!("{mt} is not a manifest media type"),
                });
            }
            None if m.manifests.is_some() => IMAGE_INDEX.to_string(),
            None if m.config.is_some() => IMAGE_MANIFEST.to_string(),
            None => {
                return Err(Error::InvalidManifest {
                    digest: shown,
                    reason: "no manifest media type".into(),
                });
            }
        };
        let digest = match wanted {
            Some(d) if !d.matches(&body) => {
                return Err(Error::DigestMismatch {
                    digest: d.to_string(),
                    reason: "the manifest the registry sent hashes to another digest".into(),
                });
            }
            Some(d) => d,
            None => notary_core::DigestAlgorithm::Sha256.digest(&body),
        };
        Ok(Descriptor::new(media_type, digest, body.len() as u64))
    }

    fn resolve_is_cheap(&self) -> bool {
        false
    }

    async fn list_signatures(
        &self,
        subject: &Descriptor,
        limit: usize,
    ) -> Result<Vec<Descriptor>, Error> {
        self.authorise().await;
        let signatures = |list: &mut Vec<Descriptor>| {
            list.retain(|d| {
                d.artifact_type.as_deref() == Some(SIGNATURE_ARTIFACT_TYPE)
                    && (d.media_type == IMAGE_MANIFEST || d.media_type == ARTIFACT_MANIFEST)
            });
        };
        let mut list = self
            .referrers_api(&subject.digest, SIGNATURE_ARTIFACT_TYPE)
            .await?
            .unwrap_or_default();
        // Filtered before it is judged empty: a registry may ignore the artifactType filter
        // (the distribution spec allows it), and an answer of only other referrers (an SBOM)
        // holds no signature. oci-client falls back to the tag schema only on a 404; no
        // signature in the API's answer also consults it, since a signer may have written only
        // the tag schema (notation's default).
        signatures(&mut list);
        if list.is_empty() {
            list = self.read_tag_index(&subject.digest).await?;
            signatures(&mut list);
        }
        list.truncate(limit);
        Ok(list)
    }

    async fn fetch_signature(&self, desc: &Descriptor) -> Result<FetchedSignature, Error> {
        if desc.media_type != IMAGE_MANIFEST && desc.media_type != ARTIFACT_MANIFEST {
            return Err(Error::InvalidManifest {
                digest: desc.digest.to_string(),
                reason: format!(
                    "media type {} is not a signature manifest type",
                    desc.media_type
                ),
            });
        }
        if desc.size > MAX_MANIFEST_SIZE {
            return Err(Error::TooLarge {
                what: "manifest",
                digest: desc.digest.to_string(),
                size: desc.size,
                max: MAX_MANIFEST_SIZE,
            });
        }
        self.authorise().await;
        let shown = self.display(&desc.digest.to_string());
        let data = self
            .pull_manifest(
                &self.with_digest(&desc.digest),
                &[desc.media_type.as_str()],
                &shown,
            )
            .await?;
        check_content(desc, &data)?;
        let (m, layer, format) =
            manifest::signature_layer(desc, &data).map_err(Error::from_rules)?;
        let envelope = self.pull_blob(&layer, MAX_ENVELOPE_SIZE).await?;
        Ok(FetchedSignature::new(desc.clone(), format, envelope)
            .with_annotations(m.annotations.unwrap_or_default())
            .with_subject(m.subject))
    }

    async fn push_signature(&self, request: PushSignature<'_>) -> Result<PushedSignature, Error> {
        self.authorise().await;
        let form = self.options.signature_manifest_form;
        let config_type = match form {
            SignatureManifestForm::ArtifactType => EMPTY_JSON,
            _ => SIGNATURE_ARTIFACT_TYPE,
        };
        // Both forms' config is `{}` (the empty-JSON blob), under one media type or the other.
        let config = Descriptor::for_content(config_type, b"{}");
        let blob = Descriptor::for_content(request.envelope_media_type.as_str(), request.envelope);
        // A fresh envelope is never there already: no existence check for it.
        let (config_pushed, blob_pushed) = tokio::join!(
            self.push_blob(&config, b"{}", true),
            self.push_blob(&blob, request.envelope, false),
        );
        config_pushed?;
        blob_pushed?;
        let data = manifest::signature_manifest(&blob, request.subject, &request.annotations, form);
        let mut manifest = Descriptor::for_content(IMAGE_MANIFEST, &data);
        manifest.artifact_type = Some(SIGNATURE_ARTIFACT_TYPE.to_string());
        let shown = self.display(&manifest.digest.to_string());
        self.client
            .push_manifest_raw(
                &self.with_digest(&manifest.digest),
                data,
                HeaderValue::from_static(IMAGE_MANIFEST),
            )
            .await
            .map_err(|e| registry_error(format!("push manifest {shown}"), e))?;
        // oci-client does not hand over the `OCI-Subject` header, so ask the referrers API
        // whether it lists the new manifest; anything short of a yes writes the tag schema.
        let listed = !self.options.force_referrers_tag
            && matches!(
                self.referrers_api(&request.subject.digest, SIGNATURE_ARTIFACT_TYPE).await,
                Ok(Some(list)) if list.iter().any(|d| d.digest == manifest.digest)
            );
        if !listed {
            let mut entry = Descriptor::new(IMAGE_MANIFEST, manifest.digest.clone(), manifest.size);
            entry.artifact_type = manifest.artifact_type.clone();
            entry.annotations = Some(request.annotations.clone()).filter(|a| !a.is_empty());
            self.add_to_tag_index(request.subject, entry).await?;
        }
        Ok(PushedSignature::new(blob, manifest))
    }
}

fn registry_error(operation: String, e: impl Into<crate::BoxError>) -> Error {
    Error::Registry {
        operation,
        source: e.into(),
    }
}

/// Whether a tag index update failed on a server error worth another try: a 5xx other than 501
/// (not implemented). Distribution's 500 carries the code `UNKNOWN`, which oci-client's error
/// envelope does not know, so it arrives as a plain server error.
fn is_transient(e: &Error) -> bool {
    let Error::ReferrersIndex { source, .. } = e else {
        return false;
    };
    let Error::Registry { source, .. } = source.as_ref() else {
        return false;
    };
    matches!(
        source.downcast_ref::<OciDistributionError>(),
        Some(OciDistributionError::ServerError { code, .. }) if (500..600).contains(code) && *code != 501
    )
}

/// Whether `e` says the manifest, blob or repository does not exist.
fn is_not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|x| {
            matches!(
                x.code,
                OciErrorCode::ManifestUnknown
                    | OciErrorCode::BlobUnknown
                    | OciErrorCode::NameUnknown
                    | OciErrorCode::NotFound
            )
        }),
        _ => false,
    }
}

/// Whether `e`, the answer to a referrers API request, says the registry has no such API
/// (oci-client handles only the 404 itself): a client error other than 401, a 501, or a body
/// that is not an index.
fn api_missing(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ServerError { code, .. } => (400..500).contains(code) || *code == 501,
        OciDistributionError::RegistryError { .. }
        | OciDistributionError::ManifestParsingError(_)
        | OciDistributionError::SpecViolationError(_) => true,
        _ => false,
    }
}

/// Refuses `body` unless it is exactly `desc`'s size and hashes to its digest.
fn check_content(desc: &Descriptor, body: &[u8]) -> Result<(), Error> {
    match desc.content_mismatch(body, "the registry sent") {
        None => Ok(()),
        Some(reason) => Err(Error::DigestMismatch {
            digest: desc.digest.to_string(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notary_registry::manifest::EMPTY_JSON_DIGEST;

    fn repo() -> OciClientRepository {
        let image: Reference = "127.0.0.1:5000/team/app:v1".parse().unwrap();
        OciClientRepository::new(Client::default(), &image, RegistryAuth::Anonymous)
    }

    #[test]
    fn tag_index_updates_are_tried_again_after_server_errors_only() {
        let failed = |code: u16| Error::ReferrersIndex {
            manifest: "sha256:00".into(),
            tag: "sha256-00".into(),
            source: Box::new(registry_error(
                "pull".into(),
                OciDistributionError::ServerError {
                    code,
                    url: "http://r/v2/app/manifests/sha256-00".into(),
                    message: "UNKNOWN".into(),
                },
            )),
        };
        assert!(is_transient(&failed(500)));
        assert!(is_transient(&failed(503)));
        assert!(!is_transient(&failed(501)));
        assert!(!is_transient(&failed(400)));
        assert!(!is_transient(&failed(403)));
        let not_registry = Error::ReferrersIndex {
            manifest: "sha256:00".into(),
            tag: "sha256-00".into(),
            source: Box::new(Error::InvalidManifest {
                digest: "sha256-00".into(),
                reason: "not an index".into(),
            }),
        };
        assert!(!is_transient(&not_registry));
    }

    #[test]
    fn repositories_built_apart_share_the_tag_index_lock() {
        let a = repo();
        let b = repo();
        let image: Reference = "127.0.0.1:5000/team/other:v1".parse().unwrap();
        let other = OciClientRepository::new(Client::default(), &image, RegistryAuth::Anonymous);
        assert!(std::sync::Arc::ptr_eq(&a.tag_index_lock, &b.tag_index_lock));
        assert!(!std::sync::Arc::ptr_eq(
            &a.tag_index_lock,
            &other.tag_index_lock
        ));
        let at = |image: &str| {
            let image: Reference = image.parse().unwrap();
            OciClientRepository::new(Client::default(), &image, RegistryAuth::Anonymous)
                .tag_index_lock
        };
        let hub = at("docker.io/library/app:v1");
        for other in [
            "library/app:v1",
            "index.docker.io/library/app:v1",
            "registry-1.docker.io/library/app:v1",
        ] {
            assert!(std::sync::Arc::ptr_eq(&hub, &at(other)), "{other}");
        }
        assert!(std::sync::Arc::ptr_eq(
            &at("Reg.Example/app:v1"),
            &at("reg.example:443/app:v1")
        ));
        // The lock notary-rs's own client of the same repository takes (keyed by host and
        // port, see notary-registry's `clients_of_one_repository_share_the_tag_index_lock`).
        for (image, host, port) in [
            ("127.0.0.1:5000/team/app:v1", "127.0.0.1", 5000),
            ("Reg.Example/team/app:v1", "reg.example", 443),
            ("team/app:v1", "registry-1.docker.io", 443),
            // A plain-HTTP registry on port 80, as a RemoteRepository of it keys it.
            ("reg.example:80/team/app:v1", "reg.example", 80),
        ] {
            let remote = notary_registry::tag_index_lock(host, port, "team/app");
            assert!(std::sync::Arc::ptr_eq(&at(image), &remote), "{image}");
        }
    }

    #[test]
    fn references_name_a_tag_or_digest_of_this_repository() {
        let r = repo();
        let d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        assert!(matches!(r.object_of("v1"), Ok(Object::Tag(t)) if t == "v1"));
        assert!(matches!(r.object_of(d), Ok(Object::Digest(x)) if x.to_string() == d));
        assert!(matches!(
            r.object_of(&format!("127.0.0.1:5000/team/app@{d}")),
            Ok(Object::Digest(_))
        ));
        assert!(matches!(
            r.object_of("127.0.0.1:5000/team/app:v2"),
            Ok(Object::Tag(t)) if t == "v2"
        ));
        for bad in [
            "127.0.0.1:5000/team/other:v1",
            "other.example/team/app:v1",
            "sha256:ABC",
            "md5:00",
            "-v1",
            "v 1",
            "",
        ] {
            assert!(
                matches!(r.object_of(bad), Err(Error::InvalidReference { .. })),
                "{bad}"
            );
        }
        assert!(r.object_of(&"a".repeat(129)).is_err());
        assert!(r.object_of(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn referrers_tags_follow_the_schema() {
        let d: Digest = EMPTY_JSON_DIGEST.parse().unwrap();
        assert_eq!(
            referrers_tag(&d),
            "sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn content_must_match_size_and_digest() {
        let desc = Descriptor::for_content("text/plain", b"hello");
        assert!(check_content(&desc, b"hello").is_ok());
        assert!(matches!(
            check_content(&desc, b"hell"),
            Err(Error::DigestMismatch { .. })
        ));
        assert!(matches!(
            check_content(&desc, b"jello"),
            Err(Error::DigestMismatch { .. })
        ));
    }

    fn server(code: u16) -> OciDistributionError {
        OciDistributionError::ServerError {
            code,
            url: "http://r/v2/app/referrers/x".into(),
            message: String::new(),
        }
    }

    fn envelope(code: &str) -> OciDistributionError {
        OciDistributionError::RegistryError {
            envelope: serde_json::from_value(
                serde_json::json!({"errors": [{"code": code, "message": ""}]}),
            )
            .unwrap(),
            url: "http://r/v2/app/manifests/v1".into(),
        }
    }

    #[test]
    fn oci_client_errors_are_classified() {
        assert!(is_not_found(&server(404)));
        assert!(is_not_found(&envelope("MANIFEST_UNKNOWN")));
        assert!(is_not_found(&envelope("NAME_UNKNOWN")));
        assert!(!is_not_found(&envelope("DENIED")));
        assert!(!is_not_found(&server(500)));
        assert!(!is_not_found(&OciDistributionError::UnauthorizedError {
            url: String::new()
        }));
        // No referrers API: 400, 404, 405 and 501 answers, and bodies that are not an index.
        for code in [400, 404, 405, 501] {
            assert!(api_missing(&server(code)), "{code}");
        }
        assert!(api_missing(&OciDistributionError::ManifestParsingError(
            "html".into()
        )));
        // But an outage or a refused login is an error, not a missing API.
        assert!(!api_missing(&server(500)));
        assert!(!api_missing(&server(503)));
        assert!(!api_missing(&OciDistributionError::UnauthorizedError {
            url: String::new()
        }));
    }

    #[test]
    fn registry_errors_keep_the_oci_client_error_as_source() {
        let e = registry_error(
            "pull".into(),
            OciDistributionError::ServerError {
                code: 500,
                url: "http://r/v2/".into(),
                message: "boom".into(),
            },
        );
        let source = std::error::Error::source(&e).unwrap();
        assert!(source.downcast_ref::<OciDistributionError>().is_some());
        assert!(e.to_string().contains("boom"), "{e}");
    }
}
