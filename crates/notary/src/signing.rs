use std::collections::BTreeMap;

use notary_core::{
    AsyncSigner, Descriptor, EnvelopeGenerator, EnvelopeMediaType, ExtendedAttribute, Payload,
    SignRequest, Signer, SigningScheme, VerifiedEnvelope, timefmt,
};
use time::{Duration, OffsetDateTime};

use notary_core::crypto::CryptoProvider;
use notary_verifier::UnverifiedEnvelope;
use notary_x509::X509Verifier;

use crate::error::Error;

/// Options of [`sign_artifact`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignOptions {
    /// Envelope format (`notation sign --signature-format`, default JWS).
    pub format: EnvelopeMediaType,
    /// Signing time; the clock is the caller's. Truncated to whole seconds.
    pub signing_time: OffsetDateTime,
    /// Signing scheme (default `notary.x509`).
    pub signing_scheme: SigningScheme,
    /// Expiry duration after the signing time (`--expiry`); whole seconds, not negative.
    pub expiry: Option<Duration>,
    /// User metadata added to the payload's annotations (`--user-metadata`).
    pub user_metadata: BTreeMap<String, String>,
    /// Extra signed attributes (e.g. verification-plugin headers).
    pub extended_attributes: Vec<ExtendedAttribute>,
    /// Signing agent recorded in the unprotected header.
    pub signing_agent: Option<String>,
    /// RFC 3161 timestamping of the signature (`notary.x509` only).
    pub timestamper: Option<std::sync::Arc<dyn crate::timestamp::Timestamper>>,
    /// The crypto backend that re-verifies what the signer returned.
    pub provider: CryptoProvider,
}

impl SignOptions {
    /// JWS, `notary.x509`, no expiry, no metadata, signing agent `notary-rs/<version>`.
    pub fn new(signing_time: OffsetDateTime) -> Self {
        Self {
            format: EnvelopeMediaType::Jws,
            signing_time,
            signing_scheme: SigningScheme::X509,
            expiry: None,
            user_metadata: BTreeMap::new(),
            extended_attributes: Vec::new(),
            signing_agent: Some(concat!("notary-rs/", env!("CARGO_PKG_VERSION")).to_string()),
            timestamper: None,
            provider: crate::default_provider(),
        }
    }
}

/// A signed envelope, already re-verified.
#[derive(Debug, Clone)]
pub struct SignedEnvelope {
    /// The envelope bytes.
    pub bytes: Vec<u8>,
    /// The verified view of the same bytes.
    pub envelope: VerifiedEnvelope,
    /// Annotations for the signature manifest supplied by the signer (envelope plugins).
    pub annotations: BTreeMap<String, String>,
}

impl SignedEnvelope {
    /// The envelope media type.
    pub fn media_type(&self) -> EnvelopeMediaType {
        self.envelope.media_type()
    }
}

/// Signs the artifact described by `target`: builds the Notary payload (sanitised descriptor +
/// user metadata), signs it in the chosen format and re-verifies the result, including the
/// certificate chain at the signing time.
pub fn sign_artifact(
    target: &Descriptor,
    signer: &dyn Signer,
    options: &SignOptions,
) -> Result<SignedEnvelope, Error> {
    let request = build_request(
        target,
        options,
        signer.envelope_generator().is_some(),
        signer.signing_agent_suffix(),
    )?;
    let signed = sign_envelope(options.format, &request, signer, &options.provider)?;
    add_timestamp(signed, options)
}

/// [`sign_artifact`] with a signer that may wait (a remote KMS), for async programs: the
/// signature is awaited, nothing blocks. The envelope is re-verified exactly as
/// [`sign_artifact`] does.
pub async fn sign_artifact_async<S: AsyncSigner + ?Sized>(
    target: &Descriptor,
    signer: &S,
    options: &SignOptions,
) -> Result<SignedEnvelope, Error> {
    let generator = AsyncSigner::envelope_generator(signer);
    let request = build_request(
        target,
        options,
        generator.is_some(),
        AsyncSigner::signing_agent_suffix(signer),
    )?;
    let signed = match generator {
        Some(g) => generate(options.format, &request, g, &options.provider)?,
        None => {
            let key_spec = signer.key_spec_async().await?;
            let bytes = match options.format {
                EnvelopeMediaType::Jws => {
                    let unsigned = notary_envelope_jws::prepare(&request, key_spec)?;
                    let raw = signer.sign_async(unsigned.signing_input()).await?;
                    unsigned.finish(raw)?
                }
                EnvelopeMediaType::Cose => {
                    let unsigned = notary_envelope_cose::prepare(&request, key_spec)?;
                    let raw = signer.sign_async(unsigned.signing_input()).await?;
                    unsigned.finish(raw)?
                }
            };
            check_signed(options.format, bytes, &request, &options.provider)?
        }
    };
    add_timestamp_async(signed, options).await
}

