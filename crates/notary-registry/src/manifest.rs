//! OCI manifests and indexes, and the Notary signature-manifest rules (notary-facts §7).

use std::collections::BTreeMap;

use notary_core::{Descriptor, SIGNATURE_ARTIFACT_TYPE};

use crate::error::Error;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// OCI image manifest media type.
pub const IMAGE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index media type.
pub const IMAGE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Legacy OCI artifact manifest media type (read only).
pub const ARTIFACT_MANIFEST: &str = "application/vnd.oci.artifact.manifest.v1+json";
/// ORAS artifact manifest of the Notary v2 prototypes (notation <= 0.12 stored signatures in
/// it, found through the ORAS referrers API). Read, and migrated by `copy`; never written.
pub const ORAS_ARTIFACT_MANIFEST: &str = "application/vnd.cncf.oras.artifact.manifest.v1+json";
/// Artifact type of signatures in ORAS artifact manifests (notation <= 0.12).
pub const NOTARY_V2_SIGNATURE_TYPE: &str = "application/vnd.cncf.notary.v2.signature";
/// Config media type of the nv2 prototype's JWT signatures (recognised and refused).
pub const NV2_CONFIG: &str = "application/vnd.cncf.notary.config.v2+json";
/// Docker schema 2 manifest and list (read only; never a signature).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// The empty JSON config media type.
pub const EMPTY_JSON: &str = "application/vnd.oci.empty.v1+json";
/// Digest of `{}`.
pub const EMPTY_JSON_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

/// The tag of the referrers tag schema index of `digest`: `<alg>-<hex>`, truncated as the
/// distribution spec says. Every client of this workspace names the tag with this one function,
/// so the per-process tag index locks count writes under the same name.
pub fn referrers_tag(digest: &notary_core::Digest) -> String {
    let alg: String = digest.algorithm().name().chars().take(32).collect();
    let hex: String = digest.hex().chars().take(64).collect();
    format!("{alg}-{hex}")
}

/// True for media types that are manifests or indexes (as opposed to blobs).
pub fn is_manifest_type(media_type: &str) -> bool {
    matches!(
        media_type,
        IMAGE_MANIFEST
            | IMAGE_INDEX
            | ARTIFACT_MANIFEST
            | ORAS_ARTIFACT_MANIFEST
            | DOCKER_MANIFEST
            | DOCKER_MANIFEST_LIST
    )
}

/// The parts of any manifest or index that matter here. Unknown members are ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 2.
    #[serde(default)]
    pub schema_version: u32,
    /// The manifest's own media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Artifact type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Config (image manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Descriptor>,
    /// Layers (image manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<Descriptor>>,
    /// Blobs (legacy artifact manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blobs: Option<Vec<Descriptor>>,
    /// Children (index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifests: Option<Vec<Descriptor>>,
    /// Subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

impl Manifest {
    /// The content blobs: `layers` of an image manifest or `blobs` of an artifact manifest.
    pub fn content(&self) -> &[Descriptor] {
        self.layers
            .as_deref()
            .or(self.blobs.as_deref())
            .unwrap_or_default()
    }
}

/// Whether `m` (of media type `media_type`) is a Notary signature manifest for `subject`
/// digest, in any of the accepted forms: image manifest with artifactType = signature and an
/// empty-JSON config, image manifest whose config is the signature type (whatever its
/// artifactType: notation reads the config type alone there), or a legacy artifact manifest
/// with artifactType = signature.
pub fn is_signature_for(media_type: &str, m: &Manifest, subject_digest: &str) -> bool {
    if m.subject.as_ref().map(|s| s.digest.to_string()).as_deref() != Some(subject_digest) {
        return false;
    }
    let config_type = m.config.as_ref().map(|c| c.media_type.as_str());
    match media_type {
        IMAGE_MANIFEST => {
            config_type == Some(SIGNATURE_ARTIFACT_TYPE)
                || (m.artifact_type.as_deref() == Some(SIGNATURE_ARTIFACT_TYPE)
                    && config_type == Some(EMPTY_JSON))
        }
        ARTIFACT_MANIFEST => m.artifact_type.as_deref() == Some(SIGNATURE_ARTIFACT_TYPE),
        ORAS_ARTIFACT_MANIFEST => matches!(
            m.artifact_type.as_deref(),
            Some(NOTARY_V2_SIGNATURE_TYPE | SIGNATURE_ARTIFACT_TYPE)
        ),
        _ => false,
    }
}

