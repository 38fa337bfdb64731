//! Name constraints as Go's `x509.Certificate.Verify` applies them, for the paths this crate's
//! callers check with Go's path rules (the TSA chain of a timestamp: tspclient-go verifies it
//! with `Verify`). The Notary chain rules themselves do not evaluate name constraints.
//!
//! Go (1.26, which notation is built with) reads e-mail, DNS, URI and IP subtrees (other forms
//! make a critical extension unhandled) and, for each CA of the path with a nameConstraints
//! extension, critical or not, checks the subjectAltNames of those four forms of every
//! certificate below it, intermediates included, against them.
//!
//! ```
//! use notary_x509::{Certificate, name_constraints};
//! let der = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/valid/leaf.der")).unwrap();
//! let leaf = Certificate::from_der(&der)?;
//! // No CA in this one-certificate path constrains names.
//! assert!(name_constraints::check(std::slice::from_ref(&leaf)).is_ok());
//! # Ok::<(), notary_x509::Error>(())
//! ```

use crate::cert::gonames::{domain_ok, mailbox, parse_uri};
use crate::der::{self, Reader, tag};
use crate::{Certificate, Error};
use notary_core::json::go_quote;

const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const OID_NAME_CONSTRAINTS: &str = "2.5.29.30";

/// Comparisons one check may make, so that a hostile path cannot make the name-by-base scan
/// quadratic. Go 1.26 has no such limit (it sorts the bases); the bound is the one older Go
/// versions applied, far above any real path.
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

/// Checks the names of `path` (leaf first) as Go 1.26's `checkChainConstraints` does: every
/// certificate with a subjectAltName extension, CAs included, against the name constraints of
/// each certificate above it in the path (a CA's own constraints do not apply to itself). A
/// certificate without subjectAltName is not checked: Go ignores the subject common name. The
/// error names the constraining certificate and Go's reason.
pub fn check(path: &[Certificate]) -> Result<(), Error> {
    // Go's list of the constraining certificates, in path order.
    let constraining: Vec<(usize, &Certificate, Subtrees<'_>)> = path
        .iter()
        .enumerate()
        .filter_map(|(index, ca)| subtrees(ca).map(|s| (index, ca, s)))
        .collect();
    let mut comparisons = 0usize;
    for (i, cert) in path.iter().enumerate() {
        let Some(general_names) = general_names(cert) else {
            continue;
        };
        // Only the constraints of certificates above this one; once there are none, none
        // apply to the certificates further up either.
        let Some(above) = constraining
            .iter()
            .position(|(index, _, _)| *index > i)
            .and_then(|first| constraining.get(first..))
        else {
            return Ok(());
        };
        // Go reads the URIs and mailboxes once per certificate, before any constraint; an
        // error there is reported against the first constraining certificate.
        let names = SanNames::read(&general_names);
        for (index, ca, subtrees) in above {
            let refuse = |detail: String| Error::NameNotAuthorized {
                index: *index,
                subject: ca.subject_string(),
                detail,
            };
            let names = names.as_ref().map_err(|detail| refuse(detail.clone()))?;
            names.check(subtrees, &mut comparisons).map_err(refuse)?;
        }
    }
    Ok(())
}

/// The subjectAltName's GeneralNames (tag, contents), when it is well formed.
fn general_names(cert: &Certificate) -> Option<Vec<(u8, &[u8])>> {
    let value = cert.extension_value(OID_SUBJECT_ALT_NAME)?;
    // The first element only, as Go reads it (and as the certificate was parsed): bytes after
    // it must not make the names unreadable here, which would skip the constraints.
    let seq = Reader::new(value).read(tag::SEQUENCE).ok()?;
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

impl<'a> Subtrees<'a> {
    /// The permitted (or excluded) bases of one form, in certificate order.
    fn of_form(&self, form: u8, permitted: bool) -> Vec<&'a [u8]> {
        let list = if permitted {
            &self.permitted
        } else {
            &self.excluded
        };
        list.iter()
            .filter(|(t, _)| *t == form)
            .map(|(_, v)| *v)
            .collect()
    }
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

/// A mailbox as Go's constraint check holds it: the local part (unquoted) and the domain in
/// lower case.
#[derive(PartialEq, Eq)]
struct Mailbox {
    local: Vec<u8>,
    domain: Vec<u8>,
}

impl Mailbox {
    fn parse(v: &[u8]) -> Option<Self> {
        let (local, domain) = mailbox(v)?;
        Some(Self {
            local,
            domain: domain.to_ascii_lowercase(),
        })
    }

    /// Go's `rfc2821Mailbox.String`.
    fn text(&self) -> Vec<u8> {
        [self.local.as_slice(), b"@", self.domain.as_slice()].concat()
    }
}

/// A URI as Go's `parseURIs` leaves it: the URI and the host it is constrained by.
struct UriName<'a> {
    uri: &'a [u8],
    domain: Vec<u8>,
}

/// The subjectAltNames of one certificate that Go constrains, by form, in certificate order.
struct SanNames<'a> {
    ips: Vec<&'a [u8]>,
    dns: Vec<&'a [u8]>,
    uris: Vec<UriName<'a>>,
    emails: Vec<Mailbox>,
}

