//! Name constraints as Go's `x509.Certificate.Verify` applies them, for the paths this crate's
//! callers check with Go's path rules (the TSA chain of a timestamp: tspclient-go verifies it
//! with `Verify`). The Notary chain rules themselves do not evaluate name constraints.
//!
//! Go reads e-mail, DNS, URI and IP subtrees (other forms make a critical extension unhandled)
//! and, for each CA of the path with a nameConstraints extension, critical or not, checks the
//! leaf's subjectAltNames of those four forms against them.
//!
//! ```
//! use notary_x509::{Certificate, name_constraints};
//! let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap();
//! let leaf = Certificate::from_der(&der)?;
//! // No CA in this one-certificate path constrains names.
//! assert!(name_constraints::check(std::slice::from_ref(&leaf)).is_ok());
//! # Ok::<(), notary_x509::Error>(())
//! ```

use crate::cert::gonames::{domain_ok, mailbox, uri_host};
use crate::der::{self, Reader, tag};
use crate::{Certificate, Error};

const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const OID_NAME_CONSTRAINTS: &str = "2.5.29.30";

/// Comparisons one check may make (Go's default limit).
const MAX_COMPARISONS: usize = 250_000;

const EMAIL: u8 = 0x81;
const DNS: u8 = 0x82;
const URI: u8 = 0x86;
const IP: u8 = 0x87;
const GO_FORMS: [u8; 4] = [EMAIL, DNS, URI, IP];

/// Whether Go processes the certificate's subjectAltName: it holds at least one e-mail, DNS,
/// URI or IP name. A critical one that does not is an unhandled critical extension in Go.
pub fn subject_alt_name_is_handled(cert: &Certificate) -> bool {
    general_names(cert).is_some_and(|names| names.iter().any(|(t, _)| GO_FORMS.contains(t)))
}

/// Whether Go processes the certificate's nameConstraints: every base is an e-mail, DNS, URI or
/// IP name. A critical one that is not is an unhandled critical extension in Go.
pub fn is_handled(cert: &Certificate) -> bool {
    subtrees(cert).is_some_and(|s| s.handled)
}

/// Checks the leaf of `path` (leaf first) against the name constraints of every other
/// certificate of it; the error names the constraining certificate and Go's reason.
pub fn check(path: &[Certificate]) -> Result<(), Error> {
    let Some(leaf) = path.first() else {
        return Ok(());
    };
    let names = general_names(leaf).unwrap_or_default();
    let mut comparisons = 0usize;
    for (index, ca) in path.iter().enumerate().skip(1) {
        let Some(subtrees) = subtrees(ca) else {
            continue;
        };
        for &(form, value) in &names {
            check_name(&subtrees, form, value, &mut comparisons).map_err(|detail| {
                Error::NameNotAuthorized {
                    index,
                    subject: ca.subject_string(),
                    detail,
                }
            })?;
        }
    }
    Ok(())
}

/// The subjectAltName's GeneralNames (tag, contents), when it is well formed.
fn general_names(cert: &Certificate) -> Option<Vec<(u8, &[u8])>> {
    let value = cert.extension_value(OID_SUBJECT_ALT_NAME)?;
    let seq = der::parse_single(value, tag::SEQUENCE).ok()?;
    let mut r = Reader::new(seq.value);
    let mut out = Vec::new();
    while !r.is_empty() {
        let n = r.read_any().ok()?;
        out.push((n.tag, n.value));
    }
    Some(out)
}

/// Permitted and excluded bases (form, contents) of the four forms Go reads.
struct Subtrees<'a> {
    permitted: Vec<(u8, &'a [u8])>,
    excluded: Vec<(u8, &'a [u8])>,
    /// No base of another form.
    handled: bool,
}

fn subtrees(cert: &Certificate) -> Option<Subtrees<'_>> {
    let value = cert.extension_value(OID_NAME_CONSTRAINTS)?;
    let seq = der::parse_single(value, tag::SEQUENCE).ok()?;
    let mut r = Reader::new(seq.value);
    let mut out = Subtrees {
        permitted: Vec::new(),
        excluded: Vec::new(),
        handled: true,
    };
    for (t, permitted) in [(0xa0, true), (0xa1, false)] {
        let Some(list) = r.read_optional(t).ok()? else {
            continue;
        };
        let mut lr = Reader::new(list.value);
        while !lr.is_empty() {
            let subtree = lr.read(tag::SEQUENCE).ok()?;
            let base = Reader::new(subtree.value).read_any().ok()?;
            if !GO_FORMS.contains(&base.tag) {
                out.handled = false;
            } else if permitted {
                out.permitted.push((base.tag, base.value));
            } else {
                out.excluded.push((base.tag, base.value));
            }
        }
    }
    Some(out)
}

