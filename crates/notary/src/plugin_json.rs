//! Plugin responses decoded as notation-go decodes them with `encoding/json`: a member name
//! matches a field in any case (Go's folding), the last of two members that match wins, a
//! `null` member leaves its field empty, and a missing one reads as empty (the response types
//! default every field). The host then checks what it read, as notation-go does: an empty key
//! id, signature or certificate chain is refused there, by name.
//!
//! Plugins are other programs, often written without Go's field tags in mind (a Go struct
//! marshalled without tags writes `KeyID`, `Signature`), so reading them as notation does
//! matters more here than in a signed document, where case variants are refused.

use std::fmt;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The member names of the response struct `T` as the protocol spells them (its serde field
/// names), read from its `Deserialize` implementation; empty for a type that is no struct.
fn fields_of<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    /// A deserializer that only records the field names a struct asks for.
    struct Probe<'a>(&'a mut &'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// How an object's member names are read.
#[derive(Clone, Copy)]
enum Shape {
    /// A Go struct with these fields: names matched to them in any case; other members are
    /// skipped unread and `null` members are no-ops.
    Struct(&'static [&'static str]),
    /// A Go map of structs with these fields (`verificationResults`): names are data, values
    /// are results.
    MapOfStructs(&'static [&'static str]),
    /// A Go map (`annotations`, `errorMetadata`): names and values are data.
    Map,
}

impl Shape {
    /// The shape of the value of member `field` of a struct: a response's maps, else a value
    /// whose objects (in a member of the wrong type) have no fields.
    fn member(field: &str) -> Shape {
        match field {
            "verificationResults" => {
                Shape::MapOfStructs(fields_of::<notary_plugin_api::VerificationResult>())
            }
            "annotations" | "errorMetadata" => Shape::Map,
            _ => Shape::Struct(&[]),
        }
    }
}

