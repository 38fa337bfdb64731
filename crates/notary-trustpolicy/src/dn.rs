//! `x509.subject` distinguished names (RFC 4514 text) with notation's restrictions.

use std::collections::BTreeMap;

use crate::error::Error;

/// A distinguished name as a map from attribute type (`C`, `ST`, `O`, `CN`, ...) to value.
/// Multi-valued RDNs and repeated attribute types are not allowed; `S` is read as `ST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    attributes: BTreeMap<String, String>,
    /// The values that `\XX` escapes made invalid UTF-8, by type (`attributes` holds them with
    /// U+FFFD). Go compares such values as the bytes they are: they never equal a valid one.
    raw: BTreeMap<String, Vec<u8>>,
}

impl DistinguishedName {
    /// The attribute map (a value that is not UTF-8 has U+FFFD in place of its bad bytes).
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }

    /// The bytes of the value of `ty`; empty when absent.
    fn value(&self, ty: &str) -> &[u8] {
        match self.raw.get(ty) {
            Some(raw) => raw,
            None => self.attributes.get(ty).map_or(&[][..], |v| v.as_bytes()),
        }
    }

    /// True when every attribute of `self` is in `other` with the same value. As in notation
    /// (a Go map lookup), an attribute absent from `other` has the empty value: `OU=` in an
    /// identity matches a subject with no OU.
    pub fn is_subset_of(&self, other: &DistinguishedName) -> bool {
        self.attributes
            .keys()
            .all(|k| other.value(k) == self.value(k))
    }

    /// The name as Go's `%q` prints notation's attribute map: `map["C":"US" "O":"acme"]`.
    pub fn go_map_text(&self) -> String {
        let pairs: Vec<String> = self
            .attributes
            .keys()
            .map(|k| {
                format!(
                    "{}:{}",
                    notary_core::json::go_quote(k.as_bytes()),
                    notary_core::json::go_quote(self.value(k))
                )
            })
            .collect();
        format!("map[{}]", pairs.join(" "))
    }
}

const MANDATORY: [&str; 3] = ["C", "ST", "O"];

fn invalid(reason: String) -> Error {
    Error::InvalidDistinguishedName { reason }
}

/// One attribute type and value of an RDN, and whether the RDN continues with `+`.
struct Attr {
    ty: String,
    value: Vec<u8>,
    multi: bool,
}

/// Splits RFC 4514 text into attributes the way go-ldap's `ParseDN` (v3.4.7 and later, which
/// notation v1.3 uses) does, so that an identity parses, fails or matches exactly as in
/// notation: `,` `;` end an RDN and `+` continues it unless escaped, the first unescaped `=`
/// ends the type, and type and value are each trimmed of ASCII spaces and unescaped. There is no
/// quoting: a `"` is an ordinary character (`O="a, b"` splits at the comma).
fn split(name: &str) -> Result<Vec<Attr>, String> {
    let mut out = Vec::new();
    if name.trim().is_empty() {
        return Ok(out);
    }
    let piece = |from: usize, to: usize| {
        name.get(from..to)
            .ok_or_else(|| "malformed distinguished name".to_string())
    };
    let mut ty = String::new();
    let mut escaping = false;
    let mut start = 0;
    // Delimiters are ASCII, so `i + 1` after one is the next char boundary.
    for (i, c) in name.char_indices() {
        if escaping {
            escaping = false;
            continue;
        }
        match c {
            '\\' => escaping = true,
            // An empty type counts as none, as in go-ldap: a later `=` sets it.
            '=' if ty.is_empty() => {
                ty = String::from_utf8_lossy(&unescape(piece(start, i)?)?).into_owned();
                start = i.saturating_add(1);
            }
            ',' | ';' | '+' => {
                if ty.is_empty() {
                    return Err("incomplete type, value pair".into());
                }
                out.push(Attr {
                    ty: std::mem::take(&mut ty),
                    value: unescape(piece(start, i)?)?,
                    multi: c == '+',
                });
                start = i.saturating_add(1);
            }
            _ => {}
        }
    }
    if ty.is_empty() {
        return Err("DN ended with incomplete type, value pair".into());
    }
    out.push(Attr {
        ty,
        value: unescape(piece(start, name.len())?)?,
        multi: false,
    });
    Ok(out)
}

