//! Envelopes made by the envelope encoders themselves, for tests of what a verifier refuses.

use notary::{Descriptor, EnvelopeMediaType};
use notary_core::{ExtendedAttribute, Payload, SignRequest};
use notary_crypto::pki::TestChain;

/// An envelope over `target` signed at `at` with `attrs`: the signing functions refuse
/// envelopes every verification would refuse for their extended attributes, and tests need
/// such envelopes to check that the verifier refuses them too.
pub fn sign_refused_by_signers(
    chain: &TestChain,
    format: EnvelopeMediaType,
    target: Descriptor,
    at: time::OffsetDateTime,
    attrs: Vec<ExtendedAttribute>,
) -> Vec<u8> {
    let payload = Payload::new(target).to_jws_json().unwrap();
    let mut request = SignRequest::new(payload, at);
    request.extended_attributes = attrs;
    let signer = chain.signer().unwrap();
    match format {
        EnvelopeMediaType::Jws => notary_envelope_jws::sign(&request, &signer).unwrap(),
        _ => notary_envelope_cose::sign(&request, &signer).unwrap(),
    }
}