/// The field of `fields` member `name` is read into: itself when exact, else the one Go would
/// decode it into (names match in any case), else none (an unknown member).
fn field_name(name: &str, fields: &[&'static str]) -> Option<&'static str> {
    if let Some(f) = fields.iter().find(|f| **f == name) {
        return Some(f);
    }
    fields
        .iter()
        .find(|f| notary_core::json::go_name_matches(name, f))
        .copied()
}

struct Seed(Shape);

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Seed(self.0))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.0 {
                Shape::Struct(fields) => {
                    let Some(field) = field_name(&key, fields) else {
                        // A member the struct has no field for is skipped unbuilt, as Go
                        // skips it: serde_json skips a value without recursion, so one nested
                        // past the 128 levels a built value may have does not fail the
                        // response (Go's own cap, 10,000 levels, is checked on the whole text
                        // first).
                        map.next_value::<serde::de::IgnoredAny>()?;
                        continue;
                    };
                    let value = map.next_value_seed(Seed(Shape::member(field)))?;
                    // Go leaves a field as it was for `null` and overwrites it for any other
                    // value, member after member.
                    if !value.is_null() {
                        out.insert(field.to_string(), value);
                    }
                }
                Shape::MapOfStructs(fields) => {
                    let value = map.next_value_seed(Seed(Shape::Struct(fields)))?;
                    if !matches!(value, Value::Object(_) | Value::Null) {
                        return Err(serde::de::Error::custom(format!(
                            "{:?} must be an object",
                            notary_core::shown(&key)
                        )));
                    }
                    out.insert(key, value);
                }
                Shape::Map => {
                    let value = map.next_value_seed(Seed(Shape::Map))?;
                    out.insert(key, value);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Decodes a plugin's response (stdout) or error body (stderr) as [`crate::plugin::PluginHost`]
/// reads it, with notation-go's decoding rules: one JSON object; member names matched to the
/// fields of `T` (a protocol response struct) in any case, other members skipped unread; the
/// last of two repeated members wins; a `null` or missing member reads as empty. Map
/// members (`annotations`, `errorMetadata`, the keys of `verificationResults`) keep their keys
/// as sent.
///
/// ```
/// use notary::plugin::decode_response;
/// use notary_plugin_api::DescribeKeyResponse;
/// let r: DescribeKeyResponse = decode_response(br#"{"KeyID":"k","KeySpec":"EC-256"}"#).unwrap();
/// assert_eq!((r.key_id.as_str(), r.key_spec.as_str()), ("k", "EC-256"));
/// assert!(decode_response::<DescribeKeyResponse>(br#"["k","EC-256"]"#).is_err());
/// ```
pub fn decode_response<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let text = go_lossy_utf8(bytes);
    let text = go_lone_surrogates(&text);
    // Unknown members are skipped at any depth below; Go's scanner refuses a document nested
    // deeper than this anywhere.
    if nesting_exceeds(&text, GO_MAX_NESTING) {
        return Err(serde::de::Error::custom("exceeded max depth"));
    }
    let mut de = serde_json::Deserializer::from_str(&text);
    let value = Seed(Shape::Struct(fields_of::<T>())).deserialize(&mut de)?;
    de.end()?;
    // serde would take an array for a struct, field by field; Go refuses it.
    if !value.is_object() {
        return Err(serde::de::Error::custom(
            "the response is not a JSON object",
        ));
    }
    serde_json::from_value(value)
}

/// The deepest nesting of arrays and objects Go's encoding/json accepts (`maxNestingDepth`).
const GO_MAX_NESTING: usize = 10_000;

/// Whether arrays and objects in `text` nest deeper than `max` (brackets in strings are text).
fn nesting_exceeds(text: &str, max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for c in text.bytes() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// `bytes` as Go's encoding/json reads a document: each byte of an invalid UTF-8 sequence
/// becomes U+FFFD. notation accepts a response with such bytes in a string (a description, an
/// unknown member, an annotation); outside a string they stay a syntax error, as in Go.
fn go_lossy_utf8(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len().saturating_add(16));
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        // One replacement per byte (Go's utf8.DecodeRune width), not per maximal subpart.
        out.extend(chunk.invalid().iter().map(|_| char::REPLACEMENT_CHARACTER));
    }
    std::borrow::Cow::Owned(out)
}

/// The value of the four hex digits at `at`, if there are four.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at.checked_add(4)?)?;
    let digits = std::str::from_utf8(digits).ok()?;
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// `text` with each `\u` escape of a lone UTF-16 surrogate in a string replaced by
/// `\ufffd`, as Go's encoding/json decodes it (serde_json refuses it). A high surrogate
/// followed by a low one is a pair and stays.
fn go_lone_surrogates(text: &str) -> std::borrow::Cow<'_, str> {
    const HIGH: std::ops::Range<u32> = 0xD800..0xDC00;
    const LOW: std::ops::Range<u32> = 0xDC00..0xE000;
    const REPLACEMENT: &str = "\\ufffd";
    let b = text.as_bytes();
    let mut out = String::new();
    let (mut last, mut i, mut in_string) = (0usize, 0usize, false);
    while let Some(&c) = b.get(i) {
        // Offsets from `i`; a JSON text never comes near usize::MAX.
        let at = |n: usize| i.saturating_add(n);
        let step = match c {
            b'"' => {
                in_string = !in_string;
                1
            }
            b'\\' if in_string => {
                let unit = (b.get(at(1)) == Some(&b'u'))
                    .then(|| hex4(b, at(2)))
                    .flatten();
                let lone = match unit {
                    Some(hi) if HIGH.contains(&hi) => {
                        let paired = b.get(at(6)..at(8)) == Some(b"\\u".as_slice())
                            && hex4(b, at(8)).is_some_and(|lo| LOW.contains(&lo));
                        !paired
                    }
                    Some(lo) => LOW.contains(&lo),
                    None => false,
                };
                if lone {
                    out.push_str(text.get(last..i).unwrap_or_default());
                    out.push_str(REPLACEMENT);
                    last = at(6);
                }
                match unit {
                    // A pair is consumed whole, so its low half is not seen as lone.
                    Some(hi) if HIGH.contains(&hi) && !lone => 12,
                    Some(_) => 6,
                    // Any other escape is two bytes; a malformed one is the parser's to refuse.
                    None => 2,
                }
            }
            _ => 1,
        };
        i = at(step);
    }
    if last == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(text.get(last..).unwrap_or_default());
    std::borrow::Cow::Owned(out)
}

