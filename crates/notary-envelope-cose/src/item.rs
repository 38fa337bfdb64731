//! CBOR items of extended attributes, decoded for callers that show them.

use crate::cbor::{self, Value};
use crate::error::Error;

/// A CBOR data item, as the strict decoder reads it (definite lengths, depth and item count
/// capped). Extended attribute values that are not text, integers, booleans or byte strings
/// reach callers as raw CBOR ([`notary_core::AttributeValue::Cbor`]); this is how to look
/// inside one without a second CBOR parser.
///
/// ```
/// use notary_envelope_cose::{CborItem, decode_item};
/// // [1, "two"]
/// let item = decode_item(&[0x82, 0x01, 0x63, b't', b'w', b'o']).unwrap();
/// assert_eq!(item, CborItem::Array(vec![CborItem::Unsigned(1), CborItem::Text("two".into())]));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CborItem {
    /// Major type 0.
    Unsigned(u64),
    /// Major type 1: the value is `-1 - n`.
    Negative(u64),
    /// Major type 2.
    Bytes(Vec<u8>),
    /// Major type 3.
    Text(String),
    /// Major type 4.
    Array(Vec<CborItem>),
    /// Major type 5, in received order.
    Map(Vec<(CborItem, CborItem)>),
    /// Major type 6: the tag number and its content.
    Tag(u64, Box<CborItem>),
    /// Major type 7 simple values (false 20, true 21, null 22, undefined 23, others).
    Simple(u8),
    /// A half, single or double precision float, widened to double.
    Float(f64),
}

/// Decodes one complete CBOR item (no trailing bytes) with the envelope's strict decoder.
pub fn decode_item(raw: &[u8]) -> Result<CborItem, Error> {
    cbor::decode(raw).map(CborItem::from)
}

impl From<Value> for CborItem {
    fn from(v: Value) -> Self {
        match v {
            Value::Unsigned(n) => Self::Unsigned(n),
            Value::Negative(n) => Self::Negative(n),
            Value::Bytes(b) => Self::Bytes(b),
            Value::Text(s) => Self::Text(s),
            Value::Array(items) => Self::Array(items.into_iter().map(Self::from).collect()),
            Value::Map(entries) => Self::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (Self::from(k), Self::from(v)))
                    .collect(),
            ),
            Value::Tag(t, inner) => Self::Tag(t, Box::new(Self::from(*inner))),
            Value::Simple(s) => Self::Simple(s),
            Value::Float16(bits) => Self::Float(cbor::f16_to_f64(bits)),
            Value::Float32(bits) => Self::Float(f64::from(f32::from_bits(bits))),
            Value::Float64(bits) => Self::Float(f64::from_bits(bits)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_decode_with_the_strict_decoder() {
        // {"a": [true, null], -2: h'00ff', 1: 1(1.5)}, the float a half.
        let raw = [
            0xa3, 0x61, b'a', 0x82, 0xf5, 0xf6, 0x21, 0x42, 0x00, 0xff, 0x01, 0xc1, 0xf9, 0x3e,
            0x00,
        ];
        assert_eq!(
            decode_item(&raw).unwrap(),
            CborItem::Map(vec![
                (
                    CborItem::Text("a".into()),
                    CborItem::Array(vec![CborItem::Simple(21), CborItem::Simple(22)])
                ),
                (CborItem::Negative(1), CborItem::Bytes(vec![0, 0xff])),
                (
                    CborItem::Unsigned(1),
                    CborItem::Tag(1, Box::new(CborItem::Float(1.5)))
                ),
            ])
        );
        // What the envelope decoder refuses, this refuses too: indefinite lengths, trailing
        // bytes, nesting past the cap.
        assert!(decode_item(&[0x9f, 0x01, 0xff]).is_err());
        assert!(decode_item(&[0x01, 0x02]).is_err());
        assert!(
            decode_item(&[0x81; 40].iter().copied().chain([0x01]).collect::<Vec<_>>()).is_err()
        );
    }
}
