//! The target: the signed descriptor must be the artifact (digest, size and media type), or the
//! blob (digest and size of the streamed content, and its media type when required); then the
//! user metadata the caller requires.

use std::collections::BTreeMap;
use std::io::Read;

use notary_core::crypto::{CryptoProvider, HashFunction};
use notary_core::{
    BlobTarget, Descriptor, Digest, DigestAlgorithm, Payload, Validation, VerificationError,
};

pub(crate) fn check_oci(payload: &Payload, target: &Descriptor) -> Result<(), VerificationError> {
    if payload.target_artifact.content_equals(target) {
        return Ok(());
    }
    Err(VerificationError::failed(
        Validation::TargetMismatch,
        format!(
            "the signature is for {} {} ({} bytes), not for the artifact {} {} ({} bytes)",
            payload.target_artifact.media_type,
            payload.target_artifact.digest,
            payload.target_artifact.size,
            target.media_type,
            target.digest,
            target.size
        ),
    ))
}

pub(crate) fn check_blob(
    provider: &CryptoProvider,
    payload: &Payload,
    algorithm: DigestAlgorithm,
    blob: BlobTarget<'_>,
) -> Result<(), VerificationError> {
    let signed = &payload.target_artifact;
    // One byte past the signed size at most: a longer blob, or an endless stream (a device, a
    // pipe), fails there instead of being hashed to its end first.
    let mut content = blob.content.take(signed.size.saturating_add(1));
    let (digest, size) = hash_reader(provider, algorithm, &mut content).map_err(|e| {
        VerificationError::failed_with(
            Validation::TargetMismatch,
            format!("cannot read the blob: {e}"),
            e,
        )
    })?;
    if size > signed.size {
        return Err(VerificationError::failed(
            Validation::TargetMismatch,
            format!(
                "integrity check failed. signature does not match the given blob (the blob is larger than the {} bytes the signature is for)",
                signed.size
            ),
        ));
    }
    if signed.digest != digest || signed.size != size {
        return Err(VerificationError::failed(
            Validation::TargetMismatch,
            // notation's words, then what differs.
            format!(
                "integrity check failed. signature does not match the given blob (the blob is {digest}, {size} bytes; the signature is for {}, {} bytes)",
                signed.digest, signed.size
            ),
        ));
    }
    if let Some(mt) = blob.media_type
        && signed.media_type != mt
    {
        return Err(VerificationError::failed(
            Validation::TargetMismatch,
            format!(
                "integrity check failed. signature does not match the given blob (the signature is for media type {:?}, not {mt:?})",
                signed.media_type
            ),
        ));
    }
    Ok(())
}

/// Checks that the signed annotations hold every required key/value; `Ok(true)` when there
/// was something to check.
pub(crate) fn check_user_metadata(
    payload: &Payload,
    required: Option<&BTreeMap<String, String>>,
) -> Result<bool, VerificationError> {
    let Some(required) = required.filter(|r| !r.is_empty()) else {
        return Ok(false);
    };
    let signed = payload.target_artifact.annotations.as_ref();
    for (k, v) in required {
        if signed.and_then(|s| s.get(k)) != Some(v) {
            return Err(VerificationError::failed(
                Validation::UserMetadata,
                format!("unable to find specified metadata {k}={v} in the signature"),
            ));
        }
    }
    Ok(true)
}

/// Hashes a stream with `algorithm` through `provider` in fixed-size chunks (memory independent
/// of its size), returning the digest and the number of bytes read.
pub fn hash_reader(
    provider: &CryptoProvider,
    algorithm: DigestAlgorithm,
    r: &mut dyn Read,
) -> std::io::Result<(Digest, u64)> {
    let mut hasher = provider.hashing.start(HashFunction::from(algorithm));
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..k).unwrap_or_default());
        // A stream longer than u64::MAX bytes cannot exist; saturate rather than wrap.
        n = n.saturating_add(u64::try_from(k).unwrap_or(u64::MAX));
    }
    let text = format!("{}:{}", algorithm.name(), hex::encode(hasher.finish()));
    let digest = text
        .parse::<Digest>()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((digest, n))
}
