//! The verifier's `tracing` events: one span per verification naming the policy and level, and
//! one event per validation with its result (passed, logged, skipped or failed, with the reason).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use notary_core::{Descriptor, EnvelopeMediaType, KeySpec, Payload, SignRequest, Signer as _};
use notary_core::{Verifier, VerifyRequest};
use notary_crypto::pki::{ChainBuilder, TestChain};
use notary_trustpolicy::{OciTrustPolicy, TrustStoreType};
use notary_verifier::NotaryVerifier;
use notary_verifier::truststore::MemoryTrustStore;
use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const NOW: OffsetDateTime = time::macros::datetime!(2026-06-01 12:00 UTC);
const SCOPE: &str = "registry.example/app";

/// Records each event as `LEVEL [span fields] event fields`, one string per event.
#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    spans: Mutex<Vec<(u64, String)>>,
    current: Mutex<Vec<u64>>,
    events: Arc<Mutex<Vec<String>>>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut f = Fields(span.metadata().name().to_string());
        span.record(&mut f);
        self.spans.lock().unwrap().push((id, f.0));
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let span = self
            .current
            .lock()
            .unwrap()
            .last()
            .and_then(|id| {
                let spans = self.spans.lock().unwrap();
                spans.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone())
            })
            .unwrap_or_default();
        let mut f = Fields(String::new());
        event.record(&mut f);
        self.events
            .lock()
            .unwrap()
            .push(format!("{} [{span}]{}", event.metadata().level(), f.0));
    }
    fn enter(&self, id: &Id) {
        self.current.lock().unwrap().push(id.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.current.lock().unwrap().pop();
    }
}

fn artifact() -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
            .parse()
            .unwrap(),
        942,
    )
}

fn sign(chain: &TestChain) -> Vec<u8> {
    let signer = chain.signer().unwrap();
    let bytes = Payload::new(artifact()).to_jws_json().unwrap();
    let request = SignRequest::new(bytes, NOW);
    let u = notary_envelope_jws::prepare(&request, signer.key_spec().unwrap()).unwrap();
    let raw = signer.sign(u.signing_input()).unwrap();
    u.finish(raw).unwrap()
}

fn verifier(root: &[u8], level: &str) -> NotaryVerifier {
    let provider = notary_provider_aws_lc_rs::provider();
    let mut store = MemoryTrustStore::new(provider);
    store
        .add(
            TrustStoreType::Ca,
            "acme",
            vec![notary_x509::Certificate::from_der(root).unwrap()],
        )
        .unwrap();
    // A skip statement may name no trust store.
    let trust = if level == "skip" {
        ""
    } else {
        r#","trustStores":["ca:acme"],"trustedIdentities":["*"]"#
    };
    let policy = OciTrustPolicy::from_json(
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"app","registryScopes":["{SCOPE}"],
            "signatureVerification":{{"level":"{level}"}}{trust}}}]}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    NotaryVerifier::new(provider, Arc::new(store)).with_oci_policy(policy)
}

/// The events of one verification.
fn events_of(v: &NotaryVerifier, envelope: &[u8]) -> Vec<String> {
    let recorder = Recorder::default();
    let events = recorder.events.clone();
    tracing::subscriber::with_default(recorder, || {
        let _ = v.verify(VerifyRequest::oci(
            envelope,
            EnvelopeMediaType::Jws,
            SCOPE,
            &artifact(),
            NOW,
        ));
    });
    events.lock().unwrap().clone()
}

#[test]
fn each_validation_is_an_event_in_the_policy_span() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let other = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let env = sign(&chain);
    let span = r#"[verify policy="app" level="strict" envelope="application/jose+json"]"#;

    let events = events_of(&verifier(chain.root(), "strict"), &env);
    // Each check after integrity is announced at DEBUG in notation's words ("Validating ...").
    let expected: Vec<String> = [
        (None, "integrity"),
        (Some("cert chain"), "authenticity"),
        (Some("trust identity"), "trusted_identity"),
        (Some("expiry"), "expiry"),
        (Some("authentic timestamp"), "authentic_timestamp"),
        (Some("revocation"), "revocation"),
        (None, "target_mismatch"),
    ]
    .iter()
    .flat_map(|(announced, v)| {
        announced
            .map(|a| format!("DEBUG {span} message=Validating {a}"))
            .into_iter()
            .chain([format!(
                r#"INFO {span} message=validation passed validation="{v}" result="passed""#
            )])
    })
    .chain([format!(
        r#"INFO {span} message=signature verified outcome="verified""#
    )])
    .collect();
    assert_eq!(events, expected);

    // Enforced: the failure and its reason in notation's words, then nothing more.
    let events = events_of(&verifier(other.root(), "strict"), &env);
    let last = events.last().unwrap();
    assert!(
        last.starts_with(&format!(
            "ERROR {span} message=authenticity validation failed. Failure reason: "
        )) && last.ends_with(r#" validation="authenticity" result="failed""#),
        "{events:#?}"
    );
    assert_eq!(events.len(), 3, "{events:#?}");

    // Audit: the failure is logged with its reason and verification goes on.
    let audit = span.replace("strict", "audit");
    let events = events_of(&verifier(other.root(), "audit"), &env);
    assert!(
        events.iter().any(|e| e.starts_with(&format!(
            "WARN {audit} message=authenticity validation failed with validation action set to \"logged\". Failure reason: "
        )) && e.ends_with(r#" validation="authenticity" result="logged""#)),
        "{events:#?}"
    );
    assert_eq!(
        events.last().unwrap(),
        &format!(r#"INFO {audit} message=signature verified outcome="verified""#)
    );
}

#[test]
fn a_skip_policy_is_one_event() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW).build().unwrap();
    let events = events_of(&verifier(chain.root(), "skip"), b"not even an envelope");
    assert_eq!(
        events,
        vec![
            r#"INFO [verify policy="app" level="skip" envelope="application/jose+json"] message=trust policy level is skip outcome="skipped""#
                .to_string()
        ]
    );
}
