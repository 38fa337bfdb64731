//! JSON decoding rules shared by the envelope crates: duplicate member names refused at every
//! level (serde_json keeps the last one silently, as Go does; a signed document must not be
//! ambiguous), and Go's case-insensitive member matching, to refuse names Go would read as a
//! known member in signed documents and to read them as Go does in what other programs answer
//! ([`go_fields`]). Not a stable API.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
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

/// Most JSON values one document may hold. A Notary envelope or payload holds a few dozen; a
/// decoded value costs some 16 times its two bytes of text (`0,`), so a 32 MiB document of
/// tiny values would otherwise take half a gigabyte.
pub const MAX_VALUES: usize = 1 << 16;

const TOO_MANY: &str = "more than 65536 JSON values";

/// Decodes one value, counting every value against [`MAX_VALUES`].
#[derive(Clone, Copy)]
struct Strict<'c>(&'c std::cell::Cell<usize>);

impl Strict<'_> {
    fn count<E: de::Error>(self) -> Result<(), E> {
        let n = self.0.get().saturating_add(1);
        self.0.set(n);
        if n > MAX_VALUES {
            return Err(E::custom(TOO_MANY));
        }
        Ok(())
    }
}

impl<'de> de::DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.count()?;
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.count()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.count()?;
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                let shown = crate::error::shown(&k);
                return Err(de::Error::custom(format!("{DUP}{shown:?}")));
            }
            let v = map.next_value_seed(self)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parses `bytes` as one JSON value, refusing duplicate member names anywhere and documents of
/// more than [`MAX_VALUES`] values.
///
/// ```
/// use notary_core::json::parse_strict;
/// assert!(parse_strict(br#"{"a":{"b":1}}"#).is_ok());
/// let issue = parse_strict(br#"{"a":{"b":1,"b":2}}"#).unwrap_err();
/// assert_eq!(issue.duplicate.as_deref(), Some("b"));
/// let many = format!("[{}0]", "0,".repeat(notary_core::json::MAX_VALUES));
/// assert!(parse_strict(many.as_bytes()).is_err());
/// ```
pub fn parse_strict(bytes: &[u8]) -> Result<Value, JsonIssue> {
    let counter = std::cell::Cell::new(0);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de::DeserializeSeed::deserialize(Strict(&counter), &mut de)
        .and_then(|v| de.end().map(|()| v))
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
    name.chars().map(go_fold).eq(known.chars().map(go_fold))
}

/// One character under the folding Go's `encoding/json` matches member names with: ASCII
/// case-insensitive, and exactly two non-ASCII runes fold onto ASCII letters.
pub fn go_fold(c: char) -> char {
    match c {
        '\u{212A}' => 'K', // KELVIN SIGN
        '\u{017F}' => 'S', // LATIN SMALL LETTER LONG S
        c => c.to_ascii_uppercase(),
    }
}

/// `object` with each member Go's `encoding/json` would decode into one of `fields` renamed to
/// it (an exact name is kept over a case variant); other members as they are. For reading what a
/// Go program reads into a struct from programs that may spell member names otherwise
/// (credential helpers, configuration files).
///
/// ```
/// use notary_core::json::go_fields;
/// let v: serde_json::Value = serde_json::from_str(r#"{"username":"u","Secret":"s","x":1}"#).unwrap();
/// let serde_json::Value::Object(o) = v else { unreachable!() };
/// let o = go_fields(o, &["Username", "Secret"]);
/// assert_eq!((o["Username"].as_str(), o["Secret"].as_str()), (Some("u"), Some("s")));
/// assert_eq!(o["x"], 1);
/// ```
pub fn go_fields(object: Map<String, Value>, fields: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut variants = Vec::new();
    for (name, value) in object {
        match fields
            .iter()
            .find(|f| **f != name && go_name_matches(&name, f))
        {
            Some(f) => variants.push((*f, value)),
            None => {
                out.insert(name, value);
            }
        }
    }
    for (field, value) in variants {
        out.entry(field).or_insert(value);
    }
    out
}

/// Decodes `bytes` as `T` with the top-level object's member names matched to `fields` as Go
/// matches them ([`go_fields`]): a flat struct read as a Go program reads it.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Tok { #[serde(default)] token: String }
/// let t: Tok = notary_core::json::from_slice_go(br#"{"Token":"t"}"#, &["token"]).unwrap();
/// assert_eq!(t.token, "t");
/// ```
pub fn from_slice_go<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    fields: &[&str],
) -> serde_json::Result<T> {
    match serde_json::from_slice::<Value>(bytes)? {
        Value::Object(o) => serde_json::from_value(Value::Object(go_fields(o, fields))),
        other => serde_json::from_value(other),
    }
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

/// Go's `strconv.Quote` of `bytes` (`%q`, as notation prints names and values in its errors): printable characters as they are, the usual backslash
/// escapes, `\xNN` for bytes that are not UTF-8 and `\u`/`\U` for other unprintable ones.
pub fn go_quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{b}' => out.push_str("\\v"),
                ' ' => out.push(' '),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    out.push_str(&format!("\\x{:02x}", c as u32))
                }
                // Go's IsPrint: no spaces but U+0020, no controls or format characters.
                c if c.is_whitespace()
                    || c.is_control()
                    || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}') =>
                {
                    if (c as u32) <= 0xffff {
                        out.push_str(&format!("\\u{:04x}", c as u32));
                    } else {
                        out.push_str(&format!("\\U{:08x}", c as u32));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}
