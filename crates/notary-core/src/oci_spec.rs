//! Conversions between the notary-core types and the [`oci_spec::image`] types (feature
//! `oci-spec`), so code that holds oci-spec values calls notary-rs without converting by hand.
//!
//! | notary-core | oci-spec | direction |
//! |---|---|---|
//! | [`DigestAlgorithm`] | [`oci::DigestAlgorithm`] | `From` one way, `TryFrom` back (oci-spec knows other algorithms) |
//! | [`Digest`] | [`oci::Digest`] | `From` one way, `TryFrom` back (same reason) |
//! | [`Descriptor`] | [`oci::Descriptor`] | `TryFrom` both ways (digest algorithm; a `platform` that is not an oci-spec `Platform`) |
//!
//! Media types travel as strings: oci-spec's named media types and `MediaType::Other` both
//! come back as the exact text. Sizes are `u64` on both sides. The manifest conversions
//! (`ImageManifest`) are in `notary-registry` (feature `oci-spec`), next to its manifest type.
//!
//! ```
//! use notary_core::{Descriptor, Digest};
//! use oci_spec::image as oci;
//!
//! let desc: oci::Descriptor = serde_json::from_str(
//!     r#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":517,
//!         "digest":"sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"}"#,
//! )?;
//! let ours = Descriptor::try_from(&desc)?;
//! assert_eq!(ours.size, 517);
//! assert_eq!(oci::Descriptor::try_from(&ours)?, desc);
//!
//! // oci-spec accepts any registered algorithm; notary-rs only the SHA-2 family.
//! let blake3: oci::Digest = "blake3:a3f1".parse()?;
//! assert!(Digest::try_from(&blake3).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use oci_spec::image as oci;

use crate::descriptor::Descriptor;
use crate::digest::{Digest, DigestAlgorithm};
use crate::error::{Error, shown};

impl From<DigestAlgorithm> for oci::DigestAlgorithm {
    fn from(a: DigestAlgorithm) -> Self {
        match a {
            DigestAlgorithm::Sha256 => Self::Sha256,
            DigestAlgorithm::Sha384 => Self::Sha384,
            DigestAlgorithm::Sha512 => Self::Sha512,
        }
    }
}

impl TryFrom<&oci::DigestAlgorithm> for DigestAlgorithm {
    type Error = Error;

    /// Fails for algorithms other than SHA-256, SHA-384 and SHA-512.
    fn try_from(a: &oci::DigestAlgorithm) -> Result<Self, Error> {
        DigestAlgorithm::from_name(a.as_ref()).ok_or_else(|| Error::Unsupported {
            what: "digest algorithm",
            value: shown(a.as_ref()),
        })
    }
}

impl From<&Digest> for oci::Digest {
    fn from(d: &Digest) -> Self {
        match oci::Digest::try_from(d.to_string()) {
            Ok(o) => o,
            // A notary-core digest is `<sha256|sha384|sha512>:<lowercase hex of the right
            // length>`, which is exactly what oci-spec checks for these algorithms.
            Err(e) => unreachable!("a validated digest {d} refused by oci-spec: {e}"),
        }
    }
}

impl From<Digest> for oci::Digest {
    fn from(d: Digest) -> Self {
        Self::from(&d)
    }
}

impl TryFrom<&oci::Digest> for Digest {
    type Error = Error;

    /// Fails for algorithms other than SHA-256, SHA-384 and SHA-512 (oci-spec has already
    /// checked the encoding of those three).
    fn try_from(d: &oci::Digest) -> Result<Self, Error> {
        d.as_ref().parse()
    }
}

impl TryFrom<oci::Digest> for Digest {
    type Error = Error;

    fn try_from(d: oci::Digest) -> Result<Self, Error> {
        Self::try_from(&d)
    }
}

impl TryFrom<&Descriptor> for oci::Descriptor {
    type Error = Error;

    /// Fails only when `platform` does not convert to an oci-spec `Platform` without loss (our
    /// descriptor keeps the platform object as received; oci-spec requires `architecture` and
    /// `os`, and oci-spec 0.10 names `os.version`/`os.features` `os_version`/`os_features`, so
    /// it would silently drop the spec's members).
    fn try_from(d: &Descriptor) -> Result<Self, Error> {
        let platform = d.platform.as_ref().map(oci_platform).transpose()?;
        let mut o = oci::Descriptor::new(
            oci::MediaType::from(d.media_type.as_str()),
            d.size,
            oci::Digest::from(&d.digest),
        );
        o.set_artifact_type(d.artifact_type.as_deref().map(oci::MediaType::from));
        o.set_urls(d.urls.clone());
        o.set_annotations(
            d.annotations
                .as_ref()
                .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        );
        o.set_data(d.data.clone());
        o.set_platform(platform);
        Ok(o)
    }
}

impl TryFrom<Descriptor> for oci::Descriptor {
    type Error = Error;

    fn try_from(d: Descriptor) -> Result<Self, Error> {
        Self::try_from(&d)
    }
}

impl TryFrom<&oci::Descriptor> for Descriptor {
    type Error = Error;

