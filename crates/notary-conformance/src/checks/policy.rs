//! Trust-policy document checks and trusted-identity matching.

use notary_trustpolicy::{
    BlobTrustPolicy, OciTrustPolicy, TrustedIdentity, match_trusted_identity,
};
use serde_json::Value;

use super::{Context, opt_str, policy_bytes, str_field};
use crate::cases::Outcome;

/// A document that is not JSON at all is `parse`; a JSON document that breaks a rule is `policy`.
fn policy_failure(e: &notary_trustpolicy::Error) -> Outcome {
    if e.is_parse_error() {
        Outcome::fail("parse", e)
    } else {
        Outcome::fail("policy", e)
    }
}

fn selected(name: &str, input: &Value) -> Outcome {
    match opt_str(input, "expected_statement") {
        Some(want) if want != name => Outcome::fail(
            "policy",
            format!("selected statement {name:?}, not {want:?}"),
        ),
        _ => Outcome::Pass,
    }
}

pub fn oci_policy(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let (_, bytes) = policy_bytes(ctx, input)?;
    let policy = match OciTrustPolicy::from_json(&bytes) {
        Ok(p) => p,
        Err(e) => return Ok(policy_failure(&e)),
    };
    let Some(reference) = opt_str(input, "reference") else {
        return Ok(Outcome::Pass);
    };
    Ok(match policy.statement_for(reference) {
        Ok(s) => selected(&s.name, input),
        Err(e) => Outcome::fail("policy", e),
    })
}

pub fn blob_policy(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let (_, bytes) = policy_bytes(ctx, input)?;
    let policy = match BlobTrustPolicy::from_json(&bytes) {
        Ok(p) => p,
        Err(e) => return Ok(policy_failure(&e)),
    };
    // Without a name and without an expected statement the case only validates the document.
    let name = opt_str(input, "policy_name");
    if name.is_none() && opt_str(input, "expected_statement").is_none() {
        return Ok(Outcome::Pass);
    }
    Ok(match policy.statement(name) {
        Ok(s) => selected(&s.name, input),
        Err(e) => Outcome::fail("policy", e),
    })
}

pub fn policy_parse(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let (kind, bytes) = policy_bytes(ctx, input)?;
    let result = match kind.as_str() {
        "blob" => BlobTrustPolicy::from_json(&bytes).map(|_| ()),
        _ => OciTrustPolicy::from_json(&bytes).map(|_| ()),
    };
    Ok(match result {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::fail("parse", e),
    })
}

pub fn identity_match(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let bytes = ctx.read(str_field(input, "certificate")?)?;
    let cert = match notary_x509::read_certificates(&bytes) {
        Ok(mut c) if !c.is_empty() => c.remove(0),
        Ok(_) => return Ok(Outcome::fail("parse", "no certificate")),
        Err(e) => return Ok(Outcome::fail("parse", e)),
    };
    let mut identities = Vec::new();
    for v in input
        .get("identities")
        .and_then(Value::as_array)
        .ok_or("no identities")?
    {
        match v
            .as_str()
            .ok_or("identity is not a string")?
            .parse::<TrustedIdentity>()
        {
            Ok(i) => identities.push(i),
            Err(e) => return Ok(Outcome::fail("trusted_identity", e)),
        }
    }
    Ok(
        match match_trusted_identity(
            &identities,
            &cert.subject_string(),
            input
                .get("policy")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ) {
            Ok(()) => Outcome::Pass,
            Err(e) => Outcome::fail("trusted_identity", e),
        },
    )
}
