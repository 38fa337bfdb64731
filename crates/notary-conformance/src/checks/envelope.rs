//! Single-envelope verification: `verify-envelope`, `verify-envelope+user-metadata`, `blob-verify`.

use notary::{BlobTarget, Descriptor, VerificationError, Verifier};
use notary_trustpolicy::{BlobTrustPolicy, OciTrustPolicy};
use serde_json::Value;

use super::{
    Context, TempTrustStore, opt_str, policy_bytes, str_field, user_metadata, verification_failure,
};
use crate::cases::Outcome;

/// Verification paths that notary-rs does not implement yet fail closed with this phrase; the
/// runner reports them as skipped rather than counting a fail-closed stub as conformance.
pub const NOT_AVAILABLE: &str = "not available in this build";

pub fn outcome_of(result: Result<notary::VerificationOutcome, VerificationError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Pass,
        Err(e) if e.to_string().contains(NOT_AVAILABLE) => Outcome::Skip(e.to_string()),
        Err(e) => verification_failure(&e),
    }
}

pub fn verify_envelope(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let envelope = ctx.read(str_field(input, "envelope")?)?;
    let media_type = str_field(input, "envelope_media_type")?;
    let store = TempTrustStore::build(ctx, input.get("trust_store"))?;
    let (_, policy) = policy_bytes(ctx, input)?;
    let policy = match OciTrustPolicy::from_json(&policy) {
        Ok(p) => p,
        Err(e) => return Ok(Outcome::fail("policy", e)),
    };
    let target: Descriptor = serde_json::from_value(
        input
            .get("target_descriptor")
            .cloned()
            .ok_or("no target_descriptor")?,
    )
    .map_err(|e| format!("target_descriptor: {e}"))?;
    let verifier = Verifier::new(store.store()).with_oci_policy(policy);
    Ok(outcome_of(verifier.verify_oci(
        &envelope,
        media_type,
        str_field(input, "reference")?,
        &target,
        &user_metadata(input),
        ctx.now,
    )))
}

pub fn blob_verify(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let envelope = ctx.read(str_field(input, "envelope")?)?;
    let media_type = str_field(input, "envelope_media_type")?;
    let store = TempTrustStore::build(ctx, input.get("trust_store"))?;
    let (_, policy) = policy_bytes(ctx, input)?;
    let policy = match BlobTrustPolicy::from_json(&policy) {
        Ok(p) => p,
        Err(e) => return Ok(Outcome::fail("policy", e)),
    };
    let blob_path = ctx.path(str_field(input, "blob")?);
    let mut blob =
        std::fs::File::open(&blob_path).map_err(|e| format!("{}: {e}", blob_path.display()))?;
    let verifier = Verifier::new(store.store()).with_blob_policy(policy);
    Ok(outcome_of(verifier.verify_blob(
        &envelope,
        media_type,
        BlobTarget {
            content: &mut blob,
            media_type: opt_str(input, "blob_media_type"),
            policy_name: opt_str(input, "policy_name"),
        },
        &user_metadata(input),
        ctx.now,
    )))
}
