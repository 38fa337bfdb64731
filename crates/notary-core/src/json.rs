//! JSON decoding rules shared by the envelope crates: duplicate member names refused at every
//! level (serde_json keeps the last one silently, as Go does; a signed document must not be
//! ambiguous), and Go's case-insensitive member matching, to refuse names Go would read as a
//! known member. Not a stable API.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

const DUP: &str = "duplicate member ";

/// Why [`parse_strict`] refused its input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonIssue {
    /// The repeated member name, when that is the reason.
    pub duplicate: Option<String>,
    /// What is wrong, with its position.
    pub message: String,
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        Ok(Strict(
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }
    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(Value::String(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Strict(Value::Array(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!("{DUP}{k:?}")));
            }
            let Strict(v) = map.next_value()?;
            out.insert(k, v);
        }
        Ok(Strict(Value::Object(out)))
    }
}

/// Parses `bytes` as one JSON value, refusing duplicate member names anywhere.
///
/// ```
/// use notary_core::json::parse_strict;
/// assert!(parse_strict(br#"{"a":{"b":1}}"#).is_ok());
/// let issue = parse_strict(br#"{"a":{"b":1,"b":2}}"#).unwrap_err();
/// assert_eq!(issue.duplicate.as_deref(), Some("b"));
/// ```
pub fn parse_strict(bytes: &[u8]) -> Result<Value, JsonIssue> {
    serde_json::from_slice::<Strict>(bytes)
        .map(|Strict(v)| v)
        .map_err(|e| {
            let message = e.to_string();
            // `duplicate member "name" at line L column C`
            let duplicate = message.strip_prefix(DUP).map(|rest| {
                rest.rsplit_once(" at line ")
                    .map_or(rest, |(n, _)| n)
                    .trim_matches('"')
                    .to_string()
            });
            JsonIssue { duplicate, message }
        })
}

/// Whether Go's `encoding/json` would decode member `name` into the field named `known`
/// (ASCII): an exact match or one under Unicode simple case folding, in which exactly two
/// non-ASCII runes fold onto ASCII letters (checked against Go 1.26).
///
/// ```
/// use notary_core::json::go_name_matches;
/// assert!(go_name_matches("DIGEST", "digest"));
/// assert!(go_name_matches("\u{17F}ize", "size"));
/// assert!(!go_name_matches("digests", "digest"));
/// ```
pub fn go_name_matches(name: &str, known: &str) -> bool {
    let mut chars = name.chars();
    for k in known.chars() {
        let folded = match chars.next() {
            None => return false,
            Some('\u{212A}') => 'K', // KELVIN SIGN
            Some('\u{017F}') => 'S', // LATIN SMALL LETTER LONG S
            Some(c) => c.to_ascii_uppercase(),
        };
        if folded != k.to_ascii_uppercase() {
            return false;
        }
    }
    chars.next().is_none()
}

/// The first member of `object` that is not one of `known` but that Go would read as one of
/// them (a case variant), with the member it stands for.
pub fn case_variant<'a>(
    object: &'a Map<String, Value>,
    known: &[&'a str],
) -> Option<(&'a str, &'a str)> {
    object.keys().find_map(|name| {
        known
            .iter()
            .find(|k| name != *k && go_name_matches(name, k))
            .map(|k| (name.as_str(), *k))
    })
}