    /// Fails for a digest algorithm outside the SHA-2 family.
    fn try_from(o: &oci::Descriptor) -> Result<Self, Error> {
        let platform = o
            .platform()
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| Error::InvalidDescriptor {
                reason: format!("platform of {}: {e}", o.digest()),
            })?;
        Ok(Descriptor {
            media_type: o.media_type().to_string(),
            artifact_type: o.artifact_type().as_ref().map(ToString::to_string),
            digest: Digest::try_from(o.digest())?,
            size: o.size(),
            urls: o.urls().clone(),
            annotations: o.annotations().as_ref().map(sorted),
            data: o.data().clone(),
            platform,
        })
    }
}

impl TryFrom<oci::Descriptor> for Descriptor {
    type Error = Error;

    fn try_from(o: oci::Descriptor) -> Result<Self, Error> {
        Self::try_from(&o)
    }
}

/// The oci-spec `Platform` of a platform object, refused when it would not serialise back to
/// the same object.
fn oci_platform(p: &serde_json::Value) -> Result<oci::Platform, Error> {
    let bad = |reason: String| Error::InvalidDescriptor {
        reason: format!("platform {}: {reason}", shown(&p.to_string())),
    };
    let platform: oci::Platform =
        serde_json::from_value(p.clone()).map_err(|e| bad(e.to_string()))?;
    let back = serde_json::to_value(&platform).map_err(|e| bad(e.to_string()))?;
    if &back != p {
        return Err(bad(format!(
            "oci-spec would keep only {}",
            shown(&back.to_string())
        )));
    }
    Ok(platform)
}

fn sorted(a: &HashMap<String, String>) -> BTreeMap<String, String> {
    a.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

    #[test]
    fn digests_of_every_algorithm_round_trip() {
        for alg in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            let ours = alg.digest(b"notary");
            let theirs = oci::Digest::from(&ours);
            assert_eq!(theirs.to_string(), ours.to_string());
            assert_eq!(theirs.algorithm(), &oci::DigestAlgorithm::from(alg));
            assert_eq!(theirs.digest(), ours.hex());
            assert_eq!(Digest::try_from(&theirs).unwrap(), ours);
            assert_eq!(DigestAlgorithm::try_from(theirs.algorithm()).unwrap(), alg);
        }
    }

    #[test]
    fn other_digest_algorithms_are_refused() {
        for text in [
            "blake3:a3f1",
            "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
            "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ] {
            let theirs: oci::Digest = text.parse().unwrap();
            let e = Digest::try_from(&theirs).unwrap_err();
            assert!(matches!(e, Error::InvalidDigest { .. }), "{text}: {e:?}");
            assert!(matches!(
                DigestAlgorithm::try_from(theirs.algorithm()),
                Err(Error::Unsupported { .. })
            ));
        }
    }

    #[test]
    fn full_descriptors_round_trip_both_ways() {
        let json = format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json",
            "artifactType":"application/vnd.cncf.notary.signature","digest":"{SHA256}","size":728,
            "urls":["https://mirror.example/x"],"annotations":{{"b":"2","a":"1"}},"data":"e30=",
            "platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}}"#
        );
        let ours: Descriptor = serde_json::from_str(&json).unwrap();
        let theirs: oci::Descriptor = serde_json::from_str(&json).unwrap();
        assert_eq!(oci::Descriptor::try_from(&ours).unwrap(), theirs);
        assert_eq!(Descriptor::try_from(&theirs).unwrap(), ours);
        // And the JSON each side writes is the same document.
        assert_eq!(
            serde_json::to_value(&ours).unwrap(),
            serde_json::to_value(&theirs).unwrap()
        );
    }

    #[test]
    fn minimal_descriptors_keep_absent_members_absent() {
        let ours = Descriptor::new("text/plain", SHA256.parse().unwrap(), 5);
        let theirs = oci::Descriptor::try_from(ours.clone()).unwrap();
        assert_eq!(
            theirs.media_type(),
            &oci::MediaType::Other("text/plain".into())
        );
        assert!(theirs.annotations().is_none() && theirs.platform().is_none());
        assert_eq!(Descriptor::try_from(theirs).unwrap(), ours);
        // An empty annotation map stays an empty map, not an absent one.
        let mut with_empty = ours;
        with_empty.annotations = Some(BTreeMap::new());
        let back = Descriptor::try_from(oci::Descriptor::try_from(&with_empty).unwrap()).unwrap();
        assert_eq!(back, with_empty);
    }

    #[test]
    fn a_platform_that_is_not_an_oci_platform_is_refused() {
        let mut d = Descriptor::new("text/plain", SHA256.parse().unwrap(), 5);
        d.platform = Some(serde_json::json!({"architecture": "amd64"}));
        let e = oci::Descriptor::try_from(&d).unwrap_err();
        assert!(matches!(e, Error::InvalidDescriptor { .. }), "{e:?}");
        d.platform = Some(serde_json::json!("linux/amd64"));
        assert!(oci::Descriptor::try_from(&d).is_err());
        // oci-spec 0.10 does not know the image-spec's `os.version`: refused, not dropped.
        d.platform = Some(serde_json::json!(
            {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.1040"}
        ));
        let e = oci::Descriptor::try_from(&d).unwrap_err();
        assert!(e.to_string().contains("would keep only"), "{e}");
    }

    #[test]
    fn a_descriptor_with_an_unsupported_digest_is_refused() {
        let theirs = oci::Descriptor::new(
            oci::MediaType::ImageLayer,
            3,
            "blake3:a3f1".parse::<oci::Digest>().unwrap(),
        );
        assert!(matches!(
            Descriptor::try_from(&theirs),
            Err(Error::InvalidDigest { .. })
        ));
    }
}