/// The Notary v2 prototype format `m` is in, if it is one no current tool verifies: the nv2
/// JWT signatures (config or artifact type `application/vnd.cncf.notary.config.v2+json`).
pub fn prototype_format(m: &Manifest) -> Option<&'static str> {
    let nv2 = m
        .config
        .as_ref()
        .is_some_and(|c| c.media_type == NV2_CONFIG)
        || m.artifact_type.as_deref() == Some(NV2_CONFIG);
    nv2.then_some("nv2 JWT prototype (application/vnd.cncf.notary.config.v2+json)")
}

/// Serialises an OCI image manifest.
pub fn image_manifest(
    config: &Descriptor,
    layers: &[Descriptor],
    artifact_type: Option<&str>,
    subject: Option<&Descriptor>,
    annotations: Option<&BTreeMap<String, String>>,
) -> Vec<u8> {
    let m = Manifest {
        schema_version: 2,
        media_type: Some(IMAGE_MANIFEST.to_string()),
        artifact_type: artifact_type.map(str::to_string),
        config: Some(config.clone()),
        layers: Some(layers.to_vec()),
        blobs: None,
        manifests: None,
        subject: subject.cloned(),
        annotations: annotations.filter(|a| !a.is_empty()).cloned(),
    };
    serde_json::to_vec(&m).unwrap_or_default()
}

/// The empty-JSON config descriptor, with its data inlined as notation writes it.
pub fn empty_config() -> Descriptor {
    let mut d = Descriptor::for_content(EMPTY_JSON, b"{}");
    d.data = Some("e30=".to_string());
    d
}

/// The two signature-manifest forms of the Notary specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureManifestForm {
    /// No `artifactType`; config media type `application/vnd.cncf.notary.signature` over `{}`.
    /// What the released notation v1.x CLI writes, and the only form notation v1.3 finds in OCI
    /// image layouts; registries derive the artifact type from the config media type.
    #[default]
    ConfigMediaType,
    /// `artifactType: application/vnd.cncf.notary.signature` with the empty-JSON config
    /// (image-spec 1.1 form).
    ArtifactType,
}

/// A Notary signature manifest: one layer (the envelope), the subject (media type, digest and
/// size only) and the annotations, in the given form.
pub fn signature_manifest(
    envelope: &Descriptor,
    subject: &Descriptor,
    annotations: &BTreeMap<String, String>,
    form: SignatureManifestForm,
) -> Vec<u8> {
    let subject = Descriptor::new(
        subject.media_type.clone(),
        subject.digest.clone(),
        subject.size,
    );
    let (config, artifact_type) = match form {
        SignatureManifestForm::ArtifactType => (empty_config(), Some(SIGNATURE_ARTIFACT_TYPE)),
        _ => (
            Descriptor::for_content(SIGNATURE_ARTIFACT_TYPE, b"{}"),
            None,
        ),
    };
    image_manifest(
        &config,
        std::slice::from_ref(envelope),
        artifact_type,
        Some(&subject),
        Some(annotations),
    )
}

