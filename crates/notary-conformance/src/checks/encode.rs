//! `encode-conformance`: the signer's output must reproduce notation-core-go's vectors byte for byte.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use notary_core::{
    AttributeKey, AttributeValue, ExtendedAttribute, KeySpec, SignRequest, SignatureAlgorithm,
    SigningScheme, timefmt,
};
use serde_json::Value;

use super::{Context, str_field};
use crate::cases::Outcome;

fn request(sr: &Value) -> Result<(KeySpec, SignRequest), String> {
    let spec = KeySpec::from_name(str_field(sr, "key_spec")?).map_err(|e| e.to_string())?;
    let alg =
        SignatureAlgorithm::from_jws_name(str_field(sr, "alg")?).map_err(|e| e.to_string())?;
    if spec.signature_algorithm() != alg {
        return Err(format!("vector pairs key spec {spec} with {alg}"));
    }
    let payload = hex::decode(str_field(sr, "payload_hex")?).map_err(|e| e.to_string())?;
    let signing_time =
        timefmt::parse_rfc3339(str_field(sr, "signing_time")?).map_err(|e| e.to_string())?;
    let mut req = SignRequest::new(payload, signing_time);
    req.payload_content_type = str_field(sr, "payload_content_type")?.to_string();
    req.signing_scheme = str_field(sr, "signing_scheme")?
        .parse::<SigningScheme>()
        .map_err(|e| e.to_string())?;
    req.expiry = match sr.get("expiry").and_then(Value::as_str) {
        Some(s) => Some(timefmt::parse_rfc3339(s).map_err(|e| e.to_string())?),
        None => None,
    };
    req.signing_agent = sr
        .get("signing_agent")
        .and_then(Value::as_str)
        .map(str::to_string);
    for a in sr
        .get("extended_signed_attributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        req.extended_attributes.push(ExtendedAttribute {
            key: AttributeKey::Text(str_field(a, "key")?.to_string()),
            value: AttributeValue::Text(str_field(a, "value")?.to_string()),
            critical: a.get("critical").and_then(Value::as_bool).unwrap_or(false),
        });
    }
    Ok((spec, req))
}

/// A real signer of the vector's key spec: the vectors' keys were never published.
fn signer(spec: KeySpec, ctx: &Context<'_>) -> Result<notary_crypto::LocalSigner, String> {
    let generated = notary_crypto::generate_test_certificate("conformance", spec, ctx.now)
        .map_err(|e| e.to_string())?;
    notary_crypto::LocalSigner::from_pem(
        generated.key_pem.as_bytes(),
        generated.cert_pem.as_bytes(),
    )
    .map_err(|e| e.to_string())
}

pub fn encode_conformance(ctx: &Context<'_>, input: &Value) -> Result<Outcome, String> {
    let format = str_field(input, "format")?;
    let sr = input.get("sign_request").ok_or("no sign_request")?;
    let expected = input
        .get("expected")
        .ok_or("no expected vector in the input")?;
    let (spec, req) = request(sr)?;
    let signer = signer(spec, ctx)?;
    match format {
        "jws" => {
            let bytes = notary_envelope_jws::sign(&req, &signer).map_err(|e| e.to_string())?;
            let env: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            let protected = env
                .get("protected")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let payload = env
                .get("payload")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let agent = env
                .pointer("/header/io.cncf.notary.signingAgent")
                .and_then(Value::as_str);
            if protected != str_field(expected, "protected_b64url")? {
                return Ok(Outcome::fail(
                    "integrity",
                    format!("protected header differs: {protected}"),
                ));
            }
            if payload != str_field(expected, "payload_b64url")?
                || payload != URL_SAFE_NO_PAD.encode(&req.payload)
            {
                return Ok(Outcome::fail(
                    "integrity",
                    format!("payload differs: {payload}"),
                ));
            }
            if agent != expected.get("signing_agent").and_then(Value::as_str) {
                return Ok(Outcome::fail(
                    "integrity",
                    format!("signing agent differs: {agent:?}"),
                ));
            }
            Ok(Outcome::Pass)
        }
        "cose" => {
            let alg = spec.signature_algorithm();
            let protected = notary_envelope_cose::protected_header_bytes(&req, alg)
                .map_err(|e| e.to_string())?;
            if hex::encode(&protected) != str_field(expected, "protected_cbor_hex")? {
                return Ok(Outcome::fail(
                    "integrity",
                    format!("protected header differs: {}", hex::encode(&protected)),
                ));
            }
            let fixed = hex::decode(str_field(expected, "fixed_signature_hex")?)
                .map_err(|e| e.to_string())?;
            let unprotected = notary_envelope_cose::UnprotectedHeaders {
                certificate_chain: Vec::new(),
                timestamp_signature: None,
                signing_agent: req.signing_agent.clone(),
            };
            let sign1 =
                notary_envelope_cose::encode_sign1(&protected, &unprotected, &req.payload, &fixed);
            if hex::encode(&sign1) != str_field(expected, "sign1_cbor_hex")? {
                return Ok(Outcome::fail(
                    "integrity",
                    format!("COSE_Sign1 differs: {}", hex::encode(&sign1)),
                ));
            }
            // The real signing path must emit the same protected bytes.
            let signed = notary_envelope_cose::sign(&req, &signer).map_err(|e| e.to_string())?;
            let mut bstr_prefix = vec![0xd2, 0x84];
            bstr_prefix.extend(cbor_bstr_header(protected.len()));
            bstr_prefix.extend(&protected);
            if !signed.starts_with(&bstr_prefix) {
                return Ok(Outcome::fail(
                    "integrity",
                    "signed envelope's protected header differs from the vector",
                ));
            }
            Ok(Outcome::Pass)
        }
        other => Err(format!("unknown format {other:?}")),
    }
}

fn cbor_bstr_header(len: usize) -> Vec<u8> {
    match len {
        0..=23 => vec![0x40 | len as u8],
        24..=0xff => vec![0x58, len as u8],
        0x100..=0xffff => vec![0x59, (len >> 8) as u8, len as u8],
        _ => {
            let l = len as u32;
            vec![
                0x5a,
                (l >> 24) as u8,
                (l >> 16) as u8,
                (l >> 8) as u8,
                l as u8,
            ]
        }
    }
}