/// go-ldap's `decodeString`: trims ASCII spaces at both ends (keeping one after a trailing
/// backslash), then resolves `\` followed by one of ` "#+,;<=>\` or by two hex digits; any
/// other escape is an error. The bytes may not be UTF-8 (`\fc`), as in Go.
fn unescape(raw: &str) -> Result<Vec<u8>, String> {
    let mut text = raw.trim_matches(' ').to_string();
    if text.ends_with('\\') && raw.ends_with(' ') {
        text.push(' ');
    }
    let bad = || {
        format!(
            "failed to decode escaped character in {text:?}: a backslash must be followed by a space, one of \"#+,;<=>\\ or two hex digits"
        )
    };
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some(next) = chars.next() else {
            return Err(format!("got corrupted escaped character: {text:?}"));
        };
        if matches!(
            next,
            ' ' | '"' | '#' | '+' | ',' | ';' | '<' | '=' | '>' | '\\'
        ) {
            out.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let second = chars.next().ok_or_else(bad)?;
        if !next.is_ascii_hexdigit() || !second.is_ascii_hexdigit() {
            return Err(bad());
        }
        let byte = u8::from_str_radix(&format!("{next}{second}"), 16).map_err(|_| bad())?;
        out.push(byte);
    }
    Ok(out)
}