/// The `io.cncf.notary.x509chain.thumbprint#S256` value: a compact JSON array of the lowercase
/// hex SHA-256 of each DER certificate, leaf first.
pub fn thumbprint_annotation(chain: &[Vec<u8>]) -> String {
    let v: Vec<String> = chain
        .iter()
        .map(|c| hex::encode(sha2::Sha256::digest(c)))
        .collect();
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

/// An incremental hasher for a descriptor's digest algorithm, for content too large to buffer.
#[derive(Clone)]
pub struct StreamHasher(Hasher);

#[derive(Clone)]
enum Hasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl StreamHasher {
    /// A hasher for `algorithm`.
    pub fn new(algorithm: notary_core::DigestAlgorithm) -> Self {
        Self(match algorithm {
            notary_core::DigestAlgorithm::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            notary_core::DigestAlgorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
            _ => Hasher::Sha256(sha2::Sha256::new()),
        })
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// Whether the bytes fed hash to `digest`.
    pub fn matches(self, digest: &notary_core::Digest) -> bool {
        let out = match self.0 {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        };
        // Different algorithms give different lengths, so equal bytes mean equal digests.
        digest.bytes() == out
    }
}

/// A referrers index (tag schema or API page) as far as a listing needs it: its `mediaType`
/// and its `manifests` entries as stored, each to be read on its own (see
/// [`readable_descriptors`]) or written back unchanged.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct IndexEntries {
    /// The index's `mediaType` member, when it is a string.
    pub media_type: Option<String>,
    /// The `manifests` entries (empty when absent or `null`).
    pub entries: Vec<serde_json::Value>,
}

/// Reads `body` as a referrers index: a JSON object whose `manifests`, if present, is an array.
/// Why not, when it is not.
pub fn index_entries(body: &[u8]) -> Result<IndexEntries, String> {
    let doc: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(mut doc) = doc else {
        return Err("the referrers index is not a JSON object".into());
    };
    let media_type = match doc.remove("mediaType") {
        Some(serde_json::Value::String(t)) => Some(t),
        _ => None,
    };
    let entries = match doc.remove("manifests") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(entries)) => entries,
        Some(_) => return Err("the referrers index's `manifests` is not an array".into()),
    };
    Ok(IndexEntries {
        media_type,
        entries,
    })
}

/// The entries of a referrers listing that read as descriptors. One that does not (a digest
/// algorithm this crate lacks, such as another tool's blake3 referrer, or a negative size) is
/// left out and logged rather than failing the listing: another tool's referrer must not hide
/// the signatures beside it (Go's notation decodes digests as plain strings and filters by
/// artifact type before reading one).
pub fn readable_descriptors(
    entries: impl IntoIterator<Item = serde_json::Value>,
    subject: &notary_core::Digest,
    source: &'static str,
) -> Vec<Descriptor> {
    entries
        .into_iter()
        .filter_map(|entry| match serde_json::from_value::<Descriptor>(entry) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!(subject = %subject, error = %e, source, "skipping an unreadable referrer entry");
                None
            }
        })
        .collect()
}

/// The referrers tag schema index listing `entries` as stored and then `entry`, serialised; `None`
/// when there is nothing to write (`entry`'s digest is listed and nothing was dropped).
///
/// Each stored entry is written back member for member, readable or not, once: an entry listed
/// again under the same digest is dropped, and so is one with no digest string (it names
/// nothing), as oras-go cleans the index when it rewrites it.
pub fn referrers_index_with(
    stored: Vec<serde_json::Value>,
    entry: &Descriptor,
) -> serde_json::Result<Option<Vec<u8>>> {
    let digest = entry.digest.to_string();
    let listed = stored.len();
    let mut seen = std::collections::HashSet::new();
    let mut entries: Vec<serde_json::Value> = stored
        .into_iter()
        .filter(|v| {
            v.get("digest")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|d| seen.insert(d.to_owned()))
        })
        .collect();
    if !seen.contains(digest.as_str()) {
        entries.push(serde_json::to_value(entry)?);
    } else if entries.len() == listed {
        // Listed already and nothing dropped: the stored index stands.
        return Ok(None);
    }
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": IMAGE_INDEX,
        "manifests": entries,
    }))
    .map(Some)
}

