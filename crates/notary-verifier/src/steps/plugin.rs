//! The verification-plugin gate (notation's plugin resolution, minimum version and
//! capabilities; unknown critical attributes fail closed without a plugin) and the
//! `verify-signature` exchange.

use std::collections::BTreeMap;

use notary_core::{Validation, VerificationError, VerifiedEnvelope, header};
use notary_trustpolicy::TrustPolicyStatement;

use crate::plugin::{SemVer, VerificationPlugin};

/// Most critical attribute names an error lists.
const MAX_NAMES_SHOWN: usize = 8;

/// A verification plugin a signature requires, resolved and gated.
pub(crate) struct ResolvedPlugin {
    name: String,
    pub(crate) identity: bool,
    pub(crate) revocation: bool,
    /// The extended attributes the plugin is given and must all report as processed.
    attributes: BTreeMap<String, serde_json::Value>,
}

/// An attribute value as plugin-request JSON, or `None` when JSON cannot carry it faithfully
/// (byte strings and other CBOR items, integers beyond 64 bits, malformed JSON text).
fn plugin_json_value(v: &notary_core::AttributeValue) -> Option<serde_json::Value> {
    use notary_core::AttributeValue;
    match v {
        AttributeValue::Text(t) => Some(serde_json::Value::String(t.clone())),
        AttributeValue::Int(i) => i64::try_from(*i)
            .map(serde_json::Value::from)
            .or_else(|_| u64::try_from(*i).map(serde_json::Value::from))
            .ok(),
        AttributeValue::Bool(b) => Some(serde_json::Value::Bool(*b)),
        AttributeValue::Json(j) => serde_json::from_str(j).ok(),
        _ => None,
    }
}

/// The extended attributes a verification plugin is given (every text-keyed one but the two
/// plugin headers, as notation). The plugin request can only name text keys with JSON values:
/// a critical attribute that cannot be represented there could never be reported as
/// processed, so it fails verification here (fail closed); a non-critical one is left out.
fn plugin_attributes(
    attrs: &notary_core::SignedAttributes,
) -> Result<BTreeMap<String, serde_json::Value>, VerificationError> {
    use notary_core::AttributeKey;
    let mut out = BTreeMap::new();
    for a in &attrs.extended_attributes {
        let key = match &a.key {
            AttributeKey::Text(k)
                if k == header::VERIFICATION_PLUGIN
                    || k == header::VERIFICATION_PLUGIN_MIN_VERSION =>
            {
                continue;
            }
            AttributeKey::Text(k) => k,
            other => {
                if a.critical {
                    return Err(plugin_failure(format!(
                        "the signature has the critical attribute with integer label {other}, which cannot be passed to a verification plugin"
                    )));
                }
                continue;
            }
        };
        match plugin_json_value(&a.value) {
            Some(v) => match out.entry(key.clone()) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(v);
                }
                std::collections::btree_map::Entry::Occupied(_) => {
                    return Err(plugin_failure(format!(
                        "the signature has the attribute {key:?} twice"
                    )));
                }
            },
            None if a.critical => {
                return Err(plugin_failure(format!(
                    "the critical attribute {key:?} has a value that cannot be passed to a verification plugin"
                )));
            }
            None => {}
        }
    }
    Ok(out)
}

fn plugin_failure(reason: impl Into<String>) -> VerificationError {
    VerificationError::failed(Validation::Plugin, reason)
}

/// What a signature's attributes ask of a verification plugin, checked without one: its name
/// and minimum version, and the attributes it is to be given.
struct PluginRequirements<'a> {
    name: &'a str,
    min: Option<(&'a str, SemVer)>,
    attributes: BTreeMap<String, serde_json::Value>,
}

