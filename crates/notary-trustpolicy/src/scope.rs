//! Registry scope syntax (`<domain>/<repository>` as notation checks it, without regexes) and
//! the canonical form scopes and references are compared in.
//!
//! Canonical form: registry host names are case-insensitive, so the host is lowercased; the
//! registry is HTTPS by default (as in notation), so an explicit `:443` is dropped; a port is
//! written without leading zeros; an IPv6 literal (`[::1]:5000`, an extension over notation's
//! syntax) is written in its RFC 5952 form. `:80` is kept: for an HTTPS registry it names
//! another port, not the default. The repository path is case-sensitive and kept as is (it
//! must already be lowercase to be valid).

use std::net::Ipv6Addr;

use crate::error::Error;

/// Longest `registry/repository` name of a reference, as the distribution reference grammar
/// limits it (`NameTotalLengthMax`).
pub const MAX_NAME_LENGTH: usize = 255;

fn bad(scope: &str) -> Error {
    Error::Invalid {
        document: None,
        statement: None,
        field: "registryScopes",
        reason: format!(
            "registry scope {scope:?} is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout"
        ),
    }
}

/// `[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn domain_label(l: &str) -> bool {
    let b = l.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// The canonical port text: digits without leading zeros, `None` for the default 443.
fn canonical_port(p: &str) -> Result<Option<String>, ()> {
    if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
        return Err(());
    }
    let trimmed = p.trim_start_matches('0');
    let port = if trimmed.is_empty() { "0" } else { trimmed };
    Ok((port != "443").then(|| port.to_string()))
}