/// The steps of a confirmed referrers tag index write, shared by every client built on this
/// crate so that they contend for a tag alike: after each write, wait (twice as long as the
/// write took, doubling with each rewrite, at most [`Self::MAX_WAIT`]), read the index back and
/// merge the entry into it again with [`referrers_index_with`]; stop when it is listed, give up
/// after [`Self::MAX_WRITES`] writes. The client does the I/O and the sleeping.
///
/// The tag schema has no atomic update, so a signer whose index another writer replaced a moment
/// later has no other way to notice that its entry is gone.
///
/// ```
/// use std::time::Duration;
/// use notary_registry::manifest::TagIndexConfirmation;
///
/// let mut c = TagIndexConfirmation::new();
/// assert_eq!(c.wrote(Duration::from_millis(10)), Duration::from_millis(20));
/// // The read-back lists the entry (`referrers_index_with` gave `None`): done.
/// assert_eq!(c.next(None), Ok(None));
/// // It did not: write the merged index again, after a longer wait.
/// assert_eq!(c.next(Some(b"{}".to_vec())), Ok(Some(b"{}".to_vec())));
/// assert_eq!(c.wrote(Duration::from_millis(10)), Duration::from_millis(40));
/// ```
#[derive(Debug, Clone, Default)]
pub struct TagIndexConfirmation {
    writes: u32,
}

impl TagIndexConfirmation {
    /// The most writes of one entry before [`Self::next`] gives up.
    pub const MAX_WRITES: u32 = 5;
    /// The longest wait before a write is read back.
    pub const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

    /// A write not yet made.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a write that took `took`; returns how long to wait before reading it back. A
    /// writer that read the index before this write landed writes within about a round trip of
    /// it; doubling the wait puts contending writers out of step.
    pub fn wrote(&mut self, took: std::time::Duration) -> std::time::Duration {
        self.writes = self.writes.saturating_add(1);
        took.saturating_mul(2 << self.writes.saturating_sub(1).min(8))
            .min(Self::MAX_WAIT)
    }

    /// The writes recorded so far.
    pub fn writes(&self) -> u32 {
        self.writes
    }

    /// What follows a read-back, given [`referrers_index_with`]'s answer for the index read
    /// (`None`: the entry is listed): `Ok(None)` when the write is confirmed, `Ok(Some(index))`
    /// to write `index` again, `Err(reason)` once [`Self::MAX_WRITES`] writes were replaced.
    pub fn next(&self, again: Option<Vec<u8>>) -> Result<Option<Vec<u8>>, String> {
        match again {
            Some(_) if self.writes >= Self::MAX_WRITES => Err(format!(
                "other writers replaced it without this signature after each of {} writes",
                self.writes
            )),
            again => Ok(again),
        }
    }
}

/// Refuses content whose descriptor declares more than `cap` bytes, before any of it is read.
pub(crate) fn check_cap(desc: &Descriptor, cap: u64) -> Result<(), Error> {
    if desc.size > cap {
        return Err(Error::TooLarge {
            what: if is_manifest_type(&desc.media_type) {
                "manifest"
            } else {
                "blob"
            },
            digest: desc.digest.to_string(),
            size: desc.size,
            max: cap,
        });
    }
    Ok(())
}

