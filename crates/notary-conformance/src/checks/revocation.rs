//! `revocation-crl`, `revocation-ocsp` (responses served from files, every other URL
//! unreachable) and `crl-extension-parse`.

use std::sync::Arc;

use notary_revocation::{
    Checker, RevocationChecker, RevocationPurpose, RevocationStatus, StaticFetcher, crl::Crl,
};
use serde_json::Value;

use super::{Context, str_field};
use crate::cases::Outcome;

fn files(ctx: &Context<'_>, input: &Value, field: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for (url, path) in input
        .get(field)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.push((
            url.clone(),
            ctx.read(path.as_str().ok_or("path is not a string")?)?,
        ));
    }
    Ok(out)
}

pub fn chain_status(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let chain = match notary_x509::read_certificates(&ctx.read(str_field(input, "chain")?)?) {
        Ok(c) => c,
        Err(e) => return Ok(Outcome::fail("parse", e)),
    };
    let mut fetcher = StaticFetcher::new();
    for (url, body) in files(ctx, input, "crls")? {
        fetcher = fetcher.with_crl(&url, body);
    }
    for (url, body) in files(ctx, input, "ocsp_responses")? {
        fetcher = fetcher.with_ocsp(&url, body);
    }
    let now = match input.get("at_time").and_then(Value::as_str) {
        Some(t) => notary_core::timefmt::parse_rfc3339(t).map_err(|e| e.to_string())?,
        None => ctx.now,
    };
    Ok(
        match Checker::new_with(
            notary_x509::X509Verifier::new(ctx.provider),
            Arc::new(fetcher),
        )
        .check(&chain, RevocationPurpose::CodeSigning, None, now)
        {
            RevocationStatus::Good => Outcome::Pass,
            RevocationStatus::Revoked { reason } | RevocationStatus::Unknown { reason } => {
                Outcome::fail("revocation", reason)
            }
            _ => Outcome::fail("revocation", "unexpected status"),
        },
    )
}

fn int_of(bytes: &[u8]) -> Option<u128> {
    (bytes.len() <= 16).then(|| bytes.iter().fold(0u128, |a, &b| (a << 8) | u128::from(b)))
}

fn same_number(v: &Value, bytes: &[u8]) -> bool {
    let n = int_of(bytes);
    match v {
        Value::Number(x) => x.as_u64().map(u128::from) == n,
        Value::String(s) => {
            s.parse::<u128>().ok() == n
                || s.trim_start_matches("0x")
                    .eq_ignore_ascii_case(&hex::encode(bytes))
        }
        _ => false,
    }
}

/// One `{crl|certificate, expected}` object.
fn one(ctx: &Context<'_>, obj: &Value) -> Result<Result<(), String>, String> {
    let expected = obj.get("expected").cloned().unwrap_or(Value::Null);
    if let Some(p) = obj.get("certificate").and_then(Value::as_str) {
        let cert = match notary_x509::read_certificates(&ctx.read(p)?) {
            Ok(mut c) if !c.is_empty() => c.remove(0),
            Ok(_) => return Ok(Err("no certificate".into())),
            Err(e) => return Ok(Err(e.to_string())),
        };
        let urls = match cert.freshest_crl_urls() {
            Ok(u) => u,
            Err(e) => return Ok(Err(e.to_string())),
        };
        if let Some(want) = expected.get("freshest_crl_urls")
            && *want != serde_json::json!(urls)
        {
            return Ok(Err(format!("freshest CRL URLs {urls:?}")));
        }
        return Ok(Ok(()));
    }
    let crl = match Crl::parse(&ctx.read(str_field(obj, "crl")?)?) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if let Some(want) = expected.get("crl_number")
        && !crl
            .crl_number
            .as_deref()
            .is_some_and(|n| same_number(want, n))
    {
        return Ok(Err("CRL number differs".into()));
    }
    if let Some(want) = expected.get("delta_crl_indicator")
        && !crl
            .delta_crl_indicator
            .as_ref()
            .is_some_and(|(n, _)| same_number(want, n))
    {
        return Ok(Err("delta CRL indicator differs".into()));
    }
    if let Some(want) = expected.get("delta_crl_indicator_critical")
        && crl
            .delta_crl_indicator
            .as_ref()
            .map(|(_, c)| Value::Bool(*c))
            .as_ref()
            != Some(want)
    {
        return Ok(Err("delta CRL indicator criticality differs".into()));
    }
    if let Some(want) = expected.get("freshest_crl_urls")
        && *want != serde_json::json!(crl.freshest_crl_urls)
    {
        return Ok(Err("freshest CRL URLs differ".into()));
    }
    Ok(Ok(()))
}

pub fn extension_parse(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let mut objects = vec![input.clone()];
    objects.extend(
        input
            .get("additional")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    );
    for o in &objects {
        if let Err(e) = one(ctx, o)? {
            return Ok(Outcome::fail("parse", e));
        }
    }
    Ok(Outcome::Pass)
}