/// The checks of the plugin gate that need no plugin: without a plugin named, unknown critical
/// attributes fail closed (spec); with one, its name and minimum version must be non-empty
/// critical strings (the version SemVer) and every critical attribute must be one a plugin
/// request can carry.
fn plugin_requirements(
    attrs: &notary_core::SignedAttributes,
) -> Result<Option<PluginRequirements<'_>>, VerificationError> {
    let Some(p) = attrs.extended(header::VERIFICATION_PLUGIN) else {
        // Names come from the envelope (any signer's): each shown bounded, and a few of them.
        let unknown = attrs.unprocessable_critical(MAX_NAMES_SHOWN);
        if !unknown.is_empty() {
            return Err(plugin_failure(format!(
                "the signature has critical attributes {unknown:?} that can only be processed by a verification plugin"
            )));
        }
        return Ok(None);
    };
    let name = p
        .value
        .as_text()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            plugin_failure(format!(
                "{} must be a non-empty string",
                header::VERIFICATION_PLUGIN
            ))
        })?;
    if !p.critical {
        return Err(plugin_failure(format!(
            "{} must be marked critical",
            header::VERIFICATION_PLUGIN
        )));
    }
    let min = match attrs.extended(header::VERIFICATION_PLUGIN_MIN_VERSION) {
        None => None,
        Some(m) => {
            let text = m
                .value
                .as_text()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    plugin_failure(format!(
                        "{} must be a non-empty string",
                        header::VERIFICATION_PLUGIN_MIN_VERSION
                    ))
                })?;
            if !m.critical {
                return Err(plugin_failure(format!(
                    "{} must be marked critical",
                    header::VERIFICATION_PLUGIN_MIN_VERSION
                )));
            }
            Some((
                text,
                SemVer::parse(text).ok_or_else(|| {
                    plugin_failure(format!(
                        "{:?} is not a valid SemVer version",
                        notary_core::shown(text)
                    ))
                })?,
            ))
        }
    };
    Ok(Some(PluginRequirements {
        name,
        min,
        attributes: plugin_attributes(attrs)?,
    }))
}

/// Checks `attrs` as the verifier's plugin gate does before it looks for a plugin, so that a
/// signer can refuse to produce an envelope every verification would refuse for its extended
/// attributes (critical ones with no verification plugin named, the plugin's name or minimum
/// version malformed or not critical, a critical attribute no plugin request can carry).
/// Whether the named plugin is installed, new enough and able is the verifier's to find out.
pub fn check_plugin_attributes(
    attrs: &notary_core::SignedAttributes,
) -> Result<(), VerificationError> {
    plugin_requirements(attrs).map(|_| ())
}

/// notation's plugin resolution: a signature naming a verification plugin needs that plugin,
/// installed, at least the minimum version the signature asks for, with a verifier
/// capability. Without a plugin, unknown critical attributes fail closed (spec).
pub(crate) fn plugin_gate(
    plugins: Option<&dyn VerificationPlugin>,
    envelope: &VerifiedEnvelope,
    config: &BTreeMap<String, String>,
) -> Result<Option<ResolvedPlugin>, VerificationError> {
    let attrs = &envelope.signer_info().signed_attributes;
    let Some(PluginRequirements {
        name,
        min,
        attributes,
    }) = plugin_requirements(attrs)?
    else {
        return Ok(None);
    };
    let host = plugins.ok_or_else(|| {
            plugin_failure(format!("the signature requires the verification plugin {:?}, and no plugin directory is configured", notary_core::shown(name)))
        })?;
    let meta = host
        .metadata_with_config(name, config)
        .map_err(|e| VerificationError::failed_with(Validation::Plugin, e.to_string(), e))?;
    let version = SemVer::parse(&meta.version).ok_or_else(|| {
        plugin_failure(format!(
            "plugin {name} has an invalid version {:?}",
            meta.version
        ))
    })?;
    if let Some((text, min)) = min
        && version < min
    {
        return Err(plugin_failure(format!(
            "found plugin {name} with version {} but signature verification needs plugin version greater than or equal to {}",
            meta.version,
            notary_core::shown(text)
        )));
    }
    use notary_plugin_api::capability::{VERIFIER_REVOCATION_CHECK, VERIFIER_TRUSTED_IDENTITY};
    let identity = meta
        .capabilities
        .iter()
        .any(|c| c == VERIFIER_TRUSTED_IDENTITY);
    let revocation = meta
        .capabilities
        .iter()
        .any(|c| c == VERIFIER_REVOCATION_CHECK);
    if !identity && !revocation {
        return Err(plugin_failure(format!(
            "plugin {name} has no verification capability"
        )));
    }
    Ok(Some(ResolvedPlugin {
        name: name.to_string(),
        identity,
        revocation,
        attributes,
    }))
}

/// Plugin `verify-signature`: the trusted-identity and revocation results it returns.
pub(crate) type PluginResults = (Option<Result<(), String>>, Option<Result<(), String>>);

