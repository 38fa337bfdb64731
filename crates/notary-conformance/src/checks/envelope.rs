//! Single-envelope verification: `verify-envelope`, `verify-envelope+user-metadata`, `blob-verify`.

use notary::{BlobTarget, Descriptor, VerificationError, Verifier};
use notary_trustpolicy::{BlobTrustPolicy, OciTrustPolicy};
use serde_json::Value;

use super::{
    Context, TempTrustStore, opt_str, policy_bytes, str_field, user_metadata, verification_failure,
};
use crate::cases::Outcome;

pub fn outcome_of(result: Result<notary::VerificationOutcome, VerificationError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Pass,
        Err(e) => verification_failure(&e),
    }
}

pub fn verify_envelope(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let mut envelope = ctx.read(str_field(input, "envelope")?)?;
    let media_type = str_field(input, "envelope_media_type")?;
    // verify-authentic-timestamp: put the given token in the unsigned timestamp header first.
    if let Some(tok) = opt_str(input, "timestamp_token") {
        let token = ctx.read(tok)?;
        let mut env = notary::UnverifiedEnvelope::parse(media_type, &envelope)
            .map_err(|e| format!("cannot insert the timestamp: {e}"))?;
        env.set_timestamp_signature(token);
        envelope = env.to_bytes();
    }
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
    let plugins = super::install_mock_plugins(input)?;
    let mut verifier = Verifier::new(store.store()).with_oci_policy(policy);
    if let Some(dir) = &plugins {
        verifier = verifier.with_plugins(std::sync::Arc::new(notary::plugin::PluginHost::new(
            dir.path.clone(),
        )));
    }
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

pub fn tsa_token_verify(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let token = ctx.read(str_field(input, "token")?)?;
    let message = match opt_str(input, "message") {
        Some(p) => ctx.read(p)?,
        None => hex::decode(str_field(input, "message_hex")?).map_err(|e| e.to_string())?,
    };
    let store = TempTrustStore::build(ctx, input.get("trust_store"))?;
    let mut roots = Vec::new();
    for e in input
        .get("trust_store")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = str_field(e, "name")?;
        match store
            .store()
            .certificates(notary::truststore::TrustStoreType::Tsa, name)
        {
            Ok(c) => roots.extend(c),
            Err(e) => return Ok(Outcome::fail("authentic_timestamp", e)),
        }
    }
    Ok(
        match notary_timestamp::TimestampToken::parse(&token)
            .and_then(|t| t.verify(&message, &roots))
        {
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::fail("authentic_timestamp", e),
        },
    )
}