/// Parses an `x509.subject` value with notation's rules: RFC 4514 syntax, no `=#` (hex-encoded
/// values), no multi-valued RDNs, no repeated attribute types, and `C`, `ST` (or `S`) and `O`
/// present.
pub fn parse_distinguished_name(name: &str) -> Result<DistinguishedName, Error> {
    if name.contains("=#") {
        return Err(invalid(format!(
            "unsupported distinguished name (DN) {name:?}: notation does not support x509.subject identities containing \"=#\""
        )));
    }
    let attrs = split(name).map_err(|e| {
        invalid(format!(
            "parsing distinguished name (DN) {name:?} failed with err: {e}. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard"
        ))
    })?;
    let mut map = BTreeMap::new();
    let mut raw = BTreeMap::new();
    let mut prev_multi = false;
    for a in attrs {
        if a.multi || prev_multi {
            return Err(invalid(format!(
                "distinguished name (DN) {name:?} has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported"
            )));
        }
        prev_multi = a.multi;
        let ty = if a.ty == "S" { "ST".to_string() } else { a.ty };
        if map.get(&ty).is_some_and(|v: &String| !v.is_empty()) {
            return Err(invalid(format!(
                "distinguished name (DN) {name:?} has duplicate RDN attribute for {ty:?}, DN can only have unique RDN attributes"
            )));
        }
        let value = match String::from_utf8(a.value) {
            Ok(v) => {
                raw.remove(&ty);
                v
            }
            Err(e) => {
                let v = String::from_utf8_lossy(e.as_bytes()).into_owned();
                raw.insert(ty.clone(), e.into_bytes());
                v
            }
        };
        map.insert(ty, value);
    }
    for m in MANDATORY {
        if map.get(m).is_none_or(String::is_empty) {
            return Err(invalid(format!(
                "distinguished name (DN) {name:?} has no mandatory RDN attribute for {m:?}, it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum"
            )));
        }
    }
    Ok(DistinguishedName {
        attributes: map,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_like_notation() {
        let dn = parse_distinguished_name(" CN=e2e,O=Notary,L=Seattle,ST=WA,C=US").unwrap();
        assert_eq!(dn.attributes()["CN"], "e2e");
        let s = parse_distinguished_name("C=US,S=WA,O=acme\\, inc.").unwrap();
        assert_eq!(s.attributes()["ST"], "WA");
        assert_eq!(s.attributes()["O"], "acme, inc.");
        assert!(parse_distinguished_name("C=US,ST=WA").is_err());
        assert!(parse_distinguished_name("C=US,ST=WA,O=a,OU=x+CN=y").is_err());
        assert!(parse_distinguished_name("C=US,ST=WA,O=a,OU=x,OU=y").is_err());
        assert!(parse_distinguished_name("C=US,ST=WA,O=a,1.2.3=#0101").is_err());
        assert!(parse_distinguished_name("C=US,ST=WA,O=a,CN").is_err());
        assert!(parse_distinguished_name("").is_err());
        assert!(parse_distinguished_name("C=US,ST=WA,O=a,CN=x\\").is_err());
    }

    #[test]
    fn quotes_and_escapes_as_go_ldap() {
        // No quoting: `"` is an ordinary character and a quoted comma still splits.
        let q = parse_distinguished_name("C=US,ST=WA,O=\"acme\"").unwrap();
        assert_eq!(q.attributes()["O"], "\"acme\"");
        let cert = parse_distinguished_name("CN=x,O=acme,ST=WA,C=US").unwrap();
        assert!(!q.is_subset_of(&cert));
        assert!(parse_distinguished_name("C=US,ST=WA,O=\"acme, inc\"").is_err());
        // Escapes: a special character, or two hex digits; anything else is refused.
        let e = parse_distinguished_name("C=US,ST=WA,O=a\\2C b\\+c\\\"d\\\\e").unwrap();
        assert_eq!(e.attributes()["O"], "a, b+c\"d\\e");
        for bad in [
            "C=US,ST=WA,O=a\\q",
            "C=US,ST=WA,O=a\\4",
            "C=US,ST=WA,O=a\\4g",
        ] {
            assert!(parse_distinguished_name(bad).is_err(), "{bad}");
        }
        // An escaped trailing space stays; an escaped `=` in a type belongs to the type.
        let t = parse_distinguished_name("C=US,ST=WA,O=acme\\ ").unwrap();
        assert_eq!(t.attributes()["O"], "acme ");
        let ty = parse_distinguished_name("C=US,ST=WA,O=acme,X\\=Y=z").unwrap();
        assert_eq!(ty.attributes()["X=Y"], "z");
        // `=` in a value is literal.
        let v = parse_distinguished_name("C=US,ST=WA,O=a=b").unwrap();
        assert_eq!(v.attributes()["O"], "a=b");
    }

    #[test]
    fn only_ascii_spaces_are_trimmed() {
        // A certificate subject whose O is "\tAcme Corp" (rendered as is by Go's pkix) must not
        // match an identity naming "Acme Corp": go-ldap keeps the tab, so notation fails it.
        let identity = parse_distinguished_name("C=US,ST=WA,O=Acme Corp").unwrap();
        for lead in ['\t', '\u{a0}', '\u{2003}'] {
            let subject =
                parse_distinguished_name(&format!("CN=x,O={lead}Acme Corp,ST=WA,C=US")).unwrap();
            assert!(!identity.is_subset_of(&subject), "{lead:?}");
        }
        let spaced = parse_distinguished_name("CN=x, O=  Acme Corp ,ST=WA,C=US").unwrap();
        assert!(identity.is_subset_of(&spaced));
        // "\tO" is not the type O, so the identity lacks O and is refused.
        assert!(parse_distinguished_name("C=US,ST=WA,\tO=Acme").is_err());
    }

    #[test]
    fn subset() {
        let a = parse_distinguished_name("C=US,ST=WA,O=SomeOrg").unwrap();
        let b =
            parse_distinguished_name("CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US").unwrap();
        assert!(a.is_subset_of(&b));
        assert!(!b.is_subset_of(&a));
    }

    #[test]
    fn an_empty_value_matches_an_absent_attribute() {
        // notation-go's isSubsetDN compares map lookups: a missing key reads as "".
        let identity = parse_distinguished_name("C=US,ST=WA,O=Notary,OU=").unwrap();
        let without_ou =
            parse_distinguished_name("CN=probe,O=Notary,L=Seattle,ST=WA,C=US").unwrap();
        let empty_ou = parse_distinguished_name("CN=probe,OU=,O=Notary,ST=WA,C=US").unwrap();
        let other_ou = parse_distinguished_name("CN=probe,OU=x,O=Notary,ST=WA,C=US").unwrap();
        assert!(identity.is_subset_of(&without_ou));
        assert!(identity.is_subset_of(&empty_ou));
        assert!(!identity.is_subset_of(&other_ou));
    }
}
