//! X.509 distinguished names decoded and rendered exactly as Go's `crypto/x509` + `pkix`:
//! `x509.ParseCertificate` decodes every attribute value to a string (refusing any other value
//! type), `pkix.Name.FillFromRDNSequence` files the nine standard attribute types into fields,
//! and `pkix.Name.String()` re-emits them in a fixed order before rendering in reverse.

use crate::der::{self, Reader, tag};

/// ASN.1 string tags Go decodes in names.
const T61_STRING: u8 = 0x14;
const PRINTABLE_STRING: u8 = 0x13;
const UTF8_STRING: u8 = 0x0c;
const BMP_STRING: u8 = 0x1e;
const IA5_STRING: u8 = 0x16;
const NUMERIC_STRING: u8 = 0x12;

/// Most attributes one name may hold; real names have a handful.
const MAX_ATTRIBUTES: usize = 256;

/// One attribute: OID contents and the decoded string value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attribute<'a> {
    oid: &'a [u8],
    value: String,
}

/// The standard attribute types Go files into named fields (last arc of 2.5.4.x).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standard {
    CommonName,
    SerialNumber,
    Country,
    Locality,
    Province,
    Street,
    Organization,
    OrganizationalUnit,
    PostalCode,
}

impl Standard {
    fn from_oid(oid: &[u8]) -> Option<Self> {
        match oid {
            [0x55, 0x04, arc] => Some(match arc {
                3 => Self::CommonName,
                5 => Self::SerialNumber,
                6 => Self::Country,
                7 => Self::Locality,
                8 => Self::Province,
                9 => Self::Street,
                10 => Self::Organization,
                11 => Self::OrganizationalUnit,
                17 => Self::PostalCode,
                _ => return None,
            }),
            _ => None,
        }
    }

    fn short_name(self) -> &'static str {
        match self {
            Self::CommonName => "CN",
            Self::SerialNumber => "SERIALNUMBER",
            Self::Country => "C",
            Self::Locality => "L",
            Self::Province => "ST",
            Self::Street => "STREET",
            Self::Organization => "O",
            Self::OrganizationalUnit => "OU",
            Self::PostalCode => "POSTALCODE",
        }
    }
}

/// Calls `f(oid, value_tag, value)` for every attribute of a DER Name, in DER order.
fn for_each_attribute<'a>(
    raw: &'a [u8],
    mut f: impl FnMut(&'a [u8], u8, &'a [u8]) -> Result<(), String>,
) -> Result<(), String> {
    let seq = der::parse_single(raw, tag::SEQUENCE).map_err(|e| format!("invalid name: {e}"))?;
    let mut rdns = Reader::new(seq.value);
    let mut count = 0usize;
    while !rdns.is_empty() {
        let set = rdns
            .read(tag::SET)
            .map_err(|e| format!("invalid RDN: {e}"))?;
        let mut atvs = Reader::new(set.value);
        while !atvs.is_empty() {
            count = count.saturating_add(1);
            if count > MAX_ATTRIBUTES {
                return Err("name has too many attributes".into());
            }
            let atv = atvs
                .read(tag::SEQUENCE)
                .map_err(|e| format!("invalid attribute: {e}"))?;
            let mut fields = Reader::new(atv.value);
            let oid = fields
                .read(tag::OID)
                .map_err(|e| format!("invalid attribute type: {e}"))?;
            // Go reads the type and the value, and nothing after them.
            let value = fields
                .read_any()
                .map_err(|e| format!("invalid attribute value: {e}"))?;
            f(oid.value, value.tag, value.value)?;
        }
    }
    Ok(())
}

/// Checks a DER Name the way Go's certificate parser does (every value a valid string of a
/// supported type, OID arcs within 31 bits), without allocating.
pub(crate) fn validate(raw: &[u8]) -> Result<(), String> {
    for_each_attribute(raw, |oid, value_tag, value| {
        check_go_oid(oid)?;
        check_string(value_tag, value)
    })
}