/// The canonical form of a registry `host[:port]`, or `Err` when it is not a valid one.
fn canonical_domain(d: &str) -> Result<String, ()> {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        let (addr, after) = rest.split_once(']').ok_or(())?;
        // No zone identifiers: `Ipv6Addr` refuses `%eth0`.
        let ip: Ipv6Addr = addr.parse().map_err(|_| ())?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(())?),
        };
        (format!("[{ip}]"), port)
    } else {
        let (h, p) = match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        };
        if !h.split('.').all(domain_label) {
            return Err(());
        }
        (h.to_ascii_lowercase(), p)
    };
    Ok(match port.map(canonical_port).transpose()?.flatten() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// `[a-z0-9]+` groups joined by `.`, `_`, `__` or runs of `-`.
fn path_component(c: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && c.split(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            .filter(|sep| !sep.is_empty())
            .all(|sep| sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-'))
}

/// Whether `repo` is a repository name of the distribution spec: path components
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` separated by `/`.
pub fn valid_repository(repo: &str) -> bool {
    repo.split('/').all(path_component)
}

/// The canonical `registry/repository` of a scope, or `Err` when it is not a valid scope.
fn canonical(scope: &str) -> Result<String, ()> {
    let (d, repo) = scope.split_once('/').ok_or(())?;
    let domain = canonical_domain(d)?;
    if !valid_repository(repo) {
        return Err(());
    }
    Ok(format!("{domain}/{repo}"))
}

/// Validates a registry scope (`domain/repository`, no scheme, tag, digest or wildcard).
pub fn validate_registry_scope(scope: &str) -> Result<(), Error> {
    canonical_registry_scope(scope).map(|_| ())
}

/// Validates a registry scope and returns its canonical form (lowercase host, no `:443`; see
/// the module documentation). Policies are loaded and references matched in this form.
///
/// ```
/// use notary_trustpolicy::canonical_registry_scope as c;
/// assert_eq!(c("REGISTRY.Example:443/app").unwrap(), "registry.example/app");
/// assert_eq!(c("registry.example:80/app").unwrap(), "registry.example:80/app");
/// assert_eq!(c("[0:0::1]:5000/app").unwrap(), "[::1]:5000/app");
/// assert!(c("registry.example/App").is_err());
/// ```
pub fn canonical_registry_scope(scope: &str) -> Result<String, Error> {
    canonical(scope).map_err(|()| bad(scope))
}

/// The canonical form of a registry `host[:port]` (lowercase host, no `:443`, RFC 5952 IPv6
/// literal), or [`Error::InvalidReference`] when it is not a registry name.
pub fn canonical_registry(registry: &str) -> Result<String, Error> {
    canonical_domain(registry).map_err(|()| Error::InvalidReference {
        reference: registry.to_string(),
        reason: "invalid registry host name".into(),
    })
}

/// The canonical `registry/repository` of an artifact reference's name part, refusing a
/// repository that is not valid per the distribution spec or a name longer than 255 bytes.
pub fn canonical_reference_name(name: &str) -> Result<String, Error> {
    let out = canonical_scope_name(name)?;
    if out.len() > MAX_NAME_LENGTH {
        return Err(Error::InvalidReference {
            reference: name.to_string(),
            reason: format!(
                "the name is {} bytes long, more than the {MAX_NAME_LENGTH} allowed",
                out.len()
            ),
        });
    }
    Ok(out)
}

/// [`canonical_reference_name`] without the length limit: the form a trust policy matches an
/// artifact's scope in (notation sets no length limit on scopes, and an OCI layout's `--scope`
/// is a name of the user's choosing, never sent to a registry).
pub(crate) fn canonical_scope_name(name: &str) -> Result<String, Error> {
    let fail = |reason: String| Error::InvalidReference {
        reference: name.to_string(),
        reason,
    };
    let (registry, repo) = name
        .split_once('/')
        .ok_or_else(|| fail("expected <registry>/<repository>".into()))?;
    let registry = canonical_domain(registry)
        .map_err(|()| fail(format!("invalid registry host {registry:?}")))?;
    if !valid_repository(repo) {
        return Err(fail(format!(
            "invalid repository {repo:?}: path components of lowercase letters and digits, separated by '.', '_', '__' or dashes, joined by '/'"
        )));
    }
    Ok(format!("{registry}/{repo}"))
}

#[cfg(test)]
mod tests {
    use super::validate_registry_scope as v;
    use super::*;

    #[test]
    fn scopes() {
        for ok in [
            "localhost:5000/test-repo",
            "registry.acme-rockets.io/software/net-monitor",
            "local/e2e",
            "a/b__c",
            "a/b---c",
            "example.com/x.y_z",
            "[::1]:5000/app",
            "[fe80::1]/app",
        ] {
            assert!(v(ok).is_ok(), "{ok}");
        }
        for bad in [
            "localhost:5000\\test-repo",
            "*",
            "a/B",
            "a/b:tag",
            "a/b@sha256:00",
            "https://a/b",
            "a",
            "a/",
            "a//b",
            "-a.com/b",
            "a:/b",
            "a/b._c",
            "a/b.-c",
            "a/b-.c",
            "a/b___c",
            "a/*",
            "[::1/app",
            "[::1]x/app",
            "[not-ip]/app",
            "[fe80::1%eth0]/app",
        ] {
            assert!(v(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn canonical_forms() {
        for (input, want) in [
            ("REGISTRY.EXAMPLE/app", "registry.example/app"),
            ("registry.example:443/app", "registry.example/app"),
            (
                "Registry.Example:0443/team/app",
                "registry.example/team/app",
            ),
            ("registry.example:80/app", "registry.example:80/app"),
            ("localhost:05000/app", "localhost:5000/app"),
            ("[0:0:0:0:0:0:0:1]:443/app", "[::1]/app"),
            ("[FE80::A]:5000/app", "[fe80::a]:5000/app"),
        ] {
            assert_eq!(canonical_registry_scope(input).unwrap(), want, "{input}");
            assert_eq!(canonical_reference_name(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn reference_names_are_checked() {
        for bad in [
            "registry.example/App",
            "registry.example/a..b",
            "registry.example/a/",
            "registry.example",
            "registry_example/app",
        ] {
            assert!(
                matches!(
                    canonical_reference_name(bad),
                    Err(Error::InvalidReference { .. })
                ),
                "{bad}"
            );
        }
        let long = format!("r.example/{}", "a".repeat(246));
        assert_eq!(long.len(), 256);
        assert!(matches!(
            canonical_reference_name(&long),
            Err(Error::InvalidReference { .. })
        ));
        assert!(canonical_reference_name(&long[..255]).is_ok());
        assert_eq!(canonical_scope_name(&long).unwrap(), long);
    }
}