pub(crate) fn run_plugin(
    host: &dyn VerificationPlugin,
    p: &ResolvedPlugin,
    statement: &TrustPolicyStatement,
    info: &notary_core::SignerInfo,
    revocation_skipped: bool,
    config: &BTreeMap<String, String>,
) -> Result<PluginResults, VerificationError> {
    use base64::Engine as _;
    use notary_plugin_api::capability::{VERIFIER_REVOCATION_CHECK, VERIFIER_TRUSTED_IDENTITY};
    let attrs = &info.signed_attributes;
    let mut caps = Vec::new();
    if p.identity {
        caps.push(VERIFIER_TRUSTED_IDENTITY.to_string());
    }
    if p.revocation && !revocation_skipped {
        caps.push(VERIFIER_REVOCATION_CHECK.to_string());
    }
    // notation-go calls no plugin when nothing is asked of it (a revocation-only plugin,
    // revocation skipped), and a plugin can be asked nothing else: a request without checks is
    // refused by the plugin framework (Go's and ours). Critical attributes, which must be
    // processed (spec), then fail here by name; non-critical ones are not the plugin's to claim.
    if caps.is_empty() {
        let critical: Vec<String> = attrs
            .extended_attributes
            .iter()
            .filter(|a| a.critical)
            .filter_map(|a| a.key.as_text())
            .filter(|k| {
                *k != header::VERIFICATION_PLUGIN && *k != header::VERIFICATION_PLUGIN_MIN_VERSION
            })
            .take(MAX_NAMES_SHOWN)
            .map(notary_core::shown)
            .collect();
        if critical.is_empty() {
            return Ok((None, None));
        }
        return Err(plugin_failure(format!(
            "the signature has critical attributes {critical:?} for the verification plugin {:?} to process, but the trust policy asks it for no check (its only capability, revocation checking, is skipped)",
            notary_core::shown(&p.name)
        )));
    }
    // Every attribute sent is "unprocessed" for the plugin to claim (see plugin_attributes).
    let extended = p.attributes.clone();
    let unprocessed: Vec<String> = extended.keys().cloned().collect();
    let time = |t: Option<time::OffsetDateTime>| {
        t.and_then(|t| notary_core::timefmt::format_rfc3339(t).ok())
    };
    let request = notary_plugin_api::VerifySignatureRequest {
        contract_version: notary_plugin_api::CONTRACT_VERSION.to_string(),
        signature: notary_plugin_api::SignatureInfo {
            critical_attributes: notary_plugin_api::CriticalAttributes {
                content_type: attrs.content_type.clone(),
                signing_scheme: attrs.signing_scheme.as_str().to_string(),
                expiry: time(attrs.expiry),
                authentic_signing_time: time(attrs.authentic_signing_time),
                extended_attributes: (!extended.is_empty()).then_some(extended),
            },
            unprocessed_attributes: unprocessed.clone(),
            certificate_chain: info
                .certificate_chain
                .iter()
                .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
                .collect(),
        },
        trust_policy: notary_plugin_api::TrustPolicyInfo {
            trusted_identities: statement.trusted_identity_strings.clone(),
            signature_verification: caps.clone(),
        },
        plugin_config: (!config.is_empty()).then(|| config.clone()),
    };
    let response = host
        .verify_signature(&p.name, &request)
        .map_err(|e| VerificationError::failed_with(Validation::Plugin, e.to_string(), e))?;
    let missing: Vec<&String> = unprocessed
        .iter()
        .filter(|a| !response.processed_attributes.contains(a))
        .collect();
    if !missing.is_empty() {
        return Err(plugin_failure(format!(
            "plugin {} did not process the attributes {missing:?}",
            p.name
        )));
    }
    let result_of = |cap: &str| -> Result<Option<Result<(), String>>, VerificationError> {
        if !caps.iter().any(|c| c == cap) {
            return Ok(None);
        }
        let r = response.verification_results.get(cap).ok_or_else(|| {
            plugin_failure(format!(
                "plugin {} returned no result for {cap}: verification is inconclusive",
                p.name
            ))
        })?;
        Ok(Some(if r.success {
            Ok(())
        } else {
            Err(r
                .reason
                .clone()
                .unwrap_or_else(|| format!("plugin {} reported {cap} failed", p.name)))
        }))
    };
    Ok((
        result_of(VERIFIER_TRUSTED_IDENTITY)?,
        result_of(VERIFIER_REVOCATION_CHECK)?,
    ))
}
