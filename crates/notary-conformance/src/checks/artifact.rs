//! OCI-layout checks: `verify`, `verify+inspect+list`, `inspect`, `list`.

use std::collections::BTreeSet;

use notary::NotaryVerifier;
use notary::artifact::{VerifyArtifactRequest, block_on, verify_artifact};
use notary_core::SignatureRepository;
use notary_registry::OciLayout;
use notary_trustpolicy::OciTrustPolicy;
use serde_json::Value;

use super::{Context, TempTrustStore, artifact_failure, policy_bytes, str_field, user_metadata};
use crate::cases::Outcome;

fn open_layout(ctx: &Context<'_>, input: &Value) -> Result<OciLayout, String> {
    let path = ctx.path(str_field(input, "layout")?);
    OciLayout::open(&path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn verify(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let layout = open_layout(ctx, input)?;
    let store = TempTrustStore::build(ctx, input.get("trust_store"))?;
    let (_, policy) = policy_bytes(ctx, input)?;
    let policy = match OciTrustPolicy::from_json(&policy) {
        Ok(p) => p,
        Err(e) => return Ok(Outcome::fail("policy", e)),
    };
    let verifier = NotaryVerifier::new(ctx.provider, store.store(ctx)).with_oci_policy(policy);
    let metadata = user_metadata(input);
    let mut request = VerifyArtifactRequest::new(
        str_field(input, "reference")?,
        str_field(input, "scope")?,
        ctx.now,
    )
    .with_user_metadata(&metadata);
    if let Some(n) = input.get("max_signatures").and_then(Value::as_u64) {
        request = request.with_max_signatures(usize::try_from(n).unwrap_or(usize::MAX));
    }
    Ok(
        match block_on(verify_artifact(&layout, &verifier, &request)) {
            Ok(_) => Outcome::Pass,
            Err(e) => artifact_failure(&e),
        },
    )
}

fn listed(ctx: &Context<'_>, input: &Value) -> Result<Result<BTreeSet<String>, String>, String> {
    let layout = open_layout(ctx, input)?;
    let reference = str_field(input, "reference")?;
    Ok(block_on(async {
        let subject = layout.resolve(reference).await.map_err(|e| e.to_string())?;
        let sigs = layout
            .list_signatures(&subject, usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        Ok(sigs.into_iter().map(|d| d.digest.to_string()).collect())
    }))
}

fn expected_signatures(input: &Value) -> Result<BTreeSet<String>, String> {
    Ok(input
        .get("expected_signatures")
        .and_then(Value::as_array)
        .ok_or("no expected_signatures in the input")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

pub fn list(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    Ok(match listed(ctx, input)? {
        Ok(got) if got == expected_signatures(input)? => Outcome::Pass,
        Ok(got) => Outcome::fail("parse", format!("listed {got:?}")),
        Err(e) => Outcome::fail("parse", e),
    })
}

pub fn verify_inspect_list(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let verified = verify(ctx, input)?;
    match listed(ctx, input)? {
        Ok(got) if got == expected_signatures(input)? => {}
        Ok(got) => return Ok(Outcome::fail("parse", format!("listed {got:?}"))),
        Err(e) => return Ok(Outcome::fail("parse", e)),
    }
    if input.get("expected_output").is_some() {
        match inspect(ctx, input)? {
            Outcome::Pass => {}
            other => return Ok(other),
        }
    }
    Ok(verified)
}

pub fn inspect(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let expected = input.get("expected_output").and_then(Value::as_str);
    // The tree notation printed, beside its JSON (`x.inspect.json` -> `x.inspect.tree.txt`).
    let want_tree = match expected {
        Some(e) => ctx.read(&e.replace(".json", ".tree.txt")).ok(),
        None => None,
    };
    let want_tree = want_tree.map(|b| String::from_utf8_lossy(&b).into_owned());
    let (json, tree) = if input.get("layout").is_some() {
        let layout = open_layout(ctx, input)?;
        let got = match block_on(notary::inspect::inspect_artifact(
            &layout,
            str_field(input, "reference")?,
            usize::MAX,
            // The corpus's expected outputs were made in UTC.
            &notary::inspect::TimeZone::utc(),
        )) {
            Ok(v) => v,
            Err(e) => return Ok(Outcome::fail("parse", e)),
        };
        if let Some(s) = got.skipped.first() {
            return Ok(Outcome::fail(
                "parse",
                format!("signature {} skipped: {}", s.digest, s.reason),
            ));
        }
        // notation's tree names the artifact by its registry reference (second line).
        let reference = want_tree
            .as_deref()
            .and_then(|t| t.lines().nth(1))
            .unwrap_or_default()
            .to_string();
        let tree = got.render_tree(&reference);
        (notary::inspect::to_notation_json(&got), tree)
    } else {
        let bytes = ctx.read(str_field(input, "envelope")?)?;
        let media_type = match str_field(input, "envelope_media_type")?.parse() {
            Ok(m) => m,
            Err(e) => return Ok(Outcome::fail("parse", e)),
        };
        match notary::inspect::inspect_envelope(
            media_type,
            &bytes,
            None,
            &notary::inspect::TimeZone::utc(),
        ) {
            Ok(v) => (
                notary::inspect::to_notation_json(&v),
                v.tree("<SIGNATURE_FILE_PATH>").render(),
            ),
            Err(e) => return Ok(Outcome::fail("parse", e)),
        }
    };
    let json = json.map_err(|e| e.to_string())?;
    let Some(expected) = expected else {
        return Ok(Outcome::Pass);
    };
    let want_json = String::from_utf8_lossy(&ctx.read(expected)?).into_owned();
    let want: Value = serde_json::from_str(&want_json).map_err(|e| e.to_string())?;
    let ours: Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    if let Err(why) = compare_inspection(&want, &ours) {
        return Ok(Outcome::fail("parse", why));
    }
    // Byte for byte as notation prints them, but for the wording of error messages.
    if let Err(why) = same_text(&want_json, &json, "\"error\": ") {
        return Ok(Outcome::fail("parse", format!("JSON text: {why}")));
    }
    if let Some(want_tree) = want_tree
        && let Err(why) = same_text(&want_tree, &tree, "error: ")
    {
        return Ok(Outcome::fail("parse", format!("tree text: {why}")));
    }
    Ok(Outcome::Pass)
}

/// The same lines, where a line holding `error_marker` in `want` need only agree up to it.
fn same_text(want: &str, got: &str, error_marker: &str) -> Result<(), String> {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    if w.len() != g.len() {
        return Err(format!("{} lines, expected {}", g.len(), w.len()));
    }
    for (i, (w, g)) in w.iter().zip(&g).enumerate() {
        let same = match w.find(error_marker) {
            Some(at) => {
                g.get(..at.saturating_add(error_marker.len()))
                    == w.get(..at.saturating_add(error_marker.len()))
            }
            None => w == g,
        };
        if !same {
            return Err(format!("line {}: got {g:?}, expected {w:?}", i + 1));
        }
    }
    Ok(())
}

/// Loose comparison: the same signatures, digests, media types, attributes and certificate
/// fingerprints (whitespace and key order do not matter; texts of error messages do not either).
fn compare_inspection(want: &Value, got: &Value) -> Result<(), String> {
    if let Some(ws) = want.get("signatures").and_then(Value::as_array) {
        if want.get("mediaType") != got.get("mediaType") {
            return Err(format!(
                "mediaType {:?} != {:?}",
                got.get("mediaType"),
                want.get("mediaType")
            ));
        }
        let gs = got
            .get("signatures")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if ws.len() != gs.len() {
            return Err(format!("{} signatures, expected {}", gs.len(), ws.len()));
        }
        for w in ws {
            let g = gs
                .iter()
                .find(|g| g.get("digest") == w.get("digest"))
                .ok_or_else(|| format!("signature {:?} missing", w.get("digest")))?;
            compare_signature(w, g)?;
        }
        return Ok(());
    }
    compare_signature(want, got)
}

fn fingerprints(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("SHA256Fingerprint").cloned())
                .collect()
        })
        .unwrap_or_default()
}

fn compare_signature(w: &Value, g: &Value) -> Result<(), String> {
    for key in [
        "signatureAlgorithm",
        "signatureEnvelopeType",
        "signedAttributes",
        "signedArtifact",
    ] {
        if w.get(key) != g.get(key) {
            return Err(format!(
                "{key}: got {:?}, expected {:?}",
                g.get(key),
                w.get(key)
            ));
        }
    }
    let empty = |v: Option<&Value>| {
        v.is_none_or(|v| v.is_null() || v.as_object().is_some_and(|o| o.is_empty()))
    };
    let (wu, gu) = (
        w.get("userDefinedAttributes"),
        g.get("userDefinedAttributes"),
    );
    if !(empty(wu) && empty(gu)) && wu != gu {
        return Err(format!(
            "userDefinedAttributes: got {gu:?}, expected {wu:?}"
        ));
    }
    if fingerprints(w.get("certificates")) != fingerprints(g.get("certificates")) {
        return Err("certificate fingerprints differ".into());
    }
    let (wu, gu) = (w.get("unsignedAttributes"), g.get("unsignedAttributes"));
    if wu.and_then(|u| u.get("signingAgent")) != gu.and_then(|u| u.get("signingAgent")) {
        return Err("signingAgent differs".into());
    }
    let (wt, gt) = (
        wu.and_then(|u| u.get("timestampSignature")),
        gu.and_then(|u| u.get("timestampSignature")),
    );
    match (wt, gt) {
        (None, None) => Ok(()),
        (Some(w), Some(g)) => {
            if w.get("error").is_some() != g.get("error").is_some() {
                return Err(format!("timestampSignature: got {g}, expected {w}"));
            }
            if w.get("timestamp") != g.get("timestamp") {
                return Err(format!(
                    "timestamp: got {:?}, expected {:?}",
                    g.get("timestamp"),
                    w.get("timestamp")
                ));
            }
            if fingerprints(w.get("certificates")) != fingerprints(g.get("certificates")) {
                return Err("timestamp certificate fingerprints differ".into());
            }
            Ok(())
        }
        _ => Err(format!("timestampSignature: got {gt:?}, expected {wt:?}")),
    }
}
