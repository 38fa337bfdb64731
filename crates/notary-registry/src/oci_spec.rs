//! Conversions between [`Manifest`] and the [`oci_spec::image`] manifest types (feature
//! `oci-spec`; the digest and descriptor conversions are in `notary_core::oci_spec`).
//!
//! [`Manifest`] is one type for image manifests, indexes and legacy artifact manifests, so each
//! conversion to oci-spec is a `TryFrom` that refuses what the target type cannot hold: an
//! index's `manifests` or an artifact manifest's `blobs` in an `ImageManifest`, a `config` or
//! `layers` in an `ImageIndex`, another manifest media type, a `schemaVersion` other than 2.
//! The way back fails only on a digest outside the SHA-2 family (or a platform that does not
//! serialise). Annotations are sorted on the way in (ours are a `BTreeMap`).
//!
//! ```
//! use notary_registry::manifest::Manifest;
//! use oci_spec::image::ImageManifest;
//!
//! let json = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
//!   "config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,
//!     "digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
//!   "layers":[]}"#;
//! let theirs: ImageManifest = serde_json::from_slice(json)?;
//! let ours = Manifest::try_from(&theirs)?;
//! assert_eq!(ours.config.as_ref().map(|c| c.size), Some(2));
//! assert_eq!(ImageManifest::try_from(&ours)?, theirs);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use notary_core::Descriptor;
use oci_spec::image as oci;

use crate::error::Error;
use crate::manifest::{
    ARTIFACT_MANIFEST, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, IMAGE_INDEX, IMAGE_MANIFEST, Manifest,
};

/// What [`Error::InvalidManifest`] names when the manifest has no digest yet.
const CONVERTED: &str = "(oci-spec conversion)";

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidManifest {
        digest: CONVERTED.to_string(),
        reason: reason.into(),
    }
}

fn descriptor_error(e: notary_core::Error) -> Error {
    invalid(e.to_string())
}

fn to_oci(d: &Descriptor) -> Result<oci::Descriptor, Error> {
    oci::Descriptor::try_from(d).map_err(descriptor_error)
}

fn from_oci(d: &oci::Descriptor) -> Result<Descriptor, Error> {
    Descriptor::try_from(d).map_err(descriptor_error)
}

fn to_oci_all(ds: &[Descriptor]) -> Result<Vec<oci::Descriptor>, Error> {
    ds.iter().map(to_oci).collect()
}

fn from_oci_all(ds: &[oci::Descriptor]) -> Result<Vec<Descriptor>, Error> {
    ds.iter().map(from_oci).collect()
}

