//! Registry scope syntax: `<domain>/<repository>` as notation checks it, without regexes.

use crate::error::Error;

fn bad(scope: &str) -> Error {
    Error::Invalid {
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
    !b.is_empty()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

fn domain(d: &str) -> bool {
    let (host, port) = match d.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (d, None),
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    host.split('.').all(domain_label)
}

/// `[a-z0-9]+` groups joined by `.`, `_`, `__` or runs of `-`.
fn path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || c.is_ascii_lowercase() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !(b[i].is_ascii_digit() || b[i].is_ascii_lowercase()) {
            i += 1;
        }
        let sep = &c_slice(b, start, i);
        let ok = matches!(sep.as_slice(), b"." | b"_" | b"__") || sep.iter().all(|x| *x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn c_slice(b: &[u8], s: usize, e: usize) -> Vec<u8> {
    b.get(s..e).map(<[u8]>::to_vec).unwrap_or_default()
}

/// Validates a registry scope (`domain/repository`, no scheme, tag, digest or wildcard).
pub fn validate_registry_scope(scope: &str) -> Result<(), Error> {
    let (d, repo) = scope.split_once('/').ok_or_else(|| bad(scope))?;
    if domain(d) && repo.split('/').all(path_component) {
        Ok(())
    } else {
        Err(bad(scope))
    }
}

#[cfg(test)]
mod tests {
    use super::validate_registry_scope as v;

    #[test]
    fn scopes() {
        for ok in [
            "localhost:5000/test-repo",
            "registry.acme-rockets.io/software/net-monitor",
            "local/e2e",
            "a/b__c",
            "a/b---c",
            "example.com/x.y_z",
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
            "a/*",
        ] {
            assert!(v(bad).is_err(), "{bad}");
        }
    }
}