impl<'a> SanNames<'a> {
    /// Go's `parseURIs` then `parseMailboxes`: a URI must have a host that is not an IP
    /// address, an e-mail address must be a mailbox.
    fn read(names: &[(u8, &'a [u8])]) -> Result<Self, String> {
        let of_form = |form: u8| {
            names
                .iter()
                .filter(move |(t, _)| *t == form)
                .map(|(_, v)| *v)
        };
        let mut uris = Vec::new();
        for uri in of_form(URI) {
            let shown = go_quote(uri);
            // URIs Go's `url.Parse` refuses were refused with the certificate.
            let host = parse_uri(uri).unwrap_or_default();
            let host = host.as_slice();
            if host.is_empty() {
                return Err(format!(
                    "URI with empty host ({shown}) cannot be matched against constraints"
                ));
            }
            let mut domain = host;
            if host.contains(&b':') && host.last() != Some(&b']') {
                domain = split_host_port(host).map_err(|e| {
                    format!(
                        "cannot parse URI host {}: address {}: {e}",
                        go_quote(host),
                        String::from_utf8_lossy(host)
                    )
                })?;
            }
            let bracketed = domain.first() == Some(&b'[') && domain.last() == Some(&b']');
            if bracketed || is_ip_address(domain) {
                return Err(format!(
                    "URI with IP ({shown}) cannot be matched against constraints"
                ));
            }
            uris.push(UriName {
                uri,
                domain: domain.to_ascii_lowercase(),
            });
        }
        let mut emails = Vec::new();
        for email in of_form(EMAIL) {
            emails.push(
                Mailbox::parse(email)
                    .ok_or_else(|| format!("cannot parse rfc822Name {}", go_quote(email)))?,
            );
        }
        Ok(Self {
            ips: of_form(IP).collect(),
            dns: of_form(DNS).collect(),
            uris,
            emails,
        })
    }

    /// Go's `chainConstraints.check` for one constraining certificate: IP addresses, DNS
    /// names, URIs, then e-mail addresses, each against the permitted bases of its form (when
    /// there are any) and then the excluded ones.
    fn check(&self, subtrees: &Subtrees<'_>, comparisons: &mut usize) -> Result<(), String> {
        let bases = |form| (subtrees.of_form(form, true), subtrees.of_form(form, false));
        // Each query compares the name with at most every base of its form.
        let mut charge = |p: &[&[u8]], e: &[&[u8]]| -> Result<(), String> {
            *comparisons = comparisons.saturating_add(p.len()).saturating_add(e.len());
            if *comparisons > MAX_COMPARISONS {
                return Err("x509: too many name constraints".into());
            }
            Ok(())
        };
        let (p, e) = bases(IP);
        for &ip in &self.ips {
            charge(&p, &e)?;
            if ip.len() != 4 && ip.len() != 16 {
                // Refused when the certificate is read; never reached.
                return Err(format!(
                    "x509: cannot parse IP address of length {}",
                    ip.len()
                ));
            }
            let shown = go_quote(ip_text(ip).as_bytes());
            if !p.is_empty() && !p.iter().any(|n| ip_net_contains(n, ip)) {
                return Err(format!(
                    "IP address {shown} is not permitted by any constraint"
                ));
            }
            if let Some(n) = e.iter().find(|n| ip_net_contains(n, ip)) {
                return Err(format!(
                    "IP address {shown} is excluded by constraint {}",
                    go_quote(ip_net_text(n).as_bytes())
                ));
            }
        }
        let (p, e) = bases(DNS);
        for &dns in &self.dns {
            charge(&p, &e)?;
            if !domain_ok(dns) {
                return Err(format!("x509: cannot parse dnsName {}", go_quote(dns)));
            }
            check_domain("DNS name", dns, dns, &p, &e)?;
        }
        let (p, e) = bases(URI);
        for uri in &self.uris {
            charge(&p, &e)?;
            if !domain_ok(&uri.domain) {
                return Err(format!(
                    "x509: internal error: URI SAN {} failed to parse",
                    go_quote(uri.uri)
                ));
            }
            check_domain("URI", uri.uri, &uri.domain, &p, &e)?;
        }
        let (p, e) = bases(EMAIL);
        for email in &self.emails {
            charge(&p, &e)?;
            let shown = go_quote(&email.text());
            if !domain_ok(&email.domain) {
                return Err(format!("x509: cannot parse rfc822Name {shown}"));
            }
            if !p.is_empty() && email_query(&p, true, email).is_none() {
                return Err(format!(
                    "email address {shown} is not permitted by any constraint"
                ));
            }
            if let Some(c) = email_query(&e, false, email) {
                return Err(format!(
                    "email address {shown} is excluded by constraint {}",
                    go_quote(&c)
                ));
            }
        }
        Ok(())
    }
}

/// A DNS name, or the host of a URI, against the DNS-style bases of its form.
fn check_domain(
    kind: &str,
    shown: &[u8],
    domain: &[u8],
    permitted: &[&[u8]],
    excluded: &[&[u8]],
) -> Result<(), String> {
    if !permitted.is_empty() && dns_query(permitted, true, domain).is_none() {
        return Err(format!(
            "{kind} {} is not permitted by any constraint",
            go_quote(shown)
        ));
    }
    if let Some(c) = dns_query(excluded, false, domain) {
        return Err(format!(
            "{kind} {} is excluded by constraint {}",
            go_quote(shown),
            go_quote(&c)
        ));
    }
    Ok(())
}
/// Go's `dnsHasSuffix`: `name` ends with `constraint`, case-insensitively, at a label
/// boundary (a constraint with a leading dot is its own boundary, so it matches only names
/// with at least one more label).
fn dns_has_suffix(constraint: &[u8], name: &[u8]) -> bool {
    let Some(start) = name.len().checked_sub(constraint.len()) else {
        return false;
    };
    if !name
        .get(start..)
        .is_some_and(|tail| tail.eq_ignore_ascii_case(constraint))
    {
        return false;
    }
    constraint.first() == Some(&b'.')
        || start == 0
        || start
            .checked_sub(1)
            .and_then(|i| name.get(i))
            .is_some_and(|&c| c == b'.')
}

/// Go's `trimFirstLabel`: from the first dot on, or nothing for a single label.
fn trim_first_label(name: &[u8]) -> &[u8] {
    match name.iter().position(|&c| c == b'.') {
        Some(dot) => name.get(dot..).unwrap_or_default(),
        None => &[],
    }
}

/// Go's `dnsConstraints.query` over a non-empty list of bases: the base matching `name`, as
/// Go reports it. An empty base matches every name. Otherwise the most general base of which
/// `name` is a label suffix (the one Go keeps after pruning the bases it subsumes); and for
/// excluded bases a wildcard name (`*.example.com`) also matches a base naming one host of
/// the same parent (`a.example.com`), reported in lower case.
fn dns_query(bases: &[&[u8]], permitted: bool, name: &[u8]) -> Option<Vec<u8>> {
    if bases.iter().any(|b| b.is_empty()) {
        return Some(Vec::new());
    }
    let suffix = bases
        .iter()
        .filter(|b| dns_has_suffix(b, name))
        .min_by_key(|b| b.len());
    if let Some(b) = suffix {
        return Some(b.to_vec());
    }
    if !permitted && name.first() == Some(&b'*') {
        let parent = trim_first_label(name).to_ascii_lowercase();
        return bases.iter().map(|b| b.to_ascii_lowercase()).find(|b| {
            let p = trim_first_label(b);
            !p.is_empty() && p == parent.as_slice()
        });
    }
    None
}

/// Go's `emailConstraints.query`: a base with an `@` matches that mailbox exactly (domain
/// case-insensitively) and is reported as `local@domain` with the domain in lower case; the
/// other bases are domains matched like DNS names against the mailbox's domain.
fn email_query(bases: &[&[u8]], permitted: bool, email: &Mailbox) -> Option<Vec<u8>> {
    let (full, domains): (Vec<&[u8]>, Vec<&[u8]>) = bases.iter().partition(|b| b.contains(&b'@'));
    // Constraints were checked to be mailboxes when the certificate was read.
    if full
        .iter()
        .filter_map(|b| Mailbox::parse(b))
        .any(|m| m == *email)
    {
        return Some(email.text());
    }
    if domains.is_empty() {
        return None;
    }
    dns_query(&domains, permitted, &email.domain)
}

/// Go's `net.IP.To4`: a 4-byte address, or the IPv4 address an IPv4-mapped IPv6 one holds.
fn to4(ip: &[u8]) -> Option<&[u8]> {
    match ip.len() {
        4 => Some(ip),
        16 if ip.get(..12) == Some(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff][..]) => ip.get(12..),
        _ => None,
    }
}

/// Go's `networkNumberAndMask` of an IP base (address then mask, of equal length): an
/// IPv4-mapped address is taken as IPv4 with the last 4 bytes of its mask.
fn network_and_mask(base: &[u8]) -> (&[u8], &[u8]) {
    let (ip, mask) = base.split_at(base.len() / 2);
    match to4(ip) {
        Some(v4) if mask.len() == 16 => (v4, mask.get(12..).unwrap_or_default()),
        Some(v4) => (v4, mask),
        None => (ip, mask),
    }
}

/// Go's query of the IP bases: a 4-byte address is looked up among the 4-byte bases, a
/// 16-byte one among the 16-byte bases, and matches a base when `net.IPNet.Contains` does.
fn ip_net_contains(base: &[u8], ip: &[u8]) -> bool {
    if base.len() != ip.len().saturating_mul(2) {
        return false;
    }
    let (net, mask) = network_and_mask(base);
    let ip = to4(ip).unwrap_or(ip);
    ip.len() == net.len()
        && mask.len() == net.len()
        && ip
            .iter()
            .zip(net)
            .zip(mask)
            .all(|((a, n), m)| a & m == n & m)
}

/// An IP base as Go's `net.IPNet.String` prints it: `address/prefix length`.
fn ip_net_text(base: &[u8]) -> String {
    let (net, mask) = network_and_mask(base);
    // Masks are checked contiguous when the certificate is read: a prefix length.
    let ones: u32 = mask.iter().map(|b| b.count_ones()).sum();
    format!("{}/{ones}", ip_text(net))
}

/// An address as Go's `net.IP.String` prints it (an IPv4-mapped one as IPv4).
fn ip_text(ip: &[u8]) -> String {
    if let Some(v4) = to4(ip).and_then(|v| <[u8; 4]>::try_from(v).ok()) {
        std::net::Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(ip) {
        std::net::Ipv6Addr::from(v6).to_string()
    } else {
        hex::encode(ip)
    }
}

/// Whether Go's `netip.ParseAddr` reads `host` as an address (an IPv6 one may carry a zone).
fn is_ip_address(host: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(host) else {
        return false;
    };
    if text.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    let addr = match text.split_once('%') {
        Some((_, "")) => return false,
        Some((addr, _)) => addr,
        None => text,
    };
    addr.parse::<std::net::Ipv6Addr>().is_ok()
}

/// The host of Go's `net.SplitHostPort`, or its reason for refusing `hostport`.
fn split_host_port(hostport: &[u8]) -> Result<&[u8], &'static str> {
    const MISSING_PORT: &str = "missing port in address";
    const TOO_MANY_COLONS: &str = "too many colons in address";
    let colon = hostport
        .iter()
        .rposition(|&c| c == b':')
        .ok_or(MISSING_PORT)?;
    let (host, from_open, from_close) = if hostport.first() == Some(&b'[') {
        let end = hostport
            .iter()
            .position(|&c| c == b']')
            .ok_or("missing ']' in address")?;
        let after = end.saturating_add(1);
        if after == hostport.len() {
            return Err(MISSING_PORT);
        }
        if after != colon {
            return Err(if hostport.get(after) == Some(&b':') {
                TOO_MANY_COLONS
            } else {
                MISSING_PORT
            });
        }
        (hostport.get(1..end).unwrap_or_default(), 1, after)
    } else {
        let host = hostport.get(..colon).unwrap_or_default();
        if host.contains(&b':') {
            return Err(TOO_MANY_COLONS);
        }
        (host, 0, 0)
    };
    if hostport
        .get(from_open..)
        .unwrap_or_default()
        .contains(&b'[')
    {
        return Err("unexpected '[' in address");
    }
    if hostport
        .get(from_close..)
        .unwrap_or_default()
        .contains(&b']')
    {
        return Err("unexpected ']' in address");
    }
    Ok(host)
}