/// The sign request for `target` under `options` (payload, truncated signing time, expiry).
fn build_request(
    target: &Descriptor,
    options: &SignOptions,
    generates_envelopes: bool,
    agent_suffix: Option<String>,
) -> Result<SignRequest, Error> {
    if options.timestamper.is_some() && generates_envelopes {
        return Err(Error::InvalidSignOptions {
            reason: "an envelope-generating plugin timestamps its own signatures; a timestamp authority cannot be used with it".into(),
        });
    }
    let target = target
        .sanitized()
        .with_user_metadata(&options.user_metadata)?;
    let payload = Payload::new(target);
    let bytes = match options.format {
        EnvelopeMediaType::Jws => payload.to_jws_json()?,
        EnvelopeMediaType::Cose => payload.to_cose_json()?,
    };
    let signing_time = timefmt::truncate_to_seconds(options.signing_time);
    let expiry = match options.expiry {
        None => None,
        Some(d) if d.is_negative() || d.subsec_nanoseconds() != 0 => {
            return Err(Error::InvalidSignOptions {
                reason: format!(
                    "expiry duration {d} must be a non-negative whole number of seconds"
                ),
            });
        }
        Some(d) if d.is_zero() => None,
        Some(d) => Some(signing_time.checked_add(d).ok_or_else(|| {
            Error::InvalidSignOptions {
                reason: format!(
                    "expiry: the signing time plus the expiry duration {d} is after the year 9999"
                ),
            }
        })?),
    };
    let mut request = SignRequest::new(bytes, signing_time);
    request.signing_scheme = options.signing_scheme;
    request.expiry = expiry;
    request.extended_attributes = options.extended_attributes.clone();
    // A plugin's name and version follow the agent, as notation-go writes them.
    request.signing_agent = match (&options.signing_agent, agent_suffix) {
        (Some(agent), Some(suffix)) => Some(format!("{agent} {suffix}")),
        (agent, _) => agent.clone(),
    };
    Ok(request)
}

/// Adds the RFC 3161 countersignature `options` asks for, re-verifying the envelope.
fn add_timestamp(signed: SignedEnvelope, options: &SignOptions) -> Result<SignedEnvelope, Error> {
    match timestamp_request(&signed, options)? {
        None => Ok(signed),
        Some((t, signature, hash)) => {
            let token = t.timestamp(&signature, hash).map_err(Error::Timestamp)?;
            embed_timestamp(signed, token, options)
        }
    }
}

/// [`add_timestamp`] for the async path: the timestamp authority is a network round trip (up
/// to its timeout), so it is asked from a thread of its own and awaited, and the task's thread
/// is free meanwhile, whatever the executor.
async fn add_timestamp_async(
    signed: SignedEnvelope,
    options: &SignOptions,
) -> Result<SignedEnvelope, Error> {
    match timestamp_request(&signed, options)? {
        None => Ok(signed),
        Some((t, signature, hash)) => {
            let token = off_thread(move || t.timestamp(&signature, hash))
                .await
                .map_err(Error::Timestamp)?;
            embed_timestamp(signed, token, options)
        }
    }
}

/// What the TSA is asked for: the raw signature bytes, hashed as the signing key implies.
/// `None` without a timestamper.
#[expect(
    clippy::type_complexity,
    reason = "a private triple consumed right away by its two callers"
)]
fn timestamp_request(
    signed: &SignedEnvelope,
    options: &SignOptions,
) -> Result<
    Option<(
        std::sync::Arc<dyn crate::timestamp::Timestamper>,
        Vec<u8>,
        notary_core::DigestAlgorithm,
    )>,
    Error,
> {
    match &options.timestamper {
        None => Ok(None),
        Some(_) if options.signing_scheme != SigningScheme::X509 => {
            Err(Error::InvalidSignOptions {
                reason: "timestamping applies to the notary.x509 signing scheme only".into(),
            })
        }
        Some(t) => {
            let info = signed.envelope.signer_info();
            Ok(Some((
                t.clone(),
                info.signature.clone(),
                info.signature_algorithm.hash_algorithm(),
            )))
        }
    }
}