/// Go's `pkix.Name.String()` of a DER Name that passed [`validate`].
pub(crate) fn to_go_string(raw: &[u8]) -> String {
    // Go's Name fields. CommonName and SerialNumber are single strings: the last value
    // wins; the others collect every value in DER order.
    let mut attributes: Vec<Attribute<'_>> = Vec::new();
    let _ = for_each_attribute(raw, |oid, value_tag, value| {
        attributes.push(Attribute {
            oid,
            value: decode_string(value_tag, value)?,
        });
        Ok(())
    });
    render(&attributes)
}

fn render(attributes: &[Attribute<'_>]) -> String {
    let mut common_name = "";
    let mut serial_number = "";
    let mut lists: [Vec<&str>; 7] = Default::default();
    let mut extra: Vec<&Attribute<'_>> = Vec::new();
    for a in attributes {
        match Standard::from_oid(a.oid) {
            Some(Standard::CommonName) => common_name = &a.value,
            Some(Standard::SerialNumber) => serial_number = &a.value,
            Some(s) => {
                if let Some(list) = list_index(s).and_then(|i| lists.get_mut(i)) {
                    list.push(&a.value);
                }
            }
            None => extra.push(a),
        }
    }

    // The RDN sequence Go builds: extras first (one per RDN, in DER order), then
    // C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER.
    let mut rdns: Vec<Rdn<'_>> = extra.iter().map(|a| Rdn::Extra(a)).collect();
    for (s, values) in LIST_ORDER.iter().zip(lists.iter()) {
        if !values.is_empty() {
            rdns.push(Rdn::Standard(*s, values.clone()));
        }
    }
    if !common_name.is_empty() {
        rdns.push(Rdn::Standard(Standard::CommonName, vec![common_name]));
    }
    if !serial_number.is_empty() {
        rdns.push(Rdn::Standard(Standard::SerialNumber, vec![serial_number]));
    }

    // Rendered last to first.
    let mut out = String::new();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match rdn {
            Rdn::Extra(a) => {
                out.push_str(&der::oid_to_string(a.oid).unwrap_or_default());
                out.push_str("=#");
                out.push_str(&hex::encode(go_marshal_string(&a.value)));
            }
            Rdn::Standard(s, values) => {
                for (j, v) in values.iter().enumerate() {
                    if j > 0 {
                        out.push('+');
                    }
                    out.push_str(s.short_name());
                    out.push('=');
                    escape_into(&mut out, v);
                }
            }
        }
    }
    out
}

enum Rdn<'a> {
    Extra(&'a Attribute<'a>),
    Standard(Standard, Vec<&'a str>),
}

/// Order in which Go's `ToRDNSequence` appends the multi-valued fields.
const LIST_ORDER: [Standard; 7] = [
    Standard::Country,
    Standard::Province,
    Standard::Locality,
    Standard::Street,
    Standard::PostalCode,
    Standard::Organization,
    Standard::OrganizationalUnit,
];

fn list_index(s: Standard) -> Option<usize> {
    LIST_ORDER.iter().position(|&x| x == s)
}

/// Go's cryptobyte refuses malformed OIDs and subidentifiers that do not fit in 31 bits.
fn check_go_oid(content: &[u8]) -> Result<(), String> {
    der::check_oid(content).map_err(|e| format!("invalid attribute type OID: {e}"))
}

