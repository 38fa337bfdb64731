//! Certificate-file, TSA-root, TSA-chain and trust-store checks.

use notary::truststore::{DirTrustStore, TrustStore, TrustStoreErrorKind, TrustStoreType};
use serde_json::Value;

use super::{Context, str_field};
use crate::cases::Outcome;

pub fn cert_file_read(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let bytes = ctx.read(str_field(input, "path")?)?;
    Ok(match notary_x509::read_certificates(&bytes) {
        Ok(c) if !c.is_empty() => Outcome::Pass,
        Ok(_) => Outcome::fail("parse", "no certificate in the file"),
        Err(e) => Outcome::fail("parse", e),
    })
}

pub fn tsa_root_cert_file(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let bytes = ctx.read(str_field(input, "path")?)?;
    // A file with no decodable certificate is a parse failure; a decodable one that is not a
    // single self-signed root fails the timestamping validation.
    if let Err(e) = notary_x509::read_certificates(&bytes) {
        return Ok(Outcome::fail("parse", e));
    }
    Ok(
        match notary_x509::X509Verifier::new(ctx.provider).validate_tsa_root_certificate(&bytes) {
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::fail("authentic_timestamp", e),
        },
    )
}

pub fn tsa_chain_validate(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let mut chain = Vec::new();
    for p in input
        .get("chain")
        .and_then(Value::as_array)
        .ok_or("no chain")?
    {
        let bytes = ctx.read(p.as_str().ok_or("chain entry is not a string")?)?;
        match notary_x509::read_certificates(&bytes) {
            Ok(c) => chain.extend(c),
            Err(e) => return Ok(Outcome::fail("parse", e)),
        }
    }
    let at = match input.get("at_time").and_then(Value::as_str) {
        Some(s) => Some(notary_core::timefmt::parse_rfc3339(s).map_err(|e| e.to_string())?),
        None => None,
    };
    Ok(
        match notary_x509::X509Verifier::new(ctx.provider).validate_timestamping_chain(&chain, at) {
            Ok(()) => Outcome::Pass,
            Err(e) => Outcome::fail("authentic_timestamp", e),
        },
    )
}

pub fn truststore_load(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let store = DirTrustStore::new(ctx.provider, ctx.path(str_field(input, "trust_store_dir")?));
    let store_type: TrustStoreType = str_field(input, "type")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let validation = match store_type {
        TrustStoreType::Tsa => "authentic_timestamp",
        _ => "authenticity",
    };
    Ok(
        match store.certificates(store_type, str_field(input, "name")?) {
            Ok(_) => Outcome::Pass,
            Err(e) if e.kind == TrustStoreErrorKind::Parse => Outcome::fail("parse", e),
            Err(e) => Outcome::fail(validation, e),
        },
    )
}
