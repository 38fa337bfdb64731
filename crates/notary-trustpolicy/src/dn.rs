//! `x509.subject` distinguished names (RFC 4514 text) with notation's restrictions.

use std::collections::BTreeMap;

use crate::error::Error;

/// A distinguished name as a map from attribute type (`C`, `ST`, `O`, `CN`, ...) to value.
/// Multi-valued RDNs and repeated attribute types are not allowed; `S` is read as `ST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    attributes: BTreeMap<String, String>,
}

impl DistinguishedName {
    /// The attribute map.
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }

    /// True when every attribute of `self` is in `other` with the same value.
    pub fn is_subset_of(&self, other: &DistinguishedName) -> bool {
        self.attributes
            .iter()
            .all(|(k, v)| other.attributes.get(k) == Some(v))
    }
}

const MANDATORY: [&str; 3] = ["C", "ST", "O"];

fn invalid(reason: String) -> Error {
    Error::InvalidDistinguishedName { reason }
}

/// One attribute type and value of an RDN, and whether the RDN continues with `+`.
struct Attr {
    ty: String,
    value: String,
    multi: bool,
}

/// Splits RFC 4514 text into attributes, resolving escapes (`\,` `\+` `\\` `\XX` ...).
fn split(name: &str) -> Result<Vec<Attr>, String> {
    let mut out = Vec::new();
    let mut chars = name.chars().peekable();
    loop {
        // attribute type
        let mut ty = String::new();
        let mut found_eq = false;
        for c in chars.by_ref() {
            if c == '=' {
                found_eq = true;
                break;
            }
            if matches!(c, ',' | '+' | ';') {
                return Err(format!("attribute type {ty:?} has no value"));
            }
            ty.push(c);
        }
        // go-ldap trims ASCII spaces only: a tab or NBSP stays part of the type or value.
        let ty = ty.trim_matches(' ').to_string();
        if !found_eq {
            return Err(format!("attribute type {ty:?} has no value"));
        }
        if ty.is_empty() {
            return Err("empty attribute type".into());
        }
        // value
        let mut value: Vec<u8> = Vec::new();
        let push = |v: &mut Vec<u8>, c: char| {
            let mut buf = [0u8; 4];
            v.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        };
        let mut trailing_escaped = 0usize;
        let mut end = None;
        let mut started = false;
        while let Some(c) = chars.next() {
            match c {
                '"' if !started => {
                    started = true;
                    let mut closed = false;
                    for q in chars.by_ref() {
                        if q == '"' {
                            closed = true;
                            break;
                        }
                        push(&mut value, q);
                    }
                    if !closed {
                        return Err("unterminated quoted value".into());
                    }
                    trailing_escaped = value.len();
                }
                '\\' => {
                    started = true;
                    let a = chars.next().ok_or("dangling escape at the end")?;
                    if a.is_ascii_hexdigit() && chars.peek().is_some_and(char::is_ascii_hexdigit) {
                        let b = chars.next().unwrap_or('0');
                        let byte = u8::from_str_radix(&format!("{a}{b}"), 16)
                            .map_err(|e| e.to_string())?;
                        value.push(byte);
                    } else {
                        push(&mut value, a);
                    }
                    trailing_escaped = value.len();
                }
                ',' | ';' | '+' => {
                    end = Some(c);
                    break;
                }
                ' ' if !started => {}
                c => {
                    started = true;
                    push(&mut value, c);
                }
            }
        }
        // Unescaped trailing spaces are not part of the value.
        while value.len() > trailing_escaped && value.last() == Some(&b' ') {
            value.pop();
        }
        let value =
            String::from_utf8(value).map_err(|_| "escaped value is not UTF-8".to_string())?;
        out.push(Attr {
            ty,
            value,
            multi: end == Some('+'),
        });
        if end.is_none() {
            break;
        }
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
            "parsing distinguished name (DN) {name:?} failed: {e}. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard"
        ))
    })?;
    let mut map = BTreeMap::new();
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
        map.insert(ty, a.value);
    }
    for m in MANDATORY {
        if map.get(m).is_none_or(String::is_empty) {
            return Err(invalid(format!(
                "distinguished name (DN) {name:?} has no mandatory RDN attribute for {m:?}, it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum"
            )));
        }
    }
    Ok(DistinguishedName { attributes: map })
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
}