/// RFC 4514-style escaping as Go's `RDNSequence.String` does it.
fn escape_into(out: &mut String, value: &str) {
    let last = value.len().saturating_sub(1);
    for (k, c) in value.char_indices() {
        let escape = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => k == 0 || k == last,
            '#' => k == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Go's x509 `isPrintable` (accepts `*` and `&`, which real certificates use).
fn is_printable_lenient(b: u8) -> bool {
    is_printable_strict(b) || b == b'*' || b == b'&'
}

/// Go's asn1 `isPrintable` with asterisk and ampersand rejected (used when marshalling).
fn is_printable_strict(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || (b'\''..=b')').contains(&b)
        || (b'+'..=b'/').contains(&b)
        || matches!(b, b' ' | b':' | b'=' | b'?')
}

/// Validates an attribute value like Go's `parseASN1String`, without decoding it.
fn check_string(value_tag: u8, value: &[u8]) -> Result<(), String> {
    let ok = match value_tag {
        T61_STRING => true,
        PRINTABLE_STRING => value.iter().all(|&b| is_printable_lenient(b)),
        UTF8_STRING => std::str::from_utf8(value).is_ok(),
        BMP_STRING => bmp_units(value).is_some(),
        IA5_STRING => value.is_ascii(),
        NUMERIC_STRING => value.iter().all(|&b| b.is_ascii_digit() || b == b' '),
        other => return Err(format!("unsupported string type 0x{other:02x} in name")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("invalid string of type 0x{value_tag:02x} in name"))
    }
}

/// The UTF-16 code units of a BMPString as Go's `parseASN1String` accepts it: an even length,
/// a trailing 0x0000 terminator dropped, and no surrogate (0xd800-0xdfff) or permanent
/// noncharacter (0xfffe, 0xffff, 0xfdd0-0xfdef), as BoringSSL and Go refuse them.
fn bmp_units(value: &[u8]) -> Option<Vec<u16>> {
    if !value.len().is_multiple_of(2) {
        return None;
    }
    let value = match value {
        [rest @ .., 0, 0] => rest,
        v => v,
    };
    value
        .chunks_exact(2)
        .map(|p| {
            let unit = u16::from_be_bytes([
                p.first().copied().unwrap_or(0),
                p.get(1).copied().unwrap_or(0),
            ]);
            let refused = matches!(unit, 0xfffe | 0xffff | 0xfdd0..=0xfdef | 0xd800..=0xdfff);
            (!refused).then_some(unit)
        })
        .collect()
}

/// Decodes an attribute value like Go's `parseASN1String`; other types are an error.
fn decode_string(value_tag: u8, value: &[u8]) -> Result<String, String> {
    match value_tag {
        T61_STRING => Ok(value.iter().map(|&b| char::from(b)).collect()),
        PRINTABLE_STRING => {
            if value.iter().all(|&b| is_printable_lenient(b)) {
                Ok(value.iter().map(|&b| char::from(b)).collect())
            } else {
                Err("invalid PrintableString in name".into())
            }
        }
        UTF8_STRING => std::str::from_utf8(value)
            .map(str::to_owned)
            .map_err(|_| "invalid UTF-8 string in name".into()),
        BMP_STRING => {
            let units = bmp_units(value).ok_or("invalid BMPString in name")?;
            // No surrogates are left, so every unit decodes.
            Ok(char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect())
        }
        IA5_STRING => {
            if value.is_ascii() {
                Ok(value.iter().map(|&b| char::from(b)).collect())
            } else {
                Err("invalid IA5String in name".into())
            }
        }
        NUMERIC_STRING => {
            if value.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                Ok(value.iter().map(|&b| char::from(b)).collect())
            } else {
                Err("invalid NumericString in name".into())
            }
        }
        other => Err(format!("unsupported string type 0x{other:02x} in name")),
    }
}

/// DER of a Go string marshalled by `encoding/asn1`: PrintableString when every character is
/// printable (without `*` and `&`), otherwise UTF8String.
fn go_marshal_string(value: &str) -> Vec<u8> {
    let printable = value
        .bytes()
        .all(|b| b.is_ascii() && is_printable_strict(b));
    let tag = if printable {
        PRINTABLE_STRING
    } else {
        UTF8_STRING
    };
    let mut out = Vec::with_capacity(value.len().saturating_add(4));
    der::push_header(&mut out, tag, value.len());
    out.extend_from_slice(value.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atv(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
        let mut inner = Vec::new();
        der::push_header(&mut inner, 0x06, oid.len());
        inner.extend_from_slice(oid);
        der::push_header(&mut inner, tag, value.len());
        inner.extend_from_slice(value);
        let mut seq = Vec::new();
        der::push_header(&mut seq, 0x30, inner.len());
        seq.extend(inner);
        seq
    }

    fn name(rdns: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let mut body = Vec::new();
        for rdn in rdns {
            let content: Vec<u8> = rdn.concat();
            der::push_header(&mut body, 0x31, content.len());
            body.extend(content);
        }
        let mut out = Vec::new();
        der::push_header(&mut out, 0x30, body.len());
        out.extend(body);
        out
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const C: &[u8] = &[0x55, 0x04, 0x06];
    const O: &[u8] = &[0x55, 0x04, 0x0a];
    const OU: &[u8] = &[0x55, 0x04, 0x0b];
    const EMAIL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

    fn render(raw: &[u8]) -> String {
        validate(raw).unwrap();
        to_go_string(raw)
    }

    #[test]
    fn fixed_order_and_grouping() {
        let raw = name(&[
            vec![atv(CN, UTF8_STRING, b"first")],
            vec![atv(OU, UTF8_STRING, b"a")],
            vec![atv(C, PRINTABLE_STRING, b"US")],
            vec![atv(OU, UTF8_STRING, b"b"), atv(O, UTF8_STRING, b"Org")],
            vec![atv(CN, UTF8_STRING, b"last")],
        ]);
        // CN keeps only the last value; OUs become one multi-valued RDN in DER order.
        assert_eq!(render(&raw), "CN=last,OU=a+OU=b,O=Org,C=US");
    }

    #[test]
    fn extra_attributes_go_last_reversed_and_hex() {
        let raw = name(&[
            vec![atv(EMAIL, IA5_STRING, b"a@b.c")],
            vec![atv(CN, UTF8_STRING, b"x")],
            vec![atv(&[0x55, 0x04, 0x2a], UTF8_STRING, b"Given")],
        ]);
        // The IA5String is re-marshalled as UTF8String because '@' is not printable.
        assert_eq!(
            render(&raw),
            "CN=x,2.5.4.42=#1305476976656e,1.2.840.113549.1.9.1=#0c056140622e63"
        );
    }

    #[test]
    fn escaping() {
        let raw = name(&[vec![atv(O, UTF8_STRING, b" #a,b+c\"d\\e<f>g;h# ")]]);
        assert_eq!(render(&raw), r#"O=\ #a\,b\+c\"d\\e\<f\>g\;h#\ "#);
        let raw = name(&[vec![atv(O, UTF8_STRING, b"#x")]]);
        assert_eq!(render(&raw), r"O=\#x");
    }

    #[test]
    fn string_types() {
        let raw = name(&[vec![atv(CN, BMP_STRING, &[0, b'h', 0, b'i', 0, 0])]]);
        assert_eq!(render(&raw), "CN=hi");
        // Surrogates (even a well-formed pair) and noncharacters are refused, as in Go.
        for units in [
            [0xd8, 0x3d, 0xde, 0x00],
            [0x00, b'a', 0xdc, 0x00],
            [0x00, b'a', 0xff, 0xfe],
            [0x00, b'a', 0xfd, 0xd0],
        ] {
            let raw = name(&[vec![atv(CN, BMP_STRING, &units)]]);
            assert!(validate(&raw).is_err(), "{units:02x?}");
        }
        let raw = name(&[vec![atv(CN, T61_STRING, &[0xe9])]]);
        assert_eq!(render(&raw), "CN=\u{e9}");
        let raw = name(&[vec![atv(CN, 0x1c, b"abcd")]]);
        assert!(validate(&raw).is_err());
        let raw = name(&[vec![atv(CN, PRINTABLE_STRING, b"a@b")]]);
        assert!(validate(&raw).is_err());
        let raw = name(&[vec![atv(CN, PRINTABLE_STRING, b"*.a&b")]]);
        assert_eq!(render(&raw), "CN=*.a&b");
    }

    #[test]
    fn empty_values() {
        // Empty CN is dropped (Go checks len > 0); empty C is kept.
        let raw = name(&[
            vec![atv(C, PRINTABLE_STRING, b"")],
            vec![atv(CN, UTF8_STRING, b"")],
        ]);
        assert_eq!(render(&raw), "C=");
        assert_eq!(render(&name(&[])), "");
    }

    #[test]
    fn extra_value_marshalling() {
        assert_eq!(go_marshal_string("ab"), [0x13, 2, b'a', b'b']);
        assert_eq!(go_marshal_string("a*"), [0x0c, 2, b'a', b'*']);
        assert_eq!(go_marshal_string(""), [0x13, 0]);
    }
}