fn hash_map(a: &BTreeMap<String, String>) -> HashMap<String, String> {
    a.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn btree_map(a: &HashMap<String, String>) -> BTreeMap<String, String> {
    a.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The checks shared by both targets: schema version 2, and a media type that is not one of
/// the `refused` manifest types.
fn check_common(m: &Manifest, target: &str, refused: &[&str]) -> Result<(), Error> {
    if m.schema_version != 2 {
        return Err(invalid(format!(
            "schemaVersion {} (an oci-spec {target} has schemaVersion 2)",
            m.schema_version
        )));
    }
    if let Some(mt) = m.media_type.as_deref().filter(|mt| refused.contains(mt)) {
        return Err(invalid(format!("a {mt} is not an oci-spec {target}")));
    }
    Ok(())
}

/// Sets the optional members an image manifest and an index share (media and artifact types,
/// subject, annotations) on `$b`, either builder (two generated types with no trait in
/// common), and builds.
macro_rules! build_with_shared {
    ($b:expr, $m:expr) => {{
        let (mut b, m) = ($b, $m);
        if let Some(mt) = &m.media_type {
            b = b.media_type(oci::MediaType::from(mt.as_str()));
        }
        if let Some(at) = &m.artifact_type {
            b = b.artifact_type(oci::MediaType::from(at.as_str()));
        }
        if let Some(s) = &m.subject {
            b = b.subject(to_oci(s)?);
        }
        if let Some(a) = &m.annotations {
            b = b.annotations(hash_map(a));
        }
        b.build().map_err(|e| invalid(e.to_string()))
    }};
}

/// The by-value conversions, through the by-reference ones.
macro_rules! by_value {
    ($($from:ty => $to:ty),* $(,)?) => {$(
        impl TryFrom<$from> for $to {
            type Error = Error;

            fn try_from(m: $from) -> Result<Self, Error> {
                Self::try_from(&m)
            }
        }
    )*};
}

by_value!(
    Manifest => oci::ImageManifest,
    oci::ImageManifest => Manifest,
    Manifest => oci::ImageIndex,
    oci::ImageIndex => Manifest,
);

impl TryFrom<&Manifest> for oci::ImageManifest {
    type Error = Error;

    fn try_from(m: &Manifest) -> Result<Self, Error> {
        const TARGET: &str = "ImageManifest";
        check_common(
            m,
            TARGET,
            &[IMAGE_INDEX, ARTIFACT_MANIFEST, DOCKER_MANIFEST_LIST],
        )?;
        if m.manifests.is_some() || m.blobs.is_some() {
            return Err(invalid(format!(
                "`manifests` (index) and `blobs` (artifact manifest) have no place in an oci-spec {TARGET}"
            )));
        }
        let config = m
            .config
            .as_ref()
            .ok_or_else(|| invalid(format!("an oci-spec {TARGET} needs a config")))?;
        let layers = m
            .layers
            .as_deref()
            .ok_or_else(|| invalid(format!("an oci-spec {TARGET} needs a layers array")))?;
        let b = oci::ImageManifestBuilder::default()
            .schema_version(m.schema_version)
            .config(to_oci(config)?)
            .layers(to_oci_all(layers)?);
        build_with_shared!(b, m)
    }
}

impl TryFrom<&oci::ImageManifest> for Manifest {
    type Error = Error;

    fn try_from(m: &oci::ImageManifest) -> Result<Self, Error> {
        Ok(Manifest {
            schema_version: m.schema_version(),
            media_type: m.media_type().as_ref().map(ToString::to_string),
            artifact_type: m.artifact_type().as_ref().map(ToString::to_string),
            config: Some(from_oci(m.config())?),
            layers: Some(from_oci_all(m.layers())?),
            blobs: None,
            manifests: None,
            subject: m.subject().as_ref().map(from_oci).transpose()?,
            annotations: m.annotations().as_ref().map(btree_map),
        })
    }
}

impl TryFrom<&Manifest> for oci::ImageIndex {
    type Error = Error;

    fn try_from(m: &Manifest) -> Result<Self, Error> {
        const TARGET: &str = "ImageIndex";
        check_common(
            m,
            TARGET,
            &[IMAGE_MANIFEST, ARTIFACT_MANIFEST, DOCKER_MANIFEST],
        )?;
        if m.config.is_some() || m.layers.is_some() || m.blobs.is_some() {
            return Err(invalid(format!(
                "`config`, `layers` and `blobs` have no place in an oci-spec {TARGET}"
            )));
        }
        let manifests = m
            .manifests
            .as_deref()
            .ok_or_else(|| invalid(format!("an oci-spec {TARGET} needs a manifests array")))?;
        let b = oci::ImageIndexBuilder::default()
            .schema_version(m.schema_version)
            .manifests(to_oci_all(manifests)?);
        build_with_shared!(b, m)
    }
}

impl TryFrom<&oci::ImageIndex> for Manifest {
    type Error = Error;

    fn try_from(m: &oci::ImageIndex) -> Result<Self, Error> {
        Ok(Manifest {
            schema_version: m.schema_version(),
            media_type: m.media_type().as_ref().map(ToString::to_string),
            artifact_type: m.artifact_type().as_ref().map(ToString::to_string),
            config: None,
            layers: None,
            blobs: None,
            manifests: Some(from_oci_all(m.manifests())?),
            subject: m.subject().as_ref().map(from_oci).transpose()?,
            annotations: m.annotations().as_ref().map(btree_map),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{self, SignatureManifestForm};

    fn subject() -> Descriptor {
        Descriptor::for_content(IMAGE_MANIFEST, b"{\"schemaVersion\":2}")
    }

    fn signature_manifest(form: SignatureManifestForm) -> Vec<u8> {
        let envelope = Descriptor::for_content("application/jose+json", b"{}");
        let mut ann = BTreeMap::new();
        ann.insert(
            "io.cncf.notary.x509chain.thumbprint#S256".into(),
            "[]".into(),
        );
        manifest::signature_manifest(&envelope, &subject(), &ann, form)
    }

    #[test]
    fn signature_manifests_of_both_forms_round_trip_byte_for_byte() {
        for form in [
            SignatureManifestForm::ConfigMediaType,
            SignatureManifestForm::ArtifactType,
        ] {
            let bytes = signature_manifest(form);
            let ours: Manifest = serde_json::from_slice(&bytes).unwrap();
            let theirs = oci::ImageManifest::try_from(&ours).unwrap();
            assert_eq!(theirs, serde_json::from_slice(&bytes).unwrap());
            let back = Manifest::try_from(theirs).unwrap();
            // Same members in the same order: the bytes (hence the digest) are unchanged.
            assert_eq!(serde_json::to_vec(&back).unwrap(), bytes, "{form:?}");
        }
    }

    #[test]
    fn indexes_round_trip() {
        let json = format!(
            r#"{{"schemaVersion":2,"mediaType":"{IMAGE_INDEX}","manifests":[{}],"annotations":{{"k":"v"}}}}"#,
            serde_json::to_string(&subject()).unwrap()
        );
        let ours: Manifest = serde_json::from_str(&json).unwrap();
        let theirs = oci::ImageIndex::try_from(&ours).unwrap();
        assert_eq!(
            theirs,
            serde_json::from_str::<oci::ImageIndex>(&json).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&Manifest::try_from(&theirs).unwrap()).unwrap(),
            json
        );
    }

    #[test]
    fn members_the_target_lacks_are_refused() {
        let sig: Manifest =
            serde_json::from_slice(&signature_manifest(SignatureManifestForm::default())).unwrap();
        // An image manifest is not an index, and the other way round.
        assert!(oci::ImageIndex::try_from(&sig).is_err());
        let index = Manifest {
            schema_version: 2,
            media_type: Some(IMAGE_INDEX.into()),
            manifests: Some(vec![subject()]),
            ..Manifest::default()
        };
        assert!(oci::ImageManifest::try_from(&index).is_err());
        // A legacy artifact manifest has `blobs`, which oci-spec's ImageManifest lacks.
        let artifact = Manifest {
            schema_version: 2,
            media_type: Some(ARTIFACT_MANIFEST.into()),
            blobs: Some(vec![subject()]),
            ..Manifest::default()
        };
        let e = oci::ImageManifest::try_from(&artifact).unwrap_err();
        assert!(e.to_string().contains("artifact"), "{e}");
        // An image manifest with an index member too.
        let mut mixed = sig.clone();
        mixed.manifests = Some(vec![]);
        assert!(oci::ImageManifest::try_from(&mixed).is_err());
        // No config, no layers, a schema version that is not 2.
        let mut no_config = sig.clone();
        no_config.config = None;
        assert!(oci::ImageManifest::try_from(&no_config).is_err());
        let mut no_layers = sig.clone();
        no_layers.layers = None;
        assert!(oci::ImageManifest::try_from(&no_layers).is_err());
        let mut v1 = sig;
        v1.schema_version = 1;
        let e = oci::ImageManifest::try_from(&v1).unwrap_err();
        assert!(matches!(e, Error::InvalidManifest { .. }), "{e:?}");
    }

    #[test]
    fn a_layer_with_an_unsupported_digest_is_refused() {
        let json = r#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.empty.v1+json",
          "size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
          "layers":[{"mediaType":"text/plain","size":1,"digest":"blake3:00"}]}"#;
        let theirs: oci::ImageManifest = serde_json::from_str(json).unwrap();
        let e = Manifest::try_from(&theirs).unwrap_err();
        assert!(e.to_string().contains("blake3"), "{e}");
    }
}
