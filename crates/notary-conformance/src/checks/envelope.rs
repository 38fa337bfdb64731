//! Single-envelope verification: `verify-envelope`, `verify-envelope+user-metadata`, `blob-verify`.

use notary::{
    BlobTarget, Descriptor, EnvelopeMediaType, NotaryVerifier, VerificationError, Verifier,
    VerifyRequest,
};
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

/// The case's envelope media type; one that is not a Notary format fails integrity, as an
/// unparsable envelope does.
fn media_type_of(input: &Value) -> Result<Result<EnvelopeMediaType, Outcome>, String> {
    Ok(str_field(input, "envelope_media_type")?
        .parse::<EnvelopeMediaType>()
        .map_err(|e| Outcome::fail("integrity", e)))
}

pub fn verify_envelope(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let mut envelope = ctx.read(str_field(input, "envelope")?)?;
    let media_type = match media_type_of(input)? {
        Ok(m) => m,
        Err(outcome) => return Ok(outcome),
    };
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
    let mut verifier = NotaryVerifier::new(ctx.provider, store.store(ctx)).with_oci_policy(policy);
    if let Some(dir) = &plugins {
        verifier = verifier.with_plugins(std::sync::Arc::new(notary::plugin::PluginHost::new(
            dir.path.clone(),
        )));
    }
    // The policy sees the reference's `registry/repository`; the digest is the target's.
    let reference = str_field(input, "reference")?;
    let scope = reference.split_once('@').map_or(reference, |(s, _)| s);
    let metadata = user_metadata(input);
    Ok(outcome_of(
        verifier.verify(
            VerifyRequest::oci(&envelope, media_type, scope, &target, ctx.now)
                .with_user_metadata(&metadata),
        ),
    ))
}

pub fn blob_verify(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let envelope = ctx.read(str_field(input, "envelope")?)?;
    let media_type = match media_type_of(input)? {
        Ok(m) => m,
        Err(outcome) => return Ok(outcome),
    };
    let store = TempTrustStore::build(ctx, input.get("trust_store"))?;
    let (_, policy) = policy_bytes(ctx, input)?;
    let policy = match BlobTrustPolicy::from_json(&policy) {
        Ok(p) => p,
        Err(e) => return Ok(Outcome::fail("policy", e)),
    };
    let blob_path = ctx.path(str_field(input, "blob")?);
    let mut blob =
        std::fs::File::open(&blob_path).map_err(|e| format!("{}: {e}", blob_path.display()))?;
    let verifier = NotaryVerifier::new(ctx.provider, store.store(ctx)).with_blob_policy(policy);
    let mut target = BlobTarget::new(&mut blob);
    if let Some(mt) = opt_str(input, "blob_media_type") {
        target = target.with_media_type(mt);
    }
    if let Some(name) = opt_str(input, "policy_name") {
        target = target.with_policy_name(name);
    }
    let metadata = user_metadata(input);
    Ok(outcome_of(verifier.verify(
        VerifyRequest::blob(&envelope, media_type, target, ctx.now).with_user_metadata(&metadata),
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
            .store(ctx)
            .certificates(notary::truststore::TrustStoreType::Tsa, name)
        {
            Ok(c) => roots.extend(c),
            Err(e) => return Ok(Outcome::fail("authentic_timestamp", e)),
        }
    }
    Ok(
        match notary_timestamp::TimestampToken::parse(&token).and_then(|t| {
            t.verify_with(
                &notary_x509::X509Verifier::new(ctx.provider),
                &message,
                &roots,
            )
        }) {
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::fail("authentic_timestamp", e),
        },
    )
}
