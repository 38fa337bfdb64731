use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::RESERVED_PREFIX;
use crate::digest::Digest;
use crate::error::Error;

/// An OCI content descriptor.
///
/// Unknown members are ignored on decode; `platform` is kept opaque.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    pub media_type: String,
    /// Artifact type (OCI image-spec 1.1), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Digest of the referenced content.
    pub digest: Digest,
    /// Size in bytes of the referenced content.
    pub size: u64,
    /// Alternate download locations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    /// Annotations (sorted by key when serialised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Embedded content, standard base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Platform object, kept as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<serde_json::Value>,
}

impl Descriptor {
    /// A descriptor with just media type, digest and size.
    pub fn new(media_type: impl Into<String>, digest: Digest, size: u64) -> Self {
        Self {
            media_type: media_type.into(),
            artifact_type: None,
            digest,
            size,
            urls: None,
            annotations: None,
            data: None,
            platform: None,
        }
    }

    /// The descriptor of `content` hashed with SHA-256 (feature `sha2`).
    #[cfg(feature = "sha2")]
    pub fn for_content(media_type: impl Into<String>, content: &[u8]) -> Self {
        Self::for_content_as(crate::DigestAlgorithm::Sha256, media_type, content)
    }

    /// [`Descriptor::for_content`] with the digest in `algorithm` (content addressed as its
    /// source addressed it, e.g. sha512) (feature `sha2`).
    ///
    /// ```
    /// use notary_core::{Descriptor, DigestAlgorithm};
    /// let d = Descriptor::for_content_as(DigestAlgorithm::Sha512, "text/plain", b"hi");
    /// assert_eq!(d.digest.algorithm(), DigestAlgorithm::Sha512);
    /// assert_eq!(d.size, 2);
    /// ```
    #[cfg(feature = "sha2")]
    pub fn for_content_as(
        algorithm: crate::DigestAlgorithm,
        media_type: impl Into<String>,
        content: &[u8],
    ) -> Self {
        Self::new(media_type, algorithm.digest(content), content.len() as u64)
    }

    /// True when media type, digest and size are equal (what notation compares when it checks a
    /// signed payload against the resolved artifact).
    pub fn content_equals(&self, other: &Descriptor) -> bool {
        self.media_type == other.media_type
            && self.digest == other.digest
            && self.size == other.size
    }

    /// Why `content` is not what this descriptor describes, in words, or `None` when it is:
    /// the size is compared first, then the digest. `from` names where the content came from
    /// (`"the registry sent"`).
    ///
    /// ```
    /// use notary_core::{Descriptor, DigestAlgorithm};
    /// let d = Descriptor::new("text/plain", DigestAlgorithm::Sha256.digest(b"hello"), 5);
    /// assert_eq!(d.content_mismatch(b"hello", "the registry sent"), None);
    /// assert_eq!(
    ///     d.content_mismatch(b"hell", "the registry sent").as_deref(),
    ///     Some("the registry sent 4 bytes, the descriptor says 5")
    /// );
    /// assert!(d.content_mismatch(b"HELLO", "the registry sent").is_some());
    /// ```
    #[cfg(feature = "sha2")]
    pub fn content_mismatch(&self, content: &[u8], from: &str) -> Option<String> {
        if content.len() as u64 != self.size {
            return Some(format!(
                "{from} {} bytes, the descriptor says {}",
                content.len(),
                self.size
            ));
        }
        if !self.digest.matches(content) {
            return Some(format!("the content {from} hashes to another digest"));
        }
        None
    }

    /// The descriptor as notation signs it: only `mediaType`, `digest`, `size` and
    /// `annotations` are kept.
    pub fn sanitized(&self) -> Descriptor {
        let mut d = Descriptor::new(self.media_type.clone(), self.digest.clone(), self.size);
        d.annotations = self.annotations.clone().filter(|a| !a.is_empty());
        d
    }

    /// Adds user metadata to the annotations, refusing reserved keys and keys already present.
    pub fn with_user_metadata(
        mut self,
        metadata: &BTreeMap<String, String>,
    ) -> Result<Self, Error> {
        validate_user_metadata(metadata)?;
        if metadata.is_empty() {
            return Ok(self);
        }
        let ann = self.annotations.get_or_insert_with(BTreeMap::new);
        for (k, v) in metadata {
            if ann.contains_key(k) {
                return Err(Error::InvalidUserMetadata {
                    key: k.clone(),
                    reason: "the key is already an annotation of the descriptor".into(),
                });
            }
            ann.insert(k.clone(), v.clone());
        }
        Ok(self)
    }
}

/// Refuses user-metadata keys that are empty or start with the reserved `io.cncf.notary` prefix.
pub fn validate_user_metadata(metadata: &BTreeMap<String, String>) -> Result<(), Error> {
    for k in metadata.keys() {
        if k.is_empty() {
            return Err(Error::InvalidUserMetadata {
                key: k.clone(),
                reason: "empty key".into(),
            });
        }
        if k.starts_with(RESERVED_PREFIX) {
            return Err(Error::InvalidUserMetadata {
                key: k.clone(),
                reason: format!("keys starting with {RESERVED_PREFIX:?} are reserved"),
            });
        }
    }
    Ok(())
}