/// A leaf name as the constraints compare it.
enum Name<'a> {
    Email { local: Vec<u8>, domain: &'a [u8] },
    Dns(&'a [u8]),
    Uri(&'a [u8]),
    Ip(&'a [u8]),
}

/// Go's `checkNameConstraints` for one name: no excluded base may match it and, when bases of
/// its form are permitted, one must.
fn check_name<'a>(
    subtrees: &Subtrees<'a>,
    form: u8,
    value: &[u8],
    comparisons: &mut usize,
) -> Result<(), String> {
    let text = String::from_utf8_lossy(value).into_owned();
    let (kind, name, shown) = match form {
        EMAIL => {
            let (local, domain) =
                mailbox(value).ok_or_else(|| format!("x509: cannot parse rfc822Name {text:?}"))?;
            ("email address", Name::Email { local, domain }, text)
        }
        DNS if !domain_ok(value) => return Err(format!("x509: cannot parse dnsName {text:?}")),
        DNS => ("DNS name", Name::Dns(value), text),
        URI => ("URI", Name::Uri(value), text),
        IP if value.len() != 4 && value.len() != 16 => {
            return Err(format!(
                "x509: internal error: IP SAN {} failed to parse",
                hex::encode(value)
            ));
        }
        IP => ("IP address", Name::Ip(value), ip_text(value)),
        // Go does not constrain other forms.
        _ => return Ok(()),
    };
    let of_form = |list: &[(u8, &'a [u8])]| -> Vec<&'a [u8]> {
        list.iter()
            .filter(|(t, _)| *t == form)
            .map(|(_, v)| *v)
            .collect()
    };
    let (excluded, permitted) = (of_form(&subtrees.excluded), of_form(&subtrees.permitted));
    *comparisons = comparisons
        .saturating_add(excluded.len())
        .saturating_add(permitted.len());
    if *comparisons > MAX_COMPARISONS {
        return Err("x509: too many name constraints".into());
    }
    for constraint in &excluded {
        if matches(&name, constraint)? {
            return Err(format!(
                "{kind} {shown:?} is excluded by constraint {:?}",
                constraint_text(form, constraint)
            ));
        }
    }
    if permitted.is_empty() {
        return Ok(());
    }
    for constraint in &permitted {
        if matches(&name, constraint)? {
            return Ok(());
        }
    }
    Err(format!(
        "{kind} {shown:?} is not permitted by any constraint"
    ))
}

/// A constraint as Go prints it: the text, or an IP network as `addr/mask`.
fn constraint_text(form: u8, constraint: &[u8]) -> String {
    if form == IP {
        // Masks are checked contiguous when the certificate is read: a prefix length.
        let (ip, mask) = constraint.split_at(constraint.len() / 2);
        let ones: u32 = mask.iter().map(|b| b.count_ones()).sum();
        format!("{}/{ones}", ip_text(ip))
    } else {
        String::from_utf8_lossy(constraint).into_owned()
    }
}

fn ip_text(ip: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(ip) {
        std::net::Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(ip) {
        std::net::Ipv6Addr::from(v6).to_string()
    } else {
        hex::encode(ip)
    }
}

fn matches(name: &Name<'_>, constraint: &[u8]) -> Result<bool, String> {
    match name {
        Name::Dns(domain) => domain_matches(domain, constraint),
        // A constraint with an `@` is one mailbox; otherwise a domain for the mailbox's.
        Name::Email { local, domain } if constraint.contains(&b'@') => {
            let (c_local, c_domain) = mailbox(constraint).ok_or_else(|| {
                format!(
                    "x509: internal error: cannot parse constraint {:?}",
                    String::from_utf8_lossy(constraint)
                )
            })?;
            Ok(*local == c_local && domain.eq_ignore_ascii_case(c_domain))
        }
        Name::Email { domain, .. } => domain_matches(domain, constraint),
        Name::Uri(uri) => {
            // RFC 5280 §4.2.1.10: a URI without a host name cannot be checked, so fails.
            let shown = String::from_utf8_lossy(uri);
            let authority = uri_host(uri);
            if authority.is_empty() {
                return Err(format!(
                    "URI with empty host ({shown:?}) cannot be matched against constraints"
                ));
            }
            let host = match authority.iter().rposition(|&c| c == b':') {
                Some(colon) if authority.last() != Some(&b']') => {
                    authority.get(..colon).unwrap_or_default()
                }
                _ => authority,
            };
            let is_ip = std::str::from_utf8(host)
                .ok()
                .is_some_and(|h| h.parse::<std::net::IpAddr>().is_ok());
            if host.first() == Some(&b'[') || is_ip {
                return Err(format!(
                    "URI with IP ({shown:?}) cannot be matched against constraints"
                ));
            }
            domain_matches(host, constraint)
        }
        Name::Ip(ip) => {
            // Address and mask of one family; the other family never matches.
            let (net, mask) = constraint.split_at(constraint.len() / 2);
            Ok(ip.len() == net.len()
                && ip
                    .iter()
                    .zip(net)
                    .zip(mask)
                    .all(|((a, n), m)| a & m == n & m))
        }
    }
}

/// Go's `matchDomainConstraint`: an empty constraint matches everything; a leading dot asks
/// for at least one more label; labels compare case-insensitively from the right.
fn domain_matches(domain: &[u8], constraint: &[u8]) -> Result<bool, String> {
    if constraint.is_empty() {
        return Ok(true);
    }
    let unparsable = |d: &[u8]| {
        format!(
            "x509: internal error: cannot parse domain {:?}",
            String::from_utf8_lossy(d)
        )
    };
    if !domain_ok(domain) {
        return Err(unparsable(domain));
    }
    let (subdomains_only, base) = match constraint.strip_prefix(b".") {
        Some(rest) => (true, rest),
        None => (false, constraint),
    };
    if !domain_ok(base) {
        return Err(unparsable(base));
    }
    // Go's reverse labels: none for an empty domain.
    let reverse = |d: &'_ [u8]| -> Vec<Vec<u8>> {
        if d.is_empty() {
            Vec::new()
        } else {
            d.rsplit(|&c| c == b'.').map(<[u8]>::to_vec).collect()
        }
    };
    let (labels, wanted) = (reverse(domain), reverse(base));
    if labels.len() < wanted.len() || (subdomains_only && labels.len() == wanted.len()) {
        return Ok(false);
    }
    Ok(wanted
        .iter()
        .zip(&labels)
        .all(|(w, l)| w.eq_ignore_ascii_case(l)))
}