/// Parses the signature manifest `data` (of `desc`) and returns it with its envelope layer:
/// exactly one layer, no larger than the envelope cap. Every back end reads signatures through
/// this (public for back ends in other crates, such as `notary-oci-client`). A layer that is not a
/// Notary envelope format is [`Error::UnsupportedEnvelope`].
pub fn signature_layer(
    desc: &Descriptor,
    data: &[u8],
) -> Result<(Manifest, Descriptor, notary_core::EnvelopeMediaType), Error> {
    let m: Manifest = serde_json::from_slice(data).map_err(|e| Error::InvalidManifest {
        digest: desc.digest.to_string(),
        reason: e.to_string(),
    })?;
    if let Some(format) = prototype_format(&m) {
        return Err(Error::PrototypeSignature {
            digest: desc.digest.to_string(),
            format,
        });
    }
    // A listing can name anything; a signature is an OCI image manifest (or an artifact
    // manifest of the OCI 1.1 drafts and the ORAS prototypes).
    if !desc.media_type.is_empty()
        && ![IMAGE_MANIFEST, ARTIFACT_MANIFEST, ORAS_ARTIFACT_MANIFEST]
            .contains(&desc.media_type.as_str())
    {
        return Err(Error::InvalidManifest {
            digest: desc.digest.to_string(),
            reason: format!(
                "a signature manifest must be of type {IMAGE_MANIFEST:?}, not {:?}",
                desc.media_type
            ),
        });
    }
    let layer = match m.content() {
        [one] => one.clone(),
        other => {
            return Err(Error::InvalidManifest {
                digest: desc.digest.to_string(),
                reason: format!(
                    "a signature manifest must have exactly one layer, it has {}",
                    other.len()
                ),
            });
        }
    };
    if layer.size > crate::MAX_ENVELOPE_SIZE {
        return Err(Error::TooLarge {
            what: "signature envelope",
            digest: layer.digest.to_string(),
            size: layer.size,
            max: crate::MAX_ENVELOPE_SIZE,
        });
    }
    // Only the two Notary envelope formats are signatures; anything else is refused here,
    // never passed on as an unknown format.
    let format = layer
        .media_type
        .parse::<notary_core::EnvelopeMediaType>()
        .map_err(|_| {
            Error::UnsupportedEnvelope(notary_core::UnsupportedEnvelopeFormat::new(
                desc.digest.clone(),
                &layer.media_type,
            ))
        })?;
    Ok((m, layer, format))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn written(stored: serde_json::Value, entry: &Descriptor) -> Option<serde_json::Value> {
        let stored = stored.as_array().unwrap().clone();
        referrers_index_with(stored, entry)
            .unwrap()
            .map(|b| serde_json::from_slice(&b).unwrap())
    }

    #[test]
    fn a_tag_index_is_written_back_once_per_digest_with_the_new_entry_last() {
        let sig = Descriptor::for_content(IMAGE_MANIFEST, b"signature");
        let other = Descriptor::for_content(IMAGE_MANIFEST, b"sbom");
        let theirs = json!({"mediaType": IMAGE_MANIFEST, "digest": other.digest, "size": other.size, "x-kept": [1]});
        let stored =
            json!([theirs, {"mediaType": IMAGE_MANIFEST, "size": 3}, theirs, {"digest": 5}]);
        let doc = written(stored, &sig).unwrap();
        assert_eq!(doc["mediaType"], IMAGE_INDEX);
        assert_eq!(doc["schemaVersion"], 2);
        let entries = doc["manifests"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{doc}");
        assert_eq!(entries[0], theirs);
        assert_eq!(entries[1], serde_json::to_value(&sig).unwrap());
    }

    #[test]
    fn an_entry_already_listed_is_not_written_again_unless_the_index_needs_cleaning() {
        let sig = Descriptor::for_content(IMAGE_MANIFEST, b"signature");
        let listed = serde_json::to_value(&sig).unwrap();
        assert_eq!(written(json!([listed]), &sig), None);
        // Listed twice: the index is rewritten with it once.
        let doc = written(json!([listed, listed]), &sig).unwrap();
        assert_eq!(doc["manifests"], json!([listed]));
        // A digest-less entry beside it is dropped.
        let doc = written(json!([{"size": 1}, listed]), &sig).unwrap();
        assert_eq!(doc["manifests"], json!([listed]));
    }

    #[test]
    fn a_confirmed_write_waits_longer_each_time_and_gives_up_after_five() {
        use std::time::Duration;
        let mut c = TagIndexConfirmation::new();
        let ms = Duration::from_millis;
        let waits: Vec<Duration> = (0..5)
            .map(|_| {
                let w = c.wrote(ms(100));
                assert_eq!(c.next(None), Ok(None), "a listed entry is confirmed");
                if c.writes() < TagIndexConfirmation::MAX_WRITES {
                    assert_eq!(c.next(Some(vec![1])), Ok(Some(vec![1])));
                }
                w
            })
            .collect();
        // 2x, 4x, 8x the write's time, then the cap.
        assert_eq!(waits, [ms(200), ms(400), ms(800), ms(1600), ms(2000)]);
        let e = c.next(Some(vec![1])).unwrap_err();
        assert!(e.contains("after each of 5 writes"), "{e}");
        // A write too slow to measure sensibly still cannot overflow the wait.
        let mut slow = TagIndexConfirmation::new();
        for _ in 0..40 {
            assert_eq!(slow.wrote(Duration::MAX), TagIndexConfirmation::MAX_WAIT);
        }
    }
}