/// Puts `token` in the envelope's unsigned header and verifies the result again.
fn embed_timestamp(
    signed: SignedEnvelope,
    token: Vec<u8>,
    options: &SignOptions,
) -> Result<SignedEnvelope, Error> {
    let x509 = X509Verifier::new(options.provider);
    let mut env = UnverifiedEnvelope::parse(options.format, &signed.bytes)?;
    env.set_timestamp_signature(token);
    let bytes = env.to_bytes();
    let envelope = UnverifiedEnvelope::parse(options.format, &bytes)?.verify_integrity(&x509)?;
    Ok(SignedEnvelope {
        bytes,
        envelope,
        annotations: signed.annotations,
    })
}

/// Runs `f` on a thread of its own and resolves when it returns, so an async caller's thread
/// is not held by a call that waits on the network; it needs no particular executor. Where no
/// thread can be started, `f` runs in line. A panic in `f` resumes in the caller.
async fn off_thread<T, F>(f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    use std::sync::{Arc, Mutex, PoisonError};
    use std::task::{Poll, Waker};

    struct Shared<T, F> {
        job: Option<F>,
        result: Option<std::thread::Result<T>>,
        waker: Option<Waker>,
    }
    let shared = Arc::new(Mutex::new(Shared {
        job: Some(f),
        result: None,
        waker: None,
    }));
    let theirs = Arc::clone(&shared);
    // The request's events stay in the caller's span.
    let span = tracing::Span::current();
    let spawned = std::thread::Builder::new()
        .name("notary-timestamp".into())
        .spawn(move || {
            let _entered = span.enter();
            let job = theirs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .job
                .take();
            let Some(job) = job else { return };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            let mut s = theirs.lock().unwrap_or_else(PoisonError::into_inner);
            s.result = Some(result);
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        });
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "no thread for the timestamp request: asked in line");
        let job = shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .job
            .take();
        if let Some(job) = job {
            return job();
        }
    }
    let result = std::future::poll_fn(|cx| {
        let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
        match s.result.take() {
            Some(r) => Poll::Ready(r),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await;
    match result {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Signs `request` in `format` and re-verifies the envelope (signature, header rules, and the
/// certificate chain valid at the signing time) before returning it.
///
/// A signer with an [`notary_core::EnvelopeGenerator`] builds the whole envelope itself; the
/// result must then be of `format`, verify with its own leaf key, carry a v1 payload whose
/// target artifact is the one asked for (same media type, digest, size, every original
/// annotation kept), and have a chain valid at its own signing time.
pub fn sign_envelope(
    format: EnvelopeMediaType,
    request: &SignRequest,
    signer: &dyn Signer,
    provider: &CryptoProvider,
) -> Result<SignedEnvelope, Error> {
    if let Some(generator) = signer.envelope_generator() {
        return generate(format, request, generator, provider);
    }
    let bytes = match format {
        EnvelopeMediaType::Jws => notary_envelope_jws::sign(request, signer)?,
        EnvelopeMediaType::Cose => notary_envelope_cose::sign(request, signer)?,
    };
    check_signed(format, bytes, request, provider)
}

/// Has `generator` build the whole envelope, then checks it (see [`check_generated_envelope`]).
fn generate(
    format: EnvelopeMediaType,
    request: &SignRequest,
    generator: &dyn EnvelopeGenerator,
    provider: &CryptoProvider,
) -> Result<SignedEnvelope, Error> {
    {
        let expiry = match request.expiry {
            None => None,
            Some(e) => Some(
                u64::try_from(
                    e.unix_timestamp()
                        .saturating_sub(request.signing_time.unix_timestamp()),
                )
                .map_err(|_| Error::InvalidSignOptions {
                    reason: "expiry is before the signing time".into(),
                })?,
            ),
        };
        let generated = generator.generate_envelope(format, &request.payload, expiry)?;
        let envelope =
            check_generated_envelope(format, &request.payload, &generated.envelope, provider)?;
        Ok(SignedEnvelope {
            bytes: generated.envelope,
            envelope,
            annotations: generated.annotations,
        })
    }
}

/// Re-verifies a freshly signed envelope: signature, header rules and the chain at the signing
/// time.
fn check_signed(
    format: EnvelopeMediaType,
    bytes: Vec<u8>,
    request: &SignRequest,
    provider: &CryptoProvider,
) -> Result<SignedEnvelope, Error> {
    let x509 = X509Verifier::new(*provider);
    let (envelope, chain) =
        UnverifiedEnvelope::parse(format, &bytes)?.verify_integrity_with_chain(&x509)?;
    if let Some(reason) = unverifiable_attributes(&envelope.signer_info().signed_attributes) {
        return Err(Error::InvalidSignOptions {
            reason: format!("no verification would accept the envelope: {reason}"),
        });
    }
    x509.validate_code_signing_chain(&chain, Some(request.signing_time))?;
    Ok(SignedEnvelope {
        bytes,
        envelope,
        annotations: BTreeMap::new(),
    })
}

/// Why every verification would refuse an envelope with these signed attributes, by the
/// verifier's own plugin gate (`notary_verifier::plugin::check_plugin_attributes`): critical
/// extended attributes with no verification plugin named, the plugin's name or minimum
/// version malformed or not critical (the spec makes both critical), a critical attribute no
/// plugin request can carry. Signing functions return no such envelope.
fn unverifiable_attributes(attributes: &notary_core::SignedAttributes) -> Option<String> {
    notary_verifier::plugin::check_plugin_attributes(attributes)
        .err()
        .map(|e| match e {
            notary_core::VerificationError::Failed { reason, .. } => reason,
            other => other.to_string(),
        })
}

/// Members of a signed payload beyond `targetArtifact` and, inside it, beyond the members of an
/// OCI descriptor (notation-go's `areUnknownAttributesAdded`), each shown bounded.
fn added_payload_members(payload: &[u8]) -> Vec<String> {
    let Ok(serde_json::Value::Object(top)) = serde_json::from_slice::<serde_json::Value>(payload)
    else {
        return Vec::new(); // decode_payload has refused it already
    };
    let mut added: Vec<String> = top
        .keys()
        .filter(|k| *k != "targetArtifact")
        .map(|k| notary_core::shown(k))
        .collect();
    if let Some(serde_json::Value::Object(target)) = top.get("targetArtifact") {
        added.extend(
            target
                .keys()
                .filter(|k| !notary_core::DESCRIPTOR_MEMBERS.contains(&k.as_str()))
                .map(|k| notary_core::shown(k)),
        );
    }
    added.truncate(16);
    added
}

/// Checks an envelope produced by an envelope generator for `requested_payload` (see
/// [`sign_envelope`]) and returns its verified view.
pub fn check_generated_envelope(
    format: EnvelopeMediaType,
    requested_payload: &[u8],
    bytes: &[u8],
    provider: &CryptoProvider,
) -> Result<VerifiedEnvelope, Error> {
    let x509 = X509Verifier::new(*provider);
    let (envelope, chain) =
        UnverifiedEnvelope::parse(format, bytes)?.verify_integrity_with_chain(&x509)?;
    let invalid = |reason: String| {
        Error::Core(notary_core::Error::InvalidPayload {
            reason: format!("the generated envelope {reason}"),
        })
    };
    let asked = Payload::from_slice(requested_payload)?.target_artifact;
    let got = envelope.decode_payload()?.target_artifact;
    // As notation-go: the generator may not add members to the payload or to the subject
    // descriptor beyond those of an OCI descriptor, which a verifier would never look at.
    let added = added_payload_members(envelope.payload());
    if !added.is_empty() {
        return Err(invalid(format!(
            "adds unknown attributes to the subject descriptor: {added:?}"
        )));
    }
    if got.media_type != asked.media_type || got.digest != asked.digest || got.size != asked.size {
        return Err(invalid(format!(
            "signs {} {} ({} bytes), not the requested {} {} ({} bytes)",
            got.media_type, got.digest, got.size, asked.media_type, asked.digest, asked.size
        )));
    }
    let got_annotations = got.annotations.unwrap_or_default();
    for (k, v) in asked.annotations.iter().flatten() {
        if got_annotations.get(k) != Some(v) {
            return Err(invalid(format!(
                "drops or changes the target annotation {k:?}"
            )));
        }
    }
    let info = envelope.signer_info();
    if let Some(reason) = unverifiable_attributes(&info.signed_attributes) {
        return Err(invalid(format!(
            "would be refused by every verification: {reason}"
        )));
    }
    // The plugin spec has the host check a generated envelope's timestamp countersignature.
    // With no TSA root to verify it against here, it must at least be a token over this
    // envelope's signature (a verifier with a tsa store would refuse anything else).
    if let Some(token) = &info.unsigned_attributes.timestamp_signature {
        notary_timestamp::TimestampToken::parse(token)
            .and_then(|t| t.check_imprint(provider, &info.signature))
            .map_err(|e| {
                invalid(format!(
                    "has a timestamp countersignature that is not a token over its signature: {e}"
                ))
            })?;
    }
    let time = info
        .signed_attributes
        .signing_time
        .or(info.signed_attributes.authentic_signing_time);
    x509.validate_code_signing_chain(&chain, time)?;
    Ok(envelope)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What every test here signs with: an EC P-256 test chain valid now, a manifest target
    /// and its v1 payload, the aws-lc-rs provider.
    struct Fixture {
        now: time::OffsetDateTime,
        signer: notary_crypto::LocalSigner,
        target: Descriptor,
        payload: Vec<u8>,
        provider: CryptoProvider,
    }

    fn fixture() -> Fixture {
        let now = time::OffsetDateTime::now_utc();
        let chain = notary_crypto::pki::ChainBuilder::new(notary_core::KeySpec::EcP256, now)
            .build()
            .unwrap();
        let target = Descriptor::for_content("application/vnd.oci.image.manifest.v1+json", b"m");
        Fixture {
            now,
            signer: chain.signer().unwrap(),
            payload: Payload::new(target.clone()).to_jws_json().unwrap(),
            target,
            provider: notary_provider_aws_lc_rs::provider(),
        }
    }

    #[test]
    fn a_generated_envelope_may_not_add_payload_members() {
        let Fixture {
            now,
            signer,
            target,
            payload: asked,
            provider,
        } = fixture();
        let target_json = serde_json::to_value(&target).unwrap();
        for (payload, added) in [
            (
                serde_json::json!({"targetArtifact": target_json.clone(), "evil": "x"}),
                "evil",
            ),
            (
                {
                    let mut t = target_json.clone();
                    t["extra"] = serde_json::json!({"a": 1});
                    serde_json::json!({ "targetArtifact": t })
                },
                "extra",
            ),
        ] {
            let request = SignRequest::new(serde_json::to_vec(&payload).unwrap(), now);
            let bytes = notary_envelope_jws::sign(&request, &signer).unwrap();
            let e = check_generated_envelope(EnvelopeMediaType::Jws, &asked, &bytes, &provider)
                .unwrap_err();
            assert!(
                e.to_string().contains("adds unknown attributes") && e.to_string().contains(added),
                "{e}"
            );
        }
        // The descriptor's own optional members are fine.
        let mut t = target_json;
        t["urls"] = serde_json::json!(["https://example.test"]);
        let request = SignRequest::new(
            serde_json::to_vec(&serde_json::json!({ "targetArtifact": t })).unwrap(),
            now,
        );
        let bytes = notary_envelope_jws::sign(&request, &signer).unwrap();
        assert!(
            check_generated_envelope(EnvelopeMediaType::Jws, &asked, &bytes, &provider).is_ok()
        );
    }

    #[test]
    fn a_generated_envelope_with_critical_attributes_must_name_a_verification_plugin() {
        use notary_core::{AttributeKey, AttributeValue, ExtendedAttribute};
        let Fixture {
            now,
            signer,
            payload: asked,
            provider,
            ..
        } = fixture();
        let attr = |key: &str, value: &str, critical| ExtendedAttribute {
            key: AttributeKey::Text(key.into()),
            value: AttributeValue::Text(value.into()),
            critical,
        };
        let sign = |attrs: Vec<ExtendedAttribute>| {
            let mut request = SignRequest::new(asked.clone(), now);
            request.extended_attributes = attrs;
            notary_envelope_jws::sign(&request, &signer).unwrap()
        };
        let check = |bytes: &[u8]| {
            check_generated_envelope(EnvelopeMediaType::Jws, &asked, bytes, &provider)
        };
        let e = check(&sign(vec![attr("x.custom.attr", "v", true)])).unwrap_err();
        assert!(
            e.to_string()
                .contains("can only be processed by a verification plugin"),
            "{e}"
        );
        // Not critical, or with a plugin to process it: what a verifier can accept.
        assert!(check(&sign(vec![attr("x.custom.attr", "v", false)])).is_ok());
        assert!(
            check(&sign(vec![
                attr("x.custom.attr", "v", true),
                attr(notary_core::header::VERIFICATION_PLUGIN, "vp", true),
            ]))
            .is_ok()
        );
        // The plugin's name or minimum version not critical: refused by every verifier.
        let e = check(&sign(vec![attr(
            notary_core::header::VERIFICATION_PLUGIN,
            "vp",
            false,
        )]))
        .unwrap_err();
        assert!(e.to_string().contains("must be marked critical"), "{e}");
    }

    #[test]
    fn a_generated_envelopes_timestamp_must_be_a_token_over_its_signature() {
        let Fixture {
            now,
            signer,
            payload: asked,
            provider,
            ..
        } = fixture();
        let bytes =
            notary_envelope_jws::sign(&SignRequest::new(asked.clone(), now), &signer).unwrap();
        let with_token = |token: &[u8]| {
            use base64::Engine as _;
            let mut env: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            env["header"]["io.cncf.notary.timestampSignature"] =
                base64::engine::general_purpose::STANDARD
                    .encode(token)
                    .into();
            serde_json::to_vec(&env).unwrap()
        };
        let check = |envelope: &[u8]| {
            check_generated_envelope(EnvelopeMediaType::Jws, &asked, envelope, &provider)
        };
        assert!(check(&bytes).is_ok());
        // Not a token, or a token over other bytes (notation-core-go's test token).
        let real = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../notary-timestamp/testdata/TimeStampTokenWithInvalidSignature.p7s"
        ))
        .unwrap();
        assert!(notary_timestamp::TimestampToken::parse(&real).is_ok());
        for token in [&b"garbage"[..], &real] {
            let e = check(&with_token(token)).unwrap_err();
            assert!(e.to_string().contains("timestamp countersignature"), "{e}");
        }
    }

    #[test]
    fn a_local_signer_returns_no_envelope_a_verifier_would_refuse_for_its_attributes() {
        use notary_core::header::{VERIFICATION_PLUGIN, VERIFICATION_PLUGIN_MIN_VERSION};
        use notary_core::{AttributeKey, AttributeValue, ExtendedAttribute};
        let Fixture {
            now,
            signer,
            payload,
            provider,
            ..
        } = fixture();
        let attr = |key: &str, critical| ExtendedAttribute {
            key: AttributeKey::Text(key.into()),
            value: AttributeValue::Text("1.0.0".into()),
            critical,
        };
        let sign = |format, attrs: Vec<ExtendedAttribute>| {
            let mut request = SignRequest::new(payload.clone(), now);
            request.extended_attributes = attrs;
            sign_envelope(format, &request, &signer, &provider)
        };
        for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
            for (attrs, why) in [
                (
                    vec![attr(VERIFICATION_PLUGIN, false)],
                    "must be marked critical",
                ),
                (
                    vec![
                        attr(VERIFICATION_PLUGIN, true),
                        attr(VERIFICATION_PLUGIN_MIN_VERSION, false),
                    ],
                    "must be marked critical",
                ),
                // A minimum version that is no SemVer: every verifier refuses it too.
                (
                    vec![
                        attr(VERIFICATION_PLUGIN, true),
                        ExtendedAttribute {
                            key: AttributeKey::Text(VERIFICATION_PLUGIN_MIN_VERSION.into()),
                            value: AttributeValue::Text("one".into()),
                            critical: true,
                        },
                    ],
                    "is not a valid SemVer version",
                ),
                (
                    vec![attr("x.custom.attr", true)],
                    "can only be processed by a verification plugin",
                ),
            ] {
                let e = sign(format, attrs).unwrap_err();
                assert!(
                    matches!(&e, Error::InvalidSignOptions { reason } if reason.contains(why)),
                    "{format:?}: {e}"
                );
            }
            // A minimum version alone, not critical, with no plugin named: the verifier
            // accepts it (it reads the minimum only beside a plugin), so signing does too.
            assert!(
                sign(format, vec![attr(VERIFICATION_PLUGIN_MIN_VERSION, false)]).is_ok(),
                "{format:?}"
            );
            assert!(
                sign(
                    format,
                    vec![
                        attr(VERIFICATION_PLUGIN, true),
                        attr(VERIFICATION_PLUGIN_MIN_VERSION, true),
                        attr("x.custom.attr", true),
                    ]
                )
                .is_ok(),
                "{format:?}"
            );
        }
    }
}