/// A `[]byte` member as Go's encoding/json decodes it (`base64.StdEncoding`): CR and LF are
/// skipped (a plugin may wrap its output) and the unused bits of the last character are not
/// checked.
pub(crate) fn go_base64(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    if s.contains(['\r', '\n']) {
        GO_STD.decode(s.replace(['\r', '\n'], ""))
    } else {
        GO_STD.decode(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notary_plugin_api::{
        DescribeKeyResponse, GenerateEnvelopeResponse, GenerateSignatureResponse,
        GetMetadataResponse, PluginError, VerifySignatureResponse,
    };

    /// The protocol's value names, as the SDK's constants spell them, are notary-core's.
    #[test]
    fn plugin_api_constants_are_the_core_names() {
        use notary_core::{DigestAlgorithm, KeySpec, SignatureAlgorithm};
        use notary_plugin_api::{hash_algorithm, key_spec, signing_algorithm};
        let specs = [
            key_spec::RSA_2048,
            key_spec::RSA_3072,
            key_spec::RSA_4096,
            key_spec::EC_256,
            key_spec::EC_384,
            key_spec::EC_521,
        ];
        for name in specs {
            assert_eq!(KeySpec::from_name(name).unwrap().name(), name);
        }
        assert_eq!(specs.len(), KeySpec::ALL.len());
        let algs = [
            signing_algorithm::RSASSA_PSS_SHA_256,
            signing_algorithm::RSASSA_PSS_SHA_384,
            signing_algorithm::RSASSA_PSS_SHA_512,
            signing_algorithm::ECDSA_SHA_256,
            signing_algorithm::ECDSA_SHA_384,
            signing_algorithm::ECDSA_SHA_512,
        ];
        for name in algs {
            assert_eq!(SignatureAlgorithm::from_name(name).unwrap().name(), name);
        }
        assert_eq!(algs.len(), SignatureAlgorithm::ALL.len());
        for (alg, name) in [
            (DigestAlgorithm::Sha256, hash_algorithm::SHA_256),
            (DigestAlgorithm::Sha384, hash_algorithm::SHA_384),
            (DigestAlgorithm::Sha512, hash_algorithm::SHA_512),
        ] {
            assert_eq!(alg.notary_name(), name);
        }
    }

    #[test]
    fn unknown_members_are_skipped_at_any_depth_and_known_ones_stay_capped() {
        let deep = |levels: usize| format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
        let text = format!(
            r#"{{"keyId":"k","vendor":{{"trace":{}}},"keySpec":"EC-256"}}"#,
            deep(2000)
        );
        let r: DescribeKeyResponse = decode_response(text.as_bytes()).unwrap();
        assert_eq!((r.key_id.as_str(), r.key_spec.as_str()), ("k", "EC-256"));
        // In a verification result too (a struct inside the map of results).
        let text = format!(
            r#"{{"verificationResults":{{"SIGNATURE_VERIFIER.TRUSTED_IDENTITY":{{"success":true,"x":{}}}}},"processedAttributes":[]}}"#,
            deep(500)
        );
        let r: VerifySignatureResponse = decode_response(text.as_bytes()).unwrap();
        assert!(r.verification_results["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"].success);
        // Skipped, not unchecked: malformed JSON inside an unknown member is still an error.
        assert!(decode_response::<DescribeKeyResponse>(br#"{"keyId":"k","x":[1,}"#).is_err());
        // A known member is built, under serde_json's cap of 128 levels.
        let text = format!(r#"{{"keyId":"k","keySpec":{}}}"#, deep(200));
        let e = decode_response::<DescribeKeyResponse>(text.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("recursion limit"), "{e}");
        // Go's cap holds for unknown members too: 10,000 levels, brackets in strings aside.
        let at = |levels: usize| format!(r#"{{"keyId":"k","x":"[[{{","y":{}}}"#, deep(levels - 1));
        assert!(decode_response::<DescribeKeyResponse>(at(10_000).as_bytes()).is_ok());
        let e = decode_response::<DescribeKeyResponse>(at(10_001).as_bytes()).unwrap_err();
        assert!(e.to_string().contains("exceeded max depth"), "{e}");
    }

    /// Every member name a response type writes is a field the decoder reads for that type (an
    /// unlisted one would be skipped as unknown and read as empty).
    #[test]
    fn every_response_member_is_a_field_of_its_type() {
        use notary_plugin_api::{CONTRACT_VERSION, VerificationResult};
        use std::collections::BTreeMap;
        fn known<T: serde::Serialize + DeserializeOwned>(value: T) {
            let fields = fields_of::<T>();
            let json = serde_json::to_value(value).unwrap();
            let names: Vec<&String> = json.as_object().unwrap().keys().collect();
            assert!(!names.is_empty());
            for name in names {
                assert!(fields.contains(&name.as_str()), "{name} not in {fields:?}");
            }
        }
        let map = BTreeMap::from([("k".to_string(), "v".to_string())]);
        let result = VerificationResult {
            success: false,
            reason: Some("r".into()),
        };
        known(GetMetadataResponse {
            name: "n".into(),
            description: "d".into(),
            version: "1".into(),
            url: "u".into(),
            supported_contract_versions: vec![CONTRACT_VERSION.into()],
            capabilities: vec!["c".into()],
        });
        known(DescribeKeyResponse {
            key_id: "k".into(),
            key_spec: "EC-256".into(),
        });
        known(GenerateSignatureResponse {
            key_id: "k".into(),
            signature: "s".into(),
            signing_algorithm: "a".into(),
            certificate_chain: vec!["c".into()],
        });
        known(GenerateEnvelopeResponse {
            signature_envelope: "e".into(),
            signature_envelope_type: "t".into(),
            annotations: Some(map.clone()),
        });
        known(VerifySignatureResponse {
            verification_results: BTreeMap::from([("x".to_string(), result.clone())]),
            processed_attributes: vec!["p".into()],
        });
        known(result);
        known(PluginError {
            error_code: "c".into(),
            error_message: "m".into(),
            error_metadata: Some(map),
        });
        assert_eq!(fields_of::<DescribeKeyResponse>(), ["keyId", "keySpec"]);
    }

    /// A member another response type has is no field of this one: skipped unread, as Go
    /// skips it, whatever it holds.
    #[test]
    fn members_of_other_response_types_are_skipped() {
        let r: DescribeKeyResponse = decode_response(
            br#"{"keyId":"k","keySpec":"EC-256","verificationResults":{"x":1},"success":1e999,
                 "signature":{"a":[1]},"annotations":[1]}"#,
        )
        .unwrap();
        assert_eq!((r.key_id.as_str(), r.key_spec.as_str()), ("k", "EC-256"));
        // Inside a verification result, only `success` and `reason` are fields.
        let r: VerifySignatureResponse = decode_response(
            br#"{"verificationResults":{"A":{"Success":true,"keyId":1e999}},"processedAttributes":null}"#,
        )
        .unwrap();
        assert!(r.verification_results["A"].success);
    }

    #[test]
    fn member_names_match_in_any_case_and_the_last_wins() {
        let r: GenerateSignatureResponse = decode_response(
            br#"{"KeyID":"k1","Signature":"c2ln","SigningAlgorithm":"ECDSA-SHA-256",
                 "CERTIFICATECHAIN":["YQ=="],"keyid":"k2","\u017Fignature":"bGFzdA=="}"#,
        )
        .unwrap();
        assert_eq!(r.key_id, "k2");
        assert_eq!(r.signature, "bGFzdA==");
        assert_eq!(r.signing_algorithm, "ECDSA-SHA-256");
        assert_eq!(r.certificate_chain, ["YQ=="]);
    }

    #[test]
    fn null_leaves_a_field_as_it_was_and_missing_reads_empty() {
        let r: DescribeKeyResponse = decode_response(br#"{"keyId":"k","keyId":null}"#).unwrap();
        assert_eq!((r.key_id.as_str(), r.key_spec.as_str()), ("k", ""));
        let v: VerifySignatureResponse = decode_response(
            br#"{"verificationResults":{"SIGNATURE_VERIFIER.REVOCATION_CHECK":{"Success":true}}}"#,
        )
        .unwrap();
        assert!(v.processed_attributes.is_empty());
        assert!(v.verification_results["SIGNATURE_VERIFIER.REVOCATION_CHECK"].success);
        let m: GetMetadataResponse =
            decode_response(br#"{"Name":"p","capabilities":null}"#).unwrap();
        assert_eq!(m.name, "p");
        assert!(m.capabilities.is_empty() && m.url.is_empty());
    }

    #[test]
    fn map_keys_are_data_and_keep_their_case() {
        let r: GenerateEnvelopeResponse = decode_response(
            br#"{"signatureEnvelope":"ZQ==","signatureEnvelopeType":"application/jose+json",
                 "annotations":{"Name":"a","name":"b"}}"#,
        )
        .unwrap();
        let a = r.annotations.unwrap();
        assert_eq!((a["Name"].as_str(), a["name"].as_str()), ("a", "b"));
        // Capability names are map keys: a case variant is another capability.
        let v: VerifySignatureResponse = decode_response(
            br#"{"verificationResults":{"signature_verifier.revocation_check":{"success":true}},
                 "processedAttributes":[]}"#,
        )
        .unwrap();
        assert!(
            !v.verification_results
                .contains_key("SIGNATURE_VERIFIER.REVOCATION_CHECK")
        );
        let e: PluginError =
            decode_response(br#"{"ErrorCode":"ACCESS_DENIED","errorMetadata":{"Retry":"no"}}"#)
                .unwrap();
        assert_eq!(e.error_code, "ACCESS_DENIED");
        assert_eq!(e.error_metadata.unwrap()["Retry"], "no");
    }

    #[test]
    fn what_is_not_one_json_value_or_has_the_wrong_type_is_refused() {
        assert!(decode_response::<DescribeKeyResponse>(br#"{"keyId":"k"} {}"#).is_err());
        assert!(decode_response::<DescribeKeyResponse>(br#"{"keyId":7}"#).is_err());
        assert!(decode_response::<DescribeKeyResponse>(br#"["keyId"]"#).is_err());
        assert!(decode_response::<DescribeKeyResponse>(b"").is_err());
        assert!(
            decode_response::<VerifySignatureResponse>(br#"{"verificationResults":{"c":[true]}}"#)
                .is_err()
        );
        // A capability name in the error is cut short: a plugin may write megabytes of it.
        let long = format!(
            r#"{{"verificationResults":{{"{}":1}}}}"#,
            "c".repeat(10_000)
        );
        let e = decode_response::<VerifySignatureResponse>(long.as_bytes()).unwrap_err();
        assert!(e.to_string().len() < 300, "{e}");
    }

    #[test]
    fn plugin_base64_reads_as_gos_encoding_json_reads_it() {
        use base64::Engine as _;
        let data: Vec<u8> = (0u8..=255).collect();
        let plain = base64::engine::general_purpose::STANDARD.encode(&data);
        // Wrapped every 76 characters with LF or CRLF, as Python's encodebytes and PEM do.
        for sep in ["\n", "\r\n"] {
            let wrapped = plain
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(sep);
            assert_eq!(go_base64(&format!("{wrapped}{sep}")).unwrap(), data);
        }
        // Unused bits of the last character are not checked ("QR==" is "QQ==" in Go).
        assert_eq!(go_base64("QR==").unwrap(), b"A");
        // Padding is still required, and other characters are refused.
        assert!(go_base64("QQ").is_err());
        assert!(go_base64("Q Q==").is_err());
    }
}
